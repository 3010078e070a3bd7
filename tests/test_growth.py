"""The transform's work grows linearly with the function's size (issue 19), counted by
tests/growth.py for each kind of generated function of benchmarks/transform.py, with and
without the optimizing pass; and the counter itself catches a quadratic pass."""

from __future__ import annotations

import os

import pytest
from growth import GROWTH, PACKAGE, N, assert_linear, bench, charged_calls, outgrown

import pullback
from pullback import api

CASES = [(kind, True) for kind in bench.KINDS + bench.EXTRA_KINDS] + [
    ("straight", False), ("nested", False)]


@pytest.mark.parametrize("kind, optimize", CASES,
                         ids=[f"{k}-{'optimized' if o else 'pass-off'}" for k, o in CASES])
def test_work_grows_linearly(kind, optimize):
    small = charged_calls(bench.load(kind, N, tag=f"_growth{optimize}"), optimize)
    large = charged_calls(bench.load(kind, GROWTH * N, tag=f"_growth{optimize}"), optimize)
    assert_linear(kind, small, large)


def test_the_count_catches_a_quadratic_pass(monkeypatch):
    """The check itself: a pass that walks the whole function once per statement is
    caught (its walks are charged to the pullback function that called it)."""
    original = api.simplify

    def look(stmt):
        return stmt

    def rescanning(tree, *args):
        for _ in tree.body:
            for stmt in tree.body:
                look(stmt)
        return original(tree, *args)

    monkeypatch.setattr(api, "simplify", rescanning)
    small = charged_calls(bench.load("straight", N, tag="_quadratic"), True)
    large = charged_calls(bench.load("straight", GROWTH * N, tag="_quadratic"), True)
    assert [name.split()[-1] for _, name, _, _ in outgrown(small, large)] == ["_build"]


SAMPLE = '''
import a.b as c
from m import n as o

def f(a, *b, c=1, **d):
    global g
    try:
        x = [v * 2 for v in b if v]
    except (E, F) as e:
        x = lambda q, r=2: q + r
    match x:
        case {1: y, **rest}:
            pass
        case [y, *others] if y > 0:
            pass
        case P(k=v) as w:
            pass
    return f"{x!r:>{c}}", {k: -1.5 for k in d}, x[1:2, ...], (yield x), not a
'''


FLATTEN = os.path.join(PACKAGE, "lower", "flatten.py")


@pytest.mark.parametrize("source", [SAMPLE, open(FLATTEN).read()])
def test_fast_walks_see_what_gast_walks_see(source):
    """The list walks the passes use (nodes.walk, nodes.children, which skip fields that
    never hold a node) give the nodes gast's walks give, in the same order, but for
    contexts and operators (read through their node: n.ctx, n.op); clone copies as
    deepcopy does."""
    import copy

    import gast

    from pullback.ir import nodes

    markers = (gast.expr_context, gast.operator, gast.unaryop, gast.boolop, gast.cmpop)
    tree = gast.parse(source)
    fast, slow = nodes.walk(tree), [n for n in gast.walk(tree) if not isinstance(n, markers)]
    assert any(isinstance(n, markers) for n in gast.walk(tree))
    assert len(fast) == len(slow) and all(a is b for a, b in zip(fast, slow))
    for node in slow:
        expected = [n for n in gast.iter_child_nodes(node) if not isinstance(n, markers)]
        found = nodes.children(node)
        assert len(found) == len(expected) and all(a is b for a, b in zip(found, expected))
    copied = nodes.clone(tree)
    assert gast.dump(copied) == gast.dump(copy.deepcopy(tree)) == gast.dump(tree)
    assert not {id(n) for n in nodes.walk(copied)} & {id(n) for n in fast}


def test_long_dependency_chains_transform():
    """No pass recurses along a chain of definitions: at 1,000 dependent loops (the
    result's realness was decided recursively, one Python frame per definition) the
    transform hit the interpreter's recursion limit."""
    f = bench.load("loops", 1000, tag="_chain")
    x, y = 0.3, 0.7
    value, grad = pullback.value_and_grad(f, (0, 1))(x, y)
    assert value == pytest.approx(f(x, y))
    h = 1e-6
    assert grad[0] == pytest.approx((f(x + h, y) - f(x - h, y)) / (2 * h), rel=1e-5, abs=1e-7)
