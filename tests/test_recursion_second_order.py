"""Second order through recursive functions whose recursion ends on a path that makes no
list: the record of such a call holds None for the lists the other path makes (a loop's
record, `rest` of `head, *rest = items`), and the differentiated backward function copied
each record list it pops unconditionally (`list(None)`: TypeError, found in autograd's
HMM example, `log_partition_function` mapped over a list of sequences). hvp, hessian
and grad of grad against central differences of the gradient, in several spellings."""

from __future__ import annotations

import numpy as np
import pytest

import pullback


def over_sequences(x, data):
    if isinstance(data, list):
        return sum(over_sequences(x, d) for d in data)
    total = 0.0
    for y in data:
        total = total + np.sin(x[y]) * x[0]
    return total


def head_and_rest(x, items):
    if not items:
        return 0.0
    head, *rest = items
    return x[head] ** 2 * x[-1] + head_and_rest(x, rest)


def loop_in_a_branch(x, k):
    total = 0.0
    if k > 0:
        acc = []
        for i in range(k):
            acc.append(x[i] ** 2)
        total = sum(acc)
    return total * np.sum(x) + (loop_in_a_branch(x[1:], k - 1) if k > 0 else 0.0)


def slots_in_a_branch(x, n):
    if n == 0:
        return np.sum(x ** 2)
    buf = np.zeros(3)
    if n > 1:
        for i in range(3):
            buf[i] = x[i] * n
    return np.sum(np.sin(buf) * x[:3]) + slots_in_a_branch(x * 0.5, n - 1)


def tree(x, node):
    if isinstance(node, int):
        return x[node] ** 3
    left, right = node
    return np.sin(tree(x, left)) * tree(x, right)


CASES = [(over_sequences, [np.array([0, 2]), np.array([1, 3, 3])]),
         (over_sequences, np.array([0, 2, 4])), (head_and_rest, [0, 2, 1]),
         (loop_in_a_branch, 3), (slots_in_a_branch, 3), (tree, ((0, (1, 2)), (3, 4)))]


@pytest.mark.parametrize("f, data", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_second_order_through_the_recursion(f, data):
    x = np.array([0.3, 0.5, 0.9, 1.2, 0.7])
    v = np.array([1.0, -1.0, 0.5, 2.0, 0.3])
    gradient = pullback.grad(f)
    expected = (gradient(x + 1e-5 * v, data) - gradient(x - 1e-5 * v, data)) / 2e-5
    np.testing.assert_allclose(pullback.hvp(f)(x, data, v), expected, rtol=1e-5, atol=1e-7)
    twice = pullback.grad(lambda x, data: gradient(x, data) @ v)(x, data)
    np.testing.assert_allclose(twice, expected, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("f, data", CASES,
                         ids=lambda c: getattr(c, "__name__", ""))
def test_hessian_through_the_recursion(f, data):
    x = np.array([0.3, 0.5, 0.9, 1.2, 0.7])
    gradient = pullback.grad(f)
    H = pullback.hessian(f)(x, data)
    for v in np.eye(5)[[0, 3]]:
        expected = (gradient(x + 1e-5 * v, data) - gradient(x - 1e-5 * v, data)) / 2e-5
        np.testing.assert_allclose(H @ v, expected, rtol=1e-5, atol=1e-7)


def test_hessian_of_a_loop_in_a_branch_of_a_recursion():
    """vector mode: a gradient known to be zero (0.0, shapeless) whose tangents have a
    shape, added to another's (add_batches puts the two in one rank)."""
    x = np.array([0.3, 0.5, 0.9, 1.2, 0.7])
    gradient = pullback.grad(loop_in_a_branch)
    H = pullback.hessian(loop_in_a_branch)(x, 3)
    for v in np.eye(5):
        expected = (gradient(x + 1e-5 * v, 3) - gradient(x - 1e-5 * v, 3)) / 2e-5
        np.testing.assert_allclose(H @ v, expected, rtol=1e-5, atol=1e-7)
