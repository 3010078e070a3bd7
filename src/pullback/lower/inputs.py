"""Inputs written in place: f's writes into an array, list or dict it was given are made
on a copy, and the copy's final state is written back into the caller's object when f
returns, so the gradient sees f's effect on its arguments and no analysis ever sees a
write into an input.

Guarantees: for each parameter in `owned` (the aliasing check found it written in place,
and `rebound` found no assignment that rebinds it), `own_inputs` puts at the start of the
normalized body

    x_given = x
    others = (y, z)                   # the other parameters, when there are any
    x = own_input(x, 'x', others)     # a copy, with the derivative of the identity

and before its single return

    x_final = final_state(x)          # what f left there (the adjoint restores x)
    unused = write_back(x_given, x_final)

the second of which the generated gradient runs last, after its adjoint (`AT_EXIT`: the
gradient is shaped by the input as given, before an append or a new key). `own_input` copies an
ndarray (same dtype and memory order), a list or a dict; it raises as f would for a
read-only array, refuses (a PullbackError naming the parameter) an object another
argument or a module-level array, list or dict f reads shares (f's writes would show
through the other name) and any other mutable
type, and leaves numbers, strings and tuples as they are (f's write raises on them).
The gradient with respect to x is the one with respect to the values x held on entry.
A raise inside f leaves the caller's object as it was on entry, where f would leave it
partly written.

>>> from pullback.lower.example import lowered, show
>>> def f(x, y):
...     x[0] = x[1] * y
...     return x[0] + x[1]
>>> show(lowered(f, owned=("x",)))
def f(x, y):
    x_given = x
    others = (y,)
    x = own_input(x, 'x', others)
    x_item = x[1]
    mul = x_item * y
    x[0] = mul
    x_item_2 = x[0]
    x_item_3 = x[1]
    out = x_item_2 + x_item_3
    x_final = final_state(x)
    unused = write_back(x_given, x_final)
    return out
"""

from __future__ import annotations

import gast
import numpy as np

from ..ir.annotations import AT_EXIT, EFFECT
from ..ir.nodes import assign, call, const, load, parameters, tuple_of, walk
from .common import at_line


def rebound(tree, name: str) -> bool:
    """Whether the function assigns `name` anywhere (`x = ...`, `x += ...`, a loop or
    `with` target, a `del`): then the object written in place is not surely the one the
    caller passed, and the write is refused as before."""
    return any(isinstance(node, gast.Name) and node.id == name
               and isinstance(node.ctx, (gast.Store, gast.Del)) for node in walk(tree))


def own_inputs(body: list, tree, owned, namer, lookup) -> list:
    """`body` (normalized, ending in its single return) with the copies made on entry and
    written back before the return, for the parameters in `owned`. `lookup(name)` gives
    what a free name denotes: the module-level arrays, lists and dicts the body reads are
    checked against the input too (f would see its writes through them)."""
    if not owned:
        return body
    line = getattr(tree, "lineno", None)
    params = parameters(tree.args)
    stored = set(params)
    read = set()
    for s in body:
        for node in walk(s):
            if isinstance(node, gast.Name):
                (read if isinstance(node.ctx, gast.Load) else stored).add(node.id)
    outer = sorted(n for n in read - stored
                   if isinstance(lookup(n), (np.ndarray, list, dict)))
    start, end = [], []
    for name in (p for p in params if p in owned):
        given = namer.fresh(f"{name}_given")
        start.append(assign(given, load(name)))
        others = [p for p in params if p != name] + outer
        if others:
            packed = namer.fresh("others")
            start.append(assign(packed, tuple_of(*map(load, others))))
            passed = load(packed)
        else:
            passed = tuple_of()
        start.append(assign(name, call("own_input", load(name), const(name), passed)))
        final = namer.fresh(f"{name}_final")
        end.append(assign(final, call("final_state", load(name))))
        end.append(assign(namer.fresh("unused"), call("write_back", load(given), load(final))))
        EFFECT.set(end[-1], True)
        AT_EXIT.set(end[-1], True)
    for s in start + end:
        at_line(s, line)
    returns = body[-1:] if body and isinstance(body[-1], gast.Return) else []
    return start + body[:len(body) - len(returns)] + end + returns
