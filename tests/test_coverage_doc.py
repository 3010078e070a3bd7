"""docs/numpy-coverage.md is generated from the rule tables and must stay current:
regenerate it with `python -m pullback.rules.coverage > docs/numpy-coverage.md`."""

import math
import pathlib

import pytest

from pullback.rules.coverage import coverage_markdown

DOC = pathlib.Path(__file__).resolve().parent.parent / "docs" / "numpy-coverage.md"


def test_coverage_doc_is_current():
    pytest.importorskip("scipy", reason="the document lists the optional SciPy rules")
    if not hasattr(math, "exp2"):
        pytest.skip("the document lists math.exp2 and math.cbrt (Python 3.11)")
    assert DOC.read_text() == coverage_markdown(), (
        "docs/numpy-coverage.md is out of date: run "
        "`python -m pullback.rules.coverage > docs/numpy-coverage.md`")


def test_coverage_lists_every_rule_and_nondifferentiable_function():
    from pullback.rules import NONDIFF, RULES
    from pullback.rules.coverage import qualified_names

    text = coverage_markdown()
    for func in [*RULES, *NONDIFF]:
        assert f"`{qualified_names(func)[0]}`" in text
