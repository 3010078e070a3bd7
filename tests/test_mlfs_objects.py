"""Objects whose attributes a function sets to values being differentiated, as
ML-From-Scratch's models and layers use them (tools/mlfromscratch_suite): the object's
methods called after the writes (`model.w = w; model.predict(X)`), arrays the object holds
written at slices (`self.states[:, t] = h`), and forward mode's reads of the attributes
the function never sets (`self.W` after `self.inp = X`). Gradients against central
differences; what stays refused is refused at its line."""

from __future__ import annotations

import numpy as np
import pytest

import pullback
from tests.fd import assert_close, numeric_grad


class Model:
    offset = 0.5  # a plain value of the class

    def __init__(self):
        self.scale = 2.0

    def hidden(self, X):
        return np.tanh(X @ self.W)

    def predict(self, X):
        h = self.hidden(X)  # a method calling another method of the object
        return h @ self.V * self.scale + self.offset

    def me(self):
        return self

    def weights(self):
        return self.W

    @property
    def doubled(self):
        return self.W * 2.0


def predict_loss(W, V, model, X):
    model.W = W
    model.V = V
    return np.sum(model.predict(X) ** 2)


def before_and_after(W, V, model, X):
    model.V = V
    model.W = np.ones_like(W)
    before = model.predict(X)  # reads the first W, which does not depend on the argument
    model.W = W
    return np.sum(model.predict(X) * before)


def overwritten(W, V, model, X):
    model.W = W
    model.V = V
    a = model.predict(X)
    model.W = W * 2.0
    b = model.hidden(X)
    return np.sum(a ** 2) + np.sum(b * a[:, :1])


def through_alias(W, V, model, X):
    model.W = W
    model.V = V
    other = model.me()
    return np.sum(other.W ** 2) + np.sum(model.predict(X))


def returned_attribute(W, V, model, X):
    model.W = W
    model.V = V
    w = model.weights()
    return np.sum((w * 1.0) ** 3) + np.sum(model.predict(X))


def in_a_loop(W, V, model, X):
    model.V = V
    model.W = W
    total = 0.0
    for _ in range(3):
        total = total + np.sum(model.predict(X))
        model.W = model.W * 1.5
    return total


@pytest.mark.parametrize("f", [predict_loss, before_and_after, overwritten, through_alias,
                               returned_attribute, in_a_loop])
def test_methods_of_an_object_after_its_attributes_are_set(f):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((4, 3))
    W, V = rng.standard_normal((3, 2)), rng.standard_normal((2, 1))
    got = pullback.grad(f, wrt=(0, 1))(W, V, Model(), X)
    expected = numeric_grad(f, (W, V, Model(), X), wrt=(0, 1))
    for g, e in zip(got, expected):
        assert_close(g, e)


def reads_property(W, V, model, X):
    model.W = W
    model.V = V
    return np.sum(model.doubled) + np.sum(model.predict(X))


class Logging(Model):
    def __init__(self):
        super().__init__()
        self.history = []

    def predict(self, X):
        out = self.hidden(X) @ self.V
        self.history.append(out)
        return out


class Stepping(Model):
    def predict(self, X):
        out = self.hidden(X) @ self.V
        self.V = self.V * 0.5
        return out


def predict_then_read(W, V, model, X):
    model.W = W
    model.V = V
    out = model.predict(X)
    return np.sum(out) + np.sum(model.V)


def helper(model, X):
    return model.predict(X)


def passed_on(W, V, model, X):
    model.W = W
    model.V = V
    return np.sum(helper(model, X))


@pytest.mark.parametrize("f, cls, words", [
    (reads_property, Model, "property"),
    (predict_loss, Logging, "grows the list self.history"),
    (predict_then_read, Stepping, "sets an attribute of its parameter 'self'"),
    (passed_on, Model, "other than as obj.attr"),
])
def test_what_such_methods_could_hide_stays_refused(f, cls, words):
    rng = np.random.default_rng(4)
    X, W, V = rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), \
        rng.standard_normal((2, 1))
    with pytest.raises(pullback.PullbackError, match=words) as caught:
        pullback.grad(f, wrt=(0, 1))(W, V, cls(), X)
    assert "test_mlfs_objects.py" in str(caught.value)


def test_forward_mode_follows_those_method_calls():
    # (session 21: the object's tangent follows the writes, the method reads it)
    rng = np.random.default_rng(5)
    X, W, V = rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), \
        rng.standard_normal((2, 1))
    dW, dV = rng.standard_normal((3, 2)), rng.standard_normal((2, 1))
    _, tangent = pullback.jvp(predict_loss, wrt=(0, 1))(W, V, Model(), X, (dW, dV))
    gW, gV = numeric_grad(predict_loss, (W, V, Model(), X), wrt=(0, 1))
    assert_close(tangent, np.sum(gW * dW) + np.sum(gV * dV))


class Recurrent:
    def __init__(self):
        self.units = 3
        self.U = np.linspace(-0.4, 0.4, 6).reshape(3, 2)
        self.W = np.linspace(0.3, -0.2, 9).reshape(3, 3)

    def forward(self, X):
        batch, steps, _ = X.shape
        self.states = np.zeros((batch, steps + 1, self.units))
        self.states[:, -1] = np.zeros((batch, self.units))
        for t in range(steps):
            s = X[:, t].dot(self.U.T) + self.states[:, t - 1].dot(self.W.T)
            self.states[:, t] = np.tanh(s)
        return self.states

    def scattered(self, X):
        self.buf = np.zeros((2, 3))
        self.buf[0, 1] = np.sum(X ** 2)
        self.buf[1] = np.sum(X)  # a number broadcast into a row
        self.buf[:, 2] += X[0, 0]
        self.buf[0:1, ::2] = X[:1, :2] * 3.0
        return self.buf * self.buf

    def fancy(self, X):
        self.buf = np.zeros(4)
        self.buf[np.array([0, 0, 1])] = X[0, :3]
        return self.buf


LAYER = Recurrent()


def held_recurrent(X):
    return np.sum(LAYER.forward(X) ** 2)


def given_recurrent(X, layer):
    return np.sum(layer.forward(X) ** 3)


def held_scattered(X):
    return np.sum(LAYER.scattered(X) * np.arange(6.0).reshape(2, 3))


@pytest.mark.parametrize("f, extra, shape", [
    (held_recurrent, (), (2, 3, 2)),
    (given_recurrent, (Recurrent(),), (2, 3, 2)),
    (held_scattered, (), (2, 3)),
])
def test_arrays_an_object_holds_written_at_slices(f, extra, shape):
    X = np.cos(np.arange(np.prod(shape), dtype=float)).reshape(shape)
    got = pullback.grad(f)(X, *extra)
    assert_close(got, numeric_grad(f, (X, *extra)))


def held_fancy(X):
    return np.sum(LAYER.fancy(X))


def test_a_store_into_an_object_s_array_at_an_index_array_is_refused():
    with pytest.raises(pullback.PullbackError, match="index of arrays"):
        pullback.grad(held_fancy)(np.ones((2, 3)))


class Linear:
    scale = 3.0

    def __init__(self):
        self.W = np.array([[1.0, 2.0], [0.5, -1.0]])

    def forward(self, X):
        self.inp = X * 2.0  # kept for a backward pass
        return np.sin(X @ self.W) * self.scale


class Computed(Linear):
    @property
    def W(self):
        return self.inp[:2, :2]


def set_then_read_others(X, layer):
    layer.inp = X
    return np.sum(np.sin(X @ layer.W) * layer.scale)


def test_forward_mode_reads_the_attributes_a_function_never_sets():
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    V = np.array([[0.3, -1.0], [0.2, 0.5]])

    def along(f, *extra):
        return float(np.sum(numeric_grad(f, (X, *extra)) * V))

    method = pullback.jvp(Linear.forward, wrt=1)(Linear(), X, V)[1]
    assert_close(np.sum(method), along(lambda X: np.sum(Linear().forward(X))))
    assert_close(pullback.jvp(set_then_read_others)(X, Linear(), V)[1],
                 along(set_then_read_others, Linear()))
    with pytest.raises(pullback.PullbackError, match="property of Computed") as caught:
        pullback.jvp(set_then_read_others)(X, Computed.__new__(Computed), V)
    assert "test_mlfs_objects.py" in str(caught.value)
