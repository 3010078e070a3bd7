"""Printing for teaching: generated code annotated with where each line comes from.

`explain(transformed, func)` prints a generated function (reverse or forward mode) with
- a header saying what the code computes, which values are active and why (each name
  of the primal sweep: the inputs differentiated it depends on, whether it reaches the
  result), and which values the adjoint reads from the primal sweep: kept (a local the
  adjoint reads where the primal left it) or recorded (saved once per loop iteration, or
  the old value of an overwritten slot), and which line's adjoint reads it;
- a `# line N: <the user's line>` comment where the user's line changes, and before each
  run of adjoint (or tangent) statements the primal statement they come from, as a
  Tangent-style `# from: e = math.sin(d)` comment;
- the entry guards grouped under a comment saying what they check.

Guarantees: only comments are added: with the comments removed, the printed code is the
code `source` prints without `explain` (tests/test_show.py compiles and runs it). The
names the header calls active are exactly `Analysis.active`.
"""

from __future__ import annotations

import ast
import os

import gast

from ..ir.annotations import FROM_PRIMAL, ORIGIN, PHI
from ..ir.nodes import comment, walk
from .codegen import _is_guard, to_source


def explain(transformed, func, wrt) -> str:
    """The source of `transformed` (built keeping its analysis) with the comments above;
    `wrt`: the names of the parameters differentiated."""
    tree = transformed.tree
    functions = tree.body if isinstance(tree, gast.Module) else [tree]
    for function in functions:
        _annotate(function, transformed, func, wrt)
    return to_source(tree)


# --------------------------------------------------------------------------- statements


def _user_line(stmt, location):
    """(the line: its number in its file, and the file's name if it is not the function's;
    its text) of the user's line `stmt` comes from, or None."""
    origin = ORIGIN.of(stmt)
    own = location.filename
    if origin is not None:
        location, lineno = origin
    else:
        lineno = getattr(stmt, "lineno", None)
    if lineno is None or not 0 < lineno <= len(location.source_lines):
        return None
    line = str(lineno + location.line_offset)
    if location.filename != own:  # in a function inlined from another file
        line += f" ({os.path.basename(location.filename)})"
    return line, location.source_lines[lineno - 1].strip()


def statement_text(stmt) -> str:
    """One line standing for a statement: itself, or the header of a block."""
    if isinstance(stmt, (gast.If, gast.For, gast.While)):
        header = stmt.__class__(**{f: getattr(stmt, f, None) for f in stmt._fields})
        header.body, header.orelse = [gast.Pass()], []
        stmt = header
    text = to_source(gast.Module(body=[stmt], type_ignores=[])).splitlines()
    return text[0] if text else ""


def _squashed(text: str) -> str:
    """Source text compared without spacing (`x**2` reads as `x ** 2`)."""
    try:
        return ast.unparse(ast.parse(text.rstrip(":") + (" pass" if text.endswith(":") else "")))
    except SyntaxError:
        return "".join(text.split())


def _comment_block(block, location, last_line):
    """Comments inserted into `block` (in place), recursively."""
    out, last_from = [], None
    for stmt in block:
        origin = FROM_PRIMAL.of(stmt)
        primal = origin.node if origin is not None else None
        if primal is stmt:  # forward mode: the primal statement itself
            primal = None
        source_stmt = primal if primal is not None else stmt
        user = None if _is_guard(stmt) or PHI.of(source_stmt) or _is_push(stmt) \
            else _user_line(source_stmt, location)
        text = statement_text(primal) if primal is not None else None
        if user is not None and user != last_line[0]:
            if text is None or _squashed(text) != _squashed(user[1]):
                if not (primal is None and _squashed(statement_text(stmt)) == _squashed(user[1])):
                    out.append(comment(f"# line {user[0]}: {user[1]}"))
            last_line[0] = user
        if primal is not None and primal is not last_from and not (out and out[-1] is primal):
            out.append(comment(f"# from: {text}"))  # (forward mode: unless right after it)
        last_from = primal
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], gast.stmt):
                setattr(stmt, field, _comment_block(inner, location, last_line))
        out.append(stmt)
    return out


def _is_push(stmt) -> bool:
    """`saved.append(...)`: a loop's record of its iteration."""
    return isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call) \
        and isinstance(stmt.value.func, gast.Attribute) and stmt.value.func.attr == "append"


def _group_guards(function) -> None:
    """The entry guards, under comments saying what they check."""
    body = function.body
    start = 0
    while start < len(body) and _is_comment(body[start]):
        start += 1
    end = start
    while end < len(body) and _is_guard(body[end]):
        end += 1
    if end == start:
        return
    identity = [s for s in body[start:end] if _guard_call(s) == "rebound"]
    scalars = [s for s in body[start:end] if _guard_call(s) == "not_scalars"]
    grouped = []
    if identity:
        grouped.append(comment(
            "# guards: f's code, and what each name it calls denotes, are still those this "
            "code is for"))
        grouped += identity
    if scalars:
        grouped.append(comment("# guards: the parameters the code treats as numbers are numbers"))
        grouped += scalars
    reals = [s for s in body[start:end] if _guard_call(s) == "complex_to_math"]
    if reals:
        grouped.append(comment("# guards: the parameters math functions take are not complex"))
        grouped += reals
    operands = [s for s in body[start:end] if _guard_call(s) == "operands_of_user_class"]
    if operands:
        grouped.append(comment("# guards: the operands of operators are numbers or arrays, "
                               "not objects whose class overloads the operator"))
        grouped += operands
    body[start:end] = grouped


def _guard_call(stmt) -> str:
    return stmt.body[0].value.func.id


# --------------------------------------------------------------------------- header


def _annotate(function, transformed, func, wrt) -> None:
    location = transformed.location
    body = function.body
    split = next((i for i, s in enumerate(body) if _is_adjoint_marker(s)), None)
    primal_part, adjoint_part = (body, []) if split is None else (body[:split], body[split + 1:])
    header = _header(transformed, func, wrt, primal_part, adjoint_part, split is None)
    _group_guards(function)
    function.body = _comment_block(function.body, location, [None])
    function.body[:0] = [comment(line) for line in header]


def _is_comment(stmt) -> bool:
    return isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Constant) \
        and isinstance(stmt.value.value, str) and stmt.value.value.startswith("#")


def _is_adjoint_marker(stmt) -> bool:
    return isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Constant) \
        and stmt.value.value == "# adjoint"


def _header(transformed, func, wrt, primal_part, adjoint_part, forward) -> list[str]:
    analysis, location = transformed.analysis, transformed.location
    code = func.__code__
    where = f"{os.path.basename(code.co_filename)}, line {code.co_firstlineno}"
    lines = []
    if forward:
        lines.append(f"# The tangent of {func.__qualname__} ({where}) along the inputs "
                     f"{', '.join(wrt)} (forward mode):")
        lines.append("# each statement of f is followed by the statement computing its tangent.")
    else:
        lines.append(f"# The gradient of {func.__qualname__} ({where}) with respect to "
                     f"{', '.join(wrt)} (reverse mode):")
        lines.append("# the primal sweep runs f; the adjoint sweep then runs each statement's "
                     "adjoint, last first.")
    lines.append("#")
    lines.append("# Activity: a value is active when it depends on an input differentiated and "
                 "reaches the output;")
    lines.append("# only active values get " + ("tangents." if forward else "adjoints."))
    depends = {w: analysis._varied({w}) for w in wrt}
    stored = [*analysis.params]
    for node in walk(gast.Module(body=primal_part, type_ignores=[])):
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store) \
                and node.id in analysis.locals and node.id not in stored:
            stored.append(node.id)
    for name in stored:
        inputs = [w for w in wrt if name in depends[w]]
        if name in analysis.active:
            lines.append(f"#   {name}: active (depends on {_inputs(inputs)}, reaches the output)")
        elif inputs:
            lines.append(f"#   {name}: not active (depends on {_inputs(inputs)}, but does not "
                         "reach the output)")
        elif name in analysis.useful:
            lines.append(f"#   {name}: not active (depends on no input differentiated)")
        else:
            lines.append(f"#   {name}: not active (depends on no input differentiated, "
                         "does not reach the output)")
    if forward:
        lines.append("#")
        lines.append("# Nothing is recorded: each tangent is computed as soon as its value is.")
        return lines
    lines.append("#")
    lines.append("# What the adjoint reads of the primal sweep:")
    reads = _read_by_adjoint(adjoint_part, location)
    primal_names = set(stored)
    for node in walk(gast.Module(body=primal_part, type_ignores=[])):
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
            primal_names.add(node.id)
    recorded = _recorded(adjoint_part, primal_part, location)
    records = {loop.test.id for loop in walk(gast.Module(body=adjoint_part, type_ignores=[]))
               if isinstance(loop, gast.While) and isinstance(loop.test, gast.Name)}
    slots = _saved_slots(primal_part, location)
    again = {n.targets[0].id: n.value
             for n in walk(gast.Module(body=adjoint_part, type_ignores=[]))
             if isinstance(n, gast.Assign) and isinstance(n.targets[0], gast.Name)}
    again |= {n.id: None for n in walk(gast.Module(body=adjoint_part, type_ignores=[]))
              if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)
              and n.id not in again}
    described = False
    for name in [*stored, *sorted(primal_names - set(stored))]:
        if name in slots:
            where = f" once per iteration of the loop at line {recorded[name][0]}" \
                if name in recorded else ""
            lines.append(f"#   {name}: recorded{where} ({slots[name]}; its adjoint puts it "
                         "back)")
            described = True
        elif name in recorded:
            loop_line, shape_only, read_at = recorded[name]
            what = "its shape, recorded" if shape_only else "recorded"
            lines.append(f"#   {name}: {what} once per iteration of the loop at line {loop_line}"
                         f"{_read_at(read_at)}")
            described = True
        elif name in reads and name in primal_names and name not in records \
                and name not in analysis.params:
            how = "kept" if name not in again else \
                "computed again by the adjoint (a read of an array nothing changes)" \
                if isinstance(again[name], gast.Subscript) else \
                "computed again by the adjoint (arithmetic of values it has)"
            lines.append(f"#   {name}: {how}{_read_at(reads[name])}")
            described = True
    if not described:
        lines.append("#   nothing")
    return lines


def _inputs(inputs) -> str:
    return ("input " if len(inputs) == 1 else "inputs ") + ", ".join(inputs)


def _read_at(lines) -> str:
    lines = sorted(set(lines) - {None},
                   key=lambda line: (int(line.split()[0]) if line[0].isdigit() else 0, line))
    if not lines:
        return ""
    return f" (read by the adjoint of line{'s' if len(lines) > 1 else ''} " \
        + ", ".join(str(n) for n in lines) + ")"


def _read_by_adjoint(stmts, location) -> dict:
    """Name -> the user lines whose adjoint reads it, for the names `stmts` read."""
    reads: dict = {}

    def visit(block, line):
        for stmt in block:
            origin = FROM_PRIMAL.of(stmt)
            here = line
            if origin is not None:
                user = _user_line(origin.node, location)
                here = user[0] if user else line
            inner = []
            for field in ("body", "orelse"):
                value = getattr(stmt, field, None)
                if isinstance(value, list) and value and isinstance(value[0], gast.stmt):
                    inner.append(value)
            parts = [stmt] if not inner else [getattr(stmt, f) for f in ("test", "iter", "target")
                                              if getattr(stmt, f, None) is not None]
            for part in parts:
                for node in walk(part):
                    if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load):
                        reads.setdefault(node.id, []).append(here)
            for value in inner:
                visit(value, here)

    visit(stmts, None)
    return reads


def _recorded(stmts, primal, location) -> dict:
    """Primal name -> (line of the primal loop, recorded for its shape only, lines whose
    adjoint reads it) for the values each adjoint loop pops from its records."""
    pushed = {}  # record list -> the values each iteration appends
    for node in walk(gast.Module(body=primal, type_ignores=[])):
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) \
                and node.func.attr == "append" and isinstance(node.func.value, gast.Name) \
                and len(node.args) == 1:
            values = node.args[0].elts if isinstance(node.args[0], gast.Tuple) else node.args
            pushed[node.func.value.id] = values
    found = {}
    for loop in walk(gast.Module(body=stmts, type_ignores=[])):
        if not (isinstance(loop, gast.While) and isinstance(loop.test, gast.Name) and loop.body
                and isinstance(loop.body[0], gast.Assign)
                and isinstance(loop.body[0].value, gast.Call)
                and isinstance(loop.body[0].value.func, gast.Attribute)
                and loop.body[0].value.func.attr == "pop"):
            continue
        origin = FROM_PRIMAL.of(loop)
        user = _user_line(origin.node, location) if origin is not None else None
        target = loop.body[0].targets[0]
        names = [n.id for n in (target.elts if isinstance(target, gast.Tuple) else [target])
                 if isinstance(n, gast.Name)]
        values = pushed.get(loop.test.id, [])
        reads = _read_by_adjoint(loop.body[1:], location)
        for i, name in enumerate(names):
            value = values[i] if len(values) == len(names) else None
            shape_only = isinstance(value, gast.Call) and isinstance(value.func, gast.Name) \
                and value.func.id == "record_shape" and isinstance(value.args[0], gast.Name)
            key = value.args[0].id if shape_only else name
            found[key] = (user[0] if user else "?", shape_only, reads.get(name, []))
    return found


def _saved_slots(stmts, location) -> dict:
    """Name -> what it saves, for `x_old = save_slot(x, i)` in the primal sweep."""
    found = {}
    for stmt in walk(gast.Module(body=stmts, type_ignores=[])):
        if isinstance(stmt, gast.Assign) and isinstance(stmt.value, gast.Call) \
                and isinstance(stmt.value.func, gast.Name) \
                and stmt.value.func.id in ("save_slot", "save_float_slot") \
                and isinstance(stmt.targets[0], gast.Name):
            array = statement_text(gast.Expr(value=stmt.value.args[0]))
            found[stmt.targets[0].id] = f"what {array} held in the slot written next"
    return found
