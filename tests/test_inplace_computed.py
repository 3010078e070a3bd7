"""In-place writes into arrays the function computed (issue 12): results of arithmetic,
ufuncs, matrix products, scans and other functions whose rule declares a new result
are written like np.zeros buffers; views of them, second names and writes after a
view was taken stay refused with the line. Checked against finite differences in
reverse and forward mode; second order is right or refused."""

from __future__ import annotations

import numpy as np
import pytest
from fd import numeric_grad

import pullback


def chain_gradient(x):
    g = (3 - x) * x
    g[1:] -= x[:-1]
    g[:-1] -= 2.0 * x[1:]
    return np.sum(g ** 2)


def exp_in_place(X):
    E = X * 1.0
    np.exp(E, out=E)
    E /= E.sum(axis=1, keepdims=True)
    return np.sum(E * X)


def gram_diagonal_filled(X):
    K = X @ X.T
    np.fill_diagonal(K, 1.0)
    return np.sum(K ** 2)


def exp_result_overwritten(x):
    e = np.exp(x)  # exp's adjoint reads its result: the overwritten slot is put back
    e[0] = 2.0 * x[1]
    return np.sum(e * x)


def recurrence_on_sines(x):
    s = np.sin(x) + 0.0
    for i in range(1, len(x)):
        s[i] = s[i - 1] * x[i] + s[i]
    return np.sum(s)


def outer_rows_scaled(x):
    m = np.outer(x, x)
    m[0, :] *= 2.0
    m += np.eye(len(x))
    return np.sum(np.log(m * m + 1.0))


def cumsum_last_replaced(x):
    c = np.cumsum(x)
    c[-1] = c[0] ** 2
    return np.sum(c * c)


def clipped_by_mask(x):
    p = np.maximum(x, 0.5)
    p[p > 1.0] = 1.0
    return np.sum(p * x)


CORRECT = [chain_gradient, exp_in_place, gram_diagonal_filled, exp_result_overwritten,
           recurrence_on_sines, outer_rows_scaled, cumsum_last_replaced, clipped_by_mask]
MATRIX_INPUT = {exp_in_place, gram_diagonal_filled}


def _point(f):
    x = np.array([0.3, -0.7, 1.2, 0.9, 0.4, -0.2])
    return x.reshape(2, 3) if f in MATRIX_INPUT else x


@pytest.mark.parametrize("f", CORRECT, ids=[f.__name__ for f in CORRECT])
def test_writes_into_computed_arrays_match_finite_differences(f):
    x = _point(f)
    value, g = pullback.value_and_grad(f)(x.copy())
    assert value == pytest.approx(f(x.copy()))
    np.testing.assert_allclose(g, numeric_grad(f, (x.copy(),), 0), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f", CORRECT, ids=[f.__name__ for f in CORRECT])
def test_writes_into_computed_arrays_forward_and_second_order(f):
    x = _point(f)
    v = np.random.default_rng(1).normal(size=x.shape)
    _, tangent = pullback.jvp(f)(x.copy(), v)
    eps = 1e-6
    want = (f(x + eps * v) - f(x - eps * v)) / (2 * eps)
    assert tangent == pytest.approx(want, rel=1e-6, abs=1e-8)
    grad = pullback.grad(f)
    try:  # second order: right, or refused (helpers without second-order rules yet)
        hv = pullback.hvp(f)(x.copy(), v)
    except pullback.PullbackError:
        return
    want = (grad(x + eps * v) - grad(x - eps * v)) / (2 * eps)
    np.testing.assert_allclose(hv, want, rtol=1e-5, atol=1e-6)


def view_then_write(x):
    t = np.tanh(x)
    u = t[1:]
    t[0] = 5.0
    return np.sum(u * x[1:])


def write_through_reshape(x):
    y = x * 2.0
    r = np.reshape(y, (2, 3))  # may be a view of y, which is read below
    r[0, 0] = 1.0
    return np.sum(r) + np.sum(y)


def second_name(x):
    y = x ** 2
    z = y
    y[0] = 0.0
    return np.sum(z * x)


@pytest.mark.parametrize("f, message", [
    (view_then_write, "'u' is a view into 't'"),
    (write_through_reshape, "in-place write to 'r'")], ids=["view", "reshape"])
def test_writes_that_may_be_seen_elsewhere_stay_refused(f, message):
    with pytest.raises(pullback.PullbackError, match=message) as info:
        pullback.grad(f)(_point(f))
    assert "test_inplace_computed.py" in str(info.value)


def test_a_second_name_is_the_same_array():
    """z = y, then y written: z shows the write, as in Python (lower/aliases.py)."""
    x = _point(second_name)
    np.testing.assert_allclose(pullback.grad(second_name)(x.copy()),
                               numeric_grad(second_name, (x.copy(),)), rtol=1e-6, atol=1e-8)


def write_into_a_float(x):
    w = np.sum(x)
    w[0] = 1.0
    return w


def test_a_write_into_a_number_fails_as_f_does():
    """np.sum gives a number here: f's write fails, and so does the gradient's, with
    no number returned."""
    with pytest.raises((TypeError, IndexError)):
        write_into_a_float(_point(write_into_a_float))
    with pytest.raises((TypeError, IndexError)):
        pullback.grad(write_into_a_float)(_point(write_into_a_float))
