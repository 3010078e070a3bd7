"""Functions whose generated gradients are pinned in tests/golden/."""

import math

import numpy as np


def lecture(x, y, z):
    return math.sin(x**2 + y * math.exp(z)) + z


def recurrence(x, a):
    for _ in range(1000):
        x = x + 0.002 * a * math.sin(x)
    return x


def rnn(Wh, Wx, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(Wh @ h + Wx @ xs[t])
    return np.sum(h)


def piecewise(x):
    if x < 0.0:
        return x * x
    elif x < 1.0:
        y = math.sin(x)
    else:
        y = math.log(x) + 1.0
    return y * x


def running_buffer(x):
    h = np.zeros(len(x) + 1)
    for i in range(len(x)):
        h[i + 1] = math.tanh(h[i] + x[i])
    return h[-1] ** 2


def search(x):
    total = 0.0
    while True:
        total = total + math.exp(-x)
        if total > 2.0:
            break
        x = x * 0.5
    return total


GOLDEN = {
    "lecture": (lecture, (0, 1, 2)),
    "recurrence": (recurrence, (0, 1)),
    "rnn": (rnn, (0, 1)),
    "piecewise": (piecewise, 0),
    "running_buffer": (running_buffer, 0),
    "search": (search, 0),
}


def mlp(W1, b1, W2, b2, X, Y):
    hidden = np.tanh(X @ W1 + b1)
    logits = hidden @ W2 + b2
    m = np.max(logits, axis=1, keepdims=True)
    log_norm = m + np.log(np.sum(np.exp(logits - m), axis=1, keepdims=True))
    return -np.sum(Y * (logits - log_norm)) / X.shape[0]


# Pinned as printed with explain=True (name_explain.py), with the mode given
EXPLAINED = {
    "lecture": (lecture, (0, 1, 2), "grad"),
    "lecture_jvp": (lecture, (0, 1, 2), "jvp"),
    "rnn": (rnn, (0, 1), "grad"),
    "running_buffer": (running_buffer, 0, "grad"),
    "piecewise": (piecewise, 0, "grad"),
}

# Pinned as printed for the shapes of example arguments (name_shapes.py): the arguments,
# given as shapes (random numbers of those shapes) or values
SHAPED = {
    "rnn": (rnn, (0, 1), [(8, 8), (8, 3), (20, 3), (8,)]),
    "mlp": (mlp, (0, 1, 2, 3), [(64, 32), (32,), (32, 10), (10,), (100, 64), (100, 10)]),
}


def example_arguments(shapes):
    rng = np.random.default_rng(0)
    return tuple(rng.normal(size=s) for s in shapes)
