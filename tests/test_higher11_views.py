"""Second order of functions that read a view of an array after writing into it from
another view of it (`y[2:] = y[2:] + y[:-2] ** 2`, `y[1:] *= y[:-1]`): the first-order
gradient reads the views' values again after restoring what the write overwrote. The
aliasing check of the generated gradient accepts a read of a view whose array's writes
between its making and the read are each undone by a restore (save, write, restore,
nested as a stack); a loop's or a split function's record keeps a copy of such a view
(`kept(y[:-1])`), made before the writes. hessian, hvp and reverse over reverse against
central differences of the gradient, straight-line, in loops, in callees inlined and
not."""

import numpy as np
import pytest
from fd import assert_grad_matches
from test_higher import check_reverse_over_reverse, check_second_order

import pullback
from pullback.errors import PullbackError

X = np.array([0.5, -1.0, 2.0, 0.3, 0.7])


def value_read(x):
    y = x.copy()
    y[2:] = y[2:] + y[:-2] ** 2
    return np.sum(y ** 2)


def augmented_product(x):
    y = np.sin(x)
    y[1:] *= y[:-1]
    return np.sum(y * x)


def two_writes(x):
    y = x * 1.5
    y[1:] = y[1:] * np.cos(y[:-1])
    y[:2] = y[:2] + y[3:] ** 3
    return np.sum(np.tanh(y))


def in_a_loop(x):
    y = x * 1.0
    for _k in range(3):
        y[1:] = y[1:] + 0.3 * y[:-1] ** 2
    return np.sum(y ** 2)


def while_loop(x):
    y = np.tanh(x)
    k = 0
    while k < 2:
        y[:-1] *= np.exp(0.5 * y[1:])
        k = k + 1
    return np.sum(y * x)


def branch_in_loop(x):
    y = x ** 2
    for k in range(2):
        if k == 1:
            y[1:] = y[1:] - y[:-1] * y[1:]
        else:
            y[2:] = y[2:] * y[:-2]
    return np.sum(y)


def _smooth(x):
    y = np.copy(x)
    y[1:] = y[1:] + np.sin(y[:-1])
    return y


def inlined_callee(x):
    z = _smooth(x * 2.0)
    return np.sum(z ** 2)


def _head(x, weight=0.5):  # a default: called through its split forward and backward
    y = np.tanh(x)
    y[:3] = y[:3] * y[1:4] / weight
    return y


def split_callee(x):
    return np.sum(_head(x) ** 3) + np.sum(_head(x, 2.0))


def _head_loop(x, n=2):
    y = x * 1.0
    for _i in range(n):
        y[1:] = y[1:] * y[:-1] + 0.1
    return y


def split_callee_loop(x):
    return np.sum(np.sin(_head_loop(x)))


def rows_in_a_loop(x):
    Y = x.reshape(2, 3) * 1.0
    for i in range(1, 2):
        Y[i] = Y[i] * np.sin(Y[i - 1])
    Y[:, 1:] *= Y[:, :-1]
    return np.sum(Y ** 2)


def strided(x):
    y = x * 2.0
    y[::2] = y[::2] * y[1::2][:3]
    return np.sum(np.exp(y))


CASES = [value_read, augmented_product, two_writes, in_a_loop, while_loop, branch_in_loop,
         inlined_callee, split_callee, split_callee_loop]
SIX = np.array([0.3, -0.5, 0.8, 0.1, 0.9, -0.4])


@pytest.mark.parametrize("fn", [rows_in_a_loop, strided], ids=lambda f: f.__name__)
def test_rows_columns_and_strides(fn):
    check_second_order(fn, (SIX,), np.random.default_rng(6), nonzero=True)
    check_reverse_over_reverse(fn, (SIX,))


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_hessian_hvp_and_reverse_over_reverse(fn):
    assert_grad_matches(fn, (X,))
    check_second_order(fn, (X,), np.random.default_rng(14), nonzero=True)
    check_reverse_over_reverse(fn, (X,))


def test_closed_form():
    """y = (x0, x1, x2 + x0^2, x3 + x1^2, x4 + x2^2): the Hessian of |y|^2."""
    x = X
    y = x.copy()
    y[2:] = y[2:] + y[:-2] ** 2
    J = np.eye(5)
    for i in range(3):
        J[i + 2, i] = 2 * x[i]
    H = 2 * J.T @ J
    for i in range(3):
        H[i, i] += 2 * y[i + 2] * 2
    np.testing.assert_allclose(pullback.hessian(value_read)(x), H, rtol=1e-12, atol=1e-12)


def test_the_record_keeps_a_copy_only_of_a_view_read_for_its_values():
    code = pullback.source(in_a_loop)
    assert "kept(y[:-1])" in code
    assert "kept(y[1:])" not in code  # read only for its shape: record_shape


def test_a_write_not_undone_before_the_read_is_still_refused():
    def sliced_read_then_write(a):
        b = a * 2.0
        kept = b[1:]  # a view: b's write shows in it
        b[1] = 10.0
        return np.sum(kept ** 2)

    with pytest.raises(PullbackError, match="view into") as caught:
        pullback.grad(sliced_read_then_write)(X)
    assert "test_higher11_views.py" in str(caught.value)


def test_the_numba_backend_copies_the_recorded_view_too():
    pytest.importorskip("numba")
    np.testing.assert_allclose(pullback.grad(in_a_loop, backend="numba")(X),
                               pullback.grad(in_a_loop)(X), rtol=1e-12)
