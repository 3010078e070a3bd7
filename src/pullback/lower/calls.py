"""Calls -> one call of atoms: array methods as the NumPy functions they are, `*xs` and
`**m` packed into one tuple and one dict, NumPy's in-place writes as subscript writes.
`lower_call` decides which lowering a call gets, trying the forms in a fixed order.

Guarantees on the output: a call's callee is a dotted name (or an atom holding the
object called) and its arguments are atoms, evaluated in the call's order; `x.sum(...)`
on a value of the function is `np.sum(x, ...)` (`methods=` on its rule); a call with `*xs` or
`**m`, or of the user's function that takes `*args` or `**kwargs`, passes at most one
`*P` (a tuple) and one `**M` (a dict); `*xs` to anything else is refused, located.
`np.copyto(a, b)`, `a.fill(v)`, `np.fill_diagonal(a, v)` and `f(..., out=a)` (f with a
derivative rule) become `a[at] = value`, checked as any in-place write; `out=` of a
function with no rule is refused.

>>> from pullback.lower.example import lowered, show
>>> def f(x, y):
...     np.copyto(y, x.sum(axis=0) * 2)
...     return x.reshape(2, 3).max() + y
>>> show(lowered(f))
def f(x, y):
    total = np.sum(x, axis=0)
    mul = total * 2
    at = whole_array(y)
    y[at] = mul
    values = (2, 3)
    reshape = np.reshape(x, values)
    largest = np.max(reshape)
    out = largest + y
    return out
"""

from __future__ import annotations

import builtins
import inspect
import typing

import gast
import numpy as np

from .. import rules
from ..frontend.parse import MISSING, is_library, passed_through
from ..ir.annotations import BUILTIN
from ..ir.nodes import (
    assign,
    attribute_chain,
    binop,
    call,
    const,
    dotted_name,
    load,
    parameters,
    walk,
)

_UNASKED = object()


class Calls:
    """The call lowerings of `Flatten` (flatten.py), whose state they use."""

    _callee = None  # [callee node, what it denotes] of the call being lowered

    def lower_call(self, expr, out):
        """A call as one call of atoms (or what it stands for), the forms tried in this
        order: a made callable (made_callables.py), a nested function (inlined), a builtin
        over sequences (comprehensions.py) or a container call (containers.py), a method
        of an object whose attributes f sets (inlined), an array method, a function that
        receives a nested function or is small (inlining.py), `out=`, `*xs` or `**m`, and
        last a plain call of atoms."""
        self.asking_about(expr)  # (its callee resolved once: `resolved`)
        try:
            return self._lower_call(expr, out)
        finally:
            self._callee = None  # (a call lowered inside forgets its caller's too)

    def asking_about(self, expr) -> None:
        """Start the questions about the call `expr` (which `assign_to` asks about the
        value it binds, then `lower_call` about the call it lowers): `resolved` resolves
        its callee once for all of them, until a call inside it is lowered."""
        memo = self._callee
        if memo is None or memo[0] is not expr.func:
            self._callee = [expr.func, _UNASKED]

    def resolved(self, node):
        """`parsed.resolve(node)`; for the callee of the call being asked about
        (`asking_about`), resolved once for all the forms that ask."""
        memo = self._callee
        if memo is None or memo[0] is not node:
            return self.parsed.resolve(node)
        if memo[1] is _UNASKED:
            memo[1] = self.parsed.resolve(node)
        return memo[1]

    def _lower_call(self, expr, out):
        made = self.made_callable(expr.func, out)
        if made is not None:
            return self.simple(self.call_made(made, expr), out)
        if isinstance(expr.func, gast.Name) and expr.func.id in self.local_functions:
            return self.inline(expr, self.local_functions[expr.func.id], None, out)
        if self.built_objects or self.object_owners or isinstance(expr.func, gast.Call) \
                or isinstance(expr.func, gast.Attribute) and isinstance(expr.func.value,
                                                                        gast.Call):
            lowered = self.object_call(expr, out)  # a method of an object f builds
            if lowered is not None:
                return lowered
        lowered = self.next_call(expr, out)  # next(it) (iterators.py)
        if lowered is None:
            lowered = self.sequence_call(expr, out)
        if lowered is None:
            lowered = self.container_call(expr, out)
        if lowered is not None:
            return lowered
        writing = self.self_writing_method(expr)
        if writing is not None:  # obj.step(x) setting obj's attributes: run in place
            callee, bound = writing
            return self.inline(bound, callee.tree, callee, out,
                               receiver=callee.func.__code__.co_varnames[0])
        method = self.array_method(expr)
        if method is not None:
            return self.simple(method, out)
        passed = [a.id for a in [*expr.args, *[k.value for k in expr.keywords]]
                  if isinstance(a, gast.Name)
                  and (a.id in self.local_functions or a.id in self.made)]
        if passed:
            callee = self.readable_callee(expr, passed[0])
            return self.inline(expr, callee.tree, callee, out)
        writing = self.writing_callee(expr)
        if writing is not None:  # _fill(buf, x): its writes made the caller's own
            return self.inline_writing(expr, *writing, out)
        small = self.small_callee(expr)
        if small is not None:
            return self.inline(expr, small.tree, small, out)
        if any(k.arg == "out" and not (isinstance(k.value, gast.Constant)
                                       and k.value.value is None) for k in expr.keywords):
            return self.out_call(expr, out)
        spread = self.spread_call(expr, out)
        if spread is not None:
            return spread
        func = self.callee(expr.func, out)
        args = [self.atom(a, out) for a in expr.args]
        keywords = [gast.keyword(arg=k.arg, value=self.atom(k.value, out))
                    for k in expr.keywords]
        if any(k.arg is None for k in keywords):
            self.error("**mapping in a call", expr)
        return gast.Call(func=func, args=args, keywords=keywords)

    def in_place(self, expr, out) -> bool:
        """Lower a NumPy call that writes into an array argument; False if it is none."""
        func = expr.func
        keywords = {k.arg: k.value for k in expr.keywords}
        callee = self.resolved(func)
        if callee is np.copyto and len(expr.args) == 2 and not keywords:
            target, value, index = expr.args[0], expr.args[1], "whole_array"
        elif callee is np.fill_diagonal and len(expr.args) == 2 and not keywords:
            target, value, index = expr.args[0], expr.args[1], "diagonal_index"
        elif isinstance(func, gast.Attribute) and func.attr == "fill" and callee is MISSING \
                and isinstance(func.value, gast.Name) and func.value.id in self.locals \
                and len(expr.args) == 1 and not keywords:
            target, value, index = func.value, expr.args[0], "whole_array"
        elif "out" in keywords and callee is not MISSING and rules.lookup(callee) is not None:
            rest = [k for k in expr.keywords if k.arg != "out"]
            target, index = keywords["out"], "whole_array"
            value = gast.Call(func=func, args=expr.args, keywords=rest)
        else:
            return False
        if not isinstance(target, gast.Name):
            self.error("an in-place NumPy write into an expression (write into a name)", expr)
        value = self.atom(value, out)
        at = self.namer.fresh("at")
        out.append(assign(at, call(index, load(target.id))))
        out.append(assign(gast.Subscript(value=load(target.id), slice=load(at),
                                         ctx=gast.Store()), value))
        return True

    def out_call(self, expr, out):
        """`f(..., out=a)` used as a value: for an f with a derivative rule, the write
        `a[...] = f(...)`, then `a` (so `y = f(..., out=a)` gives a second name to an array
        written in place, which check_writes refuses); a Python function of the user's
        takes `out` as any argument; any other f is refused, since its write into `a`
        would not be followed."""
        found = self.resolved(expr.func)
        if found is not MISSING and rules.lookup(found) is not None:
            self.in_place(expr, out)
            return load(next(k.value for k in expr.keywords if k.arg == "out").id)
        if inspect.isfunction(found) and not is_library(found):
            return gast.Call(func=self.callee(expr.func, out),
                             args=[self.atom(a, out) for a in expr.args],
                             keywords=[gast.keyword(arg=k.arg, value=self.atom(k.value, out))
                                       for k in expr.keywords])
        name = dotted_name(expr.func) or "a function"
        self.error(f"out= of {name}, which has no derivative rule: pullback would not follow "
                   "its write into the array", expr)

    def parameter_kinds(self, func) -> dict:
        """{name: kind} of the parameters of a Python function of the user's: its
        signature, read once per function (a function called at many places)."""
        kinds = self.kinds_of.get(func)
        if kinds is None:
            signature = inspect.signature(passed_through(func), follow_wrapped=False)
            kinds = self.kinds_of[func] = {p.name: p.kind
                                           for p in signature.parameters.values()}
        return kinds

    def spread_call(self, expr, out):
        """A call given `*xs` or `**m`, or of a Python function of the user's that takes
        `*args` or `**kwargs`, as `g(a, b, *P, k=v, **M)`: the leading plain arguments its
        named positional parameters take, then one tuple P of the other positional
        arguments (made with `+` and `tuple(...)`), the keywords its named parameters
        take, and one dict M of the rest. Arguments are evaluated in the call's order.
        None for any other call."""
        starred = any(isinstance(a, gast.Starred) for a in expr.args) \
            or any(k.arg is None for k in expr.keywords)
        dotted = dotted_name(expr.func)
        func = MISSING if dotted is None or dotted.split(".")[0] in self.locals \
            else self.resolved(expr.func)
        readable = inspect.isfunction(func) and not is_library(func) \
            and rules.lookup(func) is None
        if readable:
            kinds = self.parameter_kinds(func)
            gathers = {inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD}
            if not starred and not gathers & set(kinds.values()):
                return None
        elif starred and (self.method_of_value(expr.func) or inspect.ismethod(func) and (
                inspect.isfunction(func.__func__) and not is_library(func.__func__))):
            return self.method_spread_call(expr, out)  # (a module object's too)
        elif starred and func is not MISSING and is_library(func) and not inspect.isclass(func):
            # a library function (np.random.rand(*x.shape)): Python binds `*P` and `**M`
            # when it runs; the analysis lets the call run as it is where it receives no
            # value being differentiated and refuses it, located, where it does
            return self.method_spread_call(expr, out)
        elif starred:
            self.error(f"*xs or **mapping in a call to {dotted or 'a computed callee'}, which "
                       "is not a Python function of yours pullback can read (pass the "
                       "arguments one by one)", expr)
        else:
            return None
        positional = [n for n, k in kinds.items() if k in (
            inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        by_name = {n for n, k in kinds.items() if k in (
            inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)}
        lead, parts = self.spread_parts(expr, out, len(positional))
        keywords, extra, mappings = [], [], []
        for k in expr.keywords:
            if k.arg is None:
                mappings.append(k.value)
            elif k.arg in by_name:
                keywords.append(gast.keyword(arg=k.arg, value=self.atom(k.value, out)))
            else:
                extra.append(k)
        if len(mappings) + bool(extra) > 1:
            self.error("more than one **mapping, or **mapping beside keywords that the "
                       "callee's **kwargs takes, in one call (merge them into one dict first)",
                       expr)
        args = self.packed(lead, parts, out)
        if mappings:
            keywords.append(gast.keyword(arg=None, value=self.atom(mappings[0], out)))
        elif extra:
            mapping = self.atom(gast.Dict(keys=[const(k.arg) for k in extra],
                                          values=[k.value for k in extra]), out, "passed")
            self.dicts.add(mapping.id)
            keywords.append(gast.keyword(arg=None, value=mapping))
        return gast.Call(func=self.callee(expr.func, out), args=args, keywords=keywords)

    def method_spread_call(self, expr, out):
        """`obj.m(a, *xs, k=v, **m)` of a local object (or a module's): the leading plain
        arguments and the named keywords as written, the rest as one tuple `*P` and one
        dict `**M`, bound by Python when the call runs (objects.method_forward hands the
        gradients of the parameters they fill back to P's elements and M's keys)."""
        lead, parts = self.spread_parts(expr, out)
        keywords, mappings = [], []
        for k in expr.keywords:
            if k.arg is None:
                mappings.append(k.value)
            else:
                keywords.append(gast.keyword(arg=k.arg, value=self.atom(k.value, out)))
        if len(mappings) > 1:
            self.error("more than one **mapping in one call (merge them into one dict "
                       "first)", expr)
        args = self.packed(lead, parts, out)
        if mappings:
            keywords.append(gast.keyword(arg=None, value=self.atom(mappings[0], out)))
        return gast.Call(func=self.callee(expr.func, out), args=args, keywords=keywords)

    def spread_parts(self, expr, out, limit=None) -> tuple[list, list]:
        """A call's positional arguments as (the leading plain ones, at most `limit`, as
        atoms; then the rest as tuples to join: each `*xs` as a tuple, each run of plain
        arguments between them as a tuple display)."""
        lead, parts, run = [], [], []
        for a in expr.args:
            if not parts and not run and not isinstance(a, gast.Starred) \
                    and (limit is None or len(lead) < limit):
                lead.append(self.atom(a, out))
            elif isinstance(a, gast.Starred):
                if run:
                    parts.append(self.atom(gast.Tuple(elts=run, ctx=gast.Load()), out,
                                           "passed"))
                    run = []
                parts.append(self.atom(self.as_tuple(a.value), out, "passed"))
            else:
                run.append(a)
        if run:
            parts.append(self.atom(gast.Tuple(elts=run, ctx=gast.Load()), out, "passed"))
        return lead, parts

    def packed(self, lead, parts, out) -> list:
        """The arguments of the call `spread_parts` split: the lead, then one `*P` joining
        the parts."""
        args = list(lead)
        if parts:
            joined = parts[0]
            for part in parts[1:]:
                joined = self.atom(binop(joined, gast.Add(), part), out, "passed")
            args.append(gast.Starred(value=joined, ctx=gast.Load()))
        return args

    def method_of_value(self, func) -> bool:
        """Whether `func` is `obj.m` (or `obj` itself, called) for a local `obj` that is
        not a module: a method resolved when the call runs, by the object's class
        (objects.method_forward), to which Python binds `*P` and `**M` itself."""
        if isinstance(func, gast.Attribute):
            func = func.value
        return isinstance(func, gast.Name) and func.id in self.locals \
            and func.id not in self.local_functions

    def as_tuple(self, expr):
        """`tuple(expr)` (a call pullback writes), or `expr` itself when it is the function's
        own `*args`, a tuple already (no statement rebinds it)."""
        vararg = self.parsed.tree.args.vararg
        if isinstance(expr, gast.Name) and vararg is not None and expr.id == vararg.id \
                and expr.id not in self.stored:
            return expr
        whole = gast.Call(func=load(self.namer.spelled_builtin("tuple")), args=[expr], keywords=[])
        BUILTIN.set(whole.func, builtins.tuple)  # pullback's own call
        return whole

    def builtin(self, func):
        """The builtin function `func` names (a name no local or global hides), or None."""
        if BUILTIN.of(func) is not None:
            return func.builtin  # a call pullback wrote
        if not isinstance(func, gast.Name) or func.id in self.locals \
                or func.id in self.local_functions:
            return None
        found = self.parsed.lookup(func.id)
        return found if found is getattr(builtins, func.id, None) else None

    def array_method(self, expr):
        """`x.sum(axis=0)` on a value of the function is `np.sum(x, axis=0)`: array
        methods become the NumPy functions that have derivative rules."""
        func = expr.func
        function = rules.array_method(func.attr) if isinstance(func, gast.Attribute) else None
        if function is None:
            return None
        head = dotted_name(func.value)
        known = head is not None and head.split(".")[0] not in self.locals
        if known and self.resolved(func.value).__class__ is not np.ndarray:
            return None  # a method of a module or global object: resolved as written
        # (an array the function reads from its module or closure, `X.dot(w)`: read
        # where the call runs, as the function reads it, and its method NumPy's function)
        if not known and not (isinstance(func.value, gast.Name)
                              and self.annotated_array(func.value.id)) \
                and (isinstance(func.value, gast.Name)
                     and self.user_method(func.value.id, func.attr)
                     or func.attr in self.user_class_methods()
                     or isinstance(func.value, gast.Name)
                     and func.value.id in parameters(self.parsed.tree.args)
                     and func.attr in self.module_class_methods()):
            return None  # `g.sum(x)` of a user class that defines sum: its own method, or
            # the array's (objects.method_forward decides by the receiver's kind)
        if "np" in self.locals:
            self.error(f"a method call .{func.attr}() in a function with a variable named np: "
                       f"pullback writes array methods as NumPy functions (np.{func.attr}); "
                       "rename the variable", expr)
        args = list(expr.args)
        if func.attr in ("reshape", "transpose") and (len(args) > 1 or any(
                isinstance(a, gast.Starred) for a in args)):  # x.reshape(2, 3), (*shape)
            args = [gast.Tuple(elts=args, ctx=gast.Load())]
        if func.attr == "clip" and len(args) == 1 and not any(
                k.arg in ("max", "a_max") for k in expr.keywords):  # x.clip(0): no upper
            args.append(gast.Constant(value=None, kind=None))  # bound, which np.clip needs
        call = gast.Call(func=attribute_chain(function), args=[func.value, *args],
                         keywords=expr.keywords)
        if func.attr == "flatten":  # a copy, where np.ravel may return a view
            return gast.Call(func=attribute_chain("np.copy"), args=[call], keywords=[])
        return call

    def annotated_array(self, name) -> bool:
        """Whether the parameter `name` is annotated as a NumPy array (`x: np.ndarray`,
        `x: NDArray[np.float64]`, as a string too) and no statement binds it again: its
        methods are the array's, whatever classes the module defines."""
        func = self.parsed.func
        try:
            found = inspect.get_annotations(func, eval_str=True).get(name)
        except Exception:  # noqa: BLE001 (an annotation that does not evaluate says nothing)
            return False
        if found is None or not (found is np.ndarray or typing.get_origin(found) is np.ndarray):
            return False
        return name not in self.stored

    def user_method(self, name, attr) -> bool:
        """Whether `name.attr` is a method a user class defines, with `name` the `self` of
        the method being lowered (its class found by its qualified name) or an object f
        builds of such a class (inlining.built_object_method)."""
        func = self.parsed.func
        path = getattr(func, "__qualname__", "").split(".")
        params = parameters(self.parsed.tree.args)
        if len(path) > 1 and "<locals>" not in path and params and name == params[0]:
            owner = getattr(func, "__globals__", {}).get(path[0])
            for part in path[1:-1]:
                owner = getattr(owner, part, None)
            if isinstance(owner, type) and inspect.isfunction(
                    inspect.getattr_static(owner, attr, None)):
                return True
        return self.built_object_method(name, attr) is not None

    def user_class_methods(self) -> set[str]:
        """The names of the plain Python functions that the user classes f names define
        (a class, or an object of one, read from f's globals): a local value may hold
        such an object (`u = -Vec(x, y)`, `u = UNIT`), whose `u.dot(w)` is its own
        method, not NumPy's, so it is not written as np.dot(u, w)."""
        if getattr(self, "_user_class_methods", None) is None:
            found = set()
            for n in walk(self.parsed.tree):
                if not isinstance(n, gast.Name) or n.id in self.locals:
                    continue
                obj = self.parsed.lookup(n.id)
                cls = obj if isinstance(obj, type) else type(obj)
                if cls.__module__ in ("builtins", "numpy") or is_library(cls):
                    continue
                for klass in cls.__mro__[:-1]:
                    found.update(k for k, v in vars(klass).items() if inspect.isfunction(v)
                                 and not is_library(v))
            self._user_class_methods = found
        return self._user_class_methods

    def module_class_methods(self) -> set[str]:
        """The names of the plain Python functions that the classes f's own module
        defines: a parameter may hold an object of one (`dist.mean()` of a Normal it
        defines), whose method then runs, not NumPy's."""
        if getattr(self, "_module_class_methods", None) is None:
            from ..runtime.objects import module_class_methods

            self._module_class_methods = module_class_methods(self.parsed.func)
        return self._module_class_methods

    def callee(self, func, out):
        dotted = dotted_name(func)
        if dotted is not None and (isinstance(func, gast.Name)
                                   or dotted.split(".")[0] not in self.locals
                                   or isinstance(func.value, gast.Name)):
            return func  # f(...), np.linalg.norm(...), x.copy(): resolved as written
        if isinstance(func, gast.Attribute):
            return gast.Attribute(value=self.atom(func.value, out), attr=func.attr,
                                  ctx=gast.Load())
        if isinstance(func, (gast.Subscript, gast.Call)):  # layers["a"](x), Kernel(s)(x): the
            # object taken out, or made, is called
            return self.atom(func, out, "callee")
        self.error("call of a computed callee (only names and attributes can be called)", func)
