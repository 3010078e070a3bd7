"""Second order through the gradients of np.rot90, np.rollaxis, np.append,
np.column_stack, np.dstack, np.split (hsplit, ...), np.ptp, np.nancumsum, np.gradient,
np.vdot, np.average, np.linspace, np.partition, np.select, np.choose, np.ediff1d and the
reductions with where= or initial= (their helpers' rules in rules/higher_simple.py):
hessian, hvp and reverse over reverse against central differences of the gradient, each
function in more than one spelling; and the tangents those functions gained, against
the gradient."""

from __future__ import annotations

import numpy as np
import pytest
from fd import numeric_grad
from test_higher import check_reverse_over_reverse, check_second_order

import pullback

W6 = np.arange(1.0, 7.0)


def rotated(x):
    return np.sum(np.rot90(x.reshape(2, 3)) ** 3 * W6.reshape(3, 2))


def rotated_axes(x):
    return np.sum(np.sin(np.rot90(x.reshape(1, 2, 3), k=3, axes=(1, 2))) * W6.reshape(1, 3, 2))


def rolled_axis(x):
    return np.sum(np.rollaxis(x.reshape(1, 2, 3), 2) ** 2 * W6.reshape(3, 1, 2))


def appended(x):
    return np.sum(np.append(x[:2] ** 2, x[2:]) ** 2 * np.arange(1.0, 5.0))


def appended_axis(x):
    a = x.reshape(2, 2)
    return np.sum(np.cos(np.append(a, a * a, axis=1)) * np.arange(8.0).reshape(2, 4))


def column_stacked(x):
    return np.sum(np.column_stack([x, x ** 2]) ** 2 * W6.reshape(3, 2))


def depth_stacked(x):
    return np.sum(np.sin(np.dstack([x, x * x])) * W6.reshape(1, 3, 2))


def split_pieces(x):
    a, b = np.split(x, [2])
    return np.sum(a ** 3) * np.sum(b)


def split_sections(x):
    top, bottom = np.vsplit(x.reshape(2, 2), 2)
    return np.sum(top ** 2 * bottom)


def peak_to_peak(x):
    return np.ptp(x) ** 2 + np.sum(np.ptp(x.reshape(2, 3), axis=1) * x[:2])


def nan_scan(x):
    return np.sum(np.nancumsum(x ** 2) * W6[:4])


def differences(x):
    return np.sum(np.gradient(x ** 2) ** 2) + np.sum(np.gradient(x, 0.5) * x)


def differences_2d(x):
    gy, gx = np.gradient(x.reshape(2, 3) ** 2)
    return np.sum(gy * gx) + np.sum(np.gradient(x.reshape(2, 3), axis=1) ** 2)


def flat_dot(x):
    return np.vdot(x[:3], x[3:] ** 2) ** 2


def averaged(x):
    return np.average(x ** 2) * np.sum(np.average(x.reshape(2, 3), axis=0) ** 2)


def averaged_weights(x):
    return np.average(x ** 2, weights=np.arange(1.0, 7.0)) * x[0] + np.sum(
        np.average(x.reshape(2, 3) ** 3, axis=1, weights=[0.5, 1.0, 2.0]) ** 2)


def spaced(x):
    return np.sum(np.linspace(x[0], x[1] ** 2, 5) ** 3)


def spaced_arrays(x):
    return np.sum(np.linspace(x[:2], x[2:] * x[0], 4, axis=1) ** 2 * np.arange(8.0)
                  .reshape(2, 4))


def partitioned(x):
    return np.sum(np.partition(x * x, 2) * np.arange(1.0, 6.0) * x)


def selected(x):
    return np.sum(np.select([x > 0.0, x < -0.5], [x ** 2, np.sin(x)], default=x ** 3) * W6[:4])


def chosen(x):
    return np.sum(np.choose(np.array([0, 1, 1, 0]), [x ** 2, np.cos(x)]) * x)


def masked_mean(x):
    return np.sum(np.mean(x.reshape(2, 3) ** 2, axis=1, where=np.array([[True, False, True],
                                                                       [True, True, True]])) ** 2)


def nan_mean(x):
    a = np.where(np.arange(6) == 4, np.nan, x)
    return np.nanmean(a ** 2) * x[0]


def masked_max(x):
    return np.max(x ** 2, where=x < 1.0, initial=-1.0) * np.sum(x) + \
        np.sum(np.min(x.reshape(2, 3) ** 3, axis=1, where=np.array([True, False, True]),
                      initial=5.0))


def summed_from(x):
    return np.sum(x ** 2, initial=x[0]) ** 2


def edge_differences(x):
    return np.sum(np.ediff1d(x[:4] ** 2, to_end=x[4:] * x[0], to_begin=x[0] ** 2) ** 2)


CASES = [rotated, rotated_axes, rolled_axis, appended, appended_axis, column_stacked,
         depth_stacked, split_pieces, split_sections, peak_to_peak, nan_scan, differences,
         differences_2d, flat_dot, averaged, averaged_weights, spaced, spaced_arrays,
         partitioned, selected, chosen, masked_mean, nan_mean, masked_max, summed_from,
         edge_differences]
SIZES = {rotated: 6, rotated_axes: 6, rolled_axis: 6, column_stacked: 3, depth_stacked: 3,
         split_pieces: 5, peak_to_peak: 6, differences_2d: 6, flat_dot: 6, averaged: 6,
         averaged_weights: 6,
         spaced: 2, spaced_arrays: 4, partitioned: 5, masked_mean: 6, nan_mean: 6,
         masked_max: 6, edge_differences: 6}
# list gradients: reverse over reverse refuses them (hvp and hessian take them)
LISTS = {split_pieces, split_sections, selected, chosen, differences_2d, column_stacked,
         depth_stacked}


def _point(f, seed):
    n = SIZES.get(f, 4)
    rng = np.random.default_rng(seed)
    return rng.permutation(np.linspace(-0.9, 1.3, n)) + rng.uniform(-0.05, 0.05, n)


@pytest.mark.parametrize("f", CASES, ids=lambda f: f.__name__)
def test_gradient_and_tangent(f):
    x = _point(f, 1)
    expected = numeric_grad(f, (x,))
    np.testing.assert_allclose(pullback.grad(f)(x), expected, rtol=1e-5, atol=1e-8)
    v = np.random.default_rng(2).normal(size=x.shape)
    _, t = pullback.jvp(f)(x, v)
    np.testing.assert_allclose(t, expected @ v, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("f", CASES, ids=lambda f: f.__name__)
def test_hessian_and_hvp(f):
    x = _point(f, 3)
    check_second_order(f, (x,), np.random.default_rng(4))


@pytest.mark.parametrize("f", [f for f in CASES if f not in LISTS], ids=lambda f: f.__name__)
def test_reverse_over_reverse(f):
    check_reverse_over_reverse(f, (_point(f, 5),))


def weighted_average(x):
    return np.average(x ** 2, weights=x + 2.0)


def test_average_with_weights_second_derivative():
    """(refused until average_grad_weights had a rule: rules/higher_simple2.py)"""
    x = np.array([0.3, -0.4, 1.1])
    rng = np.random.default_rng(0)
    check_second_order(weighted_average, (x,), rng, nonzero=True)
    check_reverse_over_reverse(weighted_average, (x,))
