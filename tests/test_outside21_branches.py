"""A call with no derivative rule in a branch the call never takes (statsmodels' predict:
`if which == "mean": return mu ... elif which == "prob": return nbinom.pmf(y, n, p)`,
called with which="mean" by the log-likelihood) does not refuse the whole function: it is
refused, located, when the branch runs (no statsmodels here). grad, jvp and hvp against
differences where the other side runs; the located refusal where the branch runs, in
each mode; a refusal outside any branch stays a transform-time one."""

from __future__ import annotations

import numpy as np
import pytest
from fd import assert_derivatives_match
from scipy import stats

import pullback

Y = np.array([0.0, 1.0, 3.0])


def predict(p, which="mean"):
    mu = np.exp(p)
    if which == "mean":
        return mu
    elif which == "linear":
        return p
    elif which == "prob":
        return stats.nbinom.pmf(Y, mu, 0.5)
    raise ValueError(which)


class Model:
    def __init__(self, y):
        self.y = y

    def predict(self, p, which="mean"):
        mu = np.exp(p)
        if which == "prob":
            return stats.nbinom.pmf(self.y, mu, 0.5)
        return mu

    def loglike(self, p):
        mu = self.predict(p)
        return np.sum(self.y * np.log(mu) - mu)


MODEL = Model(Y)
MODE = "mean"


def default_option(p):
    return np.sum(predict(p) ** 2)


def keyword_option(p, which):
    return np.sum(predict(p, which=which) * 2.0)


def method_of_a_held_model(p):
    return MODEL.loglike(p)


def global_option(p):
    mu = np.exp(p)
    if MODE == "mean":
        out = mu
    else:
        out = stats.nbinom.logpmf(Y, mu, 0.5)
    return np.sum(out * mu)


def early_return(p):
    if np.sum(p) > -10.0:
        return np.sum(np.sin(p))
    return np.sum(stats.nbinom.pmf(Y, np.exp(p), 0.5))


P = np.array([0.1, -0.2, 0.3])


@pytest.mark.parametrize("f", [default_option, method_of_a_held_model, global_option,
                               early_return])
def test_the_other_side_runs(f):
    assert_derivatives_match(f, (P,))


@pytest.mark.parametrize("which", ["mean", "linear"])
def test_an_option_passed_by_the_caller(which):
    assert_derivatives_match(keyword_option, (P, which))


def test_the_method_is_the_closed_form():
    np.testing.assert_allclose(pullback.grad(method_of_a_held_model)(P), Y - np.exp(P))


@pytest.mark.parametrize("mode", ["grad", "jvp", "hvp"])
def test_the_branch_that_runs_is_refused_located(mode):
    call = {"grad": lambda: pullback.grad(keyword_option)(P, "prob"),
            "jvp": lambda: pullback.jvp(keyword_option)(P, "prob", np.ones(3)),
            "hvp": lambda: pullback.hvp(keyword_option)(P, "prob", np.ones(3))}[mode]
    with pytest.raises(pullback.PullbackError, match="no derivative rule for stats.nbinom.pmf"
                       ) as info:
        call()
    assert "return stats.nbinom.pmf(Y, mu, 0.5)" in str(info.value)
    assert "test_outside21_branches.py" in str(info.value)


def test_outside_a_branch_the_refusal_is_made_at_transform_time():
    def f(p):
        return np.sum(stats.nbinom.pmf(Y, np.exp(p), 0.5))

    with pytest.raises(pullback.PullbackError, match="no derivative rule for stats.nbinom.pmf"):
        pullback.source(f)
