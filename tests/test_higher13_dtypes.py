"""hessian and jacobian keep the inputs' floating dtype, as grad, jvp and hvp do: float32
in gives float32 blocks (float64 where a block mixes a float32 and a float64 argument),
in forward, reverse and measured mode, for arrays, numbers, tuple wrt and structured
arguments; the values agree with central differences of the float64 gradient."""

from typing import NamedTuple

import numpy as np
import pytest
from fd import numeric_grad

import pullback

X = np.array([0.3, -0.5, 1.2])


def energy(x):
    return np.sum(np.sin(x) * x ** 2)


def mixed(x, y):
    return np.sum(np.sin(x) * y ** 2) + x[0] * y[1]


def field(x):
    return np.sin(x) * x[0]


def total(x):
    return np.sum(x ** 3)


class P(NamedTuple):
    w: np.ndarray
    b: np.float32


def by_fields(p):
    return np.sum(np.tanh(p.w) * p.b) + p.b ** 3


def fd_hessian(f, x, wrt=0, other=()):
    """Central differences of the float64 gradient's entries: row i is d(grad_i)/dx."""
    g = pullback.grad(f)
    args = (x,) + tuple(other)
    return np.stack([numeric_grad(lambda *a, i=i: g(*a)[i], args, wrt=wrt)
                     for i in range(x.size)])


@pytest.mark.parametrize("f", [energy, total])
def test_hessian_of_float32_is_float32(f):
    x = X.astype(np.float32)
    H = pullback.hessian(f)(x)
    assert H.dtype == np.float32 and H.shape == (3, 3)
    np.testing.assert_allclose(H, fd_hessian(f, X), rtol=1e-4, atol=1e-4)
    assert pullback.hvp(f)(x, np.ones(3, np.float32)).dtype == np.float32


def test_hessian_float64_unchanged():
    H = pullback.hessian(energy)(X)
    assert H.dtype == np.float64
    np.testing.assert_allclose(H, fd_hessian(energy, X), rtol=1e-6, atol=1e-8)


def test_hessian_tuple_wrt_mixed_dtypes():
    x, y = X.astype(np.float32), np.array([1.0, 2.0, -0.5])
    H = pullback.hessian(mixed, wrt=(0, 1))(x, y)
    assert H[0][0].dtype == np.float32
    assert H[0][1].dtype == H[1][0].dtype == H[1][1].dtype == np.float64
    g = pullback.grad(mixed)
    rows = [numeric_grad(lambda a, b, i=i: g(a, b)[i], (X, y), wrt=(0, 1)) for i in range(3)]
    np.testing.assert_allclose(H[0][0], np.stack([r[0] for r in rows]), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(H[0][1], np.stack([r[1] for r in rows]), rtol=1e-4, atol=1e-4)


def test_structured_hessian_keeps_leaf_dtypes():
    p = P(X.astype(np.float32), np.float32(0.7))
    H = pullback.hessian(by_fields)(p)
    assert H.w.w.dtype == np.float32 and H.w.w.shape == (3, 3)
    p64 = P(X, 0.7)
    np.testing.assert_allclose(H.w.w, pullback.hessian(by_fields)(p64).w.w, rtol=1e-4,
                               atol=1e-5)


@pytest.mark.parametrize("mode", ["fwd", "rev", "auto"])
@pytest.mark.parametrize("f", [field, total, lambda x: x[::-1] * 2.0])
def test_jacobian_of_float32_is_float32(mode, f):
    x = X.astype(np.float32)
    J = pullback.jacobian(f, mode=mode)
    for _ in range(7 if mode == "auto" else 1):  # auto: both modes, then its choice
        got = J(x)
        assert got.dtype == np.float32
    np.testing.assert_allclose(got, pullback.jacobian(f, mode=mode)(X), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_jacobian_mixed_and_integer_dtypes(mode):
    J = pullback.jacobian(lambda x, y: np.sin(x) * y, wrt=(0, 1), mode=mode)(
        X.astype(np.float32), X)
    assert J[0].dtype == J[1].dtype == np.float64
    np.testing.assert_allclose(J[0], np.diag(np.cos(X) * X), rtol=1e-6, atol=1e-7)
    if mode == "rev":
        return  # (reverse mode refuses integer inputs, as grad does)
    # an integer input's Jacobian in float64, as before
    Ji = pullback.jacobian(lambda x: x * 2.0, mode=mode)(np.array([1, 2, 3]))
    assert Ji.dtype == np.float64
    np.testing.assert_allclose(Ji, 2 * np.eye(3))
