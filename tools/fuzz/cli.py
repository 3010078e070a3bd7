"""The command: `python -m tools.fuzz --programs N --seed S --time-limit T`, run
from the repository root (nothing but pullback's own dependencies is needed).

Guarantees: the exit status is 1 exactly when a failure was found; the report
lists every refusal message with example program indices, every failing program,
and, for the first `--minimize` failures, a minimized runnable reproducer with the
gradient pullback generated for it. `--show INDEX` prints and checks one program.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from pullback import source

from .generator import Program, generate
from .minimizer import Reproducer, _func_def, minimize
from .open_world import CATEGORIES
from .oracle import Workdir, check_program, forget_transforms


def _fmt_value(a) -> str:
    if isinstance(a, np.ndarray):
        return f"np.array({np.array2string(a, separator=', ', precision=17, floatmode='unique')})"
    if isinstance(a, tuple):
        return "(" + ", ".join(_fmt_value(x) for x in a) + ("," if len(a) == 1 else "") + ")"
    if isinstance(a, (float, np.floating)):
        return repr(float(a))
    return repr(a)


def format_reproducer(rep: Reproducer, program: Program | None = None) -> str:
    f = rep.failure
    lines = []
    origin = f"program {program.index} of seed {program.seed}" if program else "a program"
    lines.append(f"kind: {f.kind}    ({origin}; minimized from {rep.original_lines} to "
                 f"{len(ast.unparse(_func_def(ast.parse(rep.source))).splitlines())} lines "
                 f"in {rep.checks} checks, {rep.seconds:.1f} s)")
    lines.append("")
    lines.append("import pullback")
    lines.append(rep.source.rstrip())
    lines.append("")
    lines.append(f"args = {_fmt_value(tuple(rep.args))}")
    if "def REBIND(" in rep.source:  # the oracle rebinds after a first gradient
        lines.append(f"g = pullback.grad(f, wrt={rep.wrt!r})")
        lines.append("g(*args)")
        lines.append("REBIND()")
        lines.append("print(g(*args))")
    else:
        lines.append(f"print(pullback.grad(f, wrt={rep.wrt!r})(*args))")
    lines.append("")
    lines.append(f"# {f.detail.strip().splitlines()[0]}")
    for extra in f.detail.strip().splitlines()[1:]:
        lines.append(f"#   {extra}")
    if f.got is not None or f.expected is not None:
        lines.append(f"# pullback:            {_fmt_value(f.got)}")
        label = "f" if f.kind == "value" else "finite differences" \
            if f.kind == "mismatch" else "expected"
        lines.append(f"# {label + ':':<20} {_fmt_value(f.expected)}")
    return "\n".join(lines)


def generated_source(rep: Reproducer, work: Workdir) -> str:
    try:
        fn, path = work.load(rep.source)
        try:
            return source(fn, wrt=rep.wrt)
        finally:
            work.forget(path)
            forget_transforms(path)
    except Exception as exc:  # noqa: BLE001
        return f"(pullback.source raised {type(exc).__name__}: {exc})"


@dataclass
class Summary:
    seed: int
    tried: int = 0
    passed: int = 0
    skipped: int = 0
    invalid: int = 0
    refused: Counter = field(default_factory=Counter)
    refused_examples: dict = field(default_factory=dict)  # message -> program indices
    failures: list = field(default_factory=list)  # (Program, Failure)
    reproducers: list = field(default_factory=list)  # (Program, Reproducer, gradient source)
    points: Counter = field(default_factory=Counter)
    invalid_examples: list = field(default_factory=list)
    seconds: float = 0.0
    categories: tuple = ()  # open-world mode: the categories generated
    by_category: dict = field(default_factory=dict)  # category -> Counter of outcomes

    def _mode(self) -> str:
        """The options that select this run's programs, besides the seed."""
        if not self.categories:
            return ""
        if set(self.categories) == set(CATEGORIES):
            return " --open-world"
        return " --categories " + ",".join(self.categories)

    def report(self) -> str:
        out = [f"pullback fuzz: seed {self.seed}, {self.tried} programs in {self.seconds:.1f} s",
               f"  tried     {self.tried}",
               f"  passed    {self.passed}",
               f"  refused   {sum(self.refused.values())}",
               f"  skipped   {self.skipped}   (f not smooth at any sampled point)",
               f"  invalid   {self.invalid}   (the generated program itself failed: a "
               f"generator bug, not pullback's; e.g. {self.invalid_examples})",
               f"  failures  {len(self.failures)}",
               "  points    " + ", ".join(f"{k} {v}" for k, v in sorted(self.points.items()))]
        if self.categories:
            out.append("")
            out.append("open world: outcomes of the programs holding each category")
            out.append(f"  {'category':<14}" + "".join(f"{s:>9}" for s in _STATUSES))
            for cat in self.categories:
                counts = self.by_category.get(cat, Counter())
                out.append(f"  {cat:<14}" + "".join(f"{counts[s]:>9}" for s in _STATUSES))
        if self.refused:
            out.append("")
            out.append("refusals (every generated construct is one pullback claims to support):"
                       if not self.categories else "refusals:")
            for msg, n in self.refused.most_common():
                out.append(f"  {n:5d}  {msg}")
                out.append(f"         e.g. programs {self.refused_examples.get(msg, [])} "
                           f"(python -m tools.fuzz --seed {self.seed}{self._mode()} "
                           "--show INDEX)")
        if self.failures:
            kinds = Counter(f.kind for _, f in self.failures)
            out.append("")
            out.append("failures by kind: " + ", ".join(f"{k} {n}" for k, n in kinds.items()))
            out.append("failing programs: " + ", ".join(str(p.index) for p, _ in self.failures))
            if self.categories:
                out.append(f"(python -m tools.fuzz --seed {self.seed}{self._mode()} "
                           "--show INDEX prints one)")
        for n, (prog, rep, gen, also) in enumerate(self.reproducers, 1):
            out.append("")
            out.append(f"=== failure {n} " + "=" * 60)
            out.append(format_reproducer(rep, prog))
            if also:
                out.append(f"# programs {also} minimize to the same reproducer")
            out.append("")
            out.append(f"# generated gradient (pullback.source(f, wrt={rep.wrt!r})):")
            out += ["#   " + ln for ln in gen.rstrip().splitlines()]
        return "\n".join(out)


def _same_bug_key(rep: Reproducer):
    """Minimized reproducers equal up to names and numbers probably show one bug."""
    text = re.sub(r"\b[a-z]+\d+\b", "v", rep.source)
    text = re.sub(r"\d+(\.\d*)?", "N", text)
    return rep.failure.kind, rep.failure.exc_type, text


_STATUSES = ("passed", "refused", "skipped", "invalid", "failed")


def run(programs: int, seed: int = 0, time_limit: float | None = None, points: int = 3,
        minimize_count: int = 20, minimize_time: float = 30.0, verbose: bool = False,
        start_index: int = 0, progress=None, categories: tuple = ()) -> Summary:
    """Generate and judge `programs` programs; with `categories`, open-world ones
    holding constructs of those categories (see open_world.py)."""
    summary = Summary(seed, categories=tuple(categories))
    work = Workdir()
    t0 = time.monotonic()
    try:
        for index in range(start_index, start_index + programs):
            if time_limit is not None and time.monotonic() - t0 > time_limit:
                break
            prog = generate(seed, index, summary.categories)
            out = check_program(work, prog, points)
            summary.tried += 1
            for cat in set(prog.categories):
                summary.by_category.setdefault(cat, Counter())[out.status] += 1
            summary.points.update(out.points)
            if out.status == "passed":
                summary.passed += 1
            elif out.status == "refused":
                summary.refused[out.message] += 1
                examples = summary.refused_examples.setdefault(out.message, [])
                if len(examples) < 5:
                    examples.append(index)
            elif out.status == "skipped":
                summary.skipped += 1
            elif out.status == "invalid":
                summary.invalid += 1
                if len(summary.invalid_examples) < 5:
                    summary.invalid_examples.append(prog.index)
            else:
                summary.failures.append((prog, out.failure))
                if verbose:
                    print(f"program {index}: {out.failure.kind}: "
                          f"{out.failure.detail.splitlines()[0]}", file=sys.stderr)
            if progress and summary.tried % progress == 0:
                print(f"... {summary.tried} programs, {len(summary.failures)} failures, "
                      f"{time.monotonic() - t0:.0f} s", file=sys.stderr, flush=True)
        seen = {}
        for prog, failure in summary.failures[:minimize_count]:
            rep = minimize(failure, prog.source, [p.name for p in prog.params], work,
                           budget=minimize_time, open_world=bool(prog.categories))
            key = _same_bug_key(rep)
            if key in seen:  # the same minimized program again: list it once
                seen[key][3].append(prog.index)
                continue
            seen[key] = (prog, rep, generated_source(rep, work), [])
            summary.reproducers.append(seen[key])
    finally:
        work.close()
    summary.seconds = time.monotonic() - t0
    return summary


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.fuzz",
        description="Generate random programs and check pullback's gradients against "
                    "finite differences.")
    parser.add_argument("--programs", type=int, default=1000, help="programs to generate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=None,
                        help="stop generating programs after this many seconds")
    parser.add_argument("--points", type=int, default=3, help="points checked per program")
    parser.add_argument("--start", type=int, default=0, help="index of the first program")
    parser.add_argument("--minimize", type=int, default=20,
                        help="minimize at most this many failures (default 20)")
    parser.add_argument("--minimize-time", type=float, default=30.0,
                        help="seconds spent shrinking each failure (default 30)")
    parser.add_argument("--show", type=int, metavar="INDEX",
                        help="print program INDEX of the seed and check it, then exit")
    parser.add_argument("--progress", type=int, default=0, metavar="N",
                        help="print a progress line every N programs (to stderr)")
    parser.add_argument("--open-world", action="store_true",
                        help="also generate constructs outside the supported subset; only a "
                             "correct gradient or a refusal naming a line passes")
    parser.add_argument("--categories", default=None, metavar="A,B",
                        help="open world: only these construct categories (default all: "
                             + ", ".join(CATEGORIES) + ")")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print each failure as it is found (to stderr)")
    opts = parser.parse_args(argv)
    categories = ()
    if opts.open_world or opts.categories:
        categories = tuple(opts.categories.split(",")) if opts.categories else CATEGORIES
        unknown = set(categories) - set(CATEGORIES)
        if unknown:
            parser.error(f"unknown categories {sorted(unknown)}; known: {', '.join(CATEGORIES)}")
    if opts.show is not None:
        prog = generate(opts.seed, opts.show, categories)
        print(prog.source)
        print(f"# wrt={prog.wrt!r}")
        work = Workdir()
        try:
            out = check_program(work, prog, opts.points)
        finally:
            work.close()
        print(f"# {out.status} {out.message} {dict(out.points)}")
        if out.failure:
            print(f"# {out.failure.kind}: {out.failure.detail}")
            print(f"# args = {_fmt_value(tuple(out.failure.args))}")
        return 1 if out.failure else 0
    summary = run(opts.programs, opts.seed, opts.time_limit, opts.points, opts.minimize,
                  opts.minimize_time, opts.verbose, opts.start, opts.progress, categories)
    print(summary.report())
    return 1 if summary.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
