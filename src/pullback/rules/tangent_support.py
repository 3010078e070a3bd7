"""Helpers the forward-mode (tangent) code calls: zero tangents shaped like their values,
tangents brought to their value's shape, reductions' tangents, and the tangents several
rules share (abs, picking an element); a tangent helper of one family lives beside its
rules (`rules.linear_algebra`'s det_tangent, ...).

Guarantees: a tangent has its value's structure (a float for a number, a float or complex
array of the value's shape for an array, a list, tuple or dict of tangents for one of
values); `zero_tangent` makes one for any value that does not depend on the inputs.

Vector mode (`jvp(f, batched=True)`): a batch of k tangents travels together, each
array of them with a leading batch axis: a number's tangents are an array of shape (k,),
an array's of shape (k,) + its shape, a container's a container of batched tangents.
The helpers ending in `_batch` keep that layout: `lift` puts an operand's tangents in
its result's rank (batch axis first, then the axes it broadcast along), `each_tangent`
runs a rule's one-tangent template once per tangent of the batch and stacks the results
(right for any template; rules with a batch-aware template skip it).
"""

from __future__ import annotations

import copy

import numpy as np

from ..errors import PullbackError
from ..runtime.helpers import _refuse_own_operators
from .support import truncated


def zero_tangent(x):
    """The tangent of a value that does not vary: zeros with x's structure (None for
    None: a linear function's tangent is the same call on the tangents, and None there
    is an option not given, as np.diff's prepend=None, never the number 0)."""
    if x is None:
        return None
    if x.__class__ is np.ndarray:
        return np.zeros(x.shape, dtype=complex if x.dtype.kind == "c" else float)
    if isinstance(x, list):
        return [zero_tangent(v) for v in x]
    if isinstance(x, tuple):
        return tuple(zero_tangent(v) for v in x)
    if isinstance(x, dict):
        return {k: zero_tangent(v) for k, v in x.items()}
    return 0.0


def tangent_buffer(x):
    """A writable zero tangent for `x`, an array or container the function writes values
    being differentiated into: only a float (or complex) array keeps them."""
    if x.__class__ is np.ndarray and x.dtype.kind not in "fc":
        raise PullbackError(
            f"a value being differentiated is written into an array of dtype {x.dtype}, "
            "which truncates it; create the array with a float dtype")
    return zero_tangent(x)


def broadcast_tangent(t, ans):
    """Tangent t brought to the shape of the array `ans` (an operand that broadcast)."""
    if ans.__class__ is float and t.__class__ is float:  # numbers: most calls, in loops
        return t
    shape = np.shape(ans)
    if t.__class__ is np.ndarray and t.shape == shape or not shape and np.ndim(t) == 0:
        return t
    return np.broadcast_to(t, shape)


def as_tangent(t, out, where=""):
    """The tangent of the result `out`, in the user's terms: a float for a number, an
    array of out's shape for an array (a new one, never an input tangent's broadcast
    view), a container of tangents for a container. A result that is not a number
    (None, a bool, a string) has no tangent: PullbackError, saying where f returns."""
    if isinstance(out, (list, tuple)):
        ts = t if isinstance(t, (list, tuple)) else [t] * len(out)
        made = [as_tangent(ti, oi, where) for ti, oi in zip(ts, out, strict=True)]
        if hasattr(out, "_fields"):  # a NamedTuple: a tangent of its class
            return type(out)(*made)
        return tuple(made) if isinstance(out, tuple) else made
    if isinstance(out, dict):
        return {k: as_tangent(t[k] if isinstance(t, dict) else t, v, where)
                for k, v in out.items()}
    if isinstance(out, np.ndarray):
        if out.dtype.kind not in "fciu":
            raise PullbackError(f"f returns an array of dtype {out.dtype}, which has no "
                                f"derivative" + (f"\n  {where}" if where else ""))
        if t.__class__ is np.ndarray and t.shape == out.shape and t.flags.writeable:
            return t
        dtype = complex if np.iscomplexobj(t) or out.dtype.kind == "c" else float
        return np.array(np.broadcast_to(t, out.shape), dtype=dtype)
    if type(t) is type(out) and hasattr(out, "__dict__") and not isinstance(
            out, (int, float, complex, np.number)):  # an object's tangent (a gradient's)
        made = copy.copy(t)
        for k, v in vars(out).items():  # (None where the gradient has no part: kept)
            if v is not None and not isinstance(v, (bool, np.bool_, str)):
                setattr(made, k, as_tangent(getattr(t, k, 0.0), v, where))
        return made
    if out is None or isinstance(out, (bool, np.bool_)) or not isinstance(
            out, (int, float, complex, np.number)):
        raise PullbackError(f"f returns {type(out).__name__} {out!r:.60}, which has no "
                            f"derivative" + (f"\n  {where}" if where else ""))
    if isinstance(t, np.ndarray) and t.ndim == 0:
        return t[()]
    return t


def check_tangent(t, x, name):
    """A tangent given for parameter `name` must have its structure and shape."""
    if t.__class__ is np.ndarray and x.__class__ is np.ndarray and t.shape == x.shape:
        return  # the common case, at once
    if isinstance(x, (list, tuple)):
        if x.__class__ is not list and x.__class__ is not tuple:
            _refuse_own_operators(x)  # a NamedTuple with its own +: not differentiated
        if not isinstance(t, (list, tuple)) or len(t) != len(x):
            raise PullbackError(f"the tangent for {name} must be a sequence of {len(x)} "
                                f"tangents, like {name}; got {_described(t)}")
        for i, (ti, xi) in enumerate(zip(t, x)):
            check_tangent(ti, xi, f"{name}[{i}]")
        return
    if isinstance(x, dict):
        if not isinstance(t, dict) or set(t) != set(x):
            raise PullbackError(f"the tangent for {name} must be a dict with {name}'s keys; "
                                f"got {_described(t)}")
        for k in x:
            check_tangent(t[k], x[k], f"{name}[{k!r}]")
        return
    if hasattr(x, "__dict__") and type(x).__module__ not in ("builtins", "numpy") \
            and not isinstance(x, type) and not hasattr(x, "shape"):  # a user class's
        if type(t) is not type(x) and not isinstance(t, dict):
            raise PullbackError(
                f"the tangent for {name} must be a {type(x).__qualname__} object (as grad "
                f"returns) or a dict of its attributes; got {_described(t)}")
        for k, v in vars(x).items():
            part = t.get(k, 0.0) if isinstance(t, dict) else getattr(t, k, 0.0)
            if isinstance(v, (float, np.ndarray)) and not (
                    part.__class__ is float and part == 0.0):
                check_tangent(part, v, f"{name}.{k}")
        return
    if np.shape(t) != np.shape(x):
        raise PullbackError(f"the tangent for {name} has shape {np.shape(t)}, but {name} has "
                            f"shape {np.shape(x)}: a tangent has its parameter's shape")


def _described(v):
    return f"a {type(v).__name__}" + (f" of length {len(v)}" if hasattr(v, "__len__") else "")


def reduce_tangent(weight, t, axis=None, keepdims=False, real=False):
    """The tangent of a reduction along `axis` whose adjoint spreads g times `weight`;
    with `real`, of one whose result is real whatever its operand (a norm, a variance):
    a complex operand's tangent leaves an imaginary part in the sum, which is not."""
    out = np.sum(weight * t, axis=axis, keepdims=keepdims)
    return out.real if real and np.iscomplexobj(out) else out


def sum_tangent(a, axis=None, dtype=None, *, keepdims=False):
    """`np.sum(a, axis, dtype, keepdims=...)` of a tangent: of an array by the reduction
    np.sum runs, without its dispatch (the same numbers)."""
    if a.__class__ is np.ndarray and dtype is None:
        return np.add.reduce(a, axis, None, None, keepdims)
    return np.sum(a, axis=axis, dtype=dtype, keepdims=keepdims)


def mean_tangent(a, axis=None, dtype=None, *, keepdims=False):
    """`np.mean(a, axis, dtype, keepdims=...)` of a tangent: of a float64 array by the
    sum and the division np.mean makes, without its dispatch (the same numbers)."""
    if a.__class__ is np.ndarray and dtype is None and a.dtype.char == "d" and a.size:
        total = np.add.reduce(a, axis, None, None, keepdims)
        if total.size:
            return total / (a.size // total.size)
    return np.mean(a, axis=axis, dtype=dtype, keepdims=keepdims)


# The linear rules whose tangent, the call itself on the tangent, is spelled with a
# helper above when the call passes no other arguments than these (derive/forward).
SPELLED_TANGENTS = {np.sum: ("sum_tangent", {"a", "axis", "dtype", "keepdims"}),
                    np.mean: ("mean_tangent", {"a", "axis", "dtype", "keepdims"})}


def abs_tangent(t, x):
    """|x|: sign(x) t for a real x (0 at 0, as the adjoint), Re(conj(x) t) / |x| for a
    complex one."""
    sign = np.sign(x)
    if np.iscomplexobj(sign) or np.iscomplexobj(x):
        return np.real(np.conj(sign) * t)
    return t * sign


def pick_tangent(t, values, ans):
    """max(values) / min(values): the tangent of the first element equal to the result."""
    for i, v in enumerate(values):
        if v is ans or np.all(v == ans):
            return t[i]
    raise PullbackError("max()/min(): no element equals the result (a NaN?)")


def real_tangent(t):
    """float(x): the tangent as a Python number, its real part for a complex x (float()
    of a NumPy complex keeps the real part, with a ComplexWarning)."""
    return t if t.__class__ is float else float(np.real(t))


def astype_tangent(t, ans):
    """x.astype(dtype): the tangent cast as x was: none for an integer or boolean
    result (the conversion truncated), the real part for a real result of a complex x
    (NumPy drops the imaginary part, with a ComplexWarning)."""
    if truncated(ans):
        return 0.0
    if np.iscomplexobj(t) and not np.iscomplexobj(ans):
        return np.real(t)
    return t


def item_of_tangent(t, key):
    """The tangent of x[key] from x's tangent t: t[key], or the float zero when t is the
    known zero (x a range, or another value without numbers, in a generated record)."""
    return t if t.__class__ is float else t[key]


def item_tangent(t):
    """x.item(): the one element's tangent, as a Python number."""
    return np.asarray(t).item()


# vector mode ------------------------------------------------------------------------


def batch_size(tangents, values, names):
    """The number of tangents in the batch given for `values` (each tangent with a leading
    batch axis), checking each has its value's structure and shape after that axis."""
    sizes = set()
    for t, x, name in zip(tangents, values, names):
        _batch_shapes(t, x, name, sizes)
    if len(sizes) > 1:
        raise PullbackError(f"the tangents of {', '.join(names)} have different batch sizes "
                            f"{sorted(sizes)}: each carries the same leading batch axis")
    if not sizes:
        raise PullbackError("batched tangents need at least one array of tangents, with a "
                            "leading batch axis")
    return sizes.pop()


def _batch_shapes(t, x, name, sizes):
    if isinstance(x, (list, tuple)):
        if x.__class__ is not list and x.__class__ is not tuple:
            _refuse_own_operators(x)
        if not isinstance(t, (list, tuple)) or len(t) != len(x):
            raise PullbackError(f"the tangents for {name} must be a sequence of {len(x)} "
                                f"batches of tangents, like {name}; got {_described(t)}")
        for i, (ti, xi) in enumerate(zip(t, x)):
            _batch_shapes(ti, xi, f"{name}[{i}]", sizes)
        return
    if isinstance(x, dict):
        if not isinstance(t, dict) or set(t) != set(x):
            raise PullbackError(f"the tangents for {name} must be a dict with {name}'s keys; "
                                f"got {_described(t)}")
        for k in x:
            _batch_shapes(t[k], x[k], f"{name}[{k!r}]", sizes)
        return
    if t.__class__ is float and t == 0.0 and not isinstance(
            x, (np.ndarray, np.number, int, float, complex)):
        return  # no number (None: a variable not set): the tangent zero_tangent_batch gives
    shape = np.shape(t)
    if shape[1:] != np.shape(x) or not shape:
        raise PullbackError(f"the tangents for {name} have shape {shape}, but {name} has shape "
                            f"{np.shape(x)}: batched tangents have shape (k,) + its shape")
    sizes.add(shape[0])


def zero_tangent_batch(x, batch):
    """`batch` zero tangents of a value that does not vary, batch axis first."""
    if isinstance(x, list):
        return [zero_tangent_batch(v, batch) for v in x]
    if isinstance(x, tuple):
        return tuple(zero_tangent_batch(v, batch) for v in x)
    if isinstance(x, dict):
        return {k: zero_tangent_batch(v, batch) for k, v in x.items()}
    if isinstance(x, (np.ndarray, np.number, int, float, complex)):
        return np.zeros((batch,) + np.shape(x), dtype=complex if np.iscomplexobj(x) else float)
    return 0.0  # no number (None, a variable not yet set): a tangent never read


def tangent_buffer_batch(x, batch):
    """tangent_buffer's batch of writable zero tangents."""
    tangent_buffer(x)  # the same check of the dtype
    return zero_tangent_batch(x, batch)


def lift(t, ans):
    """Batched tangents `t` of an operand put in the rank of the result `ans` (ones
    inserted after the batch axis), so that they broadcast as the operand did."""
    if t.__class__ is np.ndarray:
        missing = (ans.ndim if ans.__class__ is np.ndarray else np.ndim(ans)) + 1 - t.ndim
    else:
        missing = np.ndim(ans) + 1 - np.ndim(t)
    if missing <= 0:
        return t
    t = np.asarray(t)
    return t.reshape(t.shape[:1] + (1,) * missing + t.shape[1:])


def broadcast_batch(t, ans, batch):
    """Batched tangents brought to the shape (batch,) + ans's shape."""
    shape = (batch,) + np.shape(ans)
    if t.__class__ is np.ndarray and t.shape == shape:
        return t
    return np.broadcast_to(lift(t, ans), shape)


def as_tangent_batch(t, out, batch, where=""):
    """as_tangent for a batch: the result's tangents, each array of shape (batch,) + its
    value's shape (a new array, never a view of an input's tangents)."""
    if isinstance(out, (list, tuple)):
        ts = t if isinstance(t, (list, tuple)) else [t] * len(out)
        made = [as_tangent_batch(ti, oi, batch, where) for ti, oi in zip(ts, out, strict=True)]
        return tuple(made) if isinstance(out, tuple) else made
    if isinstance(out, dict):
        return {k: as_tangent_batch(t[k] if isinstance(t, dict) else t, v, batch, where)
                for k, v in out.items()}
    if out.__class__ is not np.ndarray or out.dtype.kind not in "fciu":
        as_tangent(0.0, out, where)  # the same refusal of results without a derivative
    shape = (batch,) + np.shape(out)
    if t.__class__ is np.ndarray and t.shape == shape and t.flags.writeable:
        return t
    dtype = complex if np.iscomplexobj(t) or np.iscomplexobj(out) else float
    return np.array(np.broadcast_to(lift(t, out), shape), dtype=dtype)


def batch_key(key):
    """The index of a batch of tangents for the index `key` of their (array) value."""
    return (slice(None),) + key if key.__class__ is tuple else (slice(None), key)


def item_batch(t, x, key, value=None):
    """x[key]'s tangents: the array's tangents indexed after the batch axis, a list's,
    tuple's or dict's tangent element. Given the value x[key], a copy when it is one (a
    number read from an array): never a view of tangents that a later write changes. A
    float tangent is the known zero of every element (of a range, say)."""
    if t.__class__ is float:
        return t
    if isinstance(x, np.ndarray):
        made = t[batch_key(key)]
        if value is not None and value.__class__ is not np.ndarray:
            return made.copy()
        return made
    return t[key]


def set_item_batch(t, x, key, v):
    """x[key] = v on the tangents: dx[:, key] = dv for an array (dv in the slot's rank),
    dx[key] = dv for a list or dict."""
    if not isinstance(x, np.ndarray):
        t[key] = v
        return
    key = batch_key(key)
    slot = t[key]
    t[key] = lift(v, slot[0]) if np.ndim(slot) else v


def batched_array(t):
    """The tangents of a list operand read as an array: batch axis first."""
    if t.__class__ is np.ndarray:
        return t
    if isinstance(t, (list, tuple)):
        return np.stack([batched_array(v) for v in t], axis=1)
    return t


def each_tangent(one, batch, *tangents):
    """one(*tangents of the b-th direction) for each b < batch, stacked: a rule's
    tangent template, applied to each tangent of the batch in turn."""
    return _stacked([one(*[_part(t, b) for t in tangents]) for b in range(batch)], batch)


def _part(t, b):
    if t.__class__ is np.ndarray:
        return t[b]
    if isinstance(t, list):
        return [_part(v, b) for v in t]
    if isinstance(t, tuple):
        return tuple(_part(v, b) for v in t)
    if isinstance(t, dict):
        return {k: _part(v, b) for k, v in t.items()}
    return t  # a number: the same zero for each


def _stacked(parts, batch):
    first = parts[0] if parts else 0.0
    if isinstance(first, (list, tuple)):
        made = [_stacked([p[i] for p in parts], batch) for i in range(len(first))]
        return tuple(made) if isinstance(first, tuple) else made
    if isinstance(first, dict):
        return {k: _stacked([p[k] for p in parts], batch) for k in first}
    if not parts:
        return np.zeros(0)
    return np.stack([np.asarray(p) for p in parts])


def batch_axis(axis, x):
    """A reduction's `axis` of x, for x's tangents (batch axis first): every axis of x
    for None, each given one moved past the batch axis."""
    if axis is None:
        return tuple(range(1, np.ndim(x) + 1))
    if isinstance(axis, (tuple, list)):
        return tuple(a + 1 if a >= 0 else a for a in axis)
    return axis + 1 if axis >= 0 else axis


def reshape_batch(g, ans, order="C", copy=None):
    """The tangents of a reshaped value `ans` (reshape, ravel, squeeze, expand_dims), for
    a batch g of its operand's: a view, as the value is, when the order is C's."""
    g = batched_array(g)
    if order == "C":
        made = np.reshape(g, (len(g),) + np.shape(ans))
    else:  # elements read in another order: each tangent in turn
        made = np.stack([np.reshape(gi, np.shape(ans), order=order) for gi in g])
    return made.copy() if copy else made


def transpose_batch(g, axes=None):
    """np.transpose's tangents for a batch g of its operand's: the batch axis stays."""
    g = batched_array(g)
    n = np.ndim(g) - 1
    if axes is None:
        return np.transpose(g, (0,) + tuple(range(n, 0, -1)))
    return np.transpose(g, (0,) + tuple(a % n + 1 for a in axes))


def cumsum_batch(g, axis=None, dtype=None):
    """np.cumsum's tangents for a batch g of its operand's (flattened first for None)."""
    g = batched_array(g)
    if axis is None:
        return np.cumsum(np.reshape(g, (len(g), -1)), axis=1, dtype=dtype)
    return np.cumsum(g, axis=axis + 1 if axis >= 0 else axis, dtype=dtype)


def concatenate_batch(g, axis=0, dtype=None):
    """np.concatenate's tangents for the tangents g of its sequence of arrays (a batch
    each): joined along the axis after the batch axis (flattened first for None)."""
    if isinstance(g, np.ndarray):  # an array's rows were joined: each tangent in turn
        return np.stack([np.concatenate(gi, axis=axis, dtype=dtype) for gi in g])
    parts = [batched_array(t) for t in g]
    if axis is None:
        return np.concatenate([np.reshape(p, (len(p), -1)) for p in parts], axis=1,
                              dtype=dtype)
    return np.concatenate(parts, axis=axis + 1 if axis >= 0 else axis, dtype=dtype)


def stack_batch(g, axis=0, dtype=None):
    """np.stack's tangents for the tangents g of its sequence of arrays (a batch each):
    stacked along a new axis after the batch axis."""
    if isinstance(g, np.ndarray):
        return np.stack([np.stack(gi, axis=axis, dtype=dtype) for gi in g])
    return np.stack([batched_array(t) for t in g], axis=axis + 1 if axis >= 0 else axis,
                    dtype=dtype)


def matmul_batch_a(g, b):
    """Tangents of a @ b for a batch g of a's tangents (b fixed)."""
    g, b = batched_array(g), np.asarray(b)
    if np.ndim(b) <= 2 and np.ndim(g) <= 3:
        return g @ b
    return np.stack([gi @ b for gi in g])


def matmul_batch_b(a, g):
    """Tangents of a @ b for a batch g of b's tangents (a fixed)."""
    g, a = batched_array(g), np.asarray(a)
    if np.ndim(a) <= 2:
        if np.ndim(g) == 2:  # b is a vector: each a @ g_i is g_i @ a.T
            return g @ np.transpose(a)
        return a @ g
    return np.stack([a @ gi for gi in g])


def spread_arg_tangent(layout, param, dpacked, packed, dmapping, mapping, *default):
    """The tangent of parameter `param` of a call g(a, *packed, **mapping) of a Python
    function that `packed` or `mapping` fills (layout: analysis's `_spread_layout`): the
    tangent of the element or key that fills it, 0.0 when neither does (its default; in
    vector mode, given the default: a zero batch of the others' batch size). For the
    callee's *args, the tuple of the tangents of the elements past its named positional
    parameters; for its **kwargs, the dict of those of the keys no named parameter takes
    (a zero for an element or key whose spread does not vary)."""
    if param == layout["varargs"]:
        rest = () if packed is None else packed[max(len(layout["positional"]) -
                                                    layout["offset"], 0):]
        start = len(packed) - len(rest) if packed is not None else 0
        return tuple(0.0 if dpacked.__class__ is float else dpacked[start + i]
                     for i in range(len(rest)))
    if param == layout["varkw"]:
        return {} if mapping is None else {
            k: 0.0 if dmapping.__class__ is float else dmapping[k]
            for k in mapping if k not in layout["named"]}
    if packed is not None and param in layout["positional"]:
        i = layout["positional"].index(param) - layout["offset"]
        if 0 <= i < len(packed):
            return 0.0 if dpacked.__class__ is float else dpacked[i]
    if mapping is not None and param in mapping:
        return 0.0 if dmapping.__class__ is float else dmapping[param]
    if not default:
        return 0.0
    for given in (dpacked, dmapping):
        for leaf in (given.values() if isinstance(given, dict)
                     else given if isinstance(given, (list, tuple)) else ()):
            if np.ndim(leaf):
                return np.zeros((np.shape(leaf)[0],) + np.shape(default[0]))
    return 0.0


HELPERS = {
    name: obj
    for name, obj in globals().items()
    if callable(obj) and not name.startswith("_") and obj.__module__ == __name__
}

