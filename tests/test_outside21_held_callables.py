"""Calls through objects held by other objects, as statsmodels' families and links make
them (no statsmodels here): a library object's method that has a rule, reached through
an attribute (`self.dbn.cdf(z)` with `self.dbn = scipy.stats.norm`, a GLM link's
inverse), and an object with a `__call__` of the user's that another object holds
(`family.variance(mu)`): grad, jvp and hvp against differences; a library method
without a rule stays refused, located."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
from fd import assert_derivatives_match

import pullback


class CDFLink:
    def __init__(self, dbn=scipy.stats.norm):
        self.dbn = dbn

    def inverse(self, z):
        return self.dbn.cdf(z)

    def inverse_deriv(self, z):
        return self.dbn.pdf(z)

    def log_inverse(self, z):
        dbn = self.dbn
        return dbn.logcdf(z) + dbn.logsf(z)

    def quantile(self, p):
        return self.dbn.ppf(p)


class Power:
    def __init__(self, power=2.0):
        self.power = power

    def __call__(self, mu):
        return np.power(np.abs(mu), self.power)


class Family:
    def __init__(self, link, variance):
        self.link, self.variance = link, variance

    def loglike(self, y, z):
        mu = self.link.inverse(z)
        return np.sum(y * np.log(mu) + (1 - y) * np.log(1 - mu) - 0.1 * self.variance(mu))


PROBIT, CAUCHY = CDFLink(), CDFLink(scipy.stats.cauchy)
FAMILY = Family(PROBIT, Power(1.5))
Y = np.array([1.0, 0.0, 1.0, 1.0])


def probit_inverse(z):
    return np.sum(PROBIT.inverse(z) ** 2)


def cauchy_inverse_and_deriv(z):
    return np.sum(CAUCHY.inverse(z) * CAUCHY.inverse_deriv(z))


def log_inverse_through_a_name(z):
    return np.sum(PROBIT.log_inverse(z))


def held_dbn_directly(z):
    return np.sum(PROBIT.dbn.cdf(z))


def variance_held_by_a_global(mu):
    return np.sum(FAMILY.variance(mu))


def variance_in_a_method(z):
    return FAMILY.loglike(Y, z)


@pytest.mark.parametrize("f", [probit_inverse, cauchy_inverse_and_deriv,
                               log_inverse_through_a_name, held_dbn_directly,
                               variance_held_by_a_global, variance_in_a_method])
def test_held_callables(f):
    assert_derivatives_match(f, (np.array([0.3, -0.5, 0.8, 1.1]),))


def test_probit_inverse_is_the_density():
    z = np.array([0.3, -0.5, 0.8])
    np.testing.assert_allclose(pullback.grad(lambda z: np.sum(PROBIT.inverse(z)))(z),
                               scipy.stats.norm.pdf(z))


def test_a_held_library_method_without_a_rule_stays_refused():
    def f(p):
        return np.sum(PROBIT.quantile(p))

    with pytest.raises(pullback.PullbackError, match=r"dbn\.ppf") as info:
        pullback.grad(f)(np.array([0.2, 0.7]))
    assert "return self.dbn.ppf(p)" in str(info.value)
