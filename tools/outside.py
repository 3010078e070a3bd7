"""What the outside-suite tools share (tools/scipy_go_suite, tools/numpyml_suite): a report
of per-case outcomes with an exit status, one attempt of pullback sorted into an outcome,
and central differences that say whether they have settled.

A check is `correct` only if pullback's number agrees with a central difference that agrees
with the difference at the next smaller step (the differences have settled); `wrong` if the
differences settle and pullback agrees with none of them; `unsettled` if they never settle
(a kink, a staircase, a function too steep or oscillating for every step): no verdict is
drawn from those, the row shows pullback's number and the differences.
`nan` is a gradient with NaN or inf where settled differences are finite (an infinite
derivative met by a zero, sqrt(0) under a mask): listed, not counted as wrong. `refused` is
a PullbackError (its first line and the line of code it names), `crash` any other exception
from pullback. The process exits with status 1 on any `wrong` or `crash`.
"""

from __future__ import annotations

import collections
import traceback

import numpy as np

import pullback

# Steps of the central differences, as multiples of the direction (which the callers scale
# to the point, so that the steps are relative to it).
STEPS = (1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10)
RTOL = 1e-5
FAILING = ("wrong", "crash")


class Report:
    """Rows (case, outcome, detail) and their counts."""

    def __init__(self, title: str, quiet: str = "correct"):
        self.title, self.quiet = title, quiet  # rows of the quiet outcome show with -v only
        self.rows: list = []

    def add(self, case: str, outcome: str, detail: str = "") -> str:
        self.rows.append((case, outcome, detail))
        return outcome

    def counts(self) -> collections.Counter:
        return collections.Counter(outcome for _, outcome, _ in self.rows)

    def show(self, verbose: bool) -> None:
        width = max((len(case) for case, _, _ in self.rows), default=0)
        for case, outcome, detail in self.rows:
            if verbose or outcome != self.quiet:
                print(f"{case:{width}}  {outcome:10}  {detail}".rstrip())
        counts = self.counts()
        print(f"{self.title}: {len(self.rows)} checks, "
              + ", ".join(f"{n} {outcome}" for outcome, n in counts.most_common()))

    def failed(self) -> bool:
        counts = self.counts()
        return any(counts[outcome] for outcome in FAILING)


def run_groups(runs: dict, selected, verbose: bool, *args) -> int:
    """Run each group of `runs` (name -> function(report, *args), in order) that
    `selected` names (every one when it is empty), then show their reports: the exit
    status, 1 when any check is wrong or crashed."""
    reports = []
    for group, run in runs.items():
        if not selected or group in selected:
            report = Report(group)
            run(report, *args)
            reports.append(report)
    for report in reports:
        report.show(verbose)
    return 1 if any(report.failed() for report in reports) else 0


def describe(error: BaseException) -> tuple[str, str]:
    """(outcome, detail) of an exception raised by a call into pullback."""
    if isinstance(error, pullback.PullbackError):
        lines = str(error).splitlines()
        where = next((line.strip() for line in lines[1:] if line.strip().startswith("File ")),
                     lines[1].strip() if len(lines) > 1 else "")
        return "refused", " | ".join(part for part in (lines[0][:200], where) if part)
    frame = traceback.extract_tb(error.__traceback__)[-1]
    return "crash", (f"{type(error).__name__}: {str(error)[:160]} "
                     f"(at {frame.filename}:{frame.lineno})")


def attempt(report: Report, case: str, compute):
    """compute() or None, with its refusal or crash added to the report."""
    try:
        return compute()
    except Exception as error:  # noqa: BLE001 (every failure is counted and shown)
        report.add(case, *describe(error))
        return None


def differences(f, x, v, steps=STEPS) -> list:
    """Central differences (f(x + h v) - f(x - h v)) / 2h at each step h."""
    return [(np.asarray(f(x + h * v), float) - np.asarray(f(x - h * v), float)) / (2 * h)
            for h in steps]


def close(a, b, rtol: float = RTOL) -> bool:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return bool(np.all(np.isfinite(a)) and np.all(np.isfinite(b))
                and np.linalg.norm(a - b) <= rtol * max(1.0, np.linalg.norm(b)))


def settled(estimates: list) -> list:
    """The finer difference of each pair at consecutive steps that agree."""
    return [fine for coarse, fine in zip(estimates, estimates[1:]) if close(fine, coarse)]


def judge(exact, estimates: list) -> tuple[str, str]:
    """(outcome, detail) of pullback's `exact` against differences at decreasing steps."""
    values = settled(estimates)
    shown = f"pullback {_short(exact)}, differences {', '.join(map(_short, estimates))}"
    if any(close(exact, value) for value in values):
        return "correct", ""
    if not np.all(np.isfinite(np.asarray(exact, float))):
        return ("nan" if values else "unsettled"), shown
    return ("wrong" if values else "unsettled"), shown


def _short(value) -> str:
    value = np.asarray(value, float)
    if value.ndim == 0:
        return f"{float(value):.8g}"
    return f"|{np.linalg.norm(value):.6g}| (size {value.size})"
