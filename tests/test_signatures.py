"""`*args` and `**kwargs` in the differentiated function and its callees, star-unpacking
at calls: gradients against central finite differences, in several spellings; `wrt`
counts positional arguments as passed and names keywords passed through **kwargs."""

import functools

import numpy as np
import pytest
import signature_cases as sc
from fd import assert_grad_matches, numeric_grad

import pullback

RNG = np.random.default_rng(7)
X3 = RNG.normal(size=3)
A22, B22 = RNG.normal(size=(2, 2)), RNG.normal(size=(2, 2))

CASES = [
    # (function, args, kwargs, wrt)
    (sc.objective_with_args, (X3, np.array([0.5, 1.5, 2.0]), 0.7), {}, 0),
    (sc.objective_with_args, (X3, np.array([0.5, 1.5, 2.0]), 0.7), {}, (0, 1, 2)),
    (sc.args_indexed_and_counted, (0.8, 1.3, -0.4, 0.9), {}, (0, 1, 2, 3)),
    (sc.args_looped, (0.6, 1.2, 0.7), {}, (0, 1, 2)),
    (sc.only_args, (0.5, 1.5, -0.2), {}, (0, 1, 2)),
    (sc.kwargs_read, (X3,), {"scale": 0.8, "shift": 0.3}, (0, "scale", "shift")),
    (sc.kwargs_looped, (X3,), {"a": 0.8, "b": -0.3}, (0, "a", "b")),
    (sc.args_and_kwargs, (X3, X3 + 1.0, 0.4), {"c": 1.7}, (0, 1, 2, "c")),
    (sc.callee_takes_args, (RNG.normal(size=3), RNG.normal(size=3)), {}, (0, 1)),
    (sc.callee_args_mixed, (0.7, -1.1), {}, (0, 1)),
    (sc.forwards_args, (X3, X3 ** 2, 0.4), {}, (0, 1, 2)),
    (sc.forwards_some_args, (X3, X3 ** 2, 0.4), {}, (0, 1, 2)),
    (sc.lambda_forwarding, (A22, B22), {}, (0, 1)),
    (sc.forwarding_lambda, (A22, B22), {}, (0, 1)),
    (sc.forwards_kwargs, (np.abs(X3) + 0.5,), {"scale": 1.3, "power": 3}, (0, "scale")),
    (sc.keywords_into_kwargs_callee, (0.9,), {}, 0),
    (sc.opts_dict_spread, (np.abs(X3) + 0.5, 0.8), {}, (0, 1)),
    (sc.star_list_call, (X3, 0.6), {}, (0, 1)),
    (sc.star_in_middle, (X3, 0.6), {}, (0, 1)),
    (sc.nested_spreads, (X3, 0.6), {}, (0, 1)),
    (sc.zip_star_unpacked, (0.7, 1.4), {}, (0, 1)),
    (sc.zip_star_looped, (0.7, 1.4), {}, (0, 1)),
    (sc.zip_star_listed, (0.7, 1.4), {}, (0, 1)),
    (sc.dict_get_with_defaults, (0.7, 1.4), {}, (0, 1)),
    (sc.dict_get_of_an_argument, ({"scale": 1.3}, X3), {}, 1),
    (sc.dict_setdefault, (0.7, 1.4), {}, (0, 1)),
    (sc.dict_from_zip, (0.7, 1.4), {}, (0, 1)),
    (sc.dict_from_keywords_and_copy, (0.7, 1.4), {}, (0, 1)),
    (sc.dict_items_updated, (0.7, 1.4), {}, (0, 1)),
    (sc.min_max_of_many, (0.7, 1.4), {}, (0, 1)),
    (sc.min_max_of_many, (-0.7, 1.4), {}, (0, 1)),
    (sc.min_max_of_many, (1.7, 0.3), {}, (0, 1)),
    (sc.min_max_with_default, (0.7, 1.4), {}, (0, 1)),
    (sc.min_max_with_default, (11.0, 1.4), {}, (0, 1)),
    (sc.set_members_not_differentiated, (0.7, 1.4), {}, (0, 1)),
    (sc.partial_with_keywords, (0.7, 1.4), {}, (0, 1)),
    (sc.partial_positional_in_map, (0.7, 1.4), {}, (0, 1)),
    (sc.partial_of_numpy, (RNG.normal(size=(2, 3)),), {}, 0),
    (sc.partial_called_where_made, (0.7, 1.4), {}, (0, 1)),
    (sc.partial_keeps_its_arguments, (0.7, 1.4), {}, (0, 1)),
    (sc.filtered_sums, (0.7, 1.4), {}, (0, 1)),
    (sc.filtered_sums, (-0.7, 1.4), {}, (0, 1)),
    (sc.getters, (0.7, 1.4), {}, (0, 1)),
    (sc.getters, (2.7, -1.4), {}, (0, 1)),
    (sc.operator_functions, (0.7, 1.4), {}, (0, 1)),
    (sc.reduce_with_defaults, (X3, 0.6), {}, (0, 1)),
    (sc.passes_other_functions, (X3, 0.6), {}, (0, 1)),
]


@pytest.mark.parametrize("func, args, kwargs, wrt", CASES,
                         ids=[f"{c[0].__name__}-{c[3]}" for c in CASES])
@pytest.mark.parametrize("optimize", [True, False])
def test_signatures_match_finite_differences(func, args, kwargs, wrt, optimize):
    got = pullback.grad(func, wrt=wrt, optimize=optimize)(*args, **kwargs)
    expected = numeric_grad(func, args, wrt, kwargs)
    for g, e in zip(got if isinstance(wrt, tuple) else (got,),
                    expected if isinstance(wrt, tuple) else (expected,)):
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-8)


def test_full_check_of_a_star_args_objective():
    """Types, structure, unchanged inputs and values, as every corpus case is checked."""
    assert_grad_matches(sc.objective_with_args, (X3, np.array([0.5, 1.5, 2.0]), 0.7),
                        wrt=(0, 2))


def test_wrt_counts_arguments_as_passed():
    a = np.array([0.5, 1.5, 2.0])
    whole = pullback.grad(sc.objective_with_args, wrt="args")(X3, a, 0.7)
    assert isinstance(whole, tuple) and len(whole) == 2
    np.testing.assert_allclose(whole[0], X3 ** 2)
    np.testing.assert_allclose(whole[1], np.sum(X3))
    np.testing.assert_allclose(pullback.grad(sc.objective_with_args, wrt=1)(X3, a, 0.7),
                               X3 ** 2)
    np.testing.assert_allclose(pullback.grad(sc.objective_with_args, wrt=2)(X3, a, 0.7),
                               np.sum(X3))


def test_wrt_names_a_keyword_passed_through_kwargs():
    got = pullback.grad(sc.kwargs_read, wrt="shift")(X3, scale=0.8, shift=0.3)
    assert got == pytest.approx(0.6)
    whole = pullback.grad(sc.kwargs_read, wrt="options")(X3, scale=0.8, shift=0.3)
    assert set(whole) == {"scale", "shift"} and whole["shift"] == pytest.approx(0.6)
    np.testing.assert_allclose(whole["scale"], np.sum(X3 / np.cosh(0.8 * X3) ** 2))


def test_wrt_past_the_arguments_passed_is_a_clear_error():
    df = pullback.grad(sc.objective_with_args, wrt=3)
    with pytest.raises(pullback.PullbackError, match="argument 2 of \\*args.*passed 2"):
        df(X3, np.ones(3), 0.7)
    dk = pullback.grad(sc.kwargs_read, wrt="missing")
    with pytest.raises(pullback.PullbackError, match="keyword argument 'missing'"):
        dk(X3, scale=0.8, shift=0.3)


def test_negative_wrt_with_star_args_is_refused():
    with pytest.raises(pullback.PullbackError, match="takes \\*args"):
        pullback.grad(sc.objective_with_args, wrt=-1)


def test_value_and_grad_and_vjp_with_star_args():
    a = np.array([0.5, 1.5, 2.0])
    value, g = pullback.value_and_grad(sc.objective_with_args, wrt=(0, 2))(X3, a, 0.7)
    assert value == pytest.approx(sc.objective_with_args(X3, a, 0.7))
    np.testing.assert_allclose(g[1], np.sum(X3))

    def stretched(x, *factors):
        return x * factors[0] + factors[1] * x ** 2

    seed = np.array([1.0, -2.0, 0.5])
    got = pullback.vjp(stretched, wrt=(0, 2))(X3, 1.5, 0.25, seed)
    np.testing.assert_allclose(got[0], seed * (1.5 + 0.5 * X3))
    assert got[1] == pytest.approx(np.sum(seed * X3 ** 2))


def test_gradient_is_recomputed_for_each_call():
    """The same gradient function with *args of other lengths and values."""
    df = pullback.grad(sc.args_looped, wrt=(0, 1))
    for args in [(0.6, 1.2), (0.6, 1.2, 0.7), (0.3, -0.5, 0.7, 1.1)]:
        got = df(*args)
        expected = numeric_grad(sc.args_looped, args, (0, 1))
        np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_starred_expression_in_a_display_is_differentiated():
    def starred_display(x):
        values = (*[x, x * x], 1.0)
        return values[0] * values[1]

    np.testing.assert_allclose(pullback.grad(starred_display)(0.7), 3 * 0.7 ** 2)


def test_star_call_of_a_library_function_is_refused_located():
    def star_into_numpy(x):
        pair = (x, 2.0 * x)
        return np.maximum(*pair)

    # a library function given *xs runs as written, so the refusal comes where it receives
    # values being differentiated, which its rule cannot bind
    with pytest.raises(pullback.PullbackError, match="np.maximum") as info:
        pullback.grad(star_into_numpy)(np.array([0.5, -1.0]))
    assert "np.maximum(*pair)" in str(info.value)
    assert "pass the arguments one by one" in str(info.value)


def test_calling_f_itself_is_unaffected():
    a = np.array([0.5, 1.5, 2.0])
    before = sc.objective_with_args(X3, a, 0.7)
    pullback.grad(sc.objective_with_args)(X3, a, 0.7)
    assert sc.objective_with_args(X3, a, 0.7) == before


def test_a_set_of_differentiated_values_is_refused_located():
    def set_of_values(x):
        values = {x, 2.0 * x}
        return sum(values)

    with pytest.raises(pullback.NoRuleError, match="no derivative rule for set") as info:
        pullback.grad(set_of_values)
    assert "values = {x, 2.0 * x}" in str(info.value)


def test_dict_pop_is_the_read_then_the_key_gone():
    def popped(x):
        d = {"a": x, "b": 2.0}
        v = d.pop("a")
        return v * d["b"] + d.get("a", 0.0)

    assert pullback.grad(popped)(0.7) == pytest.approx(2.0)  # more: test_statements_python3


def test_get_on_something_that_is_not_a_mapping_is_a_clear_error():
    class Box:
        def get(self, key, default=None):
            return 3.0

    def reads(x, box):
        return x * box.get("k", 1.0)

    with pytest.raises(pullback.PullbackError, match="methods of dicts"):
        pullback.grad(reads)(0.5, Box())


def test_dict_of_pairs_held_by_a_name_is_a_clear_error():
    def from_pairs(x):
        pairs = [("a", x), ("b", 2.0 * x)]
        d = dict(pairs)
        return d["a"] * d["b"]

    with pytest.raises(pullback.PullbackError, match="dict.zip.keys, values"):
        pullback.grad(from_pairs)(0.5)


@pytest.mark.parametrize("params", [{"scale": 1.3}, {"scale": 1.3, "shift": -0.4}, {}])
def test_get_of_a_dict_argument_gives_a_dict_gradient(params):
    got = pullback.grad(sc.dict_get_of_an_argument, wrt=(0, 1))(params, X3)
    assert set(got[0]) == set(params)
    scale, shift = params.get("scale", 2.0), params.get("shift", 0.5)
    if "scale" in params:
        assert got[0]["scale"] == pytest.approx(np.sum(X3 ** 2))
    if "shift" in params:
        assert got[0]["shift"] == pytest.approx(np.sum(X3))
    np.testing.assert_allclose(got[1], 2.0 * scale * X3 + shift)


def test_a_partial_used_as_a_value_is_refused_located():
    def returns_partial(x):
        h = functools.partial(sc.weighted_power, x)
        return h(2.0) + len([h])

    with pytest.raises(pullback.PullbackError) as info:
        pullback.grad(returns_partial)(0.5)
    assert "test_signatures.py" in str(info.value)


def _exec_defined(text, filename, register):
    import linecache

    if register:
        linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace = {"np": np}
    exec(compile(text, filename, "exec"), namespace)
    return namespace


EXEC_TEXT = (
    "def inner(v):\n"
    "    return np.sin(v) * v\n"
    "\n"
    "def outer(x, y):\n"
    "    return np.sum(inner(x) * y) + (lambda t: t ** 2)(y)\n"
)


def test_functions_defined_with_exec_whose_text_is_in_linecache():
    """As IPython registers a cell: the gradient reads the text from linecache."""
    namespace = _exec_defined(EXEC_TEXT, "<ipython-input-41-5e2c>", register=True)
    x, y = RNG.normal(size=3), 0.7
    got = pullback.grad(namespace["outer"], wrt=(0, 1))(x, y)
    expected = numeric_grad(namespace["outer"], (x, y), (0, 1))
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-6)


def test_functions_defined_with_exec_without_their_text_are_refused_clearly():
    namespace = _exec_defined(EXEC_TEXT, "<generated-42>", register=False)
    with pytest.raises(pullback.PullbackError,
                       match="compiled from a string .*'<generated-42>', line 4.*linecache"):
        pullback.grad(namespace["outer"])


def test_grad_of_numpy_scalar_and_zero_dimensional_results():
    def numpy_scalar(x):
        return np.float64(x[0]) * np.sum(np.sin(x))

    def zero_dimensional(x):
        return np.array(np.sum(x ** 2) * 0.5)

    for f in (numpy_scalar, zero_dimensional):
        x = RNG.normal(size=3)
        np.testing.assert_allclose(pullback.grad(f)(x), numeric_grad(f, (x,), 0), rtol=1e-6)


def test_grad_of_an_array_result_says_to_use_vjp():
    def vector(x):
        return np.sin(x) * 2.0

    with pytest.raises(pullback.PullbackError, match="pullback.vjp"):
        pullback.grad(vector)(RNG.normal(size=3))


def test_vjp_of_nested_structures_and_wrong_seeds():
    def structured(x, y):
        return {"pair": (x * y, np.sin(x)), "list": [y ** 2, {"deep": x * 3.0}]}

    x, y = RNG.normal(size=2), 0.8
    seed = {"pair": (np.array([1.0, -1.0]), np.array([0.5, 2.0])),
            "list": [3.0, {"deep": np.array([1.0, 1.0])}]}
    gx, gy = pullback.vjp(structured, wrt=(0, 1))(x, y, seed)

    def scalarized(x, y):
        out = structured(x, y)
        return (np.sum(out["pair"][0] * seed["pair"][0]) + np.sum(out["pair"][1] * seed["pair"][1])
                + out["list"][0] * seed["list"][0]
                + np.sum(out["list"][1]["deep"] * seed["list"][1]["deep"]))

    expected = numeric_grad(scalarized, (x, y), (0, 1))
    np.testing.assert_allclose(gx, expected[0], rtol=1e-6)
    assert gy == pytest.approx(expected[1])
    wrong = [dict(seed, list=[3.0]), dict(seed, pair=np.ones(2)),
             dict(seed, list=[3.0, {"deep": np.ones(3)}]), {"pair": seed["pair"]}]
    for bad in wrong:
        with pytest.raises(pullback.PullbackError, match="vjp: "):
            pullback.vjp(structured, wrt=(0, 1))(x, y, bad)


def test_array_namespace_code_uses_numpy_rules():
    scipy_api = pytest.importorskip("scipy._lib._array_api")
    sklearn_api = pytest.importorskip("sklearn.utils._array_api")

    def scipy_spelling(x):
        xp = scipy_api.array_namespace(x)
        return xp.sum(x ** 2, axis=0) + xp.mean(xp.sin(x))

    def sklearn_spelling(x):
        xp, _ = sklearn_api.get_namespace(x)
        return xp.sum(xp.exp(x) * x)

    def module_alias(x):
        xp = np
        return xp.sum(xp.tanh(x)) * xp.max(x)

    x = RNG.normal(size=4)
    for f in (scipy_spelling, sklearn_spelling, module_alias):
        for optimize in (True, False):
            got = pullback.grad(f, optimize=optimize)(x)
            np.testing.assert_allclose(got, numeric_grad(f, (x,), 0), rtol=1e-6)


def test_a_namespace_of_another_library_is_refused_when_the_gradient_runs():
    from pullback.runtime.helpers import numpy_namespace

    class Other:
        __name__ = "torch"

    with pytest.raises(pullback.PullbackError, match="NumPy arrays only\n  File"):
        numpy_namespace(lambda x: Other(), (1.0,), 'File "f.py", line 3')


def test_np_bound_to_the_namespace_inside_the_function():
    scipy_api = pytest.importorskip("scipy._lib._array_api")

    def rebinds_np(x):
        xp = scipy_api.array_namespace(x)
        np = xp  # noqa: F811 (the spelling under test)
        return np.sum(np.cos(x) * x)

    x = RNG.normal(size=3)
    np.testing.assert_allclose(pullback.grad(rebinds_np)(x), numeric_grad(rebinds_np, (x,), 0),
                               rtol=1e-6)


def test_a_local_named_np_with_array_methods_is_refused_located():
    def local_np(x):
        np = x  # noqa: F811
        return np.sum()

    with pytest.raises(pullback.UnsupportedSyntaxError, match="variable named np") as info:
        pullback.grad(local_np)
    assert "return np.sum()" in str(info.value)


def test_passing_another_function_for_a_function_default_gets_its_gradient():
    df = pullback.grad(sc.reduce_with_defaults, wrt=(0, 1))
    for args in [(X3, 0.6, np.mean), (X3, 0.6, np.mean, np.sin), (X3, 0.6)]:
        got = df(*args)
        for g, expected in zip(got, numeric_grad(sc.reduce_with_defaults, args, (0, 1))):
            np.testing.assert_allclose(g, expected, rtol=1e-6)
    with pytest.raises(pullback.PullbackError, match="_reduce=sum .its default.*'mean'") as info:
        df(X3, 0.6, "mean")
    assert "def reduce_with_defaults" in str(info.value)
