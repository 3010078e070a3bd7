"""Second order through the gradients of np.dot, np.einsum, np.inner, np.cross, np.convolve,
np.prod, np.linalg.det, slogdet, solve, cholesky, eigvalsh, matrix_power and multi_dot,
scipy.linalg.expm and scipy.special's logsumexp, softmax and log_softmax
(their helpers' rules in rules/higher_products.py), and forward mode through np.convolve
and np.cross: hessian, hvp and reverse over reverse against central differences of the
gradient, jvp against central differences of f, each function in several spellings."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import scipy.special
from test_higher import check_reverse_over_reverse, check_second_order

import pullback

C = np.arange(1.0, 7.0).reshape(2, 3) / 3.0


def einsum_chain(x):
    m = x.reshape(2, 2)
    return np.einsum("ij,jk->", m, m) ** 2


def einsum_with_a_constant(x):
    return np.sum(np.sin(np.einsum("ij,jk->ik", x.reshape(3, 2), C)))


def einsum_interleaved(x):
    m = x.reshape(2, 3)
    return np.sum(np.einsum(m, [0, 1], m, [2, 1], [0, 2]) ** 2)


def einsum_trace(x):
    m = x.reshape(3, 3)
    return np.einsum("ii", m) * np.einsum("ij,ij->", m, m)


def einsum_three(x):
    return np.einsum("i,i,i->", x, x, np.cos(x))


def einsum_batched(x):
    s = x.reshape(2, 2, 2)
    return np.sum(np.einsum("...ij,...jk->...ik", s, s) ** 2)


def einsum_broadcast(x):
    m = x[:6].reshape(2, 3)
    return np.sum(np.exp(np.einsum("ij,j->i", m, x[6:])))


def inner_vectors(x):
    return np.inner(x, x) ** 2 + np.inner(x, np.arange(4.0))


def inner_matrix(x):
    return np.sum(np.inner(x.reshape(2, 3), x[:3]) ** 3)


def inner_scalar(x):
    return np.sum(np.inner(x[0], x) ** 2)


def dot_vectors(x):
    return np.dot(x, x) ** 2 + np.dot(np.arange(4.0), np.sin(x))


def dot_matrix_vector(x):
    return np.sum(np.dot(x.reshape(2, 2), x[:2]) ** 3) + np.sum(np.dot(x[0], x) ** 2)


def dot_matrices(x):
    m = x.reshape(2, 3)
    return np.sum(np.cos(m.dot(m.T)))


def cross_3(x):
    return np.sum(np.cross(x[:3], x[3:]) ** 2)


def cross_columns(x):
    m = x.reshape(2, 3)
    return np.sum(np.cross(m, np.array([1.0, -1.0, 2.0]), axisa=1) * m ** 2)


def cross_stacked(x):
    m = x.reshape(3, 2)
    return np.sum(np.sin(np.cross(m, m[::-1] * 2.0, axis=0)))


def convolve_full(x):
    return np.sum(np.convolve(x, x) ** 2)


def convolve_same(x):
    return np.sum(np.sin(np.convolve(x, np.array([1.0, -2.0, 0.5]), "same")) * x)


def convolve_valid_short(x):
    return np.sum(np.convolve(x[:2], x, mode="valid") ** 3)


def prod_all(x):
    return np.prod(x) * np.sum(x)


def prod_rows(x):
    return np.sum(np.prod(x.reshape(2, 3), axis=1) ** 2)


def prod_method(x):
    return np.sum(np.sin(x.reshape(3, 2).prod(axis=0, keepdims=True)) * x.reshape(3, 2))


def _matrix(x):
    return x.reshape(3, 3) + 3.0 * np.eye(3)


def det_plain(x):
    return np.linalg.det(_matrix(x))


def det_squared(x):
    return np.linalg.det(_matrix(x)) ** 2 * x[0]


def det_stacked(x):
    return np.sum(np.sin(np.linalg.det(x.reshape(2, 2, 2) + 2.0 * np.eye(2))))


def slogdet_log(x):
    sign, logdet = np.linalg.slogdet(_matrix(x))
    return logdet * sign


def slogdet_stacked(x):
    return np.sum(np.linalg.slogdet(x.reshape(2, 2, 2) + 3.0 * np.eye(2))[1] ** 2)


def solve_vector(x):
    return np.sum(np.linalg.solve(_matrix(x), x[:3]) ** 2)


def solve_matrix(x):
    return np.sum(np.sin(np.linalg.solve(_matrix(x), x.reshape(3, 3)[:, :2])))


def solve_constant_matrix(x):
    return np.sum(np.linalg.solve(np.array([[2.0, 1.0], [0.5, 3.0]]), x.reshape(2, 2)) ** 3)


def solve_stacked(x):
    stack = x[:8].reshape(2, 2, 2) + 3.0 * np.eye(2)
    return np.sum(np.linalg.solve(stack, x[8:].reshape(2, 2, 1)) ** 2)


def solve_stack_one_vector(x):
    stack = x.reshape(2, 2, 2) + 3.0 * np.eye(2)
    return np.sum(np.linalg.solve(stack, x[:2]) ** 3)


def power_squared(x):
    return np.sum(np.linalg.matrix_power(x.reshape(3, 3), 2) * np.arange(9.0).reshape(3, 3))


def power_cubed_stacked(x):
    return np.sum(np.sin(np.linalg.matrix_power(x.reshape(2, 2, 2), 3)))


def chained(x):
    m = x.reshape(3, 3)
    return np.sum(np.linalg.multi_dot([m, np.cos(m), m.T]) ** 2)


def chained_vectors(x):
    m = x[:6].reshape(2, 3)
    return np.linalg.multi_dot([x[6:8], m, np.arange(1.0, 10.0).reshape(3, 3), x[:3]]) ** 2


def _spd(x):
    m = x.reshape(3, 3)
    return m @ m.T + 2.0 * np.eye(3)


def cholesky_squares(x):
    return np.sum(np.linalg.cholesky(_spd(x)) ** 2 * np.arange(9.0).reshape(3, 3))


def cholesky_log_determinant(x):
    return 2.0 * np.sum(np.log(np.diagonal(np.linalg.cholesky(_spd(x)))))


def cholesky_upper(x):
    return np.sum(np.sin(np.linalg.cholesky(_spd(x), upper=True)))


def cholesky_stacked(x):
    s = x.reshape(2, 2, 2)
    return np.sum(np.linalg.cholesky(s @ np.swapaxes(s, -1, -2) + np.eye(2)) ** 3)


def cholesky_lower_triangle_read(x):
    m = x.reshape(3, 3) + 4.0 * np.eye(3)  # not symmetric: NumPy reads the lower triangle
    return np.sum(np.cos(np.linalg.cholesky(m)))


def eigenvalues_cubed(x):
    return np.sum(np.linalg.eigvalsh(x.reshape(3, 3)) ** 3)


def eigenvalues_upper(x):
    w = np.linalg.eigvalsh(x.reshape(3, 3) * np.arange(1.0, 10.0).reshape(3, 3), UPLO="U")
    return np.sum(np.exp(w) * np.array([1.0, -0.5, 2.0]))


def eigenvalues_stacked(x):
    s = x.reshape(2, 2, 2)
    return np.sum(np.sin(np.linalg.eigvalsh(s + np.swapaxes(s, -1, -2))))


def exponential(x):
    return np.sum(scipy.linalg.expm(x.reshape(3, 3)) ** 2)


def exponential_stacked(x):
    return np.sum(np.sin(scipy.linalg.expm(0.5 * x.reshape(2, 2, 2))) * x.reshape(2, 2, 2))


def scipy_determinant_and_inverse(x):
    m = _matrix(x)
    return scipy.linalg.det(m) * np.sum(scipy.linalg.inv(m) ** 2)


def scipy_cholesky(x):
    return np.sum(scipy.linalg.cholesky(_spd(x), lower=True) ** 3) + np.sum(
        np.cos(scipy.linalg.cholesky(_spd(x))))


def softmax_weighted(x):
    return np.sum(scipy.special.softmax(x) * np.arange(4.0) * x)


def softmax_rows(x):
    weights = np.arange(6.0).reshape(2, 3)
    return np.sum(scipy.special.softmax(x.reshape(2, 3), axis=1) ** 2 * weights)


def log_softmax_columns(x):
    return np.sum(scipy.special.log_softmax(x.reshape(2, 3), axis=0) ** 2)


def logsumexp_all(x):
    return scipy.special.logsumexp(x) ** 2


def logsumexp_rows(x):
    return np.sum(scipy.special.logsumexp(x.reshape(2, 3), axis=1) * np.array([1.0, -2.0]))


def logsumexp_kept(x):
    m = x.reshape(2, 3)
    return np.sum(np.exp(m - scipy.special.logsumexp(m, axis=0, keepdims=True)) * m)


def _normal(n):
    return lambda rng: (rng.normal(size=n),)


def _away_from_zero(n):
    return lambda rng: (rng.uniform(0.5, 1.5, size=n) * rng.choice([-1.0, 1.0], size=n),)


def _small(n):
    return lambda rng: (0.3 * rng.normal(size=n),)


CASES = [
    (einsum_chain, _normal(4)), (einsum_with_a_constant, _normal(6)),
    (einsum_interleaved, _normal(6)), (einsum_trace, _normal(9)), (einsum_three, _normal(3)),
    (einsum_batched, _normal(8)), (einsum_broadcast, _small(9)),
    (dot_vectors, _normal(4)), (dot_matrix_vector, _normal(4)), (dot_matrices, _normal(6)),
    (softmax_weighted, _normal(4)), (softmax_rows, _normal(6)), (log_softmax_columns, _normal(6)),
    (inner_vectors, _normal(4)), (inner_matrix, _normal(6)), (inner_scalar, _normal(3)),
    (cross_3, _normal(6)), (cross_columns, _normal(6)), (cross_stacked, _normal(6)),
    (convolve_full, _normal(4)), (convolve_same, _normal(5)),
    (convolve_valid_short, _normal(4)),
    (prod_all, _away_from_zero(4)), (prod_rows, _away_from_zero(6)),
    (prod_method, _away_from_zero(6)),
    (det_plain, _small(9)), (det_squared, _small(9)), (det_stacked, _normal(8)),
    (slogdet_log, _small(9)), (slogdet_stacked, _normal(8)),
    (solve_vector, _small(9)), (solve_matrix, _small(9)), (solve_constant_matrix, _normal(4)),
    (solve_stacked, _small(12)), (solve_stack_one_vector, _small(8)),
    (power_squared, _normal(9)), (power_cubed_stacked, _small(8)),
    (chained, _small(9)), (chained_vectors, _normal(8)),
    (cholesky_squares, _normal(9)), (cholesky_log_determinant, _normal(9)),
    (cholesky_upper, _normal(9)), (cholesky_stacked, _normal(8)),
    (cholesky_lower_triangle_read, _small(9)),
    (eigenvalues_cubed, _normal(9)), (eigenvalues_upper, _small(9)),
    (eigenvalues_stacked, _normal(8)),
    (exponential, _small(9)), (exponential_stacked, _normal(8)),
    (scipy_determinant_and_inverse, _small(9)), (scipy_cholesky, _normal(9)),
    (logsumexp_all, _normal(4)), (logsumexp_rows, _normal(6)), (logsumexp_kept, _normal(6)),
]
IDS = [f.__name__ for f, _ in CASES]


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_hessian_and_hvp_match_differences_of_the_gradient(index):
    fn, make = CASES[index]
    rng = np.random.default_rng(index)
    check_second_order(fn, make(rng), rng, nonzero=True)


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_reverse_over_reverse_matches_differences_of_the_gradient(index):
    fn, make = CASES[index]
    args = make(np.random.default_rng(100 + index))
    check_reverse_over_reverse(fn, args)


def test_grad_of_grad_of_a_determinant_in_closed_form():
    def f(a):
        return np.linalg.det(a * np.eye(3))  # a ** 3

    second = pullback.grad(pullback.grad(f))
    for a in (0.5, 2.0, -3.0):
        assert second(a) == pytest.approx(6.0 * a, rel=1e-12)


@pytest.mark.parametrize("fn, n", [
    (convolve_full, 5), (convolve_same, 5), (cross_3, 6), (cross_stacked, 6),
    (eigenvalues_upper, 9), (eigenvalues_stacked, 8), (exponential_stacked, 8),
    (scipy_determinant_and_inverse, 9), (scipy_cholesky, 9), (power_cubed_stacked, 8),
    (chained, 9), (chained_vectors, 8),
    (lambda x: np.sum(np.linalg.matrix_power(_matrix(x), -2) ** 2), 9)])
def test_jvp_matches_differences(fn, n):
    rng = np.random.default_rng(5)
    x, v = 0.5 * rng.normal(size=n), rng.normal(size=n)
    value, tangent = pullback.jvp(fn)(x, v)
    h = 1e-6
    assert value == pytest.approx(fn(x))
    assert tangent == pytest.approx((fn(x + h * v) - fn(x - h * v)) / (2 * h), rel=1e-6)


@pytest.mark.parametrize("fn, x, match", [
    (prod_all, np.array([0.5, 0.0, 2.0, 1.0]), "np.prod of an array with zeros"),
    (det_plain, np.array([-3.0, 0, 0, 0, -2.0, 0, 0, 0, 1.0]), "np.linalg.det at a singular"),
    (lambda x: np.sum(np.linalg.matrix_power(_matrix(x), -2) ** 2), np.zeros(9),
     "negative power"),
])
def test_second_derivative_where_it_is_not_derived_is_refused(fn, x, match):
    pullback.grad(fn)(x)  # the gradient itself is fine
    with pytest.raises(pullback.PullbackError, match=match):
        pullback.hvp(fn)(x, np.ones(len(x)))
