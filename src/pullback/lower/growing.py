"""A `for` loop over a list its body grows or shrinks -> a `while` loop over a position,
as Python's list iterator runs it.

Guarantees: `for T in xs: BODY [else: ELSE]` in f's own body, where BODY calls `append`,
`extend`, `insert`, `pop`, `remove` or `clear` on `xs`, every assignment to `xs` in f is a
list (a display, a list comprehension, `list(...)`), `xs` is no parameter, and BODY
neither assigns `xs` nor writes a slice of it nor extends it with `+=`, becomes

    position = 0
    while position < len(xs):
        T = xs[position]
        position = position + 1
        BODY
    [else: ELSE]

which is what Python's list iterator does (it reads the list's length and the item at its
position on every step), so the loop sees the items BODY appends, and the trip count is
decided as the loop runs; `break`, `continue` and `else` keep their meaning. Any other
loop over a list its body resizes stays refused by loops.py, located.

>>> from pullback.ir.naming import Namer, all_names
>>> from pullback.lower.example import parsed, show
>>> def f(x):
...     ts = [x]
...     for t in ts:
...         if t > 0.1:
...             ts.append(t * 0.5)
...     return sum(ts)
>>> p = parsed(f)
>>> loops_over_growing_lists(p.tree, Namer(all_names(p.tree)))  # rewritten: True
True
>>> show(p.tree)
def f(x):
    ts = [x]
    position = 0
    while position < len(ts):
        t = ts[position]
        position = position + 1
        if t > 0.1:
            ts.append(t * 0.5)
    return sum(ts)
"""

from __future__ import annotations

import gast

from ..ir.nodes import Walk, assign, binop, call, const, load, parameters, walk
from .common import at_line

_RESIZING = {"append", "extend", "insert", "pop", "remove", "clear"}


def loops_over_growing_lists(tree, namer, walked=None) -> bool:
    """Rewrite, in place, the loops of f's own body the module docstring describes;
    `walked`: the tree's `Walk`, if the caller has it. False: the tree is left as it was."""
    candidates = {n.func.value.id for n in (walked or Walk(tree)).of(gast.Call)
                  if isinstance(n.func, gast.Attribute)
                  and n.func.attr in _RESIZING and isinstance(n.func.value, gast.Name)}
    if not candidates:
        return False
    lists = _only_lists(tree, candidates - set(parameters(tree.args)))
    if lists:
        _Rewrite(lists, namer).visit(tree)
    return bool(lists)


def _only_lists(tree, names) -> set:
    """The names of `names` that every assignment in f gives a list."""
    kept = set(names)
    assigned = set()  # ids of the names `name = <a list>` assigns
    for n in walk(tree):
        if isinstance(n, gast.Assign) and len(n.targets) == 1 \
                and isinstance(n.targets[0], gast.Name) and _is_list(n.value):
            assigned.add(id(n.targets[0]))
    for n in walk(tree):
        if isinstance(n, gast.Name) and not isinstance(n.ctx, gast.Load) \
                and id(n) not in assigned:
            kept.discard(n.id)  # another value, a loop target, `del`, `+=`, a walrus, ...
    return kept


def _is_list(value) -> bool:
    return isinstance(value, (gast.List, gast.ListComp)) or (
        isinstance(value, gast.Call) and isinstance(value.func, gast.Name)
        and value.func.id == "list")


class _Rewrite(gast.NodeTransformer):
    def __init__(self, lists, namer):
        self.lists, self.namer = lists, namer

    def visit_FunctionDef(self, node):
        if getattr(self, "entered", False):
            return node  # a nested function's loops: refused by loops.py as before
        self.entered = True
        self.generic_visit(node)
        return node

    def visit_Lambda(self, node):
        return node

    def visit_For(self, node):
        self.generic_visit(node)
        it = node.iter
        if not (isinstance(it, gast.Name) and it.id in self.lists):
            return node
        body = gast.Module(body=node.body, type_ignores=[])
        resized = any(isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute)
                      and n.func.attr in _RESIZING and isinstance(n.func.value, gast.Name)
                      and n.func.value.id == it.id for n in walk(body))
        rebound = any(isinstance(n, gast.Name) and n.id == it.id
                      and not isinstance(n.ctx, gast.Load) for n in walk(body)) or any(
            isinstance(n, gast.Subscript) and isinstance(n.ctx, gast.Store)
            and isinstance(n.slice, gast.Slice) and isinstance(n.value, gast.Name)
            and n.value.id == it.id for n in walk(body))
        if not resized or rebound:
            return node
        lineno = getattr(node, "lineno", None)
        position = self.namer.fresh("position")
        more = gast.Compare(left=load(position), ops=[gast.Lt()],
                            comparators=[call(self.namer.spelled_builtin("len"),
                                              load(it.id))])
        head = [gast.Assign(targets=[node.target], value=gast.Subscript(
                    value=load(it.id), slice=load(position), ctx=gast.Load()),
                    type_comment=None),
                assign(position, binop(load(position), gast.Add(), const(1)))]
        loop = gast.While(test=more, body=[at_line(h, lineno) for h in head] + node.body,
                          orelse=node.orelse)
        return [at_line(assign(position, const(0)), lineno), at_line(loop, lineno)]
