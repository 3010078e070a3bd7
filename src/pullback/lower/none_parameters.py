r"""Parameters a call passes None, specialized on (as pullback specializes on functions
passed as arguments): each read of such a parameter is the constant None, and the
tests of it then fold, so that a branch the call never takes is dropped before any
check reads it (`if ax is not None: ax.plot(x)`, `if callback: callback(x)`, `ax = ax
or default`, `y if ax is None else z`).

Guarantees:
- the function left computes what the function computes whenever those parameters are
  None: a read of one is None, `None is None` is True, `not None` is True, an `and`/`or`
  of known truth values keeps the operand Python would return, a branch whose test is
  a known truth value is replaced by the side Python runs, and nothing else changes;
  api._by_function_arguments runs code made so only for calls passing None there;
- a parameter the function assigns (`ax = ax or plt.gca()`, `del ax`), or that a nested
  function or lambda binds for itself, is left as it is (its reads are not all the
  parameter's value);
- one walk of the function's tree, linear in its size.

>>> from pullback.lower.example import parsed, show
>>> def f(x, ax=None):
...     if ax is not None:
...         ax.plot(x)
...     return x * 2 if not ax else x
>>> found = parsed(f)
>>> sorted(specialize_none(found.tree, ["ax"], found.location))
['ax']
>>> show(found.tree)  # doctest: +ELLIPSIS
def f(x, ax=None):
    none_given(ax, 'ax', 'File "...", line 2\n    if ax is not None:')
    return x * 2
"""

from __future__ import annotations

import gast

from ..ir.nodes import call, const, load
from .common import at_line


def specialize_none(function, names, location) -> frozenset:
    """Reads of the parameters `names` of `function` (a gast FunctionDef) as None, and
    the branches that test them folded, in place; first in its body, for each, the call
    `none_given(name, 'name', where)` that refuses, when the gradient runs, a value that
    is not None (`where`: the first line of `location` that read it). Returns the names
    specialized (those the function never assigns)."""
    stored = {n.id for n in gast.walk(function) if isinstance(n, gast.Name)
              and isinstance(n.ctx, (gast.Store, gast.Del))}
    for node in gast.walk(function):  # a nested scope's own parameter of that name
        if node is not function and isinstance(node, (gast.FunctionDef, gast.Lambda,
                                                       gast.AsyncFunctionDef)):
            stored |= {a.id for a in gast.walk(node.args) if isinstance(a, gast.Name)}
    names = frozenset(names) - stored
    if not names:
        return names
    folded = _Folded(names)
    body = folded.statements(function.body) or [gast.Pass()]
    checks = []
    for name in sorted(names):
        first = folded.first.get(name, function)
        check = gast.Expr(value=call("none_given", load(name), const(name),
                                     const(location.describe(first))))
        checks.append(at_line(check, getattr(first, "lineno", None)))
    function.body = checks + body
    return names


class _Folded(gast.NodeTransformer):
    """Bottom-up: reads of `names` as None, then the expressions and branches whose
    truth that decides, folded."""

    def __init__(self, names):
        self.names = names
        self.first = {}  # name -> its first read (the test of the branch dropped, often)

    def statements(self, body):
        out = []
        for statement in body:
            made = self.visit(statement)
            out.extend(made if isinstance(made, list) else [made] if made is not None else [])
        return out

    def generic_visit(self, node):
        for field, value in gast.iter_fields(node):
            if isinstance(value, list) and value and isinstance(value[0], gast.stmt):
                made = self.statements(value)
                setattr(node, field, made or [gast.Pass()] if field == "body" else made)
            elif isinstance(value, list):
                setattr(node, field, [self.visit(v) if isinstance(v, gast.AST) else v
                                      for v in value])
            elif isinstance(value, gast.AST):
                setattr(node, field, self.visit(value))
        return node

    def visit_Name(self, node):
        if node.id in self.names and isinstance(node.ctx, gast.Load):
            self.first.setdefault(node.id, node)
            return gast.copy_location(const(None), node)
        return node

    def visit_Compare(self, node):
        self.generic_visit(node)
        if len(node.ops) == 1 and isinstance(node.ops[0], (gast.Is, gast.IsNot)) \
                and _known(node.left) and _known(node.comparators[0]):
            same = node.left.value is node.comparators[0].value
            return gast.copy_location(const(same == isinstance(node.ops[0], gast.Is)), node)
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, gast.Not) and _known(node.operand):
            return gast.copy_location(const(not node.operand.value), node)
        return node

    def visit_BoolOp(self, node):
        self.generic_visit(node)
        stops = bool if isinstance(node.op, gast.Or) else (lambda v: not v)
        values = []
        for i, value in enumerate(node.values):
            if _known(value):
                if stops(value.value) or i == len(node.values) - 1:
                    values.append(value)
                    break
                continue  # an operand Python passes over: it decides nothing
            values.append(value)
        if len(values) == 1:
            return values[0]
        node.values = values
        return node

    def visit_IfExp(self, node):
        self.generic_visit(node)
        if _known(node.test):
            return node.body if node.test.value else node.orelse
        return node

    def visit_If(self, node):
        node.test = self.visit(node.test)
        if _known(node.test):
            return self.statements(node.body if node.test.value else node.orelse)
        node.body = self.statements(node.body) or [gast.Pass()]
        node.orelse = self.statements(node.orelse)
        return node


def _known(node) -> bool:
    """A constant whose truth Python reads as such (None, a bool, a number, a string)."""
    return isinstance(node, gast.Constant) and (
        node.value is None or isinstance(node.value, (bool, int, float, complex, str)))
