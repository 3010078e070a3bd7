"""Real-Python constructs of issue 12, fifth part: a list name rebound to another list
(`prev = cur` in a dynamic program), and lists paired before they grow. Gradients
against central finite differences in several spellings; what stays refused is refused
at its line."""

from __future__ import annotations

import numpy as np
import pytest
from fd import assert_grad_matches

import pullback

RNG = np.random.default_rng(5)


def _distinct(n, lo=-2.0, hi=2.0):
    step = (hi - lo) / n
    return lo + (RNG.permutation(n) + RNG.uniform(0.25, 0.75, size=n)) * step


# ------------------------------------------- prev = cur: a list name moved to another


def dtw_rows(a, b):
    n, m = len(a), len(b)
    prev = [0.0] + [1e10] * m
    for i in range(1, n + 1):
        cur = [1e10] * (m + 1)
        for j in range(1, m + 1):
            cur[j] = (a[i - 1] - b[j - 1]) ** 2 + min(prev[j], cur[j - 1], prev[j - 1])
        prev = cur
    return prev[m]


def rows_grown_by_append(x, w):
    prev = [w * v for v in x]
    for _ in range(3):
        cur = [prev[0] * 0.5]
        for j in range(1, len(prev)):
            cur.append(np.tanh(prev[j] + w * cur[j - 1]))
        prev = cur
    return sum(prev)


def rows_from_comprehension_while(x):
    row = [v * v for v in x]
    step = 0
    while step < 3:
        nxt = [0.0 for _ in row]
        for j in range(len(row)):
            nxt[j] = row[j] * 0.9 + (row[j - 1] if j > 0 else 0.0) * x[j]
        row = nxt
        step += 1
    return sum(row)


def moved_then_written_under_the_new_name(x):
    acc = [0.0] * len(x)
    for i in range(len(x)):
        acc[i] = x[i] ** 2
    total = acc
    acc = [1.0]
    total[0] = total[0] * 3.0
    return sum(total) + acc[0]


MOVED = [
    (dtw_rows, (_distinct(4), _distinct(3) * 1.1), (0, 1)),
    (rows_grown_by_append, (RNG.normal(size=4) * 0.5, 0.7), (0, 1)),
    (rows_from_comprehension_while, (RNG.normal(size=4) * 0.5,), 0),
    (moved_then_written_under_the_new_name, (RNG.normal(size=3),), 0),
]


@pytest.mark.parametrize("f, args, wrt", MOVED, ids=[c[0].__name__ for c in MOVED])
def test_a_list_moved_to_another_name(f, args, wrt):
    assert_grad_matches(f, args, wrt=wrt)


def second_name_still_read(x):
    cur = [0.0] * len(x)
    prev = [0.0] * len(x)
    for i in range(len(x)):
        cur[i] = x[i] * 2.0
        prev = cur
        cur[0] = prev[0] + 1.0  # the write is seen through prev too
    return sum(prev)


def not_bound_anew_before_the_next_read(x):
    cur = [0.0] * len(x)
    prev = cur
    for i in range(len(x)):
        cur[i] = x[i] + prev[i - 1]
        prev = cur
    return sum(prev)


@pytest.mark.parametrize("f", [second_name_still_read, not_bound_anew_before_the_next_read])
def test_a_list_with_two_live_names_is_refused(f):
    with pytest.raises(pullback.UnsupportedSyntaxError, match="second name") as info:
        pullback.grad(f)(np.array([0.3, -0.2, 0.5]))
    assert "test_statements5.py" in str(info.value)
