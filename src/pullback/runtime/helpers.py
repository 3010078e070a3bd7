"""Runtime helpers that generated gradient code calls.

Each helper is small, allocation-conscious and total on the values the
generated code can hand it: Python scalars, NumPy scalars and arrays, and
lists/tuples (for list literals and tuple unpacking), and arrays of other
NumPy-compatible libraries (Dask, CuPy, array-API arrays such as array_api_strict's):
an array the helpers create is made like the array it stands for (`zeros_like`, that
array's own namespace), never by converting to NumPy, so a Dask gradient stays one lazy
graph. None of them mutates a user array; the only in-place updates are on gradient
buffers the generated code owns. They call NumPy as it was when pullback was imported
(`np` here is a copy of its namespace), so a NumPy function monkeypatched later does not
change them.
"""

from __future__ import annotations

import collections
import itertools
import linecache
import math as _math
import numbers
import sys
import types
import weakref
from collections.abc import Mapping, Sequence

import numpy

from ..errors import RAISED_AT, PullbackError, UnsupportedSyntaxError


class _AsImported(types.SimpleNamespace):
    """A copy of a module's namespace as it was when pullback was imported, so that a
    function the user replaces there later (`np.sum = ...`) does not change what the
    helpers compute; a name not copied (loaded lazily) is read from the module."""

    def __getattr__(self, name):
        return getattr(self._module, name)


def _as_imported(module, submodules=()):
    copy = _AsImported(**vars(module), _module=module)
    for name in submodules:
        setattr(copy, name, _as_imported(getattr(module, name)))
    return copy


# what the helpers here and in rules.support call: NumPy and math as pullback found them
np = _as_imported(numpy, ("linalg", "fft"))
math = _as_imported(_math)

_BASIC = (int, slice, type(None), type(Ellipsis), np.integer)


def is_foreign_array(x) -> bool:
    """Is x an array of another library (Dask, CuPy, an array-API array), not NumPy's?"""
    return x.__class__ not in _NATIVE and not isinstance(x, (np.ndarray, np.generic)) \
        and hasattr(x, "shape") and hasattr(x, "dtype") \
        and (hasattr(x, "__array_function__") or hasattr(x, "__array_namespace__"))


_NATIVE = frozenset({float, int, bool, complex, type(None), np.ndarray, np.float64, np.float32,
                     np.complex128, np.int64, np.bool_, list, tuple, dict})


def is_lazy(x) -> bool:
    """Is x a Dask collection (its values computed only when asked for)?"""
    return hasattr(type(x), "__dask_graph__")


def namespace_of(x):
    """The functions to make and combine arrays like x with: NumPy's, which dispatch to
    x's library for a NumPy array, a number or an array that implements NumPy's
    `__array_function__` (Dask, CuPy), else x's own array-API namespace."""
    if x.__class__ is np.ndarray or hasattr(x, "__array_function__") \
            or not hasattr(x, "__array_namespace__"):
        return np
    return x.__array_namespace__()


def _float_dtype(x, namespace):
    """x's dtype if it is floating or complex, else the namespace's default float."""
    dtype = x.dtype
    if namespace is np:
        return dtype if np.dtype(dtype).kind in "fc" else np.float64
    return dtype if namespace.isdtype(dtype, ("real floating", "complex floating")) \
        else namespace.float64


def as_array(x):
    """np.asarray(x), except that an array of another library (Dask, CuPy, array API) is
    kept as it is: rule templates write it where an operand may be a Python list."""
    if x.__class__ is np.ndarray or is_foreign_array(x):
        return x
    return np.asarray(x)


def zeros_like(x, dtype=None):
    """A zero array of x's shape, of x's type (a Dask array for a Dask x), with x's float
    dtype (or `dtype`)."""
    xp = namespace_of(x)
    return xp.zeros_like(x, dtype=_float_dtype(x, xp) if dtype is None else dtype)


def copied(x):
    """A copy of the array x that a later write into x cannot change."""
    if x.__class__ is np.ndarray or namespace_of(x) is np:
        return x.copy()
    return namespace_of(x).asarray(x, copy=True)


class GradList(list):
    """The gradient of a list or tuple value: one gradient per element. Adding two
    adds elementwise (never concatenates), and adding the zero 0.0 changes nothing."""

    __slots__ = ()

    def __add__(self, other):
        return add_grads(self, other)

    __radd__ = __iadd__ = __add__


class GradDict(dict):
    """The gradient of a dict value: one gradient per key, added key by key."""

    __slots__ = ()

    def __add__(self, other):
        return add_grads(self, other)

    __radd__ = __iadd__ = __add__


class GradRecord(GradDict):
    """The gradient of one object whose attributes were read (`p.W`): one gradient per
    attribute the object stores, for that object only (`owner`). It takes part in no
    arithmetic: a gradient that reaches an operator, a NumPy function or another object
    came through an operation on the object itself (an overloaded `+`), which pullback
    does not differentiate, and is refused rather than passed on as numbers."""

    __slots__ = ("owner", "where")

    def __add__(self, other):
        return add_grads(self, other)

    __radd__ = __iadd__ = __add__

    def _refuse(self, *_):
        raise PullbackError(
            f"the gradient of an object of class {type(self.owner).__qualname__} reached an "
            "operation on the object itself (an operator it overloads, or a function given "
            "the object): pullback differentiates reads of an object's stored attributes "
            "(obj.W) and calls of its methods, not operations on objects"
            + (f" (the attribute was read at {self.where.strip()})"
               if getattr(self, "where", "") else ""))

    __mul__ = __rmul__ = __sub__ = __rsub__ = __truediv__ = __rtruediv__ = __pow__ = \
        __matmul__ = __rmatmul__ = __neg__ = __pos__ = __array__ = __float__ = _refuse


def stored_attributes(x):
    """name -> value of the attributes object `x` stores itself (its instance `__dict__`
    entries no class data descriptor hides, and its `__slots__`), or None for a value that
    is not such a plain object (numbers, arrays, containers, functions, classes, modules,
    objects with their own `__getattribute__`)."""
    cls = type(x)
    if isinstance(x, _NOT_RECORDS) or cls.__getattribute__ is not object.__getattribute__ \
            or cls.__module__ in ("builtins", "numpy"):
        return None
    found = {}
    for klass in reversed(cls.__mro__):
        slots = klass.__dict__.get("__slots__", ())
        for slot in (slots,) if isinstance(slots, str) else slots:
            if slot not in ("__dict__", "__weakref__"):
                value = getattr(x, slot, _MISSING_ATTRIBUTE)
                if value is not _MISSING_ATTRIBUTE:
                    found[slot] = value
    own = getattr(x, "__dict__", None)
    if isinstance(own, dict):
        for name, value in own.items():
            hidden = next((k.__dict__[name] for k in cls.__mro__ if name in k.__dict__), None)
            if not (hasattr(type(hidden), "__set__") or hasattr(type(hidden), "__delete__")):
                found[name] = value
    return found


_MISSING_ATTRIBUTE = object()
_NOT_RECORDS = (int, float, complex, bool, str, bytes, list, tuple, dict, set, frozenset,
                type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType,
                types.MethodType, numpy.ndarray, numpy.generic)


def _sourceless_class(cls) -> bool:
    """A class whose objects are no record of the user's: defined in C (a static type, or
    a class of an extension module) or in the standard library (deque, Fraction,
    Decimal). types.SimpleNamespace is a record: its attributes are what it stores."""
    from ..frontend.parse import _STDLIB

    if cls is types.SimpleNamespace:
        return False
    if not cls.__flags__ & _HEAPTYPE:
        return True
    module = sys.modules.get(cls.__module__)
    file = str(getattr(module, "__file__", None) or "")
    return file.endswith((".so", ".pyd")) or file.startswith(_STDLIB) \
        and "site-packages" not in file and "dist-packages" not in file


_HEAPTYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: a class made by a class statement (or type())


_OPERATORS = ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
              "__rtruediv__", "__matmul__", "__rmatmul__", "__neg__", "__pow__", "__array__",
              "__getitem__")
_NOT_NUMBERS = (str, bytes, type, types.ModuleType, types.FunctionType,
                types.BuiltinFunctionType, types.MethodType, numpy.ufunc)


def _class_constant(cls, name):
    """Whether `name` reads a number or a numeric array the class (or a base) defines in
    its body (`LOG_2PI = math.log(2 * math.pi)`, `NODES = np.array([...])`), not a
    descriptor nor anything `__getattr__` makes: data of the module, as a module-level
    array is (a function writing into it is refused as for one)."""
    value = next((k.__dict__[name] for k in cls.__mro__ if name in k.__dict__), _MISSING_ATTRIBUTE)
    number = isinstance(value, (int, float, numpy.number)) and not isinstance(value, bool) or (
        value.__class__ is numpy.ndarray and value.dtype.kind in "iuf")
    return number and getattr(cls, "__getattr__", None) is None


def accum_attr(d, x, name, g, where=""):
    """d.name += g, where d is the gradient of object x (0.0 until it is materialized) and
    `x.name` read an attribute x stores: a namedtuple's field, an instance attribute, a
    slot. A number the class defines (`LOG_2PI = ...` in its body) is a constant and gets
    no gradient; any other attribute (a `__getattr__` hook, another class attribute) is
    refused (objects.attribute_forward runs a property through its getter's transform)."""
    fields = getattr(type(x), "_fields", None)
    if isinstance(x, tuple) and isinstance(fields, tuple) and name in fields:
        if any(getattr(type(x), op, None) is not getattr(tuple, op, None) for op in _OPERATORS):
            raise UnsupportedSyntaxError(
                f"a read of {name!r} of a {type(x).__qualname__}, a namedtuple class that "
                "defines its own operators: what they compute is not differentiated, and its "
                "gradient could not be told from a plain tuple's", where)
        return accum_index(d, x, fields.index(name), g)
    stored = stored_attributes(x)
    if stored is not None and name not in stored and _class_constant(type(x), name):
        return d  # the class's number, shared by every instance: a constant, as a global is
    if stored is None or name not in stored:
        raise UnsupportedSyntaxError(
            f"the attribute {name!r} of a {type(x).__qualname__} object is not a value the "
            "object stores (a class attribute, a __getattr__ hook, or an attribute of a "
            "library object): pullback differentiates reads of stored attributes and "
            "properties only", where)
    if d.__class__ is float:
        d = GradRecord.fromkeys(stored, 0.0)
        d.owner, d.where = x, where
    elif not isinstance(d, GradRecord) or d.owner is not x:
        raise PullbackError(f"internal error: the gradient of a {type(x).__qualname__} "
                            f"object arrived as {type(d).__name__}; please report this")
    d[name] = add_grads(d[name], g)
    return d


def _object_grad(d, x, stored):
    """The gradient of object x as an object of its class (made without calling its
    `__init__`) whose attributes are the gradients of x's stored attributes. A number
    other than the zero that stands for no gradient (0.0) is refused: a derivative rule
    took the object for an array (np.mean(obj), or obj.mean() written as it, which NumPy
    runs as the class's own mean)."""
    if (d.__class__ is not float or d != 0.0) and not (isinstance(d, GradRecord)
                                                     and d.owner is x):
        if isinstance(d, GradRecord):
            GradRecord._refuse(d)
        raise PullbackError(
            f"the gradient of a {type(x).__qualname__} object arrived as "
            f"{type(d).__name__}: an operation on the object itself (an operator it "
            "overloads, a NumPy function given it) is not differentiated")
    grads = {k: None if v is None or isinstance(v, _NOT_NUMBERS)
             else as_grad(0.0 if d.__class__ is float else d[k], v) for k, v in stored.items()}
    try:
        out = object.__new__(type(x))
    except TypeError:
        return types.SimpleNamespace(**grads)
    for k, v in grads.items():
        object.__setattr__(out, k, v)
    return out


def _is_basic(idx) -> bool:
    if isinstance(idx, _BASIC):
        return True
    if type(idx) is tuple:
        return all(isinstance(i, _BASIC) for i in idx)
    return False


def _shape(x):
    if isinstance(x, (list, tuple)):
        return np.shape(x)
    return getattr(x, "shape", ())


def record_shape(x):
    """What a loop record keeps of `x` when the adjoint needs only its shape (see
    simplify's lean records): an array's shape, `()` for a number, else `[x]`."""
    if x.__class__ is np.ndarray:
        shape = x.shape
        return _SHAPES.get(shape) or _shared_shape(shape)  # one tuple per shape, not per record
    if isinstance(x, (float, int, complex, np.generic)):
        return ()
    return [x]  # a list or tuple operand, or a variable not set yet: kept as it is


_SHAPES: dict = {}


def _shared_shape(shape):
    """record_shape's first record of a shape (or of `()`, which is shared anyway)."""
    if len(_SHAPES) > 4096:
        _SHAPES.clear()
    return _SHAPES.setdefault(shape, shape)


def unbroadcast_to(g, recorded):
    """`unbroadcast(g, x)` from `record_shape(x)`."""
    if g.__class__ is np.ndarray:
        if g.shape == recorded:  # (never equal to a list)
            return g
    elif g.__class__ is float:
        return g
    if recorded.__class__ is list:
        return unbroadcast(g, recorded[0])
    return unbroadcast(g, _Shaped(recorded))


class _Shaped:
    """Stands for an operand of which only the shape was recorded."""
    __slots__ = ("shape",)

    def __init__(self, shape):
        self.shape = shape


def unbroadcast(g, x):
    """Sum the gradient `g` of a broadcast result down to the shape of operand `x`."""
    if g.__class__ is float:
        return g
    xs = x.shape if x.__class__ is np.ndarray else _shape(x)
    if g.__class__ is np.ndarray:
        gs = g.shape
    elif g.__class__ in _GRAD_MAPS and (isinstance(x, dict) or xs == ()):
        # (in a gradient's gradient) the gradient of a dict's or object's gradient added
        # to another (add_grads): the same for each; a number added to one can only be the
        # known zero 0.0 (add_grads refuses any other), which takes no gradient
        return g if isinstance(x, dict) else 0.0
    else:
        gs = np.shape(g)
    if gs == xs:
        return g
    axes = _SUMMED_AXES.get((gs, xs))
    if axes is None:
        axes = _summed_axes(gs, xs)
        if axes is None:
            # Only a gradient computed from a known zero (the float 0.0) has fewer or other
            # dimensions than the operand: it is zero everywhere.
            if isinstance(x, (list, tuple)) and isinstance(g, list):
                raise PullbackError(
                    "+ or * joined or repeated lists or tuples that pullback could not tell "
                    "were sequences when it generated the gradient (arguments, say); make one "
                    "of them in the function, as in list(xs) + ys")
            if not is_lazy(g) and np.any(g):
                raise PullbackError(f"internal error: a gradient of shape {gs} does not "
                                    f"reduce to its operand's shape {xs}; please report this")
            return zeros_like(x) if is_foreign_array(x) else np.zeros(xs)
        if len(_SUMMED_AXES) > 4096:
            _SUMMED_AXES.clear()
        _SUMMED_AXES[gs, xs] = axes
    axes, keep = axes
    if g.__class__ is np.ndarray:
        summed = np.add.reduce(g, axes, None, None, keep)  # np.sum without its dispatch cost
    else:
        summed = namespace_of(g).sum(g, axis=axes, keepdims=keep)
    if keep or not xs:
        return summed
    return summed.reshape(xs) if summed.__class__ is np.ndarray or namespace_of(summed) is np \
        else namespace_of(summed).reshape(summed, xs)


_SUMMED_AXES: dict = {}  # (gradient shape, operand shape) -> (axes, keepdims) for unbroadcast


def _summed_axes(gs, xs):
    """The axes to sum a gradient of shape gs over to reach shape xs, and whether summing
    with keepdims gives xs exactly; None if gs does not broadcast from xs."""
    lead = len(gs) - len(xs)
    if lead < 0 or any(n != 1 and gs[i + lead] != n for i, n in enumerate(xs)):
        return None
    if not xs:
        return None, False
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(xs) if n == 1 and gs[i + lead] != 1)
    return axes, lead == 0


def _zeros_for(x):
    if isinstance(x, np.ndarray):
        dtype = x.dtype if x.dtype.kind in "fc" else float
        return np.zeros(x.shape, dtype=dtype)
    if isinstance(x, (list, tuple)):
        return GradList([0.0] * len(x))
    if isinstance(x, dict):
        return GradDict({k: 0.0 for k in x})
    if is_foreign_array(x):
        return zeros_like(x)
    raise PullbackError(f"cannot index the gradient of a value of type {type(x).__name__}")


_COMPLEX = frozenset({complex, np.complex128, np.complex64})


def _user_container(x) -> bool:
    """An object of a user class indexed through its own `__getitem__`."""
    return not isinstance(x, (list, tuple, dict, np.ndarray, np.generic)) \
        and hasattr(x.__class__, "__getitem__") and not is_foreign_array(x) \
        and x.__class__.__module__ not in ("builtins", "numpy")


def accum_index(d, x, idx, g):
    """d[idx] += g, where d is the gradient of x (0.0 until it is materialized)."""
    if d.__class__ is float and x.__class__ is not np.ndarray and _user_container(x) \
            or d.__class__ is GradRecord:
        from .objects import getitem_grad  # a user class's container: its __getitem__

        return getitem_grad(d, x, idx, g)
    if d.__class__ is float:
        if x.__class__ is range:  # its integers carry no gradient (a loop's steps,
            return d  # read by a gradient differentiated again)
        d = _zeros_for(x)
    elif isinstance(x, np.ndarray) and not isinstance(d, np.ndarray):
        d = _zeros_for(x) + d  # a scalar gradient (say, a NumPy zero) spread over x
        if isinstance(d, np.generic):  # x 0-d: the sum is a NumPy scalar (not a Dask
            d = np.asarray(d)  # array, say, which stays lazy)
    if isinstance(d, (list, dict)):
        d[idx] = add_grads(d[idx], g)
        return d
    if d.__class__ is not np.ndarray and (is_foreign_array(d) or is_foreign_array(x)) \
            or g.__class__ not in _NATIVE and is_foreign_array(g):
        return _accum_foreign(d, x, idx, g)
    if (g.__class__ in _COMPLEX or g.__class__ is np.ndarray and g.dtype.kind == "c") \
            and d.dtype.kind != "c":
        g = np.real(g)  # the gradient of a real array is real
    if _is_basic(idx):
        d[idx] += g
    else:
        np.add.at(d, idx, g)
    return d


def _accum_foreign(d, x, idx, g):
    """accum_index for an array of another library: d[idx] + g by the array's own item
    assignment, on a copy (d may be shared), for an index that names each element once
    (basic indexing). A scatter through an index array, which may repeat positions, needs
    np.add.at, which Dask and the array API do not have: refused, with what to write."""
    if not is_foreign_array(d):  # a NumPy x (a parameter) whose part got a Dask gradient
        d = (zeros_like(x) if is_foreign_array(x) else _zeros_in(g, _shape(x))) + d
    if not _is_basic(idx):
        _refuse_scatter(x if is_foreign_array(x) else d, "an indexed read x[...]")
    if type(idx) is tuple and None in idx:  # np.newaxis: the new axes are g's, not d's
        idx = tuple(i for i in idx if i is not None)
        g = namespace_of(g).reshape(g, d[idx].shape)
    d = copied(d)
    if namespace_of(d) is np and np.iscomplexobj(g) and not np.iscomplexobj(d):
        g = np.real(g)  # the gradient of a real array is real
    d[idx] = d[idx] + g
    return d


def scatter_add(out, index, g):
    """np.add.at(out, index, g) for the adjoints of reads through index arrays (np.take,
    fancy indexing); refused, with the line, for a gradient of another library (Dask),
    which has no scatter-add and whose values np.add.at would compute into memory."""
    if g.__class__ is not np.ndarray and is_foreign_array(g):
        _refuse_scatter(g, "a read through an index array (np.take, x[index_array])")
    np.add.at(out, index, g)


def _refuse_scatter(x, what):
    raise PullbackError(_located(
        f"the gradient of {what} of a {_library(x)} array is a scatter-add "
        "(np.add.at), which this array library does not implement; read with slices, or "
        "select with a 0/1 weight array (x * mask, or weights @ x), or pass a NumPy array"))


def _zeros_in(like, shape):
    """Zeros of `shape` in the library of the array `like` (a Dask array for a Dask one)."""
    xp = namespace_of(like)
    if xp is np:
        return np.zeros_like(like, dtype=_float_dtype(like, xp), shape=shape)
    return xp.zeros(shape, dtype=_float_dtype(like, xp))


def _library(x) -> str:
    return type(x).__module__.split(".")[0]


def _generated_frame(frame):
    """The nearest frame of generated code at or above `frame`, or None."""
    while frame is not None and not frame.f_code.co_filename.startswith("<pullback "):
        frame = frame.f_back
    return frame


def _transform_of(frame):
    """The transform (api.Transformed) whose generated code runs in `frame`, or None."""
    from ..api import _SOURCES

    return next((m for m in list(_SOURCES) if m.code is not None
                 and m.code.co_filename == frame.f_code.co_filename), None)


def _statements(frame):
    """(the transform whose code runs in `frame`, printed first line -> statement, target
    name -> statement), over the statements that carry the user's line numbers."""
    import gast

    from ..emit.codegen import ast_source

    made = _with_tree(_transform_of(frame))
    located, targets = {}, {}
    for node in gast.walk(made.tree) if made is not None and made.tree is not None else ():
        if isinstance(node, gast.stmt) and not isinstance(node, gast.FunctionDef) \
                and getattr(node, "lineno", None) is not None:
            try:
                printed = ast_source(gast.gast_to_ast(node)).splitlines()
            except Exception:  # a statement the printer needs its function for
                continue
            if printed:
                located.setdefault(printed[0].strip(), node)
            for target in getattr(node, "targets", ()):
                if isinstance(target, gast.Name):
                    targets.setdefault(target.id, node)
                elif isinstance(target, gast.Subscript) and isinstance(target.value, gast.Name):
                    targets.setdefault(f"{target.value.id}[]", node)
    return made, located, targets


def running_line() -> str:
    """`File "...", line N` and the text of the line of the user's function that the
    generated code running now (the nearest generated frame on the stack) stands for, or
    "" when that cannot be told: for the messages of checks made when a gradient runs."""
    frame = _generated_frame(sys._getframe(1))
    if frame is None:
        return ""
    return _user_line(frame, frame.f_lineno) or _shown_generated(frame, frame.f_lineno)


def where_raised(tb) -> str:
    """The same for an exception with traceback `tb`: the user's line whose statement (or
    its adjoint or tangent) the innermost generated frame was running when it was
    raised; "" when no generated code ran or the statement stands for no line of the
    user's (an entry guard). PullbackError's message adds it (errors.py)."""
    inner = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.startswith("<pullback "):
            inner = tb
        tb = tb.tb_next
    return "" if inner is None else _user_line(inner.tb_frame, inner.tb_lineno)


# transform -> its line table, made when an error raised in its code is first shown
_LINE_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# transform -> the same transform with its final tree (a cached one keeps none)
_WITH_TREE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _with_tree(made):
    """`made` with its final tree, built again (once) if it keeps none; None when that
    build fails or prints other code than the code running (no line is then named)."""
    if made is None or made.tree is not None:
        return made
    if made not in _WITH_TREE:
        try:
            built = made.with_tree()
        except Exception:  # a line in a message is not worth a second error
            built = None
        _WITH_TREE[made] = built if built is not None and built.tree is not None \
            and built.source == made.source else None
    return _WITH_TREE[made]


RAISED_AT.append(where_raised)  # PullbackError's message adds the line (errors.py)


def _user_line(frame, lineno) -> str:
    """Where the user's code stands for line `lineno` of the generated code running in
    `frame`: the statement printed there (its line table, emit/codegen.line_table), or
    for a statement of the adjoint or tangent code the primal statement it comes from;
    failing that, a primal statement printed with that text, or the statement that set
    the value whose gradient the line reads (`drows` is that of `rows`), or the buffer
    it writes. "" when none is found."""
    import re

    from ..emit.codegen import line_table
    from ..ir.annotations import FROM_PRIMAL, ORIGIN

    made = _with_tree(_transform_of(frame))
    if made is None or made.location is None or made.tree is None:
        return ""
    table = _LINE_TABLES.get(made)
    if table is None:
        table = _LINE_TABLES[made] = line_table(made.tree)
    node = table.get(lineno - 1)  # the file's first line is the scope's def
    if node is not None and getattr(node, "lineno", None) is None and not ORIGIN.on(node):
        primal = FROM_PRIMAL.of(node)
        node = primal.node if primal is not None else None
    if node is None or getattr(node, "lineno", None) is None and not ORIGIN.on(node):
        _, located, targets = _statements(frame)
        text = linecache.getline(frame.f_code.co_filename, lineno).strip()
        node = located.get(text)
        if node is None:
            read = text.split("=", 1)[-1]
            candidates = re.findall(r"\bd(\w+)", read)  # gradients read
            candidates += [f"{n}[]" for n in re.findall(r"\b(\w+)", read)]  # buffers written
            node = next((targets[n] for n in candidates if n in targets), None)
    return "" if node is None else made.location.describe(node)


def _shown_generated(frame, lineno) -> str:
    text = linecache.getline(frame.f_code.co_filename, lineno).strip()
    return f"in the generated code: {text}" if text else ""


def _warn_computed_decisions(frame):
    """With a lazy (Dask) gradient: warn, naming their lines, of the Python decisions
    (if, while, and/or, a conditional expression) the function made on lazy values,
    which Dask computed where they were made (the variables of the generated code that
    hold a lazy 0-d boolean are those decisions)."""
    frame = _generated_frame(frame)
    if frame is None:
        return
    names = [name for name, value in frame.f_locals.items()
             if is_lazy(value) and getattr(value, "ndim", None) == 0
             and np.dtype(value.dtype) == np.bool_]
    if not names:
        return
    made, _, targets = _statements(frame)
    lines = sorted({made.location.describe(targets[n]) for n in names if n in targets})
    import warnings
    warnings.warn(
        "pullback: a Python decision (if, while, and/or) on a Dask value was computed by "
        "Dask where the gradient made it, an extra pass over the data each time; to keep "
        "one lazy graph, write the choice as data (np.where, np.maximum, np.clip)"
        + "".join(f"\n  {line}" for line in lines),
        RuntimeWarning, stacklevel=3)


def computed_here(x, what):
    """x itself, or for a Dask array its values as a NumPy array, computed here with a
    RuntimeWarning naming the line: for the few derivative rules whose arithmetic needs
    values (a branch on them, writes into a buffer) and has no lazy form yet."""
    if x.__class__ is np.ndarray or not is_lazy(x):
        return x
    import warnings
    warnings.warn(_located(
        f"pullback: the derivative of {what} needs the values of a Dask array of shape "
        f"{x.shape}, which are computed here, into this process's memory"),
        RuntimeWarning, stacklevel=3)
    return x.compute()


def _located(message: str) -> str:
    where = running_line()
    return f"{message}\n  {where}" if where else message


def item_grad(d, i):
    """The gradient of element i of a tuple/list value whose gradient is d."""
    if d.__class__ is float:
        return 0.0
    return d[i]


class _Absent:
    """What save_slot records for a dict key a write adds."""

    def __repr__(self):
        return "ABSENT"


ABSENT = _Absent()


def save_slot(x, idx):
    """The value an in-place write `x[idx] = ...` is about to overwrite (a copy)."""
    if isinstance(x, dict):
        return x.get(idx, ABSENT)
    if x.__class__ is not np.ndarray and is_lazy(x):
        raise PullbackError(_located(
            f"an in-place write x[...] = v into a {_library(x)} array: its arrays are "
            "immutable graphs whose writes pullback does not follow; build the result "
            "without writing into it (np.where(mask, v, x), np.concatenate, np.stack)"))
    if not _is_basic(idx):
        index = np.arange(np.size(x)).reshape(np.shape(x))[idx]
        if np.unique(index).size != np.size(index):
            raise PullbackError(
                "in-place write through an index that repeats a position: the last write wins "
                "and pullback cannot tell which, so it refuses to guess"
            )
    old = x[idx]
    if isinstance(old, np.ndarray):
        return old.copy()
    return copied(old) if is_foreign_array(old) else old


def save_float_slot(x, idx):
    """save_slot for a write of a value being differentiated, which only a float array
    keeps: an integer array would truncate it, and its derivative with it."""
    if isinstance(x, dict):
        return save_slot(x, idx)
    if isinstance(x, list):
        return x[idx]
    if np.dtype(x.dtype).kind not in "fc" if namespace_of(x) is np \
            else not namespace_of(x).isdtype(x.dtype, ("real floating", "complex floating")):
        raise PullbackError(
            f"a value being differentiated is written into an array of dtype {x.dtype}, "
            "which truncates it; create the array with a float dtype")
    return save_slot(x, idx)


def take_slot_grad(d, idx):
    """(the gradient held in slot idx of gradient buffer d, d with that slot zeroed)."""
    if d.__class__ is float and d == 0.0:
        return 0.0, d
    if isinstance(d, (list, dict)):
        g, d[idx] = d[idx], 0.0
        return g, d
    if is_foreign_array(d):
        g, d = copied(d[idx]), copied(d)
        d[idx] = 0.0
        return g, d
    if not isinstance(d, np.ndarray):  # a 0-d buffer's gradient arrived as a scalar
        if d == 0 and not (idx == () or idx is Ellipsis):  # or a zero known to be zero
            return 0.0, d  # (a NumPy 0.0: `dW2 / loss2` of a buffer f never reads back)
        d = np.array(d, dtype=np.result_type(d, float))
    g = d[idx]
    g = g.copy() if isinstance(g, np.ndarray) else g
    d[idx] = 0.0
    return g, d


def restore_slot(x, idx, saved, d=0.0):
    """Undo the write x[idx] = ... of a dict: put back the value it overwrote, or remove
    the key it added (from x's gradient d too). Returns d."""
    if saved is ABSENT:
        del x[idx]
        if isinstance(d, dict):
            del d[idx]
    else:
        x[idx] = saved
    return d


def errstate_of(state):
    """np.errstate(**state): the floating-point error state np.geterr() gave, as a
    context manager (generated code differentiated again spells it so)."""
    return np.errstate(**state)


def slot_added(saved) -> bool:
    """Whether the dict write that saved `saved` (save_slot) added its key."""
    return saved is ABSENT


def without_slot(d, idx):
    """A dict's gradient d without the key idx (the key a write added, undone: the
    spelled-out restore_slot of generated code differentiated again), in place."""
    if isinstance(d, dict):
        del d[idx]
    return d


_GRAD_MAPS = (GradDict, GradRecord)  # pullback's own gradients of dicts and objects


def add_grads(a, b):
    """a + b for gradients that may be lists (of list or tuple values) or dicts."""
    if isinstance(b, (list, dict)) and not isinstance(a, (list, dict)) and not np.any(a):
        return owned(b)
    if isinstance(a, (list, dict)) and not isinstance(b, (list, dict)) and not np.any(b):
        return a
    if isinstance(a, GradRecord) or isinstance(b, GradRecord):
        if not (isinstance(a, GradRecord) and isinstance(b, GradRecord) and a.owner is b.owner):
            GradRecord._refuse(a if isinstance(a, GradRecord) else b)
        total = GradRecord({k: add_grads(a[k], b[k]) for k in a})
        total.owner, total.where = a.owner, getattr(a, "where", "")
        return total
    if isinstance(a, list) or isinstance(b, list):
        return GradList(add_grads(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) or isinstance(b, dict):  # a key one lacks: its zero
        return GradDict({k: add_grads(a.get(k, 0.0), b.get(k, 0.0)) for k in {**a, **b}})
    return a + b


def join_grad(g, a, b, side):
    """The gradient of operand `side` (0 or 1) of a + b: its own elements' part of g
    when + joined two lists or tuples, else g summed to the operand's shape."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if g.__class__ is float and g == 0.0:
            return 0.0
        return GradList(g[:len(a)] if side == 0 else g[len(a):])
    return unbroadcast(g, b if side else a)


def replicate_grad(g, a, b, side):
    """The gradient of operand `side` (0 or 1) of a * b: when * repeated a list or tuple,
    the sum of the gradients of its copies (none for the count), else the product rule."""
    seq, count = (a, b) if isinstance(a, (list, tuple)) else (b, a)
    if isinstance(seq, (list, tuple)) and isinstance(count, (int, np.integer)):
        if (seq is b) != bool(side) or (g.__class__ is float and g == 0.0):
            return 0.0
        grads = [0.0] * len(seq)
        for k, part in enumerate(g):
            grads[k % len(seq)] = add_grads(grads[k % len(seq)], part)
        return GradList(grads)
    return unbroadcast(g * a, b) if side else unbroadcast(g * b, a)


def key_list(mapping):
    """The keys of a dict, as a list (for loops over d.values() and d.items(), dict(d));
    the elements of a set. Anything else (a list, an array: iterating it gives values,
    not keys) is refused."""
    if not isinstance(mapping, (Mapping, set, frozenset)):
        raise PullbackError(f"a {type(mapping).__name__} where pullback reads a dict (its "
                            ".items(), .keys() or .values(), its keys in a loop, or dict() of "
                            "a name): for pairs, write dict(zip(keys, values)) or a dict "
                            "comprehension")
    return list(mapping)


def matches_sequence(subject, length, starred):
    """Whether a sequence pattern of `length` patterns (one of them `*rest` if `starred`)
    fits `subject` by Python's rule: a Sequence but not str, bytes or bytearray (an
    ndarray is none), of exactly that length, or at least length - 1 with `*rest`."""
    if not isinstance(subject, Sequence) or isinstance(subject, (str, bytes, bytearray)):
        return False
    return len(subject) >= length - 1 if starred else len(subject) == length


def matches_mapping(subject, keys):
    """Whether a mapping pattern with `keys` fits `subject`: a Mapping holding them all."""
    return isinstance(subject, Mapping) and all(key in subject for key in keys)


def matches_class(subject, cls, attributes):
    """Whether a class pattern `cls(a=..., ...)` fits `subject`: an instance of `cls`
    with every attribute the pattern reads."""
    return isinstance(subject, cls) and all(hasattr(subject, a) for a in attributes)


def has_key(mapping, key):
    """`key in mapping` for d.get(key, default) and d.setdefault: of a dict only."""
    if not isinstance(mapping, Mapping):
        raise PullbackError(f".get / .setdefault on a {type(mapping).__name__}: pullback "
                            "differentiates these methods of dicts (mappings) only")
    return key in mapping


def list_grad(d):
    """The gradient of a list value as a GradList: a NumPy rule that read the list as an
    array (np.sum(values), np.dot(w, values)) hands back an array, one row per element."""
    if isinstance(d, list):
        return d
    if (isinstance(d, np.ndarray) or is_foreign_array(d)) and d.ndim:
        return GradList(d[i] for i in range(d.shape[0]))
    raise PullbackError(f"internal error: a list's gradient arrived as {type(d).__name__}; "
                        "please report this")


def extended_grad(g, values):
    """The gradient of the iterable `values` that extend took its elements from, from
    theirs (g, one per element): an array's as an array of its shape."""
    if isinstance(values, np.ndarray) and isinstance(g, list):
        rows = np.zeros(values.shape, dtype=np.result_type(values, float))
        for i, e in enumerate(g):
            rows[i] = e
        return rows
    return g


def batch_elements(t, values):
    """The tangents of the elements `values` gives `extend`, from its batch of tangents t
    (vector mode: an array's with the batch axis first): one batch per element."""
    if isinstance(values, np.ndarray) and isinstance(t, np.ndarray):
        return [t[:, i] for i in range(len(values))]
    if t.__class__ is float:
        return [t] * len(values)
    return t


def take_last_grads(d, n, extended=False, values=None):
    """(the gradients of the last n elements of a list, its gradient without them),
    for the adjoint of append (one value) and extend (`extended`: a list of n, even of
    one or none). `values`, the list itself (as long as d when d is a list), is read
    only by the rule of its own adjoint (second order): the length of the rest."""
    if d.__class__ is float:  # a known zero
        return (0.0 if not extended else GradList([0.0] * n)), d
    d = list_grad(d)
    taken = d[len(d) - n:]
    del d[len(d) - n:]
    return (taken[0] if not extended else GradList(taken)), d


def owned(g):
    """A private, writable copy of gradient g, for a gradient updated in place."""
    if isinstance(g, GradRecord):
        copy = GradRecord({k: owned(v) for k, v in g.items()})
        copy.owner, copy.where = g.owner, getattr(g, "where", "")
        return copy
    if isinstance(g, list):
        return GradList(owned(x) for x in g)
    if isinstance(g, dict):
        return GradDict({k: owned(v) for k, v in g.items()})
    if isinstance(g, np.ndarray):
        return np.array(g, dtype=np.result_type(g, float))
    if is_foreign_array(g):
        xp = namespace_of(g)
        return copied(g) if _float_dtype(g, xp) == g.dtype else \
            (g.astype(_float_dtype(g, xp)) if xp is np else xp.astype(g, _float_dtype(g, xp)))
    if np.ndim(g):
        return np.array(g, dtype=np.result_type(g, float))
    return g  # scalars are immutable


def kept(value):
    """A view a record of the generated gradient keeps (`kept(y[1:])`), as it is: the
    first-order adjoint reads it after restoring what later writes overwrote, so it shows
    the values it was made with. The gradient differentiated again reads it where those
    writes are not undone: pullback reads `kept` there as `kept_copy`."""
    return value


def kept_copy(value):
    """A copy of a view a record keeps (`kept(y[1:])` of a gradient differentiated
    again), made before the writes into the array it views change it: an array is
    copied, anything else returned as it is."""
    if value.__class__ is np.ndarray:
        return value.copy()
    return copied(value) if is_foreign_array(value) else value


def not_a_view(value, message):
    """Element reads of a buffer that is written later must be copies, not views: a
    number, or an array that owns its memory (`b[mask]`, `b[[0, 2]]` of a 1-D b); any
    other array (a view, or a copy NumPy made through an internal array) is refused."""
    if value.__class__ is np.ndarray and value.base is None:
        return
    if isinstance(value, np.ndarray) or is_foreign_array(value):
        raise PullbackError(message)


def whole_array(a):
    """The index of every element of the array `a` (`a.fill(v)`, `np.copyto(a, v)` and
    `out=a` write there); a value that is not an array is refused, since its method or
    NumPy's writing into it may do something else."""
    if not isinstance(a, np.ndarray):
        raise PullbackError(f"pullback differentiates in-place NumPy writes (fill, copyto, "
                            f"np.add.at, out=) into arrays only, not into a {type(a).__name__}")
    return Ellipsis


def diagonal_index(a):
    """The index of the entries np.fill_diagonal(a, v) writes (wrap=False)."""
    whole_array(a)
    if a.ndim < 2 or (a.ndim > 2 and len(set(a.shape)) != 1):
        np.fill_diagonal(a.copy(), 0)  # raises NumPy's own error
    steps = np.arange(min(a.shape))
    return (steps,) * a.ndim


def put_index(a, ind, v):
    """The index of the elements np.put(a, ind, v) writes (mode='raise': a.flat[ind],
    negative positions from the end, one value per position or one value for all); NumPy's
    own error for a position out of range, and a refusal for values it would repeat or
    leave out."""
    whole_array(a)
    positions = numpy.ravel(numpy.asarray(ind, dtype=numpy.intp))
    if numpy.any(positions >= a.size) or numpy.any(positions < -a.size):
        numpy.put(a.copy(), ind, 0)  # raises NumPy's own error
    if numpy.size(v) not in (1, positions.size):
        raise PullbackError(f"np.put with {numpy.size(v)} values for {positions.size} "
                            "positions (NumPy repeats or drops values): pass one value per "
                            "position")
    return numpy.unravel_index(positions % a.size, a.shape)


def view_index(a, index):
    """`index` itself, when `a[index]` is a view of the array `a` (ints, slices, None and
    Ellipsis, not every axis an int), where np.copyto(a[index], v) and a[index].fill(v)
    write; anything else is refused (a list or array index makes a copy, which Python's
    call writes into and drops)."""
    whole_array(a)
    parts = index if isinstance(index, tuple) else (index,)
    basic = all(p is None or p is Ellipsis or isinstance(p, slice) or (
        isinstance(p, (int, numpy.integer)) and not isinstance(p, (bool, numpy.bool_)))
        for p in parts)
    if not basic or not isinstance(a[index], numpy.ndarray):
        raise PullbackError("an in-place NumPy write (np.copyto, .fill) into a[index] with an "
                            "index that does not give a view of a (a list, an array or an int "
                            "for every axis), so that Python's call leaves a unchanged; to "
                            "change a, write a[index] = value")
    return index


def added_at(a, index, values):
    """A copy of the array `a` with `np.add.at(a, index, values)` applied: unbuffered, so
    an element that `index` names twice gets both values. The lowering writes
    `np.add.at(a, index, v)` as `a[...] = added_at(a, index, v)` (np.subtract.at with -v),
    checked like any in-place write; NumPy's own errors (an index out of range, a cast) as
    they are.

    >>> added_at(numpy.zeros(3), [0, 2, 0], numpy.array([1.0, 2.0, 3.0]))
    array([4., 0., 2.])
    """
    whole_array(a)
    out = a.copy()
    numpy.add.at(out, index, values)
    return out


def added_at_grad(g, index, values):
    """The gradient of added_at(a, index, values) in `values`: g read at `index` (each
    position as often as it is named), summed down to the shape of `values`."""
    if g.__class__ is float:
        return g
    return unbroadcast(numpy.asarray(g)[index], values)


def added_at_tangent(t, a, index):
    """The tangent of added_at(a, index, values) for the tangent `t` of `values`: the
    tangents added at `index` into zeros of a's shape."""
    out = numpy.zeros(numpy.shape(a), dtype=numpy.result_type(a, t, float))
    numpy.add.at(out, index, t)
    return out


def unpack_check(values, n, starred=False):
    """`a, b = values` unpacks exactly n values (`a, *rest, b = values` at least n), or
    raises Python's ValueError."""
    if values.__class__ is tuple and len(values) == n:
        return None
    got = len(values)
    if got > n and not starred:
        raise ValueError(f"too many values to unpack (expected {n})")
    if got < n:
        at_least = "at least " if starred else ""
        raise ValueError(f"not enough values to unpack (expected {at_least}{n}, got {got})")
    return None


def reduce_check(values):
    """functools.reduce without an initial value needs a value to start from."""
    if len(values) == 0:
        raise TypeError("reduce() of empty iterable with no initial value")


def raise_own(error):
    """In the except clause of a user's try: an error pullback raised on purpose (a check
    made when the gradient runs) goes on up; the user's handler would otherwise take a
    path f never takes."""
    if isinstance(error, PullbackError):
        raise error


def manager_swallowed(where):
    """After a `with` block whose body did not finish: the manager's __exit__ swallowed
    an exception (contextlib.suppress), which pullback does not follow."""
    raise UnsupportedSyntaxError(
        "the context manager of this with statement swallowed an exception raised in its "
        "body (contextlib.suppress does); pullback does not follow a body stopped midway: "
        "use try/except", where)


def not_shared(value, message):
    """x += v updates an array or list in place, which pullback does not model for
    one that may have another name (it computes x = x + v)."""
    if isinstance(value, (np.ndarray, list)) or is_foreign_array(value):
        raise PullbackError(message)


def updated_in_place(*pairs):
    """`updated_in_place(v1, "__iadd__", v2, "__itruediv__ __imul__")`: whether each
    value's type defines every in-place operator named beside it, so that `p += e` on a
    parameter bound to it changes the caller's object (an array, a list) rather than
    rebinding the parameter (a number, a tuple). An inlined function that only `+=`s a
    parameter runs one way or the other (lower/inlining.py: inline_writing)."""
    return all(all(hasattr(type(pairs[i]), d) for d in pairs[i + 1].split())
               for i in range(0, len(pairs), 2))


def changed_in_place(value, dunders, message):
    """Refuses a value whose type lacks one of the in-place operators `dunders` names:
    the inlined function both writes into the parameter it is bound to and `+=`s it,
    which pullback follows as a change of the caller's object only."""
    if not all(hasattr(type(value), d) for d in dunders.split()):
        raise PullbackError(message.replace("{type}", type(value).__name__))


def given_object(value, message):
    """Refuses None where an inlined function binds its parameter anew when given None
    (`if out is None: out = ...`) and otherwise writes into the object it was given:
    pullback makes those writes the caller's own, under the caller's name."""
    if value is None:
        raise PullbackError(message)


def rebinding_value(value, dunders, message):
    """A parameter's value in the copy of an inlined function where `+=` rebinds it
    (its type has none of the in-place operators `dunders` names: the caller's object
    stays as it was): the value itself, as a new name. Refused where its type has one
    (the function was given both kinds, `step(array, number)` with both `+=`d): the
    caller would not see that object's change."""
    if any(hasattr(type(value), d) for d in dunders.split()):
        raise PullbackError(message.replace("{type}", type(value).__name__))
    return value


def slot_not_shared(base, value, message):
    """x[k] += v updates the slot's value in place: harmless in an array of numbers (the
    slot is x's own memory, which pullback follows), but an array or list held in a
    list, dict, tuple or object array may have other names, which would change too
    (pullback computes x[k] = x[k] + v). One type test where x is an array."""
    if type(base) is np.ndarray and base.dtype != object:
        return
    if isinstance(value, (np.ndarray, list)) or is_foreign_array(value):
        raise PullbackError(message)


_GROWN_TYPES = (list, collections.deque)  # (held_list)


def list_not_kept(grown, *kept_and_message):
    """Before `grown.append(v)` (or `.extend`) of a list an object holds: none of the
    values read before it that a derivative may keep (`kept`) is that list or holds it
    (in tuples, lists, dicts and the attributes of objects of user classes), by
    identity; else the growth would change what the derivative reads
    (`np.multiply(q.ws, w)` keeps q.ws, and `q.scaled(w)` may, grown later through
    `p.ws` when p is q). Costs one identity test per value kept, and a walk over the
    containers and user objects among them."""
    *kept, message = kept_and_message
    if isinstance(grown, list) and holds(kept, grown):
        raise PullbackError(message)


def held_list(grown, *kept_and_message):
    """Before `obj.ws.append(v)` (`.extend`, `.insert`, deque's `.appendleft`) of a value
    of the function (an array being differentiated, a shape) into a list an object
    holds: the receiver is a list or a collections.deque, whose growth changes neither
    the value appended nor anything else (another class's `append` could write into
    it), and none of the values read before it that a derivative may keep (`kept`)
    holds it (as list_not_kept)."""
    *kept, message = kept_and_message
    if grown.__class__ not in _GROWN_TYPES or kept and holds(kept, grown):
        raise PullbackError(message)


def holds(value, target, objects=True) -> bool:
    """Whether `value` is `target` or holds it, in tuples, lists and dicts (and, when
    `objects`, in the attributes of objects of user classes), by identity."""
    stack, seen = [value], set()
    while stack:
        value = stack.pop()
        if value is target:
            return True
        if id(value) in seen or type(value) in SCALAR_TYPES or isinstance(value, (
                str, bytes, np.ndarray, type, types.FunctionType, types.ModuleType)):
            continue
        seen.add(id(value))
        if isinstance(value, (tuple, list)):
            stack.extend(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif objects and type(value).__module__.split(".")[0] not in (
                "builtins", "numpy", "pullback"):
            stack.extend(getattr(value, "__dict__", {}).values())
            for c in type(value).__mro__:
                slots = getattr(c, "__slots__", ())
                stack.extend(getattr(value, a, None) for a in (
                    (slots,) if isinstance(slots, str) else slots))
    return False


def pick_grad(g, values, ans):
    """max(values) / min(values): the gradient goes to the first element equal to the
    result, the one Python returns."""
    items = list(values)
    grads = [0.0] * len(items)
    for i, v in enumerate(items):
        if v is ans or np.all(v == ans):
            grads[i] = g
            break
    return _like(grads, values)


def sum_grad(g, values):
    """sum(values): every element gets the result's gradient."""
    if isinstance(values, np.ndarray):
        return np.broadcast_to(g, values.shape)
    if is_foreign_array(values):
        return zeros_like(values) + g
    return GradList([g] * len(values))


def loop_len(values):
    """len(values), for a loop that reads values[0], values[1], ...: not for a dict,
    whose loop gives its keys (pullback knows to loop over the keys of the dicts the
    function builds, and of d.keys() and d.items())."""
    if isinstance(values, (dict, set, frozenset)):
        raise PullbackError(
            f"a loop (or min, max, sorted) over a {type(values).__name__} the function did "
            "not build: write `for k in d.keys()` or `for k, v in d.items()`")
    if values.__class__ is not np.ndarray and values.__class__ is not list and (
            _user_container(values) or _user_iterable(values)):
        return _indexed_length(values)
    if not hasattr(values, "__len__") and hasattr(values, "__iter__"):
        raise PullbackError(
            f"a loop (or comprehension, sum, min, max ...) over a {type(values).__name__} "
            "object, an iterator pullback cannot read by index: make it a list where it is "
            "made (list(...))")
    return len(values)


def _user_iterable(x) -> bool:
    """An object of a class whose `__iter__` is a Python function of the user's, which
    Python's loop runs (refused by _indexed_length: pullback's loop indexes the object)."""
    from ..frontend.parse import is_library

    method = getattr(x.__class__, "__iter__", None)
    return not isinstance(x, (tuple, range, str, np.ndarray)) \
        and isinstance(method, types.FunctionType) and not is_library(method)


def _iterated_length(values, method):
    """len(values) for a loop over an object whose class defines `__iter__` in Python,
    which pullback's loop reads as values[0], values[1], ...: __iter__ runs once, as
    Python's loop runs it, and what it gives must be what __getitem__ gives at 0, 1, ...
    below len(values) (the same objects; arrays: the same memory), so that the values and
    their gradients (through __getitem__'s transform) are those of Python's loop."""
    from .objects import getitem_site

    cls = values.__class__
    refusal = (f"a loop over an object of class {cls.__qualname__}, which defines {method}: "
               "pullback loops over a container by index (values[0], values[1], ...) and "
               "takes a class's own __iter__ only where it gives the objects __getitem__ "
               "gives at 0, 1, ... below len()")
    items = list(values)  # Python's loop: __iter__, once
    if not hasattr(cls, "__getitem__") or not hasattr(cls, "__len__"):
        raise PullbackError(f"{refusal}; {cls.__qualname__} has no __len__ and __getitem__ "
                            "(define them, or loop over the list it holds)")
    n = len(values)
    getitem_site(cls)  # refuses a __getitem__ that changes something
    for k in range(n):
        if k >= len(items) or not _same_item(values[k], items[k]):
            raise PullbackError(f"{refusal}; its item {k} differs (loop over "
                                "range(len(values)) and index it, or over the list it holds)")
    if len(items) != n:
        raise PullbackError(f"{refusal}; it gives {len(items)} items, len() says {n}")
    return n


def _same_item(a, b) -> bool:
    """The same object, or arrays over the same memory (views made anew by each read)."""
    if a is b:
        return True
    return a.__class__ is np.ndarray and b.__class__ is np.ndarray \
        and a.__array_interface__["data"] == b.__array_interface__["data"] \
        and a.shape == b.shape and a.strides == b.strides and a.dtype == b.dtype


def _indexed_length(values):
    """len(values) for a loop over an object of a user class, which the loop reads as
    values[0], values[1], ...: Python's loop does the same for a class without
    `__iter__`, until values[i] raises IndexError, which must then be at len(values)
    (checked: __getitem__ runs once more, so it must change nothing). A class that
    defines `__iter__` in Python: `_iterated_length`."""
    from ..frontend.parse import is_library
    from .objects import getitem_site

    cls = values.__class__
    for klass in cls.__mro__:
        method = klass.__dict__.get("__iter__")
        if method is None:
            continue
        if isinstance(method, types.FunctionType) and not is_library(method):
            return _iterated_length(values, f"{klass.__qualname__}.__iter__")
        break
    n = len(values)
    getitem_site(cls)  # refuses a __getitem__ that changes something
    try:
        values[n]
    except IndexError:
        return n
    raise PullbackError(
        f"a loop over an object of class {cls.__qualname__}, whose __getitem__ gives a "
        f"value at len() = {n}: Python's loop would go on past it (until IndexError), "
        "pullback's loop stops at len(); loop over range(len(values)) and index it")


def table_position(size, key, kind="list"):
    """The position `T[key]` takes in a list or tuple (`kind`) of `size` functions, for
    the call `T[key](...)` (lower/function_tables.py), with Python's errors: IndexError
    and TypeError as indexing raises them, and for a slice key (T[key] is then a list or
    tuple) the TypeError calling it raises."""
    position = range(size)[key]
    if position.__class__ is not int:
        raise TypeError(f"'{kind}' object is not callable")
    return position


def chosen_positions(tool, size, r):
    """The positions itertools.<tool>(values, r) takes its tuples from, values of length
    `size`, in its order (tool: combinations, combinations_with_replacement or
    permutations; r counted when the code runs): normalize reads values at them."""
    return list(getattr(itertools, tool)(range(size), r))


def sort_order(keys, reverse=False):
    """The positions of `keys` in the order sorted(keys, reverse=reverse) puts them, ties
    kept in their order (as sorted keeps them)."""
    return sorted(range(loop_len(keys)), key=keys.__getitem__, reverse=reverse)


def index_of_min(keys):
    """The position of the first smallest key: the element min(values, key=...) returns."""
    return min(range(len(keys)), key=keys.__getitem__)


def index_of_max(keys):
    """The position of the first largest key: the element max(values, key=...) returns."""
    return max(range(len(keys)), key=keys.__getitem__)


def _popped_at(values, i):
    """Where values.pop(i) took its element from, given `values` after the pop."""
    return i if i >= 0 else len(values) + 1 + i


def pop_grad(d, values, i):
    """The gradient of a list before values.pop(i) (or a dict before values.pop(i)),
    from its gradient d after the pop: the removed slot gets its gradient through the
    read of values[i]."""
    if d.__class__ is float:
        return d  # a known zero
    if isinstance(values, dict):
        d[i] = 0.0
        return d
    d = list_grad(d)
    d.insert(_popped_at(values, i), 0.0)
    return d


def popped_at(values, i):
    """Where values.pop(i) took its element from, given `values` after the pop: where
    the adjoint puts it back (`values.insert(popped_at(values, i), popped)`)."""
    return _popped_at(values, i)


def inserted_at(values, i):
    """Where values.insert(i, v) put v, given `values` after the insert (Python's rule:
    a negative i counts from the end, clipped to the list)."""
    n = len(values) - 1
    if i < 0:
        i = max(i + n, 0)
    return min(i, n)


def take_inserted_grad(d, values, i):
    """(the gradient of the element values.insert(i, v) put in, the list's gradient
    without it), given `values` after the insert: the adjoint of insert, d shortened in
    place."""
    if d.__class__ is float:
        return 0.0, d
    d = list_grad(d)
    at = inserted_at(values, i)
    taken = d[at]
    del d[at]
    return taken, d


def undo_pop(values, i, value):
    """Put back the element values.pop(i) removed (of a dict: the key, last)."""
    if isinstance(values, dict):
        values[i] = value
        return
    if not isinstance(values, list):
        raise PullbackError(f"pop() on a {type(values).__name__} is not differentiated "
                            "(only pop on a list the function built)")
    values.insert(_popped_at(values, i), value)


def _like(grads, values):
    return np.array(grads, dtype=float) if isinstance(values, np.ndarray) else GradList(grads)


# real numbers: a complex one given where a math function takes it would be cast to
# real by Python (NumPy's complex scalars) or raise (Python's), in f's own call too
SCALAR_TYPES = frozenset({float, int, bool, *np.sctypeDict.values()} - {
    np.ndarray, np.object_, np.str_, np.bytes_, np.void, np.datetime64, np.timedelta64,
    np.complex64, np.complex128, np.clongdouble})


def not_scalars(names, values):
    bad = [n for n, v in zip(names, values) if v.__class__ not in SCALAR_TYPES]
    raise PullbackError(
        f"this gradient was generated for scalar {', '.join(bad)}: "
        f"{', '.join(bad)} flow(s) into functions that take real numbers (such as math.sin), "
        f"but got {', '.join(type(v).__name__ for n, v in zip(names, values) if n in bad)}"
        + (_scalar_use(bad) or _checking_function()))


def _scalar_use(bad) -> str:
    """"\n  " and the line of the first call of a `math` function in the user's function
    whose generated code runs the entry check now, that names one of `bad` in its
    arguments (where f takes the parameter as a number), or "" if none is found."""
    import ast
    import inspect as _inspect
    import textwrap

    frame = _generated_frame(sys._getframe(2))
    func = frame.f_locals.get("user_function") if frame is not None else None
    code = getattr(func, "__code__", None)
    try:
        lines, first = _inspect.getsourcelines(func)
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except (OSError, TypeError, SyntaxError):
        return ""
    spaces = getattr(func, "__globals__", {})
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not any(
                isinstance(n, ast.Name) and n.id in bad
                for a in [*node.args, *(k.value for k in node.keywords)] for n in ast.walk(a)):
            continue
        callee = node.func
        found = spaces.get(callee.id) if isinstance(callee, ast.Name) else getattr(
            spaces.get(callee.value.id), callee.attr, None) if isinstance(
            callee, ast.Attribute) and isinstance(callee.value, ast.Name) else None
        if getattr(found, "__module__", None) == "math" or found is _math:
            number = first + node.lineno - 1
            text = linecache.getline(code.co_filename, number).strip()
            return f'\n  File "{code.co_filename}", line {number}\n    {text}'
    return ""


def _checking_function() -> str:
    """"\n  " and the `def` line of the user's function whose generated code runs an
    entry check now (a called function's, when the check is its own), or ""."""
    from ..frontend.parse import where_defined

    frame = _generated_frame(sys._getframe(1))
    func = frame.f_locals.get("user_function") if frame is not None else None  # a free name
    at = where_defined(func) if func is not None else ""
    return f"\n  {at}" if at else ""


def complex_to_math(names, values, ats):
    """Refuse a NumPy complex scalar (or Python complex) among `values`, values given to
    `math` functions at `ats` (where each is taken: the call's line): `math` casts
    NumPy's complex scalars to their real part, but the derivative rules read the value
    itself. `names`: the parameters checked on entry, or "" for a value computed in f.
    The generated code calls this only for a value whose class is not a real scalar
    type; anything not complex (a 0-d array, an object with `__float__`) passes, and a
    list or tuple passes when none of its items is complex."""
    for name, value, at in zip(names, values, ats):
        items = value if isinstance(value, (list, tuple)) else (value,)  # math.fsum(xs)
        if any(isinstance(v, (complex, np.complexfloating)) for v in items):
            what = f"{name} is a {type(value).__name__}" if name else type(value).__name__
            raise PullbackError(
                f"a math function here takes a complex number ({what}): math casts a "
                "NumPy complex scalar to its real part (NumPy's ComplexWarning), which "
                "pullback does not differentiate; take np.real(...) first, or call the "
                f"NumPy function (np.sin, np.log)\n  {at}")


def rebound(name):
    """Raised by a gradient's entry guards when something it was generated for changed."""
    owner, _, attr = name.rpartition(".")
    if attr == "__code__":
        what = (f"the code of {owner} was replaced after this gradient was generated (a "
                "module reload, or IPython's autoreload, does this)")
    elif attr in ("__defaults__", "__kwdefaults__"):
        what = f"the default arguments of {owner} changed after this gradient was generated"
    else:
        what = (f"{name!r} names a different object than when this gradient was generated, "
                "so the derivative rules chosen for it no longer apply")
    from ..frontend.parse import where_defined

    where = ""  # the generated function that called this: its user_function is f
    user_function = sys._getframe(1).f_locals.get("user_function")
    if user_function is not None:
        where = where_defined(user_function)
        what = f"{what} (in the gradient of {user_function.__qualname__})"
        where = f"\n  {where}" if where else ""
    raise PullbackError(f"{what}; call pullback.grad (or value_and_grad, vjp) again{where}")


class SeedShapeError(PullbackError):
    """A vjp's seed whose shape is not that of f's result (jacobian's reverse mode makes
    its seeds by the shape f's result had for arguments of the same shapes, and makes them
    again when it changed)."""


def seed_for(seed, out):
    """The gradient vjp starts from: `seed`, checked to have the structure and shapes of
    f's result `out` (a tuple or list of seeds for a tuple or list result), as a private
    copy."""
    if isinstance(out, (tuple, list)):
        if not isinstance(seed, (tuple, list)) or len(seed) != len(out):
            raise PullbackError(
                f"vjp: f returned a {type(out).__name__} of {len(out)} values, so the seed "
                f"must be a tuple of {len(out)} seeds, one per value; got {_described(seed)}")
        return GradList(seed_for(s, o) for s, o in zip(seed, out))
    if isinstance(out, dict):
        if not isinstance(seed, dict) or set(seed) != set(out):
            raise PullbackError("vjp: f returned a dict, so the seed must be a dict with the "
                                f"same keys {sorted(out, key=repr)}; got {_described(seed)}")
        return GradDict({k: seed_for(seed[k], v) for k, v in out.items()})
    if isinstance(seed, (tuple, list, dict)) or np.shape(seed) != np.shape(out):
        raise SeedShapeError(f"vjp: the seed must have the shape of f's result, "
                            f"{np.shape(out)}; got {_described(seed)}")
    return owned(seed)


def _described(value):
    if isinstance(value, (tuple, list, dict)):
        return f"a {type(value).__name__} of {len(value)}"
    return f"shape {np.shape(value)}"


class Unbound:
    """The value of a local variable that is not set on every path (assigned in one branch
    only, or in a loop that may not run): every use raises UnboundLocalError, as reading
    the variable does in Python, so a gradient never computes on where f would fail."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def _fail(self, *args, **kwargs):  # Python's own message for the read
        raise UnboundLocalError(
            f"cannot access local variable {self.name!r} where it is not associated with a "
            "value")

    __getattr__ = __call__ = __getitem__ = __iter__ = __len__ = __bool__ = _fail
    __float__ = __int__ = __index__ = __complex__ = __array__ = _fail
    __array_ufunc__ = __array_function__ = __hash__ = __format__ = _fail
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __contains__ = _fail
    __neg__ = __pos__ = __abs__ = __invert__ = __round__ = __trunc__ = _fail
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __matmul__ = _fail
    __rmatmul__ = __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = _fail
    __mod__ = __rmod__ = __pow__ = __rpow__ = __and__ = __rand__ = __or__ = __ror__ = _fail
    __xor__ = __rxor__ = __lshift__ = __rlshift__ = __rshift__ = __rrshift__ = _fail
    __divmod__ = __rdivmod__ = _fail

    def __repr__(self):
        return f"<unset {self.name}>"


def unbound(name):
    """The placeholder a variable holds before the assignment that sets it has run."""
    return Unbound(name)


def bound_value(value):
    """`value`, read in `value is other` (lower/unbound.py: identity_reads): a variable
    never set raises as Python's read of it does."""
    if value.__class__ is Unbound:
        value._fail()
    return value


def _without_derivative(key) -> bool:
    """Whether an index holds integers (or booleans, slices of them, None, Ellipsis,
    text) alone: values no read depends on differentiably, whatever reads them."""
    if key is None or key is Ellipsis or isinstance(key, (int, str, numpy.integer,
                                                          numpy.bool_)):
        return True
    if isinstance(key, numpy.ndarray):
        return key.dtype.kind in "biu"
    if isinstance(key, slice):
        return all(_without_derivative(b) for b in (key.start, key.stop, key.step))
    if isinstance(key, (tuple, list)):
        return all(_without_derivative(k) for k in key)
    return False


def integer_index(key, at):
    """`r[k]` of an object carrying no gradient, where k comes from values being
    differentiated (a position recorded beside them, `for t, v in pairs: targets[t]`): a
    read at integer positions has no derivative in k; any other key (a float, a float
    array: an object that builds its value from the key, np.r_ under another name) is
    refused. `at`: (what is indexed, with what; where)."""
    if _without_derivative(key):
        return
    from ..errors import NoRuleError

    (shown, name), where = at
    raise NoRuleError(
        f"indexing {shown} with {name}, a value being differentiated that holds "
        f"{type(key).__name__} values here, not integers: pullback differentiates reads out of "
        "arrays, lists and dicts at integer positions and keys, and np.r_[...] and "
        "np.c_[...] spelled so, not other objects built by indexing (np.s_, np.r_ under "
        "another name); build the array with np.concatenate, np.stack or np.array", where)


def check_bound(out):
    """The function's result is a value, not a variable that was never set."""
    if out.__class__ is Unbound:
        out._fail()


def own_input(x, name, others):
    """The copy on which a function's writes into its input `name` are made
    (lower/inputs.py): of an ndarray (its dtype and memory order kept), a list or a dict.
    A read-only array raises as f's write would; an input that one of `others` (the other
    arguments, the module-level arrays, lists and dicts f reads) is, shares memory with,
    or holds, is refused (f's writes would show there too, which the copy would not); any
    other mutable object is refused; a number, string or tuple is returned as it is (f's
    write into it raises)."""
    cls = x.__class__
    if cls is np.ndarray:
        if not x.flags.writeable:
            raise ValueError("assignment destination is read-only")
    elif cls is not list and cls is not dict:
        if cls in SCALAR_TYPES or isinstance(x, (str, bytes, tuple, numbers.Number)) \
                or x is None:
            return x
        raise PullbackError(
            f"the function writes in place into its input {name!r}, a {cls.__qualname__}: "
            "pullback makes such writes on a copy written back when the function returns, "
            "for an ndarray, a list or a dict; copy it into one of those in the function")
    for other in others:
        if holds(other, x) or (cls is np.ndarray and other.__class__ is np.ndarray
                               and np.may_share_memory(x, other)):
            raise PullbackError(
                f"the function writes in place into its input {name!r}, which shares its "
                "memory with another argument or a module-level value the function reads "
                "(the same object, a view of it, or a container holding it): the function's "
                "writes would show there too, which pullback's copy of the input would not; "
                "pass a copy")
    return x.copy(order="K") if cls is np.ndarray else cls(x)


def own_tangent(t, x):
    """The tangent of own_input(x): a private, writable copy of x's tangent t (forward mode
    writes into it where the function writes into its copy of x), an array of x's shape
    for an array (a number tangent of a 0-d array made one)."""
    if x.__class__ is np.ndarray:
        return np.array(np.broadcast_to(t, x.shape), dtype=np.result_type(t, float))
    return t.__class__(t) if t.__class__ is list or t.__class__ is dict else t


def final_state(x):
    """A copy of what the function left in its copy of an input (own_input), taken where
    the function returns: the gradient's adjoint then restores the values its writes
    overwrote, in that copy."""
    cls = x.__class__
    return x.copy() if cls is np.ndarray else cls(x) if cls is list or cls is dict else x


def write_back(given, final):
    """The caller's object `given` takes the state the function left in its copy
    `final` (own_input): what the function's writes into its input leave there."""
    if given is final:
        return None
    cls = given.__class__
    if cls is np.ndarray:
        given[...] = final
    elif cls is list:
        given[:] = final
    elif cls is dict:
        given.clear()
        given.update(final)
    return None


NUMBER_TYPES = frozenset({float, int, np.float64, np.float32, np.float16, np.longdouble,
                          np.int64, np.int32, np.int16, np.int8, np.uint64, np.uint32,
                          np.uint16, np.uint8})


class ReturnSite(str):
    """Where a function returns (the text of a location), and `if_none`: where it returns
    None, when one statement does."""

    if_none = None


def check_scalar(out, where=""):
    """grad's function returned one real number; `where` is its return statement."""
    if out.__class__ is float or out.__class__ in NUMBER_TYPES:
        return
    if out is None and getattr(where, "if_none", None):
        where = where.if_none  # the `return` that ran
    check_bound(out)
    if is_foreign_array(out) and out.ndim == 0 and _real_dtype(out):
        return  # a 0-d array of Dask, CuPy or an array-API library, left as it is
    if np.ndim(out) != 0:
        problem = (f"grad needs a function with a scalar output (one number, a 0-d array "
                   f"or an array of one element), but it returned shape {np.shape(out)}; "
                   "use pullback.vjp(f)(*args, seed) for array outputs")
    elif out.__class__ is complex or np.iscomplexobj(out):
        problem = (f"grad needs a real-valued function, but it returned the complex value "
                   f"{out!r}; differentiate its real part, imaginary part or absolute value "
                   "(np.real, np.imag, np.abs), or use pullback.vjp with a complex seed")
    elif isinstance(out, (np.ndarray, np.generic)) and out.dtype.kind in "iuf":
        return
    else:
        problem = (f"grad needs a function that returns a number, but it returned {out!r} "
                   f"(of type {type(out).__name__}), which has no derivative")
    raise PullbackError(f"{problem}\n  {where}" if where else problem)


def result_seed(out, where=""):
    """grad's seed for a result that may be an array of one element: 1.0 for one real
    number (as check_scalar accepts it), an array of ones of the result's shape for a
    real array of one element (`x @ w` of shape (1,) or (1, 1)); anything else refused
    as check_scalar refuses it."""
    if isinstance(out, np.ndarray) and out.ndim and out.size == 1 and out.dtype.kind in "iuf":
        return np.ones(out.shape, out.dtype if out.dtype.kind == "f" else np.float64)
    check_scalar(out, where)
    return 1.0


def result_seed_again(out, where=""):
    """result_seed in a gradient differentiated again (pullback reads `result_seed` there
    as this): a number's seed is NumPy's 1.0, so that the gradient's products with Python
    floats are NumPy numbers. A Python float 0.0 is the known zero, which helpers pass on
    without a shape (`unreduce(0.0, x)` is 0.0); `dout * w` with w a Python float that is
    0.0 at the point is not, and its derivative (in w) is not zero."""
    seed = result_seed(out, where)
    return np.float64(seed) if seed.__class__ is float else seed


def _real_dtype(x) -> bool:
    xp = namespace_of(x)
    if xp is np:
        return np.dtype(x.dtype).kind in "iuf"
    return xp.isdtype(x.dtype, ("integral", "real floating"))


def _foreign_grad(d, x):
    """as_grad where x or d is an array of another library: d as it is (a Dask gradient
    stays lazy), broadcast to x's shape and given x's float dtype, in d's library."""
    if not is_foreign_array(d):  # a known zero or a scalar, for an array x
        d = zeros_like(x) + d
    elif is_lazy(d):
        _warn_computed_decisions(sys._getframe(2))
    xp = namespace_of(d)
    if is_foreign_array(x) or isinstance(x, np.ndarray):
        if not _float_dtype(x, namespace_of(x)) == x.dtype:
            _not_differentiable(x)
        if d.shape != x.shape:
            d = xp.broadcast_to(d, x.shape)
        if xp is np:
            if np.iscomplexobj(d) and not np.iscomplexobj(x):
                d = np.real(d)  # a real input's gradient is the real part
            return d.astype(x.dtype) if d.dtype != x.dtype else copied(d)
        return xp.astype(d, x.dtype) if d.dtype != x.dtype else copied(d)
    if x.__class__ is bool or isinstance(x, (np.bool_, np.integer)):
        _not_differentiable(x)
    if xp is np and np.iscomplexobj(d) and not isinstance(x, (complex, np.complexfloating)):
        d = np.real(d)
    return d  # a number's gradient, as a 0-d array of d's library (not computed)


def as_grad(d, x):
    """The gradient in the user's terms: a float for a Python or float64 scalar, a scalar of
    its own type for another NumPy float (float32 stays float32), an array of x's shape
    and float dtype for an array. Booleans, and NumPy integers (whose arithmetic wraps
    around), have no gradient: asking for one is an error. Where x or d is an array of
    another library (Dask, CuPy, array API), the gradient is an array of that library:
    a Dask gradient is returned lazy, as a 0-d array for a number x."""
    if x.__class__ not in _NATIVE and is_foreign_array(x) \
            or d.__class__ not in _NATIVE and is_foreign_array(d):
        return _foreign_grad(d, x)
    if isinstance(x, np.ndarray):
        if d.__class__ is np.ndarray and d.shape == x.shape and d.dtype == x.dtype:
            return d if d.flags.writeable else d.copy()
        if x.dtype.kind not in "fc":
            _not_differentiable(x)
        dtype = x.dtype
        if dtype.kind != "c" and np.iscomplexobj(d):
            d = np.real(d)  # a real input's gradient is the real part
        return np.array(np.broadcast_to(d, x.shape), dtype=dtype)
    if isinstance(x, (list, tuple)):
        if x.__class__ is not list and x.__class__ is not tuple:
            _refuse_own_operators(x)
        if d.__class__ is float:
            grads = [as_grad(0.0, xi) for xi in x]
        else:
            grads = [as_grad(di, xi) for di, xi in zip(d, x, strict=True)]
        if isinstance(x, tuple) and isinstance(getattr(type(x), "_fields", None), tuple):
            return type(x)(*grads)  # a namedtuple: the gradient is one of its class
        return tuple(grads) if isinstance(x, tuple) else grads
    if isinstance(x, dict):
        if d.__class__ is float:
            return {k: as_grad(0.0, v) for k, v in x.items()}
        return {k: as_grad(d[k], v) for k, v in x.items()}
    if isinstance(x, (complex, np.complexfloating)):
        return complex(d) if x.__class__ in (complex, np.complex128) else x.__class__(d)
    if x.__class__ is bool or isinstance(x, (np.bool_, np.integer)):
        _not_differentiable(x)
    # (a function an object holds, a builtin value: as before)
    if not isinstance(x, (int, float, np.generic)) and not callable(x) \
            and x.__class__.__module__ != "builtins" and _sourceless_class(x.__class__):
        raise PullbackError(
            f"a gradient with respect to an object of class {x.__class__.__qualname__} (of "
            f"{x.__class__.__module__}), a class defined in C or in the standard library: "
            "pullback does not take such an object apart, nor treat it as a constant; pass "
            "the numbers or arrays it holds (float(q), list(d), np.array(d)) instead")
    stored = stored_attributes(x) if not isinstance(x, (int, float)) else None
    if stored is not None:
        return _object_grad(d, x, stored)
    if isinstance(d, GradRecord):
        GradRecord._refuse(d)
    if np.iscomplexobj(d):
        d = np.real(d)  # a real input's gradient is the real part
    if isinstance(x, np.floating) and x.__class__ is not np.float64:
        return x.__class__(d)
    return float(d)


_OPERATORS = ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
              "__truediv__", "__rtruediv__", "__matmul__", "__rmatmul__", "__pow__",
              "__neg__", "__pos__", "__abs__", "__getitem__", "__iter__", "__len__",
              "__array__", "__array_ufunc__", "__array_function__")


def set_attribute(obj, name, value, where=None):
    """`obj.name = value` in a differentiated function: a plain value (a number, a
    string, None, or a tuple of them), such as a counter or a setting, or an array (the
    analysis refuses arrays written in place, which would change the attribute with them).
    A list or object stored there could change later without pullback seeing it. The
    attribute must be stored as it is: a class's property setter, descriptor or
    __setattr__ runs code that pullback does not see (and the analysis takes `obj.n +=
    1` as moving the attribute by one)."""
    cls = obj.__class__
    stored_by = getattr(cls, name, None).__class__  # a slot's member descriptor stores it
    if cls.__setattr__ is not object.__setattr__ or hasattr(stored_by, "__set__") \
            and stored_by is not types.MemberDescriptorType:
        raise PullbackError(
            f"assignment to the attribute {name!r} of a {cls.__qualname__} object, which "
            f"{cls.__qualname__} stores through its own code (a property setter, a "
            "descriptor or __setattr__) that pullback does not differentiate; set the "
            "attribute outside the function, or store it in a plain attribute")
    if not (_plain(value) or value.__class__ is np.ndarray):
        raise PullbackError(
            f"assignment of a {type(value).__name__} to the attribute {name!r}: in a function "
            "pullback differentiates, an attribute may be set to a number, an array, a "
            "string, None or a tuple of them, not to a list or object")
    setattr(obj, name, value)


def set_new_container(obj, name, kind):
    """`obj.name = {}` (or `[]`, `dict()`, `list()`) in a differentiated function: a new
    empty container only the object holds (a lazy cache, `if not hasattr(self, "_cache"):
    self._cache = {}`), filled later through `obj.name[key] = v` and `obj.name.append(v)`,
    which pullback follows like the object's other attributes."""
    set_attribute(obj, name, None)  # the checks of the class's own storing code
    setattr(obj, name, {} if kind == "dict" else [])


def store_item(container, key, value):
    """`obj.cache[key] = value` in a differentiated function, where obj is self or a
    parameter (the analysis: an item f stores and reads back in no way that reaches its
    result after the write): made as f makes it, an effect. The value is stored as f
    stores it (a number, an array, a string, None or a tuple of them)."""
    if not (_plain(value) or value.__class__ is np.ndarray):
        raise PullbackError(
            f"storing a {type(value).__name__} into a container an object holds: in a "
            "function pullback differentiates, a number, an array, a string, None or a "
            "tuple of them may be stored so, not a list or object")
    container[key] = value


def _plain(value) -> bool:
    if value is None or isinstance(value, (bool, int, float, complex, str, np.generic)):
        return True
    return value.__class__ is tuple and all(_plain(v) for v in value)


def _refuse_own_operators(x):
    """A list or tuple subclass (a NamedTuple, say) whose class defines its own operators,
    indexing or iteration: pullback differentiated what `+`, `*`, `x[i]` do to lists and
    tuples, not what that class's methods do."""
    cls = x.__class__
    base = list if isinstance(x, list) else tuple
    own = [(name, vars(k)[name]) for name in _OPERATORS
           for k in cls.__mro__[:cls.__mro__.index(base)] if name in vars(k)]
    if own:
        name, method = own[0]
        code = getattr(method, "__code__", None)
        where = "" if code is None else (
            f'\n  File "{code.co_filename}", line {code.co_firstlineno}\n    '
            + linecache.getline(code.co_filename, code.co_firstlineno).strip())
        raise PullbackError(
            f"the gradient with respect to a {cls.__qualname__} was asked for, and its class "
            f"defines {name}: pullback differentiates operators and indexing on plain "
            "tuples and lists, not a class's own methods for them; pass the values as a "
            "plain tuple (or differentiate with respect to numbers and arrays)" + where)


def _not_differentiable(x):
    what = (f"an array of dtype {x.dtype}" if isinstance(x, np.ndarray)
            else f"the {type(x).__name__} {x!r}")
    raise PullbackError(
        f"the gradient with respect to {what} was asked for: booleans and NumPy integers "
        "have no derivative (NumPy integer arithmetic wraps around); pass floats, as in "
        "x.astype(float), or leave the argument out of wrt")


def transposed(rows):
    """`zip(*rows)` as a list of tuples (normalize writes it for a starred zip)."""
    return list(zip(*rows))


def transposed_grad(g, rows):
    """The gradient of `rows` given `g`, that of transposed(rows): element i of row j got
    the gradient of element j of column i (zero past the shortest row, where zip stops);
    a row that is an array gets an array of its shape (`zip(*(a, b))` of arrays)."""
    columns = len(g) if g.__class__ is not float else 0
    return GradList(extended_grad(GradList(item_grad(item_grad(g, i), j) if i < columns
                                           else 0.0 for i in range(len(row))), row)
                    for j, row in enumerate(rows))


def default_function(given, default, name, where):
    """A parameter whose default is a function, checked to hold it: the gradient was made
    with that function's derivative rule (a gradient given another function runs the
    code made for that one, api._by_function_arguments; this refuses anything else)."""
    if given is not default:
        raise PullbackError(
            f"this gradient was generated for {name}={getattr(default, '__name__', default)} "
            f"(its default), but it received {getattr(given, '__name__', given)!r}"
            + (", which is not a function: pullback makes the gradient for the function a "
               "parameter whose default is a function receives" if not callable(given) else
               " (the default was changed since, or the gradient is called from code "
               "pullback generated): take the gradient of the function anew")
            + f"\n  {where}")
    return given


def none_given(given, name, where):
    """A parameter the gradient was made for receiving None (lower/none_parameters: the
    branches testing it dropped, as the call that made it passed None), checked to: the
    code for another value, which those branches hold, is what pullback refused."""
    if given is not None:
        raise PullbackError(
            f"this gradient was generated for calls passing {name}=None (the branches "
            f"that test {name} dropped: pullback refuses code they hold), but it received "
            f"{given!r}: take the gradient with {name}=None, or keep what that code does "
            f"for another {name} out of the function differentiated\n  {where}")


def refused_here(message):
    """A call without a derivative rule on a value being differentiated, in a branch
    (api._analysed): refused when the branch runs, with the transform's located message;
    a run that takes the other side never reaches it."""
    from ..errors import NoRuleError

    raise NoRuleError(message)


def numpy_namespace(of, arrays, where):
    """The array namespace `of(*arrays)` gives (sklearn's get_namespace: with its flag),
    checked to be NumPy or an array-API wrapper of NumPy: the gradient reads its functions
    from NumPy and uses NumPy's derivative rules."""
    namespace = of(*arrays)
    module = namespace[0] if isinstance(namespace, tuple) else namespace
    name = getattr(module, "__name__", "")
    if module is not numpy and name != "numpy" and not name.endswith("array_api_compat.numpy"):
        raise PullbackError(f"the array namespace here is {name or module!r}: pullback "
                            "differentiates array-namespace code on NumPy arrays only\n  "
                            + where)
    return namespace


def spread_grads(grads, layout, packed, mapping):
    """For a call g(a, *packed, **mapping) of a Python function: the gradients of `packed`
    (element by element) and of `mapping` (key by key), from `grads`, the gradients of
    g's parameters that they filled (a missing one is zero). `layout` is the call's
    (activity's `_spread_layout`)."""
    positional, offset = layout["positional"], layout["offset"]
    dpacked = dmapping = 0.0
    if packed is not None:
        dpacked = GradList()
        for i in range(len(packed)):
            at = offset + i
            if at < len(positional):
                dpacked.append(grads.get(positional[at], 0.0))
            else:
                dpacked.append(item_grad(grads.get(layout["varargs"], 0.0), at - len(positional)))
    if mapping is not None:
        dmapping = GradDict()
        for key in mapping:
            if key in layout["named"]:
                dmapping[key] = grads.get(key, 0.0)
            else:
                rest = grads.get(layout["varkw"], 0.0)
                dmapping[key] = 0.0 if rest.__class__ is float else rest[key]
    return dpacked, dmapping


def passed_grad(d, values, key):
    """The gradient, in the user's terms, of the argument passed as `values[key]`: the
    element `key` of *args (wrt counted past the named parameters), or the keyword `key`
    of **kwargs, given `d`, the gradient of the whole tuple or dict."""
    try:
        value = values[key]
    except (IndexError, KeyError):
        if isinstance(key, int):
            problem = (f"argument {key} of *args (counting from 0 past the named "
                       f"parameters), but the call passed {len(values)} there")
        else:
            problem = f"the keyword argument {key!r}, but the call did not pass it"
        raise PullbackError(f"wrt asks for the gradient of {problem}") from None
    return as_grad(0.0 if d.__class__ is float else d[key], value)


HELPERS = {
    name: obj
    for name, obj in globals().items()
    if callable(obj) and not name.startswith("_") and obj.__module__ == __name__
}
HELPERS["SCALAR_TYPES"] = SCALAR_TYPES
# The builtins the lowering writes calls of (a set display's set(...), tuple(xs) for *xs
# passed on, isinstance for except clauses, range/len/min/slice/reversed for loops and
# records; float for the entry checks' identity test), under names nothing in the user's
# function can hide: used where the function's own locals or globals hide the builtin's name.
HELPERS.update({f"builtin_{f.__name__}": f
                for f in (set, tuple, isinstance, range, len, min, slice, reversed, float,
                          int)})
# The helpers here that compute a value and do nothing else (the optimizer may drop a
# call whose result is unread: rules.PURE_CALLS)
PURE = frozenset({"unbroadcast", "owned", "as_grad", "as_array", "zeros_like", "item_grad",
                  "add_grads", "pick_grad", "sum_grad", "key_list", "unbound"}
                 | {name for name in HELPERS if name.startswith("builtin_")})
