"""Students' spellings (tests/student_spellings.py, the kinds tools/cs231n_suite found
refused): grad, jvp and hvp against central differences, and the refusal left located."""

from __future__ import annotations

import numpy as np
import pytest
import student_spellings as S
from fd import numeric_grad

import pullback
from pullback.errors import PullbackError

RNG = np.random.default_rng(18)
W, X, Y = 0.3 * RNG.normal(size=(4, 3)), RNG.normal(size=(6, 4)), RNG.integers(0, 3, 6)
V3 = np.array([0.7, -1.3, 0.4])

CASES = [
    ("softmax_objective", S.softmax_objective, (W, X, Y), 0),
    ("svm_objective", S.svm_objective, (W, X, Y), 0),
    ("alias_read_after", S.alias_read_after, (V3,), 0),
    ("alias_chain", S.alias_chain, (V3,), 0),
    ("alias_in_loop", S.alias_in_loop, (V3,), 0),
    ("order_written", S.order_written, (V3,), 0),
    ("relu_clip", S.relu_clip, (np.array([0.7, -1.3, 0.4, 0.2, -0.1]),), 0),
    ("text_keys_own_dict", S.text_keys_own_dict, (V3,), 0),
    ("dropout_objective", S.dropout_objective, (RNG.normal(size=(4, 5)), {
        "mode": "train", "p": 0.6, "seed": 123}, RNG.normal(size=(4, 5))), 0),
    ("shape_spread", S.shape_spread, (V3,), 0),
    ("astypes", S.astypes, (V3,), 0),
]


def _fresh(args):
    return tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args)


@pytest.mark.parametrize("name,f,args,wrt", CASES, ids=[c[0] for c in CASES])
def test_gradient_against_differences(name, f, args, wrt):
    got = pullback.grad(f, wrt=wrt)(*_fresh(args))
    np.testing.assert_allclose(got, numeric_grad(f, _fresh(args), wrt=wrt), rtol=1e-5,
                               atol=1e-7)


@pytest.mark.parametrize("name,f,args,wrt", CASES, ids=[c[0] for c in CASES])
def test_jvp_and_hvp_against_differences(name, f, args, wrt):
    v = np.random.default_rng(3).normal(size=np.shape(args[wrt]))

    def moved(t):
        a = list(_fresh(args))
        a[wrt] = a[wrt] + t * v
        return a

    value, tangent = pullback.jvp(f, wrt=wrt)(*_fresh(args), v)
    h = 1e-6
    assert np.isclose(tangent, (f(*moved(h)) - f(*moved(-h))) / (2 * h), rtol=1e-5, atol=1e-7)
    product = pullback.hvp(f, wrt=wrt)(*_fresh(args), v)
    grad = pullback.grad(f, wrt=wrt)
    h = 1e-5
    np.testing.assert_allclose(product, (grad(*moved(h)) - grad(*moved(-h))) / (2 * h),
                               rtol=1e-4, atol=1e-6)


def test_astype_keeps_its_copy_false_refused():
    """astype(copy=False) may return the array itself: writing it is refused, located."""
    with pytest.raises(PullbackError, match="mask") as info:
        pullback.grad(S.astype_no_copy)(V3.copy())
    assert "student_spellings.py" in str(info.value) and "mask[0] = 2.0" in str(info.value)


def test_a_second_name_for_a_list_resized_stays_refused():
    """Lowerings before SSA decide by name on lists resized (a loop over a list its body
    grows): such a second name keeps its refusal."""
    with pytest.raises(PullbackError, match="ys = xs gives a second name") as info:
        pullback.grad(S.alias_list)(V3.copy())
    assert "student_spellings.py" in str(info.value)


def test_a_second_name_on_one_path_only_stays_refused():
    with pytest.raises(PullbackError, match="'d'") as info:
        pullback.grad(S.alias_in_a_branch)(V3.copy())
    assert "d[1] = x[2]" in str(info.value)


def test_running_statistics_written_into_the_dict_passed():
    """batchnorm_forward writes running_mean and running_var into the bn_param it is given:
    the gradient runs f as f runs (the caller's dict gets them) and is right."""
    rng = np.random.default_rng(5)
    x, gamma, beta = rng.normal(size=(5, 3)), 1 + 0.1 * rng.normal(size=3), rng.normal(size=3)
    dout = rng.normal(size=(5, 3))
    param = {"mode": "train"}
    got = pullback.grad(S.batchnorm_objective, wrt=(0, 1, 2))(x, gamma, beta, param, dout)
    assert set(param) == {"mode", "running_mean", "running_var"}
    np.testing.assert_allclose(param["running_mean"], 0.1 * np.mean(x, axis=0))
    expected = numeric_grad(S.batchnorm_objective, (x, gamma, beta, {"mode": "train"}, dout),
                            wrt=(0, 1, 2))
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-7)
    v = tuple(rng.normal(size=a.shape) for a in (x, gamma, beta))
    _, tangent = pullback.jvp(S.batchnorm_objective, wrt=(0, 1, 2))(
        x, gamma, beta, {"mode": "train"}, dout, v)
    assert np.isclose(tangent, sum(np.sum(g * d) for g, d in zip(got, v)), rtol=1e-9)
    product = pullback.hvp(S.batchnorm_objective, wrt=(0, 1, 2))(
        x, gamma, beta, {"mode": "train"}, dout, v)
    grad = pullback.grad(S.batchnorm_objective, wrt=(0, 1, 2))
    h = 1e-5
    plus = grad(*[a + h * d for a, d in zip((x, gamma, beta), v)], {"mode": "train"}, dout)
    minus = grad(*[a - h * d for a, d in zip((x, gamma, beta), v)], {"mode": "train"}, dout)
    for p, a, b in zip(product, plus, minus):
        np.testing.assert_allclose(p, (a - b) / (2 * h), rtol=1e-4, atol=1e-6)


def test_the_second_name_is_gone_from_the_generated_code():
    text = pullback.source(S.alias_read_after)
    assert "q" not in [line.split(" = ")[0].strip() for line in text.splitlines()]


def test_a_gradient_buffer_the_loss_never_reads_back():
    """dW2[:, j] += ... builds a gradient the student returns beside the loss: its own
    gradient is a known zero, which the slots' adjoints take as it is (it crashed)."""
    got = pullback.grad(S.softmax_naive_objective)(W, X, Y)
    np.testing.assert_allclose(got, numeric_grad(S.softmax_naive_objective, (W, X, Y)),
                               rtol=1e-5, atol=1e-7)
    v = np.random.default_rng(4).normal(size=W.shape)
    _, tangent = pullback.jvp(S.softmax_naive_objective)(W, X, Y, v)
    assert np.isclose(tangent, np.sum(got * v), rtol=1e-9)


def test_spread_arguments_into_a_rule_are_refused_located():
    with pytest.raises(PullbackError, match="pass the arguments one by one") as info:
        pullback.grad(S.spread_into_a_rule)(V3.copy())
    assert "np.maximum(*pair)" in str(info.value)
