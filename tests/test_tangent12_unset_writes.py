"""A list or array made in one branch and written in a later branch under the same test (or
after a loop that may not run): on the path that did not make it the variable holds the
placeholder of an unset variable (lower/unbound.py), which every use refuses at run time
as Python does, so the write is into the new object or raises. It was refused as a write
into an object pullback could not prove new (google/tangent's cond_iterpower2, whose
generated gradient keeps its tape `saved = []` in the branch: hvp and grad of grad were
refused)."""

from __future__ import annotations

import numpy as np
import pytest
from fd import assert_grad_matches

import pullback


def list_in_a_branch(a):
    if a > 0:
        vals = []
    if a > 0:
        vals.append(a * a)
        a = vals.pop() * a
    return a


def array_in_a_branch(x):
    if x[0] > 0:
        buf = np.zeros(3)
    if x[0] > 0:
        buf[1] = x[1] * x[2]
        return np.sum(buf * x)
    return np.sum(x)


def dict_in_a_branch(a, n):
    if n > 0:
        d = {}
    for i in range(n):
        d[i] = a * i
    return sum(d.values()) * a if n > 0 else a


def cond_iterpower2(a):
    if a < 20:
        for _ in range(3):
            a = a * a
    return a


def written_unset(a):
    if a > 0:
        vals = []
    vals.append(a)
    return vals[0] * a


@pytest.mark.parametrize("a", [-1.3, 0.7, 1.6])
def test_scalar_spellings(a):
    assert_grad_matches(list_in_a_branch, (a,))
    assert_grad_matches(cond_iterpower2, (a,))
    for n in (0, 1, 3):
        assert_grad_matches(dict_in_a_branch, (a, n))
    h = 1e-6
    for f in (list_in_a_branch, cond_iterpower2):
        numeric = (f(a + h) - f(a - h)) / (2 * h)
        assert np.isclose(pullback.jvp(f)(a, 1.0)[1], numeric, rtol=1e-6)


@pytest.mark.parametrize("first", [-1.0, 1.0])
def test_array_spelling(first):
    x = np.array([first, 2.0, -3.0])
    assert_grad_matches(array_in_a_branch, (x,))


@pytest.mark.parametrize("a", [-1.3, 0.7, 1.1])
def test_second_order_through_a_tape_kept_in_a_branch(a):
    second = 56 * a ** 6 if a < 20 else 0.0  # a ** 8
    assert np.isclose(pullback.hvp(cond_iterpower2)(a, 1.0), second, rtol=1e-12)
    assert np.isclose(pullback.grad(pullback.grad(cond_iterpower2))(a), second, rtol=1e-12)
    assert np.isclose(pullback.hvp(list_in_a_branch)(a, 1.0), 6 * a if a > 0 else 0.0,
                      rtol=1e-12)


def test_a_write_into_the_unset_variable_raises_as_python_does():
    with pytest.raises(UnboundLocalError):
        written_unset(-1.0)
    with pytest.raises(UnboundLocalError):
        pullback.grad(written_unset)(-1.0)
    assert np.isclose(pullback.grad(written_unset)(1.5), 3.0)
