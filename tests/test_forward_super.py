"""super() in forward mode and at second order: the tangent of super() is the object's
(reverse mode already took its gradient as the object's). jvp and hvp against
differences, with super() calling an inherited method, super(Cls, self), a parent
__init__ storing parameters, and a chain of two parents."""

import numpy as np
import pytest

import pullback


class Base:
    def __init__(self, w, b):
        self.w, self.b = w, b

    def __call__(self, x):
        return np.tanh(x @ self.w + self.b)

    def energy(self, x):
        return np.sum(self(x) ** 2)


class Scaled(Base):
    def __init__(self, w, b, s):
        super().__init__(w, b)
        self.s = s

    def __call__(self, x):
        return self.s * super().__call__(x)


class Shifted(Scaled):
    def __call__(self, x):
        return super(Shifted, self).__call__(x) + self.b ** 2  # noqa: UP008 (tested)

    def energy(self, x):
        return super().energy(x) + 0.1 * np.sum(self.w ** 2)


X = np.array([[0.3, -0.2, 0.9], [1.0, 0.4, -0.5]])


def scaled(p):
    return np.sum(Scaled(p[:3], p[3], p[4])(X))


def shifted(p):
    return Shifted(p[:3], p[3], p[4]).energy(X)


def parent_method(p):
    m = Shifted(p[:3] * 0.5, p[3], 2.0)
    return Base.energy(m, X) * p[4]


@pytest.mark.parametrize("f", [scaled, shifted, parent_method], ids=lambda f: f.__name__)
def test_super_in_forward_mode_and_at_second_order(f):
    p = np.array([0.4, -0.7, 0.2, 0.3, 1.5])
    v = np.array([0.5, 0.1, -0.3, 0.8, -0.6])
    value, tangent = pullback.jvp(f)(p, v)
    assert np.isclose(value, f(p), rtol=1e-13)
    numeric = (f(p + 1e-6 * v) - f(p - 1e-6 * v)) / 2e-6
    assert np.isclose(tangent, numeric, rtol=1e-6, atol=1e-9)
    gradient = pullback.grad(f)
    expected = (gradient(p + 1e-5 * v) - gradient(p - 1e-5 * v)) / 2e-5
    np.testing.assert_allclose(pullback.hvp(f)(p, v), expected, rtol=1e-5, atol=1e-7)
