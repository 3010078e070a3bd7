"""The cmath module: real-valued functions of real parameters that compute with cmath
(exp, log, sqrt, trigonometric, hyperbolic and inverse functions, phase) differentiated
by grad, jvp and hvp against central differences; a cmath result is never taken as real."""

import cmath
import math

import numpy as np
import pytest

import pullback


def rotated(p):
    z = complex(p[0], p[1])
    w = z * cmath.exp(1j * p[2])
    return abs(w) ** 2 + w.real * 0.5 + cmath.phase(w) * p[0]


def logs(p):
    z = complex(p[0], p[1])
    return (cmath.log(z) * cmath.log10(z + 2.0)).real + abs(cmath.log(z, 3.0))


def roots(p):
    z = cmath.sqrt(p[0] - 2.0)  # complex from a real number: sqrt of a negative one
    return (z * z.conjugate()).real + z.imag * p[1] + abs(cmath.sqrt(complex(p[1], p[2])))


def trig(p):
    z = complex(p[0], 0.3 * p[1])
    parts = [cmath.sin(z), cmath.cos(z), cmath.tan(z), cmath.sinh(z), cmath.cosh(z),
             cmath.tanh(z)]
    return sum(abs(v) for v in parts) + sum(v.imag for v in parts) * p[2]


def inverse_trig(p):
    z = complex(0.3 * p[0], 0.2 * p[1])
    parts = [cmath.asin(z), cmath.acos(z), cmath.atan(z), cmath.asinh(z),
             cmath.acosh(z + 2.0), cmath.atanh(z)]
    return sum(v.real * (k + 1) + v.imag ** 2 for k, v in enumerate(parts))


def in_a_loop(p):
    z = complex(1.0, 0.0)
    for k in range(4):
        z = z * cmath.exp(complex(0.1 * p[0], p[1] * (k + 1)))
        if abs(z) > 5.0:
            z = z / abs(z)
    return math.atan2(z.imag, z.real) + abs(z)


CASES = [rotated, logs, roots, trig, inverse_trig, in_a_loop]


@pytest.mark.parametrize("f", CASES, ids=lambda f: f.__name__)
def test_cmath_functions_match_differences(f):
    p = np.array([0.7, -0.4, 0.9])
    v = np.array([0.3, 0.5, -0.2])
    numeric = np.array([(f(p + 1e-6 * e) - f(p - 1e-6 * e)) / 2e-6 for e in np.eye(3)])
    np.testing.assert_allclose(pullback.grad(f)(p), numeric, rtol=1e-6, atol=1e-8)
    value, tangent = pullback.jvp(f)(p, v)
    assert np.isclose(value, f(p), rtol=1e-13)
    assert np.isclose(tangent, numeric @ v, rtol=1e-6, atol=1e-8)
    gradient = pullback.grad(f)
    expected = (gradient(p + 1e-5 * v) - gradient(p - 1e-5 * v)) / 2e-5
    np.testing.assert_allclose(pullback.hvp(f)(p, v), expected, rtol=1e-5, atol=1e-7)


def test_a_cmath_result_is_not_taken_as_real():
    """grad of a function returning cmath.sqrt of a negative number is refused (a complex
    result), never its real part's gradient."""
    def complex_result(x):
        return cmath.sqrt(x - 2.0)

    with pytest.raises(pullback.PullbackError, match="complex"):
        pullback.grad(complex_result)(0.5)


def test_polar_radius():  # once refused; rules since session 20 (test_leftovers20_rules)
    def polar_radius(x):
        r, phi = cmath.polar(complex(x, 1.0))
        return r

    assert abs(pullback.grad(polar_radius)(0.5) - 0.5 / abs(complex(0.5, 1.0))) < 1e-12
