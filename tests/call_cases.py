"""Functions that call other Python functions (checked in test_calls.py)."""

import math

import numpy as np
from helpers_pkg import layers
from helpers_pkg.layers import logsumexp


def square(t):
    return t * t


def poly(x, a=2.0, *, k=1.0):
    return square(math.sin(x)) * a + k * x


def keywords_and_defaults(x, y):
    return poly(x, a=y) + poly(y, 3.0, k=x) + poly(0.5 * x)


def nested_calls(x):
    return poly(square(x), a=math.exp(x))


def p(x, n):
    return 1.0 if n == 0 else x * p(x, n - 1) + 1.0


def recursion(x):
    return p(x, 5)


def even(x, n):
    return x if n == 0 else odd(x * 1.1, n - 1)


def odd(x, n):
    return x * x if n == 0 else even(math.sin(x), n - 1)


def mutual_recursion(x):
    return even(x, 5)


def rnn_with_layer(W, xs):
    h = np.zeros(W.shape[0])
    total = 0.0
    for t in range(xs.shape[0]):
        h = layers.dense(W, xs[t]) + 0.5 * h
        total = total + logsumexp(h)
    return total


def stats(v):
    return np.mean(v), np.max(v)


def tuple_result(v):
    m, top = stats(v * v)
    return m * top


def helper_with_branch(x):
    if x > 0.0:
        return math.log(1.0 + x)
    return x * x


def calls_in_branches(x, y):
    total = 0.0
    for i in range(3):
        if i % 2 == 0:
            total = total + helper_with_branch(x - i * 0.1) * y
        else:
            total = total + helper_with_branch(-y)
    return total


def constant_argument(x):
    return poly(1.5) * x + poly(x, 2.0)


def nested_def_and_lambda(x, w):
    def inner(t, k=2.0):
        if t > 0:
            return t * w * k
        return -t

    sq = lambda u: u * u + w  # noqa: E731
    total = 0.0
    for i in range(3):
        total = total + inner(x * i) + sq(x)
    return total + inner(w, k=x)


def closure_reads_current_values(x):
    scale = x

    def scaled(t):
        return t * scale

    first = scaled(2.0)
    scale = x * x  # the closure sees the new value at its next call
    return first + scaled(3.0)


def nested_calls_nested(x):
    def twice(t):
        return 2.0 * t

    def quad(t):
        return twice(twice(t)) * t

    return quad(math.sin(x))


def apply_twice(fn, x):
    return fn(fn(x))


def layer_with(activation, W, v):
    return np.sum(activation(W @ v))


def passes_functions(x, W):
    return apply_twice(square, x) + apply_twice(math.sin, x) + layer_with(np.tanh, W, x * W[0])


SCALE = layers.SCALE  # the object leaky_scan reads until layers.SCALE is rebound


def scans_in_other_module(W, xs):
    return np.sum(layers.leaky_scan(lambda h, x: np.tanh(W @ h + x), np.zeros(3), xs))


def weighs_in_other_module(x, w):
    return layers.weigh(lambda t: np.sin(t * w), x)


def squashes_in_other_module(x, w):
    return layers.squash_after(lambda t: t * w, x)
