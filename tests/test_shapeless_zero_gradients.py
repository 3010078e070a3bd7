"""Second order where the generated gradient holds a shapeless number for an array's
gradient: the known zero (a branch or a loop of no trips that never touched a value, the
base case of a recursion) or a zero that arithmetic made (`dout * w` with w a Python
float that is 0.0 at the point, whose derivative is not zero). hessian, jacobian of the
gradient in modes "fwd" and "rev", hvp and grad of grad, each against central
differences of the gradient, at a point where the zero is exact and at one where it is
not."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import pullback


def loop_in_a_branch(x, k):
    total = 0.0
    if k > 0:
        acc = []
        for i in range(k):
            acc.append(x[i] ** 2)
        total = sum(acc)
    return total * np.sum(x) + (loop_in_a_branch(x[1:], k - 1) if k > 0 else 0.0)


def branch_untouched(x, k):
    y = 0.0
    if k > 0:
        y = np.sum(x ** 2)
    return y * np.sum(x) + np.sum(np.sin(x))


def zero_trip(x, k):
    total = 0.0
    for i in range(k):
        total = total + x[i] ** 2
    return total * np.sum(x) + np.sum(x ** 3)


def zero_trip_array(x, k):
    acc = np.zeros_like(x)
    for i in range(k):
        acc = acc + x * x[i]
    return np.sum(acc * x) + np.sum(np.cos(x))


def dict_gradients(x, k):
    d = {"a": x, "b": 2.0 * x}
    s = np.sum(d["a"] ** 2)
    if k > 0:
        s = s + np.sum(d["b"] * x)
    return s * np.sum(x)


def list_gradients(x, k):
    parts = [x[0], x[1] * x[2], 0.0]
    if k > 0:
        parts[2] = x[3] ** 2
    return sum(parts) * np.sum(x)


def python_float_weight(x, k):  # at x[1] = 0.5, w is the Python float 0.0
    w = math.sin(x[1] - 0.5)
    return w * np.sum(x)


def weight_into_a_buffer(x, k):
    buf = np.zeros(3)
    buf[0] = x[0] * x[2]
    buf[1] = x[3] ** 2
    w = math.sin(x[1] - 0.5)
    return w * np.sum(buf) + np.sum(x ** 2)


def weight_into_a_loop_buffer(x, k):
    buf = np.zeros(5)
    for i in range(3):
        buf[i] = x[i] * x[i + 1]
    w = math.cos(x[1] - 0.5) - 1.0
    return w * np.sum(buf * x) + np.sum(x) * w


def weight_and_items(x, k):
    w = math.sin(x[1] - 0.5)
    y = x * w
    return np.sum(y[1:3] ** 2) + y[0] + w * x[4]


def weight_through_rearrangements(x, k):
    w = math.sin(x[1] - 0.5)
    A = np.reshape(x[:4], (2, 2))
    return w * np.sum(A.T @ np.array([[1.0, 2.0], [3.0, 4.0]])) \
        + np.sum(np.flip(x) * x[::-1]) * w


def weight_through_roll_and_swap(x, k):
    w = math.sin(x[1] - 0.5)
    return w * np.sum(np.roll(x, 1) * np.arange(5.0)) \
        + np.sum(np.swapaxes(x.reshape(5, 1), 0, 1)) * w


def recursion_to_zero(x, k):
    if k == 0:
        return 0.0
    return np.sum(x[:2]) * x[-1] + recursion_to_zero(x * 0.5, k - 1)


CASES = [(loop_in_a_branch, 3), (branch_untouched, 0), (branch_untouched, 1),
         (zero_trip, 0), (zero_trip, 2), (zero_trip_array, 0), (zero_trip_array, 2),
         (dict_gradients, 0), (dict_gradients, 1), (list_gradients, 0), (list_gradients, 1),
         (python_float_weight, 0), (weight_into_a_buffer, 0), (weight_into_a_loop_buffer, 0),
         (weight_and_items, 0), (weight_through_rearrangements, 0),
         (weight_through_roll_and_swap, 0), (recursion_to_zero, 2)]
POINTS = [np.array([0.3, 0.5, 0.9, 1.2, 0.7]), np.array([0.3, 0.6, 0.9, 1.2, 0.7])]


def _differences(gradient, x, k):
    columns = []
    for e in np.eye(x.size):
        columns.append((gradient(x + 1e-5 * e, k) - gradient(x - 1e-5 * e, k)) / 2e-5)
    return np.array(columns).T


def _ways(f, gradient):
    return {
        "hessian": lambda x, k: pullback.hessian(f)(x, k),
        "hvp": lambda x, k: np.array([pullback.hvp(f)(x, k, e) for e in np.eye(x.size)]).T,
        "jacobian fwd": lambda x, k: pullback.jacobian(gradient, mode="fwd")(x, k),
        "jacobian rev": lambda x, k: pullback.jacobian(gradient, mode="rev")(x, k),
        "grad of grad": lambda x, k: np.array([
            pullback.grad(lambda x, k, e=e: gradient(x, k) @ e)(x, k) for e in np.eye(x.size)]),
    }


@pytest.mark.parametrize("f, k", CASES, ids=lambda c: getattr(c, "__name__", str(c)))
def test_second_order_with_shapeless_zero_gradients(f, k):
    gradient = pullback.grad(f)
    for x in POINTS:
        expected = _differences(gradient, x, k)
        for name, way in _ways(f, gradient).items():
            with warnings.catch_warnings():  # (jacobian rev: one vjp per row, said so)
                warnings.simplefilter("ignore", RuntimeWarning)
                got = way(x, k)
            np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6,
                                       err_msg=f"{name} at {x}")
