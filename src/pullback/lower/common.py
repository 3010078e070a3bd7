"""Small helpers every lowering shares: line numbers carried to generated statements,
located errors, and the names a tree reads (what it assigns: ir.nodes.stored_in_order).

Guarantees: none of these changes a tree except `at_line` (fills in missing line
numbers only) and `rename` (renames names in place, nothing else); `located_error`
always raises an UnsupportedSyntaxError naming the construct and pointing at the user's
line (for a statement of an inlined function, the line in that function).

>>> import gast
>>> tree = gast.parse("a = b + a\\nc = a")
>>> load_counts(tree)
{'a': 2, 'b': 1}
"""

from __future__ import annotations

import types

import gast

from ..errors import UnsupportedSyntaxError
from ..ir.annotations import BLOCK, ORIGIN
from ..ir.nodes import child_fields, names, walk

_LINED = (gast.stmt, gast.expr)  # the nodes that carry a line
# class -> (its child fields, whether it carries a line): one lookup per node
_CLASS_FACTS: dict = {}
_NONE: dict = {}


def at_line(node, lineno, done=None):
    """`node`, with `lineno` given to each statement and expression in it that has none.
    `done`: {id: statement} of statements whose every node has a line already (a block
    lowered before the statement holding it), not entered again: a pass that gives lines
    to each statement it makes, inner blocks first, then visits each node once, not once
    per level of nesting above it."""
    at_lines([node], lineno, done)
    return node


def at_lines(nodes, lineno, done=None) -> None:
    """`at_line` of each of `nodes` (the statements one statement was lowered to: one
    call, not one per statement)."""
    if not done:
        done = _NONE  # (nothing to skip: only statements are, so only list items asked)
    todo = list(nodes)  # (the nodes `walk` lists, in another order: each given its line alone)
    append, pop, ast, name = todo.append, todo.pop, gast.AST, gast.Name
    facts_of = _CLASS_FACTS.get
    while todo:
        sub = pop()
        cls = sub.__class__
        if cls is name:  # (half the nodes: nothing under them but an annotation)
            if getattr(sub, "lineno", None) is None:
                sub.lineno = lineno
            if sub.annotation is not None:
                append(sub.annotation)
            continue
        known = facts_of(cls)
        if known is None:  # (a class met for the first time)
            known = _CLASS_FACTS[cls] = (child_fields(cls), issubclass(cls, _LINED))
        fields, has_line = known
        if has_line and getattr(sub, "lineno", None) is None:
            sub.lineno = lineno
        for field in fields:
            value = getattr(sub, field, None)
            if value.__class__ is list:
                for v in value:
                    if isinstance(v, ast) and id(v) not in done:
                        append(v)
            elif isinstance(value, ast):
                append(value)


def located_error(what, node, location):
    """Raise the error for an unsupported construct at `node` (a node of a function
    inlined from elsewhere carries `origin`: its own location and line)."""
    origin, lineno = ORIGIN.of(node) or (location, None)
    where = node if lineno is None else types.SimpleNamespace(lineno=lineno)
    raise UnsupportedSyntaxError(f"unsupported construct: {what}", origin.describe(where))


def rename(node, mapping) -> None:
    """Rename, in place, every name in `node` that `mapping` holds (the names a match
    pattern binds too)."""
    for n in walk(node):
        if isinstance(n, gast.Name) and n.id in mapping:
            n.id = mapping[n.id]
        elif isinstance(n, (gast.MatchAs, gast.MatchStar)) and n.name in mapping:
            n.name = mapping[n.name]
        elif isinstance(n, gast.MatchMapping) and n.rest in mapping:
            n.rest = mapping[n.rest]


def captured(*nodes) -> set[str]:
    """The names the match patterns in `nodes` bind (`case [a, *rest]`, `case {**more}`),
    which are no Name nodes until blocks.py lowers the match."""
    found = set()
    for node in nodes:
        for n in walk(node):
            if isinstance(n, (gast.MatchAs, gast.MatchStar)) and n.name is not None:
                found.add(n.name)
            elif isinstance(n, gast.MatchMapping) and n.rest is not None:
                found.add(n.rest)
    return found


def loaded_names(node) -> set[str]:
    """The names `node` reads (none for None)."""
    if node is None:
        return set()
    return {n.id for n in names(node) if isinstance(n.ctx, gast.Load)}


def reads_name(node, name) -> bool:
    return node is not None and any(isinstance(n, gast.Name) and n.id == name
                                    and isinstance(n.ctx, gast.Load) for n in walk(node))


def called_or_passed(*nodes) -> set[int]:
    """The ids of the nodes in `nodes` that are called or passed to a call: each call's
    callee, arguments and keyword values."""
    return {id(part) for node in nodes for n in walk(node) if isinstance(n, gast.Call)
            for part in [n.func, *n.args, *[k.value for k in n.keywords]]}


def load_counts(node) -> dict[str, int]:
    """How many times `node` reads each name."""
    counts: dict[str, int] = {}
    for n in names(node):
        if isinstance(n.ctx, gast.Load):
            counts[n.id] = counts.get(n.id, 0) + 1
    return counts


def always_exits(stmts) -> bool:
    """Whether the statements never fall through: they end in `raise` or `return` on
    every path (user-level statements)."""
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, (gast.Return, gast.Raise)):
        return True
    if isinstance(last, gast.If):
        return always_exits(last.body) and (BLOCK.of(last) == "with"
                                            or always_exits(last.orelse))
    return False


_VIEWS = ("items", "values", "keys")


def mapping_view(call, callee, missing) -> bool:
    """Whether `call` is `d.items()`, `d.values()` or `d.keys()` of a dict: one pullback
    cannot see (`callee` is `missing`: a local or a parameter), or a dict the function
    reads from its module or closure (`callee` the dict's own bound method). Either way
    the lowering iterates the dict's keys (its views cannot be indexed)."""
    if not (isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute)
            and call.func.attr in _VIEWS and not call.args and not call.keywords):
        return False
    if callee is missing:
        return True
    owner = getattr(callee, "__self__", None)
    return isinstance(owner, dict) and getattr(callee, "__name__", None) == call.func.attr
