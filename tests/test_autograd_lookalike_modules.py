"""A module registered under one of autograd's names that lacks some of autograd's
functions (an older autograd, or a project's own `autograd.numpy` re-exporting NumPy, as
code ported from autograd keeps) must not change what indexing means: pullback matched
such a module's missing names (None) against None itself, took every `x[i]` of a parameter
for a call of autograd's make_diagonal's `__getitem__`, and refused it ("call to the method
.__getitem__()"). Gradients against central differences, in several spellings."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest
from fd import assert_grad_matches

import pullback


def rosenbrock(x):
    return 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2


def slices_and_masks(x):
    return np.sum(x[1:] * x[:-1]) + np.sum(x[x > 0.0] ** 2) + x[[0, 2]] @ x[-2:]


def matrix_items(x):
    M = x.reshape(2, 3)
    return M[1, 2] * M[0, 0] + np.sum(M[:, 1] ** 3) + np.sum(np.r_[x[:2], 1.0] ** 2)


@pytest.fixture
def lookalike_autograd(monkeypatch):
    """`autograd`, `autograd.numpy`, ... as bare modules re-exporting a few NumPy names."""
    for name in ("autograd", "autograd.numpy", "autograd.numpy.linalg", "autograd.scipy",
                 "autograd.scipy.signal"):
        module = types.ModuleType(name)
        module.sum = np.sum
        monkeypatch.setitem(sys.modules, name, module)


@pytest.mark.parametrize("f", [rosenbrock, slices_and_masks, matrix_items],
                         ids=lambda f: f.__name__)
def test_indexing_is_indexing_beside_a_lookalike_autograd(lookalike_autograd, f):
    x = np.array([0.3, -0.7, 1.1, 0.5, -0.2, 0.9])
    assert_grad_matches(f, (x,))
    value, tangent = pullback.jvp(f)(x, np.linspace(-1.0, 1.0, 6))
    assert np.isclose(value, f(x))
