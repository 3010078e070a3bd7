"""The rule for `np.polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False)`: the
coefficients c of the weighted linear least squares fit, min ||diag(w) (V(x) c - y)||
with V = np.vander(x, deg + 1).

Guarantees:
- with A = diag(w) V (full column rank, else refused) and b = diag(w) y, c = A^+ b, so
  y's gradient is diag(w) A^+^T g (c is linear in y), and with z = (A^T A)^-1 g and
  r = b - A c, A's is r z^T - A z c^T (lstsq's), taken to x through the Vandermonde
  columns (d x^k = k x^(k-1) dx) and to w through A's and b's rows;
- its tangent in y is np.polyfit of the tangent (linear); in x or w, lstsq's
  (dc = A^+ (db - dA c) + (A^T A)^-1 dA^T r);
- y's gradient is linear in g and independent of y: grad of grad and hvp in y go
  through (its adjoint entry by entry); any other second derivative is refused;
- full=True and cov=True are refused (a PullbackError), as is a complex fit.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..errors import PullbackError
from . import rule
from .higher_decompositions2 import adjoint_by_entries
from .support import _zero

FRESH = ("fresh",)


def _system(x, y, deg, w, full, cov):
    """(A, b, weights, V, scale): the weighted system np.polyfit solves."""
    if full or (cov is not False):
        raise PullbackError("no derivative rule for np.polyfit with full=True or cov: "
                            "pullback differentiates the coefficients alone")
    if any(np.iscomplexobj(v) for v in (x, y, w)):
        raise PullbackError("no derivative rule for np.polyfit of complex values")
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    v = np.vander(x, int(deg) + 1)
    weights = np.ones(len(x)) if w is None else np.asarray(w, dtype=float)
    a = v * weights[:, None]
    scale = np.sqrt(np.sum(a * a, axis=0))
    if np.linalg.matrix_rank(a / scale) < a.shape[1]:
        raise PullbackError("no derivative rule for np.polyfit of a rank-deficient fit "
                            "(fewer distinct x than deg + 1)")
    b = y * (weights if y.ndim == 1 else weights[:, None])
    return a, b, weights, v, scale


def polyfit_grad(g, x, y, deg, rcond, full, w, cov, made, wrt):
    """The gradient of x, y or w (`wrt`) from that of the coefficients, g."""
    if _zero(g):
        return 0.0
    a, b, weights, v, scale = _system(x, y, deg, w, full, cov)
    if np.iscomplexobj(g):
        raise PullbackError("no derivative rule for np.polyfit of complex values")
    q, r = np.linalg.qr(a / scale)
    g = np.broadcast_to(g, np.shape(made))
    vec = np.ndim(made) == 1
    gm = np.asarray(g)[:, None] if vec else np.asarray(g)
    h = np.linalg.solve(r.T, gm / scale[:, None])  # R^-T S^-1 g
    gb = q @ h  # A^+^T g
    if wrt == "y":
        out = gb * weights[:, None]
        return out[:, 0] if vec else out
    c = np.asarray(made)[:, None] if vec else np.asarray(made)
    z = np.linalg.solve(r, h) / scale[:, None]  # (A^T A)^-1 g
    ga = (b[:, None] if vec else b) - a @ c
    ga = ga @ z.T - (a @ z) @ c.T
    if wrt == "w":
        yy = np.asarray(y, dtype=float)
        yy = yy[:, None] if vec else yy
        return np.sum(ga * v, axis=1) + np.sum(gb * yy, axis=1)
    return np.sum(ga * weights[:, None] * _vander_slope(x, deg), axis=1)


def _vander_slope(x, deg):
    """d V / d x, row by row: k x^(k-1) in the column of x^k."""
    powers = np.arange(int(deg), -1, -1)
    xx = np.asarray(x, dtype=float)
    out = np.zeros((len(xx), len(powers)))
    out[:, :-1] = powers[:-1] * xx[:, None] ** (powers[:-1] - 1)
    return out


def polyfit_tangent(t, x, y, deg, rcond, full, w, cov, made, wrt):
    """Along y: np.polyfit of the tangent (c is linear in y); along x or w (dA, db):
    dc = A^+ (db - dA c) + (A^T A)^-1 dA^T r."""
    a, b, weights, v, scale = _system(x, y, deg, w, full, cov)
    if wrt == "y":
        return np.polyfit(x, np.broadcast_to(t, np.shape(y)), deg, rcond, w=w)
    t = np.broadcast_to(np.asarray(t, dtype=float), np.shape(x))
    vec = np.ndim(made) == 1
    c = np.asarray(made)[:, None] if vec else np.asarray(made)
    bb = b[:, None] if vec else b
    if wrt == "x":
        da, db = _vander_slope(x, deg) * (weights * t)[:, None], np.zeros_like(bb)
    else:
        yy = np.asarray(y, dtype=float)
        da, db = v * t[:, None], (yy[:, None] if vec else yy) * t[:, None]
    q, r = np.linalg.qr(a / scale)
    pinv = np.linalg.solve(r, q.T @ (db - da @ c)) / scale[:, None]
    k = da.T @ (bb - a @ c)
    normal = np.linalg.solve(r, np.linalg.solve(r.T, k / scale[:, None])) / scale[:, None]
    dc = pinv + normal
    return dc[:, 0] if vec else dc


def polyfit_grad_fixed(t, wrt, along):
    """The tangent of polyfit_grad along one of its operands but d: none for y's gradient
    along y or the coefficients (it reads neither); otherwise refused."""
    if _zero(t) or (wrt == "y" and along in ("y", "made")):
        return 0.0
    raise PullbackError(f"no second derivative of np.polyfit's gradient in {wrt} along "
                        f"{along}: pullback differentiates y's gradient again, in y")


def polyfit_grad_fixed_adjoint(g, wrt, along):
    if _zero(g) or (wrt == "y" and along in ("y", "made")):
        return 0.0
    return polyfit_grad_fixed(g, wrt, along)


_SIGNATURE = "x, y, deg, rcond=None, full=False, w=None, cov=False"
_ARGS = "x, y, deg, rcond, full, w, cov"
RULES = {
    np.polyfit: rule(_SIGNATURE, kinds=FRESH,
                     **{p: f"polyfit_grad(g, {_ARGS}, ans, {p!r})" for p in ("x", "y", "w")},
                     jvp={p: f"polyfit_tangent(g, {_ARGS}, ans, {p!r})" for p in ("x", "y", "w")}),
    polyfit_grad: rule(
        "d, x, y, deg, rcond, full, w, cov, made, wrt", kinds=FRESH,
        jvp={"d": f"polyfit_grad(g, {_ARGS}, made, wrt)",
             **{p: f"polyfit_grad_fixed(g, wrt, {p!r})" for p in ("x", "y", "w", "made")}},
        d=f"adjoint_by_entries(g, d, polyfit_grad, {_ARGS}, made, wrt)",
        **{p: f"polyfit_grad_fixed_adjoint(g, wrt, {p!r})" for p in ("x", "y", "w", "made")}),
}
RULES = {f: replace(r, functions=(("adjoint_by_entries", adjoint_by_entries),))
         for f, r in RULES.items()}
ARRAY_LIKE = True
NONDIFF: set = set()
HELPERS = {f.__name__: f for f in (polyfit_grad, polyfit_tangent, polyfit_grad_fixed,
                                   polyfit_grad_fixed_adjoint)}
