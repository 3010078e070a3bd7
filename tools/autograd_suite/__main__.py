"""python -m tools.autograd_suite AUTOGRAD_TESTS_DIR [--numpy] [-v]"""

from __future__ import annotations

import argparse
import collections
import importlib
import os
import sys
import types
import warnings

import numpy as np

from . import check


def _numpy_as_autograd() -> None:
    """`autograd.numpy` (and its random, linalg, fft) as modules that re-export NumPy."""
    for name, source in (("autograd.numpy", np), ("autograd.numpy.random", np.random),
                         ("autograd.numpy.linalg", np.linalg), ("autograd.numpy.fft", np.fft)):
        module = types.ModuleType(name)
        module.__dict__.update({k: v for k, v in vars(source).items() if not k.startswith("__")})
        module.__getattr__ = lambda attr, source=source: getattr(source, attr)
        sys.modules[name] = module
    import autograd
    autograd.numpy = sys.modules["autograd.numpy"]
    sys.modules["autograd.numpy"].random = sys.modules["autograd.numpy.random"]
    sys.modules["autograd.numpy"].linalg = sys.modules["autograd.numpy.linalg"]
    sys.modules["autograd.numpy"].fft = sys.modules["autograd.numpy.fft"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.autograd_suite")
    parser.add_argument("tests", help="autograd's tests directory")
    parser.add_argument("--numpy", action="store_true",
                        help="read autograd.numpy as NumPy itself")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every refusal")
    opts = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    import autograd
    import autograd.test_util

    import pullback
    if opts.numpy:
        _numpy_as_autograd()
    for name in ("check_grads", "combo_check", "scalar_close", "check_equivalent"):
        setattr(autograd.test_util, name, getattr(check, name))
    autograd.grad = lambda fun, argnum=0: pullback.grad(fun, wrt=argnum)
    autograd.value_and_grad = lambda fun, argnum=0: pullback.value_and_grad(fun, wrt=argnum)
    sys.path.insert(0, os.path.abspath(opts.tests))
    tests = collections.Counter()
    for path in sorted(os.listdir(opts.tests)):
        if not (path.startswith("test_") and path.endswith(".py")):
            continue
        try:
            module = importlib.import_module(path[:-3])
        except Exception as e:  # noqa: BLE001 (needs autograd's internals)
            print(f"# {path}: not imported ({type(e).__name__}: {e})")
            continue
        for name, test in sorted(vars(module).items()):
            if not name.startswith("test_") or not callable(test):
                continue
            check.CURRENT[0] = f"{path[:-3]}.{name}"
            np.random.seed(1)
            try:
                test()
                tests["ran"] += 1
            except KeyboardInterrupt:
                raise
            except BaseException as e:  # noqa: BLE001 (the test's own assertion or error)
                tests["stopped"] += 1
                check.record("test stopped", f"{type(e).__name__}: {e}"[:160])
    outcomes = collections.Counter(outcome for _, outcome, _ in check.RESULTS)
    print(f"checks: {dict(outcomes)}\ntests: {dict(tests)}")
    for test, outcome, detail in check.RESULTS:
        if outcome in ("wrong", "crash") or opts.verbose and outcome != "correct":
            print(f"{outcome:8} {test}: {detail}")
    return 1 if outcomes["wrong"] or outcomes["crash"] else 0


if __name__ == "__main__":
    sys.exit(main())
