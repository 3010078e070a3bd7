#!/usr/bin/env python
"""Benchmark pullback's gradients against the function, a hand-written gradient and peers.

Run from the repository root:

    python benchmarks/run.py            # full run (a few minutes with JAX installed)
    python benchmarks/run.py --quick    # fewer, shorter repetitions

The peers (autograd, JAX, PyTorch) are optional: `pip install -e ".[bench]"` installs
them, and a peer that is not installed shows `n/a`. See benchmarks/README.md for what
each number means.
"""

import os

# One thread everywhere, set *before* NumPy, JAX or PyTorch is imported, so small
# matrix products are not timed through a thread pool and the systems are compared
# on equal terms.
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
for _var in THREAD_VARS:
    os.environ[_var] = "1"
XLA_THREAD_FLAGS = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " " + XLA_THREAD_FLAGS).strip()
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # no XLA start-up chatter

import argparse  # noqa: E402
import ctypes  # noqa: E402
import gc  # noqa: E402
import importlib  # noqa: E402
import importlib.metadata  # noqa: E402
import importlib.util  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import timeit  # noqa: E402
import tracemalloc  # noqa: E402

_NUMPY_PRELOADED = "numpy" in sys.modules

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if HERE not in sys.path:
    sys.path.insert(0, HERE)

try:
    import pullback
except ImportError:  # not installed: use the repository's source tree
    sys.path.insert(0, os.path.join(ROOT, "src"))
    import pullback

try:
    import autograd
    import autograd.numpy as anp
except ImportError:
    autograd = anp = None

try:
    import jax

    jax.config.update("jax_enable_x64", True)  # float64, like the NumPy code
    import jax.numpy as jnp
except ImportError:
    jax = jnp = None

try:
    import torch

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
except ImportError:
    torch = None

import workloads  # noqa: E402  (after torch: workloads uses it when present)

try:  # the Numba backend's columns: pullback.grad(f, backend="numba"), Numba by hand
    import numba
    import numba_hand
except ImportError:
    numba = numba_hand = None

# Tolerances for "a system's gradient agrees with the hand-written one".
RTOL = 1e-6
ATOL = 1e-9
TRANSFORM_TARGET_MS = 50.0
MEMORY_STEPS = (100, 10_000)

# The gradient systems, in table order: key -> column label.
PEERS = {"autograd": "autograd", "jax": "JAX eager", "jax_jit": "JAX jit", "torch": "PyTorch"}
SYSTEMS = {"pullback": "pullback", "pullback_plain": "pullback, pass off", **PEERS}
# The Numba backend and its baselines (when Numba is installed, on the loop workloads).
NUMBA_SYSTEMS = {"f_numba": "f in Numba", "numba_hand": "Numba by hand",
                 "pullback_numba": "pullback numba"}


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


def fmt_bytes(n):
    if n is None:
        return "n/a"
    if n < 1024:
        return f"{n} B"
    if n < 1024**2:
        return f"{n / 1024:.1f} KiB"
    return f"{n / 1024**2:.2f} MiB"


def version_of(dist_name, module=None):
    try:
        return importlib.metadata.version(dist_name)
    except importlib.metadata.PackageNotFoundError:
        return str(getattr(module, "__version__", "unknown"))


def markdown_table(header, rows):
    """A Markdown table, first column left-aligned and the others right-aligned."""
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]

    def line(cells):
        padded = [
            str(c).ljust(wd) if i == 0 else str(c).rjust(wd)
            for i, (c, wd) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    sep = (
        "| "
        + " | ".join("-" * wd if i == 0 else "-" * (wd - 1) + ":" for i, wd in enumerate(widths))
        + " |"
    )
    return "\n".join([line(header), sep] + [line(r) for r in rows])


def print_environment(opts):
    print("# pullback benchmark")
    print()
    print("threads:")
    for var in THREAD_VARS:
        print(f"  {var}={os.environ.get(var)}")
    print(f"  XLA_FLAGS={os.environ.get('XLA_FLAGS')}")
    if torch is not None:
        print(
            f"  torch.get_num_threads()={torch.get_num_threads()}, "
            f"torch.get_num_interop_threads()={torch.get_num_interop_threads()}"
        )
    if _NUMPY_PRELOADED:
        print(
            "WARNING: numpy was imported before the thread variables were set; "
            "they may not have taken effect."
        )
    print("versions:")
    print(f"  Python   {platform.python_version()} ({platform.python_implementation()})")
    print(f"  NumPy    {np.__version__}")
    print(
        f"  pullback {version_of('pullback', pullback)} "
        f"({getattr(pullback, '__file__', None) or 'no __file__'})"
    )
    for dist, module in (("autograd", autograd), ("jax", jax), ("jaxlib", jax), ("torch", torch)):
        status = version_of(dist, module) if module is not None else "not installed (n/a)"
        print(f"  {dist:<8} {status}")
    if jax is not None:
        print(f"  JAX devices: {jax.devices()}, x64 enabled")
    skipped = sorted(set(opts.skip))
    if skipped:
        print(f"  skipped on request: {', '.join(skipped)}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}")
    print(f"mode: {'quick' if opts.quick else 'full'}")
    print()


# ---------------------------------------------------------------------------
# The systems: each gradient as a callable returning a tuple, with its own arguments
# ---------------------------------------------------------------------------


def to_jax(args):
    return tuple(jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args)


def to_torch(args):
    return tuple(
        torch.from_numpy(a) if isinstance(a, np.ndarray) else torch.tensor(a, dtype=torch.float64)
        for a in args
    )


def torch_grad(f, wrt):
    """Gradient of f in PyTorch's usual way: leaves that require grad, forward, backward."""

    def grad_f(*args):
        args = list(args)
        leaves = []
        for i in wrt:
            args[i] = args[i].detach().requires_grad_()
            leaves.append(args[i])
        return torch.autograd.grad(f(*args), leaves)

    return grad_f


def jax_blocking(fn):
    """Wait for JAX's asynchronous dispatch, so the time is the computation's."""

    def call(*args):
        return jax.block_until_ready(fn(*args))

    return call


def available_peers(opts):
    present = {
        "autograd": autograd is not None,
        "jax": jax is not None,
        "jax_jit": jax is not None,
        "torch": torch is not None,
    }
    return [key for key in PEERS if present[key] and key not in opts.skip]


def build_peer(key, w, args):
    """(gradient callable, its arguments, one-time set-up seconds or None) for a peer."""
    if key == "autograd":
        return autograd.grad(workloads.with_numpy(w.f, anp), w.wrt), args, None
    if key == "jax":
        fj = workloads.with_numpy(w.f, jnp)
        return jax_blocking(jax.grad(fj, w.wrt)), to_jax(args), None
    if key == "jax_jit":
        fj = workloads.with_numpy(w.f, jnp)
        fn, jargs = jax_blocking(jax.jit(jax.grad(fj, w.wrt))), to_jax(args)
        t0 = CLOCK[0]()
        fn(*jargs)  # trace, compile, run once
        return fn, jargs, CLOCK[0]() - t0
    if key == "torch":
        return torch_grad(w.torch_f, w.wrt), to_torch(args), None
    raise AssertionError(key)


def as_numpy(g):
    if torch is not None and isinstance(g, torch.Tensor):
        return g.detach().numpy()
    return np.asarray(g, dtype=float)


# ---------------------------------------------------------------------------
# Correctness checks
# ---------------------------------------------------------------------------


def check_agrees(name, label, got, ref, wrt):
    """Abort unless `got` has the structure of `ref` and every entry is allclose."""
    if not isinstance(got, (tuple, list)) or len(got) != len(ref):
        what = f"a sequence of length {len(got)}" if isinstance(got, (tuple, list)) else type(got)
        fail(f"{name}: {label} returned {what}; expected {len(ref)} gradients (wrt={wrt})")
    for pos, g, r in zip(wrt, got, ref, strict=True):
        g = as_numpy(g)
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


def _moved(args, i, value):
    moved = list(args)
    moved[i] = float(value) if np.ndim(value) == 0 else value
    return moved


def check_hand_coordinatewise(w, eps=1e-6):
    """On the small instance: every partial derivative by central differences."""
    args = w.make_args(small=True)
    grads = w.hand(*args)
    worst = 0.0
    for i, g in zip(w.wrt, grads, strict=True):
        x = np.asarray(args[i], dtype=float)
        g = np.asarray(g, dtype=float)
        if g.shape != x.shape:
            fail(
                f"{w.name}: the hand-written gradient for argument {i} has shape {g.shape}, "
                f"the argument {x.shape}"
            )
        for idx in np.ndindex(x.shape):
            step = np.zeros_like(x)
            step[idx] = eps
            up = w.f(*_moved(args, i, x + step))
            down = w.f(*_moved(args, i, x - step))
            numeric = (up - down) / (2 * eps)
            err = abs(numeric - g[idx])
            if not err <= 1e-6 + 1e-5 * abs(numeric):
                fail(
                    f"{w.name}: the hand-written d f / d arg{i}{list(idx)} = {g[idx]!r} on the "
                    f"small instance, but central differences give {numeric!r}"
                )
            worst = max(worst, err)
    return worst, sum(np.size(args[i]) for i in w.wrt)


def check_hand_directional(w, args):
    """On the benchmarked instance: a directional derivative by central differences."""
    rng = np.random.default_rng(12345)
    grads = w.hand(*args)
    dirs = [rng.standard_normal(np.shape(args[i])) for i in w.wrt]
    eps = 1e-6

    def shifted(sign):
        moved = list(args)
        for i, d in zip(w.wrt, dirs, strict=True):
            moved = _moved(moved, i, args[i] + sign * eps * d)
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


# The clock the timings read: wall time, or with --cpu-time the process's CPU time (of all
# its threads: JAX's runtime computes on a thread of its own, which on an idle second core
# wall time does not count; on a loaded machine wall time is mostly waiting for a core).
CLOCK = [time.perf_counter]


def make_timer(fn, args):
    """A timeit.Timer calling fn(a0, a1, ...) with the function and arguments in locals."""
    names = [f"a{i}" for i in range(len(args))]
    setup = f"fn = _fn; {', '.join(names)}, = _args"
    stmt = f"fn({', '.join(names)})"
    return timeit.Timer(stmt, setup, timer=CLOCK[0],
                        globals={"_fn": fn, "_args": tuple(args)})


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
    source, but the function, code object and globals (and the helpers it calls)
    are all new, which defeats caches keyed on any of them.
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
# One workload
# ---------------------------------------------------------------------------


def run_workload(w, opts):
    args = w.make_args()
    print(f"## {w.name}  (wrt={w.wrt})")

    # Correctness first: the timings mean nothing if the gradients differ.
    worst, count = check_hand_coordinatewise(w)
    check_hand_directional(w, args)
    ref = w.hand(*args)
    try:
        df = pullback.grad(w.f, wrt=w.wrt)
        got = df(*args)
    except Exception:
        print(f"pullback failed on workload {w.name!r}:", file=sys.stderr)
        raise
    check_agrees(w.name, "pullback", got, ref, w.wrt)
    plain = pullback.grad(w.f, wrt=w.wrt, optimize=False)  # without the optimizing pass
    check_agrees(w.name, "pullback, pass off", plain(*args), ref, w.wrt)
    candidates = {"f": (w.f, args), "hand": (w.hand, args), "pullback": (df, args),
                  "pullback_plain": (plain, args)}
    setup = {}
    for key in available_peers(opts):
        try:
            fn, peer_args, seconds = build_peer(key, w, args)
            got = tuple(fn(*peer_args))
        except Exception as exc:  # noqa: BLE001 - in-place writes, say: a column of n/a
            print(f"  {SYSTEMS[key]} cannot run {w.name}: {type(exc).__name__}: "
                  f"{str(exc).splitlines()[0][:120] if str(exc) else ''}")
            continue
        check_agrees(w.name, SYSTEMS[key], got, ref, w.wrt)
        candidates[key] = (fn, peer_args)
        if seconds is not None:
            setup[key] = seconds
    numba_first = None
    if numba is not None and w.name in numba_hand.BASELINES and "numba" not in opts.skip:
        f_numba, grad_numba = numba_hand.BASELINES[w.name]
        compiled = pullback.grad(w.f, wrt=w.wrt, backend="numba")
        check_agrees(w.name, "pullback numba", compiled(*args), ref, w.wrt)
        check_agrees(w.name, "Numba by hand", grad_numba(*args), ref, w.wrt)
        if not np.allclose(f_numba(*args), w.f(*args), rtol=1e-12, atol=1e-12):
            fail(f"{w.name}: f in Numba disagrees with f")
        candidates.update({"f_numba": (f_numba, args), "numba_hand": (grad_numba, args),
                           "pullback_numba": (compiled, args)})
        numba_first = numba_first_call(w.name)
    print(
        f"hand-written gradient = central differences on the small instance "
        f"({count} partials, worst abs error {worst:.1e}) and along a random direction "
        "on the benchmarked one"
    )
    agreeing = ", ".join(SYSTEMS[k] for k in candidates if k in SYSTEMS)
    print(f"gradients agree with the hand-written one (rtol={RTOL:g}, atol={ATOL:g}): {agreeing}")

    times = time_in_one_run(candidates, opts.repeats, opts.min_time)
    transform, first_call, cleared = transform_latency(w, args, opts.transform_samples)

    label = {"f": "f", "hand": "hand-written", **SYSTEMS, **NUMBA_SYSTEMS}
    for key, t in times.items():
        extra = ""
        if key != "f":
            extra = f"   {fmt_ratio(t, times['f']):>6} x f"
            extra += f"   {fmt_ratio(t, times['hand']):>6} x hand"
        print(f"  {label[key]:<13}{fmt_time(t):>10} per call{extra}")
    if "jax_jit" in setup:
        print(f"  JAX jit: first call (trace + compile + run) {fmt_time(setup['jax_jit'])}")
    if numba_first is not None:
        print(f"  pullback numba: first call in a fresh process (transform + compile + run) "
              f"{fmt_time(numba_first['first'])}, after Numba's start-up (its import and a "
              f"trivial function compiled: {fmt_time(numba_first['warm'])})")
    print(
        f"  pullback transform {fmt_time(transform)} for pullback.grad(f, wrt) on a fresh f "
        f"(cache {'cleared via pullback.api._CACHE' if cleared else 'hook absent'}), "
        f"then {fmt_time(first_call)} for its first call"
    )
    print()
    return {
        "times": times,
        "transform": transform,
        "first_call": first_call,
        "jit_compile": setup.get("jax_jit"),
        "numba_first": numba_first,
    }


def numba_first_call(name):
    """In a fresh process: pullback.grad(f, backend="numba") and its first call (the
    transform, Numba's compilation of the gradient and of the helpers it calls, one run),
    after Numba is imported and has compiled one trivial function (its own start-up)."""
    cmd = [sys.executable, os.path.abspath(__file__), "--numba-child", name,
           *(["--cpu-time"] if CLOCK[0] is time.process_time else [])]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        fail(f"the first call of {name}'s Numba gradient failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def numba_child(name):
    clock = CLOCK[0]
    t1 = clock()  # Numba is imported at the top of this script, by now
    numba.njit(lambda x: x + 1.0)(1.0)
    t2 = clock()
    w = next(w for w in workloads.WORKLOADS if w.name == name)
    args = w.make_args()
    t3 = clock()
    pullback.grad(w.f, wrt=w.wrt, backend="numba")(*args)
    t4 = clock()
    print(json.dumps({"warm": t2 - t1, "first": t4 - t3}))


# ---------------------------------------------------------------------------
# Peak memory of the RNN gradient
# ---------------------------------------------------------------------------


def memory_callables(steps, systems):
    """(label -> (callable, args)) for the RNN at `steps` steps."""
    w = next(w for w in workloads.WORKLOADS if w.name == "rnn")
    args = workloads.rnn_args(steps=steps)
    out = {"f": (w.f, args), "hand": (w.hand, args)}
    df = pullback.grad(w.f, wrt=w.wrt)
    df(*workloads.rnn_args(steps=3))  # any one-time work happens outside the measurement
    out["pullback"] = (df, args)
    if "autograd" in systems:
        out["autograd"] = (autograd.grad(workloads.with_numpy(w.f, anp), w.wrt), args)
    if "torch" in systems:
        out["torch"] = (torch_grad(w.torch_f, w.wrt), to_torch(args))
    return out


def traced_peak(fn, args):
    """Peak bytes allocated (as tracemalloc sees them: Python and NumPy) during fn(*args)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    base, _ = tracemalloc.get_traced_memory()
    try:
        fn(*args)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - base


def _status_kib(field):
    """A field of /proc/self/status in KiB (VmRSS: resident now, VmHWM: its peak)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(f"no {field} in /proc/self/status")


def memory_child(system, steps):
    """In a fresh process: how far one call raises the peak resident set size.

    The peak is the kernel's high-water mark VmHWM, reset to the current RSS just
    before the call (Linux >= 4.0). getrusage's ru_maxrss cannot be used after a
    fork: on Linux it also holds the parent's resident size at the exec."""
    fn, args = memory_callables(steps, {system})[system]
    fn(*memory_callables(3, {system})[system][1])  # warm up code paths on a tiny instance
    # Give the memory freed since start-up (imports, transforms) back to the system, so
    # the call cannot hide in it, then reset the peak mark to the current RSS.
    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)  # glibc
    except (OSError, AttributeError):
        pass
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        before = _status_kib("VmRSS")
    except OSError:  # not Linux, or the reset is not allowed
        print(json.dumps({"kib": None}))
        return
    fn(*args)
    print(json.dumps({"kib": _status_kib("VmHWM") - before}))


def rss_growth(system, steps):
    cmd = [sys.executable, os.path.abspath(__file__), "--memory-child", system, str(steps)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        fail(f"memory measurement of {system} at {steps} steps failed:\n{proc.stderr}")
    kib = json.loads(proc.stdout.strip().splitlines()[-1])["kib"]
    return None if kib is None else kib * 1024


def run_memory(opts):
    systems = [s for s in ("autograd", "torch") if s in available_peers(opts)]
    print("## Peak memory of the RNN gradient (hidden 32, input 16)")
    labels = {"f": "f", "hand": "hand-written", **SYSTEMS}
    rows = []
    for steps in MEMORY_STEPS:
        calls = memory_callables(steps, set(systems))
        w = next(w for w in workloads.WORKLOADS if w.name == "rnn")
        ref = w.hand(*calls["hand"][1])
        for key in calls:
            if key not in ("f", "hand"):
                fn, args = calls[key]
                check_agrees(f"rnn at {steps} steps", labels[key], tuple(fn(*args)), ref, w.wrt)
        for key, (fn, args) in calls.items():
            traced = None if key == "torch" else traced_peak(fn, args)
            rows.append(
                [f"{steps:,}", labels[key], fmt_bytes(traced), fmt_bytes(rss_growth(key, steps))]
            )
        print(f"  {steps:,} steps measured (gradients agree with the hand-written one)")
    print()
    return rows


# ---------------------------------------------------------------------------
# Summary tables
# ---------------------------------------------------------------------------


def build_tables(results, peers):
    cols = ["pullback", "pullback_plain", *peers]
    times = [
        [w.name, fmt_time(r["times"]["f"]), fmt_time(r["times"]["hand"])]
        + [fmt_time(r["times"].get(k)) for k in cols]
        for w, r in results
    ]
    per_f, per_hand, targets = [], [], []
    verdicts = []
    for w, r in results:
        t = r["times"]
        pb = t["pullback"] / t["f"]
        met = pb <= w.target
        verdicts.append((f"{w.name} grad/f ≤ {w.target:g}", met))
        per_f.append(
            [
                w.name,
                fmt_ratio(t["hand"], t["f"]),
                f"{pb:.2f}",
                f"≤ {w.target:g}",
                "met" if met else "MISSED",
                fmt_ratio(t.get("pullback_plain"), t["f"]),
            ]
            + [fmt_ratio(t.get(k), t["f"]) for k in peers]
        )
        per_hand.append([w.name] + [fmt_ratio(t.get(k), t["hand"]) for k in cols])
        speedup = t["autograd"] / t["pullback"] if "autograd" in t else None
        if w.autograd_speedup is None:
            ag_cell = fmt_ratio(t.get("autograd"), t["pullback"])
        elif speedup is None:
            ag_cell = f"n/a (target ≥ {w.autograd_speedup:g})"
        else:
            ok = speedup >= w.autograd_speedup
            verdicts.append((f"{w.name} autograd/pullback ≥ {w.autograd_speedup:g}", ok))
            ag_cell = (
                f"{fmt_ratio(t['autograd'], t['pullback'])} (≥ {w.autograd_speedup:g}: "
                f"{'met' if ok else 'MISSED'})"
            )
        ms = r["transform"] * 1e3
        ok = ms <= TRANSFORM_TARGET_MS
        verdicts.append((f"{w.name} transform ≤ {TRANSFORM_TARGET_MS:g} ms", ok))
        targets.append(
            [
                w.name,
                ag_cell,
                f"{ms:.1f} ({'met' if ok else 'MISSED'})",
                f"{r['first_call'] * 1e3:.2f}",
                fmt_time(r["jit_compile"]) if r["jit_compile"] is not None else "n/a",
            ]
        )
    numba_rows = []
    for w, r in results:
        t, first = r["times"], r.get("numba_first")
        if "pullback_numba" not in t:
            continue
        pb, jit = t["pullback_numba"], t.get("jax_jit")
        numba_rows.append([
            w.name, fmt_time(t["f_numba"]), fmt_time(t["numba_hand"]), fmt_time(pb),
            fmt_time(jit), fmt_ratio(t["numba_hand"], t["f_numba"]),
            fmt_ratio(pb, t["f_numba"]), fmt_ratio(pb, t["numba_hand"]),
            fmt_ratio(pb, jit), fmt_ratio(jit, t["f"]), fmt_ratio(pb, t["f"]),
            fmt_time(first["first"]), fmt_time(r["jit_compile"]),
            fmt_ratio(first["first"], r["jit_compile"]),
        ])
        verdicts.append((f"{w.name} pullback numba grad / f in Numba ≤ 3",
                         pb / t["f_numba"] <= 3))
        verdicts.append((f"{w.name} pullback numba ≤ 1.3 × Numba by hand",
                         pb / t["numba_hand"] <= 1.3))
        verdicts.append((f"{w.name} pullback numba first call ≤ 1 s", first["first"] <= 1.0))
        if jit is not None:
            verdicts.append((f"{w.name} pullback numba faster than JAX jit", pb < jit))
    peer_labels = [PEERS[k] for k in peers]
    col_labels = [SYSTEMS[k] for k in cols]
    out = [
        "### Time per call",
        "",
        markdown_table(["workload", "f", "hand-written", *col_labels], times),
        "",
        "### Gradient time / f time (grad/f), with pullback's target",
        "",
        markdown_table(
            ["workload", "hand-written", "pullback", "target", "met?", "pass off",
             *peer_labels], per_f
        ),
        "",
        "### Gradient time / hand-written gradient time",
        "",
        markdown_table(["workload", *col_labels], per_hand),
        "",
        "### Other targets and one-time costs",
        "",
        markdown_table(
            [
                "workload",
                "autograd / pullback",
                "pullback transform ms (≤ 50)",
                "pullback first call ms",
                "JAX jit first call (compile)",
            ],
            targets,
        ),
    ]
    if numba_rows:
        out += [
            "",
            "### The Numba backend (pullback.grad(f, backend=\"numba\")) against Numba by "
            "hand and JAX jit",
            "",
            markdown_table(
                ["workload", "f in Numba", "Numba by hand", "pullback numba", "JAX jit",
                 "hand / f_numba", "pullback numba / f_numba", "pullback numba / hand",
                 "pullback numba / JAX jit", "JAX jit / f", "pullback numba / f",
                 "pullback numba first call", "JAX jit first call", "first-call ratio"],
                numba_rows),
        ]
    return "\n".join(out), verdicts


SPELLING_TARGET = 1.2  # a helper called in a loop: gradient time / the body written inline


def run_spelling(opts):
    """The HMM's gradient with its logsumexp helper called at each step, against the same
    algorithm with the helper's body written out (workloads.hmm_inline), in one run."""
    w = next(w for w in workloads.WORKLOADS if w.name == "hmm")
    args = w.make_args()
    helper = pullback.grad(fresh_function("hmm"), wrt=w.wrt)
    inline = pullback.grad(fresh_function("hmm_inline"), wrt=w.wrt)
    check_agrees("hmm_inline", "pullback", inline(*args), helper(*args), w.wrt)
    t = time_in_one_run({"helper": (helper, args), "inline": (inline, args)},
                        opts.repeats, opts.min_time)
    ratio = t["helper"] / t["inline"]
    met = ratio <= SPELLING_TARGET
    table = markdown_table(
        ["workload", "helper called / body inline", "target", "met?"],
        [["hmm", f"{ratio:.2f}", f"≤ {SPELLING_TARGET:g}", "met" if met else "MISSED"]])
    return table, (f"hmm helper / inline ≤ {SPELLING_TARGET:g}", met)


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
        "--skip",
        action="append",
        default=[],
        choices=[*PEERS, "numba"],
        help="leave out a peer (or numba: the Numba backend's columns) even if it is "
             "installed (may be repeated)",
    )
    p.add_argument("--no-autograd", action="store_true", help="same as --skip autograd")
    p.add_argument("--no-memory", action="store_true", help="skip the RNN memory measurement")
    p.add_argument("--no-forward", action="store_true",
                   help="skip forward mode (jvp/f, hvp/f, Jacobians)")
    p.add_argument("--cpu-time", action="store_true",
                   help="time calls by the process's CPU time (all its threads), not wall time")
    p.add_argument("--memory-child", nargs=2, metavar=("SYSTEM", "STEPS"), help=argparse.SUPPRESS)
    p.add_argument("--numba-child", metavar="WORKLOAD", help=argparse.SUPPRESS)
    opts = p.parse_args(argv)
    if opts.no_autograd:
        opts.skip.append("autograd")
    if opts.cpu_time:
        CLOCK[0] = time.process_time
    if opts.quick:
        opts.repeats, opts.min_time, opts.transform_samples = 3, 0.02, 2
    else:
        opts.repeats, opts.min_time, opts.transform_samples = 7, 0.2, 5
    return opts


def main(argv=None):
    opts = parse_args(argv)
    if opts.memory_child:
        memory_child(opts.memory_child[0], int(opts.memory_child[1]))
        return 0
    if opts.numba_child:
        numba_child(opts.numba_child)
        return 0
    print_environment(opts)
    if not callable(getattr(pullback, "grad", None)):
        fail(
            f"the imported pullback ({getattr(pullback, '__file__', None) or pullback.__path__}) "
            "has no grad(); is the engine installed?"
        )
    print(
        f"timing ({'CPU' if opts.cpu_time else 'wall'} time): min over {opts.repeats} repeats, "
        f"each looping for >= {opts.min_time:g} s, "
        f"all systems interleaved in one run; transform: min over "
        f"{opts.transform_samples} fresh functions"
    )
    print()
    started = time.perf_counter()
    selected = [w for w in workloads.WORKLOADS if not opts.only or w.name in opts.only]
    results = [(w, run_workload(w, opts)) for w in selected]
    memory_rows = None
    if not opts.no_memory and any(w.name == "rnn" for w in selected):
        memory_rows = run_memory(opts)
    peers = available_peers(opts)
    forward_rows, higher_rows = [], []
    if not opts.no_forward:
        from forward import run_forward

        forward_rows = run_forward(opts, time_in_one_run, fmt_time, fmt_ratio, peers)
        from higher import run_higher

        higher_rows = run_higher(opts, time_in_one_run, fmt_time, fmt_ratio)
    tables, verdicts = build_tables(results, peers)
    verdicts += [(f"{name} jvp/f <= 2", met) for name, _, met in forward_rows]
    verdicts += [(f"{name} <= {target:g}", met) for name, _, target, met in higher_rows]
    spelling = None
    if any(w.name == "hmm" for w in selected):
        spelling, verdict = run_spelling(opts)
        verdicts.append(verdict)
    print("## Results")
    print()
    print(tables)
    print()
    if spelling:
        print("### Speed that does not depend on spelling (gradient time)")
        print()
        print(spelling)
        print()
    if memory_rows:
        print("### Peak memory of one RNN gradient call")
        print()
        print(
            markdown_table(
                ["steps", "system", "tracemalloc peak", "peak RSS growth (VmHWM)"], memory_rows
            )
        )
        print()
    print("grad/f = time of one gradient call / time of one call of f (lower is better).")
    print("Targets apply to pullback.")
    print()
    missed = [name for name, ok in verdicts if not ok]
    print(f"targets met: {len(verdicts) - len(missed)} of {len(verdicts)}")
    for name in missed:
        print(f"  MISSED: {name}")
    print(f"(whole run: {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
