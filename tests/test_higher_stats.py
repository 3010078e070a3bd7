"""scipy.stats distributions in forward mode and at second order: every location-scale
family's methods have a tangent now (jvp against differences of the function), and
scipy.stats.norm's logpdf and pdf have second order (hessian, hvp and reverse over
reverse against central differences of the gradient, in x, loc and scale); the other
families' second order: tests/test_rules11_stats_second.py."""

from __future__ import annotations

import numpy as np
import pytest
from fd import numeric_grad
from test_higher import check_reverse_over_reverse, check_second_order

import pullback

st = pytest.importorskip("scipy.stats")


def norm_logpdf(x):
    return np.sum(st.norm.logpdf(x, loc=x[0] * 0.5, scale=1.0 + x[1] ** 2))


def norm_pdf(x):
    return np.sum(st.norm.pdf(x * 2.0, x[::-1], scale=0.5 + x[2]) * x)


def norm_logpdf_broadcast(x):
    return np.sum(st.norm.logpdf(np.outer(x, x), x[:, None], x[3] + 1.0))


def likelihood(x):  # a Gaussian model's log likelihood in its mean and log scale
    data = np.array([0.3, -1.2, 0.8, 2.0, 0.1])
    return np.sum(st.norm.logpdf(data, x[0], np.exp(x[1])))


SECOND = [norm_logpdf, norm_pdf, norm_logpdf_broadcast, likelihood]


@pytest.mark.parametrize("fn", SECOND, ids=lambda f: f.__name__)
def test_norm_second_order(fn):
    rng = np.random.default_rng(len(fn.__name__))
    x = rng.uniform(0.3, 1.2, size=4)
    check_second_order(fn, (x,), rng, nonzero=True)
    check_reverse_over_reverse(fn, (x,))


def test_likelihood_hessian_closed_form():
    """d2/dmu2 = -n / s^2 for a normal log likelihood."""
    x = np.array([0.2, np.log(1.5)])
    H = pullback.hessian(likelihood)(x)
    assert H[0, 0] == pytest.approx(-5 / 1.5 ** 2, rel=1e-12)


def t_pdf(x):
    return np.sum(st.t.pdf(x, 3.0 + x[2], loc=0.1, scale=2.0))


def gamma_logcdf(x):
    return np.sum(st.gamma.logcdf(x + 2.0, 2.5, scale=1.5 + x[0]))


def logistic_sf(x):
    return np.sum(st.logistic.sf(x, x[1], 0.7) * x)


@pytest.mark.parametrize("fn", [norm_logpdf, norm_pdf, t_pdf, gamma_logcdf, logistic_sf],
                         ids=lambda f: f.__name__)
def test_distribution_tangents(fn):
    rng = np.random.default_rng(4)
    x, v = rng.uniform(0.3, 1.2, size=4), rng.normal(size=4)
    value, tangent = pullback.jvp(fn)(x, v)
    assert value == pytest.approx(fn(x), rel=1e-12)
    assert tangent == pytest.approx(float(numeric_grad(fn, (x,)) @ v), rel=1e-6)
