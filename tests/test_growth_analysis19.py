"""The analysis's work grows linearly for a chain of operators feeding one `math` call
(issue 19): `a = a * w + y`, n times, then `math.sin(a)`. The scalar inference assumed
the names a scalar-only call consumes one link of the chain per round, each round a new
inference over the whole function: n rounds of O(n). Counted by tests/growth.py
(work at n and 4n statements, each pass's share at most 5x); the gradient is checked
against central differences."""

from __future__ import annotations

import math

import growth
import pytest

import pullback


def source(kind, n) -> str:
    lines = ["import math", "", "def f(x, y):", "    a = x"]
    if kind == "chain":  # one math call at the end of a chain of operators
        lines += [f"    a = a * {(i % 5 + 1) / 10} + y" for i in range(n)]
        lines += ["    return math.sin(a)"]
    elif kind == "chain_in_branch":  # the same, inside an if on a parameter
        lines += ["    if y > 0:"]
        lines += [f"        a = a * {(i % 5 + 1) / 10} - y" for i in range(n)]
        lines += ["        a = math.cos(a)", "    return a"]
    return "\n".join(lines) + "\n"


def load(kind, n):
    return growth.load_source(f"growth_analysis19_{kind}_{n}", source(kind, n))


KINDS = ("chain", "chain_in_branch")


@pytest.mark.parametrize("kind", KINDS)
def test_work_grows_linearly(kind):
    small = growth.charged_calls(load(kind, growth.N).f, True)
    large = growth.charged_calls(load(kind, growth.GROWTH * growth.N).f, True)
    growth.assert_linear(kind, small, large)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("args", [(0.3, 0.7), (-1.2, 0.4), (0.5, -0.9)])
def test_gradients(kind, args):
    f = load(kind, 30).f
    grads = pullback.grad(f, wrt=(0, 1))(*args)
    h = 1e-6
    for i in range(2):
        lo, hi = list(args), list(args)
        lo[i] -= h
        hi[i] += h
        expected = (f(*hi) - f(*lo)) / (2 * h)
        assert math.isclose(grads[i], expected, rel_tol=1e-6, abs_tol=1e-8)
