"""Lists of indices a function builds and reads before the backward needs them again
(`scores[range(n), list(y)]`, `w[idx]` with idx appended in a loop): the adjoint of each
append popped the element off again for reads before it, and nothing read the list after
its pops. Those pops are now dropped like unread slot restores (derive/restores.py), and
the reverse loop left with nothing to do goes with them: the gradient is shorter and a
second derivative no longer meets "the list that is written in place is put into a
tuple and used after" (every CS231n vectorized SVM and softmax hvp). Each: grad, jvp, hvp
against central differences; a list the backward does read keeps its pops."""

from __future__ import annotations

import numpy as np
import pytest
from fd import assert_derivatives_match

import pullback

RNG = np.random.default_rng(11)
X = RNG.normal(size=(5, 3))
Y = np.array([0, 1, 2, 3, 1])


def svm_vectorized(w):
    W = w.reshape(3, 4)
    num_train = X.shape[0]
    scores = X.dot(W)
    correct = scores[range(num_train), list(Y)].reshape(-1, 1)
    margins = np.maximum(0, scores - correct + 1)
    margins[range(num_train), list(Y)] = 0
    return np.sum(margins) / num_train + 0.5 * 0.1 * np.sum(W * W) + np.sum(margins ** 2)


def softmax_vectorized(w):
    W = w.reshape(3, 4)
    scores = X @ W
    scores = scores - scores.max(axis=1, keepdims=True)
    logp = scores - np.log(np.sum(np.exp(scores), axis=1, keepdims=True))
    return -np.mean(logp[np.arange(len(Y)), list(Y)])


def appended_indices(w):
    idx = []
    for i in range(3):
        idx.append(2 - i)
    return np.sum(w[idx] * w) + np.sum(w[list(idx)] ** 3)


def extended_indices(w):
    idx = []
    idx.extend([0, 2])
    idx.extend(range(1, 3))
    return np.sum(np.sin(w[idx]) * w[0])


def stack_read_back(x):  # read after its pops: they stay
    stack = [x]
    y = 0.0
    for i in range(4):
        stack.append(stack[-1] * x)
        if i % 2:
            y = y + stack.pop()
    return y + sum(stack)


@pytest.mark.parametrize("f, n", [(svm_vectorized, 12), (softmax_vectorized, 12),
                                  (appended_indices, 3), (extended_indices, 3)],
                         ids=["svm", "softmax", "appended", "extended"])
def test_index_lists(f, n):
    assert_derivatives_match(f, (RNG.normal(size=n),), rng=np.random.default_rng(n))


def test_a_list_read_after_its_pops_keeps_them():
    assert_derivatives_match(stack_read_back, (0.9,))
    assert ".pop()" in pullback.source(stack_read_back)


def test_unread_pops_leave_the_gradient():
    text = pullback.source(appended_indices)
    assert "idx.pop()" not in text and "reversed(" not in text
