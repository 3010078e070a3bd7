"""A transform frees its trees by reference counts: no reference cycle holds them for the
garbage collector (a cycle through one pass's closure left every tree of a build to a
collection that walked each of its nodes: half a second at 10,000 statements). And the
census normalize takes of a function (lower/census.py) sends the rare constructs to their
lowerings."""

from __future__ import annotations

import gc
from collections import deque

import gast
import growth
import numpy as np
import pytest
from fd import assert_grad_matches
from growth import bench

import pullback


@pytest.mark.parametrize("kind", ["straight", "branches", "loops", "nested", "calls",
                                  "long_loop"])
@pytest.mark.parametrize("optimize", [True, False])
def test_no_tree_is_left_to_the_collector(kind, optimize):
    f = bench.load(kind, 30, tag="_garbage")
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        pullback.grad(f, optimize=optimize)(0.3, 0.7)
        gc.collect()
        left = [o for o in gc.garbage if isinstance(o, gast.AST)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert not left, f"{len(left)} nodes freed only by the garbage collector"


def queue_sum(x):
    q = deque([x, 2.0 * x])
    q.append(x * x)
    return sum(q)


scaled_sin = np.vectorize(lambda v: np.sin(v) * 3.0)


def vectorized(x):
    return np.sum(scaled_sin(x) * x)


def squares(x):
    for v in x:
        yield v * v


def generated(x):
    return sum(squares(x))


def nested_generator(x):
    def halves(v):
        for e in v:
            yield e / 2.0
    return sum(e * e for e in halves(x))


@pytest.mark.parametrize("func, args", [
    (queue_sum, (0.7,)),
    (vectorized, (np.array([0.3, -1.2, 2.0]),)),
    (generated, (np.array([0.3, -1.2, 2.0]),)),
    (nested_generator, (np.array([0.3, -1.2, 2.0]),)),
])
def test_rare_constructs_are_lowered(func, args):
    assert_grad_matches(func, args)


def test_reading_through_pairs_grows_linearly():
    """`p = (a, y)` then `p[0]`, `p[1]` (lower/pairs.py), with a display per statement:
    the reads of each display were found by a walk of the whole function per display,
    and the display dropped by another (1,000 displays: 27 s)."""
    def load(n):
        lines = ["import math", "", "def f(x, y):", "    a = x"]
        for i in range(n):
            lines += [f"    p{i} = (a, y)", f"    a = math.sin(p{i}[0]) * p{i}[1] + {i % 3}"]
        lines.append("    return a")
        return growth.load_source(f"growth_pairs_{n}", "\n".join(lines) + "\n").f

    small = growth.charged_calls(load(growth.N), True)
    large = growth.charged_calls(load(growth.GROWTH * growth.N), True)
    growth.assert_linear("pairs", small, large)
    assert_grad_matches(load(6), (0.4, 0.7), wrt=(0, 1))


def chained_records(x, y):
    inner = (x, y)
    outer = (inner, 2.0)
    if x > 0:
        nested = (outer, x)
        return nested[0][0][0] * outer[0][1] * nested[0][1] * nested[1]
    return outer[0][0] * outer[1]


@pytest.mark.parametrize("x", [0.6, -0.4])
def test_records_of_records(x):
    assert_grad_matches(chained_records, (x, 0.7), wrt=(0, 1))


def test_a_module_level_function_is_made_from_its_module_parse():
    """A def at column 0 is converted from the node of its module's one parse (numbered
    from its own first line), not parsed again: the same tree, positions included, as a
    parse of its own text gives."""
    import ast
    import linecache
    import textwrap

    from pullback.frontend import parse as parse_module
    from pullback.frontend.to_gast import to_gast

    f = bench.load("branches", 30, tag="_parsed_once")
    span = parse_module._def_span(f)
    assert span is not None and span[3] is not None
    made = parse_module.parse_function(f).tree
    text = "".join(linecache.getlines(span[0])[span[1] - 1:span[2]])
    again = to_gast(ast.parse(textwrap.dedent(text))).body[0]
    again.decorator_list = []
    assert gast.dump(made, include_attributes=True) == gast.dump(again,
                                                                  include_attributes=True)
