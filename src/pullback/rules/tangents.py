"""Tangents (pushforwards) for forward mode, keyed by function: the rules whose kinds do
not give their tangent (see `Rule.pushforward`). A table apart from the adjoint tables
for now, so that rules added there concurrently need no edit here; a rule declared with
`jvp=` in its own table takes precedence over this one.

Each entry is "linear", "bilinear" or a dict: parameter -> tangent template, in terms of
the parameters, `ans` (the result) and `g` (that parameter's tangent), or "reduction".
A linear function's differentiated parameters must default to zero (sum's `start`),
since the tangent call leaves the defaults as they are.
"""

from __future__ import annotations

import builtins
import operator

import numpy as np

from ..runtime import helpers as runtime

_REDUCTION = {"a": "reduction"}


def tangents() -> dict:
    table = {
        # operators and builtins
        operator.neg: "linear",
        operator.pos: "linear",
        operator.matmul: "bilinear",
        builtins.abs: {"x": "abs_tangent(g, x)"},
        builtins.float: "linear",
        builtins.sum: "linear",
        builtins.tuple: "linear",
        builtins.complex: "linear",
        runtime.transposed: "linear",  # zip(*rows)
        builtins.max: {"a": "g * (a >= b) if b is not None else pick_tangent(g, a, ans)",
                       "b": "g * (a < b)"},
        builtins.min: {"a": "g * (a <= b) if b is not None else pick_tangent(g, a, ans)",
                       "b": "g * (a > b)"},
        # NumPy: elementwise functions that are not holomorphic
        np.abs: {"x": "abs_tangent(g, x)"},
        np.conj: {"x": "np.conj(g)"},
        np.real: "linear",
        np.angle: {"z": "np.imag(g / z) * (57.29577951308232 if deg else 1.0)"},
        np.imag: "linear",
        # reductions
        np.sum: "linear",
        np.mean: "linear",
        np.nansum: {"a": "np.sum(np.where(np.isnan(a), 0.0, g), axis=axis, keepdims=keepdims)"},
        np.prod: _REDUCTION,
        np.max: _REDUCTION,
        np.min: _REDUCTION,
        np.amax: _REDUCTION,
        np.amin: _REDUCTION,
        np.var: _REDUCTION,
        np.std: _REDUCTION,
        np.average: {"a": "reduction",
                     "weights": "average_tangent_weights(g, a, ans, axis, weights, keepdims)"},
        np.linalg.norm: {"x": "reduction"},
        np.cumsum: "linear",
        np.cumprod: {"a": "cumprod_tangent(g, a, axis)"},
        # linear algebra
        np.dot: "bilinear",
        np.vdot: "bilinear",
        np.inner: "bilinear",
        np.outer: "bilinear",
        np.matmul: "bilinear",
        np.tensordot: "bilinear",
        np.einsum: "bilinear",
        np.trace: "linear",
        np.diag: "linear",
        np.diagonal: "linear",
        np.linalg.inv: {"a": "-(ans @ g @ ans)"},
        np.linalg.det: {"a": "det_tangent(g, a, ans)"},
        np.linalg.slogdet: {"a": "slogdet_tangent(g, a)"},
        np.linalg.solve: {"a": "solve_tangent_a(g, a, ans)",
                          "b": "np.linalg.solve(a, g)"},
        # shapes and construction
        np.array: {"object": "array_tangent(g, ans, object)"},
        np.asarray: {"a": "array_tangent(g, ans, a)"},
        np.full: {"fill_value": "full_tangent(g, ans)"},
        np.full_like: {"fill_value": "full_tangent(g, ans)"},
        np.sort: {"a": "sort_tangent(g, a, axis)"},
        np.pad: {"array": "pad_tangent(g, array, pad_width, mode)",
                 "constant_values": "pad_values_tangent(g, array, pad_width)"},
        np.linalg.cholesky: {"a": "cholesky_tangent(g, ans, upper)"},
    }
    for func in (np.reshape, np.ravel, np.squeeze, np.expand_dims, np.copy, np.transpose,
                 np.swapaxes, np.moveaxis, np.concatenate, np.stack, np.hstack, np.vstack,
                 np.split, np.array_split, np.tile, np.repeat, np.broadcast_to, np.flip,
                 np.roll, np.take, np.triu, np.tril):
        table[func] = "linear"
    try:
        from scipy import special
    except ImportError:
        pass
    else:
        for func in (special.expit, special.logit, special.erf, special.gammaln,
                     special.digamma):
            table[func] = "elementwise"
        table[special.logsumexp] = {
            "a": "reduction", "b": "logsumexp_tangent_b(g, a, ans, axis, b, keepdims)"}
        table[special.softmax] = {"x": "ans * (g - np.sum(ans * g, axis=axis, keepdims=True))"}
        table[special.log_softmax] = {
            "x": "g - np.sum(np.exp(ans) * g, axis=axis, keepdims=True)"}
    return table
