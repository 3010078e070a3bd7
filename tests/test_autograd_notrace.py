"""autograd's untraced functions (`autograd.numpy.shape`, `ndim`, `iscomplexobj`,
`result_type`: notrace_primitive wrappers, which keep the NumPy function in a closure cell
rather than in __wrapped__) have NumPy's declarations: code written for autograd that
reads a shape (autograd's VAE example: `D = np.shape(params)[-1] // 2`) was refused as a
call with no derivative rule. Gradients against central differences."""

from __future__ import annotations

import numpy as np
import pytest
from fd import assert_grad_matches

anp = pytest.importorskip("autograd.numpy")


def halves(params):
    D = anp.shape(params)[-1] // 2
    mean, log_std = params[:, :D], params[:, D:]
    return anp.sum(mean ** 2 * anp.exp(log_std))


def by_rank(x):
    if anp.ndim(x) == 2 and not anp.iscomplexobj(x):
        return anp.sum(anp.tanh(x) * anp.result_type(x, 1.0).type(2.0))
    return anp.sum(x)


@pytest.mark.parametrize("f", [halves, by_rank], ids=lambda f: f.__name__)
def test_untraced_functions_are_numpys(f):
    x = np.linspace(-1.0, 1.2, 12).reshape(3, 4)
    assert_grad_matches(f, (x,))
