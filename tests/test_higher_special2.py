"""Second order through the gradients of scipy.special.exprel, multigammaln and wofz
(rules/higher_special2.py): hessian and hvp against central differences of the gradient,
reverse over reverse where it is reachable (exprel, multigammaln: reverse over reverse
through np.real or np.imag of complex values, which every real function of wofz goes
through, is refused on its own), and the tangents multigammaln and wofz gained."""

from __future__ import annotations

import numpy as np
import pytest
from fd import numeric_grad
from test_higher import check_reverse_over_reverse, check_second_order

import pullback

sp = pytest.importorskip("scipy.special")


def exprel_products(x):
    return np.sum(sp.exprel(x * x[::-1]) * x)


def exprel_near_zero(x):  # exprel's gradient and its derivative use their series there
    return np.sum(sp.exprel(x - x) * x ** 2 + sp.exprel(x * 1e-4) * x + sp.exprel(-x) ** 2)


def multigammaln_scaled(x):
    return np.sum(sp.multigammaln(x * 3.0 + 2.0, 3) * x) + sp.multigammaln(x[0] + 4.0, 2) ** 2


def wofz_complex(x):
    w = sp.wofz(x * (1.0 + 0.5j) * x[0])
    return np.sum(np.real(w) ** 2 + np.imag(w) * x)


def wofz_real(x):
    return np.sum(np.real(sp.wofz(x)) * x ** 2) + np.sum(np.imag(sp.wofz(x * x[1])))


CASES = [exprel_products, exprel_near_zero, multigammaln_scaled, wofz_complex, wofz_real]


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_hessian_and_hvp(fn):
    rng = np.random.default_rng(len(fn.__name__))
    check_second_order(fn, (rng.uniform(0.3, 1.2, size=4),), rng, nonzero=True)


@pytest.mark.parametrize("fn", CASES[:3], ids=lambda f: f.__name__)
def test_reverse_over_reverse(fn):
    check_reverse_over_reverse(fn, (np.random.default_rng(7).uniform(0.3, 1.2, size=4),))


@pytest.mark.parametrize("fn", [multigammaln_scaled, wofz_complex, wofz_real],
                         ids=lambda f: f.__name__)
def test_tangent_matches_the_gradient(fn):
    rng = np.random.default_rng(3)
    x, v = rng.uniform(0.3, 1.2, size=4), rng.normal(size=4)
    value, tangent = pullback.jvp(fn)(x, v)
    assert value == pytest.approx(fn(x))
    assert tangent == pytest.approx(float(numeric_grad(fn, (x,)) @ v), rel=1e-6)
