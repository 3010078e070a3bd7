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
from . import numpy as numpy_rules
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
    """The adjoint of broadcasting `like` to g's shape: g summed down to like's shape. A
    list's gradient g (one per element) for a `like` that is not a list is the adjoint of
    spreading like over the list (sum_grad): its elements summed, each down to like's
    shape; for a list `like`, g itself."""
    if _zero(g):
        return 0.0
    if isinstance(g, list) and not isinstance(like, (list, tuple, dict)):
        return _sum_of_grads([runtime.unbroadcast(e, like) for e in g if not _zero(e)])
    if isinstance(g, (list, tuple)) and isinstance(like, list) and len(g) == len(like):
        return runtime.GradList(g)
    if isinstance(g, runtime.GradRecord) and isinstance(like, dict):
        return g  # an object's gradient (a gradient's gradient: the object's again)
    if isinstance(g, dict) and isinstance(like, dict) and g.keys() == like.keys():
        return runtime.GradDict(g)  # (a dict's gradient, seeded key by key)
    _refuse_container(g)
    _refuse_container(like)
    return runtime.unbroadcast(g, like)


def _sum_of_grads(parts):
    total = 0.0
    for p in parts:
        total = total + p
    return total


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
    """accum_index(d, x, idx, v) adds v into d; of a list's (a dict's) gradient d, g (one
    per element, key) is its own adjoint (d, written in place by the calls after this
    one, is not read). A float d is a number standing for itself broadcast over x's shape
    (the known zero, or a zero that arithmetic made and that varies: `dout * w` with w a
    Python float that is 0.0 here): g summed."""
    if _zero(g):
        return 0.0
    if d.__class__ is float:
        return 0.0 if isinstance(g, (list, dict)) else summed_to(g, d)
    if isinstance(d, list) and isinstance(g, list):
        return runtime.GradList(g)
    if isinstance(d, dict) and isinstance(g, dict):  # a dict's gradient, the same way
        return runtime.GradDict(g)
    _refuse_container(d)
    return summed_to(g, d)


def accum_index_adjoint_v(g, idx, v):
    """The adjoint of accum_index(d, x, idx, v) in v: g's slot idx (of a list's or dict's
    gradient g, its element or entry, itself a list's or dict's gradient for a v that is
    one)."""
    if _zero(g):
        return 0.0
    if g.__class__ is runtime.GradList and isinstance(idx, (int, np.integer)) or \
            g.__class__ is runtime.GradDict:  # a list's element, a dict's entry
        part = g[idx] if g.__class__ is runtime.GradList else g.get(idx, 0.0)
        if _zero(part):
            return 0.0
        if isinstance(v, (list, tuple)) and isinstance(part, list):
            return runtime.GradList(part)
        if isinstance(v, dict) and isinstance(part, dict):
            return runtime.GradDict(part)
        _refuse_container(v)
        return runtime.unbroadcast(part, v)
    _refuse_container(v)
    _refuse_container(g)  # the gradient of a tuple, indexed (a pair's entry accumulated)
    return runtime.unbroadcast(np.real(g[idx]) if np.iscomplexobj(g) and not np.iscomplexobj(v)
                               else g[idx], v)


def item_grad_adjoint(g, d, i):
    """item_grad(d, i) reads d[i] (0.0 when d is the known zero). Of a list's gradient d
    (item_grad hands a list display's elements their gradients: nothing writes d after
    it), a list of d's length with g at i; of a dict's gradient, a dict of d's keys with g
    at key i."""
    if _zero(g) or d.__class__ is float:
        return 0.0
    if d.__class__ is runtime.GradList and isinstance(i, (int, np.integer)):
        out = runtime.GradList([0.0] * len(d))
        out[i] = g
        return out
    if d.__class__ is runtime.GradDict and i in d:  # a dict's gradient: g at key i
        out = runtime.GradDict({k: 0.0 for k in d})
        out[i] = g
        return out
    _refuse_container(d)
    out = np.zeros(np.shape(d), dtype=np.result_type(d, float))
    out[i] += g
    return out


def pick_grad_adjoint(g, values, picked):
    """pick_grad(d, values, picked) puts d at the first element of values equal to picked
    (the one max or min returns): its adjoint reads g there (0.0 when g is the known zero).
    The choice is piecewise constant in values, which get no gradient from it."""
    if _zero(g):
        return 0.0
    if g.__class__ is not runtime.GradList:
        _refuse_container(g)
    for i, v in enumerate(list(values)):
        if v is picked or np.all(v == picked):
            return g[i]
    return 0.0


def read_slot_adjoint(g, x, idx):
    """save_slot(x, idx) reads x[idx]: its adjoint puts g there, in zeros of x's shape
    (of a dict x, a dict's gradient with g at key idx; none where the write added the
    key, whose saved value is the marker ABSENT)."""
    if _zero(g) or isinstance(x, dict) and idx not in x:
        return 0.0
    if isinstance(x, (list, dict)):
        out = runtime._zeros_for(x)
        out[idx] = g
        return out
    _refuse_container(x)
    return runtime.accum_index(0.0, x, idx, g)


def take_slot_grad_adjoint(g, d, idx):
    """take_slot_grad(d, idx) gives (d[idx], d with that slot zeroed): the adjoint of d is
    the second's gradient with the slot holding the first's (of a list's or dict's
    gradient d, a list or dict of its length or keys). A float d (a number standing for
    itself broadcast, see accum_index_adjoint_d) is both: the sum of both gradients."""
    if _zero(g):
        return 0.0
    slot, rest = runtime.item_grad(g, 0), runtime.item_grad(g, 1)
    if d.__class__ is float:
        if isinstance(slot, (list, dict)) or isinstance(rest, (list, dict)):
            return 0.0
        return add_zero(0.0 if _zero(slot) else summed_to(slot, d),
                        0.0 if _zero(rest) else summed_to(rest, d))
    if isinstance(d, (list, dict)):
        made = runtime.GradList if isinstance(d, list) else runtime.GradDict
        if not _zero(rest) and not isinstance(rest, (list, dict)):
            _refuse_container(d)
        out = made(rest) if not _zero(rest) else runtime._zeros_for(d)
        out[idx] = slot
        return out
    _refuse_container(d)
    out = np.zeros(np.shape(d), dtype=np.result_type(d, float)) if _zero(rest) \
        else np.array(np.broadcast_to(rest, np.shape(d)), dtype=np.result_type(rest, float))
    out[idx] = slot
    return out


def take_last_grads_adjoint(g, n, extended, values=None):
    """take_last_grads(d, n) splits a list's gradient d into (its last n elements', the
    rest's): the adjoint joins a gradient of that pair back into one list, the rest's
    elements then the taken ones. When the rest's gradient is the known zero, its length
    is that of `values` (the list, as it was at the call: reverse over reverse undoes the
    list's later pops first) less n; without `values` (code generated before it was
    passed) it is not known, and refused rather than guessed."""
    taken, rest = runtime.item_grad(g, 0), runtime.item_grad(g, 1)
    if _zero(taken) and _zero(rest):
        return 0.0
    if rest.__class__ is float and isinstance(values, list):
        rest = [0.0] * (len(values) - n)
    if rest.__class__ is float:
        raise PullbackError(
            "a second derivative by reverse over reverse through the gradient of a list "
            "built by append or extend whose other elements' gradient is not known here: "
            "use pullback.hessian or pullback.hvp (forward over reverse)")
    if not extended:
        taken = [taken]
    elif taken.__class__ is float:
        taken = [0.0] * n
    return runtime.GradList([*rest, *taken])


def _repeats(a, b) -> bool:
    """Whether `a * b` repeated a list or tuple (replicate_grad's first case)."""
    seq, count = (a, b) if isinstance(a, (list, tuple)) else (b, a)
    return isinstance(seq, (list, tuple)) and isinstance(count, (int, np.integer))


def replicate_grad_tangent(t, d, a, b, side, along):
    """replicate_grad(d, a, b, side) along the tangent t of operand `along` (0: a, 1: b): the
    product rule's gradient unbroadcast(d * other, own) is linear in the other operand and
    reads its own for the shape; a repeated list's gradient reads the list for its length."""
    if along == side or _zero(t) or _zero(d) or _repeats(a, b):
        return 0.0
    return runtime.replicate_grad(d, t, b, side) if along == 0 \
        else runtime.replicate_grad(d, a, t, side)


def replicate_grad_adjoint_d(g, d, a, b, side):
    """The transpose of d -> unbroadcast(d * other, own): g times the other operand, summed
    to d's shape; of a repeated list's d -> the sums of each element's copies: each copy
    gets its element's g."""
    if _zero(g) or _zero(d):
        return 0.0
    if _repeats(a, b):
        if (b if side else a).__class__ not in (list, tuple):  # the count's: none
            return 0.0
        return runtime.GradList(g[k % len(g)] for k in range(len(d)))
    return runtime.unbroadcast(g * (a if side else b), d)


def replicate_grad_adjoint_operand(g, d, a, b, side, along):
    """The transpose of the tangent above in the other operand: g times d, summed to it."""
    if along == side or _zero(g) or _zero(d) or _repeats(a, b):
        return 0.0
    return runtime.unbroadcast(g * d, b if along else a)


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
    """The derivative of pow_grad_base(d, a, b) in b, times t: d a^(b-1) (1 + b log a);
    zero where t is (the exponent does not move: an integer exponent of a negative base,
    whose log is nan, contributes nothing there)."""
    if _zero(t):
        return 0.0
    a, b = support._array(a), support._array(b)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(t == 0, 0.0, t * d * np.power(a, b - 1.0) * (1.0 + b * np.log(a)))


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
    if _zero(g):
        return 0.0
    if d.__class__ is float:  # a number (the known zero, a zero arithmetic made) passed on
        return summed_to(g, d)  # as it is: see accum_index_adjoint_d
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


# vector reverse mode -----------------------------------------------------------------
# The adjoint is linear in its seed, so `jacobian(mode="rev")` takes the tangents of the
# generated vjp along a batch of seeds (vector forward mode over it, strict: a helper
# without a batch template is refused). The batch templates below get `g`, the batch of
# tangents of a gradient d (batch axis first: shape (k,) + d's shape), and return the
# batch of the helper's results. A gradient known to be zero (the float 0.0) has the
# batch of zeros of shape (k,), which broadcasts as 0.0 does.


def _batch(g):
    if g.__class__ is np.ndarray and g.ndim:
        return g
    g = np.asarray(g)
    return g.reshape(g.shape + (1,)) if g.ndim == 0 else g


def _zero_batch(g, shape):
    """The batch of tangents of a known zero: zeros, in `shape` after the batch axis."""
    g = _batch(g)
    if np.any(g):
        raise PullbackError("internal error: a nonzero batch of tangents of a gradient known "
                            "to be zero; please report this")
    return np.zeros((len(g),) + tuple(shape), dtype=np.result_type(g, float))


def _batch_index(idx):
    return (slice(None),) + idx if idx.__class__ is tuple else (slice(None), idx)


def unbroadcast_batch(g, x):
    """unbroadcast for a batch: each of g's tangents summed down to x's shape."""
    _refuse_container(x)
    return _summed_batch(g, np.shape(x))


def unbroadcast_to_batch(g, recorded):
    """unbroadcast_to(d, recorded) for a batch."""
    return _summed_batch(g, np.shape(recorded[0]) if recorded.__class__ is list
                         else tuple(recorded))


def _summed_batch(g, shape):
    g = _batch(g)
    if g.shape[1:] == shape:
        return g
    lead = g.ndim - 1 - len(shape)
    if g.ndim == 1:  # the batch of a number: unbroadcast keeps a float gradient a float
        return g  # (a zero or a seed that broadcasts), so its tangents stay as they are
    if lead < 0 or any(n != 1 and g.shape[1 + lead + i] != n for i, n in enumerate(shape)):
        return _zero_batch(g, shape)
    axes = tuple(range(1, 1 + lead)) + tuple(
        1 + lead + i for i, n in enumerate(shape) if n == 1 and g.shape[1 + lead + i] != 1)
    return np.sum(g, axis=axes, keepdims=True).reshape((len(g),) + shape)


def spread_batch(g, ans):
    """g's tangents brought to (k,) + ans's shape: a gradient's tangents added to others
    (each had its gradient's shape; a known zero's are (k,)). For a list, tuple or dict
    ans, a GradList or GradDict of such batches."""
    if isinstance(ans, (list, tuple)):
        if not isinstance(g, (list, tuple)):
            g = [_zero_batch(g, ())] * len(ans)
        return runtime.GradList(spread_batch(t, a) for t, a in zip(g, ans, strict=True))
    if isinstance(ans, dict):
        if not isinstance(g, dict):
            g = dict.fromkeys(ans, _zero_batch(g, ()))
        return runtime.GradDict({k: spread_batch(g[k], a) for k, a in ans.items()})
    g, shape = _batch(g), np.shape(ans)
    if g.shape[1:] == shape:
        return g
    if ans.__class__ is float and g.ndim > 1:  # a gradient without a shape (the known zero,
        return g  # or a zero arithmetic made) whose tangents have one: theirs is the shape
    missing = len(shape) + 1 - g.ndim
    if missing > 0:
        g = g.reshape(g.shape[:1] + (1,) * missing + g.shape[1:])
    return np.array(np.broadcast_to(g, (len(g),) + shape))


def add_batches(a, b):
    """The sum of add_grads' two batches of tangents (spread_batch's): where one is the
    batch of a shapeless gradient's tangents, (k,), it is put in the other's rank (after
    the batch axis) first, which `+` would not do."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return runtime.GradList(add_batches(s, t) for s, t in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return runtime.GradDict({k: add_batches(a[k], b[k]) for k in a})
    a, b = _batch(a), _batch(b)
    if a.ndim != b.ndim:
        a, b = (tangent_support.lift(a, b[0]), b) if a.ndim < b.ndim \
            else (a, tangent_support.lift(b, a[0]))
    return a + b


def as_grad_batch(g, d, x):
    """as_grad for a batch: each tangent as x's gradient is returned (real for a real x),
    an array of shape (k,) + x's shape."""
    if isinstance(x, (list, tuple)):
        if d.__class__ is float:
            return [as_grad_batch(g, 0.0, xi) for xi in x]
        return [as_grad_batch(t, di, xi) for t, di, xi in zip(g, d, x, strict=True)]
    if isinstance(x, dict):
        return {k: as_grad_batch(g if d.__class__ is float else g[k],
                                 0.0 if d.__class__ is float else d[k], v)
                for k, v in x.items()}
    made = unbroadcast_batch(g, x)
    if made.dtype.kind == "c" and not np.iscomplexobj(x):
        made = np.real(made)
    return np.array(made, dtype=np.result_type(made, float))


def item_grad_batch(g, d, i):
    """item_grad(d, i) = d[i] for a batch: the i-th element's batch (g is a list of
    batches for a list or tuple d), or g[:, i] for an array d."""
    if d.__class__ is float:
        return _zero_batch(g if not isinstance(g, (list, tuple, dict)) else
                           np.zeros(_batch_size(g)), ())
    if isinstance(g, (list, tuple, dict)):
        return g[i]
    return _batch(g)[_batch_index(i)]


def accum_index_batch_d(g, d, x):
    """accum_index(d, x, idx, v)'s tangents from d's: d's, in x's shape (a new array; for a
    list or dict x, a GradList or GradDict of batches)."""
    return spread_batch(g, x)


def accum_index_batch_v(g, x, idx, v):
    """accum_index(d, x, idx, v)'s tangents from v's: zeros of x's shape with each of v's
    tangents added at idx (for a list or dict x: v's batch in element idx, zeros in the
    others)."""
    if isinstance(x, (list, tuple, dict)):
        k = len(_batch(g)) if not isinstance(g, (list, tuple, dict)) else _batch_size(g)
        out = spread_batch(np.zeros(k), x)
        out[idx] = spread_batch(g, x[idx])
        return out
    g = _batch(g)
    if g.dtype.kind == "f" and x.__class__ is np.ndarray:  # the common case, at once
        real, out = False, np.zeros((len(g),) + x.shape, dtype=np.result_type(g, float))
    else:
        real = not np.iscomplexobj(x) and np.iscomplexobj(g)
        out = np.zeros((len(g),) + np.shape(x), dtype=np.result_type(g, float) if not real
                       else float)
    key = _batch_index(idx)
    slot = out[key]
    missing = slot.ndim - g.ndim
    if missing > 0:  # v broadcast into the slot: its tangents in the slot's rank
        g = g.reshape(g.shape[:1] + (1,) * missing + g.shape[1:])
    if real:
        g = np.real(g)
    if runtime._is_basic(idx):  # each position once, into zeros: a copy is the sum
        out[key] = g
    else:
        np.add.at(out, key, g)
    return out


def _batch_size(g):
    if isinstance(g, (list, tuple)):
        return _batch_size(g[0])
    if isinstance(g, dict):
        return _batch_size(next(iter(g.values())))
    return len(_batch(g))


def concatenate_grad_batch(g, arrays, axis=0):
    """concatenate_grad for a batch: g's tangents cut where the arrays were joined (along
    the axis after the batch axis), a batch per array."""
    g = _batch(g)
    if axis is None:
        flat = g.reshape(len(g), -1)
        parts, start = [], 0
        for x in arrays:
            size = int(np.size(x))
            parts.append(flat[:, start:start + size].reshape((len(g),) + np.shape(x)))
            start += size
        return runtime.GradList(parts)
    return runtime.GradList(shape_rules._cut(
        g, [np.shape(x)[axis] for x in arrays], axis + 1 if axis >= 0 else axis))


def concatenate_grad_transpose(g, d, arrays, axis=0):
    """The adjoint of concatenate_grad(d, arrays, axis) (d cut into the arrays' parts): the
    parts' gradients joined again, zeros for a part known to be zero."""
    if _zero(g):
        return 0.0
    parts = [np.zeros(np.shape(x)) if _zero(gi) else np.asarray(gi) for gi, x in zip(g, arrays)]
    if axis is None:
        return np.reshape(np.concatenate([np.ravel(p) for p in parts]), np.shape(d))
    return np.concatenate(parts, axis=axis)


def stack_grad_transpose(g, d, arrays, axis=0):
    """The adjoint of stack_grad(d, arrays, axis) (d taken apart along axis): the parts'
    gradients stacked again, zeros for a part known to be zero."""
    if _zero(g):
        return 0.0
    return np.stack([np.zeros(np.shape(x)) if _zero(gi) else np.asarray(gi)
                     for gi, x in zip(g, arrays)], axis=axis)


def stack_grad_batch(g, arrays, axis=0):
    """stack_grad for a batch: each tangent taken apart along the stacked axis."""
    g = np.moveaxis(_batch(g), axis + 1 if axis >= 0 else axis, 1)
    return runtime.GradList(g[:, i] for i in range(len(arrays)))


def take_slot_grad_batch(g, d, idx):
    """take_slot_grad(d, idx) for a batch: (each tangent's slot idx, the tangents with that
    slot zeroed, a new array). A number d (the known zero, a zero arithmetic made) stands
    for itself in every slot: of tangents without a shape, both are they; of tangents
    with one (an array's, made while d was a number), the slot is taken out of them."""
    if d.__class__ is float and (isinstance(g, (list, dict)) or np.ndim(g) < 2):
        return g, g
    if isinstance(g, (list, dict)):
        rest = runtime.GradList(g) if isinstance(g, list) else runtime.GradDict(g)
        slot, rest[idx] = g[idx], _zero_batch(np.zeros(_batch_size(g)), np.shape(d[idx]))
        return slot, rest
    g = _batch(g)
    key = _batch_index(idx)
    slot = g[key].copy()
    rest = np.array(g)
    rest[key] = 0.0
    return slot, rest


def cumsum_grad_batch(g, a, axis=None):
    """cumsum_grad for a batch: each tangent's reversed cumulative sum."""
    g = _batch(g)
    # np.add.accumulate is np.cumsum without its dispatch, for float tangents (np.cumsum
    # widens small integer types, which tangents never are)
    summed = np.add.accumulate if g.dtype.kind in "fc" else np.cumsum
    if axis is None:
        flat = g.reshape(len(g), -1)[:, ::-1]
        return summed(flat, axis=1)[:, ::-1].reshape((len(g),) + np.shape(a))
    axis = axis + 1 if axis >= 0 else axis
    return np.flip(summed(np.flip(g, axis), axis=axis), axis)


def unreduce_batch(g, x, axis=None, keepdims=False, scale=1.0):
    """unreduce (times `scale`) for a batch: each tangent spread over x's shape."""
    g, shape = _batch(g), np.shape(x)
    if not keepdims and axis is not None:
        kept = list(shape)
        for a in support._axes(axis, len(shape)):
            kept[a] = 1
        g = g.reshape((len(g),) + tuple(kept))
    elif g.ndim == 1:
        g = g.reshape((len(g),) + (1,) * len(shape))
    return np.array(np.broadcast_to(g * scale if scale != 1.0 else g, (len(g),) + shape),
                    dtype=np.result_type(g, float))


def expand_reduced_batch(g, x, axis=None, keepdims=False):
    """expand_reduced for a batch: the reduced axes put back as size-1 axes after it."""
    g = _batch(g)
    if keepdims or axis is None or g.ndim == 1:
        return g
    kept = list(np.shape(x))
    for a in support._axes(axis, len(kept)):
        kept[a] = 1
    return g.reshape((len(g),) + tuple(kept))


def reshape_batch_to(g, shape):
    """A batch of tangents reshaped to (k,) + shape."""
    g = _batch(g)
    if g.ndim == 1 and shape and not np.any(g):
        return _zero_batch(g, shape)
    return g.reshape((len(g),) + tuple(shape))


def map_grad_batch(g, fn, d, first=..., second=..., third=...):
    """map_grad(fn, d, ...) for a batch: fn rearranges d's entries, so each tangent's
    entries are gathered from where fn takes them (fn applied once, to d's positions)."""
    _refuse_container(d)
    g = _batch(g)
    shape = np.shape(d) if d.__class__ is not float else g.shape[1:]
    if g.ndim == 1:  # the tangents of a number d (passed on as it is): they, as they are
        return g
    args = [a for a in (first, second, third) if a is not ...]
    source = np.asarray(fn(np.arange(int(np.prod(shape))).reshape(shape), *args))
    return g.reshape(len(g), -1)[:, source.ravel()].reshape((len(g),) + source.shape)


def reshape_grad_batch(g, a, order="C"):
    """reshape_grad(d, a, order) for a batch: each tangent read into a's shape in the
    order the reshape read a (the batch axis read last)."""
    g = _batch(g)
    if order == "A":
        order = "F" if np.isfortran(np.asarray(a)) else "C"
    elif order == "K":
        a = np.asarray(a)
        order = "F" if a.flags.f_contiguous and not a.flags.c_contiguous else "C"
    shape = np.shape(a)
    if g.ndim == 1 and shape and np.any(g):  # the tangents of a number d, which reshape_grad
        return g  # passes on as it is
    if order == "C":
        return reshape_batch_to(g, shape)
    if g.ndim == 1 and shape and not np.any(g):
        return _zero_batch(g, shape)
    return np.moveaxis(np.reshape(np.moveaxis(g, 0, -1), shape + (len(g),), order="F"),
                       -1, 0)


def _matmul_operands(a, b):
    """a and b as at least 2-D (a vector a as a row, b as a column), and whether each was
    1-D."""
    a, b = support._array(a), support._array(b)
    return (a[None, :] if a.ndim == 1 else a), (b[:, None] if b.ndim == 1 else b), \
        a.ndim == 1, b.ndim == 1


def _matmul_g(g, row, column):
    """A batch of tangents of a @ b with the axes the 1-D operands dropped put back."""
    g = _batch(g)
    if row and column:
        return g[..., None, None]
    return g[..., None, :] if row else g[..., None] if column else g


def matmul_grad_a_batch(g, a, b):
    """matmul_grad_a(d, a, b) for a batch of d's tangents: each g_i @ b^T, in a's shape."""
    a2, b2, row, column = _matmul_operands(a, b)
    g2 = _matmul_g(g, row, column)
    made = unbroadcast_batch(g2 @ np.swapaxes(b2, -1, -2), a2)
    return made[..., 0, :] if row else made


def matmul_grad_b_batch(g, a, b):
    """matmul_grad_b(d, a, b) for a batch of d's tangents: each a^T @ g_i, in b's shape."""
    a2, b2, row, column = _matmul_operands(a, b)
    g2 = _matmul_g(g, row, column)
    made = unbroadcast_batch(np.swapaxes(a2, -1, -2) @ g2, b2)
    return made[..., 0] if column else made


def array_grad_transpose(g, d, obj, ans):
    """The adjoint of array_grad(d, obj, ans) (d, of np.array(obj)'s shape, split into obj's
    nesting): the nested gradients joined again, in d's shape."""
    if _zero(g) or np.asarray(ans).dtype.kind not in "fc":
        return 0.0
    return np.reshape(_joined(g, obj), np.shape(d))


def _joined(g, obj):
    if _zero(g):
        return np.zeros(np.shape(obj))
    if isinstance(obj, (list, tuple)):
        return np.stack([_joined(gi, o) for gi, o in zip(g, obj)]) if len(obj) \
            else np.zeros(np.shape(obj))
    return np.asarray(g)


def array_grad_batch(g, obj, ans):
    """array_grad for a batch: each tangent split into obj's nesting (a batch per leaf)."""
    g = _batch(g)
    if np.asarray(ans).dtype.kind not in "fc":
        return _zero_batch(np.zeros(len(g)), np.shape(obj))
    return _split_batch(g.reshape((len(g),) + np.shape(obj)), obj)


def _split_batch(g, obj):
    if isinstance(obj, (list, tuple)):
        return runtime.GradList(_split_batch(g[:, i], o) for i, o in enumerate(obj))
    return g


def sum_grad_batch(g, values):
    """sum_grad(d, values) for a batch: each tangent given to every element."""
    g = _batch(g)
    if isinstance(values, np.ndarray):
        return spread_batch(g, values)
    return runtime.GradList([g] * len(values))


# second order through the gradients of rearrangements, masks and sums ----------------
# Each of these gradients is linear in the gradient d it is given (the other operands are
# read for shapes, orders and masks that are piecewise constant in them): its adjoint is
# the forward function it is the gradient of, applied to g.


def sort_grad_batch(g, a, axis=-1):
    """sort_grad(d, a, axis) for a batch: each tangent put back where sorting took it from."""
    g, a = _batch(g), np.asarray(a)
    out = np.zeros((len(g),) + a.shape, dtype=np.result_type(g, float))
    if axis is None:
        out.reshape(len(g), -1)[:, np.argsort(a, axis=None, kind="stable")] = \
            g.reshape(len(g), -1)
        return out
    order = np.broadcast_to(np.argsort(a, axis=axis, kind="stable"), out.shape)
    np.put_along_axis(out, order, np.broadcast_to(g, out.shape), axis + 1 if axis >= 0 else axis)
    return out


def tile_grad_transpose(g, d, reps):
    """The adjoint of tile_grad(d, A, reps) (the tiles of d summed): g tiled."""
    if _zero(g):
        return 0.0
    return np.reshape(np.tile(g, reps), np.shape(d))


def tile_grad_batch(g, A, reps):
    """tile_grad for a batch: each tangent's tiles summed."""
    g, shape = _batch(g), np.shape(A)
    reps = tuple(reps) if np.ndim(reps) else (int(reps),)
    n = max(len(shape), len(reps))
    full = (1,) * (n - len(shape)) + shape
    reps = (1,) * (n - len(reps)) + reps
    paired = np.reshape(g, (len(g),) + tuple(m for pair in zip(reps, full) for m in pair))
    return np.reshape(np.sum(paired, axis=tuple(range(1, 2 * n + 1, 2))), (len(g),) + shape)


def repeat_grad_transpose(g, d, repeats, axis=None):
    """The adjoint of repeat_grad(d, a, repeats, axis) (d summed over the repeats): g
    repeated."""
    if _zero(g):
        return 0.0
    return np.reshape(np.repeat(g, repeats, axis), np.shape(d))


def pad_grad_transpose(g, d, pad_width, mode="constant"):
    """The adjoint of pad_grad(d, array, pad_width, mode) (d added up per source element): g
    padded the same way, with zeros for a constant."""
    if _zero(g):
        return 0.0
    return np.reshape(np.pad(g, pad_width, mode=mode), np.shape(d))


def diag_grad_transpose(g, d, k=0):
    """The adjoint of diag_grad(d, v, k) (d's diagonal read, or d put on a diagonal): np.diag
    of g, which does the other."""
    if _zero(g):
        return 0.0
    return np.reshape(np.diag(g, k), np.shape(d))


def tri_grad_transpose(g, d, k, upper):
    """The adjoint of tri_grad(d, m, k, upper) (one triangle of d kept, summed over the
    rows for a 1-D m): g spread over d's rows, that triangle kept."""
    if _zero(g):
        return 0.0
    g = np.broadcast_to(g, np.shape(d))
    return np.triu(g, k) if upper else np.tril(g, k)


def tri_grad_batch(g, m, k, upper):
    """tri_grad for a batch: each tangent's triangle (np.triu and np.tril keep it in the
    last two axes), summed over the rows for a 1-D m."""
    kept = np.triu(_batch(g), k) if upper else np.tril(_batch(g), k)
    return np.sum(kept, axis=1) if np.ndim(m) == 1 else kept


def trace_grad_transpose(g, d, made, offset=0, axis1=0, axis2=1):
    """The adjoint of trace_grad(d, a, made, ...) (d spread on a diagonal): the trace of g,
    which sums that diagonal (zero where an integer trace `made` had no gradient)."""
    if _zero(g) or support.truncated(made):
        return 0.0
    return summed_to(np.trace(g, offset, axis1, axis2), d)


def diagonal_grad_transpose(g, d, offset=0, axis1=0, axis2=1):
    """The adjoint of diagonal_grad(d, a, offset, axis1, axis2) (d put on a diagonal of
    zeros): that diagonal of g, which np.diagonal reads."""
    _refuse_container(d)
    if _zero(g):
        return 0.0
    return summed_to(np.diagonal(g, offset, axis1, axis2).copy(), d)


def take_grad_transpose(g, d, indices, axis=None, mode="raise"):
    """The adjoint of take_grad(d, a, indices, axis, mode) (d scattered to the positions
    np.take read): g read at those positions, by np.take."""
    if _zero(g):
        return 0.0
    return summed_to(np.take(g, indices, axis=axis, mode=mode), d)


def diff_grad_transpose(g, d, a, n=1, axis=-1, prepend=None, append=None, wrt="a"):
    """The adjoint of diff_grad(d, a, n, axis, prepend, append, wrt) (the transpose of the
    differences, cut to the piece `wrt` of the joined array): g put in its piece of zeros
    of the joined array's shape (spread over it for a number's piece), differenced n times
    along the axis."""
    _refuse_container(d)
    if _zero(g):
        return 0.0
    axis = axis % max(np.ndim(a), 1)
    shape = list(np.shape(a))
    extent = [0 if v is None else (np.shape(v)[axis] if np.ndim(v) else 1)
              for v in (prepend, append)]
    size = shape[axis]
    shape[axis] = extent[0] + size + extent[1]
    start, stop = {"a": (extent[0], extent[0] + size), "prepend": (0, extent[0]),
                   "append": (extent[0] + size, shape[axis])}[wrt]
    joined = np.zeros(shape, dtype=np.result_type(g, float))
    piece = [slice(None)] * len(shape)
    piece[axis] = slice(start, stop)
    joined[tuple(piece)] = g
    return np.reshape(np.diff(joined, n, axis=axis), np.shape(d))


def quantile_grad_transpose(g, d, a, q, axis=None, keepdims=False, method="linear",
                            scale=1.0):
    """The adjoint of quantile_grad(d, a, q, ...) (d put back on the two order statistics
    of a each quantile interpolates, with their weights): the same interpolation read from
    g, which is the quantile's tangent along g."""
    _refuse_container(d)
    if _zero(g):
        return 0.0
    return reductions.quantile_tangent(g, a, d, q, axis, keepdims, method, scale)


def abs_grad_transpose(g, d, x):
    """abs_grad(d, x) = d sign(x) for a real x (a sign piecewise constant in x): its
    adjoint in d is g sign(x), summed to d's shape. A complex x is refused."""
    _real_second_order("abs", g, x)
    if _zero(g):
        return 0.0
    return summed_to(g * np.sign(x), d)


def abs_grad_tangent_x(t, d, x):
    """abs_grad(d, x) along the tangent t of x: zero for a real x (its sign is piecewise
    constant); for a complex x, abs_grad = Re(d) conj(x) / |x| moves by
    Re(d) (conj(t) / |x| - conj(x) Re(conj(x) t) / |x|^3)."""
    if _zero(t) or _zero(d) or not np.iscomplexobj(x):
        return 0.0
    x = np.asarray(x)
    size = np.abs(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        moved = np.real(d) * (np.conj(t) / size - np.conj(x) * np.real(np.conj(x) * t)
                              / size ** 3)
    if np.any(size == 0):
        raise PullbackError("a second derivative of abs at a complex zero: |x| has no "
                            "derivative there")
    return moved


def abs_grad_adjoint_x(g, d, x):
    """abs_grad's adjoint in x: none for a real x; a complex x is refused."""
    _real_second_order("abs", g, x)
    return 0.0


def real_grad_transpose(g, d, x):
    """real_grad(d, x) is d itself for a real x; a complex x is refused."""
    _real_second_order("np.real", g, x)
    return summed_to(g, d)


def pow_grad_exponent_base(t, d, a, made):
    """The derivative of pow_grad_exponent(d, a, made) = d made log(a) in a, times t:
    d made / a (0 where a == 0, as the gradient is)."""
    a = support._array(a)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a == 0, 0.0, t * d * made / np.where(a == 0, 1.0, a))


def pow_grad_exponent_made(t, d, a, made):
    """... in made (the power's result), times t: d log(a) (0 where a == 0)."""
    a = support._array(a)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a == 0, 0.0, t * d * np.log(np.where(a == 0, 1.0, a)))


def stacked_grad_transpose(g, d, tup, stack):
    """The adjoint of hstack_grad / vstack_grad(d, tup) (d cut into the stacked parts): the
    parts' gradients stacked again by `stack`, zeros for a part known to be zero."""
    if _zero(g):
        return 0.0
    parts = [np.zeros(np.shape(x)) if _zero(gi) else np.asarray(gi) for gi, x in zip(g, tup)]
    return np.reshape(stack(parts), np.shape(d))


def kron_grad_tangent(t, d, a, b, wrt, operand):
    """The tangent of kron_grad(d, a, b, wrt) along `operand`'s tangent t: it reads the
    operand whose gradient it is for its shape only (zeros), and is linear in the other
    (the same contraction with t)."""
    _real_second_order("np.kron", t, d, a, b)
    if operand == wrt:
        return np.zeros(np.shape(a if wrt == "a" else b))
    return linear_algebra.kron_grad(d, t, b, "b") if operand == "a" else \
        linear_algebra.kron_grad(d, a, t, "a")


def kron_grad_adjoint_d(g, d, a, b, wrt):
    """The adjoint of kron_grad(d, a, b, wrt) in d (a contraction of d with the other
    operand): np.kron of g with the other operand, in d's shape."""
    _real_second_order("np.kron", g, a, b)
    if _zero(g):
        return 0.0
    return np.reshape(np.kron(g, b) if wrt == "a" else np.kron(a, g), np.shape(d))


def kron_grad_adjoint_operand(g, d, a, b, wrt, operand):
    """The adjoint of kron_grad(d, a, b, wrt) in `operand`: none in the one whose gradient
    it is (read for its shape), and for the other, d contracted with g (in the shape of
    the gradient kron_grad made) over the axes of that gradient's operand."""
    _real_second_order("np.kron", g, d, a, b)
    if _zero(g) or operand == wrt:
        return 0.0
    return linear_algebra.kron_grad(d, a, g, "a") if operand == "a" else \
        linear_algebra.kron_grad(d, g, b, "b")


def sinc_grad_x(t, d, x):
    """The derivative of sinc_grad(d, x) = d sinc'(x) in x, times t: d sinc''(x), with
    sinc''(x) = (-pi sin(pi x) - 2 sinc'(x)) / x, and -pi^2 / 3 at x = 0."""
    x = np.asarray(x)
    x = x.astype(np.result_type(x, float), copy=False)
    with np.errstate(divide="ignore", invalid="ignore"):
        safe = np.where(x == 0, 1.0, x)
        first = (np.cos(np.pi * x) - np.sinc(x)) / safe
        second = np.where(x == 0, -np.pi ** 2 / 3,
                          (-np.pi * np.sin(np.pi * x) - 2.0 * first) / safe)
    return t * d * second


def _variance_parts(a, axis, ddof):
    """(a as an array, the reduced axes, a centred along them, 2 / (n - ddof)), refusing a
    complex a (var_grad takes the real part of its direction there: not written)."""
    a = np.asarray(a)
    if np.iscomplexobj(a):
        raise PullbackError("second order through the gradient of np.var or np.std of "
                            "complex values is not differentiated")
    axes = support._axes(axis, a.ndim)
    n = np.prod([a.shape[i] for i in axes], dtype=float)
    return a, axes, a - np.mean(a, axis=axes, keepdims=True), 2.0 / (n - ddof)


def var_grad_adjoint_d(g, d, a, axis=None, ddof=0, keepdims=False):
    """var_grad(d, a, ...) = d (spread over the reduced axes) 2 (a - mean a) / (n - ddof):
    its adjoint in d sums g times the second factor over the reduced axes."""
    if _zero(g):
        return 0.0
    a, axes, centred, scale = _variance_parts(a, axis, ddof)
    summed = np.sum(g * centred, axis=axes, keepdims=keepdims) * scale
    return np.reshape(summed, np.shape(d))


def var_grad_adjoint_a(g, d, a, axis=None, ddof=0, keepdims=False):
    """The adjoint of var_grad(d, a, ...) in a: centring is its own adjoint, so g times the
    spread d, centred."""
    if _zero(g) or _zero(d):
        return 0.0
    a, axes, _, scale = _variance_parts(a, axis, ddof)
    spread = support._keep(d, a.ndim, axes, keepdims) * g * scale
    return spread - np.mean(spread, axis=axes, keepdims=True)


def _std_parts(d, a, ans, axis, ddof, keepdims):
    """(axes, a centred, d and ans spread over the reduced axes, 1 / (n - ddof))."""
    a, axes, centred, scale = _variance_parts(a, axis, ddof)
    return (axes, centred, None if d is None else support._keep(d, a.ndim, axes, keepdims),
            support._keep(ans, a.ndim, axes, keepdims), scale / 2.0)


def std_grad_tangent_ans(t, d, a, ans, axis=None, ddof=0, keepdims=False):
    """std_grad(d, a, ans, ...) = d (a - mean a) / ((n - ddof) ans), spread: its tangent
    along t, a tangent of ans, is -(that) t / ans."""
    if _zero(d):
        return 0.0
    axes, centred, spread, kept, scale = _std_parts(d, a, ans, axis, ddof, keepdims)
    return -spread * centred * scale * support._keep(t, np.ndim(a), axes, keepdims) / kept ** 2


def std_grad_adjoint_d(g, d, a, ans, axis=None, ddof=0, keepdims=False):
    if _zero(g):
        return 0.0
    axes, centred, _, kept, scale = _std_parts(None, a, ans, axis, ddof, keepdims)
    summed = np.sum(g * centred / kept, axis=axes, keepdims=keepdims) * scale
    return np.reshape(summed, np.shape(d))


def std_grad_adjoint_a(g, d, a, ans, axis=None, ddof=0, keepdims=False):
    if _zero(g) or _zero(d):
        return 0.0
    axes, _, spread, kept, scale = _std_parts(d, a, ans, axis, ddof, keepdims)
    weighted = spread * g * scale / kept
    return weighted - np.mean(weighted, axis=axes, keepdims=True)


def std_grad_adjoint_ans(g, d, a, ans, axis=None, ddof=0, keepdims=False):
    if _zero(g) or _zero(d):
        return 0.0
    axes, centred, spread, kept, scale = _std_parts(d, a, ans, axis, ddof, keepdims)
    summed = -np.sum(g * spread * centred / kept ** 2, axis=axes, keepdims=keepdims) * scale
    return np.reshape(summed, np.shape(ans))


def _real_second_order(what, *values):
    """Refuse complex values in a second derivative through `what` (its helpers' rules
    below are derived for real values only)."""
    if any(np.iscomplexobj(v) for v in values if not _zero(v)):
        raise PullbackError(f"a second derivative through {what} of complex values: "
                            "pullback differentiates its gradient for real values only")


def inv_grad_tangent_inverse(t, d, inverse):
    """inv_grad(d, inverse) = -(T d T) with T = inverse^T: its tangent along the tangent t
    of inverse, -(t^T d T + T d t^T)."""
    if _zero(t) or _zero(d):
        return 0.0
    _real_second_order("np.linalg.inv", t, d, inverse)
    T, dT = linear_algebra._mT(inverse), linear_algebra._mT(t)
    return -(dT @ d @ T + T @ d @ dT)


def inv_grad_adjoint_d(g, inverse):
    """<g, -(T d T)> = <-(inverse g inverse), d>: linear in d."""
    if _zero(g):
        return 0.0
    _real_second_order("np.linalg.inv", g, inverse)
    return -(inverse @ g @ inverse)


def inv_grad_adjoint_inverse(g, d, inverse):
    """The adjoint of inv_grad(d, inverse) in inverse: -(d T g^T + g^T T d), T = inverse^T."""
    if _zero(g) or _zero(d):
        return 0.0
    _real_second_order("np.linalg.inv", g, d, inverse)
    T, G = linear_algebra._mT(inverse), linear_algebra._mT(g)
    return -(d @ T @ G + G @ T @ d)


def tensordot_grad_tangent(t, d, k, a, b, axes, side):
    """tensordot_grad(d, k, a, b, axes) is linear in the operand other than k (operand k
    itself is read for its shape only): its tangent along operand `side`'s tangent t."""
    if side == k or _zero(t) or _zero(d):
        return 0.0
    _real_second_order("np.tensordot", t, d, a, b)
    return linear_algebra.tensordot_grad(d, k, t if side == 0 else a, t if side == 1 else b,
                                         axes)


def tensordot_grad_adjoint_d(g, k, a, b, axes):
    """tensordot_grad(d, 0, a, b) is the transpose of a -> tensordot(a, b), so its adjoint
    in d is tensordot(g, b); for k = 1, tensordot(a, g)."""
    if _zero(g):
        return 0.0
    _real_second_order("np.tensordot", g, a, b)
    return np.tensordot(g, b, axes) if k == 0 else np.tensordot(a, g, axes)


def tensordot_grad_adjoint_operand(g, d, k, a, b, axes, side):
    """The adjoint of tensordot_grad(d, k, a, b, axes) in operand `side`: none in operand
    k (read for its shape), else <g, vjp_k(d)> = <d, tensordot with g for operand k>,
    whose gradient in the other operand is tensordot_grad again."""
    if side == k or _zero(g) or _zero(d):
        return 0.0
    _real_second_order("np.tensordot", g, d, a, b)
    return linear_algebra.tensordot_grad(d, side, g if k == 0 else a, g if k == 1 else b,
                                         axes)


def _two_norm(d, x, norm, ord, axis, keepdims):
    """For norm_grad(d, x, norm, ord, axis, keepdims) of a 2-norm or Frobenius norm, which
    is D x / N (D and N: d and the norm with the reduced axes kept; 0 where N is 0): x as
    an array, the reduced axes, D and 1 / N (0 where N is 0). Other norms are refused."""
    x = np.asarray(x)
    _real_second_order("np.linalg.norm", d, x)
    axes = support._axes(axis, x.ndim)
    if axis is None and x.ndim > 2:  # (norm_grad: the 2-norm of the flattened array)
        ord = None
    if not (ord is None or ord == "fro" or (ord == 2 and len(axes) == 1)):
        raise PullbackError(f"a second derivative through np.linalg.norm with ord={ord!r}: "
                            "pullback differentiates the gradients of the 2-norm and the "
                            "Frobenius norm only")
    N = _kept(norm, x, axes, keepdims)
    zero = N == 0
    return x, axes, _kept(d, x, axes, keepdims), np.where(zero, 0.0, 1.0 / np.where(zero, 1.0, N))


def _kept(v, x, axes, keepdims):
    """v, a reduction's result over `axes` of x (or a number), in a shape that broadcasts
    against x."""
    return v if np.ndim(v) == 0 else support._keep(v, x.ndim, axes, keepdims)


def norm_grad_tangent_x(t, d, x, norm, ord=None, axis=None, keepdims=False):
    """D x / N is linear in x (N given): D t / N."""
    if _zero(t) or _zero(d):
        return 0.0
    x, axes, D, inverse = _two_norm(d, x, norm, ord, axis, keepdims)
    return D * t * inverse


def norm_grad_tangent_norm(t, d, x, norm, ord=None, axis=None, keepdims=False):
    """D x / N along the tangent t of N: -D x T / N^2."""
    if _zero(t) or _zero(d):
        return 0.0
    x, axes, D, inverse = _two_norm(d, x, norm, ord, axis, keepdims)
    return -D * x * _kept(t, x, axes, keepdims) * inverse ** 2


def norm_grad_adjoint_d(g, d, x, norm, ord=None, axis=None, keepdims=False):
    """<g, D x / N> summed over the reduced axes, in d's shape."""
    if _zero(g):
        return 0.0
    x, axes, D, inverse = _two_norm(d, x, norm, ord, axis, keepdims)
    return runtime.unbroadcast(np.sum(g * x * inverse, axis=axes, keepdims=keepdims), d)


def norm_grad_adjoint_x(g, d, x, norm, ord=None, axis=None, keepdims=False):
    if _zero(g) or _zero(d):
        return 0.0
    x, axes, D, inverse = _two_norm(d, x, norm, ord, axis, keepdims)
    return runtime.unbroadcast(D * g * inverse, x)


def norm_grad_adjoint_norm(g, d, x, norm, ord=None, axis=None, keepdims=False):
    if _zero(g) or _zero(d):
        return 0.0
    x, axes, D, inverse = _two_norm(d, x, norm, ord, axis, keepdims)
    return runtime.unbroadcast(-np.sum(g * D * x * inverse ** 2, axis=axes,
                                       keepdims=keepdims), norm)


def _cumprod_parts(a, axis, *values):
    """For cumprod_grad(d, a, ans, axis) of an a without zeros, which is R(d, ans) / a with
    R the reversed cumulative sum of d * ans along the axis (of the flattening for axis
    None): a (flattened for axis None), the axis, and a's shape. An a with zeros (whose
    gradient is formed otherwise) is refused."""
    a = np.asarray(a)
    _real_second_order("np.cumprod", a, *values)
    if not np.all(a != 0):
        raise PullbackError("a second derivative through np.cumprod of an array with zeros: "
                            "pullback differentiates its gradient where no entry is zero")
    return (np.ravel(a), 0, a.shape) if axis is None else (a, axis, a.shape)


def _reversed_cumsum(v, axis):
    return np.flip(np.cumsum(np.flip(v, axis), axis=axis), axis)


def cumprod_grad_tangent_ans(t, d, a, ans, axis=None):
    """R(d, ans) / a along the tangent t of ans: R(d, t) / a."""
    if _zero(t) or _zero(d):
        return 0.0
    a, axis, shape = _cumprod_parts(a, axis, t, d)
    return np.reshape(_reversed_cumsum(d * t, axis) / a, shape)


def cumprod_grad_tangent_a(t, d, a, ans, axis=None):
    """R(d, ans) / a along the tangent t of a: -R(d, ans) t / a^2."""
    if _zero(t) or _zero(d):
        return 0.0
    flat, axis, shape = _cumprod_parts(a, axis, t, d)
    return np.reshape(-_reversed_cumsum(d * ans, axis) / flat ** 2, shape) * t


def cumprod_grad_adjoint_d(g, d, a, ans, axis=None):
    """<g, R(d, ans) / a> = <cumsum(g / a) ans, d> (the cumulative sum is the reversed
    one's transpose)."""
    if _zero(g):
        return 0.0
    a, axis, _ = _cumprod_parts(a, axis, g)
    return runtime.unbroadcast(np.cumsum(np.reshape(g, a.shape) / a, axis=axis) * ans, d)


def cumprod_grad_adjoint_ans(g, d, a, ans, axis=None):
    if _zero(g) or _zero(d):
        return 0.0
    a, axis, _ = _cumprod_parts(a, axis, g, d)
    return runtime.unbroadcast(np.cumsum(np.reshape(g, a.shape) / a, axis=axis) * d, ans)


def cumprod_grad_adjoint_a(g, d, a, ans, axis=None):
    if _zero(g) or _zero(d):
        return 0.0
    flat, axis, shape = _cumprod_parts(a, axis, g, d)
    return -g * np.reshape(_reversed_cumsum(d * ans, axis) / flat ** 2, shape)


RULES = {
    # the seed of a vjp, checked against the result and copied: the identity on it
    runtime.seed_for: rule("seed, out", kinds=FRESH, jvp="linear", seed="summed_to(g, seed)",
                           batch={"seed": "owned(g)"}),
    # concatenate_grad(d, arrays, axis): d cut into the joined arrays' parts
    shape_rules.concatenate_grad: rule(
        "d, arrays, axis=0", kinds=FRESH, jvp="linear",
        d="concatenate_grad_transpose(g, d, arrays, axis)",
        batch={"d": "concatenate_grad_batch(g, arrays, axis)"}),
    # (np.array's result is the parameter `made`: `ans` in a template is the rule's own)
    numpy_rules.array_grad: rule("d, obj, made", kinds=FRESH, jvp="linear",
                                 d="array_grad_transpose(g, d, obj, made)",
                                 batch={"d": "array_grad_batch(g, obj, made)"}),
    shape_rules.stack_grad: rule("d, arrays, axis=0", kinds=FRESH, jvp="linear",
                                 d="stack_grad_transpose(g, d, arrays, axis)",
                                 batch={"d": "stack_grad_batch(g, arrays, axis)"}),
    numpy_rules.sort_grad: rule("d, a, axis=-1", kinds=FRESH, jvp="linear",
                                d="sort_tangent(g, a, axis)",
                                batch={"d": "sort_grad_batch(g, a, axis)"}),
    # g times a mask piecewise constant in a and the bounds: its own adjoint
    numpy_rules.clip_grad: rule("d, a, a_min, a_max", kinds=FRESH, jvp="linear",
                                d="clip_grad(g, a, a_min, a_max)",
                                batch={"d": "clip_grad(lift(g, ans), a, a_min, a_max)"}),
    numpy_rules.clip_grad_min: rule("d, a, a_min, a_max", kinds=FRESH, jvp="linear",
                                    d="clip_grad_min(g, a, a_min, a_max)",
                                    batch={"d": "clip_grad_min(lift(g, ans), a, a_min, a_max)"}),
    numpy_rules.clip_grad_max: rule("d, a, a_min, a_max", kinds=FRESH, jvp="linear",
                                    d="clip_grad_max(g, a, a_min, a_max)",
                                    batch={"d": "clip_grad_max(lift(g, ans), a, a_min, a_max)"}),
    numpy_rules.sinc_grad: rule("d, x", broadcast=True, kinds=("elementwise",),
                                jvp={"d": "sinc_grad(g, x)", "x": "sinc_grad_x(g, d, x)"},
                                d="sinc_grad(g, x)", x="sinc_grad_x(g, d, x)"),
    shape_rules.tile_grad: rule("d, A, reps", kinds=FRESH, jvp="linear",
                                d="tile_grad_transpose(g, d, reps)",
                                batch={"d": "tile_grad_batch(g, A, reps)"}),
    shape_rules.repeat_grad: rule("d, a, repeats, axis=None", kinds=FRESH, jvp="linear",
                                  d="repeat_grad_transpose(g, d, repeats, axis)"),
    shape_rules.pad_grad: rule("d, array, pad_width, mode='constant'", kinds=FRESH,
                               jvp="linear", d="pad_grad_transpose(g, d, pad_width, mode)"),
    linear_algebra.diag_grad: rule("d, v, k=0", kinds=FRESH, jvp="linear",
                                   d="diag_grad_transpose(g, d, k)"),
    # linear in d: one triangle kept (its own transpose), the trace's diagonal, np.take's
    # scatter-add (whose transpose is np.take); the other parameters are not differentiated
    shape_rules.tri_grad: rule("d, m, k, upper", kinds=FRESH, jvp="linear",
                               d="tri_grad_transpose(g, d, k, upper)",
                               batch={"d": "tri_grad_batch(g, m, k, upper)"}),
    # linear in d and in the operand other than `wrt` (np.kron's gradient contracts d with
    # it); operand `wrt` is read for its shape only
    linear_algebra.kron_grad: rule(
        "d, a, b, wrt", kinds=FRESH,
        jvp={"d": "kron_grad(g, a, b, wrt)", "a": "kron_grad_tangent(g, d, a, b, wrt, 'a')",
             "b": "kron_grad_tangent(g, d, a, b, wrt, 'b')"},
        d="kron_grad_adjoint_d(g, d, a, b, wrt)",
        a="kron_grad_adjoint_operand(g, d, a, b, wrt, 'a')",
        b="kron_grad_adjoint_operand(g, d, a, b, wrt, 'b')"),
    linear_algebra.trace_grad: rule("d, a, made, offset=0, axis1=0, axis2=1", kinds=FRESH,
                                    jvp="linear",
                                    d="trace_grad_transpose(g, d, made, offset, axis1, axis2)"),
    numpy_rules.diff_grad: rule(
        "d, a, n=1, axis=-1, prepend=None, append=None, wrt='a'", kinds=FRESH, jvp="linear",
        d="diff_grad_transpose(g, d, a, n, axis, prepend, append, wrt)"),
    # (np.median, np.quantile, np.percentile: a read for its order only)
    reductions.quantile_grad: rule(
        "d, a, q, axis=None, keepdims=False, method='linear', scale=1.0", kinds=FRESH,
        jvp="linear", d="quantile_grad_transpose(g, d, a, q, axis, keepdims, method, scale)"),
    linear_algebra.diagonal_grad: rule(
        "d, a, offset=0, axis1=0, axis2=1", kinds=FRESH, jvp="linear",
        d="diagonal_grad_transpose(g, d, offset, axis1, axis2)"),
    shape_rules.take_grad: rule("d, a, indices, axis=None, mode='raise'", kinds=FRESH,
                                jvp="linear",
                                d="take_grad_transpose(g, d, indices, axis, mode)"),
    # bilinear in the gradient d and a (a centred): the same call on each tangent
    reductions.var_grad: rule(
        "d, a, axis=None, ddof=0, keepdims=False", kinds=FRESH, jvp="bilinear",
        d="var_grad_adjoint_d(g, d, a, axis, ddof, keepdims)",
        a="var_grad_adjoint_a(g, d, a, axis, ddof, keepdims)"),
    # linear in d and in a (centred), and d / ans (the parameter `deviation`: `ans` in a
    # template is the rule's own result)
    reductions.std_grad: rule(
        "d, a, deviation, axis=None, ddof=0, keepdims=False", kinds=FRESH,
        jvp={"d": "std_grad(g, a, deviation, axis, ddof, keepdims)",
             "a": "std_grad(d, g, deviation, axis, ddof, keepdims)",
             "deviation": "std_grad_tangent_ans(g, d, a, deviation, axis, ddof, keepdims)"},
        d="std_grad_adjoint_d(g, d, a, deviation, axis, ddof, keepdims)",
        a="std_grad_adjoint_a(g, d, a, deviation, axis, ddof, keepdims)",
        deviation="std_grad_adjoint_ans(g, d, a, deviation, axis, ddof, keepdims)"),
    # -(T d T) with T = inverse^T: linear in d, quadratic in the inverse (`ans` in a
    # template is the rule's own result, so the parameter is `inverse`)
    linear_algebra.inv_grad: rule(
        "d, inverse", kinds=FRESH,
        jvp={"d": "inv_grad(g, inverse)",
             "inverse": "inv_grad_tangent_inverse(g, d, inverse)"},
        d="inv_grad_adjoint_d(g, inverse)", inverse="inv_grad_adjoint_inverse(g, d, inverse)"),
    # bilinear in d and the operand other than k; operand k is read for its shape only
    linear_algebra.tensordot_grad: rule(
        "d, k, a, b, axes=2", kinds=FRESH,
        jvp={"d": "tensordot_grad(g, k, a, b, axes)",
             "a": "tensordot_grad_tangent(g, d, k, a, b, axes, 0)",
             "b": "tensordot_grad_tangent(g, d, k, a, b, axes, 1)"},
        d="tensordot_grad_adjoint_d(g, k, a, b, axes)",
        a="tensordot_grad_adjoint_operand(g, d, k, a, b, axes, 0)",
        b="tensordot_grad_adjoint_operand(g, d, k, a, b, axes, 1)"),
    # linear in d for every norm; for the 2-norm and the Frobenius norm, D x / N: linear in
    # x, and in 1 / N (the parameter `norm`: `ans` in a template is the rule's own result)
    reductions.norm_grad: rule(
        "d, x, norm, ord=None, axis=None, keepdims=False", kinds=FRESH,
        jvp={"d": "norm_grad(g, x, norm, ord, axis, keepdims)",
             "x": "norm_grad_tangent_x(g, d, x, norm, ord, axis, keepdims)",
             "norm": "norm_grad_tangent_norm(g, d, x, norm, ord, axis, keepdims)"},
        d="norm_grad_adjoint_d(g, d, x, norm, ord, axis, keepdims)",
        x="norm_grad_adjoint_x(g, d, x, norm, ord, axis, keepdims)",
        norm="norm_grad_adjoint_norm(g, d, x, norm, ord, axis, keepdims)"),
    # linear in d; for an a without zeros, R(d, ans) / a: linear in ans, and in 1 / a
    # (the parameter `made`: `ans` in a template is the rule's own result)
    reductions.cumprod_grad: rule(
        "d, a, made, axis=None", kinds=FRESH,
        jvp={"d": "cumprod_grad(g, a, made, axis)",
             "a": "cumprod_grad_tangent_a(g, d, a, made, axis)",
             "made": "cumprod_grad_tangent_ans(g, d, a, made, axis)"},
        d="cumprod_grad_adjoint_d(g, d, a, made, axis)",
        a="cumprod_grad_adjoint_a(g, d, a, made, axis)",
        made="cumprod_grad_adjoint_ans(g, d, a, made, axis)"),
    runtime.as_grad: rule("d, x", kinds=VIEW, jvp="linear", d="summed_to(g, d)",
                          batch={"d": "as_grad_batch(g, d, x)"}),
    runtime.owned: rule("d", kinds=FRESH, jvp="linear", d="g", batch={"d": "owned(g)"}),
    # np.asarray that keeps other libraries' arrays: np.asarray's rule
    runtime.as_array: rule("x", kinds=VIEW, x="array_grad(g, x, ans)",
                           jvp={"x": "array_tangent(g, ans, x)"}),
    # the reversed cumulative sum of d (along axis, or of its flattening): its transpose is
    # the cumulative sum of g the other way
    reductions.cumsum_grad: rule(
        "d, a, axis=None", kinds=FRESH, jvp="linear",
        d="np.reshape(np.cumsum(np.ravel(g)), np.shape(d)) if axis is None "
          "else np.cumsum(g, axis=axis)", batch={"d": "cumsum_grad_batch(g, a, axis)"}),
    runtime.unbroadcast: rule("d, x", kinds=VIEW, jvp="linear", d="spread_to(g, d)",
                              batch={"d": "unbroadcast_batch(g, x)"}),
    runtime.unbroadcast_to: rule("d, recorded", kinds=VIEW, jvp="linear",
                                 d="spread_to(g, d)",
                                 batch={"d": "unbroadcast_to_batch(g, recorded)"}),
    runtime.add_grads: rule("a, b", kinds=VIEW, jvp="linear",
                            a="summed_to(g, a)", b="summed_to(g, b)",
                            batch={"a": "spread_batch(g, ans)", "b": "spread_batch(g, ans)",
                                   "+": "add_batches"}),
    runtime.pick_grad: rule("d, values, picked", kinds=FRESH, jvp="linear",  # (ans: its result)
                            d="pick_grad_adjoint(g, values, picked)"),
    runtime.sum_grad: rule("d, values", kinds=VIEW, jvp="linear", d="summed_to(g, d)",
                           batch={"d": "sum_grad_batch(g, values)"}),
    runtime.accum_index: rule("d, x, idx, v", kinds=WRITES_FIRST, jvp="linear",
                              d="accum_index_adjoint_d(g, d)",
                              v="accum_index_adjoint_v(g, idx, v)",
                              batch={"d": "accum_index_batch_d(g, d, x)",
                                     "v": "accum_index_batch_v(g, x, idx, v)"}),
    # the gradients of `a * b` where an operand may be a list (methods.py's rule of *)
    runtime.replicate_grad: rule(
        "d, a, b, side", kinds=FRESH,
        jvp={"d": "replicate_grad(g, a, b, side)",
             "a": "replicate_grad_tangent(g, d, a, b, side, 0)",
             "b": "replicate_grad_tangent(g, d, a, b, side, 1)"},
        d="replicate_grad_adjoint_d(g, d, a, b, side)",
        a="replicate_grad_adjoint_operand(g, d, a, b, side, 0)",
        b="replicate_grad_adjoint_operand(g, d, a, b, side, 1)"),
    runtime.item_grad: rule("d, i", kinds=VIEW, jvp="linear", d="item_grad_adjoint(g, d, i)",
                            batch={"d": "item_grad_batch(g, d, i)"}),
    # the value a write `x[idx] = v` overwrites: a copy of an array's slot, a list's or
    # dict's element object itself (the write replaces it, never changes it)
    runtime.save_slot: rule("x, idx", kinds=FRESH, jvp="linear",
                            x="read_slot_adjoint(g, x, idx)"),
    runtime.save_float_slot: rule("x, idx", kinds=FRESH, jvp="linear",
                                  x="read_slot_adjoint(g, x, idx)"),
    runtime.take_slot_grad: rule("d, idx", kinds=(*WRITES_FIRST, "takes-out"), jvp="linear",
                                 d="take_slot_grad_adjoint(g, d, idx)",
                                 batch={"d": "take_slot_grad_batch(g, d, idx)"}),
    # the adjoint of append and extend: (the last n elements' gradients, the rest), d
    # shortened in place; a tangent list (a batch of tangents per element) is split alike
    runtime.take_last_grads: rule("d, n, extended=False, values=None",
                                  kinds=(*WRITES_FIRST, "takes-out"), jvp="linear",
                                  d="take_last_grads_adjoint(g, n, extended, values)",
                                  batch={"d": "take_last_grads(g, n, extended)"}),
    support.unreduce: rule("d, x, axis=None, keepdims=False", kinds=FRESH, jvp="linear",
                           d="unreduce_transpose(g, d, axis, keepdims)",
                           batch={"d": "unreduce_batch(g, x, axis, keepdims)"}),
    reductions.unreduce_mean: rule(
        "d, x, result, axis=None, keepdims=False", kinds=FRESH, jvp="linear",
        d="unreduce_transpose(g, d, axis, keepdims, np.size(result) / np.size(x))",
        batch={"d": "unreduce_batch(g, x, axis, keepdims, np.size(result) / np.size(x))"}),
    reductions.unreduce_extreme: rule(
        "d, x, result, axis=None, keepdims=False", kinds=FRESH, jvp="linear",
        d="unreduce_extreme_transpose(g, d, x, result, axis, keepdims)"),
    support.expand_reduced: rule("d, x, axis=None, keepdims=False", kinds=VIEW, jvp="linear",
                                 d="reshape_like(g, d)",
                                 batch={"d": "expand_reduced_batch(g, x, axis, keepdims)"}),
    support.reshape_like: rule("d, a", kinds=VIEW, jvp="linear", d="reshape_like(g, d)",
                               batch={"d": "reshape_batch_to(g, np.shape(a))"}),
    support.reshape_to: rule("d, recorded", kinds=VIEW, jvp="linear", d="reshape_like(g, d)",
                             batch={"d": "reshape_batch_to(g, np.shape(recorded[0]) if "
                                         "recorded.__class__ is list else recorded)"}),
    support.matmul_grad_a: rule("d, a, b", kinds=FRESH, jvp="bilinear",
                                d="matmul_grad_a_adjoint_d(g, d, b)",
                                b="matmul_grad_a_adjoint_b(g, d, b)",
                                batch={"d": "matmul_grad_a_batch(g, a, b)"}),
    support.matmul_grad_b: rule("d, a, b", kinds=FRESH, jvp="bilinear",
                                d="matmul_grad_b_adjoint_d(g, d, a)",
                                a="matmul_grad_b_adjoint_a(g, d, a)",
                                batch={"d": "matmul_grad_b_batch(g, a, b)"}),
    # the sums a loop's adjoint defers (derive/loop_optimizations.py): lists of pairs
    support.sum_matmul_grad_a: rule(
        "parts, a", kinds=FRESH, jvp={"parts": "sum_matmul_grad_tangent(sum_matmul_grad_a, "
                                      "parts, g, a)"},
        parts="sum_matmul_grad_a_adjoint(g, parts)"),
    support.sum_matmul_grad_b: rule(
        "parts, b", kinds=FRESH, jvp={"parts": "sum_matmul_grad_tangent(sum_matmul_grad_b, "
                                      "parts, g, b)"},
        parts="sum_matmul_grad_b_adjoint(g, parts)"),
    # for a complex x, abs_grad varies with x too
    support.abs_grad: rule("d, x", kinds=FRESH,
                           jvp={"d": "abs_grad(g, x)", "x": "abs_grad_tangent_x(g, d, x)"},
                           d="abs_grad_transpose(g, d, x)", x="abs_grad_adjoint_x(g, d, x)"),
    numpy_rules.real_grad: rule("d, x", kinds=FRESH, jvp="linear",
                                d="real_grad_transpose(g, d, x)"),
    shape_rules.hstack_grad: rule("d, tup", kinds=FRESH, jvp="linear",
                                  d="stacked_grad_transpose(g, d, tup, np.hstack)"),
    shape_rules.vstack_grad: rule("d, tup", kinds=FRESH, jvp="linear",
                                  d="stacked_grad_transpose(g, d, tup, np.vstack)"),
    # d made log(a) (`made`: the power's result)
    support.pow_grad_exponent: rule(
        "d, a, made", broadcast=True, kinds=("elementwise",),
        jvp={"d": "pow_grad_exponent(g, a, made)", "a": "pow_grad_exponent_base(g, d, a, made)",
             "made": "pow_grad_exponent_made(g, d, a, made)"},
        d="pow_grad_exponent(g, a, made)", a="pow_grad_exponent_base(g, d, a, made)",
        made="pow_grad_exponent_made(g, d, a, made)"),
    # n / d: linear in n; in d, -n / d**2 (with grad_over's zeros: no 0 * inf formed)
    support.grad_over: rule("n, d", broadcast=True, kinds=("elementwise",),
                            n="grad_over(g, d)", d="-grad_over(g * n, d * d)"),
    support.pow_grad_base: rule(
        "d, a, b", broadcast=True, kinds=("elementwise",),
        jvp={"d": "pow_grad_base(g, a, b)", "a": "pow_grad_base_base(g, d, a, b)",
             "b": "pow_grad_base_exponent(g, d, a, b)"},
        d="pow_grad_base(g, a, b)", a="pow_grad_base_base(g, d, a, b)",
        b="pow_grad_base_exponent(g, d, a, b)"),
    # the gradients of rearrangements (np.flip, np.roll, np.swapaxes, ...) and of np.outer
    # and sums with where= / np.nansum: linear in the gradient they are given
    shape_rules.reshape_grad: rule("d, a, order='C'", kinds=VIEW, jvp="linear",
                                   d="reshape_grad_transpose(g, d, a, order)",
                                   batch={"d": "reshape_grad_batch(g, a, order)"}),
    support.map_grad: rule("fn, d, first=..., second=..., third=...", kinds=FRESH,
                           jvp="linear",
                           d="map_grad_transpose(g, fn, d, first, second, third)",
                           batch={"d": "map_grad_batch(g, fn, d, first, second, third)"}),
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
    tangent_support.sum_tangent: rule("a, axis=None, dtype=None, *, keepdims=False",
                                      kinds=("fresh", "reduction"), jvp="linear",
                                      a="unreduce(g, a, axis, keepdims)"),
    tangent_support.mean_tangent: rule(
        "a, axis=None, dtype=None, *, keepdims=False", kinds=("fresh", "reduction"),
        jvp="linear", a="unreduce_mean(g, a, ans, axis, keepdims)"),
    tangent_support.reduce_tangent: rule(
        "weight, t, axis=None, keepdims=False, real=False", kinds=FRESH, jvp="bilinear",
        weight="reduce_tangent_adjoint(g, weight, t, axis, keepdims, 0, real)",
        t="reduce_tangent_adjoint(g, weight, t, axis, keepdims, 1, real)"),
}

FUNCTIONS = (summed_to, spread_to, unreduce_transpose, unreduce_extreme_transpose,
             matmul_grad_a_adjoint_d, matmul_grad_a_adjoint_b, matmul_grad_b_adjoint_d,
             matmul_grad_b_adjoint_a, accum_index_adjoint_d, accum_index_adjoint_v,
             item_grad_adjoint, pick_grad_adjoint, read_slot_adjoint, take_slot_grad_adjoint,
             pow_grad_base_base,
             pow_grad_base_exponent, reduce_tangent_adjoint, sum_matmul_grad_tangent,
             add_zero, sum_matmul_grad_a_adjoint, sum_matmul_grad_b_adjoint,
             map_grad_transpose, reshape_grad_transpose, outer_grad_a_adjoint_d,
             outer_grad_a_adjoint_b, outer_grad_b_adjoint_d, outer_grad_b_adjoint_a,
             masked_sum_grad_transpose, unbroadcast_batch, unbroadcast_to_batch, spread_batch,
             add_batches,
             as_grad_batch, item_grad_batch, accum_index_batch_d, accum_index_batch_v,
             concatenate_grad_batch, concatenate_grad_transpose, cumsum_grad_batch,
             unreduce_batch, expand_reduced_batch, reshape_batch_to, matmul_grad_a_batch,
             matmul_grad_b_batch, sum_grad_batch, array_grad_transpose, array_grad_batch,
             stack_grad_transpose, stack_grad_batch, take_slot_grad_batch,
             reshape_grad_batch, map_grad_batch, sort_grad_batch, tile_grad_transpose,
             tile_grad_batch, repeat_grad_transpose, pad_grad_transpose, diag_grad_transpose,
             sinc_grad_x, var_grad_adjoint_d, var_grad_adjoint_a,
             std_grad_tangent_ans, std_grad_adjoint_d, std_grad_adjoint_a, std_grad_adjoint_ans,
             inv_grad_tangent_inverse, inv_grad_adjoint_d, inv_grad_adjoint_inverse,
             tensordot_grad_tangent, tensordot_grad_adjoint_d, tensordot_grad_adjoint_operand,
             norm_grad_tangent_x, norm_grad_tangent_norm, norm_grad_adjoint_d,
             norm_grad_adjoint_x, norm_grad_adjoint_norm, cumprod_grad_tangent_ans,
             cumprod_grad_tangent_a, cumprod_grad_adjoint_d, cumprod_grad_adjoint_ans,
             cumprod_grad_adjoint_a, tri_grad_transpose, tri_grad_batch, trace_grad_transpose,
             take_grad_transpose, diagonal_grad_transpose, diff_grad_transpose,
             quantile_grad_transpose, abs_grad_transpose, real_grad_transpose,
             pow_grad_exponent_base, pow_grad_exponent_made, stacked_grad_transpose,
             kron_grad_tangent, kron_grad_adjoint_d,
             kron_grad_adjoint_operand, replicate_grad_tangent, replicate_grad_adjoint_d,
             replicate_grad_adjoint_operand, abs_grad_tangent_x, abs_grad_adjoint_x,
             take_last_grads_adjoint)
# the helpers the templates above call, beside the rules (Rule.functions)
RULES = {f: replace(r, functions=tuple((h.__name__, h) for h in FUNCTIONS))
         for f, r in RULES.items()}

# results that carry no derivative: shapes, lengths, orders, zeros; and the checks,
# called for their effect: they read their arguments and raise ("reads-only")
NONDIFF = declare(runtime.record_shape, runtime.loop_len, runtime.sort_order,
                  runtime.index_of_min, runtime.index_of_max, tangent_support.zero_tangent,
                  tangent_support.tangent_buffer, runtime.result_seed,
                  runtime.result_seed_again) | declare(
    runtime.not_scalars, runtime.complex_to_math, runtime.check_scalar, runtime.check_bound,
    runtime.unpack_check, runtime.rebound, runtime.not_a_view, runtime.not_shared,
    runtime.slot_not_shared, runtime.list_not_kept, runtime.held_list,
    runtime.raise_own, runtime.integer_index, tangent_support.check_tangent,
    objects.operand_of_user_class,
    objects.operands_of_user_class, objects.objects_apart, kinds=("reads-only",))

# the gradient of a value stored as an object's attribute, taken off the object's
# gradient (derive/adjoints: obj.h = v): linear in d, the attribute's name constant
def take_attribute_grad_adjoint(g, d, name):
    """The transpose of take_attribute_grad(d, name) = (d[name], d with name at zero):
    the rest's gradient with name's replaced by the part's."""
    if _zero(g):
        return 0.0
    part, rest = g
    if rest.__class__ is float:
        if _zero(part):
            return 0.0
        raise PullbackError("a second reverse derivative through an attribute's gradient "
                            "taken off an object's gradient that holds no other: not "
                            "supported yet (use hvp)")
    out = runtime.GradRecord(rest)
    out.owner, out.where = getattr(rest, "owner", None), getattr(rest, "where", "")
    out[name] = part
    return out


RULES[objects.take_attribute_grad] = replace(
    rule("d, name", kinds=FRESH, jvp="linear", d="take_attribute_grad_adjoint(g, d, name)"),
    functions=(("take_attribute_grad_adjoint", take_attribute_grad_adjoint),))

# a record's view (derive/records.py `keep_recorded_views`), and its copy at second
# order: the identity
RULES[runtime.kept] = rule("value", kinds=VIEW, jvp="linear", value="g",
                           batch={"value": "kept(g)"})
# third order: summed_to, the adjoint of broadcasting in second-order code, is linear in
# d (a sum down to like's shape): its adjoint broadcasts back to d's shape, as
# unbroadcast's does (lists' and dicts' gradients refused there, by spread_to)
# (and spread_to, its transpose, the other way)
RULES[summed_to] = replace(rule("d, like", kinds=VIEW, jvp="linear", d="spread_to(g, d)"),
                           functions=RULES[runtime.kept].functions)
RULES[spread_to] = replace(rule("d, like", kinds=VIEW, jvp="linear", d="summed_to(g, d)"),
                           functions=RULES[runtime.kept].functions)


# Second order of np.linalg.norm's gradient for every norm it differentiates (the rule
# above takes the 2-norm and the Frobenius norm only). norm_grad(d, x, N) is D J(x, N)
# with J: the 2-norm's x / N; a vector p-norm's sign(x) (|x| / N)^(p-1); the nuclear
# norm's polar factor U V^T (of x = U S V^T, full rank), whose derivative in x is the
# symmetric map L below (it is the nuclear norm's Hessian); and for the vector 1-, inf-,
# -inf- and 0-norms and the matrix 1-, -1-, inf- and -inf-norms, a J constant in x and N
# away from ties and zeros (their derivatives there are zero); the matrix 2- and -2-norms'
# u_k v_k^T (one singular pair), whose derivative is the singular value's Hessian.

def _norm_case(d, x, norm, ord, axis, keepdims):
    """(x as an array, the reduced axes, D and N with those kept, the kind: "two",
    "p" (with p), "nuc" or "flat")."""
    x = np.asarray(x)
    _real_second_order("np.linalg.norm", d, x)
    axes = support._axes(axis, x.ndim)
    if axis is None and x.ndim > 2:
        ord = None
    D, N = _kept(d, x, axes, keepdims), _kept(norm, x, axes, keepdims)
    if ord is None or ord == "fro" or (ord == 2 and len(axes) == 1):
        return x, axes, D, N, ("two", None)
    if len(axes) == 1:
        if ord in (0, 1, np.inf, -np.inf):
            return x, axes, D, N, ("flat", None)
        return x, axes, D, N, ("p", float(ord))
    if ord == "nuc":
        return x, axes, D, N, ("nuc", None)
    if ord in (1, -1, np.inf, -np.inf):
        return x, axes, D, N, ("flat", None)
    if ord in (2, -2):
        return x, axes, D, N, ("singular", 0 if ord == 2 else -1)
    raise PullbackError(f"a second derivative through np.linalg.norm with ord={ord!r} of a "
                        "matrix: pullback differentiates the gradients of the other norms")


def _p_norm_curvature(x, N, p):
    """(p - 1) |x|^(p-2) / N^(p-1): the derivative of sign(x) (|x| / N)^(p-1) in x (0
    where N is 0)."""
    zero = N == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(zero, 0.0, (p - 1.0) * np.abs(x) ** (p - 2.0)
                        / np.where(zero, 1.0, N) ** (p - 1.0))


def _p_norm_slope(x, N, p):
    """-(p - 1) sign(x) |x|^(p-1) / N^p: the derivative of sign(x) (|x| / N)^(p-1) in N."""
    zero = N == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(zero, 0.0, -(p - 1.0) * np.sign(x) * np.abs(x) ** (p - 1.0)
                        / np.where(zero, 1.0, N) ** p)


def _polar_derivative(x, t, axes):
    """The derivative of the polar factor U V^T of x (x = U S V^T, over the two `axes`)
    along t: U Ω V^T with Ω = (M - M^T) / (s_i + s_j), M = U^T t V, plus for a tall x
    (I - U U^T) t V S^-1 V^T, for a wide one U S^-1 U^T t (I - V V^T). Symmetric in
    (t, its adjoint), as a Hessian is."""
    row, col = axes
    xm = np.moveaxis(x, (row, col), (-2, -1))
    tm = np.moveaxis(np.broadcast_to(t, x.shape), (row, col), (-2, -1))
    u, s, vt = np.linalg.svd(xm, full_matrices=False)
    if np.any(s <= 0):
        raise PullbackError("a second derivative through np.linalg.norm(..., 'nuc') of a "
                            "matrix without full rank: its gradient has no derivative there")
    v = np.swapaxes(vt, -1, -2)
    ut = np.swapaxes(u, -1, -2)
    M = ut @ tm @ v
    omega = (M - np.swapaxes(M, -1, -2)) / (s[..., :, None] + s[..., None, :])
    out = u @ omega @ vt
    m, n = xm.shape[-2:]
    if m > n:
        out = out + (tm - u @ (ut @ tm)) @ (v / s[..., None, :]) @ vt
    elif m < n:
        out = out + (u / s[..., None, :]) @ ut @ (tm - (tm @ v) @ vt)
    return np.moveaxis(out, (-2, -1), (row, col))


def _singular_pair_derivative(x, t, axes, k):
    """The derivative of u_k v_k^T (the matrix 2-norm's gradient for k = 0, the -2-norm's
    for k = -1; x = U S V^T over the two `axes`, thin) along t. With M = U^T t V and s the
    singular values, u_k moves by U a + (I - U U^T) t v_k / s_k and v_k by V b + (I - V
    V^T) t^T u_k / s_k, where for j != k a_j = (s_k M_jk + s_j M_kj) / (s_k^2 - s_j^2),
    b_j = (s_j M_jk + s_k M_kj) / (s_k^2 - s_j^2) and a_k = b_k = 0 (from x v = s u, x^T u
    = s v and |u| = |v| = 1). The map is the Hessian of s_k, so it is its own adjoint.
    Refused where s_k is repeated, or is zero beside a complement (no derivative there)."""
    row, col = axes
    xm = np.moveaxis(x, (row, col), (-2, -1))
    tm = np.moveaxis(np.broadcast_to(t, x.shape), (row, col), (-2, -1))
    u, s, vt = np.linalg.svd(xm, full_matrices=False)
    m, n = xm.shape[-2:]
    r = s.shape[-1]
    k = k % r
    sk = s[..., k:k + 1]
    others = np.delete(s, k, axis=-1)
    gap = np.min(np.abs(others - sk), axis=-1, initial=np.inf)
    scale = np.max(s, axis=-1, initial=0.0)
    if np.any(gap <= 1e-12 * scale) or (m != n and np.any(sk <= 1e-12 * scale[..., None])):
        raise PullbackError(f"a second derivative through np.linalg.norm with ord="
                            f"{2 if k == 0 else -2} of a matrix whose singular value there "
                            "is repeated or zero: its gradient has no derivative there")
    v = np.swapaxes(vt, -1, -2)
    ut = np.swapaxes(u, -1, -2)
    uk, vk = u[..., :, k:k + 1], v[..., :, k:k + 1]
    M = ut @ tm @ v
    col_k, row_k = M[..., :, k], M[..., k, :]  # M_jk and M_kj over j
    with np.errstate(divide="ignore", invalid="ignore"):
        denominator = sk ** 2 - s ** 2
        a = np.where(np.arange(r) == k, 0.0, (sk * col_k + s * row_k) / denominator)
        b = np.where(np.arange(r) == k, 0.0, (s * col_k + sk * row_k) / denominator)
    du = u @ a[..., None]
    dv = v @ b[..., None]
    if m > r:
        tv = tm @ vk
        du = du + (tv - u @ (ut @ tv)) / sk[..., None]
    if n > r:
        tu = np.swapaxes(tm, -1, -2) @ uk
        dv = dv + (tu - v @ (vt @ tu)) / sk[..., None]
    out = du @ np.swapaxes(vk, -1, -2) + uk @ np.swapaxes(dv, -1, -2)
    return np.moveaxis(out, (-2, -1), (row, col))


def any_norm_grad_tangent_x(t, d, x, norm, ord=None, axis=None, keepdims=False):
    if _zero(t) or _zero(d):
        return 0.0
    x, axes, D, N, (kind, p) = _norm_case(d, x, norm, ord, axis, keepdims)
    if kind == "two":
        return norm_grad_tangent_x(t, d, x, norm, ord, axis, keepdims)
    if kind == "p":
        return D * _p_norm_curvature(x, N, p) * t
    if kind == "nuc":
        return D * _polar_derivative(x, t, axes)
    if kind == "singular":
        return D * _singular_pair_derivative(x, t, axes, p)
    return np.zeros(x.shape)


def any_norm_grad_tangent_norm(t, d, x, norm, ord=None, axis=None, keepdims=False):
    if _zero(t) or _zero(d):
        return 0.0
    x, axes, D, N, (kind, p) = _norm_case(d, x, norm, ord, axis, keepdims)
    if kind == "two":
        return norm_grad_tangent_norm(t, d, x, norm, ord, axis, keepdims)
    if kind == "p":
        return D * _p_norm_slope(x, N, p) * _kept(t, x, axes, keepdims)
    return np.zeros(x.shape)


def any_norm_grad_adjoint_d(g, d, x, norm, ord=None, axis=None, keepdims=False):
    """<g, J> over the reduced axes, in d's shape (J: norm_grad of a gradient of ones)."""
    if _zero(g):
        return 0.0
    x, axes, D, N, (kind, p) = _norm_case(d, x, norm, ord, axis, keepdims)
    if kind == "two":
        return norm_grad_adjoint_d(g, d, x, norm, ord, axis, keepdims)
    J = reductions.norm_grad(np.ones(np.shape(norm)), x, norm, ord, axis, keepdims)
    return runtime.unbroadcast(np.sum(g * J, axis=axes, keepdims=keepdims), d)


def any_norm_grad_adjoint_x(g, d, x, norm, ord=None, axis=None, keepdims=False):
    if _zero(g) or _zero(d):
        return 0.0
    x, axes, D, N, (kind, p) = _norm_case(d, x, norm, ord, axis, keepdims)
    if kind == "two":
        return norm_grad_adjoint_x(g, d, x, norm, ord, axis, keepdims)
    if kind == "p":
        return runtime.unbroadcast(D * _p_norm_curvature(x, N, p) * g, x)
    if kind == "nuc":
        return D * _polar_derivative(x, g, axes)
    if kind == "singular":
        return D * _singular_pair_derivative(x, g, axes, p)
    return np.zeros(x.shape)


def any_norm_grad_adjoint_norm(g, d, x, norm, ord=None, axis=None, keepdims=False):
    if _zero(g) or _zero(d):
        return 0.0
    x, axes, D, N, (kind, p) = _norm_case(d, x, norm, ord, axis, keepdims)
    if kind == "two":
        return norm_grad_adjoint_norm(g, d, x, norm, ord, axis, keepdims)
    if kind == "p":
        return runtime.unbroadcast(np.sum(g * D * _p_norm_slope(x, N, p), axis=axes,
                                          keepdims=keepdims), norm)
    return runtime.unbroadcast(np.zeros(np.shape(norm)), norm)


RULES[reductions.norm_grad] = replace(rule(
    "d, x, norm, ord=None, axis=None, keepdims=False", kinds=FRESH,
    jvp={"d": "norm_grad(g, x, norm, ord, axis, keepdims)",
         "x": "any_norm_grad_tangent_x(g, d, x, norm, ord, axis, keepdims)",
         "norm": "any_norm_grad_tangent_norm(g, d, x, norm, ord, axis, keepdims)"},
    d="any_norm_grad_adjoint_d(g, d, x, norm, ord, axis, keepdims)",
    x="any_norm_grad_adjoint_x(g, d, x, norm, ord, axis, keepdims)",
    norm="any_norm_grad_adjoint_norm(g, d, x, norm, ord, axis, keepdims)"),
    functions=tuple((h.__name__, h) for h in (
        *FUNCTIONS, any_norm_grad_tangent_x, any_norm_grad_tangent_norm,
        any_norm_grad_adjoint_d, any_norm_grad_adjoint_x, any_norm_grad_adjoint_norm)))


# The list updates of a generated gradient, second order: pop(i)'s adjoint gives the slot
# back (`pop_grad`, then `values.insert(popped_at(values, i), popped)`); insert(i, v)'s
# takes the element's gradient out (`take_inserted_grad`, then `values.pop(inserted_at(
# values, i))`). Each is linear in the list's gradient d; its adjoint undoes the slot
# (values is the list as it was at the call: reverse over reverse undoes the list's later
# updates first).

def pop_grad_adjoint(g, values, i):
    """pop_grad(d, values, i) puts a zero slot into d where values.pop(i) took its element
    from: its adjoint takes that slot out of g."""
    if _zero(g):
        return 0.0
    if isinstance(values, dict):  # the key goes (pop_grad put it back, last)
        return {k: v for k, v in g.items() if k != i} if isinstance(g, dict) else g
    g = list(runtime.list_grad(g))
    del g[runtime.popped_at(values, i)]
    return runtime.GradList(g)


def take_inserted_grad_adjoint(g, values, i):
    """take_inserted_grad(d, values, i) splits d into (the inserted element's gradient,
    the rest's): the adjoint puts the first back into the second at its place (the rest
    the known zero: one zero per element of values but the inserted one)."""
    taken, rest = runtime.item_grad(g, 0), runtime.item_grad(g, 1)
    if _zero(taken) and _zero(rest):
        return 0.0
    out = runtime.GradList([0.0] * (len(values) - 1) if rest.__class__ is float else rest)
    out.insert(runtime.inserted_at(values, i), taken)
    return out


_LIST_UPDATE_FUNCTIONS = tuple((h.__name__, h) for h in (
    *FUNCTIONS, pop_grad_adjoint, take_inserted_grad_adjoint))
RULES[runtime.pop_grad] = replace(rule(
    "d, values, i", kinds=WRITES_FIRST, jvp="linear", d="pop_grad_adjoint(g, values, i)",
    batch={"d": "pop_grad(g, values, i)"}), functions=_LIST_UPDATE_FUNCTIONS)
RULES[runtime.take_inserted_grad] = replace(rule(
    "d, values, i", kinds=(*WRITES_FIRST, "takes-out"), jvp="linear",
    d="take_inserted_grad_adjoint(g, values, i)",
    batch={"d": "take_inserted_grad(g, values, i)"}), functions=_LIST_UPDATE_FUNCTIONS)
NONDIFF = NONDIFF | declare(runtime.popped_at, runtime.inserted_at)


def extended_grad_adjoint(g, values):
    """extended_grad(d, values) stacks a list's gradient d into an array's: the adjoint
    splits g back into one gradient per element."""
    if _zero(g):
        return 0.0
    if isinstance(values, np.ndarray) and isinstance(g, np.ndarray):
        return runtime.GradList(g[i] for i in range(len(g)))
    return g


def extended_grad_batch(g, values):
    """extended_grad for a batch of tangents (each element's with the batch axis first):
    the array's, batch axis first."""
    if not (isinstance(values, np.ndarray) and isinstance(g, list)):
        return g
    sizes = [np.shape(e)[0] for e in g if np.ndim(e) == values.ndim]
    if not sizes:
        return 0.0  # every element's tangent the known zero
    out = np.zeros((sizes[0],) + values.shape, dtype=np.result_type(values, float))
    for i, e in enumerate(g):
        out[:, i] = e
    return out


RULES[runtime.extended_grad] = replace(rule(
    "d, values", kinds=FRESH, jvp="linear", d="extended_grad_adjoint(g, values)",
    batch={"d": "extended_grad_batch(g, values)"}), functions=tuple(
        (h.__name__, h) for h in (*FUNCTIONS, extended_grad_adjoint, extended_grad_batch)))


# A dict slot write undone in generated code differentiated again (api's
# `_slots_restored_spelled_out`): `dd = without_slot(dd, k)` drops the key the write
# added from the gradient; linear in dd, its adjoint puts a zero slot back.

def without_slot_adjoint(g, idx):
    if isinstance(g, dict):
        return {**g, idx: 0.0}
    return g


RULES[runtime.without_slot] = replace(rule(
    "d, idx", kinds=WRITES_FIRST, jvp="linear", d="without_slot_adjoint(g, idx)",
    batch={"d": "without_slot(g, idx)"}), functions=(
        *_LIST_UPDATE_FUNCTIONS, ("without_slot_adjoint", without_slot_adjoint)))
NONDIFF = NONDIFF | declare(runtime.slot_added, runtime.errstate_of)


# the copy a record keeps of a view, in a generated gradient differentiated again (api's
# `_views_copied`: `kept(v)` read as `kept_copy(v)`): the identity, a new array
RULES[runtime.kept_copy] = rule("value", kinds=FRESH, jvp="linear", value="g",
                                batch={"value": "kept_copy(g)"})
