"""Dicts built by merging: `{**P, "a": x}`, `{"a": x, **P}` (P's value wins),
`{**P, **Q}`, `{**defaults, **overrides}` of parameters, `dict(**P)`, a merged dict
rebuilt in a loop, passed to a helper or read in an expression; and `P.copy()` of a dict
f reads from its module, closure or a held object (then written: a new dict, as
`dict(P)`). Both were
refused ("**mapping in a dict display"; an in-place write to a copy pullback could not
prove new). Each: grad, jvp and hvp against central differences, and the merge order
checked where a later key overrides an earlier one."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest
from fd import assert_derivatives_match, assert_grad_matches

import pullback

P = {"a": 1.5, "b": -0.5, "c": 2.0}
D = defaultdict(float, a=1.0, b=2.0)


class Holder:
    def __init__(self):
        self.params = {"w": 0.7, "b": -1.2}


H = Holder()


def override_after(x):
    q = {**P, "a": x}
    return q["a"] * q["b"] + q["c"] * np.sin(q["a"])


def override_before(x):
    q = {"a": x, **P}  # P's "a" wins: q["a"] does not depend on x
    return q["a"] * x + q["c"] * x ** 2


def two_mappings(x):
    extra = {"c": x, "d": x ** 2}
    q = {**P, **extra}
    return sum(v * x for v in q.values()) + q["d"]


def in_expression(x):
    return {**P, "b": x}["b"] ** 3 + np.cos({"z": x, **P}["z"])


def helper(params, x):
    return params["a"] * x + params["b"] ** 2


def passed_on(x):
    return helper({**P, "b": x * 2.0}, x)


def rebuilt_in_loop(x):
    state = {"s": x, "n": 0.0}
    for _ in range(3):
        state = {**state, "s": np.tanh(state["s"]) * x, "n": state["n"] + 1.0}
    return state["s"] * state["n"]


def double_star_call(x):
    q = dict(**P)
    q["a"] = x * q["c"]
    return q["a"] ** 2 + dict(**{**P, "b": x})["b"]


def module_copy(x):
    q = P.copy()
    q["a"] = x
    return q["a"] * q["b"] + q["c"] * np.sin(x)


def held_copy(x):
    q = H.params.copy()
    q["w"] = q["w"] * x
    return q["w"] ** 2 + q["b"] * x


def closure_copy_maker():
    table = {"k": 3.0, "m": 0.25}

    def closure_copy(x):
        q = table.copy()
        q["k"] = q["k"] * x
        return np.exp(q["k"] * q["m"])
    return closure_copy


SPELLINGS = [override_after, override_before, two_mappings, in_expression, passed_on,
             double_star_call, module_copy, held_copy, closure_copy_maker()]


@pytest.mark.parametrize("f", SPELLINGS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", [0.3, -1.1])
def test_merged_dicts_match_differences(f, x):
    assert_derivatives_match(f, (x,))


@pytest.mark.parametrize("x", [0.3, -1.1])
def test_a_dict_rebuilt_from_itself_in_a_loop(x):
    # grad and jvp; hvp is refused located, as for a dict comprehension rebuilding its
    # own name in a loop (the generated gradient names the new dict twice)
    assert_grad_matches(rebuilt_in_loop, (x,))
    value, tangent = pullback.jvp(rebuilt_in_loop)(x, 1.0)
    assert value == pytest.approx(rebuilt_in_loop(x))
    assert tangent == pytest.approx(pullback.grad(rebuilt_in_loop)(x))
    with pytest.raises(pullback.UnsupportedSyntaxError, match="second derivative"):
        pullback.hvp(rebuilt_in_loop)(x, 1.0)


def test_later_keys_override_earlier_ones():
    # d/dx of q["a"] * x + 2 x^2 with q["a"] = P["a"] = 1.5 (x's "a" overridden)
    assert pullback.grad(override_before)(0.5) == pytest.approx(1.5 + 4 * 0.5)
    # d/dx of x * b + c sin(x) at a = x: b + c cos(x)
    assert pullback.grad(override_after)(0.5) == pytest.approx(-0.5 + 2.0 * np.cos(0.5))


def test_merging_parameters_differentiates_both():
    def merged(defaults, overrides, x):
        q = {**defaults, **overrides}
        return q["a"] * x + q["b"] * x ** 2

    defaults, overrides = {"a": 1.0, "b": 2.0}, {"b": 0.5}
    g = pullback.grad(merged, wrt=(0, 1, 2))(defaults, overrides, 1.5)
    assert g[0] == {"a": pytest.approx(1.5), "b": pytest.approx(0.0)}
    assert g[1] == {"b": pytest.approx(1.5 ** 2)}
    assert g[2] == pytest.approx(1.0 + 2 * 0.5 * 1.5)
    assert_grad_matches(lambda x: merged(defaults, overrides, x), (1.5,))


def test_the_copy_is_new_and_the_module_dict_unchanged():
    before = dict(P)
    pullback.grad(module_copy)(0.9)
    assert P == before


def test_a_local_shadowing_a_module_dict_is_not_taken_for_it():
    def shadow(x):
        P = [x, 2.0]  # noqa: N806 (shadows the module's dict on purpose)
        q = P.copy()
        q[0] = q[0] * 3.0
        return q[0] * q[1]
    assert_grad_matches(shadow, (0.4,))


def test_a_defaultdict_copy_stays_refused_located():
    def f(x):
        q = D.copy()
        q["a"] = x
        return q["a"] * q["b"]
    with pytest.raises(pullback.UnsupportedSyntaxError) as e:
        pullback.grad(f)(0.5)
    assert "q['a'] = x" in str(e.value) or "q[\"a\"] = x" in str(e.value)
    assert "test_dict_merge.py" in str(e.value)


def test_a_comprehension_variable_is_not_the_function_name_of_that_spelling():
    # `q` the dict each trip builds, and `q` the generator's own variable: two names
    def summed(x):
        qs = []
        for i in range(3):
            q = {"w": P["a"]}
            q["b"] = x * i
            qs.append(q)
        return sum(q["w"] * q["b"] ** 2 for q in qs)

    assert_grad_matches(summed, (0.7,))
    assert pullback.grad(summed)(0.7) == pytest.approx(1.5 * 2 * 0.7 * (0 + 1 + 4))
    value, tangent = pullback.jvp(summed)(0.7, 1.0)
    assert tangent == pytest.approx(pullback.grad(summed)(0.7))
