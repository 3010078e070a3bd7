"""Stage 7, simplify: local rewrites that never change a value.

Guarantees: folds arithmetic on literal numbers (`2 - 1` -> `1`) and removes
identities that hold for every numeric type NumPy and Python share
(`x ** 1` -> `x`). It never changes which statements run or in what order.
"""

from __future__ import annotations

import operator

import gast

from .nodes import const

_FOLD = {gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul}


def _number(node):
    return isinstance(node, gast.Constant) and type(node.value) in (int, float)


class _Simplify(gast.NodeTransformer):
    def visit_BinOp(self, node):
        self.generic_visit(node)
        fold = _FOLD.get(type(node.op))
        if fold and _number(node.left) and _number(node.right):
            return const(fold(node.left.value, node.right.value))
        if isinstance(node.op, gast.Pow) and _number(node.right) and node.right.value == 1 \
                and type(node.right.value) is int:
            return node.left
        return node


def simplify(tree: gast.AST) -> gast.AST:
    return _Simplify().visit(tree)
