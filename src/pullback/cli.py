"""Command line: print the code pullback generates, and check a gradient numerically.

    pullback show FILE.py:FUNC [--wrt x,y] [--stage final] [--mode grad] [--backend numba]
                               [--explain] [--shapes "x=(32,64) W=(64,10)"]
    pullback check FILE.py:FUNC ARG ... [--wrt x,y] [--step 1e-6] [--rtol 1e-5]
    pullback FILE.py:FUNC ...        # `show` is the default subcommand

`check` takes numbers, array literals and dicts/lists of them; a function returning an
array is checked by its vjp in a random direction (seeded).

FILE.py may also be a dotted module path (`package.module:func`), imported with
the current directory first on `sys.path`. Every failure is reported as one line
on stderr, prefixed `pullback:`; where it concerns a line of the user's code the
line is `file:line: message`, followed by that source line, indented (a bug
inside pullback itself is reported the same way; PULLBACK_DEBUG=1 shows its
traceback instead). Exit status: 0 on success, 1 when `check` finds that the
gradient and the finite differences disagree, 2 when the command could not be
carried out (usage, a missing file or function, a syntax error, unsupported
code, an error raised while evaluating the function).
"""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.util
import inspect
import math
import os
import re
import sys

from . import __version__
from .api import source, value_and_grad, vjp
from .derive.records import record_summary
from .errors import LocatedError, PullbackError

STAGES = ("parsed", "normalized", "ssa", "adjoint", "final")
MODES = ("grad", "value_and_grad", "vjp", "jvp", "jvp_batch", "vjp_batch", "hvp", "hessian")
COMMANDS = ("show", "check")

EXIT_OK, EXIT_MISMATCH, EXIT_ERROR = 0, 1, 2


class CLIError(Exception):
    """A failure reported to the user as `pullback: <message>` with exit status 2."""


# --------------------------------------------------------------------------- loading


def _display_path(path: str) -> str:
    """`path` relative to the current directory when it lies below it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if rel.startswith(os.pardir) else rel


def _is_file_target(path: str) -> bool:
    return path.endswith(".py") or "/" in path or os.sep in path or os.path.isfile(path)


def _load_file(path: str):
    if not os.path.exists(path):
        raise CLIError(f"no such file: {path}")
    if os.path.isdir(path):
        raise CLIError(f"{path} is a directory, expected a Python file")
    stem = re.sub(r"\W", "_", os.path.splitext(os.path.basename(path))[0])
    name = f"_pullback_user_{stem}"
    spec = importlib.util.spec_from_file_location(name, os.path.abspath(path))
    if spec is None or spec.loader is None:
        raise CLIError(f"cannot load {path} as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    # Like `python FILE.py`: the file's own directory comes first on the path.
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    _execute(lambda: spec.loader.exec_module(module), path)
    return module


def _load_module(dotted: str):
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        spec = _execute(lambda: importlib.util.find_spec(dotted), dotted)
    except CLIError as exc:
        if "ModuleNotFoundError" not in str(exc):
            raise
        spec = None
    if spec is None:
        raise CLIError(f"no such module: {dotted} (and no file {dotted!r} either)")
    return _execute(lambda: importlib.import_module(dotted), dotted)


def _syntax_message(exc: SyntaxError) -> str:
    where = _display_path(exc.filename) if exc.filename else "<unknown>"
    if exc.lineno:
        where += f":{exc.lineno}"
    text = f"\n    {exc.text.strip()}" if exc.text and exc.text.strip() else ""
    return f"{where}: syntax error: {exc.msg}{text}"


def _execute(run, what: str):
    try:
        return run()
    except SyntaxError as exc:  # IndentationError and TabError included
        raise CLIError(_syntax_message(exc)) from None
    except (Exception, SystemExit) as exc:
        frame = _user_frame(exc)
        where = f" ({frame})" if frame else ""
        raise CLIError(f"importing {what} failed{where}: {_describe(exc)}") from None


def _user_frame(exc: BaseException) -> str:
    """`file:line` of the innermost traceback frame outside pullback and importlib."""
    tb, found = exc.__traceback__, ""
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if not filename.startswith("<") and os.path.dirname(filename) != os.path.dirname(__file__):
            found = f"{_display_path(filename)}:{tb.tb_lineno}"
        tb = tb.tb_next
    return found


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def load_function(target: str):
    """The function named by `FILE.py:FUNC` or `package.module:FUNC`."""
    path, sep, func_name = target.rpartition(":")
    if not sep or not path or not func_name:
        raise CLIError(f"expected FILE.py:FUNC or package.module:FUNC, got {target!r}")
    module = _load_file(path) if _is_file_target(path) else _load_module(path)
    obj = module
    for part in func_name.split("."):
        if not hasattr(obj, part):
            defined = sorted(name for name, value in vars(module).items()
                             if inspect.isfunction(value)
                             and value.__module__ == module.__name__)
            hint = f" (it defines: {', '.join(defined)})" if defined else ""
            raise CLIError(f"{path} has no function {func_name!r}{hint}")
        obj = getattr(obj, part)
    if not inspect.isfunction(inspect.unwrap(obj)):
        raise CLIError(f"{target} is not a Python function (it is of type "
                       f"{type(obj).__name__})")
    return obj


# --------------------------------------------------------------------------- errors


_WHERE = re.compile(r'File "(?P<file>.*)", line (?P<line>\d+)(?:\n(?P<text>.*))?', re.S)


def _pullback_message(exc: PullbackError) -> str:
    """A pullback error as `file:line: message` plus the source line, indented."""
    if isinstance(exc, LocatedError) and exc.where:
        match = _WHERE.search(exc.where)
        if match:
            text = (match.group("text") or "").strip()
            code = f"\n    {text}" if text else ""
            return f"{_display_path(match.group('file'))}:{match.group('line')}: " \
                   f"{exc.message}{code}"
        return f"{exc.message} ({exc.where.strip()})"
    return " ".join(str(exc).split())


def _internal(exc: Exception, func) -> CLIError:
    """An unexpected exception inside pullback itself: a bug, reported in one line."""
    if os.environ.get("PULLBACK_DEBUG"):
        raise exc
    return CLIError(f"internal error while transforming {func.__qualname__}: {_describe(exc)} "
                    "(a bug in pullback: please report it; PULLBACK_DEBUG=1 shows the "
                    "traceback)")


def _parse_wrt(text: str | None, func):
    params = [p.name for p in inspect.signature(func).parameters.values()
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    if text:
        wrt = tuple(w.strip() for w in text.split(",") if w.strip())
        for w in wrt:
            if w not in params:
                raise CLIError(f"--wrt {w}: {func.__qualname__} has no parameter {w!r} "
                               f"(its parameters: {', '.join(params) or 'none'})")
        if not wrt:
            raise CLIError("--wrt needs at least one parameter name")
        return wrt
    if not params:
        raise CLIError(f"{func.__qualname__} has no parameters to differentiate with respect to")
    return tuple(params)


def _wrt_argument(wrt: tuple):
    return wrt[0] if len(wrt) == 1 else wrt


# --------------------------------------------------------------------------- show


def cmd_show(args) -> int:
    func = load_function(args.target)
    wrt = _parse_wrt(args.wrt, func)
    example = None if args.shapes is None else example_arguments(args.shapes, func)
    if (args.explain or example is not None) and (args.stage != "final"
                                                  or args.backend != "numpy"):
        raise CLIError("--explain and --shapes print the final code of the numpy backend")
    try:
        text = source(func, wrt=_wrt_argument(wrt), mode=args.mode, stage=args.stage,
                      optimize=not args.no_optimize, backend=args.backend,
                      explain=args.explain, example_args=example,
                      checkpoint=args.checkpoint)
    except PullbackError as exc:
        raise CLIError(_pullback_message(exc)) from None
    except Exception as exc:
        raise _internal(exc, func) from None
    if args.stage == "final" and args.mode != "jvp" and example is None:
        # where the memory goes (with --shapes, the code says it, in bytes, above itself)
        summary = record_summary(text)
        if summary:
            text = "\n".join(["# what loops keep for the adjoint (lines of the code below):",
                               *summary, text])
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return EXIT_OK


_SHAPE_ITEM = re.compile(r"\s*([A-Za-z_]\w*)\s*=\s*(\([^)]*\)|\[[^=]*\]|[^\s]+)")


def example_arguments(text: str, func) -> tuple:
    """The arguments `--shapes "x=(32,64) n=5"` stands for, in `func`'s parameter order:
    a shape in parentheses is an array of random normal numbers of that shape (`()` a
    float), anything else a value as `check` reads it."""
    given, at = {}, 0
    text = text.strip()
    while at < len(text):
        match = _SHAPE_ITEM.match(text, at)
        if match is None:
            raise CLIError(f"cannot read --shapes {text!r}: write NAME=(d1,d2,...) or "
                           "NAME=VALUE, separated by spaces")
        name, spec = match.groups()
        given[name] = spec
        at = match.end()
        while at < len(text) and text[at] in " ,;":
            at += 1
    import numpy as np

    params = [p for p in inspect.signature(func).parameters.values()
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    unknown = sorted(set(given) - {p.name for p in params})
    if unknown:
        raise CLIError(f"--shapes names {unknown[0]!r}, which is not a positional parameter of "
                       f"{func.__qualname__}")
    rng = np.random.default_rng(0)
    values = []
    for p in params:
        if p.name not in given:
            if p.default is p.empty:
                raise CLIError(f"--shapes gives no shape for {p.name!r}: give one for each "
                               "parameter without a default")
            break
        spec = given[p.name]
        if spec.startswith("("):
            try:
                shape = ast.literal_eval(spec if spec != "()" else "()")
                shape = (shape,) if isinstance(shape, int) else tuple(int(d) for d in shape)
            except (ValueError, SyntaxError, TypeError):
                raise CLIError(f"cannot read the shape {spec!r} of {p.name!r}") from None
            values.append(float(rng.normal()) if shape == () else rng.normal(size=shape))
        else:
            values.append(parse_value(spec))
    return tuple(values)


# --------------------------------------------------------------------------- check


def parse_value(text: str):
    """A command-line value: a number (`2`, `-1.5e-3`, `inf`), an array literal like
    `[1, 2]`, or a dict, list or tuple of those (`{'w': [1, 2], 'b': 0.5}`)."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise CLIError(f"cannot read {text!r} as a number, an array literal such as "
                       "[1, 2, 3], or a dict or list of those") from None
    return _point(value, text)


def _point(value, text: str):
    """A literal as the value differentiated: numbers as floats, rectangular nested lists
    of numbers as float arrays, dicts, lists and tuples of those kept as containers."""
    import numpy as np

    if isinstance(value, bool) or not isinstance(value, (int, float, list, tuple, dict)):
        raise CLIError(f"cannot read {text!r} as a number, an array literal such as "
                       "[1, 2, 3], or a dict or list of those")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dict):
        return {key: _point(item, text) for key, item in value.items()}
    try:
        array = np.asarray(value, dtype=float)
    except (ValueError, TypeError):  # ragged, or holding dicts: a container of values
        return type(value)(_point(item, text) for item in value)
    return array


def _bind_point(func, raw: list[str], wrt: tuple):
    """Positional and `name=value` arguments -> (args, kwargs) in the function's terms.

    Values are read as floats (arrays of floats); an integer literal for a
    parameter that is not differentiated stays an int, so `range(n)` works.
    """
    signature = inspect.signature(func)
    positional, keywords = [], {}
    for item in raw:
        name, eq, text = item.partition("=")
        if eq and name.isidentifier():
            keywords[name] = _convert(text, name, wrt)
        elif keywords:
            raise CLIError(f"positional argument {item!r} after a name=value argument")
        else:
            positional.append(item)
    names = list(signature.parameters)
    values = [_convert(text, names[i] if i < len(names) else None, wrt)
              for i, text in enumerate(positional)]
    try:
        bound = signature.bind(*values, **keywords)
    except TypeError as exc:
        raise CLIError(f"the point does not fit {func.__qualname__}{signature}: {exc}") from None
    bound.apply_defaults()
    return bound


def _convert(text: str, name, wrt):
    """An argument outside `wrt` keeps the type of its literal (an int for `range(n)`, a
    string, a dict of settings); one in `wrt` is read as floats (`parse_value`)."""
    if name not in wrt:
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            value = None
        if isinstance(value, (int, str, bool, dict)) and not isinstance(value, float) \
                or value is None and text.strip() == "None":
            return value
    return parse_value(text)


def _with(bound, name, value):
    arguments = dict(bound.arguments)
    arguments[name] = value
    return inspect.BoundArguments(bound.signature, arguments)


def _call(func, bound):
    return func(*bound.args, **bound.kwargs)


def _leaves(value, path=()):
    """(path, leaf) for every float or array inside `value` (dicts, lists, tuples)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, path + (key,))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _leaves(item, path + (i,))
    else:
        yield path, value


def _at(value, path):
    for key in path:
        value = value[key]
    return value


def _replaced(value, path, leaf):
    """A copy of `value` with the leaf at `path` replaced (the containers copied)."""
    if not path:
        return leaf
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replaced(value[head], rest, leaf)}
    items = list(value)
    items[head] = _replaced(items[head], rest, leaf)
    return type(value)(items)


def finite_differences(func, bound, name, step, scalar=float):
    """Central differences of `scalar(func(...))` with respect to argument `name`, with
    the structure of the argument: a float, an array, or a dict/list/tuple of those."""
    import numpy as np

    def at(value):
        return scalar(_call(func, _with(bound, name, value)))

    x = bound.arguments[name]
    result = x
    for path, leaf in _leaves(x):
        if isinstance(leaf, np.ndarray):
            out = np.zeros(leaf.shape)
            for index in np.ndindex(leaf.shape):
                h = step * max(1.0, abs(float(leaf[index])))
                up, down = leaf.copy(), leaf.copy()
                up[index] += h
                down[index] -= h
                out[index] = (at(_replaced(x, path, up)) - at(_replaced(x, path, down))) / (2 * h)
        else:
            h = step * max(1.0, abs(float(leaf)))
            out = (at(_replaced(x, path, float(leaf) + h))
                   - at(_replaced(x, path, float(leaf) - h))) / (2 * h)
        result = _replaced(result, path, out)
    return result


def _short(v) -> str:
    text = f"{v:.12g}"
    return text if any(c in text for c in ".enai") else text + ".0"


def _format(value) -> str:
    """A value on one line: arrays as nested lists, containers item by item."""
    import numpy as np

    if isinstance(value, np.ndarray):
        text = np.array2string(value, separator=", ", max_line_width=10**6, threshold=50,
                               formatter={"float_kind": _short})
        return " ".join(text.split())
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_format(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        items = ", ".join(_format(v) for v in value)
        return f"[{items}]" if isinstance(value, list) else f"({items}{',' * (len(value) == 1)})"
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return repr(value) if isinstance(value, int) else repr(float(value))
    return repr(value)


def _norm(value) -> float:
    import numpy as np

    return float(np.max(np.abs(value))) if np.size(value) else 0.0


def _evaluated(run, what, args):
    """`run()`, with any exception it raises reported in one line as the failure of `what`."""
    try:
        return run()
    except PullbackError as exc:
        raise CLIError(_pullback_message(exc)) from None
    except CLIError:
        raise
    except Exception as exc:
        frame = _user_frame(exc)
        where = f" ({frame})" if frame else ""
        hint = ""
        if not args.wrt and isinstance(exc, TypeError) and "integer" in str(exc):
            hint = ("; every argument is read as a float unless --wrt leaves it out, "
                    "so pass --wrt with the others to keep an integer argument an int")
        raise CLIError(f"{what} failed{where}: {_describe(exc)}{hint}") from None


def cmd_check(args) -> int:
    import numpy as np

    func = load_function(args.target)
    wrt = _parse_wrt(args.wrt, func)
    bound = _bind_point(func, args.point, wrt)
    value = _evaluated(lambda: _call(func, bound), f"evaluating {func.__qualname__}", args)
    if isinstance(value, (tuple, list, dict)) or np.ndim(value) and not np.size(value):
        raise CLIError(f"{func.__qualname__} returns a {type(value).__name__}: check compares "
                       "gradients of functions returning a number or an array")
    direction = None
    if np.ndim(value):  # an array: the vjp in a random direction u, against d<u, f>
        direction = np.random.default_rng(0).standard_normal(np.shape(value))
    try:
        if direction is None:
            gradient_function = value_and_grad(func, wrt=wrt, optimize=not args.no_optimize)
        else:
            gradient_function = vjp(func, wrt=wrt, optimize=not args.no_optimize)
    except PullbackError as exc:
        raise CLIError(_pullback_message(exc)) from None
    except Exception as exc:
        raise _internal(exc, func) from None

    def gradient():
        if direction is None:
            return gradient_function(*bound.args, **bound.kwargs)[1]
        return gradient_function(*bound.args, direction, **bound.kwargs)

    grads = _evaluated(gradient, "evaluating the gradient", args)
    if direction is None:
        scale = max(1.0, abs(float(value)))

        def scalar(out):
            return float(out)
    else:
        scale = max(1.0, _norm(value))

        def scalar(out):
            return float(np.sum(direction * np.asarray(out)))
    numeric = _evaluated(
        lambda: [finite_differences(func, bound, name, args.step, scalar) for name in wrt],
        f"evaluating {func.__qualname__}", args)

    point = ", ".join(f"{k}={_format(v)}" for k, v in bound.arguments.items())
    if direction is None:
        print(f"{func.__qualname__}({point}) = {float(value)!r}")
    else:
        print(f"{func.__qualname__}({point}) = an array of shape {np.shape(value)}")
        print("checked in a random direction u (standard normal, seed 0): pullback's vjp "
              "with u against central differences of sum(u * f)")
    print(f"central differences: step {args.step:g} * max(1, |x|); tolerance: rtol "
          f"{args.rtol:g}, atol {args.atol:g} * max(1, |f|)")
    worst, agree = 0.0, True
    for name, g, fd in zip(wrt, grads, numeric):
        for path, fd_leaf in _leaves(fd):
            label = name + "".join(f"[{key!r}]" for key in path)
            try:
                g_leaf = _at(g, path)
            except (KeyError, IndexError, TypeError):
                raise CLIError(f"d/d{name}: pullback's gradient {_format(g)} does not have "
                               f"the structure of the argument") from None
            g_arr, fd_arr = np.asarray(g_leaf, dtype=float), np.asarray(fd_leaf, dtype=float)
            if g_arr.shape != fd_arr.shape:
                raise CLIError(f"d/d{label}: pullback's gradient has shape {g_arr.shape}, "
                               f"the argument {fd_arr.shape}")
            error = np.abs(g_arr - fd_arr)
            ok = bool(np.all(error <= args.rtol * np.maximum(np.abs(g_arr), np.abs(fd_arr))
                             + args.atol * scale)) and not np.any(np.isnan(error))
            # relative to the larger of the two, but never to less than the absolute
            # tolerance: two near-zero gradients agree, and their error reads small
            size = max(_norm(g_arr), _norm(fd_arr), args.atol * scale)
            rel = _norm(error) / size if not np.any(np.isnan(error)) else math.inf
            agree &= ok
            worst = max(worst, rel)
            print(f"d/d{label}:")
            print(f"  pullback            {_format(g_leaf)}")
            print(f"  finite differences  {_format(fd_leaf)}")
            print(f"  relative error      {rel:.2e}{'' if ok else '   <-- disagree'}")
    if agree:
        print(f"OK: pullback agrees with central differences (max relative error {worst:.2e})")
        return EXIT_OK
    print(f"MISMATCH: pullback and central differences disagree (max relative error "
          f"{worst:.2e})")
    print(f"(expected where {func.__qualname__} has a kink or a jump: there finite "
          "differences are not the derivative)")
    return EXIT_MISMATCH


# --------------------------------------------------------------------------- main


# Negative numbers with an exponent (-1e-3), -inf and -nan are values, not options.
_NEGATIVE = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^-(inf|nan)$", re.I)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pullback",
        description="Print the gradient code pullback generates for a Python function, "
                    "or check it against finite differences.",
        epilog="`pullback FILE.py:FUNC` is short for `pullback show FILE.py:FUNC`.")
    parser.add_argument("--version", action="version", version=f"pullback {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="{show,check}")

    show = sub.add_parser("show", help="print the generated code of a function's gradient",
                          description="Print the code pullback generates for FUNC "
                                      "(valid Python).")
    show.add_argument("target", metavar="FILE.py:FUNC",
                      help="a function in a file, or package.module:FUNC")
    show.add_argument("--wrt", metavar="X,Y",
                      help="comma-separated parameter names (default: all parameters)")
    show.add_argument("--stage", choices=STAGES, default="final",
                      help="pipeline stage to print (default: final)")
    show.add_argument("--mode", choices=MODES, default="grad",
                      help="the function generated (default: grad)")
    show.add_argument("--backend", choices=("numpy", "numba"), default="numpy",
                      help="numba: the code the Numba backend compiles (default: numpy)")
    show.add_argument("--explain", action="store_true",
                      help="annotate the code: which values are active and recorded, and "
                           "before each adjoint statement the statement it comes from")
    show.add_argument("--shapes", metavar='"X=(32,64) W=(64,10)"',
                      help="print the code specialized to these argument shapes (a value "
                           "such as n=5 for an argument that is not an array)")
    show.add_argument("--checkpoint", metavar="S", type=lambda t: int(t) if t.isdigit() else t,
                      help="checkpoint loops: a snapshot count or a size like 200MB")
    show.set_defaults(run=cmd_show)

    check = sub.add_parser("check", help="compare the gradient with central finite differences",
                           description="Evaluate FUNC's gradient at the point ARG ... and "
                                       "compare it with central finite differences. "
                                       "ARG is a number, an array literal such as "
                                       "'[1, 2, 3]', a dict or list of those, or "
                                       "name=value. A function returning an array is "
                                       "checked by its vjp in a random direction.")
    check.add_argument("target", metavar="FILE.py:FUNC",
                       help="a function in a file, or package.module:FUNC")
    check.add_argument("point", metavar="ARG", nargs="*",
                       help="the arguments of FUNC: numbers, array literals, dicts or lists")
    check.add_argument("--wrt", metavar="X,Y",
                       help="comma-separated parameter names (default: all parameters)")
    check.add_argument("--step", type=float, default=1e-6,
                       help="relative finite-difference step (default: 1e-6)")
    check.add_argument("--rtol", type=float, default=1e-5,
                       help="relative tolerance (default: 1e-5)")
    check.add_argument("--atol", type=float, default=1e-7,
                       help="absolute tolerance, times max(1, |f|) (default: 1e-7)")
    check.set_defaults(run=cmd_check)
    for p in (show, check):
        p.add_argument("--no-optimize", action="store_true",
                       help="leave out the optimizing pass (the plain adjoint)")
    for p in (parser, show, check):
        p._negative_number_matcher = _NEGATIVE  # so `check f.py:g -1e-3` reads a value
    return parser


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] not in COMMANDS and not argv[0].startswith("-"):
        argv.insert(0, "show")
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_usage(sys.stderr)
        print("pullback: error: give a command (show, check) or FILE.py:FUNC", file=sys.stderr)
        return EXIT_ERROR
    try:
        return args.run(args)
    except CLIError as exc:
        print(f"pullback: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
