"""Records kept with their tangents. Under forward mode, a list used as a stack of tuples
(a generated gradient's records, or a user's) keeps each tuple and its tangents in one
record (`L.append((a, b, da, db))`, `a, b, da, db = L.pop()`), a `while L:` stays a test
of the list, a loop over a range bound to a name stays a loop over it, and elements of
records of numbers are not checked again for objects of user classes. Checked against
central differences (jvp, and hvp against differences of the gradient), in several
spellings, including those the rewriting must leave alone (a record read whole, records
of different lengths, a list also read by position)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import pullback


def _directional(f, args, direction, h=1e-6):
    ahead = [a + h * d for a, d in zip(args, direction)]
    behind = [a - h * d for a, d in zip(args, direction)]
    return (f(*ahead) - f(*behind)) / (2 * h)


def _check_jvp(f, args):
    direction = (0.7, -0.4)[:len(args)]
    value, tangent = pullback.jvp(f, wrt=tuple(range(len(args))))(*args, direction)
    assert value == pytest.approx(f(*args), rel=1e-12)
    assert tangent == pytest.approx(_directional(f, args, direction), rel=1e-6, abs=1e-8)
    batch = np.array([direction, (0.2, 1.1)[:len(args)], (-1.0, 0.0)[:len(args)]])
    _, tangents = pullback.jvp(f, wrt=tuple(range(len(args))), batched=True)(
        *args, tuple(batch.T))
    for k in range(len(batch)):
        assert tangents[k] == pytest.approx(_directional(f, args, batch[k]), rel=1e-6,
                                            abs=1e-8)


def stack_of_pairs(x, a):
    stack = []
    for i in range(6):
        stack.append((x * i, math.sin(a * x)))
        x = x + 0.1 * math.cos(x)
    total = 0.0
    while stack:
        u, s = stack.pop()
        total = total + u * s + total * 0.1
    return total


def stack_read_in_part(x, a):
    stack = []
    for i in range(5):
        stack.append((x * a, i))
        x = math.sin(x) + a
    total = 0.0
    while stack:
        total = total * 0.9 + stack.pop()[0]
    return total


def _weigh(record):
    return record[0] * record[1]


def stack_read_whole(x, a):
    stack = []
    for _ in range(4):
        stack.append((x, a * x))
        x = x * 0.8 + a
    total = 0.0
    while stack:
        record = stack.pop()
        total = total + _weigh(record)
    return total


def stack_of_two_lengths(x, a):
    stack = []
    for i in range(5):
        if i % 2:
            stack.append((x, a))
        else:
            stack.append((x * a,))
        x = x + 0.3 * math.sin(x * a)
    total = 0.0
    while stack:
        record = stack.pop()
        total = total + record[0] * (record[1] if len(record) > 1 else 1.0)
    return total


def stack_also_indexed(x, a):
    stack = []
    for _ in range(4):
        stack.append((x, a))
        x = x * math.cos(a)
    first = stack[0][0]
    total = 0.0
    while stack:
        u, v = stack.pop()
        total = total + u * v * first
    return total


def over_a_named_range(x, a):
    steps = range(1, 6)
    for i in steps:
        x = x + a * math.sin(x) / i
    return x


@pytest.mark.parametrize("f", [stack_of_pairs, stack_read_in_part, stack_read_whole,
                               stack_of_two_lengths, stack_also_indexed, over_a_named_range])
def test_jvp_of_lists_used_as_stacks_matches_differences(f):
    _check_jvp(f, (0.6, 1.3))


def test_one_record_with_its_tangents_where_the_list_is_a_stack_of_tuples():
    text = pullback.source(stack_of_pairs, wrt=(0, 1), mode="jvp")
    assert "dstack" not in text and "while stack:" in text
    assert text.count("stack.append((") == 1 and "= stack.pop()" in text
    # a record read whole keeps its tangent list
    assert "dstack" in pullback.source(stack_read_whole, wrt=(0, 1), mode="jvp")


def _loop(x, a):
    for _ in range(30):
        x = x + 0.05 * a * math.sin(x)
    return x


def _loop_with_a_branch(x, a):
    for _ in range(10):
        if x > 1.0:
            x = x - 0.1 * a * x**2
        else:
            x = x + 0.2 * math.cos(a * x)
    return x


@pytest.mark.parametrize("f", [_loop, _loop_with_a_branch])
@pytest.mark.parametrize("wrt", [0, 1, (0, 1)])
def test_hvp_through_fused_records_matches_differences_of_the_gradient(f, wrt):
    args = (0.9, 1.2)
    names = wrt if isinstance(wrt, tuple) else (wrt,)
    v = (0.5, -0.8)
    direction = tuple(v[i] for i in names)
    got = pullback.hvp(f, wrt=wrt)(*args, direction if isinstance(wrt, tuple)
                                   else direction[0])
    gradient = pullback.grad(f, wrt=wrt)
    h = 1e-6
    moved = [list(args), list(args)]
    for i, d in zip(names, direction):
        moved[0][i] += h * d
        moved[1][i] -= h * d
    expected = (np.array(gradient(*moved[0])) - np.array(gradient(*moved[1]))) / (2 * h)
    assert np.allclose(got, expected, rtol=1e-6, atol=1e-8)


def test_the_hvp_code_of_a_loop_keeps_one_record_per_step():
    text = pullback.source(_loop, wrt=(0, 1), mode="hvp")
    assert "dsaved" not in text and "while saved:" in text
    assert text.count("saved.append((") == 1
    loop = text[text.index("    for "):text.index("while saved:")]
    assert "loop_len" not in loop and "steps[" not in loop
    backward = text[text.index("while saved:"):]
    assert "OPERAND_TYPES" not in backward  # records of numbers: no object to check for
