"""An object of a user class held by another as an attribute and called through it,
`self.activation(z)`, when the holder carries values being differentiated (as
ML-From-Scratch's RNN, Perceptron and Activation layers call their activation objects):
the call runs as written out, `fn = self.activation; fn(z)`, so the held object's own
gradient (its attributes') reaches the holder's gradient at that attribute. Checked in
grad, jvp and hvp against central differences, in several spellings."""

from __future__ import annotations

import numpy as np

import pullback
from tests.fd import assert_close, assert_derivatives_match, numeric_grad


class Tanh:
    def __call__(self, x):
        return np.tanh(x)


class Scaled:  # a held callable with a parameter of its own
    def __init__(self, a):
        self.a = a

    def __call__(self, x, power=1):
        return self.a * x ** power


class Base:
    def __call__(self, x):
        return self.inner(x) + 0.5 * x

    def inner(self, x):
        return np.sin(x)


class Derived(Base):  # __call__ found on a base class
    def __init__(self, k):
        self.k = k

    def inner(self, x):
        return np.cos(x) * self.k


class Model:
    def __init__(self):
        self.act = Tanh()
        self.out = Scaled(1.5)
        self.mixed = Derived(0.7)

    def predict(self, X):
        return self.out(self.act(X @ self.W), power=2)

    def predict_mixed(self, X):
        z = self.mixed(X @ self.W)
        return self.out(z) + self.act(z)


X = np.linspace(-1.0, 1.0, 6).reshape(3, 2)
W = np.array([0.3, -0.5])


def _model():
    model = Model()
    model.W = W.copy()
    return model


def test_held_callables_of_a_received_object_in_every_mode():
    def f(W, model):
        return np.sum(model.predict(X * W[0]) * W[1])

    def g(W, model):
        return np.sum(model.predict_mixed(X + W[0]) ** 2) * W[1]

    assert_derivatives_match(f, (W, _model()))
    assert_derivatives_match(g, (W, _model()))


def test_held_callables_of_an_object_built_in_the_function():
    def f(W):
        model = Model()
        model.W = W
        return np.sum(model.predict_mixed(X))

    assert_derivatives_match(f, (W,))


def test_held_callables_after_an_attribute_write():
    def f(W, model):
        model.W = W
        return np.sum(model.predict(X))

    model = _model()
    assert_close(pullback.grad(f)(W, model), numeric_grad(f, [W, _model()]))


def test_the_held_objects_parameters_get_their_gradient():
    def f(model):
        return np.sum(model.predict_mixed(X))

    model = _model()
    got = pullback.grad(f)(model)
    z = np.cos(X @ W) * 0.7 + 0.5 * (X @ W)

    def of_a(a):
        m = _model()
        m.out.a = a
        return f(m)

    def of_k(k):
        m = _model()
        m.mixed.k = k
        return f(m)

    assert_close(got.out.a, np.sum(z))
    assert_close(got.out.a, numeric_grad(of_a, [1.5]))
    assert_close(got.mixed.k, numeric_grad(of_k, [0.7]))
    assert_close(got.W, numeric_grad(lambda w: f(_with(w)), [W]))


def _with(w):
    m = _model()
    m.W = w
    return m
