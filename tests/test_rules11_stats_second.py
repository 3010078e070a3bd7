"""Second order through scipy.stats' gradient helpers (rules/higher_stats.py): every
location-scale family and method of rules/scipy_stats.py in x, loc, scale and the shape
parameters (logpdf and pdf), poisson in mu, dirichlet in x and alpha; hessian and hvp
against central differences of the gradient, reverse over reverse, and the tangents
poisson and dirichlet gained (jvp against differences of the function)."""

from __future__ import annotations

import numpy as np
import pytest
from fd import numeric_grad
from test_higher import check_reverse_over_reverse, check_second_order

import pullback

st = pytest.importorskip("scipy.stats")

FAMILIES = {"norm": (), "logistic": (), "laplace": (), "cauchy": (), "expon": (),
            "uniform": (), "t": ("df",), "gamma": ("a",), "beta": ("a", "b"), "chi2": ("df",)}
METHODS = ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")


def _family_case(family, method):
    """f(x): family.method at points, shapes, loc and scale all moved by x (the shapes
    only for the densities: a cdf's shape parameters have no rule), broadcast."""
    call = getattr(getattr(st, family), method)
    count = len(FAMILIES[family])
    moved = method in ("logpdf", "pdf")

    def density0(points, x, loc, scale):
        return call(points, loc=loc, scale=scale)

    def density1(points, x, loc, scale):
        return call(points, 2.5 + x[2], loc=loc, scale=scale)

    def density2(points, x, loc, scale):
        return call(points, 2.5 + x[2], 3.5 + 2.0 * x[2], loc=loc, scale=scale)

    def cumulative1(points, x, loc, scale):
        return call(points, 2.5, loc=loc, scale=scale)

    def cumulative2(points, x, loc, scale):
        return call(points, 2.5, 3.5, loc=loc, scale=scale)

    density = (density0, density1, density2) if moved else (
        density0, cumulative1, cumulative2)
    density = density[count]

    def fn(x):
        if family in ("beta", "uniform"):  # inside the support (0, 1) of z
            points = 0.2 + 0.15 * x
            return np.sum(density(points, x, 0.05 * x[0], 1.0 + 0.1 * x[1]) * (1.0 + x))
        if family in ("gamma", "chi2", "expon"):
            points = 1.0 + x * x[::-1]
            return np.sum(density(points, x, 0.2 * x[0], 0.8 + x[1] * 0.5) * (1.0 + x))
        points = np.outer(x, [1.0, -0.5])
        return np.sum(density(points, x, x[:, None] * 0.3 + x[3], 0.5 + x[1])
                      * (1.0 + x[:, None]))
    fn.__name__ = f"{family}_{method}"
    return fn


CASES = [_family_case(f, m) for f in FAMILIES for m in METHODS]


def _point(fn):
    return np.random.default_rng(len(fn.__name__)).uniform(0.4, 1.1, size=4)


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_family_hessian_and_hvp(fn):
    rng = np.random.default_rng(len(fn.__name__))
    check_second_order(fn, (_point(fn),), rng)


@pytest.mark.parametrize("fn", CASES[::5], ids=lambda f: f.__name__)
def test_family_reverse_over_reverse(fn):
    check_reverse_over_reverse(fn, (_point(fn),))


def t_in_df(x):
    return np.sum(st.t.logpdf(x, df=1.5 + x * x[0])) + st.t.pdf(x[1], x[2] + 2.0, scale=x[3])


def gamma_beta_shapes(x):
    return np.sum(st.gamma.logpdf(2.0 * x, x[::-1] + 1.0) + st.beta.pdf(0.3, x + 0.5, x[0]))


def chi2_df_scale(x):
    return np.sum(st.chi2.logpdf(x + 1.0, 3.0 * x, scale=x[1] + 0.5))


def likelihood_t(x):  # a Student-t model's log likelihood in its location, scale and df
    data = np.array([0.3, -1.2, 0.8, 2.0, 0.1])
    return np.sum(st.t.logpdf(data, np.exp(x[2]) + 1.0, x[0], np.exp(x[1])))


SHAPES = [t_in_df, gamma_beta_shapes, chi2_df_scale]


@pytest.mark.parametrize("fn", SHAPES, ids=lambda f: f.__name__)
def test_shape_parameters(fn):
    rng = np.random.default_rng(11)
    x = rng.uniform(0.6, 1.3, size=4)
    check_second_order(fn, (x,), rng, nonzero=True)
    check_reverse_over_reverse(fn, (x,))


def test_t_likelihood():
    rng = np.random.default_rng(2)
    x = np.array([0.2, -0.3, 0.4])
    check_second_order(likelihood_t, (x,), rng, nonzero=True)


def poisson_methods(x):
    k = np.array([0.0, 1.0, 3.0, 6.0])
    return (np.sum(st.poisson.logpmf(k, x * 2.0)) + np.sum(st.poisson.pmf(k, x[0] + x))
            + np.sum(st.poisson.cdf(k, x * x) * x) + np.sum(st.poisson.logcdf(k, x + 1.0))
            + np.sum(st.poisson.sf(k, 3.0 * x)) + np.sum(st.poisson.logsf(k[:, None], x)))


def poisson_likelihood(x):
    counts = np.array([2, 0, 5, 3, 1])
    return np.sum(st.poisson.logpmf(counts, np.exp(x[0] + x[1] * np.arange(5.0))))


def dirichlet_in_x(x):
    p = np.exp(x) / np.sum(np.exp(x))
    return st.dirichlet.logpdf(p, np.array([1.5, 2.0, 3.0, 0.7])) + st.dirichlet.pdf(p, p + 1.0)


def dirichlet_in_alpha(x):
    samples = np.array([[0.2, 0.5], [0.3, 0.1], [0.4, 0.2], [0.1, 0.2]])
    return np.sum(st.dirichlet.logpdf(samples, x * x + 0.5)) + st.dirichlet.pdf(
        samples[:, 0], x + 1.0) * x[0]


DISCRETE = [poisson_methods, poisson_likelihood, dirichlet_in_x, dirichlet_in_alpha]


@pytest.mark.parametrize("fn", DISCRETE, ids=lambda f: f.__name__)
def test_poisson_and_dirichlet(fn):
    rng = np.random.default_rng(len(fn.__name__))
    x = rng.uniform(0.4, 1.2, size=4) if fn is not poisson_likelihood else np.array([0.3, 0.1])
    check_second_order(fn, (x,), rng, nonzero=True)
    check_reverse_over_reverse(fn, (x,))


@pytest.mark.parametrize("fn", DISCRETE, ids=lambda f: f.__name__)
def test_tangents(fn):
    rng = np.random.default_rng(3)
    x = rng.uniform(0.4, 1.2, size=4) if fn is not poisson_likelihood else np.array([0.3, 0.1])
    v = rng.normal(size=x.shape)
    value, tangent = pullback.jvp(fn)(x, v)
    assert value == pytest.approx(fn(x), rel=1e-12)
    assert tangent == pytest.approx(float(numeric_grad(fn, (x,)) @ v), rel=1e-6)


def test_poisson_hessian_closed_form():
    """d2/dmu2 sum(logpmf(k, mu)) = -sum(k) / mu^2."""
    k = np.array([2.0, 0.0, 5.0])
    H = pullback.hessian(lambda mu: np.sum(st.poisson.logpmf(k, mu)))(1.7)
    assert H == pytest.approx(-7.0 / 1.7 ** 2, rel=1e-12)


# ------------------------------------------------------------ multivariate_normal

def _spd(x):
    A = np.array([[1.5, 0.2, 0.1], [0.3, 1.2, -0.2], [0.0, 0.4, 1.1]])
    return A @ A.T + np.diag(x[:3] * x[:3])


def mvn_logpdf_one(x):
    return st.multivariate_normal.logpdf(x[:3] * x[3], x[::-1][:3], _spd(x))


def mvn_pdf_samples(x):
    samples = np.outer([1.0, -0.5, 0.3, 0.8], x[:3]) + x[3]
    return np.sum(st.multivariate_normal.pdf(samples, x[1:] * 0.5, _spd(x[::-1])) * x)


def mvn_lower_triangle(x):  # SciPy reads cov's lower triangle: the upper one is ignored
    cov = _spd(x) + np.triu(np.outer(x[:3], x[1:]), 1)
    return st.multivariate_normal.logpdf(np.array([0.2, -0.4, 0.5]) * x[0], x[1:], cov)


def mvn_diagonal_and_scalar(x):
    return (st.multivariate_normal.logpdf(x[:2], x[2:], x[:2] + 1.0)
            + np.sum(st.multivariate_normal.logpdf(x, None, x[0] * 2.0))
            + np.sum(st.multivariate_normal.pdf(x * x, x[1], 1.0 + x[3])))


def mvn_entropy(x):
    return st.multivariate_normal.entropy(None, _spd(x)) * x[0] \
        + st.multivariate_normal.entropy(np.zeros(2), x[:2] + 0.5)


MVN = [mvn_logpdf_one, mvn_pdf_samples, mvn_lower_triangle, mvn_diagonal_and_scalar,
       mvn_entropy]


@pytest.mark.parametrize("fn", MVN, ids=lambda f: f.__name__)
def test_multivariate_normal(fn):
    rng = np.random.default_rng(len(fn.__name__))
    x = rng.uniform(0.4, 1.1, size=4)
    check_second_order(fn, (x,), rng, nonzero=True)
    check_reverse_over_reverse(fn, (x,))


@pytest.mark.parametrize("fn", MVN, ids=lambda f: f.__name__)
def test_multivariate_normal_tangents(fn):
    rng = np.random.default_rng(8)
    x, v = rng.uniform(0.4, 1.1, size=4), rng.normal(size=4)
    value, tangent = pullback.jvp(fn)(x, v)
    assert value == pytest.approx(fn(x), rel=1e-12)
    assert tangent == pytest.approx(float(numeric_grad(fn, (x,)) @ v), rel=1e-6)


def test_mvn_hessian_in_the_mean_closed_form():
    """d2/dmean2 logpdf(x; mean, S) = -inv(S)."""
    S = np.array([[2.0, 0.3], [0.3, 1.0]])
    H = pullback.hessian(lambda m: st.multivariate_normal.logpdf(np.array([0.5, 1.0]), m, S))(
        np.array([0.1, -0.2]))
    np.testing.assert_allclose(H, -np.linalg.inv(S), rtol=1e-12)
