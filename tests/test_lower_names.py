# ruff: noqa: B033, F841  (the programs are written as users write them)
"""Temporaries never take the name of a builtin the lowering itself calls: `set(items)`
for a set display and `tuple(xs)` for `*xs` passed on used to read a temporary named
after an attribute (`set = c.set`) and fail with "'float' object is not callable"."""

import types

import numpy as np
import pytest
from fd import assert_close, assert_grad_matches

import pullback

SETTINGS = types.SimpleNamespace(set=2.0, tuple=3.0)  # compares equal to its copies


def set_display_after_attribute(x, c):
    return x * c.set + len({1.0, 2.0})


def set_comprehension_after_attribute(x, c):
    return x * c.set * len({v for v in [1.0, 2.0, 2.0]})


def set_display_before_attribute(x, c):
    n = len({1.0, 2.0})
    return n * x * c.set


def _product(*args):
    return args[0] * args[1]


def star_call_after_attribute(x, c):
    return c.tuple * _product(*[x, x])


CASES = [
    (set_display_after_attribute, lambda x: 2.0),
    (set_comprehension_after_attribute, lambda x: 4.0),
    (set_display_before_attribute, lambda x: 4.0),
    (star_call_after_attribute, lambda x: 6.0 * x),
]


@pytest.mark.parametrize("func, closed_form", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_builtins_the_lowering_writes_are_not_shadowed(func, closed_form):
    x = 1.5
    got = assert_grad_matches(func, (x, SETTINGS))
    assert_close(got, closed_form(x))
    text = pullback.source(func, stage="normalized")
    assert "set = " not in text and "tuple = " not in text
    assert np.isfinite(got)


# The user's own names may hide a builtin the lowering calls: a local, a parameter or a
# module global. The call pullback wrote still calls the builtin (spelled builtin_set,
# ...), so values and gradients are f's own.


def local_set_is_a_list(x):
    set = list
    return x * len({1.0, 1.0, 2.0})


def local_set_is_a_number(x):
    set = 5.0
    return x * set * len({1.0, 1.0, 2.0})


def parameter_named_tuple(x, tuple=2.0):
    return tuple * _product(*[x, x])


def local_isinstance_between_handlers(x):
    isinstance = lambda value, kinds: True  # noqa: E731
    try:
        y = x * float(np.sqrt(-1.0 if x > 10.0 else 1.0))
        if x > 0.0:
            raise KeyError("positive")
    except ValueError:
        y = x * 3.0
    except KeyError:
        y = x * 5.0
    return y


HIDDEN = [
    (local_set_is_a_list, lambda x: 2.0),
    (local_set_is_a_number, lambda x: 10.0),
    (parameter_named_tuple, lambda x: 4.0 * x),
    (local_isinstance_between_handlers, lambda x: 5.0),
]


@pytest.mark.parametrize("func, closed_form", HIDDEN, ids=lambda c: getattr(c, "__name__", ""))
def test_builtins_the_lowering_writes_call_the_builtin_where_the_function_hides_it(
        func, closed_form):
    x = 1.5
    value, got = pullback.value_and_grad(func)(x)
    assert_close(value, func(x))
    assert_close(got, closed_form(x))
    assert_grad_matches(func, (x,))


def local_min_beside_zip_loop(x):
    min = 0.5
    s = 0.0
    for a, b in zip(x, [1.0, 2.0, 3.0, 4.0]):
        s = s + a * b
    return s + min


def local_range_list_looped_over(x):
    range = [0, 2]
    s = 0.0
    for i in range:
        s = s + x[i] ** 2
    return s


def local_len_beside_dict_loop(x):
    len = 2.0
    weights = {"a": 1.0, "b": 3.0}
    s = 0.0
    for key in weights:
        s = s + weights[key] * x[0] * len
    return s


LOOPS = [
    (local_min_beside_zip_loop, lambda x: np.array([1.0, 2.0, 3.0])),
    (local_range_list_looped_over, lambda x: np.array([2 * x[0], 0.0, 2 * x[2]])),
    (local_len_beside_dict_loop, lambda x: np.array([8.0, 0.0, 0.0])),
]


@pytest.mark.parametrize("func, closed_form", LOOPS, ids=lambda c: getattr(c, "__name__", ""))
def test_loop_lowerings_call_the_builtins_where_the_function_hides_them(func, closed_form):
    x = np.array([0.5, -1.5, 2.0])
    value, got = pullback.value_and_grad(func)(x)
    assert_close(value, func(x))
    assert_close(got, closed_form(x))
    assert_grad_matches(func, (x,))


def test_a_module_global_hiding_a_builtin_the_lowering_calls():
    """`set = frozenset` at module level (as `from mylib import set` would): a set display
    in f is still a set, built by builtins.set."""
    from hidden_builtins import distinct_count_times

    x = 1.5
    value, got = pullback.value_and_grad(distinct_count_times)(x)
    assert_close(value, distinct_count_times(x))
    assert_close(got, 2.0)
    assert "builtin_set(" in pullback.source(distinct_count_times, stage="normalized")


def local_slice_beside_slice_writes(x):
    slice = 3.0
    y = np.zeros(4)
    y[1:3] = x[:2]
    y[0:2] = y[1:3] * 2
    return np.sum(y ** 2) * slice


def locals_len_reversed_range_beside_loop_records(x):
    len, reversed, range = 2.0, 0.5, 4.0
    h = np.ones(3)
    for v in x:
        if v > 0.0:
            h = np.tanh(x * h) * reversed
            continue
        h = h * range + x
    return np.sum(h) * len


@pytest.mark.parametrize("func", [local_slice_beside_slice_writes,
                                  locals_len_reversed_range_beside_loop_records])
def test_reverse_sweeps_call_the_builtins_where_the_function_hides_them(func):
    x = np.array([0.5, -1.5, 2.0])
    value, _ = pullback.value_and_grad(func)(x)
    assert_close(value, func(x))
    assert_grad_matches(func, (x,))
