"""The package layout tells the architecture: imports point one way.

Stages run frontend -> lower -> analysis -> derive -> emit, and rest on rules, runtime
and ir below them; a module imports (at module level) only from its own layer or the
layers below. The exceptions are named here, each with its reason: ir/naming reserves
the names the generated code binds (the helper tables of runtime and rules); code that
runs *while a gradient runs* may call back into the transform (a method resolved by the
object's class, odeint's adjoint calls pullback.vjp on the user's right-hand side), and
lower/example prints its doctest examples with codegen.
"""

import ast
import pathlib

import pullback

ROOT = pathlib.Path(pullback.__file__).parent
LAYERS = {"errors": 0, "ir": 0, "runtime": 1, "rules": 2, "helpers": 3, "frontend": 4,
          "lower": 5, "analysis": 6, "derive": 7, "emit": 8, "api": 9, "cli": 10,
          "__init__": 11, "__main__": 11}
MODULE_LEVEL_EXCEPTIONS = {("ir/naming.py", "rules"), ("ir/naming.py", "runtime")}
CALL_BACKS = {"runtime/helpers.py", "runtime/objects.py", "rules/scipy_integrate.py",
              "lower/example.py"}


def _imports():
    """(module path, its layer's name, imported layer's name, at module level?)."""
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        layer = rel.parts[0].removesuffix(".py")
        tree = ast.parse(path.read_text())
        top = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if not (isinstance(node, ast.ImportFrom) and node.level):
                continue
            package = list(rel.parts[:-1])[:len(rel.parts) - node.level]
            target = (package + (node.module or node.names[0].name).split("."))[0]
            yield rel.as_posix(), layer, target, id(node) in top


def test_every_module_belongs_to_a_layer():
    assert {layer for _, layer, _, _ in _imports()} <= set(LAYERS)


def test_imports_point_one_way():
    upward = [(path, target) for path, layer, target, top in _imports()
              if target in LAYERS and LAYERS[target] > LAYERS[layer]
              and (path, target) not in MODULE_LEVEL_EXCEPTIONS
              and (top or path not in CALL_BACKS)]
    assert not upward, f"imports of a later stage: {upward}"


def test_the_exceptions_are_still_needed():
    """An exception nobody uses any more is deleted, not kept."""
    used = {(path, target) for path, layer, target, _ in _imports()
            if target in LAYERS and LAYERS[target] > LAYERS[layer]}
    assert MODULE_LEVEL_EXCEPTIONS <= used
    assert CALL_BACKS <= {path for path, _ in used}
