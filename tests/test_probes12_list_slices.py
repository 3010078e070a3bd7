"""A slice of a Python list is a new list (of an array it is a view): `out = vals[:]`,
`vals[1:]`, `(a + b)[::2]` may be written in place and are differentiated, in reverse,
forward and second order; a slice of an array written in place is still refused."""

import numpy as np
import pytest
from fd import assert_grad_matches, assert_jvp_matches
from test_higher import check_second_order

import pullback


def smooth_copy(x):
    vals = [float(v) for v in x]
    out = vals[:]
    for i in range(1, len(vals) - 1):
        out[i] = (vals[i - 1] + vals[i] + vals[i + 1]) / 3
    return sum(o * o for o in out)


def tail_copy(x):
    vals = list(x)
    rest = vals[1:]
    rest[0] = rest[0] * vals[0]
    return sum(rest) * vals[1]


def joined_then_strided(x):
    a = [x[0], x[1]]
    b = [np.sin(x[2]), x[3] ** 2]
    picked = (a + b)[::2]
    picked[1] = picked[1] * picked[0]
    picked.append(a[1])
    return picked[0] * picked[1] + picked[2]


CASES = [smooth_copy, tail_copy, joined_then_strided]


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_grad_jvp_and_second_order(fn):
    x = np.array([0.7, -0.4, 1.1, 0.5])
    assert_grad_matches(fn, (x,))
    assert_jvp_matches(fn, (4,), 5)
    check_second_order(fn, (x,), np.random.default_rng(2))


def array_slice_written(x):
    y = x * 2.0
    head = y[:2]
    head[0] = 0.0  # writes y too
    return np.sum(y)


def test_a_slice_of_an_array_written_in_place_is_still_refused():
    with pytest.raises(pullback.errors.UnsupportedSyntaxError) as info:
        pullback.grad(array_slice_written)(np.ones(3))
    assert "head[0] = 0.0" in str(info.value)
