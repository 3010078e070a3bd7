"""Printing gast trees as Python source, straight from gast (part of stage 8, codegen).

Guarantee: `printed(tree)` is the text `ast.unparse` (Python 3.11's) gives for the `ast`
tree `codegen._to_printable` makes of `tree` (negative literals as a unary minus, a
`pass` in a block of only comments), character for character. The statements and
expressions generated code is made of are printed here, with the unparser's
precedence rules, without converting the tree or dispatching through a visitor (most
of printing's time, which grew with the function's size like everything else); any
other node (a lambda, a comprehension, an f-string, a pattern, a literal tuple
constant, a type comment) is converted and printed by `ast.unparse` itself, with the
precedence its place gives it, so the rare constructs keep the standard printer's
text.

>>> import gast
>>> print(printed(gast.parse("def f(x):\\n    return (x + 1) ** -2, [x]").body[0]))
def f(x):
    return ((x + 1) ** (-2), [x])
"""

from __future__ import annotations

import ast
import sys

import gast

# ast._Precedence, as numbers
(NAMED_EXPR, TUPLE, YIELD, TEST, OR, AND, NOT, CMP, EXPR, BXOR, BAND, SHIFT, ARITH, TERM,
 FACTOR, POWER, AWAIT, ATOM) = range(1, 19)
_INFSTR = "1e" + repr(sys.float_info.max_10_exp + 1)

_BINOPS = {gast.Add: ("+", ARITH), gast.Sub: ("-", ARITH), gast.Mult: ("*", TERM),
           gast.MatMult: ("@", TERM), gast.Div: ("/", TERM), gast.Mod: ("%", TERM),
           gast.LShift: ("<<", SHIFT), gast.RShift: (">>", SHIFT), gast.BitOr: ("|", EXPR),
           gast.BitXor: ("^", BXOR), gast.BitAnd: ("&", BAND), gast.FloorDiv: ("//", TERM),
           gast.Pow: ("**", POWER)}
_UNARY = {gast.Invert: "~", gast.UAdd: "+", gast.USub: "-"}  # `not` apart
_COMPARE = {gast.Eq: " == ", gast.NotEq: " != ", gast.Lt: " < ", gast.LtE: " <= ",
            gast.Gt: " > ", gast.GtE: " >= ", gast.Is: " is ", gast.IsNot: " is not ",
            gast.In: " in ", gast.NotIn: " not in "}
_PLAIN = {int, str, bytes, bool, type(None)}  # constants printed as their repr
_NAME = gast.Name


def printed(tree) -> str:
    """The source of a gast module, function or statement (see the module docstring)."""
    out: list = []
    if tree.__class__ is gast.Module:
        if tree.type_ignores:
            return _standard(tree, 0)
        _body(tree.body, 0, out, docstring=True)
    elif isinstance(tree, gast.stmt):
        _stmt(tree, 0, out)
    elif isinstance(tree, gast.expr):
        return _expr(tree, TEST)
    else:
        return _standard(tree, 0)
    return "\n".join(out)


def _standard(node, indent, precedence=None) -> str:
    """What `ast.unparse` prints for `node`, converted, at `indent` (a statement) or
    with the precedence of its place (an expression)."""
    from .codegen import _to_printable  # the conversion codegen defines

    printable = _to_printable(node)
    unparser = ast._Unparser()
    unparser._indent = indent
    if precedence is not None:
        unparser.set_precedence(ast._Precedence(precedence), printable)
    return unparser.visit(printable)


def _is_comment(stmt) -> bool:
    return stmt.__class__ is gast.Expr and stmt.value.__class__ is gast.Constant \
        and isinstance(stmt.value.value, str) and stmt.value.value.startswith("# ")


def _body(stmts, indent, out, docstring=False, comment_pass=True) -> None:
    """A block's statements; a function's, class's or module's first string
    statement as its docstring; `pass` after a block of only comments (where
    `_to_printable` adds one)."""
    start = 0
    if docstring and stmts and stmts[0].__class__ is gast.Expr \
            and stmts[0].value.__class__ is gast.Constant \
            and isinstance(stmts[0].value.value, str):
        unparser = ast._Unparser()
        unparser._indent = indent
        unparser._write_docstring(ast.Constant(value=stmts[0].value.value,
                                               kind=stmts[0].value.kind))
        out.append("".join(unparser._source))
        start = 1
    for stmt in stmts[start:] if start else stmts:
        _stmt(stmt, indent, out)
    if comment_pass and stmts and all(_is_comment(s) for s in stmts):
        out.append("    " * indent + "pass")


def _stmt(node, indent, out) -> None:
    pad = "    " * indent
    cls = node.__class__
    try:
        if cls is gast.Assign:
            if node.type_comment is None:
                targets, value = node.targets, node.value
                if len(targets) == 1:  # (most statements: `name = value`)
                    target = targets[0]
                    out.append(pad + (target.id if target.__class__ is _NAME
                                      else _expr(target, TUPLE)) + " = "
                               + (value.id if value.__class__ is _NAME else _expr(value, TEST)))
                    return
                out.append(pad + "".join([_expr(t, TUPLE) + " = " for t in targets])
                           + _expr(value, TEST))
                return
        elif cls is gast.Expr:
            out.append(pad + _expr(node.value, YIELD))
            return
        elif cls is gast.If:
            out.append(f"{pad}if {_expr(node.test, TEST)}:")
            _body(node.body, indent + 1, out)
            while len(node.orelse) == 1 and node.orelse[0].__class__ is gast.If:
                # elif: the inner `if`'s own blocks get `pass` after comments, the
                # printer's collapsed `else` block of the outer one is the inner if
                node = node.orelse[0]
                out.append(f"{pad}elif {_expr(node.test, TEST)}:")
                _body(node.body, indent + 1, out)
            if node.orelse:
                out.append(pad + "else:")
                _body(node.orelse, indent + 1, out)
            return
        elif cls is gast.Return:
            out.append(pad + "return" if node.value is None
                       else f"{pad}return {_expr(node.value, TEST)}")
            return
        elif cls is gast.AugAssign:
            out.append(f"{pad}{_expr(node.target, TEST)} {_BINOPS[node.op.__class__][0]}= "
                       f"{_expr(node.value, TEST)}")
            return
        elif cls is gast.For or cls is gast.While:
            if cls is gast.For:
                if node.type_comment is not None:
                    raise _Other
                out.append(f"{pad}for {_expr(node.target, TUPLE)} in "
                           f"{_expr(node.iter, TEST)}:")
            else:
                out.append(f"{pad}while {_expr(node.test, TEST)}:")
            _body(node.body, indent + 1, out)
            if node.orelse:
                out.append(pad + "else:")
                _body(node.orelse, indent + 1, out)
            return
        elif cls is gast.Pass:
            out.append(pad + "pass")
            return
        elif cls is gast.Break:
            out.append(pad + "break")
            return
        elif cls is gast.Continue:
            out.append(pad + "continue")
            return
        elif cls is gast.FunctionDef:
            if not node.decorator_list and node.returns is None \
                    and node.type_comment is None and not getattr(node, "type_params", None):
                if out:
                    out.append("")
                out.append(f"{pad}def {node.name}({_standard(node.args, 0)}):")
                _body(node.body, indent + 1, out, docstring=True)
                return
        elif cls is gast.Raise:
            if node.exc is not None:
                out.append(f"{pad}raise {_expr(node.exc, TEST)}" + (
                    "" if node.cause is None else f" from {_expr(node.cause, TEST)}"))
                return
        elif cls is gast.Try:
            out.append(pad + "try:")
            _body(node.body, indent + 1, out)
            for handler in node.handlers:
                out.append(pad + "except" + (
                    "" if handler.type is None else " " + _expr(handler.type, TEST)) + (
                    "" if handler.name is None else " as " + handler.name.id) + ":")
                _body(handler.body, indent + 1, out, comment_pass=False)
            if node.orelse:
                out.append(pad + "else:")
                _body(node.orelse, indent + 1, out)
            if node.finalbody:
                out.append(pad + "finally:")
                _body(node.finalbody, indent + 1, out, comment_pass=False)
            return
        elif cls is gast.With:
            if node.type_comment is None:
                out.append(f"{pad}with " + ", ".join(
                    _expr(item.context_expr, TEST) + (
                        "" if item.optional_vars is None
                        else " as " + _expr(item.optional_vars, TEST))
                    for item in node.items) + ":")
                _body(node.body, indent + 1, out)
                return
    except _Other:
        pass
    if cls in (gast.FunctionDef, gast.AsyncFunctionDef, gast.ClassDef) and out:
        out.append("")  # the blank line the printer puts before a definition
    out.append(_standard(node, indent))


class _Other(Exception):
    """A node printed by `ast.unparse`, within a statement printed here."""


def _expr(node, precedence) -> str:
    """The source of an expression in a place of the given precedence."""
    cls = node.__class__
    if cls is gast.Name:
        return node.id
    if cls is gast.Constant:
        value = node.value
        kind = value.__class__
        if kind is float:
            text = repr(value)
            if text[0] == "-" or "n" in text:  # negative, inf or nan
                if value < 0 or (value == 0 and text[0] == "-"):
                    text = "-" + _float(-value)
                    return f"({text})" if precedence > FACTOR else text
                text = _float(value)
            return text
        if kind in _PLAIN:
            if kind is int and value < 0:
                return f"(-{-value!r})" if precedence > FACTOR else f"-{-value!r}"
            return ("u" if node.kind == "u" else "") + repr(value)
        return _standard(node, 0, precedence)
    if cls is gast.Attribute:
        value = node.value
        text = _expr(value, ATOM)
        if value.__class__ is gast.Constant and isinstance(value.value, int) \
                and not (value.value.__class__ is int and value.value < 0):
            text += " "
        return f"{text}.{node.attr}"
    if cls is gast.Call:
        parts = [a.id if a.__class__ is _NAME else _expr(a, TEST) for a in node.args]
        for k in node.keywords:
            parts.append(("**" if k.arg is None else k.arg + "=") + _expr(k.value, TEST))
        return f"{_expr(node.func, ATOM)}({', '.join(parts)})"
    if cls is gast.BinOp:
        op, mine = _BINOPS[node.op.__class__]
        left, right = node.left, node.right
        if mine == POWER:
            text = f"{_expr(left, mine + 1)} ** {_expr(right, mine)}"
        else:  # (a name, most operands, printed as it is)
            text = (f"{left.id if left.__class__ is _NAME else _expr(left, mine)} {op} "
                    f"{right.id if right.__class__ is _NAME else _expr(right, mine + 1)}")
        return f"({text})" if precedence > mine else text
    if cls is gast.Subscript:
        index = node.slice
        if index.__class__ is gast.Tuple and index.elts:
            inner = _items(index.elts)
        else:
            inner = _expr(index, TEST)
        return f"{_expr(node.value, ATOM)}[{inner}]"
    if cls is gast.Tuple:
        if not node.elts:
            return "()"
        text = _items(node.elts)
        return f"({text})" if precedence > TUPLE else text
    if cls is gast.UnaryOp:
        if node.op.__class__ is gast.Not:
            text = "not " + _expr(node.operand, NOT)
            return f"({text})" if precedence > NOT else text
        text = _UNARY[node.op.__class__] + _expr(node.operand, FACTOR)
        return f"({text})" if precedence > FACTOR else text
    if cls is gast.Compare:
        text = _expr(node.left, CMP + 1) + "".join(
            [_COMPARE[op.__class__] + _expr(e, CMP + 1)
             for op, e in zip(node.ops, node.comparators)])
        return f"({text})" if precedence > CMP else text
    if cls is gast.List:
        return "[" + ", ".join([_expr(e, TEST) for e in node.elts]) + "]"
    if cls is gast.Slice:
        text = "" if node.lower is None else _expr(node.lower, TEST)
        text += ":"
        if node.upper is not None:
            text += _expr(node.upper, TEST)
        if node.step is not None:
            text += ":" + _expr(node.step, TEST)
        return text
    if cls is gast.BoolOp:
        mine = AND if node.op.__class__ is gast.And else OR
        word = " and " if mine == AND else " or "
        text = word.join([_expr(v, min(mine + i + 1, ATOM)) for i, v in enumerate(node.values)])
        return f"({text})" if precedence > mine else text
    if cls is gast.IfExp:
        text = (f"{_expr(node.body, TEST + 1)} if {_expr(node.test, TEST + 1)} else "
                f"{_expr(node.orelse, TEST)}")
        return f"({text})" if precedence > TEST else text
    if cls is gast.Starred:
        return "*" + _expr(node.value, EXPR)
    if cls is gast.Dict:
        return "{" + ", ".join([
            "**" + _expr(v, EXPR) if k is None else f"{_expr(k, TEST)}: {_expr(v, TEST)}"
            for k, v in zip(node.keys, node.values)]) + "}"
    return _standard(node, 0, precedence)


def _items(elts) -> str:
    """Elements separated by commas, a single one with a trailing comma."""
    if len(elts) == 1:
        return _expr(elts[0], TEST) + ","
    return ", ".join([_expr(e, TEST) for e in elts])


def _float(value) -> str:
    return repr(value).replace("inf", _INFSTR).replace("nan", f"({_INFSTR}-{_INFSTR})")
