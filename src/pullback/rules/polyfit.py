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
- second order: each gradient is written through z = (A^T A)^-1 g as
  gb = A z (y's: gb w), ga = r z^T - A z c^T (w's: rows of ga V + gb y; x's: rows of
  ga w V'), and its tangent along x, y, w or the coefficients c (held apart: the rule is
  handed c, whose own tangent the caller pushes) differentiates those products with
  dA = w V' dx + V dw, db = w dy + y dw, dz = -(A^T A)^-1 (dA^T A + A^T dA) z,
  dr = db - dA c - A dc, and dV' = V'' dx; its adjoint takes that tangent entry by
  entry, so hvp, hessian and grad of grad go through x, y and w alike;
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


def _vander_curvature(x, deg):
    """d^2 V / d x^2, row by row: k (k-1) x^(k-2) in the column of x^k."""
    powers = np.arange(int(deg), -1, -1)
    xx = np.asarray(x, dtype=float)
    out = np.zeros((len(xx), len(powers)))
    keep = powers >= 2
    out[:, keep] = (powers[keep] * (powers[keep] - 1)) * xx[:, None] ** (powers[keep] - 2)
    return out


def polyfit_grad_tangent(t, d, x, y, deg, rcond, full, w, cov, made, wrt, along):
    """The tangent of polyfit_grad(d, ...) for `wrt` along its operand `along` (x, y, w
    or the coefficients `made`), the others held: the product rule through the
    gradient's formulas (module docstring)."""
    if _zero(t) or _zero(d):
        return 0.0
    a, b, weights, v, scale = _system(x, y, deg, w, full, cov)
    if np.iscomplexobj(d) or np.iscomplexobj(t):
        raise PullbackError("no derivative rule for np.polyfit of complex values")
    vec = np.ndim(made) == 1
    column = (lambda m: np.asarray(m, dtype=float)[:, None]) if vec else (
        lambda m: np.asarray(m, dtype=float))
    g = column(np.broadcast_to(d, np.shape(made)))
    c = column(made)
    yy = column(y)
    q, r = np.linalg.qr(a / scale)

    def normal_solve(m):  # (A^T A)^-1 m, through the scaled QR factor
        return np.linalg.solve(r, np.linalg.solve(r.T, m / scale[:, None])) / scale[:, None]

    slope = _vander_slope(x, deg)
    zeros_x = np.zeros(len(weights))
    dx = dw = zeros_x
    dy = np.zeros_like(yy)
    dc = np.zeros_like(c)
    if along == "x":
        dx = np.broadcast_to(np.asarray(t, dtype=float), np.shape(x))
    elif along == "w":
        dw = np.broadcast_to(np.asarray(t, dtype=float), np.shape(x))
    elif along == "y":
        dy = column(np.broadcast_to(t, np.shape(y)))
    else:
        dc = column(np.broadcast_to(t, np.shape(made)))
    da = slope * (weights * dx)[:, None] + v * dw[:, None]
    db = yy * dw[:, None] + dy * weights[:, None]
    z = normal_solve(g)
    dz = -normal_solve(da.T @ (a @ z) + a.T @ (da @ z))
    az = a @ z
    daz = da @ z + a @ dz
    if wrt == "y":
        out = daz * weights[:, None] + az * dw[:, None]
        return out[:, 0] if vec else out
    res = b[:, None] - a @ c if vec else b - a @ c
    dres = db - da @ c - a @ dc
    ga = res @ z.T - az @ c.T
    dga = dres @ z.T + res @ dz.T - daz @ c.T - az @ dc.T
    if wrt == "w":
        return (np.sum(dga * v + ga * slope * dx[:, None], axis=1)
                + np.sum(daz * yy + az * dy, axis=1))
    return np.sum((dga * weights[:, None] + ga * dw[:, None]) * slope
                  + ga * (weights * dx)[:, None] * _vander_curvature(x, deg), axis=1)


def polyfit_grad_tangent_adjoint(g, d, x, y, deg, rcond, full, w, cov, made, wrt, along):
    """The adjoint of polyfit_grad's tangent along `along`, entry by entry."""
    like = {"x": x, "y": y, "w": w, "made": made}[along]
    return adjoint_by_entries(g, np.asarray(like, dtype=float), polyfit_grad_tangent, d, x, y,
                              deg, rcond, full, w, cov, made, wrt, along)


_SIGNATURE = "x, y, deg, rcond=None, full=False, w=None, cov=False"
_ARGS = "x, y, deg, rcond, full, w, cov"
RULES = {
    np.polyfit: rule(_SIGNATURE, kinds=FRESH,
                     **{p: f"polyfit_grad(g, {_ARGS}, ans, {p!r})" for p in ("x", "y", "w")},
                     jvp={p: f"polyfit_tangent(g, {_ARGS}, ans, {p!r})" for p in ("x", "y", "w")}),
    polyfit_grad: rule(
        "d, x, y, deg, rcond, full, w, cov, made, wrt", kinds=FRESH,
        jvp={"d": f"polyfit_grad(g, {_ARGS}, made, wrt)",
             **{p: f"polyfit_grad_tangent(g, d, {_ARGS}, made, wrt, {p!r})"
                for p in ("x", "y", "w", "made")}},
        d=f"adjoint_by_entries(g, d, polyfit_grad, {_ARGS}, made, wrt)",
        **{p: f"polyfit_grad_tangent_adjoint(g, d, {_ARGS}, made, wrt, {p!r})"
           for p in ("x", "y", "w", "made")}),
}
RULES = {f: replace(r, functions=(("adjoint_by_entries", adjoint_by_entries),))
         for f, r in RULES.items()}
ARRAY_LIKE = True
NONDIFF: set = set()
HELPERS = {f.__name__: f for f in (polyfit_grad, polyfit_tangent, polyfit_grad_tangent,
                                   polyfit_grad_tangent_adjoint)}
