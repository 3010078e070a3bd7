"""The public API: grad, value_and_grad, vjp, source.

Each call transforms the function once per (code object, wrt, mode) and caches
the compiled gradient code; binding it to a particular function object (its
globals, defaults and closure cells) is cheap, so closures made by the same
`def` each get their own live cells, and a redefined function (a new code
object) is transformed anew.
"""

from __future__ import annotations

import functools
import gc
import inspect
import types
from dataclasses import dataclass, field

import gast

from . import codegen, rules, runtime
from .activity import Analysis
from .check import check, check_writes
from .errors import PullbackError
from .naming import RESERVED
from .normalize import MODULE_GLOBALS, normalize
from .parse import lookup_free, parse_function
from .reverse import reverse
from .simplify import simplify
from .ssa import to_ssa


@dataclass
class Transformed:
    source: str  # the generated gradient function, as printed
    code: object  # its compiled code object
    stages: dict  # stage name -> printed source, for inspection
    constants: dict  # name -> object the generated code refers to
    bindings: dict  # free name -> the object it denoted when the rules were chosen
    cells: tuple = ()  # for mode "split": cells holding the forward and backward functions
    # (function or None for func itself, free name) -> object, for inlined function bodies
    inlined: dict = field(default_factory=dict)
    # (function, its split transform) for the Python functions the code calls
    callees: list = field(default_factory=list)

    def fits(self, func, seen=None) -> bool:
        """Whether `func`'s free names, those of the functions whose bodies it inlined, and
        (through their own transforms) those of the functions it calls still denote what
        this transform assumed."""
        seen = set() if seen is None else seen
        if id(self) in seen:  # recursion: already being checked
            return True
        seen.add(id(self))
        return all(lookup_free(func, name) is obj for name, obj in self.bindings.items()) \
            and all(lookup_free(owner or func, name) is obj
                    for (owner, name), obj in self.inlined.items()) \
            and all(t.fits(f, seen) for f, t in self.callees)


# (code object, wrt, mode, rules version) -> transforms, one per set of bindings: closures
# made by one `def` share a code object but may call different functions.
_CACHE: dict = {}


def _wrt_names(func, wrt):
    params = list(inspect.signature(func).parameters.values())
    positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    names = [p.name for p in params]
    single = not isinstance(wrt, (tuple, list))
    out = []
    for w in ([wrt] if single else wrt):
        if isinstance(w, bool) or not isinstance(w, (int, str)):
            raise PullbackError(f"wrt must be a parameter position or name, got {w!r}")
        if isinstance(w, int):
            if not -len(positional) <= w < len(positional):
                raise PullbackError(
                    f"wrt={w} but {func.__qualname__} has {len(positional)} positional parameters")
            out.append(positional[w])
        else:
            if w not in names:
                raise PullbackError(f"wrt={w!r} is not a parameter of {func.__qualname__}")
            out.append(w)
    return tuple(out), single


def transform(func, wrt=0, mode="grad", static=None, optimize=True) -> Transformed:
    """The generated code for `func` in `mode` ("grad", "value_and_grad", "vjp", or
    "split": a forward and a backward function for calls from other generated code).
    `static` maps parameters that always receive the same function (say, an activation
    passed by the caller) to that function, so calls through them can be differentiated.
    `optimize=False` leaves out the optimizing pass (the simplify stage, and the shape
    facts, loop-invariant values, in-place accumulation and summed matrix products that
    the reverse stage would use): the plain adjoint, for reading and for testing that
    the optimizations never change a gradient."""
    func = inspect.unwrap(func)
    if not inspect.isfunction(func):
        raise PullbackError(f"pullback differentiates Python functions; got {func!r}")
    names, single = _wrt_names(func, wrt)
    static = dict(static or {})
    key = (func.__code__, names, single, mode, rules.VERSION[0],
           tuple(sorted(static.items(), key=lambda item: item[0])), optimize)
    for variant in _CACHE.get(key, ()):
        if variant.fits(func):
            return variant
    if key in _IN_PROGRESS:  # a recursive call: its cells are filled when the build ends
        return _IN_PROGRESS[key]
    cells = (types.CellType(), types.CellType())
    _IN_PROGRESS[key] = pending = Transformed("", None, {}, {}, {}, cells)
    collecting = gc.isenabled()
    gc.disable()  # the trees are acyclic; collections of them would cost time quadratic in size
    try:
        result = _build(func, names, single, mode, cells, static, optimize)
    finally:
        del _IN_PROGRESS[key]
        if collecting:
            gc.enable()
    pending.__dict__.update(result.__dict__)
    _CACHE.setdefault(key, []).append(result)
    return result


def _build(func, names, single, mode, cells, static, optimize, keep_stages=False) -> Transformed:
    parsed = parse_function(func)
    parsed.static = static
    check(parsed.tree, parsed.location)
    stages = _Stages(keep_stages)
    stages.keep("parsed", parsed.tree)
    clash = [a.id for a in parsed.tree.args.args + parsed.tree.args.kwonlyargs
             + parsed.tree.args.posonlyargs if a.id in RESERVED]
    if clash:
        raise PullbackError(
            f"parameter name {clash[0]!r} of {func.__qualname__} is reserved for the generated "
            "code; please rename it")
    tree = normalize(parsed.tree, parsed)
    stages.keep("normalized", tree)
    tree = to_ssa(tree, parsed.location.describe)
    stages.keep("ssa", tree)
    analysis = Analysis(tree, parsed, names, optimize)
    check_writes(tree, analysis, parsed)
    callees: list = []

    def calls(callee, params, static=None):
        """The (forward, backward) cells of a called function, differentiated for `params`."""
        split = transform(callee, tuple(params), "split", static, optimize)
        callees.append((callee, split))
        return split.cells

    out, constants = reverse(tree, analysis, names, mode, single, calls, optimize)
    constants[MODULE_GLOBALS] = func.__globals__  # read live by shadowed globals
    constants.update(parsed.aliases)  # what inlined module-level functions read
    stages.keep("adjoint", out)
    functions = out.body if isinstance(out, gast.Module) else [out]
    for function in functions if optimize else ():
        simplify(function)
    source = codegen.to_source(out)
    stages["final"] = source
    function_names = [f.name for f in functions]
    codes = codegen.compile_source(source, function_names,
                                   [*func.__code__.co_freevars, *constants], func.__qualname__)
    result = Transformed(source, codes[function_names[0]], stages, constants,
                         dict(analysis.bindings), cells, dict(parsed.inlined), callees)
    if mode == "split":
        for cell, name in zip(cells, function_names):
            cell.cell_contents = codegen.bind(codes[name], func, constants)
    return result


_IN_PROGRESS: dict = {}


class _Stages(dict):
    """Stage name -> the printed source of the code after that stage. Copying and
    printing the trees was most of a transform's time, and the stages are rarely read:
    unless asked to keep them, only the final source is kept (`source()` builds the
    transform again to show another stage). Kept trees are copied when their stage
    ends (the next stages change them) and printed when first read."""

    def __init__(self, keep_all):
        super().__init__()
        self.keep_all = keep_all

    def keep(self, name, tree):
        if self.keep_all:
            self[name] = gast.gast_to_ast(tree)

    def __getitem__(self, name):
        value = super().__getitem__(name)
        if not isinstance(value, str):
            value = codegen.ast_source(value)
            self[name] = value
        return value

    def get(self, name, default=None):
        return self[name] if name in self else default

    def items(self):
        return [(name, self[name]) for name in self]

    def values(self):
        return [self[name] for name in self]


def _decorator(f, build):
    if f is None:
        return lambda g: build(g)
    return build(f)


def grad(f=None, wrt=0, optimize=True):
    """The gradient of scalar-valued `f` with respect to parameter(s) `wrt`."""
    return _decorator(f, lambda g: _named(
        _bind(transform(g, wrt, "grad", optimize=optimize), g), g, "grad"))


def value_and_grad(f=None, wrt=0, optimize=True):
    """A function returning (f(*args), gradient) in one sweep."""
    return _decorator(f, lambda g: _named(
        _bind(transform(g, wrt, "value_and_grad", optimize=optimize), g), g,
        "value_and_grad"))


def vjp(f=None, wrt=0, optimize=True):
    """`vjp(f)(*args, seed)`: the vector-Jacobian product of f's output with `seed`."""

    def build(g):
        inner = _bind(transform(g, wrt, "vjp", optimize=optimize), g)

        @functools.wraps(g)
        def vjp_call(*args, **kwargs):
            if not args:
                raise TypeError("vjp(f)(*args, seed): the seed is the last positional argument")
            return inner(args[-1], *args[:-1], **kwargs)

        vjp_call.__name__ = f"vjp_{g.__name__}"
        return vjp_call

    return _decorator(f, build)


def source(f, wrt=0, mode="grad", stage="final", optimize=True) -> str:
    """The generated code of `f`'s gradient (or of an earlier pipeline stage)."""
    transformed = transform(f, wrt, mode, optimize=optimize)
    if stage != "final":  # built again, keeping the stages
        func = inspect.unwrap(f)
        names, single = _wrt_names(func, wrt)
        transformed = _build(func, names, single, mode, (types.CellType(), types.CellType()),
                             {}, optimize, keep_stages=True)
    return transformed.stages[stage]


def register_rule(func):
    """Decorator: `@register_rule(f)` over `def f_grad(g, ans, x, y): ...` makes pullback
    differentiate calls to `f` with f_grad, which returns the gradient with respect to
    each of f's parameters (one value, or a tuple for several), given `g`, the gradient of
    f's result, and `ans`, the result. Works for NumPy functions without a built-in rule,
    C extensions, and Python functions whose gradient you want to write by hand."""

    def decorate(gradient):
        rules.register(func, gradient)
        return gradient

    return decorate


def nondifferentiable(func):
    """Mark `func` as carrying no gradient (usable as a decorator); returns `func`."""
    rules.mark_nondifferentiable(func)
    return func


def stop_gradient(x):
    """`x` itself; pullback treats the value as a constant (no gradient flows through)."""
    return x


rules.NONDIFF.add(stop_gradient)
rules.NONDIFF.add(runtime.key_list)


def _bind(transformed, func):
    return codegen.bind(transformed.code, func, transformed.constants)


def _named(func, user_func, what):
    func.__doc__ = f"{what} of {user_func.__qualname__}, generated by pullback."
    func.__wrapped_function__ = user_func
    return func
