"""Lists changed by pop(i), pop(), extend(...) and insert(i, v), at first and second order.
`values.insert(i, v)` is a list update of its own (its adjoint takes the element's
gradient out, `take_inserted_grad`, then `values.pop(inserted_at(values, i))`); pop(i)'s
adjoint puts the element back with `values.insert(popped_at(values, i), popped)`, and
extend's with one `values.pop()` per element added (an array extended with hands its
elements' gradients back as an array: `extended_grad`): list updates pullback reads, so the
generated gradient is differentiated again (pop_grad and take_inserted_grad have rules).
Gradients, hessian, hvp and vjp of grad against central differences, in loops and in
callees inlined and not."""

import numpy as np
import pytest
from fd import assert_grad_matches
from test_higher import check_reverse_over_reverse, check_second_order

import pullback

X = np.array([0.3, -1.2, 0.8, 1.5])


def pop_index(x):
    v = [a * 2.0 for a in x]
    first = v.pop(1)
    return first * sum(v) + np.sin(v.pop())


def pop_last(x):
    v = [a * 2.0 for a in x]
    last = v.pop()
    return last * sum(v) + np.sin(v.pop())


def pop_front_in_a_loop(x):
    v = [np.sin(a) for a in x]
    t = 0.0
    while len(v) > 1:
        t = t + v.pop(0) * v[0]
    return t + v[0] ** 2


def pop_negative(x):
    v = list(x * x)
    a = v.pop(-2)
    return a * v[-1] + sum(v)


def insert_front(x):
    v = []
    for a in x:
        v.insert(0, a * x[0])
    return sum(w * k for k, w in enumerate(v))


def insert_out_of_range(x):
    v = [x[0], x[1] ** 2]
    v.insert(-1, np.exp(x[2]))
    v.insert(10, x[3] * x[0])
    v.insert(-10, x[1] * x[2])
    return v[0] * v[1] + v[2] * v[3] + v[4] ** 2


def extend_in_a_loop(x):
    v = []
    for k in range(2):
        v.extend([x[k] * x[k + 1], np.cos(x[k + 2])])
    return sum(w ** 2 for w in v) * v[0]


def extend_pop_insert(x):
    v = [x[0]]
    v.extend([x[1] ** 2, x[2] ** 2, x[3]])
    b = v.pop(1)
    v.insert(2, b * x[3])
    return sum(v) * b


def _queue(x, k=1):  # a default: called through its forward and backward
    v = [np.tanh(a) for a in x]
    v.insert(k, x[0] * x[-1])
    v.extend([v.pop(0) ** 2])
    return sum(w * (i + 1) for i, w in enumerate(v))


def callee_not_inlined(x):
    return _queue(x) * _queue(x, 2)


def _rotate(x):
    v = list(x)
    v.insert(0, v.pop())
    return v[0] * v[1] ** 2 + v[3]


def callee_inlined(x):
    return _rotate(x * 1.5) + np.sum(x)


def extend_with_an_array(x):
    v = [x[0]]
    v.extend(x[1:] ** 2)
    return sum(v) * v[1]


def extend_with_rows(x):
    rows = []
    rows.extend(np.tanh(x.reshape(2, 2)))
    rows.extend(x.reshape(2, 2) * 2.0)
    return sum(np.sum(r ** 2) for r in rows) * np.sum(rows[0])


CASES = [extend_with_an_array, extend_with_rows, pop_index, pop_last, pop_front_in_a_loop,
         pop_negative, insert_front, insert_out_of_range, extend_in_a_loop,
         extend_pop_insert, callee_not_inlined, callee_inlined]


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_gradient_hessian_hvp_and_reverse_over_reverse(fn):
    assert_grad_matches(fn, (X,))
    check_second_order(fn, (X,), np.random.default_rng(2), nonzero=True)
    check_reverse_over_reverse(fn, (X,))


def test_the_generated_gradient_undoes_with_list_updates():
    code = pullback.source(extend_pop_insert)
    assert "v.pop(inserted_at(v, 2))" in code
    assert "v.insert(popped_at(v, 1), v_popped)" in code
    assert "undo_pop" not in code and "undo_append" not in code


def test_insert_into_a_list_received_as_append_does():
    """A list f receives and grows: the gradient grows it as f does (as for append)."""
    def grows(x, v):
        v.insert(1, x * 2.0)
        return v[0] * v[1]

    v = [1.5, 2.0]
    assert pullback.grad(grows)(0.5, v) == pytest.approx(3.0)
    assert v == [1.5, 1.0, 2.0]
