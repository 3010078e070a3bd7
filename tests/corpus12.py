"""Issue-12 corpus: real Python as other libraries' tests and examples write it.

Layer classes and models, objectives taking ``*args`` and ``**kwargs``, argument checks
that ``raise``, ``assert``, ``print`` and warn, ``with np.errstate``, ``try/except``
around a Cholesky, ``functools.partial``, ``map``/``filter``, ``operator`` helpers,
dict methods, namedtuples, training loops inside the function, published objectives,
in-place writes into arrays the function computed, and functions returning tuples,
dicts and nested structures. Every case is a module-level ``def`` (or a bound method or
callable object of a module-level class) registered right after it:

* ``add(fn, make_args, wrt=...)``: ``pullback.grad(fn, wrt)`` must agree with central
  finite differences at three seeded points (``make_args(rng)`` draws an argument tuple
  from a tame domain: away from kinks, ties and branch thresholds). An argument holding
  an object, dataclass or NamedTuple gets a gradient of its class. ``state=`` names a
  function reading a counter from the arguments (``self.nfev``): the gradient must move
  it exactly as ``f`` does.
* ``add_vjp(fn, make_args, wrt=...)``: ``fn`` returns a tuple, list, dict or nested mix;
  ``pullback.vjp`` with a seed of that structure must agree with finite differences of
  the seed's inner product with the output.
* ``refuse(fn, make_args, wrt, error, match)``: pullback must raise the named error, naming
  this file and the line (``located=False`` marks the few refusals raised when the
  generated code runs, which do not name them yet).

Output (``print``), warnings and log records made by ``f`` are counted by the tests: the
gradient makes exactly as many. Nothing in this file imports pullback.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import itertools
import logging
import math
import operator
import statistics
import warnings
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from scipy.special import expit, gammaln, logsumexp

LOG = logging.getLogger("corpus12")
LOG.addHandler(logging.NullHandler())


@dataclass
class Case:
    fn: Callable
    make_args: Callable[[np.random.Generator], tuple]
    wrt: Any = 0
    kwargs: dict | None = None
    rtol: float = 1e-5
    atol: float = 1e-6
    label: str | None = None
    state: Callable | None = None  # args -> a number f changes (a counter), compared
    vjp: bool = False  # a structured output, checked through vjp with a structured seed

    @property
    def name(self) -> str:
        return self.label or self.fn.__name__

    @property
    def kw(self) -> dict:
        return dict(self.kwargs or {})


@dataclass
class Refusal:
    fn: Callable
    make_args: Callable[[np.random.Generator], tuple]
    wrt: Any
    error: str  # name of the pullback exception class
    match: str
    label: str | None = None
    located: bool = True  # False: raised when the code runs, without file and line (a gap)

    @property
    def name(self) -> str:
        return self.label or self.fn.__name__


CASES: list[Case] = []
REFUSED: list[Refusal] = []


def add(fn, make_args, wrt=0, **options):
    CASES.append(Case(fn, make_args, wrt, **options))


def add_vjp(fn, make_args, wrt=0, **options):
    CASES.append(Case(fn, make_args, wrt, vjp=True, **options))


def refuse(fn, make_args, wrt, error, match, label=None, located=True):
    REFUSED.append(Refusal(fn, make_args, wrt, error, match, label, located))


def case_rng(name: str, stream: int = 0) -> np.random.Generator:
    return np.random.default_rng([zlib.crc32(name.encode()), stream])


def sample_points(case, n: int = 3, stream: int = 0) -> list[tuple]:
    """`n` argument tuples for `case` (a Case or a Refusal), the same on every run."""
    rng = case_rng(case.name, stream)
    return [tuple(case.make_args(rng)) for _ in range(n)]


# ------------------------------------------------------------ samplers (not cases)


def _u(rng, lo, hi, shape=None):
    if shape is None:
        return float(rng.uniform(lo, hi))
    return rng.uniform(lo, hi, size=shape)


def _n(rng, shape, scale=1.0):
    return rng.normal(0.0, scale, size=shape)


def _spd(rng, n):
    b = rng.normal(0.0, 0.5, size=(n, n))
    return b @ b.T + n * np.eye(n) * 0.5


def _distinct(rng, n, lo=-2.0, hi=2.0):
    step = (hi - lo) / n
    return lo + (rng.permutation(n) + rng.uniform(0.25, 0.75, size=n)) * step


# ====================================================================== A. layers


class Dense:
    """A fully connected layer holding its parameters."""

    def __init__(self, W, b, activation=np.tanh):
        self.W = W
        self.b = b
        self.activation = activation

    def __call__(self, x):
        return self.activation(x @ self.W + self.b)


class Linear:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def forward(self, x):
        return x @ self.W.T + self.b

    def __call__(self, x):
        return self.forward(x)


class Tanh:
    def __call__(self, x):
        return np.tanh(x)


class Softplus:
    def __call__(self, x):
        return np.logaddexp(0.0, x)


class Sequential:
    def __init__(self, *layers):
        self.layers = list(layers)

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class LayerNorm:
    def __init__(self, gamma, beta, eps=1e-5):
        self.gamma = gamma
        self.beta = beta
        self.eps = eps

    def __call__(self, x):
        mu = np.mean(x, axis=-1, keepdims=True)
        var = np.var(x, axis=-1, keepdims=True)
        return self.gamma * (x - mu) / np.sqrt(var + self.eps) + self.beta


class Residual(Linear):
    def __init__(self, W, b, scale):
        super().__init__(W, b)
        self.scale = scale

    def __call__(self, x):
        return x + self.scale * np.tanh(super().forward(x))


class Gaussian:
    def __init__(self, mu, log_sigma):
        self.mu = mu
        self.log_sigma = log_sigma

    @property
    def sigma(self):
        return np.exp(self.log_sigma)

    @property
    def variance(self):
        return self.sigma ** 2

    def log_prob(self, x):
        z = (x - self.mu) / self.sigma
        return -0.5 * z ** 2 - self.log_sigma - 0.5 * np.log(2 * np.pi)


@dataclass
class MLPParams:
    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: float


@dataclass
class Prior:
    mean: np.ndarray
    precision: float = 1.0
    name: str = "prior"


class LinearParams(NamedTuple):
    weight: np.ndarray
    bias: float


class Kernel:
    """A squared-exponential kernel with a length scale and a signal variance."""

    def __init__(self, lengthscale, variance):
        self.lengthscale = lengthscale
        self.variance = variance

    def __call__(self, X, Y):
        d2 = np.sum((X[:, None, :] - Y[None, :, :]) ** 2, axis=-1)
        return self.variance * np.exp(-0.5 * d2 / self.lengthscale ** 2)


class Embedding:
    def __init__(self, table):
        self.table = table

    def lookup(self, ids):
        return self.table[ids]


class Conv1D:
    def __init__(self, kernel):
        self.kernel = kernel

    @property
    def width(self):
        return len(self.kernel)

    def __call__(self, x):
        n = len(x) - self.width + 1
        return np.array([np.dot(x[i:i + self.width], self.kernel) for i in range(n)])


class Attention:
    def __init__(self, Wq, Wk, Wv):
        self.Wq = Wq
        self.Wk = Wk
        self.Wv = Wv

    def scores(self, X):
        q = X @ self.Wq
        k = X @ self.Wk
        return q @ k.T / np.sqrt(q.shape[-1])

    def __call__(self, X):
        s = self.scores(X)
        s = s - np.max(s, axis=-1, keepdims=True)
        p = np.exp(s)
        p = p / np.sum(p, axis=-1, keepdims=True)
        return p @ (X @ self.Wv)


class GRUCell:
    def __init__(self, Wz, Wh):
        self.Wz = Wz
        self.Wh = Wh

    def step(self, h, x):
        hx = np.concatenate([h, x])
        z = 1.0 / (1.0 + np.exp(-(self.Wz @ hx)))
        cand = np.tanh(self.Wh @ hx)
        return (1.0 - z) * h + z * cand


class RBFNet:
    def __init__(self, centers, widths, weights):
        self.centers = centers
        self.widths = widths
        self.weights = weights

    def features(self, x):
        return np.exp(-((x[:, None] - self.centers[None, :]) / self.widths) ** 2)

    def predict(self, x):
        return self.features(x) @ self.weights


class Model:
    """A regression model with a loss method calling its own predict."""

    def __init__(self, w, b):
        self.w = w
        self.b = b

    def predict(self, X):
        return X @ self.w + self.b

    def loss(self, X, y):
        r = self.predict(X) - y
        return np.mean(r ** 2)

    def __call__(self, X, y):
        return self.loss(X, y)


def _mlp_args(rng):
    return (_n(rng, (4, 3), 0.5), _n(rng, 3, 0.3), _n(rng, (5, 4)))


def dense_layer_built_inside(W, b, X):
    layer = Dense(W, b)
    return np.sum(layer(X) ** 2)


add(dense_layer_built_inside, _mlp_args, wrt=(0, 1))


def two_dense_layers_sigmoid_out(W, b, X):
    hidden = Dense(W, b)
    out = Dense(W[:3, :], b, activation=lambda z: 1.0 / (1.0 + np.exp(-z)))
    return np.mean(out(hidden(X)))


add(two_dense_layers_sigmoid_out, lambda rng: (_n(rng, (3, 3), 0.5), _n(rng, 3, 0.3),
                                             _n(rng, (4, 3))), (0, 1))


def sequential_built_inside(W1, b1, W2, b2, X):
    net = Sequential(Linear(W1, b1), Tanh(), Linear(W2, b2), Softplus())
    return np.sum(net(X))


add(sequential_built_inside, lambda rng: (_n(rng, (4, 3), 0.5), _n(rng, 4, 0.3),
                                       _n(rng, (2, 4), 0.5), _n(rng, 2, 0.3),
                                       _n(rng, (5, 3))), (0, 1, 2, 3))


def sequential_wrt_model(net, X, y):
    return np.mean((net(X)[:, 0] - y) ** 2)


def _seq_args(rng):
    net = Sequential(Linear(_n(rng, (4, 3), 0.5), _n(rng, 4, 0.3)), Tanh(),
                     Linear(_n(rng, (1, 4), 0.5), _n(rng, 1, 0.3)))
    return (net, _n(rng, (6, 3)), _n(rng, 6))


add(sequential_wrt_model, _seq_args)


def sequential_wrt_input(X, net, y):
    return np.mean((net(X)[:, 0] - y) ** 2)


add(sequential_wrt_input, lambda rng: (lambda a: (a[1], a[0], a[2]))(_seq_args(rng)))


def layernorm_then_linear(gamma, beta, W, X):
    norm = LayerNorm(gamma, beta)
    proj = Linear(W, np.zeros(W.shape[0]))
    return np.sum(proj(norm(X)) ** 2)


add(layernorm_then_linear, lambda rng: (_u(rng, 0.5, 1.5, 4), _n(rng, 4, 0.2),
                                        _n(rng, (2, 4), 0.5), _n(rng, (3, 4))),
    wrt=(0, 1, 2))


def residual_stack(W, b, x):
    blocks = [Residual(W, b, 0.5), Residual(W.T, b, 0.25)]
    for block in blocks:
        x = block(x)
    return np.sum(x ** 2)


add(residual_stack, lambda rng: (_n(rng, (3, 3), 0.5), _n(rng, 3, 0.2), _n(rng, 3)),
    wrt=(0, 1, 2))


def residual_wrt_block(block, x):
    return np.sum(np.sin(block(x)))


add(residual_wrt_block, lambda rng: (Residual(_n(rng, (3, 3), 0.5), _n(rng, 3, 0.2), 0.7),
                                     _n(rng, 3)))


def gaussian_nll_properties(mu, log_sigma, x):
    dist = Gaussian(mu, log_sigma)
    return -np.sum(dist.log_prob(x)) + 0.01 * np.sum(dist.variance)


add(gaussian_nll_properties, lambda rng: (_n(rng, 3), _n(rng, 3, 0.3), _n(rng, (5, 3))),
    wrt=(0, 1))


def gaussian_wrt_distribution(dist, x):
    return -np.sum(dist.log_prob(x))


add(gaussian_wrt_distribution, lambda rng: (Gaussian(_n(rng, 2), _n(rng, 2, 0.3)),
                                            _n(rng, (4, 2))))


def mlp_dataclass_params(p, X, y):
    h = np.tanh(X @ p.W1 + p.b1)
    pred = h @ p.W2 + p.b2
    return np.mean((pred - y) ** 2)


def _mlp_params(rng):
    return MLPParams(_n(rng, (3, 4), 0.5), _n(rng, 4, 0.2), _n(rng, 4, 0.5), _u(rng, -0.5, 0.5))


add(mlp_dataclass_params, lambda rng: (_mlp_params(rng), _n(rng, (6, 3)), _n(rng, 6)))


def mlp_dataclass_built_inside(W1, b1, W2, X):
    p = MLPParams(W1=W1, b1=b1, W2=W2, b2=0.1)
    return mlp_dataclass_params(p, X, np.ones(X.shape[0]))


add(mlp_dataclass_built_inside, lambda rng: (_n(rng, (3, 4), 0.5), _n(rng, 4, 0.2),
                                             _n(rng, 4, 0.5), _n(rng, (5, 3))),
    wrt=(0, 1, 2))


def map_estimate_with_prior(w, prior, X, y):
    resid = X @ w - y
    penalty = 0.5 * prior.precision * np.sum((w - prior.mean) ** 2)
    return 0.5 * resid @ resid + penalty


def _prior_args(rng):
    return (_n(rng, 3), Prior(_n(rng, 3, 0.2), _u(rng, 0.5, 2.0)), _n(rng, (5, 3)), _n(rng, 5))


add(map_estimate_with_prior, _prior_args, wrt=(0, 1))


def namedtuple_linear_params(params, X, y):
    logits = X @ params.weight + params.bias
    return np.mean(np.logaddexp(0.0, logits) - y * logits)


add(namedtuple_linear_params,
    lambda rng: (LinearParams(_n(rng, 3, 0.5), _u(rng, -0.5, 0.5)), _n(rng, (6, 3)),
                 (rng.uniform(size=6) > 0.5).astype(float)))


def namedtuple_unpacked(params, x):
    weight, bias = params
    return np.sum(np.tanh(weight * x + bias))


add(namedtuple_unpacked, lambda rng: (LinearParams(_n(rng, 3, 0.5), _u(rng, -0.5, 0.5)),
                                      _n(rng, 3)))


def kernel_gram_logdet(lengthscale, variance, X):
    k = Kernel(lengthscale, variance)
    K = k(X, X) + 0.1 * np.eye(len(X))
    sign, logdet = np.linalg.slogdet(K)
    return logdet


add(kernel_gram_logdet, lambda rng: (_u(rng, 0.5, 2.0), _u(rng, 0.5, 2.0), _n(rng, (4, 2))),
    wrt=(0, 1))


def kernel_wrt_object(kernel, X, y):
    K = kernel(X, X) + 0.2 * np.eye(len(X))
    alpha = np.linalg.solve(K, y)
    return 0.5 * y @ alpha


add(kernel_wrt_object, lambda rng: (Kernel(_u(rng, 0.5, 2.0), _u(rng, 0.5, 2.0)),
                                    _n(rng, (4, 2)), _n(rng, 4)))


def embedding_bag(table, ids, w):
    emb = Embedding(table)
    vectors = emb.lookup(ids)
    return np.sum(np.tanh(np.mean(vectors, axis=0) @ w))


add(embedding_bag, lambda rng: (_n(rng, (5, 3)), np.array([0, 2, 2, 4]), _n(rng, (3, 2))),
    wrt=(0, 2))


def conv1d_property_width(kernel, x):
    conv = Conv1D(kernel)
    y = conv(x)
    return np.sum(y ** 2) / conv.width


add(conv1d_property_width, lambda rng: (_n(rng, 3), _n(rng, 7)), wrt=(0, 1))


def self_attention(Wq, Wk, Wv, X):
    attn = Attention(Wq, Wk, Wv)
    return np.sum(attn(X) ** 2)


add(self_attention, lambda rng: (_n(rng, (3, 2), 0.5), _n(rng, (3, 2), 0.5),
                                 _n(rng, (3, 3), 0.5), _n(rng, (4, 3))), wrt=(0, 1, 2, 3))


def attention_wrt_module(attn, X):
    return np.sum(attn(X)[0])


add(attention_wrt_module, lambda rng: (Attention(_n(rng, (3, 2), 0.5), _n(rng, (3, 2), 0.5),
                                                 _n(rng, (3, 3), 0.5)), _n(rng, (4, 3))))


def gru_unrolled(Wz, Wh, xs):
    cell = GRUCell(Wz, Wh)
    h = np.zeros(Wz.shape[0])
    for x in xs:
        h = cell.step(h, x)
    return np.sum(h ** 2)


add(gru_unrolled, lambda rng: (_n(rng, (3, 5), 0.5), _n(rng, (3, 5), 0.5), _n(rng, (4, 2))),
    wrt=(0, 1, 2))


def gru_wrt_cell(cell, xs):
    h = np.zeros(3)
    hs = []
    for x in xs:
        h = cell.step(h, x)
        hs.append(h)
    return np.sum(np.stack(hs)[:, 0])


add(gru_wrt_cell, lambda rng: (GRUCell(_n(rng, (3, 5), 0.5), _n(rng, (3, 5), 0.5)),
                               _n(rng, (3, 2))))


def rbf_network_fit(centers, widths, weights, x, y):
    net = RBFNet(centers, widths, weights)
    return np.sum((net.predict(x) - y) ** 2)


add(rbf_network_fit, lambda rng: (_distinct(rng, 3), _u(rng, 0.8, 1.5, 3), _n(rng, 3),
                                  _n(rng, 6), _n(rng, 6)), wrt=(0, 1, 2))


def rbf_wrt_network(net, x):
    return np.sum(net.predict(x) ** 2)


add(rbf_wrt_network, lambda rng: (RBFNet(_distinct(rng, 3), _u(rng, 0.8, 1.5, 3),
                                         _n(rng, 3)), _n(rng, 5)))


def model_loss_wrt_model(model, X, y):
    return model.loss(X, y) + 0.01 * np.sum(model.w ** 2)


def _model_args(rng):
    return (Model(_n(rng, 3), _u(rng, -1, 1)), _n(rng, (6, 3)), _n(rng, 6))


add(model_loss_wrt_model, _model_args)


def model_called_as_function(model, X, y):
    return model(X, y)


add(model_called_as_function, _model_args)


def list_of_models_ensemble(models, X, y):
    preds = [m.predict(X) for m in models]
    return np.mean((np.mean(preds, axis=0) - y) ** 2)


add(list_of_models_ensemble, lambda rng: ([Model(_n(rng, 3), _u(rng, -1, 1)) for _ in range(3)],
                                          _n(rng, (5, 3)), _n(rng, 5)))


def dict_of_layers(W, b, x):
    layers = {"enc": Linear(W, b), "dec": Linear(W.T, np.zeros(W.shape[1]))}
    z = np.tanh(layers["enc"](x))
    return np.sum((layers["dec"](z) - x) ** 2)


add(dict_of_layers, lambda rng: (_n(rng, (2, 4), 0.5), _n(rng, 2, 0.2), _n(rng, 4)),
    wrt=(0, 1))


class Polynomial:
    def __init__(self, coefs):
        self.coefs = coefs

    @property
    def degree(self):
        return len(self.coefs) - 1

    def __call__(self, x):
        out = 0.0
        for c in self.coefs[::-1]:
            out = out * x + c
        return out

    def deriv(self):
        return Polynomial(self.coefs[1:] * np.arange(1, len(self.coefs)))


def polynomial_fit_and_slope(coefs, x, y):
    p = Polynomial(coefs)
    return np.sum((p(x) - y) ** 2) + 0.1 * np.sum(p.deriv()(x) ** 2) / p.degree


add(polynomial_fit_and_slope, lambda rng: (_n(rng, 4, 0.5), _n(rng, 5), _n(rng, 5)))


class Scaler:
    def __init__(self, mean, scale):
        self.mean = mean
        self.scale = scale

    def transform(self, X):
        return (X - self.mean) / self.scale

    def inverse(self, Z):
        return Z * self.scale + self.mean


def scaler_roundtrip_regression(w, X, y):
    scaler = Scaler(np.mean(X, axis=0), np.std(X, axis=0))
    Z = scaler.transform(X)
    pred = Z @ w
    return np.mean((pred - y) ** 2) + np.sum(scaler.inverse(Z)[0] * 0.0)


add(scaler_roundtrip_regression, lambda rng: (_n(rng, 3), _n(rng, (6, 3)), _n(rng, 6)),
    wrt=(0, 1))


class Encoder:
    def __init__(self, W):
        self.W = W

    def encode(self, x):
        return np.tanh(self.W @ x)


class Autoencoder(Encoder):
    def __init__(self, W, V):
        super().__init__(W)
        self.V = V

    def reconstruct(self, x):
        return self.V @ self.encode(x)

    def loss(self, X):
        return sum(np.sum((self.reconstruct(x) - x) ** 2) for x in X)


def autoencoder_inherited(W, V, X):
    ae = Autoencoder(W, V)
    return ae.loss(X)


add(autoencoder_inherited, lambda rng: (_n(rng, (2, 4), 0.5), _n(rng, (4, 2), 0.5),
                                     _n(rng, (3, 4))), wrt=(0, 1))


def autoencoder_wrt_object(ae, X):
    return ae.loss(X)


add(autoencoder_wrt_object, lambda rng: (Autoencoder(_n(rng, (2, 4), 0.5),
                                                  _n(rng, (4, 2), 0.5)), _n(rng, (3, 4))))


@dataclass
class ODEParams:
    k: float
    c: float
    forcing: np.ndarray = field(default_factory=lambda: np.zeros(3))


def damped_oscillator_euler(p, x0, v0):
    x, v = x0, v0
    dt = 0.1
    for f in p.forcing:
        a = -p.k * x - p.c * v + f
        x, v = x + dt * v, v + dt * a
    return x ** 2 + v ** 2


add(damped_oscillator_euler, lambda rng: (ODEParams(_u(rng, 0.5, 2), _u(rng, 0.1, 0.5),
                                                    _n(rng, 4)), _u(rng, -1, 1), _u(rng, -1, 1)),
    wrt=(0, 1, 2))


class Mixture:
    def __init__(self, logits, means, log_scales):
        self.logits = logits
        self.components = [Gaussian(m, s) for m, s in zip(means, log_scales)]

    @property
    def weights(self):
        e = np.exp(self.logits - np.max(self.logits))
        return e / np.sum(e)


def mixture_nll(logits, means, log_scales, x):
    mix = Mixture(logits, means, log_scales)
    total = 0.0
    for xi in x:
        lik = 0.0
        for w, comp in zip(mix.weights, mix.components):
            lik = lik + w * np.exp(comp.log_prob(xi))
        total = total - np.log(lik)
    return total


add(mixture_nll, lambda rng: (_n(rng, 3), _n(rng, 3), _n(rng, 3, 0.2), _n(rng, 4)),
    wrt=(0, 1, 2))


def mixture_nll_plain(logits, means, log_scales, x):
    comps = [Gaussian(m, s) for m, s in zip(means, log_scales)]
    e = np.exp(logits - np.max(logits))
    weights = e / np.sum(e)
    total = 0.0
    for xi in x:
        lik = sum(w * np.exp(c.log_prob(xi)) for w, c in zip(weights, comps))
        total = total - np.log(lik)
    return total


add(mixture_nll_plain, lambda rng: (_n(rng, 3), _n(rng, 3), _n(rng, 3, 0.2), _n(rng, 4)),
    wrt=(0, 1, 2))


# ============================================== B. methods, callable objects, counters


def _self_of(fn):
    """The object a case's function is bound to (its instance, or the callable itself)."""
    return getattr(fn, "__self__", fn)


class LeastSquares:
    """An objective in the style of optimization benchmark suites: counts its evaluations."""

    def __init__(self, A, b):
        self.A = A
        self.b = b
        self.nfev = 0

    def residual(self, x):
        return self.A @ x - self.b

    def fun(self, x):
        self.nfev += 1
        r = self.residual(x)
        return 0.5 * np.dot(r, r)

    def __call__(self, x):
        return self.fun(x)


def _lsq(rng):
    return LeastSquares(_n(rng, (5, 3)), _n(rng, 5))


LSQ = _lsq(np.random.default_rng(1))
add(LSQ.fun, lambda rng: (_n(rng, 3),), label="bound_method_objective_counts_nfev",
    state=lambda fn, args: _self_of(fn).nfev)
add(LSQ, lambda rng: (_n(rng, 3),), label="callable_objective_object",
    state=lambda fn, args: _self_of(fn).nfev)
add(LeastSquares.fun, lambda rng: (_lsq(rng), _n(rng, 3)), wrt=1,
    label="class_function_with_instance_argument", state=lambda fn, args: args[0].nfev)
add(LeastSquares.fun, lambda rng: (_lsq(rng), _n(rng, 3)), 0,
    label="class_function_wrt_instance", state=lambda fn, args: args[0].nfev)


class Rosenbrock:
    """Rosenbrock's function as benchmark suites write it: fun(self, x, *args)."""

    def __init__(self, dimensions=2):
        self.N = dimensions
        self.nfev = 0

    def fun(self, x, *args):
        self.nfev += 1
        a = args[0] if args else 1.0
        return np.sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (a - x[:-1]) ** 2.0)


ROSEN = Rosenbrock(4)
add(ROSEN.fun, lambda rng: (_u(rng, -1.5, 1.5, 4),), label="benchmark_rosenbrock_fun_self_x",
    state=lambda fn, args: _self_of(fn).nfev)
add(ROSEN.fun, lambda rng: (_u(rng, -1.5, 1.5, 4), _u(rng, 0.5, 2.0)), wrt=(0, 1),
    label="benchmark_rosenbrock_with_extra_arg", state=lambda fn, args: _self_of(fn).nfev)


class Problem:
    """An objective holding a model and data; the loss calls methods of self."""

    def __init__(self, X, y, alpha):
        self.X = X
        self.y = y
        self.alpha = alpha
        self.history = []

    def predict(self, w):
        return self.X @ w

    def penalty(self, w):
        return self.alpha * np.sum(w ** 2)

    def objective(self, w):
        r = self.predict(w) - self.y
        value = 0.5 * np.sum(r ** 2) + self.penalty(w)
        self.history.append(len(self.history))
        return value


PROBLEM = Problem(np.random.default_rng(2).normal(size=(6, 3)),
                  np.random.default_rng(3).normal(size=6), 0.1)
add(PROBLEM.objective, lambda rng: (_n(rng, 3),), label="ridge_problem_method_history",
    state=lambda fn, args: len(_self_of(fn).history))


def ridge_problem_wrt_object(problem, w):
    return problem.objective(w)


add(ridge_problem_wrt_object,
    lambda rng: (Problem(_n(rng, (6, 3)), _n(rng, 6), 0.1), _n(rng, 3)), 0,
    state=lambda fn, args: len(args[0].history))


class LogisticRegression:
    def __init__(self, C=1.0):
        self.C = C
        self.n_calls = 0

    def _decision(self, w, X):
        return X @ w[:-1] + w[-1]

    def loss(self, w, X, y):
        self.n_calls = self.n_calls + 1
        z = self._decision(w, X)
        return np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 / self.C * np.sum(w[:-1] ** 2)


LOGREG = LogisticRegression(C=2.0)


def _logreg_args(rng):
    return (_n(rng, 4, 0.5), _n(rng, (8, 3)), (rng.uniform(size=8) > 0.5).astype(float))


add(LOGREG.loss, _logreg_args, label="logistic_regression_bound_loss",
    state=lambda fn, args: _self_of(fn).n_calls)


class Tracked:
    """A callable model that records how often it was evaluated."""

    def __init__(self, scale):
        self.scale = scale
        self.calls = 0

    def __call__(self, x):
        self.calls += 1
        return self.scale * np.sum(np.sin(x) ** 2)


TRACKED = Tracked(1.5)


def call_model_in_loop(x):
    total = 0.0
    for k in range(3):
        total = total + TRACKED(x * (k + 1))
    return total


add(call_model_in_loop, lambda rng: (_n(rng, 3),), label="global_callable_counts_calls",
    state=lambda fn, args: TRACKED.calls)


def method_passed_as_objective(x, problem):
    f = problem.fun
    return f(x) + f(2.0 * x)


add(method_passed_as_objective, lambda rng: (_n(rng, 3), _lsq(rng)),
    state=lambda fn, args: args[1].nfev)


class Stage:
    def __init__(self, w):
        self.w = w

    def apply(self, x):
        return np.tanh(self.w * x)


class Pipeline:
    def __init__(self, stages):
        self.stages = stages

    def run(self, x):
        for stage in self.stages:
            x = stage.apply(x)
        return x


def pipeline_of_stages(pipe, x):
    return np.sum(pipe.run(x) ** 2)


add(pipeline_of_stages, lambda rng: (Pipeline([Stage(_n(rng, 3)) for _ in range(3)]), _n(rng, 3)),
    wrt=(0, 1))


class Energy:
    def __init__(self, k):
        self.k = k

    def pair(self, r):
        return self.k * (r - 1.0) ** 2

    def total(self, pos):
        e = 0.0
        n = len(pos)
        for i in range(n):
            for j in range(i + 1, n):
                e = e + self.pair(np.linalg.norm(pos[i] - pos[j]))
        return e


SPRINGS = Energy(2.0)
add(SPRINGS.total, lambda rng: (_n(rng, (4, 2)),), label="spring_energy_bound_method")


def energy_wrt_stiffness(energy, pos):
    return energy.total(pos)


add(energy_wrt_stiffness, lambda rng: (Energy(_u(rng, 0.5, 2)), _n(rng, (3, 2))), wrt=(0, 1))


class Integrator:
    def __init__(self, dt, steps):
        self.dt = dt
        self.steps = steps

    def rhs(self, y, theta):
        return np.array([y[1], -theta[0] * np.sin(y[0]) - theta[1] * y[1]])

    def rk2(self, y, theta):
        for _ in range(self.steps):
            k1 = self.rhs(y, theta)
            k2 = self.rhs(y + self.dt * k1, theta)
            y = y + 0.5 * self.dt * (k1 + k2)
        return y


PENDULUM = Integrator(0.1, 8)


def pendulum_final_angle_loss(theta, y0):
    y = PENDULUM.rk2(y0, theta)
    return (y[0] - 0.3) ** 2 + 0.1 * y[1] ** 2


add(pendulum_final_angle_loss, lambda rng: (_u(rng, 0.5, 2.0, 2), _n(rng, 2, 0.5)), wrt=(0, 1))


class Cached:
    """A model caching a constant it builds on its first call."""

    def __init__(self, n):
        self.n = n
        self.cache = {}

    def basis(self):
        if "basis" not in self.cache:
            self.cache["basis"] = np.cos(np.outer(np.arange(self.n), np.linspace(0, 1, 4)))
        return self.cache["basis"]

    def __call__(self, c):
        return np.sum((c @ self.basis()) ** 2)


CACHED = Cached(3)
add(CACHED, lambda rng: (_n(rng, 3),), label="cached_basis_on_self")


# ============================================== C. *args, **kwargs, star-unpacking


def rosen_args(x, *args):
    a, b = args
    return np.sum(b * (x[1:] - x[:-1] ** 2) ** 2 + (a - x[:-1]) ** 2)


add(rosen_args, lambda rng: (_u(rng, -1.5, 1.5, 3), 1.0, 100.0))


def rosen_args_wrt_params(x, *args):
    a, b = args
    return np.sum(b * (x[1:] - x[:-1] ** 2) ** 2 + (a - x[:-1]) ** 2)


add(rosen_args_wrt_params, lambda rng: (_u(rng, -1.5, 1.5, 3), _u(rng, 0.5, 1.5),
                                        _u(rng, 50.0, 150.0)), wrt=(0, 1, 2))


def least_squares_fun_args(p, t, y):
    return np.sum((model_exp_decay(t, *p) - y) ** 2)


def model_exp_decay(t, amplitude, rate, offset):
    return amplitude * np.exp(-rate * t) + offset


add(least_squares_fun_args, lambda rng: (_u(rng, 0.5, 2.0, 3), np.linspace(0, 2, 6),
                                         _u(rng, 0.5, 1.5, 6)))


def curve_fit_style(params, xdata, ydata, sigma):
    resid = (model_exp_decay(xdata, *params) - ydata) / sigma
    return 0.5 * np.sum(resid ** 2)


add(curve_fit_style, lambda rng: ((_u(rng, 0.5, 2.0), _u(rng, 0.5, 2.0), _u(rng, -0.5, 0.5)),
                                  np.linspace(0, 2, 6), _u(rng, 0.5, 1.5, 6), 0.3))


def concat_and_multiply(weights, *args):
    cat_state = np.hstack(args + (np.ones((args[0].shape[0], 1)),))
    return np.dot(cat_state, weights)


def rnn_update_with_star_args(W, h, x):
    h2 = np.tanh(concat_and_multiply(W, h, x))
    return np.sum(h2 ** 2)


add(rnn_update_with_star_args, lambda rng: (_n(rng, (6, 3), 0.5), _n(rng, (2, 3)),
                                            _n(rng, (2, 2))), wrt=(0, 1, 2))


def elastic_net(w, X, y, **kwargs):
    alpha = kwargs.get("alpha", 1.0)
    l1_ratio = kwargs.get("l1_ratio", 0.5)
    r = X @ w - y
    smooth_l1 = np.sum(np.sqrt(w ** 2 + 1e-3))
    return (0.5 * np.mean(r ** 2) + alpha * l1_ratio * smooth_l1
            + 0.5 * alpha * (1 - l1_ratio) * np.sum(w ** 2))


add(elastic_net, lambda rng: (_n(rng, 3), _n(rng, (6, 3)), _n(rng, 6)),
    kwargs={"alpha": 0.3, "l1_ratio": 0.7})


def loss_with_options(pred, target, **options):
    if options.get("reduction", "mean") == "sum":
        return np.sum((pred - target) ** 2)
    return np.mean((pred - target) ** 2)


def call_with_kwargs_dict(w, X, y):
    opts = {"reduction": "sum"}
    return loss_with_options(X @ w, y, **opts) + loss_with_options(X @ w, y)


add(call_with_kwargs_dict, lambda rng: (_n(rng, 3), _n(rng, (5, 3)), _n(rng, 5)))


def kwargs_weight_passed_through(x, **kwargs):
    return weighted_norm(x, **kwargs)


def weighted_norm(x, weight=1.0, power=2):
    return weight * np.sum(np.abs(x) ** power)


add(kwargs_weight_passed_through, lambda rng: (_u(rng, 0.5, 1.5, 3),),
    kwargs={"weight": 0.7, "power": 3}, wrt=(0, "weight"))


def symmetrized(*args):
    A = args[0]
    return quad_form(0.5 * (A + A.T), *args[1:])


def quad_form(S, x, c=0.0):
    return x @ S @ x + c


add(symmetrized, lambda rng: (_n(rng, (3, 3)), _n(rng, 3), 0.5), wrt=(0, 1, 2))


def zip_star_pairs(pairs, w):
    xs, ys = zip(*pairs)
    xs = np.array(xs)
    ys = np.array(ys)
    return np.sum((w[0] + w[1] * xs - ys) ** 2)


add(zip_star_pairs, lambda rng: ([(_u(rng, -1, 1), _u(rng, -1, 1)) for _ in range(4)],
                                 _n(rng, 2)), wrt=(0, 1))


def unzip_points_polygon_area(points):
    xs, ys = zip(*points)
    area = 0.0
    n = len(xs)
    for i in range(n):
        j = (i + 1) % n
        area = area + xs[i] * ys[j] - xs[j] * ys[i]
    return 0.5 * area


add(unzip_points_polygon_area,
    lambda rng: ([(math.cos(t) * r, math.sin(t) * r)
                  for t, r in zip(np.linspace(0, 5, 5), _u(rng, 0.8, 1.2, 5))],))


def sum_of_losses(*losses):
    total = 0.0
    for loss in losses:
        total = total + loss
    return total


def multitask_loss(w, X, y1, y2):
    p = X @ w
    return sum_of_losses(np.mean((p - y1) ** 2), np.mean(np.abs(p - y2 + 10.0)),
                         0.01 * np.sum(w ** 2))


add(multitask_loss, lambda rng: (_n(rng, 3), _n(rng, (5, 3)), _n(rng, 5), _n(rng, 5)))


def star_args_max_of_terms(x, *scales):
    terms = [s * np.sum(np.sin(x) ** 2) for s in scales]
    return max(terms) + min(*terms)


add(star_args_max_of_terms, lambda rng: (_n(rng, 3), 1.0, 2.5, 0.5), wrt=(0, 1, 2, 3))


def star_unpack_shape(x, shape):
    return np.sum(np.reshape(x, (*shape, -1)) ** 2 * np.arange(1.0, 3.0))


add(star_unpack_shape, lambda rng: (_n(rng, 6), (3,)))


def kwargs_into_dict_of_params(x, **params):
    total = 0.0
    for name, value in params.items():
        total = total + value * np.sum(x ** 2) if name.startswith("l2") else total + value
    return total


add(kwargs_into_dict_of_params, lambda rng: (_n(rng, 3),),
    kwargs={"l2_a": 0.5, "bias": 0.25}, wrt=(0, "l2_a", "bias"))


# =========================== D. checks, effects, blocks: raise, assert, print, warn, try


def check_then_softmax_xent(logits, labels):
    if logits.ndim != 2:
        raise ValueError(f"expected 2-d logits, got {logits.ndim}-d")
    if logits.shape[0] != len(labels):
        raise ValueError("logits and labels disagree")
    z = logits - np.max(logits, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.mean(logp[np.arange(len(labels)), labels])


add(check_then_softmax_xent, lambda rng: (_n(rng, (4, 3)), np.array([0, 2, 1, 2])))


def assert_shapes_mse(pred, target):
    assert pred.shape == target.shape, "shape mismatch"
    assert np.all(np.isfinite(pred))
    return np.mean((pred - target) ** 2)


add(assert_shapes_mse, lambda rng: (_n(rng, 5), _n(rng, 5)))


def raise_in_loop_guard(x):
    total = 0.0
    for i, v in enumerate(x):
        if v <= 0:
            raise ValueError(f"entry {i} must be positive, got {v}")
        total = total + np.log(v) * (i + 1)
    return total


add(raise_in_loop_guard, lambda rng: (_u(rng, 0.5, 2.0, 4),))


def print_progress_newton(x0):
    x = x0
    for it in range(3):
        fx = x ** 3 - 2.0
        x = x - fx / (3 * x ** 2)
        print(f"iter {it}: x={x:.6f}")
    return x


add(print_progress_newton, lambda rng: (_u(rng, 1.0, 2.0),))


def warn_on_small_variance(x):
    v = np.var(x)
    if v < 10.0:
        warnings.warn("variance is small", RuntimeWarning, stacklevel=2)
    return np.sum((x - np.mean(x)) ** 2) / v


add(warn_on_small_variance, lambda rng: (_n(rng, 5),))


def logged_training_loss(w, X, y):
    loss = np.mean((X @ w - y) ** 2)
    LOG.info("loss %s", loss)
    LOG.debug("weights norm %.3f", float(np.linalg.norm(w)))
    return loss


add(logged_training_loss, lambda rng: (_n(rng, 3), _n(rng, (5, 3)), _n(rng, 5)))


def errstate_safe_log(p):
    with np.errstate(divide="ignore", invalid="ignore"):
        logp = np.log(p)
    return -np.sum(p * logp)


add(errstate_safe_log, lambda rng: (_u(rng, 0.1, 0.9, 4),))


def errstate_division_ratio(a, b):
    with np.errstate(divide="raise"):
        r = a / b
    return np.sum(r ** 2)


add(errstate_division_ratio, lambda rng: (_n(rng, 3), _u(rng, 0.5, 2.0, 3)), wrt=(0, 1))


def cholesky_with_jitter_fallback(A, b):
    try:
        L = np.linalg.cholesky(A)
    except np.linalg.LinAlgError:
        L = np.linalg.cholesky(A + 1e-3 * np.eye(len(A)))
    z = np.linalg.solve(L, b)
    return np.sum(z ** 2) + 2.0 * np.sum(np.log(np.diag(L)))


add(cholesky_with_jitter_fallback, lambda rng: (_spd(rng, 3), _n(rng, 3)), wrt=(0, 1))


def gp_nll_try_cholesky(log_ls, X, y):
    ls = np.exp(log_ls)
    d2 = np.sum((X[:, None, :] - X[None, :, :]) ** 2, axis=-1)
    K = np.exp(-0.5 * d2 / ls ** 2) + 0.1 * np.eye(len(X))
    try:
        L = np.linalg.cholesky(K)
    except np.linalg.LinAlgError:
        return np.inf
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, y))
    return 0.5 * y @ alpha + np.sum(np.log(np.diag(L)))


add(gp_nll_try_cholesky, lambda rng: (_u(rng, -0.5, 0.5), _n(rng, (4, 2)), _n(rng, 4)))


def try_except_finally_counts(x):
    try:
        y = np.sqrt(x)
    except FloatingPointError:
        y = np.zeros_like(x)
    finally:
        print("done")
    return np.sum(y)


add(try_except_finally_counts, lambda rng: (_u(rng, 0.5, 2.0, 3),))


def warnings_catch_block(x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = np.log1p(x ** 2)
    return np.sum(y)


add(warnings_catch_block, lambda rng: (_n(rng, 4),))


def print_each_layer_norm(W1, W2, x):
    h = x
    for k, W in enumerate([W1, W2]):
        h = np.tanh(W @ h)
        print("layer", k, "norm", np.linalg.norm(h))
    return np.sum(h)


add(print_each_layer_norm, lambda rng: (_n(rng, (3, 3), 0.5), _n(rng, (2, 3), 0.5),
                                        _n(rng, 3)), wrt=(0, 1))


def validate_probability_vector(p, x):
    if np.any(p < 0):
        raise ValueError("negative probability")
    assert abs(np.sum(p) - 1.0) < 1e-8 or True
    q = p / np.sum(p)
    return np.sum(q * x ** 2)


add(validate_probability_vector, lambda rng: (_u(rng, 0.1, 1.0, 4), _n(rng, 4)), wrt=(0, 1))


def unreachable_branch_guard(x, kind):
    if kind == "l2":
        return np.sum(x ** 2)
    elif kind == "huber":
        a = np.abs(x)
        return np.sum(np.where(a < 1.0, 0.5 * x ** 2, a - 0.5))
    else:
        raise ValueError(f"unknown loss {kind!r}")


add(unreachable_branch_guard, lambda rng: (_distinct(rng, 5, -3.0, 3.0), "huber"))


def warn_then_clip_gradient_norm(g, max_norm):
    norm = np.sqrt(np.sum(g ** 2))
    if norm > max_norm:
        warnings.warn(f"clipping gradient of norm {norm:.2f}", stacklevel=2)
        g = g * (max_norm / norm)
    return np.sum(g * np.arange(1.0, len(g) + 1))


add(warn_then_clip_gradient_norm, lambda rng: (_u(rng, 1.0, 2.0, 4), 1.0))


def log_warning_on_nonconvergence(x0):
    x = x0
    for _ in range(5):
        x = np.cos(x)
    if abs(x - np.cos(x)) > 1e-12:
        LOG.warning("fixed point not converged: %g", x)
    return x


add(log_warning_on_nonconvergence, lambda rng: (_u(rng, 0.2, 1.0),))


# =============================== E. partial, map/filter, operator, key=, function defaults


def huber(r, delta=1.0):
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r ** 2, delta * (a - 0.5 * delta))


def partial_loss_callee(w, X, y):
    loss = functools.partial(huber, delta=0.5)
    return np.mean(loss(X @ w - y))


add(partial_loss_callee, lambda rng: (_n(rng, 3), _n(rng, (6, 3)), _n(rng, 6, 2.0)))


def partial_in_map(xs, scale):
    f = functools.partial(weighted_norm, weight=scale)
    return sum(map(f, xs))


add(partial_in_map, lambda rng: ([_n(rng, 3) for _ in range(3)], _u(rng, 0.5, 2.0)),
    wrt=(0, 1))


def partial_positional_model(t, amplitude, rate):
    model = functools.partial(model_exp_decay, t)
    return np.sum(model(amplitude, rate, 0.1) ** 2)


add(partial_positional_model, lambda rng: (np.linspace(0, 1, 5), _u(rng, 0.5, 2.0),
                                           _u(rng, 0.5, 2.0)), wrt=(1, 2))


def map_user_function(xs):
    return sum(map(softplus_sum, xs))


def softplus_sum(v):
    return np.sum(np.logaddexp(0.0, v))


add(map_user_function, lambda rng: ([_n(rng, 3) for _ in range(4)],))


def map_lambda_two_lists(ws, xs):
    return sum(map(lambda w, x: np.dot(w, x) ** 2, ws, xs))


add(map_lambda_two_lists, lambda rng: ([_n(rng, 3) for _ in range(3)],
                                       [_n(rng, 3) for _ in range(3)]), wrt=(0, 1))


def filter_positive_residuals(r):
    big = list(filter(lambda v: v > 0.0, r))
    return sum(v ** 2 for v in big)


add(filter_positive_residuals, lambda rng: (_distinct(rng, 6),))


def filter_user_predicate(items):
    return sum(np.sum(v ** 2) for v in filter(has_positive_mean, items))


def has_positive_mean(v):
    return np.mean(v) > 0


add(filter_user_predicate, lambda rng: ([_n(rng, 3) + s for s in (1.5, -1.5, 2.0, -2.0)],))


def itemgetter_columns(rows):
    first = operator.itemgetter(0)
    second = operator.itemgetter(1)
    return sum(first(r) * second(r) for r in rows)


add(itemgetter_columns, lambda rng: ([(_n(rng, ()).item(), _n(rng, ()).item())
                                      for _ in range(4)],))


def itemgetter_on_dict_params(params):
    w, b = operator.itemgetter("w", "b")(params)
    return np.sum(np.tanh(w) + b ** 2)


add(itemgetter_on_dict_params, lambda rng: ({"w": _n(rng, 3), "b": _n(rng, 3), "lr": 0.1},))


def operator_mul_reduce(factors):
    return functools.reduce(operator.mul, factors, 1.0)


add(operator_mul_reduce, lambda rng: ([_u(rng, 0.5, 1.5) for _ in range(4)],))


def operator_add_map(xs, ys):
    return np.sum(np.array(list(map(operator.mul, xs, ys))) ** 2)


add(operator_add_map, lambda rng: (list(_n(rng, 4)), list(_n(rng, 4))), wrt=(0, 1))


def nearest_center_loss(x, centers):
    best = min(centers, key=lambda c: np.sum((x - c) ** 2))
    return np.sum((x - best) ** 2)


add(nearest_center_loss, lambda rng: (_n(rng, 2, 0.3),
                                      [np.array([2.0, 0.0]), np.array([0.1, 0.1]),
                                       np.array([-2.0, 1.0])]), wrt=(0, 1))


def squared_norm(v):
    return np.sum(v ** 2)


def key_function_not_lambda(vectors):
    ordered = sorted(vectors, key=squared_norm)
    weights = np.arange(1.0, len(ordered) + 1)
    return sum(w * np.sum(np.sin(v)) for w, v in zip(weights, ordered))


add(key_function_not_lambda, lambda rng: ([_n(rng, 2) * s for s in (0.5, 1.5, 3.0)],))


def max_by_attribute_key(models, x):
    best = max(models, key=operator.attrgetter("b"))
    return np.sum(best.predict(x))


add(max_by_attribute_key,
    lambda rng: ([Model(_n(rng, 3), float(b)) for b in (0.1, 0.9, -0.5)], _n(rng, (2, 3))))


def function_valued_default(x, _reduce=np.sum, _act=np.tanh):
    return _reduce(_act(x) ** 2)


add(function_valued_default, lambda rng: (_n(rng, 4),))


def user_function_default(x, transform=softplus_sum):
    return transform(x) * 2.0


add(user_function_default, lambda rng: (_n(rng, 4),))


def callback_objective(x, loss=huber, reg=squared_norm, lam=0.1):
    return np.sum(loss(x - 1.0)) + lam * reg(x)


add(callback_objective, lambda rng: (_n(rng, 4, 2.0),))


def reduce_compose_layers(W1, W2, x):
    layers = [functools.partial(np.dot, W1), np.tanh, functools.partial(np.dot, W2)]
    return np.sum(functools.reduce(lambda h, f: f(h), layers, x))


add(reduce_compose_layers,
    lambda rng: (_n(rng, (3, 3), 0.5), _n(rng, (2, 3), 0.5), _n(rng, 3)), wrt=(0, 1, 2))


# ============================================================= F. containers


def dict_get_hyperparameters(w, X, y, config):
    lam = config.get("l2", 0.0)
    p = config.get("power", 2)
    return np.mean(np.abs(X @ w - y) ** p) + lam * np.sum(w ** 2)


add(dict_get_hyperparameters, lambda rng: (_n(rng, 3), _n(rng, (5, 3)), _n(rng, 5),
                                           {"l2": 0.3}), wrt=(0, 3))


def setdefault_group_sums(values, groups):
    buckets = {}
    for v, g in zip(values, groups):
        buckets.setdefault(g, []).append(v)
    return sum(np.sum(np.array(vs)) ** 2 for vs in buckets.values())


add(setdefault_group_sums, lambda rng: (_n(rng, 6), ["a", "b", "a", "c", "b", "a"]))


def setdefault_group_sums_rebound(values, groups):
    buckets = {}
    for v, g in zip(values, groups):
        buckets[g] = buckets.setdefault(g, []) + [v]
    return sum(np.sum(np.array(vs)) ** 2 for vs in buckets.values())


add(setdefault_group_sums_rebound, lambda rng: (_n(rng, 6), ["a", "b", "a", "c", "b", "a"]))


def dict_zip_named_params(theta):
    names = ["mu", "log_sigma", "shift"]
    p = dict(zip(names, theta))
    return (p["mu"] - p["shift"]) ** 2 / np.exp(2 * p["log_sigma"]) + p["log_sigma"]


add(dict_zip_named_params, lambda rng: (_n(rng, 3, 0.5),))


def items_loop_weighted_losses(preds, weights):
    total = 0.0
    for name, pred in preds.items():
        total = total + weights[name] * np.mean(pred ** 2)
    return total


add(items_loop_weighted_losses, lambda rng: ({"a": _n(rng, 3), "b": _n(rng, 2)},
                                             {"a": 0.5, "b": 2.0}), wrt=(0, 1))


def items_update_running_stats(batch):
    stats = {"sum": 0.0, "sq": 0.0}
    for x in batch:
        for key, value in stats.items():
            stats[key] = value + (x if key == "sum" else x ** 2)
    n = len(batch)
    return stats["sq"] / n - (stats["sum"] / n) ** 2


add(items_update_running_stats, lambda rng: (list(_n(rng, 5)),))


Point = collections.namedtuple("Point", ["x", "y"])


def namedtuple_path_length(points):
    total = 0.0
    for a, b in zip(points[:-1], points[1:]):
        total = total + np.sqrt((a.x - b.x) ** 2 + (a.y - b.y) ** 2)
    return total


add(namedtuple_path_length, lambda rng: ([Point(_n(rng, ()).item(), _n(rng, ()).item())
                                          for _ in range(4)],))


def namedtuple_built_and_replaced(x, y):
    p = Point(x, y)
    q = p._replace(y=p.y * 2.0)
    return q.x * q.y + p.x ** 2


add(namedtuple_built_and_replaced, lambda rng: (_n(rng, ()).item(), _n(rng, ()).item()),
    wrt=(0, 1))


def edit_distance_soft(a, b, gamma):
    n, m = len(a), len(b)
    D = np.zeros((n + 1, m + 1))
    D[0, 1:] = np.inf
    D[1:, 0] = np.inf
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cost = (a[i - 1] - b[j - 1]) ** 2
            D[i, j] = cost + min(D[i - 1, j], D[i, j - 1], D[i - 1, j - 1])
    return D[n, m] + 0.0 * gamma


add(edit_distance_soft, lambda rng: (_distinct(rng, 4), _distinct(rng, 3) * 1.1, 0.1),
    wrt=(0, 1))


def dtw_with_python_lists(a, b):
    n, m = len(a), len(b)
    big = 1e10
    prev = [0.0] + [big] * m
    for i in range(1, n + 1):
        cur = [big] * (m + 1)
        for j in range(1, m + 1):
            cur[j] = (a[i - 1] - b[j - 1]) ** 2 + min(prev[j], cur[j - 1], prev[j - 1])
        prev = cur
    return prev[m]


add(dtw_with_python_lists, lambda rng: (_distinct(rng, 4), _distinct(rng, 4) * 1.1), wrt=(0, 1))


def sorted_keys_params(params):
    vec = np.concatenate([np.ravel(params[k]) for k in sorted(params)])
    return np.sum(vec ** 2 * np.arange(1.0, len(vec) + 1))


add(sorted_keys_params,
    lambda rng: ({"w": _n(rng, (2, 2)), "b": _n(rng, 2), "a": _n(rng, 1)},))


def sorted_keys_method_params(params):
    vec = np.concatenate([np.ravel(params[k]) for k in sorted(params.keys())])
    return np.sum(vec ** 2 * np.arange(1.0, len(vec) + 1))


add(sorted_keys_method_params,
    lambda rng: ({"w": _n(rng, (2, 2)), "b": _n(rng, 2), "a": _n(rng, 1)},))


def dict_pop_option(x, opts):
    opts = dict(opts)
    scale = opts.pop("scale", 1.0)
    shift = opts.pop("shift")
    return np.sum((scale * x - shift) ** 2)


add(dict_pop_option, lambda rng: (_n(rng, 3), {"scale": 0.5, "shift": 0.3}), wrt=(0, 1))


def set_of_active_indices(x, idx):
    active = {i for i in idx if i % 2 == 0}
    return sum(x[i] ** 2 for i in sorted(active))


add(set_of_active_indices, lambda rng: (_n(rng, 6), [0, 2, 3, 2, 4]))


def max_with_default_empty(x):
    positives = [v for v in x if v > 0]
    return max(positives, default=0.0) + max([v ** 2 for v in x], default=0.0)


add(max_with_default_empty, lambda rng: (_distinct(rng, 5),))


def nested_config_dicts(x, cfg):
    layer_cfg = cfg.get("layer", {})
    act = layer_cfg.get("slope", 0.1)
    out = np.where(x > 0, x, act * x)
    return np.sum(out ** 2) * cfg["scale"]


add(nested_config_dicts, lambda rng: (_distinct(rng, 5), {"layer": {"slope": 0.2},
                                                           "scale": 1.5}), wrt=(0, 1))


def dict_comprehension_per_feature(X, names):
    cols = {n: X[:, i] for i, n in enumerate(names)}
    means = {n: np.mean(c) for n, c in cols.items()}
    return sum((cols[n] - means[n]) @ (cols[n] - means[n]) for n in names)


add(dict_comprehension_per_feature, lambda rng: (_n(rng, (5, 3)), ["a", "b", "c"]))


# ====================== G. training loops, published objectives, in-place writes


def sgd_steps_linear_regression(w0, X, y):
    """Validation loss after a few SGD steps (a hyper-gradient w.r.t. the initial weights)."""
    w = w0
    lr = 0.05
    for _ in range(4):
        grad = 2.0 * X.T @ (X @ w - y) / len(y)
        w = w - lr * grad
    return np.mean((X @ w - y) ** 2)


add(sgd_steps_linear_regression, lambda rng: (_n(rng, 3), _n(rng, (6, 3)), _n(rng, 6)),
    wrt=(0, 1, 2))


def sgd_learning_rate_hypergradient(log_lr, w0, X, y):
    lr = np.exp(log_lr)
    w = w0.copy()
    for _ in range(3):
        residual = X @ w - y
        w -= lr * X.T @ residual / len(y)
    return 0.5 * np.sum((X @ w - y) ** 2)


add(sgd_learning_rate_hypergradient, lambda rng: (_u(rng, -3.0, -1.0), _n(rng, 3),
                                                  _n(rng, (6, 3)), _n(rng, 6)), wrt=(0, 1))


def momentum_training_mlp(params, X, y):
    W, b = params["W"], params["b"]
    vW, vb = np.zeros_like(W), np.zeros_like(b)
    for _ in range(3):
        h = np.tanh(X @ W + b)
        err = h.sum(axis=1) - y
        dh = (2.0 * err / len(y))[:, None] * (1 - h ** 2)
        vW = 0.9 * vW + X.T @ dh
        vb = 0.9 * vb + dh.sum(axis=0)
        W = W - 0.1 * vW
        b = b - 0.1 * vb
    return np.mean((np.tanh(X @ W + b).sum(axis=1) - y) ** 2)


add(momentum_training_mlp, lambda rng: ({"W": _n(rng, (3, 2), 0.5), "b": _n(rng, 2, 0.2)},
                                        _n(rng, (5, 3)), _n(rng, 5)))


def adam_steps_on_quadratic(x0, A):
    x = x0
    m = np.zeros_like(x0)
    v = np.zeros_like(x0)
    b1, b2, lr, eps = 0.9, 0.999, 0.1, 1e-8
    for t in range(1, 4):
        g = A @ x
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        mhat = m / (1 - b1 ** t)
        vhat = v / (1 - b2 ** t)
        x = x - lr * mhat / (np.sqrt(vhat) + eps)
    return 0.5 * x @ A @ x


add(adam_steps_on_quadratic, lambda rng: (_u(rng, 0.5, 1.5, 3), _spd(rng, 3)), wrt=(0, 1),
    rtol=1e-4)


def layer_objects_trained_inside(W, X, y):
    model = Model(W, 0.0)
    for _ in range(3):
        r = model.predict(X) - y
        model.w = model.w - 0.1 * X.T @ r / len(y)
    return model.loss(X, y)


add(layer_objects_trained_inside, lambda rng: (_n(rng, 3), _n(rng, (5, 3)), _n(rng, 5)),
    wrt=(0, 1, 2))


def rosenbrock_chained(x):
    return sum(100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))


add(rosenbrock_chained, lambda rng: (_u(rng, -1.5, 1.5, 4),))


def rosenbrock_extended(x):
    xo, xe = x[0::2], x[1::2]
    return np.sum(100.0 * (xe - xo ** 2) ** 2 + (1.0 - xo) ** 2)


add(rosenbrock_extended, lambda rng: (_u(rng, -1.5, 1.5, 6),))


def beale(xy):
    x, y = xy
    return ((1.5 - x + x * y) ** 2 + (2.25 - x + x * y ** 2) ** 2
            + (2.625 - x + x * y ** 3) ** 2)


add(beale, lambda rng: (_u(rng, -2.0, 2.0, 2),))


def booth_and_matyas(p):
    x, y = p[0], p[1]
    booth = (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2
    matyas = 0.26 * (x ** 2 + y ** 2) - 0.48 * x * y
    return booth + matyas


add(booth_and_matyas, lambda rng: (_n(rng, 2, 2.0),))


def styblinski_tang(x):
    return 0.5 * np.sum(x ** 4 - 16.0 * x ** 2 + 5.0 * x)


add(styblinski_tang, lambda rng: (_n(rng, 4, 2.0),))


def ackley(x, a=20.0, b=0.2, c=2 * np.pi):
    d = len(x)
    s1 = np.sum(x ** 2)
    s2 = np.sum(np.cos(c * x))
    return -a * np.exp(-b * np.sqrt(s1 / d)) - np.exp(s2 / d) + a + np.e


add(ackley, lambda rng: (_u(rng, 0.3, 2.0, 3),))


def powell_singular(x):
    f1 = x[0] + 10 * x[1]
    f2 = math.sqrt(5) * (x[2] - x[3])
    f3 = (x[1] - 2 * x[2]) ** 2
    f4 = math.sqrt(10) * (x[0] - x[3]) ** 2
    return f1 ** 2 + f2 ** 2 + f3 ** 2 + f4 ** 2


add(powell_singular, lambda rng: (_n(rng, 4),))


def poisson_glm_nll(beta, X, counts):
    eta = X @ beta
    return np.sum(np.exp(eta) - counts * eta)


add(poisson_glm_nll, lambda rng: (_n(rng, 3, 0.3), _n(rng, (6, 3)),
                                  rng.poisson(2.0, size=6).astype(float)))


def student_t_nll(params, x):
    loc, log_scale, log_df = params
    scale, df = np.exp(log_scale), np.exp(log_df)
    z = (x - loc) / scale
    from_gammas = -math.lgamma(0.5) if False else 0.0
    return np.sum(0.5 * (df + 1) * np.log1p(z ** 2 / df) + log_scale + 0.5 * np.log(df)) \
        + from_gammas


add(student_t_nll, lambda rng: ((_n(rng, ()).item(), _u(rng, -0.5, 0.5), _u(rng, 0.5, 2.0)),
                                _n(rng, 6)))


def multivariate_normal_nll(mu, L_flat, X):
    n = len(mu)
    L = np.zeros((n, n))
    L[np.tril_indices(n)] = L_flat
    L[np.diag_indices(n)] = np.exp(np.diag(L))
    Sigma = L @ L.T
    diff = X - mu
    sol = np.linalg.solve(Sigma, diff.T)
    sign, logdet = np.linalg.slogdet(Sigma)
    return 0.5 * np.sum(diff.T * sol) + 0.5 * len(X) * logdet


add(multivariate_normal_nll, lambda rng: (_n(rng, 2), _n(rng, 3, 0.3), _n(rng, (5, 2))),
    wrt=(0, 1))


def kalman_filter_loglik(q, r, ys):
    m, P = 0.0, 1.0
    ll = 0.0
    for y in ys:
        P = P + q
        S = P + r
        K = P / S
        ll = ll - 0.5 * (np.log(2 * np.pi * S) + (y - m) ** 2 / S)
        m = m + K * (y - m)
        P = (1 - K) * P
    return -ll


add(kalman_filter_loglik, lambda rng: (_u(rng, 0.1, 1.0), _u(rng, 0.1, 1.0), list(_n(rng, 5))),
    wrt=(0, 1))


def kalman_matrix_form(F_diag, ys):
    F = np.diag(F_diag)
    H = np.array([[1.0, 0.0]])
    Q = 0.1 * np.eye(2)
    R = np.array([[0.5]])
    m = np.zeros(2)
    P = np.eye(2)
    nll = 0.0
    for y in ys:
        m = F @ m
        P = F @ P @ F.T + Q
        S = H @ P @ H.T + R
        K = P @ H.T @ np.linalg.inv(S)
        v = y - H @ m
        nll = nll + 0.5 * (np.log(S[0, 0]) + v[0] ** 2 / S[0, 0])
        m = m + K @ v
        P = (np.eye(2) - K @ H) @ P
    return nll


add(kalman_matrix_form, lambda rng: (_u(rng, 0.5, 0.95, 2), _n(rng, (4, 1))), wrt=(0, 1))


def gp_marginal_likelihood(params, X, y):
    ls, sf, sn = np.exp(params["log_ls"]), np.exp(params["log_sf"]), np.exp(params["log_sn"])
    K = Kernel(ls, sf ** 2)(X, X) + sn ** 2 * np.eye(len(X))
    L = np.linalg.cholesky(K)
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, y))
    return 0.5 * y @ alpha + np.sum(np.log(np.diag(L))) + 0.5 * len(y) * np.log(2 * np.pi)


add(gp_marginal_likelihood,
    lambda rng: ({"log_ls": _u(rng, -0.5, 0.5), "log_sf": _u(rng, -0.5, 0.5),
                  "log_sn": _u(rng, -1.5, -0.5)}, _n(rng, (5, 2)), _n(rng, 5)))


def gp_marginal_likelihood_named_kernel(params, X, y):
    ls, sf, sn = np.exp(params["log_ls"]), np.exp(params["log_sf"]), np.exp(params["log_sn"])
    kernel = Kernel(ls, sf ** 2)
    K = kernel(X, X) + sn ** 2 * np.eye(len(X))
    L = np.linalg.cholesky(K)
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, y))
    return 0.5 * y @ alpha + np.sum(np.log(np.diag(L))) + 0.5 * len(y) * np.log(2 * np.pi)


add(gp_marginal_likelihood_named_kernel,
    lambda rng: ({"log_ls": _u(rng, -0.5, 0.5), "log_sf": _u(rng, -0.5, 0.5),
                  "log_sn": _u(rng, -1.5, -0.5)}, _n(rng, (5, 2)), _n(rng, 5)))


def inplace_gradient_of_chain(x):
    """A hand-written gradient of a chained objective, written into an array it computed."""
    g = (3.0 - x) * x
    g[1:] -= x[:-1]
    g[:-1] -= 2.0 * x[1:]
    return np.sum(g ** 2)


add(inplace_gradient_of_chain, lambda rng: (_n(rng, 5),))


def inplace_exp_out(X):
    E = X * 1.0
    np.exp(E, out=E)
    E /= E.sum(axis=1, keepdims=True)
    return np.sum(E * np.arange(1.0, X.shape[1] + 1))


add(inplace_exp_out, lambda rng: (_n(rng, (3, 4)),))


def fill_diagonal_kernel(X, noise):
    K = np.exp(-0.5 * np.sum((X[:, None] - X[None, :]) ** 2, axis=-1))
    np.fill_diagonal(K, 1.0 + noise)
    return np.linalg.slogdet(K)[1]


add(fill_diagonal_kernel, lambda rng: (_n(rng, (3, 2)), _u(rng, 0.1, 0.5)), wrt=(0, 1))


def empty_buffer_filled(x):
    out = np.empty(len(x) - 1)
    for i in range(len(x) - 1):
        out[i] = x[i + 1] - x[i] ** 2
    return np.sum(out ** 2)


add(empty_buffer_filled, lambda rng: (_n(rng, 5),))


def array_of_list_then_write(a, b):
    M = np.array([[a, b], [b, a]])
    M[0, 0] += 1.0
    M[1] *= 2.0
    return np.linalg.det(M)


add(array_of_list_then_write, lambda rng: (_u(rng, 1.0, 2.0), _u(rng, -0.5, 0.5)), wrt=(0, 1))


def finite_difference_laplacian(u):
    lap = np.zeros_like(u)
    lap[1:-1] = u[2:] - 2 * u[1:-1] + u[:-2]
    lap[0] = u[1] - u[0]
    lap[-1] = u[-2] - u[-1]
    return 0.5 * np.sum(lap ** 2) + np.sum(u ** 4)


add(finite_difference_laplacian, lambda rng: (_n(rng, 6),))


def heat_equation_explicit(u0, kappa):
    u = u0.copy()
    for _ in range(5):
        u[1:-1] = u[1:-1] + kappa * (u[2:] - 2 * u[1:-1] + u[:-2])
    return np.sum(u ** 2)


add(heat_equation_explicit, lambda rng: (_n(rng, 6), _u(rng, 0.1, 0.3)), wrt=(0, 1))


def slice_copied_then_modified(x):
    head = x[:3].copy()
    head[0] = head[0] * 2.0
    head += x[3:]
    return np.prod(head)


add(slice_copied_then_modified, lambda rng: (_u(rng, 0.5, 1.5, 6),))


def viterbi_soft_min_three(costs):
    n = len(costs)
    best = [0.0] * n
    best[0] = costs[0]
    best[1] = costs[1] + best[0]
    for i in range(2, n):
        best[i] = costs[i] + min(best[i - 1], best[i - 2] + 0.5, costs[i - 1] + 1.0)
    return best[-1]


add(viterbi_soft_min_three, lambda rng: (list(_distinct(rng, 6, 0.0, 3.0)),))


def knapsack_max_three(values):
    n = len(values)
    dp = np.zeros(n + 1)
    for i in range(1, n + 1):
        take_two = dp[i - 2] + values[i - 1] * 0.9 if i >= 2 else -1e9
        dp[i] = max(dp[i - 1], dp[i - 1] + values[i - 1] - 0.5, take_two)
    return dp[n]


add(knapsack_max_three, lambda rng: (_distinct(rng, 5, 0.0, 3.0),))


def softmax_regression_sgd(W0, X, labels):
    W = W0
    onehot = np.eye(W0.shape[1])[labels]
    for _ in range(2):
        z = X @ W
        z = z - z.max(axis=1, keepdims=True)
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        W = W - 0.5 * X.T @ (p - onehot) / len(labels)
    z = X @ W
    return -np.mean(np.sum(onehot * (z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))),
                           axis=1))


add(softmax_regression_sgd, lambda rng: (_n(rng, (3, 3), 0.3), _n(rng, (5, 3)),
                                         np.array([0, 1, 2, 1, 0])))


def hinge_svm_primal(w, X, y, C):
    margins = 1.0 - y * (X @ w)
    smooth_hinge = np.logaddexp(0.0, 5.0 * margins) / 5.0
    return 0.5 * w @ w + C * np.sum(smooth_hinge)


add(hinge_svm_primal, lambda rng: (_n(rng, 3), _n(rng, (6, 3)),
                                   np.where(rng.uniform(size=6) > 0.5, 1.0, -1.0), 0.5),
    wrt=(0, 3))


def tikhonov_inverse_problem(m, G, d, lam):
    resid = G @ m - d
    D = np.diff(np.eye(len(m)), axis=0)
    return resid @ resid + lam * np.sum((D @ m) ** 2)


add(tikhonov_inverse_problem, lambda rng: (_n(rng, 4), _n(rng, (5, 4)), _n(rng, 5),
                                           _u(rng, 0.1, 1.0)), wrt=(0, 3))


def logistic_map_lyapunov(r, x0):
    x = x0
    total = 0.0
    for _ in range(10):
        x = r * x * (1.0 - x)
        total = total + np.log(abs(r * (1.0 - 2.0 * x)))
    return total / 10


add(logistic_map_lyapunov, lambda rng: (_u(rng, 2.5, 2.9), _u(rng, 0.2, 0.3)), wrt=(0, 1),
    rtol=1e-4)


def bfgs_like_line_search(x, d):
    alpha = 1.0
    f0 = np.sum((x - 1.0) ** 2)
    while np.sum((x + alpha * d - 1.0) ** 2) > f0 and alpha > 1e-3:
        alpha = alpha * 0.5
    return np.sum((x + alpha * d - 1.0) ** 2)


add(bfgs_like_line_search, lambda rng: (_n(rng, 3), _n(rng, 3, 0.3)), wrt=(0, 1))


def mean_field_ising_free_energy(h, J):
    m = np.tanh(h)
    for _ in range(5):
        m = np.tanh(h + J @ m)
    entropy = np.sum((1 + m) / 2 * np.log((1 + m) / 2) + (1 - m) / 2 * np.log((1 - m) / 2))
    return -0.5 * m @ J @ m - h @ m + entropy


add(mean_field_ising_free_energy, lambda rng: (_n(rng, 3, 0.3),
                                               (lambda A: 0.1 * (A + A.T))(_n(rng, (3, 3)))),
    wrt=(0, 1))


# ======================================================= H. structured outputs (vjp)


def forward_with_cache(W, x):
    z = W @ x
    h = np.tanh(z)
    return h, {"z": z, "norm": np.sum(h ** 2)}


add_vjp(forward_with_cache, lambda rng: (_n(rng, (3, 2)), _n(rng, 2)), wrt=(0, 1))


def loss_and_metrics(w, X, y):
    pred = X @ w
    mse = np.mean((pred - y) ** 2)
    mae = np.mean(np.sqrt((pred - y) ** 2 + 1e-6))
    return {"loss": mse, "metrics": {"mae": mae, "pred": pred}}


add_vjp(loss_and_metrics, lambda rng: (_n(rng, 3), _n(rng, (4, 3)), _n(rng, 4)))


def layer_outputs_list(W1, W2, x):
    h1 = np.tanh(W1 @ x)
    h2 = np.tanh(W2 @ h1)
    return [h1, h2]


add_vjp(layer_outputs_list, lambda rng: (_n(rng, (3, 2)), _n(rng, (2, 3)), _n(rng, 2)),
        wrt=(0, 1, 2))


def polar_to_cartesian(r, theta):
    return r * np.cos(theta), r * np.sin(theta)


add_vjp(polar_to_cartesian, lambda rng: (_u(rng, 0.5, 2.0), _u(rng, 0.0, 3.0)), wrt=(0, 1))


def gaussian_moments(x):
    mu = np.mean(x)
    var = np.mean((x - mu) ** 2)
    return (mu, var, (x - mu) / np.sqrt(var))


add_vjp(gaussian_moments, lambda rng: (_n(rng, 5),))


def rnn_states_and_last(W, xs):
    h = np.zeros(W.shape[0])
    states = []
    for x in xs:
        h = np.tanh(W @ h + x)
        states.append(h)
    return states, h


add_vjp(rnn_states_and_last, lambda rng: (_n(rng, (2, 2), 0.5), _n(rng, (3, 2))), wrt=(0, 1))


def ode_rhs_dict(state, k):
    x, v = state["x"], state["v"]
    return {"x": v, "v": -k * x - 0.1 * v ** 3}


add_vjp(ode_rhs_dict, lambda rng: ({"x": _n(rng, 2), "v": _n(rng, 2)}, _u(rng, 0.5, 2.0)),
        wrt=(0, 1))


def namedtuple_output(x):
    return Point(np.sum(np.sin(x)), np.prod(np.cos(x)))


add_vjp(namedtuple_output, lambda rng: (_n(rng, 3),))


def gradient_and_hessian_diag(x):
    g = 4 * x ** 3 - 2 * x
    h = 12 * x ** 2 - 2
    return (np.sum(x ** 4 - x ** 2), (g, h))


add_vjp(gradient_and_hessian_diag, lambda rng: (_n(rng, 3),))


def attention_with_weights(attn_params, X):
    Wq, Wk = attn_params
    s = (X @ Wq) @ (X @ Wk).T
    s = s - np.max(s, axis=1, keepdims=True)
    p = np.exp(s) / np.sum(np.exp(s), axis=1, keepdims=True)
    return {"out": p @ X, "weights": p}


add_vjp(attention_with_weights, lambda rng: ((_n(rng, (3, 2), 0.5), _n(rng, (3, 2), 0.5)),
                                             _n(rng, (4, 3))), wrt=(0, 1))


def layer_activations_comprehension(W, xs):
    acts = [np.tanh(W @ x) for x in xs]
    return acts, 1.0 * acts[-1]


add_vjp(layer_activations_comprehension, lambda rng: (_n(rng, (2, 2)), _n(rng, (3, 2))),
        wrt=(0, 1))


def trajectory_with_early_stop(W, xs):
    path = []
    for x in xs:
        path.append(np.tanh(W @ x))
        if np.sum(np.abs(x)) > 50.0:
            return path, 0.0 * x
    return path, 2.0 * path[-1]


add_vjp(trajectory_with_early_stop, lambda rng: (_n(rng, (2, 2)), _n(rng, (3, 2))), wrt=(0, 1))


def history_paired_before_appends(W, xs):
    history = []
    record = (history, "tanh")
    for x in xs:
        history.append(np.tanh(W @ x))
    return sum(np.sum(h) for h in record[0])


add(history_paired_before_appends, lambda rng: (_n(rng, (2, 2)), _n(rng, (3, 2))), wrt=(0, 1))


# ============================================ I. more classes as libraries write them


class Normal:
    """A distribution object with class-level constants, a classmethod and a staticmethod."""

    LOG_2PI = math.log(2 * math.pi)

    def __init__(self, loc, scale):
        self.loc = loc
        self.scale = scale

    @classmethod
    def standard(cls):
        return cls(0.0, 1.0)

    @staticmethod
    def _standardize(x, loc, scale):
        return (x - loc) / scale

    def logpdf(self, x):
        z = Normal._standardize(x, self.loc, self.scale)
        return -0.5 * z ** 2 - np.log(self.scale) - 0.5 * self.LOG_2PI


def normal_class_constant_and_staticmethod(loc, scale, x):
    return -np.sum(Normal(loc, scale).logpdf(x))


add(normal_class_constant_and_staticmethod,
    lambda rng: (_n(rng, ()).item(), _u(rng, 0.5, 2.0), _n(rng, 5)), wrt=(0, 1, 2))


def normal_wrt_object(dist, x):
    return -np.sum(dist.logpdf(x))


add(normal_wrt_object, lambda rng: (Normal(_n(rng, ()).item(), _u(rng, 0.5, 2.0)), _n(rng, 5)),
    wrt=(0, 1))


def kl_to_standard_normal(loc, scale):
    q = Normal(loc, scale)
    p = Normal.standard()
    return (np.log(p.scale / q.scale) + (q.scale ** 2 + (q.loc - p.loc) ** 2)
            / (2 * p.scale ** 2) - 0.5)


add(kl_to_standard_normal, lambda rng: (_n(rng, ()).item(), _u(rng, 0.5, 2.0)), wrt=(0, 1))


class ParameterList:
    """A container of parameter arrays with __getitem__ and __len__."""

    def __init__(self, arrays):
        self.arrays = arrays

    def __len__(self):
        return len(self.arrays)

    def __getitem__(self, i):
        return self.arrays[i]


def parameter_list_getitem(params, x):
    h = x
    for i in range(len(params)):
        h = np.tanh(params[i] @ h)
    return np.sum(h ** 2)


add(parameter_list_getitem,
    lambda rng: (ParameterList([_n(rng, (3, 3), 0.6) for _ in range(3)]), _n(rng, 3)), (0, 1))


def parameter_list_getitem_wrt_input(x, params):
    return parameter_list_getitem(params, x)


add(parameter_list_getitem_wrt_input,
    lambda rng: (_n(rng, 3), ParameterList([_n(rng, (3, 3), 0.6) for _ in range(3)])))


class Shape:
    def area(self):
        raise NotImplementedError

    def perimeter(self):
        raise NotImplementedError

    def compactness(self):
        return 4 * np.pi * self.area() / self.perimeter() ** 2


class Ellipse(Shape):
    def __init__(self, a, b):
        self.a = a
        self.b = b

    def area(self):
        return np.pi * self.a * self.b

    def perimeter(self):
        h = (self.a - self.b) ** 2 / (self.a + self.b) ** 2
        return np.pi * (self.a + self.b) * (1 + 3 * h / (10 + np.sqrt(4 - 3 * h)))


def ellipse_compactness_abstract_base(a, b):
    return Ellipse(a, b).compactness()


add(ellipse_compactness_abstract_base, lambda rng: (_u(rng, 1.0, 2.0), _u(rng, 0.3, 0.9)),
    wrt=(0, 1))


@dataclass
class OptimizerState:
    x: np.ndarray
    lr: float
    step: int = 0


def gradient_descent_dataclass_state(x0, lr):
    state = OptimizerState(x0, lr)
    for _ in range(4):
        g = 2.0 * (state.x - 1.0) + np.cos(state.x)
        state = OptimizerState(state.x - state.lr * g, state.lr, state.step + 1)
    return np.sum(state.x ** 2) + state.step * 0.0


add(gradient_descent_dataclass_state, lambda rng: (_n(rng, 3), _u(rng, 0.05, 0.2)), wrt=(0, 1))


class RunningMean:
    """A metric object updated inside f, then read."""

    def __init__(self):
        self.total = 0.0
        self.count = 0

    def update(self, value):
        self.total = self.total + value
        self.count = self.count + 1

    def result(self):
        return self.total / self.count


def metric_object_built_inside(preds, targets):
    metric = RunningMean()
    for p, t in zip(preds, targets):
        metric.update((p - t) ** 2)
    return metric.result()


add(metric_object_built_inside, lambda rng: (_n(rng, 4), _n(rng, 4)))


class Chain:
    """A Markov chain with a transition matrix from logits (a property computing it)."""

    def __init__(self, logits):
        self.logits = logits

    @property
    def transition(self):
        e = np.exp(self.logits - self.logits.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def step(self, p):
        return p @ self.transition


def markov_chain_distribution(logits, p0, target):
    chain = Chain(logits)
    p = p0
    for _ in range(3):
        p = chain.step(p)
    return np.sum((p - target) ** 2)


add(markov_chain_distribution, lambda rng: (_n(rng, (3, 3)), np.array([0.2, 0.5, 0.3]),
                                            np.array([0.3, 0.3, 0.4])), wrt=(0, 1))


def forward_algorithm_hmm(log_A, log_pi, log_B, obs):
    alpha = log_pi + log_B[:, obs[0]]
    for o in obs[1:]:
        m = np.max(alpha)
        alpha = m + np.log(np.exp(alpha - m) @ np.exp(log_A)) + log_B[:, o]
    m = np.max(alpha)
    return -(m + np.log(np.sum(np.exp(alpha - m))))


add(forward_algorithm_hmm, lambda rng: (_n(rng, (2, 2), 0.5), _n(rng, 2, 0.5), _n(rng, (2, 3), 0.5),
                                        [0, 2, 1, 1]), wrt=(0, 1, 2))


class Objective:
    """scipy.optimize style: fun(x, *args) with the data passed through args."""

    def __init__(self):
        self.nfev = 0
        self.ngev = 0

    def __call__(self, x, *args):
        self.nfev += 1
        X, y, lam = args
        return np.sum((X @ x - y) ** 2) + lam * np.sum(x ** 2)


OBJ = Objective()
add(OBJ, lambda rng: (_n(rng, 3), _n(rng, (5, 3)), _n(rng, 5), 0.1), wrt=(0, 3),
    label="callable_objective_star_args", state=lambda fn, args: fn.nfev)


def print_in_loop_with_break(x):
    total = 0.0
    for i in range(10):
        total = total + np.sum(np.sin(x * (i + 1)))
        print("step", i)
        if i >= 3:
            break
    return total


add(print_in_loop_with_break, lambda rng: (_n(rng, 3),))


def print_in_branch_only_some_points(x):
    if np.sum(x) > 0:
        print("positive mass")
        return np.sum(x ** 2)
    return np.sum(np.exp(x))


add(print_in_branch_only_some_points, lambda rng: (_n(rng, 3) + rng.choice([-2.0, 2.0]),))


def assert_inside_loop_and_callee(xs):
    return sum(checked_log(x) for x in xs)


def checked_log(v):
    assert np.all(v > 0), "log of a non-positive value"
    return np.sum(np.log(v))


add(assert_inside_loop_and_callee, lambda rng: ([_u(rng, 0.5, 2.0, 2) for _ in range(3)],))


def cholesky_fallback_taken(A, b):
    """The matrix is indefinite for some points: the except branch runs then."""
    try:
        L = np.linalg.cholesky(A)
        return np.sum(np.linalg.solve(L, b) ** 2)
    except np.linalg.LinAlgError:
        return np.sum(np.linalg.solve(A @ A.T + np.eye(len(A)), b) ** 2)


add(cholesky_fallback_taken,
    lambda rng: ((lambda S: S - rng.choice([0.0, 10.0]) * np.eye(3))(_spd(rng, 3)), _n(rng, 3)),
    wrt=(0, 1))


def generator_of_layer_outputs(Ws, x):
    return sum(np.sum(h) for h in layer_outputs(Ws, x))


def layer_outputs(Ws, x):
    for W in Ws:
        x = np.tanh(W @ x)
        yield x


add(generator_of_layer_outputs,
    lambda rng: ([_n(rng, (3, 3), 0.6) for _ in range(3)], _n(rng, 3)), wrt=(0, 1))


def generator_of_layer_outputs_loop(Ws, x):
    total = 0.0
    for h in layer_outputs(Ws, x):
        total = total + np.sum(h)
    return total


add(generator_of_layer_outputs_loop,
    lambda rng: ([_n(rng, (3, 3), 0.6) for _ in range(3)], _n(rng, 3)), wrt=(0, 1))


def objects_in_dict_argument(layers, x):
    h = layers["encoder"].encode_input(x)
    return np.sum(layers["head"].predict(h[None, :]))


class InputEncoder:
    def __init__(self, W):
        self.W = W

    def encode_input(self, x):
        return np.tanh(self.W @ x)


add(objects_in_dict_argument, lambda rng: ({"encoder": InputEncoder(_n(rng, (3, 2), 0.5)),
                                            "head": Model(_n(rng, 3), 0.2)}, _n(rng, 2)),
    wrt=(0, 1))


# ====================================== J. more containers, effects and in-place writes


def ranked_items_itemgetter_key(scores):
    pairs = list(zip(["a", "b", "c", "d"], scores))
    ranked = sorted(pairs, key=operator.itemgetter(1), reverse=True)
    return sum(s / (rank + 1) for rank, (_, s) in enumerate(ranked))


add(ranked_items_itemgetter_key, lambda rng: (_distinct(rng, 4),))


def dict_items_sorted_by_value(weights):
    items = sorted(weights.items(), key=lambda kv: kv[1])
    return sum((i + 1.0) * v ** 2 for i, (_, v) in enumerate(items))


add(dict_items_sorted_by_value, lambda rng: (dict(zip("xyz", _distinct(rng, 3))),))


def reversed_cumulative_discount(rewards, gamma):
    ret = 0.0
    out = []
    for r in reversed(rewards):
        ret = r + gamma * ret
        out.append(ret)
    return sum(v ** 2 for v in out)


add(reversed_cumulative_discount, lambda rng: (list(_n(rng, 5)), _u(rng, 0.8, 0.99)), wrt=(0, 1))


def masked_write_clamp(x, lo):
    y = x.copy()
    y[y < lo] = lo
    return np.sum(y ** 3)


add(masked_write_clamp, lambda rng: (_distinct(rng, 6), -0.3 + 0.01 * rng.uniform()), wrt=(0, 1))


def copyto_and_fill(x, a):
    buf = np.zeros((2, len(x)))
    np.copyto(buf[0], x)
    buf[1].fill(a)
    return np.sum(np.tanh(buf) ** 2)


add(copyto_and_fill, lambda rng: (_n(rng, 3), _u(rng, -1, 1)), wrt=(0, 1))


def copyto_and_fill_named_rows(x, a):
    first = np.zeros(len(x))
    second = np.zeros(len(x))
    np.copyto(first, x)
    second.fill(a)
    return np.sum(np.tanh(np.stack([first, second])) ** 2)


add(copyto_and_fill_named_rows, lambda rng: (_n(rng, 3), _u(rng, -1, 1)), wrt=(0, 1))


def np_put_indices(x):
    z = np.zeros(6)
    np.put(z, [0, 2, 4], x)
    return np.sum(np.cumsum(z) ** 2)


add(np_put_indices, lambda rng: (_n(rng, 3),))


def dataclass_replace_and_astuple(p, x):
    q = dataclasses.replace(p, b1=p.b1 * 2.0)
    W, b = dataclasses.astuple(q)[:2]
    return np.sum(np.tanh(x @ W + b))


def _dense_params(rng):
    return MLPParams(_n(rng, (3, 2), 0.5), _n(rng, 2), _n(rng, 2), 0.0)


add(dataclass_replace_and_astuple, lambda rng: (_dense_params(rng), _n(rng, 3)))


def namedtuple_asdict_loop(params):
    total = 0.0
    for name, value in params._asdict().items():
        total = total + (2.0 if name == "weight" else 1.0) * np.sum(value ** 2)
    return total


add(namedtuple_asdict_loop, lambda rng: (LinearParams(_n(rng, 3), _n(rng, ()).item()),))


def fstring_print_of_values(w, x):
    y = np.tanh(w * x)
    print(f"y = {y}, loss = {np.sum(y ** 2):.4f}")
    return np.sum(y ** 2)


add(fstring_print_of_values, lambda rng: (_n(rng, 3), _n(rng, 3)), wrt=(0, 1))


@dataclass
class Regularizer:
    strength: float
    penalty: Callable = np.abs


def dataclass_with_callable_field(w, reg):
    return np.sum(w ** 2) + reg.strength * np.sum(reg.penalty(w))


add(dataclass_with_callable_field, lambda rng: (_distinct(rng, 4), Regularizer(0.3)),
    wrt=(0, 1))


class Chained:
    def __init__(self, a):
        self.a = a

    @property
    def doubled(self):
        return 2.0 * self.a

    @property
    def energy(self):
        return np.sum(self.doubled ** 2) + np.sum(np.sin(self.a))


def property_calling_property(a):
    return Chained(a).energy


add(property_calling_property, lambda rng: (_n(rng, 3),))


class BaseLoss:
    def __init__(self, weight):
        self.weight = weight

    def value(self, r):
        return self.weight * np.sum(r ** 2)


class L1Smooth(BaseLoss):
    def value(self, r):
        return super().value(r) + self.weight * np.sum(np.sqrt(r ** 2 + 0.01))


class Scaled(L1Smooth):
    def value(self, r):
        return 0.5 * super().value(r)


def super_method_two_levels(w, r):
    return Scaled(w).value(r)


add(super_method_two_levels, lambda rng: (_u(rng, 0.5, 2.0), _n(rng, 4)), wrt=(0, 1))


def super_method_wrt_object(loss, r):
    return loss.value(r)


add(super_method_wrt_object, lambda rng: (Scaled(_u(rng, 0.5, 2.0)), _n(rng, 4)), wrt=(0, 1))


class Net:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def forward(self, x, activation="tanh"):
        z = self.W @ x + self.b
        return np.tanh(z) if activation == "tanh" else np.maximum(z, 0.0)

    def __call__(self, x, **kwargs):
        return self.forward(x, **kwargs)


def call_forwards_kwargs(net, x):
    return np.sum(net(x, activation="tanh") ** 2) + np.sum(net(x))


add(call_forwards_kwargs, lambda rng: (Net(_n(rng, (2, 3)), _n(rng, 2)), _n(rng, 3)), (0, 1))


class SlottedParams:
    __slots__ = ("w", "b")

    def __init__(self, w, b):
        self.w = w
        self.b = b


def slotted_params_regression(p, X, y):
    return np.mean((X @ p.w + p.b - y) ** 2)


add(slotted_params_regression, lambda rng: (SlottedParams(_n(rng, 3), _u(rng, -1, 1)),
                                            _n(rng, (5, 3)), _n(rng, 5)))


class Ensemble:
    def __init__(self, members):
        self.members = members

    def predict(self, X):
        return np.mean([m.predict(X) for m in self.members], axis=0)


def ensemble_wrt_object_with_list_attribute(ens, X, y):
    return np.sum((ens.predict(X) - y) ** 2)


add(ensemble_wrt_object_with_list_attribute,
    lambda rng: (Ensemble([Model(_n(rng, 3), _u(rng, -1, 1)) for _ in range(2)]),
                 _n(rng, (4, 3)), _n(rng, 4)))


def newton_sqrt_while(a):
    x = a
    while abs(x * x - a) > 1e-12 * a:
        x = 0.5 * (x + a / x)
    return x


add(newton_sqrt_while, lambda rng: (_u(rng, 0.5, 4.0),))


def objects_in_dict_wrt(models, X):
    return sum(np.sum(m.predict(X) ** 2) for m in models.values())


add(objects_in_dict_wrt, lambda rng: ({"a": Model(_n(rng, 3), 0.5), "b": Model(_n(rng, 3), -0.5)},
                                      _n(rng, (2, 3))))


def counter_in_loop_with_branch(x, problem):
    best = np.inf
    for scale in (0.5, 1.0, 2.0):
        value = problem.fun(scale * x)
        if value < best:
            best = value
    return best


add(counter_in_loop_with_branch, lambda rng: (_n(rng, 3), _lsq(rng)),
    state=lambda fn, args: args[1].nfev)


# ========================= K. blocks: for/else, handlers reading what the try body set


def search_with_for_else(x, thresholds):
    total = 0.0
    for t in thresholds:
        if np.max(np.abs(x)) > t:
            total = total + t * np.sum(x ** 2)
            break
    else:
        total = np.sum(x ** 4)
    return total


add(search_with_for_else, lambda rng: (_n(rng, 3), [5.0, 10.0]))


def safe_sqrt_accumulate(x):
    k = 0
    acc = 0.0
    while k < len(x):
        try:
            acc = acc + math.sqrt(x[k])
        except ValueError:
            acc = acc - x[k]
        k += 1
    return acc


add(safe_sqrt_accumulate, lambda rng: (_n(rng, 4),))


def cleanup_in_finally(x):
    try:
        y = np.sum(np.log1p(x ** 2))
    finally:
        y = y * 2.0
    return y


add(cleanup_in_finally, lambda rng: (_n(rng, 4),))


# ===================================== L. numbers a class defines in its body (constants)


class HuberLoss:
    DELTA = 1.0
    REDUCE_MEAN = True

    def __init__(self, weight):
        self.weight = weight

    def __call__(self, r):
        a = np.sqrt(r ** 2 + 1e-9)
        quad = 0.5 * r ** 2
        lin = self.DELTA * (a - 0.5 * self.DELTA)
        out = self.weight * np.where(a <= self.DELTA, quad, lin)
        return np.mean(out) if self.REDUCE_MEAN else np.sum(out)


class TightHuberLoss(HuberLoss):
    DELTA = 0.5


def huber_class_constant_in_subclass(weight, r):
    wide, tight = HuberLoss(weight), TightHuberLoss(2.0 * weight)
    return wide(r) + tight(r)


add(huber_class_constant_in_subclass,
    lambda rng: (_u(rng, 0.5, 2.0), _distinct(rng, 6, -3, 3)), wrt=(0, 1))


def huber_class_constant_one_per_line(weight, r):
    wide = HuberLoss(weight)
    tight = TightHuberLoss(2.0 * weight)
    return wide(r) + tight(r)


add(huber_class_constant_one_per_line,
    lambda rng: (_u(rng, 0.5, 2.0), _distinct(rng, 6, -3, 3)), wrt=(0, 1))


def huber_class_constant_wrt_object(loss, r):
    return loss(r)


add(huber_class_constant_wrt_object,
    lambda rng: (TightHuberLoss(_u(rng, 0.5, 2.0)), _distinct(rng, 6, -3, 3)), wrt=(0, 1))


class Scheduler:
    base = 0.1  # a class default an instance may override with its own value

    def __init__(self, decay):
        self.decay = decay

    def rate(self, step):
        return self.base / (1.0 + self.decay * step)


def instance_value_over_class_default(sched, w):
    for step in range(3):
        w = w - sched.rate(step) * 2.0 * w
    return np.sum(w ** 2)


def _sched(rng):
    s = Scheduler(_u(rng, 0.1, 0.5))
    s.base = _u(rng, 0.05, 0.2)  # stored on the instance: differentiated
    return s


add(instance_value_over_class_default, lambda rng: (_sched(rng), _n(rng, 3)), wrt=(0, 1))
add(instance_value_over_class_default, lambda rng: (Scheduler(_u(rng, 0.1, 0.5)), _n(rng, 3)),
    wrt=(0, 1), label="class_default_read_through_instance")


class Basis:
    NODES = np.array([-1.0, 0.0, 1.0])  # an array the class holds: data, as a global's

    def __init__(self, width):
        self.width = width

    def features(self, x):
        return np.exp(-((x[:, None] - self.NODES) / self.width) ** 2)


def class_array_attribute(width, x):
    return np.sum(Basis(width).features(x))


add(class_array_attribute, lambda rng: (_u(rng, 0.5, 2.0), _n(rng, 4)), wrt=(0, 1))


# ================================= M. one function, objects of several classes (duck typing)


class GaussianPrior:
    def __init__(self, scale):
        self.scale = scale

    def neg_log_density(self, w):
        return 0.5 * np.sum((w / self.scale) ** 2)


class LaplacePrior:
    def __init__(self, scale):
        self.scale = scale

    def neg_log_density(self, w):
        return np.sum(np.sqrt(w ** 2 + 1e-4) / self.scale)


class HorseshoeLike(GaussianPrior):
    def neg_log_density(self, w):
        return np.sum(np.log1p(super().neg_log_density(w) / len(w)))


def posterior_energy(prior, w, X, y):
    r = X @ w - y
    return 0.5 * r @ r + prior.neg_log_density(w)


for _prior in (GaussianPrior, LaplacePrior, HorseshoeLike):
    add(posterior_energy,
        lambda rng, cls=_prior: (cls(_u(rng, 0.5, 2.0, 3)), _n(rng, 3), _n(rng, (5, 3)),
                                 _n(rng, 5)),
        wrt=(0, 1), label=f"posterior_energy_{_prior.__name__}")


def sum_of_mixed_priors(priors, w):
    return sum(p.neg_log_density(w) for p in priors)


add(sum_of_mixed_priors,
    lambda rng: ([GaussianPrior(_u(rng, 0.5, 2.0)), LaplacePrior(_u(rng, 0.5, 2.0)),
                  HorseshoeLike(_u(rng, 0.5, 2.0))], _n(rng, 3)), wrt=(0, 1))


# ====================================================================== constructs5
# The issue's list once more, in spellings the entries above do not use: grouping by
# key, a dict argument's keys, rows of a dynamic program, pairs, effects, blocks,
# functional helpers, containers, structured outputs, exec'd source, array namespaces.


def group_means_defaultdict(values, labels):
    groups = collections.defaultdict(list)
    for v, label in zip(values, labels):
        groups[label].append(v)
    means = {k: sum(vs) / len(vs) for k, vs in groups.items()}
    return sum((m - 0.1) ** 2 for m in means.values())


add(group_means_defaultdict, lambda rng: (list(_n(rng, 7)), [0, 1, 0, 2, 1, 0, 2]))


def class_weighted_loss_counts(pred, target, classes):
    counts = {}
    for c in classes:
        counts.setdefault(c, 0)
        counts[c] += 1
    loss = 0.0
    for p, t, c in zip(pred, target, classes):
        loss = loss + (p - t) ** 2 / counts[c]
    return loss / len(counts)


add(class_weighted_loss_counts, lambda rng: (_n(rng, 6), _n(rng, 6), list("abacab")),
    wrt=(0, 1))


def segment_sums_setdefault_extend(x, boundaries):
    segments = {}
    for i, (lo, hi) in enumerate(zip(boundaries[:-1], boundaries[1:])):
        segments.setdefault(i % 2, []).extend(x[lo:hi])
    return sum(np.sum(np.array(s) ** 2) * (k + 1) for k, s in segments.items())


add(segment_sums_setdefault_extend, lambda rng: (_n(rng, 7), [0, 2, 3, 6, 7]))


def l2_penalty_sorted_param_names(params, lam):
    penalty = 0.0
    for name in sorted(params):
        if name.endswith("_b"):
            continue
        penalty = penalty + np.sum(params[name] ** 2)
    return lam * penalty


add(l2_penalty_sorted_param_names,
    lambda rng: ({"l1_W": _n(rng, (2, 3)), "l1_b": _n(rng, 2), "l2_W": _n(rng, (1, 2))},
                 _u(rng, 0.1, 1.0)), wrt=(0, 1))


def flatten_params_in_key_order(params):
    keys = sorted(params)
    flat = np.concatenate([np.atleast_1d(params[k]).ravel() for k in keys])
    return np.sum(np.log1p(flat ** 2)) + flat[0] * flat[-1]


add(flatten_params_in_key_order,
    lambda rng: ({"w": _n(rng, (2, 2)), "b": _n(rng, 2), "s": _n(rng, ()).item()},))


def soft_dtw_rows(a, b, gamma):
    m = len(b)
    prev = [0.0] + [1e6] * m
    for i in range(len(a)):
        cur = [1e6]
        for j in range(m):
            options = np.array([prev[j], prev[j + 1], cur[j]])
            soft = -gamma * np.log(np.sum(np.exp(-(options - np.min(options)) / gamma))) \
                + np.min(options)
            cur.append((a[i] - b[j]) ** 2 + soft)
        prev = cur
    return prev[-1]


add(soft_dtw_rows, lambda rng: (_distinct(rng, 3), _distinct(rng, 4) * 0.9, _u(rng, 0.5, 1.0)),
    wrt=(0, 1, 2))


def lcs_soft_table_rows(x, y):
    prev = [0.0] * (len(y) + 1)
    for xi in x:
        row = [0.0]
        for j, yj in enumerate(y):
            row.append(max(prev[j] + np.exp(-(xi - yj) ** 2), prev[j + 1], row[j]))
        prev = row
    return prev[-1]


add(lcs_soft_table_rows, lambda rng: (_distinct(rng, 3), _distinct(rng, 3) * 1.3), wrt=(0, 1))


def rnn_states_paired_with_config(W, U, xs):
    states = [np.zeros(2)]
    run = (states, {"act": "tanh"})
    for x in xs:
        states.append(np.tanh(W @ states[-1] + U @ x))
    return np.sum(np.array(run[0][1:]) ** 2)


add(rnn_states_paired_with_config, lambda rng: (_n(rng, (2, 2), 0.5), _n(rng, (2, 3), 0.5),
                                               _n(rng, (3, 3))), wrt=(0, 1))


def print_progress_every_other(x, steps):
    w = np.zeros_like(x)
    for t in range(steps):
        grad = 2 * (w - x)
        w = w - 0.3 * grad
        if t % 2 == 0:
            print(f"step {t}: loss={np.sum((w - x) ** 2):.4f}")
    return np.sum(w ** 2)


add(print_progress_every_other, lambda rng: (_n(rng, 3), 4))


def log_shapes_and_warn_on_large(X, w):
    LOG.debug("X has shape %s, w norm %.3f", X.shape, np.linalg.norm(w))
    z = X @ w
    if np.max(np.abs(z)) > 1e3:
        warnings.warn("large activations", RuntimeWarning, stacklevel=2)
    return np.sum(np.logaddexp(0.0, z))


add(log_shapes_and_warn_on_large, lambda rng: (_n(rng, (4, 3)), _n(rng, 3)), wrt=(0, 1))


def penalty_by_name_or_raise(w, kind="huber", delta=1.0):
    if kind == "l2":
        return np.sum(w ** 2)
    elif kind == "huber":
        a = np.abs(w)
        return np.sum(np.where(a <= delta, 0.5 * w ** 2, delta * (a - 0.5 * delta)))
    else:
        raise ValueError(f"unknown penalty {kind!r}")


add(penalty_by_name_or_raise, lambda rng: (_n(rng, 4) * 1.5,))
add(penalty_by_name_or_raise, lambda rng: (_n(rng, 4),), kwargs={"kind": "l2"},
    label="penalty_by_name_or_raise_l2")


def assert_then_log_ratio(p, q):
    assert p.shape == q.shape, "p and q must match"
    assert np.all(p > 0), "p must be positive"
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(q > 0, p / q, 0.0)
    return np.sum(p * np.log(ratio))


add(assert_then_log_ratio, lambda rng: (_u(rng, 0.2, 1.0, 4), _u(rng, 0.2, 1.0, 4)),
    wrt=(0, 1))


def gaussian_logpdf_cholesky_jitter(x, mu, A):
    cov = A @ A.T
    try:
        L = np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        L = np.linalg.cholesky(cov + 1e-6 * np.eye(len(x)))
    z = np.linalg.solve(L, x - mu)
    return -0.5 * z @ z - np.sum(np.log(np.diag(L)))


add(gaussian_logpdf_cholesky_jitter,
    lambda rng: (_n(rng, 3), _n(rng, 3), np.eye(3) + _n(rng, (3, 3), 0.2)), wrt=(0, 1, 2))


def python_division_fallback(a, b):
    try:
        r = a / b
    except ZeroDivisionError:
        r = a * 1e3
    finally:
        scale = 2.0
    return scale * r ** 2


add(python_division_fallback, lambda rng: (_u(rng, 0.5, 1.5), _u(rng, 0.5, 1.5)), wrt=(0, 1))


def chain_of_matrices_reduce(x, A, B, C):
    M = functools.reduce(lambda acc, m: acc @ m, [A, B, C])
    return np.sum(np.tanh(M @ x))


add(chain_of_matrices_reduce, lambda rng: (_n(rng, 2), _n(rng, (2, 2)), _n(rng, (2, 2)),
                                           _n(rng, (2, 2))), wrt=(0, 1, 3))


def powers_through_partial_map(x):
    raise_x = functools.partial(np.power, x)
    return sum(np.sum(p) / k for k, p in enumerate(map(raise_x, [1.0, 2.0, 3.0]), start=1))


add(powers_through_partial_map, lambda rng: (_u(rng, 0.2, 1.0, 3),))


def top_two_scores_itemgetter(scores, names):
    ranked = sorted(zip(names, scores), key=operator.itemgetter(1), reverse=True)
    return sum(s * (2 - rank) for rank, (_, s) in enumerate(ranked[:2]))


add(top_two_scores_itemgetter, lambda rng: (_distinct(rng, 4), ["a", "b", "c", "d"]))


def dot_with_operator_mul_map(w, x):
    return sum(map(operator.mul, w, x)) + max(map(abs, w))


add(dot_with_operator_mul_map, lambda rng: (list(_distinct(rng, 4)), list(_n(rng, 4))),
    wrt=(0, 1))


def aggregate_defaults(x, reduce=np.mean, activate=np.tanh, scale=2.0):
    return scale * reduce(activate(x) ** 2)


add(aggregate_defaults, lambda rng: (_n(rng, 4),))
add(aggregate_defaults, lambda rng: (_distinct(rng, 4), np.max),
    label="aggregate_defaults_passed_max")


def aggregate_with_max(x):
    return aggregate_defaults(x, reduce=np.max, activate=np.sin) - aggregate_defaults(x)


add(aggregate_with_max, lambda rng: (_distinct(rng, 4),))


def optional_terms_get_on_argument(x, weights):
    loss = weights.get("data", 1.0) * np.sum(x ** 2)
    loss = loss + weights.get("smooth", 0.0) * np.sum(np.diff(x) ** 2)
    return loss + weights.get("missing", 0.0)


add(optional_terms_get_on_argument,
    lambda rng: (_n(rng, 4), {"data": _u(rng, 0.5, 1.0), "smooth": _u(rng, 0.1, 0.5)}),
    wrt=(0, 1))


def named_blocks_from_flat_vector(theta):
    W, b, log_s = np.split(theta, [4, 6])
    blocks = dict(zip(["W", "b", "log_s"], [W.reshape(2, 2), b, log_s]))
    h = np.tanh(blocks["W"] @ blocks["b"])
    return np.sum(h ** 2) * np.exp(blocks["log_s"][0])


add(named_blocks_from_flat_vector, lambda rng: (_n(rng, 7, 0.5),))


def normalize_stats_items_update(x):
    stats = {"mean": np.mean(x), "sq": np.mean(x ** 2), "max": np.max(x)}
    n = len(x)
    for key, value in stats.items():
        stats[key] = value * n / (n - 1)
    return stats["sq"] - stats["mean"] ** 2 + 0.1 * stats["max"]


add(normalize_stats_items_update, lambda rng: (_distinct(rng, 5),))


def clipped_min_of_four(a, b, c, d):
    lo = min(a, b, c, d)
    hi = max(a * b, c, d * 2.0)
    extra = max([v for v in (a, b) if v > 10.0], default=0.0)
    return lo * hi + extra


add(clipped_min_of_four, lambda rng: tuple(_distinct(rng, 4)), wrt=(0, 1, 2, 3))


NormalParams = collections.namedtuple("NormalParams", "mu log_sigma")


def namedtuple_from_star_split(theta, data):
    p = NormalParams(*theta[:2])
    z = (data - p.mu) / np.exp(p.log_sigma)
    return np.sum(0.5 * z ** 2 + p.log_sigma) + theta[2] ** 2


add(namedtuple_from_star_split, lambda rng: (_n(rng, 3, 0.5), _n(rng, 5)), wrt=(0, 1))


def unique_labels_set_comprehension(x, labels):
    classes = sorted({int(k) for k in labels})
    total = 0.0
    for c in classes:
        total = total + np.sum(x[np.array(labels) == c]) ** 2
    return total / len(classes)


add(unique_labels_set_comprehension, lambda rng: (_n(rng, 6), [2, 0, 2, 1, 0, 2]))


def grads_dict_accumulated_over_items(params, x):
    acc = {k: 0.0 for k in params}
    for k, v in params.items():
        acc[k] += np.sum(v * x[: np.size(v)])
    return sum(t ** 2 for t in acc.values())


add(grads_dict_accumulated_over_items,
    lambda rng: ({"a": _n(rng, 2), "b": _n(rng, 3)}, _n(rng, 3)), wrt=(0, 1))


def loss_and_metrics_dict(w, X, y):
    r = X @ w - y
    return {"loss": np.mean(r ** 2), "residuals": r,
            "parts": (np.sum(np.abs(w)), [np.max(r), np.min(r)])}


add_vjp(loss_and_metrics_dict, lambda rng: (_n(rng, 3), _n(rng, (4, 3)), _n(rng, 4)),
        wrt=(0, 1))


def zero_d_array_output(x):
    return np.asarray(np.sum(np.sin(x) ** 2) - x[0])


def numpy_scalar_output(x):
    return np.float64(np.sum(x ** 3)) + np.prod(x[:2])


add(zero_d_array_output, lambda rng: (_n(rng, 3),))
add(numpy_scalar_output, lambda rng: (_n(rng, 3),))


_EXEC_SOURCE = '''\
def exec_defined_objective(x, c):
    """Written in a notebook cell: its source lives only in linecache."""
    total = 0.0
    for i in range(len(x) - 1):
        total = total + c * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2
    return total
'''
_EXEC_FILE = "<corpus12-constructs5-cell>"


def _exec_defined(source, filename):
    import linecache

    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"np": np}
    exec(compile(source, filename, "exec"), namespace)
    return namespace["exec_defined_objective"]


add(_exec_defined(_EXEC_SOURCE, _EXEC_FILE), lambda rng: (_u(rng, -1.0, 1.0, 4), 10.0),
    wrt=(0, 1))


def namespace_from_scipy_helper(x, y):
    from scipy._lib._array_api import array_namespace

    xp = array_namespace(x, y)
    d = xp.sum((x - y) ** 2, axis=0)
    return xp.sqrt(d + 1e-3) + xp.mean(xp.exp(-x))


add(namespace_from_scipy_helper, lambda rng: (_n(rng, 3), _n(rng, 3)), wrt=(0, 1))


def np_rebound_to_namespace(x):
    xp = np
    np_ = xp
    return np_.sum(np_.log1p(xp.abs(x))) + xp.linalg.norm(x)


add(np_rebound_to_namespace, lambda rng: (_n(rng, 4),))


def pairs_generator(x):
    for i in range(len(x) - 1):
        yield x[i], x[i + 1]


def sum_over_generated_pairs(x):
    return sum(a * b - 0.5 * a for a, b in pairs_generator(x))


add(sum_over_generated_pairs, lambda rng: (_n(rng, 5),))


def fixed_point_while_true(a, x0):
    x = x0
    n = 0
    while True:
        new = 0.5 * (x + a / x)
        n += 1
        if abs(new - x) < 1e-12 or n >= 50:
            break
        x = new
    return new


add(fixed_point_while_true, lambda rng: (_u(rng, 1.0, 3.0), _u(rng, 1.0, 2.0)))


def timed_with_nullcontext(x):
    import contextlib
    import time

    start = time.perf_counter()
    with contextlib.nullcontext():
        y = np.cumsum(x) ** 2
    elapsed = time.perf_counter() - start
    if elapsed < 0:
        raise RuntimeError("clock went backwards")
    return np.sum(y)


add(timed_with_nullcontext, lambda rng: (_n(rng, 4),))


# ---------------------------------------------------------------- objects6's entries


@dataclass
class GaussianLogger:
    """A model logging its loss into a list made by field(default_factory=list), after
    a call that receives self; __call__ delegates to forward."""

    mu: np.ndarray
    log_sigma: float
    losses: list = field(default_factory=list)

    def nll(self, x):
        z = (x - self.mu) / np.exp(self.log_sigma)
        return np.sum(0.5 * z ** 2) + x.size * self.log_sigma

    def forward(self, x):
        loss = self.nll(x)
        self.losses.append(float(loss))
        return loss

    def __call__(self, x):
        return self.forward(x)


def gaussian_logger_loss(model, x):
    return model(x)


add(gaussian_logger_loss, lambda rng: (GaussianLogger(_n(rng, 3), _u(rng, -0.5, 0.5)),
                                       _n(rng, 3)), wrt=1,
    state=lambda fn, args: len(args[0].losses))


class GatedResidual:
    """forward(self, x, *gates): gates multiply the branch; apply passes *params on."""

    def __init__(self, W):
        self.W = W

    def forward(self, x, *gates, scale=1.0):
        branch = np.tanh(self.W @ x)
        for gate in gates:
            branch = branch * gate
        return x + scale * branch

    def apply(self, x, *params, **options):
        return self.forward(x, *params, **options)


def residual_star_params(W, x, g1, g2):
    block = GatedResidual(W)
    params = [g1, g2]
    return np.sum(block.apply(x, *params, scale=0.5) ** 2)


add(residual_star_params, lambda rng: (_n(rng, (3, 3), 0.5), _n(rng, 3), _n(rng, 3),
                                       _n(rng, 3)), wrt=(0, 1, 2, 3))


class DenseParams:
    def __init__(self, W, b):
        self.W = W
        self.b = b


class DenseFromKwargs(DenseParams):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

    @classmethod
    def from_params(cls, W, b):
        return cls(W, b=b)


def dense_through_super_star(W, b, x):
    layer = DenseFromKwargs(W, b=b)
    return np.sum(np.tanh(layer.W @ x + layer.b))


add(dense_through_super_star, lambda rng: (_n(rng, (2, 3)), _n(rng, 2), _n(rng, 3)),
    wrt=(0, 1, 2))


def _softplus_with_import(x):
    import math

    from numpy import logaddexp as lae
    return lae(0.0, x) * math.log(2.0)


def softplus_helper_importing(x):
    return np.sum(_softplus_with_import(x) + _softplus_with_import(2.0 * x))


add(softplus_helper_importing, lambda rng: (_n(rng, 4),))


# ============================================================= constructs6
# Functions in spellings the cases above do not have yet: generators consumed by sum,
# list and zip, enumerate(start=1), zip(strict=True), itertools, match, walrus in
# comprehensions, closures, dict comprehensions over zip, while True / for-else,
# try/except/else/finally around np.linalg.solve, assert and warnings with f-strings,
# globals, math.fsum, statistics.fmean and sum(..., start=).

# generators consumed by sum/list/zip
def _residuals(x, y):
    for xi, yi in zip(x, y):
        yield xi - yi


def squared_residuals_from_generator(x, y):
    return sum(r * r for r in _residuals(x, y)) / len(x)


add(squared_residuals_from_generator, lambda rng: (_n(rng, 4), _n(rng, 4)), wrt=(0, 1))


def _scaled_terms(w, scales):
    for s in scales:
        yield np.sum(w * s)


def list_of_generated_terms(w):
    terms = list(_scaled_terms(w, [1.0, 2.0, 3.0]))
    return terms[0] * terms[1] + np.tanh(terms[2])


add(list_of_generated_terms, lambda rng: (_n(rng, 3, 0.5),))


def _moments(x):
    yield np.mean(x)
    yield np.mean(x ** 2)


def zipped_generator_with_weights(x):
    total = 0.0
    for m, wt in zip(_moments(x), [0.5, 2.0]):
        total = total + wt * m
    return total


add(zipped_generator_with_weights, lambda rng: (_n(rng, 5),))


# enumerate(start=1)
def harmonic_weighted_loss(x):
    return sum(v ** 2 / k for k, v in enumerate(x, start=1))


add(harmonic_weighted_loss, lambda rng: (_n(rng, 4),))


def discounted_return(rewards, gamma):
    total = 0.0
    for t, r in enumerate(rewards, 1):
        total += gamma ** t * r
    return total


add(discounted_return, lambda rng: (_n(rng, 5), _u(rng, 0.5, 0.9)), wrt=(0, 1))


# zip(strict=True)
def strict_zip_dot(w, x):
    return sum(a * b for a, b in zip(w, x, strict=True)) ** 2


add(strict_zip_dot, lambda rng: (_n(rng, 4), _n(rng, 4)), wrt=(0, 1))


def strict_zip_layers(Ws, bs, x):
    h = x
    for W, b in zip(Ws, bs, strict=True):
        h = np.tanh(W @ h + b)
    return np.sum(h)


add(strict_zip_layers, lambda rng: ([_n(rng, (3, 3), 0.5), _n(rng, (2, 3), 0.5)],
                                    [_n(rng, 3), _n(rng, 2)], _n(rng, 3)), wrt=(0, 1, 2))


# itertools
def running_max_penalty(x):
    partial_sums = list(itertools.accumulate(x))
    return sum(s ** 2 for s in partial_sums)


add(running_max_penalty, lambda rng: (_n(rng, 5),))


def accumulate_products(x):
    prods = list(itertools.accumulate(x, operator.mul))
    return prods[-1] + 0.5 * prods[1]


add(accumulate_products, lambda rng: (_u(rng, 0.5, 1.5, 4),))


def accumulate_with_initial(x):
    return sum(itertools.accumulate(x, initial=1.0))


add(accumulate_with_initial, lambda rng: (_n(rng, 3),))


def total_variation_pairwise(x):
    return sum(abs(b - a) for a, b in itertools.pairwise(x))


add(total_variation_pairwise, lambda rng: (_distinct(rng, 5),))


def smooth_path_pairwise(points):
    return sum(np.sum((q - p) ** 2) for p, q in itertools.pairwise(points))


add(smooth_path_pairwise, lambda rng: (_n(rng, (4, 2)),))


def pairwise_interaction_product(x):
    return sum(x[i] * x[j] for i, j in itertools.product(range(len(x)), repeat=2) if i < j)


add(pairwise_interaction_product, lambda rng: (_n(rng, 4),))


def grid_energy_product(w, xs, ys):
    return sum(np.tanh(w[0] * a + w[1] * b) for a, b in itertools.product(xs, ys))


add(grid_energy_product, lambda rng: (_n(rng, 2), [0.1, 0.5, 0.9], [-1.0, 1.0]), 0)


def chained_parameter_norm(params):
    flat = list(itertools.chain.from_iterable(params))
    return sum(v ** 2 for v in flat)


add(chained_parameter_norm, lambda rng: ([list(_n(rng, 2)), list(_n(rng, 3))],), 0)


def chain_two_lists(a, b):
    return sum(np.sin(v) for v in itertools.chain(a, b))


add(chain_two_lists, lambda rng: (list(_n(rng, 2)), list(_n(rng, 3))), wrt=(0, 1))


# match
def match_on_order(x, order):
    match order:
        case 1:
            return np.sum(np.abs(x))
        case 2:
            return np.sqrt(np.sum(x ** 2))
        case _:
            return np.max(np.abs(x))


add(match_on_order, lambda rng: (_n(rng, 4), 2))


def match_on_shape_tuple(x):
    match x.shape:
        case (n,):
            return np.sum(x ** 2) / n
        case (n, m):
            return np.sum(x ** 2) / (n * m)
    return 0.0


add(match_on_shape_tuple, lambda rng: (_n(rng, (2, 3)),))


def match_penalty_kind(w, kind):
    match kind:
        case "l1" | "lasso":
            pen = np.sum(np.abs(w))
        case "l2":
            pen = np.sum(w ** 2)
        case _:
            raise ValueError(f"unknown penalty {kind}")
    return pen + np.sum(np.exp(w))


add(match_penalty_kind, lambda rng: (_n(rng, 3), "l2"))


def match_spec_tuple(w, spec):
    match spec:
        case ("l2", lam):
            pen = lam * np.sum(w ** 2)
        case ("elastic", lam, ratio):
            pen = lam * (ratio * np.sum(np.abs(w)) + (1 - ratio) * np.sum(w ** 2))
        case _:
            pen = 0.0
    return pen + np.sum(np.log1p(np.exp(w)))


add(match_spec_tuple, lambda rng: (_n(rng, 3), ("elastic", 0.3, 0.25)))


add(match_spec_tuple, lambda rng: (_n(rng, 3), ("l2", 0.7)), label="match_spec_tuple_l2")


# walrus in comprehensions
def walrus_kept_terms(x):
    return sum(t for v in x if (t := v * v) > 0.1)


add(walrus_kept_terms, lambda rng: (_n(rng, 5, 2.0),))


def walrus_running_state(x):
    state = 0.0
    smoothed = [state := 0.5 * state + 0.5 * v for v in x]
    return sum(s ** 2 for s in smoothed) + state


add(walrus_running_state, lambda rng: (_n(rng, 5),))


# conditional expressions inside comprehensions
def clipped_hinge_comprehension(w, X, y):
    margins = [y[i] * np.dot(w, X[i]) for i in range(len(y))]
    return sum(1.0 - m if m < 1.0 else 0.0 for m in margins)


add(clipped_hinge_comprehension, lambda rng: (_n(rng, 3), _n(rng, (6, 3)), np.sign(_n(rng, 6))))


def huber_list_comprehension(r, delta=1.0):
    return sum([0.5 * v * v if abs(v) <= delta else delta * (abs(v) - 0.5 * delta) for v in r])


add(huber_list_comprehension, lambda rng: (_n(rng, 6, 1.5),))


# closures returned by nested functions
def closure_power_family(x):
    def make_power(p):
        def power(v):
            return np.sum(np.abs(v) ** p)
        return power
    l2 = make_power(2.0)
    return l2(x) + make_power(3.0)(x)


add(closure_power_family, lambda rng: (_n(rng, 4),))


def _make_power_norm(p):
    def power(v):
        return np.sum(np.abs(v) ** p)
    return power


def _make_squashed(scale):
    return lambda v: np.tanh(scale * v)


def module_closure_factories(x, s):
    l2 = _make_power_norm(2.0)
    act = _make_squashed(s)
    return l2(x) + _make_power_norm(3.0)(x) + np.sum(act(x) ** 2)


add(module_closure_factories, lambda rng: (_n(rng, 4), _u(rng, 0.5, 1.5)))


def closure_over_weights(w, x):
    def make_model(scale):
        return lambda v: np.tanh(scale * (w @ v))
    model = make_model(2.0)
    return np.sum(model(x) ** 2)


add(closure_over_weights, lambda rng: (_n(rng, (2, 3), 0.5), _n(rng, 3)), wrt=(0, 1))


# dict comprehensions over zip
def named_losses_dict_zip(pred, target):
    names = ["a", "b", "c"]
    errors = {k: (p - t) ** 2 for k, p, t in zip(names, pred, target)}
    return errors["a"] + 2.0 * errors["b"] + sum(errors.values())


add(named_losses_dict_zip, lambda rng: (_n(rng, 3), _n(rng, 3)), wrt=(0, 1))


def weighted_dict_from_zip(x):
    weights = {name: w for name, w in zip(("x0", "x1"), (0.3, 0.7))}
    values = dict(zip(("x0", "x1"), (np.sin(x[0]), np.cos(x[1]))))
    return sum(weights[k] * values[k] for k in weights)


add(weighted_dict_from_zip, lambda rng: (_n(rng, 2),))


# while True with break
def newton_sqrt_while_true(a):
    x = a
    it = 0
    while True:
        x = 0.5 * (x + a / x)
        it += 1
        if it >= 8:
            break
    return x


add(newton_sqrt_while_true, lambda rng: (_u(rng, 1.0, 4.0),))


def gradient_descent_while_true(w0, target):
    w = w0
    steps = 0
    while True:
        w = w - 0.1 * (w - target)
        steps += 1
        if steps == 20:
            break
    return np.sum(w ** 2)


add(gradient_descent_while_true, lambda rng: (_n(rng, 3), _n(rng, 3)), wrt=(0, 1))


# for/else
def first_large_or_sum(x):
    for v in x:
        if v > 10.0:
            out = v
            break
    else:
        out = np.sum(x ** 2)
    return out


add(first_large_or_sum, lambda rng: (_n(rng, 4),))


def search_with_else_found(x):
    total = 0.0
    for i, v in enumerate(x):
        total += v * i
        if total > 100.0:
            break
    else:
        total = total * 2.0
    return total


add(search_with_else_found, lambda rng: (_n(rng, 4),))


# try/except/else/finally around np.linalg.solve
def solve_with_fallback(A, b):
    attempts = 0
    try:
        x = np.linalg.solve(A, b)
    except np.linalg.LinAlgError:
        x = np.linalg.pinv(A) @ b
    else:
        attempts += 1
    finally:
        attempts += 1
    return np.sum(x ** 2) * attempts


add(solve_with_fallback, lambda rng: (_spd(rng, 3), _n(rng, 3)), wrt=(0, 1))


def ridge_solve_try_else(X, y, lam):
    try:
        w = np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ y)
    except np.linalg.LinAlgError as err:
        raise RuntimeError("singular system") from err
    else:
        r = y - X @ w
    return np.sum(r ** 2) + lam * np.sum(w ** 2)


add(ridge_solve_try_else, lambda rng: (_n(rng, (6, 3)), _n(rng, 6), _u(rng, 0.5, 1.0)),
    wrt=(0, 1, 2))


# assert with messages
def assert_shapes_then_loss(W, x):
    assert W.shape[1] == x.shape[0], f"shape mismatch: {W.shape} vs {x.shape}"
    assert np.all(np.isfinite(x)), "x must be finite"
    return np.sum(np.tanh(W @ x) ** 2)


add(assert_shapes_then_loss, lambda rng: (_n(rng, (2, 3)), _n(rng, 3)), wrt=(0, 1))


# f-strings in warnings.warn
def warn_on_large_norm(x):
    norm = np.sqrt(np.sum(x ** 2))
    if norm > 0.5:
        warnings.warn(f"large norm {norm:.3f} for {len(x)} values", RuntimeWarning, stacklevel=2)
    return norm ** 3


add(warn_on_large_norm, lambda rng: (_n(rng, 4),))


# global constants


LOSS_SCALE = 2.5


TERM_WEIGHTS = (0.2, 0.3, 0.5)


CENTER = np.array([0.1, -0.2, 0.3])


def global_constants_read(x):
    return LOSS_SCALE * sum(w * np.sin(v) for w, v in zip(TERM_WEIGHTS, x)) + np.sum(
        (x - CENTER) ** 2)


add(global_constants_read, lambda rng: (_n(rng, 3),))


# math.fsum, statistics.fmean, sum start=
def fsum_of_squares(x):
    return math.fsum(v * v for v in x) + math.fsum([x[0], x[1]])


add(fsum_of_squares, lambda rng: (list(_n(rng, 4)),))


def fmean_of_terms(x):
    return statistics.fmean([math.exp(v) for v in x]) * statistics.fmean(x)


add(fmean_of_terms, lambda rng: (list(_n(rng, 4, 0.5)),))


def fmean_weighted(x):
    return statistics.fmean(x, weights=[1.0, 2.0, 3.0])


add(fmean_weighted, lambda rng: (list(_n(rng, 3)),))


def fmean_with_weights_passed(x, w):
    return statistics.fmean(x, weights=w) ** 2 + statistics.fmean(np.sin(x))


add(fmean_with_weights_passed, lambda rng: (_n(rng, 3), _u(rng, 0.5, 2.0, 3)), wrt=(0, 1))
add(fmean_with_weights_passed, lambda rng: (list(_n(rng, 3)), list(_u(rng, 0.5, 2.0, 3))),
    wrt=(0, 1), label="fmean_with_weights_passed_lists")


def sum_with_start_array(xs):
    return np.sum(sum(xs, start=np.zeros(3)) ** 2)


add(sum_with_start_array, lambda rng: (_n(rng, (4, 3)),))


def sum_with_start_scalar(x):
    return sum((v ** 2 for v in x), start=1.0) * sum(x, 0.5)


add(sum_with_start_scalar, lambda rng: (_n(rng, 4),))


# objects7: caches on self, __init__ that computes, user containers, fluent methods,
# operators of module-level objects


class MemoKernel:
    """An RBF kernel that memoizes its Gram matrix within one evaluation."""

    def __init__(self, lengthscale):
        self.lengthscale = lengthscale
        self._cache = {}
        self.stats = {"calls": 0, "hits": 0}

    def gram(self, X):
        self.stats["calls"] += 1
        if "K" in self._cache:
            self.stats["hits"] += 1
            return self._cache["K"]
        d2 = np.sum((X[:, None, :] - X[None, :, :]) ** 2, axis=-1)
        K = np.exp(-0.5 * d2 / self.lengthscale ** 2)
        self._cache["K"] = K
        return K


def gp_quadratic_form_memoized(X, y, lengthscale):
    kernel = MemoKernel(lengthscale)
    K = kernel.gram(X) + 0.5 * np.eye(X.shape[0])
    alpha = np.linalg.solve(K, y)
    return y @ alpha + np.trace(kernel.gram(X)) * kernel.stats["hits"]


add(gp_quadratic_form_memoized, lambda rng: (_n(rng, (4, 2)), _n(rng, 4), _u(rng, 0.7, 1.5)),
    wrt=(0, 1, 2))


class ResidualStack:
    """Layers built from one weight tensor in __init__, iterated through __iter__."""

    def __init__(self, weights, scale=None):
        self.depth = weights.shape[0]
        self.scale = scale if scale is not None else 1.0 / np.sqrt(self.depth)
        self.blocks = []
        for i in range(self.depth):
            self.blocks.append(weights[i])

    def __iter__(self):
        return iter(self.blocks)

    def __len__(self):
        return len(self.blocks)


def residual_stack_through_iter(weights, x):
    h = x
    net = ResidualStack(weights)
    for W in net:
        h = h + net.scale * np.tanh(W @ h)
    return np.sum(h ** 2) / len(net)


add(residual_stack_through_iter, lambda rng: (_n(rng, (3, 4, 4), 0.4), _n(rng, 4)),
    wrt=(0, 1))


class GeneratorSequential:
    def __init__(self, *layers):
        self.layers = list(layers)

    def __iter__(self):
        yield from self.layers

    def __getitem__(self, i):
        return self.layers[i]

    def __len__(self):
        return len(self.layers)


def sequential_reversed_decoder(W1, W2, z):
    model = GeneratorSequential(W1, W2)
    for W in reversed(model):
        z = np.tanh(W.T @ z)
    return np.sum(z) + np.sum(model[0] * model[-1])


add(sequential_reversed_decoder, lambda rng: (_n(rng, (3, 3), 0.5), _n(rng, (3, 3), 0.5),
                                               _n(rng, 3)), wrt=(0, 1, 2))


class Trainer:
    """A fluent optimizer loop: every step returns self."""

    def __init__(self, w, lr=0.1):
        self.w = w * 1.0
        self.lr = lr
        self.losses = []

    def step(self, X, y):
        r = X @ self.w - y
        self.losses.append(np.mean(r ** 2))
        self.w = self.w - self.lr * X.T @ r / len(y)
        return self

    def final_loss(self):
        return self.losses[-1] + 0.1 * sum(self.losses)


def unrolled_fluent_training(w, X, y):
    return Trainer(w).step(X, y).step(X, y).step(X, y).final_loss()


add(unrolled_fluent_training, lambda rng: (_n(rng, 3), _n(rng, (5, 3)), _n(rng, 5)),
    wrt=(0, 1))


@dataclasses.dataclass
class PostInitMixture:
    logits: np.ndarray
    means: np.ndarray
    components: list = dataclasses.field(default_factory=list)

    def __post_init__(self):
        for k in range(len(self.means)):
            self.components.append(self.means[k])

    def log_density(self, x):
        w = np.exp(self.logits - np.max(self.logits))
        w = w / np.sum(w)
        dens = sum(w[k] * np.exp(-0.5 * (x - m) ** 2) for k, m in enumerate(self.components))
        return np.log(dens)


def mixture_post_init_nll(logits, means, x):
    return -np.sum(PostInitMixture(logits, means).log_density(x))


add(mixture_post_init_nll, lambda rng: (_n(rng, 3), _n(rng, 3), _n(rng, 4)), wrt=(0, 1, 2))


class Quaternionish:
    """A module-level constant object whose operators are the user's."""

    def __init__(self, a):
        self.a = a

    def __mul__(self, x):
        return self.a[0] * x + self.a[1] * x ** 2

    def __rmul__(self, x):
        return self.a[2] * x


BASIS = Quaternionish(np.array([0.5, -1.0, 2.0]))


def module_object_operators(x):
    return np.sum(BASIS * x) + np.sum(x * 1.0) * np.sum(np.sin(x))


add(module_object_operators, lambda rng: (_n(rng, 4),))

# constructs7: an audit round in the style of optimization benchmark suites, statistics,
# signal processing and machine learning (issue 12), written for this corpus


# ---------------------------------------------------------------- optimization benchmarks
class BenchmarkC7:
    def __init__(self, dimensions=2):
        self.N = dimensions
        self.nfev = 0
        self._bounds = [(-5.0, 5.0)] * dimensions


class RosenbrockC7(BenchmarkC7):
    def fun(self, x, *args):
        self.nfev += 1
        return np.sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1 - x[:-1]) ** 2.0)


class RastriginC7(BenchmarkC7):
    def fun(self, x, *args):
        self.nfev += 1
        return 10.0 * self.N + np.sum(x ** 2.0 - 10.0 * np.cos(2.0 * np.pi * x))


class AckleyC7(BenchmarkC7):
    def fun(self, x, *args):
        self.nfev += 1
        u = np.sum(x ** 2)
        v = np.sum(np.cos(2 * np.pi * x))
        return (-20.0 * np.exp(-0.2 * np.sqrt(u / self.N))
                - np.exp(v / self.N) + 20.0 + np.exp(1.0))


class StyblinskiTangC7(BenchmarkC7):
    def fun(self, x, *args):
        self.nfev += 1
        return np.sum(x ** 4 - 16 * x ** 2 + 5 * x) / 2.0


def rosenbrock_loop(x, a=1.0, b=100.0):
    if x.ndim != 1:
        raise ValueError(f"expected a vector, got shape {x.shape}")
    total = 0.0
    for i in range(len(x) - 1):
        total += b * (x[i + 1] - x[i] ** 2) ** 2 + (a - x[i]) ** 2
    return total


def booth_with_checks(x):
    assert x.shape == (2,), "booth takes two variables"
    x1, x2 = x
    return (x1 + 2 * x2 - 7) ** 2 + (2 * x1 + x2 - 5) ** 2


def penalized_objective(x, bounds=((-2.0, 2.0), (-2.0, 2.0), (-2.0, 2.0))):
    penalty = 0.0
    for xi, (lo, hi) in zip(x, bounds):
        if xi < lo:
            penalty += (lo - xi) ** 2
        elif xi > hi:
            penalty += (xi - hi) ** 2
    return np.sum(np.sin(x) ** 2) + 1e3 * penalty


def objective_from_config(x, config=None):
    config = config or {"name": "sphere", "scale": 2.0}
    match config["name"]:
        case "sphere":
            value = np.sum(x ** 2)
        case "abs":
            value = np.sum(np.abs(x))
        case _:
            raise KeyError(config["name"])
    return config.get("scale", 1.0) * value


# ---------------------------------------------------------------- statistics
def gaussian_mixture_loglik(x, means, log_sigma, weights=(0.3, 0.7)):
    logw = np.log(np.asarray(weights))
    sigma = np.exp(log_sigma)
    comps = []
    for k in range(len(weights)):
        z = (x - means[k]) / sigma[k]
        comps.append(logw[k] - 0.5 * z ** 2 - np.log(sigma[k]) - 0.5 * np.log(2 * np.pi))
    return np.sum(logsumexp(np.stack(comps), axis=0))


def student_t_loglik(x, loc, log_scale, nu=4.0):
    if nu <= 0:
        raise ValueError("degrees of freedom must be positive")
    scale = np.exp(log_scale)
    z = (x - loc) / scale
    n = x.size
    const = gammaln((nu + 1) / 2) - gammaln(nu / 2) - 0.5 * np.log(nu * np.pi)
    return n * (const - log_scale) - (nu + 1) / 2 * np.sum(np.log1p(z ** 2 / nu))


def gamma_loglik(x, log_shape, log_rate):
    a, b = np.exp(log_shape), np.exp(log_rate)
    return np.sum(a * np.log(b) - gammaln(a) + (a - 1) * np.log(x) - b * x)


def logistic_regression_nll(w, X, y, l2=0.1):
    p = expit(X @ w)
    eps = 1e-12
    nll = -np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))
    return nll + 0.5 * l2 * w @ w


def logistic_nll_stable(w, X, y):
    z = X @ w
    return np.sum(np.logaddexp(0.0, z) - y * z)


def softmax_regression_nll(W, X, labels):
    logits = X @ W
    logits = logits - logsumexp(logits, axis=1, keepdims=True)
    return -np.sum(logits[np.arange(len(labels)), labels]) / len(labels)


def poisson_glm_nll_errstate(beta, X, counts):
    eta = X @ beta
    with np.errstate(over="ignore"):
        mu = np.exp(eta)
    return np.sum(mu - counts * eta)


def robust_mean_with_warning(x, c=1.345):
    if x.size < 3:
        warnings.warn("few samples for a robust mean", RuntimeWarning, stacklevel=2)
    r = x - np.median(x)
    w = np.where(np.abs(r) <= c, 1.0, c / np.abs(r))
    return np.sum(w * x) / np.sum(w)


def cholesky_mvn_logpdf(x, mu, A):
    S = A @ A.T + np.eye(len(mu))
    try:
        L = np.linalg.cholesky(S)
    except np.linalg.LinAlgError:
        S = S + 1e-6 * np.eye(len(mu))
        L = np.linalg.cholesky(S)
    z = np.linalg.solve(L, x - mu)
    return -0.5 * z @ z - np.sum(np.log(np.diag(L))) - 0.5 * len(mu) * np.log(2 * np.pi)


# ---------------------------------------------------------------- signal processing
def fir_filter_loop(h, x):
    n, m = len(x), len(h)
    y = np.zeros(n)
    for i in range(n):
        acc = 0.0
        for k in range(m):
            if i - k >= 0:
                acc += h[k] * x[i - k]
        y[i] = acc
    return np.sum(y ** 2)


def fir_filter_convolve(h, x):
    y = np.convolve(x, h, mode="full")[: len(x)]
    return np.sum(y ** 2)


def windowed_power_spectrum(x):
    n = len(x)
    window = np.hanning(n)
    spectrum = np.fft.rfft(x * window)
    power = np.abs(spectrum) ** 2 / np.sum(window ** 2)
    return np.sum(power[1:4])


def moving_average_energy(x, width=3):
    kernel = np.ones(width) / width
    smooth = np.convolve(x, kernel, mode="valid")
    return float(np.sum(smooth ** 2))


def iir_one_pole(x, a):
    if not 0 < abs(a) < 1:
        raise ValueError(f"pole {a} is not stable")
    y_prev = 0.0
    out = []
    for v in x:
        y_prev = a * y_prev + (1 - a) * v
        out.append(y_prev)
    return np.sum(np.array(out) ** 2)


def autocorrelation_loss(x, lags=(1, 2)):
    x = x - x.mean()
    denom = np.dot(x, x)
    return sum((np.dot(x[:-k], x[k:]) / denom) ** 2 for k in lags)


# ---------------------------------------------------------------- machine learning
def soft_kmeans_assignments(X, centers, beta=2.0):
    d2 = np.sum((X[:, None, :] - centers[None, :, :]) ** 2, axis=-1)
    logits = -beta * d2
    r = np.exp(logits - logsumexp(logits, axis=1, keepdims=True))
    return np.sum(r * d2)


def attention(Q, K, V):
    d = Q.shape[-1]
    scores = Q @ K.T / math.sqrt(d)
    scores = scores - scores.max(axis=-1, keepdims=True)
    weights = np.exp(scores)
    weights /= weights.sum(axis=-1, keepdims=True)
    return np.sum((weights @ V) ** 2)


def layer_norm(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return np.sum((gamma * (x - mu) / np.sqrt(var + eps) + beta) ** 3)


def label_smoothed_cross_entropy(logits, target, smoothing=0.1):
    n_classes = logits.shape[-1]
    logp = logits - logsumexp(logits, axis=-1, keepdims=True)
    true_dist = np.full_like(logp, smoothing / (n_classes - 1))
    true_dist[np.arange(len(target)), target] = 1.0 - smoothing
    return -np.mean(np.sum(true_dist * logp, axis=-1))


def mlp_with_activation_name(params, x, activation="relu"):
    acts = {"tanh": np.tanh, "softplus": lambda z: np.logaddexp(0.0, z)}
    if activation not in acts:
        activation = "tanh"
    h = x
    for i, (W, b) in enumerate(params):
        h = W @ h + b
        if i < len(params) - 1:
            h = acts[activation](h)
    return np.sum(h ** 2)


def train_steps_inside(w, X, y, lr=0.1, steps=3):
    history = []
    for _ in range(steps):
        pred = X @ w
        grad = X.T @ (pred - y) / len(y)
        w = w - lr * grad
        history.append(float(np.mean((pred - y) ** 2)))
    loss = np.mean((X @ w - y) ** 2)
    print(f"final loss {loss:.3f} after {len(history)} steps")
    return loss


def dropout_free_rnn(Wx, Wh, xs):
    h = np.zeros(Wh.shape[0])
    for t, x in enumerate(xs):
        h = np.tanh(Wx @ x + Wh @ h) * (1.0 if t < 10 else 0.0)
    return np.sum(h)


def huber_loss_early_return(r, delta=1.0):
    a = np.abs(r)
    if np.all(a <= delta):
        return 0.5 * np.sum(r ** 2)
    quad = np.minimum(a, delta)
    lin = a - quad
    return np.sum(0.5 * quad ** 2 + delta * lin)


def contrastive_loss(za, zb, temperature=0.5):
    za = za / np.linalg.norm(za, axis=1, keepdims=True)
    zb = zb / np.linalg.norm(zb, axis=1, keepdims=True)
    sim = za @ zb.T / temperature
    return -np.mean(np.diag(sim) - logsumexp(sim, axis=1))


def kl_divergence_gaussians(mu, log_var):
    return -0.5 * np.sum(1 + log_var - mu ** 2 - np.exp(log_var))


_X64 = np.random.default_rng(64).normal(size=(6, 3))
_Y01 = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.0])
for _cls in (RosenbrockC7, RastriginC7, AckleyC7, StyblinskiTangC7):
    _obj = _cls(3)
    add(_obj.fun, lambda rng: (_n(rng, 3, 0.5),), label=f"benchmark_{_cls.__name__}_fun",
        state=lambda fn, args: _self_of(fn).nfev)
add(rosenbrock_loop, lambda rng: (_n(rng, 4, 0.5),))
add(booth_with_checks, lambda rng: (_n(rng, 2),))
add(penalized_objective, lambda rng: (_u(rng, -3.0, 3.0, 3),), rtol=1e-4)
add(objective_from_config, lambda rng: (_n(rng, 3),))
add(objective_from_config, lambda rng: (_distinct(rng, 3),), kwargs={"config": {"name": "abs"}},
    label="objective_from_config_abs")
add(gaussian_mixture_loglik, lambda rng: (_n(rng, 5), _n(rng, 2), _n(rng, 2, 0.3)), wrt=(0, 1, 2))
add(student_t_loglik, lambda rng: (_n(rng, 5), _u(rng, -0.5, 0.5),
                                   _u(rng, -0.3, 0.3)), wrt=(0, 1, 2))
add(gamma_loglik, lambda rng: (_u(rng, 0.5, 2.0, 5), _u(rng, -0.3, 0.3), _u(rng, -0.3, 0.3)),
    wrt=(0, 1, 2))
add(logistic_regression_nll, lambda rng: (_n(rng, 3), _X64, _Y01))
add(logistic_nll_stable, lambda rng: (_n(rng, 3), _X64, _Y01), wrt=(0, 1))
add(softmax_regression_nll, lambda rng: (_n(rng, (3, 4)), _X64, np.array([0, 1, 2, 3, 1, 0])))
add(poisson_glm_nll_errstate, lambda rng: (_n(rng, 3, 0.3), _X64,
                                           np.array([1.0, 0.0, 3.0, 2.0, 1.0, 4.0])))
add(robust_mean_with_warning, lambda rng: (_distinct(rng, 6, -1.0, 1.0),))
add(robust_mean_with_warning, lambda rng: (_distinct(rng, 2, -0.5, 0.5),),
    label="robust_mean_with_warning_few_samples")
add(cholesky_mvn_logpdf, lambda rng: (_n(rng, 3), _n(rng, 3), _n(rng, (3, 3), 0.5)), wrt=(0, 1, 2))
add(fir_filter_loop, lambda rng: (_n(rng, 3), _n(rng, 6)), wrt=(0, 1))
add(fir_filter_convolve, lambda rng: (_n(rng, 3), _n(rng, 6)), wrt=(0, 1))
add(windowed_power_spectrum, lambda rng: (_n(rng, 8),))
add(moving_average_energy, lambda rng: (_n(rng, 6),))
add(iir_one_pole, lambda rng: (_n(rng, 5), _u(rng, 0.3, 0.8)), wrt=(0, 1))
add(autocorrelation_loss, lambda rng: (_n(rng, 6),))
add(soft_kmeans_assignments, lambda rng: (_n(rng, (5, 2)), _n(rng, (3, 2))), wrt=(0, 1))
add(attention, lambda rng: (_n(rng, (3, 4)), _n(rng, (5, 4)), _n(rng, (5, 2))), wrt=(0, 1, 2))
add(layer_norm, lambda rng: (_n(rng, (2, 4)), _n(rng, 4), _n(rng, 4)), wrt=(0, 1, 2))
add(label_smoothed_cross_entropy, lambda rng: (_n(rng, (4, 3)), np.array([0, 2, 1, 1])))
add(mlp_with_activation_name, lambda rng: ([(_n(rng, (3, 2)), _n(rng, 3)), (_n(rng, (1, 3)),
                                                                          _n(rng, 1))], _n(rng, 2)),
    wrt=(0, 1), kwargs={"activation": "softplus"})
add(mlp_with_activation_name, lambda rng: ([(_n(rng, (3, 2)), _n(rng, 3)), (_n(rng, (1, 3)),
                                                                          _n(rng, 1))], _n(rng, 2)),
    wrt=(0, 1), kwargs={"activation": "unknown"}, label="mlp_with_unknown_activation_name")
add(train_steps_inside, lambda rng: (_n(rng, 3), _X64, _n(rng, 6)), wrt=(0, 2))
add(dropout_free_rnn, lambda rng: (_n(rng, (3, 2), 0.5), _n(rng, (3, 3), 0.5),
                                   [_n(rng, 2) for _ in range(3)]), wrt=(0, 1, 2))
add(huber_loss_early_return, lambda rng: (_n(rng, 5, 2.0),))
add(huber_loss_early_return, lambda rng: (_n(rng, 5, 0.2),), label="huber_loss_all_quadratic")
add(contrastive_loss, lambda rng: (_n(rng, (3, 4)), _n(rng, (3, 4))), wrt=(0, 1))
add(kl_divergence_gaussians, lambda rng: (_n(rng, 4), _n(rng, 4, 0.3)), wrt=(0, 1))
