"""`it = iter(xs)`, `next(it)`, `next(it, default)` and `for v in it` -> a list of the
values and a position in it.

An iterator pullback follows is a name assigned once, by `iter(S)` (the builtin), that f
reads only as `next(it)`, `next(it, default)` and as the iterable of `for` loops, where
S is a name (a list, tuple, array), a display, a list comprehension, or range, zip,
enumerate, reversed of such, and f never changes S's names in place nor passes them to
a call other than of a builtin function or a ufunc (an iterator over a list sees later
appends; the list of values would not). map, filter and generators
are left alone: their functions would run before the values are asked for. Its reads
must come after the assignment, in its block or in blocks nested there. Any other
iterator is left as written (and refused where it meets a value being differentiated).

Guarantees, for such an iterator `it`:
- `it = iter(S)` is `it_values = list(S)` (of a display, the display as a list) and
  `it_at = 0`;
- `next(it)` is the value `it_values[position]` of `position = it_at`, after
  `it_at = position + 1`, and raises StopIteration (as Python does) when no value is left;
  `next(it, default)` is that value, or the default (evaluated either way, as in Python)
  when none is left, which leaves `it_at` as it was;
- `for v in it: body` is `for k in range(it_at, len(it_values)): it_at = k + 1;
  v = it_values[k]; body`: the loop takes the values left, and a `break` leaves the
  position after the value it broke on, as Python's iterator does.

>>> from pullback.lower.example import lowered, show
>>> def f(x):
...     it = iter([x, 2.0 * x])
...     first = next(it)
...     for v in it:
...         first = first * v
...     return first
>>> show(lowered(f))
def f(x):
    mul = 2.0 * x
    it_values = [x, mul]
    it_at = 0
    position = it_at
    it_length = len(it_values)
    more = position < it_length
    done = not more
    if done:
        raise StopIteration
    it_at = position + 1
    first = it_values[position]
    n = len(it_values)
    steps = range(it_at, n)
    for k in steps:
        it_at = k + 1
        v = it_values[k]
        first = first * v
    out = first
    return out
"""

from __future__ import annotations

import builtins
import types

import gast
import numpy

from ..ir.nodes import assign, binop, call, const, load, not_, skeleton, store, walk

_CHANGING = {"append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse",
             "fill", "resize", "setdefault", "update", "popitem"}


def iterator_names(tree, parsed) -> set[str]:
    """The names f assigns an iterator it follows (see the module), by their uses alone
    (`Iterators.start_iterator` checks S and the order)."""
    candidates = {n.targets[0].id for n in skeleton(tree) if isinstance(n, gast.Assign)
                  and len(n.targets) == 1 and isinstance(n.targets[0], gast.Name)
                  and _is_builtin_call(n.value, "iter", parsed)
                  and len(n.value.args) == 1 and not n.value.keywords
                  and not isinstance(n.value.args[0], gast.Starred)}
    if not candidates:
        return candidates
    stores: dict = {}
    for n in walk(tree):
        if isinstance(n, gast.Name) and not isinstance(n.ctx, gast.Load):
            stores[n.id] = stores.get(n.id, 0) + 1
    candidates = {name for name in candidates if stores.get(name) == 1}
    allowed = set()
    for n in walk(tree):
        if isinstance(n, gast.For) and isinstance(n.iter, gast.Name):
            allowed.add(id(n.iter))
        elif isinstance(n, gast.Call) and _is_builtin_call(n, "next", parsed) \
                and 1 <= len(n.args) <= 2 and not n.keywords \
                and not any(isinstance(a, gast.Starred) for a in n.args):
            allowed.add(id(n.args[0]))
    for n in walk(tree):
        if isinstance(n, gast.Name) and n.id in candidates and isinstance(n.ctx, gast.Load) \
                and id(n) not in allowed:
            candidates.discard(n.id)
    return candidates


def _is_builtin_call(node, name, parsed) -> bool:
    return isinstance(node, gast.Call) and isinstance(node.func, gast.Name) \
        and node.func.id == name and parsed.lookup(name) is getattr(builtins, name)


def changed_in_place(tree, parsed, local_functions) -> set[str]:
    """Names f may change in place: `xs.append(v)` and the other changing methods,
    `xs[i] = v`, `xs[i] += v`, and names passed to any call but of a builtin function or
    a ufunc (a function, a method, np.random.shuffle may do any of these)."""
    changed = set()
    for n in walk(tree):
        if isinstance(n, gast.Call) and not _leaves_arguments(n.func, parsed,
                                                               local_functions):
            for a in [*n.args, *[k.value for k in n.keywords]]:
                changed |= {m.id for m in walk(a) if isinstance(m, gast.Name)}
        if isinstance(n, gast.Attribute) and n.attr in _CHANGING \
                and isinstance(n.value, gast.Name):
            changed.add(n.value.id)
        elif isinstance(n, gast.Subscript) and isinstance(n.ctx, gast.Store) \
                and isinstance(n.value, gast.Name):
            changed.add(n.value.id)
        elif isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Subscript) \
                and isinstance(n.target.value, gast.Name):
            changed.add(n.target.value.id)
    return changed


def _leaves_arguments(func, parsed, local_functions) -> bool:
    """Whether a call of `func` certainly leaves lists it receives as they are: a builtin
    function or type (len, sorted, zip, list, ...) or a NumPy ufunc."""
    if isinstance(func, gast.Name) and func.id in local_functions:
        return False
    found = parsed.resolve(func)
    return isinstance(found, numpy.ufunc) or (
        isinstance(found, (types.BuiltinFunctionType, type))
        and getattr(builtins, getattr(found, "__name__", ""), None) is found)


class Iterators:
    """The iterator lowerings of `Flatten` (flatten.py), whose state they use:
    `self.iterators` (the candidate names), `self.live_iterators` (name -> its values and
    position names, while the block that started it is being flattened)."""

    def start_iterator(self, target, value, out) -> bool:
        """`it = iter(S)` for a candidate `it` over an S f never changes in place:
        `it_values = list(S)`, `it_at = 0`; False for any other assignment."""
        if not (isinstance(target, gast.Name) and target.id in self.iterators
                and isinstance(value, gast.Call) and self.builtin(value.func) is builtins.iter):
            return False
        source = value.args[0]
        names = {n.id for n in walk(source) if isinstance(n, gast.Name)}
        if not self.eager(source) or names & self.changed_in_place \
                or self.parsed.lookup("list") is not builtins.list or "list" in self.locals:
            return False
        name = target.id
        values, at = self.namer.fresh(f"{name}_values"), self.namer.fresh(f"{name}_at")
        if isinstance(source, (gast.List, gast.Tuple)) and not any(
                isinstance(e, gast.Starred) for e in source.elts):
            copied = gast.List(elts=source.elts, ctx=gast.Load())  # a new list already
        else:
            copied = gast.Call(func=load("list"), args=[source], keywords=[])
        self.assign_to(store(values), copied, out)
        out.append(assign(at, const(0)))
        self.live_iterators[-1][name] = (values, at)
        return True

    def eager(self, source) -> bool:
        """Whether making the list of `source`'s values at once does what iterating it
        lazily does: a name, a display, a list comprehension, or range, zip, enumerate,
        reversed of such (map, filter, generators would run their functions early)."""
        if isinstance(source, (gast.Name, gast.List, gast.Tuple, gast.ListComp)):
            return not any(isinstance(e, gast.Starred) for e in getattr(source, "elts", []))
        if isinstance(source, gast.Call) and self.builtin(source.func) in (
                builtins.range, builtins.zip, builtins.enumerate, builtins.reversed):
            return not any(isinstance(a, gast.Starred) for a in source.args) and all(
                self.eager(a) or isinstance(a, gast.Constant) for a in source.args)
        return False

    def iterator(self, node):
        """(values, position) of the live iterator `node` names, or None."""
        if not isinstance(node, gast.Name):
            return None
        for live in reversed(self.live_iterators):
            if node.id in live:
                return live[node.id]
        return None

    def next_call(self, expr, out):
        """`next(it)` / `next(it, default)` of a live iterator, else None."""
        if not (isinstance(expr.func, gast.Name) and self.builtin(expr.func) is builtins.next
                and expr.args and self.iterator(expr.args[0]) is not None):
            return None
        values, at = self.iterator(expr.args[0])
        default = self.atom(expr.args[1], out) if len(expr.args) == 2 else None
        position = self.namer.fresh("position")
        length = self.namer.fresh(f"{expr.args[0].id}_length")
        more = self.namer.fresh("more")
        out.append(assign(position, load(at)))
        out.append(assign(length, call(self.namer.spelled_builtin("len"), load(values))))
        out.append(assign(more, gast.Compare(left=load(position), ops=[gast.Lt()],
                                             comparators=[load(length)])))
        advance = assign(at, binop(load(position), gast.Add(), const(1)))
        read = gast.Subscript(value=load(values), slice=load(position), ctx=gast.Load())
        if default is None:
            done = self.namer.fresh("done")
            self.namer.reserve("StopIteration")  # the builtin, never a fresh name
            out.append(assign(done, not_(load(more))))
            out.append(gast.If(test=load(done), body=[gast.Raise(
                exc=load("StopIteration"), cause=None)], orelse=[]))
            out.append(advance)
            return read
        result = self.namer.fresh("next_value")
        out.append(gast.If(test=load(more), body=[advance, assign(result, read)],
                           orelse=[assign(result, default)]))
        return load(result)

    def iterator_loop(self, s):
        """`for v in it` over a live iterator as the loop over the positions left (see
        the module), or None."""
        found = self.iterator(s.iter)
        if found is None:
            return None
        values, at = found
        k = self.namer.fresh("k")
        length = call(self.namer.spelled_builtin("len"), load(values))
        body = [assign(at, binop(load(k), gast.Add(), const(1))),
                gast.Assign(targets=[s.target], value=gast.Subscript(
                    value=load(values), slice=load(k), ctx=gast.Load()), type_comment=None)]
        return gast.For(target=store(k), iter=call(self.namer.spelled_builtin("range"),
                                                   load(at), length),
                        body=body + s.body, orelse=[], type_comment=None)
