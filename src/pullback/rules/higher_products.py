"""Rules for the gradient helpers of products, linear algebra and logsumexp, so that a
second derivative (hessian, hvp, grad of grad, jvp of grad) goes through them: the
gradients of np.einsum, np.inner, np.cross, np.convolve, np.prod, np.linalg.det,
np.linalg.slogdet, np.linalg.solve and scipy.special.logsumexp.

Guarantees:
- the gradient of a multilinear function (einsum, inner, cross, convolve) with respect
  to operand k, grad_k(d, ops), is linear in d and in every other operand and reads
  operand k for its shape only; so its tangent along operand k is zero, along another
  operand j it is grad_k(d, ops with j replaced by its tangent), its adjoint in d is the
  function itself with operand k replaced by g (the transpose of grad_k), and its
  adjoint in operand j is grad_j(d, ops with k replaced by g). These identities are
  exact for every shape the first-order gradient takes, broadcasting included;
- the rest are derived in closed form where the function is smooth, and refuse (a
  PullbackError naming the function) where the gradient was formed otherwise: np.prod of
  an array with zeros, np.linalg.det of a singular matrix;
- complex values are refused: these derivations are for real values.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..errors import PullbackError
from ..runtime import helpers as runtime
from . import linear_algebra, reductions, rule
from . import numpy as numpy_rules
from .support import _axes, _keep

FRESH = ("fresh",)


def _zero(g) -> bool:
    return g.__class__ is float and g == 0.0


def _real(what, *values):
    """Refuse complex values in a second derivative through `what`."""
    for v in values:
        if isinstance(v, (list, tuple)):
            _real(what, *v)
        elif not _zero(v) and np.iscomplexobj(v):
            raise PullbackError(f"a second derivative through {what} of complex values: "
                                "pullback differentiates its gradient for real values only")


def _mT(a):
    return np.swapaxes(a, -1, -2)


# multilinear products: grad_k(d, ops) ----------------------------------------------------


def _einsum_call(args):
    """np.einsum(*args), the unused operand slots (None) left out, as a new array."""
    args = list(args)
    while args and args[-1] is None:
        args.pop()
    return np.array(np.einsum(*args))


def _replaced(args, i, value):
    return tuple(value if j == i else a for j, a in enumerate(args))


def _operand_slots(args):
    """The positions of the operands in an einsum call's arguments: after the subscripts
    (the string form), or every other one from the first (the interleaved form)."""
    n = len(args)
    while n and args[n - 1] is None:
        n -= 1
    if isinstance(args[0], str):
        return range(1, n)
    return range(0, n - n % 2, 2)


def einsum_grad_tangent(t, d, k, args):
    """einsum_grad(d, k, args) along the tangents t of the operands in args (a tuple, the
    known zero 0.0 where an entry has none): the sum over the operands j other than k of
    the same gradient with operand j replaced by its tangent."""
    if _zero(t) or _zero(d):
        return 0.0
    _real("np.einsum", d, *[args[j] for j in _operand_slots(args)])
    total = 0.0
    for j in _operand_slots(args):
        if j != k and not _zero(t[j]):
            _real("np.einsum", t[j])
            part = linear_algebra.einsum_grad(d, k, _replaced(args, j, t[j]))
            total = part if _zero(total) else total + part
    return total


def einsum_grad_adjoint_d(g, d, k, args):
    """The transpose of d -> einsum_grad(d, k, args): np.einsum with operand k replaced by g."""
    if _zero(g):
        return 0.0
    _real("np.einsum", g, *[args[j] for j in _operand_slots(args)])
    return np.reshape(_einsum_call(_replaced(args, k, g)), np.shape(d))


def einsum_grad_adjoint_args(g, d, k, args):
    """The gradient of <g, einsum_grad(d, k, args)> in each entry of args: for an operand j
    other than k, einsum_grad(d, j, args with operand k replaced by g); none for operand
    k (read for its shape) and the subscripts."""
    if _zero(g) or _zero(d):
        return 0.0
    _real("np.einsum", g, d, *[args[j] for j in _operand_slots(args)])
    swapped = _replaced(args, k, g)
    slots = set(_operand_slots(args)) - {k}
    return runtime.GradList(linear_algebra.einsum_grad(d, j, swapped) if j in slots else 0.0
                            for j in range(len(args)))


def _two(side, t, a, b):
    """(a, b) with operand `side` (0 or 1, or 'a' / 'b' ...) replaced by t."""
    return (t, b) if side == 0 else (a, t)


def inner_grad_tangent(t, d, k, a, b, side):
    """inner_grad(d, k, a, b) is linear in the operand other than k (k read for its shape)."""
    if side == k or _zero(t) or _zero(d):
        return 0.0
    _real("np.inner", t, d, a, b)
    return linear_algebra.inner_grad(d, k, *_two(side, t, a, b))


def inner_grad_adjoint_d(g, d, k, a, b):
    if _zero(g):
        return 0.0
    _real("np.inner", g, a, b)
    return np.reshape(np.inner(*_two(k, g, a, b)), np.shape(d))


def inner_grad_adjoint_operand(g, d, k, a, b, side):
    if side == k or _zero(g) or _zero(d):
        return 0.0
    _real("np.inner", g, d, a, b)
    return linear_algebra.inner_grad(d, side, *_two(k, g, a, b))


_SIDE = {"a": 0, "b": 1, "v": 1, "in1": 0, "in2": 1}


def cross_grad_tangent(t, d, a, b, axisa, axisb, axisc, axis, wrt, side):
    if side == wrt or _zero(t) or _zero(d):
        return 0.0
    _real("np.cross", t, d, a, b)
    return linear_algebra.cross_grad(d, *_two(_SIDE[side], t, a, b), axisa, axisb, axisc, axis,
                                     wrt)


def cross_grad_adjoint_d(g, d, a, b, axisa, axisb, axisc, axis, wrt):
    if _zero(g):
        return 0.0
    _real("np.cross", g, a, b)
    return np.reshape(np.cross(*_two(_SIDE[wrt], g, a, b), axisa, axisb, axisc, axis),
                      np.shape(d))


def cross_grad_adjoint_operand(g, d, a, b, axisa, axisb, axisc, axis, wrt, side):
    if side == wrt or _zero(g) or _zero(d):
        return 0.0
    _real("np.cross", g, d, a, b)
    return linear_algebra.cross_grad(d, *_two(_SIDE[wrt], g, a, b), axisa, axisb, axisc, axis,
                                     side)


def dot_grad_tangent(t, d, a, b, wrt, side):
    """dot_grad_a(d, a, b) (wrt 0) is linear in d and b, reads a for its shape; dot_grad_b
    (wrt 1) the other way round."""
    if side == wrt or _zero(t) or _zero(d):
        return 0.0
    _real("np.dot", t, d, a, b)
    grad = linear_algebra.dot_grad_a if wrt == 0 else linear_algebra.dot_grad_b
    return grad(d, *_two(side, t, a, b))


def dot_grad_adjoint_d(g, d, a, b, wrt):
    if _zero(g):
        return 0.0
    _real("np.dot", g, a, b)
    return runtime.unbroadcast(np.dot(*_two(wrt, g, a, b)), d)


def dot_grad_adjoint_operand(g, d, a, b, wrt, side):
    if side == wrt or _zero(g) or _zero(d):
        return 0.0
    _real("np.dot", g, d, a, b)
    grad = linear_algebra.dot_grad_a if side == 0 else linear_algebra.dot_grad_b
    return grad(d, *_two(wrt, g, a, b))


def convolve_grad_tangent(t, d, a, v, mode, wrt, side):
    if side == wrt or _zero(t) or _zero(d):
        return 0.0
    _real("np.convolve", t, d, a, v)
    return numpy_rules.convolve_grad(d, *_two(_SIDE[side], t, a, v), mode, wrt)


def convolve_grad_adjoint_d(g, d, a, v, mode, wrt):
    if _zero(g):
        return 0.0
    _real("np.convolve", g, a, v)
    return np.reshape(np.convolve(*_two(_SIDE[wrt], g, a, v), mode), np.shape(d))


def convolve_grad_adjoint_operand(g, d, a, v, mode, wrt, side):
    if side == wrt or _zero(g) or _zero(d):
        return 0.0
    _real("np.convolve", g, d, a, v)
    return numpy_rules.convolve_grad(d, *_two(_SIDE[wrt], g, a, v), mode, side)


# scipy.signal's convolve / fftconvolve / correlate: real-bilinear in (in1, in2), so their
# gradients are as np.convolve's (`kind` names the forward function) -----------------------


def _signal(kind):
    from scipy import signal

    from . import scipy_signal
    if kind == "convolve":
        return signal.convolve, scipy_signal.signal_convolve_grad
    return signal.correlate, scipy_signal.signal_correlate_grad


def signal_grad_tangent(t, d, in1, in2, mode, wrt, side, kind):
    """signal_<kind>_grad(d, in1, in2, mode, wrt) is linear in d and in the operand other
    than wrt (wrt read for its shape)."""
    if side == wrt or _zero(t) or _zero(d):
        return 0.0
    _real(f"scipy.signal.{kind}", t, d, in1, in2)
    return _signal(kind)[1](d, *_two(_SIDE[side], t, in1, in2), mode, wrt)


def signal_grad_adjoint_d(g, d, in1, in2, mode, wrt, kind):
    """The transpose of d -> the gradient in wrt: the function with operand wrt replaced."""
    if _zero(g):
        return 0.0
    _real(f"scipy.signal.{kind}", g, in1, in2)
    return np.reshape(_signal(kind)[0](*_two(_SIDE[wrt], g, in1, in2), mode), np.shape(d))


def signal_grad_adjoint_operand(g, d, in1, in2, mode, wrt, side, kind):
    if side == wrt or _zero(g) or _zero(d):
        return 0.0
    _real(f"scipy.signal.{kind}", g, d, in1, in2)
    return _signal(kind)[1](d, *_two(_SIDE[wrt], g, in1, in2), mode, side)


# products of several matrices: np.linalg.multi_dot (the factors of a list) and
# np.linalg.matrix_power (n factors a): multilinear in the factors, as above -------------


def _chain(factors):
    out = factors[0]
    for f in factors[1:]:
        out = out @ f
    return out


def _chain_grad(d, factors, i):
    """The gradient of <d, f_0 @ ... @ f_(n-1)> in factor i (matrices, stacks broadcast):
    (the product before it)^T d (the product after it)^T."""
    out = d
    if i:
        out = _mT(_chain(factors[:i])) @ out
    if i + 1 < len(factors):
        out = out @ _mT(_chain(factors[i + 1:]))
    return out


def _multi_factors(arrays):
    """multi_dot's factors as matrices (a first vector a row, a last one a column)."""
    factors = [np.asarray(x) for x in arrays]
    if factors[0].ndim == 1:
        factors[0] = factors[0][None, :]
    if factors[-1].ndim == 1:
        factors[-1] = factors[-1][:, None]
    return factors


def _matrix_of(v, like):
    return np.reshape(v, np.shape(like))


def multi_dot_grad_tangent(t, d, arrays):
    """Factor i's gradient along the tangents t of the factors: the sum over j != i of the
    same gradient with factor j replaced by its tangent."""
    if _zero(t) or _zero(d):
        return 0.0
    _real("np.linalg.multi_dot", d, *arrays)
    factors = _multi_factors(arrays)
    D = np.reshape(d, (factors[0].shape[0], factors[-1].shape[1]))
    out = [0.0] * len(arrays)
    for j, tj in enumerate(t):
        if _zero(tj):
            continue
        _real("np.linalg.multi_dot", tj)
        moved = factors[:j] + [np.reshape(tj, factors[j].shape)] + factors[j + 1:]
        for i in range(len(arrays)):
            if i != j:
                part = _matrix_of(_chain_grad(D, moved, i), arrays[i])
                out[i] = part if _zero(out[i]) else out[i] + part
    return runtime.GradList(out)


def multi_dot_grad_adjoint_d(g, d, arrays):
    """<g, multi_dot_grad(d, arrays)> = <d, the sum over i of the product with factor i
    replaced by g_i>."""
    if _zero(g):
        return 0.0
    _real("np.linalg.multi_dot", *arrays)
    factors = _multi_factors(arrays)
    total = 0.0
    for i, gi in enumerate(g):
        if not _zero(gi):
            _real("np.linalg.multi_dot", gi)
            part = _chain(factors[:i] + [np.reshape(gi, factors[i].shape)] + factors[i + 1:])
            total = part if _zero(total) else total + part
    return total if _zero(total) else np.reshape(total, np.shape(d))


def _power_factors(a, n, *values):
    if n < 0:
        raise PullbackError("a second derivative through np.linalg.matrix_power with a "
                            "negative power: pullback differentiates its gradient for n >= 0")
    _real("np.linalg.matrix_power", a, *values)
    return [np.asarray(a)] * n


def _power_pairs(d, factors, other):
    """The sum over i and j != i of factor i's gradient with factor j replaced by `other`."""
    total = 0.0
    for j in range(len(factors)):
        moved = factors[:j] + [other] + factors[j + 1:]
        for i in range(len(factors)):
            if i != j:
                part = _chain_grad(d, moved, i)
                total = part if _zero(total) else total + part
    return total


def matrix_power_grad_tangent_a(t, d, a, n):
    if _zero(t) or _zero(d) or n in (0, 1):
        return 0.0
    factors = _power_factors(a, n, t, d)
    return runtime.unbroadcast(_power_pairs(d, factors, np.asarray(t)), a)


def matrix_power_grad_adjoint_d(g, d, a, n):
    if _zero(g) or n == 0:
        return 0.0
    factors = _power_factors(a, n, g)
    total = sum(_chain(factors[:i] + [np.asarray(g)] + factors[i + 1:]) for i in range(n))
    return runtime.unbroadcast(total, d)


def matrix_power_grad_adjoint_a(g, d, a, n):
    if _zero(g) or _zero(d) or n in (0, 1):
        return 0.0
    factors = _power_factors(a, n, g, d)
    return runtime.unbroadcast(_power_pairs(d, factors, np.asarray(g)), a)


# np.prod: prod_grad(d, a, axis, keepdims) = D P / a for an a without zeros -------------


def _prod_parts(d, a, axis, keepdims, *values):
    """(a, the reduced axes, D: d with them kept, P / a: the product of the other factors),
    refusing an a with zeros (its gradient is formed otherwise) and complex values."""
    a = np.asarray(a)
    _real("np.prod", a, d, *values)
    if not np.all(a != 0):
        raise PullbackError("a second derivative through np.prod of an array with zeros: "
                            "pullback differentiates its gradient where no entry is zero")
    axes = _axes(axis, a.ndim)
    others = np.prod(a, axis=axes, keepdims=True) / a
    return a, axes, (0.0 if d is None else _keep(d, a.ndim, axes, keepdims)), others


def prod_grad_tangent_a(t, d, a, axis=None, keepdims=False):
    """D P / a along t: D (P / a) (sum(t / a) - t / a), the sum over the reduced axes."""
    if _zero(t) or _zero(d):
        return 0.0
    a, axes, D, others = _prod_parts(d, a, axis, keepdims, t)
    ratio = t / a
    return D * others * (np.sum(ratio, axis=axes, keepdims=True) - ratio)


def prod_grad_adjoint_d(g, d, a, axis=None, keepdims=False):
    if _zero(g):
        return 0.0
    a, axes, _, others = _prod_parts(None, a, axis, keepdims, g)
    return np.reshape(np.sum(g * others, axis=axes, keepdims=keepdims), np.shape(d))


def prod_grad_adjoint_a(g, d, a, axis=None, keepdims=False):
    """The transpose of t -> D (P / a) (sum(t / a) - t / a): with w = g D P / a,
    (sum(w) - w) / a."""
    if _zero(g) or _zero(d):
        return 0.0
    a, axes, D, others = _prod_parts(d, a, axis, keepdims, g)
    w = g * D * others
    return (np.sum(w, axis=axes, keepdims=True) - w) / a


# np.linalg.det, slogdet, solve ---------------------------------------------------------


def _inverse_transposed(a, what, *values):
    _real(what, a, *values)
    try:
        return _mT(np.linalg.inv(a))
    except np.linalg.LinAlgError:
        raise PullbackError(f"a second derivative through {what} at a singular matrix: "
                            "pullback differentiates its gradient where the matrix is "
                            "invertible") from None


def _matrix_scalar(v):
    return np.asarray(v)[..., None, None]


def _det_parts(d, a, made, *values):
    """(C = inv(a)^T, D = d det(a) as a stack of 1 x 1 matrices): det_grad(d, a, det) is
    D C where det != 0 (the cofactors are formed otherwise at a singular matrix)."""
    if np.any(np.asarray(made) == 0):
        raise PullbackError("a second derivative through np.linalg.det at a singular matrix: "
                            "pullback differentiates its gradient where det != 0")
    C = _inverse_transposed(a, "np.linalg.det", d, made, *values)
    return C, _matrix_scalar(d * made)


def det_grad_tangent_a(t, d, a, made):
    """d (det C) along t with det held: -d det C t^T C."""
    if _zero(t) or _zero(d):
        return 0.0
    C, D = _det_parts(d, a, made, t)
    return -D * (C @ _mT(t) @ C)


def det_grad_tangent_made(t, d, a, made):
    if _zero(t) or _zero(d):
        return 0.0
    C, _ = _det_parts(d, a, made, t)
    return _matrix_scalar(d * t) * C


def det_grad_adjoint_d(g, d, a, made):
    if _zero(g):
        return 0.0
    C, _ = _det_parts(1.0, a, made, g)
    return np.reshape(np.sum(g * C, axis=(-2, -1)) * made, np.shape(d))


def det_grad_adjoint_a(g, d, a, made):
    """The transpose of t -> -D C t^T C: -D C g^T C."""
    if _zero(g) or _zero(d):
        return 0.0
    C, D = _det_parts(d, a, made, g)
    return -D * (C @ _mT(g) @ C)


def det_grad_adjoint_made(g, d, a, made):
    if _zero(g) or _zero(d):
        return 0.0
    C, _ = _det_parts(d, a, made, g)
    return np.reshape(np.sum(g * C, axis=(-2, -1)) * d, np.shape(made))


def _log_part(d):
    """The gradient of slogdet's log|det| from the pair slogdet_grad gets (0.0: none)."""
    return 0.0 if _zero(d) else d[1]


def slogdet_grad_tangent_a(t, d, a):
    """slogdet_grad(d, a) = d[1] C with C = inv(a)^T: along t, -d[1] C t^T C."""
    log = _log_part(d)
    if _zero(t) or _zero(log):
        return 0.0
    C = _inverse_transposed(a, "np.linalg.slogdet", t, log)
    return -_matrix_scalar(log) * (C @ _mT(t) @ C)


def slogdet_grad_adjoint_d(g, d, a):
    """d is the gradient of the pair (sign, log|det|), and slogdet_grad(d, a) = d[1] C
    (C = inv(a)^T): the adjoint is the pair (0, <g, C> over each matrix)."""
    if _zero(g):
        return 0.0
    C = _inverse_transposed(a, "np.linalg.slogdet", g)
    return runtime.GradList([0.0, np.sum(g * C, axis=(-2, -1))])


def slogdet_grad_adjoint_a(g, d, a):
    log = _log_part(d)
    if _zero(g) or _zero(log):
        return 0.0
    C = _inverse_transposed(a, "np.linalg.slogdet", g, log)
    return -_matrix_scalar(log) * (C @ _mT(g) @ C)


def _column(v, vector):
    """v as a stack of matrices: a column for a vector right-hand side."""
    return np.asarray(v)[..., None] if vector else np.asarray(v)


def _uncolumn(v, vector):
    return v[..., 0] if vector else v


def _solve_parts(d, a, b, *values):
    """(vector: whether b is one right-hand side, D = A^-T d as a stack of matrices)."""
    _real("np.linalg.solve", d, a, b, *values)
    vector = np.ndim(b) == 1
    return vector, np.linalg.solve(_mT(a), _column(d, vector))


def _spread(g, shape):
    """g broadcast to `shape` (the adjoint of summing to g's shape)."""
    return np.broadcast_to(g, shape) if np.shape(g) != tuple(shape) else g


def solve_grad_b_tangent_a(t, d, a, b):
    """solve_grad_b(d, a, b) = A^-T d (summed to b's shape): along t, -A^-T t^T A^-T d."""
    if _zero(t) or _zero(d):
        return 0.0
    vector, D = _solve_parts(d, a, b, t)
    return runtime.unbroadcast(_uncolumn(-np.linalg.solve(_mT(a), _mT(t) @ D), vector), b)


def solve_grad_b_adjoint_d(g, d, a, b):
    """The transpose of d -> A^-T d summed to b's shape: A^-1 g, g spread to d's shape."""
    if _zero(g):
        return 0.0
    _real("np.linalg.solve", g, a, b)
    vector = np.ndim(b) == 1
    return _uncolumn(np.linalg.solve(a, _column(_spread(g, np.shape(d)), vector)), vector)


def solve_grad_b_adjoint_a(g, d, a, b):
    """<G, -A^-T t^T D> = <-D (A^-1 G)^T, t>, G = g spread to d's shape."""
    if _zero(g) or _zero(d):
        return 0.0
    vector, D = _solve_parts(d, a, b, g)
    H = np.linalg.solve(a, _column(_spread(g, np.shape(d)), vector))
    return runtime.unbroadcast(-(D @ _mT(H)), a)


def solve_grad_a_tangent_a(t, d, a, b, x):
    """solve_grad_a(d, a, b, x) = -D X^T (summed to a's shape), D = A^-T d: along the
    tangent t of a, D moves by -A^-T t^T D."""
    if _zero(t) or _zero(d):
        return 0.0
    vector, D = _solve_parts(d, a, b, t, x)
    return runtime.unbroadcast(np.linalg.solve(_mT(a), _mT(t) @ D) @ _mT(_column(x, vector)),
                               a)


def solve_grad_a_tangent_x(t, d, a, b, x):
    if _zero(t) or _zero(d):
        return 0.0
    vector, D = _solve_parts(d, a, b, t, x)
    return runtime.unbroadcast(-(D @ _mT(_column(t, vector))), a)


def solve_grad_a_adjoint_d(g, d, a, b, x):
    """<G, -D X^T> = <-A^-1 G X, d> (G: g spread to the stacked shape)."""
    if _zero(g):
        return 0.0
    _real("np.linalg.solve", g, a, b, x)
    vector = np.ndim(b) == 1
    X = _column(x, vector)
    G = _spread(g, np.broadcast_shapes(np.shape(a), np.shape(X)[:-1] + np.shape(a)[-1:]))
    return np.reshape(_uncolumn(-np.linalg.solve(a, G @ X), vector), np.shape(d))


def solve_grad_a_adjoint_x(g, d, a, b, x):
    """<G, -D t^T> = <-G^T D, t>."""
    if _zero(g) or _zero(d):
        return 0.0
    vector, D = _solve_parts(d, a, b, g, x)
    return np.reshape(_uncolumn(-(_mT(g) @ D), vector), np.shape(x))


def solve_grad_a_adjoint_a(g, d, a, b, x):
    """<G, A^-T t^T D X^T> = <D (A^-1 G X)^T, t>."""
    if _zero(g) or _zero(d):
        return 0.0
    vector, D = _solve_parts(d, a, b, g, x)
    H = np.linalg.solve(a, g @ _column(x, vector))
    return runtime.unbroadcast(D @ _mT(H), a)


# np.linalg.cholesky: cholesky_grad(d, L) = T(S), S = L^-T Phi(L^T D) L^-1 (Murray 2016),
# Phi the lower triangle with its diagonal halved, T(S) = S + S^T below the diagonal and S
# on it (the triangle NumPy reads); for upper=True, the same of the transposes -----------


def _phi(x):
    return np.tril(x) - 0.5 * (x * np.eye(x.shape[-1]))


def _cholesky_parts(d, factor, upper, *values):
    """(L lower, D in L's orientation, L^-1, S) for cholesky_grad(d, factor, upper)."""
    _real("np.linalg.cholesky", d, factor, *values)
    L = _mT(factor) if upper else np.asarray(factor)
    D = (_mT(d) if upper else np.asarray(d)) if not _zero(d) else None
    inverse = np.linalg.inv(L)
    S = None if D is None else _mT(inverse) @ _phi(_mT(L) @ D) @ inverse
    return L, D, inverse, S


def _in_triangle(x, upper):
    """T(x): the gradient of the lower triangle NumPy reads (of the upper one, transposed)."""
    made = np.tril(x + _mT(x), -1) + x * np.eye(x.shape[-1])
    return _mT(made) if upper else made


def _symmetric_from(g, upper):
    """T's transpose: g (in L's orientation) as the symmetric matrix of its lower triangle."""
    g = _mT(g) if upper else np.asarray(g)
    return np.tril(g) + _mT(np.tril(g, -1))


def cholesky_grad_tangent_factor(t, d, factor, upper=False):
    """T(dS) along the tangent t of L: dS = -L^-T t^T S + L^-T Phi(t^T D) L^-1 - S t L^-1."""
    if _zero(t) or _zero(d):
        return 0.0
    L, D, inverse, S = _cholesky_parts(d, factor, upper, t)
    dL = _mT(t) if upper else np.asarray(t)
    dS = -_mT(inverse) @ _mT(dL) @ S + _mT(inverse) @ _phi(_mT(dL) @ D) @ inverse \
        - S @ dL @ inverse
    return _in_triangle(dS, upper)


def cholesky_grad_adjoint_d(g, d, factor, upper=False):
    """<g, T(L^-T Phi(L^T D) L^-1)> = <L Phi(Z), D>, Z = L^-1 Y L^-T, Y = T's transpose of g
    (np.linalg.cholesky's own tangent along g)."""
    if _zero(g):
        return 0.0
    L, _, inverse, _ = _cholesky_parts(0.0, factor, upper, g)
    Z = inverse @ _symmetric_from(g, upper) @ _mT(inverse)
    made = L @ _phi(Z)
    return np.reshape(_mT(made) if upper else made, np.shape(d))


def cholesky_grad_adjoint_factor(g, d, factor, upper=False):
    """The transpose of the tangent above: -(S Y + S^T Y) L^-T + D Phi(Z)^T, in L's lower
    triangle (L's upper one is zero, never read)."""
    if _zero(g) or _zero(d):
        return 0.0
    L, D, inverse, S = _cholesky_parts(d, factor, upper, g)
    Y = _symmetric_from(g, upper)
    Z = inverse @ Y @ _mT(inverse)
    made = np.tril(-(S @ Y + _mT(S) @ Y) @ _mT(inverse) + D @ _mT(_phi(Z)))
    return _mT(made) if upper else made


# scipy.special.logsumexp without weights: D exp(a - L), L the result, D and L with the
# reduced axes kept --------------------------------------------------------------------


def _softmax_sum(v, axis):
    return np.sum(v, axis=axis, keepdims=True)


def softmax_grad_tangent_s(t, d, s, axis=None):
    """softmax_grad(d, s, axis) = s (d - sum(d s)): bilinear in d and s; along s's tangent
    t, t (d - sum(d s)) - s sum(d t)."""
    if _zero(t) or _zero(d):
        return 0.0
    _real("scipy.special.softmax", t, d, s)
    return t * (d - _softmax_sum(d * s, axis)) - s * _softmax_sum(d * t, axis)


def softmax_grad_adjoint_s(g, d, s, axis=None):
    if _zero(g) or _zero(d):
        return 0.0
    _real("scipy.special.softmax", g, d, s)
    return g * (d - _softmax_sum(d * s, axis)) - d * _softmax_sum(g * s, axis)


def log_softmax_grad_tangent_l(t, d, logs, axis=None):
    """log_softmax_grad(d, logs, axis) = d - exp(logs) sum(d): along logs's tangent t,
    -exp(logs) t sum(d)."""
    if _zero(t) or _zero(d):
        return 0.0
    _real("scipy.special.log_softmax", t, d, logs)
    return -np.exp(logs) * t * _softmax_sum(d, axis)


def log_softmax_grad_adjoint_d(g, d, logs, axis=None):
    if _zero(g):
        return 0.0
    _real("scipy.special.log_softmax", g, logs)
    return runtime.unbroadcast(g - _softmax_sum(g * np.exp(logs), axis), d)


def log_softmax_grad_adjoint_l(g, d, logs, axis=None):
    if _zero(g) or _zero(d):
        return 0.0
    _real("scipy.special.log_softmax", g, d, logs)
    return -g * np.exp(logs) * _softmax_sum(d, axis)


def _logsumexp_parts(d, a, made, axis, b, keepdims, *values):
    """a as an array, the reduced axes, D (d with them kept) and the weight exp(a - made)
    broadcast against b: logsumexp_grad(d, ...) is unbroadcast(D weight b, a) in a and
    unbroadcast(D weight, b) in b. With return_sign=True (made the pair (L, sign): see
    scipy.logsumexp_signed), made is L and D is d[0] sign."""
    if isinstance(made, tuple):
        d = None if d is None else (0.0 if _zero(d) or _zero(d[0]) else d[0] * made[1])
        made = made[0]
    a = np.asarray(a)
    _real("scipy.special.logsumexp", a, b, d, made, *values)
    ndim = a.ndim if b is None else np.broadcast(a, b).ndim
    axes = _axes(axis, ndim)
    weight = np.exp(a - _keep(made, ndim, axes, keepdims))
    if b is not None:
        weight = np.broadcast_to(weight, np.broadcast_shapes(weight.shape, np.shape(b)))
    return a, ndim, axes, (0.0 if d is None else _keep(d, ndim, axes, keepdims)), weight


def _logsumexp_out(p, a, b, wrt):
    """The gradient logsumexp_grad forms from p = D weight (or its tangent)."""
    if wrt == "a":
        return runtime.unbroadcast(p if b is None else p * b, a)
    return runtime.unbroadcast(p, b)


def logsumexp_grad_tangent_a(t, d, a, made, axis=None, b=None, keepdims=False, wrt="a"):
    if _zero(t) or _zero(d):
        return 0.0
    a, ndim, axes, D, weight = _logsumexp_parts(d, a, made, axis, b, keepdims, t)
    return _logsumexp_out(D * weight * t, a, b, wrt)


def logsumexp_grad_tangent_made(t, d, a, made, axis=None, b=None, keepdims=False, wrt="a"):
    if _zero(t) or _zero(d):
        return 0.0
    if isinstance(made, tuple):  # return_sign=True: the sign does not vary
        t = 0.0 if _zero(t) else t[0]
        if _zero(t):
            return 0.0
    a, ndim, axes, D, weight = _logsumexp_parts(d, a, made, axis, b, keepdims, t)
    return _logsumexp_out(-D * weight * _keep(t, ndim, axes, keepdims), a, b, wrt)


def logsumexp_grad_tangent_b(t, d, a, made, axis=None, b=None, keepdims=False, wrt="a"):
    """The gradient in a is linear in b (D weight b); the one in b does not read b."""
    if _zero(t) or _zero(d) or wrt != "a":
        return 0.0
    a, ndim, axes, D, weight = _logsumexp_parts(d, a, made, axis, b, keepdims, t)
    return runtime.unbroadcast(D * weight * t, a)


def _logsumexp_seed(g, b, wrt):
    """The adjoint of p = D weight, from the adjoint g of the gradient it forms."""
    return g * b if wrt == "a" and b is not None else g


def logsumexp_grad_adjoint_d(g, d, a, made, axis=None, b=None, keepdims=False, wrt="a"):
    if _zero(g):
        return 0.0
    a, ndim, axes, _, weight = _logsumexp_parts(None, a, made, axis, b, keepdims, g)
    summed = np.sum(_logsumexp_seed(g, b, wrt) * weight, axis=axes, keepdims=keepdims)
    if isinstance(made, tuple):  # return_sign=True: d the pair, its sign's part unread
        return runtime.GradList([np.reshape(summed * made[1], np.shape(made[0])), 0.0])
    return np.reshape(summed, np.shape(d))


def logsumexp_grad_adjoint_a(g, d, a, made, axis=None, b=None, keepdims=False, wrt="a"):
    if _zero(g) or _zero(d):
        return 0.0
    a, ndim, axes, D, weight = _logsumexp_parts(d, a, made, axis, b, keepdims, g)
    return runtime.unbroadcast(_logsumexp_seed(g, b, wrt) * D * weight, a)


def logsumexp_grad_adjoint_made(g, d, a, made, axis=None, b=None, keepdims=False, wrt="a"):
    if _zero(g) or _zero(d):
        return 0.0
    a, ndim, axes, D, weight = _logsumexp_parts(d, a, made, axis, b, keepdims, g)
    summed = np.sum(_logsumexp_seed(g, b, wrt) * D * weight, axis=axes, keepdims=keepdims)
    if isinstance(made, tuple):  # return_sign=True: L's part, the sign's none
        return runtime.GradList([np.reshape(-summed, np.shape(made[0])), 0.0])
    return np.reshape(-summed, np.shape(made))


def logsumexp_grad_adjoint_b(g, d, a, made, axis=None, b=None, keepdims=False, wrt="a"):
    if _zero(g) or _zero(d) or wrt != "a":
        return 0.0
    a, ndim, axes, D, weight = _logsumexp_parts(d, a, made, axis, b, keepdims, g)
    return runtime.unbroadcast(g * D * weight, b)


# np.linalg.eigvalsh: eigvalsh_grad(d, a) = T(V diag(d) V^T), V the eigenvectors of the
# symmetric matrix a's triangle stands for, T as for cholesky in that triangle; along its
# tangent, V moves by V (F o M), M = V^T dA V, F[i, j] = 1 / (w_j - w_i) -----------------


def _eigvalsh_parts(a, UPLO, *values):
    """(w, V, F) of the symmetric matrix a's triangle UPLO stands for (repeated
    eigenvalues refused: the vectors, which the second derivative reads, are not unique)."""
    from . import linalg

    _real("np.linalg.eigvalsh", a, *values)
    w, V = np.linalg.eigh(a, UPLO)
    return w, V, linalg._inverse_gaps(w, "np.linalg.eigvalsh (a second derivative)", True)


def _triangle_transposed(g, upper):
    """The transpose of linalg._triangle: g's triangle as the symmetric matrix it stands for."""
    g = np.asarray(g)
    kept = np.triu(g) if upper else np.tril(g)
    return kept + _mT(np.triu(g, 1) if upper else np.tril(g, -1))


def _diag(v):
    return np.asarray(v)[..., :, None] * np.eye(np.shape(v)[-1])


def eigvalsh_grad_tangent_a(t, d, a, UPLO="L"):
    """T(V (K D - D K) V^T), K = F o (V^T dA V), D = diag(d), dA the symmetric tangent."""
    from . import linalg

    if _zero(t) or _zero(d):
        return 0.0
    w, V, F = _eigvalsh_parts(a, UPLO, t, d)
    upper = UPLO.upper() == "U"
    K = F * (_mT(V) @ _triangle_transposed(t, upper) @ V)
    D = _diag(d)
    return linalg._triangle(V @ (K @ D - D @ K) @ _mT(V), UPLO)


def eigvalsh_grad_adjoint_d(g, d, a, UPLO="L"):
    """diag(V^T Y V), Y the symmetric matrix g's triangle stands for (eigvalsh's tangent)."""
    if _zero(g):
        return 0.0
    w, V, _ = _eigvalsh_parts(a, UPLO, g)
    Y = _triangle_transposed(g, UPLO.upper() == "U")
    return np.reshape(np.einsum("...ji,...jk,...ki->...i", V, Y, V), np.shape(d))


def eigvalsh_grad_adjoint_a(g, d, a, UPLO="L"):
    """T(V (F o (W D - D W)) V^T), W = V^T Y V: the transpose of the tangent above."""
    from . import linalg

    if _zero(g) or _zero(d):
        return 0.0
    w, V, F = _eigvalsh_parts(a, UPLO, g, d)
    W = _mT(V) @ _triangle_transposed(g, UPLO.upper() == "U") @ V
    D = _diag(d)
    return linalg._triangle(V @ (F * (W @ D - D @ W)) @ _mT(V), UPLO)


# scipy.linalg.expm: expm_grad(d, a) = L(A^T, d), L(X, E) expm's Frechet derivative at X
# along E, the top right block of expm([[X, E], [0, X]]): so its tangent is the top right
# block of L(B, dB) with B = [[A^T, d], [0, A^T]], and L(X, .)'s transpose is L(X^T, .) ---


def _blocks(top_left, top_right, bottom_right):
    zeros = np.zeros(np.shape(top_left))
    return np.concatenate([np.concatenate([top_left, top_right], -1),
                           np.concatenate([zeros, bottom_right], -1)], -2)


def _frechet(x, e):
    """L(x, e) for each matrix of a stack."""
    from scipy import linalg as scipy_linalg

    x, e = np.asarray(x), np.broadcast_to(e, np.shape(x))
    out = np.empty(x.shape, dtype=np.result_type(x, e, float))
    for index in np.ndindex(x.shape[:-2]):
        out[index] = scipy_linalg.expm_frechet(x[index], e[index], compute_expm=False)
    return out


def expm_grad_tangent_a(t, d, a):
    if _zero(t) or _zero(d):
        return 0.0
    _real("scipy.linalg.expm", t, d, a)
    n = np.shape(a)[-1]
    at, tt = _mT(np.asarray(a)), _mT(np.broadcast_to(t, np.shape(a)))
    d = np.broadcast_to(d, np.shape(a))
    return _frechet(_blocks(at, d, at), _blocks(tt, np.zeros(np.shape(a)), tt))[..., :n, n:]


def expm_grad_adjoint_d(g, d, a):
    if _zero(g):
        return 0.0
    _real("scipy.linalg.expm", g, a)
    return runtime.unbroadcast(_frechet(a, g), d)


def expm_grad_adjoint_a(g, d, a):
    """With Q = L(B^T, [[0, g], [0, 0]]): (Q's top left + bottom right blocks)^T."""
    if _zero(g) or _zero(d):
        return 0.0
    _real("scipy.linalg.expm", g, d, a)
    n = np.shape(a)[-1]
    at, zeros = _mT(np.asarray(a)), np.zeros(np.shape(a))
    big = _blocks(at, np.broadcast_to(d, np.shape(a)), at)
    Q = _frechet(_mT(big), _blocks(zeros, np.broadcast_to(g, np.shape(a)), zeros))
    return _mT(Q[..., :n, :n] + Q[..., n:, n:])


def _rules():
    rules = {
        # multilinear: linear in d and the other operands, operand k read for its shape
        linear_algebra.einsum_grad: rule(
            "d, k, args", kinds=FRESH,
            jvp={"d": "einsum_grad(g, k, args)", "args": "einsum_grad_tangent(g, d, k, args)"},
            d="einsum_grad_adjoint_d(g, d, k, args)",
            args="einsum_grad_adjoint_args(g, d, k, args)"),
        linear_algebra.inner_grad: rule(
            "d, k, a, b", kinds=FRESH,
            jvp={"d": "inner_grad(g, k, a, b)", "a": "inner_grad_tangent(g, d, k, a, b, 0)",
                 "b": "inner_grad_tangent(g, d, k, a, b, 1)"},
            d="inner_grad_adjoint_d(g, d, k, a, b)",
            a="inner_grad_adjoint_operand(g, d, k, a, b, 0)",
            b="inner_grad_adjoint_operand(g, d, k, a, b, 1)"),
        linear_algebra.cross_grad: rule(
            "d, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None, wrt='a'", kinds=FRESH,
            jvp={"d": "cross_grad(g, a, b, axisa, axisb, axisc, axis, wrt)",
                 **{p: f"cross_grad_tangent(g, d, a, b, axisa, axisb, axisc, axis, wrt, {p!r})"
                    for p in "ab"}},
            d="cross_grad_adjoint_d(g, d, a, b, axisa, axisb, axisc, axis, wrt)",
            **{p: f"cross_grad_adjoint_operand(g, d, a, b, axisa, axisb, axisc, axis, wrt, {p!r})"
               for p in "ab"}),
        linear_algebra.dot_grad_a: rule(
            "d, a, b", kinds=FRESH,
            jvp={"d": "dot_grad_a(g, a, b)", "a": "dot_grad_tangent(g, d, a, b, 0, 0)",
                 "b": "dot_grad_tangent(g, d, a, b, 0, 1)"},
            d="dot_grad_adjoint_d(g, d, a, b, 0)",
            a="dot_grad_adjoint_operand(g, d, a, b, 0, 0)",
            b="dot_grad_adjoint_operand(g, d, a, b, 0, 1)"),
        linear_algebra.dot_grad_b: rule(
            "d, a, b", kinds=FRESH,
            jvp={"d": "dot_grad_b(g, a, b)", "a": "dot_grad_tangent(g, d, a, b, 1, 0)",
                 "b": "dot_grad_tangent(g, d, a, b, 1, 1)"},
            d="dot_grad_adjoint_d(g, d, a, b, 1)",
            a="dot_grad_adjoint_operand(g, d, a, b, 1, 0)",
            b="dot_grad_adjoint_operand(g, d, a, b, 1, 1)"),
        numpy_rules.convolve_grad: rule(
            "d, a, v, mode, wrt", kinds=FRESH,
            jvp={"d": "convolve_grad(g, a, v, mode, wrt)",
                 **{p: f"convolve_grad_tangent(g, d, a, v, mode, wrt, {p!r})" for p in "av"}},
            d="convolve_grad_adjoint_d(g, d, a, v, mode, wrt)",
            **{p: f"convolve_grad_adjoint_operand(g, d, a, v, mode, wrt, {p!r})" for p in "av"}),
        reductions.prod_grad: rule(
            "d, a, axis=None, keepdims=False", kinds=FRESH,
            jvp={"d": "prod_grad(g, a, axis, keepdims)",
                 "a": "prod_grad_tangent_a(g, d, a, axis, keepdims)"},
            d="prod_grad_adjoint_d(g, d, a, axis, keepdims)",
            a="prod_grad_adjoint_a(g, d, a, axis, keepdims)"),
        # d det(a) inv(a)^T (`made`: det's result; `ans` in a template is the rule's own)
        linear_algebra.det_grad: rule(
            "d, a, made", kinds=FRESH,
            jvp={"d": "det_grad(g, a, made)", "a": "det_grad_tangent_a(g, d, a, made)",
                 "made": "det_grad_tangent_made(g, d, a, made)"},
            d="det_grad_adjoint_d(g, d, a, made)", a="det_grad_adjoint_a(g, d, a, made)",
            made="det_grad_adjoint_made(g, d, a, made)"),
        linear_algebra.slogdet_grad: rule(
            "d, a", kinds=FRESH,
            jvp={"d": "slogdet_grad(g, a)", "a": "slogdet_grad_tangent_a(g, d, a)"},
            d="slogdet_grad_adjoint_d(g, d, a)", a="slogdet_grad_adjoint_a(g, d, a)"),
        linear_algebra.solve_grad_b: rule(
            "d, a, b", kinds=FRESH,
            jvp={"d": "solve_grad_b(g, a, b)", "a": "solve_grad_b_tangent_a(g, d, a, b)"},
            d="solve_grad_b_adjoint_d(g, d, a, b)", a="solve_grad_b_adjoint_a(g, d, a, b)"),
        # (`x`: solve's result)
        linear_algebra.solve_grad_a: rule(
            "d, a, b, x", kinds=FRESH,
            jvp={"d": "solve_grad_a(g, a, b, x)", "a": "solve_grad_a_tangent_a(g, d, a, b, x)",
                 "x": "solve_grad_a_tangent_x(g, d, a, b, x)"},
            d="solve_grad_a_adjoint_d(g, d, a, b, x)",
            a="solve_grad_a_adjoint_a(g, d, a, b, x)",
            x="solve_grad_a_adjoint_x(g, d, a, b, x)"),
    }
    # (`factor`: cholesky's result)
    rules[linear_algebra.cholesky_grad] = rule(
        "d, factor, upper=False", kinds=FRESH,
        jvp={"d": "cholesky_grad(g, factor, upper)",
             "factor": "cholesky_grad_tangent_factor(g, d, factor, upper)"},
        d="cholesky_grad_adjoint_d(g, d, factor, upper)",
        factor="cholesky_grad_adjoint_factor(g, d, factor, upper)")
    from . import linalg

    rules[linalg.linalg_multi_dot_grad] = rule(
        "d, arrays", kinds=FRESH,
        jvp={"d": "linalg_multi_dot_grad(g, arrays)",
             "arrays": "multi_dot_grad_tangent(g, d, arrays)"},
        d="multi_dot_grad_adjoint_d(g, d, arrays)",
        # (factor j's adjoint, the sum over i != j of its gradient with factor i replaced
        # by g_i, is the tangent's formula: multilinear, the same products)
        arrays="multi_dot_grad_tangent(g, d, arrays)")
    rules[linalg.linalg_matrix_power_grad] = rule(
        "d, a, n", kinds=FRESH,
        jvp={"d": "linalg_matrix_power_grad(g, a, n)",
             "a": "matrix_power_grad_tangent_a(g, d, a, n)"},
        d="matrix_power_grad_adjoint_d(g, d, a, n)", a="matrix_power_grad_adjoint_a(g, d, a, n)")
    rules[linalg.linalg_eigvalsh_grad] = rule(
        "d, a, UPLO='L'", kinds=FRESH,
        jvp={"d": "linalg_eigvalsh_grad(g, a, UPLO)",
             "a": "eigvalsh_grad_tangent_a(g, d, a, UPLO)"},
        d="eigvalsh_grad_adjoint_d(g, d, a, UPLO)", a="eigvalsh_grad_adjoint_a(g, d, a, UPLO)")
    try:
        from . import scipy as scipy_rules
    except ImportError:
        return rules
    rules[scipy_rules.logsumexp_grad] = rule(
        "d, a, made, axis=None, b=None, keepdims=False, wrt='a'", kinds=FRESH,
        jvp={"d": "logsumexp_grad(g, a, made, axis, b, keepdims, wrt)",
             "a": "logsumexp_grad_tangent_a(g, d, a, made, axis, b, keepdims, wrt)",
             "made": "logsumexp_grad_tangent_made(g, d, a, made, axis, b, keepdims, wrt)",
             "b": "logsumexp_grad_tangent_b(g, d, a, made, axis, b, keepdims, wrt)"},
        d="logsumexp_grad_adjoint_d(g, d, a, made, axis, b, keepdims, wrt)",
        a="logsumexp_grad_adjoint_a(g, d, a, made, axis, b, keepdims, wrt)",
        made="logsumexp_grad_adjoint_made(g, d, a, made, axis, b, keepdims, wrt)",
        b="logsumexp_grad_adjoint_b(g, d, a, made, axis, b, keepdims, wrt)")
    from . import scipy_signal

    for kind in ("convolve", "correlate"):
        helper = f"signal_{kind}_grad"
        rules[getattr(scipy_signal, helper)] = rule(
            "d, in1, in2, mode, wrt", kinds=FRESH,
            jvp={"d": f"{helper}(g, in1, in2, mode, wrt)",
                 **{p: f"signal_grad_tangent(g, d, in1, in2, mode, wrt, {p!r}, {kind!r})"
                    for p in ("in1", "in2")}},
            d=f"signal_grad_adjoint_d(g, d, in1, in2, mode, wrt, {kind!r})",
            **{p: f"signal_grad_adjoint_operand(g, d, in1, in2, mode, wrt, {p!r}, {kind!r})"
               for p in ("in1", "in2")})
    # s (d - sum(d s)) is its own transpose in d (the softmax's Jacobian is symmetric)
    rules[scipy_rules.softmax_grad] = rule(
        "d, s, axis=None", kinds=FRESH,
        jvp={"d": "softmax_grad(g, s, axis)", "s": "softmax_grad_tangent_s(g, d, s, axis)"},
        d="softmax_grad(g, s, axis)", s="softmax_grad_adjoint_s(g, d, s, axis)")
    rules[scipy_rules.log_softmax_grad] = rule(
        "d, logs, axis=None", kinds=FRESH,
        jvp={"d": "log_softmax_grad(g, logs, axis)",
             "logs": "log_softmax_grad_tangent_l(g, d, logs, axis)"},
        d="log_softmax_grad_adjoint_d(g, d, logs, axis)",
        logs="log_softmax_grad_adjoint_l(g, d, logs, axis)")
    from . import scipy_linalg

    rules[scipy_linalg.expm_grad] = rule(
        "d, a", kinds=FRESH,
        jvp={"d": "expm_grad(g, a)", "a": "expm_grad_tangent_a(g, d, a)"},
        d="expm_grad_adjoint_d(g, d, a)", a="expm_grad_adjoint_a(g, d, a)")
    return rules


FUNCTIONS = tuple(f for name, f in list(globals().items())
                  if callable(f) and not name.startswith("_") and "_grad_" in name
                  and getattr(f, "__module__", None) == __name__)
# the helpers the templates call, beside the rules (Rule.functions)
# (with the helper itself, which its tangent in d calls by name)
RULES = {f: replace(r, functions=tuple((h.__name__, h) for h in (*FUNCTIONS, f)))
         for f, r in _rules().items()}
NONDIFF: set = set()
