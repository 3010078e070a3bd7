"""Calls of the user's functions -> their bodies, in place: nested functions and
lambdas always; a module-level function when it receives one, or when its body is
small (see `small_body`), until INLINE_BUDGET statements have been inlined.

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

import builtins
import inspect
import types

import gast

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
    load,
    map_names,
    store,
    stored_in_order,
    walk,
)
from .blocks import Blocks
from .common import called_or_passed, captured, located_error, rename
from .containers import dict_names
from .control_flow import ControlFlow
from .unbound import maybe_unset

# Small functions (at most SMALL_STATEMENTS statements, see small_body) are inlined at
# their calls, until INLINE_BUDGET statements have been inlined into one function.
SMALL_STATEMENTS = 8
INLINE_BUDGET = 120
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
            statements += isinstance(node, gast.stmt)
        if statements - 1 > SMALL_STATEMENTS:
            return None
        check(callee.tree, callee.location)
    except PullbackError:
        return None  # transformed as a callee, which reports it
    return callee


class Inlining:
    """The inlining of `Flatten` (flatten.py), whose state it uses."""

    def readable_callee(self, expr, passed):
        """The Parsed of the module-level function `expr` calls, whose body is inlined
        because it receives the nested function `passed`."""
        name = dotted_name(expr.func) or "a call"
        func = self.parsed.resolve(expr.func)
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
        if name is None or name.split(".")[0] in self.locals | set(self.local_functions) \
                or any(isinstance(a, gast.Starred) for a in expr.args) \
                or any(k.arg is None for k in expr.keywords) \
                or (ORIGIN.of(expr) and "." in name):
            return None
        func = self.parsed.resolve(expr.func)
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
        if (name, attr) not in self.object_methods:
            self.object_methods[name, attr] = self._built_object_method(name, attr)
        return self.object_methods[name, attr]

    def _built_object_method(self, name, attr):
        facts = self.object_facts()
        stores, defs = facts.stores.get(name, 0), facts.single_assigns.get(name, [])
        if stores != 1 or len(defs) != 1 or not isinstance(defs[0].value, gast.Call):
            return None
        cls = self.parsed.resolve(defs[0].value.func)
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

    def inline(self, expr, fdef, callee, out, receiver=None):
        """The body of a function in place of a call to it: a nested function (`callee` is
        None), or a module-level function that receives one (`callee` is its Parsed). Its
        own names are made fresh; parameters that receive a nested function, or a global
        or module function, stand for it in the body, so calls through them are resolved
        and inlined in turn."""
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
            if isinstance(arg, gast.Name) and arg.id in self.local_functions:
                if p in stored:
                    where = next(n for s in body for n in walk(s) if isinstance(n, gast.Name)
                                 and n.id == p and isinstance(n.ctx, gast.Store))
                    self.error(f"{label} assigns to its parameter {p!r}, which receives "
                               f"{self.shown(arg.id)}", where)
                fixed[p] = arg
            elif p not in stored and (self.is_fixed(arg) or p == receiver):
                fixed[p] = arg  # (a method's self, set on: the object itself)
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
        self.only_called(body, fixed, label)
        own = ((set(params) - set(fixed)) | stored) - shared
        renamed = {v: self.namer.fresh(f"{name}_{v}") for v in sorted(own)}
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
        inner = gast.FunctionDef(name=name, args=gast.arguments(
            args=[store(renamed[p]) for p in values], posonlyargs=[], vararg=None,
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
            for s in out[start:]:
                if INLINED_FROM.of(s) is None:
                    INLINED_FROM.set(s, callee.func)
        return stmts[-1].value

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
        if name is None or name.split(".")[0] in self.locals | set(self.local_functions):
            return False
        found = self.parsed.resolve(expr)
        return isinstance(found, types.ModuleType) or (found is not MISSING and callable(found))

    def only_called(self, body, fixed, name):
        """Parameters standing for a nested function may only be called or passed on."""
        functions = {p for p, v in fixed.items() if isinstance(v, gast.Name)
                     and v.id in self.local_functions}
        callees = called_or_passed(*body)
        for s in body:
            for node in walk(s):
                if isinstance(node, gast.Name) and node.id in functions \
                        and id(node) not in callees:
                    self.error(f"{name} uses its parameter {node.id!r}, which receives "
                               f"{self.shown(fixed[node.id].id)}, as a value (it may only "
                               "call it or pass it to a call)", node)

    def shown(self, name) -> str:
        """A local function as the user knows it."""
        if ANONYMOUS.of(self.local_functions[name]):
            return "a lambda"
        return f"the nested function {name!r}"

    def free_names(self, callee, names, body, out) -> dict:
        """What the free names of an inlined module-level function denote, where the body
        lands: a name that means the same here is kept; a function or module elsewhere gets
        a name of its own; other values are read from the callee's module (or closure) as
        the call runs. Returns the renamings."""

        renamed = {}
        func = callee.func
        for n in sorted(names):
            found = lookup_free(func, n)
            if found is MISSING:
                node = next(x for s in body for x in walk(s)
                            if isinstance(x, gast.Name) and x.id == n)
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
        for node in walk(tree):
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


def _sets_self(callee) -> bool:
    """Whether the method `callee` (a Parsed) sets an attribute of its first parameter."""
    me = callee.func.__code__.co_varnames[0]
    return any(isinstance(n, gast.Attribute) and isinstance(n.value, gast.Name)
               and n.value.id == me and isinstance(n.ctx, gast.Store)
               or isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Attribute)
               and isinstance(n.target.value, gast.Name) and n.target.value.id == me
               for n in walk(callee.tree))


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
