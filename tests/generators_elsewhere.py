"""Generators defined in a module other than the tests' (read by
tests/test_generators_elsewhere.py): they read this module's globals, one of them named as
a local of the functions consuming them."""

import numpy as np

SCALE = 2.0
total = 100.0  # a global named as the consumer's own local


def _activation(v):
    return np.tanh(v)


def scaled_pairs(x):
    for i in range(len(x) - 1):
        yield SCALE * x[i], _activation(x[i + 1])


def running_totals(x):
    acc = total * 0.0
    for v in x:
        acc = acc + np.sin(v)
        yield acc


def delegating(x):
    yield from running_totals(x)
