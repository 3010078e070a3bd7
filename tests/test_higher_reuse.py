"""Forward mode reads a math function of a recorded value from the record where the loop
that popped it would compute it again (derive/forward.py, reuse_recorded_calls): the
scalar loop's hvp computes sin and cos once per step; and only where that is exact (the
value recorded is the one the function was applied to), checked against differences."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import pullback


def scalar_loop(x, a):
    for _ in range(50):
        x = x + 0.02 * a * math.sin(x)
    return x


def _adjoint_loop(source):
    return source[source.index("while "):]


def test_the_adjoint_loop_of_the_hvp_reads_sin_and_cos_from_the_records():
    text = pullback.source(scalar_loop, wrt=(0, 1), mode="hvp")
    loop = _adjoint_loop(text)
    # cos is only called by derivative rules: bound as a constant (math_cos, math_cos_2);
    # sin is called through the constant its entry guard compares (math_sin, math_sin_2)
    calls = r"math(\.sin|\.cos|_sin(_\d+)?|_cos(_\d+)?)\("
    assert not re.search(calls, loop)
    assert len(re.findall(calls, text)) == 2  # once each, in the primal loop


@pytest.mark.parametrize("x,a", [(0.3, 1.5), (-1.2, 0.4), (2.0, -3.0)])
def test_the_hvp_still_matches_differences_of_the_gradient(x, a):
    gradient = pullback.grad(scalar_loop, wrt=(0, 1))
    h = 1e-6
    for v in ((1.0, 0.0), (0.0, 1.0), (0.3, -0.7)):
        hv = pullback.hvp(scalar_loop, wrt=(0, 1))(x, a, v)
        ahead = gradient(x + h * v[0], a + h * v[1])
        behind = gradient(x - h * v[0], a - h * v[1])
        for got, p, m in zip(hv, ahead, behind):
            assert got == pytest.approx((p - m) / (2 * h), rel=1e-6, abs=1e-8)


def recorded_then_moved(x):
    """sin(x) computed, then x changed, then x recorded: the popped x is not the value sin
    was taken of, so the popping loop must compute its own."""
    records = []
    total = 0.0
    for _ in range(4):
        s = math.sin(x)
        x = x * 1.5 + 0.1
        records.append((s, x))
        total = total + s
    while records:
        s_2, x_2 = records.pop()
        total = total + math.sin(x_2) * s_2
    return total


def recorded_as_computed(x):
    records = []
    total = 0.0
    for _ in range(4):
        s = math.cos(x)
        records.append((s, x))
        x = x + 0.3 * s
    while records:
        s_2, x_2 = records.pop()
        total = total + math.cos(x_2) * x_2 + math.exp(x_2) * s_2
    return total + x


@pytest.mark.parametrize("f", [recorded_then_moved, recorded_as_computed])
@pytest.mark.parametrize("x", [0.4, -0.9])
def test_jvp_of_records_of_your_own_matches_differences(f, x):
    h = 1e-6
    _, tangent = pullback.jvp(f)(x, 1.0)
    assert tangent == pytest.approx((f(x + h) - f(x - h)) / (2 * h), rel=1e-6, abs=1e-8)
    assert pullback.grad(f)(x) == pytest.approx(tangent, rel=1e-10)


def test_a_value_recorded_after_it_changed_is_not_taken_for_the_call():
    loop = _adjoint_loop(pullback.source(recorded_then_moved, mode="jvp"))
    assert "math_sin(" in loop  # computed again: the record holds x after it changed
    loop = _adjoint_loop(pullback.source(recorded_as_computed, mode="jvp"))
    assert not re.search(r"math[._]cos\(", loop) and "math_exp(" in loop


def test_hessian_of_the_scalar_loop_matches_differences():
    H = pullback.hessian(scalar_loop, wrt=(0, 1))(0.3, 1.5)
    gradient = pullback.grad(scalar_loop, wrt=(0, 1))
    h = 1e-6
    for j, e in enumerate(((h, 0.0), (0.0, h))):
        ahead, behind = gradient(0.3 + e[0], 1.5 + e[1]), gradient(0.3 - e[0], 1.5 - e[1])
        for i in range(2):
            assert float(H[i][j]) == pytest.approx((ahead[i] - behind[i]) / (2 * h),
                                                   rel=1e-6, abs=1e-8)
    np.testing.assert_allclose(float(H[0][1]), float(H[1][0]), rtol=1e-10)


def logged_when_positive(x):
    """math.log(x) taken only where x > 0: never made for the record where x <= 0."""
    records = []
    total = 0.0
    for _ in range(3):
        t = math.log(x) if x > 0 else 0.0
        records.append((t, x))
        x = x - 0.5
        total = total + t
    while records:
        t_2, x_2 = records.pop()
        if x_2 > 0:
            total = total + math.log(x_2) * t_2
    return total


def test_a_call_under_a_condition_is_not_made_unconditionally():
    x = 0.8  # x is 0.8, 0.3, -0.2: log(-0.2) must not be taken
    h = 1e-6
    _, tangent = pullback.jvp(logged_when_positive)(x, 1.0)
    expected = (logged_when_positive(x + h) - logged_when_positive(x - h)) / (2 * h)
    assert tangent == pytest.approx(expected, rel=1e-6)


def test_the_adjoint_loop_does_not_check_again_a_value_whose_call_it_no_longer_makes():
    """The popped x was checked to be no complex number only for the math.cos the record
    now supplies: the check goes, and x is no longer recorded."""
    loop = _adjoint_loop(pullback.source(scalar_loop, wrt=(0, 1), mode="hvp"))
    assert "complex_to_math" not in loop
    popped = re.search(r"\n\s+(.*) = saved\.pop\(\)", loop).group(1)
    assert len(popped.split(", ")) == 4  # sin, its tangent, x's tangent, cos


def element_loop(a, xs):
    """x starts as an element of an array, so it may be a complex number: the recording
    loop checks it before sin (and so before the cos its tangent reads)."""
    x = xs[0]
    for _ in range(6):
        x = x + 0.1 * a * math.sin(x) + xs[1] * x
    return x


@pytest.mark.parametrize("a", [0.7, -1.3])
def test_a_value_that_may_be_complex_is_still_checked_once(a):
    xs = np.array([0.3, 0.5])
    gradient = pullback.grad(element_loop)
    h = 1e-6
    expected = (gradient(a + h, xs) - gradient(a - h, xs)) / (2 * h)
    assert pullback.hvp(element_loop)(a, xs, 1.0) == pytest.approx(expected, rel=1e-6)
    assert pullback.hvp(element_loop, wrt=(0, 1))(a, xs, (0.0, np.array([1.0, 0.0])))[0] \
        == pytest.approx((pullback.grad(element_loop)(a, xs + [h, 0.0])
                          - pullback.grad(element_loop)(a, xs - [h, 0.0])) / (2 * h), rel=1e-6)
    with pytest.raises(pullback.PullbackError, match="complex number"):
        pullback.hvp(element_loop)(a, xs.astype(complex), 1.0)
