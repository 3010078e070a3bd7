"""`pullback.jacobian(pullback.grad(g))` is g's Hessian, in every mode: the gradient's
wrapper (which takes *args) is bound as the function it differentiates, so `wrt` names
and positions mean the same for jacobian as for grad. Checked against hessian and
central differences of the gradient."""

import warnings

import numpy as np
import pytest

import pullback

Z = np.array([0.5, -1.0, 2.0])
W = np.array([[1.0, 0.3, 0.0], [0.2, -0.5, 1.1]])


def energy(z):
    return np.sum(np.sin(z) * z) + np.prod(z[:2]) ** 2


def coupled(w, z):
    return np.sum(np.tanh(w @ z) ** 2)


def _fd_jacobian(fn, x, eps=1e-6):
    cols = []
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = eps
        cols.append((fn(x + e.reshape(x.shape)) - fn(x - e.reshape(x.shape))).ravel() / (2 * eps))
    return np.stack(cols, axis=-1)


@pytest.mark.parametrize("mode", ["auto", "fwd", "rev"])
def test_jacobian_of_the_gradient_is_the_hessian(mode):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # mode "rev" may sweep per row
        J = pullback.jacobian(pullback.grad(energy), mode=mode)(Z)
    np.testing.assert_allclose(J, pullback.hessian(energy)(Z), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(J, _fd_jacobian(pullback.grad(energy), Z), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("wrt", [1, "z"])
def test_wrt_by_position_and_name(wrt):
    gradient = pullback.grad(coupled, wrt=wrt)
    J = pullback.jacobian(gradient, wrt=wrt, mode="fwd")(W, Z)
    expected = _fd_jacobian(lambda z: gradient(W, z), Z)
    np.testing.assert_allclose(J, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn", [np.diff, np.cumsum, np.sin])
@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_a_library_function_handed_to_jacobian_itself(fn, mode):
    """As grad, vjp and jvp do, jacobian takes np.diff (a library function) itself: its rule
    applies to a function that calls it (it raised "no signature found for builtin")."""
    x = np.array([0.5, -1.0, 2.0, 0.3])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # mode "rev" may sweep per row
        J = pullback.jacobian(fn, mode=mode)(x)
    np.testing.assert_allclose(J, _fd_jacobian(fn, x), rtol=1e-6, atol=1e-8)
