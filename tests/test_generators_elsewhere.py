"""Generators from another module and from closures (autograd's Bayesian neural net
example: `for W, b in unpack_layers(weights)`, a generator its factory function defines)
run in place where f consumes them, their free names read where they were defined, as an
inlined call's are: live, so a module global rebound later is followed. grad, jvp and hvp
against central differences, in several spellings; the forms left refused, located."""

from __future__ import annotations

import generators_elsewhere as elsewhere
import numpy as np
import pytest
from fd import assert_grad_matches

import pullback


def from_another_module(x):
    total = 0.0  # the generator's module has a global of this name
    for a, b in elsewhere.scaled_pairs(x):
        total = total + a * b
    return total


def consumed_by_sum(x):
    first = sum(elsewhere.running_totals(x))
    return first + max(list(elsewhere.scaled_pairs(x)))[1]


def make_network(shapes):
    def unpack_layers(weights):
        for m, n in shapes:
            yield weights[: m * n].reshape((m, n)), weights[m * n: m * n + n]
            weights = weights[(m + 1) * n:]

    def predict(weights, inputs):
        for W, b in unpack_layers(weights):
            inputs = np.tanh(inputs @ W + b)
        return np.sum(inputs ** 2)

    return predict


PREDICT = make_network([(2, 3), (3, 1)])
INPUTS = np.array([[0.5, -1.0], [1.5, 0.2]])


def from_a_closure(w):
    return PREDICT(w, INPUTS)


def counter():
    state = {"k": 3}

    def take(x):
        for i in range(state["k"]):
            yield x[i] * x[i + 1]
    return take


TAKE = counter()


def closure_reading_a_cell(x):
    return sum(v for v in TAKE(x))


CASES = [(from_another_module, 6), (consumed_by_sum, 6), (from_a_closure, 13),
         (closure_reading_a_cell, 5)]


@pytest.mark.parametrize("f, n", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_gradient_tangent_and_second_order(f, n):
    x = np.linspace(-0.8, 1.1, n) + 0.1 * np.cos(np.arange(n))
    assert_grad_matches(f, (x,))
    v = np.sin(np.arange(1.0, n + 1))
    value, tangent = pullback.jvp(f)(x, v)
    numeric = (f(x + 1e-6 * v) - f(x - 1e-6 * v)) / 2e-6
    assert np.isclose(tangent, numeric, rtol=1e-6, atol=1e-8)
    gradient = pullback.grad(f)
    expected = (gradient(x + 1e-5 * v) - gradient(x - 1e-5 * v)) / 2e-5
    np.testing.assert_allclose(pullback.hvp(f)(x, v), expected, rtol=1e-5, atol=1e-7)


def test_a_global_of_the_generators_module_is_read_live(monkeypatch):
    x = np.array([0.3, -0.2, 0.9, 0.4])
    gradient = pullback.grad(from_another_module)
    before = gradient(x)
    monkeypatch.setattr(elsewhere, "SCALE", 5.0)
    np.testing.assert_allclose(gradient(x), before * 2.5)


def test_a_closure_cell_is_read_live():
    x = np.linspace(0.1, 0.9, 6)
    gradient = pullback.grad(closure_reading_a_cell)
    gradient(x)
    TAKE.__closure__[0].cell_contents["k"] = 5
    try:
        assert_grad_matches(closure_reading_a_cell, (x,))
        expected = np.zeros(6)
        for i in range(5):
            expected[i] += x[i + 1]
            expected[i + 1] += x[i]
        np.testing.assert_allclose(gradient(x), expected)
    finally:
        TAKE.__closure__[0].cell_contents["k"] = 3


def delegation_elsewhere(x):
    return sum(elsewhere.delegating(x))


def test_delegation_inside_a_generator_from_elsewhere_is_refused_where_it_is_consumed():
    with pytest.raises(pullback.UnsupportedSyntaxError) as caught:
        pullback.grad(delegation_elsewhere)(np.ones(3))
    message = str(caught.value)
    assert "'delegating'" in message and "yield from" in message
    assert "return sum(elsewhere.delegating(x))" in message
