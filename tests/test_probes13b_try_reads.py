"""What a try body leaves behind, told apart more finely (lower/blocks.py, flatten.py):

- a variable the body assigns and code after the try reads is accepted when every such
  read is preceded by a statement assigning it again with no try between (also, in a
  loop containing the try, a read before the try when the loop's body assigns it after
  the try with no jump in the loop): the read never sees what the body left. The
  gradients pullback generates for a try in a loop read the body's values so (`r =
  pop()` in the adjoint), so their hvp and hessian are now made;
- the body may end with a write `buf[i] = v` followed only by appends (a write that
  raises has had no effect; an append cannot raise), as the generated gradients' bodies
  end with their pushes.
Reads that can see a value the body left, and writes followed by code that may raise,
are still refused, located."""

import math

import numpy as np
import pytest
from fd import assert_grad_matches
from test_higher import check_second_order

import pullback


def sqrt_or_cube(x):
    s = 0.0
    for v in x:
        try:
            s = s + math.sqrt(v)
        except ValueError:
            s = s - v ** 3
    return s


def raises_for_control(x):
    def check(v):
        if v < 0:
            raise ValueError
        return v
    s = 0.0
    for v in x:
        try:
            s = s + check(v) ** 2
        except ValueError:
            s = s + v ** 3
    return s


def reassigned_after(x):
    s, r = 0.0, 0.0
    for v in x:
        try:
            r = math.sqrt(v)
            q = r * v
        except ValueError:
            q = v
        r = q * 2
        s = s + r * q
    return s


def read_before_reassigned_in_loop(x):
    s, r = 0.0, 1.0
    for v in x:
        s = s + r * v
        try:
            r = math.sqrt(v)
            q = r * 2
        except ValueError:
            q = v
        r = q
    return s


def write_last(x):
    out = np.zeros(3)
    for i in range(3):
        try:
            out[i] = math.sqrt(x[i]) * x[i]
        except ValueError:
            out[i] = -x[i] ** 3
    return np.sum(out ** 2)


def write_then_append(x):
    out, hist = np.zeros(3), []
    for i in range(3):
        try:
            y = math.sqrt(x[i])
            out[i] = y * x[0]
            hist.append(y)
        except ValueError:
            hist.append(x[i])
    return np.sum(out * x) + sum(hist) ** 2


def append_last(x):
    acc = []
    for v in x:
        try:
            acc.append(math.log(v) * v)
        except ValueError:
            acc.append(v ** 2)
    return sum(acc) * acc[0]


CASES = [sqrt_or_cube, raises_for_control, reassigned_after, read_before_reassigned_in_loop,
         write_last, write_then_append, append_last]


@pytest.mark.parametrize("f", CASES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", [np.array([0.4, -1.3, 0.9]), np.array([0.4, 1.3, 0.9])],
                         ids=["some_raise", "none_raise"])
def test_all_modes(f, x):
    assert_grad_matches(f, (x,))
    v = np.array([0.3, -0.5, 0.8])
    value, tangent = pullback.jvp(f)(x, v)
    h = 1e-6
    assert value == pytest.approx(f(x))
    assert tangent == pytest.approx((f(x + h * v) - f(x - h * v)) / (2 * h), rel=1e-6, abs=1e-8)
    check_second_order(f, (x,), np.random.default_rng(0))


def reassigned_on_one_path(x):
    s, r = 0.0, 0.0
    for v in x:
        try:
            r = math.sqrt(v)
            q = r * v
        except ValueError:
            q = v
        if q > 0:
            r = q
        s = s + r
    return s


def skipped_by_continue(x):
    s, r = 0.0, 1.0
    for v in x:
        s = s + r
        try:
            r = math.sqrt(v)
            q = r * 2
        except ValueError:
            q = v
        if q > 5:
            continue
        r = q
    return s


def reassigned_before_the_try_only(x):
    r = x[0]
    try:
        r = math.sqrt(x[1])
        q = r * 2
    except ValueError:
        q = x[2]
    return r * q


def write_before_more_work(x):
    out = np.zeros(3)
    y = 0.0
    for i in range(3):
        try:
            out[i] = x[i] ** 2
            y = math.sqrt(x[i])
        except ValueError:
            y = 0.0
    return np.sum(out) + y


def two_writes(x):
    out = np.zeros(3)
    try:
        out[0] = x[0] * 2
        out[1] = x[1] ** 2
    except IndexError:
        pass
    return np.sum(out ** 2)


@pytest.mark.parametrize("f, text", [
    (reassigned_on_one_path, "try:"),
    (skipped_by_continue, "try:"),
    (reassigned_before_the_try_only, "try:"),
    (write_before_more_work, "out[i] = x[i] ** 2"),
    (two_writes, "out[0] = x[0] * 2"),
], ids=lambda v: getattr(v, "__name__", None))
def test_what_the_body_may_leave_is_refused(f, text):
    import inspect
    lines, first = inspect.getsourcelines(f)
    line = first + next(i for i, t in enumerate(lines) if t.strip() == text)
    x = np.array([0.4, -1.3, 0.9])
    for make in (pullback.grad, pullback.jvp):
        with pytest.raises(pullback.errors.UnsupportedSyntaxError) as info:
            make(f)(x) if make is pullback.grad else make(f)(x, x)
        message = str(info.value)
        assert f'"{__file__}", line {line}' in message and text in message, message
