"""Custom derivative rules, stop_gradient and nondifferentiable: the examples of
docs/custom-rules.md, runnable as a script (`python examples/custom_rules.py`).

The regions between `# [name]` and `# [end]` are shown in the docs.
"""

import math

import numpy as np

import pullback

# [eigvalsh]
# A registered rule replaces pullback's own (np.linalg.eigvalsh has one, which puts the
# gradient in the triangle NumPy reads). For a symmetric matrix with eigenvectors V,
# d(eigenvalue i) = V[:, i]^T dA V[:, i], so the gradient of sum_i g[i] * eigenvalue_i
# is V diag(g) V^T.


@pullback.register_rule(np.linalg.eigvalsh)
def eigvalsh_grad(g, ans, a):
    _, vectors = np.linalg.eigh(a)
    return (vectors * g) @ np.transpose(vectors)


def largest_eigenvalue(A):
    S = (A + np.transpose(A)) / 2.0
    return np.linalg.eigvalsh(S)[-1]
# [end]

# [newton]
# A Python function whose gradient is better written by hand: differentiating the
# Newton iterations would be exact but wasteful; d sqrt(a) = 1 / (2 sqrt(a)).


def newton_sqrt(a):
    x = a
    while abs(x * x - a) > 1e-12 * a:
        x = 0.5 * (x + a / x)
    return x


@pullback.register_rule(newton_sqrt)
def newton_sqrt_grad(g, ans, a):
    return g / (2.0 * ans)


def hypot(a, b):
    return newton_sqrt(a * a + b * b)
# [end]

# [two-parameters]
# A rule for a function of several parameters returns one gradient per parameter.


def soft_clip(x, limit):
    return limit * math.tanh(x / limit)


@pullback.register_rule(soft_clip)
def soft_clip_grad(g, ans, x, limit):
    t = ans / limit
    return g * (1.0 - t * t), g * (t - x / limit * (1.0 - t * t))


def clipped_square(x, limit):
    return soft_clip(x * x, limit)
# [end]

# [stop-gradient]
# stop_gradient(v) is v, but pullback treats it as a constant.


def scaled_by_own_norm(v):
    scale = pullback.stop_gradient(np.sqrt(np.sum(v * v)))
    return np.sum(v) / scale
# [end]

# [nondifferentiable]
# A function marked nondifferentiable is called as it is, and its result carries no
# gradient (as if wrapped in stop_gradient at every call).


@pullback.nondifferentiable
def quantize(x):
    return math.floor(x * 4.0) / 4.0


def quantized_product(x):
    return quantize(x) * x
# [end]


def main():
    A = np.array([[2.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, 1.0]])
    dA = pullback.grad(largest_eigenvalue)(A)
    top = np.linalg.eigh(A)[1][:, -1]
    assert np.allclose(dA, np.outer(top, top))
    print("d largest eigenvalue / dA = outer(v, v):\n", np.round(dA, 4))

    da, db = pullback.grad(hypot, wrt=(0, 1))(3.0, 4.0)
    assert math.isclose(da, 0.6) and math.isclose(db, 0.8)
    print("d hypot(3, 4) =", (da, db))

    dx, dlimit = pullback.grad(clipped_square, wrt=(0, 1))(0.8, 1.5)
    h = 1e-6
    assert math.isclose(dx, (clipped_square(0.8 + h, 1.5) - clipped_square(0.8 - h, 1.5))
                        / (2 * h), rel_tol=1e-6)
    assert math.isclose(dlimit, (clipped_square(0.8, 1.5 + h) - clipped_square(0.8, 1.5 - h))
                        / (2 * h), rel_tol=1e-6)
    print("d clipped_square(0.8, 1.5) =", (dx, dlimit))

    v = np.array([3.0, 4.0])
    dv = pullback.grad(scaled_by_own_norm)(v)
    assert np.allclose(dv, 1.0 / 5.0)  # the norm is a constant: d/dv sum(v) / 5
    print("d scaled_by_own_norm =", dv)

    dq = pullback.grad(quantized_product)(1.3)
    assert dq == quantize(1.3)  # d/dx (c * x) with c = quantize(x) held constant
    print("d quantized_product(1.3) =", dq)


if __name__ == "__main__":
    main()
