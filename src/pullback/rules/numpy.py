"""Rules for NumPy functions, grouped by family: elementwise, reductions (and the
cumulative scans), linear algebra, shape, construction and sorting. Elementwise
binary rules broadcast; reductions honour `axis` and `keepdims`.

Signatures follow NumPy's, except that `out=` and options that change what is
computed in ways no rule covers are left out: a call using them does not bind,
and pullback reports it instead of differentiating something else. Functions
taking a sequence of arrays (concatenate, stack, ...) get a Python list as that
parameter's gradient, one entry per element; functions returning a tuple or a
list (slogdet, split) receive their gradient as such a list.
"""

import numpy as np

from . import declare, linear_algebra, of_kind, reductions, rule, shape

FRESH = ("fresh",)  # returns a new array
VIEW = ("view",)  # may return a view of an operand, or the operand itself (np.asarray)
ALLOCATOR = ("allocator",)  # a new array a user may write into (unless copy=False)

ELEMENTWISE = of_kind("elementwise", {
    np.sin: rule("x", x="g * np.cos(x)"),
    np.cos: rule("x", x="-g * np.sin(x)"),
    np.tan: rule("x", x="g * (1.0 + ans * ans)"),
    np.arcsin: rule("x", x="g / np.sqrt(1.0 - x * x)"),
    np.arccos: rule("x", x="-g / np.sqrt(1.0 - x * x)"),
    np.arctan: rule("x", x="g / (1.0 + x * x)"),
    np.arctan2: rule("x1, x2", broadcast=True, x1="g * x2 / (x1 * x1 + x2 * x2)",
                     x2="-g * x1 / (x1 * x1 + x2 * x2)"),
    np.sinh: rule("x", x="g * np.cosh(x)"),
    np.cosh: rule("x", x="g * np.sinh(x)"),
    np.tanh: rule("x", x="g * (1.0 - ans * ans)"),
    np.arcsinh: rule("x", x="g / np.sqrt(x * x + 1.0)"),
    np.arccosh: rule("x", x="g / np.sqrt((x - 1.0) * (x + 1.0))"),
    np.arctanh: rule("x", x="g / (1.0 - x * x)"),
    np.exp: rule("x", x="g * ans"),
    np.exp2: rule("x", x="g * ans * 0.6931471805599453"),
    np.expm1: rule("x", x="g * (ans + 1.0)"),
    np.log: rule("x", x="g / x"),
    np.log1p: rule("x", x="g / (1.0 + x)"),
    np.log2: rule("x", x="g / (x * np.log(2.0))"),
    np.log10: rule("x", x="g / (x * np.log(10.0))"),
    np.sqrt: rule("x", x="g * 0.5 / ans"),
    np.cbrt: rule("x", x="g / (3.0 * ans * ans)"),
    np.reciprocal: rule("x", x="-g * ans * ans"),
    np.square: rule("x", x="g * 2.0 * x"),
    np.abs: rule("x", x="abs_grad(g, x)", jvp={"x": "abs_tangent(g, x)"}),
    np.negative: rule("x", x="-g"),
    np.positive: rule("x", x="g"),
    np.add: rule("x1, x2", broadcast=True, x1="g", x2="g"),
    np.subtract: rule("x1, x2", broadcast=True, x1="g", x2="-g"),
    np.multiply: rule("x1, x2", broadcast=True, x1="g * x2", x2="g * x1"),
    np.divide: rule("x1, x2", broadcast=True, x1="g / x2", x2="-g * ans / x2"),
    np.power: rule("x1, x2", broadcast=True, x1="pow_grad_base(g, x1, x2)",
                   x2="pow_grad_exponent(g, x1, ans)"),
    np.float_power: rule("x1, x2", broadcast=True, x1="pow_grad_base(g, x1, x2)",
                         x2="pow_grad_exponent(g, x1, ans)"),
    np.maximum: rule("x1, x2", broadcast=True, x1="g * (x1 >= x2)", x2="g * (x1 < x2)"),
    np.minimum: rule("x1, x2", broadcast=True, x1="g * (x1 <= x2)", x2="g * (x1 > x2)"),
    # fmax/fmin ignore a NaN operand: the other one gets the gradient
    np.fmax: rule("x1, x2", broadcast=True, x1="g * ((x1 >= x2) | np.isnan(x2))",
                  x2="g * ((x1 < x2) | np.isnan(x1))"),
    np.fmin: rule("x1, x2", broadcast=True, x1="g * ((x1 <= x2) | np.isnan(x2))",
                  x2="g * ((x1 > x2) | np.isnan(x1))"),
    np.clip: rule("a, a_min, a_max", broadcast=True, a="clip_grad(g, a, a_min, a_max)",
                  a_min="clip_grad_min(g, a, a_min, a_max)",
                  a_max="clip_grad_max(g, a, a_min, a_max)", methods=("clip",)),
    np.logaddexp: rule("x1, x2", broadcast=True, x1="g * np.exp(x1 - ans)",
                       x2="g * np.exp(x2 - ans)"),
    np.logaddexp2: rule("x1, x2", broadcast=True, x1="g * np.exp2(x1 - ans)",
                        x2="g * np.exp2(x2 - ans)"),
    np.hypot: rule("x1, x2", broadcast=True, x1="g * x1 / ans", x2="g * x2 / ans"),
    np.sinc: rule("x", x="sinc_grad(g, x)"),
    # a step in x1 (no gradient), whose value at x1 == 0 is x2
    np.heaviside: rule("x1, x2", broadcast=True, x2="g * (x1 == 0)"),
    np.where: rule("condition, x, y", broadcast=True, x="np.where(condition, g, 0.0)",
                   y="np.where(condition, 0.0, g)"),
    np.rad2deg: rule("x", x="g * 57.29577951308232"),
    np.degrees: rule("x", x="g * 57.29577951308232"),
    np.deg2rad: rule("x", x="g * 0.017453292519943295"),
    np.radians: rule("x", x="g * 0.017453292519943295"),
    np.fabs: rule("x", x="g * np.sign(x)"),
    # |x1| with the sign of x2: a step in x2 (no gradient)
    np.copysign: rule("x1, x2", broadcast=True, x1="copysign_grad(g, x1, x2)"),
    # x1 - floor(x1 / x2) * x2 (fmod: trunc), piecewise linear
    np.remainder: rule("x1, x2", broadcast=True, x1="g",
                       x2="remainder_grad_divisor(g, x1, x2, False)"),
    np.fmod: rule("x1, x2", broadcast=True, x1="g", x2="remainder_grad_divisor(g, x1, x2, True)"),
})
# NaN and infinities are replaced by constants, which carry no gradient; with copy=False
# the result is x itself, so it is not declared a new array
ELEMENTWISE[np.nan_to_num] = rule(
    "x, copy=True, nan=0.0, posinf=None, neginf=None", kinds=VIEW + ("shape-preserving",),
    x="np.where(np.isfinite(x), g, 0.0)", nan="np.sum(np.where(np.isnan(x), g, 0.0))",
    posinf="np.sum(np.where(np.isposinf(x), g, 0.0))",
    neginf="np.sum(np.where(np.isneginf(x), g, 0.0))")

REDUCTIONS = reductions.REDUCTIONS
QUANTILES = reductions.QUANTILES
CUMULATIVE = reductions.CUMULATIVE

DIFFERENCES = {
    # n=0 returns a itself
    np.diff: rule("a, n=1, axis=-1, prepend=None, append=None", kinds=VIEW,
                  **{p: f"diff_grad(g, a, n, axis, prepend, append, {p!r})"
                     for p in ("a", "prepend", "append")}),
    # the spacings are *varargs, which a rule cannot name: slots for up to three
    np.gradient: rule("f, spacing0=None, spacing1=None, spacing2=None, *, axis=None, "
                      "edge_order=1", kinds=FRESH,
                      f="gradient_grad(g, f, (spacing0, spacing1, spacing2), axis, edge_order)",
                      **{f"spacing{i}": "no_derivative(g, 'the spacing of np.gradient')"
                         for i in range(3)}),
    np.convolve: rule("a, v, mode='full'", kinds=FRESH, a="convolve_grad(g, a, v, mode, 'a')",
                      v="convolve_grad(g, a, v, mode, 'v')"),
}

LINEAR_ALGEBRA = linear_algebra.LINEAR_ALGEBRA

SHAPE = shape.SHAPE

# Complex numbers: the parts of a value, and its conjugate (their gradients follow
# autograd's convention, dL/dRe - i dL/dIm; a real input gets the real part).
COMPLEX = {
    np.real: rule("val", kinds=VIEW, val="real_grad(g, val)", jvp="linear"),
    np.imag: rule("val", kinds=VIEW, val="imag_grad(g, val)", jvp="linear"),
    np.conj: rule("x", kinds=["elementwise"], x="np.conj(g)", jvp={"x": "np.conj(g)"},
                  methods=("conj", "conjugate")),
    np.angle: rule("z, deg=False", kinds=FRESH,
                   z="angle_grad(g, z) * (57.29577951308232 if deg else 1.0)",
                   jvp={"z": "np.imag(g / z) * (57.29577951308232 if deg else 1.0)"}),
    np.real_if_close: rule("a, tol=100", kinds=VIEW, a="real_if_close_grad(g, a, ans)"),
}

CONSTRUCTION = {
    np.array: rule("object, dtype=None, *, copy=True, order='K', ndmin=0", kinds=VIEW + ALLOCATOR,
                   object="array_grad(g, object, ans)",
                   jvp={"object": "array_tangent(g, ans, object)"}),
    np.asarray: rule("a, dtype=None, order=None", kinds=VIEW, a="array_grad(g, a, ans)",
                     jvp={"a": "array_tangent(g, ans, a)"}),
    np.full: rule("shape, fill_value, dtype=None", kinds=FRESH + ALLOCATOR,
                  fill_value="full_grad(g, fill_value, ans)",
                  jvp={"fill_value": "full_tangent(g, ans)"}),
    np.full_like: rule("a, fill_value, dtype=None", kinds=FRESH + ALLOCATOR,
                       fill_value="full_grad(g, fill_value, ans)",
                       jvp={"fill_value": "full_tangent(g, ans)"}),
    # retstep=True returns a tuple, which this rule does not take: left out
    np.linspace: rule("start, stop, num=50, endpoint=True, *, dtype=None, axis=0",
                      kinds=FRESH + ALLOCATOR,
                      **{p: f"linspace_grad(g, start, stop, num, endpoint, axis, {p!r}, ans)"
                         for p in ("start", "stop")}),
    np.select: rule("condlist, choicelist, default=0", kinds=FRESH,
                    choicelist="select_grad(g, condlist, choicelist, ans)",
                    default="select_default_grad(g, condlist, default, ans)"),
    np.choose: rule("a, choices, *, mode='raise'", kinds=FRESH,
                    choices="choose_grad(g, a, choices, mode)", methods=("choose",)),
}

SORTING = {
    np.sort: rule("a, axis=-1, kind=None, order=None, *, stable=None", kinds=FRESH,
                  a="sort_grad(g, a, axis)", jvp={"a": "sort_tangent(g, a, axis)"}),
    np.partition: rule("a, kth, axis=-1, kind='introselect', order=None", kinds=FRESH,
                       a="partition_grad(g, a, ans, axis)"),
}

# The helpers of the families declared in modules of their own, bound in generated code.
HELPERS = {**linear_algebra.HELPERS, **reductions.HELPERS, **shape.HELPERS}
# NumPy functions read list arguments as arrays, so their gradient templates do too.
ARRAY_LIKE = True
RULES = {**ELEMENTWISE, **REDUCTIONS, **QUANTILES, **CUMULATIVE, **DIFFERENCES, **LINEAR_ALGEBRA,
         **SHAPE, **CONSTRUCTION, **SORTING, **COMPLEX}

# Results that carry no gradient: shapes, indices, comparisons, constructors,
# piecewise-constant functions.
NONDIFF = {
    **declare(
        np.shape, np.ndim, np.size, np.sign, np.floor, np.ceil, np.rint, np.trunc,
        np.floor_divide, np.isnan, np.isinf, np.isfinite, np.less, np.less_equal, np.greater,
        np.greater_equal, np.equal, np.not_equal, np.logical_and, np.logical_or,
        np.logical_not, np.count_nonzero, np.around, np.fix, np.signbit, np.tri, np.argwhere,
        np.flatnonzero, np.searchsorted, np.nanargmax, np.nanargmin, np.isclose, np.allclose,
        np.array_equal, np.indices, np.tril_indices, np.triu_indices, np.diag_indices,
        np.unravel_index, np.ravel_multi_index, np.linalg.matrix_rank),
    # new arrays the function owns: the only values pullback lets a user write into in
    # place (besides np.copy, np.array, np.full, ... among the rules)
    **declare(np.zeros, np.ones, np.empty, np.zeros_like, np.ones_like, np.empty_like, np.eye,
              np.identity, kinds=ALLOCATOR),
    **{f: declare(f, methods=(f.__name__,))[f]
       for f in (np.argmax, np.argmin, np.argsort, np.any, np.all, np.round, np.nonzero)},
}

# No rule (a value being differentiated that reaches them is refused), but a new array.
WITHOUT_RULE = declare(np.arange, kinds=ALLOCATOR)
