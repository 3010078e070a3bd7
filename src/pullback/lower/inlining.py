"""Calls of the user's functions -> their bodies, in place: nested functions and
lambdas always; a module-level function when it receives one, or when it writes into
an object its caller passes (written_params.py; `writing_callee`, whatever its size:
its writes become the caller's own), or when its body is small (see `small_body`), until
INLINE_BUDGET statements have been inlined.

Guarantees: the inlined body is the callee's own, lowered like the caller's (blocks,
control flow, flattening), its names made fresh (`h_v` for `h`'s `v`) so that nothing
of the caller's is overwritten; the arguments are evaluated once, in the call's order,
and bound to the parameters; a parameter that receives a nested function, a constant or
a global function no statement rebinds stands for it in the body. The callee's free
names read what they read in its own module (or closure), live, as the call runs; a
function the body calls is checked to be the same when the gradient runs. Statements of
a module-level callee carry `origin` (its location and line, for errors) and
`inlined_from` (for the generated code's comments). Recursion through nested functions,
and forms the signature does not fit, are refused, located.

An object f builds of a user class whose construction is not a plain record (its
`__init__` computes, or it is given a nested function), and which f uses only through its
attributes, methods and calls (`BuiltObjects`), is kept as a record of named values: each
attribute a local of f (unset until stored, as in Python), `__init__`, methods, properties
and `super()` calls inlined with `self` standing for it, the class's methods guarded.
Such an object used as a value inside one of its methods is refused, located.

>>> from pullback.lower.example import lowered, show
>>> def f(x):
...     def cube(v):
...         return v * v * v
...     return cube(x) + cube(2.0)
>>> show(lowered(f))
def f(x):
    cube_v = x
    mul = cube_v * cube_v
    out_2 = mul * cube_v
    mul_2 = 2.0 * 2.0
    out_3 = mul_2 * 2.0
    out = out_2 + out_3
    return out
"""

from __future__ import annotations

import abc
import builtins
import dataclasses
import inspect
import types

import gast
import numpy as np

from .. import rules
from ..errors import PullbackError, UnsupportedSyntaxError
from ..frontend.check import check
from ..frontend.parse import MISSING, is_library, lookup_free, parse_function
from ..helpers import HELPERS
from ..ir.annotations import ANONYMOUS, INLINED_FROM, ORIGIN, SENTINEL
from ..ir.naming import RESERVED
from ..ir.nodes import (
    assign,
    binop,
    call,
    clone,
    const,
    dotted_name,
    if_,
    is_atom,
    load,
    map_names,
    parameters,
    store,
    stored_in_order,
    walk,
)
from .blocks import Blocks
from .common import called_or_passed, captured, located_error, rename
from .containers import dict_names
from .control_flow import ControlFlow
from .unbound import maybe_unset
from .written_params import (
    augmented_only,
    given_branches_dropped,
    none_guarded,
    user_function,
    written_params,
)

# Small functions (at most SMALL_STATEMENTS statements, see small_body) are inlined at
# their calls, until INLINE_BUDGET statements have been inlined into one function.
SMALL_STATEMENTS = 8
INLINE_BUDGET = 120
# Functions writing into an object their caller passes are inlined whatever their size,
# apart from the budget above; beyond WRITING_BUDGET statements of them in one function,
# a call of one is refused, located.
WRITING_BUDGET = 5000
_NOT_SMALL = (gast.For, gast.While, gast.FunctionDef, gast.AsyncFunctionDef, gast.Lambda,
              gast.ClassDef, gast.ListComp, gast.SetComp, gast.DictComp, gast.GeneratorExp,
              gast.Global, gast.Nonlocal, gast.Yield, gast.YieldFrom, gast.Await, gast.Try,
              gast.With, gast.Raise, gast.Assert, gast.AugAssign, gast.Delete, gast.Starred,
              gast.NamedExpr, gast.Expr)


def small_body(func):
    """The checked Parsed of `func` when its body is small and straight: at most
    SMALL_STATEMENTS statements (those of branches counted), only assignments to names,
    `if` and `return`, no loops, nested functions, comprehensions or writes into
    objects, and a plain signature; else None."""
    try:
        callee = parse_function(func)
        args = callee.tree.args
        if args.vararg or args.kwarg or callee.tree.decorator_list:
            return None
        statements = 0
        for node in walk(callee.tree):
            if isinstance(node, _NOT_SMALL) and node is not callee.tree:
                return None
            if isinstance(node, (gast.Subscript, gast.Attribute)) \
                    and not isinstance(node.ctx, gast.Load):
                return None
            if isinstance(node, gast.Call) and _looped(callee, node):
                return None  # (lowered to a loop by normalize, which inlining skips)
            statements += isinstance(node, gast.stmt)
        if statements - 1 > SMALL_STATEMENTS:
            return None
        check(callee.tree, callee.location)
    except PullbackError:
        return None  # transformed as a callee, which reports it
    return callee


def _looped(callee, node) -> bool:
    """Whether `node` calls np.vectorize's result or np.apply_along_axis (vectorized.py and
    along_axis.py lower them, in a function normalize runs on)."""
    func = node.func.func if isinstance(node.func, gast.Call) else node.func
    try:
        obj = callee.resolve(func)
    except Exception:  # noqa: BLE001 (a local name, or one resolving to nothing)
        return False
    return obj is np.vectorize or obj is np.apply_along_axis or isinstance(obj, np.vectorize)


class Inlining:
    """The inlining of `Flatten` (flatten.py), whose state it uses."""

    def is_local(self, name) -> bool:
        """Whether `name` is one of f's variables or nested functions (asked per call:
        not by building the union of the two, the size of f, each time)."""
        return name in self.locals or name in self.local_functions

    def readable_callee(self, expr, passed):
        """The Parsed of the module-level function `expr` calls, whose body is inlined
        because it receives the nested function `passed`."""
        name = dotted_name(expr.func) or "a call"
        func = self.resolved(expr.func)
        fits = ("(a nested function may be called, passed to map, as key= to min, max "
                "and sorted, and to Python functions pullback can read)")
        shown = self.shown(passed)
        if not inspect.isfunction(func):
            self.error(f"{shown} passed to {name}, which is not a Python function pullback "
                       f"can read {fits}", expr)
        if rules.lookup(func) is not None:
            self.error(f"{shown} passed to {name}, which has a registered derivative rule or "
                       "is marked non-differentiable", expr)
        if is_library(func):
            self.error(f"{shown} passed to {name}, a library function: pullback "
                       "differentiates library functions only through registered rules", expr)
        if func not in self.readable:
            try:
                callee = parse_function(func)
            except PullbackError as exc:
                self.error(f"{shown} passed to {name}: {exc}", expr)
            check(callee.tree, callee.location)
            for node in walk(callee.tree):
                if isinstance(node, (gast.FunctionDef, gast.Lambda)) \
                        and node is not callee.tree:
                    raise UnsupportedSyntaxError(
                        f"unsupported construct: a nested function or lambda inside "
                        f"{func.__name__}, which receives {shown} (define it at module "
                        "level)", callee.location.describe(node))
            self.readable[func] = callee
        head = name.split(".")[0]
        if self.parsed.is_rebindable(head) and not ORIGIN.of(expr) \
                and not isinstance(self.parsed.lookup(head), types.ModuleType):
            self.parsed.inlined[None, head] = self.parsed.lookup(head)  # the body is built in
        return self.readable[func]

    def small_callee(self, expr):
        """The Parsed of the user function `expr` calls, when its body is a few
        assignments, branches and returns (see `small_body`): inlined, a helper such as
        a log-sum-exp costs what its statements cost rather than a forward call, a record
        and a backward call per call. None otherwise, and once INLINE_BUDGET statements
        have been inlined: the call is then transformed as a callee. A call inside an
        inlined body is inlined only through a plain name."""
        name = dotted_name(expr.func)
        if name is None or self.is_local(name.split(".")[0]) \
                or any(isinstance(a, gast.Starred) for a in expr.args) \
                or any(k.arg is None for k in expr.keywords) \
                or (ORIGIN.of(expr) and "." in name):
            return None
        func = self.resolved(expr.func)
        if not inspect.isfunction(func) or func is self.parsed.func or func in self.inlining \
                or hasattr(func, "__wrapped__") or rules.lookup(func) is not None \
                or is_library(func):
            return None
        if func not in self.small:
            self.small[func] = small_body(func)
        callee = self.small[func]
        if callee is None or len(callee.tree.body) > self.inline_budget:
            return None
        self.inline_budget -= len(callee.tree.body)
        # the body is built in: the name must still denote func when the gradient runs (a
        # name free_names gave an alias of its own is checked where it is bound)
        if name not in self.parsed.aliases and self.parsed.is_rebindable(name.split(".")[0]):
            self.parsed.inlined[None, name] = func
        return callee

    def writing_callee(self, expr):
        """(the Parsed of the user function `expr` calls, the parameters it writes into)
        when it writes into an object its caller passes (written_params.py): inlined at
        every call, whatever its size, so that the writes are the caller's own, which the
        engine follows; None for any other call. A call of one inside its own inlined body
        (recursion), or beyond WRITING_BUDGET inlined statements, is refused, located."""
        name = dotted_name(expr.func)
        if name is None or self.is_local(name.split(".")[0]) \
                or any(k.arg is None for k in expr.keywords) \
                or (ORIGIN.of(expr) and "." in name):
            return None
        func = self.resolved(expr.func)
        if not user_function(func) or func is self.parsed.func:
            return None
        written = written_params(func)
        if not written:
            return None
        if func in self.inlining:
            self.error(f"recursive function {func.__name__!r} writing into an object its "
                       f"caller passes ({', '.join(sorted(written))}): pullback makes such "
                       "writes the caller's own by inlining the function, which recursion "
                       "does not end", expr)
        callee = parse_function(func)
        check(callee.tree, callee.location)
        for node in walk(callee.tree):
            if isinstance(node, (gast.FunctionDef, gast.Lambda)) and node is not callee.tree:
                raise UnsupportedSyntaxError(
                    f"unsupported construct: a nested function or lambda inside "
                    f"{func.__name__}, which writes into an object its caller passes "
                    f"({', '.join(sorted(written))}; pullback inlines such a function: "
                    "define the nested one at module level)",
                    callee.location.describe(node))
        size = sum(isinstance(n, gast.stmt) for n in walk(callee.tree))
        left = self.__dict__.setdefault("writing_budget", WRITING_BUDGET)
        if size > left:
            self.error(f"{func.__name__} writes into an object its caller passes, and "
                       f"inlining it here would make the function longer than "
                       f"{WRITING_BUDGET} statements (pullback makes such writes the "
                       "caller's own by inlining)", expr)
        self.writing_budget = left - size
        if name not in self.parsed.aliases and self.parsed.is_rebindable(name.split(".")[0]):
            self.parsed.inlined[None, name] = func  # guarded, as for small callees
        return callee, written, augmented_only(func, written), none_guarded(func, written)

    def inline_writing(self, expr, callee, written, augmented, guarded, out):
        """The body of a function writing into what its caller passes (`writing_callee`)
        in place of the call. Where it only `p += e`s a parameter p, whether that changes
        the caller's object depends on its type: the arguments evaluated once, the body
        runs in two copies, `if updated_in_place(u, "__iadd__"):` the one where p stands
        for the caller's `u` (`u += e`, the caller's own augmented assignment, checked as
        such), else the one where p is a value of its own (a number: the caller's `u`
        stays); with several such parameters, one copy per combination (up to three
        parameters; beyond, one test for all, refusing a mix as it runs). A parameter it
        also writes into otherwise is the caller's in every copy, checked to change in
        place (`changed_in_place`); so is one bound only under `if p is None:` (`out=None`),
        given a name (which must not hold None: `given_object`)."""
        tree = callee.tree
        args = tree.args
        positional = [a.id for a in args.posonlyargs + args.args]
        if not (augmented or guarded) or any(isinstance(a, gast.Starred) for a in expr.args):
            return self.inline(expr, tree, callee, out, written=written)
        atoms = gast.copy_location(gast.Call(
            func=expr.func, args=[self.atom(a, out) for a in expr.args],
            keywords=[gast.keyword(arg=k.arg, value=self.atom(k.value, out))
                      for k in expr.keywords]), expr)
        given = dict(zip(positional, atoms.args))
        given.update((k.arg, k.value) for k in atoms.keywords)
        also = {p: given[p] for p in sorted(guarded) if isinstance(given.get(p), gast.Name)}
        for p, u in also.items():
            where = next(n for n in walk(tree) if isinstance(n, gast.If)
                         and getattr(n.test, "left", None) is not None
                         and getattr(n.test.left, "id", None) == p)
            out.append(assign(self.namer.fresh("given"), call("given_object", load(u.id), const(
                f"{callee.func.__name__} writes into its parameter {p!r}, given None here, "
                f"which it then binds anew: pullback makes the writes the caller's own, "
                f"into the object the caller passes; pass one\n"
                f"{callee.location.describe(where)}"))))
        defaults = inspect.signature(callee.func).parameters
        nones = {p for p in guarded if p not in also and (
            isinstance(given.get(p), gast.Constant) and given[p].value is None
            or p not in given and p in defaults and defaults[p].default is None)}
        if also or nones:
            tree = given_branches_dropped(tree, also, nones)
        through = {p: given[p] for p in sorted(augmented)
                   if isinstance(given.get(p), gast.Name)}
        if not through:
            return self.inline(atoms, tree, callee, out, written=written, through=also)
        through.update(also)
        where = next(n for n in walk(tree) if isinstance(n, gast.AugAssign)
                     and n.target.id in through)
        sign = _SIGN.get(type(where.op), "op")
        augmented_also = {p: u for p, u in through.items()
                          if augmented.get(p, "").endswith(" also")}
        also.update(augmented_also)
        for p, u in augmented_also.items():  # written into otherwise: it must change in place
            out.append(assign(self.namer.fresh("in_place"), call(
                "changed_in_place", load(u.id), const(augmented[p][:-5]), const(
                    f"{callee.func.__name__} writes into its parameter {p!r} and `{p} "
                    f"{sign}= ...`s it, given a {{type}} that has no in-place operator "
                    f"for that; pass an array or list\n"
                    f"{callee.location.describe(where)}"))))
        if len(also) == len(through):
            return self.inline(atoms, tree, callee, out, written=written, through=through)
        free = [p for p in through if p not in also]  # as each one's type says, at run time
        groups = [free] if len(free) > 3 else [[p] for p in free]  # (8 copies at most)
        flags = [self.namer.fresh("in_place") for _ in groups]
        for flag, group in zip(flags, groups):
            out.append(assign(flag, call("updated_in_place", *[
                x for p in group for x in (load(through[p].id), const(augmented[p]))])))
        kept = {}
        for p in free:
            at = next(n for n in walk(tree) if isinstance(n, gast.AugAssign)
                      and n.target.id == p)
            kept[p] = (augmented[p], (
                f"`{p} {_SIGN.get(type(at.op), 'op')}= ...` in {callee.func.__name__} on a "
                "{type}, which has some of the in-place operators used but not all (or "
                "arrays and numbers given together, decided at once)\n"
                f"{callee.location.describe(at)}"))
        result = self.namer.fresh(f"{tree.name}_out")
        self.locals.add(result)
        size = sum(isinstance(n, gast.stmt) for n in walk(tree))

        def copies(i, chosen, stmts):
            if i == len(groups):  # one copy of the body: `chosen` change in place
                self.writing_budget -= size
                if self.writing_budget < 0:
                    self.error(f"{callee.func.__name__} writes into an object its caller "
                               f"passes, and inlining it here would make the function "
                               f"longer than {WRITING_BUDGET} statements", expr)
                value = self.inline(clone(atoms), tree, callee, stmts, written=written,
                                    through={**also, **{p: through[p] for p in chosen}},
                                    kept={p: kept[p] for p in free if p not in chosen})
                stmts.append(assign(result, value))
                return
            yes, no = [], []
            copies(i + 1, chosen | set(groups[i]), yes)
            copies(i + 1, chosen, no)
            stmts.append(if_(load(flags[i]), yes, no))

        copies(0, set(), out)
        self.writing_budget += size  # (counted once in writing_callee)
        return load(result)

    def self_writing_method(self, expr):
        """(the Parsed of the method, the call with the object as its first argument) for
        `obj.m(args)` where the function assigns `obj` once, as `obj = C(...)` of a user
        class C (whose `__new__` is object's), and `C.m` is a plain Python function of
        the user's that sets attributes of its `self`, or any method of an object f sets
        attributes of: inlined, `self` standing for `obj`, so that the attributes it sets
        and reads are those of `obj` in f, where the gradient follows them
        (analysis/refusals.py: _check_attribute_writes). None for any other call, which
        the analysis resolves when it runs (runtime/objects.py)."""
        func = expr.func
        if not (isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name)) \
                or any(isinstance(a, gast.Starred) for a in expr.args) \
                or any(k.arg is None for k in expr.keywords):
            return None
        found = self.built_object_method(func.value.id, func.attr)
        if found is None:
            return None
        head, method, callee = found
        if not (_sets_self(callee) or self.written_object(func.value.id)):
            return None
        check(callee.tree, callee.location)
        for node in walk(callee.tree):
            if isinstance(node, gast.Name) and node.id in ("super", "__class__"):
                located_error("super() in a method of an object whose attributes are set "
                              "(pullback runs such methods in place)", node, callee.location)
        if head is not None and self.parsed.is_rebindable(head.split(".")[0]):
            self.parsed.inlined[None, f"{head}.{func.attr}"] = method  # guarded
        bound = gast.Call(func=func, args=[load(func.value.id), *expr.args],
                          keywords=expr.keywords)
        for attr in ("lineno", "col_offset"):
            if hasattr(expr, attr):
                setattr(bound, attr, getattr(expr, attr))
        return callee, bound

    def written_object(self, name) -> bool:
        """Whether f sets an attribute of its local `name` (`obj.h = v`, `obj.n += 1`), or
        calls a method on it that sets attributes of its self."""
        facts = self.object_facts()
        if name in facts.attributes_set_on:
            return True
        for attr in facts.methods_called_on.get(name, ()):
            found = self.built_object_method(name, attr)
            if found is not None and _sets_self(found[2]):
                return True
        return False

    def object_facts(self) -> _ObjectFacts:
        """What `built_object_method` and `written_object` ask of f, from one walk of f
        (made at the first question: a walk per call was quadratic in f's size)."""
        if self._object_facts is None:
            self._object_facts = _ObjectFacts(self.parsed.tree)
        return self._object_facts

    def built_object_method(self, name, attr):
        """(the dotted name of its class, the method, its Parsed) for `name.attr` where f
        assigns `name` once, `name = C(...)` of a record class C (runtime/objects.py:
        record_fields, so what its `__init__` stores is known, and none of it is `attr`,
        which f sets on no object either), and `C.attr` is a plain Python function of the
        user's; else None."""
        if name not in self.locals:  # a module or global: f assigns it no object (and
            return None  # the facts, a walk of f, are not needed for `math.sin(a)`)
        if (name, attr) not in self.object_methods:
            self.object_methods[name, attr] = self._built_object_method(name, attr)
        return self.object_methods[name, attr]

    def _built_object_method(self, name, attr):
        facts = self.object_facts()
        stores, defs = facts.stores.get(name, 0), facts.single_assigns.get(name, [])
        if stores != 1 or len(defs) != 1 or not isinstance(defs[0].value, gast.Call):
            return None
        cls = self.resolved(defs[0].value.func)
        if not isinstance(cls, type) or is_library(cls) or cls.__new__ is not object.__new__ \
                or rules.lookup(cls) is not None:
            return None
        from ..runtime.objects import record_fields

        fields = record_fields(cls)  # what the object stores: none may hide the method
        if fields is None or any(attr in stored for stored in fields.values()) \
                or attr in facts.attributes_stored:
            return None
        method = inspect.getattr_static(cls, attr, None)
        if not inspect.isfunction(method) or is_library(method) \
                or rules.lookup(method) is not None or method.__code__.co_argcount < 1:
            return None
        try:
            callee = parse_function(method)
        except PullbackError:
            return None
        return dotted_name(defs[0].value.func), method, callee

    def inline(self, expr, fdef, callee, out, receiver=None, written=frozenset(),
               through=None, kept=None):
        """The body of a function in place of a call to it: a nested function (`callee` is
        None), or a module-level function that receives one (`callee` is its Parsed). Its
        own names are made fresh; parameters that receive a nested function, or a global
        or module function, stand for it in the body, so calls through them are resolved
        and inlined in turn. In a function that writes into what it receives (`written`,
        its parameters it writes into), a parameter the body never rebinds stands for
        the argument's atom: the writes land on the caller's object under the caller's
        name, and what it reads is read there, under no second name; a parameter in
        `through` (only `+=`d: inline_writing) is the caller's name given there, one in
        `kept` a value of its own, `rebinding_value(u, dunders, message)`."""
        name = fdef.name
        label = name if callee is not None or not ANONYMOUS.of(fdef) \
            else "a lambda"
        key = name if callee is None else callee.func
        # Nested functions are finitely many: an endless chain of inlining repeats one, or
        # a module-level function reenters itself with no nested function called between.
        since = [k for k in self.inlining if isinstance(k, str)]
        since = self.inlining[self.inlining.index(since[-1]) + 1:] if since else self.inlining
        if key in (self.inlining if callee is None else since):
            self.error(f"recursive nested function {name!r} (define it at module level)"
                       if callee is None else f"recursive function {name!r} receiving a "
                       "nested function (pullback inlines functions that receive one)", expr)
        args = fdef.args
        positional = [a.id for a in args.posonlyargs + args.args]
        params = positional + [a.id for a in args.kwonlyargs]
        expr = self.spread_known(expr)
        given = self.gathered(expr, args, positional, label)
        for k in expr.keywords:
            if k.arg is None or k.arg in given or k.arg in [a.id for a in args.posonlyargs] \
                    or (k.arg not in params and args.kwarg is None):
                self.error(f"argument {k.arg or '**'!r} does not fit the parameters of "
                           f"{label}", expr)
            if k.arg in params:
                given[k.arg] = k.value
        params += [a.id for a in (args.vararg, args.kwarg) if a is not None]
        body = clone(fdef.body)
        # `nonlocal total` in a nested function: `total` is the function's own variable,
        # which the inlined body sets and reads as it is (never made fresh)
        shared = {n for s in body if isinstance(s, gast.Nonlocal) for n in s.names}
        body = [s for s in body if not isinstance(s, gast.Nonlocal)]
        if callee is not None:
            for node in walk(gast.Module(body=body, type_ignores=[])):
                if getattr(node, "lineno", None) is not None:  # errors show the callee's line,
                    ORIGIN.set(node, (callee.location, node.lineno))  # later stages the call's
                    node.lineno = getattr(expr, "lineno", None) or self.lineno
        stored = set(stored_in_order(*body)) | captured(*body)
        values, fixed = {}, {}  # parameter -> atom bound to it, or expression it stands for
        for p, arg in given.items():  # in the order the arguments are evaluated
            if isinstance(arg, gast.Name) and (arg.id in self.local_functions
                                               or arg.id in self.made):
                if p in stored:
                    where = next(n for s in body for n in walk(s) if isinstance(n, gast.Name)
                                 and n.id == p and isinstance(n.ctx, gast.Store))
                    self.error(f"{label} assigns to its parameter {p!r}, which receives "
                               f"{self.shown(arg.id)}", where)
                fixed[p] = arg
            elif p not in stored and (self.is_fixed(arg) or p == receiver):
                fixed[p] = arg  # (a method's self, set on: the object itself)
            elif through and p in through:
                continue  # the caller's name, where it is written (renamed below)
            elif kept and p in kept:
                values[p] = call("rebinding_value", self.atom(arg, out),
                                 const(kept[p][0]), const(kept[p][1]))
            elif written and p not in stored:  # the caller's objects, under their names
                fixed[p] = self.atom(arg, out)  # (a second name would hide the writes)
            else:
                values[p] = self.atom(arg, out)
        missing = [p for p in params if p not in given]
        defaults = self.defaults(fdef, callee, missing)
        for p in missing:
            if p not in defaults:
                self.error(f"missing argument {p!r} for {label}", expr)
            if p in stored:
                values[p] = self.atom(clone(defaults[p]), out)
            else:
                fixed[p] = defaults[p]
        start = len(out)  # the arguments are evaluated: what follows is the body
        self.only_called(body, fixed, label, receiver)
        own = ((set(params) - set(fixed)) | stored) - shared
        renamed = {v: self.namer.fresh(f"{name}_{v}") for v in sorted(own)}
        renamed.update((p, u.id) for p, u in (through or {}).items())
        self.locals |= set(renamed.values())
        if callee is not None:
            free = {n.id for s in body for n in walk(s) if isinstance(n, gast.Name)}
            renamed.update(self.free_names(callee, free - own - set(fixed), body, out))
        for s in body:
            rename(s, renamed)
        body = [map_names(s, _standing_for(fixed)) for s in body]
        if args.kwarg is not None:
            self.dicts.add(renamed[args.kwarg.id])  # a dict display, unless rebound
        for p in params:
            if p in values:
                out.append(assign(renamed[p], values[p]))
        known = self.__dict__.setdefault("known_packs", {})
        for p in (args.vararg, args.kwarg):
            packed = given.get(p.id) if p is not None and p.id not in stored else None
            if isinstance(packed, gast.Tuple) and not any(
                    isinstance(e, gast.Starred) for e in packed.elts):
                known[renamed[p.id]] = len(packed.elts)
            elif isinstance(packed, gast.Dict) and _only_spread(body, renamed[p.id]):
                known[renamed[p.id]] = tuple(k.value for k in packed.keys)  # constants
        inner = gast.FunctionDef(name=name, args=gast.arguments(
            args=[store(renamed[p]) for p in [*values, *(through or ())]], posonlyargs=[],
            vararg=None,
            kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]), body=body,
            decorator_list=[], returns=None, type_comment=None, type_params=[])
        inner.body = body = Blocks(self.namer, self.parsed.location, inner, self.error,
                                    resolve=(callee or self.parsed).resolve).block(body)
        self.dicts |= dict_names(inner, self)
        spelled = {fresh: own for own, fresh in renamed.items()}
        for unset in maybe_unset(inner):  # the error names the variable as written
            if unset in shared:  # the function's own variable (nonlocal): set or not there
                continue
            out.append(assign(unset, call("unbound", const(spelled.get(unset, unset)))))
            SENTINEL.set(out[-1], True)
        stmts = ControlFlow(self.namer).function(body)
        self.inlining.append(key)
        try:
            out.extend(self.block(stmts[:-1]))
        finally:
            self.inlining.pop()
        if callee is not None:  # codegen prints where the statements come from
            self.parsed.inlined_statements = True
            for s in out[start:]:
                if INLINED_FROM.of(s) is None:
                    INLINED_FROM.set(s, callee.func)
        value = stmts[-1].value
        if written and isinstance(value, gast.Name) and len(out) > start:
            last = out[-1]  # `return buf`: the caller's object itself, under no second name
            if isinstance(last, gast.Assign) and isinstance(last.value, gast.Name) \
                    and isinstance(last.targets[0], gast.Name) \
                    and last.targets[0].id == value.id \
                    and value.id not in stored_in_order(*out[start:-1]):
                out.pop()
                return load(last.value.id)
        return value

    def spread_known(self, expr):
        """`expr` with each `*args` and `**kwargs` of an inlined function that its call
        filled with a known number of arguments (and keywords), no statement rebinding
        it, spelled out (`f(*args)` -> `f(args[0], args[1])`): `super().__init__(*args,
        **kwargs)` binds them to the named parameters as Python would."""
        known = self.__dict__.get("known_packs", {})

        def item(name, key):
            return gast.Subscript(value=load(name), slice=const(key), ctx=gast.Load())

        args, keywords, spelled = [], [], False
        for a in expr.args:
            name = getattr(a.value, "id", None) if isinstance(a, gast.Starred) else None
            if isinstance(known.get(name), int):
                args += [item(name, i) for i in range(known[name])]
                spelled = True
            else:
                args.append(a)
        for k in expr.keywords:
            name = getattr(k.value, "id", None) if k.arg is None else None
            if isinstance(known.get(name), tuple):
                keywords += [gast.keyword(arg=key, value=item(name, key)) for key in known[name]]
                spelled = True
            else:
                keywords.append(k)
        if not spelled:
            return expr
        return gast.copy_location(gast.Call(func=expr.func, args=args, keywords=keywords),
                                  expr)

    def gathered(self, expr, args, positional, label) -> dict:
        """Parameter -> argument expression for an inlined call: the leading arguments to
        the named positional parameters; the others (plain, or `*xs` once those are
        filled) to `*args`, as a tuple; the keywords no parameter names to `**kwargs`, as
        a dict (the caller adds the named ones)."""
        given, rest = {}, []
        for a in expr.args:
            if not rest and not isinstance(a, gast.Starred) and len(given) < len(positional):
                given[positional[len(given)]] = a
            else:
                rest.append(a)
        if rest and args.vararg is None:
            self.error(f"too many arguments for {label}" if not any(
                isinstance(a, gast.Starred) for a in rest) else f"*xs in a call to {label}, "
                "which takes no *args (pass the arguments one by one)", expr)
        if any(isinstance(a, gast.Starred) for a in rest) and len(given) < len(positional):
            self.error(f"*xs in a call to {label} before its named parameters are given "
                       "(pass those one by one)", expr)
        if args.vararg is not None:
            packed, run = None, []
            for a in rest + [None]:
                if a is not None and not isinstance(a, gast.Starred):
                    run.append(a)
                    continue
                parts = [gast.Tuple(elts=run, ctx=gast.Load())] if run or (
                    a is None and packed is None) else []
                if isinstance(a, gast.Starred):
                    parts.append(self.as_tuple(a.value))
                for part in parts:
                    packed = part if packed is None else binop(packed, gast.Add(), part)
                run = []
            given[args.vararg.id] = packed
        if args.kwarg is not None:
            named = set(positional) | {a.id for a in args.kwonlyargs}
            extra = [k for k in expr.keywords if k.arg is not None and k.arg not in named]
            given[args.kwarg.id] = gast.Dict(keys=[const(k.arg) for k in extra],
                                             values=[k.value for k in extra])
        return given

    def defaults(self, fdef, callee, wanted) -> dict:
        """Parameter -> default, as an atom, for the parameters `wanted`: for a nested
        function, the atom its definition bound; for a module-level one, the object it
        holds (under a name of its own)."""
        args = fdef.args
        positional = [a.id for a in args.posonlyargs + args.args]
        if callee is None:
            return dict(zip(positional[len(positional) - len(args.defaults):], args.defaults))
        func = callee.func
        found = dict(zip(positional[len(positional) - len(func.__defaults__ or ()):],
                         func.__defaults__ or ()))
        found.update(func.__kwdefaults__ or {})
        out = {}
        for p, value in found.items():
            if p not in wanted:
                continue
            if value is None or type(value) in (bool, int, float, complex, str):
                out[p] = const(value)
            else:
                alias = self.namer.fresh(f"{fdef.name}_{p}_default")
                self.parsed.aliases[alias] = value  # evaluated once, when the def ran
                out[p] = load(alias)
        return out

    def is_fixed(self, expr) -> bool:
        """A constant, or a global or module function no statement of the function can
        rebind: it may stand for the parameter it is passed to."""
        if isinstance(expr, gast.Constant):
            return True
        name = dotted_name(expr)
        if name is None or self.is_local(name.split(".")[0]):
            return False
        found = self.resolved(expr)
        return isinstance(found, types.ModuleType) or (found is not MISSING and callable(found))

    def only_called(self, body, fixed, name, receiver=None):
        """Parameters standing for a nested function may only be called or passed on (or
        stored on an object f builds, `self.act = act`, where it stands for itself)."""
        functions = {p for p, v in fixed.items() if isinstance(v, gast.Name)
                     and (v.id in self.local_functions or v.id in self.made)}
        callees = called_or_passed(*body)
        if receiver is not None and self.built_object(fixed.get(receiver)):
            callees |= {id(n.value) for s in body for n in walk(s)
                        if isinstance(n, gast.Assign) and len(n.targets) == 1
                        and isinstance(n.targets[0], gast.Attribute)
                        and isinstance(n.targets[0].value, gast.Name)
                        and n.targets[0].value.id == receiver}
        for s in body:
            for node in walk(s):
                if isinstance(node, gast.Name) and node.id in functions \
                        and id(node) not in callees:
                    self.error(f"{name} uses its parameter {node.id!r}, which receives "
                               f"{self.shown(fixed[node.id].id)}, as a value (it may only "
                               "call it or pass it to a call)", node)

    def shown(self, name) -> str:
        """A local function (or a made callable, made_callables.py) as the user knows it."""
        if name in self.made:
            return f"the {self.made[name][0]} {name!r}"
        if ANONYMOUS.of(self.local_functions[name]):
            return "a lambda"
        return f"the nested function {name!r}"

    def free_names(self, callee, names, body, out) -> dict:
        """What the free names of an inlined module-level function denote, where the body
        lands: a name that means the same here is kept; a function or module elsewhere, or
        a module the function imports in its body, gets a name of its own; other values are
        read from the callee's module (or closure) as the call runs. Returns the
        renamings."""

        renamed = {}
        func = callee.func
        for n in sorted(names):
            if n in callee.aliases:  # its own `import m` (frontend/parse): that module
                renamed[n] = self.namer.fresh(n)
                self.parsed.aliases[renamed[n]] = callee.aliases[n]
                continue
            found = lookup_free(func, n)
            if found is MISSING:
                node = next(x for s in body for x in walk(s)
                            if isinstance(x, gast.Name) and x.id == n)
                inner = next((d for s in body for d in walk(s)
                              if isinstance(d, (gast.Lambda, gast.FunctionDef))
                              and (isinstance(d, gast.FunctionDef) and d.name == n
                                   or any(x is node for x in walk(d)))), None)
                if inner is not None:  # its own parameter or variable, not a free name
                    given = next((k.arg for s in body for k in walk(s)
                                  if isinstance(k, gast.keyword) and k.value is inner), None)
                    what = (f"the nested function {inner.name!r}"
                            if isinstance(inner, gast.FunctionDef) else "a lambda") + (
                        f" passed as {given}=" if given else "")
                    self.error(f"{what} inside {func.__name__}, which pullback inlines here "
                               "(a method of an object built in the function, or a function "
                               "given a function) and whose own functions it does not carry; "
                               "define the function at module level and pass it by name",
                               inner)
                self.error(f"{func.__name__} reads {n!r}, which is not defined where "
                           f"{func.__name__} is", node)
            is_function = isinstance(found, types.ModuleType) or callable(found)
            if is_function:
                self.parsed.inlined[func, n] = found
            if n in RESERVED or n in HELPERS:  # names the generated code binds itself
                keep = found is HELPERS.get(n, getattr(builtins, n, MISSING))
            else:
                keep = n not in self.locals and n not in self.local_functions \
                    and (n in self.user_names or n not in self.namer.taken) \
                    and self.parsed.lookup(n) is found and (is_function or (
                        func.__globals__ is self.parsed.func.__globals__
                        and n not in self.parsed.closure and n not in callee.closure))
            if keep:
                self.namer.reserve(n)
                continue
            renamed[n] = self.namer.fresh(n)
            if is_function:
                self.parsed.aliases[renamed[n]] = found
                # The rules were chosen for this object: a gradient made now must notice
                # when the callee's module (or closure) names another one later.
                if n in callee.closure:
                    live = load(self.closure_cell(callee, n))
                elif n in func.__globals__:
                    live = gast.Subscript(value=load(self.module_name(func)), slice=const(n),
                                          ctx=gast.Load())
                else:  # a builtin
                    continue
                out.append(if_(gast.Compare(left=live, ops=[gast.IsNot()],
                                            comparators=[load(renamed[n])]),
                               [gast.Expr(value=call("rebound", const(
                                   f"{func.__module__}.{n}")))]))
            elif n in callee.closure:
                self.parsed.aliases[renamed[n]] = callee.closure[n]  # a cell: read live
            else:
                out.append(assign(renamed[n], gast.Subscript(
                    value=load(self.module_name(func)), slice=const(n), ctx=gast.Load())))
        return renamed

    def module_name(self, func) -> str:
        """The name under which the generated code reads `func`'s module globals."""
        module = self.globals_names.get(id(func.__globals__))
        if module is None:
            module = self.namer.fresh(f"{str(func.__module__).rsplit('.', 1)[-1]}_globals")
            self.globals_names[id(func.__globals__)] = module
            self.parsed.aliases[module] = func.__globals__
        return module

    def closure_cell(self, callee, n) -> str:
        """A name bound to the callee's closure cell `n`: reading it reads the cell."""
        name = self.namer.fresh(f"{n}_cell")
        self.parsed.aliases[name] = callee.closure[n]
        return name


class _ObjectFacts:
    """One walk of a function: how often each name is stored, its single-target
    assignments, the attributes stored anywhere (`o.a = v`, `o.a += v`), the local names
    whose attributes are set, and the methods called on each local name."""

    def __init__(self, tree):
        self.stores: dict = {}  # name -> number of stores (and deletes)
        self.single_assigns: dict = {}  # name -> [`name = value` statements]
        self.attributes_stored: set = set()
        self.attributes_set_on: set = set()
        self.methods_called_on: dict = {}  # name -> {method names, in call order}
        self.stored_on: dict = {}  # name -> attributes stored on it (`name.a = v`)
        # names read other than as `name.attr` or called (`name(...)`): passed on, returned
        self.bare_reads: set = set()
        # names used through the container protocol (`for v in name`, `len(name)`,
        # `reversed(name)`, `name[i]`): a built object's __iter__, __len__, __getitem__ ...
        self.protocol_reads: set = set()
        as_base: set = set()  # ids of the Name nodes read as `name.attr` or called
        protocol: set = set()
        for node in walk(tree):
            if isinstance(node, gast.Attribute) and isinstance(node.value, gast.Name):
                as_base.add(id(node.value))
            elif isinstance(node, gast.Call) and isinstance(node.func, gast.Name):
                as_base.add(id(node.func))
                if node.func.id in ("len", "reversed") and len(node.args) == 1 \
                        and not node.keywords:
                    protocol.add(id(node.args[0]))
            elif isinstance(node, (gast.For, gast.comprehension)):
                protocol.add(id(node.iter))
            elif isinstance(node, gast.Subscript) and isinstance(node.ctx, gast.Load):
                protocol.add(id(node.value))
        for node in walk(tree):
            if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load) \
                    and id(node) not in as_base:
                (self.protocol_reads if id(node) in protocol else self.bare_reads).add(node.id)
            if isinstance(node, gast.Name) and not isinstance(node.ctx, gast.Load):
                self.stores[node.id] = self.stores.get(node.id, 0) + 1
            elif isinstance(node, gast.Assign) and len(node.targets) == 1 \
                    and isinstance(node.targets[0], gast.Name):
                self.single_assigns.setdefault(node.targets[0].id, []).append(node)
            elif isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) \
                    and isinstance(node.func.value, gast.Name):
                self.methods_called_on.setdefault(node.func.value.id, {})[node.func.attr] = None
            target = node.target if isinstance(node, gast.AugAssign) else node
            if isinstance(target, gast.Attribute) and (
                    isinstance(node, gast.AugAssign) or not isinstance(target.ctx, gast.Load)):
                self.attributes_stored.add(target.attr)
                if isinstance(target.value, gast.Name) and (
                        isinstance(node, gast.AugAssign) or isinstance(target.ctx, gast.Store)):
                    self.attributes_set_on.add(target.value.id)
                    self.stored_on.setdefault(target.value.id, set()).add(target.attr)


def _only_spread(body, name) -> bool:
    """Whether every use of `name` in `body` is a `**name` of a call: the dict it holds
    keeps its keys (nothing writes, pops or reads it otherwise)."""
    spread = {id(k.value) for s in body for k in walk(s)
              if isinstance(k, gast.keyword) and k.arg is None}
    return all(id(n) in spread for s in body for n in walk(s)
               if isinstance(n, gast.Name) and n.id == name)


def _sets_self(callee) -> bool:
    """Whether the method `callee` (a Parsed) sets an attribute of its first parameter."""
    me = callee.func.__code__.co_varnames[0]
    return any(isinstance(n, gast.Attribute) and isinstance(n.value, gast.Name)
               and n.value.id == me and isinstance(n.ctx, gast.Store)
               or isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Attribute)
               and isinstance(n.target.value, gast.Name) and n.target.value.id == me
               for n in walk(callee.tree))


_SIGN = {gast.Add: "+", gast.Sub: "-", gast.Mult: "*", gast.Div: "/"}


def _standing_for(fixed):
    """A replacement for `map_names`: each read of a parameter in `fixed` becomes a copy
    of the expression it stands for, at the read's line."""

    def replace(node):
        if node.id not in fixed or not isinstance(node.ctx, gast.Load):
            return node
        new = clone(fixed[node.id])
        new.lineno = getattr(node, "lineno", None)
        if hasattr(node, "origin"):
            ORIGIN.set(new, node.origin)
        return new

    return replace


class _Built:
    """An object f builds (`net = Sequential(...)`) kept as a record of named values: each
    attribute its code stores is a local variable of f, its methods and properties are
    inlined with `self` standing for it, and the object itself never exists."""

    def __init__(self, cls, dotted, alias):
        self.cls = cls
        self.dotted = dotted  # how f names the class (guards)
        self.alias = alias  # a name of the class in the generated code (class attributes)
        self.stored: dict = {}  # attribute -> the local holding it, or what it stands for
        self.fixed: set = set()  # attributes standing for a nested function or global
        self.from_class: set = set()  # attributes read from the class so far


class BuiltObjects:
    """Objects built in f as records of named values (see `_Built`), for `Flatten`:
    `build_object` at the assignment, `object_attribute` at each read, `object_store` at
    each store and `object_call` at each call of a method or of the object. What f does
    with the object that only a real object allows (passing it on, returning it, storing
    it, `isinstance`) keeps it a real object; found inside a method, it is refused."""

    def built_object(self, expr) -> bool:
        """Whether `expr` names an object kept as a record of its attributes."""
        return isinstance(expr, gast.Name) and expr.id in self.built_objects

    def object_escapes(self, expr):
        """Refuse a read of a built object as a value (inside one of its methods: f's own
        reads keep the object real, see build_object)."""
        if self.built_object(expr):
            self.error(f"the object {expr.id!r}, built in the function with a class whose "
                       "construction pullback follows statement by statement, used as a "
                       "value in one of its methods (passed on, returned or stored); use "
                       "its attributes there", expr)

    def attribute_item_write(self, target, augmented=False) -> bool:
        """Refuse `obj.d[key] = v` (and `+=`) unless `obj` is an object f builds, whose
        attribute `d` is a local of f (a cache or counter dict set in `__init__`), or
        (True, not augmented) `obj` is a parameter f never binds (`self.cache[key] = v`):
        written then as an effect (`store_item`), whose value the analysis lets no read
        after it pass on (analysis/refusals: stored only). The container an object f
        receives holds outlives the call, and a gradient of what is written there would
        be lost between calls."""
        base = target.value
        if isinstance(base, gast.Attribute) and isinstance(base.value, gast.Name) \
                and not augmented and not self.built_object(base.value) \
                and base.value.id in parameters(self.parsed.tree.args) \
                and base.value.id not in self.stored and base.value.id not in self.deleted:
            return True
        if isinstance(base, gast.Attribute) and not self.built_object(base.value):
            shown = dotted_name(base) or "obj.attr"
            self.error(f"a write into {shown}[...], a container held by an object "
                       "pullback keeps as a Python object (one the function receives, or "
                       "uses as a value: passes on, returns, asks hasattr of); pullback "
                       "follows caches and counters on objects the function builds and "
                       "uses through their attributes and methods (m = Model(W)); set the "
                       "container in __init__, or keep the cache in a local dict", target)

    def iterated_object(self, it, out, reverse=False):
        """What `for v in obj` iterates, for an object f builds (or `C(args)` built where
        it is iterated) whose class defines `__iter__` as `return iter(E)`, `yield from E`
        or `for v in E: yield v`: E, `self` standing for the object (the iterable
        materialized; __iter__ guarded). Refused, located, for any other __iter__ and for
        a class iterated through `__getitem__` alone. None when `it` is no such object."""
        where = it  # errors show the loop's line
        if isinstance(it, gast.Call) and not self.built_object(it):
            made = self.anonymous_object(it, out, as_container=True)
            if made is None:
                return None
            it = load(made)
        if isinstance(it, gast.Name) and not self.built_object(it):
            return self.iterated_record(it, reverse)
        if not self.built_object(it):
            return None
        built = self.built_objects[it.id]
        # reversed(obj): __reversed__, else __len__ and __getitem__ as Python; a loop over
        # an object without __iter__: __getitem__ at 0, 1, ... below __len__ (as the loop
        # over such an object that f receives, runtime loop_len)
        method = inspect.getattr_static(built.cls, "__reversed__" if reverse else "__iter__",
                                        None)
        if method is None and all(hasattr(built.cls, d) for d in ("__len__", "__getitem__")):
            k = self.namer.fresh("k")
            return gast.ListComp(elt=gast.Subscript(
                value=load(it.id), slice=load(k), ctx=gast.Load()), generators=[
                gast.comprehension(target=store(k), iter=gast.Call(
                    func=load(self.namer.spelled_builtin("range")), args=[gast.Call(
                        func=load(self.namer.spelled_builtin("len")),
                        args=[load(it.id)], keywords=[])], keywords=[]),
                    ifs=[], is_async=0)])
        if reverse:
            iterated = _iterated_by(method, "reversed")
            if iterated is None:
                self.error(f"reversed() of an object of {built.cls.__qualname__}, whose "
                           "__reversed__ is not `return reversed(self.items)` (or which has "
                           "no __len__ and __getitem__)", where)
            self.parsed.inlined[None, f"{built.dotted}.__reversed__"] = method  # guarded
            me = method.__code__.co_varnames[0]
            return map_names(clone(iterated), _standing_for({me: load(it.id)}))
        if method is None:
            self.error(f"a loop over an object of {built.cls.__qualname__}, which has no "
                       "__iter__ and not both __len__ and __getitem__ (define __iter__)",
                       where)
        iterated = _iterated_by(method)
        if iterated is None:
            self.error(f"a loop over an object of {built.cls.__qualname__}, whose __iter__ "
                       "is not `return iter(self.items)`, `yield from self.items` or `for "
                       "v in self.items: yield v` (pullback loops over what __iter__ "
                       "iterates, read from the object)", where)
        self.parsed.inlined[None, f"{built.dotted}.__iter__"] = method  # guarded
        me = method.__code__.co_varnames[0]
        return map_names(clone(iterated), _standing_for({me: load(it.id)}))

    def iterated_record(self, it, reverse):
        """For `for v in obj` where f assigns `obj` once, `obj = C(args)` of a record class
        (a dataclass, or an `__init__` that stores its arguments: a Python object whose
        attributes the gradient follows) whose `__iter__` has a form `_iterated_by` knows:
        what it iterates, read from the object; None otherwise."""
        facts = self.object_facts()
        defs = facts.single_assigns.get(it.id, [])
        if reverse or facts.stores.get(it.id, 0) != 1 or len(defs) != 1 \
                or not isinstance(defs[0].value, gast.Call):
            return None
        cls = self.resolved(defs[0].value.func)
        method = inspect.getattr_static(cls, "__iter__", None) if _plain_class(cls) else None
        iterated = _iterated_by(method) if method is not None else None
        if iterated is None:
            return None
        from ..runtime.objects import record_fields

        dotted = dotted_name(defs[0].value.func)
        if record_fields(cls) is None or dotted is None:
            return None
        self.parsed.inlined[None, dotted] = cls
        self.parsed.inlined[None, f"{dotted}.__iter__"] = method  # guarded
        me = method.__code__.co_varnames[0]
        return map_names(clone(iterated), _standing_for({me: load(it.id)}))

    def alias_object(self, name, value, out) -> bool:
        """`name = obj.fit(x)` where the call gives a built object back (a fluent method):
        `name` is a second name of the same record. Refused, located, when `name` is
        bound more than once or read as a value (see build_object)."""
        if not (isinstance(value, gast.Call) and self.calls_built_object(value)):
            return False
        held = self.simple(value, out)
        if not self.built_object(held):
            out.append(assign(name, held))
            return True
        facts = self.object_facts()
        if facts.stores.get(name, 0) != 1 or name in facts.bare_reads:
            self.error(f"the object a method returns (its self) given the name {name!r}, "
                       "which the function binds again or uses as a value (pullback keeps "
                       "the object as its attributes; use the first name)", value)
        self.built_objects[name] = self.built_objects[held.id]
        return True

    def calls_built_object(self, expr) -> bool:
        """Whether `expr` calls a method of an object f builds (or builds where it calls
        it), directly or on what such a call returns (`obj.fit(x)`, `obj.fit(x).step(y)`,
        `C(w).fit(x).step(y)`)."""
        while isinstance(expr, gast.Call) and isinstance(expr.func, gast.Attribute):
            expr = expr.func.value
            if self.built_object(expr):
                return True
        return isinstance(expr, gast.Call) and dotted_name(expr.func) is not None \
            and dotted_name(expr.func).split(".")[0] not in self.locals \
            and _plain_class(self.resolved(expr.func))  # C(args).fit(x).loss()

    def container_protocol(self, expr, out):
        """`len(obj)` and `obj[i]` of an object f builds, as its `__len__` and
        `__getitem__` inlined; None for anything else."""
        if isinstance(expr, gast.Subscript) and self.built_object(expr.value):
            attr, obj, arg = "__getitem__", expr.value, expr.slice
            if isinstance(arg, gast.Slice):
                arg = gast.Call(func=load(self.namer.spelled_builtin("slice")), args=[
                    p if p is not None else const(None)
                    for p in (arg.lower, arg.upper, arg.step)], keywords=[])
            args = [arg]
        elif isinstance(expr, gast.Call) and len(expr.args) == 1 and not expr.keywords \
                and self.built_object(expr.args[0]) and isinstance(expr.func, gast.Name) \
                and expr.func.id not in self.locals \
                and self.resolved(expr.func) is builtins.len:
            attr, obj, args = "__len__", expr.args[0], []
        else:
            return None
        built = self.built_objects[obj.id]
        method = inspect.getattr_static(built.cls, attr, None)
        if not inspect.isfunction(method):
            self.error(f"{attr} of {built.cls.__qualname__} is not a plain method (in an "
                       "object built in the function)", expr)
        call_ = gast.Call(func=gast.Attribute(value=load(obj.id), attr=attr,
                                              ctx=gast.Load()), args=args, keywords=[])
        gast.copy_location(call_, expr)
        return self.object_method(obj.id, attr, method, call_, out)

    def anonymous_object(self, value, out, as_container=False):
        """The name of the object `C(args)` builds, kept as its attributes, for an object
        used once where it is built (`C(args).attr`, `C(args)(x)`); None when it is not
        such an object (see build_object). `C.make(args).attr` of an alternative
        constructor (classmethod_construction) whose object is not kept so: the
        construction `C(args')` it stands for, in a name of its own, as when assigned."""
        if self.build_object(None, value, out, as_container):
            return self.last_built
        pending: list = []
        made = None if as_container or not isinstance(value, gast.Call) or ORIGIN.of(value) \
            else self.classmethod_construction(value, pending)
        if made is None:
            return None
        name = self.namer.fresh(f"{dotted_name(value.func).split('.')[-2].lower()}")
        self.locals.add(name)
        pending.append(assign(name, self.simple(made, pending)))
        out.extend(pending)
        return name

    def build_object(self, name, value, out, as_container=False) -> bool:
        """`name = C(args)` (see `_build_object`), also spelled `name = C.make(args)` with
        an alternative constructor (`classmethod_construction`), which is then `C(args)`
        even where C's objects are not kept as records."""
        if name is None or not isinstance(value, gast.Call) or ORIGIN.of(value):
            return self._build_object(name, value, out, as_container)
        pending: list = []  # the arguments, evaluated once
        made = self.classmethod_construction(value, pending)
        if made is None:
            return self._build_object(name, value, out, as_container)
        if not self._build_object(name, made, pending, as_container):
            pending.append(assign(name, self.simple(made, pending)))
        out.extend(pending)
        return True

    def _build_object(self, name, value, out, as_container=False) -> bool:
        """`name = C(args)` of a user class whose construction pullback cannot follow as a
        record (objects.record_fields: its `__init__` does more than store its arguments)
        or that is given a nested function: C's `__init__` inlined, its stores of `self.a`
        becoming the locals of the record. False (nothing done) for any other assignment,
        or when f uses `name` other than as `name.attr` and `name.method(...)`, `name(...)`."""
        if not isinstance(value, gast.Call) or ORIGIN.of(value) \
                or any(isinstance(a, gast.Starred) for a in value.args) \
                or any(k.arg is None for k in value.keywords):
            return False
        dotted = dotted_name(value.func)
        if dotted is None or self.is_local(dotted.split(".")[0]):
            return False
        cls = self.resolved(value.func)
        if not _plain_class(cls):
            return False
        from ..runtime.objects import record_fields

        passes_function = any(isinstance(a, gast.Name) and a.id in self.local_functions
                              for a in [*value.args, *(k.value for k in value.keywords)])
        facts = self.object_facts()
        as_container = as_container or name in facts.protocol_reads
        if as_container and not any(hasattr(cls, d) for d in _CONTAINER_METHODS):
            return False  # Python's own error (not iterable, no len) as the code runs
        if record_fields(cls) is not None and not passes_function and not as_container:
            return False
        if name is not None and (facts.stores.get(name, 0) != 1 or name in facts.bare_reads):
            return False
        if name is None:  # `C(args).attr`, `C(args)(x)`: the object has no other use
            name = self.namer.fresh(cls.__name__.lower())
            self.locals.add(name)
        init = _static(cls, "__init__")
        fields = _dataclass_fields(cls)  # its generated __init__, spelled out below
        if fields is None and init is not object.__init__:
            try:  # a generated __init__ of another kind has no source: refused
                parse_function(init)
            except PullbackError:
                return False
        for part in ("", ".__init__", ".__new__", ".__setattr__", ".__getattribute__"):
            self.parsed.inlined[None, dotted + part] = _static(cls, part[1:]) if part else cls
        alias = self.namer.fresh(f"{cls.__name__}_class")
        self.parsed.aliases[alias] = cls
        built = _Built(cls, dotted, alias)
        self.built_objects[name] = built
        self.last_built = name
        for attr in sorted(_attributes_stored(cls) | facts.stored_on.get(name, set())
                           | {f.name for f in fields or ()}):
            local = self.namer.fresh(f"{name}_{attr}")  # unset until stored, as in Python
            built.stored[attr] = (load(local), False)  # (what holds it, stored yet)
            self.locals.add(local)
            out.append(assign(local, call("unbound", const(f"{name}.{attr}"))))
            SENTINEL.set(out[-1], True)
        if fields is not None:
            self.dataclass_init(name, fields, value, out)
            return True
        if init is object.__init__:
            if value.args or value.keywords:
                self.error(f"{cls.__qualname__}() takes no arguments", value)
            return True
        self.object_method(name, "__init__", init, value, out)
        return True

    def dataclass_init(self, name, fields, value, out):
        """The generated `__init__` of a dataclass, spelled out: each field stored from its
        argument, its default (the default object itself, as Python's) or a call of its
        default_factory, in the order of the fields; then `__post_init__` inlined."""
        built = self.built_objects[name]
        params = [f for f in fields if f.init]
        if len(value.args) > len(params):
            self.error(f"too many arguments for {built.cls.__qualname__}()", value)
        given = dict(zip([f.name for f in params], value.args))
        for k in value.keywords:
            if k.arg in given or k.arg not in {f.name for f in params}:
                self.error(f"argument {k.arg!r} does not fit {built.cls.__qualname__}()",
                           value)
            given[k.arg] = k.value
        # in the call's order; a display of atoms, which nothing can change meanwhile,
        # is built in the field itself (a new list the code may then grow)
        atoms = {n: v if isinstance(v, (gast.List, gast.Dict)) and all(
            is_atom(e) for e in [*getattr(v, "elts", ()), *getattr(v, "keys", ()),
                                 *getattr(v, "values", ())]) else self.atom(v, out)
            for n, v in given.items()}
        for f in fields:
            if f.name in atoms:
                stored = atoms[f.name]
            elif f.default is not dataclasses.MISSING:
                if f.default is None or type(f.default) in (bool, int, float, str):
                    stored = const(f.default)
                else:
                    stored = load(self.namer.fresh(f"{f.name}_default"))
                    self.parsed.aliases[stored.id] = f.default
            elif f.default_factory in (list, dict):  # a new list or dict, as a display
                stored = gast.List(elts=[], ctx=gast.Load()) if f.default_factory is list \
                    else gast.Dict(keys=[], values=[])
            elif f.default_factory is not dataclasses.MISSING:
                factory = self.namer.fresh(f"{f.name}_factory")
                self.parsed.aliases[factory] = f.default_factory
                self.parsed.inlined[None, f"{built.dotted}.__dataclass_fields__"] = \
                    built.cls.__dataclass_fields__
                stored = self.atom(gast.Call(func=load(factory), args=[], keywords=[]), out)
            elif not f.init:
                continue  # Python's __init__ leaves it unset
            else:
                self.error(f"missing argument {f.name!r} for {built.cls.__qualname__}()",
                           value)
            held = built.stored[f.name][0]
            self.assign_to(store(held.id), stored, out)  # a display: built in place
            built.stored[f.name] = (held, True)
        post = inspect.getattr_static(built.cls, "__post_init__", None)
        if post is not None:
            self.object_method(name, "__post_init__", post, gast.copy_location(gast.Call(
                func=gast.Attribute(value=load(name), attr="__post_init__",
                                    ctx=gast.Load()), args=[], keywords=[]), value), out)

    def classmethod_construction(self, value, out):
        """`C(args')` for `C.make(args)`, a classmethod of a plain user class C whose body
        is `return cls(...)` of its parameters (an alternative constructor): the arguments
        evaluated once, in order, the classmethod guarded; None for any other call (or
        when nothing but the construction can follow)."""
        func = value.func
        dotted = dotted_name(func)
        if not isinstance(func, gast.Attribute) or dotted is None \
                or self.is_local(dotted.split(".")[0]):
            return None
        cls = self.resolved(func.value)
        found = inspect.getattr_static(cls, func.attr, None) if _plain_class(cls) else None
        if not isinstance(found, classmethod) or not inspect.isfunction(found.__func__) \
                or is_library(found.__func__):
            return None
        method = found.__func__
        try:
            tree = parse_function(method).tree
        except PullbackError:
            return None
        args = tree.args
        body = [s for s in tree.body if not (isinstance(s, gast.Expr)
                                             and isinstance(s.value, gast.Constant))]
        if len(body) != 1 or not isinstance(body[0], gast.Return) \
                or not isinstance(body[0].value, gast.Call) or args.vararg or args.kwarg \
                or args.kwonlyargs or args.posonlyargs or not args.args:
            return None
        me, *params = [a.id for a in args.args]
        made = body[0].value
        if not (isinstance(made.func, gast.Name) and made.func.id == me) \
                or any(isinstance(n, gast.Name) and n.id not in params and n is not made.func
                       for n in walk(made)) \
                or len(value.args) > len(params) \
                or any(k.arg not in params[len(value.args):] for k in value.keywords):
            return None
        given = dict(zip(params, value.args)) | {k.arg: k.value for k in value.keywords}
        defaults = dict(zip(params[len(params) - len(method.__defaults__ or ()):],
                            method.__defaults__ or ()))
        bound = {}
        for p in params:
            if p in given:
                bound[p] = self.atom(given[p], out)
            elif p in defaults and (defaults[p] is None or type(defaults[p]) in (
                    bool, int, float, str)):
                bound[p] = const(defaults[p])
            else:
                return None  # Python's own error, or a default pullback does not copy
        self.parsed.inlined[None, f"{dotted}.__func__"] = method  # guarded
        new = map_names(clone(made), _standing_for({me: func.value, **bound}))
        return gast.copy_location(new, value)

    def object_method(self, name, attr, method, expr, out, owner_path=""):
        """The body of the method `method` of the object `name` in place of the call `expr`
        (its arguments those of expr), `self` standing for the object."""
        built = self.built_objects[name]
        if not inspect.isfunction(method) or is_library(method) \
                or rules.lookup(method) is not None or method.__code__.co_argcount < 1 \
                or hasattr(method, "__wrapped__"):
            self.error(f"{attr} of {built.cls.__qualname__} is not a Python function of "
                       "yours pullback can read, undecorated (in an object built in the "
                       "function)", expr)
        try:
            callee = parse_function(method)
        except PullbackError as exc:
            self.error(f"{built.cls.__qualname__}.{attr}: {exc}", expr)
        check(callee.tree, callee.location)
        getter = ".fget" if isinstance(inspect.getattr_static(built.cls, attr, None),
                                       property) and not owner_path else ""
        self.parsed.inlined[None, f"{built.dotted}.{owner_path}{attr}{getter}"] = method
        bound = gast.Call(func=expr.func, args=[load(name), *expr.args],
                          keywords=expr.keywords)
        for a in ("lineno", "col_offset"):
            if hasattr(expr, a):
                setattr(bound, a, getattr(expr, a))
        owner = next(k for k in built.cls.__mro__ if k.__dict__.get(attr) is method
                     or isinstance(k.__dict__.get(attr), property)
                     and k.__dict__[attr].fget is method)
        self.object_owners.append((name, owner))
        me = method.__code__.co_varnames[0]
        fdef = _fluent(callee.tree, me)  # `return self`: the call is the object itself
        try:
            value = self.inline(bound, fdef or callee.tree, callee, out, receiver=me)
        finally:
            self.object_owners.pop()
        return load(name) if fdef is not None else value

    def object_attribute(self, expr, out):
        """A read `name.attr` of a built object: the local holding the attribute once the
        code has stored it; else the class's: a property's getter inlined, a constant read
        from the class as the code runs. A method taken as a value is refused."""
        name, attr = expr.value.id, expr.attr
        built = self.built_objects[name]
        if attr.startswith("__") and attr.endswith("__"):
            self.error(f"the attribute {attr} of an object built in the function (pullback "
                       "keeps such an object as its attributes)", expr)
        held = built.stored.get(attr)
        if held is not None and held[1]:
            return clone(held[0])
        found = inspect.getattr_static(built.cls, attr, MISSING)
        if isinstance(found, property):
            if found.fget is None:
                self.error(f"property {attr!r} of {built.cls.__qualname__} has no getter", expr)
            return self.object_method(name, attr, found.fget, gast.Call(
                func=expr, args=[], keywords=[], lineno=getattr(expr, "lineno", None)), out)
        if inspect.isfunction(found) or isinstance(found, (staticmethod, classmethod)) \
                or hasattr(type(found), "__get__"):
            self.error(f"the method or descriptor {attr!r} of an object built in the function, "
                       "taken as a value (call it: obj.method(x))", expr)
        built.from_class.add(attr)
        return gast.Attribute(value=load(built.alias), attr=attr, ctx=gast.Load())

    def object_store(self, target, value, out):
        """`name.attr = value` of a built object: the attribute's local is set (a nested
        function or global function stands for itself)."""
        name, attr = target.value.id, target.attr
        built = self.built_objects[name]
        if attr in built.from_class:
            self.error(f"the attribute {attr!r} of an object built in the function is set "
                       "after the class's value was read (pullback reads one or the other "
                       "at each place, not both; set it in __init__)", target)
        if _frozen(built.cls):
            self.error(f"assignment to {attr!r} of a frozen dataclass "
                       f"{built.cls.__qualname__} (Python raises FrozenInstanceError)", target)
        slots = _slots(built.cls)
        if slots is not None and attr not in slots:
            self.error(f"assignment to {attr!r}, which is not in the __slots__ of "
                       f"{built.cls.__qualname__} (Python raises AttributeError)", target)
        if hasattr(type(inspect.getattr_static(built.cls, attr, None)), "__set__") \
                and not (slots is not None and attr in slots):
            self.error(f"assignment to {attr!r}, a property or descriptor of "
                       f"{built.cls.__qualname__} (pullback does not run its setter)", target)
        held, was_set = built.stored.get(attr, (None, False))
        stands = isinstance(value, gast.Name) and value.id in self.local_functions \
            or not isinstance(value, gast.Constant) and self.is_fixed(value)
        if stands or attr in built.fixed:
            if was_set:
                self.error(f"the attribute {attr!r} of an object built in the function, "
                           "holding a function, is set again", target)
            built.fixed.add(attr)
            built.stored[attr] = (clone(value), True)
            return
        if held is None:  # set outside the class's own code: f's
            held = load(self.namer.fresh(f"{name}_{attr}"))
            self.locals.add(held.id)
        self.assign_to(store(held.id), value, out)  # `self.a = list(xs)`: built in place
        built.stored[attr] = (held, True)

    def object_statement(self, s):
        """`name.xs.append(v)` (extend, pop) of a built object: the same update of the local
        holding `xs`, followed as any list update. Any other statement as it is."""
        call_ = s.value if isinstance(s, gast.Expr) else None
        if not (isinstance(call_, gast.Call) and isinstance(call_.func, gast.Attribute)
                and isinstance(call_.func.value, gast.Attribute)
                and self.built_object(call_.func.value.value)):
            return s
        held = self.built_objects[call_.func.value.value.id].stored.get(call_.func.value.attr)
        if held is None or not held[1] or not isinstance(held[0], gast.Name):
            return s
        new = gast.Expr(value=gast.Call(func=gast.Attribute(
            value=clone(held[0]), attr=call_.func.attr, ctx=gast.Load()),
            args=call_.args, keywords=call_.keywords))
        for attr in ("lineno", "col_offset", "origin"):
            if hasattr(s, attr):
                setattr(new, attr, getattr(s, attr))
        return new

    def object_call(self, expr, out):
        """`name.m(args)`, `name(args)` or `super().m(args)` inside its methods, for a built
        object `name`, and `name.xs.m(args)` (the method of the value it holds); None for
        any other call."""
        protocol = self.container_protocol(expr, out)  # len(obj)
        if protocol is not None:
            return protocol
        func = expr.func
        if isinstance(func, gast.Call) or isinstance(func, gast.Attribute) \
                and isinstance(func.value, gast.Call):
            made = self.anonymous_object(func if isinstance(func, gast.Call) else func.value,
                                         out)
            if made is not None:
                func = load(made) if isinstance(func, gast.Call) else gast.Attribute(
                    value=load(made), attr=func.attr, ctx=gast.Load())
                expr = gast.Call(func=func, args=expr.args, keywords=expr.keywords)
                if made not in self.built_objects:  # an alternative constructor's object,
                    return self.lower_call(expr, out)  # in a name: called as any object
        if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Call) \
                and self.calls_built_object(func.value):
            # obj.fit(x).loss(): the inner call first; a fluent method gives the object
            inner = self.lower_call(func.value, out)
            if not is_atom(inner):
                held = self.namer.fresh("result")
                out.append(assign(held, inner))
                inner = load(held)
            return self.lower_call(gast.Call(func=gast.Attribute(
                value=inner, attr=func.attr, ctx=gast.Load()), args=expr.args,
                keywords=expr.keywords), out)
        if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Attribute) \
                and self.built_object(func.value.value):
            held = self.atom(self.object_attribute(func.value, out), out)
            return self.lower_call(gast.Call(func=gast.Attribute(
                value=held, attr=func.attr, ctx=gast.Load()), args=expr.args,
                keywords=expr.keywords), out)
        if isinstance(func, gast.Name) and func.id in self.built_objects:
            name, attr = func.id, "__call__"
        elif isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) \
                and func.value.id in self.built_objects:
            name, attr = func.value.id, func.attr
            held = self.built_objects[name].stored.get(attr)
            if held is not None and held[1]:  # a function it holds: called as it is
                return self.lower_call(gast.Call(func=clone(held[0]), args=expr.args,
                                                 keywords=expr.keywords), out)
        elif isinstance(func, gast.Attribute) and isinstance(func.value, gast.Call) \
                and not func.value.args and not func.value.keywords and self.object_owners \
                and self.resolved(func.value.func) is builtins.super:
            name, owner = self.object_owners[-1]
            built = self.built_objects[name]
            mro = built.cls.__mro__
            rest = mro[mro.index(owner) + 1:]
            chain = [built.cls]
            while chain[-1] is not owner and len(chain[-1].__bases__) == 1:
                chain.append(chain[-1].__base__)
            if chain[-1] is not owner or len(owner.__bases__) != 1:
                self.error("super() in a class with several bases (in an object built in the "
                           "function)", expr)
            method = next((k.__dict__[func.attr] for k in rest if func.attr in k.__dict__),
                          None)
            if func.attr == "__init__" and method is object.__init__:
                if expr.args or expr.keywords:
                    self.error("object.__init__() takes no arguments", expr)
                return const(None)
            path = "__base__." * len(chain)
            return self.object_method(name, func.attr, method, expr, out, owner_path=path)
        else:
            return None
        built = self.built_objects[name]
        found = inspect.getattr_static(built.cls, attr, MISSING)
        if isinstance(found, staticmethod):
            return self.lower_call(gast.Call(func=gast.Attribute(
                value=load(built.alias), attr=attr, ctx=gast.Load()), args=expr.args,
                keywords=expr.keywords), out)
        if isinstance(found, property):
            return self.lower_call(gast.Call(func=self.object_attribute(
                gast.Attribute(value=func.value, attr=attr, ctx=gast.Load()), out),
                args=expr.args, keywords=expr.keywords), out)
        if found is MISSING and attr != "__call__":
            return self.simple(gast.Call(func=self.object_attribute(func, out),
                                         args=expr.args, keywords=expr.keywords), out)
        if not inspect.isfunction(found):
            self.error(f"{built.cls.__qualname__}.{attr} is not a plain method (in an object "
                       "built in the function)", expr)
        return self.object_method(name, attr, found, expr, out)


_CONTAINER_METHODS = ("__iter__", "__len__", "__getitem__", "__reversed__")


def _iterated_by(method, builtin="iter"):
    """E for an `__iter__` whose body (after a docstring) is `return iter(E)`, `yield
    from E` or `for v in E: yield v`, where E reads nothing but the method's `self`;
    else None."""
    if not inspect.isfunction(method) or is_library(method):
        return None
    try:
        tree = parse_function(method).tree
    except PullbackError:
        return None
    body = tree.body
    if body and isinstance(body[0], gast.Expr) and isinstance(body[0].value, gast.Constant):
        body = body[1:]
    if len(body) != 1 or not tree.args.args:
        return None
    s, found = body[0], None
    if isinstance(s, gast.Return) and isinstance(s.value, gast.Call) \
            and isinstance(s.value.func, gast.Name) and s.value.func.id == builtin \
            and len(s.value.args) == 1 and not s.value.keywords \
            and builtin not in method.__globals__:
        found = s.value.args[0]
    elif builtin != "iter":
        return None
    elif isinstance(s, gast.Expr) and isinstance(s.value, gast.YieldFrom):
        found = s.value.value
    elif isinstance(s, gast.For) and isinstance(s.target, gast.Name) and not s.orelse \
            and len(s.body) == 1 and isinstance(s.body[0], gast.Expr) \
            and isinstance(s.body[0].value, gast.Yield) \
            and isinstance(s.body[0].value.value, gast.Name) \
            and s.body[0].value.value.id == s.target.id:
        found = s.iter
    me = tree.args.args[0].id
    if found is None or any(isinstance(n, gast.Name) and n.id != me for n in walk(found)):
        return None
    return found


def _fluent(tree, me):
    """A copy of the method `tree` with each `return me` made `return None`, when every
    return of it is `return me` and it ends with one, so that no path returns None (a
    fluent method: `m.fit(x).loss()`); else None."""
    returns = [n for n in walk(tree) if isinstance(n, gast.Return)]
    if not returns or not isinstance(tree.body[-1], gast.Return) \
            or any(not (isinstance(n.value, gast.Name) and n.value.id == me)
                   for n in returns) \
            or any(isinstance(n, (gast.FunctionDef, gast.Lambda)) and n is not tree
                   for n in walk(tree)):
        return None
    tree = clone(tree)
    for n in walk(tree):
        if isinstance(n, gast.Return):
            n.value = const(None)
    return tree


def _plain_class(cls) -> bool:
    """A user class whose objects Python builds with object's `__new__` and reads and sets
    with object's attribute machinery (no `__getattr__`, no metaclass but abc's, no
    abstract method left; `__slots__` only limit the attributes stored, `_slots`)."""
    return isinstance(cls, type) and type(cls) in (type, abc.ABCMeta) \
        and not getattr(cls, "__abstractmethods__", None) and not is_library(cls) \
        and rules.lookup(cls) is None and cls.__new__ is object.__new__ \
        and (cls.__setattr__ is object.__setattr__ or _frozen(cls)) \
        and cls.__getattribute__ is object.__getattribute__ \
        and not hasattr(cls, "__getattr__") and not issubclass(cls, BaseException)


def _dataclass_fields(cls):
    """The fields of a dataclass whose `__init__` is the generated one (no InitVar or
    keyword-only fields), or None."""
    init = cls.__dict__.get("__init__") if dataclasses.is_dataclass(cls) else None
    code = getattr(init, "__code__", None)
    if code is None or code.co_filename != "<string>" or code.co_kwonlyargcount:
        return None
    fields = dataclasses.fields(cls)
    if len(getattr(cls, "__dataclass_fields__", {})) != len(fields):
        return None  # InitVar or ClassVar pseudo-fields
    return fields


def _frozen(cls) -> bool:
    params = getattr(cls, "__dataclass_params__", None)
    return bool(params is not None and params.frozen)


def _slots(cls):
    """The attributes objects of `cls` can hold when every class of its MRO declares
    `__slots__` (without `__dict__`); None when they can hold any."""
    found = set()
    for klass in cls.__mro__[:-1]:
        if "__slots__" not in klass.__dict__:
            return None
        declared = klass.__dict__["__slots__"]
        found |= {declared} if isinstance(declared, str) else set(declared)
    return None if "__dict__" in found else found


def _static(cls, attr):
    return getattr(cls, attr)


def _attributes_stored(cls) -> set:
    """The attributes the plain functions of `cls` (and its bases) store on their first
    parameter (`self.a = v`, `self.a += v`)."""
    found = set()
    for klass in cls.__mro__[:-1]:
        for value in vars(klass).values():
            func = value.fget if isinstance(value, property) else value
            if not inspect.isfunction(func) or is_library(func) \
                    or not func.__code__.co_argcount:
                continue
            try:
                tree = parse_function(func).tree
            except PullbackError:
                continue
            me = func.__code__.co_varnames[0]
            for n in walk(tree):
                target = n.target if isinstance(n, gast.AugAssign) else n
                if isinstance(target, gast.Attribute) and isinstance(target.value, gast.Name) \
                        and target.value.id == me and (isinstance(n, gast.AugAssign)
                                                       or isinstance(target.ctx, gast.Store)):
                    found.add(target.attr)
    return found
