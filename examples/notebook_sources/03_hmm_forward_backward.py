# %% [markdown]
# # 3. Forward–backward is backpropagation
#
# A hidden Markov model with $K$ states and initial, transition and emission
# probabilities $\pi$, $A$, $B$ gives an observed sequence $x_{1:T}$ the probability
# $Z = p(x_{1:T}) = \sum_{z_{1:T}} \pi_{z_1} B_{z_1 x_1} \prod_{t>1} A_{z_{t-1} z_t} B_{z_t x_t}$,
# computed by the **forward algorithm** in $O(TK^2)$.
#
# Write the forward algorithm in log space with *log-potentials* as inputs and
# differentiate $\log Z$:
#
# * $\partial \log Z / \partial\, \text{log\_obs}[t, j] = p(z_t = j \mid x)$,
#   the posterior marginals;
# * $\partial \log Z / \partial \log A_{ij} = \sum_t p(z_{t-1} = i, z_t = j \mid x)$,
#   the expected transition counts.
#
# The reverse sweep of the forward algorithm *is* the backward algorithm
# (Eisner, 2016: "Inside-outside and forward-backward algorithms are just backprop").
# Below we check pullback's gradients against a hand-written forward–backward.

# %%
import inspect
import itertools

import matplotlib.pyplot as plt
import numpy as np
from scipy.special import logsumexp

import pullback

np.set_printoptions(suppress=True)

# %% [markdown]
# ## The forward algorithm, in log space
#
# `log_obs[t, j]` is $\log B_{j, x_t}$; the log-sum-exp is written out with the
# usual max shift for stability.

# %%
def log_partition(log_pi, log_A, log_obs):
    T = log_obs.shape[0]
    K = log_obs.shape[1]
    alpha = np.zeros((T, K))
    alpha[0] = log_pi + log_obs[0]
    for t in range(1, T):
        scores = alpha[t - 1][:, None] + log_A          # scores[i, j]: from i to j
        m = np.max(scores, axis=0)
        alpha[t] = m + np.log(np.sum(np.exp(scores - m), axis=0)) + log_obs[t]
    m = np.max(alpha[T - 1])
    return m + np.log(np.sum(np.exp(alpha[T - 1] - m)))


# %% [markdown]
# A random HMM and a random observed sequence:

# %%
rng = np.random.default_rng(0)
K, V, T = 3, 4, 12
pi = rng.dirichlet(np.ones(K))
A = rng.dirichlet(np.ones(K), size=K)          # A[i, j] = p(z_t = j | z_{t-1} = i)
B = rng.dirichlet(np.ones(V), size=K)          # B[j, v] = p(x_t = v | z_t = j)
x = rng.integers(0, V, size=T)
log_obs = np.log(B[:, x].T)                    # shape (T, K)

logZ = log_partition(np.log(pi), np.log(A), log_obs)
print("log p(x) =", logZ)

# %% [markdown]
# ## Backpropagation through the forward algorithm

# %%
grad_logZ = pullback.grad(log_partition, wrt=("log_A", "log_obs"))
expected_transitions, posteriors = grad_logZ(np.log(pi), np.log(A), log_obs)
print("posterior marginals p(z_t | x), one row per t:")
print(np.round(posteriors, 3))
print("each row sums to", np.round(posteriors.sum(axis=1), 12))
print("expected transition counts (they add up to T - 1 = 11):")
print(np.round(expected_transitions, 3), "total", round(expected_transitions.sum(), 12))

# %% [markdown]
# ## The reverse sweep beside the backward algorithm
#
# The textbook backward algorithm computes
# $\beta_t(i) = \log p(x_{t+1:T} \mid z_t = i)$ from the last position back:
# $\beta_{t-1}(i) = \log \sum_j A_{ij}\, B_{j x_t}\, e^{\beta_t(j)}$.
# Below it, the reverse sweep pullback generated for `log_partition`: its loop runs
# over the same positions in the same order. The adjoint it carries, `dalpha[t]`,
# is $\partial \log Z / \partial \alpha_t = e^{\alpha_t + \beta_t - \log Z}$: the
# backward quantity times the forward one. The adjoint of the shifted scores
# `scores - m` is the posterior of the transition $i \to j$ at $t$ (added up into
# `dlog_A`), and summing it over $j$ gives `dalpha[t - 1]`, one step of the backward
# recursion. The max shift `m` takes no part: the shift cancels, so its adjoint is
# zero.

# %%
def forward_algorithm(log_pi, log_A, log_obs):
    """alpha[t, j] = log p(x_{1:t}, z_t = j): log_partition's loop, keeping the chart."""
    alpha = np.zeros(log_obs.shape)
    alpha[0] = log_pi + log_obs[0]
    for t in range(1, len(log_obs)):
        alpha[t] = logsumexp(alpha[t - 1][:, None] + log_A, axis=0) + log_obs[t]
    return alpha


def backward_algorithm(log_A, log_obs):
    T, K = log_obs.shape
    beta = np.zeros((T, K))             # beta[T - 1] = log 1
    for t in range(T - 1, 0, -1):
        beta[t - 1] = logsumexp(log_A + log_obs[t] + beta[t], axis=1)
    return beta


def side_by_side(left, right, titles):
    left, right = left.splitlines(), right.splitlines()
    width = max(len(line) for line in [*left, titles[0]]) + 3
    print(titles[0].ljust(width) + titles[1])
    for a, b in itertools.zip_longest(left, right, fillvalue=""):
        print(a.ljust(width) + b)


generated = pullback.source(log_partition, wrt=("log_A", "log_obs"))
side_by_side(inspect.getsource(backward_algorithm),
             generated[generated.index("    # adjoint"):],
             ("# the backward algorithm", "# pullback's reverse sweep of log_partition"))

# %% [markdown]
# And numerically: with the forward chart $\alpha$ and the backward chart $\beta$,
# the adjoints pullback computed are exactly the textbook products.

# %%
log_pi, log_A = np.log(pi), np.log(A)
alpha = forward_algorithm(log_pi, log_A, log_obs)
beta = backward_algorithm(log_A, log_obs)
textbook_posteriors = np.exp(alpha + beta - logZ)
textbook_transitions = sum(np.exp(alpha[t - 1][:, None] + log_A + log_obs[t] + beta[t] - logZ)
                           for t in range(1, T))
print("max |dlog_obs - exp(alpha + beta - log Z)|:",
      np.abs(posteriors - textbook_posteriors).max())
print("max |dlog_A - sum_t exp(alpha[t-1] + log A + log_obs[t] + beta[t] - log Z)|:",
      np.abs(expected_transitions - textbook_transitions).max())
print("beta recovered from the adjoints, log(dalpha) - alpha + log Z, at t = 0..2:")
print(np.round((np.log(posteriors) - alpha + logZ)[:3], 6))
print("the backward algorithm's beta at t = 0..2:")
print(np.round(beta[:3], 6))
assert np.allclose(posteriors, textbook_posteriors, atol=1e-12)
assert np.allclose(expected_transitions, textbook_transitions, atol=1e-12)
assert np.allclose(np.log(posteriors) - alpha + logZ, beta)

# %% [markdown]
# ## Hand-written forward–backward, in probability space with scaling

# %%
def forward_backward(pi, A, B, x):
    T, K = len(x), len(pi)
    alpha, beta, scale = np.zeros((T, K)), np.ones((T, K)), np.zeros(T)
    alpha[0] = pi * B[:, x[0]]
    scale[0] = alpha[0].sum()
    alpha[0] /= scale[0]
    for t in range(1, T):
        alpha[t] = (alpha[t - 1] @ A) * B[:, x[t]]
        scale[t] = alpha[t].sum()
        alpha[t] /= scale[t]
    for t in range(T - 2, -1, -1):
        beta[t] = A @ (B[:, x[t + 1]] * beta[t + 1]) / scale[t + 1]
    gamma = alpha * beta
    xi = np.zeros((K, K))
    for t in range(1, T):
        xi += alpha[t - 1][:, None] * A * (B[:, x[t]] * beta[t])[None, :] / scale[t]
    return np.log(scale).sum(), gamma, xi


logZ_fb, gamma, xi = forward_backward(pi, A, B, x)
print("log p(x):", logZ, "vs", logZ_fb)
print("max |posteriors - gamma|:", np.abs(posteriors - gamma).max())
print("max |expected transitions - xi|:", np.abs(expected_transitions - xi).max())
assert np.isclose(logZ, logZ_fb)
assert np.allclose(posteriors, gamma, atol=1e-12)
assert np.allclose(expected_transitions, xi, atol=1e-12)

# %% [markdown]
# ## And against brute force
#
# The sum over all $K^T = 3^{12} = 531{,}441$ state sequences is what the forward
# algorithm avoids; as a last check, enumerate the sequences of the first 7
# observations ($3^7 = 2187$) and count.

# %%
def brute_force_posteriors(pi, A, B, x):
    T, K = len(x), len(pi)
    paths = np.array(np.meshgrid(*[np.arange(K)] * T, indexing="ij")).reshape(T, -1).T
    p = pi[paths[:, 0]] * B[paths[:, 0], x[0]]
    for t in range(1, T):
        p = p * A[paths[:, t - 1], paths[:, t]] * B[paths[:, t], x[t]]
    marginals = np.zeros((T, K))
    for t in range(T):
        np.add.at(marginals[t], paths[:, t], p)
    return marginals / p.sum()


short = x[:7]
_, posteriors_short = grad_logZ(np.log(pi), np.log(A), np.log(B[:, short].T))
assert np.allclose(posteriors_short, brute_force_posteriors(pi, A, B, short))
print("posteriors of the 7-step prefix agree with brute-force enumeration")

# %%
fig, ax = plt.subplots(figsize=(8, 2.8))
image = ax.imshow(posteriors.T, aspect="auto", cmap="Blues", vmin=0, vmax=1)
ax.set_xlabel("position t")
ax.set_ylabel("state")
ax.set_yticks(range(K))
ax.set_title("p(z_t = state | x) = d log p(x) / d log_obs[t, state]")
fig.colorbar(image, ax=ax)
plt.show()
