"""np.nan_to_num in forward mode: the tangent of x where x is finite, and the tangents of
the replacement values where they replace (nan=, posinf=, neginf=), against the gradient
contracted with the same direction and against differences."""

import numpy as np

import pullback


def cleaned(x, c):
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.log(x)  # NaN for negative entries, -inf at 0
    return np.sum(np.nan_to_num(y, nan=c, neginf=2 * c, posinf=3.0) * x ** 2)


def test_jvp_of_nan_to_num_matches_the_gradient_and_differences():
    x = np.array([0.5, -1.0, 2.0, 0.0, 1.5])
    v = np.array([0.1, 0.2, -0.3, 0.0, 0.4])  # (no step at 0, where log's is infinite)
    value, tangent = pullback.jvp(cleaned, wrt=(0, 1))(x, 0.7, (v, 0.5))
    assert np.isclose(value, cleaned(x, 0.7), rtol=1e-14)
    numeric = (cleaned(x + 1e-6 * v, 0.7 + 5e-7) - cleaned(x - 1e-6 * v, 0.7 - 5e-7)) / 2e-6
    assert np.isclose(tangent, numeric, rtol=1e-6)
    finite = [0, 1, 2, 4]  # (the gradient at 0 is NaN: log's adjoint, the where trap)
    gx, gc = pullback.grad(cleaned, wrt=(0, 1))(x[finite], 0.7)
    _, part = pullback.jvp(cleaned, wrt=(0, 1))(x[finite], 0.7, (v[finite], 0.5))
    assert np.isclose(part, gx @ v[finite] + gc * 0.5, rtol=1e-12)
