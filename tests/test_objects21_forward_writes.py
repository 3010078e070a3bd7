"""Forward mode (jvp, and hvp: forward over the generated gradient) through objects whose
attributes the function sets to values being differentiated (`layer.W = W;
layer.forward(X)`, as ML-From-Scratch's optimizers and models do): the object's tangent
(a dict of its attributes' tangents) is rebound at each write, so that a read after it,
in the function or in a method it calls, finds the written value's tangent; a method
that itself sets attributes of its receiver is followed where nothing reads the object
after the call (its last use, checked reachable through no other argument). Objects
whose containers the function stores into stay refused in forward mode, at their line.
Each spelling is checked in grad, jvp and hvp against central differences."""

from __future__ import annotations

import numpy as np
import pytest

import pullback
from tests.fd import assert_derivatives_match


class Layer:
    scale = 0.5  # a plain value of the class

    def __init__(self):
        self.W = np.array([[0.3, -0.2], [0.1, 0.4]])
        self.b = np.zeros(2)

    def forward(self, X):  # sets attributes of its receiver, reads them back
        self.inp = X
        self.out = np.tanh(self.inp @ self.W + self.b) * self.scale
        return self.out

    def apply(self, X):  # reads only
        return np.tanh(X @ self.W + self.b)

    def penalty(self):
        return np.sum(self.W ** 2)


X = np.linspace(-1.0, 1.0, 6).reshape(3, 2)
W0 = np.array([[0.3, -0.2], [0.1, 0.4]])


def set_then_method(W, layer):
    layer.W = W
    return np.sum(layer.forward(X) ** 2)


def set_two_then_read(W, layer):
    layer.W = W
    layer.b = W[0] * 0.5
    y = layer.apply(X)
    return np.sum(y * layer.b) + layer.penalty()


def set_in_a_loop(W, layer):
    total = 0.0
    for k in range(3):
        layer.W = W * (1.0 + k)
        total = total + np.sum(layer.apply(X)) + np.sum(layer.W)
    return total


def set_in_a_branch(W, layer):
    layer.W = W
    if np.sum(W) > 0.0:
        layer.W = W ** 2
    return np.sum(layer.apply(X)) * layer.scale


def built_here(W):
    layer = Layer()
    layer.W = W
    layer.b = np.sin(W[1])
    return np.sum(layer.forward(X))


@pytest.mark.parametrize("f", [set_then_method, set_two_then_read, set_in_a_loop,
                               set_in_a_branch])
def test_an_object_received(f):
    assert_derivatives_match(f, (W0, Layer()))


def test_an_object_built_in_the_function():
    assert_derivatives_match(built_here, (W0,))


def test_the_object_given_with_a_tangent():
    def f(layer, b):
        layer.b = b
        return np.sum(layer.apply(X) ** 2) + np.sum(layer.W * b[0])

    layer, b = Layer(), np.array([0.2, -0.1])
    tangent = Layer.__new__(Layer)
    tangent.W = np.array([[1.0, 0.5], [-0.5, 0.25]])
    tangent.b = np.array([3.0, 3.0])  # replaced by the write: b's tangent follows
    _, got = pullback.jvp(f, wrt=(0, 1))(layer, b, (tangent, np.array([0.1, 0.2])))
    h = 1e-6

    def at(t):
        moved = Layer()
        moved.W = layer.W + t * tangent.W
        return f(moved, b + t * np.array([0.1, 0.2]))

    np.testing.assert_allclose(got, (at(h) - at(-h)) / (2 * h), rtol=1e-6)


class Stored:
    def __init__(self):
        self.hist = np.zeros(3)

    def run(self, x):
        self.hist[0] = np.sum(x)  # a container's item: its tangent is not followed
        return self.hist * x


def test_an_object_whose_containers_are_stored_into_is_refused():
    def f(x, obj):
        obj.x = x
        return np.sum(obj.run(x)) + np.sum(obj.x)

    with pytest.raises(pullback.PullbackError, match=r"forward-mode rule for \.hist") as caught:
        pullback.jvp(f)(np.ones(3), Stored(), np.ones(3))
    assert "test_objects21_forward_writes.py" in str(caught.value)


# an object the function reads by a free name (module-level or closure), whose method
# sets its attributes: the call is its last read (reverse mode's call_forward_apart)
held_layer = Layer()


def through_a_module_object(X):
    return np.sum(held_layer.forward(X) ** 2)


def _closure_objective():
    layer = Layer()
    layer.b = np.array([0.1, -0.3])

    def objective(X):
        scale = np.sum(X) * 0.1
        return np.sum(layer.forward(X * scale)) + scale

    return objective


@pytest.mark.parametrize("f", [through_a_module_object, _closure_objective()],
                         ids=["module", "closure"])
def test_a_method_setting_attributes_of_an_object_read_by_a_free_name(f):
    assert_derivatives_match(f, (X + 0.2,))


def test_such_an_object_reachable_another_way_is_refused():
    def f(X, others):
        return np.sum(held_layer.forward(X)) + np.sum(others[0].W)

    with pytest.raises(pullback.PullbackError, match="reachable"):
        pullback.jvp(f)(X, [held_layer], np.ones_like(X))
