"""Constants NumPy reads as arrays but that have no operators of their own (an `a.flat`
iterator, a range) as the other factor of a product whose adjoint applies operators to it
(statsmodels' ConditionalPoisson keeps `endog[ix].flat` per group and takes
`np.dot(y, xb)`): grad, jvp and hvp against differences."""

from __future__ import annotations

import numpy as np
import pytest
from fd import assert_derivatives_match

Y = np.arange(1.0, 7.0).reshape(2, 3)
FLAT = Y.flat
T_FLAT = Y.T.flat


def dot_flat_first(p):
    return np.dot(FLAT, np.exp(p))


def dot_flat_second(p):
    return np.dot(np.sin(p), T_FLAT)


def matmul_flat(p):
    return np.exp(p) @ FLAT


def dot_range(p):
    return np.dot(range(6), p * p)


def sum_with_flat(p):
    return np.sum(np.exp(p) * 2.0 + FLAT) + np.dot(np.exp(p), FLAT)


def grouped_like_statsmodels(p):
    groups = [Y[0].flat, Y[1].flat]
    X = [np.eye(3), np.ones((3, 3))]
    ll = 0.0
    for i in range(2):
        xb = np.dot(X[i], p[:3])
        y = groups[i]
        ll += np.dot(y, xb)
        ll -= np.log(np.exp(xb).sum())
    return ll


@pytest.mark.parametrize("f", [dot_flat_first, dot_flat_second, matmul_flat, dot_range,
                               sum_with_flat])
def test_array_likes_without_operators(f):
    assert_derivatives_match(f, (np.linspace(0.1, 0.6, 6),))


def test_a_loop_over_groups_held_as_flat_iterators():
    assert_derivatives_match(grouped_like_statsmodels, (np.array([0.2, -0.1, 0.3]),))


def test_dot_with_flat_iterator_is_the_closed_form():
    import pullback

    p = np.linspace(0.1, 0.6, 6)
    np.testing.assert_allclose(pullback.grad(dot_flat_first)(p), Y.ravel() * np.exp(p))
