"""Rules for the helpers generated code calls, so that generated code is itself valid
input for pullback: `grad(grad(f))`, `jvp(grad(f))` (hvp, hessian), `grad` of a jvp.

Guarantees:
- every helper with a rule here has an adjoint and a tangent for each parameter whose
  value it depends on differentiably; a parameter read only for its shape, dtype, an
  index or a mask that is piecewise constant in it (`unbroadcast(g, x)`'s x,
  `unreduce_extreme`'s x and ans, `masked_sum_grad`'s a) has none, which is exact: the
  helper's result does not vary with it;
- `map_grad(fn, d, ...)` is differentiated as the rearrangement of d's entries it is
  for every rule that calls it (each entry moved to one place);
- a helper without a rule here (the slot, record and list machinery of reverse mode,
  ...) keeps being refused, with its file and line, when a
  value being differentiated reaches it: nothing here makes a helper a constant;
- `accum_index` and `take_slot_grad` write into their first operand and return it (kind
  "writes-first"): analysis/aliasing refuses a read of that operand, or of a view of it,
  that the write could reach, so taking the call as a function of its operands is exact;
- the checks (kind "reads-only") are the helpers generated code calls for their effect
  to check values (`not_scalars`, `check_scalar`, `unpack_check`, ...): they only read
  their arguments and raise, so a statement calling one may pass values being
  differentiated;
- the adjoints refuse, when the gradient runs, gradients of lists, tuples and dicts
  flowing through a helper (a PullbackError), rather than returning a wrong shape; the
  one list they take is the list of (gradient, factor) pairs a loop's adjoint sums after
  the loop (`sum_matmul_grad_a/b`), whose gradient is a list of pairs of gradients.

    >>> from pullback.runtime.helpers import unbroadcast
    >>> sorted(RULES[unbroadcast].partials), RULES[unbroadcast].jvp
    (['d'], 'linear')
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..errors import PullbackError
from ..runtime import helpers as runtime
from ..runtime import objects
from . import declare, linear_algebra, reductions, rule, support, tangent_support
from . import shape as shape_rules

FRESH = ("fresh",)
VIEW = ("view",)
WRITES_FIRST = ("view", "writes-first")  # d[idx] += v in place, d returned


def _zero(g) -> bool:
    return g.__class__ is float and g == 0.0


def _refuse_container(value):
    if isinstance(value, (list, tuple, dict)):
        raise PullbackError(
            "a second derivative through the gradient of a list, tuple or dict (a gradient "
            "pullback generated handles one here): pullback differentiates generated "
            "gradients of numbers and arrays; keep the values in arrays")


def summed_to(g, like):
    """The adjoint of broadcasting `like` to g's shape: g summed down to like's shape."""
    _refuse_container(g)
    _refuse_container(like)
    if _zero(g):
        return 0.0
    return runtime.unbroadcast(g, like)


def spread_to(g, like):
    """The adjoint of summing `like` down to g's shape: g broadcast to like's shape (a new
    array), or g itself where the shapes agree. A `like` smaller than g is a number that
    was passed on as it is, standing for itself broadcast (the known zero of a gradient
    pullback generated, whose shape a loop changes): g summed down to it."""
    _refuse_container(g)
    _refuse_container(like)
    if _zero(g):
        return 0.0
    shape, given = np.shape(like), np.shape(g)
    if given == shape:
        return g
    if np.broadcast_shapes(shape, given) == given:
        return runtime.unbroadcast(g, like)
    return np.array(np.broadcast_to(g, shape), dtype=np.result_type(g, float))


def unreduce_transpose(g, d, axis=None, keepdims=False, scale=1.0):
    """The adjoint of `unreduce(d, x, axis, keepdims)` (spreading d over x): g summed
    over the axes d was spread along, in d's shape, times `scale`."""
    _refuse_container(d)
    if _zero(g):
        return 0.0
    if not np.ndim(d):  # one number spread over every entry
        return np.sum(g) * scale
    return np.reshape(np.sum(g, axis=axis, keepdims=keepdims) * scale, np.shape(d))


def unreduce_extreme_transpose(g, d, x, ans, axis=None, keepdims=False):
    """The adjoint of `unreduce_extreme(d, x, ans, axis, keepdims)` with respect to d."""
    if _zero(g):
        return 0.0
    if axis is not None and not keepdims:
        ans = np.expand_dims(ans, axis)
    mask = np.asarray(x) == ans
    share = mask / np.sum(mask, axis=axis, keepdims=True)
    if not np.ndim(d):
        return np.sum(g * share)
    return np.reshape(np.sum(g * share, axis=axis, keepdims=keepdims), np.shape(d))


def matmul_grad_a_adjoint_d(g, d, b):
    """matmul_grad_a(d, a, b) is the gradient of <d, a @ b> in a: its adjoint in d."""
    if _zero(g):
        return 0.0
    return runtime.unbroadcast(np.matmul(g, support._array(b)), d)


def matmul_grad_a_adjoint_b(g, d, b):
    if _zero(g):
        return 0.0
    return support.matmul_grad_b(d, g, support._array(b))


def matmul_grad_b_adjoint_d(g, d, a):
    """matmul_grad_b(d, a, b) is the gradient of <d, a @ b> in b: its adjoint in d."""
    if _zero(g):
        return 0.0
    return runtime.unbroadcast(np.matmul(support._array(a), g), d)


def matmul_grad_b_adjoint_a(g, d, a):
    if _zero(g):
        return 0.0
    return support.matmul_grad_a(d, support._array(a), g)


def accum_index_adjoint_d(g, d):
    """accum_index(d, x, idx, v) adds v into d (d a float: the known zero, not read)."""
    _refuse_container(d)
    if _zero(g) or d.__class__ is float:
        return 0.0
    return summed_to(g, d)


def accum_index_adjoint_v(g, idx, v):
    _refuse_container(v)
    if _zero(g):
        return 0.0
    return runtime.unbroadcast(np.real(g[idx]) if np.iscomplexobj(g) and not np.iscomplexobj(v)
                               else g[idx], v)


def item_grad_adjoint(g, d, i):
    """item_grad(d, i) reads d[i] (0.0 when d is the known zero)."""
    _refuse_container(d)
    if _zero(g) or d.__class__ is float:
        return 0.0
    out = np.zeros(np.shape(d), dtype=np.result_type(d, float))
    out[i] += g
    return out


def read_slot_adjoint(g, x, idx):
    """save_slot(x, idx) reads x[idx]: its adjoint puts g there, in zeros of x's shape."""
    _refuse_container(x)
    if _zero(g):
        return 0.0
    return runtime.accum_index(0.0, x, idx, g)


def take_slot_grad_adjoint(g, d, idx):
    """take_slot_grad(d, idx) gives (d[idx], d with that slot zeroed): the adjoint of d is
    the second's gradient with the slot holding the first's."""
    _refuse_container(d)
    if _zero(g) or d.__class__ is float:
        return 0.0
    slot, rest = runtime.item_grad(g, 0), runtime.item_grad(g, 1)
    out = np.zeros(np.shape(d), dtype=np.result_type(d, float)) if _zero(rest) \
        else np.array(np.broadcast_to(rest, np.shape(d)), dtype=np.result_type(rest, float))
    out[idx] = slot
    return out


def _pairs(parts, dparts):
    """The recorded (g, u) pairs of a `sum_matmul_grad_*` with their tangents (dg, du),
    paired; a pair's tangent is a known zero 0.0 as a whole or in either place."""
    if _zero(dparts):
        return []
    return [(pair, tangent) for pair, tangent in zip(parts, dparts) if not _zero(tangent)]


def sum_matmul_grad_tangent(summed, parts, dparts, x):
    """The tangent of summed(parts, x) = sum of the bilinear h(g, x, u) over the (g, u)
    pairs recorded (`sum_matmul_grad_a`: h = matmul_grad_a, u = b; `..._b`: u = a):
    summed over the pairs with g's tangent, plus summed over the pairs with u's. x is
    read only for its shape."""
    paired = _pairs(parts, dparts)
    first = [(dg, u) for (_, u), (dg, _) in paired if not _zero(dg)]
    second = [(g, du) for (g, _), (_, du) in paired if not _zero(du)]
    return add_zero(summed(first, x) if first else 0.0, summed(second, x) if second else 0.0)


def add_zero(a, b):
    return b if _zero(a) else a if _zero(b) else a + b


def sum_matmul_grad_a_adjoint(g, parts):
    """sum_matmul_grad_a(parts, a) = sum of matmul_grad_a(d, a, b) over the (d, b) pairs:
    the gradient of each pair, (of d, of b), as the adjoints of matmul_grad_a give them."""
    if _zero(g):
        return 0.0
    return runtime.GradList(runtime.GradList((matmul_grad_a_adjoint_d(g, d, b),
                                               matmul_grad_a_adjoint_b(g, d, b)))
                            for d, b in parts)


def sum_matmul_grad_b_adjoint(g, parts):
    """sum_matmul_grad_b(parts, b) = sum of matmul_grad_b(d, a, b) over the (d, a) pairs."""
    if _zero(g):
        return 0.0
    return runtime.GradList(runtime.GradList((matmul_grad_b_adjoint_d(g, d, a),
                                               matmul_grad_b_adjoint_a(g, d, a)))
                            for d, a in parts)


def pow_grad_base_base(t, d, a, b):
    """The derivative of pow_grad_base(d, a, b) = d * b * a ** (b - 1) in a, times t."""
    b = support._array(b)
    if np.ndim(b) == 0 and b == 0:  # pow_grad_base is zero for every a there
        return t * 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b == 0, 0.0, support.pow_grad_base(t * d * b, a, b - 1)) \
            if np.ndim(b) else support.pow_grad_base(t * d * b, a, b - 1)


def pow_grad_base_exponent(t, d, a, b):
    """The derivative of pow_grad_base(d, a, b) in b, times t: d a^(b-1) (1 + b log a)."""
    a, b = support._array(a), support._array(b)
    with np.errstate(divide="ignore", invalid="ignore"):
        return t * d * np.power(a, b - 1.0) * (1.0 + b * np.log(a))


def reduce_tangent_adjoint(g, weight, t, axis=None, keepdims=False, side=0, real=False):
    """reduce_tangent(weight, t, axis, keepdims) = sum(weight * t, axis): the adjoint of
    weight (side 0) or of t (side 1). The real part `real` takes of a complex sum is
    refused: its adjoint is not written."""
    if real and (np.iscomplexobj(weight) or np.iscomplexobj(t)):
        raise PullbackError("second order through the tangent of a real-valued reduction "
                            "(a norm, a variance) of complex values is not differentiated")
    if _zero(g):
        return 0.0
    shape = np.broadcast_shapes(np.shape(weight), np.shape(t))
    spread = support.unreduce(g, np.empty(shape), axis, keepdims)
    return runtime.unbroadcast(spread * (t if side == 0 else weight), weight if side == 0 else t)


def _put_back(g, d, moved):
    """The adjoint of `moved(d)`, a rearrangement of d's entries (each entry of the result
    one entry of d): each entry of g added where it came from, as moving d's positions
    instead of its values says."""
    shape = np.shape(d)
    source = np.asarray(moved(np.arange(np.size(d)).reshape(shape)))
    out = np.zeros(np.size(d), dtype=np.result_type(g, float))
    np.add.at(out, source.ravel(), np.ravel(g))
    return out.reshape(shape)


def map_grad_transpose(g, fn, d, first=..., second=..., third=...):
    """map_grad(fn, d, ...) rearranges d's entries (np.transpose, swapaxes, moveaxis, flip,
    roll, fftshift: the rules calling it) with the arguments given (`...`: not given)."""
    _refuse_container(d)
    if _zero(g) or d.__class__ is float:  # the known zero: its result is 0.0 whatever d is
        return 0.0
    args = [a for a in (first, second, third) if a is not ...]
    return _put_back(g, d, lambda positions: fn(positions, *args))


def reshape_grad_transpose(g, d, a, order="C"):
    """reshape_grad(d, a, order) reads d into a's shape (a number d: d itself)."""
    _refuse_container(d)
    if _zero(g) or d.__class__ is float:
        return g
    return _put_back(g, d, lambda positions: shape_rules.reshape_grad(positions, a, order))


def outer_grad_a_adjoint_d(g, d, b):
    """outer_grad_a(d, a, b) = d @ ravel(b) in a's shape: linear in d (of np.outer's
    shape) and in b."""
    if _zero(g):
        return 0.0
    return np.reshape(np.outer(np.ravel(g), np.ravel(b)), np.shape(d))


def outer_grad_a_adjoint_b(g, d, b):
    if _zero(g) or _zero(d):
        return 0.0
    return np.reshape(np.ravel(g) @ d, np.shape(b))


def outer_grad_b_adjoint_d(g, d, a):
    """outer_grad_b(d, a, b) = ravel(a) @ d in b's shape: linear in d and in a."""
    if _zero(g):
        return 0.0
    return np.reshape(np.outer(np.ravel(a), np.ravel(g)), np.shape(d))


def outer_grad_b_adjoint_a(g, d, a):
    if _zero(g) or _zero(d):
        return 0.0
    return np.reshape(d @ np.ravel(g), np.shape(a))


def masked_sum_grad_transpose(g, d, a, axis, keepdims, where, skip_nan=False):
    """masked_sum_grad(d, a, axis, keepdims, where, skip_nan) spreads d over the selected
    entries of a (a mask piecewise constant in a): its adjoint sums g over them."""
    _refuse_container(d)
    if _zero(g):
        return 0.0
    return unreduce_transpose(np.where(reductions._selected(a, where, skip_nan), g, 0.0), d,
                              axis, keepdims)


RULES = {
    runtime.as_grad: rule("d, x", kinds=VIEW, jvp="linear", d="summed_to(g, d)"),
    runtime.owned: rule("d", kinds=FRESH, jvp="linear", d="g"),
    # np.asarray that keeps other libraries' arrays: np.asarray's rule
    runtime.as_array: rule("x", kinds=VIEW, x="array_grad(g, x, ans)",
                           jvp={"x": "array_tangent(g, ans, x)"}),
    # the reversed cumulative sum of d (along axis, or of its flattening): its transpose is
    # the cumulative sum of g the other way
    reductions.cumsum_grad: rule(
        "d, a, axis=None", kinds=FRESH, jvp="linear",
        d="np.reshape(np.cumsum(np.ravel(g)), np.shape(d)) if axis is None "
          "else np.cumsum(g, axis=axis)"),
    runtime.unbroadcast: rule("d, x", kinds=VIEW, jvp="linear", d="spread_to(g, d)"),
    runtime.unbroadcast_to: rule("d, recorded", kinds=VIEW, jvp="linear",
                                 d="spread_to(g, d)"),
    runtime.add_grads: rule("a, b", kinds=VIEW, jvp="linear",
                            a="summed_to(g, a)", b="summed_to(g, b)"),
    runtime.sum_grad: rule("d, values", kinds=VIEW, jvp="linear", d="summed_to(g, d)"),
    runtime.accum_index: rule("d, x, idx, v", kinds=WRITES_FIRST, jvp="linear",
                              d="accum_index_adjoint_d(g, d)",
                              v="accum_index_adjoint_v(g, idx, v)"),
    runtime.item_grad: rule("d, i", kinds=VIEW, jvp="linear", d="item_grad_adjoint(g, d, i)"),
    # the value a write `x[idx] = v` overwrites: a copy of an array's slot, a list's or
    # dict's element object itself (the write replaces it, never changes it)
    runtime.save_slot: rule("x, idx", kinds=FRESH, jvp="linear",
                            x="read_slot_adjoint(g, x, idx)"),
    runtime.save_float_slot: rule("x, idx", kinds=FRESH, jvp="linear",
                                  x="read_slot_adjoint(g, x, idx)"),
    runtime.take_slot_grad: rule("d, idx", kinds=WRITES_FIRST, jvp="linear",
                                 d="take_slot_grad_adjoint(g, d, idx)"),
    support.unreduce: rule("d, x, axis=None, keepdims=False", kinds=FRESH, jvp="linear",
                           d="unreduce_transpose(g, d, axis, keepdims)"),
    reductions.unreduce_mean: rule(
        "d, x, result, axis=None, keepdims=False", kinds=FRESH, jvp="linear",
        d="unreduce_transpose(g, d, axis, keepdims, np.size(result) / np.size(x))"),
    reductions.unreduce_extreme: rule(
        "d, x, result, axis=None, keepdims=False", kinds=FRESH, jvp="linear",
        d="unreduce_extreme_transpose(g, d, x, result, axis, keepdims)"),
    support.expand_reduced: rule("d, x, axis=None, keepdims=False", kinds=VIEW, jvp="linear",
                                 d="reshape_like(g, d)"),
    support.reshape_like: rule("d, a", kinds=VIEW, jvp="linear", d="reshape_like(g, d)"),
    support.reshape_to: rule("d, recorded", kinds=VIEW, jvp="linear", d="reshape_like(g, d)"),
    support.matmul_grad_a: rule("d, a, b", kinds=FRESH, jvp="bilinear",
                                d="matmul_grad_a_adjoint_d(g, d, b)",
                                b="matmul_grad_a_adjoint_b(g, d, b)"),
    support.matmul_grad_b: rule("d, a, b", kinds=FRESH, jvp="bilinear",
                                d="matmul_grad_b_adjoint_d(g, d, a)",
                                a="matmul_grad_b_adjoint_a(g, d, a)"),
    # the sums a loop's adjoint defers (derive/loop_optimizations.py): lists of pairs
    support.sum_matmul_grad_a: rule(
        "parts, a", kinds=FRESH, jvp={"parts": "sum_matmul_grad_tangent(sum_matmul_grad_a, "
                                      "parts, g, a)"},
        parts="sum_matmul_grad_a_adjoint(g, parts)"),
    support.sum_matmul_grad_b: rule(
        "parts, b", kinds=FRESH, jvp={"parts": "sum_matmul_grad_tangent(sum_matmul_grad_b, "
                                      "parts, g, b)"},
        parts="sum_matmul_grad_b_adjoint(g, parts)"),
    support.pow_grad_base: rule(
        "d, a, b", broadcast=True, kinds=("elementwise",),
        jvp={"d": "pow_grad_base(g, a, b)", "a": "pow_grad_base_base(g, d, a, b)",
             "b": "pow_grad_base_exponent(g, d, a, b)"},
        d="pow_grad_base(g, a, b)", a="pow_grad_base_base(g, d, a, b)",
        b="pow_grad_base_exponent(g, d, a, b)"),
    # the gradients of rearrangements (np.flip, np.roll, np.swapaxes, ...) and of np.outer
    # and sums with where= / np.nansum: linear in the gradient they are given
    shape_rules.reshape_grad: rule("d, a, order='C'", kinds=VIEW, jvp="linear",
                                   d="reshape_grad_transpose(g, d, a, order)"),
    support.map_grad: rule("fn, d, first=..., second=..., third=...", kinds=FRESH,
                           jvp="linear",
                           d="map_grad_transpose(g, fn, d, first, second, third)"),
    linear_algebra.outer_grad_a: rule("d, a, b", kinds=FRESH, jvp="bilinear",
                                      d="outer_grad_a_adjoint_d(g, d, b)",
                                      b="outer_grad_a_adjoint_b(g, d, b)"),
    linear_algebra.outer_grad_b: rule("d, a, b", kinds=FRESH, jvp="bilinear",
                                      d="outer_grad_b_adjoint_d(g, d, a)",
                                      a="outer_grad_b_adjoint_a(g, d, a)"),
    reductions.masked_sum_grad: rule(
        "d, a, axis, keepdims, where, skip_nan=False", kinds=FRESH, jvp="linear",
        d="masked_sum_grad_transpose(g, d, a, axis, keepdims, where, skip_nan)"),
    tangent_support.as_tangent: rule("t, out, where=''", kinds=VIEW, jvp="linear",
                                     t="summed_to(g, t)"),
    tangent_support.broadcast_tangent: rule("t, result", kinds=VIEW, jvp="linear",
                                            t="summed_to(g, t)"),
    tangent_support.reduce_tangent: rule(
        "weight, t, axis=None, keepdims=False, real=False", kinds=FRESH, jvp="bilinear",
        weight="reduce_tangent_adjoint(g, weight, t, axis, keepdims, 0, real)",
        t="reduce_tangent_adjoint(g, weight, t, axis, keepdims, 1, real)"),
}

FUNCTIONS = (summed_to, spread_to, unreduce_transpose, unreduce_extreme_transpose,
             matmul_grad_a_adjoint_d, matmul_grad_a_adjoint_b, matmul_grad_b_adjoint_d,
             matmul_grad_b_adjoint_a, accum_index_adjoint_d, accum_index_adjoint_v,
             item_grad_adjoint, read_slot_adjoint, take_slot_grad_adjoint, pow_grad_base_base,
             pow_grad_base_exponent, reduce_tangent_adjoint, sum_matmul_grad_tangent,
             add_zero, sum_matmul_grad_a_adjoint, sum_matmul_grad_b_adjoint,
             map_grad_transpose, reshape_grad_transpose, outer_grad_a_adjoint_d,
             outer_grad_a_adjoint_b, outer_grad_b_adjoint_d, outer_grad_b_adjoint_a,
             masked_sum_grad_transpose)
# the helpers the templates above call, beside the rules (Rule.functions)
RULES = {f: replace(r, functions=tuple((h.__name__, h) for h in FUNCTIONS))
         for f, r in RULES.items()}

# results that carry no derivative: shapes, lengths, orders, zeros; and the checks,
# called for their effect: they read their arguments and raise ("reads-only")
NONDIFF = declare(runtime.record_shape, runtime.loop_len, runtime.sort_order,
                  runtime.index_of_min, runtime.index_of_max, tangent_support.zero_tangent,
                  tangent_support.tangent_buffer, runtime.result_seed) | declare(
    runtime.not_scalars, runtime.complex_to_math, runtime.check_scalar, runtime.check_bound,
    runtime.unpack_check, runtime.rebound, runtime.not_a_view, runtime.not_shared,
    runtime.raise_own, tangent_support.check_tangent, objects.operand_of_user_class,
    objects.operands_of_user_class, kinds=("reads-only",))
