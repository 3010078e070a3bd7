"""copy.copy and copy.deepcopy of values being differentiated (rules/copying.py): the
copy's gradient is passed through to what it copies, in reverse and forward mode and at
second order; changing an element of a shallow copy in place is refused, located."""

import copy

import numpy as np
import pytest
from fd import assert_grad_matches
from test_higher import check_second_order

import pullback


def shallow_array_then_written(x):
    y = copy.copy(x)
    y[0] = 0.0
    return np.sum(y * x)


def deep_dict_of_array_and_list(x):
    q = copy.deepcopy({"w": x, "b": [x[0]]})
    return np.sum(q["w"] ** 2) * q["b"][0]


def deep_then_written(x):
    q = copy.deepcopy(x)
    q[1] = q[1] * 3
    return np.sum(q ** 2) * x[2]


def shallow_list_grown(x):
    xs = [x[0], x[1]]
    ys = copy.copy(xs)
    ys.append(x[2] ** 2)
    return sum(xs) * sum(ys)


def copied_number(x):
    a = copy.copy(x[0])
    return a * a * x[1]


@pytest.mark.parametrize("f", [shallow_array_then_written, deep_dict_of_array_and_list,
                               deep_then_written, shallow_list_grown, copied_number],
                         ids=lambda f: f.__name__)
def test_copies(f):
    x = np.array([0.4, -1.3, 0.9])
    assert_grad_matches(f, (x,))
    v = np.array([0.3, -0.5, 0.8])
    value, tangent = pullback.jvp(f)(x, v)
    h = 1e-6
    assert value == pytest.approx(f(x))
    assert tangent == pytest.approx((f(x + h * v) - f(x - h * v)) / (2 * h), rel=1e-6)
    check_second_order(f, (x,), np.random.default_rng(2))


def deep_copy_of_params(params):
    q = copy.deepcopy(params)
    q["w"] = q["w"] * 2
    return np.sum(q["w"] * params["w"]) + q["b"] ** 2


def test_deepcopy_of_a_dict_argument():
    params = {"w": np.array([0.4, -1.3]), "b": 0.7}
    g = pullback.grad(deep_copy_of_params)(params)
    assert np.allclose(g["w"], 4 * params["w"]) and g["b"] == pytest.approx(1.4)


def shallow_element_changed(x):
    xs = [np.copy(x), x ** 2]
    ys = copy.copy(xs)
    ys[0] *= 2
    return np.sum(xs[0] * ys[1])


def test_changing_an_element_of_a_shallow_copy_is_refused():
    with pytest.raises(pullback.errors.PullbackError) as info:
        pullback.grad(shallow_element_changed)(np.array([0.4, -1.3, 0.9]))
    assert "ys[0] *= 2" in str(info.value) and __file__ in str(info.value)


def from_tolist(x):
    xs = x.tolist()
    return sum(v ** 2 for v in xs) * xs[0]


def from_tolist_2d(x):
    rows = x.reshape(3, 2).tolist()
    return sum(r[0] * r[1] for r in rows) ** 2


@pytest.mark.parametrize("f, shape", [(from_tolist, (3,)), (from_tolist_2d, (6,))],
                         ids=["1d", "2d"])
def test_second_order_through_tolist(f, shape):
    x = np.random.default_rng(4).normal(size=shape)
    assert_grad_matches(f, (x,))
    check_second_order(f, (x,), np.random.default_rng(5), nonzero=True)
