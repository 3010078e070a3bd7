"""Second order through the gradients of the standard library's numeric functions
(rules/higher_stdlib.py): math.prod, math.dist, n-ary math.hypot, divmod, math.fmod,
math.remainder and statistics.mean, variance, stdev, pvariance and pstdev, each spelled
with lists, tuples and arrays of values; hessian and hvp against central differences of
the gradient, reverse over reverse where the values come as an array (a list's gradient
is refused there on its own, tests/test_higher_lists.py)."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from test_higher import check_reverse_over_reverse, check_second_order

import pullback


def prod_list(x):
    return math.prod([x[0], x[1] * x[2], x[3]]) + math.prod((x[0], x[0]), start=x[1])


def prod_array(x):
    return math.prod(x * x[::-1]) + math.prod(x[1:], start=2.0)


def prod_with_zero(x):  # a factor 0 at x[0] = 0: the products of the others, formed directly
    return math.prod([x[0], x[1], x[2], x[3] * x[1]]) + math.prod((x[0], x[0], x[2]))


def dist_lists(x):
    return math.dist([x[0], x[1] * x[2]], [x[3], 0.5]) ** 2 + math.dist((x[1],), (x[2],))


def dist_arrays(x):
    return math.dist(x * x, x[::-1]) * x[0]


def hypot_nary(x):
    return math.hypot(x[0], x[1] * x[3], x[2]) * x[1] + math.hypot(*x)


def divmod_remainder(x):
    q, r = divmod(x[0] * 7.0, x[1] + 0.5)
    return r * x[2] + q * x[3] + divmod(x[3] * 5.0, x[2])[1] ** 2


def fmod_remainder(x):
    return math.fmod(x[0] * 5.0, x[1]) * x[2] + math.remainder(x[3] * 9.0, x[2] + 0.1) ** 2


def mean_of_values(x):
    return statistics.mean([x[0], x[1] * x[2], x[3]]) ** 2 + statistics.mean(x * x) * x[0]


def variances(x):
    data = [x[0], x[1] * x[2], x[3], 0.3]
    return statistics.variance(data) * x[1] + statistics.pvariance(data) ** 2


def deviations(x):
    data = (x[0] * 2.0, x[1], x[2] * x[3])
    return statistics.stdev(data) * x[0] + statistics.pstdev(data)


def spreads_with_centre(x):
    data = [x[0], x[1], x[2] * 1.5]
    return statistics.variance(data, xbar=x[3]) * x[1] + statistics.pstdev(data, mu=x[3] * 0.5)


def spreads_of_array(x):
    return statistics.stdev(x * x) + statistics.pvariance(x, mu=x[1]) * x[2] \
        + statistics.mean(x) * statistics.variance(x * x[0])


CASES = [prod_list, prod_array, dist_lists, dist_arrays, hypot_nary,
         divmod_remainder, fmod_remainder, mean_of_values, variances, deviations,
         spreads_with_centre, spreads_of_array]
ARRAYS = [prod_array, dist_arrays, fmod_remainder, spreads_of_array]


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_hessian_and_hvp(fn):
    rng = np.random.default_rng(len(fn.__name__))
    check_second_order(fn, (rng.uniform(0.6, 1.4, size=4),), rng, nonzero=True)


@pytest.mark.parametrize("fn", ARRAYS, ids=lambda f: f.__name__)
def test_reverse_over_reverse(fn):
    check_reverse_over_reverse(fn, (np.random.default_rng(5).uniform(0.6, 1.4, size=4),))


@pytest.mark.parametrize("zero", [0, 2])
def test_prod_with_a_zero_factor(zero):
    rng = np.random.default_rng(zero)
    x = rng.uniform(0.6, 1.4, size=4)
    x[zero] = 0.0
    check_second_order(prod_with_zero, (x,), rng, nonzero=True)


def test_prod_hessian_closed_form():
    """d2/dxi dxj prod(x) = prod(x) / (xi xj) off the diagonal, 0 on it."""
    x = np.array([1.5, 2.0, 0.5, 3.0])
    H = pullback.hessian(lambda x: math.prod([x[0], x[1], x[2], x[3]]))(x)
    expected = np.prod(x) / np.outer(x, x)
    np.fill_diagonal(expected, 0.0)
    np.testing.assert_allclose(H, expected, rtol=1e-12)


def test_pvariance_hessian_closed_form():
    """pvariance = sum((x - mean)^2) / n: its Hessian is 2 (I - 1/n) / n."""
    x = np.array([0.3, 1.2, -0.4])
    H = pullback.hessian(lambda x: statistics.pvariance([x[0], x[1], x[2]]))(x)
    np.testing.assert_allclose(H, 2.0 * (np.eye(3) - 1.0 / 3.0) / 3.0, atol=1e-12)
