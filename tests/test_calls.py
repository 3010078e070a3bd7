"""Calls to Python functions: transformed into forward and backward functions of their
own, with keywords, defaults, nesting, recursion, other modules and tuple results."""

import math

import call_cases as cc
import numpy as np
import pytest
from fd import numeric_grad

import pullback

RNG = np.random.default_rng(3)
CASES = [
    (cc.keywords_and_defaults, (0.7, 1.3), (0, 1)),
    (cc.nested_calls, (0.4,), (0,)),
    (cc.recursion, (0.6,), (0,)),
    (cc.mutual_recursion, (0.8,), (0,)),
    (cc.rnn_with_layer, (RNG.normal(size=(3, 3)), RNG.normal(size=(4, 3))), (0, 1)),
    (cc.tuple_result, (RNG.normal(size=4),), (0,)),
    (cc.calls_in_branches, (0.9, 0.4), (0, 1)),
    (cc.constant_argument, (0.3,), (0,)),
    (cc.nested_def_and_lambda, (0.7, 1.3), (0, 1)),
    (cc.closure_reads_current_values, (0.6,), (0,)),
    (cc.nested_calls_nested, (0.4,), (0,)),
    (cc.passes_functions, (0.4, RNG.normal(size=(2, 2))), (0, 1)),
    (cc.scans_in_other_module, (RNG.normal(size=(3, 3)), RNG.normal(size=(4, 3))), (0, 1)),
    (cc.weighs_in_other_module, (RNG.normal(size=3), 0.7), (0, 1)),
]


@pytest.mark.parametrize("func, args, wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_calls_match_finite_differences(func, args, wrt):
    grads = pullback.grad(func, wrt=wrt)(*args)
    for g, i in zip(grads, wrt):
        np.testing.assert_allclose(g, numeric_grad(func, args, i), rtol=1e-6, atol=1e-9)


def test_recursion_closed_form():
    # p(x, n) = 1 + x + ... + x**n
    x = 0.6
    expected = sum(k * x ** (k - 1) for k in range(1, 6))
    assert pullback.grad(cc.recursion)(x) == pytest.approx(expected, rel=1e-12)


def test_called_function_gets_a_forward_and_a_backward_function():
    text = pullback.source(cc.poly, wrt=(0,), mode="split")
    assert "def poly_forward" in text and "def poly_backward" in text
    compile(text, "<split>", "exec")
    caller = pullback.source(cc.nested_calls, optimize=False)  # small callees not inlined
    assert "poly_backward" in caller and "square_backward" in caller


def test_redefining_a_called_function_is_noticed(tmp_path):
    import importlib.util
    import linecache

    path = tmp_path / "redefine_case.py"
    path.write_text("def inner(x):\n    return x * 2.0\n\n\n"
                    "def outer(x):\n    return inner(x) * x\n")
    spec = importlib.util.spec_from_file_location("redefine_case", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    d_outer = pullback.grad(module.outer)
    assert d_outer(3.0) == pytest.approx(12.0)
    # the user edits inner and re-runs its def (as a notebook or reload would)
    path.write_text("def inner(x):\n    return x * 3.0\n")
    linecache.checkcache(str(path))
    exec(compile(path.read_text(), str(path), "exec"), module.__dict__)
    with pytest.raises(pullback.PullbackError, match="'inner' names a different object"):
        d_outer(3.0)  # the old gradient refuses a rebound callee


def test_closure_closed_form():
    # 2x + 3x**2
    assert pullback.grad(cc.closure_reads_current_values)(0.6) == pytest.approx(2 + 6 * 0.6)


def test_inlined_function_reads_its_own_module_globals_as_they_are():
    # leaky_scan's body is inlined into the caller, but SCALE is still read from layers at
    # each call (the caller's module has a SCALE of its own, which stays 0.5)
    from helpers_pkg import layers

    W, xs = RNG.normal(size=(3, 3)), RNG.normal(size=(4, 3))
    old = layers.SCALE
    d_scan = pullback.grad(cc.scans_in_other_module, wrt=(0, 1))
    try:
        for scale in (0.5, 0.2, 0.8):
            layers.SCALE = scale
            for d in (d_scan, pullback.grad(cc.scans_in_other_module, wrt=(0, 1))):
                for g, i in zip(d(W, xs), (0, 1)):
                    expected = numeric_grad(cc.scans_in_other_module, (W, xs), i)
                    np.testing.assert_allclose(g, expected, rtol=1e-6, atol=1e-9)
    finally:
        layers.SCALE = old


def test_redefining_a_function_inlined_for_a_lambda_is_noticed(tmp_path):
    import importlib.util
    import linecache

    path = tmp_path / "redefine_inlined.py"
    path.write_text("def apply(f, x):\n    return f(x) * 2.0\n\n\n"
                    "def outer(x):\n    return apply(lambda t: t * x, x)\n")
    spec = importlib.util.spec_from_file_location("redefine_inlined", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    d_outer = pullback.grad(module.outer)
    assert d_outer(3.0) == pytest.approx(12.0)  # d/dx 2 x**2
    path.write_text("def apply(f, x):\n    return f(x) * 3.0\n\n\n"
                    "def outer(x):\n    return apply(lambda t: t * x, x)\n")
    linecache.checkcache(str(path))
    new_apply = "".join(path.read_text().splitlines(True)[:2])  # outer stays the same object
    exec(compile(new_apply, str(path), "exec"), module.__dict__)
    with pytest.raises(pullback.PullbackError, match="'apply' names a different object"):
        d_outer(3.0)
    assert pullback.grad(module.outer)(3.0) == pytest.approx(18.0)  # transformed anew


def test_rebinding_a_function_an_inlined_callee_calls_is_noticed():
    # squash_after (another module) is inlined for the lambda; the rule for the squash it
    # calls was chosen at transform time, so rebinding layers.squash must not go unnoticed
    from helpers_pkg import layers

    x, w = RNG.normal(size=3), 0.7
    d = pullback.grad(cc.squashes_in_other_module, wrt=1)
    expected = numeric_grad(cc.squashes_in_other_module, (x, w), 1)
    assert d(x, w) == pytest.approx(expected, rel=1e-6)
    old = layers.squash
    try:
        layers.squash = np.sin
        with pytest.raises(pullback.PullbackError, match="squash' names a different object"):
            d(x, w)
        again = pullback.grad(cc.squashes_in_other_module, wrt=1)(x, w)
        assert again == pytest.approx(numeric_grad(cc.squashes_in_other_module, (x, w), 1),
                                      rel=1e-6)
    finally:
        layers.squash = old


def test_rebinding_what_a_called_function_calls_gives_a_fresh_gradient(tmp_path):
    # outer calls inner (a generated forward/backward pair); inner calls act. Rebinding act
    # makes the old gradient refuse to run, and pullback.grad(outer) must then build anew
    # rather than hand back the cached transform that still calls the old inner pair
    import importlib.util

    path = tmp_path / "rebind_callee_global.py"
    path.write_text("import numpy as np\n\n"
                    "def act(t):\n    return np.tanh(t)\n\n"
                    "def inner(x):\n    return act(x) * 2.0\n\n"
                    "def outer(x):\n    return inner(x * 3.0) + x\n")
    spec = importlib.util.spec_from_file_location("rebind_callee_global", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    x = 0.4
    d_outer = pullback.grad(module.outer)
    assert d_outer(x) == pytest.approx(6.0 * (1 - np.tanh(3 * x) ** 2) + 1.0)
    module.act = np.sin
    with pytest.raises(pullback.PullbackError, match="'act' names a different object"):
        d_outer(x)
    assert pullback.grad(module.outer)(x) == pytest.approx(6.0 * np.cos(3 * x) + 1.0)


# --------------------------------------------- small functions are inlined at their calls

def _lse(v):
    m = np.max(v)
    return m + np.log(np.sum(np.exp(v - m)))


def _half_sq(t, scale=0.5):
    if t > 0.0:
        return scale * t * t
    return -scale * t * t


def _fact(x, n):
    return x if n == 0 else x * _fact(x, n - 1)


def _twice_a(t):
    return _twice_b(t) + _twice_b(t * 0.5)


def _twice_b(t):
    return _twice_c(t) * _twice_c(t + 0.1)


def _twice_c(t):
    return _twice_d(t) - _twice_d(t * t)


def _twice_d(t):
    return math.sin(t) * 0.9


def _uses_lse(v):
    total = 0.0
    for k in range(3):
        total = total + _lse(v * (k + 1.0))
    return total + _half_sq(v[0]) + _half_sq(v[1], scale=2.0) + _fact(v[2], 3)


def _doubling_chain(x):
    return _twice_a(x) + _twice_a(x * 0.3)


def _many_calls(x):
    y = x
    for _ in range(2):
        y = y + _half_sq(y) * 0.01
    return sum([_half_sq(x * k * 0.01) for k in range(1)]) + y


@pytest.mark.parametrize("func, args", [
    (_uses_lse, (np.array([0.3, -1.2, 0.8]),)),
    (_doubling_chain, (0.7,)),
    (_many_calls, (0.4,)),
])
def test_small_functions_inlined_or_called_match_finite_differences(func, args):
    for optimize in (True, False):
        g = pullback.grad(func, optimize=optimize)(*args)
        np.testing.assert_allclose(g, numeric_grad(func, args, 0), rtol=1e-6, atol=1e-9)


def test_small_function_is_inlined_and_a_recursive_one_is_called():
    text = pullback.source(_uses_lse)
    assert "lse_forward" not in text and "half_sq_forward" not in text
    assert "lse_m = " in text  # the helper's own names, prefixed with its name
    assert "fact_forward" in text  # recursion stops inlining: the inner call stays a call
    plain = pullback.source(_uses_lse, optimize=False)
    assert "lse_forward" in plain and "half_sq_forward" in plain


def _doubling_chain_budget(x):
    return _twice_a(x) + _twice_a(x * 0.3)


def test_inlining_stops_at_its_budget(monkeypatch):
    # 15 statements are inlined per _twice_a call (2**3 calls of _twice_d): with a budget
    # of 20, the first call's tree is inlined and the rest of the calls stay calls
    from pullback.lower import inlining

    monkeypatch.setattr(inlining, "INLINE_BUDGET", 20)
    text = pullback.source(_doubling_chain_budget)
    assert "twice_a_forward" in text or "twice_b_forward" in text
    assert "math.sin" in text
    args = (0.7,)
    g = pullback.grad(_doubling_chain_budget)(*args)
    np.testing.assert_allclose(g, numeric_grad(_doubling_chain_budget, args, 0), rtol=1e-6)


def test_rebinding_an_inlined_function_is_noticed(tmp_path):
    import importlib.util

    path = tmp_path / "rebind_inlined.py"
    path.write_text("import numpy as np\nimport math\n\n"
                    "def act(t):\n    return math.tanh(t)\n\n"
                    "def f(x):\n    return act(x * 3.0) + x\n\n"
                    "def g(x):\n    return helpers.act(x * 3.0) + x\n")
    spec = importlib.util.spec_from_file_location("rebind_inlined", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.helpers = module  # a dotted call: module.attribute
    x = 0.4
    for name in ("f", "g"):
        d = pullback.grad(getattr(module, name))
        assert "act_forward" not in pullback.source(getattr(module, name))
        assert d(x) == pytest.approx(3.0 * (1 - math.tanh(3 * x) ** 2) + 1.0)
        module.act = math.sin
        with pytest.raises(pullback.PullbackError, match="names a different object"):
            d(x)
        assert pullback.grad(getattr(module, name))(x) == pytest.approx(
            3.0 * math.cos(3 * x) + 1.0)
        module.act = module.__dict__["act"] = math.tanh
        spec.loader.exec_module(module)
        module.helpers = module


def test_error_in_an_inlined_function_points_at_its_line():
    def bad(x):
        return _no_rule_helper(x) * 2.0

    with pytest.raises(pullback.NoRuleError) as info:
        pullback.grad(bad)(0.3)
    assert "math.gamma" in str(info.value) and "return math.gamma(t) + t" in str(info.value)


def _no_rule_helper(t):
    return math.gamma(t) + t
