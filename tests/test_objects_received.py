"""Objects a differentiated function receives as arguments (issue 12): caches and
counters on them, containers iterated through their `__iter__`, their operators, the
array methods of annotated parameters in a module whose classes define methods of the
same names, factories and dict-held closures, and objects of classes without source.
Every gradient is checked against central finite differences (tests/fd.py); the
object's state after the gradient call is checked against its state after calling f
once; what stays unsupported is refused with the construct and the line."""

from __future__ import annotations

import collections
import decimal
import fractions

import numpy as np
import numpy.typing as npt
import pytest
from fd import assert_grad_matches, numeric_grad
from test_classes import check_object_grad, fd_object

import pullback

RNG = np.random.default_rng(812)
X = RNG.normal(size=3)
W = RNG.normal(size=(3, 3)) * 0.5


# ------------------------------------------- array methods where a class defines `mean`


class Stats:
    """A module class whose methods share names with array methods (`mean`, `sum`)."""

    def __init__(self, v):
        self.v = v

    def mean(self):
        return np.sum(self.v) / 3.0

    def sum(self):
        return np.sum(self.v)


def mean_of_annotated(x: np.ndarray):
    return x.mean() ** 2 + np.sum(x ** 3)


def mean_of_ndarray_typed(x: npt.NDArray[np.float64]):
    return x.sum() * x.mean()


def mean_of_string_annotated(x: np.ndarray, y):  # a string: future annotations
    return np.tanh(x.mean()) * y


def mean_of_numpy_result(x):
    y = np.exp(x)
    return y.mean() * y.sum()


def mean_of_stats(s: Stats, x: np.ndarray):  # the object's own method, the array's
    return s.mean() * x.mean()


def mean_of_rebound(x: np.ndarray):  # the annotation holds for the first value only
    x = Stats(x)
    return x.mean() ** 2


def fd_hessian(f, x, eps=1e-5):
    """Central differences of pullback's gradient (checked against differences itself)."""
    rows = []
    for i in range(x.size):
        step = np.zeros_like(x)
        step[i] = eps
        rows.append((pullback.grad(f)(x + step) - pullback.grad(f)(x - step)) / (2 * eps))
    return np.array(rows)


@pytest.mark.parametrize("f", [mean_of_annotated, mean_of_ndarray_typed,
                               mean_of_numpy_result])
def test_hessian_of_array_methods_in_a_module_whose_class_defines_them(f):
    assert_grad_matches(f, (X,))
    h = pullback.hessian(f)(X)
    expected = fd_hessian(f, X)
    np.testing.assert_allclose(h, expected, rtol=1e-5, atol=1e-6)
    gg = pullback.grad(lambda v: pullback.grad(f)(v)[1])(X)
    np.testing.assert_allclose(gg, expected[1], rtol=1e-5, atol=1e-6)


def test_string_annotation_and_objects_beside_annotated_arrays():
    h = pullback.hessian(lambda v: mean_of_string_annotated(v, 1.7))(X)
    expected = fd_hessian(lambda v: mean_of_string_annotated(v, 1.7), X)
    np.testing.assert_allclose(h, expected, rtol=1e-5, atol=1e-6)
    s = Stats(X * 2.0)
    np.testing.assert_allclose(pullback.grad(mean_of_stats, wrt=1)(s, X),
                               numeric_grad(mean_of_stats, (s, X), wrt=1), rtol=1e-6)
    h = pullback.hessian(mean_of_stats, wrt=1)(s, X)
    np.testing.assert_allclose(h, np.zeros((3, 3)), atol=1e-12)  # linear in x
    assert_grad_matches(mean_of_rebound, (X,))


# ------------------------------------------------- operators of objects passed in


class Vec:
    """Array attribute, operators with numbers, arrays and other Vecs, reflected ones."""

    def __init__(self, a):
        self.a = a

    def __add__(self, other):
        return Vec(self.a + (other.a if isinstance(other, Vec) else other))

    def __radd__(self, other):
        return Vec(other + self.a)

    def __sub__(self, other):
        return Vec(self.a - other.a)

    def __mul__(self, other):
        return Vec(self.a * (other.a if isinstance(other, Vec) else other))

    def __rmul__(self, other):
        return Vec(other * self.a)

    def __matmul__(self, other):
        return self.a @ other.a

    def __neg__(self):
        return Vec(-self.a)

    def __getitem__(self, i):
        return self.a[i]


class Dual:
    """Scalar value and derivative: the operators of a forward-mode number."""

    def __init__(self, v, d):
        self.v = v
        self.d = d

    def __add__(self, o):
        o = o if isinstance(o, Dual) else Dual(o, 0.0)
        return Dual(self.v + o.v, self.d + o.d)

    __radd__ = __add__

    def __mul__(self, o):
        o = o if isinstance(o, Dual) else Dual(o, 0.0)
        return Dual(self.v * o.v, self.d * o.v + self.v * o.d)

    __rmul__ = __mul__

    def __neg__(self):
        return Dual(-self.v, -self.d)


def vec_sum_and_scale(a, b):
    c = a + b
    d = 2.0 * c + 1.0
    e = -d * a
    return np.sum(e.a) + e[0]


def vec_inner(a, b):
    return (a - b) @ (a + b) + a[1] * b[2]


def vec_with_array(x, a):  # the object is a constant, x is differentiated
    v = a * x
    return np.sum(np.tanh((v + x).a)) + (3.0 + v)[0]


def vec_or_array(x, a):  # works with an array a, or a Vec
    v = a * x
    return np.tanh((v + x)[0]) * (3.0 + v)[1] - (-v)[2]


def vec_in_a_loop(a, b, n=3):
    for _ in range(n):
        a = a * b + 0.5 * a
    return np.sum(a.a ** 2)


def dual_poly(p, q):
    r = p * p + 3.0 * q + 1.0
    s = -(r * q) + 2.0
    return s.v + 0.5 * s.d


def vec_of_keyword(x, *, a):
    return np.sum((a + x).a ** 2)


def _vec_args():
    return Vec(X.copy()), Vec(RNG.normal(size=3))


@pytest.mark.parametrize("f", [vec_sum_and_scale, vec_inner, vec_in_a_loop])
def test_operators_of_objects_passed_in_match_finite_differences(f):
    a, b = _vec_args()
    for i in (0, 1):
        check_object_grad(f, (a, b), i, ["a"])
    ga, gb = pullback.grad(f, wrt=(0, 1))(a, b)
    assert isinstance(ga, Vec) and isinstance(gb, Vec)
    np.testing.assert_allclose(ga.a, fd_object(f, (a, b), 0, ["a"])["a"], rtol=1e-6)


def test_operators_of_a_constant_object_and_a_differentiated_array():
    a = Vec(RNG.normal(size=3))
    g = pullback.grad(vec_with_array)(X, a)
    np.testing.assert_allclose(g, numeric_grad(vec_with_array, (X, a)), rtol=1e-6)
    g = pullback.grad(vec_of_keyword)(X, a=a)
    np.testing.assert_allclose(g, numeric_grad(vec_of_keyword, (X,), kwargs={"a": a}),
                               rtol=1e-6)
    value, g = pullback.value_and_grad(vec_with_array)(X, a)
    assert value == pytest.approx(vec_with_array(X, a))
    # an array passed where the object was: the array code (operators by their rules)
    assert_grad_matches(vec_or_array, (X, X * 0.5))
    assert_grad_matches(vec_or_array, (X, X * 0.5), wrt=1)


def test_operators_of_dual_numbers_passed_in():
    p, q = Dual(0.7, -0.3), Dual(-1.2, 0.8)
    for i in (0, 1):
        g = check_object_grad(dual_poly, (p, q), i, ["v", "d"])
        assert isinstance(g, Dual)
    f = lambda t: dual_poly(Dual(t, 1.0), q)  # noqa: E731
    assert pullback.grad(f)(0.7) == pytest.approx(numeric_grad(f, (0.7,)), rel=1e-6)


def test_operator_objects_are_not_changed_and_calls_alternate():
    a, b = _vec_args()
    before = a.a.copy()
    df = pullback.grad(vec_or_array)
    for arg in (a, X * 0.5, b, X):  # object, array, another object, array again
        np.testing.assert_allclose(df(X, arg), numeric_grad(vec_or_array, (X, arg)),
                                   rtol=1e-6)
    np.testing.assert_array_equal(a.a, before)


def vec_from_a_list(x, vs):
    return np.sum((vs[0] + x).a)


def vec_vjp(x, a):
    return (a * x + a).a


def test_vjp_of_operators_of_objects_passed_in():
    a = Vec(RNG.normal(size=3))
    seed = RNG.normal(size=3)
    np.testing.assert_allclose(pullback.vjp(vec_vjp)(X, a, seed), seed * a.a, rtol=1e-12)
    g = pullback.vjp(vec_vjp, wrt=1)(X, a, seed)
    assert isinstance(g, Vec)
    np.testing.assert_allclose(g.a, seed * (X + 1.0), rtol=1e-12)


def test_operators_of_objects_in_containers_stay_refused_with_the_line():
    with pytest.raises(pullback.PullbackError,
                       match=r"(?s)Vec.__add__.*test_objects_received.py.*vs\[0\] \+ x"):
        pullback.grad(vec_from_a_list)(X, [Vec(X)])


# ------------------------------------------- objects of classes pullback has no source for


def sum_of(d):
    return sum(d)


def times_float(q, y=2.0):
    return y * float(q)


def not_read(q, y):
    return y * 3.0


@pytest.mark.parametrize("f, args", [
    (sum_of, (collections.deque([1.0, 2.0]),)),
    (times_float, (fractions.Fraction(1, 3),)),
    (times_float, (decimal.Decimal("1.5"),)),
    (not_read, (fractions.Fraction(1, 3), 2.0)),  # never a constant zero
    (not_read, (collections.deque([1.0]), 2.0)),
], ids=lambda v: getattr(v, "__name__", None) or type(v[0]).__name__)
def test_a_differentiated_object_of_a_class_without_source_is_refused_by_name(f, args):
    name = type(args[0]).__name__
    with pytest.raises(pullback.PullbackError, match=f"object of class {name} .*defined in C"):
        pullback.grad(f)(*args)
    if f is times_float:  # the other argument's gradient, the object a constant
        assert pullback.grad(f, wrt=1)(args[0], 2.0) == pytest.approx(float(args[0]))



# ------------------------------------------- containers with __iter__ passed in


class Lin:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def __call__(self, h):
        return np.tanh(self.W @ h + self.b)


class Layers:
    """A container of layers: iterated, measured and indexed (one list behind each)."""

    def __init__(self, layers):
        self.layers = list(layers)

    def __iter__(self):
        return iter(self.layers)

    def __len__(self):
        return len(self.layers)

    def __getitem__(self, i):
        return self.layers[i]


class YieldingLayers(Layers):
    def __iter__(self):
        yield from self.layers


class Rows:
    """Iterates the rows of a matrix it holds: views made anew by each read."""

    def __init__(self, M):
        self.M = M

    def __iter__(self):
        for row in self.M:  # noqa: UP028 (a spelling under test)
            yield row

    def __len__(self):
        return self.M.shape[0]

    def __getitem__(self, i):
        return self.M[i]


class Shuffled(Layers):  # __iter__ gives the layers in another order than __getitem__
    def __iter__(self):
        return iter(self.layers[::-1])


class IterOnly:
    def __init__(self, layers):
        self.layers = layers

    def __iter__(self):
        return iter(self.layers)


def through_layers(x, layers):
    h = x
    for layer in layers:
        h = layer(h)
    return np.sum(h ** 2)


def through_layers_enumerated(x, layers):
    h = x
    for i, layer in enumerate(layers):
        h = layer(h) * (i + 1.0)
    return np.sum(h)


def layer_outputs_summed(x, layers):
    return sum(np.sum(layer(x)) for layer in layers) + np.sum(
        np.array([np.sum(layer.W) for layer in layers]) ** 2)


def rows_weighted(x, rows):
    total = 0.0
    for row, v in zip(rows, x):
        total = total + np.sum(np.sin(row * v))
    return total


def _layers(cls=Layers):
    return cls([Lin(W, X * 0.1), Lin(W.T * 0.7, -X * 0.2), Lin(W * 1.3, X * 0.3)])


@pytest.mark.parametrize("cls", [Layers, YieldingLayers])
@pytest.mark.parametrize("f", [through_layers, through_layers_enumerated, layer_outputs_summed])
def test_a_container_with_iter_passed_in_is_looped_over(f, cls):
    layers = _layers(cls)
    np.testing.assert_allclose(pullback.grad(f)(X, layers), numeric_grad(f, (X, layers)),
                               rtol=1e-6, atol=1e-9)
    g = pullback.grad(f, wrt=1)(X, layers)  # the layers' own gradients
    assert isinstance(g, cls) and len(g.layers) == 3
    for k in range(3):
        for name in ("W", "b"):
            def moved(v, k=k, name=name):
                new = cls([Lin(lay.W, lay.b) for lay in layers.layers])
                setattr(new.layers[k], name, v)
                return f(X, new)
            expected = numeric_grad(moved, (getattr(layers.layers[k], name),))
            np.testing.assert_allclose(getattr(g.layers[k], name), expected, rtol=1e-6,
                                       atol=1e-9)


def test_a_container_iterating_array_rows_passed_in():
    rows = Rows(W.copy())
    np.testing.assert_allclose(pullback.grad(rows_weighted)(X, rows),
                               numeric_grad(rows_weighted, (X, rows)), rtol=1e-6)
    g = pullback.grad(rows_weighted, wrt=1)(X, rows)
    np.testing.assert_allclose(g.M, fd_object(rows_weighted, (X, rows), 1, ["M"])["M"],
                               rtol=1e-6, atol=1e-9)


def test_a_container_whose_iter_differs_from_its_items_is_refused():
    with pytest.raises(pullback.PullbackError, match=r"Shuffled.*Shuffled.__iter__.*item 0"):
        pullback.grad(through_layers)(X, _layers(Shuffled))
    with pytest.raises(pullback.PullbackError, match=r"IterOnly.*no __len__ and __getitem__"):
        pullback.grad(through_layers)(X, IterOnly(_layers().layers))


# ------------------------------------------- counters, histories and records on self


class Problem:
    """An objective that counts its calls, keeps a history and the last point."""

    def __init__(self, w):
        self.w = w
        self.nfev = 0
        self.history = []

    def fun(self, x):
        self.nfev += 1
        f = np.sum(np.sin(x) * self.w) + np.sum(x ** 2)
        self.history.append(float(f))
        self.last_x = x.copy()
        self.last_f = f
        return f

    def fun_scaled(self, x, scale=2.0):
        v = np.sum(self.w * x ** 3)
        self.nfev = self.nfev + 1
        self.last = v * scale
        return v * scale

    def early_record(self, x):  # the record, then a read of another attribute
        self.last_x = x.copy()
        return np.sum(self.w * x)

    def read_back(self, x):
        self.last = x * 2.0
        return np.sum(self.last ** 2)

    def record_in_a_loop(self, x):
        v = 0.0
        for i in range(2):
            self.last = x * i
            v = v + np.sum(self.w * x)
        return v


def _state(p):
    return {k: (v.copy() if isinstance(v, np.ndarray) else list(v) if isinstance(v, list)
                else v) for k, v in vars(p).items()}


def _same_state(a, b):
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(np.asarray(a[k], dtype=float), np.asarray(b[k], dtype=float),
                                      err_msg=k)


@pytest.mark.parametrize("method", ["fun", "fun_scaled"])
def test_counters_histories_and_records_on_self_run_as_in_f(method):
    called, bound_p, unbound_p = Problem(X * 0.5), Problem(X * 0.5), Problem(X * 0.5)
    getattr(called, method)(X)
    expected = numeric_grad(getattr(Problem(X * 0.5), method), (X,))
    g = pullback.grad(getattr(bound_p, method))(X)  # grad(problem.fun)
    np.testing.assert_allclose(g, expected, rtol=1e-6)
    _same_state(_state(bound_p), _state(called))
    g = pullback.grad(getattr(Problem, method), wrt=1)(unbound_p, X)  # grad(Cls.fun)
    np.testing.assert_allclose(g, expected, rtol=1e-6)
    _same_state(_state(unbound_p), _state(called))
    pullback.grad(getattr(bound_p, method))(X)  # a second call: counted again
    assert bound_p.nfev == 2
    value, _ = pullback.value_and_grad(getattr(bound_p, method))(X)
    assert value == pytest.approx(getattr(Problem(X * 0.5), method)(X)) and bound_p.nfev == 3


def test_records_on_self_with_the_object_differentiated():
    p = Problem(X * 0.5)
    g = pullback.grad(Problem.fun, wrt=0)(p, X)
    np.testing.assert_allclose(g.w, np.sin(X), rtol=1e-12)
    assert p.nfev == 1 and p.last_f == pytest.approx(Problem(X * 0.5).fun(X))


@pytest.mark.parametrize("method", ["early_record", "read_back", "record_in_a_loop"])
def test_records_read_back_or_before_other_reads(method):
    # (read back in the same call: the gradient follows them, tests/test_objects_cached.py)
    p = Problem(X * 0.5)
    np.testing.assert_allclose(pullback.grad(getattr(p, method))(X),
                               numeric_grad(getattr(Problem(X * 0.5), method), (X,)),
                               rtol=1e-6, atol=1e-9)
    assert hasattr(p, "last") or hasattr(p, "last_x")


# ------------------------------------------- factories passed on, closures kept in tables


def make_power(k):
    return lambda v: v ** k


def make_scaled_sin(k, s):
    def f(v):
        return s * np.sin(v) ** k
    return f


def factory_into_map(x):
    xs = [x, 2.0 * x]
    return sum(np.sum(v) for v in list(map(make_power(2), xs)))


def factory_into_map_of_elements(x):
    k = 3
    return np.sum(np.array(list(map(make_power(k), x))))


def factory_def_into_map(x):
    return np.sum(list(map(make_scaled_sin(2, 0.5), [x, x * x]))[1])


def factory_called_at_once(x):
    return np.sum(make_power(3)(x)) + sum(map(make_scaled_sin(1, 2.0), x))


def factory_into_sorted(x):
    return np.sum(sorted(map(make_power(2), x)))


def lambdas_in_a_dict(x):
    name = "sq"
    ops = {"sq": lambda v: v * v, "cube": lambda v: v ** 3}
    return np.sum(ops[name](x)) + np.sum(ops["cube"](x))


def lambdas_in_a_dict_by_default_key(x, name="cube"):
    ops = {"sq": lambda v: v * v, "cube": lambda v: v ** 3}
    return np.sum(ops[name](x))


def lambda_and_factory_in_a_dict(x):
    w = 2.0
    ops = {"lin": lambda v: w * v, "q": make_power(2)}
    return np.sum(ops["lin"](x) + ops["q"](x))


def lambda_and_factory_in_a_list(x):
    fs = [lambda v: 2.0 * v, make_power(2), make_scaled_sin(2, 1.5)]
    return sum(np.sum(f(x)) for f in fs) + np.sum(fs[1](x))


def factories_in_a_dict_looped(x):
    ops = {"a": make_power(2), "b": make_scaled_sin(1, 3.0)}
    total = 0.0
    for name, op in ops.items():
        total = total + np.sum(op(x)) * len(name)
    return total


OPS = {"sq": lambda v: v * v, "sin": np.sin}


def module_dict_of_functions(x):
    return np.sum(OPS["sq"](x)) + np.sum(OPS["sin"](x))


@pytest.mark.parametrize("f", [
    factory_into_map, factory_into_map_of_elements, factory_def_into_map,
    factory_called_at_once, factory_into_sorted, lambdas_in_a_dict,
    lambdas_in_a_dict_by_default_key, lambda_and_factory_in_a_dict,
    lambda_and_factory_in_a_list, factories_in_a_dict_looped, module_dict_of_functions])
def test_factories_passed_on_and_closures_kept_in_tables(f):
    assert_grad_matches(f, (X,))


def test_a_factory_in_a_table_runs_once_where_the_table_is_made():
    calls = []

    def counted(k):
        calls.append(k)
        return lambda v: v ** k

    def f(x):
        ops = {"lin": lambda v: 2.0 * v, "q": counted(2)}
        return np.sum(ops["q"](x)) + np.sum(ops["lin"](x))

    f(X)
    assert calls == [2]
    np.testing.assert_allclose(pullback.grad(f)(X), 2.0 * X + 2.0)
    assert calls == [2, 2]


# ------------------------------------------- caches on self: stores made as f makes them


class Cached:
    def __init__(self, w):
        self.w = w
        self.cache = {}
        self.grads = {}
        self.nfev = 0

    def fun(self, x):
        self.nfev += 1
        v = np.sum(np.tanh(x) * self.w)
        self.cache[tuple(x)] = v
        return v

    def fun_two_stores(self, x, tag="last"):
        v = np.sum(x ** 3) * self.w[0]
        self.cache[tag] = v
        self.grads[tag] = 3.0 * x ** 2
        return v

    def read_back(self, x):
        v = np.sum(x ** 2)
        self.cache["v"] = v
        return self.cache["v"] * 2.0

    def other_attribute_after(self, x):
        v = np.sum(x ** 2)
        self.cache["v"] = v
        return v * self.w[0]

    def stored_in_a_loop(self, x):
        total = 0.0
        for i in range(2):
            total = total + x[i]
            self.cache[i] = total
        return total


@pytest.mark.parametrize("method", ["fun", "fun_two_stores"])
def test_stores_into_caches_on_self_are_made_as_f_makes_them(method):
    called, p, q = Cached(X * 0.5), Cached(X * 0.5), Cached(X * 0.5)
    getattr(called, method)(X)
    expected = numeric_grad(getattr(Cached(X * 0.5), method), (X,))
    np.testing.assert_allclose(pullback.grad(getattr(p, method))(X), expected, rtol=1e-6)
    np.testing.assert_allclose(pullback.grad(getattr(Cached, method), wrt=1)(q, X), expected,
                               rtol=1e-6)
    for obj in (p, q):
        assert obj.nfev == called.nfev
        for name in ("cache", "grads"):
            got, want = getattr(obj, name), getattr(called, name)
            assert got.keys() == want.keys()
            for k in want:
                np.testing.assert_array_equal(got[k], want[k])


@pytest.mark.parametrize("method", ["read_back", "other_attribute_after", "stored_in_a_loop"])
def test_stores_into_caches_read_back(method):
    # (read back in the same call: the gradient follows them, tests/test_objects_cached.py)
    p = Cached(X * 0.5)
    np.testing.assert_allclose(pullback.grad(getattr(p, method))(X),
                               numeric_grad(getattr(Cached(X * 0.5), method), (X,)),
                               rtol=1e-6, atol=1e-9)
    assert p.cache != {}
