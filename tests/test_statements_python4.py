"""Real-Python constructs of issue 12, fourth part: star-unpacking in displays and in
min/max. Gradients against central finite differences in several spellings, closed
forms where they are short; what stays refused is refused at its line."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from fd import assert_grad_matches

import pullback

X = np.array([0.3, 0.9, -0.4])


# ------------------------------------------------------------------ star-unpacking

def min_max_of_starred_terms(x, *scales):
    terms = [s * np.sum(np.sin(x) ** 2) for s in scales]
    return max(*terms) + min(*terms)


def max_of_lead_and_starred(x, y):
    pair = [x * y, y - x]
    return max(x ** 2, *pair) - min(0.5 * y, *pair, x)


def min_of_one_starred_sequence(x):
    rows = [[x[0] * 2.0, x[1], x[2] ** 2]]  # min(*rows) is min of the one list it holds
    return min(*rows) + max(*rows)


def max_starred_with_key(x):
    vals = [x[0], -2.0 * x[1], x[2] + 0.1]
    return max(*vals, key=abs) * min(*vals, key=lambda v: (v - 0.2) ** 2)


def reshape_with_starred_shape(x, shape):
    return np.sum(np.reshape(x, (*shape, -1)) ** 2 * np.arange(1.0, 3.0))


def starred_batch_shape(x):
    batch = x.shape[:-1]
    m = x.reshape((*batch, 3, 2))
    return np.sum(np.tanh(m) * np.arange(2.0))


def stack_starred_list(a, b):
    rows = [a, np.sin(a)]
    return np.sum(np.stack([*rows, b * a]) ** 2 * np.arange(1.0, 4.0)[:, None])


def starred_lists_joined(x):
    head = [x[0], x[1]]
    tail = (x[2] * 3.0,)
    both = [*head, x[0] * x[2], *tail]
    total = 0.0
    for i, v in enumerate(both):
        total = total + (i + 1.0) * v ** 2
    return total + len(both)


def starred_tuple_unpacked(x, y):
    first, *rest, last = (*[x, y * 2.0], x * y, *(y,))
    return first * last + sum(rest)


def starred_array_into_displays(x):
    t = (*x, 1.0)
    rows = [x, x * 2.0]
    joined = np.concatenate([*rows, *rows[:1]])
    return t[0] * t[-1] + t[1] ** 2 + np.sum(np.array([*x, 1.0]) ** 2) + np.sum(joined ** 2)


def list_rebuilt_with_a_star_in_a_loop(x):
    out = []
    for i in range(3):
        out = [*out, x[i] * i]
    first, *_ = *out[1:], x[0]
    return sum(out) * first


def starred_in_a_set_for_indices(x):
    picked = {*[0, 2], 2}
    return sum(x[i] ** 2 for i in range(len(x)) if i in picked) * len(picked)


@pytest.mark.parametrize("f, args, wrt", [
    (min_max_of_starred_terms, (X, 1.0, 2.5, 0.5), (0, 1, 2, 3)),
    (max_of_lead_and_starred, (0.7, 1.3), (0, 1)),
    (max_of_lead_and_starred, (-1.2, 0.4), (0, 1)),
    (min_of_one_starred_sequence, (X,), 0),
    (max_starred_with_key, (X,), 0),
    (reshape_with_starred_shape, (np.linspace(-1.0, 1.0, 6), (3,)), 0),
    (reshape_with_starred_shape, (np.linspace(-1.0, 1.0, 12), [2, 3]), 0),
    (starred_batch_shape, (np.linspace(-1.0, 1.0, 24).reshape(4, 6),), 0),
    (stack_starred_list, (X, np.array([0.5, -1.0, 2.0])), (0, 1)),
    (starred_lists_joined, (X,), 0),
    (starred_tuple_unpacked, (0.7, -1.1), (0, 1)),
    (starred_in_a_set_for_indices, (X,), 0),
    (starred_array_into_displays, (X,), 0),
    (list_rebuilt_with_a_star_in_a_loop, (X,), 0),
])
def test_star_unpacking(f, args, wrt):
    assert_grad_matches(f, args, wrt=wrt)


def test_star_unpacking_closed_forms():
    # max(x*x, x*y, y-x) at x=2, y=0.5: x*x wins, min(0.25, 1.0, -1.5, 2) is y - x
    got = pullback.grad(max_of_lead_and_starred, (0, 1))(2.0, 0.5)
    assert np.allclose(got, (2 * 2.0 + 1.0, -1.0))
    g = pullback.grad(min_max_of_starred_terms, 0)(X, 1.0, 3.0)
    assert np.allclose(g, 4.0 * np.sin(2 * X))  # (3 + 1) * d/dx sum(sin^2)


def test_min_of_no_starred_values_raises():
    def empty(x, *terms):
        return x * min(*terms)

    with pytest.raises((TypeError, ValueError)):
        empty(1.0)
    with pytest.raises((TypeError, ValueError)):
        pullback.grad(empty)(1.0)



# ------------------------------------------------- np.put, np.copyto(a[i], v), a[i].fill(v)

def put_at_positions(x):
    z = np.zeros(6)
    np.put(z, [0, 2, 4], x)
    return np.sum(np.cumsum(z) ** 2)


def put_into_a_matrix_negative_positions(x):
    z = np.outer(x, x)
    np.put(z, [-1, 3, 5], [x[0], x[1] * 2.0, 3.0])
    return np.sum(z ** 2 * np.arange(9.0).reshape(3, 3))


def put_one_value_everywhere(x, a):
    z = np.tanh(x) * 2.0
    np.put(z, np.array([2, 0]), a * a)
    return np.sum(np.exp(z) * x)


def put_one_position(x):
    z = np.sin(x)
    np.put(z, 1, x[0] * 3.0)
    return np.prod(z + 2.0)


def copyto_row_and_fill_row(x, a):
    buf = np.zeros((2, len(x)))
    np.copyto(buf[0], x)
    buf[1].fill(a)
    return np.sum(np.tanh(buf) ** 2)


def fill_and_copyto_slices(x, a):
    buf = np.ones((3, 4)) * x[0]
    buf[1:, ::2].fill(a * 2.0)
    np.copyto(buf[..., -1], x[:3] ** 2)
    return np.sum(np.sin(buf) * np.arange(12.0).reshape(3, 4))


def copyto_broadcast_into_a_block_in_a_loop(x):
    out = np.zeros((3, 3))
    for i in range(3):
        np.copyto(out[i, i:], x[i] * np.arange(1.0, 4.0 - i))
    return np.sum(out @ x)


@pytest.mark.parametrize("f, args, wrt", [
    (put_at_positions, (X,), 0),
    (put_into_a_matrix_negative_positions, (X,), 0),
    (put_one_value_everywhere, (X, 0.6), (0, 1)),
    (put_one_position, (X,), 0),
    (copyto_row_and_fill_row, (X, 0.4), (0, 1)),
    (fill_and_copyto_slices, (X, -0.7), (0, 1)),
    (copyto_broadcast_into_a_block_in_a_loop, (X,), 0),
])
def test_in_place_numpy_writes_into_parts(f, args, wrt):
    assert_grad_matches(f, args, wrt=wrt)


def test_put_closed_form():
    # z = [x0, 0, x1, 0, x2, 0]; cumsum = [x0, x0, x0+x1, x0+x1, s, s]
    x = np.array([0.5, -1.0, 2.0])
    s01, s = x[0] + x[1], x.sum()
    expected = 2 * np.array([2 * x[0] + 2 * s01 + 2 * s, 2 * s01 + 2 * s, 2 * s])
    np.testing.assert_allclose(pullback.grad(put_at_positions)(x), expected)


def test_writes_into_parts_that_python_would_not_make_are_refused():
    def copyto_fancy(x):
        z = np.zeros(4)
        np.copyto(z[[0, 1]], x[:2])  # writes into a copy: z is unchanged in Python
        return np.sum(z * x[:4])

    def fill_one_element(x):
        z = np.zeros((2, 2))
        z[0, 1].fill(x[0])  # a NumPy scalar, not a view
        return np.sum(z)

    def put_repeating_values(x):
        z = np.zeros(4)
        np.put(z, [0, 1, 2, 3], x[:2])  # NumPy repeats x[:2]
        return np.sum(z * z)

    def put_repeated_position(x):
        z = np.zeros(4)
        np.put(z, [1, 1], x[:2])
        return np.sum(z * z)

    x = np.linspace(0.2, 1.2, 4)
    for f, what in [(copyto_fancy, "np.copyto(z[[0, 1]], x[:2])"),
                    (fill_one_element, "z[0, 1].fill(x[0])"),
                    (put_repeating_values, "np.put(z, [0, 1, 2, 3], x[:2])"),
                    (put_repeated_position, "np.put(z, [1, 1], x[:2])")]:
        with pytest.raises(pullback.PullbackError) as info:
            pullback.grad(f)(x)
        assert what in str(info.value), (f.__name__, str(info.value))


# --------------------------------------------------------------- for/while ... else

def search_with_for_else(x, thresholds):
    total = 0.0
    for t in thresholds:
        if np.max(np.abs(x)) > t:
            total = total + t * np.sum(x ** 2)
            break
    else:
        total = np.sum(x ** 4)
    return total


def inner_break_keeps_outer_else(x):
    total = 0.0
    for i in range(len(x)):
        for j in range(len(x)):
            if j > i:
                break  # leaves the inner loop only
            total = total + x[i] * x[j]
        else:
            total = total + x[i] ** 3  # the inner loop ran to the end (i is the last)
    else:
        total = total * 2.0
    return total


def break_from_an_inner_else(x, limit):
    hits = 0.0
    for i in range(len(x)):
        for v in x[:i]:
            if v > limit:
                break
        else:
            hits = hits + np.sin(x[i])
            continue
        hits = hits + x[i] ** 2
        break  # the outer loop's own break, from after an inner loop
    else:
        hits = hits - 1.0
    return hits


def while_else_newton(a):
    x = 1.0
    k = 0
    while k < 50:
        step = (x * x - a) / (2.0 * x)
        x = x - step
        if abs(step) < 1e-12:
            break
        k += 1
    else:
        x = x + 1000.0  # never converged
    return x


def return_inside_a_loop_with_else(x):
    for v in x:
        if v > 0.8:
            return v * 3.0
    else:
        x = x * 2.0
    return np.sum(x)


def _first_above(x, t):
    for v in x:
        if v > t:
            found = v
            break
    else:
        found = np.sum(x)
    return found


def for_else_in_a_helper(x):
    return _first_above(x, 0.5) * _first_above(x, 5.0)


@pytest.mark.parametrize("f, args, wrt", [
    (search_with_for_else, (X, [5.0, 10.0]), 0),
    (search_with_for_else, (X, [0.5, 0.1]), 0),
    (search_with_for_else, (X, []), 0),
    (inner_break_keeps_outer_else, (X,), 0),
    (break_from_an_inner_else, (X, 0.5), 0),
    (break_from_an_inner_else, (np.array([0.2, 0.1, 0.4]), 0.5), 0),
    (while_else_newton, (2.0,), 0),
    (return_inside_a_loop_with_else, (X,), 0),
    (return_inside_a_loop_with_else, (X * 0.5,), 0),
    (for_else_in_a_helper, (X,), 0),
])
def test_loop_else(f, args, wrt):
    assert_grad_matches(f, args, wrt=wrt)


def test_loop_else_closed_forms():
    assert pullback.grad(while_else_newton)(2.0) == pytest.approx(0.5 / np.sqrt(2.0))
    np.testing.assert_allclose(pullback.grad(search_with_for_else)(X, []), 4 * X ** 3)


# ---------------------------------------------- try: handlers that read what the body set

def safe_sqrt_accumulate(x):
    k = 0
    acc = 0.0
    while k < len(x):
        try:
            acc = acc + math.sqrt(x[k])
        except ValueError:
            acc = acc - x[k]
        k += 1
    return acc


def cholesky_logdet_or_fallback(a, A):
    logdet = 0.0
    K = A * a
    try:
        L = np.linalg.cholesky(K)
        logdet = 2.0 * np.sum(np.log(np.diag(L)))
    except np.linalg.LinAlgError:
        logdet = logdet + np.sum(np.log(np.abs(np.diag(K))))
    return logdet


def augmented_in_the_body_read_in_two_handlers(x):
    total = np.sum(x)
    for v in x:
        try:
            total += 1.0 / (v - 0.3) if abs(v - 0.3) > 0.05 else [][0]
        except ZeroDivisionError:
            total = total * 2.0
        except IndexError:
            total = total - v ** 2
        else:
            total = total + v
    return total


def cleanup_in_finally(x):
    try:
        y = np.sum(np.log1p(x ** 2))
    finally:
        y = y * 2.0
    return y


@pytest.mark.parametrize("f, args, wrt", [
    (safe_sqrt_accumulate, (X,), 0),  # x[2] < 0: the except clause runs
    (safe_sqrt_accumulate, (np.abs(X),), 0),
    (cholesky_logdet_or_fallback, (1.5, np.array([[2.0, 0.3], [0.3, 1.0]])), 0),
    (cholesky_logdet_or_fallback, (1.5, np.array([[1.0, 2.0], [2.0, 1.0]])), 0),
    (augmented_in_the_body_read_in_two_handlers, (X,), 0),
    (augmented_in_the_body_read_in_two_handlers, (np.array([0.31, 0.9, 0.5]),), 0),
    (cleanup_in_finally, (X,), 0),
])
def test_handlers_reading_what_the_body_set(f, args, wrt):
    assert_grad_matches(f, args, wrt=wrt)


def test_safe_sqrt_closed_form():
    expected = np.where(X >= 0, 0.5 / np.sqrt(np.abs(X)), -1.0)
    np.testing.assert_allclose(pullback.grad(safe_sqrt_accumulate)(X), expected)


def test_a_finally_reading_what_a_failed_body_never_set_fails_as_in_python():
    def log_then_double(x):
        try:
            y = math.log(x)
        finally:
            y = y * 2.0
        return y

    with pytest.raises(UnboundLocalError):
        log_then_double(-1.0)
    with pytest.raises(NameError):  # UnboundLocalError is a NameError
        pullback.grad(log_then_double)(-1.0)
    assert pullback.grad(log_then_double)(2.0) == pytest.approx(1.0)


def test_handlers_reading_what_the_body_may_have_half_done_stay_refused():
    def earlier_statement(x):
        acc = 0.0
        try:
            acc = acc + x
            acc = acc + math.sqrt(x)
        except ValueError:
            acc = acc - x  # Python sees acc + x here
        return acc

    def tuple_target(x):
        a = b = x
        try:
            a, b = math.sqrt(x), math.log(x)
        except ValueError:
            a = a + b
        return a

    def finally_reads_earlier(x):
        y = 0.0
        try:
            y = x * 2.0
            z = math.log(x)
        finally:
            y = y + 1.0
        return y + z

    def finally_after_except(x):  # the try body the finally guards is a try statement
        out = np.tanh(x)
        try:
            out = math.log(x) + out
        except ValueError:
            out = out - x
        finally:
            out = out * x
        return out

    for f, reads, line in [(earlier_statement, "acc", "acc = acc - x"),
                           (tuple_target, "a", "a = a + b"),
                           (finally_reads_earlier, "y", "y = y + 1.0"),
                           (finally_after_except, "out", "out = out * x")]:
        with pytest.raises(pullback.UnsupportedSyntaxError) as info:
            pullback.grad(f)(0.5)
        assert f"reads {reads!r}" in str(info.value) and line in str(info.value)
        assert "test_statements_python4.py" in str(info.value)


# ------------------------------------- comprehensions over a generator function of f's module

def layer_outputs(Ws, x):
    for W in Ws:
        x = np.tanh(W @ x)
        yield x


def scaled_pairs(x, n):
    for i in range(n):
        yield i, x * (i + 1.0)


def sum_of_a_generator_expression(Ws, x):
    return sum(np.sum(h) for h in layer_outputs(Ws, x))


def list_comprehension_with_a_condition(Ws, x):
    norms = [np.sum(h ** 2) for h in layer_outputs(Ws, x) if np.max(h) > -5.0]
    return norms[0] * norms[-1] + len(norms)


def max_over_pairs_and_a_nested_loop(x):
    return max(c * np.sum(v) for i, v in scaled_pairs(x, 3) if i != 1 for c in (0.5, -1.0))


def comprehension_names_stay_its_own(Ws, x):
    h = x * 2.0  # f's own h, which the comprehension's h must not change
    outs = [np.sum(h * x) for h in layer_outputs(Ws, x)]
    return sorted(outs)[0] + np.sum(h)


WS = np.stack([np.array([[0.5, -0.2, 0.1], [0.3, 0.4, -0.6], [0.2, 0.1, 0.9]]) * (k + 1.0)
               * 0.6 for k in range(3)])  # three layers, iterated over


@pytest.mark.parametrize("f, args, wrt", [
    (sum_of_a_generator_expression, (WS, X), (0, 1)),
    (list_comprehension_with_a_condition, (WS, X), (0, 1)),
    (max_over_pairs_and_a_nested_loop, (X,), 0),
    (comprehension_names_stay_its_own, (WS, X), (0, 1)),
])
def test_comprehensions_over_generators(f, args, wrt):
    assert_grad_matches(f, args, wrt=wrt)


def noisy_squares(x):
    for v in x:
        print("yield", round(float(v), 3))
        yield v * v


def printing_comprehension(x):
    return sum(print("use", round(float(s), 3)) or s for s in noisy_squares(x))


def test_a_comprehension_runs_interleaved_with_its_generator(capsys):
    printing_comprehension(X)
    expected = capsys.readouterr().out
    assert pullback.grad(printing_comprehension)(X) == pytest.approx(2 * X)
    assert capsys.readouterr().out == expected  # yield, use, yield, use, ... as in f


def _squares(v):
    for a in v:
        yield a * a


def test_generators_pullback_cannot_run_first_stay_refused():
    def inside_another_comprehension(x):
        return sum(h * c for h in [np.sum(v) for v in layer_outputs(WS, x)] for c in (1, 2))

    def nested_in_a_comprehension(x):
        return sum([np.sum(h) for h in layer_outputs(WS, y)][0] for y in (x, 2.0 * x))

    def consumer_in_a_comprehension(x):
        y = x  # the comprehension's y is another one
        vals = [sum(_squares(y)) for y in (x, 2.0 * x)]
        return vals[0] + vals[1] + np.sum(y)

    def consumer_in_a_branch(x, flag):
        return 1.0 if flag else sum(_squares(x))

    def consumer_after_or(x, flag):
        return flag or max(_squares(x))

    def beside_another_call(x):
        return np.sum(x) + sum(np.sum(h) for h in layer_outputs(WS, x))

    for f, line, what in [
            (nested_in_a_comprehension, "for y in (x, 2.0 * x)", "inside a comprehension"),
            (consumer_in_a_comprehension, "vals = [sum(_squares(y))", "inside a comprehension"),
            (consumer_in_a_branch, "1.0 if flag else", "may not run"),
            (consumer_after_or, "flag or max(", "may not run"),
            (beside_another_call, "np.sum(x) + sum(", "also calls something else")]:
        with pytest.raises(pullback.UnsupportedSyntaxError) as info:
            pullback.grad(f)(X, False) if "flag" in f.__code__.co_varnames else \
                pullback.grad(f)(X)
        assert line in str(info.value) and what in str(info.value), str(info.value)
        assert "test_statements_python4.py" in str(info.value)
    assert_grad_matches(inside_another_comprehension, (X,))  # the list is built at once


def consumers_whose_calls_run_after_the_generator(x):
    top = np.sqrt(1.0 + max(v + 1.0 for v in _squares(x)))
    return top * np.log(1.0 + sum(_squares(x)))


def test_calls_taking_a_consumed_generator_run_after_it():
    assert_grad_matches(consumers_whose_calls_run_after_the_generator, (X,))


# ----------------------------------------------------------- sets the function builds

X6 = np.array([0.3, -0.5, 0.9, 1.1, 0.2, -0.7])


def sorted_set_comprehension(x, idx):
    active = {i for i in idx if i % 2 == 0}
    return sum(x[i] ** 2 for i in sorted(active))


def loop_min_max_over_a_set(x, idx):
    seen = set(idx)
    total = 0.0
    for i in seen:
        total = total + np.sin(x[i]) * i
    return total + x[max(seen)] * x[min(seen)] + len(seen)


def set_display_in_a_comprehension(x):
    picked = {0, 2, *[2, 1]}
    return np.sum(np.array([x[i] * (i + 1.0) for i in picked]) ** 2)


@pytest.mark.parametrize("f, args", [
    (sorted_set_comprehension, (X6, [0, 2, 3, 2, 4])),
    (loop_min_max_over_a_set, (X6, [5, 1, 3, 1])),
    (set_display_in_a_comprehension, (X,)),
])
def test_sets_the_function_builds_are_iterated(f, args):
    assert_grad_matches(f, args)


def test_a_name_that_may_hold_another_value_than_a_set_is_refused_as_it_runs():
    def maybe_a_list(x, flag):
        s = [0, 1]
        if flag:
            s = {1, 2}
        return sum(x[i] for i in s)

    def a_set_of_differentiated_values(x):
        s = {x[0] * 2.0, x[1]}
        return sum(v for v in s)

    assert_grad_matches(maybe_a_list, (X, False))
    with pytest.raises(pullback.PullbackError, match="over a set the function did not build"):
        pullback.grad(maybe_a_list)(X, True)
    with pytest.raises(pullback.NoRuleError, match="no derivative rule for set"):
        pullback.grad(a_set_of_differentiated_values)(X)


# ------------------------------- a callee that is a call's result: Kernel(ls)(X), make(p)(x)

class Scale:
    def __init__(self, a):
        self.a = a

    def __call__(self, x):
        return self.a * np.sin(x)

    def twice(self):
        return Scale(self.a * 2.0)


def _make_power(p):
    return lambda v: v ** p


def _make_affine(w, b):
    def affine(v):
        return w * v + b
    return affine


def object_made_and_called(a, x):
    return np.sum(Scale(a)(x) ** 2)


def method_result_called(a, x):
    return np.sum(Scale(a).twice()(x) * x)


def partial_made_and_called(x, w):
    return np.sum(functools.partial(np.dot, w)(x) ** 2)


def closure_factory_called(x):
    return np.sum(_make_power(3)(x))


def table_item_called(x, i):
    return np.sum([np.sin, np.cos][i](x) * x)


@pytest.mark.parametrize("f, args, wrt", [
    (object_made_and_called, (0.7, X), (0, 1)),
    (method_result_called, (0.7, X), (0, 1)),
    (partial_made_and_called, (X, np.array([[1.0, 2.0, 0.5], [0.3, -1.0, 2.0]])), (0, 1)),
    (closure_factory_called, (X,), 0),
    (table_item_called, (X, 1), 0),
])
def test_callee_made_by_a_call(f, args, wrt):
    assert_grad_matches(f, args, wrt=wrt)


def test_a_returned_closure_over_values_stays_refused_at_its_line():
    def closure_over_values_called(x, w):
        return np.sum(_make_affine(w, 1.0)(x) ** 2)

    with pytest.raises(pullback.UnsupportedSyntaxError) as info:
        pullback.grad(closure_over_values_called, (0, 1))(X, 0.7)
    assert "'affine' used as a value" in str(info.value) and "return affine" in str(info.value)
