"""Rules for the standard library's numeric functions the first tables lacked:
math.prod, math.dist, n-ary math.hypot (through `math_hypot_n`, see below), math.fmod,
math.remainder, divmod, and statistics.mean, variance, stdev, pvariance and pstdev.

Guarantees:
- each rule has its adjoint and its tangent; a sequence argument (a list, a tuple or a
  1-D array of numbers) gets one gradient per element (a GradList for a list or tuple,
  an array for an array), and a sequence's tangent may be the zero 0.0, a list with 0.0
  for the elements that carry none, or an array;
- math.prod's gradient of factor i is the product of the others (prefix times suffix
  products), exact where factors are zero; math.dist and hypot divide by the result,
  as math.hypot's rule does (no gradient at the origin: NaN, never a made-up number);
- divmod(a, b) returns (a // b, a % b): the quotient is piecewise constant (no
  gradient), the remainder a - floor(a / b) b; math.fmod truncates the quotient and
  math.remainder rounds it to the nearest integer (ties to even), as they compute;
- the statistics functions differentiate the value they return for float data:
  variance(data, xbar) = sum((x - c)^2) / (n - 1) with c = xbar, or the mean when xbar is
  None (whose own derivative then vanishes: the deviations sum to zero); pvariance
  divides by n; stdev and pstdev are their square roots.
The helpers here have no rules of their own: a second derivative through them is refused
where it reaches them.
"""

from __future__ import annotations

import math
import random
import statistics

import numpy as np

from ..runtime.helpers import GradList
from . import declare, rule
from .support import _zero, unbroadcast

FRESH = ("fresh",)


def _values(seq):
    return list(seq)


def _items(t, n):
    """A sequence's tangent (0.0, a list with 0.0 entries, or an array) as n tangents."""
    if _zero(t):
        return [0.0] * n
    return list(t)


def _shaped(grads, seq):
    """Per-element gradients as the gradient of `seq`: an array for an array, else a
    GradList."""
    if isinstance(seq, np.ndarray):
        return np.reshape(np.asarray(grads, dtype=np.result_type(seq, float)), np.shape(seq))
    return GradList(grads)


def _sum(terms):
    total = 0.0
    for term in terms:
        if not _zero(term):
            total = total + term
    return total


# ------------------------------------------------------------------------ math.prod

def _others(values, start):
    """The product of all factors but the i-th, for each i (start counted in)."""
    before, acc = [], start
    for v in values:
        before.append(acc)
        acc = acc * v
    after, acc = [None] * len(values), 1
    for i in range(len(values) - 1, -1, -1):
        after[i] = acc
        acc = acc * values[i]
    return [b * a for b, a in zip(before, after)]


def math_prod_grad(g, iterable, start=1):
    """math.prod(iterable, start=start): factor i gets g times the product of the others."""
    if _zero(g):
        return 0.0
    values = _values(iterable)
    return _shaped([unbroadcast(g * o, v) for o, v in zip(_others(values, start), values)],
                   iterable)


def math_prod_grad_start(g, iterable, start=1):
    if _zero(g):
        return 0.0
    return unbroadcast(g * math.prod(_values(iterable)), start)


def math_prod_tangent(t, iterable, start=1):
    """The tangent of math.prod along the factors' tangents t."""
    values = _values(iterable)
    return _sum(ti * o for ti, o in zip(_items(t, len(values)), _others(values, start))
                if not _zero(ti))


# ------------------------------------------------------------------------ math.dist

def math_dist_grad(g, p, q, ans, sign=1.0):
    """math.dist(p, q) = sqrt(sum((p_i - q_i)^2)): p_i gets g (p_i - q_i) / dist (q_i the
    opposite, sign=-1)."""
    if _zero(g):
        return 0.0
    grads = [sign * g * (a - b) / ans for a, b in zip(_values(p), _values(q))]
    return _shaped(grads, p if sign > 0 else q)


def math_dist_tangent(t, p, q, ans, sign=1.0):
    values = [a - b for a, b in zip(_values(p), _values(q))]
    return _sum(sign * ti * v / ans for ti, v in zip(_items(t, len(values)), values)
                if not _zero(ti))


# ------------------------------------------------------------------------- n-ary hypot

def math_hypot_grad(g, coordinates, ans):
    """math.hypot(*coordinates) = sqrt(sum(x_i^2)): x_i gets g x_i / hypot."""
    if _zero(g):
        return 0.0
    return _shaped([g * x / ans for x in _values(coordinates)], coordinates)


def math_hypot_tangent(t, coordinates, ans):
    values = _values(coordinates)
    return _sum(ti * x / ans for ti, x in zip(_items(t, len(values)), values)
                if not _zero(ti))


def math_hypot_n(coordinates):
    """math.hypot(*coordinates): normalize writes an n-ary hypot as this, one sequence."""
    return math.hypot(*coordinates)


# ------------------------------------------------------------ divmod, fmod, remainder

def quotient(a, b, how):
    """The integer part of a / b math.fmod ('trunc') or math.remainder ('round') takes
    (NaN for b = 0, where they raise)."""
    return _quotient(a, b, how)


def _quotient(a, b, how):
    with np.errstate(divide="ignore", invalid="ignore"):
        if how == "floor":
            return np.floor_divide(a, b) if isinstance(a, np.ndarray) or isinstance(
                b, np.ndarray) else a // b
        if how == "trunc":
            return math.trunc(a / b) if b else math.nan
        return round(a / b) if b else math.nan  # ties to even, as math.remainder


def remainder_grad(g, a, b, how, wrt):
    """The gradient of a - n(a / b) b (n: floor for divmod and %, trunc for math.fmod,
    round for math.remainder) in a (g) or in b (-g n)."""
    if _zero(g):
        return 0.0
    if wrt == "dividend":
        return unbroadcast(g, a)
    return unbroadcast(-g * _quotient(a, b, how), b)


def divmod_grad(g, a, b, wrt):
    """divmod returns (quotient, remainder); the gradient arrives as a pair, and only the
    remainder carries one."""
    if _zero(g) or _zero(g[1]):
        return 0.0
    return remainder_grad(g[1], a, b, "floor", "dividend" if wrt == "a" else "divisor")


def divmod_tangent(t, a, b, wrt):
    """(0, the remainder's tangent): a GradList, so that the terms of a and b add
    elementwise."""
    if _zero(t):
        return GradList([0.0, 0.0])
    term = t if wrt == "a" else -t * _quotient(a, b, "floor")
    return GradList([0.0, term])


# -------------------------------------------------------------------------- statistics

def _center(data, c):
    return statistics.fmean(data) if c is None else c


def spread_grad(g, data, c, ans, divisor, root, wrt):
    """The gradient of variance-like v = sum((x - c)^2) / (n - divisor) (its square root
    when `root`) in data (2 (x_i - c) / (n - divisor)) or in the given center c
    (-2 sum(x_i - c) / (n - divisor))."""
    if _zero(g):
        return 0.0
    values, scale, center = _spread_parts(data, c, ans, divisor, root)
    if wrt == "data":
        return _shaped([g * scale * (x - center) for x in values], data)
    return -g * scale * math.fsum(x - center for x in values)


def _spread_parts(data, c, ans, divisor, root):
    """(the values, the factor 2 / (n - divisor), over 2 ans for a root, the center)."""
    values = _values(data)
    scale = 2.0 / (len(values) - divisor)
    if root:
        scale = scale / (2.0 * ans)
    return values, scale, _center(values, c)


def spread_tangent(t, data, c, ans, divisor, root, wrt):
    values, scale, center = _spread_parts(data, c, ans, divisor, root)
    if wrt == "data":
        return _sum(scale * ti * (x - center)
                    for ti, x in zip(_items(t, len(values)), values) if not _zero(ti))
    return -t * scale * math.fsum(x - center for x in values)


def mean_grad(g, data):
    """statistics.mean(data): g / n for each value."""
    if _zero(g):
        return 0.0
    values = _values(data)
    return _shaped([g / len(values)] * len(values), data)


def mean_tangent_of(t, data):
    values = _values(data)
    return _sum(ti for ti in _items(t, len(values)) if not _zero(ti)) / len(values)


def _spread(name, center, divisor, root):
    params = f"data, {center}=None"
    args = f"data, {center}, ans, {divisor}, {root}"
    return rule(params, kinds=FRESH,
                data=f"spread_grad(g, {args}, 'data')",
                **{center: f"spread_grad(g, {args}, 'center')"},
                jvp={"data": f"spread_tangent(g, {args}, 'data')",
                     center: f"spread_tangent(g, {args}, 'center')"})


RULES = {
    math.prod: rule("iterable, *, start=1", kinds=FRESH,
                    iterable="math_prod_grad(g, iterable, start)",
                    start="math_prod_grad_start(g, iterable, start)",
                    jvp={"iterable": "math_prod_tangent(g, iterable, start)",
                         "start": "g * math.prod(iterable)"}),
    math.dist: rule("p, q", kinds=FRESH, p="math_dist_grad(g, p, q, ans)",
                    q="math_dist_grad(g, p, q, ans, -1.0)",
                    jvp={"p": "math_dist_tangent(g, p, q, ans)",
                         "q": "math_dist_tangent(g, p, q, ans, -1.0)"}),
    math_hypot_n: rule("coordinates", kinds=FRESH,
                       coordinates="math_hypot_grad(g, coordinates, ans)",
                       jvp={"coordinates": "math_hypot_tangent(g, coordinates, ans)"}),
    divmod: rule("a, b", kinds=FRESH, a="divmod_grad(g, a, b, 'a')",
                 b="divmod_grad(g, a, b, 'b')",
                 jvp={"a": "divmod_tangent(g, a, b, 'a')", "b": "divmod_tangent(g, a, b, 'b')"}),
    # (elementwise: no unbroadcast in the templates, which a batch of tangents takes too)
    math.fmod: rule("x, y", kinds=("elementwise",), x="g", y="-g * quotient(x, y, 'trunc')"),
    math.remainder: rule("x, y", kinds=("elementwise",), x="g",
                         y="-g * quotient(x, y, 'round')"),
    statistics.mean: rule("data", kinds=FRESH, data="mean_grad(g, data)",
                          jvp={"data": "mean_tangent_of(g, data)"}),
    statistics.variance: _spread("variance", "xbar", 1, False),
    statistics.stdev: _spread("stdev", "xbar", 1, True),
    statistics.pvariance: _spread("pvariance", "mu", 0, False),
    statistics.pstdev: _spread("pstdev", "mu", 0, True),
}

NONDIFF = declare(random.seed, kinds=("reads-only",))  # for its effect: reads the seed
HELPERS = {name: obj for name, obj in list(globals().items())
           if callable(obj) and not name.startswith("_") and getattr(obj, "__module__", "")
           == __name__}
