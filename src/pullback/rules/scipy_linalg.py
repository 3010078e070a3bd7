"""Rules for `scipy.linalg`: triangular, Cholesky, Sylvester and banded solves, the
Cholesky factor, matrix square root and exponential, det, inv, solve and lstsq (for a
of full column rank, as np.linalg.lstsq's rule; `cond` refused).

Gradients are those of the function SciPy computes, which for several of these reads
only one triangle of a matrix: `solve_triangular` the triangle `lower` names (and not
the diagonal with `unit_diagonal`), `cholesky` and `cho_factor` the triangle they
factor, `solve` with `assume_a='sym'`/`'pos'` the triangle `lower` names. Their
gradient lives in that triangle, as finite differences see it. `cho_factor` returns
(c, lower) with unspecified values in c's other triangle: a gradient reaching those
values is refused (a PullbackError). LU factorizations are in scipy_lu.py.

`overwrite_a`/`overwrite_b` are not in the signatures: a call that lets SciPy destroy
its input is refused at transform time. Complex matrices follow autograd's convention
(the transpose, not the conjugate transpose, of a holomorphic map).
"""

import importlib.util
from dataclasses import replace

from ..errors import PullbackError
from ..runtime.helpers import GradList, unbroadcast
from . import numpy_added, rule
from .linear_algebra import _mT, cholesky_grad, cholesky_tangent
from .support import _zero, np

if importlib.util.find_spec("scipy") is None:
    raise ImportError("SciPy is not installed: its rules are skipped")
from scipy import linalg  # noqa: E402


def _column(b, g):
    """(b, g) with a vector right-hand side made a one-column matrix."""
    if np.ndim(b) == 1:
        return np.asarray(b)[:, None], np.asarray(g)[:, None]
    return np.asarray(b), np.asarray(g)


def _trans(trans):
    return {0: 0, 1: 1, 2: 2, "N": 0, "T": 1, "C": 2}[trans]


def solve_triangular_grad(g, a, b, ans, trans, lower, unit_diagonal, wrt):
    """X = op(T)^-1 B with T the `lower` triangle of a: grad B = op(T)^-T G, grad op(T) =
    -grad_B X^T, mapped back through op and restricted to the triangle a is read in."""
    if _zero(g):
        return 0.0
    trans, a = _trans(trans), np.asarray(a)
    if trans == 2:  # op(T) = conj(T)^T: its transpose is conj(T)
        gb = linalg.solve_triangular(np.conj(a), g, trans=0, lower=lower,
                                     unit_diagonal=unit_diagonal)
    else:
        gb = linalg.solve_triangular(a, g, trans=1 - trans, lower=lower,
                                     unit_diagonal=unit_diagonal)
    if wrt == "b":
        return gb
    x, gbm = _column(ans, gb)
    gm = -(gbm @ _mT(x))
    gt = {0: gm, 1: _mT(gm), 2: np.conj(_mT(gm))}[trans]
    return np.tril(gt, -1 if unit_diagonal else 0) if lower else \
        np.triu(gt, 1 if unit_diagonal else 0)


def _factor(c, lower):
    return np.tril(c) if lower else np.triu(c)


def cho_factor_grad(g, ans, lower):
    """cho_factor returns (c, lower); only c's factor triangle is defined, and its gradient
    is cholesky's (of the factor that reads the same triangle of a)."""
    if _zero(g) or _zero(g[0]):
        return 0.0
    gc = np.asarray(g[0])
    other = np.triu(gc, 1) if lower else np.tril(gc, -1)
    if np.any(other != 0):
        raise PullbackError(
            "no derivative rule for the values scipy.linalg.cho_factor leaves in the other "
            "triangle of its result (SciPy does not specify them): use np.tril/np.triu of "
            "the factor, or scipy.linalg.cholesky")
    return cholesky_grad(_factor(gc, lower), _factor(ans[0], lower), not lower)


def cho_solve_grad(g, c_and_lower, b, ans, wrt):
    """x = A^-1 b with A = L L^T (or U^T U) from c's factor triangle: grad b = A^-1 g,
    grad A = -grad_b x^T, and through A = L L^T, grad L = (grad A + grad A^T) L."""
    if _zero(g):
        return 0.0
    c, lower = c_and_lower
    gb = linalg.cho_solve((c, lower), g)
    if wrt == "b":
        return gb
    x, gbm = _column(ans, gb)
    ga = -(gbm @ _mT(x))
    sym = ga + _mT(ga)
    factor = _factor(np.asarray(c), lower)
    gc = np.tril(sym @ factor) if lower else np.triu(factor @ sym)
    return GradList([gc, 0.0])


def _lower_read(grad, lower):
    """The gradient of a function that reads only the `lower` triangle of a symmetric
    matrix, from its gradient `grad` as a function of every entry."""
    both = grad + _mT(grad)
    return np.tril(both, -1) + np.tril(np.triu(grad)) if lower else \
        np.triu(both, 1) + np.tril(np.triu(grad))


_GENERAL = (None, "gen", "general")
_SYMMETRIC = ("sym", "symmetric", "pos", "positive definite", "her", "hermitian")


def solve_grad(g, a, b, ans, assume_a, lower, wrt):
    """x = A^-1 b; with assume_a='sym'/'pos' SciPy reads one triangle of A."""
    if _zero(g):
        return 0.0
    if assume_a not in _GENERAL + _SYMMETRIC:
        raise PullbackError(f"no derivative rule for scipy.linalg.solve with "
                            f"assume_a={assume_a!r}: use the default or 'sym'/'pos'")
    a = np.asarray(a)
    full = a if assume_a in _GENERAL else (
        np.tril(a) + np.tril(a, -1).T if lower else np.triu(a) + np.triu(a, 1).T)
    if np.ndim(b) == 1:
        gb = np.linalg.solve(_mT(full), np.asarray(g)[:, None])[:, 0]
    else:
        gb = np.linalg.solve(_mT(full), g)
    if wrt == "b":
        return unbroadcast(gb, b)
    x, gbm = _column(ans, gb)
    ga = -(gbm @ _mT(x))
    return ga if assume_a in _GENERAL else _lower_read(ga, lower)


def _solve_like(kind, a, options):
    """(the matrix M(a) that `kind` solves with, M's linear part, its transpose): for
    'solve' the symmetric matrix of a triangle with assume_a='sym'/'pos' (else a), for
    'triangular' op(T), T the triangle of a SciPy reads (plus the unit diagonal it
    assumes with unit_diagonal)."""
    a = np.asarray(a)
    if np.iscomplexobj(a):
        raise PullbackError(f"forward mode or a second derivative of a scipy.linalg {kind} "
                            "of a complex matrix: pullback takes real matrices here")
    if kind == "solve":
        assume_a, lower = options
        if assume_a in _GENERAL:
            return a, (lambda t: t), (lambda y: y)
        if assume_a not in _SYMMETRIC:
            raise PullbackError(f"no derivative rule for scipy.linalg.solve with "
                                f"assume_a={assume_a!r}: use the default or 'sym'/'pos'")
        part = (lambda t: np.tril(t) + _mT(np.tril(t, -1))) if lower else \
            (lambda t: np.triu(t) + _mT(np.triu(t, 1)))
        return part(a), part, (lambda y: _lower_read(y, lower))
    if kind == "banded":  # options: l_and_u; M the dense matrix of the band storage a
        return (_banded(options, a)[0], (lambda t: _banded(options, np.asarray(t))[0]),
                (lambda y: _band_of(options, a, y)))
    trans, lower, unit = options
    swap = _trans(trans) != 0
    op = (lambda m: _mT(m)) if swap else (lambda m: m)
    skip = 1 if unit else 0
    tri = (lambda t: np.tril(t, -skip)) if lower else (lambda t: np.triu(t, skip))
    full = tri(a) + (np.eye(a.shape[-1]) if unit else 0.0)
    return op(full), (lambda t: op(tri(np.asarray(t)))), (lambda y: tri(op(np.asarray(y))))


def solve_like_tangent(t, a, ans, kind, options, wrt):
    """The tangent of scipy.linalg.solve / solve_triangular's x = M(a)^-1 b along a's
    tangent (-M^-1 dM x) or b's (M^-1 db)."""
    from .linear_algebra import solve_tangent_a

    full, linear, _ = _solve_like(kind, a, options)
    if wrt == "b":
        return np.linalg.solve(full, t) if np.ndim(t) > 1 else \
            np.linalg.solve(full, np.asarray(t)[:, None])[:, 0]
    return solve_tangent_a(linear(t), full, ans)


def _real_solve(what, *values):
    for v in values:
        if np.iscomplexobj(v):
            raise PullbackError(f"forward mode or a second derivative of {what} of complex "
                                "values: pullback takes real matrices here")


def sqrtm_tangent(t, ans):
    """X X = A: X dX + dX X = dA, a Sylvester equation."""
    _real_solve("scipy.linalg.sqrtm", t, ans)
    return linalg.solve_sylvester(ans, ans, np.broadcast_to(t, np.shape(ans)))


def solve_sylvester_tangent(t, a, b, ans, wrt):
    """A X + X B = Q: A dX + dX B = dQ - dA X - X dB."""
    _real_solve("scipy.linalg.solve_sylvester", t, a, b, ans)
    rhs = t if wrt == "q" else -(t @ ans) if wrt == "a" else -(ans @ t)
    return linalg.solve_sylvester(a, b, np.broadcast_to(rhs, np.shape(ans)))


def cho_factor_tangent(t, ans, lower):
    """(dc, 0.0): cholesky's tangent in c's factor triangle; NaN in the other triangle,
    whose values SciPy does not specify (a gradient reaching them is refused)."""
    factor = _factor(ans[0], lower)
    dc = cholesky_tangent(t, factor, not lower)
    other = ~np.tri(*np.shape(factor)[-2:], dtype=bool) if lower else \
        ~np.tri(*np.shape(factor)[-2:], dtype=bool).T
    return (np.where(other, np.nan, dc), 0.0)


def _cho_matrix_tangent(dc, c, lower):
    """dA for A = L L^T (U^T U) along the tangent dc of the factor's triangle of c."""
    F, dF = _factor(np.asarray(c), lower), _factor(np.asarray(dc), lower)
    return dF @ _mT(F) + F @ _mT(dF) if lower else _mT(dF) @ F + _mT(F) @ dF


def cho_solve_tangent(t, c_and_lower, b, ans, wrt):
    """x = A^-1 b: along b, A^-1 db; along c, -A^-1 dA x (dA from c's factor triangle)."""
    c, lower = c_and_lower
    _real_solve("scipy.linalg.cho_solve", t if wrt == "b" else 0.0, c, ans)
    if wrt == "b":
        return linalg.cho_solve((c, lower), np.broadcast_to(t, np.shape(ans)))
    dc = t if _zero(t) else t[0]
    if _zero(dc):
        return np.zeros(np.shape(ans))
    _real_solve("scipy.linalg.cho_solve", dc)
    return -linalg.cho_solve((c, lower), _cho_matrix_tangent(dc, c, lower) @ ans)


def sqrtm_grad(g, ans):
    """X X = A: the adjoint solves X^T Z + Z X^T = G (a Sylvester equation)."""
    if _zero(g):
        return 0.0
    t = _mT(ans)
    return linalg.solve_sylvester(t, t, g)


def expm_grad(g, a):
    """The adjoint of exp's Frechet derivative at A is its Frechet derivative at A^T."""
    if _zero(g):
        return 0.0
    a, g = np.asarray(a), np.broadcast_to(g, np.shape(a))
    out = np.empty(a.shape, dtype=np.result_type(a, g))
    for index in np.ndindex(a.shape[:-2]):  # expm_frechet takes one matrix at a time
        out[index] = linalg.expm_frechet(a[index].T, g[index], compute_expm=False)
    return out


def expm_tangent(t, a):
    """expm's Frechet derivative at A along t, matrix by matrix of a stack."""
    a = np.asarray(a)
    t = np.broadcast_to(t, a.shape)
    out = np.empty(a.shape, dtype=np.result_type(a, t, float))
    for index in np.ndindex(a.shape[:-2]):
        out[index] = linalg.expm_frechet(a[index], t[index], compute_expm=False)
    return out


def solve_sylvester_grad(g, a, b, ans, wrt):
    """A X + X B = Q: Z solves A^T Z + Z B^T = G; grad Q = Z, A = -Z X^T, B = -X^T Z."""
    if _zero(g):
        return 0.0
    z = linalg.solve_sylvester(_mT(a), _mT(b), g)
    return {"q": z, "a": -(z @ _mT(ans)), "b": -(_mT(ans) @ z)}[wrt]


def _banded(l_and_u, ab):
    """The dense matrix of banded storage ab, and the (row, column) of each band entry."""
    lower, upper = l_and_u
    ab = np.asarray(ab)
    n = ab.shape[1]
    rows, cols = np.meshgrid(np.arange(lower + upper + 1), np.arange(n), indexing="ij")
    i = rows - upper + cols
    valid = (i >= 0) & (i < n)
    dense = np.zeros((n, n), dtype=ab.dtype)
    dense[i[valid], cols[valid]] = ab[rows[valid], cols[valid]]
    return dense, i, cols, valid


def _band_of(l_and_u, ab, y):
    """The band storage entries of the dense matrix y (ab's shape; entries outside the
    matrix 0): the transpose of building the dense matrix from ab."""
    _, i, cols, valid = _banded(l_and_u, ab)
    y = np.asarray(y)
    out = np.zeros(np.shape(ab), dtype=y.dtype)
    out[valid] = y[i[valid], cols[valid]]
    return out


def solve_banded_grad(g, l_and_u, ab, b, ans, wrt):
    """solve with the band matrix of ab; ab's gradient is read back from the dense one
    (entries outside the matrix get none)."""
    if _zero(g):
        return 0.0
    dense, i, cols, valid = _banded(l_and_u, ab)
    if np.ndim(b) == 1:
        gb = np.linalg.solve(dense.T, np.asarray(g)[:, None])[:, 0]
    else:
        gb = np.linalg.solve(dense.T, g)
    if wrt == "b":
        return gb
    x, gbm = _column(ans, gb)
    gm = -(gbm @ x.T)
    gab = np.zeros(np.shape(ab), dtype=gm.dtype)
    gab[valid] = gm[i[valid], cols[valid]]
    return gab


def lstsq_tangent(t, a, b, wrt):
    """linalg.lstsq(a, b) = (x, residues, rank, s) is np.linalg.lstsq's for a of full
    column rank (numpy_added.lstsq_grad is its adjoint), but for a vector b its
    residues are one number, not an array of one: so is their tangent."""
    dx, dres, rank, ds = numpy_added.lstsq_tangent(t, a, b, wrt)
    if np.ndim(b) == 1 and np.size(dres):
        dres = dres[0]
    return GradList([dx, dres, rank, ds])


_FUNCTIONS = tuple((f.__name__, f) for f in (
    solve_triangular_grad, cho_factor_grad, cho_solve_grad, solve_grad, sqrtm_grad, expm_grad,
    expm_tangent, solve_sylvester_grad, solve_banded_grad, solve_like_tangent, sqrtm_tangent,
    solve_sylvester_tangent, cho_factor_tangent, cho_solve_tangent)) + (
    ("lstsq_grad", numpy_added.lstsq_grad), ("scipy_lstsq_tangent", lstsq_tangent))


def _rule(params, jvp=None, **partials):
    return replace(rule(params, kinds=("fresh",), jvp=jvp, **partials), functions=_FUNCTIONS)


RULES = {
    linalg.solve_triangular: _rule(
        "a, b, trans=0, lower=False, unit_diagonal=False, check_finite=True",
        jvp={p: f"solve_like_tangent(g, a, ans, 'triangular', (trans, lower, unit_diagonal), "
                f"{p!r})" for p in ("a", "b")},
        **{p: f"solve_triangular_grad(g, a, b, ans, trans, lower, unit_diagonal, '{p}')"
           for p in ("a", "b")}),
    linalg.cholesky: _rule("a, lower=False, check_finite=True",
                           a="cholesky_grad(g, ans, not lower)",
                           jvp={"a": "cholesky_tangent(g, ans, not lower)"}),
    linalg.cho_factor: _rule("a, lower=False, check_finite=True",
                             a="cho_factor_grad(g, ans, lower)",
                             jvp={"a": "cho_factor_tangent(g, ans, lower)"}),
    linalg.cho_solve: _rule("c_and_lower, b, check_finite=True",
                            c_and_lower="cho_solve_grad(g, c_and_lower, b, ans, 'c')",
                            b="cho_solve_grad(g, c_and_lower, b, ans, 'b')",
                            jvp={p: f"cho_solve_tangent(g, c_and_lower, b, ans, {p[0]!r})"
                                 for p in ("c_and_lower", "b")}),
    linalg.solve: _rule("a, b, lower=False, check_finite=True, assume_a=None",
                        jvp={p: f"solve_like_tangent(g, a, ans, 'solve', (assume_a, lower), "
                                f"{p!r})" for p in ("a", "b")},
                        **{p: f"solve_grad(g, a, b, ans, assume_a, lower, '{p}')"
                           for p in ("a", "b")}),
    linalg.det: _rule("a, check_finite=True", a="det_grad(g, a, ans)",
                      jvp={"a": "det_tangent(g, a, ans)"}),
    linalg.inv: _rule("a, check_finite=True", a="inv_grad(g, ans)",
                      jvp={"a": "-(ans @ g @ ans)"}),
    linalg.sqrtm: _rule("A", A="sqrtm_grad(g, ans)", jvp={"A": "sqrtm_tangent(g, ans)"}),
    linalg.expm: _rule("A", A="expm_grad(g, A)", jvp={"A": "expm_tangent(g, A)"}),
    linalg.solve_sylvester: _rule("a, b, q", **{p: f"solve_sylvester_grad(g, a, b, ans, '{p}')"
                                                for p in ("a", "b", "q")},
                                  jvp={p: f"solve_sylvester_tangent(g, a, b, ans, '{p}')"
                                       for p in ("a", "b", "q")}),
    # `cond` is not in the signature: a cutoff that drops a singular value changes the
    # solution the adjoint assumes (full column rank), so a call with it is refused
    linalg.lstsq: _rule("a, b, check_finite=True, lapack_driver=None",
                        **{p: f"lstsq_grad(g, a, b, {p!r})" for p in ("a", "b")},
                        jvp={p: f"scipy_lstsq_tangent(g, a, b, {p!r})" for p in ("a", "b")}),
    linalg.solve_banded: _rule("l_and_u, ab, b, check_finite=True",
                               **{p: f"solve_banded_grad(g, l_and_u, ab, b, ans, '{p}')"
                                  for p in ("ab", "b")},
                               jvp={p: f"solve_like_tangent(g, ab, ans, 'banded', l_and_u, "
                                       f"{'b' if p == 'b' else 'a'!r})" for p in ("ab", "b")}),
}
ARRAY_LIKE = True  # list arguments are read as arrays, by the functions and their rules
# (but for cho_solve's pair (c, lower), whose tangent is a pair too)
LISTS_OF_ARRAYS = (linalg.cho_solve,)
NONDIFF: set = set()
