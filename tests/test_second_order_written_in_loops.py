"""Second order through a loop whose body writes into an array it made that trip
(`p = np.exp(s) / total; p[y_i] -= 1`, `h[0] = 0.0`, `z[j] = ...`): the gradient
records the array for its backward and restores the written slot there before it reads
the array again. The hvp's aliasing check refused the record as a second name of an
array written in place; the array is handed on, as a record's lists are (put into the
record and never read under its own name again, then taken out of the record popped off
the tape), so one name holds it at a time. Each spelling: hvp and jvp against central
differences of pullback's gradient (itself checked against differences of f)."""

from __future__ import annotations

import numpy as np
import pytest
from fd import assert_derivatives_match

RNG = np.random.default_rng(5)
X = RNG.normal(size=(5, 3))
Y = np.array([0, 1, 2, 3, 1])


def softmax_naive(w):
    W = w.reshape(3, 4)
    loss = 0.0
    for x_i, y_i in zip(X, Y):
        logits = x_i.dot(W)
        logits -= np.max(logits)
        probabilities = np.exp(logits) / np.sum(np.exp(logits))
        loss += -np.log(probabilities[y_i]).item()
        diff = probabilities
        diff[y_i] -= 1
        loss += 0.1 * np.sum(diff ** 2)
    return loss


def masked_activation(w):
    total = 0.0
    for i in range(4):
        h = np.tanh(w * (i + 1))
        h[0] = 0.0
        h[-1] = h[-1] * w[1]
        total = total + np.sum(h ** 2) * w[i % 3]
    return total


def scattered(w):
    total = 0.0
    for i in range(3):
        z = np.zeros(3)
        for j in range(3):
            z[j] = np.sin(w[j] * (i + j + 1))
        total = total + z @ w + np.prod(z)
    return total


@pytest.mark.parametrize("f, n", [(softmax_naive, 12), (masked_activation, 3),
                                  (scattered, 3)],
                         ids=["softmax_naive", "masked", "scattered"])
def test_hvp_through_arrays_written_in_a_loop(f, n):
    assert_derivatives_match(f, (RNG.normal(size=n) * 0.7,), rng=np.random.default_rng(n))
