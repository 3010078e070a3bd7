"""Second order of sliding-window loops (`x[i:i + k]` in a loop: a convolution, a moving
average, strided windows): the generated gradient indexes with `slice(i, add, None)`,
whose positions come out of its record, and a record element read back is taken as
possibly carrying a derivative. A slice holds positions: it has no derivative (as `len`
and `range`), so hvp and hessian with respect to the signal work. Against differences
of the gradient, in several spellings."""

from __future__ import annotations

import numpy as np
import pytest
from test_higher import check_second_order

import pullback

W = np.array([0.3, -0.2, 0.5])


def conv_valid(x, w=W):
    k = len(w)
    n = len(x) - k + 1
    out = np.empty(n)
    for i in range(n):
        out[i] = np.dot(w, x[i:i + k])
    return np.sum(np.sin(out))


def moving_average(x, k=3):
    means = []
    for i in range(len(x) - k + 1):
        means.append(np.mean(x[i:i + k] ** 2))
    return np.sum(np.array(means) ** 2)


def explicit_slices(x):
    total = 0.0
    for i in range(0, len(x) - 2, 2):
        window = x[slice(i, i + 3)]
        total = total + np.prod(window) + window[0] * x[i + 1]
    return total


def strided_windows(x):
    acc = np.zeros(2)
    for i in range(len(x) - 4):
        acc = acc + np.tanh(x[i:i + 4:2])
    return np.sum(acc ** 3)


CASES = [conv_valid, moving_average, explicit_slices, strided_windows]


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_hessian_and_hvp(fn):
    rng = np.random.default_rng(11)
    check_second_order(fn, (rng.normal(size=7),), rng, nonzero=True)


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_jvp_of_the_gradient(fn):
    rng = np.random.default_rng(12)
    x, v = rng.normal(size=7), rng.normal(size=7)
    _, tangent = pullback.jvp(pullback.grad(fn))(x, v)
    h = 1e-5
    g = pullback.grad(fn)
    np.testing.assert_allclose(tangent, (g(x + h * v) - g(x - h * v)) / (2 * h),
                               rtol=1e-5, atol=1e-6)


def test_a_slice_in_the_users_code_still_has_no_rule():
    # np.r_[0.0:x:5j] is np.linspace(0.0, x, 5): the slice's bounds carry a derivative
    def spaced(x):
        return np.sum(np.r_[0.0:x:5j])

    with pytest.raises(pullback.NoRuleError, match="no derivative rule for slice"):
        pullback.grad(spaced)(2.5)
