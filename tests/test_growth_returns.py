"""Functions of many early returns (`if c: return a`, in the function's body or in its
loops) transform in work linear in their size and compile (issue 19): the rest of the
body after an early return is nested under it only a few levels deep; deeper, each part
runs under its own `if not returned:` guard beside the last. Nested all the way, a
hundred returns passed Python's limit of 100 indentation levels (the gradient did not
compile) and the SSA environments grew a level per return (quadratic). Counted by
tests/growth.py: work at n and 4n returns, each pass's share at most 5x; gradients
checked by central differences where each of several returns is the one that runs."""

from __future__ import annotations

import growth
import pytest
from fd import numeric_grad

import pullback


def source(kind, n) -> str:
    """f(x, y) of n early returns; the k-th (from 0) returns when x > 1 - k / 1000."""
    lines = ["import math", "", "def f(x, y):", "    a = x"]
    for i in range(n):
        c, bound = (i % 7 + 1) / 10, 1.0 - i * 0.001
        lines.append(f"    a = math.sin(a) * y + {c} * x")
        if kind == "body":  # `if c: return a` in the function's body
            lines += [f"    if x > {bound}:", f"        return a * {c}"]
        elif kind == "orelse":  # with an else branch that falls through
            lines += [f"    if x > {bound}:", f"        return a * {c}", "    else:",
                      f"        a = a * y + {c}"]
        elif kind == "loop":  # in a loop: the rest of the loop and of f are guarded
            lines += ["    for i in range(2):", f"        if x > {bound} + i:",
                      f"            return a * {c}", "        a = a * y"]
        elif kind == "mixed":  # returns in both branches of some ifs, loops between
            lines += [f"    if x > {bound}:", f"        return a * {c}"] if i % 3 else [
                f"    if a > 100.0 + {i}:", "        return a", f"    elif x > {bound}:",
                f"        return a * y * {c}", "    for i in range(2):",
                "        a = a * 0.9"]
    lines.append("    return a * y")
    return "\n".join(lines) + "\n"


def load(kind, n):
    return growth.load_source(f"growth_returns_{kind}_{n}", source(kind, n))


KINDS = ("body", "orelse", "loop", "mixed")


N = 24  # past the few levels nested (lower/control_flow.py), which cost more per return


@pytest.mark.parametrize("kind", KINDS)
def test_work_grows_linearly(kind):
    small = growth.charged_calls(load(kind, N).f, True)
    large = growth.charged_calls(load(kind, growth.GROWTH * N).f, True)
    growth.assert_linear(kind, small, large)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("optimize", [True, False])
def test_many_returns_compile_and_differentiate(kind, optimize):
    """150 returns (past the 100 levels Python allows): each x picks another return (the
    first, one in the nested part, ones in the guarded part, or none: the last line)."""
    f = load(kind, 150).f
    df = pullback.grad(f, (0, 1), optimize=optimize)
    for x in (1.5, 0.9965, 0.9935, 0.9505, 0.8605, 0.4, -2.0):
        args = (x, 0.7)
        g = df(*args)
        assert g[0] == pytest.approx(numeric_grad(f, args, 0), rel=1e-6, abs=1e-9), x
        assert g[1] == pytest.approx(numeric_grad(f, args, 1), rel=1e-6, abs=1e-9), x


def test_few_returns_still_nest_in_the_other_branch():
    """A few early returns keep the readable form: the rest in the other branch of each
    `if c: return a`, no flag."""
    text = pullback.source(load("body", 3).f)
    assert "returned" not in text and "else:" in text
    text = pullback.source(load("body", 20).f)
    assert "returned" in text  # deeper: guarded by the flag instead
    assert max(len(line) - len(line.lstrip()) for line in text.splitlines()) <= 4 * 12
