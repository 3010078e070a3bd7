"""Third derivatives (grad of grad of grad, hessian of a gradient, the Jacobian of a
gradient of a gradient's sum) against closed forms; the helpers of second-order code
that third order meets (summed_to, spread_to) have their rules. Static- and
classmethods called through an instance (`self.helper(x)`) in every mode; a
functools.cached_property whose value depends on what is differentiated is refused,
located (its value is cached in the object on the first read, which the gradient would
not follow)."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

import pullback
from pullback.errors import PullbackError


def scalar(x):
    return math.sin(x) * x ** 3


def third(x):  # d3/dx3 of sin(x) x**3
    return (-math.cos(x) * x ** 3 - 9 * math.sin(x) * x ** 2 + 18 * math.cos(x) * x
            + 6 * math.sin(x))


def summed(x):
    return np.sum(np.sin(x) * x ** 3)


@pytest.mark.parametrize("x", [0.7, -1.3])
def test_third_derivative_of_a_number(x):
    assert pullback.grad(pullback.grad(pullback.grad(scalar)))(x) == pytest.approx(third(x))
    assert pullback.hessian(pullback.grad(scalar))(x) == pytest.approx(third(x))


def test_third_derivative_of_an_array_function():
    x = np.array([0.7, 0.3, -1.1])
    expected = np.diag([third(v) for v in x])
    diagonal = pullback.grad(lambda x: pullback.grad(summed)(x) @ np.ones(3))
    np.testing.assert_allclose(pullback.jacobian(diagonal)(x), expected, rtol=1e-10,
                               atol=1e-12)
    np.testing.assert_allclose(
        pullback.hessian(lambda x: pullback.grad(summed)(x) @ np.ones(3))(x), expected,
        rtol=1e-10, atol=1e-12)


class Model:
    def __init__(self, w):
        self.w = w

    @staticmethod
    def helper(x):
        return np.sin(x) * x

    @classmethod
    def squared(cls, x):
        return x ** 2

    def loss(self, x):
        return np.sum(self.helper(x) * self.w) + np.sum(self.squared(x))

    @functools.cached_property
    def scale(self):
        return np.sum(self.w) * 2.0

    def scaled(self, x):
        return np.sum(x * self.scale)


def through_instance(x, m):
    return m.loss(x)


def through_class_and_instance(x, m):
    return np.sum(Model.helper(x)) + np.sum(m.helper(x) * x)


@pytest.mark.parametrize("f", [through_instance, through_class_and_instance],
                         ids=lambda f: f.__name__)
def test_static_and_class_methods_through_an_instance(f):
    x, m = np.array([0.3, -0.5]), Model(np.array([1.0, 2.0]))
    grad = pullback.grad(f)
    expected = np.array([(f(x + 1e-6 * e, m) - f(x - 1e-6 * e, m)) / 2e-6 for e in np.eye(2)])
    np.testing.assert_allclose(grad(x, m), expected, rtol=1e-6)
    v = np.array([1.0, -2.0])
    assert pullback.jvp(f)(x, m, v)[1] == pytest.approx(expected @ v, rel=1e-6)
    H = np.array([(grad(x + 1e-5 * e, m) - grad(x - 1e-5 * e, m)) / 2e-5 for e in np.eye(2)])
    np.testing.assert_allclose(pullback.hessian(f)(x, m), H, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(pullback.hvp(f)(x, m, v), H @ v, rtol=1e-5, atol=1e-7)


def test_a_cached_property_not_differentiated_through_is_read():
    x, m = np.array([0.3, -0.5]), Model(np.array([1.0, 2.0]))
    np.testing.assert_allclose(pullback.grad(lambda x, m: m.scaled(x))(x, m), [6.0, 6.0])


def test_a_cached_property_of_what_is_differentiated_is_refused_located():
    def made_here(w, x):
        return Model(w).scaled(x)

    with pytest.raises(PullbackError, match="cached_property") as info:
        pullback.grad(made_here)(np.array([1.0, 2.0]), np.array([0.3, -0.5]))
    assert "return np.sum(x * self.scale)" in str(info.value)
    assert "test_third_order_and_class_helpers.py" in str(info.value)
