"""Helpers for the runnable examples in the docstrings of the lower/ modules: a
function's checked tree, and a tree printed as source.

>>> def f(x):
...     return x * 2
>>> show(parsed(f).tree)
def f(x):
    return x * 2
"""

from __future__ import annotations

import ast

import gast

from ..ir.nodes import clone


def parsed(func):
    """The checked Parsed of `func`, as the lowerings receive it."""
    from ..frontend.check import check
    from ..frontend.parse import parse_function

    found = parse_function(func)
    check(found.tree, found.location)
    return found


def lowered(func, inline=True, owned=()):
    """`func` after every lowering of normalize (`owned`: parameters it writes in place,
    as the transform finds them: lower/inputs.py)."""
    from .normalize import normalize

    found = parsed(func)
    found.owned_inputs = frozenset(owned)
    return normalize(found.tree, found, inline=inline)


def show(tree, as_written=True) -> None:
    """Print `tree` as source; with `as_written`, an `if` that stands for a with or try
    block is printed as that block, as codegen prints it."""
    if as_written:
        from ..emit.codegen import to_source  # printing only: lower never needs codegen

        print(to_source(tree).rstrip("\n"))
    else:
        print(ast.unparse(gast.gast_to_ast(clone(tree))))
