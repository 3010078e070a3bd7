"""Held objects called (`self.act = Sigmoid(); self.act(z)`, `model(x)`, layers called in
a loop) and functions defined inside inlined methods (`super().__init__(...,
activation=lambda z: z)`): what works is checked against central differences; a lambda
or nested def inside an inlined body is refused naming it and its line, not as a free
name its body reads."""

import numpy as np
import pytest
from fd import assert_close, numeric_grad

import pullback

RNG = np.random.default_rng(3)
X0 = RNG.normal(size=(5, 3))
W1 = RNG.normal(size=(3, 4))


class Sigmoid:
    def __call__(self, z):
        return 1 / (1 + np.exp(-z))


class Dense:
    def __init__(self, W):
        self.W = W
        self.act = Sigmoid()

    def __call__(self, x):
        return self.act(x @ self.W)


def held_callable(x):
    act = Sigmoid()
    return np.sum(act(x))


def layer_called(W):
    layer = Dense(W)
    return np.sum(layer(X0))


SIG = Sigmoid()


def global_callable(x):
    return np.sum(SIG(x) ** 2)


@pytest.mark.parametrize("f, arg", [(held_callable, X0), (layer_called, W1),
                                    (global_callable, X0)])
def test_objects_called(f, arg):
    assert_close(pullback.grad(f)(arg), numeric_grad(f, [arg]))


class Base:
    def __init__(self, W, activation=None):
        self.W = W
        self.activation = activation

    def __call__(self, x):
        return self.activation(x @ self.W)


class LambdaKeyword(Base):
    def __init__(self, W):
        super().__init__(W, activation=lambda z: z)


class NestedDef(Base):
    def __init__(self, W):
        def act(z):
            return np.tanh(z)
        super().__init__(W, act)


def identity(z):
    return z * 1.0


class ByName(Base):
    def __init__(self, W):
        super().__init__(W, activation=identity)


def lambda_keyword(W):
    return np.sum(LambdaKeyword(W)(X0) ** 2)


def nested_def(W):
    return np.sum(NestedDef(W)(X0) ** 2)


def by_name(W):
    return np.sum(ByName(W)(X0) ** 2)


def lambda_in_f(W):
    return np.sum(Base(W, activation=lambda z: np.tanh(z))(X0) ** 2)


@pytest.mark.parametrize("f", [by_name, lambda_in_f])
def test_function_given_by_name_or_from_f(f):
    assert_close(pullback.grad(f)(W1), numeric_grad(f, [W1]))


@pytest.mark.parametrize("f, what, line", [
    (lambda_keyword, "a lambda passed as activation= inside __init__",
     "super().__init__(W, activation=lambda z: z)"),
    (nested_def, "the nested function 'act' inside __init__", "def act(z):")])
def test_function_inside_inlined_method_named(f, what, line):
    with pytest.raises(pullback.UnsupportedSyntaxError) as e:
        pullback.grad(f)(W1)
    message = str(e.value)
    assert what in message and line in message and "module level" in message
    assert "reads 'z'" not in message
