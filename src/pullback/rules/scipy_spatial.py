"""Rules for `scipy.spatial.distance`: `cdist` and `pdist` for the metrics "euclidean"
(the default), "sqeuclidean" and "cityblock", and `squareform`.

With D_ij = d(a_i, b_j) and u = a_i - b_j, the derivative of D_ij in a_i is 2u
("sqeuclidean"), u / D_ij ("euclidean"), sign(u) ("cityblock"), and minus that in b_j:
`cdist`'s gradients sum these over the pairs weighted by g, and its tangent is their dot
product with the difference of the pair's tangents. `pdist` holds the pairs i < j of
one set of points (the condensed form), so its gradient is cdist(X, X)'s for the
symmetric matrix of g (squareform). Where two points coincide the Euclidean and
cityblock distances have no derivative: the rules take the zero subgradient there
(the distance of a point to itself, which moves with it, has derivative 0). Any other
metric, a callable metric, and the metrics' keywords (w=, p=, out=) are refused: the
signatures leave them out, so such a call has no rule. The gradient of a gradient
(hvp, hessian) through `cdist`/`pdist` is refused, located (their helpers have no rule).
`squareform` rearranges entries (linear): its gradient and tangent are squareform itself,
summed over the two mirror entries a condensed entry fills.
"""

import importlib.util

from ..errors import PullbackError
from ..runtime.helpers import as_array
from . import rule
from .support import _zero, np

if importlib.util.find_spec("scipy") is None:
    raise ImportError("SciPy is not installed: its rules are skipped")
from scipy.spatial import distance as _distance  # noqa: E402

_METRICS = ("euclidean", "sqeuclidean", "cityblock")


def _slopes(a, b, metric, dist):
    """(n, m, k) derivatives of each distance D_ij in a_i (those in b_j are their
    negatives)."""
    if metric not in _METRICS:
        raise PullbackError(f"no derivative rule for scipy.spatial.distance with metric "
                            f"{metric!r}: pullback differentiates the metrics "
                            f"{', '.join(_METRICS)}")
    u = as_array(a)[:, None, :] - as_array(b)[None, :, :]
    if metric == "sqeuclidean":
        return 2.0 * u
    if metric == "cityblock":
        return np.sign(u)
    dist = np.asarray(dist)[:, :, None]
    return np.divide(u, dist, out=np.zeros_like(u), where=dist > 0)


def cdist_grad(g, XA, XB, metric, ans, wrt):
    """The gradient of XA or XB (wrt) in cdist(XA, XB, metric) = ans."""
    if _zero(g):
        return 0.0
    weighted = np.asarray(g)[:, :, None] * _slopes(XA, XB, metric, ans)
    return weighted.sum(axis=1) if wrt == "XA" else -weighted.sum(axis=0)


def cdist_tangent(t, XA, XB, metric, ans, wrt):
    """cdist(XA, XB, metric) = ans along the tangent t of XA or XB (wrt)."""
    if _zero(t):
        return 0.0
    slopes = _slopes(XA, XB, metric, ans)
    t = as_array(t)
    if wrt == "XA":
        return np.einsum("ijk,ik->ij", slopes, t)
    return -np.einsum("ijk,jk->ij", slopes, t)


def pdist_grad(g, X, metric, ans):
    """The gradient of X in pdist(X, metric) = ans: cdist(X, X)'s for the symmetric g."""
    if _zero(g):
        return 0.0
    G = _distance.squareform(np.asarray(g), checks=False)
    D = _distance.squareform(np.asarray(ans), checks=False)
    return np.einsum("ij,ijk->ik", G, _slopes(X, X, metric, D))


def pdist_tangent(t, X, metric, ans):
    """pdist(X, metric) = ans along the tangent t of X."""
    if _zero(t):
        return 0.0
    X = as_array(X)
    D = _distance.squareform(np.asarray(ans), checks=False)
    full = np.einsum("ijk,ik->ij", _slopes(X, X, metric, D), as_array(t))
    full = full + full.T  # the slope in x_j is minus that in x_i: s_ji . t_j
    i, j = np.triu_indices(X.shape[0], 1)
    return full[i, j]


def squareform_grad(g, X):
    """The gradient of X in squareform(X): a matrix's gradient's upper triangle, summed
    with its mirror, for a condensed X; the condensed gradient placed in the upper
    triangle, for a square X (squareform reads that triangle)."""
    if _zero(g):
        return 0.0
    g = np.asarray(g)
    if np.ndim(X) == 1:
        return _distance.squareform(g + g.T, checks=False)
    return np.triu(_distance.squareform(g, checks=False), 1)


def squareform_of(d):
    """squareform(d, checks=False), for the templates (which call helpers, never library
    functions by a name of their own)."""
    return _distance.squareform(d, checks=False)


HELPERS = {f.__name__: f for f in (cdist_grad, cdist_tangent, pdist_grad, pdist_tangent,
                                   squareform_grad, squareform_of)}


def _rule(params, **partials):
    return rule(params, kinds=("fresh",), **partials)


RULES = {
    _distance.cdist: _rule(
        "XA, XB, metric='euclidean'",
        **{p: f"cdist_grad(g, XA, XB, metric, ans, {p!r})" for p in ("XA", "XB")},
        jvp={p: f"cdist_tangent(g, XA, XB, metric, ans, {p!r})" for p in ("XA", "XB")}),
    _distance.pdist: _rule("X, metric='euclidean'", X="pdist_grad(g, X, metric, ans)",
                           jvp={"X": "pdist_tangent(g, X, metric, ans)"}),
    _distance.squareform: _rule("X, force='no', checks=True", X="squareform_grad(g, X)",
                                jvp="linear"),
    # squareform_grad is linear in the gradient d it rearranges, and its transpose is
    # squareform itself (for hvp and hessian); X gives only its number of dimensions
    squareform_grad: _rule("d, X", d="squareform_of(g)", X="0.0",
                           jvp={"d": "squareform_grad(g, X)", "X": "0.0"}),
}
ARRAY_LIKE = True  # list arguments are read as arrays, by the functions and their rules
NONDIFF: set = set()
