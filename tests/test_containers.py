"""Lists, comprehensions, builtins over values, tuples and dicts: checked against finite
differences; the gradient of a dict or list argument has the argument's structure."""

import collections
import typing
from collections import defaultdict

import container_cases as cc
import numpy as np
import pytest
from fd import assert_grad_matches, numeric_grad

import pullback

RNG = np.random.default_rng(11)
CASES = [
    (cc.appended_values, (0.7, 1.3), (0, 1)),
    (cc.comprehension_and_generator, (0.8,), (0,)),
    (cc.states_list, (RNG.normal(size=(3, 3)) * 0.5, RNG.normal(size=(4, 3))), (0, 1)),
    (cc.extended, (0.7, -0.4), (0, 1)),
    (cc.reversed_enumerate, (0.7,), (0,)),
    (cc.sorted_values, (0.3, 0.9, -0.6), (0, 1, 2)),
    (cc.tuple_pack_and_unpack, (0.4, 1.1), (0, 1)),
    (cc.min_temporary_then_zip, (0.6, np.array([0.3, 1.2, -0.5])), (0, 1)),
]


@pytest.mark.parametrize("func, args, wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_containers_match_finite_differences(func, args, wrt):
    grads = pullback.grad(func, wrt=wrt)(*args)
    for g, i in zip(grads, wrt):
        np.testing.assert_allclose(g, numeric_grad(func, args, i), rtol=1e-6, atol=1e-9)


def test_gradient_of_a_dict_argument_is_a_dict():
    params = {"W": RNG.normal(size=(2, 3)), "b": RNG.normal(size=2), "scale": 1.5}
    x = RNG.normal(size=3)
    g = pullback.grad(cc.dict_params)(params, x)
    assert set(g) == set(params)
    eps = 1e-6
    for key in params:
        value = np.asarray(params[key], dtype=float)
        expected = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            for sign in (1, -1):
                shifted = dict(params)
                moved = value.copy()
                moved[idx] += sign * eps
                shifted[key] = moved if moved.shape else float(moved)
                expected[idx] += sign * cc.dict_params(shifted, x) / (2 * eps)
        np.testing.assert_allclose(g[key], expected, rtol=1e-6, atol=1e-9)
        assert np.shape(g[key]) == np.shape(params[key])


def test_gradient_of_a_list_argument_is_a_list():
    xs = [0.5, -1.2, 2.0]
    g = pullback.grad(cc.list_input)(xs)
    assert isinstance(g, list) and len(g) == 3
    expected = [2 * 0.5 + 2.0, 2 * -1.2, 2 * 2.0 + 0.5]
    assert g == pytest.approx(expected)


def test_appending_to_an_input_list_runs_on_a_copy_the_caller_receives():
    def appends_to_input(xs):
        xs.append(xs[0] * 3.0)
        return sum(x * x for x in xs)

    import inspect  # noqa: F401  (the function above needs its source: defined in a file)

    xs = [0.5, 2.0]
    g = pullback.grad(appends_to_input)(xs)
    assert xs == [0.5, 2.0, 1.5]  # appended, as a call of f appends
    assert len(g) == 2 and np.allclose(g, [2 * 0.5 + 2 * 1.5 * 3.0, 4.0])


# -------------------------------- dicts of lists grown in place (lower/grouping.py)

def setdefault_lists_by_int_key(x, labels):
    groups = {}
    for i in range(len(x)):
        groups.setdefault(labels[i] % 3, []).append(x[i])
    return sum(np.prod(np.array(v)) + len(v) * v[0] ** 2 for v in groups.values())


def defaultdict_lists_sorted_keys(x, labels):
    by_label = defaultdict(list)
    for value, label in zip(x, labels):
        by_label[label].append(np.sin(value))
    total = 0.0
    for label in sorted(by_label):
        total = total + np.mean(np.array(by_label[label])) ** 2 * (1 + len(label))
    return total


def defaultdict_float_weighted(x, labels, w):
    sums = collections.defaultdict(float)
    for i, label in enumerate(labels):
        sums[label] += w * x[i] ** 2
    return sum(s ** 1.5 for s in sums.values()) + sums["never"]


def setdefault_number_then_add(x, labels):
    totals = {}
    for value, label in zip(x, labels):
        totals.setdefault(label, 0.0)
        totals[label] += np.exp(value)
    return np.log(sum(t * t for t in totals.values()))


def setdefault_extend_and_key_test(x, labels):
    pieces = {}
    for value, label in zip(x, labels):
        if label not in pieces:
            pieces[label] = [value]
        else:
            pieces.setdefault(label, []).extend([value, value ** 2])
    return sum(np.sum(np.array(p) ** 2) / len(pieces) for p in pieces.values())


def grouped_per_row(X, labels):
    total = 0.0
    for row in X:
        cells = {}
        for v, g in zip(row, labels):
            cells.setdefault(g, []).append(v * v)
        total = total + max(sum(c) for c in cells.values())
    return total


def counts_as_weights(x, labels):
    counts = defaultdict(int)
    for label in labels:
        counts[label] += 1
    means = defaultdict(list)
    for value, label in zip(x, labels):
        means[label].append(value / counts[label])
    return sum(np.sum(np.array(means[k])) ** 2 for k in counts)


LABELS = ["a", "bb", "a", "c", "bb", "a"]
GROUPED = [
    (setdefault_lists_by_int_key, (RNG.normal(size=6), [0, 1, 3, 4, 2, 6]), 0),
    (defaultdict_lists_sorted_keys, (RNG.normal(size=6), LABELS), 0),
    (defaultdict_float_weighted, (RNG.uniform(0.5, 1.5, size=6), LABELS, 0.7), (0, 2)),
    (setdefault_number_then_add, (RNG.normal(size=6), LABELS), 0),
    (setdefault_extend_and_key_test, (RNG.normal(size=6), LABELS), 0),
    (grouped_per_row, (RNG.normal(size=(3, 5)), [1, 2, 1, 1, 2]), 0),
    (counts_as_weights, (RNG.normal(size=6), LABELS), 0),
]


@pytest.mark.parametrize("func, args, wrt", GROUPED, ids=[c[0].__name__ for c in GROUPED])
def test_values_grouped_by_key_match_finite_differences(func, args, wrt):
    got = pullback.grad(func, wrt=wrt)(*args)
    for g, i in zip(got if isinstance(wrt, tuple) else (got,),
                    wrt if isinstance(wrt, tuple) else (wrt,)):
        np.testing.assert_allclose(g, numeric_grad(func, args, i), rtol=1e-6, atol=1e-8)


def list_taken_out_then_grown(x, labels):
    groups = {}
    for value, label in zip(x, labels):
        first = groups.setdefault(label, [])
        first.append(value)
    return sum(sum(v) ** 2 for v in groups.values())


def list_read_between_appends(x, labels):
    groups = {}
    seen = []
    for value, label in zip(x, labels):
        groups.setdefault(label, []).append(value)
        seen.append(groups[label])
    return sum(sum(v) ** 2 for v in seen)


@pytest.mark.parametrize("func", [list_taken_out_then_grown, list_read_between_appends])
def test_a_grouped_list_known_under_another_name_is_refused(func):
    """The list grows in place under a second name: never the value-flow rewrite."""
    with pytest.raises(pullback.PullbackError) as info:
        pullback.grad(func)(np.array([0.3, 0.5, -0.2]), ["a", "b", "a"])
    assert "test_containers.py" in str(info.value)


def augmented_array_in_a_list(x):
    a = x * 1.0
    held = [a, 2.0]
    held[0] += x
    return np.sum(a * x)


def augmented_list_in_a_dict(x):
    inner = [x]
    d = {"k": inner}
    d["k"] += [3.0 * x]
    return sum(inner)


def augmented_array_in_a_copied_list(x):
    a = x * 1.0
    held = [a]
    other = held.copy()
    other[0] += x
    return np.sum(a * x)


def augmented_array_in_joined_lists(x):
    a = x * 1.0
    held = [a]
    joined = held + []
    both = joined + held
    both[0] += x
    return np.sum(a * x)


@pytest.mark.parametrize("func, arg", [(augmented_array_in_a_list, np.array([1.0, 2.0])),
                                       (augmented_array_in_joined_lists, np.array([1.0, 2.0])),
                                       (augmented_list_in_a_dict, 1.5),
                                       (augmented_array_in_a_copied_list, np.array([1.0, 2.0]))])
def test_augmented_slot_holding_an_array_or_list_is_refused(func, arg):
    """`held[0] += v` changes the array (list) in place, which `a` also names."""
    with pytest.raises(pullback.PullbackError, match="changes it in place"):
        pullback.grad(func)(arg)


def augmented_numbers_in_slots(x):
    acc = [0.0] * 3
    d = {"s": 0.0}
    for i in range(len(x)):
        acc[i % 3] += x[i] ** 2
        d["s"] += acc[i % 3] * x[i]
    return acc[0] * acc[1] + d["s"]


def test_augmented_number_slots_match_finite_differences():
    x = RNG.normal(size=5)
    np.testing.assert_allclose(pullback.grad(augmented_numbers_in_slots)(x),
                               numeric_grad(augmented_numbers_in_slots, (x,), 0),
                               rtol=1e-6, atol=1e-8)


# ------------------------------------ a dict argument's keys, known only at run time


def sorted_keys_weighted(params):
    total = 0.0
    for k in sorted(params):
        total = total + np.sum(params[k] ** 2) * len(k)
    return total


def keys_bound_then_concatenated(params):
    names = sorted(params, reverse=True)
    flat = np.concatenate([np.ravel(params[n]) for n in names])
    return np.sum(np.sin(flat) * np.arange(1.0, flat.size + 1))


def loop_over_dict_skipping_a_key(params, x):
    out = 0.0
    for name in params:
        if name.startswith("w"):
            out = out + np.sum((params[name] @ x) ** 2)
    return out + params["bias"] * len(params)


def comprehension_over_dict_argument(weights, values):
    return sum(weights[k] * values[k] ** 2 for k in weights if k in values)


DICT_KEYS = [
    (sorted_keys_weighted, ({"ww": RNG.normal(size=2), "a": RNG.normal(size=(2, 2)),
                             "mid": 0.7},), 0),
    (keys_bound_then_concatenated, ({"w": RNG.normal(size=(2, 2)), "b": RNG.normal(size=2),
                                     "a": RNG.normal(size=1)},), 0),
    (loop_over_dict_skipping_a_key, ({"w1": RNG.normal(size=(2, 3)), "skip": RNG.normal(size=3),
                                      "w2": RNG.normal(size=(1, 3)), "bias": 0.4},
                                     RNG.normal(size=3)), 0),
    (comprehension_over_dict_argument, ({"a": 0.5, "b": -1.2, "c": 2.0},
                                        {"a": 0.3, "c": -0.7, "z": 9.0}), (0, 1)),
]


@pytest.mark.parametrize("func, args, wrt", DICT_KEYS, ids=[c[0].__name__ for c in DICT_KEYS])
def test_loops_over_a_dict_arguments_keys_match_finite_differences(func, args, wrt):
    """The gradient is a dict of the same keys; a key the code does not read gets zero."""
    got = pullback.grad(func, wrt=wrt)(*args)
    for g, i in zip(got if isinstance(wrt, tuple) else (got,),
                    wrt if isinstance(wrt, tuple) else (wrt,)):
        assert isinstance(g, dict) and list(g) == list(args[i])
        for key in args[i]:
            def along(v, key=key, i=i):
                moved = list(args)
                moved[i] = {**args[i], key: v}
                return func(*moved)
            np.testing.assert_allclose(g[key], numeric_grad(along, (args[i][key],)),
                                       rtol=1e-6, atol=1e-8)


def test_unread_key_of_a_dict_argument_gets_zero():
    params, x = DICT_KEYS[2][1]
    g = pullback.grad(loop_over_dict_skipping_a_key)(params, x)
    assert np.all(np.asarray(g["skip"]) == 0.0)
    assert np.shape(g["skip"]) == np.shape(params["skip"])


def test_a_list_where_the_function_reads_a_dict_is_refused():
    """`for k in sorted(params): params[k]` reads a dict: a list there is refused, never
    iterated as if its values were keys."""
    with pytest.raises(pullback.PullbackError, match="where pullback reads a dict"):
        pullback.grad(sorted_keys_weighted)([np.ones(2), np.ones(2)])


# --------------------------------------------- sets made where they are iterated


def loop_over_a_set_comprehension(x, labels):
    total = 0.0
    for c in {int(k) for k in labels}:
        total = total + np.sum(x[np.array(labels) == c]) ** 2 * (c + 1)
    return total


def sorted_set_of_labels(x, labels):
    classes = sorted(set(labels))
    return sum(x[labels.index(c)] * (i + 1.0) for i, c in enumerate(classes)) * max(
        {len(c) for c in classes})


def generator_over_a_set_display(x):
    return sum(x[i] ** 2 for i in {0, 2}) + min(frozenset([1, 3]))


SETS = [
    (loop_over_a_set_comprehension, (RNG.normal(size=6), [2, 0, 2, 1, 0, 2]), 0),
    (sorted_set_of_labels, (RNG.normal(size=5), ["b", "a", "b", "cc", "a"]), 0),
    (generator_over_a_set_display, (RNG.normal(size=3),), 0),
]


@pytest.mark.parametrize("func, args, wrt", SETS, ids=[c[0].__name__ for c in SETS])
def test_sets_made_where_they_are_iterated(func, args, wrt):
    np.testing.assert_allclose(pullback.grad(func, wrt=wrt)(*args),
                               numeric_grad(func, args, wrt), rtol=1e-6, atol=1e-8)


# ------------------------------------------- namedtuples built from a sequence

NormalParams = collections.namedtuple("NormalParams", "mu log_sigma")


class Affine(typing.NamedTuple):
    w: float
    b: float
    scale: float = 1.0


class SubParams(NormalParams):
    def spread(self):
        return np.exp(self.log_sigma)


def nll_from_star_split(theta, data):
    p = NormalParams(*theta[:2])
    z = (data - p.mu) / np.exp(p.log_sigma)
    return np.sum(0.5 * z ** 2 + p.log_sigma) + theta[2] ** 2


def nll_from_make(theta, data):
    p = NormalParams._make(theta[1:])
    return np.sum((data - p.mu) ** 2) * np.exp(-p.log_sigma)


def make_from_list_and_map(theta, data):
    p = NormalParams._make([theta[0] * 2.0, theta[1]])
    q = NormalParams._make(map(np.tanh, theta[:2]))
    return np.sum((data - p.mu) ** 2) * p.log_sigma + q.mu * q.log_sigma


def replaced_field(theta, data):
    p = NormalParams(*theta[:2])
    q = p._replace(mu=p.mu * 2.0)
    return np.sum((data - q.mu) ** 2) * np.exp(q.log_sigma) + p.mu


def typed_with_default_from_star(theta, data):
    short = Affine(*theta[:2])
    full = Affine(*theta)
    return np.sum((short.w * data + short.b) ** 2) * short.scale + full.scale * full.w


def typed_make_and_replace(theta, data):
    a = Affine._make(theta)
    b = a._replace(scale=a.scale + 1.0)
    return np.sum(np.tanh(b.w * data + b.b)) * b.scale


def lead_and_star(theta, data):
    p = NormalParams(theta[0] ** 2, *theta[1:2])
    return np.sum(p.mu * data) + p.log_sigma ** 3


def subclass_from_star(theta, data):
    p = SubParams(*theta[:2])
    return np.sum((data - p.mu) ** 2) * p.spread()


THETA3 = np.array([0.3, -0.4, 0.8])
DATA = RNG.normal(size=5)


@pytest.mark.parametrize("func", [
    nll_from_star_split, nll_from_make, make_from_list_and_map, replaced_field,
    typed_with_default_from_star, typed_make_and_replace, lead_and_star, subclass_from_star,
])
def test_namedtuple_built_from_a_sequence(func):
    got = pullback.grad(func, wrt=(0, 1))(THETA3, DATA)
    for g, i in zip(got, (0, 1)):
        np.testing.assert_allclose(g, numeric_grad(func, (THETA3, DATA), i), rtol=1e-6,
                                   atol=1e-8)


def test_namedtuple_of_a_sequence_of_another_length_raises_type_error_as_f_does():
    for func in (nll_from_make, typed_make_and_replace, typed_with_default_from_star):
        theta = np.ones(5)
        with pytest.raises(TypeError):
            func(theta, DATA)
        with pytest.raises(TypeError):
            pullback.grad(func)(theta, DATA)


def test_namedtuple_of_a_mapping_stays_refused_at_its_line():
    def from_mapping(theta):
        p = NormalParams(**{"mu": theta[0], "log_sigma": theta[1]})
        return p.mu * p.log_sigma

    with pytest.raises(pullback.UnsupportedSyntaxError, match="NormalParams") as info:
        pullback.grad(from_mapping)(THETA3)
    assert "p = NormalParams(**" in str(info.value)


# ------------------------------------------- extend by one element (a wrong gradient once)

def _extend_one(x):
    xs = [x]
    xs.extend([x + 1.0])
    return xs[1] ** 2


def _extend_one_tuple_in_a_loop(x):
    xs = [x]
    for _ in range(3):
        xs.extend((np.sin(xs[-1]),))
    return sum(v * v for v in xs)


def _extend_one_then_two_then_none(x):
    xs = []
    xs.extend([x * 2.0])
    xs.extend([x ** 2, x + 3.0])
    xs.extend([])
    return xs[0] * xs[1] + xs[2] ** 2


def _extend_one_in_a_while_loop(x):
    xs = [x]
    total = 0.0
    p = 0
    while p < 3:
        v = xs[p]
        p = p + 1
        xs.extend([v + 1.0])
        total = total + v * v
    return total


@pytest.mark.parametrize("f", [_extend_one, _extend_one_tuple_in_a_loop,
                               _extend_one_then_two_then_none, _extend_one_in_a_while_loop])
def test_extend_by_one_element_carries_its_gradient(f):
    assert_grad_matches(f, (0.7,))


def test_extend_by_one_element_closed_form():
    """xs[1] ** 2 with xs[1] = x + 1: 2 (x + 1)."""
    np.testing.assert_allclose(pullback.grad(_extend_one)(0.7), 3.4, rtol=1e-13)
