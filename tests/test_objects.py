"""Properties, and the reads of attributes they stand for. Every gradient is checked
against central finite differences (over the differentiated array, or over each stored
attribute of an object argument); what pullback cannot differentiate is refused with
the line."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from fd import assert_grad_matches
from test_classes import check_object_grad

import pullback

RNG = np.random.default_rng(12)
W = RNG.normal(size=(2, 3)) * 0.5
X = RNG.normal(size=3)


class Layer:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    @property
    def weight_norm(self):
        return np.sum(self.W ** 2)

    @property
    def affine(self):  # a property calling a method
        return self.apply(np.ones(self.W.shape[1]))

    def apply(self, x):
        return self.W @ x + self.b

    @property
    def penalty(self):  # a property reading another property
        return 0.5 * self.weight_norm + np.sum(self.b ** 2)


class Scaled(Layer):
    @property
    def weight_norm(self):  # overrides the base class's property
        return 3.0 * np.sum(np.abs(self.W))


def property_of_built_object(W, b, x):
    layer = Layer(W, b)
    return np.sum(np.tanh(layer.apply(x))) + layer.weight_norm


def property_calling_method(W, b):
    layer = Layer(W, b)
    return np.sum(layer.affine ** 2)


def property_of_property(W, b):
    return Layer(W, b).penalty


def properties_in_a_loop(W, b):
    layers = [Layer(W, b), Scaled(W * 2.0, b), Layer(W[::-1], b)]
    total = 0.0
    for layer in layers:
        total = total + layer.penalty * layer.weight_norm
    return total


def property_read_twice_in_a_loop(W, b, x):
    layer = Layer(W, b)
    h = x
    for _ in range(3):
        h = np.tanh(W.T @ (layer.apply(h) * layer.weight_norm))
    return np.sum(h)


def loss_of_layer(layer, x):
    return np.sum(layer.apply(x) ** 2) + layer.penalty


B = RNG.normal(size=2)


@pytest.mark.parametrize("f, args", [
    (property_of_built_object, (W, B, X)),
    (property_calling_method, (W, B)),
    (property_of_property, (W, B)),
    (properties_in_a_loop, (W, B)),
    (property_read_twice_in_a_loop, (W, B, X)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_properties_of_objects_built_inside(f, args):
    assert_grad_matches(f, args, wrt=0)
    assert_grad_matches(f, args, wrt=1)


@pytest.mark.parametrize("cls", [Layer, Scaled])
def test_property_of_an_object_argument_gives_an_object_gradient(cls):
    check_object_grad(loss_of_layer, (cls(W, B), X), 0, ("W", "b"))


class Shadowed:
    """A property hiding a stored attribute of the same name: Python reads the property."""

    def __init__(self, w):
        self.__dict__["w"] = w

    @property
    def w(self):
        return 5.0


def test_property_shadowing_a_stored_value_is_what_python_reads():
    g = pullback.grad(lambda s, x: s.w * x)(Shadowed(0.3), 2.0)
    assert isinstance(g, Shadowed) and not any(np.any(v) for v in vars(g).values())
    assert pullback.grad(lambda s, x: s.w * x, wrt=1)(Shadowed(0.3), 2.0) == 5.0


class Cached:
    def __init__(self, v):
        self.v = v

    @functools.cached_property
    def sq(self):
        return self.v ** 2


def cached_read(v):
    c = Cached(v)
    return c.sq + c.v


class WithGetattribute:
    def __init__(self, v):
        self.v = v

    def __getattribute__(self, name):
        return object.__getattribute__(self, name)

    @property
    def sq(self):
        return self.v ** 2


def test_computed_attributes_other_than_properties_are_refused_with_the_line():
    with pytest.raises(pullback.PullbackError, match=r"(?s)cached_property.*c\.sq \+ c\.v"):
        pullback.grad(cached_read)(1.3)
    with pytest.raises(pullback.PullbackError, match="sq"):
        pullback.grad(lambda o: o.sq)(WithGetattribute(1.3))
