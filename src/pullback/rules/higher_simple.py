"""Second-order rules for the simple helpers of generated gradients: those of np.rot90,
np.rollaxis, np.append, np.column_stack, np.dstack, np.split (and hsplit, vsplit,
dsplit), np.ptp, np.nancumsum, np.gradient, np.vdot, np.average (without weights),
np.linspace, np.arange, np.partition, np.select, np.choose, the reductions with `where=` (mean and
max/min) or `initial=` (sum), np.ediff1d's and np.linalg.vector_norm's (the 2-norm).

Guarantees (as for rules/higher.py):
- each helper here is linear in the gradient it is given (`d`), and every other
  parameter it reads is read for a shape, an index, a mask or a permutation that is
  piecewise constant in it, so it has no derivative there; the exceptions are the
  operand of vdot_grad (bilinear: a rule for it, real values only) and np.average's
  weights (average_grad's tangent and adjoint in them, and average_grad_weights's rule,
  are in rules/higher_simple2.py);
- the adjoint of each helper in `d` is the transpose of the linear map it applies (the
  function itself, for the gradients of rearrangements and joins), and its tangent is
  the same helper applied to the tangent of `d`;
- gradients of lists (split's, select's and choose's) follow the rules of
  rules/higher.py: hvp and hessian take them, reverse over reverse refuses them.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..errors import PullbackError
from ..runtime.helpers import GradList
from . import linear_algebra as products
from . import numpy as numpy_rules
from . import numpy_added, reductions, rule, shape
from .higher import (
    norm_grad_adjoint_d,
    norm_grad_adjoint_norm,
    norm_grad_adjoint_x,
    norm_grad_tangent_norm,
    norm_grad_tangent_x,
    stacked_grad_transpose,
    unreduce_extreme_transpose,
)
from .support import _axes, _zero, as_array

FRESH = ("fresh",)


def _real(what, *values):
    if any(np.iscomplexobj(v) for v in values if not _zero(v)):
        raise PullbackError(f"a second derivative through {what} of complex values: "
                            "pullback differentiates its gradient for real values only")


def _like(g, shape_of):
    """g as an array of the shape of `shape_of` (zeros for the known zero)."""
    return np.zeros(np.shape(shape_of)) if _zero(g) else as_array(g)


def append_grad_transpose(g, d, arr, axis=None, wrt="arr"):
    """The adjoint of append_grad(d, arr, values, axis, wrt) (d's part for arr or values):
    g put back in that part of d, zeros elsewhere."""
    if _zero(g):
        return 0.0
    out = np.zeros(np.shape(d), dtype=np.result_type(g, float))
    if axis is None:
        flat = out.reshape(-1)
        n = np.size(arr)
        if wrt == "arr":
            flat[:n] = np.ravel(g)
        else:
            flat[n:] = np.ravel(g)
        return out
    n = np.shape(arr)[axis]
    index = [slice(None)] * out.ndim
    index[axis] = slice(0, n) if wrt == "arr" else slice(n, None)
    out[tuple(index)] = g
    return out


def split_grad_transpose(g, d, ary, ans, axis=0):
    """The adjoint of split_grad(d, ary, ans, axis) (the pieces' gradients joined): g cut
    into the pieces again (entries NumPy left out of every piece get none)."""
    if _zero(g):
        return 0.0
    g = as_array(g)
    out, at = [], 0
    for piece in ans:
        n = np.shape(piece)[axis]
        out.append(np.take(g, range(at, at + n), axis=axis))
        at += n
    return GradList(out)


def split_sections_grad_transpose(g, d, ary, ans, which):
    axis = {"h": 1 if np.ndim(ary) > 1 else 0, "v": 0, "d": 2}[which]
    return split_grad_transpose(g, d, ary, ans, axis)


def ptp_grad_transpose(g, d, a, axis=None, keepdims=False):
    """The adjoint of ptp_grad(d, a, axis, keepdims) = the max's share of d minus the min's."""
    if _zero(g):
        return 0.0
    top = np.max(a, axis=axis, keepdims=keepdims)
    bottom = np.min(a, axis=axis, keepdims=keepdims)
    return unreduce_extreme_transpose(g, d, a, top, axis, keepdims) - \
        unreduce_extreme_transpose(g, d, a, bottom, axis, keepdims)


def nancumsum_grad_transpose(g, d, a, axis=None):
    """The adjoint of nancumsum_grad(d, a, axis) (a reversed cumulative sum of d, none to
    the NaNs): the cumulative sum of g without the NaNs' entries, in d's shape."""
    if _zero(g):
        return 0.0
    kept = np.where(np.isnan(a), 0.0, g)
    return np.reshape(np.cumsum(kept, axis=axis), np.shape(d))


def gradient_grad_transpose(g, d, f, spacings, axis=None, edge_order=1):
    """The adjoint of gradient_grad(d, f, ...) (the transpose of np.gradient's matrix): the
    differences np.gradient takes, of g (a list of them along several axes)."""
    if _zero(g):
        return 0.0
    return np.gradient(as_array(g), *[s for s in spacings if s is not None], axis=axis,
                       edge_order=edge_order)


def vdot_grad_adjoint(g, d, a, b, side, wrt):
    """The adjoint of vdot_grad(d, a, b, side) (d times the other operand, in this one's
    shape) in d (wrt 'd') or in the other operand."""
    _real("np.vdot", g, d, a, b)
    if _zero(g):
        return 0.0
    other = a if side else b
    if wrt == "d":
        return np.sum(np.ravel(g) * np.ravel(other))
    if (wrt == "a") != bool(side):  # the operand read for its shape only
        return 0.0
    return np.reshape(d * np.ravel(g), np.shape(other))


def vdot_grad_tangent(t, d, a, b, side, wrt):
    """The tangent of vdot_grad(d, a, b, side) along the tangent t of `wrt`."""
    _real("np.vdot", t, d, a, b)
    if _zero(t):
        return 0.0
    if wrt == "d":
        return products.vdot_grad(t, a, b, side)
    if (wrt == "a") != bool(side):
        return np.zeros(np.shape(b if side else a))
    return products.vdot_grad(d, t, b, side) if side else products.vdot_grad(d, a, t, side)


def average_grad_transpose(g, d, a, ans, axis=None, weights=None, keepdims=False):
    """The adjoint of average_grad(d, a, ans, axis, weights, keepdims) in d (d spread over
    the averaged entries, times w / sum(w), or over their count): g summed back over them
    with the same factors."""
    if _zero(g):
        return 0.0
    a = as_array(a)
    axes = _axes(axis, a.ndim)
    if weights is None:
        count = np.prod([a.shape[i] for i in axes]) if a.ndim else 1
        return np.reshape(np.sum(g, axis=axes, keepdims=keepdims) / count, np.shape(d))
    w = reductions._weights_like(weights, a, axes)
    total = np.sum(np.broadcast_to(w, a.shape), axis=axes, keepdims=True)
    return np.reshape(np.sum(g * w / total, axis=axes, keepdims=keepdims), np.shape(d))


def linspace_grad_transpose(g, d, start, stop, num, endpoint, axis, wrt, ans):
    """The adjoint of linspace_grad(d, start, stop, ..., wrt) (d summed along the axis with
    weights 1 - t for start, t for stop): g spread along it with those weights."""
    if _zero(g):
        return 0.0
    t = np.linspace(0.0, 1.0, num, endpoint=endpoint)
    ndim = np.ndim(ans)
    axis = axis % ndim
    t = np.reshape(t, (-1,) + (1,) * (ndim - 1 - axis))
    spread = np.expand_dims(np.broadcast_to(g, np.shape(ans)[:axis] + np.shape(ans)[axis + 1:])
                            if np.ndim(g) < ndim - 1 else g, axis)
    return np.reshape((1.0 - t if wrt == "start" else t) * spread + np.zeros(np.shape(d)),
                      np.shape(d))


def partition_grad_transpose(g, d, a, ans, axis=-1):
    """The adjoint of partition_grad(d, a, ans, axis) (d moved back where the values came
    from): g moved forward again (np.partition's permutation)."""
    if _zero(g):
        return 0.0
    return np.reshape(numpy_rules.partition_tangent(g, a, ans, axis), np.shape(d))


def select_grad_transpose(g, d, condlist, choicelist, ans):
    """The adjoint of select_grad(d, condlist, choicelist, ans) (d where each choice was
    taken): each choice's gradient where it was taken, summed."""
    if _zero(g):
        return 0.0
    taken = np.zeros(np.shape(ans), dtype=bool)
    out = np.zeros(np.shape(ans), dtype=float)
    for cond, gk in zip(condlist, g):
        here = as_array(cond) & ~taken
        taken = taken | here
        if not _zero(gk):
            out = out + np.where(here, gk, 0.0)
    return np.reshape(out + np.zeros(np.shape(d)), np.shape(d))


def select_default_grad_transpose(g, d, condlist, ans):
    """The adjoint of select_default_grad(d, condlist, default, ans) in d."""
    if _zero(g):
        return 0.0
    taken = np.zeros(np.shape(ans), dtype=bool)
    for cond in condlist:
        taken = taken | as_array(cond)
    return np.reshape(np.where(taken, 0.0, g) + np.zeros(np.shape(d)), np.shape(d))


def choose_grad_transpose(g, d, a, choices, mode="raise"):
    """The adjoint of choose_grad(d, a, choices, mode): each choice's gradient where it
    was chosen, summed."""
    if _zero(g):
        return 0.0
    n = len(choices)
    index = as_array(a)
    index = index % n if mode == "wrap" else np.clip(index, 0, n - 1) if mode == "clip" \
        else index
    out = np.zeros(np.shape(d), dtype=float)
    for k, gk in enumerate(g):
        if not _zero(gk):
            out = out + np.where(index == k, gk, 0.0)
    return out


def masked_mean_grad_transpose(g, d, a, axis, keepdims, where, skip_nan=False):
    """The adjoint of masked_mean_grad(d, a, axis, keepdims, where, skip_nan): g summed
    over each slice's selected entries, over their count, in d's shape."""
    if _zero(g):
        return 0.0
    mask = reductions._selected(a, where, skip_nan)
    count = np.maximum(np.sum(mask, axis=axis, keepdims=True), 1)
    summed = np.sum(np.where(mask, g, 0.0) / count, axis=axis, keepdims=keepdims)
    return np.reshape(summed, np.shape(d))


def masked_extreme_grad_transpose(g, d, a, ans, axis, keepdims, where, skip_nan=False):
    """The adjoint of masked_extreme_grad(d, a, ans, ...) (d shared among the selected
    entries attaining the extreme): g summed over them, over their count."""
    if _zero(g):
        return 0.0
    kept = ans if axis is None or keepdims else np.expand_dims(ans, axis)
    mask = reductions._selected(a, where, skip_nan) & (as_array(a) == kept)
    share = mask / np.maximum(np.sum(mask, axis=axis, keepdims=True), 1)
    summed = np.sum(g * share, axis=axis, keepdims=axis is not None and keepdims)
    return np.reshape(summed, np.shape(d))


def ediff1d_grad_transpose(g, d, ary, to_end, to_begin, wrt):
    """The adjoint of ediff1d_grad(d, ary, to_end, to_begin, wrt) (the part of d, through
    diff's adjoint for ary): that part of np.ediff1d's result, zeros elsewhere."""
    if _zero(g):
        return 0.0
    start = 0 if to_begin is None else np.size(to_begin)
    size = max(np.size(ary) - 1, 0)
    out = np.zeros(np.shape(d), dtype=np.result_type(g, float))
    flat = out.reshape(-1)
    if wrt == "to_begin":
        flat[:start] = np.ravel(g)
    elif wrt == "to_end":
        flat[start + size:] = np.ravel(g)
    else:
        flat[start:start + size] = np.diff(np.ravel(g))
    return out


_LINEAR = dict(kinds=FRESH, jvp="linear")
RULES = {
    shape.rot90_grad: rule("d, k, axes", d="rot90_grad(g, -k, axes)", **_LINEAR),
    shape.rollaxis_grad: rule("d, a, axis, start=0", d="map_grad(np.rollaxis, g, axis, start)",
                              **_LINEAR),
    shape.append_grad: rule("d, arr, values, axis=None, wrt='arr'",
                            d="append_grad_transpose(g, d, arr, axis, wrt)", **_LINEAR),
    shape.column_stack_grad: rule("d, tup", d="stacked_grad_transpose(g, d, tup, "
                                              "np.column_stack)", **_LINEAR),
    shape.dstack_grad: rule("d, tup", d="stacked_grad_transpose(g, d, tup, np.dstack)",
                            **_LINEAR),
    shape.split_grad: rule("d, ary, result, axis=0",
                           d="split_grad_transpose(g, d, ary, result, axis)", **_LINEAR),
    shape.split_sections_grad: rule("d, ary, result, which",
                                    d="split_sections_grad_transpose(g, d, ary, result, which)",
                                    **_LINEAR),
    reductions.ptp_grad: rule("d, a, axis=None, keepdims=False",
                              d="ptp_grad_transpose(g, d, a, axis, keepdims)", **_LINEAR),
    reductions.nancumsum_grad: rule("d, a, axis=None", d="nancumsum_grad_transpose(g, d, a, axis)",
                                    **_LINEAR),
    reductions.average_grad: rule(
        "d, a, result, axis=None, weights=None, keepdims=False", kinds=FRESH,
        d="average_grad_transpose(g, d, a, result, axis, weights, keepdims)",
        weights="average_grad_adjoint_weights(g, d, a, axis, weights, keepdims)",
        jvp={"d": "average_grad(g, a, result, axis, weights, keepdims)",
             "weights": "average_grad_tangent_weights(g, d, a, axis, weights, keepdims)"}),
    reductions.masked_mean_grad: rule(
        "d, a, axis, keepdims, where, skip_nan=False",
        d="masked_mean_grad_transpose(g, d, a, axis, keepdims, where, skip_nan)", **_LINEAR),
    reductions.masked_extreme_grad: rule(
        "d, a, result, axis, keepdims, where, skip_nan=False",
        d="masked_extreme_grad_transpose(g, d, a, result, axis, keepdims, where, skip_nan)",
        **_LINEAR),
    reductions.initial_grad: rule("d", d="g + np.zeros(np.shape(d))", **_LINEAR),
    numpy_rules.gradient_grad: rule(
        "d, f, spacings, axis=None, edge_order=1",
        d="gradient_grad_transpose(g, d, f, spacings, axis, edge_order)", **_LINEAR),
    products.vdot_grad: rule(
        "d, a, b, side", kinds=FRESH,
        **{p: f"vdot_grad_adjoint(g, d, a, b, side, {p!r})" for p in ("d", "a", "b")},
        jvp={p: f"vdot_grad_tangent(g, d, a, b, side, {p!r})" for p in ("d", "a", "b")}),
    numpy_rules.linspace_grad: rule(
        "d, start, stop, num, endpoint, axis, wrt, result",
        d="linspace_grad_transpose(g, d, start, stop, num, endpoint, axis, wrt, result)",
        **_LINEAR),
    # arange_grad (a sum of d, weighted by the positions for step) and arange_tangent
    # (the tangent spread, weighted alike) are each other's transpose
    numpy_rules.arange_grad: rule("d, stop, wrt, result",
                                  d="arange_tangent(g, stop, wrt, result)", **_LINEAR),
    numpy_rules.arange_tangent: rule("d, stop, wrt, result",
                                     d="arange_grad(g, stop, wrt, result)", **_LINEAR),
    numpy_rules.partition_grad: rule("d, a, result, axis=-1",
                                     d="partition_grad_transpose(g, d, a, result, axis)",
                                     **_LINEAR),
    numpy_rules.select_grad: rule("d, condlist, choicelist, result",
                                  d="select_grad_transpose(g, d, condlist, choicelist, result)",
                                  **_LINEAR),
    numpy_rules.select_default_grad: rule(
        "d, condlist, default, result", d="select_default_grad_transpose(g, d, condlist, result)",
        **_LINEAR),
    numpy_rules.choose_grad: rule("d, a, choices, mode='raise'",
                                  d="choose_grad_transpose(g, d, a, choices, mode)", **_LINEAR),
    numpy_added.ediff1d_grad: rule(
        "d, ary, to_end, to_begin, wrt",
        d="ediff1d_grad_transpose(g, d, ary, to_end, to_begin, wrt)", **_LINEAR),
}
# np.linalg.vector_norm's gradient of the 2-norm is norm_grad's of ord=None over the same
# axes: the same second-order helpers (which refuse other orders, and complex values)
_ORD = "(None if ord == 2 else ord)"
RULES[numpy_added.vector_norm_grad] = rule(
    "d, x, norm, axis=None, keepdims=False, ord=2", kinds=FRESH,
    jvp={"d": "vector_norm_grad(g, x, norm, axis, keepdims, ord)",
         "x": f"norm_grad_tangent_x(g, d, x, norm, {_ORD}, axis, keepdims)",
         "norm": f"norm_grad_tangent_norm(g, d, x, norm, {_ORD}, axis, keepdims)"},
    d=f"norm_grad_adjoint_d(g, d, x, norm, {_ORD}, axis, keepdims)",
    x=f"norm_grad_adjoint_x(g, d, x, norm, {_ORD}, axis, keepdims)",
    norm=f"norm_grad_adjoint_norm(g, d, x, norm, {_ORD}, axis, keepdims)")
_FUNCTIONS = tuple((f.__name__, f) for f in (
    stacked_grad_transpose, norm_grad_adjoint_d, norm_grad_adjoint_x, norm_grad_adjoint_norm,
    norm_grad_tangent_x, norm_grad_tangent_norm))
RULES = {f: replace(r, functions=_FUNCTIONS) for f, r in RULES.items()}

NONDIFF: dict = {}
HELPERS = {name: obj for name, obj in list(globals().items())
           if callable(obj) and not name.startswith("_") and getattr(obj, "__module__", "")
           == __name__}
