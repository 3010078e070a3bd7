"""Minimized reproducers of the bugs the program fuzzer found (all fixed)."""

import math

import numpy as np

W3 = np.array([0.5, -1.0, 0.25])


def negative_literal_power(y, x):
    y, x = ((-1.0) ** 0, 0.5 * x)  # printed once as -1.0 ** 0, which is -(1.0 ** 0)
    if 0.5 < y:
        x = x * 3.0
    return x


def iterate_a_rebound_name(v):
    for e in v:  # iterates the array v held when the loop started
        v = v * e
    return np.mean(v)


def shared_array_augmented(x):
    a = np.tanh(W3 * x)
    b = a
    a -= 1.0  # changes b too
    return np.sum(b)


def zero_size_buffer(v, m):
    buf = np.zeros((0, 1))
    buf[:, 0] += v[0]
    for _ in range(2, 0, -1):
        m = buf * np.full(0, 1.0)
    return np.sum(m) + np.sum(v)


def min_temporary_hides_min(x, v):
    s = x * np.min(v)
    for a, b in zip(v, v):
        s = s + a * b * x
    return s


def numpy_scalar_zero_gradient_indexed(v, u):
    k3 = 0
    while k3 < 5:
        k3 = k3 + 1
        u, v = (v, u * np.tanh(math.exp(math.tanh(-0.7))))
        for e10 in u:  # noqa: B007 (the last element is the result)
            pass
    return e10


def view_read_before_augmented(v):
    a = np.sin(v)
    a += 0.5 * a[0]  # the view a[0] is used up before a changes
    return np.sum(a * a)


def view_read_after_augmented(v):
    a = np.sin(v)
    b = a[0:2]
    a += 1.0  # changes b too, which is read below
    return np.sum(b * b)


def view_consumed_in_a_loop(v):
    a = np.sin(v)
    for _ in range(3):
        a += 0.25 * a[1] * a
    return np.sum(a)


def unused_min_in_a_branch(v):
    # the unused max/min was taken for a shift whose gradient is zero; its comment was
    # then the only line of an adjoint block (an IndentationError)
    if 1.0:
        s3 = np.min(v)  # noqa: F841
    return np.sum(v * v)


# open world: an array method's name on an object of a user class that defines it was
# written as the NumPy function (np.dot(u, w)), which crashed or took the object for a number
class Vec:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __add__(self, other):
        return Vec(self.x + other.x, self.y + other.y)

    def __neg__(self):
        return Vec(-self.x, -self.y)

    def dot(self, other):
        return self.x * other.x + self.y * other.y


UNIT = Vec(0.5, -0.25)


def method_of_an_operator_result(y, x):
    u = -Vec(y, x)  # an object f builds, through an operator
    return x + u.dot(UNIT)


def method_of_an_expression(x):
    u = Vec(math.sin(x), 0.5 * x)
    return math.tanh((u + Vec(x, 0.5)).dot(u))


def method_of_a_module_object(x):
    u = UNIT
    return x * u.dot(u)


def method_in_a_loop_over_objects(x):
    total = 0.0
    for it in [Vec(x, 0.5), UNIT]:
        total = total + (it + it).dot(UNIT)
    return total
