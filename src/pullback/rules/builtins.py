"""Rules for Python builtins that take part in numeric code."""

import builtins

import numpy

from ..errors import PullbackError
from ..runtime import helpers as runtime
from ..runtime import objects
from . import rule

RULES = {
    builtins.abs: rule("x", kinds=["elementwise"], x="abs_grad(g, x)",
                       jvp={"x": "abs_tangent(g, x)"}),
    builtins.float: rule("x", kinds=["fresh"], jvp={"x": "real_tangent(g)"}, x="g"),
    # NumPy's float64 called like float(): a NumPy scalar of the value
    numpy.float64: rule("x", kinds=["fresh"], x="g"),
    builtins.pow: rule("base, exp", broadcast=True, kinds=["elementwise"],
                       base="pow_grad_base(g, base, exp)",
                       exp="pow_grad_exponent(g, base, ans)"),
    # max(a, b) picks a when a >= b; max(values) the first largest element (a view: it
    # returns that element itself)
    # (the operand not picked gets the known zero, never g * False: NaN for an infinite g,
    # math.sqrt(max(v, 0.0)) at v < 0)
    builtins.max: rule("a, b=None",
                       a="(g if a >= b else 0.0) if b is not None else pick_grad(g, a, ans)",
                       b="g if a < b else 0.0",
                       jvp={"a": "(g if a >= b else 0.0) if b is not None "
                                 "else pick_tangent(g, a, ans)",
                            "b": "g if a < b else 0.0"}),
    builtins.min: rule("a, b=None",
                       a="(g if a <= b else 0.0) if b is not None else pick_grad(g, a, ans)",
                       b="g if a > b else 0.0",
                       jvp={"a": "(g if a <= b else 0.0) if b is not None "
                                 "else pick_tangent(g, a, ans)",
                            "b": "g if a > b else 0.0"}),
    builtins.sum: rule("iterable, start=0", kinds=["fresh"], jvp="linear",
                       iterable="sum_grad(g, iterable)", start="g"),
    # complex(a, b) = a + ib: a real part's gradient is Re(g), an imaginary part's -Im(g)
    # (autograd's convention for gradients of complex values: dL/dRe - i dL/dIm)
    builtins.complex: rule("real=0, imag=0", kinds=["fresh"], jvp="linear", real="np.real(g)",
                           imag="-np.imag(g)"),
    # of a list the function just built: a new tuple of the same elements
    builtins.tuple: rule("iterable", kinds=["fresh"], jvp="linear", iterable="g"),
    # zip(*rows), as normalize writes it: new tuples of the same elements
    runtime.transposed: rule("rows", kinds=["fresh"], jvp="linear",
                             rows="transposed_grad(g, rows)"),
    # its adjoint: linear in the columns' gradient d, rows giving only the lengths
    runtime.transposed_grad: rule("d, rows", kinds=["fresh"],
                                  jvp={"d": "transposed_grad(g, rows)", "rows": "0.0"},
                                  d="transposed_grad_adjoint(g, rows)", rows="0.0"),
    # the copy a function's writes into an input are made on (lower/inputs.py)
    runtime.own_input: rule("x, name, others", kinds=["fresh"], x="g",
                            jvp={"x": "own_tangent(g, x)"}),
    # np.add.at(a, index, v) and np.subtract.at, as lower/flatten.py writes them
    runtime.added_at: rule("a, index, values", kinds=["fresh"], a="g",
                           values="added_at_grad(g, index, values)",
                           jvp={"a": "g", "values": "added_at_tangent(g, a, index)"}),
    # its two helpers are linear in their first argument and each other's adjoint
    runtime.added_at_grad: rule("d, index, values", kinds=["fresh"], jvp="linear",
                                d="added_at_tangent(g, d, index)"),
    # the gradients a call g(a, *P, **M) hands back to P's elements and M's keys: linear
    # in the gradients of g's parameters, P and M giving only the layout
    runtime.spread_grads: rule("grads, layout, packed, mapping", kinds=["fresh"],
                               jvp="linear",
                               grads="spread_grads_transpose(g, grads, layout, packed, "
                                     "mapping)"),
    # the gradient of an operand of a + b: its elements' part of a joined list's or
    # tuple's gradient, or g summed to its shape
    runtime.join_grad: rule("d, a, b, side", kinds=["fresh"], jvp="linear",
                            d="join_grad_adjoint(g, d, a, b, side)"),
    # the gradient of an argument stored in attributes of an object f built: linear in
    # the object's gradient (its adjoint: g at those attributes of the object's gradient)
    objects.field_grad: rule("d, obj, attrs", kinds=["fresh"], jvp="linear",
                             d="field_grad_adjoint(g, d, obj, attrs)"),
    # the value of a parameter an inlined function rebinds by `+=` (lower/inlining.py)
    runtime.rebinding_value: rule("value, dunders, message", kinds=["fresh"],
                                  jvp="linear", value="g"),
    runtime.added_at_tangent: rule("t, a, index", kinds=["fresh"], jvp="linear",
                                   t="added_at_grad(g, index, t)"),
}

# normalize writes sorted(), and min() and max() with key=, as reads at the positions
# that sort_order, index_of_min and index_of_max compute, itertools.combinations(xs, r)
# with r counted when it runs at those of chosen_positions; loops read positions below
# loop_len
NONDIFF = {builtins.len, builtins.range, builtins.int, builtins.round, builtins.bool,
           builtins.isinstance, builtins.type, builtins.print, runtime.sort_order,
           runtime.chosen_positions,
           runtime.index_of_min, runtime.index_of_max, runtime.loop_len, runtime.unbound,
           runtime.whole_array, runtime.diagonal_index, runtime.put_index,
           runtime.view_index, runtime.unpack_check, runtime.reduce_check,
           runtime.has_key, runtime.matches_sequence, runtime.matches_mapping,
           runtime.matches_class, runtime.numpy_namespace, runtime.default_function,
           runtime.none_given, runtime.refused_here,
           runtime.set_attribute, runtime.set_new_container, runtime.store_item,
           runtime.final_state, runtime.write_back, runtime.bound_value,
           runtime.updated_in_place, runtime.changed_in_place, runtime.given_object}




def spread_grads_transpose(g, grads, layout, packed, mapping):
    """The adjoint of spread_grads with respect to `grads` (parameter -> gradient): each
    parameter's part of g, the gradients of (P's elements, M's values), read back from
    the element or key that filled it (a list of them for *args, as a tuple's gradient
    is, a dict for **kwargs)."""
    given, named = runtime.item_grad(g, 0), runtime.item_grad(g, 1)
    positional, offset = layout["positional"], layout["offset"]

    def element(i):
        return 0.0 if given.__class__ is float else given[i]

    def value(key):
        return 0.0 if named.__class__ is float else named[key]

    out = {}
    for param in grads:
        part = 0.0
        if packed is not None and param in positional \
                and 0 <= positional.index(param) - offset < len(packed):
            part = element(positional.index(param) - offset)
        elif packed is not None and param == layout["varargs"]:
            part = runtime.GradList(element(i) for i in range(
                max(len(positional) - offset, 0), len(packed)))  # (a tuple's gradient)
        elif mapping is not None and param in mapping:
            part = value(param)
        elif mapping is not None and param == layout["varkw"]:
            part = runtime.GradDict({k: value(k) for k in mapping if k not in layout["named"]})
        out[param] = part
    return out


def join_grad_adjoint(g, d, a, b, side):
    """The adjoint of join_grad with respect to d: for joined sequences, g put at the
    operand's elements of a gradient of the whole (zeros at the other's); otherwise the
    adjoint of summing d to the operand's shape, g broadcast back to d's."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if g.__class__ is float and g == 0.0:
            return 0.0
        zeros = [0.0] * (len(b) if side == 0 else len(a))
        return runtime.GradList(list(g) + zeros if side == 0 else zeros + list(g))
    from .higher import spread_to

    return spread_to(g, d)


def field_grad_adjoint(g, d, obj, attrs):
    """The adjoint of field_grad with respect to the object's gradient d: for a
    NamedTuple, g at the fields `attrs` (zeros at the others); for any other object,
    for an object storing them (an instance, a dataclass, a slotted one), its gradient
    record with g at `attrs` (zeros at its other stored attributes), as accum_attr makes
    it; refused for any other object."""
    if g.__class__ is float and g == 0.0:
        return 0.0
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        parts = [0.0] * len(obj)
        for attr in attrs:
            at = obj._fields.index(attr)
            parts[at] = runtime.add_grads(parts[at], g)
        return runtime.GradList(parts)  # (a tuple's gradient)
    stored = runtime.stored_attributes(obj)
    if stored is not None and all(attr in stored for attr in attrs):
        record = runtime.GradRecord.fromkeys(stored, 0.0)
        record.owner, record.where = obj, ""
        for attr in attrs:
            record[attr] = runtime.add_grads(record[attr], g)
        return record
    raise PullbackError(
        f"a second derivative by reverse over reverse through the gradient of the "
        f"{type(obj).__qualname__} object f builds (its attributes {', '.join(attrs)}): "
        "use pullback.hvp (forward over reverse)")


def transposed_grad_adjoint(g, rows):
    """The adjoint of transposed_grad(d, rows) in d: the gradient of column i's element j
    is g's of row j's element i, for zip's columns (as many as the shortest row)."""
    columns = min((len(row) for row in rows), default=0)
    return runtime.GradList(runtime.GradList(
        runtime.item_grad(runtime.item_grad(g, j), i) for j in range(len(rows)))
        for i in range(columns))


HELPERS = {"spread_grads_transpose": spread_grads_transpose,
           "transposed_grad_adjoint": transposed_grad_adjoint,
           "field_grad_adjoint": field_grad_adjoint,
           "join_grad_adjoint": join_grad_adjoint}
