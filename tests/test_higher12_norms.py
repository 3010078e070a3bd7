"""Second order through the matrix 2- and -2-norms (np.linalg.norm(a, 2), ord=-2: the
largest and smallest singular value, whose gradient is u_k v_k^T): hessian, hvp and
reverse over reverse against central differences of the gradient, tall, wide and
square, over chosen axes, a stack, in a loop and in a callee; the closed form of the
largest singular value's Hessian of a diagonal matrix; a located refusal where the
singular value is repeated."""

import numpy as np
import pytest
from test_higher import check_reverse_over_reverse, check_second_order

import pullback
from pullback.errors import PullbackError

A = np.array([[0.9, -0.3, 0.4], [0.2, 1.1, -0.5], [0.3, 0.1, 0.7], [-0.4, 0.6, 0.2]])


def two_norm(a):
    return np.linalg.norm(a, 2)


def two_norm_wide(a):
    return np.linalg.norm(a.T * 2.0, ord=2) ** 2


def two_norm_square(a):
    return np.linalg.norm(a[:3], 2) * np.sum(a)


def minus_two_norm(a):
    return np.linalg.norm(a, -2)


def minus_two_norm_wide(a):
    return np.sin(np.linalg.norm(a.T, ord=-2))


def minus_two_norm_square(a):
    return np.linalg.norm(a[1:] + np.eye(3), -2) ** 2


def two_norm_axes(a):
    return np.linalg.norm(np.tanh(a), ord=2, axis=(1, 0)) * np.linalg.norm(a, -2, (0, 1))


def two_norm_stack(a):
    b = np.stack([a, np.tanh(a) + a ** 2])
    return np.sum(np.linalg.norm(b, 2, axis=(1, 2)) ** 2) + np.sum(
        np.linalg.norm(b, -2, axis=(2, 1), keepdims=True))


def two_norm_loop(a):
    t = 0.0
    for k in range(1, 3):
        t = t + np.linalg.norm(a * k + a ** 2, 2 if k == 1 else -2)
    return t


def _spectral(m):
    return np.linalg.norm(m, ord=2)


def two_norm_callee(a):
    return _spectral(a @ a.T + a[:, :1]) * _spectral(a)


@pytest.mark.parametrize("fn", [
    two_norm, two_norm_wide, two_norm_square, minus_two_norm, minus_two_norm_wide,
    minus_two_norm_square, two_norm_axes, two_norm_stack, two_norm_loop, two_norm_callee,
], ids=lambda f: f.__name__)
def test_hessian_hvp_and_reverse_over_reverse(fn):
    check_second_order(fn, (A,), np.random.default_rng(11), nonzero=True)
    check_reverse_over_reverse(fn, (A,))


def test_largest_singular_value_of_a_diagonal_matrix_in_closed_form():
    """s_1 of diag(3, 2, 1) + E: the Hessian in E_ij is, for the pair (i, 1), (1, i)
    (i != 1), [[s1, s_i], [s_i, s1]] / (s1^2 - s_i^2); every other entry is zero."""
    s = np.array([3.0, 2.0, 1.0])
    H = pullback.hessian(two_norm)(np.diag(s)).reshape(9, 9)
    expected = np.zeros((9, 9))
    for i in (1, 2):
        block = np.array([[s[0], s[i]], [s[i], s[0]]]) / (s[0] ** 2 - s[i] ** 2)
        at = [3 * i, i]  # E[i, 0] and E[0, i] in the flattened matrix
        expected[np.ix_(at, at)] = block
    np.testing.assert_allclose(H, expected, atol=1e-12)


@pytest.mark.parametrize("ord", [2, -2])
def test_a_repeated_singular_value_is_refused_with_its_ord(ord):
    with pytest.raises(PullbackError, match=f"ord={ord} of a matrix whose singular value"):
        pullback.hvp(lambda a: np.linalg.norm(a, ord))(np.eye(3), np.ones((3, 3)))
