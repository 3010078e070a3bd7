"""The Numba backend's array expressions are lowered without a compiled kernel each, and
their outputs allocated without Numba's `_broadcast_onto` (emit/numba_array_exprs.py).
Checked: the gradients equal the NumPy backend's and finite differences for broadcasting,
constants, integer operands, comparisons and powers; NaN and inf come out as NumPy's; a
shape mismatch is still a ValueError; the compiled gradient holds neither Numba's array
expression kernels nor `_broadcast_onto`; Numba's own lowering, and Python's garbage
collector (off while a gradient compiles), are back after each gradient."""

from __future__ import annotations

import textwrap
import types
import warnings

import numpy as np
import pytest

numba = pytest.importorskip("numba")

from fd import assert_close, numeric_grad  # noqa: E402

import pullback  # noqa: E402

RNG = np.random.default_rng(11)

SOURCE = """
import numpy as np

def layer(x, W, b):
    # 2-d against 1-d broadcasting, a constant, an integer power
    return np.sum(np.tanh(W * x[:, None] + b + 1.5) ** 2)

def leaky(x, y):
    # a comparison's mask in the gradient, division, unary minus
    return np.sum(np.where(x > 0.0, x, 0.1 * x) * y / (1.0 + y * y)) - np.sum(-x * y)

def counts(x, n):
    # an integer array mixed with floats
    return np.sum(np.exp(-x * n) / (n + 1)) + np.sum(x ** 3 * n)

def softmax_loss(z, W):
    s = z @ W
    e = np.exp(s - np.max(s, axis=1, keepdims=True))
    p = e / np.sum(e, axis=1, keepdims=True)
    return -np.sum(np.log(p[:, 0] + 1e-3))

def loop(h, W):
    for _ in range(4):
        h = np.tanh(W @ h) * 0.5 + h * h * 0.25
    return np.sum(h)

def scaled(x, y):
    # names holding constants (typed as literals by Numba), a boolean mask
    k = 3
    c = 0.5
    return np.sum(x * k + x ** k * c + (x > y) * y * x)

def reciprocal(x):
    return np.sum(1.0 / x)

def logs(x):
    return np.sum(np.log(x) * x)

def product(x, y):
    return np.sum(x * y + x)
"""


def _module(tmp_path, name):
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(SOURCE))
    module = types.ModuleType(name)
    module.__file__ = str(path)
    exec(compile(path.read_text(), str(path), "exec"), module.__dict__)  # noqa: S102
    return module


CASES = {
    "layer": (lambda: (RNG.normal(size=4), RNG.normal(size=(4, 3)), RNG.normal(size=3)),
              (0, 1, 2)),
    "leaky": (lambda: (RNG.normal(size=(3, 5)), RNG.normal(size=5)), (0, 1)),
    "counts": (lambda: (RNG.normal(size=6), RNG.integers(0, 4, size=6)), (0,)),
    "softmax_loss": (lambda: (RNG.normal(size=(5, 4)), RNG.normal(size=(4, 3))), (0, 1)),
    "scaled": (lambda: (RNG.normal(size=(2, 3)), RNG.normal(size=3)), (0, 1)),
    "loop": (lambda: (RNG.normal(size=4) * 0.5, RNG.normal(size=(4, 4)) * 0.5), (0, 1)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients_equal_the_numpy_backend(tmp_path, name):
    module = _module(tmp_path, f"array_exprs_{name}")
    make, wrt = CASES[name]
    args = make()
    f = getattr(module, name)
    got = pullback.grad(f, wrt=wrt, backend="numba")(*args)
    assert_close(got, pullback.grad(f, wrt=wrt)(*args), rtol=1e-12, atol=1e-14)
    assert_close(got, numeric_grad(f, args, wrt=wrt), rtol=1e-6, atol=1e-8)


def test_inf_and_nan_as_numpy_gives_them(tmp_path):
    module = _module(tmp_path, "array_exprs_special")
    x = np.array([0.0, 2.0, -1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for f in (module.reciprocal, module.logs):
            got = pullback.grad(f, backend="numba")(x)
            np.testing.assert_array_equal(got, pullback.grad(f)(x))


def test_a_shape_mismatch_is_a_value_error(tmp_path):
    module = _module(tmp_path, "array_exprs_mismatch")
    with pytest.raises(ValueError, match="broadcast"):
        pullback.grad(module.product, backend="numba")(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="broadcast"):
        pullback.grad(module.product, backend="numba")(np.ones((2, 3)), np.ones((3, 2)))


def _compiled_llvm(run):
    from numba.core import event
    seen = []

    class Gradients(event.Listener):
        def on_start(self, ev):
            pass

        def on_end(self, ev):
            if ev.data["dispatcher"].py_func.__name__.endswith("_compiled"):
                seen.append(ev.data["dispatcher"])

    with event.install_listener("numba:compile", Gradients()):
        run()
    return seen[-1].inspect_llvm(seen[-1].signatures[-1])


def test_no_kernel_is_compiled_for_an_array_expression(tmp_path):
    module = _module(tmp_path, "array_exprs_llvm")
    args, wrt = CASES["layer"][0](), (0, 1, 2)
    llvm = _compiled_llvm(lambda: pullback.grad(module.layer, wrt=wrt, backend="numba")(*args))
    assert "__numba_array_expr" not in llvm
    assert "_broadcast_onto" not in llvm


def test_numbas_own_lowering_is_back_for_other_functions(tmp_path):
    from numba.core.registry import cpu_target
    from numba.np import npyimpl
    build_array = npyimpl._build_array
    module = _module(tmp_path, "array_exprs_restored")
    args, wrt = CASES["leaky"][0](), (0, 1)
    pullback.grad(module.leaky, wrt=wrt, backend="numba")(*args)
    assert npyimpl._build_array is build_array
    lowering = cpu_target.target_context.special_ops.get("arrayexpr")
    assert lowering is None or lowering.__module__ == "numba.np.ufunc.array_exprs"

    @numba.njit
    def elsewhere(a, b):
        return np.exp(a - b) * 2.0

    a, b = RNG.normal(size=(3, 2)), RNG.normal(size=2)
    np.testing.assert_allclose(elsewhere(a, b), np.exp(a - b) * 2.0, rtol=1e-15)
    assert "__numba_array_expr" in elsewhere.inspect_llvm(elsewhere.signatures[0])


def test_the_garbage_collector_is_as_it_was_after_compiling(tmp_path):
    # off while Numba compiles a gradient (emit/numba.py, COLLECTING), then as before
    import gc
    module = _module(tmp_path, "array_exprs_collector")
    args, wrt = CASES["layer"][0](), (0, 1, 2)
    assert gc.isenabled()
    pullback.grad(module.layer, wrt=wrt, backend="numba")(*args)
    assert gc.isenabled()
    gc.disable()
    try:
        pullback.grad(module.layer, wrt=wrt, backend="numba")(*(a * 2.0 for a in args))
        x = np.ones(3)
        pullback.grad(module.logs, backend="numba")(x)
        assert not gc.isenabled()
    finally:
        gc.enable()
