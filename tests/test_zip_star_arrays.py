"""`zip(*rows)` whose rows are arrays (autograd's GMM example: `for w, mean, L in
zip(*unpack(params))`): each row's gradient is an array of its shape, not a list of its
entries' gradients (which made `-g` fail with "bad operand type for unary -: 'GradList'").
grad, jvp and hvp against central differences, in several spellings."""

from __future__ import annotations

import numpy as np
import pytest
from fd import assert_grad_matches

import pullback


def _normalized(v):
    return v - np.log(np.sum(np.exp(v)))


def mixture(x):
    weights, means = _normalized(x[:3]), x[3:9].reshape(3, 2)
    scales = np.exp(x[:3] * 0.5)
    total = np.sum(x[9:] ** 2)
    for w, m, s in zip(*(weights, means, scales)):
        total = total + w * np.sum(m ** 2) * s
    return total


def rows_of_a_matrix(x):
    M = x.reshape(3, 4)
    out = 0.0
    for a, b, c in zip(*M):  # columns of M, read through its rows
        out += a * b - np.sin(c)
    return out


def columns_listed(x):
    cols = list(zip(*[np.cos(x[:4]), x[4:8] * 2.0]))
    return sum(p * q for p, q in cols) - np.sum(x)


def unpacked_parts(x):
    parts = (x[:4] ** 2, np.tanh(x[4:8]), -x[8:])
    return sum(np.prod(t) for t in zip(*parts))


CASES = [mixture, rows_of_a_matrix, columns_listed, unpacked_parts]


@pytest.mark.parametrize("f", CASES, ids=lambda f: f.__name__)
def test_rows_that_are_arrays(f):
    x = np.linspace(-0.9, 1.3, 12) + 0.05 * np.arange(12) ** 1.5 % 0.7
    assert_grad_matches(f, (x,))
    v = np.cos(np.arange(12.0))
    value, tangent = pullback.jvp(f)(x, v)
    numeric = (f(x + 1e-6 * v) - f(x - 1e-6 * v)) / 2e-6
    assert np.isclose(tangent, numeric, rtol=1e-6, atol=1e-8)
    gradient = pullback.grad(f)
    expected = (gradient(x + 1e-5 * v) - gradient(x - 1e-5 * v)) / 2e-5
    np.testing.assert_allclose(pullback.hvp(f)(x, v), expected, rtol=1e-5, atol=1e-6)
