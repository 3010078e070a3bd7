"""Gradients over Dask arrays: one lazy graph, computed on a dask.distributed cluster.

With Dask arrays among the inputs, the generated gradient builds its forward and adjoint
sweeps into the Dask graph and computes nothing: every gradient call below runs under a
scheduler that raises if anything is computed (`nothing_computed`), and its result must
be a Dask collection. The values are then computed (on a 2-worker LocalCluster for the
models) and compared with pullback's gradient of the same NumPy data, and with finite
differences. Constructs that cannot stay lazy are refused with the line that wrote them.
"""

from __future__ import annotations

import contextlib
import sys

import numpy as np
import pytest

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("dask.distributed")

from corpus import CASES, sample_points  # noqa: E402
from corpus3 import CASES as MORE_CASES  # noqa: E402
from fd import numeric_grad  # noqa: E402

import pullback  # noqa: E402


class Computed(AssertionError):
    pass


def _refuse(dsk, keys, **kwargs):
    raise Computed("the gradient computed a Dask array while it was being built")


@contextlib.contextmanager
def nothing_computed():
    """Any compute (a .compute(), np.asarray, bool() of a Dask array) fails the test."""
    with dask.config.set(scheduler=_refuse):
        yield


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        yield client


# --------------------------------------------------------------------- the models


def logistic_loss(w, b, X, y):
    z = X @ w + b
    return np.mean(np.logaddexp(0.0, z) - y * z) + 0.01 * np.sum(w * w)


def mlp_loss(W1, b1, W2, b2, X, Y):
    H = np.tanh(X @ W1 + b1)
    logits = H @ W2 + b2
    top = np.max(logits, axis=1, keepdims=True)
    logz = top + np.log(np.sum(np.exp(logits - top), axis=1, keepdims=True))
    return -np.sum(Y * (logits - logz)) / X.shape[0]


def least_squares(w, X, y):
    r = X @ w - y
    return r @ r / len(y)


def _data(n=600, d=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X @ rng.normal(size=d) + 0.3 * rng.normal(size=n) > 0).astype(float)
    return X, y


def _chunked(a, rows=150):
    return da.from_array(a, chunks=(rows,) + a.shape[1:])


def test_logistic_regression_gradient_on_a_local_cluster(client):
    X, y = _data()
    w, b = np.linspace(-0.5, 0.5, X.shape[1]), 0.1
    expected = pullback.grad(logistic_loss, wrt=(0, 1))(w, b, X, y)
    with nothing_computed():
        dw, db = pullback.grad(logistic_loss, wrt=(0, 1))(w, b, _chunked(X), _chunked(y))
    assert dask.is_dask_collection(dw) and dask.is_dask_collection(db)
    assert dw.shape == w.shape and db.shape == ()
    dw, db = dask.compute(dw, db)  # on the cluster: the default scheduler is the client
    np.testing.assert_allclose(dw, expected[0], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(db, expected[1], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dw, numeric_grad(logistic_loss, (w, b, X, y), 0), rtol=1e-6)


def test_mlp_value_and_gradient_in_one_pass_over_the_data(client):
    rng = np.random.default_rng(1)
    n, d, k, c = 480, 6, 8, 3
    X = rng.normal(size=(n, d))
    Y = np.eye(c)[rng.integers(0, c, size=n)]
    params = (rng.normal(size=(d, k)) / 3, np.zeros(k), rng.normal(size=(k, c)) / 3,
              np.zeros(c))
    wrt = (0, 1, 2, 3)
    value, grads = pullback.value_and_grad(mlp_loss, wrt=wrt)(*params, X, Y)
    with nothing_computed():
        lazy_value, lazy_grads = pullback.value_and_grad(mlp_loss, wrt=wrt)(
            *params, _chunked(X, 120), _chunked(Y, 120))
    assert all(dask.is_dask_collection(v) for v in (lazy_value, *lazy_grads))
    got_value, *got = dask.compute(lazy_value, *lazy_grads)
    assert np.isclose(got_value, value, rtol=1e-12)
    for g, e, p in zip(got, grads, params):
        assert g.shape == p.shape
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(got[2], numeric_grad(mlp_loss, (*params, X, Y), 2), rtol=1e-6)


def test_gradient_with_respect_to_dask_parameters_and_data():
    X, y = _data(200, 4)
    w = np.array([0.3, -0.2, 0.1, 0.4])
    expected = pullback.grad(least_squares, wrt=(0, 1))(w, X, y)
    with nothing_computed():
        dw, dX = pullback.grad(least_squares, wrt=(0, 1))(da.from_array(w), _chunked(X, 50),
                                                          _chunked(y, 50))
    assert isinstance(dw, da.Array) and isinstance(dX, da.Array)
    assert dX.chunks == _chunked(X, 50).chunks  # the gradient follows the data's chunks
    got = dask.compute(dw, dX, scheduler="sync")
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-14)


def rows_of_parameters(W, X):
    first = X @ W[0]
    rest = X @ W[1:, :].T
    return np.sum(first * first) + np.sum(np.tanh(rest))


def test_indexed_numpy_parameter_gets_a_lazy_gradient():
    X, _ = _data(80, 3)
    W = np.arange(9.0).reshape(3, 3) / 10
    with nothing_computed():
        dW = pullback.grad(rows_of_parameters)(W, _chunked(X, 20))
    assert isinstance(dW, da.Array) and dW.shape == W.shape
    np.testing.assert_allclose(dW.compute(scheduler="sync"),
                               pullback.grad(rows_of_parameters)(W, X), rtol=1e-12)


def test_float_parameter_gets_a_lazy_zero_dimensional_gradient():
    X, y = _data(100, 3)

    def intercept_loss(b, X, y):
        return np.sum((X[:, 0] + b - y) ** 2)

    with nothing_computed():
        db = pullback.grad(intercept_loss)(0.25, _chunked(X, 25), _chunked(y, 25))
    assert isinstance(db, da.Array) and db.shape == ()
    assert np.isclose(db.compute(scheduler="sync"), pullback.grad(intercept_loss)(0.25, X, y))


def test_float32_data_keeps_its_dtype():
    X, y = _data(100, 3)
    X32, w32 = X.astype(np.float32), np.ones(3, dtype=np.float32)
    with nothing_computed():
        dX = pullback.grad(least_squares, wrt=1)(w32, _chunked(X32, 25), _chunked(y, 25))
    expected = pullback.grad(least_squares, wrt=1)(w32, X32, y)
    assert isinstance(dX, da.Array) and dX.dtype == expected.dtype == np.float32
    np.testing.assert_allclose(dX.compute(scheduler="sync"), expected, rtol=1e-6)
    with nothing_computed():
        dX = pullback.grad(lambda_free_sum, wrt=0)(_chunked(X32, 25))
    assert dX.dtype == np.float32
    np.testing.assert_allclose(dX.compute(scheduler="sync"), 2 * X32, rtol=1e-6)


def lambda_free_sum(X):
    return np.sum(X * X)


# ------------------------------------------------------------ the corpus, lazily

# Corpus programs whose operations Dask implements, with every float array argument
# made a chunked Dask array: the gradient is built without computing anything, and
# equals the NumPy gradient. (Programs that index with integer arrays, write into
# arrays, loop over array elements in Python, or use linear algebra Dask lacks are
# left out; the limits are tested below.)
LAZY_CASES = [
    "gaussian_nll", "sum_of_squares", "numpy_max_min_pair", "clip_by_max_min", "select_where",
    "logaddexp_pairs", "quadratic_form", "matmul_tanh", "trace_of_product", "matrix_power_loop",
    "sum_keepdims_negative_axis", "max_keepdims_normalize", "logsumexp_stable",
    "softmax_cross_entropy", "attention_head", "layer_norm", "cosine_similarity",
    "logistic_loss", "mlp_two_layer", "pairwise_sq_dist", "broadcast_newaxis_gauss",
    "none_and_newaxis_index", "rows_loop", "slice_reads", "tuple_index_2d", "rnn_rebinding",
    "calls_recursion_over_array", "closure_rnn_fold", "fnarg_stacked_layers", "method_reshape",
    "method_prod_axis", "method_cumsum_then_max", "list_np_stack_arrays",
    "list_comprehension_stack", "np_var_std", "np_triu_tril", "np_tensordot",
    "np_swap_move_expand", "np_broadcast_flip_roll", "np_einsum_variants", "np_norms",
    "sp_expit_logit", "hmm_forward_vectorized", "viterbi_soft", "crf_nll", "batch_norm_layer",
    "vae_elbo_terms", "matrix_factorization_loss", "kmeans_soft_assign",
    "np_average_active_weights", "np_where_scalar_broadcast", "np_power_negative_and_arrays",
]
BY_NAME = {case.name: case for case in CASES + MORE_CASES}


def _dask_args(args):
    return tuple(
        da.from_array(a, chunks=tuple(max(1, (n + 1) // 2) for n in a.shape))
        if isinstance(a, np.ndarray) and a.dtype.kind == "f" and a.ndim and a.size > 1
        else a for a in args)


@pytest.mark.parametrize("name", [n for n in LAZY_CASES if n in BY_NAME])
def test_corpus_program_stays_lazy_and_matches_numpy(name):
    case = BY_NAME[name]
    args = sample_points(case, 1)[0]
    expected = pullback.grad(case.fn, wrt=case.wrt)(*args, **case.kw)
    with nothing_computed():
        got = pullback.grad(case.fn, wrt=case.wrt)(*_dask_args(args), **case.kw)
    got = got if isinstance(case.wrt, tuple) else (got,)
    expected = expected if isinstance(case.wrt, tuple) else (expected,)
    assert any(dask.is_dask_collection(g) for g in got)
    for g, e in zip(dask.compute(*got, scheduler="sync"), expected):
        np.testing.assert_allclose(np.asarray(g), np.asarray(e), rtol=1e-9, atol=1e-12)


def test_the_lazy_corpus_list_names_corpus_programs():
    assert [n for n in LAZY_CASES if n not in BY_NAME] == []


# ----------------------------------------------------------------------- limits


def write_into_copy(w, X):
    Z = (X * w).copy()
    Z[0] = 0.0
    return np.sum(Z)


def fancy_rows(w, X):
    rows = X[np.array([0, 2, 2])]
    return np.sum(rows @ w)


def fancy_rows_list(w, X):
    picked = X[[1, 1, 3], :]
    return np.sum(np.sin(picked @ w))


def test_in_place_write_into_a_dask_array_is_refused_with_its_line():
    X = _chunked(np.arange(12.0).reshape(4, 3), 2)
    with nothing_computed(), pytest.raises(pullback.PullbackError) as info:
        pullback.grad(write_into_copy)(np.ones(3), X)
    message = str(info.value)
    assert "in-place write" in message and "dask" in message and "np.where" in message
    assert f'{__file__}", line {write_into_copy.__code__.co_firstlineno + 2}' in message
    assert "Z[0] = 0.0" in message


@pytest.mark.parametrize("f", [fancy_rows, fancy_rows_list], ids=lambda f: f.__name__)
def test_fancy_index_scatter_is_refused_with_its_line(f):
    X = _chunked(np.arange(12.0).reshape(4, 3), 2)
    with nothing_computed(), pytest.raises(pullback.PullbackError) as info:
        pullback.grad(f, wrt=1)(np.ones(3), X)
    message = str(info.value)
    assert "scatter-add" in message and "dask" in message
    assert f'line {f.__code__.co_firstlineno + 1}' in message
    # with respect to w only, X's gradient is never formed: that works, lazily
    with nothing_computed():
        dw = pullback.grad(f, wrt=0)(np.ones(3), X)
    np.testing.assert_allclose(dw.compute(scheduler="sync"),
                               pullback.grad(f, wrt=0)(np.ones(3), X.compute()))


def cumulative_products(x):
    return np.sum(np.cumprod(x) * x)


def joined_pieces(x, y):
    return np.sum(np.concatenate([x, y * y]) ** 3) + np.sum(np.vstack([x, y]) * 2.0)


def test_a_rule_that_needs_values_computes_them_with_a_warning_naming_the_line():
    x = np.array([1.0, 0.0, 2.0, 3.0])
    with nothing_computed(), pytest.raises(Computed):  # not silently lazy: it computes
        pullback.grad(cumulative_products)(da.from_array(x, chunks=2))
    with pytest.warns(RuntimeWarning, match="np.cumprod needs the values of a Dask array") \
            as caught:
        got = pullback.grad(cumulative_products)(da.from_array(x, chunks=2))
    line = cumulative_products.__code__.co_firstlineno + 1
    assert any(f'line {line}' in str(w.message) for w in caught)
    np.testing.assert_allclose(got.compute(scheduler="sync"),
                               pullback.grad(cumulative_products)(x))


def test_concatenate_and_vstack_gradients_are_cut_lazily():
    x, y = np.arange(1.0, 5.0), np.linspace(-1.0, 1.0, 4)
    expected = pullback.grad(joined_pieces, wrt=(0, 1))(x, y)
    with nothing_computed():
        got = pullback.grad(joined_pieces, wrt=(0, 1))(da.from_array(x, chunks=2),
                                                       da.from_array(y, chunks=3))
    for g, e in zip(dask.compute(*got, scheduler="sync"), expected):
        np.testing.assert_allclose(g, e, rtol=1e-12)


def clipped_loss(w, X):
    total = np.sum(X @ w)
    if total > 0:  # a Python decision on a lazy value: Dask computes it, as f's own if does
        return total * total
    return -total


def test_a_python_if_on_a_lazy_value_is_computed_by_dask_with_a_warning():
    X = _chunked(np.arange(12.0).reshape(4, 3), 2)
    line = f'line {clipped_loss.__code__.co_firstlineno + 2}'
    for w in (np.ones(3), -np.ones(3)):
        with pytest.raises(Computed):
            with nothing_computed():
                pullback.grad(clipped_loss)(w, X)
        with pytest.warns(RuntimeWarning, match="decision .* on a Dask value") as caught:
            got = pullback.grad(clipped_loss)(w, X)
        assert any(line in str(m.message) and "if total > 0:" in str(m.message)
                   for m in caught)
        assert dask.is_dask_collection(got)
        np.testing.assert_allclose(got.compute(scheduler="sync"),
                                   pullback.grad(clipped_loss)(w, X.compute()))


def test_numpy_inputs_still_give_numpy_gradients():
    X, y = _data(50, 3)
    g = pullback.grad(least_squares, wrt=(0, 1))(np.ones(3), X, y)
    assert all(type(x) is np.ndarray for x in g)
    assert "dask" in sys.modules  # imported here, and still not used for NumPy inputs


def test_training_example_script_runs(tmp_path):
    import os
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    result = subprocess.run(
        [sys.executable, str(root / "examples" / "dask_training.py"), "--rows", "8000",
         "--chunk-rows", "2000", "--steps", "4"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    losses = [float(line.split()[3]) for line in result.stdout.splitlines()
              if line.startswith("step")]
    assert len(losses) == 2 and losses[1] < losses[0]
    assert "training accuracy" in result.stdout


def log_weighted(x):
    return np.sum(np.log(x) * x) + np.sum(np.sqrt(x) / x)


def test_templates_that_read_operands_as_arrays_still_compile_with_numba():
    # the rules' templates call as_array (np.asarray, keeping Dask arrays lazy) where an
    # operand may be a list; the Numba backend compiles it as np.asarray
    pytest.importorskip("numba")
    import warnings

    x = np.array([0.5, 1.5, 2.5])
    assert "as_array(x)" in pullback.source(log_weighted)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback to the NumPy backend
        got = pullback.grad(log_weighted, backend="numba")(x)
    np.testing.assert_allclose(got, np.log(x) + 1 - 0.5 * x ** -1.5, rtol=1e-12)
