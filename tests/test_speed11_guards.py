"""Entry guards of helper-named globals read as f reads them (helpers.module_reads):
where f's module binds `math` or `np` to the modules pullback's helpers use, the
generated code reads the name as a global of f's module (a few ns, where reading the
module's namespace took tens) and its guard compares that read. Checked in several
spellings (grad, value_and_grad, vjp, jvp, hvp, a callee's split transform, a second
derivative): the numbers, the printed guard, and that rebinding or deleting the name
after the gradient was made is refused, never a wrong number."""

from __future__ import annotations

import math
import types

import numpy as np
import pytest

import pullback
from pullback.errors import PullbackError


def lecture(x, y, z):
    return math.sin(x ** 2 + y * math.exp(z)) + z


def arrays(w):
    return np.sum(np.tanh(w) * w)


def callee(u):
    return math.sin(u) * u


def calls(x):
    s = 0.0
    for i in range(3):
        s = s + callee(x * (i + 1))
    return s


def with_closure_np():
    import numpy as np  # a closure variable named np: read as the closure holds it

    def inner(x):
        return np.tanh(x) * 2.0
    return inner


ARGS = (0.3, -0.7, 0.4)


def _lecture_grad(x, y, z):
    a = x ** 2 + y * math.exp(z)
    c = math.cos(a)
    return (c * 2.0 * x, c * math.exp(z), c * y * math.exp(z) + 1.0)


@pytest.mark.parametrize("mode", ["grad", "jvp", "value_and_grad"])
def test_the_guard_reads_the_module_global_as_f_does(mode):
    source = pullback.source(lecture, wrt=(0, 1, 2), mode=mode)
    assert "if math is not math_at_transform: rebound('math')" in source, source
    assert "module_globals" not in source
    source = pullback.source(arrays)
    assert "if np is not np_at_transform: rebound('np')" in source, source


def test_the_numbers_are_those_of_the_closed_form():
    grad = pullback.grad(lecture, wrt=(0, 1, 2))(*ARGS)
    np.testing.assert_allclose(grad, _lecture_grad(*ARGS), rtol=1e-13)
    v = (0.2, -1.0, 0.5)
    value, tangent = pullback.jvp(lecture, wrt=(0, 1, 2))(*ARGS, v)
    assert value == lecture(*ARGS)
    np.testing.assert_allclose(tangent, np.dot(_lecture_grad(*ARGS), v), rtol=1e-13)
    w = np.linspace(-1.0, 1.0, 5)
    np.testing.assert_allclose(pullback.grad(arrays)(w),
                               np.tanh(w) + w * (1 - np.tanh(w) ** 2), rtol=1e-13)
    np.testing.assert_allclose(pullback.vjp(arrays)(w, 2.0),
                               2.0 * (np.tanh(w) + w * (1 - np.tanh(w) ** 2)), rtol=1e-13)
    expected = sum((i + 1) * (math.cos(0.4 * (i + 1)) * 0.4 * (i + 1) + math.sin(0.4 * (i + 1)))
                   for i in range(3))
    assert pullback.grad(calls)(0.4) == pytest.approx(expected, rel=1e-13)


def test_a_closure_variable_named_np_is_read_as_the_closure_holds_it():
    inner = with_closure_np()
    assert "np is not" not in pullback.source(inner)
    assert pullback.grad(inner)(0.3) == pytest.approx(2.0 * (1 - math.tanh(0.3) ** 2))


SIN_TWICE = types.SimpleNamespace(**{k: getattr(math, k) for k in dir(math)
                                     if not k.startswith("_")})
SIN_TWICE.sin = lambda v: 2.0 * math.sin(v)


def _made():
    """Every spelling, each called once before the rebinding (so its code is cached)."""
    w = np.linspace(-1.0, 1.0, 4)
    made = [
        (pullback.grad(lecture, wrt=(0, 1, 2)), ARGS),
        (pullback.value_and_grad(lecture), ARGS),
        (pullback.vjp(lecture), (*ARGS, 1.0)),
        (pullback.jvp(lecture, wrt=(0, 1, 2)), (*ARGS, (1.0, 0.0, 0.0))),
        (pullback.hvp(lecture, wrt=(0, 1, 2)), (*ARGS, (1.0, 0.0, 0.0))),
        (pullback.grad(pullback.grad(lecture)), ARGS),
        (pullback.grad(calls), (0.4,)),
        (pullback.hvp(calls), (0.4, 1.0)),
    ]
    for f, args in made:
        f(*args)
    return made, w


def test_the_module_global_rebound_later_is_refused(monkeypatch):
    made, _ = _made()
    monkeypatch.setitem(globals(), "math", SIN_TWICE)
    for f, args in made:
        with pytest.raises(PullbackError, match="'math'"):
            f(*args)


def test_the_module_global_rebound_and_back_works_again(monkeypatch):
    made, _ = _made()
    before = [f(*args) for f, args in made]
    monkeypatch.setitem(globals(), "math", SIN_TWICE)
    monkeypatch.undo()
    for (f, args), value in zip(made, before):
        np.testing.assert_equal(f(*args), value)


def test_the_module_global_deleted_later_is_refused_or_raises_as_f_does(monkeypatch):
    made, _ = _made()
    monkeypatch.delitem(globals(), "math")
    with pytest.raises(NameError):
        lecture(*ARGS)
    for f, args in made:
        with pytest.raises((NameError, PullbackError)):
            f(*args)


def test_np_rebound_later_is_refused(monkeypatch):
    w = np.linspace(-1.0, 1.0, 4)
    grad, jvp = pullback.grad(arrays), pullback.jvp(arrays)
    grad(w)
    jvp(w, w)
    monkeypatch.setitem(globals(), "np", types.SimpleNamespace(
        sum=np.sum, tanh=lambda v: np.tanh(2.0 * v)))
    for f, args in ((grad, (w,)), (jvp, (w, w))):
        with pytest.raises(PullbackError, match="'np'"):
            f(*args)
