"""Second order through a gradient whose inner loop accumulates into an array that the
loop around it starts again from zero each trip (`dscores = 0.0`, then
`dscores = accum_index(dscores, scores, j, ...)` for each class j, then a read after the
inner loop): the hvp's check of helpers that write their first operand took the next
outer trip's read for a read of the written object, although SSA binds the name to the
new zero first, and refused every loop-over-examples, loop-over-classes loss (CS231n's
naive SVM and softmax losses). Each spelling: hvp and jvp against central differences
of pullback's gradient (itself against differences of f)."""

from __future__ import annotations

import numpy as np
import pytest
from fd import assert_derivatives_match

RNG = np.random.default_rng(7)
X = RNG.normal(size=(5, 3))
Y = np.array([0, 1, 2, 3, 1])
REG = 0.1


def softmax_naive(w):
    W = w.reshape(3, 4)
    loss = 0.0
    for i in range(X.shape[0]):
        scores = X[i].dot(W)
        scores = scores - np.max(scores)
        total = 0.0
        for j in range(W.shape[1]):
            total += np.exp(scores[j])
        loss += -scores[Y[i]] + np.log(total)
    return loss / X.shape[0] + REG * np.sum(W * W)


def smooth_hinge_naive(w):
    W = w.reshape(3, 4)
    loss = 0.0
    for i in range(X.shape[0]):
        scores = X[i].dot(W)
        correct = scores[Y[i]]
        for j in range(W.shape[1]):
            if j == Y[i]:
                continue
            margin = scores[j] - correct + 1.0
            loss += np.log1p(np.exp(margin))  # a softplus hinge
    return loss / X.shape[0] + REG * np.sum(W * W)


def per_example_products(w):
    W = w.reshape(3, 4)
    out = 0.0
    for i in range(X.shape[0]):
        h = np.tanh(X[i] @ W)
        acc = 0.0
        for j in range(4):
            acc = acc + h[j] * h[(j + 1) % 4]
        out += acc ** 2
    return out


@pytest.mark.parametrize("f", [softmax_naive, smooth_hinge_naive, per_example_products],
                         ids=lambda f: f.__name__)
def test_hvp_through_an_inner_accumulation(f):
    assert_derivatives_match(f, (RNG.normal(size=12) * 0.5,), rng=np.random.default_rng(1))
