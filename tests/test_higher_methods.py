"""Second order through calls a gradient resolves when it runs (runtime/method_tangents):
hessian and hvp of functions calling methods of objects of user classes, callable
objects and bound methods held in names, against central differences of the gradient,
in several spellings (a callable object calling another method of its own, a bound
method passed to hessian, inheritance and super(), an object passed as an argument or
taken from a list, keywords, a call in a loop, an array's method resolved when it runs);
forward tangents of an object refused with the user's line (reverse over reverse:
tests/test_higher11_methods.py)."""

from __future__ import annotations

import numpy as np
import pytest
from test_higher import check_second_order

import pullback


class Tanh:
    def __call__(self, z):
        return self.fn(z)

    def fn(self, z):
        return np.tanh(z)

    def grad(self, z):
        return 1 - np.tanh(z) ** 2


class ELU:
    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def __call__(self, z):
        return self.fn(z)

    def fn(self, z):
        return np.where(z > 0, z, self.alpha * (np.exp(z) - 1))


class SELU(ELU):
    def __init__(self):
        super().__init__(alpha=1.6732632423543772)
        self.scale = 1.0507009873554805

    def fn(self, z):
        return self.scale * super().fn(z)


class SoftPlus:
    def fn(self, z, beta=1.0):
        return np.log1p(np.exp(beta * z)) / beta


class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def __call__(self, x):
        return np.sin(self.W @ x + self.b) * x[0]


class Pair:
    def value(self, x, y, *, k=2.0):
        return np.sum(x * y ** 2) * k + np.sum(np.cos(x * y))


TANH, SELU_ACT, ELU_ACT, SOFTPLUS = Tanh(), SELU(), ELU(0.5), SoftPlus()
RNG = np.random.default_rng(0)
AFFINE = Affine(RNG.normal(size=(3, 3)), RNG.normal(size=3))
FN = Tanh().fn
PAIR = Pair()
ACTS = [Tanh(), SoftPlus()]


def callable_object(z):
    return np.sum(TANH(z) * z)


def bound_method_global(z):
    return np.sum(FN(z) ** 3)


def method_calling_method(z):
    return np.sum(TANH.grad(z) * z)


def inheritance_super(z):
    return np.sum(SELU_ACT(z) * z)


def subclass_attribute(z):
    return np.sum(ELU_ACT.fn(z) ** 2)


def keyword_argument(z):
    return np.sum(SOFTPLUS.fn(z, beta=2.0) * z)


def object_with_arrays(x):
    return np.sum(AFFINE(x) ** 2)


def object_passed(z, act):
    return np.sum(act(z) * np.sin(z))


def two_arguments(x):
    return PAIR.value(x, x[::-1], k=3.0)


def from_a_list(z):
    total = 0.0
    for act in ACTS[:1]:
        total = total + np.sum(act.fn(z) * z)
    return total + np.sum(ACTS[1].fn(z) ** 2)


def in_a_loop(z):
    y = z
    for _ in range(3):
        y = TANH(y) + 0.5 * y
    return np.sum(y ** 2)


def twice(z):
    return np.sum(TANH(TANH(z)) * SOFTPLUS.fn(z))


class Poly:
    def __call__(self, z):
        s = 0.0
        for k in range(3):
            s = s + np.sin(z * (k + 1)) * self.weights[k]
        return s

    def __init__(self):
        self.weights = [1.0, -0.5, 0.25]


POLY = Poly()


def method_with_a_loop(z):
    """The method's backward accumulates `dz += ...` in its loop, then returns (dz,):
    forward mode over it takes that update as made on an array of its own."""
    return np.sum(POLY(z) * z)


def _series(z):
    s = 0.0
    for k in range(4):
        s = s + np.cos(z * k) / (k + 1)
    t = s * s
    u = t + s
    v = u * 0.5
    w = v - 1.0
    return w * z


def named_function_with_a_loop(z):
    return np.sum(_series(z))


CASES = [
    (method_with_a_loop, lambda r: (r.normal(size=3),)),
    (named_function_with_a_loop, lambda r: (r.normal(size=3),)),
    (callable_object, lambda r: (r.normal(size=4),)),
    (bound_method_global, lambda r: (r.normal(size=3),)),
    (method_calling_method, lambda r: (r.normal(size=4),)),
    (inheritance_super, lambda r: (r.normal(size=5) + 0.05,)),
    (subclass_attribute, lambda r: (r.normal(size=4) + 0.05,)),
    (keyword_argument, lambda r: (r.normal(size=3),)),
    (object_with_arrays, lambda r: (r.normal(size=3),)),
    (object_passed, lambda r: (r.normal(size=3), Tanh())),
    (two_arguments, lambda r: (r.normal(size=4),)),
    (from_a_list, lambda r: (r.normal(size=3),)),
    (in_a_loop, lambda r: (r.normal(size=3),)),
    (twice, lambda r: (r.normal(size=3),)),
]


@pytest.mark.parametrize("fn, make", CASES, ids=[c[0].__name__ for c in CASES])
def test_hessian_and_hvp_through_methods(fn, make):
    rng = np.random.default_rng(3)
    check_second_order(fn, make(rng), rng, nonzero=True)


def test_jvp_of_the_gradient_through_a_method():
    z = np.array([0.3, -0.7, 1.1])
    v = np.array([1.0, -2.0, 0.5])
    g, hv = pullback.jvp(pullback.grad(callable_object))(z, v)
    np.testing.assert_allclose(g, pullback.grad(callable_object)(z))
    np.testing.assert_allclose(hv, pullback.hvp(callable_object)(z, v), rtol=1e-12)


def test_bound_method_differentiated_directly():
    """`fn = Act().fn` passed to hessian: the method itself is the function transformed,
    its own calls of self's methods resolved when they run."""
    z = np.array([0.2, -0.4, 0.9])
    H = pullback.hessian(lambda x: np.sum(SELU_ACT.fn(x)))(z)
    t = np.tanh(z)
    np.testing.assert_allclose(pullback.hessian(lambda x: np.sum(TANH(x)))(z),
                               np.diag(-2 * t * (1 - t ** 2)), rtol=1e-10)
    alpha, scale = SELU_ACT.alpha, SELU_ACT.scale
    np.testing.assert_allclose(H, np.diag(np.where(z > 0, 0.0, scale * alpha * np.exp(z))),
                               rtol=1e-10)


class Scaled:
    def __init__(self, w):
        self.w = w

    def __call__(self, z):
        return np.tanh(self.w * z)


def object_built_from_the_input(w, z):
    return np.sum(Scaled(w)(z))


def test_hessian_with_respect_to_values_the_object_carries():
    """Vector mode takes no batch of tangents of an object f builds: hessian takes hvp's
    columns instead (in closed form: sum of -2 t (1 - t^2) z^2, t = tanh(w z))."""
    z = np.array([0.5, -1.0])
    t = np.tanh(0.7 * z)
    assert pullback.hessian(object_built_from_the_input)(0.7, z) == pytest.approx(
        np.sum(-2 * t * (1 - t ** 2) * z ** 2), rel=1e-12)


def _accumulated_then_paired(x):
    b = x * 1.0
    for i in range(3):
        b += x * (i + 1.0)
    pair = (b, 2.0)
    return np.sum(pair[0] ** 2 * pair[1])


def _paired_then_accumulated(x):
    b = x * 1.0
    total = 0.0
    for i in range(3):
        pair = (b, 2.0)
        b += x * (i + 1.0)
        total = total + np.sum(pair[0])
    return total


def test_an_update_in_place_then_put_in_a_tuple_for_good():
    """`b += v` in a loop, b put into a tuple after the loop: the tuple holds the final
    array, which nothing updates again (differentiated); a tuple made before an update
    in the loop would see it change (refused)."""
    from fd import numeric_grad

    x = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(pullback.grad(_accumulated_then_paired)(x),
                               numeric_grad(_accumulated_then_paired, (x,)), rtol=1e-6)
    with pytest.raises(pullback.PullbackError) as info:
        pullback.grad(_paired_then_accumulated)(x)
    assert "b += x * (i + 1.0)" in str(info.value)


def test_callable_object_and_bound_method_passed_to_hessian():
    """The object itself, or its bound method, passed to hessian: the function under it
    with the object first, its own calls of self's methods resolved when they run."""
    x = 0.3
    t = np.tanh(x)
    np.testing.assert_allclose(pullback.hessian(TANH)(x), -2 * t * (1 - t ** 2), rtol=1e-10)
    e = np.exp(2.0 * x)  # softplus(2x) / 2: second derivative 2 e / (1 + e)^2
    np.testing.assert_allclose(pullback.hessian(SoftPlus().fn)(x, beta=2.0),
                               2 * e / (1 + e) ** 2, rtol=1e-10)
    z = np.array([0.2, -0.4, 0.9])
    h = pullback.hvp(lambda v: np.sum(SELU_ACT(v) ** 2))(z, np.ones(3))
    expected = pullback.jvp(pullback.grad(lambda v: np.sum(SELU_ACT(v) ** 2)))(z, np.ones(3))
    np.testing.assert_allclose(h, expected[1], rtol=1e-12)
