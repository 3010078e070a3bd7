"""Small builders for gast nodes and code templates, shared by every stage.

`quote("g * np.cos(x)")` parses a template once (cached) and returns a fresh copy;
`substitute(tree, {"x": node})` replaces names in it. Builders never share nodes
between two places in a tree. `clone` copies a tree as `copy.deepcopy` does (every node
and every attribute a node carries), and `walk` lists the nodes `gast.walk` gives
(contexts and operators aside), in its order, several times faster than either.
"""

from __future__ import annotations

import copy
import functools

import gast

# The builders below make the nodes gast's constructors make (the same attributes, in
# the same order) without their keyword-argument loop: they are most of the nodes the
# stages build.
_new = gast.AST.__new__


def load(name: str) -> gast.Name:
    node = _new(gast.Name)
    node.__dict__ = {"id": name, "ctx": _new(gast.Load), "annotation": None,
                     "type_comment": None}
    return node


def store(name: str) -> gast.Name:
    node = _new(gast.Name)
    node.__dict__ = {"id": name, "ctx": _new(gast.Store), "annotation": None,
                     "type_comment": None}
    return node


def const(value) -> gast.Constant:
    node = _new(gast.Constant)
    node.__dict__ = {"value": value, "kind": None}
    return node


def assign(target: str | gast.AST, value: gast.AST) -> gast.Assign:
    node = _new(gast.Assign)
    node.__dict__ = {"targets": [store(target) if isinstance(target, str) else target],
                     "value": value, "type_comment": None}
    return node


def call(func: str | gast.AST, *args: gast.AST, **keywords: gast.AST) -> gast.Call:
    if isinstance(func, str):
        func = attribute_chain(func)
    kws = [gast.keyword(arg=k, value=v) for k, v in keywords.items()]
    node = _new(gast.Call)
    node.__dict__ = {"func": func, "args": list(args), "keywords": kws}
    return node


def attribute_chain(dotted: str) -> gast.AST:
    parts = dotted.split(".")
    node: gast.AST = load(parts[0])
    for part in parts[1:]:
        outer = _new(gast.Attribute)
        outer.__dict__ = {"value": node, "attr": part, "ctx": _new(gast.Load)}
        node = outer
    return node


def dotted_name(node: gast.AST) -> str | None:
    """'np.linalg.norm' for an Attribute chain of Names, None for anything else."""
    cls = node.__class__  # (gast's node classes have no subclasses)
    if cls is _NAME:  # most callees and values asked about
        return node.id
    if cls is not _ATTRIBUTE:
        return None
    value = node.value
    if value.__class__ is _NAME:  # (most others: `np.sin`)
        return f"{value.id}.{node.attr}"
    parts = []
    while node.__class__ is _ATTRIBUTE:
        parts.append(node.attr)
        node = node.value
    if node.__class__ is not _NAME:
        return None
    parts.append(node.id)
    parts.reverse()
    return ".".join(parts)


def tuple_of(*elts: gast.AST, ctx=None) -> gast.Tuple:
    return gast.Tuple(elts=list(elts), ctx=ctx or gast.Load())


def if_(test: gast.AST, body: list, orelse: list | None = None) -> gast.If:
    node = _new(gast.If)
    node.__dict__ = {"test": test, "body": body or [_new(gast.Pass)], "orelse": orelse or []}
    return node


def not_(operand: gast.AST) -> gast.UnaryOp:
    return gast.UnaryOp(op=gast.Not(), operand=operand)


def binop(left: gast.AST, op: gast.AST, right: gast.AST) -> gast.BinOp:
    node = _new(gast.BinOp)
    node.__dict__ = {"left": left, "op": op, "right": right}
    return node


def for_(target: str, iter_: gast.AST, body: list) -> gast.For:
    return gast.For(target=store(target), iter=iter_, body=body, orelse=[], type_comment=None)


def comment(text: str) -> gast.Expr:
    """A statement that codegen prints as a `# text` comment line."""
    return gast.Expr(value=gast.Constant(value=text, kind="comment"))


@functools.cache
def _parse_expr(source: str) -> gast.AST:
    return gast.parse(source, mode="eval").body


def quote(source: str) -> gast.AST:
    """A fresh gast expression for `source`."""
    return clone(_parse_expr(source))


def clone(node):
    """A copy of the tree `node` sharing nothing with it, as `copy.deepcopy` makes (every
    attribute of every node copied: fields, positions, marks that stages set), for trees
    of nodes, lists and immutable values (`node` may be a list of nodes)."""
    if node.__class__ is _NAME:  # most copies: a plain name (as `load` makes) made at once
        attributes = node.__dict__
        ctx = attributes.get("ctx")
        if len(attributes) == 4 and ctx.__class__ in _CONTEXTS and not ctx.__dict__ \
                and attributes.get("annotation", 0) is None \
                and attributes.get("type_comment", 0) is None \
                and attributes.get("id").__class__ is str:
            new = _new(_NAME)
            new.__dict__ = {"id": attributes["id"], "ctx": _new(ctx.__class__),
                            "annotation": None, "type_comment": None}
            return new
    elif node.__class__ is list:
        return [clone(v) if isinstance(v, _AST) else copy.deepcopy(v) for v in node]
    new = node.__class__.__new__(node.__class__)
    attributes = new.__dict__
    attributes.update(node.__dict__)
    for key, value in attributes.items():
        if value.__class__ in _IMMUTABLE:
            continue
        if isinstance(value, _AST):
            attributes[key] = clone(value)
        elif value.__class__ is list:
            attributes[key] = [clone(v) if isinstance(v, _AST) else copy.deepcopy(v)
                               for v in value]
        else:
            attributes[key] = copy.deepcopy(value)
    return new


def quote_with(source: str, mapping: dict[str, gast.AST]) -> gast.AST:
    """`substitute(quote(source), mapping)`, made in one copy of the parsed template (by
    `_builder(source)`: the rules' adjoints are made from a few hundred templates, tens of
    thousands of times in a large function)."""
    return _builder(source)(mapping)


@functools.cache  # template source -> the function making its copies
def _builder(source: str):
    """A function `build(mapping)` returning `substitute(quote(source), mapping)`: a copy
    of the parsed template sharing nothing with it, each Name whose id `mapping` holds
    copied from its node instead. Compiled once per template: one nested expression
    making the template's nodes with their attributes as literal dicts, in place of a
    walk of the template's attributes at each copy. For `g * x` it is, in substance,
    `node(BinOp, {'left': clone(m['g']) if 'g' in m else node(Name, {'id': 'g', ...}),
    'op': node(Mult, {}), 'right': ...})`."""
    values: list = []  # objects the code refers to, as v[i]

    def ref(obj) -> str:
        values.append(obj)
        return f"v[{len(values) - 1}]"

    def made(node) -> str:  # an expression making a copy of `node`
        if node.__class__ is _NAME:
            key = repr(node.id)
            return f"(clone(m[{key}]) if {key} in m else {copied(node)})"
        return copied(node)

    def copied(node) -> str:
        items = []
        for key, value in node.__dict__.items():
            if value.__class__ in _LITERAL:
                part = repr(value)
            elif value.__class__ in _IMMUTABLE:
                part = ref(value)
            elif isinstance(value, _AST):
                part = made(value)
            elif value.__class__ is list:
                part = "[" + ", ".join(made(v) if isinstance(v, _AST)
                                       else f"deepcopy({ref(v)})" for v in value) + "]"
            else:
                part = f"deepcopy({ref(value)})"
            items.append(f"{key!r}: {part}")
        return f"node({ref(node.__class__)}, {{{', '.join(items)}}})"

    code = f"def build(m):\n    return {made(_parse_expr(source))}\n"
    scope = {"v": values, "clone": clone, "deepcopy": copy.deepcopy, "node": _node}
    exec(compile(code, f"<template {source!r}>", "exec"), scope)
    return scope["build"]


def _node(cls, attributes: dict) -> gast.AST:
    node = _new(cls)
    node.__dict__ = attributes
    return node


def substitute(tree: gast.AST, mapping: dict[str, gast.AST]) -> gast.AST:
    """`tree` with each Name whose id `mapping` holds replaced by a fresh copy of its
    node (the copies are not searched again)."""
    return map_names(tree, lambda n: clone(mapping[n.id]) if n.id in mapping else n)


def map_names(tree: gast.AST, replace) -> gast.AST:
    """`tree` with every Name node `n` in it replaced by `replace(n)` (which may return
    `n`), in place; the replacements are not searched. What a NodeTransformer with only
    a visit_Name does, without its per-node dispatch. (Only the fields `walk` visits
    are looked at: the others never hold a node with a name under it.)"""
    if tree.__class__ is _NAME:  # (gast's node classes have no subclasses)
        return replace(tree)
    todo = [tree]
    append = todo.append
    fields_of = _CHILD_FIELDS.get
    for node in todo:
        fields = fields_of(node.__class__)
        if fields is None:
            fields = _child_fields(node.__class__)
        for field in fields:
            value = getattr(node, field, None)
            if value.__class__ is _NAME:
                new = replace(value)
                if new is not value:
                    setattr(node, field, new)
            elif value.__class__ is list:
                for i, item in enumerate(value):
                    if item.__class__ is _NAME:
                        value[i] = replace(item)
                    elif isinstance(item, _AST):
                        append(item)
            elif isinstance(value, _AST):
                append(value)
    return tree


def is_atom(node: gast.AST) -> bool:
    return node.__class__ in _ATOMS  # (gast's node classes have no subclasses)


def is_loop_exit(stmt) -> bool:
    """`if c: break`, the form every early exit of a lowered loop takes."""
    return isinstance(stmt, gast.If) and len(stmt.body) == 1 \
        and isinstance(stmt.body[0], gast.Break)


def stored_in_order(*nodes) -> list[str]:
    """The names the nodes assign, each once, in the order first assigned."""
    return list(dict.fromkeys([n.id for n in names(*nodes) if n.ctx.__class__ is _STORE]))


def stored_names(tree) -> set[str]:
    """The names assigned anywhere in `tree` (a node, or a list of statements)."""
    return {n.id for n in (names(*tree) if isinstance(tree, list) else names(tree))
            if n.ctx.__class__ is _STORE}


def names(*nodes) -> list:
    """The Name nodes under the nodes (themselves included), in the order `walk` lists
    them: `walk`'s loop, keeping only the names (for passes that look at names only, a
    fifth faster than filtering `walk`)."""
    found = []
    keep = found.append
    fields_of = _CHILD_FIELDS.get
    for node in nodes:
        todo = [node]
        append = todo.append
        for n in todo:
            cls = n.__class__
            if cls is _NAME:
                keep(n)
                if n.annotation is not None:
                    append(n.annotation)
                continue
            fields = fields_of(cls)
            if fields is None:
                fields = _child_fields(cls)
            for field in fields:
                value = getattr(n, field, None)
                if value.__class__ is list:
                    for v in value:
                        if isinstance(v, _AST):
                            append(v)
                elif isinstance(value, _AST):
                    append(value)
    return found


_AST = gast.AST
_NAME = gast.Name
_ATTRIBUTE = gast.Attribute
_ATOMS = frozenset((gast.Name, gast.Constant))
_STORE = gast.Store
_CONTEXTS = frozenset((gast.Load, gast.Store, gast.Del, gast.Param))
_IMMUTABLE = {int, float, str, bool, type(None), complex, bytes}
_LITERAL = {int, str, bool, type(None)}  # (their repr is a literal making an equal value)
# Fields that never hold a node, per node class; `walk` skips them.
_LEAF_FIELDS = {"id", "attr", "arg", "name", "kind", "type_comment", "level", "module",
                "conversion", "is_async", "simple", "asname", "kwd_attrs", "rest", "tag",
                # singleton-like markers a pass reads through their parent (n.ctx, n.op),
                # never by walking to them: a third of an expression's nodes
                "ctx", "op", "ops"}
_CHILD_FIELDS: dict = {}


def _child_fields(cls) -> tuple:
    fields = tuple(f for f in cls._fields if f not in _LEAF_FIELDS
                   and not (f == "value" and cls is gast.Constant)
                   and not (f == "names" and cls in (gast.Global, gast.Nonlocal))
                   or f == "name" and cls is gast.ExceptHandler)  # a Name there
    _CHILD_FIELDS[cls] = fields
    return fields


def child_fields(cls) -> tuple:
    """The fields of a node class that may hold nodes `walk` visits."""
    fields = _CHILD_FIELDS.get(cls)
    return _child_fields(cls) if fields is None else fields


def children(node: gast.AST) -> list:
    """The nodes directly under `node`, as `gast.iter_child_nodes` gives them (contexts
    and operators aside, as in `walk`)."""
    found = []
    fields = _CHILD_FIELDS.get(node.__class__)
    if fields is None:
        fields = _child_fields(node.__class__)
    for field in fields:
        value = getattr(node, field, None)
        if value.__class__ is list:
            found += [v for v in value if isinstance(v, _AST)]
        elif isinstance(value, _AST):
            found.append(value)
    return found


def walk(node: gast.AST) -> list:
    """Every node under `node`, itself included, in the order `gast.walk` gives them, as
    a list: several times faster than the generator, for passes that read the tree
    (a pass that replaces nodes while it walks needs the generator). Contexts and
    operators (`Load()`, `Add()`, the `ops` of a Compare) are left out: a pass reads
    them through their node (`n.ctx`, `n.op`)."""
    found = [node]
    append = found.append
    fields_of = _CHILD_FIELDS.get
    for n in found:  # extended as it goes: breadth first, like ast.walk
        cls = n.__class__
        if cls is _NAME:  # half the nodes: only a parameter's annotation under it
            if n.annotation is not None:
                append(n.annotation)
            continue
        fields = fields_of(cls)
        if fields is None:
            fields = _child_fields(cls)
        for field in fields:
            value = getattr(n, field, None)
            if value.__class__ is list:
                for v in value:
                    if isinstance(v, _AST):
                        append(v)
            elif isinstance(value, _AST):
                append(value)
    return found


_NO_NODES: tuple = ()


class Walk:
    """`walk(tree)` (`nodes`), with its nodes by class (`of`): for the passes that look at
    a few classes of nodes only (names, calls, definitions), a list of those nodes, in the
    walk's order, in place of a loop over every node asking each its class. Made in the
    walk's own loop. It describes the tree as walked: after a pass changes the tree, walk
    it again."""

    __slots__ = ("nodes", "by_class")

    def __init__(self, tree: gast.AST):
        found = [tree]
        append = found.append
        fields_of = _CHILD_FIELDS.get
        named: list = []  # (half the nodes: kept apart, not looked up)
        keep_name = named.append
        by_class: dict = {}
        group = by_class.get
        for n in found:  # `walk`'s loop
            cls = n.__class__
            if cls is _NAME:
                keep_name(n)
                if n.annotation is not None:
                    append(n.annotation)
                continue
            same = group(cls)
            if same is None:
                by_class[cls] = [n]
            else:
                same.append(n)
            fields = fields_of(cls)
            if fields is None:
                fields = _child_fields(cls)
            for field in fields:
                value = getattr(n, field, None)
                if value.__class__ is list:
                    for v in value:
                        if isinstance(v, _AST):
                            append(v)
                elif isinstance(value, _AST):
                    append(value)
        if named:
            by_class[_NAME] = named
        self.nodes = found
        self.by_class = by_class

    def of(self, cls) -> list:
        """The nodes of class `cls` (gast's classes have no subclasses), in walk order."""
        return self.by_class.get(cls, _NO_NODES)

    def has(self, classes) -> bool:
        """Whether a node of one of `classes` (a set) occurs."""
        return not classes.isdisjoint(self.by_class)


_STATEMENT_LISTS = ("body", "orelse", "handlers", "finalbody", "cases")
_SKELETON_FIELDS: dict = {}


def skeleton(tree: gast.AST) -> list:
    """The nodes that make `tree`'s statement structure, in the order `walk` lists them:
    `tree`, every statement, and the except handlers and match cases that hold
    statements; no expression is visited (for passes that look at statements only:
    a tenth of the nodes)."""
    found = [tree]
    append = found.append
    fields_of = _SKELETON_FIELDS.get
    for n in found:
        fields = fields_of(n.__class__)
        if fields is None:
            fields = _SKELETON_FIELDS[n.__class__] = tuple(
                f for f in n.__class__._fields if f in _STATEMENT_LISTS)
        for field in fields:
            value = getattr(n, field, None)
            if value.__class__ is list:
                for v in value:
                    if isinstance(v, _AST):
                        append(v)
    return found


def parameters(args: gast.arguments) -> list[str]:
    """Every name a signature binds: positional, keyword-only, then `*args` and `**kwargs`
    (inside the function, a tuple and a dict like any other values)."""
    return [a.id for a in args.posonlyargs + args.args + args.kwonlyargs
            + [a for a in (args.vararg, args.kwarg) if a is not None]]
