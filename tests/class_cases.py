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
