"""Calls to Python functions: transformed into forward and backward functions of their
own, with keywords, defaults, nesting, recursion, other modules and tuple results."""

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
    caller = pullback.source(cc.nested_calls)
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
