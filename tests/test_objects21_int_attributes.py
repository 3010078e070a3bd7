"""Integer and shape facts an object holds (`self.stride`, `self.filter_shape`, `self.n`),
read by a method that also sets attributes to values being differentiated, reaching
np.arange and range (as ML-From-Scratch's Conv2D does through get_im2col_indices): np.arange
has a rule (start + i * step: start and step get gradients, the stop, which only sets the
count, none), so a count or a shape read from a differentiated object is no refusal. Each
spelling is checked in grad, jvp and hvp against central differences."""

from __future__ import annotations

import numpy as np
import pytest

import pullback
from tests.fd import assert_close, assert_derivatives_match, numeric_grad


def columns(X, shape, stride):
    k, m = shape
    n = int((X.shape[0] - k) / stride + 1)
    rows = np.repeat(np.arange(k), m)
    starts = stride * np.arange(n)
    return X[rows.reshape(-1, 1) + starts.reshape(1, -1) % X.shape[0]]


class Conv:
    def __init__(self, shape, stride):
        self.shape = shape
        self.stride = stride
        self.n = 3
        self.W = np.linspace(0.5, 1.5, shape[0] * shape[1])

    def forward(self, X):
        self.inp = X  # a write first: the reads below come after it
        self.col = columns(X, self.shape, stride=self.stride)
        out = self.W @ self.col
        for i in range(self.n):
            out = out + np.sin(out) * (0.1 + 0.01 * i)
        return np.sum(out ** 2)

    def apply(self, X):  # reads the counts and shapes only
        out = self.W @ columns(X, self.shape, self.stride)
        for i in range(self.n):
            out = out + np.sin(out) * (0.1 + 0.01 * i)
        return np.sum(out ** 2)

    def forward_own_arange(self, X):
        self.inp = X
        idx = np.arange(self.shape[0]) * self.stride
        total = 0.0
        for j in np.arange(self.n):
            total = total + np.sum(np.tanh(X[idx] * self.W[j]))
        return total


def _X():
    return np.linspace(-1.0, 1.2, 7)


@pytest.mark.parametrize("stride", [1, 2])
def test_counts_read_from_a_written_object_wrt_input(stride):
    layer = Conv((2, 2), stride)

    def f(X):
        return layer.forward(X)

    assert_close(pullback.grad(f)(_X()), numeric_grad(f, [_X()]))


def test_counts_read_from_a_written_object_wrt_weights():
    def f(W, layer):
        layer.W = W
        return layer.forward(_X())

    W = np.array([0.3, -0.2, 0.5, 0.1])
    assert_close(pullback.grad(f)(W, Conv((2, 2), 1)), numeric_grad(f, [W, Conv((2, 2), 1)]))


def test_arange_of_an_attribute_in_the_method_itself():
    layer = Conv((3, 2), 2)

    def f(X):
        return layer.forward_own_arange(X)

    assert_close(pullback.grad(f)(_X()), numeric_grad(f, [_X()]))


@pytest.mark.parametrize("stride", [1, 2])
def test_counts_read_from_a_held_object_in_every_mode(stride):
    layer = Conv((2, 2), stride)

    def f(X):
        return layer.apply(X)

    def g(W, layer):
        return np.sum(layer.apply(_X() * W[0]) * W)

    assert_derivatives_match(f, (_X(),))
    assert_derivatives_match(g, (np.array([0.3, -0.2, 0.5, 0.1]), layer))


def test_arange_of_a_differentiated_start_and_step():
    def f(x):
        t = np.arange(x, x + 3.0)
        u = np.arange(0.5, 4.0, x)  # the count is fixed near x = 0.9
        return np.sum(t ** 2) + np.sum(np.sin(u))

    assert_derivatives_match(f, (0.9,))
    # closed form: t = x, x+1, x+2
    g = pullback.grad(lambda_like)(0.7)
    assert_close(g, 2 * (3 * 0.7 + 3))


def lambda_like(x):
    return np.sum(np.arange(x, x + 3.0) ** 2)


def test_arange_of_a_differentiated_stop_is_piecewise_constant():
    def f(x):
        return np.sum(np.arange(x)) * x + np.sum(np.arange(1, x * 4.0, 0.5)) * 0.0 + x

    # arange(x) is 0, 1, 2, 3 near x = 3.5: d/dx (6 x + x) = 7
    assert_close(pullback.grad(f)(3.5), 7.0)
    assert_derivatives_match(f, (3.5,))


def test_arange_of_an_integer_dtype_gets_no_gradient():
    def f(x):
        return np.sum(np.arange(x, x + 3.0, dtype=int)) * 0.0 + x * x

    assert_close(pullback.grad(f)(1.25), 2.5)
