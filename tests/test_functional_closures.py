"""Closures of issue 12: `def` and lambda inside nested functions, closures a nested
function returns (factories) applied in f, held in names and lists, captured over loop
variables, called in loops, passed to `map`, `functools.reduce`, `sorted(key=)` and to
user functions. Gradients against central finite differences and closed forms; what
stays refused is refused at its line (lower/closures.py)."""

from __future__ import annotations

import functools
import inspect

import numpy as np
import pytest
from fd import assert_grad_matches

import pullback

RNG = np.random.default_rng(12)
X = RNG.normal(0.0, 1.0, 4)
W1 = RNG.normal(0.0, 0.5, (3, 4))
W2 = RNG.normal(0.0, 0.5, (4, 3))
V3 = RNG.uniform(0.5, 1.5, 3)


def apply(f, v):
    return f(v)


# ------------------------------------------------------------- factories in f

def power_family_by_name_and_direct(x):
    def make_power(p):
        def power(v):
            return np.sum(np.abs(v) ** p)
        return power
    l2 = make_power(2.0)
    return l2(x) + make_power(3.0)(x)


def power_family_in_a_comprehension(x):
    def make_power(p):
        return lambda v: np.sum(np.abs(v) ** p)
    norms = [make_power(k) for k in range(1, 4)]
    return sum(g(x) for g in norms) + norms[1](x) * norms[-1](x)


def closure_over_a_loop_variable(x):
    def make_scale(k):
        return lambda v: np.sin(k * v)
    total = 0.0
    for k in range(3):
        g = make_scale(k + 1.0)
        total = total + np.sum(g(x))
    return total


def closures_appended_then_zipped_and_enumerated(x, w):
    def make(k):
        c = k * 2.0

        def g(v):
            return np.sum(np.tanh(v * c))
        c = c + w[0]  # the closure reads the variable's last value
        return g
    fs = []
    for i in range(3):
        fs.append(make(w[i]))
    total = 0.0
    for g, wt in zip(fs, w):
        total = total + wt * g(x)
    for i, g in enumerate(fs):
        total = total + i * g(x)
    return total


def layers_over_differentiated_weights(W1, W2, x):
    def layer(W):
        return lambda h: np.tanh(W @ h)
    h = x
    for lay in [layer(W1), layer(W2)]:
        h = lay(h)
    return np.sum(h ** 2)


def closure_passed_to_map(W1, x):
    def layer(W):
        return lambda h: np.tanh(W @ h)
    f1 = layer(W1)
    rows = list(map(f1, [x, 2.0 * x]))
    return np.sum(rows[0] * rows[1])


def closure_passed_to_reduce(x):
    def make(s):
        return lambda acc, v: acc * s + v
    step = make(x[3])
    return functools.reduce(step, [x[0], x[1], x[2]], 1.0)


def closure_as_sort_key(x):
    def make(k):
        return lambda v: (v - k) ** 2
    dist = make(0.1)
    return sum(sorted([x[0], x[1], x[2]], key=dist)[:2])


def closure_passed_to_a_user_function(x, s):
    def make(k):
        return lambda v: np.sum(np.sin(k * v))
    g = make(s)
    return apply(g, x)


def curried_lambdas(x, a):
    add = lambda p: lambda q: p * q + a  # noqa: E731
    return np.sum(add(x)(x)) + add(a)(2.0)


def three_levels(x):
    def outer(a):
        def middle(b):
            def inner(v):
                return a * b * v
            return inner
        return middle
    return np.sum(outer(2.0)(x[0])(x))


def parameter_named_as_a_factory(x):
    def make(k):
        return lambda v: v * k

    def apply(make, v):  # this `make` is the parameter, not the factory
        return make(v)
    return np.sum(apply(np.sin, x)) + np.sum(make(2.0)(x))


def factory_capturing_nothing(x):
    def make():
        return lambda v: v * 2.0
    return np.sum(make()(x) ** 2)


# ------------------------------------------- functions used inside nested functions

def helper_def_inside_nested_function(x, w):
    def loss(v):
        def sq(u):
            return u * u * w
        return np.sum(sq(v)) + np.sum(sq(v + 1.0))
    return loss(x)


def lambda_mapped_inside_nested_function(x):
    def g(t):
        return sum(map(lambda u: u * t, [1.0, 2.0, x[1]]))
    return g(x[0]) * x[2]


def key_lambda_inside_nested_function(x):
    def nearest(t):
        return sorted([x[0], x[1], x[2]], key=lambda u: (u - t) ** 2)[0]
    return nearest(0.2) * x[3]


def reduce_step_inside_nested_function(x):
    def run(t):
        def step(acc, v):
            return acc * t + v
        return functools.reduce(step, [x[0], x[1]], 1.0)
    return run(x[2])


def lambda_inside_lambda(x):
    g = lambda t: sum(map(lambda u: u * t, [1.0, 2.0]))  # noqa: E731
    return g(x[0]) + x[1] * g(x[2])


CASES = [
    (power_family_by_name_and_direct, (X,), 0),
    (power_family_in_a_comprehension, (X,), 0),
    (closure_over_a_loop_variable, (X,), 0),
    (closures_appended_then_zipped_and_enumerated, (X, V3), (0, 1)),
    (layers_over_differentiated_weights, (W1, W2, X), (0, 1, 2)),
    (closure_passed_to_map, (W1, X), (0, 1)),
    (closure_passed_to_reduce, (X,), 0),
    (closure_as_sort_key, (np.array([0.9, -0.5, 0.35, 0.0]),), 0),
    (closure_passed_to_a_user_function, (X, 0.6), (0, 1)),
    (curried_lambdas, (X, 0.7), (0, 1)),
    (three_levels, (X,), 0),
    (factory_capturing_nothing, (X,), 0),
    (parameter_named_as_a_factory, (X,), 0),
    (helper_def_inside_nested_function, (X, 0.3), (0, 1)),
    (lambda_mapped_inside_nested_function, (X,), 0),
    (key_lambda_inside_nested_function, (np.array([0.9, -0.7, 0.35, 0.5]),), 0),
    (reduce_step_inside_nested_function, (X,), 0),
    (lambda_inside_lambda, (X,), 0),
]


@pytest.mark.parametrize("f, args, wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_closures_against_finite_differences(f, args, wrt):
    assert_grad_matches(f, args, wrt=wrt)


def test_layers_closed_form():
    """d/dW1 sum(tanh(W2 tanh(W1 x))^2): the chain rule written out."""
    h1 = np.tanh(W1 @ X)
    h2 = np.tanh(W2 @ h1)
    d2 = 2.0 * h2 * (1.0 - h2 ** 2)
    d1 = (W2.T @ d2) * (1.0 - h1 ** 2)
    got = pullback.grad(layers_over_differentiated_weights, wrt=(0, 1))(W1, W2, X)
    np.testing.assert_allclose(got[0], np.outer(d1, X), rtol=1e-12)
    np.testing.assert_allclose(got[1], np.outer(d2, h1), rtol=1e-12)


def test_a_closure_reads_the_factorys_last_values():
    """make(k) returns g reading c, which make changes after defining g: g sees c's last
    value (k * 2 + w[0]), as Python's closure cell does."""
    w = np.array([0.4, 0.9, 1.3])
    x = np.array([0.2, -0.1, 0.3, 0.05])
    grads = pullback.grad(closures_appended_then_zipped_and_enumerated, wrt=1)(x, w)
    assert closures_appended_then_zipped_and_enumerated(x, w) == pytest.approx(
        sum((w[i] + i) * np.sum(np.tanh(x * (2.0 * w[i] + w[0]))) for i in range(3)))
    np.testing.assert_allclose(grads, assert_grad_matches(
        closures_appended_then_zipped_and_enumerated, (x, w), wrt=1), rtol=1e-12)


# ------------------------------------------------------------------ refusals

def returned_from_f(x):
    def make(k):
        return lambda v: v * k
    return make(2.0)  # <- here


def rebound_to_a_number(x):
    def make(k):
        return lambda v: v * k
    g = make(2.0)
    g = 3.0  # <- here
    return g * x


def reads_a_sibling(x):
    def make(k):
        def a(v):
            return v * k

        def b(v):
            return a(v) + 1.0  # <- here
        return b
    return make(2.0)(x)


def written_into_a_list(x):
    def make(k):
        return lambda v: v * k
    fs = [make(1.0)]
    fs[0] = 3.0  # <- here
    return fs[0](x)


def returns_two_functions(x):
    def make(k):  # <- here
        if k > 1.0:
            return lambda v: v * k
        return lambda v: v + k
    return make(2.0)(x)


def compared(x):
    def make(k):
        return lambda v: v * k
    g = make(2.0)
    if g is None:  # <- here
        return x
    return g(x)


@pytest.mark.parametrize("f, fragment", [
    (returned_from_f, "used other than called"),
    (rebound_to_a_number, "holding a closure"),
    (reads_a_sibling, "another function defined there"),
    (written_into_a_list, "used other than called"),
    (returns_two_functions, "other values"),
    (compared, "used other than called"),
])
def test_other_uses_are_refused_at_their_line(f, fragment):
    with pytest.raises(pullback.UnsupportedSyntaxError) as info:
        pullback.grad(f)(1.5)
    message = str(info.value)
    lines, start = inspect.getsourcelines(f)
    marked = next(i for i, text in enumerate(lines) if "# <- here" in text)
    assert fragment in message
    assert f"test_functional_closures.py\", line {start + marked}" in message
