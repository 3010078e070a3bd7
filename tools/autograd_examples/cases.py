"""The examples' objectives, each with small data: (name, module, build), where
build(module) returns (f, arguments, the index of the argument differentiated)."""

from __future__ import annotations

import numpy as np


def _rs(seed=0):
    return np.random.RandomState(seed)


def gmm(m):
    params = m.init_gmm_params(3, 2, 0.5, rs=_rs(1))
    params["lower triangles"] = params["lower triangles"] + 0.1 * _rs(2).randn(3, 2, 2)
    return m.gmm_log_likelihood, [params, _rs(3).randn(6, 2)], 0


def gp_likelihood(m):
    n, _, likelihood = m.make_gp_funs(m.rbf_covariance, num_cov_params=2)
    x, y = m.build_toy_dataset(D=1, n_data=8)
    return likelihood, [0.1 * _rs(4).randn(n), x, y], 0


def gp_predictions(m):
    n, predict, _ = m.make_gp_funs(m.rbf_covariance, num_cov_params=2)
    x, y = m.build_toy_dataset(D=1, n_data=8)
    at = np.linspace(-1.0, 1.0, 3)[:, None]

    def summary(params, x, y):
        mean, cov = predict(params, x, y, at)
        return np.sum(mean) + np.trace(cov)
    return summary, [0.1 * _rs(5).randn(n), x, y], 0


def ica(m):
    n, sample, logprob, unpack = m.make_ica_funs(3, 2)
    latents, observed = sample(unpack(_rs(6).randn(n)), 5, 0.1, _rs(7))

    def likelihood(weights):
        return logprob(unpack(weights), latents, 0.1, observed)
    return likelihood, [_rs(8).randn(n)], 0


def negative_binomial(m):
    counts = np.array([0.0, 3, 5, 2, 8, 1])

    def likelihood(r, p):
        return np.sum(m.negbin_loglike(r, p, counts))
    return likelihood, [2.5, 0.4], 0


def negative_binomial_p(m):
    return negative_binomial(m)[0], [2.5, 0.4], 1


def neural_net(m):
    params = m.init_random_params(0.5, [4, 5, 3], rs=_rs(9))
    inputs, labels = _rs(10).randn(6, 4), np.eye(3)[_rs(11).randint(0, 3, 6)]
    return m.log_posterior, [params, inputs, labels, 0.1], 0


def rnn(m):
    params = m.create_rnn_params(4, 3, 4, param_scale=0.3, rs=_rs(12))
    text = np.eye(4)[_rs(13).randint(0, 4, (5, 2))]
    return m.rnn_log_likelihood, [params, text, text], 0


def lstm(m):
    params = m.init_lstm_params(4, 3, 4, param_scale=0.3, rs=_rs(14))
    text = np.eye(4)[_rs(15).randint(0, 4, (4, 2))]
    return m.lstm_log_likelihood, [params, text, text], 0


def hmm(m):
    np.random.seed(16)
    pi, A, B = m.initialize_hmm_parameters(3, 4)
    natural = [np.log(pi), np.log(A), np.log(B)]
    return m.log_partition_function, [natural, [np.array([0, 2, 1]), np.array([3, 3])]], 0


def vae(m):
    generator = m.init_net_params(0.3, [2, 4, 5], rs=_rs(17))
    recognizer = m.init_net_params(0.3, [5, 4, 4], rs=_rs(18))
    images = (_rs(19).rand(3, 5) > 0.5).astype(float)

    def bound(generator, recognizer):  # the same noise at every call
        return m.vae_lower_bound(generator, recognizer, images, np.random.RandomState(0))
    return bound, [generator, recognizer], 1


def bayesian_net(m):
    n, _, logprob = m.make_nn_funs([1, 4, 1], L2_reg=0.1, noise_variance=0.01)
    inputs, targets = m.build_toy_dataset(n_data=6)

    def posterior(weights):
        return np.sum(logprob(weights, inputs, targets))
    return posterior, [0.3 * _rs(20).randn(3, n)], 0


def deep_gp(m):
    m.n_data = 6
    m.X, m.y = m.build_step_function_dataset(D=1, n_data=6)
    total, likelihood, _, _, _ = m.build_deep_gp(1, 1, m.rbf_covariance)
    return likelihood, [0.1 * _rs(21).randn(total)], 0


def rosenbrock(m):
    return m.rosenbrock, [np.array([-0.5, 0.8])], 0


def logistic_regression(m):
    return m.training_loss, [np.array([0.2, -0.4, 0.1])], 0


CASES = [("gmm", "gmm", gmm), ("gp likelihood", "gaussian_process", gp_likelihood),
         ("gp predictions", "gaussian_process", gp_predictions), ("ica", "ica", ica),
         ("negative binomial r", "negative_binomial_maxlike", negative_binomial),
         ("negative binomial p", "negative_binomial_maxlike", negative_binomial_p),
         ("neural net", "neural_net", neural_net), ("rnn", "rnn", rnn), ("lstm", "lstm", lstm),
         ("hmm", "hmm_em", hmm), ("vae", "variational_autoencoder", vae),
         ("bayesian neural net", "bayesian_neural_net", bayesian_net),
         ("deep gp", "deep_gaussian_process", deep_gp),
         ("rosenbrock", "rosenbrock", rosenbrock),
         ("logistic regression", "logistic_regression", logistic_regression)]
