"""Session 21's constant-cost cuts in derive/ and emit/: simplify hands guard_unpatched
the chains on np and math its fold found (no second walk of the tree), skips leaning
records no helper reads for a shape, and the adjoint's reads are found once per loop
nest. Each is checked against what the walk it replaces finds, and the gradients
against differences."""

import math

import numpy as np
import pytest

import pullback
from pullback.emit import codegen
from tests.fd import assert_derivatives_match


def branches(x, y):
    a = x
    for _k in range(3):
        if a > 0:
            a = math.sin(a) * y + 0.3 * x
        else:
            a = math.cos(a) * y - 0.3 * x ** 2
    return a


def nested(x, y):
    a = x
    for _i in range(2):
        for j in range(3):
            a = math.sin(a) * y + math.exp(-a * a) * x
            if j > 1:
                a = a ** 2 * 0.5 + math.log(1.0 + y * y)
    return a


def arrays(w, X):
    h = np.tanh(X @ w)
    total = 0.0
    for _k in range(2):
        total = total + np.sum(h ** 2, axis=None) + np.linalg.norm(h) * 0.1
    return total + np.mean(np.exp(-w * w))


def with_default(x, c=np.pi):
    return math.sin(x * c) + np.cos(x) ** 3


def in_while(x):
    n = 0
    while n < 4:
        x = math.sin(x) + math.cos(x) * 0.5
        n += 1
    return x


def conditional_expression(x, y):
    z = math.exp(x) if x > 0.5 else math.log(1.0 + x * x)
    return z * math.tanh(y) + (np.sin(y) if y < 0 else np.cos(y)) * x


def reductions(w, X):
    r = np.sum(X * w, axis=1) - np.mean(X * w, axis=0, keepdims=True).sum()
    return np.sum(np.tanh(r) * np.exp(-w.sum()), axis=None) + np.max(X @ w) * math.pi


def logsumexp(x, y):  # (its adjoint's unreduce(...) is spread by the product)
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m))) * y


CASES = [(logsumexp, (np.array([0.3, -0.2, 0.5]), 0.7)),
         (reductions, (np.array([0.3, -0.2, 0.5]), np.arange(6.0).reshape(2, 3) / 5)),
         (branches, (0.4, 0.7)), (nested, (0.3, 0.8)),
         (arrays, (np.array([0.2, -0.4, 0.1]), np.arange(6.0).reshape(2, 3) / 7)),
         (with_default, (0.6,)), (in_while, (0.9,)), (conditional_expression, (0.7, -0.2))]


@pytest.fixture
def compared(monkeypatch):
    """guard_unpatched, checking that the chains simplify hands it are those
    `_chains_under` finds in each function's body; counts the functions handed."""
    handed = []
    original = codegen.guard_unpatched

    def checking(tree, guarded, namer, constants, locate, chains=None):
        functions = tree.body if tree.__class__.__name__ == "Module" else [tree]
        for function in functions:
            given = (chains or {}).get(id(function))
            if given is None:
                continue
            body, function.body = function.body, []
            beside = {id(p[3]) for p in codegen._chains_under(function)}
            function.body = body
            walked = {(id(p[0]), p[1], p[2], id(p[3])) for p in codegen._chains_under(function)
                      if id(p[3]) not in beside}
            assert {(id(p[0]), p[1], p[2], id(p[3])) for p in given} == walked
            handed.append(function.name)
        return original(tree, guarded, namer, constants, locate, chains)

    monkeypatch.setattr(codegen, "guard_unpatched", checking)
    return handed


@pytest.mark.parametrize("f, args", CASES, ids=[f.__name__ for f, _ in CASES])
def test_handed_chains_are_the_walked_ones(compared, f, args):
    wrt = 0
    for mode in ("grad", "jvp", "hvp", "vjp"):
        pullback.source(f, mode=mode)
    assert compared  # (the optimized transforms hand their chains over)
    assert_derivatives_match(f, args, wrt)


def test_unoptimized_code_walks_for_its_chains(compared):
    source = pullback.source(nested, optimize=False)
    assert "math_cos" in source and not compared


def test_refusal_names_the_replaced_function(monkeypatch):
    """math.cos (which the adjoint of math.sin calls, and f does not) replaced before
    the transform: refused, naming it, whichever way the chains were found."""
    def f(x):
        return math.sin(x) * 2.0

    monkeypatch.setattr(math, "cos", lambda t: 0.0)
    for optimize in (True, False):
        with pytest.raises(pullback.PullbackError, match=r"math\.cos was replaced"):
            pullback.grad(f, optimize=optimize)(0.3)
