"""What some of the function's names denote, settled before lowering: globals that
share a name with a helper of the generated code, array-namespace variables, and
parameters whose default is a function.

Guarantees: `globals_shadowed_by_helpers` renames a user's global that has a helper's
name (np, math, unbroadcast, ...) but another value, and reads it live from the user's
module (`module_globals`); `array_namespaces` makes `xp.sum` read NumPy's `np.sum`
when `xp` is bound once at the top to a module or to the inputs' array namespace (that
call checked, when the gradient runs, to give NumPy); `function_defaults` lets calls
through a parameter whose default is a function use that function's rule, with a
statement at the top that checks the parameter still holds it.

>>> from pullback.ir.naming import Namer, all_names
>>> from pullback.lower.example import parsed, show
>>> def f(x):
...     xp = np
...     return xp.sum(xp.sin(x))
>>> p = parsed(f)
>>> array_namespaces(p.tree, p)
True
>>> show(p.tree)
def f(x):
    xp = np
    return np.sum(np.sin(x))
"""

from __future__ import annotations

import inspect
import types

import gast
import numpy as np

from ..errors import UnsupportedSyntaxError
from ..frontend.parse import is_library
from ..helpers import HELPERS
from ..ir.nodes import (
    assign,
    call,
    clone,
    const,
    dotted_name,
    if_,
    load,
    names,
    parameters,
    stored_in_order,
    walk,
)
from .common import at_line, rename

MODULE_GLOBALS = "module_globals"  # bound by the API to the user's module namespace


def globals_shadowed_by_helpers(tree, parsed, namer, walked=None) -> list:
    """The generated code binds helper names (np, math, unbroadcast, ...) for itself. A
    user's global with such a name but another value is read, live, under a new name
    (`owned_global = module_globals['owned']`); its uses in the tree are renamed.
    `walked`: the tree's `Walk`, if the caller has it."""

    found = names(tree) if walked is None else walked.of(gast.Name)
    named = {n.id for n in found} & HELPERS.keys()
    if not named:
        return []
    params = set(parameters(tree.args))
    stored = {n.id for n in found if n.ctx.__class__ is gast.Store}
    out = []
    for name in sorted(named):
        if name in params or name in stored \
                or parsed.lookup(name) is HELPERS[name]:
            continue
        if name in parsed.closure:
            raise UnsupportedSyntaxError(
                f"the closure variable {name!r} has the name of a helper the generated code "
                "uses; please rename it", parsed.location.describe(tree))
        alias = namer.fresh(f"{name}_global")
        rename(tree, {name: alias})
        read = gast.Subscript(value=load(MODULE_GLOBALS), slice=const(name), ctx=gast.Load())
        found = parsed.lookup(name)
        if isinstance(found, (types.ModuleType, types.FunctionType,
                              types.BuiltinFunctionType, np.ufunc)):
            # A module of the user's own under a helper's name (`import mylib.backend as
            # np`), or a function (`from autograd.misc.flatten import flatten as
            # autograd_flatten`): what it is, and its functions, are known now (np.sum is
            # NumPy's when it re-exports it; the function has its rule), so the alias is
            # bound to it, with a check that the global still names it.
            parsed.aliases[alias] = found
            stmt = if_(gast.Compare(left=read, ops=[gast.IsNot()], comparators=[load(alias)]),
                       [gast.Expr(value=call("rebound", const(name)))])
        else:
            stmt = assign(alias, read)
        out.append(at_line(stmt, getattr(tree, "lineno", None)))
    return out


def array_namespaces(tree, parsed) -> bool:
    """A name bound once, at the top of the function, to a module (`xp = np`) or to the
    array namespace of the inputs (`xp = array_namespace(x)`, `xp, _ = get_namespace(x)`):
    its attributes are read from NumPy (`xp.sum` is np.sum, with np.sum's rule). The
    namespace call itself is kept, and followed by a check that it gave NumPy (or an
    array-API wrapper of NumPy); any other array library is refused when the gradient
    runs (`numpy_namespace` wraps the call). Whether it changed the tree."""
    local = _variables(parsed)
    if not any(isinstance(stmt, gast.Assign) and _may_give_namespace(stmt.value, parsed, local)
               for stmt in tree.body):
        return False  # no candidate: the walk counting stores is not needed
    stores: dict = {}
    for n in walk(tree):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
            stores[n.id] = stores.get(n.id, 0) + 1
    found, aliases = {}, []
    for stmt in tree.body:
        if not isinstance(stmt, gast.Assign) or len(stmt.targets) != 1:
            continue
        target, value = stmt.targets[0], stmt.value
        if isinstance(target, gast.Tuple) and target.elts:
            target = target.elts[0]  # sklearn's get_namespace: (xp, is_array_api)
        if not isinstance(target, gast.Name) or stores.get(target.id) != 1:
            continue
        dotted = dotted_name(value)
        if isinstance(value, gast.Name) and value.id in found \
                and dotted_name(found[value.id]) == "np":
            found[target.id] = found[value.id]  # np = xp: NumPy (checked), as the helper
            aliases.append(stmt)
        elif dotted is not None and dotted.split(".")[0] not in stores \
                and isinstance(parsed.resolve(value), types.ModuleType):
            found[target.id] = value  # xp = np: xp.sum is np.sum as written
        elif isinstance(value, gast.Call) and dotted_name(value.func) is not None \
                and dotted_name(value.func).split(".")[0] not in stores \
                and not value.keywords and _gives_namespace(parsed.resolve(value.func)):
            found[target.id] = load("np")  # the call runs inside the check
            stmt.value = call("numpy_namespace", value.func, gast.Tuple(
                elts=value.args, ctx=gast.Load()), const(parsed.location.describe(stmt)))
    if not found:
        return False  # (the tree is as it was)

    class Substitute(gast.NodeTransformer):
        def visit_Attribute(self, node):
            if isinstance(node.value, gast.Name) and node.value.id in found \
                    and isinstance(node.value.ctx, gast.Load):
                module = found[node.value.id]
                return gast.copy_location(gast.Attribute(
                    value=clone(module), attr=node.attr, ctx=node.ctx), node)
            self.generic_visit(node)
            return node

    Substitute().visit(tree)
    for stmt in aliases:
        tree.body.remove(stmt)
    return True


def library_aliases(tree, parsed) -> bool:
    """A name bound once, by a statement at the top of the function, to a library
    function, a user's function (or class method) or a number read through a free
    dotted name (`tanh = np.tanh`, `pi, sqrt, tanh = np.pi, np.sqrt, np.tanh`,
    `erf = math.erf`, `act = relu`, `step = Solver.step`): the statements after
    that one read the dotted name itself, so each call is resolved to its rule (and
    guarded, like any call through a dotted name). The binding is kept, for the reads
    before it and those in code pullback does not rewrite. A name bound by any other
    statement, declared global or nonlocal, or read before its binding is left alone.
    Whether it may have changed the tree."""
    local = _variables(parsed)
    candidates = [stmt for stmt in tree.body if isinstance(stmt, gast.Assign)
                  and len(stmt.targets) == 1 and _alias_pairs(stmt, parsed, local)]
    if not candidates:
        return False  # the walk counting stores is not needed
    stores: dict = {}
    declared = set()
    for n in walk(tree):
        if isinstance(n, gast.Name) and not isinstance(n.ctx, gast.Load):
            stores[n.id] = stores.get(n.id, 0) + 1
        elif isinstance(n, (gast.Global, gast.Nonlocal)):
            declared.update(n.names)
    found: dict = {}
    firsts = {id(stmt) for stmt in candidates}

    class Substitute(gast.NodeTransformer):
        def visit_Name(self, node):
            if isinstance(node.ctx, gast.Load) and node.id in found:
                return gast.copy_location(clone(found[node.id]), node)
            return node

    for stmt in tree.body:
        if found:
            Substitute().visit(stmt)
        if id(stmt) in firsts:
            for target, value in _alias_pairs(stmt, parsed, local):
                head = dotted_name(value).split(".")[0]
                if stores.get(target) == 1 and target not in declared \
                        and head not in stores:
                    found[target] = value
    return bool(found)  # (False: the tree is as it was)


def _alias_pairs(stmt, parsed, local) -> list:
    """(name, dotted value) for each name `stmt` binds to a library function or a number
    read through a dotted name; [] unless every name it binds is such a pair (`local`:
    the variables of f's code, whose globals a plain name never denotes)."""
    target, value = stmt.targets[0], stmt.value
    if isinstance(target, gast.Tuple) and isinstance(value, gast.Tuple) \
            and len(target.elts) == len(value.elts):
        pairs = list(zip(target.elts, value.elts))
    else:
        pairs = [(target, value)]
    out = []
    for t, v in pairs:
        if not isinstance(t, gast.Name) or dotted_name(v) is None:
            return []
        if not isinstance(v, gast.Attribute) and dotted_name(v) in local:
            return []  # another local name: not what its global denotes
        found = parsed.resolve(v)
        number = isinstance(found, (int, float)) and not isinstance(found, bool)
        if not (number or isinstance(found, np.ufunc)
                or inspect.isbuiltin(found)
                or inspect.isroutine(found) and is_library(found)
                or inspect.isfunction(found)  # the user's own (`act = relu`)
                or inspect.ismethod(found) and isinstance(found.__self__, type)):
            return []
        out.append((t.id, v))
    return out


def function_defaults(tree, parsed, namer) -> list:
    """Parameters with a function as default (`def f(x, _r=np.sum)`) that f calls, never
    assigns and does not receive from a caller that knows them: calls through them use
    that function's rule (or source), as if f named it, and a statement at the top checks
    the parameter still holds it when the gradient runs (a call passing another function
    is refused there, with where f is defined)."""
    func = parsed.func
    if not inspect.isfunction(func) or not any(
            callable(d) and not isinstance(d, type)
            for d in (*(func.__defaults__ or ()), *(func.__kwdefaults__ or {}).values())):
        return []  # no function-valued default
    stored = set(stored_in_order(tree))
    called = {dotted_name(n.func).split(".")[0] for n in walk(tree)
              if isinstance(n, gast.Call) and dotted_name(n.func) is not None}
    out = []
    for name, param in inspect.signature(func, follow_wrapped=False).parameters.items():
        default = param.default
        if name in parsed.static or name in stored or name not in called \
                or default is inspect.Parameter.empty or isinstance(default, type) \
                or not callable(default):
            continue
        parsed.static[name] = default
        alias = namer.fresh(f"{name}_default")
        parsed.aliases[alias] = default
        check = assign(namer.fresh(f"{name}_checked"), call(
            "default_function", load(name), load(alias), const(name),
            const(parsed.location.describe(tree))))
        out.append(at_line(check, getattr(tree, "lineno", None)))
    return out


def _variables(parsed) -> frozenset:
    """The variables of f's code (its parameters and the names it binds), read once per
    pass, not per statement: Python 3.11 makes `co_varnames` anew from all of them at each
    read."""
    code = getattr(parsed.func, "__code__", None)
    return frozenset(() if code is None else code.co_varnames)


def _may_give_namespace(value, parsed, local) -> bool:
    """Whether `array_namespaces` may take `value` for a namespace, asked before its walk:
    a free dotted name denoting a module (`np`, `numpy.linalg`), or a call of one that
    gives a namespace. A name the function binds or receives (`local`: its code's
    variables) is none (its global of the same name, if any, is not what it denotes),
    unless an import in f binds it."""
    target = value.func if isinstance(value, gast.Call) and not value.keywords else value
    dotted = dotted_name(target)
    if dotted is None or dotted.split(".")[0] in local \
            and dotted.split(".")[0] not in parsed.aliases:  # imports in f are aliases
        return False
    found = parsed.resolve(target)
    return isinstance(found, types.ModuleType) if target is value else _gives_namespace(found)


def _gives_namespace(func) -> bool:
    """scipy's and array_api_compat's array_namespace, scikit-learn's get_namespace
    (known by name and package, so that none of them is imported for this)."""
    return getattr(func, "__name__", None) in ("array_namespace", "get_namespace") \
        and str(getattr(func, "__module__", "")).split(".")[0] in (
            "scipy", "sklearn", "array_api_compat")
