"""Rules statsmodels' likelihoods call (no statsmodels here): np.require (its input
validation), SciPy distributions' standardized private methods (`stats.norm._cdf(x)` in
statsmodels' Probit, `stats.poisson._pmf(k, mu)` in its count models' predictions), each
in several spellings, grad, jvp and hvp against differences; a shape parameter of a cdf
stays refused, located."""

from __future__ import annotations

import numpy as np
import pytest
from fd import assert_derivatives_match
from scipy import stats

import pullback

X = np.array([0.3, -0.5, 0.8, 1.1])
K = np.array([1.0, 2.0, 0.0, 3.0])


def require_c(x):
    return np.sum(np.require(x, dtype=float, requirements=["C"]) ** 2)


def require_fortran_of_a_transpose(x):
    return np.sum(np.sin(np.require(np.outer(x, x).T, requirements=["F", "A"])))


def require_positional_own_data(x):
    return np.sum(np.require(x, np.float64, "O") ** 3)


def probit_loglike(x):
    q = np.array([1.0, -1.0, 1.0, 1.0])
    return np.sum(np.log(np.clip(stats.norm._cdf(q * x), 1e-15, 1.0)))


def probit_score_factor(x):
    return np.sum(stats.norm._pdf(x) / stats.norm._cdf(x))


def standardized_with_shapes(x):
    return np.sum(stats.t._logpdf(x, 5.0) + stats.t._cdf(x, 4.0) + stats.logistic._sf(x))


def log_tails(x):
    return np.sum(stats.norm._logsf(x) + stats.norm._logcdf(x) + stats.cauchy._logpdf(x))


def poisson_private(mu):
    return np.sum(np.log(stats.poisson._pmf(K, mu)) + stats.poisson._cdf(2.0, mu)
                  + stats.poisson._logpmf(K, mu))


@pytest.mark.parametrize("f", [require_c, require_fortran_of_a_transpose,
                               require_positional_own_data, probit_loglike,
                               probit_score_factor, standardized_with_shapes, log_tails])
def test_rules_in_x(f):
    assert_derivatives_match(f, (X,))


def test_poisson_private_in_mu():
    assert_derivatives_match(poisson_private, (np.array([0.5, 1.2, 2.0, 0.8]),))


def test_norm_private_cdf_is_the_density():
    np.testing.assert_allclose(pullback.grad(lambda x: np.sum(stats.norm._cdf(x)))(X),
                               stats.norm.pdf(X))


def test_shape_of_a_private_cdf_is_refused():
    def f(df):
        return np.sum(stats.t._cdf(X, df))

    with pytest.raises(pullback.PullbackError, match=r"t\.cdf with respect to df"):
        pullback.grad(f)(4.0)


def squeezed_difference(x):
    return np.squeeze(np.diff(np.array([x[0] * x[1], x[2] ** 2]), axis=0) / 1.3)


def interquartile_range(x):  # statsmodels' robust.scale.iqr
    quantiles = np.quantile(x, [0.25, 0.75], axis=0)
    return np.squeeze(np.diff(quantiles, axis=0) / 1.349)


def squeezed_second_difference_with_prepend(x):
    return np.squeeze(np.diff(x[:2], n=2, prepend=x[3]))


@pytest.mark.parametrize("f", [squeezed_difference, interquartile_range,
                               squeezed_second_difference_with_prepend])
def test_a_difference_squeezed_to_a_number(f):
    assert_derivatives_match(f, (X,))
