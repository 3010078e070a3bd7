"""Rules for `scipy.special`: the gamma family, Bessel functions (with respect to x),
error functions, logistic and information-theory functions, the normal distribution's
`ndtr` family, `wofz`, and softmax/log_softmax/logsumexp. SciPy is optional: importing
this module raises ImportError when SciPy is not installed, and the rule tables then
skip it.

Templates call NumPy, the helpers of `rules.support`, the helpers beside the rules
here, and `scipy_special`: scipy.special as pullback imported it, so generated gradients
do not depend on how the user imported SciPy.

A parameter a function is differentiable in but no rule here covers (the order `v` of
`iv`, the shape parameters `a`, `b` of `betainc`, `a` of `gammainc`) is refused when a
gradient reaches it: a PullbackError "no derivative rule for scipy.special.iv with
respect to v", never a gradient of zero.
"""

import importlib.util
from dataclasses import replace

from ..errors import PullbackError
from . import rule
from .support import _axes, _keep, _zero, no_derivative, np, unbroadcast  # noqa: F401 (no_derivative: scipy_stats imports it)

if importlib.util.find_spec("scipy") is None:
    raise ImportError("SciPy is not installed: its rules are skipped")
try:
    from scipy import special
except ImportError as exc:  # installed but broken: say so rather than drop the rules
    raise RuntimeError(f"SciPy is installed but scipy.special does not import: {exc}") from exc


def exprel_grad(g, x):
    """exprel(x) = (e^x - 1) / x: its derivative (e^x - exprel(x)) / x, 1/2 at x = 0."""
    x = np.asarray(x, dtype=float)
    small = np.abs(x) < 1e-4  # the series 1/2 + x/3 + x^2/8, exact to rounding there
    safe = np.where(small, 1.0, x)
    with np.errstate(over="ignore", invalid="ignore"):
        far = (np.exp(safe) - special.exprel(safe)) / safe
    return g * np.where(small, 0.5 + x / 3.0 + x * x / 8.0, far)


def wofz_grad(g, z, ans):
    """w(z) = exp(-z^2) erfc(-iz) is holomorphic: w'(z) = -2 z w(z) + 2i / sqrt(pi); a real
    z takes the real part (the gradient of a real input is real)."""
    if _zero(g):
        return 0.0
    z = np.asarray(z)
    d = g * (-2.0 * z * ans + 1.1283791670955126j)
    return d if np.iscomplexobj(z) else np.real(d)


def real_only(g, name, *values):
    """g, when none of `values` is complex: `name`'s rule is for real arguments only, so a
    complex one is refused (a PullbackError) rather than given a wrong gradient."""
    if any(np.iscomplexobj(v) for v in values):
        raise PullbackError(f"no derivative rule for {name} of complex values: pullback "
                            "differentiates it for real arguments only")
    return g


def multigammaln_grad(g, a, d):
    """d/da log Gamma_d(a) = sum_{j < d} digamma(a - j/2)."""
    if _zero(g):
        return 0.0
    return g * sum(special.digamma(np.asarray(a) - 0.5 * j) for j in range(int(d)))


_FUNCTIONS = (("scipy_special", special), ("real_only", real_only),
              ("exprel_grad", exprel_grad), ("wofz_grad", wofz_grad),
              ("multigammaln_grad", multigammaln_grad))


def _rules(table):
    """Each rule a fresh result, with the helpers above at hand; the ufuncs (and
    polygamma, a function over one) elementwise too, so that forward mode takes their
    adjoint templates as their tangents (each is the derivative times g), but wofz
    (complex-valued at real arguments: its template takes a real part)."""
    return {f: replace(r, kinds=r.kinds | {"fresh"} | (
        {"elementwise"} if (isinstance(f, np.ufunc) or f is special.polygamma)
        and f is not special.wofz else set()), functions=_FUNCTIONS)
        for f, r in table.items()}


def _refused(name, param):
    return f"no_derivative(g, 'scipy.special.{name} with respect to {param}')"


_SQRT_2PI = "2.5066282746310002"
_TWO_OVER_SQRT_PI = "1.1283791670955126"
sp = "scipy_special"

def gammaln_grad(g, x):
    return g * special.digamma(x)


def digamma_grad(g, x):
    return g * special.polygamma(1, x)


GAMMA = _rules({
    special.gamma: rule("x", x=f"g * ans * {sp}.digamma(x)"),
    special.gammaln: rule("x", x="gammaln_grad(g, x)", jvp="diagonal"),
    special.loggamma: rule("x", x=f"g * {sp}.digamma(x)"),
    special.rgamma: rule("x", x=f"-g * ans * {sp}.digamma(x)"),
    special.digamma: rule("x", x="digamma_grad(real_only(g, 'scipy.special.digamma', x), x)",
                          jvp="diagonal"),
    special.polygamma: rule("n, x", broadcast=True,
                            x=f"real_only(g, 'scipy.special.polygamma', x)"
                              f" * {sp}.polygamma(n + 1, x)",
                            n=_refused("polygamma", "n")),
    special.multigammaln: rule("a, d", a="multigammaln_grad(g, a, d)",
                               jvp={"a": "multigammaln_grad(g, a, d)"}),
    special.beta: rule("a, b", broadcast=True,
                       a=f"g * ans * ({sp}.digamma(a) - {sp}.digamma(a + b))",
                       b=f"g * ans * ({sp}.digamma(b) - {sp}.digamma(a + b))"),
    special.betaln: rule("a, b", broadcast=True,
                         a=f"g * ({sp}.digamma(a) - {sp}.digamma(a + b))",
                         b=f"g * ({sp}.digamma(b) - {sp}.digamma(a + b))"),
    special.betainc: rule("a, b, x", broadcast=True,
                          x=f"g * np.exp((a - 1.0) * np.log(x) + (b - 1.0) * np.log1p(-x)"
                            f" - {sp}.betaln(a, b))",
                          a=_refused("betainc", "a"), b=_refused("betainc", "b")),
    special.gammainc: rule("a, x", broadcast=True,
                           x=f"g * np.exp((a - 1.0) * np.log(x) - x - {sp}.gammaln(a))",
                           a=_refused("gammainc", "a")),
    special.gammaincc: rule("a, x", broadcast=True,
                            x=f"-g * np.exp((a - 1.0) * np.log(x) - x - {sp}.gammaln(a))",
                            a=_refused("gammaincc", "a")),
})

# Bessel functions: derivatives in x by the recurrences (orders are not differentiated)
BESSEL = _rules({
    special.i0: rule("x", x=f"g * {sp}.i1(x)"),
    special.i1: rule("x", x=f"g * 0.5 * ({sp}.i0(x) + {sp}.iv(2, x))"),
    special.iv: rule("v, x", broadcast=True,
                     x=f"g * 0.5 * ({sp}.iv(v - 1, x) + {sp}.iv(v + 1, x))",
                     v=_refused("iv", "v")),
    special.ive: rule("v, x", broadcast=True,
                      x=f"real_only(g, 'scipy.special.ive', x)"
                        f" * (0.5 * ({sp}.ive(v - 1, x) + {sp}.ive(v + 1, x))"
                        " - np.sign(x) * ans)",
                      v=_refused("ive", "v")),
    special.j0: rule("x", x=f"-g * {sp}.j1(x)"),
    special.j1: rule("x", x=f"g * 0.5 * ({sp}.j0(x) - {sp}.jv(2, x))"),
    special.jn: rule("n, x", broadcast=True,
                     x=f"g * 0.5 * ({sp}.jv(n - 1, x) - {sp}.jv(n + 1, x))",
                     n=_refused("jn", "n")),
    special.y0: rule("x", x=f"-g * {sp}.y1(x)"),
    special.y1: rule("x", x=f"g * 0.5 * ({sp}.y0(x) - {sp}.yv(2, x))"),
    special.yn: rule("n, x", broadcast=True,
                     x=f"g * 0.5 * ({sp}.yv(n - 1, x) - {sp}.yv(n + 1, x))",
                     n=_refused("yn", "n")),
    special.k0: rule("x", x=f"-g * {sp}.k1(x)"),
    special.k1: rule("x", x=f"-g * 0.5 * ({sp}.k0(x) + {sp}.kv(2, x))"),
    special.kv: rule("v, x", broadcast=True,
                     x=f"-g * 0.5 * ({sp}.kv(v - 1, x) + {sp}.kv(v + 1, x))",
                     v=_refused("kv", "v")),
})

ERROR_FUNCTIONS = _rules({
    special.erf: rule("x", x=f"g * {_TWO_OVER_SQRT_PI} * np.exp(-x * x)", jvp="diagonal"),
    special.erfc: rule("x", x=f"-g * {_TWO_OVER_SQRT_PI} * np.exp(-x * x)"),
    special.erfcx: rule("x", x=f"g * (2.0 * x * ans - {_TWO_OVER_SQRT_PI})"),
    special.erfinv: rule("x", x="g * 0.5 * 1.7724538509055159 * np.exp(ans * ans)"),
    special.erfcinv: rule("x", x="-g * 0.5 * 1.7724538509055159 * np.exp(ans * ans)"),
    # (its tangent is complex for a real z too; the gradient of a real z takes the real part)
    special.wofz: rule("z", z="wofz_grad(g, z, ans)",
                       jvp={"z": "g * (-2.0 * z * ans + 1.1283791670955126j)"}),
    special.ndtr: rule("x", x=f"g * np.exp(-0.5 * x * x) / {_SQRT_2PI}"),
    special.log_ndtr: rule("x", x=f"g * np.exp(-0.5 * x * x - ans) / {_SQRT_2PI}"),
    special.ndtri: rule("y", y=f"g * {_SQRT_2PI} * np.exp(0.5 * ans * ans)"),
})

LOGISTIC_AND_ENTROPY = _rules({
    special.expit: rule("x", x="g * ans * (1.0 - ans)", jvp="diagonal"),
    special.logit: rule("x", x="g / (x * (1.0 - x))", jvp="diagonal"),
    special.log1p: rule("x", x="g / (1.0 + x)"),
    special.expm1: rule("x", x="g * (ans + 1.0)"),
    special.exprel: rule("x", x="exprel_grad(g, x)"),
    special.xlogy: rule("x, y", broadcast=True, x="g * np.log(y)", y="g * x / y"),
    special.xlog1py: rule("x, y", broadcast=True, x="g * np.log1p(y)", y="g * x / (1.0 + y)"),
    special.entr: rule("x", x="-g * (np.log(x) + 1.0)"),
    special.rel_entr: rule("x, y", broadcast=True, x="g * (np.log(x / y) + 1.0)",
                           y="-g * x / y"),
    special.kl_div: rule("x, y", broadcast=True, x="g * np.log(x / y)", y="g * (1.0 - x / y)"),
})

def logsumexp_signed(g, ans):
    """(g, ans) as the unsigned logsumexp's: with return_sign=True the result is the pair
    (L = log|S|, sign of S), S = sum(b exp(a)); the sign is piecewise constant (no
    gradient) and dL = sign dS / |S| = dS / S, so L's gradient g[0] acts as g[0] sign does
    on the unsigned formula exp(a - L) (S = sign exp(L))."""
    if not isinstance(ans, tuple):
        return g, ans
    g0 = 0.0 if _zero(g) else g[0]
    return (0.0 if _zero(g0) else g0 * ans[1]), ans[0]


def logsumexp_grad(g, a, ans, axis=None, b=None, keepdims=False, wrt="a"):
    """d logsumexp / d a_i = b_i exp(a_i - ans) (a softmax of the inputs, never overflowing);
    with respect to b, exp(a_i - ans). With return_sign=True (ans a pair), see
    logsumexp_signed."""
    g, ans = logsumexp_signed(g, ans)
    if _zero(g):
        return 0.0
    ndim = np.ndim(a) if b is None else np.broadcast(a, b).ndim
    axes = _axes(axis, ndim)
    with np.errstate(invalid="ignore"):
        weight = np.exp(a - _keep(ans, ndim, axes, keepdims))
    if b is not None:  # (b may have more dimensions than a, or longer ones)
        weight = np.broadcast_to(weight, np.broadcast_shapes(np.shape(weight), np.shape(b)))
    d = _keep(g, ndim, axes, keepdims) * weight
    if wrt == "a":
        return unbroadcast(d if b is None else d * b, a)
    return unbroadcast(d, b)


def softmax_grad(g, ans, axis=None):
    """s * (g - sum(g * s)) over the softmax axis."""
    if _zero(g):
        return 0.0
    return ans * (g - np.sum(g * ans, axis=axis, keepdims=True))


def log_softmax_grad(g, ans, axis=None):
    """g - softmax * sum(g) over the axis (softmax = exp(log_softmax))."""
    if _zero(g):
        return 0.0
    return g - np.exp(ans) * np.sum(g, axis=axis, keepdims=True)


def logsumexp_tangent(t, a, ans, axis=None, b=None, keepdims=False, wrt="a"):
    """The tangent of scipy.special.logsumexp(a, axis, b) along a (along b): the sum over
    the axis of b exp(a - ans) da (of exp(a - ans) db); with return_sign=True (ans the
    pair (L, sign)) the pair (sign times that, 0.0): the sign does not vary."""
    if _zero(t):
        return 0.0
    value, sign = ans if isinstance(ans, tuple) else (ans, None)
    ndim = np.ndim(a) if b is None else np.broadcast(a, b).ndim
    with np.errstate(invalid="ignore"):
        weight = np.exp(np.asarray(a) - _keep(value, ndim, _axes(axis, ndim), keepdims))
    if wrt == "a" and b is not None:
        weight = weight * b
    full = np.broadcast_shapes(np.shape(weight), np.shape(t))
    out = np.sum(np.broadcast_to(weight * t, full), axis=axis, keepdims=keepdims)
    return out if sign is None else (sign * out, 0.0)


SOFTMAX = _rules({
    special.logsumexp: rule("a, axis=None, b=None, keepdims=False, return_sign=False",
                            a="logsumexp_grad(g, a, ans, axis, b, keepdims, 'a')",
                            b="logsumexp_grad(g, a, ans, axis, b, keepdims, 'b')",
                            jvp={"a": "logsumexp_tangent(g, a, ans, axis, b, keepdims, 'a')",
                                 "b": "logsumexp_tangent(g, a, ans, axis, b, keepdims, 'b')"}),
    special.softmax: rule("x, axis=None", x="softmax_grad(g, ans, axis)",
                          jvp={"x": "ans * (g - np.sum(ans * g, axis=axis, keepdims=True))"}),
    special.log_softmax: rule("x, axis=None", x="log_softmax_grad(g, ans, axis)",
                              jvp={"x": "g - np.sum(np.exp(ans) * g, axis=axis, keepdims=True)"}),
})

ARRAY_LIKE = True  # list arguments are read as arrays, by the functions and their rules
RULES = {**GAMMA, **BESSEL, **ERROR_FUNCTIONS, **LOGISTIC_AND_ENTROPY, **SOFTMAX}

NONDIFF: set = {special.gammasgn}
# helpers the templates above call by name (pullback.helpers binds them in generated code)
HELPERS = {f.__name__: f for f in (gammaln_grad, digamma_grad, logsumexp_grad, softmax_grad,
                                   log_softmax_grad, logsumexp_tangent)}
