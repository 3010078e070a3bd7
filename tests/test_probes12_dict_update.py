"""`d.update({k: v, ...})` and `d.update(k=v)` on a dict the function built: the writes
`d[k] = v`, every key and value evaluated first (a value reading d sees it before the
update), in reverse, forward and second order; on a dict the function did not build it
is still refused, located."""

import numpy as np
import pytest
from fd import assert_grad_matches, assert_jvp_matches
from test_higher import check_second_order

import pullback


def display_update(x):
    params = {"a": x[0], "b": x[1]}
    params.update({"c": x[2] * 2.0, "a": params["a"] * x[3]})
    return sum(v ** 2 for v in params.values()) + params["a"]


def keyword_update(x):
    cfg = dict(scale=x[0])
    cfg.update(shift=x[1] ** 2, scale=np.sin(cfg["scale"]))
    return cfg["scale"] * cfg["shift"] + x[2]


def values_read_before(x):
    d = {"b": x[0], "a": x[1]}
    d.update({"b": 1.0 + x[2], "a": d["b"] * 3.0})  # a gets the old b
    return d["a"] * d["b"]


def update_in_a_loop(x):
    state = {"s": 0.0, "t": 1.0}
    for v in x:
        state.update({"s": state["s"] + v * state["t"], "t": state["t"] * 0.5 + v})
    return state["s"] * state["t"]


def _fill(v):
    out = {}
    out.update({"sq": v * v}, cube=v ** 3)
    return out


def update_in_a_callee(x):
    parts = _fill(x[0])
    return parts["sq"] + parts["cube"] * x[1]


CASES = [display_update, keyword_update, values_read_before, update_in_a_loop,
         update_in_a_callee]


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_grad_jvp_and_second_order(fn):
    x = np.array([0.7, -0.4, 1.1, 0.5])
    assert_grad_matches(fn, (x,))
    assert_jvp_matches(fn, (4,), 7)
    check_second_order(fn, (x,), np.random.default_rng(3))


def theirs(x, d):
    d.update({"a": x})
    return d["a"] * x


def test_update_of_a_dict_given_is_refused():
    with pytest.raises(pullback.errors.PullbackError) as info:
        pullback.grad(theirs)(2.0, {"a": 1.0})
    assert 'd.update({"a": x})' in str(info.value)
