"""The command line, run as a subprocess: `python -m pullback ...` and the console script."""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
LECTURE = str(ROOT / "examples" / "lecture.py")

USER_CODE = '''\
import math

import numpy as np


def poly(x, y):
    return x**3 * y + math.sin(y)


def kink(x):
    if x > 0.0:
        return x
    return 2.0 * x


def norm2(v):
    return np.sum(v * v)


def running(v, n):
    s = 0.0
    for i in range(n):
        s = s + v[i] ** 2
    return s


def matrix_energy(A):
    return np.sum(np.tanh(A) ** 2)


def vector_out(v):
    return v * 2.0


def vector_kink(v):
    return np.where(v > 0.0, v, 2.0 * v)


def pair_out(v):
    return v, v


def params_loss(p, x, mode):
    w, b = p["w"], p["b"]
    y = w * x + b
    return np.sum(y ** 2) if mode == "square" else np.sum(y)


def layers(ws, x):
    for w in ws:
        x = np.tanh(w @ x)
    return np.sum(x)


def flat(x):
    return 1e-12 * x + 3.0


def uses_try(x):
    try:
        y = math.log(x)
    finally:
        return y


def no_rule(x):
    return math.gamma(x) * x


def crashes(x):
    return x / 0.0 + math.log(-1.0)


NOT_A_FUNCTION = 3
'''


def line_of(text):
    """The line number of the first line of USER_CODE containing `text`."""
    return next(i for i, line in enumerate(USER_CODE.splitlines(), 1) if text in line)


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "pullback", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def user_file(tmp_path):
    path = tmp_path / "user.py"
    path.write_text(USER_CODE)
    return path


def one_line_error(result, *fragments):
    """A failure: exit status 2, nothing on stdout, no traceback, the fragments in line 1."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith("pullback: ")
    for fragment in fragments:
        assert fragment in first, (fragment, result.stderr)
    return first


# ------------------------------------------------------------------------- show


def test_show_is_the_default_command_and_prints_compilable_code():
    bare = run("examples/lecture.py:g")
    explicit = run("show", "examples/lecture.py:g")
    assert bare.returncode == explicit.returncode == 0, bare.stderr
    assert bare.stdout == explicit.stdout
    assert bare.stdout.startswith("def dg(x, y, z):")
    compile(bare.stdout, "<shown>", "exec")


@pytest.mark.parametrize("stage", ["parsed", "normalized", "ssa", "adjoint", "final"])
def test_every_stage_prints_valid_python(stage):
    result = run("show", "examples/lecture.py:g", "--stage", stage)
    assert result.returncode == 0, result.stderr
    compile(result.stdout, f"<{stage}>", "exec")
    expected = "def g(x, y, z):" if stage in ("parsed", "normalized", "ssa") else "def dg("
    assert result.stdout.startswith(expected)


def test_show_matches_the_library():
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import lecture

        import pullback

        expected = pullback.source(lecture.g, wrt=("x", "z"), stage="ssa")
    finally:
        sys.path.remove(str(ROOT / "examples"))
    result = run("show", "examples/lecture.py:g", "--wrt", "x,z", "--stage", "ssa")
    assert result.stdout == expected


def test_no_optimize_shows_the_plain_adjoint():
    optimized = run("show", "benchmarks/workloads.py:logsumexp")
    plain = run("show", "benchmarks/workloads.py:logsumexp", "--no-optimize")
    assert optimized.returncode == plain.returncode == 0, plain.stderr
    assert "unreduce_extreme" in plain.stdout and "unreduce_extreme" not in optimized.stdout
    checked = run("check", "benchmarks/workloads.py:logsumexp", "[0.5, -1.0, 2.0, 0.25]",
                  "--no-optimize")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_wrt_selects_the_parameters(user_file):
    result = run("show", f"{user_file}:poly", "--wrt", "y")
    assert result.returncode == 0, result.stderr
    namespace = {}
    exec(compile(result.stdout, "<shown>", "exec"), namespace)  # defines dpoly
    assert "dpoly" in namespace
    assert "return" in result.stdout and "dy" in result.stdout and "dx" not in result.stdout


def test_mode_value_and_grad(user_file):
    result = run("show", f"{user_file}:poly", "--mode", "value_and_grad")
    assert result.returncode == 0, result.stderr
    compile(result.stdout, "<shown>", "exec")


def test_module_path_target(tmp_path):
    package = tmp_path / "mypkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "models.py").write_text(USER_CODE)
    result = run("show", "mypkg.models:poly", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("def dpoly(x, y):")
    one_line_error(run("show", "mypkg.nothere:poly", cwd=tmp_path),
                   "no such module", "mypkg.nothere")
    one_line_error(run("show", "nopackage.models:poly", cwd=tmp_path), "no such module")


def test_the_file_may_import_its_neighbours(tmp_path):
    (tmp_path / "helpers.py").write_text("SCALE = 3.0\n")
    (tmp_path / "model.py").write_text(
        "from helpers import SCALE\n\n\ndef f(x):\n    return SCALE * x * x\n")
    result = run("check", "model.py:f", "1.5", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "9.0" in result.stdout  # d/dx 3 x^2 = 6 x = 9 at 1.5


@pytest.mark.skipif(shutil.which("pullback") is None, reason="console script not on PATH")
def test_console_script():
    result = subprocess.run(["pullback", "show", "examples/lecture.py:g"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == run("examples/lecture.py:g").stdout


def test_help_and_version():
    result = run("--help")
    assert result.returncode == 0
    assert "show" in result.stdout and "check" in result.stdout
    assert run("show", "--help").returncode == 0
    assert run("check", "--help").returncode == 0
    version = run("--version")
    assert version.returncode == 0 and version.stdout.startswith("pullback ")


# ------------------------------------------------------------------------- errors


def test_missing_file():
    one_line_error(run("show", "no/such/file.py:f"), "no such file", "no/such/file.py")
    one_line_error(run("check", "nothere.py:f", "1"), "no such file", "nothere.py")


def test_missing_function_lists_what_is_there():
    first = one_line_error(run("show", f"{LECTURE}:h"), "has no function 'h'")
    assert "it defines: g" in first


def test_not_a_function(user_file):
    one_line_error(run("show", f"{user_file}:NOT_A_FUNCTION"), "not a Python function")


def test_bad_target_syntax():
    one_line_error(run("show", "examples/lecture.py"), "FILE.py:FUNC")


def test_syntax_error_in_the_users_file(tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("import math\n\n\ndef f(x):\n    return x +* 2\n")
    first = one_line_error(run("show", f"{path}:f"), "syntax error")
    assert "broken.py:5:" in first


def test_error_while_importing_the_users_file(tmp_path):
    path = tmp_path / "raises.py"
    path.write_text("def f(x):\n    return x\n\n\nraise RuntimeError('not today')\n")
    one_line_error(run("show", f"{path}:f"), "RuntimeError: not today", "raises.py:5")


def test_unsupported_code_names_file_and_line(user_file):
    result = run("show", f"{user_file}:uses_try")
    where = f"user.py:{line_of('try:')}:"
    first = one_line_error(result, where, "try")
    assert first.count("\n") == 0
    assert result.stderr.splitlines()[1].strip() == "try:"  # the offending line, echoed
    one_line_error(run("check", f"{user_file}:uses_try", "1.0"), where, "try")


def test_function_without_a_rule_names_file_and_line(user_file):
    one_line_error(run("show", f"{user_file}:no_rule"), f"user.py:{line_of('gamma')}:",
                   "math.gamma")


def test_unknown_wrt_and_stage(user_file):
    one_line_error(run("show", f"{user_file}:poly", "--wrt", "q"), "no parameter 'q'")
    result = run("show", f"{user_file}:poly", "--stage", "bogus")
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_no_arguments_is_a_usage_error():
    result = run()
    assert result.returncode == 2
    assert "usage" in result.stderr


# ------------------------------------------------------------------------- check


def test_check_agrees_on_the_lecture_example():
    result = run("check", "examples/lecture.py:g", "2", "-1", "0")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "g(x=2.0, y=-1.0, z=0.0) = 0.14112" in out
    for name in "xyz":
        assert f"d/d{name}" in out
    assert "-3.95996998" in out  # d/dx, both columns
    assert out.count("relative error") >= 3
    assert "OK" in out.splitlines()[-1]


def test_check_reads_array_literals_and_exponents(user_file):
    result = run("check", f"{user_file}:norm2", "[1, -2.5, 3e-1]")
    assert result.returncode == 0, result.stderr
    assert "[2.0, -5.0, 0.6]" in result.stdout
    result = run("check", f"{user_file}:matrix_energy", "[[0.1, -0.2], [0.3, 1e-2]]")
    assert result.returncode == 0, result.stderr
    result = run("check", f"{user_file}:poly", "-1e-1", "-.5")
    assert result.returncode == 0, result.stderr
    assert "poly(x=-0.1, y=-0.5)" in result.stdout


def test_check_keeps_integer_arguments_outside_wrt(user_file):
    result = run("check", f"{user_file}:running", "[1, 2, 3]", "3", "--wrt", "v")
    assert result.returncode == 0, result.stderr
    assert "n=3)" in result.stdout
    assert "[2.0, 4.0, 6.0]" in result.stdout
    keywords = run("check", f"{user_file}:running", "v=[1, 2]", "n=2", "--wrt", "v")
    assert keywords.returncode == 0, keywords.stderr
    # Without --wrt every argument is a float, and range(3.0) fails: the message says why.
    one_line_error(run("check", f"{user_file}:running", "[1, 2, 3]", "3"), "--wrt")


def test_check_exits_nonzero_when_the_gradient_and_differences_disagree(user_file):
    # At the kink, the gradient is the slope of the branch taken (2); the central
    # difference averages the two slopes (1.5).
    result = run("check", f"{user_file}:kink", "0")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "MISMATCH" in result.stdout
    assert "2.0" in result.stdout and "1.5" in result.stdout
    away = run("check", f"{user_file}:kink", "0.5")
    assert away.returncode == 0, away.stdout


def test_check_takes_array_outputs_in_a_random_direction(user_file):
    result = run("check", f"{user_file}:vector_out", "[1, -2, 0.5]")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "an array of shape (3,)" in result.stdout and "random direction" in result.stdout
    # the vjp with u ~ N(0, 1), seed 0, is 2u
    u = np.random.default_rng(0).standard_normal(3)
    pullback_line = next(line for line in result.stdout.splitlines() if "pullback  " in line)
    values = np.array(eval(pullback_line.split("pullback", 1)[1]))
    np.testing.assert_allclose(values, 2 * u, rtol=1e-9)
    # at a kink of an array output the two disagree: exit status 1
    kinked = run("check", f"{user_file}:vector_kink", "[0.0, 1.0]")
    assert kinked.returncode == 1 and "MISMATCH" in kinked.stdout, kinked.stdout


def test_check_reads_dicts_lists_and_settings(user_file):
    result = run("check", f"{user_file}:params_loss", "{'w': [1.0, 2.0], 'b': 0.5}",
                 "[0.3, 0.4]", "'square'", "--wrt", "p,x")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "mode='square'" in out and "d/dp['w']" in out and "d/dp['b']" in out
    # d/db = sum(2 (w x + b)) = 2 (0.8 + 1.3)
    assert "4.2" in out.split("d/dp['b']")[1].splitlines()[1]
    ragged = run("check", f"{user_file}:layers", "[[[1, 0.5], [0.2, 1]], [[0.3, 0.1]]]",
                 "[1, 2]", "--wrt", "ws")
    assert ragged.returncode == 0, ragged.stdout + ragged.stderr
    assert "d/dws[0]" in ragged.stdout and "d/dws[1]" in ragged.stdout


def test_check_reports_a_small_error_for_near_zero_gradients(user_file):
    result = run("check", f"{user_file}:flat", "0.5")
    assert result.returncode == 0, result.stdout + result.stderr
    error = float(next(line for line in result.stdout.splitlines()
                       if "relative error" in line).split()[-1])
    assert error < 1e-3


def test_check_errors(user_file):
    one_line_error(run("check", f"{user_file}:poly", "1"), "missing a required argument")
    one_line_error(run("check", f"{user_file}:poly", "1", "2", "3"), "too many")
    one_line_error(run("check", f"{user_file}:poly", "1", "[1,"), "cannot read")
    one_line_error(run("check", f"{user_file}:poly", "1", "'text'"), "cannot read")
    one_line_error(run("check", f"{user_file}:pair_out", "[1, 2]"), "returns a tuple")
    one_line_error(run("check", f"{user_file}:crashes", "1"), "ZeroDivisionError")


def test_a_bug_inside_pullback_is_reported_in_one_line(monkeypatch, capsys):
    from pullback import cli

    def broken(*args, **kwargs):
        raise KeyError("simulated engine bug")

    monkeypatch.setattr(cli, "source", broken)
    monkeypatch.delenv("PULLBACK_DEBUG", raising=False)
    assert cli.main(["show", f"{LECTURE}:g"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "internal error while transforming g: KeyError" in err and "please report" in err
    monkeypatch.setenv("PULLBACK_DEBUG", "1")
    with pytest.raises(KeyError):
        cli.main(["show", f"{LECTURE}:g"])
