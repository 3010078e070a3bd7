"""A local name for a list an object holds (issue 12: a recurrent cell's history,
`As = self.derived["A"]`; `if len(As) == 0: As.append(np.zeros(...))`; a read `As[-1]`;
then `self.derived["A"].append(A_new)`). Appends through the local name are the object's
list growing, as appends through the attribute are; items and the length read before a
value being differentiated is appended are constants of this call. A read of the list
through any of its names after such an append (or in the loop that appends) would read
that value back with no gradient following: refused with the line (this was a silently
zero gradient when the name was `As = self.hist` and the append `self.hist.append(y)`).
Gradients are checked against central finite differences; the object's state after the
gradient against its state after calling f."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from fd import numeric_grad

import pullback
from pullback.errors import PullbackError

RNG = np.random.default_rng(1107)
WAA = RNG.normal(size=(2, 2)) * 0.6
WAX = RNG.normal(size=(3, 2)) * 0.6
XS = RNG.normal(size=(3, 4, 3))


class DictCell:
    """A history kept in a dict the cell holds, named locally, started lazily."""

    def __init__(self):
        self.params = {"Wax": WAX}
        self.derived = {"A": [], "Z": [], "steps": 0}
        self.X = []

    def forward(self, Xt, Waa=WAA):
        self.derived["steps"] += 1
        As = self.derived["A"]
        if len(As) == 0:
            n_ex, _ = Xt.shape
            As.append(np.zeros((n_ex, Waa.shape[0])))
        Z = As[-1] @ Waa + Xt @ self.params["Wax"]
        A = np.tanh(Z)
        self.derived["Z"].append(Z)
        self.derived["A"].append(A)
        self.X.append(Xt)
        return A


class AttrCell:
    """The history an attribute, named locally, grown through the local name."""

    def __init__(self):
        self.Waa, self.Wax = WAA, WAX
        self.hist = []

    def forward(self, Xt):
        hist = self.hist
        if not hist:
            hist.append(np.full((Xt.shape[0], 2), 0.1))
        prev = hist[-1]
        A = np.sin(prev @ self.Waa + Xt @ self.Wax)
        hist.append(A)
        return A


class TruthCell:
    """`if hist:` and a last state read as `hist[len(hist) - 1]`."""

    def __init__(self):
        self.store = {"h": [], "other": 3}

    def forward(self, Xt):
        h = self.store["h"]
        if h:
            prev = h[len(h) - 1]
        else:
            prev = np.ones((Xt.shape[0], 2))
        A = np.tanh(prev * 0.5 + Xt @ WAX)
        h.append(A)
        return A


def _state(obj):
    out = {}
    for k, v in vars(obj).items():
        if isinstance(v, dict):
            v = {kk: list(vv) if isinstance(vv, list) else vv for kk, vv in v.items()}
        out[k] = list(v) if isinstance(v, list) else v
    return out


def _same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        x, y = a[k], b[k]
        if isinstance(x, dict):
            _same(x, y)
        elif isinstance(x, list):
            assert len(x) == len(y), k
            for u, v in zip(x, y):
                np.testing.assert_array_equal(np.asarray(u), np.asarray(v), err_msg=k)
        elif isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y, err_msg=k)
        else:
            assert x == y, k


def loss(X, cell):
    return np.sum(cell.forward(X) ** 2)


@pytest.mark.parametrize("cls", [DictCell, AttrCell, TruthCell])
def test_a_history_named_locally_grows_as_f_grows_it(cls):
    by_f, by_grad = cls(), cls()
    for t in range(3):  # the first call starts the history; later ones read it
        expected = numeric_grad(lambda X: loss(X, copy.deepcopy(by_f)), (XS[t],))
        g = pullback.grad(loss)(XS[t], by_grad)
        loss(XS[t], by_f)
        np.testing.assert_allclose(g, expected, rtol=1e-6, atol=1e-9)
        _same(_state(by_grad), _state(by_f))


def test_a_history_named_locally_with_respect_to_the_weights():
    def by_weights(Waa, X, cell):
        return np.sum(cell.forward(X, Waa) * 1.5)

    cell = DictCell()
    loss(XS[0], cell)  # a history already there: its last state is a constant
    twin = copy.deepcopy(cell)
    expected = numeric_grad(lambda w: by_weights(w, XS[1], copy.deepcopy(cell)), (WAA,))
    g = pullback.grad(by_weights)(WAA, XS[1], cell)
    by_weights(WAA, XS[1], twin)
    np.testing.assert_allclose(g, expected, rtol=1e-6, atol=1e-9)
    _same(_state(cell), _state(twin))


class Reads:
    def __init__(self):
        self.hist = []
        self.d = {"A": [], "k": 0}

    def through_local_after_append(self, x):
        As = self.d["A"]
        y = np.tanh(x)
        As.append(y)
        return np.sum(As[-1] ** 2)

    def local_after_attribute_append(self, x):  # a zero gradient before
        As = self.hist
        y = np.tanh(x)
        self.hist.append(y)
        return np.sum(As[-1] ** 2)

    def in_the_loop_that_appends(self, x):
        As = self.hist
        if not As:
            As.append(np.zeros_like(x))
        for _ in range(3):
            new = np.tanh(As[-1] + x)
            As.append(new)
        return np.sum(new ** 2)

    def in_the_loop_through_the_dict(self, x):
        As = self.d["A"]
        if len(As) == 0:
            As.append(np.zeros_like(x))
        for _ in range(3):
            prev = As[-1]
            new = np.tanh(prev + x)
            self.d["A"].append(new)
        return np.sum(new ** 2)

    def the_dict_after(self, x):
        d = self.d
        y = np.sin(x)
        d["A"].append(y)
        return np.sum(d["A"][0] * 2.0)

    def length_after(self, x):
        As = self.d["A"]
        y = np.tanh(x)
        As.append(y)
        return np.sum(y) * len(As)


@pytest.mark.parametrize("method, line", [
    ("through_local_after_append", "As.append(y)"),
    ("local_after_attribute_append", "self.hist.append(y)"),
    ("in_the_loop_that_appends", "As.append(new)"),
    ("in_the_loop_through_the_dict", 'self.d["A"].append(new)'),
    ("the_dict_after", 'd["A"].append(y)'),
])
def test_the_list_read_back_through_a_local_name_is_refused_with_the_line(method, line):
    with pytest.raises(PullbackError) as info:
        pullback.grad(getattr(Reads(), method))(XS[0, 0])
    assert line in str(info.value) and "test_objects11_held.py" in str(info.value)


def test_the_length_read_after_the_append_is_the_same_in_f():
    r, twin = Reads(), Reads()
    x = XS[0, 0]
    for _ in range(2):
        g = pullback.grad(r.length_after)(x)
        expected = numeric_grad(lambda x: copy.deepcopy(twin).length_after(x), (x,))
        twin.length_after(x)
        np.testing.assert_allclose(g, expected, rtol=1e-6, atol=1e-9)
        _same(_state(r), _state(twin))


class Holder:
    def __init__(self):
        self.hist = []


def grow_then_len(x, m):  # a function (not a method) given the object
    As = m.hist
    y = np.sin(x)
    As.append(y)
    z = m.hist
    return np.sum(y * len(z))


def grow_then_read(x, m):
    As = m.hist
    As.append(x * 2.0)
    return np.sum(m.hist[-1] * x)  # <- read back: refused


def test_a_function_growing_the_list_of_an_object_it_receives():
    m, twin = Holder(), Holder()
    x = XS[0, 0]
    g = pullback.grad(grow_then_len)(x, m)
    grow_then_len(x, twin)
    np.testing.assert_allclose(g, numeric_grad(lambda x: grow_then_len(x, Holder()), (x,)),
                               rtol=1e-6, atol=1e-9)
    _same(_state(m), _state(twin))
    with pytest.raises(PullbackError) as info:
        pullback.grad(grow_then_read)(x, Holder())
    assert "As.append(x * 2.0)" in str(info.value)


def test_the_list_of_an_object_built_in_f_stays_f_own():
    def built(x):
        m = Holder()
        As = m.hist
        As.append(x * 2.0)
        return np.sum(As[-1] * x)

    with pytest.raises(PullbackError, match="second name"):
        pullback.grad(built)(XS[0, 0])
