"""np.apply_along_axis(func1d, axis, arr, ...) lowered to the loop over slices NumPy runs
(lower/along_axis.py): values, shapes, dtypes and call counts as NumPy's; grad, jvp and
hvp against central differences; refusals located."""

import numpy as np
import pytest
from fd import numeric_grad

import pullback

RNG = np.random.default_rng(5)
X = RNG.normal(size=(3, 2))
X3 = RNG.normal(size=(2, 3, 4))


def fd(f, x):
    """Central differences of scalar f at array x (tests/fd.py's)."""
    return numeric_grad(f, (x,))


def norm1d(v):
    return np.sqrt(np.sum(v ** 2))


def scaled(v, s, power=2):
    return v ** power * s


def counted(v):
    print("slice", len(v))  # counted from the output (a registered counter shows in docs)
    return np.sum(v * v) * v[0]


def rows(x):
    return np.sum(np.sin(np.apply_along_axis(norm1d, 1, x)))


def columns_lambda(x):
    return np.sum(np.apply_along_axis(lambda v: v / np.sum(v ** 2), 0, x) ** 2)


def extra_arguments(x):
    r = np.apply_along_axis(scaled, -1, x, 2.0, power=3)
    return np.sum(np.cos(r))


def matrices(x):
    r = np.apply_along_axis(lambda v: np.outer(v, v), 1, x)
    return np.sum(r * np.arange(2.0))


def keywords(x):
    y = np.apply_along_axis(np.cumsum, axis=0, arr=x)
    return np.sum(y ** 2)


def middle_axis(x):
    y = np.apply_along_axis(lambda v: np.array([np.max(v), np.sum(v), v[0] * v[1]]), 1, x)
    return np.sum(np.tanh(y) * np.arange(y.size).reshape(y.shape))


def last_of_sorted(x):
    y = np.apply_along_axis(lambda v: np.sort(v)[-1], 2, x[:, :, None] * x[:, None, :])
    return np.sum(y)


def with_counter(x):
    y = np.apply_along_axis(counted, 0, x)
    return np.sum(y ** 2)


CASES = [(rows, X), (columns_lambda, X), (extra_arguments, X), (matrices, X),
         (keywords, X), (middle_axis, X3), (last_of_sorted, X), (with_counter, X3)]


def _close(x, y, tol=1e-6):
    assert np.max(np.abs(np.asarray(x) - np.asarray(y))) <= tol * (1 + np.max(np.abs(y)))


@pytest.mark.parametrize("f, a", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_derivatives(f, a):
    expected = fd(f, a)
    value, g = pullback.value_and_grad(f)(a)
    assert value == pytest.approx(f(a))
    _close(g, expected)
    _close(pullback.jvp(f)(a, a)[1], np.sum(expected * a))
    _close(pullback.hvp(f)(a, a), fd(lambda x: np.sum(pullback.grad(f)(x) * a), a), 1e-5)


def test_calls_as_numpy(capsys):
    capsys.readouterr()
    with_counter(X3)
    numpy_calls = capsys.readouterr().out
    pullback.grad(with_counter)(X3)
    assert capsys.readouterr().out == numpy_calls == "slice 2\n" * 12


@pytest.mark.parametrize("func, axis, arr", [
    (np.sum, 0, np.arange(3.0)),
    (lambda v: int(np.sum(v > 0)), 1, X),
    (lambda v: v[::-1], 0, X3),
    (lambda v: np.outer(v, v), -1, X3),
    (lambda v: np.stack([v, v]), 1, X3),
], ids=["scalar", "int", "reversed", "outer", "stacked"])
def test_results_as_numpy(func, axis, arr):
    def f(x):
        return np.apply_along_axis(func, axis, x)

    def loss(x):
        return np.sum(np.apply_along_axis(func, axis, x) * 1.0)

    expected = np.apply_along_axis(func, axis, arr)
    got = pullback.value_and_grad(loss)(arr)[0]
    assert np.shape(f(arr)) == expected.shape
    assert got == pytest.approx(float(np.sum(expected * 1.0)))
    jvp_value = pullback.jvp(f)(arr, np.ones_like(arr))[0]
    assert np.shape(jvp_value) == expected.shape and np.asarray(jvp_value).dtype == \
        expected.dtype
    np.testing.assert_allclose(jvp_value, expected)


def test_an_int_first_result_carries_no_gradient_as_numpy():
    def f(x):
        return np.sum(np.apply_along_axis(lambda v: np.sum(v) if v[0] > 0 else 1, 1, x))

    x = np.array([[-1.0, 2.0], [3.3, 4.1]])  # the sum 7.4 is cast to 7
    _close(pullback.grad(f)(x), fd(f, x))


def test_refusals_are_located():
    def made(x):
        return np.sum(np.apply_along_axis(np.vectorize(abs), 0, x))

    def inside(x):
        return [np.apply_along_axis(norm1d, 0, x) for _ in range(2)][0][0]

    for f, words in ((made, "name the function first"), (inside, "inside a comprehension")):
        with pytest.raises(pullback.PullbackError, match=words) as info:
            pullback.grad(f)(X)
        assert "test_lu12_along_axis.py" in str(info.value)


def _softmax(v):
    e = np.exp(v - np.max(v))
    return e / np.sum(e)


def _rows_softmax(x, k):
    return np.apply_along_axis(_softmax, k, x)


def _squares(x):
    return np.vectorize(_sq)(x)


def _sq(t):
    return t * t


def in_a_small_callee(x):
    return np.sum(_rows_softmax(x, 0) * np.arange(6.0).reshape(3, 2)) + np.sum(_squares(x))


def test_in_a_small_callee():
    # a callee small enough to inline is transformed on its own instead, so that
    # normalize lowers its apply_along_axis and vectorize calls (no refusal)
    _close(pullback.grad(in_a_small_callee)(X), fd(in_a_small_callee, X))

    def softmaxed(x):
        return np.sum(_rows_softmax(x, 1) ** 2)

    _close(pullback.hvp(softmaxed)(X, X),
           fd(lambda x: np.sum(pullback.grad(softmaxed)(x) * X), X), 1e-5)
