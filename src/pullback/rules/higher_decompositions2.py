"""Rules for more of the decompositions' gradient helpers, so that a second derivative
(hessian, hvp, grad of grad) goes through them: scipy.linalg's sqrtm, solve_sylvester,
solve_banded, cho_factor and cho_solve, and np.linalg's svd, eig, qr and lstsq (their
own tangents are beside their gradients, in linalg.py, scipy_linalg.py and
numpy_added.py).

Guarantees:
- each tangent below is the derivative of its helper's formula, line by line (the
  product rule; an implicitly defined factor, a Sylvester or linear solve, by
  differentiating the equation it solves), along one argument with the others fixed;
  the gradient in `d` (the first-order gradient received) is linear: its tangent is the
  helper itself at the tangent;
- an adjoint (reverse over reverse) is the exact transpose of the tangent it belongs to,
  formed one entry at a time (`adjoint_by_entries`: the tangent along each unit direction, its
  inner product with g), so it costs one tangent per entry of the argument (a tuple's,
  such as svd's factors or cho_factor's (c, lower), one per entry of its float arrays);
- the conditions the first derivative refuses (repeated singular values or eigenvalues
  when vectors are read, complex values, rank-deficient non-square svd) are refused by
  the same helpers here; complex values are refused.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..runtime import helpers as runtime
from . import higher_products as products
from . import rule
from .higher_products import _mT, _real, _zero

FRESH = ("fresh",)


def adjoint_by_entries(g, like, tangent, *args):
    """The adjoint at g of the linear map t -> tangent(t, *args), t shaped like `like`:
    for each entry k, <g, tangent(e_k)>. Exact, one tangent per entry. For a tuple
    `like` (a decomposition's factors, cho_factor's (c, lower)), a list of the adjoints
    in each float array of it (0.0 for the others), the rest of t zero."""
    if _zero(g):
        return 0.0
    if not isinstance(like, (list, tuple)):
        return _transposed(g, like, lambda t: tangent(t, *args))
    parts = []
    for i, item in enumerate(like):
        if not (isinstance(item, np.ndarray) and item.dtype.kind == "f"):
            parts.append(0.0)  # a flag, or the known zero (a gradient that is none)
            continue
        parts.append(_transposed(g, item, lambda t, i=i: tangent(
            tuple(t if j == i else 0.0 for j in range(len(like))), *args)))
    return runtime.GradList(parts)


def _transposed(g, like, tangent):
    like = np.asarray(like)
    out = np.zeros(like.shape)
    unit = np.zeros(like.shape)
    for k in np.ndindex(like.shape):
        unit[k] = 1.0
        out[k] = _inner(g, tangent(unit.copy()))
        unit[k] = 0.0
    return out if like.shape else float(out)


def _inner(g, made) -> float:
    """<g, made>, over the entries of tuples too (0.0: none)."""
    if _zero(g) or _zero(made):
        return 0.0
    if isinstance(g, (list, tuple)) or isinstance(made, (list, tuple)):
        return sum(_inner(a, b) for a, b in zip(g, made))
    return float(np.sum(np.asarray(g) * np.asarray(made)))


def _first(v):
    """The array of a pair's tangent (c, lower): its first entry, 0.0 for none."""
    if _zero(v):
        return 0.0
    return v[0] if isinstance(v, (list, tuple)) else v


# scipy.linalg.sqrtm: Y = sqrtm_grad(d, X) solves X^T Y + Y X^T = D ----------------------


def sqrtm_grad_tangent_made(t, d, made):
    """Along the tangent t of X: X^T dY + dY X^T = -(t^T Y + Y t^T)."""
    if _zero(t) or _zero(d):
        return 0.0
    from . import scipy_linalg

    _real("scipy.linalg.sqrtm", t, d, made)
    Y = scipy_linalg.sqrtm_grad(d, made)
    X = _mT(np.asarray(made))
    return scipy_linalg.linalg.solve_sylvester(X, X, -(_mT(t) @ Y + Y @ _mT(t)))


# scipy.linalg.solve_sylvester: Z solves A^T Z + Z B^T = D; the gradients Z, -Z X^T,
# -X^T Z -------------------------------------------------------------------------------


def solve_sylvester_grad_tangent(t, d, a, b, made, wrt, along):
    """Along the tangent t of a (dZ solves A^T dZ + dZ B^T = -t^T Z), of b (= -Z t^T), or
    of X (Z fixed, the gradients in a and b move with X)."""
    if _zero(t) or _zero(d):
        return 0.0
    from . import scipy_linalg

    _real("scipy.linalg.solve_sylvester", t, d, a, b, made)
    a, b, X = np.asarray(a), np.asarray(b), np.asarray(made)
    Z = scipy_linalg.linalg.solve_sylvester(_mT(a), _mT(b), d)
    if along == "x":
        return 0.0 if wrt == "q" else -(Z @ _mT(t)) if wrt == "a" else -(_mT(t) @ Z)
    rhs = -(_mT(t) @ Z) if along == "a" else -(Z @ _mT(t))
    dZ = scipy_linalg.linalg.solve_sylvester(_mT(a), _mT(b), rhs)
    return dZ if wrt == "q" else -(dZ @ _mT(X)) if wrt == "a" else -(_mT(X) @ dZ)


# scipy.linalg.cho_factor: cholesky_grad of the factor triangle --------------------------


def cho_factor_grad_tangent_made(t, d, made, lower):
    """Along the tangent of (c, lower): cholesky_grad's along the factor triangle of dc."""
    from . import scipy_linalg

    t, d = _first(t), _first(d)
    if _zero(t) or _zero(d):
        return 0.0
    factor = scipy_linalg._factor
    return products.cholesky_grad_tangent_factor(
        factor(np.asarray(t), lower), factor(np.asarray(d), lower),
        factor(np.asarray(made[0]), lower), not lower)


def cho_factor_grad_in_factor(t, made, lower):
    """cho_factor_grad of t's factor triangle: the map whose transpose is its adjoint in d
    (a gradient in c's other triangle is refused by the first derivative)."""
    from . import scipy_linalg

    t = _first(t)
    if _zero(t):
        return 0.0
    return scipy_linalg.cho_factor_grad((scipy_linalg._factor(np.asarray(t), lower), 0.0),
                                        made, lower)


# scipy.linalg.cho_solve: gb = A^-1 d; in c: T(-(gb x^T + x gb^T) L) ----------------------


def cho_solve_grad_tangent(t, d, c_and_lower, b, made, wrt, along):
    """Along the tangent of (c, lower) (dA = dL L^T + L dL^T: dgb = -A^-1 dA gb, and L
    moves in the factor's gradient) or of x (the factor's gradient moves with x)."""
    from . import scipy_linalg

    t = _first(t) if along == "c" else t
    if _zero(t) or _zero(d) or (wrt == "b" and along == "x"):
        return 0.0
    c, lower = c_and_lower
    _real("scipy.linalg.cho_solve", t, d, c, made)
    solve = scipy_linalg.linalg.cho_solve
    gb = solve((c, lower), d)
    dgb = -solve((c, lower), scipy_linalg._cho_matrix_tangent(t, c, lower) @ gb) \
        if along == "c" else np.zeros(np.shape(gb))
    if wrt == "b":
        return dgb
    x, gbm = scipy_linalg._column(made, gb)
    dx, dgbm = scipy_linalg._column(made, dgb)
    if along == "x":
        dx = scipy_linalg._column(made, t)[1]
    else:
        dx = np.zeros(np.shape(x))
    ga = -(gbm @ _mT(x))
    dga = -(dgbm @ _mT(x) + gbm @ _mT(dx))
    sym, dsym = ga + _mT(ga), dga + _mT(dga)
    F = scipy_linalg._factor(np.asarray(c), lower)
    dF = scipy_linalg._factor(np.asarray(t), lower) if along == "c" else 0.0
    if lower:
        dgc = np.tril(dsym @ F + (sym @ dF if along == "c" else 0.0))
    else:
        dgc = np.triu(F @ dsym + (dF @ sym if along == "c" else 0.0))
    return runtime.GradList([dgc, 0.0])


def linalg_svd_grad_in_domain(t, a, made, full_matrices=True, compute_uv=True,
                              hermitian=False):
    """linalg_svd_grad of t without its extra vectors' entries (full_matrices on a
    non-square matrix): the map whose transpose is its adjoint in d (a gradient reaching
    those vectors is refused by the first derivative)."""
    from . import linalg

    m, n = np.shape(a)[-2:]
    if compute_uv and full_matrices and m != n and not _zero(t):
        k = min(m, n)
        gu, gs, gvh = _parts(t, made)
        gu, gvh = gu.copy(), gvh.copy()
        gu[..., :, k:] = 0.0
        gvh[..., k:, :] = 0.0
        t = (gu, gs, gvh)
    return linalg.linalg_svd_grad(t, a, made, full_matrices, compute_uv, hermitian)


# np.linalg.svd: linalg_svd_grad(d, a, (U, s, Vh)) (Townsend 2016); along a it reads a
# only for compute_uv=False (U diag(d) Vh of a's own SVD), along its factors only
# otherwise -----------------------------------------------------------------------------


def _parts(v, like):
    """The entries of a tuple's tangent or gradient, zeros for those it has none of."""
    from . import linalg

    return [linalg._part(v, i, x) for i, x in enumerate(like)]


def linalg_svd_grad_tangent_a(t, d, a, made, full_matrices=True, compute_uv=True,
                              hermitian=False):
    """compute_uv=False: U diag(d) Vh along a's tangent (the SVD's own tangent)."""
    from . import linalg

    if _zero(t) or _zero(d) or compute_uv:
        return 0.0
    _real("np.linalg.svd", t, d, a)
    if hermitian:
        return linalg._triangle(linalg_svd_grad_tangent_a(
            linalg._symmetric(t), d, linalg._symmetric(a), made, full_matrices, False), "L")
    a = np.asarray(a)
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    du, _, dvh = linalg._svd_tangent_parts(np.asarray(t, dtype=float), u, s, vh)
    d = np.asarray(d)[..., None, :]
    return (du * d) @ vh + (u * d) @ dvh


def linalg_svd_grad_tangent_made(t, d, a, made, full_matrices=True, compute_uv=True,
                                 hermitian=False):
    """linalg_svd_grad along the tangent (dU, ds, dVh) of its factors: each line of the
    gradient's formula by the product rule, F's tangent -F^2 o (d(s_j^2) - d(s_i^2))."""
    from . import linalg

    if _zero(t) or _zero(d) or not compute_uv:
        return 0.0
    if hermitian:
        return linalg._triangle(linalg_svd_grad_tangent_made(
            t, d, linalg._symmetric(a), made, full_matrices), "L")
    _real("np.linalg.svd", t, d, a, made)
    u, s, vh = made
    du, ds, dvh = _parts(t, made)
    gu, gs, gvh = _parts(d, made)
    m, n = np.shape(a)[-2:]
    k = min(m, n)
    if full_matrices and m != n:
        linalg.linalg_svd_grad(d, a, made, full_matrices)  # refuses the extra vectors' gradient
        u, du, gu = u[..., :, :k], du[..., :, :k], gu[..., :, :k]
        vh, dvh, gvh = vh[..., :k, :], dvh[..., :k, :], gvh[..., :k, :]
    v, dv, gv = _mT(vh), _mT(dvh), _mT(gvh)
    vectors = bool(np.any(gu != 0) or np.any(gv != 0))
    F = linalg._inverse_gaps(s * s, "np.linalg.svd", vectors)
    dsq = 2 * s * ds
    dF = -F * F * (dsq[..., None, :] - dsq[..., :, None])
    Ju, Kv = _mT(u) @ gu - _mT(gu) @ u, _mT(v) @ gv - _mT(gv) @ v
    J, K = F * Ju, F * Kv
    dJ = dF * Ju + F * (_mT(du) @ gu - _mT(gu) @ du)
    dK = dF * Kv + F * (_mT(dv) @ gv - _mT(gv) @ dv)
    inner = J * s[..., None, :] + linalg._diag(gs) + s[..., :, None] * K
    dinner = dJ * s[..., None, :] + J * ds[..., None, :] + ds[..., :, None] * K \
        + s[..., :, None] * dK
    out = du @ inner @ vh + u @ dinner @ vh + u @ inner @ dvh
    if vectors and m != n:
        if m > k:
            R = gu - u @ (_mT(u) @ gu)
            dR = -(du @ (_mT(u) @ gu) + u @ (_mT(du) @ gu))
            S = s[..., None, :]
            out = out + (dR / S - R * ds[..., None, :] / (S * S)) @ vh + (R / S) @ dvh
        if n > k:
            Q = gv - v @ (_mT(v) @ gv)
            dQ = -(dv @ (_mT(v) @ gv) + v @ (_mT(dv) @ gv))
            S = s[..., :, None]
            out = out + du @ (_mT(Q) / S) + u @ (_mT(dQ) / S - _mT(Q) * ds[..., :, None]
                                                  / (S * S))
    return out


# np.linalg.eig: linalg_eig_grad(d, a, (w, V)) = V^-T (diag(gw) + F o V^T gV') V^T, gV'
# = gV - V diag(V^T gV); np.linalg.eigvals: the same at a's own (w, V), gV = 0 ---------


def linalg_eig_grad_tangent_made(t, d, a, made):
    """Along the tangent (dw, dV) of (w, V): dF = -F^2 o (dw_j - dw_i), the product rule
    through gV', and d(V^-T) = -V^-T dV^T V^-T."""
    from . import linalg

    if _zero(t) or _zero(d):
        return 0.0
    _real("np.linalg.eig", t, d, a, made)
    if not isinstance(made, tuple):  # eigvals: its gradient reads a's eigenvectors
        return 0.0
    w, V = made
    dw, dV = _parts(t, made)
    gw, gV = _parts(d, made)
    if np.iscomplexobj(w):
        linalg.linalg_eig_grad(d, a, made)  # refused
    vectors = bool(np.any(gV != 0))
    F = linalg._inverse_gaps(w, "np.linalg.eig", vectors)
    dF = -F * F * (dw[..., None, :] - dw[..., :, None])
    along = np.sum(V * gV, axis=-2, keepdims=True)
    gV1 = gV - V * along
    dgV1 = -(dV * along + V * np.sum(dV * gV, axis=-2, keepdims=True))
    X = _mT(V) @ gV1
    dX = _mT(dV) @ gV1 + _mT(V) @ dgV1
    inner = linalg._diag(gw) + F * X
    dinner = dF * X + F * dX
    grad = np.linalg.solve(_mT(V), inner @ _mT(V))
    return np.linalg.solve(_mT(V), dinner @ _mT(V) + inner @ _mT(dV) - _mT(dV) @ grad)


def linalg_eig_grad_tangent_a(t, d, a, made):
    """np.linalg.eigvals: its gradient along a's tangent, through a's (w, V)."""
    from . import linalg

    if _zero(t) or _zero(d) or isinstance(made, tuple):
        return 0.0
    _real("np.linalg.eig", t, d, a)
    w, V = np.linalg.eig(a)
    if np.iscomplexobj(w):
        linalg.linalg_eig_grad(d, a, made)  # refused
    dw, dV = linalg._eig_tangent_parts(np.asarray(t, dtype=float), w, V)
    return linalg_eig_grad_tangent_made((dw, dV), (np.asarray(d), 0.0), a, (w, V))


# np.linalg.qr: qr_grad(d, a, made, mode) = (gQ + Q copyltu(M)) R^-T, M = R gR^T - gQ^T Q,
# at a's own factorization (`made` is not read) --------------------------------------------


def _copyltu(m):
    low = np.tril(m, -1)
    return low + _mT(low) + np.eye(m.shape[-1]) * np.diagonal(m, 0, -2, -1)[..., None, :]


def qr_grad_tangent_a(t, d, a, made, mode="reduced"):
    """Along a's tangent: Q and R move by qr's own tangent, and each line of qr_grad by
    the product rule (d(rhs R^-T) = (d rhs - out dR^T) R^-T)."""
    from . import numpy_added

    if _zero(t) or _zero(d):
        return 0.0
    _real("np.linalg.qr", t, d, a)
    numpy_added.qr_grad(d, a, made, mode)  # refuses what the gradient refuses
    q, r = np.linalg.qr(np.asarray(a))
    dq, dr = numpy_added.qr_tangent(t, a, made, "reduced")
    gq, gr = numpy_added._qr_parts(d, made, mode)
    gq = np.zeros_like(q) if _zero(gq) else np.asarray(gq)
    gr = np.zeros_like(r) if _zero(gr) else np.asarray(gr)
    m = r @ _mT(gr) - _mT(gq) @ q
    dm = dr @ _mT(gr) - _mT(gq) @ dq
    sym, dsym = _copyltu(m), _copyltu(dm)
    rhs = gq + q @ sym
    out = _mT(np.linalg.solve(r, _mT(rhs)))
    drhs = dq @ sym + q @ dsym
    return _mT(np.linalg.solve(r, _mT(drhs - out @ _mT(dr))))


# np.linalg.lstsq: lstsq_grad(d, a, b, wrt), d = (gx, gres, grank, gs), at a's and b's
# own solution x and residual r = b - A x ------------------------------------------------


def lstsq_grad_tangent(t, d, a, b, wrt, along):
    """Along the tangent t of a or of b: x and r move (A^T A dx = A^T dr-free part:
    along b A^T t, along a t^T r - A^T t x; dr = db - dA x - A dx), z = (A^T A)^-1 gx by
    -(A^T A)^-1 (t^T A + A^T t) z (along a), the singular values' part by svd's tangent."""
    from . import linalg, numpy_added

    if _zero(t) or _zero(d):
        return 0.0
    _real("np.linalg.lstsq", t, d, a, b)
    a, b, x, r = numpy_added._lstsq_parts(a, b)
    t = np.asarray(t, dtype=float)
    gx, gres, _, gs = d
    vec = b.ndim == 1
    col = (lambda v: np.asarray(v)[:, None]) if vec else np.asarray
    X, R = col(x), col(r)
    ata = a.T @ a
    ta = t if along == "a" else np.zeros(a.shape)
    tb = col(t) if along == "b" else np.zeros(R.shape)
    dX = np.linalg.solve(ata, a.T @ tb + ta.T @ R - a.T @ (ta @ X))
    dR = tb - ta @ X - a @ dX
    dgb = np.zeros(R.shape)
    dga = np.zeros(a.shape)
    if not _zero(gx):
        z = np.linalg.solve(ata, np.reshape(np.asarray(gx), X.shape))
        dz = -np.linalg.solve(ata, (ta.T @ a + a.T @ ta) @ z)
        az, daz = a @ z, ta @ z + a @ dz
        dgb = dgb + daz
        dga = dga + dR @ z.T + R @ dz.T - daz @ X.T - az @ dX.T
    if not _zero(gres) and np.size(gres):
        gres = np.reshape(np.asarray(gres), (1, -1))
        w, dw = 2.0 * R * gres, 2.0 * dR * gres
        dgb = dgb + dw
        dga = dga - dw @ X.T - w @ dX.T
    if wrt == "b":
        return np.reshape(dgb, b.shape)
    if not _zero(gs) and along == "a":
        u, s, vt = np.linalg.svd(a, full_matrices=False)
        du, _, dvt = linalg._svd_tangent_parts(t, u, s, vt)
        gs = np.asarray(gs)
        dga = dga + (du * gs) @ vt + (u * gs) @ dvt
    return dga


def _rules():
    """{helper: its rule}, and None for the other helpers the templates name."""
    from . import linalg, numpy_added

    rules = {
        linalg.linalg_svd_grad: rule(
            "d, a, made, full_matrices=True, compute_uv=True, hermitian=False", kinds=FRESH,
            jvp={"d": "linalg_svd_grad(g, a, made, full_matrices, compute_uv, hermitian)",
                 **{p: f"linalg_svd_grad_tangent_{p}(g, d, a, made, full_matrices, "
                       "compute_uv, hermitian)" for p in ("a", "made")}},
            d="adjoint_by_entries(g, d, linalg_svd_grad_in_domain, a, made, full_matrices, "
              "compute_uv, hermitian)",
            **{p: f"adjoint_by_entries(g, {p}, linalg_svd_grad_tangent_{p}, d, a, made, "
                  "full_matrices, compute_uv, hermitian)" for p in ("a", "made")}),
        linalg.linalg_eig_grad: rule(
            "d, a, made", kinds=FRESH,
            jvp={"d": "linalg_eig_grad(g, a, made)",
                 **{p: f"linalg_eig_grad_tangent_{p}(g, d, a, made)" for p in ("a", "made")}},
            d="adjoint_by_entries(g, d, linalg_eig_grad, a, made)",
            **{p: f"adjoint_by_entries(g, {p}, linalg_eig_grad_tangent_{p}, d, a, made)"
               for p in ("a", "made")}),
        numpy_added.qr_grad: rule(
            "d, a, made, mode='reduced'", kinds=FRESH,
            jvp={"d": "qr_grad(g, a, made, mode)", "a": "qr_grad_tangent_a(g, d, a, made, mode)"},
            d="adjoint_by_entries(g, d, qr_grad, a, made, mode)",
            a="adjoint_by_entries(g, a, qr_grad_tangent_a, d, a, made, mode)"),
        numpy_added.lstsq_grad: rule(
            "d, a, b, wrt", kinds=FRESH,
            jvp={"d": "lstsq_grad(g, a, b, wrt)",
                 **{p: f"lstsq_grad_tangent(g, d, a, b, wrt, {p!r})" for p in ("a", "b")}},
            d="adjoint_by_entries(g, d, lstsq_grad, a, b, wrt)",
            **{p: f"adjoint_by_entries(g, {p}, lstsq_grad_tangent, d, a, b, wrt, {p!r})"
               for p in ("a", "b")}),
    }
    try:
        from . import higher_decompositions, scipy_linalg
    except ImportError:  # SciPy is not installed
        return rules
    rules.update({
        scipy_linalg.sqrtm_grad: rule(
            "d, made", kinds=FRESH,
            jvp={"d": "sqrtm_grad(g, made)",
                 "made": "sqrtm_grad_tangent_made(g, d, made)"},
            d="adjoint_by_entries(g, d, sqrtm_grad, made)",
            made="adjoint_by_entries(g, made, sqrtm_grad_tangent_made, d, made)"),
        scipy_linalg.solve_sylvester_grad: rule(
            "d, a, b, made, wrt", kinds=FRESH,
            jvp={"d": "solve_sylvester_grad(g, a, b, made, wrt)",
                 **{p: f"solve_sylvester_grad_tangent(g, d, a, b, made, wrt, {s!r})"
                    for p, s in (("a", "a"), ("b", "b"), ("made", "x"))}},
            d="adjoint_by_entries(g, d, solve_sylvester_grad, a, b, made, wrt)",
            **{p: f"adjoint_by_entries(g, {p}, solve_sylvester_grad_tangent, d, a, b, made, "
                  f"wrt, {s!r})" for p, s in (("a", "a"), ("b", "b"), ("made", "x"))}),
        scipy_linalg.solve_banded_grad: rule(
            "d, l_and_u, ab, b, made, wrt", kinds=FRESH,
            jvp={"d": "solve_banded_grad(g, l_and_u, ab, b, made, wrt)",
                 **{p: f"solve_like_grad_tangent(g, d, ab, b, made, 'banded', l_and_u, "
                       f"wrt, {s!r})" for p, s in (("ab", "a"), ("made", "x"))}},
            **{p: f"solve_like_grad_adjoint(g, d, ab, b, made, 'banded', l_and_u, wrt, "
                  f"{s!r})" for p, s in (("d", "d"), ("ab", "a"), ("made", "x"))}),
        scipy_linalg.cho_factor_grad: rule(
            "d, made, lower", kinds=FRESH,
            jvp={"d": "cho_factor_grad(g, made, lower)",
                 "made": "cho_factor_grad_tangent_made(g, d, made, lower)"},
            d="adjoint_by_entries(g, d, cho_factor_grad_in_factor, made, lower)",
            made="adjoint_by_entries(g, made, cho_factor_grad_tangent_made, d, made, lower)"),
        scipy_linalg.cho_solve_grad: rule(
            "d, c_and_lower, b, made, wrt", kinds=FRESH,
            jvp={"d": "cho_solve_grad(g, c_and_lower, b, made, wrt)",
                 **{p: f"cho_solve_grad_tangent(g, d, c_and_lower, b, made, wrt, {s!r})"
                    for p, s in (("c_and_lower", "c"), ("made", "x"))}},
            d="adjoint_by_entries(g, d, cho_solve_grad, c_and_lower, b, made, wrt)",
            **{p: f"adjoint_by_entries(g, {p}, cho_solve_grad_tangent, d, c_and_lower, b, "
                  f"made, wrt, {s!r})" for p, s in (("c_and_lower", "c"), ("made", "x"))}),
    })
    rules.update({f: None for f in (higher_decompositions.solve_like_grad_tangent,  # named
                                    higher_decompositions.solve_like_grad_adjoint)})
    return rules


_ALL = _rules()
# the helpers the templates call by name: this module's, and the helpers themselves
_FUNCTIONS = tuple((f.__name__, f) for f in (
    *(f for name, f in list(globals().items()) if callable(f) and not name.startswith("_")
      and getattr(f, "__module__", None) == __name__), *_ALL))
RULES = {f: replace(r, functions=_FUNCTIONS) for f, r in _ALL.items() if r is not None}
NONDIFF: set = set()
