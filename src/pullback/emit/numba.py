"""The Numba backend: the generated gradient, reshaped for Numba's compiler and compiled.

A pass over the final generated function (a separate pass: the other stages do not
know about it) splits it in two. The entry guards stay in a Python function with the
user's signature, which checks what the gradient assumed (see docs/guarantees.md), reads
the globals and constants the computation uses (live, on every call: Numba would freeze
a global's value at compile time) and calls the second part, the computation itself,
compiled by `numba.njit` with the Numba versions of the runtime helpers
(runtime/numba_helpers.py). A known-zero gradient `dW = 0.0` of an array W becomes
`zero_like(W)` where W is defined, so that each variable has one type.

Guarantees: the compiled gradient computes what the NumPy backend's computes, to
rounding. What the pass can tell Numba cannot compile -- a call to a runtime helper
with no Numba version, to a Python function that was not inlined, to a NumPy function
Numba does not implement, an attribute of an object, a construct Numba has no form
for, a global that is not a number, array or string -- is refused when the gradient is
made, with the construct, its file and line and the source line (`backend="numba"`),
or answered by the NumPy gradient with a warning naming the reason
(`backend="auto"`). What only typing finds (a value of a type Numba cannot take, an
argument form a NumPy function does not accept in Numba) is found on the first call
with those types and reported, or answered, the same way. Only float64 arrays and
Python or float64 numbers are differentiated by compiled code (float32 and complex
inputs keep their NumPy gradients under "auto" and are refused under "numba").
Numba is imported only when this backend is asked for.
"""

from __future__ import annotations

import copy
import gc
import hashlib
import importlib
import importlib.util
import linecache
import math
import os
import re
import sys
import types
import warnings

import gast
import numpy as np

from ..errors import PullbackError, UnsupportedSyntaxError
from ..frontend.parse import where_defined
from ..helpers import HELPERS
from ..ir.annotations import ADJOINT_OF
from ..ir.nodes import walk
from . import codegen, numba_array_exprs

BACKENDS = ("numpy", "numba", "auto")
RUN = "_pullback_compiled"  # the name the Python part calls the compiled part by
# Builtins compiled code may call (Numba implements them for numbers, arrays and lists).
BUILTINS = frozenset({"range", "len", "float", "int", "abs", "min", "max", "enumerate",
                      "zip", "bool", "round", "sum", "slice"})
# Methods and attributes of arrays, lists and tuples that compiled code may use.
ATTRIBUTES = frozenset({"shape", "ndim", "size", "T", "dtype", "real", "imag", "append",
                        "pop", "clear", "copy", "reshape", "sum", "ravel", "flatten",
                        "transpose", "astype", "item", "dot", "mean", "max", "min", "cumsum",
                        "prod", "conj", "flat", "fill"})
FORBIDDEN = (gast.With, gast.Try, gast.Raise, gast.Assert, gast.Delete, gast.Global,
             gast.Nonlocal, gast.FunctionDef, gast.ClassDef, gast.Lambda, gast.Dict,
             gast.Set, gast.DictComp, gast.SetComp, gast.GeneratorExp, gast.Yield,
             gast.YieldFrom, gast.Await, gast.JoinedStr, gast.Starred)
_WHAT = {gast.With: "a with block", gast.Try: "a try block", gast.Raise: "raise",
         gast.Assert: "assert", gast.Delete: "del", gast.Lambda: "a lambda",
         gast.Dict: "a dict", gast.Set: "a set", gast.DictComp: "a dict comprehension",
         gast.SetComp: "a set comprehension", gast.GeneratorExp: "a generator expression",
         gast.JoinedStr: "an f-string", gast.Starred: "a starred expression",
         gast.FunctionDef: "a nested function", gast.ClassDef: "a class"}


def numba():
    """The numba module, imported now (an optional dependency)."""
    try:
        return importlib.import_module("numba")
    except ImportError:
        raise PullbackError('backend="numba" needs Numba: pip install "pullback[numba]"') \
            from None


class Refused(UnsupportedSyntaxError):
    """A gradient the Numba backend cannot compile."""


# ------------------------------------------------------------------ the reshaping pass


class Split:
    """The Python part (guards, then the call) and the compiled part of one gradient."""

    def __init__(self, transformed, func):
        tree = transformed.with_tree(func).tree
        if transformed.owner is not None or not isinstance(tree, gast.FunctionDef):
            raise PullbackError("the Numba backend compiles grad, value_and_grad and vjp")
        self.func, self.location = func, transformed.location
        fn = copy.deepcopy(tree)
        codegen.spell_bound_chains(fn, transformed.bound_chains)
        args = fn.args
        if args.vararg is not None or args.kwarg is not None:
            raise self.refuse(fn, f"*{getattr(args.vararg or args.kwarg, 'id', 'args')} "
                              "parameters (Numba compiles fixed signatures)")
        self.params = [a.id for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]]
        at = 0
        while at < len(fn.body) and codegen._is_guard(fn.body[at]):
            at += 1
        guards, body = fn.body[:at], codegen.without_operand_checks(fn.body[at:])
        _zeros_shaped(body, self.params, ADJOINT_OF.of(tree))
        _reductions_along_axes(body)
        _spelled_for_numba(body, transformed.constants)
        _branch_records_by_kind(body, self.params)
        _inner_records_on_tapes(body, self.params)
        _records_on_tapes(body, self.params)
        _products_added_in_place(body)
        _accumulations_in_place(body, self.params)
        self.extras = self.check(body, transformed.constants)
        core = gast.FunctionDef(
            name=f"{fn.name}_compiled", args=_arguments(self.params + self.extras), body=body,
            decorator_list=[], returns=None, type_comment=None)
        call = gast.Call(func=_load(RUN), args=[_load(n) for n in self.params + self.extras],
                         keywords=[])
        fn.body = guards + [gast.Return(value=call)]
        self.wrapper, self.core = fn, core
        self.wrapper_source = codegen.to_source(fn)
        self.core_source = codegen.to_source(core)
        self.source = (f"# Python: the entry guards, then the compiled part\n"
                       f"{self.wrapper_source}\n# compiled by numba.njit\n{self.core_source}")

    def refuse(self, node, what) -> Refused:
        where = self.location.describe(node) if getattr(node, "lineno", None) is not None \
            or getattr(node, "origin", None) is not None else where_defined(self.func)
        return Refused(f"the Numba backend cannot compile {what}", where)

    def check(self, body, constants) -> list:
        """The names the compiled part reads from outside (passed in by the Python part),
        after refusing what Numba cannot compile (see the module docstring)."""
        stored = set(self.params)
        for stmt in body:
            for node in walk(stmt):
                if isinstance(node, gast.Name) and isinstance(node.ctx, (gast.Store, gast.Del)):
                    stored.add(node.id)
        extras: list = []
        for stmt in body:
            for node in _walk_statements(stmt):
                self._check_statement(node, stored, extras, constants)
        return extras

    def _check_statement(self, stmt, stored, extras, constants):
        for node in _own_nodes(stmt):
            if isinstance(node, FORBIDDEN):
                raise self.refuse(stmt, _WHAT.get(type(node), type(node).__name__))
            if isinstance(node, gast.Call):
                if node.keywords and any(k.arg is None for k in node.keywords):
                    raise self.refuse(stmt, "a call with **keywords")
                self._check_callee(node.func, stmt, stored)
            elif isinstance(node, gast.Attribute) and _root(node) not in ("np", "math") \
                    and node.attr not in ATTRIBUTES:
                raise self.refuse(stmt, f"the attribute .{node.attr} (compiled code reads "
                                  "numbers, arrays, lists and tuples, not objects)")
            elif isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load) \
                    and node.id not in stored and node.id not in extras \
                    and node.id not in ("np", "math") and node.id not in _numba_helpers() \
                    and node.id not in BUILTINS:
                self._check_value(node.id, stmt, constants)
                extras.append(node.id)

    def _check_callee(self, callee, stmt, stored):
        if isinstance(callee, gast.Name):
            name = callee.id
            if name in stored or name in BUILTINS or name in _numba_helpers():
                return
            if name in HELPERS:
                raise self.refuse(stmt, f"{name}, a runtime helper the gradient of this line "
                                  "calls, which has no Numba version yet")
            raise self.refuse(stmt, f"the call to {name}: compiled code calls NumPy, math "
                              "and its own helpers, not Python functions (one that pullback "
                              "did not inline into the gradient is not compiled yet)")
        if isinstance(callee, gast.Attribute):
            root = _root(callee)
            if root in ("np", "math"):
                obj = codegen.helper_attribute(_dotted(callee))
                if not _numba_knows(obj):
                    raise self.refuse(stmt, f"{_dotted(callee)}: Numba has no implementation "
                                      "of it")
                return
            if callee.attr in ATTRIBUTES and root in stored:
                return
            raise self.refuse(stmt, f"the call to {_dotted(callee) or '.' + callee.attr}")
        raise self.refuse(stmt, "a call through a computed value")

    def _check_value(self, name, stmt, constants):
        """A name the compiled part reads from outside: a number, array, string or tuple
        of them now (it is read again on each call; Numba's typing checks it then)."""
        if name in constants:
            value = constants[name]
        elif name in self.func.__code__.co_freevars:
            cells = dict(zip(self.func.__code__.co_freevars, self.func.__closure__ or ()))
            try:
                value = cells[name].cell_contents
            except ValueError:
                return
        elif name in self.func.__globals__:
            value = self.func.__globals__[name]
        else:
            return
        if not _plain(value):
            raise self.refuse(stmt, f"{name}, which holds {_described(value)} (compiled code "
                              "takes numbers, arrays and strings)")


def _plain(value) -> bool:
    if isinstance(value, (bool, int, float, complex, str, np.generic, np.ndarray)):
        return True
    return isinstance(value, tuple) and all(_plain(v) for v in value)


def _described(value) -> str:
    if isinstance(value, types.ModuleType):
        return f"the module {value.__name__}"
    if callable(value):
        return f"the function {getattr(value, '__qualname__', value)!s}"
    return f"a {type(value).__name__}"


def _own_nodes(stmt) -> list:
    """The nodes of `stmt` without those of the statements in its blocks."""
    if isinstance(stmt, gast.For):
        return [stmt, *walk(stmt.target), *walk(stmt.iter)]
    if isinstance(stmt, (gast.If, gast.While)):
        return [stmt, *walk(stmt.test)]
    return walk(stmt)


def _walk_statements(stmt):
    yield stmt
    for field in ("body", "orelse"):
        for s in getattr(stmt, field, None) or []:
            yield from _walk_statements(s)


def _root(node):
    while isinstance(node, gast.Attribute):
        node = node.value
    return node.id if isinstance(node, gast.Name) else None


def _dotted(node) -> str:
    parts = []
    while isinstance(node, gast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, gast.Name):
        return ""
    return ".".join([node.id, *reversed(parts)])


def _numba_knows(obj) -> bool:
    typing = _typing_context()
    try:
        typing.resolve_value_type(obj)
        return True
    except Exception:  # noqa: BLE001 - Numba says "not typable" in several ways
        return False


_CONTEXT: list = []


def _typing_context():
    if not _CONTEXT:
        nb = numba()
        nb.njit(lambda x: x)(1.0)  # loads the NumPy implementations' registrations
        from numba.core.registry import cpu_target
        cpu_target.typing_context.refresh()
        _CONTEXT.append(cpu_target.typing_context)
    return _CONTEXT[0]


def _numba_helpers() -> dict:
    from ..runtime import numba_helpers
    return numba_helpers.HELPERS


def _load(name):
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)


def _arguments(names):
    return gast.arguments(
        args=[gast.Name(id=n, ctx=gast.Param(), annotation=None, type_comment=None)
              for n in names],
        posonlyargs=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])


def _zeros_shaped(body, params, adjoint_of):
    """`dW = 0.0` (a known-zero gradient) as `dW = zero_like(W)` where W, the value dW is
    the gradient of, has one value: a parameter never assigned, or a name assigned once,
    by an earlier top-level statement (a name a loop assigns again may change shape from
    one iteration to the next: its zeros could have another iteration's shape). NumPy
    code lets the float become an array on the first accumulation; Numba needs one type.
    A partial sum `parts = 0.0` later added into dW (`dW += parts * c`) is shaped like
    dW."""
    stores: dict = {}
    for node in (n for s in body for n in walk(s)):
        if isinstance(node, gast.Name) and not isinstance(node.ctx, gast.Load):
            stores[node.id] = stores.get(node.id, 0) + 1
    summed_into = {}
    for node in (n for s in body for n in walk(s)):
        if isinstance(node, gast.AugAssign) and isinstance(node.target, gast.Name):
            value = node.value
            if isinstance(value, gast.BinOp):
                value = value.left
            if isinstance(value, gast.Name):
                summed_into[value.id] = node.target.id
    defined = {p for p in params if p not in stores}
    for stmt in body:
        for node in walk(stmt):
            if not (isinstance(node, gast.Assign) and len(node.targets) == 1
                    and isinstance(node.targets[0], gast.Name)
                    and isinstance(node.value, gast.Constant)
                    and node.value.value.__class__ is float and node.value.value == 0.0):
                continue
            name = node.targets[0].id
            primal = adjoint_of.get(name) or adjoint_of.get(summed_into.get(name))
            if primal in defined:
                node.value = gast.Call(func=_load("zero_like"), args=[_load(primal)],
                                       keywords=[])
        if isinstance(stmt, gast.Assign):
            defined |= {t.id for t in stmt.targets
                        if isinstance(t, gast.Name) and stores.get(t.id) == 1}


def _reductions_along_axes(body):
    """`np.max(x, axis=0)` (and min, mean, sum along axes) as the Numba helper
    `reduce_max(x, 0)`: Numba's own take no axis (np.sum takes one, but compiling it
    costs about a second per call site's types, its bounds check formatting an error
    message, where the helper shares the loops `unbroadcast` compiles anyway). Only for
    an axis and keepdims given as constants (others are left to Numba's typing, which
    refuses them)."""
    from ..runtime.numba_helpers import REDUCTIONS
    for stmt in body:
        for node in walk(stmt):
            if not (isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute)
                    and _dotted(node.func) in {f"np.{n}" for n in REDUCTIONS}):
                continue
            given = dict(zip(("a", "axis", "out", "keepdims"), node.args))
            given.update({k.arg: k.value for k in node.keywords})
            axis, keep = given.get("axis"), given.get("keepdims")
            if set(given) - {"a", "axis", "keepdims"} or "a" not in given \
                    or not _constant(axis) or (keep is not None and not _constant(keep)):
                continue
            if node.func.attr == "sum" and axis.value is None \
                    and (keep is None or keep.value is False):
                continue  # Numba's np.sum of every element
            node.func = _load(REDUCTIONS[node.func.attr])
            node.args = [given["a"], axis] + ([keep] if keep is not None else [])
            node.keywords = []


def _spelled_for_numba(body, constants):
    """NumPy calls Numba lacks, in a form it has, and calls whose Numba implementation
    compiles slowly, as calls of cached helpers; a constant holding a NumPy function
    (`np_transpose`, which a rule of `x.T` names) as that function, `np.transpose`,
    which compiled code resolves when it is compiled (a value passed in would be a
    Python object); `np.sum(x)` as `nb_sum(x)` (and the
    others in numba_helpers.CACHED_CALLS), `a @ b` and `np.matmul(a, b)` as
    `nb_matmul(a, b)` (loops for small float64 products, faster than Numba's BLAS call
    and compiled once per machine, where Numba's `@` is compiled in every process), and
    `np.squeeze(x, axis=k)` with a constant axis as the helper `squeeze_axes(x, k)`
    (without an axis, which axes go depends on the values: left to Numba, which
    refuses). A helper's name that the
    gradient uses for a value of its own is not called."""
    taken = {n.id for s in body for n in walk(s) if isinstance(n, gast.Name)}
    numpy = {name: value.__name__ for name, value in constants.items()
             if callable(value) and getattr(value, "__name__", None)
             and getattr(np, value.__name__, None) is value}
    for stmt in body:
        for node in walk(stmt):
            for field, value in gast.iter_fields(node):
                if isinstance(value, gast.expr):
                    setattr(node, field, _respelled(value, taken, numpy))
                elif isinstance(value, list):
                    value[:] = [_respelled(v, taken, numpy) if isinstance(v, gast.expr)
                                else v for v in value]


def _respelled(node, taken, numpy):
    if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load) and node.id in numpy:
        return gast.Attribute(value=_load("np"), attr=numpy[node.id], ctx=gast.Load())
    if isinstance(node, gast.BinOp) and isinstance(node.op, gast.MatMult) \
            and "nb_matmul" not in taken:
        return gast.Call(func=_load("nb_matmul"), args=[node.left, node.right], keywords=[])
    if not (isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute)):
        return node
    name = _dotted(node.func)
    from ..runtime.numba_helpers import CACHED_CALLS
    helper, count = CACHED_CALLS.get(name[3:] if name.startswith("np.") else "", (None, 0))
    if helper is not None and len(node.args) == count and not node.keywords \
            and helper not in taken:
        return gast.Call(func=_load(helper), args=node.args, keywords=[])
    if name == "np.matmul" and len(node.args) == 2 and not node.keywords:
        return _respelled(gast.BinOp(left=node.args[0], op=gast.MatMult(),
                                     right=node.args[1]), taken, numpy)
    if name == "np.squeeze":
        given = dict(zip(("a", "axis"), node.args))
        given.update({k.arg: k.value for k in node.keywords})
        if set(given) == {"a", "axis"} and _constant(given["axis"]) \
                and given["axis"].value is not None:
            return gast.Call(func=_load("squeeze_axes"), args=[given["a"], given["axis"]],
                             keywords=[])
    return node


def _records_on_tapes(body, params):
    """The records of a loop over a range (whose trip count is known when it starts) kept
    on a tape of preallocated arrays (runtime/numba_helpers.py) rather than appended to a
    list: `saved = []; for t in steps: ... saved.append(r)` and, in the adjoint,
    `while saved: ... = saved.pop()`. Only for a list used in exactly those three places,
    appended to at most once per iteration (by a statement of the loop's own body)."""
    taken = set(params) | {n.id for s in body for n in walk(s) if isinstance(n, gast.Name)}
    ranges = _ranges(body)
    uses: dict = {}
    for node in (n for s in body for n in walk(s)):
        if isinstance(node, gast.Name):
            uses[node.id] = uses.get(node.id, 0) + 1
    for block in _blocks(body):
        for i, stmt in enumerate(block):
            name = _empty_list(stmt)
            if name is None or uses.get(name) != 4:  # made, appended, tested, popped
                continue
            loop = _range_loop_appending(block, i, name, ranges)
            drain = next((w for b in _blocks(body) for w in b if isinstance(w, gast.While)
                          and isinstance(w.test, gast.Name) and w.test.id == name
                          and w.body and _pops(w.body[0], name)), None)
            if loop is None or drain is None:
                continue
            count, record = _fresh(f"{name}_count", taken), _fresh(f"{name}_record", taken)
            size = _fresh(f"{name}_size", taken)
            block[i] = _assign(count, gast.Constant(value=0, kind=None))
            block.insert(block.index(loop), _assign(size, gast.Call(
                func=_load("len"), args=[_load(loop.iter.id)], keywords=[])))
            at = next(k for k, b in enumerate(loop.body) if _appends(b, name))
            value = loop.body[at].value.args[0]
            loop.body[at:at + 1] = [
                _assign(record, value),
                gast.If(test=gast.Compare(left=_load(count), ops=[gast.Eq()],
                                          comparators=[gast.Constant(value=0, kind=None)]),
                        body=[_assign(name, gast.Call(func=_load("tape_new"), args=[
                            _load(record), _load(size)], keywords=[]))], orelse=[]),
                gast.Expr(value=gast.Call(func=_load("tape_put"), args=[
                    _load(name), _load(count), _load(record)], keywords=[])),
                gast.AugAssign(target=_store(count), op=gast.Add(),
                               value=gast.Constant(value=1, kind=None))]
            drain.test = gast.Compare(left=_load(count), ops=[gast.Gt()],
                                      comparators=[gast.Constant(value=0, kind=None)])
            pop = drain.body[0]
            pop.value = gast.Call(func=_load("tape_get"), args=[_load(name), _load(count)],
                                  keywords=[])
            drain.body.insert(0, gast.AugAssign(target=_store(count), op=gast.Sub(),
                                                value=gast.Constant(value=1, kind=None)))


def _inner_records_on_tapes(body, params):
    """The records of an inner loop over a range (`for j in steps_2` inside another loop)
    kept on tapes of preallocated arrays (runtime/numba_helpers.py) shared by its runs,
    rather than on a list made anew for each run and carried in the outer loop's record:

        saved = []                  saved_size = len(steps_2)
                                    if saved_count + saved_size > saved_capacity:
                                        saved_capacity = 2 * saved_capacity + saved_size
                                        saved_count = 0   # this run starts a new tape
                                    saved_start = saved_count
        for j in steps_2:           for j in steps_2:
            ...                         ... (the tape made at a new tape's first record)
            saved.append(r)             tape_put(saved, saved_count, r); saved_count += 1
                                    (a new tape kept on the list saved_tapes)
        record (saved, i)           record (saved_made, saved_start, saved_count, i)
        saved, i = pop              saved_made, saved_start, saved_count, i = pop
        while saved:                saved = saved_tapes[saved_made - 1] (if it recorded)
                                    while saved_count > saved_start:
            ... = saved.pop()           saved_count -= 1; ... = tape_get(saved, saved_count)

    A run's trip count is known when it starts, so each run finds room on the tape in use
    or starts a new one (at least twice as large): the tape is never grown inside the
    loop. (Numba counts references to a tape assigned there on every iteration; made
    only at its first record, it is not.) Each run's records lie on one tape between the
    counts at its start and its end, all three kept in the outer record: each adjoint run
    reads exactly its own records, whatever the order. Only for a list used in exactly
    those six places, appended to at most once per iteration (by a statement of the
    loop's own body), with the outer record made after the loop in the same block and
    the drain following the unpacking in its block."""
    taken = set(params) | {n.id for s in body for n in walk(s) if isinstance(n, gast.Name)}
    ranges = _ranges(body)
    uses: dict = {}
    for node in (n for s in body for n in walk(s)):
        if isinstance(node, gast.Name):
            uses[node.id] = uses.get(node.id, 0) + 1
    counters = []
    for block in list(_blocks(body)):
        for i, stmt in enumerate(block):
            name = _empty_list(stmt)
            if name is None or uses.get(name) != 6:  # made, appended, recorded, unpacked,
                continue                              # tested, popped
            loop = _range_loop_appending(block, i, name, ranges)
            if loop is None:
                continue
            record = _tuples_holding(block[block.index(loop) + 1:], name, gast.Load)
            unpacked = [(b, s, t) for b in _blocks(body) for s in b
                        if isinstance(s, gast.Assign)
                        for t in _tuples_holding([s.targets[0]], name, gast.Store)]
            if len(record) != 1 or len(unpacked) != 1:
                continue
            unpack_block, unpack, target = unpacked[0]
            after = unpack_block[unpack_block.index(unpack) + 1:]
            drain = next((w for w in after if isinstance(w, gast.While)
                          and isinstance(w.test, gast.Name) and w.test.id == name
                          and w.body and _pops(w.body[0], name)), None)
            if drain is None:
                continue
            start, count, capacity, made, tapes, size, new = (
                _fresh(f"{name}_{part}", taken)
                for part in ("start", "count", "capacity", "made", "tapes", "size", "record"))
            counters += [count, capacity, made]
            zero, one = gast.Constant(value=0, kind=None), gast.Constant(value=1, kind=None)
            block[i:i + 1] = [
                _assign(size, _call("len", loop.iter.id)),
                gast.If(test=gast.Compare(
                            left=gast.BinOp(left=_load(count), op=gast.Add(),
                                            right=_load(size)),
                            ops=[gast.Gt()], comparators=[_load(capacity)]),
                        body=[_assign(capacity, gast.BinOp(
                                  left=gast.BinOp(left=gast.Constant(value=2, kind=None),
                                                  op=gast.Mult(), right=_load(capacity)),
                                  op=gast.Add(), right=_load(size))),
                              _assign(count, zero)],
                        orelse=[]),
                _assign(start, _load(count))]
            block.insert(block.index(loop) + 1, gast.If(
                test=gast.BoolOp(op=gast.And(), values=[
                    _compare(start, gast.Eq(), zero), _compare(count, gast.Gt(), zero)]),
                body=[gast.If(test=_compare(made, gast.Eq(), zero),
                              body=[_assign(tapes, gast.List(elts=[_load(name)],
                                                             ctx=gast.Load()))],
                              orelse=[gast.Expr(value=gast.Call(
                                  func=gast.Attribute(value=_load(tapes), attr="append",
                                                      ctx=gast.Load()),
                                  args=[_load(name)], keywords=[]))]),
                      gast.AugAssign(target=_store(made), op=gast.Add(), value=one)],
                orelse=[]))
            at = next(k for k, b in enumerate(loop.body) if _appends(b, name))
            value = loop.body[at].value.args[0]
            loop.body[at:at + 1] = [
                _assign(new, value),
                gast.If(test=_compare(count, gast.Eq(), zero),
                        body=[_assign(name, _call("tape_new", new, capacity))], orelse=[]),
                gast.Expr(value=_call("tape_put", name, count, new)),
                gast.AugAssign(target=_store(count), op=gast.Add(), value=one)]
            _replace_element(record[0], name, [_load(made), _load(start), _load(count)])
            _replace_element(target, name, [_store(made), _store(start), _store(count)])
            unpack_block.insert(unpack_block.index(drain), gast.If(
                test=_compare(count, gast.Gt(), _load(start)),
                body=[_assign(name, gast.Subscript(
                    value=_load(tapes), slice=gast.BinOp(left=_load(made), op=gast.Sub(),
                                                         right=one),
                    ctx=gast.Load()))],
                orelse=[]))
            drain.test = _compare(count, gast.Gt(), _load(start))
            drain.body[0].value = _call("tape_get", name, count)
            drain.body.insert(0, gast.AugAssign(target=_store(count), op=gast.Sub(),
                                                value=one))
    body[0:0] = [_assign(n, gast.Constant(value=0, kind=None)) for n in counters]


def _tuples_holding(stmts, name, ctx) -> list:
    """The tuples among `stmts`' nodes with the name `name` (in context `ctx`) as an
    element."""
    return [node for s in stmts for node in walk(s) if isinstance(node, gast.Tuple)
            and any(isinstance(e, gast.Name) and e.id == name and isinstance(e.ctx, ctx)
                    for e in node.elts)]


def _replace_element(tuple_node, name, replacement):
    at = next(k for k, e in enumerate(tuple_node.elts)
              if isinstance(e, gast.Name) and e.id == name)
    tuple_node.elts[at:at + 1] = replacement


def _compare(name, op, right):
    return gast.Compare(left=_load(name), ops=[op], comparators=[right])


def _call(helper, *names):
    return gast.Call(func=_load(helper), args=[_load(n) for n in names], keywords=[])


def _branch_records_by_kind(body, params):
    """The branches inside loops record on one shared list (`push = tape.append`, `pop =
    tape.pop`: derive/records.py), whose records differ in type from branch to branch:
    Numba's lists hold one type. Each kind of record -- the names a branch pushes, which
    the adjoint of that branch pops into, the same names -- gets its own list.
    The order is kept: the pushes and pops of one kind are a stack discipline on their
    own, since those of all kinds together are one. Only when every use of the shared
    list is such a push or pop, and each kind is both pushed and popped."""
    taken = set(params) | {n.id for s in body for n in walk(s) if isinstance(n, gast.Name)}
    uses: dict = {}
    for node in (n for s in body for n in walk(s)):
        if isinstance(node, gast.Name):
            uses[node.id] = uses.get(node.id, 0) + 1
    lists, methods = {}, {}
    for block in _blocks(body):
        for stmt in block:
            name = _empty_list(stmt)
            if name is not None:
                lists[name] = (block, stmt)
            elif isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
                    and isinstance(stmt.targets[0], gast.Name) \
                    and isinstance(stmt.value, gast.Attribute) \
                    and isinstance(stmt.value.value, gast.Name) \
                    and stmt.value.attr in ("append", "pop"):
                methods[stmt.targets[0].id] = (stmt.value.value.id, stmt.value.attr,
                                               block, stmt)
    for tape_list in lists:
        bound = {m: v for m, v in methods.items() if v[0] == tape_list}
        push = next((m for m, v in bound.items() if v[1] == "append"), None)
        pop = next((m for m, v in bound.items() if v[1] == "pop"), None)
        if push is None or pop is None or len(bound) != 2 or uses[tape_list] != 3:
            continue
        pushes, pops = [], []
        for block in _blocks(body):
            for stmt in block:
                call = stmt.value if isinstance(stmt, (gast.Expr, gast.Assign)) else None
                if not (isinstance(call, gast.Call) and isinstance(call.func, gast.Name)):
                    continue
                if call.func.id == push and isinstance(stmt, gast.Expr) \
                        and len(call.args) == 1 and _names_of(call.args[0]) is not None:
                    pushes.append((block, stmt, _names_of(call.args[0])))
                elif call.func.id == pop and isinstance(stmt, gast.Assign) \
                        and not call.args and _names_of(stmt.targets[0]) is not None:
                    pops.append((block, stmt, _names_of(stmt.targets[0])))
        kinds = {k for _, _, k in pushes}
        if uses[push] != 1 + len(pushes) or uses[pop] != 1 + len(pops) \
                or kinds != {k for _, _, k in pops}:
            continue
        block, stmt = lists[tape_list]
        tapes = {kind: _fresh(f"{tape_list}_{kind[0]}", taken) for kind in sorted(kinds)}
        block[block.index(stmt):block.index(stmt) + 1] = [
            _assign(t, gast.List(elts=[], ctx=gast.Load())) for t in tapes.values()]
        for _, stmt, kind in pushes:
            stmt.value.func = gast.Attribute(value=_load(tapes[kind]), attr="append",
                                             ctx=gast.Load())
        for _, stmt, kind in pops:
            stmt.value.func = gast.Attribute(value=_load(tapes[kind]), attr="pop",
                                             ctx=gast.Load())
        for _, _, block, stmt in bound.values():
            block.remove(stmt)


def _names_of(node):
    """The names of a Name or a tuple of Names (a record), else None."""
    if isinstance(node, gast.Name):
        return (node.id,)
    if isinstance(node, gast.Tuple) and node.elts \
            and all(isinstance(e, gast.Name) for e in node.elts):
        return tuple(e.id for e in node.elts)
    return None


def _products_added_in_place(body):
    """A loop's deferred matrix-product gradients (derive/loop_optimizations.py: the pairs
    `dW_parts.append((g, b))`, their sum added into dW every PARTS_KEPT pairs and once
    after the loop) added into dW as each pair comes, in place: `add_matmul_grad_a(dW, g,
    W, b)`. NumPy gains from one large product over many small ones; compiled code
    gains from neither the list nor the extra pass over it. dW is the loop's private
    accumulator (derive/adjoints.py copies it with `owned` before the loop, and the sum
    after the loop already adds into it in place), and nothing in the loop reads it
    (else its sum could not have been deferred): adding earlier gives the same numbers.
    Only for a list used in exactly those places."""
    uses: dict = {}
    for node in (n for s in body for n in walk(s)):
        if isinstance(node, gast.Name):
            uses[node.id] = uses.get(node.id, 0) + 1
    blocks = list(_blocks(body))
    made, flushed, after = {}, {}, {}
    for block in blocks:
        for i, stmt in enumerate(block):
            name = _empty_list(stmt)
            if name is not None and uses.get(name) == 6:  # made, appended, len, summed,
                made[name] = (block, stmt)                # cleared, summed after the loop
            elif i + 1 < len(block):
                pair = _appended_pair(stmt)
                if pair is not None:
                    flushed[pair[0]] = (block, stmt, block[i + 1], pair[1])
            total = _summed_parts(stmt)
            if total is not None:
                after[total[1]] = (block, stmt, total[0], total[2], total[3])
    for name, (block, made_stmt) in made.items():
        if name not in flushed or name not in after:
            continue
        loop_block, append, flush, (g, factor) = flushed[name]
        after_block, final, total, helper, matrix = after[name]
        if not _flushes(flush, name, total, helper):
            continue
        args = [g, matrix, factor] if helper == "sum_matmul_grad_a" else [g, factor, matrix]
        at = loop_block.index(append)
        loop_block[at:at + 2] = [gast.Expr(value=gast.Call(
            func=_load("add_" + helper[len("sum_"):]), args=[_load(total), *args],
            keywords=[]))]
        block.remove(made_stmt)
        after_block.remove(final)


def _accumulations_in_place(body, params):
    """`dR = accum_index(dR, R, idx, g)` as `accum_index_in_place(dR, R, idx, g)`, and
    `g, dR = take_slot_grad(dR, idx)` as `g = take_slot_grad_in_place(dR, idx)`, for a
    gradient dR that is an array wherever it is set: every assignment of it is one of
    these two, `accum_index` of anything (an array: the helper makes R's zeros from a
    known-zero 0.0), or `zero_like(R)` of an array R it accumulates into. The helpers
    add in place into an array either way, so the numbers are the same; what changes is
    that dR is not assigned again. Numba counts references to an array assigned a
    helper's result on every iteration of a loop (the adjoints of soft DTW, the RNN and
    the HMM accumulate into such gradients in their loops)."""
    accumulated, assigned = {}, {}
    for node in (n for s in body for n in walk(s)):
        if isinstance(node, gast.Name) and not isinstance(node.ctx, gast.Load):
            assigned.setdefault(node.id, [])
        if isinstance(node, gast.Assign) and len(node.targets) == 1:
            for name in _names_of(node.targets[0]) or ():
                assigned.setdefault(name, []).append(node)
            call = _helper_call(node.value, "accum_index", 4)
            if call is not None and isinstance(call.args[1], gast.Name):
                accumulated.setdefault(_names_of(node.targets[0]), set()).add(call.args[1].id)
    array = {name[0] for name, xs in accumulated.items()
             if name is not None and len(name) == 1 and name[0] not in params
             and all(_sets_an_array(a, name[0], xs) for a in assigned.get(name[0], [None]))
             and len(assigned[name[0]]) == sum(isinstance(n, gast.Name) and n.id == name[0]
                                                and not isinstance(n.ctx, gast.Load)
                                                for s in body for n in walk(s))}
    for block in _blocks(body):
        for at, stmt in enumerate(block):
            if not isinstance(stmt, gast.Assign):
                continue
            call, names = stmt.value, _names_of(stmt.targets[0])
            if _helper_call(call, "accum_index", 4) is not None and names is not None \
                    and len(names) == 1 and names[0] in array \
                    and getattr(call.args[0], "id", None) == names[0]:
                call.func = _load("accum_index_in_place")
                block[at] = gast.Expr(value=call)
            elif _helper_call(call, "take_slot_grad", 2) is not None and names is not None \
                    and len(names) == 2 and names[1] in array \
                    and getattr(call.args[0], "id", None) == names[1]:
                call.func = _load("take_slot_grad_in_place")
                stmt.targets = [stmt.targets[0].elts[0]]


def _helper_call(node, helper, count):
    if isinstance(node, gast.Call) and isinstance(node.func, gast.Name) \
            and node.func.id == helper and len(node.args) == count and not node.keywords:
        return node
    return None


def _sets_an_array(stmt, name, accumulated_into) -> bool:
    """Whether `stmt` sets `name` to an array (see _accumulations_in_place)."""
    if stmt is None:
        return False
    value, names = stmt.value, _names_of(stmt.targets[0])
    if names == (name,):
        if _helper_call(value, "accum_index", 4) is not None:
            return True
        zeros = _helper_call(value, "zero_like", 1)
        return zeros is not None and isinstance(zeros.args[0], gast.Name) \
            and zeros.args[0].id in accumulated_into
    take = _helper_call(value, "take_slot_grad", 2)
    return take is not None and names is not None and len(names) == 2 \
        and names[1] == name and getattr(take.args[0], "id", None) == name


def _appended_pair(stmt):
    """(list, (g, factor)) of `parts.append((g, factor))`."""
    call = stmt.value if isinstance(stmt, gast.Expr) else None
    if not (isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute)
            and call.func.attr == "append" and isinstance(call.func.value, gast.Name)
            and len(call.args) == 1 and isinstance(call.args[0], gast.Tuple)
            and len(call.args[0].elts) == 2):
        return None
    return call.func.value.id, tuple(call.args[0].elts)


def _summed_parts(stmt):
    """(dW, parts, helper, W) of `dW += sum_matmul_grad_a(parts, W)`."""
    if not (isinstance(stmt, gast.AugAssign) and isinstance(stmt.op, gast.Add)
            and isinstance(stmt.target, gast.Name)):
        return None
    value = stmt.value
    if isinstance(value, gast.Call) and isinstance(value.func, gast.Name) \
            and value.func.id in ("sum_matmul_grad_a", "sum_matmul_grad_b") \
            and len(value.args) == 2 and isinstance(value.args[0], gast.Name) \
            and not value.keywords:
        return stmt.target.id, value.args[0].id, value.func.id, value.args[1]
    return None


def _flushes(stmt, parts, total, helper) -> bool:
    """`if len(parts) == K: dW = dW + helper(parts, W); parts.clear()`."""
    if not (isinstance(stmt, gast.If) and not stmt.orelse and len(stmt.body) == 2):
        return False
    add, clear = stmt.body
    return isinstance(add, gast.Assign) and isinstance(add.targets[0], gast.Name) \
        and add.targets[0].id == total and isinstance(add.value, gast.BinOp) \
        and isinstance(add.value.right, gast.Call) \
        and getattr(add.value.right.func, "id", None) == helper \
        and isinstance(clear, gast.Expr) and isinstance(clear.value, gast.Call) \
        and isinstance(clear.value.func, gast.Attribute) and clear.value.func.attr == "clear"


def _ranges(body) -> set:
    """The names assigned a range (`steps = range(n)`)."""
    return {s.targets[0].id for s in (n for s in body for n in walk(s))
            if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
            and isinstance(s.value, gast.Call) and isinstance(s.value.func, gast.Name)
            and s.value.func.id == "range"}


def _range_loop_appending(block, at, name, ranges):
    """The loop over a range, after block[at] in the same block, whose own body appends
    to the list `name` (None if there is none)."""
    return next((s for s in block[at + 1:] if isinstance(s, gast.For)
                 and isinstance(s.iter, gast.Name) and s.iter.id in ranges
                 and any(_appends(b, name) for b in s.body)), None)


def _blocks(body):
    yield body
    for stmt in body:
        for node in walk(stmt):
            for field in ("body", "orelse"):
                block = getattr(node, field, None)
                if isinstance(block, list) and block and isinstance(block[0], gast.stmt):
                    yield block


def _empty_list(stmt):
    if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], gast.Name) and isinstance(stmt.value, gast.List) \
            and not stmt.value.elts:
        return stmt.targets[0].id
    return None


def _appends(stmt, name) -> bool:
    call = getattr(stmt, "value", None) if isinstance(stmt, gast.Expr) else None
    return isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute) \
        and call.func.attr == "append" and isinstance(call.func.value, gast.Name) \
        and call.func.value.id == name and len(call.args) == 1 and not call.keywords


def _pops(stmt, name) -> bool:
    value = stmt.value if isinstance(stmt, gast.Assign) else None
    return isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) \
        and value.func.attr == "pop" and isinstance(value.func.value, gast.Name) \
        and value.func.value.id == name and not value.args


def _fresh(base, taken) -> str:
    name, k = base, 2
    while name in taken:
        name, k = f"{base}_{k}", k + 1
    taken.add(name)
    return name


def _store(name):
    return gast.Name(id=name, ctx=gast.Store(), annotation=None, type_comment=None)


def _assign(name, value):
    return gast.Assign(targets=[_store(name)], value=value, type_comment=None)


def _constant(node) -> bool:
    if isinstance(node, gast.Constant):
        return node.value is None or isinstance(node.value, (int, bool))
    return isinstance(node, gast.Tuple) and all(
        isinstance(e, gast.Constant) and isinstance(e.value, int) for e in node.elts)


# ------------------------------------------------------------------ compiling and running


class Compiled:
    """A transform's Numba build: the Python part's code and constants, the compiled part."""

    def __init__(self, transformed, func, cache=False):
        nb = numba()
        transformed = transformed.with_tree(func)  # the tree and constants of one build
        split = Split(transformed, func)
        self.split = split
        if cache:
            core = _on_disk(split)
        else:
            namespace = {"np": np, "math": math, **_numba_helpers()}
            filename = f"<pullback numba {func.__qualname__} #{next(codegen._counter)}>"
            linecache.cache[filename] = (len(split.core_source), None,
                                         split.core_source.splitlines(True), filename)
            exec(compile(split.core_source, filename, "exec"), namespace)  # noqa: S102
            core = namespace[split.core.name]
        self.dispatcher = nb.njit(core, cache=cache, boundscheck=True)  # IndexError, as NumPy
        compile_types = self.dispatcher.compile  # what a call with new argument types runs
        called = None if cache else split.core.name  # a cached gradient links everything
        self.dispatcher.compile = lambda sig: _at_level(OPTIMIZATION_LEVEL, compile_types, sig,
                                                        called, split.core.name)
        self.constants = dict(transformed.constants)
        codes = codegen.compile_source(split.wrapper_source, [split.wrapper.name],
                                       [*func.__code__.co_freevars, *self.constants, RUN],
                                       f"{func.__qualname__} (numba)",
                                       transformed.module_reads)
        self.code = codes[split.wrapper.name]

    def bind(self, func, wrt_names, fallback, backend):
        positions = [self.split.params.index(n) for n in wrt_names]
        runner = Runner(self, func, positions, fallback, backend)
        return codegen.bind(self.code, func, {**self.constants, RUN: runner})


def bind(transformed, func, wrt_names, backend, fallback, cache=False):
    """`func`'s gradient run by Numba (see the module docstring); for "auto", `fallback`
    (the NumPy gradient) with a warning when the gradient cannot be compiled. The build
    is kept with the transform, so the in-memory cache of transforms holds it too."""
    if backend not in BACKENDS:
        raise PullbackError(f"backend must be one of {', '.join(BACKENDS)}; got {backend!r}")
    if any(not isinstance(n, str) for n in wrt_names):
        problem = Refused("the Numba backend cannot compile a gradient with respect to "
                          "an element of *args or **kwargs", where_defined(func))
        built = problem
    else:
        key = ("numba", cache)
        built = transformed.compiled.get(key)
        if built is None:
            try:
                built = Compiled(transformed, func, cache)
            except Refused as exc:
                built = exc
            transformed.compiled[key] = built
    if isinstance(built, Refused):
        if backend == "numba":
            raise built
        warnings.warn(f"{built}\n(running the NumPy gradient instead)", RuntimeWarning,
                      stacklevel=4)
        return fallback
    return built.bind(func, wrt_names, fallback, backend)


# The mangled names of functions of pullback.runtime.numba_helpers and of the helper
# modules it generates (pullback_helper_<hash>).
_HELPER_SYMBOL = re.compile(r"_ZN(8pullback7runtime13numba_helpers|\d+pullback_helper_)")

# LLVM's optimization level for the gradient (Numba's default is 3). Level 3 adds the
# unswitching of loops on conditions that do not change in them (the broadcasting tests
# of each array expression), which doubled the HMM gradient's code and took a third of
# its first call, for the same speed once compiled (benchmarks/numba_compile.py).
OPTIMIZATION_LEVEL = 2

# COLLECTING: Python's cyclic garbage collector is off while Numba compiles a gradient
# (then on again, and the youngest generation collected once, about 25 ms). Numba's
# compiler makes hundreds of thousands of objects, and the collector, run every 700
# allocations, walked them over and over: 20 to 30 % of soft DTW's and the HMM's first
# call (benchmarks/numba_compile.py). What a compilation leaves is freed by reference
# counting as before, the few cycles by that one collection.


def _at_level(level, compile_types, sig, called=None, name=None):
    """compile_types(sig) with LLVM's optimization level at most `level` for what it
    compiles: Numba reads its config.OPT each time it builds a pass pipeline. Under
    Numba's compiler lock, so that no other thread compiles at this level meanwhile; a
    level the user chose lower, or "max", is kept. With `called` (the compiled part's
    name), the large runtime helpers that function calls are called, not linked into
    it (see `_calling_large_helpers`). With `name` (the compiled part's name, cached on
    disk or not), its array expressions are calls to kernels compiled once per machine
    (emit/numba_array_exprs.py)."""
    from numba.core import codegen as nb_codegen
    from numba.core import config
    from numba.core.compiler_lock import global_compiler_lock
    from numba.core.registry import cpu_target
    from numba.np import npyimpl
    from numba.np.ufunc.array_exprs import _lower_array_expr
    special = cpu_target.target_context.special_ops
    with global_compiler_lock:
        chosen, link = config.OPT, nb_codegen.CPUCodeLibrary.add_linking_library
        stock, build_array = special.get("arrayexpr", _lower_array_expr), npyimpl._build_array
        npyimpl._build_array = numba_array_exprs.allocating_in_place(build_array)
        if not chosen.is_opt_max and int(chosen) > level:
            config.OPT = config._OptLevel(level)
        if called is not None:
            nb_codegen.CPUCodeLibrary.add_linking_library = _calling_large_helpers(called, link)
        if name is not None:
            special["arrayexpr"] = numba_array_exprs.lowering_in_place(name, stock)
        collecting = gc.isenabled()
        gc.disable()  # see COLLECTING
        try:
            return compile_types(sig)
        finally:
            config.OPT = chosen
            nb_codegen.CPUCodeLibrary.add_linking_library = link
            special["arrayexpr"] = stock
            npyimpl._build_array = build_array
            if collecting:
                gc.enable()
                gc.collect(0)


# A runtime helper whose own code is more than this many LLVM instructions is called by
# the gradient, not linked into it (see `_calling_large_helpers`). The small ones (a
# tape's put and get, a slot's read, an index's accumulation: called per iteration,
# where a call costs as much as their work) stay linked, and inlined.
CALLED_HELPER_SIZE = 100


def _calling_large_helpers(name, link):
    """Numba's `CodeLibrary.add_linking_library` (`link`), except that the library of the
    function `name` (the gradient) does not link in a large runtime helper: it calls the
    helper's compiled code, already in Numba's execution engine (compiled in this
    process, or loaded from the helpers' disk cache), by its symbol. Numba links every
    function a function calls into its module, and LLVM then optimizes and generates
    machine code for all of it again, for each gradient: the matrix products' loops, the
    tapes' allocation, the generated reductions. Calling them instead halved the RNN's
    and HMM's LLVM time (benchmarks/numba_compile.py) for the same speed once compiled.
    Only for a gradient not cached on disk: a cached one is loaded in processes where
    the helpers may not be in the engine, so it must hold their code. Numba's own
    library (NumPy's functions, the runtime) is linked as before; Numba never removes
    a compiled module from its engine, and the gradient's library keeps the helper's
    library alive besides."""
    def add_linking_library(library, other):
        if library.name != name or _helper_size(other) <= CALLED_HELPER_SIZE:
            return link(library, other)
        other._ensure_finalized()
        library._reload_init.update(other._reload_init)
        library.__dict__.setdefault("_pullback_called", []).append(other)
        return None
    return add_linking_library


def _helper_size(library) -> int:
    """The number of LLVM instructions of pullback's own functions in `library` (0 for
    Numba's libraries), counted once per library."""
    size = library.__dict__.get("_pullback_size")
    if size is None:
        size = sum(len(list(block.instructions))
                   for fn in library._get_module_for_linking().functions
                   if not fn.is_declaration and _HELPER_SYMBOL.match(fn.name)
                   for block in fn.blocks)
        library.__dict__["_pullback_size"] = size
    return size


def _on_disk(split):
    """The compiled part as a function of a module file named by the hash of its source
    and of the Numba helpers' source, so that Numba's on-disk cache (kept beside it)
    belongs to exactly this code: a changed function, or changed helpers, is another
    file and compiles anew; Numba itself checks its own version."""
    from ..runtime import numba_helpers
    with open(numba_helpers.__file__, "rb") as f:
        helpers = f.read()
    digest = hashlib.sha256(split.core_source.encode() + b"\0" + helpers).hexdigest()[:24]
    directory = numba_helpers.cache_directory()
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"pullback_{digest}.py")
    if not os.path.exists(path):
        text = ("import math\n\nimport numpy as np\n\n"
                "from pullback.runtime.numba_helpers import *  # noqa: F403\n\n\n"
                + split.core_source)
        partial = f"{path}.{os.getpid()}.tmp"
        with open(partial, "w") as f:
            f.write(text)
        os.replace(partial, path)  # whole, even with other processes writing it too
    spec = importlib.util.spec_from_file_location(f"pullback_numba_{digest}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # Numba's cache finds the function's module by name
    spec.loader.exec_module(module)
    return getattr(module, split.core.name)


class Runner:
    """Calls the compiled part; under "auto", the NumPy gradient for what it cannot take."""

    def __init__(self, compiled, func, wrt_positions, fallback, backend):
        self.compiled, self.func, self.backend = compiled, func, backend
        self.wrt_positions, self.fallback = wrt_positions, fallback
        self.params = compiled.split.params
        self.kwonly = set(func.__code__.co_varnames[
            func.__code__.co_argcount:func.__code__.co_argcount
            + func.__code__.co_kwonlyargcount])
        self.refused: set = set()  # argument types the compiled part could not take

    def __call__(self, *values):
        key = tuple((v.__class__, getattr(v, "dtype", None), getattr(v, "ndim", None))
                    for v in values)
        if key not in self.refused:
            reason = self._unsupported_input(values)
            if reason is None:
                try:
                    return self.compiled.dispatcher(*values)
                except numba().core.errors.NumbaError as exc:
                    reason = _first_lines(str(exc))
            message = (f"the Numba backend cannot compile the gradient of "
                       f"{self.func.__qualname__} for these arguments: {reason}")
            where = where_defined(self.func)
            if self.backend == "numba":  # on every call with these types
                raise Refused(message, where)
            self.refused.add(key)
            warnings.warn(f"{message}; running the NumPy gradient instead"
                          + (f"\n  {where}" if where else ""), RuntimeWarning, stacklevel=3)
        n = len(self.params)
        positional = [v for p, v in zip(self.params, values[:n]) if p not in self.kwonly]
        keywords = {p: v for p, v in zip(self.params, values[:n]) if p in self.kwonly}
        return self.fallback(*positional, **keywords)

    def _unsupported_input(self, values):
        for i in self.wrt_positions:
            v = values[i]
            if v.__class__ in (float, int, np.float64):
                continue
            if v.__class__ is np.ndarray and v.dtype == np.float64:
                continue
            kind = f"an array of {v.dtype}" if isinstance(v, np.ndarray) \
                else f"a {type(v).__name__}"
            return (f"{self.params[i]} is {kind}; compiled gradients are of float64 arrays "
                    "and Python or float64 numbers")
        return None


def _first_lines(text, count=6) -> str:
    lines = [line for line in text.replace("\x1b", "").splitlines() if line.strip()]
    cleaned = [line.replace("[1m", "").replace("[0m", "").rstrip() for line in lines]
    return "\n    ".join(cleaned[:count])
