"""Parameters passed None, specialized on (as pullback specializes on functions passed):
a branch that tests one (`if ax is not None:`, `if ax:`, `if callback:`) and holds code
pullback refuses (a plotting call receiving a value being differentiated) is dropped
for calls passing None, in grad, value_and_grad, vjp, jvp, hvp, hessian and grad of
grad; a call passing another value runs the code made for what it passes None, or is
refused, located (the refusal of the code that would run, or the branch's line)."""

from __future__ import annotations

import numpy as np
import pytest

import pullback
from pullback.errors import PullbackError

plt = pytest.importorskip("matplotlib.pyplot")  # (MPLBACKEND: conftest or Agg by default)


def plot_if_given(x, ax=None):
    y = np.sin(x) * x
    if ax is not None:
        plt.plot(y)
        ax.set_title(f"{np.sum(y):.3f}")
    return np.sum(y ** 2)


def plot_if_truthy(x, ax=None, scale=2.0):
    y = np.cos(x) * scale
    if ax:
        plt.scatter(y, y)
    return np.sum(y * x)


def report_each_step(x, callback=None):
    y = x
    for i in range(3):
        y = np.sin(y) + 0.5 * x
        if callback:
            plt.plot(y)
            callback(i, y)
    return np.sum(y ** 2)


def two_switches(x, ax=None, log=None):
    y = np.exp(0.3 * x)
    if ax is not None and log is None:
        plt.plot(y)
    if not log:
        y = y * 2.0
    else:
        plt.plot(y * 3.0)
    return np.sum(y * x) if ax is None else np.sum(y)


CASES = [plot_if_given, plot_if_truthy, report_each_step, two_switches]
X = np.array([0.3, -0.5, 0.9])


def _numeric_grad(f, x, h=1e-6):
    return np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(x.size)])


@pytest.mark.parametrize("f", CASES, ids=lambda f: f.__name__)
def test_first_order_with_none(f):
    expected = _numeric_grad(f, X)
    np.testing.assert_allclose(pullback.grad(f)(X), expected, rtol=1e-6)
    value, gradient = pullback.value_and_grad(f)(X)
    assert value == pytest.approx(f(X))
    np.testing.assert_allclose(gradient, expected, rtol=1e-6)
    np.testing.assert_allclose(pullback.vjp(f)(X, 1.0), expected, rtol=1e-6)
    v = np.array([1.0, 2.0, -0.5])
    assert pullback.jvp(f)(X, v)[1] == pytest.approx(expected @ v, rel=1e-6)


@pytest.mark.parametrize("f", CASES, ids=lambda f: f.__name__)
def test_second_order_with_none(f):
    gradient = pullback.grad(f)
    H = np.array([(gradient(X + 1e-5 * e) - gradient(X - 1e-5 * e)) / 2e-5
                  for e in np.eye(X.size)]).T
    np.testing.assert_allclose(pullback.hessian(f)(X), H, rtol=1e-5, atol=1e-7)
    v = np.array([1.0, 2.0, -0.5])
    np.testing.assert_allclose(pullback.hvp(f)(X, v), H @ v, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(pullback.grad(lambda x: gradient(x) @ v)(X), H.T @ v,
                               rtol=1e-5, atol=1e-7)


def test_none_passed_explicitly_and_by_keyword():
    expected = _numeric_grad(plot_if_given, X)
    np.testing.assert_allclose(pullback.grad(plot_if_given)(X, None), expected, rtol=1e-6)
    np.testing.assert_allclose(pullback.grad(plot_if_given)(X, ax=None), expected, rtol=1e-6)


def test_another_value_runs_the_code_made_for_it_or_is_refused_located():
    fig, ax = plt.subplots()
    try:
        with pytest.raises(PullbackError, match="plt.plot") as info:
            pullback.grad(plot_if_given)(X, ax)
        assert "test_none_parameters.py" in str(info.value) and "plt.plot(y)" in str(info.value)
        # made for log=None only: ax given, log None: the branch with plt.plot is taken
        with pytest.raises(PullbackError, match="plt.plot"):
            pullback.grad(two_switches)(X, ax)
        # ax None, log given: the code for log=None is not what runs (else: plt.plot)
        with pytest.raises(PullbackError, match="plt.plot"):
            pullback.grad(two_switches)(X, None, "log")
        # second order runs the code made for None: a value is refused where it is tested
        with pytest.raises(PullbackError, match="ax=None") as info:
            pullback.hvp(plot_if_given)(X, ax, np.ones(3))
        assert "if ax is not None:" in str(info.value)
        with pytest.raises(PullbackError, match="ax=None"):
            pullback.hessian(plot_if_given)(X, ax)
    finally:
        plt.close(fig)


def test_a_gradient_that_needs_no_specialization_is_unchanged():
    def plain(x, ax=None):
        return np.sum(x ** 2) if ax is None else np.sum(x)

    source = pullback.source(plain)
    assert "none_given" not in source  # made as before: the value of ax is read
    np.testing.assert_allclose(pullback.grad(plain)(X, 1), np.ones(3))


def test_a_refusal_outside_the_branches_stands_at_once():
    def refused(x, ax=None):
        plt.plot(x)
        return np.sum(x)

    with pytest.raises(PullbackError, match="plt.plot"):
        pullback.grad(refused)


def test_a_parameter_assigned_is_not_specialized():
    def reassigned(x, ax=None):
        if ax is None:
            ax = 1.0
        if ax is not None:
            plt.plot(x)
        return np.sum(x * ax)

    with pytest.raises(PullbackError, match="plt.plot"):
        pullback.grad(reassigned)
