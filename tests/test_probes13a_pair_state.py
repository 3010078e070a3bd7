"""Second order of recurrences whose step returns a pair of states (an LSTM cell's
(h, c)): the gradient gathers the pair's gradients into a container, `dstep =
accum_index(0.0, step, 1, dc)` then `accum_index(dstep, step, 0, dh)`, in a loop whose
next trip reads dc again only after the back edge rebinds it. The write into slot 0 runs
after that read and before the rebinding in every trip, so it cannot change what the
read sees; hvp and hessian used to refuse ("'dc_2' may share memory with 'dstep'")."""

from collections import namedtuple

import numpy as np
import pytest
from fd import assert_grad_matches
from test_higher import check_second_order


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class Cell:
    def __init__(self, W, U):
        self.W, self.U = W, U

    def step(self, x, h, c):
        n = h.shape[0]
        g = self.W @ x + self.U @ h
        i, f, o = sigmoid(g[:n]), sigmoid(g[n:2 * n]), sigmoid(g[2 * n:3 * n])
        c = f * c + i * np.tanh(g[3 * n:])
        return o * np.tanh(c), c


def lstm_method(W, U, xs):
    cell = Cell(W, U)
    h = np.zeros(U.shape[1])
    c = np.zeros(U.shape[1])
    outs = []
    for x in xs:
        h, c = cell.step(x, h, c)
        outs.append(h)
    return np.sum(np.stack(outs) ** 2)


def pair_step(w, x, h, c):
    c = np.tanh(w[0] * c + w[1] * x)
    return h * w[2] + c, c


def pair_function(w, xs):
    h, c = 0.0, 0.0
    total = 0.0
    for x in xs:
        h, c = pair_step(w, x, h, c)
        total = total + h ** 2
    return total


State = namedtuple("State", "h c")


def named_step(w, x, s):
    c = np.sin(w[0] * s.c + x)
    return State(s.h * w[1] + c * w[2], c)


def named_state(w, xs):
    s = State(np.zeros(2), np.zeros(2))
    for x in xs:
        s = named_step(w, x, s)
    return np.sum(s.h ** 2) + np.sum(s.c)


rng0 = np.random.default_rng(13)
CASES = [
    (lstm_method, (rng0.normal(size=(8, 2)) * 0.5, rng0.normal(size=(8, 2)) * 0.5,
                   rng0.normal(size=(3, 2)))),
    (pair_function, (np.array([0.7, 0.4, 0.9]), rng0.normal(size=4))),
    (named_state, (np.array([0.6, 0.8, 0.5]), rng0.normal(size=(3, 2)))),
]


@pytest.mark.parametrize("fn, args", CASES, ids=[c[0].__name__ for c in CASES])
def test_gradient_and_second_order(fn, args):
    assert_grad_matches(fn, args)
    check_second_order(fn, args, np.random.default_rng(4), nonzero=True)
