"""np.insert: each element of arr is copied once, each element of values to every place
NumPy broadcasts it to; the rule finds those places by inserting labels the same way
(rules/numpy_added.py), so scalar and sequence positions, axis=None (flattened) and an
axis, repeated positions and broadcast values all follow NumPy. Gradient, tangent and
second order against central differences; a dilation (zeros inserted between rows and
columns, as convolution-transpose code writes it) and a closed form."""

import numpy as np
import pytest
from fd import assert_grad_matches
from test_higher import check_reverse_over_reverse, check_second_order

import pullback


def flat_positions(a, v):
    return np.sum(np.sin(np.insert(a, [1, 3, 3], v)) * np.arange(1.0, 8.0))


def column(a, v):
    return np.sum(np.insert(a, 1, v, axis=1) ** 3)


def one_value_broadcast(a, v):
    return np.sum(np.cos(np.insert(a, [0, 2], v, axis=0)) * np.arange(12.0).reshape(4, 3))


def dilated(X, d=1):
    r, c = X.shape
    Xd = np.insert(X, np.repeat(np.arange(1, r), d), 0, axis=0)
    Xd = np.insert(Xd, np.repeat(np.arange(1, c), d), 0, axis=1)
    return np.sum(Xd ** 2 * np.arange(Xd.size).reshape(Xd.shape))


RNG = np.random.default_rng(0)
CASES = [
    (flat_positions, (RNG.normal(size=4), RNG.normal(size=3))),
    (column, (RNG.normal(size=(2, 3)), RNG.normal(size=2))),
    (one_value_broadcast, (RNG.normal(size=(2, 3)), 0.7)),
    (dilated, (RNG.normal(size=(2, 3)),)),
]


@pytest.mark.parametrize("fn, args", CASES, ids=[c[0].__name__ for c in CASES])
def test_gradient_in_each_argument(fn, args):
    for wrt in range(min(len(args), 2)):
        assert_grad_matches(fn, args, wrt=wrt)


@pytest.mark.parametrize("fn, args", CASES, ids=[c[0].__name__ for c in CASES])
def test_tangent_and_second_order(fn, args):
    rng = np.random.default_rng(1)
    t = rng.normal(size=np.shape(args[0]))
    value, tangent = pullback.jvp(fn)(*args, t)
    h = 1e-6
    fd = (fn(args[0] + h * t, *args[1:]) - fn(args[0] - h * t, *args[1:])) / (2 * h)
    assert value == pytest.approx(fn(*args)) and tangent == pytest.approx(fd, rel=1e-6)
    check_second_order(fn, args, rng)
    check_reverse_over_reverse(fn, args)


def test_closed_form():
    """sum(w * insert(a, [1, 1], v)): a's gradient is w without the two inserted places,
    v's is the sum of w there (one value broadcast to both)."""
    w = np.arange(1.0, 6.0)

    def f(a, v):
        return np.sum(w * np.insert(a, [1, 1], v))
    a = np.array([0.5, -1.0, 2.0])
    ga, gv = pullback.grad(f, wrt=(0, 1))(a, 0.3)
    np.testing.assert_allclose(ga, [1.0, 4.0, 5.0])
    assert gv == pytest.approx(2.0 + 3.0)
