"""Stage 2, check: reject every construct pullback does not differentiate.

Guarantees: if `check` returns, the function uses only the constructs listed in
`ALLOWED` (plus the argument forms checked here); anything else raised
`UnsupportedSyntaxError` naming the construct, the file, the line and showing
the source line. Later stages may therefore assume this subset.
"""

from __future__ import annotations

import gast

from .errors import UnsupportedSyntaxError

# What a user may write inside a differentiated function.
ALLOWED = (
    # statements
    gast.Assign, gast.AugAssign, gast.AnnAssign, gast.If, gast.For, gast.While, gast.Break,
    gast.Continue, gast.Return, gast.Pass, gast.Expr,
    # expressions
    gast.BinOp, gast.UnaryOp, gast.BoolOp, gast.Compare, gast.Call, gast.IfExp, gast.Name,
    gast.Constant, gast.Attribute, gast.Subscript, gast.Slice, gast.Tuple, gast.List,
    gast.keyword,
    # contexts and operators
    gast.expr_context, gast.operator, gast.unaryop, gast.boolop, gast.cmpop,
)

# Human names of what is rejected, by node type.
CONSTRUCT_NAMES = {
    gast.ClassDef: "class definition",
    gast.FunctionDef: "nested function definition (def inside the differentiated function)",
    gast.AsyncFunctionDef: "async function",
    gast.Try: "try/except statement",
    gast.With: "with statement",
    gast.AsyncWith: "async with statement",
    gast.AsyncFor: "async for loop",
    gast.Yield: "yield (generator function)",
    gast.YieldFrom: "yield from (generator function)",
    gast.Await: "await expression",
    gast.Global: "global statement",
    gast.Nonlocal: "nonlocal statement",
    gast.Delete: "del statement",
    gast.Raise: "raise statement",
    gast.Assert: "assert statement",
    gast.Import: "import statement inside the function",
    gast.ImportFrom: "import statement inside the function",
    gast.Lambda: "lambda expression",
    gast.ListComp: "list comprehension",
    gast.SetComp: "set comprehension",
    gast.DictComp: "dict comprehension",
    gast.GeneratorExp: "generator expression (comprehension)",
    gast.Dict: "dict display",
    gast.Set: "set display",
    gast.Starred: "starred expression (*x)",
    gast.NamedExpr: "assignment expression (:=)",
    gast.JoinedStr: "f-string",
    gast.Match: "match statement",
}


def check(tree: gast.FunctionDef, location) -> None:
    def reject(node, what):
        raise UnsupportedSyntaxError(
            f"unsupported construct: {what}. pullback cannot differentiate it",
            location.describe(node),
        )

    if isinstance(tree, gast.AsyncFunctionDef):
        reject(tree, "async function")
    args = tree.args
    if args.vararg is not None:
        reject(tree, f"*{args.vararg.id} (variable positional arguments, *args)")
    if args.kwarg is not None:
        reject(tree, f"**{args.kwarg.id} (variable keyword arguments, **kwargs)")

    for stmt in tree.body:
        for node in gast.walk(stmt):
            if isinstance(node, ALLOWED):
                _check_detail(node, reject)
                continue
            what = CONSTRUCT_NAMES.get(type(node), f"{type(node).__name__} node")
            reject(node, what)


def _check_detail(node, reject) -> None:
    if isinstance(node, (gast.For, gast.While)) and node.orelse:
        reject(node, f"else clause on a {type(node).__name__.lower()} loop")
    elif isinstance(node, gast.Return) and node.value is None:
        reject(node, "return without a value (the function must return a number)")
    elif isinstance(node, gast.Expr) and not isinstance(node.value, gast.Constant):
        reject(node, "expression statement (a call made for its side effects)")
    elif isinstance(node, gast.Assign):
        for target in node.targets:
            _check_target(target, reject, node)
    elif isinstance(node, (gast.AugAssign, gast.AnnAssign)):
        _check_target(node.target, reject, node)
    elif isinstance(node, gast.For):
        _check_target(node.target, reject, node)


def _check_target(target, reject, stmt) -> None:
    if isinstance(target, gast.Name):
        return
    if isinstance(target, (gast.Tuple, gast.List)):
        for elt in target.elts:
            _check_target(elt, reject, stmt)
        return
    if isinstance(target, gast.Subscript) and isinstance(target.value, gast.Name):
        return
    if isinstance(target, gast.Attribute):
        reject(stmt, "assignment to an attribute (obj.attr = ...)")
    reject(stmt, f"assignment to {type(target).__name__.lower()}")


def check_writes(tree, analysis, parsed) -> None:
    """In-place writes: placeholder until the buffer checks land."""
