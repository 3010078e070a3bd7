"""Objects, second part (issue 12): values written into caches and attributes of an
object the function receives and read back in the same call, caches written in loops
and made lazily, operator objects reached through containers and attributes, and
classes or non-differentiable callables handed to pullback in place of a function.
Gradients are checked against central finite differences (tests/fd.py); the object's
state after the gradient call is checked against its state after calling f once."""

from __future__ import annotations

import math

import numpy as np
import pytest

import pullback

RNG = np.random.default_rng(913)
X = RNG.normal(size=3)


# ------------------------------------------- classes and constants handed to pullback


class Model:
    def __init__(self, w):
        self.w = w


@pytest.mark.parametrize("obj, name", [
    (np.float64, "class numpy.float64"), (int, "class int"), (float, "class float"),
    (np.ndarray, "class numpy.ndarray"), (Model, "class test_objects_cached.Model")])
def test_a_class_handed_to_grad_is_refused_by_name(obj, name):
    for make in (pullback.grad, pullback.value_and_grad, pullback.vjp, pullback.jvp):
        with pytest.raises(pullback.PullbackError, match=f"given the {name}, not a function"):
            make(obj)(1.0)


@pytest.mark.parametrize("obj", [len, np.argmax, np.floor, print])
def test_a_non_differentiable_callable_handed_to_grad_is_refused_by_name(obj):
    with pytest.raises(pullback.PullbackError,
                       match=f"given {obj.__name__}, which is marked non-differentiable"):
        pullback.grad(obj)(X)


def test_library_functions_with_rules_are_still_differentiated():
    assert pullback.grad(math.sin)(0.3) == pytest.approx(math.cos(0.3))
    np.testing.assert_allclose(pullback.grad(lambda v: np.sum(np.float64(v) * v))(X), 2 * X)
