"""Forward mode: a Jacobian-vector product in one sweep, a batch of them in one sweep
(vector mode), a full Jacobian both ways, and second derivatives by forward mode over the
generated gradient.

    python examples/forward_mode.py
"""

import math

import numpy as np
from lecture import g  # the lecture's example, examples/lecture.py

import pullback


def recurrence(x, a):
    for _ in range(1000):
        x = x + 0.002 * a * math.sin(x)
    return x


def layer(x, W):
    return np.tanh(W @ x)


def energy(x):
    return math.sin(x) * x**3


def potential(x):
    return np.sum(np.sin(x) * x)


def main():
    value, tangent = pullback.jvp(g, wrt=(0, 1, 2))(2.0, -1.0, 0.0, (1.0, 0.0, 0.0))
    print(f"g = {value:.4f}, dg/dx = {tangent:.4f}")  # the first entry of the gradient
    gradient = pullback.grad(g, wrt=(0, 1, 2))(2.0, -1.0, 0.0)
    print("gradient . (1, 0, 0) =", round(gradient[0], 4))

    _, dx = pullback.jvp(recurrence)(1.1, 0.8, 1.0)
    print(f"recurrence: d out / d x = {dx:.6f}")

    x, W = np.array([0.5, -1.0, 2.0]), np.array([[0.2, -0.4, 0.1], [0.3, 0.3, -0.2]])
    # vector mode: two directions at once, the batch axis first
    _, tangents = pullback.jvp(layer, batched=True)(x, W, np.array([[1.0, 0, 0], [0, 1.0, 0]]))
    print("two directions", np.round(tangents, 4).tolist())
    for mode in ("fwd", "rev"):  # 1 vector jvp sweep (3 directions), or 2 vjp sweeps
        print(mode, np.round(pullback.jacobian(layer, wrt=0, mode=mode)(x, W), 4).tolist())

    # second derivatives: the generated gradient differentiated again
    print(f"energy'' at 0.5: {pullback.grad(pullback.grad(energy))(0.5):.6f} (grad of grad), "
          f"{pullback.hvp(energy)(0.5, 1.0):.6f} (hvp)")
    H = pullback.hessian(potential)(x)  # diagonal: 2 cos x - x sin x
    print("hessian diagonal", np.round(np.diag(H), 4).tolist())


if __name__ == "__main__":
    main()
