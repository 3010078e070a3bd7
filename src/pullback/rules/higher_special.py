"""Rules for the gradients' helpers of scipy.special and numpy.fft, so that a second
derivative (hessian, hvp, grad of grad) goes through them.

Guarantees:
- `real_only(g, name, *values)` returns g (after refusing complex values): linear in g,
  its values read to check their type only;
- `gammaln_grad(d, x) = d digamma(x)` and `digamma_grad(d, x) = d polygamma(1, x)` are
  elementwise: linear in d, their derivative in x the next polygamma;
- the FFTs' gradients are real-linear in the gradient they are given and read the input
  for its shape and whether it is complex (piecewise constant), so their tangent is the
  helper at the tangent. Each helper is its transform's adjoint (autograd's convention:
  a real-linear map z -> Re(C z) has the adjoint y -> C^T y), so its own adjoint is the
  transform itself, applied with the same n/s, axes and norm.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from . import fft, rule

FRESH = ("fresh",)


def _zero(g) -> bool:
    return g.__class__ is float and g == 0.0


def fft_grad_adjoint(g, d, a, s, axes, norm, kind):
    """The adjoint of a transform's gradient helper (the transform's adjoint in autograd's
    convention) in the gradient d it is given: the transform itself, applied to g with the
    transform's n/s, axes and norm (the adjoint of an adjoint is the map; a real input's
    transform reads the real part of g, the gradient of a real value)."""
    if _zero(g):
        return 0.0
    g = np.asarray(g)
    if kind in ("hfft", "ihfft"):
        return getattr(np.fft, kind)(np.real(g) if kind == "ihfft" else g, s, axes, norm)
    found, sizes = fft._plan(a, s, axes, inverse_real=kind == "irfft")
    if kind == "rfft":
        return np.fft.rfftn(np.real(g), s=sizes, axes=found, norm=fft._norm(norm))
    if kind == "irfft":
        return np.fft.irfftn(g, s=sizes, axes=found, norm=fft._norm(norm))
    transform = np.fft.ifftn if kind == "ifft" else np.fft.fftn
    return transform(fft._fit(g, np.shape(d), found), axes=found, norm=fft._norm(norm))


def _rules():
    rules = {
        fft.fft_grad: rule(
            "d, a, s, axes, norm, inverse=False", kinds=FRESH, jvp="linear",
            d="fft_grad_adjoint(g, d, a, s, axes, norm, 'ifft' if inverse else 'fft')"),
    }
    for helper, params in ((fft.rfft_grad, "d, a, s, axes, norm"),
                           (fft.irfft_grad, "d, a, s, axes, norm"),
                           (fft.hfft_grad, "d, a, n, axis, norm"),
                           (fft.ihfft_grad, "d, a, n, axis, norm")):
        name = helper.__name__[:-len("_grad")]
        rules[helper] = rule(params, kinds=FRESH, jvp="linear",
                             d=f"fft_grad_adjoint(g, d, a, {params[6:]}, {name!r})")
    try:
        from . import scipy as special_rules
    except ImportError:
        return rules
    # (real_only's own parameter g is the gradient it passes on: named d here, as the
    # templates read g as the gradient given)
    rules[special_rules.real_only] = rule("d, name, *values", kinds=("view",), jvp="linear",
                                          d="g")
    rules[special_rules.gammaln_grad] = rule(
        "d, x", broadcast=True, kinds=("elementwise",), d="gammaln_grad(g, x)",
        x="digamma_grad(g * d, x)")
    rules[special_rules.digamma_grad] = rule(
        "d, x", broadcast=True, kinds=("elementwise",), d="digamma_grad(g, x)",
        x="g * d * scipy_special.polygamma(2, x)")
    return rules


FUNCTIONS = (fft_grad_adjoint,)


def _with_functions(helper, r):
    named = [(h.__name__, h) for h in FUNCTIONS] + [(helper.__name__, helper)]
    if helper.__module__.endswith(".scipy"):
        from . import scipy as special_rules
        named += [("scipy_special", special_rules.special),
                  ("gammaln_grad", special_rules.gammaln_grad),
                  ("digamma_grad", special_rules.digamma_grad)]
    return replace(r, functions=tuple(dict(named).items()))


RULES = {f: _with_functions(f, r) for f, r in _rules().items()}
NONDIFF: set = set()
