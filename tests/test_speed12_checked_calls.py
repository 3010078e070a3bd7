"""Calls of guarded chains through the guard's constant (codegen._call_checked): past the
entry guard `if math.sin is not math_sin: rebound('math.sin')` the body calls
`math_sin(x)` instead of reading `math` and its attribute on every call. Checked in
several spellings (grad, jvp, hvp, a second derivative, a chain two attributes deep, a
chain passed as a value, in a loop): the printed code, the numbers against closed forms
or central differences, and that a replacement after the code was made is still refused.
"""

from __future__ import annotations

import math
import re
import types

import numpy as np
import pytest
from fd import numeric_grad

import pullback
from pullback.errors import PullbackError


def lecture(x, y, z):
    return math.sin(x ** 2 + y * math.exp(z)) + z


def looped(x, a):
    for _ in range(20):
        x = x + 0.1 * a * math.sin(x)
    return x


def arrays(w):
    s = 0.0
    for i in range(3):
        s = s + np.sum(np.tanh(w * (i + 1)) * np.linalg.norm(w))
    return s


def applied(w):
    fn = np.sin  # the chain read as a value, then called
    return np.sum(fn(w))


ARGS = (0.3, -0.7, 0.4)


def _lecture_grad(x, y, z):
    a = x ** 2 + y * math.exp(z)
    c = math.cos(a)
    return (c * 2.0 * x, c * math.exp(z), c * y * math.exp(z) + 1.0)


@pytest.mark.parametrize("mode", ["grad", "jvp", "value_and_grad", "hvp"])
def test_the_body_calls_the_constant_the_guard_compares(mode):
    source = pullback.source(lecture, wrt=(0, 1, 2), mode=mode)
    constant = re.search(r"if math\.exp is not (math_exp(_\d+)?): rebound\('math\.exp'\)",
                         source).group(1)
    assert f"= {constant}(z)" in source, source
    guards_end = source.index("complex_to_math")
    assert "math.sin(" not in source[guards_end:] and "math.exp(" not in source[guards_end:]
    source = pullback.source(arrays)
    assert "if np.linalg.norm is not np_linalg_norm: rebound('np.linalg.norm')" in source
    assert "np_linalg_norm(w)" in source and "np_tanh(" in source, source


def test_the_numbers_are_unchanged():
    grad = pullback.grad(lecture, wrt=(0, 1, 2))(*ARGS)
    np.testing.assert_allclose(grad, _lecture_grad(*ARGS), rtol=1e-13)
    v = (0.2, -1.0, 0.5)
    value, tangent = pullback.jvp(lecture, wrt=(0, 1, 2))(*ARGS, v)
    assert value == lecture(*ARGS)
    np.testing.assert_allclose(tangent, np.dot(_lecture_grad(*ARGS), v), rtol=1e-13)
    args = (0.4, 1.3)
    np.testing.assert_allclose(pullback.grad(looped, wrt=(0, 1))(*args),
                               numeric_grad(looped, args, wrt=(0, 1)), rtol=1e-6)
    hv = pullback.hvp(looped, wrt=(0, 1))(*args, (1.0, -0.5))
    eps = 1e-5
    g = pullback.grad(looped, wrt=(0, 1))
    fd = (np.array(g(0.4 + eps, 1.3 - 0.5 * eps)) - np.array(g(0.4 - eps, 1.3 + 0.5 * eps))) / (
        2 * eps)
    np.testing.assert_allclose(hv, fd, rtol=1e-6)
    w = np.linspace(-1.0, 1.0, 5)
    np.testing.assert_allclose(pullback.grad(arrays)(w), numeric_grad(arrays, (w,)), rtol=1e-6)
    np.testing.assert_allclose(pullback.grad(applied)(w), np.cos(w), rtol=1e-12)
    np.testing.assert_allclose(pullback.grad(pullback.grad(lecture))(*ARGS),
                               numeric_grad(pullback.grad(lecture), ARGS), rtol=1e-6)


SIN_TWICE = types.SimpleNamespace(**{k: getattr(math, k) for k in dir(math)
                                     if not k.startswith("_")})
SIN_TWICE.sin = lambda v: 2.0 * math.sin(v)


def _made():
    made = [
        (pullback.grad(lecture, wrt=(0, 1, 2)), ARGS),
        (pullback.jvp(lecture, wrt=(0, 1, 2)), (*ARGS, (1.0, 0.0, 0.0))),
        (pullback.hvp(looped, wrt=(0, 1)), (0.4, 1.3, (1.0, 0.0))),
        (pullback.grad(pullback.grad(lecture)), ARGS),
        (pullback.jvp(looped, wrt=(0, 1)), (0.4, 1.3, (1.0, 0.0))),
    ]
    for f, args in made:
        f(*args)
    return made


def test_the_function_replaced_in_its_module_later_is_refused(monkeypatch):
    made = _made()
    monkeypatch.setattr(math, "sin", lambda v: 2.0 * v)
    for f, args in made:
        with pytest.raises(PullbackError, match="math.sin"):
            f(*args)


def test_the_module_global_rebound_later_is_refused(monkeypatch):
    made = _made()
    monkeypatch.setitem(globals(), "math", SIN_TWICE)
    for f, args in made:
        with pytest.raises(PullbackError, match="'math'"):
            f(*args)


def test_np_function_replaced_later_is_refused(monkeypatch):
    w = np.linspace(-1.0, 1.0, 4)
    grad, jvp = pullback.grad(arrays), pullback.jvp(arrays)
    grad(w)
    jvp(w, w)
    monkeypatch.setattr(np.linalg, "norm", lambda v: 2.0 * np.sqrt(np.sum(v * v)))
    for f, args in ((grad, (w,)), (jvp, (w, w))):
        with pytest.raises(PullbackError, match="np.linalg.norm"):
            f(*args)
