"""The transform's work grows linearly with the function's size (issue 19).

Work is counted, not timed: every Python function call made while `transform` runs
(each step of a generator walk is one, since generators count as calls too; each node a
list walk returns is one too) and every line a pullback function runs (each iteration
of a loop or comprehension) is charged to the innermost pullback function on the
stack, that is, to the pass doing the work.
For each kind of generated function of benchmarks/transform.py, at n and 4n
statements, the total and each pass's share must grow by at most 5x: linear plus
slack for the fixed costs. A pass that rescans the function once per statement grows
by 16x and fails here, whatever the machine's speed.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections import Counter

import pytest

import pullback
from pullback import api
from pullback.ir import nodes

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "transform_bench", os.path.join(HERE, "..", "benchmarks", "transform.py"))
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

PACKAGE = os.path.dirname(os.path.abspath(pullback.__file__))
N = 12
GROWTH = 4
LIMIT = 5.0  # linear growth is 4x; a quadratic pass is 16x
NOTICEABLE = 1000  # calls at the larger size below which a pass is noise


# Walks that return lists visit nodes without making calls; the nodes they return are
# charged as calls to the pass that asked for them.
LIST_WALKS = {nodes.walk.__code__, nodes.children.__code__, nodes.skeleton.__code__,
              nodes.names.__code__}


def charged_calls(func, optimize) -> Counter:
    """Work done while transforming func, by the innermost pullback function running:
    each call of a Python function, each line a pullback function runs (a loop's every
    iteration: a comprehension scanning all of f's names per loop makes no calls)."""
    counts: Counter = Counter()
    stack: list = []

    def local(frame, event, arg):  # a pullback function's lines and its return
        if event == "line":
            counts[stack[-1]] += 1
        elif event == "return" and stack and frame.f_code is stack[-1]:
            stack.pop()
            if frame.f_code in LIST_WALKS and stack:  # its loop runs no lines of ours:
                counts[stack[-1]] += len(arg)  # charge the nodes it visited to whoever asked
        return local

    def hook(frame, event, arg):  # every call
        code = frame.f_code
        if code.co_filename.startswith(PACKAGE):
            stack.append(code)
            counts[code] += 1
            return local
        if stack:
            counts[stack[-1]] += 1
        return None

    cached = dict(api._CACHE)
    api._CACHE.clear()  # equal code objects (the same text in another file) share transforms
    sys.settrace(hook)
    try:
        api.transform(func, optimize=optimize)
    finally:
        sys.settrace(None)
        api._CACHE.clear()
        api._CACHE.update(cached)
    return counts


def label(code) -> str:
    return f"{os.path.basename(code.co_filename)}:{code.co_firstlineno} {code.co_name}"


def outgrown(small: Counter, large: Counter) -> list:
    """(ratio, pass, calls at n, at 4n) for the noticeable passes that grew too much."""
    return sorted(((large[c] / max(small[c], 1), label(c), small[c], large[c])
                   for c in large if large[c] >= NOTICEABLE
                   and large[c] / max(small[c], 1) > LIMIT), reverse=True)


CASES = [(kind, True) for kind in bench.KINDS + bench.EXTRA_KINDS] + [
    ("straight", False), ("nested", False)]


@pytest.mark.parametrize("kind, optimize", CASES,
                         ids=[f"{k}-{'optimized' if o else 'pass-off'}" for k, o in CASES])
def test_work_grows_linearly(kind, optimize):
    small = charged_calls(bench.load(kind, N, tag=f"_growth{optimize}"), optimize)
    large = charged_calls(bench.load(kind, GROWTH * N, tag=f"_growth{optimize}"), optimize)
    total = sum(large.values()) / sum(small.values())
    assert total <= LIMIT, f"{kind}: the transform's work grew {total:.1f}x for {GROWTH}x size"
    offenders = outgrown(small, large)
    assert not offenders, (
        f"{kind}: passes whose work grew more than {LIMIT}x for {GROWTH}x size "
        "(ratio, pass, calls at n, at 4n): " + "; ".join(
            f"{r:.1f}x {name} ({a} -> {b})" for r, name, a, b in offenders))


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
