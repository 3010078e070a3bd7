# %% [markdown]
# # 7. Backpropagation as Lagrange multipliers
#
# Write the lecture example $g(x, y, z) = \sin(x^2 + y e^z) + z$ as an optimization
# problem over *all* its intermediate values $v = (a, b, c, d, e, g)$, each tied to
# its parents by an equality constraint $C_i(v, x) = 0$:
#
# | constraint | constraint |
# | --- | --- |
# | $C_a = a - x^2$ | $C_d = d - (a + c)$ |
# | $C_b = b - e^z$ | $C_e = e - \sin d$ |
# | $C_c = c - y\,b$ | $C_g = g - (e + z)$ |
#
# Each constraint reads $C_i = v_i - \varphi_i(\text{parents of } v_i)$, with
# $\varphi_i$ the elementary operation that computes $v_i$. The objective is the
# last variable, $g$. The Lagrangian is
# $\mathcal{L}(x, v, \lambda) = g - \sum_i \lambda_i C_i(v, x)$. Setting
# $\partial \mathcal{L} / \partial v_j = 0$ gives, because $\partial C_j / \partial v_j = 1$,
#
# $$\lambda_j = [j = g] +
#   \sum_{i \text{ child of } j} \lambda_i \frac{\partial \varphi_i}{\partial v_j},$$
#
# which is exactly the backward sweep's recurrence for the adjoints $\bar v_j$
# (LeCun, 1988: "A theoretical framework for back-propagation"). The constraint
# matrix is triangular, so solving for $\lambda$ in reverse order *is* backpropagation,
# and $\partial \mathcal{L} / \partial x$ is the gradient. Below we check all of this
# numerically, with pullback computing the Jacobians.

# %%
import math

import numpy as np

import pullback

np.set_printoptions(suppress=True, precision=4)
names = ["a", "b", "c", "d", "e", "g"]

# %% [markdown]
# ## The constraints, as a function
#
# `constraints(x, y, z, v)` returns the vector $C(v, x)$; it is zero exactly when
# $v$ holds the values of the forward sweep.

# %%
def constraints(x, y, z, v):
    a = v[0]
    b = v[1]
    c = v[2]
    d = v[3]
    e = v[4]
    g = v[5]
    C = np.zeros(6)
    C[0] = a - x**2
    C[1] = b - math.exp(z)
    C[2] = c - y * b
    C[3] = d - (a + c)
    C[4] = e - math.sin(d)
    C[5] = g - (e + z)
    return C


x, y, z = 2.0, -1.0, 0.0
a = x**2
b = math.exp(z)
c = y * b
d = a + c
e = math.sin(d)
v_star = np.array([a, b, c, d, e, e + z])   # the forward sweep
print("v* =", v_star)
print("C(v*) =", constraints(x, y, z, v_star))

# %% [markdown]
# ## The Jacobians, row by row with vector-Jacobian products
#
# `pullback.vjp(f, wrt)(*args, seed)` computes $\text{seed}^\top \partial f / \partial(\text{wrt})$;
# with unit seeds it gives the rows of the Jacobian.

# %%
vjp_C = pullback.vjp(constraints, wrt=("v", "x", "y", "z"))
J_v = np.zeros((6, 6))       # dC / dv
J_in = np.zeros((6, 3))      # dC / d(x, y, z)
for i in range(6):
    dv, dx, dy, dz = vjp_C(x, y, z, v_star, np.eye(6)[i])
    J_v[i] = dv
    J_in[i] = (dx, dy, dz)
print("dC/dv (lower triangular, unit diagonal):")
print(J_v)

# %% [markdown]
# ## Solve for the multipliers
#
# Stationarity in $v$: $J_v^\top \lambda = e_g$. The system is upper triangular, so
# back substitution runs from $g$ down to $a$, the order of the backward sweep.

# %%
e_g = np.eye(6)[5]
lam = np.linalg.solve(J_v.T, e_g)
gradient_from_lagrangian = -J_in.T @ lam     # dL/dx = -lambda^T dC/dx
for name, value in zip(names, lam):
    print(f"lambda_{name} = {value:8.4f}")
print("dL/d(x, y, z) =", gradient_from_lagrangian)

# %% [markdown]
# ## Compare with backpropagation
#
# The adjoints of the intermediates, from pullback, by giving each intermediate a
# perturbation input (zero at the point) and differentiating with respect to it:

# %%
def g_perturbed(x, y, z, eps):
    a = x**2 + eps[0]
    b = math.exp(z) + eps[1]
    c = y * b + eps[2]
    d = a + c + eps[3]
    e = math.sin(d) + eps[4]
    return e + z + eps[5]


adjoints = pullback.grad(g_perturbed, wrt="eps")(x, y, z, np.zeros(6))
gradient = pullback.grad(g_perturbed, wrt=(0, 1, 2))(x, y, z, np.zeros(6))
print("adjoints   ", adjoints)
print("multipliers", lam)
print("gradient   ", np.array(gradient))
assert np.allclose(adjoints, lam)
assert np.allclose(gradient, gradient_from_lagrangian)

# %% [markdown]
# The perturbation is the classical reading of a multiplier: $\lambda_i$ is the rate
# at which the optimal objective changes when constraint $i$ is relaxed to
# $C_i = \varepsilon$. A finite-difference check of that reading:

# %%
h = 1e-6
for i, name in enumerate(names):
    eps = np.zeros(6)
    eps[i] = h
    sensitivity = (g_perturbed(x, y, z, eps) - g_perturbed(x, y, z, -eps)) / (2 * h)
    print(f"constraint {name}: (g(+eps) - g(-eps)) / 2eps = {sensitivity:8.4f}, "
          f"lambda = {lam[i]:8.4f}")
    assert abs(sensitivity - lam[i]) < 1e-6

# %% [markdown]
# ## All the optimality conditions at once
#
# Differentiate the Lagrangian itself with pullback at $(v^*, \lambda)$: the
# derivative in $v$ vanishes (stationarity), the derivative in $\lambda$ is $-C = 0$
# (feasibility), and the derivative in $(x, y, z)$ is the gradient of $g$.

# %%
def lagrangian(x, y, z, v, lam):
    a = v[0]
    b = v[1]
    c = v[2]
    d = v[3]
    e = v[4]
    g = v[5]
    penalty = (lam[0] * (a - x**2) + lam[1] * (b - math.exp(z)) + lam[2] * (c - y * b)
               + lam[3] * (d - (a + c)) + lam[4] * (e - math.sin(d)) + lam[5] * (g - (e + z)))
    return g - penalty


dL_dv, dL_dlam, dL_dx, dL_dy, dL_dz = pullback.grad(lagrangian, wrt=("v", "lam", 0, 1, 2))(
    x, y, z, v_star, lam)
print("dL/dv      =", dL_dv)
print("dL/dlambda =", dL_dlam)
print("dL/d(x, y, z) =", np.array([dL_dx, dL_dy, dL_dz]))
assert np.allclose(dL_dv, 0) and np.allclose(dL_dlam, 0)
assert np.allclose((dL_dx, dL_dy, dL_dz), gradient)
