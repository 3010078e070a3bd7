"""Rules for the standard library's `copy.copy` and `copy.deepcopy`: a copy has the value
of what it copies, so its gradient is the copy's own, passed through (`g`), and so is its
tangent; and the second-order rule of `a.tolist()`'s gradient helper (rules/methods.py):
tolist_grad (nested lists -> array) is linear in `d`, its adjoint tolist_tangent (array ->
nested lists, which has no rule of its own: a derivative reaching it is refused), and
reads `a` for its shape only.

Guarantees:
- `copy.deepcopy(x)` shares nothing with x (arrays, and the lists, tuples and dicts that
  hold them, are new): its result is fresh, and writes into it or its parts are writes
  into objects f made;
- `copy.copy(x)` of an array (or a number) is a new array, as np.copy is; of a list,
  tuple or dict it is a new container holding x's own elements, as `list(xs)` is: an
  in-place change of such an element through the copy (`ys[0] *= 2`, `ys[0][1] = v`) is
  refused as it is for any array held in a container.
"""

from __future__ import annotations

import copy

from . import rule
from .methods import tolist_grad, tolist_tangent

FRESH = ("fresh",)

RULES = {
    copy.deepcopy: rule("x, memo=None", kinds=FRESH, x="g", jvp="linear"),
    copy.copy: rule("x", kinds=FRESH, x="g", jvp="linear"),
    tolist_grad: rule("d, a", kinds=FRESH, jvp={"d": "tolist_grad(g, a)", "a": "0.0"},
                      d="tolist_tangent(g, a)", a="0.0"),
}

NONDIFF: dict = {}
HELPERS = {f.__name__: f for f in (tolist_grad, tolist_tangent)}  # (for rule samples)
