"""np.lib.stride_tricks.sliding_window_view (rules/windows.py), as convolution and
pooling code spells it: gradient, jvp, hvp/hessian and jacobian (both modes) against
central differences, float32 kept, in several spellings (imported name, module path,
axis=, windows of a 2-D image through einsum)."""

import numpy as np
import numpy.lib.stride_tricks as st
import pytest
from fd import assert_grad_matches, numeric_grad
from numpy.lib.stride_tricks import sliding_window_view
from test_higher import check_second_order

import pullback


def conv2d(x, w):
    patches = sliding_window_view(x, w.shape)
    out = np.einsum("ijkl,kl->ij", patches, w)
    return np.sum(np.tanh(out) ** 2)


def maxpool_mean(x):
    win = sliding_window_view(x, 3)
    return np.sum(np.max(win, axis=-1) ** 2) + np.sum(win.mean(-1) * np.arange(len(x) - 2))


def along_axis(x):
    return np.sum(np.sin(st.sliding_window_view(x, 2, axis=1)) * 1.5)


def same_axis_twice(x):
    return np.sum(np.cos(np.lib.stride_tricks.sliding_window_view(x, (2, 2), axis=(0, 0))))


def moving_average(x, k=3):
    ma = sliding_window_view(x, k).mean(axis=1)
    return np.sum((ma - x[k - 1:]) ** 2)


rng0 = np.random.default_rng(7)
CASES = [
    (conv2d, (rng0.normal(size=(5, 5)), rng0.normal(size=(2, 2)))),
    (maxpool_mean, (rng0.normal(size=7),)),
    (along_axis, (rng0.normal(size=(3, 4)),)),
    (same_axis_twice, (rng0.normal(size=(6, 2)),)),
    (moving_average, (rng0.normal(size=8),)),
]
IDS = [c[0].__name__ for c in CASES]


@pytest.mark.parametrize("fn, args", CASES, ids=IDS)
def test_gradient_and_tangent(fn, args):
    assert_grad_matches(fn, args)
    v = np.random.default_rng(3).normal(size=np.shape(args[0]))
    value, tangent = pullback.jvp(fn)(*args, v)
    h = 1e-6
    expected = (fn(args[0] + h * v, *args[1:]) - fn(args[0] - h * v, *args[1:])) / (2 * h)
    assert np.isclose(value, fn(*args)) and np.isclose(tangent, expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("fn, args", CASES, ids=IDS)
def test_second_order(fn, args):
    check_second_order(fn, args, np.random.default_rng(2))


def test_the_window_of_a_convolution_kernel_and_image_both():
    x, w = CASES[0][1]
    gx, gw = pullback.grad(conv2d, wrt=(0, 1))(x, w)
    assert np.allclose(gx, numeric_grad(conv2d, (x, w), wrt=0), atol=1e-6)
    assert np.allclose(gw, numeric_grad(conv2d, (x, w), wrt=1), atol=1e-6)


def windows(x):
    return sliding_window_view(x, 3) * np.arange(1.0, 4.0)


@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_jacobian_both_modes(mode):
    x = rng0.normal(size=6)
    J = pullback.jacobian(windows, mode=mode)(x)
    expected = np.zeros((4, 3, 6))
    for i in range(4):
        for k in range(3):
            expected[i, k, i + k] = k + 1.0
    assert np.allclose(J, expected)


def test_float32_kept():
    x = rng0.normal(size=(5, 5)).astype(np.float32)
    w = rng0.normal(size=(2, 2)).astype(np.float32)
    g = pullback.grad(conv2d)(x, w)
    assert g.dtype == np.float32
    assert np.allclose(g, pullback.grad(conv2d)(x.astype(float), w.astype(float)), atol=1e-4)
