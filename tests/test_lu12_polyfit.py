"""np.polyfit (rules/polyfit.py): gradients in y, x and w and tangents against central
differences; second order in y; full=True and a rank-deficient fit refused, naming the
construct."""

import numpy as np
import pytest
from fd import numeric_grad

import pullback

RNG = np.random.default_rng(3)
X = np.linspace(-1.0, 1.5, 7) + 0.05 * RNG.normal(size=7)
Y = RNG.normal(size=7)
Y2 = RNG.normal(size=(7, 2))
WT = RNG.uniform(0.5, 2.0, size=7)
V = RNG.normal(size=7)


def fd(f, x):
    """Central differences of scalar f at array x (tests/fd.py's)."""
    return numeric_grad(f, (x,))


def in_y(y):
    return np.sum(np.sin(np.polyfit(X, y, 2)) * np.arange(1.0, 4.0))


def in_y_weighted(y):
    return np.sum(np.polyfit(X, y, 3, w=WT) ** 2)


def in_y_columns(y):
    return np.sum(np.cos(np.polyfit(X, np.stack([y, y ** 2], axis=1), deg=2)))


def residual(y):
    c = np.polyfit(X, y, 2)
    return np.sum((np.polyval(c, X) - y) ** 2)


def in_x(x):
    return np.sum(np.sin(np.polyfit(x, Y, 2)))


def in_x_columns(x):
    return np.sum(np.polyfit(x, Y2, deg=1, w=WT) ** 3)


def in_w(w):
    return np.sum(np.cos(np.polyfit(X, Y, 2, w=w)))


FIRST = [(in_y, Y), (in_y_weighted, Y), (in_y_columns, Y), (residual, Y), (in_x, X),
         (in_x_columns, X), (in_w, WT)]
SECOND = [(in_y, Y), (in_y_weighted, Y), (residual, Y)]


def _close(x, y, tol=1e-6):
    assert np.max(np.abs(np.asarray(x) - np.asarray(y))) <= tol * (1 + np.max(np.abs(y)))


@pytest.mark.parametrize("f, a", FIRST, ids=lambda v: getattr(v, "__name__", ""))
def test_grad_and_jvp(f, a):
    expected = fd(f, a)
    _close(pullback.grad(f)(a), expected)
    _close(pullback.jvp(f)(a, V)[1], np.sum(expected * V))


@pytest.mark.parametrize("f, a", SECOND, ids=lambda v: getattr(v, "__name__", ""))
def test_second_order_in_y(f, a):
    expected = fd(lambda y: np.sum(pullback.grad(f)(y) * V), a)
    _close(pullback.hvp(f)(a, V), expected, 1e-5)
    _close(pullback.hessian(f)(a) @ V, expected, 1e-5)
    _close(pullback.grad(lambda y: np.sum(pullback.grad(f)(y) * V))(a), expected, 1e-5)


def test_refusals_name_the_construct():
    def full(y):
        return np.sum(np.polyfit(X, y, 2, full=True)[0])

    def deficient(y):
        return np.sum(np.polyfit(np.ones(7), y, 2))

    for f, words in ((full, "full=True"), (deficient, "rank-deficient")):
        with pytest.raises(pullback.PullbackError, match=words):
            pullback.grad(f)(Y)
    # (second order in x and w: tests/test_higher13_polyfit.py)
