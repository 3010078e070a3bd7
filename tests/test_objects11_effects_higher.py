"""jvp, hvp and hessian of methods that store on their object (issue 12): a cache
(`self.cache = z`), a counter (`self.n += 1`), a value kept in a list the object holds
(`self.hist.append(z)`, also through a local name for it). The derivative equals the
finite difference of the gradient (or of f, for jvp); the object's state after the call
equals its state after calling f once (the entry check a gradient makes, that the object
is reachable through no other argument, is a check a second derivative only reads).
hvp of a function calling such a method on an object it receives, as its last use of it,
too (session 21)."""

from __future__ import annotations

import numpy as np
import pytest
from fd import numeric_grad

import pullback

X = np.array([0.3, -0.7, 1.1])
V = np.array([1.0, 0.5, -2.0])


class Model:
    def __init__(self):
        self.n = 0
        self.cache = None
        self.hist = []
        self.derived = {"Z": []}

    def counted(self, x):
        self.n += 1
        return np.sum(np.sin(x) ** 2)

    def cached(self, x):
        z = np.sin(x)
        self.cache = z
        return np.sum(z ** 2 * x)

    def both(self, x):
        self.n += 1
        z = np.cos(x)
        self.cache = z
        return np.sum(z * x ** 2)

    def logged(self, x):
        z = np.exp(x * 0.5)
        self.hist.append(z)
        return np.sum(z * np.sin(x))

    def logged_by_name(self, x):
        zs = self.derived["Z"]
        z = np.tanh(x)
        zs.append(z)
        return np.sum(z ** 3)


METHODS = ["counted", "cached", "both", "logged", "logged_by_name"]


def _state(m):
    return (m.n, None if m.cache is None else m.cache.copy(), len(m.hist),
            len(m.derived["Z"]))


def _same(a, b):
    assert a[0] == b[0] and a[2:] == b[2:]
    assert (a[1] is None) == (b[1] is None)
    if a[1] is not None:
        np.testing.assert_array_equal(a[1], b[1])


def _grad_fd(method, x, v, h=1e-5):
    def g(x):
        return pullback.grad(getattr(Model(), method))(x)

    return (g(x + h * v) - g(x - h * v)) / (2 * h)


@pytest.mark.parametrize("method", METHODS)
def test_hvp_of_a_method_storing_on_self(method):
    m, twin = Model(), Model()
    hv = pullback.hvp(getattr(m, method))(X, V)
    getattr(twin, method)(X)
    np.testing.assert_allclose(hv, _grad_fd(method, X, V), rtol=1e-6, atol=1e-8)
    _same(_state(m), _state(twin))


@pytest.mark.parametrize("method", METHODS)
def test_hessian_of_a_method_storing_on_self(method):
    m, twin = Model(), Model()
    H = pullback.hessian(getattr(m, method))(X)
    getattr(twin, method)(X)
    columns = np.stack([_grad_fd(method, X, e) for e in np.eye(3)], axis=1)
    np.testing.assert_allclose(H, columns, rtol=1e-6, atol=1e-8)
    _same(_state(m), _state(twin))


@pytest.mark.parametrize("method", METHODS)
def test_jvp_of_a_method_storing_on_self(method):
    m, twin = Model(), Model()
    value, tangent = pullback.jvp(getattr(m, method))(X, V)
    assert value == pytest.approx(getattr(twin, method)(X))
    expected = numeric_grad(lambda t: getattr(Model(), method)(X + t * V), (0.0,))
    np.testing.assert_allclose(tangent, expected, rtol=1e-6, atol=1e-8)
    _same(_state(m), _state(twin))


def test_hvp_through_a_call_of_such_a_method():
    # (session 21: the first derivative runs it as the last use of its object, checked
    # reachable through nothing else; the forward-mode transform of that split method is
    # told so, and the object's tangent follows its writes within it)
    def loss(x, model):
        return model.cached(x) * 2.0

    grad = pullback.grad(loss)
    h = 1e-6
    expected = (grad(X + h * V, Model()) - grad(X - h * V, Model())) / (2 * h)
    np.testing.assert_allclose(pullback.hvp(loss)(X, Model(), V), expected, rtol=1e-6,
                               atol=1e-8)
