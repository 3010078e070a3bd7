"""np.add.at and np.subtract.at (unbuffered scatter-adds: histograms, finite-element
assembly, embedding-gradient accumulation) written into arrays the function made: each is
lowered to the in-place write it is (`a[...] = added_at(a, index, v)`), so gradients in
the array and in the values, forward mode and second order follow from added_at's rule.
Checked against central differences in several spellings; np.multiply.at stays refused."""

import numpy as np
import pytest
from fd import assert_grad_matches
from test_higher import check_second_order

import pullback
from pullback.errors import PullbackError

IDX = np.array([0, 1, 1, 2, 0])


def histogram_squared(x, idx):
    y = np.zeros(3)
    np.add.at(y, idx, x)  # positions 0 and 1 named twice: both values added
    return np.sum(y ** 2)


def subtract_from_copy(a, x):
    b = a.copy()
    np.subtract.at(b, [2, 0, 2], x)
    return np.sum(np.sin(b) * b)


def assemble_stiffness(k, n=4):
    """A 1-D finite-element stiffness matrix from element stiffnesses k (tuple index)."""
    K = np.zeros((n, n))
    for e in range(n - 1):
        rows = np.array([e, e, e + 1, e + 1])
        cols = np.array([e, e + 1, e, e + 1])
        np.add.at(K, (rows, cols), k[e] * np.array([1.0, -1.0, -1.0, 1.0]))
    K = K + np.eye(n)
    return np.linalg.slogdet(K)[1]


def scalar_value(s, idx):
    y = np.ones(4)
    np.add.at(y, idx, s)  # one value broadcast to every position
    return np.sum(np.log(y) * np.arange(1.0, 5.0))


def rows_at(x, W):
    G = np.zeros((3, 2))
    np.add.at(G, [2, 0, 2], W * x[:, None])  # whole rows, one row named twice
    return np.sum(G ** 3)


def computed_array(x):
    y = np.tanh(x) * 2.0  # an array the function computed
    np.add.at(y, slice(1, 4), x[:3] ** 2)
    np.subtract.at(y, [0, 0], 0.5 * x[4])
    return np.sum(y * y)


def test_duplicate_positions_get_every_value():
    x = np.array([0.3, -1.2, 0.5, 2.0, 0.7])
    got = pullback.grad(histogram_squared)(x, IDX)
    y = np.array([1.0, -0.7, 2.0])  # bins: 0.3 + 0.7, -1.2 + 0.5, 2.0
    np.testing.assert_allclose(got, 2 * y[IDX])  # closed form
    assert_grad_matches(histogram_squared, (x, IDX))


@pytest.mark.parametrize("fn, make, wrt", [
    (histogram_squared, lambda r: (r.normal(size=5), IDX), 0),
    (subtract_from_copy, lambda r: (r.normal(size=3), r.normal(size=3)), 0),
    (subtract_from_copy, lambda r: (r.normal(size=3), r.normal(size=3)), 1),
    (assemble_stiffness, lambda r: (r.uniform(0.5, 2.0, size=3),), 0),
    (scalar_value, lambda r: (0.4, np.array([3, 1, 3])), 0),
    (rows_at, lambda r: (r.normal(size=3), r.normal(size=(3, 2))), 0),
    (rows_at, lambda r: (r.normal(size=3), r.normal(size=(3, 2))), 1),
    (computed_array, lambda r: (r.normal(size=5),), 0),
])
def test_gradient_jvp_and_second_order(fn, make, wrt):
    rng = np.random.default_rng(3)
    args = make(rng)
    assert_grad_matches(fn, args, wrt=wrt)
    if wrt == 0 and fn is not scalar_value:
        v = rng.normal(size=np.shape(args[0]))
        value, tangent = pullback.jvp(fn)(*args, v)
        h = 1e-6
        step = lambda t: fn(args[0] + t * v, *args[1:])  # noqa: E731
        assert value == pytest.approx(fn(*args))
        assert tangent == pytest.approx((step(h) - step(-h)) / (2 * h), rel=1e-5, abs=1e-7)
        check_second_order(fn, args, rng)


def test_the_function_state_is_as_f_leaves_it():
    """The values of the array after the write, read again later, are f's."""
    def f(x):
        y = np.zeros(3)
        np.add.at(y, [0, 0, 2], x)
        z = y.copy()
        np.add.at(y, [1], 10.0)
        return np.sum(z * y)
    x = np.array([1.0, 2.0, 3.0])
    value, g = pullback.value_and_grad(f)(x)
    assert value == f(x)
    assert_grad_matches(f, (x,))


def test_other_ufuncs_at_are_refused_with_the_line():
    def f(x):
        y = np.ones(3)
        np.multiply.at(y, [0, 1, 0], x)
        return np.sum(y)
    with pytest.raises(PullbackError) as caught:
        pullback.grad(f)(np.array([1.0, 2.0, 3.0]))
    message = str(caught.value)
    assert "np.multiply.at" in message and "test_add_at.py" in message
    assert "np.multiply.at(y, [0, 1, 0], x)" in message


def test_a_write_into_what_is_not_an_array_is_refused_with_the_line():
    def f(x):
        y = [0.0, 0.0]
        np.add.at(y, [0], x)
        return y[0]
    with pytest.raises(PullbackError, match="into arrays only, not into a list") as caught:
        pullback.grad(f)(1.0)
    assert "np.add.at(y, [0], x)" in str(caught.value)
