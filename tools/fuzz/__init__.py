"""A program fuzzer that hunts for wrong gradients (a development tool, not part of
the pullback package; see docs/fuzzing.md).

    python -m tools.fuzz --programs 5000 --seed 0 --time-limit 3600
    python -m tools.fuzz --open-world --programs 1000 --seed 0

One module per role: `generator` writes random programs, `open_world` the
constructs outside the supported subset, `oracle` runs a program and judges
pullback's gradient, `minimizer` shrinks a failure, `cli` is the command.
The names below are re-exported for the tests.
"""

from .cli import Summary, format_reproducer, main, run
from .generator import PRELUDE, Generator, Program, generate
from .minimizer import Reproducer, minimize
from .oracle import (
    Failure,
    Outcome,
    Workdir,
    check_point,
    check_program,
    check_source,
    instrumented,
)

__all__ = ["PRELUDE", "Failure", "Generator", "Outcome", "Program", "Reproducer", "Summary",
           "Workdir", "check_point", "check_program", "check_source", "format_reproducer",
           "generate", "instrumented", "main", "minimize", "run"]
