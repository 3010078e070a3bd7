"""Whether a user function writes into a parameter is read from its source
(lower/written_params.py): a library function with no rule may write into its first
argument. autograd's functions (`import autograd.numpy as np`) have NumPy's rules only
once adopted, and this reading asked before they were: `np.repeat(params["init"], n)` in
a callee made `params` written, which refused autograd's rnn and lstm examples ("a nested
function inside rnn_predict, which writes into an object its caller passes"). Gradients,
jvp and hvp of such code against central differences, in several spellings."""

from __future__ import annotations

import numpy as np
import pytest
from fd import assert_grad_matches, numeric_grad

import pullback

anp = pytest.importorskip("autograd.numpy")


def predict(params, inputs):
    def step(x, h):
        return anp.tanh(anp.dot(anp.hstack((x, h)), params["change"]))

    h = anp.repeat(params["init"], inputs.shape[1], axis=0)
    outputs = [h]
    for x in inputs:
        h = step(x, h)
        outputs.append(h)
    return outputs


def likelihood(params, inputs):
    outs = predict(params, inputs)
    return sum(anp.sum(o ** 2) for o in outs)


def tiled(params, x):
    return anp.sum(anp.tile(params["w"], (2, 1)) * anp.concatenate([x, x]))


def stacked(params, x):
    rows = anp.stack([params["w"][0], params["w"][1]])
    return anp.sum(anp.where(rows > 0, rows, 0.1 * rows) * x)


RS = np.random.RandomState(3)
PARAMS = {"init": RS.randn(1, 3), "change": RS.randn(5, 3), "w": RS.randn(2, 3)}
INPUTS = RS.randn(4, 2, 2)


def _of(name, f, *rest):
    def objective(w):
        params = dict(PARAMS)
        params[name] = w
        return f(params, *rest)
    return objective


CASES = [("change", likelihood, INPUTS), ("init", likelihood, INPUTS),
         ("w", tiled, RS.randn(2, 3)), ("w", stacked, RS.randn(2, 3))]


@pytest.mark.parametrize("name, f, rest", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_grad_jvp_hvp(name, f, rest):
    objective = _of(name, f, rest)
    w = PARAMS[name]
    assert_grad_matches(objective, (w,))
    v = np.linspace(-1.0, 1.0, w.size).reshape(w.shape)
    value, tangent = pullback.jvp(objective)(w, v)
    h = 1e-6
    assert value == pytest.approx(objective(w))
    assert tangent == pytest.approx((objective(w + h * v) - objective(w - h * v)) / (2 * h),
                                    rel=1e-6, abs=1e-8)
    hv = pullback.hvp(objective)(w, v)
    second = (numeric_grad(objective, (w + 1e-4 * v,))
              - numeric_grad(objective, (w - 1e-4 * v,))) / 2e-4
    np.testing.assert_allclose(hv, second, rtol=1e-4, atol=1e-5)  # (differences of differences)


def test_grad_with_respect_to_the_parameter_dict():
    got = pullback.grad(likelihood)(PARAMS, INPUTS)
    for name in ("init", "change"):
        np.testing.assert_allclose(got[name], numeric_grad(_of(name, likelihood, INPUTS),
                                                           (PARAMS[name],)), rtol=1e-5,
                                   atol=1e-8)
