"""Functions for the `pullback check` examples of docs/cli.md.

    pullback check examples/check_demo.py:piecewise 0.5
    pullback check examples/check_demo.py:piecewise 1      # a kink: they disagree
    pullback check examples/check_demo.py:smooth_max "[1, 2, 3]"
    pullback check examples/check_demo.py:power_sum 1.5 5 --wrt x
    pullback check examples/check_demo.py:layer "[1, 2]" "[[0.5, -1], [0.25, 2]]"
    pullback check examples/check_demo.py:regression_loss "{'w': [1, 2], 'b': 0.5}" \
        "[0.3, 0.4]" "'squared'" --wrt params,x
"""
import math

import numpy as np


def piecewise(x):
    if x < 1.0:
        return x**3
    return x * (math.log(x) + 1.0)


def smooth_max(v):
    m = np.max(v)
    return m + np.log(np.sum(np.exp(v - m)))


def power_sum(x, n):
    total = 0.0
    for k in range(1, n + 1):
        total += x**k / k
    return total


def layer(x, W):
    return np.tanh(W @ x)


def regression_loss(params, x, kind):
    prediction = params["w"] * x + params["b"]
    if kind == "absolute":
        return np.sum(np.abs(prediction))
    return np.sum(prediction**2)
