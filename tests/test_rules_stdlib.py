"""The standard library's numeric functions (rules/stdlib.py): math.prod, math.dist, n-ary
math.hypot, divmod, math.fmod, math.remainder and statistics.mean, variance, stdev,
pvariance, pstdev, each in several spellings, their gradients against central
differences and their tangents (jvp) against the gradient; a rule cannot name a *args
parameter's gradient; and "None means absent" parameters (np.diff's prepend=None handed
to pullback.grad(np.diff))."""

from __future__ import annotations

import math
import statistics
from math import hypot

import numpy as np
import pytest
from fd import assert_grad_matches, numeric_grad

import pullback
from pullback.errors import PullbackError

# ------------------------------------------------------------------ the functions


def prod_list(x):
    return math.prod([x[0], x[1] * x[2], x[0]])


def prod_array(x):
    return math.prod(x) + math.prod(x[1:], start=x[0])


def prod_zero(x):  # a factor exactly zero: its gradient is the product of the others
    return math.prod([x[0], x[1] - 0.7, x[2]]) + math.prod((x[1], x[2]))  # x[1] = 0.7


def prod_generator(x):
    return math.prod(x[i] + 1.0 for i in range(3))


def dist_lists(x):
    return math.dist([x[0], x[1]], [1.0, 2.0 * x[2]])


def dist_arrays(x):
    return math.dist(x[:2], x[2:4]) * x[0]


def hypot_many(x):
    return math.hypot(x[0], x[1], 3.0, x[2] * x[0])


def hypot_spread(x):
    xs = [x[0], x[1], x[2]]
    return math.hypot(*xs) + hypot(*x) + math.hypot(x[1])


def divmod_pair(x):
    q, r = divmod(x[0], x[1])
    return r * r + q * x[2]


def divmod_index(x):
    return divmod(x[0] * 3.0, x[1])[1] * x[2]


def fmod_remainder(x):
    return math.fmod(x[0], x[1]) * x[2] + math.remainder(x[2], x[1]) ** 2


def means(x):
    return statistics.mean([x[0], x[1], x[2] * x[0]]) * statistics.mean(x)


def variances(x):
    return statistics.variance(x) + statistics.pvariance([x[0], 2.0, x[1]]) ** 2


def deviations(x):
    return statistics.stdev([x[0], x[1], x[2]]) * statistics.pstdev(x)


def centered(x):
    return statistics.variance(x[:3], xbar=x[3]) + statistics.pstdev(x[:3], mu=x[3] * 0.5)


FUNCTIONS = [prod_list, prod_array, prod_zero, prod_generator, dist_lists, dist_arrays,
             hypot_many, hypot_spread, divmod_pair, divmod_index, fmod_remainder, means,
             variances, deviations, centered]
POINT = np.array([1.3, 0.7, -0.45, 2.1])


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
def test_gradient_matches_differences(fn):
    assert_grad_matches(fn, (POINT.copy(),))


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
def test_tangent_matches_the_gradient(fn):
    v = np.random.default_rng(3).normal(size=POINT.shape)
    value, tangent = pullback.jvp(fn)(POINT.copy(), v)
    assert value == pytest.approx(fn(POINT.copy()), rel=1e-12)
    assert tangent == pytest.approx(float(numeric_grad(fn, (POINT.copy(),)) @ v), rel=1e-5)


def test_scalar_arguments():
    def f(a, b):
        q, r = divmod(a, b)
        return math.prod([a, b, r]) + math.dist((a, b), (0.5, r)) + statistics.stdev((a, b, 1.0))

    assert_grad_matches(f, (1.3, 0.4), wrt=(0, 1))


def test_closed_forms():
    # prod: the others' product (exact at a zero factor); divmod: the remainder's slopes
    g = pullback.grad(lambda x: math.prod(x))(np.array([2.0, 0.0, 3.0]))
    np.testing.assert_array_equal(g, [0.0, 6.0, 0.0])
    ga, gb = pullback.grad(lambda a, b: divmod(a, b)[1], wrt=(0, 1))(7.5, 2.0)
    assert (ga, gb) == (1.0, -3.0)
    ga, gb = pullback.grad(lambda a, b: math.remainder(a, b), wrt=(0, 1))(7.5, 2.0)
    assert (ga, gb) == (1.0, -4.0)  # 7.5 / 2 = 3.75 rounds to 4
    gx = pullback.grad(lambda x: statistics.variance(x))(np.array([1.0, 2.0, 6.0]))
    np.testing.assert_allclose(gx, 2.0 * (np.array([1.0, 2.0, 6.0]) - 3.0) / 2.0)


def test_quotient_has_no_gradient():
    assert pullback.grad(lambda a, b: divmod(a, b)[0] * a, wrt=(0, 1))(7.5, 2.0) == (3.0, 0.0)


def test_rule_refuses_a_template_for_star_args():
    from pullback.rules import rule

    with pytest.raises(ValueError, match=r"\*args or \*\*kwargs parameter \(xs\)"):
        rule("*xs", xs="g")


def test_hypot_spread_beside_other_arguments_is_refused_located():
    def f(x):
        return math.hypot(x[0], *x[1:])

    with pytest.raises(PullbackError, match=r"(?s)\*xs.*math.hypot.*return math.hypot"):
        pullback.grad(f)(POINT.copy())


# --------------------------------------------------- None means absent (np.diff's prepend)

def _fd_vjp(f, x, seed, eps=1e-6):
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        out[i] = np.sum(seed * (f(x + e) - f(x - e))) / (2 * eps)
    return out


@pytest.mark.parametrize("kwargs", [{}, {"n": 2}, {"axis": 0}, {"prepend": 1.0},
                                    {"append": np.ones((4, 1))}, {"prepend": None},
                                    {"prepend": np.zeros((1, 4)), "axis": 0, "append": None}],
                         ids=str)
def test_library_function_with_none_for_absent(kwargs):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(4, 4))
    given = {k: v for k, v in kwargs.items() if v is not None}
    seed = rng.normal(size=np.diff(x, **given).shape)
    got = pullback.vjp(np.diff)(x, seed, **kwargs)
    np.testing.assert_allclose(got, _fd_vjp(lambda x: np.diff(x, **given), x, seed), atol=1e-7)
    v = rng.normal(size=x.shape)
    value, tangent = pullback.jvp(np.diff)(x, v, **kwargs)
    np.testing.assert_array_equal(value, np.diff(x, **given))
    np.testing.assert_allclose(tangent, np.diff(v, **{k: 0.0 * np.asarray(p) for k, p in
                                                      given.items() if k != "n" and k != "axis"},
                                                **{k: p for k, p in given.items()
                                                   if k in ("n", "axis")}), atol=1e-12)


def test_none_passed_on_where_the_function_takes_it():
    """np.clip(x, a_min, None): None is passed on (NumPy takes it; clip(x, a_min) alone
    would raise)."""
    x = np.array([-1.0, 0.2, 3.0])
    seed = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(pullback.vjp(np.clip)(x, -0.5, None, seed), [0.0, 2.0, 3.0])


def test_autograd_function_with_none_for_absent():
    anp = pytest.importorskip("autograd.numpy")
    rng = np.random.default_rng(6)
    x = rng.normal(size=(3, 4))
    seed = rng.normal(size=(3, 2))
    got = pullback.vjp(anp.diff)(x, seed, n=2)
    np.testing.assert_allclose(got, _fd_vjp(lambda x: np.diff(x, n=2), x, seed), atol=1e-7)
