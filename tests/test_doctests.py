"""Every example in a module docstring of pullback runs and prints what it says."""

import doctest
import importlib
import pkgutil

import pytest

import pullback

MODULES = sorted(m.name for m in pkgutil.walk_packages(pullback.__path__, "pullback.")
                 if m.name != "pullback.__main__")


@pytest.mark.parametrize("name", MODULES)
def test_module_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


PASSES = ["frontend.parse", "frontend.check", "lower.normalize", "lower.ssa",
          "analysis.activity", "analysis.shapes", "analysis.aliasing", "derive.reverse",
          "derive.forward", "emit.simplify", "emit.codegen"]


def _without_example(passes):
    return [p for p in passes
            if ">>>" not in (importlib.import_module(f"pullback.{p}").__doc__ or "")]


def test_every_pass_shows_an_example():
    """Each pass module opens with a before/after example that runs (the test above)."""
    assert not _without_example(PASSES), "pass modules without an example"

