"""Functions that write into the arrays, lists and dicts they are given: the gradient is
taken with respect to the values on entry, and the caller's object ends up as f leaves
it (lower/inputs.py). Checked against central differences of f on copies of the inputs,
in several spellings; what cannot be copied faithfully is refused with the line."""

import numpy as np
import pytest
from fd import numeric_grad

import pullback

RNG = np.random.default_rng(5)


def _fd(f, args, wrt=0):
    """Central differences of f, each evaluation on fresh copies (f writes its inputs)."""
    def fresh(*values):
        return f(*[v.copy() if hasattr(v, "copy") else v for v in values])
    return numeric_grad(fresh, tuple(a.copy() if hasattr(a, "copy") else a for a in args), wrt)


def _check(f, args, wrt=0):
    """The gradient matches differences of f, and the arguments end as f leaves them."""
    expected_state = [a.copy() if hasattr(a, "copy") else a for a in args]
    value = f(*expected_state)
    given = [a.copy() if hasattr(a, "copy") else a for a in args]
    got_value, g = pullback.value_and_grad(f, wrt=wrt)(*given)
    assert np.isclose(got_value, value)
    np.testing.assert_allclose(g, _fd(f, args, wrt), rtol=1e-5, atol=1e-7)
    for a, b in zip(given, expected_state):  # the caller's objects, as after f
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b)
        else:
            assert a == b
    return g


# tangent's tests/functions.py: test_subscript2, test_subscript3
def product_written_first(x):
    a = x[0]
    b = x[1]
    x[0] = a * b
    return np.sum(x)


def square_written_into_its_input(x):
    y = x ** 2.0
    x[0] = y[1] * y[2]
    return np.sum(x * y)


def slices_scaled_in_place(x, s):
    x[1:] *= s
    x[:2] += np.sin(x[1:3])
    return np.sum(x ** 2)


def filled_with_copyto(x, y):
    np.copyto(x[:2], y[:2] * 3.0)
    return np.sum(np.exp(x) * y)


def normalised_in_a_loop(x):
    for i in range(1, x.shape[0]):
        x[i] = x[i] + 0.5 * x[i - 1]
    return np.dot(x, x)


def diagonal_zeroed(A):
    np.fill_diagonal(A, 0.0)
    return np.sum(A * A)


def first_row_filled(A):
    A[0].fill(1.0)
    return np.sum(A * np.cos(A))


@pytest.mark.parametrize("f", [product_written_first, square_written_into_its_input,
                               normalised_in_a_loop])
def test_arrays_written_in_place(f):
    _check(f, (RNG.normal(size=5),))


@pytest.mark.parametrize("f", [diagonal_zeroed, first_row_filled])
def test_numpy_writes_into_an_input_matrix(f):
    g = _check(f, (RNG.normal(size=(3, 3)),))
    assert np.all(g[0] == 0.0) if f is first_row_filled else np.all(np.diag(g) == 0.0)


def test_in_place_updates_with_a_second_argument():
    x, s = RNG.normal(size=5), 1.7
    _check(slices_scaled_in_place, (x, s), wrt=0)
    _check(slices_scaled_in_place, (x, s), wrt=1)
    y = RNG.normal(size=5)
    _check(filled_with_copyto, (x, y), wrt=1)
    _check(filled_with_copyto, (x, y), wrt=0)


def list_appended(xs, v):
    xs.append(v * 2.0)
    xs[0] = xs[0] * v
    return sum(t * t for t in xs)


def dict_filled(d):
    d["b"] = d["a"] * 2.0
    d["a"] = np.sin(d["a"])
    return d["a"] * d["b"]


def test_lists_and_dicts_written_in_place():
    xs = [1.5, -0.5]
    g = pullback.grad(list_appended, wrt=1)(xs, 0.7)
    assert xs == [1.5 * 0.7, -0.5, 1.4]  # appended and written, as f does
    expected = 2 * (1.5 * 0.7) * 1.5 + 2 * 1.4 * 2.0
    assert np.isclose(g, expected)
    d = {"a": 0.3}
    g = pullback.grad(dict_filled)(d)
    assert d == {"a": np.sin(0.3), "b": 0.6}
    assert np.isclose(g["a"], np.cos(0.3) * 0.6 + np.sin(0.3) * 2.0)


def written_then_read_back(x):
    x[0] = 1.0
    return x[0] * np.sum(x)


def test_the_gradient_is_with_respect_to_the_values_on_entry():
    x = np.array([3.0, 2.0, 1.0])
    g = pullback.grad(written_then_read_back)(x)
    np.testing.assert_allclose(g, [0.0, 1.0, 1.0])  # x[0] was overwritten: no gradient
    np.testing.assert_array_equal(x, [1.0, 2.0, 1.0])


def writes_both(x, y):
    x[0] = y[0] * 2.0
    return np.sum(x * y)


def test_an_input_passed_twice_or_as_a_view_is_refused():
    x = np.ones(3)
    with pytest.raises(pullback.PullbackError, match="shares its memory with another"):
        pullback.grad(writes_both)(x, x)
    with pytest.raises(pullback.PullbackError, match="shares its memory with another"):
        pullback.grad(writes_both)(x, x[::-1])
    assert np.all(x == 1.0)


TABLE = np.array([1.0, 2.0, 3.0])
ROWS = [TABLE]


def writes_and_reads_a_global(x):
    x[0] = 5.0
    return np.sum(TABLE * x)


def writes_and_reads_a_global_list(x):
    x[0] = 5.0
    return np.sum(ROWS[0] * x)


@pytest.mark.parametrize("f", [writes_and_reads_a_global, writes_and_reads_a_global_list])
def test_an_input_that_is_a_module_level_value_f_reads_is_refused(f):
    """f(TABLE) sees its own write through TABLE; the copy would not (it gave [0, 2, 3]
    for [0, 4, 6])."""
    with pytest.raises(pullback.PullbackError, match="module-level value the function reads"):
        pullback.grad(f)(TABLE)
    np.testing.assert_array_equal(TABLE, [1.0, 2.0, 3.0])
    x = np.array([0.5, 0.5, 0.5])  # another array: fine
    g = pullback.grad(f)(x)
    np.testing.assert_allclose(g, [0.0, 2.0, 3.0])
    np.testing.assert_array_equal(x, [5.0, 0.5, 0.5])


def test_a_read_only_array_raises_as_f_does():
    x = np.ones(3)
    x.setflags(write=False)
    with pytest.raises(ValueError, match="read-only"):
        product_written_first(x)
    with pytest.raises(ValueError, match="read-only"):
        pullback.grad(product_written_first)(x)


def rebinds(x):
    x[0] = 2.0
    x = x * 3.0
    return np.sum(x)


def test_an_input_written_and_rebound_is_still_refused_located():
    with pytest.raises(pullback.UnsupportedSyntaxError, match="in-place write to the input") \
            as info:
        pullback.grad(rebinds)(np.ones(3))
    assert "x[0] = 2.0" in str(info.value)


def test_second_order_and_forward_mode():
    x = RNG.normal(size=4)
    v = RNG.normal(size=4)
    value, tangent = pullback.jvp(square_written_into_its_input)(x.copy(), v)
    assert np.isclose(tangent, pullback.grad(square_written_into_its_input)(x.copy()) @ v)
    h = pullback.hessian(square_written_into_its_input)(x.copy())
    eps = 1e-6
    grad = pullback.grad(square_written_into_its_input)
    fd = np.array([(grad(x + eps * e) - grad(x - eps * e)) / (2 * eps) for e in np.eye(4)])
    np.testing.assert_allclose(h, fd, atol=1e-5)


def scale_first(v, s):
    v[0] = v[0] * s
    w = v * 1.0
    return np.sum(w * w)


def calls_a_writer(x, s):
    total = 0.0
    for k in range(3):
        y = x * (k + 1.0)
        total = total + scale_first(y, s)
    return total


def test_a_callee_writing_its_argument_is_inlined():
    """A called function's writes into its argument are its caller's own (the callee is
    inlined: lower/written_params.py), which the caller's gradient follows."""
    from fd import assert_grad_matches

    x = RNG.normal(size=3)
    for optimize in (True, False):
        assert_grad_matches(calls_a_writer, (x, 1.3), wrt=(0, 1))
        got = pullback.grad(calls_a_writer, wrt=(0, 1), optimize=optimize)(x, 1.3)
        want = pullback.grad(calls_a_writer, wrt=(0, 1))(x, 1.3)
        np.testing.assert_allclose(got[0], want[0])
