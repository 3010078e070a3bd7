"""Custom rules, stop_gradient, non-differentiable marks, and array methods."""

import math

import custom_cases as cc
import numpy as np
import pytest
from fd import numeric_grad

import pullback
from pullback import rules


@pytest.fixture
def restore_rules():
    saved_rules, saved_nondiff = dict(rules.RULES), set(rules.NONDIFF)
    yield
    rules.RULES.clear()
    rules.RULES.update(saved_rules)
    rules.NONDIFF.clear()
    rules.NONDIFF.update(saved_nondiff)
    rules.VERSION[0] += 1


def test_a_registered_rule_is_used(restore_rules):
    x = np.array([0.3, 0.7, -0.4])
    rules.RULES.pop(np.sinc, None)  # as if the table had no rule for it
    rules.VERSION[0] += 1
    with pytest.raises(pullback.NoRuleError, match="np.sinc"):
        pullback.grad(cc.uses_sinc)

    @pullback.register_rule(np.sinc)
    def sinc_grad(g, ans, x):
        px = np.pi * x
        return g * (np.cos(px) / x - np.sin(px) / (px * x))

    np.testing.assert_allclose(pullback.grad(cc.uses_sinc)(x), numeric_grad(cc.uses_sinc, (x,)),
                               rtol=1e-6)
    assert "custom_sinc_grad" in pullback.source(cc.uses_sinc)


def test_a_rule_for_a_python_function_replaces_its_transform(restore_rules):
    calls = []

    @pullback.register_rule(cc.softclip)
    def softclip_grad(g, ans, x, limit):
        calls.append(1)
        t = math.tanh(x / limit)
        return g * (1.0 - t * t), g * (t - x / limit * (1.0 - t * t))

    args = (0.8, 1.5)
    got = pullback.grad(cc.uses_softclip, wrt=(0, 1))(*args)
    assert calls  # the hand-written gradient ran
    for g, i in zip(got, (0, 1)):
        assert g == pytest.approx(numeric_grad(cc.uses_softclip, args, i), rel=1e-7)


def _summed_to(v, arg):
    return np.sum(v) if np.ndim(arg) == 0 else v


def _register_counted_mixes(calls):
    @pullback.register_rule(cc.mix2)
    def mix2_grad(g, ans, x, w):
        calls.append("mix2")
        d = g * (1.0 - np.tanh(x * w) ** 2)
        return _summed_to(d * w, x), _summed_to(d * x, w)

    @pullback.register_rule(cc.mix3)
    def mix3_grad(g, ans, x, w, b):
        calls.append("mix3")
        d = g * (1.0 - np.tanh(x * w + b) ** 2)
        return _summed_to(d * w, x), _summed_to(d * x, w), _summed_to(d, b)


# (function, wrt, calls of the rules per gradient: one per executed call that a gradient
# flows into, however many of its arguments are active; call sites in the generated code)
MIX_CASES = [
    (cc.uses_mix2, (0, 1), 2, 2),
    (cc.uses_mix2, 0, 2, 2),
    (cc.uses_mix2, 1, 1, 1),  # mix2(x, 0.5) has no active argument
    (cc.uses_mix3, (0, 1, 2), 4, 2),  # three trips through the loop, one through the branch
    (cc.uses_mix3, (0, 2), 4, 2),
    (cc.uses_mix3, 2, 3, 1),  # mix3(w, x, 0.3): no active argument
    (cc.uses_mix3, 1, 4, 2),
]


@pytest.mark.parametrize("f, wrt, expected, sites", MIX_CASES,
                         ids=[f"{c[0].__name__}-wrt{c[1]}" for c in MIX_CASES])
def test_a_rule_of_several_parameters_runs_once_per_call(restore_rules, f, wrt, expected, sites):
    calls = []
    _register_counted_mixes(calls)
    x, w = np.array([0.3, -0.6, 0.9]), np.array([1.2, 0.4, -0.7])
    args = (x, w) if f is cc.uses_mix2 else (x, w, 0.25, 3)
    items = wrt if isinstance(wrt, tuple) else (wrt,)
    for build in (pullback.grad, pullback.value_and_grad):
        calls.clear()
        got = build(f, wrt=wrt)(*args)
        assert len(calls) == expected, calls
        got = got[1] if build is pullback.value_and_grad else got
        for g, i in zip(got if isinstance(wrt, tuple) else (got,), items):
            np.testing.assert_allclose(g, numeric_grad(f, args, i), rtol=1e-6, atol=1e-9)
    assert pullback.source(f, wrt=wrt).count("custom_mix") == sites


def test_registering_a_rule_invalidates_cached_transforms(restore_rules):
    x = np.array([0.5, -0.2])
    first = pullback.grad(cc.uses_counted)(x)
    np.testing.assert_allclose(first, 2 * x + 1)

    @pullback.register_rule(cc.counted)
    def counted_grad(g, ans, x):
        return g * 3.0 * x  # deliberately not the true gradient: shows which one runs

    np.testing.assert_allclose(pullback.grad(cc.uses_counted)(x), 3.0 * x + 1)


def test_stop_gradient_blocks_the_gradient():
    x = np.array([0.5, -0.2, 1.5])
    np.testing.assert_allclose(pullback.grad(cc.with_stop)(x), x)  # d/dx sum(x * c) at c = x


def test_nondifferentiable_mark(restore_rules):
    assert pullback.grad(cc.uses_noisy)(2.0) == pytest.approx(2 * 2.0 + 1.0)
    pullback.nondifferentiable(cc.noisy)
    assert pullback.grad(cc.uses_noisy)(2.0) == pytest.approx(3.0)  # noisy(x) is a constant


def test_a_gradient_function_needs_g_and_ans_first():
    with pytest.raises(TypeError, match=r"\(g, ans"):
        pullback.register_rule(np.sinc)(lambda x: x)


def test_array_methods_are_differentiated():
    x = np.array([0.3, 0.5, -0.2, 0.9])
    W = np.arange(16.0).reshape(4, 4) / 10
    got = pullback.grad(cc.methods, wrt=(0, 1))(x, W)
    for g, i in zip(got, (0, 1)):
        np.testing.assert_allclose(g, numeric_grad(cc.methods, (x, W), i), rtol=1e-6, atol=1e-8)


def test_astype_to_int_has_no_gradient_through_the_cast():
    x = np.array([1.3, 2.6])
    np.testing.assert_allclose(pullback.grad(cc.truncating_method)(x), np.floor(x))
