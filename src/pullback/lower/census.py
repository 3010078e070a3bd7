"""What occurs in a function's tree, from one walk: which of normalize's rare-construct
lowerings (deques, np.vectorize, np.apply_along_axis, the user's generators) could find
anything to rewrite.

Guarantee: a lowering that `Census` says has nothing to find (`deques`, `vectorize`,
`along_axis`, `generators` False) would find nothing and leave the tree as it is: each
answer is a necessary condition of that lowering's own first test (the spelling `deque`
called; a call whose callee, or its callee's callee, is a dotted name denoting
np.vectorize or an np.vectorize object, or a callee that is itself a call; a dotted callee
denoting np.apply_along_axis; a nested def, or a dotted callee denoting a generator
function). A census describes the tree as it was walked: normalize
takes a new one after any lowering that may have changed the tree. Each callee spelling
is resolved once, not once per call and per lowering.

>>> from collections import deque
>>> from pullback.lower.example import parsed
>>> def f(x):
...     q = deque([x])
...     return sum(q) * 2.0
>>> p = parsed(f)
>>> census = Census(p.tree, p)
>>> sorted(census.callees), census.deques, census.vectorize, census.generators
(['deque', 'sum'], True, False, False)
"""

from __future__ import annotations

import inspect

import gast
import numpy as np

from ..frontend.parse import MISSING
from ..ir.nodes import Walk, dotted_name


class Census:
    def __init__(self, tree, parsed):
        self.parsed = parsed
        self.walk = Walk(tree)  # (its nodes by class: what the passes after ask about)
        self.nodes = self.walk.nodes
        self.calls = self.walk.of(gast.Call)
        self.nested = nested_definitions(self.walk)
        self.tails = set()  # the last name of each callee spelled by name (`deque`)
        self.callees = set()  # each dotted callee, spelled once (`np.sin`)
        self.called_calls = False  # a callee that is itself a call (`np.vectorize(g)(x)`)
        for c in self.calls:
            func = c.func
            if func.__class__ is gast.Name:
                self.tails.add(func.id)
            elif func.__class__ is gast.Attribute:
                self.tails.add(func.attr)
            elif func.__class__ is gast.Call:
                self.called_calls = True
            dotted = dotted_name(func)
            if dotted is not None:
                self.callees.add(dotted)
        self._denoted = None

    def denoted(self) -> list:
        """What each dotted callee denotes (as the lowerings resolve it: a failure is
        nothing)."""
        if self._denoted is None:
            self._denoted = []
            for dotted in self.callees:
                try:
                    self._denoted.append(self.parsed.resolve_dotted(dotted))
                except Exception:  # noqa: BLE001 (a name resolving to nothing: not ours)
                    continue
        return self._denoted

    @property
    def deques(self) -> bool:
        return "deque" in self.tails

    @property
    def vectorize(self) -> bool:
        return self.called_calls or any(
            found is np.vectorize or isinstance(found, np.vectorize)
            for found in self.denoted())

    @property
    def along_axis(self) -> bool:
        return any(found is np.apply_along_axis for found in self.denoted())

    @property
    def generators(self) -> bool:
        return self.nested or any(found is not MISSING and inspect.isgeneratorfunction(found)
                                  for found in self.denoted())


def nested_definitions(walked: Walk) -> bool:
    """Whether a def or lambda stands below the walked function's own node."""
    root = walked.nodes[0].__class__  # (not counted)
    return len(walked.of(gast.FunctionDef)) > (root is gast.FunctionDef) \
        or len(walked.of(gast.Lambda)) > (root is gast.Lambda)
