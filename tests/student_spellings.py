"""Spellings from students' solutions to the CS231n assignments (tools/cs231n_suite),
written here afresh: a second name for an array then written in place, masks made by
astype and written, x.clip(0), running statistics written into a dict passed in."""

import numpy as np


def softmax_alias(W, X, y):
    logits = X @ W
    logits -= np.max(logits, axis=1, keepdims=True)
    probabilities = np.exp(logits) / np.sum(np.exp(logits), axis=1, keepdims=True)
    loss = -np.mean(np.log(probabilities[np.arange(X.shape[0]), y]))
    diff = probabilities  # the student's gradient, computed after the loss
    diff[np.arange(X.shape[0]), y] -= 1
    dW = X.T @ diff
    return loss + 0.1 * np.sum(W * W), dW


def softmax_objective(W, X, y):
    loss, _ = softmax_alias(W, X, y)
    return loss


def alias_read_after(x):
    p = np.exp(x)
    q = p
    before = np.sum(p ** 2)
    q[0] = 3.0 * x[1]  # p changes too
    return before + np.sum(p * x) + np.sum(q)


def alias_chain(x):
    a = x * 2.0
    b = a
    c = b
    c[1] = c[0] * x[2]
    return np.sum(a * a) + np.sum(b)


def alias_in_loop(x):
    a = x * 1.0
    for i in range(3):
        b = a
        b[i] = b[i] * x[i]
    return np.sum(a * x)


def alias_list(x):
    xs = [x[0]]
    ys = xs
    ys.append(x[1] * 2.0)
    return xs[0] * xs[1] + len(ys)


def alias_in_a_branch(x):
    p = np.exp(x)
    if x[0] > 0:
        d = p
    else:
        d = np.zeros(3)
    d[1] = x[2]
    return np.sum(p * x)


def svm_mask(W, X, y):
    scores = X.dot(W)
    correct = scores[np.arange(X.shape[0]), y].reshape(-1, 1)
    margins = np.maximum(0, scores - correct + 1)
    margins[np.arange(X.shape[0]), y] = 0
    loss = np.sum(margins) / X.shape[0]
    mask = (margins > 0).astype(int)
    mask[np.arange(X.shape[0]), y] = -mask.sum(axis=1)
    dW = X.T @ mask / X.shape[0]
    return loss, dW


def svm_objective(W, X, y):
    loss, _ = svm_mask(W, X, y)
    return loss


def astype_no_copy(x):
    mask = (x > 0).astype(float, copy=False)
    mask[0] = 2.0
    return np.sum(mask * x)


def order_written(x):
    order = np.argsort(x)
    order[0] = order[-1]
    return np.sum(x[order] ** 2)


def relu_clip(x):
    out = x.clip(0)
    return np.sum(out * x) + np.sum(x.clip(max=0.5) ** 2) + np.sum(x.clip(-0.5, None))


def batchnorm_forward(x, gamma, beta, bn_param):
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    if bn_param["mode"] == "train":
        mu = np.mean(x, axis=0)
        var = np.var(x, axis=0)
        xhat = (x - mu) / np.sqrt(var + eps)
        out = gamma * xhat + beta
        cache = (x, xhat, mu, var, gamma, eps)
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * var
    else:
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        cache = None
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache


def batchnorm_objective(x, gamma, beta, bn_param, dout):
    out, _ = batchnorm_forward(x, gamma, beta, bn_param)
    return np.sum(out * dout)


def text_keys_own_dict(x):
    stats = {"scale": 2.0}
    scale = stats["scale"]
    stats["mean"] = np.mean(x)
    stats["scale"] = 3.0
    return np.sum(x * scale) + stats["mean"] * stats["scale"]


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = None
    out = None
    if mode == "train":
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
    elif mode == "test":
        out = x
    cache = (dropout_param, mask)
    out = out.astype(x.dtype, copy=False)
    return out, cache


def dropout_objective(x, dropout_param, dout):
    out, _ = dropout_forward(x, dropout_param)
    return np.sum(out * dout)


def shape_spread(x):
    buf = np.zeros((*x.shape,))
    buf[:] = x * 2.0
    return np.sum(buf * np.ones(*x.shape[:1]) * np.sin(x))


def spread_into_a_rule(x):
    pair = (x[0], x[1])
    return np.maximum(*pair) + np.hypot(*pair)


def astypes(x):
    return np.sum(np.sin(x).astype(np.float64) ** 3) + np.sum(x.astype(int) * x) + np.sum(
        np.cos(x).astype(float) * x)


def softmax_naive(W, X, y, reg):
    loss = 0.0
    dW = np.zeros_like(W)
    for i in range(X.shape[0]):
        scores = X[i].dot(W)
        scores -= np.max(scores)
        loss -= scores[y[i]]
        total = np.sum(np.exp(scores))
        loss += np.log(total)
        dW[:, y[i]] -= X[i]
        dW2 = np.zeros_like(W)
        for j in range(W.shape[1]):
            dW2[:, j] += np.exp(scores[j]) * X[i]  # a buffer the loss never reads back
        dW += dW2 / total
    loss /= X.shape[0]
    return loss + reg * np.sum(W * W), dW / X.shape[0]


def softmax_naive_objective(W, X, y):
    loss, _ = softmax_naive(W, X, y, 0.1)
    return loss
