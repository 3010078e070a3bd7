#!/usr/bin/env python
"""Where the Numba backend's first call goes: pullback's transform, then Numba's typing,
lowering and LLVM, and how many functions Numba compiles, per workload.

    python benchmarks/numba_compile.py                    # the four loop workloads
    python benchmarks/numba_compile.py --only hmm --list  # and each compiled function
    python benchmarks/numba_compile.py --cold             # each with an empty helper cache

Each workload runs in a fresh process, after Numba's own start-up (its import and one
trivial function compiled), as benchmarks/run.py measures the first call. The split is
CPU time from Numba's events (`numba:compile`, `numba:run_pass`, `numba:llvm_lock`),
each attributed to the innermost event open, so nested compilations are not counted
twice: LLVM is the time under `numba:llvm_lock`, lowering the rest of the
`NativeLowering` pass, typing and passes the rest of the other passes.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LOOPS = ("scalar_loop", "rnn", "hmm", "soft_dtw")


def child(name):
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    import numba
    from numba.core import event
    imported_cpu, imported_wall = time.process_time(), time.perf_counter()
    numba.njit(lambda x: x + 1.0)(1.0)  # Numba's floor: its LLVM set up, one compilation
    floor = {"import_cpu": imported_cpu - start_cpu, "import_wall": imported_wall - start_wall,
             "trivial_cpu": time.process_time() - imported_cpu,
             "trivial_wall": time.perf_counter() - imported_wall}

    sys.path.insert(0, HERE)
    import workloads

    import pullback

    w = next(w for w in workloads.WORKLOADS if w.name == name)
    args = w.make_args()

    totals = {"llvm": 0.0, "lowering": 0.0, "typing": 0.0}
    kinds = {"gradient": 0.0, "helpers": 0.0, "numba": 0.0}  # CPU of each compilation
    compiled, passes = [], {}
    stack = []  # [event, started, time in nested events, in nested compilations, LLVM]

    class Split(event.Listener):
        def on_start(self, ev):
            stack.append([ev, time.process_time(), 0.0, 0.0, 0.0])

        def on_end(self, ev):
            e, started, inner, nested, llvm = stack.pop()
            spent = time.process_time() - started
            own = spent - inner
            if stack:
                stack[-1][2] += spent
            outer = next((f for f in reversed(stack) if f[0].kind == "numba:compile"), None)
            if e.kind == "numba:llvm_lock":
                totals["llvm"] += own
                if outer is not None:
                    outer[4] += own
            elif e.kind == "numba:run_pass":
                name = e.data["name"].split(" ")[0]
                totals["lowering" if name == "native_lowering" else "typing"] += own
                passes[name] = passes.get(name, 0.0) + own
            elif e.kind == "numba:compile":
                totals["typing"] += own
                if outer is not None:
                    outer[3] += spent
                module = e.data["dispatcher"].py_func.__module__ or ""
                kind = "gradient" if outer is None else "helpers" if module.startswith(
                    ("pullback", "pullback_helper_")) else "numba"
                kinds[kind] += spent - nested
                compiled.append(f"{spent - nested:6.3f} s own ({llvm:.3f} s LLVM)  "
                                f"{e.data['dispatcher'].py_func.__qualname__}"
                                f"{e.data['args']}")

    listener = Split()
    wall, cpu = time.perf_counter(), time.process_time()
    grad = pullback.grad(w.f, wrt=w.wrt, backend="numba")
    transform = time.process_time() - cpu
    with event.install_listener("numba:compile", listener), \
            event.install_listener("numba:run_pass", listener), \
            event.install_listener("numba:llvm_lock", listener):
        grad(*args)
    first, cpu = time.perf_counter() - wall, time.process_time() - cpu
    import timeit
    runs = timeit.Timer(lambda: grad(*args)).repeat(5, 200)
    result = {"run": min(runs) / 200, "first": first, "cpu": cpu,
              "transform": transform, "compilations": len(compiled), "names": compiled,
              "passes": sorted(passes.items(), key=lambda p: -p[1])[:8],
              **totals, **kinds, **floor}
    print(json.dumps(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=LOOPS)
    parser.add_argument("--list", action="store_true", help="list the compiled functions")
    parser.add_argument("--cold", action="store_true",
                        help="each workload with an empty cache directory (PULLBACK_CACHE_DIR): "
                        "every helper compiled, as on a machine's first gradient")
    parser.add_argument("--child")
    opts = parser.parse_args()
    if opts.child:
        return child(opts.child)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [os.path.join(ROOT, "src"), os.environ.get("PYTHONPATH", "")])}
    print(f"load average {os.getloadavg()[0]:.2f}; "
          f"{'an empty' if opts.cold else 'the present'} helper cache; CPU (wall) times")
    print("| workload | import numba | trivial @njit | first call | transform | typing and "
          "passes | lowering | LLVM | the gradient | helpers | Numba's library "
          "| compilations | gradient run |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
          "| ---: |")
    for name in opts.only or LOOPS:
        with tempfile.TemporaryDirectory() as empty:
            child_env = {**env, "PULLBACK_CACHE_DIR": empty} if opts.cold else env
            proc = subprocess.run([sys.executable, __file__, "--child", name],
                                  env=child_env, capture_output=True, text=True, timeout=900)
        if proc.returncode:
            sys.exit(proc.stderr)
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"| {name} | {r['import_cpu']:.2f} ({r['import_wall']:.2f}) s "
              f"| {r['trivial_cpu']:.2f} ({r['trivial_wall']:.2f}) s "
              f"| {r['cpu']:.2f} ({r['first']:.2f}) s | "
              f"{r['transform'] * 1e3:.0f} ms | {r['typing']:.2f} s | {r['lowering']:.2f} s "
              f"| {r['llvm']:.2f} s | {r['gradient']:.2f} s | {r['helpers']:.2f} s "
              f"| {r['numba']:.2f} s | {r['compilations']} | {r['run'] * 1e6:.0f} µs |")
        if opts.list:
            for n in r["names"]:
                print(f"    {n}")
            print("    passes: " + ", ".join(f"{p} {t:.2f} s" for p, t in r["passes"]))


if __name__ == "__main__":
    main()
