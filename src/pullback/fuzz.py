"""A program fuzzer that hunts for wrong gradients (issue 6).

    python -m pullback.fuzz --programs 5000 --seed 0 --time-limit 3600

A seeded generator writes random, numerically tame Python functions over the
subset pullback claims to differentiate: straight-line arithmetic, `math` and
NumPy calls, nested `if`/`else` on data, `for` loops over `range` (any start,
stop and step, `reversed`), arrays, `enumerate` and `zip`, `while` loops with a
bounded counter, `break`/`continue`/early `return` anywhere, tuple swaps,
augmented assignment, and arrays the function creates and writes in place
(`buf[i] = ...`, `buf[i % k] += ...`, `buf[a:b] = ...`), read back later.

Each program is written to a temporary module (pullback reads source with
`inspect.getsource`) and judged at a few random points:

* `pullback.grad` against central finite differences (float64);
* `pullback.value_and_grad`: its value against calling the function, its
  gradient against `grad`'s;
* the gradient's structure and types (a float per float argument, a float
  array of the argument's shape per array argument);
* the arguments are unchanged afterwards.

Finite differences are only a fair judge where the function is smooth, so a
point is skipped (never counted as a failure) when a branch decision, a loop
trip count or a kink (`abs`, `max`, `np.maximum`, ...) changes between the
point and its perturbations -- an instrumented copy of the program records
every such decision -- or when the central differences at two step sizes
disagree. A `PullbackError` at transform time is a refusal, counted per
message. Anything else -- a mismatch, or any other exception from the
generated gradient -- is a failure, and is shrunk by a minimizer (delete
statements, unwrap branches and loops, replace expressions by their parts or
by constants, shrink integer constants and loop bounds, drop arguments) while
it still fails the same way, then printed as a runnable reproducer together
with the gradient pullback generated for it.

Nothing here is imported by pullback itself; only NumPy and the standard
library are needed.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import copy
import importlib.util
import itertools
import linecache
import math
import os
import random
import re
import signal
import sys
import tempfile
import threading
import time
import traceback
import warnings
from collections import Counter
from dataclasses import dataclass, field, replace

import numpy as np

from .api import grad, source, value_and_grad
from .errors import LocatedError, PullbackError

# ============================================================ the generator

CAP = 3.0  # every plain assignment's value is kept within [-CAP, CAP]
INC = 0.5  # augmented assignments add at most this much per execution

PRELUDE = """\
import math

import numpy as np

W2 = np.array([0.75, -0.5])
W3 = np.array([0.5, -1.0, 0.25])
"""

_CONSTS = {"W2": (2,), "W3": (3,)}


@dataclass(frozen=True)
class E:
    """A generated expression: its source, a bound on |value|, and whether it can
    be used as an operand without parentheses."""

    code: str
    bound: float
    atom: bool = True

    def op(self) -> str:
        return self.code if self.atom else f"({self.code})"


@dataclass(frozen=True)
class Var:
    name: str
    shape: tuple | None  # () scalar, (n,) or (r, c) array, None for an int
    bound: float = 1.0
    role: str = "value"  # value | param | buffer | index
    values: tuple = ()  # the ints an index may hold
    view_of: str | None = None  # root of the array this one may share memory with


@dataclass(frozen=True)
class Ctx:
    trips: tuple = ()  # maximum trip count of each enclosing loop
    ifs: int = 0  # enclosing if statements

    @property
    def in_loop(self) -> bool:
        return bool(self.trips)

    @property
    def total(self) -> int:
        return math.prod(self.trips) if self.trips else 1


@dataclass
class Param:
    name: str
    kind: str  # scalar | vec | mat | int

    @property
    def shape(self):
        return {"scalar": (), "vec": (3,), "mat": (2, 3), "int": None}[self.kind]


@dataclass
class Program:
    """One generated program: module source, the function's parameters, wrt."""

    seed: int
    index: int
    source: str
    params: list
    wrt: object
    name: str = "f"

    def sample_args(self, rng: random.Random) -> tuple:
        return tuple(sample_param(p, rng) for p in self.params)


def sample_param(p: Param, rng: random.Random):
    if p.kind == "int":
        return rng.randint(1, 4)
    if p.kind == "scalar":
        return round(rng.uniform(-1.5, 1.5), 4)
    shape = p.shape
    return np.array([round(rng.uniform(-1.5, 1.5), 4) for _ in range(math.prod(shape))]
                    ).reshape(shape)


def _fmt(x: float) -> str:
    return repr(round(float(x), 2))


def _floor2(x: float) -> float:
    """x rounded down to two significant digits."""
    if x <= 0:
        return 0.0
    e = math.floor(math.log10(x)) - 1
    return math.floor(x / 10**e) * 10**e


_BARE = re.compile(r"^[A-Za-z_]\w*(\[[^\[\]]*\])?$")


class Generator:
    """Writes one random function. All randomness comes from `self.r`."""

    def __init__(self, rng: random.Random):
        self.r = rng
        self.ids = itertools.count(1)
        self.budget = rng.randint(5, 22)  # statements left to write
        self.use_mat = False
        self.callables = []  # (name, number of scalar arguments): helpers and lambdas

    # ------------------------------------------------------------ helpers
    def fresh(self, prefix: str) -> str:
        return f"{prefix}{next(self.ids)}"

    def chance(self, p: float) -> bool:
        return self.r.random() < p

    def pick(self, weighted):
        """weighted: list of (weight, item); items with weight <= 0 are skipped."""
        items = [(w, x) for w, x in weighted if w > 0]
        total = sum(w for w, _ in items)
        t = self.r.random() * total
        for w, x in items:
            t -= w
            if t <= 0:
                return x
        return items[-1][1]

    def const(self, lo=-2.0, hi=2.0) -> E:
        c = round(self.r.uniform(lo, hi), 2)
        if c == 0:
            c = 0.5
        return E(repr(c), abs(c), c >= 0)

    def m(self, fn: str, scalar: bool) -> str:
        """A unary function name: math.* or np.* for scalars, np.* for arrays."""
        np_names = {"atan": "arctan", "fabs": "abs"}
        if scalar and not self.chance(0.25):
            return f"math.{fn}"
        return f"np.{np_names.get(fn, fn)}"

    def tame(self, e: E, cap: float = CAP, scalar: bool = True) -> E:
        if e.bound <= cap:
            return e
        if self.chance(0.5):
            c = _floor2(cap / e.bound)
            if c >= 0.01:
                return E(f"{c!r} * {e.op()}", c * e.bound, False)
        fn = self.r.choice(["tanh", "sin", "tanh", "atan"])
        b = 1.6 if fn == "atan" else 1.0
        if cap < b:
            return E(f"{_fmt(cap / 2)} * {self.m(fn, scalar)}({e.code})", cap / 2, False)
        return E(f"{self.m(fn, scalar)}({e.code})", b)

    # ------------------------------------------------------------ vars
    @staticmethod
    def vars(scope, shape=..., roles=("value", "param", "buffer")):
        return [v for v in scope.values() if v.role in roles
                and (shape is ... or v.shape == shape)]

    @staticmethod
    def indices(scope):
        return [v for v in scope.values() if v.role == "index" and v.values]

    def index(self, scope, n: int) -> str:
        """An integer expression valid as an index into a length-n axis."""
        options = [(2.0, str(self.r.randrange(n)))]
        if self.chance(0.15):
            options.append((1.0, str(-self.r.randint(1, n))))
        for v in self.indices(scope):
            vals = v.values
            lo, hi = min(vals), max(vals)
            if lo >= 0 and hi < n:
                options.append((3.0, v.name))
                options.append((1.0, f"{n - 1} - {v.name}"))
            if lo >= 0 and hi - 1 < n:
                options.append((1.5, f"{v.name} - 1"))
            options.append((2.0, f"{v.name} % {n}"))
            c = self.r.randint(1, 3)
            options.append((1.0, f"({v.name} + {c}) % {n}"))
        return self.pick(options)

    def slices(self, scope, length: int, n: int) -> list:
        """Slice texts selecting n elements of a length-`length` axis."""
        out = []
        if n == length:
            out += [":", "::-1", "0:"]
        for s in range(length - n + 1):
            out.append(f"{s}:{s + n}")
            if s + n == length and s > 0:
                out.append(f"{s}:")
                out.append(f"-{n}:")
        if n < length:
            out.append(f":{n}")
        for s in range(length):
            if len(range(s, length, 2)) == n and n > 0 and length > n:
                out.append(f"{s}::2" if s else "::2")
        for v in self.indices(scope):
            if min(v.values) >= 0 and max(v.values) + n <= length:
                out.append(f"{v.name}:{v.name} + {n}")
        return out

    # ------------------------------------------------------------ scalars
    def scal(self, sc, ctx, d: int) -> E:
        if d <= 0 or self.chance(0.25):
            return self.scal_leaf(sc, ctx)
        kind = self.pick([(4, "un"), (5, "bin"), (2, "div"), (1.5, "pow"), (3, "red"),
                          (0.7, "ifexp"), (0.7, "maxmin"), (0.8 if self.indices(sc) else 0, "idx"),
                          (1.2 if self.callables else 0, "call")])
        r = self.r
        if kind == "call":  # a module-level helper function or a lambda; results in [-1, 1]
            name, n = r.choice(self.callables)
            args = ", ".join(self.scal(sc, ctx, d - 1).code for _ in range(n))
            return E(f"{name}({args})", 1.0)
        if kind == "un":
            a = self.scal(sc, ctx, d - 1)
            return self.unary(a, scalar=True)
        if kind == "bin":
            a, b = self.scal(sc, ctx, d - 1), self.scal(sc, ctx, d - 1)
            op = r.choice("+-*")
            bound = a.bound * b.bound if op == "*" else a.bound + b.bound
            return E(f"{a.op()} {op} {b.op()}", bound, False)
        if kind == "div":
            a, b = self.scal(sc, ctx, d - 1), self.scal(sc, ctx, d - 1)
            den, low = self.denominator(b, scalar=True)
            return E(f"{a.op()} / {den}", a.bound / low, False)
        if kind == "pow":
            a = self.scal(sc, ctx, d - 1)
            return self.power(a, sc, scalar=True)
        if kind == "red":
            return self.reduction(sc, ctx, d - 1)
        if kind == "ifexp":
            a, b = self.scal(sc, ctx, d - 1), self.scal(sc, ctx, d - 1)
            c = self.cond(sc, ctx, 1)
            return E(f"{a.op()} if {c} else {b.op()}", max(a.bound, b.bound), False)
        if kind == "maxmin":
            a, b = self.scal(sc, ctx, d - 1), self.scal(sc, ctx, d - 1)
            return E(f"{r.choice(['max', 'min'])}({a.code}, {b.code})", max(a.bound, b.bound))
        # idx: mix an int into float arithmetic
        v = r.choice(self.indices(sc))
        a = self.scal(sc, ctx, d - 1)
        hi = max(abs(x) for x in v.values)
        if self.chance(0.5):
            return E(f"{a.op()} * {v.name}", a.bound * hi, False)
        if min(v.values) >= 0:
            return E(f"{a.op()} / ({v.name} + 1)", a.bound, False)
        return E(f"{a.op()} * {v.name}", a.bound * hi, False)

    def scal_leaf(self, sc, ctx) -> E:
        options = []
        for v in self.vars(sc, ()):
            options.append((3.0, E(v.name, v.bound)))
        arrays = [v for v in self.vars(sc) if v.shape]
        for v in arrays:
            options.append((1.2, ("elem", v)))
        for v in self.indices(sc):
            options.append((0.4, ("int", v)))
        options.append((1.0, "const"))
        options.append((0.2, "W"))
        choice = self.pick(options)
        if isinstance(choice, E):
            return choice
        if choice == "const":
            return self.const()
        if choice == "W":
            name = self.r.choice(sorted(_CONSTS))
            return E(f"{name}[{self.index(sc, _CONSTS[name][0])}]", 1.0)
        what, v = choice
        if what == "int":
            c = self.r.choice([0.1, 0.25, 0.5])
            return E(f"{c} * {v.name}", c * max(abs(x) for x in v.values), False)
        return self.elem(sc, v)

    def elem(self, sc, v: Var) -> E:
        if len(v.shape) == 1:
            return E(f"{v.name}[{self.index(sc, v.shape[0])}]", v.bound)
        r, c = self.index(sc, v.shape[0]), self.index(sc, v.shape[1])
        if self.chance(0.2):
            return E(f"{v.name}[{r}][{c}]", v.bound)
        return E(f"{v.name}[{r}, {c}]", v.bound)

    def unary(self, a: E, scalar: bool) -> E:
        r = self.r
        fn = self.pick([(3, "sin"), (2, "cos"), (3, "tanh"), (1, "atan"), (1.5, "exp"),
                        (1.5, "log"), (1, "sqrt"), (1, "abs"), (1, "neg"), (0.5, "erf"),
                        (0.5, "log1p"), (0.7, "square")])
        if fn in ("sin", "cos", "tanh"):
            return E(f"{self.m(fn, scalar)}({a.code})", 1.0)
        if fn == "atan":
            return E(f"{self.m('atan', scalar)}({a.code})", 1.6)
        if fn == "erf":
            if scalar:
                return E(f"math.erf({a.code})", 1.0)
            return E(f"np.tanh({a.code})", 1.0)
        if fn == "exp":
            if a.bound <= 2.0 and r.random() < 0.5:
                return E(f"{self.m('exp', scalar)}({a.code})", math.exp(a.bound))
            if r.random() < 0.5:
                return E(f"{self.m('exp', scalar)}(-{a.op()} ** 2)", 1.0)
            return E(f"{self.m('exp', scalar)}({self.m('tanh', scalar)}({a.code}))", math.e)
        if fn == "log":
            if r.random() < 0.5:
                return E(f"{self.m('log', scalar)}(1.0 + {a.op()} ** 2)",
                         math.log1p(a.bound**2))
            return E(f"{self.m('log', scalar)}(1.5 + {self.m('sin', scalar)}({a.code}))", 1.0)
        if fn == "log1p":
            return E(f"{self.m('log1p', scalar)}({a.op()} * {a.op()})", math.log1p(a.bound**2))
        if fn == "sqrt":
            return E(f"{self.m('sqrt', scalar)}(0.5 + {a.op()} ** 2)",
                     math.sqrt(0.5 + a.bound**2))
        if fn == "abs":
            if scalar:
                return E(f"{r.choice(['abs', 'abs', 'math.fabs'])}({a.code})", a.bound)
            return E(f"np.abs({a.code})", a.bound)
        if fn == "square":
            if scalar:
                return E(f"{a.op()} * {a.op()}", a.bound**2, False)
            return E(f"np.square({a.code})", a.bound**2)
        return E(f"-{a.op()}", a.bound, False)

    def denominator(self, b: E, scalar: bool):
        """(source, lower bound on |value|) of a denominator made from b."""
        form = self.r.randrange(5)
        if form == 0:
            return f"(1.0 + {b.op()} ** 2)", 1.0
        if form == 1:
            return f"(2.0 + {self.m('sin', scalar)}({b.code}))", 1.0
        if form == 2:
            return f"(1.5 + {self.m('tanh', scalar)}({b.code}))", 0.5
        if form == 3:
            return f"{self.m('exp', scalar)}({self.m('tanh', scalar)}({b.code}))", 0.36
        return f"(0.5 + {'abs' if scalar else 'np.abs'}({b.code}))", 0.5

    def power(self, a: E, sc, scalar: bool) -> E:
        r = self.r
        k = r.choice([2, 2, 3, "2.0", "neg", "int"] if scalar else [2, 2, 3, "2.0", "neg"])
        if k == "neg":
            return E(f"(1.0 + {a.op()} ** 2) ** -1", 1.0, False)
        if k == "int":
            idx = self.indices(sc)
            if idx:
                v = r.choice(idx)
                return E(f"{a.op()} ** ({v.name} % 3)", max(1.0, a.bound**2), False)
            k = 2
        if k == "2.0":
            if scalar and self.chance(0.3):
                return E(f"math.pow({a.code}, 2.0)", a.bound**2)
            return E(f"{a.op()} ** 2.0", a.bound**2, False)
        return E(f"{a.op()} ** {k}", a.bound**k, False)

    def reduction(self, sc, ctx, d: int) -> E:
        shape = self.array_shape(sc)
        a = self.arr(sc, ctx, shape, d)
        n = math.prod(shape)
        kind = self.pick([(3, "sum"), (2, "mean"), (1.5, "max"), (1, "min"), (2, "dot"),
                          (0.5, "matmul")])
        if kind == "sum":
            return E(f"np.sum({a.code})", n * a.bound)
        if kind == "mean":
            return E(f"np.mean({a.code})", a.bound)
        if kind in ("max", "min"):
            return E(f"np.{kind}({a.code})", a.bound)
        if len(shape) == 1:
            b = self.arr(sc, ctx, shape, d)
            if kind == "matmul":
                return E(f"{a.op()} @ {b.op()}", n * a.bound * b.bound, False)
            return E(f"np.dot({a.code}, {b.code})", n * a.bound * b.bound)
        return E(f"np.sum({a.op()} * {a.op()})", n * a.bound**2)

    # ------------------------------------------------------------ arrays
    def array_shape(self, sc):
        shapes = [(2.0, (3,)), (1.0, (2,))]
        for v in self.vars(sc):
            if v.shape:
                shapes.append((2.0, v.shape))
        if self.use_mat:
            shapes.append((1.0, (2, 3)))
        return self.pick(shapes)

    def arr(self, sc, ctx, shape, d: int) -> E:
        if d <= 0 or self.chance(0.25):
            return self.arr_leaf(sc, shape)
        r = self.r
        kind = self.pick([(4, "un"), (4, "bin"), (3, "sbin"), (1.5, "div"), (1.2, "maxmin"),
                          (1.2, "where"), (2.5, "shape"), (0.7, "pow"), (0.5, "logaddexp")])
        if kind == "un":
            return self.unary(self.arr(sc, ctx, shape, d - 1), scalar=False)
        if kind == "bin":
            a, b = self.arr(sc, ctx, shape, d - 1), self.arr(sc, ctx, shape, d - 1)
            op = r.choice("+-*")
            bound = a.bound * b.bound if op == "*" else a.bound + b.bound
            return E(f"{a.op()} {op} {b.op()}", bound, False)
        if kind == "sbin":
            a, s = self.arr(sc, ctx, shape, d - 1), self.scal(sc, ctx, d - 1)
            op = r.choice("+-*")
            bound = a.bound * s.bound if op == "*" else a.bound + s.bound
            if self.chance(0.5):
                return E(f"{a.op()} {op} {s.op()}", bound, False)
            return E(f"{s.op()} {op} {a.op()}", bound, False)
        if kind == "div":
            a = self.arr(sc, ctx, shape, d - 1)
            b = self.arr(sc, ctx, shape, d - 1) if self.chance(0.6) else self.scal(sc, ctx, d - 1)
            den, low = self.denominator(b, scalar=False)
            return E(f"{a.op()} / {den}", a.bound / low, False)
        if kind == "maxmin":
            a = self.arr(sc, ctx, shape, d - 1)
            b = self.arr(sc, ctx, shape, d - 1) if self.chance(0.7) else self.scal(sc, ctx, d - 1)
            fn = r.choice(["maximum", "minimum"])
            return E(f"np.{fn}({a.code}, {b.code})", max(a.bound, b.bound))
        if kind == "where":
            a, b = self.arr(sc, ctx, shape, d - 1), self.arr(sc, ctx, shape, d - 1)
            if self.chance(0.7):
                c = self.arr(sc, ctx, shape, d - 1)
                t = _fmt(r.uniform(-0.5, 0.5) * min(c.bound, 2.0))
                cond = f"{c.op()} {r.choice(['>', '<'])} {t}"
            else:
                cond = self.cond(sc, ctx, 1)
            return E(f"np.where({cond}, {a.code}, {b.code})", max(a.bound, b.bound))
        if kind == "pow":
            return self.power(self.arr(sc, ctx, shape, d - 1), sc, scalar=False)
        if kind == "logaddexp":
            a = self.tame(self.arr(sc, ctx, shape, d - 1), 5.0, False)
            b = self.tame(self.arr(sc, ctx, shape, d - 1), 5.0, False)
            return E(f"np.logaddexp({a.code}, {b.code})", max(a.bound, b.bound) + 0.7)
        return self.reshape(sc, ctx, shape, d - 1)

    def reshape(self, sc, ctx, shape, d: int) -> E:
        """An array of `shape` made from arrays of other shapes."""
        r = self.r
        mat = self.use_mat or any(v.shape == (2, 3) for v in self.vars(sc))
        if shape == (2,) and mat:
            M = self.arr(sc, ctx, (2, 3), d)
            form = r.randrange(5)
            if form < 2:
                v = self.arr(sc, ctx, (3,), d)
                text = f"np.dot({M.code}, {v.code})" if form == 0 else f"{M.op()} @ {v.op()}"
                return E(text, 3 * M.bound * v.bound, form == 0)
            fn = ["sum", "mean", "max"][form - 2]
            return E(f"np.{fn}({M.code}, axis=1)", (3 if fn == "sum" else 1) * M.bound)
        if shape == (3,) and mat:
            M = self.arr(sc, ctx, (2, 3), d)
            form = r.randrange(5)
            if form == 0:
                w = self.arr(sc, ctx, (2,), d)
                return E(f"np.dot({w.code}, {M.code})", 2 * M.bound * w.bound)
            if form == 1:
                w = self.arr(sc, ctx, (2,), d)
                return E(f"{M.op()}.T @ {w.op()}", 2 * M.bound * w.bound, False)
            fn = ["sum", "mean", "min"][form - 2]
            return E(f"np.{fn}({M.code}, axis=0)", (2 if fn == "sum" else 1) * M.bound)
        if shape == (2, 3):
            form = r.randrange(3)
            if form == 0:
                a, b = self.arr(sc, ctx, (2,), d), self.arr(sc, ctx, (3,), d)
                return E(f"{a.op()}[:, None] * {b.op()}", a.bound * b.bound, False)
            M = self.arr(sc, ctx, (2, 3), d)
            if form == 1:
                return E(f"{M.op()} - np.mean({M.code}, axis=1, keepdims=True)",
                         2 * M.bound, False)
            b = self.arr(sc, ctx, (3,), d)
            return E(f"{M.op()} * {b.op()}", M.bound * b.bound, False)
        # any 1-D shape: a scalar spread over it, or an elementwise op of a leaf
        if self.chance(0.5):
            s = self.scal(sc, ctx, d)
            return E(f"{s.op()} * np.ones({shape[0]})", s.bound, False)
        return self.unary(self.arr_leaf(sc, shape), scalar=False)

    def arr_leaf(self, sc, shape) -> E:
        options = []
        for v in self.vars(sc, shape):
            options.append((3.0, E(v.name, v.bound)))
        if len(shape) == 1:
            n = shape[0]
            for v in self.vars(sc):
                if v.shape and len(v.shape) == 1 and v.shape[0] >= n:
                    for s in self.slices(sc, v.shape[0], n):
                        if s != ":" or self.chance(0.3):
                            options.append((1.0 / (1 + v.shape[0] - n), E(f"{v.name}[{s}]",
                                                                          v.bound)))
                if v.shape and len(v.shape) == 2:
                    rows, cols = v.shape
                    if cols == n:
                        r = self.index(sc, rows)
                        options.append((1.0, E(self.r.choice([f"{v.name}[{r}]",
                                                              f"{v.name}[{r}, :]"]), v.bound)))
                    if rows == n:
                        options.append((1.0, E(f"{v.name}[:, {self.index(sc, cols)}]",
                                               v.bound)))
                    if cols > n:
                        for s in self.slices(sc, cols, n)[:3]:
                            options.append((0.3, E(f"{v.name}[{self.index(sc, rows)}, {s}]",
                                                   v.bound)))
            for name, cshape in _CONSTS.items():
                if cshape == shape:
                    options.append((0.5, E(name, 1.0)))
        if options:
            return self.pick(options)
        s = self.scal_leaf(sc, Ctx())
        if len(shape) == 2:
            return E(f"{s.op()} * np.ones(({shape[0]}, {shape[1]}))", s.bound, False)
        return E(f"{s.op()} * np.ones({shape[0]})", s.bound, False)

    # ------------------------------------------------------------ conditions
    def cond(self, sc, ctx, d: int) -> str:
        r = self.r
        kind = self.pick([(5, "thr"), (2, "cmp"), (1.5 if self.indices(sc) else 0, "int"),
                          (1 if d > 0 else 0, "bool"), (0.4 if d > 0 else 0, "not"),
                          (0.8, "arr")])
        if kind == "thr":
            s = self.scal(sc, ctx, r.randint(0, 2))
            t = _fmt(r.uniform(-0.6, 0.6) * min(s.bound, 2.0))
            return f"{s.op()} {r.choice(['>', '<', '>=', '<='])} {t}"
        if kind == "cmp":
            a, b = self.scal(sc, ctx, 1), self.scal(sc, ctx, 1)
            return f"{a.op()} {r.choice(['>', '<'])} {b.op()}"
        if kind == "int":
            v = r.choice(self.indices(sc))
            c = r.choice(sorted(v.values))
            return r.choice([f"{v.name} % 2 == 0", f"{v.name} > {c}", f"{v.name} == {c}",
                             f"{v.name} != {c}", f"{v.name} % 3 == 1"])
        if kind == "bool":
            a, b = self.cond(sc, ctx, d - 1), self.cond(sc, ctx, d - 1)
            return f"({a}) {r.choice(['and', 'or'])} ({b})"
        if kind == "not":
            return f"not ({self.cond(sc, ctx, d - 1)})"
        shape = self.array_shape(sc)
        a = self.arr(sc, ctx, shape, 1)
        t = _fmt(r.uniform(-0.5, 0.5) * min(a.bound, 2.0) * math.prod(shape))
        return f"np.sum({a.code}) > {t}"

    # ------------------------------------------------------------ statements
    def block(self, sc, ctx, ind: str, n: int, jump_p: float = 0.0):
        """Up to n statements. Returns (lines, scope at the end or None when the
        block never falls through, scope before the first statement that may jump)."""
        lines = []
        before_jump = None
        for _ in range(n):
            if self.budget <= 0:
                break
            out, new, may_jump = self.statement(sc, ctx, ind)
            if may_jump and before_jump is None:
                before_jump = sc
            lines += out
            if new is None:
                return lines, None, before_jump
            sc = new
        if jump_p and self.chance(jump_p):
            out, _ = self.jump(sc, ctx, ind)
            if before_jump is None:
                before_jump = sc
            return lines + out, None, before_jump
        if not lines:
            out, sc = self.new_scalar(sc, ctx, ind)
            lines += out
        return lines, sc, before_jump if before_jump is not None else sc

    def jump(self, sc, ctx, ind):
        if ctx.in_loop and not self.chance(0.25):
            return [f"{ind}{self.r.choice(['break', 'continue'])}"], None
        return [f"{ind}return {self.ret_expr(sc, ctx)}"], None

    def statement(self, sc, ctx, ind):
        """(lines, new scope or None if control never falls through, may_jump)."""
        self.budget -= 1
        deep = len(ctx.trips) + ctx.ifs
        values = [v for v in self.vars(sc, roles=("value", "param")) if v.shape is not None]
        buffers = self.vars(sc, roles=("buffer",))
        kind = self.pick([
            (3, "scalar"), (2, "array"), (2.5 if values else 0, "reassign"),
            (2 if values else 0, "aug"), (1.5, "buffer"), (4 if buffers else 0, "write"),
            (1, "swap"), (2.5 if deep < 3 else 0, "if"),
            (2.5 if len(ctx.trips) < 2 and deep < 3 else 0, "for"),
            (1 if len(ctx.trips) < 2 and deep < 3 else 0, "while"),
            (1.5 if ctx.in_loop else 0.4, "guard"),
        ])
        if kind in ("scalar", "array", "reassign", "aug", "buffer", "write", "swap"):
            out, sc = getattr(self, f"s_{kind}")(sc, ctx, ind)
            return out, sc, False
        return getattr(self, f"s_{kind}")(sc, ctx, ind)

    def new_scalar(self, sc, ctx, ind):
        e = self.tame(self.scal(sc, ctx, self.r.randint(1, 3)))
        name = self.fresh(self.r.choice("st"))
        return [f"{ind}{name} = {e.code}"], {**sc, name: Var(name, (), e.bound)}

    s_scalar = new_scalar

    def own(self, sc, e: E, shape):
        """An array expression made safe to bind to a name: (E, view_of)."""
        if _BARE.match(e.code):
            root = sc.get(e.code.split("[")[0])
            if root is None:  # W2, W3: module constants, shared with other calls
                return E(f"np.copy({e.code})", e.bound), None
            if root.role == "buffer" or self.chance(0.4):
                return E(f"np.copy({e.code})", e.bound), None
            return e, root.view_of or root.name
        return e, None

    def s_array(self, sc, ctx, ind):
        shape = self.array_shape(sc)
        e = self.tame(self.arr(sc, ctx, shape, self.r.randint(1, 3)), CAP, False)
        e, view = self.own(sc, e, shape)
        name = self.fresh("a")
        return [f"{ind}{name} = {e.code}"], {**sc, name: Var(name, shape, e.bound,
                                                             view_of=view)}

    def expr(self, sc, ctx, shape, d):
        return self.scal(sc, ctx, d) if shape == () else self.arr(sc, ctx, shape, d)

    def s_reassign(self, sc, ctx, ind):
        v = self.r.choice([v for v in self.vars(sc, roles=("value", "param"))
                           if v.shape is not None])
        scalar = v.shape == ()
        e = self.expr(sc, ctx, v.shape, self.r.randint(1, 2))
        if self.chance(0.6):  # a recurrence: the new value depends on the old one
            op = self.r.choice("+-*")
            if op == "*":
                e = self.tame(e, 1.0, scalar)
            e = E(f"{v.name} {op} {e.op()}", v.bound * e.bound if op == "*"
                  else v.bound + e.bound, False)
        e = self.tame(e, CAP, scalar)
        view = None
        if not scalar:
            e, view = self.own(sc, e, v.shape)
        return [f"{ind}{v.name} = {e.code}"], {**sc, v.name: replace(v, bound=e.bound,
                                                                     view_of=view)}

    def s_aug(self, sc, ctx, ind):
        ok = [v for v in self.vars(sc, roles=("value", "param")) if v.shape is not None
              and (v.shape == () or (v.role == "value" and v.view_of is None))]
        if not ok:
            return self.new_scalar(sc, ctx, ind)
        v = self.r.choice(ok)
        scalar = v.shape == ()
        shape = v.shape if scalar or self.chance(0.6) else ()
        e = self.expr(sc, ctx, shape, self.r.randint(1, 2))
        op = self.pick([(3, "+="), (2, "-="), (1.5, "*="), (1, "/=")])
        if op in ("+=", "-="):
            e = self.tame(e, INC, shape == ())
            bound = v.bound + INC
        elif op == "*=":
            e = self.tame(e, 1.0, shape == ())
            bound = v.bound
        else:
            den, _ = self.denominator(e, shape == ())
            e = E(den, 1.0)
            if not den.startswith("(") or "0.5 +" in den or "1.5 +" in den:
                e = E(f"(1.0 + {e.op()} ** 2)" if shape == () else f"(1.0 + {e.op()} ** 2)", 1.0)
            bound = v.bound
        return [f"{ind}{v.name} {op} {e.code}"], {**sc, v.name: replace(v, bound=bound)}

    def s_buffer(self, sc, ctx, ind):
        r = self.r
        arrays = [v for v in self.vars(sc, roles=("value", "param", "buffer")) if v.shape]
        form = self.pick([(4, "zeros"), (1, "ones"), (1.5 if self.use_mat else 0.3, "zeros2"),
                          (1 if arrays else 0, "zeros_like"), (1.5 if arrays else 0, "copy"),
                          (0.6, "full"), (0.25, "full_active")])
        if form in ("zeros", "ones"):
            k = r.randint(2, 5)
            shape, text, b = (k,), f"np.{form}({k})", 1.0 if form == "ones" else 0.0
        elif form == "zeros2":
            shape, text, b = (2, 3), "np.zeros((2, 3))", 0.0
        elif form == "zeros_like":
            v = r.choice(arrays)
            shape, text, b = v.shape, f"np.zeros_like({v.name})", 0.0
        elif form == "copy":
            v = r.choice(arrays)
            shape, text, b = v.shape, f"np.copy({v.name})", v.bound
        elif form == "full":
            k = r.randint(2, 5)
            c = self.const(-1, 1)
            shape, text, b = (k,), f"np.full({k}, {c.code})", c.bound
        else:
            k = r.randint(2, 4)
            s = self.tame(self.scal(sc, ctx, 1))
            shape, text, b = (k,), f"np.full({k}, {s.code})", s.bound
        name = self.fresh("buf")
        return [f"{ind}{name} = {text}"], {**sc, name: Var(name, shape, b, role="buffer")}

    def s_write(self, sc, ctx, ind):
        r = self.r
        buf = r.choice(self.vars(sc, roles=("buffer",)))
        shape = buf.shape
        if len(shape) == 1:
            n = shape[0]
            if self.chance(0.7):
                target, vshape = f"{buf.name}[{self.index(sc, n)}]", ()
            else:
                width = r.randint(1, n)
                target = f"{buf.name}[{r.choice(self.slices(sc, n, width))}]"
                vshape = (width,) if self.chance(0.7) else ()
        else:
            rows, cols = shape
            form = r.randrange(4)
            if form == 0:
                target, vshape = f"{buf.name}[{self.index(sc, rows)}]", (cols,)
            elif form == 1:
                target, vshape = f"{buf.name}[:, {self.index(sc, cols)}]", (rows,)
            elif form == 2:
                width = r.randint(1, cols)
                s = r.choice(self.slices(sc, cols, width))
                target, vshape = f"{buf.name}[{self.index(sc, rows)}, {s}]", (width,)
            else:
                target = f"{buf.name}[{self.index(sc, rows)}, {self.index(sc, cols)}]"
                vshape = ()
        e = self.expr(sc, ctx, vshape, r.randint(1, 2))
        op = self.pick([(4, "="), (3, "+="), (1, "-="), (1, "*=")])
        if op == "=":
            e = self.tame(e, CAP, vshape == ())
            bound = max(buf.bound, e.bound)
        elif op == "*=":
            e = self.tame(e, 1.0, vshape == ())
            bound = buf.bound
        else:
            e = self.tame(e, INC, vshape == ())
            bound = buf.bound + INC
        return [f"{ind}{target} {op} {e.code}"], {**sc, buf.name: replace(buf, bound=bound)}

    def s_swap(self, sc, ctx, ind):
        r = self.r
        groups = {}
        for v in self.vars(sc, roles=("value", "param")):
            if v.shape is not None:
                groups.setdefault(v.shape, []).append(v)
        pairs = [g for g in groups.values() if len(g) >= 2]
        if not pairs or self.chance(0.25):  # a tuple assignment of two new names
            e1 = self.tame(self.scal(sc, ctx, r.randint(1, 2)))
            e2 = self.tame(self.scal(sc, ctx, r.randint(1, 2)))
            p, q = self.fresh("p"), self.fresh("q")
            return [f"{ind}{p}, {q} = {e1.code}, {e2.code}"], {
                **sc, p: Var(p, (), e1.bound), q: Var(q, (), e2.bound)}
        a, b = r.sample(r.choice(pairs), 2)
        form = r.randrange(3)
        if form == 0:
            text, ba, bb = f"{b.name}, {a.name}", b.bound, a.bound
        elif form == 1:
            c = self.tame(self.scal(sc, ctx, 1), 1.0)
            text, ba, bb = f"{b.name}, {a.name} * {c.op()}", b.bound, a.bound * c.bound
        else:
            e = self.tame(E(f"{b.name} + {self.expr(sc, ctx, a.shape, 1).op()}", CAP + 1,
                            False), CAP, a.shape == ())
            text, ba, bb = f"{e.code}, {a.name}", e.bound, a.bound
        def root(v):  # what the object bound to v may share memory with
            if v.shape == ():
                return None
            return v.name if v.role == "param" else v.view_of

        if form == 0:  # the names exchange their objects
            va, vb = root(b), root(a)
        elif form == 1:  # b gets a's old object times c: a new array
            va, vb = root(b), None
        else:  # a gets a new value, b gets a's old object
            va, vb = None, root(a)
        new = {**sc, a.name: replace(a, bound=ba, view_of=va),
               b.name: replace(b, bound=bb, view_of=vb)}
        return [f"{ind}{a.name}, {b.name} = {text}"], new

    def s_if(self, sc, ctx, ind, force_jump=False):
        r = self.r
        inner = replace(ctx, ifs=ctx.ifs + 1)
        jump_p = 0.9 if force_jump else 0.15
        lines = [f"{ind}if {self.cond(sc, ctx, 1)}:"]
        body, s1, j1 = self.block(sc, inner, ind + "    ", 1 if force_jump else r.randint(1, 3),
                                  jump_p)
        lines += body
        branches = [(s1, j1)]
        if not force_jump and self.chance(0.65):
            if self.chance(0.25) and ctx.ifs + len(ctx.trips) < 2:
                out, s2, may = self.s_if(sc, ctx, ind + "    ")
                lines += [f"{ind}else:"] + out
                branches.append((s2, sc if may else s2))
            else:
                body, s2, j2 = self.block(sc, inner, ind + "    ", r.randint(1, 3), 0.1)
                lines += [f"{ind}else:"] + body
                branches.append((s2, j2))
        else:
            branches.append((sc, sc))
        may_jump = any(end is None or end is not before for end, before in branches)
        ends = [end for end, _ in branches if end is not None]
        if not ends:
            return lines, None, True
        return lines, self.merge(sc, ends), may_jump

    def s_guard(self, sc, ctx, ind):
        return self.s_if(sc, ctx, ind, force_jump=True)

    @staticmethod
    def merge(before, scopes):
        """Names bound on every path, each with the largest bound seen."""
        out = {}
        for name in scopes[0]:
            if all(name in s for s in scopes):
                vs = [s[name] for s in scopes]
                v = vs[0]
                views = {x.view_of for x in vs} - {None}
                out[name] = replace(v, bound=max(x.bound for x in vs),
                                    values=tuple(sorted(set().union(*[x.values for x in vs]))),
                                    view_of=next(iter(views)) if len(views) == 1 else
                                    (None if not views else "?"))
        return out

    def inflate(self, sc, trips):
        return {n: (replace(v, bound=v.bound + INC * trips)
                    if v.role in ("value", "buffer", "param") and v.shape is not None else v)
                for n, v in sc.items()}

    def loop_exit(self, sc, body_scopes, fresh_ok):
        """The scope after a loop: the names bound before it (bounds widened by what
        the body did), plus names the body binds before any jump if it surely runs."""
        out = dict(sc)
        for s in body_scopes:
            if s is None:
                continue
            for name, v in s.items():
                if name in out:
                    old = out[name]
                    out[name] = replace(old, bound=max(old.bound, v.bound),
                                        values=tuple(sorted(set(old.values) | set(v.values))),
                                        view_of=old.view_of if old.view_of == v.view_of
                                        else (old.view_of or v.view_of))
        if fresh_ok and body_scopes[-1] is not None:
            for name, v in body_scopes[-1].items():
                # pullback refuses writes into an array created inside a loop and
                # written after it (issue 6 report); keep such programs rare
                if name not in out and (v.role != "buffer" or self.chance(0.1)):
                    out[name] = v
        return out

    def s_for(self, sc, ctx, ind):
        r = self.r
        header, loop_vars, values, sure = self.for_header(sc)
        trips = max(1, len(values))
        inner = Ctx(ctx.trips + (trips,), ctx.ifs)
        body_sc = {**self.inflate(sc, inner.total), **loop_vars}
        body, end, before_jump = self.block(body_sc, inner, ind + "    ", r.randint(1, 4))
        lines = [f"{ind}{header}"] + body
        out = self.loop_exit(sc, [end, before_jump], sure)
        return lines, out, False

    def for_header(self, sc):
        """(header, loop variables, index values, whether the body surely runs)."""
        r = self.r
        i = self.fresh("i")
        ints = [v for v in sc.values() if v.role == "param" and v.shape is None]
        arrays1 = [v for v in self.vars(sc, roles=("value", "param")) if v.shape
                   and len(v.shape) == 1]
        mats = [v for v in self.vars(sc, roles=("value", "param")) if v.shape
                and len(v.shape) == 2]
        form = self.pick([(6, "range"), (1.5 if ints else 0, "range_n"), (1, "len"),
                          (1 if arrays1 else 0, "iter"), (0.5 if mats else 0, "rows"),
                          (0.8 if arrays1 else 0, "enumerate"), (0.5 if arrays1 else 0, "zip")])
        if form == "range":
            a = r.randint(0, 2)
            b = a + r.randint(1, 5)
            style = r.randrange(6)
            if style == 0:
                text, vals = (f"range({b})", range(b)) if a == 0 else (f"range({a}, {b})",
                                                                       range(a, b))
            elif style == 1:
                text, vals = f"range({a}, {b})", range(a, b)
            elif style == 2:
                s = r.choice([2, 3])
                text, vals = f"range({a}, {b + s}, {s})", range(a, b + s, s)
            elif style == 3:
                text, vals = f"range({b - 1}, {a - 1}, -1)", range(b - 1, a - 1, -1)
            elif style == 4:
                s = r.choice([-2, -3])
                text, vals = f"range({b}, {a - 1}, {s})", range(b, a - 1, s)
            else:
                text, vals = f"reversed(range({a}, {b}))", range(a, b)
            vals = tuple(vals)
            return f"for {i} in {text}:", {i: Var(i, None, role="index", values=vals)}, vals, True
        if form == "range_n":
            n = r.choice(ints)
            if self.chance(0.5):
                text, vals = f"range({n.name})", tuple(range(4))
            else:
                text, vals = f"range(1, {n.name} + 1)", tuple(range(1, 5))
            if self.chance(0.3):
                text = f"reversed({text})"
            return f"for {i} in {text}:", {i: Var(i, None, role="index", values=vals)}, vals, True
        if form == "len":
            arr = [v for v in self.vars(sc) if v.shape and len(v.shape) == 1]
            if not arr:
                k = r.randint(1, 4)
                return (f"for {i} in range({k}):", {i: Var(i, None, role="index",
                                                           values=tuple(range(k)))},
                        tuple(range(k)), True)
            v = r.choice(arr)
            vals = tuple(range(v.shape[0]))
            return (f"for {i} in range(len({v.name})):",
                    {i: Var(i, None, role="index", values=vals)}, vals, True)
        if form in ("iter", "enumerate"):
            v = r.choice(arrays1)
            e = self.fresh("e")
            ev = Var(e, (), v.bound)
            vals = tuple(range(v.shape[0]))
            if form == "iter":
                return f"for {e} in {v.name}:", {e: ev}, vals, True
            return (f"for {i}, {e} in enumerate({v.name}):",
                    {i: Var(i, None, role="index", values=vals), e: ev}, vals, True)
        if form == "rows":
            v = r.choice(mats)
            row = self.fresh("row")
            vals = tuple(range(v.shape[0]))
            return (f"for {row} in {v.name}:",
                    {row: Var(row, v.shape[1:], v.bound, view_of=v.view_of or v.name)},
                    vals, True)
        v = r.choice(arrays1)
        others = [w for w in self.vars(sc) if w.shape == v.shape and w is not v]
        w = r.choice(others) if others else None
        w_text = w.name if w is not None else "W3" if v.shape == (3,) else \
            "W2" if v.shape == (2,) else f"np.sin({v.name})"
        p, q = self.fresh("e"), self.fresh("e")
        vals = tuple(range(v.shape[0]))
        return (f"for {p}, {q} in zip({v.name}, {w_text}):",
                {p: Var(p, (), v.bound), q: Var(q, (), w.bound if w else 1.0)}, vals, True)

    def s_while(self, sc, ctx, ind):
        r = self.r
        k = self.fresh("k")
        K = r.randint(1, 5)
        data = self.chance(0.4)
        test = f"{k} < {K}"
        if data:
            c = self.cond(sc, ctx, 0)
            test = f"{test} and {c}" if self.chance(0.6) else f"{c} and {test}"
        step = r.choice([f"{k} += 1", f"{k} = {k} + 1"])
        inner = Ctx(ctx.trips + (K,), ctx.ifs)
        body_sc = {**self.inflate(sc, inner.total),
                   k: Var(k, None, role="index", values=tuple(range(1, K + 1)))}
        body, end, before_jump = self.block(body_sc, inner, ind + "    ", r.randint(1, 4))
        lines = [f"{ind}{k} = 0", f"{ind}while {test}:", f"{ind}    {step}"] + body
        out = self.loop_exit(sc, [end, before_jump], not data)
        out[k] = Var(k, None, role="index", values=tuple(range(0, K + 1)))
        return lines, out, False

    def ret_expr(self, sc, ctx) -> str:
        r = self.r
        cands = [v for v in sc.values() if v.role in ("value", "buffer", "param")
                 and v.shape is not None]
        newest = cands[-1:] if cands and self.chance(0.7) else []
        r.shuffle(cands)
        cands = newest + [v for v in cands if v not in newest]
        terms = []
        for v in cands[: r.randint(1, 4)]:
            if v.shape == ():
                t = self.pick([(3, v.name), (1, f"{_fmt(r.uniform(0.2, 2))} * {v.name}"),
                               (1, f"math.sin({v.name})"), (0.5, f"{v.name} ** 2")])
            elif len(v.shape) == 1:
                forms = [(3, f"np.sum({v.name})"), (1, f"np.mean(np.sin({v.name}))"),
                         (1, f"{v.name}[{self.index(sc, v.shape[0])}]"),
                         (0.5, f"np.max({v.name})")]
                if v.shape[0] in (2, 3):
                    forms.append((1, f"np.dot({v.name}, W{v.shape[0]})"))
                t = self.pick(forms)
            else:
                t = self.pick([(2, f"np.sum({v.name})"), (1, f"np.mean({v.name} ** 2)"),
                               (1, f"np.sum(np.tanh({v.name}) * W3)")])
            terms.append(t)
        if not terms or self.chance(0.3):
            terms.append(self.scal(sc, ctx, 1).op())
        text = terms[0]
        for t in terms[1:]:
            text += f" {r.choice('+-')} {t}"
        return text


def helper_source(rng: random.Random, name: str, nargs: int) -> str:
    """A module-level helper function of scalar arguments with a value in [-1, 1]
    (on the paths that reach the end; early returns may be larger)."""
    g = Generator(rng)
    g.budget = rng.randint(1, 4)
    names = ["a", "b", "c"][:nargs]
    scope = {n: Var(n, (), CAP, role="param") for n in names}
    lines, end, _ = g.block(scope, Ctx(), "    ", 4)
    if end is not None:
        lines.append(f"    return math.tanh({g.ret_expr(end, Ctx())})")
    return f"\n\ndef {name}({', '.join(names)}):\n" + "\n".join(lines) + "\n"


def generate(seed: int, index: int) -> Program:
    """Program `index` of the run with `seed` (the same on every machine and run)."""
    rng = random.Random(f"pullback-fuzz:{seed}:{index}")
    g = Generator(rng)
    helpers = ""
    for k in range(rng.choice([0, 0, 0, 1, 1, 2])):
        nargs = rng.randint(1, 3)
        helpers += helper_source(rng, f"h{k + 1}", nargs)
        g.callables.append((f"h{k + 1}", nargs))
    head = []
    if rng.random() < 0.12:
        c = round(rng.uniform(0.2, 1.5), 2)
        body = rng.choice([f"math.tanh({c} * a)", f"a * math.tanh(a) * {c}",
                           f"math.sin(a) - {c} * math.cos(a)"])
        head.append(f"    lam = lambda a: {body}")
        g.callables.append(("lam", 1))
    params = []
    scalars = ["x", "y", "z"][: rng.choice([0, 1, 1, 2, 2, 3])]
    vecs = ["v", "u"][: rng.choice([0, 0, 1, 1, 2])]
    mats = ["m"] if rng.random() < 0.3 else []
    if not (scalars or vecs or mats):
        scalars = ["x"]
    params = [Param(n, "scalar") for n in scalars] + [Param(n, "vec") for n in vecs] + \
        [Param(n, "mat") for n in mats]
    if rng.random() < 0.2:
        params.append(Param("n", "int"))
    rng.shuffle(params)
    g.use_mat = bool(mats)
    scope = {}
    for p in params:
        if p.kind == "int":
            scope[p.name] = Var(p.name, None, role="param", values=(1, 2, 3, 4))
        else:
            scope[p.name] = Var(p.name, p.shape, 1.5, role="param")
    lines, end, _ = g.block(scope, Ctx(), "    ", 60)
    lines = head + lines
    if end is not None:
        lines.append(f"    return {g.ret_expr(end, Ctx())}")
    diff = [i for i, p in enumerate(params) if p.kind != "int"]
    form = rng.random()
    if form < 0.6:
        wrt = tuple(diff)
    elif form < 0.8:
        wrt = rng.choice(diff)
    elif form < 0.9:
        wrt = tuple(sorted(rng.sample(diff, rng.randint(1, len(diff)))))
    else:
        names = [params[i].name for i in diff]
        wrt = rng.choice(names) if rng.random() < 0.5 else tuple(names)
    signature = ", ".join(p.name for p in params)
    src = PRELUDE + helpers + f"\n\ndef f({signature}):\n" + "\n".join(lines) + "\n"
    return Program(seed, index, src, params, wrt)


# ============================================================ running programs


class Timeout(BaseException):
    """A program (or its gradient) ran longer than allowed."""


@contextlib.contextmanager
def deadline(seconds: float):
    """Raise Timeout in this thread after `seconds` (only where SIGALRM exists and
    this is the main thread; otherwise no limit)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable or seconds is None:
        yield
        return

    def on_alarm(signum, frame):
        raise Timeout(f"took longer than {seconds} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


class Workdir:
    """Where program sources are written so that inspect.getsource finds them."""

    def __init__(self, path=None):
        self._tmp = None
        if path is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="pullback-fuzz-")
            path = self._tmp.name
        self.path = path
        self.count = itertools.count()

    def load(self, src: str, func: str = "f"):
        name = f"pbfuzz_{os.getpid()}_{next(self.count)}"
        path = os.path.join(self.path, name + ".py")
        with open(path, "w") as fh:
            fh.write(src)
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return getattr(module, func), path

    def forget(self, path: str):
        linecache.cache.pop(path, None)
        with contextlib.suppress(OSError):
            os.remove(path)

    def close(self):
        if self._tmp is not None:
            self._tmp.cleanup()


# --- the instrumented copy: records every decision that could make f non-smooth

_KINKS = {"abs", "max", "min", "math.fabs", "np.abs", "np.maximum", "np.minimum", "np.max",
          "np.min", "np.amax", "np.amin", "np.sign"}  # np.where's mask is a comparison


def _dotted(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return None if head is None else f"{head}.{node.attr}"
    return None


class _Instrument(ast.NodeTransformer):
    def visit_Compare(self, node):
        self.generic_visit(node)
        return ast.copy_location(
            ast.Call(ast.Name("__pb_rec", ast.Load()), [node], []), node)

    def visit_Call(self, node):
        self.generic_visit(node)
        name = _dotted(node.func)
        if name in _KINKS:
            return ast.copy_location(ast.Call(
                ast.Name("__pb_kink", ast.Load()),
                [ast.Constant(name), node.func, *node.args], node.keywords), node)
        return node


def _token(x):
    a = np.asarray(x)
    return (a.shape, a.tobytes())


def instrumented(src: str, func: str = "f"):
    """`run(*args) -> (value, decisions)` for the program in `src`."""
    tree = _Instrument().visit(ast.parse(src))
    ast.fix_missing_locations(tree)
    trace = []

    def rec(value):
        trace.append(_token(value))
        return value

    def kink(name, fn, *args, **kwargs):
        if name in ("abs", "math.fabs", "np.abs", "np.sign"):
            trace.append(_token(np.sign(args[0])))
        elif name in ("max", "min"):
            if len(args) == 2:
                trace.append(_token(np.asarray(args[0]) >= np.asarray(args[1])))
        elif name in ("np.maximum", "np.minimum"):
            trace.append(_token(np.asarray(args[0]) >= np.asarray(args[1])))
        else:
            axis = kwargs.get("axis", args[1] if len(args) > 1 else None)
            pick = np.argmax if name in ("np.max", "np.amax") else np.argmin
            trace.append(_token(pick(np.asarray(args[0]), axis=axis)))
        return fn(*args, **kwargs)

    namespace = {"__pb_rec": rec, "__pb_kink": kink, "__name__": "pbfuzz_instrumented"}
    exec(compile(tree, "<pullback-fuzz>", "exec"), namespace)
    f = namespace[func]

    def run(*args):
        trace.clear()
        value = f(*args)
        return value, tuple(trace)

    return run


# --- checking one point


@dataclass
class Failure:
    kind: str  # mismatch | value | vg-gradient | mutated | type | crash | timeout
    detail: str
    args: tuple
    wrt: object
    got: object = None
    expected: object = None
    exc_type: str = ""


@dataclass
class PointResult:
    status: str  # ok | fail | kink | invalid | refused
    failure: Failure | None = None
    message: str = ""
    worst: float = 0.0  # largest error / allowed seen, for tuning


def _copy_args(args):
    return tuple(np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args)


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype
                and a.shape == b.shape and np.array_equal(a, b))
    return type(a) is type(b) and a == b


def _wrt_positions(names, wrt):
    single = not isinstance(wrt, tuple)
    out = []
    for w in ([wrt] if single else wrt):
        out.append(names.index(w) if isinstance(w, str) else w)
    return out, single


def _scalar_value(value):
    a = np.asarray(value)
    if a.shape != () or not np.issubdtype(a.dtype, np.floating) and \
            not np.issubdtype(a.dtype, np.integer):
        raise TypeError(f"program returned {type(value).__name__} of shape {a.shape}")
    v = float(a)
    if not math.isfinite(v) or abs(v) > 1e8:
        raise OverflowError(f"program value {v} is not tame")
    return v


STEPS = (1e-5, 1e-6)  # central-difference step sizes; both must agree


def _exc_key(exc: BaseException) -> str:
    """The exception's type and message, numbers and quoted names left out: what a
    minimized crash must keep to count as the same crash."""
    text = str(exc).split("\n")[0]
    return f"{type(exc).__name__}: " + re.sub(r"\d+", "N", re.sub(r"'[^']*'", "'…'", text))


def refusal_text(exc: BaseException) -> str:
    """A refusal message with names and the location left out, for counting."""
    text = exc.message if isinstance(exc, LocatedError) else str(exc).split("\n")[0]
    return re.sub(r"'[^']*'", "'…'", text)


def check_point(f, run, gf, vg, names, args, wrt, rtol=1e-4, atol=1e-6) -> PointResult:
    """Judge pullback's gradient of f at one point (f, run, gf, vg already built)."""
    positions, single = _wrt_positions(names, wrt)
    # 1. the program itself: a valid, tame value here?
    try:
        with np.errstate(all="raise", under="ignore"), warnings.catch_warnings():
            warnings.simplefilter("error")
            base, decisions = run(*_copy_args(args))
            base = _scalar_value(base)
    except Timeout:
        raise
    except Exception as exc:  # noqa: BLE001 - the program failed: not pullback's fault
        return PointResult("invalid", message=f"{type(exc).__name__}: {exc}")
    # 2. pullback's gradient and value, and the arguments afterwards
    before = _copy_args(args)
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = gf(*args)
            value, got2 = vg(*args)
    except PullbackError as exc:
        return PointResult("refused", message="(at run time) " + refusal_text(exc))
    except Timeout:
        return PointResult("fail", Failure("timeout", "the gradient did not finish", args, wrt,
                                           exc_type="Timeout"))
    except Exception as exc:  # noqa: BLE001 - any other exception is a bug
        tb = traceback.format_exc(limit=-3)
        return PointResult("fail", Failure("crash", f"{type(exc).__name__}: {exc}\n{tb}",
                                           args, wrt, exc_type=_exc_key(exc)))

    def fail(kind, detail, got_=None, expected=None):
        return PointResult("fail", Failure(kind, detail, args, wrt, got_, expected))

    for i, (old, new) in enumerate(zip(before, args)):
        if not _same(old, new):
            return fail("mutated", f"argument {i} ({names[i]!r}) changed: {old!r} -> {new!r}")
    grads = [got] if single else got
    grads2 = [got2] if single else got2
    if not single and (not isinstance(got, tuple) or len(got) != len(positions)):
        return fail("type", f"wrt={wrt!r}: expected a tuple of {len(positions)} gradients, "
                            f"got {type(got).__name__}")
    if single and isinstance(got, (tuple, list)):
        return fail("type", f"wrt={wrt!r}: expected one gradient, got a {type(got).__name__}")
    for pos, g in zip(positions, grads):
        a = args[pos]
        if isinstance(a, np.ndarray):
            if not (isinstance(g, np.ndarray) and g.shape == a.shape
                    and np.issubdtype(g.dtype, np.floating)):
                return fail("type", f"gradient for {names[pos]!r} (array {a.shape}) is "
                                    f"{type(g).__name__} {getattr(g, 'shape', '')}", g)
        elif not (isinstance(g, float) and not isinstance(g, np.ndarray)):
            return fail("type", f"gradient for {names[pos]!r} (a float) is "
                                f"{type(g).__name__} {g!r}", g)
    try:
        true_value = _scalar_value(f(*_copy_args(args)))
        v = float(value)
    except Exception as exc:  # noqa: BLE001
        return fail("value", f"value_and_grad's value {value!r} is not a number: {exc}")
    if not (abs(v - true_value) <= 1e-9 * max(1.0, abs(true_value))):
        return fail("value", f"value_and_grad returned {v!r}, f returned {true_value!r}",
                    v, true_value)
    if len(grads2) != len(grads) or not all(
            np.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True)
            for a, b in zip(grads, grads2)):
        return fail("vg-gradient", "value_and_grad's gradient differs from grad's", got2, got)
    # 3. finite differences, skipping points where f is not smooth
    worst = 0.0
    expected_all = []
    for pos, g in zip(positions, grads):
        x = args[pos]
        fd = np.zeros(np.shape(x))
        for idx in np.ndindex(np.shape(x)):
            estimates = []
            for h in STEPS:
                vals = []
                for sign in (1, -1):
                    moved = list(_copy_args(args))
                    if isinstance(x, np.ndarray):
                        moved[pos][idx] += sign * h
                    else:
                        moved[pos] = x + sign * h
                    try:
                        with np.errstate(all="raise", under="ignore"), warnings.catch_warnings():
                            warnings.simplefilter("error")
                            val, dec = run(*moved)
                            val = _scalar_value(val)
                    except Timeout:
                        raise
                    except Exception as exc:  # noqa: BLE001
                        return PointResult("invalid", message=f"{type(exc).__name__}: {exc}")
                    if dec != decisions:
                        return PointResult("kink", message="a decision changes within the "
                                                           "finite-difference step")
                    vals.append(val)
                # the actual step, as represented in floating point
                xs = float(np.asarray(x)[idx])
                step = (xs + h) - (xs - h)
                estimates.append((vals[0] - vals[1]) / step)
            e1, e2 = estimates
            noise = 1e-8 * max(1.0, abs(base))
            if abs(e1 - e2) > 1e-4 * max(abs(e1), abs(e2)) + noise:
                return PointResult("kink", message="finite differences at two step sizes "
                                                   f"disagree ({e1!r} vs {e2!r})")
            fd[idx] = e1
            gi = float(np.asarray(g)[idx])
            allowed = rtol * abs(e1) + atol * max(1.0, abs(base)) + 10 * abs(e1 - e2)
            err = abs(gi - e1) if math.isfinite(gi) else math.inf
            worst = max(worst, err / allowed)
        expected_all.append(fd if isinstance(x, np.ndarray) else float(fd))
    if worst > 1.0:
        where = []
        for pos, g, e in zip(positions, grads, expected_all):
            bad = np.abs(np.asarray(g, dtype=float) - e) > \
                rtol * np.abs(e) + atol * max(1.0, abs(base))
            if np.any(bad) or not np.all(np.isfinite(np.asarray(g, dtype=float))):
                where.append(names[pos])
        exp = expected_all[0] if single else tuple(expected_all)
        return PointResult("fail", Failure(
            "mismatch", f"gradient wrt {', '.join(where) or '?'} differs from finite "
                        "differences", args, wrt, got, exp), worst=worst)
    return PointResult("ok", worst=worst)


# --- checking one program


@dataclass
class Outcome:
    status: str  # passed | refused | failed | skipped | invalid
    message: str = ""
    failure: Failure | None = None
    points: Counter = field(default_factory=Counter)


def forget_transforms(path: str) -> None:
    """Drop pullback's cached transforms of functions defined in the file `path`, and
    the generated sources it registered in linecache. pullback keeps every transform
    for the life of the process; a long run makes tens of thousands of throwaway
    functions, and functions whose code objects compare equal (the same bytecode,
    e.g. differing only in unreachable code) would otherwise share a transform."""
    from . import api

    cache = getattr(api, "_CACHE", None)
    if isinstance(cache, dict):
        for key in [k for k in cache if isinstance(k, tuple) and k
                    and getattr(k[0], "co_filename", None) == path]:
            del cache[key]
    for name in [n for n in linecache.cache if n.startswith("<pullback ")]:
        del linecache.cache[name]


def build(work: Workdir, src: str, wrt):
    """Load src and transform it: (f, run, gf, vg, path). Raises what pullback raises."""
    f, path = work.load(src)
    try:
        run = instrumented(src)
        gf = grad(f, wrt=wrt)
        vg = value_and_grad(f, wrt=wrt)
    finally:
        linecache.cache.pop(path, None)
    return f, run, gf, vg, path


def check_source(work: Workdir, src: str, names, wrt, points, time_limit=20.0) -> Outcome:
    """Transform the program in src and judge it at each of `points`."""
    counts = Counter()
    path = None
    try:
        with deadline(time_limit), warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            try:
                f, run, gf, vg, path = build(work, src, wrt)
            except PullbackError as exc:
                return Outcome("refused", refusal_text(exc))
            except Timeout:
                raise
            except Exception as exc:  # noqa: BLE001 - pullback crashed while transforming
                tb = traceback.format_exc(limit=-4)
                return Outcome("failed", failure=Failure(
                    "transform-crash", f"{type(exc).__name__}: {exc}\n{tb}", points[0], wrt,
                    exc_type=_exc_key(exc)))
            refused = ""
            for args in points:
                res = check_point(f, run, gf, vg, names, args, wrt)
                counts[res.status] += 1
                if res.status == "fail":
                    return Outcome("failed", failure=res.failure, points=counts)
                if res.status == "refused":
                    refused = res.message
    except Timeout:
        return Outcome("invalid", "timeout", points=counts)
    finally:
        if path is not None:
            work.forget(path)
            forget_transforms(path)
    if counts["ok"]:
        return Outcome("passed", points=counts)
    if refused:
        return Outcome("refused", refused, points=counts)
    if counts["kink"]:
        return Outcome("skipped", points=counts)
    return Outcome("invalid", points=counts)


def check_program(work: Workdir, prog: Program, n_points: int = 3) -> Outcome:
    rng = random.Random(f"pullback-fuzz-points:{prog.seed}:{prog.index}")
    points = [prog.sample_args(rng) for _ in range(n_points)]
    names = [p.name for p in prog.params]
    return check_source(work, prog.source, names, prog.wrt, points)


# ============================================================ the minimizer


def _func_def(tree):
    """The function under test: the last def of the module (helpers come first)."""
    return [n for n in tree.body if isinstance(n, ast.FunctionDef)][-1]


def _stmt_lists(root):
    """(owner node, field) of every statement list inside the function, outermost first."""
    out = []
    for node in ast.walk(root):
        for fld in ("body", "orelse"):
            stmts = getattr(node, fld, None)
            if isinstance(stmts, list) and stmts and isinstance(stmts[0], ast.stmt):
                out.append((node, fld))
    return out


def _numbered(root):
    return list(ast.walk(root))


_EXPR_CHILDREN = {
    ast.BinOp: ("left", "right"), ast.UnaryOp: ("operand",), ast.IfExp: ("body", "orelse"),
    ast.BoolOp: ("values",), ast.Call: ("args",), ast.Subscript: ("value",),
    ast.Compare: ("left", "comparators"), ast.Attribute: ("value",),
}


def _children(node):
    out = []
    for fld in _EXPR_CHILDREN.get(type(node), ()):
        v = getattr(node, fld)
        out += v if isinstance(v, list) else [v]
    return [c for c in out if isinstance(c, ast.expr)]


def _replace_in_parent(root, target, new):
    for parent in ast.walk(root):
        for fld, value in ast.iter_fields(parent):
            if value is target:
                setattr(parent, fld, new)
                return True
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if item is target:
                        if isinstance(new, list):
                            value[i:i + 1] = new
                        else:
                            value[i] = new
                        return True
    return False


def _terminates(stmts) -> bool:
    """Whether control never falls off the end of this statement list."""
    for s in stmts:
        if isinstance(s, (ast.Return, ast.Break, ast.Continue)):
            return True
        if isinstance(s, ast.If) and s.orelse and _terminates(s.body) and _terminates(s.orelse):
            return True
    return False


def _strip_unreachable(root):
    """Delete statements that follow a return/break/continue in the same list.
    Python never compiles them, so functions that differ only there share a code
    object -- and pullback's transform cache."""
    for node in ast.walk(root):
        for fld in ("body", "orelse"):
            stmts = getattr(node, fld, None)
            if not (isinstance(stmts, list) and stmts and isinstance(stmts[0], ast.stmt)):
                continue
            for i, s in enumerate(stmts):
                if _terminates([s]):
                    del stmts[i + 1:]
                    break


def _may_not_terminate(tree) -> bool:
    """A while loop whose body assigns none of the names its test reads."""
    for node in ast.walk(tree):
        if isinstance(node, ast.While):
            reads = {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)}
            writes = {n.id for s in node.body for n in ast.walk(s)
                      if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
            if not reads & writes and not (isinstance(node.test, ast.Constant)
                                           and not node.test.value):
                return True
    return False


def _candidates(tree):
    """Lazily: smaller versions of `tree` (a module), each as a function that
    builds it (a fresh copy), so that skipping a candidate costs nothing."""
    func = _func_def(tree)
    nodes = _numbered(func)
    pos = {id(n): i for i, n in enumerate(nodes)}
    # parts that must stay as they are: called functions, subscripted or attributed
    # values, assignment targets
    keep = set()
    for node in nodes:
        if isinstance(node, ast.Call):
            keep |= {id(n) for n in ast.walk(node.func)}
        elif isinstance(node, (ast.Subscript, ast.Attribute)):
            keep.add(id(node.value))
        if isinstance(getattr(node, "ctx", None), (ast.Store, ast.Del)):
            keep.add(id(node))
    in_slice = set()
    for node in nodes:
        if isinstance(node, ast.Subscript):
            in_slice |= {id(n) for n in ast.walk(node.slice)}

    def edit(op, *params):
        def make():
            t = copy.deepcopy(tree)
            op(_func_def(t), _numbered(_func_def(t)), *params)
            _strip_unreachable(_func_def(t))
            return t
        return make

    # 1. delete runs of statements, long runs first
    for owner, fld in _stmt_lists(func):
        n = len(getattr(owner, fld))
        size = n
        while size >= 1:
            for start in range(0, n - size + 1, max(1, size)):
                yield edit(_cut, pos[id(owner)], fld, start, size)
            size //= 2
    # 2. unwrap compound statements
    for node in nodes:
        if isinstance(node, ast.If):
            for fld in ("body", "orelse"):
                if getattr(node, fld):
                    yield edit(_unwrap_if, pos[id(node)], fld)
        elif isinstance(node, (ast.For, ast.While)):
            yield edit(_unloop, pos[id(node)])
    # 3. expressions: by one of their parts, or by a constant
    for node in nodes:
        if not isinstance(node, ast.expr) or id(node) in keep:
            continue
        for j in range(len(_children(node))):
            yield edit(_lift, pos[id(node)], j)
        if isinstance(node, ast.Constant):
            continue
        for c in ((0, 1) if id(node) in in_slice else (1.0, 0.5)):
            yield edit(_to_constant, pos[id(node)], c)
    # 4. integer constants (loop bounds, indices, sizes) down; floats to short ones
    for node in nodes:
        if isinstance(node, ast.Constant) and type(node.value) is int:
            for smaller in sorted({node.value - 1, 1, 0} - {node.value},
                                  key=lambda s, v=node.value: -abs(s - v)):
                if abs(smaller) < abs(node.value):
                    yield edit(_set_constant, pos[id(node)], smaller)
        elif isinstance(node, ast.Constant) and type(node.value) is float:
            for short in (1.0, round(node.value), round(node.value, 1)):
                if short != node.value and float(short) != 0.0:
                    yield edit(_set_constant, pos[id(node)], float(short))


# The edits: each gets the copied function, its nodes in walk order, and parameters.


def _cut(func, nodes, owner, fld, start, size):
    stmts = getattr(nodes[owner], fld)
    del stmts[start:start + size]
    if not stmts and (fld == "body" or isinstance(nodes[owner], ast.FunctionDef)):
        stmts.append(ast.Pass())


def _unwrap_if(func, nodes, i, fld):
    _replace_in_parent(func, nodes[i], getattr(nodes[i], fld))


def _unloop(func, nodes, i):
    loop = nodes[i]
    pre = []
    if isinstance(loop, ast.For) and isinstance(loop.target, ast.Name):
        pre = [ast.Assign([loop.target], ast.Constant(1), lineno=0)]
    _replace_in_parent(func, loop, pre + loop.body)


def _lift(func, nodes, i, j):
    _replace_in_parent(func, nodes[i], _children(nodes[i])[j])


def _to_constant(func, nodes, i, value):
    _replace_in_parent(func, nodes[i], ast.Constant(value))


def _set_constant(func, nodes, i, value):
    nodes[i].value = value


def _src(tree) -> str:
    return ast.unparse(tree) + "\n"


def _size(tree):
    """A well-founded measure of a program: every accepted edit makes it smaller."""
    nodes = list(ast.walk(tree))
    ints = sum(abs(n.value) for n in nodes if isinstance(n, ast.Constant)
               and type(n.value) is int)
    return len(nodes), len(_src(tree)), ints


@dataclass
class Reproducer:
    source: str
    args: tuple
    wrt: object
    names: list
    failure: Failure
    checks: int
    original_lines: int
    seconds: float


def _signature(failure: Failure):
    return failure.kind, failure.exc_type


def _drop_unused_globals(tree):
    """Module constants and helper functions nothing refers to any more."""
    while True:
        funcs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
        used = {n.id for f in funcs for n in ast.walk(f) if isinstance(n, ast.Name)}
        kept = [s for s in tree.body if not (
            isinstance(s, ast.Assign) and len(s.targets) == 1
            and isinstance(s.targets[0], ast.Name) and s.targets[0].id not in used)
            and not (isinstance(s, ast.FunctionDef) and s is not funcs[-1]
                     and s.name not in used)]
        if len(kept) == len(tree.body):
            return
        tree.body = kept


def minimize(failure: Failure, src: str, names, work: Workdir | None = None,
             budget: float = 60.0, checker=None) -> Reproducer:
    """Shrink the program while it still fails the same way at the same point.

    `checker(src, names, args, wrt)` returns a Failure or None; by default it runs
    pullback on the program (the fake checkers in the tests replace it)."""
    own = work is None
    work = work or Workdir()
    start = time.monotonic()
    want = _signature(failure)
    checks = 0

    def default_checker(s, nms, args, wrt):
        out = check_source(work, s, nms, wrt, [args], time_limit=3.0)
        return out.failure if out.status == "failed" else None

    check = checker or default_checker

    def still_fails(t, nms, args, wrt):
        nonlocal checks
        try:
            s = _src(t)
            with warnings.catch_warnings():
                warnings.simplefilter("error", SyntaxWarning)
                compile(s, "<candidate>", "exec")
        except (SyntaxError, SyntaxWarning, ValueError, TypeError, RecursionError):
            return None
        if _may_not_terminate(t):
            return None
        checks += 1
        got = check(s, nms, args, wrt)
        return got if got is not None and _signature(got) == want else None

    tree = ast.parse(src)
    _strip_unreachable(_func_def(tree))
    original_lines = len(ast.unparse(_func_def(tree)).splitlines())
    args, wrt, nms = failure.args, failure.wrt, list(names)
    best = failure
    try:
        while time.monotonic() - start < budget:
            # one pass over all candidates; after a success, go on from the same
            # position in the new program's candidates instead of starting over
            improved, position, current = False, 0, _size(tree)
            while time.monotonic() - start < budget:
                accepted = None
                for k, cand in enumerate(itertools.islice(_candidates(tree), position, None)):
                    if time.monotonic() - start > budget:
                        break
                    cand = cand()
                    if _size(cand) >= current:
                        continue
                    got = still_fails(cand, nms, args, wrt)
                    if got is not None:
                        accepted = (cand, got, position + k)
                        break
                if accepted is None:
                    break
                tree, best, position = accepted
                current = _size(tree)
                improved = True
            # fewer arguments and a smaller wrt
            for cand_args, cand_wrt, cand_names, cand_tree in _smaller_signatures(
                    tree, args, wrt, nms):
                got = still_fails(cand_tree, cand_names, cand_args, cand_wrt)
                if got is not None:
                    tree, args, wrt, nms, best, improved = (cand_tree, cand_args, cand_wrt,
                                                            cand_names, got, True)
                    break
            if not improved:
                break
        # shorter numbers at the failing point
        for digits in (1, 2):
            rounded = tuple(np.round(a, digits) if isinstance(a, np.ndarray)
                            else round(a, digits) if isinstance(a, float) else a for a in args)
            got = still_fails(tree, nms, rounded, wrt)
            if got is not None:
                args, best = rounded, got
                break
        smaller = copy.deepcopy(tree)
        _drop_unused_globals(smaller)
        if _src(smaller) != _src(tree) and still_fails(smaller, nms, args, wrt) is not None:
            tree = smaller
    finally:
        if own:
            work.close()
    return Reproducer(_src(tree), args, wrt, nms, best, checks, original_lines,
                      time.monotonic() - start)


def _smaller_signatures(tree, args, wrt, names):
    """Versions with one unused parameter removed, or with a smaller wrt."""
    positions, single = _wrt_positions(names, wrt)
    func = _func_def(tree)
    used = {n.id for n in ast.walk(func) if isinstance(n, ast.Name)}
    for i, name in enumerate(names):
        if name in used or (len(positions) == 1 and positions[0] == i):
            continue
        t = copy.deepcopy(tree)
        fd = _func_def(t)
        fd.args.args = [a for a in fd.args.args if a.arg != name]
        kept = [p for p in positions if p != i]
        new_pos = [p - (p > i) for p in kept]
        new_wrt = new_pos[0] if single else tuple(new_pos)
        yield (args[:i] + args[i + 1:], new_wrt, names[:i] + names[i + 1:], t)
    if not single and len(positions) > 1:
        for p in positions:
            yield args, (p,), names, tree
    if not single and len(positions) == 1:
        yield args, positions[0], names, tree


# ============================================================ reports


def _fmt_value(a) -> str:
    if isinstance(a, np.ndarray):
        return f"np.array({np.array2string(a, separator=', ', precision=17, floatmode='unique')})"
    if isinstance(a, tuple):
        return "(" + ", ".join(_fmt_value(x) for x in a) + ("," if len(a) == 1 else "") + ")"
    if isinstance(a, (float, np.floating)):
        return repr(float(a))
    return repr(a)


def format_reproducer(rep: Reproducer, program: Program | None = None) -> str:
    f = rep.failure
    lines = []
    origin = f"program {program.index} of seed {program.seed}" if program else "a program"
    lines.append(f"kind: {f.kind}    ({origin}; minimized from {rep.original_lines} to "
                 f"{len(ast.unparse(_func_def(ast.parse(rep.source))).splitlines())} lines "
                 f"in {rep.checks} checks, {rep.seconds:.1f} s)")
    lines.append("")
    lines.append("import pullback")
    lines.append(rep.source.rstrip())
    lines.append("")
    lines.append(f"args = {_fmt_value(tuple(rep.args))}")
    lines.append(f"print(pullback.grad(f, wrt={rep.wrt!r})(*args))")
    lines.append("")
    lines.append(f"# {f.detail.strip().splitlines()[0]}")
    for extra in f.detail.strip().splitlines()[1:]:
        lines.append(f"#   {extra}")
    if f.got is not None or f.expected is not None:
        lines.append(f"# pullback:            {_fmt_value(f.got)}")
        label = "f" if f.kind == "value" else "finite differences" \
            if f.kind == "mismatch" else "expected"
        lines.append(f"# {label + ':':<20} {_fmt_value(f.expected)}")
    return "\n".join(lines)


def generated_source(rep: Reproducer, work: Workdir) -> str:
    try:
        fn, path = work.load(rep.source)
        try:
            return source(fn, wrt=rep.wrt)
        finally:
            work.forget(path)
            forget_transforms(path)
    except Exception as exc:  # noqa: BLE001
        return f"(pullback.source raised {type(exc).__name__}: {exc})"


@dataclass
class Summary:
    seed: int
    tried: int = 0
    passed: int = 0
    skipped: int = 0
    invalid: int = 0
    refused: Counter = field(default_factory=Counter)
    refused_examples: dict = field(default_factory=dict)  # message -> program indices
    failures: list = field(default_factory=list)  # (Program, Failure)
    reproducers: list = field(default_factory=list)  # (Program, Reproducer, gradient source)
    points: Counter = field(default_factory=Counter)
    invalid_examples: list = field(default_factory=list)
    seconds: float = 0.0

    def report(self) -> str:
        out = [f"pullback fuzz: seed {self.seed}, {self.tried} programs in {self.seconds:.1f} s",
               f"  tried     {self.tried}",
               f"  passed    {self.passed}",
               f"  refused   {sum(self.refused.values())}",
               f"  skipped   {self.skipped}   (f not smooth at any sampled point)",
               f"  invalid   {self.invalid}   (the generated program itself failed: a "
               f"generator bug, not pullback's; e.g. {self.invalid_examples})",
               f"  failures  {len(self.failures)}",
               "  points    " + ", ".join(f"{k} {v}" for k, v in sorted(self.points.items()))]
        if self.refused:
            out.append("")
            out.append("refusals (every generated construct is one pullback claims to support):")
            for msg, n in self.refused.most_common():
                out.append(f"  {n:5d}  {msg}")
                out.append(f"         e.g. programs {self.refused_examples.get(msg, [])} "
                           f"(python -m pullback.fuzz --seed {self.seed} --show INDEX)")
        if self.failures:
            kinds = Counter(f.kind for _, f in self.failures)
            out.append("")
            out.append("failures by kind: " + ", ".join(f"{k} {n}" for k, n in kinds.items()))
            out.append("failing programs: " + ", ".join(str(p.index) for p, _ in self.failures))
        for n, (prog, rep, gen, also) in enumerate(self.reproducers, 1):
            out.append("")
            out.append(f"=== failure {n} " + "=" * 60)
            out.append(format_reproducer(rep, prog))
            if also:
                out.append(f"# programs {also} minimize to the same reproducer")
            out.append("")
            out.append(f"# generated gradient (pullback.source(f, wrt={rep.wrt!r})):")
            out += ["#   " + ln for ln in gen.rstrip().splitlines()]
        return "\n".join(out)


def _same_bug_key(rep: Reproducer):
    """Minimized reproducers equal up to names and numbers probably show one bug."""
    text = re.sub(r"\b[a-z]+\d+\b", "v", rep.source)
    text = re.sub(r"\d+(\.\d*)?", "N", text)
    return rep.failure.kind, rep.failure.exc_type, text


def run(programs: int, seed: int = 0, time_limit: float | None = None, points: int = 3,
        minimize_count: int = 20, minimize_time: float = 30.0, verbose: bool = False,
        start_index: int = 0, progress=None) -> Summary:
    summary = Summary(seed)
    work = Workdir()
    t0 = time.monotonic()
    try:
        for index in range(start_index, start_index + programs):
            if time_limit is not None and time.monotonic() - t0 > time_limit:
                break
            prog = generate(seed, index)
            out = check_program(work, prog, points)
            summary.tried += 1
            summary.points.update(out.points)
            if out.status == "passed":
                summary.passed += 1
            elif out.status == "refused":
                summary.refused[out.message] += 1
                examples = summary.refused_examples.setdefault(out.message, [])
                if len(examples) < 5:
                    examples.append(index)
            elif out.status == "skipped":
                summary.skipped += 1
            elif out.status == "invalid":
                summary.invalid += 1
                if len(summary.invalid_examples) < 5:
                    summary.invalid_examples.append(prog.index)
            else:
                summary.failures.append((prog, out.failure))
                if verbose:
                    print(f"program {index}: {out.failure.kind}: "
                          f"{out.failure.detail.splitlines()[0]}", file=sys.stderr)
            if progress and summary.tried % progress == 0:
                print(f"... {summary.tried} programs, {len(summary.failures)} failures, "
                      f"{time.monotonic() - t0:.0f} s", file=sys.stderr, flush=True)
        seen = {}
        for prog, failure in summary.failures[:minimize_count]:
            rep = minimize(failure, prog.source, [p.name for p in prog.params], work,
                           budget=minimize_time)
            key = _same_bug_key(rep)
            if key in seen:  # the same minimized program again: list it once
                seen[key][3].append(prog.index)
                continue
            seen[key] = (prog, rep, generated_source(rep, work), [])
            summary.reproducers.append(seen[key])
    finally:
        work.close()
    summary.seconds = time.monotonic() - t0
    return summary


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pullback.fuzz",
        description="Generate random programs and check pullback's gradients against "
                    "finite differences.")
    parser.add_argument("--programs", type=int, default=1000, help="programs to generate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=None,
                        help="stop generating programs after this many seconds")
    parser.add_argument("--points", type=int, default=3, help="points checked per program")
    parser.add_argument("--start", type=int, default=0, help="index of the first program")
    parser.add_argument("--minimize", type=int, default=20,
                        help="minimize at most this many failures (default 20)")
    parser.add_argument("--minimize-time", type=float, default=30.0,
                        help="seconds spent shrinking each failure (default 30)")
    parser.add_argument("--show", type=int, metavar="INDEX",
                        help="print program INDEX of the seed and check it, then exit")
    parser.add_argument("--progress", type=int, default=0, metavar="N",
                        help="print a progress line every N programs (to stderr)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print each failure as it is found (to stderr)")
    opts = parser.parse_args(argv)
    if opts.show is not None:
        prog = generate(opts.seed, opts.show)
        print(prog.source)
        print(f"# wrt={prog.wrt!r}")
        work = Workdir()
        try:
            out = check_program(work, prog, opts.points)
        finally:
            work.close()
        print(f"# {out.status} {out.message} {dict(out.points)}")
        if out.failure:
            print(f"# {out.failure.kind}: {out.failure.detail}")
            print(f"# args = {_fmt_value(tuple(out.failure.args))}")
        return 1 if out.failure else 0
    summary = run(opts.programs, opts.seed, opts.time_limit, opts.points, opts.minimize,
                  opts.minimize_time, opts.verbose, opts.start, opts.progress)
    print(summary.report())
    return 1 if summary.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
