"""Rules for `scipy.linalg`'s decompositions and their relatives: `eigh`, `eigvalsh`,
`svd`, `svdvals`, `qr`, `pinv` and `norm`, by the mathematics of NumPy's (rules/linalg.py,
rules/numpy_added.py, rules/reductions: the same helpers, so their second derivatives
follow too), with SciPy's signatures: `lower=True` is NumPy's `UPLO='L'`, qr's
`mode='full'` is NumPy's 'complete' and 'economic' its 'reduced'.

Only the forms whose derivative those rules give are in the signatures: the generalized
problem (eigh's `b`, `type`), a subset of eigenpairs (`subset_by_index`,
`subset_by_value`), qr's `pivoting` and pinv's `return_rank` are left out, so a call using
them has no rule and is refused, located. qr's `mode='r'` (a tuple of R alone) and
'raw', and 'full' of a non-square matrix, are refused when the gradient runs; so are
repeated eigenvalues or singular values where the gradient needs their gaps, as NumPy's
rules refuse them.
"""

import importlib.util
from dataclasses import replace

import numpy as _numpy

from . import linalg, numpy_added, reductions, rule

if importlib.util.find_spec("scipy") is None:
    raise ImportError("SciPy is not installed: its rules are skipped")
import scipy.linalg as _sla  # noqa: E402

_FUNCTIONS = tuple({name: f for r in (linalg.RULES[_numpy.linalg.eigh],
                                      linalg.RULES[_numpy.linalg.eigvalsh],
                                      linalg.RULES[_numpy.linalg.svd],
                                      linalg.RULES[_numpy.linalg.pinv],
                                      numpy_added.RULES[_numpy.linalg.qr],
                                      reductions.REDUCTIONS[_numpy.linalg.norm])
                    for name, f in r.functions}.items())
_UPLO = "'L' if lower else 'U'"
_EIGH = (f"linalg_eigvalsh_{{}}(g, a, {_UPLO}) if eigvals_only "
         f"else linalg_eigh_{{}}(g, a, ans, {_UPLO})")
# scipy's qr modes as NumPy's ('r' and 'raw' are not NumPy's: its rule refuses them)
_MODE = ("{'full': 'complete', 'economic': 'reduced'}.get(mode, "
         "f'{mode} (as scipy.linalg.qr returns it)')")


def _rule(params, kinds=("fresh",), **templates):
    """A rule whose adjoint and tangent templates are `templates` (pairs, or a tangent
    kind such as "real reduction" in the second place)."""
    adjoints = {p: t[0] for p, t in templates.items()}
    tangents = {p: t[1] for p, t in templates.items() if t[1] is not None}
    return replace(rule(params, kinds=kinds, jvp=tangents, **adjoints), functions=_FUNCTIONS)


RULES = {
    _sla.eigh: _rule("a, *, lower=True, eigvals_only=False, overwrite_a=False, "
                     "check_finite=True, driver=None",
                     a=(_EIGH.format("grad", "grad"), _EIGH.format("tangent", "tangent"))),
    _sla.eigvalsh: _rule("a, *, lower=True, overwrite_a=False, check_finite=True, driver=None",
                         a=(f"linalg_eigvalsh_grad(g, a, {_UPLO})",
                            f"linalg_eigvalsh_tangent(g, a, {_UPLO})")),
    _sla.svd: _rule("a, full_matrices=True, compute_uv=True, overwrite_a=False, "
                    "check_finite=True, lapack_driver='gesdd'",
                    a=("linalg_svd_grad(g, a, ans, full_matrices, compute_uv)",
                       "linalg_svd_tangent(g, a, ans, full_matrices, compute_uv)")),
    _sla.svdvals: _rule("a, overwrite_a=False, check_finite=True",
                        a=("linalg_svd_grad(g, a, ans, False, False)",
                           "linalg_svd_tangent(g, a, ans, False, False)")),
    _sla.qr: _rule("a, overwrite_a=False, lwork=None, mode='full'",
                   a=(f"qr_grad(g, a, ans, {_MODE})", f"qr_tangent(g, a, ans, {_MODE})")),
    _sla.pinv: _rule("a, *, atol=None, rtol=None, check_finite=True",
                     a=("linalg_pinv_grad(g, a, ans, False)",
                        "linalg_pinv_tangent(g, a, ans, False)")),
    _sla.norm: _rule("a, ord=None, axis=None, keepdims=False, check_finite=True",
                     kinds=("reduction",),
                     a=("norm_grad(g, a, ans, ord, axis, keepdims)", "real reduction"),
                     ord=("no_derivative(g, 'the ord of scipy.linalg.norm')", None)),
}
ARRAY_LIKE = True  # list arguments are read as arrays, by the functions and their rules
NONDIFF: set = set()
