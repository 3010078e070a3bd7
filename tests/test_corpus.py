"""pullback's gradients on the corpus, against finite differences and closed forms,
plus the API's contract: value_and_grad, vjp, wrt by name, kwargs, decorator form,
caching and redefinition, live globals, and non-scalar outputs."""

from __future__ import annotations

import ast
import functools
import importlib.util
import math
import sys
import textwrap
import uuid

import corpus
import numpy as np
import pytest
from corpus import CASES, VJP_CASES, sample_points
from fd import (
    assert_close,
    assert_grad_matches,
    assert_unchanged,
    check_structure,
    numeric_grad,
    snapshot,
)

import pullback

IDS = [case.name for case in CASES]
CLOSED = [case for case in CASES if case.closed_form is not None]


def _scaled(g, wrt, k):
    """k times a gradient, or k times each of a tuple of gradients."""
    if isinstance(wrt, tuple):
        return tuple(k * np.asarray(x) for x in g)
    return k * np.asarray(g)


# ----------------------------------------------------------------- the corpus


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradient_matches_finite_differences(case):
    for args in sample_points(case):
        assert_grad_matches(
            case.fn, args, wrt=case.wrt, kwargs=case.kw, rtol=case.rtol, atol=case.atol
        )


@pytest.mark.parametrize("case", CLOSED, ids=[c.name for c in CLOSED])
def test_gradient_matches_closed_form(case):
    df = pullback.grad(case.fn, wrt=case.wrt)
    for args in sample_points(case):
        got = df(*args, **case.kw)
        check_structure(case.fn, args, case.kw, case.wrt, got)
        expected = case.closed_form(*args, **case.kw)
        assert_close(got, expected, rtol=1e-7, atol=1e-9, what=f"closed form of {case.name}")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_value_and_grad(case):
    vg = pullback.value_and_grad(case.fn, wrt=case.wrt)
    df = pullback.grad(case.fn, wrt=case.wrt)
    for args in sample_points(case):
        before = snapshot(args, case.kw)
        result = vg(*args, **case.kw)
        assert_unchanged(before, args, case.kw, "value_and_grad")
        assert isinstance(result, tuple) and len(result) == 2, (
            f"value_and_grad must return (value, gradient), got {result!r}"
        )
        value, grads = result
        expected_value = case.fn(*snapshot(args)[0], **case.kw)
        assert np.ndim(value) == 0, f"value should be a scalar, got {value!r}"
        np.testing.assert_allclose(value, expected_value, rtol=1e-10, atol=1e-12)
        check_structure(case.fn, args, case.kw, case.wrt, grads)
        assert_close(grads, df(*args, **case.kw), rtol=1e-10, atol=1e-12,
                     what="value_and_grad's gradient vs grad")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_vjp_with_unit_seed_is_grad(case):
    vjp = pullback.vjp(case.fn, wrt=case.wrt)
    df = pullback.grad(case.fn, wrt=case.wrt)
    for args in sample_points(case):
        before = snapshot(args, case.kw)
        got = vjp(*args, 1.0, **case.kw)
        assert_unchanged(before, args, case.kw, "vjp")
        check_structure(case.fn, args, case.kw, case.wrt, got)
        g = df(*args, **case.kw)
        assert_close(got, g, rtol=1e-10, atol=1e-12, what="vjp(seed=1.0) vs grad")
        scaled = vjp(*args, 2.5, **case.kw)
        assert_close(scaled, _scaled(g, case.wrt, 2.5), rtol=1e-10, atol=1e-12,
                     what="vjp(seed=2.5) vs 2.5 * grad")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_source_is_python(case):
    src = pullback.source(case.fn, wrt=case.wrt)
    assert isinstance(src, str) and src.strip(), "source() must return the generated code"
    tree = ast.parse(src)
    assert any(isinstance(node, ast.FunctionDef) for node in ast.walk(tree)), src


def test_corpus_is_large_and_named_uniquely():
    assert len(CASES) >= 90
    assert len(set(IDS)) == len(IDS)


# ------------------------------------------------------------ fixed points


def test_lecture_example_at_the_lecture_point():
    g = pullback.grad(corpus.lecture_g, wrt=(0, 1, 2))(2.0, -1.0, 0.0)
    assert isinstance(g, tuple) and len(g) == 3
    assert all(isinstance(v, float) for v in g)
    np.testing.assert_allclose(g, (-3.96, -0.99, 1.99), atol=0.005)
    assert_close(g, corpus._cf_lecture_g(2.0, -1.0, 0.0), rtol=1e-10, atol=1e-12)
    value, g2 = pullback.value_and_grad(corpus.lecture_g, wrt=(0, 1, 2))(2.0, -1.0, 0.0)
    assert value == pytest.approx(math.sin(3.0))
    assert_close(g2, g, rtol=1e-10, atol=0)


def test_sum_of_squares_is_two_x():
    x = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -0.25]])
    g = pullback.grad(corpus.mode_switch)(x, mode=0)
    np.testing.assert_allclose(g, np.ones_like(x), rtol=1e-10)
    g = pullback.grad(corpus.scaled_power)(x, scale=1.0, power=2)
    np.testing.assert_allclose(g, 2 * x, rtol=1e-10, atol=1e-10)


def test_newton_iteration_converges_to_the_true_derivative():
    for a in (0.7, 2.0, 4.0, 8.5):
        g = pullback.grad(corpus.newton_sqrt)(a)
        assert g == pytest.approx(0.5 / math.sqrt(a), rel=1e-8)


# ------------------------------------------------------------------- API shape


def test_default_wrt_is_first_argument():
    x, y, z = 0.3, -0.7, 0.4
    g = pullback.grad(corpus.lecture_g)(x, y, z)
    assert isinstance(g, float)
    assert g == pytest.approx(corpus._cf_lecture_g(x, y, z)[0], rel=1e-10)


def test_wrt_by_name_and_by_tuple():
    args = (0.8, 0.3, -0.5)
    full = corpus._cf_lecture_g(*args)
    f = corpus.lecture_g
    assert pullback.grad(f, wrt="y")(*args) == pytest.approx(full[1], rel=1e-10)
    assert pullback.grad(f, wrt=2)(*args) == pytest.approx(full[2], rel=1e-10)
    gx, gz = pullback.grad(f, wrt=("x", "z"))(*args)
    assert (gx, gz) == pytest.approx((full[0], full[2]), rel=1e-10)
    gz2, gx2 = pullback.grad(f, wrt=("z", 0))(*args)
    assert (gz2, gx2) == pytest.approx((full[2], full[0]), rel=1e-10)
    single = pullback.grad(f, wrt=(1,))(*args)
    assert isinstance(single, tuple) and len(single) == 1
    assert single[0] == pytest.approx(full[1], rel=1e-10)
    v, gy = pullback.value_and_grad(f, wrt="y")(*args)
    assert v == pytest.approx(f(*args)) and gy == pytest.approx(full[1], rel=1e-10)


def test_wrt_names_on_arrays():
    rng = np.random.default_rng(11)
    W1, b1, W2, x = rng.normal(size=(4, 3)), rng.normal(size=4), rng.normal(size=(2, 4)), \
        rng.normal(size=3)
    expected = corpus._cf_mlp(W1, b1, W2, x)
    gW2, gb1 = pullback.grad(corpus.mlp_two_layer, wrt=("W2", "b1"))(W1, b1, W2, x)
    assert_close((gW2, gb1), (expected[2], expected[1]), rtol=1e-10, atol=1e-12)
    gx = pullback.grad(corpus.mlp_two_layer, wrt="x")(W1, b1, W2, x)
    assert_close(gx, expected[3], rtol=1e-10, atol=1e-12)


def test_keyword_arguments_pass_through():
    x = np.array([0.3, -1.2, 0.8])
    f = corpus.mode_switch
    np.testing.assert_allclose(pullback.grad(f)(x), np.ones(3), rtol=1e-10)
    np.testing.assert_allclose(pullback.grad(f)(x, mode=1), np.cos(x), rtol=1e-10)
    np.testing.assert_allclose(pullback.grad(f)(x, mode=2), 3 * x**2, rtol=1e-10)
    value, g = pullback.value_and_grad(f)(x, mode=1)
    assert value == pytest.approx(np.sum(np.sin(x)))
    np.testing.assert_allclose(g, np.cos(x), rtol=1e-10)
    np.testing.assert_allclose(pullback.vjp(f)(x, 2.0, mode=2), 6 * x**2, rtol=1e-10)
    g = pullback.grad(corpus.scaled_power)(x, power=3, scale=-0.5)
    np.testing.assert_allclose(g, -1.5 * x**2, rtol=1e-10)
    w = np.array([0.5, 1.5, -1.0])
    gx, gw = pullback.grad(corpus.keyword_bias, wrt=(0, 1))(x, w, bias=-0.2)
    t = 1 - np.tanh(w * x - 0.2) ** 2
    assert_close((gx, gw), (t * w, t * x), rtol=1e-10, atol=1e-12)


def test_scalar_argument_mixed_with_arrays_gets_float_gradient():
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    ga, gx = pullback.grad(corpus.scalar_times_array, wrt=(0, 1))(1.3, x)
    assert isinstance(ga, float) and not isinstance(ga, np.ndarray)
    assert isinstance(gx, np.ndarray) and gx.shape == x.shape
    assert_close((ga, gx), corpus._cf_scalar_times_array(1.3, x), rtol=1e-10, atol=1e-12)


def test_unused_argument_gets_zero_gradient_of_its_shape():
    x, y = np.array([1.0, 2.0, 3.0]), np.array([[1.0, 2.0], [3.0, 4.0]])
    gx, gy = pullback.grad(corpus.zero_gradient_argument, wrt=(0, 1))(x, y)
    np.testing.assert_allclose(gx, 4 * x)
    assert isinstance(gy, np.ndarray) and gy.shape == y.shape
    np.testing.assert_array_equal(gy, np.zeros((2, 2)))


def test_decorator_form():
    @pullback.grad
    def dpoly(x):
        return np.sum(x**3 - 2.0 * x) + 1.0

    assert dpoly(1.5) == pytest.approx(3 * 1.5**2 - 2.0, rel=1e-10)
    assert isinstance(dpoly(0.25), float)
    g = dpoly(np.array([0.0, 1.0, -2.0]))
    np.testing.assert_allclose(g, [-2.0, 1.0, 10.0], rtol=1e-10)


def test_decorator_form_at_module_level(tmp_path):
    mod = _load(tmp_path, "decorated", """
        import numpy as np
        import pullback


        @pullback.grad
        def dloss(w, x):
            return np.sum(np.tanh(w * x) ** 2)
    """)
    w, x = np.array([0.5, -0.2]), np.array([1.0, 3.0])
    t = np.tanh(w * x)
    np.testing.assert_allclose(mod.dloss(w, x), 2 * t * (1 - t**2) * x, rtol=1e-10)


# ---------------------------------------------------------------------- vjp


@pytest.mark.parametrize("case", VJP_CASES, ids=[c.name for c in VJP_CASES])
def test_vjp_of_array_outputs(case):
    rng = np.random.default_rng(5)
    vjp = pullback.vjp(case.fn, wrt=case.wrt)
    for args in sample_points(case):
        out = case.fn(*snapshot(args)[0])
        assert np.ndim(out) >= 1
        seed = rng.normal(size=np.shape(out))
        before = snapshot(args + (seed,))
        got = vjp(*args, seed)
        assert_unchanged(before, args + (seed,), what="vjp")
        check_structure(case.fn, args, {}, case.wrt, got)

        @functools.wraps(case.fn)
        def weighted(*a, seed=seed):
            return np.sum(seed * case.fn(*a))

        expected = numeric_grad(weighted, args, wrt=case.wrt)
        assert_close(got, expected, rtol=1e-5, atol=1e-7, what=f"vjp of {case.name}")
        # linear in the seed
        twice = vjp(*args, 2.0 * seed)
        assert_close(twice, _scaled(got, case.wrt, 2.0), rtol=1e-10, atol=1e-12,
                     what="vjp(2 * seed)")


def test_vjp_with_one_hot_seed_gives_jacobian_rows():
    rng = np.random.default_rng(3)
    W, x = rng.normal(size=(3, 4)) * 0.5, rng.normal(size=4)
    vjp = pullback.vjp(corpus.vec_tanh_affine, wrt=1)
    t = 1 - np.tanh(W @ x) ** 2
    for i in range(3):
        seed = np.zeros(3)
        seed[i] = 1.0
        np.testing.assert_allclose(vjp(W, x, seed), t[i] * W[i], rtol=1e-10, atol=1e-12)


# array outputs computed without in-place buffers, so only the output shape is at issue
PLAIN_ARRAY_OUTPUTS = [c for c in VJP_CASES
                       if c.name in ("vec_tanh_affine", "vec_softmax", "mat_outer_sin")]


@pytest.mark.parametrize("case", PLAIN_ARRAY_OUTPUTS, ids=[c.name for c in PLAIN_ARRAY_OUTPUTS])
def test_grad_of_array_output_points_to_vjp(case):
    args = sample_points(case, n=1)[0]
    with pytest.raises(Exception) as info:
        pullback.grad(case.fn, wrt=case.wrt)(*args)
    assert "vjp" in str(info.value)


# ------------------------------------------------------- caching, redefinition


def _load(tmp_path, stem, source, name=None):
    """Import `source` (dedented) as a fresh module from a real file under tmp_path."""
    path = tmp_path / f"{stem}.py"
    path.write_text(textwrap.dedent(source))
    name = name or f"pb_test_{stem}_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def test_grad_twice_gives_identical_results():
    case = next(c for c in CASES if c.name == "rnn_hidden_buffer")
    args = sample_points(case, n=1)[0]
    g1 = pullback.grad(case.fn, wrt=case.wrt)(*args)
    g2 = pullback.grad(case.fn, wrt=case.wrt)(*args)
    df = pullback.grad(case.fn, wrt=case.wrt)
    g3, g4 = df(*args), df(*args)
    for a, b, c, d in zip(g1, g2, g3, g4):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(a, d)
    assert pullback.source(case.fn, wrt=case.wrt) == pullback.source(case.fn, wrt=case.wrt)


def test_different_wrt_on_same_function_are_not_confused():
    x, y, z = 0.9, -0.4, 0.2
    f = corpus.lecture_g
    full = corpus._cf_lecture_g(x, y, z)
    for i in (0, 1, 2, 0, 2, 1):
        assert pullback.grad(f, wrt=i)(x, y, z) == pytest.approx(full[i], rel=1e-10)


def test_different_functions_get_different_gradients():
    x = np.array([0.4, -1.1, 2.0])
    np.testing.assert_allclose(pullback.grad(corpus.mode_switch)(x), np.ones(3))
    np.testing.assert_allclose(pullback.grad(corpus.numpy_abs_square)(x),
                               2 * np.abs(x) + 2 * x, rtol=1e-10)


def test_same_name_in_two_modules(tmp_path):
    a = _load(tmp_path, "twin_a", """
        def f(x):
            return x ** 2
    """)
    b = _load(tmp_path, "twin_b", """
        def f(x):
            return x ** 3 + 1.0
    """)
    assert pullback.grad(a.f)(1.5) == pytest.approx(3.0)
    assert pullback.grad(b.f)(1.5) == pytest.approx(6.75)
    assert pullback.grad(a.f)(1.5) == pytest.approx(3.0)


def test_redefinition_in_one_file(tmp_path):
    mod = _load(tmp_path, "redef", """
        def f(x):
            return x * x

        first = f


        def f(x):
            return 5.0 * x
    """)
    assert pullback.grad(mod.first)(2.0) == pytest.approx(4.0)
    assert pullback.grad(mod.f)(2.0) == pytest.approx(5.0)
    assert pullback.grad(mod.first)(3.0) == pytest.approx(6.0)


def test_rewritten_file_reloaded_gives_new_gradient(tmp_path):
    name = f"pb_test_reload_{uuid.uuid4().hex}"
    old = _load(tmp_path, "edited", """
        def f(x):
            return x ** 2
    """, name=name)
    assert pullback.grad(old.f)(3.0) == pytest.approx(6.0)
    new = _load(tmp_path, "edited", """
        import math


        def f(x):
            y = math.sin(x)
            return y * x
    """, name=name)
    expected = math.cos(3.0) * 3.0 + math.sin(3.0)
    assert pullback.grad(new.f)(3.0) == pytest.approx(expected, rel=1e-10)


def test_exec_redefinition_in_one_namespace(tmp_path):
    namespace = {"np": np}
    for i, (body, expected) in enumerate([
        ("return np.sum(x ** 2)", lambda x: 2 * x),
        ("return np.sum(np.exp(x))", np.exp),
        ("return np.sum(x * K)", lambda x: np.full_like(x, 4.0)),
    ]):
        path = tmp_path / f"cell_{i}.py"
        path.write_text(f"K = 4.0\n\n\ndef loss(x):\n    {body}\n")
        exec(compile(path.read_text(), str(path), "exec"), namespace)
        x = np.array([0.5, -0.25, 1.5])
        np.testing.assert_allclose(pullback.grad(namespace["loss"])(x), expected(x), rtol=1e-10)
    namespace["K"] = -1.0
    np.testing.assert_allclose(pullback.grad(namespace["loss"])(x), np.full(3, -1.0))


# -------------------------------------------------------------- live globals


def test_globals_are_read_live():
    x = np.array([0.5, -1.0, 2.0, 0.25])
    old_w, old_s = corpus.W_LIVE, corpus.SCALE_LIVE
    df = pullback.grad(corpus.uses_live_globals)
    try:
        np.testing.assert_allclose(df(x), 2 * old_s * old_w * x, rtol=1e-10)
        corpus.W_LIVE = np.array([3.0, 0.0, -1.0, 1.0])
        np.testing.assert_allclose(df(x), 2 * old_s * corpus.W_LIVE * x, rtol=1e-10)
        np.testing.assert_allclose(pullback.grad(corpus.uses_live_globals)(x),
                                   2 * old_s * corpus.W_LIVE * x, rtol=1e-10)
        corpus.SCALE_LIVE = -0.5
        np.testing.assert_allclose(df(x), -1.0 * corpus.W_LIVE * x, rtol=1e-10)
        value, g = pullback.value_and_grad(corpus.uses_live_globals)(x)
        assert value == pytest.approx(-0.5 * np.sum(corpus.W_LIVE * x**2))
        corpus.W_LIVE[0] = 10.0  # in-place change of the same global array
        np.testing.assert_allclose(df(x)[0], -1.0 * 10.0 * x[0], rtol=1e-10)
    finally:
        corpus.W_LIVE, corpus.SCALE_LIVE = old_w, old_s
    np.testing.assert_allclose(df(x), 2 * old_s * old_w * x, rtol=1e-10)


# --------------------------------------------------------------- lambdas themselves

SQUARE = lambda x: x * x  # noqa: E731
PAIR = (lambda x: x * 2.0, lambda x: np.sum(x * x * 5.0))
TABLE = {"scaled sine": (lambda v, w=3.0: np.sum(np.sin(v) * w),
                         "a lambda inside a display spanning lines")}


def test_a_lambda_is_differentiated_like_a_def():
    assert pullback.grad(SQUARE)(3.0) == pytest.approx(6.0)
    assert pullback.grad(lambda x: x * x * x)(2.0) == pytest.approx(12.0)
    # two lambdas on one line: each is found by where its code comes from
    assert pullback.grad(PAIR[0])(1.0) == pytest.approx(2.0)
    x = np.array([0.5, -1.0])
    np.testing.assert_allclose(pullback.grad(PAIR[1])(x), 10.0 * x)
    v = np.array([0.1, 0.7, -0.3])
    fn = TABLE["scaled sine"][0]
    assert_grad_matches(fn, (v,))
    assert_grad_matches(fn, (v, 0.5), wrt=(0, 1))
    assert "def dlambda" in pullback.source(SQUARE)


def test_a_lambda_without_readable_source_is_a_clear_error():
    fn = eval("lambda x: x * 2.0")  # no file to read it from
    with pytest.raises(pullback.PullbackError, match="source"):
        pullback.grad(fn)(1.0)
