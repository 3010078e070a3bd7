"""autograd's own tuple (`from autograd import tuple`, a subclass of Python's made of the
same elements) has the rule of Python's tuple: code written for autograd that returns
`tuple((u, s, v))` of a decomposition is differentiated (it was refused as the
construction of a class); vjp against central differences, in several spellings."""

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
