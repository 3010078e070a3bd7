"""sum, tuple and list of a namedtuple f builds read its elements, as a tuple's (they
were refused as an operator of a user class): in reverse, forward and second order
against central differences; a tuple subclass with its own __iter__ is still refused."""

from collections import namedtuple
from typing import NamedTuple

import numpy as np
import pytest
from fd import assert_grad_matches, assert_jvp_matches
from test_higher import check_second_order

import pullback

Params = namedtuple("Params", ["alpha", "beta"])


class Point(NamedTuple):
    u: float
    v: float
    w: float


def summed(x):
    p = Params(x[0], x[1] ** 2)
    return p.alpha ** 2 * np.exp(-p.beta) + sum(p)


def summed_with_start(x):
    q = Point(x[0], np.sin(x[1]), x[2] * x[3])
    return sum(q, x[3]) * q.u


def as_list_and_tuple(x):
    q = Point(x[0] * x[1], x[2], x[3] ** 2)
    items = list(q)
    items.append(x[0])
    t = tuple(q)
    return items[0] * items[-1] + t[2] * t[1]


@pytest.mark.parametrize("fn", [summed, summed_with_start, as_list_and_tuple],
                         ids=lambda f: f.__name__)
def test_grad_jvp_and_second_order(fn):
    x = np.array([0.7, -0.4, 1.1, 0.5])
    assert_grad_matches(fn, (x,))
    assert_jvp_matches(fn, (4,), 11)
    check_second_order(fn, (x,), np.random.default_rng(8))


class Reversed(namedtuple("Reversed", ["a", "b"])):
    def __iter__(self):
        return iter((self.b * 2.0, self.a))


def own_iteration(x):
    r = Reversed(x[0], x[1])
    return sum(r)


def test_a_tuple_class_with_its_own_iteration_is_refused():
    with pytest.raises(pullback.errors.NoRuleError) as info:
        pullback.grad(own_iteration)(np.array([1.0, 2.0]))
    assert "sum(r)" in str(info.value)
