"""Forward mode and second order with respect to objects: jvp and hvp of functions
taking parameters held by a NamedTuple, a dataclass or an object of a user class (read
as `p.a`, through a property, by the object's methods, by the methods of objects it
holds). The tangent of an object is an object of its class, as grad returns its
gradient (or a dict of its attributes); jvp reads each attribute's tangent from it,
hvp returns one. Checked against central differences along the direction; hessian
nests its blocks as the object is."""

from __future__ import annotations

import copy
import dataclasses
from collections import namedtuple

import numpy as np
import pytest

import pullback
from pullback.errors import PullbackError

Params = namedtuple("Params", "w b")


@dataclasses.dataclass
class Affine:
    w: np.ndarray
    b: float
    scale: float = 2.0

    def act(self, z):
        return np.tanh(z) * self.scale

    def apply(self, x):
        return self.act(self.w * x + self.b)


class Lin:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def __call__(self, x):
        return np.tanh(self.W @ x + self.b)


class Net:
    def __init__(self, first, second):
        self.first, self.second = first, second
        self.name = "net"

    @property
    def gain(self):
        return np.sum(self.second.W ** 2)

    def forward(self, x):
        first, second = self.first, self.second
        return second(first(x)) * 0.5


def namedtuple_reads(p, x):
    return np.sum((p.w * x + p.b) ** 2) * p.b


def dataclass_methods(m, x):
    return np.sum(m.apply(x) ** 2)


def callable_object(layer, x):
    return np.sum(layer(x) ** 3) + np.sum(layer.W ** 2)


def nested_objects(net, x):
    return np.sum(net.forward(x) ** 2) + net.second.b @ net.first.b


def through_a_property(net, x):
    first = net.first
    return net.gain * np.sum(first(x))


RNG = np.random.default_rng(0)
X3 = RNG.normal(size=3)
CASES = [
    (namedtuple_reads, lambda r: Params(r.normal(size=3), 0.7)),
    (dataclass_methods, lambda r: Affine(r.normal(size=3), -0.3)),
    (callable_object, lambda r: Lin(r.normal(size=(3, 3)), r.normal(size=3))),
    (nested_objects, lambda r: Net(Lin(r.normal(size=(3, 3)), r.normal(size=3)),
                                   Lin(r.normal(size=(3, 3)), r.normal(size=3)))),
]


def _leaves(v):
    if isinstance(v, (float, np.ndarray)):
        return [np.asarray(v, float)]
    if isinstance(v, tuple):
        return [leaf for e in v for leaf in _leaves(e)]
    if hasattr(v, "__dict__"):
        return [leaf for k in sorted(vars(v)) for leaf in _leaves(vars(v)[k])]
    return []


def _rebuild(v, parts):
    if isinstance(v, float):
        return float(next(parts))
    if isinstance(v, np.ndarray):
        return next(parts)
    if isinstance(v, tuple):
        return type(v)(*[_rebuild(e, parts) for e in v])
    if hasattr(v, "__dict__"):
        made = copy.copy(v)
        for k in sorted(vars(v)):
            setattr(made, k, _rebuild(vars(v)[k], parts))
        return made
    return v


def _along(obj, direction, t):
    return _rebuild(obj, iter([a + t * d for a, d in zip(_leaves(obj), _leaves(direction))]))


def _direction(obj, rng):
    return _rebuild(obj, iter([rng.normal(size=a.shape) for a in _leaves(obj)]))


@pytest.mark.parametrize("fn,make", CASES, ids=[c[0].__name__ for c in CASES])
def test_jvp_along_an_object_direction(fn, make):
    rng = np.random.default_rng(1)
    obj = make(rng)
    v = _direction(obj, rng)
    before = copy.deepcopy(obj)
    value, tangent = pullback.jvp(fn)(obj, X3, v)
    h = 1e-6
    expected = (fn(_along(obj, v, h), X3) - fn(_along(obj, v, -h), X3)) / (2 * h)
    assert value == pytest.approx(fn(obj, X3), rel=1e-12)
    assert tangent == pytest.approx(expected, rel=1e-6, abs=1e-9)
    assert all(np.array_equal(a, b) for a, b in zip(_leaves(obj), _leaves(before)))


@pytest.mark.parametrize("fn,make", CASES, ids=[c[0].__name__ for c in CASES])
def test_hvp_with_respect_to_an_object(fn, make):
    rng = np.random.default_rng(2)
    obj = make(rng)
    v = _direction(obj, rng)
    hv = pullback.hvp(fn)(obj, X3, v)
    assert type(hv) is type(obj)
    h = 1e-5
    grad = pullback.grad(fn)
    plus, minus = _leaves(grad(_along(obj, v, h), X3)), _leaves(grad(_along(obj, v, -h), X3))
    for got, p, m in zip(_leaves(hv), plus, minus, strict=True):
        np.testing.assert_allclose(got, (p - m) / (2 * h), rtol=1e-5, atol=1e-7)


def test_a_tangent_given_as_a_dict_of_attributes():
    p = Params(np.array([0.5, -1.0, 2.0]), 0.7)
    layer = Lin(np.eye(3) * 0.5, np.ones(3))
    along = {"W": np.ones((3, 3)), "b": np.zeros(3)}
    _, t_dict = pullback.jvp(callable_object)(layer, X3, along)
    _, t_obj = pullback.jvp(callable_object)(layer, X3, Lin(np.ones((3, 3)), np.zeros(3)))
    assert t_dict == pytest.approx(t_obj, rel=1e-12)
    _, t_tuple = pullback.jvp(namedtuple_reads)(p, X3, Params(np.ones(3), 0.0))
    assert t_tuple == pytest.approx(np.sum(2 * (p.w * X3 + p.b) * X3) * p.b, rel=1e-12)


def test_jvp_through_a_property_and_its_second_order():
    rng = np.random.default_rng(3)
    net = CASES[3][1](rng)
    v = _direction(net, rng)
    _, tangent = pullback.jvp(through_a_property)(net, X3, v)
    h = 1e-6
    expected = (through_a_property(_along(net, v, h), X3)
                - through_a_property(_along(net, v, -h), X3)) / (2 * h)
    assert tangent == pytest.approx(expected, rel=1e-6)
    # its second order (refused before tests/test_higher13_objects.py)
    got = pullback.hvp(through_a_property)(net, X3, v)
    g = pullback.grad(through_a_property)
    expected = [(a - b) / (2 * h) for a, b in zip(_leaves(g(_along(net, v, h), X3)),
                                                  _leaves(g(_along(net, v, -h), X3)))]
    for part, want in zip(_leaves(got), expected):
        np.testing.assert_allclose(part, want, rtol=1e-6, atol=1e-8)


def test_hessian_of_an_object_is_nested_as_the_object():
    # one hvp per entry (tests/test_higher12_hessian_objects.py checks the numbers)
    p = Params(np.array([0.3, -0.2, 0.5]), 0.5)
    H = pullback.hessian(namedtuple_reads)(p, X3)
    column = pullback.hvp(namedtuple_reads)(p, X3, Params(np.zeros(3), 1.0))
    np.testing.assert_allclose(H.w.b, column.w, rtol=1e-12)
    assert H.b.b == pytest.approx(column.b, rel=1e-12)
    m = pullback.hessian(dataclass_methods)(Affine(np.array([0.3, -0.2, 0.5]), 0.5), X3)
    assert isinstance(m.w, Affine) and m.w.w.shape == (3, 3) and m.scale.w.shape == (3,)


def test_a_tangent_of_the_wrong_class_is_refused():
    with pytest.raises(PullbackError, match="must be a Lin object"):
        pullback.jvp(callable_object)(Lin(np.eye(3), np.ones(3)), X3, Params(1.0, 2.0))
