"""The differentiation corpus: ordinary Python/NumPy functions written the way users write them.

Every function here is a real module-level ``def`` (so ``inspect.getsource`` works)
and uses only the subset pullback supports. Each is registered in ``CASES`` with

* ``make_args(rng)``: a random point from a safe domain (bounded values, away from
  kinks, branch thresholds and singularities), drawn from a seeded generator;
* ``wrt``: what to differentiate with respect to;
* ``kwargs``: keyword arguments passed through unchanged;
* ``closed_form``: optionally, the exact gradient as a function of the same arguments.

``VJP_CASES`` holds functions with array outputs, for ``pullback.vjp``.
Nothing in this file imports pullback.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class Case:
    fn: Callable
    make_args: Callable[[np.random.Generator], tuple]
    wrt: Any = 0
    kwargs: dict | None = None
    closed_form: Callable | None = None
    rtol: float = 1e-5
    atol: float = 1e-7

    @property
    def name(self) -> str:
        return self.fn.__name__

    @property
    def kw(self) -> dict:
        return dict(self.kwargs or {})


def case_rng(case: Case, stream: int = 0) -> np.random.Generator:
    """A generator seeded by the case's name (stable across runs and Python versions)."""
    return np.random.default_rng([zlib.crc32(case.name.encode()), stream])


def sample_points(case: Case, n: int = 3, stream: int = 0) -> list[tuple]:
    """`n` argument tuples for `case`, the same on every run."""
    rng = case_rng(case, stream)
    return [tuple(case.make_args(rng)) for _ in range(n)]


CASES: list[Case] = []
VJP_CASES: list[Case] = []

# ------------------------------------------------------------ samplers (not cases)


def _u(rng, lo, hi, shape=None):
    """Uniform on [lo, hi): a Python float, or a float64 array of `shape`."""
    if shape is None:
        return float(rng.uniform(lo, hi))
    return rng.uniform(lo, hi, size=shape)


def _signed(rng, lo, hi, shape=None):
    """Magnitude uniform on [lo, hi], random sign: keeps values away from zero."""
    if shape is None:
        return float(rng.uniform(lo, hi) * rng.choice([-1.0, 1.0]))
    return rng.uniform(lo, hi, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def _pieces(rng, intervals, shape=None):
    """Uniform on a union of intervals (each picked with equal probability)."""
    if shape is None:
        lo, hi = intervals[rng.integers(len(intervals))]
        return float(rng.uniform(lo, hi))
    out = np.empty(shape)
    for idx in np.ndindex(*np.atleast_1d(shape)):
        lo, hi = intervals[rng.integers(len(intervals))]
        out[idx] = rng.uniform(lo, hi)
    return out


def _distinct(rng, shape, lo=-2.0, hi=2.0):
    """Values whose pairwise gaps are at least half the grid spacing (hi - lo) / size."""
    size = int(np.prod(shape))
    step = (hi - lo) / size
    values = lo + (rng.permutation(size) + rng.uniform(0.25, 0.75, size=size)) * step
    return values.reshape(shape)


def _n(rng, shape, scale=1.0):
    return rng.normal(0.0, scale, size=shape)


def _spd(rng, n):
    b = rng.normal(0.0, 0.5, size=(n, n))
    return b @ b.T + n * np.eye(n) * 0.5


# ----------------------------------------------------------- module-level data

W3 = np.array([0.5, -1.0, 2.0])
ROW_WEIGHTS = np.array([[1.0], [-0.5], [2.0]])
ROW_TARGET = np.array([[0.3, -1.0, 0.7, 0.2], [1.1, 0.4, -0.6, 0.9], [-0.8, 0.5, 0.25, -1.2]])
IDX_REPEAT = np.array([0, 2, 2, 4, 0, 0])
IDX_ROWS = np.array([2, 0, 2])
PAIR_ROWS = np.array([0, 1, 1, 2, 0])
PAIR_COLS = np.array([3, 0, 0, 2, 3])
POS_W = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
POLY_W = np.array([0.7, -0.3, 0.2])
SPD_CONST = np.array([[2.0, 0.5, 0.0], [0.5, 1.5, 0.25], [0.0, 0.25, 1.0]])

# Read live by `uses_live_globals`; tests reassign these and restore them.
W_LIVE = np.array([1.0, -2.0, 0.5, 3.0])
SCALE_LIVE = 2.0


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _softmax(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


# ================================================== 1. straight-line scalar code


def lecture_g(x, y, z):
    a = x**2
    b = math.exp(z)
    c = y * b
    d = a + c
    e = math.sin(d)
    return e + z


def _cf_lecture_g(x, y, z):
    k = math.cos(x**2 + y * math.exp(z))
    return (k * 2 * x, k * math.exp(z), k * y * math.exp(z) + 1.0)


CASES.append(Case(lecture_g, lambda r: (_u(r, -1.5, 1.5), _u(r, -1, 1), _u(r, -1, 1)),
                  wrt=(0, 1, 2), closed_form=_cf_lecture_g))


def scalar_polynomial(x):
    return 3.0 * x**3 - 2.0 * x**2 + x - 5.0


CASES.append(Case(scalar_polynomial, lambda r: (_u(r, -2, 2),),
                  closed_form=lambda x: 9 * x**2 - 4 * x + 1))


def rational_function(x, y):
    num = x * y + 1.0
    den = x**2 + y**2 + 1.0
    return num / den


def _cf_rational(x, y):
    num, den = x * y + 1, x**2 + y**2 + 1
    return ((y * den - num * 2 * x) / den**2, (x * den - num * 2 * y) / den**2)


CASES.append(Case(rational_function, lambda r: (_u(r, -2, 2), _u(r, -2, 2)), wrt=(0, 1),
                  closed_form=_cf_rational))


def unary_operators(x, y):
    a = -x
    b = +y
    c = -(a * b) + -(-y)  # noqa: B002
    return c * a - (+x)


CASES.append(Case(unary_operators, lambda r: (_u(r, -2, 2), _u(r, -2, 2)), wrt=(0, 1),
                  closed_form=lambda x, y: (-2 * x * y - y - 1, -x * x - x)))


def builtin_abs_mix(x, y):
    d = abs(x - y)
    return d * x + abs(y) - abs(-2.0) * y


CASES.append(Case(builtin_abs_mix, lambda r: (_u(r, 0.5, 2), _u(r, -2, -0.5)), wrt=(0, 1),
                  closed_form=lambda x, y: (2 * x - y, -x - 3.0)))


def math_library(x):
    a = math.sin(x) + math.cos(2.0 * x) + math.tan(0.5 * x)
    b = math.exp(-x) + math.log(x) + math.log1p(x)
    c = math.sqrt(x) + math.tanh(x)
    return a + b * c


def _cf_math_library(x):
    a1 = math.cos(x) - 2 * math.sin(2 * x) + 0.5 / math.cos(0.5 * x) ** 2
    b = math.exp(-x) + math.log(x) + math.log1p(x)
    b1 = -math.exp(-x) + 1 / x + 1 / (1 + x)
    c = math.sqrt(x) + math.tanh(x)
    c1 = 0.5 / math.sqrt(x) + 1 - math.tanh(x) ** 2
    return a1 + b1 * c + b * c1


CASES.append(Case(math_library, lambda r: (_u(r, 0.5, 2),), closed_form=_cf_math_library))


def math_pow_forms(x, y):
    return math.pow(x, y) + x**y + math.pow(2.0, x) * y


def _cf_math_pow(x, y):
    return (2 * y * x ** (y - 1) + math.log(2) * 2**x * y, 2 * x**y * math.log(x) + 2**x)


CASES.append(Case(math_pow_forms, lambda r: (_u(r, 0.5, 2), _u(r, -1.5, 1.5)), wrt=(0, 1),
                  closed_form=_cf_math_pow))


def power_variants(x):
    a = x**2 + x**0.5 + x**-1.0 + x**3.0
    b = 2.0**x + x**x
    return a - b


def _cf_power_variants(x):
    return (2 * x + 0.5 * x**-0.5 - x**-2 + 3 * x**2
            - math.log(2) * 2**x - x**x * (math.log(x) + 1))


CASES.append(Case(power_variants, lambda r: (_u(r, 0.5, 2),), closed_form=_cf_power_variants))


def integer_floor_mod(x, n):
    k = n // 3
    r = n % 3
    q = 7.5 // 2.0
    m = 10.0 % 4.0
    return x**k + r * x + q * x * m


def _cf_integer_floor_mod(x, n):
    k, r = n // 3, n % 3
    return k * x ** (k - 1) + r + 6.0


CASES.append(Case(integer_floor_mod, lambda r: (_u(r, -2, 2), int(r.integers(3, 11))),
                  closed_form=_cf_integer_floor_mod))


def gaussian_nll(mu, log_sigma, xs):
    var = np.exp(2.0 * log_sigma)
    r = xs - mu
    return np.mean(0.5 * r**2 / var + log_sigma + 0.5 * np.log(2.0 * np.pi))


def _cf_gaussian_nll(mu, log_sigma, xs):
    var = math.exp(2 * log_sigma)
    r = xs - mu
    return (float(-np.mean(r) / var), float(np.mean(-(r**2) / var) + 1.0))


CASES.append(Case(gaussian_nll, lambda r: (_u(r, -1, 1), _u(r, -0.5, 0.5), _n(r, 6)),
                  wrt=(0, 1), closed_form=_cf_gaussian_nll))


def gradient_descent_unrolled(x0, a):
    x = x0
    for _ in range(5):
        x = x - 0.1 * (2.0 * a * x - 1.0)
    return a * x * x - x


CASES.append(Case(gradient_descent_unrolled, lambda r: (_u(r, -2, 2), _u(r, 0.5, 2)),
                  wrt=(0, 1)))


def euler_ode(y0, k):
    y = y0
    dt = 0.1
    for _step in range(10):
        y = y + dt * (-k * y + math.sin(y))
    return y


CASES.append(Case(euler_ode, lambda r: (_u(r, -2, 2), _u(r, 0.5, 2)), wrt=(0, 1)))


# ====================================================== 2. NumPy, elementwise


def sum_of_squares(x):
    return np.sum(x**2)


CASES.append(Case(sum_of_squares, lambda r: (_n(r, (2, 3)),), closed_form=lambda x: 2 * x))


def elementwise_arithmetic(x, y):
    a = x * y + x / y - y**2
    b = (x - y) * (x + 2.0) / (1.0 + y)
    return np.sum(a + b)


CASES.append(Case(elementwise_arithmetic, lambda r: (_u(r, -1, 1, 5), _u(r, 0.5, 1.5, 5)),
                  wrt=(0, 1)))


def numpy_elementwise(x):
    s = np.sin(x) + np.cos(x) + np.tan(x / 3.0)
    e = np.exp(x / 2.0) + np.log(x) + np.sqrt(x) + np.tanh(x)
    return np.sum(s * e)


def _cf_numpy_elementwise(x):
    s = np.sin(x) + np.cos(x) + np.tan(x / 3)
    s1 = np.cos(x) - np.sin(x) + 1 / (3 * np.cos(x / 3) ** 2)
    e = np.exp(x / 2) + np.log(x) + np.sqrt(x) + np.tanh(x)
    e1 = 0.5 * np.exp(x / 2) + 1 / x + 0.5 / np.sqrt(x) + 1 - np.tanh(x) ** 2
    return s1 * e + s * e1


CASES.append(Case(numpy_elementwise, lambda r: (_u(r, 0.5, 2, 6),),
                  closed_form=_cf_numpy_elementwise))


def numpy_abs_square(x):
    return np.sum(np.abs(x) * x + np.square(x))


CASES.append(Case(numpy_abs_square, lambda r: (_signed(r, 0.3, 2, 6),),
                  closed_form=lambda x: 2 * np.abs(x) + 2 * x))


def numpy_power(x, y):
    return np.sum(np.power(x, 3.0) + np.power(x, y) + np.power(2.0, y))


CASES.append(Case(numpy_power, lambda r: (_u(r, 0.5, 2, 4), _u(r, -1, 1, 4)), wrt=(0, 1),
                  closed_form=lambda x, y: (3 * x**2 + y * x ** (y - 1),
                                            x**y * np.log(x) + 2.0**y * np.log(2))))


def numpy_max_min_pair(x, y):
    hi = np.maximum(x, y)
    lo = np.minimum(x, y)
    return np.sum(hi * hi + 3.0 * lo)


def _args_max_min_pair(r):
    x = _n(r, 5)
    return x, x + _signed(r, 0.3, 1.0, 5)


CASES.append(Case(numpy_max_min_pair, _args_max_min_pair, wrt=(0, 1),
                  closed_form=lambda x, y: (np.where(x > y, 2 * x, 3.0),
                                            np.where(y > x, 2 * y, 3.0))))


def relu_squared(x):
    return np.sum(np.maximum(x, 0.0) ** 2 + np.minimum(x, 0.0) * 0.5)


CASES.append(Case(relu_squared, lambda r: (_signed(r, 0.2, 2, (2, 3)),),
                  closed_form=lambda x: np.where(x > 0, 2 * x, 0.5)))


def clip_by_max_min(x):
    return np.sum(np.minimum(np.maximum(x, -1.0), 1.0) ** 2 + 0.1 * x)


CASES.append(Case(clip_by_max_min,
                  lambda r: (_pieces(r, [(-2, -1.2), (-0.8, 0.8), (1.2, 2)], 6),),
                  closed_form=lambda x: np.where(np.abs(x) < 1, 2 * x, 0.0) + 0.1))


def select_where(x, y):
    z = np.where(x > 0.0, x * y, y**2)
    return np.sum(z)


CASES.append(Case(select_where, lambda r: (_signed(r, 0.2, 2, 5), _n(r, 5)), wrt=(0, 1),
                  closed_form=lambda x, y: (np.where(x > 0, y, 0.0),
                                            np.where(x > 0, x, 2 * y))))


def where_with_scalar_branch(x):
    return np.sum(np.where(x > 1.0, np.exp(x), 0.5) * x)


CASES.append(Case(where_with_scalar_branch, lambda r: (_pieces(r, [(0, 0.8), (1.2, 2)], 6),),
                  closed_form=lambda x: np.where(x > 1, np.exp(x) * (1 + x), 0.5)))


def logaddexp_pairs(x, y):
    return np.sum(np.logaddexp(x, y) * 2.0)


CASES.append(Case(logaddexp_pairs, lambda r: (_n(r, 5, 2.0), _n(r, 5, 2.0)), wrt=(0, 1),
                  closed_form=lambda x, y: (2 * _sigmoid(x - y), 2 * _sigmoid(y - x))))


def sigmoid_softplus(x):
    s = 1.0 / (1.0 + np.exp(-x))
    sp = np.log(1.0 + np.exp(x))
    return np.sum(s * sp)


def _cf_sigmoid_softplus(x):
    s = _sigmoid(x)
    return s * (1 - s) * np.log1p(np.exp(x)) + s * s


CASES.append(Case(sigmoid_softplus, lambda r: (_n(r, 6, 1.5),), closed_form=_cf_sigmoid_softplus))


def scalar_times_array(a, x):
    return np.sum(a * x + x / a - a**2)


def _cf_scalar_times_array(a, x):
    return (float(np.sum(x) - np.sum(x) / a**2 - 2 * a * x.size), a + 1 / a + 0 * x)


CASES.append(Case(scalar_times_array, lambda r: (_u(r, 0.5, 2), _n(r, (2, 3))), wrt=(0, 1),
                  closed_form=_cf_scalar_times_array))


# ============================================ 3. linear algebra and reductions


def quadratic_form(A, x):
    return x @ A @ x


CASES.append(Case(quadratic_form, lambda r: (_n(r, (4, 4)), _n(r, 4)), wrt=(0, 1),
                  closed_form=lambda A, x: (np.outer(x, x), (A + A.T) @ x)))


def matmul_tanh(A, B):
    C = A @ B
    return np.sum(np.tanh(C))


CASES.append(Case(matmul_tanh, lambda r: (_n(r, (3, 4), 0.5), _n(r, (4, 2), 0.5)), wrt=(0, 1)))


def dot_vectors(x, y):
    d = np.dot(x, y)
    return d * d + np.dot(x, x)


CASES.append(Case(dot_vectors, lambda r: (_n(r, 4), _n(r, 4)), wrt=(0, 1),
                  closed_form=lambda x, y: (2 * np.dot(x, y) * y + 2 * x, 2 * np.dot(x, y) * x)))


def dot_matrix_vector(A, x):
    y = np.dot(A, x)
    return np.sum(y**2)


CASES.append(Case(dot_matrix_vector, lambda r: (_n(r, (3, 4)), _n(r, 4)), wrt=(0, 1),
                  closed_form=lambda A, x: (2 * np.outer(A @ x, x), 2 * A.T @ (A @ x))))


def matmul_function(A, B):
    C = np.matmul(A, B)
    return np.sum(C * C) / 2.0


CASES.append(Case(matmul_function, lambda r: (_n(r, (3, 2)), _n(r, (2, 4))), wrt=(0, 1),
                  closed_form=lambda A, B: ((A @ B) @ B.T, A.T @ (A @ B))))


def trace_of_product(A, B):
    return np.trace(A @ B) + np.trace(A) * 0.5


CASES.append(Case(trace_of_product, lambda r: (_n(r, (3, 3)), _n(r, (3, 3))), wrt=(0, 1),
                  closed_form=lambda A, B: (B.T + 0.5 * np.eye(3), A.T)))


def matrix_power_loop(A):
    M = A
    for _ in range(2):
        M = M @ A
    return np.trace(M)


CASES.append(Case(matrix_power_loop, lambda r: (_n(r, (3, 3), 0.7),),
                  closed_form=lambda A: 3 * (A @ A).T))


def squeeze_column(x):
    v = np.squeeze(x)
    return np.sum(v * v * W3)


CASES.append(Case(squeeze_column, lambda r: (_n(r, (3, 1)),),
                  closed_form=lambda x: 2 * x * W3[:, None]))


def squeeze_axis(x):
    v = np.squeeze(x, axis=0)
    return np.sum(np.sin(v) * v)


CASES.append(Case(squeeze_axis, lambda r: (_n(r, (1, 4)),),
                  closed_form=lambda x: np.cos(x) * x + np.sin(x)))


def sum_axes(X):
    col = np.sum(X, axis=0)
    row = np.sum(X, axis=1)
    return np.sum(col**2) + np.sum(row**3) + np.sum(X)


CASES.append(Case(sum_axes, lambda r: (_n(r, (3, 4), 0.5),),
                  closed_form=lambda X: (2 * X.sum(0)[None, :] + 3 * X.sum(1)[:, None] ** 2
                                         + 1.0)))


def sum_keepdims_negative_axis(X):
    r = np.sum(X**2, axis=-1, keepdims=True)
    return np.sum(X * r)


CASES.append(Case(sum_keepdims_negative_axis, lambda r: (_n(r, (3, 4), 0.7),),
                  closed_form=lambda X: ((X**2).sum(-1, keepdims=True)
                                         + 2 * X * X.sum(-1, keepdims=True))))


def mean_reductions(X):
    m0 = np.mean(X, axis=0)
    m1 = np.mean(X, axis=1, keepdims=True)
    return np.mean(X**2) + np.sum(m0 * m0) + np.sum(m1 * X)


def _cf_mean_reductions(X):
    n, m = X.shape
    return 2 * X / X.size + 2 * X.mean(0)[None, :] / n + 2 * X.mean(1, keepdims=True)


CASES.append(Case(mean_reductions, lambda r: (_n(r, (3, 4)),), closed_form=_cf_mean_reductions))


def max_min_reductions(X):
    return np.max(X) * 2.0 + np.sum(np.max(X, axis=1)) - np.sum(np.min(X, axis=0) ** 2)


def _cf_max_min_reductions(X):
    g = np.zeros_like(X)
    g[np.unravel_index(np.argmax(X), X.shape)] += 2.0
    g[np.arange(X.shape[0]), np.argmax(X, axis=1)] += 1.0
    j = np.arange(X.shape[1])
    i = np.argmin(X, axis=0)
    g[i, j] -= 2 * X[i, j]
    return g


CASES.append(Case(max_min_reductions, lambda r: (_distinct(r, (3, 4)),),
                  closed_form=_cf_max_min_reductions))


def max_keepdims_normalize(X):
    m = np.max(X, axis=1, keepdims=True)
    Y = np.exp(X - m)
    return np.sum(Y * X)


CASES.append(Case(max_keepdims_normalize, lambda r: (_distinct(r, (3, 4)),)))


def logsumexp_stable(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


CASES.append(Case(logsumexp_stable, lambda r: (_distinct(r, 6, -3, 3),), closed_form=_softmax))


def softmax_cross_entropy(W, x, label):
    logits = W @ x
    shifted = logits - np.max(logits)
    log_probs = shifted - np.log(np.sum(np.exp(shifted)))
    return -log_probs[label]


def _args_softmax_ce(r):
    while True:
        W, x = _n(r, (4, 3)), _n(r, 3)
        s = np.sort(W @ x)
        if s[-1] - s[-2] > 0.05:
            return W, x, int(r.integers(4))


def _cf_softmax_ce(W, x, label):
    d = _softmax(W @ x)
    d[label] -= 1.0
    return np.outer(d, x), W.T @ d


CASES.append(Case(softmax_cross_entropy, _args_softmax_ce, wrt=(0, 1),
                  closed_form=_cf_softmax_ce))


def row_logsumexp(X):
    m = np.max(X, axis=1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(X - m), axis=1, keepdims=True))
    return np.sum(lse * ROW_WEIGHTS)


def _cf_row_logsumexp(X):
    e = np.exp(X - X.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True) * ROW_WEIGHTS


CASES.append(Case(row_logsumexp, lambda r: (_distinct(r, (3, 4), -3, 3),),
                  closed_form=_cf_row_logsumexp))


def attention_head(Q, K, V):
    d = Q.shape[1]
    S = Q @ np.transpose(K) / math.sqrt(d)
    S = S - np.max(S, axis=1, keepdims=True)
    P = np.exp(S)
    P = P / np.sum(P, axis=1, keepdims=True)
    return np.sum((P @ V) ** 2)


def _args_attention(r):
    while True:
        Q, K, V = _n(r, (3, 4)), _n(r, (5, 4)), _n(r, (5, 2))
        S = np.sort(Q @ K.T, axis=1)
        if np.all(S[:, -1] - S[:, -2] > 0.05):
            return Q, K, V


CASES.append(Case(attention_head, _args_attention, wrt=(0, 1, 2)))


def layer_norm(x, gamma):
    mu = np.mean(x)
    var = np.mean((x - mu) ** 2)
    y = (x - mu) / np.sqrt(var + 1e-5)
    return np.sum(y * gamma) + np.sum(y**3) * 0.1


CASES.append(Case(layer_norm, lambda r: (_n(r, 6), _n(r, 6)), wrt=(0, 1)))


def rms_normalize_rows(X):
    ms = np.mean(X * X, axis=1, keepdims=True)
    Y = X / np.sqrt(ms + 1e-6)
    return np.sum(Y * ROW_TARGET)


CASES.append(Case(rms_normalize_rows, lambda r: (_n(r, (3, 4)),)))


def cosine_similarity(x, y):
    return np.dot(x, y) / (np.sqrt(np.dot(x, x)) * np.sqrt(np.dot(y, y)))


def _cf_cosine(x, y):
    nx, ny = np.linalg.norm(x), np.linalg.norm(y)
    c = x @ y / (nx * ny)
    return (y / (nx * ny) - c * x / nx**2, x / (nx * ny) - c * y / ny**2)


CASES.append(Case(cosine_similarity, lambda r: (_n(r, 5) + 1.0, _n(r, 5)), wrt=(0, 1),
                  closed_form=_cf_cosine))


def kl_softmax(a, b):
    pa = np.exp(a - np.max(a))
    pa = pa / np.sum(pa)
    pb = np.exp(b - np.max(b))
    pb = pb / np.sum(pb)
    return np.sum(pa * (np.log(pa) - np.log(pb)))


CASES.append(Case(kl_softmax, lambda r: (_distinct(r, 5), _distinct(r, 5)), wrt=(0, 1)))


def logistic_loss(w, X, labels):
    z = X @ w
    return np.mean(np.logaddexp(0.0, -labels * z))


def _cf_logistic(w, X, labels):
    z = X @ w
    dz = -labels * _sigmoid(-labels * z) / len(z)
    return X.T @ dz, np.outer(dz, w)


CASES.append(Case(logistic_loss,
                  lambda r: (_n(r, 3), _n(r, (6, 3)), r.choice([-1.0, 1.0], size=6)),
                  wrt=(0, 1), closed_form=_cf_logistic))


def mlp_two_layer(W1, b1, W2, x):
    h = np.tanh(W1 @ x + b1)
    out = W2 @ h
    return 0.5 * np.sum(out**2)


def _cf_mlp(W1, b1, W2, x):
    h = np.tanh(W1 @ x + b1)
    out = W2 @ h
    dh = (W2.T @ out) * (1 - h**2)
    return np.outer(dh, x), dh, np.outer(out, h), W1.T @ dh


CASES.append(Case(mlp_two_layer,
                  lambda r: (_n(r, (4, 3), 0.7), _n(r, 4), _n(r, (2, 4), 0.7), _n(r, 3)),
                  wrt=(0, 1, 2, 3), closed_form=_cf_mlp))


def power_iteration(A):
    v = np.ones(A.shape[0])
    for _ in range(8):
        v = A @ v
        v = v / np.sqrt(np.sum(v * v))
    return v @ A @ v


CASES.append(Case(power_iteration, lambda r: (_spd(r, 3),)))


# ================================================================ 4. broadcasting


def column_plus_row(c, r):
    M = c + r
    return np.sum(np.sin(M) * c * r)


def _cf_column_plus_row(c, r):
    M = c + r
    t = np.cos(M) * c * r
    return (np.sum(t + np.sin(M) * r, axis=1, keepdims=True),
            np.sum(t + np.sin(M) * c, axis=0, keepdims=True))


CASES.append(Case(column_plus_row, lambda r: (_n(r, (3, 1)), _n(r, (1, 4))), wrt=(0, 1),
                  closed_form=_cf_column_plus_row))


def vector_broadcast_matrix(v, M):
    return np.sum(M / (1.0 + v**2) + M * v)


CASES.append(Case(vector_broadcast_matrix, lambda r: (_n(r, 4), _n(r, (3, 4))), wrt=(0, 1),
                  closed_form=lambda v, M: (np.sum(-M * 2 * v / (1 + v**2) ** 2 + M, axis=0),
                                            1 / (1 + v**2) + v + 0 * M)))


def center_columns(X):
    Xc = X - np.mean(X, axis=0, keepdims=True)
    return np.sum(Xc**2) / X.shape[0]


CASES.append(Case(center_columns, lambda r: (_n(r, (4, 3)),),
                  closed_form=lambda X: 2 * (X - X.mean(0)) / X.shape[0]))


def pairwise_sq_dist(x, y):
    D = x[:, None] - y[None, :]
    return np.sum(D**2)


CASES.append(Case(pairwise_sq_dist, lambda r: (_n(r, 3), _n(r, 4)), wrt=(0, 1),
                  closed_form=lambda x, y: (2 * (len(y) * x - y.sum()),
                                            -2 * (x.sum() - len(x) * y))))


def broadcast_3d(a, b):
    return np.sum(np.tanh(a * b + a))


CASES.append(Case(broadcast_3d, lambda r: (_n(r, (2, 1, 3)), _n(r, (4, 1))), wrt=(0, 1)))


def broadcast_newaxis_gauss(x, w):
    Z = x[np.newaxis, :] * w[:, np.newaxis]
    return np.sum(np.exp(-(Z**2)))


CASES.append(Case(broadcast_newaxis_gauss, lambda r: (_n(r, 4), _n(r, 3)), wrt=(0, 1)))


def column_scales_matrix(s, A, b):
    Y = A * s + b
    return np.sum(np.tanh(Y) * Y)


CASES.append(Case(column_scales_matrix, lambda r: (_n(r, (3, 1)), _n(r, (3, 4)), _n(r, 4)),
                  wrt=(0, 1, 2)))


def scalar_broadcast_offsets(x, a, b):
    return np.sum((x - a) ** 2 * b) + a * b


CASES.append(Case(scalar_broadcast_offsets, lambda r: (_n(r, (2, 3)), _u(r, -1, 1), _u(r, 0.5, 2)),
                  wrt=(0, 1, 2),
                  closed_form=lambda x, a, b: (2 * (x - a) * b,
                                               float(-2 * np.sum(x - a) * b + b),
                                               float(np.sum((x - a) ** 2) + a))))


# ============================================================= 5. conditionals


def branch_if_else(x):
    if x > 1.0:
        y = x**2
    else:
        y = -(x**3)
    return y * 2.0


CASES.append(Case(branch_if_else, lambda r: (_pieces(r, [(-2, 0.5), (1.5, 3)]),),
                  closed_form=lambda x: 4 * x if x > 1 else -6 * x**2))


def branch_if_elif_else(x):
    if x < -1.0:
        return math.exp(x)
    elif x < 1.0:
        y = x * x
        return y + 0.5
    else:
        return math.log(x) + x


CASES.append(Case(branch_if_elif_else,
                  lambda r: (_pieces(r, [(-2.5, -1.3), (-0.7, 0.7), (1.3, 2.5)]),),
                  closed_form=lambda x: math.exp(x) if x < -1 else (2 * x if x < 1 else 1 / x + 1)))


def nested_branches(x, y):
    if x > 0.0:
        if y > 0.0:
            r = x * y
        else:
            r = x - y**2
    else:
        if y > x:
            r = math.sin(x + y)
        elif y < -1.0:
            r = x**2 * y
        else:
            r = y**3
    return r + x


def _args_nested_branches(r):
    while True:
        x, y = _signed(r, 0.3, 2), _u(r, -2.5, 2.5)
        if abs(y) > 0.3 and abs(y - x) > 0.3 and abs(y + 1) > 0.3:
            return x, y


CASES.append(Case(nested_branches, _args_nested_branches, wrt=(0, 1)))


def conditional_expressions(x, y):
    a = x * y if x > y else x + y
    b = (a**2 if a > 0.0 else -a) + (y if y < 0.5 else 2.0 * y)
    return a + b


def _args_conditional_expressions(r):
    while True:
        x, y = _u(r, -2, 2), _u(r, -2, 2)
        a = x * y if x > y else x + y
        if abs(x - y) > 0.3 and abs(a) > 0.3 and abs(y - 0.5) > 0.3:
            return x, y


CASES.append(Case(conditional_expressions, _args_conditional_expressions, wrt=(0, 1)))


def boolean_conditions(x, y):
    if x > 0.0 and y > 0.0:
        r = x * y
    elif x < 0.0 or not (y < 0.0):
        r = x**2 + y
    else:
        r = math.exp(x + y)
    if not x > 1.5:
        r = r * 2.0
    return r


CASES.append(Case(boolean_conditions,
                  lambda r: (_pieces(r, [(-2, -0.3), (0.3, 1.2), (1.8, 2.5)]), _signed(r, 0.3, 2)),
                  wrt=(0, 1)))


def chained_comparison(x):
    if 0.5 < x < 2.0:
        return x**3
    return math.sin(x)


CASES.append(Case(chained_comparison, lambda r: (_pieces(r, [(-1, 0.3), (0.7, 1.8), (2.2, 3)]),),
                  closed_form=lambda x: 3 * x**2 if 0.5 < x < 2 else math.cos(x)))


def branch_on_array_statistic(x):
    if np.sum(x) > 0.0:
        return np.sum(x**2)
    else:
        return np.sum(np.exp(x))


def _args_branch_on_array_statistic(r):
    while True:
        x = _n(r, 5)
        if abs(np.sum(x)) > 0.5:
            return (x,)


CASES.append(Case(branch_on_array_statistic, _args_branch_on_array_statistic,
                  closed_form=lambda x: 2 * x if x.sum() > 0 else np.exp(x)))


def if_without_else(x):
    y = x
    if x > 0.0:
        y = y * 3.0
    if x < -5.0:
        y = 0.0
    return y * x


CASES.append(Case(if_without_else, lambda r: (_signed(r, 0.3, 2),),
                  closed_form=lambda x: 6 * x if x > 0 else 2 * x))


def mode_switch(x, mode=0):
    if mode == 1:
        return np.sum(np.sin(x))
    elif mode == 2:
        return np.sum(x**3)
    return np.sum(x)


CASES.append(Case(mode_switch, lambda r: (_n(r, 4),), kwargs={"mode": 2},
                  closed_form=lambda x, mode: 3 * x**2))


def huber_loop(r):
    total = 0.0
    for v in r:
        if abs(v) < 1.0:
            total = total + 0.5 * v * v
        else:
            total = total + abs(v) - 0.5
    return total


CASES.append(Case(huber_loop, lambda r: (_pieces(r, [(-2.5, -1.2), (-0.8, 0.8), (1.2, 2.5)], 7),),
                  closed_form=lambda v: np.where(np.abs(v) < 1, v, np.sign(v))))


# ================================================================= 6. for loops


def series_by_range(x, n):
    s = 0.0
    term = 1.0
    for i in range(n):
        s = s + term / (i + 1)
        term = term * x
    return s


CASES.append(Case(series_by_range, lambda r: (_u(r, -1, 1), int(r.integers(3, 8))),
                  closed_form=lambda x, n: sum(i * x ** (i - 1) / (i + 1) for i in range(1, n))))


def range_start_stop_step(x):
    acc = 0.0
    for i in range(2, 11, 3):
        acc = acc * x + i
    return acc


CASES.append(Case(range_start_stop_step, lambda r: (_u(r, -2, 2),),
                  closed_form=lambda x: 4 * x + 5))


def range_negative_step(x):
    acc = 1.0
    for i in range(10, 0, -3):
        acc = acc * x + 1.0 / i
    return acc


CASES.append(Case(range_negative_step, lambda r: (_u(r, -2, 2),),
                  closed_form=lambda x: 4 * x**3 + 0.3 * x**2 + 2 * x / 7 + 0.25))


def empty_ranges(x):
    acc = x * x
    for i in range(5, 2):  # noqa: B007
        acc = acc + 1000.0 * x
    for j in range(0, 5, -1):  # noqa: B007
        acc = acc * x
    for k in range(0):  # noqa: B007
        acc = acc - x
    return acc


CASES.append(Case(empty_ranges, lambda r: (_u(r, -2, 2),), closed_form=lambda x: 2 * x))


def reverse_index_pairs(x):
    n = len(x)
    total = 0.0
    for i in range(n - 1, -1, -1):
        total = total * 0.5 + x[i] * x[n - 1 - i]
    return total


CASES.append(Case(reverse_index_pairs, lambda r: (_n(r, 5),)))


def horner_over_array(coeffs, x):
    p = 0.0
    for c in coeffs:
        p = p * x + c
    return p


def _cf_horner(coeffs, x):
    n = len(coeffs)
    powers = np.array([x ** (n - 1 - i) for i in range(n)])
    dx = sum(coeffs[i] * (n - 1 - i) * x ** (n - 2 - i) for i in range(n - 1))
    return powers, float(dx)


CASES.append(Case(horner_over_array, lambda r: (_n(r, 5), _u(r, -1.5, 1.5)), wrt=(0, 1),
                  closed_form=_cf_horner))


def horner_reversed_indices(c, x):
    p = 0.0
    for i in range(len(c) - 1, -1, -1):
        p = p * x + c[i]
    return p


CASES.append(Case(horner_reversed_indices, lambda r: (_n(r, 4), _u(r, -1.5, 1.5)), wrt=(0, 1),
                  closed_form=lambda c, x: (x ** np.arange(len(c)),
                                            float(sum(i * c[i] * x ** (i - 1)
                                                      for i in range(1, len(c)))))))


def rows_loop(X, w):
    s = 0.0
    for row in X:
        s = s + np.tanh(np.dot(row, w))
    return s


def _cf_rows_loop(X, w):
    t = 1 - np.tanh(X @ w) ** 2
    return np.outer(t, w), X.T @ t


CASES.append(Case(rows_loop, lambda r: (_n(r, (4, 3)), _n(r, 3, 0.5)), wrt=(0, 1),
                  closed_form=_cf_rows_loop))


def list_of_constants(x):
    acc = 0.0
    for scale in [0.5, 1.5, -2.0]:
        acc = acc + np.sum(np.sin(scale * x))
    return acc


CASES.append(Case(list_of_constants, lambda r: (_n(r, 4),),
                  closed_form=lambda x: sum(s * np.cos(s * x) for s in (0.5, 1.5, -2.0))))


def list_of_active_values(x, y):
    acc = 0.0
    for v in [x, y, x * y, 2.0]:
        acc = acc + v**2
    return acc


CASES.append(Case(list_of_active_values, lambda r: (_u(r, -2, 2), _u(r, -2, 2)), wrt=(0, 1),
                  closed_form=lambda x, y: (2 * x + 2 * x * y**2, 2 * y + 2 * x**2 * y)))


def loop_over_list_of_arrays(A, B):
    total = 0.0
    for M in [A, B, A @ B]:
        total = total + np.sum(M * M)
    return total


CASES.append(Case(loop_over_list_of_arrays, lambda r: (_n(r, (2, 3)), _n(r, (3, 2))), wrt=(0, 1),
                  closed_form=lambda A, B: (2 * A + 2 * (A @ B) @ B.T, 2 * B + 2 * A.T @ (A @ B))))


def enumerate_rows(X):
    s = 0.0
    for i, row in enumerate(X):
        s = s + (i + 1) * np.sum(row**2)
    return s


CASES.append(Case(enumerate_rows, lambda r: (_n(r, (3, 4)),),
                  closed_form=lambda X: 2 * X * np.arange(1, X.shape[0] + 1)[:, None]))


def zip_pairs(xs, ys):
    s = 0.0
    for a, b in zip(xs, ys):
        s = s + a * b + np.sin(a - b)
    return s


CASES.append(Case(zip_pairs, lambda r: (_n(r, 5), _n(r, 5)), wrt=(0, 1),
                  closed_form=lambda x, y: (y + np.cos(x - y), x - np.cos(x - y))))


def enumerate_zip(xs, ys):
    s = 0.0
    for i, (a, b) in enumerate(zip(xs, ys)):
        s = s + (i % 2 + 1) * a**2 * b
    return s


def _cf_enumerate_zip(x, y):
    w = np.arange(len(x)) % 2 + 1
    return 2 * w * x * y, w * x**2


CASES.append(Case(enumerate_zip, lambda r: (_n(r, 5), _n(r, 5)), wrt=(0, 1),
                  closed_form=_cf_enumerate_zip))


def zip_with_list(x):
    total = 0.0
    for w, p in zip([1.0, -0.5, 2.0], [1, 2, 3]):
        total = total + w * np.sum(x**p)
    return total


CASES.append(Case(zip_with_list, lambda r: (_n(r, 4),),
                  closed_form=lambda x: 1.0 - 1.0 * x + 6.0 * x**2))


def nested_loops_triangular(x):
    s = 0.0
    for i in range(len(x)):
        for j in range(i):
            s = s + x[i] * x[j] * (i - j)
    return s


CASES.append(Case(nested_loops_triangular, lambda r: (_n(r, 5),)))


def nested_while_for(x):
    total = 0.0
    i = 0
    while i < 3:
        for j in range(i + 1):
            total = total + x ** (i + j) * 0.5
        i += 1
    return total


CASES.append(Case(nested_while_for, lambda r: (_u(r, 0.5, 1.5),),
                  closed_form=lambda x: 0.5 * (1 + 4 * x + 3 * x**2 + 4 * x**3)))


def trapezoid_rule(ys, h):
    s = 0.5 * (ys[0] + ys[-1])
    for i in range(1, len(ys) - 1):
        s += ys[i]
    return s * h


def _cf_trapezoid(ys, h):
    w = np.ones_like(ys)
    w[0] = w[-1] = 0.5
    return w * h, float(np.sum(w * ys))


CASES.append(Case(trapezoid_rule, lambda r: (_n(r, 6), _u(r, 0.1, 1)), wrt=(0, 1),
                  closed_form=_cf_trapezoid))


# ========================================= 7. while, break, continue, early return


def newton_sqrt(a):
    x = a
    while abs(x * x - a) > 1e-12 * a:
        x = 0.5 * (x + a / x)
    return x


CASES.append(Case(newton_sqrt, lambda r: (_u(r, 0.5, 9),),
                  closed_form=lambda a: 0.5 / math.sqrt(a)))


def fixed_point_cos(a):
    y = 0.0
    while True:
        y_new = 0.5 * math.cos(y) + a
        if abs(y_new - y) < 1e-13:
            break
        y = y_new
    return y_new


def _cf_fixed_point_cos(a):
    y = 0.0
    for _ in range(500):
        y = 0.5 * math.cos(y) + a
    return 1.0 / (1.0 + 0.5 * math.sin(y))


CASES.append(Case(fixed_point_cos, lambda r: (_u(r, -1, 1),), closed_form=_cf_fixed_point_cos))


def while_halving(x):
    y = x
    n = 0
    while y > 1.0:
        y = y / 2.0
        n += 1
    return y * x + n


def _args_while_halving(r):
    while True:
        x = _u(r, 3, 40)
        if abs(math.log2(x) - round(math.log2(x))) > 0.1:
            return (x,)


CASES.append(Case(while_halving, _args_while_halving,
                  closed_form=lambda x: 2 * x / 2 ** math.ceil(math.log2(x))))


def while_accumulate(x):
    s = 0.0
    i = 0
    while s < 10.0:
        s = s + x * x + i
        i = i + 1
    return s * x


def _args_while_accumulate(r):
    while True:
        x = _u(r, 0.5, 2)
        s, i = 0.0, 0
        ok = True
        while s < 10.0:
            s = s + x * x + i
            i += 1
            ok = ok and abs(s - 10.0) > 0.2
        if ok:
            return (x,)


def _cf_while_accumulate(x):
    s, k = 0.0, 0
    while s < 10.0:
        s, k = s + x * x + k, k + 1
    return 3 * k * x**2 + k * (k - 1) / 2


CASES.append(Case(while_accumulate, _args_while_accumulate, closed_form=_cf_while_accumulate))


def while_with_break(x):
    k = 0
    acc = x
    while k < 100:
        acc = acc * 1.5 + math.sin(acc)
        k += 1
        if acc > 50.0:
            break
    return acc


def _args_while_with_break(r):
    while True:
        x = _u(r, 0.5, 2)
        acc, ok = x, True
        for _ in range(100):
            acc = acc * 1.5 + math.sin(acc)
            ok = ok and abs(acc - 50.0) > 1.0
            if acc > 50.0:
                break
        if ok:
            return (x,)


CASES.append(Case(while_with_break, _args_while_with_break))


def break_on_threshold(x):
    acc = 0.0
    for _ in range(20):
        acc = acc * x + 1.0
        if acc > 5.0:
            break
    return acc


def _args_break_on_threshold(r):
    while True:
        x = _u(r, 0.5, 2)
        acc, ok = 0.0, True
        for _ in range(20):
            acc = acc * x + 1.0
            ok = ok and abs(acc - 5.0) > 0.1
            if acc > 5.0:
                break
        if ok:
            return (x,)


CASES.append(Case(break_on_threshold, _args_break_on_threshold))


def continue_negative(xs):
    s = 0.0
    for v in xs:
        if v < 0.0:
            continue
        s = s + v**2
    return s


CASES.append(Case(continue_negative, lambda r: (_signed(r, 0.2, 2, 6),),
                  closed_form=lambda x: np.where(x > 0, 2 * x, 0.0)))


def loop_break_continue_mix(x):
    total = 0.0
    for i in range(len(x)):
        if i % 2 == 1:
            continue
        if x[i] > 2.5:
            break
        total = total + np.exp(0.3 * x[i]) * i
    return total + x[0]


CASES.append(Case(loop_break_continue_mix,
                  lambda r: (_pieces(r, [(-1, 2.2), (-1, 2.2), (2.8, 3.5)], 7),)))


def early_return_scalar(x):
    if x < 0.0:
        return x**2
    y = math.sin(x)
    if y > 0.9:
        return y * x
    return y + x


CASES.append(Case(early_return_scalar,
                  lambda r: (_pieces(r, [(-2, -0.3), (0.2, 0.9), (1.3, 1.8)]),),
                  closed_form=lambda x: 2 * x if x < 0 else (
                      math.cos(x) * x + math.sin(x) if math.sin(x) > 0.9 else math.cos(x) + 1)))


def return_inside_loop(xs):
    for i in range(len(xs)):
        if xs[i] > 1.0:
            return xs[i] * i + np.sum(xs)
    return np.sum(xs**2)


CASES.append(Case(return_inside_loop, lambda r: (_pieces(r, [(-1, 0.8), (-1, 0.8), (1.2, 2)], 5),)))


def return_inside_nested_loop(A):
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            if A[i, j] > 1.5:
                return A[i, j] ** 2 * (i + 1) + np.sum(A)
    return np.sum(A * A)


CASES.append(Case(return_inside_nested_loop,
                  lambda r: (_pieces(r, [(-1, 1.3)] * 5 + [(1.7, 2.5)], (3, 3)),)))


def collatz_scaled(x, n):
    while n != 1:
        if n % 2 == 0:
            n = n // 2
            x = x * 1.1
        else:
            n = 3 * n + 1
            x = math.sin(x) + x
    return x


CASES.append(Case(collatz_scaled, lambda r: (_u(r, -1, 1), int(r.integers(2, 12)))))


# ====================================== 8. augmented assignment, tuple unpacking


def augmented_assignments(x, y):
    z = x
    z += y
    z *= x
    z -= 1.0
    z /= y
    z **= 2
    return z


def _cf_augmented(x, y):
    u = ((x + y) * x - 1) / y
    return (2 * u * (2 * x + y) / y, 2 * u * (x * y - ((x + y) * x - 1)) / y**2)


CASES.append(Case(augmented_assignments, lambda r: (_u(r, -2, 2), _u(r, 0.5, 2)), wrt=(0, 1),
                  closed_form=_cf_augmented))


def augmented_arrays(x, y):
    z = x * 1.0
    z += y
    z *= x
    z -= 0.5
    z /= y
    return np.sum(z)


CASES.append(Case(augmented_arrays, lambda r: (_n(r, 4), _u(r, 0.5, 2, 4)), wrt=(0, 1),
                  closed_form=lambda x, y: ((2 * x + y) / y, (x * y - ((x + y) * x - 0.5)) / y**2)))


def fibonacci_swap(x, n):
    a, b = 1.0, x
    for _ in range(n):
        a, b = b, a + b * x
    return b


CASES.append(Case(fibonacci_swap, lambda r: (_u(r, -1.2, 1.2), int(r.integers(3, 8)))))


def rotate_three(x, y, z):
    a, b, c = x, y, z
    for _ in range(4):
        a, b, c = b * 0.9, c + a, a * c * 0.5
    return a + b * c


CASES.append(Case(rotate_three, lambda r: (_u(r, -1, 1), _u(r, -1, 1), _u(r, -1, 1)),
                  wrt=(0, 1, 2)))


def sort_three_scalars(a, b, c):
    if a > b:
        a, b = b, a
    if b > c:
        b, c = c, b
    if a > b:
        a, b = b, a
    return a + 2.0 * b + 3.0 * c * c


def _cf_sort_three(a, b, c):
    vals = np.array([a, b, c])
    order = np.argsort(vals)
    g = np.zeros(3)
    g[order[0]], g[order[1]], g[order[2]] = 1.0, 2.0, 6.0 * vals[order[2]]
    return tuple(float(v) for v in g)


CASES.append(Case(sort_three_scalars, lambda r: tuple(float(v) for v in _distinct(r, 3)),
                  wrt=(0, 1, 2), closed_form=_cf_sort_three))


def bubble_sort_weighted(x):
    b = np.copy(x)
    n = len(b)
    for i in range(n):
        for j in range(n - 1 - i):
            if b[j] > b[j + 1]:
                t = b[j]
                b[j] = b[j + 1]
                b[j + 1] = t
    return np.sum(b * b * POS_W)


def _cf_bubble_sort(x):
    g = np.zeros_like(x)
    g[np.argsort(x)] = 2 * np.sort(x) * POS_W
    return g


CASES.append(Case(bubble_sort_weighted, lambda r: (_distinct(r, 5),), closed_form=_cf_bubble_sort))


def bubble_sort_tuple_swap(x):
    b = np.copy(x)
    n = len(b)
    for i in range(n):
        for j in range(n - 1 - i):
            if b[j] > b[j + 1]:
                b[j], b[j + 1] = b[j + 1], b[j]
    return np.sum(b * POS_W)


def _cf_bubble_sort_tuple(x):
    g = np.zeros_like(x)
    g[np.argsort(x)] = POS_W
    return g


CASES.append(Case(bubble_sort_tuple_swap, lambda r: (_distinct(r, 5),),
                  closed_form=_cf_bubble_sort_tuple))


def running_max(x):
    m = x[0]
    for v in x:
        if v > m:
            m = v
    return m * np.sum(x)


def _cf_running_max(x):
    g = np.full_like(x, np.max(x))
    g[np.argmax(x)] += np.sum(x)
    return g


CASES.append(Case(running_max, lambda r: (_distinct(r, 6),), closed_form=_cf_running_max))


# ================================================================ 9. subscripts


def int_and_negative_index(x):
    return x[0] * x[-1] + x[2] ** 2 - x[-2] * 3.0


def _cf_int_index(x):
    g = np.zeros_like(x)
    g[0] += x[-1]
    g[-1] += x[0]
    g[2] += 2 * x[2]
    g[-2] -= 3.0
    return g


CASES.append(Case(int_and_negative_index, lambda r: (_n(r, 5),), closed_form=_cf_int_index))


def slice_reads(x):
    a = np.sum(x[1:4] * x[:3])
    b = np.sum(x[::2])
    c = np.sum(x[::-1][:2] ** 2)
    d = np.sum(x[-3:] * 2.0)
    return a + b + c + d


def _cf_slice_reads(x):
    g = np.zeros_like(x)
    g[1:4] += x[:3]
    g[:3] += x[1:4]
    g[::2] += 1.0
    g[-2:] += 2 * x[-2:]
    g[-3:] += 2.0
    return g


CASES.append(Case(slice_reads, lambda r: (_n(r, 6),), closed_form=_cf_slice_reads))


def tuple_index_2d(A):
    s = A[1, 2] * A[0, -1]
    s = s + np.sum(A[:, 1] ** 2)
    s = s + np.sum(A[1:, :2] * 3.0)
    s = s + np.sum(A[0]) + np.sum(A[-1, ::2])
    return s


def _cf_tuple_index_2d(A):
    g = np.zeros_like(A)
    g[1, 2] += A[0, -1]
    g[0, -1] += A[1, 2]
    g[:, 1] += 2 * A[:, 1]
    g[1:, :2] += 3.0
    g[0] += 1.0
    g[-1, ::2] += 1.0
    return g


CASES.append(Case(tuple_index_2d, lambda r: (_n(r, (3, 4)),), closed_form=_cf_tuple_index_2d))


def none_and_newaxis_index(x):
    outer = x[:, np.newaxis] * x[np.newaxis, :]
    col = x[:, None]
    return np.sum(outer) + np.sum(col**3) + np.sum(x[None, :] * x[None])


CASES.append(Case(none_and_newaxis_index, lambda r: (_n(r, 4),),
                  closed_form=lambda x: 2 * np.sum(x) + 3 * x**2 + 2 * x))


def fancy_index_repeated(x):
    g = x[IDX_REPEAT]
    return np.sum(g**2)


CASES.append(Case(fancy_index_repeated, lambda r: (_n(r, 5),),
                  closed_form=lambda x: 2 * x * np.bincount(IDX_REPEAT, minlength=len(x))))


def fancy_index_list_literal(x):
    return np.sum(x[[1, 1, 3]] * x[[0, 2, 4]])


CASES.append(Case(fancy_index_list_literal, lambda r: (_n(r, 5),),
                  closed_form=lambda x: np.array([x[1], x[0] + x[2], x[1], x[4], x[3]])))


def fancy_index_weighted(x, w):
    return np.dot(x[IDX_REPEAT], w)


CASES.append(Case(fancy_index_weighted, lambda r: (_n(r, 5), _n(r, 6)), wrt=(0, 1),
                  closed_form=lambda x, w: (np.bincount(IDX_REPEAT, weights=w, minlength=len(x)),
                                            x[IDX_REPEAT])))


def fancy_rows(A):
    R = A[IDX_ROWS]
    return np.sum(np.tanh(R) * R)


def _cf_fancy_rows(A):
    g = np.zeros_like(A)
    np.add.at(g, IDX_ROWS, (1 - np.tanh(A[IDX_ROWS]) ** 2) * A[IDX_ROWS] + np.tanh(A[IDX_ROWS]))
    return g


CASES.append(Case(fancy_rows, lambda r: (_n(r, (3, 4)),), closed_form=_cf_fancy_rows))


def fancy_index_pairs(A):
    return np.sum(A[PAIR_ROWS, PAIR_COLS] ** 2)


def _cf_fancy_pairs(A):
    g = np.zeros_like(A)
    np.add.at(g, (PAIR_ROWS, PAIR_COLS), 2 * A[PAIR_ROWS, PAIR_COLS])
    return g


CASES.append(Case(fancy_index_pairs, lambda r: (_n(r, (3, 4)),), closed_form=_cf_fancy_pairs))


# ==================================== 10. in-place writes to local arrays


def buffer_fill_loop(x):
    n = x.shape[0]
    buf = np.zeros(n)
    for i in range(n):
        buf[i] = x[i] ** 2 * (i + 1)
    return np.sum(buf * x)


CASES.append(Case(buffer_fill_loop, lambda r: (_n(r, 5),),
                  closed_form=lambda x: 3 * np.arange(1, len(x) + 1) * x**2))


def modular_accumulate(x):
    buf = np.zeros(3)
    for i in range(len(x)):
        buf[i % 3] += x[i] * i
    return np.sum(buf**2)


def _cf_modular_accumulate(x):
    i = np.arange(len(x))
    buf = np.bincount(i % 3, weights=x * i, minlength=3)
    return 2 * buf[i % 3] * i


CASES.append(Case(modular_accumulate, lambda r: (_n(r, 7),), closed_form=_cf_modular_accumulate))


def slice_writes(x):
    buf = np.ones(6)
    buf[1:4] = x[:3] * 2.0
    buf[4:] = np.sin(x[3:5])
    return np.sum(buf**2) + buf[0] * buf[2]


CASES.append(Case(slice_writes, lambda r: (_n(r, 5),),
                  closed_form=lambda x: np.array([8 * x[0], 8 * x[1] + 2, 8 * x[2],
                                                  np.sin(2 * x[3]), np.sin(2 * x[4])])))


def overwrite_same_slot(x):
    buf = np.zeros_like(x)
    for k in range(5):
        buf[0] = buf[0] * x[1] + x[0] * k
        buf[1] = buf[0] + buf[1]
    return np.sum(buf * x)


CASES.append(Case(overwrite_same_slot, lambda r: (_u(r, -1, 1, 3),)))


def rnn_hidden_buffer(Wh, Wx, xs):
    T = xs.shape[0]
    d = Wh.shape[0]
    h = np.zeros((T + 1, d))
    for t in range(T):
        h[t + 1] = np.tanh(Wh @ h[t] + Wx @ xs[t])
    return np.sum(h[T] ** 2) + 0.1 * np.sum(h)


CASES.append(Case(rnn_hidden_buffer,
                  lambda r: (_n(r, (4, 4), 0.5), _n(r, (4, 3), 0.5), _n(r, (5, 3))),
                  wrt=(0, 1, 2)))


def rnn_rebinding(Wh, Wx, xs, h0):
    h = h0
    for t in range(len(xs)):
        h = np.tanh(Wh @ h + Wx @ xs[t])
    return np.sum(h * h)


CASES.append(Case(rnn_rebinding,
                  lambda r: (_n(r, (3, 3), 0.5), _n(r, (3, 2), 0.5), _n(r, (4, 2)), _n(r, 3)),
                  wrt=(0, 1, 2, 3)))


def cumulative_sum_buffer(x):
    c = np.zeros_like(x)
    c[0] = x[0]
    for i in range(1, len(x)):
        c[i] = c[i - 1] + x[i]
    return np.sum(c * np.sin(c))


def _cf_cumulative_sum(x):
    c = np.cumsum(x)
    dc = np.sin(c) + c * np.cos(c)
    return np.cumsum(dc[::-1])[::-1]


CASES.append(Case(cumulative_sum_buffer, lambda r: (_n(r, 6, 0.5),),
                  closed_form=_cf_cumulative_sum))


def copy_then_modify(x):
    y = np.copy(x)
    y[0] = 3.0
    y[2] *= x[1]
    y[3:] += 1.0
    return np.sum(y**2)


CASES.append(Case(copy_then_modify, lambda r: (_n(r, 5),),
                  closed_form=lambda x: np.array([0.0, 2 * x[1] + 2 * x[1] * x[2] ** 2,
                                                  2 * x[1] ** 2 * x[2],
                                                  2 * (x[3] + 1), 2 * (x[4] + 1)])))


def matrix_buffer_2d(A):
    n = A.shape[0]
    B = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            B[i, j] = A[i, j] * A[j, i]
    return np.sum(B) + np.trace(B)


CASES.append(Case(matrix_buffer_2d, lambda r: (_n(r, (3, 3)),),
                  closed_form=lambda A: 2 * A.T + 2 * np.diag(np.diag(A))))


def manual_matvec(A, x):
    n = A.shape[0]
    m = A.shape[1]
    y = np.zeros(n)
    for i in range(n):
        for j in range(m):
            y[i] += A[i, j] * x[j]
    return np.sum(y**2)


CASES.append(Case(manual_matvec, lambda r: (_n(r, (3, 4)), _n(r, 4)), wrt=(0, 1),
                  closed_form=lambda A, x: (2 * np.outer(A @ x, x), 2 * A.T @ (A @ x))))


def row_writes_enumerate(X):
    out = np.zeros((X.shape[0], X.shape[1]))
    for i, row in enumerate(X):
        out[i] = row / np.sqrt(np.sum(row**2))
    return np.sum(out * ROW_TARGET)


CASES.append(Case(row_writes_enumerate, lambda r: (_n(r, (3, 4)) + 0.5,)))


def sliding_slice_iadd(x):
    acc = np.zeros(5)
    for i in range(len(x) - 1):
        acc[i:i + 2] += x[i] * x[i + 1]
    return np.sum(acc * acc)


CASES.append(Case(sliding_slice_iadd, lambda r: (_n(r, 4),)))


def cumulative_product_ones(x):
    n = len(x)
    buf = np.ones(n + 1)
    for i in range(n):
        buf[i + 1] = buf[i] * x[i]
    return buf[-1] + np.sum(buf)


CASES.append(Case(cumulative_product_ones, lambda r: (_u(r, 0.5, 1.5, 5),)))


def column_writes_2d(X):
    out = np.zeros((X.shape[0], 2))
    out[:, 0] = np.sum(X, axis=1)
    out[:, 1] = np.max(X, axis=1)
    return np.sum(np.tanh(out))


CASES.append(Case(column_writes_2d, lambda r: (_distinct(r, (3, 4), -1, 1),)))


def polynomial_features(x):
    feats = np.zeros((len(x), 3))
    for p in range(3):
        feats[:, p] = x ** (p + 1)
    return np.sum(np.tanh(feats @ POLY_W))


CASES.append(Case(polynomial_features, lambda r: (_n(r, 5),)))


# ======================================= 11. attributes, builtins, globals, kwargs


def shape_ndim_len(X):
    n, m = X.shape
    s = 0.0
    if X.ndim == 2:
        s = np.sum(X**2) / (n * m)
    return s + len(X) * np.sum(X) / float(m)


CASES.append(Case(shape_ndim_len, lambda r: (_n(r, (3, 4)),),
                  closed_form=lambda X: 2 * X / X.size + X.shape[0] / X.shape[1]))


def int_float_conversions(x, k):
    j = int(k * 1.7)
    c = float(j)
    return x**c + float(len(W3)) * x


CASES.append(Case(int_float_conversions, lambda r: (_u(r, 0.5, 2), int(r.integers(1, 4))),
                  closed_form=lambda x, k: int(k * 1.7) * x ** (int(k * 1.7) - 1) + 3.0))


def float_of_active(x):
    s = float(np.sum(x**2))
    return s * s + np.sum(x)


CASES.append(Case(float_of_active, lambda r: (_n(r, 4),),
                  closed_form=lambda x: 4 * np.sum(x**2) * x + 1.0))


def uses_live_globals(x):
    return SCALE_LIVE * np.sum(W_LIVE * x**2)


CASES.append(Case(uses_live_globals, lambda r: (_n(r, 4),),
                  closed_form=lambda x: 2 * SCALE_LIVE * W_LIVE * x))


def zero_gradient_argument(x, y):
    n = y.shape[0]
    return np.sum(x**2) * n + float(y.ndim)


CASES.append(Case(zero_gradient_argument, lambda r: (_n(r, 3), _n(r, 4)), wrt=(0, 1),
                  closed_form=lambda x, y: (2 * x * len(y), np.zeros_like(y))))


def scaled_power(x, scale=1.0, power=2):
    return scale * np.sum(x**power)


CASES.append(Case(scaled_power, lambda r: (_n(r, 4),), kwargs={"scale": 1.7, "power": 3},
                  closed_form=lambda x, scale, power: scale * power * x ** (power - 1)))


def keyword_bias(x, w, bias=0.0):
    return np.sum(np.tanh(w * x + bias))


CASES.append(Case(keyword_bias, lambda r: (_n(r, 4), _n(r, 4)), wrt=("x", "w"),
                  kwargs={"bias": 0.3},
                  closed_form=lambda x, w, bias: ((1 - np.tanh(w * x + bias) ** 2) * w,
                                                  (1 - np.tanh(w * x + bias) ** 2) * x)))


# ============================================ vector-valued functions (for vjp)


def vec_tanh_affine(W, x):
    return np.tanh(W @ x)


VJP_CASES.append(Case(vec_tanh_affine, lambda r: (_n(r, (3, 4), 0.5), _n(r, 4)), wrt=(0, 1)))


def vec_cumsum(x):
    c = np.zeros_like(x)
    c[0] = x[0]
    for i in range(1, len(x)):
        c[i] = c[i - 1] + x[i] * x[i]
    return c


VJP_CASES.append(Case(vec_cumsum, lambda r: (_n(r, 5),)))


def vec_softmax(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


VJP_CASES.append(Case(vec_softmax, lambda r: (_distinct(r, 5),)))


def mat_outer_sin(x, y):
    return np.sin(x[:, None] * y[None, :])


VJP_CASES.append(Case(mat_outer_sin, lambda r: (_n(r, 3), _n(r, 4)), wrt=(0, 1)))


def vec_rnn_states(Wh, Wx, xs):
    T = xs.shape[0]
    h = np.zeros((T + 1, Wh.shape[0]))
    for t in range(T):
        h[t + 1] = np.tanh(Wh @ h[t] + Wx @ xs[t])
    return h


VJP_CASES.append(Case(vec_rnn_states,
                      lambda r: (_n(r, (3, 3), 0.5), _n(r, (3, 2), 0.5), _n(r, (4, 2))),
                      wrt=(0, 1, 2)))


def vec_piecewise(x, a):
    out = np.zeros_like(x)
    for i in range(len(x)):
        if x[i] > 0.0:
            out[i] = a * x[i] ** 2
        else:
            out[i] = math.sin(a) * x[i]
    return out


VJP_CASES.append(Case(vec_piecewise, lambda r: (_signed(r, 0.3, 2, 5), _u(r, 0.5, 2)),
                      wrt=(0, 1)))
