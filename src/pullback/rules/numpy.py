"""Rules for NumPy functions, grouped by family: elementwise, reductions (and the
cumulative scans), linear algebra, shape, construction and sorting. Elementwise
binary rules broadcast; reductions honour `axis` and `keepdims`. The reductions
(`rules.reductions`), linear algebra (`rules.linear_algebra`) and shape (`rules.shape`)
families live in modules of their own, each beside its helpers; this module lists them
with the others, which keep their helpers at its end.

Signatures follow NumPy's, except that `out=` and options that change what is
computed in ways no rule covers are left out: a call using them does not bind,
and pullback reports it instead of differentiating something else. Functions
taking a sequence of arrays (concatenate, stack, ...) get a Python list as that
parameter's gradient, one entry per element; functions returning a tuple or a
list (slogdet, split) receive their gradient as such a list.
"""

from dataclasses import replace

import numpy as np

from ..runtime.helpers import GradList
from . import declare, linear_algebra, of_kind, reductions, rule, shape
from .support import _array, _axes, _zero, as_array, truncated, unbroadcast
from .tangent_support import zero_tangent

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
    # (grad_over: 0 where g is, even where the root is 0: np.sqrt(np.maximum(v, 0.0)))
    np.sqrt: rule("x", x="grad_over(g, 2.0 * ans)"),
    np.cbrt: rule("x", x="grad_over(g, 3.0 * ans * ans)"),
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
    # a selection: the operand not selected gets exactly 0 (np.where, never g * False,
    # which is NaN where g is infinite: np.sqrt(np.maximum(v, 0.0)) at v < 0)
    np.maximum: rule("x1, x2", broadcast=True, x1="np.where(x1 >= x2, g, 0.0)",
                     x2="np.where(x1 < x2, g, 0.0)"),
    np.minimum: rule("x1, x2", broadcast=True, x1="np.where(x1 <= x2, g, 0.0)",
                     x2="np.where(x1 > x2, g, 0.0)"),
    # fmax/fmin ignore a NaN operand: the other one gets the gradient
    np.fmax: rule("x1, x2", broadcast=True, x1="np.where((x1 >= x2) | np.isnan(x2), g, 0.0)",
                  x2="np.where((x1 < x2) | np.isnan(x1), g, 0.0)"),
    np.fmin: rule("x1, x2", broadcast=True, x1="np.where((x1 <= x2) | np.isnan(x2), g, 0.0)",
                  x2="np.where((x1 > x2) | np.isnan(x1), g, 0.0)"),
    np.logaddexp: rule("x1, x2", broadcast=True, x1="g * np.exp(x1 - ans)",
                       x2="g * np.exp(x2 - ans)"),
    np.logaddexp2: rule("x1, x2", broadcast=True, x1="g * np.exp2(x1 - ans)",
                        x2="g * np.exp2(x2 - ans)"),
    np.hypot: rule("x1, x2", broadcast=True, x1="g * x1 / ans", x2="g * x2 / ans"),
    np.sinc: rule("x", x="sinc_grad(g, x)"),
    # a step in x1 (no gradient), whose value at x1 == 0 is x2
    np.heaviside: rule("x1, x2", broadcast=True, x2="np.where(x1 == 0, g, 0.0)"),
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
         max=f"clip_grad_max(g, a, {_LOW}, max)", methods=("clip",)),
    broadcast=("a", "a_min", "a_max", "min", "max"))
# NaN and infinities are replaced by constants, which carry no gradient; with copy=False
# the result is x itself, so it is not declared a new array
ELEMENTWISE[np.nan_to_num] = rule(
    "x, copy=True, nan=0.0, posinf=None, neginf=None", kinds=VIEW + ("shape-preserving",),
    x="np.where(np.isfinite(x), g, 0.0)", nan="np.sum(np.where(np.isnan(x), g, 0.0))",
    posinf="np.sum(np.where(np.isposinf(x), g, 0.0))",
    neginf="np.sum(np.where(np.isneginf(x), g, 0.0))",
    jvp={"x": "np.where(np.isfinite(x), g, 0.0)", "nan": "np.where(np.isnan(x), g, 0.0)",
         "posinf": "np.where(np.isposinf(x), g, 0.0)",
         "neginf": "np.where(np.isneginf(x), g, 0.0)"})

REDUCTIONS = reductions.REDUCTIONS
QUANTILES = reductions.QUANTILES
CUMULATIVE = reductions.CUMULATIVE
UFUNC_METHODS = reductions.UFUNC_METHODS

DIFFERENCES = {
    # n=0 returns a itself
    np.diff: rule("a, n=1, axis=-1, prepend=None, append=None", kinds=VIEW,
                  **{p: f"diff_grad(g, a, n, axis, prepend, append, {p!r})"
                     for p in ("a", "prepend", "append")}, jvp="linear",
                  absent=("prepend", "append")),
    # the spacings are *varargs, which a rule cannot name: slots for up to three
    np.gradient: rule("f, spacing0=None, spacing1=None, spacing2=None, *, axis=None, "
                      "edge_order=1", kinds=FRESH,
                      f="gradient_grad(g, f, (spacing0, spacing1, spacing2), axis, edge_order)",
                      jvp={"f": "gradient_tangent(g, (spacing0, spacing1, spacing2), axis, "
                                "edge_order)"},
                      **{f"spacing{i}": "no_derivative(g, 'the spacing of np.gradient')"
                         for i in range(3)}),
    np.convolve: rule("a, v, mode='full'", kinds=FRESH, a="convolve_grad(g, a, v, mode, 'a')",
                      v="convolve_grad(g, a, v, mode, 'v')", jvp="bilinear"),
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
                         for p in ("start", "stop")}, jvp="linear"),
    # start + i * step for i below the count, which is piecewise constant in each bound:
    # stop (and a lone argument, which is the stop) gets no gradient
    np.arange: rule("start, stop=None, step=None, dtype=None", kinds=FRESH + ALLOCATOR,
                    **{p: f"arange_grad(g, stop, {p!r}, ans)" for p in ("start", "step")},
                    jvp={p: f"arange_tangent(g, stop, {p!r}, ans)" for p in ("start", "step")}),
    np.select: rule("condlist, choicelist, default=0", kinds=FRESH,
                    choicelist="select_grad(g, condlist, choicelist, ans)",
                    default="select_default_grad(g, condlist, default, ans)", jvp="linear"),
    np.choose: rule("a, choices, *, mode='raise'", kinds=FRESH,
                    choices="choose_grad(g, a, choices, mode)", methods=("choose",),
                    jvp="linear"),
}




SORTING = {
    np.sort: rule("a, axis=-1, kind=None, order=None, *, stable=None", kinds=FRESH,
                  a="sort_grad(g, a, axis)", jvp={"a": "sort_tangent(g, a, axis)"}),
    np.partition: rule("a, kth, axis=-1, kind='introselect', order=None", kinds=FRESH,
                       a="partition_grad(g, a, ans, axis)",
                       jvp={"a": "partition_tangent(g, a, ans, axis)"}),
}

# NumPy functions read list arguments as arrays, so their gradient templates do too.
ARRAY_LIKE = True
RULES = {**ELEMENTWISE, **REDUCTIONS, **QUANTILES, **CUMULATIVE, **UFUNC_METHODS, **DIFFERENCES,
         **LINEAR_ALGEBRA, **SHAPE, **CONSTRUCTION, **SORTING, **COMPLEX}

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



# ----------------------------------------- helpers of the rules above, by name in templates

def full_grad(g, fill_value, ans):
    """The gradient of np.full / np.full_like with respect to the fill value (zero when
    the result's integer dtype truncated it)."""
    if truncated(ans):
        return 0.0
    return unbroadcast(g, fill_value)


def clip_grad(g, a, a_min, a_max):
    """np.clip(a, a_min, a_max) = minimum(maximum(a, a_min), a_max): a keeps the gradient
    where a_min <= a <= a_max (either bound may be None)."""
    a, a_min, a_max = _array(a), _array(a_min), _array(a_max)
    mask = True
    if a_min is not None:
        mask = mask & (a >= a_min)
    if a_max is not None:
        mask = mask & (a <= a_max)
    return g if mask is True else np.where(mask, g, 0.0)  # (not g * mask: see np.maximum)


def clip_grad_min(g, a, a_min, a_max):
    """The lower bound gets the gradient where it is the result: a < a_min <= a_max."""
    a, a_min, a_max = _array(a), _array(a_min), _array(a_max)
    mask = a < a_min
    if a_max is not None:
        mask = mask & (a_min <= a_max)
    return np.where(mask, g, 0.0)


def clip_grad_max(g, a, a_min, a_max):
    """The upper bound gets the gradient where it is the result: maximum(a, a_min) > a_max."""
    a, a_max = _array(a), _array(a_max)
    return np.where((a if a_min is None else np.maximum(a, a_min)) > a_max, g, 0.0)


def sinc_grad(g, x):
    """d/dx sin(pi x) / (pi x) = (cos(pi x) - sinc(x)) / x, and 0 at x = 0."""
    x = as_array(x)
    x = x.astype(np.result_type(x, float), copy=False)  # complex x stays complex
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(x == 0.0, 0.0, (np.cos(np.pi * x) - np.sinc(x)) / np.where(x == 0, 1.0, x))
    return g * d


def real_grad(g, x):
    """np.real(x): the gradient of the real part, as a complex value when x is complex
    (the zero gradient stays the zero marker, which the rules before it skip)."""
    if _zero(g):
        return 0.0
    return np.real(g) + 0j if np.iscomplexobj(x) else g


def imag_grad(g, x):
    """np.imag(x): -1j * g for a complex x; the imaginary part of a real x is 0."""
    if _zero(g):
        return 0.0
    return -1j * np.real(g) if np.iscomplexobj(x) else 0.0 * g


def angle_grad(g, x):
    """np.angle(x) = atan2(Im x, Re x): -1j * g * conj(x) / |x|^2."""
    x = as_array(x)
    return -1j * np.real(g) * np.conj(x) / (x.real ** 2 + x.imag ** 2)


def array_grad(g, obj, ans):
    """np.array(obj): the gradient split back into obj's nesting (lists of lists of ...),
    or g in obj's shape for an array. Zero when the dtype truncated."""
    if _zero(g) or truncated(ans):
        return 0.0
    return _split_like(np.reshape(g, np.shape(obj)), obj)


def _split_like(g, obj):
    if isinstance(obj, (list, tuple)):
        return GradList(_split_like(g[i], o) for i, o in enumerate(obj))
    return g


def sort_grad(g, a, axis=-1):
    """Each sorted value's gradient goes back to where it came from (via argsort)."""
    if _zero(g):
        return 0.0
    a = as_array(a)
    out = np.zeros(a.shape, dtype=np.result_type(a, g, float))
    if axis is None:
        flat = out.reshape(-1)
        flat[np.argsort(a, axis=None, kind="stable")] = np.ravel(g)
        return flat.reshape(a.shape)
    np.put_along_axis(out, np.argsort(a, axis=axis, kind="stable"), g, axis)
    return out


def real_if_close_grad(g, x, ans):
    """np.real_if_close returns x's real part when its imaginary part is negligible, else x."""
    return g if np.iscomplexobj(ans) else real_grad(g, x)


def copysign_grad(g, x1, x2):
    """copysign(x1, x2) = |x1| with x2's sign bit: d/dx1 = sign(x1) * (-1 if signbit(x2))."""
    return g * np.sign(x1) * np.where(np.signbit(x2), -1.0, 1.0)


def remainder_grad_divisor(g, x1, x2, truncated):
    """np.mod(x1, x2) = x1 - floor(x1 / x2) * x2 (np.fmod: trunc instead of floor)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        quotient = np.true_divide(x1, x2)
    return -g * (np.trunc(quotient) if truncated else np.floor(quotient))


def diff_grad(g, a, n=1, axis=-1, prepend=None, append=None, wrt="a"):
    """np.diff is linear: each step y_i = x_(i+1) - x_i has the adjoint
    pad(g, (1, 0)) - pad(g, (0, 1)) along the axis. The gradient of the joined array
    (prepend, a, append) is then cut into its pieces (a scalar piece was broadcast)."""
    if _zero(g):
        return 0.0
    axis = axis % max(np.ndim(a), 1)
    g = as_array(g)
    if g.ndim < np.ndim(a):  # a number standing for the whole result (a squeeze's seed)
        shape = list(np.shape(a))
        shape[axis] += sum(0 if part is None else np.shape(part)[axis] if np.ndim(part) else 1
                           for part in (prepend, append)) - n
        g = np.broadcast_to(g, shape)
    for _ in range(n):
        before = [(0, 0)] * g.ndim
        after = [(0, 0)] * g.ndim
        before[axis], after[axis] = (1, 0), (0, 1)
        g = np.pad(g, before) - np.pad(g, after)
    ahead = 0 if prepend is None else (np.shape(prepend)[axis] if np.ndim(prepend) else 1)
    size = np.shape(a)[axis]
    if wrt == "a":
        piece, value = np.take(g, range(ahead, ahead + size), axis=axis), a
    elif wrt == "prepend":
        piece, value = np.take(g, range(ahead), axis=axis), prepend
    else:
        piece, value = np.take(g, range(ahead + size, g.shape[axis]), axis=axis), append
    return np.sum(piece) if np.ndim(value) == 0 else piece


def gradient_grad(g, f, spacings, axis=None, edge_order=1):
    """np.gradient is linear in f along each axis: its adjoint is the transpose of the
    matrix it applies, found by applying it to the columns of an identity."""
    if _zero(g):
        return 0.0
    f = as_array(f)
    spacings = [s for s in spacings if s is not None]
    axes = _axes(axis, f.ndim)
    grads = [g] if len(axes) == 1 else g
    if len(spacings) == 1:
        spacings = spacings * len(axes)
    total = np.zeros(f.shape, dtype=np.result_type(f, float))
    for i, (ax, gi) in enumerate(zip(axes, grads)):
        if _zero(gi):
            continue
        n = f.shape[ax]
        matrix = np.gradient(np.eye(n), *spacings[i:i + 1], axis=0, edge_order=edge_order)
        moved = np.tensordot(matrix, np.moveaxis(gi, ax, 0), axes=(0, 0))  # M^T g
        total += np.moveaxis(moved, 0, ax)
    return total


def gradient_tangent(t, spacings, axis=None, edge_order=1):
    """np.gradient is linear in f: the same differences of its tangent (a list of them
    along several axes)."""
    return np.gradient(t, *[s for s in spacings if s is not None], axis=axis,
                       edge_order=edge_order)


def partition_grad(g, a, ans, axis=-1):
    """np.partition permutes a: the k-th smallest value of the result goes back to the
    k-th smallest of a (both ranked stably), which matches values to where they came from."""
    if _zero(g):
        return 0.0
    a = as_array(a)
    if axis is None:
        return np.reshape(partition_grad(g, np.ravel(a), ans, 0), a.shape)
    source = np.argsort(a, axis=axis, kind="stable")
    target = np.argsort(ans, axis=axis, kind="stable")
    out = np.zeros(a.shape, dtype=np.result_type(a, g, float))
    np.put_along_axis(out, source, np.take_along_axis(np.broadcast_to(g, a.shape), target,
                                                      axis), axis)
    return out


def partition_tangent(t, a, ans, axis=-1):
    """np.partition moves each value of a to its place in the result: its tangent with it
    (the k-th smallest of a, ranked stably, to the k-th smallest of the result)."""
    a = as_array(a)
    t = np.broadcast_to(t, a.shape)
    if axis is None:
        return partition_tangent(np.ravel(t), np.ravel(a), ans, 0)
    source = np.argsort(a, axis=axis, kind="stable")
    target = np.argsort(ans, axis=axis, kind="stable")
    out = np.zeros(a.shape, dtype=np.result_type(t, float))
    np.put_along_axis(out, target, np.take_along_axis(t, source, axis), axis)
    return out


def linspace_grad(g, start, stop, num, endpoint, axis, wrt, ans):
    """np.linspace = start + (stop - start) * t with t from 0 to 1 (or below 1 without the
    endpoint): start gets g summed with weights 1 - t, stop with weights t. Zero when an
    integer dtype truncated the result."""
    if _zero(g) or truncated(ans):
        return 0.0
    t = np.linspace(0.0, 1.0, num, endpoint=endpoint)
    g = as_array(g)
    axis = axis % g.ndim
    t = np.reshape(t, (-1,) + (1,) * (g.ndim - 1 - axis))
    weighted = np.sum(g * (1.0 - t if wrt == "start" else t), axis=axis)
    return unbroadcast(weighted, start if wrt == "start" else stop)


def arange_grad(g, stop, wrt, ans):
    """np.arange(start, stop, step) is start + i * step (i = 0, 1, ...): start gets g
    summed, step g summed with weights i. Zero for a lone argument (the stop, which only
    sets the count), and when an integer dtype truncated the result."""
    if _zero(g) or stop is None or truncated(ans):
        return 0.0
    g = as_array(g)
    return np.sum(g) if wrt == "start" else np.sum(g * np.arange(g.size))


def arange_tangent(t, stop, wrt, ans):
    """The tangent of np.arange(start, stop, step) for a tangent t of start or step."""
    if stop is None or truncated(ans):
        return zero_tangent(np.asarray(ans, dtype=float))
    n = np.size(ans)
    return (np.broadcast_to(t, (n,)) if wrt == "start" else t * np.arange(n)) + np.zeros(n)


def _full_convolution_grad(g, a, v, mode):
    """g of np.convolve(a, v, mode) placed in the full convolution's length (the other
    modes keep a centred part of it)."""
    n, m = np.size(a), np.size(v)
    if mode == "full":
        return as_array(g)
    full = np.zeros(n + m - 1, dtype=np.result_type(g, float))
    start = min(n, m) - 1 if mode == "valid" else (min(n, m) - 1) // 2
    full[start:start + np.size(g)] = g
    return full


def convolve_grad(g, a, v, mode, wrt):
    """np.convolve is bilinear: each operand gets the other reversed, slid along the full
    convolution's gradient."""
    if _zero(g):
        return 0.0
    full = _full_convolution_grad(g, a, v, mode)
    other = v if wrt == "a" else a
    return np.convolve(full, as_array(other)[::-1], "valid")


def select_grad(g, condlist, choicelist, ans):
    """np.select takes each element from the first choice whose condition holds."""
    if _zero(g):
        return 0.0
    taken = np.zeros(np.shape(ans), dtype=bool)
    grads = []
    for cond, choice in zip(condlist, choicelist):
        here = as_array(cond) & ~taken
        taken = taken | here
        grads.append(unbroadcast(np.where(here, g, 0.0), choice))
    return GradList(grads)


def select_default_grad(g, condlist, default, ans):
    if _zero(g):
        return 0.0
    taken = np.zeros(np.shape(ans), dtype=bool)
    for cond in condlist:
        taken = taken | as_array(cond)
    return unbroadcast(np.where(taken, 0.0, g), default)


def choose_grad(g, a, choices, mode="raise"):
    """np.choose(a, choices)[i] = choices[a[i]][i]: each choice gets g where it was chosen."""
    if _zero(g):
        return 0.0
    n = len(choices)
    index = as_array(a)
    index = index % n if mode == "wrap" else np.clip(index, 0, n - 1) if mode == "clip" \
        else index
    return GradList(unbroadcast(np.where(index == k, g, 0.0), c) for k, c in enumerate(choices))


def array_tangent(t, ans, obj):
    """np.array / np.asarray: the tangent as an array (zero when the dtype truncated),
    sharing the tangent's memory exactly when the result shares obj's."""
    if truncated(ans):
        return zero_tangent(np.asarray(ans, dtype=float))
    kind = as_array(ans).dtype.kind
    if ans is obj or obj.__class__ is np.ndarray and np.may_share_memory(ans, obj):
        return as_array(t)
    return np.array(t, dtype=complex if kind == "c" or np.iscomplexobj(t) else float)


def full_tangent(t, ans):
    """np.full / np.full_like with fill value tangent t (zero when the dtype truncated)."""
    if truncated(ans):
        return zero_tangent(np.asarray(ans, dtype=float))
    return np.array(np.broadcast_to(t, np.shape(ans)), dtype=np.result_type(t, float))


def sort_tangent(t, a, axis=-1):
    """Each sorted value's tangent comes from where the value came from."""
    a = as_array(a)
    t = np.broadcast_to(t, a.shape)
    if axis is None:
        return np.ravel(t)[np.argsort(a, axis=None, kind="stable")]
    return np.take_along_axis(t, np.argsort(a, axis=axis, kind="stable"), axis)


# the helpers the templates call by name (pullback.helpers binds them in generated code):
# this module's, and those of the families declared in modules of their own
HELPERS = {name: obj for name, obj in list(globals().items())
           if callable(obj) and not name.startswith("_") and obj.__module__ == __name__}
HELPERS.update({**linear_algebra.HELPERS, **reductions.HELPERS, **shape.HELPERS})
