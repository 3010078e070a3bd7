"""Forward mode: pullback.jvp on the FD-checked corpora (tests/corpus.py, corpus3.py)
against central finite differences along a random direction and against the reverse
mode's gradient (or vjp) contracted with that direction; jacobian in both modes; the
generated tangent code; located refusals."""

from __future__ import annotations

import copy
import math
import types

import corpus
import corpus3
import numpy as np
import pytest
from fd import assert_unchanged, resolve, snapshot

import pullback
from pullback import rules


@pytest.fixture(autouse=True)
def _restore_rules():
    """The rules some tests here register (eigvalsh's, say) go with the test."""
    saved_rules, saved_nondiff = dict(rules.RULES), set(rules.NONDIFF)
    yield
    if rules.RULES != saved_rules or rules.NONDIFF != saved_nondiff:
        rules.RULES.clear()
        rules.RULES.update(saved_rules)
        rules.NONDIFF.clear()
        rules.NONDIFF.update(saved_nondiff)
        rules.VERSION[0] += 1

# Cases forward mode refuses with a located error (a rule without a tangent), by name:
# the message fragment it must give. strict: a case that starts working must leave.
REFUSED: dict[str, str] = {}


def _cases():
    out = []
    for module, cases in ((corpus, corpus.CASES), (corpus, corpus.VJP_CASES),
                          (corpus3, corpus3.CASES)):
        for case in cases:
            if module is corpus3 and case.name in _corpus3_skipped():
                continue
            marks = []
            if getattr(case, "scipy", False) and not corpus3.HAVE_SCIPY:
                marks.append(pytest.mark.skip(reason="scipy is not installed"))
            out.append(pytest.param(module, case, id=f"{module.__name__}-{case.name}",
                                    marks=marks))
    return out


def _corpus3_skipped():
    from test_corpus3 import BUGS, NOW_REFUSED

    return set(BUGS) | set(NOW_REFUSED)


def _direction(value, rng):
    """A random tangent with the structure of `value`."""
    if isinstance(value, dict):
        return {k: _direction(v, rng) for k, v in value.items()}
    if isinstance(value, list):
        return [_direction(v, rng) for v in value]
    if isinstance(value, tuple):
        return tuple(_direction(v, rng) for v in value)
    if isinstance(value, np.ndarray):
        return rng.normal(size=value.shape)
    if _user_object(value):  # an object's tangent: an object of its class
        made = copy.copy(value)
        for k, v in vars(value).items():
            if isinstance(v, (float, np.ndarray, list, tuple, dict)) or _user_object(v):
                made.__dict__[k] = _direction(v, rng)
        return made
    return float(rng.normal())


def _user_object(value) -> bool:
    return hasattr(value, "__dict__") and type(value).__module__ not in ("builtins", "numpy") \
        and not isinstance(value, type) and not callable(getattr(value, "__func__", None)) \
        and not isinstance(value, types.FunctionType)


def _moved(value, direction, h):
    if isinstance(value, dict):
        return {k: _moved(v, direction[k], h) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_moved(v, t, h) for v, t in zip(value, direction))
    if isinstance(value, np.ndarray):  # an array still (a 0-d one's sum is a scalar)
        return np.asarray(value + h * direction, dtype=np.result_type(value, float))
    if _user_object(value) and type(direction) is type(value):
        made = copy.copy(value)
        for k, v in vars(value).items():
            if isinstance(v, (float, np.ndarray, list, tuple, dict)) or _user_object(v):
                made.__dict__[k] = _moved(v, direction.__dict__[k], h)
        return made
    return value + h * direction


def _dot(a, b):
    """The sum of the products of the leaves of two values of one structure."""
    if isinstance(a, dict):
        return sum(_dot(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return sum(_dot(x, y) for x, y in zip(a, b))
    return np.sum(np.asarray(a) * np.asarray(b))


def _flat(value):
    if _user_object(value):
        return _flat([v for v in vars(value).values()
                      if isinstance(v, (float, np.ndarray)) or _user_object(v)])
    if isinstance(value, dict):
        return np.concatenate([_flat(value[k]) for k in value]) if value else np.zeros(0)
    if isinstance(value, (list, tuple)):
        return np.concatenate([_flat(v) for v in value]) if value else np.zeros(0)
    return np.ravel(np.asarray(value, dtype=complex if np.iscomplexobj(value) else float))


def _call(f, args, kwargs, wheres, values):
    args, kwargs = list(copy.deepcopy(args)), copy.deepcopy(kwargs)
    for (kind, key), value in zip(wheres, values):
        if kind == "pos":
            args[key] = value
        else:
            kwargs[key] = value
    return f(*args, **kwargs)


def _fd_along(f, args, kwargs, wheres, directions, eps=1e-6):
    """Central finite differences of f at args along the directions (one per wrt)."""
    xs = [args[key] if kind == "pos" else kwargs[key] for kind, key in wheres]
    scale = max([1.0] + [float(np.max(np.abs(_flat(x)))) for x in xs if _flat(x).size])
    h = eps * scale
    plus = _call(f, args, kwargs, wheres, [_moved(x, t, h) for x, t in zip(xs, directions)])
    minus = _call(f, args, kwargs, wheres, [_moved(x, t, -h) for x, t in zip(xs, directions)])
    return (_flat(plus) - _flat(minus)) / (2 * h)


@pytest.mark.parametrize("module,case", _cases())
def test_jvp_matches_finite_differences_and_reverse_mode(module, case):
    wrt = case.wrt
    items = list(wrt) if isinstance(wrt, tuple) else [wrt]
    kwargs = case.kw
    if case.name in REFUSED:
        with pytest.raises(pullback.PullbackError, match=REFUSED[case.name]):
            args = module.sample_points(case, n=1)[0]
            pullback.jvp(case.fn, wrt=wrt)(*args, 0.0, **kwargs)
        return
    rng = np.random.default_rng(7)
    f_jvp = pullback.jvp(case.fn, wrt=wrt)
    for args in module.sample_points(case):
        wheres = [resolve(case.fn, args, kwargs, item) for item in items]
        xs = [args[key] if kind == "pos" else kwargs[key] for kind, key in wheres]
        directions = [_direction(x, rng) for x in xs]
        before = snapshot(args, kwargs)
        tangents = tuple(directions) if isinstance(wrt, tuple) else directions[0]
        value, tangent = f_jvp(*args, tangents, **kwargs)
        assert_unchanged(before, args, kwargs, "jvp")
        expected_value = case.fn(*copy.deepcopy(args), **copy.deepcopy(kwargs))
        np.testing.assert_allclose(_flat(value), _flat(expected_value), rtol=1e-12,
                                   atol=1e-12, err_msg="jvp's value is f's value")
        assert np.shape(tangent) == np.shape(expected_value) or isinstance(
            expected_value, (list, tuple, dict)), "the tangent has the result's shape"
        numeric = _fd_along(case.fn, args, kwargs, wheres, directions)
        np.testing.assert_allclose(_flat(tangent), numeric, rtol=max(case.rtol, 1e-5),
                                   atol=max(case.atol, 1e-6) * 10,
                                   err_msg=f"jvp of {case.name} vs finite differences")
        if np.ndim(expected_value) == 0 and not isinstance(expected_value, (list, tuple,
                                                                             dict)):
            gradient = pullback.grad(case.fn, wrt=wrt)(*args, **kwargs)
            grads = gradient if isinstance(wrt, tuple) else (gradient,)
            contracted = sum(_dot(g, t) for g, t in zip(grads, directions))
            np.testing.assert_allclose(tangent, contracted, rtol=1e-9, atol=1e-10,
                                       err_msg="jvp . v == grad . v")


# ------------------------------------------------------------------ the lecture


def g(x, y, z):
    a = x**2
    b = math.exp(z)
    c = y * b
    d = a + c
    e = math.sin(d)
    return e + z


def test_lecture_jvp_is_the_gradient_along_each_axis():
    f_jvp = pullback.jvp(g, wrt=(0, 1, 2))
    gradient = pullback.grad(g, wrt=(0, 1, 2))(2.0, -1.0, 0.0)
    for k in range(3):
        direction = tuple(1.0 if i == k else 0.0 for i in range(3))
        value, tangent = f_jvp(2.0, -1.0, 0.0, direction)
        assert value == g(2.0, -1.0, 0.0)
        assert tangent == pytest.approx(gradient[k], rel=1e-12)
    assert f_jvp(2.0, -1.0, 0.0, (1.0, 0.0, 0.0))[1] == pytest.approx(-3.96, abs=0.01)


def test_tangent_code_interleaves_primal_and_tangent_statements():
    text = pullback.source(g, wrt=(0, 1, 2), mode="jvp")
    lines = [line.strip() for line in text.splitlines()]
    assert lines.index("a = x ** 2") + 1 == lines.index("da = dx * 2.0 * x")
    # math.cos, which only the tangent rule calls, is bound as a constant (codegen)
    assert lines.index("e = math_sin(d)") + 1 == lines.index("de = dd * math_cos(d)")
    assert lines[-1] == "return (out, dout)"
    assert text.startswith("def jvp_g(x, y, z, tangents):\n")
    assert "    dx, dy, dz = tangents\n" in text


# ------------------------------------------------------------- spellings of code


def loop_recurrence(x, a):
    for _ in range(50):
        x = x + 0.01 * a * math.sin(x)
    return x


def while_with_break(x):
    s = 0.0
    i = 0
    while i < 10:
        s = s + x * i
        i += 1
        if s > 3.0:
            break
    return s * x


def buffer_written(x):
    b = np.zeros(len(x))
    for i in range(len(x)):
        b[i] = x[i] * x[i]
    b[0] = 1.0
    return np.sum(b * x)


def list_built(x):
    values = []
    for v in x:
        values.append(np.sin(v))
    values.pop(0)
    return sum(values)


def _square(u, k=2.0):
    return k * u * u


def calls_user_function(x, y):
    return _square(x, k=y) + _square(np.sum(x))


def _recursive(x, n):
    if n == 0:
        return x
    return np.cos(_recursive(x, n - 1))


def recursion(x):
    return _recursive(x, 4)


def broadcasting(x, y):
    return np.sum((x + y) * np.arange(3.0)) + np.sum(x - y)


def array_out(x):
    return np.stack([np.sin(x), x * x]) @ np.ones(3)


def dict_and_tuple(x):
    d = {"a": x, "b": 2.0 * x}
    t = (d["a"], d["b"])
    return t[0] * t[1]


# more spellings: calls passing functions, comprehensions, zip and enumerate, swaps,
# slices, dicts, lambdas, early returns, linear algebra, reductions, complex values
def act(z):
    return np.tanh(z)


def layer(x, W, f=act):
    return f(W @ x)


def passes_function(x, W):
    return np.sum(layer(x, W, f=act) ** 2)


def comprehension(x):
    ys = [v * v for v in x]
    return sum(ys) + max(ys)


def zip_enumerate(x, w):
    s = 0.0
    for i, (a, b) in enumerate(zip(x, w)):
        s += i * a * b
    return s


def swap(x, y):
    for _ in range(3):
        x, y = y, x * y
    return x + y


def slices(x):
    b = np.zeros(5)
    b[1:4] = x[:3] * 2
    c = b[::-1]
    return np.dot(c, np.arange(5.0)) + np.sum(x[1:] * x[:-1])


def dict_loop(x):
    d = {}
    for i in range(3):
        d[i] = x[i] ** 2
    total = 0.0
    for k in d:
        total = total + d[k] * k
    return total


def closure_lambda(x):
    sq = lambda v: v * v + 1.0
    return sq(x) * sq(2 * x)


def early_return(x):
    for i in range(10):
        if x * i > 2.0:
            return x * i
    return -x


def matrix(A, b):
    x = np.linalg.solve(A, b)
    return np.sum(x * x) + np.linalg.det(A) + np.sum(np.linalg.inv(A))


def reductions(X):
    return (np.sum(np.max(X, axis=0)) + np.mean(np.std(X, axis=1)) + np.prod(X[0])
            + np.linalg.norm(X))


def complex_mix(x):
    z = x * (1.0 + 2.0j)
    return np.abs(z) ** 2 + np.real(z * np.conj(z)) + np.angle(z + 3.0)


def integer_power(x):
    return x ** 3 + np.power(x, 2.5).sum()


def where_clip(x):
    return np.sum(np.where(x > 0, x, 0.1 * x) + np.clip(x, -0.5, 0.5))


def matmul_chain(x, A):
    return np.einsum("ij,j->i", A, x) @ np.outer(x, x) @ x


def sort_and_cumsum(x):
    return np.sum(np.sort(x) * np.arange(len(x))) + np.sum(np.cumsum(x) ** 2) + np.cumprod(x)[-1]


SPELLINGS = [
    (loop_recurrence, (0.3, 1.7), (0, 1)),
    (while_with_break, (0.8,), 0),
    (while_with_break, (0.1,), 0),
    (buffer_written, (np.array([0.5, -1.0, 2.0]),), 0),
    (list_built, (np.array([0.5, -1.0, 2.0]),), 0),
    (calls_user_function, (np.array([0.5, -1.0, 2.0]), 1.5), (0, 1)),
    (recursion, (0.7,), 0),
    (broadcasting, (0.5, np.array([0.1, 0.2, 0.3])), (0, 1)),
    (broadcasting, (np.array([0.1, 0.2, 0.3]), 0.5), (0, 1)),
    (array_out, (np.array([0.5, -1.0, 2.0]),), 0),
    (dict_and_tuple, (1.3,), 0),
    (passes_function, (np.array([0.3, -0.5, 0.9]), np.array([[0.2, -1.0, 0.4], [1.1, 0.3, -0.7]])),
     (0, 1)),
    (comprehension, ([0.3, -0.5, 0.9],), 0),
    (zip_enumerate, (np.array([0.3, -0.5, 0.9]), np.array([1.2, 0.4, -0.8])), (0, 1)),
    (swap, (0.7, 1.2), (0, 1)),
    (slices, (np.array([0.3, -0.5, 0.9, 1.4, -0.2]),), 0),
    (dict_loop, (np.array([0.3, -0.5, 0.9]),), 0),
    (closure_lambda, (0.6,), 0),
    (early_return, (0.7,), 0),
    (early_return, (-0.7,), 0),
    (matrix, (np.array([[2.0, 0.3, -0.1], [0.2, 1.8, 0.4], [-0.3, 0.1, 2.2]]),
              np.array([0.5, -1.0, 0.25])), (0, 1)),
    (reductions, (np.array([[0.3, -0.5, 0.9, 1.4], [0.8, -1.1, 0.2, 0.6],
                            [-0.4, 0.7, 1.3, -0.9]]),), 0),
    (complex_mix, (0.8,), 0),
    (integer_power, (np.array([0.6, 1.1, 1.7]),), 0),
    (where_clip, (np.array([0.3, -0.7, 0.9]),), 0),
    (matmul_chain, (np.array([0.3, -0.5, 0.9]), np.array([[0.2, -1.0, 0.4], [1.1, 0.3, -0.7],
                                                          [0.5, 0.5, -0.2]])), (0, 1)),
    (sort_and_cumsum, (np.array([0.3, -0.5, 0.9, 0.1]),), 0),
]


@pytest.mark.parametrize("f,args,wrt", SPELLINGS, ids=lambda v: getattr(v, "__name__", ""))
def test_spellings_against_finite_differences(f, args, wrt):
    rng = np.random.default_rng(3)
    items = list(wrt) if isinstance(wrt, tuple) else [wrt]
    wheres = [("pos", i) for i in items]
    directions = [_direction(args[i], rng) for i in items]
    value, tangent = pullback.jvp(f, wrt=wrt)(
        *args, tuple(directions) if isinstance(wrt, tuple) else directions[0])
    np.testing.assert_allclose(value, f(*copy.deepcopy(args)), rtol=1e-13)
    np.testing.assert_allclose(_flat(tangent), _fd_along(f, args, {}, wheres, directions),
                               rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f,args,wrt", SPELLINGS, ids=lambda v: getattr(v, "__name__", ""))
def test_the_optimizing_pass_never_changes_a_tangent(f, args, wrt):
    rng = np.random.default_rng(4)
    items = list(wrt) if isinstance(wrt, tuple) else [wrt]
    directions = [_direction(args[i], rng) for i in items]
    tangents = tuple(directions) if isinstance(wrt, tuple) else directions[0]
    _, fast = pullback.jvp(f, wrt=wrt)(*copy.deepcopy(args), tangents)
    _, plain = pullback.jvp(f, wrt=wrt, optimize=False)(*copy.deepcopy(args), tangents)
    np.testing.assert_allclose(_flat(fast), _flat(plain), rtol=1e-12, atol=1e-14)


def with_defaults(x, y=2.0, *, scale=3.0):
    return scale * x ** y


def test_functions_with_defaults_take_the_tangents_last_too():
    f_jvp = pullback.jvp(with_defaults, wrt=(0, "y"))
    value, t = f_jvp(1.5, (1.0, 0.0))
    assert value == with_defaults(1.5) and t == pytest.approx(3.0 * 2.0 * 1.5, rel=1e-12)
    value, t = f_jvp(1.5, 3.0, (0.0, 1.0), scale=1.0)
    assert t == pytest.approx(1.5 ** 3 * math.log(1.5), rel=1e-12)
    with pytest.raises(pullback.PullbackError, match="tuple of 2 tangents"):
        f_jvp(1.5, (1.0, 0.0, 0.0))
    assert pullback.jvp(with_defaults)(1.5, 1.0)[1] == pytest.approx(9.0, rel=1e-12)
    assert "def jvp_with_defaults(dx, dy, x, y=2.0, *, scale=3.0):" in pullback.source(
        with_defaults, wrt=(0, 1), mode="jvp")


def test_scalar_tangent_for_scalar_output_and_array_for_array_output():
    _, t = pullback.jvp(loop_recurrence)(0.3, 1.7, 1.0)
    assert isinstance(t, float)
    _, t = pullback.jvp(array_out)(np.ones(3), np.ones(3))
    assert isinstance(t, np.ndarray) and t.shape == (2,) and t.dtype == float


def test_a_result_that_does_not_vary_has_a_zero_tangent_of_its_shape():
    def constant(x):
        return np.ones(4) * 3.0

    value, t = pullback.jvp(constant)(np.ones(2), np.ones(2))
    assert np.array_equal(t, np.zeros(4))


def test_a_tangent_of_the_wrong_shape_is_refused():
    with pytest.raises(pullback.PullbackError, match="shape"):
        pullback.jvp(array_out)(np.ones(3), np.ones(2))


def test_inputs_and_tangents_are_left_unchanged():
    x, t = np.array([0.5, -1.0, 2.0]), np.array([1.0, 2.0, 3.0])
    x0, t0 = x.copy(), t.copy()
    pullback.jvp(buffer_written)(x, t)
    assert np.array_equal(x, x0) and np.array_equal(t, t0)


# ------------------------------------------------------------------------ errors


def test_a_rule_without_a_tangent_is_a_located_error():
    opaque = np.frompyfunc(lambda v: v * v, 1, 1)  # a callable with no source to read
    pullback.register_rule(opaque)(lambda g, ans, x: g * 2 * x)

    def uses(x):
        y = np.sin(x)
        return opaque(y) * 1.0

    assert pullback.grad(uses)(0.5) == pytest.approx(2 * np.sin(0.5) * np.cos(0.5))
    with pytest.raises(pullback.NoRuleError) as info:
        pullback.jvp(uses)(0.5, 1.0)
    message = str(info.value)
    assert "no forward-mode rule for opaque" in message
    assert "test_forward.py" in message and "return opaque(y) * 1.0" in message


def test_a_call_without_any_rule_is_refused_in_forward_mode_too():
    import fractions

    def uses_unknown(x):
        return float(fractions.Fraction(x)) * x

    with pytest.raises(pullback.NoRuleError, match="Fraction"):
        pullback.jvp(uses_unknown)(1.5, 1.0)


def test_custom_rule_with_a_tangent():
    def cube(x):
        return x ** 3

    def cube_grad(g, ans, x):
        return g * 3 * x ** 2

    def cube_jvp(ans, x, dx):
        return 3 * x ** 2 * dx

    opaque = np.frompyfunc(lambda v: v ** 3, 1, 1)  # no source pullback reads
    pullback.register_rule(opaque, jvp=lambda ans, x, dx: 3 * x ** 2 * dx)(cube_grad)

    def uses(x):
        return np.sin(opaque(x)) * 1.0

    _, t = pullback.jvp(uses)(0.7, 2.0)
    assert t == pytest.approx(np.cos(0.7 ** 3) * 3 * 0.7 ** 2 * 2.0, rel=1e-12)
    assert cube(2.0) == 8.0 and cube_jvp(8.0, 2.0, 1.0) == 12.0


def test_writing_a_value_being_differentiated_into_an_integer_array_is_refused():
    def truncates(x):
        b = np.zeros(3, dtype=int)
        b[0] = x
        return b[0] * 1.0

    with pytest.raises(pullback.PullbackError, match="truncates"):
        pullback.jvp(truncates)(1.5, 1.0)


# ---------------------------------------------------------------------- jacobian


def vector_function(x, w):
    return np.tanh(w @ x) * np.sum(x)


@pytest.mark.parametrize("mode", ["fwd", "rev", "auto"])
def test_jacobian_against_finite_differences(mode):
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=4), rng.normal(size=(3, 4))
    jx, jw = pullback.jacobian(vector_function, wrt=(0, 1), mode=mode)(x, w)
    assert jx.shape == (3, 4) and jw.shape == (3, 3, 4)
    for k in range(4):
        e = np.zeros(4)
        e[k] = 1e-6
        column = (vector_function(x + e, w) - vector_function(x - e, w)) / 2e-6
        np.testing.assert_allclose(jx[:, k], column, rtol=1e-6, atol=1e-8)
    e = np.zeros((3, 4))
    e[1, 2] = 1e-6
    column = (vector_function(x, w + e) - vector_function(x, w - e)) / 2e-6
    np.testing.assert_allclose(jw[:, 1, 2], column, rtol=1e-6, atol=1e-8)


def test_jacobian_of_a_list_argument_and_refusal_of_complex_values():
    def of_list(values, c):
        return np.array([values[0] * values[1], np.sin(values[2]) * c])

    for mode in ("fwd", "rev"):
        j = pullback.jacobian(of_list, mode=mode)([0.5, -1.0, 2.0], 3.0)
        np.testing.assert_allclose(j, [[-1.0, 0.5, 0.0], [0.0, 0.0, 3.0 * np.cos(2.0)]],
                                   rtol=1e-12)
    with pytest.raises(pullback.PullbackError, match="real inputs"):
        pullback.jacobian(array_out)(np.ones(3) * (1 + 1j))


def test_jacobian_modes_agree_and_scalar_cases():
    x = np.array([0.3, -0.2, 0.9])
    forward = pullback.jacobian(array_out, mode="fwd")(x)
    backward = pullback.jacobian(array_out, mode="rev")(x)
    np.testing.assert_allclose(forward, backward, rtol=1e-12)
    j = pullback.jacobian(g, wrt=0)(2.0, -1.0, 0.0)
    assert j == pytest.approx(pullback.grad(g)(2.0, -1.0, 0.0), rel=1e-12)


# --------------------------------------------------------------------------- CLI


def test_cli_shows_the_tangent_code(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = {"PYTHONPATH": str(root / "src"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "pullback", "show",
                           str(root / "examples" / "lecture.py") + ":g", "--wrt", "x,y,z",
                           "--mode", "jvp"], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "def jvp_g(x, y, z, tangents):" in done.stdout
    assert "dd = da + dc" in done.stdout


# ------------------------------------------------------- the soundness probes


# probe id -> what forward mode does today (found by soundness5's probes; remove when fixed)
FORWARD_KNOWN_FAILURES: dict = {}  # probe id -> why its jvp is wrong (none known)


def _probes():
    import soundness_cases

    return [pytest.param(p, id=p.id, marks=[pytest.mark.xfail(
        strict=True, reason=FORWARD_KNOWN_FAILURES[p.id])] if p.id in FORWARD_KNOWN_FAILURES
        else []) for p in soundness_cases.PROBES if p.f is not None]


def _numeric(value):
    try:
        flat = _flat(value)
    except (TypeError, ValueError):
        return False
    return flat.dtype.kind in "fc"


@pytest.mark.filterwarnings("ignore::numpy.exceptions.ComplexWarning")
@pytest.mark.parametrize("probe", _probes())
def test_soundness_probes_are_correct_or_refused_in_forward_mode(probe):
    """Each probe of the soundness suite, in forward mode: the tangent along a random
    direction matches central finite differences, or pullback refuses with a located
    error, or raises f's own error where f raises. Never a wrong number."""
    from test_soundness import _same, location_problem

    f, args, wrt = probe.f, tuple(probe.args), probe.wrt
    if probe.mode == "vjp" or probe.effects is not None:
        pytest.skip("vjp probes and probes that change module state are for reverse mode")
    items = list(wrt) if isinstance(wrt, tuple) else [wrt]
    f_error = None
    try:
        value = f(*copy.deepcopy(args))
    except Exception as e:  # noqa: BLE001 - f's own failure decides what is acceptable
        f_error = e
    rng = np.random.default_rng(11)
    try:
        wheres = [resolve(f, args, {}, item) for item in items]
    except (IndexError, KeyError, TypeError):
        wheres = None
    directions = []
    for _, key in wheres or []:
        x = args[key]
        t = _direction(x, rng)
        if np.iscomplexobj(x) and not isinstance(x, (list, tuple, dict)):
            t = t + 1j * _direction(x, rng)
        directions.append(t)
    tangents = tuple(directions) if isinstance(wrt, tuple) else (directions or [0.0])[0]
    before = copy.deepcopy(args)
    try:
        got, tangent = pullback.jvp(f, wrt=wrt)(*copy.deepcopy(args), tangents)
    except pullback.PullbackError as e:
        problem = location_problem(str(e), probe.located, f)
        assert problem is None, f"refusal does not locate the problem ({problem}):\n{e}"
        return
    except Exception as e:
        if f_error is not None and type(e) is type(f_error) and str(e) == str(f_error):
            return
        raise AssertionError(f"raw {type(e).__name__} from pullback: {e}"
                             + (f" (f raises {f_error!r})" if f_error else "")) from e
    assert f_error is None, f"a result where f raises {f_error!r}"
    for old, new in zip(before, args):
        assert _same(old, new), "jvp modified an argument"
    if not _numeric(value):
        return  # a result that is not a number (a bool, None) has no derivative to compare
    np.testing.assert_allclose(_flat(got), _flat(value), rtol=1e-9, atol=1e-12)
    numeric = _fd_along(f, args, {}, wheres, directions)
    np.testing.assert_allclose(_flat(tangent), numeric, rtol=1e-5, atol=1e-6,
                               err_msg=f"jvp of probe {probe.id} vs finite differences")


# ------------------------------------------------- located errors, as in reverse mode


def _unsupported():
    from test_errors import UNSUPPORTED

    return [pytest.param(fn, alternatives, id=fn.__qualname__.split(".")[0])
            for fn, alternatives in UNSUPPORTED]


@pytest.mark.parametrize("fn,alternatives", _unsupported())
def test_unsupported_syntax_is_refused_in_forward_mode(fn, alternatives):
    from test_errors import location_problems

    with pytest.raises(pullback.UnsupportedSyntaxError) as info:
        pullback.jvp(fn)
    msg = str(info.value)
    assert any(not location_problems(msg, fn, marker)
               and any(k.lower() in msg.lower() for k in keywords)
               for keywords, marker in alternatives), msg


def _no_rule():
    from test_errors import NO_RULE

    return [pytest.param(fn, wrt, name, id=f"{fn.__name__}-wrt={wrt!r}")
            for fn, wrt, name in NO_RULE]


@pytest.mark.parametrize("fn,wrt,name", _no_rule())
def test_call_without_rule_is_refused_in_forward_mode(fn, wrt, name):
    from test_errors import location_problems

    with pytest.raises(pullback.NoRuleError) as info:
        pullback.jvp(fn, wrt=wrt)
    msg = str(info.value)
    assert name in msg and not location_problems(msg, fn), msg


# ----------------------------------------------------------------- golden source


@pytest.mark.parametrize("name,wrt", [("lecture", (0, 1, 2)), ("rnn", (0, 1))])
def test_tangent_code_matches_golden(name, wrt):
    """The tangent code of the lecture example and of an RNN loop is pinned in
    tests/golden/<name>_jvp.py; regenerate with PULLBACK_UPDATE_GOLDEN=1 and review
    the diff."""
    import os
    from pathlib import Path

    import golden_functions

    text = pullback.source(getattr(golden_functions, name), wrt=wrt, mode="jvp")
    path = Path(__file__).parent / "golden" / f"{name}_jvp.py"
    if os.environ.get("PULLBACK_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()


def test_golden_rnn_tangent_against_finite_differences():
    from golden_functions import rnn

    rng = np.random.default_rng(7)
    args = (rng.normal(size=(4, 4)) * 0.4, rng.normal(size=(4, 3)), rng.normal(size=(6, 3)),
            np.zeros(4))
    directions = [rng.normal(size=(4, 4)), rng.normal(size=(4, 3))]
    _, tangent = pullback.jvp(rnn, wrt=(0, 1))(*args, tuple(directions))
    numeric = _fd_along(rnn, args, {}, [("pos", 0), ("pos", 1)], directions)
    np.testing.assert_allclose(tangent, numeric[0], rtol=1e-6, atol=1e-9)


def test_the_custom_rule_of_the_docs_gives_eigenvalue_tangents():
    """docs/custom-rules.md: eigvalsh with a tangent, against finite differences."""
    def eigvalsh_jvp(ans, a, da):
        _, V = np.linalg.eigh(a)
        return np.einsum("ji,jk,ki->i", V, da, V)

    def eigvalsh_grad(g, ans, a):
        _, V = np.linalg.eigh(a)
        return V @ np.diag(g) @ V.T

    eigvalsh = np.vectorize(np.linalg.eigvalsh, signature="(n,n)->(n)")  # an opaque object
    pullback.register_rule(eigvalsh, jvp=eigvalsh_jvp)(eigvalsh_grad)

    def spectrum(A):
        return np.sum(eigvalsh(A) * np.arange(3.0))

    rng = np.random.default_rng(5)
    A = rng.normal(size=(3, 3))
    A = A + A.T
    V = rng.normal(size=(3, 3))
    V = V + V.T  # eigvalsh reads a symmetric matrix: a symmetric direction
    _, t = pullback.jvp(spectrum)(A, V)
    np.testing.assert_allclose(t, _fd_along(spectrum, (A,), {}, [("pos", 0)], [V]),
                               rtol=1e-6, atol=1e-8)


# ------------------------------------------- every rule's tangent, by the table walk
# Each sample of tests/test_rules.py (the table-walking FD test of reverse mode), in
# forward mode: the tangent along a random direction must equal grad . v, or the rule
# is refused ("no forward-mode rule") -- never another number, never a raw error.

import test_rules  # noqa: E402

TABLE_WALK = [(f, expr, shapes, k * 7 + j) for k, (f, samples) in
              enumerate(test_rules.SAMPLES.items()) for j, (expr, shapes) in enumerate(samples)]


@pytest.mark.parametrize("index", range(len(TABLE_WALK)),
                         ids=[f"{getattr(c[0], '__name__', c[0])}:{c[1]}" for c in TABLE_WALK])
def test_rule_tangents_match_reverse_mode(index, tmp_path):
    _, expr, shapes, seed = TABLE_WALK[index]
    f = test_rules._build(expr, len(shapes), tmp_path, f"tangent_{index}")
    args = test_rules._args(shapes, seed)
    wrt = tuple(range(len(shapes)))
    rng = np.random.default_rng(1)
    tangents = tuple(float(rng.normal()) if np.ndim(a) == 0 else rng.normal(size=np.shape(a))
                     for a in args)
    try:
        g = pullback.grad(f, wrt=wrt)(*args)
    except pullback.PullbackError:
        pytest.skip("reverse mode refuses this sample")
    try:
        _, t = pullback.jvp(f, wrt=wrt)(*args, tangents)
    except pullback.NoRuleError as exc:
        assert "forward-mode rule" in str(exc) or "no derivative rule" in str(exc)
        return
    want = sum(np.sum(np.real(np.conj(gi) * ti)) if np.iscomplexobj(gi) else np.sum(gi * ti)
               for gi, ti in zip(g, tangents))
    np.testing.assert_allclose(t, want, rtol=1e-6, atol=1e-8, err_msg=expr)


# ------------------------------------------- loop-carried values updated in place


def _carried_with_continue(x, n=6):
    y = x
    z = x
    for k in range(n):
        y_new = y * 1.1 + np.sin(z)
        if k % 3 == 1:
            continue  # y keeps its value: y_new must not have replaced it
        z = z + 0.1 * y  # reads the old y after y_new is computed
        y = y_new
    return y * z


def _carried_while(x):
    y = x
    k = 0
    while k < 5:
        previous = y
        y = np.tanh(y) + 0.3 * previous
        k += 1
        if np.sum(y) > 10.0:
            break
    return y


@pytest.mark.parametrize("f", [_carried_with_continue, _carried_while])
def test_loop_carried_values_updated_in_place_keep_their_values(f):
    x = np.array([0.3, -0.7, 1.1])
    direction = np.array([0.5, 1.0, -2.0])
    wheres = [("pos", 0)]
    for batched in (False, True):
        t = direction[None] if batched else direction
        value, tangent = pullback.jvp(f, batched=batched)(x, t)
        np.testing.assert_allclose(value, f(x), rtol=1e-14)
        np.testing.assert_allclose(np.ravel(tangent), _fd_along(f, (x,), {}, wheres, [direction]),
                                   rtol=1e-6, atol=1e-8)
    assert " = " in pullback.source(f, mode="jvp")


def _uneven_records(x):
    stack = []
    stack.append((x, x * x))
    stack.append((x, x, x))
    a, b = stack.pop()
    return a * b


def _records_from_outside(x, pair):
    stack = [pair]
    stack.append((x, x * x))
    stack.pop()
    a, b = stack.pop()
    return a * b * x


def test_an_unpacking_that_may_fail_keeps_its_check():
    """Forward mode drops the length check of `a, b = records.pop()` only where every
    record appended is a tuple of that length (a generated gradient's records); here one
    is not, or comes from outside: the unpacking still raises as Python does."""
    for make in (lambda f: pullback.jvp(f), lambda f: pullback.jvp(f, optimize=False)):
        with pytest.raises(ValueError, match="too many values to unpack"):
            make(_uneven_records)(0.3, 1.0)
        with pytest.raises(ValueError, match="too many values to unpack"):
            make(_records_from_outside)(0.3, (1.0, 2.0, 3.0), 1.0)
        value, tangent = make(_records_from_outside)(0.3, (1.0, 2.0), 1.0)
        assert value == pytest.approx(0.6) and tangent == pytest.approx(2.0)


def _integer_factors(x, y):
    return x ** 3 * 2 + 3 * x * y - y ** 2 + math.sin(x)


@pytest.mark.parametrize("args", [(1.5, -0.5), (2, 3), (-1.25, 4)])
def test_integer_factors_of_a_tangent_are_floats_with_the_same_products(args):
    """Of numbers, `x ** 3` has the tangent `dx * 3.0 * x ** 2`: the product Python
    computes with the integer 3, converted first (for integer arguments too)."""
    assert "dx * 3.0 * x ** 2" in pullback.source(_integer_factors, wrt=(0, 1), mode="jvp")
    x, y = args
    value, tangent = pullback.jvp(_integer_factors, wrt=(0, 1))(x, y, (0.5, -2.0))
    assert value == _integer_factors(x, y)
    expected = (6 * x**2 + 3 * y + math.cos(x)) * 0.5 + (3 * x - 2 * y) * -2.0
    assert tangent == pytest.approx(expected, rel=1e-14)
