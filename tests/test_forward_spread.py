"""Forward mode and second order through calls that spread a tuple or dict into a
function's parameters (`model(**params, x=x)`, `g(*pair)`, `g(a, *rest, scale=s)`): each
parameter P or M fills gets the tangent of the element or key that fills it (0 for a
parameter left to its default), and at second order the gradients handed back to P and
M (`spread_grads`, `join_grad`) are differentiated: hvp and hessian against differences
of the gradient (reverse over reverse refuses the gradient of the dict or tuple,
located). A value reaching the callee's own *args or **kwargs has its tangent there
too (tests/test_higher13_varargs.py)."""

from __future__ import annotations

import numpy as np
import pytest
from fd import assert_jvp_matches
from test_higher import check_second_order

import pullback


def model(a, b, x, c=0.5):
    return np.sum(a * x ** 2 + np.sin(b * x)) * c


def dict_spread(x):
    params = {"a": x[0], "b": x[1] ** 2}
    return model(**params, x=x)


def tuple_spread(x):
    pair = (x ** 2, np.cos(x))
    return model(*pair, x, c=x[0])


def mixed_spread(x):
    rest = (np.tanh(x),)
    options = {"c": x[1] * x[2]}
    return model(x, *rest, x=x ** 2, **options)


def default_left_alone(x):
    return model(**{"a": x, "b": 2.0 * x}, x=x[::-1])


def stars(*xs):
    return sum(np.sum(v ** 2) for v in xs)


def into_varargs(x):
    return stars(*(x, x ** 2))


CASES = [dict_spread, tuple_spread, mixed_spread, default_left_alone]


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_jvp_against_differences(fn):
    assert_jvp_matches(fn, 3, 1)


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_hessian_and_hvp(fn):
    rng = np.random.default_rng(2)
    check_second_order(fn, (rng.normal(size=3),), rng, nonzero=True)


def test_values_reaching_the_callees_varargs():
    x = np.array([0.5, -1.0, 2.0])
    assert np.allclose(pullback.grad(into_varargs)(x), 2 * x + 4 * x ** 3)
    v = np.array([1.0, 0.5, -2.0])
    assert np.allclose(pullback.jvp(into_varargs)(x, v)[1], (2 * x + 4 * x ** 3) @ v)
