"""Stage 8, codegen: gast -> Python source -> a live function.

Guarantees: the printed source is what runs (it is compiled from exactly that
text and registered in `linecache`, so tracebacks and pdb show generated lines);
a compiled gradient's globals are the user's module globals (read live, never
written), and its helpers (`np`, `math`, runtime helpers) and the user's closure
cells are bound as closure variables, and so are, per function object, the objects
its entry guards compare (`PER_FUNCTION`). Generated code never calls a NumPy or `math`
function that was replaced after pullback was imported: such code is refused; the
ones f calls have entry guards, and past them are called through the constant the guard
compares (`_call_checked`), and the ones only derivative rules call are bound as
they were found, as constants (`guard_unpatched`).

Example: a gast tree printed (a `comment` statement as a comment line) and compiled.

>>> import gast
>>> from pullback.ir.nodes import comment
>>> tree = gast.parse("def twice(x): y = x * 2; return y").body[0]
>>> tree.body.insert(1, comment("# the generated code reads like this"))
>>> print(to_source(tree))
def twice(x):
    y = x * 2
    # the generated code reads like this
    return y
<BLANKLINE>
>>> def user(x): ...
>>> code = compile_source(to_source(tree), ["twice"], [], "twice")["twice"]
>>> bind(code, user)(21)
42
"""

from __future__ import annotations

import ast
import itertools
import linecache
import math
import os
import types
import warnings

import gast
import numpy as np

from ..errors import PullbackError
from ..helpers import HELPERS
from ..ir.annotations import BLOCK, CATCH, CAUGHT, ENTERED, INLINED_FROM
from ..ir.nodes import child_fields, comment, skeleton, walk
from .printing import printed

_counter = itertools.count()
_HELPER_CELLS = {name: types.CellType(value) for name, value in HELPERS.items()}


# What the modules the rules call held when pullback was imported: a rule's adjoint calls
# `math.cos` or `np.linalg.solve` by name, so a function monkeypatched there since would
# silently change the derivative.
_PRISTINE = {id(m): (m, dict(vars(m))) for m in (math, np, np.linalg, np.fft, np.random)}


def guard_unpatched(tree: gast.AST, guarded, namer, constants: dict, locate,
                    chains=None) -> dict:
    """Refuse generated code that calls, through `np` or `math`, a function replaced
    (monkeypatched) since pullback was imported (`locate(dotted)` says where: the line
    of the user's code that spells it, else the function's def line). The names the
    user's code calls (`guarded`) have entry guards of their own (`reverse`), so a
    later replacement is noticed. The others are what derivative rules call (`math.cos`
    in the adjoint of `math.sin`): f never calls them, so what they are bound to later
    cannot change f, and the generated code calls them as pullback found them, bound
    when transforming (`math_cos`, a constant of the generated code) and never read
    again, so they need no guard. Returns those constants: name -> dotted name.
    `chains`: function id -> the chains under its body, as simplify found them (then its
    body is not walked for them again; `_chains_under` lists them otherwise)."""
    functions = tree.body if isinstance(tree, gast.Module) else [tree]
    bound: dict = {}  # dotted name -> name of the constant holding the original
    checked: dict = {}  # constant an entry guard compares -> its dotted name
    for function in functions:
        handed = chains.get(id(function)) if chains else None
        if handed is None:
            places = _chains_under(function)  # (one walk serves both passes)
        else:  # the def's own parts (parameters, defaults) walked, then the body's chains
            body, function.body = function.body, []
            places = _chains_under(function) + handed
            function.body = body
        if _call_checked(function, guarded, namer, constants, places, checked):
            # the chains bound to a guard's constant are chains no more
            places = [p for p in places if _root(p[3]) in _CHAINED and (
                getattr(p[0], p[1]) if p[2] is None else getattr(p[0], p[1])[p[2]]) is p[3]]
        try:
            used = _pristine(places, locate)
        except PullbackError:
            if handed is None:
                raise
            # the chain the message names: the first replaced in the walk's order
            _pristine([p for p in _chains_under(function) if _root(p[3]) in _CHAINED],
                      locate)
            raise
        # the longest chains only: `np.linalg.solve` also reads `np.linalg`
        longest = {name for name in used if name not in guarded
                   and not any(other.startswith(name + ".") for other in used)}
        for name in sorted(longest):
            if name not in bound:
                bound[name] = namer.fresh(name.replace(".", "_"))
                constants[bound[name]] = used[name]
        if longest:
            _bind_chains(places, {name: bound[name] for name in longest})
    return {**{constant: name for name, constant in bound.items()}, **checked}


def _pristine(places, locate) -> dict:
    """Dotted name -> the object pullback found there, for each link of the chains at
    `places` on the modules pullback keeps pristine copies of (`np.linalg.solve` and
    `np.linalg`); refused if one was replaced since (monkeypatched)."""
    used = {}
    looked = set()  # the chains looked up already (`math.sin` on every other line)
    for _, _, _, node in places:
        chain = []
        while node.__class__ is gast.Attribute:
            chain.append(node.attr)
            node = node.value
        key = (node.id, *chain)
        if key in looked:
            continue
        looked.add(key)
        obj, spelled = HELPERS[node.id], node.id
        for attr in reversed(chain):
            module, pristine = _PRISTINE.get(id(obj), (None, {}))
            if module is not obj or attr not in pristine:
                break
            spelled += "." + attr
            if getattr(obj, attr, None) is not pristine[attr]:
                raise PullbackError(
                    f"{spelled} was replaced after pullback was imported (monkeypatched?), "
                    "and the derivative pullback generates calls it; restore it"
                    + (f"\n  {locate(spelled)}" if locate(spelled) else ""))
            obj = pristine[attr]
            used[spelled] = obj
    return used


def _call_checked(function, guarded, namer, constants, places, checked) -> bool:
    """Bind each chain f calls or reads (`math.sin`, in `guarded`) that an entry guard
    compares (`if math.sin is not math_sin: rebound('math.sin')`) to that guard's
    constant after the guards: past them the chain holds exactly that object, so the
    body calls `math_sin(x)`, one closure read instead of a global read and an attribute
    lookup on every call (in a loop, on every pass), and the function called is the one
    the rule was chosen for. The constant is named after the chain. `places`: the
    function's chains (`_chains_under`). Adds to `checked` constant name -> dotted name (a
    backend compiling calls by name spells them back); returns whether it bound any."""
    body = function.body
    k = 0
    while k < len(body) and _is_guard(body[k]):
        k += 1
    names = {}  # dotted name -> the guard's constant
    for guard in body[:k]:
        test, call = guard.test, guard.body[0].value
        if test.__class__ is gast.Compare and len(test.ops) == 1 \
                and test.ops[0].__class__ is gast.IsNot \
                and test.left.__class__ is gast.Attribute and _root(test.left) in _CHAINED \
                and test.comparators[0].__class__ is gast.Name \
                and test.comparators[0].id in constants and call.func.id == "rebound":
            dotted = _dotted(test.left)
            if dotted in guarded and call.args[0].__class__ is gast.Constant \
                    and call.args[0].value == dotted:
                names[dotted] = test.comparators[0]
    if not names:
        return False
    # the chains under the statements after the guards: not those of the guards, of
    # the parameters' defaults, or any other part of the def but its body
    heads = [*body[:k]]
    for field in child_fields(function.__class__):
        value = getattr(function, field, None)
        if field != "body":
            heads += value if value.__class__ is list else [value]
    outside = {id(p[3]) for head in heads if isinstance(head, gast.AST)
               for p in _chains_under(head)}
    outside.update(id(p[3]) for p in places if p[0] is function)
    places = [p for p in places if id(p[3]) not in outside and isinstance(p[3].ctx, gast.Load)]
    read = {}
    for place in places:  # the longest link a guard compares, as _bind_chains takes it
        node = place[3]
        while node.__class__ is gast.Attribute and _dotted(node) not in names:
            node = node.value
        if node.__class__ is gast.Attribute:
            read[_dotted(node)] = names[_dotted(node)]
    for dotted, constant in sorted(read.items()):
        name = namer.fresh(dotted.replace(".", "_"))
        constants[name] = constants.pop(constant.id)
        constant.id = name
        checked[name] = dotted
    _bind_chains(places, {dotted: constant.id for dotted, constant in read.items()})
    return bool(read)


def _chains_under(function) -> list:
    """(parent, field, index in the field's list or None, node) of each whole chain of
    attributes on `np` or `math` under `function` (`np.linalg.solve`, not its
    `np.linalg`), found in one walk (`walk`'s loop, breadth first, each parent's
    children looked at as they are listed; names and constants, half the nodes, only
    when they hold a node: a parameter's annotation)."""
    places = []
    found = [function]
    append = found.append
    attribute, name, ast_node = gast.Attribute, gast.Name, gast.AST
    leaves = {name, gast.Constant}  # not entered: names (but a parameter's annotation)
    fields_of = _FIELDS.get
    for parent in found:
        cls = parent.__class__
        if cls is name:  # only a parameter's annotation under it
            if parent.annotation is not None:
                append(parent.annotation)
            continue
        link = cls is attribute  # a link of a longer chain, or on no name: not a parent
        fields = fields_of(cls)
        if fields is None:
            fields = _FIELDS[cls] = child_fields(cls)
        for field in fields:
            value = getattr(parent, field, None)
            if value.__class__ is list:
                for i, item in enumerate(value):
                    item_cls = item.__class__
                    if item_cls in leaves:
                        if item_cls is name and item.annotation is not None:
                            append(item)
                    elif isinstance(item, ast_node):
                        append(item)
                        if not link and item_cls is attribute and _root(item) in _CHAINED:
                            places.append((parent, field, i, item))
            else:
                value_cls = value.__class__
                if value_cls in leaves:
                    if value_cls is name and value.annotation is not None:
                        append(value)
                elif isinstance(value, ast_node):
                    append(value)
                    if not link and value_cls is attribute and _root(value) in _CHAINED:
                        places.append((parent, field, None, value))
    return places


_CHAINED = ("np", "math")
_FIELDS: dict = {}  # node class -> child_fields(class)


def _root(node):
    """The name a chain of attributes starts from, or None."""
    while node.__class__ is gast.Attribute:
        node = node.value
    return node.id if node.__class__ is gast.Name else None


def _bind_chains(places, names: dict) -> None:
    """Replace each dotted name `np.linalg.solve` in `names` (the whole chain, not a
    part of a longer one) by the name of the constant it is bound to, at the `places`
    `_chains_under` found (the longest link of a chain that `names` holds)."""
    for parent, field, index, node in places:
        while node.__class__ is gast.Attribute:
            dotted = _dotted(node)
            if dotted in names:
                new = gast.Name(id=names[dotted], ctx=gast.Load(), annotation=None,
                                type_comment=None)
                if index is None:
                    setattr(parent, field, new)
                else:
                    getattr(parent, field)[index] = new
                break
            parent, field, index, node = node, "value", None, node.value


def spell_bound_chains(function, chains: dict) -> None:
    """Undo `_bind_chains` in `function`: each constant named in `chains` (as
    `guard_unpatched` returns them) is spelled as the dotted name again (for a backend
    that compiles calls of `np`'s and `math`'s functions by their names)."""
    def dotted(item):
        head, *rest = chains[item.id].split(".")
        node = gast.Name(id=head, ctx=gast.Load(), annotation=None, type_comment=None)
        for attr in rest:
            node = gast.Attribute(value=node, attr=attr, ctx=gast.Load())
        return node
    at = 0  # the entry guards compare the chains with the constants: left as they are
    while at < len(function.body) and _is_guard(function.body[at]):
        at += 1
    for stmt in function.body[at:]:
        _replace(stmt, lambda item: item.__class__ is gast.Name and item.id in chains, dotted)


def _replace(function, matches, new) -> None:
    """Replace each node under `function` that `matches` by `new(node)`."""
    for node in walk(function):
        for field, value in gast.iter_fields(node):
            items = value if isinstance(value, list) else [value]
            for i, item in enumerate(items):
                if isinstance(item, gast.AST) and matches(item):
                    if value is items:
                        value[i] = new(item)
                    else:
                        setattr(node, field, new(item))


def _dotted(node):
    """`np.linalg.solve` for that chain of attributes on a name, else None."""
    chain = []
    while node.__class__ is gast.Attribute:
        chain.append(node.attr)
        node = node.value
    return ".".join([node.id, *reversed(chain)]) if node.__class__ is gast.Name else None


def helper_attribute(dotted: str):
    """What `np.linalg.solve` (a dotted name under a helper module) denotes now."""
    head, *rest = dotted.split(".")
    obj = HELPERS[head]
    for attr in rest:
        obj = getattr(obj, attr, None)
    return obj


def _is_guard(stmt, calls=("rebound", "not_scalars", "complex_to_math",
                           "operands_of_user_class")) -> bool:
    """An entry guard: `if ...: rebound(...)` (or a check of a parameter's class)."""
    if not isinstance(stmt, gast.If) or len(stmt.body) != 1 or stmt.orelse:
        return False
    call = getattr(stmt.body[0], "value", None)
    return isinstance(call, gast.Call) and isinstance(call.func, gast.Name) \
        and call.func.id in calls


def without_operand_checks(stmts) -> list:
    """`stmts` without the checks that an operator's operand is no object of a user
    class (objects.operand_of_user_class), or that a key is integers (its compiled code
    indexes with integers only), for a backend whose compiled code only takes numbers and
    arrays."""
    out = []
    for s in stmts:
        if _is_guard(s, ("operand_of_user_class", "complex_to_math", "integer_index")):
            continue
        for block in ("body", "orelse", "finalbody"):
            if isinstance(getattr(s, block, None), list):
                setattr(s, block, without_operand_checks(getattr(s, block)))
        out.append(s)
    return out


class _NegativeLiterals(ast.NodeTransformer):
    """-1.0 as a unary minus on 1.0, so `(-1.0) ** 0` keeps its parentheses in print."""

    def visit_Constant(self, node):
        value = node.value
        if type(value) in (int, float) and (value < 0 or (value == 0 and str(value)[0] == "-")):
            return ast.UnaryOp(op=ast.USub(), operand=ast.Constant(value=-value))
        return node


def _is_comment(stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) \
        and isinstance(stmt.value.value, str) and stmt.value.value.startswith("# ")


def _no_comment_only_blocks(node) -> None:
    """A block that holds only comments gets a `pass`, so that it stays a block."""
    for n in ast.walk(node):
        for field in ("body", "orelse"):
            block = getattr(n, field, None)
            if isinstance(block, list) and block and all(_is_comment(s) for s in block):
                block.append(ast.Pass())


def note_inlined(tree: gast.AST) -> None:
    """A `# inlined from NAME` comment before each run of statements that normalize took
    from the body of the function NAME, inlined at its call."""
    for node in skeleton(tree):
        for field in ("body", "orelse"):
            block = getattr(node, field, None)
            if not isinstance(block, list) or not block or not isinstance(block[0], gast.stmt) \
                    or all(INLINED_FROM.of(stmt) is None for stmt in block):
                continue
            new, last = [], None
            for stmt in block:
                source = INLINED_FROM.of(stmt)
                if source is not None and source is not last:
                    code = source.__code__
                    new.append(comment(f"# inlined from {source.__qualname__} "
                                       f"({os.path.basename(code.co_filename)}, line "
                                       f"{code.co_firstlineno})"))
                last = source
                new.append(stmt)
            block[:] = new


def to_source(tree: gast.AST) -> str:
    """The source of a gast tree: what `ast_source(gast.gast_to_ast(tree))` prints,
    printed from the gast tree itself (emit/printing.py)."""
    return _as_written(printed(_blocks_as_written(tree)))


def _blocks_as_written(tree):
    """The `if`s that normalize marked as `with` and `try` blocks, printed as those
    blocks (in place): `with manager as entered:` and `try: ... except T as caught:`."""
    block_of = BLOCK.of
    lists_of = _STATEMENT_LISTS.get
    todo = [tree]  # the nodes holding statements (`skeleton`'s, met depth first)
    while todo:
        node = todo.pop()
        fields = lists_of(node.__class__)
        if fields is None:
            fields = _statement_lists(node.__class__)
        for field in fields:
            block = getattr(node, field, None)
            if not isinstance(block, list):
                continue
            if field != "body" and field != "orelse":  # except handlers, match cases
                todo += [n for n in block if isinstance(n, gast.AST)]
                continue
            for i, s in enumerate(block):
                if s.__class__ not in _SIMPLE:
                    todo.append(s)  # (the statement as it was: its blocks are kept)
                kind = block_of(s)
                if kind is None:  # most statements: only a line, None if it has none
                    s.__dict__.setdefault("lineno", None)
                    continue
                if kind == "with" and isinstance(s, gast.If):
                    entered = None if ENTERED.of(s) is None else gast.Name(
                        id=ENTERED.of(s), ctx=gast.Store(), annotation=None, type_comment=None)
                    block[i] = gast.With(items=[gast.withitem(context_expr=s.test,
                                                              optional_vars=entered)],
                                         body=s.body, type_comment=None)
                elif kind == "try" and isinstance(s, gast.If):
                    caught = None if CAUGHT.of(s) is None else gast.Name(
                        id=CAUGHT.of(s), ctx=gast.Store(), annotation=None, type_comment=None)
                    handler = gast.ExceptHandler(type=CATCH.of(s), name=caught,
                                                 body=s.orelse or [gast.Pass()])
                    block[i] = gast.Try(body=s.body, handlers=[handler], orelse=[],
                                        finalbody=[])
                block[i].lineno = getattr(s, "lineno", None)
    return tree


_STATEMENT_LISTS: dict = {}  # node class -> its fields that may hold statement lists
_SIMPLE = {gast.Assign, gast.Expr, gast.Return, gast.AugAssign, gast.Pass}  # (hold none)


def _statement_lists(cls) -> tuple:
    fields = _STATEMENT_LISTS[cls] = tuple(
        f for f in cls._fields if f in ("body", "orelse", "handlers", "finalbody", "cases"))
    return fields


def ast_source(node: ast.AST) -> str:
    """The source of a tree that `gast.gast_to_ast` made (which the printing changes)."""
    node = _NegativeLiterals().visit(node)
    _no_comment_only_blocks(node)
    ast.fix_missing_locations(node)
    return _printed(node)


def _to_printable(node):
    """The `ast` tree `gast.gast_to_ast` makes of a gast tree, with what `ast_source`
    changes before printing: negative literals as unary minus, a `pass` in blocks of
    only comments. Of the positions, statements keep their line (the printer reads it
    to find type comments)."""
    plan = _PLANS.get(node.__class__)
    if plan is None:
        plan = _plan(node.__class__)
    kind, target, fields = plan
    if kind is _NODE:
        return target(node)
    if kind is _STATEMENT:
        new = target(node)
        if isinstance(new, ast.stmt):
            new.lineno = getattr(node, "lineno", 1)
        for field in ("body", "orelse"):
            block = getattr(new, field, None)
            if block.__class__ is list and block and all(_is_comment(s) for s in block):
                block.append(ast.Pass())
        return new
    if kind is _LIST:
        return [_to_printable(n) for n in node]
    if kind is _SPECIAL_NODE:
        return target(node)
    return target if kind is _MARKER else node  # a marker, or a plain value


_ABSENT = object()
_NODE, _STATEMENT, _LIST, _SPECIAL_NODE, _MARKER, _VALUE = range(6)
_PLANS: dict = {}  # class -> (kind, ast class or function or marker, gast fields)


def _plan(cls):
    """How `_to_printable` converts an object of class `cls`, decided once per class."""
    if cls is list:
        plan = (_LIST, None, ())
    elif not issubclass(cls, gast.AST):
        plan = (_VALUE, None, ())
    elif cls in _SPECIAL:
        plan = (_SPECIAL_NODE, _SPECIAL[cls], ())
    elif cls in _MARKERS:  # Load(), Add(), ...: one shared instance, as ast.parse does
        plan = (_MARKER, _MARKERS[cls], ())
    else:
        target = getattr(ast, cls.__name__, None)
        if target is None:  # what gast drops
            plan = (_MARKER, None, ())
        else:
            holds_blocks = issubclass(target, ast.stmt) or "body" in target._fields
            plan = (_STATEMENT if holds_blocks else _NODE, _converter(target, cls._fields),
                    None)
    _PLANS[cls] = plan
    return plan


def _converter(target, fields):
    """A function making the `target` node of a gast node with `fields`, each converted:
    written out per class (a call per node, no loop over its fields), with the general
    form for a node missing some field."""
    def general(node):
        return target(**{field: _to_printable(value) for field in fields
                         if (value := getattr(node, field, _ABSENT)) is not _ABSENT})

    text = ("def convert(node):\n    try:\n        return target("
            + ", ".join(f"{f}=convert_field(node.{f})" for f in fields)
            + ")\n    except AttributeError:\n        return general(node)\n")
    scope = {"target": target, "convert_field": _to_printable, "general": general}
    exec(text, scope)  # noqa: S102 (field names of gast's node classes)
    return scope["convert"]


def _printable_constant(node):
    value = node.value
    if type(value) in (int, float) and (value < 0 or (value == 0 and str(value)[0] == "-")):
        return ast.UnaryOp(op=ast.USub(), operand=ast.Constant(value=-value))
    return ast.Constant(value=value, kind=node.kind)


def _printable_arg(node):
    if node is None:
        return None
    return ast.arg(arg=node.id, annotation=_to_printable(node.annotation),
                   type_comment=node.type_comment)


def _printable_arguments(node):
    return ast.arguments(
        posonlyargs=[_printable_arg(a) for a in node.posonlyargs],
        args=[_printable_arg(a) for a in node.args], vararg=_printable_arg(node.vararg),
        kwonlyargs=[_printable_arg(a) for a in node.kwonlyargs],
        kw_defaults=_to_printable(node.kw_defaults), kwarg=_printable_arg(node.kwarg),
        defaults=_to_printable(node.defaults))


def _printable_handler(node):
    return ast.ExceptHandler(type=_to_printable(node.type),
                             name=node.name.id if node.name else None,
                             body=_to_printable(node.body))


_MARKERS = {cls: getattr(ast, cls.__name__)() for base in (
    gast.expr_context, gast.operator, gast.unaryop, gast.boolop, gast.cmpop)
    for cls in base.__subclasses__() if hasattr(ast, cls.__name__)}
_SPECIAL = {
    gast.Name: lambda node: ast.Name(id=node.id, ctx=_MARKERS.get(node.ctx.__class__)),
    gast.Constant: _printable_constant,
    gast.arguments: _printable_arguments,
    gast.ExceptHandler: _printable_handler,
}


def line_table(tree: gast.AST) -> dict:
    """printed line (1-based, in `to_source(tree)`) -> the gast statement printed from
    there, for a tree `to_source` printed before (printing it again gives the same text):
    where an error raised by the generated code stands (runtime/helpers.where_raised).
    Computed only when asked for, so printing itself keeps no table."""
    printable = _to_printable(_blocks_as_written(tree))
    pairs: list = []  # (printable statement, gast statement), in the same order

    def pair(made, source):
        if isinstance(made, list):
            for m, s in zip(made, source):  # _to_printable maps blocks one to one
                pair(m, s)
            return
        if isinstance(made, ast.stmt):
            pairs.append((made, source))
        for field in ("body", "orelse", "finalbody", "handlers"):
            inner = getattr(made, field, None)
            if isinstance(inner, list):
                pair(inner, getattr(source, field, []))

    pair(printable, tree)
    unparsed = ast.unparse(printable)
    reparsed = [n for n in ast.walk(ast.parse(unparsed)) if isinstance(n, ast.stmt)]
    made = [n for n in ast.walk(printable) if isinstance(n, ast.stmt)]
    if len(reparsed) != len(made):
        return {}
    source_of = {id(m): s for m, s in pairs}
    final: list = []  # unparsed line (0-based) -> printed line (1-based)
    _printed(printable, final)
    return {final[r.lineno - 1]: source_of[id(m)] for r, m in zip(reparsed, made)
            if id(m) in source_of}


def _printed(node: ast.AST, positions=None) -> str:
    return _as_written(ast.unparse(node), positions)


def _as_written(unparsed: str, positions=None) -> str:
    """Printed text with comment statements as comments and each guard on one line;
    `positions` gets the line each line of `unparsed` went to."""
    lines: list = []
    for line in unparsed.splitlines():
        if positions is not None:
            positions.append(len(lines) + 1)
        stripped = line.strip()
        text = _comment_text(stripped) if stripped[:1] in ("'", '"') else None
        if text is not None:  # comment statements
            line = line[: len(line) - len(line.lstrip())] + text
        if stripped.startswith("rebound(") and lines and lines[-1].lstrip().startswith("if "):
            lines[-1] += " " + stripped  # a guard reads as one line: `if ...: rebound(...)`
            if positions is not None:
                positions[-1] -= 1
            continue
        lines.append(line)
    return "\n".join(lines) + "\n"


def _comment_text(stripped: str):
    """The comment a printed line stands for (a string statement `'# text'`), or None."""
    if stripped[:2] in ("'#", '"#') or stripped.startswith('"""#'):
        try:
            text = ast.literal_eval(stripped)
        except (ValueError, SyntaxError):
            return None
        if isinstance(text, str) and (text == "#" or text.startswith("# ")) \
                and "\n" not in text:
            return text
    return None


def compile_source(source: str, names, freevars, label: str, module_reads=()) -> dict:
    """The code objects of the functions `names` defined by `source`, compiled so that
    helper names and `freevars` (the user's closure variables and the generated
    code's own constants) are free variables, but for the helper names `module_reads`,
    read as globals of f's module (see module_reads)."""
    free = dict.fromkeys([*PER_FUNCTION, *freevars])
    params = ", ".join([*(h for h in HELPERS if h not in module_reads),
                        *[v for v in free if v not in HELPERS]])
    indented = "".join("    " + line if line.strip() else line for line in source.splitlines(True))
    text = f"def __pullback_scope__({params}):\n{indented}    return None\n"
    filename = f"<pullback {label} #{next(_counter)}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    with warnings.catch_warnings():  # without the optimizing pass, a rule's choice on a
        warnings.simplefilter("ignore", SyntaxWarning)  # literal stays `0.5 is not None`
        module_code = compile(text, filename, "exec")
    scope = next(c for c in module_code.co_consts if isinstance(c, types.CodeType))
    return {c.co_name: c for c in scope.co_consts
            if isinstance(c, types.CodeType) and c.co_name in names}


# Names the generated code reads that are bound, per function object, by `bind`: what the
# code's guards compare (the function's code and defaults) and its module's globals.
PER_FUNCTION = {
    "user_function": lambda f: f,
    "defaults_at_bind": lambda f: f.__defaults__,
    "kwdefaults_at_bind": lambda f: f.__kwdefaults__,
    "module_globals": lambda f: f.__globals__,
}


def bind(code: types.CodeType, user_func, constants=None, defaults=True) -> types.FunctionType:
    """A live function running `code` with `user_func`'s globals, defaults and cells,
    and `constants` (name -> object) bound to the generated code's own names. The
    defaults are `user_func`'s own tuple and dict (its guards compare them by identity);
    with `defaults=False` none (a callee's backward function, `f_backward(record, dout)`,
    whose parameters are not f's)."""
    user_cells = dict(zip(user_func.__code__.co_freevars, user_func.__closure__ or ()))
    constants = constants or {}

    def cell(name):
        if name in PER_FUNCTION:
            return types.CellType(PER_FUNCTION[name](user_func))
        if name in constants:
            value = constants[name]
            return value if isinstance(value, types.CellType) else types.CellType(value)
        return user_cells[name] if name in user_cells else _HELPER_CELLS[name]

    cells = tuple(cell(v) for v in code.co_freevars)
    func = types.FunctionType(code, user_func.__globals__, code.co_name,
                              user_func.__defaults__ if defaults else None, cells)
    func.__kwdefaults__ = user_func.__kwdefaults__ if defaults else None
    return func
