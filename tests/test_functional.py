"""Functional helpers of issue 12: `functools.partial` objects made in f and applied
(directly, from a list of functions, through `functools.reduce`, `map`, loops and user
functions that receive them), and `functools.reduce` in general. Gradients against
central finite differences in several spellings; what stays refused is refused at its
line."""

from __future__ import annotations

import functools
import itertools
import operator
from functools import partial, reduce

import numpy as np
import pytest
from fd import assert_grad_matches

import pullback

RNG = np.random.default_rng(6)
W1 = RNG.normal(0.0, 0.6, (3, 3))
W2 = RNG.normal(0.0, 0.6, (2, 3))
X = RNG.normal(0.0, 1.0, 3)


def layer(x, W, b=0.0):
    return np.tanh(W @ x + b)


def apply(f, v):
    return f(v)


def apply_twice_and_sum(f, v):
    first = f(v)
    second = f(first)
    total = np.sum(first) + np.sum(second)
    scaled = total * 0.5
    return scaled + np.sum(v) * 0.0 + np.max(second) * 0.25


# ---------------------------------------------------------------- partial objects

def reduce_compose_partials_and_ufuncs(W1, W2, x):
    layers = [functools.partial(np.dot, W1), np.tanh, functools.partial(np.dot, W2)]
    return np.sum(functools.reduce(lambda h, f: f(h), layers, x))


def reduce_compose_inline_display(W1, x):
    return np.sum(reduce(lambda h, f: f(h), (partial(np.dot, W1), np.sin), x) ** 2)


def loop_over_partials(W1, W2, x):
    h = x
    for f in [partial(layer, W=W1), partial(layer, W=W2[:, :3] @ W1)]:
        h = f(h)
    return np.sum(h ** 2)


def sum_over_partials_generator(W1, x):
    fs = [partial(np.multiply, 2.0), partial(np.dot, W1), np.sin]
    return sum(np.sum(f(x) ** 2) for f in fs)


def partial_with_keyword_of_user_function(W1, x):
    first = partial(layer, W=W1)
    second = partial(layer, W=W1.T, b=0.5)
    return np.sum(second(first(x)))


def partial_keyword_overridden_at_call(W1, x):
    step = partial(layer, W=W1, b=1.0)
    return np.sum(step(x, b=-0.3))


def partial_mapped_over_rows(W1, xs):
    project = partial(np.dot, W1)
    return sum(np.sum(np.tanh(v)) for v in map(project, xs))


def partial_passed_to_small_function(W1, x):
    p = partial(np.dot, W1)
    return np.sum(apply(p, x) ** 2)


def partial_passed_to_larger_function(W1, x):
    p = partial(layer, W=W1)
    return apply_twice_and_sum(p, x)


def partial_of_lambda(a, x):
    scale = partial(lambda k, v: k * np.sin(v), a)
    return np.sum(scale(x) ** 2)


def reduce_partial_step_over_list(a, x):
    step = partial(lambda h, v, k: h * k + v, k=a)
    return reduce(step, [x[0], x[1], x[2]], 1.0)


@pytest.mark.parametrize("f, args, wrt", [
    (reduce_compose_partials_and_ufuncs, (W1, W2, X), (0, 1, 2)),
    (reduce_compose_inline_display, (W1, X), (0, 1)),
    (loop_over_partials, (W1, W2, X), (0, 1, 2)),
    (sum_over_partials_generator, (W1, X), (0, 1)),
    (partial_with_keyword_of_user_function, (W1, X), (0, 1)),
    (partial_keyword_overridden_at_call, (W1, X), (0, 1)),
    (partial_mapped_over_rows, (W1, np.stack([X, 2.0 * X, -X])), (0, 1)),
    (partial_passed_to_small_function, (W1, X), (0, 1)),
    (partial_passed_to_larger_function, (W1, X), (0, 1)),
    (partial_of_lambda, (0.7, X), (0, 1)),
    (reduce_partial_step_over_list, (0.7, X), (0, 1)),
])
def test_partial_objects_made_and_applied(f, args, wrt):
    assert_grad_matches(f, args, wrt=wrt)


def test_reduce_over_partials_is_the_composition():
    """The closed form of the first case: d/dx sum(W2 tanh(W1 x)) = W1^T (1 - t^2) * W2^T 1."""
    t = np.tanh(W1 @ X)
    expected = W1.T @ ((1.0 - t ** 2) * (W2.T @ np.ones(2)))
    got = pullback.grad(reduce_compose_partials_and_ufuncs, wrt=2)(W1, W2, X)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


# ------------------------------------------------------------- functools.reduce

def mul(a, b):
    return a * b


def reduce_user_function_with_initial(x):
    return reduce(mul, list(x), 2.0)


def reduce_lambda_over_range(x):
    return reduce(lambda acc, i: acc + x[i] ** 2 * (i + 1), range(len(x)), 0.0)


def reduce_without_initial(x):
    return reduce(lambda a, b: a * b + 1.0, [x[0], x[1], x[2]])


def reduce_operator_add_over_arrays(x):
    return np.sum(reduce(operator.add, [x, np.sin(x), x ** 2]))


def reduce_functions_table_without_initial(x):
    composed = reduce(lambda f, g: f, [np.sin, np.cos])  # the first function
    return np.sum(composed(x)) + np.sum(reduce(lambda h, f: f(h), [np.sin, np.exp], x))


@pytest.mark.parametrize("f", [
    reduce_user_function_with_initial, reduce_lambda_over_range, reduce_without_initial,
    reduce_operator_add_over_arrays,
])
def test_reduce_with_user_functions_and_lambdas(f):
    assert_grad_matches(f, (X,))


def test_a_reduce_returning_a_function_is_refused_at_its_line():
    with pytest.raises(pullback.PullbackError) as info:
        pullback.grad(reduce_functions_table_without_initial)(X)
    assert "test_functional.py" in str(info.value)


# ------------------------------------------- functions passed for function defaults

def aggregate(x, reduce=np.mean, activate=np.tanh, scale=2.0):
    return scale * reduce(activate(x) ** 2)


def link_keyword_only(x, *, link=np.exp):
    return np.sum(link(x) * x)


def squared_sum(v):
    return np.sum(v * v)


XD = np.array([0.3, -0.5, 0.9, 0.1])  # distinct: max has no tie


@pytest.mark.parametrize("args, kwargs", [
    ((XD, np.max), {}),
    ((XD, np.sum, np.sin), {}),
    ((XD,), {"activate": np.cos}),
    ((XD,), {"reduce": np.min, "scale": 0.5}),
    ((XD, squared_sum), {}),
    ((XD, lambda v: np.sum(v) ** 2), {}),
    ((XD, max), {}),
])
def test_another_function_passed_for_a_function_default(args, kwargs):
    assert_grad_matches(aggregate, args, kwargs=kwargs)


def test_functions_passed_alternately_each_get_their_gradient():
    g = pullback.grad(aggregate)
    t = np.tanh(XD)
    dt2 = 2.0 * t * (1.0 - t ** 2)  # d tanh(x)^2 / dx
    top = np.eye(len(XD))[np.argmax(t ** 2)]
    for _ in range(2):
        np.testing.assert_allclose(g(XD, np.max), 2.0 * dt2 * top, rtol=1e-12)
        np.testing.assert_allclose(g(XD, np.sum), 2.0 * dt2, rtol=1e-12)
        np.testing.assert_allclose(g(XD), 2.0 * dt2 / len(XD), rtol=1e-12)


def test_keyword_only_function_default_and_other_modes():
    assert_grad_matches(link_keyword_only, (XD,), kwargs={"link": np.sin})
    value, grad = pullback.value_and_grad(aggregate)(XD, np.max)
    assert value == pytest.approx(aggregate(XD, np.max))
    np.testing.assert_allclose(grad, pullback.grad(aggregate)(XD, np.max), rtol=1e-12)
    seed = 0.7
    np.testing.assert_allclose(pullback.vjp(aggregate)(XD, np.max, seed),
                               seed * pullback.grad(aggregate)(XD, np.max), rtol=1e-12)


def test_gradients_for_functions_passed_are_not_kept_beyond_a_bound():
    import gc

    from pullback import api

    g = pullback.grad(aggregate)
    g(XD, np.sum)
    before = len(api._CACHE)
    for k in range(3 * api.FUNCTION_VARIANTS):
        scaled = lambda v, k=k: k * np.sum(v)  # noqa: E731 (a new function each time)
        t = np.tanh(XD)
        np.testing.assert_allclose(g(XD, scaled), 2.0 * k * 2.0 * t * (1.0 - t ** 2))
    gc.collect()
    assert len(api._CACHE) <= before + api.FUNCTION_VARIANTS


@pytest.mark.parametrize("value", [None, 3.0])
def test_a_value_that_is_not_a_function_stays_refused_with_where(value):
    with pytest.raises(pullback.PullbackError, match="not a function") as info:
        pullback.grad(aggregate)(XD, value)
    assert "test_functional.py" in str(info.value) and "def aggregate" in str(info.value)


# ------------------------------------------------------ itertools and zip(strict=True)

def running_sums_squared(x):
    return sum(s ** 2 for s in itertools.accumulate(x))


def running_products_and_initial(x):
    prods = list(itertools.accumulate(x, operator.mul))
    smoothed = list(itertools.accumulate(x, lambda s, v: 0.5 * s + v, initial=1.0))
    return prods[-1] + sum(smoothed) + sum(itertools.accumulate(x, max))


def total_variation(x):
    return sum(abs(b - a) for a, b in itertools.pairwise(x))


def path_length_of_points(points):
    total = 0.0
    for p, q in itertools.pairwise(points):
        total = total + np.sqrt(np.sum((q - p) ** 2))
    return total


def pair_interactions(x):
    upper = sum(x[i] * x[j] for i, j in itertools.combinations(range(len(x)), 2))
    triples = sum(a * b * c for a, b, c in itertools.combinations(x, r=3))
    return upper + triples


def orderings_and_multisets(x):
    ordered = sum(x[i] * x[j] ** 2 for i, j in itertools.permutations(range(len(x)), 2))
    triples = sum(a * b * c ** 2 for a, b, c in itertools.permutations(x, r=3))
    return ordered + triples + sum(
        a * b ** 2 for a, b in itertools.combinations_with_replacement(x, 2))


def grid_of_products(w):
    total = sum(np.tanh(w[0] * a + w[1] * b) for a, b in itertools.product([0.1, 0.9], w))
    return total + sum(u * v for u, v in itertools.product(w, repeat=2))


def chained_values(x):
    head = [x[0] * 2.0, x[1]]
    flat = list(itertools.chain.from_iterable([head, [np.sin(x[2])]]))
    return sum(v ** 2 for v in itertools.chain(flat, x[1:])) + flat[2]


def strict_zip_dot(w, x):
    return sum(a * b for a, b in zip(w, x, strict=True)) ** 2


def strict_zip_loop(w, x):
    total = 0.0
    for a, b in zip(w, np.sin(x), strict=True):
        total += a * b
    return total + sum(dict(zip(["a", "b", "c"], w, strict=True)).values())


X4 = np.array([0.3, -0.5, 0.9, 0.2])


@pytest.mark.parametrize("f", [running_sums_squared, running_products_and_initial,
                               total_variation, pair_interactions, grid_of_products,
                               orderings_and_multisets,
                               chained_values])
def test_itertools_iterators_as_the_lists_they_give(f):
    assert_grad_matches(f, (X4,))


def test_itertools_over_rows_and_zip_strict():
    assert_grad_matches(path_length_of_points, (RNG.normal(size=(4, 2)),))
    assert_grad_matches(strict_zip_dot, (X, -X ** 2), wrt=(0, 1))
    assert_grad_matches(strict_zip_loop, (X, X + 1.0), wrt=(0, 1))


def test_zip_strict_raises_as_f_does_after_the_loop():
    for f in (strict_zip_dot, strict_zip_loop):
        with pytest.raises(ValueError):
            f(X, X4)
        with pytest.raises(ValueError):
            pullback.grad(f)(X, X4)


def strict_zip_with_break(w, x):
    total = 0.0
    for a, b in zip(w, x, strict=True):
        total += a * b
        if total > 10.0:
            break
    return total


def pairs_kept(x):
    pairs = itertools.pairwise(x)
    return sum(a * b for a, b in pairs)


def test_forms_that_stay_refused_at_their_line():
    with pytest.raises(pullback.UnsupportedSyntaxError, match="may stop early") as info:
        pullback.grad(strict_zip_with_break)(X, X)
    assert "zip(w, x, strict=True)" in str(info.value)
    with pytest.raises(pullback.UnsupportedSyntaxError, match="bound to a name") as info:
        pullback.grad(pairs_kept)(X)
    assert "pairs = itertools.pairwise(x)" in str(info.value)


def activation_default(x, act=np.tanh):
    return act(x) * x


def test_derivatives_of_a_gradient_with_a_function_default():
    t = np.tanh(0.3)
    second = 2.0 * (1.0 - t ** 2) - 2.0 * 0.3 * t * (1.0 - t ** 2)  # (tanh(x) x)''
    assert pullback.grad(pullback.grad(activation_default))(0.3) == pytest.approx(second)
    assert pullback.grad(activation_default)(0.3, np.sin) == pytest.approx(
        np.sin(0.3) + 0.3 * np.cos(0.3))


# ------------------------------------------- membership in a dict of functions

def activation_by_name(x, name="softplus"):
    acts = {"tanh": np.tanh, "softplus": lambda z: np.logaddexp(0.0, z)}
    if name not in acts:
        name = "tanh"
    scale = 2.0 if "relu" in acts else 1.0
    return scale * np.sum(acts[name](x) ** 2)


@pytest.mark.parametrize("name", ["softplus", "tanh", "unknown"])
def test_a_key_asked_of_a_function_table(name):
    assert_grad_matches(activation_by_name, (X,), kwargs={"name": name})


def test_a_key_asked_of_a_function_table_closed_form():
    t = np.tanh(X)
    got = pullback.grad(activation_by_name)(X, "unknown")
    np.testing.assert_allclose(got, 2.0 * t * (1.0 - t ** 2), rtol=1e-12)


def test_an_unhashable_key_raises_as_for_the_dict():
    with pytest.raises(TypeError):
        pullback.grad(activation_by_name)(X, ["tanh"])
