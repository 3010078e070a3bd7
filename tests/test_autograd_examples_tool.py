"""tools/autograd_examples checks objectives from autograd's examples by grad, jvp and hvp
against central differences (here on a small module of examples written for the test,
standing for the real directory, which the tool's docstring says how to fetch)."""

from __future__ import annotations

import textwrap

import pytest

pytest.importorskip("autograd")


def test_the_tool_checks_each_case_in_three_modes(tmp_path, capsys, monkeypatch):
    from tools.autograd_examples import __main__ as tool

    (tmp_path / "small_model.py").write_text(textwrap.dedent("""
        import autograd.numpy as np
        from autograd.scipy.special import logsumexp

        def init_params(rs):
            return {"w": rs.randn(3, 2), "b": rs.randn(2)}

        def log_likelihood(params, inputs):
            scores = np.dot(inputs, params["w"]) + params["b"]
            return np.sum(scores - logsumexp(scores, axis=1, keepdims=True))

        def uses_a_library_flatten(params):
            from autograd.misc.flatten import flatten
            flat, _ = flatten(params)
            return np.sum(flat ** 2)

        def calls_what_flatten_returned(params):
            from autograd.misc.flatten import flatten
            flat, unflatten = flatten(params)
            return np.sum(unflatten(flat * 2.0)["w"])
    """))

    def model(m):
        import numpy as np
        return m.log_likelihood, [m.init_params(np.random.RandomState(0)),
                                  np.random.RandomState(1).randn(4, 3)], 0

    def flattened(m):
        import numpy as np
        return m.uses_a_library_flatten, [m.init_params(np.random.RandomState(2))], 0

    def rebuilt(m):
        import numpy as np
        return m.calls_what_flatten_returned, [m.init_params(np.random.RandomState(3))], 0

    monkeypatch.setattr(tool, "CASES", [("model", "small_model", model),
                                        ("flattened", "small_model", flattened),
                                        ("rebuilt", "small_model", rebuilt)])
    status = tool.main([str(tmp_path)])
    out = capsys.readouterr().out
    assert status == 0
    assert "9 checks, 6 correct, 3 refused" in out
    assert "rebuilt grad" in out and "the call to unflatten()" in out
