"""The transform's work grows linearly for spellings the benchmark kinds do not use
(issue 19): array methods of a parameter annotated as an array (`x.sum()`, asked per
call whether the parameter is bound again), calls passing `*args` on (asked per call
whether `args` is bound again), `self.cache[k] = v` on a received object, calls of
module functions (`math.sin(a)`, asked whether `math` is an object f builds), method
calls on a received object (asked whether an earlier or a later statement reads it),
`a += v` (asked whether `a` may share memory), lists appended to, items of tuples and
dicts, comprehensions, asserts (each nested the rest of the function one level), and
slots of arrays and lists written and read (each read checked against every write).
Each such question was a walk of the whole function, or of every assignment, per
statement. Counted by tests/growth.py: work at n and 4n statements, each
pass's share at most 5x."""

from __future__ import annotations

import growth
import numpy as np
import pytest
from fd import numeric_grad

import pullback


def source(kind, n) -> str:
    lines = ["import math", "import numpy as np", ""]
    if kind == "annotated":
        lines += ["def f(x: np.ndarray, y):", "    a = y"]
        lines += [f"    a = a * {(i % 5 + 1) / 10} + x.sum() * y" for i in range(n)]
    elif kind == "spread":
        lines += ["def g(a, b, c):", "    return a * b + c", "",
                  "def f(x, y, *args):", "    a = x"]
        lines += [f"    a = g(a, *args) + {(i % 5 + 1) / 10} * y" for i in range(n)]
    elif kind == "cache":
        lines += ["class Holder:", "    def __init__(self):", "        self.cache = {}", "",
                  "def f(x, y, h):", "    a = x"]
        lines += [f"    a = math.sin(a) * y + {(i % 5 + 1) / 10}\n    h.cache[{i}] = 1.0"
                  for i in range(n)]
    elif kind == "methods":  # methods of a received object, resolved when they run
        lines += ["class Stepper:", "    def __init__(self, k):", "        self.k = k", "",
                  "    def step(self, a, y):", "        return math.sin(a) * y + self.k", "",
                  "def f(x, y, s):", "    a = x"]
        lines += ["    a = s.step(a, y)" for i in range(n)]
    elif kind == "augmented":  # `a += ...` (checked for shared memory per statement)
        lines += ["def f(x, y):", "    a = x"]
        lines += [f"    a += math.sin(a) * y * {(i % 5 + 1) / 10}" for i in range(n)]
    elif kind == "appended":  # values appended to a list, summed
        lines += ["def f(x, y):", "    xs = []", "    a = x"]
        lines += [f"    a = math.sin(a) * y + {(i % 5 + 1) / 10}\n    xs.append(a)"
                  for i in range(n)]
        lines += ["    a = sum(xs)"]
    elif kind == "indexed":  # items of a tuple and of a dict (whose constructions are
        lines += ["def f(x, y):", "    a = x", "    d = {}"]  # looked for per read)
        lines += [f"    t = (a, y)\n    d['k{i}'] = math.sin(t[0]) * t[1]\n"
                  f"    a = d['k{i}'] + {(i % 5 + 1) / 10}" for i in range(n)]
    elif kind == "comprehension":
        lines += ["def f(x, y):", "    a = x"]
        lines += [f"    a = sum([math.sin(a) * y for _ in range(2)]) + {(i % 5 + 1) / 10}"
                  for i in range(n)]
    elif kind == "asserted":  # an assert before each statement
        lines += ["def f(x, y):", "    a = x"]
        lines += [f"    assert y > -100, 'y too small'\n"
                  f"    a = math.sin(a) * y + {(i % 5 + 1) / 10}" for i in range(n)]
    elif kind == "slots":  # an array written and read by slot (views checked per read)
        lines += ["def f(x, y):", "    v = np.zeros(4)", "    xs = [x, y, x]", "    a = x"]
        lines += [f"    v[{i % 4}] = math.sin(a) * y\n    xs[{i % 3}] = a * y\n"
                  f"    a = v[{(i + 1) % 4}] + xs[{(i + 2) % 3}] * {(i % 5 + 1) / 10} + x"
                  for i in range(n)]
        lines += ["    a = a + np.sum(v)"]
    lines.append("    return a")
    return "\n".join(lines) + "\n"


def load(kind, n):
    return growth.load_source(f"growth_spellings_{kind}_{n}", source(kind, n))


KINDS = ("annotated", "spread", "cache", "methods", "augmented", "appended", "indexed",
         "comprehension", "asserted", "slots")


@pytest.mark.parametrize("kind", KINDS)
def test_work_grows_linearly(kind):
    small = growth.charged_calls(load(kind, growth.N).f, True)
    large = growth.charged_calls(load(kind, growth.GROWTH * growth.N).f, True)
    growth.assert_linear(kind, small, large)


@pytest.mark.parametrize("kind", KINDS)
def test_gradients_of_these_spellings(kind):
    module = load(kind, 5)
    if kind == "annotated":
        x, y = np.array([0.3, -0.2, 0.5]), 0.7
        g = pullback.grad(module.f, 0)(x, y)
        fd = [(module.f(x + h, y) - module.f(x - h, y)) / 2e-6
              for h in np.eye(3) * 1e-6]
        np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)
        assert pullback.grad(module.f, 1)(x, y) == pytest.approx(
            (module.f(x, y + 1e-6) - module.f(x, y - 1e-6)) / 2e-6, rel=1e-6)
    elif kind == "spread":
        args = (0.3, 0.7, 1.1, 0.3)
        g = pullback.grad(module.f, 0)(*args)
        assert g == pytest.approx(numeric_grad(module.f, args, 0), rel=1e-6)
    elif kind == "methods":
        stepper = module.Stepper(0.3)
        g = pullback.grad(module.f, 0)(0.4, 0.7, stepper)
        assert g == pytest.approx(numeric_grad(lambda x, y: module.f(x, y, stepper), (0.4, 0.7), 0),
                                  rel=1e-6)
    elif kind in ("augmented", "appended", "indexed", "comprehension", "asserted", "slots"):
        g = pullback.grad(module.f, (0, 1))(0.4, 0.7)
        assert g[0] == pytest.approx(numeric_grad(module.f, (0.4, 0.7), 0), rel=1e-6)
        assert g[1] == pytest.approx(numeric_grad(module.f, (0.4, 0.7), 1), rel=1e-6)
    else:
        h = module.Holder()
        g = pullback.grad(module.f, 0)(0.3, 0.7, h)
        assert g == pytest.approx(numeric_grad(lambda x, y: module.f(x, y, module.Holder()),
                                               (0.3, 0.7), 0), rel=1e-6)
        assert h.cache == {i: 1.0 for i in range(5)}


def test_a_function_of_many_asserts():
    """`assert c` (an `if not c: raise`) used to put the rest of the function in its
    other branch: 150 asserts nested 150 levels deep, past Python's limit of 100
    indentation levels (an IndentationError from compiling the gradient). The rest
    now stays after it; the gradient is exact, and a failing assert still raises."""
    module = load("asserted", 150)
    g = pullback.grad(module.f, (0, 1))(0.4, 0.7)
    assert g[0] == pytest.approx(numeric_grad(module.f, (0.4, 0.7), 0), rel=1e-5)
    assert g[1] == pytest.approx(numeric_grad(module.f, (0.4, 0.7), 1), rel=1e-5)
    with pytest.raises(AssertionError, match="y too small"):
        pullback.grad(module.f)(0.4, -200.0)
