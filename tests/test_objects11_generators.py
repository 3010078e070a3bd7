"""Generators consumed in f (issue 12): a generator anywhere among zip's arguments
(`zip(xs, gen(x))`: zip asks the lists before it first, and once one has no value left
stops without resuming the generator, so its code after the last value taken never runs,
as in Python), and generators delegating with `yield from G2(args)` (G2's body runs in
place of the statement, its arguments bound first, nested delegation too). Gradients are
checked against central finite differences, effects (print) counted against f's;
what stays refused names the construct and the line."""

from __future__ import annotations

import numpy as np
import pytest
from fd import numeric_grad

import pullback
from pullback.errors import PullbackError

X = np.array([0.3, -0.7, 1.1])


def inner(x):
    yield x
    yield x * 2.0


def scaled(x, k=3.0, shift=0.0):
    yield np.sin(x) * k + shift


def outer(x):
    yield from inner(x)
    yield from scaled(x, shift=0.5)
    yield np.cos(x)


def deepest(x):
    yield from outer(x * 0.5)
    yield from scaled(x, 2.0)


def loud(x):
    print("start")
    yield x
    print("after first")
    yield x * x
    print("after second")
    yield np.exp(x)
    print("after third")


def zip_second(x):
    s = 0.0
    for a, b in zip([1.0, 2.0, 3.0, 4.0], outer(x)):
        s = s + a * np.sum(b ** 2)
    return s


def zip_middle(x):
    s = 0.0
    for a, b, c in zip(range(3), deepest(x), [0.5, -1.0, 2.0, 3.0, 1.0]):
        s = s + (a + c) * np.sum(np.tanh(b))
    return s


def zip_in_comprehension(x):
    return sum(w * np.sum(v) for w, v in zip([0.5, 1.5, -2.0], outer(x)))


def zip_continue(x):
    s = 0.0
    for k, v in zip([0, 1, 2, 3], deepest(x)):
        if k == 1:
            continue
        s = s + np.sum(v * v) * (k + 1)
    return s


def zip_break(x):
    s = 0.0
    for k, v in zip([0, 1, 2, 3, 4, 5, 6], outer(x)):
        if k == 2:
            break
        s = s + np.sum(np.sin(v))
    return s


def loop_delegating(x):
    s = 0.0
    for v in deepest(x):
        s = s + np.sum(v) ** 2
    return s


def sum_delegating(x):
    return sum(np.sum(v * x) for v in outer(x))


CASES = [zip_second, zip_middle, zip_in_comprehension, zip_continue, zip_break,
         loop_delegating, sum_delegating]


@pytest.mark.parametrize("f", CASES, ids=[f.__name__ for f in CASES])
def test_generators_in_zip_and_delegating_match_fd(f):
    g = pullback.grad(f)(X)
    np.testing.assert_allclose(g, numeric_grad(f, (X,)), rtol=1e-6, atol=1e-9)
    value, g2 = pullback.value_and_grad(f)(X)
    assert value == pytest.approx(f(X))
    np.testing.assert_allclose(g2, g)


def shorter_before(x):
    s = 0.0
    for a, b in zip([2.0, 3.0], loud(x)):
        s = s + a * np.sum(b)
    return s


def empty_before(x):
    s = np.sum(x)
    for a, b in zip([], loud(x)):
        s = s + a * np.sum(b)
    return s


def shorter_after(x):
    s = 0.0
    for b, a in zip(loud(x), [2.0, 3.0]):
        s = s + a * np.sum(b)
    return s


@pytest.mark.parametrize("f", [shorter_before, empty_before, shorter_after])
def test_the_generator_runs_as_far_as_zip_resumes_it(f, capsys):
    f(X)
    by_f = capsys.readouterr().out
    g = pullback.grad(f)(X)
    assert capsys.readouterr().out == by_f
    np.testing.assert_allclose(g, numeric_grad(f, (X,)), rtol=1e-6, atol=1e-9)
    capsys.readouterr()


def itself(x):
    yield x
    yield from itself(x * 0.5)


def returns(x):
    yield x
    if np.sum(x) > 10.0:
        return
    yield x * 2.0


def delegates_to_returning(x):
    yield from returns(x)


def use_itself(x):
    return sum(np.sum(v) for v in itself(x))


def use_returning(x):
    s = 0.0
    for v in delegates_to_returning(x):
        s = s + np.sum(v)
    return s


def two_generators(x):
    s = 0.0
    for a, b in zip(inner(x), outer(x)):
        s = s + np.sum(a * b)
    return s


@pytest.mark.parametrize("f, line", [(use_itself, "yield from itself(x * 0.5)"),
                                     (use_returning, "return"),
                                     (two_generators, "for a, b in zip(inner(x), outer(x)):")])
def test_what_stays_refused_names_the_line(f, line):
    with pytest.raises(PullbackError) as info:
        pullback.grad(f)(X)
    assert line in str(info.value) and "test_objects11_generators.py" in str(info.value)


SCALE = 3.0


def _scaled_by_global(x):
    yield x * SCALE


def _hides_the_global(x):
    SCALE = 100.0  # noqa: N806 (the point: a local named like the global it delegates to)
    yield from _scaled_by_global(x)  # <- here
    yield x * SCALE


def use_hidden(x):
    return sum(_hides_the_global(x))


def test_a_delegated_generator_reading_a_global_the_delegating_one_hides_is_refused():
    with pytest.raises(PullbackError) as info:  # (it read the local 100.0: a wrong gradient)
        pullback.grad(use_hidden)(0.5)
    assert "SCALE" in str(info.value) and "yield from _scaled_by_global(x)" in str(info.value)
