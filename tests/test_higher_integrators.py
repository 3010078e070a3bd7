"""Second order of time steppers that call a right-hand side several times per step
(Runge-Kutta, Heun, midpoint): the rhs builds its result from items of the state
(`np.array([a * u - b * u * v, ...])`), so each call's gradient is an array the generated
gradient makes afresh in every trip (`accum_index(0.0, z, i, g)`) and then writes items
into. The aliasing check of the generated gradient, differentiated again, took the
loop-carried gradient of the state, made in an earlier trip, for a name that may share
that trip's fresh array: it refused hvp and hessian. A value made before the array
exists in a trip is not that array. Checked against differences of the gradient, in
several spellings; and reverse over reverse, through the gradient of the list
`np.array([...])` is built from."""

from __future__ import annotations

import numpy as np
import pytest
from test_higher import check_reverse_over_reverse, check_second_order

import pullback
from pullback.errors import PullbackError


def lotka_rhs(z, p):
    u, v = z[0], z[1]
    return np.array([p[0] * u - p[1] * u * v, -p[2] * v + p[3] * u * v])


def rk4_module_rhs(z0, p=(1.0, 0.5, 0.8, 0.3), steps=6, h=0.05):
    z = z0
    for _ in range(steps):
        k1 = lotka_rhs(z, p)
        k2 = lotka_rhs(z + h / 2 * k1, p)
        k3 = lotka_rhs(z + h / 2 * k2, p)
        k4 = lotka_rhs(z + h * k3, p)
        z = z + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return z[0] ** 2 + 2 * z[1]


START = np.array([1.0, 0.7])


def rk4_params(p, z0=START, steps=5, h=0.05):
    a, b, c, d = p[0], p[1], p[2], p[3]

    def rhs(z):
        u, v = z[0], z[1]
        return np.array([a * u - b * u * v, -c * v + d * u * v])

    z = z0
    for _ in range(steps):
        k1 = rhs(z)
        k2 = rhs(z + h / 2 * k1)
        k3 = rhs(z + h / 2 * k2)
        k4 = rhs(z + h * k3)
        z = z + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return z[0] + 2 * z[1] ** 2


def heun_closure(z0, steps=8, h=0.1):
    def rhs(z):
        return np.array([z[1], -np.sin(z[0]) - 0.1 * z[1]])

    z = z0
    for _ in range(steps):
        k1 = rhs(z)
        k2 = rhs(z + h * k1)
        z = z + h / 2 * (k1 + k2)
    return np.sum(z ** 2)


def midpoint_while(z0, h=0.1):
    def rhs(z):
        x, y, w = z[0], z[1], z[2]
        return np.array([y * w, -x * w, 0.1 * x * y])

    z, t = z0, 0.0
    while t < 0.55:
        zm = z + h / 2 * rhs(z)
        z = z + h * rhs(zm)
        t += h
    return z[0] * z[2] + z[1] ** 2


CASES = [
    (rk4_module_rhs, lambda rng: (np.array([1.0, 0.7]) + 0.1 * rng.normal(size=2),)),
    (rk4_params, lambda rng: (np.array([1.0, 0.5, 0.8, 0.3]) + 0.05 * rng.normal(size=4),)),
    (heun_closure, lambda rng: (rng.normal(size=2),)),
    (midpoint_while, lambda rng: (rng.normal(size=3),)),
]


@pytest.mark.parametrize("fn,make", CASES, ids=[c[0].__name__ for c in CASES])
def test_hessian_and_hvp(fn, make):
    rng = np.random.default_rng(7)
    check_second_order(fn, make(rng), rng, nonzero=True)


@pytest.mark.parametrize("fn,make", CASES, ids=[c[0].__name__ for c in CASES])
def test_reverse_over_reverse(fn, make):
    """item_grad's adjoint takes the gradient of the list np.array([...]) is built from."""
    check_reverse_over_reverse(fn, make(np.random.default_rng(7)))


# the same check on code written with the generated gradient's own helper: a view of the
# array made before the helper writes into it, read after, is still refused
from pullback.runtime.helpers import accum_index  # noqa: E402


def view_read_after_the_write(x):
    d = accum_index(0.0, x, 0, x[1] ** 2)
    v = d[0:2]
    d2 = accum_index(d, x, 0, x[2])
    return np.sum(v * x[:2]) + np.sum(d2)


def view_of_an_earlier_trip(x):
    t, v = 0.0, x[:2] * 0
    for i in range(3):
        t = t + np.sum(v * x[:2])
        d = accum_index(0.0, x, 0, x[1] ** 2)
        v = d[0:2]
        d2 = accum_index(d, x, 1, x[i])
        t = t + np.sum(d2)
    return t


def result_carried_to_the_next_trip(x):
    t, w = 0.0, x * 0
    for i in range(3):
        t = t + np.sum(w * x)
        d = accum_index(0.0, x, 0, x[1] ** 2)
        d2 = accum_index(d, x, 1, x[i])
        w = d2
        t = t + np.sum(d2 * x)
    return t


@pytest.mark.parametrize("fn", [view_read_after_the_write, view_of_an_earlier_trip])
def test_a_view_the_write_would_change_is_refused(fn):
    with pytest.raises(PullbackError) as info:
        pullback.grad(fn)(np.array([0.5, -1.0, 2.0]))
    assert "accum_index" in str(info.value) or "may share memory" in str(info.value)


def test_the_result_carried_to_the_next_trip():
    from fd import assert_grad_matches

    assert_grad_matches(result_carried_to_the_next_trip, (np.array([0.5, -1.0, 2.0]),))
