"""The issue-12 corpus (tests/corpus12.py) against central finite differences.

For every case, at three seeded points: ``pullback.grad`` agrees with finite
differences over every float leaf of the differentiated argument (dict entries, list
and tuple items, NamedTuple fields, dataclass and object attributes), the gradient has
the argument's structure (an object of the argument's class for an object),
``value_and_grad`` returns ``f``'s value and the same gradient, the inputs are left
unchanged (or, for ``state=`` cases, a counter moves exactly as much as under ``f``),
and the gradient prints, warns and logs exactly as often as ``f`` does. Structured
outputs (``vjp=True``) are checked through ``vjp`` with a seed of the output's
structure. ``corpus12.REFUSED`` cases must raise the named clear error, located at
the file and line of the construct.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import io
import logging
import warnings

import corpus12
import numpy as np
import pytest
from corpus12 import CASES, REFUSED, sample_points
from fd import resolve

import pullback

# Cases where pullback gives a wrong number or crashes inside generated code (reported
# with minimal reproducers). strict: when the engine is fixed the xfail turns into a
# failure, so the mark gets removed.
BUGS: dict[str, str] = {}


def _params(cases):
    out = []
    for case in cases:
        marks = []
        if case.name in BUGS:
            marks.append(pytest.mark.xfail(strict=True, reason=f"BUG: {BUGS[case.name]}"))
        out.append(pytest.param(case, id=case.name, marks=marks))
    return out


# ------------------------------------------------------------------ trees of leaves


def _is_namedtuple(value):
    return isinstance(value, tuple) and hasattr(value, "_fields")


def _attributes(value):
    """The attribute names of a user object (dataclass, plain class, __slots__), or None."""
    if isinstance(value, (np.ndarray, float, int, str, bool, type(None), dict, list, tuple)):
        return None
    if callable(value) and not hasattr(value, "__dict__"):
        return None
    if dataclasses.is_dataclass(value):
        return [f.name for f in dataclasses.fields(value)]
    if type(value).__module__ != "corpus12":
        return None
    if hasattr(value, "__dict__"):
        return list(vars(value))
    return [n for k in type(value).__mro__ for n in getattr(k, "__slots__", ())]


def _leaves(value, path=()):
    """(path, leaf) for every float / float-array leaf of a nested structure."""
    if isinstance(value, dict):
        for k in value:
            yield from _leaves(value[k], path + (k,))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _leaves(v, path + (i,))
    elif _attributes(value) is not None:
        for name in _attributes(value):
            yield from _leaves(getattr(value, name), path + (("attr", name),))
    elif isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating):
        yield path, value
    elif isinstance(value, float):
        yield path, value


def _at(value, path):
    for step in path:
        if isinstance(step, tuple) and step[0] == "attr":
            value = getattr(value, step[1])
        else:
            value = value[step]
    return value


def _replace(value, path, new):
    """A copy of `value` with the leaf at `path` replaced by `new`."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(head, tuple) and head[0] == "attr":
        out = copy.copy(value)
        object.__setattr__(out, head[1], _replace(getattr(value, head[1]), rest, new))
        return out
    if isinstance(value, dict):
        out = dict(value)
        out[head] = _replace(value[head], rest, new)
        return out
    items = list(value)
    items[head] = _replace(value[head], rest, new)
    if _is_namedtuple(value):
        return type(value)(*items)
    return tuple(items) if isinstance(value, tuple) else items


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
                and a.shape == b.shape and np.array_equal(a, b, equal_nan=True))
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if _attributes(a) is not None:
        names = _attributes(a)
        return type(a) is type(b) and all(_same(getattr(a, n), getattr(b, n)) for n in names)
    if callable(a):
        return True
    return type(a) is type(b) and (a == b or (a != a and b != b))


def _check_structure(arg, g, name):
    """The gradient of `arg` has arg's structure: containers and objects of its type."""
    if isinstance(arg, dict):
        assert isinstance(g, dict) and set(g) == set(arg), f"{name}: {g!r}"
        for k in arg:
            _check_structure(arg[k], g[k], f"{name}[{k!r}]")
    elif isinstance(arg, (list, tuple)):
        assert type(g) is type(arg), f"{name}: a {type(arg).__name__} expected, got {g!r}"
        assert len(g) == len(arg), f"{name}: {len(g)} items, expected {len(arg)}"
        for i, (a, gi) in enumerate(zip(arg, g)):
            _check_structure(a, gi, f"{name}[{i}]")
    elif _attributes(arg) is not None:
        assert type(g) is type(arg), f"{name}: a {type(arg).__name__} expected, got {g!r}"
        for attr in _attributes(arg):
            value = getattr(arg, attr)
            if isinstance(value, (float, np.ndarray, list, tuple, dict)) or \
                    _attributes(value) is not None:
                _check_structure(value, getattr(g, attr), f"{name}.{attr}")
    elif isinstance(arg, np.ndarray) and np.issubdtype(arg.dtype, np.floating):
        assert isinstance(g, np.ndarray) and g.shape == arg.shape, f"{name}: {g!r}"
        assert np.issubdtype(g.dtype, np.floating), f"{name}: dtype {g.dtype}"
    elif isinstance(arg, float):
        assert isinstance(g, float), f"{name}: a float expected, got {type(g).__name__} {g!r}"


# ------------------------------------------------------------- finite differences


def _scalar(value):
    arr = np.asarray(value)
    assert arr.shape == (), f"function output must be a scalar, got shape {arr.shape}"
    return float(arr)


def _get(args, kwargs, where):
    kind, key = where
    return args[key] if kind == "pos" else kwargs[key]


def _fd(fn, args, kwargs, where, eps=1e-6):
    """[(path, central difference)] for every float leaf of the argument at `where`."""
    arg = _get(args, kwargs, where)

    def value_at(new_arg):
        a = [copy.deepcopy(v) for v in args]
        k = {n: copy.deepcopy(v) for n, v in kwargs.items()}
        kind, key = where
        if kind == "pos":
            a[key] = new_arg
        else:
            k[key] = new_arg
        with _quiet():
            return _scalar(fn(*a, **k))

    out = []
    for path, leaf in _leaves(arg):
        base = np.array(leaf, dtype=np.float64)
        g = np.zeros(base.shape)
        for idx in np.ndindex(base.shape):
            x = float(base[idx])
            h = eps * max(1.0, abs(x))
            h = (x + h) - x
            up, down = base.copy(), base.copy()
            up[idx], down[idx] = x + h, x - h
            if isinstance(leaf, float):
                up, down = float(up), float(down)
            g[idx] = (value_at(_replace(arg, path, up))
                      - value_at(_replace(arg, path, down))) / (2 * h)
        out.append((path, g))
    return out


def _close(got, expected, rtol, atol, what):
    g = np.asarray(got, dtype=np.float64)
    assert np.all(np.isfinite(g)), f"{what}: not finite: {g!r}"
    np.testing.assert_allclose(g, expected, rtol=rtol, atol=atol, err_msg=what)


def _per_item(case, args, grads):
    items = list(case.wrt) if isinstance(case.wrt, tuple) else [case.wrt]
    if isinstance(case.wrt, tuple):
        assert isinstance(grads, tuple) and len(grads) == len(items), (
            f"wrt={case.wrt!r}: expected a tuple of {len(items)} gradients, got {grads!r}")
    else:
        grads = (grads,)
    return [(resolve(case.fn, args, case.kw, item), g) for item, g in zip(items, grads)]


# ----------------------------------------------------------------- effects


@contextlib.contextmanager
def _quiet():
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


class _Counter(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = 0

    def emit(self, record):
        self.records += 1


def _effects(fn, *args, **kwargs):
    """(result, (lines printed, warnings, log records)) of fn(*args, **kwargs)."""
    out = io.StringIO()
    handler = _Counter()
    corpus12.LOG.addHandler(handler)
    corpus12.LOG.setLevel(logging.DEBUG)
    try:
        with contextlib.redirect_stdout(out), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = fn(*args, **kwargs)
    finally:
        corpus12.LOG.removeHandler(handler)
    return result, (out.getvalue().count("\n"), len(caught), handler.records)


# --------------------------------------------------------------------- tests


@pytest.mark.parametrize("case", _params([c for c in CASES if not c.vjp]))
def test_gradient_matches_finite_differences(case):
    df = pullback.grad(case.fn, wrt=case.wrt)
    vg = pullback.value_and_grad(case.fn, wrt=case.wrt)
    for args in sample_points(case):
        kwargs = case.kw
        before = copy.deepcopy((args, kwargs))
        expected_value, f_effects = _effects(
            case.fn, *copy.deepcopy(args), **copy.deepcopy(kwargs))
        state0 = case.state(case.fn, args) if case.state else None
        grads, g_effects = _effects(df, *args, **kwargs)
        assert g_effects == f_effects, (
            f"(prints, warnings, log records): f made {f_effects}, grad {g_effects}")
        # the gradient of an object has its structure as grad left it (a list f grows)
        after_grad = copy.deepcopy((args, kwargs)) if case.state else (args, kwargs)
        if case.state:
            moved = case.state(case.fn, args) - state0
            _effects(case.fn, *args, **kwargs)
            assert case.state(case.fn, args) - state0 == 2 * moved, (
                "grad changed the counter by a different amount than f")
        else:
            assert _same(before, (args, kwargs)), "grad modified its arguments"
        for where, g in _per_item(case, args, grads):
            arg = _get(*after_grad, where)
            _check_structure(arg, g, f"{case.name} argument {where[1]!r}")
            for path, expected in _fd(case.fn, args, kwargs, where):
                _close(_at(g, path), expected, case.rtol, case.atol,
                       f"grad of {case.name} wrt {where[1]!r} at {path}")

        (value, grads2), v_effects = _effects(vg, *args, **kwargs)
        assert v_effects == f_effects, (
            f"(prints, warnings, log records): f made {f_effects}, value_and_grad {v_effects}")
        assert np.ndim(value) == 0, f"value should be a scalar, got {value!r}"
        np.testing.assert_allclose(value, expected_value, rtol=1e-12, atol=1e-12)
        for (where, g), (_, g2) in zip(_per_item(case, args, grads),
                                       _per_item(case, args, grads2)):
            for path, _leaf in _leaves(_get(args, kwargs, where)):
                _close(_at(g2, path), _at(g, path), 1e-10, 1e-12,
                       f"value_and_grad vs grad of {case.name}")


def _seed_like(tree, rng):
    if isinstance(tree, dict):
        return {k: _seed_like(v, rng) for k, v in tree.items()}
    if _is_namedtuple(tree):
        return type(tree)(*(_seed_like(v, rng) for v in tree))
    if isinstance(tree, (list, tuple)):
        return type(tree)(_seed_like(v, rng) for v in tree)
    if isinstance(tree, np.ndarray):
        return rng.normal(size=tree.shape)
    return float(rng.normal())


def _inner(seed, out):
    if isinstance(seed, dict):
        return sum(_inner(seed[k], out[k]) for k in seed)
    if isinstance(seed, (list, tuple)):
        return sum(_inner(s, o) for s, o in zip(seed, out))
    return float(np.sum(np.asarray(seed) * np.asarray(out)))


def _projected(fn, seed, *args, **kwargs):
    return _inner(seed, fn(*args, **kwargs))


@pytest.mark.parametrize("case", _params([c for c in CASES if c.vjp]))
def test_vjp_of_a_structured_output_with_a_seed_of_its_structure(case):
    rng = np.random.default_rng(12)
    vjp = pullback.vjp(case.fn, wrt=case.wrt)
    for args in sample_points(case):
        kwargs = case.kw
        out = case.fn(*copy.deepcopy(args), **copy.deepcopy(kwargs))
        seed = _seed_like(out, rng)
        before = copy.deepcopy((args, kwargs))
        grads = vjp(*args, seed, **kwargs)
        assert _same(before, (args, kwargs)), "vjp modified its arguments"

        projected = functools.partial(_projected, case.fn, seed)
        for where, g in _per_item(case, args, grads):
            _check_structure(_get(args, kwargs, where), g, f"{case.name} {where[1]!r}")
            for path, expected in _fd(projected, args, kwargs, where):
                _close(_at(g, path), expected, case.rtol, case.atol,
                       f"vjp of {case.name} wrt {where[1]!r} at {path}")


def test_corpus_size_and_unique_names():
    names = [c.name for c in CASES] + [r.name for r in REFUSED]
    assert len(names) >= 150
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("refusal", REFUSED, ids=[r.name for r in REFUSED])
def test_not_supported_yet_is_a_clear_error(refusal):
    error = getattr(pullback, refusal.error)
    args = sample_points(refusal, n=1)[0]
    with pytest.raises(error, match=refusal.match) as info:
        pullback.grad(refusal.fn, wrt=refusal.wrt)(*args)
    located = 'corpus12.py", line' in str(info.value)
    assert located == refusal.located, (
        "the refusal names its file and line now: drop located=False" if located
        else f"the refusal does not name its file and line: {info.value}")


def _short(seed):
    """A seed missing the last item of the output's structure (or with one entry too many)."""
    if isinstance(seed, dict):
        return dict(list(seed.items())[:-1])
    if isinstance(seed, (list, tuple)):
        return tuple(seed[:-1]) if isinstance(seed, tuple) else list(seed[:-1])
    return np.append(np.ravel(seed), 0.0)


@pytest.mark.parametrize("case", _params([c for c in CASES if c.vjp]))
def test_vjp_refuses_a_seed_of_another_structure(case):
    args = sample_points(case, n=1)[0]
    out = case.fn(*copy.deepcopy(args), **case.kw)
    seed = _seed_like(out, np.random.default_rng(5))
    with pytest.raises(pullback.PullbackError, match="seed"):
        pullback.vjp(case.fn, wrt=case.wrt)(*args, _short(seed), **case.kw)
