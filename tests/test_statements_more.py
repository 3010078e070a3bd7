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
        z = np.log(y)
    finally:
        print(y)
    return np.sum(y * z)


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


# ----------------------------------------------------------------- match


def match_mode(x, mode):
    match mode:
        case 0:
            return np.sum(x ** 2)
        case 1 | 2:
            y = np.sin(x) * mode
        case "log":
            y = np.log1p(x ** 2)
        case None:
            y = x
        case _:
            y = np.tanh(x)
    return np.sum(y * x)


def match_guard_on_values(x, mode):
    total = 0.0
    for v in x:
        match mode:
            case m if v > 0.5 and m == 1:  # a capture read by its guard
                total = total + np.exp(v) * m
            case 1:
                total = total + v ** 3
                if v < 0:
                    break
            case other:
                total = total + v * len(str(other))
    return total


def match_without_a_match(x, mode):
    y = x * 2.0
    match mode:
        case 1:
            y = np.cos(x)
        case 2 if np.sum(x) > 100:
            y = x ** 4
    return np.sum(y)


@pytest.mark.parametrize("f", [match_mode, match_guard_on_values, match_without_a_match],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("mode", [0, 1, 2, "log", None, 5])
def test_match(f, mode):
    x = np.array([0.3, 0.9, -0.4])
    assert_grad_matches(f, (x, mode))
    assert pullback.value_and_grad(f)(x, mode)[0] == pytest.approx(f(x, mode))


def sequence_pattern(x):
    match x.shape:
        case (n,):
            return np.sum(x) * n
    return 0.0


class Point:
    def __init__(self, v):
        self.v = v


def class_pattern(x):
    match Point(x):
        case Point(v=v):
            return np.sum(v)
    return 0.0


def captures_in_alternatives(x, mode):
    match mode:
        case (1 as k) | (2 as k) if np.sum(x) > -5.0:
            return np.sum(x ** 2) * k
        case (3 as k) | (4 as k):
            return np.sum(x) * k
    return 0.0


def test_captures_in_alternatives():
    for mode in (1, 2, 3, 4, 5):
        assert_grad_matches(captures_in_alternatives, (X, mode))


def test_sequence_and_class_patterns():
    """(more spellings in test_statements_python3.py)"""
    np.testing.assert_allclose(assert_grad_matches(sequence_pattern, (X,)), np.full(3, 3.0))
    np.testing.assert_allclose(assert_grad_matches(class_pattern, (X,)), np.ones(3))


# ----------------------------------------------------------------- generator functions


def squares(v):
    for a in v:
        yield a * a


def pairs(v, scale=2.0):
    i = 0  # a name the consumer uses too: the generator's own
    while i + 1 < len(v):
        yield v[i] * scale, np.sin(v[i + 1])
        i += 1
    yield v[0], v[-1]


def stops_early(v):
    for a in v:
        if a > 0.8:
            return
        yield np.exp(a)


def counted(v):
    COUNT.n += 1
    for a in v:
        COUNT.n += 1
        yield a


def gen_in_a_for(x):
    total = 0.0
    for s in squares(x):
        total = total + np.sin(s)
    return total


def gen_with_tuples_and_names(x):
    total, i = 0.0, 10
    for a, b in pairs(x):
        total = total + a * b * i
        i = i - 1
    return total


def gen_with_break_and_continue(x):
    total = 0.0
    for s in squares(x * 3.0):
        if s < 0.5:
            continue
        total = total + np.sqrt(s) * total + s
        if total > 4.0:
            break
    return total


def gen_consumed_by_builtins(x):
    a = sum(squares(x))
    b = max(stops_early(x))
    values = sorted(squares(x * -1.5))
    listed = list(squares(x))
    return a * b + values[0] - listed[1] * tuple(pairs(x, 3.0))[0][0]


def gen_stopping_early(x):
    total = sum(stops_early(x))
    count = list(stops_early(x))
    return total + len(count)


def gen_of_gen(v):
    for s in squares(v):
        yield s + 1.0


def gen_consuming_a_gen(x):
    return sum(gen_of_gen(x))


@pytest.mark.parametrize("f", [gen_in_a_for, gen_with_tuples_and_names,
                               gen_with_break_and_continue, gen_consumed_by_builtins,
                               gen_stopping_early], ids=lambda f: f.__name__)
def test_generators_consumed_in_f(f):
    assert_grad_matches(f, (X,))
    assert_grad_matches(f, (np.array([0.1, 0.5, 0.3, 0.95]),))


def interleaved(x):
    COUNT.n = 0
    seen = []
    for _ in counted(x):
        seen.append(COUNT.n)  # the generator's effects happen between the trips
    return np.sum(x) * len(seen) + float(seen[-1])


def test_a_generator_runs_lazily_as_in_f():
    assert_grad_matches(interleaved, (X,))
    value, _ = pullback.value_and_grad(interleaved)(X)
    assert value == interleaved(X)


def gen_returned_in_body(x):
    for s in squares(x):
        return s
    return 0.0


def gen_kept(x):
    g = squares(x)
    return sum(g)


def test_generators_used_otherwise_are_refused_with_the_line():
    with pytest.raises(pullback.UnsupportedSyntaxError,
                       match="(?s)return inside a loop over a generator.*return s"):
        pullback.grad(gen_returned_in_body)(X)
    with pytest.raises(pullback.PullbackError,
                       match="(?s)generator function other than.*g = squares"):
        pullback.grad(gen_kept)(X)
    with pytest.raises(pullback.PullbackError, match=r"(?s)also calls.*np.sum\(x\) \+ sum"):
        pullback.grad(gen_after_a_call)(X)
    with pytest.raises(pullback.PullbackError, match=r"(?s)also calls.*\+ twice"):
        pullback.grad(gen_before_a_user_call)(X)
    with pytest.raises(pullback.PullbackError, match="(?s)consumes another generator.*squares"):
        pullback.grad(gen_consuming_a_gen)(X)


def gen_mixed_statement(x):  # np.sum and len only compute: they may run after it
    return sum(squares(x)) + np.sum(np.sin(x)) / len(x) + abs(x[0])


def gen_after_a_call(x):
    return np.sum(x) + sum(squares(x))


def twice(v):
    return 2.0 * np.sum(v)


def gen_before_a_user_call(x):
    return sum(squares(x)) + twice(x)


def test_a_generator_before_calls_that_only_compute():
    assert_grad_matches(gen_mixed_statement, (X,))


# ----------------------------------------------------------------- x.tolist()


def tolist_unpacked(x):
    a, b, c = x[:3].tolist()
    return a * b + np.sin(c)


def tolist_nested_loops(x):
    rows = x.reshape(2, 2).tolist()
    total = 0.0
    for row in rows:
        for v in row:
            total = total + v ** 3
    return total + rows[1][0]


def tolist_appended(x):
    vals = x.tolist()
    vals.append(x[0] * 2.0)
    return max(vals) + sum(vals[1:])


def tolist_of_scalars(x):
    return np.sum(x).tolist() * 2.0 + x[0].tolist()


@pytest.mark.parametrize("f", [tolist_unpacked, tolist_nested_loops, tolist_appended,
                               tolist_of_scalars], ids=lambda f: f.__name__)
def test_tolist(f):
    x = np.array([0.3, 1.2, -0.5, 2.0])
    assert_grad_matches(f, (x,))
    t = np.array([1.0, -0.5, 0.25, 2.0])
    eps = 1e-6
    expected = (f(x + eps * t) - f(x - eps * t)) / (2 * eps)
    assert pullback.jvp(f)(x, t)[1] == pytest.approx(expected, rel=1e-6)
