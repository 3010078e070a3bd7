"""emit/printing.py prints gast trees as `ast.unparse` prints their conversion (issue 19:
printing was a sixth of a large function's transform), character for character."""

from __future__ import annotations

import glob
import os

import gast
import pytest

import pullback
from pullback.emit import codegen, printing
from pullback.ir.nodes import comment

PACKAGE = os.path.dirname(os.path.abspath(pullback.__file__))


def standard(tree) -> str:
    return codegen._printed(codegen._to_printable(tree))


def ours(tree) -> str:
    return codegen._as_written(printing.printed(tree))


@pytest.mark.parametrize("path", sorted(glob.glob(os.path.join(PACKAGE, "**", "*.py"),
                                              recursive=True))[::3])
def test_the_package_prints_as_ast_unparse_prints_it(path):
    """Every module of pullback itself (a third of them), each function in it, and
    expressions from it: lambdas, comprehensions, f-strings, decorators, starred
    arguments, chained comparisons, literals of every kind."""
    with open(path, encoding="utf8") as fh:
        tree = gast.parse(fh.read())
    trees = [tree] + [n for n in gast.walk(tree) if isinstance(n, gast.FunctionDef)] \
        + [n for n in gast.walk(tree) if isinstance(n, gast.expr)][::5]
    for t in trees:
        assert ours(t) == standard(t)


SNIPPETS = [
    "x = -1.0 ** 2\ny = (-2) ** -0.5 * -3\nz = (-1).real + 1 .real + True .real",
    "a = float('inf')\nb = 1e309 - 1e309\nc = -0.0\nd = 1e-05 * -1e309",
    "x[1:2, ::3, ...] = y[()] + y[(1,)] + y[1,] + y[:, None]",
    "a, (b, *c) = d = [*e, f]\nfor i, j in zip(a, b):\n    pass\nelse:\n    k = i if j else -j",
    "if a:\n    pass\nelif b and c or not d:\n    e = {1: 2, **f}\nelse:\n    g = {h, *i}",
    "while a < b <= c is not d not in e:\n    a @= b // c % d << e >> f | g ^ h & ~i",
    "try:\n    x = 1\nexcept (A, B) as e:\n    raise C from e\nelse:\n    y\nfinally:\n    z",
    "with a as (b, c), d:\n    del e, f[1]\n    assert g, h\n    return (yield i)",
    "def f(a, /, b=1, *c, d, e=2, **g):\n    '''doc'''\n    return lambda x, *y: (x, y)",
    "def g():\n    return f'{a!r:>{b}}' + 'a\\nb' + b'c' + u'd'",
]


@pytest.mark.parametrize("source", SNIPPETS)
def test_snippets(source):
    tree = gast.parse(source)
    for t in [tree] + [n for n in gast.walk(tree) if isinstance(n, (gast.stmt, gast.expr))]:
        assert ours(t) == standard(t)


def test_comments_print_as_comments_and_keep_their_blocks():
    tree = gast.parse("def f(x):\n    if x:\n        pass\n    else:\n        pass\n"
                      "    for i in x:\n        pass\n    return x")
    function = tree.body[0]
    function.body.insert(0, comment("# first"))
    function.body[1].body = [comment("# only a comment")]
    function.body[1].orelse = [comment("# also"), comment("# two")]
    function.body[2].body.append(comment("# after"))
    text = ours(tree)
    assert text == standard(tree)
    assert "    # first\n    if x:\n        # only a comment\n        pass\n" in text
    assert "    else:\n        # also\n        # two\n        pass\n" in text
