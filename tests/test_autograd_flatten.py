"""autograd.misc.flatten inside an objective (autograd's neural_net example takes the L2
norm of its parameters that way): a nesting of lists, tuples and dicts of arrays and
scalars -> one vector. Its rule (rules/autograd_own.py) lays the vector's gradient back
into the nesting; grad, jvp and hvp against central differences in several nestings, the
gradient's structure checked against the parameters', and a call of the returned
`unflatten` refused where it is written (a function autograd made, not a rule)."""

from __future__ import annotations

import numpy as np
import pytest
from fd import assert_derivatives_match, numeric_grad

import pullback

flatten = pytest.importorskip("autograd.misc.flatten").flatten


def l2_norm(params):
    flattened, _ = flatten(params)
    return np.dot(flattened, flattened)


def weighted(params):
    flat, _unflatten = flatten(params)
    return np.sum(np.sin(flat) * np.arange(flat.size))


def _layers(rng):
    return [(rng.normal(size=(3, 2)), rng.normal(size=2)),
            (rng.normal(size=(2, 1)), rng.normal(size=1))]


@pytest.mark.parametrize("objective", [l2_norm, weighted], ids=lambda f: f.__name__)
def test_list_of_layer_tuples(objective):
    params = _layers(np.random.default_rng(0))
    flat = np.concatenate([np.ravel(a) for layer in params for a in layer])
    # closed forms of the gradient in the flat vector: 2 flat, and cos(flat) * index
    expected = 2 * flat if objective is l2_norm else np.cos(flat) * np.arange(flat.size)
    got = pullback.grad(objective)(params)
    assert [[np.shape(a) for a in layer] for layer in got] == \
        [[np.shape(a) for a in layer] for layer in params]
    np.testing.assert_allclose(np.concatenate([np.ravel(a) for layer in got for a in layer]),
                               expected, rtol=1e-12)
    # and against differences, one leaf at a time (f read as plain Python)
    for i, layer in enumerate(params):
        for j, _ in enumerate(layer):
            def leaf(a, i=i, j=j):
                moved = [list(t) for t in params]
                moved[i][j] = a
                return objective([tuple(t) for t in moved])
            np.testing.assert_allclose(got[i][j], numeric_grad(leaf, [params[i][j]]),
                                       rtol=1e-6, atol=1e-8)


def test_l2_norm_closed_form():
    params = {"w": np.arange(6.0).reshape(2, 3), "b": [1.5, np.array([-2.0, 0.5])]}
    got = pullback.grad(l2_norm)(params)
    np.testing.assert_allclose(got["w"], 2 * params["w"])
    assert got["b"][0] == pytest.approx(3.0)
    np.testing.assert_allclose(got["b"][1], 2 * params["b"][1])


def nested_in_x(x):
    # dicts by sorted key ("a" before "b"), scalars as one-element pieces
    flat, _ = flatten({"b": x, "a": [x * 2.0, np.ones(2) * x ** 2, (np.sin(x),)]})
    return np.sum(flat ** 3) + flat[0] * flat[-1]


def vector_in_a_tuple(v):
    flat, _ = flatten((v[:2], {"z": v[2:] * v[0]}))
    return np.sum(np.cos(flat)) + flat @ flat


@pytest.mark.parametrize("f, x", [(nested_in_x, 0.7), (nested_in_x, -1.3),
                                  (vector_in_a_tuple, np.array([0.3, -0.8, 1.1, 0.4]))],
                         ids=["nested-0.7", "nested--1.3", "vector"])
def test_grad_jvp_hvp_match_differences(f, x):
    assert_derivatives_match(f, (x,))


def test_calling_the_returned_unflatten_is_refused_located():
    def rebuilt(params):
        flat, unflatten = flatten(params)
        return np.sum(unflatten(flat * 2.0)["w"])

    with pytest.raises(pullback.PullbackError) as e:
        pullback.grad(rebuilt)({"w": np.ones(2)})
    assert "unflatten" in str(e.value) and "test_autograd_flatten.py" in str(e.value)
