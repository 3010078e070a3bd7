"""NumPy's reductions (sum ... median, norm), quantiles and cumulative scans, each rule
beside the helpers its gradient calls. `rules.numpy` lists these families with the other
NumPy rules.

Reductions honour `axis` (an int, a tuple, or None) and `keepdims`; with axis=None and
keepdims=False they return a scalar, which the activity analysis relies on (so functions
that do not, such as cumsum and quantile with an array q, are kept out of REDUCTIONS).
max and min share the gradient equally among tied positions; the helpers accept a
gradient that is a known zero (the float 0.0) and never mutate their inputs. `where=`
selects the entries a reduction reads (the others get no gradient) and the NaN-ignoring
reductions are the same masked ones with the NaNs unselected; with `initial=`, a max or
min the initial value attains over every selected entry sends no gradient to them.

    >>> sorted(REDUCTIONS[np.var].partials)
    ['a', 'ddof']
"""

from __future__ import annotations

from ..errors import PullbackError
from ..runtime.helpers import computed_here
from . import of_kind, rule
from .support import (
    _axes,
    _keep,
    _real_only,
    _shape,
    _zero,
    abs_grad,
    as_array,
    math,
    np,
    unreduce,
)

# Reductions with axis=None and keepdims=False return a scalar (the activity pass
# relies on it, so functions that do not, such as cumsum, are kept out of this table).
_REDUCTION = {"a": "reduction"}  # reduce_tangent (see Rule.pushforward)
_REAL_REDUCTION = {"a": "real reduction"}  # its result real for a complex a too
_NAN_REDUCTION = {"a": "nan reduction"}  # NaN entries (and their tangents) left out
_REAL_NAN_REDUCTION = {"a": "real nan reduction"}
_EXTREME = "unreduce_extreme(g, a, ans, axis, keepdims)"
# vector mode: the same reduction of the batch of tangents, along the axes after the batch's
_BATCH = ("np.{}(batched_array(g), axis=batch_axis(axis, a), dtype=dtype, "
          "keepdims=keepdims, where=True if where is None else where)")


def _extreme(name, skip_nan=False):
    """The rule of np.max, np.min and their aliases: g shared among the selected entries
    that attain the extreme (none when `initial` exceeds them all)."""
    masked = f"masked_extreme_grad(g, a, ans, axis, keepdims, where, {skip_nan})"
    return rule("a, axis=None, *, keepdims=False, initial=None, where=None",
                a=masked if skip_nan else f"{_EXTREME} if where is None and initial is None "
                f"else {masked}", initial=f"no_derivative(g, 'the initial of np.{name}')",
                jvp=_NAN_REDUCTION if skip_nan else _REDUCTION,
                methods=(name,) if name in ("max", "min") else ())


# a sum's scalar `initial`: its batch of tangents added to each of the sum's results
_BATCH_INITIAL = "np.reshape(g, (-1,) + (1,) * np.ndim(ans)) + np.zeros_like(ans)"
REDUCTIONS = of_kind("reduction", {
    # where= (np.sum(x, where=x > 0), x.mean(where=mask)): a masked sum or mean; a call
    # without it keeps the plain template (its test `where is None` folds at transform time)
    np.sum: rule("a, axis=None, dtype=None, *, keepdims=False, initial=None, where=None",
                 a="unreduce(g, a, axis, keepdims) if where is None else "
                   "masked_sum_grad(g, a, axis, keepdims, where)", jvp="linear",
                 initial="initial_grad(g)",
                 methods=("sum",), batch={"a": _BATCH.format("sum"), "initial": _BATCH_INITIAL}),
    np.nansum: rule("a, axis=None, dtype=None, *, keepdims=False, initial=None, where=None",
                    a="masked_sum_grad(g, a, axis, keepdims, where, True)",
                    initial="initial_grad(g)",
                    jvp={"a": "np.sum(np.where(np.isnan(a), 0.0, g), axis=axis, "
                              "keepdims=keepdims, where=True if where is None else where)",
                         "initial": "g + np.zeros_like(ans)"}),
    np.mean: rule("a, axis=None, dtype=None, *, keepdims=False, where=None",
                  a="unreduce_mean(g, a, ans, axis, keepdims) if where is None else "
                    "masked_mean_grad(g, a, axis, keepdims, where)", jvp="linear",
                  methods=("mean",), batch={"a": _BATCH.format("mean")}),
    np.prod: rule("a, axis=None, dtype=None, *, keepdims=False, initial=None, where=None",
                  a="prod_grad(g, a, axis, keepdims) if where is None and initial is None "
                    "else masked_prod_grad(g, a, axis, keepdims, where, initial)",
                  initial="no_derivative(g, 'the initial of np.prod')",
                  jvp=_REDUCTION, methods=("prod",)),
    np.max: _extreme("max"), np.min: _extreme("min"),
    np.amax: _extreme("amax"), np.amin: _extreme("amin"),
    np.var: rule("a, axis=None, dtype=None, *, ddof=0, keepdims=False, where=None",
                 a="var_grad(g, a, axis, ddof, keepdims) if where is None else "
                   "masked_var_grad(g, a, ans, axis, ddof, keepdims, where)",
                 ddof="no_derivative(g, 'the ddof of np.var')", jvp=_REAL_REDUCTION,
                 methods=("var",)),
    np.std: rule("a, axis=None, dtype=None, *, ddof=0, keepdims=False, where=None",
                 a="std_grad(g, a, ans, axis, ddof, keepdims) if where is None else "
                   "masked_var_grad(g, a, ans, axis, ddof, keepdims, where, True)",
                 ddof="no_derivative(g, 'the ddof of np.std')", jvp=_REAL_REDUCTION,
                 methods=("std",)),
    np.average: rule("a, axis=None, weights=None, *, keepdims=False",
                     a="average_grad(g, a, ans, axis, weights, keepdims)",
                     weights="average_grad_weights(g, a, ans, axis, weights, keepdims)",
                     jvp={"a": "reduction", "weights": "average_tangent_weights("
                          "g, a, ans, axis, weights, keepdims)"}),
    np.linalg.norm: rule("x, ord=None, axis=None, keepdims=False",
                         x="norm_grad(g, x, ans, ord, axis, keepdims)",
                         ord="no_derivative(g, 'the ord of np.linalg.norm')",
                         jvp={"x": "real reduction"}),
    np.ptp: rule("a, axis=None, *, keepdims=False", a="ptp_grad(g, a, axis, keepdims)",
                 jvp=_REDUCTION),
    # the NaN-ignoring reductions: the masked ones, with the NaNs unselected
    np.nanmean: rule("a, axis=None, dtype=None, *, keepdims=False, where=None",
                     a="masked_mean_grad(g, a, axis, keepdims, where, True)",
                     jvp=_NAN_REDUCTION),
    np.nanvar: rule("a, axis=None, dtype=None, *, ddof=0, keepdims=False, where=None",
                    a="masked_var_grad(g, a, ans, axis, ddof, keepdims, where, False, True)",
                    ddof="no_derivative(g, 'the ddof of np.nanvar')", jvp=_REAL_NAN_REDUCTION),
    np.nanstd: rule("a, axis=None, dtype=None, *, ddof=0, keepdims=False, where=None",
                    a="masked_var_grad(g, a, ans, axis, ddof, keepdims, where, True, True)",
                    ddof="no_derivative(g, 'the ddof of np.nanstd')", jvp=_REAL_NAN_REDUCTION),
    np.nanprod: rule("a, axis=None, dtype=None, *, keepdims=False, initial=None, where=None",
                     a="masked_prod_grad(g, a, axis, keepdims, where, initial, True)",
                     initial="no_derivative(g, 'the initial of np.nanprod')",
                     jvp=_NAN_REDUCTION),
    np.nanmax: _extreme("nanmax", skip_nan=True),
    np.nanmin: _extreme("nanmin", skip_nan=True),
    # linear interpolation between two order statistics (the default method)
    np.median: rule("a, axis=None, *, keepdims=False",
                    a="quantile_grad(g, a, 0.5, axis, keepdims)",
                    jvp={"a": "quantile_tangent(g, a, ans, 0.5, axis, keepdims)"}),
})

# np.quantile and np.percentile with an array q return an array even with axis=None.
QUANTILES = of_kind("fresh", {
    np.quantile: rule("a, q, axis=None, *, method='linear', keepdims=False",
                      a="quantile_grad(g, a, q, axis, keepdims, method)",
                      q="no_derivative(g, 'the q of np.quantile')",
                      jvp={"a": "quantile_tangent(g, a, ans, q, axis, keepdims, method)"}),
    np.percentile: rule("a, q, axis=None, *, method='linear', keepdims=False",
                        a="quantile_grad(g, a, q, axis, keepdims, method, 0.01)",
                        q="no_derivative(g, 'the q of np.percentile')",
                        jvp={"a": "quantile_tangent(g, a, ans, q, axis, keepdims, method, "
                                  "0.01)"}),
})

CUMULATIVE = of_kind("fresh", {
    np.cumsum: rule("a, axis=None, dtype=None", a="cumsum_grad(g, a, axis)", jvp="linear",
                    methods=("cumsum",), batch={"a": "cumsum_batch(g, axis, dtype)"}),
    np.cumprod: rule("a, axis=None, dtype=None", a="cumprod_grad(g, a, ans, axis)",
                     jvp={"a": "cumprod_tangent(g, a, axis)"}, methods=("cumprod",)),
    np.nancumsum: rule("a, axis=None, dtype=None", a="nancumsum_grad(g, a, axis)",
                       jvp={"a": "np.cumsum(np.where(np.isnan(a), 0.0, g), axis=axis)"}),
})

# The reduce and accumulate methods of NumPy's ufuncs, keyed by their bound methods (a
# bound method hashes and compares like any other bound to the same ufunc): along
# `axis` (0 unless given) they are the reductions and scans above.
_UFUNC_REDUCE = "array, axis=0, dtype=None, out=None, keepdims=False"
_UFUNC_SCAN = "array, axis=0, dtype=None, out=None"
UFUNC_METHODS = {
    np.add.reduce: rule(_UFUNC_REDUCE, kinds=("reduction",), jvp="linear",
                        array="unreduce(g, array, axis, keepdims)"),
    np.multiply.reduce: rule(_UFUNC_REDUCE, kinds=("reduction",), jvp={"array": "reduction"},
                             array="prod_grad(g, array, axis, keepdims)"),
    np.maximum.reduce: rule(_UFUNC_REDUCE, kinds=("reduction",), jvp={"array": "reduction"},
                            array="unreduce_extreme(g, array, ans, axis, keepdims)"),
    np.minimum.reduce: rule(_UFUNC_REDUCE, kinds=("reduction",), jvp={"array": "reduction"},
                            array="unreduce_extreme(g, array, ans, axis, keepdims)"),
    np.add.accumulate: rule(_UFUNC_SCAN, kinds=("fresh",), jvp="linear",
                            array="cumsum_grad(g, array, axis)"),
    np.multiply.accumulate: rule(_UFUNC_SCAN, kinds=("fresh",),
                                 array="cumprod_grad(g, array, ans, axis)",
                                 jvp={"array": "cumprod_tangent(g, array, axis)"}),
}


def _selected(a, where, skip_nan=False):
    """The entries a reduction with `where=` reads (all when where is None), without the
    NaNs when it skips them."""
    mask = np.ones(np.shape(a), bool) if where is None else np.broadcast_to(where, np.shape(a))
    return mask & ~np.isnan(a) if skip_nan else mask


def initial_grad(g):
    """The gradient of a sum's `initial`, added to each of its results."""
    return 0.0 if _zero(g) else np.sum(g)


def masked_sum_grad(g, a, axis, keepdims, where, skip_nan=False):
    """np.sum(a, axis, where=where) (np.nansum with skip_nan): g spread over the selected
    entries of a."""
    if _zero(g):
        return 0.0
    return np.where(_selected(a, where, skip_nan), unreduce(g, a, axis, keepdims), 0.0)


def masked_mean_grad(g, a, axis, keepdims, where, skip_nan=False):
    """np.mean(a, axis, where=where) (np.nanmean with skip_nan): g over the count of each
    slice's selected entries, spread over those entries."""
    if _zero(g):
        return 0.0
    mask = _selected(a, where, skip_nan)
    spread = as_array(unreduce(g, a, axis, keepdims))
    count = np.maximum(np.sum(mask, axis=axis, keepdims=True), 1)
    return np.where(mask, spread / count.astype(spread.dtype), 0)


def masked_prod_grad(g, a, axis, keepdims, where, initial=None, skip_nan=False):
    """np.prod(a, axis, where=where, initial=c) (np.nanprod with skip_nan): the product of
    the selected entries times c, so unselected entries count as 1 and get no gradient."""
    if _zero(g):
        return 0.0
    mask = _selected(a, where, skip_nan)
    if initial is not None:
        g = g * initial
    return np.where(mask, prod_grad(g, np.where(mask, a, 1), axis, keepdims), 0.0)


def masked_extreme_grad(g, a, ans, axis, keepdims, where, skip_nan=False):
    """max/min with where= or initial= (nanmax/nanmin with skip_nan): g shared equally
    among the selected entries that attain the extreme; none of it when the extreme is
    `initial`, larger (smaller) than every selected entry."""
    if _zero(g):
        return 0.0
    if axis is not None and not keepdims:
        g, ans = np.expand_dims(g, axis), np.expand_dims(ans, axis)
    mask = _selected(a, where, skip_nan) & (as_array(a) == ans)
    return np.where(mask, g, 0.0) / np.maximum(np.sum(mask, axis=axis, keepdims=True), 1)


def unreduce_mean(g, x, ans, axis=None, keepdims=False):
    if _zero(g):
        return 0.0
    return unreduce(g * (math.prod(_shape(ans)) / math.prod(_shape(x))), x, axis, keepdims)


def unreduce_extreme(g, x, ans, axis=None, keepdims=False):
    """Gradient of max/min: shared equally among the positions that attain it."""
    if _zero(g):
        return 0.0
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
        ans = np.expand_dims(ans, axis)
    mask = as_array(x) == ans  # (np.where, not g * mask: g may be infinite, see np.maximum)
    return np.where(mask, g, 0.0) / np.sum(mask, axis=axis, keepdims=True)


def prod_grad(g, a, axis=None, keepdims=False):
    """The product of all the other factors (exclusive prefix times exclusive suffix
    products), so zeros among the factors are handled without dividing."""
    if _zero(g):
        return 0.0
    a = as_array(a)
    axes = _axes(axis, a.ndim)
    rest = a.ndim - len(axes)
    moved = np.moveaxis(a, axes, tuple(range(rest, a.ndim)))
    flat = moved.reshape(moved.shape[:rest] + (math.prod(moved.shape[rest:]),))
    if flat.shape[-1] == 0:  # a product of no factors (X[:, ()]): 1, moved by none
        return np.zeros(a.shape, dtype=np.result_type(a, float))
    ones = np.ones(flat.shape[:-1] + (1,), dtype=np.result_type(flat, float))
    before = np.concatenate([ones, np.cumprod(flat[..., :-1], axis=-1)], axis=-1)
    after = np.flip(np.cumprod(np.flip(flat[..., 1:], -1), axis=-1), -1)
    after = np.concatenate([after, ones], axis=-1)
    others = np.moveaxis((before * after).reshape(moved.shape), tuple(range(rest, a.ndim)), axes)
    return _keep(g, a.ndim, axes, keepdims) * others


def _direction(g, x):
    """(g, x) for the gradient of a real-valued function of x: for a complex x, the real
    part of g and the conjugate of x, as the formulas for real x then give dL/dRe - i dL/dIm."""
    if np.iscomplexobj(x):
        return np.real(g), np.conj(x)
    return g, x


def var_grad(g, a, axis=None, ddof=0, keepdims=False):
    if _zero(g):
        return 0.0
    g, a = _direction(g, as_array(a))
    axes = _axes(axis, a.ndim)
    centred = a - np.mean(a, axis=axes, keepdims=True)
    n = np.prod([a.shape[i] for i in axes], dtype=float)
    return _keep(g, a.ndim, axes, keepdims) * (2.0 / (n - ddof)) * centred


def std_grad(g, a, ans, axis=None, ddof=0, keepdims=False):
    if _zero(g):
        return 0.0
    g, a = _direction(g, as_array(a))
    axes = _axes(axis, a.ndim)
    centred = a - np.mean(a, axis=axes, keepdims=True)
    n = np.prod([a.shape[i] for i in axes], dtype=float)
    if n == 1:  # the std of one number is 0 whatever it is (not 0 / 0)
        return np.zeros_like(centred * _keep(g, a.ndim, axes, keepdims))
    scale = _keep(g, a.ndim, axes, keepdims) / ((n - ddof) * _keep(ans, a.ndim, axes, keepdims))
    return scale * centred


def cumsum_grad(g, a, axis=None):
    """Each input reaches every later partial sum: a reversed cumulative sum of g."""
    if _zero(g):
        return 0.0
    if g.__class__ is np.ndarray and g.dtype.kind in "fc" and a.__class__ is np.ndarray:
        # the common case by np.add.accumulate: np.cumsum without its dispatch
        if axis is None:
            return np.add.accumulate(g.ravel()[::-1])[::-1].reshape(a.shape)
        return np.flip(np.add.accumulate(np.flip(g, axis), axis=axis), axis)
    if axis is None:
        return np.reshape(np.cumsum(np.ravel(g)[::-1])[::-1], np.shape(a))
    return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)


def cumprod_grad(g, a, ans, axis=None):
    """d ans_j / d a_i = prod_{k <= j, k != i} a_k for j >= i; divides by a only when a has
    no zeros, and otherwise forms the products without the factor a_i directly."""
    if _zero(g):
        return 0.0
    a = as_array(computed_here(a, "np.cumprod"))
    if axis is None:
        return np.reshape(cumprod_grad(g, np.ravel(a), ans, 0), a.shape)
    if np.all(a != 0):
        return np.flip(np.cumsum(np.flip(g * ans, axis), axis=axis), axis) / a
    am = np.moveaxis(a, axis, -1)
    gm = np.moveaxis(np.broadcast_to(g, a.shape), axis, -1)
    out = np.zeros(am.shape, dtype=np.result_type(a, gm, float))
    for i in range(am.shape[-1]):
        without = am.copy()
        without[..., i] = 1.0
        partial = np.cumprod(without[..., i:], axis=-1) * np.prod(without[..., :i], axis=-1,
                                                                    keepdims=True)
        out[..., i] = np.sum(gm[..., i:] * partial, axis=-1)
    return np.moveaxis(out, -1, axis)


def average_grad(g, a, ans, axis=None, weights=None, keepdims=False):
    """np.average(a, axis, weights) = sum(w a) / sum(w) with respect to a."""
    if _zero(g):
        return 0.0
    a = as_array(a)
    axes = _axes(axis, a.ndim)
    G = _keep(g, a.ndim, axes, keepdims)
    if weights is None:
        return np.broadcast_to(G, a.shape) * (math.prod(_shape(ans)) / math.prod(a.shape))
    w = _weights_like(weights, a, axes)
    total = np.sum(np.broadcast_to(w, a.shape), axis=axes, keepdims=True)
    return np.broadcast_to(G * w / total, a.shape)


def average_grad_weights(g, a, ans, axis=None, weights=None, keepdims=False):
    """np.average with respect to the weights: (a - average) / sum(w), in the weights' shape."""
    if _zero(g):
        return 0.0
    a = as_array(a)
    axes = _axes(axis, a.ndim)
    w = _weights_like(weights, a, axes)
    total = np.sum(np.broadcast_to(w, a.shape), axis=axes, keepdims=True)
    full = _keep(g, a.ndim, axes, keepdims) * (a - _keep(ans, a.ndim, axes, keepdims)) / total
    if np.shape(weights) == a.shape:
        return full
    others = tuple(i for i in range(a.ndim) if i not in axes)
    reduced = np.sum(full, axis=others)  # the weighted axes remain, in increasing order
    order = sorted(axes)
    return np.transpose(reduced, [order.index(i) for i in axes]).reshape(np.shape(weights))


def _weights_like(weights, a, axes):
    """np.average's weights, shaped to broadcast against a (1-D weights lie along axis)."""
    w = as_array(weights)
    if w.shape == a.shape:
        return w
    shape = [1] * a.ndim
    for i, n in zip(axes, w.shape):
        shape[i] = n
    order = sorted(range(len(axes)), key=lambda k: axes[k])
    return np.transpose(w, order).reshape(shape)


def norm_grad(g, x, ans, ord=None, axis=None, keepdims=False):
    """np.linalg.norm: vector norms (None, 2, 1, inf, -inf, 0, p) along one axis, matrix
    norms (None/'fro', 'nuc', 1, -1, 2, -2, inf, -inf) over two; ties share the gradient."""
    if _zero(g):
        return 0.0
    x = as_array(x)
    axes = _axes(axis, x.ndim)
    if np.iscomplexobj(x):
        if len(axes) == 2 and ord not in (None, "fro") or axis is None and x.ndim == 2 \
                and ord not in (None, "fro"):
            _real_only(x, f"np.linalg.norm with ord={ord!r}")
        # vector norms and the Frobenius norm depend on |x| only: through abs_grad
        return abs_grad(norm_grad(np.real(g), np.abs(x), ans, ord, axis, keepdims), x)
    if axis is None and x.ndim > 2:  # only ord=None is allowed: the flattened 2-norm
        ord = None
    G = _keep(g, x.ndim, axes, keepdims)
    A = _keep(ans, x.ndim, axes, keepdims)
    with np.errstate(divide="ignore", invalid="ignore"):
        if ord is None or ord == "fro" or (ord == 2 and len(axes) == 1):
            return G * np.where(A == 0, 0.0, x / np.where(A == 0, 1.0, A))
        if len(axes) == 1:
            return G * _vector_norm_grad(x, A, ord, axes)
        return G * _matrix_norm_grad(x, A, ord, axes)


def _vector_norm_grad(x, A, ord, axes):
    ax = np.abs(x)
    if ord == 0:  # a count of nonzeros: piecewise constant
        return np.zeros(x.shape)
    if ord in (np.inf, -np.inf):
        mask = ax == A
        return np.sign(x) * mask / np.sum(mask, axis=axes, keepdims=True)
    if ord == 1:
        return np.sign(x)
    p = float(ord)
    return np.where(A == 0, 0.0, np.sign(x) * (ax / np.where(A == 0, 1.0, A)) ** (p - 1.0))


def _matrix_norm_grad(x, A, ord, axes):
    row, col = axes
    if ord in (1, -1, np.inf, -np.inf):
        summed = col if ord in (np.inf, -np.inf) else row  # inf: row sums; 1: column sums
        other = row if summed == col else col
        sums = np.sum(np.abs(x), axis=summed, keepdims=True)
        mask = sums == A
        return np.sign(x) * mask / np.sum(mask, axis=other, keepdims=True)
    if ord in (2, -2, "nuc"):
        xm = np.moveaxis(x, (row, col), (-2, -1))
        u, _, vt = np.linalg.svd(xm, full_matrices=False)
        if ord == "nuc":
            d = u @ vt
        else:
            k = 0 if ord == 2 else -1
            d = u[..., :, k:k + 1 or None] @ vt[..., k:k + 1 or None, :]
        return np.moveaxis(d, (-2, -1), (row, col))
    raise PullbackError(f"np.linalg.norm with ord={ord!r} is not differentiated")


def _quantile_slices(a, axis, method):
    """(a as an array, the axes kept, the axes reduced, a with those moved last, the same
    with them flattened into one, the stable order of each slice): what the quantiles'
    gradient and tangent read; a method other than linear interpolation is refused."""
    if method != "linear":
        raise PullbackError(f"np.quantile is differentiated for method='linear', not {method!r}")
    a = as_array(a)
    axes = _axes(axis, a.ndim)
    rest = [i for i in range(a.ndim) if i not in axes]
    moved = np.transpose(a, rest + list(axes))
    flat = moved.reshape(moved.shape[:len(rest)] + (-1,))
    return a, rest, axes, moved, flat, np.argsort(flat, axis=-1, kind="stable")


def quantile_grad(g, a, q, axis=None, keepdims=False, method="linear", scale=1.0):
    """np.quantile / percentile / median with linear interpolation: each result is
    (1 - w) x_(lo) + w x_(hi) for two order statistics of its slice, which get the
    gradient back where they came from (ties ranked stably)."""
    if _zero(g):
        return 0.0
    a, rest, axes, moved, flat, order = _quantile_slices(a, axis, method)
    n = flat.shape[-1]
    q = np.asarray(q, dtype=float) * scale
    g = as_array(g)
    if keepdims:  # drop the kept reduced axes, leaving q's axes then the others
        g = np.reshape(g, q.shape + tuple(a.shape[i] for i in rest))
    out = np.zeros(flat.shape, dtype=np.result_type(a, g, float))
    for k in np.ndindex(q.shape):
        h = (n - 1) * q[k]
        lo = int(np.floor(h))
        hi = min(lo + 1, n - 1)
        w = h - lo
        gk = g[k] if q.ndim else g
        for position, weight in ((lo, 1.0 - w), (hi, w)):
            index = order[..., position:position + 1]
            part = np.zeros(flat.shape, dtype=out.dtype)
            np.put_along_axis(part, index, np.expand_dims(gk * weight, -1), -1)
            out += part
    out = out.reshape(moved.shape)
    return np.transpose(out, np.argsort(rest + list(axes)))


def quantile_tangent(t, a, ans, q, axis=None, keepdims=False, method="linear", scale=1.0):
    """The tangent of np.quantile / percentile / median with linear interpolation along t:
    each result's interpolation of two order statistics, read from t at the positions a's
    order gives (the order is piecewise constant in a), in the result's shape."""
    a, rest, axes, moved, flat, order = _quantile_slices(a, axis, method)
    taken = np.transpose(np.broadcast_to(t, a.shape), rest + list(axes)).reshape(flat.shape)
    n = flat.shape[-1]
    q = np.asarray(q, dtype=float) * scale
    values = []
    for k in np.ndindex(q.shape):
        h = (n - 1) * q[k]
        lo = int(np.floor(h))
        hi = min(lo + 1, n - 1)
        w = h - lo
        low = np.take_along_axis(taken, order[..., lo:lo + 1], -1)[..., 0]
        high = np.take_along_axis(taken, order[..., hi:hi + 1], -1)[..., 0]
        values.append((1.0 - w) * low + w * high)
    return np.reshape(np.stack(values).reshape(q.shape + flat.shape[:-1]), np.shape(ans))


def ptp_grad(g, a, axis=None, keepdims=False):
    """np.ptp = max - min: the gradient of each extreme, shared among ties."""
    if _zero(g):
        return 0.0
    top = np.max(a, axis=axis, keepdims=keepdims)
    bottom = np.min(a, axis=axis, keepdims=keepdims)
    return unreduce_extreme(g, a, top, axis, keepdims) - \
        unreduce_extreme(g, a, bottom, axis, keepdims)


def masked_var_grad(g, a, ans, axis=None, ddof=0, keepdims=False, where=None, std=False,
                    skip_nan=False):
    """np.var(a, axis, ddof, where=where) (np.std with std; np.nanvar and np.nanstd with
    skip_nan): var_grad over the selected entries of each slice, none to the others."""
    if _zero(g):
        return 0.0
    g, a = _direction(g, as_array(a))
    mask = _selected(a, where, skip_nan)
    axes = _axes(axis, a.ndim)
    count = np.sum(mask, axis=axes, keepdims=True)
    mean = np.sum(np.where(mask, a, 0.0), axis=axes, keepdims=True) / np.maximum(count, 1)
    centred = np.where(mask, a - mean, 0.0)
    G = _keep(g, a.ndim, axes, keepdims)
    if std:
        G = G / (2.0 * _keep(ans, a.ndim, axes, keepdims))
    return G * (2.0 / (count - ddof)) * centred

def nancumsum_grad(g, a, axis=None):
    if _zero(g):
        return 0.0
    return ~np.isnan(a) * cumsum_grad(g, a, axis)


def cumprod_tangent(t, a, axis=None):
    """d cumprod(a)[k] = d cumprod(a)[k-1] a[k] + cumprod(a)[k-1] da[k], along the axis
    (exact where a has zeros, where dividing by a would not be)."""
    a = as_array(a)
    t = np.broadcast_to(t, a.shape)
    if axis is None:
        a, t, axis = a.ravel(), np.ravel(t), 0
    a, t = np.moveaxis(a, axis, 0), np.moveaxis(t, axis, 0)
    out = np.empty(a.shape, dtype=np.result_type(a, t, float))
    product, tangent = 1.0, 0.0
    for k in range(a.shape[0]):
        tangent = tangent * a[k] + product * t[k]
        product = product * a[k]
        out[k] = tangent
    return np.moveaxis(out, 0, axis)


def average_tangent_weights(t, a, ans, axis=None, weights=None, keepdims=False):
    """np.average(a, axis, weights) = sum(w a) / sum(w): along w, sum((a - ans) dw) /
    sum(w), with a 1-D w lying along the axis, as NumPy reads it."""
    a = np.asarray(a, dtype=float)
    w, t = np.asarray(weights, dtype=float), as_array(t)
    if w.ndim < a.ndim and axis is not None:  # w's axes lie along `axis`, in its order
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        w, t = (np.moveaxis(v.reshape(v.shape + (1,) * (a.ndim - v.ndim)),
                            range(v.ndim), axes) for v in (w, t))
    kept = ans if keepdims or axis is None else np.expand_dims(ans, axis)
    numerator = np.sum(np.broadcast_to((a - kept) * t, a.shape), axis=axis, keepdims=keepdims)
    return numerator / np.sum(np.broadcast_to(w, a.shape), axis=axis, keepdims=keepdims)


# the helpers the templates above call by name (pullback.helpers binds them in generated code)
HELPERS = {name: obj for name, obj in list(globals().items())
           if callable(obj) and not name.startswith("_") and obj.__module__ == __name__}
