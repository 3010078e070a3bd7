"""Stage 3, first: dicts of lists grown in place (grouping values by key) as value flow.

`grow_as_values(tree, parsed, namer)` rewrites, in the function's own statements,

    d.setdefault(k, []).append(v)   ->  d[k] = d.setdefault(k, []) + [v]
    d[k].append(v), d[k].extend(vs) ->  d[k] = d[k] + [v],  d[k] = d[k] + [*vs]

(a key that is not a name or constant is bound to a name first, so it is evaluated once,
before the value, as in Python) and makes `d = collections.defaultdict(list)` (or of
`float`, `int`) the plain dict `d = {}`, its reads `d[k]` `d.setdefault(k, [])` (0.0, 0)
and its `d[k] += v` `d[k] = d.setdefault(k, 0.0) + v`.

Guarantee: it rewrites only where a new list in place of the grown one changes nothing
Python can observe: `d` is bound once, to an empty dict (`{}`, `dict()` or a defaultdict
of list, float or int), by a statement of some block B, and no nested function or lambda
names it; the updates (the forms above, `d[k] op= v`, and `d[k] = e` of a new value: a
display, a constant, an operator's result) name `d` only as what they update, and lie in
the statements of B from the binding to the last one holding an update; those statements
use `d` otherwise only in `k in d` and `len(d)`. So every list in `d` is new and known
under no other name while it grows. A defaultdict is also read, anywhere, only as `d[k]`,
`d.values()`, `d.items()`, `d.keys()`, `d.get(...)`, `len(d)`, `k in d`, `sorted(d)`,
`list(d)` or `for k in d` (where a plain dict behaves the same once the missing keys are
inserted). Where any of this fails nothing is rewritten, and the later stages refuse what
they cannot follow.

>>> from pullback.lower.example import lowered, show
>>> def f(values, groups):
...     buckets = {}
...     for v, g in zip(values, groups):
...         buckets.setdefault(g, []).append(v)
...     return buckets
>>> import ast
>>> from pullback.frontend.parse import parse_function
>>> from pullback.ir.naming import Namer, all_names
>>> from pullback.emit.codegen import to_source
>>> p = parse_function(f)
>>> grow_as_values(p.tree, p, Namer(all_names(p.tree)))
True
>>> print(to_source(p.tree).strip())
def f(values, groups):
    buckets = {}
    for v, g in zip(values, groups):
        buckets[g] = buckets.setdefault(g, []) + [v]
    return buckets
"""

from __future__ import annotations

import builtins
import collections

import gast

from ..ir.nodes import assign, children, clone, const, load, parameters, walk

_FACTORIES = {builtins.list: lambda: gast.List(elts=[], ctx=gast.Load()),
              builtins.float: lambda: const(0.0), builtins.int: lambda: const(0)}
_READ_METHODS = ("values", "items", "keys", "get")
_READ_CALLS = (builtins.len, builtins.sorted, builtins.list)


def grow_as_values(tree, parsed, namer) -> bool:
    """Rewrite, in place, the dicts of `tree` that qualify (see the module docstring).
    Whether it may have changed the tree (False: no candidate, nothing looked at).

    Linear in the function's size: one walk gives every name's nodes and every node's
    parent, and each candidate looks at its own name's nodes only (not at its block, nor
    at the whole function); the updates' new statements go into their blocks in one pass
    at the end (until then the old statements stand in their place: no candidate's
    verdict depends on which of the two it sees, see `_Grown.rewrite`)."""
    if not any(isinstance(s, gast.Assign) and _may_be_empty_dict(s.value)
               for block in _blocks(tree.body) for s in block):
        return False  # no candidate: the whole-tree walk below is not needed
    own = set(parameters(tree.args))
    facts = _Facts(tree)
    bindings = {name: sum(not isinstance(n.ctx, gast.Load) for n in found)
                for name, found in facts.named.items()}
    local = own | {name for name, count in bindings.items() if count}
    for block in _blocks(tree.body):
        for i, s in enumerate(block):
            if not (isinstance(s, gast.Assign) and len(s.targets) == 1
                    and isinstance(s.targets[0], gast.Name)):
                continue
            name = s.targets[0].id
            if name in own or name in facts.nested or bindings.get(name, 0) != 1:
                continue
            factory = _empty_dict(s.value, parsed, local)
            if factory is not False:
                _Grown(name, factory, namer, facts).rewrite(block, i)
    if facts.rewritten:
        _replace(tree, facts.rewritten)
    return True


def _replace(tree, rewritten) -> None:
    """Each update statement -> its value-flow form, made per candidate in the order its
    block's statements come in `_blocks` (the fresh names of keys follow it), then put in
    place in one pass over the blocks."""
    rank = {}
    for stmts in _blocks(tree.body):
        for t in stmts:
            rank[id(t)] = len(rank)
    replaced = {}
    for grown, updates in rewritten:
        for s, found in sorted((u for u in updates if id(u[0]) in rank),
                               key=lambda update: rank[id(update[0])]):
            if found[0] != "set":  # (a statement in no block `_blocks` lists stays)
                replaced[id(s)] = grown.as_values(s, *found)
    if replaced:
        for stmts in _blocks(tree.body):
            if any(id(t) in replaced for t in stmts):
                stmts[:] = [u for t in stmts for u in replaced.get(id(t), (t,))]


class _Facts:
    """One walk of the function: each name's Name nodes (walk order), each node's
    parent, the names that nested defs and lambdas mention, each block's statement
    positions (made when first asked), and the statements to replace at the end."""

    def __init__(self, tree):
        self.named: dict = {}
        self.parent: dict = {}
        self.nested: set = set()
        self.positions: dict = {}  # id of a block -> {id of its statement: position}
        self.rewritten: list = []  # (candidate, its updates (statement, update(s))), in order
        named, parent = self.named, self.parent
        for node in walk(tree):
            if node.__class__ is gast.Name:
                named.setdefault(node.id, []).append(node)
            elif isinstance(node, (gast.Lambda, gast.FunctionDef)) and node is not tree:
                self.nested.update(n.id for n in walk(node) if isinstance(n, gast.Name))
            for child in children(node):
                parent[id(child)] = node

    def position(self, node, block):
        """The position in `block` of the statement of `block` holding `node`, or None."""
        at = self.positions.get(id(block))
        if at is None:
            at = self.positions[id(block)] = {id(s): i for i, s in enumerate(block)}
        parent = self.parent
        while node is not None:
            found = at.get(id(node))
            if found is not None:
                return found
            node = parent.get(id(node))
        return None

    def statement(self, node):
        """The innermost statement holding `node`."""
        while node is not None and not isinstance(node, gast.stmt):
            node = self.parent.get(id(node))
        return node


def _blocks(stmts):
    """Every list of statements in `stmts`, nested ones included (not in nested defs)."""
    yield stmts
    for s in stmts:
        if isinstance(s, gast.FunctionDef):
            continue
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(s, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], gast.stmt):
                yield from _blocks(inner)
        for part in getattr(s, "handlers", []) + getattr(s, "cases", []):
            yield from _blocks(part.body)


def _may_be_empty_dict(value) -> bool:
    """Whether `_empty_dict` may find `value` an empty dict (a quick look at its form)."""
    return isinstance(value, gast.Dict) and not value.keys \
        or isinstance(value, gast.Call) and not value.keywords and len(value.args) <= 1


def _empty_dict(value, parsed, local):
    """None for `{}` or `dict()`, the default's maker for a defaultdict of list, float or
    int; False for anything else."""
    if isinstance(value, gast.Dict) and not value.keys:
        return None
    if not isinstance(value, gast.Call) or value.keywords:
        return False
    head = value.func
    while isinstance(head, gast.Attribute):
        head = head.value
    if not isinstance(head, gast.Name) or head.id in local:
        return False
    callee = parsed.resolve(value.func)
    if callee is builtins.dict and not value.args:
        return None
    if callee is collections.defaultdict and len(value.args) == 1 \
            and isinstance(value.args[0], gast.Name) and value.args[0].id not in local:
        return _FACTORIES.get(parsed.lookup(value.args[0].id), False)
    return False


def _is_new(expr) -> bool:
    """A value made right here, known under no other name."""
    return isinstance(expr, (gast.List, gast.ListComp, gast.Constant, gast.BinOp,
                             gast.UnaryOp, gast.Dict, gast.Tuple))


class _Grown:
    """One candidate dict `name`; `factory` makes a defaultdict's default (None: a dict)."""

    def __init__(self, name, factory, namer, facts):
        self.name, self.factory, self.namer, self.facts = name, factory, namer, facts

    def mentions(self, *nodes) -> bool:
        return any(isinstance(n, gast.Name) and n.id == self.name
                   for node in nodes if node is not None for n in walk(node))

    def is_base(self, node) -> bool:
        return isinstance(node, gast.Name) and node.id == self.name

    def update(self, s):
        """(kind, key, value, default) if `s` is an update of the dict, else None."""
        if isinstance(s, gast.Expr) and isinstance(s.value, gast.Call):
            grow, f = s.value, s.value.func
            if not (isinstance(f, gast.Attribute) and f.attr in ("append", "extend")
                    and len(grow.args) == 1 and not grow.keywords
                    and not isinstance(grow.args[0], gast.Starred)):
                return None
            holder, item = f.value, grow.args[0]
            if isinstance(holder, gast.Subscript) and self.is_base(holder.value):
                key, default = holder.slice, None
            elif isinstance(holder, gast.Call) and isinstance(holder.func, gast.Attribute) \
                    and holder.func.attr == "setdefault" and self.is_base(holder.func.value) \
                    and len(holder.args) == 2 and not holder.keywords \
                    and _is_new(holder.args[1]):
                key, default = holder.args
            else:
                return None
            if isinstance(key, gast.Slice) or self.mentions(key, item, default):
                return None
            base = holder.value if isinstance(holder, gast.Subscript) else holder.func.value
            return f.attr, key, item, default, base
        if isinstance(s, gast.AugAssign) and isinstance(s.target, gast.Subscript) \
                and self.is_base(s.target.value) \
                and not isinstance(s.target.slice, gast.Slice) \
                and not self.mentions(s.target.slice, s.value):
            return "augmented", s.target.slice, s.value, None, s.target.value
        if isinstance(s, gast.Assign) and len(s.targets) == 1 \
                and isinstance(s.targets[0], gast.Subscript) and self.is_base(s.targets[0].value) \
                and _is_new(s.value) and not self.mentions(s.targets[0].slice, s.value):
            return "set", s.targets[0].slice, s.value, None, s.targets[0].value
        return None

    def rewrite(self, block, at):
        """Rewrite the updates of the dict bound by `block[at]`, if it qualifies. The
        statements looked at are those holding the name's nodes (each update names the
        dict as its base). Another candidate's rewrite before this one only moved the
        parts of its own updates (a key, an item: their nodes, never this dict's base)
        into statements standing at the same position: what this one finds of its name
        is the same with either."""
        facts = self.facts
        uses = facts.named.get(self.name, ())
        ids, at_of = {}, {}  # id of an update statement -> update(s), its position
        updates = []  # (statement, update(s))
        seen = set()
        for n in uses:
            s = facts.statement(n)
            if s is None or id(s) in seen:
                continue
            seen.add(id(s))
            found = self.update(s)
            if found is None:
                continue
            where = facts.position(s, block)
            if where is not None:
                ids[id(s)], at_of[id(s)] = found, where
                updates.append((s, found))
        if not ids:
            return
        start = facts.position(block[at], block)
        first, last = min(at_of.values()), max(at_of.values())
        if first <= start:
            return  # an update outside the statements after the binding
        in_updates = {id(found[-1]) for found in ids.values()}
        reads = [(n, facts.parent.get(id(n))) for n in uses
                 if isinstance(n.ctx, gast.Load) and id(n) not in in_updates]
        for n, parent in reads:
            where = facts.position(n, block)
            if where is None:
                if self.factory is None:
                    continue  # (a dict's reads outside its block are not asked about)
            elif start < where <= last and not self.harmless(n, parent):
                return
            if self.factory is not None and not self.default_read(n, parent):
                return
        for n, parent in reads:  # a defaultdict's d[k]: d.setdefault(k, default)
            if self.factory is not None and isinstance(parent, gast.Subscript) \
                    and isinstance(parent.ctx, gast.Load):
                parent.__class__ = gast.Call
                key = parent.slice
                for field in ("value", "slice", "ctx"):
                    delattr(parent, field)
                parent.func = gast.Attribute(value=n, attr="setdefault", ctx=gast.Load())
                parent.args, parent.keywords = [key, self.factory()], []
        facts.rewritten.append((self, updates))
        block[at].value = gast.Dict(keys=[], values=[])

    def harmless(self, n, parent) -> bool:
        """`k in d`, `k not in d`, `len(d)`: no value of the dict is taken."""
        if isinstance(parent, gast.Compare) and n in parent.comparators:
            return all(isinstance(op, (gast.In, gast.NotIn)) for op in parent.ops)
        return isinstance(parent, gast.Call) and isinstance(parent.func, gast.Name) \
            and parent.func.id == "len" and parent.args == [n]

    def default_read(self, n, parent) -> bool:
        """A read of a defaultdict that a plain dict, with setdefault for d[k], answers the
        same way."""
        if isinstance(parent, gast.Subscript) and parent.value is n:  # a read, not d[k] = v
            return isinstance(parent.ctx, gast.Load) and not isinstance(parent.slice, gast.Slice)
        if isinstance(parent, gast.Attribute):
            return parent.attr in _READ_METHODS
        if isinstance(parent, (gast.For, gast.comprehension)):
            return parent.iter is n
        if isinstance(parent, gast.Compare):
            return self.harmless(n, parent)
        return isinstance(parent, gast.Call) and isinstance(parent.func, gast.Name) \
            and parent.func.id in {f.__name__ for f in _READ_CALLS} and parent.args == [n]

    def as_values(self, s, kind, key, item, default, _base):
        if kind == "set":
            return [s]
        out = []
        if not isinstance(key, (gast.Name, gast.Constant)):
            fresh = self.namer.fresh("key")
            out.append(assign(fresh, key))
            key = load(fresh)
        if default is None and self.factory is not None:
            default = self.factory()
        if default is None:
            old = gast.Subscript(value=load(self.name), slice=key, ctx=gast.Load())
        else:
            old = gast.Call(func=gast.Attribute(value=load(self.name), attr="setdefault",
                                                ctx=gast.Load()), args=[key, default],
                            keywords=[])
        if kind == "augmented":
            new = gast.BinOp(left=old, op=s.op, right=item)
        elif kind == "append":
            new = gast.BinOp(left=old, op=gast.Add(), right=gast.List(elts=[item],
                                                                        ctx=gast.Load()))
        else:  # extend
            new = gast.BinOp(left=old, op=gast.Add(), right=gast.List(
                elts=[gast.Starred(value=item, ctx=gast.Load())], ctx=gast.Load()))
        target = gast.Subscript(value=load(self.name), slice=clone(key), ctx=gast.Store())
        out.append(assign(target, new))
        for n in out:
            gast.copy_location(n, s)
            gast.fix_missing_locations(n)
        return out
