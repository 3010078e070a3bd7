"""The work counter of the growth tests (issue 19): what a transform does, charged to the
pass doing it, so that a test can check the work grows linearly with the function's size.

Work is counted, not timed: every Python function call made while `transform` runs
(each step of a generator walk is one, since generators count as calls too; each node a
list walk returns is one too) and every line a pullback function runs (each iteration
of a loop or comprehension) is charged to the innermost pullback function on the
stack, that is, to the pass doing the work. `assert_linear` compares the counts at n
and 4n statements: the total and each pass's share may grow by at most 5x (linear plus
slack for fixed costs); a pass that rescans the function once per statement grows 16x.
`load_source` makes a module of generated source (in the benchmarks' directory) for
tests that build their own kinds of function.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections import Counter

import pullback
from pullback import api
from pullback.ir import nodes

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "transform_bench", os.path.join(HERE, "..", "benchmarks", "transform.py"))
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

PACKAGE = os.path.dirname(os.path.abspath(pullback.__file__))
N = 12
GROWTH = 4
LIMIT = 5.0  # linear growth is 4x; a quadratic pass is 16x
NOTICEABLE = 1000  # calls at the larger size below which a pass is noise


# Walks that return lists visit nodes without making calls; the nodes they return are
# charged as calls to the pass that asked for them.
LIST_WALKS = {nodes.walk.__code__, nodes.children.__code__, nodes.skeleton.__code__,
              nodes.names.__code__}


def charged_calls(func, optimize) -> Counter:
    """Work done while transforming func, by the innermost pullback function running:
    each call of a Python function, each line a pullback function runs (a loop's every
    iteration: a comprehension scanning all of f's names per loop makes no calls)."""
    counts: Counter = Counter()
    stack: list = []

    def local(frame, event, arg):  # a pullback function's lines and its return
        if event == "line":
            counts[stack[-1]] += 1
        elif event == "return" and stack and frame.f_code is stack[-1]:
            stack.pop()
            if frame.f_code in LIST_WALKS and stack:  # its loop runs no lines of ours:
                counts[stack[-1]] += len(arg)  # charge the nodes it visited to whoever asked
        return local

    def hook(frame, event, arg):  # every call
        code = frame.f_code
        if code.co_filename.startswith(PACKAGE):
            stack.append(code)
            counts[code] += 1
            return local
        if stack:
            counts[stack[-1]] += 1
        return None

    cached = dict(api._CACHE)
    api._CACHE.clear()  # equal code objects (the same text in another file) share transforms
    sys.settrace(hook)
    try:
        api.transform(func, optimize=optimize)
    finally:
        sys.settrace(None)
        api._CACHE.clear()
        api._CACHE.update(cached)
    return counts


def label(code) -> str:
    return f"{os.path.basename(code.co_filename)}:{code.co_firstlineno} {code.co_name}"


def outgrown(small: Counter, large: Counter) -> list:
    """(ratio, pass, calls at n, at 4n) for the noticeable passes that grew too much."""
    return sorted(((large[c] / max(small[c], 1), label(c), small[c], large[c])
                   for c in large if large[c] >= NOTICEABLE
                   and large[c] / max(small[c], 1) > LIMIT), reverse=True)


def assert_linear(what, small: Counter, large: Counter):
    """The work at 4n statements (`large`) is at most LIMIT times the work at n (`small`),
    in total and for each noticeable pass."""
    total = sum(large.values()) / sum(small.values())
    assert total <= LIMIT, f"{what}: the transform's work grew {total:.1f}x for {GROWTH}x size"
    offenders = outgrown(small, large)
    assert not offenders, (
        f"{what}: passes whose work grew more than {LIMIT}x for {GROWTH}x size "
        "(ratio, pass, calls at n, at 4n): " + "; ".join(
            f"{r:.1f}x {name} ({a} -> {b})" for r, name, a, b in offenders))


def load_source(name, text):
    """The module `name` made of `text`, written beside the benchmarks' generated modules
    (so that pullback reads its source like any file's)."""
    path = os.path.join(bench._DIR, name + ".py")
    with open(path, "w") as fh:
        fh.write(text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
