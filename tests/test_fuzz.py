"""The program fuzzer (`python -m tools.fuzz`): a short seeded run that must find
no failure, and tests of the fuzzer's own parts -- the generator, the judge and
the minimizer."""

from __future__ import annotations

import ast
import math
import random
import re

import numpy as np
import pytest

from tools import fuzz

SHORT_SEED = 0
SHORT_PROGRAMS = 250  # about 30 s on a 2-core machine; the long run is in docs/fuzzing.md


# ----------------------------------------------------------------- the short run


def test_short_run_finds_no_wrong_gradient():
    summary = fuzz.run(SHORT_PROGRAMS, seed=SHORT_SEED, points=2, minimize_count=5,
                       minimize_time=10.0)
    report = summary.report()
    assert summary.tried == SHORT_PROGRAMS
    if summary.failures:
        pytest.fail("the fuzzer found failures:\n" + report, pytrace=False)
    # not vacuous: most programs were actually judged, few were refused or invalid
    assert summary.passed >= 0.85 * summary.tried, report
    assert summary.invalid <= 0.02 * summary.tried, report


# ----------------------------------------------------------------- the generator


def test_generator_is_deterministic_for_a_seed():
    for index in range(20):
        a, b = fuzz.generate(11, index), fuzz.generate(11, index)
        assert a.source == b.source
        assert a.wrt == b.wrt
        assert [(p.name, p.kind) for p in a.params] == [(p.name, p.kind) for p in b.params]
    assert fuzz.generate(11, 0).source != fuzz.generate(12, 0).source
    assert fuzz.generate(11, 0).source != fuzz.generate(11, 1).source


def test_points_are_deterministic_for_a_seed():
    prog = fuzz.generate(5, 3)
    one = prog.sample_args(random.Random("p"))
    two = prog.sample_args(random.Random("p"))
    for a, b in zip(one, two):
        assert np.array_equal(a, b)


def test_generated_programs_are_valid_python_that_runs():
    work = fuzz.Workdir()
    ran = failed = 0
    try:
        for index in range(120):
            prog = fuzz.generate(3, index)
            tree = ast.parse(prog.source)
            compile(tree, "<generated>", "exec")
            funcs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
            assert funcs[-1].name == "f"
            assert all(fn.name.startswith("h") for fn in funcs[:-1])  # helpers f calls
            assert [a.arg for a in funcs[-1].args.args] == [p.name for p in prog.params]
            f, path = work.load(prog.source)
            rng = random.Random(index)
            for _ in range(3):
                args = prog.sample_args(rng)
                try:
                    with np.errstate(over="raise", invalid="raise", divide="raise"):
                        value = f(*args)
                    assert np.ndim(value) == 0 and math.isfinite(float(value))
                    ran += 1
                except (ArithmeticError, ValueError, FloatingPointError):
                    failed += 1
            work.forget(path)
    finally:
        work.close()
    assert failed <= 0.01 * (ran + failed), f"{failed} of {ran + failed} points failed"


def test_generator_covers_the_subset():
    text = "\n".join(fuzz.generate(1, i).source for i in range(300))
    for construct in ("if ", "else:", "for ", "while ", "break", "continue", "return",
                      "reversed(range(", "range(", "enumerate(", "zip(", "+=", "*=",
                      "np.zeros(", "] = ", "] += ", "% ", "np.sum(", "np.mean(", "np.max(",
                      "np.dot(", "np.maximum(", "np.where(", "math.sin(", "math.exp(",
                      "math.log(", "math.sqrt(", "np.tanh(", " ** 2", " ** 3", " if ",
                      " and ", ", -1)"):
        assert construct in text, construct
    # tuple swaps, slice writes into buffers, reads of earlier slots
    assert re.search(r"^ +(\w+), (\w+) = \2, \1", text, re.M)
    assert re.search(r"^ +buf\d+\[[^\]]*:[^\]]*\] \+?= ", text, re.M)
    assert re.search(r"buf\d+\[i\d+ - 1\]", text)


# ----------------------------------------------------------------- the judge

SMOOTH = """
import math

def f(x, v):
    return x * x + math.sin(v[0]) * v[1]
"""


def _judge(src, gf=None, vg=None, args=None, wrt=(0, 1)):
    """check_point on src, with pullback's gradient functions optionally replaced."""
    import pullback

    if args is None:
        args = (0.7, np.array([0.3, -0.4, 1.1]))
    work = fuzz.Workdir()
    try:
        f, _ = work.load(src)
        run = fuzz.instrumented(src)
        gf = gf or pullback.grad(f, wrt=wrt)
        vg = vg or pullback.value_and_grad(f, wrt=wrt)
        return fuzz.check_point(f, run, gf, vg, ["x", "v"], args, wrt)
    finally:
        work.close()


def _true_grad(x, v):
    return 2 * x, np.array([math.cos(v[0]) * v[1], math.sin(v[0]), 0.0])


def test_judge_accepts_a_right_gradient():
    assert _judge(SMOOTH).status == "ok"
    assert _judge(SMOOTH, gf=_true_grad,
                  vg=lambda x, v: (x * x + math.sin(v[0]) * v[1], _true_grad(x, v))).status == "ok"


def test_judge_catches_a_wrong_gradient():
    def wrong(x, v):
        gx, gv = _true_grad(x, v)
        return gx, gv + np.array([0.0, 0.0, 1e-3])

    res = _judge(SMOOTH, gf=wrong,
                 vg=lambda x, v: (x * x + math.sin(v[0]) * v[1], wrong(x, v)))
    assert res.status == "fail" and res.failure.kind == "mismatch"
    assert res.failure.detail.startswith("gradient wrt v ")


def test_judge_catches_a_wrong_value_mutated_arguments_types_and_crashes():
    right_vg = lambda x, v: (x * x + math.sin(v[0]) * v[1], _true_grad(x, v))  # noqa: E731

    res = _judge(SMOOTH, gf=_true_grad, vg=lambda x, v: (1.0, _true_grad(x, v)))
    assert res.failure.kind == "value"

    def mutates(x, v):
        g = _true_grad(x, v)
        v[2] = 5.0
        return g

    res = _judge(SMOOTH, gf=mutates, vg=right_vg)
    assert res.failure.kind == "mutated"

    res = _judge(SMOOTH, gf=lambda x, v: (np.array(2 * x), _true_grad(x, v)[1]), vg=right_vg)
    assert res.failure.kind == "type"

    def crashes(x, v):
        raise KeyError("boom")

    res = _judge(SMOOTH, gf=crashes, vg=right_vg)
    assert res.failure.kind == "crash" and "KeyError" in res.failure.detail


def test_points_on_a_branch_threshold_or_kink_are_skipped_not_failed():
    branchy = """
def f(x, v):
    if x > 0.5:
        return 2.0 * x
    return x + abs(v[0])
"""
    wrong = lambda x, v: (123.0, np.zeros(3))  # noqa: E731 - never consulted at a kink
    vg = lambda x, v: (2.0 * x if x > 0.5 else x + abs(v[0]), wrong(x, v))  # noqa: E731
    at_threshold = (0.5, np.array([0.3, 0.0, 0.0]))
    assert _judge(branchy, gf=wrong, vg=vg, args=at_threshold).status == "kink"
    at_kink = (0.25, np.array([0.0, 0.2, 0.0]))
    assert _judge(branchy, gf=wrong, vg=vg, args=at_kink).status == "kink"
    smooth_point = (0.25, np.array([0.4, 0.2, 0.0]))
    assert _judge(branchy, gf=wrong, vg=vg, args=smooth_point).status == "fail"


def test_refusals_are_counted_not_failed():
    src = "import math\n\ndef f(x):\n    try:\n        return x\n    except ValueError:\n" \
          "        return 0.0\n"
    work = fuzz.Workdir()
    try:
        out = fuzz.check_source(work, src, ["x"], 0, [(0.5,)])
    finally:
        work.close()
    assert out.status == "refused" and "try/except" in out.message


# ----------------------------------------------------------------- the minimizer


def test_minimizer_shrinks_an_artificial_failure():
    """A fake checker that 'fails' every program calling math.sin (and running at
    the point): the minimizer must boil a big program down to a line or two."""
    prog = next(p for p in (fuzz.generate(2, i) for i in range(200))
                if "math.sin(" in p.source and "def h" not in p.source
                and p.source.count("\n") > 25)
    names = [p.name for p in prog.params]
    args = prog.sample_args(random.Random(0))

    def fake_checker(src, nms, a, wrt):
        if "math.sin(" not in src:
            return None
        namespace = {}
        try:
            exec(compile(src, "<candidate>", "exec"), namespace)
            namespace["f"](*a)
        except Exception:  # noqa: BLE001 - not a valid program at this point
            return None
        return fuzz.Failure("mismatch", "fake", a, wrt)

    failure = fuzz.Failure("mismatch", "fake", args, prog.wrt)
    rep = fuzz.minimize(failure, prog.source, names, checker=fake_checker, budget=60)
    funcs = [n for n in ast.parse(rep.source).body if isinstance(n, ast.FunctionDef)]
    body = ast.unparse(funcs[-1]).splitlines()[1:]
    assert "math.sin(" in rep.source
    assert len(body) <= 2, rep.source
    assert rep.original_lines > 25
    assert "W2 =" not in rep.source and "W3 =" not in rep.source


def test_minimizer_keeps_the_failure_kind():
    src = fuzz.PRELUDE + "\n\ndef f(x):\n    s = math.sin(x)\n    t = math.cos(x)\n" \
                         "    return s + t\n"

    def fake_checker(s, nms, a, wrt):
        if "math.cos(" in s:
            return fuzz.Failure("crash", "boom", a, wrt, exc_type="KeyError: boom")
        if "math.sin(" in s:
            return fuzz.Failure("mismatch", "other bug", a, wrt)
        return None

    failure = fuzz.Failure("crash", "boom", (0.5,), 0, exc_type="KeyError: boom")
    rep = fuzz.minimize(failure, src, ["x"], checker=fake_checker, budget=30)
    assert "math.cos(" in rep.source
    assert rep.failure.kind == "crash"


# ----------------------------------------------------------------- the command line


def test_command_line(capsys):
    status = fuzz.main(["--programs", "4", "--seed", "1", "--minimize", "0", "--points", "1"])
    out = capsys.readouterr().out
    assert "tried     4" in out and "failures" in out
    assert status in (0, 1)
    assert (status == 1) == ("failures  0" not in out)


@pytest.mark.parametrize("index", [0, 1])
def test_show_prints_the_program(capsys, index):
    fuzz.main(["--seed", "1", "--show", str(index), "--points", "1"])
    out = capsys.readouterr().out
    assert fuzz.generate(1, index).source in out
