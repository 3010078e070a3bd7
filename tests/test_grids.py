"""np.meshgrid (xy and ij indexing, sparse, three arrays) and np.broadcast_arrays: grad,
jvp and hvp against central differences, and in a loop."""

import numpy as np
import pytest

import pullback


def surface(x, y):
    X, Y = np.meshgrid(x, y)
    return np.sum(np.sin(X) * Y ** 2)


def surface_ij(x, y):
    X, Y = np.meshgrid(x, y, indexing="ij")
    return np.sum(np.exp(-(X - Y) ** 2))


def sparse_three(x, y):
    A, B, C = np.meshgrid(x, y, x[:2], sparse=True)
    return np.sum(np.tanh(A + B) * C)


def only_one_used(x, y):
    X, _ = np.meshgrid(x, y)
    return np.sum(X ** 3)


def broadcast_pair(x, y):
    a, b = np.broadcast_arrays(x[:, None], y)
    return np.sum(a * b ** 2) + np.sum(a[0])


def grid_in_a_loop(x, y):
    total = 0.0
    for k in range(3):
        X, Y = np.meshgrid(x * (k + 1), y)
        total = total + np.sum(X * Y) ** 2 * 0.01
    return total


CASES = [surface, surface_ij, sparse_three, only_one_used, broadcast_pair, grid_in_a_loop]


def _differences(f, args, v):
    return (f(*[a + 1e-6 * d for a, d in zip(args, v)])
            - f(*[a - 1e-6 * d for a, d in zip(args, v)])) / 2e-6


@pytest.mark.parametrize("f", CASES, ids=lambda f: f.__name__)
def test_grids_match_differences_to_second_order(f):
    rng = np.random.default_rng(7)
    args = (rng.normal(size=3), rng.normal(size=4))
    v = (rng.normal(size=3), rng.normal(size=4))
    gradient = pullback.grad(f, wrt=(0, 1))
    gx, gy = gradient(*args)
    for k, (a, g) in enumerate(zip(args, (gx, gy))):
        numeric = [_differences(f, args, [e if i == k else np.zeros_like(b)
                                          for i, b in enumerate(args)]) for e in np.eye(a.size)]
        np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-8)
    value, tangent = pullback.jvp(f, wrt=(0, 1))(*args, v)
    assert np.isclose(value, f(*args), rtol=1e-13)
    assert np.isclose(tangent, gx @ v[0] + gy @ v[1], rtol=1e-10, atol=1e-12)
    hx, hy = pullback.hvp(f, wrt=(0, 1))(*args, v)
    plus = gradient(*[a + 1e-5 * d for a, d in zip(args, v)])
    minus = gradient(*[a - 1e-5 * d for a, d in zip(args, v)])
    np.testing.assert_allclose(hx, (plus[0] - minus[0]) / 2e-5, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(hy, (plus[1] - minus[1]) / 2e-5, rtol=1e-5, atol=1e-7)
