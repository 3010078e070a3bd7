"""Second order through a method of an object f builds, where a gradient the method hands
back carries no tangent (the attribute read is `self.c`, added, whose gradient is the
seed's): the zero tangent of the gradients has their structure, so the generated code
reading the gradient of each input reads a zero (a TypeError, 'float' object is not
subscriptable, before). hvp and jvp of grad against differences of the gradient."""

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pytest

import pullback


@dataclass
class Quad:
    a: float
    c: float

    def value(self, x):
        return self.a * x ** 2 + self.c


class Affine:
    def __init__(self, w, b):
        self.w, self.b = w, b

    def __call__(self, x):
        return np.sum(self.w * x) + self.b


class Pair(NamedTuple):
    s: float
    t: float

    def mix(self, x):
        return self.s * np.sin(x) + self.t


def quad(p):
    q = Quad(p[0], p[1])
    return q.value(p[2])


def affine_loop(p):
    total = 0.0
    for k in range(3):
        m = Affine(p[:2] * (k + 1), p[2])
        total = total + m(p[3:5]) ** 2
    return total


def pair_mix(p):
    return Pair(p[0], p[1] * p[2]).mix(p[3]) * p[4]


@pytest.mark.parametrize("f", [quad, affine_loop, pair_mix], ids=lambda f: f.__name__)
def test_second_order_through_methods_of_objects_built_in_f(f):
    x = np.array([0.5, -0.3, 0.8, 1.1, 0.4])
    v = np.array([0.2, -0.7, 0.5, 0.1, 0.9])
    gradient = pullback.grad(f)
    expected = (gradient(x + 1e-5 * v) - gradient(x - 1e-5 * v)) / 2e-5
    np.testing.assert_allclose(pullback.hvp(f)(x, v), expected, rtol=1e-6, atol=1e-8)
    _, tangent = pullback.jvp(gradient)(x, v)  # the same, spelled as jvp of grad
    np.testing.assert_allclose(tangent, expected, rtol=1e-6, atol=1e-8)
