"""NumPy's functions that move, join, split, repeat or pad elements (reshape ...
tril), each rule beside the helpers its gradient calls. `rules.numpy` lists this family
with the other NumPy rules.

Their gradients move the gradient's elements back to where they came from (summing
where one element was used several times: tile, repeat, broadcast_to, pad's copying
modes). Functions taking a sequence of arrays (concatenate, stack, ...) get a Python list
as that parameter's gradient, one entry per element; functions returning a list (split)
receive their gradient as such a list. The helpers accept a gradient that is a known zero
(the float 0.0) and never mutate their inputs.

    >>> SHAPE[np.reshape].pushforward, sorted(SHAPE[np.pad].partials)
    ('linear', ['array', 'constant_values'])
"""

from __future__ import annotations

from ..errors import PullbackError
from ..runtime.helpers import GradList, scatter_add
from . import rule
from .support import _zero, as_array, math, np

FRESH = ("fresh",)  # returns a new array
VIEW = ("view",)  # may return a view of an operand, or the operand itself
ALLOCATOR = ("allocator",)  # a new array a user may write into

SHAPE = {
    np.reshape: rule("a, shape=None, order='C', *, newshape=None, copy=None", kinds=VIEW,
                     a="reshape_grad(g, a, order)", jvp="linear", methods=("reshape",),
                     batch={"a": "reshape_batch(g, ans, order, copy)"}),
    np.ravel: rule("a, order='C'", kinds=VIEW, a="reshape_grad(g, a, order)", jvp="linear",
                   methods=("ravel", "flatten"), batch={"a": "reshape_batch(g, ans, order)"}),
    np.squeeze: rule("a, axis=None", kinds=VIEW, a="reshape_like(g, a)", jvp="linear",
                     methods=("squeeze",), batch={"a": "reshape_batch(g, ans)"}),
    np.expand_dims: rule("a, axis", kinds=VIEW, a="reshape_like(g, a)", jvp="linear",
                         batch={"a": "reshape_batch(g, ans)"}),
    np.copy: rule("a, order='K', subok=False", kinds=FRESH + ALLOCATOR + ("shape-preserving",),
                  a="g", jvp="linear"),
    np.transpose: rule("a, axes=None", kinds=VIEW,
                       a="map_grad(np.transpose, g, None if axes is None else np.argsort(axes))",
                       jvp="linear", methods=("transpose",),
                       batch={"a": "transpose_batch(g, axes)"}),
    np.swapaxes: rule("a, axis1, axis2", kinds=VIEW, a="map_grad(np.swapaxes, g, axis1, axis2)",
                      jvp="linear", methods=("swapaxes",),
                      batch={"a": "np.swapaxes(batched_array(g), batch_axis(axis1, a), "
                                  "batch_axis(axis2, a))"}),
    np.moveaxis: rule("a, source, destination", kinds=VIEW,
                      a="map_grad(np.moveaxis, g, destination, source)", jvp="linear",
                      batch={"a": "np.moveaxis(batched_array(g), batch_axis(source, a), "
                                  "batch_axis(destination, a))"}),
    np.concatenate: rule("arrays, axis=0, *, dtype=None", kinds=FRESH,
                         arrays="concatenate_grad(g, arrays, axis)", jvp="linear",
                         batch={"arrays": "concatenate_batch(g, axis, dtype)"}),
    np.stack: rule("arrays, axis=0, *, dtype=None", kinds=FRESH,
                   arrays="stack_grad(g, arrays, axis)", jvp="linear",
                   batch={"arrays": "stack_batch(g, axis, dtype)"}),
    np.hstack: rule("tup, *, dtype=None", kinds=FRESH, tup="hstack_grad(g, tup)", jvp="linear"),
    np.vstack: rule("tup, *, dtype=None", kinds=FRESH, tup="vstack_grad(g, tup)", jvp="linear"),
    np.row_stack: rule("tup, *, dtype=None", kinds=FRESH, tup="vstack_grad(g, tup)",
                       jvp="linear"),
    np.column_stack: rule("tup", kinds=FRESH, tup="column_stack_grad(g, tup)", jvp="linear"),
    np.dstack: rule("tup", kinds=FRESH, tup="dstack_grad(g, tup)", jvp="linear"),
    np.append: rule("arr, values, axis=None", kinds=FRESH,
                    arr="append_grad(g, arr, values, axis, 'arr')",
                    values="append_grad(g, arr, values, axis, 'values')", jvp="linear"),
    np.split: rule("ary, indices_or_sections, axis=0", kinds=VIEW,
                   ary="split_grad(g, ary, ans, axis)", jvp="linear"),
    np.array_split: rule("ary, indices_or_sections, axis=0", kinds=VIEW,
                         ary="split_grad(g, ary, ans, axis)", jvp="linear"),
    np.hsplit: rule("ary, indices_or_sections", kinds=VIEW,
                    ary="split_sections_grad(g, ary, ans, 'h')", jvp="linear"),
    np.vsplit: rule("ary, indices_or_sections", kinds=VIEW,
                    ary="split_sections_grad(g, ary, ans, 'v')", jvp="linear"),
    np.dsplit: rule("ary, indices_or_sections", kinds=VIEW,
                    ary="split_sections_grad(g, ary, ans, 'd')", jvp="linear"),
    np.tile: rule("A, reps", kinds=FRESH, A="tile_grad(g, A, reps)", jvp="linear"),
    np.repeat: rule("a, repeats, axis=None", kinds=FRESH, a="repeat_grad(g, a, repeats, axis)",
                    jvp="linear", methods=("repeat",)),
    np.broadcast_to: rule("array, shape", kinds=VIEW, array="unbroadcast(g, array)", jvp="linear"),
    np.flip: rule("m, axis=None", kinds=VIEW, m="map_grad(np.flip, g, axis)", jvp="linear"),
    np.flipud: rule("m", kinds=VIEW, m="map_grad(np.flipud, g)", jvp="linear"),
    np.fliplr: rule("m", kinds=VIEW, m="map_grad(np.fliplr, g)", jvp="linear"),
    np.rot90: rule("m, k=1, axes=(0, 1)", kinds=VIEW, m="rot90_grad(g, k, axes)", jvp="linear"),
    np.rollaxis: rule("a, axis, start=0", kinds=VIEW, a="rollaxis_grad(g, a, axis, start)",
                      jvp="linear"),
    # one array only: given several, they return a list
    np.atleast_1d: rule("ary", kinds=VIEW, jvp="linear", ary="reshape_like(g, ary)"),
    np.atleast_2d: rule("ary", kinds=VIEW, jvp="linear", ary="reshape_like(g, ary)"),
    np.atleast_3d: rule("ary", kinds=VIEW, jvp="linear", ary="reshape_like(g, ary)"),
    np.roll: rule("a, shift, axis=None", kinds=FRESH,
                  a="map_grad(np.roll, g, np.negative(shift), axis)", jvp="linear"),
    np.pad: rule("array, pad_width, mode='constant', constant_values=0", kinds=FRESH,
                 array="pad_grad(g, array, pad_width, mode)",
                 constant_values="pad_grad_values(g, array, pad_width, constant_values)",
                 jvp={"array": "pad_tangent(g, array, pad_width, mode)",
                      "constant_values": "pad_values_tangent(g, array, pad_width)"}),
    np.take: rule("a, indices, axis=None, *, mode='raise'", kinds=FRESH,
                  a="take_grad(g, a, indices, axis, mode)", jvp="linear", methods=("take",)),
    np.triu: rule("m, k=0", kinds=FRESH, m="tri_grad(g, m, k, True)", jvp="linear"),
    np.tril: rule("m, k=0", kinds=FRESH, m="tri_grad(g, m, k, False)", jvp="linear"),
}


def reshape_grad(g, a, order="C"):
    """g in a's shape, read in the order the reshape read a."""
    if g.__class__ is float:
        return g
    if order == "A":
        order = "F" if np.isfortran(as_array(a)) else "C"
    elif order == "K":
        a = as_array(a)
        order = "F" if a.flags.f_contiguous and not a.flags.c_contiguous else "C"
    if order == "C":  # also for arrays whose reshape has no order (Dask)
        return np.reshape(g, np.shape(a))
    return np.reshape(g, np.shape(a), order=order)


def tri_grad(g, m, k, upper):
    """np.triu / np.tril keep one triangle; a 1-D m was broadcast over the rows first."""
    if _zero(g):
        return 0.0
    kept = np.triu(g, k) if upper else np.tril(g, k)
    return np.sum(kept, axis=0) if np.ndim(m) == 1 else kept


def concatenate_grad(g, arrays, axis=0):
    """One gradient per concatenated array: g cut where the arrays were joined."""
    if _zero(g):
        return 0.0
    if axis is None:
        sizes = [math.prod(np.shape(x)) for x in arrays]
        parts = _cut(np.reshape(g, (-1,)), sizes, 0)
        return GradList(np.reshape(p, np.shape(x)) for p, x in zip(parts, arrays))
    return GradList(_cut(g, [np.shape(x)[axis] for x in arrays], axis))


def _cut(g, sizes, axis):
    """g cut along `axis` into consecutive pieces of the given sizes (np.split by
    slicing, which every array library has)."""
    before, start, parts = (slice(None),) * (axis % np.ndim(g)), 0, []
    for size in sizes:
        parts.append(g[before + (slice(start, start + size),)])
        start += size
    return parts


def stack_grad(g, arrays, axis=0):
    if _zero(g):
        return 0.0
    moved = np.moveaxis(g, axis, 0)
    return GradList(moved[i] for i in range(len(arrays)))


def _joined_grad(g, arrays, promote, axis):
    shapes = [np.shape(promote(x)) for x in arrays]
    parts = _cut(g, [s[axis] for s in shapes], axis)
    return GradList(np.reshape(p, np.shape(x)) for p, x in zip(parts, arrays))


def hstack_grad(g, tup):
    """np.hstack joins along the first axis of 1-D arrays (scalars count as 1-D), the
    second otherwise."""
    if _zero(g):
        return 0.0
    axis = 0 if np.ndim(np.atleast_1d(tup[0])) == 1 else 1
    return _joined_grad(g, tup, np.atleast_1d, axis)


def vstack_grad(g, tup):
    """np.vstack joins along the first axis, 1-D arrays (and scalars) as rows."""
    if _zero(g):
        return 0.0
    return _joined_grad(g, tup, np.atleast_2d, 0)


def split_grad(g, ary, ans, axis=0):
    """np.split returns a list; its gradient is a list (0.0 for pieces that got none).
    Splitting a nested list along axis > 0, NumPy measures the first axis and may leave
    the last elements out of every piece: they get no gradient."""
    if _zero(g):
        return 0.0
    parts = [np.zeros(np.shape(p)) if _zero(gi) else gi for gi, p in zip(g, ans)]
    grad = np.concatenate(parts, axis=axis)
    left_out = np.shape(ary)[axis] - grad.shape[axis]
    if left_out:
        widths = [(0, 0)] * grad.ndim
        widths[axis] = (0, left_out)
        grad = np.pad(grad, widths)
    return grad


def tile_grad(g, A, reps):
    """Sum the tiles: g viewed as (rep, size) pairs of axes, summed over the reps."""
    if _zero(g):
        return 0.0
    shape = np.shape(A)
    reps = tuple(reps) if np.ndim(reps) else (int(reps),)
    d = max(len(shape), len(reps))
    full = (1,) * (d - len(shape)) + shape
    reps = (1,) * (d - len(reps)) + reps
    paired = np.reshape(g, [n for pair in zip(reps, full) for n in pair])
    return np.reshape(np.sum(paired, axis=tuple(range(0, 2 * d, 2))), shape)


def repeat_grad(g, a, repeats, axis=None):
    """Each element's gradient is the sum over its repeats."""
    if _zero(g):
        return 0.0
    a = as_array(a)
    if axis is None:
        source = np.repeat(np.arange(a.size), repeats)
        return _bincount(source, np.ravel(g), a.size).reshape(a.shape)
    axis = axis % a.ndim
    source = np.repeat(np.arange(a.shape[axis]), repeats)
    moved = np.moveaxis(g, axis, 0)
    out = np.zeros((a.shape[axis],) + moved.shape[1:], dtype=np.result_type(g, float))
    scatter_add(out, source, moved)
    return np.moveaxis(out, 0, axis)


_COPY_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")


def _bincount(source, weights, size):
    """np.bincount(source, weights, minlength=size) for complex weights too (NumPy's
    drops their imaginary parts)."""
    if np.iscomplexobj(weights):
        return _bincount(source, weights.real, size) + 1j * _bincount(source, weights.imag, size)
    return np.bincount(source, weights=weights, minlength=size)


def pad_grad(g, array, pad_width, mode="constant"):
    """Every padded element is a copy of an element of the array (or a constant): pad the
    array's flat indices the same way and add g up per source element."""
    if _zero(g):
        return 0.0
    if mode not in _COPY_MODES:
        raise PullbackError(f"np.pad is differentiated for the modes {', '.join(_COPY_MODES)}, "
                            f"not {mode!r}")
    shape = np.shape(array)
    index = np.arange(int(np.prod(shape))).reshape(shape)
    if mode == "constant":
        source = np.pad(index, pad_width, mode="constant", constant_values=-1)
    else:
        source = np.pad(index, pad_width, mode=mode)
    inside = source >= 0
    total = _bincount(source[inside], np.broadcast_to(g, source.shape)[inside], index.size)
    return total.reshape(shape)


def pad_grad_values(g, array, pad_width, constant_values):
    """np.pad is affine in constant_values: each value's gradient is g summed over where
    that value was written."""
    if _zero(g):
        return 0.0
    values = np.asarray(constant_values, dtype=float)
    blank = np.zeros(np.shape(array))
    out = np.zeros(values.shape)
    for k in np.ndindex(values.shape):
        unit = np.zeros(values.shape)
        unit[k] = 1.0
        out[k] = np.sum(g * np.pad(blank, pad_width, mode="constant", constant_values=unit))
    return out[()] if out.ndim == 0 else out


def take_grad(g, a, indices, axis=None, mode="raise"):
    """Scatter-add g back to the positions np.take read (repeats add up)."""
    if _zero(g):
        return 0.0
    a = as_array(a)
    n = a.size if axis is None else a.shape[axis]
    index = as_array(indices)
    if mode == "wrap":
        index = index % n
    elif mode == "clip":
        index = np.clip(index, 0, n - 1)
    else:
        index = np.where(index < 0, index + n, index)
    out = np.zeros(a.shape, dtype=np.result_type(a, g, float))
    if axis is None:
        flat = out.reshape(-1)
        scatter_add(flat, index, g)
        return flat.reshape(a.shape)
    scatter_add(out, (slice(None),) * (axis % a.ndim) + (index,), g)
    return out


def rot90_grad(g, k, axes):
    if _zero(g):
        return 0.0
    return np.rot90(g, -k, axes)


def rollaxis_grad(g, a, axis, start=0):
    """np.rollaxis is a transpose: undo its permutation."""
    if _zero(g):
        return 0.0
    n = np.ndim(a)
    axis = axis % n
    start = start + n if start < 0 else start
    order = [i for i in range(n) if i != axis]
    order.insert(start - 1 if axis < start else start, axis)
    return np.transpose(g, np.argsort(order))


def split_sections_grad(g, ary, ans, which):
    """np.hsplit / np.vsplit / np.dsplit: np.split along axis 1 (0 for a 1-D hsplit), 0, 2."""
    axis = {"h": 1 if np.ndim(ary) > 1 else 0, "v": 0, "d": 2}[which]
    return split_grad(g, ary, ans, axis)


def column_stack_grad(g, tup):
    """np.column_stack joins along the second axis, 1-D arrays (and scalars) as columns."""
    if _zero(g):
        return 0.0
    return _joined_grad(g, tup, lambda x: x if np.ndim(x) >= 2 else np.array(x, ndmin=2).T, 1)


def dstack_grad(g, tup):
    """np.dstack joins along the third axis, after np.atleast_3d."""
    if _zero(g):
        return 0.0
    return _joined_grad(g, tup, np.atleast_3d, 2)


def append_grad(g, arr, values, axis=None, wrt="arr"):
    """np.append concatenates arr and values (both flattened when axis is None)."""
    if _zero(g):
        return 0.0
    if axis is None:
        g = np.ravel(g)
        n = np.size(arr)
        piece, value = (g[:n], arr) if wrt == "arr" else (g[n:], values)
        return np.reshape(piece, np.shape(value))
    n = np.shape(arr)[axis]
    index = range(n) if wrt == "arr" else range(n, np.shape(g)[axis])
    return np.take(g, index, axis=axis)


def pad_tangent(t, array, pad_width, mode="constant"):
    """np.pad in a mode linear in the array: the tangent padded the same way (a constant
    pad's values add their own tangent, `pad_values_tangent`)."""
    if mode not in _LINEAR_PAD_MODES:
        raise PullbackError(f"forward mode of np.pad takes the modes "
                            f"{', '.join(_LINEAR_PAD_MODES)}, not {mode!r}")
    t = np.broadcast_to(t, np.shape(array))
    if mode == "constant":
        return np.pad(t, pad_width, mode="constant", constant_values=0.0)
    return np.pad(t, pad_width, mode=mode)


def pad_values_tangent(t, array, pad_width):
    """The tangent of np.pad(array, pad_width, 'constant', constant_values=c) along c."""
    zeros = np.zeros(np.shape(array), dtype=np.result_type(t, float))
    return np.pad(zeros, pad_width, mode="constant", constant_values=t)


_LINEAR_PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap", "mean")


# the helpers the templates above call by name (pullback.helpers binds them in generated code)
HELPERS = {name: obj for name, obj in list(globals().items())
           if callable(obj) and not name.startswith("_") and obj.__module__ == __name__}
