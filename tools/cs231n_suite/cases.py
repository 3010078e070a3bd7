"""The objectives: each wraps one assignment function, called as `forward`, in a scalar.

Each objective calls `forward`, a global of this module: the tool loads this file afresh as
a module of its own for each student's function and binds `forward` to it there, so the
objective calls it directly, as the student's own model code calls it (pullback transforms
the objective and, through it, the student's code). Each CASE is (file, function, objective,
make_args, wrt):
`make_args(rng)` gives the objective's arguments (a point away from kinks and
ties), `wrt` indexes them.
"""

from __future__ import annotations

import numpy as np


def classifier_loss(W, X, y, reg):
    loss, _ = forward(W, X, y, reg)
    return loss


def loss_of_scores(x, y):
    loss, _ = forward(x, y)
    return loss


def temporal_loss(x, y, mask):
    loss, _ = forward(x, y, mask)
    return loss


def one_input(x, dout):
    out, _ = forward(x)
    return np.sum(out * dout)


def three_inputs(x, w, b, dout):
    out, _ = forward(x, w, b)
    return np.sum(out * dout)


def with_param(x, param, dout):
    out, _ = forward(x, param)
    return np.sum(out * dout)


def normalized(x, gamma, beta, param, dout):
    out, _ = forward(x, gamma, beta, param)
    return np.sum(out * dout)


def grouped(x, gamma, beta, groups, param, dout):
    out, _ = forward(x, gamma, beta, groups, param)
    return np.sum(out * dout)


def convolved(x, w, b, param, dout):
    out, _ = forward(x, w, b, param)
    return np.sum(out * dout)


def rnn_step(x, prev_h, Wx, Wh, b, dout):
    next_h, _ = forward(x, prev_h, Wx, Wh, b)
    return np.sum(next_h * dout)


def lstm_step(x, prev_h, prev_c, Wx, Wh, b, dh, dc):
    next_h, next_c, _ = forward(x, prev_h, prev_c, Wx, Wh, b)
    return np.sum(next_h * dh) + np.sum(next_c * dc)


def embedding(x, W, dout):
    out, _ = forward(x, W)
    return np.sum(out * dout)


forward = None  # the student's function, bound by the tool
N, D, C, H, T, V = 5, 6, 4, 3, 3, 7


def _classifier(rng):
    return (0.1 * rng.standard_normal((D, C)), rng.standard_normal((N, D)),
            rng.integers(0, C, N), 0.1)


def _scores(rng):
    return rng.standard_normal((N, C)), rng.integers(0, C, N)


def _affine(rng):
    x, w = rng.standard_normal((N, 2, 3)), rng.standard_normal((6, C))
    return x, w, rng.standard_normal(C), rng.standard_normal((N, C))


def _relu(rng):
    x = rng.standard_normal((N, D))
    x[np.abs(x) < 0.05] = 0.3  # away from the kink
    return x, rng.standard_normal((N, D))


def _batchnorm(rng):
    return (rng.standard_normal((N, D)) + 1.0, 1.0 + 0.1 * rng.standard_normal(D),
            0.1 * rng.standard_normal(D), {"mode": "train", "eps": 1e-5, "momentum": 0.9},
            rng.standard_normal((N, D)))


def _layernorm(rng):
    x, gamma, beta, _, dout = _batchnorm(rng)
    return x, gamma, beta, {"eps": 1e-5}, dout


def _dropout(rng):
    return rng.standard_normal((N, D)), {"mode": "train", "p": 0.6, "seed": 123}, \
        rng.standard_normal((N, D))


def _conv(rng):
    x, w = rng.standard_normal((2, 3, 5, 5)), rng.standard_normal((2, 3, 3, 3))
    return x, w, rng.standard_normal(2), {"stride": 2, "pad": 1}, \
        rng.standard_normal((2, 2, 3, 3))


def _pool(rng):
    x = rng.permutation(2 * 2 * 4 * 4).reshape(2, 2, 4, 4) / 7.0  # distinct: no ties
    return x, {"pool_height": 2, "pool_width": 2, "stride": 2}, rng.standard_normal((2, 2, 2, 2))


def _spatial_batchnorm(rng):
    return (rng.standard_normal((2, 3, 2, 2)) + 1.0, 1.0 + 0.1 * rng.standard_normal(3),
            0.1 * rng.standard_normal(3), {"mode": "train", "eps": 1e-5, "momentum": 0.9},
            rng.standard_normal((2, 3, 2, 2)))


def _groupnorm(rng):
    return (rng.standard_normal((2, 4, 2, 2)) + 1.0, 1.0 + 0.1 * rng.standard_normal((1, 4, 1, 1)),
            0.1 * rng.standard_normal((1, 4, 1, 1)), 2, {"eps": 1e-5},
            rng.standard_normal((2, 4, 2, 2)))


def _rnn_step(rng):
    return (rng.standard_normal((N, D)), rng.standard_normal((N, H)),
            0.3 * rng.standard_normal((D, H)), 0.3 * rng.standard_normal((H, H)),
            0.1 * rng.standard_normal(H), rng.standard_normal((N, H)))


def _rnn(rng):
    return (rng.standard_normal((N, T, D)), rng.standard_normal((N, H)),
            0.3 * rng.standard_normal((D, H)), 0.3 * rng.standard_normal((H, H)),
            0.1 * rng.standard_normal(H), rng.standard_normal((N, T, H)))


def _lstm_step(rng):
    return (rng.standard_normal((N, D)), rng.standard_normal((N, H)),
            rng.standard_normal((N, H)), 0.3 * rng.standard_normal((D, 4 * H)),
            0.3 * rng.standard_normal((H, 4 * H)), 0.1 * rng.standard_normal(4 * H),
            rng.standard_normal((N, H)), rng.standard_normal((N, H)))


def _lstm(rng):
    x, h0, Wx, Wh, b, _ = _rnn(rng)
    return (x, h0, 0.3 * rng.standard_normal((D, 4 * H)), 0.3 * rng.standard_normal((H, 4 * H)),
            0.1 * rng.standard_normal(4 * H), rng.standard_normal((N, T, H)))


def _embedding(rng):
    return rng.integers(0, V, (N, T)), rng.standard_normal((V, D)), \
        rng.standard_normal((N, T, D))


def _temporal_affine(rng):
    return (rng.standard_normal((N, T, D)), rng.standard_normal((D, C)),
            rng.standard_normal(C), rng.standard_normal((N, T, C)))


def _temporal_loss(rng):
    return (rng.standard_normal((N, T, V)), rng.integers(0, V, (N, T)),
            rng.random((N, T)) > 0.3)


CASES = [
    ("linear_svm", "svm_loss_naive", classifier_loss, _classifier, (0,)),
    ("linear_svm", "svm_loss_vectorized", classifier_loss, _classifier, (0,)),
    ("softmax", "softmax_loss_naive", classifier_loss, _classifier, (0,)),
    ("softmax", "softmax_loss_vectorized", classifier_loss, _classifier, (0,)),
    ("layers", "affine_forward", three_inputs, _affine, (0, 1, 2)),
    ("layers", "relu_forward", one_input, _relu, (0,)),
    ("layers", "svm_loss", loss_of_scores, _scores, (0,)),
    ("layers", "softmax_loss", loss_of_scores, _scores, (0,)),
    ("layers", "batchnorm_forward", normalized, _batchnorm, (0, 1, 2)),
    ("layers", "layernorm_forward", normalized, _layernorm, (0, 1, 2)),
    ("layers", "dropout_forward", with_param, _dropout, (0,)),
    ("layers", "conv_forward_naive", convolved, _conv, (0, 1, 2)),
    ("layers", "max_pool_forward_naive", with_param, _pool, (0,)),
    ("layers", "spatial_batchnorm_forward", normalized, _spatial_batchnorm, (0, 1, 2)),
    ("layers", "spatial_groupnorm_forward", grouped, _groupnorm, (0, 1, 2)),
    ("rnn_layers", "rnn_step_forward", rnn_step, _rnn_step, (0, 1, 2, 3, 4)),
    ("rnn_layers", "rnn_forward", rnn_step, _rnn, (0, 1, 2, 3, 4)),
    ("rnn_layers", "lstm_step_forward", lstm_step, _lstm_step, (0, 1, 2, 3, 4, 5)),
    ("rnn_layers", "lstm_forward", rnn_step, _lstm, (0, 1, 2, 3, 4)),
    ("rnn_layers", "word_embedding_forward", embedding, _embedding, (1,)),
    ("rnn_layers", "temporal_affine_forward", three_inputs, _temporal_affine, (0, 1, 2)),
    ("rnn_layers", "temporal_softmax_loss", temporal_loss, _temporal_loss, (0,)),
]
