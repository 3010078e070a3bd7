"""Rules for the running extremes and log-sum-exp reductions NumPy spells as ufunc methods:
`np.maximum.accumulate`, `np.minimum.accumulate` (a running maximum / minimum along an
axis, 0 unless given), `np.logaddexp.reduce` and `np.logaddexp2.reduce` (log-sum-exp in
base e / 2 along an axis, 0 unless given, all axes for axis=None), to any order.

Guarantees:
- each entry of a running extreme is one entry of the operand, the latest along the axis
  that equals it (a NaN: itself), so its gradient is g moved back to those entries (added
  where several results took the same one) and its tangent the tangent there: the
  positions are piecewise constant in the operand, so both are linear with no derivative
  in the operand (`scan_grad` and `scan_tangent` are each other's adjoints);
- log-sum-exp's gradient is g times the softmax weights base**(a - ans) along the axis,
  never overflowing; its own derivatives (second order) take `a` and the recorded result
  `ans` as separate operands, ans entering through the weights alone;
- complex operands are refused by NumPy itself for these ufuncs (maximum orders complex
  numbers lexicographically, which has no derivative): the rules take real values.

    >>> import numpy as np, pullback
    >>> f = lambda x: np.sum(np.maximum.accumulate(x) ** 2)
    >>> pullback.grad(f)(np.array([1.0, 3.0, 2.0, 4.0]))
    array([ 2., 12.,  0.,  8.])
"""

from __future__ import annotations

import numpy as np

from . import rule
from .support import _axes, _keep, _zero, as_array, unbroadcast

FRESH = ("fresh",)
_SCAN = "array, axis=0, dtype=None, out=None"
_REDUCE = "array, axis=0, dtype=None, out=None, keepdims=False"


def _axis(axis, ndim):
    """The one axis a scan runs along, non-negative: NumPy takes axis=None of a 1-D operand as
    axis 0 (and refuses it for more dimensions)."""
    return 0 if axis is None else axis % ndim


def _sources(a, ans, axis):
    """For each entry of a running extreme of `a` along `axis`, the position along the axis
    of the entry of `a` it is: the latest that equals it (a NaN, which the extreme carries
    on, is its own source)."""
    a, ans = as_array(a), as_array(ans)
    axis = _axis(axis, a.ndim)
    shape = [1] * a.ndim
    shape[axis] = a.shape[axis]
    positions = np.arange(a.shape[axis]).reshape(shape)
    hit = (a == ans) | np.isnan(a)
    return np.maximum.accumulate(np.where(hit, positions, 0), axis=axis)


def _scatter(g, sources, axis, lead):
    """g (with `lead` batch axes first) added into the positions `sources` along axis."""
    if np.iscomplexobj(g):
        return _scatter(g.real, sources, axis, lead) + 1j * _scatter(g.imag, sources, axis, lead)
    axis = _axis(axis, sources.ndim) + lead
    g = np.moveaxis(np.broadcast_to(g, np.shape(g)[:lead] + sources.shape), axis, -1)
    src = np.moveaxis(np.broadcast_to(sources, g.shape[:lead] + sources.shape), axis, -1)
    n = g.shape[-1]
    rows = np.arange(g.size // max(n, 1)).reshape(g.shape[:-1] + (1,)) * n
    out = np.bincount((rows + src).ravel(), weights=g.ravel(), minlength=g.size)
    return np.moveaxis(out.reshape(g.shape), -1, axis)


def scan_grad(g, a, ans, axis=0, lead=0):
    """The gradient of a running extreme `ans` of `a` along axis (g of ans's shape, after
    `lead` batch axes): g moved back to the entries each result took."""
    if _zero(g):
        return 0.0
    return _scatter(g, _sources(a, ans, axis), axis, lead)


def scan_tangent(t, a, ans, axis=0, lead=0):
    """The tangent of a running extreme along the tangent t of `a`: t at the entries each
    result took (the adjoint of scan_grad in g)."""
    if _zero(t):
        return 0.0
    sources = _sources(a, ans, axis)
    t = np.broadcast_to(t, np.shape(t)[:lead] + sources.shape)
    sources = np.broadcast_to(sources, t.shape)
    return np.take_along_axis(t, sources, axis=_axis(axis, np.ndim(a)) + lead)


def _ln(base):
    """The natural log of log-sum-exp's base (None: e)."""
    return 1.0 if base is None else np.log(base)


def _weights(a, ans, axis, keepdims, base):
    """base**(a - ans) along the reduced axes: the softmax of log-sum-exp's operand."""
    a = as_array(a)
    kept = _keep(ans, a.ndim, _axes(axis, a.ndim), keepdims)
    with np.errstate(invalid="ignore"):
        return np.exp((a - kept) * _ln(base))


def logaddexp_reduce_grad(g, a, ans, axis=0, keepdims=False, base=None):
    """The gradient of ans = log_base(sum base**a) along axis: g times the weights."""
    if _zero(g):
        return 0.0
    a = as_array(a)
    return _keep(g, a.ndim, _axes(axis, a.ndim), keepdims) * _weights(a, ans, axis, keepdims,
                                                                      base)


def _reduced(v, a, axis, keepdims):
    return np.sum(v, axis=None if axis is None else _axes(axis, np.ndim(a)), keepdims=keepdims)


def logaddexp_reduce_grad_tangent(t, d, a, ans, axis=0, keepdims=False, base=None,
                                  along="d"):
    """logaddexp_reduce_grad(d, a, ans, ...) along the tangent t of d, a or ans."""
    if _zero(t) or along != "d" and _zero(d):
        return 0.0
    if along == "d":
        return logaddexp_reduce_grad(t, a, ans, axis, keepdims, base)
    a = as_array(a)
    axes = _axes(axis, a.ndim)
    moved = logaddexp_reduce_grad(d, a, ans, axis, keepdims, base) * _ln(base)
    if along == "a":
        return moved * t
    return -moved * _keep(t, a.ndim, axes, keepdims)  # along the result "made"


def logaddexp_reduce_grad_adjoint(g, d, a, ans, axis=0, keepdims=False, base=None,
                                  along="d"):
    """The adjoint of logaddexp_reduce_grad(d, a, ans, ...) in d, a or ans."""
    if _zero(g) or along != "d" and _zero(d):
        return 0.0
    a = as_array(a)
    if along == "d":
        return np.reshape(_reduced(g * _weights(a, ans, axis, keepdims, base), a, axis,
                                   keepdims), np.shape(d))
    moved = g * logaddexp_reduce_grad(d, a, ans, axis, keepdims, base) * _ln(base)
    if along == "a":
        return unbroadcast(moved, a)
    return np.reshape(-_reduced(moved, a, axis, keepdims), np.shape(ans))


_LSE = "d, a, made, axis, keepdims, base"
RULES = {
    np.maximum.accumulate: rule(_SCAN, kinds=FRESH, array="scan_grad(g, array, ans, axis)",
                                jvp={"array": "scan_tangent(g, array, ans, axis)"}),
    np.minimum.accumulate: rule(_SCAN, kinds=FRESH, array="scan_grad(g, array, ans, axis)",
                                jvp={"array": "scan_tangent(g, array, ans, axis)"}),
    np.logaddexp.reduce: rule(_REDUCE, kinds=("reduction",), jvp={"array": "reduction"},
                              array="logaddexp_reduce_grad(g, array, ans, axis, keepdims)"),
    np.logaddexp2.reduce: rule(
        _REDUCE, kinds=("reduction",), jvp={"array": "reduction"},
        array="logaddexp_reduce_grad(g, array, ans, axis, keepdims, 2.0)"),
    # their gradients' and tangents' own rules (second order)
    scan_grad: rule("d, a, made, axis=0, lead=0", kinds=FRESH, jvp="linear",
                    d="unbroadcast(scan_tangent(g, a, made, axis, lead), d)",
                    batch={"d": "scan_grad(g, a, made, axis, lead + 1)"}),
    scan_tangent: rule("t, a, made, axis=0, lead=0", kinds=FRESH, jvp="linear",
                       t="unbroadcast(scan_grad(g, a, made, axis, lead), t)",
                       batch={"t": "scan_tangent(g, a, made, axis, lead + 1)"}),
    logaddexp_reduce_grad: rule(
        "d, a, made, axis=0, keepdims=False, base=None", kinds=FRESH,
        jvp={p: f"logaddexp_reduce_grad_tangent(g, {_LSE}, {p!r})" for p in ("d", "a", "made")},
        **{p: f"logaddexp_reduce_grad_adjoint(g, {_LSE}, {p!r})" for p in ("d", "a", "made")}),
}
NONDIFF: set = set()
HELPERS = {"scan_grad": scan_grad, "scan_tangent": scan_tangent,
           "logaddexp_reduce_grad": logaddexp_reduce_grad,
           "logaddexp_reduce_grad_tangent": logaddexp_reduce_grad_tangent,
           "logaddexp_reduce_grad_adjoint": logaddexp_reduce_grad_adjoint}
