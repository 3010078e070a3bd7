"""Rules for what is not a function of a module: the array methods kept as written in
the primal (`x.copy()`, `x.astype(t)`, `x.item()`, `x.tolist()`; the others are NumPy functions, see
`Rule.methods`), the array attributes that are NumPy functions of the array (`x.T`), and
Python's `+` and `*` where an operand may be a list or tuple.

The activity analysis asks this module, so a method is added here, in one place, with
its adjoint, its tangent and its kinds.

    >>> sorted(METHOD_RULES), ATTRIBUTE_FUNCTIONS["T"].__name__
    (['astype', 'copy', 'item', 'tolist'], 'transpose')
"""

from dataclasses import replace

import gast
import numpy as np

from . import rule

# Attributes of arrays that are NumPy functions of them (and views, as their rules say).
ATTRIBUTE_FUNCTIONS = {"T": np.transpose, "real": np.real, "imag": np.imag}

# Methods kept as written in the primal (lists have copy too); the receiver is `self`.
METHOD_RULES = {
    "copy": rule("self, order='K'", kinds=["fresh"], self="g", jvp={"self": "owned(g)"}),
    # a new array unless copy=False (aliasing.py's fresh_result asks the bound copy)
    "astype": rule("self, dtype, copy=True", self="astype_grad(g, ans)",
                   jvp={"self": "astype_tangent(g, ans)"}),
    "item": rule("self", kinds=["fresh"], self="reshape_like(g, self)",
                 jvp={"self": "item_tangent(g)"}),
}


def tolist_grad(d, a):
    """The gradient of array a from that of `a.tolist()`: nested lists (an unused element
    or sub-list has 0.0), or 0.0."""
    g = d
    out = np.zeros(np.shape(a), dtype=np.result_type(a, float))

    def fill(part, at):
        if isinstance(part, list):
            for i, item in enumerate(part):
                fill(item, (*at, i))
        else:
            out[at] += part

    fill(g, ())
    return out


def tolist_tangent(d, a):
    """The tangent of `a.tolist()`: that of a, as the same nested lists."""
    return np.broadcast_to(np.asarray(d, dtype=np.result_type(a, float)), np.shape(a)).tolist()


# a.tolist(): nested lists of Python numbers (a list is a new object)
METHOD_RULES["tolist"] = replace(
    rule("self", kinds=["fresh"], self="tolist_grad(g, self)",
         jvp={"self": "tolist_tangent(g, self)"}),
    functions=(("tolist_grad", tolist_grad), ("tolist_tangent", tolist_tangent)))

# `+` and `*` where an operand may be a list or tuple: they join or repeat sequences, and
# the helpers split the gradient accordingly (or, on numbers and arrays, do what the
# operator rules do). The result is a new list (its elements are shared, but an array
# written in place is never put into a list: aliasing.py refuses that). Joining is linear
# in the operands, repeating bilinear (a count has no tangent).
SEQUENCE_RULES = {
    gast.Add: rule("a, b", kinds=["fresh"], jvp="linear", a="join_grad(g, a, b, 0)",
                   b="join_grad(g, a, b, 1)"),
    gast.Mult: rule("a, b", kinds=["fresh"], jvp="bilinear", a="replicate_grad(g, a, b, 0)",
                    b="replicate_grad(g, a, b, 1)"),
}
