"""Reverse over reverse (vjp of grad, grad of grad) through calls a gradient resolves when
it runs (runtime/method_tangents `dispatched_forward`): the generated gradient's
`method_forward(site, obj, x)` is run by the split transform of the forward part it
resolves, its `method_backward(record, g)` by the split transform of the backward part
recorded. Every spelling of tests/test_higher_methods.py (callable objects, bound methods,
inheritance and super(), keywords, an object passed or taken from a list, a call in a
loop, nested calls) against central differences of the gradient, and through an object
built from the input (in closed form)."""

import math

import numpy as np
import pytest
from test_higher import check_reverse_over_reverse
from test_higher_methods import CASES, TANH, object_built_from_the_input

import pullback


@pytest.mark.parametrize("fn, make", CASES, ids=[c[0].__name__ for c in CASES])
def test_reverse_over_reverse_through_methods(fn, make):
    check_reverse_over_reverse(fn, make(np.random.default_rng(4)))


class Cubic:
    def __init__(self, a):
        self.a = a

    def __call__(self, x):
        return self.a * x ** 3 + math.sin(x)


CUBIC = Cubic(0.5)


def scalar_through_a_call(x):
    return CUBIC(x) * x + CUBIC(2.0 * x)


def test_grad_of_grad_of_a_scalar_function_in_closed_form():
    """f = x (a x^3 + sin x) + a (2x)^3 + sin 2x."""
    x, a = 0.7, 0.5
    expected = 12 * a * x ** 2 + 2 * math.cos(x) - x * math.sin(x) + 48 * a * x \
        - 4 * math.sin(2 * x)
    np.testing.assert_allclose(pullback.grad(pullback.grad(scalar_through_a_call))(x),
                               expected, rtol=1e-12)


def test_grad_of_grad_through_an_object_built_from_the_input():
    """(refused before tests/test_higher13_objects.py) d/dw of <d/dz sum tanh(w z), 1> =
    sum (1 - t^2) - 2 w t (1 - t^2) z, t = tanh(w z)."""
    w, z = 0.7, np.array([0.5, -1.0])
    got = pullback.vjp(pullback.grad(object_built_from_the_input, wrt=1), wrt=0)(
        w, z, np.ones(2))
    t = np.tanh(w * z)
    assert got == pytest.approx(np.sum((1 - t ** 2) - 2 * w * t * (1 - t ** 2) * z),
                                rel=1e-12)


def test_the_same_site_twice():
    z = np.array([0.3, -0.7, 1.1])
    reverse = pullback.vjp(pullback.grad(lambda v: np.sum(TANH(v) * v)))
    first = reverse(z, np.ones(3))
    np.testing.assert_allclose(reverse(z, np.ones(3)), first, rtol=0, atol=0)
