"""Binomial checkpointing (Griewank's revolve): the schedule a checkpointed loop follows.

A loop of `steps` iterations is reversed with at most `snapshots` copies of its
loop-carried state held at once (the state before step 0 is one of them) instead of a
record per step. `revolve(steps, snapshots)` yields the actions, as `(action, i, j)`:

- `("snapshot", i, i)`: keep a copy of the state before step i;
- `("advance", i, j)`: run steps i .. j-1 plainly, recording nothing;
- `("step", i, i + 1)`: run step i, keeping what its adjoint reads;
- `("reverse", i, i + 1)`: the adjoint of step i (the step run last);
- `("restore", i, i)`: the state becomes the snapshot before step i again;
- `("forget", i, i)`: that snapshot is not needed any more.

Guarantees: the steps are reversed from the last to the first, each right after it was
run with records; at most `snapshots` snapshots are held at once; the number of steps
advanced (the sum of j - i over "advance") is the minimum over all schedules with that
many snapshots, `revolve_cost(steps, snapshots)` = r*l - C(s + r, s + 1) for
C(s + r - 1, s) < l <= C(s + r, s) (Griewank 1992). The first "step" is of the
last step, so the forward sweep is everything before it.

>>> list(revolve(3, 2))  # doctest: +NORMALIZE_WHITESPACE
[('snapshot', 0, 0), ('advance', 0, 1), ('snapshot', 1, 1), ('advance', 1, 2),
 ('step', 2, 3), ('reverse', 2, 3), ('restore', 1, 1), ('step', 1, 2), ('reverse', 1, 2),
 ('forget', 1, 1), ('restore', 0, 0), ('step', 0, 1), ('reverse', 0, 1), ('forget', 0, 0)]
>>> revolve_cost(3, 2), revolve_cost(10_000, 100)
(2, 24747)

A `while` loop's trip count is unknown while it runs: its generated code keeps a snapshot
every `every` steps and, when that would make more than `snapshots`, keeps every other
one and doubles `every` (at most `snapshots` held, spaced evenly); `online_reverse` then
reverses each interval between kept snapshots, from the last, with `revolve` and the
snapshots left free.

>>> list(online_reverse([0, 2], 3, 2))  # doctest: +NORMALIZE_WHITESPACE
[('restore', 2, 2), ('step', 2, 3), ('reverse', 2, 3), ('forget', 2, 2),
 ('restore', 0, 0), ('advance', 0, 1), ('snapshot', 1, 1), ('step', 1, 2),
 ('reverse', 1, 2), ('forget', 1, 1), ('restore', 0, 0), ('step', 0, 1),
 ('reverse', 0, 1), ('forget', 0, 0)]
"""

from __future__ import annotations

import re
from math import comb

import numpy as np


def _repetitions(steps: int, snapshots: int) -> int:
    """The least r with C(snapshots + r, snapshots) >= steps."""
    r = 0
    while comb(snapshots + r, snapshots) < steps:
        r += 1
    return r


def revolve_cost(steps: int, snapshots: int) -> int:
    """The fewest steps advanced to reverse `steps` steps with `snapshots` snapshots."""
    if steps <= 1:
        return 0
    if snapshots == 1:
        return steps * (steps - 1) // 2
    r = _repetitions(steps, snapshots)
    return r * steps - comb(snapshots + r, snapshots + 1)


def _split(steps: int, snapshots: int) -> int:
    """Where the next snapshot goes (steps after the current one) so the total stays the
    fewest: any m in [max(C(s + r - 2, s), l - C(s - 1 + r, s - 1)), min(C(s + r - 1, s),
    l - C(s + r - 2, s - 1))] does; this takes the lowest."""
    r = _repetitions(steps, snapshots)
    low = comb(snapshots + r - 2, snapshots) if r >= 2 else 1
    return max(low, steps - comb(snapshots - 1 + r, snapshots - 1), 1)


def revolve(steps: int, snapshots: int):
    """The actions reversing `steps` steps with at most `snapshots` snapshots (>= 1)."""
    steps, snapshots = int(steps), int(snapshots)
    if snapshots < 1:
        raise ValueError(f"checkpointing needs at least one snapshot, got {snapshots}")
    if steps <= 0:
        return
    yield ("snapshot", 0, 0)
    yield from _reverse(0, steps, snapshots)
    yield ("forget", 0, 0)


def _reverse(a: int, b: int, snapshots: int):
    """Reverse steps a .. b-1, from the state before step a, held in a snapshot."""
    todo = [("plan", a, b, snapshots)]  # what is left to do, the next last
    while todo:
        task = todo.pop()
        if task[0] != "plan":
            yield task
            continue
        _, a, b, s = task
        if b - a == 1:
            yield ("step", a, b)
            yield ("reverse", a, b)
        elif s == 1:  # one snapshot: advance from it to each step, from the last
            for k in range(b - 1, a - 1, -1):
                if k < b - 1:
                    yield ("restore", a, a)
                if k > a:
                    yield ("advance", a, k)
                yield ("step", k, k + 1)
                yield ("reverse", k, k + 1)
        else:
            m = a + _split(b - a, s)
            yield ("advance", a, m)
            yield ("snapshot", m, m)
            todo += [("plan", a, m, s), ("restore", a, a), ("forget", m, m),
                     ("plan", m, b, s - 1)]


def online_reverse(kept, steps: int, snapshots: int):
    """The actions reversing a loop that ran `steps` steps and kept snapshots before the
    steps in `kept` (0 among them, at most `snapshots`): each interval between two kept
    snapshots, from the last, is reversed by `revolve` with the snapshots left free."""
    kept = sorted(kept)
    if steps <= 0:
        for k in kept:
            yield ("forget", k, k)
        return
    bounds = kept + [steps]
    for n in range(len(kept) - 1, -1, -1):
        a, b = bounds[n], bounds[n + 1]
        yield ("restore", a, a)
        yield from _reverse(a, b, max(1, snapshots - n))
        yield ("forget", a, a)


_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "KIB": 2**10,
          "MIB": 2**20, "GIB": 2**30}


def snapshot_budget(budget, state) -> int:
    """How many snapshots of `state` (a tuple of the loop-carried values, as they are
    before the loop) `budget` allows: an int is the count; a string such as "200MB" is
    memory, divided by the size of one snapshot (its arrays' bytes, and 64 bytes of
    overhead per value). At least 1."""
    if isinstance(budget, bool) or not isinstance(budget, (int, str)):
        raise TypeError(f"checkpoint= takes a snapshot count or a size such as '200MB', "
                        f"got {budget!r}")
    if isinstance(budget, int):
        if budget < 1:
            raise ValueError(f"checkpoint={budget}: at least one snapshot is needed")
        return budget
    match = re.fullmatch(r"\s*([0-9.]+)\s*([A-Za-z]*)\s*", budget)
    if not match or match.group(2).upper() not in _UNITS:
        raise ValueError(f"checkpoint={budget!r}: give a count or a size like '200MB'")
    total = float(match.group(1)) * _UNITS[match.group(2).upper()]
    size = sum(np.asarray(v).nbytes + 64 for v in state)
    return max(1, int(total // size))


def snapshot_of(value):
    """A copy of an array (or list, or dict) a checkpointed loop writes in place."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, dict)):
        return value.copy()  # their items are replaced, never changed in place
    raise TypeError(f"checkpointing cannot copy a {type(value).__name__} the loop writes "
                    "in place")


def restore_into(value, saved) -> None:
    """Put a snapshot back into the object the loop writes in place (so its other names
    and views see it)."""
    if isinstance(value, np.ndarray):
        value[...] = saved
    elif isinstance(value, list):
        value[:] = saved
    else:
        value.clear()
        value.update(saved)


def checkpoint(iterable):
    """Mark a `for` loop for binomial checkpointing: `for t in pullback.checkpoint(range(T)):`.

    The gradient of the function then keeps a few snapshots of the loop's state (10, or
    the count `checkpoint=` gives) instead of a record per iteration, and recomputes the
    iterations in between on the way back, as few as revolve's schedule allows. Run
    plainly, it is the iterable itself. The loop must be outside other loops, run all
    its iterations (no break) and iterate over indices, not over values being
    differentiated; otherwise the gradient is refused with the loop's line and why.

    Args:
        iterable: what the loop iterates over (a range, a list of indices).

    Returns:
        `iterable`, unchanged.
    """
    return iterable


HELPERS = {"revolve": revolve, "online_reverse": online_reverse, "snapshot_budget": snapshot_budget,
           "snapshot_of": snapshot_of, "restore_into": restore_into}
