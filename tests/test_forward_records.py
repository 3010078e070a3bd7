"""Forward mode through objects f builds from values being differentiated: a NamedTuple,
a (frozen) dataclass, a class whose __init__ stores its arguments (`Lin(W, b)` then
`layer(x)`). The tangent of the object built is an object of its class holding the
tangents of the arguments its attributes hold (0 for the others), which the attribute
reads and methods of forward mode take (tests/test_forward_objects.py). jvp against
central differences; a second derivative through such an object (`field_grad`) is
refused, for now, with the generated line."""

from __future__ import annotations

import dataclasses
from collections import namedtuple

import numpy as np
import pytest
from fd import assert_jvp_matches

import pullback

Pt = namedtuple("Pt", "x y")


@dataclasses.dataclass(frozen=True)
class State:
    pos: np.ndarray
    vel: np.ndarray
    m: float = 1.0


class Lin:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def __call__(self, x):
        return np.tanh(self.W @ x + self.b)


class Stack:
    def __init__(self, first, second):
        self.first = first
        self.second = second

    def forward(self, x):
        first, second = self.first, self.second
        return second(first(x))


def namedtuple_built(x):
    p = Pt(x[0], x[1] * 2)
    return p.x * p.y + x[2]


def dataclass_step(x):
    s = State(x, x ** 2)
    s2 = State(s.pos + 0.1 * s.vel, s.vel - 0.1 * s.pos, m=2.0)
    return np.sum(s2.pos * s2.vel) * s2.m


def layer_built(W):
    layer = Lin(W, np.ones(2))
    return np.sum(layer(np.array([0.3, -0.7, 1.1])) ** 2)


def nested_built(W):
    net = Stack(Lin(W, np.zeros(2)), Lin(W[:, :2] * 0.5, np.ones(2)))
    return np.sum(net.forward(np.array([0.3, -0.7, 1.1])))


CASES = [(namedtuple_built, (3,)), (dataclass_step, (3,)), (layer_built, (2, 3)),
         (nested_built, (2, 3))]


@pytest.mark.parametrize("fn,shape", CASES, ids=[c[0].__name__ for c in CASES])
def test_jvp_against_differences(fn, shape):
    assert_jvp_matches(fn, shape, 4)


def test_a_second_derivative_through_the_object_is_refused():
    with pytest.raises(pullback.NoRuleError, match="field_grad"):
        pullback.hvp(layer_built)(np.ones((2, 3)), np.ones((2, 3)))
