"""Stage 1, parse: a Python function object -> its gast FunctionDef plus a resolver.

Guarantees: the returned `Parsed.tree` is the function's own `def` (decorators
dropped), with line numbers relative to `Parsed.location`; `Parsed.resolve(expr)`
maps a dotted name (`np.linalg.norm`, `math.sin`, a closure variable) to the
object it denotes right now, looking through closure cells, globals and builtins
in Python's order, without ever writing to the user's namespace.
"""

from __future__ import annotations

import builtins
import inspect
import sys
import sysconfig
import textwrap
import types
from dataclasses import dataclass, field

import gast

from .errors import Location, PullbackError
from .nodes import dotted_name

_MISSING = object()


@dataclass
class Parsed:
    func: object
    tree: gast.FunctionDef
    location: Location
    closure: dict[str, object] = field(default_factory=dict)  # freevar name -> cell
    static: dict[str, object] = field(default_factory=dict)  # parameter -> function it gets
    # Names normalize gives to what the body of an inlined module-level function reads:
    # name -> the object (a cell: read live through it, a dict: that module's globals).
    aliases: dict[str, object] = field(default_factory=dict)
    # (function, or None for this one; free name) -> the object an inlined body assumed
    inlined: dict[tuple, object] = field(default_factory=dict)

    def lookup(self, name: str):
        """The object a free name denotes (closure cell, global, builtin), or _MISSING."""
        if name in self.aliases:
            found = self.aliases[name]
            if not isinstance(found, types.CellType):
                return found
            try:
                return found.cell_contents
            except ValueError:
                return _MISSING
        found = lookup_free(self.func, name)
        if found is not _MISSING or hasattr(builtins, name):
            return found
        from .codegen import HELPERS  # names the generated code binds itself

        return HELPERS.get(name, _MISSING)

    def is_rebindable(self, name: str) -> bool:
        """Whether `name` is a closure variable or a module global (not a builtin)."""
        return name in self.closure or name in self.func.__globals__

    def resolve(self, node: gast.AST):
        """The object an expression like `np.linalg.norm` denotes, or _MISSING."""
        dotted = dotted_name(node)
        if dotted is None:
            return _MISSING
        head, *rest = dotted.split(".")
        obj = self.lookup(head)
        for attr in rest:
            if obj is _MISSING:
                break
            obj = getattr(obj, attr, _MISSING)
        return obj


def lookup_free(func, name: str):
    """What the free name `name` of `func` denotes right now: its closure cell, else
    its module global, else a builtin; _MISSING if none."""
    code = func.__code__
    if name in code.co_freevars:
        try:
            return func.__closure__[code.co_freevars.index(name)].cell_contents
        except ValueError:
            return _MISSING
    if name in func.__globals__:
        return func.__globals__[name]
    return getattr(builtins, name, _MISSING)


def parse_function(func) -> Parsed:
    func = inspect.unwrap(func)
    if not inspect.isfunction(func):
        raise PullbackError(f"pullback differentiates Python functions; got {func!r}")
    try:
        lines, first = inspect.getsourcelines(func)
    except (OSError, TypeError) as exc:
        raise PullbackError(
            f"cannot read the source of {func.__qualname__}: {exc}. pullback needs the "
            "function's source (define it in a file, a notebook cell, or register a rule)"
        ) from exc
    filename = inspect.getsourcefile(func) or func.__code__.co_filename
    if func.__name__ == "<lambda>":
        tree, source_lines = _lambda_tree(func, filename)
        location = Location(filename, 0, source_lines)
    else:
        source = textwrap.dedent("".join(lines))
        try:
            tree = gast.parse(source).body[0]
        except SyntaxError as exc:
            raise PullbackError(f"cannot parse the source of {func.__qualname__} "
                                f"({filename}, line {first}): {exc.msg}") from None
        if not isinstance(tree, (gast.FunctionDef, gast.AsyncFunctionDef)):
            raise PullbackError(f"{func.__qualname__} ({filename}, line {first}) is not "
                                "defined by a def statement")
        tree.decorator_list = []
        location = Location(filename, first - 1, source.splitlines())
    closure = dict(zip(func.__code__.co_freevars, func.__closure__ or ()))
    return Parsed(func, tree, location, closure)


MISSING = _MISSING


def _lambda_tree(func, filename):
    """A lambda as `def lambda_(params): return body`, with the line numbers of its file.
    Among the lambdas on its first line with its parameters, the one whose body holds the
    source positions of func's instructions."""
    import ast
    import linecache

    code = func.__code__
    source_lines = linecache.getlines(filename)
    params = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
    try:
        module = ast.parse("".join(source_lines))
    except SyntaxError:
        module = None
    candidates = [n for n in (ast.walk(module) if module else ())
                  if isinstance(n, ast.Lambda) and n.lineno == code.co_firstlineno
                  and tuple(a.arg for a in n.args.posonlyargs + n.args.args
                            + n.args.kwonlyargs) == params]
    if len(candidates) > 1 and hasattr(code, "co_positions"):  # Python 3.11+
        spots = [(p[0], p[2]) for p in code.co_positions()
                 if p[0] is not None and p[2] is not None and p[3] != p[2]]
        candidates = [n for n in candidates if spots and all(
            (n.body.lineno, n.body.col_offset) <= spot <= (n.body.end_lineno,
                                                           n.body.end_col_offset)
            for spot in spots)]
    if len(candidates) != 1:
        raise PullbackError(f"cannot tell which lambda at {filename}, line "
                            f"{code.co_firstlineno} to differentiate; define it with def")
    found = candidates[0]
    lam = next(n for n in gast.walk(gast.parse("".join(source_lines)))
               if isinstance(n, gast.Lambda) and n.lineno == found.lineno
               and n.col_offset == found.col_offset)
    ret = gast.Return(value=lam.body)
    gast.copy_location(ret, lam.body)
    tree = gast.FunctionDef(name="lambda_", args=lam.args, body=[ret], decorator_list=[],
                            returns=None, type_comment=None, type_params=[])
    gast.copy_location(tree, lam)
    return tree, [text.rstrip("\n") for text in source_lines]


# Libraries whose functions pullback differentiates only through registered rules: their
# source is never transformed behind the user's back (a function without a rule is a
# "no derivative rule" error, which names it).
LIBRARIES = frozenset({
    "numpy", "scipy", "pandas", "sklearn", "jax", "jaxlib", "torch", "autograd", "numba",
    "dask", "matplotlib", "pullback", "gast", "tensorflow", "cupy", "xarray", "sympy",
})
_STDLIB = tuple({sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib")})


def is_library(func) -> bool:
    """Whether `func` belongs to the standard library or to a numeric library (NumPy, SciPy,
    ...), whose code pullback never transforms from source."""
    module = (getattr(func, "__module__", None) or "").split(".")[0]
    if module in LIBRARIES or module in sys.stdlib_module_names:
        return True
    filename = getattr(getattr(func, "__code__", None), "co_filename", "") or ""
    return filename.startswith(_STDLIB) and "site-packages" not in filename
