"""Outside-style programs of session 14's probes, written as a numerics user writes them:
SciPy inside objectives (scipy.special, scipy.stats, scipy.linalg, scipy.spatial.distance,
scipy.integrate, interpolation), complex numbers and FFTs with a real loss, and class-based
models the way ML code is written (params in dicts or attributes, `__call__`, layers in a
list, inheritance, penalty methods, optimizer loops outside the gradient).

Each program is registered with `@case(make_args, wrt=..., hessian=...)`: `make_args(rng)`
returns the arguments; the argument at `wrt` is differentiated (an array, a float, or a
dict of arrays). tests/test_probes14.py checks grad, jvp, hvp (and hessian where
`hessian=True`) against central differences."""

from __future__ import annotations

import cmath
import dataclasses
import math

import numpy as np
import scipy.integrate
import scipy.linalg
import scipy.special as sc
import scipy.stats
from scipy import linalg as sla
from scipy import special, stats
from scipy.spatial.distance import cdist, pdist, squareform

CASES: dict = {}


def case(make, wrt=0, hessian=False):
    def register(f):
        CASES[f.__name__] = (f, make, wrt, hessian)
        return f
    return register


def vec(n, scale=1.0, shift=0.0, seed=0):
    return lambda rng: (rng.standard_normal(n) * scale + shift,)


def spd(rng, n):
    A = rng.standard_normal((n, n))
    return A @ A.T + n * np.eye(n)


# =============================================================== scipy.special


@case(lambda rng: (rng.standard_normal(2) * 0.3 + 1.0, rng.integers(0, 8, 12).astype(float)),
      hessian=True)
def negbin_loglik(theta, y):
    r = np.exp(theta[0])
    p = special.expit(theta[1])
    ll = (special.gammaln(y + r) - special.gammaln(r) - special.gammaln(y + 1)
          + r * np.log(1 - p) + y * np.log(p))
    return -np.sum(ll)


@case(lambda rng: (np.abs(rng.standard_normal(4)) + 0.5,), hessian=True)
def dirichlet_expected_log(alpha):
    e = sc.digamma(alpha) - sc.digamma(np.sum(alpha))
    return np.sum(e * np.arange(1, 5)) + sc.gammaln(alpha.sum()) - np.sum(sc.gammaln(alpha))


@case(lambda rng: (rng.standard_normal((3, 2)), rng.standard_normal((10, 2))))
def gmm_logsumexp(mu, X):
    d2 = np.sum((X[:, None, :] - mu[None, :, :]) ** 2, axis=-1)
    logp = -0.5 * d2 - np.log(3.0)
    return -np.sum(special.logsumexp(logp, axis=1))


@case(lambda rng: (rng.standard_normal(3), rng.standard_normal((20, 3)),
                   (rng.random(20) > 0.5).astype(float)), hessian=True)
def logistic_xlogy(w, X, y):
    p = special.expit(X @ w)
    return -np.sum(special.xlogy(y, p) + special.xlogy(1 - y, 1 - p)) + 0.1 * w @ w


@case(lambda rng: (rng.standard_normal(3) * 0.5, rng.standard_normal((15, 3)),
                   (rng.random(15) > 0.5).astype(float)))
def probit_erf(beta, X, y):
    z = X @ beta
    Phi = 0.5 * (1.0 + special.erf(z / np.sqrt(2.0)))
    return -np.sum(y * np.log(Phi) + (1 - y) * np.log1p(-Phi))


@case(lambda rng: (np.array([0.3, -0.2]), np.array([3.0, 5.0, 1.0, 7.0]),
                   np.array([10.0, 10.0, 10.0, 10.0])), hessian=True)
def beta_binomial(log_ab, k, n):
    a, b = np.exp(log_ab)
    return -np.sum(special.betaln(k + a, n - k + b) - special.betaln(a, b))


@case(lambda rng: (rng.standard_normal((4, 3)), rng.standard_normal((8, 4)),
                   rng.integers(0, 3, 8)))
def softmax_xent(W, X, labels):
    P = special.softmax(X @ W, axis=1)
    return -np.mean(np.log(P[np.arange(len(labels)), labels]))


@case(lambda rng: (rng.standard_normal((4, 3)), rng.standard_normal((8, 4)),
                   rng.integers(0, 3, 8)))
def log_softmax_nll(W, X, labels):
    L = special.log_softmax(X @ W, axis=-1)
    onehot = np.eye(3)[labels]
    return -np.sum(onehot * L)


@case(lambda rng: (np.array([0.4, 1.2]), rng.uniform(-np.pi, np.pi, 10)), hessian=True)
def von_mises_i0(theta, x):
    mu, kappa = theta[0], np.exp(theta[1])
    return -np.sum(kappa * np.cos(x - mu) - np.log(2 * np.pi * special.i0(kappa)))


@case(lambda rng: (np.array([1.3]),), hessian=True)
def von_mises_mean_resultant(logk):
    k = np.exp(logk)
    A = special.i1(k) / special.i0(k)
    return np.sum((A - 0.7) ** 2)


@case(lambda rng: (rng.standard_normal(5) * 0.5,), hessian=True)
def ndtr_log_ndtr(x):
    return np.sum(special.log_ndtr(x)) + np.sum(special.ndtr(2 * x) ** 2)


@case(lambda rng: (np.abs(rng.standard_normal(4)) + 1.0,), hessian=True)
def trigamma_fisher(a):
    return np.sum(special.polygamma(1, a) * a) + np.sum(special.gamma(a / 2))


@case(lambda rng: (rng.standard_normal((3, 4)),))
def logsumexp_weights(A):
    b = np.array([1.0, 2.0, 0.5, 1.5])
    return np.sum(special.logsumexp(A, axis=1, b=b)) + special.logsumexp(A)


@case(lambda rng: (rng.uniform(0.1, 0.9, 5),), hessian=True)
def logit_entr(p):
    return np.sum(special.logit(p) ** 2) + np.sum(special.entr(p))


@case(lambda rng: (rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(5))), hessian=True)
def kl_rel_entr(p, q):
    return np.sum(special.rel_entr(p, q)) + np.sum(special.kl_div(q, p))


@case(lambda rng: (rng.standard_normal(6) * 2,), hessian=True)
def huber_losses(r):
    return np.sum(special.huber(1.0, r)) + np.sum(special.pseudo_huber(0.5, r))


@case(lambda rng: (rng.uniform(0.1, 2.0, 4), rng.uniform(-1, 1, 4)), hessian=True)
def xlog1py_mix(a, x):
    return np.sum(special.xlog1py(a, x * 0.5)) + np.sum(special.expm1(a) - special.log1p(a))


@case(lambda rng: (rng.standard_normal(5),), hessian=True)
def softplus_log_expit(z):
    return np.sum(special.log_expit(z)) + np.sum(np.logaddexp(0.0, z))


@case(lambda rng: (np.array([2.5, 1.7]),), hessian=True)
def gammainc_x(x):
    return float(special.gammainc(3.0, x[0]) + special.gammaincc(2.0, x[1]))


@case(lambda rng: (rng.uniform(0.2, 0.8, 4),), hessian=True)
def erfinv_ndtri(u):
    return np.sum(special.erfinv(2 * u - 1) ** 2) + np.sum(special.ndtri(u))


# ============================================================== scipy.stats


@case(lambda rng: (np.array([0.2, -0.3]), rng.standard_normal(12)), hessian=True)
def norm_mle(theta, x):
    mu, log_sigma = theta
    return -np.sum(stats.norm.logpdf(x, loc=mu, scale=np.exp(log_sigma)))


@case(lambda rng: (np.array([0.1, 0.2]), rng.standard_t(3, 12)), hessian=True)
def student_t_regression(theta, r):
    return -np.sum(scipy.stats.t.logpdf(r, 4.0, loc=theta[0], scale=np.exp(theta[1])))


@case(lambda rng: (np.array([0.5, 0.1]), rng.gamma(2.0, 1.5, 10)), hessian=True)
def gamma_mle(theta, x):
    a, scale = np.exp(theta)
    return -np.sum(stats.gamma.logpdf(x, a, scale=scale))


@case(lambda rng: (np.array([0.3, 0.6]), rng.beta(2, 3, 10)), hessian=True)
def beta_mle(theta, x):
    a, b = np.exp(theta)
    return -stats.beta.logpdf(x, a, b).sum()


@case(lambda rng: (rng.standard_normal(2) * 0.3, rng.standard_normal((15, 2)),
                   rng.poisson(2.0, 15)), hessian=True)
def poisson_glm(w, X, k):
    mu = np.exp(X @ w + 0.5)
    return -np.sum(stats.poisson.logpmf(k, mu))


@case(lambda rng: (rng.standard_normal(3), rng.standard_normal((6, 3))))
def mvn_mean(m, X):
    cov = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, 0.2], [0.1, 0.2, 1.5]])
    return -np.sum(stats.multivariate_normal.logpdf(X, mean=m, cov=cov))


@case(lambda rng: (np.array([0.5, 0.2, -0.1]), rng.standard_normal((6, 2))))
def mvn_cov_param(theta, X):
    L = np.array([[np.exp(theta[0]), 0.0], [theta[2], np.exp(theta[1])]])
    cov = L @ L.T
    return -np.sum(stats.multivariate_normal.logpdf(X, mean=np.zeros(2), cov=cov))


@case(lambda rng: (rng.standard_normal(5),), hessian=True)
def norm_logcdf_censored(z):
    return -np.sum(stats.norm.logcdf(z)) - np.sum(stats.norm.logsf(z + 1.0))


@case(lambda rng: (np.array([0.2, -0.1]), np.abs(rng.standard_normal(8)) + 0.1), hessian=True)
def frozen_norm(theta, x):
    dist = stats.norm(theta[0], np.exp(theta[1]))
    return -np.sum(dist.logpdf(x))


@case(lambda rng: (np.array([0.1, 0.3]), rng.lognormal(0.0, 0.5, 8)), hessian=True)
def lognorm_mle(theta, x):
    s, scale = np.exp(theta)
    return -np.sum(stats.lognorm.logpdf(x, s, scale=scale))


@case(lambda rng: (rng.standard_normal(4),), hessian=True)
def stats_entropy_softmax(z):
    p = special.softmax(z)
    return stats.entropy(p)


@case(lambda rng: (np.array([0.1, 0.5]), rng.standard_normal(9)), hessian=True)
def laplace_logistic_mix(theta, x):
    return -(np.sum(stats.laplace.logpdf(x, theta[0], np.exp(theta[1])))
             + np.sum(stats.logistic.logpdf(x, theta[0], 1.0)))


# ============================================================== scipy.linalg


def rbf(x, ell):
    d = x[:, None] - x[None, :]
    return np.exp(-0.5 * d**2 / ell**2)


@case(lambda rng: (np.array([0.0, -0.5, -1.0]), np.linspace(0, 3, 8), np.sin(np.linspace(0, 3, 8))),
      hessian=True)
def gp_nll_cho(theta, x, y):
    ell, sf, sn = np.exp(theta)
    K = sf**2 * rbf(x, ell) + (sn**2 + 1e-6) * np.eye(len(x))
    c, low = sla.cho_factor(K, lower=True)
    alpha = sla.cho_solve((c, low), y)
    return 0.5 * y @ alpha + np.sum(np.log(np.diag(c))) + 0.5 * len(x) * np.log(2 * np.pi)


@case(lambda rng: (rng.standard_normal(4), rng.standard_normal((4, 4))))
def solve_triangular_loss(b, A):
    L = np.tril(A) + 4 * np.eye(4)
    x = scipy.linalg.solve_triangular(L, b, lower=True)
    y = sla.solve_triangular(L.T, x, lower=False)
    return np.sum(y**2)


@case(lambda rng: (rng.standard_normal((3, 3)) * 0.3,), hessian=True)
def expm_trace(A):
    E = sla.expm(A)
    return np.trace(E) + np.sum(E[0] ** 2)


@case(lambda rng: (rng.standard_normal((4, 4)) + 4 * np.eye(4), rng.standard_normal(4)))
def lu_solve_loss(A, b):
    lu, piv = sla.lu_factor(A)
    x = sla.lu_solve((lu, piv), b)
    return x @ x


@case(lambda rng: (rng.standard_normal((4, 4)),))
def eigh_top(A):
    S = A + A.T
    w, V = sla.eigh(S)
    return w[-1] + np.sum(w**2) * 0.1


@case(lambda rng: (rng.standard_normal((4, 3)),))
def svd_nuclear(A):
    s = sla.svd(A, compute_uv=False)
    U, s2, Vt = sla.svd(A, full_matrices=False)
    return np.sum(s) + np.sum((U[:, 0] * s2[0]) ** 2)


@case(lambda rng: (rng.standard_normal((3, 3)) + 3 * np.eye(3),), hessian=True)
def det_slogdet_inv(A):
    sign, logdet = np.linalg.slogdet(A)
    return sla.det(A) * 0.01 + logdet + np.trace(sla.inv(A))


@case(lambda rng: (rng.standard_normal((3, 3)),))
def cholesky_logdet(B):
    S = B @ B.T + np.eye(3)
    L = sla.cholesky(S, lower=True)
    return 2 * np.sum(np.log(np.diag(L))) + np.sum(L)


@case(lambda rng: (rng.standard_normal((5, 3)), rng.standard_normal(5)))
def lstsq_residual(A, b):
    x, res, rank, sv = sla.lstsq(A, b)
    return np.sum((A @ x - b) ** 2) + x @ x


@case(lambda rng: (rng.standard_normal((4, 3)),))
def qr_r_diag(A):
    Q, R = sla.qr(A, mode="economic")
    return np.sum(np.abs(np.diag(R))) + np.sum(Q[:, 0])


@case(lambda rng: (rng.standard_normal((4, 3)),))
def pinv_norm(A):
    P = sla.pinv(A)
    return sla.norm(P) + sla.norm(A, "fro") ** 2


@case(lambda rng: (rng.standard_normal((3, 3)), spd(rng, 3)))
def solve_assume_pos(B, S):
    X = sla.solve(S, B, assume_a="pos")
    return np.sum(X * B)


# ============================================ scipy.spatial / integrate / interpolate


@case(lambda rng: (rng.standard_normal((5, 2)), rng.standard_normal((4, 2))))
def cdist_rbf_mmd(X, Y):
    Kxx = np.exp(-cdist(X, X, "sqeuclidean"))
    Kyy = np.exp(-cdist(Y, Y, "sqeuclidean"))
    Kxy = np.exp(-cdist(X, Y, metric="sqeuclidean"))
    return Kxx.mean() + Kyy.mean() - 2 * Kxy.mean()


@case(lambda rng: (rng.standard_normal((5, 2)),))
def pdist_repulsion(P):
    d = pdist(P)
    return np.sum(1.0 / d) + np.sum(P**2)


@case(lambda rng: (rng.standard_normal((4, 3)),))
def squareform_stress(X):
    D = squareform(pdist(X, "euclidean"))
    target = np.ones((4, 4)) - np.eye(4)
    return np.sum((D - target) ** 2)


@case(lambda rng: (rng.standard_normal((4, 2)), rng.standard_normal((3, 2))))
def cdist_euclid_min(X, C):
    D = cdist(X, C)
    return np.sum(D**2) + np.sum(np.sqrt(D.sum(axis=1)))


@case(lambda rng: (np.array([0.7, 1.3]),), hessian=True)
def trapezoid_energy(params):
    t = np.linspace(0, 2, 41)
    u = params[0] * np.sin(params[1] * t)
    return scipy.integrate.trapezoid(u**2, t) + scipy.integrate.simpson(u, x=t)


@case(lambda rng: (rng.standard_normal(11),))
def trapz_dx_cumulative(y):
    c = scipy.integrate.cumulative_trapezoid(y, dx=0.1, initial=0)
    return np.trapezoid(y**2, dx=0.1) + np.sum(c**2)


@case(lambda rng: (rng.standard_normal(6),))
def interp_np(vals):
    xp = np.linspace(0, 1, 6)
    xq = np.array([0.05, 0.33, 0.5, 0.71, 0.95])
    return np.sum(np.interp(xq, xp, vals) ** 2)


@case(lambda rng: (np.array([0.13, 0.41, 0.77]),), hessian=True)
def interp_query(xq):
    xp = np.linspace(0, 1, 6)
    fp = np.sin(3 * xp)
    return np.sum(np.interp(xq, xp, fp))


@case(lambda rng: (rng.standard_normal(6),))
def cubic_spline_fit(vals):
    from scipy.interpolate import CubicSpline
    cs = CubicSpline(np.linspace(0, 1, 6), vals)
    return np.sum(cs(np.array([0.1, 0.45, 0.8])) ** 2)


# =================================================================== complex / FFT


@case(lambda rng: (rng.standard_normal(16),), hessian=True)
def power_spectrum(x):
    X = np.fft.fft(x)
    P = np.abs(X) ** 2 / len(x)
    return np.sum(P[1:5]) + np.sum(P * np.arange(16)) * 0.01


@case(lambda rng: (rng.standard_normal(10), rng.standard_normal(4)))
def fft_convolution(x, k):
    n = len(x) + len(k) - 1
    y = np.fft.irfft(np.fft.rfft(x, n) * np.fft.rfft(k, n), n)
    target = np.convolve(np.ones(10), np.ones(4) * 0.25)
    return np.sum((y - target) ** 2)


@case(lambda rng: (rng.standard_normal((6, 6)),))
def fft2_lowpass(img):
    F = np.fft.fftshift(np.fft.fft2(img))
    mask = np.zeros((6, 6))
    mask[2:5, 2:5] = 1.0
    low = np.fft.ifft2(np.fft.ifftshift(F * mask))
    return np.sum(low.real**2) + 0.1 * np.sum(np.abs(low.imag))


@case(lambda rng: (rng.standard_normal(5),), hessian=True)
def phase_rotation(theta):
    z = np.array([1.0 + 2.0j, -0.5 + 0.3j, 0.2 - 1.0j, 1.5 + 0.0j, -1.0 - 1.0j])
    w = np.exp(1j * theta) * np.conj(z)
    return np.sum(w.real) + np.sum(w.imag**2)


@case(lambda rng: (rng.standard_normal(4), rng.standard_normal(4)), hessian=True)
def angle_loss(x, y):
    z = x + 1j * y + 2.0
    return np.sum(np.angle(z) ** 2) + np.sum(np.abs(z))


@case(lambda rng: (np.array([0.3, -0.7]),), hessian=True)
def cmath_funcs(p):
    z = complex(p[0], p[1])
    w = cmath.exp(z) + cmath.sqrt(z + 2) * cmath.sin(z)
    return abs(w) ** 2 + cmath.phase(w)


@case(lambda rng: (np.array([0.4, 0.9]), ), hessian=True)
def complex_poly_abs(p):
    z = p[0] + 1j * p[1]
    c = 0.3 - 0.2j
    for _ in range(3):
        z = z * z + c
    return abs(z)


@case(lambda rng: (rng.standard_normal(8),))
def dft_matrix(x):
    N = len(x)
    n = np.arange(N)
    W = np.exp(-2j * np.pi * np.outer(n, n) / N)
    X = W @ x
    return np.sum(np.abs(X[: N // 2]) ** 2)


@case(lambda rng: (rng.standard_normal(16) * 0.3,))
def spectral_derivative(u):
    N = len(u)
    k = np.fft.fftfreq(N, d=1.0 / N) * 2 * np.pi / N
    du = np.fft.ifft(1j * k * np.fft.fft(u)).real
    return np.sum(du**2) + np.sum(u**4)


@case(lambda rng: (rng.standard_normal(12),))
def rfft_freq_weight(x):
    f = np.fft.rfftfreq(len(x), d=0.1)
    R = np.fft.rfft(x)
    return np.sum(f * (R.real**2 + R.imag**2))


@case(lambda rng: (rng.standard_normal((3, 3)),
                   rng.standard_normal(3), rng.standard_normal(3)))
def hermitian_form(H0, a, b):
    H = H0 + H0.T
    z = a + 1j * b
    return float(np.real(np.conj(z) @ (H @ z)))


@case(lambda rng: (rng.standard_normal(3), rng.standard_normal(3)), wrt=1)
def hermitian_form_b(a, b):
    A = np.array([[2.0, 1j, 0.0], [-1j, 3.0, 0.5], [0.0, 0.5, 1.0]])
    z = a + 1j * b
    return np.vdot(z, A @ z).real


@case(lambda rng: (rng.standard_normal(16),))
def autocorrelation_fft(x):
    n = 2 * len(x)
    F = np.fft.rfft(x - x.mean(), n)
    ac = np.fft.irfft(F * np.conj(F), n)[: len(x)]
    return np.sum((ac[1:4] / ac[0]) ** 2)


@case(lambda rng: (rng.standard_normal((4, 4)),))
def fftn_energy(a):
    A = np.fft.fftn(a)
    B = np.fft.irfftn(np.fft.rfftn(a), s=a.shape)
    return np.sum(np.abs(A[:2, :2]) ** 2) + np.sum((B - a) ** 2) + np.sum(a**2)


@case(lambda rng: (rng.standard_normal(6), rng.standard_normal(6)))
def complex_array_ops(re, im):
    z = re + 1j * im
    z2 = z * np.conj(z) + z**2
    w = np.sqrt(z2 + 3.0)
    return np.sum(np.abs(w)) + np.sum(np.real(z2) * np.imag(z))


@case(lambda rng: (rng.standard_normal(8),))
def ortho_norm_fft(x):
    X = np.fft.fft(x, norm="ortho")
    return np.sum(np.abs(X[1:3]) ** 2) + np.sum(np.fft.ifft(X * X, norm="ortho").real)


@case(lambda rng: (np.array([0.5, 1.5, -0.3]),), hessian=True)
def complex_scalar_math(p):
    z = complex(p[0], p[1]) * p[2]
    w = z.conjugate() * z + (z**3).real
    return w.real + abs(z - 1)


@case(lambda rng: (rng.standard_normal(8), rng.standard_normal(8)))
def complex_builtin_arrays(a, b):
    z = np.empty(8, dtype=complex)
    z.real = a
    z.imag = b
    return np.sum(np.abs(np.fft.fft(z)) ** 2)


@case(lambda rng: (rng.standard_normal(8), rng.standard_normal(8)))
def complex_from_parts(a, b):
    z = a.astype(complex)
    z = z + 1j * b
    F = np.fft.fft(z)
    return np.sum(F.real * F.imag) + np.sum(np.exp(z).real)


# =========================================================== class-based models


class Layer:
    def __init__(self, W, b, activation=np.tanh):
        self.W = W
        self.b = b
        self.activation = activation

    def __call__(self, x):
        return self.activation(x @ self.W + self.b)

    def penalty(self):
        return np.sum(self.W**2)


class LinearLayer(Layer):
    def __init__(self, W, b):
        super().__init__(W, b, activation=lambda z: z)


class MLP:
    def __init__(self, params):
        self.layers = [Layer(params["W1"], params["b1"]), LinearLayer(params["W2"], params["b2"])]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def loss(self, X, y, lam=1e-2):
        pred = self(X)
        return np.mean((pred[:, 0] - y) ** 2) + lam * sum(layer.penalty() for layer in self.layers)


def mlp_params(rng):
    return ({"W1": rng.standard_normal((3, 5)) * 0.5, "b1": np.zeros(5),
             "W2": rng.standard_normal((5, 1)) * 0.5, "b2": np.zeros(1)},
            rng.standard_normal((10, 3)), rng.standard_normal(10))


@case(mlp_params)
def mlp_dict_loss(params, X, y):
    return MLP(params).loss(X, y)


class Module:
    def __init__(self):
        self.params = {}

    def parameters(self):
        return list(self.params.values())


class Dense(Module):
    def __init__(self, W, b):
        super().__init__()
        self.params["W"] = W
        self.params["b"] = b

    def forward(self, x):
        return x @ self.params["W"] + self.params["b"]

    def penalty(self):
        return 0.5 * np.sum(self.params["W"] ** 2)


class ReLU(Module):
    def forward(self, x):
        return np.maximum(x, 0.0)

    def penalty(self):
        return 0.0


class Sequential(Module):
    def __init__(self, *layers):
        super().__init__()
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def penalty(self):
        return sum(layer.penalty() for layer in self.layers)


def unpack(theta, shapes):
    out, i = [], 0
    for shape in shapes:
        n = int(np.prod(shape))
        out.append(theta[i : i + n].reshape(shape))
        i += n
    return out


@case(lambda rng: (rng.standard_normal(3 * 4 + 4 + 4 * 2 + 2) * 0.5,
                   rng.standard_normal((6, 3)), rng.standard_normal((6, 2))))
def sequential_flat(theta, X, Y):
    W1, b1, W2, b2 = unpack(theta, [(3, 4), (4,), (4, 2), (2,)])
    net = Sequential(Dense(W1, b1 + 0.5), ReLU(), Dense(W2, b2))
    return np.mean((net.forward(X) - Y) ** 2) + 1e-2 * net.penalty()


class LogisticRegression:
    def __init__(self, w, b=0.0):
        self.w = w
        self.b = b

    def predict_proba(self, X):
        return 1.0 / (1.0 + np.exp(-(X @ self.w + self.b)))

    def nll(self, X, y):
        p = self.predict_proba(X)
        eps = 1e-12
        return -np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))


@case(lambda rng: (rng.standard_normal(3), rng.standard_normal((12, 3)),
                   (rng.random(12) > 0.5).astype(float)), hessian=True)
def logreg_method(w, X, y):
    model = LogisticRegression(w, b=0.1)
    return model.nll(X, y)


@case(lambda rng: (0.3, rng.standard_normal((12, 3)), (rng.random(12) > 0.5).astype(float)))
def logreg_bias_float(b, X, y):
    return LogisticRegression(np.array([0.5, -0.2, 0.1]), b).nll(X, y)


class RNNCell:
    def __init__(self, Wx, Wh):
        self.Wx, self.Wh = Wx, Wh

    def step(self, h, x):
        return np.tanh(self.Wx @ x + self.Wh @ h)


class RNN:
    def __init__(self, cell, hidden):
        self.cell = cell
        self.hidden = hidden

    def run(self, xs):
        h = np.zeros(self.hidden)
        hs = []
        for x in xs:
            h = self.cell.step(h, x)
            hs.append(h)
        return np.stack(hs)


@case(lambda rng: (rng.standard_normal((3, 2)) * 0.5, rng.standard_normal((3, 3)) * 0.5,
                   rng.standard_normal((5, 2))))
def rnn_objects(Wx, Wh, xs):
    H = RNN(RNNCell(Wx, Wh), 3).run(xs)
    return np.sum(H[-1] ** 2) + np.mean(H)


@case(lambda rng: (rng.standard_normal((3, 3)) * 0.5, rng.standard_normal((3, 2)) * 0.5,
                   rng.standard_normal((5, 2))))
def rnn_objects_wh(Wh, Wx, xs):
    return rnn_objects(Wx, Wh, xs)


@dataclasses.dataclass
class GaussianMixture:
    means: np.ndarray
    log_scales: np.ndarray
    logits: np.ndarray

    def log_prob(self, x):
        s = np.exp(self.log_scales)
        comp = -0.5 * ((x[:, None] - self.means) / s) ** 2 - np.log(s) - 0.5 * np.log(2 * np.pi)
        logw = self.logits - special.logsumexp(self.logits)
        return special.logsumexp(comp + logw, axis=1)


@case(lambda rng: (np.array([-1.0, 0.5, 2.0]), rng.standard_normal(15)))
def mixture_dataclass(means, x):
    gm = GaussianMixture(means, np.array([0.1, -0.2, 0.3]), np.array([0.0, 0.5, -0.5]))
    return -np.sum(gm.log_prob(x))


@case(lambda rng: (np.array([0.1, -0.2, 0.3]), rng.standard_normal(15)))
def mixture_scales(log_scales, x):
    gm = GaussianMixture(means=np.array([-1.0, 0.5, 2.0]), log_scales=log_scales,
                         logits=np.zeros(3))
    return -np.sum(gm.log_prob(x))


class Kernel:
    def __call__(self, X, Y):
        raise NotImplementedError


class RBF(Kernel):
    def __init__(self, lengthscale, variance=1.0):
        self.lengthscale = lengthscale
        self.variance = variance

    def __call__(self, X, Y):
        d2 = cdist(X / self.lengthscale, Y / self.lengthscale, "sqeuclidean")
        return self.variance * np.exp(-0.5 * d2)


class GPRegression:
    def __init__(self, kernel, noise):
        self.kernel = kernel
        self.noise = noise

    def neg_log_marginal(self, X, y):
        K = self.kernel(X, X) + self.noise * np.eye(len(X))
        L = np.linalg.cholesky(K)
        alpha = sla.cho_solve((L, True), y)
        return 0.5 * y @ alpha + np.sum(np.log(np.diag(L)))


@case(lambda rng: (np.array([0.2, -1.0]), rng.standard_normal((7, 2)), rng.standard_normal(7)),
      hessian=True)
def gp_class(theta, X, y):
    gp = GPRegression(RBF(np.exp(theta[0])), noise=np.exp(theta[1]))
    return gp.neg_log_marginal(X, y)


class ResidualBlock:
    def __init__(self, W):
        self.W = W

    def __call__(self, x):
        return x + np.tanh(x @ self.W)


class ResNet:
    def __init__(self, Ws):
        self.blocks = [ResidualBlock(W) for W in Ws]

    def __call__(self, x):
        for block in self.blocks:
            x = block(x)
        return x


@case(lambda rng: (rng.standard_normal((3, 3, 3)) * 0.4, rng.standard_normal((4, 3))))
def resnet_stack(Ws, X):
    net = ResNet([Ws[i] for i in range(Ws.shape[0])])
    return np.sum(net(X) ** 2)


class BatchNorm:
    def __init__(self, gamma, beta, momentum=0.9):
        self.gamma, self.beta = gamma, beta
        self.running_mean = np.zeros_like(gamma)
        self.momentum = momentum

    def __call__(self, x):
        mu = x.mean(axis=0)
        var = x.var(axis=0)
        self.running_mean = self.momentum * self.running_mean + (1 - self.momentum) * mu
        return self.gamma * (x - mu) / np.sqrt(var + 1e-5) + self.beta


@case(lambda rng: (rng.standard_normal(3) + 1.0, rng.standard_normal((6, 3))))
def batchnorm_class(gamma, X):
    bn = BatchNorm(gamma, np.zeros(3))
    out = bn(X)
    return np.sum(np.tanh(out) * np.arange(1, 4)) + np.sum(bn.running_mean)


class Activation:
    table = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0), "softplus": np.logaddexp}

    @staticmethod
    def softplus(z):
        return np.log1p(np.exp(z))

    @classmethod
    def get(cls, name):
        if name == "softplus":
            return cls.softplus
        return cls.table[name]


class Net2:
    def __init__(self, W1, W2, act="tanh"):
        self.W1, self.W2 = W1, W2
        self.act = Activation.get(act)

    @property
    def weights(self):
        return [self.W1, self.W2]

    def __call__(self, x):
        return self.act(x @ self.W1) @ self.W2

    def l2(self):
        return sum(np.sum(W**2) for W in self.weights)


@case(lambda rng: (rng.standard_normal((3, 4)) * 0.5, rng.standard_normal((4, 1)),
                   rng.standard_normal((5, 3))))
def net_property_act(W1, W2, X):
    net = Net2(W1, W2, act="softplus")
    return np.sum(net(X) ** 2) + 0.1 * net.l2()


@case(lambda rng: (rng.standard_normal((3, 4)) * 0.5, rng.standard_normal((4, 1)),
                   rng.standard_normal((5, 3))))
def net_table_act(W1, W2, X):
    net = Net2(W1, W2, act="tanh")
    return np.sum(net(X) ** 2) + 0.1 * net.l2()


class Adam:
    def __init__(self, lr=0.01, b1=0.9, b2=0.999):
        self.lr, self.b1, self.b2 = lr, b1, b2
        self.m = None
        self.v = None
        self.t = 0

    def step(self, params, grads):
        if self.m is None:
            self.m = {k: np.zeros_like(v) for k, v in params.items()}
            self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.t += 1
        new = {}
        for k in params:
            self.m[k] = self.b1 * self.m[k] + (1 - self.b1) * grads[k]
            self.v[k] = self.b2 * self.v[k] + (1 - self.b2) * grads[k] ** 2
            mhat = self.m[k] / (1 - self.b1**self.t)
            vhat = self.v[k] / (1 - self.b2**self.t)
            new[k] = params[k] - self.lr * mhat / (np.sqrt(vhat) + 1e-8)
        return new


def train_net(steps=5, seed=0):
    """An optimizer loop outside grad: Adam over a dict of a class-based network's
    weights, calling pullback's gradient at each step. [(params, gradient)] per step,
    and the losses."""
    import pullback
    rng = np.random.default_rng(seed)
    params = {"W1": rng.standard_normal((3, 4)) * 0.5, "W2": rng.standard_normal((4, 1))}
    X = rng.standard_normal((5, 3))
    opt = Adam(lr=0.05)
    dloss = pullback.value_and_grad(net_table_act, wrt=(0, 1))
    history, losses = [], []
    for _ in range(steps):
        loss, (g1, g2) = dloss(params["W1"], params["W2"], X)
        g = {"W1": g1, "W2": g2}
        history.append((params, g))
        losses.append(loss)
        params = opt.step(params, g)
    return history, losses, X


class SGDUnrolled:
    def __init__(self, lr):
        self.lr = lr

    def update(self, w, g):
        return w - self.lr * g


@case(lambda rng: (np.array([0.05]), rng.standard_normal(3), rng.standard_normal((8, 3)),
                   rng.standard_normal(8)), hessian=True)
def meta_lr(log_lr, w0, X, y):
    opt = SGDUnrolled(np.exp(log_lr[0]) * 0.05)
    w = w0
    for _ in range(4):
        r = X @ w - y
        g = X.T @ r / len(y)
        w = opt.update(w, g)
    return 0.5 * np.mean((X @ w - y) ** 2)


class Polynomial:
    def __init__(self, coeffs):
        self.coeffs = coeffs

    def __call__(self, x):
        total = 0.0
        for i, c in enumerate(self.coeffs):
            total = total + c * x**i
        return total

    def __add__(self, other):
        return Polynomial(self.coeffs + other.coeffs)

    def derivative(self):
        return Polynomial(np.array([i * c for i, c in enumerate(self.coeffs)][1:]))


@case(lambda rng: (rng.standard_normal(4),), hessian=True)
def polynomial_class(c):
    p = Polynomial(c)
    q = p + Polynomial(np.ones(4))
    x = np.linspace(-1, 1, 7)
    return np.sum(q(x) ** 2) + np.sum(p.derivative()(x) ** 2)


class Params:
    def __init__(self, **arrays):
        for k, v in arrays.items():
            setattr(self, k, v)


class AttentionHead:
    def __init__(self, p):
        self.p = p

    def __call__(self, X):
        Q, K, V = X @ self.p.Wq, X @ self.p.Wk, X @ self.p.Wv
        A = special.softmax(Q @ K.T / np.sqrt(Q.shape[1]), axis=-1)
        return A @ V


@case(lambda rng: (rng.standard_normal((3, 2)) * 0.5, rng.standard_normal((4, 3))))
def attention_setattr(Wq, X):
    p = Params(Wq=Wq, Wk=np.eye(3)[:, :2], Wv=np.ones((3, 2)) * 0.3)
    return np.sum(AttentionHead(p)(X) ** 2)


class Regularized:
    def penalty(self):
        return 0.0


class Ridge(Regularized):
    def __init__(self, w, lam):
        self.w = w
        self.lam = lam

    def penalty(self):
        return self.lam * np.sum(self.w**2) + super().penalty()


class ElasticNet(Ridge):
    def __init__(self, w, lam, l1):
        super().__init__(w, lam)
        self.l1 = l1

    def penalty(self):
        return super().penalty() + self.l1 * np.sum(np.sqrt(self.w**2 + 1e-3))


@case(lambda rng: (rng.standard_normal(4),), hessian=True)
def super_penalty_chain(w):
    models = [Ridge(w, 0.1), ElasticNet(w * 2, 0.2, 0.05)]
    return sum(m.penalty() for m in models) + np.sum(np.sin(w))


class Model:
    def __init__(self):
        self.w = np.array([0.5, -0.3])
        self.b = 0.1

    def __call__(self, X):
        return X @ self.w + self.b


def model_loss(model, X, y):
    return np.mean((model(X) - y) ** 2) + 0.01 * model.w @ model.w


@case(lambda rng: (Model(), rng.standard_normal((6, 2)), rng.standard_normal(6)))
def object_argument(model, X, y):
    return model_loss(model, X, y)


class ConvLayer1D:
    def __init__(self, kernel):
        self.kernel = kernel

    def __call__(self, x):
        k = len(self.kernel)
        out = np.zeros(len(x) - k + 1)
        for i in range(len(out)):
            out[i] = np.dot(x[i : i + k], self.kernel)
        return out


@case(lambda rng: (rng.standard_normal(3), rng.standard_normal(10)))
def conv_layer_loop(kernel, x):
    layers = [ConvLayer1D(kernel), ConvLayer1D(kernel[::-1])]
    h = x
    for layer in layers:
        h = np.tanh(layer(h))
    return np.sum(h**2)


@case(lambda rng: ({"mu": rng.standard_normal(2), "log_sigma": np.array([0.1, -0.2])},
                   rng.standard_normal((8, 2))))
def dict_params_stats(params, X):
    return -np.sum(stats.norm.logpdf(X, params["mu"], np.exp(params["log_sigma"])))


@case(lambda rng: ([rng.standard_normal((2, 3)), rng.standard_normal(3)],
                   rng.standard_normal((4, 2))))
def list_params(weights, X):
    W, b = weights
    return np.sum(special.expit(X @ W + b) ** 2)


@case(lambda rng: (np.array([0.5]),), hessian=True)
def math_erf_gamma(p):
    x = float(p[0])
    return math.erf(x) + math.lgamma(x + 2) + math.lgamma(3 - x) ** 2 + special.erfc(x)


# ===================================================== complex / FFT, more spellings


@case(lambda rng: (rng.standard_normal(5),))
def irfft_odd_n(c):
    spec = c + 0.5j * c[::-1]
    y = np.fft.irfft(spec, n=9)
    return np.sum(y**3) + np.sum(y * np.arange(9))


@case(lambda rng: (rng.standard_normal(12),), hessian=True)
def rfft_cropped_forward_norm(x):
    R = np.fft.rfft(x, n=8, norm="forward")
    return np.sum(np.abs(R) ** 2) + np.sum(R.imag)


@case(lambda rng: (rng.standard_normal((4, 3)),))
def fft_axis0(a):
    F = np.fft.fft(a, axis=0)
    G = np.fft.ifft(F * np.exp(-1j * np.arange(4))[:, None], axis=0)
    return np.sum(np.abs(G) ** 3)


@case(lambda rng: (rng.standard_normal(4), rng.standard_normal(4)), hessian=True)
def complex_division(a, b):
    z = a + 1j * b
    w = (1.0 + 0.5j) / (z + 3.0) + 1.0 / np.conj(z + 2j)
    return np.sum(np.abs(w) ** 2) + np.sum(np.angle(w, deg=True)) * 0.01


@case(lambda rng: (np.array([0.5, 1.2]),), hessian=True)
def cmath_polar_rect(p):
    r, phi = cmath.polar(complex(p[0], p[1]))
    z = cmath.rect(r**2, phi / 2)
    w = cmath.log(z + 1)
    return w.real * w.imag + abs(cmath.cos(z))


@case(lambda rng: (np.array([0.3, -0.8]),), hessian=True)
def builtin_complex_scalar(p):
    x, y = float(p[0]), float(p[1])
    z = complex(x, y)
    w = z**2 / (1 + z.conjugate())
    return w.real - 2 * w.imag + abs(w) ** 2


@case(lambda rng: (rng.standard_normal(10),))
def chirp_transform(x):
    t = np.arange(10) / 10
    z = x * np.exp(-1j * 2 * np.pi * (1.5 * t + 2 * t**2))
    F = np.fft.fft(z)
    return np.max(np.abs(F)) + np.sum(np.abs(F)) * 0.1


@case(lambda rng: (rng.standard_normal(6), rng.standard_normal(6)), hessian=True)
def complex_reductions(a, b):
    z = a + 1j * b
    s = np.cumsum(z * np.roll(z, 1))
    m = np.mean(z)
    return np.sum(s * s.conj()).real + np.abs(m) ** 2 + np.prod(z[:3]).imag


@case(lambda rng: (rng.standard_normal((3, 3)), rng.standard_normal(3)))
def complex_linear_solve(A, b):
    M = A + 3 * np.eye(3) + 1j * np.diag([1.0, 2.0, 3.0])
    x = np.linalg.solve(M, b + 0j)
    return np.sum(np.abs(x) ** 2)


@case(lambda rng: (rng.standard_normal((3, 4)), rng.standard_normal(4)))
def complex_einsum(A, phase):
    U = np.exp(1j * phase)
    B = np.einsum("ij,j->ij", A, U)
    return np.real(np.einsum("ij,ij->", B, B.conj())) + np.sum(np.outer(U, U.conj()).real)


@case(lambda rng: (rng.standard_normal(16),))
def scipy_fft_spectrum(x):
    import scipy.fft
    X = scipy.fft.rfft(x)
    y = scipy.fft.irfft(X * np.exp(-0.1 * np.arange(9)), n=16)
    return np.sum(y**2) + np.sum(np.abs(scipy.fft.fft(x)[:4]))


@case(lambda rng: (rng.standard_normal(10), rng.standard_normal(4)))
def fftconvolve_signal(x, k):
    import scipy.signal
    y = scipy.signal.fftconvolve(x, k, mode="same")
    return np.sum(y**2)


@case(lambda rng: (rng.standard_normal(8),))
def hfft_round(x):
    h = np.fft.ihfft(x)
    y = np.fft.hfft(h * (1 + np.arange(5)), n=8)
    return np.sum(y**2)


@case(lambda rng: (np.array([0.4, -0.3, 0.9]),), hessian=True)
def complex_sqrt_log_arrays(p):
    z = np.array([p[0] + 1j * p[1], p[2] - 0.5j, 1.0 + p[0] * 1j])
    return np.sum(np.abs(np.sqrt(z)) + np.log(z).imag + np.log(np.abs(z)))


@case(lambda rng: (rng.standard_normal(6),))
def complex_matmul_unitary(theta):
    c, s = np.cos(theta[:3]), np.sin(theta[:3])
    psi = c + 1j * s * np.exp(1j * theta[3:])
    H = np.array([[1.0, 0.5j, 0.0], [-0.5j, 2.0, 0.1], [0.0, 0.1, -1.0]])
    return np.real(psi.conj() @ H @ psi) / np.real(psi.conj() @ psi)


@case(lambda rng: (rng.standard_normal(4),), hessian=True)
def complex_iterated_map(c):
    z = 0.1 + 0.2j
    total = 0.0
    for k in range(4):
        z = z * z * 0.5 + c[k] * 1j + 0.1
        total = total + abs(z)
    return total


@case(lambda rng: (rng.standard_normal(8),), hessian=True)
def simpson_uneven(y):
    x = np.array([0.0, 0.1, 0.25, 0.5, 0.6, 0.9, 1.3, 1.4])
    return scipy.integrate.simpson(y**2, x=x) + scipy.integrate.simpson(np.sin(y), dx=0.2)


@case(lambda rng: (rng.standard_normal((3, 7)),))
def simpson_axis0_cumulative(Y):
    a = scipy.integrate.simpson(Y, axis=0, dx=0.5)
    c = scipy.integrate.cumulative_trapezoid(Y, x=np.linspace(0, 1, 7), axis=1)
    return np.sum(a**2) + np.sum(np.tanh(c))


@case(lambda rng: (rng.standard_normal(9),), hessian=True)
def cumulative_initial(y):
    from scipy.integrate import cumulative_trapezoid
    c = cumulative_trapezoid(np.exp(0.3 * y), dx=0.25, initial=0)
    return np.sum(c**2) + c[-1]


@case(lambda rng: (np.array([0.7, 1.3]),), hessian=True)
def trapezoid_x_dependent(p):
    t = np.linspace(0.0, 1.0, 11) * p[1]
    return scipy.integrate.trapezoid(np.exp(-p[0] * t), t) + np.trapezoid(t**2, dx=0.1)


@case(lambda rng: (rng.standard_normal(6),), hessian=True)
def squareform_condensed(v):
    from scipy.spatial.distance import squareform as sq
    M = sq(v**2)
    return np.sum(M @ np.arange(1.0, 5.0)) + np.sum(sq(M * 2.0) ** 3)


@case(lambda rng: (rng.standard_normal((5, 2)), rng.standard_normal((3, 2))))
def cdist_cityblock_kmeans(X, C):
    import scipy.spatial.distance as ssd
    D = ssd.cdist(X, C, metric="cityblock") + ssd.cdist(X, C, "sqeuclidean")
    return np.sum(special.softmax(-D, axis=1) * D)


@case(lambda rng: (rng.standard_normal((6, 2)),))
def pdist_sq_kernel(X):
    from scipy.spatial import distance
    K = np.exp(-distance.squareform(distance.pdist(X, "sqeuclidean")))
    return np.sum(np.log(np.sum(K, axis=1)))


@case(lambda rng: (rng.standard_normal((4, 4)),), hessian=True)
def eigvals_only_spectral(A):
    S = A @ A.T + np.eye(4)
    w = sla.eigh(S, eigvals_only=True)
    w2 = scipy.linalg.eigvalsh(S, lower=False)
    return np.sum(np.log(w)) + np.max(w2)


@case(lambda rng: (rng.standard_normal((5, 3)),))
def svdvals_condition(A):
    s = sla.svdvals(A)
    U, s2, Vt = sla.svd(A, full_matrices=False, lapack_driver="gesvd")
    return s[0] / s[-1] + np.sum(np.abs(Vt[0])) * 0.0 + np.sum(s2**2)


@case(lambda rng: (rng.standard_normal((4, 4)),))
def qr_full_square_norms(A):
    Q, R = sla.qr(A)
    return np.sum(np.diag(R) ** 2) + sla.norm(A, axis=0).sum() + sla.norm(Q @ A, ord=1)


@case(lambda rng: (rng.standard_normal((4, 3)),))
def qr_mode_r(A):
    (R,) = sla.qr(A, mode="r")
    return np.sum(R**2)


@case(lambda rng: (rng.standard_normal((3, 3)),))
def eigh_generalized(A):
    S = A @ A.T + np.eye(3)
    B = np.diag([1.0, 2.0, 3.0])
    w = sla.eigh(S, B, eigvals_only=True)
    return np.sum(w)


@case(lambda rng: (np.array([0.2, 0.4]), rng.weibull(1.5, 10) + 0.05), hessian=True)
def weibull_halfnorm_mle(theta, x):
    c, scale = np.exp(theta)
    return -(np.sum(stats.weibull_min.logpdf(x, c, scale=scale))
             + np.sum(stats.halfnorm.logpdf(x, loc=0.0, scale=scale)))


@case(lambda rng: (rng.standard_normal(4), rng.standard_normal(4)))
def entropy_kl_base(a, b):
    p, q = np.exp(a), np.exp(b)
    return stats.entropy(p, q) + stats.entropy(p, base=2) - scipy.stats.entropy(q, p, base=np.e)


@case(lambda rng: (rng.uniform(0.1, 1.0, (3, 4)),))
def entropy_axis(W):
    return np.sum(stats.entropy(W, axis=1)) + np.sum(stats.lognorm.cdf(W, 0.7) ** 2)


# ================================================= class-based models, more spellings


class Base:
    scale = 2.0

    def forward(self, x):
        return x @ self.W

    def __call__(self, x):
        return self.forward(x)


class Scaled(Base):
    def __init__(self, W):
        self.W = W

    def forward(self, x):
        return self.scale * np.tanh(super().forward(x))


@case(lambda rng: (rng.standard_normal((3, 2)), rng.standard_normal((4, 3))))
def super_forward_class_attr(W, X):
    return np.sum(Scaled(W)(X) ** 2)


class Stack:
    def __init__(self, Ws):
        self.layers = []
        for W in Ws:
            self.layers.append(Scaled(W))

    def __getitem__(self, i):
        return self.layers[i]

    def __len__(self):
        return len(self.layers)

    def __call__(self, x):
        for i in range(len(self)):
            x = self[i](x)
        return x


@case(lambda rng: (rng.standard_normal((2, 3, 3)) * 0.5, rng.standard_normal((4, 3))))
def stack_getitem(Ws, X):
    return np.sum(Stack(Ws)(X))


class Softplus:
    def __init__(self, raw):
        self.raw = raw

    @property
    def value(self):
        return np.log1p(np.exp(self.raw))


@case(lambda rng: (rng.standard_normal(3),), hessian=True)
def property_positive(raw):
    p = Softplus(raw)
    return np.sum(p.value**2) + np.sum(np.log(p.value))


GLOBAL_MODEL = Model()


@case(lambda rng: (rng.standard_normal(2), rng.standard_normal((5, 2)), rng.standard_normal(5)))
def global_object_attribute_write(w, X, y):
    GLOBAL_MODEL.w = w
    return model_loss(GLOBAL_MODEL, X, y)


class Cached:
    def __init__(self, W):
        self.W = W
        self._h = None

    def hidden(self, x):
        self._h = np.tanh(x @ self.W)
        return self._h

    def readout(self):
        return np.sum(self._h**2)


@case(lambda rng: (rng.standard_normal((3, 2)), rng.standard_normal((4, 3))))
def cached_attribute_between_methods(W, X):
    m = Cached(W)
    h = m.hidden(X)
    return m.readout() + np.sum(h)


class Trainable:
    def __init__(self, w):
        self.w = w

    def step(self, X, y, lr):
        r = X @ self.w - y
        self.w = self.w - lr * X.T @ r / len(y)
        return self


@case(lambda rng: (rng.standard_normal(3), rng.standard_normal((6, 3)), rng.standard_normal(6)),
      hessian=True)
def object_state_updated_in_loop(w0, X, y):
    m = Trainable(w0)
    for _ in range(3):
        m = m.step(X, y, 0.1)
    return np.sum((X @ m.w - y) ** 2)


class FromVector:
    def __init__(self, W, b):
        self.W, self.b = W, b

    @classmethod
    def from_vector(cls, theta):
        return cls(theta[:6].reshape(3, 2), theta[6:])

    @staticmethod
    def act(z):
        return np.maximum(z, 0.0) + 0.1 * np.minimum(z, 0.0)

    def __call__(self, x):
        return self.act(x @ self.W + self.b)


@case(lambda rng: (rng.standard_normal(8), rng.standard_normal((5, 3))))
def classmethod_from_vector(theta, X):
    return np.sum(FromVector.from_vector(theta)(X) ** 2)


class LayerDict:
    def __init__(self, params):
        self.params = params

    def __call__(self, x):
        for name in sorted(self.params):
            x = np.tanh(x @ self.params[name])
        return x


@case(lambda rng: ({"a": rng.standard_normal((3, 3)) * 0.5, "b": rng.standard_normal((3, 2))},
                   rng.standard_normal((4, 3))))
def dict_of_layers_sorted(params, X):
    return np.sum(LayerDict(params)(X) ** 2)


@dataclasses.dataclass
class Inner:
    w: np.ndarray


@dataclasses.dataclass
class Outer:
    inner: Inner
    b: float


@case(lambda rng: (rng.standard_normal(3), rng.standard_normal((4, 3))))
def nested_dataclasses(w, X):
    o = Outer(Inner(w * 2.0), 0.5)
    return np.sum(np.exp(X @ o.inner.w + o.b))


def make_layer(W):
    return lambda x: np.tanh(x @ W)


@case(lambda rng: (rng.standard_normal((3, 3)) * 0.5, rng.standard_normal((4, 3))))
def closure_layers(W, X):
    layers = [make_layer(W), make_layer(W.T)]
    for f in layers:
        X = f(X)
    return np.sum(X**2)


class Slots:
    __slots__ = ("w", "c")

    def __init__(self, w, c):
        self.w = w
        self.c = c

    def energy(self):
        return np.sum((self.w - self.c) ** 2)


@case(lambda rng: (rng.standard_normal(4),), hessian=True)
def slots_class(w):
    return Slots(w, 1.0).energy() + Slots(w**2, 0.0).energy()


class Ensemble:
    def __init__(self, members):
        self.members = members

    def predict(self, x):
        return sum(m(x) for m in self.members) / len(self.members)


@case(lambda rng: (rng.standard_normal((3, 2)), rng.standard_normal((4, 3))))
def ensemble_generator_sum(W, X):
    ens = Ensemble([Scaled(W), Scaled(W * 0.5), Scaled(-W)])
    return np.sum(ens.predict(X) ** 2)


class SharedLayer:
    def __init__(self, W):
        self.W = W

    def __call__(self, x):
        return np.tanh(x @ self.W)


@case(lambda rng: (rng.standard_normal((3, 3)) * 0.6, rng.standard_normal((4, 3))), hessian=False)
def shared_layer_twice(W, X):
    layer = SharedLayer(W)
    layers = [layer, SharedLayer(W.T), layer]
    for lyr in layers:
        X = lyr(X)
    return np.sum(X**2)


@case(lambda rng: (rng.standard_normal((3, 3)) * 0.6, rng.standard_normal((4, 3))))
def functools_reduce_layers(W, X):
    import functools
    layers = [SharedLayer(W), SharedLayer(W * 0.5)]
    out = functools.reduce(lambda h, lyr: lyr(h), layers, X)
    return np.sum(out**2)


class Shadow:
    scale = 1.0

    def __init__(self, w, scale):
        self.w = w
        self.scale = scale

    def value(self):
        return self.scale * np.sum(self.w**2)


@case(lambda rng: (rng.standard_normal(3), 1.7), hessian=True)
def instance_shadows_class_attr(w, s):
    return Shadow(w, s).value() + Shadow(w * 2, 1.0).value()


@case(lambda rng: (1.7, rng.standard_normal(3)), hessian=True)
def instance_shadows_class_attr_wrt_scale(s, w):
    return Shadow(w, s).value() * Shadow(w, s * s).value()


class TwoOut:
    def __init__(self, W):
        self.W = W

    def forward(self, x):
        h = x @ self.W
        return np.tanh(h), h

    def energy(self, x):
        a, h = self.forward(x)
        return np.sum(a * h)


@case(lambda rng: (rng.standard_normal((3, 2)), rng.standard_normal((4, 3))), hessian=True)
def method_returns_tuple(W, X):
    return TwoOut(W).energy(X)


class External:
    def __init__(self, A):
        self.A = A

    def quad(self, x):
        return x @ self.A @ x


EXTERNAL = External(np.array([[2.0, 0.3, 0.0], [0.3, 1.0, 0.2], [0.0, 0.2, 1.5]]))


@case(lambda rng: (rng.standard_normal(3),), hessian=True)
def global_object_constant(x):
    return EXTERNAL.quad(x) + np.sum(np.cos(x))


@case(lambda rng: (rng.standard_normal(3), External(np.diag([1.0, 2.0, 3.0]))), hessian=True)
def object_argument_constant(x, ext):
    return ext.quad(np.sin(x))


@case(lambda rng: (External(np.array([[1.0, 0.2], [0.1, 2.0]])), rng.standard_normal(2)))
def object_argument_wrt(ext, x):
    return ext.quad(x) + np.sum(ext.A**3)


class Mixin:
    def l2(self):
        return sum(np.sum(p**2) for p in self.params())


class TwoParam(Mixin):
    def __init__(self, a, b):
        self.a = a
        self.b = b

    def params(self):
        return [self.a, self.b]


@case(lambda rng: (rng.standard_normal(3), rng.standard_normal(2)), hessian=True)
def mixin_params_list(a, b):
    m = TwoParam(a, b * a[:2])
    return m.l2() + np.sum(m.a) * np.sum(m.b)


class Counter:
    calls = 0

    def __init__(self, w):
        self.w = w

    def __call__(self, x):
        Counter.calls += 1
        return np.sum(self.w * x)


@case(lambda rng: (rng.standard_normal(3), rng.standard_normal(3)))
def class_counter_side_effect(w, x):
    c = Counter(w)
    return c(x) ** 2 + c(x * 2)


class Masked:
    mask = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])

    def __init__(self, W):
        self.W = W

    def __call__(self, x):
        return x @ (self.W * self.mask)


@case(lambda rng: (rng.standard_normal((3, 2)) * 0.5, rng.standard_normal((4, 3))),
      hessian=True)
def class_attr_array_mask(W, X):
    return np.sum(np.tanh(Masked(W)(X)) ** 2)


# ===================================================== SciPy, keyword-heavy spellings


@case(lambda rng: (rng.standard_normal((3, 4)),))
def logsumexp_return_sign(A):
    b = np.array([1.0, -0.5, 2.0, 0.3])
    v, s = special.logsumexp(A, axis=1, b=b, return_sign=True)
    return np.sum(v * s) + special.logsumexp(A, axis=(0, 1), keepdims=True).sum()


@case(lambda rng: (rng.standard_normal((2, 3, 2)),))
def softmax_axis_tuple(A):
    P = special.softmax(A, axis=(1, 2))
    L = special.log_softmax(A, axis=0)
    return np.sum(P * np.arange(12.0).reshape(2, 3, 2)) + np.sum(L[0] * L[1])


@case(lambda rng: (rng.standard_normal((4, 4)), rng.standard_normal((4, 2))))
def triangular_trans_unit(A, B):
    U = np.triu(A) + 3 * np.eye(4)
    X = sla.solve_triangular(U, B, trans="T", unit_diagonal=False)
    Y = sla.solve_triangular(np.tril(A, -1) + np.eye(4), B, lower=True, unit_diagonal=True)
    return np.sum(X**2) + np.sum(Y * X)


@case(lambda rng: (rng.standard_normal((3, 3)), rng.standard_normal((3, 2))))
def cho_upper_solve(B, R):
    S = B @ B.T + 2 * np.eye(3)
    c = sla.cho_factor(S, lower=False)
    X = sla.cho_solve(c, R)
    U = sla.cholesky(S)
    return np.sum(X * R) + np.sum(np.log(np.diag(U)))


@case(lambda rng: (rng.standard_normal((3, 3)),), hessian=True)
def det_negative_and_logabs(A):
    M = A - 2 * np.eye(3)
    sign, logabs = np.linalg.slogdet(M)
    return sla.det(M) + sign * logabs


@case(lambda rng: (rng.standard_normal((3, 3)) * 0.5, rng.standard_normal(3)))
def expm_nonnormal_action(A, v):
    N = np.triu(A, 1) * 3 + np.diag(np.diag(A))
    return np.sum(sla.expm(N) @ v) + np.sum(sla.expm(0.5 * (N + N.T)) ** 2)


@case(lambda rng: (rng.standard_normal(6) * 2,), hessian=True)
def special_keyword_calls(x):
    out = np.empty_like(x)
    special.expit(x, out=out)
    return (np.sum(out) + np.sum(special.erf(x * 0.5))
            + np.sum(special.xlogy(np.abs(x) + 0.1, np.exp(x))))


@case(lambda rng: (np.array([0.3, -0.2, 0.5]), rng.standard_normal((4, 3))), hessian=True)
def stats_broadcast_loc_scale(theta, X):
    loc = theta[:, None] * np.ones((3, 4))
    scale = np.exp(theta)[:, None] + 0.5
    return -np.sum(stats.norm.logpdf(X.T, loc, scale)) - np.sum(stats.t.logcdf(X, df=3.0))


@case(lambda rng: (rng.uniform(0.5, 2.0, 3),), hessian=True)
def stats_positional_shape_kw(a):
    x = np.array([0.2, 0.5, 0.7])
    return -np.sum(stats.beta.logpdf(x, a=a, b=2.0)) - np.sum(stats.gamma.pdf(x, a, 0.0, 2.0))


@case(lambda rng: (rng.standard_normal(5), rng.standard_normal(5)))
def pearson_style_corr(x, y):
    xm, ym = x - x.mean(), y - y.mean()
    r = np.sum(xm * ym) / np.sqrt(np.sum(xm**2) * np.sum(ym**2))
    return np.arctanh(0.9 * r) + np.corrcoef(x, y)[0, 1]


@case(lambda rng: (rng.standard_normal((3, 3)) + 3 * np.eye(3), rng.standard_normal((3, 2))))
def lu_transposed_solve(A, B):
    lu, piv = sla.lu_factor(A)
    X = sla.lu_solve((lu, piv), B, trans=1)
    return np.sum(X**2) + np.sum(sla.solve(A, B, assume_a="gen"))
