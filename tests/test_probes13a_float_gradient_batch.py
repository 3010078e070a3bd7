"""hessian (vector forward mode over the gradient) of loops whose last value of an array
is unused: its gradient starts as the float 0.0 and stays a float through
`unbroadcast_to`/`unbroadcast` in the loop's first reverse trip, so its batch of
tangents must stay the batch of a number, shape (k,), which broadcasts as the float
does; it used to become (k,) + the array's shape, which a product with a number's
tangents could not broadcast with (a crash, "operands could not be broadcast")."""

import numpy as np
import pytest
from test_higher import check_second_order

import pullback


def stochastic_vol(p, Z):
    S = np.full(Z.shape[0], 1.0)
    v = np.full(Z.shape[0], p[1])
    for t in range(Z.shape[1]):
        S = S * np.exp(p[0] * v * Z[:, t])
        v = v + p[2] * (p[1] - v) * 0.1  # the last v is never read
    return np.mean(S)


def columns(p, Z):
    a = np.zeros(Z.shape[0])
    b = np.ones(Z.shape[0]) * p[0]
    for z in Z.T:
        a = a + np.sin(b * z)
        b = b * p[1] * 0.5 + z
    return np.sum(a ** 2)


def heston_like(p, Z1, Z2):
    kappa, theta, xi, rho, v0 = p
    S = np.full(Z1.shape[0], 1.0)
    v = np.full(Z1.shape[0], v0)
    dt = 1.0 / Z1.shape[1]
    for t in range(Z1.shape[1]):
        W2 = rho * Z1[:, t] + np.sqrt(1 - rho ** 2) * Z2[:, t]
        S = S * np.exp(-0.5 * v * dt + np.sqrt(v * dt) * Z1[:, t])
        v = v + kappa * (theta - v) * dt + xi * 0.1 * np.sqrt(v * dt) * W2
    return np.mean(np.log(S) ** 2)


def while_carry(p, Z):
    x = p[0] * np.ones(Z.shape[1])
    y = np.zeros(Z.shape[1])
    k = 0
    while k < Z.shape[0]:
        y = y + np.tanh(x * Z[k])
        x = x * p[1] + 0.1
        k += 1
    return np.sum(y * y)


rng0 = np.random.default_rng(5)
CASES = [
    (stochastic_vol, (np.array([0.3, 0.5, 0.7]), rng0.normal(size=(4, 3)))),
    (columns, (np.array([0.3, 0.5]), rng0.normal(size=(4, 3)))),
    (heston_like, (np.array([1.5, 0.3, 0.3, -0.6, 0.3]), rng0.normal(size=(6, 4)),
                   rng0.normal(size=(6, 4)))),
    (while_carry, (np.array([0.3, 0.8]), rng0.normal(size=(3, 4)))),
]


@pytest.mark.parametrize("fn, args", CASES, ids=[c[0].__name__ for c in CASES])
def test_hessian_and_hvp(fn, args):
    check_second_order(fn, args, np.random.default_rng(1), nonzero=True)


@pytest.mark.parametrize("fn, args", CASES, ids=[c[0].__name__ for c in CASES])
def test_reverse_jacobian_of_gradient(fn, args):
    """The same helpers carry a batch of seeds through the gradient's own vjp."""
    g = pullback.grad(fn)
    J = pullback.jacobian(g, mode="rev")(*args)
    H = pullback.hessian(fn)(*args)
    np.testing.assert_allclose(J, H, rtol=1e-7, atol=1e-9)
