"""Every derivative rule in the tables, checked against central finite differences.

The test walks `pullback.rules.RULES`: a rule with no sample here fails the
coverage test, so no rule lands untested. Each sample is an expression over
inputs x0, x1, ... with shapes (broadcasting variants included) and a domain;
the function differentiated is `sum(sin(expr))`, so no rule is checked only
through a trivial seed.
"""

import ast
import builtins
import importlib.util
import math
import operator
import re
import textwrap

import numpy as np
import pytest
from fd import numeric_grad

import pullback
from pullback.codegen import HELPERS
from pullback.rules import RULES

try:
    import scipy.special
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
             ("np.sum(x0, -1)", [((2, 3), ANY)])],
    np.mean: [("np.mean(x0)", [((2, 3), ANY)]), ("np.mean(x0, axis=0, keepdims=True)",
                                                  [((2, 3), ANY)])],
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
              ("np.clip(x0, x1, x2)", [((6,), ANY), (S, (0.5, 1.0)), (S, (-1.0, -0.5))])],
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
               [((2, 2), ANY), ((2, 2), ZERO)])],
    np.nansum: [("np.nansum(np.where(x0 > 1.0, np.nan, x0), axis=0)", [((3, 4), ANY)]),
                ("np.nansum(x0, keepdims=True)", [((2, 3), ANY)])],
    np.var: [("np.var(x0)", [((2, 3), ANY)]), ("np.var(x0, axis=1, ddof=1)", [((2, 3), ANY)]),
             ("np.var(x0, axis=(0, 2), keepdims=True)", [((2, 3, 2), ANY)])],
    np.std: [("np.std(x0)", [((2, 3), ANY)]), ("np.std(x0, axis=0, ddof=1)", [((3, 2), ANY)]),
             ("np.std(x0, axis=-1, keepdims=True)", [((2, 3), ANY)])],
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
                   [((2, 3), POS)])]

DOMAINS = {"tan": UNIT, "arcsin": UNIT, "arccos": UNIT, "asin": UNIT, "acos": UNIT, "log": POS,
           "log2": POS, "log10": POS, "log1p": POS, "sqrt": POS, "power": POS,
           "arccosh": (1.2, 3.0), "acosh": (1.2, 3.0), "arctanh": UNIT, "atanh": UNIT,
           "cbrt": POS, "reciprocal": POS}
for f in RULES:
    module = getattr(f, "__module__", None) or ("numpy" if isinstance(f, np.ufunc) else None)
    if f in SAMPLES or module not in ("math", "numpy", None):
        continue
    name = f.__name__
    params = list(RULES[f].signature.parameters)
    required = [p for p in params if RULES[f].signature.parameters[p].default is
                RULES[f].signature.parameters[p].empty]
    domain = DOMAINS.get(name, ANY)
    if isinstance(f, np.ufunc) or module == "numpy":
        args = ", ".join(f"x{i}" for i in range(len(required)))
        shapes = [((3, 4), domain), ((4,), POS if name == "power" else ANY)][: len(required)]
        SAMPLES[f] = [(f"np.{name}({args})", shapes)]
        if len(required) == 2:
            SAMPLES[f].append((f"np.{name}({args})", [(S, domain), ((3,), ANY)]))
    else:  # math: scalars only
        args = ", ".join(f"x{i}" for i in range(len(required)))
        SAMPLES[f] = [(f"math.{name}({args})", [(S, domain)] * len(required))]
SAMPLES[math.log].append(("math.log(x0, x1)", [(S, POS), (S, (1.5, 3.0))]))
SAMPLES[math.pow] = [("math.pow(x0, x1)", [(S, POS), (S, ANY)])]
SAMPLES[math.atan2] = [("math.atan2(x0, x1)", [(S, ANY), (S, POS)])]
SAMPLES[math.hypot] = [("math.hypot(x0, x1)", [(S, POS), (S, POS)])]

CASES = [(f, expr, shapes) for f, samples in SAMPLES.items() for expr, shapes in samples]


def _build(expr, n, tmp_path, tag):
    args = ", ".join(f"x{i}" for i in range(n))
    source = textwrap.dedent(f"""
        import math
        import numpy as np
        from pullback.runtime import transposed
        {"import scipy.special" if scipy is not None else ""}


        def f({args}):
            return np.sum(np.sin({expr}))
    """)
    path = tmp_path / f"rule_{tag}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(f"rule_{tag}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.f


def test_every_rule_has_a_sample():
    missing = [getattr(f, "__name__", f) for f in RULES if f not in SAMPLES]
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
           "transposed": HELPERS["transposed"], **{f"x{i}": a for i, a in enumerate(args)}}

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
        env = {**HELPERS, **bound, "g": 0.0, "ans": f(*call_args, **call_kwargs)}
        for param, template in rule.partials.items():
            if _differentiable(bound.get(param)):
                assert _is_zero(eval(template, env)), (param, template)


def test_zero_gradient_cases_cover_the_tables():
    """Only rules spelled as operators in their samples (x0 + x1) escape the zero test."""
    covered = {f for f, _, _ in ZERO_CASES}
    uncovered = [f for f in RULES if f not in covered]
    assert all(getattr(f, "__module__", "") in ("operator", "_operator") for f in uncovered)
