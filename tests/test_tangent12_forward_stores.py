"""Forward mode through a called function that stores a value being differentiated in an
object it receives (a list it grows, an attribute it sets): the jvp function of the callee
hands back the tangent of its result alone, so the stored value's tangent was lost and the
jvp silently wrong (tangent's functions.py `stack_pushing`: push(stack, a) then
pop(stack)). Such calls are now refused, with the callee and the line of the store, in
jvp and hvp as in grad; what forward mode does follow (objects made and written in f
itself, methods inlined) keeps its numbers."""

from __future__ import annotations

import re

import numpy as np
import pytest

import pullback


class Box:
    def __init__(self):
        self.items = []
        self.w = 0.0


def push(box, x):
    box.items.append(x)


def put(box, x):
    box.w = x


def pushed_then_popped(a):
    box = Box()
    y = a * a
    push(box, a)
    aa = box.items.pop()
    return y * aa * aa


def pushed_then_read(a):
    box = Box()
    push(box, np.sin(a))
    return box.items[0] * a


def attribute_set(a):
    box = Box()
    put(box, a)
    return box.w * a


def pushed_in_a_loop(x):
    box = Box()
    for i in range(3):
        push(box, x * i)
    return np.sum(box.items[1] * box.items[2])


class Model:
    def __init__(self):
        self.w = 0.0
        self.ws = []

    def set(self, w):
        self.w = w

    def add(self, w):
        self.ws.append(w)


MODEL = Model()


def method_on_a_global(a):
    MODEL.set(a)
    return MODEL.w * a


@pytest.mark.parametrize("f, line", [
    (pushed_then_popped, "box.items.append(x)"),
    (pushed_then_read, "box.items.append(x)"),
    (attribute_set, "box.w = x"),
    (method_on_a_global, "self.w = w"),
])
def test_a_callee_storing_a_tangent_carrying_value_is_refused_in_forward_mode(f, line):
    # (push and put write into what they receive: inlined since buffers13, their stores
    # are f's own, refused as f's own stores into an object f passes on, at their line)
    with pytest.raises(pullback.PullbackError, match=r"(?s)"
                       r"test_tangent12_forward_stores.py.*" + re.escape(line)):
        pullback.jvp(f)(1.5, 1.0)
    with pytest.raises(pullback.PullbackError):
        pullback.hvp(f)(1.5, 1.0)


def test_an_array_pushed_in_a_loop_is_refused_in_forward_mode():
    with pytest.raises(pullback.PullbackError, match=r"(?s)in a list 'box' holds.*"
                       r"box\.items\.append\(x\)"):
        pullback.jvp(pushed_in_a_loop)(np.ones(3), np.ones(3))


def made_and_written_in_f(a):
    m = Model()
    m.set(a)
    m.add(np.sin(a))
    return m.w * a + m.ws[0] * a


def grown_in_f(a):
    box = Box()
    box.items.append(a)
    return box.items.pop() * a * a


@pytest.mark.parametrize("f, derivative", [
    (made_and_written_in_f, lambda a: 2 * a + np.sin(a) + a * np.cos(a)),
    (grown_in_f, lambda a: 3 * a * a),
])
def test_what_forward_mode_follows_keeps_its_numbers(f, derivative):
    for a in (-1.3, 0.4, 2.0):
        value, tangent = pullback.jvp(f)(a, 1.0)
        assert np.isclose(value, f(a), rtol=1e-12)
        assert np.isclose(tangent, derivative(a), rtol=1e-10)
        h = 1e-6
        assert np.isclose(tangent, (f(a + h) - f(a - h)) / (2 * h), rtol=1e-6)
