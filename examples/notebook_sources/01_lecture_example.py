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
# red). Every edge is used once in each sweep, so the backward sweep costs about as
# much as the forward one.

# %%
positions = {"x": (0, 2.8), "y": (0, 1.4), "z": (0, 0), "a": (1.3, 2.8), "b": (1.3, 0),
             "c": (2.6, 1.4), "d": (3.9, 2.2), "e": (5.2, 2.2), "g": (6.5, 1.1)}
edges = [("x", "a"), ("z", "b"), ("y", "c"), ("b", "c"), ("a", "d"), ("c", "d"),
         ("d", "e"), ("e", "g"), ("z", "g")]
labels = {"x": "x", "y": "y", "z": "z", "a": "a = x²", "b": "b = exp z", "c": "c = y·b",
          "d": "d = a + c", "e": "e = sin d", "g": "g = e + z"}
adjoint_of = dict(by_hand, g=1.0)

fig, ax = plt.subplots(figsize=(11, 5.5))
for start, end in edges:
    bend = "arc3,rad=0.25" if (start, end) == ("z", "g") else "arc3"
    ax.annotate("", xy=positions[end], xytext=positions[start],
                arrowprops=dict(arrowstyle="-|>", color="0.5", shrinkA=30, shrinkB=30,
                                connectionstyle=bend))
for name, (px, py) in positions.items():
    ax.add_patch(plt.Circle((px, py), 0.42, facecolor="#e8f0fe", edgecolor="#3367d6"))
    ax.text(px, py + 0.08, labels[name], ha="center", va="center", fontsize=9)
    ax.text(px, py - 0.12, f"{forward[name]:.3g}", ha="center", va="center", fontsize=9)
    ax.text(px, py - 0.56, f"adj {adjoint_of[name]:.3g}", ha="center", va="center",
            fontsize=9, color="#c5221f")
ax.set_xlim(-0.6, 7.1)
ax.set_ylim(-1.0, 3.4)
ax.set_aspect("equal")
ax.axis("off")
ax.set_title("g(x, y, z) = sin(x² + y·exp z) + z at (2, -1, 0): values and adjoints")
plt.show()
