"""Helpers the forward-mode (tangent) code calls: zero tangents shaped like their values,
tangents brought to their value's shape, and the mathematics of the tangent templates
in `rules.tangents`.

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


def det_tangent(t, a, ans):
    """d det(A) = tr(adj(A) dA): the cofactors, which reverse mode's rule uses too, are
    defined at a singular A as well (det(A) tr(A^-1 dA) is not)."""
    from .support import _cofactors

    return np.sum(_cofactors(np.asarray(a), ans) * t, axis=(-2, -1))


def solve_tangent_a(t, a, ans):
    """The tangent of x = solve(A, b) along dA: -A^-1 dA x, with x a vector (b 1-D, also
    beside a stack of matrices) or a matrix."""
    vector = np.ndim(ans) == np.ndim(a) - 1
    x = np.asarray(ans)[..., None] if vector else ans
    out = -np.linalg.solve(a, t @ x)
    return out[..., 0] if vector else out


def slogdet_tangent(t, a):
    """(sign, log|det A|): the sign does not vary; d log|det A| = tr(A^-1 dA)."""
    if np.iscomplexobj(a):
        raise PullbackError("forward mode of np.linalg.slogdet takes real matrices only")
    return (0.0, np.trace(np.linalg.solve(a, t), axis1=-2, axis2=-1))


def array_tangent(t, ans, obj):
    """np.array / np.asarray: the tangent as an array (zero when the dtype truncated),
    sharing the tangent's memory exactly when the result shares obj's."""
    kind = np.asarray(ans).dtype.kind
    if kind not in "fc":
        return zero_tangent(np.asarray(ans, dtype=float))
    if ans is obj or obj.__class__ is np.ndarray and np.may_share_memory(ans, obj):
        return np.asarray(t)
    return np.array(t, dtype=complex if kind == "c" or np.iscomplexobj(t) else float)


def full_tangent(t, ans):
    """np.full / np.full_like with fill value tangent t (zero when the dtype truncated)."""
    if np.asarray(ans).dtype.kind not in "fc":
        return zero_tangent(np.asarray(ans, dtype=float))
    return np.array(np.broadcast_to(t, np.shape(ans)), dtype=np.result_type(t, float))


def sort_tangent(t, a, axis=-1):
    """Each sorted value's tangent comes from where the value came from."""
    a = np.asarray(a)
    t = np.broadcast_to(t, a.shape)
    if axis is None:
        return np.ravel(t)[np.argsort(a, axis=None, kind="stable")]
    return np.take_along_axis(t, np.argsort(a, axis=axis, kind="stable"), axis)


def item_tangent(t):
    """x.item(): the one element's tangent, as a Python number."""
    return np.asarray(t).item()


def cumprod_tangent(t, a, axis=None):
    """d cumprod(a)[k] = d cumprod(a)[k-1] a[k] + cumprod(a)[k-1] da[k], along the axis
    (exact where a has zeros, where dividing by a would not be)."""
    a = np.asarray(a)
    t = np.broadcast_to(t, a.shape)
    if axis is None:
        a, t, axis = a.ravel(), np.ravel(t), 0
    a, t = np.moveaxis(a, axis, 0), np.moveaxis(t, axis, 0)
    out = np.empty(a.shape, dtype=np.result_type(a, t, float))
    product, tangent = 1.0, 0.0
    for k in range(a.shape[0]):
        tangent = tangent * a[k] + product * t[k]
        product = product * a[k]
        out[k] = tangent
    return np.moveaxis(out, 0, axis)


def cholesky_tangent(t, ans, upper=False):
    """dL = L Phi(L^-1 dA L^-T) for A = L L^T (Phi: the lower triangle, the diagonal
    halved), dA symmetric from the triangle NumPy reads (the lower one, the upper one
    when upper=True)."""
    if np.iscomplexobj(ans) or np.iscomplexobj(t):
        raise PullbackError("forward mode of np.linalg.cholesky takes real matrices only")
    t = np.asarray(t)
    swap = (lambda m: np.swapaxes(m, -1, -2))
    if upper:
        t, ans = swap(t), swap(ans)
    low = np.tril(t, -1)
    symmetric = low + swap(low) + t * np.eye(t.shape[-1])
    inner = np.linalg.solve(ans, swap(np.linalg.solve(ans, symmetric)))  # L^-1 dA L^-T
    phi = np.tril(inner, -1) + 0.5 * inner * np.eye(t.shape[-1])
    tangent = ans @ phi
    return swap(tangent) if upper else tangent


_LINEAR_PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap", "mean")


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


def logsumexp_tangent_b(t, a, ans, axis=None, b=None, keepdims=False):
    """The tangent of scipy.special.logsumexp(a, axis, b) along b: the sum over the
    axis of exp(a - ans) db."""
    kept = ans if keepdims or axis is None else np.expand_dims(ans, axis)
    weight = np.exp(np.asarray(a) - kept)
    full = np.broadcast_shapes(np.shape(weight), np.shape(b))
    return np.sum(np.broadcast_to(weight * t, full), axis=axis, keepdims=keepdims)


def average_tangent_weights(t, a, ans, axis=None, weights=None, keepdims=False):
    """np.average(a, axis, weights) = sum(w a) / sum(w): along w, sum((a - ans) dw) /
    sum(w), with a 1-D w lying along the axis, as NumPy reads it."""
    a = np.asarray(a, dtype=float)
    w, t = np.asarray(weights, dtype=float), np.asarray(t)
    if w.ndim < a.ndim and axis is not None:  # w's axes lie along `axis`, in its order
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        w, t = (np.moveaxis(v.reshape(v.shape + (1,) * (a.ndim - v.ndim)),
                            range(v.ndim), axes) for v in (w, t))
    kept = ans if keepdims or axis is None else np.expand_dims(ans, axis)
    numerator = np.sum(np.broadcast_to((a - kept) * t, a.shape), axis=axis, keepdims=keepdims)
    return numerator / np.sum(np.broadcast_to(w, a.shape), axis=axis, keepdims=keepdims)


HELPERS = {
    name: obj
    for name, obj in globals().items()
    if callable(obj) and not name.startswith("_") and obj.__module__ == __name__
}
