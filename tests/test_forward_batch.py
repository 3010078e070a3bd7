"""Vector forward mode (`jvp(f, batched=True)`): a batch of k tangents in one sweep, each
with a leading batch axis; and the Jacobians and Hessians built on it.

Each batched tangent b is checked against central finite differences along direction b
(the FD-checked corpus, the rule table walk, the forward-mode spellings), and the
Jacobians and Hessians against differences of f and of its gradient.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import test_forward as scalar
import test_rules
from fd import assert_unchanged, resolve, snapshot

import pullback

K = 3  # directions per batch


def _stacked(directions):
    """k directions of one structure -> one batch (batch axis first on each leaf)."""
    first = directions[0]
    if isinstance(first, dict):
        return {key: _stacked([d[key] for d in directions]) for key in first}
    if isinstance(first, (list, tuple)):
        return type(first)(_stacked([d[i] for d in directions]) for i in range(len(first)))
    return np.stack([np.asarray(d) for d in directions])


def _part(batch, b):
    """The b-th tangent of a batch (of the result's structure)."""
    if isinstance(batch, dict):
        return {key: _part(v, b) for key, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(_part(v, b) for v in batch)
    assert np.ndim(batch) >= 1, "a batch of tangents has a leading batch axis"
    return batch[b]


def _batches(xs, rng):
    """K random directions for each of xs, and their batches."""
    directions = [[scalar._direction(x, rng) for x in xs] for _ in range(K)]
    batches = [_stacked([d[i] for d in directions]) for i in range(len(xs))]
    return directions, batches


# -------------------------------------------------------- the FD-checked corpus


@pytest.mark.parametrize("module,case", scalar._cases())
def test_batched_jvp_matches_finite_differences_along_each_direction(module, case):
    wrt = case.wrt
    items = list(wrt) if isinstance(wrt, tuple) else [wrt]
    kwargs = case.kw
    if case.name in scalar.REFUSED:
        pytest.skip("forward mode refuses it")
    rng = np.random.default_rng(11)
    f_jvp = pullback.jvp(case.fn, wrt=wrt, batched=True)
    args = module.sample_points(case)[0]
    wheres = [resolve(case.fn, args, kwargs, item) for item in items]
    xs = [args[key] if kind == "pos" else kwargs[key] for kind, key in wheres]
    directions, batches = _batches(xs, rng)
    before = snapshot(args, kwargs)
    value, tangents = f_jvp(*args, tuple(batches) if isinstance(wrt, tuple) else batches[0],
                            **kwargs)
    assert_unchanged(before, args, kwargs, "batched jvp")
    expected = case.fn(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    np.testing.assert_allclose(scalar._flat(value), scalar._flat(expected), rtol=1e-12,
                               atol=1e-12, err_msg="the batched jvp's value is f's value")
    for b in range(K):
        tangent = _part(tangents, b)
        if not isinstance(expected, (list, tuple, dict)):
            assert np.shape(tangent) == np.shape(expected), "each tangent has f's shape"
        numeric = scalar._fd_along(case.fn, args, kwargs, wheres, directions[b])
        np.testing.assert_allclose(scalar._flat(tangent), numeric, rtol=max(case.rtol, 1e-5),
                                   atol=max(case.atol, 1e-6) * 10,
                                   err_msg=f"tangent {b} of {case.name} vs finite differences")


@pytest.mark.parametrize("f,args,wrt", scalar.SPELLINGS,
                         ids=lambda v: getattr(v, "__name__", ""))
def test_batched_spellings_against_finite_differences(f, args, wrt):
    rng = np.random.default_rng(5)
    items = list(wrt) if isinstance(wrt, tuple) else [wrt]
    wheres = [("pos", i) for i in items]
    directions, batches = _batches([args[i] for i in items], rng)
    value, tangents = pullback.jvp(f, wrt=wrt, batched=True)(
        *copy.deepcopy(args), tuple(batches) if isinstance(wrt, tuple) else batches[0])
    np.testing.assert_allclose(scalar._flat(value), scalar._flat(f(*copy.deepcopy(args))),
                               rtol=1e-13)
    for b in range(K):
        np.testing.assert_allclose(scalar._flat(_part(tangents, b)),
                                   scalar._fd_along(f, args, {}, wheres, directions[b]),
                                   rtol=1e-6, atol=1e-8)


# ------------------------------------------- every rule, against reverse mode

@pytest.mark.parametrize("index", range(len(scalar.TABLE_WALK)),
                         ids=[f"{getattr(c[0], '__name__', c[0])}:{c[1]}"
                              for c in scalar.TABLE_WALK])
def test_batched_rule_tangents_match_reverse_mode(index, tmp_path):
    _, expr, shapes, seed = scalar.TABLE_WALK[index]
    f = test_rules._build(expr, len(shapes), tmp_path, f"batched_{index}")
    args = test_rules._args(shapes, seed)
    wrt = tuple(range(len(shapes)))
    rng = np.random.default_rng(2)
    batches = tuple(rng.normal(size=(K,) + np.shape(a)) for a in args)
    try:
        g = pullback.grad(f, wrt=wrt)(*args)
    except pullback.PullbackError:
        pytest.skip("reverse mode refuses this sample")
    try:
        _, t = pullback.jvp(f, wrt=wrt, batched=True)(*args, batches)
    except pullback.NoRuleError as exc:  # only where one-tangent forward mode refuses too
        assert "forward-mode rule" in str(exc) or "no derivative rule" in str(exc)
        with pytest.raises(pullback.NoRuleError):
            pullback.jvp(f, wrt=wrt)(*args, tuple(b[0] for b in batches))
        return
    assert np.shape(t) == (K,), expr
    for b in range(K):
        want = sum(np.sum(np.real(np.conj(gi) * ti[b])) if np.iscomplexobj(gi)
                   else np.sum(gi * ti[b]) for gi, ti in zip(g, batches))
        np.testing.assert_allclose(t[b], want, rtol=1e-6, atol=1e-8, err_msg=expr)


# ------------------------------------------------ where the batch axis goes


def _reduce_axes(X):
    return np.sum(X, axis=0) * np.mean(X, axis=-1, keepdims=True) + np.sum(X) * X


def _matmuls(A, x):
    return A @ x, x @ A.T, (A @ A.T) @ A, np.matmul(x, A.T @ A)


def _shapes(X):
    Y = X.T.reshape(-1)
    Z = np.transpose(X)[1:, :] * 2.0
    return np.concatenate([Y, Z.ravel(), np.cumsum(X, axis=1).ravel()])


def _indexing(X):
    key = (1, 2)
    rows = [0, 2]
    return X[key] * X[rows] + X[..., 0][:2, None] * X[1] + X[X > 0.0].sum()


def _scalar_into_array(x, s):
    out = np.zeros((3, 2))
    out[1:, :] = s  # a number broadcast into a block
    out[0] = x * s
    return out * x[0]


def _lists(x, s):
    values = [s, x[0], s * x[1]]
    values.append(np.sin(s))
    total = sum(values)
    return np.array(values) * total


def _helper(u, w):
    return np.tanh(u) * w


def _loop_and_call(x, w):
    y = x
    for k in range(3):
        if k % 2:
            y = _helper(y, w)
        else:
            y = y * w + np.sum(y)
    return y


BATCH_AXIS = [
    (_reduce_axes, (np.array([[0.3, -1.2, 0.5], [0.9, 0.4, -0.7]]),), 0),
    (_matmuls, (np.array([[0.3, -1.2, 0.5], [0.9, 0.4, -0.7], [0.2, 0.1, 1.1]]),
                np.array([0.5, -0.3, 0.8])), (0, 1)),
    (_shapes, (np.array([[0.3, -1.2, 0.5], [0.9, 0.4, -0.7]]),), 0),
    (_indexing, (np.array([[0.3, -1.2, 0.5], [0.9, 0.4, -0.7], [0.2, 0.1, 1.1]]),), 0),
    (_scalar_into_array, (np.array([0.7, -0.4]), 1.3), (0, 1)),
    (_lists, (np.array([0.7, -0.4]), 1.3), (0, 1)),
    (_loop_and_call, (np.array([0.7, -0.4, 0.2]), np.array([1.1, 0.5, -0.9])), (0, 1)),
]


@pytest.mark.parametrize("f,args,wrt", BATCH_AXIS, ids=lambda v: getattr(v, "__name__", ""))
@pytest.mark.parametrize("optimize", [True, False])
def test_the_batch_axis_goes_first_through_each_kind_of_operation(f, args, wrt, optimize):
    rng = np.random.default_rng(9)
    items = list(wrt) if isinstance(wrt, tuple) else [wrt]
    wheres = [("pos", i) for i in items]
    directions, batches = _batches([args[i] for i in items], rng)
    _, tangents = pullback.jvp(f, wrt=wrt, optimize=optimize, batched=True)(
        *args, tuple(batches) if isinstance(wrt, tuple) else batches[0])
    for b in range(K):
        np.testing.assert_allclose(scalar._flat(_part(tangents, b)),
                                   scalar._fd_along(f, args, {}, wheres, directions[b]),
                                   rtol=1e-6, atol=1e-8)


def test_a_batch_of_one_and_a_batch_wider_than_the_input():
    x = np.array([0.3, -0.2])
    for k in (1, 5):
        seeds = np.random.default_rng(k).normal(size=(k, 2))
        _, t = pullback.jvp(_reduce_axes_1d, batched=True)(x, seeds)
        assert t.shape == (k, 2)
        for b in range(k):
            np.testing.assert_allclose(t[b], pullback.jvp(_reduce_axes_1d)(x, seeds[b])[1],
                                       rtol=1e-12)


def _reduce_axes_1d(x):
    return np.sum(x) * x


def test_tangents_without_the_batch_axis_are_refused():
    with pytest.raises(pullback.PullbackError, match=r"shape \(k,\) \+ its shape"):
        pullback.jvp(_reduce_axes_1d, batched=True)(np.ones(3), np.ones(3))
    with pytest.raises(pullback.PullbackError, match="different batch sizes"):
        pullback.jvp(_lists, wrt=(0, 1), batched=True)(np.ones(2), 1.0,
                                                        (np.ones((2, 2)), np.ones(3)))


def test_vector_mode_code_shows_the_batch():
    code = pullback.source(_reduce_axes, mode="jvp_batch")
    assert "batch = batch_size(" in code
    assert "axis=batch_axis(" in code  # the reductions' axes move past the batch axis


# ------------------------------------------------------- Jacobians and Hessians


def _fd_jacobian(f, args, wrt, h=1e-6):
    items = list(wrt) if isinstance(wrt, tuple) else [wrt]
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
        out_shape = np.shape(f(*args))
        stacked = np.stack(columns, axis=-1).reshape(out_shape + x.shape)
        blocks.append(stacked)
    return blocks[0] if not isinstance(wrt, tuple) else tuple(blocks)


def _straight(x, y):
    return np.array([x[0] * y, np.sin(x[1]) + x[0] ** 2, y ** 3 * x[1]])


def _branchy(x):
    if x[0] > 0:
        return np.exp(x) * x[1]
    return x * x


def _looped(x, n=4):
    y = x
    for _ in range(n):
        y = np.tanh(y) + 0.5 * y[::-1]
    return y


def _written(x):
    out = np.zeros(4)
    out[0] = x[0] * x[1]
    out[1:3] = np.sin(x[:2])
    out[3] = out[0] + x[2]
    return out


def _calling(x, w):
    return _helper(x, w) * np.sum(x)


def _of_a_list(xs, s):
    return np.array([xs[0] * s, xs[1] ** 2 + s, np.sin(xs[0] * xs[1])])


JACOBIANS = [
    (_of_a_list, ([0.3, -0.8], 1.5), (0, 1)),
    (_straight, (np.array([0.4, -0.8]), 1.3), (0, 1)),
    (_branchy, (np.array([0.4, -0.8, 0.2]),), 0),
    (_branchy, (np.array([-0.4, -0.8, 0.2]),), 0),
    (_looped, (np.array([0.4, -0.8, 0.2]),), 0),
    (_written, (np.array([0.4, -0.8, 0.2]),), 0),
    (_calling, (np.array([0.4, -0.8, 0.2]), np.array([1.5, 0.5, -1.0])), (0, 1)),
    (scalar.matrix, scalar.SPELLINGS[[s[0] for s in scalar.SPELLINGS].index(scalar.matrix)][1],
     (0, 1)),
]


@pytest.mark.parametrize("f,args,wrt", JACOBIANS, ids=lambda v: getattr(v, "__name__", ""))
@pytest.mark.parametrize("mode", ["fwd", "rev", "auto"])
def test_jacobian_matches_finite_differences(f, args, wrt, mode):
    J = pullback.jacobian(f, wrt=wrt, mode=mode)(*args)
    expected = _fd_jacobian(f, [np.asarray(a) if isinstance(a, list) else a for a in args],
                            wrt)
    for got, want in zip(J if isinstance(wrt, tuple) else (J,),
                         expected if isinstance(wrt, tuple) else (expected,)):
        assert np.shape(got) == np.shape(want)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def _quartic(x, A):
    y = A @ x
    total = 0.0
    for i in range(len(x)):
        total = total + y[i] ** 4 + np.sin(y[i]) * x[i]
    if total > 0:
        total = total * np.sum(x)
    return total + _helper(x, x)[0]


def test_hessian_by_vector_mode_matches_differences_of_the_gradient():
    A = np.array([[1.0, 0.5, -0.3], [0.2, -1.0, 0.7], [0.4, 0.1, 0.9]])
    x = np.array([0.6, -0.2, 0.5])
    H = pullback.hessian(_quartic)(x, A)
    gradient = pullback.grad(_quartic)
    h = 1e-6
    columns = [(gradient(x + h * e, A) - gradient(x - h * e, A)) / (2 * h) for e in np.eye(3)]
    np.testing.assert_allclose(H, np.stack(columns, axis=1), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(H, H.T, rtol=1e-10, atol=1e-12)
    assert "batch_size(" in pullback.source(_quartic, mode="hessian")
