"""Second order through calls of functions with default arguments (a `kind="l2"` switch,
a recursion depth `n=3`, keyword-only defaults). A callee's generated backward function
(`g_backward(record, dout)`) takes no defaults of g's: given g's, pullback, reading it
again for the second derivative, refused it as a function whose defaults no longer match
its source. hessian, hvp and reverse over reverse against differences of the gradient."""

import numpy as np
import pytest
from test_higher import check_reverse_over_reverse, check_second_order

import pullback

X = np.array([0.5, -1.0, 2.0])


def penalty(x, kind="l2", scale=1.0):
    if kind == "l2":
        return scale * np.sum(x ** 2)
    elif kind == "l1":
        return scale * np.sum(np.abs(x))
    raise ValueError(kind)


def product_of_penalties(x):
    return penalty(x, "l1") * penalty(x) + penalty(x, scale=0.5) ** 2


def nested_power(x, n=3):
    if n == 0:
        return np.sum(np.sin(x))
    return np.sum(x * 0.5) * nested_power(x, n - 1) + np.cos(x[0])


def depth_default(x):
    return nested_power(x) + nested_power(x, 1)


def smoothed(x, *, eps=1e-2, power=2):
    return np.sum(np.sqrt(x ** 2 + eps) ** power)


def keyword_only_defaults(x):
    return smoothed(x) * smoothed(x, eps=0.5)


def series_terms(x, scale=1.0):
    vals = []
    for k in range(1, 4):
        vals.append(x ** k / k)
    return sum(vals) * scale


def list_in_a_callee(x):
    """The callee's backward reads its loop's steps (a range) from its record, whose
    tangent is the float zero: under hvp it read that zero as a sequence (TypeError)."""
    return np.sum(series_terms(x)) + np.sum(np.sin(series_terms(x, 0.5)))


@pytest.mark.parametrize("fn", [product_of_penalties, depth_default, keyword_only_defaults])
def test_hessian_hvp_and_reverse_over_reverse(fn):
    args = (X,)
    check_second_order(fn, args, np.random.default_rng(2), nonzero=True)
    check_reverse_over_reverse(fn, args)


def test_a_list_in_a_callee():
    check_second_order(list_in_a_callee, (X,), np.random.default_rng(3), nonzero=True)
    check_reverse_over_reverse(list_in_a_callee, (X,))


def test_closed_form():
    """f = |x|_1 * |x|_2^2 (+ a quartic): H v by the product rule, at a point off the kinks."""
    def f(x):
        return penalty(x, "l1") * penalty(x)
    s, l1 = np.sign(X), np.sum(np.abs(X))
    H = 2 * (np.outer(s, X) + np.outer(X, s)) + 2 * l1 * np.eye(3)
    np.testing.assert_allclose(pullback.hessian(f)(X), H, rtol=1e-12)


def test_a_changed_default_is_still_caught():
    """The defaults guard of issue 11 checks the user's function, not the generated ones."""
    def f(x):
        return penalty(x) * 2.0
    g = pullback.grad(f)
    before = g(X)
    saved = penalty.__defaults__
    try:
        penalty.__defaults__ = ("l1", 1.0)
        np.testing.assert_allclose(pullback.grad(f)(X), 2.0 * np.sign(X))
    finally:
        penalty.__defaults__ = saved
    np.testing.assert_allclose(g(X), before)
