"""The Numba backend's first call: the gradient calls its large runtime helpers (matrix
products, tapes' allocation, generated reductions) by their compiled code rather than
linking a copy into its own module for LLVM to optimize again (emit/numba.py,
`_calling_large_helpers`). Checked: the compiled module declares those helpers and
defines only small ones (a tape's put and get stay inlined), the numbers equal the NumPy
backend's and finite differences, a gradient kept on disk (`cache=True`) still holds all
of its code, and Numba's linking is restored after every compilation, a failed one
included."""

from __future__ import annotations

import re
import textwrap
import types

import numpy as np
import pytest

numba = pytest.importorskip("numba")

from fd import assert_close, numeric_grad  # noqa: E402

import pullback  # noqa: E402

RNG = np.random.default_rng(3)

SOURCE = """
import math

import numpy as np

def rnn(Wh, Wx, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(Wh @ h + Wx @ xs[t])
    return np.sum(h)

def logsumexp(v):
    m = np.max(v)
    return m + np.log(np.sum(np.exp(v - m)))

def hmm(log_A, log_pi, log_B, obs):
    alpha = log_pi + log_B[:, obs[0]]
    for t in range(1, obs.shape[0]):
        m = np.max(alpha)
        alpha = np.log(np.sum(np.exp(alpha[:, None] + log_A - m), axis=0)) + m \\
            + log_B[:, obs[t]]
    return logsumexp(alpha)

def scalar(x, a):
    for _ in range(5):
        x = math.sin(a * x) + x * 0.5
    return x
"""


def _module(tmp_path, name="first_call"):
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(SOURCE))
    module = types.ModuleType(name)
    module.__file__ = str(path)
    exec(compile(path.read_text(), str(path), "exec"), module.__dict__)  # noqa: S102
    return module


def _compiled_module(run):
    """run() under a listener; the LLVM module of the gradient it compiled."""
    from numba.core import event
    seen = []

    class Gradients(event.Listener):
        def on_start(self, ev):
            pass

        def on_end(self, ev):
            dispatcher = ev.data["dispatcher"]
            if dispatcher.py_func.__name__.endswith("_compiled"):
                seen.append(dispatcher)

    with event.install_listener("numba:compile", Gradients()):
        got = run()
    dispatcher = seen[-1]
    return got, dispatcher.inspect_llvm(dispatcher.signatures[-1])


def _pullback_symbols(llvm, kind):
    return set(re.findall(rf'^{kind} .*?@"?(_ZN(?:8pullback7runtime13numba_helpers|\d+'
                          r'pullback_helper_)[^"(]*)', llvm, re.MULTILINE))


def _rnn_args():
    return (RNG.normal(size=(5, 5)) * 0.4, RNG.normal(size=(5, 3)) * 0.5,
            RNG.normal(size=(6, 3)), np.zeros(5))


def test_large_helpers_are_called_and_small_ones_linked(tmp_path):
    module = _module(tmp_path)
    args = _rnn_args()
    got, llvm = _compiled_module(
        lambda: pullback.grad(module.rnn, wrt=(0, 1, 3), backend="numba")(*args))
    called, defined = _pullback_symbols(llvm, "declare"), _pullback_symbols(llvm, "define")
    assert any("matvec" in s for s in called)  # nb_matmul's loops: compiled once, called
    assert not any("matvec" in s for s in defined)
    assert not any("tape_put" in s or "tape_get" in s for s in called)  # inlined
    assert_close(got, pullback.grad(module.rnn, wrt=(0, 1, 3))(*args), rtol=1e-12,
                 atol=1e-14)
    assert_close(got, numeric_grad(module.rnn, args, wrt=(0, 1, 3)), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ["hmm", "scalar"])
def test_gradients_calling_helpers_equal_the_numpy_backend(tmp_path, name):
    module = _module(tmp_path, f"first_call_{name}")
    f = getattr(module, name)
    if name == "hmm":
        K, S = 3, 4
        args = (np.log(RNG.dirichlet(np.ones(K), size=K)), np.log(RNG.dirichlet(np.ones(K))),
                np.log(RNG.dirichlet(np.ones(S), size=K)), RNG.integers(0, S, size=6))
        wrt = (0, 1, 2)
    else:
        args, wrt = (0.3, 1.3), (0, 1)
    got = pullback.grad(f, wrt=wrt, backend="numba")(*args)
    assert_close(got, pullback.grad(f, wrt=wrt)(*args), rtol=1e-11, atol=1e-13)
    assert_close(got, numeric_grad(f, args, wrt=wrt), rtol=1e-6, atol=1e-8)


def test_a_gradient_cached_on_disk_holds_all_its_code(tmp_path):
    # it is loaded in processes where the helpers it would call may not be compiled
    module = _module(tmp_path, "first_call_cached")
    args = _rnn_args()
    got, llvm = _compiled_module(
        lambda: pullback.grad(module.rnn, wrt=(0, 1), backend="numba", cache=True)(*args))
    assert not _pullback_symbols(llvm, "declare")
    assert_close(got, pullback.grad(module.rnn, wrt=(0, 1))(*args), rtol=1e-12, atol=1e-14)


def test_numbas_linking_is_restored_after_each_compilation(tmp_path):
    from numba.core.codegen import CPUCodeLibrary
    link = CPUCodeLibrary.add_linking_library
    module = _module(tmp_path, "first_call_restored")
    pullback.grad(module.scalar, backend="numba")(0.2, 0.7)
    assert CPUCodeLibrary.add_linking_library is link
    with pytest.raises(pullback.UnsupportedSyntaxError, match="for these arguments"):
        pullback.grad(module.rnn, backend="numba")(np.ones((2, 2)), np.ones((2, 2)),
                                                   [[1.0, 2.0]], np.ones(2))
    assert CPUCodeLibrary.add_linking_library is link
