"""Methods of text ("{:.3f}".format(x), ", ".join(names), label.startswith("w")) carry no
gradient: a differentiated value formatted into a message is fine (grad, jvp, hvp), and
text made from one that flows into the result is refused, located."""

import numpy as np
import pytest
from fd import assert_grad_matches, assert_jvp_matches

import pullback


def formatted_literal(x):
    msg = "value {:.3f}".format(float(x[0]))  # noqa: UP032 (the spelling tested)
    return np.sum(x ** 3) if msg else 0.0


def formatted_plain(x):
    note = "value {} and {}".format(x[0], x[1:])  # noqa: UP032 (an array formatted)
    return np.sum(np.sin(x) * x) + 0.0 * len(note)


def template_name(x):
    template = "v={}"
    return np.sum(x ** 3) + 0.0 * len(template.format(x[0]))  # noqa: UP032


def joined_upper(x):
    parts = ", ".join(["a", "b"]).upper()
    return np.sum(x ** 2) * len(parts)


def prefix_checked(x):
    name = f"w{len(x)}"
    if name.startswith("w"):
        return np.sum(np.exp(x) * x)
    return np.sum(x)


def in_a_loop(x):
    total = 0.0
    for i in range(3):
        key = "k{}".format(i)  # noqa: UP032 (the spelling tested)
        total = total + x[i] ** 2 * (1.0 if key.endswith(str(i)) else 0.0)
    return total


CASES = [formatted_literal, formatted_plain, template_name, joined_upper, prefix_checked,
         in_a_loop]


@pytest.mark.parametrize("f", CASES, ids=lambda f: f.__name__)
def test_text_methods_leave_the_gradient_alone(f):
    x = np.array([0.4, -1.1, 0.7])
    assert_grad_matches(f, (x,))
    assert_jvp_matches(f, (3,), seed=1)
    v = np.array([0.3, 0.2, -0.5])
    gradient = pullback.grad(f)
    expected = (gradient(x + 1e-6 * v) - gradient(x - 1e-6 * v)) / 2e-6
    np.testing.assert_allclose(pullback.hvp(f)(x, v), expected, rtol=1e-5, atol=1e-6)


def parsed_back(x):
    label = "{:.2f}".format(x[0])  # noqa: UP032 (the spelling tested)
    return float(label) * x[1]


def test_text_made_from_a_differentiated_value_into_the_result_is_refused():
    with pytest.raises(pullback.NoRuleError) as refused:
        pullback.grad(parsed_back)(np.array([0.5, 2.0]))
    message = str(refused.value)
    assert "text carries no gradient" in message
    assert 'label = "{:.2f}".format(x[0])' in message and "test_text_methods.py" in message
