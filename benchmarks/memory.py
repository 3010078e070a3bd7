"""Peak memory and time of long-loop gradients: unconstrained, checkpointed, by hand.

Two workloads: the RNN of benchmarks/workloads.py (hidden 32, input 16) and a long
scalar ODE integration (explicit Euler). For each number of steps T, each system runs
in a fresh process: one call to warm up on a tiny instance (JAX: on the instance itself,
so compilation is left out), then timed calls (the best of those made in 0.5 s; one at
T > 10^4), one
call measuring the growth of the resident set (the kernel's high-water mark, reset just
before), and one under tracemalloc (Python and NumPy allocations). Systems:

- pullback: the gradient as it is (a record per step);
- pullback s=10, s=100, s=sqrt(T): `pullback.grad(f, checkpoint=s)` (revolve);
- hand-written: the textbook gradient, keeping every state;
- autograd, and autograd with `autograd.checkpoint` over chunks of sqrt(T) steps;
- JAX: `lax.scan`, and `jax.checkpoint` over an outer scan of sqrt(T)-step chunks
  (tracemalloc does not see XLA's buffers: its column is n/a).

Every gradient is checked against pullback's unconstrained one before it is measured
(relative difference below 1e-8). Run:

    python benchmarks/memory.py                      # T = 10^3, 10^4, 10^5
    python benchmarks/memory.py --steps 1000000 --only rnn --systems "pullback s=100" \\
        --systems "pullback s=sqrt(T)"
    python benchmarks/memory.py --json out.json --plot docs/memory.png
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import math
import os
import subprocess
import sys
import time
import tracemalloc

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import workloads  # noqa: E402

import pullback  # noqa: E402

# ---------------------------------------------------------------------------- workloads


def ode(k, w, y0, steps):
    """Explicit Euler for y' = -k y + sin(w t) y over t in [0, 1], `steps` steps."""
    y = y0
    dt = 1.0 / steps
    for i in range(steps):
        y = y + dt * (-k * y + math.sin(w * (i * dt)) * y)
    return y


def ode_hand(k, w, y0, steps):
    dt = 1.0 / steps
    ys = [y0]
    y = y0
    for i in range(steps):
        y = y + dt * (-k * y + math.sin(w * (i * dt)) * y)
        ys.append(y)
    dk = dw = 0.0
    dy = 1.0
    for i in range(steps - 1, -1, -1):
        y, t = ys[i], i * dt
        s = math.sin(w * t)
        dk -= dy * dt * y
        dw += dy * dt * math.cos(w * t) * t * y
        dy = dy * (1.0 + dt * (-k + s))
    return (dk, dw)


def ode_args(steps):
    return (0.7, 3.0, 1.0, steps)


WORKLOADS = {
    "rnn": (workloads.rnn, workloads.rnn_hand, (0, 1), lambda T: workloads.rnn_args(steps=T)),
    "ode": (ode, ode_hand, (0, 1), ode_args),
}

# ---------------------------------------------------------------------------- systems


def _autograd(name, T, chunked):
    import autograd
    import autograd.numpy as anp
    from autograd import checkpoint as ag_checkpoint

    f, _, wrt, _ = WORKLOADS[name]
    plain = workloads.with_numpy(f, anp)
    if not chunked:
        return autograd.grad(plain, wrt)
    chunk = max(1, int(math.isqrt(T)))
    if name == "rnn":
        def block(Wh, Wx, xs, h):
            for t in range(xs.shape[0]):
                h = anp.tanh(Wh @ h + Wx @ xs[t])
            return h
        block = ag_checkpoint(block)

        def run(Wh, Wx, xs, h0):
            h = h0
            for a in range(0, xs.shape[0], chunk):
                h = block(Wh, Wx, xs[a:a + chunk], h)
            return anp.sum(h)
    else:
        def block(k, w, y, a, b, dt):
            for i in range(a, b):
                y = y + dt * (-k * y + anp.sin(w * (i * dt)) * y)
            return y
        block = ag_checkpoint(block)

        def run(k, w, y0, steps):
            y, dt = y0, 1.0 / steps
            for a in range(0, steps, chunk):
                y = block(k, w, y, a, min(a + chunk, steps), dt)
            return y
    return autograd.grad(run, wrt)


def _jax(name, T, chunked):
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)

    if name == "rnn":
        def step(carry, x, Wh, Wx):
            return jnp.tanh(Wh @ carry + Wx @ x), None

        def loss(Wh, Wx, xs, h0):
            body = lambda h, x: step(h, x, Wh, Wx)  # noqa: E731
            if not chunked:
                h, _ = jax.lax.scan(body, h0, xs)
                return jnp.sum(h)
            chunk = max(1, int(math.isqrt(xs.shape[0])))
            n = xs.shape[0] // chunk * chunk
            inner = jax.checkpoint(lambda h, c: (jax.lax.scan(body, h, c)[0], None))
            h, _ = jax.lax.scan(inner, h0, xs[:n].reshape(-1, chunk, xs.shape[1]))
            h, _ = jax.lax.scan(body, h, xs[n:])
            return jnp.sum(h)
        grad = jax.jit(jax.grad(loss, (0, 1)))
        return lambda Wh, Wx, xs, h0: tuple(np.asarray(g) for g in grad(Wh, Wx, xs, h0))

    def loss(k, w, y0, ts, dt):
        body = lambda y, t: (y + dt * (-k * y + jnp.sin(w * t) * y), None)  # noqa: E731
        if not chunked:
            return jax.lax.scan(body, y0, ts)[0]
        chunk = max(1, int(math.isqrt(ts.shape[0])))
        n = ts.shape[0] // chunk * chunk
        inner = jax.checkpoint(lambda y, c: (jax.lax.scan(body, y, c)[0], None))
        y, _ = jax.lax.scan(inner, y0, ts[:n].reshape(-1, chunk))
        return jax.lax.scan(body, y, ts[n:])[0]
    grad = jax.jit(jax.grad(loss, (0, 1)))

    def run(k, w, y0, steps):
        dt = 1.0 / steps
        return tuple(float(g) for g in grad(k, w, y0, jnp.arange(steps) * dt, dt))
    return run


def make(system, name, T):
    """The gradient function of `system` for workload `name` at T steps."""
    f, hand, wrt, _ = WORKLOADS[name]
    if system == "hand-written":
        return hand
    if system.startswith("pullback"):
        budget = None
        if "s=" in system:
            budget = system.split("s=")[1]
            budget = max(1, math.isqrt(T)) if budget == "sqrt(T)" else int(budget)
        return pullback.grad(f, wrt=wrt, checkpoint=budget)
    if system.startswith("autograd"):
        return _autograd(name, T, "sqrt" in system)
    if system.startswith("JAX"):
        return _jax(name, T, "remat" in system)
    raise ValueError(system)


SYSTEMS = ["pullback", "pullback s=10", "pullback s=100", "pullback s=sqrt(T)",
           "hand-written", "autograd", "autograd checkpoint sqrt(T)", "JAX scan",
           "JAX remat sqrt(T)"]

# ---------------------------------------------------------------------------- measuring


def _status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(field)


def _close(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.max(np.abs(a - b)) <= 1e-8 * max(1.0, np.max(np.abs(b)))


def child(system, name, T):
    """One measurement, in this fresh process: prints a JSON line."""
    _, _, _, make_args = WORKLOADS[name]
    fn = make(system, name, T)
    small = make_args(3)
    fn(*small)  # warm up: transforms, compilation
    args = make_args(T)
    if system.startswith("JAX"):
        fn(*args)  # compiled for these shapes
    reference = pullback.grad(WORKLOADS[name][0], wrt=WORKLOADS[name][2])(*args)
    seconds, spent = math.inf, 0.0
    while spent == 0.0 or (spent < 0.5 and T <= 10_000):
        start = time.perf_counter()
        got = fn(*args)
        seconds = min(seconds, time.perf_counter() - start)
        spent += time.perf_counter() - start  # the best of several calls, up to 0.5 s
    if not all(_close(g, r) for g, r in zip(got, reference)):
        print(json.dumps({"error": "gradient differs"}))
        return
    del reference
    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass
    rss = None
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        before = _status_kib("VmRSS")
        fn(*args)
        rss = (_status_kib("VmHWM") - before) * 1024
    except OSError:
        pass
    traced = None
    if not system.startswith("JAX"):
        tracemalloc.start()
        base, _ = tracemalloc.get_traced_memory()
        fn(*args)
        traced = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
    print(json.dumps({"seconds": seconds, "rss": rss, "traced": traced}))


def measure(system, name, T, timeout):
    cmd = [sys.executable, os.path.abspath(__file__), "--child", system, name, str(T)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"over {timeout} s"}
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["failed"])[-1]
        return {"error": last[:80]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def fmt_bytes(n):
    if n is None:
        return "n/a"
    return f"{n / 2**20:.2f} MiB" if n >= 2**20 else f"{n / 2**10:.0f} KiB"


def _row(r):
    m = r["m"]
    if "error" in m:
        return f"| {r['name']} | {r['T']:,} | {r['system']} | {m['error']} | | |"
    return (f"| {r['name']} | {r['T']:,} | {r['system']} | {m['seconds']:.3g} s | "
            f"{fmt_bytes(m['traced'])} | {fmt_bytes(m['rss'])} |")


def table(results):
    """Per workload, a system per row and a T per column: time, tracemalloc peak, RSS."""
    out = []
    for name in sorted({r["name"] for r in results}):
        mine = [r for r in results if r["name"] == name]
        steps = sorted({r["T"] for r in mine})
        out += [f"**{name}**: time / peak (tracemalloc) / RSS growth", "",
                "| system | " + " | ".join(f"T = {t:,}" for t in steps) + " |",
                "| --- |" + " ---: |" * len(steps)]
        for system in [s for s in SYSTEMS if any(r["system"] == s for r in mine)]:
            cells = []
            for t in steps:
                found = [r["m"] for r in mine if r["system"] == system and r["T"] == t]
                if not found:
                    cells.append("")
                elif "error" in found[0]:
                    cells.append(found[0]["error"])
                else:
                    m = found[0]
                    cells.append(f"{m['seconds']:.3g} s / {fmt_bytes(m['traced'])} / "
                                 f"{fmt_bytes(m['rss'])}")
            out.append(f"| {system} | " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def plot(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    names = sorted({r["name"] for r in results})
    fig, axes = plt.subplots(1, len(names), figsize=(6 * len(names), 4.5), squeeze=False)
    for ax, name in zip(axes[0], names):
        for system in SYSTEMS:
            pts = [(r["m"]["seconds"], r["m"]["traced"] or r["m"]["rss"], r["T"])
                   for r in results if r["name"] == name and r["system"] == system
                   and "error" not in r["m"] and (r["m"]["traced"] or r["m"]["rss"])]
            if not pts:
                continue
            xs, ys, ts = zip(*sorted(pts, key=lambda p: p[2]))
            ax.loglog(xs, [y / 2**20 for y in ys], "o-", label=system)
            for x, y, t in zip(xs, ys, ts):
                ax.annotate(f"{t:.0e}".replace("e+0", "e"), (x, y / 2**20), fontsize=6)
        ax.set_xlabel("time of one gradient (s)")
        ax.set_ylabel("peak memory (MiB; tracemalloc, RSS for JAX)")
        ax.set_title(f"{name}: memory against time, per T")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--child", nargs=3, metavar=("SYSTEM", "WORKLOAD", "T"))
    p.add_argument("--steps", type=int, action="append")
    p.add_argument("--only", action="append", choices=sorted(WORKLOADS))
    p.add_argument("--systems", action="append", choices=SYSTEMS)
    p.add_argument("--timeout", type=float, default=300)
    p.add_argument("--json")
    p.add_argument("--plot")
    p.add_argument("--from-json", action="append", help="tabulate/plot saved results")
    opts = p.parse_args()
    if opts.child:
        system, name, T = opts.child
        child(system, name, int(T))
        return
    results = []
    for saved in opts.from_json or []:
        with open(saved) as f:
            results += json.load(f)
    if not opts.from_json:
        for name in opts.only or sorted(WORKLOADS):
            for T in opts.steps or [1000, 10_000, 100_000]:
                for system in opts.systems or SYSTEMS:
                    m = measure(system, name, T, opts.timeout)
                    results.append({"name": name, "T": T, "system": system, "m": m})
                    print(_row(results[-1]), flush=True)
                    if opts.json:
                        with open(opts.json, "w") as f:
                            json.dump(results, f, indent=1)
    print()
    print(table(results))
    if opts.plot:
        plot(results, opts.plot)


if __name__ == "__main__":
    main()
