"""Second order through `zip(*rows)` (transposed, whose gradient helper transposed_grad
now has its own rule: linear in the columns' gradient, its adjoint the transpose back):
hessian and hvp against central differences of the gradient, for
pairs sorted then unzipped, a list-of-lists matrix transposed, and rows of unequal
length (zip stops at the shortest)."""

import numpy as np
import pytest
from test_higher import check_second_order


def sorted_then_unzipped(x):
    pairs = sorted(zip(x, range(len(x))), key=lambda p: p[0])
    vals, idx = zip(*pairs)
    return sum(v * (i + 1) for v, i in zip(vals, idx)) + vals[0] ** 2 * vals[-1]


def matrix_transposed(x):
    rows = [[x[0], x[1] ** 2], [np.sin(x[2]), x[3] * x[0]]]
    cols = list(zip(*rows))
    return cols[0][1] * cols[1][0] + cols[1][1] ** 2


def unequal_rows(x):
    a = [x[0] * x[1], x[2]]
    b = [x[3] ** 2, x[0], x[1] * 3.0]
    total = 0.0
    for u, v in zip(*[a, b]):
        total = total + u * v
    return total + b[2] * x[2]


@pytest.mark.parametrize("fn", [sorted_then_unzipped, matrix_transposed, unequal_rows],
                         ids=lambda f: f.__name__)
def test_hessian_and_hvp(fn):
    x = np.array([0.7, -0.4, 1.1, 0.5])
    check_second_order(fn, (x,), np.random.default_rng(6), nonzero=True)
