"""Second order through the structures of a generated gradient that were refused when
pullback read the gradient again (found on SciPy's global-optimization objectives): a
try block (its adjoint reads the body's values under the flag saying the body
completed: Csendes, Damavandi), forward mode through try and with blocks, a gradient
buffer whose slots are taken and whose input gradient is accumulated in chains
(Deceptive, LennardJones), and `list * array` (replicate_grad: Langermann). Each is
checked (hessian, hvp, reverse over reverse where it applies) against central
differences of the gradient, and the refusals that stay are checked to stay."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from test_higher import _fd_hessian, check_reverse_over_reverse, check_second_order

import pullback
from pullback.runtime.helpers import accum_index


def try_sum(x):  # Csendes
    try:
        return np.sum((x ** 6.0) * (2.0 + np.sin(1.0 / x)))
    except ZeroDivisionError:
        return np.nan


def try_scalars(x):  # Damavandi
    try:
        num = np.sin(np.pi * (x[0] - 2.0)) * np.sin(np.pi * (x[1] - 2.0))
        den = (np.pi ** 2) * (x[0] - 2.0) * (x[1] - 2.0)
        factor = 1.0 - (abs(num / den)) ** 5.0
        return factor * (2 + (x[0] - 7.0) ** 2.0)
    except ZeroDivisionError:
        return np.nan


def try_both_paths(x):
    try:
        y = np.sum(np.log(x) * x)
    except FloatingPointError:
        y = np.sum(x ** 3)
    return y * y


def flag_guarded(x):
    ok = True
    try:
        y = np.log(x)
        z = np.sum(y * x)
    except FloatingPointError:
        ok = False
    if ok:
        return z * z + np.sum(y)
    return np.sum(x ** 3)


def with_errstate(x):
    with np.errstate(all="raise"):
        y = np.sum(np.sin(x) * x)
    return y ** 2


def buffer_in_branches(x):  # Deceptive
    alpha = np.arange(1.0, 4.0) / 4.0
    g = np.zeros((3,))
    for i in range(3):
        if x[i] <= 0.0:
            g[i] = x[i]
        elif x[i] < 0.8 * alpha[i]:
            g[i] = -x[i] / alpha[i] + 0.8
        else:
            g[i] = x[i] ** 2 - 1.0
    return -((1.0 / 3) * np.sum(g)) ** 2.0


def pairs_in_nested_loops(x):  # LennardJones
    s = 0.0
    for i in range(2):
        for j in range(i + 1, 3):
            xd = x[2 * i] - x[2 * j]
            yd = x[2 * i + 1] - x[2 * j + 1]
            ed = xd * xd + yd * yd
            if ed > 0.0:
                s += (1.0 / ed - 2.0) / ed
    return s


def list_times_array(x):  # Langermann
    a = [3, 5, 2, 1, 7]
    c = [1, 2, 5, 2, 3]
    return -np.sum(c * np.exp(-(x[0] - a) ** 2) * np.cos(np.pi * (x[1] - a) ** 2))


def array_times_list(x):
    return np.sum(np.sin(x) * [1.0, -2.0, 0.5] * x)


def list_repeated(x):
    xs = [x[0], x[1] * x[0]] * 2
    return xs[0] * xs[3] + xs[1] ** 2 * xs[2]


def accumulated_in_a_chain(x):
    d = x * 1.0
    for i in range(2):
        d = accum_index(d, x, i, x[i + 1] * x[i])
        d = accum_index(d, x, i + 1, np.sin(x[i]))
    return np.sum(d * d)


def accumulated_value_kept(x):
    d = x * 1.0
    v = x[1:2] * x[0]
    e = accum_index(d, x, slice(0, 1), v)
    e = accum_index(e, x, slice(1, 2), v * 2.0)
    return np.sum(e * e) + np.sum(v * x[2])


CASES = [
    (try_sum, np.array([0.7, -1.1, 1.3])), (try_scalars, np.array([2.5, 3.1])),
    (try_both_paths, np.array([0.7, 1.3])), (flag_guarded, np.array([0.7, 1.3])),
    (buffer_in_branches, np.array([0.1, 0.3, 0.9])),
    (buffer_in_branches, np.array([-0.4, 0.7, 0.2])),
    (pairs_in_nested_loops, np.array([0.0, 0.0, 1.1, 0.2, 0.3, 1.2])),
    (list_times_array, np.array([2.2, 3.1])), (array_times_list, np.array([0.3, -0.8, 1.1])),
    (list_repeated, np.array([0.7, -1.3])),
]
IDS = [f"{f.__name__}-{i}" for i, (f, _) in enumerate(CASES)]
# reverse over reverse refuses a list's gradient flowing through a helper (item_grad)
NOT_REVERSE_OVER_REVERSE = {list_repeated}


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_hessian_and_hvp_match_differences_of_the_gradient(index):
    fn, x = CASES[index]
    check_second_order(fn, (x,), np.random.default_rng(index), nonzero=True)


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_reverse_over_reverse_matches_differences_of_the_gradient(index):
    fn, x = CASES[index]
    if fn in NOT_REVERSE_OVER_REVERSE:
        pytest.skip("refused: see NOT_REVERSE_OVER_REVERSE")
    check_reverse_over_reverse(fn, (x,))


@pytest.mark.parametrize("fn", [try_both_paths, flag_guarded])
def test_the_except_path_under_errstate(fn):
    """With floating-point errors raised, a negative input takes the except clause: the
    gradient, the tangent and the Hessian follow it."""
    x = np.array([-0.7, 1.3])
    with np.errstate(all="raise"):
        expected = _fd_hessian(fn, (x,), 0)
        np.testing.assert_allclose(pullback.hessian(fn)(x), expected, rtol=1e-5, atol=1e-6)
        v = np.array([0.4, -1.0])
        h = 1e-6
        value, tangent = pullback.jvp(fn)(x, v)
        assert value == fn(x)
        assert tangent == pytest.approx((fn(x + h * v) - fn(x - h * v)) / (2 * h), rel=1e-6)


@pytest.mark.parametrize("fn", [try_sum, try_both_paths, flag_guarded, with_errstate])
def test_jvp_through_try_and_with_blocks(fn):
    x, v, h = np.array([0.7, 1.3]), np.array([0.4, -1.0]), 1e-6
    value, tangent = pullback.jvp(fn)(x, v)
    assert value == fn(x)
    assert tangent == pytest.approx((fn(x + h * v) - fn(x - h * v)) / (2 * h), rel=1e-6)
    assert "try:" in pullback.source(fn, mode="jvp") or "with " in pullback.source(
        fn, mode="jvp")


@pytest.mark.parametrize("fn", [accumulated_in_a_chain, accumulated_value_kept])
def test_a_chain_of_writes_into_one_gradient_buffer(fn):
    """`d_3 = accum_index(d_2, ...)` after `d_2 = accum_index(d, ...)` is the same object:
    a read of a later SSA copy of d_3 sees both writes (LennardJones's gradient was
    refused); the value added in is copied, so a name holding it shares nothing with d
    (Deceptive's gradient was refused)."""
    x, h = np.array([0.3, -0.5, 0.8]), 1e-6
    expected = np.array([(fn(x + h * e) - fn(x - h * e)) / (2 * h) for e in np.eye(3)])
    np.testing.assert_allclose(pullback.grad(fn)(x), expected, rtol=1e-7, atol=1e-9)
    v = np.array([0.2, 1.0, -0.7])
    assert pullback.jvp(fn)(x, v)[1] == pytest.approx(expected @ v, rel=1e-7)


def chained_then_read_between(x):
    d = x * 1.0
    e = accum_index(d, x, 0, x[1])
    f = accum_index(e, x, 1, x[2])
    return np.sum(e * x) + np.sum(f)


def test_a_read_between_writes_of_a_chain_is_refused():
    with pytest.raises(pullback.UnsupportedSyntaxError,
                       match="'e' is read after accum_index wrote into it"):
        pullback.grad(chained_then_read_between)(np.array([0.3, -0.5, 0.8]))


def swallowed(x):
    y = np.sum(x)
    with contextlib.suppress(ValueError):
        y = np.sum(x ** 2)
        raise ValueError
    return y


def test_jvp_refuses_a_with_block_whose_manager_swallowed_an_exception():
    with pytest.raises(pullback.UnsupportedSyntaxError, match="swallowed an exception"):
        pullback.jvp(swallowed)(np.array([0.7, 1.3]), np.ones(2))


def flag_set_again(x):
    ok = True
    try:
        z = np.sum(np.log(x))
        z2 = z * z
    except FloatingPointError:
        ok = False
    ok = True
    if ok:
        return z + z2
    return np.sum(x)


def flag_set_early(x):
    ok = True
    w = x * 2.0
    try:
        z = np.sum(np.log(w))
        z2 = z * z
    except FloatingPointError:
        ok = False
    if ok:
        return z + z2
    return np.sum(x)


def read_outside_the_guard(x):
    ok = True
    try:
        z = np.sum(np.log(x))
        z2 = z * z
    except FloatingPointError:
        ok = False
    if ok:
        return z + z2
    return z + np.sum(x)


def flag_after_a_continue(x):
    s = 0.0
    for i in range(2):
        ok = True
        try:
            z = np.log(x[i])
            z2 = z * z
        except FloatingPointError:
            if i > 5:
                continue
            ok = False
        if ok:
            s = s + z + z2
    return s


@pytest.mark.parametrize("fn", [flag_set_again, flag_set_early, read_outside_the_guard,
                                flag_after_a_continue])
def test_a_read_after_a_try_that_no_flag_guards_is_refused(fn):
    with pytest.raises(pullback.UnsupportedSyntaxError, match="'z' is assigned in the try body"):
        pullback.grad(fn)(np.array([0.7, 1.3]))
