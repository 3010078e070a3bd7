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

from dataclasses import replace

import numpy as np

from . import of_kind, rule
from .support import _zero, unreduce

FRESH = ("fresh",)  # returns a new array
VIEW = ("view",)  # may return a view of an operand, or the operand itself (np.asarray)

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
    np.abs: rule("x", x="abs_grad(g, x)"),
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
# np.clip(a, a_min, a_max), or with NumPy 2.1's keywords min= and max= (x.clip(min=0.0)):
# a bound given by keyword stands for the positional one (the tests fold when it is not)
_LOW, _HIGH = "(a_min if min is None else min)", "(a_max if max is None else max)"
ELEMENTWISE[np.clip] = replace(
    rule("a, a_min=None, a_max=None, *, min=None, max=None", kinds=("elementwise",),
         a=f"clip_grad(g, a, {_LOW}, {_HIGH})", a_min=f"clip_grad_min(g, a, a_min, {_HIGH})",
         a_max=f"clip_grad_max(g, a, {_LOW}, a_max)", min=f"clip_grad_min(g, a, min, {_HIGH})",
         max=f"clip_grad_max(g, a, {_LOW}, max)"),
    broadcast=("a", "a_min", "a_max", "min", "max"))
# NaN and infinities are replaced by constants, which carry no gradient; with copy=False
# the result is x itself, so it is not declared a new array
ELEMENTWISE[np.nan_to_num] = rule(
    "x, copy=True, nan=0.0, posinf=None, neginf=None", kinds=VIEW,
    x="np.where(np.isfinite(x), g, 0.0)", nan="np.sum(np.where(np.isnan(x), g, 0.0))",
    posinf="np.sum(np.where(np.isposinf(x), g, 0.0))",
    neginf="np.sum(np.where(np.isneginf(x), g, 0.0))")

# Reductions with axis=None and keepdims=False return a scalar (the activity pass
# relies on it, so functions that do not, such as cumsum, are kept out of this table).
_EXTREME = "unreduce_extreme(g, a, ans, axis, keepdims)"
REDUCTIONS = of_kind("reduction", {
    np.sum: rule("a, axis=None, dtype=None, *, keepdims=False",
                 a="unreduce(g, a, axis, keepdims)"),
    np.nansum: rule("a, axis=None, dtype=None, *, keepdims=False",
                    a="nansum_grad(g, a, axis, keepdims)"),
    np.mean: rule("a, axis=None, dtype=None, *, keepdims=False",
                  a="unreduce_mean(g, a, ans, axis, keepdims)"),
    np.prod: rule("a, axis=None, dtype=None, *, keepdims=False",
                  a="prod_grad(g, a, axis, keepdims)"),
    np.max: rule("a, axis=None, *, keepdims=False", a=_EXTREME),
    np.min: rule("a, axis=None, *, keepdims=False", a=_EXTREME),
    np.amax: rule("a, axis=None, *, keepdims=False", a=_EXTREME),
    np.amin: rule("a, axis=None, *, keepdims=False", a=_EXTREME),
    np.var: rule("a, axis=None, dtype=None, *, ddof=0, keepdims=False",
                 a="var_grad(g, a, axis, ddof, keepdims)",
                 ddof="no_derivative(g, 'the ddof of np.var')"),
    np.std: rule("a, axis=None, dtype=None, *, ddof=0, keepdims=False",
                 a="std_grad(g, a, ans, axis, ddof, keepdims)",
                 ddof="no_derivative(g, 'the ddof of np.std')"),
    np.average: rule("a, axis=None, weights=None, *, keepdims=False",
                     a="average_grad(g, a, ans, axis, weights, keepdims)",
                     weights="average_grad_weights(g, a, ans, axis, weights, keepdims)"),
    np.linalg.norm: rule("x, ord=None, axis=None, keepdims=False",
                         x="norm_grad(g, x, ans, ord, axis, keepdims)",
                         ord="no_derivative(g, 'the ord of np.linalg.norm')"),
    np.ptp: rule("a, axis=None, *, keepdims=False", a="ptp_grad(g, a, axis, keepdims)"),
    np.nanmean: rule("a, axis=None, dtype=None, *, keepdims=False",
                     a="nanmean_grad(g, a, axis, keepdims)"),
    np.nanvar: rule("a, axis=None, dtype=None, *, ddof=0, keepdims=False",
                    a="nanvar_grad(g, a, axis, ddof, keepdims)",
                    ddof="no_derivative(g, 'the ddof of np.nanvar')"),
    np.nanstd: rule("a, axis=None, dtype=None, *, ddof=0, keepdims=False",
                    a="nanvar_grad(g, a, axis, ddof, keepdims, ans, True)",
                    ddof="no_derivative(g, 'the ddof of np.nanstd')"),
    np.nanprod: rule("a, axis=None, dtype=None, *, keepdims=False",
                     a="nanprod_grad(g, a, axis, keepdims)"),
    np.nanmax: rule("a, axis=None, *, keepdims=False", a=_EXTREME),
    np.nanmin: rule("a, axis=None, *, keepdims=False", a=_EXTREME),
    # linear interpolation between two order statistics (the default method)
    np.median: rule("a, axis=None, *, keepdims=False",
                    a="quantile_grad(g, a, 0.5, axis, keepdims)"),
})

# np.quantile and np.percentile with an array q return an array even with axis=None.
QUANTILES = of_kind("fresh", {
    np.quantile: rule("a, q, axis=None, *, method='linear', keepdims=False",
                      a="quantile_grad(g, a, q, axis, keepdims, method)",
                      q="no_derivative(g, 'the q of np.quantile')"),
    np.percentile: rule("a, q, axis=None, *, method='linear', keepdims=False",
                        a="quantile_grad(g, a, q, axis, keepdims, method, 0.01)",
                        q="no_derivative(g, 'the q of np.percentile')"),
})

CUMULATIVE = of_kind("fresh", {
    np.cumsum: rule("a, axis=None, dtype=None", a="cumsum_grad(g, a, axis)"),
    np.cumprod: rule("a, axis=None, dtype=None", a="cumprod_grad(g, a, ans, axis)"),
    np.nancumsum: rule("a, axis=None, dtype=None", a="nancumsum_grad(g, a, axis)"),
})

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

# np.einsum takes its operands as *operands, which a rule cannot name: the slots
# op0..op7 hold them (the string form), or operands and sublists alternately (the
# interleaved form, whose first operand lands in `subscripts`).
_EINSUM_SLOTS = ("subscripts",) + tuple(f"op{i}" for i in range(8))
_EINSUM_ARGS = "(" + ", ".join(_EINSUM_SLOTS) + ")"

LINEAR_ALGEBRA = {
    np.dot: rule("a, b", kinds=FRESH, a="dot_grad_a(g, a, b)", b="dot_grad_b(g, a, b)"),
    np.vdot: rule("a, b", kinds=FRESH, a="vdot_grad(g, a, b, 0)", b="vdot_grad(g, a, b, 1)"),
    np.inner: rule("a, b", kinds=FRESH, a="inner_grad(g, 0, a, b)", b="inner_grad(g, 1, a, b)"),
    np.outer: rule("a, b", kinds=FRESH, a="outer_grad_a(g, a, b)", b="outer_grad_b(g, a, b)"),
    np.matmul: rule("x1, x2", kinds=FRESH,
                    x1="matmul_grad_a(g, x1, x2)", x2="matmul_grad_b(g, x1, x2)"),
    np.tensordot: rule("a, b, axes=2", kinds=FRESH, a="tensordot_grad(g, 0, a, b, axes)",
                       b="tensordot_grad(g, 1, a, b, axes)"),
    np.einsum: rule("subscripts, op0, op1=None, op2=None, op3=None, op4=None, op5=None, "
                    "op6=None, op7=None, *, optimize=False", kinds=VIEW,
                    **{p: f"einsum_grad(g, {k}, {_EINSUM_ARGS})"
                       for k, p in enumerate(_EINSUM_SLOTS)}),
    np.trace: rule("a, offset=0, axis1=0, axis2=1, dtype=None", kinds=FRESH,
                   a="trace_grad(g, a, ans, offset, axis1, axis2)"),
    np.kron: rule("a, b", kinds=FRESH, a="kron_grad(g, a, b, 'a')", b="kron_grad(g, a, b, 'b')"),
    np.cross: rule("a, b, axisa=-1, axisb=-1, axisc=-1, axis=None", kinds=FRESH,
                   **{p: f"cross_grad(g, a, b, axisa, axisb, axisc, axis, {p!r})"
                      for p in ("a", "b")}),
    np.diag: rule("v, k=0", kinds=VIEW, v="diag_grad(g, v, k)"),
    np.diagonal: rule("a, offset=0, axis1=0, axis2=1", kinds=VIEW,
                      a="diagonal_grad(g, a, offset, axis1, axis2)"),
    np.linalg.inv: rule("a", kinds=FRESH, a="inv_grad(g, ans)"),
    np.linalg.det: rule("a", kinds=FRESH, a="det_grad(g, a, ans)"),
    np.linalg.slogdet: rule("a", kinds=FRESH, a="slogdet_grad(g, a)"),
    np.linalg.solve: rule("a, b", kinds=FRESH,
                          a="solve_grad_a(g, a, b, ans)", b="solve_grad_b(g, a, b)"),
    np.linalg.cholesky: rule("a, *, upper=False", kinds=FRESH, a="cholesky_grad(g, ans, upper)"),
}

SHAPE = {
    np.reshape: rule("a, shape=None, order='C', *, newshape=None, copy=None", kinds=VIEW,
                     a="reshape_grad(g, a, order)"),
    np.ravel: rule("a, order='C'", kinds=VIEW, a="reshape_grad(g, a, order)"),
    np.squeeze: rule("a, axis=None", kinds=VIEW, a="reshape_like(g, a)"),
    np.expand_dims: rule("a, axis", kinds=VIEW, a="reshape_like(g, a)"),
    np.copy: rule("a", kinds=FRESH, a="g"),
    np.transpose: rule("a, axes=None", kinds=VIEW,
                       a="map_grad(np.transpose, g, None if axes is None else np.argsort(axes))"),
    np.swapaxes: rule("a, axis1, axis2", kinds=VIEW, a="map_grad(np.swapaxes, g, axis1, axis2)"),
    np.moveaxis: rule("a, source, destination", kinds=VIEW,
                      a="map_grad(np.moveaxis, g, destination, source)"),
    np.concatenate: rule("arrays, axis=0, *, dtype=None", kinds=FRESH,
                         arrays="concatenate_grad(g, arrays, axis)"),
    np.stack: rule("arrays, axis=0, *, dtype=None", kinds=FRESH,
                   arrays="stack_grad(g, arrays, axis)"),
    np.hstack: rule("tup, *, dtype=None", kinds=FRESH, tup="hstack_grad(g, tup)"),
    np.vstack: rule("tup, *, dtype=None", kinds=FRESH, tup="vstack_grad(g, tup)"),
    np.row_stack: rule("tup, *, dtype=None", kinds=FRESH, tup="vstack_grad(g, tup)"),
    np.column_stack: rule("tup", kinds=FRESH, tup="column_stack_grad(g, tup)"),
    np.dstack: rule("tup", kinds=FRESH, tup="dstack_grad(g, tup)"),
    np.append: rule("arr, values, axis=None", kinds=FRESH,
                    arr="append_grad(g, arr, values, axis, 'arr')",
                    values="append_grad(g, arr, values, axis, 'values')"),
    np.split: rule("ary, indices_or_sections, axis=0", kinds=VIEW,
                   ary="split_grad(g, ary, ans, axis)"),
    np.array_split: rule("ary, indices_or_sections, axis=0", kinds=VIEW,
                         ary="split_grad(g, ary, ans, axis)"),
    np.hsplit: rule("ary, indices_or_sections", kinds=VIEW,
                    ary="split_sections_grad(g, ary, ans, 'h')"),
    np.vsplit: rule("ary, indices_or_sections", kinds=VIEW,
                    ary="split_sections_grad(g, ary, ans, 'v')"),
    np.dsplit: rule("ary, indices_or_sections", kinds=VIEW,
                    ary="split_sections_grad(g, ary, ans, 'd')"),
    np.tile: rule("A, reps", kinds=FRESH, A="tile_grad(g, A, reps)"),
    np.repeat: rule("a, repeats, axis=None", kinds=FRESH, a="repeat_grad(g, a, repeats, axis)"),
    np.broadcast_to: rule("array, shape", kinds=VIEW, array="unbroadcast(g, array)"),
    np.flip: rule("m, axis=None", kinds=VIEW, m="map_grad(np.flip, g, axis)"),
    np.flipud: rule("m", kinds=VIEW, m="map_grad(np.flipud, g)"),
    np.fliplr: rule("m", kinds=VIEW, m="map_grad(np.fliplr, g)"),
    np.rot90: rule("m, k=1, axes=(0, 1)", kinds=VIEW, m="rot90_grad(g, k, axes)"),
    np.rollaxis: rule("a, axis, start=0", kinds=VIEW, a="rollaxis_grad(g, a, axis, start)"),
    # one array only: given several, they return a list
    np.atleast_1d: rule("ary", kinds=VIEW, ary="reshape_like(g, ary)"),
    np.atleast_2d: rule("ary", kinds=VIEW, ary="reshape_like(g, ary)"),
    np.atleast_3d: rule("ary", kinds=VIEW, ary="reshape_like(g, ary)"),
    np.roll: rule("a, shift, axis=None", kinds=FRESH,
                  a="map_grad(np.roll, g, np.negative(shift), axis)"),
    np.pad: rule("array, pad_width, mode='constant', constant_values=0", kinds=FRESH,
                 array="pad_grad(g, array, pad_width, mode)",
                 constant_values="pad_grad_values(g, array, pad_width, constant_values)"),
    np.take: rule("a, indices, axis=None, *, mode='raise'", kinds=FRESH,
                  a="take_grad(g, a, indices, axis, mode)"),
    np.triu: rule("m, k=0", kinds=FRESH, m="tri_grad(g, m, k, True)"),
    np.tril: rule("m, k=0", kinds=FRESH, m="tri_grad(g, m, k, False)"),
}

# Complex numbers: the parts of a value, and its conjugate (their gradients follow
# autograd's convention, dL/dRe - i dL/dIm; a real input gets the real part).
COMPLEX = {
    np.real: rule("val", kinds=VIEW, val="real_grad(g, val)"),
    np.imag: rule("val", kinds=VIEW, val="imag_grad(g, val)"),
    np.conj: rule("x", kinds=["elementwise"], x="np.conj(g)"),
    np.angle: rule("z, deg=False", kinds=FRESH,
                   z="angle_grad(g, z) * (57.29577951308232 if deg else 1.0)"),
    np.real_if_close: rule("a, tol=100", kinds=VIEW, a="real_if_close_grad(g, a, ans)"),
}

CONSTRUCTION = {
    np.array: rule("object, dtype=None, *, copy=True, order='K', ndmin=0", kinds=VIEW,
                   object="array_grad(g, object, ans)"),
    np.asarray: rule("a, dtype=None, order=None", kinds=VIEW, a="array_grad(g, a, ans)"),
    np.full: rule("shape, fill_value, dtype=None", kinds=FRESH,
                  fill_value="full_grad(g, fill_value, ans)"),
    np.full_like: rule("a, fill_value, dtype=None", kinds=FRESH,
                       fill_value="full_grad(g, fill_value, ans)"),
    # retstep=True returns a tuple, which this rule does not take: left out
    np.linspace: rule("start, stop, num=50, endpoint=True, *, dtype=None, axis=0", kinds=FRESH,
                      **{p: f"linspace_grad(g, start, stop, num, endpoint, axis, {p!r}, ans)"
                         for p in ("start", "stop")}),
    np.select: rule("condlist, choicelist, default=0", kinds=FRESH,
                    choicelist="select_grad(g, condlist, choicelist, ans)",
                    default="select_default_grad(g, condlist, default, ans)"),
    np.choose: rule("a, choices, *, mode='raise'", kinds=FRESH,
                    choices="choose_grad(g, a, choices, mode)"),
}

def masked_sum_grad(g, a, axis, keepdims, where):
    """np.sum(a, axis, where=where): g spread over a's shape, where `where` holds."""
    if _zero(g):
        return 0.0
    return unreduce(g, a, axis, keepdims) * np.broadcast_to(where, np.shape(a))


def masked_mean_grad(g, a, axis, keepdims, where):
    """np.mean(a, axis, where=where): g over the count of each slice's selected entries,
    spread over those entries."""
    if _zero(g):
        return 0.0
    mask = np.broadcast_to(where, np.shape(a))
    spread = np.asarray(unreduce(g, a, axis, keepdims))
    count = np.maximum(np.sum(mask, axis=axis, keepdims=True), 1)
    return np.where(mask, spread / count.astype(spread.dtype), 0)


# where= (np.sum(x, where=x > 0), x.mean(where=mask)): a masked sum or mean. A call
# without it keeps the plain template: its test `where is None` folds at transform time.
for _func, _plain, _masked in (
        (np.sum, "unreduce(g, a, axis, keepdims)", "masked_sum_grad"),
        (np.mean, "unreduce_mean(g, a, ans, axis, keepdims)", "masked_mean_grad")):
    REDUCTIONS[_func] = replace(
        rule("a, axis=None, dtype=None, *, keepdims=False, where=None", kinds=("reduction",),
             a=f"{_plain} if where is None else {_masked}(g, a, axis, keepdims, where)"),
        functions=(("masked_sum_grad", masked_sum_grad),
                   ("masked_mean_grad", masked_mean_grad)))


SORTING = {
    np.sort: rule("a, axis=-1, kind=None, order=None, *, stable=None", kinds=FRESH,
                  a="sort_grad(g, a, axis)"),
    np.partition: rule("a, kth, axis=-1, kind='introselect', order=None", kinds=FRESH,
                       a="partition_grad(g, a, ans, axis)"),
}

# NumPy functions read list arguments as arrays, so their gradient templates do too.
ARRAY_LIKE = True
RULES = {**ELEMENTWISE, **REDUCTIONS, **QUANTILES, **CUMULATIVE, **DIFFERENCES, **LINEAR_ALGEBRA,
         **SHAPE, **CONSTRUCTION, **SORTING, **COMPLEX}

# Results that carry no gradient: shapes, indices, comparisons, constructors,
# piecewise-constant functions.
NONDIFF = {
    np.shape, np.ndim, np.size, np.argmax, np.argmin, np.argsort, np.sign, np.floor, np.ceil,
    np.round, np.rint, np.trunc, np.floor_divide, np.isnan, np.isinf, np.isfinite,
    np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal,
    np.logical_and, np.logical_or, np.logical_not, np.zeros, np.ones, np.empty,
    np.zeros_like, np.ones_like, np.empty_like, np.eye, np.identity,
    np.all, np.any, np.nonzero, np.count_nonzero,
    np.around, np.fix, np.signbit, np.tri, np.argwhere,
    np.flatnonzero, np.searchsorted, np.nanargmax, np.nanargmin, np.isclose, np.allclose,
    np.array_equal, np.indices, np.tril_indices, np.triu_indices, np.diag_indices,
    np.unravel_index, np.ravel_multi_index, np.linalg.matrix_rank,
}

# Calls that return a new array the function owns: the only values pullback lets
# a user write into in place.
ALLOCATORS = {np.zeros, np.ones, np.empty, np.full, np.zeros_like, np.ones_like, np.empty_like,
              np.full_like, np.eye, np.identity, np.arange, np.linspace, np.copy, np.array}

