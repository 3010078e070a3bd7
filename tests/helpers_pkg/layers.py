"""Helpers in another module: their globals are their own."""

import numpy as np

SCALE = 0.5


def dense(W, v):
    return np.tanh(W @ v) * SCALE


def logsumexp(v):
    m = np.max(v)
    return m + np.log(np.sum(np.exp(v - m)))


def leaky_scan(step, h, xs):
    """Runs `step` over xs from h, keeping part of the old state (SCALE is this module's)."""
    for x in xs:
        h = SCALE * step(h, x) + (1.0 - SCALE) * h
    return h


WEIGHTS = np.array([2.0, -1.0, 0.5])


def weigh(f, x):
    return np.sum(f(x) * WEIGHTS) + WEIGHTS.sum() * np.sum(x)


def squash(t):
    return np.tanh(t)


def squash_after(f, x):
    """Calls a function of this module on what `f` gives (squash may be rebound)."""
    return np.sum(squash(f(x)))
