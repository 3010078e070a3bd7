"""Forward mode through objects f builds from values being differentiated: a NamedTuple,
a (frozen) dataclass, a class whose __init__ stores its arguments (`Lin(W, b)` then
`layer(x)`). The tangent of the object built is an object of its class holding the
tangents of the arguments its attributes hold (0 for the others), which the attribute
reads and methods of forward mode take (tests/test_forward_objects.py). jvp, and hvp
(forward over reverse: `field_grad`, the gradient handed back from the object to its
arguments, is linear), against central differences; hessian, which vector mode does not
take through the object built, by hvp's columns."""

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


@pytest.mark.parametrize("fn,shape", CASES, ids=[c[0].__name__ for c in CASES])
def test_hvp_through_the_object_built(fn, shape):
    # forward over reverse: the object's gradient handed back to the arguments
    # (field_grad) is linear in it
    rng = np.random.default_rng(5)
    x, v = rng.normal(size=shape), rng.normal(size=shape)
    grad, h = pullback.grad(fn), 1e-5
    np.testing.assert_allclose(pullback.hvp(fn)(x, v),
                               (grad(x + h * v) - grad(x - h * v)) / (2 * h),
                               rtol=1e-5, atol=1e-7)


def test_reverse_over_reverse_of_a_dataclass_step():
    from test_higher import check_reverse_over_reverse

    check_reverse_over_reverse(dataclass_step, (np.array([0.3, -0.2, 0.8]),))


@pytest.mark.parametrize("fn,shape", CASES, ids=[c[0].__name__ for c in CASES])
def test_hessian_through_the_object_built(fn, shape):
    # vector mode has no batch of tangents of an object: hessian takes hvp's columns
    from test_higher import check_second_order

    check_second_order(fn, (np.random.default_rng(6).normal(size=shape),),
                       np.random.default_rng(7))
