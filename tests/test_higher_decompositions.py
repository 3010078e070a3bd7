"""Second order through the gradients of scipy.signal's convolutions, the decompositions
and solvers (np.linalg.eigh, svd, pinv; scipy.linalg's solve, solve_triangular,
cho_factor / cho_solve), the FFTs and the special functions and distributions: hessian,
hvp and reverse over reverse against central differences of the gradient, each function
in several spellings (methods, modes, axes, stacks)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import scipy.signal
import scipy.special
from test_higher import check_reverse_over_reverse, check_second_order

import pullback

K = np.array([1.0, -2.0, 0.5])
K4 = np.array([0.3, -1.0, 2.0, 0.7])
K2 = np.array([[1.0, -0.5], [0.25, 2.0]])


def signal_full(x):
    return np.sum(scipy.signal.convolve(x, K) ** 2)


def signal_valid_self(x):
    return np.sum(np.sin(scipy.signal.convolve(x, x[:3], mode="valid")))


def signal_same_even(x):
    return np.sum(scipy.signal.convolve(K4, x, "same", method="direct") ** 3)


def signal_fft_method(x):
    return np.sum(np.cos(scipy.signal.convolve(x, x, method="fft")))


def signal_fftconvolve(x):
    return np.sum(scipy.signal.fftconvolve(x, K4, mode="same") ** 2 * x[0])


def signal_2d(x):
    m = x.reshape(3, 3)
    return np.sum(np.tanh(scipy.signal.convolve(m, K2 * m[0, 0], mode="valid")))


def correlate_full(x):
    return np.sum(scipy.signal.correlate(x, K4) ** 2)


def correlate_same_self(x):
    return np.sum(np.sin(scipy.signal.correlate(x, x[1:], mode="same")))


def correlate_valid_kernel(x):
    return np.sum(np.exp(0.3 * scipy.signal.correlate(K4 * 2.0, x[:3], "valid", "direct")))


def correlate_2d_same(x):
    m = x.reshape(2, 3)
    return np.sum(scipy.signal.correlate(m, m[:, :2], mode="same") ** 2)


def eigh_values_and_vectors(x):
    a = x.reshape(3, 3)
    w, v = np.linalg.eigh(a + a.T)
    return np.sum(w ** 3) + np.sum(v[:, 0] ** 4)


def eigh_upper(x):
    w, v = np.linalg.eigh(x.reshape(3, 3), UPLO="U")
    return np.sum(np.sin(v) * w)


def eigh_vectors_only(x):
    a = x.reshape(3, 3)
    v = np.linalg.eigh(a @ a.T + np.eye(3))[1]
    return np.sum(v[:, -1] * np.arange(1.0, 4.0)) ** 2


def eigh_stacked(x):
    s = x.reshape(2, 2, 2)
    w, v = np.linalg.eigh(s + np.swapaxes(s, -1, -2))
    return np.sum(w ** 2 * v[..., 0, :] ** 3)


def pinv_wide(x):
    return np.sum(np.linalg.pinv(x.reshape(2, 3)) ** 3)


def pinv_tall_method(x):
    a = x.reshape(3, 2)
    return np.sum(np.linalg.pinv(a) @ a[:, ::-1] * 1.5) + np.sum(np.linalg.pinv(a) ** 2)


def pinv_hermitian(x):
    return np.sum(np.sin(np.linalg.pinv(x.reshape(3, 3), hermitian=True)))


def pinv_stacked(x):
    return np.sum(np.cos(np.linalg.pinv(x.reshape(2, 2, 3))))


M = np.array([[3.0, 0.5, 0.2], [0.1, 2.5, -0.3], [0.4, 0.2, 2.0]])


def scipy_solve_general(x):
    return np.sum(scipy.linalg.solve(x[:9].reshape(3, 3) + M, x[9:]) ** 3)


def scipy_solve_positive_lower(x):
    a = x[:9].reshape(3, 3) + M
    return np.sum(scipy.linalg.solve(a, np.sin(x[9:]), assume_a="pos", lower=True) ** 3)


def scipy_solve_symmetric_matrix(x):
    a = x[:9].reshape(3, 3) + M
    return np.sum(scipy.linalg.solve(a, np.outer(x[9:], x[9:]) + M, assume_a="sym") ** 2)


def triangular_lower(x):
    a = x[:9].reshape(3, 3) + M
    return np.sum(scipy.linalg.solve_triangular(a, x[9:], lower=True) ** 3)


def triangular_unit_transposed(x):
    a = x[:9].reshape(3, 3) + M
    b = np.outer(x[9:], x[9:])
    return np.sum(np.cos(scipy.linalg.solve_triangular(a, b, trans="T", unit_diagonal=True)))


def triangular_upper_trans_1(x):
    a = x[:9].reshape(3, 3) + M
    return np.sum(scipy.linalg.solve_triangular(a, x[9:] * 3.0, trans=1) ** 4)


def fft_power(x):
    return np.sum(np.abs(np.fft.fft(x + 0.1)) ** 4)


def ifft_padded_real(x):
    return np.sum(np.fft.ifft(np.sin(x), n=6).real ** 3)


def rfft_weighted(x):
    return np.sum(np.abs(np.fft.rfft(x * x)) ** 2 * np.arange(3.0))


def rfft_then_irfft(x):
    return np.sum(np.fft.irfft(np.fft.rfft(x) * x[:3]) ** 3)


def fft2_ortho(x):
    return np.sum(np.abs(np.fft.fft2(x.reshape(2, 3), norm="ortho")) ** 3)


def fftn_axes(x):
    return np.sum(np.cos(np.fft.fftn(x.reshape(2, 3), axes=(1,)).real))


def complex_abs(x):
    return np.sum(np.abs(x * (1 + 2j) + 1j) ** 3)


def gammaln_times(x):
    return np.sum(scipy.special.gammaln(x) * x)


def gamma_and_digamma(x):
    return np.sum(scipy.special.gamma(x) + scipy.special.digamma(x) ** 2)


def bessel_and_erf(x):
    return np.sum(scipy.special.j0(x) * scipy.special.erf(x) + scipy.special.expit(x) ** 2)


def xlogy_pair(x):
    return np.sum(scipy.special.xlogy(x, x * x + 1.0) + scipy.special.polygamma(1, x))


def _positive(n):
    return lambda rng: (rng.uniform(0.5, 2.5, size=n),)


def _normal(n):
    return lambda rng: (rng.normal(size=n),)


def _small(n):
    return lambda rng: (0.3 * rng.normal(size=n),)


CASES = [
    (signal_full, _normal(4)), (signal_valid_self, _normal(5)), (signal_same_even, _normal(5)),
    (signal_fft_method, _normal(4)), (signal_fftconvolve, _normal(6)), (signal_2d, _normal(9)),
    (correlate_full, _normal(4)), (correlate_same_self, _normal(5)),
    (correlate_valid_kernel, _normal(4)), (correlate_2d_same, _normal(6)),
    (eigh_values_and_vectors, _normal(9)), (eigh_upper, _normal(9)),
    (eigh_vectors_only, _normal(9)), (eigh_stacked, _normal(8)),
    (pinv_wide, _normal(6)), (pinv_tall_method, _normal(6)), (pinv_hermitian, _normal(9)),
    (pinv_stacked, _normal(12)),
    (scipy_solve_general, _small(12)), (scipy_solve_positive_lower, _small(12)),
    (scipy_solve_symmetric_matrix, _small(12)), (triangular_lower, _small(12)),
    (triangular_unit_transposed, _small(12)), (triangular_upper_trans_1, _normal(12)),
    (fft_power, _normal(5)), (ifft_padded_real, _normal(5)), (rfft_weighted, _normal(5)),
    (rfft_then_irfft, _normal(4)), (fft2_ortho, _normal(6)), (fftn_axes, _normal(6)),
    (complex_abs, _normal(3)),
    (gammaln_times, _positive(3)), (gamma_and_digamma, _positive(3)),
    (bessel_and_erf, _normal(3)), (xlogy_pair, _positive(3)),
]
# reverse over reverse refuses the gradient of a pair (eigh's (w, V)) flowing through a
# helper (accum_index): hessian and hvp take it
PAIRS = {eigh_values_and_vectors, eigh_upper, eigh_vectors_only, eigh_stacked}
# reverse over reverse refuses the gradients of abs and np.real of complex values (hessian
# and hvp take them)
COMPLEX = {fft_power, ifft_padded_real, rfft_weighted, fft2_ortho, fftn_axes, complex_abs}
IDS = [f.__name__ for f, _ in CASES]


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_hessian_and_hvp_match_differences_of_the_gradient(index):
    fn, make = CASES[index]
    rng = np.random.default_rng(index)
    check_second_order(fn, make(rng), rng, nonzero=True)


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_reverse_over_reverse_matches_differences_of_the_gradient(index):
    fn, make = CASES[index]
    if fn in PAIRS or fn in COMPLEX:
        pytest.skip("refused: see PAIRS and COMPLEX")
    check_reverse_over_reverse(fn, make(np.random.default_rng(100 + index)))


@pytest.mark.parametrize("fn, n", [(signal_full, 4), (signal_2d, 9), (correlate_same_self, 5),
                                   (eigh_values_and_vectors, 9), (eigh_upper, 9),
                                   (eigh_stacked, 8), (pinv_wide, 6), (pinv_hermitian, 9),
                                   (pinv_stacked, 12), (scipy_solve_positive_lower, 12),
                                   (triangular_unit_transposed, 12), (fft_power, 5),
                                   (rfft_then_irfft, 4), (fft2_ortho, 6)])
def test_jvp_matches_differences(fn, n):
    rng = np.random.default_rng(5)
    x, v = rng.normal(size=n), rng.normal(size=n)
    value, tangent = pullback.jvp(fn)(x, v)
    h = 1e-6
    np.testing.assert_allclose(value, fn(x))
    np.testing.assert_allclose(tangent, (fn(x + h * v) - fn(x - h * v)) / (2 * h), rtol=1e-6)


def test_every_rule_helper_name_names_one_function():
    """Generated code binds a helper by its name: np.convolve's and scipy.signal's
    gradients had one name, so a second derivative through scipy.signal.convolve met
    np.convolve's helper (refused as a clash)."""
    from pullback.rules import HELPERS, RULES

    named = dict(HELPERS)
    for r in RULES.values():
        for name, function in r.functions:
            assert named.setdefault(name, function) is function, name


def _pair_dot(u, v):
    if isinstance(u, (list, tuple)):
        return sum(_pair_dot(a, b) for a, b in zip(u, v))
    return float(np.sum(np.asarray(u) * np.asarray(v)))


def test_eigh_grad_adjoints_are_the_transposes_of_its_tangents():
    """<g, tangent(t)> = <adjoint(g), t> for linalg_eigh_grad in its gradient d and in
    eigh's result (the reverse-over-reverse path, which a pair's gradient does not reach
    yet through accum_index)."""
    from pullback.rules import higher_decompositions as hd
    from pullback.rules.linalg import linalg_eigh_grad

    rng = np.random.default_rng(3)
    for uplo in ("L", "U"):
        a = rng.normal(size=(3, 3))
        made = np.linalg.eigh(a, UPLO=uplo)
        d = (rng.normal(size=3), rng.normal(size=(3, 3)))
        g = rng.normal(size=(3, 3))
        t_d = (rng.normal(size=3), rng.normal(size=(3, 3)))
        assert _pair_dot(g, linalg_eigh_grad(t_d, a, made, uplo)) == pytest.approx(
            _pair_dot(hd.eigh_grad_adjoint_d(g, d, a, made, uplo), t_d), rel=1e-10)
        t_made = (rng.normal(size=3), rng.normal(size=(3, 3)))
        assert _pair_dot(g, hd.eigh_grad_tangent_ans(t_made, d, a, made, uplo)) == \
            pytest.approx(_pair_dot(hd.eigh_grad_adjoint_ans(g, d, a, made, uplo), t_made),
                          rel=1e-10)


def test_eigh_tangent_at_repeated_eigenvalues_is_refused():
    def f(x):
        return np.sum(np.linalg.eigh(x * np.eye(2))[1])

    with pytest.raises(pullback.PullbackError, match="repeated values"):
        pullback.jvp(f)(1.0, 1.0)


def test_the_hessian_through_abs_of_complex_values_follows_the_complex_value():
    """abs_grad(d, x) = Re(d) conj(x) / |x| varies with a complex x: its tangent took it as
    constant (the sign of a real x), and hessian/hvp of complex_abs were 1.8 off."""
    x = np.array([0.3, -1.2])
    r = np.abs(x * (1 + 2j) + 1j)  # |z|^2 = 5x^2 + 4x + 1: (r^3)'' = 3 r (r r'' + 2 r'^2)
    rp, rpp = (5 * x + 2) / r, (5 * r * r - (5 * x + 2) ** 2) / r ** 3
    expected = np.diag(3 * r * (r * rpp + 2 * rp ** 2))
    np.testing.assert_allclose(pullback.hessian(complex_abs)(x), expected, rtol=1e-10)


def fft_padded(x):
    return np.sum(np.fft.irfft(np.fft.fft(x, n=6)[:4] * x[0], n=6) ** 2)


def hermitian_transforms(x):
    return np.sum(np.fft.hfft(x[:3] * x[1:4], n=4) ** 2) + np.sum(np.fft.ihfft(x ** 2).real)


@pytest.mark.parametrize("fn, n", [(rfft_then_irfft, 4), (fft_padded, 5),
                                   (hermitian_transforms, 4)])
def test_reverse_over_reverse_through_the_transforms(fn, n):
    """The transforms' gradient helpers are their transforms' adjoints, so the adjoint of
    each is the transform itself (with the same n: fft(x, n=6) of 5 values pads)."""
    x = np.random.default_rng(n).normal(size=n)
    check_reverse_over_reverse(fn, (x,))
    check_second_order(fn, (x,), np.random.default_rng(0), nonzero=True)
