"""Stage 4 (after SSA): a second name for an array or list written in place is the name
it copies.

`diff = probabilities` followed by `diff[k, y] -= 1` writes into `probabilities`: Python
binds both names to one object. In SSA, where each name is bound once, every read of
`diff` may as well read `probabilities`, and the write is then a write into the
function's own array, which analysis/aliasing proves safe or refuses as it does any
other. So this pass drops each copy `t = s` between plain names of which one is written
in place (a slot stored, a list updated), reading `s` wherever `t` was read, chains of
copies included (`a = b; c = a; c[0] = v` writes `b`).

Guarantees: the function computes what it computed, with the same objects, and no name
it keeps is bound anew. Copies join names into groups (one object under them all); a
group is merged only if every copy in it is a plain one (no loop or branch merge, no
returned value, no list handed on) between names each bound once (or parameters never
bound again), and no list in it is resized (appended to, popped: the lowerings before SSA
decided by names, a loop over a list its body grows among them); every other group keeps
all its copies, which analysis/aliasing judges, and refuses, located, as before. A
generated gradient's copies (records handed from list to list) are left as they are.
One walk of the statements to find the copies and writes (and, only when both occur, one
of the names to count bindings and one to rename): linear in the function's size.

Example:

>>> import numpy as np
>>> from pullback.lower.example import lowered, show
>>> from pullback.lower.ssa import to_ssa
>>> def f(x):
...     p = np.exp(x)
...     diff = p
...     diff[0] = 0.0
...     return np.sum(diff * x)
>>> show(merge_aliases(to_ssa(lowered(f))))
def f(x):
    p = np.exp(x)
    p[0] = 0.0
    mul = p * x
    out = np.sum(mul)
    return out
"""

from __future__ import annotations

import gast

from ..ir.annotations import IS_RETURN, LIST_UPDATE, MOVED, PHI
from ..ir.nodes import names, parameters, skeleton

_BLOCKS = ("body", "orelse", "finalbody")


def merge_aliases(tree: gast.FunctionDef) -> gast.FunctionDef:
    """`tree` (in SSA) with each copy of a name written in place dropped, its reads
    reading the copied name."""
    written: set[str] = set()
    resized: set[str] = set()  # lists appended to, popped...: earlier lowerings (a loop
    # over a list its body grows) decided by their names, so those keep their refusal
    copies: list = []  # (t, s, whether `t = s` may be dropped)
    for node in skeleton(tree):  # (copies and writes are statements: a tenth of the nodes)
        cls = node.__class__
        if cls is gast.Assign:
            target, value = node.targets[0], node.value
            if target.__class__ is gast.Subscript and target.value.__class__ is gast.Name:
                written.add(target.value.id)
            elif target.__class__ is gast.Name and value.__class__ is gast.Name:
                copies.append((target.id, value.id, len(node.targets) == 1 and not (
                    PHI.of(node) or IS_RETURN.of(node) or MOVED.of(node))))
        elif cls is gast.Expr and LIST_UPDATE.of(node) \
                and isinstance(node.value, gast.Call) \
                and isinstance(node.value.func, gast.Attribute) \
                and isinstance(node.value.func.value, gast.Name):  # (set on Expr only)
            resized.add(node.value.func.value.id)
    if not copies or not written:  # (most functions: nothing written in place)
        return tree
    params = set(parameters(tree.args))
    binds: dict[str, int] = {}
    for node in names(tree):
        if isinstance(node.ctx, (gast.Store, gast.Del)):
            binds[node.id] = binds.get(node.id, 0) + 1
    once = {name for name, n in binds.items() if n == 1 and name not in params}
    once |= params - set(binds)
    # the groups of names copies join: one object under them all. A group is merged only
    # if every copy in it may be dropped and none of its names is resized; otherwise
    # every copy stays, for analysis/aliasing to judge (and refuse, located) as before
    group = {}
    for t, s, _ in copies:
        a, b = _find(t, group), _find(s, group)
        if a != b:
            group[a] = b
    blocked = {_find(n, group) for n in resized}
    for t, s, droppable in copies:
        if not (droppable and t in once and s in once):
            blocked.add(_find(t, group))
    written_groups = {_find(n, group) for n in written} - blocked
    # a group's root is the name its copies start from (each copy's target points on)
    merged = {t: _find(t, group) for t, _, _ in copies if _find(t, group) in written_groups}
    if not merged:
        return tree
    for node in names(tree):
        if isinstance(node.ctx, gast.Load) and node.id in merged:
            node.id = merged[node.id]
    _drop_copies(tree, merged)
    return tree


def _find(name: str, group: dict) -> str:
    """The first name of the chain of copies `name` is in (copies form no cycle in SSA)."""
    while name in group:
        name = group[name]
    return name


def _drop_copies(tree, merged) -> None:
    """Remove the copies `t = t` left by renaming (one walk over the statement lists)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        for field in _BLOCKS:
            block = getattr(node, field, None)
            if not isinstance(block, list):
                continue
            kept = [s for s in block if not (
                isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                and s.targets[0].id in merged and isinstance(s.value, gast.Name)
                and s.value.id == merged[s.targets[0].id])]
            block[:] = kept or [gast.Pass()]
            stack.extend(s for s in kept if isinstance(s, gast.stmt))
        for handler in getattr(node, "handlers", ()):
            stack.append(handler)
