"""scipy.linalg.lstsq, for a of full column rank: its solution, residues (one number for
a vector b), singular values, through a and b, in reverse, forward and second order,
against central differences; `cond` is refused where it is written."""

import numpy as np
import pytest
from fd import assert_grad_matches, assert_jvp_matches
from scipy import linalg
from test_higher import check_second_order

import pullback

A = np.array([[1.0, 0.2, 0.1], [0.3, 1.0, 0.0], [0.2, 0.1, 1.0], [0.5, 0.5, 0.5],
              [0.1, -0.3, 0.4]])


def solution_through_b(x):
    y = np.concatenate([x, x[:1] ** 2])
    sol, *_ = linalg.lstsq(A, y)
    return np.sum(sol ** 2) + sol[0]


def residue_through_a(x):
    sol, res, rank, sv = linalg.lstsq(A * x[:3], np.arange(1.0, 6.0))
    return res * x[3] + np.sum(sol) + rank * 0.0


def singular_values_and_matrix_b(x):
    M = A + np.outer(np.ones(5), x[:3]) * 0.1
    B = np.stack([np.arange(5.0), np.sin(np.arange(5.0) * x[3])], axis=1)
    sol, res, _, sv = linalg.lstsq(M, B)
    return np.sum(sol * sol) + np.sum(res) + sv[0] * sv[-1]


def square_system(x):
    M = A[:3] + np.diag(x[:3])
    sol = linalg.lstsq(M, x[1:], lapack_driver="gelsy")[0]
    return sol @ sol


@pytest.mark.parametrize("fn", [solution_through_b, residue_through_a,
                                singular_values_and_matrix_b, square_system],
                         ids=lambda f: f.__name__)
def test_grad_jvp_and_second_order(fn):
    x = np.array([0.7, -0.4, 1.1, 0.5])
    assert_grad_matches(fn, (x,))
    assert_jvp_matches(fn, (4,), 9)
    check_second_order(fn, (x,), np.random.default_rng(5))


def with_cond(x):
    return np.sum(linalg.lstsq(A, np.concatenate([x, x]), cond=1e-3)[0])


def test_a_cutoff_is_refused_where_written():
    with pytest.raises(pullback.errors.PullbackError) as info:
        pullback.grad(with_cond)(np.ones(3) * 0.5)
    assert "cond=1e-3" in str(info.value)
