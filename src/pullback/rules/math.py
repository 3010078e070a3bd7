"""Rules for the `math` module (scalar functions; results are Python floats)."""

import math
import statistics
from dataclasses import replace

import numpy as np

from . import of_kind, rule

RULES = of_kind("elementwise", {
    math.sin: rule("x", x="g * math.cos(x)"),
    math.cos: rule("x", x="-g * math.sin(x)"),
    math.tan: rule("x", x="g * (1.0 + ans * ans)"),
    math.asin: rule("x", x="g / math.sqrt(1.0 - x * x)"),
    math.acos: rule("x", x="-g / math.sqrt(1.0 - x * x)"),
    math.atan: rule("x", x="g / (1.0 + x * x)"),
    math.atan2: rule("y, x", y="g * x / (x * x + y * y)", x="-g * y / (x * x + y * y)"),
    math.sinh: rule("x", x="g * math.cosh(x)"),
    math.cosh: rule("x", x="g * math.sinh(x)"),
    math.tanh: rule("x", x="g * (1.0 - ans * ans)"),
    math.asinh: rule("x", x="g / math.sqrt(x * x + 1.0)"),
    math.acosh: rule("x", x="g / math.sqrt((x - 1.0) * (x + 1.0))"),
    math.atanh: rule("x", x="g / (1.0 - x * x)"),
    math.exp: rule("x", x="g * ans"),
    math.expm1: rule("x", x="g * (ans + 1.0)"),
    math.log: rule("x, base=None", x="g / x if base is None else g / (x * math.log(base))",
                   base="-g * ans / (base * math.log(base))"),
    math.log1p: rule("x", x="g / (1.0 + x)"),
    math.log2: rule("x", x="g / (x * math.log(2.0))"),
    math.log10: rule("x", x="g / (x * math.log(10.0))"),
    math.sqrt: rule("x", x="grad_over(g, 2.0 * ans)"),  # (at 0: numpy.py's np.sqrt)
    math.pow: rule("x, y", x="pow_grad_base(g, x, y)", y="pow_grad_exponent(g, x, ans)"),
    math.copysign: rule("x, y", x="g * math.copysign(1.0, x) * math.copysign(1.0, y)"),
    math.fabs: rule("x", x="g * math.copysign(1.0, x)"),
    math.hypot: rule("x, y", x="g * x / ans", y="g * y / ans"),
    math.erf: rule("x", x="g * 1.1283791670955126 * math.exp(-x * x)"),
    math.erfc: rule("x", x="-g * 1.1283791670955126 * math.exp(-x * x)"),
    math.degrees: rule("x", x="g * 57.29577951308232"),
    math.radians: rule("x", x="g * 0.017453292519943295"),
})
# the exactly rounded sum of a list or 1-D array: each value gets the result's gradient
RULES[math.fsum] = rule("seq", kinds=["fresh"], jvp="linear", seq="sum_grad(g, seq)")


def fmean_grad(g, data, weights=None):
    """The gradient of `statistics.fmean(data, weights)` with respect to data: g / n for
    each value, or g w_i / sum(w) with weights."""
    from ..runtime.helpers import GradList, sum_grad

    if weights is None:
        return sum_grad(g / len(data), data)
    total = math.fsum(weights)
    if isinstance(data, np.ndarray):
        return np.asarray(weights, dtype=float) * (g / total)
    return GradList([g * w / total for w in weights])


def fmean_weights_grad(g, ans, data, weights):
    """The gradient of `statistics.fmean(data, weights)` with respect to the weights:
    g (x_i - mean) / sum(w)."""
    from ..runtime.helpers import GradList

    total = math.fsum(weights)
    if isinstance(weights, np.ndarray):
        return (np.asarray(data, dtype=float) - ans) * (g / total)
    return GradList([g * (x - ans) / total for x in data])


# the mean of a list or 1-D array (weighted: sum(w x) / sum(w)), as a float
RULES[statistics.fmean] = replace(
    rule("data, weights=None", kinds=["fresh"], data="fmean_grad(g, data, weights)",
         weights="fmean_weights_grad(g, ans, data, weights)"),
    functions=(("fmean_grad", fmean_grad), ("fmean_weights_grad", fmean_weights_grad)))
if hasattr(math, "exp2"):  # Python 3.11
    RULES[math.exp2] = rule("x", kinds=["elementwise"], x="g * ans * 0.6931471805599453")
    RULES[math.cbrt] = rule("x", kinds=["elementwise"], x="grad_over(g, 3.0 * ans * ans)")

NONDIFF = {math.floor, math.ceil, math.trunc, math.isnan, math.isinf, math.isfinite,
           math.factorial, math.comb, math.perm, math.gcd, math.lcm, math.isqrt, math.isclose}
