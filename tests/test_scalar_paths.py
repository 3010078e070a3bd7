"""Parameters taken as numbers on one path only (issue 12, numpy-ml's GELU): a `math`
function in a branch that an object's flag decides assumes nothing of the parameter on
the other path, which may take arrays; a branch the parameter itself decides
(`if x < 1.0: math.sin(x)`) keeps the scalar code. A refusal of an array names the line
of the `math` call. Gradients are checked against central finite differences."""

from __future__ import annotations

import math
from math import erf

import numpy as np
import pytest
from fd import numeric_grad

import pullback

Z = np.linspace(-1.2, 0.9, 5)


class Gelu:
    def __init__(self, approximate):
        self.approximate = approximate

    def fn(self, z):
        pi, sqrt, tanh = np.pi, np.sqrt, np.tanh
        if self.approximate:
            return 0.5 * z * (1 + tanh(sqrt(2 / pi) * (z + 0.044715 * z ** 3)))
        return 0.5 * z * (1 + erf(z / sqrt(2)))


def by_flag(x, exact):
    if exact:
        return math.exp(x) * 2.0
    return np.sum(np.exp(x)) * 2.0


@pytest.mark.parametrize("approximate", [True, False])
def test_a_math_function_on_the_path_not_taken_leaves_arrays_alone(approximate):
    act = Gelu(approximate)

    def loss(z):
        return np.sum(act.fn(z))

    if approximate:
        np.testing.assert_allclose(pullback.grad(loss)(Z), numeric_grad(loss, (Z,)), rtol=1e-6)
    else:  # math.erf of an array: f raises, and so does the gradient, in the same place
        with pytest.raises(TypeError):
            loss(Z)
        with pytest.raises(TypeError):
            pullback.grad(loss)(Z)
    for z in (0.3, -0.7):
        assert pullback.grad(act.fn)(z) == pytest.approx(
            numeric_grad(act.fn, (z,)), rel=1e-6)


def test_a_flag_parameter_deciding_the_branch():
    np.testing.assert_allclose(pullback.grad(by_flag)(Z, False), 2.0 * np.exp(Z), rtol=1e-12)
    assert pullback.grad(by_flag)(0.4, True) == pytest.approx(2.0 * math.exp(0.4))


def in_a_loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + math.sin(x) * i
    return s


def test_a_refused_array_names_the_math_call():
    with pytest.raises(pullback.PullbackError, match="scalar x") as info:
        pullback.grad(in_a_loop)(Z, 2)
    assert "s = s + math.sin(x) * i" in str(info.value)
    assert pullback.grad(in_a_loop)(0.3, 3) == pytest.approx(3 * math.cos(0.3))
