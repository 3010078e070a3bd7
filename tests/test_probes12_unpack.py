"""Lists (and dicts) made by one unpacking, `a, b = [], []`, and then updated in place:
each target is the only name of its new display (the temporary the display was atomized
into is read by nothing else), so appends and slot writes into it are differentiated,
in reverse and forward mode and at second order; a list that does have two names,
`a = b = []`, is still refused."""

import numpy as np
import pytest
from fd import assert_grad_matches, assert_jvp_matches
from test_higher import check_second_order

import pullback


def two_lists(x):
    a, b = [], []
    for v in x:
        a.append(v * 2.0)
        b.append(np.sin(v))
    return sum(a) * b[0] + b[-1] ** 2


def list_and_dict(x):
    out, seen = [], {}
    for i in range(len(x)):
        seen[i] = x[i] ** 2
        out.append(seen[i] * x[0])
    return sum(out) + seen[1]


def parenthesized_with_items(x):
    (hist, acc) = ([x[0]], [])
    for v in x[1:]:
        hist.append(hist[-1] * v)
        acc.append(v ** 2)
    return hist[-1] + sum(acc)


def list_target_with_slot_write(x):
    [ms, ps] = [[0.0] * len(x), []]
    for k in range(len(x)):
        ms[k] = x[k] * x[k - 1]
        ps.append(ms[k] + 1.0)
    return sum(ms) * ps[-1]


def kalman_lists(x):
    q, r = 0.1 + x[0] ** 2, 0.2 + x[1] ** 2
    m, P = 0.0, 1.0
    ms, Ps, mp, Pp = [], [], [], []
    for y in (0.3, 0.5, 0.4, 0.9):
        m_pred, P_pred = m, P + q
        K = P_pred / (P_pred + r)
        m = m_pred + K * (y - m_pred)
        P = (1 - K) * P_pred
        ms.append(m)
        Ps.append(P)
        mp.append(m_pred)
        Pp.append(P_pred)
    msm = list(ms)
    for k in range(len(ms) - 2, -1, -1):
        msm[k] = ms[k] + Ps[k] / Pp[k + 1] * (msm[k + 1] - mp[k + 1])
    return sum(v ** 2 for v in msm)


def arrays_and_swaps(x):
    buf, acc = np.zeros(len(x)), np.ones(len(x))
    buf[0], acc[1] = x[0] * 3.0, x[1]
    a, b = x[2], x[3]
    for _ in range(3):
        a, b = b, a + b * 0.5  # a later value reads an earlier name: made first
    return np.sum(buf * acc) + a * b


def closure_reads_the_name(x):
    a = [x[0]]

    def first():
        return a[0]

    a, b = [x[1]], [first() * 2.0]  # first() sees the old a
    a.append(x[2])
    return sum(a) * b[0]


CASES = [arrays_and_swaps, two_lists, list_and_dict, parenthesized_with_items,
         list_target_with_slot_write, kalman_lists]


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_grad_jvp_and_second_order(fn):
    x = np.array([0.7, -0.4, 1.1, 0.5])
    assert_grad_matches(fn, (x,))
    assert_jvp_matches(fn, (4,), 3)
    check_second_order(fn, (x,), np.random.default_rng(1))


def one_list_two_names(x):
    a = b = []
    for v in x:
        a.append(v * 2.0)
    return sum(b)


def test_a_list_with_two_names_is_still_refused():
    with pytest.raises(pullback.errors.UnsupportedSyntaxError, match="second name") as info:
        pullback.grad(one_list_two_names)(np.ones(3))
    assert "a = b = []" in str(info.value)


def test_a_local_function_in_a_later_value_keeps_python_order():
    """first() reads the enclosing a: made before a is bound, or refused, never wrong."""
    try:
        assert_grad_matches(closure_reads_the_name, (np.array([0.7, -0.4, 1.1]),))
    except pullback.errors.UnsupportedSyntaxError as e:
        assert "first() * 2.0" in str(e)


def two_names(x):  # two lists, not one list under two names (was refused as that)
    inner, outer = [], []
    outer.append(x)
    inner.append(x * x)
    return outer[0] * x


def test_two_lists_of_one_unpacking_are_two_lists():
    assert pullback.grad(two_names)(3.0) == 6.0
    assert pullback.jvp(two_names)(3.0, 1.0) == (9.0, 6.0)
    assert pullback.hessian(two_names)(3.0) == 2.0
