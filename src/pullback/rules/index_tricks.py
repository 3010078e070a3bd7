"""Rules for NumPy's index tricks `np.r_` and `np.c_`: arrays built by indexing
(`np.r_[x, c]`, `np.c_[x, c, x]`, `np.r_[0:3, x]`, `np.r_['0,2', x, y]`).

The lowering reads `np.r_[items]` as the call `np.r_.__getitem__((items,))` (slices
written `slice(start, stop, step)`), and the rules here are keyed by those bound methods:
a bound method hashes like any other bound to the same object. Every element of the
result is a copy of one element of a numeric item or comes from a slice or a directive
string (`'r'`, `'0,2,1'`), so the gradient of each numeric item gathers `g` from the
positions its elements were copied to, whatever the directives did to its shape. Those
positions are found by building the same result from labels: every element of every
numeric item is labelled 1, 2, ... in one build and -1, -2, ... in another; a position
that differs between the two holds the element with that label, one that does not
comes from a slice. Slice bounds and directive strings carry no gradient (a value being
differentiated in a slice bound is refused: `slice` has no rule).

A real item gets the real part of a complex gradient (autograd's convention), and an
item's gradient has its dtype when that is a float type (float32 stays float32). In
forward mode each copied element carries its item's tangent (`index_trick_tangent`).

    >>> import numpy as np
    >>> x = np.zeros(2)  # np.r_[x, 0:2, x]: g's first two and last two entries
    >>> g = index_trick_grad(np.arange(1.0, 7.0), np.r_, (x, slice(0, 2), x))
    >>> g[0], g[1], g[2]
    (array([1., 2.]), 0.0, array([5., 6.]))
"""

import numpy as np

from ..runtime.helpers import GradList, scatter_add
from . import rule
from .support import _zero


def index_trick_grad(g, trick, key):
    """One gradient per item of `key` in `trick[key]` (0.0 for slices and strings)."""
    if _zero(g):
        return 0.0
    key, numeric, sizes, source, copied = _copies(trick, key)
    starts = np.cumsum([0, *sizes])
    g = np.broadcast_to(np.asarray(g), source.shape)
    gathered = np.zeros(int(starts[-1]), dtype=np.result_type(g.dtype, np.float32))
    scatter_add(gathered, source[copied], g[copied])
    grads = [0.0] * len(key)
    for i, start, size in zip(numeric, starts, sizes):
        grads[i] = _like(gathered[start:start + size].reshape(np.shape(key[i])), key[i])
    return GradList(grads)


def index_trick_tangent(t, trick, key):
    """The tangent of `trick[key]` for the tangents `t` of key's items: each element
    copied from a numeric item carries that element's tangent, the others zero."""
    key, numeric, _, source, copied = _copies(trick, key)
    t = t if isinstance(t, (tuple, list)) else (t,) * len(key)  # one zero for all
    flat = [np.ravel(np.broadcast_to(t[i], np.shape(key[i]))) for i in numeric]
    flat = np.concatenate(flat) if flat else np.zeros(0)
    out = np.zeros(source.shape, dtype=np.result_type(flat.dtype, float))
    out[copied] = flat[source[copied]]
    return out


def _copies(trick, key):
    """(key as a tuple, the positions of its numeric items, their sizes, for each element
    of trick[key] the flat index, over the numeric items in order, of the element it was
    copied from, and where it was copied at all)."""
    key = key if isinstance(key, tuple) else (key,)
    numeric = [i for i, item in enumerate(key) if not isinstance(item, (slice, str))]
    sizes = [int(np.size(key[i])) for i in numeric]
    plus = _labelled(trick, key, numeric, sizes, 1.0)
    copied = plus != _labelled(trick, key, numeric, sizes, -1.0)
    return key, numeric, sizes, plus.astype(np.intp) - 1, copied


def _labelled(trick, key, numeric, sizes, sign):
    """trick[key] with the elements of the numeric items replaced by sign * 1, 2, ..."""
    items = list(key)
    start = 0
    for i, size in zip(numeric, sizes):
        labels = np.arange(start + 1, start + size + 1, dtype=float)
        items[i] = sign * labels.reshape(np.shape(key[i]))
        start += size
    return np.asarray(trick[tuple(items)])


def _like(grad, item):
    """`grad` in the type of `item`: real for a real item, float32 for a float32 one."""
    if not np.iscomplexobj(item):
        grad = np.real(grad)
    dtype = getattr(item, "dtype", None)
    if dtype is not None and np.issubdtype(dtype, np.inexact):
        grad = grad.astype(dtype, copy=False)
    return grad[()] if grad.ndim == 0 else grad


def _rule(name):
    return rule("key", kinds=("fresh",), key=f"index_trick_grad(g, np.{name}, key)",
                jvp={"key": f"index_trick_tangent(g, np.{name}, key)"})


# `np.r_` and `np.c_` are AxisConcatenator objects; their `__getitem__` builds the array
RULES = {np.r_.__getitem__: _rule("r_"), np.c_.__getitem__: _rule("c_"),
         # the two helpers are linear in their first argument and each other's adjoint
         # (second derivatives); what they read of `key` is its items' shapes
         index_trick_grad: rule("d, trick, key", kinds=("fresh",), jvp="linear",
                                d="index_trick_tangent(g, trick, key)"),
         index_trick_tangent: rule("t, trick, key", kinds=("fresh",), jvp="linear",
                                   t="index_trick_grad(g, trick, key)")}
NONDIFF: set = set()
# the functions the templates call by name
HELPERS = {"index_trick_grad": index_trick_grad, "index_trick_tangent": index_trick_tangent}
