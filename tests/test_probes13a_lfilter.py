"""scipy.signal.lfilter (rules/lfilter.py), as signal-processing code calls it: the
gradient and tangent in the numerator b, the denominator a and the signal x (1-D and
along an axis of a 2-D signal), second order in x, float32 kept, all against central
differences; zi= and second derivatives in a are refused, located."""

import numpy as np
import pytest
import scipy.signal
from fd import assert_grad_matches
from scipy.signal import lfilter
from test_higher import check_second_order

import pullback

B = np.array([0.5, 0.3, 0.1])
A = np.array([1.2, -0.4, 0.1])


def energy_in_b(b, x):
    return np.sum(lfilter(b, [1.0, -0.5], x) ** 2)


def sine_in_a(a, b, x):
    return np.sum(np.sin(scipy.signal.lfilter(b, a, x)))


def weighted_in_x(x, b=B, a=A):
    y = lfilter(b, a, x)
    return np.sum(y ** 2 * np.arange(len(x)))


def columns_in_x(x, b=B, a=A):
    return np.sum(np.tanh(lfilter(b, a, x, axis=0)) ** 2)


def rows_in_a(a, b, x):
    return np.sum(np.cos(lfilter(b, a, x, axis=1)))


rng0 = np.random.default_rng(11)
X = rng0.normal(size=8)
CASES = [
    (energy_in_b, (B, X)),
    (sine_in_a, (A, B, X)),
    (weighted_in_x, (X,)),
    (columns_in_x, (rng0.normal(size=(6, 2)),)),
    (rows_in_a, (A, B, rng0.normal(size=(2, 6)))),
    (sine_in_a, (A, B, X[:2])),  # shorter than the filter
]
IDS = [f"{c[0].__name__}{i}" for i, c in enumerate(CASES)]


@pytest.mark.parametrize("fn, args", CASES, ids=IDS)
def test_gradient_and_tangent(fn, args):
    assert_grad_matches(fn, args)
    v = np.random.default_rng(3).normal(size=np.shape(args[0]))
    value, tangent = pullback.jvp(fn)(*args, v)
    h = 1e-6
    expected = (fn(args[0] + h * v, *args[1:]) - fn(args[0] - h * v, *args[1:])) / (2 * h)
    assert np.isclose(value, fn(*args)) and np.isclose(tangent, expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("fn, args", [CASES[2], CASES[3]], ids=IDS[2:4])
def test_second_order_in_the_signal(fn, args):
    check_second_order(fn, args, np.random.default_rng(2), nonzero=True)


def test_float32_kept():
    g = pullback.grad(weighted_in_x)(X.astype(np.float32))
    assert g.dtype == np.float32
    assert np.allclose(g, pullback.grad(weighted_in_x)(X), rtol=1e-4, atol=1e-4)


def with_initial_state(x):
    y, _ = lfilter(B, A, x, zi=np.zeros(2))
    return np.sum(y ** 2)


def test_initial_conditions_refused():
    with pytest.raises(pullback.PullbackError, match="zi="):
        pullback.grad(with_initial_state)(X)


def test_second_order_in_a_refused_located():
    with pytest.raises(pullback.NoRuleError, match="lfilter_grad_a"):
        pullback.hvp(sine_in_a)(A, B, X, np.ones(3))
