"""try/finally, match statements, generator functions and the other statements added
for real Python code: gradients against central finite differences, effects counted
(a clean-up runs as often under grad as in f), refusals located at the line."""

from __future__ import annotations

import re

import numpy as np
import pytest
from fd import assert_grad_matches

import pullback

X = np.array([0.3, 0.9, -0.4])


class Counter:
    n = 0


COUNT = Counter()


def finally_after_body(x):
    try:
        y = np.sin(x) * x
    finally:
        COUNT.n += 1
    return np.sum(y * 2.0)


def finally_after_return(x):
    try:
        return np.sum(np.exp(x))
    finally:
        COUNT.n += 1


def except_and_finally(x):
    try:
        L = np.linalg.cholesky(np.outer(x, x) + np.eye(3))
        y = np.sum(L)
    except np.linalg.LinAlgError:
        y = np.sum(x)
    finally:
        COUNT.n += 1
    return y


def finally_in_a_loop(x):
    total = 0.0
    for v in x:
        try:
            total = total + np.tanh(v) * v
        finally:
            COUNT.n += 1
    return total


def fallback_with_finally(x):
    try:
        y = np.sum(np.linalg.cholesky(-np.eye(3) * x[0] ** 2))
    except np.linalg.LinAlgError:
        y = np.sum(x ** 3)
    else:
        y = y * 2.0
    finally:
        COUNT.n += 1
    return y


@pytest.mark.parametrize("f", [finally_after_body, finally_after_return, except_and_finally,
                               finally_in_a_loop, fallback_with_finally],
                         ids=lambda f: f.__name__)
def test_try_finally(f):
    assert_grad_matches(f, (X,))
    COUNT.n = 0
    f(X)
    runs = COUNT.n
    COUNT.n = 0
    pullback.grad(f)(X)
    assert COUNT.n == runs  # the clean-up runs as often as in f


def finally_after_a_raise(x):
    try:
        if x[0] > 0:
            raise ValueError("positive")
        y = x * 2.0
    finally:
        COUNT.n += 1
    return np.sum(y)


def test_the_clean_up_runs_when_the_body_raises():
    COUNT.n = 0
    with pytest.raises(ValueError, match="positive"):
        pullback.grad(finally_after_a_raise)(X)
    assert COUNT.n == 1
    assert_grad_matches(finally_after_a_raise, (-X,))


def finally_reads_the_body(x):
    try:
        y = np.sin(x)
    finally:
        print(y)
    return np.sum(y)


def continue_in_finally(x):
    for _ in range(2):
        try:
            x = x * 2.0
        finally:
            continue  # noqa: B012
    return np.sum(x)


def return_in_finally(x):
    try:
        y = np.sum(x)
    finally:
        return y * 2.0  # noqa: B012


def test_finally_clauses_pullback_cannot_follow_are_refused_with_the_line():
    for f, line, what in [(finally_reads_the_body, "print(y)", "finally clause reads 'y'"),
                          (continue_in_finally, "try:", "with a continue"),
                          (return_in_finally, "try:", "with a return")]:
        with pytest.raises(pullback.UnsupportedSyntaxError,
                           match=f"(?s){what}.*test_statements_more.py.*{re.escape(line)}"):
            pullback.grad(f)(X)
