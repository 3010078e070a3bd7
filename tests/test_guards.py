"""What a gradient was generated for, and what happens when that changes.

pullback generates code for the function that runs, with the derivative rules of the
objects its names denote when it transforms it. Each test here changes one of those
things, in several spellings, and checks that a gradient made before either raises a
clear error or is still right, and that a gradient made after is right (numbers against
central finite differences, tests/fd.py). Also: decorators, generated-code safety with
crafted names, clear errors for misuse.
"""

from __future__ import annotations

import ast
import builtins
import functools
import importlib
import inspect
import linecache
import math
import sys
import textwrap
import types

import numpy as np
import pytest
from fd import assert_grad_matches, numeric_grad

import pullback
from pullback.errors import PullbackError

# ---------------------------------------------------------------- decorators (cause 4)


def negate(fn):
    @functools.wraps(fn)
    def wrapper(x):
        return -fn(x)

    return wrapper


@negate
def negated_square(x):
    return x * x


def negate_no_wraps(fn):
    def wrapper(x):
        return -fn(x)

    return wrapper


@negate_no_wraps
def negated_square_no_wraps(x):
    return x * x


def scaled(k):
    def decorator(fn):
        @functools.wraps(fn)
        def wrapper(x):
            return k * fn(x)

        return wrapper

    return decorator


@scaled(3.0)
def tripled_sine(x):
    return math.sin(x)


def passing(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)

    return wrapper


@passing
def passed_cube(x):
    return x * x * x


def logging_wrapper(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        result = fn(*args, **kwargs)
        return result * 2.0  # not a pass-through: it changes the value

    return wrapper


@logging_wrapper
def doubled_cube(x):
    return x * x * x


class Negated:
    def __init__(self, fn):
        self.fn = fn
        functools.update_wrapper(self, fn)

    def __call__(self, x):
        return -self.fn(x)


@Negated
def class_decorated(x):
    return x * x


@functools.lru_cache(maxsize=None)  # noqa: UP033 (the spelling under test)
def cached_square(x):
    return x * x


def calls_negated(x):
    return negated_square(x) * 2.0


@scaled(-2.0)
def scaled_helper(t):  # the wrapper's parameter is x, the wrapped function's t
    return t * t * t


def calls_scaled_helper(x):
    return scaled_helper(x) + x


def shifted(fn):
    def wrapper(u):
        return fn(u + 1.0)

    wrapper.__wrapped__ = fn  # what functools.wraps leaves, by hand
    return wrapper


@shifted
def shifted_helper(v):
    return v * v


def calls_shifted_helper(x):
    return shifted_helper(2.0 * x) * x


@pytest.mark.parametrize("f, x, value, slope", [
    (negated_square, 3.0, -9.0, -6.0),
    (negated_square_no_wraps, 3.0, -9.0, -6.0),
    (tripled_sine, 0.4, 3.0 * math.sin(0.4), 3.0 * math.cos(0.4)),
    (passed_cube, 2.0, 8.0, 12.0),
    (calls_negated, 3.0, -18.0, -12.0),
    (calls_scaled_helper, 0.5, -0.25 + 0.5, -1.5 + 1.0),
    (calls_shifted_helper, 0.5, 2.0, 4.0 + 2.0 * 2.0 * 2.0 * 0.5),
])
def test_the_function_that_runs_is_the_one_differentiated(f, x, value, slope):
    assert f(x) == pytest.approx(value)
    got = pullback.value_and_grad(f)(x)
    assert got == pytest.approx((value, slope))
    assert_grad_matches(f, (x,))


def test_a_wrapper_taking_args_and_kwargs_is_differentiated_as_it_runs():
    """The wrapper (`fn(*args, **kwargs)` then doubled) is the function that runs: its
    gradient is that of 2 x**3, the wrapped function's passed on through *args."""
    for x in (0.7, -1.3):
        assert pullback.grad(doubled_cube)(x) == pytest.approx(6.0 * x ** 2)
    assert pullback.grad(doubled_cube, wrt=0)(0.5) == pytest.approx(1.5)


@pytest.mark.parametrize("f, says", [
    (class_decorated, "Negated object wrapping class_decorated"),
    (cached_square, "_lru_cache_wrapper object wrapping cached_square"),
])
def test_a_wrapper_that_cannot_be_read_is_refused_clearly(f, says):
    with pytest.raises(PullbackError, match=says) as info:
        pullback.grad(f)
    assert "undecorated function" in str(info.value)
    # the wrapper, where it has code of its own; else the function it wraps
    _names_its_def_line(str(info.value), f if inspect.isfunction(f) else inspect.unwrap(f))


def _names_its_def_line(message, func):
    """The message shows `File "<func's file>", line N` and the text of func's def line."""
    lines, first = inspect.getsourcelines(func.__code__)  # not what it wraps
    number = first + next(i for i, text in enumerate(lines) if text.lstrip().startswith("def "))
    assert f'File "{func.__code__.co_filename}", line {number}' in message, message
    assert linecache.getline(func.__code__.co_filename, number).strip() in message, message


@functools.cache
def cached_cube(x):
    return x ** 3


class Halved:
    def __init__(self, fn):
        self.__wrapped__ = fn

    def __call__(self, x):
        return 0.5 * self.__wrapped__(x)


@Halved
def halved_square(x):
    return x * x


@pytest.mark.parametrize("f", [cached_cube, halved_square, functools.lru_cache(maxsize=2)(
    lambda x: x * x)], ids=["functools.cache", "class without update_wrapper", "lambda"])
def test_every_wrapper_without_code_is_refused_at_its_def_line(f):
    with pytest.raises(PullbackError, match="wrapping") as info:
        pullback.value_and_grad(f)
    inner = inspect.unwrap(f)
    if inner.__name__ == "<lambda>":  # no def: the line of the lambda
        number = inner.__code__.co_firstlineno
        assert f"line {number}" in str(info.value)
    else:
        _names_its_def_line(str(info.value), inner)


def test_grad_as_a_decorator_still_works():
    @pullback.grad
    def slope(x):
        return x * x * x

    assert slope(2.0) == pytest.approx(12.0)


def test_grad_of_a_gradient_is_a_second_derivative_and_wrappers_are_refused_clearly():
    def f(x):
        return math.sin(x) * x

    second = pullback.grad(pullback.grad(f))
    assert second(0.4) == pytest.approx(2 * math.cos(0.4) - 0.4 * math.sin(0.4), rel=1e-12)
    with pytest.raises(PullbackError, match="grad needs a function with a scalar output|"
                       "returns a number"):  # (value, gradient) is no number
        pullback.grad(pullback.value_and_grad(f))(0.4)
    with pytest.raises(PullbackError, match="wrapper that rearranges its arguments"):
        pullback.grad(pullback.vjp(f))


# ------------------------------------------------------- rebinding names (cause 5)

acts = types.ModuleType("guard_acts")  # a module whose attributes get rebound


def act_tanh(x):
    return np.tanh(x)


def act_sin(x):
    return np.sin(x)


acts.act = act_tanh


def uses_module_attribute(x):
    return acts.act(x) * 2.0


class Activations:
    act = staticmethod(np.tanh)


def uses_class_attribute(x):
    return Activations.act(x) * 2.0


xp = np  # a module alias the user may rebind


def uses_alias(x):
    return xp.tanh(x) * 2.0


def uses_norm(x):
    return np.linalg.norm(x) * 2.0


def uses_math_sin(x):
    return math.sin(x) * x


def uses_numpy_sin(x):
    return np.sum(np.sin(x))


def make_closure():
    act = np.tanh

    def uses_closure_variable(x):
        return np.sum(act(x))

    def rebind(new):
        nonlocal act
        act = new

    return uses_closure_variable, rebind


uses_closure_variable, rebind_closure_variable = make_closure()


def uses_builtin_abs(x):
    return abs(x) * x


def _abs_shadow(v):
    return v * v


def _rebind(monkeypatch, target):
    """Rebind what `target` names to something else (monkeypatch undoes it)."""
    if target == "module attribute":
        monkeypatch.setattr(acts, "act", act_sin)
    elif target == "class attribute":
        monkeypatch.setattr(Activations, "act", staticmethod(np.sin))
    elif target == "module alias":
        monkeypatch.setitem(globals(), "xp", types.SimpleNamespace(tanh=np.sin))
    elif target == "np.linalg.norm":
        monkeypatch.setattr(np.linalg, "norm", np.sum)
    elif target == "math.sin":
        monkeypatch.setattr(math, "sin", math.cos)
    elif target == "np.sin":
        monkeypatch.setattr(np, "sin", np.cos)
    elif target == "np global":
        monkeypatch.setitem(globals(), "np", types.SimpleNamespace(
            sum=np.sum, sin=np.cos, tanh=np.tanh, linalg=np.linalg))
    elif target == "builtin, shadowed by a module global":
        monkeypatch.setitem(globals(), "abs", _abs_shadow)
    elif target == "closure variable":
        rebind_closure_variable(np.sin)
        monkeypatch.undo = _undo_closure(monkeypatch.undo)


def _undo_closure(undo):
    def both():
        rebind_closure_variable(np.tanh)
        undo()

    return both


RIGHT = "right"
# (function, what is rebound, argument, what a gradient made after the rebinding does: is
# right, or refuses with this message)
REBINDINGS = [
    (uses_module_attribute, "module attribute", 0.3, RIGHT),
    (uses_class_attribute, "class attribute", 0.3, RIGHT),
    (uses_alias, "module alias", 0.3, RIGHT),
    (uses_closure_variable, "closure variable", np.array([0.3, -0.4]), RIGHT),
    (uses_builtin_abs, "builtin, shadowed by a module global", -0.3, RIGHT),
    # a NumPy or math function the generated code calls by name, replaced
    (uses_norm, "np.linalg.norm", np.array([0.3, -0.4, 1.2]), "np.linalg.norm was replaced"),
    (uses_math_sin, "math.sin", 0.3, "math.sin was replaced"),  # cos's rule calls sin
    (uses_numpy_sin, "np.sin", np.array([0.3, -0.4]), "np.sin was replaced"),
    # np made a namespace that is not NumPy: its functions are not resolved
    (uses_numpy_sin, "np global", np.array([0.3, -0.4]), "cannot resolve"),
]


@pytest.mark.parametrize("f, target, x, after", REBINDINGS, ids=[r[1] for r in REBINDINGS])
def test_a_gradient_made_before_a_rebinding_refuses(monkeypatch, f, target, x, after):
    made_before = pullback.grad(f)
    assert_grad_matches(f, (x,))
    _rebind(monkeypatch, target)
    with pytest.raises(PullbackError, match="(different object|replaced).*grad"):
        made_before(x)


@pytest.mark.parametrize("f, target, x, after", REBINDINGS, ids=[r[1] for r in REBINDINGS])
def test_a_gradient_made_after_a_rebinding_is_right_or_refused(monkeypatch, f, target, x,
                                                               after):
    pullback.grad(f)  # cached before the rebinding
    _rebind(monkeypatch, target)
    if after is RIGHT:
        assert_grad_matches(f, (x,))
    else:
        with pytest.raises(PullbackError, match=after):
            pullback.grad(f)


def uses_math_cos_rule(x):
    return math.sin(x) * x  # sin's adjoint calls math.cos; f does not


def uses_numpy_cos_rule(v):
    return np.sum(np.sin(v) ** 2)


def uses_arctanh(v):
    return np.sum(np.tanh(v) * v)


# (f, module, name the adjoint calls that f does not, a replacement, argument)
RULE_CALLEES = [
    (uses_math_cos_rule, math, "cos", lambda t: 0.0, 0.7),
    (uses_math_cos_rule, math, "cos", math.sin, 0.7),
    (uses_numpy_cos_rule, np, "cos", np.sin, np.array([0.3, -0.4, 1.1])),
]


@pytest.mark.parametrize("f, module, name, new, x", RULE_CALLEES)
def test_a_function_a_rule_calls_replaced_later_is_noticed(monkeypatch, f, module, name, new,
                                                           x):
    """The user's code does not call it; the adjoint does. An existing gradient stays
    right: it calls the function as pullback found it, bound when it was generated (f
    does not call it, so the replacement cannot change f, and the gradient needs no
    guard for it); so does a new one, and one after restoring it."""
    made_before = pullback.value_and_grad(f)
    assert_grad_matches(f, (x,))
    expected = made_before(x)
    monkeypatch.setattr(module, name, new)
    spelled = f"{'np' if module is np else 'math'}.{name}"
    assert f(x) == pytest.approx(expected[0])  # f itself is unchanged
    value, grad = made_before(x)
    assert value == pytest.approx(expected[0]) and grad == pytest.approx(expected[1])
    assert f"{spelled}(" not in pullback.source(f)  # the adjoint does not read it by name
    assert pullback.value_and_grad(f)(x)[1] == pytest.approx(expected[1])
    monkeypatch.undo()
    assert pullback.value_and_grad(f)(x)[1] == pytest.approx(numeric_grad(f, (x,)))
    assert made_before(x)[1] == pytest.approx(numeric_grad(f, (x,)))


@pytest.mark.parametrize("f, dotted, new, line", [
    (uses_norm, "np.linalg.norm", np.sum, "return np.linalg.norm(x) * 2.0"),
    (uses_math_sin, "math.sin", math.cos, "return math.sin(x) * x"),
    (uses_arctanh, "np.tanh", np.sin, "return np.sum(np.tanh(v) * v)"),
])
def test_a_replaced_function_the_code_calls_is_refused_at_the_line_calling_it(
        monkeypatch, f, dotted, new, line):
    owner = np.linalg if dotted.startswith("np.linalg") else np if dotted[:2] == "np" else math
    monkeypatch.setattr(owner, dotted.rpartition(".")[2], new)
    with pytest.raises(PullbackError, match=f"{dotted} was replaced") as info:
        pullback.grad(f)
    number = inspect.getsourcelines(f)[1] + 1
    assert f'File "{__file__}", line {number}\n    {line}' in str(info.value)


def max_with_ties(v):
    return np.max(v) * 2.0  # the adjoint splits the gradient among ties: np.sum inside


def power_of_three(x):
    return 3.0 ** x  # the adjoint calls math.log(3.0)


@pytest.mark.parametrize("f, module, name, new, x", [
    (max_with_ties, np, "sum", lambda *a, **k: 1.0, np.array([0.5, -0.2, 0.5])),
    (power_of_three, math, "log", math.log2, 0.7),
    (max_with_ties, np, "sum", np.mean, np.array([0.5, -0.2, 0.5])),
])
def test_helpers_call_numpy_and_math_as_pullback_found_them(monkeypatch, f, module, name, new, x):
    """The runtime helpers of the adjoint never call a NumPy or math function replaced later:
    a gradient made before is still right (or refuses), one made after too."""
    expected = numeric_grad(f, (x,))
    made_before = pullback.grad(f)
    monkeypatch.setattr(module, name, new)
    for gradient in (made_before, lambda x: pullback.grad(f)(x)):
        try:
            got = gradient(x)
        except PullbackError:
            continue  # f calls it itself: its guard noticed
        assert got == pytest.approx(expected)


def test_rebinding_back_makes_the_old_gradient_work_again(monkeypatch):
    made_before = pullback.grad(uses_module_attribute)
    monkeypatch.setattr(acts, "act", act_sin)
    with pytest.raises(PullbackError):
        made_before(0.3)
    monkeypatch.setattr(acts, "act", act_tanh)
    assert made_before(0.3) == pytest.approx(2.0 / math.cosh(0.3) ** 2)


def callee(x, k=2.0):
    return k * x * x


def calls_callee(x):
    return callee(x) + x


def apply_to(fn, x, k=3.0):
    return fn(x) * k


def inlines_apply_to(x):
    return apply_to(lambda t: t * t, x)


def test_a_rebound_callee_is_noticed(monkeypatch):
    made_before = pullback.grad(calls_callee)
    monkeypatch.setitem(globals(), "callee", lambda x, k=2.0: k * x)
    with pytest.raises(PullbackError, match="'callee' names a different object"):
        made_before(0.5)
    assert_grad_matches(calls_callee, (0.5,))


# ---------------------------------------- defaults (cause 11) and code (cause 10)


def with_defaults(x, k=2.0, *, p=3.0):
    return k * x ** p


@pytest.mark.parametrize("change, says", [
    (lambda f: setattr(f, "__defaults__", (5.0,)), "default arguments of with_defaults"),
    (lambda f: setattr(f, "__kwdefaults__", {"p": 2.0}), "default arguments of with_defaults"),
])
def test_changed_defaults_refuse_then_a_fresh_gradient_uses_them(monkeypatch, change, says):
    monkeypatch.setattr(with_defaults, "__defaults__", with_defaults.__defaults__)
    monkeypatch.setattr(with_defaults, "__kwdefaults__", dict(with_defaults.__kwdefaults__))
    made_before = pullback.grad(with_defaults)
    assert_grad_matches(with_defaults, (1.3,))
    change(with_defaults)
    with pytest.raises(PullbackError, match=says):
        made_before(1.3)
    assert_grad_matches(with_defaults, (1.3,))


def test_keyword_defaults_edited_in_place_are_read_live(monkeypatch):
    monkeypatch.setattr(with_defaults, "__kwdefaults__", {"p": 3.0})
    made_before = pullback.grad(with_defaults)
    with_defaults.__kwdefaults__["p"] = 2.0
    assert made_before(1.3) == pytest.approx(numeric_grad(with_defaults, (1.3,)))


@pytest.mark.parametrize("f, owner", [(calls_callee, callee), (inlines_apply_to, apply_to)])
def test_changed_defaults_of_a_callee_refuse_then_a_fresh_gradient_uses_them(
        monkeypatch, f, owner):
    monkeypatch.setattr(owner, "__defaults__", owner.__defaults__)
    made_before = pullback.grad(f)
    assert_grad_matches(f, (0.7,))
    owner.__defaults__ = (10.0,)
    with pytest.raises(PullbackError, match=f"default arguments of {owner.__name__}"):
        made_before(0.7)
    assert_grad_matches(f, (0.7,))


@pytest.mark.parametrize("f, owner, attr", [
    (with_defaults, with_defaults, "__defaults__"),
    (with_defaults, with_defaults, "__kwdefaults__"),
    (calls_callee, callee, "__defaults__"),
    (inlines_apply_to, apply_to, "__defaults__"),
])
def test_removed_defaults_are_refused_at_the_def_line(monkeypatch, f, owner, attr):
    """f now fails (a parameter has no value); the gradient must not return a number."""
    monkeypatch.setattr(owner, attr, getattr(owner, attr))
    made_before = pullback.value_and_grad(f)
    setattr(owner, attr, None)
    with pytest.raises(TypeError):
        f(0.7)
    with pytest.raises(PullbackError):
        made_before(0.7)
    with pytest.raises(PullbackError) as info:
        pullback.value_and_grad(f)(0.7)
    if owner is f:
        assert "defaults" in str(info.value)
        _names_its_def_line(str(info.value), owner)
    else:  # the call that lacks an argument now
        assert "missing" in str(info.value) and "'k'" in str(info.value)
        assert f'File "{__file__}", line ' in str(info.value)


def _module(tmp_path, monkeypatch, name, text):
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(text))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)
    return importlib.import_module(name), path


def test_a_file_edited_after_import_is_refused_until_reloaded(tmp_path, monkeypatch):
    module, path = _module(tmp_path, monkeypatch, "guard_edited", """
        import math

        def f(x):
            return math.sin(x) * 2.0
        """)
    path.write_text(path.read_text().replace("math.sin(x) * 2.0", "math.cos(x) * 3.0"))
    importlib.invalidate_caches()
    with pytest.raises(PullbackError, match=r"guard_edited\.py, line 4 is not the code that "
                                            r"runs.*reload its module \(guard_edited"):
        pullback.grad(module.f)
    module = importlib.reload(module)
    assert_grad_matches(module.f, (0.4,))
    assert pullback.grad(module.f)(0.4) == pytest.approx(-3.0 * math.sin(0.4))


def test_a_function_whose_code_was_replaced_is_refused():
    def f(x):
        return x * 2.0

    f.__code__ = f.__code__.replace(co_consts=tuple(3.0 if c == 2.0 else c
                                                    for c in f.__code__.co_consts))
    assert f(1.0) == 3.0  # runs code the source does not say
    with pytest.raises(PullbackError, match="is not the code that runs"):
        pullback.grad(f)


def test_a_gradient_made_before_the_code_was_replaced_refuses(tmp_path, monkeypatch):
    module, path = _module(tmp_path, monkeypatch, "guard_autoreload", """
        def f(x):
            return x * x
        """)
    made_before = pullback.grad(module.f)
    old = module.f
    path.write_text("def f(x):\n    return x * x * x\n")
    new = importlib.reload(module).f
    old.__code__ = new.__code__  # what IPython's autoreload does to the old object
    with pytest.raises(PullbackError, match="the code of f was replaced"):
        made_before(2.0)
    assert pullback.grad(old)(2.0) == pytest.approx(12.0)


# ------------------------------------------------- generated-code safety (injection)


def test_crafted_names_never_run(tmp_path, monkeypatch):
    ran: list = []
    monkeypatch.setattr(builtins, "RAN", ran, raising=False)
    payload = "x'); RAN.append(1); __import__('os').getpid('"
    module, _ = _module(tmp_path, monkeypatch, "guard_crafted", """
        import numpy as np

        SCALE = 2.0

        def apply(fn, x):
            return fn(x) * SCALE

        def square(x):
            return x * x

        def cube(x):
            return x * x * x

        def f(x):
            return apply(lambda t: np.sin(t), x) + square(x) + cube(x)
        """)
    module.__name__ = payload
    for fn in (module.apply, module.square, module.f):
        fn.__module__ = payload
    module.square.__name__ = module.square.__qualname__ = f"sq{payload}"

    def cube_grad(g, ans, x):
        return g * 3.0 * x * x

    cube_grad.__name__ = f"rule{payload}"
    pullback.register_rule(module.cube)(cube_grad)
    try:
        assert_grad_matches(module.f, (0.6,))
        source = pullback.source(module.f)
    finally:
        pullback.api.rules.RULES.pop(module.cube, None)
    assert ran == []
    names = {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)}
    assert "RAN" not in names and "__import__" not in names  # only inside other names


def test_a_rule_with_parameters_that_are_not_names_is_refused():
    def target(x):
        return x

    def rule(g, ans, x):
        return g

    # inspect lets a positional-only parameter be named like a keyword (C functions have
    # such); pasted into generated code it would change what the code means
    rule.__signature__ = inspect.Signature([
        inspect.Parameter(n, inspect.Parameter.POSITIONAL_ONLY) for n in ("g", "ans", "lambda")])
    with pytest.raises(TypeError, match="plain names"):
        pullback.register_rule(target)(rule)


class Model:
    def apply(self, x):
        return x


def test_a_bound_method_is_guarded_by_its_function_and_its_object():
    from pullback.frontend.parse import parse_function

    model = Model()

    def f(x):
        return model.apply(x)

    guards = parse_function(f).guards("model.apply", model.apply)
    assert guards == {"model.apply.__func__": Model.apply, "model": model}


# ------------------------------------------------------ errors that were unclear


square_lambda = lambda t: t * t  # noqa: E731 - a module-level lambda, called by name
OFFSET = 0.5


def calls_module_lambda(x):
    return square_lambda(x) + math.sin(x)


def adds_to_module_float(x):
    s = OFFSET
    s += x
    s += x * x
    return s * s


def adds_to_module_float_in_loop(x):
    s = OFFSET
    for _ in range(3):
        s += x
    return s * x


@pytest.mark.parametrize("f", [calls_module_lambda, adds_to_module_float,
                               adds_to_module_float_in_loop])
def test_module_lambdas_and_module_floats_are_differentiated(f):
    assert_grad_matches(f, (0.7,))


def two_params(x, y):
    return x * y


def one_param(x):
    return x * 2.0


@pytest.mark.parametrize("target, rule, call, says", [
    (two_params, lambda g, ans, x, y: (g * y,), lambda x: two_params(x, x),
     "returned 1 values, but it must return a tuple of 2 gradients, one for each of x, y"),
    (two_params, lambda g, ans, x, y: g * y, lambda x: two_params(x, 3.0),
     "returned a float, but it must return a tuple of 2 gradients"),
    (one_param, lambda g, ans, x: (g * 2.0, g), lambda x: one_param(x) * x,
     "returned a tuple of 2 values, but x, its one parameter, is not a sequence"),
])
def test_a_custom_rule_returning_the_wrong_number_of_gradients_is_named(
        monkeypatch, target, rule, call, says):
    monkeypatch.setattr(pullback.api.rules, "RULES", dict(pullback.api.rules.RULES))
    pullback.register_rule(target)(rule)
    f = _through_function(call)
    with pytest.raises(PullbackError, match=says):
        pullback.grad(f)(1.5)


def row_scale(w, v):
    return w * v


@pytest.mark.parametrize("target, rule, call, says", [
    (one_param, lambda g, ans, x: np.ones(4) * np.sum(g), lambda v: np.sum(one_param(v)),
     r"returned a gradient of shape \(4,\) for x, which has shape \(3,\)"),
    (one_param, lambda g, ans, x: g[:, None] * np.ones(3), lambda v: np.sum(one_param(v)),
     r"returned a gradient of shape \(3, 3\) for x, which has shape \(3,\)"),
    (row_scale, lambda g, ans, w, v: (g * v, g * w), lambda v: np.sum(row_scale(0.5, v)),
     r"returned a gradient of shape \(3,\) for w, which has shape \(\)"),
    (row_scale, lambda g, ans, w, v: (np.sum(g * v), g[:2] * w),
     lambda v: np.sum(row_scale(v[0], v)),
     r"returned a gradient of shape \(2,\) for v, which has shape \(3,\)"),
])
def test_a_custom_rule_returning_a_gradient_of_the_wrong_shape_is_named(
        monkeypatch, target, rule, call, says):
    monkeypatch.setattr(pullback.api.rules, "RULES", dict(pullback.api.rules.RULES))
    pullback.register_rule(target)(rule)
    f = _through_function(call)
    with pytest.raises(PullbackError, match=f"registered for {target.__name__} {says}"):
        pullback.grad(f)(np.array([0.5, -1.0, 2.0]))


def test_a_custom_rule_may_return_a_scalar_zero_or_the_right_shape(monkeypatch):
    monkeypatch.setattr(pullback.api.rules, "RULES", dict(pullback.api.rules.RULES))
    pullback.register_rule(row_scale)(lambda g, ans, w, v: (np.sum(g * v), 0.0))
    f = _through_function(lambda v: np.sum(row_scale(v[1], v)))
    v = np.array([0.5, -1.0, 2.0])
    assert pullback.grad(f)(v) == pytest.approx([0.0, np.sum(v), 0.0])


def _through_function(call):
    def f(x):
        return call(x) + 0.0

    return f


def sines(x):
    return np.sin(x) * 2.0


def pair(x):
    return (np.sin(x), x * 2.0)


def pair_list(x):
    return [np.sum(x), x * x]


def constant_output(x):
    return np.ones(3)


X3 = np.array([0.1, 0.2, 0.3])


@pytest.mark.parametrize("f, seed, says", [
    (sines, np.ones(4), r"seed must have the shape of f's result, \(3,\); got shape \(4,\)"),
    (sines, np.ones((3, 1)), r"\(3,\); got shape \(3, 1\)"),
    (sines, 1.0, r"\(3,\); got shape \(\)"),
    (sines, (np.ones(3),), r"\(3,\); got a tuple of 1"),
    (pair, np.ones(3), "returned a tuple of 2 values, so the seed must be a tuple of 2"),
    (pair, (np.ones(3),), "got a tuple of 1"),
    (pair, (np.ones(3), np.ones(2)), r"\(3,\); got shape \(2,\)"),
    (constant_output, np.ones(2), r"\(3,\); got shape \(2,\)"),
])
def test_a_vjp_seed_that_does_not_fit_the_result_is_refused(f, seed, says):
    with pytest.raises(PullbackError, match=says):
        pullback.vjp(f)(X3, seed)


@pytest.mark.parametrize("f, seed", [
    (pair, (np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0, 2.0]))),
    (pair_list, (2.0, np.array([0.5, -1.0, 2.0]))),
])
def test_vjp_of_a_tuple_valued_function_takes_a_tuple_seed(f, seed):
    def weighted(x):
        out = f(x)
        return np.sum(out[0] * seed[0]) + np.sum(out[1] * seed[1])

    np.testing.assert_allclose(pullback.vjp(f)(X3, seed), numeric_grad(weighted, (X3,)),
                               rtol=1e-6, atol=1e-8)


def test_a_function_without_a_module_name_is_differentiated():
    # exec without __name__ in the namespace: __module__ is None
    text = "SCALE = 2.0\n\ndef apply(fn, x):\n    return fn(x) * SCALE\n"
    filename = "<guards: no module name>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace: dict = {}
    exec(compile(text, filename, "exec"), namespace)
    apply = namespace["apply"]
    assert apply.__module__ is None

    def f(x):
        return apply(lambda t: t * t, x)

    assert_grad_matches(f, (0.8,))


def with_assert(x):
    assert x > 0.0
    return x * x


def test_functions_in_modules_pytest_rewrote_are_read_as_pytest_compiled_them():
    # this module's asserts were rewritten by pytest: the source check compiles it the same
    # way, so the assert is differentiated as written, not refused as a source/code mismatch
    assert_grad_matches(with_assert, (0.3,))
    with pytest.raises(AssertionError):
        pullback.grad(with_assert)(-0.3)
    assert_grad_matches(uses_math_sin, (0.3,))
