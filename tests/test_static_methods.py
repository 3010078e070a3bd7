"""Static methods and class methods called in f: a static method's first parameter is an
ordinary value, not the object (`self`) of a method, so its operators are differentiated
by their rules, in reverse mode, forward mode and at second order alike. (Taken for
`self`, `v * v` in a static method became a call resolved when it runs, which forward
mode and second order refused.) Objects of user classes handed to a static method still
run their own operators (tests/test_operator_objects*.py)."""

from __future__ import annotations

import numpy as np
import pytest
from fd import assert_grad_matches, assert_jvp_matches
from test_higher import check_second_order

import pullback


class Ops:
    @staticmethod
    def sq(v):
        return v * v

    @classmethod
    def cube(cls, v):
        return cls.sq(v) * v

    @staticmethod
    def poly(v, c=2.0):
        return c * v * v + Ops.sq(v) - v / 3.0

    class Inner:
        @staticmethod
        def soft(v):
            return np.log1p(np.exp(-v * v)) + v ** 2


class Scale:
    def __init__(self, k):
        self.k = k

    def __mul__(self, other):
        return Scale(self.k * (other.k if isinstance(other, Scale) else other))


def through_static(x):
    return np.sum(Ops.sq(x) * np.sin(x))


def static_calls_static(x):
    return np.sum(Ops.poly(x)) + np.sum(Ops.poly(x, c=-1.5))


def class_method_calls_static(x):
    return np.sum(Ops.cube(x) ** 2)


def nested_class_static(x):
    return np.sum(Ops.Inner.soft(x))


def static_in_loop(x):
    t = 0.0
    for v in x:
        t = t + Ops.sq(v) * v + Ops.poly(v)
    return t


def held_static(x):
    f = Ops.sq
    return np.sum(f(x) - Ops().sq(x) / 2)


def static_of_object(x):
    return np.sum(Ops.sq(Scale(x)).k)


CASES = [through_static, static_calls_static, class_method_calls_static,
         nested_class_static, static_in_loop, held_static]


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_gradient(fn):
    x = np.random.default_rng(0).normal(size=4)
    assert_grad_matches(fn, (x,))


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_jvp_against_differences(fn):
    assert_jvp_matches(fn, 4, 1)


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_second_order(fn):
    rng = np.random.default_rng(2)
    check_second_order(fn, (rng.normal(size=4),), rng, nonzero=True)


def test_static_method_handed_an_object_runs_its_operator():
    x = np.array([1.0, 2.0, -0.5])
    np.testing.assert_allclose(pullback.grad(static_of_object)(x), 2 * x)
