"""Second order through scipy.special.logsumexp with weights b: hessian, hvp and reverse
over reverse in a, and in b (the weights differentiated), straight-line, over an axis
with keepdims, with b broadcast against a, in a loop and in a callee; against central
differences of the gradient, and the closed form of the Hessian in a."""

import numpy as np
import pytest
from test_higher import check_reverse_over_reverse, check_second_order

import pullback

special = pytest.importorskip("scipy.special")

X = np.array([0.3, -1.2, 0.8, 1.5, -0.4])
W = np.array([0.5, 1.3, 0.2, 0.9, 2.0])
M = np.array([[0.3, -1.2, 0.8], [1.5, -0.4, 0.1]])


def softplus_lse(x, w=W):
    return special.logsumexp(x, b=w) + np.sum(np.logaddexp(0, x))


def in_weights(w, x=X):
    return special.logsumexp(x, b=w) * np.sum(w)


def in_both(x):
    return special.logsumexp(x, b=np.exp(x) + 0.5) ** 2


def rows_keepdims(a):
    return np.sum(special.logsumexp(a, axis=1, b=np.abs(a) + 0.1, keepdims=True) ** 2)


def columns_broadcast(a):
    return np.sum(np.sin(special.logsumexp(a, axis=0, b=np.array([[0.4], [1.7]]))))


def weights_broadcast(w):
    return np.sum(special.logsumexp(M, axis=1, b=w[:3]) ** 2)


def weights_widen_a(x):
    return special.logsumexp(x[:3], b=np.array([[0.4], [1.7]]) + x[3]) ** 2


def in_a_loop(x):
    t = 0.0
    for k in range(3):
        t = t + special.logsumexp(x * (k + 1), b=W + k)
    return t


def _weighted(x, w):
    return special.logsumexp(x, b=w)


def in_a_callee(x):
    return _weighted(x * x, np.cosh(x)) * x[0]


@pytest.mark.parametrize("fn, arg", [
    (softplus_lse, X), (in_weights, W), (in_both, X), (rows_keepdims, M),
    (columns_broadcast, M), (weights_broadcast, X), (weights_widen_a, X), (in_a_loop, X),
    (in_a_callee, X),
], ids=lambda v: getattr(v, "__name__", ""))
def test_hessian_hvp_and_reverse_over_reverse(fn, arg):
    check_second_order(fn, (arg,), np.random.default_rng(7), nonzero=True)
    check_reverse_over_reverse(fn, (arg,))


def test_hessian_in_a_closed_form():
    """L = log sum b e^x: H = diag(p) - p p^T with p = b e^(x - L)."""
    p = W * np.exp(X - special.logsumexp(X, b=W))
    H = pullback.hessian(lambda x: special.logsumexp(x, b=W))(X)
    np.testing.assert_allclose(H, np.diag(p) - np.outer(p, p), rtol=1e-12, atol=1e-12)


def test_hessian_in_b_closed_form():
    """In b: dL/db = e^x / S (S = sum b e^x), H = -e^x e^x^T / S^2."""
    e = np.exp(X)
    H = pullback.hessian(lambda w: special.logsumexp(X, b=w))(W)
    np.testing.assert_allclose(H, -np.outer(e, e) / np.sum(W * e) ** 2, rtol=1e-12, atol=1e-12)
