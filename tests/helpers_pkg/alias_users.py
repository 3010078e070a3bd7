"""Functions whose module binds `np` (and `math`) to modules that are not NumPy's (and
math's): the names the generated code binds for itself (tests/test_module_aliases.py)."""

import math as np  # the standard library's math, under NumPy's usual name

from . import numpy_like


def math_under_np(x):
    return np.sin(x) * np.exp(x)


def numpy_like_sum(x):
    return numpy_like.sum(numpy_like.sin(x) ** 2)
