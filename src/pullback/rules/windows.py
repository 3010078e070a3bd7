"""Rules for `np.lib.stride_tricks.sliding_window_view(x, window_shape, axis=None)`, the
windows a convolution or a pooling layer reads (`np.einsum("ijkl,kl->ij",
sliding_window_view(x, w.shape), w)`).

Guarantees:
- the result holds, at window position p and offset o, the entry x[p + o] (along each
  windowed axis; an axis named twice in `axis` adds both offsets), so x's gradient is the
  result's gradient added back at those entries: one vectorized add per window offset
  (the number of offsets is the window's size), never one per entry;
- it is linear in x: its tangent is the windows of x's tangent (a batch of tangents:
  the windows of each, the batch axis left alone);
- that gradient is linear in the result's gradient, with the windows of g as its adjoint,
  so hvp, hessian and grad(grad(f)) go through it. The gradient has x's float dtype.

    >>> import numpy as np, pullback
    >>> from numpy.lib.stride_tricks import sliding_window_view
    >>> def f(x):
    ...     return np.sum(sliding_window_view(x, 2))
    >>> pullback.grad(f)(np.array([1.0, 2.0, 3.0]))
    array([1., 2., 1.])
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import rule
from .support import _zero, as_array


def _windows(ndim, window_shape, axis):
    """(window sizes, the axis of x each slides along) as sliding_window_view reads them."""
    sizes = tuple(np.atleast_1d(window_shape).tolist())
    if axis is None:
        axes = tuple(range(ndim))
    else:
        axes = tuple(int(a) % ndim for a in np.atleast_1d(axis).tolist())
    return sizes, axes


def _added_back(g, shape, window_shape, axis, lead):
    """Windows `g` (after `lead` batch axes) added back into zeros of x's `shape`."""
    sizes, axes = _windows(len(shape), window_shape, axis)
    g = as_array(g)
    nwin = g.shape[lead:lead + len(shape)]
    kind = np.result_type(g.dtype, np.float16)
    out = np.zeros(g.shape[:lead] + tuple(shape), dtype=kind)
    for offsets in np.ndindex(*sizes):
        start = [0] * len(shape)
        for a, o in zip(axes, offsets):
            start[a] += o
        at = (slice(None),) * lead + tuple(slice(s, s + n) for s, n in zip(start, nwin))
        out[at] += g[(Ellipsis,) + offsets]
    return out


def sliding_window_view_grad(g, x, window_shape, axis=None):
    """The gradient of x in sliding_window_view(x, window_shape, axis): each window's
    gradient added back at the entries it shows."""
    if _zero(g):
        return 0.0
    return _added_back(g, np.shape(x), window_shape, axis, 0)


def sliding_window_view_batch(g, x, window_shape, axis=None):
    """The windows of each tangent of a batch (batch axis first, not windowed)."""
    sizes, axes = _windows(np.ndim(x), window_shape, axis)
    return sliding_window_view(np.broadcast_to(g, (len(g),) + np.shape(x)), sizes,
                               axis=tuple(a + 1 for a in axes))


def sliding_window_view_grad_batch(g, x, window_shape, axis=None):
    """sliding_window_view_grad of each tangent of a batch."""
    if _zero(g):
        return 0.0
    return _added_back(g, np.shape(x), window_shape, axis, 1)


def sliding_window_view_grad_transpose(g, d, x, window_shape, axis=None):
    """The adjoint of sliding_window_view_grad(d, x, window_shape, axis) in d: the windows
    of g (a new array)."""
    if _zero(g):
        return 0.0
    sizes, axes = _windows(np.ndim(x), window_shape, axis)
    made = np.array(sliding_window_view(np.broadcast_to(as_array(g), np.shape(x)), sizes,
                                        axis=axes))
    return np.broadcast_to(made, np.shape(d)) if np.ndim(d) else made


RULES = {
    sliding_window_view: rule(
        "x, window_shape, axis=None, *, subok=False, writeable=False", kinds=("view",),
        jvp="linear", x="sliding_window_view_grad(g, x, window_shape, axis)",
        batch={"x": "sliding_window_view_batch(g, x, window_shape, axis)"}),
    # its gradient's own rule (second order)
    sliding_window_view_grad: rule(
        "d, x, window_shape, axis=None", kinds=("fresh",), jvp="linear",
        d="sliding_window_view_grad_transpose(g, d, x, window_shape, axis)",
        batch={"d": "sliding_window_view_grad_batch(g, x, window_shape, axis)"}),
}
NONDIFF: set = set()
HELPERS = {"sliding_window_view_grad": sliding_window_view_grad,
           "sliding_window_view_batch": sliding_window_view_batch,
           "sliding_window_view_grad_batch": sliding_window_view_grad_batch,
           "sliding_window_view_grad_transpose": sliding_window_view_grad_transpose}
