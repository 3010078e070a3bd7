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
import functools
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
# ## The dynamic program
#
# `paths_from(layer, i)` is called again and again with the same arguments: every
# path through node $i$ of layer $l$ recomputes the sum over all the paths that
# leave it. Remembering each value once computed (memoization) is the whole
# dynamic program. The recursion is unchanged, only cached; the value remembered
# for node $i$ of layer $l$ is that node's adjoint $\partial\,\text{output} /
# \partial h_l[i]$:

# %%
def memoized_gradient(x, W):
    D = edge_derivatives(x, W)

    @functools.cache
    def adjoint(layer, i):
        """paths_from(D, layer, i), each value computed once."""
        if layer == len(D):
            return 1.0
        return sum(D[layer][i, j] * adjoint(layer + 1, j) for j in range(D[layer].shape[1]))

    gradient = sum(adjoint(0, i) for i in range(W.shape[1]))
    return gradient, adjoint


def count_calls(func):
    """func, counting its calls in .calls."""
    @functools.wraps(func)
    def counted(*args):
        counted.calls += 1
        return func(*args)
    counted.calls = 0
    return counted


rng = np.random.default_rng(0)
W = rng.normal(size=(6, 3, 3)) / np.sqrt(3)
paths_from = count_calls(paths_from)           # count the naive recursion's calls
naive = naive_gradient(0.3, W)
memoized, adjoint = memoized_gradient(0.3, W)
print(f"sum over paths:     {naive:.12f}  ({paths_from.calls} calls)")
print(f"memoized recursion: {memoized:.12f}  ({adjoint.cache_info().misses} calls that "
      f"computed, {adjoint.cache_info().hits} that remembered)")
print(f"pullback:           {dlayered(0.3, W):.12f}")
paths_from = paths_from.__wrapped__
assert np.isclose(naive, dlayered(0.3, W)) and np.isclose(memoized, dlayered(0.3, W))

# %% [markdown]
# The same table filled in order, last layer first, needs no recursion at all: one
# matrix-vector product per layer, each edge used once. This is what the reverse
# sweep of `layered` does: compare with the loop over `reversed(saved)` in the
# generated code above.

# %%
def sweep_gradient(x, W):
    D = edge_derivatives(x, W)
    adjoint = np.ones(W.shape[1])          # adjoints of the last layer
    for layer in reversed(range(len(D))):  # one reverse sweep, each edge used once
        adjoint = D[layer] @ adjoint
    return np.sum(adjoint)


print(sweep_gradient(0.3, W))
assert np.isclose(sweep_gradient(0.3, W), dlayered(0.3, W))

# %% [markdown]
# ## The layered graph
#
# Width 3 and depth 3 for the picture: 27 paths from $x$ to the output. Each edge
# carries its local derivative $D_l[i, j]$ and each node the value the memoized
# recursion remembers for it, its adjoint.

# %%
small = rng.normal(size=(3, 3, 3)) / np.sqrt(3)
D_small = edge_derivatives(0.3, small)
_, adjoint_small = memoized_gradient(0.3, small)
depth, width = small.shape[0], small.shape[1]
node = {(layer, i): (1.0 + 2.2 * layer, 2.0 - 1.6 * i)
        for layer in range(depth + 1) for i in range(width)}
inputs, output = (-1.0, 0.4), (2.0 + 2.2 * depth, 0.4)

fig, ax = plt.subplots(figsize=(11, 5))
edges = [(inputs, node[0, i], "1") for i in range(width)]
edges += [(node[layer, i], node[layer + 1, j], f"{D_small[layer][i, j]:.2f}")
          for layer in range(depth) for i in range(width) for j in range(width)]
edges += [(node[depth, i], output, "1") for i in range(width)]
for (x0, y0), (x1, y1), label in edges:
    ax.plot([x0, x1], [y0, y1], color="0.75", lw=1, zorder=1)
    ax.text(x0 + 0.22 * (x1 - x0), y0 + 0.22 * (y1 - y0), label, fontsize=7,
            color="#188038", ha="center", va="center", zorder=3,
            bbox=dict(facecolor="white", edgecolor="none", pad=0.2))
for (layer, i), (px, py) in node.items():
    ax.scatter(px, py, s=900, color="#e8f0fe", edgecolor="#3367d6", zorder=2)
    ax.text(px, py, f"{adjoint_small(layer, i):.2f}", ha="center", va="center",
            fontsize=8, color="#c5221f", zorder=4)
for (px, py), name in ((inputs, "x"), (output, "out")):
    ax.scatter(px, py, s=900, color="#fef7e0", edgecolor="#f29900", zorder=2)
    ax.text(px, py, name, ha="center", va="center", fontsize=9, zorder=4)
for layer in range(depth + 1):
    ax.text(1.0 + 2.2 * layer, 2.0 - 1.6 * width + 0.8, f"layer h{layer}", ha="center",
            fontsize=9)
ax.axis("off")
ax.set_title(f"{width ** depth} paths from x to out; node: its adjoint (red), "
             "edge: local derivative (green)")
plt.show()
gradient_small, _ = memoized_gradient(0.3, small)
print("d out / d x = sum of the first layer's adjoints =", round(gradient_small, 6))
assert np.isclose(gradient_small, dlayered(0.3, small))

# %% [markdown]
# ## Timing as the graph gets deeper
#
# Width 3, depth 1 to 11: from 3 to 177,147 paths.

# %% tags=["timing"]
def best_time(func, *args, repeat=3):
    number = 1
    while True:  # enough calls to take at least 2 ms
        elapsed = min(timeit.repeat(lambda: func(*args), number=number, repeat=repeat))
        if elapsed > 2e-3:
            return elapsed / number
        number *= 4


width, depths = 3, list(range(1, 12))
times = {"sum over paths": [], "memoized recursion": [], "pullback": []}
memoized_only = lambda x, W: memoized_gradient(x, W)[0]  # noqa: E731
start = time.perf_counter()
for depth in depths:
    W = rng.normal(size=(depth, width, width)) / np.sqrt(width)
    assert np.isclose(naive_gradient(0.3, W), dlayered(0.3, W))
    times["sum over paths"].append(best_time(naive_gradient, 0.3, W, repeat=1))
    times["memoized recursion"].append(best_time(memoized_only, 0.3, W))
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

# %% tags=["timing"]
for depth in (2, 11):
    W = rng.normal(size=(depth, width, width)) / np.sqrt(width)
    ratio = best_time(dlayered, 0.3, W) / best_time(layered, 0.3, W)
    print(f"depth {depth:2d}: gradient time / function time = {ratio:.1f}")
