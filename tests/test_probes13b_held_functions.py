"""A library function with a rule that pullback meets only as a value when the gradient
runs (`fn = getattr(np, "tanh")`, `getattr(math, name)`, a name passed in) is called in
forward mode through its rule, as reverse mode calls it (runtime/objects.method_jvp);
it used to be refused in jvp only."""

import math

import numpy as np
import pytest
from fd import assert_grad_matches
from test_higher import check_second_order

import pullback


def getattr_numpy(x):
    fn = getattr(np, "tanh")  # noqa: B009 (the construct tested)
    return np.sum(fn(x) * x)


def getattr_math(x):
    fn = getattr(math, "sin")  # noqa: B009 (the construct tested)
    return fn(x[0]) * x[1] + x[2]


def name_passed(x, act="tanh"):
    return np.sum(getattr(np, act)(x) ** 2)


def with_keyword(x):
    fn = getattr(np, "sum")  # noqa: B009 (the construct tested)
    return fn(x ** 3, axis=0) * x[0]


@pytest.mark.parametrize("f", [getattr_numpy, getattr_math, name_passed, with_keyword],
                         ids=lambda f: f.__name__)
def test_held_library_function_in_every_mode(f):
    x = np.array([0.4, -1.3, 0.9])
    assert_grad_matches(f, (x,))
    v = np.array([0.3, -0.5, 0.8])
    value, tangent = pullback.jvp(f)(x, v)
    h = 1e-6
    assert value == pytest.approx(f(x))
    assert tangent == pytest.approx((f(x + h * v) - f(x - h * v)) / (2 * h), rel=1e-6)
    check_second_order(f, (x,), np.random.default_rng(3), nonzero=True)


def without_rule(x):
    fn = getattr(np.linalg, "cond")  # noqa: B009 (the construct tested)
    return fn(np.outer(x, x) + np.eye(3))


def test_held_function_without_rule_is_refused_located():
    x = np.array([0.4, -1.3, 0.9])
    with pytest.raises(pullback.errors.NoRuleError) as info:
        pullback.jvp(without_rule)(x, x)
    assert "return fn(np.outer(x, x) + np.eye(3))" in str(info.value)
    assert __file__ in str(info.value)
