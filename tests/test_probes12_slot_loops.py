"""Second order through a loop that writes slots of an array it also reads whole: the
gradient's loop takes the slots' gradients out of `du` (take_slot_grad writes its first
operand) and then adds the whole read's part (`du = add_grads(du, dun)`, which returns
du's object or a new one). The loop's `du` is so bound again after every write, and
hvp, hessian and reverse over reverse of it are differentiated (they were refused as a
read after the write) and match central differences of the gradient."""

import numpy as np
import pytest
from test_higher import check_reverse_over_reverse, check_second_order


def heat_steps(x):
    u = x.copy()
    for _ in range(3):
        un = u.copy()
        u[1:-1] = un[1:-1] + 0.2 * (un[2:] - 2 * un[1:-1] + un[:-2])
        u[0] = u[-1] = 0.0
    return np.sum(u ** 2)


def boundary_each_trip(x):
    u = np.array(x, dtype=float)
    k = 0
    while k < 3:
        u[0] = np.sin(u[1])
        u[-1] = u[-2] * u[0]
        u = u * 0.9 + np.roll(u, 1) * 0.1
        k += 1
    return np.sum(u ** 3)


def grid_rows(x):
    g = np.outer(x, x[::-1])
    for i in range(2):
        old = g.copy()
        g[i, :] = np.tanh(old[i + 1, :]) * old[i, :]
        g[:, i] = old[:, i] ** 2
    return np.sum(g * g)


def written_then_read_whole(x):
    acc = np.zeros(len(x))
    total = 0.0
    for j in range(len(x)):
        acc[j] = x[j] * np.sum(acc + 1.0)
        total = total + np.dot(acc, x)
    return total


@pytest.mark.parametrize("fn", [heat_steps, grid_rows, written_then_read_whole],
                         ids=lambda f: f.__name__)
def test_hessian_hvp_and_reverse_over_reverse(fn):
    x = np.array([0.4, -0.8, 1.1, 0.6, 0.3])
    check_second_order(fn, (x,), np.random.default_rng(4), nonzero=True)
    check_reverse_over_reverse(fn, (x,))
