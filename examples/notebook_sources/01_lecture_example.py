# %% [markdown]
# # 1. The lecture example, forwards and backwards
#
# The function every backpropagation lecture starts with:
#
# $$g(x, y, z) = \sin(x^2 + y\,e^{z}) + z$$
#
# written as a sequence of elementary steps, each one a node of the computation graph.
# We evaluate it at $(x, y, z) = (2, -1, 0)$, compute the adjoint (the derivative of
# the output with respect to that node) of every intermediate by hand, and compare
# with the gradient code pullback generates. The function is defined right here in a
# notebook cell: pullback reads its source from the cell.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

import pullback


def g(x, y, z):
    a = x**2
    b = math.exp(z)
    c = y * b
    d = a + c
    e = math.sin(d)
    return e + z


# %% [markdown]
# ## Forward sweep
#
# Each intermediate at the point $(2, -1, 0)$:

# %%
x, y, z = 2.0, -1.0, 0.0
a = x**2
b = math.exp(z)
c = y * b
d = a + c
e = math.sin(d)
out = e + z
forward = {"x": x, "y": y, "z": z, "a": a, "b": b, "c": c, "d": d, "e": e, "g": out}
for name, value in forward.items():
    print(f"{name} = {value:8.4f}")
assert (a, b, c, d) == (4.0, 1.0, -1.0, 3.0) and round(e, 3) == 0.141

# %% [markdown]
# ## Backward sweep by hand
#
# The adjoint of a node, $\bar v = \partial g / \partial v$, is the sum over the
# node's children $w$ of $\bar w \cdot \partial w / \partial v$. Walking the
# statements in reverse order, every adjoint is ready when it is needed:

# %%
g_bar = 1.0
e_bar = g_bar                      # g = e + z
d_bar = e_bar * math.cos(d)        # e = sin(d)
a_bar = d_bar                      # d = a + c
c_bar = d_bar
b_bar = c_bar * y                  # c = y * b
y_bar = c_bar * b
z_bar = g_bar + b_bar * math.exp(z)  # z feeds g directly and through b = exp(z)
x_bar = a_bar * 2 * x              # a = x**2
by_hand = {"a": a_bar, "b": b_bar, "c": c_bar, "d": d_bar, "e": e_bar,
           "x": x_bar, "y": y_bar, "z": z_bar}
for name, value in by_hand.items():
    print(f"d g / d {name} = {value:8.4f}")

# %% [markdown]
# ## The same with pullback
#
# `pullback.grad` gives the gradient with respect to the inputs:

# %%
dg = pullback.grad(g, wrt=(0, 1, 2))
grad_xyz = dg(2.0, -1.0, 0.0)
print(grad_xyz)
assert np.allclose(grad_xyz, (x_bar, y_bar, z_bar))

# %% [markdown]
# To get the adjoint of an *intermediate* from pullback, give each intermediate a
# perturbation input that is zero at the point. The derivative of $g$ with respect
# to the perturbation of $v$ is exactly $\bar v$:

# %%
def g_perturbed(x, y, z, eps_a, eps_b, eps_c, eps_d, eps_e):
    a = x**2 + eps_a
    b = math.exp(z) + eps_b
    c = y * b + eps_c
    d = a + c + eps_d
    e = math.sin(d) + eps_e
    return e + z


adjoints = pullback.grad(g_perturbed, wrt=("eps_a", "eps_b", "eps_c", "eps_d", "eps_e"))(
    2.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
for name, value in zip("abcde", adjoints):
    print(f"adjoint of {name}: pullback {value:8.4f}   by hand {by_hand[name]:8.4f}")
    assert math.isclose(value, by_hand[name])

# %% [markdown]
# ## The code pullback generated
#
# This is the function `dg` above really runs: the forward sweep, then the backward
# sweep, one line per adjoint. Compare it line by line with the hand-written sweep.

# %%
print(pullback.source(g, wrt=(0, 1, 2)))

# %% [markdown]
# Before simplification (stage `"adjoint"`) every intermediate keeps its own adjoint
# variable (`de`, `dd`, `da`, `dc`, `db`); the simplifier then propagates copies.

# %%
print(pullback.source(g, wrt=(0, 1, 2), stage="adjoint"))

# %% [markdown]
# ## The computation graph
#
# Each node shows its value (forward sweep, black) and its adjoint (backward sweep,
# red); each edge $v \to w$ carries its local derivative $\partial w / \partial v$
# (green). A node's adjoint is the sum, over its outgoing edges, of the edge's local
# derivative times the adjoint at the edge's head: $\bar d = \cos d \cdot \bar e$,
# $\bar z = 1 \cdot \bar g + e^z \cdot \bar b$. Every edge is used once in each
# sweep, so the backward sweep costs about as much as the forward one.

# %%
positions = {"x": (0, 2.8), "y": (0, 1.4), "z": (0, 0), "a": (1.5, 2.8), "b": (1.5, 0),
             "c": (3.0, 1.4), "d": (4.5, 2.2), "e": (6.0, 2.2), "g": (7.5, 1.1)}
local_derivative = {                       # edge (v, w): d w / d v at the point
    ("x", "a"): 2 * x, ("z", "b"): math.exp(z), ("y", "c"): b, ("b", "c"): y,
    ("a", "d"): 1.0, ("c", "d"): 1.0, ("d", "e"): math.cos(d), ("e", "g"): 1.0,
    ("z", "g"): 1.0,
}
labels = {"x": "x", "y": "y", "z": "z", "a": "a = x²", "b": "b = exp z", "c": "c = y·b",
          "d": "d = a + c", "e": "e = sin d", "g": "g = e + z"}
adjoint_of = dict(by_hand, g=1.0)

# the chain rule at every node: its adjoint is the sum over its outgoing edges
for v in "xyzabcde":
    outgoing = sum(local_derivative[v, w] * adjoint_of[w]
                   for (start, w) in local_derivative if start == v)
    assert math.isclose(outgoing, adjoint_of[v]), v

fig, ax = plt.subplots(figsize=(12, 6))
for (start, end), derivative in local_derivative.items():
    bend = 0.25 if (start, end) == ("z", "g") else 0.0
    ax.annotate("", xy=positions[end], xytext=positions[start],
                arrowprops=dict(arrowstyle="-|>", color="0.5", shrinkA=30, shrinkB=30,
                                connectionstyle=f"arc3,rad={bend}"))
    (x0, y0), (x1, y1) = positions[start], positions[end]
    mx = (x0 + x1) / 2 + bend * (y1 - y0) / 2   # the middle of the (bent) edge
    my = (y0 + y1) / 2 - bend * (x1 - x0) / 2
    ax.text(mx, my + 0.12, f"{derivative:.3g}", ha="center", va="bottom", fontsize=9,
            color="#188038", bbox=dict(facecolor="white", edgecolor="none", pad=0.5))
for name, (px, py) in positions.items():
    ax.add_patch(plt.Circle((px, py), 0.45, facecolor="#e8f0fe", edgecolor="#3367d6"))
    ax.text(px, py + 0.08, labels[name], ha="center", va="center", fontsize=9)
    ax.text(px, py - 0.14, f"{forward[name]:.3g}", ha="center", va="center", fontsize=9)
    ax.text(px, py - 0.6, f"adj {adjoint_of[name]:.3g}", ha="center", va="center",
            fontsize=9, color="#c5221f")
ax.set_xlim(-0.6, 8.1)
ax.set_ylim(-1.1, 3.4)
ax.set_aspect("equal")
ax.axis("off")
ax.set_title("g(x, y, z) = sin(x² + y·exp z) + z at (2, -1, 0): "
             "values, adjoints (red), local derivatives (green)")
plt.show()
