"""The program generator: random, numerically tame Python functions.

Guarantees: `generate(seed, index)` is a pure function of its arguments (all
randomness comes from `random.Random(f"pullback-fuzz:{seed}:{index}")`), so a
program is named by its seed and index on every machine. The module source it
returns defines `f` last (helpers `h1`, `h2` and module constants first); `f`'s
parameters are the program's `params`; every value is kept within known bounds
so that, at the points `Program.sample_args` draws, `f` runs without overflow or
domain errors (the rare exception is counted as *invalid* by the oracle).

In the default (closed-world) mode every construct is one pullback claims to
differentiate: straight-line arithmetic, `math` and NumPy calls, nested
`if`/`else` on data, `for` loops over `range` (any start, stop and step,
`reversed`), arrays, `enumerate` and `zip`, `while` loops with a bounded
counter, `break`/`continue`/early `return` anywhere, tuple swaps, augmented
assignment, and arrays the function creates and writes in place, read back later.

With `open_world=True` the generator also emits constructs from outside that set
(see `open_world.py`); their programs may legitimately be refused.
"""

from __future__ import annotations

import itertools
import math
import random
import re
from dataclasses import dataclass, replace

import numpy as np

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
    categories: tuple = ()  # open-world constructs in the program, in order

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

    def __init__(self, rng: random.Random, categories: tuple = ()):
        self.r = rng
        self.ids = itertools.count(1)
        self.budget = rng.randint(5, 22)  # statements left to write
        self.use_mat = False
        self.callables = []  # (name, number of scalar arguments): helpers and lambdas
        # open-world mode: the construct categories allowed (none: closed world), the
        # module-level code they need, REBIND's statements, the categories written
        self.categories = tuple(categories)
        self.module_defs = []
        self.rebinds = []
        self.used_categories = []

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
            (3 if self.categories else 0, "open"),
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

    def s_open(self, sc, ctx, ind):
        from .open_world import emit

        return emit(self, sc, ctx, ind)

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
        for v in sc.values():  # open-world results always reach the value
            if v.role == "open":
                text += f" + {v.name}"
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


def generate(seed: int, index: int, categories: tuple = ()) -> Program:
    """Program `index` of the run with `seed` (the same on every machine and run).
    With `categories` (open-world mode, see open_world.py) the program also holds
    constructs of those categories, at least one, and is drawn from another stream."""
    if categories:
        rng = random.Random(f"pullback-fuzz-open:{seed}:{index}:{','.join(categories)}")
    else:
        rng = random.Random(f"pullback-fuzz:{seed}:{index}")
    g = Generator(rng, categories)
    if categories:  # smaller programs: the constructs, not the filler, are under test
        g.budget = rng.randint(2, 10)
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
    first = []
    if categories:  # one open-world construct first, more among the statements
        from . import open_world

        first, scope, _ = open_world.emit(g, scope, Ctx(), "    ")
    lines, end, _ = g.block(scope, Ctx(), "    ", 60)
    lines = head + first + lines
    if end is not None:
        ret = g.ret_expr(end, Ctx())
        if "returns" in categories and rng.random() < 0.15:
            g.used_categories.append("returns")
            ret = f"({ret}) > 0.0"  # f returns a bool
        lines.append(f"    return {ret}")
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
    if not categories:
        src = PRELUDE + helpers + f"\n\ndef f({signature}):\n" + "\n".join(lines) + "\n"
        return Program(seed, index, src, params, wrt)
    from . import open_world

    decorator = open_world.decorate_f(g) if "decorator" in categories and \
        rng.random() < 0.15 else ""
    src = (open_world.PRELUDE + open_world.module_source(g) + helpers +
           f"\n\n{decorator}def f({signature}):\n" + "\n".join(lines) + "\n" +
           open_world.rebind_source(g))
    return Program(seed, index, src, params, wrt, categories=tuple(g.used_categories))
