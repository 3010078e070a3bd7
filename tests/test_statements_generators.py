"""Generators of issue 12 consumed inside f: through `zip` and `enumerate` in loops and
comprehensions, by `any`/`all` (which stop where Python stops), `np.fromiter`, `sorted`
with a key, generator functions with several `yield`s and `yield from`, generator
expressions with two `for` clauses and an `if` (lower/generators.py). Gradients against
central finite differences; the output a generator prints is the same under the
gradient as under f (it runs as often); what stays refused is refused at its line."""

from __future__ import annotations

import contextlib
import inspect
import io

import numpy as np
import pytest
from fd import assert_grad_matches

import pullback

X = np.array([0.3, -0.8, 1.4, 0.6, 0.2])
W = np.array([0.5, 1.5, -1.0])


def _moments(x):
    yield np.mean(x)
    yield np.mean(x ** 2)


def _squares(x):
    for v in x:
        print("square")
        yield v ** 2
    print("squares done")


def _spliced(x):
    yield x[0]
    yield from [x[1] ** 2, np.sin(x[2])]
    yield from x[3:] * 2.0


def zip_generator_with_a_display(x):
    total = 0.0
    for m, wt in zip(_moments(x), [0.5, 2.0]):
        total = total + wt * m
    return total


def zip_generator_with_a_shorter_argument(x, w):
    total = 0.0
    for m, wt in zip(_squares(x), w):  # stops after asking the generator a fourth time
        total = total + wt * m
    return total


def zip_generator_three_ways_one_target(x):
    total = 0.0
    for triple in zip(_squares(x), (0.5, 1.5), range(4)):
        total = total + triple[0] * triple[1] * (triple[2] + 1)
    return total


def enumerate_generator_with_jumps(x):
    total = 0.0
    for k, m in enumerate(_squares(x), start=2):
        if k == 3:
            continue
        total = total + k * m
        if k > 4:
            break
    return total


def zip_generator_in_comprehensions(x, w):
    listed = [wt * m for m, wt in zip(_squares(x), w)]
    counted = sum(k * m for k, m in enumerate(_moments(x)))
    return sum(listed) + counted


def any_and_all_of_generators(x):
    big = any(t > 1.0 for t in _squares(x))
    small = all(_squares(x[:2]))
    return x[0] * big + x[1] * small + x[2] * all(t < 0.5 for t in _squares(x))


def fromiter_of_a_generator(x):
    return np.sum(np.fromiter(_squares(x), float) ** 2)


def sorted_generator_with_a_key(x):
    largest = sorted(_squares(x), key=lambda t: -t)[0]
    return largest + min(_moments(x))


def yield_from_iterables(x):
    total = 0.0
    for k, v in enumerate(_spliced(x)):
        total = total + (k + 1) * v
    return total + sum(_spliced(x))


def two_for_clauses_and_a_condition(x):
    return sum(a * b for a in _squares(x) for b in x if a > b) \
        + sum(a * b for a in x for b in x[:3] if a < b)


CASES = [
    (zip_generator_with_a_display, (X,), 0),
    (zip_generator_with_a_shorter_argument, (X, W), (0, 1)),
    (zip_generator_three_ways_one_target, (X,), 0),
    (enumerate_generator_with_jumps, (X,), 0),
    (zip_generator_in_comprehensions, (X, W), (0, 1)),
    (any_and_all_of_generators, (X,), 0),
    (fromiter_of_a_generator, (X,), 0),
    (sorted_generator_with_a_key, (X,), 0),
    (yield_from_iterables, (X,), 0),
    (two_for_clauses_and_a_condition, (X,), 0),
]


@pytest.mark.parametrize("f, args, wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_generators_against_finite_differences(f, args, wrt):
    assert_grad_matches(f, args, wrt=wrt)


@pytest.mark.parametrize("f, args, wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_a_generator_runs_as_often_as_in_f(f, args, wrt):
    """What the generators print under the gradient is what they print under f: zip asks
    the generator once more than the shorter list, any/all stop at the deciding value."""
    under_f, under_grad = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(under_f):
        f(*args)
    with contextlib.redirect_stdout(under_grad):
        pullback.grad(f, wrt)(*args)
    assert under_grad.getvalue() == under_f.getvalue()


def test_zip_stops_after_asking_the_generator():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        pullback.grad(zip_generator_with_a_shorter_argument, (0, 1))(X, W)
    assert out.getvalue().count("square") == len(W) + 1
    assert "squares done" not in out.getvalue()


def test_zip_closed_form():
    """d/dx sum_k w_k x_k^2 over the first len(w) items = 2 w x there, 0 after."""
    got = pullback.grad(zip_generator_with_a_shorter_argument)(X, W)
    expected = np.zeros_like(X)
    expected[:3] = 2.0 * W * X[:3]
    np.testing.assert_allclose(got, expected, rtol=1e-13)


# ------------------------------------------------------------------ refusals

def _chained(x):  # (`yield from _moments(x)` runs _moments in place: test_objects11_*)
    for m in _moments(x):  # <- here
        yield m * 1.0


def yield_from_another_generator(x):
    return sum(_chained(x))


def zip_with_a_list_changed_in_the_loop(x, w):
    ws = list(w)
    total = 0.0
    for m, wt in zip(_squares(x), ws):  # <- here
        ws.append(1.0)
        total = total + m * wt
    return total


def generator_kept_in_a_dict(x):
    d = dict(_pairs(x))  # <- here
    return d["a"] * d["b"]


def _pairs(x):
    yield "a", x[0]
    yield "b", x[1]


@pytest.mark.parametrize("f, args, fragment, marked", [
    (yield_from_another_generator, (X,), "consumes another generator", _chained),
    (zip_with_a_list_changed_in_the_loop, (X, W), "change in place", None),
    (generator_kept_in_a_dict, (X,), "generator function other than", None),
])
def test_other_uses_are_refused_at_their_line(f, args, fragment, marked):
    with pytest.raises(pullback.UnsupportedSyntaxError) as info:
        pullback.grad(f)(*args)
    message = str(info.value)
    lines, start = inspect.getsourcelines(marked or f)
    line = start + next(i for i, text in enumerate(lines) if "# <- here" in text)
    assert fragment in message
    assert f"test_statements_generators.py\", line {line}" in message
