"""Selections whose branch not taken has an infinite derivative: `np.sqrt(np.maximum(v,
0.0))` at v < 0 (a Heston-style variance floored at zero). The true derivative in v is
0 there (v is not selected), where `g * mask` gave inf * 0 = NaN in reverse mode and
the root's tangent 0 * inf = NaN in forward mode. Every selection rule (np.maximum,
np.minimum, np.fmax, np.fmin, np.clip and the clip method, np.where, np.heaviside's
second operand, builtins max and min, np.max's gradient) hands the operand not selected
exactly 0, and the roots (np.sqrt, np.cbrt, math.sqrt) give 0 for a zero gradient or
tangent: grad, jvp, hvp, hessian and grad of grad, against central differences away
from the kinks and closed forms."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import pullback

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")  # (no inf * 0 formed)
V = np.array([-0.5, 0.3, -1.0, 2.0, -0.2])


def floored(v):
    return np.sum(np.sqrt(np.maximum(v, 0.0)) * v)


def floored_first(v):
    return np.sum(np.sqrt(np.maximum(0.0, v)) + v ** 2)


def ceiled(v):
    return np.sum(np.sqrt(-np.minimum(v, 0.0)) * np.cos(v))


def clipped(v):
    return np.sum(np.sqrt(np.clip(v, 0.0, 1.5)) * v)


def clipped_method(v):
    return np.sum(np.sqrt(v.clip(min=0.0)) + np.sin(v))


def where_floor(v):
    return np.sum(np.sqrt(np.where(v > 0, v, 0.0)) * v)


def fmax_floor(v):
    return np.sum(np.sqrt(np.fmax(v, 0.0)) * v)


def fmin_floor(v):
    return np.sum(np.sqrt(-np.fmin(v, 0.0)) + v)


def cube_root(v):
    return np.sum(np.cbrt(np.maximum(v, 0.0)) * v)


def half_power(v):
    return np.sum(np.maximum(v, 0.0) ** 0.5 * v)


def powers(v):
    return np.sum(np.power(np.maximum(v, 0.0), 1.5) + np.maximum(v, 0.0) ** 0.5)


def heston_step(v):  # a variance path with full truncation
    s, x = 0.0, v[0]
    for i in range(1, v.size):
        x = x + 0.3 * (0.04 - np.maximum(x, 0.0)) + 0.5 * np.sqrt(np.maximum(x, 0.0)) * v[i]
        s = s + np.sqrt(np.maximum(x, 0.0))
    return s


def largest_root(v):
    return np.sqrt(np.max(np.minimum(v, 0.0)) + 0.0) + np.sum(v)


CASES = [floored, floored_first, ceiled, clipped, clipped_method, where_floor, fmax_floor,
         fmin_floor, cube_root, half_power, powers, heston_step]


def _numeric_grad(f, v, h=1e-6):
    out = np.zeros_like(v)
    for i in range(v.size):
        e = np.zeros_like(v)
        e[i] = h
        out[i] = (f(v + e) - f(v - e)) / (2 * h)
    return out


@pytest.mark.parametrize("f", CASES, ids=lambda f: f.__name__)
def test_gradient_and_tangent_are_finite_and_right(f):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no inf * 0 computed and warned
        grad = pullback.grad(f)(V)
    expected = _numeric_grad(f, V)
    np.testing.assert_allclose(grad, expected, rtol=1e-6, atol=1e-8)
    direction = np.array([1.0, -2.0, 0.5, 0.3, 1.5])
    _, tangent = pullback.jvp(f)(V, direction)
    np.testing.assert_allclose(tangent, expected @ direction, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f", CASES, ids=lambda f: f.__name__)
def test_second_order_is_finite_and_right(f):
    gradient = pullback.grad(f)
    expected = np.array([(gradient(V + 1e-5 * e) - gradient(V - 1e-5 * e)) / 2e-5
                         for e in np.eye(V.size)]).T
    H = pullback.hessian(f)(V)
    np.testing.assert_allclose(H, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(pullback.hvp(f)(V, np.ones(V.size)), expected @ np.ones(V.size),
                               rtol=1e-5, atol=1e-6)
    twice = pullback.grad(lambda v: gradient(v) @ np.ones(V.size))(V)
    np.testing.assert_allclose(twice, expected.T @ np.ones(V.size), rtol=1e-5, atol=1e-6)


def test_the_heston_floor_closed_form():
    # d/dv sum(sqrt(max(v, 0)) * v) = 1.5 sqrt(v) for v > 0, 0 for v < 0
    expected = np.where(V > 0, 1.5 * np.sqrt(np.maximum(V, 0.0)), 0.0)
    np.testing.assert_allclose(pullback.grad(floored)(V), expected, rtol=1e-12)
    assert pullback.jvp(floored)(V, np.ones(V.size))[1] == pytest.approx(expected.sum())


def scalar_floor(v):
    return math.sqrt(max(v, 0.0)) + v


def scalar_ceiling(v):
    return math.sqrt(-min(v, 0.0)) + v * v


def scalar_floor_first(v):
    return math.sqrt(max(0.0, v)) * 2.0 + v


def scalar_half_power(v):
    return max(v, 0.0) ** 0.5 * v


@pytest.mark.parametrize("f", [scalar_floor, scalar_ceiling, scalar_floor_first,
                               scalar_half_power],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("v", [-0.5, 0.7])
def test_builtins_max_and_min_of_python_floats(f, v):
    """math.sqrt at 0 raised ZeroDivisionError in the adjoint; the branch not picked gets
    the known zero."""
    expected = (f(v + 1e-6) - f(v - 1e-6)) / 2e-6
    assert pullback.grad(f)(v) == pytest.approx(expected, rel=1e-6, abs=1e-9)
    assert pullback.jvp(f)(v, 1.0)[1] == pytest.approx(expected, rel=1e-6, abs=1e-9)
    gradient = pullback.grad(f)
    second = (gradient(v + 1e-5) - gradient(v - 1e-5)) / 2e-5
    assert pullback.grad(gradient)(v) == pytest.approx(second, rel=1e-5, abs=1e-7)
    assert pullback.hessian(f)(v) == pytest.approx(second, rel=1e-5, abs=1e-7)


def test_the_extreme_of_a_floored_array():
    """np.max's gradient goes to the entries attaining it; the others get exactly 0 even
    where the gradient arriving is infinite (np.sqrt of a maximum of 0)."""
    v = np.array([-0.5, 0.3, -1.0])
    grad = pullback.grad(lambda v: np.sqrt(-np.max(np.minimum(v, 0.0)) + 0.0) + np.sum(v))(
        np.array([-0.5, -0.3, -1.0]))
    np.testing.assert_allclose(grad, _numeric_grad(
        lambda v: np.sqrt(-np.max(np.minimum(v, 0.0)) + 0.0) + np.sum(v),
        np.array([-0.5, -0.3, -1.0])), rtol=1e-6)
    assert np.all(np.isfinite(pullback.grad(lambda v: np.sum(np.sqrt(np.maximum(v, 0.0))))(v)))
