"""Second order through np.corrcoef's gradient helper (`corrcoef_grad`,
rules/numpy_added.py), so that hessian, hvp and reverse over reverse go through it.

Guarantees:
- corrcoef_grad(G, x, y, rowvar, wrt) is the gradient in wrt of the scalar <G, R(x, y)>,
  R = C / sqrt(d d^T), C = np.cov(x, y), d = diag(C): linear in G (its tangent there is
  corrcoef_grad itself, its adjoint the tangent of R along the cotangent, corrcoef_tangent);
- its derivative in x or y is a mixed second derivative of <G, R>, so its adjoint in
  one operand is the other's (or the same operand's) tangent: one function,
  corrcoef_grad_tangent, serves both. It moves cov_grad(gC, x, y) (bilinear in gC and the
  data) along both: gC = G / sqrt(d d^T) - diag(sum_j (G + G^T)_ij R_ij / (2 d_i)) moves
  with d and R (their tangents from np.cov's and np.corrcoef's);
- complex values are refused as np.cov's gradient refuses them; the helpers here have no
  rules of their own (a third derivative is refused where it reaches them).
"""

from __future__ import annotations

import numpy as np

from . import numpy_added, rule
from .support import _zero, as_array

FRESH = ("fresh",)


def _moved(t, along, x, y):
    """(x's tangent, y's tangent) for the tangent t of `along`."""
    if along == "x":
        return np.broadcast_to(t, np.shape(x)), 0.0
    return 0.0, np.broadcast_to(t, np.shape(y))


def corrcoef_grad_tangent(t, d, x, y, rowvar, wrt, along):
    """corrcoef_grad(d, x, y, rowvar, wrt) along the tangent t of d, x or y."""
    if _zero(t) or along != "d" and _zero(d):
        return 0.0
    if along == "d":
        return numpy_added.corrcoef_grad(t, x, y, rowvar, wrt)
    tx, ty = _moved(t, along, x, y)
    C = np.atleast_2d(np.cov(x, y, rowvar))
    dC = np.atleast_2d(numpy_added.cov_tangent(tx, ty, x, y, rowvar))
    dR = np.atleast_2d(numpy_added.corrcoef_tangent(tx, ty, x, y, rowvar))
    diag, moved_diag = np.diag(C), np.diag(dC)
    S = np.sqrt(np.outer(diag, diag))
    R = C / S
    G = np.reshape(as_array(d), C.shape)
    ratio = moved_diag / diag
    both = G + G.T
    v = np.sum(both * R, axis=1) / (2.0 * diag)
    moved_v = np.sum(both * dR, axis=1) / (2.0 * diag) - v * ratio
    gC = G / S - np.diag(v)
    moved_gC = -0.5 * G / S * (ratio[:, None] + ratio[None, :]) - np.diag(moved_v)
    cov_wrt = "m" if wrt == "x" else "y"
    moved_x = np.zeros(np.shape(x)) if _zero(tx) else tx
    moved_y = None if y is None else (np.zeros(np.shape(y)) if _zero(ty) else ty)
    return numpy_added.cov_grad(moved_gC, x, y, rowvar, wrt=cov_wrt) \
        + numpy_added.cov_grad(gC, moved_x, moved_y, rowvar, wrt=cov_wrt)


def corrcoef_grad_adjoint(g, d, x, y, rowvar, wrt, along):
    """The adjoint of corrcoef_grad(wrt) in d (R's tangent along g in wrt) or in an
    operand (corrcoef_grad(along)'s tangent along g in wrt: see the module's note)."""
    if _zero(g) or along != "d" and _zero(d):
        return 0.0
    if along == "d":
        tx, ty = _moved(g, wrt, x, y)
        return np.reshape(numpy_added.corrcoef_tangent(tx, ty, x, y, rowvar), np.shape(d))
    return corrcoef_grad_tangent(g, d, x, y, rowvar, along, wrt)


_ARGS = "d, x, y, rowvar, wrt"
RULES = {
    numpy_added.corrcoef_grad: rule(
        "d, x, y=None, rowvar=True, wrt='x'", kinds=FRESH,
        jvp={p: f"corrcoef_grad_tangent(g, {_ARGS}, {p!r})" for p in ("d", "x", "y")},
        **{p: f"corrcoef_grad_adjoint(g, {_ARGS}, {p!r})" for p in ("d", "x", "y")}),
}
NONDIFF: set = set()
HELPERS = {name: obj for name, obj in list(globals().items())
           if callable(obj) and not name.startswith("_") and getattr(obj, "__module__", "")
           == __name__}
