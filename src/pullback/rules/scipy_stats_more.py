"""More of `scipy.stats`: the location-scale families `lognorm` (shape s), `halfnorm` and
`weibull_min` (shape c), by rules/scipy_stats.py's machinery (the same six methods, the
same gradients in x, loc, scale, and the shapes in logpdf and pdf), and `entropy`.

`entropy(pk, qk=None, base=None, axis=0)` normalizes pk (and qk) along the axis to P
(and Q) and returns S = -sum P log P, or the divergence D = sum P log(P / Q), over
log(base) when a base is given. Through the normalization, its gradients are
(-log P - S) / sum(pk) for pk alone, (log(P / Q) - D) / sum(pk) in pk and (1 - P / Q) /
sum(qk) in qk with qk given (each over log(base)); its tangent is the sum over the axis
of the tangent times those slopes. A zero entry of P has an infinite slope (as the
entropy has there). `keepdims=True` and `nan_policy` other than 'propagate' are left
out of the signature (refused, located); the gradient of a gradient through entropy is
refused (its helpers have no rule).
"""

import importlib.util
from dataclasses import replace

from . import higher_stats, scipy_stats
from .scipy_stats import _support, rule, special
from .support import _zero, np

if importlib.util.find_spec("scipy") is None:
    raise ImportError("SciPy is not installed: its rules are skipped")
from scipy import stats  # noqa: E402

_LOG_SQRT_2PI = 0.9189385332046727


def _lognorm(z, s):
    inside = z > 0
    zz = np.where(inside, z, 1.0)
    logz = np.log(zz)
    logf = _support(inside, -np.log(s * zz) - _LOG_SQRT_2PI - logz**2 / (2 * s**2))
    return logf, np.where(inside, -(1.0 + logz / s**2) / zz, 0.0), \
        (np.where(inside, -1.0 / s + logz**2 / s**3, 0.0),)


def _halfnorm(z):
    inside = z >= 0
    return _support(inside, -0.5 * z * z + 0.5 * np.log(2.0 / np.pi)), \
        np.where(inside, -z, 0.0), ()


def _weibull_min(z, c):
    inside = z > 0
    zz = np.where(inside, z, 1.0)
    logz = np.log(zz)
    zc = zz**c
    logf = _support(inside, np.log(c) + (c - 1.0) * logz - zc)
    return logf, np.where(inside, (c - 1.0) / zz - c * zc / zz, 0.0), \
        (np.where(inside, 1.0 / c + logz - zc * logz, 0.0),)


# their second derivatives (l_zz, (l_z,shape,), ((l_shape,shape,),)), for the second-order
# rules of stats_grad (rules/higher_stats.py)
def _lognorm2(z, s):
    inside = z > 0
    zz = np.where(inside, z, 1.0)
    logz = np.log(zz)
    return (np.where(inside, (1.0 + logz / s**2 - 1.0 / s**2) / zz**2, 0.0),
            (np.where(inside, 2.0 * logz / (s**3 * zz), 0.0),),
            ((np.where(inside, 1.0 / s**2 - 3.0 * logz**2 / s**4, 0.0),),))


def _halfnorm2(z):
    return np.where(z >= 0, -1.0, 0.0) + 0.0 * z, (), ()


def _weibull_min2(z, c):
    inside = z > 0
    zz = np.where(inside, z, 1.0)
    logz = np.log(zz)
    zc = zz**c
    return (np.where(inside, -(c - 1.0) / zz**2 - c * (c - 1.0) * zc / zz**2, 0.0),
            (np.where(inside, 1.0 / zz - zc / zz * (1.0 + c * logz), 0.0),),
            ((np.where(inside, -1.0 / c**2 - zc * logz**2, 0.0),),))


NEW_FAMILIES = {"lognorm": (_lognorm, ("s",)), "halfnorm": (_halfnorm, ()),
                "weibull_min": (_weibull_min, ("c",))}
# stats_grad and stats_tangent, and their second-order rules, look the families up there
scipy_stats._FAMILIES.update(NEW_FAMILIES)
higher_stats._SECOND.update({"lognorm": _lognorm2, "halfnorm": _halfnorm2,
                             "weibull_min": _weibull_min2})


def _entropy_slope(pk, qk, base, axis, wrt):
    """The derivative of entropy(pk, qk, base, axis) in each entry of `wrt` (pk or qk),
    in pk's shape."""
    pk = np.asarray(pk, dtype=float)
    sp = np.sum(pk, axis=axis, keepdims=True)
    P = pk / sp
    with np.errstate(divide="ignore", invalid="ignore"):
        if qk is None:
            S = np.sum(special.entr(P), axis=axis, keepdims=True)
            slope = (-np.log(P) - S) / sp
        else:
            qk = np.asarray(qk, dtype=float)
            sq = np.sum(qk, axis=axis, keepdims=True)
            Q = qk / sq
            D = np.sum(special.rel_entr(P, Q), axis=axis, keepdims=True)
            slope = (np.log(P / Q) - D) / sp if wrt == "pk" else (1.0 - P / Q) / sq
    return slope / np.log(base) if base is not None else slope


def entropy_grad(g, pk, qk, base, axis, wrt):
    """The gradient of pk or qk (wrt) in stats.entropy(pk, qk, base, axis)."""
    if _zero(g):
        return 0.0
    slope = _entropy_slope(pk, qk, base, axis, wrt)
    return np.expand_dims(np.asarray(g, dtype=float), axis) * slope


def entropy_tangent(t, pk, qk, base, axis, wrt):
    """stats.entropy(pk, qk, base, axis) along the tangent t of pk or qk (wrt)."""
    if _zero(t):
        return 0.0
    return np.sum(t * _entropy_slope(pk, qk, base, axis, wrt), axis=axis)


def _family_rules():
    table = scipy_stats._family_rules()
    return {f: r for f, r in table.items()
            if any(f == getattr(getattr(stats, family), m) for family in NEW_FAMILIES
                   for m in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"))}


RULES = {
    **_family_rules(),
    stats.entropy: replace(rule(
        "pk, qk=None, base=None, axis=0", kinds=("fresh",),
        **{p: f"entropy_grad(g, pk, qk, base, axis, {p!r})" for p in ("pk", "qk")},
        base="no_derivative(g, 'the base of scipy.stats.entropy')",
        jvp={**{p: f"entropy_tangent(g, pk, qk, base, axis, {p!r})" for p in ("pk", "qk")},
             "base": "no_derivative(g, 'the base of scipy.stats.entropy')"}),
        functions=(("entropy_grad", entropy_grad), ("entropy_tangent", entropy_tangent))),
}
ARRAY_LIKE = True  # list arguments are read as arrays, by the functions and their rules
NONDIFF: set = set()
