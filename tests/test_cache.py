"""The transform cache: correct under threads, bounded, constant-time lookups.

A transform is cached while a function it was made for lives (or a gradient bound from
it); its generated source's linecache entry goes with it. Looking one up checks one
candidate, however many closures of the same `def` have their own. Concurrent first
transforms of the same function, or of functions sharing a callee, all get finished,
correct gradients.
"""

from __future__ import annotations

import gc
import importlib
import linecache
import sys
import textwrap
import threading

import numpy as np
import pytest
from fd import assert_grad_matches, numeric_grad

import pullback
from pullback import api

SOURCE = """
    import math
    import numpy as np

    def shared(x, w):
        return np.tanh(x * w) + math.sin(w) * x

    def first(x, w):
        return np.sum(shared(x, w) ** 2)

    def second(x, w):
        return np.sum(shared(x, w) * x)

    def recursive(x, n):
        if n == 0:
            return np.sum(x * x)
        return recursive(np.sin(x), n - 1) * 1.5

    def make(k):
        def scaled(t):
            return t * k

        def closure(x):
            return np.sum(scaled(x) ** 2)

        return closure
"""


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """A module imported anew for each test: its functions have never been transformed."""
    counter = fresh.count = getattr(fresh, "count", 0) + 1
    name = f"cache_fresh_{counter}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(SOURCE))
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module(name)
    yield module
    sys.modules.pop(name, None)


def _in_threads(n, work):
    """Run work(i) in n threads started together; the exceptions they raised."""
    barrier = threading.Barrier(n)
    errors: list = []

    def run(i):
        try:
            barrier.wait()
            work(i)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.mark.parametrize("which", ["same function", "shared callee", "recursion"])
def test_concurrent_first_transforms_are_correct(fresh, which):
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=4), 0.7
    if which == "same function":
        cases = [(fresh.first, (x, w))] * 8
    elif which == "shared callee":
        cases = [(fresh.first, (x, w)), (fresh.second, (x, w))] * 4
    else:
        cases = [(fresh.recursive, (x, 3))] * 8
    expected = {f: numeric_grad(f, args) for f, args in dict(cases).items()}
    got: dict = {}

    def work(i):
        f, args = cases[i]
        for wrt in (0, (0,)):
            got[i, wrt] = pullback.grad(f, wrt=wrt)(*args)

    assert _in_threads(len(cases), work) == []
    for (i, wrt), g in got.items():
        f = cases[i][0]
        np.testing.assert_allclose(g if wrt == 0 else g[0], expected[f], rtol=1e-5, atol=1e-7)


def _variants(func):
    return sum(len(v.index) + len(v.others) for v in api._CACHE.values()
               if v.code is func.__code__)


def test_transforms_die_with_their_functions(fresh):
    gc.collect()
    lines_before = len(linecache.cache)
    closures = [fresh.make(float(k)) for k in range(1000)]
    grads = [pullback.grad(c) for c in closures]
    x = np.array([0.5, -1.0])
    assert grads[7](x) == pytest.approx(2 * 7.0 ** 2 * x)
    assert_grad_matches(closures[999], (x,))
    # every closure calls its own `scaled`: a transform each, but not forever
    assert _variants(closures[0]) == 1000
    assert len(linecache.cache) >= lines_before + 1000
    code = closures[0].__code__
    del closures, grads
    gc.collect()
    assert not any(v.code is code for v in api._CACHE.values())
    assert len(linecache.cache) <= lines_before + 2


def test_a_gradient_keeps_its_transform_and_linecache_entry(fresh):
    df = pullback.grad(fresh.make(3.0))
    gc.collect()
    transform = df.__pullback_transform__
    filename = transform.code.co_filename
    assert filename in linecache.cache
    assert df(np.array([1.0])) == pytest.approx([18.0])


def test_a_lookup_checks_one_candidate_however_many_variants(fresh, monkeypatch):
    closures = [fresh.make(float(k)) for k in range(600)]
    for c in closures:
        pullback.grad(c)
    checked = []
    fits = api.Transformed.fits

    def counting(self, func, seen=None):
        if seen is None:
            checked.append(self)
        return fits(self, func, seen)

    monkeypatch.setattr(api.Transformed, "fits", counting)
    for c in closures[::50]:
        checked.clear()
        pullback.grad(c)
        assert len(checked) == 1
    new = fresh.make(-1.0)
    checked.clear()
    pullback.grad(new)  # a miss: no candidate has its objects
    assert len(checked) == 0


def test_closures_with_the_same_callees_share_one_transform(fresh):
    def make(k):
        def closure(x):
            return np.sum(np.tanh(x) * k)

        return closure

    closures = [make(float(k)) for k in range(50)]
    transforms = {id(api.transform(c)) for c in closures}
    assert len(transforms) == 1
    x = np.array([0.2, 0.4])
    for k in (0, 17, 49):
        np.testing.assert_allclose(pullback.grad(closures[k])(x), k / np.cosh(x) ** 2)


def test_two_functions_sharing_a_callee_made_by_a_factory_get_their_own(fresh):
    # one def, two closures, each called by another function: the callee's transform is
    # bound to its own closure cells
    three, five = fresh.make(3.0), fresh.make(5.0)
    namespace = {"np": np, "three": three, "five": five}
    exec(compile("def f3(x):\n    return three(x)\n\ndef f5(x):\n    return five(x)\n",
                 __file__ + ":exec", "exec"), namespace)
    linecache.cache[__file__ + ":exec"] = (0, None, [
        "def f3(x):\n", "    return three(x)\n", "\n", "def f5(x):\n", "    return five(x)\n"],
        __file__ + ":exec")
    x = np.array([0.3, -0.2])
    np.testing.assert_allclose(pullback.grad(namespace["f3"])(x), 2 * 9.0 * x)
    np.testing.assert_allclose(pullback.grad(namespace["f5"])(x), 2 * 25.0 * x)
