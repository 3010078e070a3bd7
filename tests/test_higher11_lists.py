"""Second order through lists built by append (issue 14): a list appended to in a loop
and then once more after it, a list read whole (`sum(v)`, `np.array(v)`, `np.stack`) and
item by item (`v[0]`) in the same function, in loops, in callees inlined and not. The
list-gradient updates of the generated gradient (`g, dv = take_last_grads(dv, 1, False,
v)`, `dv = accum_index(dv, v, k, g)`) hold one object under successive names, which the
aliasing check follows through the pair; reverse over reverse joins a list's gradient back
with the list's length (take_last_grads is handed the list). hessian, hvp, vjp of grad and
grad of grad against central differences of the gradient."""

import math

import numpy as np
import pytest
from test_higher import check_reverse_over_reverse, check_second_order

import pullback

X = np.array([0.3, -1.2, 0.8, 1.5])
W = np.array([[0.3, -0.4], [0.9, 0.2], [-0.5, 0.7]])


def once_more(x):
    vals = []
    for a in x:
        vals.append(a * a)
    vals.append(np.sum(x) ** 2)
    return sum([np.sin(v) for v in vals])


def whole_and_items(x):
    v = []
    for a in x:
        v.append(np.exp(0.3 * a))
    return sum(v) * v[0] + np.sum(np.array(v) ** 2)


def stacked_and_item(W):
    rows = []
    for i in range(W.shape[0]):
        rows.append(np.tanh(W[i]))
    return np.sum(np.stack(rows) ** 2) + np.sum(rows[1] * rows[0])


def twice_after(x):
    v = []
    for k in range(len(x)):
        v.append(x[k] * x[k - 1])
    v.append(np.prod(x))
    v.append(v[0] * v[-1])
    return max(v) + sum(w ** 3 for w in v) + v[1] * v[2]


def _collect(x):
    out = []
    for a in x:
        out.append(np.cos(a))
    out.append(out[0] * out[-1])
    return sum(out) * out[1]


def inlined(x):
    return _collect(x * 2.0) + 1.0


def _collect_default(x, scale=0.5):  # a default: called through its forward and backward
    out = []
    for a in x:
        out.append(np.cos(a) * scale)
    out.append(out[0] * out[-1])
    return sum(out) * out[1] + np.sum(np.array(out))


def not_inlined(x):
    return _collect_default(x) * _collect_default(x, 2.0)


@pytest.mark.parametrize("fn, arg", [
    (once_more, X), (whole_and_items, X), (stacked_and_item, W), (twice_after, X),
    (inlined, X), (not_inlined, X),
], ids=lambda v: getattr(v, "__name__", ""))
def test_hessian_hvp_and_reverse_over_reverse(fn, arg):
    check_second_order(fn, (arg,), np.random.default_rng(3), nonzero=True)
    check_reverse_over_reverse(fn, (arg,))


def scalar_list(x):
    v = []
    for k in range(3):
        v.append(math.sin(x * k) + x)
    v.append(v[0] * x)
    return sum(v) * v[1]


def test_grad_of_grad_of_a_scalar_function():
    x, h = 0.7, 1e-5
    d2 = pullback.grad(pullback.grad(scalar_list))(x)
    g = pullback.grad(scalar_list)
    np.testing.assert_allclose(d2, (g(x + h) - g(x - h)) / (2 * h), rtol=1e-7)


def test_closed_form():
    """once_more: sum sin(x_i^2) + sin(s^2), s = sum x."""
    s = np.sum(X)
    H = np.diag(2 * np.cos(X ** 2) - 4 * X ** 2 * np.sin(X ** 2)) \
        + (2 * np.cos(s ** 2) - 4 * s ** 2 * np.sin(s ** 2)) * np.ones((4, 4))
    np.testing.assert_allclose(pullback.hessian(once_more)(X), H, rtol=1e-12, atol=1e-12)
