"""Every statement kind of the core language (lower/normalize.py's docstring) is handled by
every pass: a table of kinds x passes, each cell checked by running a tiny function that
contains the kind through the pass. A kind that a lowering starts to produce and that is
not in the table fails `test_every_lowered_statement_has_a_kind`, so a new kind cannot be
half-added: it must get a probe here, and so a check in every pass.
"""

from __future__ import annotations

import logging
import math

import gast
import numpy as np
import pytest
from fd import numeric_grad

import pullback
from pullback.analysis.activity import Analysis
from pullback.analysis.aliasing import check_writes
from pullback.derive.reverse import reverse
from pullback.emit import codegen
from pullback.emit.simplify import simplify
from pullback.frontend.check import check
from pullback.frontend.parse import parse_function
from pullback.ir.annotations import BLOCK, EFFECT, LIST_UPDATE
from pullback.ir.nodes import is_loop_exit, walk
from pullback.lower.normalize import normalize
from pullback.lower.ssa import to_ssa

X = 0.7


def kind_of(stmt) -> str | None:
    """The core-language kind of a lowered statement (None for a node that is no statement)."""
    if isinstance(stmt, gast.Assign):
        if isinstance(stmt.targets[0], gast.Subscript):
            return "write x[i] = v"
        if EFFECT.of(stmt):
            return "call for its effect"
        value = stmt.value
        for types, kind in (((gast.Name, gast.Constant), "copy"), (gast.BinOp, "operator"),
                            (gast.UnaryOp, "unary operator"), (gast.Compare, "comparison"),
                            (gast.Call, "call"), (gast.Subscript, "index"),
                            (gast.Attribute, "attribute"),
                            ((gast.Tuple, gast.List, gast.Dict), "pack"),
                            (gast.JoinedStr, "f-string")):
            if isinstance(value, types):
                return kind
        return f"assignment of {type(value).__name__}"
    if isinstance(stmt, gast.Expr) and LIST_UPDATE.of(stmt):
        return f"list {LIST_UPDATE.of(stmt)}"
    if isinstance(stmt, gast.If):
        if BLOCK.of(stmt):
            return f"{BLOCK.of(stmt)} block"
        return "loop exit" if is_loop_exit(stmt) else "if"
    for types, kind in ((gast.For, "for"), (gast.While, "while"), (gast.Raise, "raise"),
                        (gast.Return, "return")):
        if isinstance(stmt, types):
            return kind
    if isinstance(stmt, (gast.stmt, gast.FunctionDef)) and not isinstance(stmt, gast.Break):
        return f"statement {type(stmt).__name__}"
    return None


# ------------------------------------------------------------------- one probe per kind


def p_copy(x):
    y = x
    return y


def p_operator(x):
    return x * x + 2.0


def p_unary(x):
    return -x


def p_comparison(x):
    if x > 0.0:
        return x * 3.0
    return x


def p_call(x):
    return math.sin(x)


def p_index(x):
    v = np.array([x, 2.0 * x])
    return v[1]


def p_attribute(x):
    v = np.array([[x, 2.0], [3.0, x * x]])
    return np.sum(v.T[0])


def p_pack(x):
    t = (x, 2.0 * x)
    d = {"a": x * x}
    return t[1] + d["a"]


def p_fstring(x):
    if x > 100.0:
        raise ValueError(f"too large: {x}")
    return x * 2.0


def p_effect(x):
    logging.debug("x is %s", x)
    return x * 5.0


def p_write(x):
    b = np.zeros(2)
    b[0] = x
    b[1] = x * x
    return np.sum(b)


def p_list(x):
    xs = []
    xs.append(x)
    xs.extend([x * x, 3.0 * x])
    last = xs.pop()
    return last + xs[0] * xs[1]


def p_if(x):
    if x > 0.5:
        y = x * x
    else:
        y = -x
    return y


def p_with(x):
    with np.errstate(all="ignore"):
        y = x * 3.0
    return y


def p_try(x):
    try:
        scale = 1.0 / x
    except ZeroDivisionError:
        scale = 1.0
    return scale * x * x


def p_raise(x):
    if x < -100.0:
        raise ValueError("too small")
    return x * 4.0


def p_for(x):
    for _ in range(3):
        x = x * 1.5
    return x


def p_while(x):
    k = 0
    while k < 3:
        x = x * 1.1
        k = k + 1
    return x


def p_loop_exit(x):
    for _ in range(5):
        x = x * 1.5
        if x > 2.0:
            break
    return x


KINDS = {
    "copy": p_copy, "operator": p_operator, "unary operator": p_unary,
    "comparison": p_comparison, "call": p_call, "index": p_index, "attribute": p_attribute,
    "pack": p_pack, "f-string": p_fstring, "call for its effect": p_effect,
    "write x[i] = v": p_write, "list append": p_list, "list extend": p_list,
    "list pop": p_list, "if": p_if, "with block": p_with, "try block": p_try,
    "raise": p_raise, "for": p_for, "while": p_while, "loop exit": p_loop_exit,
    "return": p_copy,
}
PASSES = ["normalize", "ssa", "analysis", "reverse", "simplify", "codegen", "forward"]


def _lowered(func):
    parsed = parse_function(func)
    check(parsed.tree, parsed.location)
    tree = normalize(parsed.tree, parsed)
    return parsed, tree


def _kinds(tree) -> set:
    return {kind_of(n) for n in walk(tree) if n is not tree} - {None}


def _expected_grad(func):
    return numeric_grad(func, (X,))


@pytest.mark.parametrize("pass_", PASSES)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_kind_is_handled_by_pass(kind, pass_):
    func = KINDS[kind]
    parsed, tree = _lowered(func)
    if pass_ == "normalize":
        assert kind in _kinds(tree), f"{func.__name__} does not lower to a {kind!r}"
        return
    tree = to_ssa(tree, parsed.location.describe)
    if pass_ == "ssa":
        assert kind in _kinds(tree)
        return
    analysis = Analysis(tree, parsed, {"x"})
    check_writes(tree, analysis, parsed)
    if pass_ == "analysis":
        ops = [analysis.op(s).kind for s in walk(tree) if kind_of(s) == kind
               and isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)]
        assert "unknown" not in ops
        assert "x" in analysis.active
        return
    if pass_ == "reverse":  # the unoptimized gradient: reverse and codegen, no simplify
        got = pullback.grad(func, optimize=False)(X)
        assert got == pytest.approx(_expected_grad(func), rel=1e-6)
        out, _ = reverse(tree, analysis, ["x"], optimize=False)
        assert kind == "return" or kind in _kinds(out) or kind in (
            "list append", "list extend")  # the primal's updates, kept in the gradient
        return
    if pass_ == "simplify":
        out, _ = reverse(tree, analysis, ["x"])
        before = codegen.to_source(out)
        simplify(out, analysis.scalar)
        assert len(codegen.to_source(out)) <= len(before)
        got = pullback.grad(func)(X)
        assert got == pytest.approx(_expected_grad(func), rel=1e-6)
        return
    if pass_ == "codegen":
        source = pullback.source(func)
        compile(source, "<generated>", "exec")
        shown = {"with block": "with ", "try block": "try:", "loop exit": "break",
                 "while": "while ", "for": "for ", "raise": "raise ", "if": "if "}
        assert shown.get(kind, "") in source
        return
    value, tangent = pullback.jvp(func)(X, 1.0)
    assert value == pytest.approx(func(X))
    assert tangent == pytest.approx(_expected_grad(func), rel=1e-6)


def test_every_lowered_statement_has_a_kind():
    """The probes, and the functions the golden tests print, lower to the kinds of the
    table only."""
    import golden_functions

    functions = set(KINDS.values()) | {
        f for f in vars(golden_functions).values()
        if callable(f) and getattr(f, "__module__", None) == golden_functions.__name__
        and hasattr(f, "__code__")}
    found = set()
    for func in functions:
        try:
            parsed, tree = _lowered(func)
        except Exception:  # noqa: BLE001 (a golden helper that is not differentiated itself)
            continue
        found |= _kinds(to_ssa(tree, parsed.location.describe))
    assert found <= set(KINDS), f"kinds with no probe (add one to KINDS): {found - set(KINDS)}"
    assert set(KINDS) <= found
