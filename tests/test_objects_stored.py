"""Values a method keeps on the object it is called on, for later use outside f (issue
12: the layer pattern): arrays being differentiated (and shapes) appended to lists the
object holds, directly or in a dict it holds, under branches decided by an argument or an
attribute, after a lazy initialization `if not self.ready: self._init()`, and running
statistics stored into a dict the object holds. Every gradient is checked against central
finite differences (tests/fd.py); the object's state after the gradient call is checked
against its state after calling f (list lengths, identical arrays); a read of the kept
value that the gradient could not follow is refused with the line."""

from __future__ import annotations

import collections

import numpy as np
import pytest
from fd import numeric_grad

import pullback
from pullback.errors import PullbackError

RNG = np.random.default_rng(1410)
X = RNG.normal(size=(4, 3))
W = RNG.normal(size=(3, 2)) * 0.5


class Dense:
    """Keeps its inputs and pre-activations for a backward of its own."""

    def __init__(self, W, keep_shapes=False):
        self.W = W
        self.inputs = []
        self.derived = {"Z": [], "shapes": []}
        self.trainable = True
        self.ready = False
        self.keep_shapes = keep_shapes

    def _init(self):
        self.n_in = 3
        self.ready = True

    def _affine(self, X):
        Z = X @ self.W
        return np.tanh(Z), Z

    def forward(self, X, retain=True):
        if not self.ready:
            self._init()
        Y, Z = self._affine(X)
        if retain:
            self.inputs.append(X)
            self.derived["Z"].append(Z)
        return Y

    def forward_both(self, X, retain=True):  # two conditions, `and`
        Z = X @ self.W
        if self.trainable and retain:
            self.inputs.append(X)
            self.derived["shapes"].append(X.shape)
        return np.sin(Z) * Z

    def forward_extend(self, X):
        Z = X @ self.W
        self.inputs.extend([X, Z])
        self.derived["Z"].insert(0, Z * 2.0)
        return np.exp(Z * 0.1)


class Norm:
    """Running statistics written into a dict the object holds, read before the write."""

    def __init__(self, momentum=0.9):
        self.momentum = momentum
        self.ready = False
        self.params = {}
        self.inputs = []

    def _init(self):
        self.params = {"mean": np.zeros(self.n), "scale": np.linspace(0.5, 1.5, self.n)}
        self.ready = True

    def forward(self, X, update=True):
        if not self.ready:
            self.n = X.shape[1]
            self._init()
        mm = self.momentum
        rm = self.params["mean"]
        scale = self.params["scale"]
        mean = self.params["mean"]
        if update:
            mean = X.mean(axis=0)
            self.params["mean"] = mm * rm + (1.0 - mm) * mean
        if update:
            self.inputs.append(X)
        return scale * (X - mean)


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
            assert x == y or x is y, k


def dense_kept(X, obj):
    return np.sum(obj.forward(X) ** 2)


def dense_not_kept(X, obj):
    return np.sum(obj.forward(X, retain=False) ** 2)


def dense_both(X, obj):
    return np.sum(obj.forward_both(X) ** 2)


def dense_both_not_kept(X, obj, retain=False):
    return np.sum(obj.forward_both(X, retain) ** 2)


def dense_extend(X, obj):
    return np.sum(obj.forward_extend(X) ** 2)


def norm_update(X, obj):
    return np.sum(obj.forward(X) ** 2)


def norm_frozen(X, obj):
    return np.sum(obj.forward(X, update=False) ** 2)


CASES = [(Dense, dense_kept), (Dense, dense_not_kept), (Dense, dense_both),
         (Dense, dense_both_not_kept), (Dense, dense_extend), (Norm, norm_update),
         (Norm, norm_frozen)]


def _make(cls):
    return cls(W) if cls is Dense else cls()


@pytest.mark.parametrize("cls, loss", CASES)
def test_values_kept_on_the_object_received_match_fd_and_state(cls, loss):
    expected = numeric_grad(lambda X: loss(X, _make(cls)), (X,))
    by_f, by_grad = _make(cls), _make(cls)
    loss(X, by_f)
    g = pullback.grad(loss)(X, by_grad)
    np.testing.assert_allclose(g, expected, rtol=1e-6, atol=1e-9)
    _same(_state(by_grad), _state(by_f))
    loss(X, by_f)  # a second call: the lists grow again, the statistics move on
    pullback.grad(loss)(X, by_grad)
    _same(_state(by_grad), _state(by_f))


@pytest.mark.parametrize("cls", [Dense, Norm])
def test_values_kept_on_a_module_object(cls):
    layer, twin = _make(cls), _make(cls)

    def closed(X):  # the object by a closure name, as a test harness holds a layer
        return np.sum(layer.forward(X) * 1.5)

    twin.forward(X)
    g = pullback.grad(closed)(X)
    _same(_state(layer), _state(twin))
    np.testing.assert_allclose(g, numeric_grad(lambda X: np.sum(_make(cls).forward(X) * 1.5),
                                               (X,)), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("cls", [Dense, Norm])
def test_values_kept_by_a_bound_method_passed_to_vjp(cls):
    bound, twin = _make(cls), _make(cls)
    seed = np.ones((4, 2 if cls is Dense else 3))
    twin.forward(X)
    g = pullback.vjp(bound.forward)(X, seed)
    _same(_state(bound), _state(twin))
    np.testing.assert_allclose(g, numeric_grad(lambda X: np.sum(_make(cls).forward(X)), (X,)),
                               rtol=1e-6, atol=1e-9)


def test_the_object_after_a_reset_call_and_a_deque():
    class Cell:
        def __init__(self):
            self.hist = collections.deque(maxlen=3)
            self.steps = []

        def reset(self):
            self.steps = []

        def step(self, x):
            h = np.tanh(x * 2.0)
            self.hist.append(h)
            self.steps.append(h.shape)
            return h

    cell, twin = Cell(), Cell()

    def loss(x):
        cell.reset()
        return np.sum(cell.step(x) ** 2)

    g = pullback.grad(loss)(X[0])
    twin.reset()
    twin.step(X[0])
    np.testing.assert_allclose(g, numeric_grad(lambda x: np.sum(Cell().step(x) ** 2), (X[0],)),
                               rtol=1e-6)
    assert len(cell.hist) == len(twin.hist) == 1 and cell.steps == twin.steps
    np.testing.assert_array_equal(cell.hist[0], twin.hist[0])


class Reader:
    def __init__(self):
        self.kept = []

    def keep_then_read(self, x):
        y = x * 3.0
        self.kept.append(y)
        return np.sum(self.kept[-1] ** 2)  # read back: refused (no gradient would follow)

    def keep_then_method(self, x):
        y = x * 3.0
        self.kept.append(y)
        return np.sum(self.last() ** 2)

    def last(self):
        return self.kept[-1]

    def keep_written(self, x):
        y = x * 3.0
        self.kept.append(y)
        y[0] = 1.0
        return np.sum(y ** 2)


@pytest.mark.parametrize("method, line", [("keep_then_read", "self.kept.append(y)"),
                                          ("keep_then_method", "self.kept.append(y)"),
                                          ("keep_written", "self.kept.append(y)")])
def test_a_kept_value_read_back_or_written_is_refused_with_the_line(method, line):
    with pytest.raises(PullbackError) as info:
        pullback.grad(getattr(Reader(), method))(X[0])
    assert line in str(info.value) and "test_objects_stored.py" in str(info.value)


def test_a_kept_list_reachable_through_another_argument_is_refused():
    def loss(x, obj, kept):
        y = obj.forward(x)
        return np.sum(y) + np.sum(kept[-1])

    d = Dense(W)
    with pytest.raises(PullbackError):
        pullback.grad(loss)(X, d, d.inputs)


def test_a_class_whose_append_is_its_own_is_refused_when_it_runs():
    class Log:
        def __init__(self):
            self.seen = []

        def append(self, v):
            self.seen.append(v)
            v *= 0.0  # writes into what it receives

    class Keeper:
        def __init__(self):
            self.log = Log()

        def f(self, x):
            y = x * 2.0
            self.log.append(y)
            return np.sum(y ** 2)

    with pytest.raises(PullbackError) as info:
        pullback.grad(Keeper().f)(X[0])
    assert "collections.deque" in str(info.value)


# ------------------------------------------- callable objects an object holds


class Activation:
    def __call__(self, z):
        if z.ndim == 1:
            z = z.reshape(1, -1)
        return self.fn(z)


class Tanh(Activation):
    def fn(self, z):
        return np.tanh(z)


class Scaled(Activation):
    def __init__(self, k):
        self.k = k

    def fn(self, z):
        return self.k * np.sin(z)


class WithActivation:
    def __init__(self, W, act):
        self.W = W
        self.act = act
        self.inputs = []

    def forward(self, X):
        Z = X @ self.W
        Y = self.act(Z)  # an object's __call__, held as an attribute
        self.inputs.append(X)
        return Y

    def forward_named(self, X):
        act = self.act
        return act(X @ self.W)


@pytest.mark.parametrize("act", [Tanh(), Scaled(0.7)], ids=["tanh", "scaled"])
@pytest.mark.parametrize("x", [X, X[0]], ids=["matrix", "vector"])
def test_a_callable_object_held_as_an_attribute_is_called_through_its_class(act, x):
    layer = WithActivation(W, act)

    def loss(X):
        return np.sum(layer.forward(X) ** 2)

    g = pullback.grad(loss)(x)
    np.testing.assert_allclose(g, numeric_grad(loss, (x,)), rtol=1e-6, atol=1e-9)
    assert len(layer.inputs) == 2 * x.size + 1  # (each difference called f twice)
    g = pullback.grad(lambda X, obj: np.sum(obj.forward(X)))(x, WithActivation(W, act))
    np.testing.assert_allclose(g, numeric_grad(lambda X: np.sum(WithActivation(W, act).forward(
        X)), (x,)), rtol=1e-6, atol=1e-9)


def test_a_callable_object_held_by_an_object_differentiated():
    def loss(obj):
        return np.sum(obj.forward(X))

    # (session 21: the call runs as written out, act = self.act; act(Z), as below)
    g = pullback.grad(loss)(WithActivation(W, Scaled(0.7)))
    np.testing.assert_allclose(g.W, numeric_grad(lambda w: np.sum(WithActivation(
        w, Scaled(0.7)).forward(X)), (W,)), rtol=1e-6)
    np.testing.assert_allclose(g.act.k, numeric_grad(lambda k: np.sum(WithActivation(
        W, Scaled(k)).forward(X)), (0.7,)), rtol=1e-6)

    def named(obj):
        return np.sum(obj.forward_named(X))

    g = pullback.grad(named)(WithActivation(W, Scaled(0.7)))
    np.testing.assert_allclose(g.W, numeric_grad(lambda w: np.sum(WithActivation(
        w, Scaled(0.7)).forward_named(X)), (W,)), rtol=1e-6)
    np.testing.assert_allclose(g.act.k, numeric_grad(lambda k: np.sum(WithActivation(
        W, Scaled(k)).forward_named(X)), (0.7,)), rtol=1e-6)


# ------------------------------------------- a history read before it grows


class History:
    def __init__(self):
        self.hist = [np.full(3, 0.5)]
        self.derived = {"A": [np.full(3, -0.25)], "n": 0}

    def step(self, x):
        k = len(self.hist)
        prev = self.hist[-1]  # an item read before the list grows: a constant
        y = np.tanh(x * prev) * k
        self.hist.append(y)
        return np.sum(y ** 2)

    def step_nested(self, x):
        prev = self.derived["A"][-1]
        y = np.sin(x + prev)
        self.derived["A"].append(y)
        return np.sum(y * x)

    def step_keeps_the_list(self, x):
        h = self.hist
        y = x * np.sum(np.stack(h))  # the list itself, read for the result: refused
        self.hist.append(y)
        return np.sum(y)


@pytest.mark.parametrize("method", ["step", "step_nested"])
def test_items_of_a_history_read_before_it_grows(method):
    h, twin = History(), History()
    x = X[0]
    g = pullback.grad(getattr(h, method))(x)
    getattr(twin, method)(x)
    np.testing.assert_allclose(g, numeric_grad(lambda v: getattr(History(), method)(v), (x,)),
                               rtol=1e-6)
    _same(_state(h), _state(twin))
    hist, kept = list(twin.hist), list(twin.derived["A"])

    def from_here(v):
        new = History()
        new.hist, new.derived["A"] = list(hist), list(kept)
        return getattr(new, method)(v)

    g = pullback.grad(getattr(h, method))(x)  # the second step reads the first one's value
    np.testing.assert_allclose(g, numeric_grad(from_here, (x,)), rtol=1e-6)
    getattr(twin, method)(x)
    _same(_state(h), _state(twin))


def test_a_history_read_as_a_whole_before_it_grows_is_refused():
    with pytest.raises(PullbackError) as info:
        pullback.grad(History().step_keeps_the_list)(X[0])
    assert "test_objects_stored.py" in str(info.value)


def test_a_module_object_read_after_its_method_kept_a_value_is_refused():
    layer = Dense(W)

    def read_after(X):
        y = layer.forward(X)
        return np.sum(y) + np.sum(layer.inputs[-1])  # the value kept: no gradient there

    def in_a_loop(X):
        total = 0.0
        for _ in range(2):
            total = total + np.sum(layer.forward(X))
        return total

    for f in (read_after, in_a_loop):
        with pytest.raises(PullbackError) as info:
            pullback.grad(f)(X)
        assert "self.inputs.append(X)" in str(info.value), f.__name__
