"""Second-order rules for the gradients' helpers of scipy.special.exprel,
scipy.special.multigammaln and scipy.special.wofz, so that hessian, hvp and reverse over
reverse go through them (scipy.stats' helpers have theirs in rules/higher_stats.py).

Guarantees:
- `exprel_grad(d, x) = d E'(x)` with E = exprel is elementwise: linear in d, and its
  derivative in x is d E''(x), E'' = (e^x - 2 E'(x)) / x (the series 1/3 + x/4 + x^2/10
  near 0, as exprel_grad uses its own series there);
- `multigammaln_grad(d, a, dim) = d sum_j digamma(a - j/2)`: linear in d, its derivative
  in a the same sum of trigamma; the dimension is an integer (no derivative);
- `wofz_grad(d, z, w) = d (-2 z w + 2i/sqrt(pi))` (its real part for a real z) is linear
  in d, in z and in w = wofz(z): its tangent is that of each factor, its adjoint g times
  it (a real z: Re(u k) of a complex u has the adjoint g k, autograd's dL/dRe - i dL/dIm).
The helpers here have no rules of their own (a third derivative is refused).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from . import rule

FRESH = ("fresh",)


def _zero(g) -> bool:
    return g.__class__ is float and g == 0.0


def exprel_second(x):
    """The second derivative of exprel: (e^x - 2 E'(x)) / x, its series near 0."""
    from scipy import special

    x = np.asarray(x, dtype=float)
    small = np.abs(x) < 1e-3
    safe = np.where(small, 1.0, x)
    with np.errstate(over="ignore", invalid="ignore"):
        first = (np.exp(safe) - special.exprel(safe)) / safe
        far = (np.exp(safe) - 2.0 * first) / safe
    return np.where(small, 1.0 / 3.0 + x / 4.0 + x * x / 10.0, far)


def multigammaln_second(a, dim):
    """The second derivative of log Gamma_dim(a): sum_{j < dim} trigamma(a - j/2)."""
    from scipy import special

    return sum(special.polygamma(1, np.asarray(a) - 0.5 * j) for j in range(int(dim)))


def wofz_grad_tangent(t, d, z, value, along):
    """wofz_grad(d, z, w) along the tangent t of d, z or w (w = wofz(z), a parameter of
    its own); the real part where z is real, as wofz_grad takes it."""
    from . import scipy as special_rules

    if _zero(t) or along != "d" and _zero(d):
        return 0.0
    if along == "d":
        return special_rules.wofz_grad(t, z, value)
    moved = -2.0 * t * d * (value if along == "z" else np.asarray(z))
    return moved if np.iscomplexobj(z) else np.real(moved)


def wofz_grad_adjoint(g, d, z, value, along):
    """The adjoint of wofz_grad(d, z, w) in d, z or w: holomorphic in each for a complex
    z (g times the derivative); for a real z, Re(u k) of a complex u has the adjoint g k
    (dL/dRe - i dL/dIm), and z itself takes the real part."""
    if _zero(g) or along != "d" and _zero(d):
        return 0.0
    z = np.asarray(z)
    if along == "d":
        return g * (-2.0 * z * value + 1.1283791670955126j)
    if along == "value":
        return -2.0 * g * d * z
    moved = -2.0 * g * d * value
    return moved if np.iscomplexobj(z) else np.real(moved)


def _rules():
    try:
        from . import scipy as special_rules
    except ImportError:
        return {}
    elementwise = ("elementwise",)
    return {
        special_rules.exprel_grad: rule("d, x", broadcast=True, kinds=elementwise,
                                        d="exprel_grad(g, x)", x="g * d * exprel_second(x)"),
        special_rules.multigammaln_grad: rule(
            "dg, a, d", broadcast=True, kinds=elementwise, dg="multigammaln_grad(g, a, d)",
            a="g * dg * multigammaln_second(a, d)"),
        special_rules.wofz_grad: rule(
            "d, z, value", kinds=FRESH,
            jvp={p: f"wofz_grad_tangent(g, d, z, value, {p!r})" for p in ("d", "z", "value")},
            **{p: f"wofz_grad_adjoint(g, d, z, value, {p!r})" for p in ("d", "z", "value")}),
    }


def _with_functions(r):
    from . import scipy as special_rules

    named = [("exprel_grad", special_rules.exprel_grad),
             ("multigammaln_grad", special_rules.multigammaln_grad)]
    return replace(r, functions=tuple(named))


RULES = {f: _with_functions(r) for f, r in _rules().items()}
NONDIFF: set = set()
HELPERS = {name: obj for name, obj in list(globals().items())
           if callable(obj) and not name.startswith("_") and getattr(obj, "__module__", "")
           == __name__}
