"""The rules of rules/numpy_added.py (np.take_along_axis, np.interp, np.polyval,
np.correlate, np.ediff1d, np.trapezoid, np.cumulative_sum, np.linalg's array-API
spellings, np.linalg.qr and np.linalg.lstsq), each in several spellings: the gradient
against central differences, the jvp against the gradient along a random direction,
and, where the rule's helpers have second-order rules, hessian, hvp and reverse over
reverse against differences of the gradient."""

from __future__ import annotations

import numpy as np
import pytest
from fd import numeric_grad
from test_higher import check_reverse_over_reverse, check_second_order

import pullback

XP = np.array([0.0, 0.7, 1.5, 2.0, 3.1])


def taken(x):
    idx = np.array([[2, 0, 1], [1, 1, 0]])
    return np.sum(np.take_along_axis(x.reshape(2, 3), idx, axis=1) ** 2 * np.arange(1.0, 7.0)
                  .reshape(2, 3))


def taken_sorted(x):
    a = x.reshape(3, 2)
    order = np.argsort(a, axis=0)
    return np.sum(np.sin(np.take_along_axis(a, order, 0)) * np.array([[1.0, 2.0]]))


def taken_flat(x):
    return np.sum(np.take_along_axis(x, np.array([3, 0, 0, 2]), None) ** 3)


def taken_broadcast(x):
    idx = np.array([[0, 2], [1, 1], [2, 0]])  # (3, 2) indices along axis 1 of a (1, 3)
    return np.sum(np.cos(np.take_along_axis(x.reshape(1, 3), idx, 1)) * np.arange(6.0)
                  .reshape(3, 2))


def interpolated(x):
    return np.sum(np.interp(x, XP, np.sin(XP) + 1.0) ** 2)


def interpolated_fp(fp):
    return np.sum(np.interp(np.array([-0.5, 0.3, 1.0, 1.9, 2.5, 3.5]), XP, fp) ** 3)


def interpolated_both(v):
    x, fp = v[:3], v[3:]
    return np.sum(np.interp(x, XP, fp * fp) * x)


def interpolated_bounds(v):
    x = np.array([-1.0, 0.4, 4.0, 5.0])
    return np.sum(np.interp(x, XP, v[:5], left=v[5] ** 2, right=v[6]) ** 2)


def interpolated_scalar(x):
    return np.interp(x[0] * x[1], XP, XP ** 2) * x[1]


def polynomial(x):
    return np.sum(np.polyval(np.array([1.0, -2.0, 0.5, 3.0]), x) ** 2)


def polynomial_p(p):
    return np.sum(np.sin(np.polyval(p, np.array([0.3, -1.2, 2.0]))))


def polynomial_both(v):
    return np.sum(np.polyval(v[:3], v[3:]) ** 2) + np.polyval(v[:2], 0.7)


def polynomial_list(v):
    return np.polyval([v[0], 2.0, v[1]], v[2]) ** 2


def correlated(x):
    return np.sum(np.correlate(x[:5], x[5:], "full") ** 2 * np.arange(1.0, 8.0))


def correlated_valid(x):
    return np.sum(np.sin(np.correlate(x[:3], x[3:])))


def correlated_same(x):
    return np.sum(np.correlate(x[:2], x[2:], mode="same") ** 3)


def differences(x):
    return np.sum(np.ediff1d(x.reshape(2, 3)) ** 2 * np.arange(1.0, 6.0))


def differences_ends(x):
    return np.sum(np.cos(np.ediff1d(x[:4], to_end=x[4:], to_begin=x[0] ** 2)))


def trapezoid_y(y):
    return np.trapezoid(y ** 2, XP) + np.trapezoid(np.sin(y), dx=0.3)


def trapezoid_x(x):
    return np.trapezoid(np.array([1.0, 3.0, -2.0, 0.5]), np.cumsum(x ** 2)) * x[0]


def trapezoid_axis(v):
    y = v.reshape(2, 3)
    return np.sum(np.trapezoid(y ** 2, axis=0) * np.arange(1.0, 4.0)) + \
        np.sum(np.trapezoid(y, v[:3] * 2.0) ** 2)


def trapezoid_dx(v):
    return np.trapezoid(v[:4] ** 2, dx=v[4]) ** 2


def cumulative(x):
    return np.sum(np.cumulative_sum(x) ** 2 * np.arange(1.0, 5.0))


def cumulative_initial(x):
    return np.sum(np.sin(np.cumulative_sum(x.reshape(2, 3), axis=1, include_initial=True)))


def vector_norms(x):
    a = x.reshape(2, 3)
    return (np.linalg.vector_norm(x) ** 2 + np.sum(np.linalg.vector_norm(a, axis=1) * x[:2])
            + np.linalg.vector_norm(a, ord=1) * x[0] + np.sum(
                np.linalg.vector_norm(a, ord=3, axis=0, keepdims=True)))


def vector_norms_2(x):
    a = x.reshape(2, 3)
    return np.linalg.vector_norm(x) ** 3 + np.sum(np.linalg.vector_norm(a, axis=1) * x[:2]) + \
        np.sum(np.linalg.vector_norm(a.reshape(1, 2, 3), axis=(0, 2), keepdims=True) ** 2)


def matrix_norms(x):
    a = x.reshape(2, 3)
    return np.linalg.matrix_norm(a) * x[1] + np.linalg.matrix_norm(a, ord=1) ** 2


def matrix_norms_fro(x):
    a = x.reshape(2, 3, 1)
    return np.sum(np.linalg.matrix_norm(a, keepdims=True) * x[:2, None, None] ** 2)


def array_api(x):
    a, b = x[:6].reshape(2, 3), x[6:9]
    return (np.sum(np.linalg.outer(b, b) * np.linalg.matmul(a.T, a)) + np.sum(
        np.linalg.tensordot(a, a, axes=2)) + np.linalg.trace(np.linalg.matmul(a.T, a),
                                                            offset=1)
        + np.sum(np.linalg.diagonal(np.linalg.matrix_transpose(a) @ a) ** 2)
        + np.sum(np.linalg.cross(b, b ** 2) * b) + np.sum(np.matrix_transpose(a) * x[9:15]
                                                          .reshape(3, 2)))


def qr_reduced(x):
    q, r = np.linalg.qr(x.reshape(3, 2))
    return np.sum(q * np.arange(1.0, 7.0).reshape(3, 2)) + np.sum(r ** 2 * np.array([1.0, 2.0]))


def qr_square(x):
    q, r = np.linalg.qr(x.reshape(3, 3) + 2.0 * np.eye(3), mode="complete")
    return np.sum(np.sin(q)) + np.sum(np.diag(r) ** 3)


def qr_r(x):
    r = np.linalg.qr(x.reshape(4, 2), mode="r")
    return np.sum(r * np.array([[1.0, 2.0], [0.0, -1.0]]))


def qr_result(x):
    result = np.linalg.qr(x.reshape(3, 2))
    return np.sum(result.Q[:, 0] ** 2 * np.arange(3.0)) + result.R[0, 1]


def least_squares(x):
    a = x[:6].reshape(3, 2)
    b = x[6:]
    sol, res, rank, s = np.linalg.lstsq(a, b, rcond=None)
    return np.sum(sol ** 2) + res[0] + np.sum(s * np.array([1.0, 0.5]))


def least_squares_solution(x):
    return np.sum(np.sin(np.linalg.lstsq(x[:8].reshape(4, 2), x[8:].reshape(4, 1))[0]))


CASES = [
    (taken, 6), (taken_sorted, 6), (taken_flat, 4), (taken_broadcast, 3),
    (interpolated, np.array([0.3, 1.1, 1.8, 2.6])), (interpolated_fp, 5),
    (interpolated_both, np.array([0.2, 1.2, 2.8, 0.5, -0.3, 1.0, 0.8, 1.4])),
    (interpolated_bounds, 7), (interpolated_scalar, np.array([0.9, 1.3])),
    (polynomial, 4), (polynomial_p, 4), (polynomial_both, 6), (polynomial_list, 3),
    (correlated, 8), (correlated_valid, 5), (correlated_same, 5),
    (differences, 6), (differences_ends, 6),
    (trapezoid_y, 5), (trapezoid_x, 4), (trapezoid_axis, 6), (trapezoid_dx, 5),
    (cumulative, 4), (cumulative_initial, 6),
    (vector_norms, 6), (vector_norms_2, 6), (matrix_norms, 6), (matrix_norms_fro, 6),
    (array_api, 15),
    (qr_reduced, 6), (qr_square, 9), (qr_r, 8), (qr_result, 6),
    (least_squares, 9), (least_squares_solution, 12),
]
IDS = [f.__name__ for f, _ in CASES]
# the rules whose helpers have second-order rules (the others are refused there)
SECOND_ORDER = {"taken", "taken_sorted", "taken_flat", "taken_broadcast", "interpolated",
                "interpolated_fp", "interpolated_both", "interpolated_bounds",
                "interpolated_scalar", "polynomial", "polynomial_p", "polynomial_both",
                "correlated", "correlated_valid", "correlated_same", "cumulative",
                "cumulative_initial", "matrix_norms_fro", "vector_norms_2"}


def _point(spec, seed):
    if isinstance(spec, np.ndarray):
        return spec.copy()
    return np.random.default_rng(seed).uniform(0.3, 1.7, size=spec) * np.where(
        np.arange(spec) % 3 == 1, -1.0, 1.0)


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_gradient_matches_differences(index):
    f, spec = CASES[index]
    x = _point(spec, index)
    g = pullback.grad(f)(x)
    np.testing.assert_allclose(g, numeric_grad(f, (x,)), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_tangent_matches_the_gradient(index):
    f, spec = CASES[index]
    x = _point(spec, index)
    v = np.random.default_rng(50 + index).normal(size=x.shape)
    value, t = pullback.jvp(f)(x, v)
    assert value == pytest.approx(f(x), rel=1e-12)
    np.testing.assert_allclose(t, np.sum(numeric_grad(f, (x,)) * v), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("index", [i for i, (f, _) in enumerate(CASES)
                                   if f.__name__ in SECOND_ORDER],
                         ids=[f.__name__ for f, _ in CASES if f.__name__ in SECOND_ORDER])
def test_second_order_matches_differences_of_the_gradient(index):
    f, spec = CASES[index]
    x = _point(spec, index)
    check_second_order(f, (x,), np.random.default_rng(index))
    check_reverse_over_reverse(f, (x,))


def test_interp_closed_forms():
    """The slope inside a segment, 0 outside, the right slope at a knot; fp's weights."""
    fp = np.array([0.0, 2.0, 3.0, 7.0, 7.5])
    slope = pullback.grad(lambda x: np.interp(x, XP, fp))
    assert slope(0.35) == pytest.approx(2.0 / 0.7)
    assert slope(0.7) == pytest.approx(1.0 / 0.8)  # the segment to the right
    assert slope(-1.0) == 0.0 and slope(3.1) == 0.0 and slope(9.0) == 0.0
    weights = pullback.grad(lambda fp: np.interp(1.1, XP, fp))(fp)
    np.testing.assert_allclose(weights, [0.0, 0.5, 0.5, 0.0, 0.0])


def test_polyval_closed_form():
    p = np.array([2.0, -1.0, 0.5])
    assert pullback.grad(lambda x: np.polyval(p, x))(1.5) == pytest.approx(4.0 * 1.5 - 1.0)
    np.testing.assert_allclose(pullback.grad(lambda p: np.polyval(p, 2.0))(p), [4.0, 2.0, 1.0])
    assert pullback.hessian(lambda x: np.polyval(p, x))(np.array(0.3)) == pytest.approx(4.0)


def _interp_period(x):
    return np.sum(np.interp(x, XP, XP ** 2, period=3.0))


def _interp_xp(xp):
    return np.sum(np.interp(np.array([0.5, 1.5]), xp, xp ** 2))


def _qr_wide(x):
    q, r = np.linalg.qr(x.reshape(2, 3))
    return np.sum(r)


def _lstsq_rank_deficient(x):
    a = np.outer(x, np.ones(2))
    return np.sum(np.linalg.lstsq(a, np.ones(3))[0])


@pytest.mark.parametrize("f, message", [
    (_interp_period, "period"), (_interp_xp, "xp of np.interp"),
    (_qr_wide, "fewer rows than columns"), (_lstsq_rank_deficient, "rank-deficient")])
def test_refusals_name_what(f, message):
    with pytest.raises(pullback.PullbackError, match=message):
        pullback.grad(f)(np.array([0.4, 1.3, 2.2]) if f is not _qr_wide else np.arange(6.0))


def covariance(x):
    a = x.reshape(2, 4)
    return np.sum(np.cov(a) * np.array([[1.0, 0.5], [-0.3, 2.0]])) + np.cov(x) * x[0]


def covariance_columns(x):
    a = x.reshape(4, 2)
    return np.sum(np.cov(a, rowvar=False, bias=True) ** 2) + np.sum(
        np.cov(a[:, 0], a[:, 1] ** 2, ddof=2))


def covariance_weights(x):
    a = x.reshape(2, 4)
    return np.sum(np.cov(a, fweights=[1, 2, 1, 3], aweights=[0.5, 1.0, 2.0, 1.0]) ** 2) + \
        np.sum(np.cov(a, aweights=[0.5, 1.0, 2.0, 1.0], ddof=0))


def correlation(x):
    a = x.reshape(3, 3)
    return np.sum(np.corrcoef(a) * np.arange(9.0).reshape(3, 3)) + np.sum(
        np.corrcoef(a[0], a[1] ** 2) ** 2) + np.sum(np.corrcoef(a, rowvar=False)[0] ** 3)


STATISTICS = [(covariance, 8), (covariance_columns, 8), (covariance_weights, 8),
              (correlation, 9)]


@pytest.mark.parametrize("f, n", STATISTICS, ids=lambda v: getattr(v, "__name__", ""))
def test_cov_and_corrcoef(f, n):
    x = np.random.default_rng(n).normal(size=n)
    expected = numeric_grad(f, (x,))
    np.testing.assert_allclose(pullback.grad(f)(x), expected, rtol=1e-5, atol=1e-7)
    v = np.random.default_rng(1).normal(size=n)
    _, t = pullback.jvp(f)(x, v)
    np.testing.assert_allclose(t, expected @ v, rtol=1e-5, atol=1e-7)


def binned(x):
    bins = np.array([-0.5, 0.0, 0.5])
    which = np.digitize(x, bins)
    order = np.argpartition(x, 1)
    finite = ~np.isposinf(x) & np.isin(which, [1, 2, 3])
    return np.sum(np.where(finite, x ** 2, 0.0) * which) + x[order[0]] * np.isscalar(x[0])


def test_tests_and_indices_carry_no_gradient():
    x = np.array([-0.7, -0.2, 0.3, 0.9])
    np.testing.assert_allclose(pullback.grad(binned)(x), numeric_grad(binned, (x,)),
                               rtol=1e-6, atol=1e-8)


def conversions(x):
    a = np.asanyarray(x.reshape(2, 3)) * np.ascontiguousarray(x.reshape(2, 3).T).T
    return np.sum(np.asfortranarray(a) ** 2) + np.sum(np.asarray_chkfinite([x[0], x[1] ** 2]))


def singular_values(x):
    return np.sum(np.linalg.svdvals(x.reshape(3, 2)) * np.array([1.0, 0.3])) + np.sum(
        np.linalg.svdvals(x.reshape(1, 2, 3)) ** 2)


@pytest.mark.parametrize("f", [conversions, singular_values], ids=lambda f: f.__name__)
def test_conversions_and_singular_values(f):
    x = np.random.default_rng(7).normal(size=6)
    expected = numeric_grad(f, (x,))
    np.testing.assert_allclose(pullback.grad(f)(x), expected, rtol=1e-5, atol=1e-7)
    v = np.random.default_rng(8).normal(size=6)
    _, t = pullback.jvp(f)(x, v)
    np.testing.assert_allclose(t, expected @ v, rtol=1e-5, atol=1e-7)
    if f is conversions:
        check_second_order(f, (x,), np.random.default_rng(9))
