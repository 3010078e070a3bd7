"""Open-world constructs: code from outside the subset pullback claims to support.

These are the kinds of code that gave silently wrong gradients on programs
written outside this project (issue 11): objects of user classes holding
differentiated values, decorators, views made by chains and then written, values
passed between functions through module-level containers, lists fed to NumPy
reductions, index tricks (`np.r_`, `np.c_`), complex intermediates, loops over a
list that grows inside the loop, variables assigned on one branch only,
functions returning None or a bool, module attributes rebound between calls, `math`
functions given NumPy complex scalars (which `math` casts to their real part), code
that reads f's variables by name (`eval`, `locals()`), and arrays of dtype object.

Guarantees: each emitter writes valid Python that runs at the generator's
sample points (or, for the categories that are meant to fail -- `one-branch`,
`returns` -- fails there with an ordinary Python exception or a non-number, as
user code would); the scalar it binds is bounded by the bound it reports; every
module-level name it defines is fresh. Each emitted construct is tagged with its
category (`CATEGORIES`), so a run can be restricted to some categories and its
outcomes counted per category. A program may also carry `REBIND`, a module-level
function the oracle calls between a first evaluation and the judged points.
"""

from __future__ import annotations

from .generator import CAP, E, Var

CATEGORIES = ("class", "decorator", "view-chain", "global", "list-reduce", "index-trick",
              "complex", "growing-loop", "one-branch", "returns", "rebind", "effects",
              "operators", "computed-write", "iterator", "match", "function-table",
              "reduce-keywords", "math-complex", "frame", "object-dtype", "slot-write",
              "unread-view", "held-container")

PRELUDE = """\
import contextlib
import functools
import math
import types

import numpy as np

W2 = np.array([0.75, -0.5])
W3 = np.array([0.5, -1.0, 0.25])
"""


def _active(g, sc, ctx, cap: float = 1.5) -> E:
    """A scalar expression that (usually) depends on the differentiated inputs."""
    options = [(3.0, E(v.name, v.bound)) for v in g.vars(sc, ())]
    options += [(1.0, v) for v in g.vars(sc) if v.shape]
    if not options or g.chance(0.25):
        return g.tame(g.scal(sc, ctx, 1), cap)
    pick = g.pick(options)
    return g.tame(pick if isinstance(pick, E) else g.elem(sc, pick), cap)


def _vector(g, sc, ctx) -> tuple[E, int]:
    """A 1-D active array expression and its length."""
    arrays = [v for v in g.vars(sc) if v.shape and len(v.shape) == 1]
    if arrays and g.chance(0.7):
        v = g.r.choice(arrays)
        return g.tame(E(v.name, v.bound), 1.5, scalar=False), v.shape[0]
    s = _active(g, sc, ctx)
    return E(f"np.tanh(W3 * {s.op()})", 1.0), 3


def _define(g, code: str) -> None:
    g.module_defs.append(code.strip("\n") + "\n")


# ------------------------------------------------------------------ the emitters
# Each returns (lines of f without indentation, name bound to a scalar or None,
# bound of that scalar, whether control may leave f here).


def emit_class(g, sc, ctx):
    k = next(g.ids)
    a, b = _active(g, sc, ctx), _active(g, sc, ctx)
    o = g.fresh("o")
    form = g.r.choice(["call", "method", "attribute", "set-attribute", "property", "vector",
                       "grown-list"])
    if form == "grown-list":  # a list read for a derivative, then grown under another name
        return _grown_list(g, k, a, o)
    if form in ("call", "method", "vector"):
        method = "__call__" if form != "method" else "apply"
        body = ("return np.sum(np.tanh(self.w * a))" if form == "vector"
                else "return math.tanh(self.w * a)")
        _define(g, f"""
class Layer{k}:
    def __init__(self, w):
        self.w = w

    def {method}(self, a):
        {body}
""")
        m = g.fresh("m")
        if form == "vector":
            vec, _ = _vector(g, sc, ctx)
            lines = [f"{m} = Layer{k}({vec.code})", f"{o} = 0.5 * {m}({a.code})"]
            return lines, o, 0.5 * 3, False
        call = f"{m}({b.code})" if form == "call" else f"{m}.apply({b.code})"
        return [f"{m} = Layer{k}({a.code})", f"{o} = {call}"], o, 1.0, False
    _define(g, f"""
class Box{k}:
    def __init__(self, w):
        self.w = w

    @property
    def double(self):
        return 2.0 * self.w
""")
    m = g.fresh("m")
    if form == "attribute":
        return [f"{m} = Box{k}({a.code})", f"{o} = {m}.w * {b.op()}"], o, 2.25, False
    if form == "set-attribute":
        return [f"{m} = Box{k}(0.5)", f"{m}.w = {a.code}",
                f"{o} = math.sin({m}.w) * {b.op()}"], o, 1.5, False
    return [f"{m} = Box{k}({a.code})", f"{o} = {m}.double * {b.op()}"], o, 4.5, False


def _grown_list(g, k, a, o):
    """Objects holding a list [0.5, -0.25]: the list read (by a rule, a method, sum, through
    a dict or a tuple) then grown through a second name for the same object, or through a
    distinct object."""
    _define(g, f"""
class Held{k}:
    def __init__(self):
        self.ws = [0.5, -0.25]
        self.box = {{"ws": self.ws}}

    def scaled(self, w):
        return np.multiply(self.ws, w)
""")
    p, q, t = g.fresh("p"), g.fresh("q"), g.fresh("t")
    other = p if g.chance(0.5) else f"Held{k}()"
    read = g.r.choice([f"np.multiply({q}.ws, {a.op()})", f"{q}.scaled({a.op()})",
                       f"np.multiply({q}.box['ws'], {a.op()})",
                       f"np.multiply(({q}, 1.0)[0].ws, {a.op()})", f"sum({q}.ws) * {a.op()}"])
    return [f"{p} = Held{k}()", f"{q} = {other}", f"{t} = {read}", f"{p}.ws.append(1.0)",
            f"{o} = np.sum({t} * {t})"], o, 0.3125 * 9, False


def emit_decorator(g, sc, ctx):
    k = next(g.ids)
    a = _active(g, sc, ctx)
    o = g.fresh("o")
    form = g.r.choice(["wraps-negate", "wraps-scale", "wraps-same", "plain-same",
                       "plain-shift", "register"])
    if form == "register":
        _define(g, f"""
REGISTRY{k} = []


def register{k}(fn):
    REGISTRY{k}.append(fn)
    return fn
""")
        deco = f"register{k}"
    else:
        wraps = "    @functools.wraps(fn)\n" if form.startswith("wraps") else ""
        result = {"wraps-negate": "-fn(*args)", "wraps-scale": "2.0 * fn(*args)",
                  "wraps-same": "fn(*args)", "plain-same": "fn(*args)",
                  "plain-shift": "fn(*args) + 0.5"}[form]
        _define(g, f"""
def deco{k}(fn):
{wraps}    def wrapper(*args):
        return {result}

    return wrapper
""")
        deco = f"deco{k}"
    _define(g, f"""
@{deco}
def g{k}(a):
    return math.sin(a) * a
""")
    return [f"{o} = g{k}({a.code})"], o, 2.5, False


_VIEWS_2D = [  # (text with {b}, shape) views of a (2, 3) array
    ("{b}.T.T", (2, 3)), ("{b}.reshape(6).reshape(2, 3)", (2, 3)),
    ("np.flip({b})[::-1, ::-1]", (2, 3)), ("np.squeeze({b}[None])", (2, 3)),
    ("np.asarray({b})", (2, 3)), ("np.diagonal({b})", (2,)), ("{b}[:, ::-1][:, ::-1]", (2, 3)),
    ("{b}.ravel()", (6,)), ("np.transpose({b})", (3, 2)), ("{b}[1:][0]", (3,)),
    ("np.swapaxes({b}, 0, 1)", (3, 2)), ("{b}.view()", (2, 3)), ("{b}.reshape(3, 2)", (3, 2)),
    ("np.moveaxis({b}, 0, 1)", (3, 2)), ("{b}.real", (2, 3)), ("np.ravel({b})", (6,)),
    ("np.atleast_2d({b})", (2, 3)), ("np.array({b}, copy=False)", (2, 3)),
]
_VIEWS_1D = [  # views of a (3,) array
    ("{b}[::-1][::-1]", (3,)), ("{b}.reshape(3, 1)[:, 0]", (3,)), ("np.flip(np.flip({b}))", (3,)),
    ("{b}[None][0]", (3,)), ("np.array({b}, copy=False)", (3,)), ("{b}.reshape(1, 3).ravel()",
                                                                   (3,)),
    ("{b}[1:][::-1]", (2,)), ("np.expand_dims({b}, 0)", (1, 3)), ("{b}[:]", (3,)),
]


def emit_view_chain(g, sc, ctx):
    r = g.r
    a, s = _active(g, sc, ctx), _active(g, sc, ctx)
    b, d, o = g.fresh("b"), g.fresh("d"), g.fresh("o")
    # mostly a fresh copy, which pullback lets a program write into
    own = (lambda text: f"np.copy({text})") if g.chance(0.8) else (lambda text: text)
    if g.chance(0.6):
        lines = [f"{b} = {own(f'np.outer(W2, W3) * {a.op()}')}"]
        view, shape = r.choice(_VIEWS_2D)
        write = r.choice([f"{b}[0, 0] = {s.code}", f"{b}[1] = {s.op()} * W3",
                          f"{b} += {s.op()}", f"{b}[:, 1] *= {s.op()}"])
    else:
        lines = [f"{b} = {own(f'np.tanh(W3 * {a.op()})')}"]
        view, shape = r.choice(_VIEWS_1D)
        write = r.choice([f"{b}[0] = {s.code}", f"{b}[1:] = {s.op()}", f"{b} *= {s.op()}",
                          f"{b}[2] += {s.op()}"])
    lines.append(f"{d} = {view.format(b=b)}")
    if g.chance(0.75):  # write the base, read the view
        lines.append(write)
        lines.append(f"{o} = 0.3 * np.sum({d} * {d}) + {s.op()}")
    else:  # write the view, read the base
        first = "[" + ", ".join("0" for _ in shape) + "]"
        lines.append(f"{d}{first} = {s.code}")
        lines.append(f"{o} = 0.3 * np.sum({b} * {b})")
    return lines, o, 0.3 * 6 * 9 + 1.5, False


def emit_global(g, sc, ctx):
    k = next(g.ids)
    a, b = _active(g, sc, ctx), _active(g, sc, ctx)
    o = g.fresh("o")
    form = g.r.choice(["dict", "list", "array", "global", "append", "direct"])
    if form in ("dict", "direct"):
        _define(g, f"""
STORE{k} = {{}}


def put{k}(a):
    STORE{k}["w"] = a * 2.0
    return 0.0


def get{k}():
    return STORE{k}["w"]
""")
        if form == "direct":
            return [f'STORE{k}["w"] = {a.code}', f"{o} = get{k}() * {b.op()}"], o, 4.5, False
        return _put_get(g, k, a, b, o, 4.5)
    container, store, load = {
        "list": (f"SLOT{k} = [0.0]", f"SLOT{k}[0] = a", f"SLOT{k}[0]"),
        "array": (f"ARR{k} = np.zeros(3)", f"ARR{k}[1] = a", f"1.5 * ARR{k}[1]"),
        "global": (f"G{k} = 0.0", f"global G{k}\n    G{k} = a", f"G{k} * G{k}"),
        "append": (f"LOG{k} = []", f"LOG{k}.append(a)", f"LOG{k}[-1]"),
    }[form]
    _define(g, f"""
{container}


def put{k}(a):
    {store}
    return 0.0


def get{k}():
    return {load}
""")
    return _put_get(g, k, a, b, o, 3.4)


def _put_get(g, k, a, b, o, bound):
    """Store a through put{k} and read it back through get{k}, in one of two spellings
    (put's result, 0.0, is used or not)."""
    if g.chance(0.5):
        return [f"put{k}({a.code})", f"{o} = get{k}() * {b.op()}"], o, bound, False
    return [f"{o} = put{k}({a.code}) + get{k}() * {b.op()}"], o, bound, False


def emit_list_reduce(g, sc, ctx):
    r = g.r
    a, b = _active(g, sc, ctx), _active(g, sc, ctx)
    o = g.fresh("o")
    form = r.choice(["comprehension", "append", "dot", "max", "prod", "builtin-sum",
                     "array", "mean-generator", "std"])
    if form == "comprehension":
        vec, _ = _vector(g, sc, ctx)
        e = g.fresh("e")
        return [f"{o} = np.sum([{e} * 3.0 for {e} in {vec.code}])"], o, 3 * 3 * 1.5, False
    if form == "append":
        lst, i = g.fresh("losses"), g.fresh("i")
        return [f"{lst} = []", f"for {i} in range(3):",
                f"    {lst}.append({a.op()} * {i} + {b.op()})",
                f"{o} = np.mean({lst})"], o, 4.5, False
    text = {"dot": f"np.dot(W2, [{a.code}, {b.code}])",
            "max": f"np.max([{a.code}, 0.5 * {b.op()}])",
            "prod": f"np.prod([{a.code}, {b.code}])",
            "builtin-sum": f"sum([{a.code}, {b.op()} * {b.op()}])",
            "array": f"np.sum(np.array([{a.code}, {b.code}]) ** 2)",
            "mean-generator": f"np.mean(list({a.op()} * k for k in range(3)))",
            "std": f"np.std([{a.code}, {b.code}, 0.25])"}[form]
    return [f"{o} = {text}"], o, 4.5, False


def emit_index_trick(g, sc, ctx):
    a = _active(g, sc, ctx)
    vec, n = _vector(g, sc, ctx)
    o = g.fresh("o")
    text = g.r.choice([
        f"np.sum(np.r_[{a.code}, 0.5] ** 2)", f"np.sum(np.r_[{vec.code}, {a.code}] * 0.5)",
        f"np.sum(np.c_[{vec.code}, {vec.code}] ** 2)", f"np.r_[{a.code}, {a.op()} * 2.0][1]",
        f"np.sum(np.r_[{vec.code}[:2], {a.code}])", f"np.sum(np.take({vec.code}, [0, {n - 1}]))",
        f"np.sum({vec.op()}[[0, {n - 1}, 0]])", f"np.sum(np.hstack([{vec.code}, [{a.code}]]))",
        f"np.asarray({a.code})[()] * {a.op()}", f"np.sum(np.array({a.op()} * 2.0)[...] ** 2)",
    ])
    return [f"{o} = {text}"], o, 2 * (n + 2) * 2.25, False


def emit_complex(g, sc, ctx):
    a, b = _active(g, sc, ctx), _active(g, sc, ctx)
    o = g.fresh("o")
    text = g.r.choice([
        f"np.abs({a.op()} * 1j + 2)", f"np.real(np.exp(1j * {a.op()}))",
        f"(({a.code}) + 1j * ({b.code})).imag", f"abs(complex({a.code}, 1.0))",
        f"np.abs(np.exp(1j * {a.op()}) + 0.5)", f"({a.op()} * (1 + 2j)).real",
        f"np.angle({a.op()} + 1j)", f"np.real(({a.op()} + 1j) ** 2)",
    ])
    return [f"{o} = {text}"], o, 4.0, False


def emit_growing_loop(g, sc, ctx):
    a, b = _active(g, sc, ctx), _active(g, sc, ctx)
    items, it, o = g.fresh("items"), g.fresh("it"), g.fresh("o")
    lines = [f"{items} = [{a.code}, {b.code}]", f"{o} = 0.0", f"for {it} in {items}:",
             f"    if len({items}) < 4:", f"        {items}.append({it} * 0.5)",
             f"    {o} = {o} + {it}"]
    if g.chance(0.5):
        lines[-1] = f"    {o} = {o} + {it} * len({items})"
        return lines, o, 4 * 1.5 * 4, False
    return lines, o, 4 * 1.5, False


def emit_one_branch(g, sc, ctx):
    a, b = _active(g, sc, ctx), _active(g, sc, ctx)
    w, o = g.fresh("w"), g.fresh("o")
    c = _active(g, sc, ctx)  # a condition on the data: f fails at some points only
    cond = f"{c.op()} {g.r.choice(['>', '<'])} {round(g.r.uniform(-0.5, 0.5) * c.bound, 2)}"
    if g.chance(0.5):
        lines = [f"if {cond}:", f"    {w} = {a.code}"]
    else:
        lines = [f"if {cond}:", f"    {w} = {a.code}", "else:", f"    {o} = {b.code}"]
    lines.append(f"{o} = {w} * {b.op()}")
    return lines, o, 2.25, False


def emit_returns(g, sc, ctx):
    k = next(g.ids)
    a = _active(g, sc, ctx)
    o = g.fresh("o")
    form = g.r.choice(["bare-return", "helper-none", "helper-bool"])
    if form == "bare-return":
        c = _active(g, sc, ctx)
        cond = f"{c.op()} > {round(g.r.uniform(-0.5, 0.5) * c.bound, 2)}"
        return [f"if {cond}:", "    return"], None, 0.0, True
    if form == "helper-none":
        _define(g, f"""
def h_none{k}(a):
    a * 2.0
""")
        return [f"{o} = h_none{k}({a.code})"], o, 1.0, False
    _define(g, f"""
def h_bool{k}(a):
    return a > 0.25
""")
    return [f"{o} = h_bool{k}({a.code}) * {a.op()}"], o, 1.5, False


def emit_rebind(g, sc, ctx):
    k = next(g.ids)
    a = _active(g, sc, ctx)
    o = g.fresh("o")
    form = g.r.choice(["namespace", "class-attribute", "function", "constant", "alias",
                       "defaults", "code"])
    if form == "namespace":
        _define(g, f"acts{k} = types.SimpleNamespace(act=np.tanh)")
        g.rebinds.append((f"acts{k}.act = np.sin", ()))
        return [f"{o} = acts{k}.act({a.code})"], o, 1.0, False
    if form == "class-attribute":
        _define(g, f"class Cfg{k}:\n    scale = 2.0")
        g.rebinds.append((f"Cfg{k}.scale = -1.5", ()))
        return [f"{o} = Cfg{k}.scale * {a.op()}"], o, 3.0, False
    if form == "constant":
        _define(g, f"K{k} = 2.0")
        g.rebinds.append((f"K{k} = 3.0", (f"K{k}",)))
        return [f"{o} = K{k} * {a.op()}"], o, 4.5, False
    if form == "alias":
        _define(g, f"ops{k} = math")
        g.rebinds.append((f"ops{k} = types.SimpleNamespace(sin=math.cos)", (f"ops{k}",)))
        return [f"{o} = ops{k}.sin({a.code})"], o, 1.0, False
    _define(g, f"""
def g{k}(a, c=1.0):
    return c * a * a


def g{k}_alt(a, c=1.0):
    return c * math.sin(a)
""")
    if form == "function":
        g.rebinds.append((f"g{k} = g{k}_alt", (f"g{k}",)))
    elif form == "defaults":
        g.rebinds.append((f"g{k}.__defaults__ = (-2.5,)", ()))
    else:
        g.rebinds.append((f"g{k}.__code__ = g{k}_alt.__code__", ()))
    return [f"{o} = g{k}({a.code})"], o, 2.5 * 2.25, False


def emit_effects(g, sc, ctx):
    """Effect statements and blocks: raise, assert, a call made for its effect, with
    blocks, try/except (a fallback, or a body stopped midway whose values are read
    after), in-place NumPy writes."""
    k = next(g.ids)
    a, b = _active(g, sc, ctx), _active(g, sc, ctx)
    o = g.fresh("o")
    form = g.r.choice(["raise", "assert", "tick", "with", "suppress", "try-fallback",
                       "try-partial", "fill"])
    if form == "raise":
        return [f"if {a.op()} > 20.0:", f"    raise ValueError('too large: ' + str({a.code}))",
                f"{o} = {a.op()} * {b.op()}"], o, 2.25, False
    if form == "assert":
        return [f"assert {a.op()} < 20.0, f'{{{a.code}:.3f}}'", f"{o} = {a.op()} * {b.op()}"], \
            o, 2.25, False
    if form == "tick":
        _define(g, f"class Ticks{k}:\n    count = 0\n\n    def tick(self):\n"
                   f"        Ticks{k}.count += 1\n\n\nTICKS{k} = Ticks{k}()")
        return [f"TICKS{k}.tick()", f"{o} = {a.op()} * {b.op()}"], o, 2.25, False
    if form == "with":
        return ["with np.errstate(all='ignore'):", f"    {o} = np.tanh({a.code}) * {b.op()}"], \
            o, 1.5, False
    if form == "suppress":  # swallows when a > 0.5: refused when it does
        return [f"{o} = {b.code}", "with contextlib.suppress(ValueError):",
                f"    {o} = {a.op()} * 0.5", f"    if {a.op()} > 0.5:",
                "        raise ValueError('swallowed')", f"    {o} = {o} * {b.op()}"], \
            o, 1.5, False
    if form == "try-fallback":
        return ["try:", f"    if {a.op()} > 0.3:", "        raise ValueError('fall back')",
                f"    {o} = {a.op()} * {b.op()}", "except ValueError:",
                f"    {o} = {a.op()} * {a.op()}"], o, 2.25, False
    if form == "try-partial":  # o is set before the raise: refused
        return [f"{o} = {b.code}", "try:", f"    {o} = {a.op()} * 2.0",
                f"    if {a.op()} > 0.3:", "        raise ValueError('midway')",
                "except ValueError:", "    pass"], o, 3.0, False
    buf = g.fresh("buf")
    return [f"{buf} = np.zeros(3)", f"{buf}.fill({a.code})",
            f"np.copyto({buf}, {buf} * W3)", f"{o} = np.sum({buf}) * {b.op()}"], o, 4.0, False


def emit_operators(g, sc, ctx):
    """A user class with arithmetic operators and methods: objects f builds (their
    methods are transformed), and objects read from outside f (module-level ones, whose
    operators the operator rules must not take for numbers: refused)."""
    k = next(g.ids)
    a, b = _active(g, sc, ctx), _active(g, sc, ctx)
    o, u, w = g.fresh("o"), g.fresh("u"), g.fresh("w")
    _define(g, f"""
class Vec{k}:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __add__(self, other):
        return Vec{k}(self.x + other.x, self.y + other.y)

    def __mul__(self, c):
        return Vec{k}(self.x * c, self.y * c)

    __rmul__ = __mul__

    def __neg__(self):
        return Vec{k}(-self.x, -self.y)

    def dot(self, other):
        return self.x * other.x + self.y * other.y

    def norm2(self):
        return self.dot(self)


UNIT{k} = Vec{k}(0.5, -0.25)
""")
    form = g.r.choice(["add-dot", "scale-norm", "rmul", "neg", "module-object",
                       "module-operand", "loop-branches"])
    if form == "add-dot":
        return [f"{u} = Vec{k}({a.code}, {b.code})", f"{w} = Vec{k}({b.op()}, 0.5)",
                f"{o} = ({u} + {w}).dot({u})"], o, 2 * 3.0 * 1.5, False
    if form == "scale-norm":
        return [f"{u} = Vec{k}({a.code}, 1.0) * {b.op()}", f"{o} = {u}.norm2()"], o, \
            2 * 2.25 ** 2, False
    if form == "rmul":
        return [f"{u} = {b.op()} * Vec{k}({a.code}, {a.op()} * 0.5)", f"{o} = {u}.x + {u}.y"], \
            o, 2 * 2.25, False
    if form == "neg":
        return [f"{u} = -Vec{k}({a.code}, {b.code})", f"{o} = {u}.dot(UNIT{k})"], o, 1.5, False
    if form == "module-object":  # a method of an object f did not build
        return [f"{u} = UNIT{k} * {a.op()}", f"{o} = {u}.norm2() + {b.op()}"], o, 2.0, False
    if form == "module-operand":  # an operator on it with f's values
        return [f"{u} = Vec{k}({a.code}, {b.code}) + UNIT{k}", f"{o} = {u}.dot({u})"], o, 8.0, \
            False
    it = g.fresh("it")
    return [f"{o} = 0.0", f"for {it} in [Vec{k}({a.code}, 0.5), UNIT{k}]:",
            f"    if {o} > 0.25:", f"        {o} = {o} + ({it} * {b.op()}).x",
            "    else:", f"        {o} = {o} + ({it} + {it}).dot(UNIT{k})"], o, 6.0, False


def emit_computed_write(g, sc, ctx):
    """In-place writes into arrays f computed (not views, not its arguments)."""
    vec, n = _vector(g, sc, ctx)
    s = _active(g, sc, ctx)
    buf, o = g.fresh("g"), g.fresh("o")
    lines = [f"{buf} = {vec.op()} * 2.0"]
    write = g.r.choice([
        f"{buf}[1:] -= {vec.op()}[:-1]", f"{buf}[:-1] += {buf}[1:] * 0.5",
        f"{buf}[0] = {s.code}", f"{buf} *= {s.op()}", f"{buf}[::2] = {s.op()}",
        f"{buf}[{buf} > 0.5] = 0.5", f"{buf}[[0, {n - 1}]] += {s.op()}",
    ])
    lines.append(write)
    if g.chance(0.5):
        lines.append(f"{buf}[-1] = {buf}[0] * {s.op()}")
    lines.append(f"{o} = np.sum({buf} * {buf}) * 0.1")
    return lines, o, 0.1 * n * (3.0 + 2 * 1.5 * 1.5) ** 2, False


def emit_iterator(g, sc, ctx):
    """iter/next, enumerate and zip over values f computed."""
    a, b = _active(g, sc, ctx), _active(g, sc, ctx)
    it, o = g.fresh("it"), g.fresh("o")
    form = g.r.choice(["next", "next-default", "zip", "enumerate", "reversed"])
    if form == "next":
        return [f"{it} = iter([{a.code}, {b.code}, 0.5])", f"next({it})",
                f"{o} = next({it}) * next({it})"], o, 0.75, False
    if form == "next-default":
        return [f"{it} = iter([{a.code}])", f"{o} = next({it}) + next({it}, {b.op()})"], o, 3.0, \
            False
    vec, n = _vector(g, sc, ctx)
    e, i = g.fresh("e"), g.fresh("i")
    if form == "zip":
        return [f"{o} = 0.0", f"for {e}, {i} in zip({vec.code}, [{a.code}, {b.code}, 1.0]):",
                f"    {o} = {o} + {e} * {i}"], o, 1.5 * 1.5 * 3, False
    if form == "enumerate":
        return [f"{o} = 0.0", f"for {i}, {e} in enumerate({vec.code}):",
                f"    {o} = {o} + {e} * ({i} + {a.op()})"], o, 1.5 * (n + 1.5) * n, False
    return [f"{o} = 0.0", f"for {e} in reversed(list({vec.code})):",
            f"    {o} = {o} * 0.5 + {e}"], o, 3.0, False


def emit_match(g, sc, ctx):
    """match statements on a count, a tuple of values, and a class pattern."""
    a, b = _active(g, sc, ctx), _active(g, sc, ctx)
    o = g.fresh("o")
    form = g.r.choice(["literal", "tuple", "guard"])
    if form == "literal":
        n = g.r.choice([0, 1, 2])
        return [f"match {n}:", "    case 0:", f"        {o} = {a.op()} * 2.0",
                "    case 1 | 2:", f"        {o} = {a.op()} * {b.op()}",
                "    case _:", f"        {o} = {b.code}"], o, 3.0, False
    if form == "tuple":
        p, q = g.fresh("p"), g.fresh("q")
        return [f"match ({a.code}, {b.code}):", f"    case ({p}, {q}):",
                f"        {o} = {p} * {q} + {p}"], o, 3.75, False
    v = g.fresh("v")
    return [f"match {a.code}:", f"    case {v} if {v} > 0.25:", f"        {o} = {v} * {b.op()}",
            f"    case {v}:", f"        {o} = {v} - {b.op()}"], o, 3.0, False


def emit_function_table(g, sc, ctx):
    """Functions kept in lists, tuples and dicts, chosen by a count or a key."""
    k = next(g.ids)
    a = _active(g, sc, ctx)
    o = g.fresh("o")
    _define(g, f"""
def sq{k}(a):
    return a * a


def lin{k}(a):
    return 0.5 * a + 1.0
""")
    form = g.r.choice(["list", "dict", "tuple-loop", "module-table", "slice"])
    if form == "list":
        i = g.r.choice([0, 1, 2, -1])
        return [f"{o} = [sq{k}, lin{k}, math.sin][{i}]({a.code})"], o, 2.25, False
    if form == "dict":
        key = g.r.choice(["sq", "lin", "tanh"])
        return [f"{o} = {{'sq': sq{k}, 'lin': lin{k}, 'tanh': np.tanh}}['{key}']({a.code})"], \
            o, 2.25, False
    if form == "tuple-loop":
        fn = g.fresh("fn")
        return [f"{o} = 0.0", f"for {fn} in (sq{k}, lin{k}):", f"    {o} = {o} + {fn}({a.code})"], \
            o, 4.0, False
    if form == "module-table":
        _define(g, f"TABLE{k} = {{'sq': sq{k}, 'lin': lin{k}}}")
        return [f"{o} = TABLE{k}['lin']({a.code}) * TABLE{k}['sq']({a.code})"], o, 3.5, False
    sl = g.fresh("sl")  # Python raises TypeError for a list indexed by a slice, then called
    return [f"{sl} = slice(0, 2)", f"{o} = [sq{k}, lin{k}][{sl}][1]({a.code})"], o, 1.75, False


def emit_reduce_keywords(g, sc, ctx):
    """Reductions with where= and initial=, and complex intermediates of a vector."""
    vec, n = _vector(g, sc, ctx)
    a = _active(g, sc, ctx)
    o = g.fresh("o")
    text = g.r.choice([
        f"np.sum({vec.code}, where={vec.op()} > 0.0)",
        f"np.sum({vec.code} * {a.op()}, initial=0.5)",
        f"np.max({vec.code}, initial={a.code})",
        f"np.min({vec.code}, initial=-2.0, where={vec.op()} < 0.5)",
        f"np.prod({vec.code}, where={vec.op()} > -0.5, initial={a.code})",
        f"np.mean({vec.code}, where={vec.op()} != 0.0)",
        f"np.abs(np.fft.fft({vec.code})).sum() * 0.5",
        f"np.sum(np.abs({vec.code} * (1.0 + {a.op()} * 1j)) ** 2)",
        f"np.real(np.fft.ifft({vec.code} * {a.op()})).sum()",
        f"np.sum({vec.code} * 1j)",  # complex result: grad refuses it
    ])
    return [f"{o} = {text}"], o, 2 * n * 2.25 + 2.25, False


def emit_math_complex(g, sc, ctx):
    """math functions of NumPy complex scalars (math casts them to their real part, the
    rules would read the complex value: refused) and of their real parts (differentiated)."""
    a = _active(g, sc, ctx)
    vec, n = _vector(g, sc, ctx)
    o = g.fresh("o")
    z = f"np.sum({vec.code} * (1 + 0.5j))"
    text, bound = g.r.choice([
        (f"math.sin({z})", 1.0), (f"math.cos(np.real({z}))", 1.0),
        (f"math.tanh(0.3 * np.abs({z}))", 1.0), (f"math.exp(0.1 * {z})", 1.6),
        (f"math.atan({a.op()} * (1 + 1j))", 1.6), (f"0.1 * float({z})", 0.1 * 1.5 * n),
        (f"math.log(1.0 + np.abs({z})) + math.sin({z}.real)", 4.0),
        (f"math.hypot({z}, 1.0) * 0.2", 0.2 * (1.5 * 1.2 * n + 1.0)),
    ])
    return [f"{o} = {text}"], o, bound, False


def emit_frame(g, sc, ctx):
    """Code that reads f's variables by name, not through arguments: refused."""
    a = _active(g, sc, ctx)
    t, o = g.fresh("t"), g.fresh("o")
    text = g.r.choice([f'eval("{t} * 0.5")', f'locals()["{t}"] * 0.5',
                       f'eval("{t} * 0.5", {{"{t}": {t}}})', f'vars()["{t}"] * 0.5',
                       f'0.5 * eval("{t}")'])
    return [f"{t} = {a.code}", f"{o} = {text}"], o, 0.75, False


def emit_object_dtype(g, sc, ctx):
    """Arrays of dtype object holding differentiated values (refused when the gradient
    runs), beside float ones (differentiated)."""
    a, b = _active(g, sc, ctx), _active(g, sc, ctx)
    vec, n = _vector(g, sc, ctx)
    arr, o = g.fresh("arr"), g.fresh("o")
    make, length = g.r.choice([
        (f"np.array([{a.code}, {b.code}], dtype=object)", 2),
        (f"({vec.code}).astype(object)", n), (f"np.asarray([{a.code}, {b.code}], dtype='O')", 2),
        (f"np.array([{a.code}, {b.code}], dtype=float)", 2), (f"({vec.code}).astype(float)", n),
    ])
    return [f"{arr} = {make}", f"{o} = 0.2 * float(np.sum({arr} * {arr}))"], o, \
        0.2 * 2.25 * length, False


def emit_slot_write(g, sc, ctx):
    """`c[k] += v` where c[k] is an array held in a list, dict or row list, shared with
    another slot or name or not (in f or in a helper it calls), a number in a list, or
    a row of f's own matrix."""
    k = next(g.ids)
    a, s = _active(g, sc, ctx), _active(g, sc, ctx)
    c, base, m, o = g.fresh("c"), g.fresh("a"), g.fresh("m"), g.fresh("o")
    op = g.r.choice(["+=", "-=", "*="])
    lines = [f"{base} = np.tanh(W3 * {a.op()})", f"{m} = np.outer(W2, W3) * {a.op()}"]
    form = g.r.choice(["shared-list", "distinct-list", "dict-shared", "dict-distinct", "rows",
                       "name-read", "repeat", "floats", "matrix", "helper"])
    write, read = f"{c}[0] {op} {s.op()}", f"np.sum({c}[1] * W3)"
    if form == "shared-list":
        lines.append(f"{c} = [{base}, {base}]")
    elif form == "distinct-list":
        lines.append(f"{c} = [{base}, np.copy({base})]")
        read = f"np.sum({c}[0] * {c}[1])"
    elif form in ("dict-shared", "dict-distinct"):
        other = base if form == "dict-shared" else f"{base} * 2.0"
        lines.append(f"{c} = {{'p': {base}, 'q': {other}}}")
        write, read = f"{c}['p'] {op} {s.op()}", f"np.sum({c}['q'] * {c}['p'])"
    elif form == "rows":
        lines.append(f"{c} = [{m}[0], {m}[1]]")
        read = f"np.sum({m} * {m})"
    elif form == "name-read":
        lines.append(f"{c} = [{base}, W3 * 1.0]")
        read = f"np.sum({base} * W3)"
    elif form == "repeat":
        lines.append(f"{c} = [{base}] * 2")
    elif form == "floats":
        lines.append(f"{c} = [{a.code}, 1.0]")
        read = f"{c}[0] * {c}[1]"
    elif form == "matrix":
        write, read = f"{m}[1] {op} {s.op()}", f"np.sum({m} * {m})"
    else:
        _define(g, f"""
def bump{k}(ys, v):
    ys[0] += v
    return ys
""")
        lines.append(f"{c} = bump{k}([{base}, {base}], {s.op()})")
        write = None
    if write:
        lines.append(write)
    lines.append(f"{o} = 0.1 * {read}")
    return lines, o, 0.1 * 6 * 2.7 ** 2, False


def emit_unread_view(g, sc, ctx):
    """Writes through a view of an array f made (a piece of np.split, a reshape, a
    transpose), into a copy (flatten, copy(order='F')), or through a loop over rows; the
    array viewed is read afterwards or not."""
    a, s = _active(g, sc, ctx), _active(g, sc, ctx)
    y, p, q, o = g.fresh("y"), g.fresh("p"), g.fresh("q"), g.fresh("o")
    outer = f"np.outer(W2, W3) * {a.op()}"
    after = f" + 0.1 * np.sum({y})" if g.chance(0.3) else ""
    form = g.r.choice(["split", "reshape", "transpose", "flatten", "copy-f", "rows", "slice"])
    if form == "split":
        lines = [f"{y} = np.concatenate([W2, W2]) * {a.op()}", f"{p}, {q} = np.split({y}, 2)",
                 f"{p}[0] = {s.code}", f"{o} = 0.2 * np.sum({p} * {q}){after}"]
    elif form == "reshape":
        lines = [f"{y} = {outer}", f"{p} = {y}.reshape(6)", f"{p}[0] = {s.code}",
                 f"{o} = 0.1 * np.sum({p} * {p}){after}"]
    elif form == "transpose":
        lines = [f"{y} = {outer}", f"{p} = {y}.T", f"{p}[1, 0] = {s.code}",
                 f"{o} = 0.1 * np.sum({p} * {p}){after}"]
    elif form in ("flatten", "copy-f"):
        made = f"{y}.flatten()" if form == "flatten" else f"{y}.copy(order='F')"
        at = "[2]" if form == "flatten" else "[0, 1]"
        lines = [f"{y} = {outer}", f"{p} = {made}", f"{p}{at} *= {s.op()}",
                 f"{o} = 0.1 * np.sum({p} * {p}) + 0.1 * np.sum({y})"]
    elif form == "rows":
        lines = [f"{y} = {outer}", f"for {p} in {y}:", f"    {p} *= {s.op()}",
                 f"{o} = 0.1 * np.sum({y} * {y})"]
    else:
        lines = [f"{y} = np.tanh(W3 * {a.op()})", f"{p} = {y}[:2]", f"{p}[0] = {s.code}",
                 f"{o} = 0.2 * np.sum({p} * W2){after}"]
    return lines, o, 0.2 * 6 * 2.3 ** 2 + 1.0, False


def emit_held_container(g, sc, ctx):
    """A list or dict f made, held by another name (a dict display, dict(), a dict or list
    slot, a tuple, an object of a user class made with it, list(d.values()), or a copy),
    then changed in place (append, extend, pop, a slot written) after, before or in a
    loop around the holding, or made anew each trip; the holder read for the result."""
    k = next(g.ids)
    a, b = _active(g, sc, ctx), _active(g, sc, ctx)
    xs, h, o, i = g.fresh("xs"), g.fresh("h"), g.fresh("o"), g.fresh("i")
    is_dict = g.chance(0.25)
    made = f"{{'p': {a.code}, 'q': 0.5}}" if is_dict else f"[{a.code}, 0.5]"
    holder = g.r.choice(["dict-display", "dict-call", "dict-slot", "list-slot", "tuple",
                         "object", "values", "copy"])
    copy = f"dict({xs})" if is_dict else f"list({xs})"
    hold, get = {
        "dict-display": (f"{h} = {{'a': {xs}}}", f"{h}['a']"),
        "dict-call": (f"{h} = dict(a={xs})", f"{h}['a']"),
        "dict-slot": (f"{h} = {{}}\n{h}['a'] = {xs}", f"{h}['a']"),
        "list-slot": (f"{h} = [None, 1.0]\n{h}[0] = {xs}", f"{h}[0]"),
        "tuple": (f"{h} = ({xs}, 1.0)", f"{h}[0]"),
        "object": (f"{h} = Box{k}({xs})", f"{h}.v"),
        "values": (f"{h} = list({{'a': {xs}}}.values())", f"{h}[0]"),
        "copy": (f"{h} = {{'a': {copy}}}", f"{h}['a']"),
    }[holder]
    if holder == "object":
        _define(g, f"""
class Box{k}:
    def __init__(self, v):
        self.v = v
""")
    when = g.r.choice(["after", "before", "loop", "anew"])
    if is_dict:
        change = g.r.choice([f"{xs}['p'] = {b.code}", f"{xs}['r'] = {b.code}"]
                            + ([f"{xs}.pop('q')"] if when != "loop" else []))
        read = g.r.choice([f"sum({get}.values())", f"{get}['p'] * 0.5",
                           f"len({get}) * {get}['p'] * 0.25"])
    else:
        change = g.r.choice([f"{xs}.append({b.code} * 0.5)", f"{xs}.extend([{b.code}, 0.25])",
                             f"{xs}.pop()", f"{xs}.pop(0)", f"{xs}[0] = {b.code}"])
        read = g.r.choice([f"sum({get})", f"np.sum(np.array({get}))", f"{get}[-1]",
                           f"len({get}) * {get}[0] * 0.25"])
    lines = [f"{o} = 0.0"]
    if when == "after":
        lines += [f"{xs} = {made}", *hold.split("\n"), change, f"{o} = 0.2 * {read}"]
    elif when == "before":
        lines += [f"{xs} = {made}", change, *hold.split("\n"), f"{o} = 0.2 * {read}"]
    elif when == "loop":
        lines += [f"{xs} = {made}", *hold.split("\n"), f"for {i} in range(2):",
                  f"    {o} = {o} + 0.1 * {read}", f"    {change}"]
    else:
        lines += [f"for {i} in range(2):", f"    {xs} = {made}",
                  *["    " + line for line in hold.split("\n")], f"    {change}",
                  f"    {o} = {o} + 0.1 * {read}"]
    return lines, o, 0.2 * 4 * 1.5 + 0.5, False


EMITTERS = {
    "class": emit_class, "decorator": emit_decorator, "view-chain": emit_view_chain,
    "global": emit_global, "list-reduce": emit_list_reduce, "index-trick": emit_index_trick,
    "complex": emit_complex, "growing-loop": emit_growing_loop, "one-branch": emit_one_branch,
    "returns": emit_returns, "rebind": emit_rebind, "effects": emit_effects,
    "operators": emit_operators, "computed-write": emit_computed_write,
    "iterator": emit_iterator, "match": emit_match, "function-table": emit_function_table,
    "reduce-keywords": emit_reduce_keywords, "math-complex": emit_math_complex,
    "frame": emit_frame, "object-dtype": emit_object_dtype, "slot-write": emit_slot_write,
    "unread-view": emit_unread_view, "held-container": emit_held_container,
}
assert set(EMITTERS) == set(CATEGORIES)


def emit(g, sc, ctx, ind: str, category: str | None = None):
    """One construct of a category the generator allows, in statement form:
    (lines, scope after it, whether control may leave f)."""
    category = category or g.r.choice(g.categories)
    lines, name, bound, may_jump = EMITTERS[category](g, sc, ctx)
    g.used_categories.append(category)
    lines = [ind + line for line in lines]
    if name is None:
        return lines, sc, may_jump
    e = g.tame(E(name, bound), CAP)
    if e.code != name:
        lines.append(f"{ind}{name} = {e.code}")
    return lines, {**sc, name: Var(name, (), e.bound, role="open")}, may_jump


def decorate_f(g) -> str:
    """A decorator line for f itself (its definition goes to the module)."""
    k = next(g.ids)
    g.used_categories.append("decorator")
    wraps = "    @functools.wraps(fn)\n" if g.chance(0.7) else ""
    result = g.r.choice(["-fn(*args)", "fn(*args)", "0.5 * fn(*args)"])
    _define(g, f"""
def outer{k}(fn):
{wraps}    def wrapper(*args):
        return {result}

    return wrapper
""")
    return f"@outer{k}\n"


def module_source(g) -> str:
    """The module-level definitions the constructs need, and REBIND if any."""
    text = "".join("\n\n" + code for code in g.module_defs)
    return text


def rebind_source(g) -> str:
    if not g.rebinds:
        return ""
    names = sorted({n for _, ns in g.rebinds for n in ns})
    body = ([f"    global {', '.join(names)}"] if names else []) + \
        [f"    {stmt}" for stmt, _ in g.rebinds]
    return "\n\ndef REBIND():\n" + "\n".join(body) + "\n"
