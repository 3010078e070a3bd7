"""Python's `ast` tree -> gast's, as `gast.ast_to_gast` makes it, in half its time.

Guarantee: the tree is the one `gast.ast_to_gast` returns, node for node, with the same
attributes in the same order (gast's own special cases, `visit_arg`, `visit_FunctionDef`,
..., are its own methods, inherited); only its generic step (a node of the same class
and fields) and its `Name` are made without NodeTransformer's per-node dispatch and
keyword-argument constructor. `tests/test_to_gast.py` compares the two on every module
of the standard library and of this repository.
"""

from __future__ import annotations

import ast

import gast
from gast.ast3 import Ast3ToGAst

_new = gast.AST.__new__
_CONTEXTS = {ast.Load: gast.Load, ast.Store: gast.Store, ast.Del: gast.Del}
_NODE_OR_LIST = (ast.AST, list)
_MISSING = object()


def to_gast(tree: ast.AST) -> gast.AST:
    """`gast.ast_to_gast(tree)`."""
    converter = _ToGast()
    try:
        return converter.visit(tree)
    finally:  # its handlers hold its bound methods: a cycle, left for the collector
        converter._handlers.clear()


class _ToGast(Ast3ToGAst):
    def __init__(self):
        self._handlers: dict = {}  # ast class -> the function converting its nodes

    def visit(self, node):
        handler = self._handlers.get(node.__class__)
        if handler is None:
            cls = node.__class__
            handler = getattr(self, "visit_" + cls.__name__, None) or self._generic(cls)
            self._handlers[cls] = handler
        return handler(node)

    def _visit(self, node):
        if isinstance(node, ast.AST):
            return self.visit(node)
        if node.__class__ is list:
            return [self.visit(n) if isinstance(n, ast.AST) else self._visit(n) for n in node]
        return node

    def generic_visit(self, node):
        return self._generic(node.__class__)(node)

    def _generic(self, cls):
        """The conversion of a node of class `cls` that gast converts generically: the
        gast node of the same name, with the fields and then the positions the node has
        (None for a class gast does not have)."""
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
            new = _new(to)
            new.__dict__ = values
            return new

        return convert

    def visit_Name(self, node):  # gast's, which copies the position with copy_location
        new = _new(gast.Name)
        new.__dict__ = {"id": node.id, "ctx": _new(_CONTEXTS[node.ctx.__class__]),
                        "annotation": None, "type_comment": None, "lineno": node.lineno,
                        "col_offset": node.col_offset, "end_lineno": node.end_lineno,
                        "end_col_offset": node.end_col_offset}
        return new
