"""Methods of arrays a function reads from its module, its closure or a held object
(`X.dot(w)` with X the data, `model.W.dot(x)`, `X.T.dot(r)`): written as NumPy's functions
(`np.dot(X, w)`), as the methods of the function's own arrays are, the array read where the
call runs. They were refused as calls of an unknown `X.dot` with no derivative rule: the
most common spelling of a linear model's loss in tutorials and in ML-From-Scratch. A
module object of a user class keeps its own method. Each spelling: grad, jvp and hvp
against central differences."""

from __future__ import annotations

import numpy as np
import pytest
from fd import assert_derivatives_match, assert_grad_matches

import pullback

RNG = np.random.default_rng(7)
X = RNG.normal(size=(5, 3))
Y = RNG.normal(size=5)


class Model:
    def __init__(self):
        self.W = RNG.normal(size=(3, 3))


model = Model()


def least_squares(w):
    return np.sum((X.dot(w) - Y) ** 2)


def normal_equations(w):
    return np.sum(X.T.dot(X.dot(w)) * w)


def chained(w):
    return X.dot(w).sum() + np.sum(np.tanh(X.dot(w)) * Y.clip(0))


def held_object(w):
    return np.sum(model.W.dot(w) ** 2) + np.sum(X.T.dot(Y) * w)


def reshaped(w):
    return np.sum(X.reshape(3, 5).T.dot(w) * X.mean(axis=1))


def _closure():
    a = RNG.normal(size=(3, 3))

    def closed(w):
        return np.sum(a.dot(w) ** 2 * a.diagonal())
    return closed


FUNCTIONS = [least_squares, normal_equations, chained, held_object, reshaped, _closure()]


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_grad_jvp_hvp(f):
    assert_derivatives_match(f, [RNG.normal(size=3)], rng=RNG)


def test_the_array_is_read_when_the_gradient_runs():
    global X
    df = pullback.grad(least_squares)
    w = RNG.normal(size=3)
    saved = X
    try:
        X = RNG.normal(size=(4, 3))[:, :3] * 2.0  # new data, another shape
        Y4 = Y[:4]

        def expected(w):
            return 2.0 * X.T @ (X @ w - Y4)
        globals()["Y"], saved_y = Y4, Y
        try:
            np.testing.assert_allclose(df(w), expected(w), rtol=1e-10)
        finally:
            globals()["Y"] = saved_y
    finally:
        X = saved


class Vec:
    def __init__(self, v):
        self.v = v

    def dot(self, w):
        return float(np.sum(self.v * w)) * 2.0


UNIT = Vec(np.array([1.0, -2.0, 0.5]))


def user_dot(w):
    return UNIT.dot(w) * np.sum(w ** 2)


def test_a_module_object_of_a_user_class_keeps_its_own_method():
    assert_grad_matches(user_dot, (RNG.normal(size=3),))
