"""Rules for NumPy functions, grouped by family: elementwise, reductions, linear
algebra, shape. Elementwise binary rules broadcast; reductions honour `axis` and
`keepdims`."""

import numpy as np

from . import rule

ELEMENTWISE = {
    np.sin: rule("x", x="g * np.cos(x)"),
    np.cos: rule("x", x="-g * np.sin(x)"),
    np.tan: rule("x", x="g * (1.0 + ans * ans)"),
    np.arcsin: rule("x", x="g / np.sqrt(1.0 - x * x)"),
    np.arccos: rule("x", x="-g / np.sqrt(1.0 - x * x)"),
    np.arctan: rule("x", x="g / (1.0 + x * x)"),
    np.sinh: rule("x", x="g * np.cosh(x)"),
    np.cosh: rule("x", x="g * np.sinh(x)"),
    np.tanh: rule("x", x="g * (1.0 - ans * ans)"),
    np.exp: rule("x", x="g * ans"),
    np.expm1: rule("x", x="g * (ans + 1.0)"),
    np.log: rule("x", x="g / x"),
    np.log1p: rule("x", x="g / (1.0 + x)"),
    np.log2: rule("x", x="g / (x * np.log(2.0))"),
    np.log10: rule("x", x="g / (x * np.log(10.0))"),
    np.sqrt: rule("x", x="g * 0.5 / ans"),
    np.square: rule("x", x="g * 2.0 * x"),
    np.abs: rule("x", x="g * np.sign(x)"),
    np.negative: rule("x", x="-g"),
    np.positive: rule("x", x="g"),
    np.add: rule("x1, x2", broadcast=True, x1="g", x2="g"),
    np.subtract: rule("x1, x2", broadcast=True, x1="g", x2="-g"),
    np.multiply: rule("x1, x2", broadcast=True, x1="g * x2", x2="g * x1"),
    np.divide: rule("x1, x2", broadcast=True, x1="g / x2", x2="-g * ans / x2"),
    np.power: rule("x1, x2", broadcast=True, x1="pow_grad_base(g, x1, x2)",
                   x2="pow_grad_exponent(g, x1, ans)"),
    np.maximum: rule("x1, x2", broadcast=True, x1="g * (x1 >= x2)", x2="g * (x1 < x2)"),
    np.minimum: rule("x1, x2", broadcast=True, x1="g * (x1 <= x2)", x2="g * (x1 > x2)"),
    np.logaddexp: rule("x1, x2", broadcast=True, x1="g * np.exp(x1 - ans)",
                       x2="g * np.exp(x2 - ans)"),
    np.where: rule("condition, x, y", broadcast=True, x="np.where(condition, g, 0.0)",
                   y="np.where(condition, 0.0, g)"),
}

REDUCTIONS = {
    np.sum: rule("a, axis=None, keepdims=False", a="unreduce(g, a, axis, keepdims)"),
    np.mean: rule("a, axis=None, keepdims=False", a="unreduce_mean(g, a, ans, axis, keepdims)"),
    np.max: rule("a, axis=None, keepdims=False", a="unreduce_extreme(g, a, ans, axis, keepdims)"),
    np.min: rule("a, axis=None, keepdims=False", a="unreduce_extreme(g, a, ans, axis, keepdims)"),
    np.amax: rule("a, axis=None, keepdims=False", a="unreduce_extreme(g, a, ans, axis, keepdims)"),
    np.amin: rule("a, axis=None, keepdims=False", a="unreduce_extreme(g, a, ans, axis, keepdims)"),
}

LINEAR_ALGEBRA = {
    np.dot: rule("a, b", a="dot_grad_a(g, a, b)", b="dot_grad_b(g, a, b)"),
    np.matmul: rule("x1, x2", x1="matmul_grad_a(g, x1, x2)", x2="matmul_grad_b(g, x1, x2)"),
    np.trace: rule("a", a="trace_grad(g, a)"),
}

SHAPE = {
    np.squeeze: rule("a, axis=None", a="reshape_like(g, a)"),
    np.copy: rule("a", a="g"),
    np.full: rule("shape, fill_value, dtype=None", fill_value="full_grad(g, fill_value, ans)"),
    np.full_like: rule("a, fill_value, dtype=None",
                       fill_value="full_grad(g, fill_value, ans)"),
    np.transpose: rule("a, axes=None",
                       a="np.transpose(g, None if axes is None else np.argsort(axes))"),
}

RULES = {**ELEMENTWISE, **REDUCTIONS, **LINEAR_ALGEBRA, **SHAPE}

# Results that carry no gradient: shapes, indices, comparisons, constructors,
# piecewise-constant functions.
NONDIFF = {
    np.shape, np.ndim, np.size, np.argmax, np.argmin, np.argsort, np.sign, np.floor, np.ceil,
    np.round, np.rint, np.trunc, np.floor_divide, np.isnan, np.isinf, np.isfinite,
    np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal,
    np.logical_and, np.logical_or, np.logical_not, np.zeros, np.ones, np.empty,
    np.zeros_like, np.ones_like, np.empty_like, np.eye, np.identity,
    np.all, np.any, np.nonzero, np.count_nonzero,
}

# Calls that return a new array the function owns: the only values pullback lets
# a user write into in place.
ALLOCATORS = {np.zeros, np.ones, np.empty, np.full, np.zeros_like, np.ones_like, np.empty_like,
              np.full_like, np.eye, np.identity, np.arange, np.linspace, np.copy, np.array}

