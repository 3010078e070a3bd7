"""One small function per Python construct, for the table in docs/supported-python.md.

`python docs/generate.py` differentiates each function below at its sample point:
a construct is "supported" when pullback's gradient agrees with central finite
differences there, and otherwise the table shows the error message pullback
raises. Nothing here is meant to be imported by users.
"""

import collections
import contextlib
import functools
import itertools
import logging
import math
import operator
import warnings
from dataclasses import dataclass, field

import numpy as np

try:  # scipy's spelling (scikit-learn's get_namespace works the same way)
    from scipy._lib._array_api import array_namespace
except ImportError:  # pragma: no cover - scipy is optional
    array_namespace = None

COUNTER = 0.0
LOGGER = logging.getLogger("pullback.docs")
RNG = np.random.default_rng(0)
SUPPRESS = contextlib.suppress


def helper_square(t):
    return t * t


# ------------------------------------------------------------ arithmetic and calls


def arithmetic(x, y):
    return (x + y) * (x - y) / (1.0 + x**2) + (-x) ** 3


def floor_div_and_mod(x):
    return (x // 1.0) * x + (x % 1.0) ** 2


def builtin_abs_min_max(x, y):
    return abs(x) * max(x, y) + min(x, y)


def math_functions(x):
    return math.exp(math.sin(x)) + math.log(1.0 + x * x) + math.sqrt(math.cosh(x))


def numpy_elementwise_broadcasting(A, b):
    return np.sum(np.tanh(A) * b + np.exp(-A) / 3.0)


def numpy_reductions_axis(A):
    s = np.sum(A, axis=1, keepdims=True)
    return np.sum(np.mean(A / s, axis=0)) + np.max(A) + np.min(A)


def matrix_products(A, v):
    return np.sum(np.tanh(A @ v)) + np.dot(v, v) + np.trace(np.transpose(A) @ A)


def where_and_logaddexp(v):
    return np.sum(np.where(v > 0.0, v, 0.1 * v) + np.logaddexp(v, 2.0 * v))


def transpose_attribute(A):
    return np.sum(A.T @ A)


def shape_and_len(A):
    return np.sum(A) * A.shape[0] + len(A)


def method_on_array(A):
    return A.sum() + A.mean()


def non_differentiable_helpers(v):
    k = np.argmax(v)
    return v[k] * float(len(v))


# ------------------------------------------------------------ indexing


def indexing_ints_slices(A):
    return A[0, 1] * A[-1, -1] + np.sum(A[1:, :2]) + np.sum(A[:, None, 0])


def integer_array_indexing(v):
    idx = np.array([0, 2, 2])
    return np.sum(v[idx] ** 2)


def boolean_mask_indexing(v):
    return np.sum(v[v > 0.0])


# ------------------------------------------------------------ control flow


def if_elif_else(x):
    if x < 0.0:
        y = -x
    elif x < 1.0:
        y = x * x
    else:
        y = math.log(x) + 1.0
    return y * x


def conditional_expression(x):
    return x * x if x > 0.0 else -x


def boolean_operators(x, y):
    if x > 0.0 and not y > 5.0 or x < -3.0:
        return x * y
    return x + y


def chained_comparison(x):
    if 0.0 < x < 2.0:
        return math.sin(x)
    return x


def for_over_range(x, n):
    for _ in range(n):
        x = x + 0.1 * math.sin(x)
    return x


def for_over_array_enumerate_zip(v, w):
    total = 0.0
    for i, (a, b) in enumerate(zip(v, w)):
        total = total + a * b * (i + 1)
    for a in v:
        total = total + a
    return total


def while_loop(x):
    total = 0.0
    while total < 3.0:
        total = total + math.exp(x)
        x = x * 0.5
    return total


def break_and_continue(x):
    total = 0.0
    for i in range(10):
        if i % 2 == 1:
            continue
        total = total + x**i
        if total > 50.0:
            break
    return total


def early_return(x):
    for i in range(5):
        if x * i > 3.0:
            return x * i
    return x


def augmented_assignment_and_swap(x, y):
    x *= 2.0
    y += x
    x, y = y, x
    return x * y


def in_place_writes(v):
    h = np.zeros(len(v) + 1)
    for i in range(len(v)):
        h[i + 1] = math.tanh(h[i] + v[i])
        h[i + 1] += 0.5 * v[i]
    return h[-1] ** 2


def write_into_input(v):
    v[0] = 1.0
    return np.sum(v * v)


def append_to_input_list(xs, t):
    xs.append(t * t)
    xs[0] = xs[0] * t
    return sum(xs)


def write_into_input_dict(d):
    d["scaled"] = d["w"] * 2.0
    return d["w"] * d["scaled"]


def annotated_assignment(x):
    y: float = x * 2.0
    return y * y


def pass_and_docstring(x):
    """A docstring is fine."""
    pass
    return x * 3.0


# ------------------------------------------------------------ functions and containers


def default_and_keyword_arguments(x, scale=2.0):
    return scale * x * x


def calls_user_function(x):
    return helper_square(x) + x


def recursion(x, n):
    return 1.0 if n == 0 else x * recursion(x, n - 1) + 1.0


def nested_def_closure(x):
    def inner(t):
        return t * x

    return inner(3.0)


def lambda_expression(x):
    square = lambda t: t * t
    return square(x)


def fold(step, h, xs):
    for x in xs:
        h = step(h, x)
    return h


def nested_function_passed_to_your_function(W, h, xs):
    def step(h, x):
        return np.tanh(W @ h + x)

    return np.sum(fold(step, h, xs)) + fold(lambda a, b: a * b, 1.0, [h[0], W[0, 0]])


def lambda_inside_nested_function(x):
    def inner(t):
        return sum(map(lambda u: u * t, [1.0, 2.0]))

    return inner(x)


def loop_over_a_list_it_grows(x):
    ts = [x]
    total = 0.0
    for t in ts:
        if abs(t) > 0.1:
            ts.append(t * 0.5)
        total = total + t * t
    return total


def closures_returned_by_a_nested_function(W, x):
    def layer(A):
        return lambda h: np.tanh(A @ h)

    layers = [layer(W), layer(W.T @ W)]
    h = x
    for lay in layers:
        h = lay(h)
    first = layer(W)
    return np.sum(h) + sum(map(first, [x, h]))[0]


def list_comprehension(x):
    terms = [x**k for k in range(4)]
    return sum(terms)


def generator_expression(v):
    return sum(v[i] * v[i] for i in range(len(v)))


def list_append(x):
    values = [x]
    for _ in range(3):
        values.append(values[-1] * x)
    return values[-1]


def list_and_tuple_builtins(v):
    values = list(v)
    pair = tuple(values[:2])
    return sum(values) * pair[1]


def map_builtin(v, w):
    return sum(map(np.sin, v)) + sum(map(lambda t: t * w, v))


def min_max_sorted_with_key(x, y, z):
    nearest = min([x, y, z], key=lambda t: abs(t - 1.0))
    ranked = sorted([x, y, z], key=abs, reverse=True)
    return nearest * ranked[0] + max(x, y, key=abs)


def enumerate_with_start(v):
    return sum(i * t for i, t in enumerate(v, start=1))


def list_pop(x, y):
    stack = [x, y, x * y]
    top = stack.pop()
    return top * stack.pop(0) + stack[-1]


def list_join_and_repeat(x, y):
    values = [x] * 2 + [y]
    values += [x * y]
    return sum(values) * values[-1]


def dict_built_inside(x, y):
    d = {"a": x * y, "b": x + y}
    d["c"] = d["a"] * 2.0
    return sum(d[k] * len(k) for k in d)


def dict_comprehension(x):
    powers = {k: x**k for k in range(4)}
    return sum(powers.values())


def array_from_active_scalars(x, y):
    v = np.array([x, y, x * y])
    return np.sum(v * v)


def dict_of_arrays_input(params):
    return np.sum(params["W"] ** 2) + np.sum(params["b"])


# ------------------------------------------------------------ other statements


def try_except(x):
    try:
        y = math.log(x)
    except ValueError:
        y = 0.0
    return y * x


def try_fallback(K):
    try:
        L = np.linalg.cholesky(K)
    except np.linalg.LinAlgError as error:
        print("not positive definite:", error)
        L = np.linalg.cholesky(K + 10.0 * np.eye(len(K)))
    return np.sum(L)


def try_finally(x):
    try:
        y = math.log(x)
    finally:
        print("done")
    return y * x


def try_body_writes_in_place(v):
    out = np.zeros(3)
    try:
        out[0] = v[0] * 2.0
        out[1] = math.log(v[1])
    except ValueError:
        pass
    return np.sum(out)


def raise_statement(v):
    if v.shape[0] < 2:
        raise ValueError(f"need at least 2 values, got {v.shape[0]}")
    total = 0.0
    for i in range(v.shape[0]):
        if not np.isfinite(v[i]):
            raise ValueError("not finite")
        total = total + v[i] ** 2
    return total


def with_statement(x):
    with np.errstate(all="ignore"):
        y = np.log(x)
    return y * x


def with_suppress(x):
    y = x
    with SUPPRESS(ValueError):
        y = math.log(-x)
    return y * x


def warnings_and_logging(x):
    if x < 1.0:
        warnings.warn(f"small x: {x:.3f}", stacklevel=2)
    LOGGER.info("x=%s", x)
    return x * x


def in_place_numpy_writes(v):
    A = np.copy(np.outer(v, v))
    np.fill_diagonal(A, 1.0)
    B = np.zeros((3, 3))
    np.copyto(B, A * v)
    np.exp(B, out=B)
    return np.sum(B)


def effect_call_on_an_array(v):
    a = v * 2.0
    b = np.array([3, 1, 2])
    RNG.shuffle(b)
    return np.sum(a[b])


# ------------------------------------------------------------ classes and objects


class Layer:
    def __init__(self, W):
        self.W = W

    def act(self, z):
        return np.tanh(z)

    def __call__(self, x):
        return self.act(self.W @ x)


class ScaledLayer(Layer):
    def __call__(self, x):
        return 2.0 * super().__call__(x)


class Objective:
    def __init__(self, target):
        self.target = target
        self.nfev = 0

    def residual(self, x):
        return x - self.target

    def fun(self, x):
        return np.sum(self.residual(x) ** 2)

    def counted(self, x):
        self.nfev += 1
        return self.fun(x)

    @property
    def scale(self):
        return np.sum(self.target)


@dataclass
class Affine:
    W: np.ndarray
    b: np.ndarray


Pair = collections.namedtuple("Pair", ["a", "b"])


class Normalized:
    def __init__(self, v):
        self.v = v / np.sum(v)


def layer_object(W, x):
    layer = Layer(W)
    return np.sum(layer(x))


def layers_in_a_loop(W1, W2, x):
    for layer in [Layer(W1), ScaledLayer(W2)]:
        x = layer(x)
    return np.sum(x)


def objective_method(x, problem):
    return problem.fun(x)


def dataclass_params(W, b, x):
    p = Affine(W, b)
    return np.sum(np.tanh(p.W @ x + p.b))


def namedtuple_values(x, y):
    p = Pair(x, b=y)
    return p.a * p.b + p[0] ** 2


def property_read(t, x):
    return Objective(t).scale * np.sum(x)


def counter_on_self(x, problem):
    return problem.counted(x)


def computing_init(v):
    return np.sum(Normalized(v).v ** 2)


def class_definition(x):
    class Box:
        scale = 2.0

    return x * Box.scale


def global_statement(x):
    global COUNTER
    COUNTER = COUNTER + 1.0
    return x * COUNTER


def generator_function(x):
    for i in range(3):
        yield x * i


def star_args(x, *rest):
    return x * rest[0] + rest[1] ** 2 * len(rest)


def _weighted(x, **options):
    return x * options["scale"] + options["shift"] ** 2


def star_kwargs(x):
    return _weighted(x, scale=x, shift=2.0 * x)


def dict_methods(x, y):
    d = dict(zip(["a", "b"], [x, y]))
    first = d.setdefault("c", x * y)
    return d.get("a", 0.0) * d.get("missing", y) + first * dict(w=y)["w"]


DEFAULTS = {"a": 1.5, "b": -0.5}


def merged_dicts(x, y):
    q = {**DEFAULTS, "a": x}
    own = DEFAULTS.copy()
    own["b"] = y
    return q["a"] * q["b"] + {**q, **own}["b"] * x


def min_max_many_or_default(x, y):
    lo = min(x, y, x * y)
    return lo + max([v for v in [x, y] if v > 10.0], default=y * y)


def set_of_constants(x):
    kinds = {i % 3 for i in range(7)}
    return x * len(kinds)


def functional_helpers(x, y):
    scaled = functools.partial(_inner, c=y)
    second = operator.itemgetter(1)
    pairs = sorted([(2.0, x), (1.0, y)], key=operator.itemgetter(0))
    kept = sum(filter(lambda v: v > 0.0, [x, -y, x * y]))
    return scaled(x, y) + second(pairs[0]) * kept + operator.mul(x, y)


def array_namespace_code(x):
    xp = array_namespace(x)
    return xp.sum(xp.sin(x) * x, axis=0)


def function_default(x, _reduce=np.sum):
    return _reduce(np.sin(x) * x)


def partials_composed(W, x):
    layers = [functools.partial(np.dot, W), np.tanh, functools.partial(np.multiply, 2.0)]
    return np.sum(functools.reduce(lambda h, f: f(h), layers, x))


def another_function_passed(x, reduce=np.mean):
    return reduce(np.sin(x) ** 2)


def itertools_iterators(x):
    steps = sum(abs(b - a) for a, b in itertools.pairwise(x))
    pairs = sum(x[i] * x[j] for i, j in itertools.combinations(range(len(x)), 2))
    return steps + pairs + sum(itertools.accumulate(x)) + sum(itertools.chain(x, [x[0]]))


def zip_strict(x, y):
    return sum(a * b for a, b in zip(x, y, strict=True))


def namedtuple_from_a_sequence(x):
    p = Pair(*x[:2])
    q = Pair._make([x[2], p.a])._replace(b=p.b * 3.0)
    return p.a * q.b + q.a ** 2


def _inner(a, b, c=1.0):
    return a * b + c


def star_unpacking_in_calls(x, y):
    pairs = [(x, y), (y, 2.0 * x)]
    firsts, seconds = zip(*pairs)
    opts = {"c": x * y}
    return _inner(*firsts, **opts) + _inner(x, *seconds)


def del_statement(x):
    tmp = x * 2.0
    del tmp
    return x


def starred_assignment(x):
    head, *_rest = (x, 2.0 * x, 3.0 * x)
    return head * x


def print_call(x):
    print(x)
    return x * x


def assert_statement(x):
    assert x > 0.0
    return x * x


def walrus(x):
    if (y := x * 2.0) > 1.0:
        return y
    return x


def function_without_rule(x):
    return math.gamma(x) * x


def numpy_function_without_rule(A):
    return np.linalg.cond(A) * np.sum(A)


def no_rule_on_constant_data(x):
    c = np.linalg.cond(np.eye(2))
    return x * c


def generator_consumed(x):
    total = 0.0
    for v in generator_function(x):
        total = total + math.sin(v)
    return total + sum(generator_function(x * 2.0))


def match_statement(x, mode):
    match mode:
        case "square" | "sq":
            return x * x
        case n if n > 2:
            return x * n
        case _:
            return math.sin(x)


def match_structure(x, y):
    total = 0.0
    for item in ([x, y], {"w": x, "b": y}, (x, y, x * y)):
        match item:
            case [a, b]:
                total = total + a * b
            case {"w": w, "b": b}:
                total = total + w * w * b
            case (first, *rest):
                total = total + first * sum(rest)
    return total


def dict_pop(x, y):
    d = {"a": x * y, "b": math.sin(x)}
    a = d.pop("a")
    return a * d["b"] + d.pop("c", y)


def grouped_by_key(x, y):
    groups = {}
    sums = collections.defaultdict(float)
    for v, key in zip([x, y, x * y], ["a", "b", "a"]):
        groups.setdefault(key, []).append(v)
        sums[key] += v * v
    return sum(vs[0] * len(vs) for vs in groups.values()) + sums["a"]


def dict_argument_keys(params):
    total = 0.0
    for name in sorted(params):
        total = total + np.sum(params[name] ** 2) * len(name)
    return total


def rows_moved(x, y):
    prev = [0.0, 1.0]
    for _ in range(3):
        cur = [0.0, 0.0]
        cur[0] = prev[0] * x + y
        cur[1] = math.sin(prev[1]) * y + cur[0]
        prev = cur
    return prev[1]


def list_paired_then_grown(x, y):
    history = []
    record = (history, "squares")
    for v in (x, y):
        history.append(v * v)
    return sum(record[0])


def import_inside(x):
    import math as m

    from numpy import tanh
    return m.sin(x) * tanh(x)


def iter_and_next(x, y):
    it = iter([x, y, x * y])
    first = next(it)
    for v in it:
        first = first * v
    return first + next(it, y)


def functions_in_containers(x, name):
    acts = {"tanh": np.tanh, "square": lambda v: v * v}
    total = acts[name](x)
    for g in [math.sin, lambda v: v ** 3]:
        total = total + g(x)
    return total


def tolist_values(v):
    a, b, c = v.tolist()
    return a * b + c


class Cell:
    def __init__(self, W, h):
        self.W = W
        self.h = h

    def step(self, x):
        self.h = np.tanh(self.W @ self.h + x)
        return np.sum(self.h)


def attribute_state(W, x):
    cell = Cell(W, x)
    for _ in range(3):
        cell.h = np.tanh(cell.W @ cell.h)
    return np.sum(cell.h)


def method_sets_self(W, x):
    cell = Cell(W, np.zeros(2))
    total = 0.0
    for _ in range(3):
        total = total + cell.step(x)
    return total


def attribute_set_on_argument(x, cell):
    cell.h = x * 2.0
    return np.sum(cell.h)


class Dual:
    def __init__(self, a, b):
        self.a = a
        self.b = b

    def __add__(self, other):
        return Dual(self.a + other.a, self.b + other.b)

    def __mul__(self, other):
        if not isinstance(other, Dual):
            return Dual(self.a * other, self.b * other)
        return Dual(self.a * other.a, self.a * other.b + self.b * other.a)

    __rmul__ = __mul__


def operator_overloading(x, y):
    t = Dual(x, 1.0)
    u = 3.0 * t * t + Dual(y, 0.0) * t
    return u.a + u.b


def star_unpacking_in_displays(x, y):
    terms = [x * y, y - x]
    shape = (2,)
    m = np.reshape(np.stack([*terms, x, y]), (*shape, -1))
    return np.sum(m * m[::-1]) + max(*terms) - min(x, *terms)


def in_place_writes_into_parts(v):
    B = np.zeros((2, 3))
    np.copyto(B[0], v * v)
    B[1, 1:].fill(v[0])
    np.put(B, [2, 3], v[1:])
    return np.sum(B * np.arange(6.0).reshape(2, 3))


def scatter_adds(v):
    counts = np.zeros(3)
    np.add.at(counts, [0, 2, 0], v)  # a repeated position gets every value
    np.subtract.at(counts, ([1, 1],), v[:2] ** 2)
    return np.sum(counts ** 3)


def loop_else(x):
    for t in (5.0, 0.4):
        if abs(x) > t:
            y = t * x * x
            break
    else:
        y = x ** 4
    return y


def _spliced(x):
    yield x
    yield from [x * x, math.sin(x)]


def generator_zipped_enumerated_and_tested(x):
    total = 0.0
    for v, w in zip(generator_function(x), [0.5, 2.0]):
        total = total + w * v
    for k, u in enumerate(_spliced(x), start=1):
        total = total + k * u
    return total * any(t > 0.1 for t in generator_function(x))


def _delegating(x):
    yield from _spliced(x * 0.5)
    yield math.cos(x)


def generator_delegating_zipped_second(x):
    total = 0.0
    for w, v in zip([0.5, 2.0, -1.0], _delegating(x)):  # (stops before resuming it)
        total = total + w * v
    return total


def deque_as_a_queue(x):
    window = collections.deque(maxlen=2)
    for k in range(3):
        window.append(x * (k + 1.0))
    window.appendleft(math.sin(x))
    return window.popleft() + sum(window)


def _bump(t):
    return t * t if t > 0 else math.sin(t)


def vectorized_user_function(x):
    return np.sum(np.vectorize(_bump)(x) * x)


def _softmax(v):
    e = np.exp(v - np.max(v))
    return e / np.sum(e)


def apply_along_axis_user(x):
    return np.sum(np.apply_along_axis(_softmax, 1, x) * x)


class _Recurrent:
    def __init__(self):
        self.derived = {"A": []}

    def step(self, x):
        states = self.derived["A"]  # a local name for the list the object holds
        if not states:
            states.append(np.zeros_like(x))
        new = np.tanh(states[-1] + x)
        self.derived["A"].append(new)
        return new


def held_list_named_locally(x, cell):
    return np.sum(cell.step(x) ** 2)


def comprehension_over_a_generator(x):
    cubes = [v * x for v in generator_function(x) if v > -10.0]
    return sum(math.tanh(v) for v in generator_function(x)) + cubes[-1]


def generator_defined_in_f(x):
    scale = 2.0

    def powers(v):
        for k in range(1, 4):
            yield scale * v ** k / k  # f's scale, read when the generator resumes
    total = sum(powers(x))
    scale = 0.5
    for p in powers(x * 3.0):
        total = total + p ** 2
    return total


def callee_made_by_a_call(W, x):
    return np.sum(Layer(W)(x)) + np.sum(functools.partial(np.dot, W)(x))


class History:
    def __init__(self):
        self.weights = [3.0, 1.0, 0.5]

    def grow(self):  # changes in place the list a derivative holds
        self.weights.append(0.1)


def effect_method_on_an_object_read(v, history):
    s = np.sum(np.multiply(history.weights, v))
    history.grow()
    return s


class Stack:
    def __init__(self, *layers):
        self.layers = list(layers)

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


def stack_built_inside(W1, W2, x):
    net = Stack(Layer(W1), ScaledLayer(W2))
    return np.sum(net(x))


class Forwarding:
    def __init__(self, W):
        self.W = W

    def forward(self, x, power=1):
        return np.tanh(self.W @ x) ** power

    def __call__(self, x, **kwargs):
        return self.forward(x, **kwargs)


def forwarded_kwargs(model, x):
    return np.sum(model(x, power=2))


class Params:
    def __init__(self, arrays):
        self.arrays = arrays

    def __len__(self):
        return len(self.arrays)

    def __getitem__(self, i):
        return self.arrays[i]


def container_getitem(params, x):
    for W in params:
        x = np.tanh(W @ x)
    return np.sum(x) + len(params)


class Moments:
    def __init__(self, mu):
        self.mu = mu

    def mean(self):
        return self.mu


def array_named_method(dist, x):
    return np.sum(x * dist.mean())



class Problem:
    def __init__(self, A):
        self.A = A
        self.history = []

    def loss(self, w):
        return 0.5 * np.sum((self.A @ w) ** 2)

    def objective(self, w):
        value = self.loss(w)
        self.history.append(float(value))
        return value


def history_after_calls(problem, w):
    return problem.objective(w) * 2.0


class KeepingLayer:
    """A layer that keeps its inputs for a backward of its own (numpy-ml's spelling)."""

    def __init__(self, W, mode="max"):
        self.W = W
        self.mode = mode
        self.ready = False
        self.inputs = []
        self.derived = {"Z": []}
        self.stats = {}

    def _init(self):
        self.stats = {"mean": np.zeros(self.W.shape[1])}
        self.ready = True

    def forward(self, X, retain=True):
        if not self.ready:
            self._init()
        mean = self.stats["mean"]
        Z = X @ self.W
        pool = np.max if self.mode == "max" else np.mean
        if retain:
            self.stats["mean"] = 0.9 * mean + 0.1 * Z.mean(axis=0)
            self.inputs.append(X)
            self.derived["Z"].append(Z)
        return np.tanh(Z) * pool(Z)


def values_kept_on_self(layer, X):
    return np.sum(layer.forward(X) ** 2)


class Scaled:
    def __init__(self, W):
        self.W = W

    def forward(self, x, *factors):
        out = self.W @ x
        for factor in factors:
            out = out * factor
        return np.sum(out)


class AffineInit:
    def __init__(self, W, b):
        self.W = W
        self.b = b


class AffinePassingOn(AffineInit):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)


def values_through_star_args(x, p, q):
    layer = AffinePassingOn(np.eye(2), b=p)
    return Scaled(layer.W).forward(x, p, q) + np.sum(layer.b)


class Blob:
    def __init__(self, v):
        self.v = v

    @property
    def size(self):
        return np.sum(self.v ** 2)


def array_named_attribute(x):
    return Blob(x).size


class Memo:
    def __init__(self, W):
        self.W = W
        self.cache = {}

    def features(self, x):
        if "h" not in self.cache:
            self.cache["h"] = np.tanh(self.W @ x)
        return self.cache["h"]


def cache_on_self(W, x):
    m = Memo(W)
    return np.sum(m.features(x)) * np.sum(m.features(x))


class Layers:
    def __init__(self, *Ws):
        self.Ws = [W * 1.0 for W in Ws]

    def __iter__(self):
        yield from self.Ws

    def __len__(self):
        return len(self.Ws)

    def __getitem__(self, i):
        return self.Ws[i]


def container_built_inside(W1, W2, x):
    for W in reversed(Layers(W1, W2)):
        x = np.tanh(W @ x)
    net = Layers(W1, W2)
    return sum(np.sum(W @ x) for W in net) + np.sum(net[0]) * len(net)


def container_received(layers, x):
    for W in layers:
        x = np.tanh(W @ x)
    return np.sum(x)


def operators_of_arguments(u, t):
    return (u * t + u).a


class Recorder:
    def __init__(self, A):
        self.A = A
        self.nfev = 0
        self.cache = {}

    def objective(self, w):
        self.nfev += 1
        value = 0.5 * np.sum((self.A @ w) ** 2)
        self.cache[tuple(w)] = value
        self.last_w = w.copy()
        return value


def records_on_a_received_object(recorder, w):
    return recorder.objective(w) * 2.0


class MemoOnSelf:
    def __init__(self, A):
        self.A = A
        self.memo = {}

    def value(self, w, key="v"):
        if not hasattr(self, "_seen"):
            self._seen = {}
        if "calls" not in self._seen:
            self._seen["calls"] = 0
        self._seen["calls"] += 1
        if key not in self.memo:
            self.memo[key] = np.tanh(self.A @ w)
        self.last = np.sum(self.memo[key] ** 2)
        return self.last * 2.0


def cache_read_back_on_self(memo, w):
    return memo.value(w)


class Stepper:
    def __init__(self, w):
        self.w = w

    def step(self, x):
        self.h = np.sin(x) * self.w


def attribute_set_by_a_method_read_after(stepper, x):
    stepper.step(x)
    return np.sum(stepper.h)


class Fit:
    def __init__(self, w):
        self.w = w
        self.losses = []

    def step(self, x):
        self.losses.append(np.sum((self.w * x - 1.0) ** 2))
        self.w = self.w - 0.1 * x
        return self

    def total(self):
        return sum(self.losses)


def fluent_methods(w, x):
    return Fit(w).step(x).step(x).total()


@dataclass(frozen=True)
class FrozenScale:
    s: float
    W: np.ndarray

    @property
    def scaled(self):
        return self.s * self.W


@dataclass
class PostInitStack:
    W: np.ndarray
    layers: list = field(default_factory=list)

    def __post_init__(self):
        self.layers.append(self.W)
        self.layers.append(self.W.T)


def dataclasses_that_compute(W, x):
    for L in PostInitStack(W).layers:
        x = np.tanh(L @ x)
    return np.sum(FrozenScale(2.0, W).scaled @ x)


class Affinity:
    def __init__(self, a):
        self.a = a

    def __mul__(self, x):
        return self.a * x ** 2


AFFINITY = Affinity(np.array([0.5, -1.0]))


def module_object_operator(x):
    return np.sum(AFFINITY * x)


def _imports_math(t):
    import math as m
    return m.sin(t) * 2.0


def import_in_callee(x):
    return _imports_math(x) + _imports_math(2.0 * x)


def _m():
    return np.array([[1.0, 0.3], [0.2, 2.0]])


def _fill_squares(buf, x):
    for i in range(len(x)):
        buf[i] = x[i] ** 2


def _euler_step(pos, vel, dt):
    pos += vel * dt


def callee_writes_into_callers_buffer(x):
    buf = np.zeros(len(x))
    _fill_squares(buf, x)
    pos = x * 1.0
    _euler_step(pos, np.sin(x), 0.1)
    return np.sum(buf * pos)


def _v():
    return np.array([0.5, -1.2, 0.8])


# ------------------------------------------- spellings found in numpy-ml (session 13)


def library_aliases(z):
    pi, sqrt, tanh = np.pi, np.sqrt, np.tanh
    return np.sum(0.5 * z * (1 + tanh(sqrt(2 / pi) * (z + 0.044715 * z**3))))


SIGMOID = Objective(np.array([0.1, 0.2, 0.3]))


def module_object_method(x):
    return SIGMOID.fun(x) + np.sum(SIGMOID.residual(x))


class LazyLayer:
    def __init__(self):
        self.ready = False

    def _init_params(self, n):
        self.W = np.linspace(-1.0, 1.0, n * 2).reshape(n, 2)
        self.ready = True

    def forward(self, X):
        if not self.ready:
            self._init_params(X.shape[-1])
        return np.tanh(X @ self.W)


def lazy_initialization(x, layer):
    return np.sum(layer.forward(x))


def check_probabilities(p):
    assert np.all(p >= 0) and np.isclose(np.sum(p), 1.0), "not a distribution"
    return True


def argument_check_call(z, target):
    p = np.exp(z) / np.sum(np.exp(z))
    check_probabilities(p)
    check_probabilities(target)
    return -np.sum(target * np.log(p))


def reshape_spread(x):
    rs = (2, -1)
    return np.sum(x.reshape(*rs).transpose(*(1, 0)) ** 2)


ARITHMETIC = "Arithmetic and calls"
INDEXING = "Indexing"
FLOW = "Control flow and assignment"
FUNCTIONS = "Functions and containers"
OTHER = "Other statements"
NO_RULE = "Functions without a derivative rule"
CLASSES = "Classes and objects"

# (section, construct as written in the table, function, arguments, wrt)
CASES = [
    (ARITHMETIC, "`+ - * / **`, unary minus", arithmetic, (0.7, -1.3), (0, 1)),
    (ARITHMETIC, "`//` and `%`", floor_div_and_mod, (2.3,), 0),
    (ARITHMETIC, "`abs`, `min`, `max` on numbers", builtin_abs_min_max,
     (-0.8, 0.4), (0, 1)),
    (ARITHMETIC, "`math` functions", math_functions, (0.6,), 0),
    (ARITHMETIC, "NumPy elementwise functions, broadcasting",
     numpy_elementwise_broadcasting, (_m(), np.array([0.5, -2.0])), (0, 1)),
    (ARITHMETIC, "NumPy reductions with `axis`, `keepdims`; `np.max`, `np.min`",
     numpy_reductions_axis, (_m(),), 0),
    (ARITHMETIC, "`@`, `np.dot`, `np.trace`, `np.transpose`", matrix_products,
     (_m(), np.array([0.5, -0.7])), (0, 1)),
    (ARITHMETIC, "`np.where`, `np.logaddexp`", where_and_logaddexp, (_v(),), 0),
    (ARITHMETIC, "`A.T`", transpose_attribute, (_m(),), 0),
    (ARITHMETIC, "`A.shape`, `len(A)`", shape_and_len, (_m(),), 0),
    (ARITHMETIC, "array methods: `A.sum()`, `A.mean()`", method_on_array,
     (_m(),), 0),
    (ARITHMETIC, "non-differentiable calls (`np.argmax`, `len`, `float`)",
     non_differentiable_helpers, (_v(),), 0),
    (ARITHMETIC, "a library function under a local name (`tanh = np.tanh`, "
     "`pi, sqrt, tanh = np.pi, np.sqrt, np.tanh`)", library_aliases, (_v(),), 0),
    (INDEXING, "ints, negative ints, slices, `None`", indexing_ints_slices, (_m(),), 0),
    (INDEXING, "integer-array indexing", integer_array_indexing, (_v(),), 0),
    (INDEXING, "boolean-mask indexing `v[v > 0]`", boolean_mask_indexing, (_v(),), 0),
    (INDEXING, "`x.reshape(*shape)`, `x.transpose(*axes)`", reshape_spread,
     (np.arange(1.0, 7.0) / 7,), 0),
    (FLOW, "`if` / `elif` / `else`", if_elif_else, (0.5,), 0),
    (FLOW, "conditional expression `a if c else b`", conditional_expression,
     (0.5,), 0),
    (FLOW, "`and`, `or`, `not`", boolean_operators, (0.5, 2.0), (0, 1)),
    (FLOW, "chained comparison `0 < x < 2`", chained_comparison, (0.5,), 0),
    (FLOW, "`for` over `range`", for_over_range, (0.5, 20), 0),
    (FLOW, "`for` over arrays, `enumerate`, `zip`", for_over_array_enumerate_zip,
     (_v(), np.array([1.0, 2.0, -0.5])), (0, 1)),
    (FLOW, "`while`", while_loop, (0.3,), 0),
    (FLOW, "`break`, `continue`", break_and_continue, (1.7,), 0),
    (FLOW, "`return` inside a loop", early_return, (0.9,), 0),
    (FLOW, "`for ... else`, `while ... else`", loop_else, (0.5,), 0),
    (FLOW, "augmented assignment, tuple swap", augmented_assignment_and_swap,
     (0.5, 1.5), (0, 1)),
    (FLOW, "in-place writes `buf[i] = v`, `buf[i] += v` into `np.zeros`",
     in_place_writes, (_v(),), 0),
    (FLOW, "in-place write into an input array (made on a copy, which the caller's array "
     "receives when f returns)", write_into_input, (_v(),), 0),
    (FLOW, "`append` and slot writes into an input list", append_to_input_list,
     ([0.5, 1.5], 0.7), 1),
    (FLOW, "new keys written into an input dict", write_into_input_dict, ({"w": 0.3},), 0),
    (FLOW, "annotated assignment `y: float = ...`", annotated_assignment, (0.5,), 0),
    (FLOW, "`pass`, docstrings", pass_and_docstring, (0.5,), 0),
    (FUNCTIONS, "default and keyword arguments",
     default_and_keyword_arguments, (0.5,), 0),
    (FUNCTIONS, "calling another function of yours", calls_user_function,
     (0.5,), 0),
    (FUNCTIONS, "a function of yours writing into an array, list, dict or object its "
     "caller passes (`_fill(buf, x)`, `step(pos, vel, dt)` with `pos += ...`, "
     "`_push(stack, v)`, `out=`): inlined, its writes the caller's own",
     callee_writes_into_callers_buffer, (_v(),), 0),
    (FUNCTIONS, "recursion", recursion, (0.5, 3), 0),
    (FUNCTIONS, "nested `def`, closures", nested_def_closure, (0.5,), 0),
    (FUNCTIONS, "`lambda`", lambda_expression, (0.5,), 0),
    (FUNCTIONS, "nested `def` or `lambda` passed to a function of yours",
     nested_function_passed_to_your_function, (_m(), _v()[:2], [_v()[1:], _v()[:2]]),
     (0, 1)),
    (FUNCTIONS, "`lambda` inside a nested `def` or `lambda`", lambda_inside_nested_function,
     (0.5,), 0),
    (FUNCTIONS, "closures a nested function returns (`def layer(W): return lambda h: "
     "np.tanh(W @ h)`), called, kept in lists, looped over, passed to `map`",
     closures_returned_by_a_nested_function, (_m(), _v()[:2]), (0, 1)),
    (FUNCTIONS, "a `for` loop over a list its body grows (`for t in ts: ... "
     "ts.append(...)`: the loop sees the new items)", loop_over_a_list_it_grows, (0.9,), 0),
    (FUNCTIONS, "list comprehension", list_comprehension, (0.5,), 0),
    (FUNCTIONS, "generator expression in `sum(...)`", generator_expression,
     (_v(),), 0),
    (FUNCTIONS, "lists built with `append`", list_append, (0.5,), 0),
    (FUNCTIONS, "`list(...)`, `tuple(...)`", list_and_tuple_builtins, (_v(),), 0),
    (FUNCTIONS, "`map` with a NumPy function or a `lambda`", map_builtin, (_v(), 0.5), (0, 1)),
    (FUNCTIONS, "`min`, `max`, `sorted` with `key=`, `reverse=`", min_max_sorted_with_key,
     (0.3, -1.7, 2.5), (0, 1, 2)),
    (FUNCTIONS, "`enumerate(xs, start=1)`", enumerate_with_start, (_v(),), 0),
    (FUNCTIONS, "`list.pop()`, `list.pop(i)` on a list the function built", list_pop,
     (0.5, -1.5), (0, 1)),
    (FUNCTIONS, "list `+` and `*` (joining, repeating)", list_join_and_repeat,
     (0.5, -1.5), (0, 1)),
    (FUNCTIONS, "dict display, `d[k] = v`, loops over it", dict_built_inside,
     (0.5, -1.5), (0, 1)),
    (FUNCTIONS, "dict comprehension", dict_comprehension, (0.5,), 0),
    (FUNCTIONS, "`np.array([...])` of differentiated scalars",
     array_from_active_scalars, (0.5, -1.5), (0, 1)),
    (FUNCTIONS, "dict of arrays as an input", dict_of_arrays_input,
     ({"W": _m(), "b": _v()},), 0),
    (FUNCTIONS, "`*args` (`wrt` counts arguments as passed)", star_args, (0.5, 1.5, -0.7),
     (0, 1, 2)),
    (FUNCTIONS, "`**kwargs`", star_kwargs, (0.5,), 0),
    (FUNCTIONS, "`f(*xs)`, `f(**opts)`, `zip(*rows)`", star_unpacking_in_calls, (0.5, -1.5),
     (0, 1)),
    (FUNCTIONS, "`(*shape, -1)`, `[*xs, y]`, `{*xs}`, `min(*xs)`, `max(a, *xs)`",
     star_unpacking_in_displays, (0.5, -1.5), (0, 1)),
    (FUNCTIONS, "`d.get`, `d.setdefault`, `dict(zip(...))`, `dict(k=v)`, `dict(d)`",
     dict_methods, (0.5, -1.5), (0, 1)),
    (FUNCTIONS, "`{**d, k: v}`, `{**a, **b}`, `P.copy()` of a module's dict", merged_dicts,
     (0.5, -1.5), (0, 1)),
    (FUNCTIONS, "`d.pop(k)`, `d.pop(k, default)` on a dict the function built", dict_pop,
     (0.5, -1.5), (0, 1)),
    (FUNCTIONS, "values grouped by key: `d.setdefault(k, []).append(v)`, "
     "`collections.defaultdict(list)` (or `float`, `int`), `d[k] += v`",
     grouped_by_key, (0.5, -1.5), (0, 1)),
    (FUNCTIONS, "a dict argument's keys: `for k in sorted(params)`, `for k in params` "
     "(it reads `params[k]`)", dict_argument_keys,
     ({"w": np.array([0.5, -1.0]), "b": 0.3},), 0),
    (FUNCTIONS, "`prev = cur` of a list built anew each row (a dynamic program)", rows_moved,
     (0.5, -1.5), (0, 1)),
    (FUNCTIONS, "a list put into a tuple, then grown (`record = (history, tag)`)",
     list_paired_then_grown, (0.5, -1.5), (0, 1)),
    (FUNCTIONS, "`it = iter(xs)`, `next(it)`, `next(it, default)`, `for v in it`",
     iter_and_next, (0.5, -1.5), (0, 1)),
    (FUNCTIONS, "functions and lambdas kept in a list or dict and called from it "
     "(`for g in [np.sin, lambda v: v ** 2]: s += g(x)`, `acts[name]` called)",
     functions_in_containers, (0.5, "square"), 0),
    (FUNCTIONS, "`min(a, b, c)`, `max(values, default=d)`", min_max_many_or_default,
     (0.5, -1.5), (0, 1)),
    (FUNCTIONS, "set display or comprehension of values not differentiated",
     set_of_constants, (0.5,), 0),
    (FUNCTIONS, "`functools.partial`, `filter`, `operator.itemgetter`, `operator.mul`",
     functional_helpers, (0.5, 1.5), (0, 1)),
    (FUNCTIONS, "array-API namespaces `xp = array_namespace(x)`, `xp.sum(...)` (NumPy arrays)",
     array_namespace_code, (_v(),), 0),
    (FUNCTIONS, "a function as a default argument `def f(x, _r=np.sum)`", function_default,
     (_v(),), 0),
    (FUNCTIONS, "another function passed for a function default: `grad(f)(x, np.max)` (the "
     "gradient made for the function passed)", another_function_passed, (_v(), np.max), 0),
    (FUNCTIONS, "`functools.partial` objects in a list of functions, composed by "
     "`functools.reduce`, looped over, passed to a function", partials_composed,
     (np.eye(3) * 0.5 + 0.1, _v()), (0, 1)),
    (FUNCTIONS, "`itertools` `accumulate`, `pairwise`, `product`, `combinations`, "
     "`permutations`, `chain` (not bound to a name)", itertools_iterators, (_v(),), 0),
    (FUNCTIONS, "`zip(..., strict=True)`", zip_strict, (_v(), _v() * 2.0), (0, 1)),
    (FUNCTIONS, "a namedtuple built from a sequence: `NT(*xs)`, `NT._make(xs)`, "
     "`nt._replace(...)`", namedtuple_from_a_sequence, (_v(),), 0),
    (OTHER, "`try` / `except` / `else` (several except clauses)", try_except, (0.5,), 0),
    (OTHER, "`try` / `except T as e`: a fallback the adjoint follows", try_fallback,
     (np.array([[1.0, 2.0], [2.0, 1.0]]),), 0),
    (OTHER, "`try` / `finally`", try_finally, (0.5,), 0),
    (OTHER, "an in-place write in a `try` body", try_body_writes_in_place, (_v(),), 0),
    (OTHER, "`raise` (argument checks, in loops)", raise_statement, (_v(),), 0),
    (OTHER, "`import` in the function's body (not inside a branch or loop)", import_inside,
     (0.5,), 0),
    (OTHER, "`with` (`np.errstate`, `warnings.catch_warnings`, timers)", with_statement,
     (0.5,), 0),
    (OTHER, "`with` a manager that swallows an exception (`contextlib.suppress`)",
     with_suppress, (0.5,), 0),


    (CLASSES, "a layer object built inside: `m = Layer(W); m(x)`, methods calling methods",
     layer_object, (_m(), np.array([0.5, -0.7])), (0, 1)),
    (CLASSES, "a callee that is a call's result: `Layer(W)(x)`, `partial(np.dot, W)(x)`",
     callee_made_by_a_call, (_m(), np.array([0.5, -0.7])), (0, 1)),
    (CLASSES, "a list of layer objects looped over; inheritance, `super()`",
     layers_in_a_loop, (_m(), _m(), np.array([0.5, -0.7])), (0, 1, 2)),
    (CLASSES, "an objective object passed in: `problem.fun(x)`", objective_method,
     (_v(), Objective(np.array([0.1, 0.2, 0.3]))), 0),
    (CLASSES, "`@dataclass` parameter holder", dataclass_params,
     (_m(), np.array([0.1, -0.2]), np.array([0.5, -0.7])), (0, 1, 2)),
    (CLASSES, "`namedtuple` values", namedtuple_values, (0.5, -1.5), (0, 1)),
    (CLASSES, "`@property` of a value being differentiated", property_read, (_v(), _v()),
     (0, 1)),
    (CLASSES, "a counter on `self` (`self.nfev += 1`)", counter_on_self,
     (_v(), Objective(np.array([0.1, 0.2, 0.3]))), 0),
    (CLASSES, "a method called for its effect on an object whose attribute the gradient "
     "reads (`h.grow()` after `np.multiply(h.weights, v)`)", effect_method_on_an_object_read,
     (_v(), History()), 0),
    (CLASSES, "an `__init__` that computes (`self.v = v / np.sum(v)`)", computing_init,
     (_v(),), 0),
    (CLASSES, "an object built inside whose `__init__` stores a list of layers "
     "(`Sequential(*layers)`), lambdas, comprehensions", stack_built_inside,
     (_m(), _m(), np.array([0.5, -0.7])), (0, 1, 2)),
    (CLASSES, "`self.forward(x, **kwargs)`: `*xs` and `**mapping` passed on to a method",
     forwarded_kwargs, (Forwarding(np.array([[0.3, -0.2], [0.1, 0.4]])),
                        np.array([0.5, -0.7])), 1),
    (CLASSES, "a container class's `__getitem__` and `__len__` (`params[i]`, `for W in "
     "params`), the container differentiated", container_getitem,
     (Params([np.array([[0.3, -0.2], [0.1, 0.4]])] * 2), np.array([0.5, -0.7])), 1),
    (CLASSES, "a method named like an array method (`dist.mean()`)", array_named_method,
     (Moments(0.4), np.array([0.5, -0.7])), 1),
    (CLASSES, "attributes set on an object built inside: `cell.h = np.tanh(W @ cell.h)` "
     "in a loop", attribute_state, (_m(), np.array([0.5, -0.7])), (0, 1)),
    (CLASSES, "a method setting attributes of `self` (`self.h = ...`) of an object built "
     "inside", method_sets_self, (_m(), np.array([0.5, -0.7])), (0, 1)),
    (CLASSES, "an attribute of an argument (or of `self` in its methods) set to a value "
     "being differentiated", attribute_set_on_argument,
     (_v(), Cell(np.eye(3), np.zeros(3))), 0),
    (CLASSES, "operators of user classes (`__add__`, `__mul__`, `__rmul__`, `__neg__`, "
     "`__getitem__`, ...)", operator_overloading, (0.5, -1.5), (0, 1)),
    (CLASSES, "a list on `self` grown after calls that receive `self` "
     "(`self.history.append(float(value))` after `value = self.loss(w)`)",
     history_after_calls, (Problem(np.array([[0.3, -0.2], [0.1, 0.4]])),
                           np.array([0.5, -0.7])), 1),
    (CLASSES, "values being differentiated passed through a method's `*args`, and "
     "`super().__init__(*args, **kwargs)`", values_through_star_args,
     (np.array([0.5, -0.7]), np.array([1.5, 0.3]), np.array([-0.4, 0.9])), (0, 1, 2)),
    (CLASSES, "attributes named like an array's (`b.size`, `b.T`) of an object built "
     "inside", array_named_attribute, (np.array([0.5, -0.7]),), 0),
    (CLASSES, "caches and counters in dicts on `self` (`self.cache[key] = v`, memoized "
     "methods) of an object built inside", cache_on_self, (_m(), np.array([0.5, -0.7])),
     (0, 1)),
    (CLASSES, "a container class built inside iterated through its `__iter__` (`return "
     "iter(...)`, `yield from`), `reversed`, `len`, `model[i]`", container_built_inside,
     (_m(), _m(), np.array([0.5, -0.7])), (0, 1, 2)),
    (CLASSES, "a container received as an argument, looped over through its `__iter__` "
     "(its items those of `__getitem__`)", container_received,
     (Layers(np.eye(2) * 0.5, np.ones((2, 2))), np.array([0.5, -0.7])), 1),
    (CLASSES, "operators of user-class objects received as arguments (`u * t + u`, "
     "reflected ones with a number on the left)", operators_of_arguments,
     (Dual(0.5, 1.0), 1.5), 1),
    (CLASSES, "counters, caches and records on a received object, made as `f` makes them "
     "(`self.nfev += 1`, `self.cache[key] = value`, `self.last_w = w.copy()`, none read "
     "back)", records_on_a_received_object,
     (Recorder(np.array([[0.3, -0.2], [0.1, 0.4]])), np.array([0.5, -0.7])), 1),
    (CLASSES, "caches and attributes on a received object filled and read back in the same "
     "call (`self.memo[key] = v` then `self.memo[key]`, `self.last = v; return self.last`), "
     "lazy caches (`if not hasattr(self, '_c'): self._c = {}`); a value cached by an "
     "earlier call is a constant of this one", cache_read_back_on_self,
     (MemoOnSelf(np.array([[0.3, -0.2], [0.1, 0.4]])), np.array([0.5, -0.7])), 1),
    (CLASSES, "an attribute a method sets on an object it receives, read by the caller after "
     "the call (`obj.step(x); obj.h`)", attribute_set_by_a_method_read_after,
     (Stepper(np.array([0.3, -0.2])), np.array([0.5, -0.7])), 1),
    (CLASSES, "fluent methods (`return self`): `Fit(w).step(x).step(x).total()`, a list "
     "grown on `self` by each call", fluent_methods,
     (np.array([0.5, -0.7]), np.array([1.5, 0.3])), (0, 1)),
    (CLASSES, "dataclasses with `field(default_factory=...)` and `__post_init__`, frozen "
     "dataclasses, built inside", dataclasses_that_compute,
     (_m(), np.array([0.5, -0.7])), (0, 1)),
    (CLASSES, "operators of an object the module holds (`AFFINITY * x`)",
     module_object_operator, (np.array([0.5, -0.7]),), 0),
    (CLASSES, "a method of an object the module holds (`SIGMOID.fun(x)`), to any order",
     module_object_method, (_v(),), 0),
    (CLASSES, "values a method keeps on `self` for later (`self.X.append(X)`, "
     "`self.derived['Z'].append(Z)`, `self.stats['mean'] = ...` under `if retain:`, after a "
     "lazy `if not self.ready: self._init()`), a function chosen by an attribute "
     "(`pool = np.max if self.mode == 'max' else np.mean`)", values_kept_on_self,
     (KeepingLayer(np.array([[0.3, -0.2], [0.1, 0.4]])), np.array([[0.5, -0.7]])), 1),
    (CLASSES, "a lazy initialization called for its effect before the object's reads "
     "(`if not self.ready: self._init_params(n)`)", lazy_initialization,
     (np.array([[0.5, -0.7], [0.2, 0.1]]), LazyLayer()), 0),
    (FUNCTIONS, "`import` inside a function that f calls", import_in_callee, (0.5,), 0),
    (FUNCTIONS, "`np.vectorize(fn)(x)`, `@np.vectorize` of a user function",
     vectorized_user_function, (_v(),), 0),
    (FUNCTIONS, "`np.apply_along_axis(fn, axis, x)` of a user function or lambda",
     apply_along_axis_user, (np.array([[0.5, -1.2, 0.8], [0.1, 0.3, -0.4]]),), 0),
    (OTHER, "`try` / `except`", try_except, (0.5,), 0),
    (OTHER, "`with`", with_statement, (0.5,), 0),
    (OTHER, "class definition", class_definition, (0.5,), 0),
    (OTHER, "`global`", global_statement, (0.5,), 0),
    (OTHER, "a generator function differentiated itself", generator_function, (0.5,), 0),
    (OTHER, "a generator consumed in f: `for v in gen(x)`, `sum(gen(x))`",
     generator_consumed, (0.5,), 0),
    (OTHER, "a comprehension over a generator: `[e for v in gen(x)]`, "
     "`sum(e for v in gen(x))`", comprehension_over_a_generator, (0.5,), 0),
    (OTHER, "a generator function defined by a `def` in f and consumed there",
     generator_defined_in_f, (0.5,), 0),
    (CLASSES, "a local name for a list an object holds, grown through either name "
     "(`As = self.derived['A']; if not As: As.append(...)`)", held_list_named_locally,
     (np.array([0.5, -0.7]), _Recurrent()), 0),
    (OTHER, "a generator function's values zipped or enumerated in a loop, tested by "
     "`any`/`all`, with `yield from` an iterable", generator_zipped_enumerated_and_tested,
     (0.5,), 0),
    (OTHER, "a generator anywhere among `zip`'s arguments, `yield from` another generator",
     generator_delegating_zipped_second, (0.5,), 0),
    (OTHER, "a `collections.deque` used as a queue (`append`, `appendleft`, `popleft`, "
     "`maxlen`, iteration)", deque_as_a_queue, (0.5,), 0),
    (OTHER, "`match` with values, alternatives, captures, guards", match_statement, (0.5, 3), 0),
    (OTHER, "`match` with sequence (`[a, *rest]`), mapping and class patterns",
     match_structure, (0.5, -1.5), (0, 1)),
    (OTHER, "`x.tolist()`", tolist_values, (_v(),), 0),
    (OTHER, "`del`", del_statement, (0.5,), 0),
    (OTHER, "starred assignment `a, *b = ...`", starred_assignment, (0.5,), 0),
    (OTHER, "calls made for their side effects (`print(x)`)", print_call, (0.5,), 0),
    (OTHER, "`warnings.warn`, `logging`, f-strings", warnings_and_logging, (0.5,), 0),
    (OTHER, "`np.fill_diagonal`, `np.copyto`, `out=` into arrays the function made",
     in_place_numpy_writes, (_v(),), 0),
    (OTHER, "`np.put(a, ind, v)`, `np.copyto(a[i], v)`, `a[i].fill(v)` into arrays the "
     "function made", in_place_writes_into_parts, (_v(),), 0),
    (OTHER, "`np.add.at(a, ind, v)`, `np.subtract.at` (scatter-adds) into arrays the function "
     "made", scatter_adds, (_v(),), 0),
    (OTHER, "a call made for its effect that receives an array (`rng.shuffle(b)`)",
     effect_call_on_an_array, (_v(),), 0),
    (OTHER, "`assert`", assert_statement, (0.5,), 0),
    (OTHER, "assignment expression `:=`", walrus, (0.8,), 0),
    (OTHER, "an argument check of the user's called for its effect (`check(p)`, an assert "
     "inside)", argument_check_call, (_v(), np.array([0.2, 0.3, 0.5])), 0),
    (NO_RULE, "a `math` function without a derivative rule", function_without_rule,
     (2.5,), 0),
    (NO_RULE, "a NumPy function without a derivative rule", numpy_function_without_rule,
     (np.array([[2.0, 0.5], [0.5, 1.0]]),), 0),
    (NO_RULE, "... called on constant data only",
     no_rule_on_constant_data, (0.5,), 0),
]
