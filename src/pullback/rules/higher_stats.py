"""Second-order rules for the gradients' helpers of scipy.stats (rules/scipy_stats.py):
`stats_grad` of every location-scale family and method there (norm, t, gamma, beta,
chi2, expon, laplace, cauchy, logistic, uniform; logpdf, pdf, cdf, logcdf, sf, logsf),
`poisson_grad` and `dirichlet_grad`, so that hessian, hvp and reverse over reverse go
through them.

Guarantees:
- each helper is linear in the gradient it is given (`d`), and elementwise (stats_grad,
  poisson_grad) or written out (dirichlet_grad) in the other parameters; its tangent in d
  is the helper itself on d's tangent, its adjoint the transpose of that linear map;
- stats_grad(d, value, ...) = d D_wrt summed to wrt's shape, with D_wrt the derivative of
  family.method in wrt. For a density, log f(x) = l(z; shapes) - log s with z = (x - loc)
  / s, D is written through l_z and l_shape, and its derivatives through l_zz, l_z,shape
  and l_shape,shape, each family's (`_SECOND`: closed forms, digamma's derivative for the
  shape parameters); a pdf's D is the density `value` (a parameter of its own) times the
  log density's. For the cdf-like methods D = c exp(l - A) J_wrt, J the derivative of z
  (c = -1 for sf and logsf, A the result `value` for logcdf and logsf, else 0);
- poisson_grad's D in mu is k / mu - 1 (times the pmf `value`) for logpmf and pmf, and
  -pmf(floor(k), mu) (over exp(value) for the log forms; sf and logsf the opposite sign)
  for the cumulative ones, whose derivative in mu is D (floor(k) / mu - 1);
- dirichlet_grad is (d, or d times the pdf `value`) times (alpha - 1) / x in x, and sums
  of log x and digamma differences in alpha: each derivative, in x, alpha and value,
  written out;
- the shape parameters of the cdf-like methods have no first derivative rule (refused
  there); the helpers here have no rules of their own (a third derivative is refused
  where it reaches them).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..runtime.helpers import GradList, unbroadcast
from . import rule, scipy_stats
from .support import _zero

FRESH = ("fresh",)
special = scipy_stats.special


# ------------------------------------------------------------------ second derivatives
# Each: (z, *shapes) -> (l_zz, (l_z,shape_i ...), ((l_shape_i,shape_j ...) ...)), the second
# derivatives of the standardized log density l(z; shapes) (0 outside the support).

def _flat(z):
    return np.zeros(np.shape(z)), (), ()


def _norm2(z):  # (zeros, not 0 * z: nan at an infinite z)
    return np.full(np.shape(z), -1.0), (), ()


def _logistic2(z):
    return -0.5 * (1.0 - np.tanh(0.5 * z) ** 2), (), ()


def _cauchy2(z):
    return -2.0 * (1.0 - z * z) / (1.0 + z * z) ** 2, (), ()


def _t2(z, df):
    q = df + z * z
    zz = -(df + 1.0) * (df - z * z) / q ** 2
    zdf = z * (1.0 - z * z) / q ** 2
    dfdf = (0.25 * (special.polygamma(1, 0.5 * (df + 1.0)) - special.polygamma(1, 0.5 * df))
            + 0.5 / df ** 2 + 0.5 * z * z / (df * q)
            - 0.5 * z * z * (df * df + 2.0 * df + z * z) / (df * df * q * q))
    return zz, (zdf,), ((dfdf,),)


def _gamma2(z, a):
    inside = z > 0
    zz = np.where(inside, z, 1.0)
    return (np.where(inside, -(a - 1.0) / zz ** 2, 0.0), (np.where(inside, 1.0 / zz, 0.0),),
            ((-special.polygamma(1, a) + 0.0 * z,),))


def _beta2(z, a, b):
    inside = (z > 0) & (z < 1)
    zz = np.where(inside, z, 0.5)
    both = special.polygamma(1, a + b)
    return (np.where(inside, -(a - 1.0) / zz ** 2 - (b - 1.0) / (1.0 - zz) ** 2, 0.0),
            (np.where(inside, 1.0 / zz, 0.0), np.where(inside, -1.0 / (1.0 - zz), 0.0)),
            ((both - special.polygamma(1, a) + 0.0 * z, both + 0.0 * z),
             (both + 0.0 * z, both - special.polygamma(1, b) + 0.0 * z)))


def _chi22(z, df):
    inside = z > 0
    zz = np.where(inside, z, 1.0)
    k = 0.5 * df
    return (np.where(inside, -(k - 1.0) / zz ** 2, 0.0), (np.where(inside, 0.5 / zz, 0.0),),
            ((-0.25 * special.polygamma(1, k) + 0.0 * z,),))


_SECOND = {"norm": _norm2, "logistic": _logistic2, "laplace": _flat, "cauchy": _cauchy2,
           "expon": _flat, "uniform": _flat, "t": _t2, "gamma": _gamma2, "beta": _beta2,
           "chi2": _chi22}
_COORDINATES = ("x", "loc", "scale")


def _slope_along(value, family, method, wrt, x, shapes, loc, scale, along):
    """The derivative in `along` (x, loc, scale, a shape's name, or `value`: the result,
    a parameter of its own) of D_wrt, stats_grad's elementwise factor of d."""
    standard, names = scipy_stats._FAMILIES[family]
    shapes = tuple(np.asarray(s, dtype=float) for s in shapes)
    s = np.asarray(scale, dtype=float)
    z = (np.asarray(x, dtype=float) - np.asarray(loc, dtype=float)) / s
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        logf, lz, lshape = standard(z, *shapes)
        lzz, lzshape, lshape2 = _SECOND[family](z, *shapes)
        J = {"x": 1.0 / s, "loc": -1.0 / s, "scale": -z / s}  # dz / d coordinate
        density = method in ("logpdf", "pdf")
        if along == "value":
            if method == "pdf":
                return scipy_stats._stats_slope(1.0, 1.0, family, method, wrt, x, shapes,
                                                loc, scale)[0]
            if method in ("logcdf", "logsf"):
                return -scipy_stats._stats_slope(1.0, value, family, method, wrt, x, shapes,
                                                 loc, scale)[0]
            return np.zeros(np.shape(z))
        # the derivatives of l_z and l_shape_i along `along`
        if along in names:
            k = names.index(along)
            dlz, dlshape = lzshape[k], [row[k] for row in lshape2]
            Jp, ds = 0.0, 0.0  # z and 1 / s do not move
        else:
            Jp = J[along]
            dlz, dlshape = lzz * Jp, [c * Jp for c in lzshape]
            ds = -1.0 / (s * s) if along == "scale" else 0.0  # d(1 / s)
        if density:
            if wrt in names:
                out = dlshape[names.index(wrt)]
            elif wrt == "x":
                out = dlz / s + lz * ds
            elif wrt == "loc":
                out = -dlz / s - lz * ds
            else:  # D_scale = -(l_z z + 1) / s
                out = -(dlz * z + lz * Jp) / s - (lz * z + 1.0) * ds
            return out * value if method == "pdf" else out
        sign = -1.0 if method in ("sf", "logsf") else 1.0
        moved = lz * Jp if along not in names else lshape[names.index(along)]
        dJ = {("x", "scale"): -1.0 / (s * s), ("loc", "scale"): 1.0 / (s * s),
              ("scale", "x"): -1.0 / (s * s), ("scale", "loc"): 1.0 / (s * s),
              ("scale", "scale"): 2.0 * z / (s * s)}.get((wrt, along), 0.0)
        shift = value if method in ("logcdf", "logsf") else 0.0
        density = np.exp(logf - shift)
        # where the density is 0 (z infinite: an ordered model's outer thresholds) the
        # derivative is 0, not 0 * inf
        return sign * np.where(density == 0.0, 0.0, density * (moved * J[wrt] + dJ))


def _target(wrt, x, shapes, loc, scale, names):
    return {"x": x, "loc": loc, "scale": scale, **dict(zip(names, shapes))}[wrt]


def stats_grad_tangent(t, d, value, family, method, wrt, x, shapes, loc, scale, along):
    """stats_grad(d, value, ...) along the tangent t of d, value, x, loc or scale."""
    if _zero(t) or along != "d" and _zero(d):
        return 0.0
    names = scipy_stats._FAMILIES[family][1]
    like = _target(wrt, x, shapes, loc, scale, names)
    if along == "d":
        return scipy_stats.stats_grad(t, value, family, method, wrt, x, shapes, loc, scale)
    factor = _slope_along(value, family, method, wrt, x, shapes, loc, scale, along)
    return unbroadcast(d * factor * t, like)


def stats_grad_tangent_shapes(t, d, value, family, method, wrt, x, shapes, loc, scale):
    """Along the tangents t of the shape parameters (a sequence, 0.0 for none)."""
    if _zero(t) or _zero(d):
        return 0.0
    names = scipy_stats._FAMILIES[family][1]
    like = _target(wrt, x, shapes, loc, scale, names)
    total = 0.0
    for name, ti in zip(names, t):
        if not _zero(ti):
            factor = _slope_along(value, family, method, wrt, x, shapes, loc, scale, name)
            total = total + d * factor * ti
    return unbroadcast(total, like) if not _zero(total) else 0.0


def _spread(g, factor, like):
    """g spread to the shape of the full (broadcast) result, which `like` also reaches."""
    return np.broadcast_to(g, np.broadcast_shapes(np.shape(g), np.shape(factor),
                                                  np.shape(like)))


def stats_grad_adjoint(g, d, value, family, method, wrt, x, shapes, loc, scale, along):
    """The transpose of stats_grad_tangent: g spread to the full shape, times the factor
    (in d: stats_grad's own), summed to the parameter's shape."""
    if _zero(g) or along != "d" and _zero(d):
        return 0.0
    if along == "d":
        factor, _ = scipy_stats._stats_slope(g, value, family, method, wrt, x, shapes, loc,
                                             scale)
        like = d
    else:
        factor = d * _slope_along(value, family, method, wrt, x, shapes, loc, scale, along)
        like = {"x": x, "loc": loc, "scale": scale, "value": value}[along]
    return unbroadcast(_spread(g, factor, like) * factor, like)


def stats_grad_adjoint_shapes(g, d, value, family, method, wrt, x, shapes, loc, scale):
    """The adjoint in the shape parameters: one gradient per shape (a GradList)."""
    names = scipy_stats._FAMILIES[family][1]
    if _zero(g) or _zero(d) or not names:
        return 0.0
    out = []
    for name, shape in zip(names, shapes):
        factor = d * _slope_along(value, family, method, wrt, x, shapes, loc, scale, name)
        out.append(unbroadcast(_spread(g, factor, shape) * factor, shape))
    return GradList(out)


# ------------------------------------------------------------------------ poisson
# poisson_grad(d, value, method, k, mu, loc) = d D summed to mu's shape.

def _poisson_slope(value, method, k, mu, loc, along):
    """D (along None) or its derivative in mu or in the result `value`."""
    k = np.asarray(k, dtype=float) - loc
    mu = np.asarray(mu, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method in ("logpmf", "pmf"):
            if along is None:
                D = k / mu - 1.0
                return D * value if method == "pmf" else D
            if along == "value":
                return k / mu - 1.0 if method == "pmf" else 0.0 * mu
            second = -k / (mu * mu)
            return second * value if method == "pmf" else second
        m = np.floor(k)
        D = np.exp(scipy_stats.stats.poisson.logpmf(m, mu)
                   - (value if method in ("logcdf", "logsf") else 0.0))
        D = -D if method in ("cdf", "logcdf") else D
        if along is None:
            return D
        if along == "value":
            return -D if method in ("logcdf", "logsf") else 0.0 * D
        return D * (m / mu - 1.0)


def poisson_grad_tangent(t, d, value, method, k, mu, loc, along):
    if _zero(t) or along != "d" and _zero(d):
        return 0.0
    if along == "d":
        return scipy_stats.poisson_grad(t, value, method, k, mu, loc)
    return unbroadcast(d * _poisson_slope(value, method, k, mu, loc, along) * t, mu)


def poisson_grad_adjoint(g, d, value, method, k, mu, loc, along):
    if _zero(g) or along != "d" and _zero(d):
        return 0.0
    factor = _poisson_slope(value, method, k, mu, loc, None if along == "d" else along)
    if along != "d":
        factor = d * factor
    like = {"d": d, "mu": mu, "value": value}[along]
    return unbroadcast(_spread(g, factor, like) * factor, like)


# ---------------------------------------------------------------------- dirichlet
# dirichlet_grad(d, value, method, wrt, x, alpha), G = d (logpdf) or d value (pdf), of
# the samples' shape (x: (k,) or (k, n)), a the concentrations laid along x's first axis:
# in x, G (a - 1) / x; in alpha, sum over the samples of G log x, plus sum(G) (digamma(
# sum alpha) - digamma(alpha)).

def _dirichlet_parts(d, value, method, x, alpha):
    x, alpha = np.asarray(x, dtype=float), np.asarray(alpha, dtype=float)
    G = d * value if method == "pdf" else d
    return x, alpha, alpha.reshape((-1,) + (1,) * (x.ndim - 1)), G, tuple(range(1, x.ndim))


def dirichlet_grad_tangent(t, d, value, method, wrt, x, alpha, along):
    """dirichlet_grad along the tangent t of d, value, x or alpha."""
    if _zero(t) or along != "d" and _zero(d) or along == "value" and method != "pdf":
        return 0.0
    if along in ("d", "value"):  # linear in G = d (value)
        G = t if along == "d" else d * t
        return scipy_stats.dirichlet_grad(G, value if along == "d" else 1.0,
                                          method if along == "d" else "logpdf", wrt, x, alpha)
    x, alpha, a, G, samples = _dirichlet_parts(d, value, method, x, alpha)
    t = np.asarray(t, dtype=float)
    if wrt == "x":
        if along == "x":
            return -G * (a - 1.0) * t / (x * x)
        return G * t.reshape(a.shape) / x
    if along == "x":
        return np.sum(G * t / x, axis=samples)
    return np.sum(G) * (special.polygamma(1, np.sum(alpha)) * np.sum(t)
                        - special.polygamma(1, alpha) * t)


def dirichlet_grad_adjoint(g, d, value, method, wrt, x, alpha, along):
    """The transpose of dirichlet_grad_tangent."""
    if _zero(g) or along != "d" and _zero(d) or along == "value" and method != "pdf":
        return 0.0
    x, alpha, a, G, samples = _dirichlet_parts(d, value, method, x, alpha)
    g = np.asarray(g, dtype=float)
    if along in ("d", "value"):  # the adjoint in G, then G = d (value)
        if wrt == "x":
            adjoint = np.sum(g * (a - 1.0) / x, axis=0)
        else:
            norm = special.digamma(np.sum(alpha)) - special.digamma(alpha)
            adjoint = np.sum(g.reshape(a.shape) * np.log(x), axis=0) + np.dot(g, norm)
        if along == "d":
            return adjoint * value if method == "pdf" else adjoint
        return adjoint * d
    if wrt == "x":
        if along == "x":
            return -g * G * (a - 1.0) / (x * x)
        return np.sum(g * G / x, axis=samples)
    if along == "x":
        return g.reshape(a.shape) * G / x
    return np.sum(G) * (special.polygamma(1, np.sum(alpha)) * np.sum(g)
                        - special.polygamma(1, alpha) * g)


# ------------------------------------------------------------ multivariate_normal
# mvn_grad(d, value, method, wrt, x, mean, cov) is the gradient in wrt of L = sum_s G_s
# l_s(x, mean, cov), G = d (logpdf) or d value (pdf), l_s the log density of sample s. Its
# derivative in another parameter p is a mixed second derivative of L, so the transpose
# of mvn_grad(wrt)'s derivative in p is mvn_grad(p)'s derivative in wrt; in G, the
# adjoint is the tangent of l_s along g (mvn_tangent).

def _mvn_moved(t, d, value, method, x, mean, cov, along, sigma):
    """(dG, dr, dS): the moves of G, of the samples' residuals and of Sigma along the
    tangent t of d, value, x, mean or cov (zeros where t does not move them)."""
    n_dims = sigma.shape[0]
    zero = 0.0
    if along == "d":
        return np.reshape(t * value if method == "pdf" else t, (-1,)), zero, zero
    if along == "value":
        return (np.reshape(d * t, (-1,)) if method == "pdf" else zero), zero, zero
    if along == "x":
        return zero, np.reshape(np.asarray(t, dtype=float), (-1, n_dims)), zero
    if along == "mean":
        return zero, -np.broadcast_to(np.reshape(t, (-1,)), (n_dims,)), zero
    return zero, zero, scipy_stats._covariance(np.asarray(t, dtype=float), n_dims)


def mvn_grad_tangent(t, d, value, method, wrt, x, mean, cov, along):
    """mvn_grad(d, value, method, wrt, ...) along the tangent t of d, value, x, mean or
    cov: with sr = inv(S) r per sample, dsr = inv(S) (dr - dS sr), the gradients -G sr
    (x), sum G sr (mean) and (sr^T G sr - sum(G) inv(S)) / 2 (cov, read back as SciPy
    reads it) moved."""
    if _zero(t) or along != "d" and _zero(d) or along == "value" and method != "pdf":
        return 0.0
    samples, mean_, sigma = scipy_stats.mvn_parts(x, mean, cov)
    G = np.reshape(d * value if method == "pdf" else d, (-1,)) * np.ones(len(samples))
    dG, dr, dS = _mvn_moved(t, d, value, method, x, mean, cov, along, sigma)
    inverse = np.linalg.inv(sigma)
    sr = (samples - mean_) @ inverse
    moved_r = dr if _zero(dS) else dr - sr @ dS
    dsr = np.zeros_like(sr) if _zero(moved_r) else (moved_r + 0.0 * sr) @ inverse
    if wrt in ("x", "mean"):
        moved = dG[:, None] * sr + G[:, None] * dsr if not _zero(dG) else G[:, None] * dsr
        if wrt == "x":
            return (-moved).reshape(np.shape(x))
        return np.sum(moved, axis=0).reshape(np.shape(mean))
    half = dsr.T @ (G[:, None] * sr)
    full = 0.5 * (half + half.T)
    if not _zero(dS):
        full = full + 0.5 * np.sum(G) * (inverse @ dS @ inverse)
    if not _zero(dG):
        full = full + 0.5 * (sr.T @ (dG[:, None] * sr) - np.sum(dG) * inverse)
    return scipy_stats.covariance_transpose(full, cov)


def mvn_grad_adjoint(g, d, value, method, wrt, x, mean, cov, along):
    """The adjoint of mvn_grad(wrt) in d, value, x, mean or cov (see above)."""
    if _zero(g) or along != "d" and _zero(d) or along == "value" and method != "pdf":
        return 0.0
    if along in ("d", "value"):
        moved = scipy_stats.mvn_slope(g, wrt, x, mean, cov).reshape(np.shape(d))
        return moved * (value if method == "pdf" else 1.0) if along == "d" else moved * d
    return mvn_grad_tangent(g, d, value, method, along, x, mean, cov, wrt)


def mvn_entropy_grad_tangent(t, d, cov):
    """mvn_entropy_grad(d, cov) = inv(S) d / 2 (read back) along cov's tangent t:
    -inv(S) dS inv(S) d / 2; symmetric, its own adjoint."""
    if _zero(t) or _zero(d):
        return 0.0
    cov_ = np.asarray(cov, dtype=float)
    inverse = np.linalg.inv(scipy_stats._covariance(cov_, cov_.shape[0] if cov_.ndim else 1))
    dS = scipy_stats._covariance(np.asarray(t, dtype=float), inverse.shape[0])
    return scipy_stats.covariance_transpose(-0.5 * d * inverse @ dS @ inverse, cov)


_STATS = "d, value, family, method, wrt, x, shapes, loc, scale"
_POISSON = "d, value, method, k, mu, loc"
_DIRICHLET = "d, value, method, wrt, x, alpha"
_MVN = "d, value, method, wrt, x, mean, cov"
RULES = {
    scipy_stats.stats_grad: rule(
        _STATS, kinds=FRESH,
        jvp={**{p: f"stats_grad_tangent(g, {_STATS}, {p!r})"
                for p in ("d", "value", "x", "loc", "scale")},
             "shapes": f"stats_grad_tangent_shapes(g, {_STATS})"},
        **{p: f"stats_grad_adjoint(g, {_STATS}, {p!r})"
           for p in ("d", "value", "x", "loc", "scale")},
        shapes=f"stats_grad_adjoint_shapes(g, {_STATS})"),
    scipy_stats.poisson_grad: rule(
        _POISSON, kinds=FRESH,
        jvp={p: f"poisson_grad_tangent(g, {_POISSON}, {p!r})" for p in ("d", "value", "mu")},
        **{p: f"poisson_grad_adjoint(g, {_POISSON}, {p!r})" for p in ("d", "value", "mu")}),
    scipy_stats.dirichlet_grad: rule(
        _DIRICHLET, kinds=FRESH,
        jvp={p: f"dirichlet_grad_tangent(g, {_DIRICHLET}, {p!r})"
             for p in ("d", "value", "x", "alpha")},
        **{p: f"dirichlet_grad_adjoint(g, {_DIRICHLET}, {p!r})"
           for p in ("d", "value", "x", "alpha")}),
    scipy_stats.mvn_grad: rule(
        _MVN, kinds=FRESH,
        jvp={p: f"mvn_grad_tangent(g, {_MVN}, {p!r})" for p in ("d", "value", "x", "mean", "cov")},
        **{p: f"mvn_grad_adjoint(g, {_MVN}, {p!r})" for p in ("d", "value", "x", "mean", "cov")}),
    scipy_stats.mvn_entropy_grad: replace(rule(
        "d, cov", kinds=FRESH,
        jvp={"d": "mvn_entropy_grad(g, cov)", "cov": "mvn_entropy_grad_tangent(g, d, cov)"},
        d="mvn_entropy_tangent(g, cov)", cov="mvn_entropy_grad_tangent(g, d, cov)"),
        functions=(("mvn_entropy_grad", scipy_stats.mvn_entropy_grad),
                   ("mvn_entropy_tangent", scipy_stats.mvn_entropy_tangent))),
}
NONDIFF: set = set()
HELPERS = {name: obj for name, obj in list(globals().items())
           if callable(obj) and not name.startswith("_") and getattr(obj, "__module__", "")
           == __name__}
