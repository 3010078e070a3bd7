"""Functions for the custom-rule, stop_gradient and array-method tests."""

import math

import numpy as np

import pullback


def uses_sinc(x):
    return np.sum(np.sinc(x) * 2.0)


def softclip(x, limit):
    return limit * math.tanh(x / limit)


def uses_softclip(x, limit):
    return softclip(x * x, limit) + x


def counted(x):
    return np.sum(x * x)


def uses_counted(x):
    return counted(x) + np.sum(x)


def mix2(x, w):
    return np.sum(np.tanh(x * w))


def uses_mix2(x, w):
    return mix2(x * 2.0, w) + mix2(x, 0.5)  # in the second call only x can be active


def mix3(x, w, b):
    return np.sum(np.tanh(x * w + b))


def uses_mix3(x, w, b, n):
    total = 0.0
    for i in range(n):
        total = total + mix3(x, w, b) * (i + 1.0)
        if i == 1:
            total = total + mix3(w, x, 0.3)
    return total


def with_stop(x):
    return np.sum(x * pullback.stop_gradient(x))


def noisy(x):
    return x + 1.0


def uses_noisy(x):
    return noisy(x) * x


def methods(x, W):
    y = x.copy()
    z = (W.T @ y).sum() + W.dot(x).mean() + x.max() + W.sum(axis=0)[1] + W.min()
    return z + y.astype(float).transpose().sum() + np.sum(x.T) + W.sum(axis=1, keepdims=True).min()


def truncating_method(x):
    return np.sum(x.astype(int) * x)
