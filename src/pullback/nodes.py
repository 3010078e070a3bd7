"""Small builders for gast nodes and code templates, shared by every stage.

`quote("g * np.cos(x)")` parses a template once (cached) and returns a fresh copy;
`substitute(tree, {"x": node})` replaces names in it. Builders never share nodes
between two places in a tree.
"""

from __future__ import annotations

import copy
import functools

import gast


def load(name: str) -> gast.Name:
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)


def store(name: str) -> gast.Name:
    return gast.Name(id=name, ctx=gast.Store(), annotation=None, type_comment=None)


def const(value) -> gast.Constant:
    return gast.Constant(value=value, kind=None)


def assign(target: str | gast.AST, value: gast.AST) -> gast.Assign:
    if isinstance(target, str):
        target = store(target)
    return gast.Assign(targets=[target], value=value, type_comment=None)


def call(func: str | gast.AST, *args: gast.AST, **keywords: gast.AST) -> gast.Call:
    if isinstance(func, str):
        func = attribute_chain(func)
    kws = [gast.keyword(arg=k, value=v) for k, v in keywords.items()]
    return gast.Call(func=func, args=list(args), keywords=kws)


def attribute_chain(dotted: str) -> gast.AST:
    parts = dotted.split(".")
    node: gast.AST = load(parts[0])
    for part in parts[1:]:
        node = gast.Attribute(value=node, attr=part, ctx=gast.Load())
    return node


def dotted_name(node: gast.AST) -> str | None:
    """'np.linalg.norm' for an Attribute chain of Names, None for anything else."""
    parts = []
    while isinstance(node, gast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, gast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def tuple_of(*elts: gast.AST, ctx=None) -> gast.Tuple:
    return gast.Tuple(elts=list(elts), ctx=ctx or gast.Load())


def if_(test: gast.AST, body: list, orelse: list | None = None) -> gast.If:
    return gast.If(test=test, body=body or [gast.Pass()], orelse=orelse or [])


def not_(operand: gast.AST) -> gast.UnaryOp:
    return gast.UnaryOp(op=gast.Not(), operand=operand)


def binop(left: gast.AST, op: gast.AST, right: gast.AST) -> gast.BinOp:
    return gast.BinOp(left=left, op=op, right=right)


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
    return copy.deepcopy(_parse_expr(source))


class _Substitute(gast.NodeTransformer):
    def __init__(self, mapping):
        self.mapping = mapping

    def visit_Name(self, node):
        if node.id in self.mapping:
            return copy.deepcopy(self.mapping[node.id])
        return node


def substitute(tree: gast.AST, mapping: dict[str, gast.AST]) -> gast.AST:
    return _Substitute(mapping).visit(tree)


def is_atom(node: gast.AST) -> bool:
    return isinstance(node, (gast.Name, gast.Constant))


def walk(node: gast.AST) -> list:
    """Every node under `node`, itself included, in the order `gast.walk` gives them, as
    a list: several times faster than the generator, for passes that read the tree
    (a pass that replaces nodes while it walks needs the generator)."""
    found = [node]
    for n in found:  # extended as it goes: breadth first, like ast.walk
        for field in n._fields:
            value = getattr(n, field, None)
            if isinstance(value, list):
                found += [v for v in value if isinstance(v, gast.AST)]
            elif isinstance(value, gast.AST):
                found.append(value)
    return found
