"""Helpers that derivative rule templates call (the mathematics of particular rules).

Like `pullback.runtime`, every helper here accepts a gradient that is a known
zero (the float 0.0) as well as scalars and arrays, and never mutates its inputs.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import PullbackError
from ..runtime import _shape, unbroadcast


def _zero(g) -> bool:
    """Is g the known-zero gradient (the float 0.0)?"""
    return g.__class__ is float and g == 0.0


def map_grad(fn, g, *args, **kwargs):
    """fn(g, *args, **kwargs), or the known zero when g is: for rules whose gradient is a
    linear rearrangement of g (swapaxes, flip, roll, ...)."""
    if _zero(g):
        return 0.0
    return fn(g, *args, **kwargs)


def _axes(axis, ndim) -> tuple:
    """`axis` (None, an int or a sequence) as a tuple of non-negative axes, in the order given."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        return tuple(int(a) % ndim if ndim else int(a) for a in axis)
    return (int(axis) % ndim if ndim else int(axis),)


def _keep(v, ndim, axes, keepdims):
    """The result `v` of a reduction over `axes` of an ndim-array, with the reduced axes kept
    (size 1), so that it broadcasts against the reduced array."""
    v = np.asarray(v)
    if keepdims or not axes:
        return v
    return np.expand_dims(v, tuple(sorted(axes)))


def unreduce(g, x, axis=None, keepdims=False):
    """Spread the gradient of a reduction of `x` back over `x`'s shape."""
    if _zero(g):
        return 0.0
    shape = _shape(x)
    if axis is None:
        return np.full(shape, g) if shape else g
    if not keepdims:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, shape)


def unreduce_mean(g, x, ans, axis=None, keepdims=False):
    if _zero(g):
        return 0.0
    return unreduce(g, x, axis, keepdims) * (np.size(ans) / np.size(x))


def unreduce_extreme(g, x, ans, axis=None, keepdims=False):
    """Gradient of max/min: shared equally among the positions that attain it."""
    if _zero(g):
        return 0.0
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
        ans = np.expand_dims(ans, axis)
    mask = np.asarray(x) == ans
    return g * mask / np.sum(mask, axis=axis, keepdims=True)


def _ndim(x):
    return x.ndim if x.__class__ is np.ndarray else np.ndim(x)


def matmul_grad_a(g, a, b):
    """Gradient of a @ b with respect to a (NumPy's matmul rules, 1-D cases included)."""
    if g.__class__ is float and g == 0.0:  # a gradient known to be zero
        return 0.0
    an, bn = _ndim(a), _ndim(b)
    if bn == 1:
        if an == 1:
            return g * b
        if an == 2:
            return np.multiply.outer(g, b)
        return unbroadcast(g[..., None] * b, a)
    if an == 1:
        return unbroadcast((b @ g[..., None])[..., 0], a)
    if an == 2 and bn == 2:
        return g @ b.T
    return unbroadcast(g @ np.swapaxes(b, -1, -2), a)


def matmul_grad_b(g, a, b):
    """Gradient of a @ b with respect to b."""
    if g.__class__ is float and g == 0.0:
        return 0.0
    an, bn = _ndim(a), _ndim(b)
    if an == 1:
        if bn == 1:
            return g * a
        if bn == 2:
            return np.multiply.outer(a, g)
        return unbroadcast(a[:, None] * g[..., None, :], b)
    if bn == 1:
        if an == 2:
            return g @ a
        return unbroadcast((np.swapaxes(a, -1, -2) @ g[..., None])[..., 0], b)
    if an == 2 and bn == 2:
        return a.T @ g
    return unbroadcast(np.swapaxes(a, -1, -2) @ g, b)


def _all_vectors(parts) -> bool:
    if not parts:
        return False
    n, m = np.shape(parts[0][0]), np.shape(parts[0][1])
    return len(n) == 1 and len(m) == 1 and all(
        g.__class__ is np.ndarray and v.__class__ is np.ndarray and g.shape == n and v.shape == m
        for g, v in parts)


def sum_matmul_grad_a(parts, a):
    """The sum of matmul_grad_a(g, a, b) over the (g, b) pairs a loop recorded: one
    matrix product for the common matrix-times-vector case."""
    if _ndim(a) == 2 and _all_vectors(parts):
        return np.stack([g for g, _ in parts], axis=1) @ np.stack([b for _, b in parts])
    total = 0.0
    for g, b in parts:
        total = total + matmul_grad_a(g, a, b)
    return total


def sum_matmul_grad_b(parts, b):
    """The sum of matmul_grad_b(g, a, b) over the (g, a) pairs a loop recorded."""
    if _ndim(b) == 2 and _all_vectors(parts):
        return np.stack([a for _, a in parts], axis=1) @ np.stack([g for g, _ in parts])
    total = 0.0
    for g, a in parts:
        total = total + matmul_grad_b(g, a, b)
    return total


def _check_dot(a, b):
    if np.ndim(a) > 2 or np.ndim(b) > 2:
        raise PullbackError("np.dot of arrays with more than 2 dimensions: use np.matmul or @")


def dot_grad_a(g, a, b):
    _check_dot(a, b)
    if g.__class__ is float and g == 0.0:
        return 0.0
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * b, a)
    return matmul_grad_a(g, a, b)


def dot_grad_b(g, a, b):
    _check_dot(a, b)
    if g.__class__ is float and g == 0.0:
        return 0.0
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * a, b)
    return matmul_grad_b(g, a, b)


def reshape_like(g, a):
    """g (the gradient of a reshaped a) in a's shape."""
    if g.__class__ is float:
        return g
    return np.reshape(g, np.shape(a))


def trace_grad(g, a):
    if np.ndim(a) != 2:
        raise PullbackError("np.trace is differentiated for 2-D arrays only")
    return g * np.eye(*np.shape(a))


def pow_grad_base(g, a, b):
    """The gradient of a ** b with respect to a; zero where b == 0 (even at a == 0)."""
    if np.ndim(b) == 0:
        return g * 0.0 if b == 0 else g * b * a ** (b - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b == 0, 0.0, g * b * np.power(a, b - 1.0))


def pow_grad_exponent(g, a, ans):
    """The gradient of a ** b with respect to b; zero where a == 0 (its limit for b > 0)."""
    if np.ndim(a) == 0:
        return g * 0.0 if a == 0 else g * ans * math.log(a)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a == 0, 0.0, g * ans * np.log(np.where(a == 0, 1.0, a)))


def full_grad(g, fill_value, ans):
    """The gradient of np.full / np.full_like with respect to the fill value (zero when
    the result's integer dtype truncated it)."""
    if np.asarray(ans).dtype.kind not in "fc":
        return 0.0
    return unbroadcast(g, fill_value)


def astype_grad(g, ans):
    """x.astype(dtype): the gradient passes for a float result and vanishes for an
    integer one (the conversion truncated)."""
    if np.asarray(ans).dtype.kind not in "fc":
        return 0.0
    return g


HELPERS = {
    name: obj
    for name, obj in globals().items()
    if callable(obj) and not name.startswith("_") and obj.__module__ == __name__
}
