"""Second-order rules for the gradients' helpers of the standard library's numeric
functions (rules/stdlib.py): math.prod (math_prod_grad, math_prod_grad_start), math.dist
(math_dist_grad), n-ary math.hypot (math_hypot_grad), divmod (divmod_grad), math.fmod
and math.remainder (quotient, piecewise constant), and statistics.mean (mean_grad),
variance, stdev, pvariance and pstdev (spread_grad), so that hessian, hvp and reverse
over reverse go through them.

Guarantees:
- each helper is linear in the gradient it is given (`d`): its tangent there is the
  helper itself on d's tangent, and its adjoint the transpose of that linear map;
- in the other parameters it varies with, each tangent and adjoint is written out:
  math_prod_grad's factor i is d times the product of the factors but i (and `start`),
  whose derivative in factor j is the product of all but i and j, formed directly (exact
  where factors are zero); math_dist_grad and math_hypot_grad are d (p_i - q_i) / value,
  linear in p and q and proportional to 1 / value (the distance, a parameter of its own);
  spread_grad is d times 2 / (n - divisor) times the centred values (for the roots over
  2 value), the centring (by the mean, or by the given center) a linear map that is its
  own transpose; mean_grad and divmod_grad depend on their data only through its length
  and a floor (piecewise constant: no derivative);
- a sequence parameter's tangent is 0.0, a list with 0.0 entries or an array, and its
  adjoint one gradient per element (a GradList for a list or tuple, an array for an
  array), as in rules/stdlib.py; the helpers here have no rules of their own (a third
  derivative is refused where it reaches them).
"""

from __future__ import annotations

import math

import numpy as np

from ..runtime.helpers import GradList
from . import rule, stdlib
from .stdlib import _items, _others, _shaped, _sum, _values
from .support import _zero, unbroadcast

FRESH = ("fresh",)


def _pair_others(values, start):
    """others[i][j]: the product of start and all factors but the i-th and j-th (i != j)."""
    n = len(values)
    out = [[0.0] * n for _ in range(n)]
    for i in range(n):
        rest = values[:i] + values[i + 1:]
        for j, o in zip([j for j in range(n) if j != i], _others(rest, start)):
            out[i][j] = o
    return out


# ------------------------------------------------------------------------ math.prod

def math_prod_grad_tangent(t, d, iterable, start, along):
    """math_prod_grad(d, iterable, start) along the tangent t of iterable or start."""
    if _zero(t) or _zero(d):
        return 0.0
    values = _values(iterable)
    n = len(values)
    if along == "start":
        terms = [d * t * o for o in _others(values, 1)]
    else:
        ts, pairs = _items(t, n), _pair_others(values, start)
        terms = [d * _sum(ts[j] * pairs[i][j] for j in range(n) if j != i and not _zero(ts[j]))
                 for i in range(n)]
    return _shaped([unbroadcast(term, v) for term, v in zip(terms, values)], iterable)


def math_prod_grad_adjoint(g, d, iterable, start, along):
    """The adjoint of math_prod_grad(d, iterable, start) in d, iterable or start."""
    if _zero(g) or along != "d" and _zero(d):
        return 0.0
    values = _values(iterable)
    n = len(values)
    gs = _items(g, n)
    if along == "d":
        return unbroadcast(_sum(gi * o for gi, o in zip(gs, _others(values, start))
                                if not _zero(gi)), d)
    if along == "start":
        return unbroadcast(_sum(gi * d * o for gi, o in zip(gs, _others(values, 1))
                                if not _zero(gi)), start)
    pairs = _pair_others(values, start)
    return _shaped([unbroadcast(d * _sum(gs[i] * pairs[i][j] for i in range(n)
                                         if i != j and not _zero(gs[i])), values[j])
                    for j in range(n)], iterable)


def math_prod_grad_start_tangent(t, d, iterable, start):
    """math_prod_grad_start(d, iterable, start) = d prod(iterable) along iterable's t."""
    if _zero(t) or _zero(d):
        return 0.0
    values = _values(iterable)
    return unbroadcast(d * stdlib.math_prod_tangent(t, values, 1), start)


def math_prod_grad_start_adjoint(g, d, iterable, start, along):
    if _zero(g) or along != "d" and _zero(d):
        return 0.0
    values = _values(iterable)
    if along == "d":
        return unbroadcast(g * math.prod(values), d)
    return _shaped([unbroadcast(g * d * o, v) for o, v in zip(_others(values, 1), values)],
                   iterable)


# ------------------------------------------------------ math.dist, n-ary math.hypot
# math_dist_grad(d, p, q, value, sign) = sign d (p_i - q_i) / value, shaped like p (sign 1)
# or q (sign -1); math_hypot_grad(d, x, value) = d x_i / value, the same with q = 0.

def _radial(p, q):
    ps = _values(p)
    return ps, [0.0] * len(ps) if q is None else _values(q)


def radial_grad_tangent(t, d, p, q, value, sign, along, like):
    """The gradient d sign (p_i - q_i) / value along the tangent t of p, q or value."""
    if _zero(t) or _zero(d):
        return 0.0
    ps, qs = _radial(p, q)
    if along == "value":
        terms = [-sign * d * (a - b) * t / value ** 2 for a, b in zip(ps, qs)]
    else:
        s = sign if along == "p" else -sign
        terms = [0.0 if _zero(ti) else s * d * ti / value for ti in _items(t, len(ps))]
    return _shaped(terms, like)


def radial_grad_adjoint(g, d, p, q, value, sign, along):
    """The adjoint of d sign (p_i - q_i) / value in d, p, q or value."""
    if _zero(g) or along != "d" and _zero(d):
        return 0.0
    ps, qs = _radial(p, q)
    gs = _items(g, len(ps))
    if along in ("d", "value"):
        total = _sum(gi * sign * (a - b) for gi, a, b in zip(gs, ps, qs) if not _zero(gi))
        return total / value if along == "d" else -d * total / value ** 2
    s = sign if along == "p" else -sign
    return _shaped([0.0 if _zero(gi) else s * d * gi / value for gi in gs],
                   p if along == "p" else q)


# ------------------------------------------------------------------------- divmod

def divmod_grad_adjoint(g, a, b, wrt):
    """divmod_grad(d, a, b, wrt) reads the remainder's gradient d[1] (linear: times 1 for
    a, times -floor(a / b) for b, summed to the operand's shape): its adjoint in d is the
    pair (0, g spread back to the remainder's shape, times that factor)."""
    if _zero(g):
        return 0.0
    shape = np.broadcast_shapes(np.shape(a), np.shape(b))
    factor = 1.0 if wrt == "a" else -stdlib.quotient(a, b, "floor")
    spread = np.broadcast_to(g * factor, shape)
    return GradList([0.0, spread + 0.0 if shape else float(spread)])


# -------------------------------------------------------------------------- statistics

def mean_grad_adjoint(g, data):
    """mean_grad(d, data) = d / n for each value: its adjoint in d sums g / n."""
    if _zero(g):
        return 0.0
    n = len(_values(data))
    return _sum(gi for gi in _items(g, n) if not _zero(gi)) / n


def _centred(ts, given):
    """The tangents (or cotangents) ts centred by their mean when the center is the data's
    mean (its derivative), as they are when a center is given."""
    if given:
        return ts
    mean = _sum(ts) / len(ts)
    return [ti - mean for ti in ts]


def spread_grad_tangent(t, d, data, c, value, divisor, root, wrt, along):
    """spread_grad(d, data, c, value, ...) along the tangent t of data, the center c or
    value (the standard deviation, for the roots)."""
    if _zero(t) or _zero(d) or along == "value" and not root:
        return 0.0
    values, scale, center = stdlib._spread_parts(data, c, value, divisor, root)
    n = len(values)
    if along == "value":
        out = stdlib.spread_grad(d, data, c, value, divisor, root, wrt)
        return _shaped([-o * t / value for o in out], data) if wrt == "data" \
            else -out * t / value
    if along == "data":
        ts = _centred([0.0 if _zero(ti) else ti for ti in _items(t, n)], c is not None)
        if wrt == "data":
            return _shaped([d * scale * ti for ti in ts], data)
        return -d * scale * _sum(ts)
    if wrt == "data":  # along the given center
        return _shaped([-d * scale * t] * n, data)
    return d * scale * n * t


def spread_grad_adjoint(g, d, data, c, value, divisor, root, wrt, along):
    """The transpose of spread_grad_tangent (and, in d, of spread_grad itself)."""
    if _zero(g) or along != "d" and _zero(d) or along == "value" and not root:
        return 0.0
    values, scale, center = stdlib._spread_parts(data, c, value, divisor, root)
    n = len(values)
    gs = [0.0 if _zero(gi) else gi for gi in _items(g, n)] if wrt == "data" else None
    if along == "d":
        if wrt == "data":
            return scale * _sum(gi * (x - center) for gi, x in zip(gs, values))
        return -g * scale * math.fsum(x - center for x in values)
    if along == "value":
        out = stdlib.spread_grad(d, data, c, value, divisor, root, wrt)
        if wrt == "data":
            return -_sum(gi * o for gi, o in zip(gs, out)) / value
        return -g * out / value
    if along == "data":
        if wrt == "data":
            return _shaped([d * scale * gi for gi in _centred(gs, c is not None)], data)
        return _shaped([-d * scale * g] * n, data)
    if wrt == "data":  # in the given center
        return -d * scale * _sum(gs)
    return d * scale * n * g


_SPREAD = "d, data, c, value, divisor, root, wrt"
_PROD = "d, iterable, start"
RULES = {
    stdlib.math_prod_grad: rule(
        "d, iterable, start=1", kinds=FRESH,
        jvp={"d": "math_prod_grad(g, iterable, start)",
             **{p: f"math_prod_grad_tangent(g, {_PROD}, {p!r})" for p in ("iterable", "start")}},
        **{p: f"math_prod_grad_adjoint(g, {_PROD}, {p!r})" for p in ("d", "iterable", "start")}),
    stdlib.math_prod_grad_start: rule(
        "d, iterable, start=1", kinds=FRESH,
        jvp={"d": "math_prod_grad_start(g, iterable, start)",
             "iterable": "math_prod_grad_start_tangent(g, d, iterable, start)", "start": "0.0"},
        **{p: f"math_prod_grad_start_adjoint(g, {_PROD}, {p!r})" for p in ("d", "iterable")},
        start="0.0"),
    stdlib.math_dist_grad: rule(
        "d, p, q, value, sign=1.0", kinds=FRESH,
        jvp={"d": "math_dist_grad(g, p, q, value, sign)",
             **{a: f"radial_grad_tangent(g, d, p, q, value, sign, {a!r}, "
                   "p if sign > 0 else q)" for a in ("p", "q", "value")}},
        **{a: f"radial_grad_adjoint(g, d, p, q, value, sign, {a!r})"
           for a in ("d", "p", "q", "value")}),
    stdlib.math_hypot_grad: rule(
        "d, coordinates, value", kinds=FRESH,
        jvp={"d": "math_hypot_grad(g, coordinates, value)",
             "coordinates": "radial_grad_tangent(g, d, coordinates, None, value, 1.0, 'p', "
                            "coordinates)",
             "value": "radial_grad_tangent(g, d, coordinates, None, value, 1.0, 'value', "
                      "coordinates)"},
        d="radial_grad_adjoint(g, d, coordinates, None, value, 1.0, 'd')",
        coordinates="radial_grad_adjoint(g, d, coordinates, None, value, 1.0, 'p')",
        value="radial_grad_adjoint(g, d, coordinates, None, value, 1.0, 'value')"),
    stdlib.divmod_grad: rule(
        "d, a, b, wrt", kinds=FRESH,
        jvp={"d": "divmod_grad(g, a, b, wrt)", "a": "0.0", "b": "0.0"},
        d="divmod_grad_adjoint(g, a, b, wrt)", a="0.0", b="0.0"),
    stdlib.mean_grad: rule("d, data", kinds=FRESH,
                           jvp={"d": "mean_grad(g, data)", "data": "0.0"},
                           d="mean_grad_adjoint(g, data)", data="0.0"),
    stdlib.spread_grad: rule(
        "d, data, c, value, divisor, root, wrt", kinds=FRESH,
        jvp={"d": "spread_grad(g, data, c, value, divisor, root, wrt)",
             **{p: f"spread_grad_tangent(g, {_SPREAD}, {p!r})" for p in ("data", "c", "value")}},
        **{p: f"spread_grad_adjoint(g, {_SPREAD}, {p!r})" for p in ("d", "data", "c", "value")}),
}

# the integer part math.fmod (trunc) and math.remainder (round) take: piecewise constant
NONDIFF: set = {stdlib.quotient}
HELPERS = {name: obj for name, obj in list(globals().items())
           if callable(obj) and not name.startswith("_") and getattr(obj, "__module__", "")
           == __name__}
