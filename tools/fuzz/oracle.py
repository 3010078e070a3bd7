"""The oracle: runs one program and judges pullback's gradient of it.

Each program is written to a temporary module (pullback reads source with
`inspect.getsource`), transformed with `pullback.grad` and
`pullback.value_and_grad`, and judged at a few points:

* the gradient against central finite differences (float64, two step sizes);
* `value_and_grad`'s value against calling `f`, its gradient against `grad`'s;
* the gradient's structure and types (a float per float argument, a float
  array of the argument's shape per array argument);
* the arguments are bit-for-bit unchanged afterwards.

Guarantees: a point is failed only when one of those checks fails or pullback
raises something that is not a `PullbackError`; it is never failed where finite
differences are not a fair judge -- an instrumented copy of the program records
every decision that could make `f` non-smooth (each comparison, each kink of
`abs`, `max`, `np.maximum`, ...) and a point is *skipped* when any decision
changes within the step, or when the differences at the two steps disagree.
A point where the program itself fails is *invalid* (a generator problem).

In open-world mode (`open_world=True`) only two outcomes are accepted: correct,
or refused with a located error (a `pullback.PullbackError` whose message names
the program's file and a line). An unlocated refusal, any other exception, and
a number returned where `f` raises or returns a non-number are failures.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import itertools
import linecache
import math
import os
import random
import re
import signal
import tempfile
import threading
import traceback
import warnings
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from pullback import grad, value_and_grad
from pullback.errors import LocatedError, PullbackError

from .generator import Program


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
            if np.iscomplexobj(args[0]):  # |z| is smooth away from 0
                trace.append(_token(np.asarray(args[0]) == 0))
            else:
                trace.append(_token(np.sign(args[0])))
        elif name in ("max", "min"):
            if len(args) == 2:
                trace.append(_token(np.asarray(args[0]) >= np.asarray(args[1])))
            elif len(args) == 1 and isinstance(args[0], (list, tuple, np.ndarray)):
                pick = np.argmax if name == "max" else np.argmin
                trace.append(_token(pick(np.asarray(args[0]))))
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

    run.namespace = namespace
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


_WHERE = re.compile(r'File "([^"]+)", line \d+')


def located_in(exc: BaseException, path: str) -> bool:
    """Whether exc is a PullbackError whose message names the file `path` and a line."""
    return isinstance(exc, PullbackError) and any(
        m.group(1) == path for m in _WHERE.finditer(str(exc)))


def _numeric(exc: BaseException) -> bool:
    """Whether f failed only because a number went out of range (a generator problem),
    not because of what its code does (an open-world program may fail on purpose)."""
    return isinstance(exc, (ArithmeticError, Warning)) or (
        isinstance(exc, ValueError) and "math domain" in str(exc))


def _refusal(exc, path, open_world, args, wrt, when=""):
    """A PullbackError's verdict: refused, or (open world) failed if not located."""
    if not open_world or located_in(exc, path):
        return PointResult("refused", message=when + refusal_text(exc))
    return PointResult("fail", Failure(
        "unlocated-refusal", f"{type(exc).__name__} names no line of the program: "
                             f"{str(exc).splitlines()[0]}", args, wrt,
        exc_type=_exc_key(exc)))


def refusal_text(exc: BaseException) -> str:
    """A refusal message with names and the location left out, for counting."""
    text = exc.message if isinstance(exc, LocatedError) else str(exc).split("\n")[0]
    return re.sub(r"\b[a-z_]+\d+\b", "…", re.sub(r"'[^']*'", "'…'", text))


def check_point(f, run, gf, vg, names, args, wrt, rtol=1e-4, atol=1e-6,
                open_world=False, path=None) -> PointResult:
    """Judge pullback's gradient of f at one point (f, run, gf, vg already built).
    `path` is the program's file, which an open-world refusal must name."""
    positions, single = _wrt_positions(names, wrt)
    # 1. the program itself: a valid, tame value here?
    f_error = None
    try:
        with np.errstate(all="raise", under="ignore"), warnings.catch_warnings():
            warnings.simplefilter("error")
            # math casts a NumPy complex scalar to its real part: f has a value, which
            # pullback must differentiate or refuse
            warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
            base, decisions = run(*_copy_args(args))
            base = _scalar_value(base)
    except Timeout:
        raise
    except Exception as exc:  # noqa: BLE001 - the program failed: not pullback's fault
        if not open_world or _numeric(exc):
            return PointResult("invalid", message=f"{type(exc).__name__}: {exc}")
        f_error = exc  # an open-world program that fails here: pullback must refuse
    # 2. pullback's gradient and value, and the arguments afterwards
    before = _copy_args(args)
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = gf(*args)
            value, got2 = vg(*args)
    except PullbackError as exc:
        return _refusal(exc, path, open_world, args, wrt, "(at run time) ")
    except Timeout:
        return PointResult("fail", Failure("timeout", "the gradient did not finish", args, wrt,
                                           exc_type="Timeout"))
    except Exception as exc:  # noqa: BLE001 - any other exception is a bug
        if f_error is not None and type(exc) is type(f_error) and str(exc) == str(f_error):
            # the gradient fails where f fails, with f's own error: what f's caller expects
            return PointResult("refused", message=f"(f's own error) {type(exc).__name__}")
        if f_error is None:
            tb = traceback.format_exc(limit=-3)
            return PointResult("fail", Failure("crash", f"{type(exc).__name__}: {exc}\n{tb}",
                                               args, wrt, exc_type=_exc_key(exc)))
        tb = traceback.format_exc(limit=-2)
        return PointResult("fail", Failure(
            "unclear-error", f"f raises {type(f_error).__name__}: {f_error}; the gradient "
                             f"raised {type(exc).__name__}: {exc}, not a located "
                             f"PullbackError\n{tb}", args, wrt, exc_type=_exc_key(exc)))
    if f_error is not None:
        return PointResult("fail", Failure(
            "number-where-f-raises", f"f raises {type(f_error).__name__}: {f_error}; the "
                                     "gradient returned a result", args, wrt, got,
            f"{type(f_error).__name__}: {f_error}", exc_type=type(f_error).__name__))

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
                            warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
                            val, dec = run(*moved)
                            val = _scalar_value(val)
                    except Timeout:
                        raise
                    except Exception as exc:  # noqa: BLE001
                        if open_world and not _numeric(exc):  # f fails nearby: a threshold
                            return PointResult("kink", message=f"f raises near the point: "
                                                               f"{type(exc).__name__}")
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
    from pullback import api

    cache = getattr(api, "_CACHE", None)
    if isinstance(cache, dict):
        for key in [k for k in cache if isinstance(k, tuple) and k
                    and getattr(k[0], "co_filename", None) == path]:
            del cache[key]
    for name in [n for n in linecache.cache if n.startswith("<pullback ")]:
        del linecache.cache[name]


def build(f, path: str, src: str, wrt):
    """Transform the loaded program: (run, gf, vg). Raises what pullback raises."""
    try:
        run = instrumented(src)
        gf = grad(f, wrt=wrt)
        vg = value_and_grad(f, wrt=wrt)
    finally:
        linecache.cache.pop(path, None)
    return run, gf, vg


def check_source(work: Workdir, src: str, names, wrt, points, time_limit=20.0,
                 open_world=False) -> Outcome:
    """Transform the program in src and judge it at each of `points`. In open-world
    mode, a module-level `REBIND()` in the program is called (in the program and in
    its instrumented copy) after the gradient was first run at the first point."""
    counts = Counter()
    path = None
    try:
        with deadline(time_limit), warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            try:
                f, path = work.load(src)
            except Exception as exc:  # noqa: BLE001 - the module itself does not run
                return Outcome("invalid", f"{type(exc).__name__}: {exc}")
            try:
                run, gf, vg = build(f, path, src, wrt)
            except PullbackError as exc:
                res = _refusal(exc, path, open_world, points[0], wrt)
                if res.status == "fail":
                    return Outcome("failed", failure=res.failure)
                return Outcome("refused", res.message)
            except Timeout:
                raise
            except Exception as exc:  # noqa: BLE001 - pullback crashed while transforming
                tb = traceback.format_exc(limit=-4)
                return Outcome("failed", failure=Failure(
                    "transform-crash", f"{type(exc).__name__}: {exc}\n{tb}", points[0], wrt,
                    exc_type=_exc_key(exc)))
            refused = ""
            rebind = f.__globals__.get("REBIND") if open_world else None
            if rebind is not None:  # judged once before and then after rebinding
                points = [points[0], *points]
            for n, args in enumerate(points):
                if rebind is not None and n == 1:
                    try:
                        rebind()
                        run.namespace["REBIND"]()
                    except Exception as exc:  # noqa: BLE001 - a broken program
                        return Outcome("invalid", f"REBIND raised {exc!r}", points=counts)
                res = check_point(f, run, gf, vg, names, args, wrt, open_world=open_world,
                                  path=path)
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
    """Judge a generated program; an open-world one (it has categories) strictly."""
    rng = random.Random(f"pullback-fuzz-points:{prog.seed}:{prog.index}")
    points = [prog.sample_args(rng) for _ in range(n_points)]
    names = [p.name for p in prog.params]
    return check_source(work, prog.source, names, prog.wrt, points,
                        open_world=bool(prog.categories))
