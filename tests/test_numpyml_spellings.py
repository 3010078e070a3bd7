"""Spellings numpy-ml's activations, losses and layers use: names the function binds
to library functions, methods of objects it reads from its module or a closure, and
array methods given their shape spread (`X.reshape(*rs)`).

- `pi, sqrt, tanh = np.pi, np.sqrt, np.tanh` (or `tanh = np.tanh`, `e = math.erf`) at the
  top of a function: the calls after it are calls of the library function, with its rule
  (they were refused as calls pullback could not resolve).
- `act.fn(z)` where `act` is a module global or a closure variable holding an object of
  a user class, and `fn(z)` where `fn` holds such a bound method: differentiated, and to
  second order (the method's function is transformed as a call is, the object passed
  first; a rebinding of the object or of the method is caught when the gradient runs).
"""

import math

import numpy as np
import pytest
import scipy.special
from fd import assert_grad_matches

import pullback
from pullback.errors import PullbackError

RNG = np.random.default_rng(13)


def gelu(z):
    pi, sqrt, tanh = np.pi, np.sqrt, np.tanh
    return np.sum(0.5 * z * (1 + tanh(sqrt(2 / pi) * (z + 0.044715 * z ** 3))))


def erf_scaled(x):
    e = math.erf
    return e(x / math.sqrt(2)) * x


def expit_sum(z):
    ex, total = scipy.special.expit, np.sum
    return total(ex(z) * z)


def alias_in_loop(z):
    y = z * 2
    tanh = np.tanh
    for _ in range(3):
        y = tanh(y) + np.cos(y)
    return np.sum(y)


def alias_passed_on(z):
    square = np.square
    return np.sum(list(map(square, [z[0], z[1]]))) + np.sum(square(z))


@pytest.mark.parametrize("f", [gelu, expit_sum, alias_in_loop, alias_passed_on])
def test_library_functions_under_local_names(f):
    assert_grad_matches(f, (RNG.normal(size=3),))


def test_math_function_under_a_local_name():
    assert_grad_matches(erf_scaled, (0.7,))
    x = 0.7  # closed form: d/dx x erf(x/sqrt2) = erf(x/sqrt2) + x sqrt(2/pi) exp(-x^2/2)
    expected = math.erf(x / math.sqrt(2)) + x * math.sqrt(2 / math.pi) * math.exp(-x * x / 2)
    assert np.isclose(pullback.grad(erf_scaled)(x), expected)


def test_local_alias_second_order_and_forward_mode():
    x, v = RNG.normal(size=3), RNG.normal(size=3)
    h = 1e-6
    g = pullback.grad(gelu)
    fd = np.array([(g(x + h * e) - g(x - h * e)) / (2 * h) for e in np.eye(3)])
    assert np.allclose(pullback.hessian(gelu)(x), fd, atol=1e-6)
    _, tangent = pullback.jvp(gelu)(x, v)
    assert np.isclose(tangent, g(x) @ v)


def read_before_binding(z):
    y = tanh(z)  # noqa: F821 (raises UnboundLocalError in f)
    tanh = np.tanh
    return np.sum(y * tanh(z))


def bound_on_one_branch(z):
    t = np.tanh
    if z[0] > 0:
        t = np.sin
    return np.sum(t(z))


def test_names_bound_otherwise_are_not_taken_for_the_library_function():
    with pytest.raises(UnboundLocalError):
        read_before_binding(np.ones(2))
    with pytest.raises((PullbackError, UnboundLocalError)):  # never a number
        pullback.grad(read_before_binding)(np.ones(2))
    for z in ([0.3, 0.2], [-0.3, 0.2]):  # one of two functions: the one f calls
        assert_grad_matches(bound_on_one_branch, (np.array(z),))  # (chosen_functions.py)


class Activation:
    def __init__(self, k):
        self.k = k

    def fn(self, z):
        return np.tanh(self.k * z) + self.shift(z)

    def shift(self, z):
        return 0.1 * z ** 2

    @classmethod
    def default(cls):
        return cls(2.0)


ACT = Activation(1.5)
ACT_FN = ACT.fn


def through_global_object(z):
    return np.sum(ACT.fn(z) ** 2)


def through_global_bound_method(z):
    return np.sum(ACT_FN(z))


def _through_closure(fn):
    def loss(z):
        return np.sum(fn(z) * z)
    return loss


def _through_closure_object(act):
    def loss(z):
        return np.sum(act.fn(z))
    return loss


def _fd_hessian(f, x):
    g, h = pullback.grad(f), 1e-6
    return np.array([(g(x + h * e) - g(x - h * e)) / (2 * h) for e in np.eye(x.size)])


@pytest.mark.parametrize("make", [
    lambda: through_global_object, lambda: through_global_bound_method,
    lambda: _through_closure(ACT.fn), lambda: _through_closure_object(ACT),
    lambda: _through_closure(Activation.default().fn)])
def test_methods_of_objects_read_from_the_module_or_a_closure(make):
    f = make()
    x, v = RNG.normal(size=3), RNG.normal(size=3)
    assert_grad_matches(f, (x,))
    _, tangent = pullback.jvp(f)(x, v)
    assert np.isclose(tangent, pullback.grad(f)(x) @ v)


class Scaled:
    def __init__(self, k):
        self.k = k

    def fn(self, z):
        return np.tanh(self.k * z) * z


SCALED = Scaled(0.7)


def through_global_scaled(z):
    return np.sum(SCALED.fn(z) ** 2)


@pytest.mark.parametrize("make", [
    lambda: through_global_scaled, lambda: _through_closure_object(Scaled(1.3))])
def test_second_order_through_a_method_of_a_module_or_closure_object(make):
    f = make()
    x, v = RNG.normal(size=3), RNG.normal(size=3)
    expected = _fd_hessian(f, x)
    assert np.allclose(pullback.hessian(f)(x), expected, atol=1e-6)
    assert np.allclose(pullback.hvp(f)(x, v), expected @ v, atol=1e-6)


def test_a_rebound_method_or_object_is_caught_when_the_gradient_runs():
    global ACT
    g = pullback.grad(through_global_object)
    x = RNG.normal(size=3)
    g(x)
    saved = ACT
    try:
        ACT = Activation(3.0)
        with pytest.raises(PullbackError, match="ACT"):
            g(x)
    finally:
        ACT = saved
    original = Activation.fn
    try:
        Activation.fn = lambda self, z: np.sin(z)
        with pytest.raises(PullbackError, match="fn"):
            g(x)
    finally:
        Activation.fn = original
    assert_grad_matches(through_global_object, (x,))


def test_second_order_through_a_method_the_method_calls():
    # Activation.fn calls self.shift(z): resolved when it runs, and its forward mode too
    # (runtime/method_tangents.py), so hessian and hvp go through it
    from test_higher import check_second_order
    check_second_order(through_global_object, (RNG.normal(size=3),), np.random.default_rng(6))


def _apply(act, z):
    return np.sum(act.fn(z))


def test_forward_mode_of_a_method_of_an_object_being_differentiated():
    # the object's tangent is an object of its class (as grad returns): the method reads
    # its attributes' tangents from it
    act, z = Scaled(0.9), RNG.normal(size=3)
    assert np.isclose(pullback.jvp(_apply, wrt=1)(act, z, np.ones(3))[1],
                      pullback.grad(_apply, wrt=1)(act, z).sum())
    value, tangent = pullback.jvp(_apply, wrt=0)(act, z, Scaled(1.0))
    assert value == pytest.approx(_apply(act, z))
    assert tangent == pytest.approx(np.sum(z ** 2 * (1 - np.tanh(0.9 * z) ** 2)), rel=1e-12)
    assert tangent == pytest.approx(pullback.grad(_apply)(act, z).k, rel=1e-12)
    with pytest.raises(PullbackError, match="the tangent for act must be a Scaled object"):
        pullback.jvp(_apply, wrt=0)(act, z, (1.0,))


# ------------- one code object, several functions with different function defaults


class Layer:
    def __init__(self, k):
        self.k = k

    def __call__(self, z):
        return np.tanh(self.k * z)


def test_functions_made_in_a_loop_with_function_defaults_each_get_their_gradient():
    # `lambda x, f=f: ...` in a comprehension: one code object, a default per function
    fs = [lambda x, f=f: f(x) * 2 for f in (np.sin, np.cos, np.exp)]
    got = [pullback.grad(f)(0.5) for f in fs]
    assert np.allclose(got, [2 * np.cos(0.5), -2 * np.sin(0.5), 2 * np.exp(0.5)])
    for k in (1.0, 2.0, 3.0):
        made = Layer(k)

        def loss(z, layer=made):
            return np.sum(layer(z))
        z = RNG.normal(size=2)
        assert np.allclose(pullback.grad(loss)(z), k * (1 - np.tanh(k * z) ** 2))
    # a gradient handed another function runs the code made for that one
    assert np.isclose(pullback.grad(fs[0])(0.5, np.cos), -2 * np.sin(0.5))


# ------------------------------------------- x.reshape(*shape), x.transpose(*axes)


def reshape_spread(X):
    rs = (X.shape[0], -1)
    return np.sum(X.reshape(*rs) ** 2 @ np.ones(12))


def transpose_spread(X):
    axes = [2, 0, 1]
    return np.sum(X.transpose(*axes)[0] * np.arange(6.0).reshape(2, 3))


def reshape_spread_and_more(X):
    return np.sum(X.reshape(*X.shape[:1], -1) ** 3) + np.sum(X.reshape(*(4, 6)) ** 2)


@pytest.mark.parametrize("f", [reshape_spread, transpose_spread, reshape_spread_and_more])
def test_array_methods_given_their_shape_spread(f):
    assert_grad_matches(f, (RNG.normal(size=(2, 3, 4)),))
