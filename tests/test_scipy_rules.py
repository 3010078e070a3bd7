"""The numpy.fft and SciPy rules on whole programs: a spectral loss, a convolution by FFT,
complex inputs (autograd's convention: dL/dRe - i dL/dIm), float32 inputs, and the calls
they refuse. Each rule on its own is checked by the table walk in test_rules.py."""

import numpy as np
import pytest
from fd import assert_grad_matches, numeric_grad

import pullback

RNG = np.random.default_rng(7)


def complex_fd(f, z):
    """dL/dRe - i dL/dIm of a real f at the complex array z, by central differences."""
    d_re = numeric_grad(lambda re: f(re + 1j * z.imag), (z.real.copy(),))
    d_im = numeric_grad(lambda im: f(z.real + 1j * im), (z.imag.copy(),))
    return d_re - 1j * d_im


# ----------------------------------------------------------------------------- fft


def spectral_loss(x):
    return np.sum(np.abs(np.fft.rfft(x)) ** 2)


def fft_convolution(x, k):
    n = x.shape[0] + k.shape[0] - 1
    return np.sum(np.fft.irfft(np.fft.rfft(x, n) * np.fft.rfft(k, n), n) ** 2)


def fft_convolution_2d(image, kernel):
    spectrum = np.fft.fft2(image) * np.fft.fft2(kernel, s=image.shape)
    return np.sum(np.real(np.fft.ifft2(spectrum)) ** 2)


def power_spectrum_shifted(x):
    p = np.fft.fftshift(np.abs(np.fft.fftn(x, norm="ortho")) ** 2)
    return np.sum(p * np.arange(p.size).reshape(p.shape))


def test_spectral_loss_is_parseval():
    x = RNG.normal(size=8)
    g = assert_grad_matches(spectral_loss, (x,))
    # rfft keeps bins 0..4 of 8: |X_k|^2 summed once each, so not simply 2 n x
    assert not np.allclose(g, 2 * 8 * x)


@pytest.mark.parametrize("n, m", [(7, 3), (8, 4), (5, 5)])
def test_convolution_by_fft_matches_direct_convolution(n, m):
    x, k = RNG.normal(size=n), RNG.normal(size=m)
    assert np.isclose(fft_convolution(x, k), np.sum(np.convolve(x, k) ** 2))
    gx, gk = assert_grad_matches(fft_convolution, (x, k), wrt=(0, 1))
    # closed form: y = x * k, dL/dy = 2y, dL/dx = correlate(2y, k)
    y = np.convolve(x, k)
    assert np.allclose(gx, np.correlate(2 * y, k, "valid"))
    assert np.allclose(gk, np.correlate(2 * y, x, "valid"))


def test_two_dimensional_convolution_and_shifted_spectrum():
    assert_grad_matches(fft_convolution_2d, (RNG.normal(size=(4, 5)), RNG.normal(size=(2, 3))),
                        wrt=(0, 1))
    assert_grad_matches(power_spectrum_shifted, (RNG.normal(size=(3, 4)),))


@pytest.mark.parametrize("transform", [
    lambda z: np.fft.fft(z, 6, norm="ortho"), lambda z: np.fft.ifft(z),
    lambda z: np.fft.fft2(z.reshape(2, 3)), lambda z: np.fft.ifftn(z, s=(4,), axes=(0,)),
    lambda z: np.fft.irfft(z, 7), lambda z: np.fft.hfft(z, norm="forward"),
    lambda z: np.fft.fftshift(z)], ids=["fft", "ifft", "fft2", "ifftn", "irfft", "hfft", "shift"])
def test_complex_input_follows_autograd_convention(transform):
    weights = np.exp(0.9j * np.arange(10.0)) * np.arange(1.0, 11.0)

    def f(z):
        y = transform(z)
        return np.sum(np.real(y * weights[:y.size].reshape(y.shape)) ** 2)

    z = RNG.normal(size=6) + 1j * RNG.normal(size=6)
    g = pullback.grad(f)(z)
    assert g.dtype == np.complex128
    np.testing.assert_allclose(g, complex_fd(f, z), rtol=1e-5, atol=1e-7)


def test_float32_input_gets_a_float32_gradient():
    x = RNG.normal(size=8).astype(np.float32)
    g = pullback.grad(spectral_loss)(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, pullback.grad(spectral_loss)(x.astype(float)), rtol=1e-4)


def test_fft_refusals():
    def repeated(x):
        return np.sum(np.abs(np.fft.fftn(x, axes=(0, 0))))

    with pytest.raises(pullback.PullbackError, match="repeated axis"):
        pullback.grad(repeated)(RNG.normal(size=(3, 2)))

    def into_out(x, buffer):
        return np.sum(np.abs(np.fft.fft(x, out=buffer)))

    # out= an input: written on a copy, which the caller's buffer receives (lower/inputs.py)
    x, buffer = RNG.normal(size=3), np.zeros(3, complex)
    g = pullback.grad(into_out)(x, buffer)
    assert np.allclose(buffer, np.fft.fft(x))
    assert np.allclose(g, numeric_grad(lambda x: into_out(x, np.zeros(3, complex)), (x,)))


def test_fftfreq_carries_no_gradient():
    def f(x):
        return np.sum(x * np.fft.fftfreq(x.shape[0]))

    x = RNG.normal(size=5)
    np.testing.assert_allclose(pullback.grad(f)(x), np.fft.fftfreq(5))


# -------------------------------------------------------------------- scipy.special

special = pytest.importorskip("scipy.special")


def beta_log_likelihood(a, b, x):
    return np.sum((a - 1) * np.log(x) + (b - 1) * np.log1p(-x) - special.betaln(a, b))


def bessel_mixture(x):
    return np.sum(special.iv(1.5, x) * special.k0(x) + special.jn(2, x) ** 2
                  + special.xlogy(x, x + 1.0) - special.entr(x))


def test_special_functions_in_programs():
    x = RNG.uniform(0.2, 0.8, size=5)
    assert_grad_matches(beta_log_likelihood, (1.7, 2.3, x), wrt=(0, 1, 2))
    assert_grad_matches(bessel_mixture, (RNG.uniform(0.5, 2.0, size=4),))


def betainc_in_a(x):
    return special.betainc(x, 2.0, 0.4)


def gammainc_in_a(x):
    return special.gammainc(x, 0.4)


def iv_in_order(x):
    return special.iv(x, 1.2)


@pytest.mark.parametrize("f, param", [(betainc_in_a, "betainc with respect to a"),
                                      (gammainc_in_a, "gammainc with respect to a"),
                                      (iv_in_order, "iv with respect to v")])
def test_parameters_without_a_rule_are_refused(f, param):
    with pytest.raises(pullback.PullbackError,
                       match=f"no derivative rule for scipy.special.{param}"):
        pullback.grad(f)(1.5)


# ---------------------------------------------------------------------- scipy.stats

stats = pytest.importorskip("scipy.stats")
from scipy.stats import multivariate_normal, norm, t  # noqa: E402


def gaussian_log_likelihood(mu, sigma, data):
    return np.sum(norm.logpdf(data, mu, sigma))


def student_t_regression(w, df, x, y):
    return np.sum(t.logpdf(y, df, loc=x @ w, scale=0.5))


def censored_normal(mu, x):
    return np.sum(stats.norm.logcdf(x, loc=mu)) + np.sum(stats.norm.logsf(x + 1.0, mu, 2.0))


def mvn_log_likelihood(mean, cov, data):
    return np.sum(multivariate_normal.logpdf(data, mean, cov))


def test_distributions_in_programs():
    data = RNG.normal(size=6)
    g_mu, g_sigma = assert_grad_matches(gaussian_log_likelihood, (0.3, 1.2, data), wrt=(0, 1))
    # closed forms: sum (x - mu) / s^2 and sum ((x - mu)^2 / s^3 - 1 / s)
    assert np.isclose(g_mu, np.sum(data - 0.3) / 1.2 ** 2)
    assert np.isclose(g_sigma, np.sum((data - 0.3) ** 2 / 1.2 ** 3 - 1 / 1.2))
    x, y = RNG.normal(size=(5, 2)), RNG.normal(size=5)
    assert_grad_matches(student_t_regression, (RNG.normal(size=2), 3.5, x, y), wrt=(0, 1))
    assert_grad_matches(censored_normal, (0.2, RNG.normal(size=4)), wrt=(0, 1))


def test_multivariate_normal_matches_its_closed_form():
    a = RNG.normal(size=(3, 3))
    cov, mean, data = a @ a.T + np.eye(3), RNG.normal(size=3), RNG.normal(size=(4, 3))
    g_mean, g_cov = assert_grad_matches(mvn_log_likelihood, (mean, cov, data), wrt=(0, 1))
    inv = np.linalg.inv(cov)
    r = data - mean
    assert np.allclose(g_mean, inv @ r.sum(axis=0))
    full = 0.5 * (inv @ r.T @ r @ inv - 4 * inv)  # symmetric; SciPy reads the lower triangle
    assert np.allclose(g_cov, 2 * np.tril(full, -1) + np.diag(np.diag(full)))


def quantile(p):
    return np.sum(norm.ppf(p))


def t_cdf_in_df(df):
    return t.cdf(0.5, df)


def frozen_quantile(p):
    return np.sum(norm(0.0, 2.0).ppf(p))


def test_distribution_calls_without_a_rule_are_refused():
    p = np.array([0.2, 0.7])
    with pytest.raises(pullback.NoRuleError, match=r"no derivative rule for norm\.ppf(.|\n)*"
                                                   r"return np\.sum\(norm\.ppf\(p\)\)"):
        pullback.grad(quantile)(p)
    with pytest.raises(pullback.PullbackError,
                       match=r"no derivative rule for scipy\.stats\.t\.cdf with respect to df"):
        pullback.grad(t_cdf_in_df)(3.0)
    with pytest.raises(pullback.NoRuleError, match=r"no derivative rule for norm\.ppf(.|\n)*"
                                                   r"norm\(0\.0, 2\.0\)\.ppf\(p\)"):
        pullback.grad(frozen_quantile)(p)  # (a frozen one's method: the function's rule)


# --------------------------------------------------------------------- scipy.linalg

linalg = pytest.importorskip("scipy.linalg")


def gp_negative_log_marginal_likelihood(log_lengthscale, noise, x, y):
    """A Gaussian process with an RBF kernel: 0.5 y^T K^-1 y + sum log diag L."""
    d = x[:, None] - x[None, :]
    k = np.exp(-0.5 * d ** 2 / np.exp(2.0 * log_lengthscale)) + noise * np.eye(x.shape[0])
    chol = linalg.cholesky(k, lower=True)
    alpha = linalg.solve_triangular(chol, y, lower=True)
    return 0.5 * np.sum(alpha ** 2) + np.sum(np.log(np.diag(chol)))


def gp_by_cho_solve(noise, x, y):
    k = np.exp(-0.5 * (x[:, None] - x[None, :]) ** 2) + noise * np.eye(x.shape[0])
    factor = linalg.cho_factor(k)
    return 0.5 * y @ linalg.cho_solve(factor, y) + np.sum(np.log(np.diag(factor[0])))


def test_gaussian_process_marginal_likelihood():
    x, y = RNG.uniform(-2, 2, size=6), RNG.normal(size=6)
    g = assert_grad_matches(gp_negative_log_marginal_likelihood, (0.2, 0.3, x, y),
                            wrt=(0, 1, 2, 3))
    # closed form in the noise: 0.5 tr(K^-1) - 0.5 |K^-1 y|^2
    k = np.exp(-0.5 * (x[:, None] - x[None, :]) ** 2 / np.exp(0.4)) + 0.3 * np.eye(6)
    inv = np.linalg.inv(k)
    assert np.isclose(g[1], 0.5 * np.trace(inv) - 0.5 * np.sum((inv @ y) ** 2))
    g_noise = assert_grad_matches(gp_by_cho_solve, (0.3, x, y), wrt=(0, 1, 2))[0]
    k = np.exp(-0.5 * (x[:, None] - x[None, :]) ** 2) + 0.3 * np.eye(6)
    inv = np.linalg.inv(k)
    assert np.isclose(g_noise, 0.5 * np.trace(inv) - 0.5 * np.sum((inv @ y) ** 2))


def matrix_functions(a):
    s = a @ a.T + np.eye(3)
    return np.sum(linalg.sqrtm(s) * linalg.expm(0.3 * a)) + np.log(linalg.det(s))


def test_matrix_functions():
    assert_grad_matches(matrix_functions, (RNG.normal(size=(3, 3)),))


def whole_cho_factor(a):
    return np.sum(linalg.cho_factor(a @ a.T + np.eye(2))[0])


def lu_solved(a, b):
    return np.sum(linalg.lu_solve(linalg.lu_factor(a), b))


def test_linalg_calls_without_a_rule_are_refused():
    with pytest.raises(pullback.PullbackError, match="other triangle"):
        pullback.grad(whole_cho_factor)(RNG.normal(size=(2, 2)))
    # (lu12: LU has rules now, rules/scipy_lu.py; tests/test_lu12_lu.py)
    a, b = np.eye(2) * 3.0 + 0.5, np.ones(2)
    ga, gb = pullback.grad(lu_solved, wrt=(0, 1))(a, b)
    inv = np.linalg.inv(a)
    assert np.allclose(gb, inv.T @ np.ones(2))
    assert np.allclose(ga, -np.outer(inv.T @ np.ones(2), inv @ b))


# --------------------------------------------------------------------- scipy.signal

signal = pytest.importorskip("scipy.signal")
from scipy.integrate import odeint  # noqa: E402


def deblur_loss(image, kernel, target):
    blurred = signal.convolve(image, kernel, mode="same")
    edges = signal.correlate(blurred, np.array([[1.0, -1.0]]), mode="valid")
    return np.sum((blurred - target) ** 2) + 0.1 * np.sum(edges ** 2)


def test_convolutions_in_programs():
    image, kernel, target = RNG.normal(size=(5, 6)), RNG.normal(size=(3, 3)), RNG.normal(
        size=(5, 6))
    assert_grad_matches(deblur_loss, (image, kernel, target), wrt=(0, 1))


def test_convolution_gradient_matches_numpy_closed_form():
    def f(x, k):
        return np.sum(signal.convolve(x, k) ** 2)

    x, k = RNG.normal(size=6), RNG.normal(size=3)
    gx, gk = pullback.grad(f, wrt=(0, 1))(x, k)
    y = np.convolve(x, k)
    assert np.allclose(gx, np.correlate(2 * y, k, "valid"))
    assert np.allclose(gk, np.correlate(2 * y, x, "valid"))


# ------------------------------------------------------- float32, and what is refused


@pytest.mark.parametrize("f", [
    lambda x: np.sum(special.gammaln(x + 1.0)),
    lambda x: np.sum(norm.logpdf(x, 0.5, 2.0)),
    lambda x: np.sum(linalg.solve_triangular(np.eye(3) * 2.0 + np.tril(np.ones((3, 3))), x)),
    lambda x: np.sum(signal.convolve(x, np.array([1.0, -2.0], dtype=np.float32)) ** 2)],
    ids=["gammaln", "norm.logpdf", "solve_triangular", "convolve"])
def test_float32_inputs_get_float32_gradients(f):
    x = RNG.uniform(0.5, 1.5, size=3).astype(np.float32)
    g = pullback.grad(f)(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, pullback.grad(f)(x.astype(float)), rtol=1e-4)


def decay(y, t, k):
    return -k * y


def final_value(y0, k, t1):
    return odeint(decay, y0, np.array([0.0, t1]), (k,), rtol=1e-11, atol=1e-11)[-1, 0]


def test_odeint_linear_decay_matches_its_closed_form():
    """y(t1) = y0 exp(-k t1): d/dy0 = exp(-k t1), d/dk = -t1 y(t1), d/dt1 = -k y(t1)."""
    y0, k, t1 = 1.7, 0.6, 1.3
    dy0, dk, dt1 = pullback.grad(final_value, wrt=(0, 1, 2))(y0, k, t1)
    y1 = y0 * np.exp(-k * t1)
    np.testing.assert_allclose([dy0, dk, dt1], [np.exp(-k * t1), -t1 * y1, -k * y1],
                               rtol=1e-7)


def matrix_flow(y0, A):
    ys = odeint(linear, y0, np.linspace(0.0, 2.0, 3), args=(A,), rtol=1e-11, atol=1e-11)
    return np.sum(ys[-1] * np.array([1.0, -2.0])) + np.sum(ys[1] ** 2)


def linear(y, t, A):
    return A @ y


def test_odeint_matrix_ode_matches_the_matrix_exponential():
    """y(t) = expm(A t) y0, so the gradient is that of the same loss through expm."""
    import scipy.linalg

    def by_expm(y0, A):
        return np.sum(scipy.linalg.expm(2.0 * A) @ y0 * np.array([1.0, -2.0])) \
            + np.sum((scipy.linalg.expm(A) @ y0) ** 2)

    y0, A = np.array([0.8, -0.3]), np.array([[-0.4, 1.0], [-1.2, 0.1]])
    got = pullback.grad(matrix_flow, wrt=(0, 1))(y0, A)
    want = pullback.grad(by_expm, wrt=(0, 1))(y0, A)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-8)


def pendulum(state, t, damping, length):
    angle, speed = state
    return np.array([speed, -damping * speed - 9.81 / length * np.sin(angle)])


def swing(state0, damping, length, times):
    ys = odeint(pendulum, state0, times, args=(damping, length), rtol=1e-11, atol=1e-11)
    return np.sum(np.cos(ys[:, 0])) + ys[-1, 1] ** 2


def swing_tfirst(state0, damping, length):
    ys = odeint(lambda_free_pendulum, state0, [0.0, 0.3, 0.7], (damping, length),
                tfirst=True, rtol=1e-11, atol=1e-11)
    return np.sum(ys ** 2)


def lambda_free_pendulum(t, state, damping, length):
    return pendulum(state, t, damping, length) + np.array([0.0, np.cos(2.0 * t)])


def test_odeint_nonlinear_matches_finite_differences():
    args = (np.array([0.9, -0.2]), 0.3, 1.4, np.array([0.0, 0.4, 0.8, 1.1]))
    got = pullback.grad(swing, wrt=(0, 1, 2, 3))(*args)
    for i, g in enumerate(got):
        np.testing.assert_allclose(g, numeric_grad(swing, args, i, eps=1e-4), rtol=1e-5,
                                   atol=1e-7)
    args = (np.array([0.9, -0.2]), 0.3, 1.4)
    got = pullback.grad(swing_tfirst, wrt=(0, 1, 2))(*args)
    for i, g in enumerate(got):
        np.testing.assert_allclose(g, numeric_grad(swing_tfirst, args, i, eps=1e-4),
                                   rtol=1e-5, atol=1e-7)


def test_odeint_keeps_float32_and_integer_options():
    def counted(y, t, k, n):
        total = 0.0 * y
        for _ in range(n):
            total = total - k * y / n
        return total

    def f(y0, k):
        return np.sum(odeint(counted, y0, np.array([0.0, 1.0]), args=(k, 3)))

    y0 = np.array([1.0, 2.0], dtype=np.float32)
    dy0, dk = pullback.grad(f, wrt=(0, 1))(y0, np.float32(0.5))
    assert dy0.dtype == np.float32 and np.asarray(dk).dtype == np.float32
    np.testing.assert_allclose(dy0, 1.0 + np.exp(-0.5), rtol=1e-5)
    np.testing.assert_allclose(dk, -3.0 * np.exp(-0.5), rtol=1e-5)


def odeint_nested(y0, k):
    def rhs(y, t):
        return -k * y
    return np.sum(odeint(rhs, y0, np.array([0.0, 1.0])))


def odeint_lambda(y0, k):
    return np.sum(odeint(lambda y, t: -k * y, y0, np.array([0.0, 1.0])))


def odeint_builtin(y0):
    return np.sum(odeint(math_rhs, y0, np.array([0.0, 1.0])))


def odeint_full_output(y0, k):
    return np.sum(odeint(decay, y0, np.array([0.0, 1.0]), (k,), full_output=True)[0])


def no_rule_rhs(y, t):
    return -np.unwrap(y)


def odeint_no_rule(y0):
    return np.sum(odeint(no_rule_rhs, y0, np.array([0.0, 1.0])))


class _Rhs:
    def __call__(self, y, t):
        return -y


math_rhs = _Rhs()


@pytest.mark.parametrize("f, error, message", [
    (odeint_nested, pullback.UnsupportedSyntaxError, "nested function 'rhs' passed to odeint"),
    (odeint_lambda, pullback.UnsupportedSyntaxError, "lambda passed to odeint"),
    (odeint_builtin, pullback.PullbackError, "must be a Python function"),
    (odeint_full_output, pullback.PullbackError, "full_output=True"),
    (odeint_no_rule, pullback.PullbackError, "gradient of its func no_rule_rhs")],
    ids=["nested", "lambda", "object", "full_output", "func-without-rule"])
def test_odeint_refusals(f, error, message):
    """A func pullback cannot differentiate, or one that may close over a value being
    differentiated, is refused with a message saying why, never taken as constant."""
    with pytest.raises(error, match=message):
        pullback.grad(f)(np.array([1.0]), *([0.5] if f.__code__.co_argcount == 2 else []))


def test_odeint_tangents_match_finite_differences():
    """Forward mode through odeint: the forward sensitivity system, for tangents of the
    initial state, the parameters and the output times, together and one at a time."""
    rng = np.random.default_rng(5)
    cases = [(swing, (np.array([0.9, -0.2]), 0.3, 1.4, np.array([0.0, 0.4, 0.8, 1.1]))),
             (swing_tfirst, (np.array([0.9, -0.2]), 0.3, 1.4))]
    for f, args in cases:
        for wrt in [(i,) for i in range(len(args))] + [tuple(range(len(args)))]:
            tangents = tuple(rng.normal(size=np.shape(args[i])) if np.ndim(args[i])
                             else float(rng.normal()) for i in wrt)
            value, tangent = pullback.jvp(f, wrt=wrt)(*args, tangents)
            assert value == pytest.approx(f(*args), rel=1e-9)
            eps = 1e-5
            moved = [list(args), list(args)]
            for i, step in zip(wrt, tangents):
                moved[0][i], moved[1][i] = args[i] + eps * step, args[i] - eps * step
            want = (f(*moved[0]) - f(*moved[1])) / (2 * eps)
            assert tangent == pytest.approx(want, rel=1e-5, abs=1e-7), (f.__name__, wrt)


# ----------------------------------------------------------------------------- optimize
# scipy.optimize's Rosenbrock function inside objectives: benchmark suites write
# `def fun(self, x, *args): self.nfev += 1; return rosen(x)`

import scipy.optimize  # noqa: E402
from scipy.optimize import rosen, rosen_der, rosen_hess, rosen_hess_prod  # noqa: E402


def rosen_spelled_from_import(x):
    return rosen(x) + 0.5 * np.sum(x ** 2)


def rosen_spelled_through_module(x):
    return scipy.optimize.rosen(np.tanh(x)) * scipy.optimize.rosen(x[::-1])


def rosen_gradient_norm(x):  # grad of a function of rosen_der: the Hessian product
    return np.sum(rosen_der(x) ** 2)


def rosen_hessian_product(x, p):
    return np.sum(np.tanh(1e-3 * rosen_hess_prod(x, p)) ** 2)


class RosenbrockProblem:
    def __init__(self):
        self.nfev = 0

    def fun(self, x, *args):
        self.nfev += 1
        return rosen(x)


@pytest.mark.parametrize("f", [rosen_spelled_from_import, rosen_spelled_through_module,
                               rosen_gradient_norm])
def test_rosenbrock_in_programs(f):
    assert_grad_matches(f, (RNG.normal(size=5),))


def test_rosenbrock_gradient_is_scipys_rosen_der_and_hessian_its_rosen_hess():
    x = RNG.normal(size=4)
    assert np.allclose(pullback.grad(rosen_spelled_from_import)(x), rosen_der(x) + x)
    problem = RosenbrockProblem()
    assert np.allclose(pullback.hessian(problem.fun)(x), rosen_hess(x))
    assert problem.nfev == 1  # the objective's counter moved as one call of f moves it
    v = RNG.normal(size=4)
    assert np.allclose(pullback.hvp(problem.fun)(x, v), rosen_hess(x) @ v)


def test_rosen_hess_prod_is_differentiated_in_its_vector_only():
    x, p = RNG.normal(size=4), RNG.normal(size=4)
    assert_grad_matches(rosen_hessian_product, (x, p), wrt=1)
    with pytest.raises(pullback.PullbackError, match="rosen_hess_prod with respect to x"):
        pullback.grad(rosen_hessian_product, wrt=0)(x, p)


def test_rosenbrock_of_a_matrix_sums_along_axis_0():
    def columns(x):
        return rosen(x)
    x, seed = RNG.normal(size=(4, 3)), RNG.normal(size=3)
    vjp = pullback.vjp(columns)(x, seed)
    expected = numeric_grad(lambda x: float(np.dot(rosen(x), seed)), (x,))
    assert np.allclose(vjp, expected, atol=1e-6)
    with pytest.raises(pullback.PullbackError, match="rosen_der of a 2-d array"):
        pullback.grad(lambda x: np.sum(rosen_der(x) ** 2))(x)
