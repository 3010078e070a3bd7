"""np.maximum.accumulate / np.minimum.accumulate (running extremes) and
np.logaddexp.reduce / np.logaddexp2.reduce (log-sum-exp): grad, jvp, hvp and hessian
against central differences, in several spellings (axes, keepdims, batches, in loops)."""

import numpy as np
import pytest
from fd import assert_grad_matches

import pullback


def running_max(x):
    return np.sum(np.maximum.accumulate(x) ** 2)


def running_min_weighted(x):
    m = np.minimum.accumulate(np.sin(x) * x)
    return np.sum(m * np.arange(1.0, len(x) + 1))


def running_max_axis(x):
    M = x.reshape(3, 4)
    return np.sum(np.exp(np.maximum.accumulate(M, axis=1)) * M) + np.sum(
        np.minimum.accumulate(M * M) ** 2)


def drawdown(x):
    prices = np.cumsum(x) + 10.0
    peak = np.maximum.accumulate(prices)
    return np.max((peak - prices) / peak) + np.mean(np.log(peak))


def lse(x):
    return np.logaddexp.reduce(x) + np.logaddexp(x[0], x[1]) * x[2]


def lse_axes(x):
    M = x.reshape(3, 4)
    rows = np.logaddexp.reduce(M, axis=1)
    cols = np.logaddexp.reduce(M * M, axis=0, keepdims=True)
    return np.sum(rows ** 2) + np.sum(cols * M) + np.logaddexp.reduce(M, axis=None)


def lse2(x):
    return np.logaddexp2.reduce(np.sin(x)) ** 2 + np.sum(np.logaddexp2.reduce(
        x.reshape(3, 4), axis=-1))


def lse_in_a_loop(x):
    alpha = x[:4]
    for t in range(3):
        alpha = np.logaddexp.reduce(alpha[:, None] + 0.1 * np.arange(16.0).reshape(4, 4),
                                    axis=0) + x[4 + t]
    return np.logaddexp.reduce(alpha)


def running_extremes_axis_none(x):
    """NumPy takes axis=None of a 1-D operand as axis 0 (keyword and positional)."""
    return (np.sum(np.maximum.accumulate(x, axis=None) ** 2)
            + np.sum(np.minimum.accumulate(np.cos(x), None) * x))


CASES = [running_max, running_min_weighted, running_max_axis, drawdown, lse, lse_axes,
         lse2, lse_in_a_loop, running_extremes_axis_none]


def _point(f):
    rng = np.random.default_rng(len(f.__name__))
    return rng.normal(size=12) + np.linspace(-1.0, 1.0, 12)  # distinct entries: no ties


@pytest.mark.parametrize("f", CASES, ids=lambda f: f.__name__)
def test_gradient_and_tangent_match_differences(f):
    x = _point(f)
    assert_grad_matches(f, (x,))
    v = np.random.default_rng(3).normal(size=x.shape)
    value, tangent = pullback.jvp(f)(x, v)
    assert np.isclose(value, f(x), rtol=1e-12)
    numeric = (f(x + 1e-6 * v) - f(x - 1e-6 * v)) / 2e-6
    assert np.isclose(tangent, numeric, rtol=1e-6, atol=1e-8), (tangent, numeric)


@pytest.mark.parametrize("f", CASES, ids=lambda f: f.__name__)
def test_second_order_matches_differences_of_the_gradient(f):
    x = _point(f)
    v = np.random.default_rng(4).normal(size=x.shape)
    gradient = pullback.grad(f)
    expected = (gradient(x + 1e-5 * v) - gradient(x - 1e-5 * v)) / 2e-5
    np.testing.assert_allclose(pullback.hvp(f)(x, v), expected, rtol=1e-5, atol=1e-6)
    H = pullback.hessian(f)(x)
    np.testing.assert_allclose(H @ v, expected, rtol=1e-5, atol=1e-6)
    gg = pullback.grad(lambda x: gradient(x) @ v)(x)  # reverse over reverse
    np.testing.assert_allclose(gg, expected, rtol=1e-5, atol=1e-6)


def test_ties_take_the_latest_equal_entry():
    """A running maximum that meets its own value again moves its gradient to the latest
    entry equal to it (one subgradient, as NumPy's maximum picks an operand)."""
    x = np.array([1.0, 3.0, 3.0, 2.0, 5.0])
    np.testing.assert_array_equal(pullback.grad(lambda x: np.sum(np.maximum.accumulate(x)))(x),
                                  [1.0, 1.0, 2.0, 0.0, 1.0])


def test_the_jacobian_of_a_running_maximum_is_a_selection():
    x = np.array([0.5, -1.0, 2.0, 1.5])
    for mode in ("fwd", "rev"):
        J = pullback.jacobian(np.maximum.accumulate, mode=mode)(x)
        np.testing.assert_array_equal(J, [[1, 0, 0, 0], [1, 0, 0, 0], [0, 0, 1, 0],
                                          [0, 0, 1, 0]])
