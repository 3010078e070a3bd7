"""scipy.linalg's LU factorization (rules/scipy_lu.py): grad, jvp, hvp, hessian and grad
of grad against central differences, in several spellings; refusals located."""

import numpy as np
import pytest
from fd import numeric_grad

import pullback

sl = pytest.importorskip("scipy.linalg")

RNG = np.random.default_rng(12)
A = RNG.normal(size=(4, 4))
B = RNG.normal(size=(4, 2))
b = RNG.normal(size=4)
W = RNG.normal(size=(4, 4))
V = RNG.normal(size=(4, 4))


def fd(f, x):
    """Central differences of scalar f at array x (tests/fd.py's)."""
    return numeric_grad(f, (x,))


def packed(a):
    lu, piv = sl.lu_factor(a)
    return np.sum(np.sin(lu) * W)


def packed_indexed(a):
    pair = sl.lu_factor(a, check_finite=False)
    return np.sum(pair[0] ** 2 * W)


def solved(a):
    return np.sum(np.sin(sl.lu_solve(sl.lu_factor(a), b)))


def solved_transposed(a):
    return np.sum(np.cos(sl.lu_solve(sl.lu_factor(a), B, trans=1)))


def solved_both(a):
    x = sl.lu_solve(sl.lu_factor(a), a[:, 0] * 2.0, trans=2)
    return np.sum(x ** 2)


def solved_named(a):
    lu, piv = sl.lu_factor(a + 3.0 * np.eye(4))
    return np.sum(np.tanh(sl.lu_solve((lu, piv), b=a @ b, trans=1)))


def factors(a):
    P, L, U = sl.lu(a)
    return np.sum(np.sin(L) * W) + np.sum(U ** 2) + np.sum(P @ L @ U * W)


def factors_permuted(a):
    PL, U = sl.lu(a, permute_l=True)
    return np.sum(np.sin(PL) * W) + np.sum(np.cos(U))


def factors_indices(a):
    p, L, U = sl.lu(a, p_indices=True)
    return np.sum(np.tanh(L @ U * W)) + np.sum(L ** 3)


def upper_only(a):
    return np.sum(sl.lu(a)[2] ** 2)


FUNCTIONS = [packed, packed_indexed, solved, solved_transposed, solved_both, solved_named,
             factors, factors_permuted, factors_indices, upper_only]


def _close(x, y, tol=1e-6):
    assert np.max(np.abs(np.asarray(x) - np.asarray(y))) <= tol * (1 + np.max(np.abs(y)))


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_grad_and_jvp(f):
    expected = fd(f, A)
    _close(pullback.grad(f)(A), expected)
    _close(pullback.jvp(f)(A, V)[1], np.sum(expected * V))


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_second_order(f):
    expected = fd(lambda x: np.sum(pullback.grad(f)(x) * V), A)
    hv = pullback.hvp(f)(A, V)
    _close(hv, expected, 1e-5)
    _close(pullback.hessian(f)(A).reshape(16, 16) @ V.ravel(), hv.ravel())
    _close(pullback.grad(lambda x: np.sum(pullback.grad(f)(x) * V))(A), hv)


def test_lu_solve_gradient_in_b():
    lu_piv = sl.lu_factor(A)

    def f(rhs):
        return np.sum(np.sin(sl.lu_solve(lu_piv, rhs, trans=1)))

    _close(pullback.grad(f)(B), fd(f, B))
    _close(pullback.hvp(f)(B, B), fd(lambda x: np.sum(pullback.grad(f)(x) * B), B), 1e-5)


def test_the_pivots_carry_no_gradient():
    def f(a):
        lu, piv = sl.lu_factor(a)
        return np.sum(lu) + np.sum(piv)

    _close(pullback.grad(f)(A), fd(f, A))


def _refused(f, construct):
    with pytest.raises(pullback.PullbackError) as info:
        pullback.grad(f)(A)
    message = str(info.value)
    assert construct in message and __file__.rsplit("/", 1)[-1] in message


def test_refusals_are_located():
    def overwrite(a):
        return np.sum(sl.lu_factor(a, overwrite_a=True)[0])

    def rectangular(a):
        return np.sum(sl.lu(np.vstack([a, a[:1]]))[1])

    def rectangular_factor(a):
        return np.sum(sl.lu_factor(a[:2])[0])

    def complex_matrix(a):
        return np.sum(np.abs(sl.lu_factor(a * 1j)[0]))

    _refused(overwrite, "lu_factor")
    _refused(rectangular, "scipy.linalg.lu of an array of shape (5, 4)")
    _refused(rectangular_factor, "shape (2, 4)")
    _refused(complex_matrix, "complex")
