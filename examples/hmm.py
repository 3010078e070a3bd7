"""The forward algorithm of a hidden Markov model, in log space (notebook 3).

log Z of an observed sequence, from the log initial, transition and emission
potentials; its gradient with respect to log_obs is the posterior marginals, and
the reverse sweep that computes it is the backward algorithm.
"""
import numpy as np


def log_partition(log_pi, log_A, log_obs):
    T = log_obs.shape[0]
    K = log_obs.shape[1]
    alpha = np.zeros((T, K))
    alpha[0] = log_pi + log_obs[0]
    for t in range(1, T):
        scores = alpha[t - 1][:, None] + log_A          # scores[i, j]: from i to j
        m = np.max(scores, axis=0)
        alpha[t] = m + np.log(np.sum(np.exp(scores - m), axis=0)) + log_obs[t]
    m = np.max(alpha[T - 1])
    return m + np.log(np.sum(np.exp(alpha[T - 1] - m)))
