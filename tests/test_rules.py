"""Every derivative rule in the tables, checked against central finite differences.

The test walks `pullback.rules.RULES`: a rule with no sample here fails the
coverage test, so no rule lands untested. Each sample is an expression over
inputs x0, x1, ... with shapes (broadcasting variants included) and a domain;
the function differentiated is `sum(sin(expr))`, so no rule is checked only
through a trivial seed.
"""

import builtins
import importlib.util
import math
import operator
import textwrap

import numpy as np
import pytest
from fd import numeric_grad

import pullback
from pullback.rules import RULES

ANY, POS, UNIT = (-2.0, 2.0), (0.5, 2.0), (-0.8, 0.8)
S = ()  # a scalar input

# callable -> [(expression, [(shape, domain) per input]), ...]
SAMPLES = {
    operator.add: [("x0 + x1", [((3, 4), ANY), ((4,), ANY)]), ("x0 + x1", [(S, ANY), ((3,), ANY)])],
    operator.sub: [("x0 - x1", [((3, 1), ANY), ((1, 4), ANY)])],
    operator.mul: [("x0 * x1", [((2, 3), ANY), ((3,), ANY)]), ("x0 * x1", [(S, ANY), (S, ANY)])],
    operator.truediv: [("x0 / x1", [((2, 3), ANY), ((2, 1), POS)])],
    operator.pow: [("x0 ** x1", [((3,), POS), (S, ANY)]), ("x0 ** 3", [((2, 2), ANY)])],
    operator.mod: [("x0 % x1", [((3,), (0.1, 0.9)), (S, (1.3, 1.7))])],
    operator.matmul: [("x0 @ x1", [((2, 3), ANY), ((3, 4), ANY)]),
                      ("x0 @ x1", [((3,), ANY), ((3, 2), ANY)]),
                      ("x0 @ x1", [((2, 3), ANY), ((3,), ANY)]),
                      ("x0 @ x1", [((3,), ANY), ((3,), ANY)]),
                      ("x0 @ x1", [((2, 2, 3), ANY), ((3, 2), ANY)])],
    operator.neg: [("-x0", [((3,), ANY)])],
    operator.pos: [("+x0", [((3,), ANY)])],
    builtins.abs: [("abs(x0)", [((3,), POS)]), ("abs(x0)", [(S, (-2.0, -0.5))])],
    builtins.float: [("float(x0) * x0", [(S, ANY)])],
    builtins.pow: [("pow(x0, x1)", [(S, POS), (S, ANY)])],
    builtins.max: [("max(x0, x1 + 3.0)", [(S, ANY), (S, ANY)]),
                   ("max(x0 + 3.0, x1)", [(S, ANY), (S, ANY)])],
    builtins.min: [("min(x0, x1 + 3.0)", [(S, ANY), (S, ANY)]),
                   ("min(x0 + 3.0, x1)", [(S, ANY), (S, ANY)])],
    np.where: [("np.where(x0 > 0.1, x0 * x1, x1 ** 2)", [((3, 4), ANY), ((4,), ANY)])],
    np.sum: [("np.sum(x0)", [((2, 3), ANY)]), ("np.sum(x0, axis=1)", [((2, 3), ANY)]),
             ("np.sum(x0, axis=(0, 2), keepdims=True)", [((2, 3, 2), ANY)]),
             ("np.sum(x0, -1)", [((2, 3), ANY)])],
    np.mean: [("np.mean(x0)", [((2, 3), ANY)]), ("np.mean(x0, axis=0, keepdims=True)",
                                                  [((2, 3), ANY)])],
    np.dot: [("np.dot(x0, x1)", [((2, 3), ANY), ((3, 4), ANY)]),
             ("np.dot(x0, x1)", [((3,), ANY), ((3,), ANY)]),
             ("np.dot(x0, x1)", [(S, ANY), ((3,), ANY)])],
    np.matmul: [("np.matmul(x0, x1)", [((2, 3), ANY), ((3,), ANY)])],
    np.trace: [("np.trace(x0)", [((3, 3), ANY)]), ("np.trace(x0)", [((2, 4), ANY)])],
    np.squeeze: [("np.squeeze(x0)", [((1, 3, 1), ANY)]), ("np.squeeze(x0, axis=0)",
                                                          [((1, 3), ANY)])],
    np.copy: [("np.copy(x0)", [((3,), ANY)])],
    np.full: [("np.full((2, 3), x0)", [(S, ANY)]), ("np.full((2, 3), x0)", [((3,), ANY)])],
    np.full_like: [("np.full_like(np.ones((2, 3)), x0)", [((2, 1), ANY)])],
    math.copysign: [("math.copysign(x0, x1)", [(S, ANY), (S, ANY)])],
    np.transpose: [("np.transpose(x0) @ x1", [((2, 3), ANY), ((2,), ANY)]),
                   ("np.transpose(x0, (2, 0, 1))[0]", [((2, 3, 4), ANY)])],
}
# max/min reductions: distinct values so the arg-extreme is unique and stable.
for f in (np.max, np.min, np.amax, np.amin):
    name = f"np.{f.__name__}"
    SAMPLES[f] = [(f"{name}(x0 * np.arange(6.0).reshape(2, 3))", [((2, 3), POS)]),
                  (f"{name}(x0 * np.arange(6.0).reshape(2, 3), axis=1)", [((2, 3), POS)]),
                  (f"{name}(x0 * np.arange(6.0).reshape(2, 3), axis=0, keepdims=True)",
                   [((2, 3), POS)])]

DOMAINS = {"tan": UNIT, "arcsin": UNIT, "arccos": UNIT, "asin": UNIT, "acos": UNIT, "log": POS, "log2": POS,
           "log10": POS, "log1p": POS, "sqrt": POS, "power": POS}
for f in RULES:
    module = getattr(f, "__module__", None) or ("numpy" if isinstance(f, np.ufunc) else None)
    if f in SAMPLES or module not in ("math", "numpy", None):
        continue
    name = f.__name__
    params = list(RULES[f].signature.parameters)
    required = [p for p in params if RULES[f].signature.parameters[p].default is
                RULES[f].signature.parameters[p].empty]
    domain = DOMAINS.get(name, ANY)
    if isinstance(f, np.ufunc) or module == "numpy":
        args = ", ".join(f"x{i}" for i in range(len(required)))
        shapes = [((3, 4), domain), ((4,), POS if name == "power" else ANY)][: len(required)]
        SAMPLES[f] = [(f"np.{name}({args})", shapes)]
        if len(required) == 2:
            SAMPLES[f].append((f"np.{name}({args})", [(S, domain), ((3,), ANY)]))
    else:  # math: scalars only
        args = ", ".join(f"x{i}" for i in range(len(required)))
        SAMPLES[f] = [(f"math.{name}({args})", [(S, domain)] * len(required))]
SAMPLES[math.log].append(("math.log(x0, x1)", [(S, POS), (S, (1.5, 3.0))]))
SAMPLES[math.pow] = [("math.pow(x0, x1)", [(S, POS), (S, ANY)])]
SAMPLES[math.atan2] = [("math.atan2(x0, x1)", [(S, ANY), (S, POS)])]
SAMPLES[math.hypot] = [("math.hypot(x0, x1)", [(S, POS), (S, POS)])]

CASES = [(f, expr, shapes) for f, samples in SAMPLES.items() for expr, shapes in samples]


def _build(expr, n, tmp_path, tag):
    args = ", ".join(f"x{i}" for i in range(n))
    source = textwrap.dedent(f"""
        import math
        import numpy as np


        def f({args}):
            return np.sum(np.sin({expr}))
    """)
    path = tmp_path / f"rule_{tag}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(f"rule_{tag}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.f


def test_every_rule_has_a_sample():
    missing = [getattr(f, "__name__", f) for f in RULES if f not in SAMPLES]
    assert not missing


@pytest.mark.parametrize("index", range(len(CASES)),
                         ids=[f"{getattr(c[0], '__name__', c[0])}:{c[1]}" for c in CASES])
def test_rule_matches_finite_differences(index, tmp_path):
    _, expr, shapes = CASES[index]
    f = _build(expr, len(shapes), tmp_path, index)
    rng = np.random.default_rng(index)
    for _ in range(2):
        args = tuple(float(rng.uniform(*dom)) if shape == S else rng.uniform(*dom, size=shape)
                     for shape, dom in shapes)
        wrt = tuple(range(len(shapes)))
        grads = pullback.grad(f, wrt=wrt)(*args)
        for i, g in zip(wrt, grads):
            expected = numeric_grad(f, args, i)
            assert np.shape(g) == np.shape(args[i])
            np.testing.assert_allclose(g, expected, rtol=1e-5, atol=1e-8, err_msg=expr)
