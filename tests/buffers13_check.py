"""The checks every test_buffers13_* case goes through: grad, jvp, hvp, hessian and
reverse over reverse (vjp of grad) of f(x) against central differences (tests/fd.py)."""

import numpy as np
from fd import assert_grad_matches, numeric_grad

import pullback


def fd_hessian(fn, x, h=1e-5):
    g = pullback.grad(fn)
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = h
        cols.append(((g(x + e) - g(x - e)) / (2 * h)).ravel())
    return np.stack(cols, axis=1)


def check_all(fn, x, second=True, seed=0):
    """fn's value is unchanged, its gradient, tangent and second derivatives match
    central differences at x (a float64 array)."""
    rng = np.random.default_rng(seed)
    assert_grad_matches(fn, (x,))
    v = rng.normal(size=x.shape)
    value, tangent = pullback.jvp(fn)(x.copy(), v)
    assert np.isclose(value, fn(x.copy()), rtol=1e-12, atol=1e-12)
    expected = np.sum(numeric_grad(fn, (x.copy(),)) * v)
    np.testing.assert_allclose(tangent, expected, rtol=1e-5, atol=1e-7)
    if not second:
        return
    H = fd_hessian(fn, x)
    hv = pullback.hvp(fn)(x.copy(), v)
    np.testing.assert_allclose(np.ravel(hv), H @ v.ravel(), rtol=1e-5, atol=1e-6)
    full = np.reshape(pullback.hessian(fn)(x.copy()), (x.size, x.size))
    np.testing.assert_allclose(full, H, rtol=1e-5, atol=1e-6)
    reverse = pullback.vjp(pullback.grad(fn))
    row = np.ravel(reverse(x.copy(), np.reshape(v, x.shape)))
    np.testing.assert_allclose(row, H.T @ v.ravel(), rtol=1e-5, atol=1e-6)
