"""Rules for the decompositions and matrix functions of `numpy.linalg` (the elementary
ones, inv, det, solve, cholesky, norm, live with the other NumPy rules), each declared
with the helper that computes its gradient.

What they guarantee: the gradient of a real matrix function where it is differentiable.
Where it is not, or where the result is not a function of the matrix, the helper raises
a PullbackError naming the call rather than returning a number:

- singular vectors and eigenvectors whose values are repeated (they are not unique, so
  the gradient of anything reading them is undefined; the values alone are fine);
- np.linalg.svd with full_matrices=True on a non-square matrix, when the result's
  extra singular vectors (which are not unique) receive a gradient;
- np.linalg.eig with complex eigenvalues, and complex matrices for svd, eigh and eig.

eigh and eigvalsh read one triangle of the matrix (UPLO), so the gradient lives in that
triangle, as NumPy's result does not depend on the other. Functions returning several
arrays (svd, eigh, eig) receive their gradient as a list, one entry per array.
"""

from dataclasses import replace

import numpy as np

from ..errors import PullbackError
from ..runtime.helpers import GradList
from . import rule

FRESH = ("fresh",)


def _zero(g) -> bool:
    return g.__class__ is float and g == 0.0


def _mT(a):
    return np.swapaxes(a, -1, -2)


def _real_matrix(a, what):
    a = np.asarray(a)
    if np.iscomplexobj(a):
        raise PullbackError(f"no derivative rule for {what} of a complex matrix: pullback "
                            "differentiates it for real matrices only")
    return a


def _inverse_gaps(values, what, needed):
    """F[i, j] = 1 / (values[j] - values[i]) off the diagonal, 0 on it: how eigenvectors (or
    singular vectors) turn as the matrix changes. Equal values leave the vectors undefined:
    an error when their gradient is `needed`."""
    gaps = values[..., None, :] - values[..., :, None]
    off = ~np.eye(values.shape[-1], dtype=bool)
    if needed and np.any((gaps == 0) & off):
        raise PullbackError(
            f"{what} has repeated values, so its vectors are not unique and have no "
            "derivative; only a function of the values alone can be differentiated here")
    off = off & (gaps != 0)  # (repeated values, not needed: they meet zeros, not inf)
    return np.where(off, 1.0 / np.where(off, gaps, 1.0), 0.0)


def _part(g, i, like):
    """The i-th entry of a tuple result's gradient, zeros when it got none."""
    gi = 0.0 if _zero(g) else g[i]
    return np.zeros(np.shape(like)) if _zero(gi) else np.asarray(gi)


def _diag(v):
    return v[..., :, None] * np.eye(v.shape[-1])


def linalg_svd_grad(g, a, ans, full_matrices=True, compute_uv=True, hermitian=False):
    """The gradient of np.linalg.svd (Townsend 2016, real matrices): with U, s, V and
    F[i, j] = 1 / (s_j^2 - s_i^2),
    U [F o (U^T gU - gU^T U) S + diag(gs) + S F o (V^T gV - gV^T V)] V^T
    + (I - U U^T) gU S^-1 V^T + U S^-1 gV^T (I - V V^T).
    With hermitian=True NumPy reads the lower triangle only, and so does the gradient."""
    if _zero(g):
        return 0.0
    if hermitian:  # the general gradient, at the symmetric matrix NumPy decomposes
        return _triangle(linalg_svd_grad(g, _symmetric(a), ans, full_matrices, compute_uv), "L")
    a = _real_matrix(a, "np.linalg.svd")
    if not compute_uv:
        u, _, vh = np.linalg.svd(a, full_matrices=False)
        return (u * np.asarray(g)[..., None, :]) @ vh
    u, s, vh = ans
    m, n = a.shape[-2:]
    k = min(m, n)
    gu, gs, gvh = _part(g, 0, u), _part(g, 1, s), _part(g, 2, vh)
    if full_matrices and m != n:
        extra = gu[..., :, k:] if m > n else gvh[..., k:, :]
        if np.any(extra != 0):
            raise PullbackError(
                "np.linalg.svd(full_matrices=True) of a non-square matrix: its extra "
                f"{'columns of U' if m > n else 'rows of Vh'} are not unique, so nothing "
                "computed from them has a derivative; pass full_matrices=False")
        u, gu, vh, gvh = u[..., :, :k], gu[..., :, :k], vh[..., :k, :], gvh[..., :k, :]
    v, gv = _mT(vh), _mT(gvh)
    vectors = bool(np.any(gu != 0) or np.any(gv != 0))
    F = _inverse_gaps(s * s, "np.linalg.svd", vectors)
    J = F * (_mT(u) @ gu - _mT(gu) @ u)
    K = F * (_mT(v) @ gv - _mT(gv) @ v)
    inner = J * s[..., None, :] + _diag(gs) + s[..., :, None] * K
    grad = u @ inner @ vh
    if vectors and m != n:
        if np.any(s == 0):
            raise PullbackError("np.linalg.svd of a rank-deficient non-square matrix: its "
                                "singular vectors have no derivative")
        if m > k:
            grad = grad + (gu - u @ (_mT(u) @ gu)) / s[..., None, :] @ vh
        if n > k:
            grad = grad + u @ (_mT(gv - v @ (_mT(v) @ gv)) / s[..., :, None])
    return grad


def _svd_tangent_parts(t, u, s, vh):
    """(du, ds, dvh) of the thin SVD A = U diag(s) V^T along t (Townsend 2016): with
    P = U^T t V and F[i, j] = 1 / (s_j^2 - s_i^2), ds = diag(P),
    dU = U (F o (P S + S P^T)) + (I - U U^T) t V S^-1,
    dV = V (F o (S P + P^T S)) + (I - V V^T) t^T U S^-1."""
    v = _mT(vh)
    P = _mT(u) @ t @ v
    ds = np.diagonal(P, axis1=-2, axis2=-1)
    F = _inverse_gaps(s * s, "np.linalg.svd (its tangent)", True)
    S = s[..., None, :]  # scales columns
    du = u @ (F * (P * S + _mT(P * S)))
    dv = v @ (F * (_mT(P) * S + _mT(_mT(P) * S)))
    m, n = t.shape[-2:]
    if m != n and np.any(s == 0):
        raise PullbackError("np.linalg.svd of a rank-deficient non-square matrix: its "
                            "singular vectors have no derivative")
    if m > s.shape[-1]:
        du = du + (t @ v - u @ (P)) / S
    if n > s.shape[-1]:
        dv = dv + (_mT(t) @ u - v @ _mT(P)) / S
    return du, ds, _mT(dv)


def linalg_svd_tangent(t, a, ans, full_matrices=True, compute_uv=True, hermitian=False):
    """np.linalg.svd along t: the singular values' diag(U^T t V), and with compute_uv the
    vectors' tangents (_svd_tangent_parts); with full_matrices on a non-square matrix
    the extra vectors, which are not unique, get NaN (nothing computed from them has a
    derivative: the gradient refuses them). hermitian=True reads the lower triangle."""
    a = _real_matrix(_symmetric(a) if hermitian else a, "np.linalg.svd")
    t = _real_matrix(_symmetric(t) if hermitian else np.asarray(t), "np.linalg.svd")
    if not compute_uv:
        u, _, vh = np.linalg.svd(a, full_matrices=False)
        return np.einsum("...ji,...jk,...ki->...i", u, t, _mT(vh))
    u, s, vh = ans
    m, n = a.shape[-2:]
    k = min(m, n)
    du, ds, dvh = _svd_tangent_parts(t, u[..., :, :k], s, vh[..., :k, :])
    if full_matrices and m > n:
        du = np.concatenate([du, np.full(u.shape[:-1] + (m - k,), np.nan)], axis=-1)
    if full_matrices and n > m:
        dvh = np.concatenate([dvh, np.full(vh.shape[:-2] + (n - k, n), np.nan)], axis=-2)
    return du, ds, dvh


def _triangle(x, uplo):
    """The gradient with respect to a matrix of which only the triangle `uplo` is read
    (as the symmetric matrix it stands for): x + x^T off the diagonal there, x on it."""
    both = x + _mT(x)
    kept = np.tril(both, -1) if uplo.upper() == "L" else np.triu(both, 1)
    return kept + x * np.eye(x.shape[-1])


def _symmetric(a):
    """The symmetric matrix that a matrix's lower triangle stands for."""
    a = np.asarray(a)
    return np.tril(a) + _mT(np.tril(a, -1))


def linalg_eigh_grad(g, a, ans, UPLO="L"):
    """np.linalg.eigh (w, V) of a symmetric matrix: V (diag(gw) + F o (V^T gV)) V^T with
    F[i, j] = 1 / (w_j - w_i), put in the triangle NumPy reads."""
    if _zero(g):
        return 0.0
    _real_matrix(a, "np.linalg.eigh")
    w, v = ans
    gw, gv = _part(g, 0, w), _part(g, 1, v)
    F = _inverse_gaps(w, "np.linalg.eigh", bool(np.any(gv != 0)))
    x = v @ (_diag(gw) + F * (_mT(v) @ gv)) @ _mT(v)
    return _triangle(x, UPLO)


def linalg_eigvalsh_grad(g, a, UPLO="L"):
    """np.linalg.eigvalsh: V diag(g) V^T, in the triangle NumPy reads."""
    if _zero(g):
        return 0.0
    _, v = np.linalg.eigh(_real_matrix(a, "np.linalg.eigvalsh"), UPLO)
    return _triangle((v * np.asarray(g)[..., None, :]) @ _mT(v), UPLO)


def linalg_eigvalsh_tangent(t, a, UPLO="L"):
    """np.linalg.eigvalsh along t: diag(V^T T V), T the symmetric matrix t's triangle
    UPLO stands for."""
    _, v = np.linalg.eigh(_real_matrix(a, "np.linalg.eigvalsh"), UPLO)
    t = np.asarray(t)
    kept = np.triu(t) if UPLO.upper() == "U" else np.tril(t)
    symmetric = kept + _mT(np.triu(t, 1) if UPLO.upper() == "U" else np.tril(t, -1))
    return np.einsum("...ji,...jk,...ki->...i", v, symmetric, v)


def linalg_eig_grad(g, a, ans):
    """np.linalg.eig (w, V) of a real matrix with real eigenvalues, V's columns of unit
    length: V^-T (diag(gw) + F o (V^T gV')) V^T, where gV' = gV - V diag(V^T gV) keeps
    the columns' length and F[i, j] = 1 / (w_j - w_i)."""
    if _zero(g):
        return 0.0
    _real_matrix(a, "np.linalg.eig")
    w, v = (ans, None) if not isinstance(ans, tuple) else ans
    if np.iscomplexobj(w):
        raise PullbackError("np.linalg.eig of a matrix with complex eigenvalues: pullback "
                            "differentiates it when every eigenvalue is real")
    if v is None:  # eigvals
        w, v = np.linalg.eig(a)
        gw, gv = np.asarray(g), np.zeros(v.shape)
    else:
        gw, gv = _part(g, 0, w), _part(g, 1, v)
    vectors = bool(np.any(gv != 0))
    F = _inverse_gaps(w, "np.linalg.eig", vectors)
    gv = gv - v * np.sum(v * gv, axis=-2, keepdims=True)
    inner = _diag(gw) + F * (_mT(v) @ gv)
    return np.linalg.solve(_mT(v), inner @ _mT(v))


def _eig_tangent_parts(t, w, v):
    """(dw, dV) of A V = V diag(w) along t, V's columns of unit length: with
    P = V^-1 t V and F[i, j] = 1 / (w_j - w_i), dw = diag(P) and dV = V C - V diag(V^T V C),
    C = F o P (the last term keeps each column's length)."""
    P = np.linalg.solve(v, t @ v)
    F = _inverse_gaps(w, "np.linalg.eig (its tangent)", True)
    dv = v @ (F * P)
    return (np.diagonal(P, axis1=-2, axis2=-1),
            dv - v * np.sum(v * dv, axis=-2, keepdims=True))


def linalg_eig_tangent(t, a, ans):
    """np.linalg.eig (w, V) along t (np.linalg.eigvals: w), for a real matrix with real
    eigenvalues (repeated ones refused: their eigenvectors have no derivative)."""
    _real_matrix(a, "np.linalg.eig")
    t = _real_matrix(t, "np.linalg.eig")
    w, v = ans if isinstance(ans, tuple) else np.linalg.eig(a)
    if np.iscomplexobj(w):
        raise PullbackError("np.linalg.eig of a matrix with complex eigenvalues: pullback "
                            "differentiates it when every eigenvalue is real")
    dw, dv = _eig_tangent_parts(np.broadcast_to(t, np.shape(v)), w, v)
    return (dw, dv) if isinstance(ans, tuple) else dw


def linalg_pinv_grad(g, a, ans, hermitian=False):
    """np.linalg.pinv, where the rank is constant (Golub and Pereyra 1973): with P = A^+,
    -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A); in the lower triangle, which
    NumPy reads, for hermitian=True."""
    if _zero(g):
        return 0.0
    if hermitian:
        return _triangle(linalg_pinv_grad(g, _symmetric(a), ans), "L")
    a = _real_matrix(a, "np.linalg.pinv")
    p, gt = ans, _mT(g)
    first = -(_mT(p) @ g @ _mT(p))
    second = (gt - a @ (p @ gt)) @ (p @ _mT(p))
    third = (_mT(p) @ p) @ (gt - (gt @ p) @ a)
    return first + second + third


def _symmetric_of(t, uplo):
    """The symmetric matrix the triangle `uplo` of t stands for."""
    t = np.asarray(t)
    if uplo.upper() == "U":
        return np.triu(t) + _mT(np.triu(t, 1))
    return np.tril(t) + _mT(np.tril(t, -1))


def linalg_eigh_tangent(t, a, ans, UPLO="L"):
    """(dw, dV) of np.linalg.eigh along t: (diag(M), V (F o M)), M = V^T T V, T the
    symmetric matrix t's triangle UPLO stands for, F[i, j] = 1 / (w_j - w_i); repeated
    eigenvalues are refused (their eigenvectors have no derivative)."""
    _real_matrix(a, "np.linalg.eigh")
    w, V = ans
    F = _inverse_gaps(w, "np.linalg.eigh (its tangent)", True)
    M = _mT(V) @ _symmetric_of(t, UPLO) @ V
    return np.diagonal(M, axis1=-2, axis2=-1), V @ (F * M)


def linalg_pinv_tangent(t, a, ans, hermitian=False):
    """np.linalg.pinv along t (Golub and Pereyra 1973): -P dA P + (I - P A) dA^T P^T P
    + P P^T dA^T (I - A P)."""
    a = _real_matrix(_symmetric(a) if hermitian else a, "np.linalg.pinv")
    t = _symmetric(t) if hermitian else np.asarray(t)
    p = ans
    tT = _mT(t)
    return -(p @ t @ p) + (tT - p @ (a @ tT)) @ (_mT(p) @ p) \
        + (p @ _mT(p)) @ (tT - (tT @ a) @ p)


def _power_grad(g, a, n):
    """The gradient of A^n (n >= 1): the sum over k of (A^T)^k g (A^T)^(n-1-k)."""
    powers = [np.broadcast_to(np.eye(a.shape[-1]), a.shape)]
    for _ in range(n - 1):
        powers.append(powers[-1] @ a)
    return sum(_mT(powers[k]) @ g @ _mT(powers[n - 1 - k]) for k in range(n))


def linalg_matrix_power_grad(g, a, n):
    """np.linalg.matrix_power(A, n): a negative n is the power of inv(A)."""
    if _zero(g) or n == 0:
        return 0.0
    a = np.asarray(a)
    if n > 0:
        return _power_grad(np.asarray(g), a, n)
    b = np.linalg.inv(a)
    gb = _power_grad(np.asarray(g), b, -n)
    return -(_mT(b) @ gb @ _mT(b))


def linalg_multi_dot_grad(g, arrays):
    """np.linalg.multi_dot: each factor gets (product before it)^T g (product after it)^T,
    a first 1-D factor being a row and a last one a column."""
    if _zero(g):
        return 0.0
    factors = [np.asarray(x) for x in arrays]
    if factors[0].ndim == 1:
        factors[0] = factors[0][None, :]
    if factors[-1].ndim == 1:
        factors[-1] = factors[-1][:, None]
    g = np.reshape(g, (factors[0].shape[0], factors[-1].shape[1]))
    before = [np.eye(factors[0].shape[0])]
    for x in factors[:-1]:
        before.append(before[-1] @ x)
    after = [np.eye(factors[-1].shape[1])]
    for x in reversed(factors[1:]):
        after.append(x @ after[-1])
    after.reverse()
    return GradList(np.reshape(before[i].T @ g @ after[i].T, np.shape(x))
                    for i, x in enumerate(arrays))


def _product_tangent(factors, tangents):
    """The tangent of factors[0] @ ... @ factors[-1]: the sum over the factors with a
    tangent of the product with that factor replaced by it (0.0: none has one)."""
    total = 0.0
    for i, t in enumerate(tangents):
        if t.__class__ is float and t == 0.0:
            continue
        product = None
        for j, f in enumerate(factors):
            f = np.asarray(t if j == i else f)
            product = f if product is None else product @ f
        total = product if _zero(total) else total + product
    return total


def linalg_multi_dot_tangent(t, arrays):
    """np.linalg.multi_dot along the tangents t of its factors (a list, 0.0 for a factor
    without one): multilinear in them."""
    if _zero(t):
        return 0.0
    return _product_tangent(arrays, t)


def linalg_matrix_power_tangent(t, a, n):
    """np.linalg.matrix_power(A, n) along t: the sum over the n factors of the product with
    that factor replaced by t (for a negative n, the factors are inv(A), whose tangent is
    -inv(A) t inv(A))."""
    if n == 0:
        return np.zeros(np.shape(a))
    if n < 0:
        b = np.linalg.inv(a)
        a, t, n = b, -(b @ t @ b), -n
    return _product_tangent([a] * n, [t] * n)


def _with_helper(r, *helpers):
    """The rule, carrying the helpers its templates call."""
    return replace(r, functions=tuple((helper.__name__, helper) for helper in helpers))


RULES = {
    np.linalg.svd: _with_helper(rule(
        "a, full_matrices=True, compute_uv=True, hermitian=False", kinds=FRESH,
        a="linalg_svd_grad(g, a, ans, full_matrices, compute_uv, hermitian)",
        jvp={"a": "linalg_svd_tangent(g, a, ans, full_matrices, compute_uv, hermitian)"}),
        linalg_svd_grad, linalg_svd_tangent),
    np.linalg.eigh: _with_helper(rule("a, UPLO='L'", kinds=FRESH,
                                      a="linalg_eigh_grad(g, a, ans, UPLO)",
                                      jvp={"a": "linalg_eigh_tangent(g, a, ans, UPLO)"}),
                                 linalg_eigh_grad, linalg_eigh_tangent),
    np.linalg.eigvalsh: _with_helper(rule("a, UPLO='L'", kinds=FRESH,
                                          a="linalg_eigvalsh_grad(g, a, UPLO)",
                                          jvp={"a": "linalg_eigvalsh_tangent(g, a, UPLO)"}),
                                     linalg_eigvalsh_grad, linalg_eigvalsh_tangent),
    np.linalg.eig: _with_helper(rule("a", kinds=FRESH, a="linalg_eig_grad(g, a, ans)",
                                     jvp={"a": "linalg_eig_tangent(g, a, ans)"}),
                                linalg_eig_grad, linalg_eig_tangent),
    np.linalg.eigvals: _with_helper(rule("a", kinds=FRESH, a="linalg_eig_grad(g, a, ans)",
                                         jvp={"a": "linalg_eig_tangent(g, a, ans)"}),
                                    linalg_eig_grad, linalg_eig_tangent),
    np.linalg.pinv: _with_helper(rule("a, rcond=None, hermitian=False, *, rtol=None",
                                      kinds=FRESH, a="linalg_pinv_grad(g, a, ans, hermitian)",
                                      jvp={"a": "linalg_pinv_tangent(g, a, ans, hermitian)"}),
                                 linalg_pinv_grad, linalg_pinv_tangent),
    # n=1 returns a itself
    np.linalg.matrix_power: _with_helper(rule("a, n", kinds=("view",),
                                              a="linalg_matrix_power_grad(g, a, n)",
                                              jvp={"a": "linalg_matrix_power_tangent(g, a, n)"}),
                                         linalg_matrix_power_grad, linalg_matrix_power_tangent),
    np.linalg.multi_dot: _with_helper(rule("arrays", kinds=FRESH,
                                           arrays="linalg_multi_dot_grad(g, arrays)",
                                           jvp={"arrays": "linalg_multi_dot_tangent(g, arrays)"}),
                                      linalg_multi_dot_grad, linalg_multi_dot_tangent),
}
ARRAY_LIKE = True
# multi_dot's list holds matrices of different shapes, never one array: its tangent is a
# list of their tangents
LISTS_OF_ARRAYS = (np.linalg.multi_dot,)
NONDIFF: set = set()
