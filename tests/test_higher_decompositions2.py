"""Second order through the gradients of scipy.linalg's sqrtm, solve_sylvester,
solve_banded, cho_factor and cho_solve, and np.linalg's svd, eig, qr and lstsq: hessian,
hvp and (for array gradients) reverse over reverse against central differences of the
gradient, each in several spellings (which argument is differentiated, vector and matrix
right-hand sides, lower and upper factors, options), and the primal tangents (jvp)
against differences of the function."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from test_higher import check_reverse_over_reverse, check_second_order

import pullback

A3 = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.5]])
B2 = np.array([[2.0, 0.3], [-0.4, 1.5]])
Q32 = np.array([[1.0, -0.5], [0.3, 2.0], [-1.2, 0.7]])
V3 = np.array([0.3, -1.0, 2.0])


def _spd(x, n=3):
    m = x.reshape(n, n)
    return m @ m.T + n * np.eye(n)


def sqrtm_entries(x):
    return np.sum(np.sin(scipy.linalg.sqrtm(_spd(x))))


def sqrtm_trace_product(x):
    s = scipy.linalg.sqrtm(A3 + 0.1 * x.reshape(3, 3))
    return np.trace(s @ s @ s) + np.sum(s[0] ** 2)


def sylvester_q(x):
    return np.sum(scipy.linalg.solve_sylvester(A3, B2, x.reshape(3, 2) * x[0]) ** 2)


def sylvester_a(x):
    return np.sum(np.cos(scipy.linalg.solve_sylvester(A3 + 0.2 * x.reshape(3, 3), B2, Q32)))


def sylvester_b(x):
    return np.sum(scipy.linalg.solve_sylvester(A3, B2 + 0.3 * x.reshape(2, 2), Q32) ** 3)


def sylvester_all(x):
    a = A3 + 0.1 * np.outer(x[:3], x[:3])
    return np.sum(np.tanh(scipy.linalg.solve_sylvester(a, B2 * x[3], Q32 * x[4])))


AB = np.array([[0.0, 0.5, -0.3, 0.2], [4.0, 3.0, 5.0, 3.5], [0.4, -0.2, 0.6, 0.0]])


def banded_b(x):
    return np.sum(scipy.linalg.solve_banded((1, 1), AB, x * x[0]) ** 2)


def banded_ab(x):
    ab = AB + 0.2 * np.outer(np.array([0.0, 1.0, -1.0]), x[:4]) * x[4:].sum()
    return np.sum(np.sin(scipy.linalg.solve_banded((1, 1), ab, np.array([1.0, -2, 0.5, 3]))))


def banded_both_matrix(x):
    ab = np.array([[5.0, 4.0, 6.0], [0.5, -0.3, 0.0]]) * (1 + 0.1 * x[:3])
    b = np.stack([x[3:], x[3:] ** 2], axis=1)
    return np.sum(scipy.linalg.solve_banded((1, 0), ab, b) ** 2)


def cho_factor_lower(x):
    c, low = scipy.linalg.cho_factor(_spd(x), lower=True)
    return np.sum(np.tril(c) ** 3)


def cho_factor_upper(x):
    c, low = scipy.linalg.cho_factor(_spd(x))
    return np.sum(np.sin(np.triu(c)))


def cho_solve_b(x):
    cf = scipy.linalg.cho_factor(A3)
    return np.sum(scipy.linalg.cho_solve(cf, x * x[1]) ** 2)


def cho_solve_both(x):
    cf = scipy.linalg.cho_factor(_spd(x), lower=True)
    return np.sum(np.cos(scipy.linalg.cho_solve(cf, x[:3])))


def cho_solve_matrix_upper(x):
    c, low = scipy.linalg.cho_factor(_spd(x))
    return np.sum(scipy.linalg.cho_solve((c, low), np.stack([x[:3], x[3:6]], 1)) ** 2)


SCIPY = [
    (sqrtm_entries, 9), (sqrtm_trace_product, 9), (sylvester_q, 6), (sylvester_a, 9),
    (sylvester_b, 4), (sylvester_all, 5), (banded_b, 4), (banded_ab, 8),
    (banded_both_matrix, 6), (cho_factor_lower, 9), (cho_factor_upper, 9),
    (cho_solve_b, 3), (cho_solve_both, 9), (cho_solve_matrix_upper, 9),
]
ARRAY_GRADIENTS = {sqrtm_entries, sqrtm_trace_product, sylvester_q, sylvester_a,
                   sylvester_b, sylvester_all, banded_b, banded_ab, cho_solve_b,
                   cho_solve_both}


def _args(n, seed):
    return (np.random.default_rng(seed).normal(size=n) * 0.5,)


@pytest.mark.parametrize("fn, n", SCIPY, ids=[f.__name__ for f, _ in SCIPY])
def test_scipy_decompositions_second_order(fn, n):
    rng = np.random.default_rng(n)
    check_second_order(fn, _args(n, 7), rng, nonzero=True)


@pytest.mark.parametrize("fn, n", [c for c in SCIPY if c[0] in ARRAY_GRADIENTS],
                         ids=[f.__name__ for f, _ in SCIPY if f in ARRAY_GRADIENTS])
def test_scipy_decompositions_reverse_over_reverse(fn, n):
    check_reverse_over_reverse(fn, _args(n, 11))


@pytest.mark.parametrize("fn, n", SCIPY, ids=[f.__name__ for f, _ in SCIPY])
def test_scipy_decompositions_jvp(fn, n):
    (x,) = _args(n, 5)
    v = np.random.default_rng(1).normal(size=n)
    value, tangent = pullback.jvp(fn)(x, v)
    h = 1e-6
    expected = (fn(x + h * v) - fn(x - h * v)) / (2 * h)
    np.testing.assert_allclose(value, fn(x), rtol=1e-12)
    np.testing.assert_allclose(tangent, expected, rtol=1e-6, atol=1e-7)


def test_cho_factor_tangent_leaves_the_unspecified_triangle_undefined():
    """The values cho_factor leaves in c's other triangle have no tangent (NaN): a
    forward derivative reading them is not a number, never a wrong one."""
    def f(x):
        c, _ = scipy.linalg.cho_factor(_spd(x), lower=True)
        return np.sum(c)

    _, tangent = pullback.jvp(f)(np.ones(9) * 0.3, np.ones(9))
    assert np.isnan(tangent)


def test_reverse_over_reverse_through_a_pair():
    """cho_factor's (c, lower) indexed in the function: the gradient of a pair flows
    through the first derivative's helpers, which take a pair's gradient."""
    check_reverse_over_reverse(cho_factor_lower, _args(9, 11))


# np.linalg.svd ---------------------------------------------------------------------------
M43 = np.array([[1.0, 0.2, -0.3], [0.4, 2.0, 0.1], [-0.5, 0.3, 3.0], [0.2, -0.1, 0.6]])


def svd_nuclear(x):
    return np.sum(np.linalg.svd(M43 + 0.3 * x.reshape(4, 3), compute_uv=False) ** 3)


def svd_values_of_full(x):
    u, s, vh = np.linalg.svd(x.reshape(3, 3) + np.diag([3.0, 1.5, 0.5]))
    return np.sum(np.sin(s))


def svd_vectors_thin(x):
    u, s, vh = np.linalg.svd(M43 + 0.3 * x.reshape(4, 3), full_matrices=False)
    return np.sum(u[:, 0] * np.arange(1.0, 5.0)) ** 2 + np.sum(vh[1] ** 3) + np.sum(s)


def svd_wide(x):
    u, s, vh = np.linalg.svd(M43.T + 0.3 * x.reshape(3, 4), full_matrices=False)
    return np.sum((u[:, :2] * s[:2]) @ vh[:2] * M43.T) + np.sum(np.abs(vh[0]) ** 3)


def svd_full_square(x):
    u, s, vh = np.linalg.svd(np.diag([4.0, 2.0, 1.0]) + 0.3 * x.reshape(3, 3))
    return np.sum(u @ np.diag(s ** 2) @ vh * x.reshape(3, 3)) + np.sum(np.cos(u[:, 1]))


def svd_full_tall_values(x):
    u, s, vh = np.linalg.svd(M43 + 0.3 * x.reshape(4, 3))
    return np.sum(u[:, :3] * np.arange(12.0).reshape(4, 3)) + np.sum(s ** 2 * vh[0])


def svd_hermitian_values(x):
    m = x.reshape(3, 3)
    return np.sum(np.linalg.svd(m + m.T + np.diag([5.0, -2.0, 1.0]), compute_uv=False,
                                hermitian=True) ** 2 * np.array([1.0, 2.0, 3.0]))


def svd_hermitian_vectors(x):
    m = x.reshape(3, 3)
    u, s, vh = np.linalg.svd(m + m.T + np.diag([5.0, -2.0, 1.0]), hermitian=True)
    return np.sum(s ** 3) + np.sum((u[:, 0] * vh[0]) * np.array([1.0, -1.0, 2.0]))


def svdvals_stacked(x):
    return np.sum(np.linalg.svdvals(x.reshape(3, 2)) * np.array([1.0, 0.3])) + np.sum(
        np.linalg.svdvals(x.reshape(1, 2, 3)) ** 3)


N3 = np.array([[3.0, 1.0, 0.4], [0.2, 1.5, -0.6], [0.1, 0.3, -1.0]])  # real eigenvalues


def eigvals_moments(x):
    return np.sum(np.linalg.eigvals(N3 + 0.2 * x.reshape(3, 3)) ** 3)


def eig_values_and_vectors(x):
    w, v = np.linalg.eig(N3 + 0.2 * x.reshape(3, 3))
    return np.sum(np.sin(w)) + (v[:, 0] @ np.array([1.0, 2.0, -1.0])) ** 2 \
        + np.sum(v[:, 2] ** 4)


def eig_vectors_only(x):
    v = np.linalg.eig(N3 * x[0] + np.diag(x[1:4]))[1]
    return np.sum((v * v[:, :1]) ** 2 * np.arange(9.0).reshape(3, 3))


def eig_stacked(x):
    m = np.stack([N3, N3.T + np.eye(3)]) + 0.2 * x.reshape(2, 3, 3)
    w, v = np.linalg.eig(m)
    return np.sum(w ** 2 * w[:, :1]) + np.sum(v[:, 1, :] ** 2 * v[:, 0, :])


def qr_both(x):
    q, r = np.linalg.qr(M43 + 0.3 * x.reshape(4, 3))
    return np.sum(q[:, 0] * np.arange(4.0)) ** 2 + np.sum(np.diag(r) ** 3)


def qr_r_only(x):
    return np.sum(np.linalg.qr(M43 * x[0] + 0.3 * x[1:].reshape(4, 3), mode="r") ** 2)


def qr_complete_square(x):
    q, r = np.linalg.qr(A3 + 0.3 * x.reshape(3, 3), mode="complete")
    return np.sum(np.sin(q @ r.T)) + np.sum(q * A3)


def lstsq_solution(x):
    sol = np.linalg.lstsq(M43 + 0.3 * x[:12].reshape(4, 3), x[12:] ** 2, rcond=None)[0]
    return np.sum(sol ** 3)


def lstsq_everything(x):
    sol, res, rank, sv = np.linalg.lstsq(M43 + 0.3 * x[:12].reshape(4, 3), x[12:], rcond=None)
    return np.sum(np.cos(sol)) + np.sum(res) * 2.0 + np.sum(sv ** 2 * sol)


def lstsq_matrix_rhs(x):
    b = np.stack([x[:4], x[4:] * 2.0], axis=1)
    sol, res, rank, sv = np.linalg.lstsq(M43, b ** 2, rcond=None)
    return np.sum(sol * sol[0]) + np.sum(res ** 2)


NUMPY = [(qr_both, 12), (qr_r_only, 13), (qr_complete_square, 9), (lstsq_solution, 16),
         (lstsq_everything, 16), (lstsq_matrix_rhs, 8), (eigvals_moments, 9),
         (eig_values_and_vectors, 9), (eig_vectors_only, 4),
         (eig_stacked, 18), (svdvals_stacked, 6), (svd_nuclear, 12), (svd_values_of_full, 9),
         (svd_vectors_thin, 12), (svd_wide, 12), (svd_full_square, 9),
         (svd_full_tall_values, 12), (svd_hermitian_values, 9), (svd_hermitian_vectors, 9)]


@pytest.mark.parametrize("fn, n", NUMPY, ids=[f.__name__ for f, _ in NUMPY])
def test_numpy_decompositions_second_order(fn, n):
    rng = np.random.default_rng(n)
    check_second_order(fn, _args(n, 7), rng, nonzero=True)


@pytest.mark.parametrize("fn, n", NUMPY, ids=[f.__name__ for f, _ in NUMPY])
def test_numpy_decompositions_jvp(fn, n):
    (x,) = _args(n, 5)
    v = np.random.default_rng(1).normal(size=n)
    value, tangent = pullback.jvp(fn)(x, v)
    h = 1e-6
    expected = (fn(x + h * v) - fn(x - h * v)) / (2 * h)
    np.testing.assert_allclose(value, fn(x), rtol=1e-12)
    np.testing.assert_allclose(tangent, expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("fn, n", [(svd_nuclear, 12), (svd_hermitian_values, 9),
                                   (svdvals_stacked, 6), (eigvals_moments, 9), (qr_r_only, 13)],
                         ids=["svd_nuclear", "svd_hermitian_values", "svdvals_stacked",
                              "eigvals_moments", "qr_r_only"])
def test_numpy_decompositions_reverse_over_reverse(fn, n):
    check_reverse_over_reverse(fn, _args(n, 11))


def test_svd_tangent_of_the_extra_vectors_is_undefined():
    """full_matrices=True on a tall matrix: U's extra columns are not unique; their
    tangent is NaN (the gradient refuses them), the others' are the thin SVD's."""
    du, ds, dvh = pullback.jvp(lambda a: np.linalg.svd(a))(M43, np.ones((4, 3)))[1]
    assert np.all(np.isnan(du[:, 3])) and not np.any(np.isnan(du[:, :3]))
    thin = pullback.jvp(lambda a: np.linalg.svd(a, full_matrices=False))(M43, np.ones((4, 3)))
    np.testing.assert_allclose(du[:, :3], thin[1][0], rtol=1e-12)
    np.testing.assert_allclose(ds, thin[1][1], rtol=1e-12)


@pytest.mark.parametrize("fn, n", [(qr_both, 12), (lstsq_solution, 16),
                                   (eig_values_and_vectors, 9), (svd_vectors_thin, 12)],
                         ids=["qr_both", "lstsq_solution", "eig", "svd"])
def test_reverse_over_reverse_through_a_decompositions_tuple(fn, n):
    """The factors' gradient is a tuple, taken apart by the first derivative's helpers
    (accum_index and item_grad take a tuple's gradient)."""
    check_reverse_over_reverse(fn, _args(n, 11))
