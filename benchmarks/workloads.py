"""Benchmark workloads for pullback.

Each workload has

* ``f``       -- the function to differentiate, written as ordinary user code at
                 module level so that pullback can read its source;
* ``wrt``     -- the argument positions to differentiate with respect to;
* ``make_args`` -- builds the arguments from a seeded generator;
* ``hand``    -- a hand-written gradient with the same signature as ``f``, returning
                 a tuple with one entry per position in ``wrt`` (the structure that
                 ``pullback.grad(f, wrt=...)`` returns for a tuple ``wrt``);
* ``ag_f``    -- the same function written for autograd (``autograd.numpy`` in
                 place of ``numpy``/``math``), used only when autograd is installed.

The hand-written gradients are the baseline a careful person would write: one
forward sweep that keeps what the reverse sweep needs, then one reverse sweep.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

try:  # autograd is optional; its variants below are only called when it is present.
    import autograd.numpy as anp
except ImportError:  # pragma: no cover - depends on the environment
    anp = None


# ---------------------------------------------------------------------------
# 1. The lecture example: g(x, y, z) = sin(x**2 + y*exp(z)) + z
# ---------------------------------------------------------------------------


def lecture(x, y, z):
    return math.sin(x**2 + y * math.exp(z)) + z


def lecture_hand(x, y, z):
    e = math.exp(z)
    c = math.cos(x * x + y * e)
    return (c * 2.0 * x, c * e, c * y * e + 1.0)


def lecture_ag(x, y, z):
    return anp.sin(x**2 + y * anp.exp(z)) + z


def lecture_args(seed=0):
    rng = np.random.default_rng(seed)
    x, y, z = rng.uniform(-1.0, 1.0, size=3)
    return (float(x), float(y), float(z))


# ---------------------------------------------------------------------------
# 2. A 1000-step scalar recurrence: explicit Euler steps of dx/dt = a*sin(x)
#
#    x_{i+1} = x_i + 0.002*a*sin(x_i),  d x_{i+1}/d x_i = 1 + 0.002*a*cos(x_i)
#
#    Each step changes x only a little, so over the 1000 steps neither the value
#    nor the gradients blow up or vanish: both partials stay of order one, which
#    keeps the correctness check meaningful.
# ---------------------------------------------------------------------------


def scalar_loop(x, a):
    for _ in range(1000):
        x = x + 0.002 * a * math.sin(x)
    return x


def scalar_loop_hand(x, a):
    c = 0.002 * a
    xs = []  # x_i before each step
    ss = []  # sin(x_i), needed again for d/da
    for _ in range(1000):
        s = math.sin(x)
        xs.append(x)
        ss.append(s)
        x = x + c * s
    gx = 1.0  # d out / d x_i, walking i backwards
    gc = 0.0  # d out / d c
    for xi, si in zip(reversed(xs), reversed(ss), strict=True):
        gc += gx * si
        gx *= 1.0 + c * math.cos(xi)
    return (gx, 0.002 * gc)


def scalar_loop_ag(x, a):
    for _ in range(1000):
        x = x + 0.002 * a * anp.sin(x)
    return x


def scalar_loop_args(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.5, 2.5)
    a = rng.uniform(0.5, 1.5)
    return (float(x), float(a))


# ---------------------------------------------------------------------------
# 3. A tanh RNN: 100 steps, hidden size 32, input size 16, loss = sum(h_T)
# ---------------------------------------------------------------------------

RNN_STEPS = 100
RNN_HIDDEN = 32
RNN_INPUT = 16


def rnn(Wh, Wx, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(Wh @ h + Wx @ xs[t])
    return np.sum(h)


def rnn_hand(Wh, Wx, xs, h0):
    # Forward, keeping every hidden state: hs[t] is the state before step t.
    T = xs.shape[0]
    hs = [h0]
    h = h0
    for t in range(T):
        h = np.tanh(Wh @ h + Wx @ xs[t])
        hs.append(h)
    # Backpropagation through time, one step at a time (the textbook BPTT).
    WhT = Wh.T
    dWh = np.zeros_like(Wh)
    dWx = np.zeros_like(Wx)
    dh = np.ones_like(h)  # d sum(h_T) / d h_T
    for t in range(T - 1, -1, -1):
        h = hs[t + 1]
        da = dh * (1.0 - h * h)  # through tanh
        dWh += np.outer(da, hs[t])
        dWx += np.outer(da, xs[t])
        dh = WhT @ da
    return (dWh, dWx)


def rnn_ag(Wh, Wx, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = anp.tanh(Wh @ h + Wx @ xs[t])
    return anp.sum(h)


def rnn_args(seed=0):
    rng = np.random.default_rng(seed)
    # Scaled so the recurrence neither saturates nor dies out over 100 steps.
    Wh = rng.normal(0.0, 0.9 / math.sqrt(RNN_HIDDEN), size=(RNN_HIDDEN, RNN_HIDDEN))
    Wx = rng.normal(0.0, 1.0 / math.sqrt(RNN_INPUT), size=(RNN_HIDDEN, RNN_INPUT))
    xs = rng.normal(0.0, 1.0, size=(RNN_STEPS, RNN_INPUT))
    h0 = np.zeros(RNN_HIDDEN)
    return (Wh, Wx, xs, h0)


# ---------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    name: str
    f: Callable[..., Any]
    wrt: tuple
    make_args: Callable[..., tuple]
    hand: Callable[..., tuple]
    ag_f: Callable[..., Any]
    target: float  # goal for pullback's grad/f ratio


WORKLOADS = [
    Workload("lecture", lecture, (0, 1, 2), lecture_args, lecture_hand, lecture_ag, 3.0),
    Workload(
        "scalar_loop", scalar_loop, (0, 1), scalar_loop_args, scalar_loop_hand, scalar_loop_ag, 3.5
    ),
    Workload("rnn", rnn, (0, 1), rnn_args, rnn_hand, rnn_ag, 4.0),
]
