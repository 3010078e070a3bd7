"""Forward mode and second order through record methods of objects f builds: a
NamedTuple's `_replace` and `_asdict`, and `dataclasses.replace`; jvp against central
differences along a direction, hvp and hessian against differences of the gradient,
straight-line, in a loop and in a callee."""

import dataclasses
from collections import namedtuple

import numpy as np
import pytest
from fd import assert_jvp_matches
from test_higher import check_second_order

import pullback

Pt = namedtuple("Pt", "x y")


@dataclasses.dataclass
class State:
    pos: float
    vel: float


def replaced(x):
    p = Pt(x[0], x[1] * 2)
    q = p._replace(y=p.y + x[2])
    return q.x * q.y


def replaced_in_a_loop(x):
    p = Pt(x[0], 0.0)
    for k in range(3):
        p = p._replace(y=p.y + np.sin(x[k] * p.x))
    return p.x * p.y ** 2


def as_dict(x):
    p = Pt(x[0] * x[1], x[2])
    d = p._asdict()
    return d["x"] * d["y"] + d["y"] ** 2


def _step(s, h):
    return dataclasses.replace(s, pos=s.pos + h * s.vel)


def dataclass_replaced(x):
    s = State(x[0], x[1])
    for _ in range(2):
        s = _step(s, x[2])
    return s.pos ** 2 * s.vel


X = np.array([0.4, -1.3, 0.9])


@pytest.mark.parametrize("fn", [replaced, replaced_in_a_loop, as_dict, dataclass_replaced],
                         ids=lambda f: f.__name__)
def test_jvp_hvp_and_hessian(fn):
    assert_jvp_matches(fn, (3,), 7)
    check_second_order(fn, (X,), np.random.default_rng(4), nonzero=True)


def test_jvp_of_replace_in_closed_form():
    value, tangent = pullback.jvp(replaced)(X, np.array([1.0, 0.0, 0.0]))
    assert value == pytest.approx(X[0] * (2 * X[1] + X[2]))
    assert tangent == pytest.approx(2 * X[1] + X[2])
