"""Forward-mode spellings that cost less and compute the same numbers: the tangent of
np.sum / np.mean as the reduction itself (`sum_tangent`, `mean_tangent`, without
NumPy's dispatch), and a negated term subtracted (`dx - dy`, not `dx + -dy`). Each jvp is
checked against the gradient contracted with the direction, in several spellings, and
the helpers against NumPy's own result, bit for bit."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import pullback
from pullback.rules.tangent_support import mean_tangent, sum_tangent


def sums(x):
    return np.sum(np.sin(x), axis=1, keepdims=True).sum() + np.sum(x * x, axis=(0, 1))


def means(x):
    return np.mean(np.exp(x), axis=-1) @ np.mean(x, 1) + np.mean(np.cos(x))


def sums_keyword(x):
    return np.sum(a=np.tanh(x), axis=0, keepdims=False)[1] * np.mean(a=x * x, axis=None)


def sums_with_where(x):  # where= is not spelled: np.sum itself
    return np.sum(np.sin(x), where=x > 0) + np.mean(x * x, axis=1, where=x < 1).sum()


def sums_with_dtype(x):
    return np.sum(x * x, dtype=np.float64) + np.mean(np.sin(x), axis=0, dtype=np.float64)[0]


def softmax_loss(x):
    z = x - np.max(x, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.mean(logp[np.arange(x.shape[0]), [0, 1, 2]])


def differences(x, y):
    return np.sum((np.sin(x) - y * x) ** 2) - np.mean(y / (2.0 + x * x))


FUNCTIONS = [sums, means, sums_keyword, sums_with_where, sums_with_dtype, softmax_loss]


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
def test_jvp_matches_the_gradient_along_the_direction(fn):
    rng = np.random.default_rng(3)
    x, v = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    value, tangent = pullback.jvp(fn)(x, v)
    assert value == fn(x)
    np.testing.assert_allclose(tangent, np.sum(pullback.grad(fn)(x) * v), rtol=1e-10,
                               atol=1e-12)


def test_two_arguments_and_subtracted_terms():
    rng = np.random.default_rng(4)
    x, y, dx, dy = (rng.normal(size=5) for _ in range(4))
    _, tangent = pullback.jvp(differences, wrt=(0, 1))(x, y, (dx, dy))
    gx, gy = pullback.grad(differences, wrt=(0, 1))(x, y)
    np.testing.assert_allclose(tangent, gx @ dx + gy @ dy, rtol=1e-10)
    assert "+ -" not in pullback.source(differences, mode="jvp", wrt=(0, 1))


def test_which_calls_are_spelled():
    assert "sum_tangent(" in pullback.source(sums, mode="jvp")
    assert "mean_tangent(" in pullback.source(means, mode="jvp")
    tangents = [line.strip() for line in pullback.source(sums_with_where, mode="jvp")
                .splitlines() if line.strip().startswith("d")]
    assert any(t.count("np_sum(") and "where=" in t for t in tangents)
    assert any(t.count("np_mean(") and "where=" in t for t in tangents)


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2), (2, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_helpers_give_numpys_numbers(axis, keepdims):
    a = np.random.default_rng(5).normal(size=(3, 4, 5))
    for helper, reference in ((sum_tangent, np.sum), (mean_tangent, np.mean)):
        got = helper(a, axis, keepdims=keepdims)
        expected = reference(a, axis, keepdims=keepdims)
        assert type(got) is type(expected)
        np.testing.assert_array_equal(got, expected)
    for odd in (np.float64(2.5), np.zeros((0, 3)), a.astype(np.float32), [1.0, 2.0]):
        for helper, reference in ((sum_tangent, np.sum), (mean_tangent, np.mean)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                np.testing.assert_array_equal(helper(odd, 0 if np.ndim(odd) else None),
                                              reference(odd, 0 if np.ndim(odd) else None))


def test_second_order_through_the_spelled_tangents():
    rng = np.random.default_rng(6)
    x, v = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    for fn in (sums, means):
        # the hvp's tangent code is differentiated once more by forward mode here
        H = pullback.hessian(fn)(x).reshape(12, 12)
        eps = 1e-5
        cols = [(pullback.grad(fn)(x + eps * e.reshape(3, 4))
                 - pullback.grad(fn)(x - eps * e.reshape(3, 4))).ravel() / (2 * eps)
                for e in np.eye(12)]
        np.testing.assert_allclose(H, np.stack(cols, axis=1), rtol=1e-5, atol=1e-6)
        value, tangent = pullback.jvp(pullback.jvp(fn), wrt=0)(x, v, v)
        np.testing.assert_allclose(tangent[1], v.ravel() @ H @ v.ravel(), rtol=1e-6)
