"""The Numba backend's gradients of rearrangements of an array's entries (`x.T`,
np.transpose with and without axes, swapaxes, moveaxis, flipud, fliplr: rules whose
gradient is `map_grad(fn, g, ...)`, the inverse rearrangement of g), alone, composed with
matrix products (`A.T @ B`) and inside loops: each equals the NumPy backend's gradient to
rounding and central finite differences. A rearrangement Numba lacks a form of (np.flip
along an axis) is refused on the first call, naming the function."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

numba = pytest.importorskip("numba")

from fd import assert_close, numeric_grad  # noqa: E402

import pullback  # noqa: E402

RNG = np.random.default_rng(5)

PROGRAMS = {
    "attribute_T_matmul": ("""
        def f(A, B):
            return np.sum(np.tanh(A.T @ B))
        """, ((3, 4), (3, 5))),
    "np_transpose_matmul": ("""
        def f(A, B):
            return np.sum(np.transpose(A) @ B * B.T[:, 0])
        """, ((3, 4), (3, 5))),
    "T_on_both_sides": ("""
        def f(A, B):
            C = A.T
            return np.sum(np.sin(C @ B) * np.flipud(A.T @ B))
        """, ((3, 4), (3, 5))),
    "transpose_axes": ("""
        def f(X, Y):
            return np.sum(np.transpose(X, (1, 0, 2)) * Y)
        """, ((2, 3, 4), (3, 2, 4))),
    "method_transpose_axes": ("""
        def f(X, Y):
            return np.sum(np.cos(X.transpose(2, 0, 1)) * Y)
        """, ((2, 3, 4), (4, 2, 3))),
    "swapaxes_moveaxis_fliplr": ("""
        def f(X, Y):
            return np.sum(np.swapaxes(X, 0, 1) ** 2 * Y) + np.sum(np.moveaxis(X, 0, 1) * Y) \\
                + np.sum(np.fliplr(X[0]) * X[1])
        """, ((2, 3, 4), (3, 2, 4))),
    "in_a_loop": ("""
        def f(W, x):
            h = x
            for t in range(3):
                h = np.tanh(W.T @ h + x)
            return np.sum(h)
        """, ((4, 4), (4,))),
}


def _load(tmp_path, name, source):
    path = tmp_path / f"rearranged_{name}.py"
    path.write_text("import numpy as np\n\n" + textwrap.dedent(source))
    scope = {}
    exec(compile(path.read_text(), str(path), "exec"), scope)  # noqa: S102
    return scope["f"]


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_rearrangements_compile_and_equal_the_numpy_backend(tmp_path, name):
    source, shapes = PROGRAMS[name]
    f = _load(tmp_path, name, source)
    args = tuple(RNG.normal(size=s) for s in shapes)
    assert "map_grad(np." in pullback.source(f, wrt=(0, 1), backend="numba")
    got = pullback.grad(f, wrt=(0, 1), backend="numba")(*args)
    assert_close(got, pullback.grad(f, wrt=(0, 1))(*args), rtol=1e-12, atol=1e-13)
    assert_close(got, numeric_grad(f, args, wrt=(0, 1)), rtol=1e-6, atol=1e-8)


def test_transpose_by_axes_given_at_run_time(tmp_path):
    f = _load(tmp_path, "runtime_axes", """
        def f(X, axes):
            return np.sum(np.transpose(X, axes) ** 3 * np.arange(24.0).reshape(4, 2, 3))
        """)
    X = RNG.normal(size=(2, 3, 4))
    got = pullback.grad(f, backend="numba")(X, (2, 0, 1))
    assert_close(got, pullback.grad(f)(X, (2, 0, 1)), rtol=1e-12, atol=1e-13)
    assert_close(got, numeric_grad(f, (X, (2, 0, 1))), rtol=1e-6, atol=1e-8)


def test_a_rearrangement_numba_lacks_is_refused_on_the_first_call(tmp_path):
    f = _load(tmp_path, "flip_axis", """
        def f(X):
            return np.sum(np.flip(X, 1) * X)
        """)
    compiled = pullback.grad(f, backend="numba")
    with pytest.raises(pullback.UnsupportedSyntaxError, match="flip"):
        compiled(RNG.normal(size=(2, 3)))
    with pytest.warns(RuntimeWarning):
        got = pullback.grad(f, backend="auto")(X := RNG.normal(size=(2, 3)))
    assert_close(got, pullback.grad(f)(X), rtol=1e-12, atol=1e-13)
