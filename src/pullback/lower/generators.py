"""Generator functions consumed where they are called -> their bodies, run in place.

Guarantees: `for T in G(args): BODY`, where G is a generator function of the user's
defined in f's module, becomes a nested function holding G's body in which each `yield e`
is `T = e` followed by BODY, called once with the arguments: G's statements and BODY then
run interleaved exactly as Python runs them (G up to a yield, BODY, G again), and what
BODY assigns is f's (`nonlocal`). A `break` in BODY ends the loop (it returns from that
function), a `continue` ends the trip (BODY is a one-trip loop it breaks). A loop over
`zip(A, G(args), B, ...)` (one generator, anywhere) takes `list(A)`, `list(B)` first (each
a display without calls, a range, or a name neither f nor G changes in place) and at each
value of G stops when a list after G has no value left, as zip does after asking G; once a
list before G has none left it stops after that trip's BODY, without resuming G (zip asks
those first), and does not start G when one is empty; over `enumerate(G(args), start)` it
counts from start. `sum(G(args))`, and `list`, `tuple`, `sorted`, `min`, `max` and
`np.fromiter` (with a dtype: the array of the list) of one, consume it at once: the
statement is preceded by the loop collecting its values; `any` and `all` of one stop at
the value that decides, as Python does; so are a list comprehension over G, and a
generator expression over G given to one of those, whose element and conditions that loop
evaluates as it goes. `yield from E` in G is `for v in E: yield v`; `yield from G2(args)`
of a generator function G2 of the user's is G2's body in its place, its parameters bound
to the arguments first (G2 without `return`, not delegating to itself). Only when Python
too would run G there, once and before anything else in the statement but the calls G's
values are passed to, and calls of builtin, NumPy and math functions that only compute
written after it (`check_hoistable`). G's own names are made fresh; the guards check that
the name still denotes G when the gradient runs. Refused, located: a `return` in BODY,
`yield` or `yield from` used as a value, G consuming another generator other than by
`yield from G2(...)`, zip of two generators, G with `*args`, `**kwargs`, keyword-only
parameters, defaults other than constants, a G from another module or a closure that
delegates (`yield from`), G reading a global that f's names hide (a G from another module
or a closure reads its free names where it was defined, live, as an inlined call does),
and any other use of a generator of the user's (kept, passed on, iterated by hand), which
the check of f refuses anyway.

>>> from pullback.ir.naming import Namer, all_names
>>> from pullback.lower.example import parsed, show
>>> def squares(v):
...     for a in v:
...         yield a * a
>>> def f(x):
...     total = 0.0
...     for s in squares(x):
...         total = total + s
...     return total
>>> squares.__module__ = "user"  # (defined here, it would count as pullback's own)
>>> p = parsed(f)
>>> inline_generators(p.tree, Namer(all_names(p.tree)), p)
>>> show(p.tree, as_written=False)
def f(x):
    total = 0.0
<BLANKLINE>
    def squares_run(squares_v):
        nonlocal s, total
        for squares_a in squares_v:
            s = squares_a * squares_a
            total = total + s
    squares_run(x)
    return total
"""

from __future__ import annotations

import builtins
import functools
import inspect

import gast
import numpy as np

from .. import rules
from ..errors import PullbackError
from ..frontend.check import check, own_yields
from ..frontend.parse import is_library, parse_function
from ..ir.annotations import BUILTIN, ORIGIN
from ..ir.nodes import assign, call, clone, load, names, stored_in_order, walk
from .common import at_line, located_error, rename
from .inlining import Inlining
from .iterators import changed_in_place

# builtins that consume an iterable at once: a generator passed to one is collected first
CONSUMERS = (builtins.sum, builtins.list, builtins.tuple, builtins.sorted, builtins.min,
             builtins.max)
# builtins that stop at the first value deciding their result: run with a break
DECIDERS = (builtins.any, builtins.all)
# builtins that only compute: called after a generator in its statement (`sum(G(x)) /
# len(x)`), they may run after it as they do in Python
PURE = (builtins.len, builtins.abs, builtins.float, builtins.int, builtins.round,
        builtins.min, builtins.max, builtins.sum, builtins.pow, builtins.divmod,
        builtins.range, builtins.bool, builtins.complex)


def inline_generators(tree, namer, parsed) -> None:
    """Rewrite, in place, the consumptions of the user's generators in `tree`."""
    generators = Generators(tree, namer, parsed)
    if generators.nested or any(generators.generator(n) is not None for n in walk(tree)):
        generators.run()


class _Nested:
    """A generator function defined by a `def` in f's body (its tree, not an object)."""

    def __init__(self, fdef, location):
        self.__name__, self.tree, self.location = fdef.name, fdef, location


class Generators:
    # what the free names of a generator from another module or a closure denote where
    # its body runs: as for an inlined call (lower/inlining.py)
    free_names, module_name, closure_cell = (
        Inlining.free_names, Inlining.module_name, Inlining.closure_cell)

    def __init__(self, tree, namer, parsed):
        self.tree, self.namer, self.parsed = tree, namer, parsed
        self.nested = {s.name: _Nested(s, parsed.location) for s in tree.body
                       if own_yields(s)}  # (the check of f allows yields only there)
        self.local_functions, self.globals_names = set(self.nested), {}
        self.user_names = set(namer.taken)

    @property
    def locals(self) -> set:  # (free_names: the names f itself binds)
        return self.own

    @functools.cached_property
    def own(self) -> set:
        return {a.id for a in walk(self.tree.args) if isinstance(a, gast.Name)} | set(
            stored_in_order(self.tree))

    def error(self, what, node):
        located_error(what, node, self.parsed.location)

    def generator(self, node):
        """The generator function a call `node` makes, or None."""
        if not isinstance(node, gast.Call):
            return None
        if isinstance(node.func, gast.Name) and node.func.id in self.nested:
            return self.nested[node.func.id]
        try:
            func = self.parsed.resolve(node.func)
        except Exception:  # noqa: BLE001 (a name that resolves to nothing: not ours)
            return None
        if not inspect.isgeneratorfunction(func) or is_library(func):
            return None
        return func

    def run(self):
        self.check_nested()
        self.tree.body = self.block(self.tree.body)
        self.tree.body = [s for s in self.tree.body if s.__class__ is not gast.FunctionDef
                          or s.name not in self.nested]  # each ran where it was consumed
        for node in walk(self.tree):
            if isinstance(node, gast.Name) and node.id in self.nested:
                self.error(f"generator {node.id!r} used other than as the iterable of a for "
                           "loop or the argument of sum, list, tuple, sorted, min, max, any, "
                           "all or np.fromiter", node)
        for node in walk(self.tree):
            if self.generator(node) is not None:
                self.error("a call of a generator function other than as the iterable of "
                           "a for loop (in f, also as one argument of zip, or the first of "
                           "enumerate, there) or the argument of sum, list, tuple, sorted, "
                           "min, max, any, all or np.fromiter: pullback runs a generator in "
                           "place where it is consumed, not kept or passed on", node)

    def check_nested(self) -> None:
        """A generator defined in f's body is run in place only when its name is bound by
        its def alone, is read only after the def, and the def neither declares nonlocal
        or global names nor sits among the names the lowering reads as globals."""
        stored = [n.id for n in names(*self.tree.body) if n.ctx.__class__ is gast.Store]
        seen = set()
        for s in self.tree.body:
            if s.__class__ is gast.FunctionDef and s.name in self.nested:
                seen.add(s.name)
                if any(isinstance(n, (gast.Nonlocal, gast.Global)) for n in walk(s)):
                    self.error(f"nonlocal or global in generator {s.name!r}", s)
                if stored.count(s.name):
                    self.error(f"generator {s.name!r} is also assigned in f: pullback runs a "
                               "generator defined in f in place only under its one name", s)
                continue
            for n in names(s):
                if n.id in self.nested and n.id not in seen:
                    self.error(f"generator {n.id!r} read before its def", n)

    def block(self, stmts):
        out = []
        for s in stmts:
            out += self.collected(s)
            for field in ("body", "orelse", "finalbody"):
                if isinstance(getattr(s, field, None), list) and not isinstance(
                        s, gast.FunctionDef):
                    setattr(s, field, self.block(getattr(s, field)))
            for handler in getattr(s, "handlers", []):
                handler.body = self.block(handler.body)
            for case in getattr(s, "cases", []):
                case.body = self.block(case.body)
            if isinstance(s, gast.For) and self.loop_generator(s.iter) is not None:
                out += self.run_loop(s)
            else:
                out.append(s)
        return out

    def loop_generator(self, iterable):
        """The generator function a loop over `iterable` runs: `G(args)`, `zip(..., G(args),
        ...)` (G its one generator) or `enumerate(G(args)[, start])`; None for any other."""
        if self.generator(iterable) is not None:
            return self.generator(iterable)
        if not (isinstance(iterable, gast.Call) and iterable.args and not any(
                isinstance(a, gast.Starred) for a in iterable.args)):
            return None
        try:
            consumer = self.parsed.resolve(iterable.func)
        except Exception:  # noqa: BLE001 (a name that resolves to nothing: not ours)
            return None
        if consumer is builtins.enumerate:
            return self.generator(iterable.args[0])
        if consumer is builtins.zip:  # the one generator among its arguments
            found = [self.generator(a) for a in iterable.args if self.generator(a) is not None]
            return found[0] if len(found) == 1 else None
        return None

    def run_loop(self, loop) -> list:
        """`for T in G(args): BODY` run in place (`consumed`); over `zip(A, G(args), B,
        ...)`, the lists `list(A)`, `list(B)` (each a display without calls, a range of names
        and constants, or a name neither f nor G changes in place) taken first, and at each
        value of G: stop when a list after G has no value left (as zip does, after asking
        G), else `T = (A[k], value, B[k], ...)`, and after BODY stop (G not resumed) when a
        list before G has no value left; G not started when one is empty. Over
        `enumerate(G(args), start)`: `T = (k, value)`, k counting from start (evaluated
        first)."""
        if self.generator(loop.iter) is not None:
            return self.consumed(loop, self.generator(loop.iter))
        zipped, lineno = loop.iter, getattr(loop, "lineno", None)
        func = self.loop_generator(zipped)
        position = next(k for k, a in enumerate(zipped.args) if self.generator(a) is not None)
        at, item = self.namer.fresh("zip_at"), self.namer.fresh("item")
        out, parts, tail, before = [], [load(item)], [], []
        if self.parsed.resolve(zipped.func) is builtins.enumerate:
            start = zipped.args[1:] + [k.value for k in zipped.keywords if k.arg == "start"]
            if len(zipped.args) > 2 or any(k.arg != "start" for k in zipped.keywords):
                self.error("enumerate of a generator with other than a start", zipped)
            out.append(assign(at, start[0] if start else gast.Constant(value=0, kind=None)))
            parts, head = [load(at), load(item)], []
        else:
            if zipped.keywords:
                self.error("zip of a generator with keyword arguments", zipped)
            changed = changed_in_place(self.tree, self.parsed, {}) | changed_in_place(
                self.callee(loop, func).tree, self.parsed, {})
            out.append(assign(at, gast.Constant(value=0, kind=None)))
            head, parts = [], []
            for k, other in enumerate(zipped.args):
                if k == position:
                    parts.append(load(item))
                    continue
                if not self.snapshot_safe(other, changed):
                    self.error("zip of a generator with an iterable other than a display, a "
                               "range, or a name f and the generator never change in place",
                               other)
                rest = self.namer.fresh("zip_rest")
                out.append(assign(rest, gast.Call(func=load("list"), args=[other],
                                                  keywords=[])))
                BUILTIN.set(out[-1].value.func, builtins.list)
                ended = gast.Compare(left=load(at), ops=[gast.GtE()], comparators=[
                    call(self.namer.spelled_builtin("len"), load(rest))])
                if k < position:  # asked before G: once it has no value left, zip stops
                    before.append(ended)  # without resuming G
                else:  # asked after G has given its value
                    head.append(gast.If(test=ended, body=[gast.Break()], orelse=[]))
                parts.append(gast.Subscript(value=load(rest), slice=load(at), ctx=gast.Load()))
            if before:  # checked after each trip's body (a continue too): G not resumed
                ended = before[0] if len(before) == 1 else gast.BoolOp(op=gast.Or(),
                                                                       values=before)
                tail = [gast.If(test=ended, body=[gast.Return(value=gast.Constant(
                    value=None, kind=None))], orelse=[])]
        head.append(gast.Assign(targets=[loop.target], value=gast.Tuple(elts=parts,
                                                                         ctx=gast.Load())))
        head.append(assign(at, gast.BinOp(left=load(at), op=gast.Add(),
                                          right=gast.Constant(value=1, kind=None))))
        simple = gast.For(target=gast.Name(id=item, ctx=gast.Store(), annotation=None,
                                           type_comment=None),
                          iter=zipped.args[position], body=[at_line(h, lineno) for h in head]
                          + loop.body, orelse=[], type_comment=None)
        simple.lineno = lineno
        guard = gast.UnaryOp(op=gast.Not(), operand=clone(tail[0].test)) if before else None
        return [at_line(s, lineno) for s in out] + self.consumed(
            simple, func, [at_line(t, lineno) for t in tail], guard)

    def snapshot_safe(self, node, changed) -> bool:
        """A display without calls, a range of names and constants, or a name not in
        `changed`: its list, taken before the loop, is what zip would read."""
        if isinstance(node, gast.Name):
            return node.id not in changed
        if isinstance(node, (gast.List, gast.Tuple)):
            return not any(isinstance(n, gast.Call) for n in walk(node))
        return isinstance(node, gast.Call) and self.parsed.resolve(node.func) is builtins.range \
            and all(isinstance(a, (gast.Name, gast.Constant)) for a in node.args)

    def collected(self, s) -> list:
        """`sum(G(args))` in statement `s` -> the loop that collects G's values before
        `s`, and `sum(values)` in it (statements: none when `s` has no such call)."""
        if isinstance(s, (gast.If, gast.For)):  # a header evaluated once, before the body
            parts = [getattr(s, "iter", None) or getattr(s, "test", None)]
        elif isinstance(s, (gast.While, gast.Try, gast.With, gast.Match, gast.FunctionDef)):
            parts = []  # (a while test runs each trip; the bodies are blocks of their own)
        else:
            parts = [s]
        out = []
        for part in parts:
            for comp, at in self.comprehensions_over_generators(part):
                self.check_hoistable(part, at or comp)
                values = self.namer.fresh("values")
                decider = self.consumer(at) if at is not None else None
                decider = decider if decider in DECIDERS else None
                if decider is not None and len(comp.generators) > 1:
                    self.error(f"{decider.__name__} of a generator expression with two `for` "
                               "clauses over a generator (its break would end the inner "
                               "loop only): write the loops as for statements", at)
                loop = self.comprehension_loop(comp, values, decider)
                lineno = getattr(s, "lineno", None)
                start = gast.List(elts=[], ctx=gast.Load()) if decider is None else \
                    gast.Constant(value=decider is builtins.all, kind=None)
                out.append(at_line(assign(values, start), lineno))
                out += [at_line(new, lineno) for new in self.run_loop(loop)]
                if decider is not None:
                    _replace(part, at, load(values))
                elif at is None:  # a new list, as the comprehension's is (built by flatten)
                    copied = gast.Call(func=load("list"), args=[load(values)], keywords=[])
                    BUILTIN.set(copied.func, builtins.list)
                    _replace(part, comp, copied)
                else:
                    at.args[0] = load(values)
            calls = self.consumptions(part) if part else []
            together = len(calls) > 1 and self.check_together(part, calls)
            for c in calls:
                consumer = self.consumer(c)
                if not together:
                    self.check_hoistable(part, c)
                values, item = self.namer.fresh("values"), self.namer.fresh("item")
                lineno = getattr(s, "lineno", None)
                if consumer in DECIDERS:  # any / all: stop at the value that decides
                    first = consumer is builtins.all
                    test = load(item) if not first else gast.UnaryOp(op=gast.Not(),
                                                                      operand=load(item))
                    body = [gast.If(test=test, body=[assign(values, gast.Constant(
                        value=not first, kind=None)), gast.Break()], orelse=[])]
                    start = gast.Constant(value=first, kind=None)
                else:
                    body = [gast.Expr(value=call(gast.Attribute(
                        value=load(values), attr="append", ctx=gast.Load()), load(item)))]
                    start = gast.List(elts=[], ctx=gast.Load())
                loop = gast.For(target=gast.Name(id=item, ctx=gast.Store(), annotation=None,
                                                 type_comment=None),
                                iter=c.args[0], body=body, orelse=[], type_comment=None)
                out.append(at_line(assign(values, start), lineno))
                out += [at_line(new, lineno) for new in self.consumed(loop, self.generator(
                    loop.iter))]
                if consumer in DECIDERS:
                    _replace(part, c, load(values))
                    continue
                c.args[0] = load(values)
                if consumer is np.fromiter:  # of a list: the array of its values
                    if len(c.args) != 2 or c.keywords:
                        self.error("np.fromiter of a generator with other than a dtype", c)
                    array = self.namer.fresh("array")
                    self.parsed.aliases[array] = np.array
                    c.func = load(array)
        return out

    def consumptions(self, part) -> list:
        """The calls in `part` of sum, list, tuple, sorted, min, max, any, all or
        np.fromiter whose first argument is a call of a generator of the user's, in the
        order of the source (the order Python runs them in, for those check_together
        takes)."""
        found = [n for n in walk(part) if isinstance(n, gast.Call) and n.args
                 and self.generator(n.args[0]) is not None]
        found = [c for c in found if any(self.consumer(c) is k for k in CONSUMERS + DECIDERS)
                 or self.consumer(c) is np.fromiter]
        return sorted(found, key=lambda n: (getattr(n, "lineno", 0) or 0,
                                            getattr(n, "col_offset", 0) or 0))

    def check_together(self, part, calls) -> bool:
        """For a statement consuming several generators (`sum(G(x)) + max(G(x[:3]))`):
        whether they may all be run before it, each collected into a name of its own in
        the order Python runs them; refuse, located, when not. True when every call of
        the statement outside the generators' own calls `G(args)` and their consumers
        (given no keywords) computes without effects (`without_effects`) and is written
        after the first consumption (or encloses it), and each generator after the first
        (with the calls in its arguments) has no effects either (`effect_free`): then
        whatever runs after the first generator changes nothing, and its order does not
        matter. False (each consumption checked on its own, as before) when one of them
        sits inside another's arguments, or the statement also consumes one by a
        comprehension."""
        inside = [{id(n) for n in walk(c)} for c in calls]
        if any(other is not c and id(other) in ids
               for c, ids in zip(calls, inside) for other in calls) \
                or self.comprehensions_over_generators(part):
            return False
        for c in calls:
            self.check_hoistable(part, c, context_only=True)
            if c.keywords or len(c.args) != (2 if self.consumer(c) is np.fromiter else 1):
                self.error("a statement consuming several generators, one of them given "
                           "keywords or other arguments: collect each into a name on its "
                           "own line", c)
        for c in calls[1:]:
            gen = c.args[0]
            if not self.effect_free(self.generator(gen)) or any(
                    isinstance(n, gast.Call) and n is not gen and not self.without_effects(n)
                    for n in walk(gen)):
                self.error("a statement consuming several generators, a later one of which "
                           "(or a call in its arguments) may have effects: pullback runs "
                           "each before the statement; collect it into a name on its own "
                           "line", gen)
        parents = {id(child): n for n in walk(part) for child in gast.iter_child_nodes(n)}
        enclosing, at = set(), calls[0]
        while id(at) in parents:
            at = parents[id(at)]
            enclosing.add(id(at))
        generators = {i for c in calls for i in (id(n) for n in walk(c.args[0]))}
        consumers = {id(c) for c in calls}
        start = (calls[0].lineno, calls[0].col_offset)
        for n in walk(part):
            if not isinstance(n, gast.Call) or id(n) in generators | consumers:
                continue
            if not self.without_effects(n) or (
                    (n.lineno, n.col_offset) < start and id(n) not in enclosing):
                self.error("a generator consumed in a statement that also calls something "
                           "else before it, or something that may have effects (pullback "
                           "runs the generators first): collect it into a name on its own "
                           "line", calls[0])
        return True

    def effect_free(self, func) -> bool:
        """Whether generator `func` (f's module's, or defined in f) changes nothing as it
        runs: it writes no attribute, item or global, and calls only what computes without
        effects (`without_effects`, resolved as f resolves names)."""
        try:
            tree = func.tree if func.__class__ is _Nested else parse_function(func).tree
        except PullbackError:
            return False
        for node in walk(tree):
            if isinstance(node, (gast.Global, gast.Nonlocal, gast.YieldFrom, gast.Lambda,
                                 gast.ClassDef)) \
                    or isinstance(node, gast.FunctionDef) and node is not tree \
                    or isinstance(node, (gast.Attribute, gast.Subscript)) \
                    and not isinstance(node.ctx, gast.Load) \
                    or isinstance(node, gast.Call) and not self.without_effects(node):
                return False
        return True

    def consumer(self, c):
        """What the call `c` calls, or None."""
        try:
            return self.parsed.resolve(c.func)
        except Exception:  # noqa: BLE001 (a name that resolves to nothing)
            return None

    def check_hoistable(self, part, node, context_only=False) -> None:
        """Refuse, located, to run the generator `node` consumes before the statement
        `part` when Python would not run it there, once, first: when `node` is inside a
        comprehension (but its first iterable) or a lambda, in a branch of a conditional
        expression or after the first operand of `and`/`or`, or when `part` makes a call
        other than `node`'s own and those `node` is an argument of (which run after it)."""
        parents = {id(child): n for n in walk(part) for child in gast.iter_child_nodes(n)}
        enclosing, at = set(), node
        while id(at) in parents:
            parent = parents[id(at)]
            if isinstance(parent, (gast.ListComp, gast.GeneratorExp, gast.SetComp,
                                   gast.DictComp)) and at is not parent.generators[0] \
                    or isinstance(parent, gast.comprehension) and at is not parent.iter \
                    or isinstance(parent, gast.Lambda):
                self.error("a generator consumed inside a comprehension or lambda (pullback "
                           "runs it before the statement, where their names are not set): "
                           "write the loop as a for statement", node)
            if isinstance(parent, gast.IfExp) and at is not parent.test \
                    or isinstance(parent, gast.BoolOp) and at is not parent.values[0]:
                self.error("a generator consumed where it may not run (a branch of `a if c "
                           "else b`, or after `and`/`or`): pullback runs it before the "
                           "statement; consume it in an if statement", node)
            enclosing.add(id(parent))
            at = parent
        if context_only:  # (check_together checks the statement's other calls)
            return
        inner = {id(n) for n in walk(node)}
        end = (getattr(node, "end_lineno", None) or 0, getattr(node, "end_col_offset", None)
               or 0)
        if any(isinstance(n, gast.Call) and id(n) not in inner | enclosing
               and not (self.without_effects(n) and (n.lineno, n.col_offset) >= end)
               for n in walk(part)):
            self.error("a generator consumed in a statement that also calls something "
                       "else before it, or something that may have effects (pullback runs "
                       "the generator first): collect it into a name on its own line", node)

    def without_effects(self, node) -> bool:
        """A call of a builtin, NumPy or math function that only computes (PURE, ufuncs,
        NumPy and math functions with a derivative rule, not given `out=`): run after
        the generator, as Python runs a call written after it, it sees nothing the
        generator's effects could change."""
        if any(k.arg in ("out", None) for k in node.keywords):
            return False
        try:
            func = self.parsed.resolve(node.func)
        except Exception:  # noqa: BLE001 (a name that resolves to nothing)
            return False
        if any(func is p for p in PURE):
            return True
        module = str(getattr(func, "__module__", None) or "")
        return isinstance(func, np.ufunc) or (
            module.split(".")[0] in ("numpy", "math") and rules.lookup(func) is not None)

    def comprehensions_over_generators(self, part) -> list:
        """(comprehension, consumer call or None) for each comprehension in `part` whose
        first `for` iterates over a generator of the user's and that is consumed at once:
        a list comprehension, or a generator expression as the one argument of sum, list,
        tuple, sorted, min or max (check_hoistable refuses those it cannot run first)."""
        found = []
        for node in walk(part) if part is not None else []:
            if isinstance(node, gast.ListComp) and self.loop_generator(
                    node.generators[0].iter) is not None:
                found.append((node, None))
            elif isinstance(node, gast.Call) and len(node.args) == 1 and not node.keywords \
                    and isinstance(node.args[0], gast.GeneratorExp) \
                    and self.loop_generator(node.args[0].generators[0].iter) is not None:
                try:
                    consumer = self.parsed.resolve(node.func)
                except Exception:  # noqa: BLE001
                    consumer = None
                if any(consumer is k for k in CONSUMERS + DECIDERS):
                    found.append((node.args[0], node))
        return found

    def comprehension_loop(self, comp, values, decider=None):
        """`[E for T in G(args) if C for U in us]` -> `for T in G(args): if C: for U in us:
        values.append(E)`, its targets renamed fresh (a comprehension's names are its
        own): E and the conditions run interleaved with G, as Python runs them."""
        targets = set(stored_in_order(*[g.target for g in comp.generators]))
        renamed = {t: self.namer.fresh(t) for t in sorted(targets)}
        comp = clone(comp)
        for g in comp.generators[1:]:
            rename(g, renamed)
        for g in comp.generators[:1]:
            rename(g.target, renamed)
            for cond in g.ifs:
                rename(cond, renamed)
        rename(comp.elt, renamed)
        body = [gast.Expr(value=call(gast.Attribute(value=load(values), attr="append",
                                                    ctx=gast.Load()), comp.elt))]
        if decider is not None:  # any / all: stop at the value that decides
            first = decider is builtins.all
            test = comp.elt if not first else gast.UnaryOp(op=gast.Not(), operand=comp.elt)
            body = [gast.If(test=test, body=[assign(values, gast.Constant(
                value=not first, kind=None)), gast.Break()], orelse=[])]
        for g in reversed(comp.generators):
            for cond in reversed(g.ifs):
                body = [gast.If(test=cond, body=body, orelse=[])]
            body = [gast.For(target=g.target, iter=g.iter, body=body, orelse=[],
                             type_comment=None)]
        return body[0]

    def consumed(self, loop, func, tail=(), guard=None) -> list:
        """`for T in G(args): BODY` -> `def G_run(params): nonlocal ...; <G's body with
        each yield: T = e; BODY; TAIL>` and `G_run(args)` (TAIL: statements run after each
        trip's body, a `continue` in it too; `guard`: a test the call runs under)."""
        callee = self.callee(loop, func)
        body = self.loop_body(loop) + list(tail)
        shared = sorted(set(stored_in_order(*body, loop.target)))
        if self.foreign(func) and any(isinstance(n, gast.YieldFrom) for n in walk(callee.tree)):
            self.error(f"generator {func.__name__!r}, defined in another module or inside a "
                       "function other than f, delegates (yield from): pullback runs such a "
                       "generator in place only when it yields its values itself", loop.iter)
        fdef = _without_yield_from(self.expanded(clone(callee.tree), [func], callee.location))
        params = [a.id for a in fdef.args.args + fdef.args.posonlyargs]
        own = sorted(set(params) | set(stored_in_order(*fdef.body)))
        renamed = {v: self.namer.fresh(f"{func.__name__}_{v}") for v in own}
        for node in walk(fdef):
            if getattr(node, "lineno", None) is not None:
                if ORIGIN.of(node) is None:  # (a generator's it delegates to: its own)
                    ORIGIN.set(node, (callee.location, node.lineno))
                node.lineno = getattr(loop, "lineno", None)
        setup = []
        if self.foreign(func):  # its free names read what they read where it was defined
            free = {n.id for n in walk(fdef) if isinstance(n, gast.Name)} - set(own)
            renamed.update(self.free_names(callee, free, fdef.body, setup))
        rename(fdef.args, renamed)
        for s in fdef.body:
            rename(s, renamed)
        for node in walk(fdef):  # the run's value is never read
            if isinstance(node, gast.Return) and node.value is None:
                node.value = gast.Constant(value=None, kind=None)
        fdef.body = self.replace_yields(fdef.body, loop.target, body)
        for node in walk(fdef):
            if self.generator(node) is not None:
                self.error(f"generator {func.__name__!r} consumes another generator other "
                           "than by `yield from G(...)`: pullback runs generators in place "
                           "where they are consumed", node)
        if shared:
            fdef.body.insert(0, gast.Nonlocal(names=shared))
        fdef.name = self.namer.fresh(f"{func.__name__}_run")
        fdef.decorator_list = []
        run = gast.Expr(value=gast.Call(func=load(fdef.name), args=loop.iter.args,
                                        keywords=loop.iter.keywords))
        lineno = getattr(loop, "lineno", None)
        fdef.lineno = lineno
        head = loop.iter.func.id if isinstance(loop.iter.func, gast.Name) else None
        if head is not None and func.__class__ is not _Nested \
                and self.parsed.is_rebindable(head):
            self.parsed.inlined[None, head] = func  # guarded: the name must still be G
        if guard is not None:
            run = gast.If(test=guard, body=[run], orelse=[])
        return [at_line(st, lineno) for st in setup] + [fdef, at_line(run, lineno)]

    def foreign(self, func) -> bool:
        """Whether generator `func` was defined in another module or in a function other
        than f (a closure): its free names are then read where it was defined."""
        return func.__class__ is not _Nested and (
            func.__globals__ is not getattr(self.parsed.func, "__globals__", None)
            or bool(func.__closure__))

    def expanded(self, tree, running, location, outer=frozenset()):
        """`tree` (a generator's def) with each statement `yield from G2(args)`, G2 a
        generator function of the user's, replaced by G2's body: its parameters bound to
        the arguments first, its names made fresh, its yields G's own (what delegating to
        it does: G2 runs up to each of its yields, which G's consumer receives). G2's
        own `yield from` are expanded alike; refused, located: G2 among the generators
        being expanded (`running`: it would never end), a `return` in G2 (it would end
        G), arguments other than positional and keyword ones, G2 reading a global that a
        name of G (or of a generator G delegates from: `outer`) hides where G2's body
        runs."""
        outer = outer | {a.id for a in walk(tree.args) if isinstance(a, gast.Name)} | set(
            stored_in_order(*tree.body))
        for node in walk(tree):
            for field in ("body", "orelse", "finalbody"):
                stmts = getattr(node, field, None)
                if not isinstance(stmts, list) or not any(
                        _delegates(st) and self.generator(st.value.value) for st in stmts):
                    continue
                out = []
                for st in stmts:
                    inner = self.generator(st.value.value) if _delegates(st) else None
                    out += [st] if inner is None else self.delegated(
                        st.value.value, inner, running, location, outer)
                setattr(node, field, out)
        return tree

    def delegated(self, made, func, running, location, outer) -> list:
        """The statements `yield from func(...)` (the call `made`, in the generator whose
        file and lines `location` has) stands for."""
        name = func.__name__

        def error(what):
            located_error(what, made, location)

        if func in running:
            error(f"generator {name!r} delegates to itself (yield from): pullback runs "
                  "generators in place, which a recursive one has no end of")
        if any(isinstance(a, gast.Starred) for a in made.args) or any(
                k.arg is None for k in made.keywords):
            error(f"yield from {name}(...) with *args or **kwargs")
        where = gast.For(target=gast.Name(id="_", ctx=gast.Store(), annotation=None,
                                          type_comment=None), iter=made, body=[], orelse=[])
        callee = self.callee(where, func, location)
        args = {a.id for a in walk(callee.tree.args) if isinstance(a, gast.Name)}
        free = {n.id for n in walk(callee.tree) if isinstance(n, gast.Name)} - set(
            stored_in_order(callee.tree)) - args
        if free & outer:  # (one defined in f reads f's names: hidden there too)
            error(f"generator {name!r} reads the global {sorted(free & outer)[0]!r}, which a "
                  "name of the generator delegating to it hides where its body runs in place; "
                  "rename one of them")
        tree = self.expanded(clone(callee.tree), [*running, func], callee.location, outer)
        for node in walk(tree):
            if isinstance(node, gast.Return):
                located_error(f"return in generator {name!r}, which a generator delegates to "
                              "(yield from): pullback runs its body in place of the yield from, "
                              "where a return would end the generator around it", node,
                              callee.location)
            if getattr(node, "lineno", None) is not None and ORIGIN.of(node) is None:
                ORIGIN.set(node, (callee.location, node.lineno))
        params = [a.id for a in tree.args.posonlyargs + tree.args.args]
        defaults = dict(zip(params[len(params) - len(tree.args.defaults):],
                            tree.args.defaults))
        given = dict(zip(params, made.args))
        for k in made.keywords:
            if k.arg not in params or k.arg in given:
                error(f"yield from {name}(...) with an argument {name} does not take")
            given[k.arg] = k.value
        if len(made.args) > len(params) or set(params) - set(given) - set(defaults):
            error(f"yield from {name}(...) with too many or too few arguments")
        own = sorted(set(params) | set(stored_in_order(*tree.body)))
        renamed = {v: self.namer.fresh(f"{name}_{v}") for v in own}
        for st in tree.body:
            rename(st, renamed)
        bound = []  # the arguments in the order written, then the defaults
        for p in [*[p for p in params if p in given and p in dict(zip(params, made.args))],
                  *[k.arg for k in made.keywords]]:
            bound.append(assign(renamed[p], given[p]))
        bound += [assign(renamed[p], clone(defaults[p])) for p in params if p not in given]
        line = getattr(made, "lineno", None)
        return [at_line(b, line) for b in bound] + tree.body

    def callee(self, loop, func, location=None):
        """G's checked Parsed, refusing the forms this lowering does not cover (located in
        f, or at `location`: the generator delegating to G)."""

        def error(what, node):
            located_error(what, node, location or self.parsed.location)

        name = func.__name__
        if func.__class__ is _Nested:
            callee = func
        elif location is not None and self.foreign(func):
            error(f"generator {name!r} defined in another module or inside a function "
                  "other than f, delegated to by yield from: pullback runs such a generator "
                  "in place where f consumes it, not where another delegates to it", loop.iter)
        else:
            try:
                callee = parse_function(func)
            except PullbackError as exc:
                error(f"generator {name!r}: {exc}", loop.iter)
        args = callee.tree.args
        if args.vararg or args.kwarg or args.kwonlyargs or any(
                not isinstance(d, gast.Constant) for d in args.defaults):
            error(f"generator {name!r} with *args, **kwargs, keyword-only parameters or "
                  "defaults other than constants", loop.iter)
        tree = _without_yield_from(clone(callee.tree))
        for node in walk(tree):
            if isinstance(node, gast.Yield) and not any(
                    isinstance(s, gast.Expr) and s.value is node for s in walk(tree)):
                located_error("yield used as a value (x = yield ...)", node, callee.location)
        for node in walk(tree):  # check the body as f's own, its yields as plain statements
            for field in ("body", "orelse", "finalbody"):
                stmts = getattr(node, field, None)
                if isinstance(stmts, list):
                    setattr(node, field, [gast.Pass() if _is_yield(s) else s for s in stmts])
            if isinstance(node, gast.Return) and node.value is None:
                node.value = gast.Constant(value=None, kind=None)
        check(tree, callee.location)
        free = {n.id for n in walk(callee.tree) if isinstance(n, gast.Name)} - set(
            stored_in_order(callee.tree)) - {a.id for a in walk(args) if isinstance(a, gast.Name)}
        hidden = sorted(free & (self.own | set(stored_in_order(*loop.body, loop.target))))
        if hidden and func.__class__ is not _Nested and not self.foreign(func):
            # (one defined in f reads f's names; one from elsewhere reads its own)
            error(f"generator {name!r} reads the global {hidden[0]!r}, which f's own "
                  f"variable of that name hides where the generator runs in place; "
                  "rename one of them", loop.iter)
        return callee

    def loop_body(self, loop) -> list:
        """BODY, its `break` a return from G's run and its `continue` the end of a one-trip
        loop around it; a `return` in it is refused."""
        body = loop.body
        jumps = []
        for s in body:
            for node in _outside_loops(s):
                if isinstance(node, gast.Return):
                    self.error("return inside a loop over a generator (pullback runs the "
                               "generator's code in place); set a variable and break", node)
                if isinstance(node, (gast.Break, gast.Continue)):
                    jumps.append(node)
        if not jumps:
            return body
        if any(isinstance(j, gast.Continue) for j in jumps):
            once = self.namer.fresh("once")
            body = [gast.For(target=gast.Name(id=self.namer.fresh("trip"), ctx=gast.Store(),
                                              annotation=None, type_comment=None),
                             iter=call(self.namer.spelled_builtin("range"), gast.Constant(
                                 value=1, kind=None)),
                             body=_replace_jumps(body, {gast.Continue: gast.Break,
                                                        gast.Break: "stop"}, once),
                             orelse=[], type_comment=None)]
            body.append(gast.If(test=load(once), body=[gast.Return(
                value=gast.Constant(value=None, kind=None))], orelse=[]))
            body.insert(0, assign(once, gast.Constant(value=False, kind=None)))
            return body
        return _replace_jumps(body, {gast.Break: gast.Return}, None)

    def replace_yields(self, stmts, target, body):
        out = []
        for s in stmts:
            if _is_yield(s):
                lineno = getattr(s, "lineno", None)
                out.append(at_line(gast.Assign(targets=[clone(target)], value=s.value.value
                                               or gast.Constant(value=None, kind=None),
                                               type_comment=None), lineno))
                out += [at_line(clone(b), lineno) for b in body]
                continue
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(s, field, None)
                if isinstance(inner, list) and not isinstance(s, gast.FunctionDef):
                    setattr(s, field, self.replace_yields(inner, target, body))
            for handler in getattr(s, "handlers", []):
                handler.body = self.replace_yields(handler.body, target, body)
            out.append(s)
        return out


def _replace(tree, old, new) -> None:
    """Put `new` where `old` is in `tree` (a field or a list item of its parent)."""
    for node in walk(tree):
        for field, value in gast.iter_fields(node):
            if value is old:
                setattr(node, field, new)
            elif isinstance(value, list) and any(v is old for v in value):
                setattr(node, field, [new if v is old else v for v in value])


def _delegates(stmt) -> bool:
    """`yield from <call>` as a statement."""
    return isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.YieldFrom) \
        and isinstance(stmt.value.value, gast.Call)


def _without_yield_from(tree):
    """`tree` with each statement `yield from E` written `for v in E: yield v` (what it
    does for a plain iterable; the value of `yield from` as an expression, other than a
    statement, stays refused as a yield used as a value)."""
    taken = set(stored_in_order(tree)) | {n.id for n in walk(tree) if isinstance(n, gast.Name)}
    for node in walk(tree):
        for field in ("body", "orelse", "finalbody"):
            stmts = getattr(node, field, None)
            if not isinstance(stmts, list):
                continue
            for i, s in enumerate(stmts):
                if isinstance(s, gast.Expr) and isinstance(s.value, gast.YieldFrom):
                    name = next(f"yielded_{k}" for k in range(len(taken) + 1)
                                if f"yielded_{k}" not in taken)
                    taken.add(name)
                    target = gast.Name(id=name, ctx=gast.Store(), annotation=None,
                                       type_comment=None)
                    loop = gast.For(target=target, iter=s.value.value, body=[
                        gast.Expr(value=gast.Yield(value=load(name)))], orelse=[],
                                    type_comment=None)
                    stmts[i] = gast.copy_location(loop, s)
                    for n in walk(loop):
                        if getattr(n, "lineno", None) is None and isinstance(
                                n, (gast.stmt, gast.expr)):
                            n.lineno = s.lineno
    return tree


def _is_yield(stmt) -> bool:
    return isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Yield)


def _outside_loops(stmt):
    """The nodes of `stmt` outside loops and functions nested in it (the jumps there
    belong to the loop being rewritten)."""
    stack = [stmt]
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (gast.For, gast.While, gast.FunctionDef, gast.Lambda)):
            stack.extend(gast.iter_child_nodes(node))


def _replace_jumps(stmts, mapping, flag):
    """The statements with their own break/continue (outside inner loops) replaced:
    by the statement class `mapping` gives, or by "stop": set `flag`, then break."""
    out = []
    for s in stmts:
        kind = mapping.get(type(s))
        if kind == "stop":
            out += [assign(flag, gast.Constant(value=True, kind=None)), gast.Break()]
            continue
        if kind is gast.Return:
            out.append(gast.Return(value=gast.Constant(value=None, kind=None)))
            continue
        if kind is not None:
            out.append(kind())
            continue
        if isinstance(s, (gast.If, gast.Try, gast.With, gast.Match)):
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(s, field, None)
                if isinstance(inner, list):
                    setattr(s, field, _replace_jumps(inner, mapping, flag))
            for handler in getattr(s, "handlers", []):
                handler.body = _replace_jumps(handler.body, mapping, flag)
            for case in getattr(s, "cases", []):
                case.body = _replace_jumps(case.body, mapping, flag)
        out.append(s)
    return out
