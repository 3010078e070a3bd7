"""Generator functions defined by a `def` in f's body and consumed there (a for loop,
enumerate/zip, sum/max/list, a comprehension) run in place as module-level ones do
(lower/generators.py): they read f's variables as a closure does, as they are when the
generator resumes. Gradients, tangents and Hessians against central differences; a
print inside runs as often as under f; other uses are refused at their line."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
from fd import assert_grad_matches
from test_higher import check_reverse_over_reverse, check_second_order

import pullback
from pullback.errors import UnsupportedSyntaxError

X = np.array([0.3, -1.2, 0.8, 1.5])


def series(x):
    def terms(v):
        for k in range(1, 4):
            yield v ** k / k
    return sum(terms(x))


def closure_read_on_resume(x, w):
    scale = 2.0

    def pairs(a):
        for i in range(len(a) - 1):
            yield a[i] * a[i + 1] * scale  # f's scale, as it is when the generator resumes
    total = 0.0
    for p in pairs(x):
        total = total + p * w
        scale = scale + 1.0
    return total


def enumerated_and_max(x):
    def squares(v):
        for a in v:
            yield a * a
    out = 0.0
    for i, s in enumerate(squares(x)):
        out += i * s
    return out + max(squares(x))


def comprehension_and_zip(x):
    def scaled(v, c):
        yield from v * c
        yield np.sum(v)

    def shifted(v):
        for a in v:
            yield a + 1.0
    weights = [1.0, 2.0, 3.0]
    total = sum([np.sin(s) for s in scaled(x, 0.5)])
    for s, w in zip(shifted(x), weights):  # zip stops after three values
        total = total + w * s ** 2
    return total


def early_break(x):
    def running(v):
        acc = 0.0
        for a in v:
            acc = acc + a
            yield acc
    best = 0.0
    for r in running(x):
        if r < -0.5:
            break
        best = best + r ** 2
    return best


def _helper_with_generator(x, scale=1.0):
    def terms(v):
        for k in range(1, 4):
            yield v ** k / k
    return sum(terms(x)) * scale


def in_callees(x):
    """A callee inlined, and one called with a default (not inlined), each defining one."""
    return np.sum(_helper_with_generator(x)) * 2.0 + np.sum(_helper_with_generator(x, 0.5))


CASES = [(series, (0.7,)), (closure_read_on_resume, (X, 0.6)), (enumerated_and_max, (X,)),
         (comprehension_and_zip, (X,)), (early_break, (X,)), (in_callees, (X,))]


@pytest.mark.parametrize("fn, args", CASES, ids=[c[0].__name__ for c in CASES])
def test_gradient_matches_differences(fn, args):
    value, _ = pullback.value_and_grad(fn)(*args)
    assert value == pytest.approx(fn(*args), rel=1e-12)
    assert_grad_matches(fn, args)


@pytest.mark.parametrize("fn, args", CASES, ids=[c[0].__name__ for c in CASES])
def test_tangent_and_second_order(fn, args):
    rng = np.random.default_rng(5)
    v = rng.normal(size=np.shape(args[0]))
    value, tangent = pullback.jvp(fn)(*args, v if np.ndim(args[0]) else float(v))
    h = 1e-6
    step = lambda t: fn(args[0] + t * v, *args[1:])  # noqa: E731
    assert tangent == pytest.approx((step(h) - step(-h)) / (2 * h), rel=1e-5, abs=1e-7)
    if np.ndim(args[0]):
        check_second_order(fn, args, rng)


def test_second_order_through_a_list_appended_after_a_loop():
    """Not a generator matter: a list appended to in a loop and then once more, read back
    element by element (refused before, issue 14): hessian, hvp and reverse over reverse."""
    check_second_order(comprehension_and_zip, (X,), np.random.default_rng(5))
    check_reverse_over_reverse(comprehension_and_zip, (X,))


def printing(x):
    def noisy(v):
        for a in v:
            print("value")
            yield a * 2.0
        print("done")
    return sum(noisy(x))


def test_prints_run_as_often_as_under_f():
    def output(run):
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            run()
        return buffer.getvalue()
    assert output(lambda: pullback.grad(printing)(X)) == output(lambda: printing(X))


def read_before_def(x):
    t = sum(g(x))  # noqa: F821 (f raises UnboundLocalError here)

    def g(v):
        yield v
    return t


def kept_in_a_name(x):
    def g(v):
        yield v
    h = g
    return sum(h(x))


def assigned_again(x):
    def g(v):
        yield v
    out = sum(g(x))
    g = None
    return out


def defined_in_a_branch(x):
    if x > 0:
        def g(v):
            yield v
        return sum(g(x))
    return x


@pytest.mark.parametrize("fn, construct, line", [
    (read_before_def, "read before its def", "t = sum(g(x))"),
    (kept_in_a_name, "used other than as the iterable", "h = g"),
    (assigned_again, "also assigned in f", "def g(v):"),
    (defined_in_a_branch, "yield (generator function)", "yield v"),
])
def test_other_uses_are_refused_with_the_line(fn, construct, line):
    with pytest.raises(UnsupportedSyntaxError) as caught:
        pullback.grad(fn)(0.5)
    message = str(caught.value)
    assert construct in message and "test_generators_nested.py" in message
    assert line in message
