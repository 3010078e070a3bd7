"""Lists, comprehensions, builtins over values, tuples and dicts: checked against finite
differences; the gradient of a dict or list argument has the argument's structure."""

import container_cases as cc
import numpy as np
import pytest
from fd import numeric_grad

import pullback

RNG = np.random.default_rng(11)
CASES = [
    (cc.appended_values, (0.7, 1.3), (0, 1)),
    (cc.comprehension_and_generator, (0.8,), (0,)),
    (cc.states_list, (RNG.normal(size=(3, 3)) * 0.5, RNG.normal(size=(4, 3))), (0, 1)),
    (cc.extended, (0.7, -0.4), (0, 1)),
    (cc.reversed_enumerate, (0.7,), (0,)),
    (cc.sorted_values, (0.3, 0.9, -0.6), (0, 1, 2)),
    (cc.tuple_pack_and_unpack, (0.4, 1.1), (0, 1)),
    (cc.min_temporary_then_zip, (0.6, np.array([0.3, 1.2, -0.5])), (0, 1)),
]


@pytest.mark.parametrize("func, args, wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_containers_match_finite_differences(func, args, wrt):
    grads = pullback.grad(func, wrt=wrt)(*args)
    for g, i in zip(grads, wrt):
        np.testing.assert_allclose(g, numeric_grad(func, args, i), rtol=1e-6, atol=1e-9)


def test_gradient_of_a_dict_argument_is_a_dict():
    params = {"W": RNG.normal(size=(2, 3)), "b": RNG.normal(size=2), "scale": 1.5}
    x = RNG.normal(size=3)
    g = pullback.grad(cc.dict_params)(params, x)
    assert set(g) == set(params)
    eps = 1e-6
    for key in params:
        value = np.asarray(params[key], dtype=float)
        expected = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            for sign in (1, -1):
                shifted = dict(params)
                moved = value.copy()
                moved[idx] += sign * eps
                shifted[key] = moved if moved.shape else float(moved)
                expected[idx] += sign * cc.dict_params(shifted, x) / (2 * eps)
        np.testing.assert_allclose(g[key], expected, rtol=1e-6, atol=1e-9)
        assert np.shape(g[key]) == np.shape(params[key])


def test_gradient_of_a_list_argument_is_a_list():
    xs = [0.5, -1.2, 2.0]
    g = pullback.grad(cc.list_input)(xs)
    assert isinstance(g, list) and len(g) == 3
    expected = [2 * 0.5 + 2.0, 2 * -1.2, 2 * 2.0 + 0.5]
    assert g == pytest.approx(expected)


def test_appending_to_an_input_list_is_refused():
    def appends_to_input(xs):
        xs.append(1.0)
        return sum(xs)

    import inspect  # noqa: F401  (the function above needs its source: defined in a file)

    with pytest.raises(pullback.PullbackError, match="input"):
        pullback.grad(appends_to_input)
