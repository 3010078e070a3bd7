"""Rules for autograd's own functions that no NumPy or SciPy function computes: its
tensor convolution, `autograd.scipy.signal.convolve(A, B, axes=None, dot_axes=[(), ()],
mode='full')` (autograd's function, not SciPy's: code written for autograd calls it, its
convnet example among them), `autograd.numpy.make_diagonal(D, offset=0, axis1=-1,
axis2=-2)` (D laid on the diagonal of its last axis and a new one) and
`autograd.misc.flatten(value)` (a nesting of lists, tuples and dicts of arrays -> one
vector, and the function that rebuilds the nesting). rules.autograd_wrapped gives
autograd's functions the rules of `autograd_convolve`, `autograd_make_diagonal` and
`autograd_flatten` here, which compute the same.

Guarantees:
- the convolution is bilinear: with each pair of convolved axes related by a 0/1 tensor
  T[a, b, n] = [n = a + b - offset] (offset 0 for 'full', min(N_A, N_B) - 1 for 'valid',
  (N_B - 1) // 2 for 'same', as autograd's code pads and flips), the dot axes summed and
  the other axes kept (A's, then B's, then the convolved ones), it is one np.einsum of A,
  B and the T's, and its gradient in either operand the same einsum with g in that
  operand's place;
- the gradient checks that einsum against the result autograd's function returned (a
  PullbackError if they differ, never a gradient of another function); its tangent is
  the convolution itself on the tangents (bilinear); no second order (a second derivative
  is refused where it reaches autograd_convolve_grad);
- make_diagonal is linear: its gradient is the diagonal of g it wrote D on, its tangent
  make_diagonal of the tangent (autograd's function takes only offset=0, axis1=-1,
  axis2=-2, and raises for the others);
- flatten is linear in its leaves: its gradient is the vector part of the pair it
  returned laid back into the nesting (lists and tuples as lists, dicts as dicts, each
  leaf's shape), its tangent the pair (the tangent's leaves flattened, none); the function
  it returns carries no gradient, and a call of it inside f is refused as a call of a
  computed function.
"""

from __future__ import annotations

import numpy as np

from ..errors import PullbackError
from ..runtime.helpers import GradDict, GradList
from . import rule
from .support import _zero


def _relation(n_a, n_b, mode):
    """T[a, b, n] = 1 where output position n takes A's a times B's b."""
    if mode == "full":
        size, offset = n_a + n_b - 1, 0
    elif mode == "valid":
        size, offset = abs(n_a - n_b) + 1, min(n_a, n_b) - 1
    elif mode == "same":
        size, offset = n_a, (n_b - 1) // 2
    else:
        raise PullbackError(f"autograd's convolve has no mode {mode!r}")
    a, b, n = np.ogrid[:n_a, :n_b, :size]
    return (n == a + b - offset).astype(float)


def _operands(A, B, axes, dot_axes, mode):
    """(A's labels, B's labels, [(T, labels) per convolved pair], the output's labels)."""
    A, B = np.asarray(A), np.asarray(B)
    if axes is None:
        axes = [list(range(A.ndim)), list(range(A.ndim))]
    conv_a, conv_b = [int(i) % A.ndim for i in axes[0]], [int(i) % B.ndim for i in axes[1]]
    dot_a, dot_b = [int(i) % A.ndim for i in dot_axes[0]], [int(i) % B.ndim for i in dot_axes[1]]
    labels_a = list(range(A.ndim))
    labels_b = list(range(A.ndim, A.ndim + B.ndim))
    for i, j in zip(dot_a, dot_b):
        labels_b[j] = labels_a[i]
    fresh = A.ndim + B.ndim
    relations, conv_out = [], []
    for k, (i, j) in enumerate(zip(conv_a, conv_b)):
        relations.append((_relation(A.shape[i], B.shape[j], mode),
                          [labels_a[i], labels_b[j], fresh + k]))
        conv_out.append(fresh + k)
    out = [labels_a[i] for i in range(A.ndim) if i not in conv_a and i not in dot_a] + \
        [labels_b[j] for j in range(B.ndim) if j not in conv_b and j not in dot_b] + conv_out
    return A, B, labels_a, labels_b, relations, out


def autograd_convolve(A, B, axes=None, dot_axes=((), ()), mode="full"):
    """autograd.scipy.signal.convolve, as one np.einsum (the function its rule is for)."""
    A, B, la, lb, relations, out = _operands(A, B, axes, dot_axes, mode)
    args = [A, la, B, lb]
    for T, labels in relations:
        args += [T, labels]
    return np.einsum(*args, out)


def autograd_convolve_grad(g, ans, A, B, axes, dot_axes, mode, side):
    """The gradient of autograd's convolve in A (side 0) or B (side 1): the einsum with g
    in the output's place, after checking the einsum computes what autograd returned."""
    if _zero(g):
        return 0.0
    if np.iscomplexobj(A) or np.iscomplexobj(B) or np.iscomplexobj(g):
        raise PullbackError("autograd's convolve of complex values: pullback differentiates "
                            "it for real values only")
    A, B, la, lb, relations, out = _operands(A, B, axes, dot_axes, mode)
    if not np.allclose(autograd_convolve(A, B, axes, dot_axes, mode), ans, rtol=1e-10,
                       atol=1e-12 * max(1.0, float(np.max(np.abs(ans), initial=0.0)))):
        raise PullbackError("autograd's convolve returned what pullback's rule for it does not "
                            f"compute (axes={axes}, dot_axes={dot_axes}, mode={mode!r}): no "
                            "gradient is given rather than a wrong one")
    args = [np.asarray(g, dtype=float), out, B if side == 0 else A, lb if side == 0 else la]
    for T, labels in relations:
        args += [T, labels]
    return np.einsum(*args, la if side == 0 else lb)


def autograd_make_diagonal(D, offset=0, axis1=-1, axis2=-2):
    """autograd.numpy.make_diagonal: D on the diagonal of its last axis and a new one."""
    if not (offset == 0 and axis1 == -1 and axis2 == -2):
        raise NotImplementedError("make_diagonal takes offset=0, axis1=-1, axis2=-2 only")
    D = np.asarray(D)
    return np.where(np.eye(D.shape[-1], dtype=bool), D[..., None], 0.0)


def _leaves(value):
    """value's leaves in autograd.misc.flatten's order: a list's or tuple's (exactly those
    types) in order, a dict's by sorted key, anything else one leaf."""
    if type(value) in (list, tuple):
        for item in value:
            yield from _leaves(item)
    elif type(value) is dict:
        for key in sorted(value):
            yield from _leaves(value[key])
    else:
        yield value


def _rebuilt(value, flat, list_type, dict_type):
    """A structure like `value` holding the pieces of the vector `flat` in its leaves' order
    (each reshaped to its leaf's shape; a scalar leaf a float), with `list_type` for its
    lists and tuples and `dict_type` for its dicts."""
    at = 0

    def build(v):
        nonlocal at
        if type(v) in (list, tuple):
            return list_type(build(item) for item in v)
        if type(v) is dict:
            return dict_type((key, build(v[key])) for key in sorted(v))
        shape = np.shape(v)
        size = int(np.prod(shape))
        piece = np.reshape(flat[at:at + size], shape)
        at += size
        return piece[()] if shape == () else piece
    return build(value)


def autograd_flatten(value):
    """autograd.misc.flatten: value's leaves raveled and joined in order, and the function
    that rebuilds such a structure from a vector."""
    leaves = [np.ravel(v) for v in _leaves(value)]
    flat = np.concatenate(leaves) if leaves else np.array([])
    return flat, lambda vector: _rebuilt(value, np.asarray(vector), list, dict)


def flatten_grad(g, value):
    """The gradient of autograd.misc.flatten(value): the pair's vector part laid back into
    value's structure (its function part carries none)."""
    if _zero(g) or _zero(g[0]):
        return 0.0
    return _rebuilt(value, np.asarray(g[0]), GradList, GradDict)


def flatten_tangent(t, value):
    """The tangent of autograd.misc.flatten(value) along t (a structure like value's, or a
    zero for all of it or any part): the pair (t's leaves flattened, none)."""
    if _zero(t):
        return 0.0
    pieces = []

    def walk(v, tv):
        if type(v) in (list, tuple):
            for i, item in enumerate(v):
                walk(item, 0.0 if _zero(tv) else tv[i])
        elif type(v) is dict:
            for key in sorted(v):
                walk(v[key], 0.0 if _zero(tv) else tv[key])
        else:
            pieces.append(np.ravel(np.broadcast_to(0.0 if _zero(tv) else tv, np.shape(v))))
    walk(value, t)
    return (np.concatenate(pieces) if pieces else np.array([]), 0.0)


def flatten_grad_transpose(g, d, value):
    """flatten_grad is linear in d: its adjoint is flatten's tangent, as a gradient pair."""
    if _zero(g):
        return 0.0
    return GradList(flatten_tangent(g, value))


RULES = {
    autograd_make_diagonal: rule("D, offset=0, axis1=-1, axis2=-2", kinds=("fresh",),
                                 jvp="linear", D="np.diagonal(g, offset, axis1, axis2)"),
    autograd_convolve: rule(
        "A, B, axes=None, dot_axes=((), ()), mode='full'", kinds=("fresh",), jvp="bilinear",
        A="autograd_convolve_grad(g, ans, A, B, axes, dot_axes, mode, 0)",
        B="autograd_convolve_grad(g, ans, A, B, axes, dot_axes, mode, 1)"),
    autograd_flatten: rule("value", kinds=("fresh",), value="flatten_grad(g, value)",
                           jvp={"value": "flatten_tangent(g, value)"}),
    flatten_grad: rule("d, value", kinds=("fresh",), jvp="linear",
                       d="flatten_grad_transpose(g, d, value)"),
}
NONDIFF: set = set()
HELPERS = {f.__name__: f for f in (autograd_convolve, autograd_convolve_grad,
                                   autograd_make_diagonal, autograd_flatten, flatten_grad,
                                   flatten_tangent, flatten_grad_transpose)}
