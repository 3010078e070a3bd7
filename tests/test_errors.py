"""What pullback refuses, and how it says so.

Every refusal happens when `pullback.grad(f)` is called (the transform), and its
message names the construct, the file, the line, and shows the source line.
The expected line is found from the `# <- here` marker in error_cases.py.
"""

from __future__ import annotations

import inspect
import math
import os
import re

import error_cases as ec
import numpy as np
import pytest
from fd import assert_grad_matches

import pullback

HERE = "# <- here"


def marked(fn, marker=HERE):
    """(line number in the file, code text) of the one line of fn marked with `marker`."""
    lines, start = inspect.getsourcelines(fn)
    hits = [i for i, line in enumerate(lines) if line.rstrip().endswith(marker)]
    assert len(hits) == 1, f"{fn.__name__} must have exactly one {marker!r} line, has {len(hits)}"
    text = lines[hits[0]].rstrip()[: -len(marker)].strip()
    return start + hits[0], text


def location_problems(msg, fn, marker=HERE):
    """What the message lacks to locate the marked line: [] when it has it all."""
    lineno, text = marked(fn, marker)
    problems = []
    if "error_cases.py" not in msg:
        problems.append("the file name error_cases.py")
    if not re.search(rf"(?<!\d){lineno}(?!\d)", msg):
        problems.append(f"the line number {lineno}")
    if text not in msg:
        problems.append(f"the source line {text!r}")
    return problems


def test_marked_lines_are_where_the_file_says():
    # guards the helper itself: the marker's line, read straight from the file
    path = inspect.getsourcefile(ec.uses_try)
    assert os.path.basename(path) == "error_cases.py"
    with open(path) as fh:
        lines = fh.read().splitlines()
    for fn in (ec.uses_try, ec.uses_async, ec.gamma_active, ec.make_nonlocal_closure()):
        lineno, text = marked(fn)
        assert lines[lineno - 1].strip().startswith(text) and HERE in lines[lineno - 1]


def test_error_classes():
    assert issubclass(pullback.UnsupportedSyntaxError, pullback.PullbackError)
    assert issubclass(pullback.NoRuleError, pullback.PullbackError)
    assert issubclass(pullback.PullbackError, Exception)
    assert not issubclass(pullback.NoRuleError, pullback.UnsupportedSyntaxError)
    assert not issubclass(pullback.UnsupportedSyntaxError, pullback.NoRuleError)


# --------------------------------------------------------- unsupported syntax

# (function, [(keywords naming the construct, marker of the line to report), ...]):
# the error must match one alternative: one of its keywords (case-insensitive)
# and the marked line's file, number and text.
UNSUPPORTED = [
    (ec.uses_class, [(("class",), HERE)]),
    (ec.uses_try, [(("try",), HERE)]),
    (ec.uses_with, [(("with",), HERE)]),
    (ec.uses_yield, [(("yield",), HERE)]),
    (ec.uses_global, [(("global",), HERE)]),
    (ec.make_nonlocal_closure(), [(("nonlocal",), HERE)]),
    (ec.uses_async, [(("async",), HERE)]),
    (ec.uses_del, [(("del",), HERE)]),
    (ec.uses_lambda, [(("lambda",), HERE)]),
    (ec.uses_nested_def, [(("nested", "def"), HERE)]),
    (ec.uses_starred, [(("star",), HERE)]),
    (ec.unsupported_after_supported_code, [(("try",), HERE)]),
    (ec.closure_returned_on_one_path, [(("returns a function", "other values"), HERE)]),
    (ec.closure_kept_in_a_dict, [(("closure", "used other than called"), HERE)]),
    (ec.nested_function_put_in_a_list, [(("lambda used as a value",), HERE)]),
]


@pytest.mark.parametrize(
    "fn,alternatives", UNSUPPORTED, ids=[fn.__qualname__.split(".")[0] for fn, _ in UNSUPPORTED]
)
def test_unsupported_syntax_is_refused_at_transform_time(fn, alternatives):
    with pytest.raises(pullback.UnsupportedSyntaxError) as info:
        pullback.grad(fn)
    assert isinstance(info.value, pullback.PullbackError)
    msg = str(info.value)
    reasons = []
    for keywords, marker in alternatives:
        problems = location_problems(msg, fn, marker)
        if not any(k.lower() in msg.lower() for k in keywords):
            problems.append(f"a name of the construct (one of {keywords})")
        if not problems:
            return
        reasons.append(f"for {marker!r}: missing " + ", ".join(problems))
    pytest.fail(f"error message {msg!r} is incomplete: " + "; ".join(reasons))


@pytest.mark.parametrize("api", ["value_and_grad", "vjp", "source"])
def test_other_entry_points_refuse_too(api):
    x = 0.7
    with pytest.raises(pullback.UnsupportedSyntaxError) as info:
        transformed = getattr(pullback, api)(ec.uses_try)
        if api == "value_and_grad":
            transformed(x)
        elif api == "vjp":
            transformed(x, 1.0)
    assert "try" in str(info.value).lower()
    assert not location_problems(str(info.value), ec.uses_try)


def test_refusal_does_not_poison_later_transforms():
    with pytest.raises(pullback.UnsupportedSyntaxError):
        pullback.grad(ec.uses_lambda)
    assert pullback.grad(ec.gamma_inactive_constant)(0.5) == pytest.approx(2.0)
    with pytest.raises(pullback.UnsupportedSyntaxError):
        pullback.grad(ec.uses_lambda)


# ----------------------------------------------------------------- no rule

NO_RULE = [
    (ec.gamma_active, 0, "math.gamma"),
    (ec.unwrap_active, 0, "np.unwrap"),
    (ec.cond_active, 0, "np.linalg.cond"),
    (ec.gamma_of_second_argument, 1, "math.gamma"),
    (ec.gamma_of_second_argument, "n", "math.gamma"),
    (ec.gamma_of_second_argument, (0, 1), "math.gamma"),
]


@pytest.mark.parametrize(
    "fn,wrt,name", NO_RULE, ids=[f"{fn.__name__}-wrt={wrt!r}" for fn, wrt, _ in NO_RULE]
)
def test_call_without_rule_on_active_value(fn, wrt, name):
    with pytest.raises(pullback.NoRuleError) as info:
        pullback.grad(fn, wrt=wrt)
    assert isinstance(info.value, pullback.PullbackError)
    msg = str(info.value)
    assert name in msg, f"{msg!r} should name the function as written, {name!r}"
    lineno, _ = marked(fn)
    assert "error_cases.py" in msg, msg
    assert re.search(rf"(?<!\d){lineno}(?!\d)", msg), f"{msg!r} should give line {lineno}"


def test_same_call_on_inactive_values_is_fine():
    g = pullback.grad(ec.gamma_inactive_constant)(0.5)
    assert isinstance(g, float) and g == pytest.approx(2.0, rel=1e-10)
    assert_grad_matches(ec.gamma_inactive_constant, (1.3,))

    g = pullback.grad(ec.gamma_of_second_argument, wrt=0)(0.8, 3.5)
    assert g == pytest.approx(math.gamma(3.5), rel=1e-10)
    g = pullback.grad(ec.gamma_of_second_argument, wrt="x")(0.8, 4.5)
    assert g == pytest.approx(math.gamma(4.5), rel=1e-10)

    g = pullback.grad(ec.eigh_inactive_global)(1.7)
    assert g == pytest.approx(np.trace(ec.SPD_CONST), rel=1e-10)

    x, y = np.array([0.5, -1.0, 2.0, 0.3]), np.array([1.0, 2.0, -0.5, 0.25])
    g = pullback.grad(ec.fft_inactive_argument, wrt=0)(x, y)
    np.testing.assert_allclose(g, np.abs(np.fft.fft(y)), rtol=1e-10)
    assert_grad_matches(ec.fft_inactive_argument, (x, y), wrt=0)


# ---------------------------------------------- messages in the user's own terms


def test_writing_into_a_copy_made_by_the_copy_method_is_supported():
    assert_grad_matches(ec.writes_into_copy_method, (np.array([1.0, 2.0, 3.0]), 0.5),
                        wrt=(0, 1))


# (function, error class, fragments the message must contain, fragments it must not)
IN_USER_TERMS = [
    (ec.writes_into_array_not_copied, pullback.UnsupportedSyntaxError,
     ["in-place write to 'b'", "cannot prove is a new array", "b = np.copy(b)"], []),
    (ec.writes_into_rebound_buffer, pullback.UnsupportedSyntaxError,
     ["in-place write to 'buf'", "buf = np.copy(buf)"], ["buf_"]),
    (ec.aliases_rebound_buffer, pullback.UnsupportedSyntaxError,
     ["other = buf gives a second name", "use np.copy(buf)"], ["buf_"]),
    (ec.calls_rebound_local_function, pullback.NoRuleError,
     ["call to act,", "cannot resolve"], ["act_"]),
]


@pytest.mark.parametrize("fn, error, wanted, unwanted", IN_USER_TERMS,
                         ids=[c[0].__name__ for c in IN_USER_TERMS])
def test_messages_speak_the_users_terms(fn, error, wanted, unwanted):
    with pytest.raises(error) as info:
        pullback.grad(fn, wrt=0)
    msg = str(info.value)
    assert not location_problems(msg, fn), msg
    for text in wanted:
        assert text in msg
    for text in unwanted:
        assert text not in msg.splitlines()[0]


# ------------------------------------- functions that receive a nested function

# (differentiated function, function holding the marked line, words the message must have)
MISUSED_FUNCTIONS = [
    (ec.passes_lambda_to_keeper, ec.keeps_function,
     ["keeps_function uses its parameter 'f', which receives a lambda, as a value"]),
    (ec.passes_lambda_to_packer, ec.packs_function, ["uses its parameter 'f'", "as a value"]),
    (ec.passes_def_to_reassigner, ec.reassigns_function,
     ["reassigns_function assigns to its parameter 'f'", "nested function 'scale'"]),
    (ec.passes_lambda_to_recursion, ec.repeats, ["recursive function 'repeats'"]),
    (ec.passes_lambda_to_mutual_recursion, ec.pong_function,
     ["recursive function 'ping_function'"]),
    (ec.passes_function_to_mapper, ec.maps_through_lambda,
     ["lambda inside maps_through_lambda, which receives a lambda"]),
    (ec.passes_lambda_to_undefined, ec.reads_undefined_global,
     ["reads 'NOT_DEFINED_ANYWHERE', which is not defined"]),
    (ec.passes_lambda_to_builtin, ec.passes_lambda_to_builtin,
     ["a lambda passed to itertools.starmap, which is not a Python function pullback can read"]),
    (ec.passes_lambda_to_nondifferentiable, ec.passes_lambda_to_nondifferentiable,
     ["passed to stop_gradient, which has a registered derivative rule or is marked "
      "non-differentiable"]),
]


@pytest.mark.parametrize("fn, where, wanted", MISUSED_FUNCTIONS,
                         ids=[c[0].__name__ for c in MISUSED_FUNCTIONS])
def test_functions_receiving_a_nested_function_must_only_call_it(fn, where, wanted):
    from pullback import rules

    saved = set(rules.NONDIFF)
    if fn is ec.passes_lambda_to_nondifferentiable:
        pullback.nondifferentiable(ec.stop_gradient)
    try:
        with pytest.raises(pullback.UnsupportedSyntaxError) as info:
            pullback.grad(fn)
    finally:  # the registration would show in every later listing of the rules
        rules.NONDIFF.clear()
        rules.NONDIFF.update(saved)
        rules.VERSION[0] += 1
    msg = str(info.value)
    assert not location_problems(msg, where), msg
    for text in wanted:
        assert text in msg, msg


# ---------------------------------------------------- writes into inputs


@pytest.mark.parametrize("fn", [ec.writes_into_input, ec.augments_input_slice],
                         ids=["item", "slice-augmented"])
def test_writing_into_an_input_array_is_made_on_a_copy(fn):
    """The gradient is that of the values on entry; the caller's array ends as f leaves
    it (lower/inputs.py)."""
    x = np.array([0.5, -1.5, 2.0, 0.25])
    expected = x.copy()
    value = fn(expected)
    got, g = pullback.value_and_grad(fn)(x)
    np.testing.assert_array_equal(x, expected)
    assert np.isclose(got, value)
    h, at = 1e-6, np.array([0.5, -1.5, 2.0, 0.25])
    fd = [(fn(at + h * e) - fn(at - h * e)) / (2 * h) for e in np.eye(4)]
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)


def test_writing_into_an_input_array_it_also_rebinds_is_refused():
    x = np.array([0.5, -1.5, 2.0, 0.25])
    before = x.copy()
    with pytest.raises(pullback.PullbackError) as info:
        pullback.grad(ec.writes_into_input_then_rebinds)(x)
    msg = str(info.value)
    assert "copy it first" in msg and "also rebinds" in msg, msg
    assert not location_problems(msg, ec.writes_into_input_then_rebinds), msg
    np.testing.assert_array_equal(x, before)
