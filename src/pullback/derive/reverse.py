"""Stage 6, reverse: SSA primal + activity -> one function computing the gradient.

Guarantees on the output (a gast FunctionDef):
- the primal sweep is the SSA code, plus: before each in-place write `x[i] = v`,
  the overwritten slot is saved (`x_old = save_slot(x, i)`); inside loops, at
  the end of each loop body or branch, ONE push of exactly the values defined
  there that the adjoint reads (to-be-recorded analysis over the generated
  adjoint); loops that break or `while` loops count their trips;
- a `with` block runs its manager around the body in the primal, and the body's adjoint
  under the floating-point error state the body ended with; a manager that swallowed
  an exception midway is refused after the block. A `try` block records in its flag
  whether the body completed (the except clause drops what the body pushed), and the
  adjoint follows that path like a branch; `raise` needs no adjoint;
- the adjoint sweep walks the primal in reverse: loops run backwards over the
  same iterations (`reversed(range)` or the trip count), each body and branch
  first pops what its primal pushed, branches re-take the recorded decision;
  each statement adds its inputs' contributions (`dv = dv + ...`, or `dv = ...`
  for the first), an in-place write hands the slot's gradient to the written
  value, zeroes it and restores the saved slot, so every array holds, when its
  adjoint statement runs, the value it had when the primal statement ran;
- an adjoint is never materialized for a value nothing flows into (zero
  propagation); only active statements get adjoint code;
- gradients returned are in the user's terms (`as_grad`): a float for a scalar
  input, a float array of the input's shape for an array;
- every generated function starts with its entry guards (`guards`): one identity test
  for each thing the code was specialized on (its function's code and defaults, each
  name and dotted name it calls), raising `rebound` when one changed; a vjp checks its
  seed against the result (`seed_for`).

Example: the SSA loop (after lower/ssa.py), and its gradient before simplification.

>>> from pullback.frontend.parse import parse_function
>>> from pullback.lower.normalize import normalize
>>> from pullback.lower.ssa import to_ssa
>>> from pullback.emit.codegen import to_source
>>> from pullback.analysis.activity import Analysis
>>> def h(x):
...     for i in range(3):
...         x = x * 2.0
...     return x
>>> parsed = parse_function(h)
>>> tree = to_ssa(normalize(parsed.tree, parsed))
>>> print(to_source(tree))
def h(x):
    steps = range(3)
    x_2 = x
    for i in steps:
        x_3 = x_2 * 2.0
        x_2 = x_3
    out = x_2
    return out
>>> gradient, constants = reverse(tree, Analysis(tree, parsed, {"x"}), ["x"])
>>> print(to_source(gradient))
def dh(x):
    if user_function.__code__ is not h_code_at_transform: rebound('h.__code__')
    if range is not range_at_transform: rebound('range')
    if x.__class__ not in OPERAND_TYPES:
        operands_of_user_class((x,), operators_at)
    steps = range(3)
    x_2 = x
    for i in steps:
        x_3 = x_2 * 2.0
        x_2 = x_3
    out = x_2
    # adjoint
    dout = result_seed(out, returned_at)
    dx_2 = dout
    for i in reversed(steps):
        dx_3 = dx_2
        dx_2 = dx_3 * 2.0
    dx = dx_2
    return as_grad(dx, x)
"""

from __future__ import annotations

import gast

from ..analysis.aliasing import views_of
from ..ir.annotations import ADJOINT_OF, LIST_UPDATE, NAMER
from ..ir.nodes import (
    assign,
    binop,
    call,
    load,
    store,
)
from .adjoints import Adjoints, only_new_axes
from .assemble import Assembly
from .checkpoint import Checkpointing
from .loop_optimizations import LoopOptimizations
from .records import Records
from .restores import Restores


class Reverse(Assembly, Adjoints, Records, LoopOptimizations, Checkpointing, Restores):
    """The derivation of one function: its state, and the contributions to gradients.
    Assembly (assemble.py) builds the functions, Adjoints (adjoints.py) the adjoint of
    each statement, Records (records.py) what the primal saves for it, and
    LoopOptimizations (loop_optimizations.py) what loops need not save or sum, and
    Checkpointing (checkpoint.py) the loops reversed by revolve's schedule, Restores
    (restores.py) which slot restores nothing reads."""

    def __init__(self, tree, analysis, wrt, mode, single=True, calls=None, optimize=True,
                 checkpoint=None):
        self.tree = tree
        self.analysis = analysis
        self.namer = NAMER.of(tree)
        self.wrt = list(wrt)
        self._complex_gradients = None
        self._loop_facts_of = None  # loop_optimizations._loop_facts
        self.header_loads: dict = {}  # loop header -> the names its adjoint reads (records)
        self.body_reads: dict = {}  # loop -> what its adjoint body reads for values (recompute)
        self.mode = mode
        self.adjoints: dict[str, str] = {}
        self.defined: set[str] = set()  # names whose adjoint variable holds a value
        self.saved: dict[int, str] = {}
        self.restores: dict[int, tuple] = {}  # restore statement -> (write, array)
        self.loop_modes: dict[int, tuple] = {}  # loop -> how its adjoint iterates
        self.adjoint_loops: dict[int, object] = {}  # loops that get an adjoint
        self.pushes: dict[object, list[str]] = {}
        self.accumulators: set[str] = set()  # gradients a loop adds to in place
        self.deferrable: list[set] = []  # per loop being generated: its own accumulators
        self.deferred: list[dict] = []  # per loop: accumulator -> (parts list, summing helper)
        self.loop_depth = 0
        self.recomputed: set[str] = set()  # loop values the adjoint computes again
        self.checkpoint_names: dict[int, tuple] = {}  # checkpointed loop -> its names
        self.online: dict[int, tuple] = {}  # checkpointed while loop -> (trips, budget)
        self.constants: dict[str, object] = {}  # objects the code refers to by name
        self.call_records: dict[int, str] = {}  # call statement -> name of its record
        self.call_forward: dict[int, str] = {}  # call statement -> its forward function
        # method call statement -> the arguments method_forward takes before the call's own
        self.method_prefix: dict[int, list] = {}
        # obj.h = v statements setting attributes of objects that hold values being
        # differentiated (analysis.written_objects) -> (obj, v)
        self.attribute_writes = {id(s): (base, value) for s, base, value
                                 in analysis.attribute_writes()
                                 if base in analysis.written_objects}
        # obj.d[k] = v stores read back (analysis.item_writes_read_back) -> (obj, d, k, v)
        self.item_writes = analysis.item_writes_read_back
        self.single = single  # one wrt parameter: the gradient is not a tuple
        self.calls = calls  # (function, params, static) -> (forward cell, backward cell)
        self.optimize = optimize
        self.mutable, self.list_grads = self._mutable()
        self.stable = self._stable() if optimize else set()
        buffers = {s.targets[0].value.id for s in self.analysis.assigns
                   if isinstance(s.targets[0], gast.Subscript)}
        self.shares_memory = buffers | set(views_of(self.analysis, buffers))
        self.find_checkpointed(checkpoint)

    def grad_name(self, name: str) -> str:
        """The name of `name`'s gradient (made when first asked)."""
        if name not in self.adjoints:
            self.adjoints[name] = self.namer.fresh(f"d{name}")
        return self.adjoints[name]

    def active(self, node) -> bool:
        return isinstance(node, gast.Name) and node.id in self.analysis.active

    def is_scalar(self, node) -> bool:
        if isinstance(node, gast.Constant):
            return isinstance(node.value, (int, float, bool))
        return isinstance(node, gast.Name) and node.id in self.analysis.scalar

    def _mutable(self):
        """Names whose gradient the adjoint updates in place (subscripted), and names
        whose gradient may be a list (tuples and lists, and what is copied from them)."""
        mutable, list_valued = set(), set()
        copies = []
        for s in self.analysis.assigns:
            target = s.targets[0]
            if isinstance(target, gast.Subscript):
                mutable.add(target.value.id)
                continue
            op = self.analysis.op(s)
            if op.kind == "index" and isinstance(op.inputs["x"], gast.Name) \
                    and not (self.optimize and only_new_axes(s.value.slice)):
                mutable.add(op.inputs["x"].id)
            elif op.kind == "attr":
                mutable.add(op.inputs["x"].id)
            elif op.kind == "pack":
                list_valued.add(target.id)
            elif op.kind == "copy" and "x" in op.inputs:
                copies.append((target.id, op.inputs["x"].id))
        mutable |= {base for base, _ in self.analysis.update_pairs()}
        extended = any(LIST_UPDATE.of(s) == "extend" for s in self.analysis.updates)
        list_valued |= mutable | self.analysis.sequences | {
            v for _, v in self.analysis.update_pairs() if v is not None and extended}
        changed = True
        while changed:
            changed = False
            for a, b in copies:
                if (a in list_valued) != (b in list_valued):
                    list_valued |= {a, b}
                    changed = True
        return mutable, list_valued

    def contribute(self, name: str, expr, fresh: bool, out: list) -> None:
        dname = self.grad_name(name)
        if name in self.defined:
            if name in self.list_grads:
                out.append(assign(dname, call("add_grads", load(dname), expr)))
            elif name in self.accumulators:  # owned by this loop: add in place
                out.append(gast.AugAssign(target=store(dname), op=gast.Add(), value=expr))
            else:
                out.append(assign(dname, binop(load(dname), gast.Add(), expr)))
            return
        if name in self.mutable and not fresh:
            expr = call("owned", expr)
        out.append(assign(dname, expr))
        self.defined.add(name)


def reverse(tree, analysis, wrt, mode="grad", single=True, calls=None, optimize=True,
            checkpoint=None):
    """(the generated FunctionDef, or for mode "split" a Module holding the forward and
    backward functions; {name: object} the code refers to beyond helpers and globals).
    `calls(function, params)` gives the (forward, backward) cells of a Python function
    called with active arguments for `params`. Without `optimize`, the adjoint uses no
    shape facts, saves every loop value it reads, and accumulates by plain addition.
    `checkpoint` (a snapshot count or a size such as "200MB") checkpoints the outermost
    `for` loops (derive/checkpoint.py); loops marked with pullback.checkpoint are
    checkpointed in any case."""
    builder = Reverse(tree, analysis, wrt, mode, single, calls, optimize, checkpoint)
    out = builder.build()
    ADJOINT_OF.set(out, {adjoint: name for name, adjoint in builder.adjoints.items()})
    return out, builder.constants
