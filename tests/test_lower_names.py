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
