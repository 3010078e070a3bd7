"""python -m tools.scipy_go_suite GO_BENCHMARK_FUNCTIONS_DIR [NAME ...] [--second]
[--autograd] [--seed N] [-v]"""

from __future__ import annotations

import argparse
import contextlib
import importlib.abc
import importlib.util
import inspect
import os
import re
import sys
import types
import warnings
import zlib

import numpy as np

import pullback

from ..outside import Report, attempt, close, differences, judge

_AS_AUTOGRAD = re.compile(rb"^(\s*)(from numpy import|import numpy as np\b)", re.MULTILINE)


def _as_autograd(source: bytes) -> bytes:
    """`from numpy import ...` and `import numpy as np` read as autograd.numpy."""
    return _AS_AUTOGRAD.sub(
        lambda m: m.group(1) + m.group(2).replace(b"numpy", b"autograd.numpy"), source)


class _Loader(importlib.abc.SourceLoader):
    """A module of the folder, its source rewritten or not (never from a cached .pyc: a
    SourceLoader without path_stats compiles the source it is given)."""

    def __init__(self, path: str, rewrite):
        self.path, self.rewrite = path, rewrite

    def get_filename(self, fullname):
        return self.path

    def get_data(self, path):
        with open(path, "rb") as source:
            data = source.read()
        return self.rewrite(data) if self.rewrite else data


class _Finder(importlib.abc.MetaPathFinder):
    """PACKAGE.go_benchmark_functions[.module] from the folder given."""

    def __init__(self, package: str, folder: str, rewrite):
        self.prefix = package + ".go_benchmark_functions"
        self.folder, self.rewrite = folder, rewrite

    def find_spec(self, fullname, path=None, target=None):
        if fullname == self.prefix:
            file, search = os.path.join(self.folder, "__init__.py"), [self.folder]
        elif fullname.startswith(self.prefix + ".") and fullname.count(".") == 2:
            file, search = os.path.join(self.folder, fullname.rsplit(".", 1)[1] + ".py"), None
        else:
            return None
        if not os.path.exists(file):
            return None
        return importlib.util.spec_from_file_location(
            fullname, file, loader=_Loader(file, self.rewrite), submodule_search_locations=search)


@contextlib.contextmanager
def _safe_import():
    """The benchmarks' common.safe_import: imports inside it that fail are skipped."""
    try:
        yield
    except ImportError:
        pass


def load(folder: str, package: str, rewrite=None) -> types.ModuleType:
    """The folder as PACKAGE.go_benchmark_functions, beside a stand-in PACKAGE.common."""
    root = types.ModuleType(package)
    root.__path__ = []
    common = types.ModuleType(package + ".common")
    common.safe_import = _safe_import
    for name in [name for name in sys.modules if name.split(".")[0] == package]:
        del sys.modules[name]  # a folder loaded before under this name
    sys.modules[package], sys.modules[package + ".common"] = root, common
    finder = _Finder(package, os.path.abspath(folder), rewrite)
    sys.meta_path.insert(0, finder)
    try:
        return importlib.import_module(package + ".go_benchmark_functions")
    finally:
        sys.meta_path.remove(finder)


def objectives(module) -> list:
    base = importlib.import_module(module.__name__ + ".go_benchmark").Benchmark
    return sorted((c for _, c in inspect.getmembers(module, inspect.isclass)
                   if issubclass(c, base) and c is not base), key=lambda c: c.__name__)


def check(cls, rng, report: Report, second: Report | None, autograd_module, compare: Report):
    """The checks of one objective (see the package docstring)."""
    name = cls.__name__
    try:
        obj = cls()
        bounds = np.asarray(obj.bounds, float)
        x = bounds[:, 0] + (bounds[:, 1] - bounds[:, 0]) * rng.uniform(0.2, 0.8, len(bounds))
        value = float(obj.fun(x.copy()))
    except Exception as error:  # noqa: BLE001 (the objective itself fails: not pullback's)
        return report.add(name, "skipped", f"the objective fails: {error!r}"[:160])
    # A direction scaled to the point, so that the difference steps are relative to it.
    v = rng.standard_normal(len(x)) * np.maximum(np.abs(x), 1e-3)
    before = obj.nfev
    gradient = attempt(report, name, lambda: pullback.grad(obj.fun)(x.copy()))
    if gradient is None:
        return None
    moved = obj.nfev - before
    exact = float(np.dot(np.asarray(gradient, float), v))
    if float(obj.fun(x.copy())) != value:
        return report.add(name, "random", "two values at the same point: it draws random "
                                          "numbers")
    if autograd_module is not None:
        _compare_autograd(getattr(autograd_module, name)(), x, v, exact, compare)
    outcome, detail = judge(exact, differences(obj.fun, x, v))
    if outcome == "correct" and moved != 1:
        outcome, detail = "state", f"obj.nfev moved by {moved} in one gradient, not 1"
    report.add(name, outcome, detail)
    if second is None or outcome != "correct":
        return None
    before = obj.nfev
    hessian = attempt(second, name, lambda: pullback.hessian(obj.fun)(x.copy()))
    if hessian is None:
        return None
    moved = obj.nfev - before
    grad = pullback.grad(obj.fun)
    outcome, detail = judge(np.asarray(hessian, float) @ v, differences(grad, x, v))
    if outcome == "correct" and not close(hessian, np.transpose(hessian), 1e-8):
        outcome, detail = "wrong", "the Hessian is not symmetric"
    if outcome == "correct" and moved != 1:
        outcome, detail = "state", f"obj.nfev moved by {moved} in one Hessian, not 1"
    return second.add(name, outcome, detail)


def _compare_autograd(obj, x, v, exact: float, compare: Report) -> None:
    import autograd

    name = type(obj).__name__
    try:
        theirs = float(np.dot(np.asarray(autograd.grad(obj.fun)(x.copy()), float), v))
    except Exception as error:  # noqa: BLE001 (autograd's failure, shown apart)
        compare.add(name, "autograd fails", f"{type(error).__name__}: {error}"[:160])
        return
    if np.isclose(theirs, exact, rtol=1e-7, atol=1e-9) or np.isnan(theirs) and np.isnan(exact):
        compare.add(name, "agrees")
    else:
        compare.add(name, "differs", f"autograd {theirs:.10g}, pullback {exact:.10g}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.scipy_go_suite")
    parser.add_argument("folder", help="scipy/benchmarks/benchmarks/go_benchmark_functions")
    parser.add_argument("names", nargs="*", help="only these objectives (class names)")
    parser.add_argument("--second", action="store_true", help="check Hessians as well")
    parser.add_argument("--autograd", action="store_true",
                        help="compare with autograd (the module read with autograd.numpy)")
    parser.add_argument("--seed", type=int, default=0, help="of the points and directions")
    parser.add_argument("-v", "--verbose", action="store_true", help="show correct rows too")
    opts = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    module = load(opts.folder, "pullback_go_suite")
    autograd_module = None
    if opts.autograd:
        autograd_module = load(opts.folder, "pullback_go_suite_autograd", _as_autograd)
    report = Report("gradients")
    second = Report("Hessians") if opts.second else None
    compare = Report("pullback against autograd (objectives that draw no random numbers)",
                     quiet="agrees")
    for cls in objectives(module):
        if not opts.names or cls.__name__ in opts.names:
            # A generator per objective: the same point whichever objectives are run.
            rng = np.random.default_rng([opts.seed, zlib.crc32(cls.__name__.encode())])
            check(cls, rng, report, second, autograd_module, compare)
    for table in (report, second, compare if opts.autograd else None):
        if table is not None:
            table.show(opts.verbose)
    return 1 if report.failed() or second is not None and second.failed() else 0


if __name__ == "__main__":
    sys.exit(main())
