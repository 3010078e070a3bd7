"""Helpers the forward-mode (tangent) code calls: zero tangents shaped like their values,
tangents brought to their value's shape, reductions' tangents, and the tangents several
rules share (abs, picking an element); a tangent helper of one family lives beside its
rules (`rules.linear_algebra`'s det_tangent, ...).

Guarantees: a tangent has its value's structure (a float for a number, a float or complex
array of the value's shape for an array, a list, tuple or dict of tangents for one of
values); `zero_tangent` makes one for any value that does not depend on the inputs.
"""

from __future__ import annotations

import numpy as np

from ..errors import PullbackError
from ..runtime.helpers import _refuse_own_operators


def zero_tangent(x):
    """The tangent of a value that does not vary: zeros with x's structure."""
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
    if np.shape(t) != np.shape(x):
        raise PullbackError(f"the tangent for {name} has shape {np.shape(t)}, but {name} has "
                            f"shape {np.shape(x)}: a tangent has its parameter's shape")


def _described(v):
    return f"a {type(v).__name__}" + (f" of length {len(v)}" if hasattr(v, "__len__") else "")


def reduce_tangent(weight, t, axis=None, keepdims=False):
    """The tangent of a reduction along `axis` whose adjoint spreads g times `weight`."""
    return np.sum(weight * t, axis=axis, keepdims=keepdims)


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


def item_tangent(t):
    """x.item(): the one element's tangent, as a Python number."""
    return np.asarray(t).item()


HELPERS = {
    name: obj
    for name, obj in globals().items()
    if callable(obj) and not name.startswith("_") and obj.__module__ == __name__
}
