"""Rules for the functions that spread each of several arrays over a common grid:
`np.meshgrid(x, y, ...)` (indexing "xy" or "ij", sparse or not) and
`np.broadcast_arrays(a, b, ...)`, up to eight arrays (the slots x0 ... x7, as einsum's).

Guarantees:
- result k is array k spread over the grid (its entries repeated), so the gradient of
  array k is result k's gradient summed back to array k's shape (meshgrid: over every
  axis but array k's, then shaped like array k, which meshgrid reads flattened;
  broadcast_arrays: unbroadcast), and a result that gets no gradient gives its array none;
- both are linear, each result in one array: the tangent is the function of the tangents
  (an array without one, a zero array of its shape);
- their gradients are linear in the results' gradients (a list), with adjoints that
  spread an array's gradient back over its result (meshgrid_grad_transpose,
  broadcast_arrays_grad_transpose), so hvp, hessian and grad(grad(f)) go through them.

    >>> import numpy as np, pullback
    >>> def f(x, y):
    ...     X, Y = np.meshgrid(x, y)
    ...     return np.sum(X * Y)
    >>> pullback.grad(f)(np.array([1.0, 2.0, 3.0]), np.array([1.0, 10.0]))
    array([11., 11., 11.])
"""

from __future__ import annotations

import numpy as np

from ..runtime.helpers import GradList
from . import rule
from .support import _zero, as_array, unbroadcast

_SLOTS = tuple(f"x{k}" for k in range(8))


def _axis_of(k, n, indexing):
    """The axis of meshgrid's grid along which array k of n varies."""
    if indexing == "xy" and n >= 2 and k < 2:
        return 1 - k
    return k


def meshgrid_grad(g, k, xk, ans, indexing="xy"):
    """The gradient of array k (`xk`) of np.meshgrid, whose results are `ans`: result k's
    gradient summed over every axis but array k's."""
    gk = g[k] if isinstance(g, (list, tuple)) else g
    if _zero(gk):
        return 0.0
    gk = np.broadcast_to(as_array(gk), np.shape(ans[k]))
    axis = _axis_of(k, len(ans), indexing)
    others = tuple(a for a in range(gk.ndim) if a != axis)
    return np.reshape(np.sum(gk, axis=others), np.shape(xk))


def broadcast_arrays_grad(g, k, xk, ans):
    """The gradient of array k (`xk`) of np.broadcast_arrays: result k's, unbroadcast."""
    gk = g[k] if isinstance(g, (list, tuple)) else g
    if _zero(gk):
        return 0.0
    return unbroadcast(gk, xk)


def _only(k, n, value):
    """A list of n gradients: `value` at k, none elsewhere."""
    return GradList(value if i == k else 0.0 for i in range(n))


def meshgrid_grad_transpose(g, d, k, xk, made, indexing="xy"):
    """The adjoint of meshgrid_grad(d, k, xk, made, indexing) in d: g (of array k's shape)
    spread along array k's axis of result k, no gradient for the other results."""
    if _zero(g):
        return 0.0
    axis = _axis_of(k, len(made), indexing)
    shape = [1] * np.ndim(made[k])
    shape[axis] = -1
    spread = np.broadcast_to(np.reshape(as_array(g), shape), np.shape(made[k]))
    return _only(k, len(made), np.array(spread))


def broadcast_arrays_grad_transpose(g, d, k, xk, made):
    """The adjoint of broadcast_arrays_grad(d, k, xk, made) in d."""
    if _zero(g):
        return 0.0
    return _only(k, len(made), np.array(np.broadcast_to(g, np.shape(made[k]))))


_SIGNATURE = ", ".join(f"{s}=None" for s in _SLOTS)
RULES = {
    np.meshgrid: rule(
        f"{_SIGNATURE}, *, copy=True, sparse=False, indexing='xy'", kinds=("fresh",),
        jvp="linear", **{s: f"meshgrid_grad(g, {k}, {s}, ans, indexing)"
                         for k, s in enumerate(_SLOTS)}),
    np.broadcast_arrays: rule(
        f"{_SIGNATURE}, *, subok=False", kinds=("view",), jvp="linear",
        **{s: f"broadcast_arrays_grad(g, {k}, {s}, ans)" for k, s in enumerate(_SLOTS)}),
    # their gradients' own rules (second order)
    meshgrid_grad: rule("d, k, xk, made, indexing='xy'", kinds=("fresh",), jvp="linear",
                        d="meshgrid_grad_transpose(g, d, k, xk, made, indexing)"),
    broadcast_arrays_grad: rule("d, k, xk, made", kinds=("fresh",), jvp="linear",
                                d="broadcast_arrays_grad_transpose(g, d, k, xk, made)"),
}
NONDIFF: set = set()
HELPERS = {"meshgrid_grad": meshgrid_grad, "broadcast_arrays_grad": broadcast_arrays_grad,
           "meshgrid_grad_transpose": meshgrid_grad_transpose,
           "broadcast_arrays_grad_transpose": broadcast_arrays_grad_transpose}
