"""Shape-specialized printing: the generated code as it reads for given argument shapes.

`specialize(transformed, func, example_args, mode)` rewrites the generated tree for
printing (`source(f, example_args=...)`, `pullback show --shapes`):
- a helper that, at those shapes, hands back its first argument unchanged is left out
  (`unbroadcast(g, x)` when g already has x's shape, `as_grad(dx, x)` when dx already is
  a float array of x's shape, `np.asarray(a)` of an array, `broadcast_tangent`,
  `expand_reduced`, `unbroadcast_to`): `d = unbroadcast(g, x)` prints as `d = g`;
- `matmul_grad_a(g, a, b)` prints as the product it computes for those dimensions
  (`g @ b.T` for matrices), and likewise `matmul_grad_b`;
- a value a loop records only for a call left out is no longer recorded;
- above the code, per loop, what one iteration records with its size in bytes at these
  shapes, and the total over the loop's trips (derive/records.py's `record_summary`):
  measured in the run on the example arguments, where the memory goes.

How it knows: the general code runs, instrumented, on the example arguments and on two
more draws of random numbers of the same shapes and types, and a call is rewritten only
when every one of its executions in those runs took the case the rewrite prints (the
helper returned its first argument itself; both matrix operands had the dimensions
printed, the gradient an array). So the specialized code computes the same values as the
general code for these shapes on every path those runs took; a call that never ran
stays general. Guarantee: this is printing only. The compiled gradient pullback runs is
never specialized, so other shapes never meet this code.
"""

from __future__ import annotations

import copy
import inspect
import sys
import warnings

import gast
import numpy as np

from .. import rules
from ..derive.records import record_summary
from ..errors import PullbackError
from ..ir.nodes import call, clone, comment, dotted_name, load, walk
from ..runtime.helpers import _summed_axes
from . import codegen

# helpers left out where they returned their first argument itself, besides the calls the
# rule tables declare pure (rules.PURE_CALLS: np.asarray of an array, say)
_IDENTITY = {"unbroadcast", "unbroadcast_to", "as_grad", "broadcast_tangent", "expand_reduced"}


def _attr(value, *chain):
    for name in chain:
        value = gast.Attribute(value=value, attr=name, ctx=gast.Load())
    return value


def _matmul(left, right):
    return gast.BinOp(left=left, op=gast.MatMult(), right=right)


def _mult(left, right):
    return gast.BinOp(left=left, op=gast.Mult(), right=right)


def _outer(left, right):
    return call(_attr(load("np"), "multiply", "outer"), left, right)


# the helpers rewritten other than by leaving them out -> how many arguments their calls
# pass (all positional)
_ARGUMENTS = {"unbroadcast": 2, "unbroadcast_to": 2, "unreduce": 4, "matmul_grad_a": 3,
              "matmul_grad_b": 3}

# helper -> (ndim of a, ndim of b) -> the expression it computes from (g, a, b)
_PRODUCTS = {
    "matmul_grad_a": {(2, 2): lambda g, a, b: _matmul(g, _attr(b, "T")),
                      (2, 1): lambda g, a, b: _outer(g, b),
                      (1, 1): lambda g, a, b: _mult(g, b)},
    "matmul_grad_b": {(2, 2): lambda g, a, b: _matmul(_attr(a, "T"), g),
                      (2, 1): lambda g, a, b: _matmul(g, a),
                      (1, 1): lambda g, a, b: _mult(g, a),
                      (1, 2): lambda g, a, b: _outer(a, g)},
}


def _case(name, args, keywords, result):
    """Which case of helper `name` this execution took (what the rewrite needs), or None."""
    if _leaves_out(name) and args and result is args[0]:
        return "identity"
    if keywords or len(args) != _ARGUMENTS.get(name):
        return None
    if name in ("unbroadcast", "unbroadcast_to"):
        return _summed(name, *args)
    if name == "unreduce":
        g, x, axis, keepdims = args
        if g.__class__ is float and g != 0.0 and axis is None and keepdims is False \
                and x.__class__ is np.ndarray and x.dtype == np.float64 and x.ndim:
            return "filled"
        return None
    if name in _PRODUCTS:
        g, a, b = args
        if g.__class__ is float or a.__class__ is not np.ndarray \
                or b.__class__ is not np.ndarray:
            return None  # (a gradient known to be zero, lists made arrays: its own cases)
        return (a.ndim, b.ndim) if (a.ndim, b.ndim) in _PRODUCTS[name] else None
    return None


def _summed(name, g, x):
    """("summed", axes, keepdims) when unbroadcast(g, x) is np.sum(g, axis=axes, keepdims)."""
    if g.__class__ is not np.ndarray:
        return None
    if name == "unbroadcast_to":
        if x.__class__ is not tuple:
            return None
        shape = x
    else:
        shape = x.shape if x.__class__ is np.ndarray else np.shape(x)
    found = _summed_axes(g.shape, shape)
    if found is None:
        return None
    axes, keep = found
    lead = g.ndim - len(shape)
    if axes is None or keep or axes == tuple(range(lead)):
        return ("summed", axes, keep)
    return None  # (summed, then reshaped: left as it is)


def _printed(name, case, args):
    """The expression a call of `name` with `args` (nodes) computes in `case`."""
    if case == "identity":
        return args[0]
    if case == "filled":
        return call(_attr(load("np"), "full_like"), args[1], args[0])
    if case[0] == "summed":
        _, axes, keep = case
        made = call(_attr(load("np"), "sum"), args[0])
        if axes is not None:
            axis = gast.Constant(value=axes[0], kind=None) if len(axes) == 1 else gast.Tuple(
                elts=[gast.Constant(value=a, kind=None) for a in axes], ctx=gast.Load())
            made.keywords.append(gast.keyword(arg="axis", value=axis))
        if keep:
            made.keywords.append(gast.keyword(arg="keepdims",
                                              value=gast.Constant(value=True, kind=None)))
        return made
    return _PRODUCTS[name][case](*args)


def _candidates(tree) -> list:
    return [n for n in walk(tree) if isinstance(n, gast.Call) and n.args
            and not any(isinstance(a, gast.Starred) for a in n.args)
            and (not n.keywords and len(n.args) == _ARGUMENTS.get(dotted_name(n.func))
                 or _leaves_out(dotted_name(n.func)))]


def _leaves_out(name) -> bool:
    """Whether a call of `name` that returned its first argument itself may print as it:
    a helper or a function that does nothing else (pure)."""
    return name in _IDENTITY or name in rules.PURE_CALLS


def specialize(transformed, func, example_args, mode, wrt, numbered=True) -> None:
    """Rewrite `transformed.tree` (in place) for the shapes of `example_args` (`wrt`: the
    names of the parameters differentiated; `numbered`: the record report gives each
    loop's line in the printed code, false when comments will be added to it)."""
    tree = transformed.tree
    if isinstance(tree, gast.Module) or mode not in ("grad", "value_and_grad", "vjp", "jvp"):
        raise PullbackError("example_args specializes the code of grad, value_and_grad, vjp "
                            "and jvp")
    sites = _candidates(tree)
    observed: list[set] = [set() for _ in sites]
    runs = [0] * len(sites)
    instrumented = clone(tree)
    pushes = _record_pushes(tree)
    measured = [RecordSizes(push.args[0]) for push in pushes]
    counting = [True]  # the example's run only
    for k, node in enumerate(_record_pushes(instrumented)):
        node.args = [call("observe_record", gast.Constant(value=k, kind=None), node.args[0])]
    for k, node in enumerate(_candidates(instrumented)):
        node.args = [gast.Constant(value=k, kind=None), node.func, *node.args]
        node.func = load("observe_call")

    def observe_call(k, helper, *args, **kwargs):
        result = helper(*args, **kwargs)
        runs[k] += 1
        observed[k].add(_case(dotted_name(sites[k].func), args, kwargs, result))
        return result

    def observe_record(k, value):
        if counting[0]:
            measured[k].add(value if len(measured[k].nodes) > 1 else (value,))
        return value

    text = codegen.to_source(instrumented)
    constants = {**transformed.constants, "observe_call": observe_call,
                 "observe_record": observe_record}
    code = codegen.compile_source(text, [instrumented.name],
                                  [*func.__code__.co_freevars, *constants],
                                  f"{func.__qualname__} specialized",
                                  transformed.module_reads)[instrumented.name]
    run = codegen.bind(code, func, constants)
    args = tuple(example_args)
    rng = np.random.default_rng(0)
    params = list(inspect.signature(func).parameters)
    wrt = [params.index(name) for name in wrt]
    _call(run, mode, transformed, func, args, wrt, rng)  # the example itself must run
    counting[0] = False
    for _ in range(2):
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")  # (random values outside f's domain)
                _call(run, mode, transformed, func, _redrawn(args, rng), wrt, rng)
        except Exception:  # noqa: BLE001 (there, f may raise: that draw is left out)
            continue
    for k, node in enumerate(sites):
        cases = observed[k]
        if not runs[k] or len(cases) != 1 or None in cases:
            continue
        (case,) = cases
        _replace(tree, node, _printed(dotted_name(node.func), case, node.args))
    _propagate_copies(tree)
    _forget_unread_records(tree)
    note = _shapes_note(func, args)
    sizes = {push.func.value.id: measured[k].of(push.args[0])  # (some items left out)
             for k, push in enumerate(pushes) if measured[k].trips}
    report = record_summary(codegen.to_source(tree), sizes, numbered=numbered)
    if report:
        note.append("# what loops keep for the adjoint at these shapes"
                    + (" (lines of this code):" if numbered else ":"))
        shift = len(note) + len(report)  # the note goes above the function's code
        note += [_shifted(line, shift) for line in report] if numbered else report
    tree.body[:0] = [comment(line) for line in note]


def _record_pushes(tree) -> list:
    """The calls `saved.append(record)` by which loops keep one record per iteration."""
    return [n for n in walk(tree) if isinstance(n, gast.Call)
            and isinstance(n.func, gast.Attribute) and n.func.attr == "append"
            and isinstance(n.func.value, gast.Name) and n.func.value.id.startswith("saved")
            and len(n.args) == 1 and not n.keywords]


def _shifted(line: str, by: int) -> str:
    """A report line `# line N, ...` about the code before `by` lines went above it."""
    hash_, word, number, rest = line.split(" ", 3)
    end = number[-1] if number[-1] in ",:" else ""
    return f"{hash_} {word} {int(number.rstrip(',:')) + by}{end} {rest}"


class RecordSizes:
    """What a loop's records held in one run: how many (trips), and per item of the record
    (`value`, the pushed expression) the first record's item, the least and most bytes of
    one, and the bytes of all of them."""

    def __init__(self, value):
        self.nodes = value.elts if isinstance(value, gast.Tuple) else [value]
        self.trips, self.first, self.total = 0, None, None

    def add(self, items) -> None:
        sizes = [_footprint(item) for item in items]
        if self.first is None:
            self.first, self.total = list(items), [0] * len(items)
            self.least, self.most = list(sizes), list(sizes)
        self.total = [t + n for t, n in zip(self.total, sizes)]
        self.least = [min(a, b) for a, b in zip(self.least, sizes)]
        self.most = [max(a, b) for a, b in zip(self.most, sizes)]
        self.trips += 1

    def of(self, value) -> dict:
        """For `record_summary`: the printed record item -> (its size in the first record,
        bytes over all records), with "trips" and "overhead" (the tuples and list slots)."""
        kept = value.elts if isinstance(value, gast.Tuple) else [value]
        # each record's tuple (when several items) and its slot in the list
        tuple_bytes = sys.getsizeof(tuple(range(len(kept)))) if len(kept) > 1 else 0
        out = {"trips": self.trips, "overhead": self.trips * (tuple_bytes + 8)}
        for node in kept:
            at = next(i for i, n in enumerate(self.nodes) if n is node)
            varies = self.least[at] != self.most[at]  # (a float, then np.float64s)
            out[codegen.to_source(node).strip()] = (
                f"{self.least[at]} to {self.most[at]} B" if varies
                else _described(self.first[at]), self.total[at])
        return out


def _footprint(value) -> int:
    """Bytes `value` holds: an array's data, a container's slots and items, an object's
    size. A shape kept by `record_shape` is shared by all records of that shape: 0."""
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, tuple) and all(type(d) is int for d in value):
        return 0  # (a shape: one tuple per shape, shared by the records)
    if isinstance(value, (tuple, list)):
        return sys.getsizeof(value) + sum(_footprint(v) for v in value)
    if isinstance(value, dict):
        return sys.getsizeof(value) + sum(_footprint(v) for v in value.values())
    return sys.getsizeof(value)


_KINDS = {"f": "floats", "c": "complex numbers", "i": "ints", "u": "ints", "b": "booleans"}


def _described(value) -> str:
    """`32 floats, 256 B`; `float, 24 B`; `shape` (one shared tuple per shape)."""
    if isinstance(value, np.ndarray):
        return f"{value.size} {_KINDS.get(value.dtype.kind, 'items')}, {value.nbytes} B"
    if isinstance(value, tuple) and all(type(d) is int for d in value):
        return "shape"
    return f"{type(value).__name__}, {_footprint(value)} B"


def _call(run, mode, transformed, func, args, wrt, rng):
    args = copy.deepcopy(args)
    if mode in ("grad", "value_and_grad"):
        return run(*args)
    if mode == "vjp":
        return run(_like(func(*copy.deepcopy(args)), rng), *args)
    # jvp: one tangent per wrt parameter, passed as pullback.jvp passes them
    tangents = [_like(args[i], rng) for i in wrt]
    if transformed.tangents_last:
        return run(*args, tangents[0] if len(tangents) == 1 else tuple(tangents))
    return run(*tangents, *args)


def _like(value, rng):
    """Random numbers with the shape and type of `value` (itself if not numbers)."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "fc":
        return rng.normal(size=value.shape).astype(value.dtype)
    if isinstance(value, float):
        return float(rng.normal())
    if isinstance(value, (list, tuple)):
        return type(value)(_like(v, rng) for v in value)
    if isinstance(value, dict):
        return {k: _like(v, rng) for k, v in value.items()}
    return value


def _redrawn(args, rng):
    return tuple(_like(a, rng) for a in args)


def _replace(tree, old, new) -> None:
    for node in walk(tree):
        for field in node._fields:
            value = getattr(node, field, None)
            if value is old:
                setattr(node, field, new)
                return
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if item is old:
                        value[i] = new
                        return


def _propagate_copies(tree) -> None:
    """`a = b` (a call left out) followed, in its block, by the only reads of `a`: they read
    `b`, and the copy goes, when each name is assigned once in the function and `b` is
    not assigned after the copy (so every read of `a` sees the value `b` has)."""
    stores: dict = {}
    for n in walk(tree):
        if isinstance(n, gast.Name) and not isinstance(n.ctx, gast.Load):
            stores[n.id] = stores.get(n.id, 0) + 1
    for block in [n.body for n in walk(tree) if isinstance(getattr(n, "body", None), list)] + [
            n.orelse for n in walk(tree) if isinstance(getattr(n, "orelse", None), list)]:
        i = 0
        while i < len(block):
            copy_ = block[i]
            if not (isinstance(copy_, gast.Assign) and isinstance(copy_.targets[0], gast.Name)
                    and isinstance(copy_.value, gast.Name)
                    and stores.get(copy_.targets[0].id) == 1
                    and stores.get(copy_.value.id) == 1):
                i += 1
                continue
            a, b = copy_.targets[0].id, copy_.value.id
            after = gast.Module(body=block[i + 1:], type_ignores=[])
            reads = [n for n in walk(after) if isinstance(n, gast.Name) and n.id == a]
            everywhere = [n for n in walk(tree) if isinstance(n, gast.Name) and n.id == a
                          and isinstance(n.ctx, gast.Load)]
            b_after = any(isinstance(n, gast.Name) and n.id == b
                          and not isinstance(n.ctx, gast.Load) for n in walk(after))
            if b_after or len(reads) != len(everywhere):
                i += 1
                continue
            for n in reads:
                n.id = b
            del block[i]


def _forget_unread_records(tree) -> None:
    """A value popped from a loop's records that nothing reads any more (its shape was
    read by a call left out) is no longer pushed nor popped."""
    loads = {}
    for n in walk(tree):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load):
            loads[n.id] = loads.get(n.id, 0) + 1
    pushes = {}
    for n in walk(tree):
        if isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute) \
                and n.func.attr == "append" and isinstance(n.func.value, gast.Name) \
                and len(n.args) == 1:
            pushes.setdefault(n.func.value.id, []).append(n)
    for loop in walk(tree):
        if not (isinstance(loop, gast.While) and isinstance(loop.test, gast.Name) and loop.body
                and isinstance(loop.body[0], gast.Assign)
                and isinstance(loop.body[0].targets[0], gast.Tuple)
                and dotted_name(loop.body[0].value.func) == f"{loop.test.id}.pop"
                and len(pushes.get(loop.test.id, [])) == 1):
            continue
        pop, push = loop.body[0], pushes[loop.test.id][0]
        names, values = pop.targets[0].elts, push.args[0]
        if not isinstance(values, gast.Tuple) or len(values.elts) != len(names):
            continue
        keep = [i for i, n in enumerate(names) if not isinstance(n, gast.Name) or loads.get(n.id)]
        if not keep or len(keep) == len(names):
            continue
        kept_names = [names[i] for i in keep]
        kept_values = [values.elts[i] for i in keep]
        pop.targets[0] = kept_names[0] if len(keep) == 1 else gast.Tuple(
            elts=kept_names, ctx=gast.Store())
        push.args[0] = kept_values[0] if len(keep) == 1 else gast.Tuple(
            elts=kept_values, ctx=gast.Load())


def _describe(value) -> str:
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape}, {value.dtype}"
    return type(value).__name__


def _shapes_note(func, args) -> list:
    params = list(inspect.signature(func).parameters)
    return ["# Printed for arguments like these (pullback runs the general code, for any shapes):",
            *[f"#   {p}: {_describe(a)}" for p, a in zip(params, args)],
            "# helpers that do nothing at these shapes are left out, products written out."]
