"""python -m tools.tangent_suite TANGENT_FUNCTIONS_PY [NAME ...] [--short] [-v]"""

from __future__ import annotations

import argparse
import collections
import copy
import importlib.util
import inspect
import itertools
import sys
import warnings
import zlib

import numpy as np

import pullback

from ..outside import Report, close, describe, differences, judge
from . import stub_tangent

SCALARS = (-2.0, -1.5, -1.0, -0.5, -0.1, 0.1, 0.5, 1.0, 1.5, 2.0)
MODES = ("grad", "jvp", "hvp", "rev-rev")
# Parameters only tangent's TensorFlow tests fill.
TENSORFLOW = {"t", "t1", "t2", "s", "timage", "timage1", "timage2", "tkernel", "mat1",
              "mat2", "conv2dstrides", "pool2dsizes"}
MAX_CASES = 40  # per function: every k-th combination of the argument values beyond this
# Worst first: a function's outcome in a mode is the worst of its cases'.
ORDER = ("crash", "wrong", "refused", "nan", "unsettled", "kink", "skipped", "correct")


def _values(name: str, rng, short: bool):
    """The values tangent's conftest gives a parameter of this name, or None."""
    if name in ("a", "b", "c"):
        return (2.0,) if short else SCALARS
    if name in ("n", "i"):
        return (1,) if short else (1, 2, 3) if name == "n" else (0, 1, 2)
    if name == "x":
        return [rng.standard_normal(n) for n in ((3,) if short else (3, 5, 10))]
    if name == "sqm":
        return [rng.standard_normal(s) for s in (((3, 3),) if short else ((1, 1), (5, 5)))]
    if name.startswith("boolean"):
        return (True, False)
    return None


def _special(name: str, rng):
    """The arguments of tangent's tests written for one function (test_reverse_mode.py)."""
    triples = [(-1.5, 0.5, 2.0), (0.1, -1.0, 1.5)]
    if name == "logistic_regression":
        label = np.zeros(5)
        label[1] = 1
        return [(rng.random(3), label, rng.standard_normal((3, 5)), rng.standard_normal(5))]
    if name == "rnn":
        return [(rng.standard_normal((3, 2)), rng.standard_normal((2, 3)))]
    if name == "bilinear":
        return [tuple(rng.standard_normal(s) for s in ((1, 3), (1, 3), (3, 3), (3, 3), (1, 3)))]
    if name == "dict_saxpy":
        return [(dict(a=a, b=b, c=c),) for a, b, c in triples]
    if name in ("unpacking_args_saxpy", "dict_wrapper", "passthru_unpack"):
        return [(t,) for t in triples]
    if name == "listcomp":  # (tangent leaves it out: it iterates its `a`, given a number)
        return [(rng.standard_normal(n),) for n in (3, 5)]
    if name == "nested_dict":
        return [(dict(i=dict(j=3.0, k=4.0)),)]
    return None


def cases(func, rng, short: bool):
    """(argument tuples, None) or (None, why the function is skipped)."""
    special = _special(func.__name__, rng)
    if special is not None:
        return special, None
    names = list(inspect.signature(func).parameters)
    if TENSORFLOW & set(names):
        return None, "TensorFlow only"
    values = [_values(name, rng, short) for name in names]
    unknown = [name for name, v in zip(names, values) if v is None]
    if unknown:
        return None, f"no test gives {', '.join(unknown)}"
    combos = list(itertools.product(*values))
    step = -(-len(combos) // MAX_CASES)
    return combos[::step], None


# ------------------------------------------------------------------- trees of floats

def _map(f, tree):
    if isinstance(tree, (list, tuple)):
        return type(tree)(_map(f, part) for part in tree)
    if isinstance(tree, dict):
        return {k: _map(f, v) for k, v in tree.items()}
    return f(tree)


def _leaves(tree) -> list:
    if isinstance(tree, (list, tuple)):
        return [leaf for part in tree for leaf in _leaves(part)]
    if isinstance(tree, dict):
        return [leaf for v in tree.values() for leaf in _leaves(v)]
    return [tree]


def _floating(leaf) -> bool:
    return (isinstance(leaf, (float, np.floating))
            or isinstance(leaf, np.ndarray) and leaf.dtype.kind == "f")


def flat(tree) -> np.ndarray:
    parts = [np.ravel(np.asarray(leaf, float)) for leaf in _leaves(tree)]
    return np.concatenate(parts) if parts else np.zeros(0)


def rebuild(tree, z):
    """`tree` with its leaves read from the flat vector z (in _leaves' order)."""
    at = [0]

    def take(leaf):
        size = np.size(leaf)
        part, at[0] = z[at[0]:at[0] + size], at[0] + size
        return float(part[0]) if np.ndim(leaf) == 0 else part.reshape(np.shape(leaf)).copy()

    return _map(take, tree)


class Case:
    """One call: the arguments, which of them are differentiated, a direction and a seed."""

    def __init__(self, func, args, rng):
        self.func, self.args = func, args
        self.positions = [i for i, arg in enumerate(args)
                          if _leaves(arg) and all(_floating(leaf) for leaf in _leaves(arg))]
        self.wrt = self.positions[0] if len(self.positions) == 1 else tuple(self.positions)
        self.point = flat([args[i] for i in self.positions])
        self.direction = rng.standard_normal(self.point.size)
        self.value = func(*copy.deepcopy(args))
        self.seed = _map(lambda leaf: float(rng.standard_normal()) if np.ndim(leaf) == 0
                         else rng.standard_normal(np.shape(leaf)), self.value)
        self.scalar = np.ndim(self.value) == 0 and _floating(self.value)
        self.seed_of_gradient = rng.standard_normal(self.point.size)

    def at(self, z) -> list:
        """Fresh copies of the arguments, the differentiated ones read from z."""
        args = copy.deepcopy(list(self.args))
        parts = rebuild([args[i] for i in self.positions], z)
        for i, part in zip(self.positions, parts):
            args[i] = part
        return args

    def as_wrt(self, z):
        parts = rebuild([self.args[i] for i in self.positions], z)
        return parts[0] if len(parts) == 1 else tuple(parts)

    def check(self, mode: str):
        """(outcome, detail) of pullback in this mode."""
        f, v = self.func, self.direction
        try:
            if mode == "grad" and self.scalar:
                exact = float(flat(pullback.grad(f, wrt=self.wrt)(*self.at(self.point))) @ v
                              * float(self.seed))
            elif mode == "grad":
                exact = float(flat(pullback.vjp(f, wrt=self.wrt)(
                    *self.at(self.point), self.seed)) @ v)
            elif mode == "jvp":
                exact = flat(pullback.jvp(f, wrt=self.wrt)(
                    *self.at(self.point), self.as_wrt(v))[1])
            elif mode == "hvp":
                exact = flat(pullback.hvp(f, wrt=self.wrt)(*self.at(self.point),
                                                           self.as_wrt(v)))
            else:  # reverse over reverse: the vjp of pullback's gradient, seeded with u
                u = self.seed_of_gradient
                exact = float(flat(pullback.vjp(pullback.grad(f, wrt=self.wrt), wrt=self.wrt)(
                    *self.at(self.point), self.as_wrt(u))) @ v)
        except Exception as error:  # noqa: BLE001 (every failure is counted and shown)
            return describe(error)
        if mode == "grad":
            seed = flat(self.seed)

            def along(z):
                return float(flat(f(*self.at(z))) @ seed)
        elif mode == "jvp":
            def along(z):
                return flat(f(*self.at(z)))
        elif mode == "hvp":
            gradient = pullback.grad(f, wrt=self.wrt)

            def along(z):
                return flat(gradient(*self.at(z)))
        else:
            gradient, u = pullback.grad(f, wrt=self.wrt), self.seed_of_gradient

            def along(z):
                return float(flat(gradient(*self.at(z))) @ u)
        outcome, detail = judge(exact, differences(along, self.point, v))
        if outcome == "wrong" and kink(along, self.point, v, exact):
            return "kink", detail
        return outcome, detail


def kink(along, point, v, exact, h=1e-6) -> bool:
    """Whether the point is a kink along v (the one-sided differences disagree: branches
    meet there, as `a * a if a > b else a * b` at a == b) and pullback's number is one of
    them: the derivative of the branch taken, which central differences average."""
    middle = along(point)
    right = (along(point + h * v) - middle) / h
    left = (middle - along(point - h * v)) / h
    return not close(left, right, 1e-4) and (close(exact, left, 1e-4)
                                              or close(exact, right, 1e-4))


def check_function(func, rng, short: bool) -> dict:
    """{mode: [(case label, outcome, detail)]} of one function."""
    arguments, why = cases(func, rng, short)
    if arguments is None:
        return {mode: [("", "skipped", why)] for mode in MODES}
    rows = collections.defaultdict(list)
    for args in arguments:
        label = ", ".join(_show(a) for a in args)
        try:
            case = Case(func, args, rng)
        except Exception as error:  # noqa: BLE001 (the function itself fails: not pullback's)
            for mode in MODES:
                rows[mode].append((label, "skipped", f"f fails: {error!r}"[:120]))
            continue
        if not case.positions:
            for mode in MODES:
                rows[mode].append((label, "skipped", "no floating argument"))
            continue
        grad_outcome = None
        for mode in MODES:
            if mode in ("hvp", "rev-rev") and not case.scalar:
                rows[mode].append((label, "skipped", "not a scalar output"))
                continue
            if mode in ("hvp", "rev-rev") and grad_outcome != "correct":
                rows[mode].append((label, "skipped", "no correct gradient to compare with"))
                continue
            outcome, detail = case.check(mode)
            grad_outcome = outcome if mode == "grad" else grad_outcome
            rows[mode].append((label, outcome, detail))
    return rows


def _show(value) -> str:
    if isinstance(value, np.ndarray):
        return f"array{value.shape}"
    if isinstance(value, (tuple, list, dict)):
        return type(value).__name__
    return repr(value)


def load(path: str):
    """tangent's functions.py, importing the stand-in for tangent and no TensorFlow."""
    sys.modules["tangent"] = stub_tangent
    sys.modules.setdefault("tensorflow", None)  # `import tensorflow` raises ImportError
    spec = importlib.util.spec_from_file_location("tangent_functions", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def functions(module) -> list:
    return [f for f in vars(module).values()
            if inspect.isfunction(f) and f.__module__ == module.__name__]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.tangent_suite")
    parser.add_argument("functions", help="tangent's tests/functions.py")
    parser.add_argument("names", nargs="*", help="only these functions")
    parser.add_argument("--short", action="store_true", help="one value per parameter")
    parser.add_argument("-v", "--verbose", action="store_true", help="show correct rows too")
    opts = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    module = load(opts.functions)
    reports = {mode: Report(f"{mode} (functions)") for mode in MODES}
    per_case = {mode: collections.Counter() for mode in MODES}
    for func in functions(module):
        if opts.names and func.__name__ not in opts.names:
            continue
        rng = np.random.default_rng(zlib.crc32(func.__name__.encode()))
        for mode, rows in check_function(func, rng, opts.short).items():
            per_case[mode].update(outcome for _, outcome, _ in rows)
            worst = min((outcome for _, outcome, _ in rows), key=ORDER.index)
            label, _, detail = next(row for row in rows if row[1] == worst)
            count = sum(outcome == worst for _, outcome, _ in rows)
            where = f"{count}/{len(rows)} cases" + (f", first ({label})" if label else "")
            reports[mode].add(func.__name__, worst,
                              f"{where}: {detail}" if worst != "correct" else where)
    for mode in MODES:
        reports[mode].show(opts.verbose)
        print(f"{mode} (cases): " + ", ".join(
            f"{n} {outcome}" for outcome, n in per_case[mode].most_common()))
    return 1 if any(report.failed() for report in reports.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
