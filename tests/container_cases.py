"""Lists built in the function, comprehensions, builtins over lists, dicts of arrays."""

import math

import numpy as np


def appended_values(x, w):
    vals = []
    for i in range(4):
        vals.append(math.sin(x * i) * w)
    return vals[-1] * vals[0] + sum(vals) + max(vals) - min(vals)


def comprehension_and_generator(x):
    squares = [x ** k for k in range(1, 4)]
    return sum(squares) + sum(x * k for k in range(3) if k != 1)


def states_list(W, xs):
    h = np.zeros(W.shape[0])
    hs = []
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + xs[t])
        hs.append(h)
    return np.sum(hs[-1]) + np.sum(hs[0] * hs[1])


def extended(x, w):
    more = [x]
    more.extend([w * 2.0, x * w])
    return sum(more) * more[1]


def reversed_enumerate(x):
    vals = [x, x * 2.0, x * x]
    total = 0.0
    for i, v in enumerate(reversed(vals)):
        total = total * 0.5 + v * (i + 1)
    return total


def sorted_values(x, y, z):
    ordered = sorted([x, y * y, z + 1.0])
    return ordered[0] * 1.0 + ordered[1] * 2.0 + ordered[2] * 3.0


def dict_params(params, x):
    h = np.tanh(params["W"] @ x + params["b"])
    return np.sum(h * h) * params["scale"]


def list_input(xs):
    total = 0.0
    for v in xs:
        total = total + v * v
    return total + xs[0] * xs[-1]


def tuple_pack_and_unpack(x, y):
    pair = (x * y, x + y)
    a, b = pair
    return a * b


def min_temporary_then_zip(x, v):
    s = x * np.min(v) + x  # the temporary for np.min(v) must not hide min() used by zip
    for a, b in zip(v, v * x):
        s = s + a * b
    return s
