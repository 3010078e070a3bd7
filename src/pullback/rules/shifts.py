"""How functions carry a shift by a value m: what the shapes analysis needs to find the
constants `m = np.max(v, axis)` that a function takes back exactly (`v - m` inside
`exp`, summed, logged, `+ m` again; see analysis/shapes.py `shift_constants`). These are
algebraic facts of the functions, so they live with the rules, not in the analysis.

A shift is (kind, coefficient): ADD, the value is f + c * m; MUL, it is f * exp(c * m),
with f independent of m.

    >>> UNARY[np.exp, ADD](2), BINARY[np.subtract]
    (('mul', 2), ('add', -1))
"""

import operator

import numpy as np

from ..runtime import helpers as runtime
from . import support

ADD, MUL = "add", "mul"
# The reductions whose result may be the shift m itself.
SHIFTABLE = frozenset({np.max, np.min, np.amax, np.amin})
# Reductions that keep a shift along an axis where m is constant -> the shift kind they keep
# (None: both; mean keeps both).
SHIFT_PRESERVING = {np.max: ADD, np.min: ADD, np.amax: ADD, np.amin: ADD, np.mean: None,
                    np.sum: MUL}
BINARY = {  # callee -> (shift kind it combines, sign of the second operand)
    operator.add: (ADD, 1), np.add: (ADD, 1), operator.sub: (ADD, -1), np.subtract: (ADD, -1),
    operator.mul: (MUL, 1), np.multiply: (MUL, 1), operator.truediv: (MUL, -1),
    np.divide: (MUL, -1),
}
# Helpers of generated gradients reading an operand for its shape (and type) only: the
# result of `unbroadcast(g, log)` does not depend on the shift log carries, so a
# gradient's own use of a shifted value (jvp of a gradient: hvp) does not keep m.
SHAPE_ONLY = {runtime.unbroadcast: {"x"}, support.unreduce: {"x"}}
UNARY = {  # (callee, shift kind of its operand) -> the shift of its result
    (operator.neg, ADD): lambda c: (ADD, -c), (np.negative, ADD): lambda c: (ADD, -c),
    (operator.pos, ADD): lambda c: (ADD, c), (operator.pos, MUL): lambda c: (MUL, c),
    (np.positive, ADD): lambda c: (ADD, c), (np.positive, MUL): lambda c: (MUL, c),
    (np.copy, ADD): lambda c: (ADD, c), (np.copy, MUL): lambda c: (MUL, c),
    (np.exp, ADD): lambda c: (MUL, c), (np.log, MUL): lambda c: (ADD, c),
}
