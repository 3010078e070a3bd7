"""Library functions handed to pullback itself whose own signature takes *args (np.einsum,
a scipy.stats distribution's methods, bound methods; autograd's wrappers of np.var,
np.std, np.mean, np.concatenate, and its primitives): the function pullback makes takes
the rule's parameters, leaving a None one out of the call (trailing positions, keywords),
so the rule applies. They were read from their source, and refused at its *args call.
vjp against central differences, in several spellings."""

from __future__ import annotations

import numpy as np
import pytest
from fd import numeric_grad

import pullback

st = pytest.importorskip("scipy.stats")
RNG = np.random.default_rng(0)
X = RNG.uniform(0.5, 1.5, size=(3, 4))


def _check(f, args, kwargs=None, wrt=0):
    kwargs = kwargs or {}
    out = f(*args, **kwargs)
    seed = np.random.default_rng(1).normal(size=np.shape(out))
    got = pullback.vjp(f, wrt=wrt)(*args, seed, **kwargs)
    expected = numeric_grad(lambda *a: np.sum(f(*a, **kwargs) * seed), args, wrt)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("args, wrt", [(("ij,kj->ik", X, X), 1), (("ij->j", X), 1),
                                       (("ij,kj,kl->il", X, X, X @ X.T), 3)])
def test_einsum(args, wrt):
    _check(np.einsum, args, wrt=wrt)


@pytest.mark.parametrize("method", ["pdf", "logpdf", "cdf", "logsf"])
@pytest.mark.parametrize("args, kwargs, wrt", [((X,), {}, 0), ((X, 0.3), {}, 1),
                                               ((X, 0.3, 2.0), {}, 2), ((X,), {"scale": 2.0}, 0)])
def test_distribution_methods(method, args, kwargs, wrt):
    _check(getattr(st.norm, method), args, kwargs, wrt)


def test_shape_parameters_positional_and_by_keyword():
    _check(st.t.logpdf, (X, 3.0, 0.2, 1.5), wrt=0)
    _check(st.t.pdf, (X, 2.5), {"loc": 0.1}, wrt=1)
    _check(st.poisson.logpmf, (np.array([1.0, 2.0, 3.0]), X[0, :3]), wrt=1)


def test_gradient_with_spacing():
    _check(np.gradient, (X[0], 2.0))


anp = pytest.importorskip("autograd.numpy")
ast = pytest.importorskip("autograd.scipy.stats")


@pytest.mark.parametrize("name", ["var", "std", "mean"])
@pytest.mark.parametrize("kwargs", [{}, {"axis": 1}, {"axis": 0, "keepdims": True}])
def test_autograd_reductions(name, kwargs):
    _check(getattr(anp, name), (X,), kwargs)


def test_autograd_ddof_and_primitives():
    _check(anp.var, (X,), {"axis": 1, "ddof": 1})
    _check(anp.std, (X,), {"ddof": 1})
    _check(anp.einsum, ("ij,kj->ik", X, X), wrt=2)
    _check(ast.norm.pdf, (X, 0.3, 2.0), wrt=2)
    _check(ast.multivariate_normal.logpdf, (X[0, :3], X[1, :3], np.eye(3)), wrt=1)


def test_autograd_concatenate_a_lambda():
    """autograd's concatenate is a lambda: the function pullback makes takes NumPy's name."""
    seed = np.random.default_rng(2).normal(size=(3, 8))
    grads = pullback.vjp(anp.concatenate)((X, 2.0 * X), seed, axis=1)
    np.testing.assert_allclose(grads[0], seed[:, :4])
    np.testing.assert_allclose(grads[1], seed[:, 4:])
