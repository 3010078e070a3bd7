"""The helpers several rule families share: the known-zero gradient and axis handling,
spreading a reduced gradient back (`unreduce`), matrix products (for `@`, np.matmul and the
reverse pass's sums over loops), powers, `abs`, reshaping a gradient to its operand, and
`no_derivative`. A helper only one family uses lives beside that family's rules
(`rules.numpy`, `rules.reductions`, `rules.linear_algebra`, `rules.shape`, ...).

Like `pullback.runtime`, every helper here accepts a gradient that is a known
zero (the float 0.0) as well as scalars and arrays, and never mutates its inputs.
"""

from __future__ import annotations

from ..errors import PullbackError
from ..runtime.helpers import (  # np, math: as imported
    _shape,
    as_array,
    is_foreign_array,
    math,
    namespace_of,
    np,
    unbroadcast,
    zeros_like,
)


def _zero(g) -> bool:
    """Is g the known-zero gradient (the float 0.0)?"""
    return g.__class__ is float and g == 0.0


def _array(x):
    """x, with a Python list, tuple or range, or an array-like without operators (an
    `arr.flat` iterator, any object NumPy reads through `__array__` alone) made an array,
    for helpers that apply operators or array attributes to it."""
    if isinstance(x, (list, tuple, range)) or (
            hasattr(x.__class__, "__array__") and not hasattr(x.__class__, "__mul__")):
        return np.asarray(x)
    return x


def map_grad(fn, g, *args, **kwargs):
    """fn(g, *args, **kwargs), or the known zero when g is: for rules whose gradient is a
    linear rearrangement of g (swapaxes, flip, roll, ...)."""
    if _zero(g):
        return 0.0
    return fn(g, *args, **kwargs)


def _axes(axis, ndim) -> tuple:
    """`axis` (None, an int or a sequence) as a tuple of non-negative axes, in the order given."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        return tuple(int(a) % ndim if ndim else int(a) for a in axis)
    return (int(axis) % ndim if ndim else int(axis),)


def _keep(v, ndim, axes, keepdims):
    """The result `v` of a reduction over `axes` of an ndim-array, with the reduced axes kept
    (size 1), so that it broadcasts against the reduced array."""
    v = as_array(v)
    if keepdims or not axes:
        return v
    return np.expand_dims(v, tuple(sorted(axes)))


def unreduce(g, x, axis=None, keepdims=False):
    """Spread the gradient of a reduction of `x` back over `x`'s shape (a new array)."""
    if _zero(g):
        return 0.0
    shape = _shape(x)
    if not shape:
        return g
    # (a number g, as from a zero that arithmetic made np.float64(0.0), is the same for
    # every element: it spreads as it is)
    if not keepdims and axis is not None and g.__class__ is not float and np.ndim(g):
        kept = list(shape)
        for a in _axes(axis, len(shape)):
            kept[a] = 1
        g = g.reshape(kept)  # the reduced axes back, as size 1
    if x.__class__ is not np.ndarray and is_foreign_array(x) \
            or g.__class__ is not np.ndarray and is_foreign_array(g):
        return _spread_foreign(g, x)
    if g.__class__ is np.ndarray:
        dtype = g.dtype
    else:  # a float seed keeps a float32 x's precision
        dtype = np.result_type(g, x.dtype if x.__class__ is np.ndarray and x.dtype.kind in "fc"
                               else float)
    out = np.empty(shape, dtype)
    out[...] = g
    return out


def _spread_foreign(g, x):
    """unreduce's new array for an x or g of another library: zeros like x plus g, lazy
    for Dask (a NumPy array of x's shape would be the size of the data)."""
    if is_foreign_array(x):
        return zeros_like(x) + g
    return namespace_of(g).broadcast_to(g, _shape(x))


def expand_reduced(g, x, axis=None, keepdims=False):
    """g with the axes a reduction of `x` removed put back as size-1 axes: it broadcasts
    against x (for `unreduce(g, x, ...) * x`, the product spreads g itself)."""
    if _zero(g) or keepdims or axis is None or g.__class__ is float:
        return g
    shape = _shape(x)
    kept = list(shape)
    for a in _axes(axis, len(shape)):
        kept[a] = 1
    return g.reshape(kept)


def _ndim(x):
    return x.ndim if x.__class__ is np.ndarray else np.ndim(x)


def _outer(a, b):
    """np.multiply.outer(a, b) for a vector b: a[..., None] * b for arrays of libraries
    whose ufuncs have no .outer (array API)."""
    if namespace_of(a) is np and namespace_of(b) is np:
        return np.multiply.outer(a, b)
    return a[..., None] * b


def _swap_last(a):
    """a with its last two axes swapped."""
    return np.swapaxes(a, -1, -2) if namespace_of(a) is np else a.mT


def matmul_grad_a(g, a, b):
    """Gradient of a @ b with respect to a (NumPy's matmul rules, 1-D cases included)."""
    if g.__class__ is float and g == 0.0:  # a gradient known to be zero
        return 0.0
    if g.__class__ is np.ndarray and a.__class__ is np.ndarray and b.__class__ is np.ndarray \
            and a.ndim == 2 and b.ndim == 2:
        return g.dot(b.T)  # = g @ b.T, without matmul's fixed cost (half a microsecond)
    if a.__class__ is not np.ndarray or b.__class__ is not np.ndarray:
        a, b = _array(a), _array(b)
    an, bn = _ndim(a), _ndim(b)
    if an == 2 and bn == 2:
        return g @ b.T
    if bn == 1:
        if an == 1:
            return g * b
        if an == 2:
            return _outer(g, b)
        return unbroadcast(g[..., None] * b, a)
    if an == 1:
        return unbroadcast((b @ g[..., None])[..., 0], a)
    if an == 2 and bn == 2:
        return g @ b.T
    return unbroadcast(g @ _swap_last(b), a)


def matmul_grad_b(g, a, b):
    """Gradient of a @ b with respect to b."""
    if g.__class__ is float and g == 0.0:
        return 0.0
    if g.__class__ is np.ndarray and a.__class__ is np.ndarray and b.__class__ is np.ndarray \
            and a.ndim == 2 and b.ndim < 3:
        # a loop's matrix-vector step: ndarray.dot is the same product for 1-D and 2-D
        # operands, without matmul's fixed cost (half a microsecond, more than a 32 x 32
        # product itself)
        return a.T.dot(g) if b.ndim == 2 else g.dot(a)
    if a.__class__ is not np.ndarray or b.__class__ is not np.ndarray:
        a, b = _array(a), _array(b)
    an, bn = _ndim(a), _ndim(b)
    if an == 2 and bn < 3:
        return a.T @ g if bn == 2 else g @ a
    if an == 1:
        if bn == 1:
            return g * a
        if bn == 2:
            return _outer(a, g)
        return unbroadcast(a[:, None] * g[..., None, :], b)
    if bn == 1:
        if an == 2:
            return g @ a
        return unbroadcast((_swap_last(a) @ g[..., None])[..., 0], b)
    if an == 2 and bn == 2:
        return a.T @ g
    return unbroadcast(_swap_last(a) @ g, b)


def _as_rows(parts):
    """The two factors of the recorded pairs as two matrices, one row per pair, when every
    factor is a vector (of one length on each side); else None."""
    if not parts:
        return None
    first, second = zip(*parts)
    if any(is_foreign_array(p) for p in first + second):
        return None  # stacking arrays of another library into NumPy would compute them
    try:
        rows = np.array(first), np.array(second)
    except ValueError:  # ragged: a known-zero 0.0 among vectors, or different lengths
        return None
    if any(m.ndim != 2 or m.dtype == object for m in rows):
        return None
    return rows


def sum_matmul_grad_a(parts, a):
    """The sum of matmul_grad_a(g, a, b) over the (g, b) pairs a loop recorded: one
    matrix product for the common matrix-times-vector case."""
    rows = _as_rows(parts) if _ndim(a) == 2 else None
    if rows is not None:
        return rows[0].T @ rows[1]
    total = 0.0
    for g, b in parts:
        total = total + matmul_grad_a(g, a, b)
    return total


def sum_matmul_grad_b(parts, b):
    """The sum of matmul_grad_b(g, a, b) over the (g, a) pairs a loop recorded."""
    rows = _as_rows(parts) if _ndim(b) == 2 else None
    if rows is not None:
        return rows[1].T @ rows[0]
    total = 0.0
    for g, a in parts:
        total = total + matmul_grad_b(g, a, b)
    return total


def reshape_like(g, a):
    """g (the gradient of a reshaped a) in a's shape."""
    if g.__class__ is float:
        return g
    shape = a.shape if a.__class__ is np.ndarray else np.shape(a)
    return g.reshape(shape) if g.__class__ is np.ndarray else np.reshape(g, shape)


def reshape_to(g, recorded):
    """`reshape_like(g, a)` from `record_shape(a)`."""
    if recorded.__class__ is list:
        return reshape_like(g, recorded[0])
    if g.__class__ is float:
        return g
    return g.reshape(recorded) if g.__class__ is np.ndarray else np.reshape(g, recorded)


def grad_over(g, d):
    """g / d (a root's derivative: np.sqrt's g / (2 sqrt x)), where a zero g gives 0 even
    at d == 0 (a value that does not move, as the tangent of np.sqrt(np.maximum(v, 0.0))
    at v < 0, has a zero tangent and gradient, where g / 0 would be NaN); otherwise at
    d == 0 +-inf (the one-sided derivative, also of a Python float: math.sqrt(0.0), where
    g / d would raise)."""
    if d.__class__ is float or d.__class__ is np.float64:
        if d:
            return g / d
        if g.__class__ is float:
            return 0.0 if g == 0 else math.copysign(math.inf, g)
    elif d.__class__ is np.ndarray and np.all(d):  # (no zero: as it is, without the
        return g / d  # error state's cost; another library's array stays lazy)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.equal(g, 0), 0.0, np.divide(g, d))


def pow_grad_base(g, a, b):
    """The gradient of a ** b with respect to a; zero where b == 0 (even at a == 0), and
    where g is (as grad_over: `np.maximum(v, 0.0) ** 0.5` at v < 0, whose tangent and
    gradient are 0 where a ** (b - 1) is infinite)."""
    a, b = _array(a), _array(b)
    if np.ndim(b) == 0:
        if b == 0:
            return g * 0.0
        # no infinite a ** (b - 1) (asked of NumPy's arrays: another library's stays lazy)
        no_zero = np.all(a) if a.__class__ is np.ndarray else not np.ndim(a) and a != 0
        if np.isrealobj(b) and b >= 1 or no_zero:
            return g * b * a ** (b - 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(np.equal(g, 0), 0.0, g * b * np.power(a, b - 1.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((b == 0) | np.equal(g, 0), 0.0, g * b * np.power(a, b - 1.0))


def pow_grad_exponent(g, a, ans):
    """The gradient of a ** b with respect to b; zero where a == 0 (its limit for b > 0)
    and where g is (an exponent that does not move — forward mode's zero tangent of an
    integer exponent taken from a loop's record — contributes nothing, even on a negative
    base); nan where a < 0 otherwise (a ** b is not real-differentiable in b there)."""
    a = _array(a)
    if np.ndim(a) == 0 and np.ndim(g) == 0:
        if g == 0 or a == 0:
            return g * 0.0
        if np.iscomplexobj(a):
            return g * ans * np.log(a)
        return g * ans * math.log(a) if a > 0 else g * ans * math.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((a == 0) | (g == 0), 0.0, g * ans * np.log(np.where(a == 0, 1.0, a)))


def truncated(ans) -> bool:
    """Whether a result's dtype dropped its derivative (integer or bool: the conversion
    truncated, so the gradient is zero); False for float and complex. Any other dtype
    (object, text, dates) is refused: an object array's elements are Python objects,
    which the rules do not differentiate (its gradient was dropped as zero)."""
    kind = np.dtype(as_array(ans).dtype).kind
    if kind in "fc":
        return False
    if kind in "iub":
        return True
    raise PullbackError(f"an array of dtype {as_array(ans).dtype} holding values being "
                        "differentiated: pullback differentiates float and complex arrays; "
                        "make it one (dtype=float)")


def astype_grad(g, ans):
    """x.astype(dtype): the gradient passes for a float result and vanishes for an
    integer one (the conversion truncated)."""
    return 0.0 if truncated(ans) else g


# --------------------------------------------------------------------- elementwise


# ---------------------------------------------------------------------- reductions


def abs_grad(g, x):
    """|x|: the sign of x, and for a complex x its conjugate over |x|. Gradients of complex
    values follow autograd's convention (dL/dRe - i dL/dIm); a function with a real result
    takes only the real part of its gradient g, as its imaginary part cannot vary."""
    sign = np.sign(x)
    if sign.__class__ is not float and np.iscomplexobj(sign):
        return np.real(g) * np.conj(sign)
    return g * sign


def _real_only(x, what):
    if np.iscomplexobj(x):
        raise PullbackError(
            f"no derivative rule for {what} of a complex value (it is not holomorphic, and "
            "pullback has no rule for its complex form): take np.abs or np.real first")


# ------------------------------------------------------------------ linear algebra


# -------------------------------------------------------------------------- shape


# --------------------------------------------------------- construction, sorting


# ------------------------------------------------ NumPy rules added for autograd parity


def no_derivative(g, what):
    """The template of a parameter pullback does not differentiate with respect to, though
    the function varies with it (np.quantile's q): an error when a gradient reaches it."""
    if _zero(g):
        return 0.0
    raise PullbackError(
        f"no derivative rule for {what}: it is not differentiated by pullback, and a value "
        "being differentiated reaches it; pass a constant there (or wrap it in "
        "pullback.stop_gradient)")


HELPERS = {
    name: obj
    for name, obj in globals().items()
    if callable(obj) and not name.startswith("_") and obj.__module__ == __name__
}
