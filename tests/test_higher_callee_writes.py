"""Second order through calls of functions that write into an array they made
(`_z = z.copy(); _z[z < 0] *= alpha`, the leaky-ReLU pattern, not inlined because it
takes a default): the callee's generated backward restores the overwritten slots into
the array its record holds; differentiated again, it restores into its own copy of it
(`own_input`), and the record's masked read `_z[cond]`, an array that owns its memory,
passes the run-time view check. hessian, hvp and reverse over reverse against
differences of the gradient; and at first order, a masked read of a buffer written
afterwards (a copy) is no longer refused."""

import numpy as np
import pytest
from fd import assert_grad_matches
from test_higher import check_reverse_over_reverse, check_second_order

import pullback
from pullback.errors import PullbackError

Z = np.array([0.5, -1.0, 2.0, -0.3])


def leaky(z, alpha=0.3):
    _z = z.copy()
    _z[z < 0] = _z[z < 0] * alpha
    return _z


def through_leaky(z):
    return np.sum(leaky(z) ** 2) + np.sum(np.sin(leaky(z, 0.1)))


def scaled_head(x, weight=0.5):
    y = np.tanh(x)
    y[:2] = y[:2] * weight + x[2:] ** 2
    return y


def through_scaled_head(x):
    return np.sum(scaled_head(x) ** 3)


def picked(x, idx=(0, 2)):
    y = x ** 2
    y[list(idx)] = np.exp(x[list(idx)])
    return y * x


def through_picked(x):
    return np.sum(np.cos(picked(x)))


@pytest.mark.parametrize("fn", [through_leaky, through_picked, through_scaled_head])
def test_hessian_hvp_and_reverse_over_reverse(fn):
    check_second_order(fn, (Z,), np.random.default_rng(8), nonzero=True)
    check_reverse_over_reverse(fn, (Z,))


def test_closed_form():
    """sum(leaky(z)^2): the Hessian is diagonal, 2 where z > 0 and 2 alpha^2 where z < 0."""
    H = pullback.hessian(lambda z: np.sum(leaky(z) ** 2))(Z)
    np.testing.assert_allclose(H, np.diag(np.where(Z > 0, 2.0, 2 * 0.09)), rtol=1e-12)


def masked_read_then_write(a):
    b = a * 2.0
    kept = b[b > 0]  # a copy: NumPy's boolean index owns its memory
    b[0] = 10.0
    return np.sum(kept ** 2) + np.sum(b)


def sliced_read_then_write(a):
    b = a * 2.0
    kept = b[1:]  # a view: b's write shows in it
    b[1] = 10.0
    return np.sum(kept ** 2)


def test_a_copy_read_before_a_write_is_differentiated():
    assert_grad_matches(masked_read_then_write, (Z,))


def test_a_view_read_before_a_write_is_still_refused():
    with pytest.raises(PullbackError, match="view into") as caught:
        pullback.grad(sliced_read_then_write)(Z)
    assert "test_higher_callee_writes.py" in str(caught.value)
