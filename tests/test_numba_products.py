"""The Numba backend's matrix products (runtime/numba_helpers.py: `nb_matmul` for every
`@` and np.matmul, `nb_dot` for np.dot): loops for float64 vectors and matrices, BLAS for
large matrix products, Numba's own `@` and np.dot for other operands. Each agrees with
NumPy to rounding, on contiguous operands and on views (transposes, columns, steps),
and a mismatch of sizes raises ValueError as NumPy's does; gradients through them equal
the NumPy backend's and finite differences."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

numba = pytest.importorskip("numba")

from fd import assert_close, numeric_grad  # noqa: E402

import pullback  # noqa: E402

RNG = np.random.default_rng(11)


def _compiled(helper):
    from pullback.runtime import numba_helpers
    function = getattr(numba_helpers, helper)
    return numba.njit(lambda a, b: function(a, b))


OPERANDS = [((5,), (5,)), ((4, 3), (3,)), ((3,), (3, 6)), ((4, 3), (3, 6)), ((1, 1), (1,)),
            ((0, 3), (3,)), ((3,), (3, 0)), ((2, 0), (0, 4)), ((40, 50), (50, 30)),
            ((64, 64), (64,))]


@pytest.mark.parametrize("helper", ["nb_matmul", "nb_dot"])
@pytest.mark.parametrize("ashape, bshape", OPERANDS)
def test_products_agree_with_numpy(helper, ashape, bshape):
    product = _compiled(helper)
    a, b = RNG.normal(size=ashape), RNG.normal(size=bshape)
    want = a @ b
    got = product(a, b)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    assert np.shape(got) == np.shape(want)
    if a.ndim == 2:  # a transposed view, a view with a step
        np.testing.assert_allclose(product(np.ascontiguousarray(a.T).T, b), want,
                                   rtol=1e-12, atol=1e-12)
    wide = RNG.normal(size=(bshape[0], 2 * (bshape[-1] if len(bshape) == 2 else 1)))
    if b.ndim == 1:
        wide[:, 0] = b
        np.testing.assert_allclose(product(a, wide[:, 0]), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("helper", ["nb_matmul", "nb_dot"])
@pytest.mark.parametrize("ashape, bshape", [((4, 3), (4,)), ((3,), (4, 6)), ((2, 3), (2, 3)),
                                            ((5,), (4,)), ((40, 50), (40, 30))])
def test_a_size_mismatch_raises_as_numpy(helper, ashape, bshape):
    a, b = np.ones(ashape), np.ones(bshape)
    with pytest.raises(ValueError):
        a @ b
    with pytest.raises(ValueError):
        _compiled(helper)(a, b)


def test_nan_and_inf_propagate_as_in_numpy():
    product = _compiled("nb_matmul")
    a = RNG.normal(size=(4, 5))
    b = RNG.normal(size=5)
    a[1, 2], b[4] = np.nan, np.inf
    np.testing.assert_array_equal(product(a, b), a @ b)


def test_other_operands_go_to_numbas_own_product():
    product = _compiled("nb_matmul")
    a = RNG.normal(size=(3, 4)).astype(np.float32)
    b = RNG.normal(size=4).astype(np.float32)
    np.testing.assert_allclose(product(a, b), a @ b, rtol=1e-5)
    np.testing.assert_allclose(_compiled("nb_dot")(a, b), np.dot(a, b), rtol=1e-5)


PROGRAMS = {
    "matvec": ("""
        def f(W, x):
            return np.sum(np.tanh(W @ x))
        """, ((6, 4), (4,))),
    "vecmat_np_dot": ("""
        def f(W, x):
            return np.sum(np.dot(x, W) ** 2)
        """, ((4, 6), (4,))),
    "matmat_np_matmul": ("""
        def f(A, B):
            return np.sum(np.sin(np.matmul(A, B)))
        """, ((3, 5), (5, 4))),
    "large_matmat": ("""
        def f(A, B):
            return np.sum(np.cos(A @ B))
        """, ((40, 50), (50, 30))),
    "inner_in_loop": ("""
        def f(W, x):
            s = 0.0
            for t in range(W.shape[0]):
                s = s + np.tanh(W[t] @ x)
            return s
        """, ((7, 4), (4,))),
    "column_in_loop": ("""
        def f(W, x):
            s = 0.0
            for t in range(W.shape[1]):
                s = s + np.sum(np.tanh(x @ W[:, :t + 1]))
            return s
        """, ((4, 3), (4,))),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_gradients_through_products_equal_the_numpy_backend(tmp_path, name):
    source, shapes = PROGRAMS[name]
    path = tmp_path / f"products_{name}.py"
    path.write_text("import numpy as np\n\n" + textwrap.dedent(source))
    scope = {}
    exec(compile(path.read_text(), str(path), "exec"), scope)  # noqa: S102
    f = scope["f"]
    args = tuple(RNG.normal(size=s) * 0.5 for s in shapes)
    compiled = pullback.grad(f, wrt=(0, 1), backend="numba")
    assert "nb_matmul(" in pullback.source(f, wrt=(0, 1), backend="numba") \
        or "nb_dot(" in pullback.source(f, wrt=(0, 1), backend="numba")
    got = compiled(*args)
    assert_close(got, pullback.grad(f, wrt=(0, 1))(*args), rtol=1e-10, atol=1e-12)
    assert_close(got, numeric_grad(f, args, wrt=(0, 1)), rtol=1e-5, atol=1e-7)
