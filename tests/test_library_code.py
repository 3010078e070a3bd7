"""Library code as users reach it, never transformed from its source.

- A module of the user's own under a name the generated code binds for itself (`np`,
  `math`): `from . import numpy_like as np`, `import math as np`. Its functions are
  resolved when pullback transforms (NumPy's own, re-exported, with their rules; the
  user's own, transformed from source), and the gradient checks when it runs that the
  module and the attributes it called still name the same objects.
- Code written for autograd (`import autograd.numpy as np`), run unchanged.
- Library functions handed to pullback itself (`pullback.grad(np.sin)`): their rules.
Numbers against central differences (tests/fd.py) and closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from fd import assert_grad_matches
from helpers_pkg import alias_users, numpy_like, numpy_like_users

import pullback

X = np.array([0.3, -0.7, 1.1])


@pytest.mark.parametrize("f,args", [
    (numpy_like_users.sum_of_sines, (X,)),
    (numpy_like_users.with_index_trick, (X,)),
    (numpy_like_users.with_own_function, (X,)),
    (numpy_like_users.with_namespace_in_a_loop, (X,)),
    (alias_users.math_under_np, (0.4,)),
    (alias_users.numpy_like_sum, (X,)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_a_numpy_like_module_under_a_helper_name_is_differentiated(f, args):
    assert_grad_matches(f, args, rtol=1e-5)


def test_the_closed_forms():
    assert np.allclose(pullback.grad(numpy_like_users.sum_of_sines)(X), np.cos(X))
    x = 0.4
    assert pullback.grad(alias_users.math_under_np)(x) == pytest.approx(
        math.exp(x) * (math.sin(x) + math.cos(x)))


def test_an_attribute_of_the_module_replaced_later_is_noticed(monkeypatch):
    f = numpy_like_users.sum_of_sines
    g = pullback.grad(f)
    assert np.allclose(g(X), np.cos(X))
    monkeypatch.setattr(numpy_like, "sin", np.cos)
    with pytest.raises(pullback.PullbackError, match="different object"):
        g(X)
    assert np.allclose(pullback.grad(f)(X), -np.sin(X))  # a new gradient: cos's rule


def test_the_module_global_rebound_later_is_noticed(monkeypatch):
    f = numpy_like_users.sum_of_sines
    g = pullback.grad(f)
    g(X)
    monkeypatch.setattr(numpy_like_users, "np", np)  # NumPy itself now
    with pytest.raises(pullback.PullbackError, match="np"):
        g(X)
    assert np.allclose(pullback.grad(f)(X), np.cos(X))


# ---------------------------------------------- code written for autograd, run unchanged

autograd_users = pytest.importorskip("helpers_pkg.autograd_users", reason="needs autograd")
RNG = np.random.default_rng(7)


@pytest.mark.parametrize("f,args", [
    (autograd_users.mlp, (RNG.normal(size=(3, 4)), RNG.normal(size=4), RNG.normal(size=2 * 2)
                          .reshape(4, 1)[:, 0], RNG.normal(size=(5, 3)))),
    (autograd_users.logistic_loss, (RNG.normal(size=3), RNG.normal(size=(6, 3)),
                                    (RNG.normal(size=6) > 0).astype(float))),
    (autograd_users.stacked, (X,)),
    (autograd_users.built_by_array, (X,)),
    (autograd_users.with_scipy, (X,)),
    (autograd_users.in_a_loop, (X,)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_autograd_numpy_functions_get_the_rules_of_what_they_wrap(f, args):
    # autograd.numpy.sin is a primitive whose `fun` is numpy.sin; autograd.numpy.array,
    # concatenate, stack, mean, std, var, where are autograd's own Python functions that
    # compute NumPy's result when no argument is one of autograd's boxes
    assert_grad_matches(f, args, rtol=1e-5)


def test_an_autograd_function_without_a_numpy_counterpart_is_refused():
    import autograd.numpy as anp

    def uses_private(x):
        return anp.sum(anp.numpy_wrapper.wrap_if_boxes_inside(x))

    with pytest.raises(pullback.NoRuleError, match="wrap_if_boxes_inside"):
        pullback.grad(uses_private)(X)


# ------------------------------------- library functions handed to pullback directly


def test_numpy_and_math_functions_are_differentiated_by_their_rules():
    assert pullback.grad(np.sin)(0.3) == pytest.approx(math.cos(0.3))
    assert pullback.grad(math.exp)(0.3) == pytest.approx(math.exp(0.3))
    assert np.allclose(pullback.grad(np.linalg.norm)(X), X / np.linalg.norm(X))
    value, g = pullback.value_and_grad(np.tanh)(0.4)
    assert (value, g) == pytest.approx((math.tanh(0.4), 1.0 - math.tanh(0.4) ** 2))
    seed = np.array([1.0, -2.0, 0.5])
    assert np.allclose(pullback.vjp(np.cumsum)(X, seed), np.cumsum(seed[::-1])[::-1])
    assert pullback.jvp(np.exp)(0.2, 1.5) == pytest.approx((math.exp(0.2), 1.5 * math.exp(0.2)))
    assert pullback.hessian(np.sin)(0.3) == pytest.approx(-math.sin(0.3))


@pytest.mark.parametrize("name, args, wrt", [
    ("iv", (1.0, 2.0), 1), ("ive", (1.5, 0.7), 1), ("jv", (1.0, 2.0), 1),
    ("gammainc", (1.2, 2.0), 1), ("gammaincc", (1.2, 2.0), 1), ("betaln", (1.0, 2.0), (0, 1)),
    ("betainc", (1.0, 2.0, 0.3), 2), ("xlogy", (1.5, 2.0), (0, 1))])
def test_scipy_ufuncs_handed_directly_take_their_rules_parameters(name, args, wrt):
    # their signature is (x1, x2, /, ...): the positions are the rule's (iv(v, x))
    special = pytest.importorskip("scipy.special")
    assert_grad_matches(getattr(special, name), args, wrt=wrt)


def test_keywords_of_a_library_function_are_passed_on():
    seed = np.array([1.0, 2.0])
    A = np.arange(6.0).reshape(2, 3)
    assert np.allclose(pullback.vjp(np.sum)(A, seed, axis=1), np.repeat(seed[:, None], 3, 1))
    assert np.allclose(pullback.grad(np.sum)(A), np.ones((2, 3)))


def test_a_library_python_function_is_not_transformed_from_its_source():
    special = pytest.importorskip("scipy.special")
    # scipy's logsumexp has a rule: its source (array-API helpers) is never read
    assert np.allclose(pullback.grad(special.logsumexp)(X), np.exp(X) / np.sum(np.exp(X)))
    # one without a rule is refused by name
    import statistics
    with pytest.raises(pullback.NoRuleError, match="no derivative rule for geometric_mean"):
        pullback.grad(statistics.geometric_mean)([0.3, 0.5, 1.0])
