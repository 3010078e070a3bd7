"""Functions whose module imports its own NumPy-like module as `np`
(tests/test_module_aliases.py)."""

from . import numpy_like as np


def sum_of_sines(x):
    return np.sum(np.sin(x))


def with_index_trick(x):
    return np.sum(np.sin(x) * np.r_[x, 1.0][:3])


def with_own_function(x):
    return np.sum(np.softplus(x) * np.linalg.norm(x))


def with_namespace_in_a_loop(x, n=3):
    total = 0.0
    for k in range(n):
        total = total + np.mean(np.tanh(x * (k + 1)))
    return total
