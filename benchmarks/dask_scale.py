#!/usr/bin/env python
"""The gradient of a logistic-regression loss over a dataset larger than one Dask worker's
memory limit, on a dask.distributed LocalCluster, against the single-process NumPy gradient.

Run from the repository root:

    python benchmarks/dask_scale.py                     # 4 million rows x 16 (512 MB), 2 workers
    python benchmarks/dask_scale.py --rows 1000000      # smaller and quicker
    python benchmarks/dask_scale.py --gpu               # also CuPy on a GPU (where one exists)

The dataset is generated chunk by chunk on the workers (as if read from files), so it is
never whole in one process on the Dask side; each worker has a memory limit smaller than
the dataset. The script prints the time of the loss and of `value_and_grad` (one pass
over the data for both), and the peak resident memory of each worker process (its
`ru_maxrss`), against the same gradient with the data in one NumPy process (peak memory
traced by tracemalloc, the data included). Both gradients are checked to agree.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import time
import tracemalloc

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
try:
    import pullback
except ImportError:  # not installed: the repository's source tree
    sys.path.insert(0, os.path.join(os.path.dirname(HERE), "src"))
    import pullback


def logistic_loss(w, b, X, y):
    z = X @ w + b
    return np.mean(np.logaddexp(0.0, z) - y * z) + 1e-3 * np.sum(w * w)


def _peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _best(fn, repeat):
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def dataset(rows, features, chunk_rows, seed=0):
    """X (rows x features) and labels y, as Dask arrays generated on the workers."""
    import dask.array as da

    rng = da.random.default_rng(seed)
    X = rng.standard_normal((rows, features), chunks=(chunk_rows, features))
    truth = np.linspace(-1.0, 1.0, features)
    noise = rng.standard_normal(rows, chunks=chunk_rows)
    y = (X @ truth + noise > 0).astype(float)
    return X, y


def run_dask(args, w, b):
    import dask
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                           memory_limit=args.memory_limit, dashboard_address=None)
    client = Client(cluster)
    try:
        X, y = dataset(args.rows, args.features, args.chunk_rows)
        value_and_grad = pullback.value_and_grad(logistic_loss, wrt=(0, 1))
        start = time.perf_counter()
        lazy_value, (lazy_dw, lazy_db) = value_and_grad(w, b, X, y)
        build = time.perf_counter() - start
        dask.compute(X[:10].sum(), y[:10].sum())  # warm the workers up
        baseline = client.run(_peak_rss_mb)
        t_data, _ = _best(lambda: dask.compute(X.sum(), y.sum()), args.repeat)
        t_f, _ = _best(lambda: dask.compute(logistic_loss(w, b, X, y)), args.repeat)
        t_g, (value, dw, db) = _best(lambda: dask.compute(lazy_value, lazy_dw, lazy_db),
                                     args.repeat)
        peaks = client.run(_peak_rss_mb)
        return {"build": build, "data": t_data, "f": t_f, "grad": t_g, "value": value,
                "dw": dw, "db": db, "baseline": baseline, "peaks": peaks, "X": X, "y": y}
    finally:
        client.close()
        cluster.close()


def run_numpy(args, w, b, X, y):
    value_and_grad = pullback.value_and_grad(logistic_loss, wrt=(0, 1))
    value_and_grad(w, b, X[:10], y[:10])  # transformed and compiled outside the timing
    t_f, _ = _best(lambda: logistic_loss(w, b, X, y), args.repeat)
    tracemalloc.start()
    t_g, (value, (dw, db)) = _best(lambda: value_and_grad(w, b, X, y), args.repeat)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"f": t_f, "grad": t_g, "value": value, "dw": dw, "db": db,
            "peak": (peak + X.nbytes + y.nbytes) / 2**20}


def run_cupy(args, w, b, X, y):
    import cupy

    Xc, yc, wc = cupy.asarray(X), cupy.asarray(y), cupy.asarray(w)
    value_and_grad = pullback.value_and_grad(logistic_loss, wrt=(0, 1))

    def once():
        out = value_and_grad(wc, b, Xc, yc)
        cupy.cuda.Device().synchronize()
        return out

    once()
    t_g, (value, (dw, db)) = _best(once, args.repeat)
    assert isinstance(dw, cupy.ndarray), type(dw)
    return {"grad": t_g, "value": float(value), "dw": cupy.asnumpy(dw), "db": float(db)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=4_000_000)
    parser.add_argument("--features", type=int, default=16)
    parser.add_argument("--chunk-rows", type=int, default=250_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="400MiB", help="per worker")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--gpu", action="store_true", help="also run CuPy on the GPU")
    args = parser.parse_args(argv)

    import dask

    w, b = np.linspace(0.5, -0.5, args.features), 0.1
    data_mb = args.rows * (args.features + 1) * 8 / 2**20
    print(f"dask {dask.__version__}, numpy {np.__version__}, Python "
          f"{sys.version.split()[0]}, {os.cpu_count()} cores")
    print(f"dataset: {args.rows:,} rows x {args.features} features + labels = "
          f"{data_mb:.0f} MiB; {args.workers} workers, memory limit {args.memory_limit} each, "
          f"chunks of {args.chunk_rows:,} rows")

    lazy = run_dask(args, w, b)
    X, y = dask.compute(lazy["X"], lazy["y"], scheduler="threads")
    eager = run_numpy(args, w, b, X, y)
    np.testing.assert_allclose(lazy["dw"], eager["dw"], rtol=1e-8)
    np.testing.assert_allclose(lazy["db"], eager["db"], rtol=1e-8)
    np.testing.assert_allclose(lazy["value"], eager["value"], rtol=1e-10)

    print(f"\nDask ({args.workers} worker processes, data generated on the workers)")
    print(f"  building the lazy gradient     {lazy['build'] * 1e3:8.1f} ms (nothing computed)")
    print(f"  generating the data alone      {lazy['data']:8.2f} s   (X.sum(), y.sum())")
    print(f"  f (the loss)                   {lazy['f']:8.2f} s")
    print(f"  value_and_grad, one pass       {lazy['grad']:8.2f} s   "
          f"{lazy['grad'] / lazy['f']:.2f} x f")
    for address, peak in lazy["peaks"].items():
        print(f"  peak worker memory (RSS)       {peak:8.0f} MiB   "
              f"(after start-up {lazy['baseline'][address]:.0f} MiB)  {address}")
    print("\nNumPy (one process, the data in memory)")
    print(f"  f (the loss)                   {eager['f']:8.2f} s")
    print(f"  value_and_grad                 {eager['grad']:8.2f} s   "
          f"{eager['grad'] / eager['f']:.2f} x f")
    print(f"  peak memory (data + gradient)  {eager['peak']:8.0f} MiB")
    print("\nthe Dask and NumPy gradients agree (rtol 1e-8)")
    if args.gpu:
        gpu = run_cupy(args, w, b, X, y)
        np.testing.assert_allclose(gpu["dw"], eager["dw"], rtol=1e-8)
        print(f"\nCuPy (one GPU)\n  value_and_grad                 {gpu['grad']:8.3f} s   "
              f"{eager['grad'] / gpu['grad']:.1f} x faster than NumPy; gradients agree")


if __name__ == "__main__":
    main()
