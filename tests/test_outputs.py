"""grad of functions whose result is one number in an array: a 0-d array, a NumPy scalar
or an array of one element (`x @ w` of shape (1,) or (1, 1)). The seed is an array of
ones of the result's shape, value_and_grad returns what f returned, and anything with
more than one element is refused with a pointer to vjp."""

from __future__ import annotations

import numpy as np
import pytest
from fd import assert_close, numeric_grad

import pullback
from pullback import PullbackError

rng = np.random.default_rng(12)
X = rng.normal(size=3)
W = rng.normal(size=(3, 1))
A = rng.normal(size=(1, 1)) + 2.0


def row_times_column(x, W):
    return x @ W  # shape (1,)


def row_matrix(x, W):
    return x[None] @ W  # shape (1, 1)


def column_first(x, W):
    return W.T @ x


def activated(x, W):
    h = np.tanh(x @ W)
    return 2.0 * h + np.sum(x * x)


def zero_d(x, W):
    return np.array(np.sum(x * W[:, 0]))


def numpy_scalar(x, W):
    return np.float64(np.sum(np.sin(x)) * W[0, 0])


def stacked(x, W):
    return np.stack([np.sum(x * x)]) * W[1]


def reshaped(x, W):
    return np.sum(np.exp(x)).reshape(1, 1) @ W[:1].T


def flipped_slice(x, W):
    return np.flip(x[1:2] ** 3) + W[2]


def inverse(A, W):
    return np.linalg.inv(A) * W[0]


CASES = [row_times_column, row_matrix, column_first, activated, zero_d, numpy_scalar,
         stacked, reshaped, flipped_slice, inverse]


def _summed(f):
    def summed(*args):  # the same number as f, as a float for the finite differences
        return float(np.sum(f(*args)))
    return summed


@pytest.mark.parametrize("f", CASES, ids=[f.__name__ for f in CASES])
@pytest.mark.parametrize("wrt", [0, 1, (0, 1)])
def test_one_element_results_differentiate_like_their_number(f, wrt):
    args = (A if f is inverse else X, W)
    got = pullback.grad(f, wrt=wrt)(*args)
    expected = numeric_grad(_summed(f), args, wrt=wrt)
    assert_close(got, expected, what=f"grad of {f.__name__} wrt {wrt}")
    if isinstance(wrt, int):
        assert np.shape(got) == np.shape(args[wrt])


@pytest.mark.parametrize("f", CASES, ids=[f.__name__ for f in CASES])
def test_value_and_grad_returns_what_f_returned(f):
    args = (A if f is inverse else X, W)
    value, g = pullback.value_and_grad(f)(*args)
    returned = f(*args)
    assert type(value) is type(returned) and np.shape(value) == np.shape(returned)
    np.testing.assert_allclose(value, returned, rtol=1e-14)
    assert_close(g, pullback.grad(f)(*args))


def test_float32_result_keeps_its_precision():
    x, w = X.astype(np.float32), W.astype(np.float32)
    g = pullback.grad(row_times_column)(x, w)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, w[:, 0], rtol=1e-6)


def test_the_seed_is_the_result_of_ones_in_its_shape():
    text = pullback.source(row_times_column)
    assert "result_seed(out, returned_at)" in text
    # proven numbers keep the plain seed (and no extra helper)
    assert "result_seed" not in pullback.source(lambda x: np.sum(x) / x.shape[0])


def test_a_result_that_is_an_array_only_on_some_calls():
    def f(x, W):
        return x @ W

    g = pullback.grad(f)
    np.testing.assert_allclose(g(X, W[:, 0]), W[:, 0], rtol=1e-12)  # a float result
    np.testing.assert_allclose(g(X, W), W[:, 0], rtol=1e-12)  # shape (1,)


@pytest.mark.parametrize("shape", [(2,), (1, 2), (3, 1)])
def test_more_than_one_element_still_points_to_vjp(shape):
    def f(x):
        return np.sin(x) * 2.0

    with pytest.raises(PullbackError, match=r"returned shape .*use pullback\.vjp") as info:
        pullback.grad(f)(np.ones(shape))
    assert "return np.sin(x) * 2.0" in str(info.value)


def test_empty_and_non_numeric_one_element_results_are_refused():
    def empty(x):
        return x[:0] * 2.0

    def boolean(x):
        return x > 0.0

    with pytest.raises(PullbackError, match="shape"):
        pullback.grad(empty)(X)
    with pytest.raises(PullbackError):
        pullback.grad(boolean)(X[:1])


def test_constant_one_element_result_has_zero_gradient():
    def f(x, W):
        return W[0] * 3.0

    np.testing.assert_array_equal(pullback.grad(f)(X, W), np.zeros(3))
    with pytest.raises(PullbackError, match="vjp"):
        pullback.grad(f)(X, np.ones((3, 2)))


def test_second_derivatives_through_a_one_element_result():
    def f(x):
        return x[None] @ np.tanh(x)[:, None]  # shape (1, 1)

    def f_number(x):
        return x @ np.tanh(x)

    tangent = np.arange(1.0, 4.0)
    value, directional = pullback.jvp(pullback.grad(f))(X, tangent)
    assert_close(value, pullback.grad(f_number)(X))
    expected = numeric_grad(lambda x: float(pullback.grad(f)(x) @ tangent), (X,))
    assert_close(directional, expected, rtol=1e-5, atol=1e-6)
    assert_close(pullback.hessian(f)(X), pullback.hessian(f_number)(X))
