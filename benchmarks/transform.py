#!/usr/bin/env python
"""How long pullback takes to transform a function, against the function's size.

Run from the repository root:

    python benchmarks/transform.py            # n = 10 ... 10,000 (several minutes)
    python benchmarks/transform.py --quick    # n = 10 ... 1,000
    python benchmarks/transform.py --plot docs/transform-time.png
    python benchmarks/transform.py --sizes 10000 --stages   # where the time goes

For each kind of generated function (straight-line code, if/else blocks, small loops,
nested loops, chains of calls to user functions) and each size n (statements of the
function as written), it times `pullback.grad(f)` plus the first call (transform,
compile and one run), with and without the optimizing pass, and prints the time per
statement: a flat column means a transform linear in the function's size. If JAX is
installed, `jax.jit(jax.grad(f)).lower(...).compile()` of the same function (written
with jax.numpy, branches as `jnp.where`) is timed in the same run; otherwise its
column shows n/a. `--stages` also splits each optimized transform by the stages of
`pullback.api._build` (parse, normalize, SSA, analysis, reverse, simplify, printing,
compiling...): the CPU seconds each took, and its share.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import itertools
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

try:
    import pullback
except ImportError:  # not installed: use the repository's source tree
    sys.path.insert(0, os.path.join(ROOT, "src"))
    import pullback

try:
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    import jax
    import jax.numpy  # noqa: F401
except ImportError:
    jax = None

KINDS = ("straight", "branches", "loops", "nested", "calls")
EXTRA_KINDS = ("long_loop",)  # not in the default table; tests/test_growth.py runs them
SIZES = (10, 30, 100, 300, 1000, 3000, 10000)
QUICK_SIZES = (10, 30, 100, 300, 1000)


def source(kind: str, n: int, lib: str = "math") -> str:
    """A module defining `f(x, y)` of about n statements of the given kind; `lib` is the
    module its sin and cos come from ("math", or "jnp" for JAX)."""
    sin, cos = f"{lib}.sin", f"{lib}.cos"
    lines = ["import math" if lib == "math" else "import jax.numpy as jnp", ""]
    if kind == "calls":  # ten small user functions, called in turn
        for k in range(10):
            lines += [f"def step{k}(a, x, y):", f"    b = {sin}(a) * y",
                      f"    return b + {(k + 1) / 10} * x", ""]
    lines += ["def f(x, y):", "    a = x"]

    def c(i):
        return f"{(i % 7 + 1) / 10}"

    if kind == "straight":  # n statements
        lines += [f"    a = {sin}(a) * y + {c(i)} * x" for i in range(n)]
    elif kind == "branches":  # n / 2 if/else blocks
        for i in range(n // 2):
            if lib == "math":
                lines += ["    if a > 0:", f"        a = {sin}(a) * y + {c(i)} * x", "    else:",
                          f"        a = {cos}(a) * y - {c(i)} * x"]
            else:
                lines += [f"    a = jnp.where(a > 0, {sin}(a) * y + {c(i)} * x, "
                          f"{cos}(a) * y - {c(i)} * x)"]
    elif kind == "loops":  # n / 2 small loops
        for i in range(n // 2):
            lines += ["    for i in range(3):", f"        a = {sin}(a) * y + {c(i)} * x"]
    elif kind == "nested":  # n / 3 loops of loops
        for i in range(n // 3):
            lines += ["    for i in range(2):", "        for j in range(2):",
                      f"            a = {sin}(a) * y + {c(i)} * x"]
    elif kind == "calls":  # n calls
        lines += [f"    a = step{i % 10}(a, x, y)" for i in range(n)]
    elif kind == "long_loop":  # one loop of n statements, each setting its own name
        lines += ["    for i in range(3):"]
        lines += [f"        a{i + 1} = {sin}(a{i if i else ''}) * y + {c(i)} * x"
                  for i in range(n)]
        lines += [f"        a = a{n}"]
    else:
        raise ValueError(f"unknown kind {kind!r}")
    lines.append("    return a")
    return "\n".join(lines) + "\n"


_DIR = tempfile.mkdtemp(prefix="pullback-transform-bench-")


def load(kind: str, n: int, lib: str = "math", tag: str = ""):
    """f of `source(kind, n, lib)`, from a module file (pullback reads the source)."""
    name = f"transform_bench_{kind}_{n}_{lib}{tag}"
    path = os.path.join(_DIR, name + ".py")
    with open(path, "w") as fh:
        fh.write(source(kind, n, lib))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module.f


_FRESH = itertools.count()  # each timed function a module of its own
CLOCK = time.process_time  # or time.perf_counter: see --clock


def time_pullback(kind, n, optimize) -> float:
    f = load(kind, n, tag=f"_{optimize}_{next(_FRESH)}")
    # Nothing cached: equal code objects (the called helpers, defined again in each
    # generated file) would otherwise share the transforms of an earlier size.
    pullback.api._CACHE.clear()
    gc.collect()
    start = CLOCK()
    pullback.grad(f, optimize=optimize)(0.3, 0.7)
    return CLOCK() - start


# The stages of api._build, by the names it calls them by (module, attribute).
STAGES = [("api", name) for name in (
    "parse_function", "check", "normalize", "to_ssa", "merge_aliases", "Analysis",
    "check_writes", "reverse", "forward", "simplify")] + [("codegen", name) for name in (
        "guard_unpatched", "note_inlined", "to_source", "compile_source")]


class StageClock:
    """While active, the CPU seconds spent in each stage of api._build, summed over the
    transforms of called functions too, each second charged to the innermost stage
    running (a callee's transform inside `reverse` is charged to its own stages)."""

    def __init__(self):
        from pullback.emit import codegen
        self.modules = {"api": pullback.api, "codegen": codegen}
        self.seconds: dict = {}
        self.running: list = []  # [stage, CPU time it last resumed]

    def __enter__(self):
        self.originals = [(module, name, getattr(self.modules[module], name))
                          for module, name in STAGES]
        for module, name, original in self.originals:
            setattr(self.modules[module], name, self._timed(name, original))
        return self

    def __exit__(self, *exc):
        for module, name, original in self.originals:
            setattr(self.modules[module], name, original)

    def _charge(self, now):
        name, since = self.running[-1]
        self.seconds[name] = self.seconds.get(name, 0.0) + now - since

    def _timed(self, name, original):
        def timed(*args, **kwargs):
            if self.running:  # the stage running pauses
                self._charge(time.process_time())
            self.running.append([name, time.process_time()])
            try:
                return original(*args, **kwargs)
            finally:
                now = time.process_time()
                self._charge(now)
                self.running.pop()
                if self.running:
                    self.running[-1][1] = now  # and resumes
        return timed


def stage_split(kind, n) -> str:
    """One line: each stage's CPU seconds and share of an optimized transform of n."""
    f = load(kind, n, tag=f"_stages_{next(_FRESH)}")
    pullback.api._CACHE.clear()
    gc.collect()
    with StageClock() as clock:
        start = time.process_time()
        pullback.grad(f)(0.3, 0.7)
        total = time.process_time() - start
    clock.seconds["other"] = total - sum(clock.seconds.values())
    parts = sorted(clock.seconds.items(), key=lambda item: -item[1])
    return f"{kind} {n} ({total:.3g} s): " + ", ".join(
        f"{name} {seconds:.2f} ({seconds / total:.0%})" for name, seconds in parts
        if seconds >= 0.005 * total)


def time_jax(kind, n) -> float | None:
    if jax is None:
        return None
    f = load(kind, n, lib="jnp")
    gc.collect()
    start = CLOCK()
    jax.jit(jax.grad(f)).lower(0.3, 0.7).compile()
    return CLOCK() - start


def per_statement(seconds, n) -> str:
    return "n/a" if seconds is None else f"{seconds / n * 1e3:.3g}"


def fmt(seconds) -> str:
    if seconds is None:
        return "n/a"
    return f"{seconds * 1e3:.3g} ms" if seconds < 1 else f"{seconds:.3g} s"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="sizes up to 1,000 only")
    parser.add_argument("--sizes", type=int, nargs="+", help="the sizes n to time")
    parser.add_argument("--kinds", nargs="+", choices=KINDS + EXTRA_KINDS,
                        default=list(KINDS))
    parser.add_argument("--no-jax", action="store_true", help="leave JAX out")
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                        help="CPU time of the process (default: steady on a shared "
                        "machine) or wall-clock time")
    parser.add_argument("--plot", metavar="PNG", help="also plot ms per statement (matplotlib)")
    parser.add_argument("--repeat", type=int, default=1, metavar="K",
                        help="time each transform K times (a fresh function each time) and "
                        "report the least: on a shared machine one run can take twice another")
    parser.add_argument("--stages", action="store_true",
                        help="also split each optimized transform by stage (CPU s, share)")
    opts = parser.parse_args(argv)
    sizes = opts.sizes or (QUICK_SIZES if opts.quick else SIZES)
    global CLOCK
    CLOCK = time.process_time if opts.clock == "cpu" else time.perf_counter
    use_jax = jax is not None and not opts.no_jax
    print(f"# pullback transform time (pullback {getattr(pullback, '__version__', '?')}, "
          f"JAX {jax.__version__ if jax is not None else 'not installed'})")
    print()
    print(f"{opts.clock.upper()} time of `pullback.grad(f)` plus its first call, and per "
          "statement of f (ms); JAX: jit(grad(f)).lower().compile().")
    print(f"Command: python benchmarks/transform.py {' '.join(argv or sys.argv[1:])}".rstrip())
    print()
    header = ["kind", "n", "optimized", "ms/stmt", "pass off", "ms/stmt", "JAX", "ms/stmt"]
    rows, results = [], {}
    time_pullback("straight", 10, True)  # untimed: what the first transform of a process
    # pays once (lazy imports, rule tables) is no part of any size's figure
    for kind in opts.kinds:
        for n in sizes:
            on = min(time_pullback(kind, n, True) for _ in range(opts.repeat))
            off = min(time_pullback(kind, n, False) for _ in range(opts.repeat))
            jx = time_jax(kind, n) if use_jax else None
            results[kind, n] = (on, off, jx)
            rows.append([kind, str(n), fmt(on), per_statement(on, n), fmt(off),
                         per_statement(off, n), fmt(jx), per_statement(jx, n)])
            print("  ".join(rows[-1]), file=sys.stderr, flush=True)
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
    print("|" + "|".join(("-" * (w + 2)) if i == 0 else ("-" * (w + 1) + ":")
                         for i, w in enumerate(widths)) + "|")
    for r in rows:
        print("| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w)
                                for i, (c, w) in enumerate(zip(r, widths))) + " |")
    if opts.stages:
        print()
        print("Stages of each optimized transform (CPU s, share of the whole):")
        print()
        for kind in opts.kinds:
            for n in sizes:
                print(f"- {stage_split(kind, n)}")
    if opts.plot:
        plot(results, opts.kinds, sizes, opts.plot)


def plot(results, kinds, sizes, path):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot", file=sys.stderr)
        return
    fig, ax = plt.subplots(figsize=(6, 3.6), dpi=100)
    for kind in kinds:
        line, = ax.plot(sizes, [results[kind, n][0] / n * 1e3 for n in sizes], "o-",
                        label=kind)
        ax.plot(sizes, [results[kind, n][1] / n * 1e3 for n in sizes], "--",
                color=line.get_color(), alpha=0.5)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("statements in f")
    ax.set_ylabel("ms per statement")
    ax.set_title("pullback.grad(f) + first call (dashed: optimize=False)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    print(f"plot written to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
