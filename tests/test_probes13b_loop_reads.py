"""A variable an inner loop assigns (maybe on no trip) is "used after the loop" only by
reads that can see it: a read in the body of another loop that assigns the variable
before reading it (`for k in ...` again, or `k = steps[k_2]` first) sees that loop's
value (lower/ssa.py). The gradients of loops over lists of lists (`itertools.chain`,
`itertools.product`, nested loops over rows) loop over the positions again in their
adjoint, so their hvp and hessian are now made; a read that can see the inner loop's
value still fails as Python fails."""

import itertools

import numpy as np
import pytest
from fd import assert_grad_matches
from test_higher import check_second_order

import pullback


def chain(x):
    return sum(v ** 2 * x[0] for v in itertools.chain(x, x[:2]))


def chain_from_iterable(x):
    parts = [x, np.sin(x)]
    return sum(v * v for v in itertools.chain.from_iterable(parts))


def nested_rows(x):
    rows = [x, x[:2]]
    s = 0.0
    for r in rows:
        for v in r:
            s = s + v ** 3
    return s


def loop_target_reused(x):
    s = 0.0
    for i in range(3):
        for j in range(i):
            t = x[i] * x[j] ** 2
            s = s + t
    for j in range(3):
        t = x[j] * s
        s = s + t
    return s


@pytest.mark.parametrize("f", [chain, chain_from_iterable, nested_rows, loop_target_reused],
                         ids=lambda f: f.__name__)
def test_second_order(f):
    x = np.array([0.4, -1.3, 0.9])
    assert_grad_matches(f, (x,))
    check_second_order(f, (x,), np.random.default_rng(1), nonzero=True)


def read_after_inner_loop(x):
    s = 0.0
    for i in range(3):
        for j in range(i):
            t = x[j] * x[i]
        s = s + t
    for k in range(2):
        t = x[k]
        s = s + t
    return s


def test_a_read_that_can_see_the_inner_loop_fails_as_in_python():
    x = np.array([0.4, -1.3, 0.9])
    with pytest.raises(UnboundLocalError):
        read_after_inner_loop(x)
    for run in (lambda: pullback.grad(read_after_inner_loop)(x),
                lambda: pullback.jvp(read_after_inner_loop)(x, x)):
        with pytest.raises(UnboundLocalError):
            run()
