"""Printing for reading: `source(f, explain=True)` and `pullback show --explain`.

The explained code is the code that runs, with comments: stripped of them it is what
`source` prints, and it compiles and computes the gradient. The header's activity report
is the analysis's, and the `# from:` comments name the primal statement of each adjoint.
"""

import inspect
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from fd import numeric_grad
from golden_functions import GOLDEN

import pullback
from pullback.api import transform
from pullback.emit import codegen

ROOT = Path(__file__).resolve().parents[1]


def compiled(text, f, wrt, mode="grad"):
    """The printed source `text` of f's generated code, compiled and bound as pullback binds
    what it generates (its constants: those of the transform pullback caches)."""
    made = transform(f, wrt, mode)
    name = text.split("def ", 1)[1].split("(", 1)[0]
    codes = codegen.compile_source(text, [name], [*f.__code__.co_freevars, *made.constants],
                                   "printed")
    return codegen.bind(codes[name], f, made.constants)


def without_comments(text):
    return "".join(line for line in text.splitlines(True) if not line.lstrip().startswith("#"))


def line_of(f, text):
    """The file line of f's source line holding `text`."""
    lines, first = inspect.getsourcelines(f)
    return first + next(i for i, line in enumerate(lines) if text in line)


@pytest.mark.parametrize("mode", ["grad", "jvp"])
@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_explained_code_is_the_code_that_runs_with_comments(name, mode):
    func, wrt = GOLDEN[name]
    if mode == "jvp" and name in ("running_buffer",):
        pytest.skip("forward mode refuses in-place writes of active values here")
    try:
        plain = pullback.source(func, wrt=wrt, mode=mode)
    except pullback.PullbackError:
        pytest.skip("forward mode refuses this function")
    explained = pullback.source(func, wrt=wrt, mode=mode, explain=True)
    assert explained != plain
    assert without_comments(explained) == without_comments(plain)
    comments = [line.strip() for line in explained.splitlines() if line.lstrip().startswith("#")]
    kept = iter(comments)  # the plain code's own comments (`# adjoint`), in order
    assert all(any(c == line.strip() for c in kept) for line in plain.splitlines()
               if line.lstrip().startswith("#"))


def test_explained_lecture_gradient_runs_and_is_right():
    func, wrt = GOLDEN["lecture"]
    text = pullback.source(func, wrt=wrt, explain=True)
    args = (0.7, -1.3, 0.4)
    got = compiled(text, func, wrt)(*args)
    want = numeric_grad(func, args, wrt)
    np.testing.assert_allclose(got, want, rtol=1e-6)


def _f(x, n):
    scale = 2.0 * n
    y = math.sin(x) * scale
    return y


def test_header_reports_activity_and_why():
    text = pullback.source(_f, wrt=0, explain=True)
    assert "#   x: active (depends on input x, reaches the output)" in text
    assert "#   y: active (depends on input x, reaches the output)" in text
    assert "#   scale: not active (depends on no input differentiated)" in text
    assert "#   n: not active" in text
    # the adjoint of `y = sin(x) * scale` reads scale and x where the primal left them
    line = line_of(_f, "y = math.sin(x) * scale")
    assert f"#   scale: kept (read by the adjoint of line {line})" in text


def _two_outputs(x, y):
    a = x * y
    b = np.cos(y)
    return a + 0.0 * b


def test_header_reports_every_input_a_value_depends_on():
    text = pullback.source(_two_outputs, wrt=(0, 1), explain=True)
    assert "#   a: active (depends on inputs x, y, reaches the output)" in text
    assert "#   b: active (depends on input y, reaches the output)" in text


def test_each_adjoint_statement_follows_the_primal_statement_it_comes_from():
    func, wrt = GOLDEN["lecture"]  # sin(x**2 + y * exp(z)) + z, on one line
    text = pullback.source(func, wrt=wrt, explain=True)
    lines = [line.strip() for line in text.splitlines()]
    adjoint = lines[lines.index("# adjoint"):]
    assert adjoint.index("# from: sin = math.sin(add)") + 1 \
        == adjoint.index("dadd = dout * math.cos(add)")
    assert adjoint.index("# from: power = x ** 2") + 1 == adjoint.index("dx = dadd * 2 * x")
    # the user's line, once, where the primal sweep starts computing it
    user_line = line_of(func, "return math.sin")
    assert lines.count(f"# line {user_line}: return math.sin(x**2 + y * math.exp(z)) + z") == 1


def test_loop_records_are_reported_with_the_line_that_reads_them():
    func, wrt = GOLDEN["recurrence"]
    text = pullback.source(func, wrt=wrt, explain=True)
    loop, body = line_of(func, "for _ in range"), line_of(func, "x = x + 0.002")
    assert f"#   sin: recorded once per iteration of the loop at line {loop} (read by the " \
        f"adjoint of line {body})" in text
    assert f"#   mul: kept (read by the adjoint of line {body})" in text
    assert "#   saved:" not in text  # the record list itself is machinery


def test_shape_only_records_and_saved_slots_say_so():
    rnn, wrt = GOLDEN["rnn"]
    text = pullback.source(rnn, wrt=wrt, explain=True)
    assert "#   matmul: its shape, recorded once per iteration of the loop at line " \
        f"{line_of(rnn, 'for t in range')}" in text
    buffer, wrt = GOLDEN["running_buffer"]
    text = pullback.source(buffer, wrt=wrt, explain=True)
    assert "#   h_old: recorded once per iteration of the loop at line " \
        f"{line_of(buffer, 'for i in range')} (what h held in the slot written next; " \
        "its adjoint puts it back)" in text


def test_guards_are_grouped_under_what_they_check():
    func, wrt = GOLDEN["recurrence"]
    text = pullback.source(func, wrt=wrt, explain=True)
    lines = [line.strip() for line in text.splitlines()]
    at = lines.index("# guards: f's code, and what each name it calls denotes, are still "
                     "those this code is for")
    assert all(line.startswith("if ") and "rebound(" in line for line in lines[at + 1:at + 6])
    at = lines.index("# guards: the parameters the code treats as numbers are numbers")
    assert lines[at + 1].startswith("if x.__class__ not in SCALAR_TYPES")


def test_cli_show_explain_prints_what_the_library_prints():
    lecture = ROOT / "examples" / "lecture.py"
    out = subprocess.run([sys.executable, "-m", "pullback", "show", f"{lecture}:g", "--explain"],
                         capture_output=True, text=True, cwd=ROOT, check=True).stdout
    namespace = {}
    exec(compile(lecture.read_text(), str(lecture), "exec"), namespace)
    assert out == pullback.source(namespace["g"], wrt=(0, 1, 2), explain=True)
    assert "# from: e = math.sin(d)" in out


def test_cli_explain_refuses_other_stages():
    out = subprocess.run([sys.executable, "-m", "pullback", "show",
                          f"{ROOT / 'examples' / 'lecture.py'}:g", "--explain", "--stage", "ssa"],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode != 0 and "--explain and --shapes print the final code" in out.stderr
