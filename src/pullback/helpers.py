"""Every name generated code binds itself: `np`, `math`, and the helpers of the runtime
(`runtime/`) and of the rules (`rules.HELPERS`: `rules/support.py`, `rules/tangent_support.py`
and the helpers a rule module keeps beside its rules).

Guarantees: each name is defined once (two helpers of one name would silently hide
each other, so that refuses to import); codegen binds exactly these as closure
variables of every compiled gradient, and the earlier stages read this table to tell a
helper's name from the user's.

>>> from pullback.helpers import HELPERS
>>> HELPERS["unbroadcast"].__module__
'pullback.runtime.helpers'
"""

from __future__ import annotations

import math

import numpy as np

from .rules import HELPERS as RULE_HELPERS
from .runtime import checkpoint, method_tangents, objects
from .runtime import helpers as runtime

HELPERS = {"np": np, "math": math}
for _helpers in (runtime.HELPERS, RULE_HELPERS, objects.HELPERS, checkpoint.HELPERS,
                 method_tangents.HELPERS):
    if set(_helpers) & set(HELPERS):  # one would silently hide the other
        raise ImportError(f"helpers defined twice: {set(_helpers) & set(HELPERS)}")
    HELPERS.update(_helpers)


def module_reads(bindings, closure) -> tuple:
    """The helper names (`np`, `math`) that f reads as globals of its module, there bound
    to the helper's own object (`import numpy as np`): the generated code reads them as f
    does, as globals of f's module (a global read costs a few ns, where the entry guard
    `module_globals['np'] is not np_at_transform` took tens), its entry guard compares
    what that read finds (`if np is not np_at_transform: rebound('np')`), and every other
    read of the name finds the object the guard passed, which is the helper's. `bindings`:
    what f's free names denoted when transformed; `closure`: f's closure variables."""
    return tuple(sorted(name for name, obj in bindings.items()
                        if name in HELPERS and obj is HELPERS[name] and name not in closure))
