"""A power's gradient multiplies by its exponent as a float (`dadd * 2.0 * x`): the same
numbers and types as with the integer, for numbers, integers, float32 and float64
arrays, and a vjp seed given as integers."""

from __future__ import annotations

import numpy as np
import pytest

import pullback


def square(x):
    return x ** 2


def cube_sum(x):
    return np.sum(x ** 3) + np.sum(x ** -2)


def lecture_like(x, y):
    return (x ** 2 + y ** 5) * 3.0


@pytest.mark.parametrize("x", [1.5, -0.25, 3, np.float64(2.5), np.float32(1.25)])
def test_number(x):
    g = pullback.grad(square)(x)
    assert g == 2 * x and np.result_type(g) == np.result_type(2.0 * x)
    assert "2.0 * x" in pullback.source(square)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_arrays(dtype):
    x = np.linspace(0.5, 2.0, 7).astype(dtype)
    g = pullback.grad(cube_sum)(x)
    assert g.dtype == dtype
    np.testing.assert_allclose(g, 3 * x.astype(float) ** 2 - 2 * x.astype(float) ** -3,
                               rtol=1e-6 if dtype is np.float32 else 1e-14)


def test_integer_seed():
    x = np.linspace(0.5, 2.0, 4)
    g = pullback.vjp(square)(x, np.array([1, 2, 3, 4]))
    np.testing.assert_array_equal(g, 2 * x * np.array([1, 2, 3, 4]))


def test_two_powers():
    gx, gy = pullback.grad(lecture_like, wrt=(0, 1))(1.5, -0.5)
    assert gx == pytest.approx(6.0 * 1.5) and gy == pytest.approx(15.0 * 0.5 ** 4)
