"""Reverse over reverse through a dict's gradient: grad of a function reading the
gradient pullback made of a function of a dict (`grad(lambda p: grad(f)(p)["w"] @ v)`),
of nested dicts, of dicts f builds and writes, of keywords reaching a callee's **kwargs
and a tuple reaching its *args; against central differences of the gradient. The
gradient of a dict is a dict (a key a write added and a later one lacks counts zero)."""

import numpy as np
import pytest
from test_higher import check_reverse_over_reverse

import pullback

X = np.array([0.3, -0.5, 1.2])
V = np.array([1.0, 0.5, -0.2])


def weighted(p):
    return np.sum(np.sin(p["w"]) * p["b"])


def over_items(p):
    t = 0.0
    for _, value in p.items():
        t = t + np.sum(np.tanh(value) ** 2)
    return t


def nested(p):
    return np.sum(p["layer"]["w"] ** 3) * p["s"]


def built_and_written(x):
    p = {"w": x * 2, "b": x[0]}
    p["c"] = np.cos(x)
    p["w"] = p["w"] * p["b"]
    return weighted(p) + np.sum(p["c"] * p["w"])


def keys_from_a_loop(x):
    p = {}
    for i, name in enumerate("abc"):
        p[name] = x[i] * x
    return over_items(p) + np.sum(p["a"] * p["c"])


GRADS = {f: pullback.grad(f) for f in (weighted, over_items, nested)}


def entry_of_a_dict_gradient(w):
    return GRADS[weighted]({"w": w, "b": 2.0})["w"] @ V


def two_entries(w):
    g = GRADS[weighted]({"w": w, "b": w[1]})
    return g["b"] + g["w"] @ V


def loop_over_items(w):
    return GRADS[over_items]({"a": w, "b": w ** 2})["b"] @ V


def nested_entry(w):
    return GRADS[nested]({"layer": {"w": w}, "s": w[0]})["layer"]["w"] @ V


def fd_grad(f, x, h=1e-6):
    return np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(len(x))])


@pytest.mark.parametrize("fn", [entry_of_a_dict_gradient, two_entries, loop_over_items,
                                nested_entry], ids=lambda f: f.__name__)
def test_grad_of_a_dict_gradient(fn):
    np.testing.assert_allclose(pullback.grad(fn)(X), fd_grad(fn, X), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("fn", [built_and_written, keys_from_a_loop],
                         ids=lambda f: f.__name__)
def test_reverse_over_reverse_of_dicts_f_builds(fn):
    check_reverse_over_reverse(fn, (X,))


def test_grad_with_respect_to_the_dict():
    """`grad(lambda p: grad(f)(p)["w"] @ v)(p)`: a dict, d/dw and d/db of it."""
    def inner(p):
        return pullback.grad(weighted)(p)["w"] @ V

    got = pullback.grad(lambda p: pullback.grad(weighted)(p)["w"] @ V)({"w": X, "b": 2.0})
    assert set(got) == {"w", "b"}
    np.testing.assert_allclose(got["w"], fd_grad(lambda w: inner({"w": w, "b": 2.0}), X),
                               rtol=1e-6, atol=1e-8)
    h = 1e-6
    db = (inner({"w": X, "b": 2.0 + h}) - inner({"w": X, "b": 2.0 - h})) / (2 * h)
    np.testing.assert_allclose(got["b"], db, rtol=1e-6)
    np.testing.assert_allclose(got["b"], np.cos(X) @ V, rtol=1e-12)  # closed form
