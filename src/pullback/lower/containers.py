"""Dicts and list updates -> the reads, tests and writes they stand for: `dict(...)`,
`d.get`, `d.setdefault`, `d.update`, `values.pop(i)`, `min`/`max` of several values or with
`default=`, and namedtuples built from a sequence (`NT(*xs)`, `NT._make(xs)`).

Guarantees: `dict_names` lists the names the function binds to dicts it builds (a
name bound to a dict in one place and to another value in another is refused, since
loops iterate a dict's keys but other sequences' elements), `set_names` those that only
ever hold sets it builds (iterated, like a dict's keys, as a list of their elements);
`dict(...)` (and `P.copy()` of a dict f reads from its module, closure or a held object) is
a dict built by a display or a comprehension, `{**a, k: v}` one built by writes in the
display's order; `d.get(k, v)` is `d[k]`
if `has_key(d, k)` else `v`; `d.setdefault(k, v)` writes `d[k] = v` when the key is
absent (only on a dict the function built); `d.update({k: v}, name=w)` of such a dict
is its writes `d[k] = v` after every key and value is evaluated; `values.pop(i)` is a
read of `values[i]` and then the list update that removes it (marked `list_update`,
with `popped` the read); `min(a, b, c)` is `min(min(a, b), c)`; `NT(*xs)` and `NT._make(xs)` are
`NT(P[0], ..., P[n-1])` after Python's TypeError for a length that does not fit
(`namedtuple_call`).

>>> from pullback.lower.example import lowered, show
>>> def f(x, weights):
...     scale = weights.get("scale", 1.0)
...     return x * scale
>>> show(lowered(f))
def f(x, weights):
    present = has_key(weights, 'scale')
    if present:
        choice = weights['scale']
    else:
        choice = 1.0
    scale = choice
    out = x * scale
    return out
"""

from __future__ import annotations

import builtins
import math

import gast

from ..ir.annotations import LIST_UPDATE, POPPED
from ..ir.nodes import (
    assign,
    call,
    clone,
    const,
    dotted_name,
    if_,
    load,
    not_,
    parameters,
    store,
    tuple_of,
    walk,
)
from .common import at_line
from .comprehensions import for_clause


def dict_names(tree, flatten, nodes=None) -> set[str]:
    """Names the function binds to dicts it builds (displays and comprehensions). A name
    bound to a dict in one place and to something else in another is refused: loops
    iterate a dict's keys and other sequences' elements, and pullback must know which.
    (`nodes`: `walk(tree)`, when the caller has it, or of its nodes at least the
    statements, comprehensions, attributes, subscripts and names not read, in its order.)"""
    kinds: dict = {}
    for node in walk(tree) if nodes is None else nodes:
        if isinstance(node, (gast.Assign, gast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, gast.Assign) else [node.target]
            is_dict = isinstance(node.value, (gast.Dict, gast.DictComp)) or (
                isinstance(node.value, gast.Call) and isinstance(node.value.func, gast.Name)
                and node.value.func.id == "dict"
                and flatten.parsed.lookup("dict") is builtins.dict) \
                or copies_a_dict(node.value, flatten)
            for t in targets:
                if isinstance(t, gast.Name):
                    kinds.setdefault(t.id, set()).add(is_dict)
        elif isinstance(node, (gast.For, gast.AugAssign)):  # (a comprehension's variables
            # are its own: `for q in qs` there is not f's q, and the lowering renames them)
            for n in walk(node.target):  # d[k] += v rebinds d[k], not d
                if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                    kinds.setdefault(n.id, set()).add(False)
    for name, found in kinds.items():
        if found == {True, False}:
            where = next(n for n in walk(tree) if isinstance(n, gast.Name) and n.id == name)
            flatten.error(f"{name!r} holds a dict in one place and another value in another "
                          "(give the dict its own name)", where)
    return {name for name, found in kinds.items() if found == {True}}


def copies_a_dict(value, flatten) -> bool:
    """Whether `value` is `P.copy()` (or `obj.params.copy()`) of a dict f reads from its
    module, closure or a held object: exactly a dict (a defaultdict's or OrderedDict's
    copy is not `dict(P)`), not a local name shadowing one."""
    if not (isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute)
            and value.func.attr == "copy" and not value.args and not value.keywords):
        return False
    dotted = dotted_name(value.func)
    if dotted is None or dotted.split(".")[0] in flatten.locals:
        return False
    method = flatten.parsed.resolve(value.func)
    return type(getattr(method, "__self__", None)) is dict \
        and getattr(method, "__name__", None) == "copy"


def set_names(tree, flatten, nodes=None) -> set[str]:
    """Names that only ever hold sets the function builds: every binding of the name is
    an assignment of a set display, a set comprehension or a call of the builtin `set`
    or `frozenset` (never a parameter, a loop or unpacking target, ...). Loops, `sorted`,
    `min` and `max` iterate such a set as the list of its elements (`key_list`), which
    carry no gradient: a set of values being differentiated is refused where it is
    made (no derivative rule for set)."""
    def is_set(value):
        if isinstance(value, (gast.Set, gast.SetComp)):
            return True
        if isinstance(value, gast.Call) and isinstance(value.func, gast.Name):
            found = flatten.parsed.lookup(value.func.id)
            return found is builtins.set or found is builtins.frozenset
        return False

    ok: dict = {}
    assigned = set()
    for node in walk(tree) if nodes is None else nodes:  # breadth first: an assignment
        # before its targets
        if isinstance(node, (gast.Assign, gast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, gast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, gast.Name):
                    assigned.add(id(t))
                    ok[t.id] = ok.get(t.id, True) and is_set(node.value)
        elif node.__class__ is gast.Name and not isinstance(node.ctx, gast.Load) \
                and id(node) not in assigned:
            ok[node.id] = False  # a parameter, loop target, unpacking, del, ...
    return {name for name, only_sets in ok.items() if only_sets}


def mapping_names(tree, nodes=None) -> set[str]:
    """Parameters the function never rebinds and reads as mappings: `X.items()`,
    `X.keys()`, `X.values()`, `X.get(...)`, `X["key"]`, or `X[k]` with k the variable of a
    loop (or comprehension) over `X` or `sorted(X)`. Loops over one, and `sorted`, `min`
    and `max` of one, iterate its keys (`key_list`, which refuses, when it runs, a value
    that is not a mapping or a set: a list or array there is never taken for one)."""
    params = set(parameters(tree.args))  # not names read in defaults or annotations
    if not params:
        return set()

    def iterated(over):  # X for X, sorted(X, ...), list(X), and a name bound once to one
        if isinstance(over, gast.Call) and isinstance(over.func, gast.Name) \
                and over.func.id in ("sorted", "list", "reversed") and len(over.args) == 1:
            over = over.args[0]
        if isinstance(over, gast.Name) and over.id in keys_of:
            return keys_of[over.id]
        return over.id if isinstance(over, gast.Name) else None

    # one walk collects what the questions below need
    signature = {id(n) for part in (tree.args, *getattr(tree, "decorator_list", ()),
                                    getattr(tree, "returns", None))
                 if part is not None for n in walk(part)}
    bindings: dict = {}
    rebound: set = set()  # names bound in the body (not the signature)
    assigns, loops = [], []
    read: set = set()
    subscripts = []
    for node in walk(tree) if nodes is None else nodes:
        cls = node.__class__
        if cls is gast.Name:
            if not isinstance(node.ctx, gast.Load):
                bindings[node.id] = bindings.get(node.id, 0) + 1
                if id(node) not in signature:
                    rebound.add(node.id)
        elif cls is gast.Assign:
            assigns.append(node)
        elif cls is gast.For or cls is gast.comprehension:
            loops.append(node)
        elif cls is gast.Attribute and isinstance(node.value, gast.Name) \
                and node.attr in ("items", "keys", "values", "get"):
            read.add(node.value.id)
        elif cls is gast.Subscript and isinstance(node.value, gast.Name):
            if isinstance(node.slice, gast.Constant) and isinstance(node.slice.value, str):
                read.add(node.value.id)
            elif isinstance(node.slice, gast.Name):
                subscripts.append((node.value.id, node.slice.id))
    if not read and not subscripts:
        return set()
    keys_of: dict = {}  # keys = sorted(X): keys -> X
    for node in assigns:
        if len(node.targets) == 1 and isinstance(node.targets[0], gast.Name) \
                and bindings.get(node.targets[0].id) == 1 and isinstance(node.value, gast.Call):
            source = iterated(node.value)
            if source is not None and source != node.targets[0].id:
                keys_of[node.targets[0].id] = source
    loop_targets: dict = {}  # X -> the names of loops over X or sorted(X)
    for node in loops:
        if isinstance(node.target, gast.Name):
            over = iterated(node.iter)
            if over is not None:
                loop_targets.setdefault(over, set()).add(node.target.id)
    read |= {x for x, k in subscripts if k in loop_targets.get(x, ())}
    return (read & params) - rebound


class Containers:
    """The container lowerings of `Flatten` (flatten.py), whose state they use."""

    def container_call(self, expr, out):
        """dict(...), d.get, d.setdefault, and min/max of three or more values or with
        default=, as the reads, tests and writes they stand for; None for any other call."""
        func, args = expr.func, expr.args
        made = self.namedtuple_call(expr, out)
        if made is not None:
            return made
        keywords = {k.arg: k.value for k in expr.keywords}
        found = self.builtin(func)
        if found is builtins.dict:
            return self.dict_call(expr, out)
        if copies_a_dict(expr, self):  # P.copy() of a module's dict: dict(P)
            return self.dict_call(gast.Call(func=func, args=[self.atom(func.value, out)],
                                            keywords=[]), out)
        if isinstance(func, (gast.Name, gast.Attribute)) and dotted_name(func) is not None \
                and dotted_name(func).endswith("hypot") and not keywords \
                and (len(args) != 2 or isinstance(args[0], gast.Starred)) \
                and dotted_name(func).split(".")[0] not in self.locals \
                and self.resolved(func) is math.hypot:
            # math.hypot(a, b, c) and math.hypot(*xs): math_hypot_n of one sequence, whose
            # rule differentiates in each coordinate (rules/stdlib.py)
            if len(args) == 1 and isinstance(args[0], gast.Starred):
                return self.simple(call("math_hypot_n", args[0].value), out)
            if not any(isinstance(a, gast.Starred) for a in args):
                return self.simple(call("math_hypot_n", gast.Tuple(elts=list(args),
                                                                   ctx=gast.Load())), out)
        if found in (builtins.min, builtins.max) and any(isinstance(a, gast.Starred)
                                                         for a in args):
            return self.spread_min_max(expr, out)
        if found in (builtins.min, builtins.max) and "key" not in keywords \
                and None not in keywords and not any(isinstance(a, gast.Starred) for a in args):
            if set(keywords) - {"default"} or ("default" in keywords and len(args) != 1):
                self.error(f"{func.id}() form (use {func.id}(values, default=...) or "
                           f"{func.id}(a, b, ...))", expr)
            if "default" in keywords:  # min(values, default=d): d when values is empty
                items = self.sequence(args[0], out)
                length = call(self.namer.spelled_builtin("len"), items)
                some = gast.Compare(left=length, ops=[gast.Gt()],
                                    comparators=[const(0)])
                return self.simple(gast.IfExp(test=some, body=gast.Call(
                    func=func, args=[items], keywords=[]), orelse=keywords["default"]), out)
            if len(args) > 2:  # min(a, b, c) is min(min(a, b), c): the first of equal ones
                first = gast.Call(func=func, args=args[:2], keywords=[])
                return self.simple(gast.Call(func=func, args=[first, *args[2:]],
                                             keywords=[]), out)
            return None
        if isinstance(func, gast.Attribute) and func.attr == "update" \
                and isinstance(func.value, gast.Name) and func.value.id in self.dicts \
                and None not in keywords and len(args) <= 1 \
                and all(isinstance(a, gast.Dict) and None not in a.keys for a in args):
            return self.dict_update(func.value, args, expr.keywords, out)
        if not (isinstance(func, gast.Attribute) and func.attr in ("get", "setdefault")
                and isinstance(func.value, gast.Name) and func.value.id in self.locals
                and not expr.keywords and 1 <= len(args) <= 2):
            return None
        mapping = func.value
        key = self.atom(args[0], out)
        default = args[1] if len(args) == 2 else const(None)
        present = self.namer.fresh("present")
        out.append(assign(present, call("has_key", mapping, key)))
        if func.attr == "get":  # d[k] if k is in d else the default
            return self.simple(gast.IfExp(test=load(present), body=gast.Subscript(
                value=mapping, slice=key, ctx=gast.Load()), orelse=default), out)
        if mapping.id not in self.dicts:
            self.error(f"{mapping.id}.setdefault on a dict the function did not build (it "
                       f"would change it; copy it first: {mapping.id} = dict({mapping.id}))",
                       expr)
        absent = self.namer.fresh("absent")
        out.append(assign(absent, not_(load(present))))
        body: list = []
        value = self.atom(default, body)
        body.append(assign(gast.Subscript(value=mapping, slice=key, ctx=gast.Store()), value))
        out.append(if_(load(absent), body))
        return gast.Subscript(value=mapping, slice=key, ctx=gast.Load())

    def dict_update(self, mapping, displays, keywords, out):
        """`d.update({k: v, ...}, name=w)` of a dict the function built: every key and
        value evaluated first, in Python's order, then the writes `d[k] = v` in the same
        order (the last of equal keys wins, as in update); its value None."""
        pairs = [(self.atom(k, out), self.atom(v, out)) for a in displays
                 for k, v in zip(a.keys, a.values)]
        pairs += [(const(k.arg), self.atom(k.value, out)) for k in keywords]
        for key, value in pairs:
            out.append(assign(gast.Subscript(value=mapping, slice=key, ctx=gast.Store()),
                              value))
        return const(None)

    def namedtuple_class(self, func):
        """The namedtuple class (collections.namedtuple or typing.NamedTuple, or a class
        deriving from one without its own `__new__`) that `func` names, or None."""
        dotted = dotted_name(func)
        if dotted is None or dotted.split(".")[0] in self.locals:
            return None
        cls = self.resolved(func)
        if not (isinstance(cls, type) and issubclass(cls, tuple)
                and isinstance(getattr(cls, "_fields", None), tuple)):
            return None
        base = next((k for k in cls.__mro__ if tuple in k.__bases__), None)
        made = getattr(base, "__dict__", {}).get("_make")
        new = getattr(base, "__dict__", {}).get("__new__")
        if base is None or not isinstance(new, staticmethod) or cls.__new__ is not new.__func__ \
                or not isinstance(made, classmethod) \
                or getattr(cls._make, "__func__", None) is not made.__func__:
            return None
        return cls

    def namedtuple_call(self, expr, out):
        """`NT(*xs)` (`NT(a, *xs)`) and `NT._make(xs)` of a namedtuple class NT with fields
        f0 ... fn-1: the values packed into P (a tuple; for `_make`, the values iterating
        xs give), Python's TypeError raised when len(P) does not fit the fields (for
        `NT(*xs)`, a field with a default may be left out), then `NT(P[0], ..., P[n-1])`,
        a field P does not reach taking its default: the construction pullback follows
        field by field. None for any other call."""
        func, args = expr.func, expr.args
        making = isinstance(func, gast.Attribute) and func.attr == "_make"
        cls = self.namedtuple_class(func.value if making else func)
        if cls is None or (not making and not any(isinstance(a, gast.Starred)
                                                  for a in args)):
            return None
        fields, defaults = cls._fields, cls._field_defaults
        name = cls.__name__
        if making and (len(args) != 1 or expr.keywords
                       or isinstance(args[0], gast.Starred)):
            self.error(f"{name}._make form (use {name}._make(values))", expr)
        if not making and expr.keywords:
            self.error(f"{name}(*values) beside keyword arguments (pass the fields one by "
                       "one, or all through *values)", expr)
        if not making and any(not isinstance(v, (int, float, complex, str, bool, type(None)))
                              for v in defaults.values()):
            self.error(f"{name}(*values) of a namedtuple whose defaults are not numbers or "
                       "strings (pass the fields one by one)", expr)
        lineno = getattr(expr, "lineno", self.lineno)
        if making:
            packed = self.sequence(args[0], out)
        else:
            packed = self.atom(gast.Tuple(elts=args, ctx=gast.Load()), out, "passed")
        count = self.namer.fresh("count")
        out.append(at_line(assign(count, call(self.namer.spelled_builtin("len"), packed)),
                           lineno))
        least = len(fields) if making else len(fields) - len(defaults)
        if making:
            message = f"Expected {len(fields)} arguments (the fields of {name})"
        else:
            message = (f"{name}() takes {least} to {len(fields)} positional arguments"
                       if least < len(fields) else
                       f"{name}() takes {len(fields)} positional arguments") \
                + f" ({', '.join(fields)})"
        wrong = gast.BoolOp(op=gast.Or(), values=[
            gast.Compare(left=load(count), ops=[gast.Lt()], comparators=[const(least)]),
            gast.Compare(left=load(count), ops=[gast.Gt()],
                         comparators=[const(len(fields))])])
        refuse = gast.Raise(exc=gast.Call(func=load("TypeError"), args=[const(message)],
                                          keywords=[]), cause=None)
        out.extend(self.block([at_line(if_(wrong, [at_line(refuse, lineno)]), lineno)]))
        values = []
        for i, field in enumerate(fields):
            read = gast.Subscript(value=clone(packed), slice=const(i), ctx=gast.Load())
            if i >= least:  # a field P may not reach: its default
                read = gast.IfExp(test=gast.Compare(left=load(count), ops=[gast.Gt()],
                                                    comparators=[const(i)]),
                                  body=read, orelse=const(defaults[field]))
            values.append(read)
        built = gast.Call(func=clone(func.value if making else func), args=values,
                          keywords=[])
        return self.simple(at_line(built, lineno), out)

    def spread_min_max(self, expr, out):
        """`min(*xs)`, `max(a, *xs, key=f)`: the positional arguments packed into one tuple
        P, then `min(P[0])` when P holds one value (Python's min iterates its only
        argument) and `min(P)` otherwise (a P with no value raises as Python does,
        though a ValueError where Python raises a TypeError)."""
        func = expr.func
        if {k.arg for k in expr.keywords} - {"key"}:
            self.error(f"{func.id}(*values) with default= or **mapping (Python refuses "
                       "default= beside several values; write "
                       f"{func.id}(values, default=...))", expr)
        packed = self.atom(gast.Tuple(elts=expr.args, ctx=gast.Load()), out, "passed")
        one = gast.Compare(left=call(self.namer.spelled_builtin("len"), packed),
                           ops=[gast.Eq()], comparators=[const(1)])
        first = gast.Subscript(value=clone(packed), slice=const(0), ctx=gast.Load())
        return self.simple(gast.IfExp(
            test=one,
            body=gast.Call(func=clone(func), args=[first], keywords=expr.keywords),
            orelse=gast.Call(func=clone(func), args=[clone(packed)],
                             keywords=[clone(k) for k in expr.keywords])), out)

    def dict_call(self, expr, out, result=None):
        """dict(k=v, ...), dict(zip(keys, values)), dict(pairs), dict(d), dict(**d): a dict
        built by a display or a comprehension."""
        args = expr.args
        if not args and [k.arg for k in expr.keywords] == [None]:  # dict(**m): dict(m)
            expr = gast.Call(func=expr.func, args=[self.atom(expr.keywords[0].value, out)],
                             keywords=[])
            args = expr.args
        if any(k.arg is None for k in expr.keywords) or len(args) > 1:
            self.error("dict() form (use dict(k=v, ...), dict(zip(keys, values)), "
                       "dict(pairs) or dict(d))", expr)
        if args:
            source = args[0]
            inner = self.builtin(source.func) if isinstance(source, gast.Call) else None
            k, v = self.namer.fresh("key"), self.namer.fresh("value")
            if isinstance(source, gast.Name):  # a mapping: its items (key_list refuses
                items = gast.Call(func=gast.Attribute(  # a list or tuple at run time)
                    value=source, attr="items", ctx=gast.Load()), args=[], keywords=[])
            elif inner in (builtins.zip, builtins.enumerate) or isinstance(
                    source, (gast.List, gast.Tuple, gast.ListComp, gast.GeneratorExp)):
                items = source  # pairs
            else:
                self.error("dict() of something pullback cannot tell is a mapping or pairs "
                           "(use dict(zip(keys, values)), dict(d) or a dict comprehension)",
                           expr)
            comp = gast.DictComp(key=load(k), value=load(v), generators=[for_clause(
                tuple_of(store(k), store(v), ctx=gast.Store()), items)])
            built = self.comprehension(comp, out, result)
        else:  # dict(k=v, ...): the display {'k': v, ...} (its values in the same order)
            built = load(result or self.namer.fresh("mapping"))
            values = [self.atom(keyword.value, out) for keyword in expr.keywords]
            out.append(assign(built.id, gast.Dict(
                keys=[const(keyword.arg) for keyword in expr.keywords], values=values)))
            self.dicts.add(built.id)
            return built
        for keyword in expr.keywords:
            value = self.atom(keyword.value, out)
            out.append(assign(gast.Subscript(value=load(built.id), slice=const(keyword.arg),
                                             ctx=gast.Store()), value))
        self.dicts.add(built.id)
        return built

    def merged_dict(self, expr, out, result=None):
        """`{**a, k: v, **b}`: a dict built by writes in Python's order: each mapping's
        items written as a loop over them, each pair as `d[k] = v`, so a later key
        overrides an earlier one as in the display."""
        if result is None:
            result = self.namer.fresh("mapping")
            self.built.add(result)  # (its only name once bound: moved, not shared)
        out.append(assign(result, gast.Dict(keys=[], values=[])))
        lineno = getattr(expr, "lineno", self.lineno)
        for key, value in zip(expr.keys, expr.values):
            if key is not None:
                written = self.atom(key, out), self.atom(value, out)
                out.append(assign(gast.Subscript(value=load(result), slice=written[0],
                                                 ctx=gast.Store()), written[1]))
                continue
            k, v = self.namer.fresh("key"), self.namer.fresh("value")
            items = gast.Call(func=gast.Attribute(value=self.atom(value, out), attr="items",
                                                  ctx=gast.Load()), args=[], keywords=[])
            out.extend(self.block([at_line(gast.For(
                target=tuple_of(store(k), store(v), ctx=gast.Store()), iter=items,
                body=[at_line(assign(gast.Subscript(value=load(result), slice=load(k),
                                                    ctx=gast.Store()), load(v)), lineno)],
                orelse=[], type_comment=None), lineno)]))
        self.dicts.add(result)
        return load(result)

    def pop(self, expr, out):
        """`values.pop(i)`: a read of values[i], then the update that removes it;
        `d.pop(k)` and `d.pop(k, default)` on a dict the function built likewise."""
        name = expr.func.value.id
        if name in self.dicts:
            return self.dict_pop(expr, out)
        if len(expr.args) > 1 or expr.keywords:
            self.error("pop() form (use values.pop() or values.pop(i))", expr)
        index = self.atom(expr.args[0], out) if expr.args else const(-1)
        popped = self.namer.fresh(f"{name}_popped")
        out += self.popping(name, index, popped)
        return load(popped)

    def popping(self, name, index, popped):
        """[popped = name[index], the update `name.pop(index)` that removes it]."""
        read = assign(popped, gast.Subscript(value=load(name), slice=index, ctx=gast.Load()))
        update = gast.Expr(value=gast.Call(func=gast.Attribute(
            value=load(name), attr="pop", ctx=gast.Load()), args=[clone(index)],
            keywords=[]))
        LIST_UPDATE.set(update, "pop")
        POPPED.set(update, read)  # the value to put back
        return [read, update]

    def dict_pop(self, expr, out):
        """`d.pop(k)`: the read d[k] (a KeyError when k is absent, as in Python), then the
        update removing k; `d.pop(k, default)`: that if k is in d, else the default (which
        Python evaluates either way)."""
        name = expr.func.value.id
        if expr.keywords or not 1 <= len(expr.args) <= 2:
            self.error(f"pop() form on a dict (use {name}.pop(key) or "
                       f"{name}.pop(key, default))", expr)
        key = self.atom(expr.args[0], out)
        popped = self.namer.fresh(f"{name}_popped")
        if len(expr.args) == 1:
            out += self.popping(name, key, popped)
            return load(popped)
        default = self.atom(expr.args[1], out)
        present = self.namer.fresh("present")
        out.append(assign(present, call("has_key", load(name), key)))
        out.append(if_(load(present), self.popping(name, clone(key), popped),
                       [assign(popped, clone(default))]))
        return load(popped)
