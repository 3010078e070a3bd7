"""np.dot of arrays with more than two dimensions (autograd's test_dot): the product over
a's last axis and b's second to last, as np.tensordot's; its gradient against central
differences in both operands and several shapes and spellings, and its second order."""

from __future__ import annotations

import numpy as np
import pytest
from fd import assert_grad_matches
from test_higher import check_reverse_over_reverse, check_second_order

import pullback

SHAPES = [((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 3)), ((4,), (2, 4, 3)), ((2, 2, 3), (3,)),
          ((3, 4), (2, 4, 2)), ((2, 3), (2, 2, 3, 2))]


def function(a, b):
    return np.sum(np.sin(np.dot(a, b)))


def method(a, b):
    return np.sum(a.dot(b) ** 2)


def chained(a, b):
    return np.sum(np.dot(np.tanh(a), b * 2.0) * np.dot(a, b))


@pytest.mark.parametrize("fn", [function, method, chained], ids=lambda f: f.__name__)
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_gradient(fn, shapes):
    rng = np.random.default_rng(len(shapes[0]) + 3 * len(shapes[1]))
    a, b = (rng.normal(size=s) for s in shapes)
    assert_grad_matches(fn, (a, b), wrt=(0, 1))


def test_jvp():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(2, 3, 4)), rng.normal(size=(3, 4, 2))
    ta, tb = rng.normal(size=a.shape), rng.normal(size=b.shape)
    _, tangent = pullback.jvp(function, wrt=(0, 1))(a, b, (ta, tb))
    eps = 1e-6
    numeric = (function(a + eps * ta, b + eps * tb) - function(a - eps * ta, b - eps * tb)) \
        / (2 * eps)
    assert tangent == pytest.approx(numeric, rel=1e-6)


B = np.random.default_rng(4).normal(size=(2, 3, 2))


def second(x):
    a = np.reshape(x, (2, 1, 3)) * x[0]
    return np.sum(np.cos(np.dot(a, B))) + np.sum(np.dot(B, x[:2]) ** 2)


def test_second_order():
    rng = np.random.default_rng(5)
    x = rng.normal(size=6)
    check_second_order(second, (x,), rng, nonzero=True)
    check_reverse_over_reverse(second, (x,))
