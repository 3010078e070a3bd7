"""A class attribute read through an instance (`self.scale`, with `scale = 2.0` in the
class body) is the class's constant: in forward mode (jvp, and hvp/hessian, which run
forward mode over the gradient) its tangent is zero. The tangent of an object is an
object of its class, whose own attributes are the tangents; reading `scale` of it found
the class's 2.0 and took it for a tangent (jvp 10.45 where differences give 0.77)."""

import dataclasses
from typing import ClassVar

import numpy as np
import pytest
from fd import numeric_grad

import pullback


class Base:
    scale = 2.0

    def forward(self, x):
        return x @ self.W

    def __call__(self, x):
        return self.forward(x)


class Scaled(Base):
    def __init__(self, W):
        self.W = W

    def forward(self, x):
        return self.scale * np.tanh(super().forward(x))


class Overridden(Scaled):
    scale = -0.5
    shift = np.array([0.1, -0.2])

    def forward(self, x):
        return self.scale * np.tanh(x @ self.W + self.shift)


@dataclasses.dataclass
class Ridge:
    w: np.ndarray
    lam: ClassVar[float] = 0.3

    def loss(self, X, y):
        return np.sum((X @ self.w - y) ** 2) + self.lam * np.sum(self.w**2)


class Slotted:
    __slots__ = ("w",)
    gain = 3.0

    def __init__(self, w):
        self.w = w

    def energy(self):
        return self.gain * np.sum(np.sin(self.w) ** 2)


class Model:
    bias = 0.5

    def __init__(self):
        self.w = np.array([0.5, -0.3])

    def __call__(self, X):
        return np.tanh(X @ self.w + self.bias)


def via_call(W, X):
    return np.sum(Scaled(W)(X) ** 2)


def via_method(W, X):
    return np.sum(Scaled(W).forward(X) ** 3)


def overridden(W, X):
    return np.sum(Overridden(W)(X) ** 2)


def dataclass_classvar(w, X, y):
    return Ridge(w).loss(X, y)


def slotted(w, X, y):
    return Slotted(w).energy() + np.sum(X @ w * y)


def object_argument(model, X, y):
    return np.sum((model(X) - y) ** 2)


RNG = np.random.default_rng(3)
W, X = RNG.standard_normal((3, 2)), RNG.standard_normal((4, 3))
w, y = RNG.standard_normal(3), RNG.standard_normal(4)
CASES = [(via_call, (W, X)), (via_method, (W, X)), (overridden, (W, X)),
         (dataclass_classvar, (w, X, y)), (slotted, (w, X, y))]


@pytest.mark.parametrize("f, args", CASES, ids=[f.__name__ for f, _ in CASES])
def test_jvp_hvp_hessian_of_class_attributes(f, args):
    v = np.random.default_rng(0).standard_normal(args[0].shape)
    g = numeric_grad(f, args, 0)
    _, t = pullback.jvp(f)(*args, v)
    np.testing.assert_allclose(t, np.sum(g * v), rtol=1e-6, atol=1e-8)

    def grad_along(h):
        return pullback.grad(f)(args[0] + h * v, *args[1:])
    expected = (grad_along(1e-5) - grad_along(-1e-5)) / 2e-5
    np.testing.assert_allclose(pullback.hvp(f)(*args, v), expected, rtol=1e-5, atol=1e-7)
    H = pullback.hessian(f)(*args).reshape(v.size, v.size)
    np.testing.assert_allclose(H @ v.ravel(), expected.ravel(), rtol=1e-5, atol=1e-7)


def test_tangent_of_an_object_argument_leaves_its_class_attribute():
    """jvp with respect to an object: its tangent, an object of its class, stores w only;
    `bias` read through it is the class's, with no tangent."""
    model = Model()
    X2, y2 = RNG.standard_normal((5, 2)), RNG.standard_normal(5)
    dmodel = object.__new__(Model)
    dmodel.w = np.array([1.0, 2.0])
    _, t = pullback.jvp(object_argument)(model, X2, y2, dmodel)
    h = 1e-6

    def at(s):
        m = Model()
        m.w = model.w + s * dmodel.w
        return object_argument(m, X2, y2)
    np.testing.assert_allclose(t, (at(h) - at(-h)) / (2 * h), rtol=1e-6)
