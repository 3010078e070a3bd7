"""Session 21's analysis facts computed once and shared: the parameters reaching each name
as bits from one sweep (`_reach_masks`), and `may_be_bool` asked of one name; each gives
what the searches it replaced gave."""

from __future__ import annotations

import math
import random

import gast
import numpy as np
import pytest
from fd import assert_grad_matches

import pullback
from pullback.analysis.activity import Analysis
from pullback.analysis.classify import _reach, _reach_masks
from pullback.frontend.parse import parse_function
from pullback.lower.aliases import merge_aliases
from pullback.lower.normalize import normalize
from pullback.lower.ssa import to_ssa


def _graph(rng, n, edges):
    readers: dict = {}
    for _ in range(edges):
        a, b = rng.randrange(n), rng.randrange(n)
        readers.setdefault(f"n{a}", []).append(f"n{b}")
    return readers


@pytest.mark.parametrize("seed", range(20))
def test_reach_masks_is_each_start_reach(seed):
    """Bits equal one search per start, whatever the order given: cycles (back edges),
    an order that is no topological one, names missing from it, repeated names."""
    rng = random.Random(seed)
    n = rng.randrange(2, 40)
    readers = _graph(rng, n, rng.randrange(0, 3 * n))
    starts = [f"n{i}" for i in rng.sample(range(n), rng.randrange(1, min(n, 8)))]
    order = [f"n{rng.randrange(n)}" for _ in range(rng.randrange(0, 2 * n))]
    masks = _reach_masks(starts, readers, order)
    for name in {f"n{i}" for i in range(n)}:
        expected = {i for i, s in enumerate(starts) if name in _reach([s], readers)}
        got = {i for i in range(len(starts)) if masks.get(name, 0) >> i & 1}
        assert got == expected, (name, starts, order)


def _analysis(f, wrt):
    parsed = parse_function(f)
    tree = merge_aliases(to_ssa(normalize(parsed.tree, parsed), parsed.location.describe))
    return Analysis(tree, parsed, set(wrt))


def many(x, y, p0, p1, p2, p3, p4, p5):
    a = x
    for _ in range(3):
        if a > p0:
            a = math.sin(a) * p1 + y
        else:
            b = p2 * a
            a = math.cos(b) * p3 - p4
    return a * p5


def test_parameters_reaching_a_loop_name_through_its_back_edge():
    a = _analysis(many, ["x"])
    reached = a._reached_from_params()
    for name in a.defs:
        bits = reached.get(name, 0)
        expected = {p for p in a.params if name in _reach([p], a.name_readers())}
        assert set(a._params_in(bits)) == expected, name


def test_many_parameters_gradient():
    args = [0.3, 0.7, 0.1, 1.3, 0.4, 0.9, 0.2, 1.1]
    assert_grad_matches(many, args, wrt=tuple(range(8)))


def flag(x):
    c = x > 0.5
    d = c
    return d


def number(x):
    d = x * 2.0
    e = d
    return e


def test_may_be_bool_follows_copies_of_the_result():
    for f, expected in ((flag, True), (number, False)):
        a = _analysis(f, ["x"])
        assert a.may_be_bool(a.result) is expected
        assert (a.result in a._copied({s.targets[0].id for s in a.assigns if isinstance(
            s.value, gast.Compare)})) is expected  # (the forward closure it replaced)
    with pytest.raises(Exception, match="bool|scalar|differentiat"):
        pullback.grad(flag)(0.7)
    assert np.isclose(pullback.grad(number)(0.7), 2.0)
