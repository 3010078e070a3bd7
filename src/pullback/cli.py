"""Command line: `pullback FILE.py:FUNC [--wrt x,y]` prints the generated gradient.

A minimal printer; it loads FILE as a module (or imports a dotted module path)
and prints `pullback.source` of FUNC. Exit status 1 with a one-line message for
a missing file or function and for code pullback cannot differentiate.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import os
import sys

from .api import source
from .errors import PullbackError


def _load(target: str):
    path, sep, func_name = target.rpartition(":")
    if not sep or not path or not func_name:
        raise SystemExit(f"pullback: expected FILE.py:FUNC or module:FUNC, got {target!r}")
    if path.endswith(".py") or os.sep in path:
        if not os.path.exists(path):
            raise SystemExit(f"pullback: no such file: {path}")
        name = "_pullback_user_" + os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
        spec.loader.exec_module(module)
    else:
        module = importlib.import_module(path)
    func = getattr(module, func_name, None)
    if func is None:
        raise SystemExit(f"pullback: {path} has no function {func_name!r}")
    return func


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="pullback", description=__doc__.splitlines()[0])
    parser.add_argument("target", help="FILE.py:FUNC or package.module:FUNC")
    parser.add_argument("--wrt", help="comma-separated parameter names (default: all)")
    args = parser.parse_args(argv)
    func = _load(args.target)
    params = list(inspect.signature(func).parameters)
    wrt = tuple(args.wrt.split(",")) if args.wrt else tuple(params)
    try:
        print(source(func, wrt=wrt if len(wrt) > 1 else wrt[0]), end="")
    except PullbackError as exc:
        print(f"pullback: {exc}", file=sys.stderr)
        return 1
    return 0
