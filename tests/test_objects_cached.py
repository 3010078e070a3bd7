"""Objects, second part (issue 12): values written into caches and attributes of an
object the function receives and read back in the same call, caches written in loops
and made lazily, operator objects reached through containers and attributes, and
classes or non-differentiable callables handed to pullback in place of a function.
Gradients are checked against central finite differences (tests/fd.py); the object's
state after the gradient call is checked against its state after calling f once."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import pullback

RNG = np.random.default_rng(913)
X = RNG.normal(size=3)


# ------------------------------------------- classes and constants handed to pullback


class Model:
    def __init__(self, w):
        self.w = w


@pytest.mark.parametrize("obj, name", [
    (np.float64, "class numpy.float64"), (int, "class int"), (float, "class float"),
    (np.ndarray, "class numpy.ndarray"), (Model, "class test_objects_cached.Model")])
def test_a_class_handed_to_grad_is_refused_by_name(obj, name):
    for make in (pullback.grad, pullback.value_and_grad, pullback.vjp, pullback.jvp):
        with pytest.raises(pullback.PullbackError, match=f"given the {name}, not a function"):
            make(obj)(1.0)


@pytest.mark.parametrize("obj", [len, np.argmax, np.floor, print])
def test_a_non_differentiable_callable_handed_to_grad_is_refused_by_name(obj):
    with pytest.raises(pullback.PullbackError,
                       match=f"given {obj.__name__}, which is marked non-differentiable"):
        pullback.grad(obj)(X)


def test_library_functions_with_rules_are_still_differentiated():
    assert pullback.grad(math.sin)(0.3) == pytest.approx(math.cos(0.3))
    np.testing.assert_allclose(pullback.grad(lambda v: np.sum(np.float64(v) * v))(X), 2 * X)


# ------------------------------------------- attributes of a received object read back


def fd_x(f, x, eps=1e-6):
    """Central differences of f over the array x (f makes its own objects each run)."""
    out = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step[i] = eps
        out[i] = (f(x + step) - f(x - step)) / (2 * eps)
    return out


def state(obj):
    """A copy of what an object holds (arrays copied, dicts and lists copied one deep)."""
    return {k: (v.copy() if isinstance(v, (np.ndarray, dict, list)) else v)
            for k, v in vars(obj).items()}


def same_state(a, b):
    assert a.keys() == b.keys()
    for k in a:
        if isinstance(a[k], dict):
            assert a[k].keys() == b[k].keys(), k
            for key in a[k]:
                np.testing.assert_allclose(a[k][key], b[k][key], rtol=1e-12, err_msg=k)
        else:
            np.testing.assert_allclose(np.asarray(a[k], dtype=float),
                                       np.asarray(b[k], dtype=float), rtol=1e-12, err_msg=k)


class Net:
    def __init__(self, w, t=0.3):
        self.w = w
        self.t = t

    def last_read_back(self, x):
        self.last = np.sin(x)
        return np.sum(self.last ** 2 * self.w)

    def weights_replaced(self, x):  # read before, replaced, read after
        y = self.w * x
        self.w = y ** 2
        return np.sum(self.w * y)

    def in_a_loop(self, x):
        v = 0.0
        for i in range(3):
            self.last = x * (i + 1.0)
            v = v + np.sum(self.w * self.last ** 2)
        return v

    def accumulated(self, x):
        self.t += x[0]
        return self.t * np.sum(x)

    def reset(self, x):
        self.t = 0.0
        return (self.t + 1.0) * np.sum(x * self.w)

    def in_a_branch(self, x):
        if x[0] > 0:
            self.last = np.tanh(x)
        else:
            self.last = x * 0.5
        return np.sum(self.last * self.w) + self.t


def stored_on_an_argument(x, problem):  # a plain function, the object a parameter
    problem.cache = x[0] * 2.0
    return problem.cache + x[1] * problem.t


READ_BACK = ["last_read_back", "weights_replaced", "in_a_loop", "accumulated", "reset",
             "in_a_branch"]


@pytest.mark.parametrize("x", [X, -X], ids=["x", "-x"])
@pytest.mark.parametrize("method", READ_BACK)
def test_attributes_set_and_read_back_in_the_same_call_carry_their_gradient(method, x):
    w = RNG.normal(size=3)
    expected = fd_x(lambda v: getattr(Net(w.copy()), method)(v), x)
    called, bound, unbound = Net(w.copy()), Net(w.copy()), Net(w.copy())
    getattr(called, method)(x)
    np.testing.assert_allclose(pullback.grad(getattr(bound, method))(x), expected,
                               rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(pullback.grad(getattr(Net, method), wrt=1)(unbound, x),
                               expected, rtol=1e-6, atol=1e-9)
    for obj in (bound, unbound):  # the object is left as f leaves it
        same_state(state(obj), state(called))


@pytest.mark.parametrize("method", READ_BACK)
def test_the_gradient_of_an_object_whose_attributes_are_read_back(method):
    w = RNG.normal(size=3)
    for name in ("w", "t"):
        def moved(v, name=name):
            net = Net(w.copy())
            setattr(net, name, v if name == "w" else float(v[0]))
            return getattr(net, method)(X)
        g = pullback.grad(getattr(Net, method))(Net(w.copy()), X)
        assert isinstance(g, Net)
        start = getattr(Net(w.copy()), name)
        expected = fd_x(moved, np.atleast_1d(np.asarray(start, dtype=float)))
        np.testing.assert_allclose(np.atleast_1d(getattr(g, name)), expected,
                                   rtol=1e-6, atol=1e-9, err_msg=name)


def test_an_attribute_set_on_an_argument_of_a_plain_function_is_read_back():
    p = Net(X.copy(), t=1.5)
    expected = fd_x(lambda v: stored_on_an_argument(v, Net(X.copy(), t=1.5)), X)
    np.testing.assert_allclose(pullback.grad(stored_on_an_argument)(X, p), expected, rtol=1e-6)
    assert p.cache == pytest.approx(2.0 * X[0])
    g = pullback.grad(stored_on_an_argument, wrt=1)(X, Net(X.copy(), t=1.5))
    assert g.t == pytest.approx(X[1])


def read_through_a_second_name(x, a, b):
    a.last = np.sin(x)
    return np.sum(b.last ** 2)


def read_through_a_list(x, a, items):
    a.last = np.sin(x)
    return np.sum(items[0].last)


def read_through_another_object(x, a, holder):
    a.last = np.sin(x)
    return np.sum(holder.inner.last) + np.sum(x)


class Holder:
    def __init__(self, inner):
        self.inner = inner


def stored_only_read_elsewhere(x, a, b):  # a store f never reads back through `a`
    a.last = np.sin(x)
    return np.sum(b.last * x)


@pytest.mark.parametrize("f, other", [
    (read_through_a_second_name, lambda a: a),
    (read_through_a_list, lambda a: [a]),
    (read_through_another_object, lambda a: Holder(a)),
    (stored_only_read_elsewhere, lambda a: a),
], ids=["second-name", "list", "attribute", "stored-only"])
def test_an_object_written_and_reachable_another_way_is_refused_with_the_line(f, other):
    a = Net(X.copy())
    a.last = X.copy()
    with pytest.raises(pullback.PullbackError, match=r"(?s)also reachable.*a\.last = np\.sin"):
        pullback.grad(f)(X, a, other(a))
    # apart, the gradient is f's (the other object's attribute is a constant)
    b = Net(X.copy())
    b.last = X * 2.0
    args = (a, other(b))
    np.testing.assert_allclose(pullback.grad(f)(X, *args),
                               fd_x(lambda v: f(v, Net(X.copy()), *args[1:]), X), rtol=1e-6)


class SelfReferring(Net):
    def through_itself(self, x):
        self.last = np.sin(x)
        return np.sum(self.me.last)


def test_an_object_reached_through_its_own_attribute_is_refused():
    obj = SelfReferring(X.copy())
    obj.me = obj
    with pytest.raises(pullback.PullbackError, match="also reachable"):
        pullback.grad(obj.through_itself)(X)


# ------------------------------------------- attributes set by a method f calls


class Recorder:
    def __init__(self, w):
        self.w = w
        self.nfev = 0

    def fun(self, x):
        self.nfev += 1
        self.last = np.sin(x) * self.w
        return np.sum(self.last ** 2)

    def step(self, x):
        self.h = np.sin(x) * self.w

    def uses_step(self, x):
        self.step(x)
        return np.sum(self.h)  # set by the method: read after it

    def twice(self, x):
        return self.fun(x) + self.fun(2.0 * x)


def calls_fun_last(x, p):
    return p.fun(x) * 2.0 + np.sum(x)


def calls_fun_then_reads(x, p):
    v = p.fun(x)
    return v + np.sum(p.last)


def calls_fun_in_a_loop(x, p):
    total = 0.0
    for _ in range(2):
        total = total + p.fun(x)
    return total


def test_a_method_setting_attributes_as_the_last_use_of_its_object():
    w = RNG.normal(size=3)
    p, called = Recorder(w), Recorder(w)
    calls_fun_last(X, called)
    g = pullback.grad(calls_fun_last)(X, p)
    np.testing.assert_allclose(g, fd_x(lambda v: calls_fun_last(v, Recorder(w)), X), rtol=1e-6)
    same_state(state(p), state(called))
    with pytest.raises(pullback.PullbackError, match="also reachable"):
        pullback.grad(lambda x, a, b: a.fun(x) + np.sum(b.w))(X, p, p)


@pytest.mark.parametrize("f, line", [
    (calls_fun_then_reads, "self.last = np.sin(x) * self.w"),
    (calls_fun_in_a_loop, "self.last = np.sin(x) * self.w"),
    (lambda x, p: p.uses_step(x), "self.h = np.sin(x) * self.w"),
    (lambda x, p: p.twice(x), "self.last = np.sin(x) * self.w"),
], ids=["read-after", "in-a-loop", "method-reads-after", "method-calls-twice"])
def test_a_method_setting_attributes_read_after_it_is_refused_with_the_line(f, line):
    p = Recorder(RNG.normal(size=3))
    with pytest.raises(pullback.PullbackError,
                       match=f"(?s)sets an attribute of its parameter 'self'.*{re.escape(line)}"
                       ".*called from"):
        pullback.grad(f)(X, p)


# ------------------------------------------- caches on a received object read back


class Cache:
    def __init__(self, w):
        self.w = w
        self.cache = {}
        self.memo = {}
        self.hist = []

    def read_back(self, x):
        y = np.sin(x) * self.w
        self.cache["k"] = y
        z = self.cache["k"] * 2.0
        return np.sum(z ** 2)

    def memo_value(self, x, k=2.0):
        if k in self.memo:
            return self.memo[k]
        v = np.sum(np.sin(x) * self.w) * k
        self.memo[k] = v
        return v

    def memo_by_get(self, x, k=3.0):
        found = self.memo.get(k)
        if found is not None:
            return found
        v = np.sum(np.cos(x) * self.w) * k
        self.memo[k] = v
        return v

    def filled_then_read(self, x):
        key = "a"
        if key not in self.cache:
            self.cache[key] = np.sin(x) * self.w
        return np.sum(self.cache[key] ** 2)

    def stored_in_a_loop(self, x):
        total = 0.0
        for i in range(3):
            total = total + x[i] ** 2 * self.w[i]
            self.cache[i] = total
        return total + self.cache[1] * 2.0

    def read_in_a_loop(self, x):
        self.cache["s"] = np.sin(x)
        total = 0.0
        for i in range(3):
            total = total + self.cache["s"][i] * x[i]
        return total

    def augmented_item(self, x):
        self.cache["t"] = np.sum(x ** 2)
        self.cache["t"] += np.sum(x * self.w)
        return self.cache["t"] * 3.0

    def lazy_by_hasattr(self, x):
        if not hasattr(self, "_cache"):
            self._cache = {}
        v = np.sum(x ** 2 * self.w)
        self._cache["v"] = v
        return v + self._cache["v"] ** 2

    def lazy_by_getattr(self, x):
        if getattr(self, "_c", None) is None:
            self._c = dict()
        v = np.sum(np.tanh(x) * self.w)
        self._c[len(self._c)] = v
        return v * 2.0

    def lazy_list(self, x):
        if not hasattr(self, "_hist"):
            self._hist = []
        v = np.sum(x ** 3)
        self._hist.append(float(v))
        return v

    def counter_in_a_dict(self, x):
        if "n" not in self.cache:
            self.cache["n"] = 0
        self.cache["n"] += 1
        return np.sum(x ** 3 * self.w)

    def history_in_a_loop(self, x):
        v = 0.0
        for i in range(3):
            v = v + np.sum(np.sin(x * i) * self.w)
            self.hist.append(float(v))
        return v


CACHED = ["read_back", "memo_value", "filled_then_read", "stored_in_a_loop",
          "read_in_a_loop", "augmented_item", "lazy_by_hasattr", "lazy_by_getattr",
          "lazy_list", "counter_in_a_dict", "history_in_a_loop"]


@pytest.mark.parametrize("method", CACHED)
def test_caches_filled_and_read_in_the_same_call_carry_their_gradient(method):
    w = RNG.normal(size=3)
    expected = fd_x(lambda v: getattr(Cache(w.copy()), method)(v), X)
    called, bound, unbound = Cache(w.copy()), Cache(w.copy()), Cache(w.copy())
    getattr(called, method)(X)
    np.testing.assert_allclose(pullback.grad(getattr(bound, method))(X), expected,
                               rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(pullback.grad(getattr(Cache, method), wrt=1)(unbound, X),
                               expected, rtol=1e-6, atol=1e-9)
    for obj in (bound, unbound):  # the object is left as calling f once leaves it
        same_state(state(obj), state(called))


@pytest.mark.parametrize("method", CACHED)
def test_a_cache_filled_by_an_earlier_call_is_a_constant_of_this_one(method):
    # the second call reads what the first stored (computed from the first call's x):
    # the gradient is f's as it runs, through what it computes anew only
    w = RNG.normal(size=3)
    obj, twin = Cache(w.copy()), Cache(w.copy())
    getattr(obj, method)(X * 0.5)
    getattr(twin, method)(X * 0.5)
    got = pullback.grad(getattr(obj, method))(X)

    def again(v):  # each evaluation on a copy of the object as the first call left it
        fresh = Cache(w.copy())
        fresh.__dict__.update({k: (dict(v_) if isinstance(v_, dict) else list(v_)
                                   if isinstance(v_, list) else v_)
                               for k, v_ in vars(twin).items()})
        return getattr(fresh, method)(v)

    np.testing.assert_allclose(got, fd_x(again, X), rtol=1e-6, atol=1e-9)
    getattr(twin, method)(X)
    same_state(state(obj), state(twin))


def test_the_gradient_of_a_cache_object_read_back():
    w = RNG.normal(size=3)
    g = pullback.grad(Cache.read_back)(Cache(w.copy()), X)
    assert isinstance(g, Cache)

    def moved(v):
        return Cache(v).read_back(X)
    np.testing.assert_allclose(g.w, fd_x(moved, w.copy()), rtol=1e-6, atol=1e-9)
