"""The outside-suite tools judge pullback's numbers as their docstrings say (tools/outside.py),
and tools/scipy_go_suite loads a folder of objectives written like SciPy's and counts them
(here a small folder written for the test: the real one is fetched, see the tool)."""

from __future__ import annotations

import textwrap

import numpy as np

from tools import outside


def _sines(x):
    return float(np.sum(np.sin(3 * x)))


def test_judge_correct_wrong_unsettled_nan():
    x, v = np.array([0.3, -1.2]), np.array([1.0, 0.5])
    exact = float(np.dot(3 * np.cos(3 * x), v))
    estimates = outside.differences(_sines, x, v)
    assert outside.judge(exact, estimates) == ("correct", "")
    assert outside.judge(exact * (1 + 1e-3), estimates)[0] == "wrong"
    assert outside.judge(np.nan, estimates)[0] == "nan"
    # A staircase: the differences settle on its slope at steps wider than a stair and on 0
    # (its derivative at the point) at steps inside one; pullback's 0 is correct.
    stairs = outside.differences(lambda x: float(np.sum(np.floor(1e3 * x))), x + 4e-4, v)
    assert outside.judge(0.0, stairs) == ("correct", "")
    # Oscillating faster than every step: the differences never settle, no verdict.
    waves = outside.differences(lambda x: float(np.sum(np.sin(1e12 * x))), x, v)
    assert outside.judge(0.0, waves)[0] == "unsettled"


def test_report_counts_and_fails_only_on_wrong_or_crash(capsys):
    report = outside.Report("things")
    report.add("a", "correct")
    report.add("b", "refused", "no rule | File x.py, line 3")
    report.add("c", "unsettled")
    assert not report.failed()
    report.show(verbose=False)
    out = capsys.readouterr().out
    assert "a " not in out and "b  refused" in out
    assert out.splitlines()[-1] == "things: 3 checks, 1 correct, 1 refused, 1 unsettled"
    report.add("d", "crash")
    assert report.failed()


def _objectives(tmp_path):
    folder = tmp_path / "go_benchmark_functions"
    folder.mkdir()
    (folder / "__init__.py").write_text("from .go_funcs_A import *\n")
    (folder / "go_benchmark.py").write_text(textwrap.dedent("""
        import numpy as np
        from ..common import safe_import  # noqa:F401

        class Benchmark:
            def __init__(self, dimensions):
                self.N = dimensions
                self.nfev = 0

            @property
            def bounds(self):
                return self._bounds
    """))
    (folder / "go_funcs_A.py").write_text(textwrap.dedent("""
        import numpy as np
        from numpy import cos, sum
        from .go_benchmark import Benchmark

        with safe_import():
            from scipy.special import no_such_function

        class Ackley(Benchmark):
            def __init__(self, dimensions=3):
                Benchmark.__init__(self, dimensions)
                self._bounds = list(zip([-5.0] * self.N, [5.0] * self.N))

            def fun(self, x, *args):
                self.nfev += 1
                return sum(x ** 2 + cos(2 * x)) + x[0] * x[1]

        class Noisy(Benchmark):
            def __init__(self, dimensions=2):
                Benchmark.__init__(self, dimensions)
                self._bounds = list(zip([-5.0] * self.N, [5.0] * self.N))

            def fun(self, x, *args):
                self.nfev += 1
                return sum(x * np.random.uniform(size=len(x)))

        class Sorted(Benchmark):
            def __init__(self, dimensions=2):
                Benchmark.__init__(self, dimensions)
                self._bounds = list(zip([-5.0] * self.N, [5.0] * self.N))

            def fun(self, x, *args):
                self.nfev += 1
                return np.prod(np.sort(x))
    """).replace("with safe_import", "from .go_benchmark import safe_import\nwith safe_import"))
    return folder


def test_go_suite_counts_a_small_folder(tmp_path, capsys):
    from tools.scipy_go_suite import __main__ as tool

    assert tool.main([str(_objectives(tmp_path)), "--second", "-v"]) == 0
    out = capsys.readouterr().out
    assert "gradients: 3 checks, 2 correct, 1 random" in out
    assert "Hessians: 2 checks, 2 correct" in out


def test_go_suite_exits_1_on_a_wrong_gradient(tmp_path, capsys, monkeypatch):
    from tools.scipy_go_suite import __main__ as tool

    monkeypatch.setattr(tool.pullback, "grad", lambda f: lambda x: np.ones_like(x))
    assert tool.main([str(_objectives(tmp_path)), "Ackley"]) == 1
    assert "Ackley  wrong" in capsys.readouterr().out


def test_numpyml_verdict_weighs_their_derivative_against_the_differences():
    from tools.numpyml_suite.__main__ import verdict

    x, v = np.array([0.3, -1.2]), np.array([1.0, 0.5])
    exact = 3 * np.cos(3 * x)
    estimates = outside.differences(_sines, x, v)
    report = outside.Report("activations")
    derivative = float(np.dot(exact, v))
    assert verdict(report, "same", exact, estimates, exact, derivative, "grad") == "correct"
    assert verdict(report, "theirs", exact, estimates, exact + 1, derivative,
                   "grad") == "their bug"
    assert verdict(report, "ours", exact + 1, estimates, exact + 1, derivative + 1.5,
                   "grad") == "wrong"
    assert report.failed()


def test_a_refusal_is_shown_with_its_first_line_and_location():
    import pullback

    def f(x):
        class Box:  # a class statement: refused where it stands
            scale = 2.0
        return x * Box.scale

    try:
        pullback.grad(f)(1.0)
    except pullback.PullbackError as error:
        outcome, detail = outside.describe(error)
    assert outcome == "refused"
    first, where = detail.split(" | ")
    assert "class" in first and "test_outside_suites.py" in where and "line" in where
