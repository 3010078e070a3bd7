"""A try statement with an `else:` clause in forward mode (jvp, hessian, hvp): lowering
makes the else clause an `if flag:` after the block, so the forward sweep sets the flag as
the reverse sweep does (True before the body, False in the except clause); it used to
print the block without it, and the gradient failed with a NameError."""

import math

import numpy as np
import pytest
from fd import assert_grad_matches
from test_higher import check_second_order


def else_and_finally(x):
    t = 0.0
    try:
        y = np.sum(x ** 2)
    except ZeroDivisionError:
        y = 0.0
    else:
        y = y * np.sin(x[0])
    finally:
        t = 1.0
    return y + t


def else_in_loop_some_raise(x):
    s = 0.0
    for v in x:
        try:
            r = math.sqrt(v)
        except ValueError:
            s = s - v ** 3
        else:
            s = s + r * v
    return s


def nested_else(x):
    out = x[0]
    try:
        a = x[1] * x[2]
        try:
            b = math.log(a)
        except ValueError:
            b = a ** 2
        else:
            b = b * x[0]
    except KeyError:
        a = b = 0.0
    else:
        out = out + a * b
    return out


def only_else(x):
    try:
        y = x[0] ** 3
    except ArithmeticError:
        raise
    else:
        y = y + x[1] * x[2]
    return y


CASES = [else_and_finally, else_in_loop_some_raise, nested_else, only_else]
POINTS = [np.array([0.7, -1.2, 0.4]), np.array([0.7, 1.3, 0.4])]


@pytest.mark.parametrize("f", CASES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("point", range(len(POINTS)))
def test_forward_and_second_order_of_try_else(f, point):
    x = POINTS[point]
    assert_grad_matches(f, (x,))
    import pullback
    v = np.array([0.3, -0.5, 0.8])
    value, tangent = pullback.jvp(f)(x, v)
    h = 1e-6
    assert value == pytest.approx(f(x))
    assert tangent == pytest.approx((f(x + h * v) - f(x - h * v)) / (2 * h), rel=1e-6, abs=1e-8)
    check_second_order(f, (x,), np.random.default_rng(point))

