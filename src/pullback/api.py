"""The public API: grad, value_and_grad, vjp, jvp, jacobian, hvp, hessian, source.

Guarantees: the function differentiated is the one that runs (a decorator's wrapper
is read as itself; only a pure `return fn(*args, **kwargs)` wrapper is looked through).
Each call transforms the function once per (code object, wrt, mode) and the objects
its names denote, and caches the compiled gradient code; binding it to a particular
function object (its globals, defaults and closure cells) is cheap, so closures made
by the same `def` each get their own live cells, and a redefined function (a new code
object) is transformed anew. A cached transform is reused only while everything it
assumed still holds (`Transformed.fits`), found in constant time, kept only while a
function it was made for (or a gradient bound from it) lives, and built by one thread
at a time. The generated code re-checks those assumptions on every call (see
docs/guarantees.md). A function pullback generated is valid input itself (higher order:
hvp, hessian, grad of a gradient): its source stays readable while it lives, even past
`linecache.clearcache()`; only the wrappers that rearrange arguments (vjp's, jvp's with a
tuple wrt, hvp's) are refused, naming what to differentiate instead.
"""

from __future__ import annotations

import functools
import gc
import inspect
import keyword
import linecache
import math
import sysconfig
import threading
import types
import weakref
from dataclasses import dataclass, field

import gast
import numpy as np

from . import rules
from .analysis.activity import Analysis
from .analysis.aliasing import check_writes
from .derive.checkpoint import check_marks
from .derive.forward import NoBatchedObjects, forward
from .derive.reverse import reverse
from .emit import codegen
from .emit.simplify import simplify
from .errors import InputWrittenInPlace, NoRuleError, PullbackError
from .frontend.check import check
from .frontend.parse import (
    is_library,
    lookup_dotted,
    parse_function,
    passed_through,
    where_defined,
)
from .helpers import module_reads
from .ir.annotations import BLOCK, NAMER
from .ir.naming import RESERVED
from .ir.nodes import call, const, dotted_name, parameters
from .lower.aliases import merge_aliases
from .lower.inputs import rebound
from .lower.none_parameters import specialize_none
from .lower.normalize import normalize
from .lower.ssa import to_ssa
from .rules.tangent_support import batched_array
from .runtime import helpers as runtime
from .runtime import objects
from .runtime.checkpoint import checkpoint as checkpoint_marker

# jvp_call: a callee's jvp, for other generated code; jvp_batch(_call): vector mode;
# jvp_batch_strict(_call): vector mode refusing any rule without a batch template (vector
# reverse mode: the tangents of a generated vjp along a batch of seeds)
FORWARD_MODES = ("jvp", "jvp_call", "jvp_batch", "jvp_batch_call", "jvp_batch_strict",
                 "jvp_batch_strict_call")
_CALL_MODES = ("split", "jvp_call", "jvp_batch_call", "jvp_batch_strict_call")


@dataclass(eq=False)
class Transformed:
    source: str  # the generated gradient function, as printed
    code: object  # its compiled code object
    stages: dict  # stage name -> printed source, for inspection
    constants: dict  # name -> object the generated code refers to
    bindings: dict  # free or dotted name -> the object it denoted when the rules were chosen
    cells: tuple = ()  # for mode "split": cells holding the forward and backward functions
    # (function or None for func itself, free name) -> object, for inlined function bodies
    inlined: dict = field(default_factory=dict)
    # (function, its split transform) for the Python functions the code calls
    callees: list = field(default_factory=list)
    source_code: object = None  # the code object of the function it was generated from
    owner: object = None  # for mode "split": weak reference to the function the cells bind
    defaults: tuple = ()  # for mode "split": the owner's defaults the cells were bound with
    # how many positional defaults the source gives, and the keyword-only names it gives
    # one: the generated function takes the user function's defaults (codegen.bind)
    declared_defaults: tuple = (0, frozenset())
    # constants bound to the np./math. functions only derivative rules call -> the
    # dotted names they stand for (codegen.guard_unpatched; the Numba backend spells them)
    bound_chains: dict = field(default_factory=dict)
    # helper names the code reads as globals of f's module (helpers.module_reads)
    module_reads: tuple = ()
    tangents_last: bool = False  # mode "jvp": the generated function takes them last
    # ((list, where), ...): lists an object holds that the function grows (analysis/refusals)
    grown_lists: tuple = ()
    # ((parameter, where), ...): objects the function receives whose attributes (or
    # containers' items) it sets to values being differentiated (analysis/refusals):
    # a caller reading them after the call would get no gradient through them
    received_writes: tuple = ()
    lines: tuple = ()  # its linecache entry, put back should linecache be cleared
    # the final generated tree, for another pass (emit/numba, explain, specialize): kept
    # only by a build that keeps its stages (with_tree makes one), so that a cached
    # gradient does not hold a tree a tenth the size of a big function's source
    tree: object = None
    # ((parameter, its default), ...): the parameters whose default is a function f calls,
    # the code made for that function (lower/namespaces.function_defaults)
    function_defaults: tuple = ()
    # (weak reference to the function, names, single, mode, static, optimize, checkpoint)
    build_args: tuple = ()
    location: object = None  # where the user's source stands, for that pass's errors
    compiled: dict = field(default_factory=dict)  # backend -> what it compiled (emit/numba)

    def with_tree(self, func=None) -> Transformed:
        """This transform, or the same transform of `func` (by default the function it
        was made from) built again with its final tree kept (fresh cells: the cached
        one's stay as they are bound); itself, without a tree, if that function is gone."""
        if self.tree is not None or not self.build_args:
            return self
        owner, names, single, mode, static, optimize, checkpoint = self.build_args
        func = func if func is not None else owner()
        if func is None:
            return self
        with _LOCK:
            return _build(func, names, single, mode, (types.CellType(), types.CellType()),
                          static, optimize, checkpoint=checkpoint, keep_tree=True)

    def fits(self, func, seen=None) -> bool:
        """Whether `func` has the code this was generated from, and its names and dotted
        names, those of the functions whose bodies it inlined, and (through their own
        transforms) those of the
        functions it calls still denote what this transform assumed. (Run per call for
        the calls a gradient resolves when it runs (runtime/objects._split): plain loops,
        not generators, and the `seen` set only made where there are callees.)"""
        if seen is not None and id(self) in seen:  # recursion: already being checked
            return True
        owner = self.owner
        if owner is not None and (owner() is not func or self.defaults[0] is not func.__defaults__
                                  or self.defaults[1] is not func.__kwdefaults__):
            return False
        if func.__code__ is not self.source_code:
            return False
        for name, obj in self.bindings.items():
            if lookup_dotted(func, name) is not obj:
                return False
        for (owner, name), obj in self.inlined.items():
            if lookup_dotted(owner or func, name) is not obj:
                return False
        if self.callees:
            seen = set() if seen is None else seen
            seen.add(id(self))
            for f, t in self.callees:
                if not t.fits(f, seen):
                    return False
        return True


def _function_defaults(func) -> tuple:
    """The ids of the functions `func` has as defaults (`def loss(z, fn=act.fn)`, made
    anew in a loop): the code made for one calls that function's rule or transform (see
    namespaces.function_defaults), so two such functions of one code object are two
    transforms (the transform holds the default, so its id is not reused meanwhile)."""
    defaults = (*(func.__defaults__ or ()), *(func.__kwdefaults__ or {}).values())
    return tuple(id(d) for d in defaults if callable(d) and not isinstance(d, type))


def _objects_key(func, names, per_function) -> tuple:
    ids = tuple(id(lookup_dotted(func, name)) for name in names)
    return (id(func), *ids) if per_function else ids


class _Variants:
    """The transforms made for one (code object, wrt, mode, rules version, static,
    optimize), indexed by the ids of the objects their guarded names denote now (and,
    for mode "split", whose cells are bound to one function object, by that object's
    id), so that finding one is a dict lookup and one `fits` check, however many
    variants there are. References are weak: a transform lives while a function it was
    made for, a gradient bound from it, or a transform that calls it lives; its
    linecache entry goes with it (see _build)."""

    def __init__(self, code):
        self.code = code  # the code object of the functions the variants were made for
        self.names: tuple | None = None  # the guarded names of the first variant
        self.index: dict = {}  # object ids -> weak reference to a Transformed
        self.others: list = []  # weak references to variants that guard other names

    def find(self, func, per_function):
        if self.names is not None:
            ref = self.index.get(_objects_key(func, self.names, per_function))
            found = ref() if ref is not None else None
            if found is not None and found.fits(func):
                return found
        for ref in self.others:  # rare: the same def guarding other names
            found = ref()
            if found is not None and found.fits(func):
                return found
        return None

    def add(self, transformed, func, forget):
        if self.names is None:
            self.names = tuple(transformed.bindings)
        if set(transformed.bindings) == set(self.names):
            key = _objects_key(func, self.names, transformed.owner is not None)
            self.index[key] = weakref.ref(transformed, lambda ref: forget(self, key, ref))
        else:
            self.others.append(weakref.ref(transformed, lambda ref: forget(self, None, ref)))


# (id of the code object, wrt names, single, mode, rules version, static, optimize)
# -> _Variants
_CACHE: dict = {}
# function -> {cache key: Transformed}: what keeps a transform alive while its function
# is (for modes other than "split")
_OWNED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# Transforms run one at a time (re-entrant: a transform calls transform for the functions
# the code calls), so another thread never sees a transform still being built.
_LOCK = threading.RLock()
_IN_PROGRESS: dict = {}  # key -> placeholder for recursive calls (the building thread's)


def _forgetter(key):
    """The callback that drops a dead transform's index entry (and the key's, if empty)."""

    def forget(variants, index_key, ref, cache=_CACHE, lock=_LOCK):
        # (the cache and lock held here: at interpreter exit the module's names may be
        # None already when the last transforms die)
        with lock:
            if variants.index.get(index_key) is ref:
                del variants.index[index_key]
            if ref in variants.others:
                variants.others.remove(ref)
            if not variants.index and not variants.others and cache.get(key) is variants:
                del cache[key]

    return forget


def _wrt_names(func, wrt):
    """The parameters `wrt` denotes, and whether it is a single one. Positions count the
    arguments as passed: past the named positional parameters, `wrt=k` is an element of
    `*args`, given as (name of *args, index). A name is a parameter (`*args` and
    `**kwargs` by their own names: the whole tuple or dict), or else, when f takes
    `**kwargs`, the keyword passed through it: (name of **kwargs, keyword)."""
    params = list(inspect.signature(func, follow_wrapped=False).parameters.values())
    positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    names = [p.name for p in params]
    varargs = [p.name for p in params if p.kind == p.VAR_POSITIONAL]
    varkw = [p.name for p in params if p.kind == p.VAR_KEYWORD]
    single = not isinstance(wrt, (tuple, list))
    out = []
    for w in ([wrt] if single else wrt):
        if isinstance(w, bool) or not isinstance(w, (int, str)):
            raise PullbackError(f"wrt must be a parameter position or name, got {w!r}")
        if isinstance(w, int) and varargs and w >= len(positional):
            out.append((varargs[0], w - len(positional)))  # counted as passed
        elif isinstance(w, int):
            if varargs and w < 0:
                raise _wrt_error(func, f"wrt={w}: {func.__qualname__} takes *{varargs[0]}, "
                                 "so positions count from the first argument (0, 1, ...)",
                                 params)
            if not -len(positional) <= w < len(positional):
                raise _wrt_error(func, f"wrt={w} but {func.__qualname__} has {len(positional)} "
                                 "positional parameters", params)
            out.append(positional[w])
        elif w in names:
            out.append(w)
        elif varkw:
            out.append((varkw[0], w))  # a keyword passed through **kwargs
        else:
            raise _wrt_error(func, f"wrt={w!r} is not a parameter of {func.__qualname__}",
                             params)
    return tuple(out), single


def _parameter_of(entry) -> str:
    """The parameter a wrt entry differentiates: itself, or the *args / **kwargs holding it."""
    return entry if isinstance(entry, str) else entry[0]


def _wrt_error(func, message, params):
    """A wrt that names no parameter of the function that runs, with where it is defined
    (for a decorator's `*args` wrapper, the wrapper: its parameters are the ones)."""
    where = where_defined(func)
    error = PullbackError(f"{message}\n  {where}" if where else message)
    _explain_wrapper(func, error)
    return error


# The live transforms, whose generated source `linecache` holds: put back should something
# clear linecache (linecache.clearcache()), for tracebacks, pdb, and generated code read
# again as source (grad of a gradient, user code calling one). The sentinel entry tells.
_SOURCES: weakref.WeakSet = weakref.WeakSet()
_SENTINEL = "<pullback linecache sentinel>"


def _keep_sources():
    if _SENTINEL not in linecache.cache:
        for made in list(_SOURCES):
            linecache.cache.setdefault(made.lines[3], made.lines)
        linecache.cache[_SENTINEL] = (0, None, [], _SENTINEL)


def transform(func, wrt=0, mode="grad", static=None, optimize=True,
              checkpoint=None, own=True) -> Transformed:
    """The generated code for `func` in `mode` ("grad", "value_and_grad", "vjp", or
    "split": a forward and a backward function for calls from other generated code).
    `static` maps parameters that always receive the same function (say, an activation
    passed by the caller) to that function, so calls through them can be differentiated.
    `optimize=False` leaves out the optimizing pass (the simplify stage, the inlining of
    small user functions at their calls, and the shape facts, loop-invariant values,
    in-place accumulation and summed matrix products that the reverse stage would use):
    the plain adjoint, for reading and for testing that the optimizations never change
    a gradient. `checkpoint` (grad, value_and_grad, vjp): see `grad`. With `own=False`
    the transform is not kept for as long as `func` lives: whoever asked for it keeps it
    (a gradient's transforms for functions passed, see _by_function_arguments).

    The function differentiated is `func` itself, the one that runs: a decorator's
    wrapper is differentiated from its own source, never the function it wraps."""
    func = _defaults_code(func)
    _refuse_non_functions(func)
    _keep_sources()
    names, single = _wrt_names(func, wrt)
    static = dict(static or {})
    # by the code object's identity (equal code objects of two functions are two keys);
    # _Variants holds the code object, so the id is not reused while the entry lives
    key = (id(func.__code__), names, single, mode, rules.VERSION[0],
           tuple(sorted(static.items(), key=lambda item: item[0])), optimize, checkpoint,
           _function_defaults(func))
    with _LOCK:
        variants = _CACHE.get(key)
        found = variants.find(func, mode in _CALL_MODES) if variants is not None \
            else None
        if found is not None:
            _check_defaults(func, found)
            if own:
                _own(func, key, found)
            return found
        if key in _IN_PROGRESS:  # a recursive call: its cells are filled when the build ends
            return _IN_PROGRESS[key]
        cells = (types.CellType(), types.CellType())
        _IN_PROGRESS[key] = pending = Transformed("", None, {}, {}, {}, cells)
        collecting = gc.isenabled()
        gc.disable()  # the trees are acyclic; collecting them costs time quadratic in size
        try:
            result = _build(func, names, single, mode, cells, static, optimize,
                            checkpoint=checkpoint)
        except PullbackError as exc:
            _explain_wrapper(func, exc)
            raise
        finally:
            del _IN_PROGRESS[key]
            if collecting:
                gc.enable()
        _check_defaults(func, result)
        pending.__dict__.update(result.__dict__)
        _CACHE.setdefault(key, _Variants(func.__code__)).add(result, func, _forgetter(key))
        if own:
            _own(func, key, result)
        return result


def _check_defaults(func, transformed):
    """Refuse a function whose `__defaults__` / `__kwdefaults__` no longer give the
    parameters the defaults its source gives them (set to None, shortened): the gradient,
    bound with them, would take other arguments than the code it was generated from."""
    positional, keywords = transformed.declared_defaults
    if len(func.__defaults__ or ()) == positional \
            and frozenset(func.__kwdefaults__ or ()) == keywords:
        return
    where = where_defined(func)
    raise PullbackError(
        f"the defaults of {func.__qualname__} were changed so that they no longer match its "
        f"source ({positional} positional default(s) and keyword defaults for "
        f"{sorted(keywords) or 'no parameter'} in the source; __defaults__ is "
        f"{func.__defaults__!r}, __kwdefaults__ is {func.__kwdefaults__!r}): define the "
        "function again, or give it defaults for the same parameters"
        + (f"\n  {where}" if where else ""))


def _own(func, key, transformed):
    """Keep `transformed` while `func` lives. Not for split transforms: their functions
    reference the function they are bound to (so owning them would keep both forever);
    the transforms of the functions that call them keep them."""
    if transformed.owner is None:
        _OWNED.setdefault(func, {})[key] = transformed


def _refuse_non_functions(func):
    made_by_us = getattr(func, "__wrapped_function__", None)
    if made_by_us is not None and not _generated(func):
        raise PullbackError(
            f"{getattr(func, '__name__', func)} is a function pullback generated (from "
            f"{made_by_us.__qualname__}) as a wrapper that rearranges its arguments; "
            "differentiate the generated function itself: pullback.grad(pullback.grad(f)), "
            "pullback.hvp(f), pullback.hessian(f)")
    if inspect.isfunction(func):
        return
    inner = getattr(func, "__wrapped__", None)
    what = f"a {type(func).__name__} object"
    if inner is not None:
        raise PullbackError(
            f"pullback differentiates Python functions; got {what} wrapping "
            f"{getattr(inner, '__qualname__', inner)} (made by a decorator such as "
            "functools.lru_cache, or a class-based one). pullback differentiates the function "
            "that runs and cannot read this wrapper: differentiate the undecorated function"
            + (f"\n  {where_defined(func)}" if where_defined(func) else ""))
    raise PullbackError(f"pullback differentiates Python functions; got {what}: {func!r}")


def _own_names_apart(parsed):
    """In generated code being differentiated, the names its own entry guards read that
    codegen binds per function (`user_function`, `module_globals`, ...) are renamed, and
    bound to what they denote in it: the code generated from it binds those names to
    itself, for its own guards."""
    names = {n.id for n in gast.walk(parsed.tree) if isinstance(n, gast.Name)}
    renamed = {}
    for name in codegen.PER_FUNCTION:
        if name in parsed.closure:
            k = 2
            while f"{name}_{k}" in names:
                k += 1
            renamed[name] = f"{name}_{k}"
            parsed.aliases[renamed[name]] = parsed.closure[name]
    for node in gast.walk(parsed.tree):
        if isinstance(node, gast.Name) and node.id in renamed:
            node.id = renamed[node.id]


def _tape_methods_spelled_out(function):
    """In generated code being differentiated, the branch tape's `push = tape.append` and
    `pop = tape.pop` aliases: each call `push(v)` / `pop()` becomes `tape.append(v)` /
    `tape.pop()`, and the aliases go. Exact: the tape is bound once, to a new list (or to
    a copy of the record's, `_records_copied`), before the aliases, and the aliases are
    only ever called; the list updates are then what pullback differentiates in any list
    (a tangent or gradient list pushed and popped alongside). Anything else is left as it
    is (and refused where it matters)."""
    body = function.body
    stores: dict[str, int] = {}
    for node in gast.walk(function):
        if isinstance(node, gast.Name) and not isinstance(node.ctx, gast.Load):
            stores[node.id] = stores.get(node.id, 0) + 1
    lists = {s.targets[0].id for s in body if isinstance(s, gast.Assign)
             and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name)
             and (isinstance(s.value, gast.List) and not s.value.elts or _copied(s.value))
             and stores.get(s.targets[0].id) == 1}
    aliases = {}
    for s in body:
        if isinstance(s, gast.Assign) and len(s.targets) == 1 \
                and isinstance(s.targets[0], gast.Name) and isinstance(s.value, gast.Attribute) \
                and s.value.attr in ("append", "pop") and isinstance(s.value.value, gast.Name) \
                and s.value.value.id in lists and stores.get(s.targets[0].id) == 1:
            aliases[s.targets[0].id] = (s, s.value.value.id, s.value.attr)
    calls: dict[str, list] = {}
    for node in gast.walk(function):
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Name) \
                and node.func.id in aliases:
            calls.setdefault(node.func.id, []).append(node)
    loads = {}
    for node in gast.walk(function):
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load):
            loads[node.id] = loads.get(node.id, 0) + 1
    for name, (alias, tape, method) in aliases.items():
        called = calls.get(name, [])
        if loads.get(name, 0) != len(called):
            continue  # read otherwise than called: kept
        for c in called:
            c.func = gast.Attribute(value=gast.Name(id=tape, ctx=gast.Load(),
                                                        annotation=None, type_comment=None),
                                        attr=method, ctx=gast.Load())
        body.remove(alias)


def _records_copied(function):
    """In a generated backward function being differentiated (`def f_backward(record,
    dout)`, which unpacks its record first), each list of the record it updates in place
    (the loops' records it pops, the branch tape) is popped from a copy:
    `saved, tape, u = record` becomes `saved_given, tape_given, u = record` followed by
    `saved = list(saved_given)` and `tape = list(tape_given)`. Exact: the function returns
    what it returned, and only no longer empties its caller's lists, which the caller
    never reads again (generated code passes each record to its backward function once,
    and then drops it)."""
    unpack = _record_unpack(function)
    if unpack is None:
        return
    updated = {n.value.id for n in gast.walk(function) if isinstance(n, gast.Attribute)
               and n.attr in ("pop", "append", "extend") and isinstance(n.value, gast.Name)}
    written = {t.value.id for n in gast.walk(function) if isinstance(n, gast.Assign)
               for t in n.targets if isinstance(t, gast.Subscript)
               and isinstance(t.value, gast.Name)}  # (`x[i] = x_old`: a slot restored)
    written |= {n.args[0].id for n in gast.walk(function) if isinstance(n, gast.Call)
                and isinstance(n.func, gast.Name) and n.func.id == "restore_slot"
                and n.args and isinstance(n.args[0], gast.Name)}  # (of a dict)
    names = {n.id for n in gast.walk(function) if isinstance(n, gast.Name)}
    aliased = {s.value.value.id for s in function.body if isinstance(s, gast.Assign)
               and isinstance(s.value, gast.Attribute) and isinstance(s.value.value, gast.Name)
               and s.value.attr in ("append", "pop")}  # the branch tape: always a list
    maybe_none = updated - aliased
    copies = []
    for element in unpack.targets[0].elts:
        if element.id in updated or element.id in written:
            given = f"{element.id}_given"
            while given in names:
                given += "_"
            load_given = gast.Name(id=given, ctx=gast.Load(), annotation=None, type_comment=None)
            copied = gast.Call(func=gast.Name(id="list", ctx=gast.Load(), annotation=None,
                                              type_comment=None), args=[load_given], keywords=[]) \
                if element.id in updated else \
                gast.Call(func=gast.Name(id="own_input", ctx=gast.Load(), annotation=None,
                                         type_comment=None),
                          args=[load_given, gast.Constant(value=element.id, kind=None),
                                gast.Tuple(elts=[], ctx=gast.Load())], keywords=[])
            copy = gast.Assign(targets=[gast.Name(id=element.id, ctx=gast.Store(),
                                                  annotation=None, type_comment=None)],
                               value=copied, type_comment=None)
            if element.id in updated and element.id in maybe_none:
                # None: a list made on a path the forward sweep did not take
                copy = gast.If(test=gast.Compare(
                    left=load_given, ops=[gast.IsNot()],
                    comparators=[gast.Constant(value=None, kind=None)]), body=[copy],
                    orelse=[gast.Assign(targets=[gast.Name(
                        id=element.id, ctx=gast.Store(), annotation=None, type_comment=None)],
                        value=gast.Constant(value=None, kind=None), type_comment=None)])
            copies.append(copy)
            element.id = given
    at = function.body.index(unpack) + 1
    function.body[at:at] = copies
    _inner_records_copied(function, updated)


def _inner_records_copied(function, updated):
    """An inner loop's record list taken off an outer one (`saved, i = saved_2.pop()`) and
    popped in turn is popped from a copy too (`saved = list(saved)` after the statement):
    the caller's record holds it as well, and the caller never reads it again."""
    for node in gast.walk(function):
        for part in ("body", "orelse"):
            block = getattr(node, part, None)
            if not isinstance(block, list):
                continue
            at = 0
            while at < len(block):
                s = block[at]
                at += 1
                value = s.value if isinstance(s, gast.Assign) and len(s.targets) == 1 else None
                if not (isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute)
                        and value.func.attr == "pop" and isinstance(value.func.value, gast.Name)
                        and value.func.value.id in updated):
                    continue
                target = s.targets[0]
                taken = target.elts if isinstance(target, gast.Tuple) else [target]
                for t in taken:
                    if isinstance(t, gast.Name) and t.id in updated:
                        block.insert(at, gast.Assign(
                            targets=[gast.Name(id=t.id, ctx=gast.Store(), annotation=None,
                                               type_comment=None)],
                            value=gast.Call(func=gast.Name(id="list", ctx=gast.Load(),
                                                           annotation=None, type_comment=None),
                                            args=[gast.Name(id=t.id, ctx=gast.Load(),
                                                            annotation=None, type_comment=None)],
                                            keywords=[]), type_comment=None))
                        at += 1


def _record_unpack(function):
    """`a, b, c = record`: the statement a generated backward function unpacks its first
    parameter with, into names (None if it has none)."""
    params = function.args.args
    unpack = next((s for s in function.body if isinstance(s, gast.Assign)
                   and len(s.targets) == 1 and isinstance(s.targets[0], gast.Tuple)
                   and isinstance(s.value, gast.Name) and params
                   and s.value.id == params[0].id), None)
    if unpack is None or not all(isinstance(e, gast.Name) for e in unpack.targets[0].elts):
        return None
    return unpack


def _copied(value) -> bool:
    """`list(name)`, as `_records_copied` spells a copy of a record's list."""
    return isinstance(value, gast.Call) and isinstance(value.func, gast.Name) \
        and value.func.id == "list" and len(value.args) == 1 and not value.keywords \
        and isinstance(value.args[0], gast.Name)


def _slots_restored_spelled_out(function):
    """In generated code being differentiated, the undoing of a dict slot write, `dd =
    restore_slot(d, k, d_old, dd)` (or the call alone), becomes the updates pullback
    reads: `if slot_added(d_old): d.pop(k); dd = without_slot(dd, k)` (the write added
    the key: it goes, from the gradient too) `else: d[k] = d_old`. Exact: restore_slot
    does just that."""
    from .ir.nodes import assign, call, clone

    def spelled(s):
        value = s.value if isinstance(s, (gast.Assign, gast.Expr)) else None
        if not (isinstance(value, gast.Call) and isinstance(value.func, gast.Name)
                and value.func.id == "restore_slot" and not value.keywords
                and len(value.args) in (3, 4)
                and all(isinstance(a, (gast.Name, gast.Constant)) for a in value.args)) \
                or isinstance(s, gast.Assign) and not (
                    len(value.args) == 4 and len(s.targets) == 1
                    and isinstance(s.targets[0], gast.Name)
                    and isinstance(value.args[3], gast.Name)
                    and s.targets[0].id == value.args[3].id):
            return None
        base, key, saved = value.args[:3]
        if not isinstance(base, gast.Name):
            return None
        added = [gast.Expr(value=gast.Call(func=gast.Attribute(
            value=clone(base), attr="pop", ctx=gast.Load()), args=[clone(key)], keywords=[]))]
        if isinstance(s, gast.Assign):
            added.append(assign(s.targets[0].id,
                                call("without_slot", clone(value.args[3]), clone(key))))
        restored = assign(gast.Subscript(value=clone(base), slice=clone(key),
                                         ctx=gast.Store()), clone(saved))
        return gast.If(test=call("slot_added", clone(saved)), body=added, orelse=[restored])

    for node in list(gast.walk(function)):
        for part in ("body", "orelse", "finalbody"):
            stmts = getattr(node, part, None)
            if isinstance(stmts, list):
                for k, s in enumerate(stmts):
                    new = spelled(s)
                    if new is not None:
                        stmts[k] = gast.copy_location(new, s)
                        gast.fix_missing_locations(stmts[k])


def _views_copied(function):
    """In generated code being differentiated, a view a record keeps, `kept(y[:-1])`
    (the identity: the first-order adjoint reads it after the array's later writes are
    undone), becomes `kept_copy(y[:-1])`: differentiated again, the code reads it where
    those writes are not undone, so the record holds a copy made before them."""
    for node in gast.walk(function):
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Name) \
                and node.func.id == "kept":
            node.func.id = "kept_copy"


def _seeds_as_numpy_numbers(function):
    """In generated code being differentiated, its seed `result_seed(out, ...)` becomes
    `result_seed_again(out, ...)`, NumPy's 1.0 where it was Python's: the adjoint's
    products (`dout * w`) are then never the Python float 0.0 that helpers take for the
    known zero and pass on without a shape, where it is a zero that varies (w a Python
    float, 0.0 at the point). Exact: the same numbers."""
    for node in gast.walk(function):
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Name) \
                and node.func.id == "result_seed":
            node.func.id = "result_seed_again"


def _error_states_passed_whole(parsed):
    """In generated code being differentiated, `with np.errstate(**fp_state):` (an
    adjoint run under the floating-point error state its body saw; spelled
    `np_errstate(...)` where an entry guard bound the chain) becomes `with
    errstate_of(fp_state):`, a call pullback reads (it takes no `**mapping` in a call to
    a library function). Exact: errstate_of(state) is np.errstate(**state)."""
    import numpy as np

    for node in gast.walk(parsed.tree):
        if isinstance(node, gast.withitem) and isinstance(node.context_expr, gast.Call):
            made = node.context_expr
            if not made.args and len(made.keywords) == 1 and made.keywords[0].arg is None \
                    and isinstance(made.keywords[0].value, gast.Name) \
                    and parsed.resolve(made.func) is np.errstate:
                node.context_expr = gast.Call(func=gast.Name(
                    id="errstate_of", ctx=gast.Load(), annotation=None, type_comment=None),
                    args=[made.keywords[0].value], keywords=[])
                gast.copy_location(node.context_expr, made)


def _parts_cleared_anew(function):
    """In generated code being differentiated, `parts.clear()` of the pairs list a loop's
    adjoint sums later (derive/loop_optimizations.py) becomes `parts = []`. Exact: the
    list is only ever bound to a new list, appended to, cleared, measured (`len`) and
    summed (`sum_matmul_grad_a/b`, which keep no reference), so no other name sees it."""
    readers = {"len", "builtin_len", "sum_matmul_grad_a", "sum_matmul_grad_b"}
    parents = {}
    for node in gast.walk(function):
        for child in gast.iter_child_nodes(node):
            parents[id(child)] = node
    allowed: dict[str, bool] = {}
    for node in gast.walk(function):
        if not isinstance(node, gast.Name):
            continue
        parent = parents.get(id(node))
        if isinstance(node.ctx, gast.Load):
            ok = isinstance(parent, gast.Attribute) and parent.attr in ("append", "clear") \
                or isinstance(parent, gast.Call) and isinstance(parent.func, gast.Name) \
                and parent.func.id in readers and parent.args and parent.args[0] is node
        else:
            ok = isinstance(parent, gast.Assign) and len(parent.targets) == 1 \
                and isinstance(parent.value, gast.List) and not parent.value.elts
        allowed[node.id] = allowed.get(node.id, True) and ok

    def anew(stmts):
        for k, s in enumerate(stmts):
            if isinstance(s, gast.Expr) and isinstance(s.value, gast.Call) \
                    and not s.value.args and isinstance(s.value.func, gast.Attribute) \
                    and s.value.func.attr == "clear" \
                    and isinstance(s.value.func.value, gast.Name) \
                    and allowed.get(s.value.func.value.id):
                stmts[k] = gast.Assign(
                    targets=[gast.Name(id=s.value.func.value.id, ctx=gast.Store(),
                                       annotation=None, type_comment=None)],
                    value=gast.List(elts=[], ctx=gast.Load()), type_comment=None)
            for part in ("body", "orelse", "finalbody"):
                anew(getattr(s, part, None) or [])
            for handler in getattr(s, "handlers", None) or []:
                anew(handler.body)

    anew(function.body)


def _generated(func) -> bool:
    """A function whose code pullback generated (a gradient or jvp function, not a wrapper
    around one): valid input for pullback, for derivatives of higher order."""
    return inspect.isfunction(func) and func.__code__.co_filename.startswith("<pullback ")


def _explain_wrapper(func, exc):
    """A decorator's wrapper pullback could not differentiate: say that it tried the
    wrapper, not the function under it."""
    inner = getattr(func, "__wrapped__", None)
    if inner is None or getattr(exc, "wrapper_noted", False):
        return
    wrapper = getattr(func.__code__, "co_qualname", func.__code__.co_name)
    note = (f"{func.__qualname__} is the wrapper {wrapper} made by a decorator (it wraps "
            f"{getattr(inner, '__qualname__', inner)}); pullback differentiates the function "
            "that runs, the wrapper, from its source: differentiate the undecorated function "
            "instead, or write the wrapper so that pullback can read it")
    if isinstance(getattr(exc, "message", None), str):  # a LocatedError: message, then where
        exc.message = f"{exc.message} ({note})"
        exc.args = (f"{exc.message}\n  {exc.where}" if exc.where else exc.message,)
    else:
        exc.args = (f"{exc.args[0]}\n  ({note})" if exc.args else note, *exc.args[1:])
    exc.wrapper_noted = True


def _analysed(tree, parsed, wrt, optimize) -> Analysis:
    """The analysis of the lowered function. A call with no derivative rule on a value
    being differentiated that stands in a branch of the user's (an `if`, or code after an
    early return: not the lowered body of a with or try) is replaced by `refused_here`,
    which raises the same located refusal when the branch runs, and the analysis made
    again: a branch a call never takes (`if which == "prob": return nbinom.pmf(k, mu)`
    in a method called with which="mean") no longer refuses the whole function. One
    analysis more per such call (a few at most)."""
    while True:
        try:
            return Analysis(tree, parsed, wrt, optimize)
        except NoRuleError as exc:
            statement = getattr(exc, "statement", None)
            if statement is None or not _in_branch(tree.body, statement):
                raise
            statement.value = call("refused_here", const(str(exc)))


def _in_branch(body, statement, branched=False) -> bool:
    """Whether `statement` stands in `body` inside an `if` that is not a lowered with or
    try block (one walk of the statements)."""
    for s in body:
        if s is statement:
            return branched
        if isinstance(s, gast.If):
            inner = branched or BLOCK.of(s) is None
            if _in_branch(s.body, statement, inner) or _in_branch(s.orelse, statement, inner):
                return True
        elif isinstance(s, (gast.For, gast.While)):
            if _in_branch(s.body, statement, branched) \
                    or _in_branch(s.orelse, statement, branched):
                return True
    return False


def _build(func, names, single, mode, cells, static, optimize, keep_stages=False,
           checkpoint=None, keep_tree=False, owned=frozenset()) -> Transformed:
    parsed = parse_function(func)
    given = set(static)
    parsed.object_params = {name for name, value in static.items()
                            if value is objects.OBJECT_OPERAND}
    parsed.static = {name: value for name, value in static.items()
                     if name not in parsed.object_params and value is not None}
    parsed.owned_inputs = owned  # parameters f writes in place (lower/inputs.py)
    if None in static.values():  # parameters passed None (_by_function_arguments)
        specialize_none(parsed.tree, [name for name, value in static.items() if value is None],
                        parsed.location)
    if _generated(func):
        parsed.generated = True
        unpack = _record_unpack(parsed.tree)
        if unpack is not None:
            parsed.record_names = frozenset(e.id for e in unpack.targets[0].elts)
        _own_names_apart(parsed)
        _records_copied(parsed.tree)
        _tape_methods_spelled_out(parsed.tree)
        _parts_cleared_anew(parsed.tree)
        _slots_restored_spelled_out(parsed.tree)
        _error_states_passed_whole(parsed)
        _views_copied(parsed.tree)
        _seeds_as_numpy_numbers(parsed.tree)
    check(parsed.tree, parsed.location)
    stages = _Stages(keep_stages)
    stages.keep("parsed", parsed.tree)
    clash = [name for name in parameters(parsed.tree.args) if name in RESERVED]
    if clash:
        raise PullbackError(
            f"parameter name {clash[0]!r} of {func.__qualname__} is reserved for the generated "
            "code; please rename it")
    tree = normalize(parsed.tree, parsed, inline=optimize)
    stages.keep("normalized", tree)
    tree = to_ssa(tree, parsed.location.describe)
    if not getattr(parsed, "generated", False):
        tree = merge_aliases(tree)
    stages.keep("ssa", tree)
    analysis = _analysed(tree, parsed, {_parameter_of(n) for n in names}, optimize)
    grown_lists = tuple(analysis.grown_lists)  # the caller's derivatives may read them
    received_writes = tuple((p, where, tuple(analysis.held_lists.get(p, ())))
                            for p, (where, _) in analysis.received_writes.items())
    try:
        check_writes(tree, analysis, parsed)
    except InputWrittenInPlace as exc:  # f's writes into an input: made on a copy of it
        if mode == "split" or mode.endswith("_call"):  # a callee: its caller's object
            raise InputWrittenInPlace(
                f"{exc.message} of {func.__qualname__}, a function called with values being "
                "differentiated: the caller's object would change, which its gradient does "
                f"not follow; copy it first ({exc.parameter} = np.copy({exc.parameter}), or "
                "list(...), dict(...))", exc.where, exc.parameter) from None
        if exc.parameter in owned or rebound(parse_function(func).tree, exc.parameter):
            raise InputWrittenInPlace(
                f"{exc.message}, which the function also rebinds: pullback makes a "
                "function's writes into an input on a copy, written back when it returns, "
                "only where the name keeps the object it was given; copy it first "
                f"({exc.parameter} = np.copy({exc.parameter}), or list(...), dict(...))",
                exc.where, exc.parameter) from None
        return _build(func, names, single, mode, cells, static, optimize, keep_stages,
                      checkpoint, keep_tree, owned | {exc.parameter})
    check_marks(analysis)  # pullback.checkpoint over values being differentiated
    callees: list = []

    def calls(callee, params, static=None, apart=False):
        """The (forward, backward) cells of a called function, differentiated for `params`;
        `apart`: a method called on an object f reads by a free name, called once, in no
        loop, in the function passed to grad, which may grow lists that object holds and
        set its attributes to values being differentiated (its first parameter's): then
        (forward, backward, the lists, or None if it sets nothing; call_forward_apart)."""
        callee = passed_through(callee)
        split = transform(callee, tuple(params), "split", static, optimize)
        if split.grown_lists and not apart:
            raise grown_list_refusal(callee, split)
        receiver = callee.__code__.co_varnames[:1]
        if split.received_writes and not (apart and all(
                p in receiver for p, _, _ in split.received_writes)):
            raise received_write_refusal(callee, split)
        callees.append((callee, split))
        if apart:
            from .runtime.objects import held_lists

            return (*split.cells[:2], held_lists(split) if split.received_writes else None)
        return split.cells

    def jvp_calls(callee, params, static=None, apart=False):
        """The cell of a called function's jvp function, for tangents of `params`;
        `apart` as for `calls` (then (the cell, the lists, or None if it sets nothing))."""
        callee = passed_through(callee)
        made = transform(callee, tuple(params),
                         f"{mode.removesuffix('_call')}_call" if "batch" in mode
                         else "jvp_call", static, optimize)
        # A jvp function returns the tangents of its result only: what it stores in an
        # object it receives (a list grown, an attribute set) would leave without its
        # tangent, so such a call is refused as in reverse mode, unless nothing reads the
        # object after it (`apart`: attributes of the receiver only)
        receiver = callee.__code__.co_varnames[:1]
        if made.grown_lists or made.received_writes and not (apart and all(
                p in receiver for p, _, _ in made.received_writes)):
            raise stored_tangent_refusal(callee, made)
        callees.append((callee, made))
        if apart:
            from .runtime.objects import held_lists

            return made.cells[0], held_lists(made) if made.received_writes else None
        return made.cells[0]

    if mode in FORWARD_MODES:
        out, constants = forward(tree, analysis, names, mode, single, jvp_calls, optimize)
    else:
        out, constants = reverse(tree, analysis, names, mode, single, calls, optimize,
                                 checkpoint)
    constants.update(parsed.aliases)  # what inlined module-level functions read
    stages.keep("adjoint", out)
    functions = out.body if isinstance(out, gast.Module) else [out]
    chains: dict = {}  # function id -> its chains on np and math, as simplify found them
    for function in functions if optimize else ():
        simplify(function, analysis.scalar, chains)
    bound_chains = codegen.guard_unpatched(out, analysis.bindings, NAMER.of(tree), constants,
                            lambda dotted: _where_spelled(parsed, dotted) or where_defined(func),
                            chains)
    if parsed.inlined_statements:  # (else no statement is marked: nothing to walk for)
        codegen.note_inlined(out)
    source = codegen.to_source(out)
    stages["final"] = source
    function_names = [f.name for f in functions]
    reads = module_reads(analysis.bindings, parsed.closure)
    codes = codegen.compile_source(source, function_names,
                                   [*func.__code__.co_freevars, *constants], func.__qualname__,
                                   reads)
    result = Transformed(source, codes[function_names[0]], stages, constants,
                         dict(analysis.bindings), cells, dict(parsed.inlined), callees,
                         func.__code__, function_defaults=tuple(
                             (name, value) for name, value in parsed.static.items()
                             if name not in given))
    result.bound_chains = bound_chains
    result.module_reads = reads
    result.grown_lists = grown_lists
    result.received_writes = received_writes
    result.tree = out if keep_stages or keep_tree else None
    result.location = parsed.location
    result.build_args = (weakref.ref(func), names, single, mode, static, optimize, checkpoint)
    if keep_stages:  # for source(explain=True)
        result.analysis = analysis
    else:  # its parts refer to each other: freed now, not by a collection of the whole build
        analysis.__dict__.clear()
    result.tangents_last = getattr(functions[0], "tangents_last", False)
    args = parsed.tree.args
    result.declared_defaults = (len(args.defaults), frozenset(
        a.id for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None))
    result.lines = linecache.cache[codes[function_names[0]].co_filename]
    _SOURCES.add(result)
    weakref.finalize(result, linecache.cache.pop, codes[function_names[0]].co_filename, None)
    if mode in _CALL_MODES:
        result.owner = weakref.ref(func)
        result.defaults = (func.__defaults__, func.__kwdefaults__)
        for cell, name in zip(cells, function_names):  # (the first takes f's parameters)
            cell.cell_contents = codegen.bind(codes[name], func, constants,
                                              defaults=name == function_names[0])
    return result


def grown_list_refusal(func, split) -> NoRuleError:
    """The refusal of a call of `func`, whose transform `split` grows a list an object
    holds, from a function whose derivatives recorded before the call may hold it (the
    caller's transform decides: objects.CallSite.may_grow)."""
    shown, where = split.grown_lists[0]
    return NoRuleError(
        f"{func.__qualname__} grows the list {shown}, and is called from a function "
        "being differentiated, whose calls before it may have kept that list for their "
        "derivatives (np.multiply(obj.ws, w) keeps obj.ws); call it as a method of the "
        "object first in the function passed to grad (not in a loop), grow the list before "
        "calls that receive the object, or outside", where)


def stored_tangent_refusal(func, made) -> NoRuleError:
    """The refusal, in forward mode, of a call of `func` whose jvp function `made` stores
    values being differentiated in an object it receives (grows a list it holds, sets an
    attribute): the jvp function hands back the tangent of its result alone."""
    if made.grown_lists:
        shown, where = made.grown_lists[0]
        what = f"grows the list {shown} with"
    else:
        parameter, where, _ = made.received_writes[0]
        what = f"sets an attribute of its parameter {parameter!r} to"
    return NoRuleError(
        f"{func.__qualname__} {what} a value being differentiated, and is called "
        "from a function differentiated in forward mode, which follows the tangent of what "
        "a call returns, not of what it stores in an object it is given; return the value "
        "and store it in the caller, or use reverse mode", where)


def received_write_refusal(func, split) -> NoRuleError:
    """The refusal of a call of `func`, whose transform `split` sets attributes of an
    object it receives to values being differentiated, where its caller may read them
    after the call (the caller's transform decides: objects.CallSite.writing)."""
    param, where, _ = split.received_writes[0]
    return NoRuleError(
        f"{func.__qualname__} sets an attribute of its parameter {param!r} (or an item of a "
        "container it holds) to a value being differentiated, and is called from a function "
        "being differentiated that may read it back after the call (or calls it in a loop, "
        "or is itself called so), where no gradient would follow it; pullback follows such "
        "writes within one function, and in a method call that is the last use of its "
        "object in the function passed to grad (return obj.method(x)): return the value "
        "from the method and store it in the caller, or read it in the method", where)


def _where_spelled(parsed, dotted):
    """The location of the first place f's source spells `dotted`, or ""."""
    for node in gast.walk(parsed.tree):
        if isinstance(node, gast.Attribute) and dotted_name(node) == dotted:
            return parsed.location.describe(node)
    return ""


class _Stages(dict):
    """Stage name -> the printed source of the code after that stage. Copying and
    printing the trees was most of a transform's time, and the stages are rarely read:
    unless asked to keep them, only the final source is kept (`source()` builds the
    transform again to show another stage). Kept trees are copied when their stage
    ends (the next stages change them) and printed when first read."""

    def __init__(self, keep_all):
        super().__init__()
        self.keep_all = keep_all

    def keep(self, name, tree):
        if self.keep_all:
            self[name] = gast.gast_to_ast(tree)

    def __getitem__(self, name):
        value = super().__getitem__(name)
        if not isinstance(value, str):
            value = codegen.ast_source(value)
            self[name] = value
        return value

    def get(self, name, default=None):
        return self[name] if name in self else default

    def items(self):
        return [(name, self[name]) for name in self]

    def values(self):
        return [self[name] for name in self]


def _decorator(f, build):
    if f is None:
        return lambda g: build(passed_through(_defaults_code(_library_as_function(g))))
    return build(passed_through(_defaults_code(_library_as_function(f))))


def _installed_library(func) -> bool:
    """A Python function of an installed library (NumPy, SciPy, autograd, the standard
    library: is_library), by where its code lies (a function a doctest or a notebook
    defines may name a library's module)."""
    filename = func.__code__.co_filename
    return is_library(func) and (
        "site-packages" in filename or "dist-packages" in filename
        or filename.startswith(tuple(sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib"))))


_LIBRARY_FUNCTIONS: dict = {}  # library callable -> the Python function that calls it
_LITERALS = (type(None), bool, int, float, str)


def _literal(value) -> bool:
    """Whether `repr(value)` writes `value` back (a default a generated def can spell)."""
    return type(value) in _LITERALS or type(value) is tuple and all(map(_literal, value))


def _tuples(value):
    """`value` with its lists written as tuples (a default compared with a rule's)."""
    return tuple(map(_tuples, value)) if isinstance(value, (list, tuple)) else value


def _library_as_function(func):
    """A NumPy, SciPy, math or autograd function handed to pullback itself
    (`pullback.grad(np.sin)`), as a Python function that calls it, `def sin(x): return
    sin_function(x)` (the parameters of its signature its rule also knows, where their
    defaults can be written), so that its derivative rule applies: a library's source is
    never transformed, and one without a rule is refused with a "no derivative rule"
    error naming it. Anything else is returned as it is.

    >>> import numpy as np
    >>> f = _library_as_function(np.sin)
    >>> f.__name__, float(f(0.0)), _library_as_function(f) is f, grad(np.sin)(0.0)
    ('sin', 0.0, True, 1.0)
    """
    if func is None or _generated(func) or getattr(func, "__wrapped_function__", None):
        return func
    _refuse_classes_and_constants(func)
    try:
        made = _LIBRARY_FUNCTIONS.get(func)
    except TypeError:  # unhashable: not a library function
        return func
    if made is not None:
        return made
    rules.adopt_wrapper(func)
    rule = rules.lookup(func)
    if not callable(func) or rule is None and not (
            inspect.isfunction(func) and _installed_library(func)):
        return func
    primitive = getattr(func, "_is_autograd_primitive", None) is True
    try:  # (an autograd primitive's own signature is (*args, **kwargs): its fun's)
        signature = inspect.signature(func.fun if primitive else func)
    except (TypeError, ValueError):
        signature = None
    from_rule = False
    if signature is None or any(p.kind is p.VAR_POSITIONAL
                                for p in signature.parameters.values()):
        # its rule's parameters (a SciPy ufunc's; np.einsum, a distribution's method and
        # autograd's wrappers take *args): their defaults literals the rule reads as the
        # function's own, a None one left out of the call when it is None (trailing
        # positions, keywords: the function's own default applies)
        signature = getattr(rule, "signature", None)
        if signature is None or any(
                p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.default is not p.empty
                and not _literal(p.default) for p in signature.parameters.values()):
            return func
        from_rule = True
    # the parameters the rule also knows, each passed only with the function's own
    # default (np.sum's where=<no value> cannot be spelled, so it is left out); autograd's
    # own definitions (std(x, axis, ddof, keepdims)) take what they take
    own = str(getattr(func, "__module__", "")).startswith("autograd.") and not primitive
    known = rule.signature.parameters if isinstance(rule, rules.Rule) and not own else None
    name = getattr(func, "__name__", "")
    if not name.isidentifier() and rules.autograd_wrapped(func) is not None:
        name = getattr(rules.autograd_wrapped(func), "__name__", "")  # (a lambda of autograd's)
    if not name.isidentifier() or keyword.iskeyword(name):
        return func
    params, passed, kind, skipped, absent = [], [], None, False, []
    # positional-only names are no part of the function's API (a SciPy ufunc's x1, x2):
    # its parameters in that position are the rule's (iv(v, x))
    by_place = [n for n, q in known.items() if q.kind in (q.POSITIONAL_ONLY,
                q.POSITIONAL_OR_KEYWORD)] if known is not None else []
    for place, p in enumerate(signature.parameters.values()):
        if p.kind is p.POSITIONAL_ONLY and place < len(by_place) and p.name not in known:
            p = p.replace(name=by_place[place])
        default = p.default
        if p.name == "keepdims" and default is np._NoValue:
            default = False  # what NumPy's reductions do for arrays when it is not given
        ruled = known.get(p.name) if known is not None else None
        if default is np._NoValue and ruled is not None and _literal(ruled.default) \
                and ruled.kind is not ruled.KEYWORD_ONLY:
            default = ruled.default  # np.clip's a_min: the rule's, as NumPy's (None)
            if isinstance(rule, rules.Rule) and p.name in rule.absent:  # np.diff's prepend
                absent.append(p.name)
        elif default is not p.empty and not _literal(default) and ruled is not None \
                and _literal(ruled.default) and _tuples(ruled.default) == _tuples(default):
            default = ruled.default  # (autograd's convolve: dot_axes=[(), ()], as a tuple)
        if from_rule and default is None:
            absent.append(p.name)
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or (
                default is not p.empty and not _literal(default)) or (
                known is not None and p.name not in known) or (
                known is None and not own and default is not p.empty):
            skipped = True
            continue  # (not passed: the function's own default applies)
        if p.kind is p.KEYWORD_ONLY and kind is not p.KEYWORD_ONLY:
            params.append("*")
        kind = p.kind
        params.append(p.name if default is p.empty else f"{p.name}={default!r}")
        by_position = p.kind is p.POSITIONAL_ONLY or (
            p.kind is p.POSITIONAL_OR_KEYWORD and not skipped and not (own and passed))
        if from_rule:  # (the rule's order of positions is the function's)
            by_position, absent_before = p.kind is not p.KEYWORD_ONLY, False
        else:
            absent_before = bool(absent)
        passed.append(p.name if by_position and not absent_before else f"{p.name}={p.name}")
    callee = f"{name}_function"
    text = (f"def make({callee}):\n"
            f"    def {name}({', '.join(params)}):\n"
            f"        return {callee}({', '.join(passed)})\n"
            f"    return {name}\n")
    filename = f"<pullback: {getattr(func, '__module__', None) or ''}.{name} as a function>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace: dict = {}
    exec(compile(text, filename, "exec"), namespace)  # noqa: S102 (names checked above)
    positions = [q.name for q in signature.parameters.values() if from_rule
                 and q.kind is not q.KEYWORD_ONLY]
    made = _LIBRARY_FUNCTIONS[func] = namespace["make"](
        _omitting_none(func, absent, positions) if absent else func)
    return made


def _omitting_none(func, names, positions=()):
    """`func` called without those of the parameters `names` that are None: parameters
    whose rule reads None as not given (`Rule.absent`) while the function, whose own
    default is NumPy's no-value sentinel, would take None for a value (np.diff's prepend
    and append; np.clip's a_min takes None, and is passed as it is); passed by position
    (`positions` names them), only the trailing ones (np.einsum's operands). It has
    `func`'s rule."""
    names = frozenset(names)

    def call(*args, **kwargs):
        end = len(args)
        while end and args[end - 1] is None and end <= len(positions) \
                and positions[end - 1] in names:
            end -= 1
        return func(*args[:end], **{k: v for k, v in kwargs.items()
                                    if not (v is None and k in names)})

    call.__name__ = call.__qualname__ = getattr(func, "__name__", "call")
    rules.adopt(call, func)
    return call


def _refuse_classes_and_constants(func):
    """Refuse, naming it, a class handed to pullback in place of a function
    (`grad(np.float64)`, `grad(int)`, `grad(MyModel)`: calling it constructs an object) and
    a callable marked non-differentiable (`grad(len)`, `grad(np.argmax)`: its result
    carries no gradient)."""
    if isinstance(func, type):
        name = f"{func.__module__}.{func.__qualname__}".removeprefix("builtins.")
        raise PullbackError(
            f"pullback was given the class {name}, not a function: calling a class constructs "
            "an object, which pullback does not differentiate on its own. Differentiate a "
            f"function that uses it (pullback.grad(lambda x: ... {func.__name__}(x) ...)); "
            "for a model object, pass the object (its __call__) or its bound method")
    try:
        marked = rules.lookup(func) == rules.NONDIFF_MARK
    except TypeError:  # unhashable: no rule
        return
    if marked:
        name = getattr(func, "__qualname__", None) or repr(func)
        raise PullbackError(
            f"pullback was given {name}, which is marked non-differentiable: its result (a "
            "count, an index, a rounded value, a comparison) carries no gradient, so there is "
            "none to compute. Differentiate a function whose result varies smoothly with its "
            "inputs")


def _defaults_code(func):
    """For a gradient that picks its code by the functions passed (_by_function_arguments),
    its code for the defaults, which is what a derivative of it differentiates (its entry
    check refuses other functions, located); any other function as it is."""
    return getattr(func, "__pullback_defaults_code__", func)


def _method_of(f):
    """(function, the object it is bound to) for a bound method of a Python function
    (`obj.fun`) or a callable object of a user class (its `__call__`); else (f, None).
    A bound method with a rule (scipy.stats.norm.pdf) is a library function: its rule's."""
    if isinstance(f, types.MethodType) and inspect.isfunction(f.__func__):
        if rules.lookup(f) is not None:
            return f, None
        return f.__func__, f.__self__
    call = getattr(type(f), "__call__", None)  # noqa: B004 (the class's own __call__)
    if not inspect.isfunction(f) and not isinstance(f, type) and inspect.isfunction(call) \
            and not hasattr(f, "__wrapped__"):
        return call, f
    return f, None


def _bound_method(make, f, wrt, optimize, backend="numpy", cache=False, checkpoint=None,
                  **options):
    """`make` (grad, value_and_grad, vjp, jvp, hvp, hessian, jacobian) of a bound method or
    callable object: the function under it, differentiated with `wrt` counted after the
    object (positions move by one, names stay), called with the object first. None for
    anything else. `options` are `make`'s own (jvp's batched, jacobian's mode)."""
    func, receiver = _method_of(f)
    if receiver is None:
        return None
    shift = lambda w: w + 1 if isinstance(w, int) and not isinstance(w, bool) \
        and w >= 0 else w  # noqa: E731
    if backend != "numpy" or cache:
        options.update(backend=backend, cache=cache)
    if checkpoint is not None:
        options["checkpoint"] = checkpoint
    inner = make(func, wrt=tuple(map(shift, wrt)) if isinstance(wrt, (tuple, list))
                 else shift(wrt), optimize=optimize, **options)

    @functools.wraps(inner)
    def bound(*args, **kwargs):
        return inner(receiver, *args, **kwargs)

    bound.__wrapped_function__ = f
    return bound


def grad(f=None, wrt=0, optimize=True, backend="numpy", cache=False, checkpoint=None):
    """The gradient of scalar-valued `f` with respect to parameter(s) `wrt`.

    pullback reads `f`'s source (from a file or a notebook cell), generates the
    adjoint code, compiles and caches it; `pullback.source` prints that code.

    Args:
        f: a plain Python function returning a float (or a 0-d array). Without it,
            `grad(wrt=...)` is a decorator.
        wrt: what to differentiate with respect to: a parameter's position or name,
            or a tuple of them (then the gradient is a tuple in the same order).
        optimize: run the optimizing pass over the generated code (False gives the
            plain adjoint, for reading).
        backend: "numpy" (the default: the generated Python runs as it is), "numba"
            (compiled by Numba; refuses, with the line, what Numba cannot compile) or
            "auto" (Numba where it can, else NumPy with a warning naming the reason);
            see docs/backends.md.
        cache: with backend "numba" or "auto", keep the compiled gradient on disk
            (Numba's cache, in ~/.cache/pullback/numba or $PULLBACK_CACHE_DIR), for
            the next process; a changed function is compiled anew.
        checkpoint: reverse `f`'s outermost `for` loops by binomial checkpointing
            (revolve) instead of recording every iteration: a snapshot count, or a
            memory size such as "200MB" divided by the size of one loop state. Loops
            marked `for t in pullback.checkpoint(range(T)):` are checkpointed in any
            case (with 10 snapshots unless given); see docs/memory.md.

    Returns:
        A function taking `f`'s arguments and returning the gradient: a float for a
        float parameter, an array of the parameter's shape for an array.

    Raises:
        UnsupportedSyntaxError: `f` uses a construct pullback cannot differentiate
            correctly; the message names it, with its file, line and source line.
        NoRuleError: `f` calls, on a value being differentiated, a function with no
            derivative rule (see `register_rule`).
        PullbackError: any other reason pullback refuses `f` (its source cannot be
            read, `wrt` names no parameter, ...).

    Example:
        ```python
        def g(x, y):
            return x * math.sin(y)

        pullback.grad(g, wrt=(0, 1))(2.0, 0.5)   # (sin 0.5, 2 cos 0.5)
        ```
    """
    if f is not None and _method_of(f)[1] is not None:
        return _bound_method(grad, f, wrt, optimize, backend, cache, checkpoint)
    return _decorator(f, lambda g: _named(
        _by_function_arguments(g, wrt, "grad", optimize, checkpoint, backend, cache),
        g, "grad"))


def value_and_grad(f=None, wrt=0, optimize=True, backend="numpy", cache=False,
                   checkpoint=None):
    """A function returning `(f(*args), gradient)` in one sweep.

    The value comes from the forward sweep the gradient runs anyway, so asking for
    both costs no more than the gradient alone. Arguments, errors and `wrt` are as
    for `grad`.

    Example:
        ```python
        value, (dx, dy) = pullback.value_and_grad(g, wrt=(0, 1))(2.0, 0.5)
        ```
    """
    if f is not None and _method_of(f)[1] is not None:
        return _bound_method(value_and_grad, f, wrt, optimize, backend, cache, checkpoint)
    return _decorator(f, lambda g: _named(
        _by_function_arguments(g, wrt, "value_and_grad", optimize, checkpoint, backend,
                               cache), g, "value_and_grad"))


def vjp(f=None, wrt=0, optimize=True, backend="numpy", cache=False, checkpoint=None):
    """`vjp(f)(*args, seed)`: the vector-Jacobian product of f's output with `seed`.

    For `f` with an array (or non-scalar) output, the returned function takes `f`'s
    arguments followed by `seed`, an array of the output's shape, and returns
    `seed`'s product with the Jacobian of the output with respect to `wrt`: the
    gradient of `sum(seed * f(*args))`. Arguments, errors and `wrt` are as for `grad`.

    Example:
        ```python
        def layer(x, W):
            return np.tanh(W @ x)

        dx, dW = pullback.vjp(layer, wrt=(0, 1))(x, W, seed)
        ```
    """
    if f is not None and _method_of(f)[1] is not None:
        return _bound_method(vjp, f, wrt, optimize, backend, cache, checkpoint)

    def build(g):
        inner = _named(_by_function_arguments(g, wrt, "vjp", optimize, checkpoint, backend,
                                              cache), g, "vjp")

        @functools.wraps(g)
        def vjp_call(*args, **kwargs):
            if not args:
                raise TypeError("vjp(f)(*args, seed): the seed is the last positional argument")
            return inner(args[-1], *args[:-1], **kwargs)

        vjp_call.__name__ = f"vjp_{g.__name__}"
        vjp_call.__wrapped_function__ = g
        return vjp_call

    return _decorator(f, build)


def jvp(f=None, wrt=0, optimize=True, batched=False):
    """`jvp(f, wrt)(*args, tangents)`: (f(*args), the directional derivative of f at args
    along `tangents`), by forward mode. `tangents` has the structure of the wrt argument
    (a tuple of one tangent per entry when wrt is a tuple).

    `batched=True` is vector mode: each tangent carries a batch of k directions along a
    leading axis (shape (k,) + the argument's shape; (k,) for a number), all pushed
    forward in one sweep; the result's tangents have the batch axis first too
    (`pullback.source(f, mode="jvp_batch")` prints that code)."""
    if f is not None and _method_of(f)[1] is not None:
        return _bound_method(jvp, f, wrt, optimize, batched=batched)
    mode = "jvp_batch" if batched else "jvp"

    def build(g):
        count = None if not isinstance(wrt, (tuple, list)) else len(wrt)
        try:
            transformed = transform(g, wrt, mode, optimize=optimize)
            inner = _bind(transformed, g)
        except PullbackError as refusal:  # (parameters passed None: _by_none_arguments)
            inner = _by_none_arguments(g, wrt, mode, optimize, None, "numpy", False, refusal,
                                       lead=count or 1)
            if inner is None:
                raise
            transformed = inner.__pullback_transform__
            if transformed.tangents_last:
                inner = _by_none_arguments(g, wrt, mode, optimize, None, "numpy", False,
                                           refusal, lead=0, trail=count or 1)
        inner = _named(inner, g, "jvp")
        if transformed.tangents_last:  # called as it is
            return inner

        @functools.wraps(g)
        def jvp_call(*args, **kwargs):
            if not args:
                raise TypeError("jvp(f)(*args, tangents): the tangents are the last "
                                "positional argument")
            if count is None:
                return inner(args[-1], *args[:-1], **kwargs)
            tangents = args[-1]
            if tangents.__class__ not in (tuple, list) or len(tangents) != count:
                raise PullbackError(f"jvp with wrt={wrt!r} takes a tuple of {count} "
                                    "tangents, one per entry of wrt")
            return inner(*tangents, *args[:-1], **kwargs)

        jvp_call.__name__ = f"jvp_{g.__name__}"
        jvp_call.__wrapped_function__ = g
        return jvp_call

    return _decorator(f, build)


def _as_real(x):
    """x as an array of its own floating dtype (float32 stays float32, as grad keeps it),
    or of float64 for integers, booleans and Python numbers; complex values stay complex."""
    import numpy as np

    array = np.asarray(x)
    return array if array.dtype.kind in "fc" else array.astype(float)


def _identity_seeds(inputs):
    """For real arrays `inputs`, one batch of tangents per input holding the unit
    directions of all inputs' entries together: n = their total size directions, the
    k-th input's seeds nonzero on its own block of them, in that input's dtype (so the
    derivative keeps it, as grad's does)."""
    import numpy as np

    n = sum(x.size for x in inputs)
    seeds, start = [], 0
    for x in inputs:
        seed = np.zeros((n, x.size), dtype=x.dtype)
        seed[start:start + x.size] = np.eye(x.size)
        seeds.append(seed.reshape((n,) + x.shape))
        start += x.size
    return seeds


def _split_columns(batch, out_shape, inputs):
    """Tangents of the output along the identity seeds (batch axis first) as Jacobian
    blocks, each of shape out_shape + the input's shape."""
    import numpy as np

    batch = np.asarray(batch)
    blocks, start = [], 0
    for x in inputs:
        columns = batch[start:start + x.size].reshape((x.size,) + out_shape)
        # the batch axis last (np.moveaxis's axis checks cost more than the transpose)
        blocks.append(columns.transpose((*range(1, columns.ndim), 0)).reshape(
            out_shape + x.shape))
        start += x.size
    return blocks


TRIALS = 3  # jacobian(mode="auto"): the timed calls of each mode before it keeps one


def jacobian(f, wrt=0, mode="auto", optimize=True):
    """`jacobian(f, wrt)(*args)`: the Jacobian of f at args, of shape f's output shape +
    the wrt argument's shape (a tuple of them for a tuple wrt). mode "fwd" takes one
    vector-mode forward sweep whose tangents are the n unit directions of the n input
    entries; "rev" one vector-mode reverse sweep whose seeds are the m unit directions of
    the m output entries (where a helper of f's gradient has no batch form, it says so in
    a RuntimeWarning, with the line, and makes one vjp sweep per output entry instead);
    "auto" the mode that measured faster: for given shapes of the arguments, the first
    calls take forward and reverse mode in turn (three each), timed, and later calls the
    one whose fastest call was faster (the one that can be made, where the other is
    refused).
    f runs once per call (reverse mode calls it once more the first time it meets given
    shapes of the arguments, for the shape of its result, unless forward mode has met
    them)."""
    if mode not in ("auto", "fwd", "rev"):
        raise PullbackError(f"jacobian mode must be 'auto', 'fwd' or 'rev', got {mode!r}")
    if _method_of(f)[1] is not None:
        return _bound_method(jacobian, f, wrt, optimize, mode=mode)
    f = _library_as_function(f)  # (np.diff handed to jacobian itself, as to grad)
    import numpy as np

    single = not isinstance(wrt, (tuple, list))
    names, _ = _wrt_names(passed_through(f), wrt)
    # the parameters as `names` counts them (a gradient pullback made, f's own wrapper of
    # it taking *args, binds as the function it differentiates)
    signature = inspect.signature(passed_through(f))
    positions = _positions(signature, names)
    forward = []  # the vector forward sweep, made on first use (mode "rev" never needs it)
    reverse = []  # the vector reverse sweep, or the reason it was refused, made once
    # mode "auto": the shapes of the arguments -> the mode measured faster (or, until
    # each has run TRIALS times, the times of each mode's calls)
    chosen = {}
    out_shapes = {}  # the shapes of the arguments -> the shape of f's result
    seeds_for = {}  # (n, shape) -> the n unit seeds of that shape, read-only, made once

    def made_forward():
        if not forward:
            forward.append(jvp(f, wrt, optimize=optimize, batched=True))
        return forward[0]

    def forward_sweep(*args, **kwargs):
        return made_forward()(*args, **kwargs)

    def unit_seeds(shape, dtype):
        """The unit seeds of the entries of an array of `shape` and floating `dtype`
        (batch axis first)."""
        seeds = seeds_for.get((shape, dtype))
        if seeds is None:
            size = math.prod(shape)
            seeds = seeds_for[shape, dtype] = (np.eye(size, dtype=dtype).reshape(
                (size,) + shape), np.zeros(shape, dtype=dtype))
            for seed in seeds:  # shared between calls: the sweep copies what it writes
                seed.setflags(write=False)
        return seeds

    def reverse_sweep():
        if not reverse:
            try:
                reverse.append(_vector_vjp(f, wrt, optimize))
            except PullbackError as exc:  # refused: a helper without a batch form, ...
                reverse.append(exc)
        return reverse[0]

    def by_forward(args, kwargs, given, inputs):
        if any(isinstance(x, (list, tuple, dict)) for x in given):
            seeds = [_seeds_like(seed, x) for seed, x in zip(_identity_seeds(inputs), given)]
        elif single:
            seeds = [unit_seeds(inputs[0].shape, inputs[0].dtype)[0]]
        else:
            seeds = _identity_seeds(inputs)
        out, batch = forward_sweep(*args, seeds[0] if single else tuple(seeds), **kwargs)
        out = np.asarray(out)
        _real(inputs, out)
        out_shapes[shapes_of(args, kwargs)] = out.shape, out.dtype  # (reverse mode's seeds)
        return [block.astype(_block_dtype(out, x), copy=False)
                for block, x in zip(_split_columns(batch, out.shape, inputs), inputs)]

    def shapes_of(args, kwargs):
        return tuple(np.shape(a) for a in args) + tuple(
            (k, np.shape(v)) for k, v in sorted(kwargs.items()))

    def result_shape(args, kwargs):
        """The shape of f's result: one call of f, the first time for these shapes."""
        out = np.asarray(f(*args, **kwargs))
        out_shapes[shapes_of(args, kwargs)] = out.shape, out.dtype
        return out

    def by_reverse(args, kwargs, given, inputs):
        shape, dtype = out_shapes.get(shapes_of(args, kwargs), (None, None))
        out = result_shape(args, kwargs) if shape is None else None
        sweep = reverse_sweep()
        try:
            if isinstance(sweep, PullbackError):
                raise sweep
            # one reverse sweep whose seeds are the unit directions of the output entries,
            # made by the shape f's result had (the sweep checks it has it again: its
            # result is f's, so f runs once)
            try:
                seeds, zero = (unit_seeds(out.shape, _seed_dtype(out)) if shape is None else
                               unit_seeds(shape, _seed_dtype(np.empty(0, dtype))))
                (out, _), (_, rows) = sweep(zero, *args, seeds, **kwargs)
            except runtime.SeedShapeError:  # a new shape for arguments of the same shapes
                out = result_shape(args, kwargs)
                seeds, zero = unit_seeds(out.shape, _seed_dtype(out))
                (out, _), (_, rows) = sweep(zero, *args, seeds, **kwargs)
        except PullbackError as refused:  # (an error of f's own is raised again below)
            import warnings
            warnings.warn(f"jacobian(mode='rev') of {getattr(f, '__qualname__', f)}: no "
                          f"vector reverse mode, so one vjp sweep per output entry: {refused}",
                          RuntimeWarning, stacklevel=3)
            out = result_shape(args, kwargs) if out is None else np.asarray(out)
            _real(inputs, out)
            return _rows_by_vjp(f, wrt, optimize, single, args, kwargs, out, inputs)
        out = np.asarray(out)
        _real(inputs, out)
        return [np.reshape(batched_array(r), out.shape + x.shape).astype(
            _block_dtype(out, x), copy=False) for r, x in zip([rows] if single else rows, inputs)]

    def measured(args, kwargs, given, inputs):
        """Mode "auto": for given shapes of the arguments, the first calls take forward
        and reverse mode in turn (TRIALS each), timed, f running once per call; later
        calls the mode whose fastest call was faster. Where one mode is refused, the
        other."""
        key = shapes_of(args, kwargs)
        use = chosen.get(key)
        if use is not None and not isinstance(use, dict):
            return use(args, kwargs, given, inputs)
        if use is None:  # the first call: can each mode be made?
            try:
                made_forward()
            except PullbackError:
                chosen[key] = by_reverse
                return by_reverse(args, kwargs, given, inputs)
            if isinstance(reverse_sweep(), PullbackError):
                chosen[key] = by_forward
                return by_forward(args, kwargs, given, inputs)
            use = chosen[key] = {by_forward: [], by_reverse: []}
        way = by_forward if len(use[by_forward]) <= len(use[by_reverse]) else by_reverse
        import time
        start = time.perf_counter()
        blocks = way(args, kwargs, given, inputs)
        use[way].append(time.perf_counter() - start)
        if len(use[by_reverse]) == TRIALS:
            chosen[key] = min(use, key=lambda w: min(use[w]))
        return blocks

    @functools.wraps(f)
    def jacobian_call(*args, **kwargs):
        if positions is not None and not kwargs and len(args) > max(positions):
            given = [args[k] for k in positions]  # (too many arguments: f says so)
        else:
            bound = signature.bind(*args, **kwargs)
            given = [bound.arguments[n] for n in names]
        inputs = [x if x.__class__ is np.ndarray and x.dtype == float else _as_real(x)
                  for x in given]
        way = by_forward if mode == "fwd" else by_reverse if mode == "rev" else measured
        blocks = way(args, kwargs, given, inputs)
        return blocks[0] if single else tuple(blocks)

    jacobian_call.__name__ = f"jacobian_{getattr(f, '__name__', 'f')}"
    return jacobian_call


def _seed_dtype(out):
    """The dtype of reverse mode's unit seeds for f's result `out`: its own floating
    dtype, float64 for integers and booleans."""
    import numpy as np

    return out.dtype if out.dtype.kind == "f" else np.dtype(float)


def _block_dtype(out, x):
    """The dtype of the Jacobian block of result `out` in input `x`: the floating type
    both have (float32 for float32 in and out, as JAX's jacfwd and jacrev give)."""
    import numpy as np

    return np.result_type(_seed_dtype(out), x.dtype if x.dtype.kind == "f" else float)


def _positions(signature, names):
    """The positions of the parameters `names` when each can be given by position (an
    ordinary parameter before any *args), else None."""
    params = list(signature.parameters.values())
    ordinary = []
    for p in params:
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            break
        ordinary.append(p.name)
    if not all(n in ordinary for n in names):
        return None
    return [ordinary.index(n) for n in names]


def _rows_by_vjp(f, wrt, optimize, single, args, kwargs, out, inputs):
    """The Jacobian's blocks by one vjp sweep per output entry (f's output `out`)."""
    import numpy as np

    sweep = vjp(f, wrt, optimize=optimize)
    rows = [[] for _ in inputs]
    for i in range(out.size):
        seed = np.zeros(out.size)
        seed[i] = 1.0
        grads = sweep(*args, seed.reshape(out.shape) if out.ndim else 1.0, **kwargs)
        for k, grad in enumerate([grads] if single else grads):
            rows[k].append(np.reshape(grad, inputs[k].size))
    return [(np.stack(rows[k]) if rows[k] else np.zeros((0, x.size))).reshape(
        out.shape + x.shape) for k, x in enumerate(inputs)]


def _vector_vjp(f, wrt, optimize):
    """Vector reverse mode: `sweep(seed, *args, seeds)` -> ((f's result, f's vjp with
    `seed`), (a zero, the vjps with each of `seeds`, batch axis first)), in one reverse
    sweep. The adjoint is linear in
    its seed, so the adjoints of a batch of seeds are the tangents of the generated vjp
    along them: its vector-mode jvp with respect to the seed, whose primal sweep (f's
    values, records) runs once and whose adjoint statements each handle the whole batch.
    Strict: a helper without a batch template is refused, never run seed by seed."""
    g = passed_through(f)
    adjoint = _named(_bind(transform(g, wrt, "vjp_value", optimize=optimize), g), g, "vjp")
    transformed = transform(adjoint, 0, "jvp_batch_strict", optimize=optimize)
    sweep = _bind(transformed, adjoint)
    if transformed.tangents_last:
        return sweep
    return lambda seed, *args, **kwargs: sweep(args[-1], seed, *args[:-1], **kwargs)


def _seeds_like(seed, x):
    """A batch of tangents for the list or tuple x (a list of batches, one per element)."""
    import numpy as np

    if isinstance(x, (list, tuple)):
        flat = seed.reshape(len(seed), -1)
        parts, start = [], 0
        for v in x:
            size = np.size(v)
            parts.append(_seeds_like(flat[:, start:start + size].reshape(
                (len(seed),) + np.shape(v)), v))
            start += size
        return parts if isinstance(x, list) else tuple(parts)
    return seed


def _real(inputs, out):
    """Refuses complex wrt arrays `inputs` (as jacobian_call made them) or output `out`."""
    if out.dtype.kind == "c" or any(x.dtype.kind == "c" for x in inputs):
        raise PullbackError("jacobian takes real inputs and outputs (for complex values, "
                            "use jvp and vjp, whose conventions differ)")


def hvp(f=None, wrt=0, optimize=True):
    """`hvp(f, wrt)(*args, v)`: the Hessian-vector product H v of scalar-valued `f` with
    respect to `wrt`, by forward mode over reverse mode: the jvp of f's generated gradient
    along `v` (`pullback.source(f, mode="hvp")` prints that code). `v` has the structure
    of the wrt argument (a tuple of one direction per entry when wrt is a tuple), and so
    has the result. Costs a small multiple of one gradient, whatever the number of inputs.

    Example:
        ```python
        def f(x):
            return np.sum(np.sin(x) * x)

        pullback.hvp(f)(x, v)     # (2 cos x - x sin x) * v
        ```
    """

    if f is not None and _method_of(f)[1] is not None:
        return _bound_method(hvp, f, wrt, optimize)

    def build(g):
        forward_sweep = _hvp_sweep(g, wrt, optimize)

        @functools.wraps(g)
        def hvp_call(*args, **kwargs):
            if not args:
                raise TypeError("hvp(f)(*args, v): the direction v is the last positional "
                                "argument")
            return forward_sweep(*args, **kwargs)[1]

        hvp_call.__name__ = f"hvp_{g.__name__}"
        hvp_call.__wrapped_function__ = g
        return hvp_call

    return _decorator(f, build)


def _hvp_sweep(f, wrt, optimize, batched=False):
    """jvp of f's generated gradient: (gradient, H v) from (*args, v). A refusal located
    in that gradient's code (`File "<pullback f #n>"`) says so, and how to print it."""
    try:
        sweep = jvp(grad(f, wrt, optimize=optimize), wrt, optimize=optimize, batched=batched)
    except PullbackError as exc:
        _in_the_gradient(exc, f)
        raise

    @functools.wraps(sweep)
    def noted(*args, **kwargs):
        try:
            return sweep(*args, **kwargs)
        except PullbackError as exc:
            _in_the_gradient(exc, f)
            raise

    return noted


def _in_the_gradient(exc, f) -> None:
    """exc's message told (in place) that the place it names is in f's generated
    gradient, which second-order mode differentiates again, when it names such a place."""
    message = exc.args[0] if exc.args and isinstance(exc.args[0], str) else None
    if message is not None and 'File "<pullback ' in message \
            and "second derivative" not in message \
            and "derivative of a derivative" not in message:  # (already says so)
        name = getattr(f, "__qualname__", "f")
        exc.args = (f"{message}\n  (while making a second derivative: that line is in the "
                    f"code pullback generated for the gradient of {name}, which "
                    f"pullback.source({name}) prints; the gradient itself is made)",
                    *exc.args[1:])


def hessian(f, wrt=0, optimize=True):
    """`hessian(f, wrt)(*args)`: the Hessian of scalar-valued `f` with respect to `wrt`, of
    shape x.shape + x.shape for one wrt argument x (a float for a number); for a tuple
    wrt, a tuple of rows of blocks, `H[i][j]` of shape x_i.shape + x_j.shape. Made by
    vector forward mode over reverse mode: one sweep of the gradient's tangent code whose
    batch of tangents is the n unit directions of the n wrt entries
    (`pullback.source(f, mode="hessian")` prints it)."""
    import numpy as np

    if _method_of(f)[1] is not None:
        return _bound_method(hessian, f, wrt, optimize)
    single = not isinstance(wrt, (tuple, list))
    try:
        forward_sweep = _hvp_sweep(f, wrt, optimize, batched=True)
    except NoBatchedObjects:  # objects f builds: one hvp per entry
        forward_sweep = None
    names, _ = _wrt_names(passed_through(f), wrt)
    signature = inspect.signature(f)

    @functools.wraps(f)
    def hessian_call(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        given = [bound.arguments[n] for n in names]
        if forward_sweep is None or any(isinstance(x, (list, tuple, dict)) or not (
                np.isscalar(x) or hasattr(x, "shape")) for x in given):
            return _structured_hessian(f, wrt, optimize, single, given, args, kwargs)
        if any(np.iscomplexobj(x) for x in given):
            raise PullbackError("hessian takes real numbers and arrays as its wrt arguments")
        inputs = [_as_real(x) for x in given]
        seeds = _identity_seeds(inputs)
        try:
            _, columns = forward_sweep(*args, seeds[0] if single else tuple(seeds), **kwargs)
        except NoBatchedObjects:  # objects f builds: one hvp per entry
            return _structured_hessian(f, wrt, optimize, single, given, args, kwargs)
        # the i-th gradient's tangents along the unit directions: the rows of blocks (i, .)
        out = [[b.astype(np.result_type(x, y), copy=False) if b.ndim else float(b)
                for b, y in zip(_split_columns(column, x.shape, inputs), inputs)]
               for column, x in zip([columns] if single else columns, inputs)]
        return out[0][0] if single else tuple(tuple(row) for row in out)

    hessian_call.__name__ = f"hessian_{getattr(f, '__name__', 'f')}"
    return hessian_call


def _structured_hessian(f, wrt, optimize, single, given, args, kwargs):
    """The Hessian with respect to objects, NamedTuples, dataclasses, tuples, lists or
    dicts (runtime/structures.py), or through objects f builds, which vector mode does
    not take: one hvp per real entry (n sweeps, where numbers and arrays take one
    vector-mode sweep), the blocks nested as JAX nests them
    for a pytree: H[a][b] for a tuple wrt, each the structure of argument a whose every
    leaf i holds the structure of argument b whose leaf j is the block of shape
    shape_i + shape_j (a float for two numbers)."""
    import numpy as np

    from .runtime.structures import leaves, leaves_like, rebuild

    product = hvp(f, wrt, optimize=optimize)
    per_arg = [[_as_real(leaf) for leaf in leaves(x)] for x in given]
    flat = [leaf for arg in per_arg for leaf in arg]
    if not flat:
        raise PullbackError("hessian: the wrt argument holds no real number or float array")
    columns: list = [[] for _ in flat]  # columns[j]: H v for each unit v in leaf j
    for j, leaf in enumerate(flat):
        for e in range(leaf.size):
            units = [np.zeros(other.shape, other.dtype) for other in flat]
            units[j].flat[e] = 1.0
            units = iter([u if u.ndim else float(u) for u in units])
            direction = [rebuild(x, units) for x in given]
            out = product(*args, direction[0] if single else tuple(direction), **kwargs)
            columns[j].append([np.asarray(c) for x, part in zip(
                given, [out] if single else out) for c in leaves_like(x, part)])

    def block(i, j):
        stacked = np.stack([column[i] for column in columns[j]], axis=-1).astype(
            np.result_type(flat[i], flat[j]), copy=False)
        b = stacked.reshape(flat[i].shape + flat[j].shape)
        return b if b.ndim else float(b)

    starts = np.cumsum([0] + [len(arg) for arg in per_arg])
    rows = tuple(tuple(
        rebuild(xa, iter([rebuild(xb, iter([block(i, j) for j in range(starts[b], starts[b + 1])]))
                          for i in range(starts[a], starts[a + 1])]))
        for b, xb in enumerate(given)) for a, xa in enumerate(given))
    return rows[0][0] if single else rows


def source(f, wrt=0, mode="grad", stage="final", optimize=True, backend="numpy",
           explain=False, example_args=None, checkpoint=None) -> str:
    """The generated code of `f`'s gradient (or of an earlier pipeline stage).

    Args:
        f: the function, as for `grad`.
        wrt: as for `grad`.
        mode: which generated function: "grad", "value_and_grad", "vjp", "jvp"
            (forward mode: the tangent code), "jvp_batch" (vector mode: the tangent code
            for a batch of tangents, which `jacobian(mode="fwd")` runs), "hvp" (the jvp
            of the generated gradient, which `hvp` runs) or "hessian" (its vector mode,
            which `hessian` runs) or "vjp_batch" (vector reverse mode: the tangents of
            the vjp along a batch of seeds, which `jacobian(mode="rev")` runs).
        stage: "final" (the code that runs) or an earlier stage of the pipeline:
            "parsed", "normalized", "ssa" or "adjoint" (before simplification).
        optimize: as for `grad`.
        checkpoint: as for `grad` (the code with checkpointed loops).
        backend: "numba": the code the Numba backend runs (the Python part with the
            entry guards, then the part Numba compiles); it refuses what that backend
            refuses.
        explain: annotate the code for reading (emit/explain.py): a header saying which
            values are active and which the adjoint reads from the primal sweep, and why,
            and before each adjoint (or tangent) statement the primal one it comes from.
        example_args: arguments of f: the code printed specialized to their shapes
            (emit/specialize.py): helpers that do nothing at those shapes left out,
            `matmul_grad_a(g, a, b)` as `g @ b.T`. To tell, the gradient runs on them
            and on two random draws of their shapes. Printing only: the code that runs
            stays general.

    Returns:
        The code, as a string of valid Python. The command line prints the same:
        `pullback show FILE.py:FUNC`.
    """
    func, receiver = _method_of(f)
    if receiver is not None:  # obj.fun: the code of its function, wrt counted after self
        wrt = tuple(w + 1 if isinstance(w, int) and w >= 0 else w for w in wrt) \
            if isinstance(wrt, (tuple, list)) else wrt + 1 if isinstance(wrt, int) \
            and wrt >= 0 else wrt
        f = func
    if (mode in ("hvp", "hessian", "vjp_batch") or backend != "numpy" or stage != "final") \
            and (explain or example_args is not None):
        raise PullbackError("explain and example_args print the final code of grad, "
                            "value_and_grad, vjp and jvp, for the numpy backend")
    if mode in ("hvp", "hessian"):  # forward over reverse: the tangent code of the gradient
        return source(grad(f, wrt, optimize=optimize), wrt,
                      "jvp" if mode == "hvp" else "jvp_batch", stage, optimize)
    if mode == "vjp_batch":  # vector reverse mode: the vjp's tangents along a batch of seeds
        adjoint = _named(_bind(transform(f, wrt, "vjp_value", optimize=optimize), f), f,
                         "vjp")  # (returning f's result too: jacobian's reverse mode)
        return source(adjoint, 0, "jvp_batch_strict", stage, optimize)
    transformed = transform(f, wrt, mode, optimize=optimize, checkpoint=checkpoint)
    if backend != "numpy":
        if stage != "final" or mode not in ("grad", "value_and_grad", "vjp"):
            raise PullbackError(f"backend={backend!r} shows the final code of grad, "
                                "value_and_grad or vjp")
        from .emit import numba as numba_backend
        return numba_backend.Split(transformed, f).source
    if stage != "final" or explain or example_args is not None:  # built again, keeping all
        names, single = _wrt_names(f, wrt)
        with _LOCK:
            transformed = _build(f, names, single, mode, (types.CellType(), types.CellType()),
                                 {}, optimize, keep_stages=True, checkpoint=checkpoint)
        if explain or example_args is not None:
            from .emit import explain as explaining
            from .emit import specialize
            if example_args is not None:
                specialize.specialize(transformed, f, example_args, mode,
                                      [_parameter_of(n) for n in names], numbered=not explain)
            if not explain:
                return codegen.to_source(transformed.tree)
            return explaining.explain(transformed, f, [_parameter_of(n) for n in names])
    return transformed.stages[stage]


def register_rule(func, jvp=None):
    """Decorator: `@register_rule(f)` over `def f_grad(g, ans, x, y): ...` makes pullback
    differentiate calls to `f` with f_grad, which returns the gradient with respect to
    each of f's parameters (one value, or a tuple for several), given `g`, the gradient of
    f's result, and `ans`, the result. Works for NumPy functions without a built-in rule,
    C extensions, and Python functions whose gradient you want to write by hand.
    `jvp=f_jvp`, `def f_jvp(ans, x, y, dx, dy)` returning the tangent of f's result,
    gives f's tangent for forward mode (`pullback.jvp`); without it forward mode refuses
    to differentiate through f."""

    def decorate(gradient):
        rules.register(func, gradient, jvp)
        return gradient

    return decorate


def nondifferentiable(func):
    """Mark `func` as carrying no gradient (usable as a decorator); returns `func`."""
    rules.mark_nondifferentiable(func)
    return func


def stop_gradient(x):
    """`x` itself; pullback treats the value as a constant (no gradient flows through)."""
    return x


rules.NONDIFF.add(stop_gradient)
rules.NONDIFF.add(checkpoint_marker)  # derive/checkpoint.py reads the loops it marks
rules.NONDIFF.add(runtime.key_list)
# a new list of a dict's keys (hashable, so never a list or dict it holds): nothing shared
rules.FRESH_NONDIFF = rules.FRESH_NONDIFF | {runtime.key_list}


def _bind(transformed, func, backend="numpy", wrt=None, cache=False):
    bound = codegen.bind(transformed.code, func, transformed.constants)
    if backend != "numpy":  # compiled by another backend, this one its fallback
        from .emit import numba as numba_backend
        bound = numba_backend.bind(transformed, func, _wrt_names(func, wrt)[0], backend,
                                   bound, cache)
    bound.__pullback_transform__ = transformed  # keeps its linecache entry while it lives
    return bound


# How many transforms for other functions passed (_by_function_arguments) one gradient
# keeps, the most recently used.
FUNCTION_VARIANTS = 8


def _by_function_arguments(func, wrt, mode, optimize, checkpoint, backend, cache):
    """The bound transform of `func` in `mode` (grad, value_and_grad, vjp). Where `func`
    has parameters whose default is a function it calls (`def f(x, reduce=np.mean)`, made
    for that function: lower/namespaces.function_defaults), a gradient that checks, per
    call, that each receives its default (an identity test per parameter), and where a
    call passes another callable, runs the transform made for the function passed
    (`static`): one per identity of the functions passed, the FUNCTION_VARIANTS most
    recently used kept by this gradient (the global cache holds them weakly). A value
    that is not callable goes to the default's code, whose entry check refuses it,
    located."""
    try:
        transformed = transform(func, wrt, mode, optimize=optimize, checkpoint=checkpoint)
    except PullbackError as refusal:
        made = _by_none_arguments(func, wrt, mode, optimize, checkpoint, backend, cache,
                                  refusal)
        if made is None:
            raise
        return made
    bound = _bind(transformed, func, backend, wrt, cache)
    if not transformed.function_defaults:
        return _with_operand_objects(bound, transformed, func, lambda static: _bind(
            transform(func, wrt, mode, static=static, optimize=optimize,
                      checkpoint=checkpoint, own=False), func, backend, wrt, cache), mode)
    bound = _named(bound, func, mode)  # (as the gradient returned would be)
    shift = 1 if mode == "vjp" else 0  # the generated vjp takes the seed first
    params = inspect.signature(func, follow_wrapped=False).parameters
    positional = [p.name for p in params.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    checks = tuple((name, positional.index(name) + shift if name in positional else None,
                    default) for name, default in transformed.function_defaults)
    variants: dict = {}  # ids of the functions passed -> (those functions, bound), LRU order

    def passed(args, kwargs):
        return tuple(args[index] if index is not None and index < len(args)
                     else kwargs.get(name, default) for name, index, default in checks)

    def other_functions(args, kwargs, given):
        static = {name: value for (name, _, default), value in zip(checks, given)
                  if value is not default and callable(value)}
        if not static:  # not callable: the default's entry check refuses it
            return bound(*args, **kwargs)
        key = tuple(map(id, given))
        found = variants.pop(key, None)
        if found is None or any(a is not b for a, b in zip(found[0], given)):
            made = transform(func, wrt, mode, static=static, optimize=optimize,
                             checkpoint=checkpoint, own=False)
            found = (given, _bind(made, func, backend, wrt, cache))
        variants[key] = found
        while len(variants) > FUNCTION_VARIANTS:
            del variants[next(iter(variants))]
        return found[1](*args, **kwargs)

    def by_function_arguments(*args, **kwargs):
        for name, index, default in checks:
            if (args[index] if index is not None and index < len(args)
                    else kwargs.get(name, default)) is not default:
                return other_functions(args, kwargs, passed(args, kwargs))
        return bound(*args, **kwargs)

    by_function_arguments.__pullback_transform__ = transformed
    by_function_arguments.__pullback_defaults_code__ = bound  # for derivatives of it
    return by_function_arguments


def _by_none_arguments(func, wrt, mode, optimize, checkpoint, backend, cache, refusal,
                       lead=None, trail=0):
    """For `func` refused (`refusal`) that has parameters whose default is None, and that
    is not refused made for calls leaving them None (lower/none_parameters: the branches
    testing them, `if ax is not None: ax.plot(x)`, dropped): a gradient that runs, for
    each call, the code made for the parameters that call passes None (one transform
    per such set of parameters, as _by_function_arguments makes one per identity of the
    functions passed), and for a call passing None to none of them raises `refusal`
    (what the code would run is what was refused, located). None otherwise. `lead` and
    `trail`: how many arguments of the generated function come before and after f's
    (the seed of a vjp, the tangents of a jvp)."""
    try:
        signature = inspect.signature(func, follow_wrapped=False)
    except (TypeError, ValueError):  # a wrapper without code (functools.cache): the
        return None  # refusal stands
    wrt_names, _ = _wrt_names(func, wrt)
    params = [name for name, p in signature.parameters.items() if name not in wrt_names
              and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    defaults = frozenset(name for name in params if signature.parameters[name].default is None)
    if not defaults:
        return None
    variants: dict = {}

    def made_for(nones):
        if nones not in variants:
            made = transform(func, wrt, mode, static=dict.fromkeys(sorted(nones)),
                             optimize=optimize, checkpoint=checkpoint, own=False)
            variants[nones] = _bind(made, func, backend, wrt, cache)
        return variants[nones]

    try:
        made_for(defaults)
    except PullbackError:
        return None  # (the refusal stands: it is not in a branch dropped for None)
    if lead is None:
        lead = 1 if mode == "vjp" else 0  # the generated vjp takes the seed first

    def by_none_arguments(*args, **kwargs):
        try:
            given = signature.bind(*args[lead:len(args) - trail], **kwargs)
        except TypeError:
            given = None
        if given is not None:
            given.apply_defaults()
            nones = frozenset(name for name in params if given.arguments.get(name, 0) is None)
            if nones:
                return made_for(nones)(*args, **kwargs)
        raise refusal.with_traceback(None)

    by_none_arguments.__pullback_transform__ = variants[defaults].__pullback_transform__
    by_none_arguments.__pullback_defaults_code__ = variants[defaults]  # for derivatives of it
    return by_none_arguments


def _with_operand_objects(bound, transformed, func, made, mode):
    """`bound`, or where its entry checks refuse an operator's operand that is an object
    of a user class (`a + b` with `a` a Vec the caller passes), a gradient that then runs
    the transform made with those parameters holding objects (`made(static)`; their
    operators run through objects.operator_forward, as those of objects f builds), one
    per set of such parameters. The entry check runs before anything of f, so the call
    is made anew from its start; a refusal from any other check (a callee's, an object
    in an element or attribute) stands."""
    ats = [value for name, value in transformed.constants.items()
           if name.startswith("operators_at")]
    if not ats:
        return bound
    bound = _named(bound, func, mode)  # (as the gradient returned would be)
    shift = 1 if mode == "vjp" else 0  # the generated vjp takes the seed first
    signature = inspect.signature(func, follow_wrapped=False)
    variants: dict = {}

    def with_operand_objects(*args, **kwargs):
        try:
            return bound(*args, **kwargs)
        except objects.OperatorOfObject as exc:
            if not any(exc.ats is at for at in ats):
                raise
            try:
                given = signature.bind(*args[shift:], **kwargs).arguments
            except TypeError:
                raise exc from None
            names = frozenset(
                name for name, value in given.items()
                if signature.parameters[name].kind in (
                    inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                    inspect.Parameter.KEYWORD_ONLY) and objects.overloads_operators(value))
            if not names:
                raise
        found = variants.get(names)
        if found is None:
            found = variants[names] = made(dict.fromkeys(names, objects.OBJECT_OPERAND))
        return found(*args, **kwargs)

    for attr in ("__name__", "__qualname__", "__doc__"):  # named as the gradient it runs
        setattr(with_operand_objects, attr, getattr(bound, attr, None))
    with_operand_objects.__pullback_transform__ = transformed
    with_operand_objects.__pullback_defaults_code__ = bound  # for derivatives of it
    return with_operand_objects


def _named(func, user_func, what):
    func.__doc__ = f"{what} of {user_func.__qualname__}, generated by pullback."
    func.__qualname__ = func.__name__  # not the scope it was compiled in (for grad of it)
    func.__wrapped_function__ = user_func
    return func
