"""Rules for `scipy.stats` distributions called as functions (`norm.logpdf(x, loc, scale)`).

SciPy's distributions are objects and their methods bound methods, made anew at each
attribute access; a bound method equals (and hashes like) another bound to the same
object, so the tables are keyed by the bound methods themselves and a call
`scipy.stats.norm.logpdf(...)` finds its rule however it is spelled.

Covered, with the gradient with respect to every parameter autograd differentiates:

- location-scale families `norm`, `t` (df), `gamma` (a), `beta` (a, b), `chi2` (df),
  `expon`, `laplace`, `cauchy`, `logistic`, `uniform`: `logpdf`, `pdf`, `cdf`, `logcdf`,
  `sf`, `logsf` in x, loc and scale; the shape parameters in `logpdf` and `pdf` only
  (a gradient reaching a shape parameter of a cdf is refused with a PullbackError
  "no derivative rule for scipy.stats.t.cdf with respect to df");
- `poisson`: `logpmf`, `pmf`, `cdf`, `logcdf`, `sf`, `logsf` in mu (k and loc are
  counts: piecewise constant, no gradient);
- `dirichlet`: `logpdf`, `pdf` in x and alpha (x holding every component);
- `multivariate_normal`: `logpdf`, `pdf` in x, mean and cov, and `entropy` in cov. SciPy
  reads only the lower triangle of cov, so its gradient is the lower-triangular one finite
  differences see (a scalar or 1-D cov gets the gradient of its scalar or diagonal).

The other methods (`ppf`, `isf`, `rvs`, `entropy`) have no rule: a call on a
differentiated value is refused with "no derivative rule for ...". A frozen distribution's
method (`norm(mu, s).logpdf(x)`, `d = gamma(a, scale=b); d.cdf(x)`) is the distribution's
own call with the frozen arguments (lower/made_callables.py), and so takes these rules.
"""

import importlib.util
from dataclasses import replace

from ..errors import PullbackError
from ..runtime.helpers import unbroadcast
from . import rule
from .scipy import no_derivative, real_only
from .support import _zero, np

if importlib.util.find_spec("scipy") is None:
    raise ImportError("SciPy is not installed: its rules are skipped")
from scipy import special, stats  # noqa: E402

_LOG_SQRT_2PI = 0.9189385332046727


def _support(inside, value):
    """value where inside, -inf (log density 0) elsewhere."""
    return np.where(inside, value, -np.inf)


# Standardized log densities log f(z; shapes), their derivative in z, and in each shape
# parameter: the density of a location-scale family is f((x - loc) / scale) / scale.
def _norm(z):
    return -0.5 * z * z - _LOG_SQRT_2PI, -z, ()


def _logistic(z):
    return -np.abs(z) - 2.0 * np.log1p(np.exp(-np.abs(z))), -np.tanh(0.5 * z), ()


def _laplace(z):
    return -np.abs(z) - np.log(2.0), -np.sign(z), ()


def _cauchy(z):
    return -np.log(np.pi * (1.0 + z * z)), -2.0 * z / (1.0 + z * z), ()


def _expon(z):
    inside = z >= 0
    return _support(inside, -z), np.where(inside, -1.0, 0.0), ()


def _uniform(z):
    inside = (z >= 0) & (z <= 1)
    return _support(inside, 0.0 * z), 0.0 * z, ()


def _t(z, df):
    r = 1.0 + z * z / df
    logf = (special.gammaln(0.5 * (df + 1.0)) - special.gammaln(0.5 * df)
            - 0.5 * np.log(df * np.pi) - 0.5 * (df + 1.0) * np.log(r))
    ddf = (0.5 * (special.digamma(0.5 * (df + 1.0)) - special.digamma(0.5 * df)) - 0.5 / df
           - 0.5 * np.log(r) + 0.5 * (df + 1.0) * z * z / (df * (df + z * z)))
    return logf, -(df + 1.0) * z / (df + z * z), (ddf,)


def _gamma(z, a):
    inside = z > 0
    logz = np.log(np.where(inside, z, 1.0))
    logf = _support(inside, (a - 1.0) * logz - z - special.gammaln(a))
    return logf, np.where(inside, (a - 1.0) / np.where(inside, z, 1.0) - 1.0, 0.0), \
        (np.where(inside, logz - special.digamma(a), 0.0),)


def _beta(z, a, b):
    inside = (z > 0) & (z < 1)
    zz = np.where(inside, z, 0.5)
    logz, log1mz = np.log(zz), np.log1p(-zz)
    logf = _support(inside, (a - 1.0) * logz + (b - 1.0) * log1mz - special.betaln(a, b))
    both = special.digamma(a + b)
    return logf, np.where(inside, (a - 1.0) / zz - (b - 1.0) / (1.0 - zz), 0.0), \
        (np.where(inside, logz - special.digamma(a) + both, 0.0),
         np.where(inside, log1mz - special.digamma(b) + both, 0.0))


def _chi2(z, df):
    inside = z > 0
    zz = np.where(inside, z, 1.0)
    k = 0.5 * df
    logf = _support(inside, (k - 1.0) * np.log(zz) - 0.5 * zz - k * np.log(2.0)
                    - special.gammaln(k))
    return logf, np.where(inside, (k - 1.0) / zz - 0.5, 0.0), \
        (np.where(inside, 0.5 * (np.log(zz) - np.log(2.0) - special.digamma(k)), 0.0),)


_FAMILIES = {"norm": (_norm, ()), "logistic": (_logistic, ()), "laplace": (_laplace, ()),
             "cauchy": (_cauchy, ()), "expon": (_expon, ()), "uniform": (_uniform, ()),
             "t": (_t, ("df",)), "gamma": (_gamma, ("a",)), "beta": (_beta, ("a", "b")),
             "chi2": (_chi2, ("df",))}


def _refuse(what):
    raise PullbackError(f"no derivative rule for {what}: wrap it in pullback.stop_gradient "
                        "if no gradient should flow through it")


def stats_grad(g, ans, family, method, wrt, x, shapes, loc, scale):
    """The gradient of family.method(x, *shapes, loc, scale) with respect to `wrt`."""
    if _zero(g):
        return 0.0
    d, target = _stats_slope(g, ans, family, method, wrt, x, shapes, loc, scale)
    return unbroadcast(g * d, target)


def stats_tangent(t, ans, family, method, wrt, x, shapes, loc, scale):
    """The tangent of family.method(x, *shapes, loc, scale) along the tangent t of `wrt`
    (elementwise: in the result's shape, never summed to wrt's)."""
    if _zero(t):
        return 0.0
    return t * _stats_slope(t, ans, family, method, wrt, x, shapes, loc, scale)[0]


def _stats_slope(g, ans, family, method, wrt, x, shapes, loc, scale):
    """(the derivative of family.method in `wrt`, elementwise; the value of wrt)."""
    real_only(g, f"scipy.stats.{family}.{method}", x, loc, scale, *shapes)
    standard, names = _FAMILIES[family]
    shapes = tuple(np.asarray(s, dtype=float) for s in shapes)
    scale_ = np.asarray(scale, dtype=float)
    z = (np.asarray(x, dtype=float) - np.asarray(loc, dtype=float)) / scale_
    with np.errstate(divide="ignore", invalid="ignore"):
        logf, dz, dshapes = standard(z, *shapes)
        density = method in ("logpdf", "pdf")
        if wrt in names:  # (a density's: the cdf family's shapes have no rule)
            d = dshapes[names.index(wrt)]
        elif density:
            d = {"x": dz / scale_, "loc": -dz / scale_,
                 "scale": -(dz * z + 1.0) / scale_}[wrt]
        else:  # the derivative of the cdf-like method in z, then the chain rule
            slope = {"cdf": np.exp(logf), "sf": -np.exp(logf), "logcdf": np.exp(logf - ans),
                     "logsf": -np.exp(logf - ans)}[method]
            d = {"x": slope / scale_, "loc": -slope / scale_, "scale": -slope * z / scale_}[wrt]
        if method == "pdf":
            d = d * ans
    target = {"x": x, "loc": loc, "scale": scale, **dict(zip(names, shapes))}[wrt]
    return d, target


def poisson_grad(g, ans, method, k, mu, loc):
    """The gradient of poisson.method(k, mu, loc) with respect to mu."""
    if _zero(g):
        return 0.0
    real_only(g, f"scipy.stats.poisson.{method}", mu)
    k = np.asarray(k, dtype=float) - loc
    with np.errstate(divide="ignore", invalid="ignore"):
        if method in ("logpmf", "pmf"):
            d = k / mu - 1.0
            d = d * ans if method == "pmf" else d
        else:  # d/dmu P(K <= k) = -pmf(floor(k), mu)
            log_pmf = stats.poisson.logpmf(np.floor(k), mu)
            d = {"cdf": -np.exp(log_pmf), "sf": np.exp(log_pmf),
                 "logcdf": -np.exp(log_pmf - ans), "logsf": np.exp(log_pmf - ans)}[method]
    return unbroadcast(g * d, mu)


def poisson_tangent(t, ans, method, k, mu, loc):
    """The tangent of poisson.method(k, mu, loc) along mu's tangent t (elementwise: in the
    result's shape)."""
    if _zero(t):
        return 0.0
    ones = np.ones(np.broadcast_shapes(np.shape(k), np.shape(mu), np.shape(ans)))
    return t * poisson_grad(ones, ans, method, k, ones * mu, loc)


def dirichlet_tangent(t, ans, method, wrt, x, alpha):
    """The tangent of dirichlet.logpdf/pdf(x, alpha) along the tangent t of x or alpha:
    sum_i (alpha_i - 1) t_i / x_i, or sum_i t_i (log x_i - digamma(alpha_i)) + digamma(
    sum(alpha)) sum_i t_i (times the density for pdf), one per sample."""
    if _zero(t):
        return 0.0
    x, alpha = np.asarray(x, dtype=float), np.asarray(alpha, dtype=float)
    a = alpha.reshape((-1,) + (1,) * (x.ndim - 1))
    t = np.asarray(t, dtype=float)
    if wrt == "x":
        out = np.sum((a - 1.0) * t / x, axis=0)
    else:
        t = t.reshape(a.shape)
        out = np.sum(t * (np.log(x) - special.digamma(a)), axis=0) \
            + special.digamma(np.sum(alpha)) * np.sum(t)
    return out * ans if method == "pdf" else out


def dirichlet_grad(g, ans, method, wrt, x, alpha):
    """dirichlet.logpdf/pdf(x, alpha), x of shape (k,) or (k, n) holding every component."""
    if _zero(g):
        return 0.0
    real_only(g, f"scipy.stats.dirichlet.{method}", x, alpha)
    x, alpha = np.asarray(x, dtype=float), np.asarray(alpha, dtype=float)
    if x.shape[0] != alpha.shape[0]:
        _refuse(f"scipy.stats.dirichlet.{method} of x without its last component (x has "
                f"{x.shape[0]} rows for {alpha.shape[0]} concentrations): pass them all")
    g = g * ans if method == "pdf" else g
    if wrt == "x":
        a = alpha.reshape((-1,) + (1,) * (x.ndim - 1))
        return g * (a - 1.0) / x
    log_x = np.log(x)
    norm = special.digamma(np.sum(alpha)) - special.digamma(alpha)
    return np.sum(g * log_x, axis=tuple(range(1, x.ndim))) + np.sum(g) * norm


def _covariance(cov, d):
    cov = np.asarray(cov, dtype=float)
    if cov.ndim == 0:
        return cov * np.eye(d)
    if cov.ndim == 1:
        return np.diag(cov)
    lower = np.tril(cov)  # SciPy reads the lower triangle
    return lower + np.tril(cov, -1).T


def mvn_parts(x, mean, cov):
    """(the samples as rows, mean (d,), Sigma as SciPy reads cov), as mvn_grad reads them."""
    x = np.asarray(x, dtype=float)
    mean_ = np.zeros(1) if mean is None else np.atleast_1d(np.asarray(mean, dtype=float))
    cov_ = np.asarray(cov, dtype=float)
    d = mean_.shape[-1] if mean is not None else (cov_.shape[0] if cov_.ndim else 1)
    mean_ = np.broadcast_to(mean_, (d,))
    if d == 1 and (x.ndim == 0 or x.shape[-1] != 1):
        samples = x.reshape(-1, 1)  # a 1-D x of scalar samples
    else:
        samples = x.reshape(-1, d)
    return samples, mean_, _covariance(cov_, d)


def mvn_tangent(t, ans, method, wrt, x, mean, cov):
    """The tangent of multivariate_normal.logpdf/pdf along the tangent t of x, mean or
    cov: -r^T inv(cov) dr - tr(inv(cov) dS) / 2 + r^T inv(cov) dS inv(cov) r / 2 per
    sample (dr = t for x, -t for the mean; dS = t read as SciPy reads cov), times the
    density for pdf."""
    if _zero(t):
        return 0.0
    real_only(t, f"scipy.stats.multivariate_normal.{method}", x, mean, cov)
    out = mvn_slope(t, wrt, x, mean, cov).reshape(np.shape(ans))
    return out * ans if method == "pdf" else out


def mvn_slope(t, wrt, x, mean, cov):
    """The log density's tangent along t of x, mean or cov, one per sample (flat)."""
    samples, mean_, sigma = mvn_parts(x, mean, cov)
    sr = np.linalg.solve(sigma, (samples - mean_).T).T
    if wrt == "cov":
        dS = _covariance(np.asarray(t, dtype=float), sigma.shape[0])
        out = 0.5 * (np.sum((sr @ dS) * sr, axis=1) - np.trace(np.linalg.solve(sigma, dS)))
    else:
        dr = np.reshape(np.asarray(t, dtype=float), (-1, sigma.shape[0])) if wrt == "x" \
            else -np.broadcast_to(np.reshape(t, (-1,)), mean_.shape)
        out = -np.sum(sr * dr, axis=1)
    return out


def mvn_entropy_tangent(t, cov):
    """multivariate_normal.entropy along cov's tangent t: tr(inv(cov) dS) / 2."""
    if _zero(t):
        return 0.0
    cov_ = np.asarray(cov, dtype=float)
    d = cov_.shape[0] if cov_.ndim else 1
    return 0.5 * np.trace(np.linalg.solve(_covariance(cov_, d),
                                          _covariance(np.asarray(t, dtype=float), d)))


def mvn_grad(g, ans, method, wrt, x, mean, cov):
    """multivariate_normal.logpdf/pdf(x, mean, cov): -inv(cov) r, inv(cov) r and
    (inv(cov) r r^T inv(cov) - inv(cov)) / 2 summed over the samples, with r = x - mean."""
    if _zero(g):
        return 0.0
    real_only(g, f"scipy.stats.multivariate_normal.{method}", x, mean, cov)
    samples, mean_, sigma = mvn_parts(x, mean, cov)
    g = np.asarray(g * ans if method == "pdf" else g, dtype=float).reshape(-1)
    r = samples - mean_
    sr = np.linalg.solve(sigma, r.T).T  # inv(cov) r, one row per sample
    if wrt == "x":
        return (-g[:, None] * sr).reshape(np.shape(x))
    if wrt == "mean":
        return np.sum(g[:, None] * sr, axis=0).reshape(np.shape(mean))
    full = 0.5 * (sr.T @ (g[:, None] * sr) - np.sum(g) * np.linalg.inv(sigma))
    return covariance_transpose(full, cov)


def covariance_transpose(full, cov):
    """The adjoint of reading cov as SciPy does (_covariance) at a symmetric `full`: its
    trace for a scalar cov, its diagonal for a 1-D one, the lower triangle counted twice
    off the diagonal for a matrix."""
    ndim = np.ndim(cov)
    if ndim == 0:
        return np.trace(full)
    if ndim == 1:
        return np.diagonal(full).copy()
    return 2.0 * np.tril(full, -1) + np.diag(np.diagonal(full))


_FUNCTIONS = tuple((f.__name__, f) for f in (
    stats_grad, stats_tangent, poisson_grad, poisson_tangent, dirichlet_grad,
    dirichlet_tangent, mvn_grad, mvn_tangent, no_derivative))


def _rule(params, jvp=None, **partials):
    return replace(rule(params, kinds=("fresh",), jvp=jvp, **partials), functions=_FUNCTIONS)


def _family_rules():
    table = {}
    for family, (_, names) in _FAMILIES.items():
        dist = getattr(stats, family)
        shapes = "".join(f"{n}, " for n in names)
        packed = f"({shapes})" if names else "()"
        for method in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"):
            partials = {p: f"stats_grad(g, ans, '{family}', '{method}', '{p}', x, {packed}, "
                           "loc, scale)" for p in ("x", *names, "loc", "scale")}
            tangents = {p: template.replace("stats_grad(", "stats_tangent(")
                        for p, template in partials.items()}
            if method not in ("logpdf", "pdf"):
                partials.update({p: f"no_derivative(g, 'scipy.stats.{family}.{method} with "
                                    f"respect to {p}')" for p in names})
                tangents = {p: t for p, t in tangents.items() if p not in names}
            table[getattr(dist, method)] = _rule(f"x, {shapes}loc=0.0, scale=1.0",
                                                 jvp=tangents, **partials)
            # the standardized private method (`norm._cdf(x)`, as statsmodels' Probit
            # calls it): the same at loc 0 and scale 1, the shapes positional
            standardized = {p: t.replace(", loc, scale)", ", 0.0, 1.0)")
                            for p, t in partials.items() if p not in ("loc", "scale")}
            table[getattr(dist, "_" + method)] = _rule(
                f"x, {shapes}".rstrip(", "), jvp={
                    p: t.replace(", loc, scale)", ", 0.0, 1.0)") for p, t in tangents.items()
                    if p not in ("loc", "scale")}, **standardized)
    return table


CONTINUOUS = _family_rules()
DISCRETE = {getattr(stats.poisson, m): _rule(
    "k, mu, loc=0", mu=f"poisson_grad(g, ans, '{m}', k, mu, loc)",
    jvp={"mu": f"poisson_tangent(g, ans, '{m}', k, mu, loc)"})
    for m in ("logpmf", "pmf", "cdf", "logcdf", "sf", "logsf")}
DISCRETE.update({getattr(stats.poisson, "_" + m): _rule(  # (poisson._pmf(k, mu): loc 0)
    "k, mu", mu=f"poisson_grad(g, ans, '{m}', k, mu, 0)",
    jvp={"mu": f"poisson_tangent(g, ans, '{m}', k, mu, 0)"})
    for m in ("logpmf", "pmf", "cdf", "logcdf", "sf", "logsf")})
MULTIVARIATE = {
    **{getattr(stats.dirichlet, m): _rule(
        "x, alpha", **{p: f"dirichlet_grad(g, ans, '{m}', '{p}', x, alpha)"
                       for p in ("x", "alpha")},
        jvp={p: f"dirichlet_tangent(g, ans, '{m}', '{p}', x, alpha)" for p in ("x", "alpha")})
       for m in ("logpdf", "pdf")},
    **{getattr(stats.multivariate_normal, m): _rule(
        "x, mean=None, cov=1", **{p: f"mvn_grad(g, ans, '{m}', '{p}', x, mean, cov)"
                                  for p in ("x", "mean", "cov")},
        jvp={p: f"mvn_tangent(g, ans, '{m}', '{p}', x, mean, cov)" for p in ("x", "mean", "cov")})
       for m in ("logpdf", "pdf")},
}



def mvn_entropy_grad(g, cov):
    """multivariate_normal.entropy(mean, cov) = (d log(2 pi e) + log det cov) / 2: inv(cov)
    / 2 in cov, read like logpdf's (the lower triangle, a scalar or a diagonal)."""
    if _zero(g):
        return 0.0
    real_only(g, "scipy.stats.multivariate_normal.entropy", cov)
    cov_ = np.asarray(cov, dtype=float)
    d = cov_.shape[0] if cov_.ndim else 1
    return covariance_transpose(0.5 * g * np.linalg.inv(_covariance(cov_, d)), cov_)


# the entropy does not vary with the mean: its gradient there is zero
MULTIVARIATE[stats.multivariate_normal.entropy] = replace(
    rule("mean=None, cov=1", kinds=("fresh",), mean="np.zeros(np.shape(mean))",
         cov="mvn_entropy_grad(g, cov)",
         jvp={"mean": "0.0", "cov": "mvn_entropy_tangent(g, cov)"}),
    functions=(("mvn_entropy_grad", mvn_entropy_grad),
               ("mvn_entropy_tangent", mvn_entropy_tangent)))

ARRAY_LIKE = True  # list arguments are read as arrays, by the functions and their rules
RULES = {**CONTINUOUS, **DISCRETE, **MULTIVARIATE}
NONDIFF: set = set()
