"""Train a logistic regression by gradient descent, the gradient computed on a Dask cluster.

    python examples/dask_training.py                 # 200,000 rows, 30 steps
    python examples/dask_training.py --rows 20000 --steps 10

The loss is plain NumPy code. Called with Dask arrays, the gradient pullback generates
builds one lazy Dask graph (forward and adjoint sweeps); `dask.compute(value, grad)`
then runs it on the cluster's workers, one pass over the data per step. Only the
parameters (a few numbers) live in this process. See docs/scale-out.md.
"""

from __future__ import annotations

import argparse

import dask
import dask.array as da
import numpy as np
from dask.distributed import Client, LocalCluster

import pullback


def loss(w, b, X, y):
    z = X @ w + b
    return np.mean(np.logaddexp(0.0, z) - y * z) + 1e-3 * np.sum(w * w)


def make_data(rows, features, chunk_rows, seed=0):
    """A chunked dataset, generated on the workers (it stands for files read there)."""
    rng = da.random.default_rng(seed)
    X = rng.standard_normal((rows, features), chunks=(chunk_rows, features))
    truth = np.linspace(-2.0, 2.0, features)
    y = (X @ truth + 0.5 * rng.standard_normal(rows, chunks=chunk_rows) > 0).astype(float)
    return X.persist(), y.persist()  # kept in the workers' memory across the steps


def train(X, y, steps, rate=0.5):
    w, b = np.zeros(X.shape[1]), 0.0
    value_and_grad = pullback.value_and_grad(loss, wrt=(0, 1))
    history = []
    for step in range(steps):
        value, (dw, db) = value_and_grad(w, b, X, y)  # lazy: nothing computed yet
        value, dw, db = dask.compute(value, dw, db)  # one pass over the data, on the cluster
        w, b = w - rate * dw, b - rate * db
        history.append(float(value))
        if step % 5 == 0 or step == steps - 1:
            print(f"step {step:3d}  loss {value:.5f}  |grad| {np.linalg.norm(dw):.2e}")
    return w, b, history


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--features", type=int, default=8)
    parser.add_argument("--chunk-rows", type=int, default=25_000)
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args(argv)

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster, Client(cluster):
        X, y = make_data(args.rows, args.features, args.chunk_rows)
        w, b, history = train(X, y, args.steps)
        accuracy = float(((X @ w + b > 0) == (y > 0.5)).mean().compute())
    print(f"trained weights {np.round(w, 2)}, bias {b:.3f}; training accuracy {accuracy:.3f}")
    assert history[-1] < history[0], "the loss went down"
    return history


if __name__ == "__main__":
    main()
