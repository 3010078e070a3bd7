"""Stage 1, parse: a Python function object -> its gast FunctionDef plus a resolver.

Guarantees: the returned `Parsed.tree` is the function's own `def` (decorators
dropped), with line numbers relative to `Parsed.location`; `Parsed.resolve(expr)`
maps a dotted name (`np.linalg.norm`, `math.sin`, a closure variable) to the
object it denotes right now, looking through closure cells, globals and builtins
in Python's order, without ever writing to the user's namespace. The source read
is that of the code object that runs (never of a function it wraps), and is refused
unless it compiles to that code object (`_check_compiles_to`, whose error shows the
def line, as `where_defined` does for every error about a function as a whole).
`Parsed.guards` says what a gradient calling a dotted name must check is unchanged.
`passed_through` is the function a decorator's wrapper runs when the wrapper only
passes its arguments on; otherwise the wrapper itself, the function that runs.

Example: the function's own `def`, and what a name in it denotes now.

>>> import math
>>> def f(x):  # a comment
...     return math.sin(x) * 2.0
>>> parsed = parse_function(f)
>>> from pullback.emit.codegen import to_source
>>> print(to_source(parsed.tree))
def f(x):
    return math.sin(x) * 2.0
>>> parsed.resolve(parsed.tree.body[0].value.left.func) is math.sin
True
"""

from __future__ import annotations
import __future__

import ast
import builtins
import dis
import functools
import inspect
import linecache
import operator
import sysconfig
import textwrap
import types
from dataclasses import dataclass, field

import gast

from ..errors import Location, PullbackError
from ..helpers import HELPERS
from ..ir.nodes import dotted_name, names
from .to_gast import to_gast

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
    # parameters f writes in place, whose writes are made on a copy (lower/inputs.py)
    owned_inputs: frozenset = frozenset()
    # parameters holding objects of user classes with operators (api's operand retry)
    object_params: set = field(default_factory=set)
    # in code pullback generated (a backward function being differentiated again): the
    # names its record is unpacked into (api._record_unpack)
    record_names: frozenset = frozenset()
    # whether the function is code pullback generated: its slices (`slice(i, add,
    # None)`, the positions of a read `x[i:add]` of the function it differentiates, which
    # its runtime refuses unless they are integers) carry no derivative
    generated: bool = False
    # whether normalize inlined statements from another function's body (marked
    # INLINED_FROM): only then has codegen.note_inlined comments to write
    inlined_statements: bool = False

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

        return HELPERS.get(name, _MISSING)

    def is_rebindable(self, name: str) -> bool:
        """Whether `name` is a closure variable or a module global (not a builtin)."""
        return name in self.closure or name in self.func.__globals__

    def guards(self, dotted: str, found) -> dict:
        """What a gradient that calls `dotted` (which denotes `found` now) must check is
        unchanged when it runs: the dotted name itself when reading it twice gives the same
        object (a function, a module attribute, a class attribute), else (a bound method,
        made anew at each read) the function under it and the object it is bound to. A
        head whose name the generated code binds for itself (np, math) is guarded too:
        the generated code reads the helper, so it must still be the user's object."""

        head, _, rest = dotted.partition(".")
        out = {}
        if head in HELPERS and rest:
            out[head] = self.lookup(head)
        if found is _MISSING or (rest and not callable(found)):
            return out  # nothing is called through it
        if self.resolve_dotted(dotted) is found:
            out[dotted] = found
        elif isinstance(found, types.MethodType):
            out[f"{dotted}.__func__"] = found.__func__
            out[dotted.rpartition(".")[0]] = found.__self__
        elif rest:
            owner = dotted.rpartition(".")[0]
            out[owner] = self.resolve_dotted(owner)
        return out

    def resolve_dotted(self, dotted: str):
        head, *rest = dotted.split(".")
        obj = self.lookup(head)
        for attr in rest:
            if obj is _MISSING:
                break
            obj = getattr(obj, attr, _MISSING)
        return obj

    def resolve(self, node: gast.AST):
        """The object an expression like `np.linalg.norm` denotes, or _MISSING."""
        dotted = dotted_name(node)
        return _MISSING if dotted is None else self.resolve_dotted(dotted)


def lookup_free(func, name: str):
    """What the free name `name` of `func` denotes right now: its closure cell, else
    its module global, else a builtin; _MISSING if none."""
    cells = func.__closure__
    if cells is not None:  # (None: func has no free variable)
        index = _free_indices(func.__code__).get(name)
        if index is not None:
            try:
                return cells[index].cell_contents
            except ValueError:
                return _MISSING
    if name in func.__globals__:
        return func.__globals__[name]
    return getattr(builtins, name, _MISSING)


_FREE_INDICES: dict = {}  # id(code) -> (code, {free variable: its cell's index})


def _free_indices(code) -> dict:
    """{name: index} of `code.co_freevars`, made once per code object: Python 3.11 makes
    `co_freevars` anew at each read, from all the function's variables (a lookup per name
    read that way costs the size of the function)."""
    known = _FREE_INDICES.get(id(code))
    if known is None or known[0] is not code:
        if len(_FREE_INDICES) > 256:
            _FREE_INDICES.clear()
        known = _FREE_INDICES[id(code)] = (code, {n: i for i, n in enumerate(code.co_freevars)})
    return known[1]


def lookup_dotted(func, dotted: str):
    """What `dotted` (a free name, then attributes: `np.linalg.norm`, `f.__code__`)
    denotes for `func` right now; _MISSING if any link is missing."""
    head, *rest = dotted.split(".")
    obj = lookup_free(func, head)
    for attr in rest:
        if obj is _MISSING:
            break
        obj = getattr(obj, attr, _MISSING)
    return obj


def where_defined(func) -> str:
    """`File "...", line N` and the text of the `def` line of `func` (or of the function
    it wraps, for a wrapper without code of its own: functools.lru_cache, a class-based
    decorator), for errors about the function as a whole; "" if there is no such line."""
    code = getattr(inspect.unwrap(func, stop=lambda f: hasattr(f, "__code__")), "__code__",
                   None)
    if not isinstance(code, types.CodeType):
        return ""
    lines = linecache.getlines(code.co_filename)
    number = code.co_firstlineno  # the first decorator's line: the def follows
    while code.co_name != "<lambda>" and number < len(lines) \
            and not lines[number - 1].lstrip().startswith(("def ", "async def ")):
        number += 1
    text = lines[number - 1].strip() if 0 < number <= len(lines) else ""
    return f'File "{code.co_filename}", line {number}' + (f"\n    {text}" if text else "")


def passed_through(func):
    """The function `func` runs when `func` is a decorator's wrapper whose whole body is
    `return fn(*args, **kwargs)` with `fn` the closure variable holding `__wrapped__`
    (it computes exactly what fn computes); a gradient pullback made that picks its code
    by the arguments, the code it runs for plain ones; else `func` itself."""
    if isinstance(func, types.FunctionType):
        func = getattr(func, "__pullback_defaults_code__", func)
    inner = getattr(func, "__wrapped__", None)
    code = getattr(func, "__code__", None)
    if not inspect.isfunction(inner) or code is None or not inspect.isfunction(func) \
            or code.co_argcount or code.co_kwonlyargcount \
            or code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS) \
            != inspect.CO_VARARGS | inspect.CO_VARKEYWORDS or len(code.co_freevars) != 1 \
            or func.__closure__[0].cell_contents is not inner:
        return func
    args, kwargs, fn = *code.co_varnames[:2], code.co_freevars[0]  # identifiers: no injection
    outer = f"def _o():\n    {fn} = None\n    def _(*{args}, **{kwargs}):\n" \
        f"        return {fn}(*{args}, **{kwargs})\n    return _\n"
    pattern = next(c for c in compile(outer, "<pass-through>", "exec").co_consts[0].co_consts
                   if isinstance(c, types.CodeType))
    if code.co_code != pattern.co_code or code.co_varnames != pattern.co_varnames \
            or code.co_consts[1:] != pattern.co_consts[1:]:
        return func
    return passed_through(inner)


def parse_function(func) -> Parsed:
    """`func`'s own source (never that of a function it wraps: the source read is that of
    the code object that runs), checked to compile to that code object."""
    if not inspect.isfunction(func):
        raise PullbackError(f"pullback differentiates Python functions; got {func!r}")
    code = func.__code__
    span = None if code.co_name == "<lambda>" else _def_span(func)
    try:
        if span is not None:  # read from the parse of its module's text, done once
            filename, first, last, node = span
            lines = linecache.getlines(filename, func.__globals__)[first - 1:last]
        else:
            lines, first = inspect.getsourcelines(code)
    except (OSError, TypeError) as exc:
        filename = code.co_filename
        if filename.startswith("<") and filename.endswith(">"):  # exec, compile, a REPL
            raise PullbackError(
                f"cannot read the source of {func.__qualname__}: it was compiled from a string "
                f"(its file is {filename!r}, line {code.co_firstlineno}) whose text Python did "
                "not keep. pullback needs the function's source: define it in a file or a "
                "notebook cell, or register the text in linecache under that name before "
                "calling grad (linecache.cache[name] = (len(text), None, "
                "text.splitlines(True), name)), as IPython and the code module do") from exc
        raise PullbackError(
            f"cannot read the source of {func.__qualname__}: {exc}. pullback needs the "
            "function's source (define it in a file, a notebook cell, or register a rule)"
        ) from exc
    if span is None:
        filename = inspect.getsourcefile(code) or code.co_filename
    if code.co_name == "<lambda>":
        tree, source_lines = _lambda_tree(func, filename)
        location = Location(filename, 0, source_lines)
        _check_compiles_to(func, filename)
    else:
        source = textwrap.dedent("".join(lines))
        try:
            if span is not None and span[3] is not None:  # the module's node, at column 0
                tree = to_gast(span[3], first - 1)  # numbered from 1
            else:
                tree = to_gast(ast.parse(source)).body[0]
        except SyntaxError as exc:
            raise PullbackError(f"cannot parse the source of {func.__qualname__} "
                                f"({filename}, line {first}): {exc.msg}") from None
        if not isinstance(tree, (gast.FunctionDef, gast.AsyncFunctionDef)):
            raise PullbackError(f"{func.__qualname__} ({filename}, line {first}) is not "
                                "defined by a def statement")
        _check_compiles_to(func, filename)
        tree.decorator_list = []
        location = Location(filename, first - 1, source.splitlines())
    closure = dict(zip(func.__code__.co_freevars, func.__closure__ or ()))
    return Parsed(func, tree, location, closure, aliases=_imports_as_aliases(tree, func))


def _imports_as_aliases(tree, func) -> dict:
    """`import m`, `import m.n as k`, `from m import a as b` among the statements of the
    function's own body (not nested in a branch or loop, not relative), binding names
    nothing else in the function binds: each name denotes the object the import gives
    (found now, as Python finds it when f runs: modules are imported once), and the
    statement is dropped. Left in place (and refused by check.py) where the import fails
    or where a global or closure variable of that name denotes another object (an
    inlined callee resolves its free names there)."""
    if not isinstance(tree, gast.FunctionDef):
        return {}
    imported = [a.asname or a.name.split(".")[0] for s in tree.body
                if isinstance(s, (gast.Import, gast.ImportFrom)) for a in s.names]
    if not imported:  # (most functions: no walk of the tree)
        return {}
    bound = {n.id for n in names(tree) if not isinstance(n.ctx, gast.Load)}
    aliases, kept = {}, []
    for s in tree.body:
        found = _imported(s) if isinstance(s, (gast.Import, gast.ImportFrom)) else None
        if found is None or any(
                name in bound or imported.count(name) > 1
                or lookup_free(func, name) not in (_MISSING, obj) for name, obj in found):
            kept.append(s)
            continue
        aliases.update(found)
    tree.body = kept or [gast.Pass()]
    return aliases


def _imported(s):
    """[(name, object)] an import statement binds, or None if it cannot be resolved."""
    import importlib

    if any(a.name == "*" for a in s.names) or getattr(s, "level", 0):
        return None
    try:
        if isinstance(s, gast.Import):  # import a.b binds a (once a.b is imported)
            return [(a.asname, importlib.import_module(a.name)) if a.asname else
                    (a.name.split(".")[0], importlib.import_module(a.name.split(".")[0]))
                    for a in s.names if importlib.import_module(a.name)]
        module = importlib.import_module(s.module)
        out = []
        for a in s.names:
            obj = getattr(module, a.name, _MISSING)
            if obj is _MISSING:
                obj = importlib.import_module(f"{s.module}.{a.name}")
            out.append((a.asname or a.name, obj))
        return out
    except Exception:  # noqa: BLE001 (any failure: the statement stays, and is refused)
        return None


MISSING = _MISSING

_FUTURE_FLAGS = functools.reduce(
    operator.or_, (getattr(__future__, f).compiler_flag for f in __future__.all_feature_names))


def _check_compiles_to(func, filename):
    """Refuse a function whose source no longer compiles to the code object that runs:
    its file was edited after the module was loaded, or its `__code__` was replaced
    (IPython's autoreload does this). The text the source is read from is compiled whole
    (as the module was: how a name was bound at module level changes the instructions),
    once per text, and the code object defined at func's first line is compared with
    func's by instructions, names and constants."""
    code = func.__code__
    compiled = _compiled(func, filename)
    if not any(_same_code(c, code) for c in compiled.codes.get(
            (code.co_name, code.co_firstlineno), ())):
        where = f"{filename}, line {code.co_firstlineno}"
        module = func.__globals__.get("__name__")
        reload = f"reload its module ({module}, with importlib.reload) or " \
            if isinstance(module, str) and module != "__main__" else ""
        raise PullbackError(
            f"the source of {func.__qualname__} read from {where} is not the code that runs: "
            "the file was edited after it was loaded, or the function's __code__ was "
            f"replaced; {reload}define the function again, so that its source and its code "
            "agree" + (f"\n  {where_defined(func)}" if where_defined(func) else ""))


@dataclass
class _CompiledText:
    """A module's text compiled as its module was: the code objects, and the last line
    of each def, by (name, first line: the first decorator's, as in co_firstlineno)."""
    codes: dict
    last_lines: dict  # None where two defs share a name and a first line
    # the module-level defs' nodes of the text's parse (none where pytest rewrote the
    # asserts of that parse in place), by the same keys: a function's tree is made from
    # its node, not by parsing its text again
    defs: dict = None


_COMPILED: dict = {}  # (filename, flags) -> (text, _CompiledText)


def _compiled(func, filename) -> _CompiledText:
    """The text `func`'s source is read from (linecache's, under `filename`), compiled."""
    code = func.__code__
    linecache.checkcache(filename)  # a file changed on disk is read again (as inspect does)
    text = "".join(linecache.getlines(filename, func.__globals__))
    return _compiled_text(filename, text, code.co_flags & _FUTURE_FLAGS,
                          "@pytest_ar" in func.__globals__)


def _def_span(func):
    """(file, first line, last line, the def's node or None) of `func`'s def in its
    module's text, found in the text's one parse (not by tokenising the file again per
    function); None if not there."""
    filename = func.__code__.co_filename
    compiled = _compiled(func, filename)
    key = (func.__code__.co_name, func.__code__.co_firstlineno)
    last = compiled.last_lines.get(key)
    return None if last is None else (filename, key[1], last, compiled.defs.get(key))


def _compiled_text(filename, text, flags, rewritten=False) -> _CompiledText:
    cached = _COMPILED.get((filename, flags))
    if cached is not None and cached[0] == text:
        return cached[1]
    found: dict = {}
    last_lines: dict = {}
    defs: dict = {}
    try:
        source = compile(text, filename, "exec", flags=flags | ast.PyCF_ONLY_AST,
                         dont_inherit=True)
        for node in _statements(source):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                key = (node.name, min([node.lineno] + [d.lineno for d in node.decorator_list]))
                last_lines[key] = None if key in last_lines else node.end_lineno
                if node.col_offset == 0 and not rewritten:
                    defs[key] = node
        if rewritten:  # pytest compiled the module with its asserts rewritten: do as it did
            from _pytest.assertion.rewrite import rewrite_asserts

            rewrite_asserts(source, text.encode(), filename)
        module = compile(source, filename, "exec", flags=flags, dont_inherit=True)
    except (SyntaxError, ValueError, ImportError):
        module = None
    for c in _code_objects(module) if module is not None else ():
        found.setdefault((c.co_name, c.co_firstlineno), []).append(c)
    if len(_COMPILED) > 64:
        _COMPILED.clear()
    _COMPILED[filename, flags] = (text, _CompiledText(found, last_lines, defs))
    return _COMPILED[filename, flags][1]


def _statements(tree) -> list:
    """`tree` and the statements under it (with except handlers and match cases), no
    expression: where a def can stand (a tenth of the nodes `ast.walk` visits)."""
    found = [tree]
    for node in found:
        for part in ("body", "orelse", "finalbody", "handlers", "cases"):
            block = getattr(node, part, None)
            if block.__class__ is list:
                found += block
    return found


def _code_objects(code):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


def _instructions(code) -> list:
    """The instructions of `code` as (operation, argument) pairs, jumps by instruction
    index, with what the compiler decides from how a name was bound elsewhere in the
    module (an `import` makes `mod.f()` an attribute load, not a method load; IPython
    compiles a cell's statements one by one) made the same."""
    found = [i for i in dis.get_instructions(code) if i.opname not in ("NOP", "PUSH_NULL")]
    index = {i.offset: n for n, i in enumerate(found)}
    jumps = set(dis.hasjrel) | set(dis.hasjabs)
    return [("LOAD_ATTR" if i.opname == "LOAD_METHOD" else i.opname,
             index.get(i.argval) if i.opcode in jumps else
             None if isinstance(i.argval, types.CodeType) else repr(i.argval))
            for i in found]


def _same_code(a, b) -> bool:
    """Whether two code objects do the same (line numbers and positions aside)."""
    if (a.co_names, a.co_varnames, a.co_freevars, a.co_cellvars, a.co_argcount,
            a.co_posonlyargcount, a.co_kwonlyargcount, a.co_name) != (
            b.co_names, b.co_varnames, b.co_freevars, b.co_cellvars, b.co_argcount,
            b.co_posonlyargcount, b.co_kwonlyargcount, b.co_name) \
            or len(a.co_consts) != len(b.co_consts) \
            or (a.co_code != b.co_code and _instructions(a) != _instructions(b)):
        return False
    for x, y in zip(a.co_consts, b.co_consts):
        if isinstance(x, types.CodeType) or isinstance(y, types.CodeType):
            if not (isinstance(x, types.CodeType) and isinstance(y, types.CodeType)
                    and _same_code(x, y)):
                return False
        elif type(x) is not type(y) or repr(x) != repr(y):
            return False
    return True


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
    module = str(getattr(func, "__module__", None) or "").split(".")[0]
    if module in LIBRARIES:
        return True
    # the standard library: by where its code lies (a user's own test.py or code.py is not)
    filename = getattr(getattr(func, "__code__", None), "co_filename", "") or ""
    return filename.startswith(_STDLIB) and "site-packages" not in filename \
        and "dist-packages" not in filename
