"""`a = b` where `b` is never read again before it is bound anew: the object moves to `a`.

`moves(body, is_container)` lists the statements `a = b` (b a name that `is_container`
says only ever holds a list or dict the function builds) after which, on every path the
function can take, `b` is bound anew (`b = e`, `e` not reading `b`) before anything
reads it, or the function ends. The object then has one name at a time, so the aliasing
check may let `a` hold it (the flatten lowering marks these `moved`); the dynamic
program's `prev = cur` at the end of a row, with `cur = [...]` at the start of the next,
is one.

Guarantee: conservative. The body is the control-flow lowering's output (no `continue`,
no `return` but the last, `break` only as `if flag: break` at a loop body's end), read
as it runs: after a statement comes the rest of its block; after a loop body, both its
next trip (the while test first) and what follows the loop; any statement that names
`b` in another way than an unconditional `b = e` counts as a read. A statement in a
`try` body (whose handler might read `b` after an exception) is never listed.

>>> import gast
>>> tree = gast.parse('''
... prev = [0.0] * 3
... for i in range(3):
...     cur = [1.0] * 3
...     cur[0] = prev[0] + 1.0
...     prev = cur
... out = prev[0]
... ''')
>>> found = moves(tree.body, lambda name: name in ("cur", "prev"))
>>> [gast.unparse(s) for s in found.values()]
['prev = cur']
"""

from __future__ import annotations

import gast

from ..ir.annotations import BLOCK
from ..ir.nodes import walk


def moves(body, is_container) -> dict:
    """{id(statement): statement} for each `a = b` of `body` that moves b's object."""
    found: dict = {}

    def visit(block, after):
        for i, s in enumerate(block):
            rest = [("run", block, i + 1)] + after
            if isinstance(s, gast.Assign) and len(s.targets) == 1 \
                    and isinstance(s.targets[0], gast.Name) and isinstance(s.value, gast.Name) \
                    and s.value.id != s.targets[0].id and is_container(s.value.id) \
                    and _dead(s.value.id, rest):
                found[id(s)] = s
            if isinstance(s, gast.If) and BLOCK.of(s) == "try":
                continue  # an exception may leave the body after any of its statements
            if isinstance(s, (gast.For, gast.While)):
                visit(s.body, [("again", s)] + rest)
            elif isinstance(s, gast.If):
                visit(s.body, rest)
                visit(s.orelse, rest)

    visit(body, [])
    visit = None  # a recursive closure: its cycle would hold the function's trees for the collector
    return found


def _dead(name, after) -> bool:
    """Whether `name` is bound anew before any read on every path through `after`: what
    runs next, innermost first: ("run", block, start) runs block[start:]; ("again", loop)
    ends a trip of the loop: the next trip, or what follows the loop."""
    if not after:
        return True  # the function ends
    kind, *frame = after[0]
    if kind == "run":
        block, start = frame
        verdict = _scan(name, block[start:])
        return _dead(name, after[1:]) if verdict is None else verdict
    loop = frame[0]
    if isinstance(loop, gast.While):
        trip = False if _names(loop.test, name) else _scan(name, loop.body)
    elif isinstance(loop.target, gast.Name) and loop.target.id == name:
        trip = True  # the loop binds it anew
    else:
        trip = False if _names(loop.target, name) else _scan(name, loop.body)
    return trip is not False and _dead(name, after[1:])


def _scan(name, stmts):
    """True: bound anew first; False: read (or named otherwise) first; None: neither."""
    for s in stmts:
        if isinstance(s, gast.Assign) and len(s.targets) == 1 \
                and isinstance(s.targets[0], gast.Name) and s.targets[0].id == name \
                and not _names(s.value, name):
            return True
        if _names(s, name):
            return False
    return None


def _names(node, name) -> bool:
    return any(isinstance(n, gast.Name) and n.id == name for n in walk(node))
