"""Helpers in another module: their globals are their own."""

import numpy as np

SCALE = 0.5


def dense(W, v):
    return np.tanh(W @ v) * SCALE


def logsumexp(v):
    m = np.max(v)
    return m + np.log(np.sum(np.exp(v - m)))
