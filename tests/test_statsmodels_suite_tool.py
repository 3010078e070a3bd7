"""tools/statsmodels_suite differentiates statsmodels' published log-likelihoods (the
installed library's code, called as a user calls it) and compares pullback's gradient and
hvp with differences and with statsmodels' own analytic score and hessian. statsmodels is
not a dependency of pullback: without it the tool says so and exits with status 0."""

from __future__ import annotations

import importlib

import pytest


def test_without_statsmodels_the_tool_says_so(monkeypatch, capsys):
    from tools.statsmodels_suite import __main__ as tool

    real = importlib.import_module

    def missing(name, *args):
        if name.startswith("statsmodels"):
            raise ImportError(name)
        return real(name, *args)

    monkeypatch.setattr(tool.importlib, "import_module", missing)
    assert tool.main(["regression"]) == 0
    assert "statsmodels is not installed" in capsys.readouterr().out


def test_the_linear_models_against_their_score_and_hessian(capsys):
    pytest.importorskip("statsmodels")
    from tools.statsmodels_suite import __main__ as tool

    status = tool.main(["regression", "-v"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "OLS.loglike(scale=2.0) grad" in out and "GLS.loglike hvp" in out
    last = out.splitlines()[-1]
    assert last.startswith("regression: ") and "wrong" not in last and "crash" not in last
    assert "refused" not in last, out
