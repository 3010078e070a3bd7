# %% [markdown]
# # 6. Three kinds of differentiation
#
# * **Symbolic**: derive a formula for the derivative by hand (or with a computer
#   algebra system) and evaluate it. Exact, but the formula can be far larger than
#   the function, and it needs a closed-form expression, not a program.
# * **Numerical**: finite differences. Needs only the function, but it is
#   approximate (truncation error against rounding error) and costs one or two
#   function calls *per input*.
# * **Automatic**: apply the chain rule to the program itself, statement by
#   statement. Exact to rounding, works on loops and branches, and in reverse mode
#   costs a small constant times one function call, however many inputs there are.
#
# Same functions, three ways.

# %%
import math
import time

import matplotlib.pyplot as plt
import numpy as np

import pullback

# %% [markdown]
# ## A function of one variable
#
# $$f(x) = \frac{e^x}{\sqrt{\sin^3 x + \cos^3 x}}$$
#
# **Symbolic**, by hand: $\log f = x - \tfrac12 \log(\sin^3 x + \cos^3 x)$, so
#
# $$f'(x) = f(x)\left(1 -
#   \frac{3 \sin x \cos x\,(\sin x - \cos x)}{2(\sin^3 x + \cos^3 x)}\right).$$

# %%
def f(x):
    s = math.sin(x)
    c = math.cos(x)
    return math.exp(x) / math.sqrt(s**3 + c**3)


def f_prime_symbolic(x):
    s, c = math.sin(x), math.cos(x)
    return f(x) * (1 - 3 * s * c * (s - c) / (2 * (s**3 + c**3)))


f_prime_automatic = pullback.grad(f)
print(pullback.source(f))

# %% [markdown]
# **Numerical**: forward differences $\frac{f(x+h) - f(x)}{h}$ have truncation error
# $O(h)$, central differences $\frac{f(x+h) - f(x-h)}{2h}$ have $O(h^2)$; both have a
# rounding error of about $\varepsilon |f| / h$ with $\varepsilon \approx 2.2\times10^{-16}$.
# Their sum is smallest at a middle step size, and no step gives more than about
# half (forward) or two thirds (central) of the 16 digits.

# %%
x0 = 1.0
exact = f_prime_symbolic(x0)
steps = np.logspace(-15, -1, 57)
forward = np.array([abs((f(x0 + h) - f(x0)) / h - exact) / abs(exact) for h in steps])
central = np.array([abs((f(x0 + h) - f(x0 - h)) / (2 * h) - exact) / abs(exact)
                    for h in steps])
automatic = abs(f_prime_automatic(x0) - exact) / abs(exact)
print(f"f'({x0}) symbolic  {exact!r}")
print(f"f'({x0}) automatic {f_prime_automatic(x0)!r}   relative error {automatic:.1e}")
print(f"best forward difference: relative error {forward.min():.1e} at h = "
      f"{steps[forward.argmin()]:.0e}")
print(f"best central difference: relative error {central.min():.1e} at h = "
      f"{steps[central.argmin()]:.0e}")
assert automatic < 1e-14

# %%
floor = 1e-17  # an error of exactly 0 cannot be drawn on a log scale
fig, ax = plt.subplots(figsize=(7, 4.5))
ax.loglog(steps, np.maximum(forward, floor), "o-", ms=3, label="forward difference")
ax.loglog(steps, np.maximum(central, floor), "s-", ms=3, label="central difference")
ax.axhline(max(automatic, floor), color="C2", lw=2,
           label="automatic (pullback)" + (", exact here" if automatic == 0 else ""))
ax.loglog(steps, steps / 2, "k:", lw=1, label="slope 1 (truncation, forward)")
ax.loglog(steps, 2.2e-16 / steps, "k--", lw=1, label="slope -1 (rounding, eps/h)")
ax.set_xlabel("step size h")
ax.set_ylabel("relative error of f'(1)")
ax.set_ylim(floor / 2, 10)
ax.set_title("Finite differences: truncation against rounding")
ax.legend(fontsize=8, loc="lower center", bbox_to_anchor=(0.55, 0.06))
ax.grid(True, which="both", alpha=0.3)
plt.show()

# %% [markdown]
# ## The lecture example, three ways
#
# $g(x, y, z) = \sin(x^2 + y e^z) + z$. By hand:
# $\partial_x g = 2x\cos d$, $\partial_y g = e^z \cos d$, $\partial_z g = y e^z \cos d + 1$,
# with $d = x^2 + y e^z$.

# %%
def g(x, y, z):
    return math.sin(x**2 + y * math.exp(z)) + z


def g_gradient_symbolic(x, y, z):
    d = x**2 + y * math.exp(z)
    return (2 * x * math.cos(d), math.exp(z) * math.cos(d), y * math.exp(z) * math.cos(d) + 1)


def central_differences(func, point, h=1e-6):
    grad = []
    for i in range(len(point)):
        up, down = list(point), list(point)
        up[i] += h
        down[i] -= h
        grad.append((func(*up) - func(*down)) / (2 * h))
    return tuple(grad)


point = (2.0, -1.0, 0.0)
print("symbolic  ", g_gradient_symbolic(*point))
print("numerical ", central_differences(g, point))
print("automatic ", pullback.grad(g, wrt=(0, 1, 2))(*point))
assert np.allclose(pullback.grad(g, wrt=(0, 1, 2))(*point), g_gradient_symbolic(*point),
                   rtol=1e-15, atol=0)

# %% [markdown]
# ## Many inputs: the cost
#
# A function of $n$ inputs: finite differences need $2n$ function calls for the
# gradient, reverse-mode AD one forward and one backward sweep.

# %% tags=["timing"]
def energy(v):
    total = 0.0
    for i in range(len(v) - 1):
        total = total + (v[i + 1] - v[i]) ** 2 + 0.1 * math.cos(v[i])
    return total


denergy = pullback.grad(energy)
h = 1e-6
for n in (10, 100, 400):
    v = np.linspace(0.0, 1.0, n)
    start = time.perf_counter()
    numeric = np.array([(energy(v + h * e) - energy(v - h * e)) / (2 * h) for e in np.eye(n)])
    fd_time = time.perf_counter() - start
    start = time.perf_counter()
    automatic = denergy(v)
    ad_time = time.perf_counter() - start
    print(f"n = {n:4d}: finite differences {fd_time * 1e3:8.1f} ms, pullback "
          f"{ad_time * 1e3:6.2f} ms, max difference {np.abs(numeric - automatic).max():.1e}")

# %% [markdown]
# ## Forward mode and reverse mode
#
# Automatic differentiation runs in two directions. **Forward mode** carries next to
# each value its derivative along one chosen direction of the inputs (its *tangent*):
# one sweep gives one directional derivative, so the whole gradient of a function of
# $n$ inputs takes $n$ sweeps, one per input. **Reverse mode** carries adjoints
# backwards from the output: one sweep gives the derivative of one output with respect
# to every input. pullback generates both. Here is the lecture example in forward
# mode, each statement followed by its tangent statement (`dd` is the tangent of
# `d`), loops and branches kept as they are, nothing recorded:

# %%
def g_steps(x, y, z):
    a = x**2
    b = math.exp(z)
    c = y * b
    d = a + c
    e = math.sin(d)
    return e + z


print(pullback.source(g_steps, wrt=(0, 1, 2), mode="jvp"))

# %% [markdown]
# One forward sweep per input direction gives the gradient one entry at a time:

# %%
g_jvp = pullback.jvp(g_steps, wrt=(0, 1, 2))
by_forward_mode = [g_jvp(*point, direction)[1]
                   for direction in [(1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)]]
print("forward mode, three sweeps:", by_forward_mode)
print("reverse mode, one sweep:   ", pullback.grad(g_steps, wrt=(0, 1, 2))(*point))
assert np.allclose(by_forward_mode, g_gradient_symbolic(*point), rtol=1e-15, atol=0)

# %% [markdown]
# The lecture's argument, measured: the full gradient of `energy` (above) by forward
# mode costs $n$ sweeps, each about as long as one call of the function, so its time
# grows like $n^2$; by reverse mode it costs one sweep, so its time grows like $n$,
# a small constant times one function call.

# %% tags=["timing"]
energy_jvp = pullback.jvp(energy)


def best_time(run, *args, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def forward_gradient(v):
    return np.array([energy_jvp(v, e)[1] for e in np.eye(len(v))])


sizes = [10, 20, 40, 80, 160, 320]
forward_times, reverse_times, call_times = [], [], []
for n in sizes:
    v = np.linspace(0.0, 1.0, n)
    assert np.allclose(forward_gradient(v), denergy(v), rtol=1e-12, atol=1e-12)
    forward_times.append(best_time(forward_gradient, v, repeats=1))
    reverse_times.append(best_time(denergy, v))
    call_times.append(best_time(energy, v))
    print(f"n = {n:4d}: forward mode {forward_times[-1] * 1e6:9.0f} µs ({n:3d} sweeps), "
          f"reverse mode {reverse_times[-1] * 1e6:6.0f} µs (1 sweep), "
          f"f itself {call_times[-1] * 1e6:5.0f} µs")

fig, ax = plt.subplots(figsize=(7, 4.5))
ax.loglog(sizes, forward_times, "o-", label="gradient by forward mode (n sweeps)")
ax.loglog(sizes, reverse_times, "s-", label="gradient by reverse mode (1 sweep)")
ax.loglog(sizes, call_times, "k^:", label="one call of the function")
ax.set_xlabel("number of inputs n")
ax.set_ylabel("time (s)")
ax.set_title("The full gradient: forward mode grows like n², reverse mode like n")
ax.legend(fontsize=8)
ax.grid(True, which="both", alpha=0.3)
plt.show()

# %% [markdown]
# The other way round, a function with one input and many outputs, forward mode wins:
# one sweep gives the derivative of every output. `pullback.jacobian` picks the
# direction by the shapes, as `jax.jacfwd`/`jax.jacrev` users choose by hand.
