"""Frozen scipy.stats distributions in objectives (`norm(mu, s).logpdf(x)`, and bound
to a name first): each method call is the distribution's own with the frozen shapes,
loc and scale (lower/made_callables.py), differentiated by its rule. grad, jvp and hvp
against central differences; other uses of a frozen distribution stay refused, located."""

import numpy as np
import pytest
import scipy.stats
from fd import assert_derivatives_match
from scipy import stats
from scipy.stats import gamma, norm

import pullback

RNG = np.random.default_rng(11)
X = np.array([0.3, -1.2, 0.8, 2.1])


def inline_norm(theta, x):
    return np.sum(norm(theta[0], np.exp(theta[1])).logpdf(x))


def assigned_keywords(theta, x):
    d = norm(loc=theta[0], scale=np.exp(theta[1]))
    return np.sum(d.logpdf(x))


def module_spelled(theta, x):
    dist = scipy.stats.norm(theta[0], np.exp(theta[1]))
    return -np.sum(dist.logpdf(x)) + dist.cdf(0.5) * 3.0


def student_t(theta, x):
    return np.sum(stats.t(np.exp(theta[0]) + 1.0).logpdf(x - theta[1]))


def gamma_scale(theta, x):
    d = gamma(np.exp(theta[0]), scale=np.exp(theta[1]))
    return np.sum(d.logpdf(np.abs(x) + 0.1))


def cdf_family(theta, x):
    d = norm(theta[0], np.exp(theta[1]))
    return np.sum(d.cdf(x)) + np.sum(d.logcdf(x)) + np.sum(d.sf(x)) + np.sum(d.pdf(x))


def in_a_loop(theta, x):
    total = 0.0
    for i in range(2):
        total = total + np.sum(norm(theta[i], 1.5).logpdf(x))
    return total


def frozen_multivariate(mean, x):
    return stats.multivariate_normal(mean, np.eye(2) * 2.0).logpdf(x)


@pytest.mark.parametrize("f", [inline_norm, assigned_keywords, module_spelled, student_t,
                               gamma_scale, cdf_family, in_a_loop])
def test_frozen(f):
    assert_derivatives_match(f, [np.array([0.2, -0.3]), X], rng=RNG)


def test_frozen_in_x():
    assert_derivatives_match(assigned_keywords, [np.array([0.2, -0.3]), X], wrt=1, rng=RNG)


def test_frozen_multivariate():
    assert_derivatives_match(frozen_multivariate, [np.array([0.2, -0.3]), np.array([0.5, 0.1])],
                             rng=RNG)


def test_closed_form():
    # d/dmu sum log N(x; mu, s) = sum(x - mu) / s^2
    g = pullback.grad(assigned_keywords)(np.array([0.2, np.log(1.5)]), X)
    assert np.isclose(g[0], np.sum(X - 0.2) / 1.5 ** 2, rtol=1e-12)


def passed_on(theta, x):
    d = norm(theta[0], 1.0)
    return np.sum(helper(d, x))


def helper(d, x):
    return d.logpdf(x)


def unknown_method(theta, x):
    d = norm(theta[0], 1.0)
    return np.sum(d.logfoo(x))


def rvs_positional(theta, x):
    return np.sum(norm(theta[0], 1.0).rvs(3, random_state=0))


@pytest.mark.parametrize("f, what", [(passed_on, "norm"), (unknown_method, "logfoo"),
                                     (rvs_positional, "rvs")])
def test_refused_located(f, what):
    with pytest.raises(pullback.PullbackError, match=what) as e:
        pullback.grad(f)(np.array([0.2, -0.3]), X)
    assert "test_leftovers20_frozen.py" in str(e.value)
