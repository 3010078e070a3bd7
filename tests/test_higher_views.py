"""Second order of functions that update a slice of an array from another slice of it
(`y[1:] += 0.5 * y[:-1]`, a smoothing or a recurrence written with slices): the generated
gradient reads the view `y[1:]` after restoring y, only for its shape (`unbroadcast(g,
y_slice)`), which no write into y changes; the aliasing check of the generated gradient
no longer refuses that read. Hessians and hvps against differences of the gradient."""

import numpy as np
import pytest
from test_higher import check_reverse_over_reverse, check_second_order

import pullback


def shifted_update(x):
    y = x.copy()
    y[1:] += y[:-1] * 0.5
    return np.sum(y ** 2)


def rows_update(X):
    Y = np.tanh(X)
    Y[:, 1:] += 0.5 * X[:, :-1] ** 2
    return np.sum(Y ** 3)


def twice(x):
    y = x ** 2
    y[1:] -= 0.3 * x[:-1] ** 2
    y[:2] *= 3.0
    return np.sum(y * x)


def value_read_after_restore(x):
    y = np.sin(x)
    y[2:] = y[2:] + y[:-2] ** 2
    return np.sum(y * x)


@pytest.mark.parametrize("fn, arg", [
    (shifted_update, np.array([0.5, -1.0, 2.0, 0.3])),
    (rows_update, np.array([[0.5, -1.0, 0.2], [0.7, 0.1, -0.4]])),
    (twice, np.array([0.5, -1.0, 2.0, 0.3, 1.1])),
    (value_read_after_restore, np.array([0.5, -1.0, 2.0, 0.3])),
], ids=["shifted_update", "rows_update", "twice", "value_read_after_restore"])
def test_hessian_hvp_and_reverse_over_reverse(fn, arg):
    check_second_order(fn, (arg,), np.random.default_rng(4), nonzero=True)
    check_reverse_over_reverse(fn, (arg,))


def test_closed_form():
    """y = J x with J = I + 0.5 (subdiagonal): the Hessian of |y|^2 is 2 J^T J."""
    J = np.eye(4) + 0.5 * np.eye(4, k=-1)
    H = pullback.hessian(shifted_update)(np.array([0.5, -1.0, 2.0, 0.3]))
    np.testing.assert_allclose(H, 2 * J.T @ J, rtol=1e-12, atol=1e-12)
