"""Numba versions of the runtime helpers that generated gradients call, for the Numba
backend (emit/numba.py). Importing this module imports numba: pullback imports it only
when that backend is asked for.

Guarantees: each helper in `HELPERS` computes, in compiled code, the numbers the NumPy
helper of the same name computes, on the values the Numba backend lets through (Python
and float64 numbers, float64 arrays being differentiated, integer arrays and numbers
read as constants). Two differences of form, none of value: a gradient NumPy keeps as
the known-zero float 0.0 is here an array of zeros of its operand's shape where an array
is needed (a Numba variable has one type), and a case a helper does not cover is a
typing error when Numba compiles the gradient (which the backend reports, or, for
`backend="auto"`, answers by running the NumPy gradient) -- never other numbers. Each
helper is a Python stub, which refuses to run uncompiled, with an `@overload` that is
what compiled code calls.

Numba keeps the helpers' compiled code on disk (unless $PULLBACK_NUMBA_HELPER_CACHE is
0; see `cached`), under the cache directory (never beside this file), for the next
process to load rather than compile: an implementation is keyed by its argument types,
its closure's values and its source file, which Numba checks for changes, and a helper
generated for given types is a module file named by the hash of its source and of this
module's source. A helper never depends on the
user's function, so a cached one is the same code the process would compile.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.util
import math
import os
import sys

import numpy as np
from numba import types
from numba.core import caching, cgutils
from numba.core.errors import TypingError
from numba.extending import intrinsic, register_jitable
from numba.extending import overload as _overload
from numba.np.arrayobj import _empty_nd_impl
from numba.np.numpy_support import as_dtype
from numba.np.unsafe.ndarray import to_fixed_tuple

from ..errors import PullbackError

HELPERS: dict = {}
__all__ = ["HELPERS"]  # and each helper's name, as it is defined: what a cached file imports


def _stub(name):
    def stub(*args):
        raise PullbackError(f"{name} is the Numba backend's helper; it runs only compiled")

    stub.__name__ = stub.__qualname__ = name
    HELPERS[name] = stub
    __all__.append(name)
    return stub


def _number(t) -> bool:
    return isinstance(t, (types.Float, types.Integer, types.Boolean))


def _literal(t, default=None):
    """The value of a literal argument (None for None and an omitted one)."""
    if not isinstance(t, types.Type):  # an omitted argument's default, as Python gives it
        return t
    if isinstance(t, (types.NoneType, types.Omitted)):
        return getattr(t, "value", default)
    if isinstance(t, types.Literal):
        return t.literal_value
    if isinstance(t, types.BaseTuple) and all(isinstance(e, types.IntegerLiteral) for e in t):
        return tuple(e.literal_value for e in t)
    raise TypingError(f"the Numba backend needs a constant here, got {t}")


def _axes(axis, ndim) -> tuple:
    if axis is None:
        return tuple(range(ndim))
    return tuple(a % ndim for a in (axis if isinstance(axis, tuple) else (axis,)))


_IDENTITY = {"max": "-np.inf", "min": "np.inf"}


def _reducing_loops(op, ndim, index, dtype) -> list:
    """Source lines adding (or taking the maximum or minimum of) each element of an
    array `g` of `ndim` axes into `out[index]`, as NumPy reduces (a NaN wins a maximum
    or minimum); `index` is the output's index written with the loop indexes i0, i1..."""
    lines = [f"{'    ' * (k + 1)}for i{k} in range(g.shape[{k}]):" for k in range(ndim)]
    pad = "    " * (ndim + 1)
    element = "g[" + "".join(f"i{k}, " for k in range(ndim)) + "]"
    if op == "sum":
        return lines + [f"{pad}out[{index}] += {element}"]
    better = ">" if op == "max" else "<"
    nan = " or np.isnan(value)" if isinstance(dtype, types.Float) else ""
    return lines + [f"{pad}value = {element}",
                    f"{pad}if value {better} out[{index}]{nan}:",
                    f"{pad}    out[{index}] = value"]


def _identity(op, dtype) -> str:
    if isinstance(dtype, types.Float):
        return _IDENTITY[op]
    info = np.iinfo(as_dtype(dtype))
    return str(info.min if op == "max" else info.max)


def _compiled(source, name):
    """The function `name` that `source` (code made from argument types) defines, taken
    from a module file in the helpers' cache directory (see `cached`) so that Numba can
    keep its compiled code on disk. The file is named by the hash of the source and of
    this module's source: the code a generated helper calls from here is part of its
    compiled code, so changed helpers are another file."""
    directory = helper_directory()
    if directory is None:
        scope = {"np": np, "math": math, "__name__": __name__, "new_array": new_array,
                 **HELPERS}
        exec(source, scope)  # noqa: S102 - code made from the argument types
        return scope[name]
    text = ("import math\n\nimport numpy as np\n\n"
            "from pullback.runtime.numba_helpers import *  # noqa: F403\n\n\n" + source)
    digest = hashlib.sha256(_own_source() + b"\0" + text.encode()).hexdigest()[:24]
    module_name = f"{_PREFIX}{digest}"
    if module_name not in sys.modules:
        path = os.path.join(directory, module_name + ".py")
        if not os.path.exists(path):
            partial = f"{path}.{os.getpid()}.tmp"
            with open(partial, "w") as f:
                f.write(text)
            os.replace(partial, path)  # whole, even with other processes writing it too
    return getattr(importlib.import_module(module_name), name)


_PREFIX = "pullback_helper_"


class _HelperModules(importlib.abc.MetaPathFinder):
    """Imports a generated helper's module by its name, as Numba's cache does when it
    loads compiled code that refers to it (a cached gradient, or a helper calling one)."""

    def find_spec(self, fullname, path=None, target=None):
        if not fullname.startswith(_PREFIX) or helper_directory() is None:
            return None
        directory = helper_directory()
        location = os.path.join(directory, fullname + ".py")
        if not os.path.exists(location):
            return None
        return importlib.util.spec_from_file_location(fullname, location)


_SOURCE: list = []


def _own_source() -> bytes:
    if not _SOURCE:
        with open(__file__, "rb") as f:
            _SOURCE.append(f.read())
    return _SOURCE[0]


def cached() -> bool:
    """Whether compiled helpers are kept on disk by Numba's cache, to be loaded by the
    next process rather than compiled again: unless $PULLBACK_NUMBA_HELPER_CACHE is 0.
    Helpers do not depend on the user's function (a gradient's own code is cached only
    with grad(..., cache=True)); Numba keys a helper's cache by its argument types and
    its source file, which it checks for changes, and by the values its closure holds."""
    return os.environ.get("PULLBACK_NUMBA_HELPER_CACHE", "1") != "0"


def cache_directory() -> str:
    """Where the Numba backend keeps compiled code on disk: $PULLBACK_CACHE_DIR, else
    ~/.cache/pullback/numba (grad(..., cache=True)'s gradients, and helpers/)."""
    return os.environ.get("PULLBACK_CACHE_DIR") or os.path.join(
        os.path.expanduser("~"), ".cache", "pullback", "numba")


_DIRECTORY: list = []


def helper_directory():
    """Where generated helpers' module files go ($PULLBACK_CACHE_DIR or
    ~/.cache/pullback/numba, under helpers/), or None when helpers are not cached or the
    directory cannot be written."""
    if not _DIRECTORY:
        directory = None
        if cached():
            directory = os.path.join(cache_directory(), "helpers")
            try:
                os.makedirs(directory, exist_ok=True)
            except OSError:
                directory = None
            if directory is not None and not os.access(directory, os.W_OK):
                directory = None
        _DIRECTORY.append(directory)
    return _DIRECTORY[0]


if not any(isinstance(f, _HelperModules) for f in sys.meta_path):
    sys.meta_path.append(_HelperModules())


try:
    _IN_TREE, _CACHE_IMPL = caching.InTreeCacheLocator, caching.CacheImpl
except AttributeError:  # their names before Numba 0.61
    _IN_TREE, _CACHE_IMPL = caching._InTreeCacheLocator, caching._CacheImpl


class _HelperCacheLocator(_IN_TREE):
    """Where Numba keeps the compiled code of the helpers defined in this file: beside the
    generated helpers' (helpers/__pycache__ in the cache directory), not in the
    __pycache__ beside this file, which holds only Python's own files (and may belong
    to an installation the user does not write to). Other functions are not located
    here (Numba asks the next locator), and Numba still checks this file for changes."""

    def __init__(self, py_func, py_file):
        super().__init__(py_func, py_file)
        self._cache_path = os.path.join(helper_directory(), "__pycache__")

    @classmethod
    def from_function(cls, py_func, py_file):
        if os.path.abspath(py_file) != os.path.abspath(__file__) \
                or helper_directory() is None:
            return None
        return super().from_function(py_func, py_file)


if not any(c.__name__ == "_HelperCacheLocator" for c in _CACHE_IMPL._locator_classes):
    _CACHE_IMPL._locator_classes.insert(0, _HelperCacheLocator)


def overload(function):
    """numba's @overload, with Numba's on-disk cache for the implementations when
    helpers are cached (see `cached`)."""
    return _overload(function, jit_options={"cache": True} if cached() else {})


def _array_type(shape, value, dtype):
    """The Numba array type `new_array(shape, value, dtype)` returns, or None."""
    if isinstance(shape, types.Integer):
        ndim = 1
    elif isinstance(shape, types.BaseTuple) and all(isinstance(t, types.Integer)
                                                     for t in shape):
        ndim = len(shape)
    else:
        return None
    if isinstance(dtype, types.NumberClass):
        element = dtype.instance_type
    elif isinstance(dtype, types.DType):
        element = dtype.dtype
    elif isinstance(dtype, (types.NoneType, types.Omitted)) and _number(value):
        element = value  # np.full's dtype: the value's
    else:
        return None
    if isinstance(element, types.Literal):
        element = element.literal_type
    return types.Array(element, ndim, "C") if _number(element) else None


@intrinsic
def new_array(typingctx, shape, value, dtype):
    """np.empty(shape, dtype) when `value` is None, else np.full(shape, value, dtype),
    written into the function that calls it. (Numba's np.empty, np.zeros and np.full
    are each a function of their own to compile, once per type of shape and dtype, and
    np.zeros is three: on a machine's first gradient these were a third of the helpers'
    compilations.) dtype None is the value's type, as np.full's."""
    array = _array_type(shape, value, dtype)
    if array is None or not (isinstance(value, types.NoneType) or _number(value)):
        return None

    def codegen(context, builder, sig, args):
        if isinstance(sig.args[0], types.Integer):
            sizes = [context.cast(builder, args[0], sig.args[0], types.intp)]
        else:
            sizes = [context.cast(builder, v, t, types.intp) for v, t in zip(
                cgutils.unpack_tuple(builder, args[0]), sig.args[0], strict=True)]
        for size in sizes:
            with builder.if_then(builder.icmp_signed("<", size, size.type(0)),
                                 likely=False):
                context.call_conv.return_user_exc(
                    builder, ValueError, ("negative dimensions are not allowed",))
        out = _empty_nd_impl(context, builder, array, sizes)
        if not isinstance(sig.args[1], types.NoneType):
            filler = context.cast(builder, args[1], sig.args[1], array.dtype)
            count = out.nitems
            with cgutils.for_range(builder, count) as loop:
                context.pack_value(builder, array.dtype, filler,
                                   builder.gep(out.data, [loop.index]))
        return out._getvalue()
    return array(shape, value, dtype), codegen


__all__.append("new_array")  # generated helpers call it


def _sum_to_stub(g, shape):
    raise PullbackError("_sum_to runs only compiled")


_sum_to = _sum_to_stub


def _summing(g, rank, second="shape", shape="shape"):
    """A jitted function of (g, `second`): g summed over the axes it was broadcast along
    to reach the shape `shape` (an expression of `second`: a non-empty tuple of `rank`
    numbers, g's shape or its trailing part with 1 for each summed axis), in one pass of
    nested loops made for g's number of axes; g itself when it has that shape. One
    function, not a chain of calls: Numba optimizes each compiled function's code with
    all it calls linked in, so each level of a chain had the code below it optimized
    once more on a gradient's first call."""
    lead = g.ndim - rank
    keeps = "".join(f"    s{m} = 0 if shape[{m}] == 1 else 1\n" for m in range(rank))
    index = "".join(f"i{lead + m} * s{m}, " for m in range(rank))
    same = "    if g.shape == shape:\n        return g\n" if g.ndim == rank else ""
    source = (f"def sum_to(g, {second}):\n    shape = {shape}\n{same}"
              f"    out = new_array(shape, 0, g.dtype)\n{keeps}"
              + "\n".join(_reducing_loops("sum", g.ndim, index, g.dtype))
              + "\n    return out\n")
    return _compiled(source, "sum_to")


@overload(_sum_to)
def _sum_to_overload(g, shape):
    return _summing(g, len(shape))


# ------------------------------------------------------------------ shapes and broadcasting

record_shape = _stub("record_shape")


@overload(record_shape)
def _record_shape(x):
    if isinstance(x, types.Array):
        return lambda x: x.shape
    if _number(x):
        return lambda x: ()
    return None


unbroadcast_to = _stub("unbroadcast_to")


@overload(unbroadcast_to)
def _unbroadcast_to(g, shape):
    if not isinstance(shape, types.BaseTuple):
        return None
    if _number(g):
        return lambda g, shape: g
    if not isinstance(g, types.Array):
        return None
    if len(shape) == 0:
        return lambda g, shape: g.sum()
    return _summing(g, len(shape))


unbroadcast = _stub("unbroadcast")


@overload(unbroadcast)
def _unbroadcast(g, x):
    if _number(g) and (_number(x) or isinstance(x, types.Array)):
        return lambda g, x: g
    if not isinstance(g, types.Array):
        return None
    if _number(x) or (isinstance(x, types.Array) and x.ndim == 0):
        return lambda g, x: g.sum()
    if isinstance(x, types.Array):
        return _summing(g, x.ndim, second="x", shape="x.shape")
    return None


def _kept_shape(x, axis):
    """A jitted function: x's shape with the axes `axis` (a literal) set to 1."""
    reduced = _axes(axis, x.ndim)
    parts = "".join("1, " if a in reduced else f"x.shape[{a}], " for a in range(x.ndim))
    return register_jitable(_compiled(f"def kept(x):\n    return ({parts})\n", "kept"))


def _kept_reshape(g, x, axis) -> str:
    """Source of g reshaped to x's shape with the axes `axis` set to 1, as NumPy's
    g.reshape (a view of a contiguous g), written out where it is used: each jitted
    function a helper calls is one more for Numba to compile and optimize again with the
    helper's code (see _summing)."""
    reduced = _axes(axis, x.ndim)
    parts = "".join("1, " if a in reduced else f"x.shape[{a}], " for a in range(x.ndim))
    source = "g" if g.layout == "C" else "np.ascontiguousarray(g)"
    return f"{source}.reshape(({parts}))"


unreduce = _stub("unreduce")


@overload(unreduce)
def _unreduce(g, x, axis=None, keepdims=False):
    if _number(x):
        return lambda g, x, axis=None, keepdims=False: g
    if not isinstance(x, types.Array):
        return None
    if _number(g):
        def spread(g, x, axis=None, keepdims=False):
            return new_array(x.shape, g, None)
        return spread
    return _compiled(f"def spread(g, x, axis=None, keepdims=False):\n"
                     f"    out = new_array(x.shape, None, g.dtype)\n"
                     f"    out[...] = {_kept_reshape(g, x, _literal(axis))}\n"
                     f"    return out\n", "spread")


expand_reduced = _stub("expand_reduced")


@overload(expand_reduced)
def _expand_reduced(g, x, axis=None, keepdims=False):
    axis_value, keep = _literal(axis), _literal(keepdims, False)
    if _number(g) or keep or axis_value is None:
        return lambda g, x, axis=None, keepdims=False: g
    if not isinstance(x, types.Array) or not isinstance(g, types.Array):
        return None
    return _compiled(f"def expand(g, x, axis=None, keepdims=False):\n"
                     f"    return {_kept_reshape(g, x, axis_value)}\n", "expand")


reshape_to = _stub("reshape_to")


@overload(reshape_to)
def _reshape_to(g, shape):
    if _number(g):
        return lambda g, shape: g
    if isinstance(g, types.Array) and isinstance(shape, types.BaseTuple):
        if len(shape) == 0:
            return lambda g, shape: g.sum()  # one element
        return lambda g, shape: np.ascontiguousarray(g).reshape(shape)
    return None


squeeze_axes = _stub("squeeze_axes")


@overload(squeeze_axes)
def _squeeze_axes(x, axis):
    """np.squeeze(x, axis) for a constant axis (or tuple of axes) of length 1."""
    if not isinstance(x, types.Array):
        return None
    axes = _axes(_literal(axis), x.ndim)
    kept = tuple(a for a in range(x.ndim) if a not in axes)
    size = len(kept)
    kept_axes = np.array(kept, dtype=np.int64)

    def impl(x, axis):
        for a in axes:
            if x.shape[a] != 1:
                raise ValueError("cannot select an axis to squeeze out which has size "
                                 "not equal to one")
        shape = new_array(size, None, np.int64)
        for k in range(size):
            shape[k] = x.shape[kept_axes[k]]
        return np.ascontiguousarray(x).reshape(to_fixed_tuple(shape, size))
    return impl


# ------------------------------------------------------------------ matrix products

# NumPy calls (by name, with this many positional arguments) that emit/numba.py writes
# as a call of the helper making the same call: the helper's compiled code is cached on
# disk, where Numba's implementation called from the gradient itself is compiled again
# in every process. (`a @ b` is `nb_matmul`, below.)
CACHED_CALLS = {"sum": ("nb_sum", 1), "full": ("nb_full", 2), "dot": ("nb_dot", 2),
                "argsort": ("nb_argsort", 1)}

nb_sum = _stub("nb_sum")


@overload(nb_sum)
def _nb_sum(x):
    """np.sum(x) of every element (emit/numba.py writes it so: Numba's implementation,
    called from the gradient, is four compilations in every process, and this helper's
    compiled code is cached)."""
    if isinstance(x, types.Array):
        return lambda x: np.sum(x)
    if _number(x):
        return lambda x: x
    return None


nb_argsort = _stub("nb_argsort")


@overload(nb_argsort)
def _nb_argsort(x):
    """np.argsort(x), of a tuple of integers too (an array, as NumPy's; the inverse of a
    transpose's axes in its gradient), which Numba's takes only as an array. Stable, as
    NumPy's sort of a short sequence is (an insertion sort)."""
    if isinstance(x, types.Array):
        return lambda x: np.argsort(x)
    if isinstance(x, types.UniTuple) and isinstance(x.dtype, types.Integer):
        return lambda x: np.argsort(np.array(x), kind="mergesort")
    return None


nb_full = _stub("nb_full")


@overload(nb_full)
def _nb_full(shape, value):
    """np.full(shape, value) (as `nb_sum`: cached, where Numba's is compiled anew)."""
    if isinstance(shape, (types.Integer, types.BaseTuple)) and _number(value):
        return lambda shape, value: new_array(shape, value, None)
    return None


# Products whose sizes multiply to at most this many are loops here; larger matrix
# products call BLAS (np.dot). A matrix-vector product is always loops: BLAS's call
# costs about 80 ns (a 32x32 matrix times a vector: 190 ns with the allocation, 70 ns as
# loops; a 32x32 matrix product 1.9 us in BLAS, 2.1 us as loops, a 16x16 one 460 and
# 415 ns).
SMALL_PRODUCT = 16384


def _fast_overload(function):
    """`overload` whose implementation may reassociate sums (and fuse a multiply and an
    add): the products' sums are vectorized, in another order than a naive loop's, as
    BLAS's are. Numbers differ from NumPy's by rounding only; NaN and inf are kept."""
    options = {"fastmath": {"reassoc", "contract"}}
    if cached():
        options["cache"] = True
    return _overload(function, jit_options=options)


nb_matmul = _stub("nb_matmul")


@_fast_overload(nb_matmul)
def _nb_matmul(a, b):
    """a @ b (emit/numba.py writes every `@` so): for float64 vectors and matrices, loops
    written into the gradient's code and cached with the helpers, where Numba's own `@`
    is a BLAS call of about 80 ns for any size and seven compilations in every process
    (its matrix-vector product, the RNN's). Larger matrix products call BLAS. Other
    operands go to Numba's `@` (which refuses what it does not implement)."""
    if not (isinstance(a, types.Array) and isinstance(b, types.Array)
            and a.dtype == types.float64 and b.dtype == types.float64
            and a.ndim in (1, 2) and b.ndim in (1, 2)):
        return lambda a, b: a @ b
    return _product(a, b)


nb_dot = _stub("nb_dot")


@_fast_overload(nb_dot)
def _nb_dot(a, b):
    """np.dot(a, b): `nb_matmul`'s loops for float64 vectors and matrices (where the two
    are the same product), else Numba's np.dot."""
    if not (isinstance(a, types.Array) and isinstance(b, types.Array)
            and a.dtype == types.float64 and b.dtype == types.float64
            and a.ndim in (1, 2) and b.ndim in (1, 2)):
        return lambda a, b: np.dot(a, b)
    return _product(a, b)


def _product(a, b):
    """The jitted product of float64 vectors and matrices (see nb_matmul)."""
    mismatch = "matmul: Input operand 1 has a mismatch in its core dimension 0"
    case = (a.ndim, b.ndim)
    if case == (1, 1):
        def inner(a, b):
            if a.shape[0] != b.shape[0]:
                raise ValueError(mismatch)
            total = 0.0
            for i in range(a.shape[0]):
                total += a[i] * b[i]
            return total
        return inner
    if case == (2, 1):
        def matvec(a, b):  # two rows at a time: each element of b read once for both
            if a.shape[1] != b.shape[0]:
                raise ValueError(mismatch)
            m, n = a.shape
            out = new_array(m, None, np.float64)
            for i in range(0, m - 1, 2):
                first = 0.0
                second = 0.0
                for j in range(n):
                    bj = b[j]
                    first += a[i, j] * bj
                    second += a[i + 1, j] * bj
                out[i] = first
                out[i + 1] = second
            if m % 2:
                total = 0.0
                for j in range(n):
                    total += a[m - 1, j] * b[j]
                out[m - 1] = total
            return out
        return matvec
    if case == (1, 2):
        def vecmat(a, b):
            if a.shape[0] != b.shape[0]:
                raise ValueError(mismatch)
            out = new_array(b.shape[1], 0.0, np.float64)
            _add_rows(out, a, b)
            return out
        return vecmat

    def matmat(a, b):
        if a.shape[1] != b.shape[0]:
            raise ValueError(mismatch)
        if a.shape[0] * a.shape[1] * b.shape[1] > SMALL_PRODUCT:
            return np.dot(np.ascontiguousarray(a), np.ascontiguousarray(b))
        out = new_array((a.shape[0], b.shape[1]), 0.0, np.float64)
        for i in range(a.shape[0]):
            _add_rows(out[i], a[i], b)
        return out
    return matmat


@register_jitable
def _add_rows(out, a, b):
    """out += a @ b (a vector, b a matrix), four rows of b at a time (out read and written a
    quarter as often as row by row: a 32x32 product in 77 ns rather than 114)."""
    m, n = b.shape
    for i in range(0, m - 3, 4):
        a0, a1, a2, a3 = a[i], a[i + 1], a[i + 2], a[i + 3]
        for j in range(n):
            out[j] += (a0 * b[i, j] + a1 * b[i + 1, j]) + (a2 * b[i + 2, j] + a3 * b[i + 3, j])
    for i in range(m - m % 4, m):
        ai = a[i]
        for j in range(n):
            out[j] += ai * b[i, j]


@register_jitable
def _outer(a, b):
    """np.outer(a, b) of two vectors (Numba's own takes seconds to compile)."""
    out = new_array((a.shape[0], b.shape[0]), None, np.float64)  # a complex one: no type
    for i in range(a.shape[0]):
        ai = a[i]
        for j in range(b.shape[0]):
            out[i, j] = ai * b[j]
    return out


def _matmul_grad(g, a, b, wrt_a):
    if not (isinstance(a, types.Array) and isinstance(b, types.Array)) \
            or a.ndim > 2 or b.ndim > 2:
        return None
    case = (a.ndim, b.ndim)
    if case == (1, 1):
        return (lambda g, a, b: g * b) if wrt_a else (lambda g, a, b: g * a)
    if not isinstance(g, types.Array):
        return None
    if wrt_a:
        return {(2, 2): lambda g, a, b: nb_matmul(g, b.T),
                (2, 1): lambda g, a, b: _outer(g, b),
                (1, 2): lambda g, a, b: nb_matmul(b, g)}[case]
    return {(2, 2): lambda g, a, b: nb_matmul(a.T, g),
            (2, 1): lambda g, a, b: nb_matmul(g, a),
            (1, 2): lambda g, a, b: _outer(a, g)}[case]


matmul_grad_a = _stub("matmul_grad_a")
matmul_grad_b = _stub("matmul_grad_b")


@overload(matmul_grad_a)
def _matmul_grad_a(g, a, b):
    return _matmul_grad(g, a, b, True)


@overload(matmul_grad_b)
def _matmul_grad_b(g, a, b):
    return _matmul_grad(g, a, b, False)


sum_matmul_grad_a = _stub("sum_matmul_grad_a")


@overload(sum_matmul_grad_a)
def _sum_matmul_grad_a(parts, a):
    if not isinstance(a, types.Array) or not isinstance(parts, types.List):
        return None
    pair = parts.dtype
    if isinstance(pair, types.BaseTuple) and len(pair) == 2 and a.ndim == 2 \
            and all(isinstance(t, types.Array) and t.ndim == 1 for t in pair):
        def outer_products(parts, a):  # sum of g b^T, without one array per part
            total = new_array(a.shape, 0.0, np.float64)
            for g, b in parts:
                for i in range(g.shape[0]):
                    gi = g[i]
                    for j in range(b.shape[0]):
                        total[i, j] += gi * b[j]
            return total
        return outer_products

    def summed(parts, a):
        total = new_array(a.shape, 0.0, np.float64)
        for g, b in parts:
            total += matmul_grad_a(g, a, b)
        return total
    return summed


add_matmul_grad_a = _stub("add_matmul_grad_a")
add_matmul_grad_b = _stub("add_matmul_grad_b")


def _added_in_place(total, g, a, b, wrt_a):
    """total += matmul_grad_a(g, a, b) (or _b), in place; an outer product of two vectors
    is added element by element, without the product as an array."""
    if not isinstance(total, types.Array) or _matmul_grad(g, a, b, wrt_a) is None:
        return None
    if isinstance(g, types.Array) and g.ndim == 1 and a.ndim + b.ndim == 3 \
            and (a.ndim == 2) == wrt_a:
        def outer(total, g, a, b):  # wrt a: g b^T (a is the matrix); wrt b: a g^T
            left, right = (g, b) if a.ndim == 2 else (a, g)
            for i in range(left.shape[0]):
                li = left[i]
                for j in range(right.shape[0]):
                    total[i, j] += li * right[j]
        return outer
    if wrt_a:
        def added_a(total, g, a, b):
            total += matmul_grad_a(g, a, b)
        return added_a

    def added_b(total, g, a, b):
        total += matmul_grad_b(g, a, b)
    return added_b


@overload(add_matmul_grad_a)
def _add_matmul_grad_a(total, g, a, b):
    return _added_in_place(total, g, a, b, True)


@overload(add_matmul_grad_b)
def _add_matmul_grad_b(total, g, a, b):
    return _added_in_place(total, g, a, b, False)


# ------------------------------------------------------------------ gradients of inputs

zero_like = _stub("zero_like")


@overload(zero_like)
def _zero_like(x):
    """The known-zero gradient of x: 0.0 for a number, zeros of x's shape for an array
    (float64 for an integer array, as NumPy's first accumulation would make it)."""
    if _number(x):
        return lambda x: 0.0
    if isinstance(x, types.Array):
        if x.dtype == types.float64 or not isinstance(x.dtype, (types.Float, types.Complex)):
            # float64: an integer array's, as NumPy's would be
            return lambda x: new_array(x.shape, 0.0, np.float64)
        return lambda x: new_array(x.shape, 0, x.dtype)
    return None


as_array = _stub("as_array")


@overload(as_array)
def _as_array(x):
    """np.asarray(x): the NumPy helper's other case, an array of another library (Dask),
    never reaches compiled code."""
    return lambda x: np.asarray(x)


owned = _stub("owned")


@overload(owned)
def _owned(g):
    if _number(g):
        return lambda g: g
    if isinstance(g, types.Array):
        if isinstance(g.dtype, (types.Float, types.Complex)):
            return lambda g: g.copy()
        return lambda g: g.astype(np.float64)
    return None


kept = _stub("kept")


@overload(kept)
def _kept(value):
    """kept(v): a record's copy of a view, an array copied, a number as it is."""
    if isinstance(value, types.Array):
        return lambda value: value.copy()
    if _number(value):
        return lambda value: value
    return None


as_grad = _stub("as_grad")


@overload(as_grad)
def _as_grad(d, x):
    if isinstance(x, types.Array):
        if x.dtype != types.float64:
            return None  # the backend's entry lets only float64 arrays be differentiated
        if _number(d):
            return lambda d, x: new_array(x.shape, float(d), np.float64)
        if isinstance(d, types.Array):
            return _broadcast_copy(d, x)
        return None
    if isinstance(x, (types.Float, types.Integer)) and not isinstance(x, types.Boolean):
        if _number(d):
            return lambda d, x: float(d)
        if isinstance(d, types.Array):
            return lambda d, x: float(d.sum())  # one element: as float(d) reads it
    return None


def _broadcast_copy(d, x):
    """A jitted function: a new float64 array of x's shape holding d broadcast to it
    (np.broadcast_to(d, x.shape) copied), in one loop nest made for the two numbers of
    axes; a shape that does not broadcast raises ValueError, as NumPy does."""
    if d.ndim > x.ndim or not isinstance(d.dtype, (types.Float, types.Integer)):
        return None
    lead = x.ndim - d.ndim
    lines = ["def to_shape(d, x):", "    out = new_array(x.shape, None, np.float64)"]
    for m in range(d.ndim):
        lines += [f"    s{m} = 0 if d.shape[{m}] == 1 else 1",
                  f"    if s{m} and d.shape[{m}] != x.shape[{lead + m}]:",
                  "        raise ValueError('operands could not be broadcast together')"]
    lines += [f"{'    ' * (k + 1)}for i{k} in range(x.shape[{k}]):" for k in range(x.ndim)]
    target = "out[" + "".join(f"i{k}, " for k in range(x.ndim)) + "]" if x.ndim else "out[()]"
    source = "d[" + "".join(f"i{lead + m} * s{m}, " for m in range(d.ndim)) + "]" \
        if d.ndim else "d[()]"
    lines += [f"{'    ' * (x.ndim + 1)}{target} = {source}", "    return out"]
    return _compiled("\n".join(lines) + "\n", "to_shape")


class ScalarOutputError(PullbackError):
    """grad's function returned something other than one real number."""


check_scalar = _stub("check_scalar")


@overload(check_scalar)
def _check_scalar(out, where=""):
    if isinstance(out, types.Optional) and _number(out.type):  # set on some paths only
        def set_number(out, where=""):
            if out is None:
                raise ScalarOutputError("grad needs a function with one real number as its "
                                        "output; this call of f returned None")
        return set_number
    if isinstance(out, (types.Float, types.Integer)) and not isinstance(out, types.Boolean):
        return lambda out, where="": None
    if isinstance(out, types.Array) and out.ndim == 0 \
            and isinstance(out.dtype, (types.Float, types.Integer)):
        return lambda out, where="": None

    def refuse(out, where=""):
        raise ScalarOutputError("grad needs a function with one real number as its output; "
                                "use pullback.vjp(f)(*args, seed) for array outputs")
    return refuse


result_seed = _stub("result_seed")


@overload(result_seed)
def _result_seed(out, where=""):
    if isinstance(out, types.Array) and out.ndim > 0 \
            and isinstance(out.dtype, (types.Float, types.Integer)):
        def ones(out, where=""):
            if out.size != 1:
                raise ScalarOutputError("grad needs a function with one real number as its "
                                        "output; use pullback.vjp(f)(*args, seed) for array "
                                        "outputs")
            return new_array(out.shape, 1.0, np.float64)
        return ones

    if isinstance(out, (types.Float, types.Integer)) and not isinstance(out, types.Boolean):
        return lambda out, where="": 1.0  # without check_scalar: one compilation less

    def one(out, where=""):
        check_scalar(out, where)
        return 1.0
    return one


seed_for = _stub("seed_for")


@overload(seed_for)
def _seed_for(seed, out):
    if _number(seed) and _number(out):
        return lambda seed, out: float(seed)
    if isinstance(seed, types.Array) and isinstance(out, types.Array) and seed.ndim == out.ndim:
        def checked(seed, out):
            if seed.shape != out.shape:
                raise ScalarOutputError("vjp: the seed must have the shape of f's result")
            return seed.astype(np.float64)
        return checked
    return None


# ------------------------------------------------------------------ in-place writes


accum_index = _stub("accum_index")


@overload(accum_index)
def _accum_index(d, x, idx, g):
    """d[idx] += g, d the gradient of array x (a known zero, 0.0, becomes x's zeros)."""
    if not isinstance(x, types.Array) or isinstance(g, types.Complex) \
            or isinstance(getattr(g, "dtype", None), types.Complex):
        return None
    parts = tuple(idx) if isinstance(idx, types.BaseTuple) else (idx,)
    if any(isinstance(i, types.NoneType) for i in parts):
        return _accum_new_axes(parts, g)
    if any(isinstance(i, types.Array) for i in parts):
        return _accum_scattered(d, x, idx, parts, g)
    if not all(isinstance(i, (types.Integer, types.SliceType)) for i in parts):
        return None
    if _number(d):
        def fresh(d, x, idx, g):
            out = zero_like(x)
            out[idx] += g
            return out
        return fresh
    if isinstance(d, types.Array):
        def add(d, x, idx, g):
            d[idx] += g
            return d
        return add
    return None


accum_index_in_place = _stub("accum_index_in_place")


@overload(accum_index_in_place)
def _accum_index_in_place(d, x, idx, g):
    """accum_index into an array d, in place (emit/numba.py: d is an array wherever it is
    set), returning nothing: the caller's d is not assigned again."""
    if not isinstance(d, types.Array):
        return None

    def add(d, x, idx, g):
        accum_index(d, x, idx, g)
    return add


def _accum_new_axes(parts, g):
    """d[idx] += g for an index with new axes (None): g without those axes (each of
    length 1) added at the index without them."""
    if not all(isinstance(i, (types.Integer, types.SliceType, types.NoneType)) for i in parts):
        return None
    rest = [k for k, p in enumerate(parts) if not isinstance(p, types.NoneType)]
    rest_index = "(" + "".join(f"idx[{k}], " for k in rest) + ")" if len(rest) != 1 \
        else f"idx[{rest[0]}]"
    if _number(g):
        source = f"def impl(d, x, idx, g):\n    return accum_index(d, x, {rest_index}, g)\n"
    else:
        dropped, axis = [], 0  # g's axes: one per new axis and per slice, none per integer
        for p in parts:
            if isinstance(p, types.NoneType):
                dropped.append(axis)
            if not isinstance(p, types.Integer):
                axis += 1
        kept = [a for a in range(g.ndim) if a not in dropped]
        shape = "(" + "".join(f"g.shape[{a}], " for a in kept) + ")"
        source = (f"def impl(d, x, idx, g):\n"
                  f"    kept = np.ascontiguousarray(g).reshape({shape})\n"
                  f"    return accum_index(d, x, {rest_index}, kept)\n")
    return _compiled(source, "impl")


def _accum_scattered(d, x, idx, parts, g):
    """d[idx] += g for an index of integer arrays (one along the first axis, or one per
    axis of a matrix), as np.add.at adds: a repeated position gets every value. Which
    form the index has (an array, or a tuple of them) is decided here, by its type."""
    if not all(isinstance(i, types.Array) and i.ndim == 1
               and isinstance(i.dtype, types.Integer) for i in parts) \
            or len(parts) not in (1, x.ndim) or len(parts) > 2:
        return None
    numbered = _number(g)
    start = (lambda d, x: zero_like(x)) if _number(d) else (lambda d, x: d)
    start = register_jitable(start)
    if len(parts) == 1:
        rows_of = (lambda idx: idx[0]) if isinstance(idx, types.BaseTuple) \
            else (lambda idx: idx)
        rows_of = register_jitable(rows_of)

        def along_rows(d, x, idx, g):
            out = start(d, x)
            rows = rows_of(idx)
            for k in range(rows.shape[0]):
                if numbered:
                    out[rows[k]] += g
                else:
                    out[rows[k]] += g[k]
            return out
        return along_rows

    def pairs(d, x, idx, g):
        out = start(d, x)
        rows, cols = idx
        for k in range(rows.shape[0]):
            if numbered:
                out[rows[k], cols[k]] += g
            else:
                out[rows[k], cols[k]] += g[k]
        return out
    return pairs


save_slot = _stub("save_slot")
save_float_slot = _stub("save_float_slot")


def _save_slot(x, idx):
    if not isinstance(x, types.Array):
        return None
    parts = tuple(idx) if isinstance(idx, types.BaseTuple) else (idx,)
    if any(isinstance(i, types.Array) for i in parts):
        return None  # fancy indexes may repeat a position: the NumPy helper checks that
    if len(parts) == x.ndim and all(isinstance(i, types.Integer) for i in parts):
        return lambda x, idx: x[idx]  # one element: a number
    return lambda x, idx: x[idx].copy()


@overload(save_slot)
def _save_slot_overload(x, idx):
    return _save_slot(x, idx)


@overload(save_float_slot)
def _save_float_slot(x, idx):
    if not isinstance(x, types.Array) or not isinstance(x.dtype, (types.Float, types.Complex)):
        return None  # an integer array would truncate the value written
    return _save_slot(x, idx)


take_slot_grad = _stub("take_slot_grad")


@overload(take_slot_grad)
def _take_slot_grad(d, idx):
    if not isinstance(d, types.Array):
        return None

    parts = tuple(idx) if isinstance(idx, types.BaseTuple) else (idx,)
    if len(parts) == d.ndim and all(isinstance(i, types.Integer) for i in parts):
        def take_number(d, idx):
            g = d[idx]
            d[idx] = 0.0
            return g, d
        return take_number

    def take(d, idx):
        g = d[idx].copy()
        d[idx] = 0.0
        return g, d
    return take


take_slot_grad_in_place = _stub("take_slot_grad_in_place")


@overload(take_slot_grad_in_place)
def _take_slot_grad_in_place(d, idx):
    """take_slot_grad's gradient of the slot, d changed in place (not returned)."""
    if not isinstance(d, types.Array):
        return None

    def take(d, idx):
        return take_slot_grad(d, idx)[0]
    return take


pick_grad = _stub("pick_grad")


@overload(pick_grad)
def _pick_grad(g, values, ans):
    if _number(values):  # min(a, b) of numbers never takes this branch: its test is true
        return lambda g, values, ans: g
    return None


# ------------------------------------------------------------------ reductions along axes
# What Numba's np.max, np.min and np.mean lack (an axis) and np.sum (keepdims, a tuple
# of axes): the pass (emit/numba.py) calls these for such calls, axis and keepdims
# constants.


def _reduction(op, name):
    stub = _stub(name)

    @overload(stub)
    def reduce_axes(x, axis, keepdims=False):
        if not isinstance(x, types.Array) or x.ndim == 0:
            return None
        axes = _axes(_literal(axis), x.ndim)
        keep = _literal(keepdims, False)
        whole = not keep and len(axes) == x.ndim  # every axis: one number
        kind = "sum" if op == "mean" else op
        shape = "1, " if whole else "".join(
            "1, " if a in axes else f"x.shape[{a}], " for a in range(x.ndim)
            if keep or a not in axes)
        index = "0, " if whole else "".join(
            "0, " if a in axes else f"i{a}, " for a in range(x.ndim) if keep or a not in axes)
        lines = ["def impl(x, axis, keepdims=False):", "    g = x"]
        if kind != "sum":
            lines += ["    if x.size == 0:",
                      "        raise ValueError('zero-size array to reduction operation "
                      "which has no identity')"]
        if kind == "sum":
            lines += [f"    out = new_array(({shape}), 0, x.dtype)"]
        else:
            lines += [f"    out = new_array(({shape}), {_identity(kind, x.dtype)}, x.dtype)"]
        lines += _reducing_loops(kind, x.ndim, index, x.dtype)
        result = "out[0]" if whole else "out"
        if op == "mean" and whole:  # NumPy's mean of no numbers is nan (Numba would raise)
            lines += ["    return out[0] / x.size if x.size else np.nan"]
        elif op == "mean":
            count = " * ".join(f"x.shape[{a}]" for a in axes)
            lines += [f"    return out / ({count})"]
        else:
            lines += [f"    return {result}"]
        return _compiled("\n".join(lines) + "\n", "impl")
    return stub


reduce_sum = _reduction("sum", "reduce_sum")
reduce_mean = _reduction("mean", "reduce_mean")
reduce_max = _reduction("max", "reduce_max")
reduce_min = _reduction("min", "reduce_min")
REDUCTIONS = {"sum": "reduce_sum", "mean": "reduce_mean", "max": "reduce_max",
              "amax": "reduce_max", "min": "reduce_min", "amin": "reduce_min"}


# ------------------------------------------------------------------ rules' helpers

abs_grad = _stub("abs_grad")


@overload(abs_grad)
def _abs_grad(g, x):
    if isinstance(x, (types.Float, types.Integer)) or (
            isinstance(x, types.Array) and isinstance(x.dtype, (types.Float, types.Integer))):
        return lambda g, x: g * np.sign(x)
    return None  # complex: the NumPy helper's conjugate convention


grad_over = _stub("grad_over")


@overload(grad_over)
def _grad_over(g, d):
    """g / d, and 0 where g is 0 (the NumPy helper's: a root's derivative at 0)."""
    if _number(g) and _number(d):
        def numbers(g, d):
            if g == 0:
                return 0.0
            if d == 0:
                return math.copysign(math.inf, g)
            return g / d
        return numbers
    if isinstance(g, types.Array) and (isinstance(d, types.Array) or _number(d)):
        return lambda g, d: np.where(g == 0, 0.0, g / d)
    if _number(g) and isinstance(d, types.Array):
        def number_over_array(g, d):
            out = g / d
            return out * 0.0 if g == 0 else out
        return number_over_array
    return None


pow_grad_base = _stub("pow_grad_base")


@overload(pow_grad_base)
def _pow_grad_base(g, a, b):
    """d a**b / d a for a number b (an array exponent is left to the NumPy backend)."""
    if not _number(b) or not (_number(a) or isinstance(a, types.Array)):
        return None

    def impl(g, a, b):
        if b == 0:
            return g * 0.0 + zero_like(a)
        return g * b * a ** (b - 1)
    return impl


pow_grad_exponent = _stub("pow_grad_exponent")


@overload(pow_grad_exponent)
def _pow_grad_exponent(g, a, ans):
    """d a**b / d b for a number a (an array base is left to the NumPy backend)."""
    if not _number(a):
        return None

    def impl(g, a, ans):
        if a == 0:
            return g * ans * 0.0
        return g * ans * math.log(a)
    return impl


unreduce_mean = _stub("unreduce_mean")


@overload(unreduce_mean)
def _unreduce_mean(g, x, ans, axis=None, keepdims=False):
    count = (lambda v: 1) if _number(ans) else (lambda v: v.size)
    whole = (lambda v: 1) if _number(x) else (lambda v: v.size)
    ans_size, x_size = register_jitable(count), register_jitable(whole)

    def impl(g, x, ans, axis=None, keepdims=False):
        return unreduce(g * (ans_size(ans) / x_size(x)), x, axis, keepdims)
    return impl


loop_len = _stub("loop_len")


@overload(loop_len)
def _loop_len(values):
    if isinstance(values, (types.Array, types.List, types.BaseTuple, types.RangeType)):
        return lambda values: len(values)
    return None  # a dict or set: the NumPy helper explains how to loop over one


add_grads = _stub("add_grads")


@overload(add_grads)
def _add_grads(a, b):
    """Two gradients of numbers or arrays added (lists and dicts stay with NumPy)."""
    if all(_number(v) or isinstance(v, types.Array) for v in (a, b)):
        return lambda a, b: a + b
    return None


dot_grad_a = _stub("dot_grad_a")
dot_grad_b = _stub("dot_grad_b")


def _dot_grad(g, a, b, wrt_a):
    if _number(a) or _number(b):  # a product by a number
        if wrt_a:
            return lambda g, a, b: unbroadcast(g * b, a)
        return lambda g, a, b: unbroadcast(g * a, b)
    return _matmul_grad(g, a, b, wrt_a)  # None (a typing error) beyond two dimensions


@overload(dot_grad_a)
def _dot_grad_a(g, a, b):
    return _dot_grad(g, a, b, True)


@overload(dot_grad_b)
def _dot_grad_b(g, a, b):
    return _dot_grad(g, a, b, False)


trace_grad = _stub("trace_grad")


@overload(trace_grad)
def _trace_grad(g, a, ans, offset=0, axis1=0, axis2=1):
    """g on the diagonal (offset k) of a matrix; zeros when an integer sum truncated it."""
    if not isinstance(a, types.Array) or a.ndim != 2 \
            or (_literal(axis1, 0), _literal(axis2, 1)) != (0, 1) or not _number(g):
        return None
    real = not isinstance(ans, types.Integer)

    def impl(g, a, ans, offset=0, axis1=0, axis2=1):
        out = new_array(a.shape, 0.0, np.float64)
        if real:
            rows, cols = a.shape
            for i in range(max(0, -offset), min(rows, cols - offset)):
                out[i, i + offset] = g
        return out
    return impl


unreduce_extreme = _stub("unreduce_extreme")


@overload(unreduce_extreme)
def _unreduce_extreme(g, x, ans, axis=None, keepdims=False):
    """The gradient of max/min shared equally among the positions that attain it."""
    if not isinstance(x, types.Array):
        return None
    axis_value, keep = _literal(axis), _literal(keepdims, False)
    if axis_value is None:
        def whole(g, x, ans, axis=None, keepdims=False):
            mask = (x == ans) * 1.0
            return g * mask / mask.sum()
        return whole
    kept = _kept_shape(x, axis_value)

    def along(g, x, ans, axis=None, keepdims=False):
        shape = kept(x)
        if keep:
            g_kept, ans_kept = g, ans
        else:
            g_kept = np.ascontiguousarray(g).reshape(shape)
            ans_kept = np.ascontiguousarray(ans).reshape(shape)
        mask = (x == ans_kept) * 1.0
        return g_kept * mask / _sum_to(mask, shape)
    return along


reshape_like = _stub("reshape_like")


@overload(reshape_like)
def _reshape_like(g, a):
    if isinstance(a, types.Array):
        return lambda g, a: reshape_to(g, a.shape)
    if _number(a):
        return lambda g, a: reshape_to(g, ())
    return None


item_grad = _stub("item_grad")


@overload(item_grad)
def _item_grad(d, i):
    """The gradient of element i of a tuple or list whose gradient is d."""
    if _number(d):  # the known-zero gradient
        return lambda d, i: 0.0
    if isinstance(d, (types.UniTuple, types.List, types.Array)):
        return lambda d, i: d[i]
    if isinstance(d, types.BaseTuple) and isinstance(i, types.IntegerLiteral):
        at = i.literal_value
        return lambda d, i: d[at]
    return None


map_grad = _stub("map_grad")


@_overload(map_grad)  # not kept on disk: Numba cannot write a NumPy function's type there
def _map_grad(fn, g, *args):
    """fn(g, *args): the gradient of a rearrangement of an array's entries (a transpose,
    swapaxes, moveaxis, flip) is the inverse rearrangement of g, which `fn` (a NumPy
    function, as the rule names it) does; the known-zero float stays the known zero."""
    if _number(g):
        return lambda fn, g, *args: 0.0
    if not isinstance(g, types.Array):
        return None
    axes = args[0].type if args and isinstance(args[0], types.Optional) else \
        args[0] if args else None
    if getattr(fn, "typing_key", None) is np.transpose and len(args) == 1 \
            and isinstance(axes, types.Array):  # the axes np.argsort made; Numba takes a tuple
        n = g.ndim

        def transposed(fn, g, *args):
            axes = args[0]
            if axes is None:
                return np.transpose(g)
            return np.transpose(g, to_fixed_tuple(np.asarray(axes), n))
        return transposed
    return lambda fn, g, *args: fn(g, *args)


not_a_view = _stub("not_a_view")


@overload(not_a_view)
def _not_a_view(value, message):
    """Element reads of a buffer written later must be copies (numbers), not views."""
    if isinstance(value, types.Array):
        def refuse(value, message):
            raise PullbackError(message)
        return refuse
    return lambda value, message: None


not_shared = _stub("not_shared")


@overload(not_shared)
def _not_shared(value, message):
    """`x += v` on an array or list that may have another name is refused."""
    if isinstance(value, (types.Array, types.List)):
        def refuse(value, message):
            raise PullbackError(message)
        return refuse
    return lambda value, message: None


slot_not_shared = _stub("slot_not_shared")


@overload(slot_not_shared)
def _slot_not_shared(base, value, message):
    """`x[k] += v` of an array or list held in a list may change other names for it; a
    slot of an array of numbers is the array's own memory."""
    if isinstance(base, types.Array) and isinstance(base.dtype, (types.Number, types.Boolean)):
        return lambda base, value, message: None
    return lambda base, value, message: not_shared(value, message)


unpack_check = _stub("unpack_check")


@overload(unpack_check)
def _unpack_check(values, n, starred=False):
    """`a, b = values` unpacks exactly n values (at least n with a starred target)."""
    if isinstance(values, types.BaseTuple):
        count = len(values)

        def known(values, n, starred=False):
            if count > n and not starred:
                raise ValueError("too many values to unpack")
            if count < n:
                raise ValueError("not enough values to unpack")
        return known
    if not isinstance(values, (types.Array, types.List)):
        return None

    def counted(values, n, starred=False):
        got = len(values)
        if got > n and not starred:
            raise ValueError("too many values to unpack")
        if got < n:
            raise ValueError("not enough values to unpack")
    return counted


# ------------------------------------------------------------------ loop records as arrays
# A loop over a range knows its trip count when it starts: the pass (emit/numba.py) then
# keeps its records, one tuple per iteration, in a "tape" made at the first record: for
# a record of numbers, one preallocated array per type of number, a row per iteration
# (one array per field had Numba count the references of each, soft DTW's fourteen,
# wherever the tape is passed or assigned); for a record holding anything else (an
# array, a shape), a preallocated list of the records. (A tuple of one list
# per field, which it was, has each list's references counted at every read and write:
# the RNN's gradient took 1.35x the hand-written one's time, 1.2x as a list of records.)
# Reads and writes are calls, not inlined: compiled with the gradient's bounds checks,
# the inlined code counted references to each of the tape's arrays on every iteration.


def _field_kind(t):
    if isinstance(t, (types.Float, types.Integer, types.Boolean)):
        return "number"
    if isinstance(t, types.BaseTuple) and len(t) == 0:
        return "empty"
    return "other"  # a list, one entry per iteration


tape_new = _stub("tape_new")


def _number_fields(record) -> dict:
    """For a record of numbers (and empty shapes): NumPy dtype name -> the positions of
    the record's fields of that type, in order."""
    groups: dict = {}
    for i, t in enumerate(record):
        if _field_kind(t) == "number":
            groups.setdefault(_dtype_name(t), []).append(i)
    return groups


@overload(tape_new)
def _tape_new(record, size):
    if not isinstance(record, types.BaseTuple) or any(
            _field_kind(t) == "other" for t in record):
        if _field_kind(record) == "number":  # one number per iteration
            dtype = as_dtype(record)
            return lambda record, size: new_array(size, None, dtype)
        return lambda record, size: [record] * size
    # one array of (size, fields) per type of number, then the first record, whose
    # type says where each field is (it holds numbers: no references are counted)
    parts = [f"new_array((size, {len(fields)}), None, np.{name})"
             for name, fields in _number_fields(record).items()]
    source = (f"def new(record, size):\n"
              f"    return ({''.join(p + ', ' for p in parts)}record, )\n")
    return _compiled(source, "new")


def _dtype_name(t) -> str:
    """The name of NumPy's scalar type for the Numba number type t."""
    name = as_dtype(t).name
    return "bool_" if name == "bool" else name


tape_put = _stub("tape_put")


@overload(tape_put)
def _tape_put(tape, at, record):
    if not isinstance(tape, types.BaseTuple):
        def put_one(tape, at, record):
            tape[at] = record
        return put_one
    lines = ["def put(tape, at, record):"]
    for g, fields in enumerate(_number_fields(record).values()):
        lines += [f"    tape[{g}][at, {k}] = record[{i}]" for k, i in enumerate(fields)]
    lines.append("    return None")
    return _compiled("\n".join(lines) + "\n", "put")


tape_get = _stub("tape_get")


@overload(tape_get)
def _tape_get(tape, at):
    if not isinstance(tape, types.BaseTuple):  # one value per iteration
        return lambda tape, at: tape[at]
    record = tape[len(tape) - 1]
    parts = ["()"] * len(record)  # an empty shape: a number's
    for g, fields in enumerate(_number_fields(record).values()):
        for k, i in enumerate(fields):
            parts[i] = f"tape[{g}][at, {k}]"
    source = f"def get(tape, at):\n    return ({''.join(p + ', ' for p in parts)})\n"
    return _compiled(source, "get")
