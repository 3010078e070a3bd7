"""Reverse over reverse (grad of grad, vjp of grad) through objects f builds: instances
of user classes read by their methods (also methods calling methods, in loops, objects
holding objects), dataclasses, NamedTuples and collections.namedtuples read by their
fields, properties, and objects an alternative constructor (a classmethod returning
`cls(...)`) builds, named or read where built (`Model.doubled(x).norm2`); and forward over
reverse (hvp, hessian) through properties of an object passed in or built in f. Against
central differences of the gradient."""

import dataclasses
from collections import namedtuple
from typing import NamedTuple

import numpy as np
import pytest
from test_higher import check_reverse_over_reverse, check_second_order

import pullback

X = np.array([0.3, -0.5, 1.2])
V = np.array([1.0, 0.5, -0.2])


class Lin:
    def __init__(self, w):
        self.w = w

    def apply(self, x):
        return np.tanh(self.w * x)


class Model:
    def __init__(self, w, b):
        self.w, self.b = w, b

    def energy(self, x):
        return np.sum(np.sin(self.w * x) ** 2) * self.b

    def loss(self, x):
        t = 0.0
        for k in range(2):
            t = t + self.energy(x * (k + 1))
        return t + self.b ** 3

    @property
    def norm2(self):
        return np.sum(self.w ** 2 * np.sin(self.w)) + self.b ** 2

    @classmethod
    def doubled(cls, w, b=1.5):
        return cls(w * 2, b)


class Stack:
    def __init__(self, first, second):
        self.first, self.second = first, second

    def __call__(self, x):
        return self.second.apply(self.first.apply(x))


@dataclasses.dataclass
class Config:
    w: np.ndarray
    b: float
    name: str = "layer"


Pair = namedtuple("Pair", "w b")


class Typed(NamedTuple):
    w: np.ndarray
    b: float


def method_of_built(x):
    m = Lin(x)
    return np.sum(m.apply(x) ** 2)


def methods_calling_methods(x):
    m = Model(x * 2, x[0])
    return m.loss(x)


def objects_holding_objects(x):
    net = Stack(Lin(x), Lin(np.cos(x)))
    return np.sum(net(x) * x)


def dataclass_fields(x):
    c = Config(x * 2, x[1])
    return np.sum(np.sin(c.w) * c.b)


def namedtuple_fields(x):
    p = Pair(x ** 2, x[0])
    return np.sum(np.sin(p.w) * p.b)


def typed_fields(x):
    p = Typed(np.exp(x), x[2])
    return np.sum(p.w * p.b ** 2)


def property_of_built(x):
    return Model(x, x[1]).norm2 * x[0]


def property_of_a_classmethod_built(x):
    return Model.doubled(x).norm2 + Model.doubled(x, x[0]).energy(x)


def classmethod_built_and_named(x):
    m = Model.doubled(np.sin(x), x[2])
    return m.loss(x) * m.norm2


def method_in_a_loop(x):
    m = Lin(x)
    t = 0.0
    for k in range(3):
        t = t + np.sum(m.apply(x * k))
    return t


CASES = [method_of_built, methods_calling_methods, objects_holding_objects,
         dataclass_fields, namedtuple_fields, typed_fields, property_of_built,
         method_in_a_loop, property_of_a_classmethod_built, classmethod_built_and_named]


def fd_grad(f, x, h=1e-6):
    return np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(len(x))])


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_reverse_over_reverse(fn):
    check_reverse_over_reverse(fn, (X,))


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_grad_of_a_directional_gradient(fn):
    inner = pullback.grad(fn)

    def directional(x):
        return inner(x) @ V

    np.testing.assert_allclose(pullback.grad(directional)(X), fd_grad(directional, X),
                               rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_hessian_and_hvp(fn):
    check_second_order(fn, (X,), np.random.default_rng(5), nonzero=True)


def norm_of(m):
    return m.norm2


def norm_times(m, x):
    return m.norm2 * np.sum(x * m.w)


def _fd_object_hvp(f, w, b, vw, vb, h=1e-6):
    g = pullback.grad(f)
    plus, minus = g(Model(w + h * vw, b + h * vb)), g(Model(w - h * vw, b - h * vb))
    return (plus.w - minus.w) / (2 * h), (plus.b - minus.b) / (2 * h)


@pytest.mark.parametrize("f", [norm_of, lambda m: norm_times(m, X)],
                         ids=["read", "read_with_others"])
def test_property_of_an_object_passed_in(f):
    w, b, vw, vb = X, 0.7, V, -0.3
    got = pullback.hvp(f)(Model(w, b), Model(vw, vb))
    expected_w, expected_b = _fd_object_hvp(f, w, b, vw, vb)
    np.testing.assert_allclose(got.w, expected_w, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(got.b, expected_b, rtol=1e-6, atol=1e-8)
    H = pullback.hessian(f)(Model(w, b))
    for i, e in enumerate(np.eye(3)):
        column_w, column_b = _fd_object_hvp(f, w, b, e, 0.0)
        np.testing.assert_allclose(H.w.w[:, i], column_w, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(H.b.w[i], column_b, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(H.b.b, _fd_object_hvp(f, w, b, 0 * V, 1.0)[1], rtol=1e-6)


def norm_at(w):
    return Model(w, 0.5).norm2


NORM_GRAD = pullback.grad(norm_at)


def test_property_closed_form():
    """norm2 = sum(w^2 sin w) + b^2: d2/dw2 = diag(2 sin w + 4 w cos w - w^2 sin w)."""
    H = pullback.hessian(norm_at)(X)
    np.testing.assert_allclose(H, np.diag(2 * np.sin(X) + 4 * X * np.cos(X)
                                          - X ** 2 * np.sin(X)), rtol=1e-12, atol=1e-14)
    twice = pullback.grad(lambda w: NORM_GRAD(w) @ V)(X)
    np.testing.assert_allclose(twice, H @ V, rtol=1e-12, atol=1e-14)
