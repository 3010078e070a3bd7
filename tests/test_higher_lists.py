"""Second order through lists a function builds with append in a loop and reads back
(`vals.append(...)` then `sum`, `max`, a loop or a comprehension over the list): the
generated gradient hands each element's gradient back with take_last_grads and takes
the element off with `vals.pop()`, and both are valid input for pullback, so hessian and
hvp (forward over reverse) work, and reverse over reverse: take_last_grads is handed the
list, whose length tells its adjoint how many other elements' gradients there are."""

import numpy as np
import pytest
from test_higher import check_reverse_over_reverse, check_second_order

import pullback

X = np.array([0.3, -1.2, 0.8, 1.5])


def loop_over_list(x):
    vals = []
    for a in x:
        vals.append(a * a)
    t = 0.0
    for v in vals:
        t = t + np.sin(v)
    return t


def reductions_of_list(x):
    vals = []
    for a in x:
        vals.append(np.exp(0.5 * a))
    return max(vals) * sum(vals)


def comprehension_over_list(x):
    losses = []
    for i in range(len(x) - 1):
        losses.append((x[i + 1] - x[i] ** 2) ** 2)
    return sum([np.log1p(v) for v in losses])


def arrays_in_list(W):
    rows = []
    for i in range(W.shape[0]):
        rows.append(np.tanh(W[i] * 2.0))
    return sum(np.sum(r) ** 2 for r in rows)


def appended_first(x):
    values = [np.sum(x)]
    for a in x:
        values.append(a * x[0])
    return sum([np.cos(s) for s in values])


@pytest.mark.parametrize("fn, args", [
    (loop_over_list, (X,)), (reductions_of_list, (X,)), (comprehension_over_list, (X,)),
    (arrays_in_list, (np.array([[0.3, -0.4], [0.9, 0.2], [-0.5, 0.7]]),)),
    (appended_first, (X,)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_hessian_and_hvp_match_differences_of_the_gradient(fn, args):
    check_second_order(fn, args, np.random.default_rng(11), nonzero=True)


def test_closed_form():
    """sum(sin(x_i^2)): the Hessian is diagonal, 2 cos(x^2) - 4 x^2 sin(x^2)."""
    H = pullback.hessian(loop_over_list)(X)
    np.testing.assert_allclose(H, np.diag(2 * np.cos(X ** 2) - 4 * X ** 2 * np.sin(X ** 2)),
                               rtol=1e-12, atol=1e-12)


def test_the_first_order_gradient_pops_what_it_appended():
    assert "vals.pop()" in pullback.source(loop_over_list)
    assert "undo_append" not in pullback.source(loop_over_list)


@pytest.mark.parametrize("fn, args", [
    (loop_over_list, (X,)), (reductions_of_list, (X,)), (comprehension_over_list, (X,)),
    (arrays_in_list, (np.array([[0.3, -0.4], [0.9, 0.2], [-0.5, 0.7]]),)),
    (appended_first, (X,)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_reverse_over_reverse(fn, args):
    """take_last_grads is given the list: its adjoint knows the length of the rest."""
    check_reverse_over_reverse(fn, args)
