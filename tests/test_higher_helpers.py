"""Second order through the gradients of np.sort, np.clip, np.sinc, np.tile, np.repeat,
np.pad, np.diag, np.var and np.std (their helpers' rules in rules/higher.py): hessian,
hvp and reverse over reverse against central differences of the gradient, each function
in more than one spelling (axes, modes, bounds, offsets)."""

from __future__ import annotations

import numpy as np
import pytest
from test_higher import check_reverse_over_reverse, check_second_order

import pullback


def sorted_weights(x):
    return np.sum(np.sort(x) * np.arange(1.0, 6.0) * x)


def sorted_rows(x):
    return np.sum(np.sort(x.reshape(2, 3), axis=0) ** 2 * np.array([1.0, 2.0, 3.0]))


def sorted_flat(x):
    return np.sum(np.sort(x.reshape(2, 3), axis=None) * np.sin(x))


def clipped(x):
    return np.sum(np.clip(x, -0.5, 0.7) ** 3)


def clipped_below(x):
    return np.sum(np.clip(x * x, 0.1, None) * x)


def clipped_method(x):
    return np.sum(np.sin(x.clip(None, 0.4)) * x)


def sinc(x):
    return np.sum(np.sinc(x) * x)


def sinc_at_zero(x):
    return np.sum(np.sinc(x * x))


def tiled(x):
    return np.sum(np.tile(x, 3) * np.arange(1.0, 13.0) * x[0])


def tiled_2d(x):
    return np.sum(np.tile(x.reshape(2, 2), (2, 1)) ** 3)


def repeated(x):
    return np.sum(np.repeat(x, 2) ** 2 * np.arange(1.0, 9.0))


def repeated_axis(x):
    return np.sum(np.sin(np.repeat(x.reshape(2, 2), [1, 3], axis=1)))


def padded(x):
    return np.sum(np.pad(x, 2) ** 2 * np.arange(1.0, 9.0))


def padded_reflect(x):
    return np.sum(np.pad(x, (1, 2), mode="reflect") ** 3)


def padded_edge(x):
    return np.sum(np.cos(np.pad(x.reshape(2, 2), 1, mode="edge")))


def diagonal_matrix(x):
    return np.sum(np.diag(x) @ np.outer(x, x))


def diagonal_read(x):
    return np.sum(np.diag(x.reshape(3, 3), 1) ** 3) + np.sum(np.diag(x.reshape(3, 3)) ** 2)


def variance(x):
    return np.var(x) * np.sum(x)


def variance_rows(x):
    return np.sum(np.var(x.reshape(2, 3), axis=1, ddof=1) ** 2)


def variance_kept(x):
    return np.sum(np.sin(np.var(x.reshape(3, 2), axis=0, keepdims=True)) * x.reshape(3, 2))


def deviation(x):
    return np.std(x) * np.sum(x * x)


def deviation_rows(x):
    return np.sum(np.std(x.reshape(2, 3), axis=1, ddof=1) ** 3)


def deviation_kept(x):
    return np.sum(np.cos(np.std(x.reshape(3, 2), axis=0, keepdims=True)) * x.reshape(3, 2))


CASES = [
    (deviation, lambda rng: (rng.normal(size=4),)),
    (deviation_rows, lambda rng: (rng.normal(size=6),)),
    (deviation_kept, lambda rng: (rng.normal(size=6),)),
    (variance, lambda rng: (rng.normal(size=4),)),
    (variance_rows, lambda rng: (rng.normal(size=6),)),
    (variance_kept, lambda rng: (rng.normal(size=6),)),
    (sorted_weights, lambda rng: (rng.normal(size=5),)),
    (sorted_rows, lambda rng: (rng.normal(size=6),)),
    (sorted_flat, lambda rng: (rng.normal(size=6),)),
    (clipped, lambda rng: (np.array([-0.9, -0.2, 0.3, 0.95]),)),
    (clipped_below, lambda rng: (np.array([0.05, -0.2, 0.8, 1.3]),)),
    (clipped_method, lambda rng: (np.array([-0.3, 0.1, 0.8]),)),
    (sinc, lambda rng: (rng.normal(size=4),)),
    (sinc_at_zero, lambda rng: (np.array([0.0, 0.4, -1.3]),)),
    (tiled, lambda rng: (rng.normal(size=4),)),
    (tiled_2d, lambda rng: (rng.normal(size=4),)),
    (repeated, lambda rng: (rng.normal(size=4),)),
    (repeated_axis, lambda rng: (rng.normal(size=4),)),
    (padded, lambda rng: (rng.normal(size=4),)),
    (padded_reflect, lambda rng: (rng.normal(size=4),)),
    (padded_edge, lambda rng: (rng.normal(size=4),)),
    (diagonal_matrix, lambda rng: (rng.normal(size=3),)),
    (diagonal_read, lambda rng: (rng.normal(size=9),)),
]
IDS = [f.__name__ for f, _ in CASES]


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_hessian_and_hvp_match_differences_of_the_gradient(index):
    fn, make = CASES[index]
    rng = np.random.default_rng(index)
    check_second_order(fn, make(rng), rng)


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_reverse_over_reverse_matches_differences_of_the_gradient(index):
    fn, make = CASES[index]
    check_reverse_over_reverse(fn, make(np.random.default_rng(100 + index)))


def test_grad_of_grad_of_sinc_in_closed_form():
    def f(x):
        return np.sinc(x)

    second = pullback.grad(pullback.grad(f))
    for x in (0.0, 0.3, -1.7):
        t = np.pi * x
        exact = -np.pi ** 2 / 3 if x == 0 else np.pi ** 2 * (
            -np.sin(t) / t - 2 * np.cos(t) / t ** 2 + 2 * np.sin(t) / t ** 3)
        assert second(x) == pytest.approx(exact, rel=1e-10, abs=1e-12)
