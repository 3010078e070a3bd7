"""Rules for scipy.linalg's LU factorization: `lu_factor(a) -> (lu, piv)`,
`lu_solve((lu, piv), b, trans)` and `lu(a) -> (P, L, U)` (`permute_l`: (P L, U);
`p_indices`: (p, L, U)), of one real square matrix.

Guarantees:
- A = P L U with L unit lower and U upper; on the permuted rows A_p = P^T A = L U the
  tangent is F = L^-1 dA_p U^-1, dL = L tril(F, -1), dU = triu(F) U, and the gradient
  its exact transpose: M = tril(L^T G_L, -1) + triu(G_U U^T), G_A_p = L^-T M U^-T
  (lu packs tril(L, -1) + U, so G_L = tril(G_lu, -1), G_U = triu(G_lu));
- the permutation (piv, P, p) is piecewise constant: it gets and gives no gradient;
- lu_solve solves op(A) x = b with A = P L U from (lu, piv): b's gradient is
  op(A)^-T g, A's is -(gb x^T) (transposed for trans=1/2), taken to lu through A = P L U
  (as cho_solve takes its gradient to the Cholesky factor);
- each gradient helper has its own rule (linear in the gradient received; its tangent in
  the factors by the product rule, its adjoint entry by entry, `adjoint_by_entries`), so
  hvp, hessian and grad of grad go through them;
- complex matrices, stacks and non-square matrices are refused (a PullbackError).
"""

from __future__ import annotations

import importlib.util
from dataclasses import replace

import numpy as np

from ..errors import PullbackError
from ..runtime.helpers import GradList
from . import rule
from .higher_decompositions2 import adjoint_by_entries
from .support import _zero

if importlib.util.find_spec("scipy") is None:
    raise ImportError("SciPy is not installed: its rules are skipped")
from scipy import linalg  # noqa: E402

FRESH = ("fresh",)


def _check(what, *values):
    for v in values:
        if _zero(v):
            continue
        v = np.asarray(v)
        if np.iscomplexobj(v):
            raise PullbackError(f"no derivative rule for scipy.linalg.{what} of a complex "
                                "matrix: pullback takes real matrices here")


def _square(what, a):
    a = np.asarray(a)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise PullbackError(f"no derivative rule for scipy.linalg.{what} of an array of "
                            f"shape {a.shape}: pullback takes one square matrix here")
    _check(what, a)
    return a


def _perm(piv):
    """The row order `perm` of LAPACK's pivots: a[perm] = L U."""
    perm = np.arange(len(piv))
    for i, p in enumerate(piv):
        perm[i], perm[p] = perm[p], perm[i]
    return perm


def _unpack(lu):
    lu = np.asarray(lu)
    return np.tril(lu, -1) + np.eye(lu.shape[0]), np.triu(lu)


def _scatter(x, perm):
    """y with y[perm] = x: from the permuted rows back to a's."""
    y = np.empty_like(x)
    y[perm] = x
    return y


def _tsolve(m, x, lower, right=False):
    """m^-T x (right: x m^-T) for a triangular m."""
    if right:
        return linalg.solve_triangular(m, x.T, lower=lower).T
    return linalg.solve_triangular(m, x, trans=1, lower=lower)


def _factor_grad(gl, gu, L, U):
    """G_A_p = L^-T (tril(L^T G_L, -1) + triu(G_U U^T)) U^-T."""
    m = np.tril(L.T @ gl, -1) + np.triu(gu @ U.T)
    return _tsolve(U, _tsolve(L, m, True), False, right=True)


def _factor_grad_tangent(gl, gu, L, U, dL, dU):
    """The tangent of _factor_grad along (dL, dU), G_L and G_U fixed: with X its value,
    dX = L^-T (dM U^-T - dL^T X) - X dU^T U^-T."""
    x = _factor_grad(gl, gu, L, U)
    dm = np.tril(dL.T @ gl, -1) + np.triu(gu @ dU.T)
    return _tsolve(L, _tsolve(U, dm, False, right=True) - dL.T @ x, True) - \
        _tsolve(U, x @ dU.T, False, right=True)


def _factor_tangent(dap, L, U):
    """(dL, dU) along the tangent dA_p of the permuted rows."""
    f = linalg.solve_triangular(L, dap, lower=True, unit_diagonal=True)
    f = linalg.solve_triangular(U, f.T, trans=1).T
    return L @ np.tril(f, -1), np.triu(f) @ U


def _pair(g):
    """The lu gradient of a (lu, piv) pair's gradient (0.0 for none)."""
    if _zero(g):
        return 0.0
    return g[0] if isinstance(g, (list, tuple)) else g


def _entries(v):
    """(the lu array, its row order) of a (lu, piv) pair."""
    lu, piv = v
    _square("lu_factor", lu)
    return _unpack(lu), _perm(piv)


# scipy.linalg.lu_factor ------------------------------------------------------------------


def lu_factor_grad(g, made):
    """The gradient of a from the gradient of (lu, piv) (piv's is none)."""
    glu = _pair(g)
    if _zero(glu):
        return 0.0
    (L, U), perm = _entries(made)
    glu = np.asarray(glu)
    return _scatter(_factor_grad(np.tril(glu, -1), np.triu(glu), L, U), perm)


def lu_factor_tangent(t, a, made):
    """(dlu, 0.0): lu packs tril(dL, -1) + dU; piv has no tangent."""
    a = _square("lu_factor", a)
    _check("lu_factor", t)
    (L, U), perm = _entries(made)
    dL, dU = _factor_tangent(np.broadcast_to(t, a.shape)[perm], L, U)
    return (np.tril(dL, -1) + dU, 0.0)


def lu_factor_grad_tangent_made(t, d, made):
    """lu_factor_grad(d, made) along the tangent of (lu, piv)."""
    dlu, glu = _pair(t), _pair(d)
    if _zero(dlu) or _zero(glu):
        return 0.0
    _check("lu_factor", dlu, glu)
    (L, U), perm = _entries(made)
    dlu, glu = np.asarray(dlu), np.asarray(glu)
    return _scatter(_factor_grad_tangent(np.tril(glu, -1), np.triu(glu), L, U,
                                         np.tril(dlu, -1), np.triu(dlu)), perm)


# scipy.linalg.lu -------------------------------------------------------------------------


def _lu_order(a, made, permute_l, p_indices):
    """(L, U, perm) of lu's result (a[perm] = L U)."""
    if permute_l:  # (P L, U): the row order from the factorization
        lu, piv = linalg.lu_factor(_square("lu", a))
        return (*_unpack(lu), _perm(piv))
    first, L, U = made
    _square("lu", L), _square("lu", U)
    perm = np.asarray(first) if p_indices else np.argmax(np.asarray(first), axis=0)
    return np.asarray(L), np.asarray(U), perm


def _lu_grads(g, permute_l, perm):
    """(G_L, G_U) of lu's result gradient (0.0 for a part that has none)."""
    parts = list(g) if isinstance(g, (list, tuple)) else [0.0, g]
    gl, gu = parts[-2:]
    if permute_l and not _zero(gl):
        gl = np.asarray(gl)[perm]  # P L: G_L = P^T G_PL
    return gl, gu


def _lu_pair(gl, gu, U):
    z = np.zeros(np.shape(U))
    return (np.tril(z if _zero(gl) else np.asarray(gl), -1),
            np.triu(z if _zero(gu) else np.asarray(gu)))


def lu_grad(g, a, made, permute_l=False, p_indices=False):
    """The gradient of a from those of (P, L, U) (P's is none)."""
    if _zero(g):
        return 0.0
    L, U, perm = _lu_order(a, made, permute_l, p_indices)
    gl, gu = _lu_grads(g, permute_l, perm)
    if _zero(gl) and _zero(gu):
        return 0.0
    _check("lu", gl, gu)
    return _scatter(_factor_grad(*_lu_pair(gl, gu, U), L, U), perm)


def lu_tangent(t, a, made, permute_l=False, p_indices=False):
    """(dP, dL, dU) with dP zeros (0.0 for p_indices' integers), or (P dL, dU) with
    permute_l."""
    a = _square("lu", a)
    _check("lu", t)
    L, U, perm = _lu_order(a, made, permute_l, p_indices)
    dL, dU = _factor_tangent(np.broadcast_to(t, a.shape)[perm], L, U)
    if permute_l:
        return (_scatter(dL, perm), dU)
    return (0.0 if p_indices else np.zeros(np.shape(made[0])), dL, dU)


def lu_grad_tangent_made(t, d, a, made, permute_l=False, p_indices=False):
    """lu_grad(d, a, made, ...) along the tangent of (P, L, U)."""
    if _zero(t) or _zero(d):
        return 0.0
    L, U, perm = _lu_order(a, made, permute_l, p_indices)
    gl, gu = _lu_grads(d, permute_l, perm)
    dl, du = _lu_grads(t, permute_l, perm)
    if (_zero(gl) and _zero(gu)) or (_zero(dl) and _zero(du)):
        return 0.0
    _check("lu", gl, gu, dl, du)
    z = np.zeros(np.shape(U))
    dL = z if _zero(dl) else np.tril(np.asarray(dl), -1)
    dU = z if _zero(du) else np.triu(np.asarray(du))
    return _scatter(_factor_grad_tangent(*_lu_pair(gl, gu, U), L, U, dL, dU), perm)


# scipy.linalg.lu_solve -------------------------------------------------------------------


def _trans(trans):
    return {0: 0, 1: 1, 2: 1, "N": 0, "T": 1, "C": 1}[trans]  # real: C is T


def _column(v, like):
    v = np.asarray(v)
    return v[:, None] if np.ndim(like) == 1 else v


def _op(m, trans):
    return m.T if trans else m


def _matrix_tangent(dlu, L, U, perm):
    """dA for A = P L U along the tangent dlu of the packed factors."""
    dlu = np.asarray(dlu)
    return _scatter(np.tril(dlu, -1) @ U + L @ np.triu(dlu), perm)


def lu_solve_grad(g, lu_and_piv, b, made, trans, wrt):
    """x = op(A)^-1 b: grad b = op(A)^-T g; grad op(A) = -grad_b x^T, to lu through
    A = P L U: G_lu = tril(G_A_p U^T, -1) + triu(L^T G_A_p)."""
    if _zero(g):
        return 0.0
    _check("lu_solve", g, b)
    trans = _trans(trans)
    (L, U), perm = _entries(lu_and_piv)
    gb = linalg.lu_solve(tuple(lu_and_piv), np.broadcast_to(g, np.shape(made)),
                         trans=1 - trans)
    if wrt == "b":
        return gb
    gap = _op(-(_column(gb, made) @ _column(made, made).T), trans)[perm]
    return GradList([np.tril(gap @ U.T, -1) + np.triu(L.T @ gap), 0.0])


def lu_solve_tangent(t, lu_and_piv, b, ans, trans, wrt):
    """Along b, op(A)^-1 db; along lu, -op(A)^-1 op(dA) x."""
    trans = _trans(trans)
    (L, U), perm = _entries(lu_and_piv)
    if wrt == "b":
        _check("lu_solve", t)
        return linalg.lu_solve(tuple(lu_and_piv), np.broadcast_to(t, np.shape(ans)),
                               trans=trans)
    dlu = _pair(t)
    if _zero(dlu):
        return np.zeros(np.shape(ans))
    _check("lu_solve", dlu)
    da = _op(_matrix_tangent(dlu, L, U, perm), trans)
    return -linalg.lu_solve(tuple(lu_and_piv), da @ np.asarray(ans), trans=trans)


def lu_solve_grad_tangent(t, d, lu_and_piv, b, made, trans, wrt, along):
    """lu_solve_grad(d, ...) along the tangent of (lu, piv) (op(A)^T gb = d moves, and
    L, U in the map to lu) or of x (`along` "x")."""
    t = _pair(t) if along == "c" else t
    if _zero(t) or _zero(d) or (wrt == "b" and along == "x"):
        return 0.0
    _check("lu_solve", t, d)
    trans = _trans(trans)
    (L, U), perm = _entries(lu_and_piv)
    pair = tuple(lu_and_piv)
    gb = linalg.lu_solve(pair, np.broadcast_to(d, np.shape(made)), trans=1 - trans)
    zero = np.zeros(np.shape(L))
    dL, dU = (np.tril(np.asarray(t), -1), np.triu(np.asarray(t))) if along == "c" else \
        (zero, zero)
    if along == "c":
        dop = _op(_matrix_tangent(t, L, U, perm), trans)
        dgb = -linalg.lu_solve(pair, dop.T @ gb, trans=1 - trans)
    else:
        dgb = np.zeros(np.shape(gb))
    if wrt == "b":
        return dgb
    x = _column(made, made)
    dx = _column(t, made) if along == "x" else np.zeros(np.shape(x))
    gap = _op(-(_column(gb, made) @ x.T), trans)[perm]
    dgap = _op(-(_column(dgb, made) @ x.T + _column(gb, made) @ dx.T), trans)[perm]
    return GradList([np.tril(dgap @ U.T + gap @ dU.T, -1) + np.triu(dL.T @ gap + L.T @ dgap),
                     0.0])


RULES = {
    linalg.lu_factor: rule("a, check_finite=True", kinds=FRESH, a="lu_factor_grad(g, ans)",
                           jvp={"a": "lu_factor_tangent(g, a, ans)"}),
    linalg.lu: rule("a, permute_l=False, check_finite=True, p_indices=False", kinds=FRESH,
                    a="lu_grad(g, a, ans, permute_l, p_indices)",
                    jvp={"a": "lu_tangent(g, a, ans, permute_l, p_indices)"}),
    linalg.lu_solve: rule(
        "lu_and_piv, b, trans=0, check_finite=True", kinds=FRESH,
        lu_and_piv="lu_solve_grad(g, lu_and_piv, b, ans, trans, 'c')",
        b="lu_solve_grad(g, lu_and_piv, b, ans, trans, 'b')",
        jvp={p: f"lu_solve_tangent(g, lu_and_piv, b, ans, trans, {p[0]!r})"
             for p in ("lu_and_piv", "b")}),
    # the gradients' own rules (second order)
    lu_factor_grad: rule(
        "d, made", kinds=FRESH,
        jvp={"d": "lu_factor_grad(g, made)",
             "made": "lu_factor_grad_tangent_made(g, d, made)"},
        d="adjoint_by_entries(g, d, lu_factor_grad, made)",
        made="adjoint_by_entries(g, made, lu_factor_grad_tangent_made, d, made)"),
    lu_grad: rule(  # a only for the row order (piecewise constant): no gradient
        "d, a, made, permute_l=False, p_indices=False", kinds=FRESH,
        jvp={"d": "lu_grad(g, a, made, permute_l, p_indices)",
             "made": "lu_grad_tangent_made(g, d, a, made, permute_l, p_indices)"},
        d="adjoint_by_entries(g, d, lu_grad, a, made, permute_l, p_indices)",
        made="adjoint_by_entries(g, made, lu_grad_tangent_made, d, a, made, permute_l, "
             "p_indices)"),
    lu_solve_grad: rule(
        "d, lu_and_piv, b, made, trans, wrt", kinds=FRESH,
        jvp={"d": "lu_solve_grad(g, lu_and_piv, b, made, trans, wrt)",
             **{p: f"lu_solve_grad_tangent(g, d, lu_and_piv, b, made, trans, wrt, {s!r})"
                for p, s in (("lu_and_piv", "c"), ("made", "x"))}},
        d="adjoint_by_entries(g, d, lu_solve_grad, lu_and_piv, b, made, trans, wrt)",
        **{p: f"adjoint_by_entries(g, {p}, lu_solve_grad_tangent, d, lu_and_piv, b, made, "
              f"trans, wrt, {s!r})" for p, s in (("lu_and_piv", "c"), ("made", "x"))}),
}
# the templates call adjoint_by_entries (higher_decompositions2's) by name
RULES = {f: replace(r, functions=(("adjoint_by_entries", adjoint_by_entries),))
         for f, r in RULES.items()}
ARRAY_LIKE = True  # but for the pairs (lu, piv), whose gradients are pairs too
LISTS_OF_ARRAYS = (linalg.lu_solve, lu_factor_grad, lu_solve_grad, lu_grad)
NONDIFF: set = set()
HELPERS = {f.__name__: f for f in (
    lu_factor_grad, lu_factor_tangent, lu_factor_grad_tangent_made, lu_grad, lu_tangent,
    lu_grad_tangent_made, lu_solve_grad, lu_solve_tangent, lu_solve_grad_tangent)}
