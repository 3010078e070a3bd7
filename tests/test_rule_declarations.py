"""A rule is one declaration: its kinds, tangent and array methods sit with its adjoint,
and every stage asks the rule (rules.kinds_of, rules.array_method, rules.PURE_CALLS)
instead of keeping a list of functions of its own."""

from __future__ import annotations

import importlib
import importlib.util
import math
import pkgutil

import numpy as np
import pytest
from fd import assert_grad_matches

import pullback
from pullback import rules

STAGES = ("frontend", "lower", "analysis", "derive", "emit", "ir")


def _library_callable(value) -> bool:
    """A function of NumPy, SciPy or math (what the rule tables describe)."""
    if not callable(value) or isinstance(value, type):
        return False
    module = getattr(value, "__module__", None) or ""
    return module.split(".")[0] in ("numpy", "scipy", "math") or (
        getattr(value, "__self__", None) is math)


def _declared_in_rules(value) -> bool:
    """`value` is an object a module of pullback.rules defines (imported by a stage)."""
    for info in pkgutil.iter_modules(rules.__path__):
        module = importlib.import_module(f"pullback.rules.{info.name}")
        if any(value is v for v in vars(module).values()):
            return True
    return False


def _family_table(value) -> bool:
    """`value` is a table of a rule module (NumPy's ELEMENTWISE, ...): a stage testing
    membership in it keeps a list of functions by another name, instead of their kinds."""
    for name in rules.TABLES:
        try:
            module = importlib.import_module(f"pullback.rules.{name}")
        except ImportError:
            continue
        if any(value is v for k, v in vars(module).items()
               if isinstance(v, (dict, set)) and not k.startswith("__")):
            return True
    return False


def _stage_modules():
    for stage in STAGES:
        package = importlib.import_module(f"pullback.{stage}")
        for info in pkgutil.iter_modules(package.__path__):
            yield importlib.import_module(f"pullback.{stage}.{info.name}")


def test_no_stage_keeps_its_own_list_of_library_functions():
    """Facts about NumPy (SciPy, math) functions are declared on their rules: a stage module
    with a module-level set, list, tuple or dict holding such functions (or their spellings,
    "np.sum"), or a rule module's table, keeps a second copy, which a new rule would have
    to know to update."""
    found = []
    for module in _stage_modules():
        for name, value in vars(module).items():
            if name.startswith("__"):
                continue
            if isinstance(value, (dict, set)) and _family_table(value):
                found.append(f"{module.__name__}.{name}: a rule table, ask rules.kinds_of")
                continue
            if _declared_in_rules(value):
                continue
            if isinstance(value, dict):
                items = [*value, *value.values()]
            elif isinstance(value, (set, frozenset, list, tuple)):
                items = list(value)
            else:
                continue
            items = [i for part in items for i in (part if isinstance(part, tuple) else (part,))]
            hits = sorted({getattr(i, "__name__", repr(i)) for i in items if _library_callable(i)}
                          | {i for i in items if isinstance(i, str) and i.startswith("np.")})
            if hits:
                found.append(f"{module.__name__}.{name}: {', '.join(hits)}")
    assert not found, "declare these on the rules instead:\n" + "\n".join(found)


def test_the_scan_finds_a_list_of_numpy_functions(monkeypatch):
    """The check above can fail: a stage list of NumPy functions is found."""
    from pullback.analysis import shapes
    from pullback.rules.numpy import REDUCTIONS

    monkeypatch.setattr(shapes, "ELEMENTWISE_AGAIN", {np.sin, np.cos}, raising=False)
    with pytest.raises(AssertionError, match="ELEMENTWISE_AGAIN: cos, sin"):
        test_no_stage_keeps_its_own_list_of_library_functions()
    monkeypatch.delattr(shapes, "ELEMENTWISE_AGAIN")
    monkeypatch.setattr(shapes, "REDUCTIONS", REDUCTIONS, raising=False)
    with pytest.raises(AssertionError, match="REDUCTIONS: a rule table"):
        test_no_stage_keeps_its_own_list_of_library_functions()


def test_kinds_are_declared_on_rules_and_declarations():
    assert "elementwise" in rules.kinds_of(np.sin) and rules.RULES[np.sin].fresh
    assert "reduction" in rules.kinds_of(np.sum)
    assert "view" in rules.kinds_of(np.transpose)
    # allocators: rules (np.copy), non-differentiable (np.zeros) and without rule (np.arange)
    for func in (np.copy, np.zeros, np.arange, np.full, np.array):
        assert "allocator" in rules.kinds_of(func), func
    for func in (np.asarray, np.transpose, np.sin, len, lambda x: x, [1]):
        assert "allocator" not in rules.kinds_of(func)
    with pytest.raises(ValueError, match="unknown rule kinds"):
        rules.rule("x", kinds=("elementwise", "elementwize"), x="g")


def test_every_rule_with_a_tangent_declares_it():
    """Forward mode's tangents come from the rules: the ones the kinds do not give are
    declared with jvp=, and they use only names the templates may use."""
    for func in (np.linalg.solve, np.sort, np.reshape, np.dot, np.max, builtins_abs()):
        assert rules.RULES[func].pushforward is not None, func
    assert rules.RULES[np.dot].pushforward == "bilinear"
    assert rules.RULES[np.reshape].pushforward == "linear"
    from pullback.rules.methods import METHOD_RULES, SEQUENCE_RULES

    assert all(r.pushforward is not None for r in [*METHOD_RULES.values(),
                                                   *SEQUENCE_RULES.values()])


def builtins_abs():
    import builtins

    return builtins.abs


def test_array_methods_come_from_the_rules():
    for func, rule in rules.RULES.items():
        for method in rule.methods:
            assert eval(rules.array_method(method), {"np": np}) is func, method
    assert rules.array_method("argmax") == "np.argmax"  # a non-differentiable one
    assert rules.array_method("append") is None  # a list's method stays a method


def _clip_method(x):
    return np.sum(x.clip(0.2, 0.8) ** 2)


def _clip_function(x):
    return np.sum(np.clip(x, 0.2, 0.8) ** 2)


def _flatten_conjugate(x):
    return np.sum(x.flatten().conjugate() * x.T.ravel()) + x.trace()


def _reduction_methods(x):
    return x.max(axis=0).sum() + x.std() * x.cumsum(axis=1).mean() + x.prod() ** 0.5


@pytest.mark.parametrize("f", [_clip_method, _clip_function, _flatten_conjugate,
                               _reduction_methods])
def test_array_method_spellings_match_finite_differences(f):
    x = np.random.default_rng(3).uniform(0.1, 0.9, size=(3, 3))
    assert_grad_matches(f, (x,))


def test_method_and_function_spellings_agree():
    x = np.random.default_rng(4).uniform(0.0, 1.0, size=7)
    np.testing.assert_allclose(pullback.grad(_clip_method)(x), pullback.grad(_clip_function)(x))


# Shape facts come from kinds: builtins.abs and pow, math and np.conj are "elementwise",
# np.copy and np.nan_to_num "shape-preserving". Each broadcasts here against a matrix,
# so a gradient that skipped its unbroadcast would have the wrong shape and values.
def _abs_broadcast(x, W):
    return np.sum((abs(x) * W) ** 2)


def _pow_conj_broadcast(x, W):
    y = pow(x, 2.0)
    return np.sum(np.conj(y) * W + y)


def _nan_to_num_broadcast(x, W):
    return np.sum(np.nan_to_num(x) * W)


def _copy_broadcast(x, W):
    c = np.copy(x)
    return np.sum(c * W) + np.sum(np.conj(c) + W)


@pytest.mark.parametrize("optimize", [True, False])
@pytest.mark.parametrize("f", [_abs_broadcast, _pow_conj_broadcast, _nan_to_num_broadcast,
                               _copy_broadcast])
def test_kind_shape_facts_keep_broadcast_gradients(f, optimize):
    rng = np.random.default_rng(5)
    x, W = rng.uniform(0.2, 1.0, size=3), rng.normal(size=(2, 3))
    assert_grad_matches(f, (x, W), wrt=(0, 1), optimize=optimize)


def _math_scalar_broadcast(t, W):
    return np.sum(abs(math.sin(t)) * W)


def test_math_result_broadcast_against_an_array():
    assert_grad_matches(_math_scalar_broadcast, (0.3, np.arange(6.0).reshape(2, 3)),
                        wrt=(0, 1))


def _write_into_arange(x):
    a = np.arange(3.0)
    a[1] = x
    return np.sum(a * x)


def _write_into_linspace(x):
    a = np.linspace(0.0, 1.0, 4)
    a[0] = x * x
    return np.sum(a ** 2)


@pytest.mark.parametrize("f", [_write_into_arange, _write_into_linspace])
def test_writes_into_allocated_arrays(f):
    assert_grad_matches(f, (0.7,))


def _write_into_asarray(x, v):
    a = np.asarray(v)
    a[0] = x
    return np.sum(a)


def test_writes_into_what_may_be_an_operand_are_refused():
    with pytest.raises(pullback.UnsupportedSyntaxError, match="in-place write"):
        pullback.grad(_write_into_asarray)(0.5, np.ones(3))


def test_pure_calls_come_from_the_rules():
    assert {"np.sin", "np.linalg.solve", "unreduce", "unbroadcast"} <= rules.PURE_CALLS
    assert "np.random.normal" not in rules.PURE_CALLS


def test_no_stage_imports_a_rule_table_module():
    """Also inside a function (where the scan of module attributes cannot see it): a stage
    reads the rules through the package's questions (kinds_of, array_method, HELPERS,
    PURE_CALLS) and the modules of facts that are not about one function (methods,
    shifts), never a family table of a rule module."""
    import re
    from pathlib import Path

    allowed = {"methods", "shifts"}
    found = []
    for module in _stage_modules():
        text = Path(module.__file__).read_text()
        for name in re.findall(r"from \.\.rules\.(\w+) import|rules\.(\w+)\.", text):
            name = next(n for n in name if n)
            if name not in allowed and importlib.util.find_spec(f"pullback.rules.{name}"):
                found.append(f"{module.__name__}: pullback.rules.{name}")
    assert not found, found


def test_only_a_missing_optional_library_skips_a_rule_module(monkeypatch):
    real = importlib.import_module

    def failing(missing):
        def import_module(name, *args):
            if name.endswith(".numpy"):
                raise ImportError("cannot import name", name=missing)
            return real(name, *args)
        return import_module

    monkeypatch.setattr(importlib, "import_module", failing("scipy.special"))
    names = [m.__name__ for m in rules._modules()]
    assert "pullback.rules.numpy" not in names and "pullback.rules.operators" in names
    monkeypatch.setattr(importlib, "import_module", failing("pullback.runtime.helpers"))
    with pytest.raises(ImportError):
        list(rules._modules())
