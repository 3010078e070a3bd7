"""User classes and objects, written as people write them: parameter holders (dataclass,
NamedTuple, plain classes, __slots__), layers and objectives with methods. Module-level
so pullback can read their source; tests/test_classes.py differentiates them."""

from __future__ import annotations

import collections
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np


@dataclass
class Params:
    W: np.ndarray
    b: np.ndarray
    scale: float = 1.5
    name: str = "layer"


class ParamsNT(NamedTuple):
    W: np.ndarray
    b: np.ndarray
    scale: float


PairNT = collections.namedtuple("PairNT", ["a", "b"])


class Holder:
    def __init__(self, W, b, scale):
        self.W = W
        self.b = b
        self.scale = scale
        self.calls = 0


class Slotted:
    __slots__ = ("W", "b", "scale")

    def __init__(self, W, b, scale):
        self.W = W
        self.b = b
        self.scale = scale


class Squared:
    def __init__(self, v):
        self.v = v

    @property
    def sq(self):
        return self.v ** 2


class Dual:
    def __init__(self, v):
        self.v = v

    def __add__(self, other):
        return Dual(self.v + 2.0 * other.v)


def affine_loss(p, x):
    return np.sum(np.tanh(p.W @ x + p.b) * p.scale)


def attribute_read_twice(p, x):
    h = p.W @ x
    for _ in range(2):
        h = np.tanh(h) + p.b
    return np.sum(h ** 2) * p.scale


def unused_attributes(p, x):
    return np.sum(p.W @ x)


def pair_loss(pair, x):
    return pair.a * x + pair.b ** 2 + pair[0] * pair.b


def objects_in_a_list(ps, x):
    total = 0.0
    for p in ps:
        total = total + np.sum(p.W @ x * p.scale)
    return total


def nested_holder(outer, x):
    return np.sum(outer.W.W @ x) + outer.b


def property_read(s):
    return s.sq + s.v


def overloaded_add(a, b):
    return (a + b).v


class Lin:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def act(self, z):
        return np.tanh(z)

    def __call__(self, x):
        return self.act(self.W @ x + self.b)


class Relu(Lin):
    def act(self, z):
        return np.where(z > 0, z, 0.1 * z)


class MLP:
    def __init__(self, layers):
        self.layers = layers

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def loss(self, x, y):
        return np.sum((self(x) - y) ** 2)


class Quadratic:
    """An objective class in the style of optimization benchmark suites."""

    def __init__(self, A, c):
        self.A = A
        self.c = c

    def fun(self, x):
        return 0.5 * x @ self.A @ x + self.shift(x)

    def shift(self, x):
        return self.c @ x


class HoldsFunction:
    def __init__(self, fn):
        self.fn = fn


def mlp_loss(model, x, y):
    return np.sum((model(x) - y) ** 2)


def mlp_loss_method(x, model, y):
    return model.loss(x, y)


def mlp_loss_called(x, model, y):
    h = x
    for layer in model.layers:
        h = layer(h)
    return np.sum((h - y) ** 2)


def objective_value(x, problem):
    return problem.fun(x) * 2.0


def layer_by_keyword(x, layer):
    return np.sum(layer.__call__(x=x))


def call_held_function(x, holder):
    return holder.fn(x)


def call_held_ufunc(x, holder):
    return np.sum(holder.fn(x))


def method_of_a_library_object(x, rng):
    return np.sum(rng.normal(x))


def square(t):
    return t * t


@dataclass
class Affine:
    W: np.ndarray
    b: np.ndarray


class Doubled:
    def __init__(self, w):
        self.w2 = 2.0 * w  # computed, not stored as passed


class Base:
    def __init__(self, w):
        self.w = w

    def out(self, x):
        return self.w * x


class Child(Base):
    def out(self, x):
        return super().out(x) + self.w ** 2


def layer_built_inside(W, b, x):
    layer = Lin(W, b)
    return np.sum(layer(x) ** 2)


def dataclass_built_inside(W, b, x):
    p = Affine(W=W, b=b)
    return affine_sum(p, x)


def affine_sum(p, x):
    return np.sum(np.tanh(p.W @ x + p.b))


def mlp_built_inside(W1, b1, W2, b2, x):
    model = MLP([Lin(W1, b1), Relu(W2, b2)])
    return np.sum(model(x))


def namedtuple_built_inside(a, b):
    p = PairNT(a, b=b * 3.0)
    q = p
    return q.a * q[1] + p.b ** 2


def same_argument_twice(w):
    h = Holder(w, w, 2.0)
    return np.sum(h.W * h.b) * h.scale


def inherited_with_super(w, x):
    return Child(w).out(x)


def computed_init(w):
    return Doubled(w).w2


def operator_on_built_objects(x, y):
    return (Dual(x) + Dual(y)).v


def layer_from_a_dict(W, b, x):
    layers = {"first": Lin(W, b)}
    return np.sum(layers["first"](x))


def function_from_a_list(x):
    fs = [np.sin, np.cos]
    return fs[0](x)


# __init__ bodies written as people write them: one tuple assignment, annotations, a
# constant default beside them; the swapped order stores b in w's attribute
class PairInit:
    def __init__(self, w, b):
        self.w, self.b = w, b

    def __call__(self, z):
        return self.w * z + self.b


class AnnotatedInit:
    def __init__(self, w: np.ndarray, scale: float) -> None:
        self.w: np.ndarray = w
        self.scale: float = scale
        self.calls = 0

    def energy(self, x):
        return self.scale * np.sum((self.w * x) ** 2)


class SwappedInit:
    def __init__(self, w, b):
        self.w, self.b = b, w

    def value(self):
        return self.w ** 2 * self.b


def tuple_assigned_init(w, b, x):
    f = PairInit(w, b)
    return f(f(x))


def annotated_init(w, scale, x):
    return AnnotatedInit(w, scale).energy(x)


def swapped_tuple_init(w, b):
    return SwappedInit(w, b).value()
