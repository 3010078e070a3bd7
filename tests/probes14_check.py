"""Checks of tests/probes14_programs.py: one program in one mode (grad, jvp, hvp, hessian)
sorted into correct / refused / wrong / unsettled / nan / crash by tools/outside.py's
judgement against central differences at decreasing steps (a difference counts only once it
has settled). The differentiated argument may be an array, a float, a dict or list of
arrays, or an object whose attributes are arrays and floats: it is flattened to one vector
for the differences, and pullback's result is flattened the same way.

`python tests/probes14_check.py [-v] [names...]` prints the table."""

from __future__ import annotations

import copy
import sys

import numpy as np

import pullback

try:
    from tools.outside import STEPS, describe, differences, judge
except ImportError:  # run as a script from tests/
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
    from tools.outside import STEPS, describe, differences, judge

from probes14_programs import CASES

MODES = ("grad", "jvp", "hvp", "hessian")


def _fields(value):
    if isinstance(value, dict):
        return list(value)
    if isinstance(value, (list, tuple)):
        return list(range(len(value)))
    return [k for k, v in vars(value).items()
            if isinstance(v, (float, np.ndarray)) and not isinstance(v, bool)]


def _get(value, key):
    return value[key] if isinstance(value, (dict, list, tuple)) else getattr(value, key)


def flatten(value) -> np.ndarray:
    if isinstance(value, (float, int, np.floating)):
        return np.array([float(value)])
    if isinstance(value, np.ndarray):
        return np.asarray(value, float).ravel()
    return np.concatenate([flatten(_get(value, key)) for key in _fields(value)])


def rebuild(template, flat):
    """A copy of `template` holding the numbers of `flat`."""
    if isinstance(template, (float, np.floating)):
        return float(flat[0])
    if isinstance(template, np.ndarray):
        return np.asarray(flat, float).reshape(template.shape).copy()
    out = copy.copy(template)
    if isinstance(out, list):
        out = list(out)
    i = 0
    for key in _fields(template):
        part = _get(template, key)
        n = flatten(part).size
        piece = rebuild(part, flat[i : i + n])
        i += n
        if isinstance(out, (dict, list)):
            out[key] = piece
        else:
            setattr(out, key, piece)
    return out


def arguments(name):
    f, make, wrt, hessian = CASES[name]
    args = make(np.random.default_rng(sum(map(ord, name))))
    return f, list(args), wrt, hessian


def _at(f, args, wrt, x0):
    def g(x):
        a = copy.deepcopy(args)
        a[wrt] = rebuild(args[wrt], x)
        return f(*a)
    return g


def check(name, mode):
    """(outcome, detail) of program `name` in `mode`."""
    f, args, wrt, _ = arguments(name)
    x0 = flatten(args[wrt])
    n = x0.size
    rng = np.random.default_rng(1)
    v = rng.standard_normal(n)
    phi = _at(f, args, wrt, x0)
    try:
        if mode == "grad":
            exact = flatten(pullback.grad(f, wrt=wrt)(*copy.deepcopy(args)))
            estimates = [np.array([differences(phi, x0, e, [h])[0] for e in np.eye(n)])
                         for h in STEPS[:6]]
        elif mode == "jvp":
            _, exact = pullback.jvp(f, wrt=wrt)(*copy.deepcopy(args), rebuild(args[wrt], v))
            estimates = differences(phi, x0, v, STEPS[:6])
        else:
            dgrad = pullback.grad(f, wrt=wrt)

            def gradient(x):
                a = copy.deepcopy(args)
                a[wrt] = rebuild(args[wrt], x)
                return flatten(dgrad(*a))
            if mode == "hvp":
                exact = flatten(pullback.hvp(f, wrt=wrt)(*copy.deepcopy(args),
                                                          rebuild(args[wrt], v)))
                estimates = differences(gradient, x0, v, STEPS[:6])
            else:
                exact = np.asarray(pullback.hessian(f, wrt=wrt)(*copy.deepcopy(args)),
                                   float).reshape(n, n)
                estimates = [np.stack([differences(gradient, x0, e, [h])[0]
                                       for e in np.eye(n)], axis=1) for h in STEPS[:6]]
    except Exception as error:  # noqa: BLE001 (every failure is sorted and shown)
        return describe(error)
    return judge(exact, estimates)


def table(names=None, verbose=False):
    rows = []
    for name in names or CASES:
        for mode in MODES:
            if mode == "hessian" and not CASES[name][3]:
                continue
            outcome, detail = check(name, mode)
            rows.append((name, mode, outcome, detail))
            if verbose or outcome != "correct":
                print(f"{name:28} {mode:8} {outcome:9} {detail}"[:400], flush=True)
    counts = {}
    for row in rows:
        counts[row[2]] = counts.get(row[2], 0) + 1
    print(len(CASES), "programs,", len(rows), "checks:", counts)
    return rows


if __name__ == "__main__":
    argv = sys.argv[1:]
    verbose = "-v" in argv
    table([a for a in argv if a != "-v"] or None, verbose)
