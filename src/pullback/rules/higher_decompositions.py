"""Rules for the gradients' helpers of the decompositions (`linalg_eigh_grad`,
`linalg_pinv_grad`), so that a second derivative (hessian, hvp, grad of grad) goes
through them (np.linalg.eigh's and pinv's own tangents are in linalg.py).

Guarantees:
- linalg_eigh_grad(d, a, ans) = T(V (diag(dw) + F o V^T dV) V^T) (T: the triangle NumPy
  reads) is linear in d and smooth in ans = (w, V); a is read to refuse complex values
  only, and has no derivative here. Its tangents and adjoints below are the product rule
  and its transpose, with dF = -(dw_j - dw_i) F^2;
- pinv's gradient is a matrix polynomial in (P = pinv(A), A, G): its tangent along each
  is the sum over the factors that are it of the product with that factor replaced, and
  its adjoint the transpose of each term (`_Polynomial`);
- complex values are refused: these derivations are for real matrices.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..runtime import helpers as runtime
from . import linalg, rule
from .higher_products import _mT, _real, _zero

FRESH = ("fresh",)


def _diag(v):
    return np.asarray(v)[..., :, None] * np.eye(np.shape(v)[-1])


def _diagonal(m):
    return np.diagonal(m, axis1=-2, axis2=-1)


def _symmetric_read(t, UPLO):
    """The symmetric matrix the triangle UPLO of t stands for (what eigh decomposes)."""
    t = np.asarray(t)
    upper = UPLO.upper() == "U"
    kept = np.triu(t) if upper else np.tril(t)
    return kept + _mT(np.triu(t, 1) if upper else np.tril(t, -1))


def _pair(v):
    """The two entries of a pair's tangent or gradient (0.0: none)."""
    if _zero(v):
        return 0.0, 0.0
    return v[0], v[1]


# np.linalg.eigh -----------------------------------------------------------------------


def _eigh_parts(d, ans, *values):
    """(w, V, gw, gV, F, K = V^T gV, M = diag(gw) + F o K); F is None (and K zero) when d
    has no vector part."""
    _real("np.linalg.eigh", d, ans, *values)
    w, V = ans
    gw, gV = _pair(d)
    vectors = not _zero(gV) and bool(np.any(gV != 0))
    F = linalg._inverse_gaps(w, "np.linalg.eigh (a second derivative)", True) \
        if vectors else None
    K = _mT(V) @ gV if vectors else None
    M = (0.0 if _zero(gw) else _diag(gw)) + (F * K if vectors else 0.0)
    return w, V, F, K, M


def eigh_grad_tangent_ans(t, d, a, ans, UPLO="L"):
    """linalg_eigh_grad along the tangent t = (dw, dV) of ans = (w, V)."""
    if _zero(t) or _zero(d):
        return 0.0
    w, V, F, K, M = _eigh_parts(d, ans, t)
    dw, dV = _pair(t)
    dM = 0.0
    if F is not None:
        if not _zero(dw):
            dM = -(dw[..., None, :] - dw[..., :, None]) * F * F * K
        if not _zero(dV):
            dM = dM + F * (_mT(dV) @ d[1])
    x = V @ dM @ _mT(V) if not _zero(dM) else 0.0
    if not _zero(dV) and not _zero(M):
        x = x + dV @ M @ _mT(V) + V @ M @ _mT(dV)
    if _zero(x):
        return 0.0
    return linalg._triangle(x, UPLO)


def eigh_grad_adjoint_d(g, d, a, ans, UPLO="L"):
    """The transpose of d -> T(V (diag(dw) + F o V^T dV) V^T): with X = T's transpose of g
    and N = V^T X V, (diag(N), V (F o N))."""
    if _zero(g):
        return 0.0
    _real("np.linalg.eigh", g, ans)
    w, V = ans
    N = _mT(V) @ _symmetric_read(g, UPLO) @ V
    gw, gV = _pair(d)
    vectors = not _zero(gV)
    part = V @ (linalg._inverse_gaps(w, "np.linalg.eigh (a second derivative)", True) * N) \
        if vectors else 0.0
    return runtime.GradList([_diagonal(N), part])


def eigh_grad_adjoint_ans(g, d, a, ans, UPLO="L"):
    """The transpose of the tangent in ans: with X as above and N = V^T X V,
    V-bar = X V M^T + X^T V M + gV (F o N)^T; w-bar from dF: Q = N o K o F^2 summed
    over rows, less over columns."""
    if _zero(g) or _zero(d):
        return 0.0
    w, V, F, K, M = _eigh_parts(d, ans, g)
    X = _symmetric_read(g, UPLO)
    N = _mT(V) @ X @ V
    bar_V = X @ V @ _mT(M) + _mT(X) @ V @ M if not _zero(M) else np.zeros(np.shape(V))
    bar_w = np.zeros(np.shape(w))
    if F is not None:
        bar_V = bar_V + d[1] @ _mT(F * N)
        Q = N * K * F * F
        bar_w = np.sum(Q, axis=-1) - np.sum(Q, axis=-2)
    return runtime.GradList([bar_w, bar_V])


# np.linalg.pinv: a polynomial in P = pinv(A), A and G ---------------------------------


class _Polynomial:
    """sum of coef * F1 @ F2 @ ... over terms, each factor (symbol, transposed): its value,
    tangent along one symbol and adjoint in one symbol."""

    def __init__(self, *terms):
        self.terms = terms

    @staticmethod
    def _product(factors, values, swap=None):
        out = None
        for k, (symbol, transposed) in enumerate(factors):
            v = np.asarray(values[symbol] if swap is None or swap[0] != k else swap[1])
            v = _mT(v) if transposed else v
            out = v if out is None else out @ v
        return out

    def tangent(self, values, symbol, t):
        total = 0.0
        for coef, factors in self.terms:
            for k, (s, _) in enumerate(factors):
                if s == symbol:
                    total = total + coef * self._product(factors, values, (k, t))
        return total

    def adjoint(self, values, symbol, g):
        """<g, tangent(t)> = <adjoint, t>: for each factor k that is `symbol`, the product
        before it transposed, g, the product after it transposed (transposed again for a
        transposed factor)."""
        total = 0.0
        for coef, factors in self.terms:
            for k, (s, transposed) in enumerate(factors):
                if s != symbol:
                    continue
                part = np.asarray(g)
                if k:
                    part = _mT(self._product(factors[:k], values)) @ part
                if k + 1 < len(factors):
                    part = part @ _mT(self._product(factors[k + 1:], values))
                total = total + coef * (_mT(part) if transposed else part)
        return total


# -P^T G P^T + G^T P P^T - A P G^T P P^T + P^T P G^T - P^T P G^T P A
_PINV = _Polynomial(
    (-1.0, (("p", 1), ("g", 0), ("p", 1))), (1.0, (("g", 1), ("p", 0), ("p", 1))),
    (-1.0, (("a", 0), ("p", 0), ("g", 1), ("p", 0), ("p", 1))),
    (1.0, (("p", 1), ("p", 0), ("g", 1))),
    (-1.0, (("p", 1), ("p", 0), ("g", 1), ("p", 0), ("a", 0))))


def _pinv_values(d, a, ans, hermitian, *values):
    _real("np.linalg.pinv", d, a, ans, *values)
    return {"g": d, "a": linalg._symmetric(a) if hermitian else np.asarray(a), "p": ans}


def _pinv_out(x, hermitian):
    """The gradient in a: in the lower triangle, which NumPy reads, for hermitian=True."""
    if _zero(x):
        return 0.0
    return linalg._triangle(x, "L") if hermitian else x


def _pinv_in(g, hermitian):
    """The transpose of _pinv_out, and of reading a's lower triangle as symmetric."""
    return _symmetric_read(g, "L") if hermitian else g


def pinv_grad_tangent(t, d, a, ans, hermitian, symbol):
    if _zero(t) or _zero(d):
        return 0.0
    values = _pinv_values(d, a, ans, hermitian, t)
    if symbol == "a" and hermitian:
        t = linalg._symmetric(t)
    return _pinv_out(_PINV.tangent(values, symbol, t), hermitian)


def pinv_grad_adjoint(g, d, a, ans, hermitian, symbol):
    if _zero(g) or (symbol != "g" and _zero(d)):
        return 0.0
    values = _pinv_values(0.0 if symbol == "g" else d, a, ans, hermitian, g)
    out = _PINV.adjoint(values, symbol, _pinv_in(g, hermitian))
    if symbol == "a" and hermitian:  # a read as the symmetric matrix of its lower triangle
        out = linalg._triangle(out, "L")
    return out


# scipy.linalg.solve and solve_triangular: x = M(a)^-1 b, M linear in a (plus a constant);
# their gradients are np.linalg.solve's at M (whose second-order helpers are in
# higher_products) mapped back through M's transpose --------------------------------------


def _solve_like(kind, a, options):
    from . import scipy_linalg

    return scipy_linalg._solve_like(kind, a, options)


def solve_like_grad_tangent(t, d, a, b, made, kind, options, wrt, along):
    """The gradient of `kind` in wrt along the tangent t of a (along='a') or of x ('x')."""
    from . import higher_products as products

    if _zero(t) or _zero(d) or (wrt == "b" and along == "x"):
        return 0.0
    _real(f"scipy.linalg.{kind}", t, d, b, made)
    full, linear, transposed = _solve_like(kind, a, options)
    if wrt == "b":
        return products.solve_grad_b_tangent_a(linear(t), d, full, b)
    if along == "a":
        return transposed(products.solve_grad_a_tangent_a(linear(t), d, full, b, made))
    return transposed(products.solve_grad_a_tangent_x(t, d, full, b, made))


def solve_like_grad_adjoint(g, d, a, b, made, kind, options, wrt, along):
    """The transposes of the tangents above, and of the gradient's map from d."""
    from . import higher_products as products

    if _zero(g) or (wrt == "b" and along == "x") or (along != "d" and _zero(d)):
        return 0.0
    _real(f"scipy.linalg.{kind}", g, d, b, made)
    full, linear, transposed = _solve_like(kind, a, options)
    if wrt == "b":
        if along == "d":
            return products.solve_grad_b_adjoint_d(g, d, full, b)
        return transposed(products.solve_grad_b_adjoint_a(g, d, full, b))
    g = linear(g)  # the transpose of the map back through M's transpose
    if along == "d":
        return products.solve_grad_a_adjoint_d(g, d, full, b, made)
    if along == "a":
        return transposed(products.solve_grad_a_adjoint_a(g, d, full, b, made))
    return products.solve_grad_a_adjoint_x(g, d, full, b, made)


def _solve_like_rule(helper, params, kind, options):
    """linear in d: its tangent in d is the gradient itself at d's tangent."""
    along = {"a": "a", "made": "x"}
    return rule(
        params, kinds=FRESH,
        jvp={"d": f"{helper}(g, a, b, made, {options[1:-1]}, wrt)",
             **{p: f"solve_like_grad_tangent(g, d, a, b, made, {kind!r}, {options}, wrt, "
                   f"{s!r})" for p, s in along.items()}},
        d=f"solve_like_grad_adjoint(g, d, a, b, made, {kind!r}, {options}, wrt, 'd')",
        **{p: f"solve_like_grad_adjoint(g, d, a, b, made, {kind!r}, {options}, wrt, {s!r})"
           for p, s in along.items()})


def _rules():
    # (`made`: the decomposition's result; `ans` in a template is the rule's own)
    rules = {
        linalg.linalg_eigh_grad: rule(
            "d, a, made, UPLO='L'", kinds=FRESH,
            jvp={"d": "linalg_eigh_grad(g, a, made, UPLO)",
                 "made": "eigh_grad_tangent_ans(g, d, a, made, UPLO)"},
            d="eigh_grad_adjoint_d(g, d, a, made, UPLO)",
            made="eigh_grad_adjoint_ans(g, d, a, made, UPLO)"),
        linalg.linalg_pinv_grad: rule(
            "d, a, made, hermitian=False", kinds=FRESH,
            jvp={p: f"pinv_grad_tangent(g, d, a, made, hermitian, {s!r})"
                 for p, s in (("d", "g"), ("a", "a"), ("made", "p"))},
            **{p: f"pinv_grad_adjoint(g, d, a, made, hermitian, {s!r})"
               for p, s in (("d", "g"), ("a", "a"), ("made", "p"))}),
    }
    try:
        from . import scipy_linalg
    except ImportError:
        return rules
    rules[scipy_linalg.solve_grad] = _solve_like_rule(
        "solve_grad", "d, a, b, made, assume_a, lower, wrt", "solve", "(assume_a, lower)")
    rules[scipy_linalg.solve_triangular_grad] = _solve_like_rule(
        "solve_triangular_grad", "d, a, b, made, trans, lower, unit_diagonal, wrt",
        "triangular", "(trans, lower, unit_diagonal)")
    return rules


FUNCTIONS = tuple(f for name, f in list(globals().items())
                  if callable(f) and not name.startswith("_")
                  and "_grad_" in name
                  and getattr(f, "__module__", None) == __name__)
RULES = {f: replace(r, functions=tuple((h.__name__, h) for h in (*FUNCTIONS, f)))
         for f, r in _rules().items()}
NONDIFF: set = set()
