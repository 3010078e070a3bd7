"""Forward mode: jvp/f (one Jacobian-vector product against one call of f) on the
lecture example, the scalar loop and the MLP, against autograd's forward mode.

Run by benchmarks/run.py (its `--no-forward` leaves it out), or alone:

    python benchmarks/forward.py [--quick]

Before timing, each jvp is checked against the reverse-mode gradient contracted with
the same direction (and autograd's jvp against pullback's).
"""

from __future__ import annotations

import numpy as np
import workloads

FORWARD = ("lecture", "scalar_loop", "mlp")
TARGET = 2.0  # issue 14: jvp/f <= 2
# hand-written jvps (workloads.py), timed in the same run: the baseline of forward mode
HAND_JVP = {"lecture": workloads.lecture_jvp_hand, "scalar_loop": workloads.scalar_loop_jvp_hand}


def _direction(args, wrt, rng):
    return tuple(rng.normal(size=np.shape(args[i])) if np.ndim(args[i]) else
                 float(rng.normal()) for i in wrt)


def _autograd_jvp(w, args):
    """autograd's forward mode on w.f, the wrt arguments packed in one tuple."""
    import autograd.numpy as anp
    from autograd import make_jvp

    f = workloads.with_numpy(w.f, anp)

    def packed(wrt_args):
        full = list(args)
        for i, value in zip(w.wrt, wrt_args):
            full[i] = value
        return f(*full)

    wrt_args = tuple(args[i] for i in w.wrt)
    return lambda direction: make_jvp(packed)(wrt_args)(direction)


def run_forward(opts, time_in_one_run, fmt_time, fmt_ratio, peers):
    """Prints one line per workload and returns [(name, jvp/f, met)]."""
    import pullback

    print("## forward mode (jvp along one direction)")
    rows = []
    for w in workloads.WORKLOADS:
        if w.name not in FORWARD or (opts.only and w.name not in opts.only):
            continue
        args = w.make_args()
        rng = np.random.default_rng(1)
        direction = _direction(args, w.wrt, rng)
        f_jvp = pullback.jvp(w.f, wrt=w.wrt)
        value, tangent = f_jvp(*args, direction)
        gradient = pullback.grad(w.f, wrt=w.wrt)(*args)
        expected = sum(np.sum(np.asarray(g) * np.asarray(d))
                       for g, d in zip(gradient, direction))
        if not np.allclose(tangent, expected, rtol=1e-8, atol=1e-10):
            raise AssertionError(f"{w.name}: jvp {tangent} != grad . v {expected}")
        candidates = {"f": (w.f, args), "jvp": (f_jvp, (*args, direction))}
        hand = HAND_JVP.get(w.name)
        if hand is not None:
            hand_value, hand_tangent = hand(*args, direction)
            if not np.allclose((hand_value, hand_tangent), (value, tangent), rtol=1e-8,
                               atol=1e-10):
                raise AssertionError(f"{w.name}: the hand-written jvp differs from pullback's")
            candidates["hand"] = (hand, (*args, direction))
        if "autograd" in peers:
            peer = _autograd_jvp(w, args)
            _, peer_tangent = peer(direction)
            if not np.allclose(peer_tangent, tangent, rtol=1e-8, atol=1e-10):
                raise AssertionError(f"{w.name}: autograd's jvp {peer_tangent} != {tangent}")
            candidates["autograd"] = (peer, (direction,))
        times = time_in_one_run(candidates, opts.repeats, opts.min_time)
        ratio = times["jvp"] / times["f"]
        line = (f"  {w.name:<12} f {fmt_time(times['f']):>10}   pullback jvp "
                f"{fmt_time(times['jvp']):>10} = {fmt_ratio(times['jvp'], times['f']):>6} x f")
        if "hand" in times:
            line += (f"   hand-written {fmt_time(times['hand']):>10} = "
                     f"{fmt_ratio(times['hand'], times['f']):>6} x f (pullback / hand "
                     f"{times['jvp'] / times['hand']:.2f})")
        if "autograd" in times:
            line += (f"   autograd jvp {fmt_time(times['autograd']):>10} = "
                     f"{fmt_ratio(times['autograd'], times['f']):>6} x f")
        print(line)
        rows.append((w.name, ratio, ratio <= TARGET))
    print(f"  (target: jvp/f <= {TARGET:g}; checked against grad . v before timing)")
    print()
    return rows


if __name__ == "__main__":
    import sys

    import run

    opts = run.parse_args(sys.argv[1:])
    run.print_environment(opts)
    run_forward(opts, run.time_in_one_run, run.fmt_time, run.fmt_ratio,
                run.available_peers(opts))
