"""Stage 3, first: a tuple or list display of names, read back only by position, is those
names.

`read_through_pairs(tree)` replaces each read `record[i]` (i an int constant) of a name
`record` bound once, to a display `(history, "tanh")`, by the element the display put
there: the name `history` or the constant, and drops the binding once nothing reads
`record`. So a list put into a pair and then grown (`history.append(v)`) is read under
its own name, which the aliasing check follows, instead of under a second one.

Guarantee: only where the read gives the very object the element name holds: `record`
is bound once (a tuple or list display without `*`), read only as `record[i]` with i a
constant in range (never written, passed, iterated or unpacked), and each element read
is a constant, a parameter never rebound or a name bound once by a statement of the
function's body itself (no loop repeats it): so it names, wherever `record` can be read,
the object the display took; and no nested function or lambda names `record` or that
element.

>>> import gast
>>> from pullback.emit.codegen import to_source
>>> tree = gast.parse('''
... def f(W, xs):
...     history = []
...     record = (history, "tanh")
...     for x in xs:
...         history.append(W * x)
...     return sum(record[0]), record[-1]
... ''').body[0]
>>> read_through_pairs(tree)
True
>>> print(to_source(tree).strip())
def f(W, xs):
    history = []
    for x in xs:
        history.append(W * x)
    return (sum(history), 'tanh')
"""

from __future__ import annotations

import gast

from ..ir.nodes import clone, load, skeleton, walk


def read_through_pairs(tree) -> bool:
    """Rewrite `tree` in place (see the module docstring). Whether it may have changed
    the tree (False: no display bound to a name, nothing looked at)."""
    if not any(isinstance(s, gast.Assign) and isinstance(s.value, (gast.Tuple, gast.List))
               for s in skeleton(tree)):
        return False  # no display bound to a name: nothing to read through
    bound: dict = {}
    for node in walk(tree):
        if isinstance(node, gast.Name) and not isinstance(node.ctx, gast.Load):
            bound[node.id] = bound.get(node.id, 0) + 1
    nested = {n.id for f in walk(tree) if isinstance(f, (gast.Lambda, gast.FunctionDef))
              and f is not tree for n in walk(f) if isinstance(n, gast.Name)}
    params = {n.id for n in walk(tree.args) if isinstance(n, gast.Name)}
    once = {n for n, count in bound.items() if count == 1 and n in params} | {
        s.targets[0].id for s in tree.body if isinstance(s, gast.Assign)
        and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name)
        and bound.get(s.targets[0].id) == 1}  # bound once, by a statement no loop repeats
    # one walk: the reads of each name, (parent, the Name node), in the order the walk
    # meets them; each node's parent; the statement list holding each statement. Kept up
    # to date as displays are read through (a read `record[i]` becoming a read of the
    # element's name) and dropped (their reads gone), instead of walking again per display
    nodes = walk(tree)
    reads_of: dict = {}
    parent_of: dict = {}
    block_of: dict = {}
    for parent in nodes:
        for child in gast.iter_child_nodes(parent):
            parent_of[id(child)] = parent
            if isinstance(child, gast.Name) and isinstance(child.ctx, gast.Load):
                reads_of.setdefault(child.id, {})[id(child)] = (parent, child)
        for field in ("body", "orelse", "finalbody"):
            stmts = getattr(parent, field, None)
            if isinstance(stmts, list):
                for statement in stmts:
                    block_of.setdefault(id(statement), stmts)
    for s in nodes:
        if not (isinstance(s, gast.Assign) and len(s.targets) == 1
                and isinstance(s.targets[0], gast.Name)
                and isinstance(s.value, (gast.Tuple, gast.List))):
            continue
        name, elts = s.targets[0].id, s.value.elts
        if bound.get(name) != 1 or name in nested or any(
                isinstance(e, gast.Starred) for e in elts):
            continue
        reads = list(reads_of.get(name, {}).values())
        picked = [_element(parent, child, elts, once, nested) for parent, child in reads]
        if not reads or any(p is None for p in picked):
            continue
        for (parent, _), element in zip(reads, picked):
            _become(parent, element)
            if isinstance(element, gast.Name):  # a read of the element's name now
                reads_of.setdefault(element.id, {})[id(parent)] = (parent_of[id(parent)],
                                                                    parent)
        for n in walk(s):  # its reads go with it
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load):
                reads_of.get(n.id, {}).pop(id(n), None)
        _drop(block_of, s)
    return True


def _element(parent, child, elts, once, nested):
    """The element `parent` (a read `record[i]` of `child`) gives, or None."""
    if not (isinstance(parent, gast.Subscript) and parent.value is child
            and isinstance(parent.ctx, gast.Load)):
        return None
    index, sign = parent.slice, 1
    if isinstance(index, gast.UnaryOp) and isinstance(index.op, gast.USub):
        index, sign = index.operand, -1
    if not (isinstance(index, gast.Constant) and type(index.value) is int
            and -len(elts) <= sign * index.value < len(elts)):
        return None
    element = elts[sign * index.value]
    if isinstance(element, gast.Constant):
        return element
    if isinstance(element, gast.Name) and element.id in once and element.id not in nested:
        return element
    return None


def _become(node, element):
    """Turn `node` (the read) into a copy of `element`, where it stands."""
    new = load(element.id) if isinstance(element, gast.Name) else clone(element)
    for field in list(node._fields):
        if hasattr(node, field):
            delattr(node, field)
    node.__class__ = new.__class__
    for field in new._fields:
        setattr(node, field, getattr(new, field))


def _drop(block_of, statement):
    stmts = block_of.get(id(statement))
    if stmts is not None:
        stmts[:] = [s for s in stmts if s is not statement] or [gast.Pass()]
