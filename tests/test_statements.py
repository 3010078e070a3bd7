"""Effect statements and blocks: raise, assert, calls made for their effect, in-place
NumPy writes, with and try/except. Gradients are checked against central finite
differences; effects are counted (they run as often under the gradient as under f);
what stays unsupported is refused with the file and the line."""

from __future__ import annotations

import functools
import logging
import operator
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import statement_cases as sc
from fd import assert_grad_matches, numeric_grad
from test_errors import location_problems

import pullback

V = np.array([0.5, -1.2, 0.8])
W = np.array([0.7, 1.3, 2.1, 0.2])


def same_failure(f, args, wrt=0):
    """f raises; the gradient raises the same exception type with the same message."""
    with pytest.raises(Exception) as expected:
        f(*args)
    with pytest.raises(type(expected.value)) as got:
        pullback.grad(f, wrt=wrt)(*args)
    assert str(got.value) == str(expected.value)
    return got.value


def located(fn, error=pullback.PullbackError, *args):
    with pytest.raises(error) as info:
        pullback.grad(fn)(*args) if args else pullback.grad(fn)
    problems = location_problems(str(info.value).replace("statement_cases.py",
                                                         "error_cases.py"), fn)
    assert not problems, (problems, str(info.value))
    return str(info.value)


# ------------------------------------------------------------------ raise


@pytest.mark.parametrize("f,args", [
    (sc.raise_argument_check, (V,)),
    (sc.raise_scalar_guard, (0.7,)),
    (sc.raise_in_loop, (W,)),
    (sc.raise_in_while, (0.3,)),
    (sc.raise_only_branch_sets, (V,)),
    (sc.raise_in_callee, (1.3,)),
])
def test_raise_on_the_path_not_taken_changes_nothing(f, args):
    assert_grad_matches(f, args)


@pytest.mark.parametrize("f,args", [
    (sc.raise_argument_check, (np.array([1.0]),)),
    (sc.raise_scalar_guard, (-1.0,)),
    (sc.raise_in_loop, (np.array([0.5, 11.0, 1.0]),)),
    (sc.raise_only_branch_sets, (np.array([0.5, -6.0]),)),
    (sc.raise_in_callee, (60.0,)),
])
def test_raise_raises_the_same_exception(f, args):
    same_failure(f, args)


def test_raise_in_while_loop_raises_like_f():
    def stuck(x):
        y = x
        steps = 0
        while y < 5.0:
            if steps > 3:
                raise RuntimeError(f"no progress after {steps} steps")
            y = y * 1.01
            steps += 1
        return y

    same_failure(stuck, (0.5,))


def test_unreachable_guard_after_returns():
    assert_grad_matches(sc.raise_unreachable_guard, (0.7, "square"))
    assert_grad_matches(sc.raise_unreachable_guard, (0.7, "cube"))
    same_failure(sc.raise_unreachable_guard, (0.7, "quartic"))


def test_raise_in_vjp_and_value_and_grad():
    value, g = pullback.value_and_grad(sc.raise_in_loop)(W)
    assert value == pytest.approx(sc.raise_in_loop(W))
    np.testing.assert_allclose(g, numeric_grad(sc.raise_in_loop, (W,)), rtol=1e-6)
    with pytest.raises(OverflowError, match="too large"):
        pullback.vjp(sc.raise_in_loop)(np.array([20.0]), 1.0)


# ------------------------------------------------------------------ assert


def test_assert_passes_through_when_it_holds():
    assert_grad_matches(sc.assert_with_message, (V,))
    assert_grad_matches(sc.assert_in_callee, (0.4,))
    assert_grad_matches(sc.assert_in_callee, (-1.4,))


def test_assert_fails_as_in_f():
    error = same_failure(sc.assert_with_message, (np.ones((2, 2)),))
    assert "2 dimensions" in str(error)
    same_failure(sc.assert_with_message, (np.array([1.0, np.inf]),))


def test_assert_is_dropped_under_python_O(tmp_path):
    script = tmp_path / "optimized.py"
    script.write_text(
        "import numpy as np, pullback\n"
        "def f(x):\n"
        "    assert x > 10.0, 'never holds'\n"
        "    return x * x\n"
        "print(f(3.0), pullback.grad(f)(3.0))\n")
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-O", str(script)], capture_output=True,
                            text=True, env={"PYTHONPATH": str(root / "src"),
                                            "PATH": "/usr/bin:/bin"}, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["9.0", "6.0"]


# ------------------------------------------------------------------ effect calls


def test_print_runs_as_often_as_in_f(capsys):
    sc.print_in_loop(V)
    expected = capsys.readouterr().out
    g = pullback.grad(sc.print_in_loop)(V)
    assert capsys.readouterr().out == expected
    assert expected.count("step") == 3 and expected.count("positive") == 2
    np.testing.assert_allclose(g, numeric_grad(sc.print_in_loop, (V,)), rtol=1e-6)
    capsys.readouterr()


def test_method_called_for_its_effect_runs_as_often_as_in_f():
    before = sc.TICKS.count
    sc.ticks_in_loop(0.3)
    in_f = sc.TICKS.count - before
    assert_grad_matches(sc.ticks_in_loop, (0.3,))  # runs f, the gradient and the fd's f
    before = sc.TICKS.count
    pullback.grad(sc.ticks_in_loop)(0.3)
    assert sc.TICKS.count - before == in_f == 5
    before = sc.TICKS.count
    pullback.value_and_grad(sc.ticks_in_loop)(0.3)
    assert sc.TICKS.count - before == in_f


def test_warnings_and_logging_run_as_in_f(caplog):
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.DEBUG):
        warnings.simplefilter("always")
        sc.warn_and_log(0.5)
        in_f = (len(caught), len(caplog.records))
        g = pullback.grad(sc.warn_and_log)(0.5)
        in_grad = (len(caught) - in_f[0], len(caplog.records) - in_f[1])
    assert in_f == in_grad == (1, 3)
    assert "small x: 0.500" in str(caught[-1].message)
    assert g == pytest.approx(2 * 0.5 + 1.0)


def test_print_of_a_differentiated_value_and_bare_expressions(capsys):
    assert_grad_matches(sc.bare_expression_statements, (V,))

    def shows(x):
        y = np.sin(x)
        print(y, x)
        return y * x

    assert_grad_matches(shows, (0.3,))
    capsys.readouterr()
    with pytest.raises(IndexError):
        pullback.grad(sc.bare_expression_statements)(np.zeros(0))


def test_method_on_a_parameter_object_runs_and_arrays_are_refused():
    counter = sc.Counter()
    g = pullback.grad(sc.method_on_parameter_object)(0.3, counter)
    assert g == pytest.approx(0.6) and counter.count == 1
    # a list has no tick(): the gradient fails where f fails, with f's own error
    with pytest.raises(AttributeError, match="no attribute 'tick'"):
        pullback.grad(sc.method_on_parameter_object)(0.3, [1.0])
    with pytest.raises(AttributeError, match="no attribute 'tick'"):
        sc.method_on_parameter_object(0.3, [1.0])


# ------------------------------------------------------------------ in-place NumPy writes


@pytest.mark.parametrize("f", [sc.fill_diagonal_with_value, sc.fill_then_write,
                               sc.copyto_and_out, sc.fill_overwrites_what_was_read,
                               sc.out_used_as_a_value, sc.out_of_a_python_function])
def test_in_place_numpy_writes_follow_the_rules_of_subscript_writes(f):
    assert_grad_matches(f, (V,))
    assert_grad_matches(f, (W[:3],))


def test_fill_diagonal_of_non_square_and_errors_like_numpy():
    def wide(v):
        A = np.ones((2, 3))
        np.fill_diagonal(A, v[0])
        return np.sum(A * v)

    assert_grad_matches(wide, (V,))

    def flat(v):
        a = np.zeros(3)
        np.fill_diagonal(a, v[0])
        return np.sum(a)

    with pytest.raises(ValueError):
        pullback.grad(flat)(V)


# ------------------------------------------------------------------ with


def test_with_blocks():
    assert_grad_matches(sc.with_errstate, (np.abs(V) + 0.1,))
    before = (sc.Managed.entered, sc.Managed.exited)
    assert_grad_matches(sc.with_manager_as, (0.4,))
    entered = sc.Managed.entered - before[0]
    assert entered == sc.Managed.exited - before[1] == 9  # f, the gradient, two fd calls
    assert_grad_matches(sc.with_two_managers, (0.4,))
    assert_grad_matches(sc.with_two_managers, (-0.4,))
    assert_grad_matches(sc.with_suppress_no_exception, (0.4,))


def test_with_errstate_covers_the_body_and_its_adjoint():
    v = np.array([0.5, 0.0, 1.0])
    with np.errstate(all="raise"):  # outside the block, a 0/0 raises
        value, g = pullback.value_and_grad(sc.with_errstate)(v)
        with pytest.raises(FloatingPointError):
            pullback.grad(lambda v: np.sum(np.log(v) * v))(v)
    assert np.isnan(value) and np.isnan(g[1])
    np.testing.assert_allclose(g[[0, 2]], np.log(v[[0, 2]]) + 1.0)

    def in_loop(v):
        total = 0.0
        for i in range(3):
            with np.errstate(divide="ignore"):
                if v[i] > 0.6:
                    total = total + np.log(v[i]) * v[i]
                else:
                    total = total + v[i] / 0.5
        return total

    assert_grad_matches(in_loop, (np.array([0.5, 0.7, 1.0]),))
    assert_grad_matches(in_loop, (np.array([0.9, 0.2, 0.3]),))


def test_a_manager_that_swallows_an_exception_is_refused_when_it_does():
    message = located(sc.with_suppress_swallowing, pullback.UnsupportedSyntaxError, 0.5)
    assert "swallowed" in message


# ------------------------------------------------------------------ try / except


def test_try_fallback_follows_the_path_taken():
    spd = np.array([[2.0, 0.3], [0.3, 1.0]])
    indefinite = np.array([[1.0, 2.0], [2.0, 1.0]])
    for K in (spd, indefinite):
        assert_grad_matches(sc.try_cholesky, (K,), rtol=1e-4)
    assert_grad_matches(sc.try_log_fallback, (0.7,))
    assert_grad_matches(sc.try_log_fallback, (-0.7,))
    assert_grad_matches(sc.try_else, (0.7,))
    assert_grad_matches(sc.try_else, (-0.7,))


def test_several_except_clauses_run_the_first_that_matches(capsys):
    for x, mode in ((0.5, 0), (-0.5, 0), (0.5, 1), (0.5, 2)):
        assert_grad_matches(sc.try_several_handlers, (x, mode))
    assert "caught 'k'" in capsys.readouterr().out


def test_try_in_a_loop_with_pushes_before_the_exception():
    assert "del tape[tape_mark:]" in pullback.source(sc.try_nested_pushes_then_fail)
    for v in (np.array([0.3, 2.0, -0.6, 1.4]), np.array([0.05, 1.3, -0.2, 0.75]),
              np.array([-0.1, -1.3, 0.2, 0.01])):
        assert_grad_matches(sc.try_nested_pushes_then_fail, (v,))
    for v in (np.array([0.3, 2.0, 0.6, 1.4]), np.array([0.9, 1.3, 0.2, 0.75])):
        assert_grad_matches(sc.try_in_loop, (v,))
        assert_grad_matches(sc.try_last_assignment, (v - 0.5,))
        assert_grad_matches(sc.try_in_callee, (v - 0.5,))


def test_try_returns_and_reraises(capsys):
    assert_grad_matches(sc.try_returns, (0.7,))
    assert_grad_matches(sc.try_returns, (-0.7,))
    assert "fell back: math domain error" in capsys.readouterr().out
    error = same_failure(sc.try_reraise_from, (-0.5,))
    assert isinstance(error.__cause__, ValueError)
    assert_grad_matches(sc.try_reraise_from, (0.5,))
    same_failure(sc.try_bare_reraise, (-0.5,))
    assert_grad_matches(sc.try_bare_reraise, (0.5,))


def test_try_in_vjp_and_value_and_grad():
    K = np.array([[1.0, 2.0], [2.0, 1.0]])
    value, g = pullback.value_and_grad(sc.try_cholesky)(K)
    assert value == pytest.approx(sc.try_cholesky(K))
    np.testing.assert_allclose(g, numeric_grad(sc.try_cholesky, (K,)), rtol=1e-4)

    def factor(K):
        try:
            return np.linalg.cholesky(K)
        except np.linalg.LinAlgError:
            return np.linalg.cholesky(K + 10.0 * np.eye(2))

    seed = np.array([[1.0, 0.0], [0.5, -2.0]])
    got = pullback.vjp(factor)(K, seed)
    expected = numeric_grad(lambda k: np.sum(factor(k) * seed), (K,))
    np.testing.assert_allclose(got, expected, rtol=1e-4)


# ------------------------------------------------------------------ refused, located


@pytest.mark.parametrize("fn,words", [
    (sc.refused_handler_reads_body, "except clause reads 'y'"),
    (sc.refused_partial_body_read_after, "'y' is assigned in the try body"),
    (sc.refused_write_in_try, "in-place write or list update in a try body"),
    (sc.refused_append_in_try, "in-place write or list update in a try body"),
    (sc.refused_finally, "finally"),
    (sc.refused_computed_exception_type, "exception type"),
    (sc.refused_effect_receives_differentiated, "a value being differentiated"),
    (sc.refused_effect_receives_array, "receives 'idx'"),
    (sc.refused_effect_on_module_list, "module-level list"),
    (sc.refused_effect_on_module_array, "module-level ndarray"),
    (sc.refused_method_on_local_list, "reverse"),
    (sc.refused_out_without_rule, "out= of np.ldexp"),
])
def test_refused_with_file_and_line(fn, words):
    message = located(fn)
    assert re.search(re.escape(words), message), message


def test_out_bound_to_a_name_is_the_array_written():
    """y = np.exp(..., out=buf): y and buf name one array, the write made after buf's first
    read (whose derivative keeps the values it read)."""
    v = np.array([0.3, -0.2, 0.9])
    np.testing.assert_allclose(pullback.grad(sc.out_bound_to_a_name)(v), np.ones(3))
    _, tangent = pullback.jvp(sc.out_bound_to_a_name)(v, v)
    assert tangent == pytest.approx(np.sum(v))


def test_text_of_a_differentiated_value_never_carries_it_into_the_result(capsys):
    def leak_fstring(x):
        s = f"{x:.6f}"
        return float(s) * x

    def leak_str(x):
        return float(str(x)) * x

    for f in (leak_fstring, leak_str):
        with pytest.raises(pullback.NoRuleError, match="text made from 'x'"):
            pullback.grad(f)

    def message(x):
        if x > 10.0:
            raise ValueError("big: " + str(x) + repr(x))
        print(format(x, ".2f"), f"{x!r:>12}")
        return x * x

    assert_grad_matches(message, (0.7,))
    same_failure(message, (11.0,))
    capsys.readouterr()


def test_pullbacks_own_run_time_refusals_are_not_caught_by_the_users_except():
    counter = sc.Counter()
    for x in (0.7, -0.7):
        expected = numeric_grad(sc.try_catches_everything, (x, counter))
        assert pullback.grad(sc.try_catches_everything)(x, counter) == pytest.approx(
            expected, rel=1e-6)
    # f: a list has no tick(), the except clause catches it; so does the gradient's
    assert pullback.grad(sc.try_catches_everything)(0.7, [1.0]) == pytest.approx(1.4)
    assert "raise_own(caught)" in pullback.source(sc.try_catches_everything)


def _head_and_rest(v):
    head, *rest = v
    return head * np.sum(rest)


def _init_and_last(v):
    *init, last = v
    return sum(x ** 2 for x in init) * last


def _first_middle_last(v):
    first, *middle, last = v
    return first * last + len(middle) * middle[0]


def _starred_from_a_display(v):
    a, *rest = [v[0], v[1] * 2.0]
    return a * rest[0] * len(rest)


def _two_then_rest(v):
    a, b, *rest = v
    return a * b + (rest[0] if rest else 0.0)


@pytest.mark.parametrize("f", [_head_and_rest, _init_and_last, _first_middle_last,
                               _starred_from_a_display, _two_then_rest])
def test_starred_assignment_targets(f):
    """`a, *rest = values`: rest is the list of the values between, as in Python."""
    assert_grad_matches(f, (V,))
    value, grad = pullback.value_and_grad(f)(V)
    assert value == pytest.approx(f(V))


def test_starred_assignment_closed_form_and_too_short_values():
    v = np.array([2.0, 3.0, 5.0])
    # head * (v1 + v2): d/dv = (v1 + v2, head, head)
    np.testing.assert_allclose(pullback.grad(_head_and_rest)(v), [8.0, 2.0, 2.0])
    same_failure(_first_middle_last, (np.array([1.0]),))


def test_unpacking_a_sequence_of_another_length_raises_as_in_f():
    def fallback(x, pair):
        try:
            a, b = pair
        except ValueError:
            a, b = 1.0, 2.0
        return a * x + b * x * x

    for pair in ((3.0, 4.0), (3.0, 4.0, 5.0), (3.0,)):
        expected = numeric_grad(fallback, (0.5, pair))
        assert pullback.grad(fallback)(0.5, pair) == pytest.approx(expected, rel=1e-6)

    def first_two(v):
        a, b = v[:2]
        return a * b

    assert_grad_matches(first_two, (V,))
    same_failure(first_two, (V[:1],))
    same_failure(lambda v: sum(a * b for a, b in v), ([(1.0, 2.0), (3.0, 4.0, 5.0)],))


def _delete_a_temporary(v):
    outer = np.outer(v, v)
    total = np.sum(outer)
    del outer
    return total * 2.0


def _delete_then_rebind(v):
    a = v * 2.0
    b = a ** 2
    del a, b
    a = v ** 3
    return np.sum(a)


def _delete_inside_a_loop(v):
    y = v * 2.0
    for i in range(2):
        z = y * i
        del z
    return np.sum(y ** 2)


def _read_after_delete(v):
    a = v * 2.0
    del a
    return np.sum(a)  # noqa: F821 (f fails here too)


@pytest.mark.parametrize("f", [_delete_a_temporary, _delete_then_rebind,
                               _delete_inside_a_loop])
def test_del_of_names(f):
    assert_grad_matches(f, (V,))


def test_a_name_read_after_del_fails_as_in_f():
    same_failure(_read_after_delete, (V,))
    with pytest.raises(UnboundLocalError):
        pullback.grad(_read_after_delete)(V)


def test_del_of_an_item_is_refused_at_its_line():
    def drop_key(v):
        d = {"a": v, "b": 2.0 * v}
        del d["a"]
        return np.sum(d["b"])

    with pytest.raises(pullback.UnsupportedSyntaxError, match="del of an item") as info:
        pullback.grad(drop_key)
    assert 'del d["a"]' in str(info.value) or "del d['a']" in str(info.value)


def _walrus_in_a_test(v):
    if (n := np.sum(v ** 2)) > 1.0:
        return n ** 2
    return n


def _walrus_in_a_comprehension(v):
    kept = [y for x in v if (y := x * 2.0) > -1.0]
    return sum(kept) * y  # y: the last value the comprehension bound, as in Python


def _walrus_in_a_while_test(v):
    total, i = 0.0, 0
    while (i := i + 1) < 4:
        total = total + v[i % 3] * i
    return total


def _walrus_short_circuited(v):
    m = 0.5
    if v[0] > 10.0 and (m := v[1] * 3.0) > 0.0:
        return m
    return m * v[2]


@pytest.mark.parametrize("f", [_walrus_in_a_test, _walrus_in_a_comprehension,
                               _walrus_in_a_while_test, _walrus_short_circuited])
def test_assignment_expressions(f):
    assert_grad_matches(f, (V,))
    assert pullback.value_and_grad(f)(V)[0] == pytest.approx(f(V))


def _nonlocal_accumulator(v):
    total = 0.0

    def add(x):
        nonlocal total
        total += x

    for x in v:
        add(x ** 2)
    return total


def _nonlocal_state_and_counter(v):
    state, count = v[0], 0

    def step(x):
        nonlocal state, count
        state = np.tanh(state * x)
        count = count + 1
        return state

    for x in v:
        step(x)
    return state * count


def _nonlocal_running_max(v):
    best = -10.0

    def see(x):
        nonlocal best
        if x > best:
            best = x

    for x in v:
        see(x * 2.0)
    return best


@pytest.mark.parametrize("f", [_nonlocal_accumulator, _nonlocal_state_and_counter,
                               _nonlocal_running_max])
def test_nested_functions_setting_the_functions_variables(f):
    assert_grad_matches(f, (V,))
    assert pullback.value_and_grad(f)(V)[0] == pytest.approx(f(V))
    assert pullback.jvp(f)(V, np.ones(3))[0] == pytest.approx(f(V))


def _make_counter():
    calls = 0

    def scaled(x):
        nonlocal calls  # the differentiated function itself sets its enclosing variable
        calls += 1
        return x * calls

    return scaled


def test_nonlocal_in_the_differentiated_function_itself_is_refused():
    with pytest.raises(pullback.UnsupportedSyntaxError, match="nonlocal statement") as info:
        pullback.grad(_make_counter())
    assert "nonlocal calls" in str(info.value)


def _reduce_product(v):
    return functools.reduce(operator.mul, v, 1.0)


def _reduce_lambda_without_initial(v):
    return functools.reduce(lambda a, b: a * 0.5 + b ** 2, v)


def _reduce_matrix_chain(v):
    mats = [np.eye(2) * v[0], np.eye(2) * v[1] + 1.0, np.eye(2) * v[2]]
    return np.sum(functools.reduce(np.dot, mats))


def _reduce_module_function(v):
    return functools.reduce(_product_of_two, [x * x for x in v], 0.5)


def _product_of_two(a, b):
    return a * b + a


@pytest.mark.parametrize("f", [_reduce_product, _reduce_lambda_without_initial,
                               _reduce_matrix_chain, _reduce_module_function])
def test_functools_reduce_is_the_loop_it_stands_for(f):
    assert_grad_matches(f, (V,))
    assert pullback.value_and_grad(f)(V)[0] == pytest.approx(f(V))


def test_functools_reduce_closed_form_and_empty_values():
    v = np.array([2.0, 3.0, 5.0])
    np.testing.assert_allclose(pullback.grad(_reduce_product)(v), [15.0, 10.0, 6.0])
    same_failure(_reduce_lambda_without_initial, (np.zeros(0),))
