"""speed10: cheaper entry checks and seed handling, with the same answers.

- A class check (`not_scalars`, `complex_to_math`) tests `x.__class__ is not builtin_float`
  before the frozenset: the same verdict for every class (float is in SCALAR_TYPES), so a
  NumPy complex scalar, a float subclass and an array are still refused or let through
  exactly as before, and a module that rebinds `float` or `builtin_float` changes nothing.
- A scalar result's seed `dout = 1.0` is taken out of a product with a Python float (a
  `math` call): `dadd = math_cos(add)`; a product with anything else keeps it.
"""

from __future__ import annotations

import math
import sys
import textwrap
import types

import numpy as np
import pytest
from fd import assert_grad_matches, numeric_grad

import pullback
from pullback.errors import PullbackError


def _module(name, text):
    """A module defined from `text` (registered, so pullback reads its source)."""
    import linecache

    filename = f"<speed10 {name}>"
    text = textwrap.dedent(text)
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    module = types.ModuleType(name)
    module.__file__ = filename
    sys.modules[name] = module
    exec(compile(text, filename, "exec"), module.__dict__)
    return module


def lecture(x, y, z):
    return math.sin(x**2 + y * math.exp(z)) + z


def ends_in_exp(x, y):
    return math.exp(math.sin(x) * y)


def ends_in_log_times(x, y):
    return math.log(x) * y + x


def seed_times_param(x, y):
    return x * y + math.cos(x)


def loop_of_sines(x, a):
    for _ in range(5):
        x = x + 0.1 * a * math.sin(x)
    return x


@pytest.mark.parametrize("f, args", [
    (lecture, (0.3, -0.4, 0.2)),
    (ends_in_exp, (0.7, 1.3)),
    (ends_in_log_times, (1.7, -0.6)),
    (seed_times_param, (0.4, 2.5)),
    (loop_of_sines, (1.1, 0.8)),
])
def test_gradients_match_finite_differences(f, args):
    wrt = tuple(range(len(args)))
    assert_grad_matches(f, args, wrt=wrt)
    # the same with NumPy scalars (the class check's frozenset path) and ints
    assert_grad_matches(f, tuple(np.float64(a) for a in args), wrt=wrt)
    value, tangent = pullback.jvp(f, wrt=wrt)(*args, tuple(1.0 for _ in args))
    expected = sum(numeric_grad(f, args, wrt=wrt))
    assert value == f(*args)
    assert tangent == pytest.approx(expected, rel=1e-6)


def test_the_seed_leaves_products_with_math_calls_only():
    text = pullback.source(lecture, wrt=(0, 1, 2))
    assert "dadd = math_cos(add)" in text
    assert "dz = dout + dexp * exp" in text  # a sum keeps the seed
    text = pullback.source(ends_in_exp, wrt=(0, 1))
    assert "dout" not in text and "dsin = out * y" in text  # out = math.exp(mul): a float
    # a product with a parameter (an int, an array: 1.0 * v is not v) keeps the seed
    text = pullback.source(seed_times_param, wrt=(0, 1))
    assert "dy = dout * x" in text


def test_the_seed_is_kept_for_an_integer_factor():
    def twice_int(x):
        return math.sin(x) * 2

    assert_grad_matches(twice_int, (0.3,))
    assert isinstance(pullback.grad(twice_int)(0.3), float)


@pytest.mark.parametrize("bad", [np.complex128(0.5 + 0.1j), np.complex64(0.5)])
def test_complex_scalars_are_still_refused(bad):
    df = pullback.grad(lecture, wrt=(0, 1, 2))
    with pytest.raises(PullbackError, match="complex") as info:
        df(0.3, -0.4, bad)
    assert "math" in str(info.value)
    with pytest.raises(PullbackError, match="complex"):
        df(bad, -0.4, 0.2)  # reaches math.sin through x**2 + ...
    with pytest.raises(PullbackError, match="complex"):
        pullback.jvp(lecture, wrt=(0, 1, 2))(0.3, -0.4, bad, (1.0, 0.0, 0.0))


def test_scalars_check_still_refuses_a_float_subclass_and_an_array():
    class Odd(float):
        def __mul__(self, other):
            return 0.0

    df = pullback.grad(loop_of_sines, wrt=(0, 1))
    with pytest.raises(PullbackError, match="scalar"):
        df(Odd(1.1), 0.8)
    with pytest.raises(PullbackError, match="scalar"):
        df(1.1, np.array([0.8, 0.9]))
    assert df(1.1, 0.8) == pytest.approx(df(np.float64(1.1), np.float32(0.8)), rel=1e-6)


def test_a_module_rebinding_float_changes_nothing():
    module = _module("speed10_float_rebound", """
        import math

        float = complex
        builtin_float = complex

        def f(x, y):
            return math.sin(x * y) + x
        """)
    df = pullback.grad(module.f, wrt=(0, 1))
    assert_grad_matches(module.f, (0.4, 1.5), wrt=(0, 1))
    with pytest.raises(PullbackError, match="complex"):
        df(np.complex128(0.4), 1.5)


# ---------------------------------------------------------------- an unread sin or cos
# f's own value is not computed when only the gradient is asked for, but a call that may
# raise stays so that the gradient fails where f fails. An unread math.sin(a) whose
# adjoint's next statement calls math.cos(a) (which raises for the same arguments, with
# the same error) goes: the error comes from that line instead.


def ends_in_cos(x, y):
    return math.cos(x * y) + math.sin(y)


def sin_then_index(x, i):
    s = math.sin(x)
    v = [x, 2.0 * x][i]  # may raise IndexError first after sin (in f)
    return s + v


def sin_of_a_sum(x):
    return math.sin(x + 1.0) * 1.0


@pytest.mark.parametrize("f, args, wrt, gone, kept, bad_at", [
    (lecture, (0.3, -0.4, 0.2), (0, 1, 2), "sin = math_sin(add)", None, 0),
    # cos(x*y) stays: the next statement that raises is the adjoint's cos(y), another
    # argument; sin(y) goes, and its adjoint's cos(y) raises where it did
    (ends_in_cos, (0.3, 1.4), (0, 1), "sin = math_sin(y)", "cos = math_cos(mul)", 1),
    (ends_in_cos, (0.3, 1.4), (0, 1), "sin = math_sin(y)", "cos = math_cos(mul)", 0),
    (sin_of_a_sum, (0.8,), 0, "sin = math_sin(add)", None, 0),
])
def test_an_unread_sin_or_cos_is_left_to_its_adjoint(f, args, wrt, gone, kept, bad_at):
    text = pullback.source(f, wrt=wrt)
    assert gone not in text
    assert kept is None or kept in text
    assert_grad_matches(f, args, wrt=wrt)
    bad = list(args)
    bad[bad_at] = math.inf
    df = pullback.grad(f, wrt=wrt)
    with pytest.raises(ValueError, match="math domain error"):
        f(*bad)
    with pytest.raises(ValueError, match="math domain error"):
        df(*bad)
    with pytest.raises(TypeError) as from_f:
        f(*(["x"] + list(args[1:])))
    with pytest.raises(TypeError) as from_df:
        df(*(["x"] + list(args[1:])))
    assert type(from_f.value) is type(from_df.value)


def test_a_sin_before_another_error_stays():
    text = pullback.source(sin_then_index, wrt=0)
    assert "math_sin(x)" in text
    df = pullback.grad(sin_then_index, wrt=0)
    with pytest.raises(ValueError, match="math domain error"):
        sin_then_index(math.inf, 5)
    with pytest.raises(ValueError, match="math domain error"):
        df(math.inf, 5)
    assert_grad_matches(sin_then_index, (0.4, 1), wrt=0)


def test_value_and_grad_and_jvp_keep_the_value():
    value, g = pullback.value_and_grad(lecture, wrt=(0, 1, 2))(0.3, -0.4, 0.2)
    assert value == lecture(0.3, -0.4, 0.2)
    assert "sin = math_sin(add)" in pullback.source(lecture, wrt=(0, 1, 2), mode="jvp")
