"""Second order (hessian, hvp and reverse over reverse, against central differences of
the gradient) through the container updates
a generated gradient makes: lists made in a branch and popped in its adjoint
(`itertools.accumulate`), a list handed to a check in a tuple (`math.fsum` of values),
dict slots written and restored (`dict(zip(...))`, keys added in loops), dict pops put
back (`setdefault`, `d.pop(k)`), in straight-line code, loops and callees."""

import itertools
import math
import operator

import numpy as np
import pytest
from test_higher import check_reverse_over_reverse, check_second_order

import pullback

X = np.array([0.4, -1.3, 0.9, 0.7])


def accumulated(x):
    return sum(itertools.accumulate(x))


def accumulated_products(x):
    return sum(itertools.accumulate(np.sin(x), operator.mul)) * x[0]


def fsum_of_a_generator(x):
    return math.fsum(v ** 2 for v in x)


def fsum_of_a_list(x):
    items = [math.sin(v) * v for v in x]
    return math.fsum(items) * x[1]


def _fsum_squares(x):
    return math.fsum([v ** 3 for v in x])


def fsum_in_a_callee(x):
    return _fsum_squares(x * 2.0) + _fsum_squares(np.cos(x))


def setdefault_lists(x):
    d = {}
    for i, v in enumerate(x):
        d.setdefault(i % 2, []).append(v * v)
    return sum(sum(vs) for vs in d.values()) + d.get(5, 0.0) + d.pop(0)[0]


def popped_and_put_back(x):
    d = {"a": x[0], "b": x[1] * 2}
    d["c"] = x[2] ** 2
    t = d.pop("c")
    d["c"] = x[0] * x[1]
    return d["a"] * d["b"] * d["c"] + t * x[3]


def from_zip(x):
    d = dict(zip("abcd", x))
    for k, v in d.items():
        d[k] = v * 2
    return d["a"] * d["b"] + d["c"] * d["d"] ** 2


def keys_added_in_a_loop(x):
    d = {}
    for i in range(len(x)):
        d[i] = x[i] * x[i - 1]
        d[i + 10] = np.sin(d[i])
    return sum(d[k] * d[k + 10] for k in range(len(x)))


def _tally(x):
    d = {}
    for i, v in enumerate(x):
        d[i % 3] = d.get(i % 3, 1.0) * v
    return d[0] + d[1] * d[2]


def dict_in_a_callee(x):
    return _tally(x) * _tally(x[::-1] ** 2)


@pytest.mark.parametrize("fn", [
    accumulated_products, fsum_of_a_list, fsum_in_a_callee, setdefault_lists,
    popped_and_put_back, from_zip, keys_added_in_a_loop, dict_in_a_callee,
], ids=lambda f: f.__name__)
def test_hessian_and_hvp(fn):
    check_second_order(fn, (X,), np.random.default_rng(3), nonzero=True)


@pytest.mark.parametrize("fn", [
    accumulated_products, fsum_of_a_list, fsum_in_a_callee, setdefault_lists,
    popped_and_put_back, from_zip, keys_added_in_a_loop, dict_in_a_callee,
], ids=lambda f: f.__name__)
def test_reverse_over_reverse(fn):
    """dict gradients too (tests/test_higher13_dicts.py)."""
    check_reverse_over_reverse(fn, (X,))


@pytest.mark.parametrize("fn", [accumulated, fsum_of_a_generator], ids=lambda f: f.__name__)
def test_linear_and_quadratic_in_closed_form(fn):
    """sum of the running sums is linear (zero Hessian); the sum of squares has 2 I."""
    expected = np.zeros((4, 4)) if fn is accumulated else 2 * np.eye(4)
    np.testing.assert_allclose(pullback.hessian(fn)(X), expected, atol=1e-12)
    np.testing.assert_allclose(pullback.hvp(fn)(X, np.ones(4)), expected @ np.ones(4),
                               atol=1e-12)
