"""What stays refused, located, when a user function writes into what its caller passes
(lower/written_params.py, inlining.py: writing_callee): recursion through it, a write
into an object the function did not create, a second name for the written object that is
used after, a view read after the write, a loop over a list the callee resizes, and
`out=` given None through a name. And a write into f's own input through a callee: made
on f's copy, as f's own writes are."""

import numpy as np
import pytest
from fd import assert_grad_matches

import pullback
from pullback.errors import PullbackError

X = np.array([0.3, -0.7, 1.1, 0.5, 0.9])
HERE = "test_buffers13_refusals.py"


def refused(fn, *match, args=(X,)):
    with pytest.raises(PullbackError) as info:
        pullback.grad(fn)(*[np.copy(a) for a in args])
    text = str(info.value)
    for m in match:
        assert m in text, text
    return text


def _rec(buf, i, x):
    if i < len(x):
        buf[i] = x[i] ** 2
        _rec(buf, i + 1, x)


def recursive(x):
    b = np.zeros_like(x)
    _rec(b, 0, x)
    return np.sum(b)


def test_recursion_through_a_writing_function():
    refused(recursive, "recursive function '_rec' writing into an object", HERE,
            "_rec(buf, i + 1, x)")


KEPT = []


def _keep(buf, x):
    KEPT.append(buf)
    buf[0] = x[0]


def kept_in_a_global(x):
    b = np.zeros_like(x)
    _keep(b, x)
    return np.sum(b * x)


def test_kept_in_a_module_level_list():
    refused(kept_in_a_global, "'KEPT', which the function did not create", HERE,
            "KEPT.append(buf)")


def _fill_returned(buf, x):
    buf[0] = x[0] ** 2
    return buf


def returned_alias_used(x):
    b = np.zeros_like(x)
    c = _fill_returned(b, x)
    c[1] = x[1]
    return np.sum(b * x) + np.sum(c)


def returned_into_another_name(x):
    buf = np.zeros_like(x)
    r = mul_into(x, x, out=buf)  # buf is not read again, but pullback does not know that
    return np.sum(r)


def test_returned_into_another_name():
    """r = mul_into(..., out=buf) names buf twice: one object, differentiated as one
    (lower/aliases.py)."""
    assert_grad_matches(returned_into_another_name, (X,))


def test_returned_alias_used_after():
    assert_grad_matches(returned_alias_used, (X,))


def view_read_after(x):
    b = np.zeros_like(x)
    v = b[0:3]
    _fill_returned(b, x)
    return np.sum(v * x[0:3])


def test_view_read_after_the_write():
    refused(view_read_after, "'v' is a view into 'b'", HERE, "return np.sum(v * x[0:3])")


def _push(xs, v):
    xs.append(v)
    return len(xs)


def loop_over_grown_list(x):
    xs = [x[0]]
    s = 0.0
    for v in xs:
        if len(xs) < 3:
            _push(xs, v * 2.0)
        s = s + v
    return s


def test_loop_over_a_list_a_callee_grows():
    refused(loop_over_grown_list, "a loop over 'xs' that the loop body changes", HERE,
            "for v in xs:")


def mul_into(a, b, out=None):
    if out is None:
        out = np.empty_like(a)
    out[...] = a * b
    return out


def none_through_a_name(x):
    buf = None
    mul_into(x, x, out=buf)
    return np.sum(x ** 2)


def none_on_one_path(x, n):
    if n > 1:
        buf = np.zeros_like(x)
    else:
        buf = None
    mul_into(x, x, out=buf)
    return np.sum(x ** 2)


def test_out_given_none_through_a_name():
    """None where the callee writes (its `if out is None:` branch is dropped: the call
    passes an object, which must not be None): refused as the gradient runs and meets the
    None (given_object), located at the callee's test; where f passes an array it made on
    the path taken, the write is f's own and the gradient right."""
    message = "writes into its parameter 'out', given None here"
    refused(none_through_a_name, message, HERE, "if out is None:")
    refused(none_on_one_path, message, HERE, "if out is None:", args=(X, 1))
    assert_grad_matches(none_on_one_path, (X, 2))


def _zero_first(v):
    v[0] = 0.0


def writes_own_input(x):
    _zero_first(x)
    return np.sum(x ** 2)


def test_write_into_fs_input_through_a_callee_is_made_on_fs_copy():
    x = X.copy()
    g = pullback.grad(writes_own_input)(x)
    np.testing.assert_allclose(g, np.r_[0.0, 2 * X[1:]])
    expected = X.copy()
    writes_own_input(expected)
    np.testing.assert_array_equal(x, expected)  # the caller's array ends as f leaves it


def _fill(buf, x):
    for i in range(len(x)):
        buf[i] = x[i] ** 2


def element_of_a_list(x):
    bufs = [np.zeros(len(x)), np.zeros(len(x))]
    _fill(bufs[0], x)
    return np.sum(bufs[0] * x)


G = np.zeros(5)


def module_level_buffer(x):
    _fill(G, x)
    return np.sum(G * x)


def _alias_writer(buf, x):
    b = buf
    b[0] = x[0]


def alias_inside_the_callee(x):
    c = np.zeros_like(x)
    _alias_writer(c, x)
    return np.sum(c * x)


def _slice_writer(buf, x):
    buf[1:3] = x[:2] * 2


def view_passed(x):
    b = np.zeros_like(x)
    _slice_writer(b[1:], x)
    return np.sum(b * x)


def _nested_writer(buf, x):
    def inner(i):
        buf[i] = x[i] * 3.0

    for i in range(len(x)):
        inner(i)


def nested_function_in_the_callee(x):
    b = np.zeros_like(x)
    _nested_writer(b, x)
    return np.sum(b * x)


def acc_default(v, acc=[]):  # noqa: B006 (the point: Python's shared default list)
    acc.append(v)
    return len(acc)


def mutable_default(x):
    return x[0] * acc_default(x[0])


def test_objects_the_caller_does_not_own_or_cannot_follow():
    refused(element_of_a_list, "in-place write to 'bufs_item'", HERE, "buf[i] = x[i] ** 2")
    refused(module_level_buffer, "'G', which the function did not create", HERE,
            "buf[i] = x[i] ** 2")
    refused(alias_inside_the_callee, "in-place write to the input 'buf' of _alias_writer", HERE,
            "b[0] = x[0]")
    refused(view_passed, "in-place write to 'b_slice'", HERE, "buf[1:3] = x[:2] * 2")
    refused(nested_function_in_the_callee, "a nested function or lambda inside "
            "_nested_writer", HERE, "def inner(i):")
    refused(mutable_default, "which the function did not create", HERE, "acc.append(v)")


def _square_into(buf, i, v):
    buf[i] = v * v


def alias_read_after_the_callee_writes(x):
    b = np.zeros_like(x)
    c = b
    for i in range(len(x)):
        _square_into(b, i, x[i])
    return np.sum(c * x)


def test_the_aliasing_check_sees_the_inlined_write():
    """c = b, then a callee writes b and f reads c: c is b (lower/aliases.py), and the
    write inlined is f's own."""
    assert_grad_matches(alias_read_after_the_callee_writes, (X,))
