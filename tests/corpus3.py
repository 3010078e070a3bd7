"""Issue-3 corpus: models, losses and dynamic programs written the way people write them.

Exercises calls to user functions (this module and ``helpers_pkg.layers``),
recursion, nested defs, lambdas and closures, functions passed as arguments,
array methods, containers and builtins, dicts/lists/tuples as inputs, and the
NumPy/SciPy rule table. Every case is a real module-level ``def`` registered with
``add(fn, make_args, wrt=...)`` right after it:

* ``make_args(rng)`` draws one argument tuple from a numerically tame domain
  (positive where there is a log or sqrt, away from kinks, ties and branch
  thresholds); ``sample_points`` calls it with a generator seeded by the name;
* ``wrt`` is what ``pullback.grad`` differentiates with respect to.

Functions pullback refuses with a clear ``PullbackError`` ("not supported yet")
are registered with ``refuse(fn, make_args, wrt, error, match)`` instead and
collected in ``REFUSED``, each with the exception class name and a fragment of
the message it is expected to raise.
Nothing in this file imports pullback.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from helpers_pkg import layers
from helpers_pkg.layers import logsumexp as lse_helper

try:
    import scipy.special as sps

    HAVE_SCIPY = True
except ImportError:  # pragma: no cover - scipy is optional
    sps = None
    HAVE_SCIPY = False


@dataclass
class Case:
    fn: Callable
    make_args: Callable[[np.random.Generator], tuple]
    wrt: Any = 0
    kwargs: dict | None = None
    rtol: float = 1e-5
    atol: float = 1e-6
    scipy: bool = False

    @property
    def name(self) -> str:
        return self.fn.__name__

    @property
    def kw(self) -> dict:
        return dict(self.kwargs or {})


@dataclass
class Refusal:
    """A function pullback does not support yet: grad must raise `error` matching `match`."""

    fn: Callable
    make_args: Callable[[np.random.Generator], tuple]
    wrt: Any
    error: str  # name of the pullback exception class
    match: str

    @property
    def name(self) -> str:
        return self.fn.__name__


CASES: list[Case] = []
REFUSED: list[Refusal] = []


def add(fn, make_args, wrt=0, **options):
    CASES.append(Case(fn, make_args, wrt, **options))


def refuse(fn, make_args, wrt, error, match):
    REFUSED.append(Refusal(fn, make_args, wrt, error, match))


def case_rng(name: str, stream: int = 0) -> np.random.Generator:
    return np.random.default_rng([zlib.crc32(name.encode()), stream])


def sample_points(case, n: int = 3, stream: int = 0) -> list[tuple]:
    """`n` argument tuples for `case` (a Case or a Refusal), the same on every run."""
    rng = case_rng(case.name, stream)
    return [tuple(case.make_args(rng)) for _ in range(n)]


# ------------------------------------------------------------ samplers (not cases)


def _u(rng, lo, hi, shape=None):
    """Uniform on [lo, hi): a Python float, or a float64 array of `shape`."""
    if shape is None:
        return float(rng.uniform(lo, hi))
    return rng.uniform(lo, hi, size=shape)


def _s(rng, lo, hi, shape=None):
    """Magnitude uniform on [lo, hi], random sign: away from zero."""
    if shape is None:
        return float(rng.uniform(lo, hi) * rng.choice([-1.0, 1.0]))
    return rng.uniform(lo, hi, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def _n(rng, shape, scale=1.0):
    return rng.normal(0.0, scale, size=shape)


def _distinct(rng, shape, lo=-2.0, hi=2.0):
    """Values whose pairwise gaps are at least half the grid spacing (hi - lo) / size."""
    size = int(np.prod(shape))
    step = (hi - lo) / size
    values = lo + (rng.permutation(size) + rng.uniform(0.25, 0.75, size=size)) * step
    return values.reshape(shape)


def _spd(rng, n):
    b = rng.normal(0.0, 0.5, size=(n, n))
    return b @ b.T + n * np.eye(n) * 0.5


def _dict(rng, shapes, scale=0.5):
    return {k: _n(rng, s, scale) for k, s in shapes.items()}


# ----------------------------------------------------------- module-level data

W4 = np.array([0.5, -1.0, 2.0, 0.25])
COLW = np.array([1.0, -0.5, 0.75])
RAMP5 = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
IDX = np.array([0, 3, 3, 1])
MASK6 = np.array([True, False, True, True, False, True])
AVG_W = np.array([0.2, 0.5, 1.5, 0.8])
TARGET_P = np.array([0.1, 0.2, 0.3, 0.4])


# ====================================================================== helpers
# Ordinary functions called by the cases (not cases themselves).


def sq(t):
    return t * t


def cube(t):
    return t * t * t


def affine(x, a=2.0, b=0.5):
    return a * x + b


def poly2(x, c0, c1, c2):
    return c0 + c1 * x + c2 * x * x


def sigmoid(t):
    return 1.0 / (1.0 + np.exp(-t))


def softplus(t):
    return np.log1p(np.exp(t))


def lse(v):
    m = np.max(v)
    return m + np.log(np.sum(np.exp(v - m)))


def lse_axis(A, axis):
    m = np.max(A, axis=axis, keepdims=True)
    return np.log(np.sum(np.exp(A - m), axis=axis)) + np.squeeze(m, axis=axis)


def mse(pred, target):
    return np.mean((pred - target) ** 2)


def layer(W, b, x, act=np.tanh):
    return act(W @ x + b)


def apply(fn, x):
    return fn(x)


def apply_twice(fn, x):
    return fn(fn(x))


def compose(f, g, x):
    return f(g(x))


def map_sum(fn, values):
    total = 0.0
    for v in values:
        total = total + fn(v)
    return total


def moments(v):
    m = np.mean(v)
    return m, np.mean((v - m) ** 2)


def split_pair(x):
    return 2.0 * x, x * x


def horner_step(acc, x, c):
    return acc * x + c


def horner(coeffs, x):
    acc = 0.0
    for c in coeffs:
        acc = horner_step(acc, x, c)
    return acc


def p(x, n):
    return 1.0 if n == 0 else x * p(x, n - 1) + 1.0


def power_rec(x, n):
    if n == 0:
        return 1.0
    return x * power_rec(x, n - 1)


def fast_pow(x, n):
    if n == 0:
        return 1.0
    if n % 2 == 0:
        half = fast_pow(x, n // 2)
        return half * half
    return x * fast_pow(x, n - 1)


def fib_like(x, n):
    if n <= 1:
        return x
    return fib_like(x, n - 1) + 0.5 * math.sin(fib_like(x, n - 2))


def ping(x, n):
    return math.cos(x) if n == 0 else pong(x * 0.9 + 0.1, n - 1)


def pong(x, n):
    return x * x if n == 0 else ping(math.sin(x) + x, n - 1)


def tree_sum(v, lo, hi):
    if hi - lo == 1:
        return v[lo] * v[lo]
    mid = (lo + hi) // 2
    return tree_sum(v, lo, mid) + 0.5 * tree_sum(v, mid, hi)


def deep_tanh(W, h, n):
    if n == 0:
        return h
    return deep_tanh(W, np.tanh(W @ h), n - 1)


def decay(x, n, rate=0.5):
    if n == 0:
        return x
    return decay(x * rate + math.sin(x), n - 1, rate=rate)


def running(x, n):
    if n == 0:
        return x, 1.0
    a, b = running(x, n - 1)
    return a * x + b, b + 0.1 * a


def list_sum_sq(vals, i):
    if i == len(vals):
        return 0.0
    return vals[i] * vals[i] + list_sum_sq(vals, i + 1)


def scaled_sum(v, *, scale=1.0, power=2):
    return scale * np.sum(v**power)


def smooth_step(t):
    if t > 0.0:
        return math.log(1.0 + t)
    return t - 0.5 * t * t


def leaky(t, slope=0.1):
    return t if t > 0.0 else slope * t


def h_inner(x):
    return sq(affine(x, a=0.5))


def h_outer(x):
    return h_inner(x) + h_inner(2.0 * x) * cube(x)


def two_layer(W1, W2, x):
    return lse_helper(W2 @ layers.dense(W1, x))


def rnn_step(W, U, h, x):
    return np.tanh(W @ h + U @ x)


def lstm_cell(params, h, c, x):
    z = params["W"] @ np.concatenate([h, x]) + params["b"]
    n = h.shape[0]
    i = sigmoid(z[:n])
    f = sigmoid(z[n : 2 * n])
    o = sigmoid(z[2 * n : 3 * n])
    g = np.tanh(z[3 * n :])
    c_new = f * c + i * g
    return o * np.tanh(c_new), c_new


def softmin3(a, b, c, gamma):
    return -gamma * lse(np.array([-a / gamma, -b / gamma, -c / gamma]))


def gaussian_pdf_log(x, mu, log_sigma):
    z = (x - mu) * np.exp(-log_sigma)
    return -0.5 * z * z - log_sigma - 0.5 * math.log(2.0 * math.pi)


def drift(theta, x):
    return theta[0] * np.tanh(x) - theta[1] * x + theta[2] * np.sin(x[::-1])


def integrand(t, a, b):
    return math.exp(-a * t * t) * math.cos(b * t)


def huber(r, delta=1.0):
    if abs(r) < delta:
        return 0.5 * r * r
    return delta * (abs(r) - 0.5 * delta)


def attention_head(Wq, Wk, Wv, X):
    Q = X @ Wq
    K = X @ Wk
    V = X @ Wv
    S = Q @ K.T / np.sqrt(Q.shape[1])
    S = S - S.max(axis=1, keepdims=True)
    P = np.exp(S)
    P = P / P.sum(axis=1, keepdims=True)
    return P @ V


# ======================================================================= calls


def calls_keywords_defaults(x, y):
    return affine(x) + affine(x, a=y) + affine(y, b=x) + affine(b=x * y, x=y, a=3.0)


add(calls_keywords_defaults, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def calls_literal_arguments(x):
    return poly2(x, 1.0, -2.0, 0.5) + poly2(2.0, x, x * x, 1.0) + poly2(-1.5, 0.0, 1.0, x)


add(calls_literal_arguments, lambda r: (_u(r, -1.5, 1.5),))


def calls_nested_keyword(x, y):
    return affine(sq(x), a=cube(y), b=math.sin(x))


add(calls_nested_keyword, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def calls_helper_chain(x, y):
    return h_outer(x) * y + h_inner(y)


add(calls_helper_chain, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def calls_positional_and_keyword_mix(x, y):
    return poly2(x, c2=y, c1=sq(y), c0=1.0) * affine(b=y, x=x)


add(calls_positional_and_keyword_mix, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=("x", "y"))


def calls_recursion_p(x):
    return p(x, 6)


add(calls_recursion_p, lambda r: (_u(r, -1.2, 1.2),))


def calls_recursion_powers(x):
    return power_rec(x, 5) + fast_pow(x, 7) - fast_pow(x, 4)


add(calls_recursion_powers, lambda r: (_u(r, -1.3, 1.3),))


def calls_recursion_fib(x):
    return fib_like(x, 6)


add(calls_recursion_fib, lambda r: (_u(r, -1, 1),))


def calls_mutual_recursion(x):
    return ping(x, 6) + pong(x, 3)


add(calls_mutual_recursion, lambda r: (_u(r, -1, 1),))


def calls_recursion_over_array(v):
    return tree_sum(v, 0, v.shape[0])


add(calls_recursion_over_array, lambda r: (_n(r, 7),))


def calls_recursion_with_array_state(W, x):
    return np.sum(deep_tanh(W, x, 4) ** 2)


add(calls_recursion_with_array_state, lambda r: (_n(r, (3, 3), 0.7), _n(r, 3)), wrt=(0, 1))


def calls_recursion_keyword(x):
    return decay(x, 5, rate=0.7) + decay(x, 2)


add(calls_recursion_keyword, lambda r: (_u(r, -1, 1),))


def calls_recursion_tuple(x):
    a, b = running(x, 4)
    return a * b


add(calls_recursion_tuple, lambda r: (_u(r, -1, 1),))


def calls_recursion_over_list(x, y):
    return list_sum_sq([x, y, x * y, math.sin(x)], 0)


add(calls_recursion_over_list, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def calls_helper_in_loop(x, w):
    total = 0.0
    for i in range(w.shape[0]):
        total = total + w[i] * sq(x - 0.3 * i)
    return total


add(calls_helper_in_loop, lambda r: (_u(r, -1, 1), _n(r, 5)), wrt=(0, 1))


def calls_helper_in_branch(v):
    total = 0.0
    for t in v:
        if t > 0.0:
            total = total + smooth_step(t)
        else:
            total = total + leaky(t, slope=0.3) * smooth_step(t)
    return total


add(calls_helper_in_branch, lambda r: (_s(r, 0.1, 1.5, 6),))


def calls_tuple_result(v):
    m, s = moments(v)
    return m * m + s


add(calls_tuple_result, lambda r: (_n(r, 5),))


def calls_tuple_in_loop(x):
    a, b = x, 0.0
    for _ in range(3):
        u, w = split_pair(a * 0.5)
        a, b = u + b * 0.1, b + w
    return a + b


add(calls_tuple_in_loop, lambda r: (_u(r, -1, 1),))


def calls_imported_dense(W, x):
    return np.sum(layers.dense(W, x) ** 2)


add(calls_imported_dense, lambda r: (_n(r, (4, 3)), _n(r, 3)), wrt=(0, 1))


def calls_imported_logsumexp(W, x):
    return lse_helper(W @ x)


add(calls_imported_logsumexp, lambda r: (_n(r, (4, 3)), _n(r, 3)), wrt=(0, 1))


def calls_imported_nested(W1, W2, x):
    return lse_helper(layers.dense(W2, layers.dense(W1, x)))


add(calls_imported_nested, lambda r: (_n(r, (4, 3)), _n(r, (2, 4)), _n(r, 3)), wrt=(0, 1, 2))


def calls_helper_calls_imported(W1, W2, x):
    return two_layer(W1, W2, x) * layers.SCALE


add(calls_helper_calls_imported, lambda r: (_n(r, (4, 3)), _n(r, (3, 4)), _n(r, 3)),
    wrt=("W1", "W2"))


def calls_keyword_only(v, y):
    return scaled_sum(v, scale=y) + scaled_sum(v, power=3, scale=0.5) + scaled_sum(v * y)


add(calls_keyword_only, lambda r: (_n(r, 4), _u(r, 0.5, 1.5)), wrt=(0, 1))


def calls_same_helper_float_and_array(x, v):
    return sq(x) + np.sum(sq(v)) * cube(x)


add(calls_same_helper_float_and_array, lambda r: (_u(r, -1, 1), _n(r, 3)), wrt=(0, 1))


def calls_horner_helper(c, x):
    return horner(c, x) + horner(c[::-1], 0.5 * x)


add(calls_horner_helper, lambda r: (_n(r, 5), _u(r, -1, 1)), wrt=(0, 1))


def calls_in_while(x):
    t = x
    n = 0
    while n < 4:
        t = smooth_step(t) + 0.5
        n = n + 1
    return t


add(calls_in_while, lambda r: (_u(r, 0.2, 2.0),))


def calls_keyword_result_of_call(W, b, x, y):
    return mse(pred=layer(W, b, x, act=np.tanh), target=y)


add(calls_keyword_result_of_call,
    lambda r: (_n(r, (3, 4)), _n(r, 3), _n(r, 4), _n(r, 3)), wrt=(0, 1, 2))


def calls_helper_as_condition(x, y):
    if sq(x) > 1.0:
        return x * y + cube(y)
    return sq(y) * x


add(calls_helper_as_condition, lambda r: (_s(r, 0.3, 0.8) if r.uniform() < 0.5
                                          else _s(r, 1.2, 1.6), _u(r, -1, 1)), wrt=(0, 1))


def calls_helper_result_indexed(v):
    pair = moments(v)
    return pair[0] * 2.0 + pair[1] * pair[0]


add(calls_helper_result_indexed, lambda r: (_n(r, 5),))


# ===================================================== closures and lambdas


def closure_reads_args(x, w):
    def g(t):
        return t * w + x

    return g(x) * g(w)


add(closure_reads_args, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def closure_in_loop(x):
    scale = x

    def step(h):
        return math.tanh(h * scale) + 0.1

    h = 0.5
    for _ in range(4):
        h = step(h)
    return h


add(closure_in_loop, lambda r: (_u(r, -1.5, 1.5),))


def closure_lambda_array(x, y):
    act = lambda t: np.tanh(t * y)
    return np.sum(act(x) ** 2)


add(closure_lambda_array, lambda r: (_n(r, 4), _u(r, 0.3, 1.5)), wrt=(0, 1))


def closure_lambda_generator(x):
    g = lambda k: x**k / (k + 1.0)
    return sum(g(k) for k in range(4))


add(closure_lambda_generator, lambda r: (_u(r, -1.2, 1.2),))


def closure_calls_module_helper(x, y):
    def inner(t):
        return sq(t) + x * y

    return inner(x) + inner(cube(y))


add(closure_calls_module_helper, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def closure_default_args(x, w):
    def inner(t, k=2.0, shift=0.5):
        return k * t + shift * w

    return inner(x) * inner(w, k=x) + inner(x, shift=x)


add(closure_default_args, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def closure_over_matrix(W, x):
    def apply_layer(h):
        return np.tanh(W @ h)

    return np.sum(apply_layer(apply_layer(x)))


add(closure_over_matrix, lambda r: (_n(r, (3, 3)), _n(r, 3)), wrt=(0, 1))


def closure_returns_tuple(x, y):
    def polar(a, b):
        return math.hypot(a, b), math.atan2(b, a)

    radius, angle = polar(x, y)
    return radius * math.cos(angle) + radius * radius + angle


add(closure_returns_tuple, lambda r: (_u(r, 0.3, 1.5), _u(r, -1, 1)), wrt=(0, 1))


def closure_two_levels(x):
    def outer(t):
        def inner(u):
            return u * x + t

        return inner(t) * inner(1.0)

    return outer(x) + outer(2.0)


add(closure_two_levels, lambda r: (_u(r, -1, 1),))


def closure_sees_updates(x):
    scale = x

    def scaled(t):
        return t * scale

    a = scaled(2.0)
    scale = math.exp(x)
    return a + scaled(x)


add(closure_sees_updates, lambda r: (_u(r, -1, 1),))


def closure_lambda_to_module_apply(x, y):
    return apply(lambda t: t * x + y, y) + apply_twice(lambda t: t * t, x)


add(closure_lambda_to_module_apply, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def closure_def_to_module_apply(v, w):
    def weighted(t):
        return np.sum(t * w)

    return apply(weighted, v) * apply(np.sum, v * v)


add(closure_def_to_module_apply, lambda r: (_n(r, 4), _n(r, 4)), wrt=(0, 1))


# Nested functions passed to module-level functions: the callee's body is inlined at the
# call, so calls through its parameter reach the nested function.


def scaled_apply(f, x):
    return f(x) * 2.0


def fold(step, h, xs):
    for x in xs:
        h = step(h, x)
    return h


def closure_lambda_captures_weights(w, x):
    return np.sum(scaled_apply(lambda t: np.tanh(t * w), x))


add(closure_lambda_captures_weights, lambda r: (_n(r, 4), _n(r, 4)), wrt=(0, 1))


def closure_rnn_fold(W, h0, xs):
    def step(h, x):
        return np.tanh(W @ h + x)

    return np.sum(fold(step, h0, xs))


add(closure_rnn_fold, lambda r: (_n(r, (3, 3), 0.6), _n(r, 3), [_n(r, 3) for _ in range(4)]),
    wrt=(0, 1, 2))


def sum_until(f, xs, stop):
    total = 0.0
    for i, x in enumerate(xs):
        if i == stop:
            return total  # an early return from inside the loop
        total = total + f(x)
    return total * 0.5


def closure_callee_loop_early_return(w, xs):
    return sum_until(lambda t: t * t * w, xs, 3) + sum_until(lambda t: t * w, xs, 9)


add(closure_callee_loop_early_return, lambda r: (_u(r, -1, 1), _n(r, 5)), wrt=(0, 1))


def apply_kw(f, x, *, scale=2.0, shift=0.0):
    return scale * f(x) + shift


def closure_passed_by_keyword(v, w):
    a = apply_kw(x=v, f=lambda t: np.sum(t * w))
    b = apply_kw(lambda t: np.sum(np.sin(t)), w, shift=a, scale=v[0])
    return a * b


add(closure_passed_by_keyword, lambda r: (_n(r, 3), _n(r, 3)), wrt=(0, 1))


def closure_passed_twice(x, y):
    bump = lambda t: t * y + math.sin(t)  # noqa: E731
    return compose(bump, bump, x) + apply_twice(bump, y)


add(closure_passed_twice, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def apply_both_ways(f, x):
    return apply_twice(f, x) - scaled_apply(f, x * x)


def closure_passed_on_two_levels(x, y):
    def g(t):
        return math.tanh(t * y) + t

    return apply_both_ways(g, x) * apply_both_ways(lambda t: t * x, y)


add(closure_passed_on_two_levels, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def closure_lambda_defaults_to_module(x, w):
    power = lambda t, k=w * w, c=1.5: c * t**2 + k * t  # noqa: E731
    return map_sum(power, [x, w, x * w]) + apply(power, x)


add(closure_lambda_defaults_to_module, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def closure_explicit_args_through_callee(values, w):
    return map_sum(lambda v: v * v * w, values) + map_sum(lambda v: math.exp(v), values)


add(closure_explicit_args_through_callee, lambda r: ([_u(r, -1, 1) for _ in range(4)],
                                                     _u(r, -1, 1)), wrt=(0, 1))


def layer_through(f, W, x, act=np.tanh):
    return act(f(W @ x))


def closure_with_module_function_argument(W, x, b):
    first = layer_through(lambda z: z + b, W, x)
    return np.sum(layer_through(lambda z: z * b, W, first, act=np.sin))


add(closure_with_module_function_argument, lambda r: (_n(r, (3, 3), 0.6), _n(r, 3), _n(r, 3)),
    wrt=(0, 1, 2))


def closure_to_other_module(W, h0, xs):
    def step(h, x):
        return np.tanh(W @ h) + x

    return np.sum(layers.leaky_scan(step, h0, xs) ** 2)


add(closure_to_other_module, lambda r: (_n(r, (3, 3), 0.6), _n(r, 3), _n(r, (4, 3))),
    wrt=(0, 1, 2))


def smallest_by(f, xs):
    return min(xs, key=f)


def closure_key_inside_callee(v, w):
    best = smallest_by(lambda t: (t - w) ** 2, v)
    return best * w


add(closure_key_inside_callee, lambda r: (_distinct(r, 5), _u(r, -1, 1)), wrt=(0, 1))


def closure_to_nested_function(x, w):
    def twice(f, t):
        return f(f(t))

    return twice(lambda u: u * w + x, x) + twice(np.sin, w)


add(closure_to_nested_function, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def closure_param_reassigned(x, w):
    def clip_up(t):
        if t < 0.0:
            t = t * 0.1
        return t * w

    return clip_up(x) + clip_up(w)


add(closure_param_reassigned, lambda r: (_s(r, 0.2, 1.0), _s(r, 0.2, 1.0)), wrt=(0, 1))


def closure_array_method_on_parameter(v, w):
    def spread(t):
        return (t * w).sum() + t.max()

    return spread(v) + fold(lambda h, x: h * x.mean(), 1.0, [v, w])


add(closure_array_method_on_parameter, lambda r: (_distinct(r, 4), _n(r, 4)), wrt=(0, 1))


def closure_over_dict(params, x):
    def lin(h):
        return params["W"] @ h + params["b"]

    return np.sum(np.tanh(lin(x)) ** 2)


add(closure_over_dict, lambda r: (_dict(r, {"W": (3, 3), "b": 3}, 0.8), _n(r, 3)),
    wrt=("params", "x"))


def closure_recursive_nested(x):
    def inner(t, n):
        return t if n == 0 else inner(t * x + 0.1, n - 1)

    return inner(x, 4)


refuse(closure_recursive_nested, lambda r: (_u(r, -1, 1),), 0,
       'UnsupportedSyntaxError', 'recursive nested function')


def closure_lambda_redefined_in_loop(xs, w):
    total = 0.0
    for i in range(3):
        f = lambda t: t * w[i] + sq(t)  # noqa: B023 (called in the same iteration)
        total = total + f(xs[i])
    return total


add(closure_lambda_redefined_in_loop, lambda r: (_n(r, 3), _n(r, 3)), wrt=(0, 1))


def closure_logistic_loss(w, X, y):
    def predict(xi):
        return sigmoid(w @ xi)

    loss = 0.0
    for i in range(X.shape[0]):
        p_i = predict(X[i])
        loss = loss - (y[i] * np.log(p_i) + (1.0 - y[i]) * np.log(1.0 - p_i))
    return loss


add(closure_logistic_loss,
    lambda r: (_n(r, 3, 0.5), _n(r, (5, 3)), (r.uniform(size=5) < 0.5).astype(float)))


def closure_accumulator(x, v):
    def update(acc, t):
        return 0.9 * acc + t * x

    acc = 0.0
    for t in v:
        acc = update(acc, t)
    return acc * acc


add(closure_accumulator, lambda r: (_u(r, -1, 1), _n(r, 5)), wrt=(0, 1))


def closure_nested_lambda_keyword(x, y):
    scale = lambda t, k=3.0: k * t * y
    return scale(x) + scale(x, k=y) + scale(k=x, t=y)


add(closure_nested_lambda_keyword, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


# ========================================= functions passed as arguments


def fnarg_np_tanh(x):
    return np.sum(apply(np.tanh, x) * x)


add(fnarg_np_tanh, lambda r: (_n(r, 5),))


def fnarg_module_function(x, y):
    return apply(sq, x) + apply(cube, y) * apply(sigmoid, x)


add(fnarg_module_function, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def fnarg_compose_numpy(x):
    return np.sum(compose(np.exp, np.sin, x))


add(fnarg_compose_numpy, lambda r: (_n(r, 4),))


def fnarg_compose_mixed(x):
    return np.sum(compose(np.log1p, sq, x)) + np.sum(compose(softplus, np.cos, x))


add(fnarg_compose_mixed, lambda r: (_n(r, 4),))


def fnarg_layer_default(W, b, x):
    return np.sum(layer(W, b, x) ** 2)


# layer is small: inlined, its default act=np.tanh is known where it is called
add(fnarg_layer_default, lambda r: (_n(r, (3, 4)), _n(r, 3), _n(r, 4)), wrt=(0, 1, 2))


def fnarg_layer_numpy_activation(W, b, x):
    return np.sum(layer(W, b, x, act=np.sin)) + np.sum(layer(W, b, x, act=np.exp))


add(fnarg_layer_numpy_activation, lambda r: (_n(r, (3, 4), 0.5), _n(r, 3), _n(r, 4)),
    wrt=(0, 1, 2))


def fnarg_layer_module_activation(W, b, x):
    h = layer(W, b, x, act=sigmoid)
    return np.sum(layer(W.T, x, h, act=softplus))


add(fnarg_layer_module_activation, lambda r: (_n(r, (3, 3)), _n(r, 3), _n(r, 3)),
    wrt=(0, 1, 2))


def fnarg_math_function(x):
    return apply(math.sin, x) * apply_twice(math.exp, x * 0.3)


add(fnarg_math_function, lambda r: (_u(r, -1, 1),))


def fnarg_apply_twice_numpy(x):
    return np.sum(apply_twice(np.sin, x) * apply_twice(np.tanh, x))


add(fnarg_apply_twice_numpy, lambda r: (_n(r, 4),))


def fnarg_reduction(v):
    return apply(np.sum, v * v) + apply(np.max, v) * apply(np.mean, v)


add(fnarg_reduction, lambda r: (_distinct(r, 5),))


def fnarg_map_over_list(x, y):
    return map_sum(math.sin, [x, y, x * y]) + map_sum(sq, [x, y])


add(fnarg_map_over_list, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def fnarg_stacked_layers(W1, W2, x):
    h = layer(W1, 0.0, x, act=np.tanh)
    h = layer(W2, 0.0, h, act=sigmoid)
    return np.sum(h * h)


add(fnarg_stacked_layers, lambda r: (_n(r, (4, 3)), _n(r, (2, 4)), _n(r, 3)), wrt=(0, 1, 2))


def fnarg_scipy(x):
    return np.sum(apply(sps.expit, x) * apply(sps.erf, x))


add(fnarg_scipy, lambda r: (_n(r, 4),), scipy=True)


def fnarg_nested_apply(W, x):
    return np.sum(apply(np.tanh, apply(np.sin, W @ x)))


add(fnarg_nested_apply, lambda r: (_n(r, (3, 3)), _n(r, 3)), wrt=(0, 1))


# ============================================================ array methods


def method_T_and_sum(A, x):
    return (A.T @ x).sum() * x.sum() + (A.T**2).sum()


add(method_T_and_sum, lambda r: (_n(r, (3, 4)), _n(r, 3)), wrt=(0, 1))


def method_mean_axes(A):
    return A.mean() + (A.mean(axis=0) ** 2).sum() + (A.mean(axis=1, keepdims=True) ** 3).sum()


add(method_mean_axes, lambda r: (_n(r, (3, 4)),))


def method_max_min(v):
    return v.max() - 2.0 * v.min() + v.max() * v.min()


add(method_max_min, lambda r: (_distinct(r, 6),))


def method_max_min_axis(A):
    return A.max(axis=1).sum() + (A.min(axis=0) ** 2).sum() + A.max(axis=0, keepdims=True).mean()


add(method_max_min_axis, lambda r: (_distinct(r, (3, 4)),))


def method_prod(v):
    return v.prod() + (v * v).prod() ** 0.5


add(method_prod, lambda r: (_u(r, 0.5, 1.5, 5),))


def method_prod_axis(A):
    return A.prod(axis=0).sum() + A.prod(axis=1, keepdims=True).mean()


add(method_prod_axis, lambda r: (_u(r, 0.5, 1.5, (3, 4)),))


def method_dot_chain(A, x, y):
    return A.dot(x).dot(y) + x.dot(A.T).dot(x) * y.dot(y)


add(method_dot_chain, lambda r: (_n(r, (3, 3)), _n(r, 3), _n(r, 3)), wrt=(0, 1, 2))


def method_reshape(v):
    M = v.reshape(2, 3)
    N = v.reshape((3, 2))
    return (M @ N).sum() + (v.reshape(-1, 1).T ** 2).sum()


add(method_reshape, lambda r: (_n(r, 6),))


def method_reshape_from_shape(A, v):
    return (A * v.reshape(A.shape)).sum() + (v.reshape(A.shape[1], -1) ** 2).mean()


add(method_reshape_from_shape, lambda r: (_n(r, (2, 3)), _n(r, 6)), wrt=(0, 1))


def method_transpose(T):
    return (T.transpose(1, 0, 2) * T.transpose((1, 0, 2)) ** 2).sum() + (
        T.transpose() * T.transpose(2, 1, 0) ** 2
    ).sum()


add(method_transpose, lambda r: (_n(r, (2, 3, 4)),))


def method_ravel_flatten(A):
    return (A.ravel() * np.arange(A.size)).sum() + (A.flatten() ** 3).sum()


add(method_ravel_flatten, lambda r: (_n(r, (2, 3)),))


def method_copy_then_write(v):
    y = v.copy()
    y[0] = y[0] * 3.0
    y[-1] = y[1] + y[-1]
    return (y * y).sum() + (v * y).sum()


add(method_copy_then_write, lambda r: (_n(r, 4),))  # v.copy() is a new array: writable


def method_astype(v):
    return (v.astype(float) * v).sum() + v.astype(np.float64).max()


add(method_astype, lambda r: (_distinct(r, 5),))


def method_clip(v):
    return (v.clip(-1.0, 1.0) ** 2).sum() + (v.clip(0.0, None) * v).sum()


def _clip_points(rng):
    pieces = [(-2.0, -1.2), (-0.8, -0.2), (0.2, 0.8), (1.2, 2.0)]
    return (np.array([rng.uniform(*pieces[rng.integers(4)]) for _ in range(8)]),)


add(method_clip, _clip_points)


def method_squeeze(v):
    M = v.reshape(1, 3, 1)
    return (M.squeeze() ** 2).sum() + M.squeeze(axis=0).sum() * M.squeeze(2).mean()


add(method_squeeze, lambda r: (_n(r, 3),))


def method_cumsum(A):
    return (A.cumsum() ** 2).sum() + (A.cumsum(axis=1) * A).sum() + A.cumsum(axis=0)[-1].sum()


add(method_cumsum, lambda r: (_n(r, (3, 4)),))


def method_shape_bookkeeping(A, v):
    n, m = A.shape
    scale = 1.0 / (A.size + v.ndim)
    total = 0.0
    for i in range(n):
        total = total + (A[i] * v[: m]).sum() * (i + 1)
    return total * scale + v.shape[0] * v.sum()


add(method_shape_bookkeeping, lambda r: (_n(r, (3, 4)), _n(r, 5)), wrt=(0, 1))


def method_dtype_bookkeeping(v):
    if v.dtype == np.float64:
        return (v**2).sum()
    return v.sum()


add(method_dtype_bookkeeping, lambda r: (_n(r, 4),))


def method_chain(A, x):
    return (A.T.dot(x).reshape(2, 2).T.ravel().cumsum() ** 2).sum()


add(method_chain, lambda r: (_n(r, (3, 4)), _n(r, 3)), wrt=(0, 1))


def method_keepdims_center(A):
    C = A - A.mean(axis=1, keepdims=True)
    return (C**2).sum() / A.shape[1] + (C * A).max()


add(method_keepdims_center, lambda r: (_distinct(r, (3, 4)),))


def method_sum_axis_tuple(T):
    return (T.sum(axis=(0, 2)) ** 2).sum() + T.sum(axis=-1).max()


add(method_sum_axis_tuple, lambda r: (_distinct(r, (2, 3, 4)),))


def method_normalize_by_max(A):
    return (A / A.max(axis=0, keepdims=True)).sum() + (A.min(axis=1) * A.sum(axis=1)).sum()


add(method_normalize_by_max, lambda r: (_distinct(r, (3, 4), 0.5, 2.0),))


def method_on_expression(A, x):
    return ((A @ x) * 2.0 + 1.0).max() + (x - x.mean()).dot(x) + (A * A).sum(axis=0).min()


add(method_on_expression, lambda r: (_distinct(r, (3, 4)), _n(r, 4)), wrt=(0, 1))


def method_cumsum_then_max(v):
    return v.cumsum().max() + (v.cumsum() * v).min()


add(method_cumsum_then_max, lambda r: (_u(r, 0.2, 1.0, 5),))


def method_scalar_index_then_method(A):
    return A[0].dot(A[1]) + A[:, 1].sum() * A[-1].mean() + A[1:, :2].T.sum(axis=0).prod()


add(method_scalar_index_then_method, lambda r: (_n(r, (3, 4)),))


def method_astype_reshape_copy(v):
    M = v.astype(float).reshape(2, 2).copy()
    M[0, 1] = M[0, 1] * 2.0
    return (M @ M.T).sum()


add(method_astype_reshape_copy, lambda r: (_n(r, 4),))


# ====================================================== containers, builtins


def list_literal_builtins(x, y):
    vals = [x, x * y, y * y, math.sin(x)]
    return sum(vals) + vals[-1] * vals[0] + len(vals) * vals[2]


add(list_literal_builtins, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def list_append_loop(x, w):
    vals = []
    h = x
    for i in range(5):
        h = math.tanh(w * h + 0.1 * i)
        vals.append(h)
    return vals[-1] + vals[-2] * vals[0] + sum(vals) / len(vals)


add(list_append_loop, lambda r: (_u(r, -1, 1), _u(r, -1.5, 1.5)), wrt=(0, 1))


def list_extend_loop(x, y):
    vals = [x]
    for i in range(3):
        vals.extend([vals[-1] * y, math.cos(vals[-1]) + i])
    return sum(vals)


add(list_extend_loop, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def list_max_min(v):
    vals = [v[0], v[1] * 2.0, v[2] - 1.0, v[3] * 0.5]
    return max(vals) - min(vals) + max(vals[0], vals[1]) * min(vals[2], vals[3])


def _max_min_points(rng):
    base = _distinct(rng, 4, -2.0, 2.0)
    return (base / np.array([1.0, 2.0, 1.0, 0.5]) + np.array([0.0, 0.0, 1.0, 0.0]),)


add(list_max_min, _max_min_points)


def list_abs_generator(v):
    return sum(abs(t) for t in v) + abs(v[0] * v[1])


add(list_abs_generator, lambda r: (_s(r, 0.2, 1.5, 5),))


def list_reversed_weights(x, y):
    vals = [x, y, x * y, x + y]
    total = 0.0
    for i, t in enumerate(reversed(vals)):
        total = total + (i + 1.0) * t * t
    return total


add(list_reversed_weights, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def list_sorted_values(v):
    s = sorted([t * 1.0 for t in v])
    return s[0] + 2.0 * s[1] + 3.0 * s[2] + 4.0 * s[3] * s[0]


add(list_sorted_values, lambda r: (_distinct(r, 4),))


def list_comprehension_dot(w, x):
    n = x.shape[0]
    return sum([w[i] * x[i] for i in range(n)]) + sum(w[i] * x[i] ** 2 for i in range(n))


add(list_comprehension_dot, lambda r: (_n(r, 5), _n(r, 5)), wrt=(0, 1))


def list_generator_condition(x):
    return sum(x[i] * x[i + 1] for i in range(x.shape[0] - 1) if i % 2 == 0)


add(list_generator_condition, lambda r: (_n(r, 6),))


def list_nested_generator(A, x):
    m, n = A.shape
    return sum(A[i, j] * x[j] * x[i] for i in range(m) for j in range(n))


add(list_nested_generator, lambda r: (_n(r, (3, 4)), _n(r, 4)), wrt=(0, 1))


def list_array_from_scalars(x, y):
    v = np.array([x, y, x * y, math.exp(x)])
    return v @ W4 + np.sum(v**2)


add(list_array_from_scalars, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def list_np_stack_arrays(x):
    M = np.stack([x, x**2, np.sin(x)])
    return np.sum(M @ M.T)


add(list_np_stack_arrays, lambda r: (_n(r, 4),))


def list_np_stack_axis1(x, y):
    M = np.stack([x, y, x * y], axis=1)
    return np.sum(np.tanh(M) * COLW)


add(list_np_stack_axis1, lambda r: (_n(r, 4), _n(r, 4)), wrt=(0, 1))


def list_np_array_of_arrays(x, y):
    M = np.array([x, y * 2.0])
    return np.sum(M**3) + np.sum(M[0] * M[1])


add(list_np_array_of_arrays, lambda r: (_n(r, 3), _n(r, 3)), wrt=(0, 1))


def dict_mlp_params(params, x):
    h = np.tanh(params["W1"] @ x + params["b1"])
    out = params["W2"] @ h + params["b2"]
    return lse(out)


add(dict_mlp_params,
    lambda r: (_dict(r, {"W1": (4, 3), "b1": 4, "W2": (2, 4), "b2": 2}), _n(r, 3)))


def dict_with_scalars(params, x):
    return params["scale"] * np.sum(np.sin(params["w"] * x)) + params["bias"] ** 2


add(dict_with_scalars,
    lambda r: ({"w": _n(r, 3), "scale": _u(r, 0.5, 1.5), "bias": _u(r, -1, 1)}, _n(r, 3)))


def dict_iterate_keys(params):
    total = 0.0
    for key in ("a", "b", "c"):
        total = total + np.sum(params[key] ** 2)
    return total + params["a"] @ params["b"]


add(dict_iterate_keys, lambda r: (_dict(r, {"a": 3, "b": 3, "c": (2, 2)}),))


def dict_and_array_wrt(params, x):
    return np.sum((params["W"] @ x - params["t"]) ** 2)


add(dict_and_array_wrt, lambda r: (_dict(r, {"W": (2, 3), "t": 2}), _n(r, 3)),
    wrt=("params", "x"))


def dict_passed_to_helper(params, x):
    return np.sum(layer(params["W"], params["b"], x, act=sigmoid) ** 2)


add(dict_passed_to_helper, lambda r: (_dict(r, {"W": (3, 3), "b": 3}, 1.0), _n(r, 3)))


def list_of_arrays_input(xs):
    total = 0.0
    for v in xs:
        total = total + np.sum(v * v)
    return total + np.sum(xs[0] * xs[-1])


add(list_of_arrays_input, lambda r: ([_n(r, 3), _n(r, 3), _n(r, 3)],))


def list_of_floats_input(xs, w):
    return sum(t * w for t in xs) + xs[0] * xs[1] * xs[-1]


add(list_of_floats_input, lambda r: ([_u(r, -1, 1) for _ in range(4)], _u(r, -1, 1)),
    wrt=(0, 1))


def tuple_input(pair):
    a, b = pair
    return np.sum(a * b) + np.sum(a**2)


add(tuple_input, lambda r: ((_n(r, 3), _n(r, 3)),))


def list_zip_enumerate(xs, ws):
    total = 0.0
    for i, (t, w) in enumerate(zip(xs, ws)):
        total = total + (i + 1.0) * t * w
    return total


add(list_zip_enumerate,
    lambda r: ([_u(r, -1, 1) for _ in range(3)], [_u(r, -1, 1) for _ in range(3)]),
    wrt=(0, 1))


def list_sum_of_arrays(x):
    hs = [x, np.sin(x), x**2]
    return np.sum(sum(hs) ** 2)


add(list_sum_of_arrays, lambda r: (_n(r, 4),))


def list_dp_previous(x, y):
    vals = [x]
    for i in range(1, 6):
        vals.append(vals[i - 1] * y + math.sin(vals[i - 1]))
    return vals[-1] + vals[len(vals) // 2]


add(list_dp_previous, lambda r: (_u(r, -1, 1), _u(r, -0.8, 0.8)), wrt=(0, 1))


def list_slicing(x):
    vals = [x, 2.0 * x, x * x, math.exp(x)]
    return sum(vals[1:]) * vals[0] + sum(vals[:2])


add(list_slicing, lambda r: (_u(r, -1, 1),))


def list_of_arrays_concatenate(x):
    parts = []
    for k in range(1, 4):
        parts.append(x**k / k)
    return np.sum(np.concatenate(parts) ** 2)


add(list_of_arrays_concatenate, lambda r: (_n(r, 3),))


def list_max_of_sums(A):
    sums = [np.sum(A[i]) for i in range(A.shape[0])]
    return max(sums) + min(sums) * 2.0


add(list_max_of_sums, lambda r: (_n(r, (4, 3), 0.3) + np.arange(4.0)[r.permutation(4), None],))


def list_comprehension_stack(W, xs):
    hs = [np.tanh(W @ xs[t]) for t in range(xs.shape[0])]
    return np.sum(np.stack(hs) ** 2)


add(list_comprehension_stack, lambda r: (_n(r, (3, 3)), _n(r, (4, 3))), wrt=(0, 1))


def tuple_swap_loop(x, y):
    a, b = x, y
    for _ in range(4):
        a, b = b, a * 0.5 + b * b * 0.1
    return a + b


add(tuple_swap_loop, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def builtins_min_max_scalars(x, y):
    return min(x, y) * 2.0 + max(x * y, 0.5) + abs(x - y) + min([x, y, x * y]) * 0.5


def _min_max_points(rng):
    x = _u(rng, -1.0, 1.0)
    y = x + _s(rng, 0.3, 0.8)
    if abs(x * y - 0.5) < 0.1:
        y = y + 0.3
    return (x, y)


add(builtins_min_max_scalars, _min_max_points, wrt=(0, 1))


def list_len_normalized(xs):
    mean = sum(xs) / len(xs)
    return sum((t - mean) ** 2 for t in xs) / len(xs)


add(list_len_normalized, lambda r: ([_u(r, -1, 1) for _ in range(5)],))


def list_of_tuples(x, y):
    pairs = [(x, y), (y, x * y), (x * x, 1.0)]
    total = 0.0
    for a, b in pairs:
        total = total + a * b
    return total + pairs[-1][0] * pairs[0][1]


add(list_of_tuples, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def list_running_max(v):
    best = v[0]
    history = [best]
    for t in v[1:]:
        best = max(best, t)
        history.append(best * t)
    return sum(history)


add(list_running_max, lambda r: (_distinct(r, 6),))


def list_nested_lists(x, y):
    grid = [[x, y], [x * y, x - y]]
    return grid[0][1] * grid[1][0] + sum(row[0] * row[1] for row in grid)


add(list_nested_lists, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def list_extend_with_comprehension(v):
    feats = [np.sum(v)]
    feats.extend([np.sum(v**k) / k for k in range(2, 4)])
    return np.sum(np.array(feats) * np.array([0.5, -1.0, 2.0]))


add(list_extend_with_comprehension, lambda r: (_n(r, 4),))


def list_mixed_dict_list_input(params, xs):
    total = 0.0
    for x in xs:
        total = total + np.sum(np.tanh(params["w"] * x + params["b"]))
    return total


add(list_mixed_dict_list_input,
    lambda r: ({"w": _n(r, 3), "b": _n(r, 3)}, [_n(r, 3), _n(r, 3)]), wrt=(0, 1))


# ================================================================ NumPy rules


def np_softmax_cross_entropy(W, x, label=2):
    logits = W @ x
    return lse(logits) - logits[label]


add(np_softmax_cross_entropy, lambda r: (_n(r, (4, 3)), _n(r, 3)), wrt=(0, 1))


def np_softmax_probs(z):
    e = np.exp(z - np.max(z))
    probs = e / e.sum()
    return -np.sum(TARGET_P * np.log(probs))


add(np_softmax_probs, lambda r: (_n(r, 4),))


def np_logsumexp_rows(A):
    m = np.max(A, axis=1, keepdims=True)
    return np.sum(m[:, 0] + np.log(np.sum(np.exp(A - m), axis=1)))


add(np_logsumexp_rows, lambda r: (_n(r, (3, 4)),))


def np_mlp(W1, b1, W2, b2, x):
    h = np.maximum(W1 @ x + b1, 0.0) + 0.1 * np.tanh(W1 @ x)
    return np.sum(np.tanh(W2 @ h + b2) ** 2)


def _mlp_points(rng):
    x = _n(rng, 3)
    W1 = _n(rng, (4, 3))
    b1 = _n(rng, 4)
    pre = W1 @ x + b1
    b1 = b1 + np.where(np.abs(pre) < 0.2, 0.4 * np.sign(pre + 1e-12), 0.0)
    return W1, b1, _n(rng, (2, 4)), _n(rng, 2), x


add(np_mlp, _mlp_points, wrt=(0, 1, 2, 3, 4))


def np_attention_einsum(Q, K, V):
    d = Q.shape[1]
    S = np.einsum("id,jd->ij", Q, K) / np.sqrt(d)
    P = np.exp(S - S.max(axis=1, keepdims=True))
    P = P / P.sum(axis=1, keepdims=True)
    out = np.einsum("ij,jd->id", P, V)
    return np.sum(out**2)


add(np_attention_einsum, lambda r: (_n(r, (3, 2)), _n(r, (4, 2)), _n(r, (4, 2))),
    wrt=(0, 1, 2))


def np_norms(x, A):
    return (
        np.linalg.norm(x)
        + np.linalg.norm(x, 1)
        + np.linalg.norm(x, np.inf)
        + np.linalg.norm(x, ord=2)
        + np.linalg.norm(A)
        + np.sum(np.linalg.norm(A, axis=0))
        + np.sum(np.linalg.norm(A, ord=1, axis=1))
    )


add(np_norms, lambda r: (_distinct(r, 5) + 0.03, _s(r, 0.3, 1.5, (3, 4))), wrt=(0, 1))


def np_var_std(A):
    return np.var(A) + np.std(A, axis=0).sum() + np.var(A, axis=1, ddof=1).sum() + A.std()


add(np_var_std, lambda r: (_n(r, (3, 4)),))


def np_cumsum_cumprod(v, A):
    return (
        np.sum(np.cumsum(v) * RAMP5)
        + np.sum(np.cumprod(v))
        + np.sum(np.cumprod(A, axis=1) ** 2)
        + np.sum(np.cumsum(A, axis=0) * A)
    )


add(np_cumsum_cumprod, lambda r: (_u(r, 0.5, 1.5, 5), _u(r, 0.5, 1.5, (2, 3))), wrt=(0, 1))


def np_concat_stack_split(x, y):
    z = np.concatenate([x, y * 2.0])
    a, b = np.split(z, 2)
    return np.sum(a * b) + np.sum(np.stack([x, y], axis=0) ** 2 * COLW)


add(np_concat_stack_split, lambda r: (_n(r, 3), _n(r, 3)), wrt=(0, 1))


def np_split_sections(v):
    parts = np.split(v, [2, 5])
    total = 0.0
    for i, part in enumerate(parts):
        total = total + np.sum(part**2) * (i + 1)
    return total + np.sum(np.array_split(v, 3)[1])


add(np_split_sections, lambda r: (_n(r, 7),))


def np_pad(A):
    P = np.pad(A, 1)
    Q = np.pad(A, ((1, 0), (0, 2)), constant_values=0.5)
    return np.sum(P[:-1, :-1] * P[1:, 1:]) + np.sum(Q**2)


add(np_pad, lambda r: (_n(r, (3, 3)),))


def np_take(v, A):
    return np.sum(np.take(v, IDX) ** 2) + np.sum(np.take(A, [0, 2], axis=1) * A[:, :2])


add(np_take, lambda r: (_n(r, 4), _n(r, (3, 3))), wrt=(0, 1))


def np_triu_tril(A):
    return np.sum(np.triu(A) ** 2) + np.sum(np.tril(A, -1) * A) + np.sum(np.triu(A, 1) * A.T)


add(np_triu_tril, lambda r: (_n(r, (3, 3)),))


def np_solve(A, b):
    x = np.linalg.solve(A, b)
    return x @ b + np.sum(x**2)


add(np_solve, lambda r: (_spd(r, 3), _n(r, 3)), wrt=(0, 1))


def np_inv(A):
    return np.sum(np.linalg.inv(A) * np.array([1.0, -0.5, 2.0])) + np.trace(np.linalg.inv(A))


add(np_inv, lambda r: (_spd(r, 3),))


def np_det(A):
    return np.linalg.det(A) + np.log(np.linalg.det(A @ A.T))


add(np_det, lambda r: (_spd(r, 3),))


def np_slogdet(A):
    sign, logdet = np.linalg.slogdet(A)
    return sign * logdet + np.linalg.slogdet(A + np.eye(3))[1]


add(np_slogdet, lambda r: (_spd(r, 3),))


def np_cholesky(B):
    S = B @ B.T + 0.5 * np.eye(B.shape[0])
    L = np.linalg.cholesky(S)
    return np.sum(np.log(np.diag(L))) + np.sum(L**2 * np.tril(np.ones((3, 3))))


add(np_cholesky, lambda r: (_n(r, (3, 3)),))


def np_tensordot(A, B):
    return np.sum(np.tensordot(A, B, axes=1) ** 2) + np.tensordot(A, A, axes=2) + np.sum(
        np.tensordot(A, B.T, axes=([0], [0]))
    )


add(np_tensordot, lambda r: (_n(r, (3, 4)), _n(r, (4, 3))), wrt=(0, 1))


def np_outer_inner_vdot(x, y):
    return np.sum(np.outer(x, y) ** 2) + np.inner(x, y) * np.vdot(x, x) + np.dot(y, y)


add(np_outer_inner_vdot, lambda r: (_n(r, 3), _n(r, 3)), wrt=(0, 1))


def np_trace_diag_diagonal(A):
    return (
        np.trace(A @ A)
        + np.sum(np.diag(A) ** 2)
        + np.sum(np.diag(np.diag(A)) @ A)
        + np.sum(np.diagonal(A, offset=1) * 3.0)
        + np.sum(np.diag(A, k=-1))
    )


add(np_trace_diag_diagonal, lambda r: (_n(r, (3, 3)),))


def np_swap_move_expand(T):
    a = np.swapaxes(T, 0, 2)
    b = np.moveaxis(T, 0, -1)
    c = np.expand_dims(T.sum(axis=0), 1)
    return np.sum(a**2 * a) + np.sum(b[..., 0] * b[..., 1]) + np.sum(c * T[0][:, None, :])


add(np_swap_move_expand, lambda r: (_n(r, (2, 3, 4)),))


def np_tile_repeat(v):
    ramp = np.arange(6.0)
    return (
        np.sum(np.tile(v, 2) * ramp)
        + np.sum(np.repeat(v, 2) ** 2 * ramp)
        + np.sum(np.tile(v, (2, 1)) ** 3)
    )


add(np_tile_repeat, lambda r: (_n(r, 3),))


def np_broadcast_flip_roll(v, A):
    return (
        np.sum(np.broadcast_to(v, (2, 3)) * A)
        + np.sum(np.flip(v) * np.arange(3.0))
        + np.sum(np.roll(A, 1, axis=1) * A)
        + np.sum(np.flip(A, axis=0)[0] * v)
    )


add(np_broadcast_flip_roll, lambda r: (_n(r, 3), _n(r, (2, 3))), wrt=(0, 1))


def np_hstack_vstack(x, y):
    H = np.hstack([x, y**2])
    V = np.vstack([x, y, x * y])
    return np.sum(H * np.arange(6.0)) + np.sum(V @ V.T)


add(np_hstack_vstack, lambda r: (_n(r, 3), _n(r, 3)), wrt=(0, 1))


def np_where_branches(v):
    return np.sum(np.where(v > 0, v**2, np.sin(v))) + np.sum(np.where(v < -0.5, 1.0, v))


def _where_points(rng):
    pieces = [(-2.0, -0.7), (-0.3, -0.1), (0.1, 2.0)]
    return (np.array([rng.uniform(*pieces[rng.integers(3)]) for _ in range(6)]),)


add(np_where_branches, _where_points)


def np_maximum_minimum(x, y):
    return np.sum(np.maximum(x, y) ** 2 + np.minimum(x, y) * 3.0) + np.sum(
        np.fmax(x, 0.5) - np.fmin(y, -0.5)
    )


def _maxmin_points(rng):
    x = _distinct(rng, 5)
    y = _distinct(rng, 5)
    y = np.where(np.abs(x - y) < 0.2, y + 0.5, y)
    x = np.where(np.abs(x - 0.5) < 0.1, x + 0.3, x)
    y = np.where(np.abs(y + 0.5) < 0.1, y - 0.3, y)
    y = np.where(np.abs(x - y) < 0.1, y + 0.25, y)
    return x, y


add(np_maximum_minimum, _maxmin_points, wrt=(0, 1))


def np_arctan2_hypot(x, y):
    return np.sum(np.arctan2(y, x) * x) + np.sum(np.hypot(x, y) ** 2 + np.hypot(x, 2.0))


add(np_arctan2_hypot, lambda r: (_u(r, 0.3, 1.5, 4), _n(r, 4)), wrt=(0, 1))


def np_logaddexp(x, y):
    return np.sum(np.logaddexp(x, y)) + np.sum(np.logaddexp2(x, 0.5) * y)


add(np_logaddexp, lambda r: (_n(r, 4), _n(r, 4)), wrt=(0, 1))


def np_power_family(x, y):
    return np.sum(np.power(x, 3) + np.power(x, y) + np.float_power(x, 0.5) + x**y) + np.sum(
        np.power(2.0, y)
    )


add(np_power_family, lambda r: (_u(r, 0.5, 2.0, 4), _u(r, -1, 1, 4)), wrt=(0, 1))


def np_sort(v):
    s = np.sort(v)
    return np.sum(s * RAMP5) + np.sum(np.sort(v * v)[-2:])


add(np_sort, lambda r: (_distinct(r, 5, 0.2, 2.0) * r.choice([-1.0, 1.0]),))


def np_argmax_index(v):
    i = np.argmax(v)
    j = np.argmin(v)
    order = np.argsort(v)
    return v[i] * np.sum(v) + v[j] ** 2 + np.sum(v[order] * RAMP5)


add(np_argmax_index, lambda r: (_distinct(r, 5),))


def np_boolean_mask(v, w):
    return np.sum(v[w > 0] ** 2) + np.sum(v[MASK6] * w[MASK6]) + np.sum(w[v > 0])


def _mask_points(rng):
    return _s(rng, 0.2, 1.5, 6), _n(rng, 6)


add(np_boolean_mask, _mask_points, wrt=(0, 1))


def np_average(v, A):
    return np.average(v, weights=AVG_W) + np.sum(np.average(A, axis=0)) * np.average(v)


add(np_average, lambda r: (_n(r, 4), _n(r, (3, 4))), wrt=(0, 1))


def np_amax_amin(A):
    return np.amax(A) * np.amin(A) + np.sum(np.amax(A, axis=0)) + np.sum(
        np.amin(A, axis=1, keepdims=True)
    )


add(np_amax_amin, lambda r: (_distinct(r, (3, 4)),))


def np_exp_log_family(v):
    return np.sum(
        np.exp2(v)
        + np.expm1(v)
        + np.log2(v)
        + np.log10(v)
        + np.log1p(v)
        + np.cbrt(v)
        + np.reciprocal(v)
        + np.square(v)
        + np.sqrt(v)
    )


add(np_exp_log_family, lambda r: (_u(r, 0.3, 2.0, 5),))


def np_trig_family(v):
    return np.sum(
        np.arcsin(v)
        + np.arccos(v) * v
        + np.arctan(v)
        + np.sinh(v)
        + np.cosh(v)
        + np.arcsinh(v)
        + np.arctanh(v)
        + np.tan(v)
    )


add(np_trig_family, lambda r: (_u(r, -0.85, 0.85, 5),))


def np_arccosh_sinc(v):
    return np.sum(np.arccosh(v) + np.sinc(v) + np.sinc(v - 1.5) ** 2)


add(np_arccosh_sinc, lambda r: (_u(r, 1.2, 2.4, 5) + 0.0,))


def np_zero_gradient_functions(v):
    return np.sum(v * np.sign(v) + np.floor(v * 3.0) * v + np.ceil(v) * v**2 + np.round(v) * v)


def _zero_grad_points(rng):
    base = rng.integers(-3, 3, size=6) / 3.0 + _u(rng, 0.05, 0.28, 6)
    return (np.where(np.abs(base) < 0.05, base + 0.1, base),)


add(np_zero_gradient_functions, _zero_grad_points)


def np_clip_function(v, lo):
    return np.sum(np.clip(v, -1.0, 1.0) ** 2) + np.sum(np.clip(v, lo, None) * v)


def _clip_fn_points(rng):
    (v,) = _clip_points(rng)
    lo = _u(rng, -0.15, 0.15)
    return v, lo


add(np_clip_function, _clip_fn_points, wrt=(0, 1))


def np_abs_neg_pos(v):
    return np.sum(np.absolute(v) * 2.0 + np.negative(v) ** 3 + np.positive(v) + np.abs(v) ** 0.5)


add(np_abs_neg_pos, lambda r: (_s(r, 0.2, 2.0, 5),))


def np_matmul_batched(A, B):
    return np.sum(np.matmul(A, B) ** 2) + np.sum(np.einsum("bij,bjk->bik", A, B) * 0.5)


add(np_matmul_batched, lambda r: (_n(r, (2, 3, 4)), _n(r, (2, 4, 2))), wrt=(0, 1))


def np_einsum_variants(A, x):
    return (
        np.einsum("ii->", A @ A)
        + np.einsum("ij,ij->", A, A)
        + np.einsum("ij,j->", A, x) ** 2
        + np.sum(np.einsum("i,j->ij", x, x) * A)
    )


add(np_einsum_variants, lambda r: (_n(r, (3, 3)), _n(r, 3)), wrt=(0, 1))


def np_constructors_constant(x):
    n = x.shape[0]
    M = x[:, None] * np.eye(n) + np.ones((n, n)) * 0.1 + np.zeros_like(x)[None, :]
    return np.sum(M @ M) + np.sum(x * np.arange(n)) + np.sum(np.full(n, 2.0) * np.ones_like(x) * x)


add(np_constructors_constant, lambda r: (_n(r, 4),))


def np_full_active(x):
    return np.sum(np.full((2, 3), x) * np.arange(6.0).reshape(2, 3)) + np.sum(
        np.full_like(np.zeros(3), x) ** 2
    )


add(np_full_active, lambda r: (_u(r, -1, 1),))


def np_buffer_writes(v):
    buf = np.zeros_like(v)
    for i in range(v.shape[0]):
        buf[i] = v[i] * v[(i + 1) % v.shape[0]]
    out = np.zeros((2, v.shape[0]))
    out[0] = buf
    out[1, :] = np.sin(v)
    return np.sum(out**2)


add(np_buffer_writes, lambda r: (_n(r, 4),))


def np_mean_axis_tuple_keepdims(T):
    m = np.mean(T, axis=(1, 2), keepdims=True)
    return np.sum((T - m) ** 2) + np.sum(np.prod(T, axis=(0, 2)))


add(np_mean_axis_tuple_keepdims, lambda r: (_u(r, 0.5, 1.5, (2, 3, 2)),))


def np_sum_keepdims_normalize(A):
    P = np.exp(A) / np.sum(np.exp(A), axis=0, keepdims=True)
    return np.sum(P * np.log(P)) + np.sum(A / np.sum(A**2, axis=1, keepdims=True))


add(np_sum_keepdims_normalize, lambda r: (_n(r, (3, 4)),))


def np_asarray_copy(x):
    y = np.asarray(x)
    z = np.copy(y)
    z[0] = 2.0 * z[0]
    return np.sum(z * y) + np.sum(np.asarray([x[0], x[1]]) ** 2)


add(np_asarray_copy, lambda r: (_n(r, 4),))


def np_dot_matmul_mixed(A, B, x):
    return np.sum(np.dot(A, B) @ x) + np.dot(x, np.matmul(B.T, A.T) @ x) + np.sum(A @ B @ B.T)


add(np_dot_matmul_mixed, lambda r: (_n(r, (3, 3)), _n(r, (3, 3)), _n(r, 3)), wrt=(0, 1, 2))


def np_broadcasting_shapes(a, b, c):
    return np.sum(np.tanh(a[:, None] * b[None, :] + c)) + np.sum(a * c.mean(axis=1))


add(np_broadcasting_shapes, lambda r: (_n(r, 3), _n(r, 4), _n(r, (3, 4))), wrt=(0, 1, 2))


def np_scalar_array_mix(s, v):
    return np.sum(np.exp(s * v)) + s * np.sum(v) ** 2 + np.max(s * v)


def _mix_points(rng):
    return _u(rng, 0.4, 1.2), _distinct(rng, 5)


add(np_scalar_array_mix, _mix_points, wrt=(0, 1))


def sp_logsumexp(A):
    return sps.logsumexp(A) + np.sum(sps.logsumexp(A, axis=1)) + np.sum(
        sps.logsumexp(A, axis=0, keepdims=True)
    )


add(sp_logsumexp, lambda r: (_n(r, (3, 4)),), scipy=True)


def sp_logsumexp_weights(a, b):
    return sps.logsumexp(a, b=b)


add(sp_logsumexp_weights, lambda r: (_n(r, 4), _u(r, 0.5, 2.0, 4)), wrt=(0, 1), scipy=True)


def sp_expit_logit(z, q):
    return np.sum(sps.expit(z) * z) + np.sum(sps.logit(q) ** 2)


add(sp_expit_logit, lambda r: (_n(r, 4), _u(r, 0.1, 0.9, 4)), wrt=(0, 1), scipy=True)


def sp_softmax_log_softmax(z, A):
    return (
        np.sum(sps.softmax(z) * TARGET_P)
        + np.sum(sps.log_softmax(z) * TARGET_P)
        + np.sum(sps.softmax(A, axis=1) ** 2)
        + np.sum(sps.log_softmax(A, axis=0)[0])
    )


add(sp_softmax_log_softmax, lambda r: (_n(r, 4), _n(r, (3, 4))), wrt=(0, 1), scipy=True)


def sp_gammaln_digamma(v):
    return np.sum(sps.gammaln(v) + sps.digamma(v) * v + sps.psi(v + 1.0))


add(sp_gammaln_digamma, lambda r: (_u(r, 0.5, 4.0, 5),), scipy=True)


def sp_erf(v):
    return np.sum(sps.erf(v) * v + sps.erf(v / np.sqrt(2.0)))


add(sp_erf, lambda r: (_n(r, 5),), scipy=True)


def sp_logistic_nll(w, X, y):
    z = X @ w
    return -np.sum(y * np.log(sps.expit(z)) + (1.0 - y) * np.log(sps.expit(-z)))


add(sp_logistic_nll,
    lambda r: (_n(r, 3, 0.5), _n(r, (6, 3)), (r.uniform(size=6) < 0.5).astype(float)),
    scipy=True)


def sp_dirichlet_logpdf(alpha, x):
    return (
        sps.gammaln(np.sum(alpha))
        - np.sum(sps.gammaln(alpha))
        + np.sum((alpha - 1.0) * np.log(x))
    )


def _dirichlet_points(rng):
    x = rng.uniform(0.2, 1.0, size=4)
    return rng.uniform(0.5, 3.0, size=4), x / x.sum()


add(sp_dirichlet_logpdf, _dirichlet_points, wrt=(0, 1), scipy=True)


# ======================================================== realistic programs


def hmm_forward(log_pi, log_A, log_B, obs):
    alpha = log_pi + log_B[:, obs[0]]
    for t in range(1, obs.shape[0]):
        new = []
        for j in range(log_A.shape[0]):
            new.append(lse(alpha + log_A[:, j]) + log_B[j, obs[t]])
        alpha = np.array(new)
    return lse(alpha)


add(hmm_forward,
    lambda r: (_n(r, 3), _n(r, (3, 3)), _n(r, (3, 4)), r.integers(0, 4, size=5)),
    wrt=(0, 1, 2))


def hmm_forward_vectorized(log_pi, log_A, log_B, obs):
    alpha = log_pi + log_B[:, obs[0]]
    for t in range(1, len(obs)):
        alpha = lse_axis(alpha[:, None] + log_A, 0) + log_B[:, obs[t]]
    return lse_helper(alpha)


add(hmm_forward_vectorized,
    lambda r: (_n(r, 3), _n(r, (3, 3)), _n(r, (3, 4)), r.integers(0, 4, size=6)),
    wrt=(0, 1, 2))


def cky_inside(rules, words):
    n, N = words.shape
    chart = []
    first = []
    for i in range(n):
        first.append(words[i])
    chart.append(first)
    for length in range(2, n + 1):
        row = []
        for i in range(n - length + 1):
            scores = []
            for k in range(1, length):
                left = chart[k - 1][i]
                right = chart[length - k - 1][i + k]
                comb = rules + left[None, :, None] + right[None, None, :]
                scores.append(lse_axis(comb.reshape(N, N * N), 1))
            row.append(lse_axis(np.stack(scores), 0))
        chart.append(row)
    return chart[n - 1][0][0]


add(cky_inside, lambda r: (_n(r, (2, 2, 2)), _n(r, (4, 2))), wrt=(0, 1))


def viterbi_soft(log_A, emissions, temp=0.5):
    score = emissions[0]
    for t in range(1, emissions.shape[0]):
        cand = score[:, None] + log_A
        score = temp * lse_axis(cand / temp, 0) + emissions[t]
    return temp * lse(score / temp)


add(viterbi_soft, lambda r: (_n(r, (3, 3)), _n(r, (5, 3))), wrt=(0, 1), kwargs={"temp": 0.3})


def viterbi_hard_max(log_A, emissions):
    score = emissions[0]
    for t in range(1, emissions.shape[0]):
        score = np.max(score[:, None] + log_A, axis=0) + emissions[t]
    return np.max(score)


add(viterbi_hard_max, lambda r: (_n(r, (3, 3)), _n(r, (4, 3))), wrt=(0, 1))


def horner_poly_fit(c, xs):
    total = 0.0
    for x in xs:
        total = total + (horner(c, x) - math.sin(x)) ** 2
    return total / len(xs)


add(horner_poly_fit, lambda r: (_n(r, 4), _u(r, -1, 1, 6)))


def mlp_training_loss(params, X, y):
    H = np.tanh(X @ params["W1"] + params["b1"])
    logits = H @ params["W2"] + params["b2"]
    m = np.max(logits, axis=1, keepdims=True)
    logp = logits - m - np.log(np.sum(np.exp(logits - m), axis=1, keepdims=True))
    nll = -np.mean(logp[np.arange(X.shape[0]), y])
    reg = 0.5 * 1e-2 * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2))
    return nll + reg


add(mlp_training_loss,
    lambda r: (_dict(r, {"W1": (3, 4), "b1": 4, "W2": (4, 3), "b2": 3}),
               _n(r, (5, 3)), r.integers(0, 3, size=5)))


def mlp_loss_with_helpers(params, X, y):
    total = 0.0
    for i in range(X.shape[0]):
        h = layer(params["W1"], params["b1"], X[i], act=np.tanh)
        out = layer(params["W2"], params["b2"], h, act=np.negative)
        total = total + lse(out) - out[y[i]]
    return total / X.shape[0]


add(mlp_loss_with_helpers,
    lambda r: (_dict(r, {"W1": (4, 3), "b1": 4, "W2": (3, 4), "b2": 3}),
               _n(r, (4, 3)), r.integers(0, 3, size=4)))


def gaussian_loglik_cholesky(mu, B, X):
    d = mu.shape[0]
    Sigma = B @ B.T + 0.5 * np.eye(d)
    L = np.linalg.cholesky(Sigma)
    n = X.shape[0]
    total = 0.0
    for i in range(n):
        z = np.linalg.solve(L, X[i] - mu)
        total = total - 0.5 * z @ z
    return total - n * np.sum(np.log(np.diag(L))) - 0.5 * n * d * np.log(2.0 * np.pi)


add(gaussian_loglik_cholesky, lambda r: (_n(r, 3), _n(r, (3, 3), 0.7), _n(r, (4, 3))),
    wrt=(0, 1))


def gaussian_loglik_slogdet(mu, Sigma, X):
    diff = X - mu
    sol = np.linalg.solve(Sigma, diff.T)
    _, logdet = np.linalg.slogdet(Sigma)
    return -0.5 * np.sum(diff.T * sol) - 0.5 * X.shape[0] * logdet


add(gaussian_loglik_slogdet, lambda r: (_n(r, 3), _spd(r, 3), _n(r, (5, 3))), wrt=(0, 1))


def rnn_with_step_helper(W, U, xs, y):
    h = np.zeros(W.shape[0])
    for t in range(xs.shape[0]):
        h = rnn_step(W, U, h, xs[t])
    return mse(h, y)


add(rnn_with_step_helper,
    lambda r: (_n(r, (3, 3), 0.6), _n(r, (3, 2)), _n(r, (5, 2)), _n(r, 3)), wrt=(0, 1, 2))


def rnn_states_list_readout(W, U, v, xs):
    hs = [np.zeros(W.shape[0])]
    for t in range(xs.shape[0]):
        hs.append(rnn_step(W, U, hs[-1], xs[t]))
    scores = [v @ h for h in hs[1:]]
    return lse(np.array(scores))


add(rnn_states_list_readout,
    lambda r: (_n(r, (3, 3), 0.6), _n(r, (3, 2)), _n(r, 3), _n(r, (4, 2))), wrt=(0, 1, 2))


def lstm_loss(params, xs):
    n = params["b"].shape[0] // 4
    h = np.zeros(n)
    c = np.zeros(n)
    for t in range(xs.shape[0]):
        h, c = lstm_cell(params, h, c, xs[t])
    return np.sum(h**2) + np.sum(c)


add(lstm_loss, lambda r: ({"W": _n(r, (8, 4), 0.6), "b": _n(r, 8, 0.3)}, _n(r, (3, 2))))


def logistic_regression_l2(w, b, X, y, lam=0.1):
    z = X @ w + b
    loss = np.sum(np.logaddexp(0.0, z) - y * z) / X.shape[0]
    return loss + 0.5 * lam * w @ w


add(logistic_regression_l2,
    lambda r: (_n(r, 3), _u(r, -1, 1), _n(r, (6, 3)), (r.uniform(size=6) < 0.5).astype(float)),
    wrt=(0, 1), kwargs={"lam": 0.3})


def gmm_loglik(means, log_w, log_sigma, X):
    K = means.shape[0]
    total = 0.0
    log_w = log_w - lse(log_w)
    for i in range(X.shape[0]):
        comps = [log_w[k] + gaussian_pdf_log(X[i], means[k], log_sigma[k]) for k in range(K)]
        total = total + lse(np.array(comps))
    return total


add(gmm_loglik, lambda r: (_n(r, 3), _n(r, 3), _u(r, -0.5, 0.5, 3), _n(r, 5)), wrt=(0, 1, 2))


def soft_dtw(x, y, gamma=0.5):
    n, m = x.shape[0], y.shape[0]
    R = np.full((n + 1, m + 1), 1e6)
    R[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cost = (x[i - 1] - y[j - 1]) ** 2
            R[i, j] = cost + softmin3(R[i - 1, j], R[i, j - 1], R[i - 1, j - 1], gamma)
    return R[n, m]


add(soft_dtw, lambda r: (_n(r, 4), _n(r, 3)), wrt=(0, 1))


def soft_dtw_shifted_zeros(x, y, gamma=0.5):
    n, m = x.shape[0], y.shape[0]
    R = np.zeros((n + 1, m + 1)) + 1e6
    R[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cost = (x[i - 1] - y[j - 1]) ** 2
            R[i, j] = cost + softmin3(R[i - 1, j], R[i, j - 1], R[i - 1, j - 1], gamma)
    return R[n, m]


add(soft_dtw_shifted_zeros, lambda r: (_n(r, 4), _n(r, 3)), wrt=(0, 1))


def needleman_wunsch_soft(S, gap):
    n, m = S.shape
    rows = [[-gap * j for j in range(m + 1)]]
    for i in range(1, n + 1):
        row = [-gap * i]
        for j in range(1, m + 1):
            choices = np.array([rows[i - 1][j - 1] + S[i - 1, j - 1],
                                rows[i - 1][j] - gap, row[j - 1] - gap])
            row.append(lse(choices))
        rows.append(row)
    return rows[n][m]


# each row is handed on to `rows` when it is complete, and never written after that
add(needleman_wunsch_soft, lambda r: (_n(r, (3, 4)), _u(r, 0.3, 1.0)), wrt=(0, 1))


def kalman_1d(q, r, zs):
    m, P = 0.0, 1.0
    ll = 0.0
    for z in zs:
        P = P + q
        S = P + r
        ll = ll - 0.5 * (math.log(2.0 * math.pi * S) + (z - m) ** 2 / S)
        K = P / S
        m = m + K * (z - m)
        P = (1.0 - K) * P
    return ll


add(kalman_1d, lambda r: (_u(r, 0.1, 1.0), _u(r, 0.1, 1.0), _n(r, 6)), wrt=(0, 1, 2))


def crf_nll(trans, emissions, tags):
    T, S = emissions.shape
    alpha = emissions[0]
    for t in range(1, T):
        alpha = lse_axis(alpha[:, None] + trans, 0) + emissions[t]
    log_z = lse(alpha)
    gold = emissions[0, tags[0]]
    for t in range(1, T):
        gold = gold + trans[tags[t - 1], tags[t]] + emissions[t, tags[t]]
    return log_z - gold


add(crf_nll, lambda r: (_n(r, (3, 3)), _n(r, (5, 3)), r.integers(0, 3, size=5)), wrt=(0, 1))


def euler_ode(theta, x0):
    x = x0
    dt = 0.1
    for _ in range(10):
        x = x + dt * drift(theta, x)
    return np.sum(x**2)


add(euler_ode, lambda r: (_u(r, 0.2, 1.0, 3), _n(r, 3)), wrt=(0, 1))


def trapezoid_integral(a, b):
    n = 20
    h = 2.0 / n
    total = 0.5 * (integrand(0.0, a, b) + integrand(2.0, a, b))
    for k in range(1, n):
        total = total + integrand(k * h, a, b)
    return total * h


add(trapezoid_integral, lambda r: (_u(r, 0.3, 1.5), _u(r, -2, 2)), wrt=(0, 1))


def batch_norm_layer(X, gamma, beta):
    mu = X.mean(axis=0)
    var = X.var(axis=0)
    Xn = (X - mu) / np.sqrt(var + 1e-3)
    out = gamma * Xn + beta
    return np.sum(np.tanh(out) * np.arange(1.0, 4.0))


add(batch_norm_layer, lambda r: (_n(r, (5, 3)), _u(r, 0.5, 1.5, 3), _n(r, 3)), wrt=(0, 1, 2))


def ridge_closed_form(X, y, lam):
    d = X.shape[1]
    w = np.linalg.solve(X.T @ X + lam * np.eye(d), X.T @ y)
    return np.sum((X @ w - y) ** 2) + lam * w @ w


add(ridge_closed_form, lambda r: (_n(r, (6, 3)), _n(r, 6), _u(r, 0.5, 2.0)), wrt=(0, 1, 2))


def poisson_regression(w, X, counts):
    eta = X @ w
    return np.sum(np.exp(eta) - counts * eta)


add(poisson_regression, lambda r: (_n(r, 3, 0.3), _n(r, (6, 3)), r.poisson(2.0, 6) * 1.0))


def vae_elbo_terms(mu, logvar, x, W):
    z = mu + np.exp(0.5 * logvar) * 0.3
    recon = sigmoid(W @ z)
    rec = -np.sum(x * np.log(recon) + (1.0 - x) * np.log(1.0 - recon))
    kl = -0.5 * np.sum(1.0 + logvar - mu**2 - np.exp(logvar))
    return rec + kl


add(vae_elbo_terms,
    lambda r: (_n(r, 2), _u(r, -1, 1, 2), (r.uniform(size=4) < 0.5).astype(float),
               _n(r, (4, 2))), wrt=(0, 1, 3))


def conv1d_loop(kernel, signal):
    k = kernel.shape[0]
    outs = []
    for i in range(signal.shape[0] - k + 1):
        outs.append(np.dot(kernel, signal[i : i + k]))
    out = np.array(outs)
    return np.sum(np.tanh(out) ** 2)


add(conv1d_loop, lambda r: (_n(r, 3), _n(r, 8)), wrt=(0, 1))


def attention_dict_params(params, X):
    out = attention_head(params["Wq"], params["Wk"], params["Wv"], X)
    return np.sum(out**2) + np.sum(out * X[:, :2])


add(attention_dict_params,
    lambda r: (_dict(r, {"Wq": (3, 2), "Wk": (3, 2), "Wv": (3, 2)}, 0.8), _n(r, (4, 3))),
    wrt=(0, 1))


def fixed_point_cosine(a):
    x = 0.5
    for _ in range(30):
        x = math.cos(a * x)
    return x


add(fixed_point_cosine, lambda r: (_u(r, 0.3, 1.0),))


def huber_loss_sum(w, X, y):
    total = 0.0
    resid = X @ w - y
    for r_i in resid:
        total = total + huber(r_i, delta=0.8)
    return total


def _huber_points(rng):
    X = _n(rng, (6, 3))
    w = _n(rng, 3)
    y = X @ w + _s(rng, 0.1, 2.0, 6)
    y = np.where(np.abs(np.abs(X @ w - y) - 0.8) < 0.1, y + 0.3, y)
    return w, X, y


add(huber_loss_sum, _huber_points, wrt=(0, 1, 2))


def contrastive_loss(anchor, pos, neg, margin=1.0):
    d_pos = np.linalg.norm(anchor - pos)
    d_neg = np.linalg.norm(anchor - neg)
    return d_pos**2 + max(0.0, margin - d_neg) ** 2


def _contrastive_points(rng):
    a = _n(rng, 3)
    p_ = a + _n(rng, 3, 0.3)
    scale = rng.uniform(0.3, 0.6) if rng.uniform() < 0.5 else rng.uniform(1.5, 3.0)
    n_ = a + scale * _n(rng, 3) / np.sqrt(3.0)
    while abs(np.linalg.norm(a - n_) - 1.0) < 0.15:
        n_ = a + (n_ - a) * 1.4
    return a, p_, n_


add(contrastive_loss, _contrastive_points, wrt=(0, 1, 2))


def soft_value_iteration(R, P, gamma=0.9):
    S, A = R.shape
    V = np.zeros(S)
    for _ in range(8):
        Q = R + gamma * np.einsum("sat,t->sa", P, V)
        V = lse_axis(Q, 1)
    return np.sum(V)


def _mdp_points(rng):
    P = rng.uniform(0.1, 1.0, size=(3, 2, 3))
    return _n(rng, (3, 2)), P / P.sum(axis=2, keepdims=True)


add(soft_value_iteration, _mdp_points, wrt=(0, 1))


def power_iteration_rayleigh(B):
    A = B @ B.T + np.eye(3)
    v = np.ones(3) / np.sqrt(3.0)
    for _ in range(6):
        w = A @ v
        v = w / np.linalg.norm(w)
    return v @ A @ v


add(power_iteration_rayleigh, lambda r: (_n(r, (3, 3)),))


def listnet_ranking(scores, relevance):
    p_true = np.exp(relevance) / np.sum(np.exp(relevance))
    log_p = scores - lse(scores)
    return -np.sum(p_true * log_p)


add(listnet_ranking, lambda r: (_n(r, 5), _n(r, 5)), wrt=(0, 1))


def dag_longest_path_soft(weights, temp=0.25):
    n = weights.shape[0]
    best = [0.0]
    for j in range(1, n):
        cands = [best[i] + weights[i, j] for i in range(j)]
        best.append(temp * lse(np.array(cands) / temp))
    return best[-1]


add(dag_longest_path_soft, lambda r: (_n(r, (5, 5)),))


def matrix_factorization_loss(U, V, R, mask):
    pred = U @ V.T
    err = (pred - R) * mask
    return 0.5 * np.sum(err**2) + 0.05 * (np.sum(U**2) + np.sum(V**2))


add(matrix_factorization_loss,
    lambda r: (_n(r, (4, 2)), _n(r, (3, 2)), _n(r, (4, 3)),
               (r.uniform(size=(4, 3)) < 0.7).astype(float)),
    wrt=(0, 1))


def elastic_net_smooth(w, X, y):
    r_ = X @ w - y
    l1 = np.sum(np.sqrt(w * w + 1e-2))
    return 0.5 * np.mean(r_**2) + 0.1 * l1 + 0.05 * np.linalg.norm(w) ** 2


add(elastic_net_smooth, lambda r: (_n(r, 4), _n(r, (6, 4)), _n(r, 6)), wrt=(0, 1, 2))


def mixture_of_experts(gate_W, experts, x):
    g = np.exp(gate_W @ x - lse(gate_W @ x))
    outs = [np.tanh(experts[k] @ x) for k in range(experts.shape[0])]
    total = 0.0
    for k, out in enumerate(outs):
        total = total + g[k] * np.sum(out**2)
    return total


add(mixture_of_experts, lambda r: (_n(r, (3, 4)), _n(r, (3, 2, 4)), _n(r, 4)), wrt=(0, 1, 2))


def gru_like(params, xs):
    h = np.zeros(3)
    for t in range(xs.shape[0]):
        z = sigmoid(params["Wz"] @ xs[t] + params["Uz"] @ h)
        cand = np.tanh(params["Wh"] @ xs[t] + params["Uh"] @ (z * h))
        h = (1.0 - z) * h + z * cand
    return np.sum(h)


add(gru_like,
    lambda r: (_dict(r, {"Wz": (3, 2), "Uz": (3, 3), "Wh": (3, 2), "Uh": (3, 3)}, 0.7),
               _n(r, (4, 2))))


def bradley_terry(skills, winners, losers):
    total = 0.0
    for w, lo in zip(winners, losers):
        total = total + np.logaddexp(0.0, skills[lo] - skills[w])
    return total + 0.1 * np.sum(skills**2)


add(bradley_terry,
    lambda r: (_n(r, 4), np.array([0, 1, 2, 3, 0, 2]), np.array([1, 2, 3, 0, 2, 1])))


def quadrature_expectation(mu, log_s):
    nodes = np.array([-2.0201828704560856, -0.9585724646138185, 0.0, 0.9585724646138185,
                      2.0201828704560856])
    weights = np.array([0.019953242059045917, 0.39361932315224116, 0.9453087204829419,
                        0.39361932315224116, 0.019953242059045917])
    s = np.exp(log_s)
    vals = [softplus(mu + math.sqrt(2.0) * s * t) for t in nodes]
    return sum(w * v for w, v in zip(weights, vals)) / math.sqrt(math.pi)


add(quadrature_expectation, lambda r: (_u(r, -1, 1), _u(r, -1, 0.5)), wrt=(0, 1))


def string_kernel_dp(a, b, lam=0.7):
    n, m = a.shape[0], b.shape[0]
    K = [[1.0] * (m + 1)]
    for i in range(1, n + 1):
        row = [1.0]
        for j in range(1, m + 1):
            sim = math.exp(-((a[i - 1] - b[j - 1]) ** 2))
            row.append(lam * row[j - 1] + lam * K[i - 1][j] - lam * lam * K[i - 1][j - 1]
                       + lam * lam * sim * K[i - 1][j - 1])
        K.append(row)
    return math.log(K[n][m])


add(string_kernel_dp, lambda r: (_n(r, 3), _n(r, 4)), wrt=(0, 1))


def tiny_transformer_block(params, X):
    A = attention_head(params["Wq"], params["Wk"], params["Wv"], X)
    H = X + A @ params["Wo"]
    mu = H.mean(axis=1, keepdims=True)
    sd = H.std(axis=1, keepdims=True)
    Hn = (H - mu) / (sd + 1e-3)
    F = np.maximum(Hn @ params["W1"], 0.0) @ params["W2"] + 0.01 * Hn.sum()
    return np.sum((Hn + F) ** 2) / X.shape[0]


def _transformer_points(rng):
    params = _dict(rng, {"Wq": (3, 2), "Wk": (3, 2), "Wv": (3, 2), "Wo": (2, 3),
                         "W1": (3, 4), "W2": (4, 3)}, 0.6)
    X = _n(rng, (4, 3))
    return params, X


add(tiny_transformer_block, _transformer_points, atol=1e-5)


def newton_root_helper(a):
    def fval(t):
        return t * t * t - a

    def fprime(t):
        return 3.0 * t * t

    x = 1.0
    for _ in range(25):
        x = x - fval(x) / fprime(x)
    return x


add(newton_root_helper, lambda r: (_u(r, 0.5, 3.0),))


def kmeans_soft_assign(centers, X, beta=2.0):
    total = 0.0
    for i in range(X.shape[0]):
        d = np.sum((centers - X[i]) ** 2, axis=1)
        total = total - lse(-beta * d) / beta
    return total


add(kmeans_soft_assign, lambda r: (_n(r, (3, 2)), _n(r, (5, 2))), wrt=(0, 1))


def inside_outside_binary_tree(leaf_scores, merge):
    level = [leaf_scores[i] for i in range(leaf_scores.shape[0])]
    while len(level) > 1:
        nxt = []
        for i in range(0, len(level) - 1, 2):
            nxt.append(np.logaddexp(level[i] + merge, level[i + 1] - merge) + level[i] * 0.1)
        level = nxt
    return level[0]


add(inside_outside_binary_tree, lambda r: (_n(r, 8), _u(r, -1, 1)), wrt=(0, 1))


def polynomial_features_regression(w, x, y):
    feats = np.stack([np.ones_like(x), x, x**2, x**3], axis=1)
    pred = feats @ w
    return np.mean((pred - y) ** 2)


add(polynomial_features_regression, lambda r: (_n(r, 4), _u(r, -1, 1, 6), _n(r, 6)),
    wrt=(0, 1, 2))


def particle_smoothing_weights(log_w, values):
    w = np.exp(log_w - lse(log_w))
    ess = 1.0 / np.sum(w**2)
    mean = np.sum(w * values)
    return mean + 0.01 * ess + np.sum(w * (values - mean) ** 2)


add(particle_smoothing_weights, lambda r: (_n(r, 6), _n(r, 6)), wrt=(0, 1))


def elo_updates(ratings, results, k=0.2):
    r_ = ratings.copy()
    for a, b, s in results:
        ea = sigmoid(r_[a] - r_[b])
        r_[a] = r_[a] + k * (s - ea)
        r_[b] = r_[b] - k * (s - ea)
    return np.sum(r_**2) + r_[0] * r_[1]


add(elo_updates, lambda r: (_n(r, 3), [(0, 1, 1.0), (1, 2, 0.0), (2, 0, 1.0), (0, 2, 0.0)]))




# ===================================================== more calls and closures


def identity(t):
    return t


def first_of(a, b):
    return a


def weighted_dot(v, w=W4):
    return v @ w


def p_default(x, n=4):
    return 1.0 if n == 0 else x * p_default(x, n - 1) + 0.5


def nested_pair(x):
    return x * 2.0, (x * x, math.sin(x))


def l2_of(v):
    return np.sum(v**2)


def helper_with_nested_def(x, k):
    def scaled(t):
        return t * k

    return scaled(x) + scaled(x * x)


def first_above(v, level):
    for t in v:
        if t > level:
            return t * t
    return v[-1]


def calls_identity_and_first(x, y):
    a = identity(x)
    b = first_of(y * a, x)
    return a * b + identity(a * a)


add(calls_identity_and_first, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def calls_same_argument_twice(x):
    return poly2(x, x, x, x) + affine(x, x, x)


add(calls_same_argument_twice, lambda r: (_u(r, -1, 1),))


def calls_default_is_global_array(v):
    return weighted_dot(v) * weighted_dot(v, w=v)


add(calls_default_is_global_array, lambda r: (_n(r, 4),))


def calls_recursion_default_n(x):
    return p_default(x) + p_default(x, 2) * p_default(x, n=1)


add(calls_recursion_default_n, lambda r: (_u(r, -1, 1),))


def calls_nested_tuple_unpack(x):
    a, (b, c) = nested_pair(x)
    return a * b + c


add(calls_nested_tuple_unpack, lambda r: (_u(r, -1, 1),))


def calls_helper_in_comprehension(v):
    return sum(sq(t) * cube(t) for t in v) + sum([smooth_step(t) for t in v])


add(calls_helper_in_comprehension, lambda r: (_s(r, 0.2, 1.2, 5),))


def calls_helper_with_nested_def(x, k):
    return helper_with_nested_def(x, k) * helper_with_nested_def(k, 2.0)


add(calls_helper_with_nested_def, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def calls_helper_early_return_loop(v):
    return first_above(v, 0.5) + first_above(v * 2.0, 10.0)


def _first_above_points(rng):
    v = _u(rng, -1.0, 0.4, 5)
    v[rng.integers(1, 5)] = rng.uniform(0.7, 1.5)
    return (v,)


add(calls_helper_early_return_loop, _first_above_points)


def calls_dict_values_regularizer(params, x):
    data = np.sum(np.tanh(params["W"] @ x) ** 2)
    reg = sum(l2_of(v) for v in params.values())
    return data + 0.1 * reg


add(calls_dict_values_regularizer, lambda r: (_dict(r, {"W": (2, 3), "b": 2}), _n(r, 3)))


def calls_dict_items_loop(params):
    total = 0.0
    for key, value in params.items():
        if key.startswith("w"):
            total = total + np.sum(value**2)
        else:
            total = total + np.sum(value)
    return total


add(calls_dict_items_loop, lambda r: (_dict(r, {"w1": 3, "bias": 2, "w2": (2, 2)}),))


def calls_nested_dict_params(params, x):
    h = np.tanh(params["l1"]["W"] @ x + params["l1"]["b"])
    return np.sum(params["l2"]["W"] @ h)


add(calls_nested_dict_params,
    lambda r: ({"l1": _dict(r, {"W": (3, 2), "b": 3}), "l2": _dict(r, {"W": (2, 3)})},
               _n(r, 2)))


def calls_wrt_keyword_argument(x, *, scale=1.0):
    return np.sum(np.sin(x * scale)) * scale


add(calls_wrt_keyword_argument, lambda r: (_n(r, 3),), wrt="scale", kwargs={"scale": 0.7})


def closure_lambda_default_captures(x, y):
    f = lambda t, k=x: t * k
    x = y * 3.0
    return f(y) + f(y, k=x)


add(closure_lambda_default_captures, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def closure_def_default_captures(x):
    def inner(t, s=x * 2.0):
        return t * s

    x = x * x
    return inner(x) + inner(1.0, s=x)


add(closure_def_default_captures, lambda r: (_u(r, -1, 1),))


def closure_reads_later_binding(x):
    def inner(t):
        return t * later

    later = x * 3.0
    return inner(x)


add(closure_reads_later_binding, lambda r: (_u(r, -1, 1),))


def closure_lambda_rebound(x):
    f = lambda t: t * x
    a = f(2.0)
    f = lambda t: t * t
    return a + f(x)


add(closure_lambda_rebound, lambda r: (_u(r, -1, 1),))


def closure_def_in_branch(x, flag):
    if flag > 0:
        def act(t):
            return math.tanh(t)
    else:
        def act(t):
            return t * t
    return act(x) * x


add(closure_def_in_branch, lambda r: (_u(r, -1, 1), int(r.choice([-1, 1]))))


def closure_shadows_module_helper(x):
    def sq(t):
        return 3.0 * t

    return sq(x) + cube(x)


add(closure_shadows_module_helper, lambda r: (_u(r, -1, 1),))


def closure_parameter_shadows_outer(x, y):
    def inner(x):
        return x * 2.0 + y

    return inner(y) * x


add(closure_parameter_shadows_outer, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def closure_local_does_not_leak(x):
    w = x * 2.0

    def inner(t):
        w = t * 10.0
        return w + 1.0

    return inner(x) * w


add(closure_local_does_not_leak, lambda r: (_u(r, -1, 1),))


def closure_calls_closure(x, y):
    def a(t):
        return t * y

    def b(t):
        return a(t) + a(x)

    return b(x) * b(y)


add(closure_calls_closure, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def closure_def_in_loop(w, x):
    total = 0.0
    for i in range(3):
        def term(t):
            return t * w[i]  # noqa: B023 (called in the same iteration)

        total = total + term(x[i]) * term(1.0)
    return total


add(closure_def_in_loop, lambda r: (_n(r, 3), _n(r, 3)), wrt=(0, 1))


def closure_updated_in_loop(x):
    scale = 1.0

    def f(t):
        return t * scale

    total = 0.0
    for _ in range(3):
        scale = scale * x
        total = total + f(1.0)
    return total


add(closure_updated_in_loop, lambda r: (_u(r, -1.2, 1.2),))


def closure_lambda_in_generator(v, w):
    g = lambda t: t * w
    return sum(g(t) ** 2 for t in v)


add(closure_lambda_in_generator, lambda r: (_n(r, 4), _u(r, -1, 1)), wrt=(0, 1))


# ====================================================== more methods, builtins


def method_positional_axis(A):
    return (A.sum(0) ** 2).sum() + (A.mean(-1) ** 3).sum() + A.max(0).sum() + A.cumsum(1).sum()


add(method_positional_axis, lambda r: (_distinct(r, (3, 4)),))


def method_order_f(A):
    ramp = np.arange(6.0)
    return (A.ravel(order="F") * ramp).sum() + (A.flatten("F") ** 2 * ramp).sum()


add(method_order_f, lambda r: (_n(r, (2, 3)),))


def np_reshape_order_f(A):
    return np.sum(np.reshape(A, (3, 2), order="F") * np.arange(6.0).reshape(3, 2)) + np.sum(
        np.ravel(A, order="F") * np.arange(6.0)
    )


add(np_reshape_order_f, lambda r: (_n(r, (2, 3)),))


def method_squeeze_axis_tuple(v):
    M = v.reshape(1, 4, 1)
    return (M.squeeze(axis=(0, 2)) * W4).sum() + (np.squeeze(M, axis=(0, 2)) ** 2).sum()


add(method_squeeze_axis_tuple, lambda r: (_n(r, 4),))


def method_clip_array_bounds(v, lo, hi):
    return (v.clip(lo, hi) * RAMP5).sum()


def _clip_array_points(rng):
    lo = _u(rng, -1.0, -0.5, 5)
    hi = _u(rng, 0.5, 1.0, 5)
    v = np.where(rng.uniform(size=5) < 0.5, lo - 0.3, hi + 0.3)
    v = np.where(rng.uniform(size=5) < 0.4, _u(rng, -0.3, 0.3, 5), v)
    return v, lo, hi


add(method_clip_array_bounds, _clip_array_points, wrt=(0, 1, 2))


def method_transposed_ravel(A):
    return (A.T.ravel() * np.arange(6.0)).sum() + (A.T.flatten() ** 3 * np.arange(6.0)).sum()


add(method_transposed_ravel, lambda r: (_n(r, (2, 3)),))


def method_dot_1d_2d(x, W):
    return x.dot(W).dot(W.T).dot(x) + x.T.dot(x)


add(method_dot_1d_2d, lambda r: (_n(r, 3), _n(r, (3, 4))), wrt=(0, 1))


def method_squeeze_to_scalar(x):
    return x.reshape(1, 1).squeeze() * x.sum() + x.reshape(1, 1).squeeze() ** 2


add(method_squeeze_to_scalar, lambda r: (_n(r, 1),))


def method_astype_string_dtype(v):
    return (v.astype("float64") ** 2).sum() + v.astype(np.float64).prod()


add(method_astype_string_dtype, lambda r: (_u(r, 0.5, 1.5, 4),))


def method_sum_dtype_argument(v):
    return np.sum(v**2, dtype=float) + np.mean(v, dtype=np.float64) + v.sum(dtype=np.float64)


add(method_sum_dtype_argument, lambda r: (_n(r, 4),))


def builtins_over_array(v):
    return sum(v) * max(v) + min(v) ** 2 + len(v) * sum(v * v)


add(builtins_over_array, lambda r: (_distinct(r, 5),))


def builtins_sum_rows_of_matrix(A):
    return np.sum(sum(A) ** 2) + np.sum(sum(A, np.ones(3)))


add(builtins_sum_rows_of_matrix, lambda r: (_n(r, (4, 3)),))


def builtins_sorted_array(v):
    s = sorted(v)
    return s[0] * 1.0 + s[-1] * 3.0 + s[1] * s[2]


add(builtins_sorted_array, lambda r: (_distinct(r, 5),))


def builtins_sorted_reverse(x, y, z):
    s = sorted([x, y, z], reverse=True)
    return s[0] * 3.0 + s[1] * 2.0 + s[2]


add(builtins_sorted_reverse, lambda r: tuple(float(t) for t in _distinct(r, 3)), wrt=(0, 1, 2))


def builtins_max_generator(v):
    return max(t * t for t in v) + min(abs(t - 0.3) for t in v)


def _max_gen_points(rng):
    v = _distinct(rng, 5, -1.9, 2.0)
    return (v,)


add(builtins_max_generator, _max_gen_points)


def builtins_abs_array(v):
    return np.sum(abs(v) * RAMP5) + np.sum(abs(v - 3.0))


add(builtins_abs_array, lambda r: (_s(r, 0.2, 2.0, 5),))


def builtins_pow_float(x, y):
    return pow(x, 3) + pow(x, y) + float(x) * y + float(np.sum(np.array([x, y]) ** 2))


add(builtins_pow_float, lambda r: (_u(r, 0.5, 2.0), _u(r, -1, 1)), wrt=(0, 1))


def builtins_sum_start_array(xs):
    total = sum([np.sin(x) for x in xs], np.zeros(3))
    return np.sum(total**2)


add(builtins_sum_start_array, lambda r: ([_n(r, 3), _n(r, 3)],))


def math_hypot_three(x, y, z):
    return math.hypot(x, y, z) + math.log(x, 2.0) + math.pow(x, y) + math.copysign(y, -1.0)


add(math_hypot_three, lambda r: (_u(r, 0.5, 2), _u(r, 0.3, 1), _u(r, -1, 1)), (0, 1, 2))


def list_replicated(x, y):
    vals = [x] * 3 + [y]
    return sum(vals) * vals[0] + vals[-1] * len(vals)


add(list_replicated, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def list_concat_operator(x, y):
    a = [x, y]
    b = a + [x * y]
    b += [y * y]
    return sum(b) * b[2] + b[-1]


add(list_concat_operator, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def list_reverse_slice(x, y):
    vals = [x, y, x * y, x - y]
    rev = vals[::-1]
    mid = vals[1:-1]
    return rev[0] * 2.0 + sum(mid) * rev[-1]


add(list_reverse_slice, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def list_append_in_branches(v):
    pos = []
    neg = []
    for t in v:
        if t > 0.0:
            pos.append(t * t)
        else:
            neg.append(-t)
    return sum(pos) * len(neg) + sum(neg) + (pos[-1] if len(pos) > 0 else 0.0)


add(list_append_in_branches, lambda r: (_s(r, 0.2, 1.5, 6),))


def list_enumerate_start(xs):
    total = 0.0
    for i, t in enumerate(xs, start=1):
        total = total + i * t * t
    return total


add(list_enumerate_start, lambda r: ([_u(r, -1, 1) for _ in range(4)],))


def list_comprehension_ifelse(v):
    vals = [t * t if t > 0.0 else -t for t in v]
    return sum(vals) + vals[0] * vals[-1]


add(list_comprehension_ifelse, lambda r: (_s(r, 0.2, 1.5, 5),))


def list_nested_comprehension(A):
    rows = [[A[i, j] * (i + j + 1.0) for j in range(A.shape[1])] for i in range(A.shape[0])]
    return sum(sum(row) for row in rows) + rows[1][2] * rows[0][0]


add(list_nested_comprehension, lambda r: (_n(r, (2, 3)),))


def list_of_lists_input(grid):
    return sum(sum(t * t for t in row) for row in grid) + grid[0][1] * grid[1][0]


add(list_of_lists_input, lambda r: ([[_u(r, -1, 1) for _ in range(2)] for _ in range(2)],))


def list_tuple_of_arrays_from_helper(W, x):
    outs = [moments(W[i] * x) for i in range(W.shape[0])]
    return sum(m * v for m, v in outs)


add(list_tuple_of_arrays_from_helper, lambda r: (_n(r, (3, 4)), _n(r, 4)), wrt=(0, 1))


# ============================================ builtins over lists: list, tuple, map, ...


def list_constructor(v):
    vals = list(v)
    return vals[0] * vals[-1] + sum(vals)


add(list_constructor, lambda r: (_n(r, 3),))


def tuple_constructor(x, y):
    t = tuple([x, y])
    return t[0] * t[1]


add(tuple_constructor, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def map_builtin(v):
    return sum(map(np.sin, v))


add(map_builtin, lambda r: (_n(r, 3),))


def min_with_key(x, y):
    return min([x, y], key=abs)


add(min_with_key, lambda r: (_u(r, 0.2, 0.5), _u(r, 0.7, 1.0)), wrt=(0, 1))


def list_and_tuple_of_generators(v, w):
    pairs = list(zip(v, w))
    prods = tuple(a * b for a, b in pairs)
    grown = list(prods)
    grown.append(v[0] ** 2)
    return sum(grown) * prods[1] + len(pairs) * pairs[-1][0] + len(tuple()) + len(list())


def _two_vectors(rng, n=4):
    return _n(rng, n), _n(rng, n)


add(list_and_tuple_of_generators, _two_vectors, wrt=(0, 1))


def list_copy_then_appended(xs, y):
    ys = list(xs)
    ys.append(y * y)
    ys.extend(list(map(math.exp, xs)))
    ys[0] = ys[0] * y
    return sum(t * t for t in ys) + ys[-1] * xs[0]


add(list_copy_then_appended, lambda r: ([_u(r, -1, 1) for _ in range(3)], _u(r, -1, 1)),
    wrt=(0, 1))


def map_lambda_and_module_function(v, w):
    scaled = list(map(lambda t: t * w, v))
    return sum(map(sq, scaled)) + sum(map(lambda a, b: a * b, scaled, v)) + sum(map(cube, [w, 1.5]))


add(map_lambda_and_module_function, lambda r: (_n(r, 4), _u(r, -1, 1)), wrt=(0, 1))


def map_numpy_over_rows(A, b):
    norms = list(map(np.linalg.norm, A))
    total = 0.0
    for r in map(np.add, A, [b, b * 2.0, np.ones(3)]):
        total = total + np.sum(np.tanh(r))
    return sum(norms) + total


add(map_numpy_over_rows, lambda r: (_n(r, (3, 3)), _n(r, 3)), wrt=(0, 1))


def map_in_loop_closure(s, xs):
    h = [0.1, -0.2, 0.3]
    for x in xs:
        h = list(map(lambda t, u: np.tanh(s * t + u), h, [x, x * x, 1.0]))
    return sum(h) + h[0] * h[2]


add(map_in_loop_closure, lambda r: (_u(r, 0.3, 1.2), [_u(r, -1, 1) for _ in range(3)]),
    wrt=(0, 1))


def min_max_key_mixed_constants(v, c):
    total = 0.0
    for t in v:
        nearest = min([t * c, 0.25, t - c], key=lambda u: abs(u - 0.1))
        widest = max(t * t, -c, 0.5 * t, key=abs)
        total = total + nearest * widest
    return total


def _min_max_key_points(rng):
    return _distinct(rng, 4, 0.3, 1.6), _u(rng, 0.6, 0.9)


add(min_max_key_mixed_constants, _min_max_key_points, wrt=(0, 1))


def max_key_over_enumerate(xs):
    i, best = max(enumerate(xs), key=lambda p: p[1] * p[1])
    j, worst = min(enumerate(xs, start=1), key=lambda p: p[1])
    return best * i + worst * j + max(xs, key=np.abs) ** 2


add(max_key_over_enumerate, lambda r: ([float(t) for t in _distinct(r, 5, -2.0, 1.0)],))


def min_key_numpy_function_rows(A):
    best = min(A, key=np.linalg.norm)
    return np.sum(best * best) + np.sum(max(A, key=np.sum))


add(min_key_numpy_function_rows, lambda r: (_n(r, (4, 3)),))


def sorted_key_and_reverse(v, w):
    by_size = sorted(v, key=abs, reverse=True)
    weighted = sorted((t * w for t in v), key=lambda s: -s)
    rows = sorted([v * w, v + w, v * v], key=np.sum)
    return by_size[0] * 3.0 + by_size[-1] + weighted[1] * weighted[0] + np.sum(rows[0] * RAMP5[:4])


def _sorted_points(rng):
    return _distinct(rng, 4, 0.2, 1.9) * rng.choice([-1.0, 1.0], size=4), _u(rng, 0.5, 0.9)


add(sorted_key_and_reverse, _sorted_points, wrt=(0, 1))


def sorted_in_loop_top_two(A):
    total = 0.0
    for row in A:
        top = sorted(list(row), reverse=True)
        total = total + top[0] * 2.0 + top[1]
    return total


add(sorted_in_loop_top_two, lambda r: (_distinct(r, (3, 4)),))


def enumerate_start_nested(A, xs):
    total = 0.0
    for i, row in enumerate(A, 1):
        for j, a in enumerate(row, start=i):
            total = total + a * j / i
    for k, x in enumerate(xs, -2):
        total = total + k * x * x
    return total


add(enumerate_start_nested, lambda r: (_n(r, (2, 3)), [_u(r, -1, 1) for _ in range(3)]),
    wrt=(0, 1))


def list_join_in_loop_states(W, xs):
    h = np.zeros(W.shape[0])
    hs = [h]
    for x in xs:
        h = np.tanh(W @ h + x)
        hs = hs + [h]
    return sum(np.sum(s * s) for s in hs[1:]) + np.sum(hs[-1] * hs[1])


add(list_join_in_loop_states, lambda r: (_n(r, (3, 3), 0.6), _n(r, (4, 3))), wrt=(0, 1))


def list_repeat_and_join_mixed(x, y, v):
    row = [x, 0.5] * 2
    grid = 2 * [y * y] + row + [1.0]
    both = (x, y) + (v[0],) * 3
    grid += [v[1] * x]
    return sum(t * (i + 1.0) for i, t in enumerate(grid)) + both[4] * both[0] + grid[-1]


add(list_repeat_and_join_mixed, lambda r: (_u(r, -1, 1), _u(r, -1, 1), _n(r, 3)),
    wrt=(0, 1, 2))


def list_join_inputs_and_array_plus_list(xs, ys, v):
    zs = list(xs) + ys
    arr = v + [zs[0], zs[-1], 1.0]  # an array plus a list: elementwise
    parts = list(xs) + [np.sum(arr)]
    return zs[0] * zs[-1] + sum(zs) + np.sum(arr**2) + parts[-1] * parts[0]


add(list_join_inputs_and_array_plus_list, lambda r: ([_u(r, -1, 1) for _ in range(2)],
                                                     [_u(r, -1, 1) for _ in range(2)],
                                                     _n(r, 3)), wrt=(0, 1, 2))


def list_join_then_appended_and_written(x, y):
    vals = [x, y] + [x * y]
    vals.append(y * 2.0)
    vals[1] = vals[1] * vals[2]
    more = vals * 2
    more.append(x)
    return sum(more) + more[1] * more[-2]


add(list_join_then_appended_and_written, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def dict_built_inside(x, y):
    d = {"a": x * y, "b": x + y}
    return d["a"] * d["b"]


add(dict_built_inside, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def dict_comprehension(x):
    d = {k: x * k for k in range(3)}
    return d[2] + d[1]


add(dict_comprehension, lambda r: (_u(r, -1, 1),))


def dict_written_and_iterated(x, y, v):
    d = {"w": v * x, "s": y, "c": 2.0}
    d["t"] = x * x
    d["s"] = d["s"] * 3.0
    total = 0.0
    for k in d:
        total = total + np.sum(d[k]) * len(k)
    for _k, val in d.items():
        total = total + np.sum(val * val) * 0.5
    return total + sum(np.sum(t) for t in d.values()) + sum(map(np.sum, d.values()))


add(dict_written_and_iterated, lambda r: (_u(r, -1, 1), _u(r, -1, 1), _n(r, 2)), wrt=(0, 1, 2))


def dict_accumulates_in_loop(xs):
    counts = {}
    for i, t in enumerate(xs):
        key = i % 3
        if key in counts:
            counts[key] = counts[key] + t * t
        else:
            counts[key] = t
    best = max(counts, key=lambda k: counts[k])
    return counts[0] * counts[1] + counts[2] + counts[best]


add(dict_accumulates_in_loop, lambda r: ([_u(r, -1, 1) for _ in range(7)],))


def dict_of_layers_in_function(W, b, x):
    layers = {"first": (W, b), "second": (W.T, b * 0.5)}
    h = x
    for name in ["first", "second"]:
        A, c = layers[name]
        h = np.tanh(A @ h + c)
    stats = {name: np.sum(h * k) for k, name in enumerate(layers, start=1)}
    return stats["first"] + stats["second"] ** 2


add(dict_of_layers_in_function, lambda r: (_n(r, (3, 3)), _n(r, 3), _n(r, 3)), wrt=(0, 1, 2))


def dict_comprehension_over_items_nested(params):
    scaled = {k: v * 2.0 for k, v in params.items()}
    squares = {k: {"sq": np.sum(v * v), "raw": v} for k, v in scaled.items() if k != "skip"}
    return sum(d["sq"] for d in squares.values()) + np.sum(squares["a"]["raw"]) + len(scaled)


add(dict_comprehension_over_items_nested,
    lambda r: ({"a": _n(r, 2), "b": _n(r, 3), "skip": _n(r, 1)},))


def comprehension_rebinds_its_iterable(xs, w):
    xs = [t * w for t in xs]  # reads the old xs
    xs = list(map(lambda t: t + len(xs), xs))
    hs = []
    for t in xs:
        hs.append(np.tanh(t))
    hs = [h * h for h in hs]
    return sum(xs) + sum(hs) * hs[0]


add(comprehension_rebinds_its_iterable, lambda r: ([_u(r, -1, 1) for _ in range(3)],
                                                   _u(r, 0.2, 0.8)), wrt=(0, 1))


def pop_queue_in_loop(v):
    queue = list(v * v)
    total = 0.0
    while len(queue) > 1:
        a = queue.pop(0)
        b = queue.pop()
        queue.append(a * b + 0.5)
        total = total + a - b
    return total + queue.pop() * 2.0


add(pop_queue_in_loop, lambda r: (_n(r, 5),))


def pop_discarded_and_negative_index(x, y):
    stack = [x, 2.0, y, x * y, 3.0]
    stack.pop(1)
    mid = stack.pop(-2)
    stack.pop()
    return mid * stack[0] + stack[-1] * y + len(stack)


add(pop_discarded_and_negative_index, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def pop_in_branch_of_loop(v):
    kept = []
    for t in v:
        kept.append(t)
        if t > 0.0 and len(kept) > 1:
            last = kept.pop()
            kept[-1] = kept[-1] + last * last
    return sum(kept) + kept[0] * kept[-1]


add(pop_in_branch_of_loop, lambda r: (_s(r, 0.2, 1.5, 6),))


# ========================================================= more NumPy rules


def np_general_solve_inv_det(A, b):
    x = np.linalg.solve(A, b)
    return x @ COLW + np.sum(np.linalg.inv(A) * np.arange(9.0).reshape(3, 3)) + np.linalg.det(A)


def _general_matrix(rng, n=3):
    return rng.normal(0.0, 0.5, size=(n, n)) + 2.0 * np.eye(n)


add(np_general_solve_inv_det, lambda r: (_general_matrix(r), _n(r, 3)), wrt=(0, 1))


def np_general_slogdet(A):
    sign, logdet = np.linalg.slogdet(A)
    return logdet * 2.0 + sign


def _neg_det_points(rng):
    A = _general_matrix(rng)
    if rng.uniform() < 0.5:
        A = A[[1, 0, 2]]
    return (A,)


add(np_general_slogdet, _neg_det_points)


def np_solve_matrix_rhs(A, B):
    X = np.linalg.solve(A, B)
    return np.sum(X * np.arange(6.0).reshape(3, 2))


add(np_solve_matrix_rhs, lambda r: (_general_matrix(r), _n(r, (3, 2))), wrt=(0, 1))


def np_cholesky_direct(S):
    L = np.linalg.cholesky(S)
    return np.sum(L * np.array([[1.0, 0.0, 0.0], [2.0, -1.0, 0.0], [0.5, 3.0, 1.5]]))


add(np_cholesky_direct, lambda r: (_spd(r, 3),))


def np_norm_fro_and_axis(A, x):
    return (
        np.linalg.norm(A, "fro")
        + np.sum(np.linalg.norm(A, axis=1, keepdims=True))
        + np.linalg.norm(x, ord=np.inf) * np.linalg.norm(x, 1)
    )


add(np_norm_fro_and_axis, lambda r: (_n(r, (3, 4)), _distinct(r, 4) + 0.05), wrt=(0, 1))


def np_einsum_more(A, B, C, T):
    return (
        np.sum(np.einsum("ii->i", A) ** 2)
        + np.sum(np.einsum("ij,jk,kl->il", A, B, C))
        + np.sum(np.einsum("...ij,...jk->...ik", T, B) ** 2)
        + np.einsum("ij->", A * B)
    )


add(np_einsum_more,
    lambda r: (_n(r, (3, 3)), _n(r, (3, 3)), _n(r, (3, 2)), _n(r, (2, 4, 3))), wrt=(0, 1, 2, 3))


def np_outer_inner_matrices(A, B):
    return np.sum(np.outer(A, B) * 0.5) + np.sum(np.inner(A, B) ** 2) + np.vdot(A, B)


add(np_outer_inner_matrices, lambda r: (_n(r, (2, 3)), _n(r, (2, 3))), wrt=(0, 1))


def np_tensordot_axes0(x, y):
    return np.sum(np.tensordot(x, y, axes=0) * np.arange(12.0).reshape(3, 4))


add(np_tensordot_axes0, lambda r: (_n(r, 3), _n(r, 4)), wrt=(0, 1))


def np_dot_scalar_and_matmul_1d(x, A, s):
    return np.sum(np.dot(s, x) ** 2) + np.sum(np.matmul(x, A) ** 2) + np.sum(np.matmul(A, x[:4]))


add(np_dot_scalar_and_matmul_1d, lambda r: (_n(r, 4), _n(r, (4, 4)), _u(r, 0.5, 1.5)),
    wrt=(0, 1, 2))


def np_concat_axis1_split_axis1(A, B):
    C = np.concatenate([A, B * 2.0], axis=1)
    left, right = np.split(C, [2], axis=1)
    flat = np.concatenate([A, B], axis=None)
    return np.sum(left**2) + np.sum(right * np.arange(3.0)) + np.sum(flat**2)


add(np_concat_axis1_split_axis1, lambda r: (_n(r, (2, 2)), _n(r, (2, 3))), wrt=(0, 1))


def np_stack_negative_axis_and_scalars(x, y, v):
    M = np.stack([v, v * x], axis=-1)
    s = np.stack([x, y, x * y])
    return np.sum(M[:, 1] * M[:, 0]) + np.sum(s * COLW)


add(np_stack_negative_axis_and_scalars, lambda r: (_u(r, -1, 1), _u(r, -1, 1), _n(r, 3)),
    wrt=(0, 1, 2))


def np_array_nested_lists(x, y):
    M = np.array([[x, y], [y * 2.0, x * x]])
    return np.linalg.det(M) + np.sum(M @ M)


add(np_array_nested_lists, lambda r: (_u(r, 0.5, 1.5), _u(r, -0.5, 0.5)), wrt=(0, 1))


def np_concat_array_and_list(v, y):
    z = np.concatenate([v, [y, y * y]])
    return np.sum(z**2 * RAMP5)


add(np_concat_array_and_list, lambda r: (_n(r, 3), _u(r, -1, 1)), wrt=(0, 1))


def np_repeat_axis_and_counts(A):
    return np.sum(np.repeat(A, 2, axis=0) * np.arange(12.0).reshape(4, 3)) + np.sum(
        np.repeat(A, [1, 2, 3], axis=1) ** 2
    )


add(np_repeat_axis_and_counts, lambda r: (_n(r, (2, 3)),))


def np_roll_flat_flip_all(A):
    return np.sum(np.roll(A, -2) * np.arange(6.0).reshape(2, 3)) + np.sum(
        np.flip(A) * np.arange(6.0).reshape(2, 3)
    )


add(np_roll_flat_flip_all, lambda r: (_n(r, (2, 3)),))


def np_pad_1d_and_explicit_mode(v):
    return np.sum(np.pad(v, (2, 1)) * np.arange(7.0)) + np.sum(
        np.pad(v, 1, mode="constant") ** 2
    )


add(np_pad_1d_and_explicit_mode, lambda r: (_n(r, 4),))


def np_take_flat_negative(A):
    return np.sum(np.take(A, [0, 5, -1, 2]) * W4) + np.sum(np.take(A, [-1, 0], axis=0) ** 2)


add(np_take_flat_negative, lambda r: (_n(r, (2, 3)),))


def np_tri_offsets_and_diag_k(A, v):
    return (
        np.sum(np.triu(A, -1) * np.arange(9.0).reshape(3, 3))
        + np.sum(np.tril(A, 1) ** 2)
        + np.sum(np.diag(v, k=1) * np.arange(9.0).reshape(3, 3))
    )


add(np_tri_offsets_and_diag_k, lambda r: (_n(r, (3, 3)), _n(r, 2)), wrt=(0, 1))


def np_diagonal_3d(T):
    return np.sum(np.diagonal(T, axis1=1, axis2=2) * np.arange(6.0).reshape(2, 3))


add(np_diagonal_3d, lambda r: (_n(r, (2, 3, 3)),))


def np_sort_axis0_and_none(A):
    return np.sum(np.sort(A, axis=0) * np.arange(6.0).reshape(3, 2)) + np.sum(
        np.sort(A, axis=None) * np.arange(6.0)
    )


add(np_sort_axis0_and_none, lambda r: (_distinct(r, (3, 2)),))


def np_average_active_weights(A, w):
    return np.sum(np.average(A, axis=1, weights=w) * COLW) + np.average(w, weights=w)


add(np_average_active_weights, lambda r: (_n(r, (3, 4)), _u(r, 0.5, 1.5, 4)), wrt=(0, 1))


def np_var_std_keepdims_tuple(T):
    return np.sum(np.var(T, axis=0, keepdims=True) * T) + np.sum(np.std(T, axis=(1, 2), ddof=1))


add(np_var_std_keepdims_tuple, lambda r: (_n(r, (2, 3, 2)),))


def np_cumsum_flat_cumprod_negative(A, v):
    return np.sum(np.cumsum(A) * np.arange(6.0)) + np.sum(np.cumprod(v) * RAMP5)


add(np_cumsum_flat_cumprod_negative, lambda r: (_n(r, (2, 3)), _s(r, 0.5, 1.5, 5)), wrt=(0, 1))


def np_where_scalar_broadcast(v, s):
    return np.sum(np.where(v > 0.0, s, v * s) * RAMP5) + np.sum(np.maximum(v, s) * v)


def _where_scalar_points(rng):
    s = _u(rng, -0.2, 0.2)
    v = _s(rng, 0.4, 1.5, 5)
    return v, s


add(np_where_scalar_broadcast, _where_scalar_points, wrt=(0, 1))


def np_nansum_heaviside(v, w):
    return np.nansum(v * w) + np.sum(np.heaviside(v, w) * v)


add(np_nansum_heaviside, lambda r: (_s(r, 0.3, 1.5, 4), _n(r, 4)), wrt=(0, 1))


def np_fancy_index_accumulate(v, A):
    return np.sum(v[[0, 0, 2, 1, 0]] * RAMP5) + np.sum(A[[0, 1, 1], [2, 2, 0]] ** 2) + np.sum(
        A[::2, 1:] * 3.0
    ) + np.sum(v[::-1] * np.arange(3.0))


add(np_fancy_index_accumulate, lambda r: (_n(r, 3), _n(r, (3, 3))), wrt=(0, 1))


def np_mask_2d_and_masked_write(A):
    buf = np.zeros_like(A)
    mask = A > 0.0
    buf[mask] = A[mask] ** 2
    return np.sum(buf) + np.sum(A[A < 0.0] * 3.0)


add(np_mask_2d_and_masked_write, lambda r: (_s(r, 0.2, 1.5, (3, 3)),))


def np_expand_broadcast_moveaxis_lists(x, T):
    B = np.broadcast_to(x[:, None], (3, 4))
    M = np.moveaxis(T, [0, 1], [2, 0])
    E = np.expand_dims(x, (0, 2))
    return np.sum(B * np.arange(12.0).reshape(3, 4)) + np.sum(M[0] ** 2) + np.sum(E**3)


add(np_expand_broadcast_moveaxis_lists, lambda r: (_n(r, 3), _n(r, (2, 3, 2))), wrt=(0, 1))


def np_hstack_vstack_2d(A, B):
    return np.sum(np.hstack([A, B]) * np.arange(10.0).reshape(2, 5)) + np.sum(
        np.vstack([A, B[:, :2]]) ** 2
    )


add(np_hstack_vstack_2d, lambda r: (_n(r, (2, 2)), _n(r, (2, 3))), wrt=(0, 1))


def np_power_negative_and_arrays(x, y):
    return np.sum(np.power(x, -2.0) + x ** (-0.5) + np.float_power(x, y) + np.power(y, 2))


add(np_power_negative_and_arrays, lambda r: (_u(r, 0.5, 2, 3), _u(r, -1, 1, 3)), wrt=(0, 1))


def sp_more(A, v):
    return (
        np.sum(sps.logsumexp(A, axis=(0, 1)))
        + np.sum(sps.softmax(A, axis=0) * A)
        + np.sum(sps.gammaln(v[:, None] * A**2 + 0.5))
        + np.sum(sps.log_softmax(v))
    )


add(sp_more, lambda r: (_n(r, (3, 3)), _u(r, 0.5, 1.5, 3)), wrt=(0, 1), scipy=True)


# ================================================ found while writing this corpus


def needleman_wunsch_array(S, gap):
    n, m = S.shape
    F = np.zeros((n + 1, m + 1))
    for j in range(1, m + 1):
        F[0, j] = -gap * j
    for i in range(1, n + 1):
        F[i, 0] = -gap * i
        for j in range(1, m + 1):
            F[i, j] = lse(np.array([F[i - 1, j - 1] + S[i - 1, j - 1],
                                    F[i - 1, j] - gap, F[i, j - 1] - gap]))
    return F[n, m]


add(needleman_wunsch_array, lambda r: (_n(r, (3, 4)), _u(r, 0.3, 1.0)), wrt=(0, 1))


def elo_updates_np_copy(ratings, results, k=0.2):
    r_ = np.copy(ratings)
    for a, b, s in results:
        ea = sigmoid(r_[a] - r_[b])
        r_[a] = r_[a] + k * (s - ea)
        r_[b] = r_[b] - k * (s - ea)
    return np.sum(r_**2) + r_[0] * r_[1]


add(elo_updates_np_copy,
    lambda r: (_n(r, 3), [(0, 1, 1.0), (1, 2, 0.0), (2, 0, 1.0), (0, 2, 0.0)]))


def method_take_and_repeat(v):
    return np.sum(v.take(IDX) ** 2) + np.sum(v.repeat(2) * np.arange(8.0))


add(method_take_and_repeat, lambda r: (_n(r, 4),))


def list_from_tolist(v):
    vals = v.tolist()
    return sum(vals) * 2.0


add(list_from_tolist, lambda r: (_n(r, 4),))


def np_rules_on_python_lists(x, y):
    return (
        np.dot([x, y], [y, 1.0])
        + np.sum(np.maximum([x, y], 0.1))
        + np.sum(np.clip([x, y], -0.5, 1.0))
        + np.sum(np.arctan2([x, y], [1.0, 2.0]))
    )


add(np_rules_on_python_lists, lambda r: (_u(r, 0.3, 0.9), _u(r, 0.3, 0.9) + 0.5), wrt=(0, 1))


def np_rules_on_two_python_lists(x, y):
    # two lists compared with >= are compared lexicographically, not elementwise
    return np.sum(np.maximum([x, y], [0.4, 0.6]) ** 2) + np.sum(np.heaviside([0.0, y], [x, 2.0]))


add(np_rules_on_two_python_lists, lambda r: (_u(r, 0.1, 0.9), _u(r, 0.1, 0.9)), wrt=(0, 1))


def np_rule_on_python_list_in_branch(x, y, n):
    # in the iterations where the branch is not taken, np.log's gradient is the float 0.0
    s = 0.0
    for i in range(n):
        z = np.log([x, y])
        if i == 1:
            s = s + np.sum(z)
    return s


add(np_rule_on_python_list_in_branch, lambda r: (_u(r, 0.3, 0.9), _u(r, 0.3, 0.9), 3),
    wrt=(0, 1))


def np_rules_on_python_list_parameter(xs, w):
    return np.sum(np.maximum(xs, 0.2) * np.arctan2(xs, 2.0)) + np.dot(xs, w)


add(np_rules_on_python_list_parameter,
    lambda r: ([_u(r, -1, 1) for _ in range(3)], _u(r, -1, 1, 3)), wrt=(0, 1))


def np_python_lists_that_work(x, y):
    A = np.array([[2.0, 0.5], [0.3, 1.5]])
    return (
        np.sum(np.matmul([x, y], A))
        + np.sum(np.outer([x, y], [y, 1.0]) ** 2)
        + np.sum(np.linalg.solve(A, [x, y]))
        + np.einsum("i,i->", [x, y], [y, 2.0])
        + np.sum(np.cumsum([x, y, x * y]) ** 2)
        + np.linalg.norm([x, y])
        + np.var([x, y, 1.0])
        + np.average([x, y], weights=[1.0, 3.0])
        + np.sum(np.pad([x, y], 1) ** 2)
    )


add(np_python_lists_that_work, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def list_dp_table(x, w):
    n = w.shape[0]
    dp = [0.0] * (n + 1)
    dp[0] = x
    for i in range(1, n + 1):
        dp[i] = dp[i - 1] * w[i - 1] + math.sin(dp[i - 1])
    return dp[n]


add(list_dp_table, lambda r: (_u(r, -1, 1), _u(r, -0.9, 0.9, 4)), wrt=(0, 1))


def list_pop_stack(x, y):
    stack = [x, y, x * y]
    top = stack.pop()
    return top * stack[0] + stack[-1]


add(list_pop_stack, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), wrt=(0, 1))


def rnn_inplace_state_appended(W, xs):
    h = np.zeros(W.shape[0])
    hs = []
    for t in range(xs.shape[0]):
        h += np.tanh(W @ xs[t])
        hs.append(h)
    return np.sum(hs[0] * hs[-1])


add(rnn_inplace_state_appended, lambda r: (_n(r, (3, 3)), _n(r, (4, 3))), wrt=(0, 1))


def iterators_as_values(v):
    xs = [v[0], v[1] * v[2], np.sin(v[3])]
    total = sum(reversed(xs)) + max(reversed(xs))
    total = total + sum(x * i for i, x in enumerate(reversed(xs), 1))
    total = total + sum(p * q for p, q in zip(xs, reversed(xs)))
    return total + list(reversed(xs))[0] * 2.0 + sorted(zip(xs, [3, 1, 2]))[0][0]


add(iterators_as_values, lambda r: (_n(r, 4),))


def reversed_array_rows(A, w):
    rows = list(reversed(A))  # an array's rows, last first
    return sum(np.dot(row, w) * (k + 1.0) for k, row in enumerate(rows))


add(reversed_array_rows, lambda r: (_n(r, (3, 2)), _n(r, 2)), wrt=(0, 1))


# ----------------------------------------------- not supported yet (refused)


def loop_over_dict_argument(d):
    total = 0.0
    for k in d:  # its keys (it reads d[k]): once read d[0], d[1], ..., wrong with keys 0, 1
        total = total + k * d[k]
    return total + sorted(d)[0]


add(loop_over_dict_argument, lambda r: ({0: _u(r, 0.5, 1), 1: _u(r, 0.5, 1), 3: _u(r, 0.5, 1)},))


def refused_loop_over_dict_argument(d):
    total = 0.0
    for k in d:  # nothing says d is a dict: a loop over values
        total = total + k
    return total + sorted(d)[0]


refuse(refused_loop_over_dict_argument, lambda r: ({0: _u(r, 0.5, 1), 1: _u(r, 0.5, 1)},), 0,
       "PullbackError", "over a dict the function did not build")


def refused_name_both_dict_and_list(x, flag):
    d = [x, x * x]
    if flag:
        d = {0: x * 3.0, 1: x}
    total = 0.0
    for t in d:  # elements of a list, keys of a dict
        total = total + t
    return total


refuse(refused_name_both_dict_and_list, lambda r: (_u(r, -1, 1), True), 0,
       "UnsupportedSyntaxError", "holds a dict in one place")


def push_doubled(vals, t):
    vals.append(t * 2.0)
    return t


def refused_helper_mutates_callers_list(x):
    vals = [x]
    push_doubled(vals, x * x)
    return sum(vals)


# supported since buffers13: push_doubled is inlined, its append the caller's own
add(refused_helper_mutates_callers_list, lambda r: (_u(r, -1, 1),), 0)


def refused_map_bound_to_name(v):
    squares = map(sq, v)
    return sum(squares) + sum(squares)  # the second sum is 0.0: the map is used up


refuse(refused_map_bound_to_name, lambda r: (_n(r, 3),), 0,
       "UnsupportedSyntaxError", "map\\(\\) bound to a name")


def refused_generator_bound_to_name(v):
    squares = (t * t for t in v)
    return max(squares)


refuse(refused_generator_bound_to_name, lambda r: (_n(r, 3),), 0,
       "UnsupportedSyntaxError", "a generator bound to a name")


def refused_join_list_arguments(xs, ys):
    zs = xs + ys  # nothing tells pullback these arguments are lists
    return zs[0] * zs[-1]


refuse(refused_join_list_arguments, lambda r: ([_u(r, -1, 1)] * 2, [_u(r, -1, 1)] * 2),
       (0, 1), "PullbackError", "list\\(xs\\) \\+ ys")


def choose_activation(flag):
    return np.tanh if flag else np.sin


def refused_function_returned_by_helper(x):
    act = choose_activation(True)
    return np.sum(act(x))


refuse(refused_function_returned_by_helper, lambda r: (_n(r, 3),), 0,
       "NoRuleError", "call to act")


def zip_star_pairs(x, y):
    pairs = [(x, y), (y, x * y)]
    a, b = zip(*pairs)
    return sum(a) * sum(b)


add(zip_star_pairs, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), (0, 1))


def nonlocal_accumulator(x):
    total = 0.0

    def add_to(t):
        nonlocal total
        total = total + t
        return total

    add_to(x)
    return add_to(x * x)


add(nonlocal_accumulator, lambda r: (_u(r, -1, 1),))


def clip_min_max_keywords(v):
    return np.sum(np.clip(v, min=-1.0, max=1.0) ** 2) + np.sum(v.clip(min=1.0) * v)


add(clip_min_max_keywords, _clip_points)


def trace_offset(A):
    return np.trace(A, offset=1) * np.trace(A)


add(trace_offset, lambda r: (_n(r, (3, 3)),), 0)


def buffer_augmented_then_slice_write(v):
    buf = np.zeros(3)
    buf += v
    buf[1:] += v[:2] * 2.0
    return np.sum(buf**2)


add(buffer_augmented_then_slice_write, lambda r: (_n(r, 3),))


def sum_where(v):
    return np.sum(v**2, where=v > 0.0) + np.mean(v, where=v < 0.0)


add(sum_where, lambda r: (_s(r, 0.2, 1.5, 4),))


def prod_where(v):
    return np.prod(v, where=v > 0.0)


add(prod_where, lambda r: (_s(r, -1.5, 1.5, 5),))


def refused_ufunc_outer(x):
    return np.sum(np.multiply.outer(x, x))


refuse(refused_ufunc_outer, lambda r: (_n(r, 3),), 0, "NoRuleError", "np.multiply.outer")


def real_attribute(v):
    return np.sum(v.real**2)


add(real_attribute, lambda r: (_n(r, 3),))


def list_literal_of_appended_list(S, gap):
    n, m = S.shape
    first = []
    for j in range(m + 1):
        first.append(-gap * j)
    rows = [first]
    for i in range(1, n + 1):
        row = [-gap * i]
        for j in range(1, m + 1):
            row.append(lse(np.array([rows[i - 1][j - 1] + S[i - 1, j - 1],
                                     rows[i - 1][j] - gap, row[j - 1] - gap])))
        rows.append(row)
    return rows[n][m]


# `first` is handed on to `rows` and never written after that: supported
add(list_literal_of_appended_list, lambda r: (_n(r, (3, 4)), _u(r, 0.3, 1.0)), wrt=(0, 1))


def refused_reversed_bound_to_a_name(x, y):
    r = reversed([x, y * 2.0])
    return sum(r) + x


refuse(refused_reversed_bound_to_a_name, lambda r: (_u(r, -1, 1), _u(r, -1, 1)), (0, 1),
       "UnsupportedSyntaxError", r"reversed\(\) bound to a name")
