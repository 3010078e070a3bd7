"""Stage 2, check: reject every construct pullback does not differentiate.

Guarantees: if `check` returns, the function uses only the constructs listed in
`ALLOWED` (plus the argument forms checked here); anything else raised
`UnsupportedSyntaxError` naming the construct, the file, the line and showing
the source line. Later stages may therefore assume this subset.

Example: a function of the subset passes; anything else is refused where it stands.

>>> from pullback.frontend.parse import parse_function
>>> def f(x):
...     return x * 2.0
>>> check(parse_function(f).tree, parse_function(f).location)
>>> def g(x):
...     global counter
...     return x
>>> parsed = parse_function(g)
>>> check(parsed.tree, parsed.location)
Traceback (most recent call last):
...
pullback.errors.UnsupportedSyntaxError: unsupported construct: ...
"""

from __future__ import annotations

import gast

from ..errors import UnsupportedSyntaxError
from ..ir import nodes

# What a user may write inside a differentiated function.
ALLOWED = (
    # statements
    gast.Assign, gast.AugAssign, gast.AnnAssign, gast.If, gast.For, gast.While, gast.Break,
    gast.Continue, gast.Delete, gast.Return, gast.Pass, gast.Expr, gast.Raise, gast.Assert,
    gast.Try, gast.ExceptHandler, gast.With, gast.withitem,
    # match statements: values, None/True/False, alternatives, captures, sequence, mapping
    # and class patterns (lower/blocks.py)
    gast.Match, gast.match_case, gast.MatchValue, gast.MatchSingleton, gast.MatchAs,
    gast.MatchOr, gast.MatchSequence, gast.MatchStar, gast.MatchMapping, gast.MatchClass,
    # expressions
    gast.BinOp, gast.UnaryOp, gast.BoolOp, gast.Compare, gast.Call, gast.IfExp, gast.NamedExpr,
    gast.Name, gast.Constant, gast.Attribute, gast.Subscript, gast.Slice, gast.Tuple, gast.List,
    gast.keyword, gast.FunctionDef, gast.Lambda, gast.arguments, gast.ListComp,
    gast.GeneratorExp, gast.comprehension, gast.Dict, gast.DictComp, gast.JoinedStr,
    gast.FormattedValue, gast.Starred, gast.Set, gast.SetComp,
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
    gast.Nonlocal: "nonlocal statement (other than in a nested function's own body)",
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

    for stmt in tree.body:
        found = nodes.walk(stmt)  # one walk for the three questions
        spread = _spread_places(stmt, found)
        nested = {id(inner) for node in found if node.__class__ is gast.FunctionDef
                  for inner in node.body}  # statements of a nested function's own body
        # `yield v` statements of a generator defined in f's body (lower/generators.py)
        yields = {id(part) for s in own_yields(stmt) for part in (s, s.value)}
        for node in found:
            if node.__class__ in _PLAIN:  # (most nodes: names, constants, operations)
                continue
            if isinstance(node, gast.Nonlocal) and id(node) in nested:
                continue  # a nested function sets the function's variable (inlining.py)
            if id(node) in yields:
                continue
            if isinstance(node, gast.Starred) and id(node) not in spread \
                    and not isinstance(node.ctx, gast.Store):  # targets: _check_target
                reject(node, "starred expression (*x) outside the arguments of a call "
                             "and tuple, list and set displays")
            if isinstance(node, ALLOWED):
                _check_detail(node, reject)
                continue
            what = CONSTRUCT_NAMES.get(type(node), f"{type(node).__name__} node")
            reject(node, what)


# The allowed nodes with nothing more to check (_check_detail looks at none of them, a
# starred value is checked where it stands): skipped by their class alone.
_PLAIN = frozenset(cls for cls in ALLOWED if not cls.__subclasses__()) - {
    gast.Starred, gast.Return, gast.Expr, gast.Try, gast.withitem, gast.comprehension,
    gast.Dict, gast.Assign, gast.AugAssign, gast.AnnAssign, gast.Delete, gast.For,
    gast.FunctionDef, gast.Lambda}


def own_yields(stmt) -> list:
    """The `yield v` and `yield from v` statements of `stmt` when it is a def (a generator
    defined in f's body), outside the functions and lambdas inside it; [] otherwise."""
    if not isinstance(stmt, gast.FunctionDef):
        return []
    out, todo = [], list(stmt.body)
    while todo:
        node = todo.pop()
        if isinstance(node, gast.Expr) and isinstance(node.value, (gast.Yield, gast.YieldFrom)):
            out.append(node)
        elif not isinstance(node, (gast.FunctionDef, gast.Lambda)):
            todo.extend(gast.iter_child_nodes(node))
    return out


def _spread_places(stmt, found=None) -> set:
    """Ids of the items a starred value may be: the arguments of a call (`f(*xs)`) and the
    items of tuple, list and set displays that are read (`(*xs, y)`, `[*xs, y]`,
    `{*xs, y}`), but not of an index (`x[*i]`). (`found`: `walk(stmt)`, if made.)"""
    places = set()
    indices = set()
    for node in nodes.walk(stmt) if found is None else found:
        cls = node.__class__  # (gast's classes have no subclasses)
        if cls is gast.Call:
            places.update(map(id, node.args))
        elif cls in _DISPLAYS and not isinstance(getattr(node, "ctx", None), gast.Store):
            places.update(map(id, node.elts))
        elif cls is gast.Subscript and isinstance(node.slice, gast.Tuple):
            indices.update(map(id, node.slice.elts))
    return places - indices


_DISPLAYS = (gast.Tuple, gast.List, gast.Set)


def _check_detail(node, reject) -> None:
    if isinstance(node, gast.Return) and node.value is None:
        # `return` is `return None`: refused when it runs (check_scalar), not when a
        # path that never takes it is differentiated
        node.value = gast.Constant(value=None, kind=None)
        gast.copy_location(node.value, node)
    elif isinstance(node, gast.Expr) and type(node.value) in CONSTRUCT_NAMES:
        reject(node, CONSTRUCT_NAMES[type(node.value)])  # yield x, await y
    elif isinstance(node, gast.Try):
        _check_try(node, reject)
    elif isinstance(node, gast.withitem) and node.optional_vars is not None \
            and not isinstance(node.optional_vars, gast.Name):
        reject(node.context_expr, "`with ... as` a tuple or attribute (use one name)")
    elif isinstance(node, gast.comprehension) and node.is_async:
        reject(node, "async comprehension")
    elif isinstance(node, gast.Assign):
        for target in node.targets:
            _check_target(target, reject, node)
    elif isinstance(node, (gast.AugAssign, gast.AnnAssign)):
        _check_target(node.target, reject, node)
    elif isinstance(node, gast.Delete) and not all(
            isinstance(t, gast.Name) for t in node.targets):
        reject(node, "del of an item, slice or attribute (del d[key]: use d.pop(key); "
                     "del of names is supported)")
    elif isinstance(node, gast.For):
        _check_target(node.target, reject, node)
    elif isinstance(node, (gast.FunctionDef, gast.Lambda)):
        args = node.args
        if args.kwonlyargs:
            reject(node, "nested function with keyword-only parameters")
        if isinstance(node, gast.FunctionDef) and node.decorator_list:
            reject(node, "decorated nested function")


def _check_try(node, reject) -> None:
    """The `try` statements normalize can lower: except clauses, an optional `else`, an
    optional `finally` (see lower/blocks.py)."""
    if not node.handlers and not node.finalbody:
        reject(node, "try without an except clause")


def is_list_update(stmt) -> bool:
    """`values.append(v)`, `values.extend(vs)`, `values.insert(i, v)`, `values.pop(i)` or
    `d.pop(k, default)` on a name, as a statement."""
    value = getattr(stmt, "value", None)
    if not (isinstance(stmt, gast.Expr) and isinstance(value, gast.Call)
            and isinstance(value.func, gast.Attribute) and isinstance(value.func.value, gast.Name)
            and not value.keywords):
        return False
    if value.func.attr == "pop":
        return len(value.args) <= 2  # values.pop(i), d.pop(k, default)
    if value.func.attr == "insert":
        return len(value.args) == 2  # values.insert(i, v)
    return value.func.attr in ("append", "extend") and len(value.args) == 1


def _check_target(target, reject, stmt) -> None:
    if isinstance(target, gast.Name):
        return
    if isinstance(target, (gast.Tuple, gast.List)):
        starred = [e for e in target.elts if isinstance(e, gast.Starred)]
        if starred and not (isinstance(stmt, gast.Assign) and len(starred) == 1
                            and isinstance(starred[0].value, gast.Name)):
            reject(stmt, "starred assignment target other than `a, *rest = values` "
                         "(one starred name, in an assignment)")
        for elt in target.elts:
            _check_target(elt.value if isinstance(elt, gast.Starred) else elt, reject, stmt)
        return
    if isinstance(target, gast.Subscript) and (
            isinstance(target.value, gast.Name) or isinstance(target.value, gast.Attribute)
            and isinstance(target.value.value, gast.Name)):
        return  # x[i] = v; self.cache[key] = v (lower/inlining.py: on objects f builds)
    if isinstance(target, gast.Attribute) and isinstance(target.value, gast.Name) \
            and isinstance(stmt, (gast.Assign, gast.AugAssign)):
        return  # obj.attr = v: a plain value only (runtime.set_attribute checks it)
    if isinstance(target, gast.Attribute):
        reject(stmt, "assignment to an attribute (obj.attr = ...)")
    reject(stmt, f"assignment to {type(target).__name__.lower()}")
