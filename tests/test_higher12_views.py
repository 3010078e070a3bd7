"""A view a loop's record keeps (`kept(y[:-1])`) is not copied at first order (its
adjoint reads it after the array's later writes are undone) and is copied when the
gradient is differentiated again (`kept_copy`): gradients against central differences,
hessian, hvp and reverse over reverse against differences of the gradient, on slice
recurrences straight and with the view read in the loop (through a callee: the gradient;
its second order is refused as on main: the callee's split record holds a view)."""

import numpy as np
import pytest
from fd import assert_grad_matches
from test_higher import check_reverse_over_reverse, check_second_order

import pullback
from pullback.runtime.helpers import kept, kept_copy

X = np.array([0.3, -0.8, 1.1, 0.4, -0.2])


def recurrence(x):
    y = np.copy(x)
    for _ in range(6):
        y[1:] = y[1:] + np.sin(y[:-1]) * 0.5
    return np.sum(y ** 2)


def view_read_in_the_loop(x):
    y = x * 1.0
    t = 0.0
    for _ in range(5):
        v = y[:-1]
        t = t + np.sum(v * v * x[0])
        y[1:] = np.tanh(v)
    return t


def _shift(x, c):
    y = np.copy(x)
    for _ in range(2):
        y[1:] = y[1:] * c + y[:-1] ** 2
    return y


def through_a_callee(x):
    y = x * 1.0
    for k in range(3):
        y = _shift(y, 0.5 + k * 0.1)
    return np.sum(np.cos(y))


FUNCTIONS = [recurrence, view_read_in_the_loop, through_a_callee]


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
def test_gradient(fn):
    assert_grad_matches(fn, (X,))


@pytest.mark.parametrize("fn", FUNCTIONS[:2], ids=lambda f: f.__name__)
def test_hessian_hvp_and_reverse_over_reverse(fn):
    check_second_order(fn, (X,), np.random.default_rng(8), nonzero=True)
    check_reverse_over_reverse(fn, (X,))


def test_the_view_is_copied_at_second_order_only():
    a = np.arange(4.0)
    assert kept(a[1:]).base is a and kept_copy(a[1:]).base is None
    assert "kept(y[:-1])" in pullback.source(view_read_in_the_loop).replace("y_2", "y")
    assert "kept_copy(" in pullback.source(view_read_in_the_loop, mode="hvp")
