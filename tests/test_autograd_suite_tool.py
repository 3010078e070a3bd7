"""tools/autograd_suite runs autograd-style tests through pullback and counts the outcomes
(here on a small suite written for the test: the real one is fetched, see the tool)."""

from __future__ import annotations

import textwrap

import pytest

pytest.importorskip("autograd")


def test_the_tool_counts_correct_refused_and_wrong(tmp_path, capsys, monkeypatch):
    from tools.autograd_suite import __main__ as tool
    from tools.autograd_suite import check

    monkeypatch.setattr(check, "RESULTS", [])
    (tmp_path / "test_small.py").write_text(textwrap.dedent("""
        import autograd.numpy as np
        import autograd.numpy.random as npr
        from autograd.test_util import check_grads, combo_check

        def test_ufunc():
            check_grads(np.sin)(0.3)
            combo_check(np.sum, [0])([npr.randn(3, 2)], axis=[None, 0, 1])

        def test_own():
            def fun(x, y):
                return np.dot(np.tanh(x), y) + np.linalg.norm(x)
            check_grads(fun, (0, 1))(npr.randn(3), npr.randn(3))

        def test_refused():
            def fun(x):
                return np.linalg.cond(np.outer(x, x) + np.eye(3))  # no rule for cond
            check_grads(fun)(npr.randn(3))
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    assert tool.main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "'correct': 5" in out and "'refused': 1" in out and "wrong" not in out
