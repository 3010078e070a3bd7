"""`check_grads` and `combo_check` as pullback checks (see tools/autograd_suite)."""

from __future__ import annotations

import importlib.util
import itertools
import os
import tempfile

import numpy as np

import pullback

RESULTS: list = []  # (test, outcome, detail)
CURRENT = ["?"]
_RNG = np.random.default_rng(0)
_WRAPPERS: dict = {}
_TMP = tempfile.mkdtemp(prefix="pullback-autograd-suite-")


def record(outcome: str, detail: str = "") -> None:
    RESULTS.append((CURRENT[0], outcome, detail))


def scalar_close(a, b):
    return abs(a - b) < 1e-6 or abs(a - b) / abs(a + b) < 1e-6


def check_equivalent(x, y):
    assert np.allclose(x, y)


def _map(f, *trees):
    first = trees[0]
    if isinstance(first, (list, tuple)):
        return type(first)(_map(f, *parts) for parts in zip(*trees))
    if isinstance(first, dict):
        return {k: _map(f, *(t[k] for t in trees)) for k in first}
    return f(*trees)


def _leaves(tree):
    if isinstance(tree, (list, tuple)):
        return [leaf for part in tree for leaf in _leaves(part)]
    if isinstance(tree, dict):
        return [leaf for v in tree.values() for leaf in _leaves(v)]
    return [tree]


def _random_like(x):
    r = _RNG.standard_normal(np.shape(x))
    return float(r) if np.ndim(x) == 0 and not isinstance(x, np.ndarray) else r


def _inner(a, b) -> float:
    return sum(float(np.real(np.sum(np.asarray(u) * np.asarray(v))))
               for u, v in zip(_leaves(a), _leaves(b)))


def _as_function(fun, nargs, keywords):
    """A library callable (np.sin) as a Python function of `nargs` positional arguments and
    these keywords, calling it (pullback reads the source of what it differentiates)."""
    if hasattr(fun, "__code__"):
        return fun
    key = (nargs, tuple(keywords))
    if key not in _WRAPPERS:
        params = [f"a{i}" for i in range(nargs)] + list(keywords)
        passed = [f"a{i}" for i in range(nargs)] + [f"{k}={k}" for k in keywords]
        text = (f"def make(fun):\n    def library_call({', '.join(params)}):\n"
                f"        return fun({', '.join(passed)})\n    return library_call\n")
        path = os.path.join(_TMP, f"call_{len(_WRAPPERS)}.py")
        with open(path, "w") as out:
            out.write(text)
        spec = importlib.util.spec_from_file_location(f"call_{len(_WRAPPERS)}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _WRAPPERS[key] = module.make
    return _WRAPPERS[key](fun)


def check(fun, args, kwargs, argnum) -> None:
    """One check: <seed, J v> by central differences against <v, vjp(seed)> by pullback."""
    wrt = argnum if isinstance(argnum, int) else tuple(argnum)
    positions = [wrt] if isinstance(wrt, int) else list(wrt)
    if any(np.iscomplexobj(leaf) for i in positions for leaf in _leaves(args[i])):
        return record("skipped", "complex input")
    fun = _as_function(fun, len(args), sorted(kwargs))
    try:
        value = fun(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 (the function itself fails: not pullback's)
        return record("skipped", f"f fails: {e!r}"[:120])
    if any(np.iscomplexobj(leaf) for leaf in _leaves(value)):
        return record("skipped", "complex output")
    seed = _map(_random_like, value)
    direction = [_map(_random_like, args[i]) for i in positions]
    eps = 1e-6

    def along(step):
        moved = list(args)
        for i, v in zip(positions, direction):
            moved[i] = _map(lambda a, d: a + step * eps * d, args[i], v)
        return _inner(seed, fun(*moved, **kwargs))

    numeric = (along(1) - along(-1)) / (2 * eps)
    try:
        grads = pullback.vjp(fun, wrt=wrt)(*args, seed, **kwargs)
        exact = sum(_inner(v, g) for v, g in zip(
            direction, [grads] if isinstance(wrt, int) else grads))
    except pullback.PullbackError as e:
        return record("refused", str(e).splitlines()[0][:160])
    except Exception as e:  # noqa: BLE001 (an unclear failure: counted, reported)
        return record("crash", f"{type(e).__name__}: {e}"[:160])
    if abs(exact - numeric) <= 1e-4 * max(1.0, abs(numeric), abs(exact)):
        return record("correct")
    record("wrong", f"pullback {exact!r}, differences {numeric!r}, "
                    f"shapes {[np.shape(a) for a in args]}, keywords {kwargs}")


def check_grads(fun, argnum=0, modes=None, order=2):
    return lambda *args, **kwargs: check(fun, args, kwargs, argnum)


def combo_check(fun, *args, **kwargs):
    argnum = args[0] if args else 0

    def run(*arg_lists, **keyword_lists):
        pairs = [[(k, v) for v in vs] for k, vs in keyword_lists.items()]
        for combo in itertools.product(*arg_lists):
            for keywords in itertools.product(*pairs):
                check(fun, combo, dict(keywords), argnum)

    return run
