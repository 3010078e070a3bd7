"""Real-Python constructs of issue 12: d.pop, iter/next, functions kept in lists and
dicts, match with sequence, mapping and class patterns. Gradients against central
finite differences in several spellings; what stays refused is refused at its line."""

from __future__ import annotations

import numpy as np
import pytest
from fd import assert_grad_matches

import pullback

X = np.array([0.3, 0.9, -0.4])


# --------------------------------------------------------------------------- d.pop

def pop_then_read_the_rest(x):
    d = {"a": x * 2.0, "b": np.sin(x)}
    a = d.pop("a")
    return np.sum(a * d["b"])


def pop_with_default_present_and_absent(x):
    d = {"w": np.exp(x)}
    w = d.pop("w", x)
    z = d.pop("w", x * 3.0)  # gone now: the default
    return np.sum(w * z)


def pop_as_a_statement(x):
    d = {"keep": x ** 2, "drop": np.cos(x)}
    d.pop("drop")
    d.pop("nothing", None)
    total = 0.0
    for k in d:
        total = total + np.sum(d[k])
    return total + len(d)


def pop_in_a_loop(x):
    d = {}
    for i in range(3):
        d[i] = x * (i + 1.0)
    total = 0.0
    for i in range(3):
        v = d.pop(i)
        total = total + np.sum(np.sin(v)) * (i + 1)
    return total


def pop_after_iterating(x):
    d = {"a": x, "b": np.tanh(x), "c": x * x}
    values = list(d.values())
    b = d.pop("b")
    d["a"] = d["a"] * 3.0
    return np.sum(values[0] * values[2] * b) + np.sum(d["a"] * d["c"])


def pop_kwargs(x, **kwargs):
    scale = kwargs.pop("scale", 2.0)
    shift = kwargs.pop("shift", x)
    return np.sum(np.sin(x * scale) + shift)


def pop_in_a_branch(x):
    d = {"lo": x, "hi": x * 4.0}
    key = "lo" if np.sum(x) > 0 else "hi"
    v = d.pop(key)
    rest = sum(np.sum(u) for u in d.values())
    return np.sum(v ** 2) * rest


@pytest.mark.parametrize("f", [pop_then_read_the_rest, pop_with_default_present_and_absent,
                               pop_as_a_statement, pop_in_a_loop, pop_after_iterating,
                               pop_kwargs, pop_in_a_branch], ids=lambda f: f.__name__)
def test_dict_pop(f):
    g = assert_grad_matches(f, (X,))
    assert_grad_matches(f, (-X,))
    direction = np.array([1.0, 0.5, -2.0])  # forward mode agrees with the gradient
    if f is not pop_kwargs:  # (forward mode does not take **kwargs yet)
        assert pullback.jvp(f)(X, direction)[1] == pytest.approx(np.dot(g, direction))


def test_dict_pop_closed_form_and_kwargs_given():
    g = pullback.grad(pop_then_read_the_rest)(X)
    np.testing.assert_allclose(g, 2.0 * np.sin(X) + 2.0 * X * np.cos(X))
    assert_grad_matches(pop_kwargs, (X,), kwargs={"scale": 0.5, "shift": 1.0})


def test_a_key_popped_is_gone_as_in_python():
    def read_after_pop(x):
        d = {"a": x}
        d.pop("a")
        return np.sum(d["a"])

    def pop_twice(x):
        d = {"a": x}
        return np.sum(d.pop("a") * d.pop("a"))

    for f in (read_after_pop, pop_twice):
        with pytest.raises(KeyError):
            f(X)
        with pytest.raises(KeyError):
            pullback.grad(f)(X)


def test_dict_pop_of_a_copy_leaves_the_input_and_gives_a_dict_gradient():
    def popped_dict_out(d):
        e = dict(d)
        v = e.pop("b")
        e["a"] = e["a"] * v
        return e

    d = {"a": X.copy(), "b": 2.0 * X, "c": 1.0}
    seed = {"a": np.array([1.0, -2.0, 0.5]), "c": 3.0}
    g = pullback.vjp(popped_dict_out)(d, seed)
    assert set(d) == {"a", "b", "c"} and np.array_equal(d["b"], 2.0 * X)
    np.testing.assert_allclose(g["a"], seed["a"] * d["b"])
    np.testing.assert_allclose(g["b"], seed["a"] * d["a"])
    assert g["c"] == pytest.approx(3.0)
    value, grad = pullback.value_and_grad(lambda x: np.sum(popped_dict_out(
        {"a": x, "b": np.sin(x)})["a"]))(X)
    assert value == pytest.approx(np.sum(X * np.sin(X)))
    np.testing.assert_allclose(grad, np.sin(X) + X * np.cos(X))


def test_popitem_stays_refused_at_its_line():
    def popitem(x):
        d = {"a": x}
        k, v = d.popitem()
        return np.sum(v)

    with pytest.raises(pullback.PullbackError) as info:
        pullback.grad(popitem)(X)
    assert "popitem" in str(info.value) and "k, v = d.popitem()" in str(info.value)
