"""itertools.combinations, combinations_with_replacement and permutations with r counted
when the code runs (ML-From-Scratch's polynomial_features: `combinations_with_replacement(
range(n_features), i) for i in range(degree + 1)`), and the product over an empty axis
that its degree-0 term takes (`np.prod(X[:, ()], axis=1)`). Gradients and tangents
against central differences."""

from __future__ import annotations

import itertools
from itertools import combinations_with_replacement, permutations

import numpy as np
import pytest

import pullback
from tests.fd import assert_close, numeric_grad


def polynomial_features(X, degree):
    n_samples, n_features = np.shape(X)
    combs = [combinations_with_replacement(range(n_features), i) for i in range(0, degree + 1)]
    flat = [item for sub in combs for item in sub]
    X_new = np.empty((n_samples, len(flat)))
    for i, index_combs in enumerate(flat):
        X_new[:, i] = np.prod(X[:, index_combs], axis=1)
    return X_new


def features(X, degree):
    return np.sum(polynomial_features(X, degree) ** 2)


def pairs(x, r):
    total = 0.0
    for a, b in itertools.combinations(x, r):
        total = total + a * b
    return total


def products_of_picks(x, r):
    return sum(np.prod(np.array(t)) for t in combinations_with_replacement(x, r))


def ordered(x):
    return sum(t[0] * t[1] ** 2 for t in permutations(x))


def ordered_r(x, r):
    return sum(t[0] * t[-1] ** 2 for t in permutations(list(x), r))


def rows(X, r):
    return sum(np.sum(a * b) for a, b in itertools.combinations(X, r))


X = np.linspace(0.5, 2.0, 6).reshape(2, 3)
x = np.array([0.5, -1.2, 2.0])


@pytest.mark.parametrize("f, args", [
    (features, (X, 3)), (features, (X, 0)), (pairs, (x, 2)), (products_of_picks, (x, 3)),
    (ordered, (x[:2],)), (ordered_r, (x, 2)), (rows, (X, 2)),
])
def test_combinations_counted_when_run(f, args):
    assert_close(pullback.grad(f)(*args), numeric_grad(f, args))
    v = np.cos(np.arange(args[0].size)).reshape(args[0].shape)
    tangent = pullback.jvp(f)(*args, v)[1]
    assert_close(tangent, float(np.sum(numeric_grad(f, args) * v)))


def empty_product(X):
    none = ()
    return np.sum(np.prod(X[:, none], axis=1)) + np.sum(np.prod(X ** 2, axis=0))


def empty_rows(X):
    return np.sum(np.prod(X[:0] * 3.0, axis=0)) + np.sum(np.prod(X[:, :0], axis=-1))


@pytest.mark.parametrize("f", [empty_product, empty_rows])
def test_product_over_no_factors(f):
    assert_close(pullback.grad(f)(X), numeric_grad(f, (X,)))


def repeated(x, n):
    return sum(a * b for a, b in itertools.product(x, repeat=n))


def test_product_with_a_repeat_counted_when_run_stays_refused_at_its_line():
    with pytest.raises(pullback.PullbackError, match="itertools.product") as caught:
        pullback.grad(repeated)(x, 2)
    assert "test_mlfs_itertools.py" in str(caught.value)
