"""Second order through the gradients of np.full / np.full_like (fill value),
np.copysign, np.remainder / np.fmod (divisor), np.pad (constant_values), np.imag,
np.var / np.std with where= and np.nanvar / np.nanstd, np.prod with where= / initial= and
np.nanprod, and np.trapezoid (rules/higher_simple2.py): hessian and hvp against central
differences of the gradient, reverse over reverse where it is written, each function in
more than one spelling; refusals where it is not."""

from __future__ import annotations

import numpy as np
import pytest
from test_higher import check_reverse_over_reverse, check_second_order

import pullback
from pullback.errors import PullbackError

W6 = np.arange(1.0, 7.0)
MASK = np.array([[True, False, True], [True, True, False]])


def filled(x):
    return np.sum(np.full((2, 3), x[0] * x[1]) ** 2 * W6.reshape(2, 3)) + x[2] ** 3


def filled_like(x):
    return np.sum(np.sin(np.full_like(x.reshape(2, 2), x[0] ** 2)) * x.reshape(2, 2))


def copysigned(x):
    return np.sum(np.copysign(x ** 2, x[::-1] - 0.1) * x)


def remainders(x):
    return np.sum(np.remainder(5.0 * x, x[::-1] ** 2 + 0.5) ** 2) + np.sum(
        np.fmod(3.0 * x, 0.7 + x[0] ** 2) * x)


def padded_values(x):
    return np.sum(np.pad(x[:2] ** 2, 2, constant_values=(x[2] * x[3], x[3] ** 2)) ** 2
                  * np.arange(1.0, 7.0))


def padded_value(x):
    return np.sum(np.sin(np.pad(x.reshape(2, 2), 1, constant_values=x[0] * x[1])))


def imaginary(x):
    z = x * (1.0 + 2.0j) + x[::-1] ** 2 * 1j
    return np.sum(np.imag(z) ** 3) + np.sum(np.imag(x) * x)


def masked_var(x):
    a = x.reshape(2, 3)
    return np.var(a ** 2, axis=1, where=MASK) @ np.array([1.0, 2.0]) + np.var(a, where=MASK)


def masked_std(x):
    a = x.reshape(2, 3)
    return np.sum(np.std(np.sin(a) + a, axis=1, where=MASK, keepdims=True) * W6[:2].reshape(2, 1)) \
        + np.std(a * a, ddof=1, where=MASK)


def nan_var_std(x):
    a = np.where(MASK, x.reshape(2, 3), np.nan)
    return np.sum(np.nanvar(a * a, axis=1) * np.array([1.0, 3.0])) + np.nanstd(a ** 3)


def masked_prod(x):
    a = x.reshape(2, 3)
    return np.sum(np.prod(a, axis=1, where=MASK) * np.array([1.0, 2.0])) \
        + np.prod(np.sin(a), initial=2.0)


def nan_prod(x):
    a = np.where(MASK, x.reshape(2, 3), np.nan)
    return np.sum(np.nanprod(a ** 2, axis=0) * W6[:3])


def trapezoid_y(x):
    return np.trapezoid(x ** 3, x=np.array([0.0, 0.5, 1.5, 2.0])) + np.trapezoid(
        np.sin(x), dx=0.3)


def trapezoid_x(x):
    return np.trapezoid(np.array([1.0, -2.0, 0.5, 3.0]) * x, x=x ** 2) + np.trapezoid(
        x.reshape(2, 2) ** 2, x=x[:2] * 3.0, axis=0) @ np.array([1.0, 2.0])


def trapezoid_dx(x):
    return np.trapezoid(x ** 2, dx=x[0] * x[1]) + np.trapezoid(x, dx=x[3] ** 2)


def trapezoid_steps_only(x):  # y constant: the gradients in x and dx are linear in d only
    y = np.array([1.0, -2.0, 0.5, 3.0])
    return np.sin(np.trapezoid(y, x=x ** 2)) + np.trapezoid(y, dx=x[0]) ** 2


CASES = [(filled, 3), (filled_like, 4), (copysigned, 4), (remainders, 4),
         (padded_values, 4), (padded_value, 4), (imaginary, 4), (masked_var, 6),
         (masked_std, 6), (nan_var_std, 6), (masked_prod, 6), (nan_prod, 6),
         (trapezoid_y, 4), (trapezoid_x, 4), (trapezoid_dx, 4), (trapezoid_steps_only, 4)]
REVERSE = {filled, filled_like, copysigned, remainders, padded_values, padded_value,
           masked_var, masked_std, nan_var_std, masked_prod, nan_prod, trapezoid_y,
           trapezoid_steps_only, trapezoid_x, trapezoid_dx}


@pytest.mark.parametrize(("fn", "n"), CASES, ids=lambda c: getattr(c, "__name__", str(c)))
def test_hessian_and_hvp(fn, n):
    rng = np.random.default_rng(n)
    x = rng.uniform(0.3, 1.2, size=n)
    check_second_order(fn, (x,), rng)


@pytest.mark.parametrize("fn", sorted(REVERSE, key=lambda f: f.__name__),
                         ids=lambda f: f.__name__)
def test_reverse_over_reverse(fn):
    n = dict(CASES)[fn]
    x = np.random.default_rng(10 + n).uniform(0.3, 1.2, size=n)
    check_reverse_over_reverse(fn, (x,))


def test_second_derivatives_that_do_not_vanish():
    """The cases whose Hessian comes from the helpers' own variation: nonzero there."""
    rng = np.random.default_rng(0)
    for fn, n in [(masked_var, 6), (masked_std, 6), (masked_prod, 6), (trapezoid_x, 4),
                  (trapezoid_dx, 4)]:
        check_second_order(fn, (rng.uniform(0.3, 1.2, size=n),), rng, nonzero=True)


def test_reverse_over_reverse_of_imag_of_complex_values_is_refused():
    x = np.random.default_rng(1).uniform(0.3, 1.2, size=4)
    with pytest.raises(PullbackError, match="np.imag of complex values"):
        pullback.vjp(pullback.grad(imaginary))(x, np.ones(4))


def test_prod_with_a_selected_zero_is_refused():
    x = np.array([0.0, 1.0, 2.0, 3.0, 0.5, 1.5])
    with pytest.raises(PullbackError, match="np.prod of an array with zeros"):
        pullback.hessian(masked_prod)(x)


# ---------------------------------------------------------------------------- np.cov
W9 = np.arange(1.0, 10.0).reshape(3, 3)


def cov_rows(x):
    return np.sum(np.cov(x.reshape(3, 4)) ** 2 * W9)


def cov_columns_weighted(x):
    return np.sum(np.sin(np.cov(x.reshape(4, 3), rowvar=False, aweights=[1.0, 0.5, 2.0, 1.5]))
                  * W9)


def cov_pair(x):
    a = x.reshape(3, 4)
    return np.sum(np.cov(a[0], a[1] ** 2, bias=True) ** 2 * W9[:2, :2]) + np.cov(a[2]) ** 2


def cov_frequencies(x):
    return np.sum(np.cov(x.reshape(2, 6), fweights=[1, 2, 1, 3, 1, 1], ddof=0) ** 3)


@pytest.mark.parametrize("fn", [cov_rows, cov_columns_weighted, cov_pair, cov_frequencies],
                         ids=lambda f: f.__name__)
def test_cov_second_order(fn):
    rng = np.random.default_rng(len(fn.__name__))
    x = rng.normal(size=12)
    check_second_order(fn, (x,), rng, nonzero=True)
    check_reverse_over_reverse(fn, (x,))


# ------------------------------------------------------------ np.average, in its weights
def average_row_weights(x):
    a = x[:6].reshape(2, 3)
    return np.sum(np.average(a ** 2, axis=1, weights=x[6:9] ** 2 + 0.5) * np.array([1.0, 2.0]))


def average_full_weights(x):
    a = x[:6].reshape(2, 3)
    return np.average(np.sin(a), weights=a * a + 1.0) ** 2


def average_kept(x):
    a = x[:6].reshape(2, 3)
    return np.sum(np.average(a, axis=0, weights=x[6:8] + 1.0, keepdims=True) ** 3)


@pytest.mark.parametrize("fn", [average_row_weights, average_full_weights, average_kept],
                         ids=lambda f: f.__name__)
def test_average_second_order_in_its_weights(fn):
    rng = np.random.default_rng(len(fn.__name__))
    x = rng.uniform(0.3, 1.2, size=9)
    check_second_order(fn, (x,), rng, nonzero=True)
    check_reverse_over_reverse(fn, (x,))


# -------------------------------------------------------------------------- np.angle
def angle_complex(x):
    return np.sum(np.angle(x * (1 + 2j) + x[::-1] ** 2 * 1j) ** 2)


def angle_degrees(x):
    return np.sum(np.angle(x[:2] + 1j * x[2:], deg=True) * x[:2])


def angle_real(x):  # 0 or pi: piecewise constant, no second derivative
    return np.sum(np.angle(x - 0.5) * x)


@pytest.mark.parametrize("fn", [angle_complex, angle_degrees, angle_real],
                         ids=lambda f: f.__name__)
def test_angle_second_order(fn):
    rng = np.random.default_rng(len(fn.__name__))
    x = rng.uniform(0.3, 1.2, size=4)
    check_second_order(fn, (x,), rng, nonzero=fn is not angle_real)
    check_reverse_over_reverse(fn, (x,))
