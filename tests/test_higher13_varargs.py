"""Forward mode and second order through callees taking *args and **kwargs: the callee's
jvp takes the tuple of the tangents of the elements its *args receives (past its named
positional parameters) and the dict of the tangents of the keys its **kwargs receives
(past its named parameters), whether the call spells the arguments out (`h(a, b, c)`,
`hk(x, s=v)`) or spreads a tuple or dict (`h(*parts)`, `hk(**opts)`); jvp against central
differences, hessian, hvp and reverse over reverse against differences of the gradient,
in vector mode too (jacobian(mode="fwd"))."""

from __future__ import annotations

import numpy as np
import pytest
from fd import assert_jvp_matches
from test_higher import check_reverse_over_reverse, check_second_order

import pullback


def squares(*xs):
    return sum(x * x for x in xs)


def sines(*xs):
    t = 0.0
    for x in xs:
        t = t + np.sin(x)
    return t


def first_and_rest(a, *rest):
    return a * len(rest) + np.prod(rest[0]) * rest[-1] ** 2


def keyed(a, **kw):
    return a * kw["s"] + np.sin(kw["t"])


def keyed_values(**kw):
    return sum(v * v for v in kw.values())


def both(a, *xs, scale=1.0, **kw):
    return scale * (a + sum(np.cos(x) for x in xs)) * kw["w"]


def passes_on(*xs, **kw):
    return squares(*xs) + keyed_values(**kw)


def spelled_out(x):
    return np.sum(squares(x[0], x[1], x[2]))


def spread_list(x):
    parts = [x[0], x[1] * 2, x[2]]
    return np.sum(squares(*parts))


def spread_tuple_literal(x):
    return np.sum(squares(*(x, np.tanh(x))))


def loop_over_varargs(x):
    return np.sum(sines(x, x * 2, 3.0))


def named_then_varargs(x):
    return np.sum(first_and_rest(x[0], x, x[::-1] * x[1]))


def named_then_spread(x):
    rest = (x, x ** 2)
    return np.sum(first_and_rest(x[1], *rest))


def keywords_spelled_out(x):
    return np.sum(keyed(x, s=x[0], t=x))


def keywords_spread(x):
    opts = {"s": x[1] ** 2, "t": np.exp(x)}
    return np.sum(keyed(x, **opts))


def keyword_values(x):
    return keyed_values(a=x[0], b=x[1] * x[2], c=2.0)


def everything(x):
    return np.sum(both(x[0], x, x[::-1], scale=x[2], w=x ** 2))


def forwarded(x):
    return np.sum(passes_on(x, x[0], u=x[1], v=np.sin(x)))


def inactive_elements(x):
    return np.sum(squares(1.0, x, np.ones(3)) + keyed(2.0, s=3.0, t=x))


CASES = [spelled_out, spread_list, spread_tuple_literal, loop_over_varargs,
         named_then_varargs, named_then_spread, keywords_spelled_out, keywords_spread,
         keyword_values, everything, forwarded, inactive_elements]


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_jvp_against_differences(fn):
    assert_jvp_matches(fn, 3, 3)


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_hessian_and_hvp(fn):
    rng = np.random.default_rng(4)
    check_second_order(fn, (rng.normal(size=3),), rng, nonzero=True)


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_reverse_over_reverse(fn):
    """The gradients handed back to *args (a list, as a tuple's gradient is) and
    **kwargs (a dict) differentiated in reverse mode."""
    check_reverse_over_reverse(fn, (np.array([0.3, -0.7, 1.1]),))


def vector_valued(x):
    return squares(x, np.sin(x)) * keyed(x[0], s=x, t=x[1])


@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_jacobian_by_vector_mode(mode):
    x = np.array([0.3, -0.7, 1.1])
    J = pullback.jacobian(vector_valued, mode=mode)(x)
    h = 1e-6
    expected = np.stack([(vector_valued(x + h * e) - vector_valued(x - h * e)) / (2 * h)
                         for e in np.eye(3)], -1)
    np.testing.assert_allclose(J, expected, rtol=1e-6, atol=1e-8)
