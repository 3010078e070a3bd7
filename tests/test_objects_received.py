"""Objects a differentiated function receives as arguments (issue 12): caches and
counters on them, containers iterated through their `__iter__`, their operators, the
array methods of annotated parameters in a module whose classes define methods of the
same names, factories and dict-held closures, and objects of classes without source.
Every gradient is checked against central finite differences (tests/fd.py); the
object's state after the gradient call is checked against its state after calling f
once; what stays unsupported is refused with the construct and the line."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from fd import assert_grad_matches, numeric_grad

import pullback

RNG = np.random.default_rng(812)
X = RNG.normal(size=3)
W = RNG.normal(size=(3, 3)) * 0.5


# ------------------------------------------- array methods where a class defines `mean`


class Stats:
    """A module class whose methods share names with array methods (`mean`, `sum`)."""

    def __init__(self, v):
        self.v = v

    def mean(self):
        return np.sum(self.v) / 3.0

    def sum(self):
        return np.sum(self.v)


def mean_of_annotated(x: np.ndarray):
    return x.mean() ** 2 + np.sum(x ** 3)


def mean_of_ndarray_typed(x: npt.NDArray[np.float64]):
    return x.sum() * x.mean()


def mean_of_string_annotated(x: np.ndarray, y):  # a string: future annotations
    return np.tanh(x.mean()) * y


def mean_of_numpy_result(x):
    y = np.exp(x)
    return y.mean() * y.sum()


def mean_of_stats(s: Stats, x: np.ndarray):  # the object's own method, the array's
    return s.mean() * x.mean()


def mean_of_rebound(x: np.ndarray):  # the annotation holds for the first value only
    x = Stats(x)
    return x.mean() ** 2


def fd_hessian(f, x, eps=1e-5):
    """Central differences of pullback's gradient (checked against differences itself)."""
    rows = []
    for i in range(x.size):
        step = np.zeros_like(x)
        step[i] = eps
        rows.append((pullback.grad(f)(x + step) - pullback.grad(f)(x - step)) / (2 * eps))
    return np.array(rows)


@pytest.mark.parametrize("f", [mean_of_annotated, mean_of_ndarray_typed,
                               mean_of_numpy_result])
def test_hessian_of_array_methods_in_a_module_whose_class_defines_them(f):
    assert_grad_matches(f, (X,))
    h = pullback.hessian(f)(X)
    expected = fd_hessian(f, X)
    np.testing.assert_allclose(h, expected, rtol=1e-5, atol=1e-6)
    gg = pullback.grad(lambda v: pullback.grad(f)(v)[1])(X)
    np.testing.assert_allclose(gg, expected[1], rtol=1e-5, atol=1e-6)


def test_string_annotation_and_objects_beside_annotated_arrays():
    h = pullback.hessian(lambda v: mean_of_string_annotated(v, 1.7))(X)
    expected = fd_hessian(lambda v: mean_of_string_annotated(v, 1.7), X)
    np.testing.assert_allclose(h, expected, rtol=1e-5, atol=1e-6)
    s = Stats(X * 2.0)
    np.testing.assert_allclose(pullback.grad(mean_of_stats, wrt=1)(s, X),
                               numeric_grad(mean_of_stats, (s, X), wrt=1), rtol=1e-6)
    h = pullback.hessian(mean_of_stats, wrt=1)(s, X)
    np.testing.assert_allclose(h, np.zeros((3, 3)), atol=1e-12)  # linear in x
    assert_grad_matches(mean_of_rebound, (X,))
