"""The issue-3 corpus (tests/corpus3.py) against central finite differences.

For every case, at three seeded points: ``pullback.grad`` agrees with finite
differences, ``value_and_grad`` returns ``f``'s value and the same gradient, the
inputs are left unchanged, and the gradient has the argument's structure (a
float for a float, a same-shape float array for an array, a dict with the same
keys for a dict, a list for a list, a tuple for a tuple). ``vjp`` with a scalar
seed is the scaled gradient. Constructs pullback does not support yet
(``corpus3.REFUSED``) must raise a clear ``PullbackError``.
"""

from __future__ import annotations

import copy

import corpus3
import numpy as np
import pytest
from corpus3 import CASES, REFUSED, sample_points
from fd import assert_unchanged, resolve, snapshot

import pullback

# Cases where pullback gives a wrong number or crashes inside generated code
# (reported with minimal reproducers). strict: when the engine is fixed the
# xfail turns into a failure, so the mark gets removed.
BUGS: dict[str, str] = {}
# Of those, the ones that crash: vjp fails on them too (the others are consistently wrong).
CRASHES: set[str] = set()
# Cases that once gave wrong numbers or crashed and are now refused with a clear error:
# (pullback error class, message fragment, raised when grad is called or when it runs).
NOW_REFUSED = {
    "closure_lambda_rebound": ("UnsupportedSyntaxError", "defined more than once"),
    "closure_def_in_branch": ("UnsupportedSyntaxError", "defined more than once"),
    "rnn_inplace_state_appended": ("PullbackError", "augmented assignment"),
}


def _params(cases, bugs):
    out = []
    for case in cases:
        marks = []
        if case.name in NOW_REFUSED:
            continue
        if case.name in bugs:
            marks.append(pytest.mark.xfail(strict=True, reason=f"BUG: {bugs[case.name]}"))
        if case.scipy and not corpus3.HAVE_SCIPY:
            marks.append(pytest.mark.skip(reason="scipy is not installed"))
        out.append(pytest.param(case, id=case.name, marks=marks))
    return out


# ---------------------------------------------------------- finite differences


def _get(args, kwargs, where):
    kind, key = where
    return args[key] if kind == "pos" else kwargs[key]


def _leaves(value, path=()):
    """(path, leaf) for every float / float-array leaf of a nested dict/list/tuple."""
    if isinstance(value, dict):
        for k in value:
            yield from _leaves(value[k], path + (k,))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _leaves(v, path + (i,))
    else:
        yield path, value


def _replace(value, path, new):
    """A copy of the nested `value` with the leaf at `path` replaced by `new`."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        out = dict(value)
        out[head] = _replace(value[head], rest, new)
        return out
    items = list(value)
    items[head] = _replace(value[head], rest, new)
    return type(value)(items) if isinstance(value, tuple) else items


def _zeros_like_tree(value):
    if isinstance(value, dict):
        return {k: _zeros_like_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_zeros_like_tree(v) for v in value)
    if isinstance(value, np.ndarray):
        return np.zeros(value.shape)
    return 0.0


def _scalar(value):
    arr = np.asarray(value)
    assert arr.shape == (), f"function output must be a scalar, got shape {arr.shape}"
    return float(arr)


def _fd_argument(f, args, kwargs, where, eps=1e-6):
    """Central differences of f w.r.t. every leaf of the argument at `where`."""
    arg = _get(args, kwargs, where)

    def at(new_arg):
        a = [copy.deepcopy(v) for v in args]
        k = {n: copy.deepcopy(v) for n, v in kwargs.items()}
        kind, key = where
        if kind == "pos":
            a[key] = new_arg
        else:
            k[key] = new_arg
        return _scalar(f(*a, **k))

    grad = _zeros_like_tree(arg)
    for path, leaf in _leaves(arg):
        if isinstance(leaf, np.ndarray):
            g = np.zeros(leaf.shape)
            for idx in np.ndindex(leaf.shape):
                x = float(leaf[idx])
                h = eps * max(1.0, abs(x))
                h = (x + h) - x
                up, down = leaf.copy(), leaf.copy()
                up[idx] = x + h
                down[idx] = x - h
                g[idx] = (at(_replace(arg, path, up)) - at(_replace(arg, path, down))) / (2 * h)
        else:
            x = float(leaf)
            h = eps * max(1.0, abs(x))
            h = (x + h) - x
            g = (at(_replace(arg, path, x + h)) - at(_replace(arg, path, x - h))) / (2 * h)
        grad = _replace(grad, path, g)
    return grad


# ------------------------------------------------------------------- checks


def _check_structure(arg, g, name):
    """The gradient of `arg` has arg's structure; leaves are floats / float arrays."""
    if isinstance(arg, dict):
        assert isinstance(g, dict), f"gradient for dict {name} should be a dict, got {g!r}"
        assert set(g) == set(arg), f"gradient for {name} has keys {set(g)}, expected {set(arg)}"
        for k in arg:
            _check_structure(arg[k], g[k], f"{name}[{k!r}]")
    elif isinstance(arg, (list, tuple)):
        kind = type(arg).__name__
        assert type(g) is type(arg), f"gradient for {kind} {name} should be a {kind}, got {g!r}"
        assert len(g) == len(arg), f"gradient for {name} has {len(g)} items, expected {len(arg)}"
        for i, (a, gi) in enumerate(zip(arg, g)):
            _check_structure(a, gi, f"{name}[{i}]")
    elif isinstance(arg, np.ndarray):
        assert isinstance(g, np.ndarray), (
            f"gradient for array {name} should be an ndarray, got {g!r}"
        )
        assert g.shape == arg.shape, f"gradient for {name} has shape {g.shape}, not {arg.shape}"
        assert np.issubdtype(g.dtype, np.floating), f"gradient for {name} has dtype {g.dtype}"
    else:
        assert isinstance(g, float) and not isinstance(g, np.ndarray), (
            f"gradient for float {name} should be a float, got {type(g).__name__} {g!r}"
        )


def _close(got, expected, rtol, atol, what):
    if isinstance(expected, dict):
        for k in expected:
            _close(got[k], expected[k], rtol, atol, f"{what}[{k!r}]")
    elif isinstance(expected, (list, tuple)):
        for i, (g, e) in enumerate(zip(got, expected)):
            _close(g, e, rtol, atol, f"{what}[{i}]")
    else:
        g = np.asarray(got, dtype=np.float64)
        assert np.all(np.isfinite(g)), f"{what}: not finite: {g!r}"
        np.testing.assert_allclose(g, expected, rtol=rtol, atol=atol, err_msg=what)


def _per_item(case, args, grads):
    """[(where, gradient)] for the case's wrt, checking single vs tuple structure."""
    items = list(case.wrt) if isinstance(case.wrt, tuple) else [case.wrt]
    if isinstance(case.wrt, tuple):
        assert isinstance(grads, tuple) and len(grads) == len(items), (
            f"wrt={case.wrt!r}: expected a tuple of {len(items)} gradients, got {grads!r}"
        )
    else:
        grads = (grads,)
    return [(resolve(case.fn, args, case.kw, item), g) for item, g in zip(items, grads)]


# --------------------------------------------------------------------- tests


@pytest.mark.parametrize("case", _params(CASES, BUGS))
def test_gradient_matches_finite_differences(case):
    df = pullback.grad(case.fn, wrt=case.wrt)
    vg = pullback.value_and_grad(case.fn, wrt=case.wrt)
    for args in sample_points(case):
        kwargs = case.kw
        before = snapshot(args, kwargs)
        grads = df(*args, **kwargs)
        assert_unchanged(before, args, kwargs, "grad")
        for where, g in _per_item(case, args, grads):
            arg = _get(args, kwargs, where)
            _check_structure(arg, g, f"{case.name} argument {where[1]!r}")
            expected = _fd_argument(case.fn, args, kwargs, where)
            _close(g, expected, case.rtol, case.atol,
                   f"grad of {case.name} wrt {where[1]!r}")

        value, grads2 = vg(*args, **kwargs)
        assert_unchanged(before, args, kwargs, "value_and_grad")
        expected_value = case.fn(*copy.deepcopy(args), **copy.deepcopy(kwargs))
        assert np.ndim(value) == 0, f"value should be a scalar, got {value!r}"
        np.testing.assert_allclose(value, expected_value, rtol=1e-12, atol=1e-12)
        for (_, g), (_, g2) in zip(_per_item(case, args, grads), _per_item(case, args, grads2)):
            _close(g2, g, 1e-10, 1e-12, f"value_and_grad vs grad of {case.name}")


def _scaled(tree, k):
    if isinstance(tree, dict):
        return {key: _scaled(v, k) for key, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(_scaled(v, k) for v in tree)
    return k * np.asarray(tree)


@pytest.mark.parametrize("case", _params(CASES, {n: BUGS[n] for n in CRASHES}))
def test_vjp_with_scalar_seed_scales_grad(case):
    args = sample_points(case, n=1)[0]
    grads = pullback.grad(case.fn, wrt=case.wrt)(*args, **case.kw)
    before = snapshot(args, case.kw)
    got = pullback.vjp(case.fn, wrt=case.wrt)(*args, 2.5, **case.kw)
    assert_unchanged(before, args, case.kw, "vjp")
    _close(got, _scaled(grads, 2.5), 1e-10, 1e-12, f"vjp(seed=2.5) of {case.name}")


def test_corpus_size_and_unique_names():
    names = [c.name for c in CASES] + [r.name for r in REFUSED]
    assert len(names) >= 160
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("name", sorted(NOW_REFUSED))
def test_once_wrong_now_refused(name):
    case = next(c for c in CASES if c.name == name)
    error, match = NOW_REFUSED[name]
    args = sample_points(case, n=1)[0]
    with pytest.raises(getattr(pullback, error), match=match):
        pullback.grad(case.fn, wrt=case.wrt)(*args, **case.kw)


@pytest.mark.parametrize("refusal", REFUSED, ids=[r.name for r in REFUSED])
def test_not_supported_yet_is_a_clear_error(refusal):
    error = getattr(pullback, refusal.error)
    args = sample_points(refusal, n=1)[0]
    with pytest.raises(error, match=refusal.match):
        pullback.grad(refusal.fn, wrt=refusal.wrt)(*args)
