"""NumPy's products and elementary linear algebra, each rule beside the helpers its
gradient calls: dot, vdot, inner, outer, tensordot, einsum, trace, kron, cross, diag,
diagonal, and np.linalg's inv, det, slogdet, solve and cholesky (the decompositions,
svd, eigh, eig, pinv, live in `rules.linalg`; `@` and np.matmul, which the reverse
pass also sums over loops, in `rules.support`). `rules.numpy` lists this family with the
other NumPy rules.

What the helpers guarantee: a gradient with its operand's shape, for real and complex
operands (the conjugate-linear convention of `rules.support`), and a PullbackError
naming the function where the derivative does not exist (a singular matrix for inv and
solve; det at a singular matrix uses the cofactors, which exist there).

    >>> sorted(LINEAR_ALGEBRA[np.linalg.solve].partials)
    ['a', 'b']
"""

from __future__ import annotations

import functools

from ..errors import PullbackError
from ..runtime.helpers import computed_here
from . import rule
from .support import (
    _array,
    _real_only,
    _zero,
    as_array,
    matmul_grad_a,
    matmul_grad_b,
    np,
    reshape_like,
    truncated,
    unbroadcast,
)

FRESH = ("fresh",)  # returns a new array
VIEW = ("view",)  # may return a view of an operand, or the operand itself

# np.einsum takes its operands as *operands, which a rule cannot name: the slots
# op0..op7 hold them (the string form), or operands and sublists alternately (the
# interleaved form, whose first operand lands in `subscripts`).
_EINSUM_SLOTS = ("subscripts",) + tuple(f"op{i}" for i in range(8))
_EINSUM_ARGS = "(" + ", ".join(_EINSUM_SLOTS) + ")"

LINEAR_ALGEBRA = {
    np.dot: rule("a, b", kinds=FRESH, a="dot_grad_a(g, a, b)", b="dot_grad_b(g, a, b)",
                 jvp="bilinear", methods=("dot",)),
    np.vdot: rule("a, b", kinds=FRESH, a="vdot_grad(g, a, b, 0)", b="vdot_grad(g, a, b, 1)",
                  jvp="bilinear"),
    np.inner: rule("a, b", kinds=FRESH, a="inner_grad(g, 0, a, b)", b="inner_grad(g, 1, a, b)",
                   jvp="bilinear"),
    np.outer: rule("a, b", kinds=FRESH, a="outer_grad_a(g, a, b)", b="outer_grad_b(g, a, b)",
                   jvp="bilinear"),
    np.matmul: rule("x1, x2", kinds=FRESH,
                    x1="matmul_grad_a(g, x1, x2)", x2="matmul_grad_b(g, x1, x2)", jvp="bilinear",
                    batch={"x1": "matmul_batch_a(g, x2)", "x2": "matmul_batch_b(x1, g)"}),
    np.tensordot: rule("a, b, axes=2", kinds=FRESH, a="tensordot_grad(g, 0, a, b, axes)",
                       b="tensordot_grad(g, 1, a, b, axes)", jvp="bilinear"),
    np.einsum: rule("subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None, "
                    "op6=None, op7=None, *, optimize=False", kinds=VIEW,
                    **{p: f"einsum_grad(g, {k}, {_EINSUM_ARGS})"
                       for k, p in enumerate(_EINSUM_SLOTS)}, jvp="bilinear"),
    np.trace: rule("a, offset=0, axis1=0, axis2=1, dtype=None", kinds=FRESH,
                   a="trace_grad(g, a, ans, offset, axis1, axis2)", jvp="linear",
                   methods=("trace",)),
    np.kron: rule("a, b", kinds=FRESH, a="kron_grad(g, a, b, 'a')", b="kron_grad(g, a, b, 'b')",
                  jvp="bilinear"),
    np.cross: rule("a, b, axisa=-1, axisb=-1, axisc=-1, axis=None", kinds=FRESH,
                   **{p: f"cross_grad(g, a, b, axisa, axisb, axisc, axis, {p!r})"
                      for p in ("a", "b")}, jvp="bilinear"),
    np.diag: rule("v, k=0", kinds=VIEW, v="diag_grad(g, v, k)", jvp="linear"),
    np.diagonal: rule("a, offset=0, axis1=0, axis2=1", kinds=VIEW,
                      a="diagonal_grad(g, a, offset, axis1, axis2)", jvp="linear",
                      methods=("diagonal",)),
    np.linalg.inv: rule("a", kinds=FRESH, a="inv_grad(g, ans)", jvp={"a": "-(ans @ g @ ans)"}),
    np.linalg.det: rule("a", kinds=FRESH, a="det_grad(g, a, ans)",
                        jvp={"a": "det_tangent(g, a, ans)"}),
    np.linalg.slogdet: rule("a", kinds=FRESH, a="slogdet_grad(g, a)",
                            jvp={"a": "slogdet_tangent(g, a)"}),
    np.linalg.solve: rule("a, b", kinds=FRESH,
                          a="solve_grad_a(g, a, b, ans)", b="solve_grad_b(g, a, b)",
                          jvp={"a": "solve_tangent_a(g, a, ans)", "b": "np.linalg.solve(a, g)"}),
    np.linalg.cholesky: rule("a, *, upper=False", kinds=FRESH, a="cholesky_grad(g, ans, upper)",
                             jvp={"a": "cholesky_tangent(g, ans, upper)"}),
}


def _dot_axes(a, b):
    """The axes np.dot contracts beyond two dimensions, as np.tensordot's: a's last with
    b's second to last (its only one for a vector)."""
    return ([np.ndim(a) - 1], [max(np.ndim(b) - 2, 0)])


def dot_grad_a(g, a, b):
    if g.__class__ is float and g == 0.0:
        return 0.0
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * b, a)
    if np.ndim(a) > 2 or np.ndim(b) > 2:  # np.dot is then np.tensordot over those axes
        return tensordot_grad(g, 0, a, b, _dot_axes(a, b))
    return matmul_grad_a(g, a, b)


def dot_grad_b(g, a, b):
    if g.__class__ is float and g == 0.0:
        return 0.0
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * a, b)
    if np.ndim(a) > 2 or np.ndim(b) > 2:
        return tensordot_grad(g, 1, a, b, _dot_axes(a, b))
    return matmul_grad_b(g, a, b)


def vdot_grad(g, a, b, side):
    """np.vdot(a, b) = sum(conj(a) * b) over the flattened operands: b gets g * conj(a),
    and a, which enters conjugated, the conjugate of g * b."""
    if side:
        return reshape_like(g * np.conj(np.ravel(a)), b)
    part = g * np.ravel(b)
    return reshape_like(np.conj(part) if np.iscomplexobj(part) else part, a)


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _einsum_spec(args):
    """(input subscripts, output subscripts, operands) of an np.einsum call, in either of
    its forms, with ellipses spelled out as letters of their own."""
    args = list(args)
    while args and args[-1] is None:
        args.pop()
    if isinstance(args[0], str):
        spec = args[0].replace(" ", "")
        operands = args[1:]
        inputs, _, out = spec.partition("->")
        subs = inputs.split(",")
        out = out if "->" in spec else None
    else:  # interleaved: op, sublist, op, sublist, ..., [output sublist]
        out = None
        if len(args) % 2:
            out = _sublist(args.pop())
        operands, subs = args[0::2], [_sublist(s) for s in args[1::2]]
    used = set("".join(subs) + (out or "")) - {"."}
    spare = [c for c in _LETTERS if c not in used]
    extra = max([np.ndim(o) - (len(s) - 3) for s, o in zip(subs, operands) if "..." in s] or [0])
    ellipsis = "".join(spare[:extra])
    # an operand's ellipsis stands for its leading axes, aligned right (they broadcast)
    subs = [s.replace("...", ellipsis[len(ellipsis) - (np.ndim(o) - len(s) + 3):])
            for s, o in zip(subs, operands)]
    if out is None:
        counts = "".join(subs)
        out = ellipsis + "".join(sorted(c for c in set(counts) - set(ellipsis)
                                        if counts.count(c) == 1))
    else:
        out = out.replace("...", ellipsis)
    return subs, out, operands


def _sublist(sub):
    return "".join("..." if s is Ellipsis else _LETTERS[s] for s in sub)


def _einsum_operand_grad(g, k, subs, out, operands):
    """The gradient of einsum(subs -> out) with respect to operand k: the einsum of g with
    the other operands, with operand k's subscripts as output. Subscripts only operand k
    has are summed in the forward pass, so they broadcast back (a ones vector); repeated
    subscripts (a diagonal) are put back on the diagonal; size-1 axes that broadcast are
    summed."""
    op = as_array(operands[k])
    sub = subs[k]
    sizes: dict = {}
    for s, o in zip(subs, operands):
        for c, n in zip(s, np.shape(o)):
            sizes[c] = n if sizes.get(c, 1) == 1 else sizes[c]
    unique = "".join(dict.fromkeys(sub))
    terms, ops = [out], [g]
    for j, (s, o) in enumerate(zip(subs, operands)):
        if j != k:
            terms.append(s)
            ops.append(o)
    present = set("".join(terms))
    for c in unique:
        if c not in present:
            terms.append(c)
            ops.append(np.ones(sizes[c]))
    grad = np.einsum(",".join(terms) + "->" + unique, *ops, optimize=len(ops) > 2)
    if len(unique) < len(sub):  # repeated subscripts: embed on the diagonal
        spare = iter(c for c in _LETTERS if c not in sizes)
        full, eyes, seen = [], [], set()
        for c in sub:
            if c in seen:
                fresh = next(spare)
                eyes.append((c + fresh, np.eye(sizes[c])))
                full.append(fresh)
            else:
                seen.add(c)
                full.append(c)
        grad = np.einsum(",".join([unique] + [s for s, _ in eyes]) + "->" + "".join(full),
                         grad, *[e for _, e in eyes])
    summed = tuple(i for i, (m, n) in enumerate(zip(op.shape, grad.shape)) if m == 1 and n != 1)
    if summed:
        grad = np.sum(grad, axis=summed, keepdims=True)
    return grad


def einsum_grad(g, k, args):
    """The gradient of np.einsum(*args) for positional argument k (an operand)."""
    if _zero(g):
        return 0.0
    subs, out, operands = _einsum_spec(args)
    if isinstance(args[0], str):
        index = k - 1
    else:
        index = k // 2
    return _einsum_operand_grad(g, index, subs, out, operands)


def _tensordot_spec(a, b, axes):
    na, nb = np.ndim(a), np.ndim(b)
    if isinstance(axes, (int, np.integer)):
        axes_a, axes_b = list(range(na - axes, na)), list(range(axes))
    else:
        axes_a, axes_b = axes
        axes_a = [axes_a] if isinstance(axes_a, (int, np.integer)) else list(axes_a)
        axes_b = [axes_b] if isinstance(axes_b, (int, np.integer)) else list(axes_b)
    axes_a = [i % na for i in axes_a]
    axes_b = [i % nb for i in axes_b]
    sa = list(_LETTERS[:na])
    sb = list(_LETTERS[na:na + nb])
    for i, j in zip(axes_a, axes_b):
        sb[j] = sa[i]
    out = [c for i, c in enumerate(sa) if i not in axes_a] + \
        [c for j, c in enumerate(sb) if j not in axes_b]
    return ["".join(sa), "".join(sb)], "".join(out)


def tensordot_grad(g, k, a, b, axes=2):
    """The gradient of np.tensordot(a, b, axes) for operand k (0 for a, 1 for b)."""
    if _zero(g):
        return 0.0
    subs, out = _tensordot_spec(a, b, axes)
    return _einsum_operand_grad(g, k, subs, out, [a, b])


def inner_grad(g, k, a, b):
    """The gradient of np.inner(a, b) (a product over the last axes; a plain product when
    either is a scalar) for operand k."""
    if _zero(g):
        return 0.0
    na, nb = np.ndim(a), np.ndim(b)
    if na == 0 or nb == 0:
        subs = ["", _LETTERS[:nb]] if na == 0 else [_LETTERS[:na], ""]
        out = subs[0] or subs[1]
    else:
        sa, sb = _LETTERS[:na], _LETTERS[na:na + nb - 1] + _LETTERS[na - 1]
        subs, out = [sa, sb], sa[:-1] + sb[:-1]
    return _einsum_operand_grad(g, k, subs, out, [a, b])


def outer_grad_a(g, a, b):
    if _zero(g):
        return 0.0
    return np.reshape(g @ np.ravel(b), np.shape(a))


def outer_grad_b(g, a, b):
    if _zero(g):
        return 0.0
    return np.reshape(np.ravel(a) @ g, np.shape(b))


def _diagonal_embed(g, shape, offset, axis1, axis2):
    """Zeros of `shape` holding g on the diagonal np.diagonal(., offset, axis1, axis2) reads."""
    g = computed_here(g, "a diagonal (np.diagonal, np.diag, np.trace)")
    out = np.zeros(shape, dtype=np.result_type(g, float))
    view = np.moveaxis(out, (axis1, axis2), (-2, -1))
    i = np.arange(np.shape(g)[-1])
    view[..., i + max(-offset, 0), i + max(offset, 0)] = g
    return out


def diag_grad(g, v, k=0):
    """np.diag builds a matrix from a vector, or reads a diagonal from a matrix."""
    if _zero(g):
        return 0.0
    if np.ndim(v) == 1:
        return np.diagonal(g, k).copy()
    return _diagonal_embed(g, np.shape(v), k, 0, 1)


def diagonal_grad(g, a, offset=0, axis1=0, axis2=1):
    if _zero(g):
        return 0.0
    return _diagonal_embed(g, np.shape(a), offset, axis1, axis2)


def _mT(a):
    return np.swapaxes(a, -1, -2)


def inv_grad(g, ans):
    """d inv(A) = -inv(A) dA inv(A), so the gradient is -inv(A)^T g inv(A)^T (batched)."""
    if _zero(g):
        return 0.0
    t = _mT(ans)
    return -(t @ g @ t)


def _cofactors(a, det):
    """det(A) inv(A)^T, the gradient of det: by inversion, or for a singular matrix from
    the singular value decomposition (the adjugate stays defined)."""
    if np.all(det != 0):
        try:
            return as_array(det)[..., None, None] * _mT(np.linalg.inv(a))
        except np.linalg.LinAlgError:
            pass
    u, s, vt = np.linalg.svd(a)
    n = s.shape[-1]
    others = np.stack([np.prod(np.delete(s, i, axis=-1), axis=-1) for i in range(n)], -1)
    sign = np.linalg.det(u) * np.linalg.det(vt)
    return as_array(sign)[..., None, None] * ((u * others[..., None, :]) @ vt)


def det_grad(g, a, ans):
    if _zero(g):
        return 0.0
    return as_array(g)[..., None, None] * _cofactors(as_array(a), ans)


def slogdet_grad(g, a):
    """np.linalg.slogdet returns (sign, logabsdet); its gradient arrives as a pair, and only
    logabsdet carries one: inv(A)^T."""
    if _zero(g):
        return 0.0
    _real_only(a, "np.linalg.slogdet")
    glog = g[1]
    if _zero(glog):
        return 0.0
    return as_array(glog)[..., None, None] * _mT(np.linalg.inv(a))


def _solve_adjoint(g, a, b):
    """inv(A)^T g, the gradient of solve(A, b) with respect to b, before unbroadcasting."""
    if np.ndim(b) == 1:
        return np.linalg.solve(_mT(a), as_array(g)[..., None])[..., 0]
    return np.linalg.solve(_mT(a), g)


def solve_grad_a(g, a, b, ans):
    if _zero(g):
        return 0.0
    gb = _solve_adjoint(g, a, b)
    if np.ndim(b) == 1:
        return unbroadcast(-gb[..., :, None] * ans[..., None, :], a)
    return unbroadcast(-(gb @ _mT(ans)), a)


def solve_grad_b(g, a, b):
    if _zero(g):
        return 0.0
    return unbroadcast(_solve_adjoint(g, a, b), b)


def cholesky_grad(g, ans, upper=False):
    """The gradient of L = cholesky(A) (Murray 2016): S = L^-T Phi(L^T gL) L^-1, Phi taking
    the lower triangle with the diagonal halved. NumPy reads only the lower triangle of A
    (the upper one when upper=True), so the gradient lives in that triangle: S + S^T off
    the diagonal, S on it."""
    if _zero(g):
        return 0.0
    _real_only(ans, "np.linalg.cholesky")
    L = _mT(ans) if upper else ans
    gL = _mT(g) if upper else g
    P = np.tril(_mT(L) @ gL)
    P = P - 0.5 * (P * np.eye(P.shape[-1]))
    S = _mT(_solve_lower_transposed(L, _mT(_solve_lower_transposed(L, P))))
    grad = np.tril(S + _mT(S), -1) + S * np.eye(S.shape[-1])
    return _mT(grad) if upper else grad


def _solve_lower_transposed(L, B):
    """L^-T B for lower-triangular L: a triangular solve (SciPy's, for one matrix, when
    SciPy is installed), else a general one."""
    if L.ndim == 2 and np.isrealobj(L):
        solve = _triangular_solver()
        if solve is not None:
            return solve(L, B, lower=True, trans="T", check_finite=False)
    return np.linalg.solve(_mT(L), B)


@functools.cache
def _triangular_solver():
    try:
        from scipy.linalg import solve_triangular
    except ImportError:
        return None
    return solve_triangular


def kron_grad(g, a, b, wrt):
    """np.kron(a, b)[i * m + j] = a[i] b[j] on each axis (the shorter shape padded with 1s
    in front): g viewed with the (a, b) index pairs interleaved, contracted with the other."""
    if _zero(g):
        return 0.0
    a, b = _array(a), _array(b)
    d = max(np.ndim(a), np.ndim(b))
    sa = (1,) * (d - np.ndim(a)) + np.shape(a)
    sb = (1,) * (d - np.ndim(b)) + np.shape(b)
    paired = np.reshape(g, [n for pair in zip(sa, sb) for n in pair])
    if wrt == "a":
        out = np.tensordot(paired, np.reshape(b, sb), axes=(tuple(range(1, 2 * d, 2)),
                                                              tuple(range(d))))
        return np.reshape(out, np.shape(a))
    out = np.tensordot(paired, np.reshape(a, sa), axes=(tuple(range(0, 2 * d, 2)),
                                                          tuple(range(d))))
    return np.reshape(out, np.shape(b))


def cross_grad(g, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None, wrt="a"):
    """np.cross is bilinear: a gets cross(b, g), b gets cross(g, a), with 2-vectors
    taken as 3-vectors with a zero third component (their cross product is its z part)."""
    if _zero(g):
        return 0.0
    if axis is not None:
        axisa = axisb = axisc = axis
    a3, b3 = np.moveaxis(_array(a), axisa, -1), np.moveaxis(_array(b), axisb, -1)
    na, nb = a3.shape[-1], b3.shape[-1]
    if na == 2 and nb == 2:
        g3 = np.stack([np.zeros_like(g), np.zeros_like(g), g], -1)
    else:
        g3 = np.moveaxis(g, axisc, -1)
    widen = lambda v: v if v.shape[-1] == 3 else np.concatenate(  # noqa: E731
        [v, np.zeros(v.shape[:-1] + (1,), dtype=v.dtype)], -1)
    if wrt == "a":
        out = np.cross(widen(b3), g3)[..., :na]
        return np.moveaxis(unbroadcast(out, a3), -1, axisa)
    out = np.cross(g3, widen(a3))[..., :nb]
    return np.moveaxis(unbroadcast(out, b3), -1, axisb)


def trace_grad(g, a, ans, offset=0, axis1=0, axis2=1):
    """np.trace sums a diagonal: g spread on that diagonal (zero when an integer dtype
    truncated the sum)."""
    if _zero(g) or truncated(ans):
        return 0.0
    shape = np.shape(a)
    view = np.diagonal(np.empty(shape, dtype=bool), offset, axis1, axis2)
    return _diagonal_embed(np.broadcast_to(np.expand_dims(g, -1), view.shape), shape, offset,
                           axis1, axis2)


def det_tangent(t, a, ans):
    """d det(A) = tr(adj(A) dA): the cofactors, which reverse mode's rule uses too, are
    defined at a singular A as well (det(A) tr(A^-1 dA) is not)."""
    return np.sum(_cofactors(as_array(a), ans) * t, axis=(-2, -1))


def solve_tangent_a(t, a, ans):
    """The tangent of x = solve(A, b) along dA: -A^-1 dA x, with x a vector (b 1-D, also
    beside a stack of matrices) or a matrix."""
    vector = np.ndim(ans) == np.ndim(a) - 1
    x = as_array(ans)[..., None] if vector else ans
    out = -np.linalg.solve(a, t @ x)
    return out[..., 0] if vector else out


def slogdet_tangent(t, a):
    """(sign, log|det A|): the sign does not vary; d log|det A| = tr(A^-1 dA)."""
    if np.iscomplexobj(a):
        raise PullbackError("forward mode of np.linalg.slogdet takes real matrices only")
    return (0.0, np.trace(np.linalg.solve(a, t), axis1=-2, axis2=-1))


def cholesky_tangent(t, ans, upper=False):
    """dL = L Phi(L^-1 dA L^-T) for A = L L^T (Phi: the lower triangle, the diagonal
    halved), dA symmetric from the triangle NumPy reads (the lower one, the upper one
    when upper=True)."""
    if np.iscomplexobj(ans) or np.iscomplexobj(t):
        raise PullbackError("forward mode of np.linalg.cholesky takes real matrices only")
    t = as_array(t)
    swap = (lambda m: np.swapaxes(m, -1, -2))
    if upper:
        t, ans = swap(t), swap(ans)
    low = np.tril(t, -1)
    symmetric = low + swap(low) + t * np.eye(t.shape[-1])
    inner = np.linalg.solve(ans, swap(np.linalg.solve(ans, symmetric)))  # L^-1 dA L^-T
    phi = np.tril(inner, -1) + 0.5 * inner * np.eye(t.shape[-1])
    tangent = ans @ phi
    return swap(tangent) if upper else tangent


# the helpers the templates above call by name (pullback.helpers binds them in generated code)
HELPERS = {name: obj for name, obj in list(globals().items())
           if callable(obj) and not name.startswith("_") and obj.__module__ == __name__}
