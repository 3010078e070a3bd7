"""Dicts (and sets) a function reads from its module, its closure or an object it reads
by a free name (`P.items()`, `dict(P)`, `{k: v * x for k, v in P.items()}`, `sum(...
for v in P.values())`, `for k in P.keys()`, `for k in P`, `sorted(P)`, `list(P)`): the
lowering iterates the dict's keys, as for a dict it builds itself. pullback resolves
the names of the module and closure, so `P.items` was the dict's own bound method, not
an unknown method of some object, and the loop indexed the view (`items[k]`: a
TypeError in every such gradient; autograd's rnn and lstm examples copy their parameter
dict with `dict(params)`), and a loop over the dict itself was refused as one over a
dict the function did not build. Each spelling: grad, jvp and hvp against central
differences."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest
from fd import assert_grad_matches, numeric_grad

import pullback

P = {"a": 1.5, "b": -0.5, "c": 2.0}
OD = OrderedDict(a=2.0, b=3.0)


def copied(x):
    p = dict(P)
    p["a"] = x
    return p["a"] * p["b"] + p["c"] * np.sin(x)


def items_loop(x):
    s = 0.0
    for _k, v in P.items():
        s += v * x ** 2
    return s


def items_comprehension(x):
    d = {k: v * x for k, v in P.items()}
    return d["a"] + d["c"] ** 2


def values_generator(x):
    return sum(v * np.tanh(x) for v in P.values())


def keys_loop(x):
    s = 0.0
    for k in P.keys():
        s += P[k] * np.sin(x)
    return s


def values_list(x):
    return sum([v * x ** 3 for v in P.values()])


def listed_items(x):
    items = list(P.items())
    return sum(v * np.exp(x * v) for _, v in items)


def ordered(x):
    return sum(v * x ** 3 for k, v in OD.items())


def keys_sorted(x):
    return sum(P[k] * x for k in sorted(P))


def keys_iterated(x):
    total = 0.0
    for key in P:
        total += P[key] * x ** 2
    return total


def keys_listed(x):
    return sum(P[k] * np.cos(x) for k in list(P))


NAMES = {"a", "c"}


def set_iterated(x):
    s = 0.0
    for k in NAMES:
        s += P[k] * x ** 3
    return s


def attribute_keys(x):
    return sum(model.params[k] * np.exp(x) for k in model.params)


def _closure():
    q = {"a": 1.5, "b": -0.5}

    def closed(x):
        s = 0.0
        for _k, v in q.items():
            s += v * np.sin(x * v)
        return s
    return closed


class Model:
    def __init__(self):
        self.params = {"w": 0.5, "b": -1.25}


model = Model()


def attribute_dict(x):
    out = 0.0
    for _name, p in model.params.items():
        out = out + p * x ** 2
    return out


FUNCTIONS = [copied, items_loop, items_comprehension, values_generator, keys_loop,
             values_list, listed_items, ordered, _closure(), attribute_dict, keys_sorted,
             keys_iterated, keys_listed, set_iterated, attribute_keys]


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", [0.7, -1.3])
def test_grad_jvp_hvp(f, x):
    assert_grad_matches(f, (x,))
    value, tangent = pullback.jvp(f)(x, 1.0)
    assert value == pytest.approx(f(x))
    assert tangent == pytest.approx(numeric_grad(f, (x,)), rel=1e-6)
    second = (numeric_grad(f, (x + 1e-4,)) - numeric_grad(f, (x - 1e-4,))) / 2e-4
    assert pullback.hvp(f)(x, 1.0) == pytest.approx(second, rel=1e-5, abs=1e-6)


def test_a_name_rebound_to_a_list_is_refused_when_it_runs():
    """A module name that held a dict when the function was transformed and holds a list
    when the gradient runs: iterating it would give values, not keys (refused)."""
    global LATER
    LATER = {"a": 1.0}

    def f(x):
        return sum(x * k for k in LATER)
    df = pullback.grad(f)
    with pytest.raises(pullback.PullbackError, match="a list where pullback reads a dict"):
        LATER = [1.0, 2.0]
        df(0.3)


def test_the_dict_is_read_when_the_gradient_runs():
    """The keys are the dict's at each call (a key added later is iterated)."""
    table = {"a": 1.0}

    def f(x):
        return sum(v * x for v in table.values())
    df = pullback.grad(f)
    assert df(0.3) == pytest.approx(1.0)
    table["b"] = 2.5
    assert df(0.3) == pytest.approx(3.5)


def rnn_log_likelihood(params, inputs, targets):
    """autograd's examples/rnn.py, on NumPy: nested functions read the parameter dict."""
    from scipy.special import logsumexp

    def concat_and_multiply(weights, *args):
        cat_state = np.hstack(args + (np.ones((args[0].shape[0], 1)),))
        return np.dot(cat_state, weights)

    def update_rnn(input, hiddens):
        return np.tanh(concat_and_multiply(params["change"], input, hiddens))

    def hiddens_to_output_probs(hiddens):
        output = concat_and_multiply(params["predict"], hiddens)
        return output - logsumexp(output, axis=1, keepdims=True)

    hiddens = np.repeat(params["init hiddens"], inputs.shape[1], axis=0)
    output = [hiddens_to_output_probs(hiddens)]
    for input in inputs:
        hiddens = update_rnn(input, hiddens)
        output.append(hiddens_to_output_probs(hiddens))
    loglik = 0.0
    num_time_steps, num_examples, _ = inputs.shape
    for t in range(num_time_steps):
        loglik += np.sum(output[t] * targets[t])
    return loglik / (num_time_steps * num_examples)


RS = np.random.RandomState(0)
PARAMS = {"init hiddens": RS.randn(1, 4), "change": RS.randn(3 + 4 + 1, 4),
          "predict": RS.randn(4 + 1, 3)}
INPUTS, TARGETS = RS.randn(5, 2, 3), RS.randn(6, 2, 3)


def rnn_objective(change):
    params = dict(PARAMS)
    params["change"] = change
    return rnn_log_likelihood(params, INPUTS, TARGETS)


def test_rnn_of_a_copied_parameter_dict():
    assert_grad_matches(rnn_objective, (PARAMS["change"],), rtol=1e-5, atol=1e-8)
