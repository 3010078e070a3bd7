"""autograd's own objects that compute what NumPy's or Python's do: its tuple (`from
autograd import tuple`, a subclass of Python's made of the same elements) has the rule of
Python's tuple (code returning `tuple((u, s, v))` of a decomposition was refused as the
construction of a class), its r_ and c_ NumPy's (indexing them was refused),
autograd.numpy.linalg.T NumPy's matrix_transpose, and its tensor convolution
(autograd.scipy.signal.convolve) and make_diagonal the rules of rules/autograd_own.py;
vjp against central differences, in several spellings."""

from __future__ import annotations

import numpy as np
import pytest

import pullback

autograd = pytest.importorskip("autograd")
anp = pytest.importorskip("autograd.numpy")
ag_tuple = autograd.tuple


def svd_parts(x):
    u, s, v = anp.linalg.svd(x, full_matrices=False)
    return ag_tuple((u, s, v))


def eigh_parts(x):
    w, v = anp.linalg.eigh(x + x.T)
    return ag_tuple([w, v])


def read_back(x):
    pair = ag_tuple((x * 2.0, anp.sin(x)))
    return pair[0] * pair[1]


def _inner(a, b):
    if isinstance(a, (tuple, list)):
        return sum(_inner(u, v) for u, v in zip(a, b))
    return float(np.sum(np.asarray(a) * np.asarray(b)))


@pytest.mark.parametrize("fn", [svd_parts, eigh_parts, read_back], ids=lambda f: f.__name__)
def test_vjp_against_differences(fn):
    rng = np.random.default_rng(2)
    x, direction = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    out = fn(x)
    seed = tuple(rng.normal(size=np.shape(o)) for o in out) if isinstance(out, tuple) \
        else rng.normal(size=np.shape(out))
    if fn is not read_back:  # (signs of singular vectors and eigenvectors: unchanged here)
        seed = tuple(s if np.ndim(o) == 1 else 0.0 * s for s, o in zip(seed, out))
    grad = pullback.vjp(fn)(x, seed)
    eps = 1e-6
    numeric = (_inner(seed, fn(x + eps * direction)) - _inner(seed, fn(x - eps * direction))) \
        / (2 * eps)
    assert _inner(grad, direction) == pytest.approx(numeric, rel=1e-6)


# autograd's r_ and c_ (objects of its own whose [...] computes NumPy's r_[...], c_[...])
# have the rules of NumPy's


def r_joined(x):
    return anp.r_[x, x * 2.0, 1.0]


def c_columns(x):
    return anp.c_[x, x ** 2]


def r_with_a_range(x):
    return anp.r_[x[:2], 0.5:1.5:3j, x]


@pytest.mark.parametrize("fn", [r_joined, c_columns, r_with_a_range], ids=lambda f: f.__name__)
def test_index_tricks(fn):
    x = np.array([0.3, 1.2, -0.4])
    seed = np.random.default_rng(0).normal(size=np.shape(fn(x)))
    got = pullback.vjp(fn)(x, seed)
    eps = 1e-6
    numeric = [(np.sum(fn(x + eps * e) * seed) - np.sum(fn(x - eps * e) * seed)) / (2 * eps)
               for e in np.eye(3)]
    np.testing.assert_allclose(got, numeric, rtol=1e-6)


def transposed(x):  # autograd.numpy.linalg.T: np.swapaxes(x, -1, -2), NumPy's matrix_transpose
    return anp.linalg.T(x) * anp.linalg.T(x * x)[::-1]


@pytest.mark.skipif(not hasattr(np.linalg, "matrix_transpose"), reason="NumPy 2's")
def test_autograd_linalg_T():
    x = np.random.default_rng(4).normal(size=(2, 4, 3))
    seed = np.random.default_rng(5).normal(size=(2, 3, 4))
    got = pullback.vjp(transposed)(x, seed)
    eps = 1e-6
    direction = np.random.default_rng(6).normal(size=x.shape)
    numeric = (np.sum(transposed(x + eps * direction) * seed)
               - np.sum(transposed(x - eps * direction) * seed)) / (2 * eps)
    assert np.sum(got * direction) == pytest.approx(numeric, rel=1e-6)


# autograd's own tensor convolution (autograd.scipy.signal.convolve): the rule of
# rules/autograd_own.py, checked against autograd's result and central differences

signal = pytest.importorskip("autograd.scipy.signal")
CONVOLUTIONS = [((5,), (3,), None, [(), ()], "full"), ((3,), (5,), None, [(), ()], "valid"),
                ((5,), (3,), None, [(), ()], "same"), ((3,), (5,), None, [(), ()], "same"),
                ((4, 5), (2, 3), None, [(), ()], "full"),
                ((2, 3, 6, 6), (4, 3, 3, 3), ([2, 3], [2, 3]), ([1], [1]), "valid"),
                ((6, 4), (3, 2), ([0], [0]), ([], []), "full")]


@pytest.mark.parametrize("shapes_a, shapes_b, axes, dot_axes, mode", CONVOLUTIONS, ids=str)
def test_autograd_convolve(shapes_a, shapes_b, axes, dot_axes, mode):
    from pullback.rules.autograd_own import autograd_convolve

    rng = np.random.default_rng(len(shapes_a) + len(shapes_b))
    A, B = rng.normal(size=shapes_a), rng.normal(size=shapes_b)

    def conv(A, B):
        return signal.convolve(A, B, axes=axes, dot_axes=dot_axes, mode=mode)

    out = conv(A, B)
    np.testing.assert_allclose(autograd_convolve(A, B, axes, dot_axes, mode), out, atol=1e-12)
    seed = rng.normal(size=out.shape)
    gA, gB = pullback.vjp(conv, wrt=(0, 1))(A, B, seed)
    tA, tB = rng.normal(size=A.shape), rng.normal(size=B.shape)
    eps = 1e-6
    numeric = (np.sum(conv(A + eps * tA, B + eps * tB) * seed)
               - np.sum(conv(A - eps * tA, B - eps * tB) * seed)) / (2 * eps)
    assert np.sum(gA * tA) + np.sum(gB * tB) == pytest.approx(numeric, rel=1e-6)
    _, tangent = pullback.jvp(conv, wrt=(0, 1))(A, B, (tA, tB))
    np.testing.assert_allclose(tangent, conv(tA, B) + conv(A, tB), atol=1e-10)


def convnet_layer(filters, inputs):  # autograd's convnet example's layer, and a loss
    out = signal.convolve(inputs, filters, axes=([2, 3], [2, 3]), dot_axes=([1], [0]),
                          mode="valid")
    return anp.sum(anp.tanh(out) ** 2)


def test_autograd_convnet_layer():
    rng = np.random.default_rng(3)
    filters, inputs = rng.normal(size=(2, 4, 3, 3)), rng.normal(size=(5, 2, 7, 7))
    got = pullback.grad(convnet_layer)(filters, inputs)
    direction = rng.normal(size=filters.shape)
    eps = 1e-6
    numeric = (convnet_layer(filters + eps * direction, inputs)
               - convnet_layer(filters - eps * direction, inputs)) / (2 * eps)
    assert np.sum(got * direction) == pytest.approx(numeric, rel=1e-6)


@pytest.mark.parametrize("mode", ["full", "valid", "same"])
@pytest.mark.parametrize("dot_axes", [([0], [2]), ([0], [0])])
def test_autograd_convolve_handed_to_vjp_itself(mode, dot_axes):
    """Its default dot_axes=[(), ()] is a list: the function pullback makes takes the rule's
    equal tuple (the parameter was left out, and passing it a TypeError)."""
    rng = np.random.default_rng(7)
    A, B = rng.normal(size=(3, 3, 2)), rng.normal(size=(3, 2, 3))
    keywords = {"axes": ([1], [1]), "dot_axes": dot_axes, "mode": mode}
    out = signal.convolve(A, B, **keywords)
    seed = rng.normal(size=out.shape)
    gA, gB = pullback.vjp(signal.convolve, wrt=(0, 1))(A, B, seed, **keywords)
    tA, tB = rng.normal(size=A.shape), rng.normal(size=B.shape)
    eps = 1e-6
    numeric = (np.sum(signal.convolve(A + eps * tA, B + eps * tB, **keywords) * seed)
               - np.sum(signal.convolve(A - eps * tA, B - eps * tB, **keywords) * seed)) / (2 * eps)
    assert np.sum(gA * tA) + np.sum(gB * tB) == pytest.approx(numeric, rel=1e-6)


def diagonal_matrices(D):
    A = anp.make_diagonal(D, axis1=-1, axis2=-2)
    return anp.sum(anp.sin(A) * anp.arange(A.size).reshape(A.shape)) + anp.sum(A @ A)


def test_autograd_make_diagonal():
    from pullback.rules.autograd_own import autograd_make_diagonal

    D = np.random.default_rng(8).normal(size=(2, 3))
    np.testing.assert_array_equal(autograd_make_diagonal(D),
                                  anp.make_diagonal(D, axis1=-1, axis2=-2))
    got = pullback.grad(diagonal_matrices)(D)
    eps = 1e-6
    numeric = np.array([(diagonal_matrices(D + eps * e.reshape(D.shape))
                         - diagonal_matrices(D - eps * e.reshape(D.shape))) / (2 * eps)
                        for e in np.eye(D.size)]).reshape(D.shape)
    np.testing.assert_allclose(got, numeric, rtol=1e-6, atol=1e-8)
