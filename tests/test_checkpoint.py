"""Binomial checkpointing (`checkpoint=`, `pullback.checkpoint`): the schedule is
revolve's optimum, and the gradient is the recorded loop's gradient, to rounding.

The loop corpus (every case of tests/corpus.py and tests/corpus3.py with a `for` loop)
runs both ways with a small budget, so that steps are recomputed; a loop that cannot be
checkpointed must be refused with its location, never differentiated wrongly.
"""

from __future__ import annotations

import functools
import inspect
import re
from math import comb

import corpus
import corpus3
import numpy as np
import pytest
from fd import assert_close, assert_grad_matches

import pullback
from pullback import rules
from pullback.runtime.checkpoint import revolve, revolve_cost

# ------------------------------------------------------------------ the schedule


@functools.cache
def brute_force_cost(steps, snapshots):
    """The fewest advances, by trying every place for the next snapshot."""
    if steps <= 1:
        return 0
    if snapshots == 1:
        return steps * (steps - 1) // 2
    return min(m + brute_force_cost(steps - m, snapshots - 1)
               + brute_force_cost(m, snapshots) for m in range(1, steps))


def replay(steps, snapshots):
    """Run the schedule on a model: check every rule, return the steps advanced."""
    state, held, record, reversed_steps, advanced, peak = 0, {}, None, [], 0, 0
    for action, i, j in revolve(steps, snapshots):
        if action == "snapshot":
            assert state == i and i not in held
            held[i] = i
            peak = max(peak, len(held))
        elif action == "restore":
            state = held[i]
        elif action == "forget":
            del held[i]
        elif action == "advance":
            assert state == i < j
            state, advanced = j, advanced + j - i
        elif action == "step":
            assert state == i and j == i + 1
            state, record = None, i  # the step's state is consumed
        else:
            assert action == "reverse" and record == i
            reversed_steps.append(i)
            record = None
    assert reversed_steps == list(range(steps - 1, -1, -1))
    assert peak <= snapshots and not held
    return advanced


def test_the_first_snapshot_is_the_start():
    assert next(revolve(5, 2)) == ("snapshot", 0, 0)
    assert list(revolve(0, 3)) == []


@pytest.mark.parametrize("snapshots", [1, 2, 3, 4, 5, 7, 10])
def test_advances_equal_the_binomial_optimum(snapshots):
    for steps in range(0, 90):
        advanced = replay(steps, snapshots) if steps else 0
        assert advanced == revolve_cost(steps, snapshots) == brute_force_cost(steps, snapshots)


@pytest.mark.parametrize("steps, snapshots", [(1000, 10), (10_000, 100), (4097, 3),
                                              (20_000, 141), (999, 1000)])
def test_long_schedules_meet_griewanks_formula(steps, snapshots):
    r = next(r for r in range(steps + 1) if comb(snapshots + r, snapshots) >= steps)
    assert replay(steps, snapshots) == r * steps - comb(snapshots + r, snapshots + 1)


# ------------------------------------------------------------------ the generated code


def rnn(Wh, Wx, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(Wh @ h + Wx @ xs[t])
    return np.sum(h)


def rnn_args(steps, rng):
    return (rng.normal(0, 0.4, (4, 4)), rng.normal(0, 0.5, (4, 3)),
            rng.normal(size=(steps, 3)), rng.normal(size=4))


def marked_rnn(Wh, Wx, xs, h0):
    h = h0
    for t in pullback.checkpoint(range(xs.shape[0])):
        h = np.tanh(Wh @ h + Wx @ xs[t])
    return np.sum(h)


COUNT = [0]


def tick(x):
    COUNT[0] += 1
    return x


@pytest.fixture(scope="module", autouse=True)
def tick_rule():
    # the rule tables are shared by the whole test session: restored afterwards
    pullback.register_rule(tick)(lambda g, ans, x: g)
    yield
    rules.RULES.pop(tick, None)
    rules.VERSION[0] += 1


def ticking(x, c):
    for i in range(x.shape[0]):
        c = tick(np.sin(c * x[i]) + c)
    return c


@pytest.mark.parametrize("steps", [1, 2, 7, 30, 100])
@pytest.mark.parametrize("snapshots", [1, 2, 3, 5, 200])
def test_the_generated_code_recomputes_exactly_the_optimum(steps, snapshots):
    x = np.random.default_rng(steps).normal(size=steps)
    plain = pullback.grad(ticking, wrt=(0, 1))(x, 0.3)
    df = pullback.grad(ticking, wrt=(0, 1), checkpoint=snapshots)
    COUNT[0] = 0
    got = df(x, 0.3)
    assert COUNT[0] == steps + revolve_cost(steps, snapshots)  # each step once with records
    for g, p in zip(got, plain):
        assert_close(g, p, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("budget", [1, 2, 3, 10, 1000, "1KB", "100MB", "0.2KiB"])
@pytest.mark.parametrize("api", ["grad", "value_and_grad", "vjp"])
def test_checkpointed_rnn_equals_the_recorded_one(budget, api):
    args = rnn_args(40, np.random.default_rng(0))
    wrt = (0, 1, 3)
    if api == "vjp":
        plain = pullback.vjp(rnn, wrt=wrt)(*args, 1.5)
        got = pullback.vjp(rnn, wrt=wrt, checkpoint=budget)(*args, 1.5)
    else:
        make = getattr(pullback, api)
        plain, got = make(rnn, wrt=wrt)(*args), make(rnn, wrt=wrt, checkpoint=budget)(*args)
        if api == "value_and_grad":
            assert got[0] == plain[0]
            plain, got = plain[1], got[1]
    for g, p in zip(got, plain):
        assert_close(g, p, rtol=1e-12, atol=1e-14)


def test_a_marked_loop_is_checkpointed_and_runs_plainly():
    args = rnn_args(25, np.random.default_rng(1))
    assert marked_rnn(*args) == rnn(*args)
    assert "revolve(" in pullback.source(marked_rnn, wrt=(0, 1))
    assert "revolve(" not in pullback.source(rnn, wrt=(0, 1))
    assert_grad_matches(marked_rnn, args, wrt=(0, 1, 3))
    for g, p in zip(pullback.grad(marked_rnn, wrt=(0, 1), checkpoint=2)(*args),
                    pullback.grad(rnn, wrt=(0, 1))(*args)):
        assert_close(g, p, rtol=1e-12, atol=1e-14)


def in_place(x, w):
    y = np.zeros(x.shape[0] + 1)
    y[0] = w
    for i in range(x.shape[0]):
        y[i + 1] = np.sin(y[i] * x[i]) + y[i]
    return np.sum(y * y)


def in_place_carried(x, w):
    buf = np.copy(np.ones(3) * w)
    total = 0.0
    for i in range(x.shape[0]):
        buf[i % 3] = buf[(i + 1) % 3] * x[i] + np.cos(buf[i % 3])
        total = total + np.sum(buf) * x[i]
    return total


def nested(x, W):
    h = x
    for _k in range(3):
        for j in range(2):
            h = np.tanh(W @ h) + h * j
        h = h * 0.9
    return np.sum(h * h)


def helper_step(h, w):
    if np.sum(h) > 0:
        return np.tanh(w * h)
    return np.sin(h) * w


def calls_a_function(x, w):
    h = x
    for t in range(6):
        h = helper_step(h, w) + 0.1 * t
    return np.sum(h)


def branches(x, c):
    s = 0.0
    for i in range(x.shape[0]):
        if x[i] > 0:
            s = s * c + x[i] ** 2
        else:
            s = np.sin(s) + c
    return s


EXTRA = [
    (in_place, lambda r: (r.normal(size=9), 0.4), (0, 1)),
    (in_place_carried, lambda r: (r.normal(size=10), 0.7), (0, 1)),
    (nested, lambda r: (r.normal(size=3), r.normal(0, 0.5, (3, 3))), (0, 1)),
    (calls_a_function, lambda r: (r.normal(size=3), 0.8), (0, 1)),
    (branches, lambda r: (r.normal(size=12), 0.6), (0, 1)),
]


@pytest.mark.parametrize("f, make, wrt", EXTRA, ids=[e[0].__name__ for e in EXTRA])
@pytest.mark.parametrize("budget", [1, 2, 4])
def test_in_place_nested_calling_and_branching_loops(f, make, wrt, budget):
    args = make(np.random.default_rng(3))
    assert "revolve(" in pullback.source(f, wrt=wrt, checkpoint=budget)
    plain = pullback.grad(f, wrt=wrt)(*args)
    got = pullback.grad(f, wrt=wrt, checkpoint=budget)(*args)
    for g, p in zip(got, plain):
        assert_close(g, p, rtol=1e-12, atol=1e-14)
    assert_grad_matches(f, args, wrt=wrt)


def breaks(x):
    s = 0.0
    for t in pullback.checkpoint(range(x.shape[0])):
        s = s + np.sin(x[t])
        if s > 1.0:
            break
    return s


def inner_marked(x):
    s = 0.0
    for _k in range(2):
        for t in pullback.checkpoint(range(x.shape[0])):
            s = s * 0.5 + np.sin(x[t])
    return s


def appends(x):
    out = []
    s = 0.0
    for t in pullback.checkpoint(range(x.shape[0])):
        s = np.sin(s + x[t])
        out.append(s)
    return sum(out)


def over_values(x):
    s = 0.0
    for v in pullback.checkpoint(x):
        s = np.sin(s + v)
    return s


class Stepper:
    def __init__(self, w):
        self.w = w

    def step(self, s):
        return np.sin(self.w * s)


def calls_a_method(x):
    stepper = Stepper(0.7)
    s = 0.0
    for t in pullback.checkpoint(range(x.shape[0])):
        s = stepper.step(s) + x[t]
    return s


@pytest.mark.parametrize("f, says", [
    (breaks, "may stop early"), (inner_marked, "inside another loop"),
    (appends, "updates a list"), (over_values, "over values being differentiated"),
    (calls_a_method, "calls methods of objects")])
def test_marked_loops_that_cannot_be_checkpointed_are_refused(f, says):
    with pytest.raises(pullback.UnsupportedSyntaxError) as info:
        pullback.grad(f)(np.linspace(0.1, 0.5, 4))
    message = str(info.value)
    assert says in message and "cannot be checkpointed" in message
    assert "for " in message and "line" in message


def test_checkpoint_given_without_a_loop_it_can_take_is_refused():
    def only_breaks(x):
        s = 0.0
        for t in range(x.shape[0]):
            s = s + np.sin(x[t]) * s + x[t]
            if s > 10.0:
                break
        return s
    with pytest.raises(pullback.UnsupportedSyntaxError, match="may stop early"):
        pullback.grad(only_breaks, checkpoint=2)(np.linspace(0.1, 0.5, 4))


@pytest.mark.parametrize("bad", [0, -1, "lots", 2.5, True])
def test_a_bad_budget_is_refused(bad):
    with pytest.raises((ValueError, TypeError)):
        pullback.grad(rnn, wrt=0, checkpoint=bad)(*rnn_args(3, np.random.default_rng(0)))


# ------------------------------------------------------------------ the loop corpus

LOOP_CASES = [c for c in corpus.CASES + corpus3.CASES
              if re.search(r"^\s+for .* in ", inspect.getsource(c.fn), re.M)]


@pytest.mark.parametrize("case", LOOP_CASES, ids=[c.name for c in LOOP_CASES])
def test_loop_corpus_gradient_is_the_same_checkpointed(case):
    args = corpus.sample_points(case, 1)[0] if case in corpus.CASES else \
        corpus3.sample_points(case, 1)[0]
    try:
        df = pullback.grad(case.fn, wrt=case.wrt, checkpoint=2)
    except pullback.UnsupportedSyntaxError as exc:
        assert "cannot be checkpointed" in str(exc) and "line" in str(exc)
        return
    got = df(*args, **case.kw)
    plain = pullback.grad(case.fn, wrt=case.wrt)(*args, **case.kw)
    assert_same(got, plain)


def assert_same(got, plain):
    """Equal to rounding, through tuples, lists and dicts of gradients."""
    if isinstance(plain, dict):
        assert isinstance(got, dict) and got.keys() == plain.keys()
        for key in plain:
            assert_same(got[key], plain[key])
    elif isinstance(plain, (tuple, list)):
        assert type(got) is type(plain) and len(got) == len(plain)
        for g, p in zip(got, plain):
            assert_same(g, p)
    else:
        assert_close(got, plain, rtol=1e-9, atol=1e-12)


def test_most_of_the_loop_corpus_is_checkpointed():
    taken = 0
    for case in LOOP_CASES:
        try:
            taken += "revolve(" in pullback.source(case.fn, wrt=case.wrt, checkpoint=2)
        except pullback.UnsupportedSyntaxError:
            pass
    assert len(LOOP_CASES) >= 40 and taken >= len(LOOP_CASES) // 2, (taken, len(LOOP_CASES))


def test_a_mark_over_values_being_differentiated_is_refused_in_forward_mode_too():
    with pytest.raises(pullback.UnsupportedSyntaxError, match="over values being"):
        pullback.jvp(over_values)(np.linspace(0.1, 0.5, 4), np.ones(4))


# ------------------------------------------------------------------ while loops


def kept_online(steps, budget):
    """The snapshots the generated while loop keeps (the same rule, in plain Python)."""
    kept, every = {}, 1
    for trips in range(steps):
        if trips % every == 0:
            kept[trips] = trips
            if len(kept) > budget:
                every *= 2
                kept = {k: kept[k] for k in kept if k % every == 0}
        assert len(kept) <= budget
    return list(kept)


@pytest.mark.parametrize("budget", [1, 2, 3, 5, 16])
def test_the_online_schedule_holds_at_most_the_budget(budget):
    from pullback.runtime.checkpoint import online_reverse
    for steps in list(range(0, 70)) + [1000, 4099]:
        kept = kept_online(steps, budget)
        held, state, done, record = set(kept), None, [], None
        peak = len(held)
        for action, i, j in online_reverse(kept, steps, budget):
            if action == "restore":
                assert i in held
                state = i
            elif action == "snapshot":
                assert state == i
                held.add(i)
                peak = max(peak, len(held))
            elif action == "forget":
                held.remove(i)
            elif action == "advance":
                assert state == i
                state = j
            elif action == "step":
                assert state == i
                state, record = None, i
            else:
                assert record == i
                done.append(i)
        assert done == list(range(steps - 1, -1, -1)) and not held and peak <= budget


def euler(y0, k):
    y = y0
    t = 0.0
    while t < 1.0:
        y = y + 0.01 * np.sin(k * y)
        t = t + 0.01
    return y


def newton_sqrt(a, x0):
    x = x0
    while abs(x * x - a) > 1e-12:
        x = 0.5 * (x + a / x)
    return x * a


def damped_vector(v, W):
    energy = np.sum(v * v)
    steps = 0
    while energy > 0.05 and steps < 200:
        v = 0.9 * np.tanh(W @ v)
        energy = np.sum(v * v)
        steps += 1
    return np.sum(v) + energy


WHILE = [
    (euler, lambda r: (0.3, 1.7), (0, 1)),
    (newton_sqrt, lambda r: (2.5, 3.0), (0, 1)),
    (damped_vector, lambda r: (r.normal(size=3), r.normal(0, 0.6, (3, 3))), (0, 1)),
]


@pytest.mark.parametrize("f, make, wrt", WHILE, ids=[w[0].__name__ for w in WHILE])
@pytest.mark.parametrize("budget", [1, 2, 3, 8, "1KB"])
def test_while_loops_checkpointed_give_the_unconstrained_gradient(f, make, wrt, budget):
    args = make(np.random.default_rng(4))
    assert "online_reverse(" in pullback.source(f, wrt=wrt, checkpoint=budget)
    plain = pullback.grad(f, wrt=wrt)(*args)
    got = pullback.grad(f, wrt=wrt, checkpoint=budget)(*args)
    assert_same(got, plain)
    assert_grad_matches(f, args, wrt=wrt, rtol=1e-4)


def test_loops_that_run_no_iteration():
    args = rnn_args(0, np.random.default_rng(0))
    assert_same(pullback.grad(rnn, wrt=(0, 3), checkpoint=3)(*args),
                pullback.grad(rnn, wrt=(0, 3))(*args))
    assert_same(pullback.grad(newton_sqrt, wrt=(0, 1), checkpoint=2)(4.0, 2.0),
                pullback.grad(newton_sqrt, wrt=(0, 1))(4.0, 2.0))
