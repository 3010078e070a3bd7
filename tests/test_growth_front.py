"""The front end's rare-construct lowerings grow linearly with the number of constructs
(issue 19): dicts of lists grown in place (lower/grouping.py: each dict looked at its
whole block, and a defaultdict the whole function, once per dict; each rewrite walked its
block again) and deques used as queues (lower/deques.py: each deque's rewrite walked the
whole function to put its statements in place). Counted by tests/growth.py: work
at n and 4n of them, each pass's share at most 5x; the gradients of these spellings, and
of several dicts and deques sharing blocks and loops (whose rewrites now wait for one
pass at the end), against central finite differences."""

from __future__ import annotations

from collections import defaultdict, deque

import growth
import numpy as np
import pytest
from fd import assert_grad_matches

import pullback


def source(kind, n) -> str:
    lines = ["import math", "from collections import deque, defaultdict", "",
             "def f(x, y):", "    a = x"]
    for i in range(n):
        c = (i % 5 + 1) / 10
        if kind == "grouped":  # a dict of lists grouped by key, per step
            lines += [f"    d{i} = {{}}", "    for k in range(2):",
                      f"        d{i}.setdefault(k, []).append(a * y + k)",
                      f"    a = sum(d{i}[0]) + math.sin(a) * {c}"]
        elif kind == "keyed":  # keys computed (each bound to a name first)
            lines += [f"    d{i} = {{}}", f"    d{i}.setdefault({i} % 2 + 1, []).append(a * y)",
                      f"    d{i}.setdefault({i} % 2 + 1, []).append(a)",
                      f"    a = sum(d{i}[{i} % 2 + 1]) + math.sin(a) * {c}"]
        elif kind == "defaulted":  # a defaultdict of lists, read as d[k]
            lines += [f"    d{i} = defaultdict(list)", f"    d{i}['k'].append(a * y)",
                      f"    a = sum(d{i}['k']) + math.sin(a) * {c}"]
        elif kind == "summed":  # a defaultdict of floats added to
            lines += [f"    d{i} = defaultdict(float)", f"    d{i}[0] += a * y",
                      f"    d{i}[0] += a", f"    a = d{i}[0] + math.sin(a) * {c}"]
        elif kind == "queued":  # a deque with a maxlen, as a queue
            lines += [f"    q{i} = deque(maxlen=2)", f"    q{i}.append(a * y)",
                      f"    q{i}.append(a)", f"    q{i}.appendleft(y)",
                      f"    a = q{i}.popleft() + math.sin(a) * {c}"]
    lines.append("    return a")
    return "\n".join(lines) + "\n"


KINDS = ("grouped", "keyed", "defaulted", "summed", "queued")
SMALL = 6  # constructs (of 3 to 5 statements each) in the smaller function


def load(kind, n):
    return growth.load_source(f"growth_front_{kind}_{n}", source(kind, n))


@pytest.mark.parametrize("kind", KINDS)
def test_work_grows_linearly(kind):
    small = growth.charged_calls(load(kind, SMALL).f, True)
    large = growth.charged_calls(load(kind, growth.GROWTH * SMALL).f, True)
    growth.assert_linear(kind, small, large)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("optimize", [True, False])
def test_gradients_of_these_spellings(kind, optimize):
    f = load(kind, 4).f
    assert_grad_matches(f, (0.4, 0.7), wrt=(0, 1), optimize=optimize)


def shared(xs, ys):
    """Several dicts and deques rewritten in the same blocks and loops."""
    d = {}
    e = defaultdict(list)
    for i, x in enumerate(xs):
        d.setdefault(i % 2 + 0, []).append(x * ys[0])
        e[i % 3 * 1].append(x)
        d.setdefault(i % 2 + 1, []).extend([x, x * x])
    f = defaultdict(float)
    q = deque(maxlen=3)
    r = deque()
    for x in xs:
        f[int(x > 0) + 0] += x * x
        q.append(x * ys[1])
        r.appendleft(x + ys[0])
        if x > 0.5:
            d[len(d) + 5] = [x]
    total = sum(sum(v) for v in d.values()) + sum(sum(v) for v in e.values())
    return total + f[0] + f[1] + sum(q) + r.popleft() * r.pop()


@pytest.mark.parametrize("optimize", [True, False])
def test_several_rewrites_in_shared_blocks(optimize):
    xs = np.array([0.3, -0.4, 0.9, 1.2, -0.1])
    ys = np.array([0.7, -0.2])
    assert_grad_matches(shared, (xs, ys), wrt=(0, 1), optimize=optimize)
    normalized = pullback.source(shared, wrt=(0, 1), stage="normalized")
    for made in ("d = {}", "e = {}", "f = {}", "q = []", "r = []"):  # all rewritten
        assert f"    {made}\n" in normalized
