"""Reverse over reverse (vjp of grad, grad of grad) through calls a gradient resolves when
it runs (runtime/method_tangents `dispatched_forward`): the generated gradient's
`method_forward(site, obj, x)` is run by the split transform of the forward part it
resolves, its `method_backward(record, g)` by the split transform of the backward part
recorded. Every spelling of tests/test_higher_methods.py (callable objects, bound methods,
inheritance and super(), keywords, an object passed or taken from a list, a call in a
loop, nested calls) against central differences of the gradient; and a tangent of the
object itself is still refused, naming the call."""

import math

import numpy as np
import pytest
from test_higher import check_reverse_over_reverse
from test_higher_methods import CASES, TANH, object_built_from_the_input

import pullback
from pullback.errors import NoRuleError


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


def test_grad_of_grad_with_respect_to_the_object_is_refused_at_the_call():
    with pytest.raises(NoRuleError) as info:
        pullback.vjp(pullback.grad(object_built_from_the_input, wrt=1), wrt=0)(
            0.7, np.array([0.5, -1.0]), np.ones(2))
    assert "object_built_from_the_input" in str(info.value) or "Scaled" in str(info.value)


def test_the_same_site_twice():
    z = np.array([0.3, -0.7, 1.1])
    reverse = pullback.vjp(pullback.grad(lambda v: np.sum(TANH(v) * v)))
    first = reverse(z, np.ones(3))
    np.testing.assert_allclose(reverse(z, np.ones(3)), first, rtol=0, atol=0)
