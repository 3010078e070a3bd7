"""The fuzzer's findings, as regression tests: each once gave a wrong value or crashed."""

import fuzz_regressions as fr
import numpy as np
import pytest
from fd import assert_grad_matches, numeric_grad

import pullback


@pytest.mark.parametrize("func, args, wrt", [
    (fr.negative_literal_power, (0.3, 1.2), (1,)),
    (fr.iterate_a_rebound_name, (np.array([-0.9, 1.4, 1.1]),), (0,)),
    (fr.zero_size_buffer, (np.array([-0.3, 0.9]), np.ones((2, 3))), (0,)),
    (fr.min_temporary_hides_min, (0.6, np.array([0.3, 1.2, -0.5])), (0, 1)),
    (fr.numpy_scalar_zero_gradient_indexed,
     (np.array([-1.0, -0.8, 0.1]), np.array([-1.1, 0.1, -1.4])), (0,)),
], ids=lambda p: getattr(p, "__name__", ""))
def test_value_and_gradient(func, args, wrt):
    value, grads = pullback.value_and_grad(func, wrt=wrt)(*args)
    assert value == pytest.approx(func(*[np.copy(a) for a in args]))
    for g, i in zip(grads, wrt):
        np.testing.assert_allclose(g, numeric_grad(func, args, i), rtol=1e-6, atol=1e-9)


def test_augmented_assignment_on_a_shared_array_is_refused():
    with pytest.raises(pullback.PullbackError, match="may share memory"):
        pullback.grad(fr.shared_array_augmented)(1.2)


@pytest.mark.parametrize("fn", [fr.view_read_before_augmented, fr.view_consumed_in_a_loop])
def test_augmented_assignment_after_its_views_are_used_up(fn):
    # once refused (the fuzzer's most common over-cautious refusal): the view is read
    # before the update, so the in-place change cannot reach it
    v = np.array([0.3, -0.7, 1.1])
    assert_grad_matches(fn, (v,), rtol=1e-6, atol=1e-8)


def test_augmented_assignment_with_a_view_read_later_is_refused():
    with pytest.raises(pullback.PullbackError, match="may share memory"):
        pullback.grad(fr.view_read_after_augmented)(np.array([0.3, -0.7, 1.1]))


def test_an_unused_min_in_a_branch():
    v = np.array([-0.6, 0.8, -0.4])
    for optimize in (True, False):
        assert_grad_matches(fr.unused_min_in_a_branch, (v,), optimize=optimize)
    assert "shift" not in pullback.source(fr.unused_min_in_a_branch)


@pytest.mark.parametrize("func, args", [
    (fr.method_of_an_operator_result, (-0.1, -0.2)),
    (fr.method_of_an_expression, (0.7,)),
    (fr.method_of_a_module_object, (0.7,)),
    (fr.method_in_a_loop_over_objects, (-0.4,)),
], ids=lambda p: getattr(p, "__name__", ""))
def test_user_class_methods_named_like_array_methods(func, args):
    wrt = tuple(range(len(args)))
    try:
        value, grads = pullback.value_and_grad(func, wrt=wrt)(*args)
    except pullback.PullbackError as e:  # refused: it must name the line
        assert "line" in str(e)
        return
    assert value == pytest.approx(func(*args))
    for g, i in zip(grads, wrt):
        assert g == pytest.approx(numeric_grad(func, args, i), rel=1e-6, abs=1e-9)
