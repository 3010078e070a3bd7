"""Functions with `*args` and `**kwargs`, star-unpacking at calls, and the functional
helpers and container methods real code uses; test_signatures.py checks their gradients
against finite differences. Nothing here imports pullback."""

from __future__ import annotations

import functools
import operator
from functools import partial
from operator import itemgetter

import numpy as np

# ------------------------------------------------------- *args / **kwargs in f itself


def objective_with_args(x, *args):
    """The benchmark-suite spelling: data arrives through *args."""
    a, b = args
    return np.sum(a * x ** 2) + b * np.sum(x)


def args_indexed_and_counted(x, *args):
    total = 0.0
    for i in range(len(args)):
        total = total + args[i] * x ** (i + 1)
    return total + np.sin(args[-1]) * len(args)


def args_looped(x, *args):
    total = x
    for a in args:
        total = total * a + np.cos(x)
    return total


def only_args(*args):
    return args[0] * args[1] ** 2 + np.exp(args[2])


def kwargs_read(x, **options):
    return np.sum(np.tanh(options["scale"] * x)) + options["shift"] ** 2


def kwargs_looped(x, **weights):
    total = 0.0
    for name in weights:
        total = total + weights[name] * np.sum(x ** 2)
    return total


def args_and_kwargs(x, *args, **kwargs):
    return np.sum(x * args[0]) * kwargs["c"] + args[1]


# --------------------------------------------------------------- *args in callees


def concat_and_multiply(w, *args):
    stacked = np.concatenate(args, axis=0)
    return w @ stacked


def callee_takes_args(x, y):
    return np.sum(concat_and_multiply(np.ones((2, 6)), x, y) ** 2)


def scaled_sum(scale, *terms):
    total = 0.0
    for t in terms:
        total = total + t
    return scale * total


def callee_args_mixed(x, y):
    return scaled_sum(x, 1.0, y, x * y) + scaled_sum(2.0)


def inner_objective(x, a, b):
    return np.sum(a * np.exp(x)) + b * np.sum(x ** 2)


def forwards_args(x, *args):
    return inner_objective(x, *args)


def forwards_some_args(*args):
    return inner_objective(args[0], *args[1:])


def symmetrize(a):
    return 0.5 * (a + a.T)


def frobenius_product(a, b):
    return np.sum((a @ b) ** 2)


def lambda_forwarding(a, b):
    g = lambda *args: frobenius_product(symmetrize(args[0]), *args[1:])  # noqa: E731
    return g(a, b)


forwarding_lambda = lambda *args: frobenius_product(symmetrize(args[0]), *args[1:])  # noqa


def inner_options(x, scale=1.0, *, power=2):
    return np.sum(scale * x ** power)


def forwards_kwargs(x, **kwargs):
    return inner_options(x, **kwargs)


def keywords_into_kwargs_callee(x):
    return gathered(x, a=x * 2.0, b=3.0)


def gathered(x, **parts):
    return x * parts["a"] + parts["b"] * x ** 2


def opts_dict_spread(x, y):
    opts = {"scale": y, "power": 3}
    return inner_options(x, **opts)


def star_list_call(x, y):
    values = [y, np.sum(x) * y]
    return inner_objective(x, *values)


def star_in_middle(x, y):
    rest = (y,)
    return inner_objective(x, *rest, x[0])


def nested_spreads(x, y):
    return scaled_sum(y, *[x[i] for i in range(3)], *(y, y))


# ------------------------------------------------------------------- zip(*rows)


def zip_star_unpacked(x, y):
    pairs = [(x, y), (y * x, 2.0), (np.sin(x), y ** 2)]
    firsts, seconds = zip(*pairs)
    return sum(firsts) * seconds[2] + firsts[1] * seconds[0]


def zip_star_looped(x, y):
    rows = [[x, y, x * y], [y, 1.0, x]]
    total = 0.0
    for u, v in zip(*rows):
        total = total + u * v ** 2
    return total


def zip_star_listed(x, y):
    columns = list(zip(*[[x, 2.0 * y], [x * y, y], [3.0, x]]))
    return columns[0][2] * columns[1][1] + sum(columns[1])


# ------------------------------------------------------------------- containers


def dict_get_with_defaults(x, y):
    d = {"a": x * y}
    d["b"] = np.sin(x)
    return d.get("a", 0.0) * d.get("b") + d.get("missing", y) ** 2


def dict_get_of_an_argument(params, x):
    scale = params.get("scale", 2.0)
    shift = params.get("shift", 0.5)
    return np.sum(scale * x ** 2) + shift * np.sum(x)


def dict_setdefault(x, y):
    d = {}
    first = d.setdefault("a", x * y)
    again = d.setdefault("a", 100.0)
    b = d.setdefault("b", y)
    return first * again + d["b"] * x * b


def dict_from_zip(x, y):
    names = ["u", "v", "w"]
    d = dict(zip(names, [x, y, x * y]))
    return d["u"] * d["w"] + d["v"]


def dict_from_keywords_and_copy(x, y):
    d = dict(a=x, b=y * 2.0)
    e = dict(d)
    e["a"] = e["a"] * e["b"]
    return e["a"] + d["a"] * 3.0


def dict_items_updated(x, y):
    d = dict(zip(["p", "q"], [x, y]))
    for k, v in d.items():
        d[k] = v * v + x
    return d["p"] * d["q"]


def min_max_of_many(x, y):
    lo = min(x, y, x * y, 2.0)
    hi = max(x * 0.5, y, -x, x + y)
    return lo * hi


def min_max_with_default(x, y):
    big = [v for v in [x, y] if v > 10.0]
    small = [v for v in [x, y, x * y] if v < 10.0]
    return min(big, default=x * y) + max(small, default=0.0) * y


def set_members_not_differentiated(x, y):
    kinds = {i % 3 for i in range(7)}
    seen = {1, 2}
    return x * len(kinds) + y * len(seen) * x


# ------------------------------------------------------------- functional helpers


def weighted_power(a, b, power=2):
    return a * b ** power


def partial_with_keywords(x, y):
    h = functools.partial(weighted_power, b=y, power=3)
    return h(x) + h(x * y, power=1)


def partial_positional_in_map(x, y):
    h = partial(weighted_power, x)
    return h(y) + sum(map(h, [x, y, 1.0]))


def partial_of_numpy(x):
    column_sums = partial(np.sum, axis=0)
    return np.sum(np.sin(column_sums(x ** 2)))


def partial_called_where_made(x, y):
    return functools.partial(weighted_power, y)(x) * partial(np.multiply, x)(y)


def partial_keeps_its_arguments(x, y):
    scale = x * y
    h = partial(weighted_power, scale)
    scale = 100.0
    return h(y) + scale * 0.0


def positive(v):
    return v > 0


def filtered_sums(x, y):
    kept = list(filter(lambda v: v > 0.0, [x, -1.0, x * y, -y]))
    return sum(kept) + sum(filter(positive, [y, -x])) + sum(filter(None, [x, 0.0]))


def getters(x, y):
    pairs = [(3.0, x), (1.0, x * y), (2.0, y)]
    ordered = sorted(pairs, key=operator.itemgetter(0))
    second = itemgetter(1)
    both = itemgetter(0, 1)
    a, b = both(ordered[1])
    return second(ordered[0]) * second(ordered[2]) + a * b + max(pairs, key=second)[1]


def operator_functions(x, y):
    return operator.mul(x, y) + operator.truediv(operator.add(x, 1.0), y) - operator.neg(x)


# ----------------------------------------------------- function-valued defaults


def squared(v):
    return v * v


def reduce_with_defaults(x, y, _reduce=np.sum, act=squared, power=2):
    return _reduce(act(x * y) ** power) + _reduce(np.tanh(x))


def passes_other_functions(x, y):
    return reduce_with_defaults(x, y, np.mean, np.sin)
