"""A variable set only inside a loop (or one branch) and read after it, in a function f
calls: its "not yet set" value (runtime Unbound) meets the operand-class check that
second-order code puts where the variable is first defined, and that check read it
(`hasattr(value, "shape")` raises UnboundLocalError): every hvp of autograd's neural_net
example crashed. Now the check lets an unset value pass; reading it still raises Python's
UnboundLocalError. Each spelling: grad, jvp and hvp against central differences."""

from __future__ import annotations

import numpy as np
import pytest
from fd import assert_derivatives_match
from scipy.special import logsumexp

import pullback

RNG = np.random.default_rng(3)
X = RNG.normal(size=(4, 3))
T = np.eye(2)[[0, 1, 1, 0]]
SHAPES = [(3, 2), (2,), (2, 2), (2,)]
SIZES = [int(np.prod(s)) for s in SHAPES]


def _layers(w):
    out, at = [], 0
    for shape, size in zip(SHAPES, SIZES):
        out.append(w[at:at + size].reshape(shape))
        at += size
    return [(out[0], out[1]), (out[2], out[3])]


def predict(params, inputs):
    for W, b in params:
        outputs = np.dot(inputs, W) + b
        inputs = np.tanh(outputs)
    return outputs - logsumexp(outputs, axis=1, keepdims=True)


def neural_net(w):
    return np.sum(predict(_layers(w), X) * T)


def last_of_loop(values, x):
    for v in values:
        last = v * x
    return last ** 2 + np.sin(last)


def loop_set(w):
    return last_of_loop([w[0], w[1], w[2]], w[3]) * w[0]


def branch_only(x, flag):
    if flag:
        y = np.exp(x)
    return y * x


def branch_set(w):
    return np.sum(branch_only(w, True) ** 2)


@pytest.mark.parametrize("f, n", [(neural_net, sum(SIZES)), (loop_set, 4), (branch_set, 3)],
                         ids=["neural_net", "loop", "branch"])
def test_second_order_through_a_variable_set_later(f, n):
    assert_derivatives_match(f, (np.random.default_rng(n).normal(size=n) * 0.5,))


def test_reading_it_unset_still_raises_pythons_error():
    def unset(w):
        return np.sum(branch_only(w, False))
    with pytest.raises(UnboundLocalError):
        pullback.hvp(unset)(np.ones(2), np.ones(2))
    with pytest.raises(UnboundLocalError):
        pullback.grad(unset)(np.ones(2))
