"""frontend/to_gast.py makes the tree gast.ast_to_gast makes: node for node, the same
attributes in the same order, on the modules of this repository and of the standard
library (every construct Python has, positions included)."""

from __future__ import annotations

import ast
import glob
import os
import sysconfig

import gast
import pytest

from pullback.frontend.to_gast import to_gast

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STDLIB = sysconfig.get_paths()["stdlib"]


def _shape(node):
    if isinstance(node, gast.AST):
        return (type(node), tuple((k, _shape(v)) for k, v in vars(node).items()))
    if isinstance(node, list):
        return [_shape(v) for v in node]
    return node


def _files(pattern, every=1):
    return sorted(glob.glob(pattern, recursive=True))[::every]


@pytest.mark.parametrize("group", ["src", "tests", "stdlib"])
def test_same_tree_as_gast(group):
    files = {"src": _files(os.path.join(ROOT, "src", "**", "*.py")),
             "tests": _files(os.path.join(ROOT, "tests", "*.py"), every=3),
             "stdlib": _files(os.path.join(STDLIB, "*.py"), every=4)}[group]
    assert files
    for path in files:
        with open(path, encoding="utf-8") as fh:
            try:
                tree = ast.parse(fh.read())
            except (SyntaxError, ValueError):
                continue
        assert _shape(to_gast(tree)) == _shape(gast.ast_to_gast(tree)), path


def test_match_and_type_comments():
    text = ("def f(x, *a, k=1, **kw):  # type: (int) -> int\n"
            "    match x:\n"
            "        case [1, *rest] | {'k': _, **more}:\n"
            "            return rest\n"
            "        case Point(x=0) as p if p:\n"
            "            pass\n"
            "    try:\n"
            "        del x\n"
            "    except* ValueError as e:\n"
            "        raise\n"
            "    return lambda y=x: (yield from y), f'{x!r:>{k}}', [z async for z in a]\n")
    tree = ast.parse(text, type_comments=True)
    assert _shape(to_gast(tree)) == _shape(gast.ast_to_gast(tree))


def _renumbered(tree, shift):
    """What parse.py did before to_gast took a shift: each node's lineno and end_lineno
    (those not None) made `shift` less, after the conversion."""
    for n in gast.walk(tree):
        if getattr(n, "lineno", None) is not None:
            n.lineno -= shift
            if getattr(n, "end_lineno", None) is not None:
                n.end_lineno -= shift
    return tree


@pytest.mark.parametrize("shift", [1, 37])
def test_shifted_lines(shift):
    """to_gast(tree, shift) numbers lines as converting and then renumbering does: every
    def of a few modules (nested defs, classes, except handlers with a name, match
    statements, lambdas: gast's own conversions among them)."""
    files = _files(os.path.join(ROOT, "src", "pullback", "lower", "*.py"), every=3) \
        + _files(os.path.join(STDLIB, "*.py"), every=40)
    assert files
    for path in files:
        with open(path, encoding="utf-8") as fh:
            try:
                tree = ast.parse(fh.read())
            except (SyntaxError, ValueError):
                continue
        for node in tree.body:
            assert _shape(to_gast(node, shift)) == _shape(
                _renumbered(gast.ast_to_gast(node), shift)), (path, node.lineno)
    text = ("def f(x):\n    try:\n        pass\n    except E as e:\n        pass\n"
            "    except E:\n        pass\n    def g(y=x, *a, **k):\n        return lambda z: z\n"
            "    class C:\n        pass\n    match x:\n        case [1, *r]:\n            pass\n")
    tree = ast.parse(text).body[0]
    assert _shape(to_gast(tree, shift)) == _shape(_renumbered(gast.ast_to_gast(tree), shift))
