"""Second order through np.linalg.norm of every norm whose gradient it differentiates:
vector p-norms (p = 3, 1.5, -2), the nuclear norm (the derivative of the polar factor
U V^T, tall, wide and square, one matrix or a stack), and the norms whose gradient is
constant away from ties (vector 1, inf, -inf; matrix 1, -1, inf): hessian, hvp and
reverse over reverse against central differences of the gradient; closed forms for the
p-norm's Hessian and the 1-norm's zero curvature."""

import numpy as np
import pytest
from test_higher import check_reverse_over_reverse, check_second_order

import pullback
from pullback.errors import PullbackError

X = np.array([0.3, -1.2, 0.8, 1.5])
A = np.array([[0.9, -0.3, 0.4], [0.2, 1.1, -0.5], [0.3, 0.1, 0.7], [-0.4, 0.6, 0.2]])


def one_norm(x):
    return np.linalg.norm(x, 1) * np.sum(x ** 2)


def inf_norm(x):
    return np.linalg.norm(np.sin(x), np.inf) ** 2


def minus_inf_norm(x):
    return np.linalg.norm(x, ord=-np.inf) * np.linalg.norm(x)


def three_norm(x):
    return np.linalg.norm(x, 3)


def fractional_norm(x):
    return np.linalg.norm(x * x[0], ord=1.5) ** 2


def negative_norm(x):
    return np.linalg.norm(x, -2)


def rows_three_norm(a):
    return np.sum(np.linalg.norm(a, ord=3, axis=1) ** 2)


def nuclear(a):
    return np.linalg.norm(a, "nuc")


def nuclear_wide(a):
    return np.linalg.norm(a.T * 2.0, ord="nuc") ** 2


def nuclear_square(a):
    return np.linalg.norm(a[:3], "nuc") * np.sum(a)


def nuclear_stack(a):
    b = np.tanh(a)
    return np.sum(np.linalg.norm(a[None] * np.array([1.0, 2.0])[:, None, None] + b, "nuc",
                                 axis=(1, 2)) ** 2)


def matrix_one_norm(a):
    return np.linalg.norm(a, 1) * np.sum(a ** 2)


def matrix_inf_norms(a):
    return np.linalg.norm(a, np.inf) + np.linalg.norm(np.tanh(a), ord=-1) ** 2


def norm_in_a_loop(x):
    t = 0.0
    for p in (3, 4):
        t = t + np.linalg.norm(x * p, ord=p)
    return t


@pytest.mark.parametrize("fn, arg", [
    (one_norm, X), (inf_norm, X), (minus_inf_norm, X), (three_norm, X),
    (fractional_norm, X), (negative_norm, X), (rows_three_norm, A), (nuclear, A),
    (nuclear_wide, A), (nuclear_square, A), (nuclear_stack, A), (matrix_one_norm, A),
    (matrix_inf_norms, A), (norm_in_a_loop, X),
], ids=lambda v: getattr(v, "__name__", ""))
def test_hessian_hvp_and_reverse_over_reverse(fn, arg):
    check_second_order(fn, (arg,), np.random.default_rng(5), nonzero=True)
    check_reverse_over_reverse(fn, (arg,))


def test_p_norm_closed_form():
    """N = (sum |x|^p)^(1/p): H = (p-1) N^(1-p) diag(|x|^(p-2)) - (p-1) N^(1-2p) s s^T,
    s = sign(x) |x|^(p-1)."""
    p, N = 3.0, np.sum(np.abs(X) ** 3) ** (1 / 3)
    s = np.sign(X) * np.abs(X) ** (p - 1)
    H = (p - 1) * N ** (1 - p) * np.diag(np.abs(X) ** (p - 2)) \
        - (p - 1) * N ** (1 - 2 * p) * np.outer(s, s)
    np.testing.assert_allclose(pullback.hessian(three_norm)(X), H, rtol=1e-12, atol=1e-12)


def test_the_one_norm_has_no_curvature():
    np.testing.assert_array_equal(pullback.hessian(lambda x: np.linalg.norm(x, 1))(X),
                                  np.zeros((4, 4)))


def test_the_matrix_two_norm_at_a_repeated_singular_value_is_refused_with_its_ord():
    with pytest.raises(PullbackError, match="ord=2 of a matrix whose singular value"):
        pullback.hessian(lambda a: np.linalg.norm(a, 2))(np.eye(3))
