# %% [markdown]
# # 2. Paths of influence vs dynamic programming
#
# The chain rule says: the derivative of the output with respect to an input is the
# **sum over all paths** from the input to the output of the **product of the local
# derivatives** along the path. On a layered, fully connected graph of width $w$ and
# depth $L$ there are $w^L$ such paths, so summing them one by one takes exponential
# time.
#
# Backpropagation computes the same sum in time linear in the number of edges, because
# the paths share their tails: the adjoint of a node is the sum over paths *from that
# node* to the output, and it is computed once and reused by every path that reaches
# the node. That is dynamic programming, and it is what pullback's generated code does.

# %%
import time
import timeit

import matplotlib.pyplot as plt
import numpy as np

import pullback

# %% [markdown]
# The graph: a scalar input $x$ feeds $w$ nodes, each layer is
# $h_{l+1} = \sin(h_l W_l)$, and the output is the sum of the last layer.

# %%
def layered(x, W):
    h = x * np.ones(W.shape[1])
    for layer in range(W.shape[0]):
        h = np.sin(h @ W[layer])
    return np.sum(h)


dlayered = pullback.grad(layered)
print(pullback.source(layered))

# %% [markdown]
# ## The sum over paths
#
# The local derivative on the edge from node $i$ of layer $l$ to node $j$ of layer
# $l+1$ is $W_l[i, j] \cos(\text{pre}_{l+1}[j])$. The naive recursion enumerates every
# path from a first-layer node to the output:

# %%
def edge_derivatives(x, W):
    """D[l][i, j] = d h_{l+1}[j] / d h_l[i], from one forward sweep."""
    h = x * np.ones(W.shape[1])
    D = []
    for layer in range(W.shape[0]):
        pre = h @ W[layer]
        D.append(W[layer] * np.cos(pre)[None, :])
        h = np.sin(pre)
    return D


def paths_from(D, layer, i):
    """Sum over all paths from node i of `layer` to the output of the edge products."""
    if layer == len(D):
        return 1.0  # d output / d h_L[i] = 1
    return sum(D[layer][i, j] * paths_from(D, layer + 1, j) for j in range(D[layer].shape[1]))


def naive_gradient(x, W):
    D = edge_derivatives(x, W)
    # x reaches every first-layer node through an edge of derivative 1
    return sum(paths_from(D, 0, i) for i in range(W.shape[1]))


# %% [markdown]
# Remembering `paths_from(layer, i)` once computed turns the exponential recursion
# into a linear one: the remembered values are exactly the adjoints of the nodes.

# %%
def memoized_gradient(x, W):
    D = edge_derivatives(x, W)
    adjoint = np.ones(W.shape[1])          # adjoints of the last layer
    for layer in reversed(range(len(D))):  # one reverse sweep, each edge used once
        adjoint = D[layer] @ adjoint
    return np.sum(adjoint)


rng = np.random.default_rng(0)
W = rng.normal(size=(6, 3, 3)) / np.sqrt(3)
print(naive_gradient(0.3, W), memoized_gradient(0.3, W), dlayered(0.3, W))
assert np.isclose(naive_gradient(0.3, W), dlayered(0.3, W))
assert np.isclose(memoized_gradient(0.3, W), dlayered(0.3, W))

# %% [markdown]
# ## Timing as the graph gets deeper
#
# Width 3, depth 1 to 11: from 3 to 177,147 paths.

# %%
def best_time(func, *args, repeat=3):
    number = 1
    while True:  # enough calls to take at least 2 ms
        elapsed = min(timeit.repeat(lambda: func(*args), number=number, repeat=repeat))
        if elapsed > 2e-3:
            return elapsed / number
        number *= 4


width, depths = 3, list(range(1, 12))
times = {"sum over paths": [], "memoized recursion": [], "pullback": []}
start = time.perf_counter()
for depth in depths:
    W = rng.normal(size=(depth, width, width)) / np.sqrt(width)
    assert np.isclose(naive_gradient(0.3, W), dlayered(0.3, W))
    times["sum over paths"].append(best_time(naive_gradient, 0.3, W, repeat=1))
    times["memoized recursion"].append(best_time(memoized_gradient, 0.3, W))
    times["pullback"].append(best_time(dlayered, 0.3, W))
print(f"timed in {time.perf_counter() - start:.1f} s")
print("depth  paths    sum over paths   pullback")
for depth, naive, ad in zip(depths, times["sum over paths"], times["pullback"]):
    print(f"{depth:5d} {width**depth:7d} {naive * 1e3:12.3f} ms {ad * 1e6:9.1f} us")

# %%
fig, ax = plt.subplots(figsize=(7, 4.5))
for (label, values), marker in zip(times.items(), "osd"):
    ax.semilogy(depths, values, marker=marker, label=label)
ax.set_xlabel("depth L (width 3)")
ax.set_ylabel("time per gradient (s)")
ax.set_title("Sum over paths grows like 3^L; backpropagation grows like L")
ax.legend()
ax.grid(True, which="both", alpha=0.3)
plt.show()

# %% [markdown]
# The sum over paths grows by a factor of about 3 per layer (a straight line of slope
# $\log 3$ on the log scale); the memoized recursion and pullback's gradient grow by a
# constant per layer. The gradient's cost stays a small multiple of the function's
# own cost, whatever the depth: that is the cheap gradient principle.

# %%
for depth in (2, 11):
    W = rng.normal(size=(depth, width, width)) / np.sqrt(width)
    ratio = best_time(dlayered, 0.3, W) / best_time(layered, 0.3, W)
    print(f"depth {depth:2d}: gradient time / function time = {ratio:.1f}")
