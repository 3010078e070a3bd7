"""Every fact a stage attaches to a node is declared once, in ir/annotations.py.

Three checks: the sources set and read (getattr/hasattr/setattr) no attribute of an object
that is neither a gast field, a declared fact, nor a listed attribute of a non-node object;
each module that sets or reads a fact is among the fact's declared writers or readers;
and the nodes of transformed functions, after every stage, carry declared facts only.
"""

from __future__ import annotations

import ast
import math
import pathlib

import gast
import numpy as np
import pytest
from fd import assert_grad_matches

import pullback
from pullback.analysis.activity import Analysis
from pullback.analysis.aliasing import check_writes
from pullback.derive.reverse import reverse
from pullback.emit.simplify import simplify
from pullback.frontend.check import check
from pullback.frontend.parse import parse_function
from pullback.ir import annotations
from pullback.ir.annotations import FACTS, Fact, undeclared
from pullback.ir.nodes import walk
from pullback.lower.normalize import normalize
from pullback.lower.ssa import to_ssa

SOURCE = pathlib.Path(pullback.__file__).parent

# Attributes the sources set or read by name on objects that are not gast nodes.
NOT_NODE_FACTS = {
    "_attributes": "a gast node class's list of position attributes",
    "_build_array": "Numba's npyimpl, lowered in place while a gradient compiles (emit/numba)",
    "nargs": "a Numba ufunc description's argument count (emit/numba_array_exprs)",
    "arrays": "a rule's flag: its list parameters are read as arrays (lower/deques)",
    "ARRAY_LIKE": "a rules module marks that its functions take lists as arrays",
    "LISTS_OF_ARRAYS": "a rules module names the functions whose list parameters are lists "
                       "of arrays of different shapes, not arrays",
    "_fields": "a namedtuple's field names",
    "_indent": "ast's unparser, printing a rare statement (emit/printing)",
    "_negative_number_matcher": "argparse's parser (cli)",
    "cell_contents": "a closure cell",
    "statement": "a NoRuleError's refused statement (analysis/refusals), which api reads to "
                 "refuse a call in a branch when the branch runs",
    "co_filename": "a code object", "co_positions": "a code object",
    "co_qualname": "a code object",
    "declared_defaults": "api.Transformed", "bound_chains": "api.Transformed",
    "tangents_last": "api.Transformed", "static": "frontend.parse.Parsed",
    "record_names": "frontend.parse.Parsed", "generated": "frontend.parse.Parsed",
    "owned_inputs": "frontend.parse.Parsed", "object_params": "frontend.parse.Parsed",
    "inlined_statements": "frontend.parse.Parsed",
    "ats": "an error pullback raises (runtime.objects.OperatorOfObject)",
    "build_args": "api.Transformed", "grown_lists": "api.Transformed",
    "received_writes": "api.Transformed", "module_reads": "api.Transformed",
    "message": "an error pullback raises", "wrapper_noted": "an error pullback raises",
    "if_none": "runtime.helpers.ReturnSite", "FRESH_NONDIFF": "the rules package's table",
    "exp2": "the math module (3.11+)",
    "add_linking_library": "Numba's CodeLibrary (emit/numba: large helpers called)",
    "typing_key": "a Numba function type (runtime/numba_helpers)",
    "inline_budget": "lower.normalize's flattener", "local_functions": "the flattener",
    "user_names": "the flattener", "loads": "lower.ssa's renamer",
    "loops_storing": "lower.ssa's renamer",
    "owner": "runtime.helpers.GradRecord", "where": "runtime.helpers.GradRecord",
    "shape": "an array", "spread": "analysis.activity.Op", "receiver": "analysis.activity.Op",
    "dtype": "an array", "HELPERS": "a rules module's helper table",
    "WITHOUT_RULE": "a rules module's kinds of functions without a rule",
    "hidden_builtins": "ir.naming.Namer", "bound_builtins": "ir.naming.Namer",
    "lines": "api.Transformed",
    "tree": "api.Transformed", "location": "api.Transformed", "ndim": "an array",
    "analysis": "api.Transformed",
    "_is_autograd_primitive": "an autograd primitive", "fun": "an autograd primitive",
    "_is_primitive": "an autograd notrace primitive", "signature": "a rules.Rule",
    "OPT": "Numba's config (emit/numba)", "compile": "a Numba dispatcher (emit/numba)",
}


def _gast_fields():
    return {f for cls in vars(gast).values() if isinstance(cls, type)
            and issubclass(cls, gast.AST) for f in (*cls._fields, *getattr(cls, "_attributes", ()))}


def _module(path) -> str:
    return str(path.relative_to(SOURCE).with_suffix("")).replace("\\", "/")


def _uses():
    """(module, attribute name, 'set' or 'read'), for every attribute set on an object other
    than self/cls, read or set by name, or a declared fact used through its declaration."""
    fact_constants = {name: value.name for name, value in vars(annotations).items()
                      if isinstance(value, Fact)}
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        module = _module(path)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del)) \
                    and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                found.append((module, node.attr, "set"))
            elif isinstance(node, ast.Attribute) and node.attr in FACTS \
                    and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                found.append((module, node.attr, "read"))  # read the old way: node.phis
            elif isinstance(node, ast.Constant) and node.value in FACTS:
                found.append((module, node.value, "named"))  # getattr(s, flag) for a flag
            elif isinstance(node, ast.Name) and node.id in fact_constants:
                found.append((module, fact_constants[node.id], "named"))  # for fact in (PHI, ..)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id in ("getattr", "hasattr", "setattr") and len(node.args) >= 2 \
                    and isinstance(node.args[1], ast.Constant) \
                    and isinstance(node.args[1].value, str) \
                    and not (isinstance(node.args[0], ast.Name) and node.args[0].id == "self"):
                found.append((module, node.args[1].value,
                              "set" if node.func.id == "setattr" else "read"))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ("of", "set", "on") \
                    and isinstance(node.func.value, ast.Name) \
                    and node.func.value.id in fact_constants:
                found.append((module, fact_constants[node.func.value.id],
                              "set" if node.func.attr == "set" else "read"))
    return found


def test_every_fact_used_is_declared():
    fields = _gast_fields()
    undeclared_names = sorted({f"{name} ({module})" for module, name, _ in _uses()
                               if name not in fields and name not in FACTS
                               and name not in NOT_NODE_FACTS and not name.startswith("__")})
    assert not undeclared_names, (
        "attributes set on nodes (or read by name) that ir/annotations.py does not declare: "
        f"{undeclared_names}")


def test_declared_writers_and_readers_are_the_modules_that_use_a_fact():
    wrong = set()
    for module, name, how in _uses():
        fact = FACTS.get(name)
        if fact is None or module == "ir/annotations" or how == "named":
            continue
        allowed = fact.writers if how == "set" else fact.writers + fact.readers
        if module not in allowed:
            wrong.add(f"{module} {'sets' if how == 'set' else 'reads'} {name}")
    assert not wrong, sorted(wrong)
    used = {(module, name) for module, name, _ in _uses()}
    unused = [f"{name}: {m}" for name, fact in FACTS.items()
              for m in fact.writers + fact.readers if (m, name) not in used]
    assert not unused, f"declared as writer or reader but never using the fact: {unused}"


def test_facts_have_a_meaning_a_writer_and_an_immutable_default():
    for fact in FACTS.values():
        assert fact.writers and fact.meaning and FACTS[fact.name] is fact
        assert not isinstance(fact.default, (list, set, dict)), fact.name  # shared by all


# --------------------------------------------------------------- nodes of real transforms


def _helper(v):
    return v * 2.0


def _everything(x, n, xs):
    total = 0.0
    values = []
    for i in range(n):
        if i % 2:
            total = total + math.sin(x * i)
        else:
            total += x
        values.append(total)
    k = 0
    while k < 3:
        k += 1
        if total > 100.0:
            break
    with np.errstate(all="ignore"):
        total = total + _helper(x)
    try:
        scale = 1.0 / n
    except ZeroDivisionError:
        scale = 1.0
    total = total * scale
    last = values.pop()
    ys = [v * v for v in xs]
    f = lambda t: t + x  # noqa: E731
    return total + last + sum(ys) + f(1.0)


def _stages(func, wrt):
    """The tree after each stage of the reverse pipeline (the same tree, changed in place,
    and the derivative's)."""
    parsed = parse_function(func)
    check(parsed.tree, parsed.location)
    tree = normalize(parsed.tree, parsed, inline=True)
    yield "normalize", tree
    tree = to_ssa(tree, parsed.location.describe)
    yield "ssa", tree
    analysis = Analysis(tree, parsed, set(wrt), True)
    check_writes(tree, analysis, parsed)
    yield "analysis", tree
    out, _ = reverse(tree, analysis, wrt, "grad", len(wrt) == 1,
                     lambda *args: (None, None), True)
    yield "reverse", out
    simplify(out, analysis.scalar)
    yield "simplify", out


def _probes():
    from test_kinds import KINDS  # one tiny function per statement kind

    return [(_everything, ("x",))] + [(f, ("x",)) for f in sorted(
        set(KINDS.values()), key=lambda f: f.__name__)]


@pytest.mark.parametrize("func, wrt", _probes(), ids=lambda p: getattr(p, "__name__", ""))
def test_nodes_carry_declared_facts_only(func, wrt):
    for stage, tree in _stages(func, wrt):
        extra = {name for node in walk(tree) for name in undeclared(node)}
        assert not extra, f"after {stage}: undeclared node attributes {sorted(extra)}"


def test_the_probe_uses_many_facts():
    """The probe above exercises the facts it is meant to (a probe using none would pass)."""
    used = set()
    for _, tree in _stages(_everything, ("x",)):
        used |= {name for node in walk(tree) for name in vars(node) if name in FACTS}
    assert {"phi", "phis", "merges", "block", "list_update", "popped", "sentinel",
            "augmented", "namer", "spelling", "may_raise"} <= used, sorted(used)


def test_the_probe_gradient_is_right():
    assert_grad_matches(_everything, (0.7, 5, np.array([1.0, 2.0])), wrt=0)
