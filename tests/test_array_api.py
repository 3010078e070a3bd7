"""Gradients over array-API arrays other than NumPy's, checked with array_api_strict.

array_api_strict rejects anything outside the array API standard: mixing one of its
arrays with a NumPy array or a NumPy scalar raises. A gradient that comes back as an
array_api_strict array equal to the NumPy gradient therefore went through the runtime
helpers without leaving the input's namespace (no np.zeros, np.asarray, np.add.at or
ufunc methods on the way). Array-namespace code (`xp = array_namespace(x)`) is
differentiated for NumPy's namespace only; another namespace is refused with the line.
"""

from __future__ import annotations

import numpy as np
import pytest

xp = pytest.importorskip("array_api_strict")

from fd import numeric_grad  # noqa: E402

import pullback  # noqa: E402
from pullback.runtime import helpers  # noqa: E402


def least_squares(w, X, y):
    r = X @ w - y
    return r @ r / X.shape[0]


def quadratic_form(x, A):
    return x @ (A @ x) + 0.5 * (x @ x)


def cubic(x):
    y = x * x * x - 2.0 * x + 1.0
    return y @ y


def affine_entries(W, b, X):
    H = X @ W + b
    Z = H * H
    return Z[0, 0] + Z[1, 1] - Z[2, 0]


def row_loop(X, w):
    total = 0.0
    for i in range(X.shape[0]):
        total = total + (X[i, :] @ w) ** 2
    return total


def shifted_products(x):
    return x[1:] @ x[:-1] + x[0] * x[-1]


def quotient(x, y):
    return (x / y) @ (y - x)


def batched_matmul(A, B):
    C = A @ B
    return C[0, 0, 0] + C[1, 1, 1] * C[0, 1, 0]


def vector_matrix(x, A):
    v = x @ A
    return v @ v


def _points():
    rng = np.random.default_rng(7)
    X, w, y = rng.normal(size=(6, 3)), rng.normal(size=3), rng.normal(size=6)
    return [
        (least_squares, (w, X, y), (0, 1, 2)),
        (quadratic_form, (w, rng.normal(size=(3, 3))), (0, 1)),
        (cubic, (y,), 0),
        (affine_entries, (rng.normal(size=(3, 2)), rng.normal(size=2), X), (0, 1, 2)),
        (row_loop, (X, w), (0, 1)),
        (shifted_products, (y,), 0),
        (quotient, (y, y * y + 1.0), (0, 1)),
        (batched_matmul, (rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 4, 3))), (0, 1)),
        (vector_matrix, (w, rng.normal(size=(3, 4))), (0, 1)),
    ]


@pytest.mark.parametrize("f, args, wrt", _points(), ids=lambda v: getattr(v, "__name__", ""))
def test_gradient_stays_an_array_api_strict_array(f, args, wrt):
    expected = pullback.grad(f, wrt=wrt)(*args)
    got = pullback.grad(f, wrt=wrt)(*[xp.asarray(a) for a in args])
    got = got if isinstance(wrt, tuple) else (got,)
    expected = expected if isinstance(wrt, tuple) else (expected,)
    positions = wrt if isinstance(wrt, tuple) else (wrt,)
    for g, e, i in zip(got, expected, positions):
        assert isinstance(g, type(xp.asarray(0.0))), type(g)
        assert g.shape == args[i].shape and g.dtype == xp.float64
        np.testing.assert_allclose(np.asarray(g), e, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(np.asarray(g), numeric_grad(f, args, i), rtol=1e-6,
                                   atol=1e-8)


def test_value_and_grad_keeps_the_value_in_the_namespace():
    X, w = np.arange(6.0).reshape(3, 2), np.array([0.5, -1.0])
    value, dw = pullback.value_and_grad(vector_matrix)(xp.asarray(w), xp.asarray(X.T))
    assert isinstance(value, type(xp.asarray(0.0))) and value.shape == ()
    assert float(value) == pytest.approx(vector_matrix(w, X.T))
    np.testing.assert_allclose(np.asarray(dw), pullback.grad(vector_matrix)(w, X.T))


# ----------------------------------------------------- the helpers, one at a time


def test_helpers_make_arrays_in_the_input_namespace():
    x = xp.reshape(xp.arange(6, dtype=xp.float64), (2, 3))
    g = xp.ones((4, 2, 3), dtype=xp.float64)
    summed = helpers.unbroadcast(g, x)
    assert isinstance(summed, type(x)) and summed.shape == (2, 3)
    np.testing.assert_array_equal(np.asarray(summed), np.full((2, 3), 4.0))
    row = helpers.unbroadcast(xp.ones((2, 3), dtype=xp.float64), xp.ones((1, 3)))
    assert isinstance(row, type(x)) and row.shape == (1, 3)
    assert float(row[0, 0]) == 2.0
    zeros = helpers.zeros_like(xp.arange(3))  # an integer array: a float gradient
    assert isinstance(zeros, type(x)) and zeros.dtype == xp.float64


def test_accum_index_copies_and_adds_in_the_namespace():
    x = xp.zeros((3, 2), dtype=xp.float64)
    d = helpers.accum_index(0.0, x, (1, slice(None)), xp.asarray([1.0, 2.0]))
    again = helpers.accum_index(d, x, (1, 0), 3.0)
    assert isinstance(again, type(x))
    np.testing.assert_array_equal(np.asarray(again), [[0, 0], [4, 2], [0, 0]])
    np.testing.assert_array_equal(np.asarray(d), [[0, 0], [1, 2], [0, 0]])  # not mutated
    with pytest.raises(pullback.PullbackError, match="scatter-add"):
        helpers.accum_index(0.0, x, (xp.asarray([0, 0]),), xp.ones((2, 2)))


def test_saved_slot_is_a_copy_not_a_view():
    x = xp.asarray([1.0, 2.0, 3.0])
    saved = helpers.save_slot(x, slice(0, 2))
    x[0:2] = 9.0
    np.testing.assert_array_equal(np.asarray(saved), [1.0, 2.0])


def test_as_grad_and_owned_keep_type_shape_and_dtype():
    x32 = xp.ones((2, 2), dtype=xp.float32)
    d = helpers.as_grad(1.0, x32)  # a scalar gradient spread over x
    assert isinstance(d, type(x32)) and d.shape == (2, 2) and d.dtype == xp.float32
    owned = helpers.owned(d)
    owned[0, 0] = 5.0
    assert float(d[0, 0]) == 1.0
    with pytest.raises(pullback.PullbackError, match="no derivative"):
        helpers.as_grad(xp.ones(2), xp.asarray([1, 2]))


# ---------------------------------------------------------------------- limits


def namespace_code(x):
    ns = array_namespace(x)
    return ns.sum(ns.exp(x))


def array_namespace(*arrays):  # array_api_compat's, under its own name and module
    import array_api_compat
    return array_api_compat.array_namespace(*arrays)


array_namespace.__module__ = "array_api_compat.common._helpers"


def test_array_namespace_code_is_refused_for_another_namespace_with_its_line():
    pytest.importorskip("array_api_compat")
    np.testing.assert_allclose(pullback.grad(namespace_code)(np.array([0.0, 1.0])),
                               np.exp([0.0, 1.0]))
    with pytest.raises(pullback.PullbackError) as info:
        pullback.grad(namespace_code)(xp.asarray([0.0, 1.0]))
    message = str(info.value)
    assert "array_api_strict" in message and "NumPy arrays only" in message
    assert "ns = array_namespace(x)" in message


def fancy_read(x):
    picked = x[xp.asarray([0, 2, 2])]
    return picked @ picked


def test_fancy_index_gradient_is_refused_with_its_line():
    with pytest.raises(pullback.PullbackError) as info:
        pullback.grad(fancy_read)(xp.asarray([1.0, 2.0, 3.0]))
    assert "scatter-add" in str(info.value)
    assert "picked = x[xp.asarray([0, 2, 2])]" in str(info.value)
