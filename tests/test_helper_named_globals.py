"""Functions a module binds under the name of a helper of the generated code
(`from autograd.misc.flatten import flatten as autograd_flatten`, `unbroadcast = ...`):
the transform renames the user's name and binds the new name to what the global held
when it transformed f (with a check, each call, that the global still holds it), so
the function keeps its rule, or is read from source, as under any other name. A library
function under such a name was called through the run-time path, which refuses library
functions ("a library function: pullback differentiates library functions only through
registered rules"), although it had a rule."""

from __future__ import annotations

import math

import numpy as np
import pytest
from fd import assert_derivatives_match

import pullback

autograd_flatten = pytest.importorskip("autograd.misc.flatten").flatten
logsumexp_grad = np.sin  # a ufunc
as_grad = math.exp  # a builtin function


def unbroadcast(t):  # a user function: read from its source
    return t * np.tanh(t)


def flattened(x):
    flat, _ = autograd_flatten([x, {"b": x * 2.0, "a": np.ones(2) * x}])
    return np.sum(flat ** 3)


def ufunc_under_helper_name(x):
    return logsumexp_grad(x) * x


def builtin_under_helper_name(x):
    return as_grad(x) + x ** 2


def user_function_under_helper_name(x):
    return unbroadcast(x) * 2.0 + unbroadcast(x * x)


@pytest.mark.parametrize("f", [flattened, ufunc_under_helper_name, builtin_under_helper_name,
                               user_function_under_helper_name], ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", [0.4, -1.2])
def test_function_under_a_helpers_name_is_differentiated(f, x):
    assert_derivatives_match(f, (x,))


def test_closed_forms():
    assert pullback.grad(ufunc_under_helper_name)(0.3) == pytest.approx(
        np.cos(0.3) * 0.3 + np.sin(0.3))
    assert pullback.grad(flattened)(0.5) == pytest.approx(3 * 0.25 * (1 + 8 + 2))


def test_rebinding_the_global_after_the_transform_is_refused():
    global logsumexp_grad
    g = pullback.grad(ufunc_under_helper_name)
    g(0.3)
    saved = logsumexp_grad
    logsumexp_grad = np.cos
    try:
        with pytest.raises(pullback.PullbackError, match="logsumexp_grad"):
            g(0.3)
    finally:
        logsumexp_grad = saved
