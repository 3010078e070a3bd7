"""Lookups that cost the size of the function per name (session 21): the free names of
a function with many variables (Python 3.11 makes `co_freevars` anew from all of them at
each read), and each call site's test of whether its callee is a local."""

from __future__ import annotations

import linecache
import math

import pytest
from fd import assert_derivatives_match

from pullback.frontend.parse import MISSING, lookup_free, parse_function


def _closure(value):
    def f(x):
        return x * value + math.sin(x)

    return f


def test_free_names_of_closures_sharing_a_code_object():
    """Two closures of one code object: each reads its own cell; globals and builtins
    after the closure, MISSING for an unknown name."""
    f, g = _closure(2.0), _closure(3.0)
    assert f.__code__ is g.__code__
    assert lookup_free(f, "value") == 2.0
    assert lookup_free(g, "value") == 3.0
    assert lookup_free(f, "math") is math
    assert lookup_free(f, "len") is len
    assert lookup_free(f, "no_such_name") is MISSING


def test_an_empty_cell_is_missing():
    def outer():
        def f(x):
            return x * late

        before = lookup_free(f, "late")
        late = 1.0
        return before, lookup_free(f, "late")

    assert outer() == (MISSING, 1.0)


def _defined(text, name, scope):
    """The function `f` of `text`, registered in linecache under `name` (its source)."""
    linecache.cache[name] = (len(text), None, text.splitlines(True), name)
    exec(compile(text, name, "exec"), scope)  # noqa: S102
    return scope["f"]


def test_parsed_lookup_of_a_function_of_many_variables():
    """The resolver of a function of many variables finds its globals and builtins, and
    nothing for its own variables."""
    n = 300
    text = "\n".join(["def f(x):", "    a0 = x"]
                     + [f"    a{i + 1} = math.sin(a{i}) * 0.5 + x" for i in range(n)]
                     + [f"    return a{n} * 2.0"]) + "\n"
    parsed = parse_function(_defined(text, "<speed21-many>", {"math": math}))
    assert parsed.lookup("math") is math
    assert parsed.lookup("len") is len
    assert parsed.lookup("a7") is MISSING


def _step(a, y):
    return math.sin(a) * y


@pytest.mark.parametrize("n", [3, 40])
def test_gradient_of_many_variables_calling_functions(n):
    """Calls in a function of many variables (each call site asks whether its callee's
    head is one of them): grad, jvp and hvp against central differences."""
    lines = ["def f(x, y):", "    a0 = x"]
    lines += [f"    a{i + 1} = _step(a{i}, y) + 0.1 * x" for i in range(n)]
    lines += [f"    return a{n}"]
    f = _defined("\n".join(lines) + "\n", f"<speed21-calls-{n}>",
                 {"math": math, "_step": _step})
    assert_derivatives_match(f, (0.3, 0.7))


def test_gradient_of_a_closure_of_many_variables():
    """A closure (its free names read through its cells) of many variables."""
    scale = 0.5
    n = 60
    lines = ["def make(scale):", "    def f(x, y):", "        a0 = x"]
    lines += [f"        a{i + 1} = math.sin(a{i}) * scale + y" for i in range(n)]
    lines += [f"        return a{n}", "    return f", "f = make(0.5)"]
    f = _defined("\n".join(lines) + "\n", "<speed21-closure>", {"math": math})
    assert lookup_free(f, "scale") == scale
    assert_derivatives_match(f, (0.3, 0.7))


def test_library_aliases_in_a_function_of_many_variables():
    """`tanh = math.tanh` at the top, then many `b = a` copies of f's own variables (each
    asked whether its value is a local, against f's variables read once): the alias is
    read through, the copies are not, and the gradient matches."""
    n = 80
    lines = ["def f(x, y):", "    tanh = math.tanh", "    a0 = x"]
    for i in range(n):
        lines += [f"    b{i} = a{i}", f"    a{i + 1} = tanh(b{i}) * y + 0.5 * x"]
    lines += [f"    return a{n}"]
    f = _defined("\n".join(lines) + "\n", "<speed21-aliases>", {"math": math})
    assert_derivatives_match(f, (0.3, 0.7))
