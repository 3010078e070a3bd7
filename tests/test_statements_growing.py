"""A `for` loop over a list its body grows (or shrinks), as issue 12 asks: the loop sees
the items appended while it runs, as Python's list iterator does (lower/growing.py), in
several spellings; gradients against central finite differences and closed forms; the
forms that stay refused are refused at their line."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from fd import assert_grad_matches

import pullback

X = np.array([0.9, 0.6, -0.4])


def grown_to_a_bound(x):
    items = [x[0], x[1] * 2.0]
    o = 0.0
    for it in items:
        if len(items) < 4:
            items.append(it * 0.5)
        o = o + it * len(items)
    return o


def grown_while_the_data_says_so(x):
    ts = [x[0]]
    total = 0.0
    for t in ts:
        if abs(t) > 0.05:  # the trip count depends on x
            ts.append(t * x[1])
        total = total + t ** 2
    return total


def worklist_with_extend_break_and_continue(x):
    queue = list(x)
    total = 0.0
    for k, v in enumerate([0.0]):
        total = total + k * v
    for v in queue:
        if v < 0.0:
            continue
        if len(queue) > 8:
            break
        queue.extend([v * 0.5, v * v])
        total = total + np.sin(v)
    return total + len(queue)


def grown_with_an_else(x):
    xs = [x[0], x[2]]
    for v in xs:
        if len(xs) < 5:
            xs.append(v * 0.8)
    else:
        xs.append(1.0)
    return sum(v * v for v in xs)


def shrinking_with_pop(x):
    stack = [x[0], x[1], x[2], x[0] * x[1]]
    total = 0.0
    for v in stack:
        total = total + v * stack.pop()
    return total


CASES = [grown_to_a_bound, grown_while_the_data_says_so,
         worklist_with_extend_break_and_continue, grown_with_an_else, shrinking_with_pop]


@pytest.mark.parametrize("f", CASES, ids=[f.__name__ for f in CASES])
@pytest.mark.parametrize("x", [X, np.array([0.3, 0.95, 0.7]), np.array([-0.5, 0.2, 0.1])])
def test_growing_loops_against_finite_differences(f, x):
    assert_grad_matches(f, (x,))


def test_grown_to_a_bound_closed_form():
    """items = [a, 2b] grows by a/2 and b: o = 3a + 8b + 2a + 4b = 5a + 12b."""
    np.testing.assert_allclose(pullback.grad(grown_to_a_bound)(X), [5.0, 12.0, 0.0],
                               rtol=1e-13)


def grown_through_another_name(x):
    items = [x[0], x[1]]
    alias = items
    o = 0.0
    for it in items:  # <- here
        if len(items) < 4:
            alias.append(it * 0.5)
        o = o + it
    return o


def grown_and_rebound(x):
    items = [x[0], x[1]]
    o = 0.0
    for it in items:  # <- here
        if len(items) < 4:
            items.append(it * 0.5)
        items = items + []
        o = o + it
    return o


def grown_parameter(xs):
    o = 0.0
    for it in xs:  # <- here
        if len(xs) < 4:
            xs.append(it * 0.5)
        o = o + it
    return o


@pytest.mark.parametrize("f, args", [
    (grown_and_rebound, (X,)),
    (grown_parameter, ([0.5, 0.25],)),
])
def test_other_growing_loops_stay_refused_at_their_line(f, args):
    with pytest.raises(pullback.UnsupportedSyntaxError) as info:
        pullback.grad(f)(*args)
    lines, start = inspect.getsourcelines(f)
    line = start + next(i for i, text in enumerate(lines) if "# <- here" in text)
    assert f"test_statements_growing.py\", line {line}" in str(info.value)
    assert "changes in place" in str(info.value)


def test_a_list_grown_through_another_name_is_refused_or_right():
    """Growth through an alias that the loop's own name does not show: the gradient is
    right or the construct is refused, never a wrong number."""
    try:
        got = pullback.grad(grown_through_another_name)(X)
    except pullback.PullbackError:
        return
    np.testing.assert_allclose(got, [1.5, 1.5, 0.0], rtol=1e-12)
