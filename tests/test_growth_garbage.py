"""A transform frees its trees by reference counts: no reference cycle holds them for the
garbage collector (a cycle through one pass's closure left every tree of a build to a
collection that walked each of its nodes: half a second at 10,000 statements). And the
census normalize takes of a function (lower/census.py) sends the rare constructs to their
lowerings."""

from __future__ import annotations

import gc
import importlib.util
import os
from collections import deque

import gast
import numpy as np
import pytest
from fd import assert_grad_matches

import pullback

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "transform_bench_garbage", os.path.join(HERE, "..", "benchmarks", "transform.py"))
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


# "calls" is left out: derive/assemble.py's recursive closures (_never_an_array's
# `known`, _free_names' `scan`) still hold a callee's trees in a cycle
@pytest.mark.parametrize("kind", ["straight", "branches", "loops", "nested", "long_loop"])
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
