"""A parameter passed whole to a standard-library rule (math.prod(x), math.dist(x, ...))
and indexed too (x[0]) crashed the operand check's classification (KeyError: a parameter
has no definition); its gradient against central differences, in several spellings."""

from __future__ import annotations

import math

import numpy as np
import pytest
from fd import assert_grad_matches


def prod_then_item(x):
    return math.prod(x) * x[0]


def dist_then_item(x):
    return math.dist(x * x, x[::-1]) * x[0]


def dist_reversed(x):
    return x[1] * math.dist(x, x[::-1]) + x[2]


def hypot_then_item(x):
    return math.hypot(*x) * x[0] - x[3]


@pytest.mark.parametrize("fn", [prod_then_item, dist_then_item, dist_reversed,
                                hypot_then_item], ids=lambda f: f.__name__)
def test_gradient(fn):
    assert_grad_matches(fn, (np.array([0.7, 1.1, 0.9, 1.3]),))
