"""`a @ b` is not elementwise: `v @ v` of two vectors is a number and `A @ x` has A's
rows, not the operands' broadcast shape. Taken for elementwise (operator.matmul was
declared in the elementwise family), the shape analysis gave `v @ v` v's shape, and the
gradient of an operand broadcast against it (`v * (v @ v)`, `np.maximum(v, v @ v)`) was
not summed back: a silently wrong gradient, found by the fuzzer (seed 2626). Checked
against central differences in several spellings, with jvp and hvp."""

from __future__ import annotations

import numpy as np
import pytest
from fd import assert_grad_matches, assert_jvp_matches
from test_higher import check_second_order

W = np.arange(1.0, 7.0).reshape(3, 2) / 4


def maximum_of_norm(v):
    return np.sum(np.maximum(v, v @ v) * np.arange(3.0))


def scaled_by_norm(v):
    s = v @ v
    return np.sum((v * s + np.hypot(v, s) + np.arctan2(v, s)) * np.arange(3.0))


def quadratic_form_times_vector(v):
    q = v @ np.diag([1.0, 2.0, 3.0]) @ v
    return np.sum(np.tanh(q - v) ** 2)


def rows_against_a_column(v):
    y = W.T @ v  # shape (2,)
    return np.sum(np.sin(W * y)) + np.sum((y @ y) / (1.0 + v ** 2))


def dot_spelled(v):
    return np.sum(np.minimum(v, np.dot(v, v)) + v * np.matmul(v, v))


CASES = [maximum_of_norm, scaled_by_norm, quadratic_form_times_vector, rows_against_a_column,
         dot_spelled]
X = np.array([-1.5, -0.1, 0.3])


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_gradient(fn):
    assert_grad_matches(fn, (X.copy(),))


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_jvp(fn):
    assert_jvp_matches(fn, 3, 9)


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_second_order(fn):
    rng = np.random.default_rng(10)
    check_second_order(fn, (X + 0.05 * rng.normal(size=3),), rng)
