"""np.vectorize of a user function (issue 12): the call runs as the loop over elements
NumPy runs (lower/vectorized.py), so each element's gradient is the function's
derivative there. Spellings: made in the call, bound to a local name, a module-level
object, `@np.vectorize`, a lambda, several arguments broadcast together, otypes (an int
output type truncates: no gradient), cache=True. Checked against central finite
differences; the number of calls (NumPy calls the first element once more to find the
output type) counted against f's; excluded= and signature= refused with the line."""

from __future__ import annotations

import math

import numpy as np
import pytest
from fd import numeric_grad

import pullback
from pullback.errors import PullbackError

X = np.array([[0.3, -0.7, 1.1], [0.2, 0.5, -1.3]])
Y = np.array([1.5, -0.5, 2.0])


def piecewise(t):
    if t > 0:
        return t ** 2 + 1.0
    return math.sin(t)


def mix(t, s):
    return t * s + np.cos(t * s)


def counted(t):
    print("called")
    return t * 3.0 + t ** 3


SQUASH = np.vectorize(piecewise)


@np.vectorize
def decorated(t):
    return np.tanh(t) * 2.0 if t < 1.0 else t


def made_in_the_call(x):
    return np.sum(np.vectorize(piecewise)(x) ** 2)


def bound_locally(x):
    vf = np.vectorize(piecewise, otypes=[float])
    y = vf(x)
    return np.sum(y * vf(x * 0.5))


def module_object(x):
    return np.sum(SQUASH(x) * x)


def decorator(x):
    return np.sum(decorated(x) ** 2)


def of_a_lambda(x):
    return np.sum(np.vectorize(lambda t: t * math.exp(-t))(x))


def two_arguments(x, y):
    return np.sum(np.vectorize(mix)(x, y) ** 2)


def scalar_argument(x):
    k = 0.7
    return np.sum(np.vectorize(mix)(k, x))


def cached(x):
    return np.sum(np.vectorize(piecewise, cache=True)(x))


CASES = [made_in_the_call, bound_locally, module_object, decorator, of_a_lambda,
         scalar_argument, cached]


@pytest.mark.parametrize("f", CASES, ids=[f.__name__ for f in CASES])
def test_vectorize_of_a_user_function_matches_fd(f):
    g = pullback.grad(f)(X)
    np.testing.assert_allclose(g, numeric_grad(f, (X,)), rtol=1e-6, atol=1e-9)
    value, _ = pullback.value_and_grad(f)(X)
    assert value == pytest.approx(f(X))


def test_two_arguments_broadcast_together():
    gx, gy = pullback.grad(two_arguments, wrt=(0, 1))(X, Y)
    np.testing.assert_allclose(gx, numeric_grad(lambda x: two_arguments(x, Y), (X,)),
                               rtol=1e-6)
    np.testing.assert_allclose(gy, numeric_grad(lambda y: two_arguments(X, y), (Y,)),
                               rtol=1e-6)


def test_an_int_output_type_truncates_and_carries_no_gradient():
    def f(x):
        return np.sum(np.vectorize(piecewise, otypes="i")(x * 3.0) * 1.0) + np.sum(x)

    np.testing.assert_allclose(pullback.grad(f)(X), np.ones_like(X))
    assert pullback.value_and_grad(f)(X)[0] == f(X)


def numpy_types(x):
    return np.sum(np.vectorize(counted)(x))


def given_types(x):
    return np.sum(np.vectorize(counted, otypes=[float])(x))


@pytest.mark.parametrize("f, expected", [(numpy_types, 7), (given_types, 6)])
def test_the_function_runs_as_often_as_numpy_runs_it(f, expected, capsys):
    f(X)
    assert capsys.readouterr().out.count("called") == expected
    g = pullback.grad(f)(X)
    assert capsys.readouterr().out.count("called") == expected
    np.testing.assert_allclose(g, 3.0 + 3.0 * X ** 2)


def named_types(x, types=("d",)):
    return np.sum(np.vectorize(counted, otypes=types)(x))


def excluded(x):
    return np.sum(np.vectorize(mix, excluded={1})(x, 2.0))


def with_signature(x):
    return np.sum(np.vectorize(piecewise, signature="()->()")(x))


@pytest.mark.parametrize("f, construct", [(excluded, "excluded"),
                                          (with_signature, "signature"),
                                          (named_types, "otypes")])
def test_excluded_and_signature_are_refused_with_the_line(f, construct):
    with pytest.raises(PullbackError) as info:
        pullback.grad(f)(X)
    assert construct in str(info.value) and "test_objects11_vectorize.py" in str(info.value)


def _kind(t):
    return t * 2.0 if type(t) is float else t * 0.0  # NumPy passes Python floats


def test_the_elements_are_python_numbers_as_numpy_passes_them():
    def f(x):
        return np.sum(np.vectorize(_kind)(x))

    assert f(X) == pytest.approx(2.0 * np.sum(X))
    np.testing.assert_allclose(pullback.grad(f)(X), np.full_like(X, 2.0))
