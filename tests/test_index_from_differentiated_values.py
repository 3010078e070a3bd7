"""A read `r[k]` of an array f does not differentiate, at a key k that comes from values
being differentiated: a position stored beside them (`for t, v in pairs: targets[t]`), or,
at second order, a loop counter recorded with them (`for t in range(T): ... targets[t]` was
refused by hvp, hessian and grad of grad: autograd's RNN and LSTM examples). The generated
code checks when it runs that such a key holds integers (no derivative: the read is the
same for any perturbation) and refuses any other key, located. grad, jvp and hvp against
central differences, in several spellings, and the refusals."""

from __future__ import annotations

import numpy as np
import pytest
from fd import assert_grad_matches

import pullback

TARGETS = np.linspace(0.5, 1.6, 8).reshape(4, 2)


def counter_in_the_loop(x, targets):
    total = 0.0
    for t in range(3):
        total += np.sum(np.sin(x[t]) * targets[t])
    return total


def outputs_listed_then_read(x, targets):
    outs = [np.tanh(x * k) for k in range(3)]
    total = 0.0
    for t in range(3):
        total = total + np.sum(outs[t] * targets[t] ** 2)
    return total / 3


def positions_stored_in_pairs(x, targets):
    pairs = []
    for t in range(3):
        pairs.append((t, x[t] * 2.0))
    total = 0.0
    for t, v in pairs:
        total += np.sum(v * v * targets[t])
    return total


def rows_and_columns(x, targets):
    picks = [(i, i % 2, x[i] ** 2) for i in range(3)]
    out = 0.0
    while picks:
        i, j, v = picks.pop()
        out = out + np.sum(v) * targets[i, j] + targets[i][j] * x[i, j]
    return out


def an_index_array(x, targets):
    order = []
    for k in range(3):
        order.append((np.array([k, 3 - k]), x[k]))
    return sum(np.sum(np.cos(v) * targets[rows, 0]) for rows, v in order)


CASES = [counter_in_the_loop, outputs_listed_then_read, positions_stored_in_pairs,
         rows_and_columns, an_index_array]


def _point():
    return np.array([[0.3, -0.4], [0.8, 0.1], [-0.6, 1.1], [0.2, 0.5]])


@pytest.mark.parametrize("f", CASES, ids=lambda f: f.__name__)
def test_gradient_tangent_and_second_order(f):
    x = _point()
    assert_grad_matches(f, (x, TARGETS))
    v = np.cos(np.arange(8.0)).reshape(4, 2)
    value, tangent = pullback.jvp(f)(x, TARGETS, v)
    numeric = (f(x + 1e-6 * v, TARGETS) - f(x - 1e-6 * v, TARGETS)) / 2e-6
    assert np.isclose(tangent, numeric, rtol=1e-6, atol=1e-8)
    gradient = pullback.grad(f)
    expected = (gradient(x + 1e-5 * v, TARGETS) - gradient(x - 1e-5 * v, TARGETS)) / 2e-5
    np.testing.assert_allclose(pullback.hvp(f)(x, TARGETS, v), expected, rtol=1e-5,
                               atol=1e-7)
    if f in (counter_in_the_loop, outputs_listed_then_read):  # (reverse over reverse of
        # a list's gradient is refused, located)
        twice = pullback.grad(lambda x, t: np.sum(gradient(x, t) * v))(x, TARGETS)
        np.testing.assert_allclose(twice, expected, rtol=1e-5, atol=1e-7)


class Interpolated:
    """An object whose items are computed from a float key (a derivative no rule gives)."""

    def __init__(self, xs, ys):
        self.xs, self.ys = xs, ys

    def __getitem__(self, t):
        return np.interp(t, self.xs, self.ys)


def through_an_object(x, table):
    return table[x[0]] * x[1]


def slicer_under_another_name(x):
    s = np.s_
    return np.sum(x[s[1:]]) + s[x[0]]


@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_a_key_that_is_not_integers_is_refused_where_it_stands(mode):
    x = np.array([0.5, 2.0, 3.0])
    table = Interpolated(np.array([0.0, 1.0]), np.array([0.0, 3.0]))
    for f, args, line in ((through_an_object, (x, table), "return table[x[0]] * x[1]"),
                          (slicer_under_another_name, (x,), "+ s[x[0]]")):
        with pytest.raises(pullback.NoRuleError) as caught:
            if mode == "grad":
                pullback.grad(f)(*args)
            else:
                pullback.jvp(f)(*args, np.ones(3))
        message = str(caught.value)
        assert "not integers" in message and "test_index_from_differentiated" in message
        assert line in message
