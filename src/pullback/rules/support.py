"""Helpers that derivative rule templates call (the mathematics of particular rules).

Like `pullback.runtime`, every helper here accepts a gradient that is a known
zero (the float 0.0) as well as scalars and arrays, and never mutates its inputs.
"""

from __future__ import annotations

from ..errors import PullbackError
from ..runtime.helpers import GradList, _shape, math, np, unbroadcast  # np, math: as imported


def _zero(g) -> bool:
    """Is g the known-zero gradient (the float 0.0)?"""
    return g.__class__ is float and g == 0.0


def _array(x):
    """x, with a Python list or tuple (an argument NumPy reads as an array) made an array,
    for helpers that apply operators or array attributes to it."""
    return np.asarray(x) if isinstance(x, (list, tuple)) else x


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
    v = np.asarray(v)
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
    if not keepdims and axis is not None and g.__class__ is not float:
        kept = list(shape)
        for a in _axes(axis, len(shape)):
            kept[a] = 1
        g = g.reshape(kept)  # the reduced axes back, as size 1
    if g.__class__ is np.ndarray:
        dtype = g.dtype
    else:  # a float seed keeps a float32 x's precision
        dtype = np.result_type(g, x.dtype if x.__class__ is np.ndarray and x.dtype.kind in "fc"
                               else float)
    out = np.empty(shape, dtype)
    out[...] = g
    return out


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


def matmul_grad_a(g, a, b):
    """Gradient of a @ b with respect to a (NumPy's matmul rules, 1-D cases included)."""
    if g.__class__ is float and g == 0.0:  # a gradient known to be zero
        return 0.0
    if a.__class__ is not np.ndarray or b.__class__ is not np.ndarray:
        a, b = _array(a), _array(b)
    an, bn = _ndim(a), _ndim(b)
    if an == 2 and bn == 2:
        return g @ b.T
    if bn == 1:
        if an == 1:
            return g * b
        if an == 2:
            return np.multiply.outer(g, b)
        return unbroadcast(g[..., None] * b, a)
    if an == 1:
        return unbroadcast((b @ g[..., None])[..., 0], a)
    if an == 2 and bn == 2:
        return g @ b.T
    return unbroadcast(g @ np.swapaxes(b, -1, -2), a)


def matmul_grad_b(g, a, b):
    """Gradient of a @ b with respect to b."""
    if g.__class__ is float and g == 0.0:
        return 0.0
    if a.__class__ is not np.ndarray or b.__class__ is not np.ndarray:
        a, b = _array(a), _array(b)
    an, bn = _ndim(a), _ndim(b)
    if an == 2 and bn < 3:
        return a.T @ g if bn == 2 else g @ a
    if an == 1:
        if bn == 1:
            return g * a
        if bn == 2:
            return np.multiply.outer(a, g)
        return unbroadcast(a[:, None] * g[..., None, :], b)
    if bn == 1:
        if an == 2:
            return g @ a
        return unbroadcast((np.swapaxes(a, -1, -2) @ g[..., None])[..., 0], b)
    if an == 2 and bn == 2:
        return a.T @ g
    return unbroadcast(np.swapaxes(a, -1, -2) @ g, b)


def _as_rows(parts):
    """The two factors of the recorded pairs as two matrices, one row per pair, when every
    factor is a vector (of one length on each side); else None."""
    if not parts:
        return None
    first, second = zip(*parts)
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


def pow_grad_base(g, a, b):
    """The gradient of a ** b with respect to a; zero where b == 0 (even at a == 0)."""
    a, b = _array(a), _array(b)
    if np.ndim(b) == 0:
        return g * 0.0 if b == 0 else g * b * a ** (b - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b == 0, 0.0, g * b * np.power(a, b - 1.0))


def pow_grad_exponent(g, a, ans):
    """The gradient of a ** b with respect to b; zero where a == 0 (its limit for b > 0)."""
    a = _array(a)
    if np.ndim(a) == 0:
        return g * 0.0 if a == 0 else g * ans * math.log(a)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a == 0, 0.0, g * ans * np.log(np.where(a == 0, 1.0, a)))


def full_grad(g, fill_value, ans):
    """The gradient of np.full / np.full_like with respect to the fill value (zero when
    the result's integer dtype truncated it)."""
    if np.asarray(ans).dtype.kind not in "fc":
        return 0.0
    return unbroadcast(g, fill_value)


def astype_grad(g, ans):
    """x.astype(dtype): the gradient passes for a float result and vanishes for an
    integer one (the conversion truncated)."""
    if np.asarray(ans).dtype.kind not in "fc":
        return 0.0
    return g


# --------------------------------------------------------------------- elementwise


def clip_grad(g, a, a_min, a_max):
    """np.clip(a, a_min, a_max) = minimum(maximum(a, a_min), a_max): a keeps the gradient
    where a_min <= a <= a_max (either bound may be None)."""
    a, a_min, a_max = _array(a), _array(a_min), _array(a_max)
    mask = True
    if a_min is not None:
        mask = mask & (a >= a_min)
    if a_max is not None:
        mask = mask & (a <= a_max)
    return g * mask


def clip_grad_min(g, a, a_min, a_max):
    """The lower bound gets the gradient where it is the result: a < a_min <= a_max."""
    a, a_min, a_max = _array(a), _array(a_min), _array(a_max)
    mask = a < a_min
    if a_max is not None:
        mask = mask & (a_min <= a_max)
    return g * mask


def clip_grad_max(g, a, a_min, a_max):
    """The upper bound gets the gradient where it is the result: maximum(a, a_min) > a_max."""
    a, a_max = _array(a), _array(a_max)
    return g * ((a if a_min is None else np.maximum(a, a_min)) > a_max)


def sinc_grad(g, x):
    """d/dx sin(pi x) / (pi x) = (cos(pi x) - sinc(x)) / x, and 0 at x = 0."""
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(x == 0.0, 0.0, (np.cos(np.pi * x) - np.sinc(x)) / np.where(x == 0, 1.0, x))
    return g * d


# ---------------------------------------------------------------------- reductions


def abs_grad(g, x):
    """|x|: the sign of x, and for a complex x its conjugate over |x|. Gradients of complex
    values follow autograd's convention (dL/dRe - i dL/dIm); a function with a real result
    takes only the real part of its gradient g, as its imaginary part cannot vary."""
    sign = np.sign(x)
    if sign.__class__ is not float and np.iscomplexobj(sign):
        return np.real(g) * np.conj(sign)
    return g * sign


def real_grad(g, x):
    """np.real(x): the gradient of the real part, as a complex value when x is complex."""
    return np.real(g) + 0j if np.iscomplexobj(x) else g


def imag_grad(g, x):
    """np.imag(x): -1j * g for a complex x; the imaginary part of a real x is 0."""
    return -1j * np.real(g) if np.iscomplexobj(x) else 0.0 * g


def angle_grad(g, x):
    """np.angle(x) = atan2(Im x, Re x): -1j * g * conj(x) / |x|^2."""
    x = np.asarray(x)
    return -1j * np.real(g) * np.conj(x) / (x.real ** 2 + x.imag ** 2)


def _real_only(x, what):
    if np.iscomplexobj(x):
        raise PullbackError(
            f"no derivative rule for {what} of a complex value (it is not holomorphic, and "
            "pullback has no rule for its complex form): take np.abs or np.real first")


# ------------------------------------------------------------------ linear algebra


# -------------------------------------------------------------------------- shape


# --------------------------------------------------------- construction, sorting


def array_grad(g, obj, ans):
    """np.array(obj): the gradient split back into obj's nesting (lists of lists of ...),
    or g in obj's shape for an array. Zero when the dtype truncated."""
    if _zero(g) or np.asarray(ans).dtype.kind not in "fc":
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
    a = np.asarray(a)
    out = np.zeros(a.shape, dtype=np.result_type(a, g, float))
    if axis is None:
        flat = out.reshape(-1)
        flat[np.argsort(a, axis=None, kind="stable")] = np.ravel(g)
        return flat.reshape(a.shape)
    np.put_along_axis(out, np.argsort(a, axis=axis, kind="stable"), g, axis)
    return out


# ------------------------------------------------ NumPy rules added for autograd parity


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
    g = np.asarray(g)
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
    f = np.asarray(f)
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


def partition_grad(g, a, ans, axis=-1):
    """np.partition permutes a: the k-th smallest value of the result goes back to the
    k-th smallest of a (both ranked stably), which matches values to where they came from."""
    if _zero(g):
        return 0.0
    a = np.asarray(a)
    if axis is None:
        return np.reshape(partition_grad(g, np.ravel(a), ans, 0), a.shape)
    source = np.argsort(a, axis=axis, kind="stable")
    target = np.argsort(ans, axis=axis, kind="stable")
    out = np.zeros(a.shape, dtype=np.result_type(a, g, float))
    np.put_along_axis(out, source, np.take_along_axis(np.broadcast_to(g, a.shape), target,
                                                      axis), axis)
    return out


def linspace_grad(g, start, stop, num, endpoint, axis, wrt, ans):
    """np.linspace = start + (stop - start) * t with t from 0 to 1 (or below 1 without the
    endpoint): start gets g summed with weights 1 - t, stop with weights t. Zero when an
    integer dtype truncated the result."""
    if _zero(g) or np.asarray(ans).dtype.kind not in "fc":
        return 0.0
    t = np.linspace(0.0, 1.0, num, endpoint=endpoint)
    g = np.asarray(g)
    axis = axis % g.ndim
    t = np.reshape(t, (-1,) + (1,) * (g.ndim - 1 - axis))
    weighted = np.sum(g * (1.0 - t if wrt == "start" else t), axis=axis)
    return unbroadcast(weighted, start if wrt == "start" else stop)


def _full_convolution_grad(g, a, v, mode):
    """g of np.convolve(a, v, mode) placed in the full convolution's length (the other
    modes keep a centred part of it)."""
    n, m = np.size(a), np.size(v)
    if mode == "full":
        return np.asarray(g)
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
    return np.convolve(full, np.asarray(other)[::-1], "valid")


def select_grad(g, condlist, choicelist, ans):
    """np.select takes each element from the first choice whose condition holds."""
    if _zero(g):
        return 0.0
    taken = np.zeros(np.shape(ans), dtype=bool)
    grads = []
    for cond, choice in zip(condlist, choicelist):
        here = np.asarray(cond) & ~taken
        taken = taken | here
        grads.append(unbroadcast(np.where(here, g, 0.0), choice))
    return GradList(grads)


def select_default_grad(g, condlist, default, ans):
    if _zero(g):
        return 0.0
    taken = np.zeros(np.shape(ans), dtype=bool)
    for cond in condlist:
        taken = taken | np.asarray(cond)
    return unbroadcast(np.where(taken, 0.0, g), default)


def choose_grad(g, a, choices, mode="raise"):
    """np.choose(a, choices)[i] = choices[a[i]][i]: each choice gets g where it was chosen."""
    if _zero(g):
        return 0.0
    n = len(choices)
    index = np.asarray(a)
    index = index % n if mode == "wrap" else np.clip(index, 0, n - 1) if mode == "clip" \
        else index
    return GradList(unbroadcast(np.where(index == k, g, 0.0), c) for k, c in enumerate(choices))


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
