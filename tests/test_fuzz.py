"""The program fuzzer (`python -m tools.fuzz`): a short seeded run that must find
no failure, and tests of the fuzzer's own parts -- the generator, the judge and
the minimizer -- in the closed world (the supported subset) and the open world
(constructs outside it, where only a correct gradient or a located refusal passes)."""

from __future__ import annotations

import ast
import math
import random
import re
from collections import Counter

import numpy as np
import pytest

from tools import fuzz
from tools.fuzz.open_world import CATEGORIES

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
    src = "import math\n\nC = 0.0\n\n\ndef f(x):\n    global C\n    return x\n"
    work = fuzz.Workdir()
    try:
        out = fuzz.check_source(work, src, ["x"], 0, [(0.5,)])
    finally:
        work.close()
    assert out.status == "refused" and "global statement" in out.message


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


# ----------------------------------------------------------------- the open world

OPEN_SEED = 0
OPEN_PROGRAMS = 60  # about 5 s; the long run is in docs/fuzzing.md


def test_open_world_programs_hold_every_category_and_run():
    seen = Counter()
    work = fuzz.Workdir()
    ran = failed = 0
    try:
        for index in range(150):
            prog = fuzz.generate(4, index, CATEGORIES)
            assert prog.categories and set(prog.categories) <= set(CATEGORIES)
            seen.update(prog.categories)
            defs = [n.name for n in ast.parse(prog.source).body
                    if isinstance(n, ast.FunctionDef)]
            assert defs[-1] == "f" or defs[-2:] == ["f", "REBIND"], defs
            f, path = work.load(prog.source)
            for args in (prog.sample_args(random.Random(index)),):
                try:
                    with np.errstate(all="raise"):
                        f(*args)
                    ran += 1
                except (ArithmeticError, ValueError, TypeError, NameError):
                    failed += 1  # one-branch and returns programs fail at some points
            work.forget(path)
    finally:
        work.close()
    assert set(seen) == set(CATEGORIES), seen
    assert ran >= 0.6 * (ran + failed), (ran, failed)
    # the closed world is untouched: no open construct without categories
    assert "class " not in "".join(fuzz.generate(4, i).source for i in range(100))
    assert fuzz.generate(4, 0, CATEGORIES).source == fuzz.generate(4, 0, CATEGORIES).source


def test_open_world_categories_restrict_the_constructs():
    for index in range(30):
        prog = fuzz.generate(2, index, ("complex",))
        assert set(prog.categories) == {"complex"}
        assert re.search(r"\dj\b|complex\(", prog.source), prog.source


def _open_judge(src, gf, args=(0.7,), wrt=0):
    """check_point in open-world mode on src, with pullback's gradient replaced by gf
    (gf(path, *args): path is the program's file, for fake located errors)."""
    work = fuzz.Workdir()
    try:
        f, path = work.load(src)
        run = fuzz.instrumented(src)

        def g(*a):
            return gf(path, *a)

        def vg(*a):
            try:
                value = f(*a)
            except Exception:  # noqa: BLE001 - a fake that returns a number anyway
                value = 0.0
            return value, gf(path, *a)

        return fuzz.check_point(f, run, g, vg, ["x"], args, wrt, open_world=True, path=path)
    finally:
        work.close()


FAILS_HERE = """
def f(x):
    if x > 1.0:
        w = x
    return w * x
"""


def test_open_world_accepts_a_refusal_that_names_the_line():
    from pullback.errors import LocatedError, NoRuleError, PullbackError

    def located(path, x):
        raise NoRuleError("no rule for w", f'File "{path}", line 5\n    return w * x')

    assert _open_judge(FAILS_HERE, located).status == "refused"
    assert _open_judge(SMOOTH_X, located).status == "refused"

    def elsewhere(path, x):
        raise LocatedError("no rule", 'File "/somewhere/else.py", line 5')

    def unlocated(path, x):
        raise PullbackError("cannot differentiate this")

    for fake in (elsewhere, unlocated):
        res = _open_judge(SMOOTH_X, fake)
        assert res.status == "fail" and res.failure.kind == "unlocated-refusal", res


def test_open_world_fails_a_number_where_f_raises_or_returns_no_number():
    res = _open_judge(FAILS_HERE, lambda path, x: 0.0)  # f raises UnboundLocalError at 0.7
    assert res.status == "fail" and res.failure.kind == "number-where-f-raises"
    assert "UnboundLocalError" in res.failure.detail
    for body in ("return None", "return x > 0.5", "return np.array([x, x])"):
        src = f"import numpy as np\n\ndef f(x):\n    {body}\n"
        res = _open_judge(src, lambda path, x: 1.0)
        assert res.status == "fail" and res.failure.kind == "number-where-f-raises", body
    # f raises and the gradient raises something other than a located refusal
    res = _open_judge(FAILS_HERE, lambda path, x: None + 1.0)
    assert res.status == "fail" and res.failure.kind == "unclear-error"
    # outside the open world, a program that fails is the generator's problem
    work = fuzz.Workdir()
    try:
        f, _ = work.load(FAILS_HERE)
        res = fuzz.check_point(f, fuzz.instrumented(FAILS_HERE), lambda x: 0.0,
                               lambda x: (0.0, 0.0), ["x"], (0.7,), 0)
    finally:
        work.close()
    assert res.status == "invalid"


SMOOTH_X = """
import math

def f(x):
    return math.sin(x) * x
"""


def test_open_world_still_checks_the_numbers():
    right = lambda path, x: math.cos(x) * x + math.sin(x)  # noqa: E731
    assert _open_judge(SMOOTH_X, right).status == "ok"
    res = _open_judge(SMOOTH_X, lambda path, x: right(path, x) + 1e-3)
    assert res.status == "fail" and res.failure.kind == "mismatch"
    # |x*1j + 2| is smooth: the judge does not mistake the complex abs for a kink
    src = "import numpy as np\n\ndef f(x):\n    return np.abs(x * 1j + 2)\n"
    good = lambda path, x: x / math.hypot(x, 2.0)  # noqa: E731
    assert _open_judge(src, good).status == "ok"
    assert _open_judge(src, lambda path, x: -good(path, x)).failure.kind == "mismatch"


def test_open_world_rebind_is_called_between_the_points():
    """The oracle runs the gradient once, calls the program's REBIND, then judges the
    points again. Here REBIND makes f fail from then on, so the program cannot pass:
    pullback must refuse (or the oracle reports a failure)."""
    src = ("def g(a):\n    return a * a\n\n\ndef f(x):\n    return g(x)\n\n\n"
           "def REBIND():\n    global g\n    g = None\n")
    work = fuzz.Workdir()
    try:
        without = fuzz.check_source(work, src, ["x"], 0, [(0.7,)], open_world=False)
        out = fuzz.check_source(work, src, ["x"], 0, [(0.7,)], open_world=True)
    finally:
        work.close()
    assert without.status == "passed", without  # REBIND is only called in the open world
    # the point after REBIND is refused (the old gradient's guard names f's def line)
    assert out.points["refused"] == 1 or out.status == "failed", out
    assert out.points["ok"] == 1, out  # the point before REBIND was judged correct


def test_minimizer_drops_module_definitions_and_decorators():
    src = ("import math\nimport functools\n\n\nclass Unused:\n    k = 1\n\n\n"
           "def deco(fn):\n    return fn\n\n\n@deco\ndef f(x):\n    s = math.sin(x)\n"
           "    return s\n\n\ndef REBIND():\n    Unused.k = 2\n")

    def fake_checker(s, nms, a, wrt):
        return fuzz.Failure("mismatch", "fake", a, wrt) if "math.sin(" in s else None

    rep = fuzz.minimize(fuzz.Failure("mismatch", "fake", (0.5,), 0), src, ["x"],
                        checker=fake_checker, budget=30)
    assert "Unused" not in rep.source and "REBIND" not in rep.source, rep.source
    assert "@deco" not in rep.source and "math.sin(" in rep.source


def test_open_world_run_finds_only_correct_gradients_or_located_refusals():
    summary = fuzz.run(OPEN_PROGRAMS, seed=OPEN_SEED, points=2, minimize_count=0,
                       categories=CATEGORIES)
    report = summary.report()
    assert summary.tried == OPEN_PROGRAMS
    assert summary.invalid <= 0.05 * summary.tried, report
    if summary.failures:
        pytest.fail("open-world failures:\n" + report, pytrace=False)


def test_minimizer_keeps_only_the_rebinding_that_matters():
    src = ("import math\n\nK = 1.0\nJ = 2.0\n\n\ndef f(x):\n    return K * math.sin(x)\n\n\n"
           "def REBIND():\n    global K, J\n    J = 5.0\n    K = 3.0\n")

    def fake_checker(s, nms, a, wrt):  # "fails" while REBIND still changes K
        return fuzz.Failure("value", "fake", a, wrt) if "K = 3.0" in s else None

    rep = fuzz.minimize(fuzz.Failure("value", "fake", (0.5,), 0), src, ["x"],
                        checker=fake_checker, budget=30)
    assert "K = 3.0" in rep.source and "J = 5.0" not in rep.source, rep.source
