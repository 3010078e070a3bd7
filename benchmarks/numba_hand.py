"""Hand-written Numba baselines for the loop workloads: `f` compiled by Numba (the time a
compiled gradient is measured against: grad/f in compiled code) and a gradient written
by hand for Numba, the way a careful person would (preallocated arrays for what the
reverse sweep needs, explicit loops). Only imported when Numba is installed.

`BASELINES[name]` is `(f_numba, grad_numba)`, both taking the workload's arguments;
`grad_numba` returns a tuple of gradients in the order of the workload's `wrt`.
"""

import math

import numba
import numpy as np

# ---------------------------------------------------------------- scalar loop


@numba.njit(cache=False)
def scalar_loop_f(x, a):
    for _ in range(1000):
        x = x + 0.002 * a * math.sin(x)
    return x


@numba.njit(cache=False)
def scalar_loop_grad(x, a):
    c = 0.002 * a
    xs = np.empty(1000)
    for i in range(1000):
        xs[i] = x
        x = x + c * math.sin(x)
    gx, gc = 1.0, 0.0
    for i in range(999, -1, -1):
        gc += gx * math.sin(xs[i])
        gx *= 1.0 + c * math.cos(xs[i])
    return (gx, 0.002 * gc)


# ---------------------------------------------------------------- RNN


@numba.njit(cache=False)
def rnn_f(Wh, Wx, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(Wh @ h + Wx @ xs[t])
    return np.sum(h)


@numba.njit(cache=False)
def rnn_grad(Wh, Wx, xs, h0):
    T, H = xs.shape[0], h0.shape[0]
    hs = np.empty((T + 1, H))
    hs[0] = h0
    for t in range(T):
        hs[t + 1] = np.tanh(Wh @ hs[t] + Wx @ xs[t])
    dWh, dWx = np.zeros_like(Wh), np.zeros_like(Wx)
    dh = np.ones(H)
    for t in range(T - 1, -1, -1):
        h = hs[t + 1]
        da = dh * (1.0 - h * h)
        for i in range(H):
            for j in range(H):
                dWh[i, j] += da[i] * hs[t, j]
            for j in range(xs.shape[1]):
                dWx[i, j] += da[i] * xs[t, j]
        dh = da @ Wh
    return (dWh, dWx)


# ---------------------------------------------------------------- HMM


@numba.njit(cache=False)
def _column_logsumexp(M):
    n, k = M.shape
    out = np.empty(k)
    for j in range(k):
        m = -np.inf
        for i in range(n):
            m = max(m, M[i, j])
        s = 0.0
        for i in range(n):
            s += math.exp(M[i, j] - m)
        out[j] = m + math.log(s)
    return out


@numba.njit(cache=False)
def _logsumexp(v):
    m = np.max(v)
    return m + math.log(np.sum(np.exp(v - m)))


@numba.njit(cache=False)
def hmm_f(log_A, log_pi, log_B, obs):
    alpha = log_pi + log_B[:, obs[0]]
    for t in range(1, obs.shape[0]):
        alpha = _column_logsumexp(alpha.reshape((-1, 1)) + log_A) + log_B[:, obs[t]]
    return _logsumexp(alpha)


@numba.njit(cache=False)
def hmm_grad(log_A, log_pi, log_B, obs):
    T, n = obs.shape[0], log_A.shape[0]
    alphas = np.empty((T, n))
    alphas[0] = log_pi + log_B[:, obs[0]]
    for t in range(1, T):
        alphas[t] = _column_logsumexp(alphas[t - 1].reshape((-1, 1)) + log_A) \
            + log_B[:, obs[t]]
    g = np.exp(alphas[T - 1] - _logsumexp(alphas[T - 1]))
    dlog_A = np.zeros_like(log_A)
    for t in range(T - 1, 0, -1):
        c = alphas[t] - log_B[:, obs[t]]
        previous = np.zeros(n)
        for i in range(n):
            for j in range(n):
                w = math.exp(alphas[t - 1, i] + log_A[i, j] - c[j]) * g[j]
                dlog_A[i, j] += w
                previous[i] += w
        g = previous
    return (dlog_A,)


# ---------------------------------------------------------------- soft DTW


@numba.njit(cache=False)
def _soft_dtw_table(x, y, gamma):
    n, m = x.shape[0], y.shape[0]
    R = np.full((n + 1, m + 1), 1e10)
    R[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            a, b, c = R[i - 1, j - 1], R[i - 1, j], R[i, j - 1]
            lo = min(a, b, c)
            s = math.exp((lo - a) / gamma) + math.exp((lo - b) / gamma) \
                + math.exp((lo - c) / gamma)
            R[i, j] = (x[i - 1] - y[j - 1]) ** 2 + lo - gamma * math.log(s)
    return R


@numba.njit(cache=False)
def soft_dtw_f(x, y, gamma):
    return _soft_dtw_table(x, y, gamma)[x.shape[0], y.shape[0]]


@numba.njit(cache=False)
def soft_dtw_grad(x, y, gamma):
    n, m = x.shape[0], y.shape[0]
    R = _soft_dtw_table(x, y, gamma)
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


BASELINES = {
    "scalar_loop": (scalar_loop_f, scalar_loop_grad),
    "rnn": (rnn_f, rnn_grad),
    "hmm": (hmm_f, hmm_grad),
    "soft_dtw": (soft_dtw_f, soft_dtw_grad),
}
