"""The rules of rules/special_added.py (scipy.special's softplus, log_expit, Box-Cox
transforms, huber losses, ...): gradient against central differences, the jvp against
the gradient, and hessian, hvp and reverse over reverse against differences of the
gradient, each function in more than one spelling (scalars, arrays, broadcasting, both
arguments); closed forms where they are short."""

from __future__ import annotations

import numpy as np
import pytest

scipy_special = pytest.importorskip("scipy.special")
from fd import numeric_grad  # noqa: E402
from test_higher import check_reverse_over_reverse, check_second_order  # noqa: E402

import pullback  # noqa: E402

special = scipy_special
W = np.array([0.7, -1.1, 0.4])


def softplus(x):
    return np.sum(special.softplus(x * 2.0) * W)


def log_expit(x):
    return np.sum(special.log_expit(x) ** 2)


def exponentials(x):
    return np.sum(special.exp2(x) * W + special.exp10(x * 0.3) + special.cosm1(x) ** 2)


def error_like(x):
    return np.sum(special.erfi(x * 0.5) * special.dawsn(x) * W)


def scaled_bessel(x):
    return np.sum(special.i0e(x) * W + special.i1e(x * 1.5) ** 2)


def exponential_integrals(x):
    return np.sum(special.exp1(np.abs(x) + 0.2) * special.expi(np.abs(x) + 0.3))


def normal_quantile_of_log(x):
    return np.sum(special.ndtri_exp(-np.abs(x) - 0.1) * W)


def boxcox(v):
    x, lmbda = np.abs(v[:3]) + 0.2, v[3]
    return np.sum(special.boxcox(x, lmbda) * W + special.boxcox1p(x, lmbda * 0.5) ** 2)


def boxcox_arrays(v):
    return np.sum(special.boxcox(np.abs(v[:3]) + 0.5, v[3:]))


def inv_boxcox(v):
    y, lmbda = v[:3] * 0.5, v[3] * 0.3
    return np.sum(special.inv_boxcox(y, lmbda) * W + special.inv_boxcox1p(y, -lmbda) ** 2)


def huber(v):
    return np.sum(special.huber(np.abs(v[0]) + 0.3, v[1:] * 2.0) * W)


def pseudo_huber(v):
    return np.sum(special.pseudo_huber(np.abs(v[0]) + 0.3, v[1:]) ** 2)


def power_minus_one(v):
    return np.sum(special.powm1(np.abs(v[:3]) + 0.2, v[3]) * W)


def binomials(v):
    n = np.abs(v[:3]) + 3.0
    return np.sum(special.binom(n, v[3] + 1.0) * W + special.poch(n, np.abs(v[3])))


def owens(v):
    return np.sum(special.owens_t(v[:3], v[3]) * W)


def student(t):
    return np.sum(special.stdtr(4.5, t) * W)


def incomplete_inverses(v):
    y = 1.0 / (1.0 + np.exp(-v))  # in (0, 1)
    return np.sum(special.gammaincinv(2.5, y) * W + special.gammainccinv(1.5, y)
                  + special.betaincinv(2.0, 3.0, y) ** 2)


CASES = [softplus, log_expit, exponentials, error_like, scaled_bessel, exponential_integrals,
         normal_quantile_of_log, boxcox, boxcox_arrays, inv_boxcox, huber, pseudo_huber,
         power_minus_one, binomials, owens, student, incomplete_inverses]
SIZES = {boxcox: 4, boxcox_arrays: 6, inv_boxcox: 4, huber: 4, pseudo_huber: 4,
         power_minus_one: 4, binomials: 4, owens: 4}


def _point(f, seed):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.2, 1.2, size=SIZES.get(f, 3)) * np.array([1.0, -1.0] * 4)[
        :SIZES.get(f, 3)]


@pytest.mark.parametrize("f", CASES, ids=lambda f: f.__name__)
def test_gradient_and_tangent(f):
    x = _point(f, 3)
    expected = numeric_grad(f, (x,))
    np.testing.assert_allclose(pullback.grad(f)(x), expected, rtol=1e-5, atol=1e-8)
    v = np.random.default_rng(4).normal(size=x.shape)
    _, t = pullback.jvp(f)(x, v)
    np.testing.assert_allclose(t, expected @ v, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("f", CASES, ids=lambda f: f.__name__)
def test_second_order(f):
    x = _point(f, 5)
    check_second_order(f, (x,), np.random.default_rng(6))
    check_reverse_over_reverse(f, (x,))


def test_closed_forms():
    assert pullback.grad(special.softplus)(0.3) == pytest.approx(special.expit(0.3))
    assert pullback.grad(lambda lam: special.boxcox(2.0, lam))(0.0) == \
        pytest.approx(0.5 * np.log(2.0) ** 2)
    assert pullback.grad(lambda lam: special.inv_boxcox(0.7, lam))(0.0) == \
        pytest.approx(-0.5 * 0.7 ** 2 * np.exp(0.7))
    assert pullback.grad(lambda r: special.huber(1.0, r))(3.0) == 1.0
    assert pullback.grad(lambda r: special.huber(1.0, r))(-0.25) == -0.25


def _student_df(df):
    return special.stdtr(df, 0.5)


def test_refuses_the_degrees_of_freedom():
    with pytest.raises(pullback.PullbackError, match="stdtr with respect to df"):
        pullback.grad(_student_df)(3.0)
