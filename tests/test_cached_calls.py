"""Calls to user functions decorated with functools.lru_cache or functools.cache are
differentiated through the function the cache wraps (a hit returns what it computes):
gradient, tangent and second order against central differences, recursion through the
cached name included; np.vectorize of a user function stays a located refusal."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from fd import assert_grad_matches, numeric_grad

import pullback


@functools.lru_cache
def squared_sine(x):
    return x * x * math.sin(x)


@functools.cache
def power(x, k):
    return x ** k


@functools.lru_cache(maxsize=8)
def nested(n, x):
    return x if n == 0 else x * nested(n - 1, x) + 1.0


def uses_caches(x, y):
    return squared_sine(x) + power(y, 3) + nested(3, x) * y


def test_gradient_through_cached_functions():
    assert_grad_matches(uses_caches, (1.3, 0.7), wrt=(0, 1))
    squared_sine(1.3)  # a cache hit in the function itself changes nothing
    assert_grad_matches(uses_caches, (1.3, 0.7), wrt=(0, 1))


def test_tangent_and_hessian_through_cached_functions():
    value, tangent = pullback.jvp(uses_caches)(1.3, 0.7, 1.0)
    assert value == pytest.approx(uses_caches(1.3, 0.7))
    assert tangent == pytest.approx(numeric_grad(uses_caches, (1.3, 0.7)), rel=1e-6)
    x = 1.3
    assert pullback.hessian(lambda x: squared_sine(x))(x) == pytest.approx(
        2 * math.sin(x) + 4 * x * math.cos(x) - x * x * math.sin(x), rel=1e-9)


def test_array_arguments_through_a_cached_function():
    @functools.lru_cache
    def scaled(k):
        return 2.0 ** k

    def f(x):
        return np.sum(np.sin(x) * scaled(3))

    assert_grad_matches(f, (np.array([0.1, 0.5, 2.0]),))


def test_vectorize_of_a_user_function_is_differentiated_element_by_element():
    # (lower/vectorized.py; tests/test_objects11_vectorize.py has its spellings)
    def square(a):
        return a * a

    def f(x):
        return np.sum(np.vectorize(square)(x))

    assert_grad_matches(f, (np.array([1.0, 2.0, -0.5]),))
