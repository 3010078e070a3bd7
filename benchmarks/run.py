#!/usr/bin/env python
"""Benchmark pullback's gradients against hand-written ones (and autograd, if present).

Run from the repository root:

    python benchmarks/run.py            # full run
    python benchmarks/run.py --quick    # fewer, shorter repetitions

See benchmarks/README.md for what each column means.
"""

import os

# Pin BLAS/OpenMP to one thread *before* numpy is imported, so small matrix
# products are not timed through a thread pool and runs are comparable.
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
for _var in THREAD_VARS:
    os.environ[_var] = "1"

import argparse  # noqa: E402
import importlib  # noqa: E402
import importlib.metadata  # noqa: E402
import importlib.util  # noqa: E402
import itertools  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import timeit  # noqa: E402

_NUMPY_PRELOADED = "numpy" in sys.modules

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import workloads  # noqa: E402

try:
    import pullback
except ImportError:  # not installed: use the repository's source tree
    sys.path.insert(0, os.path.join(ROOT, "src"))
    import pullback

try:
    import autograd
except ImportError:
    autograd = None


# Tolerances for "pullback (or autograd) agrees with the hand-written gradient".
RTOL = 1e-6
ATOL = 1e-9


# ---------------------------------------------------------------------------
# Reporting helpers
# ---------------------------------------------------------------------------


def fail(message):
    bar = "!" * 72
    print(f"\n{bar}\nBENCHMARK ABORTED: {message}\n{bar}", file=sys.stderr, flush=True)
    sys.exit(1)


def fmt_time(seconds):
    if seconds is None:
        return "n/a"
    if seconds < 1e-6:
        return f"{seconds * 1e9:.0f} ns"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3g} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


def fmt_ratio(num, den):
    if num is None or den is None:
        return "n/a"
    ratio = num / den
    return f"{ratio:.0f}" if ratio >= 100 else f"{ratio:.2f}"


def version_of(module, dist_name):
    version = getattr(module, "__version__", None)
    if version:
        return str(version)
    try:
        return importlib.metadata.version(dist_name)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def print_environment(quick):
    print("# pullback benchmark")
    print()
    for var in THREAD_VARS:
        print(f"{var}={os.environ.get(var)}")
    if _NUMPY_PRELOADED:
        print(
            "WARNING: numpy was imported before the thread variables were set; "
            "they may not have taken effect."
        )
    print(f"Python   {platform.python_version()} ({platform.python_implementation()})")
    print(f"NumPy    {np.__version__}")
    print(
        f"pullback {version_of(pullback, 'pullback')} "
        f"({getattr(pullback, '__file__', None) or 'no __file__'})"
    )
    if autograd is not None:
        print(f"autograd {version_of(autograd, 'autograd')}")
    else:
        print("autograd not installed (its columns show n/a)")
    print(f"machine  {platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}")
    print(f"mode     {'quick' if quick else 'full'}")
    print()


# ---------------------------------------------------------------------------
# Correctness checks
# ---------------------------------------------------------------------------


def check_agrees(name, label, got, ref, wrt):
    """Abort unless `got` has the structure of `ref` and every entry is allclose."""
    if not isinstance(got, tuple) or len(got) != len(ref):
        what = f"a tuple of length {len(got)}" if isinstance(got, tuple) else type(got).__name__
        fail(
            f"{name}: {label} returned {what}; expected a tuple of {len(ref)} gradients (wrt={wrt})"
        )
    for pos, g, r in zip(wrt, got, ref, strict=True):
        g = np.asarray(g, dtype=float)
        r = np.asarray(r, dtype=float)
        if g.shape != r.shape:
            fail(
                f"{name}: {label}'s gradient for argument {pos} has shape {g.shape}, "
                f"the hand-written one {r.shape}"
            )
        if not np.allclose(g, r, rtol=RTOL, atol=ATOL):
            err = np.max(np.abs(g - r))
            fail(
                f"{name}: {label}'s gradient for argument {pos} disagrees with the "
                f"hand-written one (max abs difference {err:.3e}, rtol={RTOL}, atol={ATOL})\n"
                f"  {label}: {np.array2string(g.ravel()[:6], precision=6)}...\n"
                f"  hand:    {np.array2string(r.ravel()[:6], precision=6)}..."
            )


def check_hand_by_finite_differences(w, args):
    """Guard the reference itself: a directional derivative by central differences."""
    rng = np.random.default_rng(12345)
    grads = w.hand(*args)
    dirs = [rng.standard_normal(np.shape(args[i])) for i in w.wrt]
    eps = 1e-6

    def shifted(sign):
        moved = list(args)
        for i, d in zip(w.wrt, dirs, strict=True):
            value = args[i] + sign * eps * d
            moved[i] = float(value) if np.ndim(value) == 0 else value
        return w.f(*moved)

    numeric = (shifted(+1) - shifted(-1)) / (2 * eps)
    analytic = sum(float(np.sum(np.asarray(g) * d)) for g, d in zip(grads, dirs, strict=True))
    if not abs(numeric - analytic) <= 1e-5 * max(1.0, abs(analytic)):
        fail(
            f"{w.name}: the hand-written gradient fails a finite-difference check "
            f"(directional derivative {analytic!r} vs central difference {numeric!r})"
        )


# ---------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------


def make_timer(fn, args):
    """A timeit.Timer calling fn(a0, a1, ...) with the function and arguments in locals."""
    names = [f"a{i}" for i in range(len(args))]
    setup = f"fn = _fn; {', '.join(names)}, = _args"
    stmt = f"fn({', '.join(names)})"
    return timeit.Timer(stmt, setup, globals={"_fn": fn, "_args": tuple(args)})


def calibrate(timer, min_time):
    """Like Timer.autorange: the smallest 1, 2, 5, 10, 20, ... loops taking >= min_time."""
    for power in itertools.count():
        for k in (1, 2, 5):
            number = k * 10**power
            if timer.timeit(number) >= min_time:
                return number
    raise AssertionError("unreachable")


def time_in_one_run(candidates, repeats, min_time):
    """Per-call time (min over repeats) of each candidate, repeats interleaved.

    Interleaving the candidates' repeats means a slow patch of the machine hits
    all of them alike instead of one candidate's whole measurement.
    """
    plans = {}
    for key, (fn, args) in candidates.items():
        timer = make_timer(fn, args)
        plans[key] = (timer, calibrate(timer, min_time))
    best = {key: float("inf") for key in plans}
    for _ in range(repeats):
        for key, (timer, number) in plans.items():
            best[key] = min(best[key], timer.timeit(number) / number)
    return best


_FRESH = itertools.count()


def fresh_function(name):
    """A brand-new function object: workloads.py executed again as a new module.

    The source file is the same, so pullback can still read the function's
    source, but the function, code object and globals are all new, which defeats
    caches keyed on any of them.
    """
    modname = f"_pullback_bench_fresh_{next(_FRESH)}"
    spec = importlib.util.spec_from_file_location(modname, workloads.__file__)
    module = importlib.util.module_from_spec(spec)
    sys.modules[modname] = module
    spec.loader.exec_module(module)
    return getattr(module, name)


def clear_pullback_cache():
    """Clear pullback.api._CACHE if the engine has one; report whether it did."""
    try:
        api = importlib.import_module("pullback.api")
    except ImportError:
        return False
    cache = getattr(api, "_CACHE", None)
    if cache is None or not hasattr(cache, "clear"):
        return False
    cache.clear()
    return True


def transform_latency(w, args, samples):
    """Min over samples of pullback.grad(f, wrt) on a fresh f, and of its first call."""
    transform, first_call = float("inf"), float("inf")
    cleared = False
    for _ in range(samples):
        f = fresh_function(w.f.__name__)
        cleared = clear_pullback_cache() or cleared
        t0 = time.perf_counter()
        df = pullback.grad(f, wrt=w.wrt)
        t1 = time.perf_counter()
        df(*args)
        t2 = time.perf_counter()
        transform = min(transform, t1 - t0)
        first_call = min(first_call, t2 - t1)
    return transform, first_call, cleared


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def run_workload(w, opts):
    args = w.make_args()
    print(f"## {w.name}  (wrt={w.wrt})")

    # Correctness first: the timings mean nothing if the gradients differ.
    check_hand_by_finite_differences(w, args)
    ref = w.hand(*args)
    try:
        df = pullback.grad(w.f, wrt=w.wrt)
        got = df(*args)
    except Exception:
        print(f"pullback failed on workload {w.name!r}:", file=sys.stderr)
        raise
    check_agrees(w.name, "pullback", got, ref, w.wrt)

    candidates = {"f": (w.f, args), "hand": (w.hand, args), "pullback": (df, args)}
    if autograd is not None and not opts.no_autograd:
        ag_df = autograd.grad(w.ag_f, w.wrt)
        check_agrees(w.name, "autograd", tuple(ag_df(*args)), ref, w.wrt)
        candidates["autograd"] = (ag_df, args)
    print(
        "gradients agree (pullback"
        + (", autograd" if "autograd" in candidates else "")
        + " vs hand-written; hand-written vs finite differences)"
    )

    times = time_in_one_run(candidates, opts.repeats, opts.min_time)
    transform, first_call, cleared = transform_latency(w, args, opts.transform_samples)
    times["transform"] = transform
    times["first_call"] = first_call

    for key in ("f", "hand", "pullback", "autograd"):
        if key in times:
            print(f"  {key:<9} {fmt_time(times[key]):>10} per call")
    print(
        f"  transform {fmt_time(transform):>10} for pullback.grad(f, wrt) on a fresh f "
        f"(cache {'cleared via pullback.api._CACHE' if cleared else 'hook absent'}), "
        f"then {fmt_time(first_call)} for its first call"
    )
    print()
    return times


def build_table(results):
    header = [
        "workload",
        "f",
        "hand-written",
        "pullback",
        "autograd",
        "grad/f (hand)",
        "grad/f (pullback)",
        "grad/f (autograd)",
        "pullback/hand",
        "transform ms",
    ]
    rows = []
    for w, t in results:
        pb_ratio = t["pullback"] / t["f"]
        verdict = "ok" if pb_ratio <= w.target else "MISSED"
        rows.append(
            [
                w.name,
                fmt_time(t["f"]),
                fmt_time(t["hand"]),
                fmt_time(t["pullback"]),
                fmt_time(t.get("autograd")),
                fmt_ratio(t["hand"], t["f"]),
                f"{pb_ratio:.2f} (target ≤ {w.target:g}: {verdict})",
                fmt_ratio(t.get("autograd"), t["f"]),
                fmt_ratio(t["pullback"], t["hand"]),
                f"{t['transform'] * 1e3:.1f}",
            ]
        )
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    right = [False] + [True] * (len(header) - 1)

    def line(cells):
        return (
            "| "
            + " | ".join(
                c.rjust(wd) if r else c.ljust(wd)
                for c, wd, r in zip(cells, widths, right, strict=True)
            )
            + " |"
        )

    sep = (
        "| "
        + " | ".join(
            ("-" * (wd - 1) + ":") if r else "-" * wd for wd, r in zip(widths, right, strict=True)
        )
        + " |"
    )
    return "\n".join([line(header), sep] + [line(r) for r in rows])


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--quick",
        action="store_true",
        help="fewer and shorter repetitions (noisier; for a smoke test)",
    )
    p.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        choices=[w.name for w in workloads.WORKLOADS],
        help="run only this workload (may be repeated)",
    )
    p.add_argument(
        "--no-autograd", action="store_true", help="skip autograd even if it is installed"
    )
    opts = p.parse_args(argv)
    if opts.quick:
        opts.repeats, opts.min_time, opts.transform_samples = 3, 0.02, 2
    else:
        opts.repeats, opts.min_time, opts.transform_samples = 7, 0.2, 5
    return opts


def main(argv=None):
    opts = parse_args(argv)
    print_environment(opts.quick)
    if not callable(getattr(pullback, "grad", None)):
        fail(
            f"the imported pullback ({getattr(pullback, '__file__', None) or pullback.__path__}) "
            "has no grad(); is the engine installed?"
        )
    print(
        f"timing: min over {opts.repeats} repeats, each looping for >= {opts.min_time:g} s; "
        f"transform: min over {opts.transform_samples} fresh functions"
    )
    print()
    selected = [w for w in workloads.WORKLOADS if not opts.only or w.name in opts.only]
    results = [(w, run_workload(w, opts)) for w in selected]
    print("## Results")
    print()
    print(build_table(results))
    print()
    print("grad/f = time of one gradient call / time of one call of f (lower is better).")
    print("Targets apply to pullback's grad/f.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
