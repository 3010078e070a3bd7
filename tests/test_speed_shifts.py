"""The shift m = max(v, axis) a function takes back exactly (log-softmax, softmax,
logsumexp) is also taken back by the function's generated gradient: `unbroadcast(g, log)`
reads log for its shape only. So the hvp (the gradient's tangent) leaves out m's
tangent, as the jvp does; the Hessians below are checked against central differences of
the gradient, and controls where m is not taken back keep it."""

from __future__ import annotations

import numpy as np
import pytest

import pullback


def log_softmax_loss(W, X, labels):
    logits = X @ W
    z = logits - np.max(logits, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.mean(logp[np.arange(X.shape[0]), labels])


def log_softmax_loss_spelled(W, X, labels):
    logits = np.dot(X, W)
    m = np.amax(logits, axis=-1, keepdims=True)
    shifted = np.subtract(logits, m)
    total = np.exp(shifted).sum(axis=-1, keepdims=True)
    logp = shifted - np.log(total)
    return -np.sum(logp[np.arange(X.shape[0]), labels]) / X.shape[0]


def softmax_weighted(W, X, labels):
    logits = np.tanh(X @ W)
    e = np.exp(logits - np.max(logits, axis=1, keepdims=True))
    p = e / np.sum(e, axis=1, keepdims=True)
    return np.sum(p * p) + np.sum(p[np.arange(X.shape[0]), labels])


def logsumexp_rows(W, X, labels):
    logits = X @ W
    m = np.max(logits, axis=1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(logits - m), axis=1, keepdims=True))
    return np.sum(lse * lse) - np.sum(logits[np.arange(X.shape[0]), labels])


def shift_not_taken_back(W, X, labels):  # control: m stays in the value
    logits = X @ W
    m = np.max(logits, axis=1, keepdims=True)
    return np.sum(np.exp(logits - m)) + np.sum(m * m)


def shift_along_other_axis(W, X, labels):  # control: summed along the other axis
    logits = X @ W
    z = logits - np.max(logits, axis=1, keepdims=True)
    return np.sum(np.log(np.sum(np.exp(z), axis=0, keepdims=True)))


# (the gradients of the last two read the shifted values through helpers the analysis
# does not follow: their hvp keeps m's tangent, which is exact too)
CANCELLING = [log_softmax_loss, log_softmax_loss_spelled, softmax_weighted, logsumexp_rows]
CUT = CANCELLING[:2]
CONTROLS = [shift_not_taken_back, shift_along_other_axis]


def _args(seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(4, 3)), rng.normal(size=(5, 4)), rng.integers(0, 3, size=5)


def _fd_hessian(fn, args, eps=1e-5):
    grad = pullback.grad(fn)
    W = args[0]
    cols = []
    for i in range(W.size):
        e = np.zeros(W.size)
        e[i] = eps
        e = e.reshape(W.shape)
        cols.append(np.ravel(grad(W + e, *args[1:]) - grad(W - e, *args[1:])) / (2 * eps))
    return np.stack(cols, axis=1)


@pytest.mark.parametrize("fn", CANCELLING + CONTROLS, ids=lambda f: f.__name__)
def test_hessian_and_hvp_match_differences(fn):
    for seed in range(2):
        args = _args(seed)
        expected = _fd_hessian(fn, args)
        assert np.any(np.abs(expected) > 1e-3)
        H = pullback.hessian(fn)(*args).reshape(expected.shape)
        np.testing.assert_allclose(H, expected, rtol=1e-5, atol=1e-6)
        v = np.random.default_rng(seed + 7).normal(size=args[0].shape)
        hv = pullback.hvp(fn)(*args, v)
        np.testing.assert_allclose(np.ravel(hv), expected @ np.ravel(v), rtol=1e-5,
                                   atol=1e-6)


@pytest.mark.parametrize("fn", CUT, ids=lambda f: f.__name__)
def test_hvp_leaves_out_the_tangent_of_the_shift(fn):
    assert "unreduce_extreme" not in pullback.source(fn, mode="hvp")


@pytest.mark.parametrize("fn", CONTROLS, ids=lambda f: f.__name__)
def test_hvp_keeps_the_tangent_of_a_shift_not_taken_back(fn):
    assert "unreduce_extreme" in pullback.source(fn, mode="hvp")
