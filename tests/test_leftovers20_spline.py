"""scipy.interpolate.CubicSpline(knots, y)(x) differentiated in y (the value is linear in
y: B(x) y) and in x (the spline's own derivative), rules/scipy_interpolate.py: grad, jvp
and hvp against central differences, in several spellings; what is not linear in y, and
the knots, refused."""

import numpy as np
import pytest
from fd import assert_derivatives_match
from scipy import interpolate
from scipy.interpolate import CubicSpline

import pullback

RNG = np.random.default_rng(8)
KNOTS = np.linspace(0.0, 1.0, 6)
AT = np.array([0.1, 0.45, 0.73, 0.97])  # (off the knots: nu=2 has kinks there)


def bound_then_called(y, x):
    cs = CubicSpline(KNOTS, y)
    return np.sum(cs(x) ** 2)


def in_one_expression(y, x):
    return np.sum(np.sin(interpolate.CubicSpline(KNOTS, y, bc_type="natural")(x)))


def derivative_called(y, x):
    cs = CubicSpline(KNOTS, y, bc_type="clamped")
    return np.sum(cs(x, 1) ** 2) + np.sum(cs(x, nu=2) * cs(x))


def vector_valued(y, x):
    cs = CubicSpline(KNOTS, y)
    return np.sum(cs(x) ** 2 * np.array([1.0, 2.0]))


@pytest.mark.parametrize("f", [bound_then_called, in_one_expression, derivative_called])
@pytest.mark.parametrize("wrt", [0, 1])
def test_spline(f, wrt):
    assert_derivatives_match(f, [np.sin(3 * KNOTS) + 0.1, AT], wrt=wrt, rng=RNG)


@pytest.mark.parametrize("wrt", [0, 1])
def test_vector_valued(wrt):
    y = np.stack([np.sin(3 * KNOTS), np.cos(2 * KNOTS)], axis=1)
    assert_derivatives_match(vector_valued, [y, AT], wrt=wrt, rng=RNG)


def test_linear_in_y():
    y = np.sin(3 * KNOTS)
    g = pullback.grad(bound_then_called)(y, AT)
    basis = CubicSpline(KNOTS, np.eye(6))(AT)
    assert np.allclose(g, basis.T @ (2 * CubicSpline(KNOTS, y)(AT)), rtol=1e-12)


def periodic(y, x):
    return np.sum(CubicSpline(KNOTS, y, bc_type="periodic")(x))


def in_knots(k, y):
    return np.sum(CubicSpline(k, y)(AT))


def test_periodic_refused():
    y = np.sin(2 * np.pi * KNOTS)
    y[-1] = y[0]
    with pytest.raises(pullback.PullbackError, match="periodic"):
        pullback.grad(periodic)(y, AT)


def test_knots_refused():
    with pytest.raises(pullback.PullbackError, match="knots"):
        pullback.grad(in_knots)(KNOTS, np.sin(KNOTS))


def other_method(y, x):
    cs = CubicSpline(KNOTS, y)
    return np.sum(cs.derivative()(x))


def test_other_use_refused_located():
    with pytest.raises(pullback.PullbackError, match="CubicSpline") as e:
        pullback.grad(other_method)(np.sin(KNOTS), AT)
    assert "test_leftovers20_spline.py" in str(e.value)
