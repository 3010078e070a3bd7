"""Second derivatives through the records of a generated gradient. Loops with branches
inside: the gradient records which way each branch went, and what it computed, on its
branch tape (`push(...)` in the primal sweep, `pop()` in the adjoint), and forward mode
over it (`hvp`, `hessian`) and reverse mode over it (`vjp(grad(f))`, `grad(grad(f))`)
push and pop the tangents and gradients alongside. Loops of matrix products with a
loop-invariant matrix (an RNN): the gradient records the pairs of factors and sums them
after the loop (`sum_matmul_grad_a(dW_parts, W)`, emptying the list every 256 pairs).
Checked against central differences of the gradient and closed forms, in for loops, with
`break` and `continue`, in while loops, with in-place writes."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from test_higher import _fd_hessian, _flat, _hessian_matrix, _split

import pullback


def quartic_or_square(x, A):  # the reproducer of the issue
    y = A @ x
    t = 0.0
    for i in range(len(x)):
        if y[i] > 0:
            t = t + y[i] ** 4
        else:
            t = t - y[i] ** 2
    return t


def with_break(x):
    s = 0.0
    for i in range(len(x)):
        if x[i] * s > 0.5:
            break
        s = s + math.sin(x[i]) * x[i]
    return s * s


def with_continue(x):
    s = 1.0
    for i in range(len(x)):
        if x[i] < 0.0:
            s = s * math.exp(x[i])
            continue
        s = s + x[i] ** 3 * s
    return s


def while_with_branch(x):
    s = 0.0
    k = 0
    while k < 5:
        if s < 0.3:
            s = s + x * x * math.cos(s)
        else:
            s = s * x - math.sin(s)
        k += 1
    return s


def while_true_elif(x, y):
    s = y
    k = 0
    while True:
        k += 1
        if k > 6:
            break
        if s > 1.0:
            s = math.sqrt(s) * x
        elif s < -1.0:
            s = -s * y
        else:
            s = s * 2.0 + x * y
    return s


def written_in_a_branch(x):
    y = np.zeros(3)
    for i in range(3):
        if x[i] > 0:
            y[i] = x[i] ** 2 * x[(i + 1) % 3]
        else:
            y[i] = np.sin(x[i])
    return np.sum(y * y)


def rnn(h, W):  # W's gradient: the pairs (dz, h) summed as one product after the loop
    for _ in range(4):
        h = np.tanh(W @ h)
    return np.sum(h**2)


def long_rnn(h, W):  # more than 256 pairs: their list is summed and emptied in the loop
    for _ in range(300):
        h = np.tanh(W @ h + 0.1)
    return np.sum(h**2)


def row_rnn(h, W):  # h @ W: sum_matmul_grad_b
    for _ in range(5):
        h = np.sin(h @ W) + h * 0.5
    return np.sum(h**3)


def rnn_with_a_branch(h, W):
    for _ in range(4):
        z = W @ h
        if np.sum(z) > 0:
            h = np.tanh(z)
        else:
            h = z * 0.5 + h
    return np.sum(h**2)


# (function, args, wrt): points where both ways of the branches are taken
_rng = np.random.default_rng(7)
CASES = [
    (quartic_or_square, (_rng.normal(size=4), _rng.normal(size=(4, 4))), 0),
    (quartic_or_square, (np.array([1.0, -1.0, 0.5]), np.diag([1.0, 2.0, -1.0])), 0),
    (with_break, (np.array([0.3, 0.9, 0.8, 0.7, 0.6]),), 0),  # breaks at the third
    (with_break, (np.array([0.2, 0.1, -0.3]),), 0),  # never breaks
    (with_continue, (np.array([0.4, -0.7, 0.9, -0.2, 0.3]),), 0),
    (while_with_branch, (0.7,), 0),
    (while_with_branch, (-1.2,), 0),
    (while_true_elif, (0.8, 0.6), (0, 1)),
    (while_true_elif, (0.8, 1.6), (0, 1)),
    (while_true_elif, (1.3, -1.4), (0, 1)),
    (written_in_a_branch, (np.array([0.5, -0.8, 1.1]),), 0),
    (rnn, (_rng.normal(size=3), _rng.normal(size=(3, 3))), (0, 1)),
    (rnn, (_rng.normal(size=3), _rng.normal(size=(3, 3))), 1),
    (long_rnn, (_rng.normal(size=3), 0.4 * _rng.normal(size=(3, 3))), (0, 1)),
    (row_rnn, (_rng.normal(size=3), 0.5 * _rng.normal(size=(3, 3))), (0, 1)),
    (row_rnn, (_rng.normal(size=3), 0.5 * _rng.normal(size=(3, 3))), 1),
    (rnn_with_a_branch, (np.array([0.5, 0.2, -0.1]), np.eye(3) + 0.3), (0, 1)),
    (rnn_with_a_branch, (np.array([-0.5, 0.2, -0.1]), np.eye(3) - 0.3), (0, 1)),
]
IDS = [f"{fn.__name__}-{k}" for k, (fn, _, _) in enumerate(CASES)]


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_hessian_hvp_and_reverse_over_reverse_match_differences_of_the_gradient(index):
    fn, args, wrt = CASES[index]
    expected = _fd_hessian(fn, args, wrt)
    n = expected.shape[0]
    H = _hessian_matrix(pullback.hessian(fn, wrt=wrt)(*args), args, wrt)
    np.testing.assert_allclose(H, expected, rtol=1e-5, atol=1e-6)
    v = np.random.default_rng(index).normal(size=n)
    hv = pullback.hvp(fn, wrt=wrt)(*args, _split(v, args, wrt))
    np.testing.assert_allclose(_flat(hv), expected @ v, rtol=1e-5, atol=1e-6)
    reverse = pullback.vjp(pullback.grad(fn, wrt=wrt), wrt=wrt)
    rows = [_flat(reverse(*args, _split(e, args, wrt))) for e in np.eye(n)]
    np.testing.assert_allclose(np.stack(rows), expected, rtol=1e-5, atol=1e-6)


def test_the_reproducer_in_closed_form():
    """H = A^T diag(12 y^2 where y > 0, else -2) A, y = A x."""
    rng = np.random.default_rng(3)
    x, A, v = rng.normal(size=5), rng.normal(size=(5, 5)), rng.normal(size=5)
    y = A @ x
    assert (y > 0).any() and (y < 0).any()
    closed = A.T @ np.diag(np.where(y > 0, 12 * y**2, -2.0)) @ A
    np.testing.assert_allclose(pullback.hessian(quartic_or_square)(x, A), closed,
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(pullback.hvp(quartic_or_square)(x, A, v), closed @ v,
                               rtol=1e-12, atol=1e-12)
    # the gradient with respect to A, differentiated in x: d/dx of (dt/dy_i) x^T
    w = np.where(y > 0, 4 * y**3, -2 * y)
    dA = pullback.grad(quartic_or_square, wrt=1)
    np.testing.assert_allclose(dA(x, A), np.outer(w, x), rtol=1e-12, atol=1e-12)


def test_grad_of_grad_of_a_scalar_loop_with_a_branch():
    """grad(grad(f)) in closed form: each step squares or halves s, by the sign of s - 1."""

    def f(x):
        s = x
        for _ in range(3):
            if s > 1.0:
                s = s * s
            else:
                s = s * 0.5 + x
        return s

    # x near 0.9: s1 = x / 2 + x = 1.5 x > 1, then squared twice: s3 = (1.5 x)^4
    second = pullback.grad(pullback.grad(f))
    for x in (0.9, 0.95):
        assert second(x) == pytest.approx(12 * 1.5**4 * x**2, rel=1e-12)
        assert pullback.hvp(f)(x, 1.0) == pytest.approx(12 * 1.5**4 * x**2, rel=1e-12)
    # x = 0.3: s1 = 0.45, s2 = 0.525, s3 = 0.5625: all linear, the second derivative is 0
    assert second(0.3) == pytest.approx(0.0, abs=1e-15)


def test_the_gradient_itself_keeps_its_tape_aliases():
    """Only the code read again is spelled out: the gradient keeps `push = tape.append`."""
    text = pullback.source(quartic_or_square)
    assert "push = tape.append" in text and "pop = tape.pop" in text
    hvp_text = pullback.source(quartic_or_square, mode="hvp")
    # each record pushed with its tangent, in one tape (derive/forward.py, fuse_tapes)
    assert hvp_text.count("tape.append(") == 2 and hvp_text.count("tape.pop(") == 2
    assert "dtape" not in hvp_text.replace("dtape_popped", "")
    assert re.search(r"(?<![.\w])(push|pop)\(", hvp_text) is None  # the aliases are gone
