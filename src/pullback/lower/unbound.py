"""Variables that may be read before they are assigned: found before the control flow
is lowered, and started as `unbound(name)` by normalize.

Guarantees: `maybe_unset(tree)` lists every variable assigned inside an `if` or loop
and read where that assignment may not have run (after the statement, or earlier in a
later iteration), so the copies that later merge paths never read a name that was
never set, and the placeholder's first use raises UnboundLocalError as Python would.
`read_before_write` and `first_use` answer the same question for one name over a block
of user-level statements. Nothing here changes the tree but `identity_reads`, which
makes `a is b` of such a variable read it through `bound_value` (raising as Python's
read does).

>>> from pullback.lower.example import parsed
>>> def f(x, n):
...     if n > 0:
...         y = x
...     for i in range(n):
...         z = x * i
...     return y + z
>>> maybe_unset(parsed(f).tree)
['y', 'z']
>>> def g(x, n):
...     y = x
...     return y
>>> maybe_unset(parsed(g).tree)
[]
"""

from __future__ import annotations

import gast

from ..ir.nodes import call, child_fields, parameters, skeleton, stored_in_order, walk
from .common import loaded_names


def maybe_unset(tree) -> list[str]:
    """Variables assigned inside an if or loop and read where that assignment may not
    have run (after the statement, or earlier in a later iteration). They start as
    `unbound(name)`, so copies that merge paths never read an unbound name, and any use
    of the placeholder raises UnboundLocalError as Python's read of the variable does."""
    params = set(parameters(tree.args))
    found = []
    reads = _OpenReads(tree)
    assigned_before = set(params)  # names surely set before each top-level statement
    for top in tree.body:
        for compound in skeleton(top):
            if isinstance(compound, _COMPOUND):
                _unset_in(compound, reads, assigned_before, found)
        if isinstance(top, (gast.Assign, gast.AugAssign, gast.AnnAssign)):
            targets = top.targets if isinstance(top, gast.Assign) else [top.target]
            assigned_before.update(stored_in_order(*targets))
    return found


def identity_reads(tree, unset) -> bool:
    """Make `a is b` and `a is not b` of a variable in `unset` read it as
    `bound_value(a)` (in place): Python's read of the variable raises UnboundLocalError
    there, and the placeholder cannot intercept `is`, which would compare it quietly.
    False where there is no such variable (the tree is as it was)."""
    unset = set(unset)
    if not unset:
        return False
    for node in walk(tree):
        if isinstance(node, gast.Compare) and any(
                isinstance(op, (gast.Is, gast.IsNot)) for op in node.ops):
            node.left, *node.comparators = [
                call("bound_value", side) if isinstance(side, gast.Name)
                and isinstance(side.ctx, gast.Load) and side.id in unset else side
                for side in (node.left, *node.comparators)]
    return True


_COMPOUND = (gast.If, gast.For, gast.While)


class _OpenReads:
    """The reads of each name that no enclosing loop assigns as its own target, by their
    position in a depth-first numbering of the tree's names, and each if or loop
    statement's span of positions (those of the names inside it). The tree is walked
    when first asked (most functions assign in their ifs and loops only names set
    before them, and never ask)."""

    def __init__(self, tree):
        self.tree = tree
        self.positions: dict[str, list] = {}
        self.span: dict[int, tuple] = {}

    def _number(self, tree):
        count = 0
        targets: list = []  # loop targets of the enclosing loops (a multiset)
        stack = [tree]
        push, pop = stack.append, stack.pop
        name, load, ast = gast.Name, gast.Load, gast.AST
        while stack:
            node = pop()
            cls = node.__class__
            if cls is tuple:  # leaving the if or loop it holds
                compound, start = node
                self.span[id(compound)] = (start, count)
                if compound.__class__ is gast.For:
                    for target in _loop_targets(compound):
                        targets.remove(target)
                continue
            if cls is name:
                if node.ctx.__class__ is load and node.id not in targets:
                    self.positions.setdefault(node.id, []).append(count)
                count += 1
                if node.annotation is None:
                    continue  # (half the nodes: nothing under them)
            elif cls in _COMPOUND:
                if cls is gast.For:
                    targets.extend(_loop_targets(node))
                push((node, count))
            # its children (`children(node)`), pushed last first
            for field in reversed(child_fields(cls)):
                value = getattr(node, field, None)
                if value.__class__ is list:
                    for v in reversed(value):
                        if isinstance(v, ast):
                            push(v)
                elif isinstance(value, ast):
                    push(value)

    def outside(self, name, node) -> bool:
        """Whether some open read of name lies outside node."""
        if self.tree is not None:
            self._number(self.tree)
            self.tree = None
        at = self.positions.get(name)
        start, stop = self.span[id(node)]
        return bool(at) and (at[0] < start or at[-1] >= stop)


def _unset_in(compound, reads, assigned_before, found) -> None:
    targets = _loop_targets(compound)
    first_uses = None
    for name in stored_in_order(compound):
        if name in assigned_before or name in found:
            continue
        # reads inside another loop that assigns the name as its own target don't count
        if reads.outside(name, compound):
            found.append(name)
        elif isinstance(compound, (gast.For, gast.While)) and name not in targets:
            if first_uses is None:  # whether an iteration may read what an earlier one set
                first_uses = _first_uses(compound.body)
            if first_uses.get(name) == "read":
                found.append(name)


def _loop_targets(node) -> set[str]:
    if not isinstance(node, gast.For):
        return set()
    return {n.id for n in walk(node.target) if isinstance(n, gast.Name)}


def read_before_write(stmts, name) -> bool:
    """Whether some path through `stmts` may read `name` before assigning it."""
    return first_use(stmts, name) == "read"


def _first_uses(stmts) -> dict[str, str]:
    """`first_use` of every name at once: name -> 'read' or 'assigned' (a name left out:
    None), in one pass over the statements. A loop's own target is set at the start of
    every iteration: its reads in the body do not count."""
    settled: dict[str, str] = {}

    def settle(names, status):
        for name in names:
            settled.setdefault(name, status)

    for s in stmts:
        if isinstance(s, gast.AugAssign):
            settle(loaded_names(s.value) | loaded_names(s.target), "read")
            if isinstance(s.target, gast.Name):
                settle([s.target.id], "read")
        elif isinstance(s, (gast.Assign, gast.AnnAssign)):
            targets = s.targets if isinstance(s, gast.Assign) else [s.target]
            settle(loaded_names(s.value).union(*map(loaded_names, targets)), "read")
            settle([n.id for t in targets for n in walk(t) if isinstance(n, gast.Name)],
                   "assigned")
        elif isinstance(s, gast.If):
            settle(loaded_names(s.test), "read")
            body, orelse = _first_uses(s.body), _first_uses(s.orelse)
            settle([n for n in body.keys() | orelse.keys()
                    if "read" in (body.get(n), orelse.get(n))], "read")
            settle([n for n, status in body.items()
                    if status == orelse.get(n) == "assigned"], "assigned")
        elif isinstance(s, (gast.For, gast.While)):
            settle(loaded_names(getattr(s, "iter", None))
                   | loaded_names(getattr(s, "test", None)), "read")
            targets = _loop_targets(s)  # set at the start of every iteration
            settle([n for n, status in _first_uses(s.body).items()
                    if status == "read" and n not in targets], "read")
        else:
            settle(loaded_names(s), "read")
    return settled


def first_use(stmts, name):
    """'read' if some path reads `name` before assigning it, 'assigned' if every path
    assigns it first, None otherwise (user-level statements)."""
    return _first_uses(stmts).get(name)
