"""tools/mlfromscratch_suite loads ML-From-Scratch's modules from a checkout (its packages
bare, display-only packages stood in for) and checks grad, jvp and hvp of objectives that
call them, and pullback's gradient against the library's own (here on a small checkout
written for the test, standing for the repository the tool's docstring says how to fetch)."""

from __future__ import annotations

import sys
import textwrap


def test_the_tool_checks_the_library_and_lists_what_it_skips(tmp_path, capsys):
    from tools.mlfromscratch_suite import __main__ as tool

    package = tmp_path / "mlfromscratch"
    (package / "deep_learning").mkdir(parents=True)
    (package / "__init__.py").write_text("import no_such_package  # the real one imports all\n")
    (package / "deep_learning" / "__init__.py").write_text("import no_such_package\n")
    (package / "deep_learning" / "activation_functions.py").write_text(textwrap.dedent("""
        import numpy as np
        import progressbar  # (display only: stood in for when absent)

        class Sigmoid():
            def __call__(self, x):
                return 1 / (1 + np.exp(-x))

            def gradient(self, x):
                return self.__call__(x) * (1 - self.__call__(x))

        class SoftPlus():
            def __call__(self, x):
                return np.log(1 + np.exp(x))

            def gradient(self, x):
                return 1 / (1 + np.exp(x))  # a sign lost: their bug
    """))
    saved = {name: module for name, module in sys.modules.items()
             if name == "mlfromscratch" or name.startswith("mlfromscratch.")}
    try:
        status = tool.main([str(tmp_path), "activations"])
    finally:
        for name in [n for n in sys.modules if n == "mlfromscratch"
                     or n.startswith("mlfromscratch.")]:
            del sys.modules[name]
        sys.modules.update(saved)
        sys.path.remove(str(tmp_path))
    out = capsys.readouterr().out
    assert status == 0, out
    assert "skipped module deep_learning.loss_functions" in out
    assert "SoftPlus()(z) grad" in out and "their bug" in out
    assert out.splitlines()[-1] == "activations: 18 checks, 16 correct, 2 their bug"
