"""Comprehensions, and the builtins that build sequences (list, tuple, map, filter,
zip, enumerate, reversed, sorted, d.items(), min/max with key=) -> loops that append to
a new list (or write a new dict's keys).

Guarantees on the output: `[elt for v in xs if c]` (and a generator expression, which
is consumed where it stands) is a fresh list `items = []` filled by a loop of
`items.append(elt)`, whose variables get fresh names (`v_item`), lowered like any
loop; `{k: v for ...}` writes the keys of a fresh dict; `map`, `filter`, `zip`,
`enumerate`, `reversed` and `d.values()` used as values are lists built this way;
`sorted(xs, key=f)` reads `xs` at `sort_order(keys)`, and `min`/`max` with `key=` at
`index_of_min(keys)` / `index_of_max(keys)`, the keys built by a comprehension (so the
positions, not the key function, decide); `zip(*rows)` is `transposed(rows)`.

>>> from pullback.lower.example import lowered, show
>>> def f(xs):
...     squares = [x * x for x in xs if x > 0]
...     return sum(squares)
>>> show(lowered(f))
def f(xs):
    squares = []
    n = loop_len(xs)
    steps = range(n)
    for k in steps:
        x_item = xs[k]
        cond = x_item > 0
        if cond:
            mul = x_item * x_item
            squares.append(mul)
    out = sum(squares)
    return out
"""

from __future__ import annotations

import builtins
import functools
import itertools
from collections.abc import Mapping

import gast

from ..frontend.parse import MISSING
from ..ir.annotations import BUILTIN
from ..ir.nodes import (
    assign,
    binop,
    call,
    clone,
    const,
    dotted_name,
    if_,
    load,
    store,
    tuple_of,
    walk,
)
from .common import at_line, mapping_view, rename

# The itertools functions whose iterators pullback builds as lists of their values
# (Comprehensions.itertools_list): pairwise, accumulate, product (repeat= an int written
# out), chain, chain.from_iterable, combinations, combinations_with_replacement and
# permutations (r an int written out: loops; else positions counted when the code runs).
ITERTOOLS = {"pairwise": itertools.pairwise, "accumulate": itertools.accumulate,
             "product": itertools.product, "chain": itertools.chain,
             "chain.from_iterable": itertools.chain.from_iterable,
             "combinations": itertools.combinations,
             "combinations_with_replacement": itertools.combinations_with_replacement,
             "permutations": itertools.permutations}


def placeholders(sequences, func) -> list[str]:
    """Names for the elements of `sequences` in a comprehension pullback writes (the
    comprehension renames them): the sequence's name, else `item`; distinct, and
    none of the names `func` reads."""
    avoid = {n.id for n in walk(func) if isinstance(n, gast.Name)} if func else set()
    names: list[str] = []
    for i, seq in enumerate(sequences):
        name = seq.id if isinstance(seq, gast.Name) else "item"
        if name in avoid or name in names:
            name = f"item{i}"
        names.append(name)
    return names


def for_clause(target, iter_):
    """The clause `for target in iter_` of a comprehension."""
    return gast.comprehension(target=target, iter=iter_, ifs=[], is_async=0)


class Comprehensions:
    """The comprehension and sequence lowerings of `Flatten` (flatten.py), whose state
    they use."""

    def starred_zip(self, expr):
        """`zip(*rows)` as `transposed(rows)`, a list of tuples; any other expression as is."""
        if not (isinstance(expr, gast.Call) and self.builtin(expr.func) is builtins.zip
                and any(isinstance(a, gast.Starred) for a in expr.args)):
            return expr
        if len(expr.args) != 1 or expr.keywords:
            self.error("zip with *rows beside other arguments (write zip(*rows))", expr)
        found = gast.Call(func=load("transposed"), args=[expr.args[0].value], keywords=[])
        return at_line(found, getattr(expr, "lineno", None))

    def sequence_call(self, expr, out):
        """Builtins over sequences, and list.pop, as the loops and reads they stand for;
        None for any other call."""
        if self.starred_zip(expr) is not expr:
            return self.simple(self.starred_zip(expr), out)
        func, args = expr.func, expr.args
        head = dotted_name(func)
        if head is not None and head.split(".")[0] not in self.locals \
                and self.resolved(func) is functools.reduce:
            return self.reduce(expr, out)
        tool = self.itertool(expr)
        if tool is not None:
            return self.itertools_list(tool, expr, out)
        if isinstance(func, gast.Attribute) and func.attr == "pop" \
                and isinstance(func.value, gast.Name) and func.value.id in self.locals:
            return self.pop(expr, out)
        head = dotted_name(func.value) if isinstance(func, gast.Attribute) else ""
        if isinstance(func, gast.Attribute) and func.attr in ("values", "items", "keys") \
                and not args and not expr.keywords \
                and (head is None or head.split(".")[0] in self.locals):
            return self.comprehension(self.as_list_comp(expr), out)  # d.values(): a list
        found = self.builtin(func)
        keywords = {k.arg: k.value for k in expr.keywords}
        if found in (builtins.list, builtins.tuple):
            if keywords or len(args) > 1:
                self.error(f"{func.id}() with more than one argument", expr)
            if not args:
                return (gast.List if found is builtins.list else gast.Tuple)(
                    elts=[], ctx=gast.Load())
            items = self.comprehension(self.as_list_comp(expr.args[0]), out)
            if found is builtins.list:
                return items
            return gast.Call(func=func, args=[items], keywords=[])  # a tuple of the new list
        if found in (builtins.map, builtins.reversed, builtins.zip, builtins.enumerate,
                     builtins.filter):
            return self.comprehension(self.as_list_comp(expr), out)  # used up where it stands
        if found in (builtins.min, builtins.max) and "key" in keywords \
                and not any(isinstance(a, gast.Starred) for a in args):
            if set(keywords) != {"key"} or not args:
                self.error(f"{func.id}() with default= (or without values)", expr)
            seq = args[0] if len(args) == 1 else gast.List(elts=args, ctx=gast.Load())
            items = self.sequence(seq, out)
            keys = self.keys(items, keywords["key"], out)
            at = self.namer.fresh("at")
            out.append(assign(at, call(f"index_of_{func.id}", keys)))
            return gast.Subscript(value=items, slice=load(at), ctx=gast.Load())
        if found is builtins.sorted:
            if len(args) != 1 or set(keywords) - {"key", "reverse"}:
                self.error("sorted() form (use sorted(values, key=..., reverse=...))", expr)
            items = self.sequence(args[0], out)
            keys = self.keys(items, keywords["key"], out) if "key" in keywords else items
            reverse = [self.atom(keywords["reverse"], out)] if "reverse" in keywords else []
            order = self.namer.fresh("order")
            out.append(assign(order, call("sort_order", keys, *reverse)))
            at = self.namer.fresh("at")
            return self.comprehension(gast.ListComp(
                elt=gast.Subscript(value=items, slice=load(at), ctx=gast.Load()),
                generators=[for_clause(store(at), load(order))]), out)
        return None

    def sequence(self, expr, out):
        """An atom for the values iterating `expr` gives: a list built for an iterator
        (zip, enumerate, map, reversed, d.items() ...), else the value itself."""
        expr = self.starred_zip(expr)
        callee = self.resolved(expr.func) if isinstance(expr, gast.Call) else None
        if callee in (builtins.zip, builtins.enumerate, builtins.map, builtins.reversed,
                      builtins.filter) or mapping_view(expr, callee, MISSING):
            return self.comprehension(self.as_list_comp(expr), out)
        made_set = self.makes_set(expr) or self.known_mapping(expr)
        atom = self.atom(expr, out)
        if isinstance(atom, gast.Name) and (atom.id in self.dicts or atom.id in self.keyed
                                            or made_set):
            keys = self.namer.fresh("keys")  # a dict's values are its keys (a set's: its own)
            out.append(assign(keys, call("key_list", atom)))
            return load(keys)
        return atom

    def makes_set(self, expr) -> bool:
        """A set display or comprehension, or a call of the builtin set or frozenset:
        iterated as the list of its elements (key_list)."""
        return isinstance(expr, (gast.Set, gast.SetComp)) or (
            isinstance(expr, gast.Call) and isinstance(expr.func, gast.Name)
            and self.builtin(expr.func) in (builtins.set, builtins.frozenset))

    def known_mapping(self, expr) -> bool:
        """A name (or attribute chain) the function does not bind that denotes a dict or a
        set when it is transformed: one of its module or closure, or an object's it reads
        (`for k in CONFIG`, `sorted(model.params)`). Iterated as its keys (key_list, which
        refuses, when it runs, a value that is no longer a mapping or a set)."""
        dotted = dotted_name(expr) if isinstance(expr, (gast.Name, gast.Attribute)) else None
        if dotted is None or dotted.split(".")[0] in self.locals:
            return False
        return isinstance(self.parsed.resolve_dotted(dotted), (Mapping, set, frozenset))

    def keys(self, items, key, out):
        """[key(t) for t in items], built under a fresh name."""
        elt = placeholders([items], key)[0]
        comp = gast.ListComp(elt=gast.Call(func=key, args=[load(elt)], keywords=[]),
                             generators=[for_clause(store(elt), items)])
        return self.comprehension(comp, out, self.namer.fresh("keys"))

    def as_list_comp(self, expr):
        """The list comprehension building the list that iterating `expr` gives."""
        expr = self.starred_zip(expr)
        if isinstance(expr, (gast.ListComp, gast.GeneratorExp)):
            return gast.ListComp(elt=expr.elt, generators=expr.generators)
        found = self.builtin(expr.func) if isinstance(expr, gast.Call) else None
        if found is builtins.map:
            if expr.keywords or len(expr.args) < 2:
                self.error("map() form (use map(function, values, ...))", expr)
            names = placeholders(expr.args[1:], expr.args[0])
            elt = gast.Call(func=expr.args[0], args=[load(n) for n in names], keywords=[])
            if len(names) == 1:
                return gast.ListComp(elt=elt, generators=[for_clause(store(names[0]),
                                                                     expr.args[1])])
            zipped = gast.Call(func=load("zip"), args=expr.args[1:], keywords=[])
            BUILTIN.set(zipped, builtins.zip)
            target = tuple_of(*[store(n) for n in names], ctx=gast.Store())
            return gast.ListComp(elt=elt, generators=[for_clause(target, zipped)])
        if found is builtins.filter:  # [v for v in values if test(v)]
            if expr.keywords or len(expr.args) != 2:
                self.error("filter() form (use filter(function, values))", expr)
            test, values = expr.args
            name = placeholders([values], test)[0]
            keep = load(name) if isinstance(test, gast.Constant) and test.value is None \
                else gast.Call(func=test, args=[load(name)], keywords=[])
            generator = for_clause(store(name), values)
            generator.ifs = [keep]
            return gast.ListComp(elt=load(name), generators=[generator])
        if found is builtins.list and len(expr.args) == 1 and not expr.keywords:
            return self.as_list_comp(expr.args[0])
        callee = self.resolved(expr.func) if isinstance(expr, gast.Call) else None
        width = 1
        if callee is builtins.zip:
            width = len(expr.args)
        elif callee is builtins.enumerate or (
                isinstance(expr, gast.Call) and isinstance(expr.func, gast.Attribute)
                and expr.func.attr == "items" and not expr.args):
            width = 2
        names = placeholders(expr.args if width > 1 and callee is builtins.zip else
                              [expr] * width, None)
        if width == 1:
            return gast.ListComp(elt=load(names[0]), generators=[for_clause(store(names[0]),
                                                                            expr)])
        return gast.ListComp(elt=tuple_of(*[load(n) for n in names]), generators=[for_clause(
            tuple_of(*[store(n) for n in names], ctx=gast.Store()), expr)])

    def itertool(self, expr):
        """The name of the itertools function a call makes its iterator with (ITERTOOLS),
        or None."""
        head = dotted_name(expr.func) if isinstance(expr, gast.Call) else None
        if head is None:
            return None
        head = head.split(".")[0]
        if head in self.locals or head in self.local_functions:  # (no union per call)
            return None
        found = self.resolved(expr.func)
        return next((name for name, tool in ITERTOOLS.items()
                     if found is tool or (found == tool and callable(found))), None)

    def itertools_list(self, tool, expr, out):
        """An itertools iterator as the list of the values it gives, built by loops (see
        ITERTOOLS); its arguments evaluated once, in order."""
        args, keywords = expr.args, {k.arg: k.value for k in expr.keywords}
        forms = {"pairwise": (1, 1, ()), "accumulate": (1, 2, ("func", "initial")),
                 "product": (0, None, ("repeat",)), "chain": (0, None, ()),
                 "chain.from_iterable": (1, 1, ()), "combinations": (2, 2, ("r",)),
                 "combinations_with_replacement": (2, 2, ("r",)),
                 "permutations": (1, 2, ("r",))}
        least, most, names = forms[tool]
        chosen = tool in ("combinations", "combinations_with_replacement", "permutations")
        if chosen and "r" in keywords:
            args, keywords = [*args, keywords.pop("r")], {}
        if any(isinstance(a, gast.Starred) for a in args) or None in keywords \
                or set(keywords) - set(names) or len(args) < least \
                or (most is not None and len(args) > most):
            self.error(f"itertools.{tool} form", expr)
        lineno = getattr(expr, "lineno", self.lineno)
        if tool == "accumulate":
            return self.accumulate(args, keywords, out, lineno)
        constant = args[1] if chosen and len(args) > 1 else keywords.get("repeat", const(1))
        written = isinstance(constant, gast.Constant) and type(constant.value) is int \
            and constant.value >= 0
        if chosen and (not written or tool == "permutations" and len(args) == 1):
            return self.chosen_when_run(tool, args, out, lineno)
        if tool == "product" and not written:
            self.error(f"itertools.{tool} with a count that is not an int written out", expr)
        seqs = [self.sequence(a, out) for a in args[:1 if chosen else None]]
        names = placeholders(seqs, None)
        if tool == "pairwise":  # [(s[i], s[i + 1]) for i in range(len(s) - 1)]
            at = self.namer.fresh("at")
            steps = call(self.namer.spelled_builtin("range"), binop(
                call(self.namer.spelled_builtin("len"), seqs[0]), gast.Sub(), const(1)))
            pair = tuple_of(gast.Subscript(value=clone(seqs[0]), slice=load(at),
                                           ctx=gast.Load()),
                            gast.Subscript(value=clone(seqs[0]), slice=binop(
                                load(at), gast.Add(), const(1)), ctx=gast.Load()))
            comp = gast.ListComp(elt=pair, generators=[for_clause(store(at), steps)])
        elif tool == "product":  # [(a, b) for a in A for b in B], A, B repeated
            seqs, names = seqs * constant.value, [self.namer.fresh(n) for n in
                                                  names * constant.value]
            comp = gast.ListComp(elt=tuple_of(*[load(n) for n in names]), generators=[
                for_clause(store(n), clone(q)) for n, q in zip(names, seqs)])
        elif chosen:  # positions i0 < i1 < ... (<=, all different) of the sequence
            at = [self.namer.fresh("at") for _ in range(constant.value)]
            length = call(self.namer.spelled_builtin("len"), seqs[0])
            generators = []
            for i, a in enumerate(at):
                start = const(0) if i == 0 or tool == "permutations" else load(at[i - 1]) \
                    if tool == "combinations_with_replacement" else \
                    binop(load(at[i - 1]), gast.Add(), const(1))
                generators.append(for_clause(store(a), call(
                    self.namer.spelled_builtin("range"), start, clone(length))))
                if tool == "permutations" and i:
                    generators[-1].ifs = [gast.Compare(left=load(a), ops=[gast.NotIn()],
                                                       comparators=[tuple_of(*map(load, at[:i]))])]
            comp = gast.ListComp(elt=tuple_of(*[gast.Subscript(
                value=clone(seqs[0]), slice=load(a), ctx=gast.Load()) for a in at]),
                generators=generators)
        else:  # chain(a, b), chain.from_iterable(parts): each part's values in turn
            parts = tuple_of(*seqs) if tool == "chain" else seqs[0]
            part, value = self.namer.fresh("part"), self.namer.fresh("value")
            comp = gast.ListComp(elt=load(value), generators=[
                for_clause(store(part), parts), for_clause(store(value), load(part))])
        return self.comprehension(at_line(comp, lineno), out)

    def chosen_when_run(self, tool, args, out, lineno):
        """combinations(xs, r), combinations_with_replacement(xs, r) or permutations(xs[,
        r]) with r counted when the code runs: `[tuple([xs[k] for k in p]) for p in
        chosen_positions(tool, len(xs), r)]`, the positions carrying no derivative (as
        range's), the values read from xs at them."""
        seq = self.sequence(args[0], out)
        count = args[1] if len(args) > 1 else const(None)
        p, k = self.namer.fresh("positions"), self.namer.fresh("at")
        positions = call("chosen_positions", const(tool), call(
            self.namer.spelled_builtin("len"), clone(seq)), count)
        values = gast.ListComp(elt=gast.Subscript(value=clone(seq), slice=load(k),
                                                  ctx=gast.Load()),
                               generators=[for_clause(store(k), load(p))])
        comp = gast.ListComp(elt=call(self.namer.spelled_builtin("tuple"), values),
                             generators=[for_clause(store(p), positions)])
        return self.comprehension(at_line(comp, lineno), out)

    def accumulate(self, args, keywords, out, lineno):
        """itertools.accumulate(values[, func][, initial=v]) as the loop it stands for:
        `acc = initial` (or the first value) and each later `acc = func(acc, value)`
        (`acc + value` without func), each appended to a new list."""
        items = self.sequence(args[0], out)
        func = args[1] if len(args) > 1 else keywords.get("func")
        if isinstance(func, gast.Constant) and func.value is None:
            func = None
        result, acc, at = (self.namer.fresh(n) for n in ("accumulated", "acc", "at"))
        self.built.add(result)
        out.append(at_line(assign(result, gast.List(elts=[], ctx=gast.Load())), lineno))

        def step(value):
            new = binop(load(acc), gast.Add(), value) if func is None else \
                gast.Call(func=clone(func), args=[load(acc), value], keywords=[])
            return [assign(acc, new), gast.Expr(value=call(gast.Attribute(
                value=load(result), attr="append", ctx=gast.Load()), load(acc)))]

        length = call(self.namer.spelled_builtin("len"), clone(items))
        initial = keywords.get("initial")
        if initial is not None and not (isinstance(initial, gast.Constant)
                                        and initial.value is None):
            first = [assign(acc, initial), gast.Expr(value=call(gast.Attribute(
                value=load(result), attr="append", ctx=gast.Load()), load(acc)))]
            loop = gast.For(target=store(at), iter=call(self.namer.spelled_builtin("range"),
                                                          length), body=step(
                gast.Subscript(value=clone(items), slice=load(at), ctx=gast.Load())),
                orelse=[], type_comment=None)
            body = first + [loop]
        else:
            first = [assign(acc, gast.Subscript(value=clone(items), slice=const(0),
                                                ctx=gast.Load())),
                     gast.Expr(value=call(gast.Attribute(value=load(result), attr="append",
                                                         ctx=gast.Load()), load(acc)))]
            loop = gast.For(target=store(at), iter=call(self.namer.spelled_builtin("range"),
                                                          const(1), clone(length)), body=step(
                gast.Subscript(value=clone(items), slice=load(at), ctx=gast.Load())),
                orelse=[], type_comment=None)
            body = [if_(gast.Compare(left=length, ops=[gast.Gt()], comparators=[const(0)]),
                        first + [loop])]
        out.extend(self.block([at_line(s, lineno) for s in body]))
        return load(result)

    def reduce(self, expr, out):
        """functools.reduce(function, values[, initial]) as the loop it stands for:
        `acc = initial` (or the first value), then `acc = function(acc, value)` for each
        value after it; without `initial`, empty values raise Python's TypeError."""
        args = expr.args
        if expr.keywords or not 2 <= len(args) <= 3:
            self.error("functools.reduce form (use reduce(function, values[, initial]))", expr)
        lineno = getattr(expr, "lineno", self.lineno)
        values = self.atom(args[1], out)
        acc = self.namer.fresh("acc")
        if len(args) == 3:
            out.append(assign(acc, self.atom(args[2], out)))
            rest = values
        else:
            out.append(assign(self.namer.fresh("unused"), call("reduce_check", values)))
            out.append(assign(acc, gast.Subscript(value=values, slice=const(0),
                                                  ctx=gast.Load())))
            rest = gast.Subscript(value=values, slice=gast.Slice(lower=const(1), upper=None,
                                                                 step=None), ctx=gast.Load())
        item = self.namer.fresh("item")
        step = gast.Call(func=clone(args[0]), args=[load(acc), load(item)], keywords=[])
        loop = gast.For(target=store(item), iter=rest, body=[at_line(assign(acc, step), lineno)],
                        orelse=[], type_comment=None)
        out.extend(self.block([at_line(loop, lineno)]))
        return load(acc)

    def comprehension(self, expr, out, result=None):
        """[elt for v in xs if c ...] (or a generator expression): a list built by loops
        that append; {k: v for ...}: a dict built by loops that write its keys. The
        comprehension's own variables get fresh names."""
        is_dict = isinstance(expr, gast.DictComp)
        if result is None:
            result = self.namer.fresh("mapping" if is_dict else "items")
            self.built.add(result)
        out.append(assign(result, gast.Dict(keys=[], values=[]) if is_dict else
                          gast.List(elts=[], ctx=gast.Load())))
        expr = clone(expr)
        renamed = {}
        for i, gen in enumerate(expr.generators):
            if i > 0:  # iterables after the first are evaluated in the comprehension's scope
                rename(gen.iter, renamed)
            for n in walk(gen.target):
                if isinstance(n, gast.Name):
                    renamed[n.id] = renamed.get(n.id) or self.namer.fresh(f"{n.id}_item")
            rename(gen.target, renamed)
            for cond in gen.ifs:
                rename(cond, renamed)
        lineno = getattr(expr, "lineno", self.lineno)
        if is_dict:
            rename(expr.key, renamed)
            rename(expr.value, renamed)
            body = [at_line(assign(gast.Subscript(value=load(result), slice=expr.key,
                                              ctx=gast.Store()), expr.value), lineno)]
        else:
            rename(expr.elt, renamed)
            body = [at_line(gast.Expr(value=gast.Call(
                func=gast.Attribute(value=load(result), attr="append", ctx=gast.Load()),
                args=[expr.elt], keywords=[])), lineno)]
        for gen in reversed(expr.generators):
            for cond in reversed(gen.ifs):
                body = [at_line(if_(cond, body), lineno)]
            body = [at_line(gast.For(target=gen.target, iter=gen.iter, body=body, orelse=[],
                                 type_comment=None), lineno)]
        out.extend(self.block(body))
        return load(result)
