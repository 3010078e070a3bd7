"""scipy.special.logsumexp(return_sign=True), cmath.polar and cmath.rect: grad, jvp and
hvp against central differences, in several spellings."""

import cmath

import numpy as np
import pytest
from fd import assert_derivatives_match
from scipy import special
from scipy.special import logsumexp

import pullback

RNG = np.random.default_rng(20)


# logsumexp with return_sign=True ------------------------------------------------------


def lse_unpacked(a):
    r, s = logsumexp(a, return_sign=True)
    return r * s + r ** 2


def lse_indexed(a):
    out = special.logsumexp(a, axis=0, return_sign=True)
    return np.sum(out[0] ** 2)


def lse_weights(a):
    value, sign = logsumexp(a, b=np.array([1.0, -2.0, 0.5, 3.0]), return_sign=True)
    return value * sign + np.sin(value)


def lse_negative(a):  # the weighted sum is negative: sign -1, value log|S|
    value, sign = logsumexp(a, b=-np.ones(4), return_sign=True)
    return value ** 2 * sign


def lse_in_b(b, a):
    value, sign = logsumexp(a, b=b, return_sign=True, keepdims=True)
    return np.sum(value ** 2)


@pytest.mark.parametrize("f, shape", [(lse_unpacked, (4,)), (lse_indexed, (4, 3)),
                                      (lse_weights, (4,)), (lse_negative, (4,))])
def test_logsumexp_return_sign(f, shape):
    assert_derivatives_match(f, [RNG.normal(size=shape)], rng=RNG)


def test_logsumexp_return_sign_in_weights():
    a = RNG.normal(size=(4,))
    assert_derivatives_match(lse_in_b, [np.array([1.0, -2.0, 0.5, 3.0]), a], wrt=0, rng=RNG)
    assert_derivatives_match(lse_in_b, [np.array([1.0, -2.0, 0.5, 3.0]), a], wrt=1, rng=RNG)


def test_logsumexp_unsigned_unchanged():
    def f(a):
        return np.sum(logsumexp(a, axis=1, b=np.array([1.0, 2.0, 0.5])) ** 2)

    assert_derivatives_match(f, [RNG.normal(size=(2, 3))], rng=RNG)


# cmath.polar and cmath.rect -----------------------------------------------------------


def polar_sum(t):
    r, phi = cmath.polar(complex(t, 2.0 * t * t))
    return r + phi ** 2


def polar_indexed(t):
    p = cmath.polar(cmath.exp(complex(0.3, t)) * t)
    return p[0] * p[1]


def polar_modulus_only(t):
    r, _ = cmath.polar(complex(1.0, t))
    return r ** 3


def polar_of_real(t):  # a real number taken as complex: phase 0 (t > 0)
    r, phi = cmath.polar(t)
    return r * r + phi


def rect_parts(t):
    z = cmath.rect(t, 0.3 * t)
    return z.real + z.imag


def rect_abs(t):
    return abs(cmath.rect(2.0, t) + t) ** 2


def rect_roundtrip(t):
    r, phi = cmath.polar(complex(t, 1.0))
    z = cmath.rect(r * r, phi * 2.0)  # z squared
    return z.real * z.imag


@pytest.mark.parametrize("f", [polar_sum, polar_indexed, polar_modulus_only, polar_of_real,
                               rect_parts, rect_abs, rect_roundtrip])
@pytest.mark.parametrize("t", [0.7, 1.3])
def test_polar_rect(f, t):
    assert_derivatives_match(f, [t], rng=RNG)


def test_rect_closed_form():
    # d/dt Re(rect(t, 0.3 t)) + Im(...) = cos + sin + 0.3 t (cos - sin) of 0.3 t
    t = 0.7
    c, s = np.cos(0.3 * t), np.sin(0.3 * t)
    assert np.isclose(pullback.grad(rect_parts)(t), c + s + 0.3 * t * (c - s), rtol=1e-12)
