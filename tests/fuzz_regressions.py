"""Minimized reproducers of the bugs the program fuzzer found (all fixed)."""

import numpy as np

W3 = np.array([0.5, -1.0, 0.25])


def negative_literal_power(y, x):
    y, x = ((-1.0) ** 0, 0.5 * x)  # printed once as -1.0 ** 0, which is -(1.0 ** 0)
    if 0.5 < y:
        x = x * 3.0
    return x


def iterate_a_rebound_name(v):
    for e in v:  # iterates the array v held when the loop started
        v = v * e
    return np.mean(v)


def shared_array_augmented(x):
    a = np.tanh(W3 * x)
    b = a
    a -= 1.0  # changes b too
    return np.sum(b)


def zero_size_buffer(v, m):
    buf = np.zeros((0, 1))
    buf[:, 0] += v[0]
    for _ in range(2, 0, -1):
        m = buf * np.full(0, 1.0)
    return np.sum(m) + np.sum(v)


def min_temporary_hides_min(x, v):
    s = x * np.min(v)
    for a, b in zip(v, v):
        s = s + a * b * x
    return s
