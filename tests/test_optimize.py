"""The optimizing pass never changes a gradient.

- every corpus function, differentiated with ``optimize=False``, agrees with
  central finite differences, and with the optimized gradient to rounding;
- each optimization has a before/after test: a function where it applies, the
  construct it removes present without the pass and absent with it, and both
  gradients checked against finite differences; and functions where it must not
  apply (a max that is not shifted out again), where the plain code stays.
"""

from __future__ import annotations

import math
import os
import sys

import corpus
import corpus3
import numpy as np
import pytest
from fd import assert_close, assert_grad_matches, numeric_grad
from test_corpus3 import BUGS, NOW_REFUSED

import pullback

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "benchmarks"))
import workloads  # noqa: E402


def _tree_close(a, b, what):
    if isinstance(b, dict):
        assert set(a) == set(b), what
        for k in b:
            _tree_close(a[k], b[k], f"{what}[{k!r}]")
    elif isinstance(b, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), what
        for i, (x, y) in enumerate(zip(a, b)):
            _tree_close(x, y, f"{what}[{i}]")
    else:
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12, err_msg=what)


# ------------------------------------------------------- the corpus, pass on and off


@pytest.mark.parametrize("case", corpus.CASES, ids=[c.name for c in corpus.CASES])
def test_corpus_without_the_pass_matches_finite_differences(case):
    for args in corpus.sample_points(case):
        plain = assert_grad_matches(case.fn, args, wrt=case.wrt, kwargs=case.kw,
                                    rtol=case.rtol, atol=case.atol, optimize=False)
        optimized = pullback.grad(case.fn, wrt=case.wrt)(*args, **case.kw)
        _tree_close(optimized, plain, f"{case.name}: optimized vs plain")


CASES3 = [c for c in corpus3.CASES if c.name not in BUGS and c.name not in NOW_REFUSED
          and (corpus3.HAVE_SCIPY or not c.scipy)]


@pytest.mark.parametrize("case", CASES3, ids=[c.name for c in CASES3])
def test_corpus3_without_the_pass_matches_the_optimized_gradient(case):
    # test_corpus3 checks the optimized gradient against finite differences
    plain = pullback.grad(case.fn, wrt=case.wrt, optimize=False)
    optimized = pullback.grad(case.fn, wrt=case.wrt)
    for args in corpus3.sample_points(case):
        _tree_close(optimized(*args, **case.kw), plain(*args, **case.kw),
                    f"{case.name}: optimized vs plain")


@pytest.mark.parametrize("w", workloads.WORKLOADS, ids=[w.name for w in workloads.WORKLOADS])
def test_benchmark_workloads_with_and_without_the_pass(w):
    args = w.make_args(small=True)
    plain = assert_grad_matches(w.f, args, wrt=w.wrt, rtol=1e-5, atol=1e-7, optimize=False)
    _tree_close(pullback.grad(w.f, wrt=w.wrt)(*args), plain, f"{w.name}: optimized vs plain")


# ------------------------------------------------------------ one test per optimization


def logsumexp_columns(v):
    m = np.max(v, axis=0)
    return np.sum(m + np.log(np.sum(np.exp(v - m), axis=0)))


def log_softmax_nll(logits, labels):
    z = logits - np.max(logits, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.mean(logp[np.arange(logits.shape[0]), labels])


def softmax_weighted(v, w):
    e = np.exp(v - np.max(v, axis=-1, keepdims=True))
    return np.sum(w * (e / np.sum(e, axis=-1, keepdims=True)))


def logsumexp_scalar_max(v):
    m = np.max(v)
    return m + np.log(np.mean(np.exp(v - m))) + 2.0


# The max is not shifted out again: its gradient is not zero and must be computed.
def shift_summed_along_another_axis(v):
    m = np.max(v, axis=0)
    return np.sum(m + np.log(np.sum(np.exp(v - m), axis=1)))


def shift_added_twice(v):
    m = np.max(v)
    return m + np.log(np.sum(np.exp(v - m))) + m


def shift_kept_in_the_result(v):
    m = np.max(v, axis=1, keepdims=True)
    return np.sum(np.exp(v - m))


def shift_misaligned(v):
    m = np.max(v, axis=1)  # (n,) broadcast against (n, n) lines up with axis 1, not 0
    return np.sum(np.log(np.sum(np.exp(v - m), axis=1)) + m)


def shift_used_elsewhere(v):
    m = np.max(v, axis=1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(v - m), axis=1, keepdims=True))
    return np.sum(lse) + np.sum(m * m)


def shift_through_a_loop(v, n):
    total = 0.0
    m = np.max(v)
    for _ in range(n):
        total = total + np.log(np.sum(np.exp(v - m))) + m
        m = m * 0.5
    return total


def shift_in_a_loop_name_set_again_after(v, n):
    # the loop's copy of m for after the loop is never read: m is set anew there
    total = 0.0
    for k in range(n):
        s = v * (k + 1.0)
        m = np.max(s, axis=0)
        total = total + np.sum(m + np.log(np.sum(np.exp(s - m), axis=0)))
    m = 2.0
    return total * m


def shift_in_a_loop_read_after(v, n):
    total = 0.0
    for k in range(n):
        s = v * (k + 1.0)
        m = np.max(s, axis=0)
        total = total + np.sum(m + np.log(np.sum(np.exp(s - m), axis=0)))
    return total + np.sum(m)  # the last step's max is read: it has a gradient


def _matrix(rng, ties=False):
    v = rng.normal(size=(4, 4))
    if ties:
        v[1, :] = v[0, :]  # every column's max attained twice
        v[:, 2] = v[:, 3]
    return v


SHIFTED = [
    (logsumexp_columns, lambda rng, ties: (_matrix(rng, ties),), 0),
    (log_softmax_nll, lambda rng, ties: (_matrix(rng, ties), np.array([0, 3, 1, 2])), 0),
    (softmax_weighted, lambda rng, ties: (_matrix(rng, ties), rng.normal(size=(4, 4))), 0),
    (logsumexp_scalar_max, lambda rng, ties: (_matrix(rng, ties),), 0),
    (shift_in_a_loop_name_set_again_after, lambda rng, ties: (_matrix(rng, ties), 3), 0),
]
NOT_SHIFTED = [
    (shift_summed_along_another_axis, lambda rng, ties: (_matrix(rng),), 0),
    (shift_added_twice, lambda rng, ties: (_matrix(rng),), 0),
    (shift_kept_in_the_result, lambda rng, ties: (_matrix(rng),), 0),
    (shift_misaligned, lambda rng, ties: (_matrix(rng),), 0),
    (shift_used_elsewhere, lambda rng, ties: (_matrix(rng),), 0),
    (shift_through_a_loop, lambda rng, ties: (_matrix(rng), 3), 0),
    (shift_in_a_loop_read_after, lambda rng, ties: (_matrix(rng), 3), 0),
]


def _both_match_fd(fn, args, wrt):
    for optimize in (False, True):
        assert_grad_matches(fn, args, wrt=wrt, rtol=1e-6, atol=1e-8, optimize=optimize)


@pytest.mark.parametrize("fn, make, wrt", SHIFTED, ids=[c[0].__name__ for c in SHIFTED])
def test_a_max_shifted_out_again_gets_no_gradient(fn, make, wrt):
    plain = pullback.source(fn, wrt, optimize=False)
    optimized = pullback.source(fn, wrt)
    assert "unreduce_extreme" in plain
    assert "unreduce_extreme" not in optimized
    assert "a shift the function takes back, gradient exactly 0" in optimized
    rng = np.random.default_rng(0)
    for ties in (False, True):  # with ties the max's own gradient is split; it still cancels
        _both_match_fd(fn, make(rng, ties), wrt)


@pytest.mark.parametrize("fn, make, wrt", NOT_SHIFTED, ids=[c[0].__name__ for c in NOT_SHIFTED])
def test_a_max_not_shifted_out_keeps_its_gradient(fn, make, wrt):
    assert "unreduce_extreme" in pullback.source(fn, wrt)
    _both_match_fd(fn, make(np.random.default_rng(1), False), wrt)


def elementwise_chain(x):
    y = np.tanh(x) * x
    return np.sum(y / (1.0 + np.exp(x)))


def test_equal_shapes_need_no_unbroadcast():
    assert "unbroadcast" in pullback.source(elementwise_chain, optimize=False)
    assert "unbroadcast" not in pullback.source(elementwise_chain)
    _both_match_fd(elementwise_chain, (np.random.default_rng(2).normal(size=(3, 2)),), 0)


def broadcast_against_a_parameter(x, b):
    y = np.tanh(x) * x
    return np.sum(y + b)  # b may have fewer dimensions: its gradient is summed


def test_unknown_shapes_keep_unbroadcast():
    source = pullback.source(broadcast_against_a_parameter, wrt=1)
    assert "unbroadcast(dadd, b)" in source
    rng = np.random.default_rng(3)
    for b in (rng.normal(size=(2,)), rng.normal(size=(3, 1)), 0.5):
        _both_match_fd(broadcast_against_a_parameter, (rng.normal(size=(3, 2)), b), 1)


def outer_logsumexp(a, b):
    s = a[:, None] + b[None, :]
    return np.sum(np.tanh(s))


def test_new_axes_adjoint_is_a_reshape():
    plain = pullback.source(outer_logsumexp, wrt=(0, 1), optimize=False)
    optimized = pullback.source(outer_logsumexp, wrt=(0, 1))
    assert plain.count("accum_index") == 2 and "reshape_like" not in plain
    assert optimized.count("reshape_like") == 2 and "accum_index" not in optimized
    rng = np.random.default_rng(4)
    _both_match_fd(outer_logsumexp, (rng.normal(size=3), rng.normal(size=4)), (0, 1))


def dead_code(x, w):
    unused = x * 3.0 + w  # arithmetic on numbers cannot raise: removed
    also_unused = unused * unused - 1.0  # noqa: F841
    y = math.tanh(x * w)
    for i in range(3):
        junk = y * i - 1.0  # noqa: F841
        y = y + 0.1 * math.sin(y)
    return y


def dead_lookup(x, table):
    unused = table["missing"]  # noqa: F841  (f raises KeyError: so must its gradient)
    return x * 2.0


def test_dead_code_is_removed_unless_it_may_raise():
    plain = pullback.source(dead_code, wrt=(0, 1), optimize=False)
    optimized = pullback.source(dead_code, wrt=(0, 1))
    for name in ("unused", "also_unused", "junk", "    out = "):
        assert name in plain and name not in optimized
    _both_match_fd(dead_code, (0.3, -0.8), (0, 1))
    assert "unused = table['missing']" in pullback.source(dead_lookup)
    for optimize in (True, False):
        with pytest.raises(KeyError):
            pullback.grad(dead_lookup, optimize=optimize)(1.0, {"present": 1.0})


def test_loop_invariant_values_accumulation_and_matrix_sums():
    # the RNN: Wh's gradient is summed after the loop as one product; values that do
    # not change in the loop are not saved; gradients of loop-read values add in place
    plain = pullback.source(workloads.rnn, optimize=False)
    optimized = pullback.source(workloads.rnn)
    assert "sum_matmul_grad_a" in optimized and "sum_matmul_grad_a" not in plain
    assert "dWh = dWh + matmul_grad_a" in plain
    invariant = pullback.source(loop_invariant, wrt=(0, 1))
    invariant_plain = pullback.source(loop_invariant, wrt=(0, 1), optimize=False)
    assert "saved.append((sin," not in invariant
    assert "sin" in invariant_plain.split("saved.append(")[1].split(")")[0]
    assert "dw += " in invariant and "dw += " not in invariant_plain
    rng = np.random.default_rng(6)
    _both_match_fd(loop_invariant, (rng.normal(size=3), rng.normal(size=(5, 3))), (0, 1))


def loop_invariant(w, xs):
    total = 0.0
    for i in range(xs.shape[0]):
        total = total + np.sum(np.sin(w) * xs[i]) * total + np.sum(w * xs[i])
    return total


def test_pass_off_is_a_separate_cached_transform():
    assert pullback.source(elementwise_chain) != pullback.source(elementwise_chain,
                                                                 optimize=False)
    x = np.random.default_rng(7).normal(size=(2, 2))
    got = pullback.grad(elementwise_chain, optimize=False)(x)
    assert_close(got, numeric_grad(elementwise_chain, (x,)), rtol=1e-6, atol=1e-8)


def test_summed_matrix_product_gradients_equal_the_sum_of_the_parts():
    from pullback.rules.support import (
        matmul_grad_a,
        matmul_grad_b,
        sum_matmul_grad_a,
        sum_matmul_grad_b,
    )

    rng = np.random.default_rng(8)
    W = rng.normal(size=(3, 4))
    vectors = [(rng.normal(size=3), rng.normal(size=4)) for _ in range(5)]
    with_zero = vectors[:2] + [(0.0, rng.normal(size=4))] + vectors[2:]
    matrices = [(rng.normal(size=(3, 2)), rng.normal(size=(4, 2))) for _ in range(3)]
    for parts in (vectors, with_zero, matrices):
        expected = sum(matmul_grad_a(g, W, b) for g, b in parts)
        np.testing.assert_allclose(sum_matmul_grad_a(parts, W), expected, rtol=1e-12)
    M = rng.normal(size=(4, 3))  # the right factor: pairs are (g, left vector)
    pairs = [(rng.normal(size=3), rng.normal(size=4)) for _ in range(5)]
    for parts in (pairs, pairs[:1] + [(0.0, rng.normal(size=4))]):
        expected = sum(matmul_grad_b(g, a, M) for g, a in parts)
        np.testing.assert_allclose(sum_matmul_grad_b(parts, M), expected, rtol=1e-12)


def euler_steps(x, dt):
    y = np.tanh(x)
    for _ in range(4):
        y = y + 0.1 * np.sin(y) * y
    y = y + dt  # dt may broadcast y: its gradient is summed
    return np.sum(y * y)


def shape_grows_in_the_loop(x, b):
    h = np.tanh(x)  # (3,) at first, (2, 3) after one step: b broadcasts it
    for _ in range(3):
        h = np.sin(h) + b * h
    return np.sum(h)


def shape_differs_by_branch(x, flag):
    if flag > 0:
        y = np.tanh(x)
    else:
        y = np.sum(x, axis=0, keepdims=True)
    return np.sum(np.exp(y) * x)


def test_a_loop_name_keeps_its_shape_through_the_loop():
    plain = pullback.source(euler_steps, optimize=False)
    optimized = pullback.source(euler_steps)
    loop = optimized.split("while saved:")[1]
    assert "unbroadcast" not in loop and "unbroadcast" in plain.split("while saved:")[1]
    _both_match_fd(euler_steps, (np.random.default_rng(9).normal(size=(2, 3)), 0.1), 0)


@pytest.mark.parametrize("fn, make", [
    (shape_grows_in_the_loop, lambda rng: (rng.normal(size=3), rng.normal(size=(2, 3)))),
    (shape_differs_by_branch, lambda rng: (rng.normal(size=(2, 3)), -1.0)),
    (shape_differs_by_branch, lambda rng: (rng.normal(size=(2, 3)), 1.0)),
])
def test_names_whose_shape_may_change_keep_unbroadcast(fn, make):
    assert "unbroadcast" in pullback.source(fn)
    _both_match_fd(fn, make(np.random.default_rng(10)), 0)


def invariant_scalars(x, a, n):
    for _ in range(n):
        c = 0.5 * a - 1.0  # the same in every iteration: computed once, before the loop
        d = 1.0 / a  # division may raise (a == 0): stays where it was
        x = x + c * math.sin(x) * d
    return x


def test_invariant_scalar_arithmetic_is_hoisted_out_of_loops():
    plain = pullback.source(invariant_scalars, wrt=(0, 1), optimize=False)
    optimized = pullback.source(invariant_scalars, wrt=(0, 1))
    before_loop = optimized.split("for _ in")[0]
    assert "0.5 * a" in before_loop and "0.5 * a" not in plain.split("for _ in")[0]
    assert "1.0 / a" not in before_loop
    _both_match_fd(invariant_scalars, (0.3, 1.7, 5), (0, 1))
    # no iteration: nothing hoisted may fail, and the gradient is the identity's
    assert pullback.grad(invariant_scalars, wrt=(0, 1))(0.3, 0.0, 0) == (1.0, 0.0)


def scaled_in_loop(w, xs):
    s = 0.0
    for i in range(xs.shape[0]):
        s = s + np.sum(np.sin(s + 2.5 * w * xs[i]))
    return s


def test_constant_scaled_gradients_are_summed_then_scaled_once():
    plain = pullback.source(scaled_in_loop, optimize=False)
    optimized = pullback.source(scaled_in_loop)
    assert "dw += dw_unscaled * 2.5" in optimized and "unscaled" not in plain
    rng = np.random.default_rng(11)
    _both_match_fd(scaled_in_loop, (rng.normal(size=3), rng.normal(size=(4, 3)) * 0.3), 0)


def column_log_normalizers(v):
    return np.sum(np.log(np.sum(np.exp(v), axis=0)) ** 2)


def row_log_normalizers(v):  # axis 1 of a matrix: the sums must be put back as (n, 1)
    return np.sum(np.log(np.sum(np.exp(v), axis=1)) ** 2)


@pytest.mark.parametrize("fn, shape, spread", [
    (column_log_normalizers, (3, 4), False),
    (column_log_normalizers, (2, 3, 4), False),
    (column_log_normalizers, (5,), False),
    (row_log_normalizers, (3, 4), True),
    (row_log_normalizers, (4, 4), True),
])
def test_a_sum_along_the_leading_axis_spreads_by_broadcasting(fn, shape, spread):
    # d/dv of sum(exp(v), axis) is exp(v) times the gradient put back over v: along
    # the leading axis NumPy broadcasting puts it back by itself (no expand_reduced call)
    assert "unreduce" in pullback.source(fn, optimize=False)
    assert ("expand_reduced" in pullback.source(fn)) is spread
    _both_match_fd(fn, (np.random.default_rng(12).normal(size=shape),), 0)


def matrix_vector_steps(W, V, h, x):
    for _ in range(3):
        h = np.tanh(W @ h + V @ x)
    return np.sum(h * h)


def matrix_matrix_steps(W, V, h, x):
    for _ in range(3):
        h = np.tanh(W @ h + x @ V)
    return np.sum(np.sin(h))


@pytest.mark.parametrize("fn, h_shape, x_shape", [
    (matrix_vector_steps, (4,), (3,)),
    (matrix_vector_steps, (4, 2), (3, 2)),
    (matrix_matrix_steps, (4, 4), (4, 3)),
])
def test_matrix_product_gradients_in_loops_match_finite_differences(fn, h_shape, x_shape):
    # matmul_grad_a/b compute a plain ndarray's 1-D and 2-D products by ndarray.dot
    rng = np.random.default_rng(13)
    V_shape = (4, 3) if fn is matrix_vector_steps else (3, 4)
    args = (rng.normal(size=(4, 4)) * 0.5, rng.normal(size=V_shape) * 0.5,
            rng.normal(size=h_shape), rng.normal(size=x_shape))
    _both_match_fd(fn, args, (0, 1, 2, 3))


@pytest.mark.parametrize("a_shape, b_shape", [
    ((3, 4), (4,)), ((3, 4), (4, 2)), ((4,), (4, 2)), ((2, 3, 4), (4, 2)), ((3, 4), (2, 4, 5)),
])
def test_matrix_product_helpers_equal_the_matmul_formulas(a_shape, b_shape):
    from pullback.rules.support import matmul_grad_a, matmul_grad_b
    rng = np.random.default_rng(14)
    for dtype in (np.float64, np.float32):
        a = rng.normal(size=a_shape).astype(dtype)
        b = rng.normal(size=b_shape).astype(dtype)
        g = rng.normal(size=np.shape(a @ b)).astype(dtype)
        # <g, a @ b> is linear in each factor: its gradient is the pairing's coefficient
        da, db = matmul_grad_a(g, a, b), matmul_grad_b(g, a, b)
        assert da.shape == a.shape and db.shape == b.shape and da.dtype == dtype
        e = rng.normal(size=a_shape)
        assert_close(np.sum(da * e), np.sum(g * (e @ b)), rtol=1e-4, atol=1e-4)
        e = rng.normal(size=b_shape)
        assert_close(np.sum(db * e), np.sum(g * (a @ e)), rtol=1e-4, atol=1e-4)
