"""Python's `ast` tree -> gast's, as `gast.ast_to_gast` makes it, in half its time.

Guarantee: the tree is the one `gast.ast_to_gast` returns, node for node, with the same
attributes in the same order (gast's own special cases, `visit_arg`, `visit_FunctionDef`,
..., are its own methods, inherited); only its generic step (a node of the same class
and fields) and its `Name` are made without NodeTransformer's per-node dispatch and
keyword-argument constructor. `tests/test_to_gast.py` compares the two on every module
of the standard library and of this repository. With `shift`, every node's `lineno` and
`end_lineno` (those not None) are `shift` less, as a walk renumbering them after would
make them: a def parsed with its module is numbered as a parse of its own text numbers
it, without that walk.
"""

from __future__ import annotations

import ast

import gast
from gast.ast3 import Ast3ToGAst

_new = gast.AST.__new__
_CONTEXTS = {ast.Load: gast.Load, ast.Store: gast.Store, ast.Del: gast.Del}
_NODE_OR_LIST = (ast.AST, list)
_MISSING = object()


def to_gast(tree: ast.AST, shift: int = 0) -> gast.AST:
    """`gast.ast_to_gast(tree)`, its line numbers `shift` less."""
    converter = _ToGast(shift)
    try:
        return converter.visit(tree)
    finally:  # its handlers hold its bound methods: a cycle, left for the collector
        converter._handlers.clear()


class _ToGast(Ast3ToGAst):
    def __init__(self, shift=0):
        self._handlers: dict = {}  # ast class -> the function converting its nodes
        self.shift = shift

    def visit(self, node):
        handler = self._handlers.get(node.__class__)
        if handler is None:
            cls = node.__class__
            handler = None if cls is ast.Constant \
                else getattr(self, "visit_" + cls.__name__, None)
            if handler is None:
                handler = self._generic(cls, self.shift)
            elif self.shift and cls is not ast.Name:  # gast's own: positions copied as is
                handler = self._shifted(handler)
            self._handlers[cls] = handler
        return handler(node)

    def _shifted(self, handler):
        """`handler` (one of gast's own conversions, which copies the node's position),
        the line numbers of the node it makes `shift` less (those of the nodes under it
        are, made by `visit`)."""
        shift = self.shift

        def convert(node):
            new = handler(node)
            if getattr(new, "lineno", None) is not None:
                new.lineno -= shift
                if getattr(new, "end_lineno", None) is not None:
                    new.end_lineno -= shift
            return new

        return convert

    def _visit(self, node):
        if isinstance(node, ast.AST):
            return self.visit(node)
        if node.__class__ is list:
            return [self.visit(n) if isinstance(n, ast.AST) else self._visit(n) for n in node]
        return node

    def generic_visit(self, node):  # (for gast's own conversions: `_shifted` shifts it)
        return self._generic(node.__class__, 0)(node)

    def _generic(self, cls, shift):
        """The conversion of a node of class `cls` that gast converts generically: the
        gast node of the same name, with the fields and then the positions the node has
        (its line numbers `shift` less; None for a class gast does not have)."""
        to = getattr(gast, cls.__name__, None)
        fields, attributes, visit = cls._fields, cls._attributes, self._visit

        def convert(node):
            if to is None:
                return None
            values = {}
            for name in fields:
                value = getattr(node, name, _MISSING)
                if value is not _MISSING:
                    values[name] = visit(value) if isinstance(value, _NODE_OR_LIST) else value
            for name in attributes:
                value = getattr(node, name, _MISSING)
                if value is not _MISSING:
                    values[name] = value
            if shift and values.get("lineno") is not None:
                values["lineno"] -= shift
                if values.get("end_lineno") is not None:
                    values["end_lineno"] -= shift
            new = _new(to)
            new.__dict__ = values
            return new

        return convert

    # gast's `visit_Constant` looks for a deprecated `visit_Num`-like method (none here:
    # an AttributeError raised per constant) and falls back to the generic conversion,
    # made anew per constant: `visit` converts constants generically at once.

    def visit_Name(self, node):  # gast's, which copies the position with copy_location
        new = _new(gast.Name)
        line, end = node.lineno, node.end_lineno
        if self.shift and line is not None:
            line -= self.shift
            if end is not None:
                end -= self.shift
        new.__dict__ = {"id": node.id, "ctx": _new(_CONTEXTS[node.ctx.__class__]),
                        "annotation": None, "type_comment": None, "lineno": line,
                        "col_offset": node.col_offset, "end_lineno": end,
                        "end_col_offset": node.end_col_offset}
        return new
