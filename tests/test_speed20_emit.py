"""Session 20's emit shortcuts keep what they skip: the censuses that let codegen skip
`note_inlined` and simplify skip `_lean_records` still see what those passes need, and
simplify's read counts (made as copies are propagated) still propagate copies and keep
what is read, in branches, loops and with blocks (gradients against finite
differences)."""

import math

import numpy as np
from fd import assert_grad_matches

import pullback
from pullback.frontend.parse import parse_function
from pullback.lower.normalize import normalize


def _scale(v, k):
    return v * k + math.sin(v)


def _calls_a_helper(x):
    return _scale(x, 2.0) * x


def _no_helper(x):
    return math.sin(x) * x


def test_inlined_statements_are_noted_and_counted():
    text = pullback.source(_calls_a_helper)
    assert "# inlined from _scale" in text
    parsed = parse_function(_calls_a_helper)
    normalize(parsed.tree, parsed)
    assert parsed.inlined_statements
    assert_grad_matches(_calls_a_helper, (0.7,))


def test_no_inlining_no_comment():
    parsed = parse_function(_no_helper)
    normalize(parsed.tree, parsed)
    assert not parsed.inlined_statements
    assert "# inlined" not in pullback.source(_no_helper)
    assert_grad_matches(_no_helper, (0.7,))


def _loop_reads_shape(x, n):
    y = x
    for _ in range(n):
        y = np.tanh(y) + x[:1]  # the adjoint of the broadcast reads x[:1] for its shape
    return np.sum(y)


def _while_reads_shape(x):
    y = x
    k = 0
    while k < 3:
        y = np.sin(y) * x[:1]
        k += 1
    return np.sum(y)


def test_records_read_for_their_shape_are_leaned_in_loops():
    x = np.linspace(0.1, 0.9, 4)
    for f, args in ((_loop_reads_shape, (x, 3)), (_while_reads_shape, (x,))):
        text = pullback.source(f)
        assert "while " in text  # the adjoint's loop, which _lean_records looks for
        assert_grad_matches(f, args)


def _dead_in_blocks(x, flag):
    unused = x * 3.0  # noqa: F841 (unread: what simplify may drop)
    if flag:
        a = x * 2.0
        b = a
        unused_too = np.cos(a)  # noqa: F841
        y = b * x
    else:
        y = x
    with np.errstate(all="ignore"):
        c = y * 2.0
        dead = c + 1.0  # noqa: F841
        z = c * x
    return np.sum(z)


def test_dead_code_in_branches_and_with_blocks():
    x = np.linspace(0.1, 0.9, 3)
    text = pullback.source(_dead_in_blocks)
    assert "y = a * x" in text  # the copy b = a propagated in the branch
    assert "with errstate:" in text and "with np_errstate(**fp_state):" in text
    for flag in (True, False):
        assert_grad_matches(_dead_in_blocks, (x, flag))
