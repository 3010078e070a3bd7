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
    source = textwrap.dedent("".join(lines))
    module = gast.parse(source)
    tree = module.body[0]
    if not isinstance(tree, (gast.FunctionDef, gast.AsyncFunctionDef)):
        raise PullbackError(f"{func.__qualname__} is not defined by a def statement (a lambda?)")
    tree.decorator_list = []
    filename = inspect.getsourcefile(func) or func.__code__.co_filename
    location = Location(filename, first - 1, source.splitlines())
    closure = dict(zip(func.__code__.co_freevars, func.__closure__ or ()))
    return Parsed(func, tree, location, closure)


MISSING = _MISSING
