"""Every derivative rule in the tables, checked against central finite differences.

The test walks `pullback.rules.RULES`: a rule with no sample here fails the
coverage test, so no rule lands untested. Each sample is an expression over
inputs x0, x1, ... with shapes (broadcasting variants included) and a domain;
the function differentiated is `sum(sin(expr))`, so no rule is checked only
through a trivial seed.
"""

import ast
import builtins
import cmath
import copy
import importlib.util
import math
import operator
import re
import statistics
import textwrap
import warnings

import numpy as np
import pytest
import scipy_samples
from fd import numeric_grad
from scipy_samples import SAMPLES as SCIPY_SAMPLES

import pullback
from pullback.helpers import HELPERS
from pullback.rules import RULES
from pullback.rules import higher as higher_rules
from pullback.rules.linalg import (
    linalg_eigvalsh_grad,
    linalg_matrix_power_grad,
    linalg_multi_dot_grad,
)
from pullback.rules.scipy_interpolate import cubic_spline_value, spline_grad_y
from pullback.rules.stdlib import RULES as STDLIB_RULES

try:
    import scipy.linalg
    import scipy.signal
    import scipy.special
    import scipy.stats
except ImportError:  # SciPy is optional: its rules are then not in RULES either
    scipy = None

ANY, POS, UNIT = (-2.0, 2.0), (0.5, 2.0), (-0.8, 0.8)
ZERO = (0.0, 0.0)  # an input that is exactly zero (products with a zero factor)
S = ()  # a scalar input


def W(*shape):
    """A fixed weight per position, so that sum(sin(...)) notices where values end up
    (it is symmetric under any rearrangement of them)."""
    n = int(np.prod(shape))
    return f"(np.arange(1.0, {n + 1}.0) / {n}).reshape{shape!r}"


# callable -> [(expression, [(shape, domain) per input]), ...]
MASK23 = "np.array([[True, False, True], [True, True, False]])"  # a where= mask
SAMPLES = {
    operator.add: [("x0 + x1", [((3, 4), ANY), ((4,), ANY)]), ("x0 + x1", [(S, ANY), ((3,), ANY)])],
    operator.sub: [("x0 - x1", [((3, 1), ANY), ((1, 4), ANY)])],
    operator.mul: [("x0 * x1", [((2, 3), ANY), ((3,), ANY)]), ("x0 * x1", [(S, ANY), (S, ANY)])],
    operator.truediv: [("x0 / x1", [((2, 3), ANY), ((2, 1), POS)])],
    operator.pow: [("x0 ** x1", [((3,), POS), (S, ANY)]), ("x0 ** 3", [((2, 2), ANY)])],
    operator.mod: [("x0 % x1", [((3,), (0.1, 0.9)), (S, (1.3, 1.7))])],
    operator.matmul: [("x0 @ x1", [((2, 3), ANY), ((3, 4), ANY)]),
                      ("x0 @ x1", [((3,), ANY), ((3, 2), ANY)]),
                      ("x0 @ x1", [((2, 3), ANY), ((3,), ANY)]),
                      ("x0 @ x1", [((3,), ANY), ((3,), ANY)]),
                      ("x0 @ x1", [((2, 2, 3), ANY), ((3, 2), ANY)])],
    operator.neg: [("-x0", [((3,), ANY)])],
    operator.pos: [("+x0", [((3,), ANY)])],
    builtins.abs: [("abs(x0)", [((3,), POS)]), ("abs(x0)", [(S, (-2.0, -0.5))])],
    builtins.float: [("float(x0) * x0", [(S, ANY)])],
    builtins.complex: [("abs(complex(x0, x1) ** 2 + 1.0)", [(S, ANY), (S, ANY)]),
                       ("np.real(np.exp(complex(x0, 2.0 * x1)))", [(S, ANY), (S, ANY)])],
    builtins.pow: [("pow(x0, x1)", [(S, POS), (S, ANY)])],
    builtins.max: [("max(x0, x1 + 3.0)", [(S, ANY), (S, ANY)]),
                   ("max(x0 + 3.0, x1)", [(S, ANY), (S, ANY)]),
                   ("max([x0, x1 + 3.0, x0 * 2.0])", [(S, ANY), (S, ANY)])],
    builtins.min: [("min(x0, x1 + 3.0)", [(S, ANY), (S, ANY)]),
                   ("min(x0 + 3.0, x1)", [(S, ANY), (S, ANY)]),
                   ("min([x0, x1 + 3.0, x0 * 2.0])", [(S, POS), (S, ANY)])],
    builtins.sum: [("sum([x0, x1, x0 * x1])", [(S, ANY), (S, ANY)]),
                   ("sum([x0, x1], x1)", [((3,), ANY), ((3,), ANY)])],
    builtins.tuple: [("tuple([x0, x1 * x0])[1] + 3.0 * tuple(x1)[2]", [(S, ANY), ((3,), ANY)])],
    np.float64: [("np.float64(x0) * x1", [(S, ANY), ((3,), ANY)])],
    # zip(*rows), as normalize writes it
    HELPERS["transposed"]: [("transposed([x0, x1 * x0])[1][1] + transposed([x1, x0])[2][0]",
                             [((3,), ANY), ((3,), ANY)])],
    np.where: [("np.where(x0 > 0.1, x0 * x1, x1 ** 2)", [((3, 4), ANY), ((4,), ANY)]),
               ("np.where(np.greater(x2, 0.0), x0, x1)", [((3,), ANY), ((3,), ANY), ((3,), ANY)])],
    np.sum: [("np.sum(x0)", [((2, 3), ANY)]), ("np.sum(x0, axis=1)", [((2, 3), ANY)]),
             ("np.sum(x0, axis=(0, 2), keepdims=True)", [((2, 3, 2), ANY)]),
             ("np.sum(x0, -1)", [((2, 3), ANY)]),
             ("np.sum(x0, where=np.array([True, False, True]))", [((2, 3), ANY)]),
             ("np.sum(x0, axis=0, where=x1 > 0.0)", [((2, 3), ANY), ((2, 3), ANY)]),
             ("np.sum(x0, axis=(0, 2), keepdims=True, where=np.arange(4) % 3 > 0)",
              [((2, 3, 4), ANY)]),
             ("np.sum(x0, axis=1, initial=x1)", [((2, 3), ANY), (S, ANY)])],
    np.mean: [("np.mean(x0)", [((2, 3), ANY)]), ("np.mean(x0, axis=0, keepdims=True)",
                                                  [((2, 3), ANY)]),
              ("np.mean(x0, where=np.array([[True], [False]]))", [((2, 3), ANY)]),
              ("np.mean(x0, axis=1, where=np.array([True, False, True]))", [((2, 3), ANY)]),
              ("np.mean(x0, axis=-1, keepdims=True, where=x0 > -1.5)", [((3, 4), ANY)])],
    np.dot: [("np.dot(x0, x1)", [((2, 3), ANY), ((3, 4), ANY)]),
             ("np.dot(x0, x1)", [((3,), ANY), ((3,), ANY)]),
             ("np.dot(x0, x1)", [(S, ANY), ((3,), ANY)])],
    np.matmul: [("np.matmul(x0, x1)", [((2, 3), ANY), ((3,), ANY)])],
    np.trace: [("np.trace(x0)", [((3, 3), ANY)]), ("np.trace(x0)", [((2, 4), ANY)])],
    np.squeeze: [("np.squeeze(x0)", [((1, 3, 1), ANY)]), ("np.squeeze(x0, axis=0)",
                                                          [((1, 3), ANY)])],
    np.copy: [("np.copy(x0)", [((3,), ANY)])],
    np.full: [("np.full((2, 3), x0)", [(S, ANY)]), ("np.full((2, 3), x0)", [((3,), ANY)])],
    np.full_like: [("np.full_like(np.ones((2, 3)), x0)", [((2, 1), ANY)])],
    math.copysign: [("math.copysign(x0, x1)", [(S, ANY), (S, ANY)])],
    np.transpose: [("np.transpose(x0) @ x1", [((2, 3), ANY), ((2,), ANY)]),
                   ("np.transpose(x0, (2, 0, 1))[0]", [((2, 3, 4), ANY)])],
}
# ----------------------------------------------------------------- elementwise
SAMPLES.update({
    np.arctan2: [("np.arctan2(x0, x1)", [((3, 4), ANY), ((4,), POS)]),
                 ("np.arctan2(x0, x1)", [(S, POS), ((3,), ANY)])],
    np.float_power: [("np.float_power(x0, x1)", [((3, 4), POS), ((4,), ANY)]),
                     ("np.float_power(x0, 3)", [((3,), ANY)])],
    np.fmax: [("np.fmax(x0, x1)", [((3, 4), ANY), ((4,), ANY)]),
              ("np.fmax(x0, x1)", [(S, ANY), ((3,), ANY)]),
              ("np.fmax(x0, np.where(x1 > 0.0, np.nan, x1))", [((3, 4), ANY), ((4,), ANY)])],
    np.fmin: [("np.fmin(x0, x1)", [((3, 4), ANY), ((4,), ANY)]),
              ("np.fmin(np.where(x0 > 0.0, np.nan, x0), x1)", [((4,), ANY), ((3, 4), ANY)])],
    np.clip: [("np.clip(x0, -0.5, 0.5)", [((3, 4), ANY)]),
              ("np.clip(x0, x1, x2)", [((3, 4), ANY), ((4,), (-2.0, -0.3)), ((3, 1), (0.3, 2.0))]),
              ("np.clip(x0, None, x1)", [((3,), ANY), (S, ANY)]),
              ("np.clip(x0, x1, None)", [((3,), ANY), (S, ANY)]),
              ("np.clip(x0, x1, x2)", [((6,), ANY), (S, (0.5, 1.0)), (S, (-1.0, -0.5))]),
              ("np.clip(x0, min=x1, max=x2)", [((3, 4), ANY), ((4,), (-2.0, -0.3)),
                                               ((3, 1), (0.3, 2.0))]),
              ("np.clip(x0, min=-0.5)", [((3,), ANY)]),
              ("np.clip(x0, max=x1)", [((2, 3), ANY), (S, ANY)])],
    np.heaviside: [("np.heaviside(x0, 0.5) * x1", [((3,), ANY), ((3,), ANY)]),
                   ("np.heaviside(x0 * np.array([0.0, 1.0, 1.0]), x1)", [((3,), ANY), ((3,), ANY)]),
                   ("np.heaviside(x0 * np.array([0.0, 1.0]), x1)", [((2,), ANY), (S, ANY)]),
                   ("np.heaviside([0.0, 1.0, -1.0], x0)", [((3,), ANY)])],
    np.sinc: [("np.sinc(x0)", [((3, 4), ANY)]),
              ("np.sinc(x0 * np.array([0.0, 1.0]))", [((2,), ANY)])],
})

# -------------------------------------------------------------- reductions, scans
SAMPLES.update({
    np.prod: [("np.prod(x0)", [((2, 3), ANY)]), ("np.prod(x0, axis=1)", [((2, 3), ANY)]),
              ("np.prod(x0, axis=(0, 2), keepdims=True)", [((2, 3, 2), ANY)]),
              ("np.prod(x0 * np.array([1.0, 1.0, 0.0]) + x1 * np.array([0.0, 0.0, 1.0]))",
               [((3,), ANY), (S, ZERO)]),
              ("np.prod(np.concatenate([x0, x1], axis=1), axis=1)",
               [((2, 2), ANY), ((2, 2), ZERO)]),
              ("np.prod(x0, where=x1 > 0.0)", [((2, 3), ANY), ((2, 3), ANY)]),
              ("np.prod(x0, axis=1, initial=2.0, where=np.array([True, False, True]))",
               [((2, 3), ANY)]),
              ("np.prod(x0, axis=0, keepdims=True, initial=-1.5)", [((2, 3), ANY)])],
    np.nansum: [("np.nansum(np.where(x0 > 1.0, np.nan, x0), axis=0)", [((3, 4), ANY)]),
                ("np.nansum(x0, keepdims=True)", [((2, 3), ANY)]),
                ("np.nansum(np.where(x0 > 1.0, np.nan, x0), axis=1, where=x1 > 0.0)",
                 [((3, 4), ANY), ((4,), ANY)]),
                ("np.nansum(x0, initial=x1)", [((2, 3), ANY), (S, ANY)])],
    np.var: [("np.var(x0)", [((2, 3), ANY)]), ("np.var(x0, axis=1, ddof=1)", [((2, 3), ANY)]),
             ("np.var(x0, axis=(0, 2), keepdims=True)", [((2, 3, 2), ANY)]),
             ("np.var(x0, where=x1 > 0.0)", [((2, 4), ANY), ((2, 4), ANY)]),
             ("np.var(x0, axis=1, ddof=1, where=np.array([True, True, False, True]))",
              [((2, 4), ANY)])],
    np.std: [("np.std(x0)", [((2, 3), ANY)]), ("np.std(x0, axis=0, ddof=1)", [((3, 2), ANY)]),
             ("np.std(x0, axis=-1, keepdims=True)", [((2, 3), ANY)]),
             ("np.std(x0, axis=0, keepdims=True, where=np.array([[True], [True], [False]]))",
              [((3, 2), ANY)]),
             ("np.std(x0, where=x0 > -1.0)", [((3, 3), ANY)])],
    np.average: [("np.average(x0)", [((2, 3), ANY)]),
                 ("np.average(x0, axis=0, keepdims=True)", [((2, 3), ANY)]),
                 ("np.average(x0, axis=1, weights=x1)", [((2, 3), ANY), ((3,), POS)]),
                 ("np.average(x0, weights=x1)", [((2, 3), ANY), ((2, 3), POS)]),
                 ("np.average(x0, axis=(2, 0), weights=x1, keepdims=True)",
                  [((2, 3, 4), ANY), ((4, 2), POS)])],
    np.linalg.norm: [
        ("np.linalg.norm(x0)", [((3,), ANY)]), ("np.linalg.norm(x0)", [((2, 3, 2), ANY)]),
        ("np.linalg.norm(x0, 1)", [((4,), ANY)]), ("np.linalg.norm(x0, np.inf)", [((4,), ANY)]),
        ("np.linalg.norm(x0, -np.inf)", [((4,), ANY)]), ("np.linalg.norm(x0, 3)", [((4,), ANY)]),
        ("np.linalg.norm(x0, 0) + np.sum(x0)", [((4,), ANY)]),
        ("np.linalg.norm(x0, -1)", [((4,), ANY)]), ("np.linalg.norm(x0, 0.5)", [((4,), ANY)]),
        ("np.linalg.norm(x0, 'fro', axis=(0, 2))", [((2, 3, 2), ANY)]),
        ("np.linalg.norm(x0, 'nuc', axis=(1, 2), keepdims=True)", [((2, 3, 2), ANY)]),
        ("np.linalg.norm(x0, ord=2, axis=-1)", [((2, 3), ANY)]),
        ("np.linalg.norm(x0, axis=1)", [((2, 3), ANY)]),
        ("np.linalg.norm(x0, 1, axis=0, keepdims=True)", [((2, 3), ANY)]),
        ("np.linalg.norm(x0, 'fro')", [((3, 3), ANY)]),
        ("np.linalg.norm(x0, 'nuc')", [((3, 2), ANY)]),
        ("np.linalg.norm(x0, 2)", [((3, 2), ANY)]), ("np.linalg.norm(x0, -2)", [((3, 3), ANY)]),
        ("np.linalg.norm(x0, 1)", [((3, 3), ANY)]), ("np.linalg.norm(x0, -1)", [((3, 3), ANY)]),
        ("np.linalg.norm(x0, np.inf)", [((3, 4), ANY)]),
        ("np.linalg.norm(x0, -np.inf)", [((3, 4), ANY)]),
        ("np.linalg.norm(x0, 2, axis=(2, 0))", [((3, 2, 4), ANY)]),
        ("np.linalg.norm(x0, np.inf, axis=(0, 1), keepdims=True)", [((3, 3, 2), ANY)])],
    np.cumsum: [(f"np.cumsum(x0) * {W(6)}", [((2, 3), ANY)]),
                (f"np.cumsum(x0, axis=1) * {W(2, 3)}", [((2, 3), ANY)]),
                (f"np.cumsum(x0, -2) * {W(2, 3)}", [((2, 3), ANY)])],
    np.cumprod: [(f"np.cumprod(x0) * {W(6)}", [((2, 3), ANY)]),
                 (f"np.cumprod(x0, axis=0) * {W(3, 2)}", [((3, 2), ANY)]),
                 ("np.cumprod(x0 * np.array([1.0, 0.0, 1.0]) + x1 * np.array([0.0, 1.0, 0.0]))",
                  [((3,), ANY), (S, ZERO)]),
                 ("np.cumprod(np.concatenate([x0, x1, x0], axis=1), axis=1)",
                  [((2, 2), ANY), ((2, 1), ZERO)])],
})

# --------------------------------------------- index tricks: np.r_[...], np.c_[...]
SAMPLES.update({
    np.r_.__getitem__: [
        (f"np.r_[x0, np.array([1.0, 2.0])] * {W(5)}", [((3,), ANY)]),
        (f"np.r_[0:3, x0, -1.0] * {W(6)}", [((2,), ANY)]),
        (f"np.r_[x0, 3.0, x0 * 2.0, x1] * {W(6)}", [((2,), ANY), (S, ANY)]),
        (f"np.r_[x0, 0:1:3j, x0] * {W(7)}", [((2,), ANY)]),
        (f"np.r_[x0] * {W(3)}", [((3,), ANY)]),
        (f"np.r_[x0, x1] * {W(5, 3)}", [((2, 3), ANY), ((3, 3), ANY)]),
        (f"np.r_['-1', x0, x1] * {W(2, 5)}", [((2, 3), ANY), ((2, 2), ANY)]),
        (f"np.r_['0,2', x0, x1] * {W(2, 3)}", [((3,), ANY), ((3,), ANY)]),
        (f"np.r_['0,2,0', x0, x1] * {W(6, 1)}", [((3,), ANY), ((3,), ANY)]),
        (f"np.r_['1,3,0', x0, x1] * {W(2, 6, 1)}", [((2, 3), ANY), ((2, 3), ANY)]),
        (f"np.r_['2,3,-1', x0, x1] * {W(1, 2, 5)}", [((2, 3), ANY), ((2, 2), ANY)])],
    np.c_.__getitem__: [
        (f"np.c_[x0, np.array([1.0, 2.0, 3.0]), x0] * {W(3, 3)}", [((3,), ANY)]),
        (f"np.c_[x0, x1] * {W(2, 5)}", [((2, 3), ANY), ((2, 2), ANY)]),
        (f"np.c_[x0, x1, 0:3] * {W(3, 4)}", [((3, 2), ANY), ((3,), ANY)]),
        (f"np.c_[x0, x1] * {W(3, 3)}", [((3,), ANY), ((3, 2), ANY)])],
})

# ----------------------------------------------------------------- linear algebra
SAMPLES.update({
    np.vdot: [("np.vdot(x0, x1)", [((2, 3), ANY), ((3, 2), ANY)])],
    np.inner: [("np.inner(x0, x1)", [((3,), ANY), ((3,), ANY)]),
               ("np.inner(x0, x1)", [((2, 3), ANY), ((4, 3), ANY)]),
               ("np.inner(x0, x1)", [(S, ANY), ((3,), ANY)]),
               ("np.inner(x0, x1)", [((2, 2, 3), ANY), ((3,), ANY)])],
    np.outer: [("np.outer(x0, x1)", [((3,), ANY), ((4,), ANY)]),
               ("np.outer(x0, x1)", [((2, 2), ANY), ((3,), ANY)])],
    np.tensordot: [("np.tensordot(x0, x1)", [((2, 3, 4), ANY), ((3, 4, 2), ANY)]),
                   ("np.tensordot(x0, x1, axes=1)", [((2, 3), ANY), ((3, 4), ANY)]),
                   ("np.tensordot(x0, x1, axes=([1, 0], [0, 1]))",
                    [((2, 3, 4), ANY), ((3, 2, 2), ANY)]),
                   ("np.tensordot(x0, x1, 0)", [((2,), ANY), ((3,), ANY)]),
                   ("np.tensordot(x0, x1, axes=(2, 0))", [((2, 3, 4), ANY), ((4, 2), ANY)])],
    np.einsum: [("np.einsum('ij,jk->ik', x0, x1)", [((2, 3), ANY), ((3, 4), ANY)]),
                ("np.einsum('ij,jk', x0, x1)", [((2, 3), ANY), ((3, 4), ANY)]),
                ("np.einsum('ii->i', x0)", [((3, 3), ANY)]),
                ("np.einsum('ii', x0)", [((3, 3), ANY)]),
                ("np.einsum('i,i', x0, x1)", [((3,), ANY), ((3,), ANY)]),
                ("np.einsum('ij->', x0)", [((2, 3), ANY)]),
                ("np.einsum('ij->ji', x0)[0]", [((2, 3), ANY)]),
                ("np.einsum('ij,k->ik', x0, x1)", [((2, 3), ANY), ((4,), ANY)]),
                ("np.einsum('bij,bjk->bik', x0, x1)", [((2, 2, 3), ANY), ((2, 3, 2), ANY)]),
                ("np.einsum('...ij,...jk->...ik', x0, x1)",
                 [((2, 1, 2, 3), ANY), ((3, 3, 2), ANY)]),
                ("np.einsum('i...,i', x0, x1)", [((3, 2, 2), ANY), ((3,), ANY)]),
                ("np.einsum('ij,jk,kl->il', x0, x1, x2)",
                 [((2, 3), ANY), ((3, 4), ANY), ((4, 2), ANY)]),
                ("np.einsum('iij,j->i', x0, x1)", [((3, 3, 2), ANY), ((2,), ANY)]),
                ("np.einsum('ij,ij->ij', x0, x1)", [((1, 3), ANY), ((2, 3), ANY)]),
                ("np.einsum(x0, [0, 1], x1, [1, 2], [0, 2])", [((2, 3), ANY), ((3, 4), ANY)]),
                ("np.einsum(x0, [0, 1], x1, [1])", [((2, 3), ANY), ((3,), ANY)]),
                ("np.einsum('i,->i', x0, x1)", [((3,), ANY), (S, ANY)]),
                ("np.einsum('...i,...i', x0, x1)", [((2, 3), ANY), ((3,), ANY)]),
                (f"np.einsum('i...->...', x0) * {W(2, 2)}", [((3, 2, 2), ANY)]),
                (f"np.einsum('...', x0) * {W(2, 3)}", [((2, 3), ANY)]),
                (f"np.einsum('ji', x0) * {W(3, 2)}", [((2, 3), ANY)]),
                ("np.einsum('i i', x0)", [((3, 3), ANY)]),
                (f"np.einsum('ij...,jk...->ik...', x0, x1) * {W(2, 4, 2)}",
                 [((2, 3, 2), ANY), ((3, 4, 1), ANY)]),
                # every operand slot: eight operands, and four in the interleaved form
                ("np.einsum('i,i,i,i,i,i,i,i->i', x0, x1, x2, x0, x1, x2, x0, x1)",
                 [((2,), ANY), ((2,), ANY), ((2,), ANY)]),
                ("np.einsum(x0, [0], x1, [0], x2, [0], x0 * x1, [0], [0])",
                 [((2,), ANY), ((2,), ANY), ((2,), ANY)])],
    np.diag: [(f"np.diag(x0) * {W(3, 3)}", [((3,), ANY)]),
              (f"np.diag(x0, 1) * {W(4, 4)}", [((3,), ANY)]),
              (f"np.diag(x0) * {W(3)}", [((3, 4), ANY)]),
              (f"np.diag(x0, -1) * {W(2)}", [((3, 2), ANY)])],
    np.diagonal: [(f"np.diagonal(x0) * {W(3)}", [((3, 4), ANY)]),
                  (f"np.diagonal(x0, 1) * {W(3)}", [((3, 4), ANY)]),
                  (f"np.diagonal(x0, -1, 2, 0) * {W(2, 3)}", [((3, 2, 4), ANY)])],
    np.linalg.inv: [("np.linalg.inv(x0 + 3.0 * np.eye(3))", [((3, 3), UNIT)]),
                    ("np.linalg.inv(x0 + 3.0 * np.eye(2))", [((2, 2, 2), UNIT)])],
    np.linalg.det: [("np.linalg.det(x0)", [((3, 3), ANY)]),
                    ("np.linalg.det(x0)", [((2, 3, 3), ANY)]),
                    ("np.linalg.det(x0)", [((1, 1), ANY)]),
                    # a singular matrix: its third column is exactly zero
                    ("np.linalg.det(x0 * np.array([1.0, 1.0, 0.0])"
                     " + x1[:, None] * np.array([0.0, 0.0, 1.0]))",
                     [((3, 3), ANY), ((3,), ZERO)])],
    np.linalg.slogdet: [("np.linalg.slogdet(x0)[1]", [((3, 3), ANY)]),
                        ("np.linalg.slogdet(x0)[1]", [((2, 3, 3), ANY)]),
                        ("np.linalg.slogdet(x0)[0] * np.linalg.slogdet(x0)[1]", [((3, 3), ANY)])],
    np.linalg.solve: [("np.linalg.solve(x0 + 3.0 * np.eye(3), x1)", [((3, 3), UNIT), ((3,), ANY)]),
                      ("np.linalg.solve(x0 + 3.0 * np.eye(3), x1)",
                       [((3, 3), UNIT), ((3, 2), ANY)]),
                      ("np.linalg.solve(x0 + 3.0 * np.eye(3), x1)",
                       [((2, 3, 3), UNIT), ((3, 2), ANY)]),
                      ("np.linalg.solve(x0 + 3.0 * np.eye(3), x1)",
                       [((2, 3, 3), UNIT), ((3,), ANY)]),
                      ("np.linalg.solve(x0 + 3.0 * np.eye(3), x1)",
                       [((3, 3), UNIT), ((2, 3, 1), ANY)])],
    # NumPy reads one triangle of the matrix, so x0 need not be symmetric
    np.linalg.cholesky: [("np.linalg.cholesky(x0 + 4.0 * np.eye(3))", [((3, 3), UNIT)]),
                         ("np.linalg.cholesky(x0 + 4.0 * np.eye(3), upper=True)",
                          [((3, 3), UNIT)]),
                         ("np.linalg.cholesky(x0 @ np.swapaxes(x0, -1, -2) + np.eye(3))",
                          [((2, 3, 3), ANY)])],
})

# -------------------------------------------------------------------------- shape
SAMPLES.update({
    np.reshape: [(f"np.reshape(x0, (3, 2)) * {W(3, 2)}", [((2, 3), ANY)]),
                 (f"np.reshape(x0, -1) * {W(6)}", [((2, 3), ANY)]),
                 (f"np.reshape(x0, (3, 2), order='F') * {W(3, 2)}", [((2, 3), ANY)]),
                 (f"np.reshape(x0, shape=(6,)) * {W(6)}", [((3, 2), ANY)])],
    np.ravel: [(f"np.ravel(x0) * {W(6)}", [((2, 3), ANY)]),
               (f"np.ravel(x0, order='F') * {W(6)}", [((2, 3), ANY)])],
    np.expand_dims: [("np.expand_dims(x0, 1) * x1", [((3,), ANY), ((3, 2), ANY)]),
                     (f"np.expand_dims(x0, (0, 2)) * {W(1, 3, 1)}", [((3,), ANY)])],
    np.swapaxes: [(f"np.swapaxes(x0, 0, 2) * {W(4, 3, 2)}", [((2, 3, 4), ANY)])],
    np.moveaxis: [(f"np.moveaxis(x0, 0, -1) * {W(3, 4, 2)}", [((2, 3, 4), ANY)]),
                  (f"np.moveaxis(x0, (0, 1), (2, 0)) * {W(3, 4, 2)}", [((2, 3, 4), ANY)])],
    np.concatenate: [(f"np.concatenate([x0, x1]) * {W(5, 3)}", [((2, 3), ANY), ((3, 3), ANY)]),
                     (f"np.concatenate((x0, x1), axis=1) * {W(2, 4)}",
                      [((2, 3), ANY), ((2, 1), ANY)]),
                     (f"np.concatenate([x0, x1], axis=None) * {W(9)}",
                      [((2, 3), ANY), ((3,), ANY)]),
                     (f"np.concatenate([x0, np.ones(2), x0 * x1]) * {W(8)}",
                      [((3,), ANY), ((3,), ANY)])],
    np.stack: [(f"np.stack([x0, x1]) * {W(2, 3)}", [((3,), ANY), ((3,), ANY)]),
               (f"np.stack((x0, x1), axis=-1) * {W(2, 3, 2)}", [((2, 3), ANY), ((2, 3), ANY)]),
               (f"np.stack([x0, x1, x0]) * {W(3)}", [(S, ANY), (S, ANY)])],
    np.hstack: [(f"np.hstack([x0, x1]) * {W(5)}", [((2,), ANY), ((3,), ANY)]),
                (f"np.hstack((x0, x1)) * {W(2, 5)}", [((2, 3), ANY), ((2, 2), ANY)]),
                (f"np.hstack([x0, x1, x0]) * {W(3)}", [(S, ANY), (S, ANY)])],
    np.vstack: [(f"np.vstack([x0, x1]) * {W(3, 3)}", [((3,), ANY), ((2, 3), ANY)]),
                (f"np.vstack([x0, x1]) * {W(2, 1)}", [(S, ANY), (S, ANY)])],
    np.split: [(f"np.split(x0, 3)[1] * {W(2)}", [((6,), ANY)]),
               ("np.split(x0, [1, 3], axis=1)[2] * np.split(x0, [1, 3], axis=1)[0]",
                [((2, 4), ANY)])],
    np.array_split: [(f"np.array_split(x0, 3)[0] * {W(2)}", [((5,), ANY)]),
                     (f"np.array_split(x0, 2, axis=1)[1] * {W(2, 1)}", [((2, 3), ANY)])],
    np.tile: [(f"np.tile(x0, 2) * {W(6)}", [((3,), ANY)]),
              (f"np.tile(x0, (2, 1, 2)) * {W(2, 2, 6)}", [((2, 3), ANY)]),
              (f"np.tile(x0, (2,)) * {W(2, 6)}", [((2, 3), ANY)])],
    np.repeat: [(f"np.repeat(x0, 2) * {W(12)}", [((2, 3), ANY)]),
                (f"np.repeat(x0, [1, 0, 2], axis=1) * {W(2, 3)}", [((2, 3), ANY)]),
                (f"np.repeat(x0, 3, axis=-2) * {W(6, 3)}", [((2, 3), ANY)])],
    np.broadcast_to: [(f"np.broadcast_to(x0, (2, 3)) * {W(2, 3)}", [((3,), ANY)]),
                      (f"np.broadcast_to(x0, (2, 2, 3)) * {W(2, 2, 3)}", [((2, 1), ANY)]),
                      ("np.broadcast_to(x0, (2, 3))", [(S, ANY)])],
    np.flip: [(f"np.flip(x0) * {W(2, 3)}", [((2, 3), ANY)]),
              (f"np.flip(x0, 1) * {W(2, 3)}", [((2, 3), ANY)]),
              (f"np.flip(x0, (0, 2)) * {W(2, 3, 2)}", [((2, 3, 2), ANY)])],
    np.roll: [(f"np.roll(x0, 2) * {W(2, 3)}", [((2, 3), ANY)]),
              (f"np.roll(x0, -1, axis=1) * {W(2, 3)}", [((2, 3), ANY)]),
              (f"np.roll(x0, (1, 2), axis=(0, 1)) * {W(2, 3)}", [((2, 3), ANY)])],
    np.pad: [(f"np.pad(x0, 1) * {W(4, 5)}", [((2, 3), ANY)]),
             (f"np.pad(x0, ((1, 0), (0, 2)), constant_values=x1) * {W(3, 5)}",
              [((2, 3), ANY), (S, ANY)]),
             (f"np.pad(x0, 1, constant_values=x1) * {W(4)}", [((2,), ANY), ((2,), ANY)]),
             (f"np.pad(x0, 2, mode='reflect') * {W(7)}", [((3,), ANY)]),
             (f"np.pad(x0, (1, 2), mode='edge') * {W(5, 6)}", [((2, 3), ANY)]),
             (f"np.pad(x0, 1, 'wrap') * {W(5)}", [((3,), ANY)]),
             (f"np.pad(x0, (2, 1), 'symmetric') * {W(6)}", [((3,), ANY)])],
    np.take: [(f"np.take(x0, [0, 2, 2]) * {W(3)}", [((2, 3), ANY)]),
              (f"np.take(x0, [[1, 0], [1, -1]], axis=1) * {W(2, 2, 2)}", [((2, 3), ANY)]),
              ("np.take(x0, 4, mode='wrap')", [((3,), ANY)]),
              (f"np.take(x0, [0, 5], axis=0, mode='clip') * {W(2, 2)}", [((3, 2), ANY)])],
    np.triu: [(f"np.triu(x0) * {W(3, 4)}", [((3, 4), ANY)]),
              (f"np.triu(x0, -1) * {W(2, 3, 3)}", [((2, 3, 3), ANY)]),
              (f"np.triu(x0) * {W(3, 3)}", [((3,), ANY)])],
    np.tril: [(f"np.tril(x0) * {W(3, 4)}", [((3, 4), ANY)]),
              (f"np.tril(x0, 1) * {W(2, 3, 3)}", [((2, 3, 3), ANY)])],
})

# ------------------------------------------------------------ construction, sorting
SAMPLES.update({
    np.array: [(f"np.array([x0, x1]) * {W(2)}", [(S, ANY), (S, ANY)]),
               (f"np.array([[x0, x1], [x1, 2.0]]) * {W(2, 2)}", [(S, ANY), (S, ANY)]),
               (f"np.array(x0) * {W(3)}", [((3,), ANY)]),
               (f"np.array([x0, x1]) * {W(2, 3)}", [((3,), ANY), ((3,), ANY)]),
               (f"np.array(x0, ndmin=2) * {W(1, 3)}", [((3,), ANY)]),
               ("np.array([x0, x1], dtype=float)", [(S, ANY), (S, ANY)])],
    np.asarray: [(f"np.asarray([x0, x1]) * {W(2)}", [(S, ANY), (S, ANY)]),
                 (f"np.asarray(x0) * {W(3)}", [((3,), ANY)])],
    np.sort: [(f"np.sort(x0) * {W(2, 3)}", [((2, 3), ANY)]),
              (f"np.sort(x0, axis=0) * {W(2, 3)}", [((2, 3), ANY)]),
              (f"np.sort(x0, axis=None) * {W(6)}", [((2, 3), ANY)])],
})

# ------------------------------------------------------- added for autograd parity
SAMPLES.update({
    np.rad2deg: [("np.rad2deg(x0) * 0.01", [((3, 4), ANY)])],
    np.degrees: [("np.degrees(x0) * 0.01", [(S, ANY)]), ("np.degrees(x0) * 0.01", [((3,), ANY)])],
    np.deg2rad: [("np.deg2rad(x0 * 60.0)", [((3,), ANY)]), ("np.deg2rad(x0)", [((2,), ANY)])],
    np.radians: [("np.radians(x0 * 60.0)", [(S, ANY)]), ("np.radians(x0)", [((3,), ANY)])],
    np.fabs: [("np.fabs(x0)", [((3, 4), ANY)])],
    np.copysign: [("np.copysign(x0, x1)", [((3, 4), ANY), ((4,), ANY)]),
                  ("np.copysign(x0, -1.0)", [((3,), ANY)]),
                  ("np.copysign(x0, x1)", [(S, ANY), ((3,), ANY)])],
    np.remainder: [("np.mod(x0, x1)", [((3, 4), (0.1, 2.9)), ((4,), (1.3, 1.7))]),
                   ("np.remainder(x0, 0.7)", [((3,), (0.1, 0.65))]),
                   ("np.mod(x0, x1)", [(S, (-2.9, -2.1)), ((3,), (1.1, 1.4))])],
    np.fmod: [("np.fmod(x0, x1)", [((3, 4), (-2.9, -2.1)), ((4,), (1.1, 1.4))]),
              ("np.fmod(x0, 0.7)", [((3,), (0.1, 0.65))])],
    np.nan_to_num: [("np.nan_to_num(x0)", [((3,), ANY)]),
                    ("np.nan_to_num(np.where(x0 > 1.0, np.inf, x0))", [((3, 4), ANY)]),
                    ("np.nan_to_num(np.where(x0 < 0.0, np.nan, x0), nan=-5.0) * x1",
                     [((3,), ANY), ((3,), ANY)])],
    np.ptp: [("np.ptp(x0 * np.arange(1.0, 7.0).reshape(2, 3))", [((2, 3), POS)]),
             ("np.ptp(x0 * np.arange(1.0, 7.0).reshape(2, 3), axis=1, keepdims=True)",
              [((2, 3), POS)])],
    np.nanmean: [("np.nanmean(np.where(np.eye(3, 4) > 0.0, np.nan, x0), axis=0)", [((3, 4), ANY)]),
                 ("np.nanmean(x0)", [((2, 3), ANY)]),
                 ("np.nanmean(x0, axis=(0, 2), keepdims=True)", [((2, 3, 2), ANY)]),
                 ("np.nanmean(np.where(x0 > 1.5, np.nan, x0), axis=1, where=x1 > -0.5)",
                  [((3, 4), ANY), ((3, 4), ANY)])],
    np.nanvar: [("np.nanvar(np.where(np.eye(3, 4) > 0.0, np.nan, x0), axis=1)", [((3, 4), ANY)]),
                ("np.nanvar(x0, ddof=1)", [((2, 3), ANY)]),
                ("np.nanvar(x0, axis=0, keepdims=True)", [((3, 2), ANY)]),
                ("np.nanvar(np.where(x0 > 1.5, np.nan, x0), where=x1 > -0.5)",
                 [((3, 4), ANY), ((3, 4), ANY)])],
    np.nanstd: [("np.nanstd(np.where(np.eye(3, 5) > 0.0, np.nan, x0), axis=1, ddof=1)",
                 [((3, 5), ANY)]),
                ("np.nanstd(x0)", [((2, 3), ANY)]),
                ("np.nanstd(x0, axis=1, ddof=1, where=np.array([True, False, True, True]))",
                 [((2, 4), ANY)])],
    np.nanprod: [("np.nanprod(np.where(np.eye(3, 4) > 0.0, np.nan, x0), axis=0)", [((3, 4), ANY)]),
                 ("np.nanprod(x0, keepdims=True)", [((2, 3), ANY)]),
                 ("np.nanprod(np.where(x0 > 1.5, np.nan, x0), axis=0, "
                  "where=x1 > -0.5, initial=3.0)",
                  [((3, 4), ANY), ((4,), ANY)])],
    np.nanmax: [("np.nanmax(np.where(x0 > 1.7, np.nan, x0 * np.arange(1.0, 7.0).reshape(2, 3)),"
                 " axis=1)", [((2, 3), POS)]),
                ("np.nanmax(x0 * np.arange(1.0, 7.0))", [((6,), POS)]),
                ("np.nanmax(x0 * np.arange(1.0, 7.0).reshape(2, 3), axis=1, where=" + MASK23
                 + ", initial=-50.0)",
                 [((2, 3), POS)]),
                ("np.nanmax(np.where(x0 > 1.7, np.nan, x0 * np.arange(1.0, 7.0)), initial=20.0)",
                 [((6,), POS)])],
    np.nanmin: [("np.nanmin(x0 * np.arange(1.0, 7.0).reshape(2, 3), axis=0, keepdims=True)",
                 [((2, 3), POS)]),
                ("np.nanmin(x0 * np.arange(1.0, 7.0).reshape(2, 3), where=" + MASK23
                 + ", initial=50.0)",
                 [((2, 3), POS)])],
    np.median: [("np.median(x0)", [((5,), ANY)]), ("np.median(x0)", [((2, 3), ANY)]),
                ("np.median(x0, axis=1)", [((3, 4), ANY)]),
                ("np.median(x0, axis=(0, 2), keepdims=True)", [((3, 2, 3), ANY)])],
    np.quantile: [("np.quantile(x0, 0.3)", [((7,), ANY)]),
                  (f"np.quantile(x0, [0.1, 0.5, 0.95], axis=0) * {W(3, 4)}", [((5, 4), ANY)]),
                  ("np.quantile(x0, 0.8, axis=-1, keepdims=True)", [((2, 6), ANY)])],
    np.percentile: [("np.percentile(x0, 30.0)", [((7,), ANY)]),
                    (f"np.percentile(x0, [10.0, 75.0], axis=1) * {W(2, 3)}", [((3, 5), ANY)])],
    np.nancumsum: [(f"np.nancumsum(np.where(x0 > 1.0, np.nan, x0)) * {W(6)}", [((2, 3), ANY)]),
                   (f"np.nancumsum(x0, axis=1) * {W(2, 3)}", [((2, 3), ANY)])],
    np.diff: [(f"np.diff(x0) * {W(4)}", [((5,), ANY)]),
              (f"np.diff(x0, 2, axis=0) * {W(2, 3)}", [((4, 3), ANY)]),
              (f"np.diff(x0, n=3) * {W(3, 2)}", [((3, 5), ANY)]),
              (f"np.diff(x0, prepend=x1, append=x2) * {W(5)}",
               [((4,), ANY), (S, ANY), ((1,), ANY)]),
              (f"np.diff(x0, axis=0, prepend=x1) * {W(2, 2)}", [((2, 2), ANY), ((1, 2), ANY)])],
    np.gradient: [(f"np.gradient(x0) * {W(5)}", [((5,), ANY)]),
                  (f"np.gradient(x0, 0.5) * {W(5)}", [((5,), ANY)]),
                  (f"np.gradient(x0, 0.5, edge_order=2) * {W(5)}", [((5,), ANY)]),
                  (f"np.gradient(x0, axis=1) * {W(3, 4)}", [((3, 4), ANY)]),
                  (f"np.gradient(x0)[0] * {W(3, 4)} + np.gradient(x0)[1]", [((3, 4), ANY)]),
                  (f"np.gradient(x0, np.array([0.0, 0.5, 1.5, 1.75]), axis=0) * {W(4, 2)}",
                   [((4, 2), ANY)]),
                  (f"np.gradient(x0, 0.5, 2.0)[1] * {W(3, 4)}", [((3, 4), ANY)])],
    np.convolve: [(f"np.convolve(x0, x1) * {W(7)}", [((5,), ANY), ((3,), ANY)]),
                  (f"np.convolve(x0, x1, 'same') * {W(5)}", [((5,), ANY), ((3,), ANY)]),
                  (f"np.convolve(x0, x1, mode='valid') * {W(3)}", [((5,), ANY), ((3,), ANY)]),
                  (f"np.convolve(x0, x1, 'same') * {W(6)}", [((4,), ANY), ((6,), ANY)]),
                  (f"np.convolve(x0, x1, 'valid') * {W(3)}", [((4,), ANY), ((6,), ANY)]),
                  (f"np.convolve(x0, x1, 'same') * {W(6)}", [((6,), ANY), ((4,), ANY)])],
    np.trace: [("np.trace(x0)", [((3, 3), ANY)]), ("np.trace(x0)", [((2, 4), ANY)]),
               ("np.trace(x0, 1)", [((3, 4), ANY)]), ("np.trace(x0, offset=-1)", [((3, 3), ANY)]),
               (f"np.trace(x0, 0, 1, 2) * {W(2)}", [((2, 3, 3), ANY)]),
               (f"np.trace(x0, offset=1, axis1=2, axis2=0) * {W(3)}", [((2, 3, 4), ANY)])],
    np.kron: [(f"np.kron(x0, x1) * {W(6)}", [((2,), ANY), ((3,), ANY)]),
              (f"np.kron(x0, x1) * {W(4, 6)}", [((2, 3), ANY), ((2, 2), ANY)]),
              (f"np.kron(x0, x1) * {W(2, 6)}", [((3,), ANY), ((2, 2), ANY)]),
              (f"np.kron(x0, x1) * {W(2, 3)}", [(S, ANY), ((2, 3), ANY)])],
    np.cross: [(f"np.cross(x0, x1) * {W(3)}", [((3,), ANY), ((3,), ANY)]),
               (f"np.cross(x0, x1) * {W(4, 3)}", [((4, 3), ANY), ((3,), ANY)]),
               (f"np.cross(x0, x1) * {W(2)}", [((2, 2), ANY), ((2, 2), ANY)]),
               (f"np.cross(x0, x1) * {W(3)}", [((2,), ANY), ((3,), ANY)]),
               (f"np.cross(x0, x1, axisa=0, axisb=0) * {W(2, 3)}", [((3, 2), ANY), ((3, 2), ANY)]),
               (f"np.cross(x0, x1, axis=0) * {W(3, 2)}", [((3, 2), ANY), ((3, 2), ANY)]),
               (f"np.cross(x0, x1, axisc=0) * {W(3, 2)}", [((2, 3), ANY), ((2, 3), ANY)])],
    np.flipud: [(f"np.flipud(x0) * {W(2, 3)}", [((2, 3), ANY)]),
                (f"np.flipud(x0) * {W(3)}", [((3,), ANY)])],
    np.fliplr: [(f"np.fliplr(x0) * {W(2, 3, 2)}", [((2, 3, 2), ANY)])],
    np.rot90: [(f"np.rot90(x0) * {W(3, 2)}", [((2, 3), ANY)]),
               (f"np.rot90(x0, 2) * {W(2, 3)}", [((2, 3), ANY)]),
               (f"np.rot90(x0, k=-1, axes=(1, 2)) * {W(2, 4, 3)}", [((2, 3, 4), ANY)])],
    np.rollaxis: [(f"np.rollaxis(x0, 2) * {W(4, 2, 3)}", [((2, 3, 4), ANY)]),
                  (f"np.rollaxis(x0, 0, 3) * {W(3, 4, 2)}", [((2, 3, 4), ANY)]),
                  (f"np.rollaxis(x0, -1, start=1) * {W(2, 4, 3)}", [((2, 3, 4), ANY)])],
    np.atleast_1d: [(f"np.atleast_1d(x0) * {W(1)}", [(S, ANY)]),
                    (f"np.atleast_1d(x0) * {W(3)}", [((3,), ANY)])],
    np.atleast_2d: [(f"np.atleast_2d(x0) * {W(1, 3)}", [((3,), ANY)]),
                    (f"np.atleast_2d(x0) * {W(1, 1)}", [(S, ANY)])],
    np.atleast_3d: [(f"np.atleast_3d(x0) * {W(1, 3, 1)}", [((3,), ANY)]),
                    (f"np.atleast_3d(x0) * {W(2, 3, 1)}", [((2, 3), ANY)])],
    np.hsplit: [(f"np.hsplit(x0, 2)[1] * {W(2, 2)}", [((2, 4), ANY)]),
                (f"np.hsplit(x0, [1])[1] * {W(3)}", [((4,), ANY)])],
    np.vsplit: [(f"np.vsplit(x0, [1, 2])[2] * {W(2, 3)}", [((4, 3), ANY)])],
    np.dsplit: [(f"np.dsplit(x0, 2)[0] * {W(2, 1, 2)}", [((2, 1, 4), ANY)])],
    np.real_if_close: [("np.real_if_close(x0 + 0j) * x1", [((3,), ANY), ((3,), ANY)]),
                       ("np.real_if_close(x0) * x0", [((2, 3), ANY)]),
                       ("np.real(np.real_if_close(x0 + 1j * x1))", [((3,), ANY), ((3,), ANY)])],
    np.linspace: [(f"np.linspace(x0, x1, 5) * {W(5)}", [(S, ANY), (S, ANY)]),
                  (f"np.linspace(x0, x1, num=4, endpoint=False) * {W(4)}", [(S, ANY), (S, ANY)]),
                  (f"np.linspace(x0, x1, 3) * {W(3, 2)}", [((2,), ANY), ((2,), ANY)]),
                  (f"np.linspace(x0, 2.0, 3, axis=1) * {W(2, 3)}", [((2,), ANY)]),
                  (f"np.linspace(x0, x1, 4, axis=-1) * {W(2, 3, 4)}", [((3,), ANY), ((2, 1), ANY)]),
                  ("np.linspace(x0, x1, 1)", [(S, ANY), (S, ANY)])],
    np.select: [("np.select([x0 < -0.5, x0 > 0.5], [x0 * x1, x1 ** 2], x0)",
                 [((3, 4), ANY), ((4,), ANY)]),
                ("np.select([x0 > 0.0], [x0])", [((4,), ANY)]),
                ("np.select([x0 < 0.0, x0 < 1.0], [x1, x0], default=x1)",
                 [((3,), ANY), (S, ANY)])],
    np.choose: [("np.choose([0, 1, 2, 1], [x0, x1, x0 * x1])", [((4,), ANY), ((4,), ANY)]),
                ("np.choose([[0], [1]], (x0, x1))", [((3,), ANY), (S, ANY)]),
                ("np.choose([0, 3, 1], [x0, x1], mode='wrap')", [((3,), ANY), ((3,), ANY)])],
    np.column_stack: [(f"np.column_stack([x0, x1]) * {W(3, 3)}", [((3,), ANY), ((3, 2), ANY)]),
                      (f"np.column_stack((x0, x1)) * {W(1, 2)}", [(S, ANY), (S, ANY)])],
    np.row_stack: [(f"np.row_stack([x0, x1]) * {W(3, 3)}", [((3,), ANY), ((2, 3), ANY)])],
    np.dstack: [(f"np.dstack([x0, x1]) * {W(1, 3, 2)}", [((3,), ANY), ((3,), ANY)]),
                (f"np.dstack((x0, x1)) * {W(2, 3, 3)}", [((2, 3), ANY), ((2, 3, 2), ANY)])],
    np.append: [(f"np.append(x0, x1) * {W(9)}", [((2, 3), ANY), ((3,), ANY)]),
                (f"np.append(x0, x1) * {W(4)}", [((3,), ANY), (S, ANY)]),
                (f"np.append(x0, x1, axis=0) * {W(3, 3)}", [((2, 3), ANY), ((1, 3), ANY)]),
                (f"np.append(x0, x1, 1) * {W(2, 5)}", [((2, 3), ANY), ((2, 2), ANY)])],
    np.partition: [(f"np.partition(x0, 2) * {W(5)}", [((5,), ANY)]),
                   (f"np.partition(x0, (1, 3), axis=0) * {W(4, 3)}", [((4, 3), ANY)]),
                   (f"np.partition(x0, 1, axis=None) * {W(6)}", [((2, 3), ANY)])],
})

# ------------------------------------------------------------ numpy.linalg (linalg.py)
_REAL_EIGENVALUES = "(0.3 * x0 + np.diag([0.0, 3.0, 6.0]))"  # distinct, real eigenvalues
SAMPLES.update({
    np.linalg.svd: [("np.linalg.svd(x0, compute_uv=False)", [((3, 2), ANY)]),
                    ("np.linalg.svd(x0, compute_uv=False)", [((2, 3, 4), ANY)]),
                    (f"np.linalg.svd(x0)[0] * {W(3, 3)}", [((3, 3), ANY)]),
                    (f"np.linalg.svd(x0)[2] * {W(3, 3)}", [((3, 3), ANY)]),
                    (f"np.linalg.svd(x0, full_matrices=False)[0] * {W(4, 2)}", [((4, 2), ANY)]),
                    (f"np.linalg.svd(x0, full_matrices=False)[2] * {W(2, 4)}", [((2, 4), ANY)]),
                    (f"np.linalg.svd(x0, False)[2] * {W(2, 2)}", [((4, 2), ANY)]),
                    (f"np.linalg.svd(x0, full_matrices=False)[0] * {W(2, 4, 3)}",
                     [((2, 4, 3), ANY)]),
                    # full_matrices=True of a non-square matrix: only s and the unique vectors
                    ("np.linalg.svd(x0)[1]", [((4, 2), ANY)]),
                    (f"np.linalg.svd(x0)[2] * {W(2, 2)}", [((4, 2), ANY)]),
                    (f"np.linalg.svd(x0)[0][:, :2] * {W(2, 2)}", [((2, 4), ANY)]),
                    # hermitian=True reads the lower triangle (x0 need not be symmetric)
                    (f"np.linalg.svd(x0 + np.diag([0.0, 3.0, 7.0]), hermitian=True)[0] * "
                     f"{W(3, 3)}", [((3, 3), ANY)]),
                    ("np.linalg.svd(x0, compute_uv=False, hermitian=True)", [((3, 3), ANY)])],
    np.linalg.eigh: [("np.linalg.eigh(x0)[0]", [((3, 3), ANY)]),
                     (f"np.linalg.eigh(x0)[1] * {W(3, 3)}", [((3, 3), ANY)]),
                     (f"np.linalg.eigh(x0, UPLO='U')[1] * {W(3, 3)}", [((3, 3), ANY)]),
                     ("np.linalg.eigh(x0, 'U')[0] * np.linalg.eigh(x0, 'U')[1][0]",
                      [((3, 3), ANY)]),
                     (f"np.linalg.eigh(x0)[1] * {W(2, 3, 3)}", [((2, 3, 3), ANY)])],
    np.linalg.eigvalsh: [("np.linalg.eigvalsh(x0)", [((3, 3), ANY)]),
                         ("np.linalg.eigvalsh(x0, UPLO='U')", [((2, 3, 3), ANY)])],
    np.linalg.eig: [(f"np.linalg.eig({_REAL_EIGENVALUES})[0]", [((3, 3), UNIT)]),
                    (f"np.linalg.eig({_REAL_EIGENVALUES})[1] * {W(3, 3)}", [((3, 3), UNIT)]),
                    (f"np.linalg.eig({_REAL_EIGENVALUES})[0] * np.linalg.eig("
                     f"{_REAL_EIGENVALUES})[1][1]", [((3, 3), UNIT)])],
    np.linalg.eigvals: [(f"np.linalg.eigvals({_REAL_EIGENVALUES})", [((3, 3), UNIT)])],
    np.linalg.pinv: [(f"np.linalg.pinv(x0) * {W(2, 3)}", [((3, 2), ANY)]),
                     (f"np.linalg.pinv(x0) * {W(3, 2)}", [((2, 3), ANY)]),
                     (f"np.linalg.pinv(x0 + 3.0 * np.eye(3)) * {W(3, 3)}", [((3, 3), UNIT)]),
                     (f"np.linalg.pinv(x0, rcond=1e-10) * {W(2, 2, 3)}", [((2, 3, 2), ANY)]),
                     (f"np.linalg.pinv(x0 + 3.0 * np.eye(3), hermitian=True) * {W(3, 3)}",
                      [((3, 3), UNIT)])],
    np.linalg.matrix_power: [
        (f"np.linalg.matrix_power(x0, 3) * {W(3, 3)}", [((3, 3), ANY)]),
        (f"np.linalg.matrix_power(x0, 1) * {W(2, 2)}", [((2, 2), ANY)]),
        ("np.linalg.matrix_power(x0, 0) * x1", [((2, 2), ANY), (S, ANY)]),
        (f"np.linalg.matrix_power(x0 + 3.0 * np.eye(3), -2) * {W(3, 3)}", [((3, 3), UNIT)]),
        (f"np.linalg.matrix_power(x0, n=2) * {W(2, 3, 3)}", [((2, 3, 3), ANY)])],
    np.linalg.multi_dot: [
        (f"np.linalg.multi_dot([x0, x1, x2]) * {W(2, 2)}",
         [((2, 3), ANY), ((3, 4), ANY), ((4, 2), ANY)]),
        ("np.linalg.multi_dot([x0, x1, x2])", [((3,), ANY), ((3, 4), ANY), ((4,), ANY)]),
        (f"np.linalg.multi_dot((x0, x1, x0 * 2.0)) * {W(2, 2)}", [((2, 2), ANY), ((2, 2), ANY)]),
        (f"np.linalg.multi_dot([x0, x1]) * {W(4)}", [((3,), ANY), ((3, 4), ANY)])],
})

# ------------------------------------------------------------------ scipy.special
if scipy is not None:
    sp = "scipy.special"
    SAMPLES.update({
        scipy.special.expit: [(f"{sp}.expit(x0)", [((3, 4), ANY)])],
        scipy.special.logit: [(f"{sp}.logit(x0)", [((3, 4), (0.1, 0.9))])],
        scipy.special.erf: [(f"{sp}.erf(x0)", [((3, 4), ANY)])],
        scipy.special.gammaln: [(f"{sp}.gammaln(x0)", [((3, 4), POS)])],
        scipy.special.digamma: [(f"{sp}.digamma(x0)", [((3, 4), POS)])],
        scipy.special.logsumexp: [
            (f"{sp}.logsumexp(x0)", [((2, 3), ANY)]),
            (f"{sp}.logsumexp(x0, axis=1)", [((2, 3), ANY)]),
            (f"{sp}.logsumexp(x0, axis=0, keepdims=True)", [((2, 3), ANY)]),
            (f"{sp}.logsumexp(x0, axis=1, b=x1)", [((2, 3), ANY), ((3,), POS)]),
            (f"{sp}.logsumexp(x0, b=x1)", [((3,), ANY), (S, POS)]),
            (f"{sp}.logsumexp(x0 * 400.0, axis=-1)", [((2, 3), ANY)])],
        scipy.special.softmax: [
            (f"{sp}.softmax(x0) * {W(2, 3)}", [((2, 3), ANY)]),
            (f"{sp}.softmax(x0, axis=1) * {W(2, 3)}", [((2, 3), ANY)]),
            (f"{sp}.softmax(x0 * 400.0, axis=0) * {W(2, 3)}", [((2, 3), ANY)])],
        scipy.special.log_softmax: [
            (f"{sp}.log_softmax(x0) * {W(2, 3)}", [((2, 3), ANY)]),
            (f"{sp}.log_softmax(x0, axis=1) * {W(2, 3)}", [((2, 3), ANY)]),
            (f"{sp}.log_softmax(x0 * 400.0, axis=0) * {W(2, 3)}", [((2, 3), ANY)])],
    })

# max/min reductions: distinct values so the arg-extreme is unique and stable.
for f in (np.max, np.min, np.amax, np.amin):
    name = f"np.{f.__name__}"
    SAMPLES[f] = [(f"{name}(x0 * np.arange(6.0).reshape(2, 3))", [((2, 3), POS)]),
                  (f"{name}(x0 * np.arange(6.0).reshape(2, 3), axis=1)", [((2, 3), POS)]),
                  (f"{name}(x0 * np.arange(6.0).reshape(2, 3), axis=0, keepdims=True)",
                   [((2, 3), POS)]),
                  # where= and initial=: the selected entries attaining the extreme share
                  # g; none when the initial value is the extreme
                  (f"{name}(x0 * np.arange(6.0).reshape(2, 3), axis=1, where={MASK23}, "
                   f"initial={'-' if 'max' in name else ''}50.0)", [((2, 3), POS)]),
                  (f"{name}(x0 * np.arange(1.0, 7.0), initial={'' if 'max' in name else '-'}"
                   "0.5)", [((6,), POS)]),
                  (f"{name}(x0 * np.arange(6.0).reshape(2, 3), axis=0, keepdims=True, "
                   f"where={MASK23}, initial={'-' if 'max' in name else ''}50.0)",
                   [((2, 3), POS)])]

# ufunc methods: along axis 0 unless given, on matrices and vectors
SAMPLES[np.add.reduce] = [("np.add.reduce(x0)", [((3, 4), ANY)]),
                          ("np.add.reduce(x0, axis=1, keepdims=True)", [((3, 4), ANY)])]
SAMPLES[np.multiply.reduce] = [("np.multiply.reduce(x0, axis=1)", [((3, 4), POS)])]
SAMPLES[np.maximum.reduce] = [("np.maximum.reduce(x0)", [((3, 4), ANY)])]
SAMPLES[np.minimum.reduce] = [("np.minimum.reduce(x0, axis=1)", [((3, 4), ANY)])]
SAMPLES[np.add.accumulate] = [(f"np.add.accumulate(x0) * {W(12)}.reshape(3, 4)",
                               [((3, 4), ANY)])]
SAMPLES[np.multiply.accumulate] = [(f"np.multiply.accumulate(x0, axis=1) * {W(12)}"
                                    ".reshape(3, 4)", [((3, 4), POS)])]

DOMAINS = {"tan": UNIT, "arcsin": UNIT, "arccos": UNIT, "asin": UNIT, "acos": UNIT, "log": POS,
           "log2": POS, "log10": POS, "log1p": POS, "sqrt": POS, "power": POS,
           "arccosh": (1.2, 3.0), "acosh": (1.2, 3.0), "arctanh": UNIT, "atanh": UNIT,
           "cbrt": POS, "reciprocal": POS}
# rules added later, whose samples come last (cases are seeded by position: a function
# the loop below reached first would shift every case after it)
SAMPLED_LAST = {*STDLIB_RULES, np.insert, np.maximum.accumulate, np.minimum.accumulate,
                np.logaddexp.reduce, np.logaddexp2.reduce, np.meshgrid, np.broadcast_arrays,
                np.polyfit, math.lgamma, np.arange, np.require}
for f in RULES:
    module = getattr(f, "__module__", None) or ("numpy" if isinstance(f, np.ufunc) else None)
    if f in SAMPLES or f in SAMPLED_LAST or module not in ("math", "numpy", None):
        continue
    name = f.__name__
    params = list(RULES[f].signature.parameters)
    required = [p for p in params if RULES[f].signature.parameters[p].default is
                RULES[f].signature.parameters[p].empty]
    domain = DOMAINS.get(name, ANY)
    if isinstance(f, np.ufunc) or module == "numpy":
        args = ", ".join(f"x{i}" for i in range(len(required)))
        # a divisor near zero makes the finite differences inaccurate
        second = POS if name in ("power", "divide") else ANY
        shapes = [((3, 4), domain), ((4,), second)][: len(required)]
        SAMPLES[f] = [(f"np.{name}({args})", shapes)]
        if len(required) == 2:
            SAMPLES[f].append((f"np.{name}({args})", [(S, domain), ((3,), second)]))
    else:  # math: scalars only
        args = ", ".join(f"x{i}" for i in range(len(required)))
        SAMPLES[f] = [(f"math.{name}({args})", [(S, domain)] * len(required))]
SAMPLES[math.log].append(("math.log(x0, x1)", [(S, POS), (S, (1.5, 3.0))]))
SAMPLES[math.pow] = [("math.pow(x0, x1)", [(S, POS), (S, ANY)])]
SAMPLES[math.atan2] = [("math.atan2(x0, x1)", [(S, ANY), (S, POS)])]
SAMPLES[math.fsum] = [("math.fsum([x0, x1 * x0, 2.0])", [(S, ANY), (S, ANY)]),
                      ("math.fsum(x0)", [((4,), ANY)])]
SAMPLES[math.hypot] = [("math.hypot(x0, x1)", [(S, POS), (S, POS)])]
SAMPLES[statistics.fmean] = [("statistics.fmean([x0, x1 * x0, 2.0])", [(S, ANY), (S, ANY)]),
                             ("statistics.fmean(x0, weights=x1)", [((4,), ANY), ((4,), POS)])]
SAMPLES.update(SCIPY_SAMPLES)  # numpy.fft, and SciPy's rules when it is installed

# The helpers generated code calls (rules/higher.py: generated code differentiated again),
# each with the parameters it reads only for a shape passed values being differentiated too
SAMPLES.update({
    HELPERS["as_grad"]: [("as_grad(x0 * x1, x1)", [((3,), ANY), ((3,), ANY)]),
                         ("as_grad(x0 * x1, x1)", [(S, ANY), ((2, 3), ANY)]),
                         ("as_grad(x0 * x0, x0)", [(S, ANY)])],
    HELPERS["owned"]: [("owned(x0) * x0", [((3,), ANY)])],
    HELPERS["as_array"]: [("as_array(x0) * x1", [((3,), ANY), ((3,), ANY)]),
                          ("as_array([x0, x1 * 2.0]) * x1", [(S, ANY), (S, ANY)])],
    HELPERS["cumsum_grad"]: [("cumsum_grad(x0 * x1, x1, 0) * x1", [((4,), ANY), ((4,), ANY)]),
                             ("cumsum_grad(x0, x1, None) * x1", [((6,), ANY), ((2, 3), ANY)]),
                             ("cumsum_grad(x0, x1, 1)", [((2, 3), ANY), ((2, 3), ANY)])],
    HELPERS["reshape_grad"]: [("reshape_grad(x0 * x0, x1) * x1", [((2, 3), ANY), ((6,), ANY)])],
    HELPERS["map_grad"]: [("map_grad(np.flip, x0 * x1, 0) * x1", [((4,), ANY), ((4,), ANY)]),
                          ("map_grad(np.swapaxes, x0, 0, 1) * x1", [((2, 3), ANY), ((3, 2), ANY)])],
    HELPERS["outer_grad_a"]: [("outer_grad_a(x0, x1, x2 * x1[0]) * x1",
                               [((3, 2), ANY), ((3,), ANY), ((2,), ANY)])],
    HELPERS["outer_grad_b"]: [("outer_grad_b(x0, x1, x2) * x2",
                               [((3, 2), ANY), ((3,), ANY), ((2,), ANY)])],
    HELPERS["masked_sum_grad"]: [("masked_sum_grad(x0, x1, 0, False, x1 > 0.0) * x1",
                                  [((3,), ANY), ((2, 3), ANY)])],
    HELPERS["index_trick_grad"]: [
        ("index_trick_grad(x0, np.r_, (x1, slice(0, 2), x1))[2] * x1", [((8,), ANY), ((3,), ANY)]),
        ("index_trick_grad(x0 * x0, np.c_, (x1, x1 * 2.0))[1] * x1", [((3, 2), ANY), ((3,), ANY)])],
    HELPERS["index_trick_tangent"]: [
        ("index_trick_tangent((x0, 0.0, x0 * 2.0), np.r_, (x1, slice(0, 2), x1)) * x2",
         [((3,), ANY), ((3,), ANY), ((8,), ANY)])],
    HELPERS["unbroadcast"]: [("unbroadcast(x0, x1) * x1", [((2, 3), ANY), ((3,), ANY)]),
                             ("unbroadcast(x0, x1) * x1", [((2, 3), ANY), ((2, 1), ANY)]),
                             ("unbroadcast(x0, x1) * x1", [((3,), ANY), (S, ANY)])],
    HELPERS["unbroadcast_to"]: [("unbroadcast_to(x0, record_shape(x1)) * x1",
                                 [((2, 3), ANY), ((3,), ANY)])],
    HELPERS["add_grads"]: [("add_grads(x0, x1) * x1", [((3,), ANY), ((2, 3), ANY)]),
                           ("add_grads(x0, x1)", [(S, ANY), (S, ANY)])],
    HELPERS["accum_index"]: [("accum_index(x0 * 1.0, x1, 1, x2) * x1",
                              [((3, 2), ANY), ((3, 2), ANY), ((2,), ANY)]),
                             ("accum_index(0.0, x1, np.array([0, 2, 0]), x0) * x1",
                              [((3,), ANY), ((4,), ANY)]),
                             ("accum_index(x0 * 1.0, x0, (1, 0), x1 * x1)",
                              [((2, 3), ANY), (S, ANY)])],
    HELPERS["save_slot"]: [("save_slot(x0 * 1.0, 1) * x1", [((3, 2), ANY), ((2,), ANY)])],
    HELPERS["save_float_slot"]: [("save_float_slot(x0 * 1.0, (0, 1)) * x1",
                                  [((2, 3), ANY), ((2,), ANY)])],
    HELPERS["take_slot_grad"]: [
        ("take_slot_grad(x0 * 1.0, 1)[1] * x1", [((3,), ANY), ((3,), ANY)]),
        ("take_slot_grad(x0 * 1.0, 1)[0] * x1", [((3, 2), ANY), ((2,), ANY)])],
    HELPERS["pick_grad"]: [("np.sum(pick_grad(x0, x1, np.max(x1)) * x1)", [(S, ANY), ((4,), ANY)]),
                           ("np.sum(pick_grad(x0 * x0, x1, np.min(x1)))", [(S, ANY), ((3,), ANY)])],
    HELPERS["sum_grad"]: [("sum_grad(x0, x1) * x1", [((3,), ANY), ((2, 3), ANY)]),
                          ("sum_grad(x0, x1) * x1", [(S, ANY), ((4,), ANY)])],
    HELPERS["item_grad"]: [("item_grad(x0, 1) * x1", [((3, 2), ANY), ((2,), ANY)])],
    HELPERS["unreduce"]: [("unreduce(x0, x1, 1, False) * x1", [((2,), ANY), ((2, 3), ANY)]),
                          ("unreduce(x0, x1, None, False) * x1", [(S, ANY), ((2, 3), ANY)]),
                          ("unreduce(x0, x1, 0, True) * x1", [((1, 3), ANY), ((2, 3), ANY)])],
    HELPERS["unreduce_mean"]: [("unreduce_mean(x0, x1, x0, 1, False) * x1",
                                [((2,), ANY), ((2, 3), ANY)])],
    HELPERS["unreduce_extreme"]: [
        (f"unreduce_extreme(x0, x1 * {W(2, 3)}, np.max(x1 * {W(2, 3)}, axis=1), 1, False)"
         " * x1", [((2,), ANY), ((2, 3), POS)]),
        (f"unreduce_extreme(x0, x1 * {W(2, 3)}, np.max(x1 * {W(2, 3)}), None, False) * x1",
         [(S, ANY), ((2, 3), POS)])],
    HELPERS["expand_reduced"]: [("expand_reduced(x0, x1, 1, False) * x1",
                                 [((2,), ANY), ((2, 3), ANY)])],
    HELPERS["reshape_like"]: [("reshape_like(x0, x1) * x1", [((6,), ANY), ((2, 3), ANY)])],
    HELPERS["reshape_to"]: [("reshape_to(x0, record_shape(x1)) * x1",
                             [((6,), ANY), ((2, 3), ANY)])],
    HELPERS["matmul_grad_a"]: [
        ("matmul_grad_a(x0, x1, x2) * x1", [((2, 4), ANY), ((2, 3), ANY), ((3, 4), ANY)]),
        ("matmul_grad_a(x0, x1, x2) * x1", [((2,), ANY), ((2, 3), ANY), ((3,), ANY)]),
        ("matmul_grad_a(x0, x1, x2) * x1", [(S, ANY), ((3,), ANY), ((3,), ANY)]),
        ("matmul_grad_a(x0, x1, x2) * x1", [((4,), ANY), ((3,), ANY), ((3, 4), ANY)])],
    HELPERS["matmul_grad_b"]: [
        ("matmul_grad_b(x0, x1, x2) * x2", [((2, 4), ANY), ((2, 3), ANY), ((3, 4), ANY)]),
        ("matmul_grad_b(x0, x1, x2) * x2", [((2,), ANY), ((2, 3), ANY), ((3,), ANY)]),
        ("matmul_grad_b(x0, x1, x2) * x2", [(S, ANY), ((3,), ANY), ((3,), ANY)]),
        ("matmul_grad_b(x0, x1, x2) * x2", [((4,), ANY), ((3,), ANY), ((3, 4), ANY)])],
    HELPERS["pow_grad_base"]: [("pow_grad_base(x0, x1, x2)", [((3,), ANY), ((3,), POS), (S, ANY)]),
                               ("pow_grad_base(x0, x1, 3)", [(S, ANY), ((2,), ANY)]),
                               ("pow_grad_base(x0, x1, 0.0 * x0)", [(S, ANY), (S, POS)])],
    # a loop's deferred sum of matmul_grad_a(g, a, b) over recorded (g, b) pairs (b: a)
    HELPERS["sum_matmul_grad_a"]: [
        ("sum_matmul_grad_a([(x0, x2), (x3 * x0, x2 * 2.0)], x1) * x1",
         [((2,), ANY), ((2, 3), ANY), ((3,), ANY), ((2,), ANY)]),
        ("sum_matmul_grad_a([(x0, x2)], x1) * x1", [((2, 4), ANY), ((2, 3), ANY), ((3, 4), ANY)])],
    HELPERS["sum_matmul_grad_b"]: [
        ("sum_matmul_grad_b([(x0, x1), (x3 * x0, x1 * 2.0)], x2) * x2",
         [((2,), ANY), ((3,), ANY), ((3, 2), ANY), ((2,), ANY)]),
        ("sum_matmul_grad_b([(x0, x1)], x2) * x2", [((2, 4), ANY), ((2, 3), ANY), ((3, 4), ANY)])],
    HELPERS["as_tangent"]: [("as_tangent(x0, x1) * x1", [((3,), ANY), ((3,), ANY)]),
                            ("as_tangent(x0, x1) * x1", [(S, ANY), (S, ANY)])],
    HELPERS["broadcast_tangent"]: [("broadcast_tangent(x0, x1) * x1",
                                    [((3,), ANY), ((2, 3), ANY)])],
    HELPERS["reduce_tangent"]: [("reduce_tangent(x0, x1, None, False)", [((3,), ANY), ((3,), ANY)]),
                                ("reduce_tangent(x0, x1, 1, False)",
                                 [((2, 1), ANY), ((2, 3), ANY)])],
    # (higher5: second order and vector reverse mode)
    HELPERS["seed_for"]: [("seed_for(x0, x1) * x1", [((3,), ANY), ((3,), ANY)])],
    HELPERS["concatenate_grad"]: [("concatenate_grad(x0, [x1, x2], 0)[1] * x2",
                                   [((5,), ANY), ((2,), ANY), ((3,), ANY)])],
    HELPERS["stack_grad"]: [("stack_grad(x0, [x1, x1], 1)[0] * x1", [((3, 2), ANY), ((3,), ANY)])],
    HELPERS["array_grad"]: [("array_grad(x0, [x1, x2], np.array([x1, x2]))[0] * x1",
                             [((2,), ANY), (S, ANY), (S, ANY)])],
    HELPERS["sort_grad"]: [("sort_grad(x0, x1, -1) * x1", [((4,), ANY), ((4,), ANY)])],
    HELPERS["clip_grad"]: [("clip_grad(x0, x1, -0.5, 0.5) * x1", [((4,), ANY), ((4,), ANY)])],
    HELPERS["clip_grad_min"]: [("clip_grad_min(x0, x1, 0.1, None) * x1",
                                [((4,), ANY), ((4,), ANY)])],
    HELPERS["clip_grad_max"]: [("clip_grad_max(x0, x1, None, 0.1) * x1",
                                [((4,), ANY), ((4,), ANY)])],
    HELPERS["sinc_grad"]: [("sinc_grad(x0, x1)", [((3,), ANY), ((3,), ANY)])],
    HELPERS["tile_grad"]: [("tile_grad(x0, x1, 2) * x1", [((6,), ANY), ((3,), ANY)])],
    HELPERS["repeat_grad"]: [("repeat_grad(x0, x1, 2, None) * x1", [((6,), ANY), ((3,), ANY)])],
    HELPERS["pad_grad"]: [("pad_grad(x0, x1, 1, 'constant') * x1", [((5,), ANY), ((3,), ANY)])],
    HELPERS["diag_grad"]: [("diag_grad(x0, x1, 0) * x1", [((3, 3), ANY), ((3,), ANY)])],
    HELPERS["var_grad"]: [("var_grad(x0, x1, 1, 0, False)", [((2,), ANY), ((2, 3), ANY)])],
    HELPERS["std_grad"]: [("std_grad(x0, x1, np.std(x1, axis=1), 1, 0, False)",
                           [((2,), ANY), ((2, 3), ANY)])],
    # (higher6) the second-order rules of np.linalg.inv's, np.tensordot's, np.linalg.norm's
    # and np.cumprod's gradients
    HELPERS["inv_grad"]: [("inv_grad(x0, x1)", [((2, 2), ANY), ((2, 2), ANY)])],
    HELPERS["tensordot_grad"]: [
        ("tensordot_grad(x0, 0, x1, x2, 1)", [((2, 2), ANY), ((2, 3), ANY), ((3, 2), ANY)]),
        ("tensordot_grad(x0, 1, x1, x2, 1)", [((2, 2), ANY), ((2, 3), ANY), ((3, 2), ANY)])],
    HELPERS["norm_grad"]: [("norm_grad(x0, x1, np.linalg.norm(x1, axis=1), None, 1, False)",
                            [((2,), ANY), ((2, 3), POS)])],
    HELPERS["cumprod_grad"]: [("cumprod_grad(x0, x1, np.cumprod(x1), None)",
                               [((4,), ANY), ((4,), POS)])],
    # (higher7) the second-order rules of np.kron's, np.tril's / np.triu's, np.trace's and
    # np.take's gradients
    HELPERS["kron_grad"]: [("kron_grad(x0, x1, x2, 'a') * x1",
                            [((6,), ANY), ((2,), ANY), ((3,), ANY)]),
                           ("kron_grad(x0, x1, x2, 'b') * x2",
                            [((2, 6), ANY), ((2, 2), ANY), ((1, 3), ANY)])],
    HELPERS["tri_grad"]: [("tri_grad(x0, x1, 0, True) * x1", [((3, 3), ANY), ((3, 3), ANY)]),
                          ("tri_grad(x0, x1, -1, False) * x1", [((3, 3), ANY), ((3,), ANY)])],
    HELPERS["trace_grad"]: [("trace_grad(x0, x1, np.trace(x1, 1, 1, 2), 1, 1, 2) * x1",
                             [((2,), ANY), ((2, 3, 3), ANY)])],
    HELPERS["take_grad"]: [("take_grad(x0, x1, [0, 2, 2], None, 'raise') * x1",
                            [((3,), ANY), ((4,), ANY)]),
                           ("take_grad(x0, x1, [1, -1], 1, 'wrap') * x1",
                            [((2, 2), ANY), ((2, 3), ANY)])],
    # (higher8) the second-order rules of the gradients of products, np.linalg.det,
    # slogdet and solve (rules/higher_products.py)
    HELPERS["einsum_grad"]: [
        ("einsum_grad(x0, 1, ('ij,jk->ik', x1, x2, None, None, None, None, None, None)) * x1",
         [((2, 2), ANY), ((2, 3), ANY), ((3, 2), ANY)]),
        ("einsum_grad(x0, 2, (x1, [0, 1], x2, [1], None, None, None, None, None)) * x2",
         [((2,), ANY), ((2, 3), ANY), ((3,), ANY)])],
    HELPERS["inner_grad"]: [("inner_grad(x0, 0, x1, x2) * x1",
                             [((2,), ANY), ((2, 3), ANY), ((3,), ANY)])],
    HELPERS["cross_grad"]: [("cross_grad(x0, x1, x2, -1, -1, -1, None, 'a') * x1",
                             [((3,), ANY), ((3,), ANY), ((3,), ANY)])],
    HELPERS["convolve_grad"]: [("convolve_grad(x0, x1, x2, 'full', 'a') * x1",
                                [((5,), ANY), ((3,), ANY), ((3,), ANY)])],
    HELPERS["diff_grad"]: [("diff_grad(x0, x1, 2, 0, None, x2, 'a') * x1",
                            [((3, 2), ANY), ((3, 2), ANY), ((2, 2), ANY)])],
    HELPERS["quantile_grad"]: [("quantile_grad(x0, x1, [0.2, 0.7], 1, False) * x1",
                                [((2, 2), ANY), ((2, 3), ANY)])],
    HELPERS["diagonal_grad"]: [("diagonal_grad(x0, x1, 1, 1, 2) * x1",
                                [((2, 2), ANY), ((2, 3, 3), ANY)])],
    HELPERS["cholesky_grad"]: [("cholesky_grad(x0, np.linalg.cholesky(x1 @ x1.T + 2.0 * "
                                "np.eye(2)), False)", [((2, 2), ANY), ((2, 2), ANY)])],
    linalg_eigvalsh_grad: [("scipy_samples.linalg_eigvalsh_grad(x0, x1, 'L') * x1[0, 0]",
                            [((3,), ANY), ((3, 3), ANY)])],
    linalg_matrix_power_grad: [("scipy_samples.linalg_matrix_power_grad(x0, x1, 3)",
                                [((2, 2), ANY), ((2, 2), ANY)])],
    linalg_multi_dot_grad: [("scipy_samples.linalg_multi_dot_grad(x0, [x1, x2, x1])[1] * x2",
                             [((2, 3), ANY), ((2, 3), ANY), ((3, 2), ANY)])],
    HELPERS["dot_grad_a"]: [("dot_grad_a(x0, x1, x2) * x1",
                             [((2,), ANY), ((2, 3), ANY), ((3,), ANY)])],
    HELPERS["dot_grad_b"]: [("dot_grad_b(x0, x1, x2) * x2",
                             [((2, 2), ANY), ((2, 3), ANY), ((3, 2), ANY)])],
    HELPERS["abs_grad"]: [("abs_grad(x0, x1) * x1", [((3,), ANY), ((3,), ANY)])],
    HELPERS["real_grad"]: [("real_grad(x0, x1) * x1", [((3,), ANY), ((3,), ANY)])],
    HELPERS["hstack_grad"]: [("hstack_grad(x0, [x1, x1 * 2.0])[1] * x0[:2]",
                              [((4,), ANY), ((2,), ANY)])],
    HELPERS["vstack_grad"]: [("vstack_grad(x0, [x1, x1 * 2.0])[0] * x1",
                              [((2, 3), ANY), ((3,), ANY)])],
    HELPERS["pow_grad_exponent"]: [("pow_grad_exponent(x0, x1, x1 ** x2)",
                                    [((3,), ANY), ((3,), POS), ((3,), ANY)])],
    HELPERS["prod_grad"]: [("prod_grad(x0, x1, 1, False)", [((2,), ANY), ((2, 3), POS)])],
    HELPERS["det_grad"]: [("det_grad(x0, x1 + 2.0 * np.eye(2), np.linalg.det(x1 + 2.0 * "
                           "np.eye(2)))", [(S, ANY), ((2, 2), ANY)])],
    HELPERS["slogdet_grad"]: [("slogdet_grad((0.0, 1.5), x0 + 2.0 * np.eye(2))",
                               [((2, 2), ANY)])],
    HELPERS["solve_grad_b"]: [("solve_grad_b(x0, x1 + 3.0 * np.eye(3), x2) * x2",
                               [((3,), ANY), ((3, 3), ANY), ((3,), ANY)])],
    HELPERS["solve_grad_a"]: [("solve_grad_a(x0, x1 + 3.0 * np.eye(3), x2, np.linalg.solve("
                               "x1 + 3.0 * np.eye(3), x2))",
                               [((3, 2), ANY), ((3, 3), ANY), ((3, 2), ANY)])],
})

# the copy an input written in place is written on (lower/inputs.py); last, so that the
# cases above keep their positions (each case's random inputs are seeded by its position)
SAMPLES[HELPERS["own_input"]] = [
    ("np.sum(own_input(x0, 'x', ()) * x1)", [((3,), ANY), ((3,), ANY)]),
    ("own_input(x0, 'x', (x1,))[2] * x1[0]", [((3,), ANY), ((2,), ANY)])]
# (rules9) rules/numpy_added.py: its functions, then its helpers' second-order rules
_XP = "np.array([0.0, 0.7, 1.5, 2.0, 3.1])"
SAMPLES.update({
    np.take_along_axis: [("np.take_along_axis(x0, np.array([[2, 0], [1, 1]]), axis=1)",
                          [((2, 3), ANY)]),
                         ("np.take_along_axis(x0, np.array([3, 0, 0]), None)", [((4,), ANY)])],
    np.interp: [(f"np.interp(x0, {_XP}, x1)", [((4,), (-0.5, 3.5)), ((5,), ANY)]),
                (f"np.interp(x0, {_XP}, x1, left=x2, right=x2 * 2.0)",
                 [((4,), (-1.0, 4.0)), ((5,), ANY), (S, ANY)])],
    np.polyval: [("np.polyval(x0, x1)", [((3,), ANY), ((4,), ANY)]),
                 ("np.polyval(x0, x1)", [((4,), ANY), (S, ANY)])],
    np.correlate: [("np.correlate(x0, x1, 'full')", [((4,), ANY), ((3,), ANY)]),
                   ("np.correlate(x0, x1, mode='same')", [((2,), ANY), ((3,), ANY)]),
                   ("np.correlate(x0, x1)", [((5,), ANY), ((2,), ANY)])],
    np.ediff1d: [("np.ediff1d(x0, to_end=x1, to_begin=x2)",
                  [((2, 3), ANY), ((2,), ANY), (S, ANY)])],
    np.trapezoid: [("np.trapezoid(x0, x1)", [((2, 4), ANY), ((4,), ANY)]),
                   ("np.trapezoid(x0, dx=x1, axis=0)", [((3, 2), ANY), (S, ANY)]),
                   ("np.trapezoid(x0, x1, axis=0)", [((3, 2), ANY), ((3, 2), ANY)])],
    np.cumulative_sum: [("np.cumulative_sum(x0, axis=1, include_initial=True)",
                         [((2, 3), ANY)]), ("np.cumulative_sum(x0)", [((4,), ANY)])],
    np.linalg.vector_norm: [("np.linalg.vector_norm(x0, axis=(0, 2))", [((2, 2, 3), ANY)]),
                            ("np.linalg.vector_norm(x0, ord=3)", [((2, 3), POS)])],
    np.linalg.matrix_norm: [("np.linalg.matrix_norm(x0)", [((2, 2, 3), ANY)]),
                            ("np.linalg.matrix_norm(x0, ord=np.inf)", [((3, 3), ANY)])],
    np.linalg.matmul: [("np.linalg.matmul(x0, x1)", [((2, 3), ANY), ((3, 2), ANY)])],
    np.linalg.outer: [("np.linalg.outer(x0, x1)", [((2,), ANY), ((3,), ANY)])],
    np.linalg.tensordot: [("np.linalg.tensordot(x0, x1, axes=1)", [((2, 3), ANY), ((3, 2), ANY)])],
    np.linalg.trace: [("np.linalg.trace(x0, offset=1)", [((2, 3, 3), ANY)])],
    np.linalg.diagonal: [("np.linalg.diagonal(x0)", [((2, 3, 3), ANY)])],
    np.linalg.cross: [("np.linalg.cross(x0, x1)", [((2, 3), ANY), ((3,), ANY)])],
    np.linalg.matrix_transpose: [(f"np.linalg.matrix_transpose(x0) * {W(2, 3, 2)}",
                                  [((2, 2, 3), ANY)])],
    np.matrix_transpose: [(f"np.matrix_transpose(x0) * {W(3, 2)}", [((2, 3), ANY)])],
    np.linalg.qr: [(f"np.linalg.qr(x0)[0] * {W(3, 2)}", [((3, 2), ANY)]),
                   ("np.linalg.qr(x0, mode='r')", [((3, 2), ANY)])],
    np.linalg.lstsq: [("np.linalg.lstsq(x0, x1)[0]", [((4, 2), ANY), ((4,), ANY)]),
                      ("np.linalg.lstsq(x0, x1)[1]", [((4, 2), ANY), ((4, 2), ANY)])],
    HELPERS["take_along_axis_grad"]: [
        ("take_along_axis_grad(x0, x1, np.array([[2, 0], [1, 1]]), 1) * x1",
         [((2, 2), ANY), ((2, 3), ANY)])],
    HELPERS["interp_slope"]: [(f"interp_slope(x0, {_XP}, x1)", [((4,), (-0.5, 3.5)), ((5,), ANY)])],
    HELPERS["interp_grad_fp"]: [(f"interp_grad_fp(x0, x1, {_XP}, x2) * x2",
                                 [((4,), ANY), ((4,), (-0.5, 3.5)), ((5,), ANY)])],
    HELPERS["interp_grad_bound"]: [(f"interp_grad_bound(x0, x1, {_XP}, 'left')",
                                    [((4,), ANY), ((4,), (-1.0, 1.0))])],
    HELPERS["poly_derivative"]: [("poly_derivative(x0)", [((4,), ANY)])],
    HELPERS["polyval_grad_p"]: [("polyval_grad_p(x0, x1, x2) * x1",
                                 [((3,), ANY), ((4,), ANY), ((3,), ANY)])],
    HELPERS["correlate_full_grad"]: [("correlate_full_grad(x0, x1, x2, 'same') * x1[0]",
                                      [((3,), ANY), ((2,), ANY), ((3,), ANY)])],
    HELPERS["cumulative_sum_grad"]: [("cumulative_sum_grad(x0, x1, 1, True) * x1",
                                      [((2, 4), ANY), ((2, 3), ANY)])],
})
if scipy:  # (rules9) rules/special_added.py
    _sp = "scipy.special"
    SAMPLES.update({
        scipy.special.softplus: [(f"{_sp}.softplus(x0)", [((3,), ANY)])],
        scipy.special.log_expit: [(f"{_sp}.log_expit(x0)", [((3,), ANY)])],
        scipy.special.exp2: [(f"{_sp}.exp2(x0)", [((3,), ANY)])],
        scipy.special.exp10: [(f"{_sp}.exp10(x0)", [((3,), UNIT)])],
        scipy.special.cosm1: [(f"{_sp}.cosm1(x0)", [((3,), ANY)])],
        scipy.special.erfi: [(f"{_sp}.erfi(x0)", [((3,), UNIT)])],
        scipy.special.dawsn: [(f"{_sp}.dawsn(x0)", [((3,), ANY)])],
        scipy.special.i0e: [(f"{_sp}.i0e(x0)", [((3,), ANY)])],
        scipy.special.i1e: [(f"{_sp}.i1e(x0)", [((3,), ANY)])],
        scipy.special.exp1: [(f"{_sp}.exp1(x0)", [((3,), POS)])],
        scipy.special.expi: [(f"{_sp}.expi(x0)", [((3,), POS)])],
        scipy.special.ndtri_exp: [(f"{_sp}.ndtri_exp(-x0)", [((3,), POS)])],
        scipy.special.boxcox: [(f"{_sp}.boxcox(x0, x1)", [((3,), POS), (S, UNIT)]),
                               (f"{_sp}.boxcox(x0, x1)", [((2, 3), POS), ((3,), UNIT)])],
        scipy.special.boxcox1p: [(f"{_sp}.boxcox1p(x0, x1)", [((3,), POS), ((3,), UNIT)])],
        scipy.special.inv_boxcox: [(f"{_sp}.inv_boxcox(x0, x1)", [((3,), UNIT), (S, UNIT)])],
        scipy.special.inv_boxcox1p: [(f"{_sp}.inv_boxcox1p(x0, x1)",
                                      [((3,), UNIT), ((3,), UNIT)])],
        scipy.special.huber: [(f"{_sp}.huber(x0, x1)", [(S, (0.5, 1.0)), ((4,), ANY)])],
        scipy.special.pseudo_huber: [(f"{_sp}.pseudo_huber(x0, x1)", [((3,), POS), ((3,), ANY)])],
        scipy.special.powm1: [(f"{_sp}.powm1(x0, x1)", [((3,), POS), (S, ANY)])],
        scipy.special.binom: [(f"{_sp}.binom(x0, x1)", [((3,), (3.0, 5.0)), ((3,), POS)])],
        scipy.special.poch: [(f"{_sp}.poch(x0, x1)", [((3,), POS), (S, POS)])],
        scipy.special.owens_t: [(f"{_sp}.owens_t(x0, x1)", [((3,), ANY), (S, ANY)])],
        scipy.special.stdtr: [(f"{_sp}.stdtr(3.5, x0)", [((3,), ANY)])],
        scipy.special.gammaincinv: [(f"{_sp}.gammaincinv(2.0, x0)", [((3,), (0.1, 0.9))])],
        scipy.special.gammainccinv: [(f"{_sp}.gammainccinv(2.0, x0)", [((3,), (0.1, 0.9))])],
        scipy.special.betaincinv: [(f"{_sp}.betaincinv(2.0, 1.5, x0)", [((3,), (0.1, 0.9))])],
    })
# (rules9) rules/higher_simple.py: the second-order rules of simple helpers
SAMPLES.update({
    HELPERS["rot90_grad"]: [("rot90_grad(x0, 1, (0, 1)) * x1", [((3, 2), ANY), ((2, 3), ANY)])],
    HELPERS["rollaxis_grad"]: [("rollaxis_grad(x0, x1, 2, 0) * x1",
                                [((3, 1, 2), ANY), ((1, 2, 3), ANY)])],
    HELPERS["append_grad"]: [("append_grad(x0, x1, x2, None, 'values') * x2",
                              [((5,), ANY), ((2,), ANY), ((3,), ANY)]),
                             ("append_grad(x0, x1, x2, 1, 'arr') * x1",
                              [((2, 3), ANY), ((2, 1), ANY), ((2, 2), ANY)])],
    HELPERS["column_stack_grad"]: [("column_stack_grad(x0, [x1, x1])[1] * x1",
                                    [((3, 2), ANY), ((3,), ANY)])],
    HELPERS["dstack_grad"]: [("dstack_grad(x0, [x1, x1])[0] * x1",
                              [((1, 3, 2), ANY), ((3,), ANY)])],
    HELPERS["split_grad"]: [("split_grad([x0, x1 * 2.0], x2, np.split(x2, [2]), 0) * x2",
                             [((2,), ANY), ((3,), ANY), ((5,), ANY)])],
    HELPERS["split_sections_grad"]: [
        ("split_sections_grad([x0, x0 * x0], x1, np.vsplit(x1, 2), 'v') * x1",
         [((1, 2), ANY), ((2, 2), ANY)])],
    HELPERS["ptp_grad"]: [(f"ptp_grad(x0, x1 * {W(2, 3)}, 1, False) * x1",
                           [((2,), ANY), ((2, 3), POS)])],
    HELPERS["nancumsum_grad"]: [("nancumsum_grad(x0, x1, None) * x1", [((4,), ANY), ((4,), ANY)])],
    HELPERS["average_grad"]: [("average_grad(x0, x1, x0, 0, None, False) * x1",
                               [((3,), ANY), ((2, 3), ANY)]),
                              ("average_grad(x0, x1, x0, 1, [1.0, 2.0, 0.5], False) * x1",
                               [((2,), ANY), ((2, 3), ANY)])],
    HELPERS["masked_mean_grad"]: [(f"masked_mean_grad(x0, x1, 1, False, {MASK23}) * x1",
                                   [((2,), ANY), ((2, 3), ANY)])],
    HELPERS["masked_extreme_grad"]: [
        (f"masked_extreme_grad(x0, x1 * {W(2, 3)}, np.max(x1 * {W(2, 3)}, axis=1, "
         f"where={MASK23}, initial=-9.0), 1, False, {MASK23}) * x1", [((2,), ANY), ((2, 3), POS)])],
    HELPERS["initial_grad"]: [("initial_grad(x0 * x1) * x1[0]", [((3,), ANY), ((3,), ANY)])],
    HELPERS["gradient_grad"]: [("gradient_grad(x0, x1, (0.5, None, None), None, 1) * x1",
                                [((4,), ANY), ((4,), ANY)])],
    HELPERS["vdot_grad"]: [
        ("vdot_grad(x0, x1, x2, 1) * x2", [(S, ANY), ((3,), ANY), ((3,), ANY)]),
        ("vdot_grad(x0, x1, x2, 0) * x1", [(S, ANY), ((2, 2), ANY), ((4,), ANY)])],
    HELPERS["linspace_grad"]: [("linspace_grad(x0, x1, x1, 4, True, 0, 'stop', x0) * x1",
                                [((4,), ANY), (S, ANY)])],
    HELPERS["partition_grad"]: [(f"partition_grad(x0, x1 * {W(4)}, np.partition(x1 * {W(4)}, 1),"
                                 " -1) * x1", [((4,), ANY), ((4,), ANY)])],
    HELPERS["select_grad"]: [("select_grad(x0, [x1 > 0.0], [x1 * 2.0], x0)[0] * x1",
                              [((3,), ANY), ((3,), ANY)])],
    HELPERS["select_default_grad"]: [("select_default_grad(x0, [x1 > 0.0], x1, x0) * x1",
                                      [((3,), ANY), ((3,), ANY)])],
    HELPERS["choose_grad"]: [("choose_grad(x0, np.array([0, 1, 0]), [x1, x1 * 2.0])[1] * x1",
                              [((3,), ANY), ((3,), ANY)])],
    HELPERS["ediff1d_grad"]: [("ediff1d_grad(x0, x1, None, x1[0], 'ary') * x1",
                               [((4,), ANY), ((4,), ANY)])],
    HELPERS["vector_norm_grad"]: [
        ("vector_norm_grad(x0, x1, np.linalg.vector_norm(x1, axis=1), 1, False, 2)",
         [((2,), ANY), ((2, 3), POS)])],
})
SAMPLES.update({  # (rules9) conversions, singular values
    np.asanyarray: [("np.asanyarray(x0)", [((3,), ANY)])],
    np.ascontiguousarray: [("np.ascontiguousarray(x0.T)", [((2, 3), ANY)])],
    np.asfortranarray: [("np.asfortranarray(x0)", [((2, 3), ANY)])],
    np.asarray_chkfinite: [("np.asarray_chkfinite(x0)", [((3,), ANY)])],
    np.linalg.svdvals: [("np.linalg.svdvals(x0)", [((3, 2), ANY)])],
})
if scipy:
    SAMPLES[scipy.special.cbrt] = [("scipy.special.cbrt(x0)", [((3,), POS)])]
SAMPLES.update({  # (rules9) statistics
    np.cov: [(f"np.cov(x0) * {W(2, 2)}", [((2, 4), ANY)]),
             ("np.cov(x0, x1, rowvar=False, aweights=[1.0, 0.5, 2.0])",
              [((3, 2), ANY), ((3,), ANY)])],
    np.corrcoef: [(f"np.corrcoef(x0) * {W(3, 3)}", [((3, 4), ANY)]),
                  ("np.corrcoef(x0, x1)", [((4,), ANY), ((4,), ANY)])],
})
# (higher9) the second-order rules of the gradients of list * array, scipy.signal's
# convolutions, np.linalg.eigh and pinv, scipy.linalg.solve and solve_triangular, the FFTs
# and scipy.special (rules/higher_decompositions.py, rules/higher_special.py); after
# own_input, so that the cases above keep their positions
_SS = "scipy_samples."
_A3 = "x1 + 3.0 * np.eye(3)"
SAMPLES.update({
    HELPERS["replicate_grad"]: [("replicate_grad(x0, x1, x2, 0) * x2",
                                 [((3,), ANY), ((3,), ANY), ((3,), ANY)])],
    scipy_samples.signal_convolve_grad: [
        (f"{_SS}signal_convolve_grad(x0, x1, x2, 'same', 'in2') * x2",
         [((4,), ANY), ((4,), ANY), ((3,), ANY)])],
    scipy_samples.signal_correlate_grad: [
        (f"{_SS}signal_correlate_grad(x0, x1, x2, 'full', 'in1') * x1",
         [((6,), ANY), ((4,), ANY), ((3,), ANY)])],
    scipy_samples.linalg_eigh_grad: [
        (f"{_SS}linalg_eigh_grad([x0, x1], x2, np.linalg.eigh(x2 + x2.T + 6.0 * np.eye(3)))",
         [((3,), ANY), ((3, 3), ANY), ((3, 3), ANY)])],
    scipy_samples.linalg_pinv_grad: [(f"{_SS}linalg_pinv_grad(x0, x1, np.linalg.pinv(x1))",
                                      [((3, 2), ANY), ((2, 3), ANY)])],
    scipy_samples.solve_grad: [
        (f"{_SS}solve_grad(x0, {_A3}, x2, scipy.linalg.solve({_A3}, x2), 'sym', True, 'a')",
         [((3,), ANY), ((3, 3), ANY), ((3,), ANY)])],
    scipy_samples.solve_triangular_grad: [
        (f"{_SS}solve_triangular_grad(x0, {_A3}, x2, scipy.linalg.solve_triangular({_A3}, x2, "
         "1, True), 1, True, False, 'a')", [((3,), ANY), ((3, 3), ANY), ((3,), ANY)])],
    scipy_samples.fft_grad: [(f"{_SS}fft_grad(x0, x1, None, -1, None) * x1",
                              [((4,), ANY), ((4,), ANY)])],
    scipy_samples.rfft_grad: [(f"{_SS}rfft_grad(x0, x1, None, -1, None) * x1",
                               [((3,), ANY), ((4,), ANY)])],
    scipy_samples.irfft_grad: [(f"{_SS}irfft_grad(x0, x1, None, -1, None) * x1",
                                [((4,), ANY), ((3,), ANY)])],
    scipy_samples.hfft_grad: [(f"{_SS}hfft_grad(x0, x1, None, -1, None) * x1",
                               [((4,), ANY), ((3,), ANY)])],
    scipy_samples.ihfft_grad: [(f"{_SS}ihfft_grad(x0, x1, None, -1, None) * x1",
                                [((3,), ANY), ((4,), ANY)])],
    scipy_samples.real_only: [(f"{_SS}real_only(x0, 'f', x1) * x1", [((3,), ANY), ((3,), ANY)])],
    HELPERS["gammaln_grad"]: [("gammaln_grad(x0, x1)", [((3,), ANY), ((3,), POS)])],
    HELPERS["digamma_grad"]: [("digamma_grad(x0, x1)", [((3,), ANY), ((3,), POS)])],
})
# (speed9) the reductions forward mode spells a sum's and a mean's tangent with; last
SAMPLES.update({
    HELPERS["sum_tangent"]: [("sum_tangent(x0, 1, keepdims=True) * x1",
                              [((2, 3), ANY), ((2, 1), ANY)]),
                             ("sum_tangent(x0)", [((3,), ANY)])],
    HELPERS["mean_tangent"]: [("mean_tangent(x0, 0) * x1", [((2, 3), ANY), ((3,), ANY)]),
                              ("mean_tangent(x0, keepdims=True)", [((3, 2), ANY)])],
})
# np.add.at and np.subtract.at as the lowering writes them (added_at), and the helpers of
# its gradient and tangent
SAMPLES.update({
    HELPERS["added_at"]: [("added_at(x0, [0, 2, 0], x1)", [((3,), ANY), ((3,), ANY)]),
                          ("added_at(x0, ([0, 1, 0], [1, 1, 2]), x1)",
                           [((2, 3), ANY), ((3,), ANY)]),
                          ("added_at(x0, [1, 1], x1)", [((3, 2), ANY), ((2,), ANY)])],
    HELPERS["added_at_grad"]: [("added_at_grad(x0, [0, 2, 0], x1) * x1",
                                [((3,), ANY), ((3,), ANY)])],
    HELPERS["added_at_tangent"]: [("added_at_tangent(x0, x1, [0, 2, 0]) * x1",
                                   [((3,), ANY), ((3,), ANY)])],
    # the adjoint of append/extend (rules/higher.py), both parts of its pair read
    HELPERS["take_last_grads"]: [
        ("(p := take_last_grads([x0, x1 * x0, x1], 1))[0] * p[1][0] + p[1][1]",
         [((2,), ANY), ((2,), ANY)]),
        ("(p := take_last_grads([x0, x1 * x0, x1], 2, True))[0][1] * p[1][0] + p[0][0]",
         [((2,), ANY), ((2,), ANY)])],
})
# (higher10) the second-order rules of the gradients of np.linalg.svd, eig, qr and lstsq,
# and scipy.linalg's sqrtm, solve_sylvester, solve_banded, cho_factor and cho_solve
# (rules/higher_decompositions2.py); last
_SPD = "x1 @ x1.T + 3.0 * np.eye(3)"
_TRI = "np.triu(np.arange(1.0, 10.0).reshape(3, 3)) + 0.1 * x1"  # eigenvalues near 1, 5, 9
_BAND = "np.array([[0.0, 0.5, -0.3], [4.0, 3.0, 5.0], [0.4, -0.2, 0.0]]) + 0.1 * x1"
if scipy is not None:
    SAMPLES.update({
        scipy_samples.sqrtm_grad: [(f"{_SS}sqrtm_grad(x0, scipy.linalg.sqrtm({_SPD}))",
                                    [((3, 3), ANY), ((3, 3), ANY)])],
        scipy_samples.solve_sylvester_grad: [
            (f"{_SS}solve_sylvester_grad(x0, {_SPD}, x2 @ x2.T + 2.0 * np.eye(2), "
             f"scipy.linalg.solve_sylvester({_SPD}, x2 @ x2.T + 2.0 * np.eye(2), x3), '{w}')",
             [((3, 2), ANY), ((3, 3), ANY), ((2, 2), ANY), ((3, 2), ANY)])
            for w in ("a", "b", "q")],
        scipy_samples.solve_banded_grad: [
            (f"{_SS}solve_banded_grad(x0, (1, 1), {_BAND}, x2, "
             f"scipy.linalg.solve_banded((1, 1), {_BAND}, x2), '{w}')",
             [((3,), ANY), ((3, 3), ANY), ((3,), ANY)]) for w in ("ab", "b")],
        scipy_samples.cho_factor_grad: [
            (f"{_SS}cho_factor_grad((np.tril(x0), False), scipy.linalg.cho_factor({_SPD}, "
             "lower=True), True)", [((3, 3), ANY), ((3, 3), ANY)])],
        scipy_samples.cho_solve_grad: [
            (f"{_SS}cho_solve_grad(x0, scipy.linalg.cho_factor({_SPD}), x2, "
             f"scipy.linalg.cho_solve(scipy.linalg.cho_factor({_SPD}), x2), 'b')",
             [((3,), ANY), ((3, 3), ANY), ((3,), ANY)]),
            (f"{_SS}cho_solve_grad(x0, scipy.linalg.cho_factor({_SPD}, lower=True), x2, "
             f"scipy.linalg.cho_solve(scipy.linalg.cho_factor({_SPD}, lower=True), x2), "
             "'c')[0]", [((3,), ANY), ((3, 3), ANY), ((3,), ANY)])],
        scipy_samples.linalg_svd_grad: [
            (f"{_SS}linalg_svd_grad(x0, x1, np.linalg.svd(x1, compute_uv=False), True, False)",
             [((3,), ANY), ((4, 3), ANY)]),
            (f"{_SS}linalg_svd_grad(x0, x1, np.linalg.svd(x1, compute_uv=False), True, False, "
             "True)", [((3,), ANY), ((3, 3), ANY)])],
        scipy_samples.linalg_eig_grad: [
            (f"{_SS}linalg_eig_grad(x0, {_TRI}, np.linalg.eigvals({_TRI}))",
             [((3,), ANY), ((3, 3), ANY)])],
        HELPERS["qr_grad"]: [("qr_grad(x0, x1, np.linalg.qr(x1, mode='r'), 'r')",
                              [((3, 3), ANY), ((4, 3), ANY)])],
        HELPERS["lstsq_grad"]: [
            (f"lstsq_grad((x0, np.zeros(1), 0.0, x2), x1, x3, '{w}')",
             [((3,), ANY), ((4, 3), ANY), ((3,), ANY), ((4,), ANY)]) for w in ("a", "b")],
    })
# (rules10) rules/stdlib.py: the standard library's numeric functions
SAMPLES.update({
    math.prod: [("math.prod([x0, x1, x0 * x1])", [(S, ANY), (S, ANY)]),
                ("math.prod(x0, start=x1)", [((3,), ANY), (S, ANY)])],
    math.dist: [("math.dist([x0, x1], [1.0, x1 * x0])", [(S, ANY), (S, ANY)]),
                ("math.dist(x0, x1)", [((3,), ANY), ((3,), ANY)])],
    HELPERS["math_hypot_n"]: [("math.hypot(x0, x1, 2.0)", [(S, ANY), (S, ANY)]),
                              ("math.hypot(*x0)", [((4,), ANY)])],
    divmod: [("divmod(x0, x1)[1] * divmod(x0, x1)[0]", [(S, ANY), (S, POS)])],
    math.fmod: [("math.fmod(x0 * 3.0, x1)", [(S, ANY), (S, POS)])],
    math.remainder: [("math.remainder(x0 * 3.0, x1)", [(S, ANY), (S, POS)])],
    statistics.mean: [("statistics.mean([x0, x1, 2.0])", [(S, ANY), (S, ANY)]),
                      ("statistics.mean(x0)", [((4,), ANY)])],
    statistics.variance: [("statistics.variance(x0)", [((4,), ANY)]),
                          ("statistics.variance([x0, x1, 1.0], xbar=x1)", [(S, ANY), (S, ANY)])],
    statistics.stdev: [("statistics.stdev(x0)", [((4,), ANY)])],
    statistics.pvariance: [("statistics.pvariance(x0, mu=x1)", [((3,), ANY), (S, ANY)])],
    statistics.pstdev: [("statistics.pstdev([x0, x1, 0.5])", [(S, ANY), (S, ANY)])],
})
# (rules10) rules/higher_simple2.py: more helpers' second-order rules
SAMPLES.update({
    HELPERS["full_grad"]: [("full_grad(x0, x1, x0) * x1", [((2, 3), ANY), (S, ANY)]),
                           ("full_grad(x0, x1, x0)", [((2, 3), ANY), ((3,), ANY)])],
    HELPERS["copysign_grad"]: [("copysign_grad(x0, x1, x2)",
                                [((2, 3), ANY), ((3,), ANY), ((2, 3), ANY)])],
    HELPERS["remainder_grad_divisor"]: [
        ("remainder_grad_divisor(x0, x1 * 3.0, x2, False)",
         [((3,), ANY), ((3,), ANY), (S, POS)]),
        ("remainder_grad_divisor(x0, x1 * 3.0, x2, True)",
         [((3,), ANY), ((3,), ANY), ((3,), POS)])],
    HELPERS["pad_grad_values"]: [
        ("pad_grad_values(x0, np.ones(2), 1, x1) * x1", [((4,), ANY), (S, ANY)]),
        ("pad_grad_values(x0, np.ones((2, 1)), ((1, 2), (0, 1)), ((x1, 2.0), (0.5, 1.5)))",
         [((5, 2), ANY), (S, ANY)])],
    HELPERS["imag_grad"]: [("imag_grad(x0, x1) + x0 * x1", [((3,), ANY), ((3,), ANY)])],
    HELPERS["masked_var_grad"]: [
        (f"masked_var_grad(x0, x1, np.var(x1, axis=1, where={MASK23}), 1, 0, False, {MASK23})"
         " * x1", [((2,), ANY), ((2, 3), ANY)]),
        (f"masked_var_grad(x0, x1, x2, 1, 0, True, {MASK23}, True)",
         [((2, 1), ANY), ((2, 3), ANY), ((2, 1), POS)])],
    HELPERS["masked_prod_grad"]: [(f"masked_prod_grad(x0, x1, 1, False, {MASK23}, 2.0)",
                                   [((2,), ANY), ((2, 3), POS)])],
    HELPERS["trapezoid_grad"]: [
        ("trapezoid_grad(x0, x1, x2, 1.0, -1, 'y')", [(S, ANY), ((4,), ANY), ((4,), ANY)]),
        ("trapezoid_grad(x0, x1, None, x2, 0, 'y')", [((3,), ANY), ((4, 3), ANY), (S, POS)]),
        ("trapezoid_grad(x0, np.array([1.0, 2.0, 0.5]), x1, 1.0, -1, 'x')",
         [(S, ANY), ((3,), ANY)]),
        ("trapezoid_grad(x0, np.array([[1.0, 2.0], [0.5, 3.0]]), None, x1, 0, 'dx')",
         [((2,), ANY), (S, POS)]),
        ("trapezoid_grad(x0, x1, x2, 1.0, 0, 'x')", [((2,), ANY), ((3, 2), ANY), ((3,), ANY)]),
        ("trapezoid_grad(x0, x1, x2, 1.0, 1, 'x')", [((2,), ANY), ((2, 3), ANY), ((2, 3), ANY)]),
        ("trapezoid_grad(x0, x1, None, x2, -1, 'dx')", [((2,), ANY), ((2, 3), ANY), ((2,), POS)])],
    HELPERS["average_grad_weights"]: [
        ("average_grad_weights(x0, x1, np.average(x1, axis=1, weights=x2), 1, x2) * x1[0]",
         [((2,), ANY), ((2, 3), ANY), ((3,), POS)]),
        ("average_grad_weights(x0, x1, np.average(x1, weights=x2), None, x2)",
         [(S, ANY), ((2, 3), ANY), ((2, 3), POS)])],
    HELPERS["angle_grad"]: [
        ("np.real(angle_grad(x0, x1 + 1j * x2)) + np.imag(angle_grad(x0, x1 + 1j * x2))",
         [((3,), ANY), ((3,), POS), ((3,), ANY)]),
        ("np.imag(angle_grad(x0, x1))", [((3,), ANY), ((3,), POS)])],
    HELPERS["cov_grad"]: [
        ("cov_grad(x0, x1, None, True, False, None, None, None, 'm') * x1",
         [((2, 2), ANY), ((2, 4), ANY)]),
        ("cov_grad(x0, x1, x2, False, True, None, None, [1.0, 2.0, 0.5], 'y')",
         [((2, 2), ANY), ((3,), ANY), ((3,), ANY)])],
})
SAMPLES.update({  # (rules10) rules/higher_special2.py
    scipy_samples.exprel_grad: [(f"{_SS}exprel_grad(x0, x1)", [((3,), ANY), ((3,), ANY)])],
    scipy_samples.multigammaln_grad: [(f"{_SS}multigammaln_grad(x0, x1 + 2.0, 3)",
                                       [((3,), ANY), ((3,), POS)])],
    scipy_samples.wofz_grad: [(f"{_SS}wofz_grad(x0, x1, x2)",
                               [((3,), ANY), ((3,), ANY), ((3,), ANY)])],
    scipy_samples.stats_grad: [
        (f"{_SS}stats_grad(x0, 0.0, 'norm', 'logpdf', 'scale', x1, (), x2, x3)",
         [((3,), ANY), ((3,), ANY), (S, ANY), (S, POS)]),
        (f"{_SS}stats_grad(x0, scipy.stats.norm.pdf(x1, 0.2, x2), 'norm', 'pdf', 'x', x1, (), "
         "0.2, x2)", [((3,), ANY), ((3,), ANY), (S, POS)])],
} if scipy else {})
# np.insert and the helpers of its gradient (rules/numpy_added.py); last
SAMPLES.update({
    np.insert: [("np.insert(x0, [1, 3, 3], x1)", [((4,), ANY), ((3,), ANY)]),
                ("np.insert(x0, 1, x1, axis=1)", [((2, 3), ANY), ((2,), ANY)]),
                ("np.insert(x0, [0, 2], x1, axis=0)", [((2, 3), ANY), (S, ANY)])],
    HELPERS["insert_grad"]: [
        ("insert_grad(x0, x1, [1, 3, 3], x2, None, 'arr') * x1", [((7,), ANY), ((4,), ANY),
                                                                 ((3,), ANY)]),
        ("insert_grad(x0, x1, 1, x2, 1, 'values') * x2", [((2, 4), ANY), ((2, 3), ANY),
                                                         ((2,), ANY)])],
    HELPERS["insert_grad_transpose"]: [
        ("insert_grad_transpose(x0, x1, [1, 3, 3], x2, None, 'arr')", [((4,), ANY), ((4,), ANY),
                                                                       ((3,), ANY)]),
        ("insert_grad_transpose(x0, x1, 1, x2, 1, 'values')", [((2,), ANY), ((2, 3), ANY),
                                                              ((2,), ANY)])],
})
SAMPLES.update({  # (rules11) rules/higher_stdlib.py: the standard library's helpers; last
    HELPERS["math_prod_grad"]: [("math_prod_grad(x0, [x1, x2, x3], x1)", [(S, ANY)] * 4),
                                ("math_prod_grad(x0, x1, 2.0)", [(S, ANY), ((3,), ANY)])],
    HELPERS["math_prod_grad_start"]: [("math_prod_grad_start(x0, [x1, x2], x3)",
                                       [(S, ANY)] * 4)],
    HELPERS["math_dist_grad"]: [("math_dist_grad(x0, [x1, x2], [x3, 0.5], x4, -1.0)",
                                 [(S, ANY)] * 4 + [(S, POS)]),
                                ("math_dist_grad(x0, x1, x2, x3)",
                                 [(S, ANY), ((3,), ANY), ((3,), ANY), (S, POS)])],
    HELPERS["math_hypot_grad"]: [("math_hypot_grad(x0, (x1, x2), x3)",
                                  [(S, ANY)] * 3 + [(S, POS)])],
    HELPERS["divmod_grad"]: [("divmod_grad((0.0, x0), x1, 0.7, 'a') * x1", [(S, ANY)] * 2),
                             ("divmod_grad((x1, x0), 2.5, x1 + 1.0, 'b')", [(S, ANY)] * 2)],
    HELPERS["mean_grad"]: [("mean_grad(x0, [x1, x2])[0] * x1", [(S, ANY)] * 3)],
    HELPERS["autograd_convolve"]: [  # (rules/autograd_own.py: autograd's convolve)
        ("autograd_convolve(x0, x1, None, ((), ()), 'valid')", [((5,), ANY), ((3,), ANY)]),
        ("autograd_convolve(x0, x1, ([1], [0]), ([0], [1]), 'same')",
         [((2, 5), ANY), ((3, 2), ANY)])],
    HELPERS["autograd_make_diagonal"]: [("autograd_make_diagonal(x0) * x1",
                                         [((2, 3), ANY), ((3, 3), ANY)])],
    HELPERS["corrcoef_grad"]: [  # (rules/higher_corrcoef.py)
        ("corrcoef_grad(x0, x1, None, True, 'x')", [((3, 3), ANY), ((3, 5), ANY)]),
        ("corrcoef_grad(x0, x1, x2, True, 'y')", [((2, 2), ANY), ((4,), ANY), ((4,), ANY)]),
        ("corrcoef_grad(x0, x1, x2, False, 'x') * x1", [((4, 4), ANY), ((5, 2), ANY),
                                                       ((5, 2), ANY)])],
    HELPERS["spread_grad"]: [
        ("spread_grad(x0, [x1, x2, x3], None, x4, 1, True, 'data')", [(S, ANY)] * 4 + [(S, POS)]),
        ("spread_grad(x0, [x1, x2, x3], x4, 0.7, 0, False, 'center')", [(S, ANY)] * 5),
        ("spread_grad(x0, x1, x2, 0.7, 1, False, 'data')", [(S, ANY), ((3,), ANY), (S, ANY)])],
})
SAMPLES.update({  # (rules11) rules/higher_stats.py: poisson's and dirichlet's helpers; last
    scipy_samples.poisson_grad: [
        (f"{_SS}poisson_grad(x0, 0.0, 'logpmf', np.array([1.0, 3.0, 0.0]), x1, 0)",
         [((3,), ANY), ((3,), POS)]),
        (f"{_SS}poisson_grad(x0, x2, 'pmf', np.array([1.0, 3.0, 0.0]), x1, 0)",
         [((3,), ANY), (S, POS), ((3,), ANY)]),
        (f"{_SS}poisson_grad(x0, x2, 'logsf', np.array([1.0, 3.0, 0.0]), x1, 0)",
         [((3,), ANY), ((3,), POS), ((3,), ANY)])],
    scipy_samples.dirichlet_grad: [
        (f"{_SS}dirichlet_grad(x0, x3, 'pdf', 'x', x1, x2)",
         [(S, ANY), ((3,), POS), ((3,), POS), (S, ANY)]),
        (f"{_SS}dirichlet_grad(x0, 0.0, 'logpdf', 'alpha', x1, x2)",
         [((2,), ANY), ((3, 2), POS), ((3,), POS)])],
    scipy_samples.mvn_grad: [
        (f"{_SS}mvn_grad(x0, x3, 'pdf', 'cov', x1, x2, np.eye(2) * 2.0 + x4)",
         [(S, ANY), ((2,), ANY), ((2,), ANY), (S, POS), ((2, 2), UNIT)]),
        (f"{_SS}mvn_grad(x0, 0.0, 'logpdf', 'x', x1, x2, np.eye(2) + x3 * x3)",
         [((3,), ANY), ((3, 2), ANY), ((2,), ANY), ((2,), ANY)]),
        (f"{_SS}mvn_grad(x0, 0.0, 'logpdf', 'mean', x1, x2, x3)",
         [((3,), ANY), ((3, 2), ANY), ((2,), ANY), ((2,), POS)])],
    scipy_samples.mvn_entropy_grad: [
        (f"{_SS}mvn_entropy_grad(x0, np.eye(2) * 2.0 + x1)", [(S, ANY), ((2, 2), UNIT)])],
} if scipy else {})
# the gradients a call g(*P, **M) hands back to P and M (rules/builtins.py), and of an
# operand of a + b (lists joined, or arrays); last
_LAYOUT = ("{'positional': ('a', 'b'), 'offset': 0, 'varargs': None, 'named': ('a', 'b'), "
           "'varkw': None}")
SAMPLES.update({
    HELPERS["spread_grads"]: [
        (f"(p := spread_grads({{'a': x0, 'b': x1 * x0}}, {_LAYOUT}, (x1,), {{'b': x1}}))[0][0]"
         " * x1 + p[1]['b'] * x0", [((3,), ANY), ((3,), ANY)])],
    HELPERS["join_grad"]: [
        ("join_grad(x0 * x1, x0, x1, 1) * x0", [((3,), ANY), ((3,), ANY)]),
        ("join_grad([x0, x1 * x0, x1], [x0], [x1, x1], 1)[1] * x0 + join_grad([x0, x1], [x0], "
         "[x1], 0)[0] * x1", [((3,), ANY), ((3,), ANY)])],
})
# (higher11) the helpers of list updates and recorded views of a generated gradient
# (rules/higher.py), after every other sample (their seeds come last)
SAMPLES.update({
    HELPERS["kept"]: [("kept(x0 * x1)", [((3,), ANY), ((3,), ANY)])],
    HELPERS["pop_grad"]: [
        ("(q := pop_grad([x0 * 1.0, x1 * x0], [x0, x1], 0))[0] + q[1] * q[2]",
         [((2,), ANY), ((2,), ANY)]),
        ("(q := pop_grad([x0 * 1.0, x1], [x0, x1], -1))[1] * q[0] + q[2]",
         [((2,), ANY), ((2,), ANY)])],
    HELPERS["take_inserted_grad"]: [
        ("(p := take_inserted_grad([x0, x1 * x0, x1], [x0, x1, x1], 1))[0] * p[1][0] + p[1][1]",
         [((2,), ANY), ((2,), ANY)]),
        ("(p := take_inserted_grad([x0, x1 * x0], [x0, x1], -1))[0] * p[1][0]",
         [((2,), ANY), ((2,), ANY)])],
    HELPERS["extended_grad"]: [("extended_grad([x0, x1 * x0], np.ones((2, 3)))",
                                [((3,), ANY), ((3,), ANY)])],
})
# the gradient an object f built hands back to an argument it stores (runtime/objects.py),
# of a NamedTuple's; last
_PAIR = "__import__('collections').namedtuple('Pair', 'a b')"
SAMPLES.update({
    HELPERS["field_grad"]: [(f"field_grad((x0 * x1, x1), {_PAIR}(1.0, 2.0), ('a', 'b')) * x0",
                             [((3,), ANY), ((3,), ANY)])],
})
# running extremes and log-sum-exp as ufunc methods (rules/ufunc_scans.py), and their
# gradients' own rules; last
SAMPLES.update({
    np.maximum.accumulate: [(f"np.maximum.accumulate(x0) * {W(12)}.reshape(3, 4)",
                             [((3, 4), ANY)]),
                            ("np.maximum.accumulate(x0, axis=-1) ** 2", [((2, 5), ANY)])],
    np.minimum.accumulate: [(f"np.minimum.accumulate(x0, axis=1) * {W(12)}.reshape(3, 4)",
                             [((3, 4), ANY)])],
    np.logaddexp.reduce: [("np.logaddexp.reduce(x0)", [((3, 4), ANY)]),
                          ("np.logaddexp.reduce(x0, axis=1, keepdims=True) ** 2",
                           [((3, 4), ANY)]),
                          ("np.logaddexp.reduce(x0, axis=None)", [((3, 4), ANY)])],
    np.logaddexp2.reduce: [("np.logaddexp2.reduce(x0, axis=-1) ** 2", [((3, 4), ANY)])],
    HELPERS["scan_grad"]: [("scan_grad(x0, x1, np.maximum.accumulate(x1), 0) * x1",
                            [((5,), ANY), ((5,), ANY)])],
    HELPERS["scan_tangent"]: [("scan_tangent(x0, x1, np.minimum.accumulate(x1), 1) * x0",
                               [((2, 4), ANY), ((2, 4), ANY)])],
    HELPERS["logaddexp_reduce_grad"]: [
        ("logaddexp_reduce_grad(x0, x1, np.logaddexp.reduce(x1, axis=1), 1) * x1",
         [((3,), ANY), ((3, 4), ANY)]),
        ("logaddexp_reduce_grad(x0, x1, x2, 0, False, 2.0)", [((4,), ANY), ((3, 4), ANY),
                                                             ((4,), ANY)])],
})
# the cmath module (rules/cmath.py): a real number of a complex one; last
_Z = "complex(x0, 0.5 * x1)"
SAMPLES.update({
    **{getattr(cmath, name): [(f"abs(cmath.{name}({_Z})) + cmath.{name}({_Z}).imag * x1",
                               [(S, UNIT), (S, UNIT)])]
       for name in ("exp", "log10", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh",
                    "asin", "acos", "atan", "asinh", "acosh", "atanh")},
    cmath.log: [(f"abs(cmath.log({_Z}))", [(S, POS), (S, UNIT)]),
                (f"cmath.log({_Z}, x1 + 2.0).real", [(S, POS), (S, UNIT)])],
    cmath.phase: [(f"cmath.phase({_Z}) * x0", [(S, POS), (S, UNIT)])],
})
# grids (rules/grids.py) and their gradients' own rules; last
SAMPLES.update({
    np.meshgrid: [("(m := np.meshgrid(x0, x1))[0] * m[1] ** 2", [((3,), ANY), ((4,), ANY)]),
                  ("np.meshgrid(x0, x1, indexing='ij', sparse=True)[1] * x0[:, None]",
                   [((3,), ANY), ((2,), ANY)])],
    np.broadcast_arrays: [("(b := np.broadcast_arrays(x0[:, None], x1))[0] * b[1]",
                           [((3,), ANY), ((4,), ANY)])],
    HELPERS["meshgrid_grad"]: [
        ("meshgrid_grad([x0, x1 * x1], 1, x1[0], np.meshgrid(x1[0], x1[1]), 'xy')",
         [((4, 4), ANY), ((4, 4), ANY)])],
    HELPERS["broadcast_arrays_grad"]: [
        ("broadcast_arrays_grad([x0, x1], 0, x1[:, :1], np.broadcast_arrays(x1[:, :1], x1))",
         [((2, 3), ANY), ((2, 3), ANY)])],
})
# (higher12) a dict slot's restore spelled out in a generated gradient differentiated
# again (rules/higher.py); last
SAMPLES.update({
    HELPERS["without_slot"]: [("without_slot({'a': x0 * x1, 'b': x1}, 'b')['a'] * x0",
                               [((3,), ANY), ((3,), ANY)])],
    HELPERS["kept_copy"]: [("kept_copy(x0 * x1)", [((3,), ANY), ((3,), ANY)])],
})
# (lu12) scipy.linalg's LU factorization (rules/scipy_lu.py) and its gradients' own
# rules; last
_LU = "x1 + 3.0 * np.eye(3)"
if scipy is not None:
    SAMPLES.update({
        scipy.linalg.lu_factor: [(f"scipy.linalg.lu_factor({_LU})[0]", [((3, 3), ANY)] * 2)],
        scipy.linalg.lu: [
            (f"(q := scipy.linalg.lu({_LU}))[1] * q[2]", [((3, 3), ANY)] * 2),
            (f"scipy.linalg.lu({_LU}, permute_l=True)[0]", [((3, 3), ANY)] * 2)],
        scipy.linalg.lu_solve: [
            (f"scipy.linalg.lu_solve(scipy.linalg.lu_factor({_LU}), x0)",
             [((3, 2), ANY), ((3, 3), ANY)]),
            (f"scipy.linalg.lu_solve(scipy.linalg.lu_factor({_LU}), x0[:, 0], trans=1)",
             [((3, 2), ANY), ((3, 3), ANY)])],
        HELPERS["lu_factor_grad"]: [
            (f"lu_factor_grad((x0, 0.0), scipy.linalg.lu_factor({_LU}))",
             [((3, 3), ANY), ((3, 3), ANY)])],
        HELPERS["lu_grad"]: [
            (f"lu_grad((0.0, x0, x0 * x0), {_LU}, scipy.linalg.lu({_LU}))",
             [((3, 3), ANY), ((3, 3), ANY)])],
        HELPERS["lu_solve_grad"]: [
            (f"lu_solve_grad(x0, scipy.linalg.lu_factor({_LU}), x0, "
             f"scipy.linalg.lu_solve(scipy.linalg.lu_factor({_LU}), x0), 0, '{w}')"
             f"{'[0]' if w == 'c' else ''}", [((3,), ANY), ((3, 3), ANY)])
            for w in ("b", "c")],
    })
# (lu12) np.polyfit (rules/polyfit.py) and its gradient's own rule; last
_XS = "np.linspace(-1.0, 1.0, 6) + 0.1 * x1"
SAMPLES.update({
    np.polyfit: [(f"np.polyfit({_XS}, x0, 2)", [((6,), ANY), ((6,), UNIT)]),
                 (f"np.polyfit({_XS}, x0, 1, w=x1 + 2.0)", [((6, 2), ANY), ((6,), UNIT)])],
    HELPERS["polyfit_grad"]: [
        ("polyfit_grad(x0, np.linspace(-1.0, 1.0, 6), x1, 2, None, False, None, False, "
         "np.polyfit(np.linspace(-1.0, 1.0, 6), x1, 2), 'y')", [((3,), ANY), ((6,), ANY)])],
})
# probes12 (added last: each case's seed is its index): second order through zip(*rows)
# (transposed's gradient helper, linear in the columns'), and scipy.linalg.lstsq
SAMPLES.update({
    HELPERS["transposed_grad"]: [("transposed_grad([(x0, x1 * x0)], [[x1], [x0]])[1][0]",
                                  [((3,), ANY), ((3,), ANY)])],
    scipy_samples.linalg.lstsq: [("scipy.linalg.lstsq(x0, x1)[0]", [((4, 2), ANY), ((4,), ANY)]),
                         ("scipy.linalg.lstsq(x0, x1)[1]", [((4, 2), ANY), ((4, 2), ANY)])],
})
# probes13a (added last: each case's seed is its index): sliding_window_view
# (rules/windows.py) and its gradient's own rule
_SWV = "np.lib.stride_tricks.sliding_window_view"
SAMPLES.update({
    np.lib.stride_tricks.sliding_window_view: [
        (f"{_SWV}(x0, 3) * {W(4, 3)}", [((6,), ANY)]),
        (f"{_SWV}(x0, (2, 2)) * {W(2, 2, 2, 2)}", [((3, 3), ANY)]),
        (f"{_SWV}(x0, 2, axis=1)", [((3, 4), ANY)]),
        (f"{_SWV}(x0, (2, 2), axis=(0, 0))", [((5, 2), ANY)])],
    HELPERS["sliding_window_view_grad"]: [
        ("sliding_window_view_grad(x0 * x1[:4, None], x1, 3)", [((4, 3), ANY), ((6,), ANY)])],
})
# probes13a (added last): scipy.signal.lfilter (rules/lfilter.py), in b, a and x, and
# x's gradient's own rule
if scipy is not None:
    SAMPLES.update({
        scipy.signal.lfilter: [
            ("scipy.signal.lfilter(x0, [1.0, -0.5], x1)", [((3,), ANY), ((6,), ANY)]),
            ("scipy.signal.lfilter([0.5, 0.2], x0 + np.array([2.0, 0.0, 0.0]), x1)",
             [((3,), UNIT), ((6,), ANY)]),
            ("scipy.signal.lfilter([0.5, 0.2], [1.0, 0.3], x0, axis=0)", [((5, 2), ANY)])],
        HELPERS["lfilter_grad_x"]: [
            ("lfilter_grad_x(x0 * x1, [0.5, 0.2], [1.0, 0.3], x1)",
             [((5,), ANY), ((5,), ANY)])],
    })
# probes13b (added last: each case's seed is its index): copy.copy and copy.deepcopy
SAMPLES.update({
    copy.copy: [("copy.copy(x0) * x1", [((3,), ANY), ((3,), ANY)])],
    copy.deepcopy: [("copy.deepcopy([x0, x1])[1] * x0", [((3,), ANY), ((3,), ANY)])],
    HELPERS["tolist_grad"]: [("tolist_grad([x0[0] * x1[1], x1[2]], x0[:2]) * x1[:2]",
                              [((3,), ANY), ((3,), ANY)])],
})
# buffers13 (added last: each case's seed is its index): the value of a parameter an inlined
# callee rebinds by += (its type has no in-place operator of those named)
SAMPLES.update({
    HELPERS["rebinding_value"]: [("rebinding_value(x0 * x1, '__inot_an_operator__', 'unused')",
                                  [((3,), ANY), ((3,), ANY)])],
})
# probes14 (added last: each case's seed is its index): scipy.fft (rules/scipy_fft.py),
# scipy.integrate's quadratures (rules/scipy_quadrature.py) and scipy.spatial.distance
# (rules/scipy_spatial.py), with the helpers' own rules
if scipy is not None:
    import scipy.fft
    import scipy.integrate
    import scipy.spatial.distance

    from pullback.rules import scipy_quadrature, scipy_spatial

    _R, _SF = scipy_samples.R, "scipy.fft"
    _XS = "np.array([0.0, 0.2, 0.5, 0.6, 1.0, 1.3])"
    SAMPLES.update({
        scipy.fft.fft: [(_R(f"{_SF}.fft(x0, workers=1)", 4), [((4,), ANY)]),
                        (_R(f"{_SF}.fft(x0 + 1j * x1, 6, axis=0, norm='ortho')", 6, 2),
                         [((4, 2), ANY), ((4, 2), ANY)])],
        scipy.fft.ifft: [(_R(f"{_SF}.ifft(x0, n=3)", 2, 3), [((2, 5), ANY)])],
        scipy.fft.fft2: [(_R(f"{_SF}.fft2(x0)", 3, 4), [((3, 4), ANY)])],
        scipy.fft.ifft2: [(_R(f"{_SF}.ifft2(x0, s=(4, 2), norm='forward')", 4, 2),
                           [((3, 4), ANY)])],
        scipy.fft.fftn: [(_R(f"{_SF}.fftn(x0, axes=(0, 2))", 2, 3, 2), [((2, 3, 2), ANY)])],
        scipy.fft.ifftn: [(_R(f"{_SF}.ifftn(x0)", 2, 3), [((2, 3), ANY)])],
        scipy.fft.rfft: [(_R(f"{_SF}.rfft(x0, n=8)", 5), [((6,), ANY)])],
        scipy.fft.rfft2: [(_R(f"{_SF}.rfft2(x0)", 3, 3), [((3, 4), ANY)])],
        scipy.fft.rfftn: [(_R(f"{_SF}.rfftn(x0, norm='ortho')", 2, 3), [((2, 4), ANY)])],
        scipy.fft.irfft: [(f"{_SF}.irfft(x0 + 0.5j * x1, n=7)", [((4,), ANY), ((4,), ANY)])],
        scipy.fft.irfft2: [(f"{_SF}.irfft2(x0 * (1 + 1j))", [((3, 3), ANY)])],
        scipy.fft.irfftn: [(f"{_SF}.irfftn(x0, s=(2, 4))", [((2, 3), ANY)])],
        scipy.fft.hfft: [(f"{_SF}.hfft(x0 - 0.3j * x1)", [((4,), ANY), ((4,), ANY)])],
        scipy.fft.ihfft: [(_R(f"{_SF}.ihfft(x0)", 4), [((6,), ANY)])],
        scipy.fft.fftshift: [(f"{_SF}.fftshift(x0) * {W(5)}", [((5,), ANY)])],
        scipy.fft.ifftshift: [(f"{_SF}.ifftshift(x0, axes=0) * {W(3, 2)}", [((3, 2), ANY)])],
        scipy.integrate.trapezoid: [(f"scipy.integrate.trapezoid(x0, {_XS})", [((6,), ANY)])],
        scipy.integrate.simpson: [
            (f"scipy.integrate.simpson(x0, x={_XS})", [((6,), ANY)]),
            ("scipy.integrate.simpson(x0, dx=0.3, axis=0)", [((5, 2), ANY)])],
        scipy.integrate.cumulative_trapezoid: [
            (f"scipy.integrate.cumulative_trapezoid(x0, {_XS}) * {W(5)}", [((6,), ANY)]),
            (f"scipy.integrate.cumulative_trapezoid(x0, dx=0.5, axis=0, initial=0) * {W(3, 2)}",
             [((3, 2), ANY)])],
        scipy_quadrature.simpson_grad: [
            (f"simpson_grad(x0 * x1[0, 0], x1, {_XS})", [((2,), ANY), ((2, 6), ANY)])],
        scipy_quadrature.cumulative_grad: [
            (f"cumulative_grad(x0 * x1[0, 0], x1, None, 0.5, 0, 0) * {W(4, 2)}",
             [((4, 2), ANY), ((4, 2), ANY)])],
        scipy.spatial.distance.cdist: [
            ("scipy.spatial.distance.cdist(x0, x1)", [((3, 2), ANY), ((4, 2), ANY)]),
            ("scipy.spatial.distance.cdist(x0, x1, 'sqeuclidean')", [((3, 2), ANY), ((2, 2), ANY)]),
            ("scipy.spatial.distance.cdist(x0, x1, metric='cityblock')",
             [((2, 3), ANY), ((3, 3), ANY)])],
        scipy.spatial.distance.pdist: [
            ("scipy.spatial.distance.pdist(x0) * np.arange(1.0, 7.0)", [((4, 2), ANY)]),
            ("scipy.spatial.distance.pdist(x0, 'sqeuclidean')", [((3, 3), ANY)]),
            ("scipy.spatial.distance.pdist(x0, 'cityblock')", [((3, 2), ANY)])],
        scipy.spatial.distance.squareform: [
            (f"scipy.spatial.distance.squareform(x0) * {W(4, 4)}", [((6,), ANY)]),
            ("scipy.spatial.distance.squareform(x0 + x0.T, checks=False) * np.arange(3.0)",
             [((3, 3), ANY)])],
        scipy_spatial.squareform_grad: [
            (f"squareform_grad(x0 * x1[0], x1) * {W(6)}", [((4, 4), ANY), ((6,), ANY)]),
            (f"squareform_grad(x0 * x1[0, 0], x1) * {W(3, 3)}", [((3,), ANY), ((3, 3), ANY)])],
    })
# probes14 (added last): math.lgamma (rules/math_special.py), scipy.linalg's
# decompositions (rules/scipy_decompositions.py)
if scipy is not None:
    _SPD = "(x0 @ x0.T + 3 * np.eye(3))"
    SAMPLES.update({
        math.lgamma: [("math.lgamma(x0)", [(S, POS)]), ("math.lgamma(x0)", [(S, (-2.7, -2.3))])],
        scipy.linalg.eigh: [
            (f"scipy.linalg.eigh({_SPD})[0] * np.arange(1.0, 4.0)", [((3, 3), ANY)]),
            (f"scipy.linalg.eigh({_SPD}, lower=False)[1][:, 2] ** 2", [((3, 3), ANY)]),
            (f"scipy.linalg.eigh({_SPD}, eigvals_only=True)", [((3, 3), ANY)])],
        scipy.linalg.eigvalsh: [(f"scipy.linalg.eigvalsh({_SPD}) * np.arange(1.0, 4.0)",
                                 [((3, 3), ANY)])],
        scipy.linalg.svd: [
            ("scipy.linalg.svd(x0)[1] * np.arange(1.0, 3.0)", [((3, 2), ANY)]),
            ("scipy.linalg.svd(x0, full_matrices=False)[0] ** 2 * np.arange(1.0, 3.0)",
             [((3, 2), ANY)]),
            ("scipy.linalg.svd(x0, compute_uv=False)", [((2, 3), ANY)])],
        scipy.linalg.svdvals: [("scipy.linalg.svdvals(x0) * np.arange(1.0, 3.0)",
                                [((3, 2), ANY)])],
        scipy.linalg.qr: [
            ("scipy.linalg.qr(x0, mode='economic')[1] * np.arange(1.0, 3.0)", [((3, 2), ANY)]),
            ("scipy.linalg.qr(x0)[0] * np.arange(1.0, 4.0)", [((3, 3), ANY)])],
        scipy.linalg.pinv: [("scipy.linalg.pinv(x0) * np.arange(1.0, 4.0)", [((3, 2), ANY)])],
        scipy.linalg.norm: [("scipy.linalg.norm(x0)", [((3, 2), ANY)]),
                            ("scipy.linalg.norm(x0, axis=1) * np.arange(1.0, 4.0)",
                             [((3, 2), ANY)]),
                            ("scipy.linalg.norm(x0, 'fro')", [((2, 2), ANY)])],
    })
# probes14 (added last): scipy.stats' lognorm, halfnorm, weibull_min and entropy
# (rules/scipy_stats_more.py), sampled as scipy_samples samples the other families
if scipy is not None:
    for _family, _shape_domains in (("lognorm", [(0.5, 1.0)]), ("halfnorm", []),
                                    ("weibull_min", [(1.5, 3.0)])):
        for _method in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"):
            _call = f"scipy.stats.{_family}.{_method}"
            _density = _method in ("logpdf", "pdf")
            _shapes = [f"x{3 + i}" if _density else str(sum(d) / 2)
                       for i, d in enumerate(_shape_domains)]
            _given = "".join(f"{v}, " for v in _shapes)
            _inputs = [((3,), (0.4, 0.6)), (S, (-0.1, 0.1)), (S, (1.0, 1.5))]
            _inputs += [(S, d) for d in _shape_domains] if _density else []
            SAMPLES[getattr(getattr(scipy.stats, _family), _method)] = [
                (f"{_call}(x0, {_given}x1, x2)", _inputs),
                (f"{_call}(x0, {_given}loc=x1, scale=x2)",
                 [((2, 3), (0.4, 0.6)), ((3,), (-0.1, 0.1)), ((2, 1), (1.0, 1.5))]
                 + _inputs[3:])]
    SAMPLES[scipy.stats.entropy] = [
        ("scipy.stats.entropy(x0)", [((4,), POS)]),
        ("scipy.stats.entropy(x0, x1, base=2.0)", [((4,), POS), ((4,), POS)]),
        ("scipy.stats.entropy(x0, axis=1) * np.arange(1.0, 3.0)", [((2, 3), POS)])]
# lead, session 18 (added last: each case's seed is its index): astype's adjoint, at second order
SAMPLES.update({
    HELPERS["astype_grad"]: [
        ("astype_grad(x0 * x1, x1) + astype_grad(x0, np.floor(x1 * 3).astype(int))",
         [((3,), ANY), ((3,), ANY)])],
})
# (last: the cases before it keep their indices, which seed their random points)
SAMPLES[HELPERS["grad_over"]] = [("grad_over(x0, x1)", [((3,), ANY), ((3,), POS)]),
                                 ("grad_over(x0, x1)", [(S, ANY), ((2,), POS)])]
SAMPLES[higher_rules.summed_to] = [("summed_to(x0 * x1, x1)", [((2, 3), ANY), ((3,), ANY)])]
SAMPLES[higher_rules.spread_to] = [("spread_to(x0, x1) * x1", [((3,), ANY), ((2, 3), ANY)])]
# session 19 (last): cmath.polar and rect; CubicSpline(x, y)(t)'s function and its gradient's
SAMPLES.update({
    cmath.polar: [(f"cmath.polar({_Z})[0] * x1 + cmath.polar({_Z})[1]", [(S, UNIT), (S, UNIT)])],
    cmath.rect: [("cmath.rect(x0, x1).real + cmath.rect(x0, x1).imag * x0",
                  [(S, POS), (S, ANY)])],
    cubic_spline_value: [("cubic_spline_value(np.arange(5.0), x0, x1)",
                          [((5,), ANY), ((3,), (0.2, 3.8))]),
                         ("cubic_spline_value(np.arange(5.0), x0, x1, nu=1)",
                          [((5,), ANY), ((2,), (0.2, 3.8))])],
    spline_grad_y: [("spline_grad_y(x0, np.arange(5.0), x1)", [((3,), ANY), ((3,), (0.2, 3.8))])],
})
# session 21 (last): autograd.misc.flatten's rule (rules/autograd_own.py) and its gradient's
SAMPLES.update({
    HELPERS["autograd_flatten"]: [
        ("autograd_flatten([x0, (x1, {'b': x2, 'a': x0 * x1})])[0]",
         [((2, 3), ANY), (S, ANY), ((2,), ANY)])],
    HELPERS["flatten_grad"]: [
        ("flatten_grad((x0, 0.0), [x1, (x2, x1)])[1][0] * x2",
         [((6,), ANY), (S, ANY), ((2, 2), ANY)]),
        ("flatten_grad((x0 * x0, 0.0), {'w': x1, 'b': [x2]})['w'] * x1",
         [((3,), ANY), ((2,), ANY), (S, ANY)])],
})
# session 21 (last): np.arange (start + i * step; the stop sets the count only) and its
# gradient's helpers, each the other's transpose
SAMPLES.update({
    np.arange: [("np.arange(x0, x0 + 3.0) * np.arange(3.0)", [(S, ANY)]),
                # (three values wherever x0 and x1 are drawn)
                ("np.arange(x0, 2.5, x1) * np.arange(3.0)", [(S, (-1.0, -0.6)), (S, (1.2, 1.3))]),
                ("np.arange(3.0 + x0 * 0.1) * x0", [(S, (0.1, 0.9))])],
    HELPERS["arange_grad"]: [("arange_grad(x0, 1.0, 'step', x0) * x1",
                              [((4,), ANY), (S, ANY)])],
    HELPERS["arange_tangent"]: [("arange_tangent(x0, 1.0, 'start', x1) * x1",
                                 [(S, ANY), ((3,), ANY)])],
})
# outside21 (last): np.require; scipy.stats' standardized private methods (norm._cdf(x),
# the shapes positional, as statsmodels calls them) and poisson._pmf(k, mu)
SAMPLES[np.require] = [("np.require(x0.T, dtype=float, requirements=['C'])", [((2, 3), ANY)]),
                       ("np.require(x0, None, 'O')", [((3,), ANY)])]
if scipy is not None:
    for _family, _shape_domains in (("norm", []), ("logistic", []), ("laplace", []),
                                    ("cauchy", []), ("expon", []), ("uniform", []),
                                    ("t", [(2.0, 5.0)]), ("gamma", [(1.5, 3.0)]),
                                    ("beta", [(1.5, 3.0), (1.5, 3.0)]), ("chi2", [(3.0, 5.0)])):
        _x = ANY if _family in ("norm", "logistic", "laplace", "cauchy") else (0.2, 0.8)
        for _method in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"):
            _density = _method in ("logpdf", "pdf")
            _shapes = [f"x{1 + i}" if _density else str(sum(d) / 2)
                       for i, d in enumerate(_shape_domains)]
            SAMPLES[getattr(getattr(scipy.stats, _family), "_" + _method)] = [
                (f"scipy.stats.{_family}._{_method}({', '.join(['x0', *_shapes])})",
                 [((3,), _x)] + ([(S, d) for d in _shape_domains] if _density else []))]
    for _method in ("logpmf", "pmf", "cdf", "logcdf", "sf", "logsf"):
        SAMPLES[getattr(scipy.stats.poisson, "_" + _method)] = [
            (f"scipy.stats.poisson._{_method}(np.array([0.0, 1.0, 3.0, 4.0]), x0)",
             [(S, POS)])]
# (last) an attribute's gradient taken off an object's (objects21's rule), a dict standing
# for the object's gradient
SAMPLES[HELPERS["take_attribute_grad"]] = [
    ("(t := take_attribute_grad({'w': x0 * x1, 'b': x1 * x0}, 'w'))[0] * x1 + t[1]['b']",
     [((3,), ANY), ((3,), ANY)])]
CASES = [(f, expr, shapes) for f, samples in SAMPLES.items() for expr, shapes in samples]


def _build(expr, n, tmp_path, tag, wrap="np.sum(np.sin({}))"):
    args = ", ".join(f"x{i}" for i in range(n))
    body = wrap.format(expr)
    source = textwrap.dedent(f"""
        import cmath
        import copy
        import math
        import statistics
        import numpy as np
        from pullback.runtime.helpers import transposed
        from pullback.helpers import HELPERS
        globals().update(HELPERS)  # the helpers of generated code, for rules/higher.py
        from pullback.rules.higher import spread_to, summed_to  # (third order's)
        from pullback.rules.scipy_interpolate import cubic_spline_value, spline_grad_y
        {"import scipy.special, scipy.stats, scipy.linalg, scipy.signal, scipy.optimize"
         if scipy else ""}
        {"import scipy.integrate, scipy_samples" if scipy else ""}


        def f({args}):
            return {body}
    """)
    path = tmp_path / f"rule_{tag}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(f"rule_{tag}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.f


def test_every_rule_has_a_sample():
    from pullback.rules import _tables

    built_in, _ = _tables()  # not the custom rules other tests register
    missing = [getattr(f, "__name__", f) for f in built_in if f not in SAMPLES]
    assert not missing


@pytest.mark.parametrize("index", range(len(CASES)),
                         ids=[f"{getattr(c[0], '__name__', c[0])}:{c[1]}" for c in CASES])
def test_rule_matches_finite_differences(index, tmp_path):
    _, expr, shapes = CASES[index]
    f = _build(expr, len(shapes), tmp_path, index)
    rng = np.random.default_rng(index)
    for _ in range(2):
        args = tuple(float(rng.uniform(*dom)) if shape == S else rng.uniform(*dom, size=shape)
                     for shape, dom in shapes)
        wrt = tuple(range(len(shapes)))
        grads = pullback.grad(f, wrt=wrt)(*args)
        for i, g in zip(wrt, grads):
            expected = numeric_grad(f, args, i)
            assert np.shape(g) == np.shape(args[i])
            np.testing.assert_allclose(g, expected, rtol=1e-5, atol=1e-8, err_msg=expr)


# ------------------------------------------------- Python lists where arrays go
# NumPy functions read a list as an array, so their rules must too: every sample of a
# NumPy or SciPy rule runs again with its array inputs passed as (nested) Python lists,
# and with them spelled as list literals of their elements inside the function
# ([x0[0], x0[1], ...]). Samples whose own code does not accept lists are left out.


def _args(shapes, seed):
    rng = np.random.default_rng(seed)
    return tuple(float(rng.uniform(*dom)) if shape == S else rng.uniform(*dom, size=shape)
                 for shape, dom in shapes)


def _as_lists(args):
    return tuple(a.tolist() if isinstance(a, np.ndarray) else a for a in args)


def _literal(name, shape):
    """Source of a (nested) list literal of the elements of array `name`."""
    def items(prefix):
        depth = len(prefix)
        if depth == len(shape):
            return f"{name}[{', '.join(map(str, prefix))}]"
        return "[" + ", ".join(items(prefix + (i,)) for i in range(shape[depth])) + "]"
    return items(())


def _takes_lists(expr, args):
    env = {"np": np, "math": math, "scipy": scipy, **{f"x{i}": a for i, a in enumerate(args)}}
    try:
        with np.errstate(all="ignore"):
            eval(expr, env)
    except Exception:  # NumPy itself does not take lists here (np.split)
        return False
    return True


def _only_arguments(expr, shapes):
    """Whether every array input is only ever a whole argument of a call (pullback
    refuses + and * on list literals, which join or repeat them)."""
    inputs = {f"x{i}" for i, (shape, _) in enumerate(shapes) if shape != S}
    tree = ast.parse(expr, mode="eval")
    arguments = {id(a) for n in ast.walk(tree) if isinstance(n, ast.Call)
                 for a in n.args + [k.value for k in n.keywords]}
    return all(id(n) in arguments for n in ast.walk(tree)
               if isinstance(n, ast.Name) and n.id in inputs)


LIST_CASES = [(f, expr, shapes) for f, expr, shapes in CASES if RULES[f].arrays
              and any(shape != S for shape, _ in shapes)
              and _takes_lists(expr, _as_lists(_args(shapes, 0)))]
LITERAL_CASES = [c for c in LIST_CASES if _only_arguments(c[1], c[2])]


def test_list_cases_cover_the_array_rules():
    """Every elementwise rule, and the others whose samples allow lists, runs on lists."""
    from pullback.rules.numpy import ELEMENTWISE, LINEAR_ALGEBRA
    for cases in (LIST_CASES, LITERAL_CASES):
        covered = {f for f, _, _ in cases}
        missing = [f.__name__ for f in ELEMENTWISE if f not in covered]
        assert not missing
        assert {np.dot, np.clip, np.arctan2, np.maximum, np.power} <= covered
        assert len(covered & set(LINEAR_ALGEBRA)) >= 10


def _check_list_case(f, expr, shapes, args, convert):
    """The gradient of f at convert(args) against differences of f(*convert(args))."""
    wrt = tuple(range(len(shapes)))
    passed = convert(args)
    grads = pullback.grad(f, wrt=wrt)(*passed)
    for i, g, p in zip(wrt, grads, passed):
        assert type(g) is type(p), f"{expr}: gradient of a {type(p).__name__}: {g!r}"
        assert np.shape(g) == np.shape(p)
        expected = numeric_grad(lambda *a: f(*convert(a)), args, i)
        np.testing.assert_allclose(np.asarray(g), expected, rtol=1e-5, atol=1e-8,
                                   err_msg=expr)


@pytest.mark.parametrize("index", range(len(LIST_CASES)),
                         ids=[f"{getattr(c[0], '__name__', c[0])}:{c[1]}" for c in LIST_CASES])
def test_rule_on_list_arguments(index, tmp_path):
    _, expr, shapes = LIST_CASES[index]
    f = _build(expr, len(shapes), tmp_path, f"list{index}")
    args = _args(shapes, index)
    _check_list_case(f, expr, shapes, args, _as_lists)


@pytest.mark.parametrize("index", range(len(LITERAL_CASES)),
                         ids=[f"{getattr(c[0], '__name__', c[0])}:{c[1]}" for c in LITERAL_CASES])
def test_rule_on_list_literals(index, tmp_path):
    _, expr, shapes = LITERAL_CASES[index]
    for i, (shape, _) in enumerate(shapes):
        if shape != S:
            expr = re.sub(rf"\bx{i}\b", _literal(f"x{i}", shape), expr)
    f = _build(expr, len(shapes), tmp_path, f"literal{index}")
    args = _args(shapes, index)
    _check_list_case(f, expr, shapes, args, tuple)


# ------------------------------------------- every template accepts a zero gradient


def _sample_calls(f, expr, args):
    """(positional, keyword) arguments of each call to f in a sample expression."""
    env = {"np": np, "math": math, "builtins": builtins, "scipy": scipy,
           "transposed": HELPERS["transposed"], "scipy_samples": scipy_samples,
           "own_input": HELPERS["own_input"], "cmath": cmath,
           "cubic_spline_value": cubic_spline_value, "spline_grad_y": spline_grad_y,
           "autograd_flatten": HELPERS["autograd_flatten"],
           "flatten_grad": HELPERS["flatten_grad"],
           "take_attribute_grad": HELPERS["take_attribute_grad"],
           **{f"x{i}": a for i, a in enumerate(args)}}

    def value(node):
        return eval(compile(ast.Expression(node), "<sample>", "eval"), env)

    for node in ast.walk(ast.parse(expr, mode="eval")):
        if isinstance(node, ast.Call):
            try:
                callee = value(node.func)
            except Exception:
                continue
            if callee is f:
                yield [value(a) for a in node.args], {k.arg: value(k.value) for k in node.keywords}


def _differentiable(v):
    if isinstance(v, (list, tuple)):
        return any(_differentiable(x) for x in v)
    return isinstance(v, (float, np.floating)) or (
        isinstance(v, np.ndarray) and v.dtype.kind == "f")


def _is_zero(v):
    if isinstance(v, (list, tuple)):
        return all(_is_zero(x) for x in v)
    return bool(np.all(np.asarray(v) == 0.0))


ZERO_CASES = [(f, expr, shapes) for f, expr, shapes in CASES
              if any(isinstance(n, ast.Call) for n in ast.walk(ast.parse(expr, mode="eval")))]


@pytest.mark.parametrize("index", range(len(ZERO_CASES)),
                         ids=[f"{getattr(c[0], '__name__', c[0])}:{c[1]}" for c in ZERO_CASES])
def test_rule_templates_accept_a_zero_gradient(index):
    """The generated code passes g = 0.0 (a gradient known to be zero) to any template; the
    template must return zeros (of any shape that broadcasts), never fail."""
    f, expr, shapes = ZERO_CASES[index]
    rng = np.random.default_rng(index)
    args = [float(rng.uniform(*dom)) if shape == S else rng.uniform(*dom, size=shape)
            for shape, dom in shapes]
    rule = RULES[f]
    for call_args, call_kwargs in _sample_calls(f, expr, args):
        bound = rule.bind(call_args, call_kwargs)
        env = {**HELPERS, **dict(rule.functions), **bound, "g": 0.0,
               "ans": f(*call_args, **call_kwargs)}
        for param, template in rule.partials.items():
            if _differentiable(bound.get(param)):
                assert _is_zero(eval(template, env)), (param, template)


def test_zero_gradient_cases_cover_the_tables():
    """Only rules spelled as operators in their samples (x0 + x1) escape the zero test."""
    from pullback.rules import _tables

    built_in, _ = _tables()  # not the custom rules other tests register
    covered = {f for f, _, _ in ZERO_CASES}
    uncovered = [f for f in built_in if f not in covered]
    assert all(getattr(f, "__module__", "") in ("operator", "_operator") for f in uncovered)


# ------------------------------------------------------------- method spellings
# x.trace(1), x.clip(0, 1), ...: normalize writes them as the NumPy functions


def _m_trace(x):
    return x.trace(1) * x.trace() + x.trace(offset=-1)


def _m_clip_round(x):
    return np.sum(x.clip(-0.5, 0.5) ** 2 * x.round() + x.round(1) * x) \
        + np.sum(x.clip(min=0.1) ** 2 + x.clip(max=-0.1) * 3.0 + x.clip(min=0.0, max=0.4))


def _m_scans(x):
    return np.sum(np.sin(x.cumsum(axis=0))) + np.sum(x.cumprod() * np.arange(6.0))


def _m_moments(x):
    return x.prod() + x.var(ddof=1) + x.std(axis=0, ddof=1).sum() + x.mean(keepdims=True)[0, 0]


def _m_masked(x):
    return x.sum(where=x > 0.0) + np.sum(x.mean(axis=1, where=np.array([True, False, True])))


def _m_shapes(x):
    y = x.repeat(2, axis=0).flatten() * np.arange(12.0)
    z = x.ravel() + x.swapaxes(0, 1).ravel() * 2.0 + x[None].squeeze(0).ravel()
    return np.sum(np.sin(y)) + np.sum(z ** 2) + np.sum(x.take([0, 5, 5]))


def _m_extremes(x):
    return np.sum(x.max(axis=0) * 2.0) + x.min() + np.sum(x.diagonal(1)) + np.sum(x.T[0] ** 2)


def _m_nonzero(x):
    return np.sum(x[x.nonzero()] ** 2)


@pytest.mark.parametrize("f", [_m_trace, _m_clip_round, _m_scans, _m_moments, _m_masked,
                               _m_shapes, _m_extremes, _m_nonzero], ids=lambda f: f.__name__)
def test_method_spellings(f):
    x = np.random.default_rng(3).uniform(-1.0, 1.0, size=(2, 3)) + 0.1
    if f in (_m_trace, _m_extremes):
        x = np.random.default_rng(4).uniform(-1.0, 1.0, size=(3, 3))
    np.testing.assert_allclose(pullback.grad(f)(x), numeric_grad(f, (x,), 0),
                               rtol=1e-5, atol=1e-8)


# ------------------------------------------------ where a decomposition has no derivative


def _svd_full_u(x):
    u, s, vh = np.linalg.svd(x)
    return np.sum(u * np.arange(16.0).reshape(4, 4))


def _svd_full_reduced_part(x):
    u, s, vh = np.linalg.svd(x)
    return np.sum(u[:, :2] ** 3) + np.sum(s)


def _svd_repeated(x):
    u, s, vh = np.linalg.svd(x * np.eye(3))
    return np.sum(u[:, 0] ** 3)


def _svd_repeated_values_only(x):
    s = np.linalg.svd(x * np.eye(3), compute_uv=False)
    return np.sum(s ** 2)


def _eigh_repeated(x):
    w, v = np.linalg.eigh(x * np.eye(3))
    return np.sum(v[:, 0] ** 3)


def _eig_complex(x):
    w, v = np.linalg.eig(np.array([[0.0, -1.0], [1.0, 0.0]]) * x)
    return np.sum(np.abs(w))


def _eigh_complex(x):
    w, v = np.linalg.eigh(np.array([[2.0, 1j], [-1j, 3.0]]) * x)
    return np.sum(w)


def _linspace_retstep(x):
    t, step = np.linspace(0.0, x, 5, retstep=True)
    return np.sum(t) * step


@pytest.mark.parametrize("f, x, message", [
    (_svd_full_u, np.arange(8.0).reshape(4, 2) ** 1.5, "full_matrices=False"),
    (_svd_repeated, 2.0, "repeated values"),
    (_eigh_repeated, 2.0, "repeated values"),
    (_eig_complex, 2.0, "complex eigenvalues"),
    (_eigh_complex, 2.0, "complex matrix"),
    (_linspace_retstep, 2.0, "linspace"),
], ids=lambda v: getattr(v, "__name__", "")[:20] if callable(v) else "")
def test_decompositions_refuse_where_no_derivative(f, x, message):
    with pytest.raises(pullback.PullbackError, match=message):
        pullback.grad(f)(x)


def test_svd_full_matrices_of_unique_parts_and_repeated_values_alone():
    """With full_matrices=True, the parts of U that are unique (and s) still have a
    gradient; repeated singular values alone do too (2 x for s of x I)."""
    x = np.random.default_rng(0).normal(size=(4, 2))
    np.testing.assert_allclose(pullback.grad(_svd_full_reduced_part)(x),
                               numeric_grad(_svd_full_reduced_part, (x,), 0), rtol=1e-5)
    assert pullback.grad(_svd_repeated_values_only)(1.5) == pytest.approx(2 * 3 * 1.5)


def _eigh_values_of_repeated(x):
    w, v = np.linalg.eigh(np.outer(x, x) + 2.0 * np.eye(3))  # 2, 2, 2 + |x|^2
    return np.sum(w ** 2)


def _svd_values_of_repeated(x):
    u, s, vh = np.linalg.svd(np.outer(x, x) + 2.0 * np.eye(3))
    return np.sum(s ** 2)


def _eig_values_of_repeated(x):
    w, v = np.linalg.eig(np.outer(x, x) + 2.0 * np.eye(3))
    return np.sum(w ** 2)


@pytest.mark.parametrize("f", [_eigh_values_of_repeated, _svd_values_of_repeated,
                               _eig_values_of_repeated])
def test_values_alone_of_a_full_decomposition_at_repeated_values(f):
    """The vectors are computed but unused: the repeated values do not matter, and the
    gradient is that of the values (here sum(w^2) = trace(A^2), A = x x^T + 2 I: its
    gradient is 4 (|x|^2 + 2) x); it was nan (1/0 times a zero gradient)."""
    x = np.array([0.3, -0.5, 0.8])
    np.testing.assert_allclose(pullback.grad(f)(x), 4 * (x @ x + 2) * x, rtol=1e-8)


# --------------------------------------------------------------------------- dtypes
# A float32 input gets a float32 gradient, computed in float32 where NumPy keeps it
# there; booleans and NumPy integers have no gradient (an error); a Python int is the
# real number it holds.


def _f32_helper(v, w):
    return np.tanh(v * w)


def _f32_loop(x, w):
    total = 0.0
    for i in range(3):
        total = total + np.sum(_f32_helper(x, w) ** 2) * (i + 1)
        x = x * 0.5 + np.sin(x)
    return total


def _f32_scalar(x):
    y = x
    for _ in range(2):
        y = y * np.cos(y) + _f32_helper(y, 2.0)
    return y


@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_float32_inputs_get_float32_gradients(shape):
    rng = np.random.default_rng(0)
    x64 = rng.uniform(-1.0, 1.0, size=shape)
    w = rng.uniform(-1.0, 1.0, size=shape)
    x32 = np.float32(x64) if shape == () else x64.astype(np.float32)
    f = _f32_scalar if shape == () else _f32_loop
    args32, args64 = ((x32,), (np.float64(x32),)) if shape == () else ((x32, w), (x32 * 1.0, w))
    g32 = pullback.grad(f)(*args32)
    g64 = pullback.grad(f)(*args64)
    assert type(g32) is (np.float32 if shape == () else np.ndarray)
    assert np.asarray(g32).dtype == np.float32
    np.testing.assert_allclose(g32, g64, rtol=2e-4, atol=1e-5)
    np.testing.assert_allclose(g64, numeric_grad(f, args64, 0), rtol=1e-5, atol=1e-8)


def _square(v):
    return v * v


def test_float32_computations_stay_float32():
    """The gradient reaching a rule is float32 when everything before it is."""
    seen = []

    def recorded(g, ans, v):
        seen.append(np.asarray(g).dtype)
        return 2.0 * g * v

    def f(x):
        return np.sum(_square(np.sin(x) * np.float32(2.0)) * x) + np.mean(x)

    pullback.register_rule(_square)(recorded)
    try:
        g = pullback.grad(f)(np.linspace(0.0, 1.0, 4, dtype=np.float32))
    finally:
        pullback.rules.RULES.pop(_square)
        pullback.rules.VERSION[0] += 1
    assert seen == [np.float32] and g.dtype == np.float32


def _times_three(x):
    return np.sum(x * 3.0)


def _first_times_three(xs):
    return np.sum(xs[0] * 3.0) + np.sum(xs[1])


@pytest.mark.parametrize("x", [True, np.bool_(True), np.array([True, False]), np.int64(2),
                               np.array([1, 2], dtype=np.int8), [np.array([1, 2]), 0.5]],
                         ids=["bool", "np.bool_", "bool array", "np.int64", "int8 array",
                              "list holding an int array"])
def test_booleans_and_numpy_integers_have_no_gradient(x):
    f = _first_times_three if isinstance(x, list) else _times_three
    with pytest.raises(pullback.PullbackError, match="no derivative"):
        pullback.grad(f)(x)


def test_a_python_int_is_the_real_number_it_holds():
    assert pullback.grad(_f32_scalar)(1) == pytest.approx(pullback.grad(_f32_scalar)(1.0))
    assert type(pullback.grad(_times_three)(2)) is float


# float32 variants of the table walk: the first sample of each NumPy rule, at float32
# points, against the float64 gradient at the same points
F32_CASES = [(f, samples[0][0], samples[0][1]) for f, samples in SAMPLES.items()
             if (getattr(f, "__module__", None) or "numpy").startswith(("numpy", "scipy"))
             or isinstance(f, np.ufunc)]


@pytest.mark.parametrize("index", range(len(F32_CASES)),
                         ids=[f"{getattr(c[0], '__name__', c[0])}:{c[1]}" for c in F32_CASES])
def test_rule_keeps_float32(index, tmp_path):
    _, expr, shapes = F32_CASES[index]
    f = _build(expr, len(shapes), tmp_path, f"f32_{index}")
    args = [np.float32(a) if np.ndim(a) == 0 else a.astype(np.float32)
            for a in _args(shapes, index)]
    wrt = tuple(range(len(shapes)))
    try:
        f(*args)
    except ValueError as exc:  # scipy.stats.dirichlet: its simplex test fails at float32
        pytest.skip(f"the function itself refuses these float32 points: {exc}")
    got = pullback.grad(f, wrt=wrt)(*args)
    expected = pullback.grad(f, wrt=wrt)(*[np.float64(a) if np.ndim(a) == 0 else a * 1.0
                                          for a in args])
    for g, e in zip(got, expected):
        assert np.asarray(g).dtype == np.float32, expr
        np.testing.assert_allclose(g, e, rtol=2e-3, atol=2e-3, err_msg=expr)


# complex variants of the table walk: the first sample of each NumPy and SciPy rule whose
# function takes complex values, at complex points, in autograd's convention: the gradient
# of a real f with respect to z = a + ib is df/da - i df/db (checked by central differences
# in a and b). A rule may refuse complex values (a PullbackError), never give another number.
# The sample w is seen through Re(w (0.6 - 0.8j)) + 0.3 |w - 0.2i|^2, so real and
# imaginary parts count, and the gradient reaching the rule varies with w.
_COMPLEX_WRAP = "np.sum(np.real({0} * (0.6 - 0.8j)) + 0.3 * np.abs({0} - 0.2j) ** 2)"


def _complex_args(shapes, seed):
    rng = np.random.default_rng(seed)
    out = []
    for shape, dom in shapes:  # imaginary parts away from the real axis's branch cuts
        re = rng.uniform(*dom, size=shape)
        im = rng.uniform(0.1, 0.3, size=shape) * rng.choice([-1.0, 1.0], size=shape)
        z = re + 1j * im
        out.append(complex(z) if shape == S else z)
    return tuple(out)


def _takes_complex(f, expr, shapes):
    """Whether NumPy/SciPy evaluate the sample at complex points to finite complex values
    without dropping imaginary parts (a ComplexWarning) or refusing them."""
    if not ((getattr(f, "__module__", None) or "numpy").startswith(("numpy", "scipy"))
            or isinstance(f, np.ufunc)):
        return False
    env = {"np": np, "math": math, "scipy": scipy, "scipy_samples": scipy_samples,
           **{f"x{i}": a for i, a in enumerate(_complex_args(shapes, 0))}}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with np.errstate(all="raise"):
                value = eval(expr, env)
    except Exception:
        return False
    return bool(np.all(np.isfinite(value)))


COMPLEX_CASES = [(f, samples[0][0], samples[0][1]) for f, samples in SAMPLES.items()
                 if _takes_complex(f, samples[0][0], samples[0][1])]


def test_complex_cases_cover_the_complex_functions():
    covered = {f for f, _, _ in COMPLEX_CASES}
    assert {np.exp, np.sin, np.log, np.sqrt, np.abs, np.sum, np.dot, np.matmul, np.fft.fft,
            np.linalg.inv, np.linalg.solve, np.einsum} <= covered
    assert len(covered) >= 100


@pytest.mark.parametrize("index", range(len(COMPLEX_CASES)),
                         ids=[f"{getattr(c[0], '__name__', c[0])}:{c[1]}" for c in COMPLEX_CASES])
def test_rule_on_complex_values(index, tmp_path):
    _, expr, shapes = COMPLEX_CASES[index]
    f = _build(expr, len(shapes), tmp_path, f"complex_{index}", _COMPLEX_WRAP)
    args = _complex_args(shapes, index)
    wrt = tuple(range(len(shapes)))
    try:
        got = pullback.grad(f, wrt=wrt)(*args)
    except pullback.PullbackError:
        return  # refused, with its message: allowed, never a wrong number
    for i, g in enumerate(got):
        def along(part, i=i):
            def h(*xs):
                z = list(args)
                z[i] = (xs[i].real if part == "re" else args[i].real) + 1j * (
                    xs[i].real if part == "im" else args[i].imag)
                z[i] = complex(z[i]) if np.ndim(z[i]) == 0 else z[i]
                return f(*z)
            start = list(args)
            start[i] = args[i].real if part == "re" else args[i].imag
            start[i] = float(start[i]) if np.ndim(start[i]) == 0 else np.array(start[i])
            return numeric_grad(h, tuple(start), i)
        expected = along("re") - 1j * along("im")
        assert np.shape(g) == np.shape(args[i])
        np.testing.assert_allclose(g, expected, rtol=1e-5, atol=1e-7, err_msg=expr)


# ------------------------------------------ kinks: what docs/numpy-coverage.md says


def _k_maximum(x, y):
    return np.sum(np.maximum(x, y))


def _k_relu(x):
    return np.sum(np.maximum(x, 0.0) + np.minimum(x, 0.0) * 2.0)


def _k_max(x):
    return np.max(x) + np.ptp(x)


def _k_builtin_max(x, y):
    return max(x, y)


def _k_abs(x):
    return np.sum(np.abs(x) + np.fabs(x))


def _k_builtin_abs(x):
    return abs(x)


def _k_clip(x, lo):
    return np.sum(np.clip(x, lo, 1.0))


def _k_sqrt(x):
    return np.sum(np.sqrt(x))


def _k_math_sqrt(x):
    return math.sqrt(x)


def _k_trap(x):
    return np.sum(np.where(x > 0, np.sqrt(x), 0.0))


def _k_guarded(x):
    return np.sum(np.where(x > 0, np.sqrt(np.where(x > 0, x, 1.0)), 0.0))


def _k_sort(x):
    return np.sort(x)[0] * 3.0 + np.median(x)


def _k_norm(x):
    return np.linalg.norm(x)


def _k_nan_to_num(x):
    return np.sum(np.nan_to_num(np.where(x > 1.0, np.inf, x)) * 2.0)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_kinks_as_documented():
    one = np.array([1.0])
    assert pullback.grad(_k_maximum, wrt=(0, 1))(one, one) == (1.0, 0.0)
    # at 0 both maximum and minimum give x the whole gradient (1 + 2)
    np.testing.assert_array_equal(pullback.grad(_k_relu)(np.array([0.0, 1.0, -1.0])),
                                  [3.0, 1.0, 2.0])
    np.testing.assert_array_equal(pullback.grad(_k_max)(np.array([2.0, 2.0, 1.0, 1.0])),
                                  [1.0, 1.0, -0.5, -0.5])
    assert pullback.grad(_k_builtin_max, wrt=(0, 1))(1.0, 1.0) == (1.0, 0.0)
    np.testing.assert_array_equal(pullback.grad(_k_abs)(np.array([0.0, -2.0])), [0.0, -2.0])
    assert pullback.grad(_k_builtin_abs)(0.0) == 0.0
    dx, dlo = pullback.grad(_k_clip, wrt=(0, 1))(np.array([0.0, 1.0, 0.5, -1.0]), 0.0)
    np.testing.assert_array_equal(dx, [1.0, 1.0, 1.0, 0.0])
    assert dlo == 1.0  # only from the entry below the bound
    np.testing.assert_array_equal(pullback.grad(_k_sqrt)(np.array([0.0, 4.0])), [np.inf, 0.25])
    assert pullback.grad(_k_math_sqrt)(0.0) == math.inf  # (as np.sqrt; it raised)
    x = np.array([-1.0, 0.0, 4.0])
    # the root's gradient is 0 where the gradient arriving is (np.where gives it none):
    # no NaN, so the trap is none now (test_masked_selections.py)
    np.testing.assert_array_equal(pullback.grad(_k_trap)(x), [0.0, 0.0, 0.25])
    np.testing.assert_array_equal(pullback.grad(_k_guarded)(x), [0.0, 0.0, 0.25])
    # sort: position 0 goes to the first of the tied entries; median of 4: the two middle
    np.testing.assert_array_equal(pullback.grad(_k_sort)(np.array([1.0, 1.0, 2.0, 5.0])),
                                  [3.0, 0.5, 0.5, 0.0])
    np.testing.assert_array_equal(pullback.grad(_k_norm)(np.zeros(2)), [0.0, 0.0])
    np.testing.assert_array_equal(pullback.grad(_k_nan_to_num)(np.array([0.5, 2.0])),
                                  [2.0, 0.0])


# An integer dtype= truncates: the result is piecewise constant, its gradient zero.


def _int_dtype_sum(x):
    return np.sum(x, dtype=int) * 1.0 + np.sum(x)


def _int_dtype_cumsum(x):
    return np.sum(np.cumsum(x, dtype=np.int64)) * 1.0 + np.sum(np.cumsum(x, dtype=np.float32))


def _int_dtype_trace(x, dtype):
    return np.trace(x, dtype=dtype) * 1.0 + np.mean(x, dtype=np.float64)


def _int_dtype_linspace(x, dtype):
    return np.sum(np.linspace(0.0, x, 4, dtype=dtype)) * 1.0


def test_integer_dtype_arguments_truncate_to_a_zero_gradient():
    x = np.array([1.5, 2.5, 3.25, 0.5])
    np.testing.assert_array_equal(pullback.grad(_int_dtype_sum)(x), np.ones(4))
    np.testing.assert_allclose(pullback.grad(_int_dtype_cumsum)(x), [4.0, 3.0, 2.0, 1.0])
    m = x.reshape(2, 2)
    np.testing.assert_array_equal(pullback.grad(_int_dtype_trace)(m, int), np.full((2, 2), 0.25))
    np.testing.assert_allclose(pullback.grad(_int_dtype_trace)(m, float),
                               np.eye(2) + 0.25)
    assert pullback.grad(_int_dtype_linspace)(7.5, int) == 0.0
    assert pullback.grad(_int_dtype_linspace)(7.5, float) == pytest.approx(2.0)


def _nan_to_num_values(v, w):
    x = np.array([np.nan, 1.0, np.inf, -np.inf, np.inf])
    return np.sum(np.nan_to_num(x, nan=v, posinf=w, neginf=v * w) * np.arange(1.0, 6.0))


def test_nan_to_num_replacement_values_get_their_gradient():
    dv, dw = pullback.grad(_nan_to_num_values, wrt=(0, 1))(2.0, 3.0)
    assert (dv, dw) == (1.0 + 4.0 * 3.0, 3.0 + 5.0 + 4.0 * 2.0)


def _quantile_of_q(q):
    return np.quantile(np.array([1.0, 4.0, 2.0]), q)


def _gradient_spacing(h):
    return np.sum(np.gradient(np.array([1.0, 4.0, 2.0]), h))


def _var_ddof(d):
    return np.var(np.array([1.0, 4.0, 2.0]), ddof=d)


@pytest.mark.parametrize("f", [_quantile_of_q, _gradient_spacing, _var_ddof],
                         ids=lambda f: f.__name__)
def test_parameters_without_a_derivative_refuse_a_gradient(f):
    """np.quantile varies with q, np.gradient with its spacing: a value being differentiated
    reaching them is an error, never a zero gradient."""
    with pytest.raises(pullback.PullbackError, match="not differentiated by pullback"):
        pullback.grad(f)(0.4)


def _diff_zero_then_write(x):
    d = np.diff(x, 0)
    d[0] = 5.0
    return np.sum(d * x)


def _power_one_then_write(x):
    d = np.linalg.matrix_power(x, 1)
    d[0, 0] = 5.0
    return np.sum(d * x)


@pytest.mark.parametrize("f", [_diff_zero_then_write, _power_one_then_write],
                         ids=lambda f: f.__name__)
def test_results_that_may_be_the_argument_are_not_new_arrays(f):
    """np.diff(x, 0) and matrix_power(x, 1) return x itself: writing into them is refused."""
    with pytest.raises(pullback.PullbackError, match="in-place write"):
        pullback.grad(f)(np.arange(1.0, 5.0).reshape(2, 2))


# ------------------------------------------------ index tricks: what stays refused


def _r_alias(x):
    r = np.r_
    return np.sum(r[x, 1.0] ** 2)


def _s_index(x):
    return np.sum(np.s_[x] ** 2)


def _r_active_slice_bound(x):
    return np.sum(np.r_[0.0:x, 2.0])


@pytest.mark.parametrize("f, message", [
    (_r_alias, r"indexing np\.r_ with x(.|\n)*spelled so(.|\n)*r\[x, 1\.0\]"),
    (_s_index, r"indexing np\.s_ with x"),
    (_r_active_slice_bound, r"no derivative rule for slice(.|\n)*np\.r_\[0\.0:x, 2\.0\]")],
    ids=["alias", "s_", "slice-bound"])
def test_index_tricks_refuse_what_no_rule_covers(f, message):
    with pytest.raises(pullback.NoRuleError, match=message):
        pullback.grad(f)(np.array([0.5, 1.5]) if f is not _r_active_slice_bound else 2.5)


def _transpose_by(x, axes):
    return np.sum(np.transpose(x, axes) * np.arange(24.0).reshape(np.transpose(x, axes).shape))


@pytest.mark.parametrize("axes", [None, [2, 0, 1], (1, 2, 0)], ids=str)
def test_an_optional_argument_passed_as_a_variable_keeps_its_none(axes):
    # The template's `axes is None` asks of the object: it is not read as an array
    # (as_array(None) is not None: the gradient raised "axes don't match array").
    x = np.random.default_rng(3).normal(size=(2, 3, 4))
    expected = numeric_grad(_transpose_by, (x, axes))
    assert np.allclose(pullback.grad(_transpose_by)(x, axes), expected)


def _std_of_one(x):
    return np.std(x) + np.sum(np.std(x[None, :], axis=0)) + x[0]


def test_the_std_of_one_number_has_a_zero_gradient():
    # std of one number is 0 whatever it is: its gradient is 0, not 0 / 0
    x = np.array([0.7, -1.2])
    assert np.allclose(pullback.grad(_std_of_one)(x),
                       numeric_grad(_std_of_one, (x,)))
    assert pullback.grad(lambda v: np.std(v))(np.array(1.5)) == 0.0


def _mean_on_the_branch_not_taken(m, flag=1.0):
    a = np.mean(m, axis=0) / np.tanh(1.0)
    b = np.mean(m, axis=1) * 2.0
    t = 1.0 if flag else a
    return t + np.sum(b ** 2) + (0.0 if flag else np.sum(a))


def test_a_zero_made_a_numpy_number_spreads_over_a_reduced_axis():
    # found by the open-world fuzzer (seed 3030, program 4391): the not-taken branch's
    # zero gradient, divided by np.tanh(1.0), became np.float64(0.0), which unreduce
    # reshaped to the reduced axes ("cannot reshape array of size 1 into shape (1,3)")
    m = np.array([[1.1, -1.4, 1.5], [0.7, -1.1, 1.4]])
    assert np.allclose(pullback.grad(_mean_on_the_branch_not_taken)(m),
                       numeric_grad(_mean_on_the_branch_not_taken, (m,)))
