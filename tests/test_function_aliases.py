"""A name bound once at the top of f to a user's function, static method or class method
(`act = relu`, `step = Solver.step`) and called after: each call is the call of the
function the name holds, transformed from its source as a call by its own name is, in
reverse mode, forward mode and at second order. A name bound elsewhere too (or in a
branch only) is left as written: one function in each branch is a choice between calls
(lower/chosen_functions.py); anything else stays refused, located."""

from __future__ import annotations

import numpy as np
import pytest
from fd import assert_grad_matches, assert_jvp_matches
from test_higher import check_second_order

import pullback
from pullback.errors import PullbackError


def relu_ish(v):
    return np.where(v > 0, v, 0.1 * v) + 0.05 * v ** 2


def smooth(v, k=2.0):
    return np.log1p(np.exp(k * v)) / k


class Solver:
    @staticmethod
    def step(v):
        return v - 0.1 * np.sin(v)

    @classmethod
    def run(cls, v, n=3):
        for _ in range(n):
            v = cls.step(v)
        return v


def alias_function(x):
    act = relu_ish
    return np.sum(act(x) * x)


def alias_with_keywords(x):
    soft = smooth
    return np.sum(soft(x, k=3.0)) + np.sum(soft(2 * x))


def alias_static_in_loop(x):
    step = Solver.step
    for _ in range(4):
        x = step(x)
    return np.sum(x ** 2)


def alias_class_method(x):
    run = Solver.run
    return np.sum(np.tanh(run(x, n=2)))


def alias_passed_to_map(x):
    act = smooth
    return sum(map(act, x))


CASES = [alias_function, alias_with_keywords, alias_static_in_loop, alias_class_method,
         alias_passed_to_map]


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_gradient(fn):
    assert_grad_matches(fn, (np.random.default_rng(0).normal(size=5),))


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_jvp_against_differences(fn):
    assert_jvp_matches(fn, 5, 1)


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_second_order(fn):
    rng = np.random.default_rng(2)
    check_second_order(fn, (rng.normal(size=5),), rng, nonzero=True)


def test_alias_rebound_in_f_is_refused_with_its_line():
    def rebound(x):
        act = relu_ish
        y = act(x)
        act = x  # not a function any more: the name is bound twice
        return np.sum(y * act)

    with pytest.raises(PullbackError) as info:
        pullback.grad(rebound)(np.ones(3))
    assert "call to act" in str(info.value) and "y = act(x)" in str(info.value)
