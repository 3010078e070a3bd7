"""hessian with respect to structured arguments (a NamedTuple, a dataclass with fields
that are not numbers, an object of a user class read by its methods, a tuple, a list, a
dict, nested ones, and a tuple wrt mixing an object and an array): the blocks nested as
JAX nests them for a pytree, H[i][j] of shape shape_i + shape_j, against central
differences of the gradient; symmetric; hvp with a zero number in its direction."""

import dataclasses
from typing import NamedTuple

import numpy as np
import pytest

import pullback
from pullback.runtime.structures import leaves, leaves_like, rebuild

W = np.array([0.1, 0.2, -0.4])
X = np.array([0.3, -0.5, 1.2])


class Params(NamedTuple):
    w: np.ndarray
    b: float


@dataclasses.dataclass
class Config:
    w: np.ndarray
    b: float
    name: str = "layer"
    n: int = 2


class Model:
    def __init__(self, w, b):
        self.w, self.b = w, b

    def energy(self, x):
        return np.sum(np.tanh(self.w * x) ** 2) * self.b

    def loss(self, x):
        t = 0.0
        for k in range(self.b.size if hasattr(self.b, "size") else 2):
            t = t + self.energy(x * (k + 1))
        return t + self.b ** 3


def by_fields(p, x):
    return np.sum(np.tanh(p.w * x) ** 2) * p.b + p.b ** 3


def by_config(c, x):
    t = 0.0
    for k in range(c.n):
        t = t + np.sum(np.sin(c.w * x * (k + 1))) * c.b
    return t * t


def by_method(m, x):
    return m.loss(x)


def by_position(p, x):
    return np.sum(np.tanh(p[0] * x) ** 2) * p[1] + p[1] ** 3 * np.sum(p[0])


def by_key(d, x):
    return np.sum(np.exp(d["w"] * x)) * d["b"] ** 2 + np.sum(d["w"] ** 3)


def nested(p, x):
    return np.sum(np.cos(p.w["inner"] * x) * p.b[0]) * p.b[1] + np.sum(p.w["inner"]) ** 2


def mixed(p, x):
    return by_fields(p, x) * np.sum(x ** 2)


def _flat_hessian(H, xs, single):
    """The Hessian as one matrix over the leaves of xs (a tuple of the wrt arguments)."""
    rows = []
    Hs = ((H,),) if single else H
    for a, xa in enumerate(xs):
        for i, leaf in enumerate(leaves(xa)):
            row = []
            for b, xb in enumerate(xs):
                inner = leaves_like(xa, Hs[a][b])[i]
                row += [np.reshape(block, (np.size(leaf), -1))
                        for block in leaves_like(xb, inner)]
            rows.append(np.concatenate(row, axis=1))
    return np.concatenate(rows, axis=0)


def _fd_hessian(fn, args, wrt):
    single = isinstance(wrt, int)
    wrts = (wrt,) if single else wrt
    xs = tuple(args[w] for w in wrts)
    flat = [np.asarray(leaf, dtype=float) for x in xs for leaf in leaves(x)]
    sizes = [leaf.size for leaf in flat]
    v0 = np.concatenate([leaf.ravel() for leaf in flat])

    def grad_at(v):
        parts, start = [], 0
        for leaf, size in zip(flat, sizes):
            piece = v[start:start + size].reshape(leaf.shape)
            parts.append(piece if piece.ndim else float(piece))
            start += size
        it = iter(parts)
        new = list(args)
        for w, x in zip(wrts, xs):
            new[w] = rebuild(x, it)
        g = pullback.grad(fn, wrt=wrt)(*new)
        gs = (g,) if single else g
        return np.concatenate([np.ravel(c) for x, gx in zip(xs, gs)
                               for c in leaves_like(x, gx)])

    h = 1e-6
    cols = [(grad_at(v0 + h * e) - grad_at(v0 - h * e)) / (2 * h) for e in np.eye(v0.size)]
    return np.stack(cols, axis=1), xs, single


CASES = [
    (by_fields, (Params(W, 0.7), X), 0),
    (by_config, (Config(W, 0.7), X), 0),
    (by_method, (Model(W, 0.7), X), 0),
    (by_position, ((W, 0.7), X), 0),
    (by_position, ([W, 0.7], X), 0),
    (by_key, ({"w": W, "b": 0.7}, X), 0),
    (nested, (Params({"inner": W}, (0.7, -1.1)), X), 0),
    (mixed, (Params(W, 0.7), X), (0, 1)),
    (mixed, (Params(W, 0.7), X), (1, 0)),
]


@pytest.mark.parametrize("fn, args, wrt", CASES,
                         ids=[f"{c[0].__name__}-{type(c[1][0]).__name__}-{c[2]}" for c in CASES])
def test_hessian_of_a_structure_matches_differences_of_the_gradient(fn, args, wrt):
    expected, xs, single = _fd_hessian(fn, args, wrt)
    H = pullback.hessian(fn, wrt=wrt)(*args)
    got = _flat_hessian(H, xs, single)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got, got.T, rtol=1e-9, atol=1e-9)


def test_the_blocks_nest_as_the_argument_does():
    H = pullback.hessian(by_fields)(Params(W, 0.7), X)
    assert isinstance(H, Params) and isinstance(H.w, Params) and isinstance(H.b, Params)
    assert H.w.w.shape == (3, 3) and H.w.b.shape == (3,) and H.b.w.shape == (3,)
    assert isinstance(H.b.b, float)
    c = pullback.hessian(by_config)(Config(W, 0.7), X)
    assert isinstance(c, Config) and c.name == "layer" and c.n == 2
    assert isinstance(c.w, Config) and c.w.w.shape == (3, 3)
    d = pullback.hessian(by_key)({"w": W, "b": 0.7}, X)
    assert set(d) == {"w", "b"} and d["w"]["b"].shape == (3,)
    rows = pullback.hessian(mixed, wrt=(0, 1))(Params(W, 0.7), X)
    assert rows[0][1].w.shape == (3, 3) and rows[1][0].w.shape == (3, 3)
    assert rows[1][1].shape == (3, 3)


def test_hvp_of_an_object_with_a_zero_number_in_its_direction():
    v = Params(np.array([1.0, 0.0, 0.0]), 0.0)
    H = pullback.hessian(by_fields)(Params(W, 0.7), X)
    got = pullback.hvp(by_fields)(Params(W, 0.7), X, v)
    np.testing.assert_allclose(got.w, H.w.w[:, 0], rtol=1e-12)
    assert got.b == pytest.approx(H.b.w[0], rel=1e-12)
