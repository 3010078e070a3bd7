"""Second order through `with np.errstate(...)` blocks: the generated gradient runs its
adjoint under the error state the body saw (`with np.errstate(**fp_state)`), which
pullback reads again as `errstate_of(fp_state)`; hessian, hvp and reverse over reverse
against central differences of the gradient, straight-line, in a loop and in a callee,
and the error state the second-order code runs under."""

import warnings

import numpy as np
import pytest
from test_higher import check_reverse_over_reverse, check_second_order

import pullback

X = np.array([0.4, -1.3, 0.9])


def log_block(x):
    with np.errstate(divide="ignore"):
        y = np.log(np.abs(x) + 1.0)
    return np.sum(y * x)


def block_in_a_loop(x):
    t = 0.0
    for k in range(3):
        with np.errstate(invalid="ignore", over="ignore"):
            t = t + np.sum(np.sqrt(x * x + k) * np.tanh(x))
    return t


def _guarded(x):
    with np.errstate(all="ignore"):
        r = np.sum(x ** 3 / (1.0 + x * x))
    return r


def block_in_a_callee(x):
    return _guarded(x) * _guarded(np.sin(x))


@pytest.mark.parametrize("fn", [log_block, block_in_a_loop, block_in_a_callee],
                         ids=lambda f: f.__name__)
def test_hessian_hvp_and_reverse_over_reverse(fn):
    check_second_order(fn, (X,), np.random.default_rng(2), nonzero=True)
    check_reverse_over_reverse(fn, (X,))


def quiet_inf(x):
    with np.errstate(all="ignore"):
        y = 1.0 / (x - x[0])  # 1 / 0 at x[0]: inf, quietly (and inf * 0 in its derivatives)
    return np.sum(np.where(np.isfinite(y), y, 0.0) ** 2) + np.sum(x ** 3)


def test_the_second_order_code_runs_under_the_body_error_state():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning outside the block would raise
        hv = pullback.hvp(quiet_inf)(X, np.ones(3))
    assert np.all(np.isfinite(hv[1:]))
