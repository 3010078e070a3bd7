"""Second-order rules for more helpers of generated gradients: those of np.full and
np.full_like (in the fill value), np.copysign, np.remainder and np.fmod (in the divisor),
np.pad (in constant_values), np.imag, np.var / np.std with `where=` and np.nanvar /
np.nanstd (masked_var_grad), np.prod with `where=` or `initial=` and np.nanprod
(masked_prod_grad), np.trapezoid (trapezoid_grad), np.cov (cov_grad), np.average in its
weights (average_grad's, and average_grad_weights) and np.angle (angle_grad).

Guarantees (as for rules/higher.py):
- full_grad, copysign_grad, remainder_grad_divisor, pad_grad_values and imag_grad are
  linear in the gradient they are given (`d`) and read their other parameters for a
  shape, a sign, a quotient's integer part or a truncation, all piecewise constant: their
  tangent is the same helper on d's tangent, and their adjoint in d the transpose of the
  linear map they apply;
- masked_var_grad is linear in d and in a (centred over the selected entries) and, for
  the standard deviations, proportional to 1 / std (the parameter `deviation`); the mask
  (where=, and a's NaNs for the NaN forms) is piecewise constant; masked_prod_grad is
  prod_grad of the selected entries (the others count as 1) times `initial`, whose
  second-order helpers it uses, so an array with a selected zero is refused as np.prod's
  is; trapezoid_grad is linear in d and, for y, bilinear in d and the sample points x
  (or the spacing dx); cov_grad is bilinear in d and the stacked rows of m and y (centred
  and weighted: the weights and the divisor are constants; fweights and aweights are
  refused where a gradient reaches them, as np.cov's rule refuses them);
- average_grad_weights is linear in d, a and the average, and in the weights through
  1 / sum(w); angle_grad = -1j Re(d) / x is real-linear in d and holomorphic in x (no
  derivative at x = 0, as np.angle has none there);
- the adjoint of each in each parameter it varies with is the transpose of that linear
  map; complex values are refused where a second derivative reaches them (imag_grad of a
  complex value in reverse over reverse: forward over reverse takes it, linear), and a
  broadcast y in reverse over reverse through trapezoid_grad's adjoint in d; the helpers
  here have no rules of their own (a third derivative is refused where it reaches them).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..errors import PullbackError
from . import numpy as numpy_rules
from . import numpy_added, reductions, rule, shape, support
from .higher import summed_to
from .higher_products import prod_grad_adjoint_a, prod_grad_adjoint_d, prod_grad_tangent_a
from .support import _axes, _keep, _zero, as_array

FRESH = ("fresh",)


def _real(what, *values):
    if any(np.iscomplexobj(v) for v in values if not _zero(v) and v is not None):
        raise PullbackError(f"a second derivative through {what} of complex values: "
                            "pullback differentiates its gradient for real values only")


# ------------------------------------------------------- linear in d, nothing else varies

def full_grad_transpose(g, d, result):
    """full_grad(d, fill_value, result) sums d down to the fill value's shape (zero when
    the result's dtype truncated the fill): its adjoint spreads g back to d's shape."""
    if _zero(g) or numpy_rules.truncated(result):
        return 0.0
    return np.broadcast_to(g, np.shape(d)) + np.zeros(np.shape(d))


def pad_grad_values_transpose(g, d, array, pad_width):
    """pad_grad_values(d, array, pad_width, values) is the transpose of writing the
    constant values into the padding: its adjoint writes g there (zeros inside)."""
    if _zero(g):
        return 0.0
    return np.pad(np.zeros(np.shape(array)), pad_width, mode="constant",
                  constant_values=as_array(g))


def imag_grad_transpose(g, d, x):
    """imag_grad(d, x) is 0 for a real x; a complex x is refused (reverse over reverse)."""
    _real("np.imag", g, x)
    return 0.0


# ------------------------------------------------------------- np.var / np.std, masked

def _masked_parts(a, axis, ddof, where, skip_nan):
    """(a, the reduced axes, the selection mask, a centred over it (0 elsewhere),
    2 / (count - ddof))."""
    a = as_array(a)
    _real("np.var or np.std", a)
    mask = reductions._selected(a, where, skip_nan)
    axes = _axes(axis, a.ndim)
    count = np.sum(mask, axis=axes, keepdims=True)
    mean = np.sum(np.where(mask, a, 0.0), axis=axes, keepdims=True) / np.maximum(count, 1)
    return a, axes, mask, np.where(mask, a - mean, 0.0), 2.0 / (count - ddof)


def _spread(d, deviation, a, axes, keepdims, std):
    """d kept over the reduced axes (divided by 2 std for the standard deviations)."""
    D = _keep(d, a.ndim, axes, keepdims)
    return D / (2.0 * _keep(deviation, a.ndim, axes, keepdims)) if std else D


def _centre(values, mask, axes):
    """values centred over the selected entries of each slice (0 elsewhere): the
    symmetric projection masked_var_grad applies to a."""
    values = np.where(mask, values, 0.0)
    count = np.maximum(np.sum(mask, axis=axes, keepdims=True), 1)
    return np.where(mask, values - np.sum(values, axis=axes, keepdims=True) / count, 0.0)


def masked_var_grad_tangent_a(t, d, a, deviation, axis=None, ddof=0, keepdims=False,
                              where=None, std=False, skip_nan=False):
    """masked_var_grad along the tangent t of a: the spread d times the centred t."""
    if _zero(t) or _zero(d):
        return 0.0
    a, axes, mask, _, scale = _masked_parts(a, axis, ddof, where, skip_nan)
    return _spread(d, deviation, a, axes, keepdims, std) * scale * _centre(
        np.broadcast_to(t, a.shape), mask, axes)


def masked_var_grad_tangent_deviation(t, d, a, deviation, axis=None, ddof=0, keepdims=False,
                                      where=None, std=False, skip_nan=False):
    """The standard deviations' gradient is proportional to 1 / std: along t, times
    -t / std."""
    if _zero(t) or _zero(d) or not std:
        return 0.0
    a, axes, _, centred, scale = _masked_parts(a, axis, ddof, where, skip_nan)
    kept = _keep(deviation, a.ndim, axes, keepdims)
    return -_spread(d, deviation, a, axes, keepdims, std) * scale * centred \
        * _keep(t, a.ndim, axes, keepdims) / kept


def masked_var_grad_adjoint_d(g, d, a, deviation, axis=None, ddof=0, keepdims=False,
                              where=None, std=False, skip_nan=False):
    if _zero(g):
        return 0.0
    a, axes, mask, centred, scale = _masked_parts(a, axis, ddof, where, skip_nan)
    ones = _spread(np.ones(np.shape(d)), deviation, a, axes, keepdims, std)
    # (g may be NaN at the entries left out: a NaN times the zero gradient they got)
    summed = np.sum(np.where(mask, g, 0.0) * ones * scale * centred, axis=axes,
                    keepdims=keepdims)
    return np.reshape(summed, np.shape(d))


def masked_var_grad_adjoint_a(g, d, a, deviation, axis=None, ddof=0, keepdims=False,
                              where=None, std=False, skip_nan=False):
    """Centring over the selection is its own adjoint: the spread d times g, centred."""
    if _zero(g) or _zero(d):
        return 0.0
    a, axes, mask, _, scale = _masked_parts(a, axis, ddof, where, skip_nan)
    return _centre(_spread(d, deviation, a, axes, keepdims, std) * scale * g, mask, axes)


def masked_var_grad_adjoint_deviation(g, d, a, deviation, axis=None, ddof=0, keepdims=False,
                                      where=None, std=False, skip_nan=False):
    if _zero(g) or _zero(d) or not std:
        return 0.0
    a, axes, mask, centred, scale = _masked_parts(a, axis, ddof, where, skip_nan)
    kept = _keep(deviation, a.ndim, axes, keepdims)
    spread = _spread(d, deviation, a, axes, keepdims, std)
    summed = -np.sum(np.where(mask, g, 0.0) * spread * scale * centred / kept, axis=axes,
                     keepdims=keepdims)
    return np.reshape(summed, np.shape(deviation))


# ------------------------------------------------------------------ np.prod, masked

def _prod_selected(d, a, where, initial, skip_nan):
    """(d times initial, a with the unselected entries 1, the mask)."""
    mask = reductions._selected(a, where, skip_nan)
    if initial is not None and not _zero(d):
        d = d * initial
    return d, np.where(mask, a, 1.0), mask


def masked_prod_grad_tangent_a(t, d, a, axis, keepdims, where, initial=None, skip_nan=False):
    if _zero(t) or _zero(d):
        return 0.0
    d, filled, mask = _prod_selected(d, a, where, initial, skip_nan)
    return np.where(mask, prod_grad_tangent_a(np.where(mask, t, 0.0), d, filled, axis,
                                              keepdims), 0.0)


def masked_prod_grad_adjoint_d(g, d, a, axis, keepdims, where, initial=None, skip_nan=False):
    if _zero(g):
        return 0.0
    _, filled, mask = _prod_selected(d, a, where, initial, skip_nan)
    out = prod_grad_adjoint_d(np.where(mask, g, 0.0), d, filled, axis, keepdims)
    return out * initial if initial is not None else out


def masked_prod_grad_adjoint_a(g, d, a, axis, keepdims, where, initial=None, skip_nan=False):
    if _zero(g) or _zero(d):
        return 0.0
    d, filled, mask = _prod_selected(d, a, where, initial, skip_nan)
    return np.where(mask, prod_grad_adjoint_a(np.where(mask, g, 0.0), d, filled, axis,
                                              keepdims), 0.0)


# ---------------------------------------------------------------------- np.trapezoid

def _varies(x, wrt, along):
    """Whether trapezoid_grad(d, y, x, dx, axis, wrt) varies with `along` (besides d)."""
    return along == "y" and wrt in ("x", "dx") or along == "x" and wrt == "y" \
        and x is not None or along == "dx" and wrt == "y" and x is None


def trapezoid_grad_tangent(t, d, y, x, dx, axis, wrt, along):
    """trapezoid_grad(d, y, x, dx, axis, wrt) along the tangent t of `along`: it is linear
    in d; the gradient in y is linear in the sample points x (in dx when x is None); the
    gradients in x and dx are linear in y; nothing else varies."""
    if _zero(t) or along != "d" and _zero(d):
        return 0.0
    _real("np.trapezoid", t, d, y, x, dx)
    if along == "d":
        return numpy_added.trapezoid_grad(t, y, x, dx, axis, wrt)
    if not _varies(x, wrt, along):
        return 0.0
    moved = {"y": y, "x": x, "dx": dx, along: t}
    return numpy_added.trapezoid_grad(d, moved["y"], moved["x"], moved["dx"], axis, wrt)


def trapezoid_grad_transpose(g, d, y, x, dx, axis, wrt):
    """The adjoint in d of trapezoid_grad(d, ...): the weights it applies to d (each
    sample's, for the gradient in y; the differences of neighbouring means, in x; the
    integral of y, in dx), times g, summed over the axes d was spread along."""
    if _zero(g):
        return 0.0
    _real("np.trapezoid", g, d, y, x, dx)
    y = as_array(y)
    axis = axis % y.ndim
    if wrt == "y":
        weights = numpy_added.trapezoid_grad(np.ones(np.shape(d)), y, x, dx, axis, wrt)
        if np.shape(weights) != np.shape(g):
            raise PullbackError("reverse over reverse through np.trapezoid's gradient of a "
                                "broadcast y: not written (pullback.hvp and pullback.hessian "
                                "take it)")
        return np.reshape(np.sum(g * weights, axis=axis), np.shape(d))
    if wrt == "dx":
        if x is not None:
            return 0.0
        integral = np.trapezoid(y, axis=axis)
        spread = np.broadcast_to(g, np.broadcast_shapes(np.shape(g), np.shape(integral)))
        return summed_to(spread * integral, d)
    s = numpy_added._mid_values(y, axis)
    steps = numpy_added._padded(s, axis, "before") - numpy_added._padded(s, axis, "after")
    G = numpy_added._along(g, axis, y.ndim) if np.ndim(x) == 1 else g
    return np.reshape(np.sum(np.broadcast_to(G, steps.shape) * steps, axis=axis), np.shape(d))


def _shift_transpose(h, axis, kind):
    """The adjoint of v -> pad(v, before) + pad(v, after) (kind 'sum') or pad(v, before)
    - pad(v, after) ('difference') along the axis: h's neighbours added (subtracted)."""
    n = h.shape[axis]
    later, earlier = np.take(h, range(1, n), axis), np.take(h, range(n - 1), axis)
    return later + earlier if kind == "sum" else later - earlier


def trapezoid_grad_adjoint(g, d, y, x, dx, axis, wrt, along):
    """The adjoint of trapezoid_grad(d, y, x, dx, axis, wrt) in y, x or dx (see
    trapezoid_grad_tangent for where it varies): the transpose of each linear step."""
    if _zero(g) or _zero(d) or not _varies(x, wrt, along):
        return 0.0
    _real("np.trapezoid", g, d, y, x, dx)
    y = as_array(y)
    axis = axis % y.ndim
    G = np.expand_dims(d, axis)
    if wrt == "y":  # G w, w the samples' weights: (steps before + steps after) / 2
        h = np.broadcast_to(g, np.broadcast_shapes(np.shape(g), np.shape(G), y.shape)) * G
        if along == "dx":  # w = base dx (dx laid along the other axes when an array)
            base = np.full(y.shape[axis], 1.0)
            base[[0, -1]] = 0.5 if y.shape[axis] > 1 else 0.0
            h = h * numpy_added._along(base, axis, y.ndim)
            return np.sum(h) if np.ndim(dx) == 0 else summed_to(np.sum(h, axis=axis), dx)
        x = as_array(x)
        if x.ndim == 1:
            h = np.sum(np.moveaxis(h, axis, 0).reshape(y.shape[axis], -1), axis=1)
            at = 0
        else:
            h, at = summed_to(h, x), axis
        steps = _shift_transpose(h, at, "sum") / 2.0
        return numpy_added._padded(steps, at, "before") - numpy_added._padded(steps, at, "after")
    if wrt == "dx":  # unbroadcast(d trapezoid(y), dx): y's weights are 1/2 at the ends, 1
        integral_shape = np.shape(np.trapezoid(y, axis=axis))
        h = np.broadcast_to(g, np.broadcast_shapes(np.shape(g), integral_shape)) * d
        base = np.full(y.shape[axis], 1.0)
        base[[0, -1]] = 0.5 if y.shape[axis] > 1 else 0.0
        return summed_to(np.expand_dims(h, axis) * numpy_added._along(base, axis, y.ndim), y)
    # wrt x: G (pad(s, before) - pad(s, after)), s the means of neighbouring y's
    g = numpy_added._along(g, axis, y.ndim) if np.ndim(x) == 1 else g
    h = np.broadcast_to(g, y.shape) * G
    s = _shift_transpose(h, axis, "difference")
    return (numpy_added._padded(s, axis, "before") + numpy_added._padded(s, axis, "after")) / 2.0


RULES = {
    numpy_rules.full_grad: rule("d, fill_value, result", kinds=FRESH, jvp="linear",
                                d="full_grad_transpose(g, d, result)"),
    numpy_rules.copysign_grad: rule("d, x1, x2", broadcast=True, kinds=("elementwise",),
                                    d="copysign_grad(g, x1, x2)"),
    numpy_rules.remainder_grad_divisor: rule(
        "d, x1, x2, truncated", broadcast=True, kinds=("elementwise",),
        d="remainder_grad_divisor(g, x1, x2, truncated)"),
    shape.pad_grad_values: rule("d, array, pad_width, constant_values", kinds=FRESH,
                                jvp="linear", d="pad_grad_values_transpose(g, d, array, "
                                                "pad_width)"),
    numpy_rules.imag_grad: rule("d, x", kinds=FRESH, jvp="linear",
                                d="imag_grad_transpose(g, d, x)"),
}
_MASKED = "d, a, deviation, axis, ddof, keepdims, where, std, skip_nan"
RULES[reductions.masked_var_grad] = rule(
    "d, a, deviation, axis=None, ddof=0, keepdims=False, where=None, std=False, "
    "skip_nan=False", kinds=FRESH,
    jvp={"d": "masked_var_grad(g, a, deviation, axis, ddof, keepdims, where, std, skip_nan)",
         "a": f"masked_var_grad_tangent_a(g, {_MASKED})",
         "deviation": f"masked_var_grad_tangent_deviation(g, {_MASKED})"},
    d=f"masked_var_grad_adjoint_d(g, {_MASKED})",
    a=f"masked_var_grad_adjoint_a(g, {_MASKED})",
    deviation=f"masked_var_grad_adjoint_deviation(g, {_MASKED})")
_PROD = "d, a, axis, keepdims, where, initial, skip_nan"
RULES[reductions.masked_prod_grad] = rule(
    "d, a, axis, keepdims, where, initial=None, skip_nan=False", kinds=FRESH,
    jvp={"d": "masked_prod_grad(g, a, axis, keepdims, where, initial, skip_nan)",
         "a": f"masked_prod_grad_tangent_a(g, {_PROD})"},
    d=f"masked_prod_grad_adjoint_d(g, {_PROD})", a=f"masked_prod_grad_adjoint_a(g, {_PROD})")

_TRAPEZOID = "d, y, x, dx, axis, wrt"
RULES[numpy_added.trapezoid_grad] = rule(
    "d, y, x, dx, axis, wrt", kinds=FRESH,
    jvp={p: f"trapezoid_grad_tangent(g, {_TRAPEZOID}, {p!r})" for p in ("d", "y", "x", "dx")},
    d=f"trapezoid_grad_transpose(g, {_TRAPEZOID})",
    **{p: f"trapezoid_grad_adjoint(g, {_TRAPEZOID}, {p!r})" for p in ("y", "x", "dx")})

_FUNCTIONS = tuple((f.__name__, f) for f in (summed_to,))
RULES = {f: replace(r, functions=_FUNCTIONS) for f, r in RULES.items()}

NONDIFF: dict = {}
HELPERS = {name: obj for name, obj in list(globals().items())
           if callable(obj) and not name.startswith("_") and getattr(obj, "__module__", "")
           == __name__}


# --------------------------------------------------------------------------- np.cov
# cov_grad(d, m, y, ...) = (D + D^T) Xc W / fact, split into m's and y's parts: linear in d
# and in the stacked rows X (centred, weighted); fact and the weights are constants.

def _cov_zeros(value):
    return None if value is None else np.zeros(np.shape(value))


def cov_grad_tangent(t, d, m, y, rowvar, bias, ddof, fweights, aweights, wrt, along):
    """cov_grad along the tangent t of d, m or y (the other operand's tangent zero)."""
    if _zero(t) or along != "d" and _zero(d):
        return 0.0
    if along == "d":
        return numpy_added.cov_grad(t, m, y, rowvar, bias, ddof, fweights, aweights, wrt)
    t = np.broadcast_to(t, np.shape(m if along == "m" else y))
    moved_m, moved_y = (t, _cov_zeros(y)) if along == "m" else (np.zeros(np.shape(m)), t)
    return numpy_added.cov_grad(d, moved_m, moved_y, rowvar, bias, ddof, fweights, aweights,
                                wrt)


def _stacked(g, m, y, rowvar, wrt):
    """The cotangent g of cov_grad's part `wrt` as a cotangent of the stacked rows X."""
    zero_m, zero_y = np.zeros(np.shape(m)), _cov_zeros(y)
    parts = (g, zero_y) if wrt == "m" else (zero_m, g)
    X, *_ = numpy_added._cov_parts(parts[0], parts[1], rowvar, True, 0, None, None)
    return X


def cov_grad_adjoint(g, d, m, y, rowvar, bias, ddof, fweights, aweights, wrt, along):
    """The adjoint of cov_grad in d ((H Wc^T + its transpose) / fact, H the stacked
    cotangent) or in m or y (the centring and weighting transposed, after (D + D^T) H)."""
    if _zero(g) or along != "d" and _zero(d):
        return 0.0
    X, weighted, centred, fact = numpy_added._cov_parts(m, y, rowvar, bias, ddof, fweights,
                                                        aweights)
    H = _stacked(np.broadcast_to(g, np.shape(m if wrt == "m" else y)), m, y, rowvar, wrt)
    if along == "d":
        part = H @ weighted.T / fact
        return np.reshape(part + part.T, np.shape(d))
    D = np.reshape(as_array(d), (X.shape[0], X.shape[0]))
    P = (D + D.T) @ H / fact
    w = numpy_added._cov_weights(fweights, aweights)
    if w is None:
        gX = P - np.mean(P, axis=1, keepdims=True)
    else:
        Pw = P * w
        gX = Pw - np.sum(Pw, axis=1, keepdims=True) * w / np.sum(w)
    return numpy_added._cov_split(gX, m, y, rowvar)[0 if along == "m" else 1]


_COV = "d, m, y, rowvar, bias, ddof, fweights, aweights, wrt"
RULES[numpy_added.cov_grad] = replace(rule(
    "d, m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, wrt='m'",
    kinds=FRESH,
    jvp={p: f"cov_grad_tangent(g, {_COV}, {p!r})" for p in ("d", "m", "y")},
    **{p: f"cov_grad_adjoint(g, {_COV}, {p!r})" for p in ("d", "m", "y")},
    fweights="no_derivative(g, 'the fweights of np.cov')",
    aweights="no_derivative(g, 'the aweights of np.cov')"), functions=_FUNCTIONS)
HELPERS.update(cov_grad_tangent=cov_grad_tangent, cov_grad_adjoint=cov_grad_adjoint)


# ---------------------------------------------------------- np.average, in its weights
# average = sum(W a) / total over the axes, W the weights laid against a, total = sum(W):
# average_grad(d, ...) = D W / total (d kept over the axes, as D) and
# average_grad_weights(d, ...) = to_weights(D (a - average) / total), to_weights the sum
# of an a-shaped array down to the weights' shape (the transpose of laying them out).

def _average_parts(a, weights, axis):
    """(a, the axes, W laid against a and broadcast, total kept)."""
    a = as_array(a)
    _real("np.average", a, weights)
    axes = _axes(axis, a.ndim)
    W = np.broadcast_to(reductions._weights_like(weights, a, axes), a.shape)
    return a, axes, W, np.sum(W, axis=axes, keepdims=True)


def _to_weights(full, weights, a, axes):
    """An a-shaped array summed down to the weights' shape (as average_grad_weights)."""
    if np.shape(weights) == a.shape:
        return full
    others = tuple(i for i in range(a.ndim) if i not in axes)
    reduced = np.sum(full, axis=others)
    order = sorted(axes)
    return np.transpose(reduced, [order.index(i) for i in axes]).reshape(np.shape(weights))


def _laid(h, weights, a, axes):
    """A weights-shaped h laid against a and broadcast (the transpose of _to_weights)."""
    return np.broadcast_to(reductions._weights_like(h, a, axes), a.shape)


def average_grad_tangent_weights(t, d, a, axis=None, weights=None, keepdims=False):
    """average_grad = D W / total along the weights' tangent t: D (T / total - W sum(T) /
    total^2), T the tangent laid against a."""
    if _zero(t) or _zero(d):
        return 0.0
    a, axes, W, total = _average_parts(a, weights, axis)
    T = _laid(np.broadcast_to(t, np.shape(weights)), weights, a, axes)
    D = _keep(d, a.ndim, axes, keepdims)
    return D * (T / total - W * np.sum(T, axis=axes, keepdims=True) / total ** 2)


def average_grad_adjoint_weights(g, d, a, axis=None, weights=None, keepdims=False):
    if _zero(g) or _zero(d):
        return 0.0
    a, axes, W, total = _average_parts(a, weights, axis)
    K = np.broadcast_to(g, a.shape) * _keep(d, a.ndim, axes, keepdims) / total
    q = np.sum(K * W, axis=axes, keepdims=True) / total
    return _to_weights(K - q, weights, a, axes)


def average_grad_weights_tangent(t, d, a, result, axis=None, weights=None, keepdims=False,
                                 along="d"):
    """average_grad_weights(d, a, result, ...) along the tangent t of d, a, the average
    (`result`) or the weights (through total only)."""
    if _zero(t) or along != "d" and _zero(d):
        return 0.0
    a, axes, W, total = _average_parts(a, weights, axis)
    D = _keep(t if along == "d" else d, a.ndim, axes, keepdims)
    R = _keep(result, a.ndim, axes, keepdims)
    if along == "d":
        full = D * (a - R) / total
    elif along == "a":
        full = D * t / total
    elif along == "result":
        full = -D * _keep(t, a.ndim, axes, keepdims) / total
    else:
        T = _laid(np.broadcast_to(t, np.shape(weights)), weights, a, axes)
        full = -D * (a - R) * np.sum(T, axis=axes, keepdims=True) / total ** 2
    return _to_weights(np.broadcast_to(full, a.shape), weights, a, axes)


def average_grad_weights_adjoint(g, d, a, result, axis=None, weights=None, keepdims=False,
                                 along="d"):
    """The adjoint of average_grad_weights in d, a, the average or the weights."""
    if _zero(g) or along != "d" and _zero(d):
        return 0.0
    a, axes, W, total = _average_parts(a, weights, axis)
    H = _laid(np.broadcast_to(g, np.shape(weights)), weights, a, axes)
    R = _keep(result, a.ndim, axes, keepdims)
    if along == "d":
        return np.reshape(np.sum(H * (a - R) / total, axis=axes, keepdims=keepdims),
                          np.shape(d))
    D = _keep(d, a.ndim, axes, keepdims)
    if along == "a":
        return H * D / total
    if along == "result":
        return np.reshape(-np.sum(H * D / total, axis=axes, keepdims=keepdims),
                          np.shape(result))
    q = -np.sum(H * D * (a - R), axis=axes, keepdims=True) / total ** 2
    return _to_weights(np.broadcast_to(q, a.shape), weights, a, axes)


_AVERAGE = "d, a, result, axis, weights, keepdims"
RULES[reductions.average_grad_weights] = replace(rule(
    "d, a, result, axis=None, weights=None, keepdims=False", kinds=FRESH,
    jvp={p: f"average_grad_weights_tangent(g, {_AVERAGE}, {p!r})"
         for p in ("d", "a", "result", "weights")},
    **{p: f"average_grad_weights_adjoint(g, {_AVERAGE}, {p!r})"
       for p in ("d", "a", "result", "weights")}), functions=_FUNCTIONS)
HELPERS.update({f.__name__: f for f in (
    average_grad_tangent_weights, average_grad_adjoint_weights, average_grad_weights_tangent,
    average_grad_weights_adjoint)})


# -------------------------------------------------------------------------- np.angle
# angle_grad(d, x) = -1j Re(d) conj(x) / |x|^2 = -1j Re(d) / x: real-linear in d,
# holomorphic in x (its derivative 1j Re(d) / x^2); no derivative at x = 0, as np.angle's.

def _inverse(x):
    x = as_array(x)
    return np.conj(x) / (x.real ** 2 + x.imag ** 2)


def angle_grad_tangent_x(t, d, x):
    if _zero(t) or _zero(d):
        return 0.0
    return 1j * np.real(d) * t * _inverse(x) ** 2


def angle_grad_adjoint(g, d, x, along):
    """In d: Re(g c) with c = -1j / x (Re(d) c has that adjoint, dL/dRe - i dL/dIm); in x:
    g times the derivative, its real part for a real x."""
    if _zero(g) or along == "x" and _zero(d):
        return 0.0
    if along == "d":
        return summed_to(np.real(-1j * g * _inverse(x)), d)
    moved = 1j * g * np.real(d) * _inverse(x) ** 2
    return summed_to(moved if np.iscomplexobj(x) else np.real(moved), x)


RULES[numpy_rules.angle_grad] = replace(rule(
    "d, x", kinds=FRESH,
    jvp={"d": "angle_grad(g, x)", "x": "angle_grad_tangent_x(g, d, x)"},
    d="angle_grad_adjoint(g, d, x, 'd')", x="angle_grad_adjoint(g, d, x, 'x')"),
    functions=_FUNCTIONS)
HELPERS.update({f.__name__: f for f in (angle_grad_tangent_x, angle_grad_adjoint)})
# x.astype(dtype)'s adjoint: g again for a float result, 0 for a truncating one (linear in g)
RULES[support.astype_grad] = replace(rule(
    "d, result", kinds=FRESH, jvp="linear", d="astype_grad(g, result)",
    batch={"d": "astype_grad(g, result)"}), functions=_FUNCTIONS)
