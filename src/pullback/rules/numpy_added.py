"""Rules for NumPy functions statistics, interpolation and least-squares code calls that
the first tables lacked: np.take_along_axis, np.interp (in x, fp, left and right),
np.polyval (in p and x), np.correlate, np.ediff1d, np.trapezoid, np.cumulative_sum, the
array-API spellings in np.linalg (vector_norm, matrix_norm, outer, matmul, tensordot,
trace, diagonal, cross, matrix_transpose) and np.linalg.qr and np.linalg.lstsq.

Guarantees:
- every rule has its adjoint and its tangent, and the helpers its adjoint calls that are
  not themselves rules of other tables (take_along_axis_grad, interp_slope,
  interp_grad_fp, interp_grad_bound, poly_derivative, polyval_grad_p,
  correlate_full_grad, cumulative_sum_grad) have rules here, so hessian, hvp and
  grad(grad(f)) go through these functions (vector_norm_grad's, of the 2-norm, is in
  rules/higher_simple.py, trapezoid's and cov's in rules/higher_simple2.py; qr, lstsq and
  corrcoef have none yet); the
  helpers of the second-order rules have none (a third derivative is refused where it
  reaches them);
- np.interp is piecewise linear in x: its derivative is the slope of the segment
  xp[j] <= x < xp[j+1] (the right derivative at a knot), 0 below xp[0] and from xp[-1]
  on; `xp` and `period` are refused when a gradient reaches them (`period` changes
  which segment an x falls in);
- np.linalg.qr is differentiated for a matrix with at least as many rows as columns
  (mode 'reduced', 'complete' of a square matrix, or 'r'), and np.linalg.lstsq for a
  matrix of full column rank, in its solution, residuals and singular values; anything
  else raises a PullbackError naming the function rather than give a wrong gradient.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..errors import PullbackError
from ..runtime.helpers import GradList
from . import declare, linear_algebra, rule
from .linalg import linalg_svd_grad
from .support import _axes, _keep, _zero, abs_grad, as_array, unbroadcast

FRESH = ("fresh",)
VIEW = ("view",)


# ------------------------------------------------------------------ np.take_along_axis

def take_along_axis_grad(g, arr, indices, axis=-1):
    """np.take_along_axis(arr, indices, axis) reads arr[..., indices, ...] (the other axes
    broadcast): each read entry of arr gets the gradient of every place it went to."""
    if _zero(g):
        return 0.0
    arr, indices, g = as_array(arr), np.asarray(indices), as_array(g)
    if axis is None:
        out = np.zeros(arr.size, dtype=np.result_type(arr, g, float))
        np.add.at(out, indices, g)
        return out.reshape(arr.shape)
    axis = axis % arr.ndim
    shape = list(g.shape)
    shape[axis] = arr.shape[axis]
    out = np.zeros(shape, dtype=np.result_type(arr, g, float))
    index = tuple(indices if d == axis else
                  np.arange(n).reshape((1,) * d + (n,) + (1,) * (len(shape) - d - 1))
                  for d, n in enumerate(shape))
    np.add.at(out, index, g)
    return unbroadcast(out, arr)


def take_along_axis_grad_transpose(g, d, indices, axis=-1):
    """The adjoint of take_along_axis_grad(d, arr, indices, axis) in d: g read back."""
    if _zero(g):
        return 0.0
    return np.reshape(np.take_along_axis(np.broadcast_to(
        g, _read_shape(np.shape(g), np.shape(d), axis)), np.asarray(indices), axis), np.shape(d))


def _read_shape(arr_shape, d_shape, axis):
    if axis is None:
        return arr_shape
    shape = list(d_shape)
    shape[axis % len(shape)] = arr_shape[axis % len(shape)]
    return tuple(shape)


# ------------------------------------------------------------------------- np.interp

def _interp_weights(x, xp, left, right, period):
    """(lower index, its weight, upper index, its weight, inside) of np.interp(x, xp, fp):
    the value is w_lo fp[lo] + w_hi fp[hi] (plus left or right, where given, outside)."""
    if period is not None:
        raise PullbackError("no derivative rule for np.interp with period=: pullback "
                            "differentiates np.interp without it")
    xp = np.asarray(xp, dtype=float)
    x = np.asarray(x, dtype=float)
    n = xp.shape[0]
    lo = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, max(n - 2, 0))
    hi = np.minimum(lo + 1, n - 1)
    step = xp[hi] - xp[lo]
    inside = (x >= xp[0]) & (x < xp[-1])
    t = np.where(inside, (x - xp[lo]) / np.where(inside, step, 1.0), 0.0)
    below, above = x < xp[0], x > xp[-1]
    lo = np.where(below, 0, np.where(inside, lo, n - 1))
    w_lo = np.where(inside, 1.0 - t, 1.0)
    if left is not None:
        w_lo = np.where(below, 0.0, w_lo)
    if right is not None:
        w_lo = np.where(above, 0.0, w_lo)
    return lo, w_lo, hi, t, inside


def interp_slope(x, xp, fp, period=None):
    """The slope of np.interp(x, xp, fp) at x: (fp[j+1] - fp[j]) / (xp[j+1] - xp[j]) on
    the segment xp[j] <= x < xp[j+1], 0 outside [xp[0], xp[-1])."""
    if _zero(fp):
        return 0.0
    lo, _, hi, _, inside = _interp_weights(x, xp, None, None, period)
    xp, fp = np.asarray(xp, dtype=float), as_array(fp)
    step = np.where(inside, xp[hi] - xp[lo], 1.0)
    return np.where(inside, (fp[hi] - fp[lo]) / step, 0.0)


def interp_slope_transpose(d, x, xp, fp):
    """The adjoint of fp -> interp_slope(x, xp, fp) at d: -d / step into fp[j], d / step
    into fp[j+1]."""
    if _zero(d):
        return 0.0
    lo, _, hi, _, inside = _interp_weights(x, xp, None, None, None)
    xp = np.asarray(xp, dtype=float)
    share = np.where(inside, np.broadcast_to(d, inside.shape) / np.where(
        inside, xp[hi] - xp[lo], 1.0), 0.0)
    out = np.zeros(np.shape(fp), dtype=np.result_type(share, as_array(fp), float))
    np.add.at(out, lo, -share)
    np.add.at(out, hi, share)
    return out


def interp_grad_fp(d, x, xp, fp, left=None, right=None, period=None):
    """The adjoint of fp -> np.interp(x, xp, fp, left, right) at d (it is linear in fp)."""
    if _zero(d):
        return 0.0
    lo, w_lo, hi, w_hi, _ = _interp_weights(x, xp, left, right, period)
    d = np.broadcast_to(d, np.shape(lo))
    out = np.zeros(np.shape(fp), dtype=np.result_type(d, as_array(fp), float))
    np.add.at(out, lo, d * w_lo)
    np.add.at(out, hi, d * w_hi)
    return out


def interp_along_fp(t, x, xp, fp, left=None, right=None, period=None):
    """The tangent of np.interp(x, xp, fp, left, right) along fp's tangent t (left and
    right are constants here)."""
    if _zero(t):
        return 0.0
    lo, w_lo, hi, w_hi, _ = _interp_weights(x, xp, left, right, period)
    t = as_array(t)
    return w_lo * t[lo] + w_hi * t[hi]


def interp_grad_bound(d, x, xp, side):
    """left (side 'left') or right of np.interp: the sum of d where x is beyond that end."""
    if _zero(d):
        return 0.0
    return np.sum(d * _beyond(x, xp, side))


def interp_along_bound(t, x, xp, side):
    """The tangent of np.interp along its left (or right) value's tangent t."""
    if _zero(t):
        return 0.0
    return t * _beyond(x, xp, side)


def _beyond(x, xp, side):
    x, xp = np.asarray(x), np.asarray(xp)
    return (x < xp[0]) if side == "left" else (x > xp[-1])


# ------------------------------------------------------------------------ np.polyval

def poly_derivative(p):
    """The coefficients of p's derivative, highest power first (n - 1 of them)."""
    if _zero(p):
        return 0.0
    p = as_array(p)
    n = p.shape[0]
    return p[:-1] * np.arange(n - 1, 0, -1)


def poly_derivative_transpose(d, p):
    """The adjoint of poly_derivative in its coefficients: d times the powers, and 0 for
    the constant term."""
    if _zero(d):
        return 0.0
    n = np.shape(p)[0]
    return np.concatenate([as_array(d) * np.arange(n - 1, 0, -1), np.zeros(1)])


def polyval_grad_p(d, p, x):
    """The adjoint of p -> np.polyval(p, x) at d: sum over x of d x^k, highest k first."""
    if _zero(d):
        return 0.0
    n = np.shape(p)[0]
    x = as_array(x)
    d = np.broadcast_to(d, np.broadcast_shapes(np.shape(d), x.shape))
    powers = np.ravel(np.broadcast_to(x, d.shape))[:, None] ** np.arange(n - 1, -1, -1)
    return np.ravel(d) @ powers


def polyval_grad_p_transpose(g, d, x):
    """The adjoint of polyval_grad_p(d, p, x) in d: the polynomial g at x."""
    if _zero(g):
        return 0.0
    return unbroadcast(np.polyval(as_array(g), as_array(x)) + np.zeros(np.shape(d)), d)


def polyval_grad_p_x(d, p, x, g):
    """The adjoint of x -> polyval_grad_p(d, p, x) at g (p-shaped): d p'(x) with g for p."""
    if _zero(d) or _zero(g):
        return 0.0
    return unbroadcast(d * np.polyval(poly_derivative(g), as_array(x)), x)


def polyval_grad_p_along_x(d, p, x, t):
    """The tangent of polyval_grad_p(d, p, x) along x's tangent t."""
    if _zero(d) or _zero(t):
        return 0.0
    n = np.shape(p)[0]
    if n < 2:
        return np.zeros(n)
    return poly_derivative_transpose(polyval_grad_p(d * t, np.zeros(n - 1), x), p)


# ------------------------------------------------------------------------ the others

def ediff1d_grad(g, ary, to_end, to_begin, wrt):
    """np.ediff1d(ary, to_end, to_begin) = (to_begin, diff(ravel(ary)), to_end): each
    piece's part of g, the middle one through diff's adjoint."""
    if _zero(g):
        return 0.0
    g = np.ravel(g)
    start = 0 if to_begin is None else np.size(to_begin)
    size = np.size(ary)
    if wrt == "to_begin":
        return np.reshape(g[:start], np.shape(to_begin))
    if wrt == "to_end":
        return np.reshape(g[start + max(size - 1, 0):], np.shape(to_end))
    middle = g[start:start + max(size - 1, 0)]
    if size == 0:
        return np.zeros(np.shape(ary))
    full = np.concatenate([[0.0], middle]) - np.concatenate([middle, [0.0]])
    return np.reshape(full, np.shape(ary))


def _along(v, axis, ndim):
    """A 1-D v laid along `axis` of an ndim-array (to broadcast against it)."""
    return np.reshape(v, (-1,) + (1,) * (ndim - 1 - axis))


def _padded(v, axis, where):
    pad = [(0, 0)] * np.ndim(v)
    pad[axis] = (1, 0) if where == "before" else (0, 1)
    return np.pad(v, pad)


def _mid_values(y, axis):
    """(y_i + y_(i+1)) / 2 along the axis."""
    n = y.shape[axis]
    return (np.take(y, range(1, n), axis) + np.take(y, range(n - 1), axis)) / 2.0


def trapezoid_grad(g, y, x, dx, axis, wrt):
    """np.trapezoid(y, x, dx, axis) = sum over the axis of step_i (y_i + y_(i+1)) / 2, with
    step = diff(x) (or dx when x is None)."""
    if _zero(g):
        return 0.0
    y = as_array(y)
    axis = axis % y.ndim
    G = np.expand_dims(g, axis)
    if wrt == "dx":
        return 0.0 if x is not None else unbroadcast(g * np.trapezoid(y, axis=axis), dx)
    if wrt == "y":
        if x is None:
            w = np.full(y.shape[axis], 1.0)
            w[[0, -1]] = 0.5 if y.shape[axis] > 1 else 0.0
            w = _along(w, axis, y.ndim) * np.expand_dims(np.asarray(dx), axis) \
                if np.ndim(dx) else _along(w, axis, y.ndim) * dx
        else:
            x = as_array(x)
            step = np.diff(x) if x.ndim == 1 else np.diff(x, axis=axis)
            at = 0 if x.ndim == 1 else axis
            w = (_padded(step, at, "before") + _padded(step, at, "after")) / 2.0
            if x.ndim == 1:
                w = _along(w, axis, y.ndim)
        return unbroadcast(G * w, y)
    # wrt x: d/dx_j = s_(j-1) - s_j, s the mean of neighbouring y's (0 beyond the ends)
    s = _mid_values(y, axis)
    full = G * (_padded(s, axis, "before") - _padded(s, axis, "after"))
    if np.ndim(x) == 1:
        return np.sum(np.moveaxis(full, axis, 0).reshape(y.shape[axis], -1), axis=1)
    return unbroadcast(full, x)


def trapezoid_along_x(t, y, x, axis):
    """The tangent of np.trapezoid(y, x, axis=axis) along x's tangent t."""
    if _zero(t):
        return 0.0
    y = as_array(y)
    axis = axis % y.ndim
    s = _mid_values(y, axis)
    dt = np.diff(as_array(t), axis=axis if np.ndim(x) > 1 else -1)
    if np.ndim(x) == 1:
        dt = _along(dt, axis, y.ndim)
    return np.sum(s * dt, axis=axis)


def cumulative_sum_grad(g, x, axis=None, include_initial=False):
    """np.cumulative_sum: cumsum's adjoint (a reversed cumulative sum), after dropping the
    initial zero's gradient."""
    if _zero(g):
        return 0.0
    x = as_array(x)
    axis = 0 if axis is None else axis % x.ndim
    g = as_array(g)
    if include_initial:
        g = np.take(g, range(1, g.shape[axis]), axis)
    return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)


def cumulative_sum_grad_transpose(g, d, axis=None, include_initial=False):
    """The adjoint of cumulative_sum_grad(d, x, axis, include_initial) in d."""
    if _zero(g):
        return 0.0
    g = as_array(g)
    axis = 0 if axis is None else axis % g.ndim
    out = np.cumsum(g, axis=axis)
    if include_initial:
        pad = [(0, 0)] * g.ndim
        pad[axis] = (1, 0)
        out = np.pad(out, pad)
    return np.reshape(out, np.shape(d))


def vector_norm_grad(g, x, ans, axis=None, keepdims=False, ord=2):
    """np.linalg.vector_norm: np.linalg.norm's vector gradient, over the axes taken as
    one (all of them by default); a complex x through |x|."""
    from .reductions import _vector_norm_grad

    if _zero(g):
        return 0.0
    x = as_array(x)
    if np.iscomplexobj(x):
        return abs_grad(vector_norm_grad(np.real(g), np.abs(x), ans, axis, keepdims, ord), x)
    axes = _axes(axis, x.ndim)
    G, A = _keep(g, x.ndim, axes, keepdims), _keep(ans, x.ndim, axes, keepdims)
    if ord == 2:
        with np.errstate(divide="ignore", invalid="ignore"):
            return G * np.where(A == 0, 0.0, x / np.where(A == 0, 1.0, A))
    with np.errstate(divide="ignore", invalid="ignore"):
        return G * _vector_norm_grad(x, A, ord, axes)


def _correlate_window(a, v, mode):
    """(start, length) of np.correlate(a, v, mode) in the full correlation: for 'same' with
    a shorter than v, NumPy correlates v with a and reverses, which centres the window
    differently from np.convolve's."""
    n, m = np.size(a), np.size(v)
    if mode == "full":
        return 0, n + m - 1
    if mode == "valid":
        return min(n, m) - 1, max(n, m) - min(n, m) + 1
    return ((min(n, m) - 1) // 2 if n >= m else n - 1 - (n - 1) // 2), max(n, m)


def correlate_full_grad(d, a, v, mode):
    """The gradient d of np.correlate(a, v, mode) placed in the full correlation's length."""
    if _zero(d):
        return 0.0
    start, size = _correlate_window(a, v, mode)
    d = as_array(d)
    full = np.zeros(np.size(a) + np.size(v) - 1, dtype=np.result_type(d, float))
    full[start:start + size] = d
    return full


def correlate_window(g, d, a, v, mode):
    """The adjoint of correlate_full_grad(d, a, v, mode) in d: g's window."""
    if _zero(g):
        return 0.0
    start, size = _correlate_window(a, v, mode)
    return np.reshape(as_array(g)[start:start + size], np.shape(d))


def svdvals_tangent(t, x):
    """The singular values along t: diag(U^T t V) (real matrices)."""
    x = _real_matrix(x)
    u, _, vh = np.linalg.svd(x, full_matrices=False)
    return np.einsum("...ij,...ik,...jk->...j", u, np.broadcast_to(t, x.shape), vh)


def _real_matrix(x):
    x = as_array(x)
    if np.iscomplexobj(x):
        raise PullbackError("no forward-mode rule for np.linalg.svdvals of a complex matrix")
    return x


def _mT(a):
    return np.swapaxes(a, -1, -2)


def _full_column_rank(a, what):
    a = as_array(a)
    if np.iscomplexobj(a):
        raise PullbackError(f"no derivative rule for {what} of a complex matrix: pullback "
                            "differentiates it for real matrices")
    if a.shape[-2] < a.shape[-1]:
        raise PullbackError(f"no derivative rule for {what} of a matrix with fewer rows than "
                            f"columns (shape {a.shape}): pullback differentiates it for "
                            "m >= n")
    return a


def _qr_parts(g, ans, mode):
    """(gQ, gR) of np.linalg.qr's result's gradient (zeros for the part without one)."""
    if mode == "r":
        return 0.0, g
    gq, gr = (g[0], g[1]) if isinstance(g, (list, tuple)) else (g.Q, g.R)
    return gq, gr


def qr_grad(g, a, ans, mode="reduced"):
    """A = QR with A m x n, m >= n: gA = (gQ + Q copyltu(M)) R^-T, M = R gR^T - gQ^T Q,
    copyltu the symmetric matrix of M's lower triangle."""
    if _zero(g):
        return 0.0
    a = _full_column_rank(a, "np.linalg.qr")
    if mode not in ("reduced", "complete", "r") or (
            mode == "complete" and a.shape[-2] != a.shape[-1]):
        raise PullbackError(f"no derivative rule for np.linalg.qr with mode={mode!r} of "
                            f"shape {a.shape}: pullback differentiates the reduced "
                            "factorization (and 'complete' of a square matrix, and 'r')")
    q, r = np.linalg.qr(a)
    gq, gr = _qr_parts(g, ans, mode)
    gq = np.zeros_like(q) if _zero(gq) else as_array(gq)
    gr = np.zeros_like(r) if _zero(gr) else as_array(gr)
    m = r @ _mT(gr) - _mT(gq) @ q
    low = np.tril(m, -1)
    sym = low + _mT(low) + np.eye(m.shape[-1]) * np.diagonal(m, 0, -2, -1)[..., None, :]
    rhs = gq + q @ sym
    return _mT(np.linalg.solve(r, _mT(rhs)))


def qr_tangent(t, a, ans, mode="reduced"):
    """dA = dQ R + Q dR (JAX's qr_jvp): with X = Q^T dA R^-1 and O = tril(X, -1) - its
    transpose, dQ = Q (O - X) + dA R^-1 and dR = (X - O) R."""
    a = _full_column_rank(a, "np.linalg.qr")
    if mode not in ("reduced", "r") and not (mode == "complete" and a.shape[-2] == a.shape[-1]):
        raise PullbackError(f"no forward-mode rule for np.linalg.qr with mode={mode!r} of "
                            f"shape {a.shape}")
    q, r = np.linalg.qr(a)
    t = np.broadcast_to(t, a.shape)
    dx_rinv = _mT(np.linalg.solve(_mT(r), _mT(t)))  # dA R^-1
    x = _mT(q) @ dx_rinv
    low = np.tril(x, -1)
    o = low - _mT(low)
    dq = q @ (o - x) + dx_rinv
    dr = (x - o) @ r
    if mode == "r":
        return dr
    return (dq, dr)


def _lstsq_parts(a, b):
    a = _full_column_rank(a, "np.linalg.lstsq")
    if np.linalg.matrix_rank(a) < a.shape[-1]:
        raise PullbackError("no derivative rule for np.linalg.lstsq of a rank-deficient "
                            "matrix: pullback differentiates it for full column rank")
    b = as_array(b)
    x = np.linalg.lstsq(a, b, rcond=None)[0]
    return a, b, x, b - a @ x


def lstsq_grad(g, a, b, wrt):
    """np.linalg.lstsq(a, b) = (x, residuals, rank, s) for a of full column rank: with
    z = (A^T A)^-1 gx and r = b - A x, gb = A z + 2 r gres and
    gA = r z^T - A z x^T - 2 r gres x^T, plus U diag(gs) V^T for the singular values."""
    if _zero(g):
        return 0.0
    a, b, x, r = _lstsq_parts(a, b)
    gx, gres, _, gs = g
    vec = b.ndim == 1
    X, R = (x[:, None], r[:, None]) if vec else (x, r)
    gb = np.zeros_like(R)
    ga = np.zeros(a.shape)
    if not _zero(gx):
        z = np.linalg.solve(a.T @ a, np.reshape(as_array(gx), X.shape))
        az = a @ z
        gb = gb + az
        ga = ga + R @ z.T - az @ X.T
    if not _zero(gres) and np.size(gres):
        w = 2.0 * R * np.reshape(as_array(gres), (1, -1))
        gb = gb + w
        ga = ga - w @ X.T
    if wrt == "b":
        return np.reshape(gb, b.shape)
    if not _zero(gs):
        u, _, vt = np.linalg.svd(a, full_matrices=False)
        ga = ga + (u * as_array(gs)) @ vt
    return ga


def lstsq_tangent(t, a, b, wrt):
    """(dx, dres, 0, ds) along a's (wrt 'a') or b's tangent t."""
    a, b, x, r = _lstsq_parts(a, b)
    t = as_array(t)
    if wrt == "b":
        rhs = a.T @ t
        dres = 2.0 * np.sum(r * t, axis=0)
        ds = np.zeros(a.shape[-1])
    else:
        rhs = t.T @ r - a.T @ (t @ x)
        dres = -2.0 * np.sum(r * (t @ x), axis=0)
        u, _, vt = np.linalg.svd(a, full_matrices=False)
        ds = np.einsum("ij,ik,kj->j", u, t, vt.T)
    dx = np.linalg.solve(a.T @ a, rhs)
    m, n = a.shape
    res = dres if (m > n) else np.zeros(0)
    # a GradList: the tangents along a and along b add up entry by entry
    return GradList([dx, np.reshape(res, (-1,)), 0.0, ds])


# ------------------------------------------------------------- np.cov, np.corrcoef

def _cov_weights(fweights, aweights):
    """np.cov's weight of each observation: fweights times aweights (None: unweighted)."""
    w = None
    if fweights is not None:
        w = np.asarray(fweights, dtype=float)
    if aweights is not None:
        w = np.asarray(aweights, dtype=float) if w is None else w * np.asarray(aweights, float)
    return w


def _cov_parts(m, y, rowvar, bias, ddof, fweights, aweights):
    """(X with the variables as rows, its centred values times the weights, the centred
    values, the divisor) of np.cov's computation."""
    X = np.atleast_2d(as_array(m))
    if not rowvar and X.shape[0] != 1:
        X = X.T
    if y is not None:
        Y = np.atleast_2d(as_array(y))
        if not rowvar and Y.shape[0] != 1:
            Y = Y.T
        X = np.concatenate([X, Y], axis=0)
    if np.iscomplexobj(X):
        raise PullbackError("no derivative rule for np.cov or np.corrcoef of complex values: "
                            "pullback differentiates them for real values")
    if ddof is None:
        ddof = 0 if bias else 1
    w = _cov_weights(fweights, aweights)
    if w is None:
        centred = X - np.mean(X, axis=1, keepdims=True)
        return X, centred, centred, X.shape[1] - ddof
    total = np.sum(w)
    centred = X - (X @ w / total)[:, None]
    if ddof == 0:
        fact = total
    elif aweights is None:
        fact = total - ddof
    else:
        fact = total - ddof * np.sum(w * np.asarray(aweights, float)) / total
    return X, centred * w, centred, fact


def _cov_split(gX, m, y, rowvar):
    """The gradient of the stacked rows split back into m's and y's shapes."""
    rows = np.atleast_2d(as_array(m))
    k = rows.shape[0] if (rowvar or rows.shape[0] == 1) else rows.shape[1]
    parts = []
    for piece, value in ((gX[:k], m), (gX[k:], y)):
        if value is None:
            parts.append(None)
            continue
        shaped = np.atleast_2d(as_array(value))
        if not rowvar and shaped.shape[0] != 1:
            piece = piece.T
        parts.append(np.reshape(piece, np.shape(value)))
    return parts


def cov_grad(g, m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None,
             wrt="m"):
    """np.cov = Xc W Xc^T / fact: (G + G^T) Xc W / fact for the rows (the centring adds
    nothing: the weighted rows of Xc sum to 0), split back into m and y."""
    if _zero(g):
        return 0.0
    X, weighted, _, fact = _cov_parts(m, y, rowvar, bias, ddof, fweights, aweights)
    G = np.reshape(as_array(g), (X.shape[0], X.shape[0]))
    gX = (G + G.T) @ weighted / fact
    return _cov_split(gX, m, y, rowvar)[0 if wrt == "m" else 1]


def cov_tangent(tm, ty, m, y=None, rowvar=True, bias=False, ddof=None, fweights=None,
                aweights=None):
    """np.cov along the tangents of m and y (0.0 for one without): dXc W Xc^T + its
    transpose, over fact."""
    X, weighted, _, fact = _cov_parts(m, y, rowvar, bias, ddof, fweights, aweights)
    T = np.zeros(X.shape)
    if not _zero(tm) or not _zero(ty):
        T, *_ = _cov_parts(np.zeros(np.shape(m)) if _zero(tm) else np.broadcast_to(
            tm, np.shape(m)), None if y is None else (np.zeros(np.shape(y)) if _zero(ty)
                                                         else np.broadcast_to(ty, np.shape(y))),
            rowvar, bias, ddof, fweights, aweights)
    part = T @ weighted.T / fact
    out = part + part.T
    return out.reshape(()) if X.shape[0] == 1 else out


def corrcoef_grad(g, x, y=None, rowvar=True, wrt="x"):
    """R = C / sqrt(d d^T), d = diag(C): the gradient of C, G / sqrt(d d^T) less, on the
    diagonal, sum_j (G_ij + G_ji) R_ij / (2 d_i), through np.cov's."""
    if _zero(g):
        return 0.0
    C = np.atleast_2d(np.cov(x, y, rowvar))
    d = np.diag(C)
    S = np.sqrt(np.outer(d, d))
    R = C / S
    G = np.reshape(as_array(g), C.shape)
    gC = G / S - np.diag(np.sum((G + G.T) * R, axis=1) / (2.0 * d))
    return cov_grad(gC, x, y, rowvar, wrt="m" if wrt == "x" else "y")


def corrcoef_tangent(tx, ty, x, y=None, rowvar=True):
    """dR = dC / sqrt(d d^T) - R (dd_i / d_i + dd_j / d_j) / 2."""
    C = np.atleast_2d(np.cov(x, y, rowvar))
    dC = np.atleast_2d(cov_tangent(tx, ty, x, y, rowvar))
    d = np.diag(C)
    R = C / np.sqrt(np.outer(d, d))
    ratio = np.diag(dC) / d
    out = dC / np.sqrt(np.outer(d, d)) - 0.5 * R * (ratio[:, None] + ratio[None, :])
    return out.reshape(()) if C.shape[0] == 1 else out


# ------------------------------------------------------------------ np.insert

def _inserted_from(arr, obj, values, axis):
    """For each element of np.insert(arr, obj, values, axis): 1 + the flat index of the
    element of arr it is (0 where a value was inserted), and 1 + the flat index of the
    element of values it is (0 where it is arr's). Built by inserting labels the same way,
    so NumPy's own broadcasting and placement of `values` decide both."""
    shape, vshape = np.shape(arr), np.shape(values)
    of_arr = np.insert(np.arange(1, int(np.prod(shape)) + 1).reshape(shape), obj, 0, axis)
    of_values = np.insert(np.zeros(shape, dtype=np.intp), obj,
                          np.arange(1, int(np.prod(vshape)) + 1).reshape(vshape), axis)
    return of_arr, of_values


def insert_grad(g, arr, obj, values, axis=None, wrt="arr"):
    """np.insert(arr, obj, values, axis) copies each element of arr once and each element
    of values to every place it was broadcast to: arr's gradient is g read at its
    elements' places; values' is g summed over each value's places."""
    if _zero(g):
        return 0.0
    g = as_array(g)
    of_arr, of_values = _inserted_from(arr, obj, values, axis)
    like = arr if wrt == "arr" else values
    dtype = np.result_type(g, float) if np.iscomplexobj(like) else np.result_type(
        np.real(g), float)
    part = g if np.iscomplexobj(like) else np.real(g)
    out = np.zeros(int(np.prod(np.shape(like))), dtype=dtype)
    if wrt == "arr":
        kept = of_arr > 0
        out[of_arr[kept] - 1] = part[kept]
    else:
        kept = of_values > 0
        np.add.at(out, of_values[kept] - 1, part[kept])
    return out.reshape(np.shape(like))


def insert_grad_transpose(g, arr, obj, values, axis=None, wrt="arr"):
    """The adjoint of insert_grad(d, arr, obj, values, axis, wrt) in d: g inserted the way
    np.insert inserts (arr's part, with zeros where values went; or values' part, in zeros
    where arr's elements went)."""
    if _zero(g):
        return 0.0
    if wrt == "arr":
        return np.insert(np.reshape(g, np.shape(arr)), obj, 0.0, axis)
    zeros = np.zeros(np.shape(arr), dtype=np.result_type(g, float))
    return np.insert(zeros, obj, np.reshape(g, np.shape(values)), axis)


_CORRELATE_V = "np.conj(np.flip(v))"  # correlate(a, v) = convolve(a, conj(flip(v))), full
_CORRELATE_G = "correlate_full_grad(g, a, v, mode)"

FUNCTIONS = {
    # linear in (arr, values): its tangent is np.insert of the tangents
    np.insert: rule("arr, obj, values, axis=None", kinds=FRESH, jvp="linear",
                    arr="insert_grad(g, arr, obj, values, axis, 'arr')",
                    values="insert_grad(g, arr, obj, values, axis, 'values')"),
    np.take_along_axis: rule("arr, indices, axis=-1", kinds=FRESH,
                             arr="take_along_axis_grad(g, arr, indices, axis)", jvp="linear"),
    np.interp: rule("x, xp, fp, left=None, right=None, period=None", kinds=FRESH,
                    x="g * interp_slope(x, xp, fp, period)",
                    fp="interp_grad_fp(g, x, xp, fp, left, right, period)",
                    left="interp_grad_bound(g, x, xp, 'left')",
                    right="interp_grad_bound(g, x, xp, 'right')",
                    xp="no_derivative(g, 'the xp of np.interp')",
                    period="no_derivative(g, 'the period of np.interp')",
                    jvp={"x": "g * interp_slope(x, xp, fp, period)",
                         "fp": "interp_along_fp(g, x, xp, fp, left, right, period)",
                         "left": "interp_along_bound(g, x, xp, 'left')",
                         "right": "interp_along_bound(g, x, xp, 'right')"}),
    np.polyval: rule("p, x", kinds=FRESH, p="polyval_grad_p(g, p, x)",
                     x="g * np.polyval(poly_derivative(p), x)",
                     jvp={"p": "np.polyval(g, x)",
                          "x": "g * np.polyval(poly_derivative(p), x)"}),
    np.correlate: rule("a, v, mode='valid'", kinds=FRESH,
                       a=f"convolve_grad({_CORRELATE_G}, a, {_CORRELATE_V}, 'full', 'a')",
                       v=f"np.conj(np.flip(convolve_grad({_CORRELATE_G}, a, {_CORRELATE_V}, "
                         "'full', 'v')))",
                       jvp="bilinear"),
    np.ediff1d: rule("ary, to_end=None, to_begin=None", kinds=FRESH,
                     **{p: f"ediff1d_grad(g, ary, to_end, to_begin, {p!r})"
                        for p in ("ary", "to_end", "to_begin")}, jvp="linear"),
    np.trapezoid: rule("y, x=None, dx=1.0, axis=-1", kinds=FRESH,
                       **{p: f"trapezoid_grad(g, y, x, dx, axis, {p!r})" for p in ("y", "x", "dx")},
                       jvp={"y": "np.trapezoid(g, x, dx, axis)",
                            "x": "trapezoid_along_x(g, y, x, axis)",
                            "dx": "np.trapezoid(y, None, g, axis) if x is None else 0.0 * ans"}),
    np.cumulative_sum: rule("x, *, axis=None, dtype=None, include_initial=False", kinds=FRESH,
                            x="cumulative_sum_grad(g, x, axis, include_initial)", jvp="linear"),
    np.linalg.vector_norm: rule("x, *, axis=None, keepdims=False, ord=2", kinds=("reduction",),
                                x="vector_norm_grad(g, x, ans, axis, keepdims, ord)",
                                jvp={"x": "real reduction"}),
    np.linalg.matrix_norm: rule(
        "x, *, keepdims=False, ord='fro'", kinds=FRESH,
        x="norm_grad(g, x, ans, ord, (-2, -1), keepdims)",
        jvp={"x": "reduce_tangent(norm_grad(np.ones(np.shape(ans)), x, ans, ord, (-2, -1), "
                  "keepdims), g, (-2, -1), keepdims, True)"}),
    np.linalg.matmul: linear_algebra.LINEAR_ALGEBRA[np.matmul],
    np.linalg.outer: rule("x1, x2", kinds=FRESH, x1="outer_grad_a(g, x1, x2)",
                          x2="outer_grad_b(g, x1, x2)", jvp="bilinear"),
    np.linalg.tensordot: rule("x1, x2, *, axes=2", kinds=FRESH,
                              x1="tensordot_grad(g, 0, x1, x2, axes)",
                              x2="tensordot_grad(g, 1, x1, x2, axes)", jvp="bilinear"),
    np.linalg.trace: rule("x, *, offset=0, dtype=None", kinds=FRESH,
                          x="trace_grad(g, x, ans, offset, -2, -1)", jvp="linear"),
    np.linalg.diagonal: rule("x, *, offset=0", kinds=VIEW,
                             x="diagonal_grad(g, x, offset, -2, -1)", jvp="linear"),
    np.linalg.cross: rule("x1, x2, *, axis=-1", kinds=FRESH,
                          **{p: f"cross_grad(g, x1, x2, -1, -1, -1, axis, {s!r})"
                             for p, s in (("x1", "a"), ("x2", "b"))}, jvp="bilinear"),
    np.linalg.matrix_transpose: rule("x", kinds=VIEW, x="map_grad(np.swapaxes, g, -1, -2)",
                                     jvp="linear"),
    np.matrix_transpose: rule("x", kinds=VIEW, x="map_grad(np.swapaxes, g, -1, -2)",
                              jvp="linear"),
    np.cov: rule("m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, "
                 "*, dtype=None", kinds=FRESH,
                 m="cov_grad(g, m, y, rowvar, bias, ddof, fweights, aweights, 'm')",
                 y="cov_grad(g, m, y, rowvar, bias, ddof, fweights, aweights, 'y')",
                 fweights="no_derivative(g, 'the fweights of np.cov')",
                 aweights="no_derivative(g, 'the aweights of np.cov')",
                 jvp={"m": "cov_tangent(g, 0.0, m, y, rowvar, bias, ddof, fweights, aweights)",
                      "y": "cov_tangent(0.0, g, m, y, rowvar, bias, ddof, fweights, "
                           "aweights)"}),
    np.corrcoef: rule("x, y=None, rowvar=True, *, dtype=None", kinds=FRESH,
                      x="corrcoef_grad(g, x, y, rowvar, 'x')",
                      y="corrcoef_grad(g, x, y, rowvar, 'y')",
                      jvp={"x": "corrcoef_tangent(g, 0.0, x, y, rowvar)",
                           "y": "corrcoef_tangent(0.0, g, x, y, rowvar)"}),
    # the array conversions np.asarray's rule covers, under their other names
    np.asanyarray: rule("a, dtype=None, order=None", kinds=VIEW, a="array_grad(g, a, ans)",
                        jvp={"a": "array_tangent(g, ans, a)"}),
    np.ascontiguousarray: rule("a, dtype=None", kinds=VIEW, a="array_grad(g, a, ans)",
                               jvp={"a": "array_tangent(g, ans, a)"}),
    np.asfortranarray: rule("a, dtype=None", kinds=VIEW, a="array_grad(g, a, ans)",
                            jvp={"a": "array_tangent(g, ans, a)"}),
    np.asarray_chkfinite: rule("a, dtype=None, order=None", kinds=VIEW,
                               a="array_grad(g, a, ans)", jvp={"a": "array_tangent(g, ans, a)"}),
    # (the flags it asks for, C, F, aligned, writeable, own data, change only the layout)
    np.require: rule("a, dtype=None, requirements=None", kinds=VIEW, a="array_grad(g, a, ans)",
                     jvp={"a": "array_tangent(g, ans, a)"}),
    np.linalg.svdvals: replace(rule("x", kinds=FRESH, x="linalg_svd_grad(g, x, ans, False, False)",
                                    jvp={"x": "svdvals_tangent(g, x)"}),
                               functions=(("linalg_svd_grad", linalg_svd_grad),)),
    np.linalg.qr: rule("a, mode='reduced'", kinds=FRESH, a="qr_grad(g, a, ans, mode)",
                       jvp={"a": "qr_tangent(g, a, ans, mode)"}),
    np.linalg.lstsq: rule("a, b, rcond=None", kinds=FRESH, a="lstsq_grad(g, a, b, 'a')",
                          b="lstsq_grad(g, a, b, 'b')",
                          jvp={"a": "lstsq_tangent(g, a, b, 'a')",
                               "b": "lstsq_tangent(g, a, b, 'b')"}),
}

# Second order: the helpers the adjoints above call, each linear in its first argument
HELPER_RULES = {
    insert_grad: rule("d, arr, obj, values, axis=None, wrt='arr'", kinds=FRESH, jvp="linear",
                      d="insert_grad_transpose(g, arr, obj, values, axis, wrt)"),
    insert_grad_transpose: rule("d, arr, obj, values, axis=None, wrt='arr'", kinds=FRESH,
                                jvp="linear", d="insert_grad(g, arr, obj, values, axis, wrt)"),
    take_along_axis_grad: rule("d, arr, indices, axis=-1", kinds=FRESH, jvp="linear",
                               d="take_along_axis_grad_transpose(g, d, indices, axis)"),
    interp_slope: rule("x, xp, fp, period=None", kinds=FRESH,
                       fp="interp_slope_transpose(g, x, xp, fp)", jvp="linear"),
    interp_grad_fp: rule("d, x, xp, fp, left=None, right=None, period=None", kinds=FRESH,
                         d="interp_along_fp(g, x, xp, fp, left, right, period)",
                         x="unbroadcast(d * interp_slope(x, xp, g, period), x)",
                         jvp={"d": "interp_grad_fp(g, x, xp, fp, left, right, period)",
                              "x": "interp_slope_transpose(d * g, x, xp, fp)"}),
    interp_grad_bound: rule("d, x, xp, side", kinds=FRESH, jvp="linear",
                            d="interp_along_bound(g, x, xp, side)"),
    poly_derivative: rule("p", kinds=FRESH, p="poly_derivative_transpose(g, p)", jvp="linear"),
    polyval_grad_p: rule("d, p, x", kinds=FRESH,
                         d="polyval_grad_p_transpose(g, d, x)",
                         x="polyval_grad_p_x(d, p, x, g)",
                         jvp={"d": "polyval_grad_p(g, p, x)",
                              "x": "polyval_grad_p_along_x(d, p, x, g)"}),
    correlate_full_grad: rule("d, a, v, mode", kinds=FRESH, jvp="linear",
                              d="correlate_window(g, d, a, v, mode)"),
    cumulative_sum_grad: rule("d, x, axis=None, include_initial=False", kinds=FRESH,
                              jvp="linear",
                              d="cumulative_sum_grad_transpose(g, d, axis, include_initial)"),
}
RULES = {**FUNCTIONS, **HELPER_RULES}

ARRAY_LIKE = True  # list arguments are read as arrays, by the functions and their rules
# tests, indices, counts and types: piecewise constant in the values they are given
NONDIFF = declare(
    np.isposinf, np.isneginf, np.iscomplex, np.isreal, np.iscomplexobj, np.isrealobj,
    np.isscalar, np.argpartition, np.lexsort, np.digitize, np.isin, np.array_equiv,
    np.result_type, np.can_cast, np.min_scalar_type, np.broadcast_shapes, np.spacing,
    np.diag_indices_from, np.tril_indices_from, np.triu_indices_from, np.logical_xor,
    np.may_share_memory, np.shares_memory) | declare(
    np.random.seed, kinds=("reads-only",))  # called for its effect: it only reads the seed
HELPERS = {name: obj for name, obj in list(globals().items())
           if callable(obj) and not name.startswith("_") and getattr(obj, "__module__", "")
           == __name__}
