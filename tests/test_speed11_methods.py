"""The per-call work of hvp through calls a gradient resolves when it runs
(runtime/method_tangents, runtime/objects._split and api.Transformed.fits, made cheaper
in session 15): the numbers stay those of central differences of the gradient, and a
rebinding the cached transforms were made for is still noticed on the next call, in
several spellings (a global the method calls rebound, the method's code replaced, the
object's class's method replaced, a default changed), after calls that reused them."""

from __future__ import annotations

import numpy as np
import pytest
from test_higher import check_second_order

import pullback
from pullback.errors import PullbackError


def squash(z):
    return np.tanh(z)


def other_squash(z):
    return np.sin(z) * 2.0


class Act:
    def __call__(self, z):
        return self.fn(z)

    def fn(self, z):
        return squash(z)


class Scaled:
    def __init__(self, k=1.5):
        self.k = k

    def value(self, z, p=2.0):
        return np.sum(np.cos(z) * self.k) + np.sum(z ** p) / p


ACT = Act()
SCALED = Scaled()


def through_call(z):
    return np.sum(ACT(z) * z)


def through_method(z):
    return SCALED.value(z) * np.sum(z)


def _fd_hvp(f, x, v, h=1e-5):
    g = pullback.grad(f)
    return (g(x + h * v) - g(x - h * v)) / (2 * h)


X = np.linspace(-0.9, 1.1, 7)
V = np.cos(np.arange(7.0))


@pytest.mark.parametrize("f", [through_call, through_method])
def test_hvp_through_methods_matches_differences_of_the_gradient_call_after_call(f):
    check_second_order(f, (X,), np.random.default_rng(0), nonzero=True)
    hvp = pullback.hvp(f)
    first = hvp(X, V)
    for _ in range(3):  # the transforms kept on the call sites are reused
        np.testing.assert_array_equal(hvp(X, V), first)
    np.testing.assert_allclose(first, _fd_hvp(f, X, V), rtol=1e-6, atol=1e-8)


def _right_or_refused(hvp, f, x, v):
    try:
        got = hvp(x, v)
    except PullbackError:
        return
    np.testing.assert_allclose(got, _fd_hvp(f, x, v), rtol=1e-6, atol=1e-8)


def test_a_global_the_method_calls_rebound_after_reuse_is_noticed(monkeypatch):
    hvp = pullback.hvp(through_call)
    before = hvp(X, V)
    hvp(X, V)
    monkeypatch.setitem(globals(), "squash", other_squash)
    _right_or_refused(hvp, through_call, X, V)
    assert not np.allclose(_fd_hvp(through_call, X, V), before)  # the rebinding matters


def test_the_methods_code_replaced_after_reuse_is_noticed(monkeypatch):
    hvp = pullback.hvp(through_call)
    hvp(X, V)
    hvp(X, V)
    monkeypatch.setattr(Act.fn, "__code__", other_squash.__code__.replace(
        co_varnames=("self", "z"), co_argcount=2, co_nlocals=2))
    _right_or_refused(hvp, through_call, X, V)


def test_the_classs_method_replaced_after_reuse_is_noticed(monkeypatch):
    hvp = pullback.hvp(through_call)
    hvp(X, V)
    hvp(X, V)

    def fn(self, z):
        return np.exp(z) * 0.5

    monkeypatch.setattr(Act, "fn", fn)
    _right_or_refused(hvp, through_call, X, V)


def test_a_methods_default_changed_after_reuse_is_noticed(monkeypatch):
    hvp = pullback.hvp(through_method)
    hvp(X, V)
    hvp(X, V)
    monkeypatch.setattr(Scaled.value, "__defaults__", (3.0,))
    _right_or_refused(hvp, through_method, X, V)
