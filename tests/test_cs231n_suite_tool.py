"""tools/cs231n_suite checks students' assignment functions by grad, jvp and hvp against
central differences (here on a small checkout written for the test, standing for the
repositories the tool's docstring says how to fetch)."""

from __future__ import annotations

import textwrap


def test_the_tool_checks_written_functions_and_skips_skeletons(tmp_path, capsys):
    from tools.cs231n_suite import __main__ as tool

    classifiers = tmp_path / "assignment1" / "cs231n" / "classifiers"
    classifiers.mkdir(parents=True)
    (classifiers / "linear_svm.py").write_text(textwrap.dedent("""
        import numpy as np
        from past.builtins import xrange

        def svm_loss_vectorized(W, X, y, reg):
            num_train = X.shape[0]
            scores = X.dot(W)
            correct = scores[np.arange(num_train), y].reshape(num_train, 1)
            margins = np.maximum(0, scores - correct + 1)
            margins[np.arange(num_train), y] = 0
            loss = np.sum(margins) / num_train + reg * np.sum(W * W)
            binary = (margins > 0).astype(int)
            binary[np.arange(num_train), y] = -np.sum(binary, axis=1)
            dW = X.T.dot(binary) / num_train + 2 * reg * W
            return loss, dW
    """))
    layers = tmp_path / "assignment2" / "cs231n"
    layers.mkdir(parents=True)
    (layers / "layers.py").write_text(textwrap.dedent("""
        import numpy as np

        def affine_forward(x, w, b):
            out = x.reshape(x.shape[0], -1).dot(w) + b
            return out, (x, w, b)

        def relu_forward(x):
            out = None
            # TODO: the skeleton, not yet written
            return out, x
    """))
    status = tool.main([str(tmp_path)])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "6 checks, 6 correct" in out
    assert "1 functions skipped" in out
