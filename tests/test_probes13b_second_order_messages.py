"""A refusal met while differentiating a generated gradient again (hvp, hessian) names
a line of that generated code: the message says so, and how to print it
(api._hvp_sweep)."""

import numpy as np
import pytest
from fd import assert_grad_matches

import pullback


def nested_lists(x):
    m = [[v * w for w in x[:2]] for v in x]
    return sum(sum(r) ** 2 for r in m)


def test_a_second_order_refusal_in_generated_code_says_so():
    x = np.array([0.4, -1.3, 0.9])
    assert_grad_matches(nested_lists, (x,))
    for second in (lambda: pullback.hvp(nested_lists)(x, x),
                   lambda: pullback.hessian(nested_lists)(x)):
        with pytest.raises(pullback.errors.PullbackError) as info:
            second()
        message = str(info.value)
        assert 'File "<pullback nested_lists' in message
        assert "while making a second derivative" in message
        assert "pullback.source(nested_lists)" in message
