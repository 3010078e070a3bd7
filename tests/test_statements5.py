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


# ------------------------------------------------- a list paired before it grows


def history_in_a_tuple(W, xs):
    history = []
    record = (history, "tanh")
    for x in xs:
        history.append(np.tanh(W @ x))
    return sum(np.sum(h) for h in record[0])


def states_and_weights_in_a_list(W, xs):
    states = []
    weights = []
    both = [states, weights, 0.5]
    for x in xs:
        states.append(W @ x)
        weights.append(np.exp(-np.sum(x ** 2)))
    return sum(w * np.sum(s ** 2) for s, w in zip(both[0], both[-2])) * both[2]


def pair_read_in_the_loop(W, xs):
    trace = [np.zeros(2)]
    pair = (W, trace)
    for x in xs:
        trace.append(np.tanh(pair[0] @ x + pair[1][-1]))
    return np.sum(pair[1][-1] ** 2)


PAIRED = [
    (history_in_a_tuple, (RNG.normal(size=(2, 2)), RNG.normal(size=(3, 2))), (0, 1)),
    (states_and_weights_in_a_list, (RNG.normal(size=(2, 2)), RNG.normal(size=(3, 2))), (0, 1)),
    (pair_read_in_the_loop, (RNG.normal(size=(2, 2)), RNG.normal(size=(3, 2))), (0, 1)),
]


@pytest.mark.parametrize("f, args, wrt", PAIRED, ids=[c[0].__name__ for c in PAIRED])
def test_a_list_paired_before_it_grows(f, args, wrt):
    assert_grad_matches(f, args, wrt=wrt)


def pair_passed_on(W, xs):
    history = []
    record = (history, "tanh")
    for x in xs:
        history.append(np.tanh(W @ x))
    return _sum_first(record)


def _sum_first(record):
    return sum(np.sum(h) for h in record[0])


def element_rebound_in_a_loop(W, xs):
    out = 0.0
    for x in xs:
        history = [x]
        record = (history, 1)
        history.append(W @ x)
        out = out + np.sum(record[0][-1])
    return out


@pytest.mark.parametrize("f", [pair_passed_on, element_rebound_in_a_loop])
def test_a_pair_read_otherwise_is_refused(f):
    """The pair is passed on (or its element's name is bound on every trip): the list
    keeps its second name, and the aliasing check refuses the growth."""
    with pytest.raises(pullback.UnsupportedSyntaxError, match="second name"):
        pullback.grad(f)(RNG.normal(size=(2, 2)), RNG.normal(size=(3, 2)))


# --------------------------------------------- imports inside the function's body

sp = "a module global that is not scipy.special"


def imports_at_the_top(x, y):
    import math

    from numpy import linalg as la
    from scipy.special import expit, logsumexp

    return math.exp(0.5) * la.norm(x - y) + logsumexp(x) + np.sum(expit(y))


def import_of_a_submodule(x):
    import numpy.linalg
    import scipy.special as special

    return numpy.linalg.norm(x) ** 2 + np.sum(special.gammaln(x + 3.0))


def lazy_import_after_a_check(x):
    if x.ndim != 1:
        raise ValueError("x must be 1-d")
    from functools import reduce

    return reduce(lambda a, b: a * b, [x[0], x[1] + 1.0, np.sum(x)])


IMPORTS = [
    (imports_at_the_top, (RNG.normal(size=3), RNG.normal(size=3)), (0, 1)),
    (import_of_a_submodule, (RNG.uniform(0.5, 1.5, size=3),), 0),
    (lazy_import_after_a_check, (RNG.normal(size=3),), 0),
]


@pytest.mark.parametrize("f, args, wrt", IMPORTS, ids=[c[0].__name__ for c in IMPORTS])
def test_imports_inside_the_function(f, args, wrt):
    assert_grad_matches(f, args, wrt=wrt)


def import_in_a_branch(x, fast=True):
    if fast:
        import math
    return math.sin(x)


def import_hiding_a_global_of_its_name(x):
    import scipy.special as sp

    return sp.expit(x)


def import_then_rebound(x):
    import math

    math = np  # noqa: F811 (the name rebound: the import stays, refused)
    return math.sum(x)


@pytest.mark.parametrize("f", [import_in_a_branch, import_hiding_a_global_of_its_name,
                               import_then_rebound])
def test_imports_pullback_does_not_settle_are_refused(f):
    with pytest.raises(pullback.UnsupportedSyntaxError, match="import statement") as info:
        pullback.grad(f)(0.3)
    assert "test_statements5.py" in str(info.value)


def kept_in_a_list_display(x):
    inner = [x]
    outer = [inner, 2.0]
    inner.append(x * x)
    return outer[0][1] * outer[-1]


def kept_in_a_tuple(x):
    inner = [x]
    pair = (inner, 1.0)
    inner.append(np.sin(x))
    return pair[0][1] + pair[0][0] * pair[1]


@pytest.mark.parametrize("f, derivative", [(kept_in_a_list_display, lambda x: 4.0 * x),
                                           (kept_in_a_tuple, lambda x: np.cos(x) + 1.0)])
def test_a_list_grown_after_pairing_in_both_modes(f, derivative):
    """grad and jvp read the grown list through the display (once 1.0 for 4x)."""
    assert pullback.grad(f)(0.7) == pytest.approx(derivative(0.7))
    assert pullback.jvp(f)(0.7, 1.0)[1] == pytest.approx(derivative(0.7))


def first_row_holds_the_inputs(x):
    prev = [x[0], x[1]]
    for _ in range(3):
        cur = [0.0, 0.0]
        cur[0] = prev[0] * prev[1]
        cur[1] = np.sin(prev[1]) + cur[0]
        prev = cur
    return prev[1]


def test_a_moved_row_whose_first_row_holds_values_is_refused_not_wrong():
    """The aliasing check's view search does not yet see that `cur` is a new list on each
    trip once the first row holds values of the function: refused, located."""
    with pytest.raises(pullback.UnsupportedSyntaxError, match="view into 'cur'") as info:
        pullback.grad(first_row_holds_the_inputs)(np.array([0.5, -1.5]))
    assert "test_statements5.py" in str(info.value)
