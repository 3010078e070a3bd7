"""`dict(k=v, ...)` is lowered to the display `{'k': v, ...}` it equals, not to an empty
dict and one slot write per keyword: the writes' undo (restore_slot) has no derivative, so
hvp and grad of grad of a function building a dict that way were refused (google/tangent's
dict_wrapper: dict_saxpy(dict(a=a, b=b, c=c))). Numbers checked against central
differences in grad, jvp and hvp, for the call spelled several ways (reverse over reverse
through a dict's gradient agrees with hvp)."""

from __future__ import annotations

import numpy as np
import pytest
from fd import assert_grad_matches

import pullback


def saxpy_of(val):
    return val["a"] * val["b"] + val["c"]


def passed_to_a_function(a, b, c):
    return saxpy_of(dict(a=a, b=b, c=c))


def nested(a, b):
    p = dict(i=dict(j=a, k=np.sin(b)), n=3)
    return p["i"]["j"] * p["i"]["k"] * p["n"]


def written_after(x):
    d = dict(w=x * 2.0, s=np.sum(x))
    d["w"] = d["w"] * d["s"]
    d["extra"] = np.exp(x[0])
    return np.sum(d["w"]) + d["extra"]


def with_pairs_and_keywords(x):
    d = dict(zip(["p", "q"], [x[0], x[1]]), r=x[2] ** 2)
    return d["p"] * d["q"] + d["r"] * d["p"]


def values_in_a_loop(x):
    total = 0.0
    for i in range(3):
        d = dict(v=x[i], w=x[i] * x[(i + 1) % 3])
        total = total + d["v"] * d["w"]
    return total


ARRAY = np.array([0.3, -1.2, 0.8])
SCALAR_CASES = [(passed_to_a_function, (0.7, -1.3, 2.0)), (nested, (0.4, 1.1))]
ARRAY_CASES = [written_after, with_pairs_and_keywords, values_in_a_loop]


def _fd_hvp(f, args, wrt, v, h=1e-5):
    def grad_at(step):
        moved = list(args)
        moved[wrt] = args[wrt] + step * v
        return np.asarray(pullback.grad(f, wrt=wrt)(*moved), float)
    return (grad_at(h) - grad_at(-h)) / (2 * h)


@pytest.mark.parametrize("f, args", SCALAR_CASES)
def test_scalar_arguments(f, args):
    for wrt in range(len(args)):
        assert_grad_matches(f, args, wrt=wrt)
        hvp = pullback.hvp(f, wrt=wrt)(*args, 1.0)
        assert np.isclose(hvp, _fd_hvp(f, args, wrt, 1.0), rtol=1e-6, atol=1e-8)
        # reverse over reverse through a dict's gradient (tests/test_higher13_dicts.py)
        twice = pullback.grad(pullback.grad(f, wrt=wrt), wrt=wrt)(*args)
        assert np.isclose(twice, hvp, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("f", ARRAY_CASES)
def test_array_argument(f):
    assert_grad_matches(f, (ARRAY,))
    v = np.array([1.0, 0.5, -0.25])
    h = 1e-6
    tangent = pullback.jvp(f)(ARRAY, v)[1]
    assert np.isclose(tangent, (f(ARRAY + h * v) - f(ARRAY - h * v)) / (2 * h), rtol=1e-6)
    np.testing.assert_allclose(pullback.hvp(f)(ARRAY, v), _fd_hvp(f, (ARRAY,), 0, v),
                               rtol=1e-6, atol=1e-8)


def test_the_dict_is_a_new_one_each_call():
    def kept(a):
        d = dict(a=a)
        d["a"] = d["a"] * 3.0
        return d["a"] * a

    assert np.isclose(pullback.grad(kept)(1.5), 9.0)
    assert np.isclose(pullback.grad(kept)(1.5), 9.0)
