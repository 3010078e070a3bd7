"""A variable bound to one of several functions in branches and then called
(lower/chosen_functions.py): `pool = np.max` or `pool = np.mean` by an attribute of the
object, `f = np.sin if k > 0 else np.cos`. Each branch value is checked against central
finite differences; the variable left unset raises as f does; read as a value, the
variable stays refused with the line."""

from __future__ import annotations

import numpy as np
import pytest
from fd import numeric_grad

import pullback

RNG = np.random.default_rng(1411)
X = RNG.normal(size=(3, 4))


class Pool:
    def __init__(self, mode):
        self.mode = mode

    def forward(self, X):
        if self.mode == "max":
            pool_fn = np.max
        elif self.mode == "average":
            pool_fn = np.mean
        Y = np.zeros(X.shape[0])
        for i in range(X.shape[0]):
            Y[i] = pool_fn(X[i])
        return Y


def pick(x, k):
    f = np.sin if k > 0 else np.cos if k == 0 else np.tanh
    g = np.exp
    if k > 1:
        g = np.sqrt
    return np.sum(f(x) * g(x * x + 1.0))


def reduce_by(x, how):
    if how == "sum":
        r = np.sum
    else:
        r = np.prod
    return r(x, axis=0).sum() + r(x[0]) * 2.0  # two calls, keywords


@pytest.mark.parametrize("mode", ["max", "average"])
def test_a_function_chosen_by_an_attribute_of_the_object(mode):
    pool = Pool(mode)

    def loss(X):
        return np.sum(pool.forward(X) ** 2)

    np.testing.assert_allclose(pullback.grad(loss)(X), numeric_grad(loss, (X,)), rtol=1e-6,
                               atol=1e-9)
    g = pullback.grad(lambda X, p: np.sum(p.forward(X) ** 2))(X, Pool(mode))
    np.testing.assert_allclose(g, numeric_grad(loss, (X,)), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("k", [-1, 0, 1, 2])
def test_a_function_chosen_by_a_conditional_expression(k):
    np.testing.assert_allclose(pullback.grad(pick)(X[0], k), numeric_grad(pick, (X[0], k)),
                               rtol=1e-6)


@pytest.mark.parametrize("how", ["sum", "prod"])
def test_a_chosen_function_called_twice_with_keywords(how):
    np.testing.assert_allclose(pullback.grad(reduce_by)(X, how), numeric_grad(reduce_by, (X, how)),
                               rtol=1e-6)


def test_a_chosen_function_left_unset_raises_as_f_does():
    with pytest.raises(UnboundLocalError):
        Pool("min").forward(X)
    with pytest.raises(UnboundLocalError, match="pool_fn"):
        pullback.grad(lambda X: np.sum(Pool("min").forward(X)))(X)


def passed_on(x, k):
    f = np.sin if k > 0 else np.cos
    h = f  # read as a value: not a chosen function
    return np.sum(h(x))


def in_a_table(x, k):  # (a table of one holding it: the element read is f itself)
    f = np.sin if k > 0 else np.cos
    fs = (f, np.tanh)
    return np.sum(fs[k % 2](x)) + np.sum([f][0](x))


@pytest.mark.parametrize("k", [0, 1, 2])
def test_a_chosen_function_in_a_table(k):
    np.testing.assert_allclose(pullback.grad(in_a_table)(X[0], k),
                               numeric_grad(in_a_table, (X[0], k)), rtol=1e-6)


def test_a_chosen_function_read_as_a_value_stays_refused_with_the_line():
    with pytest.raises(pullback.PullbackError) as info:
        pullback.grad(passed_on)(X[0], 1)
    assert "test_chosen_functions.py" in str(info.value) and "h(x)" in str(info.value)


def none_checked(x, c):
    if c > 0:
        a = x * 2.0
    if a is None:  # unset when c <= 0: f raises here
        return np.sum(x)
    return np.sum(a * x) if a is not None else 0.0


def test_an_identity_test_of_a_variable_never_set_raises_as_f_does():
    with pytest.raises(UnboundLocalError):
        none_checked(X[0], -1)
    with pytest.raises(UnboundLocalError, match="'a'"):
        pullback.grad(none_checked)(X[0], -1)
    np.testing.assert_allclose(pullback.grad(none_checked)(X[0], 1), 4.0 * X[0], rtol=1e-12)
