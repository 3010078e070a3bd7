"""benchmarks/transform.py runs as its docstring says: the table of transform times, and
with --stages the split of each transform by api._build's stages, which account for
the whole (each second charged once, a callee's transform to its own stages)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def test_table_and_stages():
    out = subprocess.run(
        [sys.executable, "benchmarks/transform.py", "--sizes", "10", "30", "--kinds", "calls",
         "branches", "--no-jax", "--stages"], cwd=ROOT, capture_output=True, text=True,
        check=True).stdout
    assert re.search(r"\| calls +\| +30 \| +[\d.]+ m?s \|", out), out
    lines = [line for line in out.splitlines() if line.startswith("- ")]
    assert [line.split()[1:3] for line in lines] == [
        ["calls", "10"], ["calls", "30"], ["branches", "10"], ["branches", "30"]]
    for line in lines:
        shares = [int(s) for s in re.findall(r"\((\d+)%\)", line)]
        stages = re.findall(r"([a-zA-Z_]+) [\d.]+ \(\d+%\)", line)
        assert {"parse_function", "normalize", "reverse", "compile_source"} <= set(stages)
        # the stages shown (each at least 0.5%) account for the whole but rounding
        assert 90 <= sum(shares) <= 102, line
