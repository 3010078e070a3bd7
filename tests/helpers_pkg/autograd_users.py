"""Functions written for autograd (`import autograd.numpy as np`), differentiated by
pullback unchanged (tests/test_module_aliases.py)."""

import autograd.numpy as np
import autograd.scipy.special as special


def mlp(W1, b1, W2, x):
    h = np.tanh(np.dot(x, W1) + b1)
    return np.mean(np.dot(h, W2) ** 2)


def logistic_loss(w, X, y):
    z = np.dot(X, w)
    return -np.sum(y * z - np.logaddexp(0.0, z))


def stacked(x):
    a = np.concatenate([x, x ** 2])
    b = np.stack([x, np.sin(x)])
    return np.sum(np.sin(a)) + np.linalg.norm(x) + np.sum(b ** 2)


def built_by_array(x):
    v = np.array([x[0], x[1] * 2.0, 1.0])
    return np.sum(v ** 2) + np.std(x) + np.var(x)


def with_scipy(x):
    return special.logsumexp(x) + np.sum(special.expit(x)) + np.sum(np.where(x > 0, x, 0.0))


def in_a_loop(x, n=4):
    total = 0.0
    for k in range(n):
        total = total + np.sum(np.exp(-x * (k + 1)))
    return total
