"""python -m tools.cs231n_suite CHECKOUT [CHECKOUT ...] [-v]"""

from __future__ import annotations

import argparse
import glob
import hashlib
import importlib.util
import os
import sys
import types
import warnings

import numpy as np

import pullback

from ..outside import Report, attempt, differences, judge
from . import cases
from .cases import CASES

FILES = ("linear_svm", "softmax", "layers", "rnn_layers")


def _python2_names() -> None:
    """Older solutions import xrange from the `future` package: give them range."""
    if "past.builtins" not in sys.modules:
        past, builtins = types.ModuleType("past"), types.ModuleType("past.builtins")
        builtins.xrange = range
        past.builtins = builtins
        sys.modules.setdefault("past", past)
        sys.modules["past.builtins"] = builtins


def sources(checkout: str) -> dict:
    """{file stem: [(label, path)]}: each distinct text of the assignment files once."""
    found, seen = {}, set()
    for stem in FILES:
        for path in sorted(glob.glob(os.path.join(checkout, "**", stem + ".py"), recursive=True)
                           + glob.glob(os.path.join(checkout, f"*_{stem}.py"))):
            with open(path, "rb") as handle:
                digest = hashlib.sha1(handle.read()).hexdigest()
            if digest not in seen:
                seen.add(digest)
                label = f"{os.path.basename(os.path.normpath(checkout))}/" \
                        f"{os.path.relpath(path, checkout)}"
                found.setdefault(stem, []).append((label, path))
    return found


def load(path: str, tag: str):
    name = "cs231n_suite_" + hashlib.sha1(tag.encode()).hexdigest()[:12]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def check(report: Report, name: str, objective, args: tuple, wrt: tuple) -> None:
    """grad, jvp and hvp of objective(*args) in args[wrt] along a random direction."""
    rng = np.random.default_rng(7)
    direction = tuple(rng.standard_normal(np.shape(args[i])) for i in wrt)
    where = tuple(wrt)

    def along(step):
        moved = list(args)
        for i, d in zip(wrt, direction):
            moved[i] = args[i] + step * d
        return moved

    estimates = differences(lambda t: objective(*along(t)), 0.0, 1.0)
    full = tuple(args)
    gradient = attempt(report, f"{name} grad",
                       lambda: pullback.grad(objective, wrt=where)(*full))
    if gradient is not None:
        report.add(f"{name} grad", *judge(sum(float(np.sum(g * d))
                                              for g, d in zip(gradient, direction)), estimates))
    tangent = attempt(report, f"{name} jvp",
                      lambda: pullback.jvp(objective, wrt=where)(*full, direction)[1])
    if tangent is not None:
        report.add(f"{name} jvp", *judge(tangent, estimates))
    product = attempt(report, f"{name} hvp",
                      lambda: pullback.hvp(objective, wrt=where)(*full, direction))
    if product is not None and gradient is not None:
        flat = lambda t: np.concatenate([np.ravel(g) for g in pullback.grad(  # noqa: E731
            objective, wrt=where)(*along(t))])
        report.add(f"{name} hvp", *judge(np.concatenate([np.ravel(p) for p in product]),
                                         differences(flat, 0.0, 1.0)))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.cs231n_suite")
    parser.add_argument("checkouts", nargs="+", help="checkouts of CS231n solution repositories")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every check")
    opts = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    _python2_names()
    report = Report("CS231n solutions through pullback")
    skipped = 0
    for checkout in opts.checkouts:
        for stem, files in sources(checkout).items():
            for label, path in files:
                module = attempt(report, f"{label} import", lambda p=path, t=label: load(p, t))
                if module is None:
                    continue
                for file, function, objective, make_args, wrt in CASES:
                    forward = getattr(module, function, None) if file == stem else None
                    if forward is None:
                        continue
                    objectives = load(cases.__file__, f"{label}:{function}:objectives")
                    objectives.forward = forward  # called directly, as their models call it
                    objective = getattr(objectives, objective.__name__)
                    args = make_args(np.random.default_rng(0))
                    try:  # the assignment's skeleton, not yet written, returns None
                        value = float(objective(*args))
                    except Exception:  # noqa: BLE001 (any failure of theirs: not written)
                        value = float("nan")
                    if not np.isfinite(value):
                        skipped += 1
                        continue
                    check(report, f"{label}:{function}", objective, args, wrt)
    report.show(opts.verbose)
    print(f"checks: {dict(report.counts())}; {skipped} functions skipped (not written, "
          "or failing when run as they are)")
    return 1 if report.failed() else 0


if __name__ == "__main__":
    sys.exit(main())
