"""The lowering package keeps its layout: one module per lowering, each opening with a
before/after example (run by test_doctests), and imports that point one way."""

import ast
import importlib
import pathlib
import pkgutil

import pytest

import pullback.lower

LOWER = sorted(m.name for m in pkgutil.iter_modules(pullback.lower.__path__))
LATER_STAGES = ("analysis", "derive", "emit")


@pytest.mark.parametrize("name", LOWER)
def test_each_lowering_opens_with_an_example(name):
    doc = importlib.import_module(f"pullback.lower.{name}").__doc__ or ""
    assert ">>>" in doc, f"lower/{name}.py has no runnable example in its docstring"


@pytest.mark.parametrize("name", LOWER)
def test_lowerings_do_not_import_later_stages(name):
    """Module-level imports of lower/ reach frontend, ir, rules, runtime and lower itself,
    never a stage that runs after it (example.py prints with codegen inside a function)."""
    path = pathlib.Path(pullback.lower.__path__[0]) / f"{name}.py"
    tree = ast.parse(path.read_text())
    imported = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 2:  # from ..x import y
            imported += [node.module] if node.module else [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pullback."):
            imported.append(node.module.removeprefix("pullback."))
        elif isinstance(node, ast.Import):
            imported += [a.name.removeprefix("pullback.") for a in node.names]
    backwards = [m for m in imported if m.split(".")[0] in LATER_STAGES]
    assert not backwards, f"lower/{name}.py imports {backwards}"


def test_the_package_docstring_lists_every_module():
    doc = pullback.lower.__doc__
    missing = [name for name in LOWER if f"`{name}.py`" not in doc]
    assert not missing, f"lower/__init__.py does not describe {missing}"
