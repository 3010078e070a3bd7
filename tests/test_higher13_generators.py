"""A statement consuming several generators of the user's (`sum(sq(x)) + max(sq(x[:3]))`):
each collected into a name of its own before the statement, in the order Python runs
them, when whatever runs after the first generator changes nothing (the later
generators and the statement's other calls compute without effects); refused, located,
otherwise. grad, jvp, hessian and grad of grad against central differences; a first
generator's effects are seen by a later one that reads them, as in Python."""

import numpy as np
import pytest
from fd import assert_grad_matches, assert_jvp_matches
from test_higher import check_reverse_over_reverse, check_second_order

import pullback

X = np.array([0.3, -0.5, 1.2, 0.7])


def sq(x):
    for e in x:
        yield e * e


def sines(x):
    for e in x:
        yield np.sin(e)


def sum_and_max(x):
    return sum(sq(x)) + max(sq(x[:3]))


def nested_in_numpy(x):
    return np.sqrt(sum(sq(x))) * min(sines(x)) - sum(sq(x[1:])) / len(x)


def lists_and_sorted(x):
    t = sorted(sq(x))
    a = list(sq(x)) + list(sines(x[::-1]))
    return t[0] + a[2] * a[-1]


def enclosed(x):
    return float(np.sum(np.array(list(sq(x))))) + max(sq(x))


def three(x):
    return sum(sq(x)) * sum(sines(x)) + sum(sq(np.cos(x)))


def any_and_sum(x):
    return sum(sq(x)) * (1.0 if any(sines(x)) else 2.0)


def second_sees_the_first(x):
    seen = []

    def recorded(v):  # (defined in f: it appends to f's own list)
        for e in v:
            seen.append(e)
            yield e * e

    def replayed():  # (reads f's list: what the first generator appended)
        for e in seen:
            yield e * 3.0

    return sum(recorded(x)) + sum(replayed()) * len(seen)


CASES = [sum_and_max, nested_in_numpy, lists_and_sorted, enclosed, three, any_and_sum,
         second_sees_the_first]


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_grad_and_jvp(fn):
    assert_grad_matches(fn, (X,))
    assert_jvp_matches(fn, 4, 6)


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_second_order(fn):
    check_second_order(fn, (X,), np.random.default_rng(6))
    check_reverse_over_reverse(fn, (X,))


def test_second_sees_the_first_closed_form():
    # sum x^2 + 3 sum x * n: the later generator replays what the first recorded
    np.testing.assert_allclose(pullback.grad(second_sees_the_first)(X), 2 * X + 12.0,
                               rtol=1e-12)


def later_with_effects(x):
    seen = []

    def recorded(v):
        for e in v:
            seen.append(e)
            yield e * e

    return sum(sq(x)) + max(recorded(x))


def call_with_effects_between(x):
    seen = []
    return sum(sq(x)) + seen.append(1.0) + max(sq(x))


def read_before(x):
    seen = []

    def recorded(v):
        for e in v:
            seen.append(e)
            yield e * e

    return len(seen) + sum(recorded(x)) + max(sq(x))


@pytest.mark.parametrize("fn, line", [
    (later_with_effects, "max(recorded(x))"),
    (call_with_effects_between, "seen.append(1.0)"),
    (read_before, "len(seen) + sum(recorded(x))"),
], ids=lambda v: getattr(v, "__name__", ""))
def test_refused_located(fn, line):
    with pytest.raises(pullback.PullbackError) as info:
        pullback.grad(fn)(X)
    message = str(info.value)
    assert "generator" in message and line in message
    assert "test_higher13_generators.py" in message
