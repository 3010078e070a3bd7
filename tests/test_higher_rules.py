"""Second order through the gradients of np.kron, np.tril / np.triu, np.trace, np.take,
np.diff, np.median / np.quantile / np.percentile, abs and np.abs, np.real, np.hstack,
np.vstack, a power's exponent, np.linalg.inv and np.tensordot, of the
2-norm and the Frobenius norm (np.linalg.norm) and of np.cumprod of an array without zeros
(their helpers' rules in rules/higher.py), and forward mode through np.fft.fftshift /
ifftshift (their tangent in rules/fft.py), np.diff and the quantiles: hessian, hvp and
reverse over reverse against central differences of the gradient, jvp against central
differences of f, each function in more than one spelling."""

from __future__ import annotations

import numpy as np
import pytest
from test_higher import check_reverse_over_reverse, check_second_order

import pullback


def shifted(x):
    return np.sum(np.fft.fftshift(x) * np.arange(1.0, 6.0) * x)


def shifted_back(x):
    return np.sum(np.sin(np.fft.ifftshift(x)) * x ** 2)


def shifted_axes(x):
    m = x.reshape(2, 3)
    return np.sum(np.fft.fftshift(m, axes=1) ** 3 * np.arange(6.0).reshape(2, 3))


def shifted_both(x):
    return np.sum(np.fft.ifftshift(x.reshape(2, 3)) * np.cos(x.reshape(2, 3)))


def _matrix(x):
    return x.reshape(2, 2) + 3.0 * np.eye(2)


def inverse_weighted(x):
    return np.sum(np.linalg.inv(_matrix(x)) * x.reshape(2, 2))


def inverse_squared(x):
    inverse = np.linalg.inv(_matrix(x))
    return np.sum(inverse @ inverse)


def inverse_solve(x):
    return np.sum(np.linalg.inv(_matrix(x)) @ np.array([1.0, -2.0]) * x[:2])


def inverse_stacked(x):
    stack = x.reshape(2, 2, 2) + 4.0 * np.eye(2)
    return np.sum(np.sin(np.linalg.inv(stack)))


def contracted(x):
    m = x.reshape(2, 2)
    return np.sum(np.tensordot(m, m, 1) ** 2)


def contracted_all(x):
    m = x.reshape(2, 2)
    return np.tensordot(m, np.sin(m)) * np.sum(x)


def contracted_axes(x):
    a = x[:6].reshape(2, 3)
    b = np.arange(1.0, 7.0).reshape(3, 2)
    return np.sum(np.tensordot(a, b, axes=([1], [0])) ** 3)


def contracted_constant_first(x):
    b = x.reshape(2, 3)
    return np.sum(np.cos(np.tensordot(np.arange(1.0, 5.0).reshape(2, 2), b, axes=1)))


def norm_times_sum(x):
    return np.linalg.norm(x) * np.sum(x)


def row_norms(x):
    return np.sum(np.linalg.norm(x.reshape(2, 3), axis=1) ** 3 * np.array([1.0, 2.0]))


def frobenius(x):
    return np.sin(np.linalg.norm(x.reshape(2, 2), "fro")) * x[0]


def normalized_columns(x):
    m = x.reshape(3, 2)
    weights = np.arange(6.0).reshape(3, 2)
    return np.sum(m / np.linalg.norm(m, ord=2, axis=0, keepdims=True) * weights)


def norm_of_a_stack(x):
    return np.linalg.norm(x.reshape(2, 2, 2)) ** 2 + np.linalg.norm(np.cos(x))


def cumulative(x):
    return np.sum(np.cumprod(x) * x)


def cumulative_rows(x):
    return np.sum(np.sin(np.cumprod(x.reshape(2, 3), axis=1)))


def cumulative_flattened(x):
    return np.sum(np.cumprod(x.reshape(3, 2)) ** 2 * np.arange(1.0, 7.0))


def cumulative_columns(x):
    m = x.reshape(3, 2)
    return np.sum(np.cumprod(m * m + 0.5, axis=0)[-1] * m[0])


def lower_triangle(x):
    return np.sum(np.sin(np.tril(x.reshape(3, 3))) * x.reshape(3, 3))


def upper_band(x):
    return np.sum(np.triu(x.reshape(3, 3), -1) ** 3)


def triangle_of_a_vector(x):
    return np.sum(np.tril(x, 1) ** 2 * np.arange(9.0).reshape(3, 3))


def triangles_of_a_stack(x):
    return np.sum(np.cos(np.triu(x.reshape(2, 2, 2))) * x.reshape(2, 2, 2))


def trace_squared(x):
    return np.trace(np.outer(x, x) * x) ** 2


def trace_off_diagonal(x):
    m = x.reshape(3, 3)
    return np.sin(np.trace(m * m, 1)) + np.trace(m @ m)


def trace_of_a_stack(x):
    return np.sum(np.trace(x.reshape(2, 2, 2), axis1=1, axis2=2) ** 3)


def taken(x):
    return np.sum(np.take(x, [0, 2, 2, -1]) ** 3)


def taken_columns(x):
    return np.sum(np.sin(np.take(x.reshape(2, 3), [2, 0, 2], axis=1)) * x[:2].reshape(2, 1))


def taken_wrapped(x):
    return np.sum(np.take(x, [-1, 5, 0], mode="wrap") ** 2 * x[:3]) + np.sum(
        np.take(x, [0, 7], mode="clip") ** 3)


def kron_square(x):
    return np.sum(np.kron(x, x) ** 2 * np.arange(9.0))


def kron_matrices(x):
    m = x.reshape(2, 3)
    return np.sum(np.sin(np.kron(m[:, :2], m)))


def kron_with_a_constant(x):
    return np.sum(np.kron(np.array([[1.0], [-0.5]]), x.reshape(2, 2)) ** 3) + np.sum(
        np.kron(x, np.array([2.0, -1.0])) ** 3)


def differences(x):
    return np.sum(np.diff(x * np.arange(1.0, 6.0) + x ** 2) ** 3)


def second_differences_of_rows(x):
    return np.sum(np.sin(np.diff(x.reshape(2, 3), n=2, axis=1)) * x[:2])


def differences_with_ends(x):
    return np.sum(np.diff(x, prepend=x[-1], append=np.array([0.5, -1.0])) ** 2 * x[0]) + \
        np.sum(np.diff(x.reshape(3, 2), axis=0, prepend=x[:2].reshape(1, 2) * 2.0) ** 3)


def median_times(x):
    return np.median(x) * np.sum(x ** 2)


def median_rows(x):
    return np.sum(np.median(x.reshape(2, 3) ** 2, axis=1, keepdims=True) * x.reshape(2, 3))


def quantiles(x):
    m = x.reshape(2, 3)
    return np.sum(np.quantile(m, [0.3, 0.8], axis=0) ** 3) + np.percentile(x, 40.0) * x[1]


def absolute(x):
    return np.sum(np.abs(x) ** 3) + abs(x[0] * x[1]) * x[2]


def real_part(x):
    return np.sum(np.real(x * x) ** 2)


def stacked_sideways(x):
    return np.sum(np.hstack([x, x ** 2, np.array([1.0])]) ** 3) + np.sum(
        np.sin(np.hstack([x.reshape(2, 2), x.reshape(2, 2) * 2.0])))


def stacked_rows(x):
    return np.sum(np.vstack([x, np.cos(x)]) ** 3 * np.arange(8.0).reshape(2, 4))


def powers_of_the_exponent(x):
    return np.sum(np.power(x ** 2 + 1.0, x)) + np.sum(2.0 ** x) + x[0] ** x[1] ** 2


CASES = [
    (kron_square, lambda rng: (rng.normal(size=3),)),
    (kron_matrices, lambda rng: (rng.normal(size=6),)),
    (kron_with_a_constant, lambda rng: (rng.normal(size=4),)),
    (lower_triangle, lambda rng: (rng.normal(size=9),)),
    (upper_band, lambda rng: (rng.normal(size=9),)),
    (triangle_of_a_vector, lambda rng: (rng.normal(size=3),)),
    (triangles_of_a_stack, lambda rng: (rng.normal(size=8),)),
    (trace_squared, lambda rng: (rng.normal(size=3),)),
    (trace_off_diagonal, lambda rng: (rng.normal(size=9),)),
    (trace_of_a_stack, lambda rng: (rng.normal(size=8),)),
    (taken, lambda rng: (rng.normal(size=4),)),
    (taken_columns, lambda rng: (rng.normal(size=6),)),
    (taken_wrapped, lambda rng: (rng.normal(size=4),)),
    (shifted, lambda rng: (rng.normal(size=5),)),
    (shifted_back, lambda rng: (rng.normal(size=5),)),
    (shifted_axes, lambda rng: (rng.normal(size=6),)),
    (shifted_both, lambda rng: (rng.normal(size=6),)),
    (inverse_weighted, lambda rng: (rng.normal(size=4),)),
    (inverse_squared, lambda rng: (rng.normal(size=4),)),
    (inverse_solve, lambda rng: (rng.normal(size=4),)),
    (inverse_stacked, lambda rng: (rng.normal(size=8),)),
    (contracted, lambda rng: (rng.normal(size=4),)),
    (contracted_all, lambda rng: (rng.normal(size=4),)),
    (contracted_axes, lambda rng: (rng.normal(size=6),)),
    (contracted_constant_first, lambda rng: (rng.normal(size=6),)),
    (norm_times_sum, lambda rng: (rng.normal(size=4),)),
    (row_norms, lambda rng: (rng.normal(size=6),)),
    (frobenius, lambda rng: (rng.normal(size=4),)),
    (normalized_columns, lambda rng: (rng.normal(size=6),)),
    (norm_of_a_stack, lambda rng: (rng.normal(size=8),)),
    (cumulative, lambda rng: (rng.uniform(0.5, 1.5, size=5) * rng.choice([-1, 1], size=5),)),
    (cumulative_rows, lambda rng: (rng.uniform(0.5, 1.5, size=6),)),
    (cumulative_flattened, lambda rng: (rng.uniform(-1.5, -0.5, size=6),)),
    (cumulative_columns, lambda rng: (rng.normal(size=6),)),
    (differences, lambda rng: (rng.normal(size=5),)),
    (second_differences_of_rows, lambda rng: (rng.normal(size=6),)),
    (differences_with_ends, lambda rng: (rng.normal(size=6),)),
    (median_times, lambda rng: (rng.normal(size=5),)),
    (median_rows, lambda rng: (rng.normal(size=6),)),
    (quantiles, lambda rng: (rng.normal(size=6),)),
    (absolute, lambda rng: (rng.uniform(0.5, 1.5, size=4) * rng.choice([-1.0, 1.0], size=4),)),
    (real_part, lambda rng: (rng.normal(size=4),)),
    (stacked_sideways, lambda rng: (rng.normal(size=4),)),
    (stacked_rows, lambda rng: (rng.normal(size=4),)),
    (powers_of_the_exponent, lambda rng: (rng.uniform(0.5, 1.5, size=4),)),
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


@pytest.mark.parametrize("shift", [np.fft.fftshift, np.fft.ifftshift], ids=["fft", "ifft"])
@pytest.mark.parametrize("axes", [None, 0, (1,)])
def test_jvp_of_a_shift_matches_differences(shift, axes):
    def f(x):
        return np.fft.fftshift(np.sin(x), axes=axes) if shift is np.fft.fftshift \
            else np.fft.ifftshift(np.sin(x), axes=axes)

    rng = np.random.default_rng(7)
    x, v = rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    value, tangent = pullback.jvp(f)(x, v)
    h = 1e-6
    np.testing.assert_allclose(value, f(x))
    np.testing.assert_allclose(tangent, (f(x + h * v) - f(x - h * v)) / (2 * h),
                               rtol=1e-6, atol=1e-8)
    # and the tangent is the shifted tangent of sin, not the shifted value
    np.testing.assert_allclose(tangent, shift(np.cos(x) * v, axes=axes), rtol=1e-12)


def test_grad_of_grad_through_an_inverse_in_closed_form():
    def f(a):
        return np.sum(np.linalg.inv(a * np.eye(1)))  # 1 / a, as a 1 x 1 matrix

    second = pullback.grad(pullback.grad(f))
    for a in (0.5, 2.0, -3.0):
        assert second(a) == pytest.approx(2.0 / a ** 3, rel=1e-12)


def test_second_order_helpers_refuse_complex_values():
    from pullback.rules import higher

    m = np.array([[2.0, 1j], [0.5, 3.0]])
    with pytest.raises(pullback.PullbackError, match="complex values"):
        higher.inv_grad_tangent_inverse(np.eye(2), np.eye(2), np.linalg.inv(m))
    with pytest.raises(pullback.PullbackError, match="complex values"):
        higher.tensordot_grad_adjoint_d(np.eye(2), 0, m, m, 1)


@pytest.mark.parametrize("order", [1, np.inf, 3])
def test_second_derivative_through_another_norm(order):
    """(tests/test_higher11_norms.py checks every norm against differences)"""
    def f(x):
        return np.linalg.norm(x, order) * np.sum(x)

    x = np.array([0.3, -1.2, 0.5])
    v = np.array([0.2, 1.0, -0.7])
    np.testing.assert_allclose(pullback.hvp(f)(x, v), pullback.hessian(f)(x) @ v, rtol=1e-12)


def test_second_derivative_through_a_cumulative_product_with_a_zero_is_refused():
    x = np.array([0.5, 0.0, 2.0])
    pullback.grad(cumulative)(x)  # the gradient itself is fine
    with pytest.raises(pullback.PullbackError, match="np.cumprod of an array with zeros"):
        pullback.hvp(cumulative)(x, np.ones(3))


@pytest.mark.parametrize("batched", [False, True])
def test_jvp_of_kron_matches_differences(batched):
    def f(a, b):
        return np.kron(a, b) * np.kron(b, a)

    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(2, 3)), rng.normal(size=3)
    directions = [(rng.normal(size=a.shape), rng.normal(size=b.shape)) for _ in range(3)]
    h = 1e-6
    expected = [(f(a + h * da, b + h * db) - f(a - h * da, b - h * db)) / (2 * h)
                for da, db in directions]
    jvp = pullback.jvp(f, wrt=(0, 1), batched=batched)
    if batched:
        value, tangents = jvp(a, b, tuple(np.stack(part) for part in zip(*directions)))
    else:
        value, tangents = None, []
        for direction in directions:
            value, tangent = jvp(a, b, direction)
            tangents.append(tangent)
    np.testing.assert_allclose(value, f(a, b))
    np.testing.assert_allclose(np.stack(tangents), np.stack(expected), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("fn", [differences, differences_with_ends, median_rows, quantiles])
def test_jvp_of_differences_and_quantiles_matches_differences(fn):
    rng = np.random.default_rng(11)
    n = 5 if fn is differences else 6
    x, v = rng.normal(size=n), rng.normal(size=n)
    value, tangent = pullback.jvp(fn)(x, v)
    h = 1e-6
    assert value == pytest.approx(fn(x))
    assert tangent == pytest.approx((fn(x + h * v) - fn(x - h * v)) / (2 * h), rel=1e-6)
