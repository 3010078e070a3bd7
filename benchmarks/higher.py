"""Higher order and Jacobians: hvp/f (one Hessian-vector product, forward over reverse,
against one call of f) on the MLP and the scalar loop, and the full Jacobian of a
function of 100 inputs against f times the number of rows or columns it needs.

Run by benchmarks/run.py (its `--no-forward` leaves it out), or alone:

    python benchmarks/higher.py [--quick]

Before timing, each hvp is checked against central differences of the gradient along
the same direction, and the Jacobians by the two modes against each other.
"""

from __future__ import annotations

import numpy as np
import workloads

HIGHER = ("scalar_loop", "mlp")
# hand-written forward-over-reverse (workloads.py), timed in the same run
HAND_HVP = {"scalar_loop": workloads.scalar_loop_hvp_hand}
HVP_TARGET = 5.0  # issue 14: hvp/f <= 5
JACOBIAN_TARGET = 3.0  # issue 14: Jacobian / (f x min(rows, cols)) <= 3
WIDE_OUTPUTS = 120
NARROW_OUTPUTS = 20
FEW_OUTPUTS = 5


def wide(x):
    """100 inputs, 120 outputs: the Jacobian needs 100 directions forward (one vector-mode
    sweep) or 120 reverse sweeps."""
    y = np.tanh(x) * x
    return np.concatenate([np.cumsum(y), y[:20] ** 2])


def narrow(x):
    """100 inputs, 20 outputs: the Jacobian needs 20 reverse sweeps (or one vector-mode
    sweep of 100 directions)."""
    y = np.tanh(x) * x
    return np.concatenate([np.cumsum(y)[::10], y[:10] ** 2])


def few(x):
    """100 inputs, 5 outputs: the Jacobian needs 5 reverse sweeps (or one vector-mode
    sweep of 100 directions)."""
    y = np.tanh(x) * x
    return np.concatenate([np.cumsum(y)[::40], y[:2] ** 2])


def _direction(args, wrt, rng):
    return tuple(rng.normal(size=np.shape(args[i])) if np.ndim(args[i]) else
                 float(rng.normal()) for i in wrt)


def _moved(args, wrt, direction, h):
    out = list(args)
    for i, d in zip(wrt, direction):
        out[i] = args[i] + h * np.asarray(d) if np.ndim(args[i]) else args[i] + h * d
    return tuple(out)


def run_higher(opts, time_in_one_run, fmt_time, fmt_ratio):
    """Prints one line per measurement and returns [(name, ratio, target, met)]."""
    import pullback

    print("## higher order (hvp: forward over reverse) and full Jacobians")
    rows = []
    for w in workloads.WORKLOADS:
        if w.name not in HIGHER or (opts.only and w.name not in opts.only):
            continue
        args = w.make_args()
        direction = _direction(args, w.wrt, np.random.default_rng(2))
        hvp = pullback.hvp(w.f, wrt=w.wrt)
        hv = hvp(*args, direction)
        gradient = pullback.grad(w.f, wrt=w.wrt)
        h = 1e-6
        ahead, behind = gradient(*_moved(args, w.wrt, direction, h)), \
            gradient(*_moved(args, w.wrt, direction, -h))
        for got, a, b in zip(hv, ahead, behind):
            expected = (np.asarray(a) - np.asarray(b)) / (2 * h)
            if not np.allclose(got, expected, rtol=1e-4, atol=1e-6):
                raise AssertionError(f"{w.name}: hvp differs from differences of the gradient")
        candidates = {"f": (w.f, args), "hvp": (hvp, (*args, direction))}
        hand = HAND_HVP.get(w.name)
        if hand is not None:
            if not np.allclose(hand(*args, direction), hv, rtol=1e-8, atol=1e-10):
                raise AssertionError(f"{w.name}: the hand-written hvp differs from pullback's")
            candidates["hand"] = (hand, (*args, direction))
        times = time_in_one_run(candidates, opts.repeats, opts.min_time)
        ratio = times["hvp"] / times["f"]
        line = (f"  {w.name:<12} f {fmt_time(times['f']):>10}   pullback hvp "
                f"{fmt_time(times['hvp']):>10} = {fmt_ratio(times['hvp'], times['f']):>6} x f")
        if "hand" in times:
            line += (f"   hand-written {fmt_time(times['hand']):>10} = "
                     f"{fmt_ratio(times['hand'], times['f']):>6} x f (pullback / hand "
                     f"{times['hvp'] / times['hand']:.2f})")
        print(line)
        rows.append((f"{w.name} hvp/f", ratio, HVP_TARGET, ratio <= HVP_TARGET))
    x = np.linspace(-1.0, 1.0, 100)
    # every mode on each shape (forward: one vector-mode sweep of the 100 unit directions;
    # reverse: one vector-mode reverse sweep of the unit seeds of the rows; auto: the one
    # it measured faster on its first two calls). Issue 14's target: the Jacobian by vector
    # mode within 3 x f x min(rows, cols), which is the cost of the mode that needs that
    # many directions, and of auto, which picks it
    modes = ("fwd", "rev", "auto")
    for fn, outputs in ((wide, WIDE_OUTPUTS), (narrow, NARROW_OUTPUTS), (few, FEW_OUTPUTS)):
        by_mode = {m: pullback.jacobian(fn, mode=m) for m in modes}
        for m in modes[1:]:
            if not np.allclose(by_mode["fwd"](x), by_mode[m](x), rtol=1e-12, atol=1e-12):
                raise AssertionError(f"{fn.__name__}: the Jacobians by fwd and {m} differ")
        times = time_in_one_run({"f": (fn, (x,)), **{m: (j, (x,)) for m, j in by_mode.items()}},
                                opts.repeats, opts.min_time)
        needed = min(outputs, x.size)
        # the mode whose sweep carries `needed` directions (forward: one per column,
        # reverse: one per row) and auto are held to the target; the other mode carries
        # more directions than the target counts, and is shown for comparison
        matching = "fwd" if x.size <= outputs else "rev"
        for m in modes:
            ratio = times[m] / (times["f"] * needed)
            held = m in (matching, "auto")
            print(f"  {fn.__name__ + ' 100->' + str(outputs):<12} f {fmt_time(times['f']):>10}"
                  f"   jacobian ({m}) {fmt_time(times[m]):>10} = {ratio:.2f} x f x {needed}"
                  + ("" if held else f"   ({max(outputs, x.size)} directions: shown, "
                                     "not a target)"))
            if held:
                rows.append((f"{fn.__name__} jacobian {m}/(f x {needed})", ratio,
                             JACOBIAN_TARGET, ratio <= JACOBIAN_TARGET))
    print(f"  (targets: hvp/f <= {HVP_TARGET:g}, Jacobian <= {JACOBIAN_TARGET:g} x f x "
          "min(rows, cols); checked against differences of the gradient and reverse mode)")
    print()
    return rows


if __name__ == "__main__":
    import sys

    import run

    opts = run.parse_args(sys.argv[1:])
    run.print_environment(opts)
    run_higher(opts, run.time_in_one_run, run.fmt_time, run.fmt_ratio)
