"""Rules for the `scipy.special` functions likelihoods, losses and transforms call that the
first table (`rules.scipy`) lacked: softplus, log_expit, exp2, exp10, cosm1, cbrt, erfi, dawsn,
i0e, i1e, exp1, expi, ndtri_exp, the Box-Cox transforms (boxcox, boxcox1p, inv_boxcox,
inv_boxcox1p, in x and in lambda), huber and pseudo_huber (in delta and r), powm1,
binom, poch, owens_t, the Student t distribution function stdtr (in t), and the
inverses gammaincinv, gammainccinv and betaincinv (in their last argument).

Guarantees:
- each rule is elementwise, broadcasts, and its adjoint templates are its tangent; the
  templates call only NumPy and scipy.special functions that have rules with tangents
  themselves (expit, i0e, i1e, erf, gammaln, digamma, ...), so hvp, hessian and
  grad(grad(f)) go through these functions as far as those rules do;
- a parameter the function varies with but no rule here covers (the degrees of freedom
  of stdtr, the shape parameters of the inverse incomplete gamma and beta functions) is
  refused when a gradient reaches it, never given a gradient of zero;
- SciPy is optional: without it this module raises ImportError and is skipped.
"""

from __future__ import annotations

import importlib.util

from . import rule
from .scipy import _refused, _rules, special

if importlib.util.find_spec("scipy") is None:  # (rules.scipy raised already)
    raise ImportError("SciPy is not installed: its rules are skipped", name="scipy")

sp = "scipy_special"
_LN2, _LN10 = "0.6931471805599453", "2.302585092994046"
_SQRT_2PI = "2.5066282746310002"


def _elementwise(table):
    """Each rule elementwise, its adjoint templates its tangent (they are diagonal)."""
    return {f: rule(str(r.signature)[1:-1], broadcast=bool(r.broadcast), kinds=("elementwise",),
                    jvp={p: t for p, t in r.partials.items() if not t.startswith("no_derivative")},
                    **r.partials) for f, r in table.items()}


# the derivative of boxcox(x, l) = (x^l - 1) / l in l, with x^l = l ans + 1 (at l = 0,
# where boxcox is log x, the limit log(x)^2 / 2); `log` is log x or log1p x
_BOXCOX_LMBDA = ("g * np.where(lmbda == 0, 0.5 * {log} ** 2, ({log} * (lmbda * ans + 1.0) - ans)"
                 " / np.where(lmbda == 0, 1.0, lmbda))")
# inv_boxcox(y, l) = (1 + l y)^(1/l) = A: dA/dl = A (y / (l (1 + l y)) - log(1 + l y) / l^2),
# at l = 0 (A = e^y) -A y^2 / 2; `A` is ans or ans + 1
_INV_BOXCOX_LMBDA = ("g * {A} * np.where(lmbda == 0, -0.5 * y * y, (y / (1.0 + lmbda * y) - "
                     "np.log1p(lmbda * y) / np.where(lmbda == 0, 1.0, lmbda)) / "
                     "np.where(lmbda == 0, 1.0, lmbda))")
_HUBER_SCALE = "np.sqrt(1.0 + (r / delta) ** 2)"

RULES = _rules(_elementwise({
    special.softplus: rule("x", x=f"g * {sp}.expit(x)"),
    special.log_expit: rule("x", x=f"g * {sp}.expit(-x)"),
    special.exp2: rule("x", x=f"g * ans * {_LN2}"),
    special.exp10: rule("x", x=f"g * ans * {_LN10}"),
    special.cosm1: rule("x", x="-g * np.sin(x)"),
    special.cbrt: rule("x", x="g / (3.0 * ans * ans)"),
    special.erfi: rule("x", x="g * 1.1283791670955126 * np.exp(x * x)"),
    special.dawsn: rule("x", x="g * (1.0 - 2.0 * x * ans)"),
    # i0e = e^-|x| I0(x): I0' = I1; i1e = e^-|x| I1(x): I1' = I0 - I1 / x (1/2 at x = 0)
    special.i0e: rule("x", x=f"g * ({sp}.i1e(x) - np.sign(x) * ans)"),
    special.i1e: rule("x", x=f"g * np.where(x == 0, 0.5, {sp}.i0e(x) - ans / np.where(x == 0, "
                             "1.0, x) - np.sign(x) * ans)"),
    special.exp1: rule("x", x="-g * np.exp(-x) / x"),
    special.expi: rule("x", x="g * np.exp(x) / x"),
    special.ndtri_exp: rule("y", y=f"g * {_SQRT_2PI} * np.exp(y + 0.5 * ans * ans)"),
    special.boxcox: rule("x, lmbda", broadcast=True, x="g * x ** (lmbda - 1.0)",
                         lmbda=_BOXCOX_LMBDA.format(log="np.log(x)")),
    special.boxcox1p: rule("x, lmbda", broadcast=True, x="g * (1.0 + x) ** (lmbda - 1.0)",
                           lmbda=_BOXCOX_LMBDA.format(log="np.log1p(x)")),
    special.inv_boxcox: rule("y, lmbda", broadcast=True, y="g * ans ** (1.0 - lmbda)",
                             lmbda=_INV_BOXCOX_LMBDA.format(A="ans")),
    special.inv_boxcox1p: rule("y, lmbda", broadcast=True,
                               y="g * (ans + 1.0) ** (1.0 - lmbda)",
                               lmbda=_INV_BOXCOX_LMBDA.format(A="(ans + 1.0)")),
    # huber(delta, r): r^2 / 2 for |r| <= delta, delta (|r| - delta / 2) beyond
    special.huber: rule("delta, r", broadcast=True, r="g * np.clip(r, -delta, delta)",
                        delta="g * np.where(np.abs(r) > delta, np.abs(r) - delta, 0.0)"),
    # pseudo_huber(delta, r) = delta^2 (s - 1), s = sqrt(1 + (r / delta)^2)
    special.pseudo_huber: rule("delta, r", broadcast=True, r=f"g * r / {_HUBER_SCALE}",
                               delta=f"g * (2.0 * ans / delta - r * r / (delta * "
                                     f"{_HUBER_SCALE}))"),
    special.powm1: rule("x, y", broadcast=True, x="g * y * x ** (y - 1.0)",
                        y="g * (ans + 1.0) * np.log(x)"),
    # binom(n, k) = Gamma(n + 1) / (Gamma(k + 1) Gamma(n - k + 1)); poch(z, m) = Gamma(z + m)
    # / Gamma(z)
    special.binom: rule("n, k", broadcast=True,
                        n=f"g * ans * ({sp}.digamma(n + 1.0) - {sp}.digamma(n - k + 1.0))",
                        k=f"g * ans * ({sp}.digamma(n - k + 1.0) - {sp}.digamma(k + 1.0))"),
    special.poch: rule("z, m", broadcast=True,
                       z=f"g * ans * ({sp}.digamma(z + m) - {sp}.digamma(z))",
                       m=f"g * ans * {sp}.digamma(z + m)"),
    # Owen's T(h, a) = int_0^a exp(-h^2 (1 + x^2) / 2) / (2 pi (1 + x^2)) dx
    special.owens_t: rule("h, a", broadcast=True,
                          h=f"-g * np.exp(-0.5 * h * h) / {_SQRT_2PI} * 0.5 * "
                            f"{sp}.erf(a * h / 1.4142135623730951)",
                          a="g * np.exp(-0.5 * h * h * (1.0 + a * a)) / "
                            "(6.283185307179586 * (1.0 + a * a))"),
    # the Student t distribution function: its density in t
    special.stdtr: rule("df, t", broadcast=True,
                        t=f"g * np.exp({sp}.gammaln(0.5 * (df + 1.0)) - {sp}.gammaln(0.5 * df)"
                          " - 0.5 * (df + 1.0) * np.log1p(t * t / df)) / np.sqrt(df * "
                          "3.141592653589793)", df=_refused("stdtr", "df")),
    # the inverses in their last argument: 1 / (the function's derivative at the result)
    special.gammaincinv: rule("a, y", broadcast=True,
                              y=f"g * np.exp(ans - (a - 1.0) * np.log(ans) + {sp}.gammaln(a))",
                              a=_refused("gammaincinv", "a")),
    special.gammainccinv: rule("a, y", broadcast=True,
                               y=f"-g * np.exp(ans - (a - 1.0) * np.log(ans) + {sp}.gammaln(a))",
                               a=_refused("gammainccinv", "a")),
    special.betaincinv: rule("a, b, y", broadcast=True,
                             y=f"g * np.exp({sp}.betaln(a, b) - (a - 1.0) * np.log(ans) - "
                               "(b - 1.0) * np.log1p(-ans))",
                             a=_refused("betaincinv", "a"), b=_refused("betaincinv", "b")),
}))

ARRAY_LIKE = True  # list arguments are read as arrays, by the functions and their rules
NONDIFF: set = set()
