"""python -m tools.autograd_examples AUTOGRAD_EXAMPLES_DIR [--numpy] [-v]"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
import warnings

import numpy as np

import pullback

from ..outside import Report, attempt, differences, judge
from .cases import CASES

MODES = ("grad", "jvp", "hvp")

# A flatten as a project porting autograd code writes it (differentiated from its source).
FLATTEN = """import numpy as np


def _leaves(value):
    if isinstance(value, dict):
        return [leaf for k in sorted(value) for leaf in _leaves(value[k])]
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def flatten(value):
    return np.concatenate([np.ravel(leaf) for leaf in _leaves(value)]), None


flatten_func = None
"""

# The stand-in package of --numpy: autograd's names for NumPy and SciPy.
SHIM = {
    "__init__.py": "",
    "numpy/__init__.py": "from numpy import *  # noqa\nfrom numpy import random, linalg, fft"
                         "  # noqa\n",
    "numpy/random.py": "from numpy.random import *  # noqa\n",
    "numpy/linalg.py": "from numpy.linalg import *  # noqa\n",
    "numpy/fft.py": "from numpy.fft import *  # noqa\n",
    "scipy/__init__.py": "",
    "scipy/special.py": "from scipy.special import *  # noqa\n",
    "scipy/signal.py": "from scipy.signal import *  # noqa\n",
    "scipy/integrate.py": "from scipy.integrate import odeint  # noqa\n",
    "scipy/stats/__init__.py": "from scipy.stats import norm, t, multivariate_normal, beta, "
                               "gamma, poisson, dirichlet, chi2  # noqa\n",
    "scipy/stats/multivariate_normal.py": "from scipy.stats import multivariate_normal as _m"
                                          "\nlogpdf, pdf = _m.logpdf, _m.pdf\n",
    "scipy/stats/norm.py": "from scipy.stats import norm as _n\n"
                           "logpdf, pdf, cdf, logcdf = _n.logpdf, _n.pdf, _n.cdf, _n.logcdf\n",
    "misc/__init__.py": "",
    "misc/optimizers.py": "def adam(*args, **kwargs):\n    raise NotImplementedError\n"
                          "sgd = adam\n",
    "misc/flatten.py": FLATTEN,
    "test_util.py": "def check_grads(fun, **kwargs):\n    return lambda *args: None\n",
}


def _numpy_as_autograd(root: str) -> None:
    """A package `autograd` under `root` re-exporting NumPy and SciPy, first on the path."""
    for path, text in SHIM.items():
        target = os.path.join(root, "autograd", path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w") as handle:
            handle.write(text)
    sys.path.insert(0, root)
    for name in [m for m in sys.modules if m == "autograd" or m.startswith("autograd.")]:
        del sys.modules[name]


def _answered_by_pullback() -> None:
    """autograd's differentiation operators, as the examples call them, by pullback."""
    import autograd

    def hessian_vector_product(fun, argnum=0):
        return lambda *args: pullback.hvp(fun, wrt=argnum)(*args[:-1], args[-1])

    def elementwise_grad(fun, argnum=0):
        return lambda *args: pullback.vjp(fun, wrt=argnum)(*args, np.ones_like(fun(*args)))

    autograd.grad = lambda fun, argnum=0: pullback.grad(fun, wrt=argnum)
    autograd.value_and_grad = lambda fun, argnum=0: pullback.value_and_grad(fun, wrt=argnum)
    autograd.hessian_vector_product = hessian_vector_product
    autograd.elementwise_grad = elementwise_grad


def leaves(value) -> list:
    if isinstance(value, dict):
        return [leaf for key in sorted(value) for leaf in leaves(value[key])]
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in leaves(item)]
    return [np.asarray(value, float)]


def rebuild(like, values):
    """`like`'s structure with its leaves taken in order from the iterator `values`."""
    if isinstance(like, dict):
        return {key: rebuild(like[key], values) for key in sorted(like)}
    if isinstance(like, (list, tuple)):
        return type(like)(rebuild(item, values) for item in like)
    leaf = next(values)
    return float(leaf) if isinstance(like, float) else leaf


def check(report: Report, name: str, f, args: list, wrt: int) -> None:
    """grad, jvp and hvp of f in args[wrt] along a random direction, against differences."""
    point = args[wrt]
    rng = np.random.default_rng(len(name))
    parts = leaves(point)
    direction = [rng.standard_normal(p.shape) for p in parts]
    tree = rebuild(point, iter(direction))

    def along(step):
        moved = rebuild(point, iter([p + step * d for p, d in zip(parts, direction)]))
        return [*args[:wrt], moved, *args[wrt + 1:]]

    line = lambda t: f(*along(t))  # noqa: E731 (f along the direction)
    estimates = differences(line, 0.0, 1.0)
    gradient = attempt(report, f"{name} grad", lambda: pullback.grad(f, wrt=wrt)(*args))
    if gradient is not None:
        report.add(f"{name} grad", *judge(sum(float(np.sum(g * d)) for g, d in zip(
            leaves(gradient), direction)), estimates))
    tangent = attempt(report, f"{name} jvp", lambda: pullback.jvp(f, wrt=wrt)(*args, tree)[1])
    if tangent is not None:
        report.add(f"{name} jvp", *judge(tangent, estimates))
    product = attempt(report, f"{name} hvp", lambda: pullback.hvp(f, wrt=wrt)(*args, tree))
    if product is not None and gradient is not None:
        flat = lambda t: np.concatenate([np.ravel(g) for g in leaves(  # noqa: E731
            pullback.grad(f, wrt=wrt)(*along(t)))])
        report.add(f"{name} hvp", *judge(np.concatenate([np.ravel(p) for p in leaves(
            product)]), differences(flat, 0.0, 1.0)))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.autograd_examples")
    parser.add_argument("examples", help="autograd's examples directory")
    parser.add_argument("--numpy", action="store_true",
                        help="read autograd.* as NumPy and SciPy themselves")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every check")
    opts = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as root:
        if opts.numpy:
            _numpy_as_autograd(root)
        _answered_by_pullback()
        sys.path.insert(0, os.path.abspath(opts.examples))
        report = Report("autograd's examples through pullback")
        for name, module, build in CASES:
            loaded = attempt(report, f"{name} import", lambda m=module: importlib.import_module(m))
            if loaded is None:
                continue
            made = attempt(report, f"{name} setup", lambda b=build, m=loaded: b(m))
            if made is not None:
                check(report, name, *made)
        report.show(opts.verbose)
        print("checks:", dict(report.counts()))
        return 1 if report.failed() else 0


if __name__ == "__main__":
    os.environ.setdefault("MPLBACKEND", "Agg")  # the examples import matplotlib: no windows
    sys.exit(main())
