"""A `collections.deque` made in f and used as a queue (issue 12): append, appendleft,
popleft, pop, extend, a maxlen dropping from the other end, indexing, iteration, sum,
len and truth tests follow the values it holds, as a list's (lower/deques.py). Checked
against central finite differences; a deque used otherwise (returned, rotated) is left
to the later stages, which refuse it with the line where a value being differentiated
reaches it; an invalid maxlen raises as Python raises."""

from __future__ import annotations

import collections
from collections import deque

import numpy as np
import pytest
from fd import numeric_grad

import pullback
from pullback.errors import PullbackError

X = np.array([0.3, -0.7, 1.1])


def window_sum(x):
    q = deque(maxlen=2)
    for i in range(4):
        q.append(x * (i + 1.0))
    return np.sum(sum(q) ** 2)


def both_ends(x):
    q = deque()
    q.append(np.sin(x))
    q.appendleft(x * 2.0)
    q.append(x ** 2)
    first = q.popleft()
    last = q.pop()
    total = 0.0
    for e in q:
        total = total + np.sum(e * last)
    return total + np.sum(first ** 2)


def bounded_left(x, k=2):
    q = deque([], k)
    for i in range(3):
        q.appendleft(np.tanh(x + i))
    return np.sum(q[0] * q[-1]) + np.sum(np.stack(q))


def extended(x):
    q = deque(maxlen=3)
    q.extend([x, x * x, np.cos(x), x + 1.0])
    return sum(np.sum(v) * w for v, w in zip(q, [1.0, 2.0, 3.0]))


def bfs_like(x):
    frontier = deque([0])
    seen = [x]
    while frontier:
        k = frontier.popleft()
        if k < 3:
            frontier.append(k + 1)
            seen.append(seen[-1] * 0.5 + np.sin(x))
    return np.sum(np.array(seen) ** 2)


CASES = [window_sum, both_ends, bounded_left, extended, bfs_like]


@pytest.mark.parametrize("f", CASES, ids=[f.__name__ for f in CASES])
def test_a_deque_used_as_a_queue_matches_fd(f):
    g = pullback.grad(f)(X)
    np.testing.assert_allclose(g, numeric_grad(f, (X,)), rtol=1e-6, atol=1e-9)
    value, _ = pullback.value_and_grad(f)(X)
    assert value == pytest.approx(f(X))


def test_a_deque_from_an_iterable_emptied_in_a_while_loop():
    def f(x):
        q = collections.deque([x, np.exp(x), x * 3.0])
        out = 0.0
        while q:
            v = q.popleft()
            out = out + np.sum(v) * len(q)
        return out

    np.testing.assert_allclose(pullback.grad(f)(X), numeric_grad(f, (X,)), rtol=1e-6)


def test_an_invalid_maxlen_raises_as_python():
    def f(x):
        q = deque(maxlen=-1)
        q.append(x)
        return np.sum(q[0])

    with pytest.raises(ValueError):
        f(X)
    with pytest.raises(ValueError):
        pullback.grad(f)(X)


def rotated(x):
    q = deque([x, x * 2.0])  # <- here
    q.rotate(1)
    q.append(x * 3.0)
    return np.sum(q[0])


def test_a_deque_used_otherwise_is_refused_with_the_line():
    with pytest.raises(PullbackError) as info:
        pullback.grad(rotated)(X)
    assert "q = deque([x, x * 2.0])" in str(info.value)
    assert "test_objects11_deques.py" in str(info.value)


def test_popleft_and_pop_as_values_in_an_expression():
    def f(x):
        window = deque(maxlen=2)
        for k in range(3):
            window.append(x * (k + 1.0))
        window.appendleft(np.sin(x))
        return np.sum(window.popleft() * 2.0 + sum(window) - window.pop())

    np.testing.assert_allclose(pullback.grad(f)(X), numeric_grad(f, (X,)), rtol=1e-6)
