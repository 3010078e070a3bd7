"""Vector reverse mode: `jacobian(mode="rev")` as one reverse sweep with a batch of seeds
(the tangents of the generated vjp along the unit seeds), checked against central
differences, in several spellings of each helper of the gradient it carries a batch
through; a helper without a batch form is said (a RuntimeWarning naming it and the
line), never run seed by seed inside the sweep; mode "auto" follows measured costs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import pullback
from pullback.api import _vector_vjp


def _fd_jacobian(f, args, wrt, h=1e-6):
    items = list(wrt) if isinstance(wrt, tuple) else [wrt]
    out_shape = np.shape(f(*args))
    blocks = []
    for i in items:
        x = np.asarray(args[i], dtype=float)
        columns = []
        for j in range(x.size):
            e = np.zeros(x.size)
            e[j] = h
            plus, minus = list(args), list(args)
            plus[i] = (x.ravel() + e).reshape(x.shape) if x.ndim else float(x + e[0])
            minus[i] = (x.ravel() - e).reshape(x.shape) if x.ndim else float(x - e[0])
            columns.append((np.asarray(f(*plus)) - np.asarray(f(*minus))) / (2 * h))
        blocks.append(np.stack(columns, axis=-1).reshape(out_shape + x.shape))
    return tuple(blocks) if isinstance(wrt, tuple) else blocks[0]


def joined(x):
    y = np.tanh(x) * x
    return np.concatenate([np.cumsum(y)[::2], y[:3] ** 2])


def joined_flat(x):
    return np.concatenate([np.sin(x), x[:2, :] * 2.0], axis=None)


def stacked(x):
    return np.stack([np.sin(x), x ** 3], axis=1)


def stacked_last(x):
    return np.stack([np.cos(x), x * x], axis=-1).sum(axis=0)


def broadcast(x, y):
    return np.exp(x[:, None] * y) + y


def reduced(x):
    return np.concatenate([np.sum(x * x, axis=0), np.mean(np.sin(x), axis=1),
                           np.sum(x, axis=1, keepdims=True).ravel()])


def reduced_all(x):
    return np.sum(np.sin(x)) * x


def matrix_vector(W, x):
    return np.tanh(W @ x)


def vector_matrix(x, W):
    return np.sin(x @ W)


def matrix_matrix(A, B):
    return (A @ B).ravel()


def dot_of_vectors(x, y):
    return np.array([x @ y, np.sum(x)])


def batched_matmul(A, B):
    return np.sum(A @ B, axis=0).ravel()


def written(x):
    out = np.zeros(4)
    out[0] = x[0] * x[1]
    out[1:3] = np.sin(x[:2])
    out[3] = out[0] + x[2]
    return out


def scattered(x):
    out = np.zeros(3)
    out[np.array([0, 2])] += x[:2] ** 2
    return out * x[3]


def of_list(values, c):
    return np.array([values[0] * values[1], np.sin(values[2]) * c])


def looped(x, n=4):
    y = x
    for _ in range(n):
        y = np.tanh(y) + 0.5 * y[::-1]
    return y


def branchy(x):
    if x[0] > 0:
        return np.sin(x) * x[1]
    return np.cos(x)


def scalar_out(x):
    return np.sum(np.sin(x) * x)


def reshaped(x):
    return np.reshape(x, (2, 3)).T.ravel() * x


def helper(y):
    return np.sin(y) * y


def calling(x, y):
    return helper(x) + helper(y * x)


CASES = [
    (joined, (np.linspace(-1.0, 1.0, 7),), 0),
    (joined_flat, (np.arange(6.0).reshape(3, 2) / 5,), 0),
    (stacked, (np.array([0.3, -0.5, 0.9]),), 0),
    (stacked_last, (np.array([[0.3, -0.5], [0.9, 0.1]]),), 0),
    (broadcast, (np.array([0.3, -0.5]), np.array([0.2, 0.4, -0.1])), (0, 1)),
    (reduced, (np.arange(6.0).reshape(2, 3) / 7 - 0.3,), 0),
    (reduced_all, (np.array([0.3, -0.5, 0.9]),), 0),
    (matrix_vector, (np.arange(6.0).reshape(2, 3) / 9, np.array([0.3, -0.5, 0.9])), (0, 1)),
    (vector_matrix, (np.array([0.3, -0.5]), np.arange(6.0).reshape(2, 3) / 9), (0, 1)),
    (matrix_matrix, (np.arange(6.0).reshape(2, 3) / 9, np.arange(6.0).reshape(3, 2) / 7),
     (0, 1)),
    (dot_of_vectors, (np.array([0.3, -0.5, 0.9]), np.array([1.5, 0.5, -1.0])), (0, 1)),
    (batched_matmul, (np.arange(12.0).reshape(2, 2, 3) / 13, np.arange(6.0).reshape(3, 2) / 5),
     (0, 1)),
    (written, (np.array([0.4, -0.8, 0.2]),), 0),
    (looped, (np.array([0.4, -0.8, 0.2]),), 0),
    (branchy, (np.array([0.4, -0.8, 0.2]),), 0),
    (branchy, (np.array([-0.4, -0.8, 0.2]),), 0),
    (scalar_out, (np.array([0.4, -0.8, 0.2]),), 0),
    (reshaped, (np.linspace(-1.0, 1.0, 6),), 0),
    (calling, (np.array([0.4, -0.8, 0.2]), np.array([1.5, 0.5, -1.0])), (0, 1)),
]


@pytest.mark.parametrize("f,args,wrt", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_one_reverse_sweep_matches_finite_differences(f, args, wrt):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback to a sweep per row
        J = pullback.jacobian(f, wrt=wrt, mode="rev")(*args)
    expected = _fd_jacobian(f, args, wrt)
    for got, want in zip(J if isinstance(wrt, tuple) else (J,),
                         expected if isinstance(wrt, tuple) else (expected,)):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


def test_list_argument():
    args = ([0.5, -1.0, 2.0], 3.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        J = pullback.jacobian(of_list, mode="rev")(*args)
    np.testing.assert_allclose(J, [[-1.0, 0.5, 0.0], [0.0, 0.0, 3.0 * np.cos(2.0)]],
                               rtol=1e-12)


def test_the_sweep_is_one_call_with_a_batch_of_seeds():
    """The generated sweep takes the k seeds at once and gives k rows (batch axis first),
    each the vjp with that seed."""
    x = np.linspace(-1.0, 1.0, 7)
    sweep = _vector_vjp(joined, 0, True)
    seeds = np.random.default_rng(0).normal(size=(4, 7))
    (out, _), (_, rows) = sweep(np.zeros(7), x, seeds)
    np.testing.assert_array_equal(out, joined(x))  # f's result, from the same sweep
    vjp = pullback.vjp(joined)
    for seed, row in zip(seeds, rows):
        np.testing.assert_allclose(row, vjp(x, seed), rtol=1e-12, atol=1e-14)


def overlapping(x):
    y = np.sin(x)
    y[2:] = y[2:] + y[:-2] ** 2  # its gradient reads the view y[:-2] after restoring y
    return y * x[0]


def test_a_view_read_after_its_restore_has_vector_reverse_mode():
    """The view y[:-2] read after y was written and restored: the generated sweep takes
    it (refused before, each row then a sweep of its own)."""
    x = np.array([0.4, -0.8, 0.2, 1.5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        J = pullback.jacobian(overlapping, mode="rev")(x)
    np.testing.assert_allclose(J, _fd_jacobian(overlapping, (x,), 0), rtol=1e-6, atol=1e-8)


def test_a_scatter_through_an_index_array_has_vector_reverse_mode():
    """out[index] += v reads out[index], a copy that owns its memory: the run-time view
    check lets it through, so the rows come from one sweep (refused before)."""
    x = np.array([0.4, -0.8, 0.2, 1.5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        J = pullback.jacobian(scattered, mode="rev")(x)
    np.testing.assert_allclose(J, _fd_jacobian(scattered, (x,), 0), rtol=1e-6, atol=1e-8)


def test_a_helper_without_a_batch_form_is_said_and_the_rows_are_still_right():
    def inverse(A):
        return np.linalg.inv(A).ravel()

    A = np.array([[2.0, 0.5], [0.3, 1.5]])
    with pytest.raises(pullback.NoRuleError, match="inv_grad") as refused:
        _vector_vjp(inverse, 0, True)
    assert "line" in str(refused.value)
    with pytest.warns(RuntimeWarning, match="one vjp sweep per output entry"):
        J = pullback.jacobian(inverse, mode="rev")(A)
    np.testing.assert_allclose(J, _fd_jacobian(inverse, (A,), 0), rtol=1e-6, atol=1e-8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # auto takes forward mode, without a word
        J = pullback.jacobian(inverse)(A)
    np.testing.assert_allclose(J, _fd_jacobian(inverse, (A,), 0), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f,args,wrt", CASES[:6], ids=lambda v: getattr(v, "__name__", ""))
def test_auto_measures_and_keeps_its_choice(f, args, wrt):
    """The first calls take forward and reverse mode in turn (TRIALS each), and the later
    calls the one of them that was faster."""
    from pullback.api import TRIALS

    jacobian = pullback.jacobian(f, wrt=wrt)
    single = not isinstance(wrt, tuple)
    results = [(v,) if single else v for v in (jacobian(*args) for _ in range(2 * TRIALS + 2))]
    expected = (_fd_jacobian(f, args, wrt),) if single else _fd_jacobian(f, args, wrt)
    for blocks in results:
        for got, want in zip(blocks, expected):
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)
    kept, again = results[-2:]
    assert all(np.array_equal(x, y) for x, y in zip(kept, again))  # the choice kept
    assert any(all(np.array_equal(x, y) for x, y in zip(kept, results[k])) for k in (0, 1))


def test_hessian_through_the_batch_forms_matches_differences_of_the_gradient():
    """hessian is vector forward mode over the gradient: it runs the same batch forms."""
    def energy(W, x):
        h = np.tanh(W @ x)
        return np.sum(np.concatenate([np.cumsum(h), h[:1] ** 2])) + np.mean(W * W)

    W, x = np.arange(6.0).reshape(2, 3) / 9 - 0.2, np.array([0.3, -0.5, 0.9])
    H = pullback.hessian(energy, wrt=1)(W, x)
    gradient = pullback.grad(energy, wrt=1)
    expected = _fd_jacobian(lambda x: gradient(W, x), (x,), 0)
    np.testing.assert_allclose(H, expected, rtol=1e-5, atol=1e-7)


def test_the_vector_reverse_code_prints():
    text = pullback.source(matrix_vector, wrt=(0, 1), mode="vjp_batch")
    assert "matmul_grad_a_batch(" in text and "matmul_grad_b_batch(" in text
    assert "each_tangent" not in text  # nothing run seed by seed
    compile(text, "<vjp_batch>", "exec")


def test_f_runs_once_per_call_in_every_mode(capsys):
    """jacobian runs f's statements once per call (its prints, its draws), whichever mode;
    reverse mode alone calls f once more the first time it meets given shapes, for its
    result's shape, and again when that shape changes for arguments of the same shapes."""
    def logged(x, n):
        print("f runs")
        return np.sin(x)[:n] * x[0]

    x = np.linspace(-1.0, 1.0, 6)
    expected = {n: _fd_jacobian(lambda x, n=n: logged(x, n), (x,), 0) for n in (2, 3, 4)}
    capsys.readouterr()
    for mode, first in (("fwd", 1), ("auto", 1), ("rev", 2)):
        jacobian = pullback.jacobian(logged, mode=mode)
        for call in range(4):
            J = jacobian(x, 3)
            runs = capsys.readouterr().out.count("f runs")
            assert runs == (first if call == 0 else 1), (mode, call, runs)
            np.testing.assert_allclose(J, expected[3], rtol=1e-6, atol=1e-8)
    jacobian = pullback.jacobian(logged, mode="rev")
    for n in (3, 4, 2, 2):  # the result's shape changes for arguments of the same shapes
        J = jacobian(x, n)
        assert J.shape == (n, 6)
        np.testing.assert_allclose(J, expected[n], rtol=1e-6, atol=1e-8)


def test_a_result_turning_complex_is_refused_by_reverse_mode_too():
    def rooted(x, p):
        return np.array([float(x[0]) ** p, x[1]])  # complex where x[0] < 0 and p is not whole

    jacobian = pullback.jacobian(rooted, mode="rev")
    np.testing.assert_allclose(jacobian(np.array([2.0, 1.0]), 0.5),
                               [[0.5 / np.sqrt(2.0), 0.0], [0.0, 1.0]], rtol=1e-12)
    with pytest.raises(pullback.PullbackError, match="real inputs and outputs"):
        jacobian(np.array([-2.0, 1.0]), 0.5)
