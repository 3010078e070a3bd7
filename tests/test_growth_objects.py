"""The transform's work grows linearly with objects whose attributes f sets and with
methods of module-level objects (issue 19): objects f builds, each given an attribute
(`p = P(a); p.v = ...`: per object, the refusals walked the whole function for its
other uses, and scanned every assignment for its reads and probes), attributes set on a
received object (each write asked whether it is an increment by a scan of its body),
and calls of a module-level object's method after a long stretch of other statements
(per call, `called_apart` scanned every assignment up to the first that read the object
and walked the whole function for branch tests reading it), and logsumexp spelled out
many times in one block (per max, `shift_constants` scanned the rest of the block and
counted the shifted names' reads over the whole function). Counted by
tests/growth.py: work at n and 4n statements, each pass's share at most 5x."""

from __future__ import annotations

import growth
import pytest
from fd import numeric_grad

import pullback


def source(kind, n) -> str:
    lines = ["import math", ""]
    if kind == "built":  # objects f builds, an attribute set on each and read back
        lines += ["class P:", "    def __init__(self, v):", "        self.v = v", "",
                  "def f(x, y):", "    a = x"]
        lines += [f"    p{i} = P(a)\n    p{i}.v = math.sin(a) * y\n"
                  f"    a = p{i}.v + {(i % 5 + 1) / 10}" for i in range(n)]
    elif kind == "received":  # attributes set on an object f receives, read back
        lines += ["class P:", "    def __init__(self, v):", "        self.v = v", "",
                  "def f(x, y, s):", "    a = x"]
        lines += [f"    s.v{i} = math.sin(a) * y\n    a = s.v{i} + {(i % 5 + 1) / 10}"
                  for i in range(n)]
    elif kind == "module_object":  # a module-level object's method, after other code
        lines += ["class Stepper:", "    def __init__(self, k):", "        self.k = k", "",
                  "    def step(self, a, y):", "        b = math.sin(a) * y",
                  "        c = math.cos(b) + a", "        d = c * self.k + b",
                  "        e = d * d + c", "        return e * 0.1 + self.k", "",
                  "layer = Stepper(0.3)", "", "def f(x, y):", "    a = x"]
        lines += [f"    a = math.sin(a) * y + {(i % 5 + 1) / 10}" for i in range(n)]
        lines += ["    a = layer.step(a, y)" for _ in range(n)]
    elif kind == "logsumexp":  # shifts by a max, spelled out many times in one block
        lines = ["import numpy as np", "", "def f(x, y):", "    a = x"]
        lines += [f"    m{i} = np.max(a)\n    a = np.log(np.sum(np.exp(a - m{i}))) + m{i}"
                  f" + y * {(i % 5 + 1) / 10}" for i in range(n)]
    lines.append("    return a")
    return "\n".join(lines) + "\n"


def load(kind, n):
    return growth.load_source(f"growth_objects_{kind}_{n}", source(kind, n))


KINDS = ("built", "received", "module_object", "logsumexp")


@pytest.mark.parametrize("optimize", (True, False), ids=("optimized", "pass-off"))
@pytest.mark.parametrize("kind", KINDS)
def test_work_grows_linearly(kind, optimize):
    small = growth.charged_calls(load(kind, growth.N).f, optimize)
    large = growth.charged_calls(load(kind, growth.GROWTH * growth.N).f, optimize)
    growth.assert_linear(kind, small, large)


@pytest.mark.parametrize("optimize", (True, False), ids=("optimized", "pass-off"))
@pytest.mark.parametrize("kind", KINDS)
def test_gradients_of_these_spellings(kind, optimize):
    module = load(kind, 6)
    if kind == "received":
        def f(x, y):
            return module.f(x, y, module.P(0.0))
        g = pullback.grad(module.f, (0, 1), optimize=optimize)(0.4, 0.7, module.P(0.0))
    else:
        f = module.f
        g = pullback.grad(module.f, (0, 1), optimize=optimize)(0.4, 0.7)
    for i in (0, 1):
        assert g[i] == pytest.approx(numeric_grad(f, (0.4, 0.7), i), rel=1e-6, abs=1e-10)
