"""Second order through np.corrcoef's gradient (rules/higher_corrcoef.py): hessian, hvp
and reverse over reverse against central differences of the gradient, with rows or
columns as variables, a second operand y, and the correlation of two vectors."""

from __future__ import annotations

import numpy as np
import pytest
from test_higher import check_reverse_over_reverse, check_second_order

WEIGHTS = np.array([[0.3, -1.2, 0.5], [0.8, 0.1, -0.4], [1.1, 0.6, 0.2]])


BASE = np.array([[1.0, -0.5, 0.3, 2.0, 0.7], [0.2, 1.5, -1.0, 0.4, 0.9],
                 [-0.7, 0.3, 1.2, 0.8, -1.1], [0.5, 0.5, -0.2, -1.4, 0.6]])


def rows(x):
    data = BASE * x[:, None] + np.outer(x ** 2, BASE[0])
    return np.sum(np.corrcoef(data[:3]) * WEIGHTS)


def columns_of_array(x):
    data = (BASE * x[:, None]).T + x[0] * BASE[1][:, None]
    return np.sum(np.corrcoef(data, rowvar=False)[:3, :3] * WEIGHTS)


def columns(x):
    data = np.stack([x, x * x, np.sin(x) + 0.3 * x[0], np.cos(x * 2.0)])
    return np.sum(np.corrcoef(data, rowvar=False)[:3, :3] * WEIGHTS)


def two_vectors(x):
    return np.corrcoef(x, x ** 3 - x[0])[0, 1]


def with_y(x):
    a = np.stack([x, np.exp(0.5 * x)])
    return np.sum(np.corrcoef(a, np.sin(3.0 * x) * x[1])[1:, :2] ** 2)


def squared_correlation(x):  # a model's R^2 against fixed data
    data = np.array([0.3, 1.1, -0.4, 2.0])
    return np.corrcoef(x * x[0] + 0.1 * x[::-1], data)[0, 1] ** 2


CASES = [rows, columns, columns_of_array, two_vectors, with_y, squared_correlation]
# (a list of rows, np.stack([...]), is refused in reverse over reverse on its own)
ARRAYS = [rows, columns_of_array, two_vectors, squared_correlation]


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_hessian_and_hvp(fn):
    rng = np.random.default_rng(len(fn.__name__))
    check_second_order(fn, (rng.uniform(0.2, 1.4, size=4),), rng, nonzero=True)


@pytest.mark.parametrize("fn", ARRAYS, ids=lambda f: f.__name__)
def test_reverse_over_reverse(fn):
    check_reverse_over_reverse(fn, (np.random.default_rng(9).uniform(0.2, 1.4, size=4),))
