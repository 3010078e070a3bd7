"""Benchmark workloads for pullback.

Each workload has

* ``f``         -- the function to differentiate, written as ordinary user code at
                   module level (NumPy as ``np``, ``math`` for scalars, helper functions
                   called by name) so that pullback can read its source;
* ``wrt``       -- the argument positions to differentiate with respect to (always a
                   tuple, so every system returns a tuple of gradients);
* ``make_args`` -- ``make_args(seed=0, small=False)`` builds the arguments from a seeded
                   generator; ``small=True`` gives a tiny instance of the same function
                   on which the hand-written gradient is checked coordinate by
                   coordinate against finite differences;
* ``hand``      -- a hand-written gradient with the same signature as ``f``, returning
                   a tuple with one entry per position in ``wrt``;
* ``torch_f``   -- the same function written with PyTorch tensors, used only when
                   PyTorch is installed.

autograd and JAX run *the same source* as ``f``: ``with_numpy(f, anp)`` re-creates
``f`` (and every function of this module it calls, such as the HMM's ``logsumexp``)
with ``np`` and ``math`` bound to ``autograd.numpy`` or ``jax.numpy``, the way one ports
NumPy code to either. PyTorch's API differs (``dim=``/``keepdim=``, ``max`` returning
values and indices), so its versions are written out below.

The hand-written gradients are the baseline a careful person would write: one
forward sweep that keeps what the reverse sweep needs, then one reverse sweep.
"""

import importlib
import math
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

try:  # SciPy is optional; without it the Gaussian-process workload is left out.
    import scipy.linalg as sla
except ImportError:  # pragma: no cover - depends on the environment
    sla = None

try:  # PyTorch is optional; the torch_* functions are only called when it is present.
    import torch
except ImportError:  # pragma: no cover - depends on the environment
    torch = None


# ---------------------------------------------------------------------------
# 1. The lecture example: g(x, y, z) = sin(x**2 + y*exp(z)) + z
# ---------------------------------------------------------------------------


def lecture(x, y, z):
    return math.sin(x**2 + y * math.exp(z)) + z


def lecture_hand(x, y, z):
    e = math.exp(z)
    c = math.cos(x * x + y * e)
    return (c * 2.0 * x, c * e, c * y * e + 1.0)


def lecture_jvp_hand(x, y, z, tangents):
    """A hand-written jvp (forward mode, wrt all three): f and its directional derivative."""
    dx, dy, dz = tangents
    e = math.exp(z)
    a = x**2 + y * e
    return (math.sin(a) + z, math.cos(a) * (2.0 * x * dx + dy * e + y * e * dz) + dz)


def lecture_torch(x, y, z):
    return torch.sin(x**2 + y * torch.exp(z)) + z


def lecture_args(seed=0, small=False):
    rng = np.random.default_rng(seed)
    x, y, z = rng.uniform(-1.0, 1.0, size=3)
    return (float(x), float(y), float(z))


# ---------------------------------------------------------------------------
# 2. A 1000-step scalar recurrence: explicit Euler steps of dx/dt = a*sin(x)
#
#    x_{i+1} = x_i + 0.002*a*sin(x_i),  d x_{i+1}/d x_i = 1 + 0.002*a*cos(x_i)
#
#    Each step changes x only a little, so over the 1000 steps neither the value
#    nor the gradients blow up or vanish: both partials stay of order one, which
#    keeps the correctness check meaningful. (The step count is part of the
#    function, so the small instance is the same function.)
# ---------------------------------------------------------------------------


def scalar_loop(x, a):
    for _ in range(1000):
        x = x + 0.002 * a * math.sin(x)
    return x


def scalar_loop_hand(x, a):
    c = 0.002 * a
    xs = []  # x_i before each step
    ss = []  # sin(x_i), needed again for d/da
    for _ in range(1000):
        s = math.sin(x)
        xs.append(x)
        ss.append(s)
        x = x + c * s
    gx = 1.0  # d out / d x_i, walking i backwards
    gc = 0.0  # d out / d c
    for xi, si in zip(reversed(xs), reversed(ss), strict=True):
        gc += gx * si
        gx *= 1.0 + c * math.cos(xi)
    return (gx, 0.002 * gc)


def scalar_loop_jvp_hand(x, a, tangents):
    """A hand-written jvp: the tangent carried beside x through the same loop."""
    dx, da = tangents
    c = 0.002 * a
    dc = 0.002 * da
    for _ in range(1000):
        s = math.sin(x)
        dx = dx + dc * s + c * math.cos(x) * dx
        x = x + c * s
    return (x, dx)


def scalar_loop_hvp_hand(x, a, v):
    """A hand-written Hessian-vector product, forward over reverse: the hand-written
    gradient's two loops with a tangent beside each value (the records keep sin, cos, and
    the tangents the reverse loop reads)."""
    vx, va = v
    c = 0.002 * a
    dc = 0.002 * va
    rec = []
    dx = vx
    for _ in range(1000):
        s = math.sin(x)
        co = math.cos(x)
        ds = co * dx
        rec.append((s, ds, dx, co))
        dx = dx + dc * s + c * ds
        x = x + c * s
    gx, dgx, gc, dgc = 1.0, 0.0, 0.0, 0.0
    for s, ds, dxi, co in reversed(rec):
        gc += gx * s
        dgc += dgx * s + gx * ds
        t = 1.0 + c * co
        dt = dc * co - c * s * dxi
        dgx = dgx * t + gx * dt
        gx = gx * t
    return (dgx, 0.002 * dgc)


def scalar_loop_torch(x, a):
    for _ in range(1000):
        x = x + 0.002 * a * torch.sin(x)
    return x


def scalar_loop_args(seed=0, small=False):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.5, 2.5)
    a = rng.uniform(0.5, 1.5)
    return (float(x), float(a))


# ---------------------------------------------------------------------------
# 3. A 2-layer tanh MLP with softmax cross-entropy: batch 32, sizes 64-64-10
# ---------------------------------------------------------------------------

MLP_BATCH, MLP_IN, MLP_HIDDEN, MLP_OUT = 32, 64, 64, 10


def mlp(W1, b1, W2, b2, X, labels):
    h = np.tanh(X @ W1 + b1)
    logits = h @ W2 + b2
    z = logits - np.max(logits, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.mean(logp[np.arange(X.shape[0]), labels])


def mlp_hand(W1, b1, W2, b2, X, labels):
    n = X.shape[0]
    h = np.tanh(X @ W1 + b1)
    logits = h @ W2 + b2
    e = np.exp(logits - np.max(logits, axis=1, keepdims=True))
    # d loss / d logits = (softmax - onehot(labels)) / n
    dlogits = e / np.sum(e, axis=1, keepdims=True)
    dlogits[np.arange(n), labels] -= 1.0
    dlogits /= n
    dW2 = h.T @ dlogits
    db2 = np.sum(dlogits, axis=0)
    da = (dlogits @ W2.T) * (1.0 - h * h)  # through tanh
    dW1 = X.T @ da
    db1 = np.sum(da, axis=0)
    return (dW1, db1, dW2, db2)


def mlp_torch(W1, b1, W2, b2, X, labels):
    h = torch.tanh(X @ W1 + b1)
    logits = h @ W2 + b2
    z = logits - torch.amax(logits, dim=1, keepdim=True)
    logp = z - torch.log(torch.sum(torch.exp(z), dim=1, keepdim=True))
    return -torch.mean(logp[torch.arange(X.shape[0]), labels])


def mlp_args(seed=0, small=False):
    rng = np.random.default_rng(seed)
    n, d, k, c = (4, 5, 6, 3) if small else (MLP_BATCH, MLP_IN, MLP_HIDDEN, MLP_OUT)
    W1 = rng.normal(0.0, 1.0 / math.sqrt(d), size=(d, k))
    b1 = rng.normal(0.0, 0.1, size=k)
    W2 = rng.normal(0.0, 1.0 / math.sqrt(k), size=(k, c))
    b2 = rng.normal(0.0, 0.1, size=c)
    X = rng.normal(0.0, 1.0, size=(n, d))
    labels = rng.integers(0, c, size=n)
    return (W1, b1, W2, b2, X, labels)


# ---------------------------------------------------------------------------
# 4. A tanh RNN: 100 steps, hidden size 32, input size 16, loss = sum(h_T)
# ---------------------------------------------------------------------------

RNN_STEPS = 100
RNN_HIDDEN = 32
RNN_INPUT = 16


def rnn(Wh, Wx, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(Wh @ h + Wx @ xs[t])
    return np.sum(h)


def rnn_hand(Wh, Wx, xs, h0):
    # Forward, keeping every hidden state: hs[t] is the state before step t.
    T = xs.shape[0]
    hs = [h0]
    h = h0
    for t in range(T):
        h = np.tanh(Wh @ h + Wx @ xs[t])
        hs.append(h)
    # Backpropagation through time, one step at a time (the textbook BPTT).
    WhT = Wh.T
    dWh = np.zeros_like(Wh)
    dWx = np.zeros_like(Wx)
    dh = np.ones_like(h)  # d sum(h_T) / d h_T
    for t in range(T - 1, -1, -1):
        h = hs[t + 1]
        da = dh * (1.0 - h * h)  # through tanh
        dWh += np.outer(da, hs[t])
        dWx += np.outer(da, xs[t])
        dh = WhT @ da
    return (dWh, dWx)


def rnn_torch(Wh, Wx, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = torch.tanh(Wh @ h + Wx @ xs[t])
    return torch.sum(h)


def rnn_args(seed=0, small=False, steps=None):
    rng = np.random.default_rng(seed)
    hidden, inputs = (4, 3) if small else (RNN_HIDDEN, RNN_INPUT)
    if steps is None:
        steps = 5 if small else RNN_STEPS
    # Scaled so the recurrence neither saturates nor dies out over 100 steps.
    Wh = rng.normal(0.0, 0.9 / math.sqrt(hidden), size=(hidden, hidden))
    Wx = rng.normal(0.0, 1.0 / math.sqrt(inputs), size=(hidden, inputs))
    xs = rng.normal(0.0, 1.0, size=(steps, inputs))
    h0 = np.zeros(hidden)
    return (Wh, Wx, xs, h0)


# ---------------------------------------------------------------------------
# 5. sum(tanh(A @ W)) with 1000x1000 float64 matrices, gradient in W
# ---------------------------------------------------------------------------

MATMUL_N = 1000


def matmul(A, W):
    return np.sum(np.tanh(A @ W))


def matmul_hand(A, W):
    t = np.tanh(A @ W)
    return (A.T @ (1.0 - t * t),)


def matmul_torch(A, W):
    return torch.sum(torch.tanh(A @ W))


def matmul_args(seed=0, small=False):
    rng = np.random.default_rng(seed)
    n = 6 if small else MATMUL_N
    A = rng.normal(0.0, 1.0, size=(n, n))
    W = rng.normal(0.0, 1.0 / math.sqrt(n), size=(n, n))  # A @ W of order one
    return (A, W)


# ---------------------------------------------------------------------------
# 6. The HMM forward algorithm in log space: 10 states, 200 steps, gradient in
#    the log transition matrix (whose gradient is the expected transition counts)
#
#    alpha_t[j] = logsumexp_i(alpha_{t-1}[i] + log_A[i, j]) + log_B[j, obs[t]]
# ---------------------------------------------------------------------------

HMM_STATES, HMM_SYMBOLS, HMM_STEPS = 10, 6, 200


def logsumexp(v):
    m = np.max(v, axis=0)
    return m + np.log(np.sum(np.exp(v - m), axis=0))


def hmm(log_A, log_pi, log_B, obs):
    alpha = log_pi + log_B[:, obs[0]]
    for t in range(1, obs.shape[0]):
        alpha = logsumexp(alpha[:, None] + log_A) + log_B[:, obs[t]]
    return logsumexp(alpha)


def hmm_inline(log_A, log_pi, log_B, obs):
    # hmm with logsumexp's body written out at each call: the spelling benchmark compares
    # the gradients of the two (a helper should cost what its body costs)
    alpha = log_pi + log_B[:, obs[0]]
    for t in range(1, obs.shape[0]):
        scores = alpha[:, None] + log_A
        m = np.max(scores, axis=0)
        alpha = m + np.log(np.sum(np.exp(scores - m), axis=0)) + log_B[:, obs[t]]
    m = np.max(alpha, axis=0)
    return m + np.log(np.sum(np.exp(alpha - m), axis=0))


def hmm_hand(log_A, log_pi, log_B, obs):
    # Forward, keeping each step's scores M[i, j] = alpha_{t-1}[i] + log_A[i, j] and
    # their column log-normalizers c[j] = logsumexp_i M[i, j].
    alpha = log_pi + log_B[:, obs[0]]
    Ms, cs = [], []
    for t in range(1, obs.shape[0]):
        M = alpha[:, None] + log_A
        c = logsumexp(M)
        Ms.append(M)
        cs.append(c)
        alpha = c + log_B[:, obs[t]]
    # Reverse: d logZ / d alpha_T is softmax(alpha_T); through each step,
    # d c[j] / d M[i, j] = exp(M[i, j] - c[j]) (a column softmax).
    g = np.exp(alpha - logsumexp(alpha))
    dlog_A = np.zeros_like(log_A)
    for M, c in zip(reversed(Ms), reversed(cs), strict=True):
        dM = np.exp(M - c) * g
        dlog_A += dM
        g = np.sum(dM, axis=1)
    return (dlog_A,)


def logsumexp_torch(v):
    m = torch.amax(v, dim=0)
    return m + torch.log(torch.sum(torch.exp(v - m), dim=0))


def hmm_torch(log_A, log_pi, log_B, obs):
    alpha = log_pi + log_B[:, obs[0]]
    for t in range(1, obs.shape[0]):
        alpha = logsumexp_torch(alpha[:, None] + log_A) + log_B[:, obs[t]]
    return logsumexp_torch(alpha)


def hmm_args(seed=0, small=False):
    rng = np.random.default_rng(seed)
    n, k, T = (3, 2, 6) if small else (HMM_STATES, HMM_SYMBOLS, HMM_STEPS)
    A = rng.dirichlet(np.ones(n), size=n)  # rows: P(next state | state)
    pi = rng.dirichlet(np.ones(n))
    B = rng.dirichlet(np.ones(k), size=n)  # rows: P(symbol | state)
    # Observations sampled from the model itself.
    obs = np.empty(T, dtype=np.int64)
    state = rng.choice(n, p=pi)
    for t in range(T):
        obs[t] = rng.choice(k, p=B[state])
        state = rng.choice(n, p=A[state])
    return (np.log(A), np.log(pi), np.log(B), obs)


# ---------------------------------------------------------------------------
# 7. A convolution by FFT with a spectral penalty: y = x * k (full, by rfft/irfft
#    zero-padded to len(x) + len(k), both even), loss = sum(y^2) + c sum |rfft(x)|^2
# ---------------------------------------------------------------------------

SPECTRAL_N, SPECTRAL_K, SPECTRAL_WEIGHT = 4096, 128, 1e-3


def spectral(x, k):
    n = x.shape[0] + k.shape[0]  # >= the full length; even, as autograd needs
    y = np.fft.irfft(np.fft.rfft(x, n) * np.fft.rfft(k, n), n)
    return np.sum(y ** 2) + SPECTRAL_WEIGHT * np.sum(np.abs(np.fft.rfft(x)) ** 2)


def spectral_hand(x, k):
    N, n = x.shape[0], x.shape[0] + k.shape[0]
    X, K = np.fft.rfft(x, n), np.fft.rfft(k, n)
    Gy = np.fft.rfft(2.0 * np.fft.irfft(X * K, n), n)
    # the transpose of a convolution is a correlation: conjugate spectra
    dx = np.fft.irfft(Gy * np.conj(K), n)[:N]
    dk = np.fft.irfft(Gy * np.conj(X), n)[: k.shape[0]]
    # d/dx sum_k |X_k|^2 over the half spectrum (N even): N irfft(X), with the first and
    # the Nyquist bin counted twice (irfft counts the others twice, through their mirror)
    Z = np.fft.rfft(x)
    Z[0] *= 2.0
    Z[-1] *= 2.0
    return (dx + SPECTRAL_WEIGHT * N * np.fft.irfft(Z, N), dk)


def spectral_torch(x, k):
    n = x.shape[0] + k.shape[0]  # >= the full length; even, as autograd needs
    y = torch.fft.irfft(torch.fft.rfft(x, n) * torch.fft.rfft(k, n), n)
    return torch.sum(y ** 2) + SPECTRAL_WEIGHT * torch.sum(torch.abs(torch.fft.rfft(x)) ** 2)


def spectral_args(seed=0, small=False):
    rng = np.random.default_rng(seed)
    n, m = (8, 4) if small else (SPECTRAL_N, SPECTRAL_K)
    return (rng.normal(size=n), rng.normal(size=m) / math.sqrt(m))


# ---------------------------------------------------------------------------
# 8. A Gaussian process's negative log marginal likelihood (up to a constant) in the
#    log length-scale and log noise of an RBF kernel, n = 200 points:
#    K = exp(-d^2 / 2 l^2) + s I = L L^T, alpha = L^-1 y, 0.5 |alpha|^2 + sum log diag L
# ---------------------------------------------------------------------------

GP_N = 200


def gp(log_lengthscale, log_noise, x, y):
    d2 = (x[:, None] - x[None, :]) ** 2
    K = np.exp(-0.5 * d2 / np.exp(2.0 * log_lengthscale)) + np.exp(log_noise) * np.eye(x.shape[0])
    L = np.linalg.cholesky(K)
    alpha = sla.solve_triangular(L, y, lower=True)
    return 0.5 * np.sum(alpha ** 2) + np.sum(np.log(np.diag(L)))


def gp_hand(log_lengthscale, log_noise, x, y):
    d2 = (x[:, None] - x[None, :]) ** 2
    scaled = d2 / np.exp(2.0 * log_lengthscale)
    rbf = np.exp(-0.5 * scaled)
    noise = np.exp(log_noise)
    L = np.linalg.cholesky(rbf + noise * np.eye(x.shape[0]))
    K_inv = sla.cho_solve((L, True), np.eye(x.shape[0]))
    v = K_inv @ y
    dK = 0.5 * (K_inv - np.outer(v, v))  # d/dK of 0.5 y^T K^-1 y + 0.5 log det K
    return (float(np.sum(dK * rbf * scaled)), float(noise * np.trace(dK)))


def gp_torch(log_lengthscale, log_noise, x, y):
    d2 = (x[:, None] - x[None, :]) ** 2
    eye = torch.eye(x.shape[0], dtype=x.dtype)
    K = torch.exp(-0.5 * d2 / torch.exp(2.0 * log_lengthscale)) + torch.exp(log_noise) * eye
    L = torch.linalg.cholesky(K)
    alpha = torch.linalg.solve_triangular(L, y[:, None], upper=False)[:, 0]
    return 0.5 * torch.sum(alpha ** 2) + torch.sum(torch.log(torch.diagonal(L)))


def gp_args(seed=0, small=False):
    rng = np.random.default_rng(seed)
    n = 5 if small else GP_N
    x = np.sort(rng.uniform(-3.0, 3.0, size=n))
    y = np.sin(x) + 0.1 * rng.normal(size=n)
    return (float(np.log(0.8)), float(np.log(0.05)), x, y)


# ---------------------------------------------------------------------------
# 9. Soft dynamic time warping between two series of 60 and 50 points (gamma 0.5):
#    a recursion over the cells of a table, each reading three earlier cells,
#
#    R[i, j] = (x[i-1] - y[j-1])^2 + softmin_gamma(R[i-1, j-1], R[i-1, j], R[i, j-1])
#
#    with softmin_gamma(a, b, c) = lo - gamma log sum exp((lo - v) / gamma), lo = min.
#    NumPy cannot vectorize it (each cell needs its neighbours); the loops are the code.
# ---------------------------------------------------------------------------

DTW_N, DTW_M, DTW_GAMMA = 60, 50, 0.5


def soft_dtw(x, y, gamma):
    n = x.shape[0]
    m = y.shape[0]
    R = np.full((n + 1, m + 1), 1e10)
    R[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cost = (x[i - 1] - y[j - 1]) ** 2
            a = R[i - 1, j - 1]
            b = R[i - 1, j]
            c = R[i, j - 1]
            lo = min(a, b, c)
            s = (math.exp((lo - a) / gamma) + math.exp((lo - b) / gamma)
                 + math.exp((lo - c) / gamma))
            R[i, j] = cost + lo - gamma * math.log(s)
    return R[n, m]


def soft_dtw_hand(x, y, gamma):
    # Forward, keeping the table; then E[i, j] = d out / d R[i, j], from the last cell
    # back: each cell passes its gradient to the three cells its softmin read, weighted
    # by the softmin's weights exp((softmin - v) / gamma) (which sum to one).
    n, m = x.shape[0], y.shape[0]
    R = np.full((n + 1, m + 1), 1e10)
    R[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            a, b, c = R[i - 1, j - 1], R[i - 1, j], R[i, j - 1]
            lo = min(a, b, c)
            s = (math.exp((lo - a) / gamma) + math.exp((lo - b) / gamma)
                 + math.exp((lo - c) / gamma))
            R[i, j] = (x[i - 1] - y[j - 1]) ** 2 + lo - gamma * math.log(s)
    E = np.zeros((n + 1, m + 1))
    E[n, m] = 1.0
    dx, dy = np.zeros(n), np.zeros(m)
    for i in range(n, 0, -1):
        for j in range(m, 0, -1):
            e = E[i, j]
            diff = x[i - 1] - y[j - 1]
            dx[i - 1] += 2.0 * diff * e
            dy[j - 1] -= 2.0 * diff * e
            soft = R[i, j] - diff * diff
            E[i - 1, j - 1] += e * math.exp((soft - R[i - 1, j - 1]) / gamma)
            E[i - 1, j] += e * math.exp((soft - R[i - 1, j]) / gamma)
            E[i, j - 1] += e * math.exp((soft - R[i, j - 1]) / gamma)
    return (dx, dy)


def soft_dtw_torch(x, y, gamma):
    n, m = x.shape[0], y.shape[0]
    R = [[torch.tensor(1e10, dtype=torch.float64)] * (m + 1) for _ in range(n + 1)]
    R[0][0] = torch.tensor(0.0, dtype=torch.float64)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            v = torch.stack([R[i - 1][j - 1], R[i - 1][j], R[i][j - 1]])
            R[i][j] = (x[i - 1] - y[j - 1]) ** 2 - gamma * torch.logsumexp(-v / gamma, 0)
    return R[n][m]


def soft_dtw_args(seed=0, small=False):
    rng = np.random.default_rng(seed)
    n, m = (4, 3) if small else (DTW_N, DTW_M)
    x = np.sin(np.linspace(0.0, 3.0, n)) + 0.1 * rng.normal(size=n)
    y = np.sin(np.linspace(0.2, 3.2, m)) + 0.1 * rng.normal(size=m)
    return (x, y, DTW_GAMMA)


# ---------------------------------------------------------------------------
# Porting to autograd and JAX: the same code with np and math rebound
# ---------------------------------------------------------------------------


def with_numpy(fn, np_like):
    """`fn` re-created with `np` and `math` bound to `np_like` (autograd.numpy or
    jax.numpy), along with every function of this module, so that the helpers it
    calls (the HMM's logsumexp) are ported too. The code objects are the originals."""
    namespace = dict(fn.__globals__)
    namespace["np"] = np_like
    namespace["math"] = np_like  # math.sin -> np_like.sin, math.exp -> np_like.exp
    if sla is not None:  # scipy.linalg -> autograd.scipy.linalg, jax.scipy.linalg
        package = np_like.__name__.split(".")[0]
        namespace["sla"] = importlib.import_module(f"{package}.scipy.linalg")
    for name, obj in fn.__globals__.items():
        if isinstance(obj, types.FunctionType) and obj.__module__ == fn.__module__:
            namespace[name] = types.FunctionType(
                obj.__code__, namespace, obj.__name__, obj.__defaults__, obj.__closure__
            )
    return namespace[fn.__name__]


# ---------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    name: str
    f: Callable[..., Any]
    wrt: tuple
    make_args: Callable[..., tuple]
    hand: Callable[..., tuple]
    torch_f: Callable[..., Any]
    target: float  # goal for pullback's grad/f ratio
    autograd_speedup: float | None = None  # goal for autograd time / pullback time


WORKLOADS = [
    Workload("lecture", lecture, (0, 1, 2), lecture_args, lecture_hand, lecture_torch, 3.0),
    Workload(
        "scalar_loop",
        scalar_loop,
        (0, 1),
        scalar_loop_args,
        scalar_loop_hand,
        scalar_loop_torch,
        3.5,
        10.0,
    ),
    Workload("mlp", mlp, (0, 1, 2, 3), mlp_args, mlp_hand, mlp_torch, 2.5),
    Workload("rnn", rnn, (0, 1), rnn_args, rnn_hand, rnn_torch, 4.0, 10.0),
    Workload("hmm", hmm, (0,), hmm_args, hmm_hand, hmm_torch, 2.0, 10.0),
    Workload("matmul", matmul, (1,), matmul_args, matmul_hand, matmul_torch, 2.2),
    Workload("spectral", spectral, (0, 1), spectral_args, spectral_hand, spectral_torch, 3.0),
    Workload("soft_dtw", soft_dtw, (0, 1), soft_dtw_args, soft_dtw_hand, soft_dtw_torch, 30.0),
] + ([  # the hand-written GP gradient itself costs about 6 f: a Cholesky adjoint is O(n^3)
    Workload("gp", gp, (0, 1), gp_args, gp_hand, gp_torch, 8.0)] if sla is not None else [])
