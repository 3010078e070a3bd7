"""Stage 6 (forward mode), forward: SSA primal + activity -> one function computing the
primal and its tangent together (a Jacobian-vector product).

Guarantees on the output (a gast FunctionDef returning `(result, tangent of the result)`:
`jvp_f(<f's parameters>, <tangent, or tuple of tangents>)` for a function without
defaults and keyword-only parameters, `jvp_f(<tangents of wrt>, <f's parameters>)`
otherwise and for calls from other generated code (`tangents_last` on it says which)):
- the primal statements run in f's order, loops and branches as in f (nothing is
  saved: forward mode needs no tape); after each statement whose value varies with
  the `wrt` inputs and reaches the result (`Analysis.active`), its tangent statement
  (`dd = dx * 2 * x + ...`); an in-place write `x[i] = v` writes `dx[i] = dv`, list
  updates update the tangent list, and a call of a Python function calls its
  generated jvp function, which returns both;
- a tangent has its value's structure, and aliases what its value aliases: an array
  written in place gets a tangent of its own (`tangent_buffer`, or a copy), copies
  share their tangent; a value that does not vary has tangent zero, never computed
  (a literal 0.0 for a scalar, `zero_tangent(v)` where one must exist);
- a rule's tangent comes from the rule (`Rule.pushforward`); a rule without one is
  refused here (NoRuleError, located), never taken as a constant;
- the code is guarded as the reverse stage guards its code (the same entry checks),
  and keeps the primal's run-time checks of unset variables and views; with `optimize`,
  it leaves out the length check of unpacking an element popped off a list that only
  ever receives tuples of that length (a generated gradient's records:
  `analysis.aliasing.unpacked_as_recorded`), and a pop lowered as a read and a removal
  is one `xs.pop(i)` again, with its tangent list's.

Before (the SSA function) and after (its tangent code):

>>> import math
>>> from pullback.frontend.parse import parse_function
>>> from pullback.lower.normalize import normalize
>>> from pullback.lower.ssa import to_ssa
>>> from pullback.emit.codegen import to_source
>>> from pullback.analysis.activity import Analysis
>>> def h(x, y):
...     z = x * y
...     return math.sin(z) + x
>>> parsed = parse_function(h)
>>> tree = to_ssa(normalize(parsed.tree, parsed))
>>> print(to_source(tree))
def h(x, y):
    z = x * y
    sin = math.sin(z)
    out = sin + x
    return out
>>> tangent, constants = forward(tree, Analysis(tree, parsed, {"x", "y"}), ["x", "y"])
>>> print(to_source(tangent))
def jvp_h(x, y, dx, dy):
    if user_function.__code__ is not h_code_at_transform: rebound('h.__code__')
    if math is not math_at_transform: rebound('math')
    if math.sin is not math_sin_at_transform: rebound('math.sin')
    z = x * y
    dz = dx * y + dy * x
    if z.__class__ is not builtin_float and z.__class__ not in SCALAR_TYPES:
        complex_to_math(('',), (z,), math_at)
    sin = math.sin(z)
    dsin = dz * math.cos(z)
    out = sin + x
    dout = dsin + dx
    return (out, dout)
"""

from __future__ import annotations

import inspect

import gast
import numpy as np

from .. import rules
from ..analysis.aliasing import (
    _MovedLists,
    _statement_order,
    checked_call,
    unpacked_as_recorded,
)
from ..errors import NoRuleError
from ..ir.annotations import (
    BLOCK,
    CATCH,
    CAUGHT,
    CHECKED_NAME,
    FROM_PRIMAL,
    IS_RETURN,
    LIST_UPDATE,
    MUST_NOT_BE_VIEW,
    PHI,
    POPPED,
    SENTINEL,
    Shared,
)
from ..ir.nodes import (
    assign,
    binop,
    call,
    clone,
    const,
    if_,
    is_loop_exit,
    load,
    not_,
    store,
    substitute,
    tuple_of,
)
from .assemble import scalar_class_test
from .reverse import Reverse


class NoBatchedObjects(NoRuleError):
    """Vector mode's refusal of an object f builds or reads the attributes of (its
    tangent is one object, not a batch): hessian then takes hvp's columns one by one."""


class Forward:
    def __init__(self, tree, analysis, wrt, mode="jvp", single=True, calls=None,
                 optimize=True):
        self.tree = tree
        self.analysis = analysis
        self.namer = tree.namer
        self.wrt = list(wrt)
        self.mode = mode
        # called by the user (else by generated code)
        self.user = mode in ("jvp", "jvp_batch", "jvp_batch_strict")
        # vector mode: each tangent carries a batch of tangents, batch axis first; strict:
        # a rule without a batch template is refused, not run once per tangent
        self.batched = mode.startswith("jvp_batch")
        self.strict = mode.startswith("jvp_batch_strict")
        self.batch = self.namer.fresh("batch") if self.batched else None
        self.within = None  # {tangent name: its one-tangent name} inside each_tangent
        self.single = single
        self.calls = calls  # (function, params, static) -> cell of its jvp function
        self.optimize = optimize
        self.flags_read = None  # names read anywhere, when a try block asks (try_block)
        # the reverse stage's entry guards, checks and call analysis, shared
        self.reverse = Reverse(tree, analysis, wrt, "grad", single, None, optimize)
        self.constants = self.reverse.constants
        self.tangents: dict[str, str] = {}
        self.written = self._written()
        self.written_arrays = self._written(lists=False)
        self.records: dict = {}  # what aliasing learnt of the records popped, once
        # id(obj.attr = v) -> (obj, v) for the objects whose attributes f sets to values
        # being differentiated (analysis: written_objects): their tangent, a dict of the
        # attributes' tangents, is rebound at each write (`attribute_tangent`), so that a
        # read after it (attribute_jvp) finds the written value's tangent
        # (not for an object whose containers f stores into, or whose lists it grows:
        # their tangents would not follow)
        self.object_writes = {id(w): (base, value)
                              for w, base, value in analysis.attribute_writes()
                              if base in analysis.written_objects
                              and base in analysis.active} \
            if analysis.written_objects and not self.batched else {}
        if self.object_writes:
            kept = {b for _, b, _, _, _ in analysis.item_writes()} | set(analysis.held_lists)
            self.object_writes = {k: v for k, v in self.object_writes.items()
                                  if v[0] not in kept}
        self.threaded = {base for base, _ in self.object_writes.values()}

    # helpers ------------------------------------------------------------------------

    def d(self, name: str) -> str:
        if name not in self.tangents:
            self.tangents[name] = self.namer.fresh(f"d{name}")
        return self.tangents[name]

    def active(self, node) -> bool:
        return isinstance(node, gast.Name) and node.id in self.analysis.active

    def is_scalar(self, node) -> bool:
        return self.reverse.is_scalar(node)

    def tangent(self, node):
        """The tangent of an atom, or None when it is known to be zero."""
        if not self.active(node):
            return None
        name = self.d(node.id)
        return load(self.within.get(name, name) if self.within is not None else name)

    def zero(self, node):
        """A zero tangent with the structure of the atom `node`'s value (in vector mode,
        a batch of them: batched tangents never mix with unbatched ones)."""
        if self.batched and self.within is None:
            return call("zero_tangent_batch", clone(node), load(self.batch))
        if self.is_scalar(node) or isinstance(node, gast.Constant) and not isinstance(
                node.value, (tuple, str, bytes)):
            return const(0.0)
        return call("zero_tangent", clone(node))

    def buffer(self, name):
        """A writable zero tangent for the array or container `name` is written into."""
        if self.batched:
            return call("tangent_buffer_batch", load(name), load(self.batch))
        return call("tangent_buffer", load(name))

    def lifted(self, node, name):
        """In vector mode, the tangents of operand `node` of the elementwise result `name`,
        put in its rank (`lift`) unless they have it already."""
        return self.lift(self.tangent(node), node, name)

    def lift(self, t, node, name, converted=False):
        if t is None or not self.batched or self.within is not None or not converted and (
                node.id in self.analysis.scalar and name in self.analysis.scalar
                or self.analysis.shapes.same_shape(name, node.id)):
            return t
        return call("lift", t, load(name))

    def tangent_or_zero(self, node):
        return self.tangent(node) or self.zero(node)

    def _written(self, lists=True) -> set:
        """Names whose value is written in place (`x[i] = v`, and list updates unless
        `lists` is false), and the names they are copies of: their tangents are written
        in place too."""
        written = {s.targets[0].value.id for s in self.analysis.assigns
                   if isinstance(s.targets[0], gast.Subscript)}
        if lists:
            written |= {base for base, _ in self.analysis.update_pairs()}
            written |= {s.value.func.value.id for s in self.analysis.updates}
        changed = True
        while changed:
            changed = False
            for s in self.analysis.assigns:
                if isinstance(s.targets[0], gast.Name) and s.targets[0].id in written \
                        and isinstance(s.value, gast.Name) and s.value.id not in written:
                    written.add(s.value.id)
                    changed = True
        return written

    def refuse(self, s, what):
        raise NoRuleError(what, self.analysis.parsed.location.describe(s))

    # the whole function -------------------------------------------------------------

    def build(self) -> gast.FunctionDef:
        tree = self.tree
        primal, ret = tree.body[:-1], tree.body[-1]
        self.reverse.mark_what_may_raise(primal)
        result = ret.value.id
        body = self.block(primal)
        if result in self.reverse.unbound:
            body.append(gast.Expr(value=call("check_bound", load(result))))
        out_tangent = load(self.d(result)) if self.active(ret.value) else self.zero(ret.value)
        if self.user and (self.batched or not (
                result in self.analysis.scalar and self.active(ret.value)
                and not self.analysis.may_be_bool(result))):
            where = self.namer.fresh("returned_at")  # the text lives in a constant
            self.constants[where] = self.analysis.returned_at()
            out_tangent = call("as_tangent_batch", out_tangent, load(result), load(self.batch),
                               load(where)) if self.batched else \
                call("as_tangent", out_tangent, load(result), load(where))
        param = lambda n: gast.Name(id=n, ctx=gast.Param(), annotation=None,  # noqa: E731
                                    type_comment=None)
        params = [param(self.d(p)) for p in self.wrt]
        args = clone(tree.args)
        # f(x, y) is called as jvp_f(x, y, tangents), straight from the user (a wrapper
        # reordering the arguments would cost more than the lecture example itself);
        # with defaults or keyword-only parameters, the tangents come first
        last = self.user and not (args.defaults or args.kwonlyargs or args.posonlyargs
                                           or args.vararg or args.kwarg)
        unpack = []
        if last and not self.single:
            tangents = self.namer.fresh("tangents")
            unpack = [assign(tuple_of(*[store(self.d(p)) for p in self.wrt], ctx=gast.Store()),
                             load(tangents))]
            params = [param(tangents)]
        checks = []
        if self.batched:  # the size of the batch, from the tangents (their shapes checked)
            checks = [assign(self.batch, call(
                "batch_size", tuple_of(*[load(self.d(p)) for p in self.wrt]),
                tuple_of(*[load(p) for p in self.wrt]), tuple_of(*[const(p) for p in self.wrt])))]
        elif self.mode == "jvp":  # tangents given by the user: their shapes are checked
            checks = [gast.Expr(value=call("check_tangent", load(self.d(p)), load(p),
                                           const(p))) for p in self.wrt
                      if p not in self.analysis.scalar]
        guards = self.reverse.guards()
        given = {w[0] if isinstance(w, tuple) else w for w in self.wrt}
        checks += [assign(self.d(base), const(0.0)) for base in sorted(self.threaded)
                   if base in self.analysis.params and base not in given]
        body = guards + unpack + checks + body + [
            gast.Return(value=tuple_of(load(result), out_tangent))]
        positional = args.posonlyargs if args.posonlyargs else args.args
        if last:
            positional.extend(params)
        else:
            positional[:0] = params
        prefix = "jvp_" if self.user else ""
        suffix = "_jvp" if not self.user else ""
        self.name = self.namer.fresh(f"{prefix}{tree.name}{suffix}")
        made = gast.FunctionDef(name=self.name, args=args, body=body, decorator_list=[],
                                returns=None, type_comment=None, type_params=[])
        made.tangents_last = last
        return made

    def block(self, stmts) -> list:
        out = []
        for s in stmts:
            if self.optimize and unpacked_as_recorded(self.analysis, self.tree, s,
                                                      self.records):
                continue  # a record unpacked as it was made: the check cannot fail
            made = self.stmt(s)
            for tangent in made:  # (the statements of a nested block already say theirs)
                if not FROM_PRIMAL.on(tangent):
                    FROM_PRIMAL.set(tangent, Shared(s))
            out += made
        return _popped_at_once(out) if self.optimize else out

    def stmt(self, s) -> list:
        if BLOCK.of(s) == "try":
            return self.try_block(s)
        if BLOCK.of(s) == "with":
            return self.with_block(s)
        if LIST_UPDATE.of(s):
            return [s, *self.update(s)]
        if isinstance(s, gast.Assign):
            checks_before, checks_after = self.checks(s)
            if isinstance(s.targets[0], gast.Subscript):
                return checks_before + [s, *checks_after, *self.write(s)]
            made = self.assign(s)
            if made is None:  # the primal statement itself, then its tangent
                return checks_before + [s] + checks_after
            return checks_before + made + checks_after
        if isinstance(s, gast.If):
            if not is_loop_exit(s):
                s.body = self.block(s.body) or [gast.Pass()]
                s.orelse = self.block(s.orelse)
            return [s]
        if isinstance(s, (gast.For, gast.While)):
            if isinstance(s, gast.For) and self.optimize:
                self.over_range(s)
            if isinstance(s, gast.For) and s.target.id in self.analysis.active:
                self.refuse(s, "a loop over values being differentiated (forward mode "
                            "differentiates loops over positions, ranges and arrays)")
            hoisted = self.block(self.reverse.hoist(s))  # `0.002 * a`: once, before
            s.body = self.block(s.body) or [gast.Pass()]
            return hoisted + [s]
        return [s]

    def with_block(self, s) -> list:
        """A with block: its body, each statement followed by its tangent (which runs under
        the manager too: np.errstate), then, as in reverse mode, a refusal when the manager
        swallowed an exception raised midway through the body (contextlib.suppress)."""
        s.body = self.block(s.body)
        done, message = self.namer.fresh("body_done"), self.namer.fresh("with_at")
        self.constants[message] = self.analysis.parsed.location.describe(s)
        s.body.append(assign(done, const(True)))
        return [assign(done, const(False)), s,
                if_(not_(load(done)), [gast.Expr(value=call("manager_swallowed",
                                                             load(message)))])]

    def try_block(self, s) -> list:
        """A try block (an `if` marked by normalize, printed as the block): its body and
        its except clause, each statement followed by its tangent, as the primal runs
        them; the except clause first passes pullback's own errors on (`raise_own`). What
        the handler may read of a body stopped midway was refused by lowering, for a value
        and so for its tangent. The flag that says the body completed is set as reverse
        mode sets it (True before, False in the except clause) when code after the block
        reads it: a try's `else:` clause is lowered to `if flag:` after it."""
        s.body = self.block(s.body) or [gast.Pass()]
        if CAUGHT.of(s) is None:
            CAUGHT.set(s, self.namer.fresh("caught"))
        if CATCH.of(s) is None:
            CATCH.set(s, load("BaseException"))
        flag = s.test.id
        if self.flags_read is None:  # (once: the flags' reads are the lowering's)
            self.flags_read = {n.id for n in gast.walk(self.tree) if n.__class__ is gast.Name
                               and n.ctx.__class__ is gast.Load}
        read = flag in self.flags_read
        s.orelse = [*([assign(flag, const(False))] if read else []),
                    gast.Expr(value=call("raise_own", load(CAUGHT.of(s)))),
                    *self.block(s.orelse)]
        return [assign(flag, const(True)), s] if read else [s]

    def over_range(self, s) -> None:
        """`for k in steps_2: t = steps[k]` as `for t in steps:`, where `steps_2 =
        range(loop_len(steps))`, steps is bound once, to a `range(...)` of the builtin
        range, and k is read nowhere else: the same values, without an index (a loop over
        a range bound to a name, as a generated gradient's loops are, is lowered as a loop
        over any sequence is, by position)."""
        def only(name, callee):
            defs = self.analysis.defs.get(name.id, []) if isinstance(name, gast.Name) else []
            value = defs[0].value if len(defs) == 1 else None
            if isinstance(value, gast.Call) and not value.keywords and (
                    _names([value.func]) == [callee] if isinstance(callee, str)
                    else self.analysis.parsed.resolve(value.func) is callee):
                return value.args
            return None

        import builtins
        positions = only(s.iter, builtins.range)
        length = only(positions[0], "loop_len") if positions and len(positions) == 1 else None
        first = s.body[0] if s.body else None
        if not (length and len(length) == 1 and only(length[0], builtins.range) is not None
                and not s.orelse and isinstance(first, gast.Assign)
                and _names(first.targets) and first.targets[0].id not in self.analysis.active
                and isinstance(first.value, gast.Subscript)
                and _names([first.value.value]) == [length[0].id]
                and _names([first.value.slice]) == [s.target.id]
                and sum(isinstance(n, gast.Name) and n.id == s.target.id
                        for n in gast.walk(self.tree)) == 2):
            return
        s.target = clone(first.targets[0])
        s.iter = load(length[0].id)
        del s.body[0]

    def checks(self, s):
        """The primal's run-time checks around `s` (as the reverse stage makes them): a
        read of a variable that may be unset, an operand or value that must not be a view,
        an operator's operand that must not be an object overloading it."""
        before, after = [], []
        message = MUST_NOT_BE_VIEW.of(s)
        if message:
            name = self.namer.fresh("may_share_memory")
            self.constants[name] = message
        checked = CHECKED_NAME.of(s)
        if message and checked:
            helper, names = checked_call(checked)
            if helper == "held_list":  # (a tangent is made at once: nothing kept to
                # read the list grown later, as a reverse derivative would)
                names = names[:1]
            if helper != "list_not_kept":
                before.append(gast.Expr(value=call(helper, *map(load, names), load(name))))
        if isinstance(s.value, gast.Name) and s.value.id in self.reverse.unbound and not any(
                fact.of(s) for fact in (PHI, IS_RETURN, SENTINEL)):
            before.append(gast.Expr(value=call("check_bound", load(s.value.id))))
        if message and not checked:
            after.append(gast.Expr(value=call("not_a_view", load(s.targets[0].id),
                                              load(name))))
        _, operands = self.analysis.operand_checks()  # no objects (analysis/classify)
        before += [self.reverse.operand_guard(*c) for c in operands.get(("before", id(s)), ())
                   if not self.recorded_number(c[0])]
        before += [self.reverse.real_guard([n], [at], params=False)
                   for n, at in self.analysis.real_checks()[1].get(id(s), ())]
        before += [self.reverse.index_guard(*c) for c in self.analysis.index_checks.get(id(s), ())]
        after += [self.reverse.operand_guard(*c) for c in operands.get(("after", id(s)), ())
                  if not self.recorded_number(c[0])]
        return before, after

    def recorded_number(self, name) -> bool:
        """Whether `name` is `p[i]` of a record p popped off a tape (a list only appended
        to and popped, `analysis.aliasing`) every append to which is a tuple whose i-th
        value is a proven number (`analysis.scalar`): a check that it is no object of a
        user class cannot fail (a generated gradient's records, under hvp)."""
        if not self.optimize:
            return False
        element = self.analysis.defs.get(name, [])
        if len(element) != 1 or not isinstance(element[0].value, gast.Subscript) \
                or not _names([element[0].value.value]) \
                or not isinstance(element[0].value.slice, gast.Constant) \
                or element[0].value.slice.value.__class__ is not int:
            return False
        index = element[0].value.slice.value
        read = self.analysis.defs.get(element[0].value.value.id, [])
        if len(read) != 1 or not isinstance(read[0].value, gast.Subscript) \
                or not _names([read[0].value.value]):
            return False
        tape = read[0].value.value.id
        if "moved" not in self.records:
            self.records["moved"] = _MovedLists(self.analysis, _statement_order(self.tree),
                                                set())
        moved = self.records["moved"]
        if not any(LIST_UPDATE.of(u) == "pop" and POPPED.of(u) is read[0]
                   for u in moved.readers.get(tape, [])):
            return False
        appends = moved._tape(tape)
        for u in appends or ():
            made = self.analysis.defs.get(u.value.args[0].id, [])
            if len(made) != 1 or not isinstance(made[0].value, gast.Tuple) or not (
                    0 <= index < len(made[0].value.elts)) or not (
                    _names([made[0].value.elts[index]])
                    and made[0].value.elts[index].id in self.analysis.scalar):
                return False
        return bool(appends)

    # statements ---------------------------------------------------------------------

    def assign(self, s):
        """[primal, tangent] for `name = value` (None: the primal alone)."""
        name = s.targets[0].id
        written = self.object_writes.get(id(s))
        if written is not None:  # obj.attr = v: obj's tangent holds v's at attr
            base, value = written
            dvalue = self.tangent_or_zero(load(value)) if value is not None else const(0.0)
            return [s, assign(self.d(base), call("attribute_tangent", load(self.d(base)),
                                                 clone(s.value.args[1]), dvalue))]
        if name not in self.analysis.active:
            return None
        if PHI.of(s):
            return [s, assign(self.d(name), self.tangent_or_zero(s.value))]
        op = self.analysis.op(s)
        if name in self.analysis.shapes.shift_constants:  # a shift f takes back: tangent 0
            return [s, assign(self.d(name), self.zero(s.targets[0]))]
        if op.kind == "call":
            return self.call(s, op)
        expr, fresh = None, True
        if op.kind == "copy":
            expr, fresh = self.tangent(s.value), False
        elif op.kind == "index":
            if self.active(op.inputs["x"]):
                expr = self.item(op.inputs["x"], s.value.slice, name)
                fresh = False
        elif op.kind == "pack":
            if any(self.active(v) for v in op.inputs.values()):
                expr = self.pack(s.value)
        elif op.kind == "rule":
            expr, fresh = self.rule(s, op, name)
        elif op.kind == "nondiff":  # an array or list the function writes values into
            pass
        elif op.kind == "super":  # super() is the object: its tangent is the object's
            if self.active(op.inputs["x"]):
                expr, fresh = self.tangent(op.inputs["x"]), False
        elif op.kind == "method" and not op.bound.get("operator"):
            return self.method(s, op, name)
        elif op.kind == "attr" and not self.batched:
            return self.attribute(s, op, name)
        elif op.kind == "construct" and not self.batched:
            parts = gast.Dict(keys=[], values=[])
            for param, attrs in op.bound["fields"].items():
                atom = op.inputs.get(param)
                for attr in attrs:
                    parts.keys.append(const(attr))
                    parts.values.append(self.tangent_or_zero(atom) if atom is not None
                                        else const(0.0))
            return [s, assign(self.d(name), call("record_tangent", load(name), parts))]
        elif op.kind in ("attr", "construct"):  # (batched: hessian takes hvp's columns)
            raise NoBatchedObjects(f"no forward-mode rule for {op.name} in vector mode",
                                   self.analysis.parsed.location.describe(s))
        else:
            self.refuse(s, f"no forward-mode rule for {op.name or type(s.value).__name__}")
        if expr is None:
            expr = self.buffer(name) if name in self.written else self.zero(s.targets[0])
        elif name in self.written and not fresh and (op.kind == "pack" or op.kind == "rule" and (
                op.rule.fresh or isinstance(s.value, (gast.BinOp, gast.UnaryOp)))):
            expr = call("owned", expr)  # a new value written in place: a tangent of its own
        return [s, assign(self.d(name), expr)]

    def method(self, s, op, name):
        """`obj.m(args)` or `obj(args)` of an object the code holds, resolved when it runs
        (objects.method_jvp): an array's method by its NumPy function's rule, a user
        class's by the forward-mode transform of the Python function it runs."""
        from ..runtime.objects import CallSite

        active = tuple(k for k, atom in op.inputs.items() if self.active(atom))
        receiver = op.inputs["self"]
        dispatched = op.bound.get("dispatched")  # a generated gradient's method_forward
        written = not dispatched and receiver.id in self.analysis.written_objects
        if written and receiver.id not in self.threaded:
            self.refuse(s, f"no forward-mode rule for {op.name} on an object whose "
                        "attributes (or containers' items) the function sets to values "
                        "being differentiated, and whose containers it stores into or "
                        "grows (reverse mode differentiates it)")
        if written and self.batched:
            raise NoBatchedObjects(f"no forward-mode rule for {op.name} in vector mode",
                                   self.analysis.parsed.location.describe(s))
        # on an object whose attributes f sets (its tangent follows the writes): the
        # method reads them through its own transform, given that tangent; it may set
        # attributes itself only where nothing reads the object after it (CallSite.writing,
        # checked to be reachable through no other argument: objects.method_jvp_apart)
        writing = written and self.analysis.writing(s, op, self.mode)
        site = self.namer.fresh(f"{receiver.id}_{op.bound['name']}_site")
        self.constants[site] = CallSite(
            op.bound["name"], active, self.optimize, self.analysis.parsed.location.describe(s),
            op.name, stored_only=written, writing=writing,
            mode=f"{self.mode.removesuffix('_call')}_call" if self.batched else "jvp_call")
        tangents = tuple_of(*[load(self.d(op.inputs[k].id)) for k in active])
        others = []
        if writing:
            roots = self.namer.fresh("global_objects")
            self.constants[roots] = tuple(
                v for k, v in sorted(self.analysis.bindings.items()) if "." not in k)
            others = [binop(tuple_of(*[load(p) for p in self.analysis.params
                                       if p != receiver.id]), gast.Add(), load(roots))]
        value = call("method_dispatch_jvp" if dispatched else "method_jvp_apart" if writing
                     else "method_jvp", load(site),
                     tangents, *others, *[] if dispatched else [clone(receiver)],
                     *[clone(a) for a in s.value.args])
        value.keywords = [clone(k) for k in s.value.keywords]
        made = assign(tuple_of(store(name), store(self.d(name)), ctx=gast.Store()), value)
        made.may_raise = True
        return [made]

    def attribute(self, s, op, name):
        """`obj.name` of an object carrying values being differentiated, read when it runs
        (objects.attribute_jvp): a stored attribute's tangent is that attribute of the
        object's tangent; a property runs its getter's forward-mode transform."""
        from ..runtime.objects import CallSite

        receiver = op.inputs["x"]
        if not self.active(receiver):
            return [s, assign(self.d(name), self.zero(s.targets[0]))]
        site = self.namer.fresh(f"{receiver.id}_{op.bound['name'].strip('_')}_site")
        if receiver.id in self.threaded:
            # its tangent follows f's writes (a property, which could read them, refused)
            self.constants[site] = CallSite(
                op.bound["name"], ("self",), self.optimize,
                self.analysis.parsed.location.describe(s), op.name, stored_only=True,
                mode="jvp_call")
            made = assign(tuple_of(store(name), store(self.d(name)), ctx=gast.Store()),
                          call("attribute_jvp", load(site), clone(receiver),
                               load(self.d(receiver.id))))
            made.may_raise = True
            return [made]
        if receiver.id in self.analysis.written_objects:
            if not self._unset_attribute(receiver.id, op.bound["name"]):
                self.refuse(s, f"no forward-mode rule for {op.name} of an object whose "
                            "attributes the function sets to values being differentiated "
                            "(reverse mode differentiates it)")
            # (objects.unset_attribute: its value as f began, a stored one, checked)
            self.constants[site] = CallSite(
                op.bound["name"], (), self.optimize, self.analysis.parsed.location.describe(s),
                op.name, stored_only=True, mode="jvp_call")
            made = assign(store(name), call("unset_attribute", load(site), clone(receiver)))
            made.may_raise = True
            return [made, assign(self.d(name), self.zero(s.targets[0]))]
        self.constants[site] = CallSite(
            op.bound["name"], ("self",), self.optimize,
            self.analysis.parsed.location.describe(s), op.name, mode="jvp_call")
        made = assign(tuple_of(store(name), store(self.d(name)), ctx=gast.Store()),
                      call("attribute_jvp", load(site), clone(receiver),
                           load(self.d(receiver.id))))
        made.may_raise = True
        return [made]

    def _unset_attribute(self, base, attribute) -> bool:
        """Whether `base.<attribute>` is an attribute f never sets, of a parameter f never
        binds, holds no tangent from the caller (not among wrt) and stores no items into
        (`base.d[k] = v`): as the object can be used only as obj.attr and obj.attr = v
        (analysis: written_objects), the attribute holds the value it had when f began,
        which no direction moves (its tangent is zero). The read checks, when it runs,
        that it reads a stored value, not a property or method that could read what f
        sets (objects.unset_attribute)."""
        if base not in self.analysis.params or self.analysis.defs.get(base) \
                or base in self.wrt or any(base == w[0] for w in self.wrt
                                           if isinstance(w, tuple)):
            return False
        if any(b == base for _, b, _, _, _ in self.analysis.item_writes()):
            return False
        for s, b, _ in self.analysis.attribute_writes():
            named = s.value.args[1]
            if b == base and not (isinstance(named, gast.Constant)
                                  and named.value != attribute):
                return False
        return True

    def item(self, base, key, name):
        """The tangent of base[key]: in vector mode, an array's tangents are indexed after
        the batch axis (a container's tangent is a container of batches)."""
        dbase = load(self.d(base.id))
        if not self.batched and self.analysis.spelled(base.id) in self.analysis.parsed.record_names:
            # a generated gradient's record holds ranges and other values without numbers,
            # whose tangent is the float zero (`steps[back]` of a loop's reversed steps)
            return call("item_of_tangent", dbase, _key_value(key))
        if not self.batched:
            return gast.Subscript(value=dbase, slice=clone(key), ctx=gast.Load())
        if base.id in self.written:  # a number read from it is a copy: its tangents too
            return call("item_batch", dbase, load(base.id), _key_value(key), load(name))
        if not (self.analysis.shapes.numpy_value(base) and not self.is_scalar(base)):
            return call("item_batch", dbase, load(base.id), _key_value(key))
        every = gast.Slice(lower=None, upper=None, step=None)
        if isinstance(key, gast.Tuple):
            index = tuple_of(every, *[clone(e) for e in key.elts])
        elif isinstance(key, (gast.Slice, gast.Constant)):
            index = tuple_of(every, clone(key))
        else:  # a name, which may hold a tuple
            index = call("batch_key", clone(key))
        return gast.Subscript(value=dbase, slice=index, ctx=gast.Load())

    def pack(self, value):
        if isinstance(value, gast.Dict):
            return gast.Dict(keys=[clone(k) for k in value.keys],
                             values=[self.tangent_or_zero(v) for v in value.values])
        elts = [self.tangent_or_zero(e) for e in value.elts]
        return (gast.List if isinstance(value, gast.List) else gast.Tuple)(
            elts=elts, ctx=gast.Load())

    def rule(self, s, op, name):
        """(the tangent of a rule's result, whether it is a new object)."""
        rule = op.rule
        how = rule.pushforward
        active = [p for p, atom in op.inputs.items() if self.active(atom)]
        if not active:  # an array or list the function writes values into
            return None, True
        if how is None:
            self.refuse(s, f"no forward-mode rule for {op.name}, called on a value being "
                        "differentiated: give the rule a tangent (jvp=), or register one "
                        "with @pullback.register_rule(f, jvp=...)")
        batch = rule.batch if rule.batch is not None and set(active) <= set(rule.batch) \
            else None  # a template for the batch of each active parameter's tangents
        if self.batched and self.within is None and (
                batch is not None or "elementwise" not in rule.kinds):
            if batch is not None:  # a template for the batch as a whole
                expr = self.terms(op, name, active, batch, s)
                return expr, isinstance(expr, (gast.BinOp, gast.UnaryOp))
            if not (rule.fresh or "allocator" in rule.kinds) and (
                    {name} | {op.inputs[p].id for p in active}) & self.written_arrays:
                self.refuse(s, f"{op.name} of an array written in place, in vector mode (its "
                            "result may be a view, and a batch of tangents made anew is "
                            "not): use jvp without batched=, or write into a copy")
            if self.strict:
                self.refuse(s, f"no batch form of {op.name}'s derivative for vector reverse "
                            "mode (jacobian mode='rev' carries a batch of seeds through one "
                            "reverse sweep): give its rule a batch template (batch=), or use "
                            "mode='fwd'")
            return self.each(s, op, name), True  # its tangent, once per tangent of the batch
        if how in ("linear", "bilinear"):
            return self.same_call(s.value, op, active, how, name), how == "bilinear" or \
                isinstance(s.value, (gast.BinOp, gast.UnaryOp))
        expr = self.terms(op, name, active, how, s)
        fresh = isinstance(expr, (gast.BinOp, gast.UnaryOp))
        # an operand that broadcast: its tangent may have a smaller shape than the result
        # (unless every operand has a tangent: each term has its operand's shape at least)
        if (rule.broadcast or "elementwise" in rule.kinds) and name not in self.analysis.scalar \
                and not self.covers(op, active) and not any(
                self.analysis.shapes.same_shape(name, op.inputs[p].id)
                and self.analysis.shapes.numpy_value(op.inputs[p]) for p in active):
            expr, fresh = (call("broadcast_batch", expr, load(name), load(self.batch))
                           if self.batched and self.within is None
                           else call("broadcast_tangent", expr, load(name))), False
        return expr, fresh

    def covers(self, op, active) -> bool:
        """Whether every operand of the elementwise `op` that is not a number literal
        carries a tangent: the sum of their terms then has the result's shape."""
        for p, v in op.bound.items():
            if isinstance(v, gast.Constant) and (v.value is None or isinstance(
                    v.value, (bool, int, float, complex, str))):
                continue
            if p not in active and (isinstance(v, gast.AST) or np.ndim(v)):
                return False
        return True

    def terms(self, op, name, active, how, s):
        """The sum over the `active` parameters of their tangent templates in `how`."""
        rule = op.rule
        lists = {p for p, v in op.bound.items()  # arguments that may be Python lists
                 if isinstance(v, gast.Name) and not self.is_scalar(v)
                 and not self.analysis.shapes.numpy_value(v)}
        terms = []
        for param in active:
            if param not in how:
                self.refuse(s, f"no forward-mode rule for {op.name} with respect to its "
                            f"parameter {param}")
            mapping = {p: (v if isinstance(v, gast.AST) else const(v))
                       for p, v in op.bound.items()}
            tangent = self.tangent(op.inputs[param])
            # a Python list's tangent is a list: as an array, so that `g * 2` scales it
            # (an operator's list operand is no array: `+` and `*` of lists have rules);
            # a list of batches is an array with the batch axis first
            # (a batch template takes the tangents as they are: a list's, a list of batches)
            batch_template = self.batched and self.within is None and how is rule.batch
            converted = param in lists and rule.arrays and not batch_template
            if converted:
                tangent = call("batched_array" if self.batched and self.within is None
                               else "np.asarray", tangent)
            if not batch_template:  # elementwise: in the result's rank
                tangent = self.lift(tangent, op.inputs[param], name, converted)
            mapping["g"] = tangent
            mapping["ans"] = load(name)
            terms.append(substitute(rule.tangent_template(param, lists, how), mapping))
            self.constants.update(rule.functions)
        if batch_template and len(terms) > 1 and "+" in how:  # the rule's own sum of batches
            return call(how["+"], *terms)
        if len(terms) == 2 and gast.dump(terms[0]) == gast.dump(terms[1]) and (
                name in self.analysis.scalar or self.analysis.shapes.numpy_value(load(name))):
            terms = [binop(terms[0], gast.Mult(), const(2))]  # x * x: t + t is exactly 2 t
        expr = _summed(terms)
        if name in self.analysis.scalar and not self.batched:
            expr = _power_folded(expr)
            _float_factors(expr)
        return expr

    def each(self, s, op, name):
        """Vector mode, a rule without a batch template: `each_tangent(lambda dx_one: <the
        one-tangent code>, batch, dx)`, which runs it for each tangent of the batch."""
        atoms = sorted({op.inputs[p].id for p in op.inputs if self.active(op.inputs[p])})
        self.within = {self.d(a): self.namer.fresh(f"{self.d(a)}_one") for a in atoms}
        try:
            expr, _ = self.rule(s, op, name)
        finally:
            ones, self.within = self.within, None
        param = lambda n: gast.Name(id=n, ctx=gast.Param(), annotation=None,  # noqa: E731
                                    type_comment=None)
        one = gast.Lambda(args=gast.arguments(
            args=[param(ones[self.d(a)]) for a in atoms], posonlyargs=[], vararg=None,
            kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]), body=expr)
        return call("each_tangent", one, load(self.batch), *[load(self.d(a)) for a in atoms])

    def same_call(self, value, op, active, how, name):
        """The call (or operator) of `value` with its differentiated operands replaced:
        all by their tangents (linear), or each in turn, summed (bilinear)."""
        differentiated = {id(op.inputs[p]): p for p in op.inputs}

        def replaced(keep):  # keep: the parameter whose tangent goes in (bilinear)
            new = clone(value)
            for old_node, put in zip(_operands(value), _setters(new)):
                p = differentiated.get(id(old_node))
                if p is None:
                    continue
                if how == "linear":
                    put(self.lifted(old_node, name) or self.zero(old_node))
                elif p == keep:
                    put(self.lifted(old_node, name))
            return new

        if how == "linear":
            made = replaced(None)
            spelled = rules.spelled_tangent(op.callee)
            if spelled is not None and isinstance(made, gast.Call) and all(
                    p in spelled[1] or v is None or (isinstance(v, gast.Constant)
                                                    and v.value is None)
                    for p, v in op.bound.items()):
                made.func = load(spelled[0])  # np.sum(dx, 1): its reduction, no dispatch
            return made
        return _summed([replaced(p) for p in active])

    def call(self, s, op):
        """name, dname = h_jvp(<tangents of the active arguments>, <the arguments>)."""
        params, static = self.reverse.call_params(op)
        if not params:
            return None
        spread = [k for k in ("*", "**") if self.active(op.inputs.get(k))]
        layout = None
        if spread:  # g(a, *P, **M): the tangents of the parameters P and M fill
            layout = self.namer.fresh(f"{op.callee.__name__}_layout")
            self.constants[layout] = op.spread
        # a method of an object f reads by a free name, called once, in no loop, as its
        # last read (analysis: called_apart): it may set attributes of that object, whose
        # tangent nothing reads after the call; checked reachable through nothing else
        apart = op.receiver is not None and not self.batched \
            and self.analysis.called_apart(s, op.receiver, self.mode)
        cell, held = self.calls(op.callee, params, static, apart=True) if apart \
            else (self.calls(op.callee, params, static), None)
        checks = []
        if held is not None:
            at, others = self.namer.fresh("written_at"), self.namer.fresh("global_objects")
            self.constants[at] = (self.analysis.parsed.location.describe(s), (), held)
            self.constants[others] = tuple(
                v for k, v in sorted(self.analysis.bindings.items())
                if "." not in k and k != op.receiver.id)
            checks.append(gast.Expr(value=call(
                "objects_apart", binop(tuple_of(*[load(p) for p in self.analysis.params]),
                                       gast.Add(), load(others)),
                tuple_of(load(at)), clone(op.receiver))))
        name = s.targets[0].id
        function = self.namer.fresh(f"{op.callee.__name__}_jvp")
        self.constants[function] = cell

        def packed(k):  # (its tangent, itself) for a spread, or (None, None)
            atom = op.inputs.get(k)
            if atom is None:
                return const(None), const(None)
            return self.tangent_or_zero(atom), clone(atom)

        def filled(p):  # (in vector mode: the default, whose zero batch a missing p has)
            made = call("spread_arg_tangent", load(layout), const(p), *packed("*"),
                        *packed("**"))
            if self.batched:
                default = self.namer.fresh(f"{p}_default")
                self.constants[default] = inspect.signature(op.callee).parameters[p].default
                made.args.append(load(default))
            return made

        tangents = [load(self.d(op.inputs[p].id)) if p in op.inputs and p not in ("*", "**")
                    else filled(p) for p in params]
        receiver = [] if op.receiver is None else [clone(op.receiver)]  # obj.method(x)
        value = gast.Call(func=load(function), args=tangents + receiver + [
            clone(a) for a in s.value.args],
                          keywords=[clone(k) for k in s.value.keywords])
        made = assign(tuple_of(store(name), store(self.d(name)), ctx=gast.Store()), value)
        made.may_raise = True
        return [*checks, made]

    def write(self, s) -> list:
        """x[i] = v: dx[i] = dv (x's tangent holds the tangents of its slots)."""
        target = s.targets[0]
        base = target.value.id
        if base not in self.analysis.active:
            return []
        value = self.tangent(s.value) or self.zero(s.value)
        if self.batched:
            return [gast.Expr(value=call("set_item_batch", load(self.d(base)), load(base),
                                         _key_value(target.slice), value))]
        slot = gast.Subscript(value=load(self.d(base)), slice=clone(target.slice),
                              ctx=gast.Store())
        return [assign(slot, value)]

    def update(self, s) -> list:
        """values.append(v) / extend(vs) / insert(i, v) / pop(i) on the tangent list too."""
        base = s.value.func.value.id
        if base not in self.analysis.active:
            return []
        *index, item = s.value.args
        arg = clone(item) if s.list_update == "pop" else self.tangent_or_zero(item)
        if s.list_update == "extend" and self.batched:  # an array's batch: element by element
            arg = call("batch_elements", arg, clone(item))
        method = gast.Attribute(value=load(self.d(base)), attr=s.list_update, ctx=gast.Load())
        return [gast.Expr(value=call(method, *[clone(i) for i in index], arg))]


def _summed(terms):
    """The sum of the tangent terms, a negated term subtracted (`dx - dy`, not `dx + -dy`:
    the same numbers, one operation fewer on arrays)."""
    expr = terms[0]
    for term in terms[1:]:
        positive = _without_sign(term)
        expr = binop(expr, gast.Add(), term) if positive is None else \
            binop(expr, gast.Sub(), positive)
    return expr


def _without_sign(term):
    """`-a` -> a, `-a * b / c` -> a * b / c (a product's sign is its first factor's,
    exactly: rounding is symmetric), None for a term not so negated."""
    if isinstance(term, gast.UnaryOp) and isinstance(term.op, gast.USub):
        return term.operand
    if isinstance(term, gast.BinOp) and isinstance(term.op, (gast.Mult, gast.Div)):
        left = _without_sign(term.left)
        if left is not None:
            return gast.BinOp(left=left, op=term.op, right=term.right)
    return None


def _power_folded(expr):
    """`pow_grad_base(g, a, n)` for an integer n other than 0 and 1 as `g * n * a ** (n -
    1)` (as emit/simplify writes it), for `_float_factors`; anything else as it is."""
    if not (isinstance(expr, gast.Call) and _names([expr.func]) == ["pow_grad_base"]
            and len(expr.args) == 3 and not expr.keywords
            and isinstance(expr.args[2], gast.Constant)
            and expr.args[2].value.__class__ is int and expr.args[2].value not in (0, 1)):
        return expr
    g, a, n = expr.args
    power = clone(a) if n.value == 2 else binop(clone(a), gast.Pow(), const(n.value - 1))
    return binop(binop(g, gast.Mult(), const(n.value)), gast.Mult(), power)


def _float_factors(expr) -> None:
    """In the tangent of a number, an integer factor of a product (`dx * 2 * x`, from
    the exponent of `x ** 2`) as a float (`dx * 2.0 * x`): the same product (a
    tangent is a float, and Python converts the integer to that float first), without
    the conversion in every call."""
    for node in gast.walk(expr):
        if isinstance(node, gast.BinOp) and isinstance(node.op, gast.Mult):
            for side in ("left", "right"):
                factor = getattr(node, side)
                if isinstance(factor, gast.Constant) and factor.value.__class__ is int \
                        and abs(factor.value) < 2**53:
                    setattr(node, side, const(float(factor.value)))


def _popped_at_once(out) -> list:
    """`p = xs[i]; dp = dxs[i]; xs.pop(i); dxs.pop(i)` (a pop as lowered, with its
    tangent) as `p = xs.pop(i); dp = dxs.pop(i)`: the same values, half the steps."""
    done, k = [], 0
    while k < len(out):
        s = out[k]
        read, tangent = s, None
        rest = out[k + 1:k + 4]
        if rest and isinstance(rest[0], gast.Assign) and not LIST_UPDATE.of(rest[0]):
            tangent, rest = rest[0], rest[1:]
        pop = rest[0] if rest and LIST_UPDATE.of(rest[0]) == "pop" \
            and POPPED.of(rest[0]) is read else None
        if pop is None or (tangent is not None and not _reads_slot(tangent, rest[1:2])):
            done.append(s)
            k += 1
            continue
        read.value = pop.value
        done.append(read)
        if tangent is not None:
            tangent.value = rest[1].value
            done.append(tangent)
        k += 2 + (tangent is not None) * 2
    return done


def _reads_slot(tangent, following) -> bool:
    """Whether `tangent` is `dp = dxs[i]` and `following` is `[dxs.pop(i)]`."""
    value = tangent.value
    if not following or not isinstance(following[0], gast.Expr) \
            or not isinstance(value, gast.Subscript) or not isinstance(value.value, gast.Name):
        return False
    call_ = following[0].value
    return isinstance(call_, gast.Call) and isinstance(call_.func, gast.Attribute) \
        and call_.func.attr == "pop" and isinstance(call_.func.value, gast.Name) \
        and call_.func.value.id == value.value.id and len(call_.args) == 1 \
        and gast.dump(call_.args[0]) == gast.dump(value.slice)


def _key_value(key):
    """An index as a value passed to a helper: `a:b` is `slice(a, b, None)`."""
    if isinstance(key, gast.Slice):
        return call("slice", *[clone(p) if p is not None else const(None)
                               for p in (key.lower, key.upper, key.step)])
    if isinstance(key, gast.Tuple):
        return tuple_of(*[_key_value(e) for e in key.elts])
    return clone(key)


def _operands(value):
    if isinstance(value, gast.BinOp):
        return [value.left, value.right]
    if isinstance(value, gast.UnaryOp):
        return [value.operand]
    if isinstance(value, gast.Call):
        return [*value.args, *[k.value for k in value.keywords]]
    if isinstance(value, gast.Attribute):  # x.T, z.real
        return [value.value]
    return []


def _setters(value):
    """For each operand of `value` (as `_operands` lists them), a function replacing it."""
    def setter(obj, field, index=None):
        if index is None:
            return lambda node: setattr(obj, field, node)
        return lambda node: getattr(obj, field).__setitem__(index, node)

    if isinstance(value, gast.BinOp):
        return [setter(value, "left"), setter(value, "right")]
    if isinstance(value, gast.UnaryOp):
        return [setter(value, "operand")]
    if isinstance(value, gast.Call):
        return [setter(value, "args", i) for i in range(len(value.args))] + [
            setter(k, "value") for k in value.keywords]
    if isinstance(value, gast.Attribute):
        return [setter(value, "value")]
    return []


def coalesce_loop_copies(function) -> None:
    """`b = <expr>; ...; a = b` at the end of a loop body, where b is read nowhere else
    and nothing after its assignment reads or writes a (nor leaves the body early),
    becomes `a = <expr>`: a loop-carried value (and its tangent) updated in place, with
    the same values, instead of through a copy in every iteration."""
    loads: dict[str, int] = {}
    stores: dict[str, int] = {}
    for node in gast.walk(function):
        if isinstance(node, gast.Name):
            table = loads if isinstance(node.ctx, gast.Load) else stores
            table[node.id] = table.get(node.id, 0) + 1
    for loop in [n for n in gast.walk(function) if isinstance(n, (gast.For, gast.While))]:
        body = loop.body
        end = len(body)
        while end > 0 and _is_copy(body[end - 1]):
            end -= 1
        for copy in list(body[end:]):
            a, b = copy.targets[0].id, copy.value.id
            if loads.get(b) != 1 or stores.get(b) != 1:
                continue
            where = [i for i, st in enumerate(body[:end]) if isinstance(st, gast.Assign)
                     and len(st.targets) == 1 and isinstance(st.targets[0], gast.Name)
                     and st.targets[0].id == b]
            if not where:
                continue
            after = body[where[0] + 1:body.index(copy)]
            if any(isinstance(n, (gast.Break, gast.Continue, gast.Return, gast.Raise))
                   or isinstance(n, gast.Name) and n.id == a for st in after
                   for n in gast.walk(st)):
                continue
            body[where[0]].targets[0].id = a
            body.remove(copy)
            stores[a] = stores.get(a, 0) - 1 + 1
            loads[b] -= 1


def fuse_tapes(function, namer) -> None:
    """A list `L = []` whose tangent list `dL` is only ever appended to and popped in step
    with it, each time a tuple of n values and its tangents (`v = (a, b)`, `dv = (da,
    db)`, `L.append(v); dL.append(dv)`), popped into names read element by element (`p =
    L.pop(); dp = dL.pop(); a = p[0]; ...`), and otherwise only measured (`len(L)`,
    `while L:`), holds the values and their tangents together: `L.append((a, b, da,
    db))`, `a, b, da, db = L.pop()`, and dL goes (one record, and one tuple, per step
    instead of two: a generated gradient's records, under hvp). Exact: the records come
    off in the order they went on, L's length is the number of records, and every record
    has the n values the unpacking takes."""
    bodies = [getattr(n, f) for n in gast.walk(function) for f in ("body", "orelse")
              if isinstance(getattr(n, f, None), list)]
    for body in bodies:
        for made in list(body):
            if not (isinstance(made, gast.Assign) and isinstance(made.value, gast.Call)
                    and isinstance(made.value.func, gast.Name)
                    and made.value.func.id in ("tangent_buffer", "tangent_buffer_batch")
                    and isinstance(made.targets[0], gast.Name) and made.value.args
                    and isinstance(made.value.args[0], gast.Name)):
                continue
            names = [n for n in gast.walk(function) if isinstance(n, gast.Name)]
            parents = {id(c): n for n in gast.walk(function) for c in gast.iter_child_nodes(n)}
            tape, dtape = made.value.args[0].id, made.targets[0].id
            pairs = [(b, b[k], b[k + 1]) for b in bodies for k in range(len(b) - 1)
                     if _stepped(b[k], b[k + 1], tape, dtape)]
            paired = {id(n) for _, *two in pairs for st in two for n in gast.walk(st)}
            if not all(id(n) in paired or _measured(n, parents, made) for n in names
                       if n.id in (tape, dtape)) or sum(
                    n.id == tape and not isinstance(n.ctx, gast.Load) for n in names) != 1:
                continue
            appends = [(b, first, [_made_tuple(b, first, st.value.args[0], names)
                                   for st in (first, second)])
                       for b, first, second in pairs if isinstance(first, gast.Expr)]
            lengths = {len(t.elts) if t is not None else None
                       for _, _, made_tuples in appends for t in made_tuples}
            if not appends or len(lengths) != 1 or None in lengths:
                continue
            n = lengths.pop()
            pops = [(b, first, _element_reads(b, first, second, n, names))
                    for b, first, second in pairs if isinstance(first, gast.Assign)]
            if any(reads is None for _, _, reads in pops):
                continue
            for b, first, made_tuples in appends:  # L.append((a, b, da, db))
                for t in made_tuples:
                    _remove(b, next(st for st in b if getattr(st, "value", None) is t))
                first.value.args = [tuple_of(*[clone(e) for t in made_tuples for e in t.elts])]
            for b, first, reads in pops:  # a, b, da, db = L.pop()
                targets = [clone(reads[i].targets[0]) if i in reads
                           else store(namer.fresh("unused")) for i in range(2 * n)]
                first.targets = [tuple_of(*targets, ctx=gast.Store())]
                first.value.args = []
                for st in reads.values():
                    _remove(b, st)
            for b, _, second in pairs:
                _remove(b, second)
            _remove(body, made)


def loop_while_nonempty(function) -> None:
    """`while go: ...; n = len(L); go = n > 0` (a `while L:` lowered for a list L popped
    in the loop; copies of loop-carried values may follow) as `while L: ...`, where L is
    only ever bound to a new list and go and n are read nowhere else: a list is true
    when it is not empty."""
    names = [n for n in gast.walk(function) if isinstance(n, gast.Name)]
    lists = {s.targets[0].id for s in gast.walk(function) if isinstance(s, gast.Assign)
             and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name)
             and isinstance(s.value, gast.List) and not s.value.elts}
    for loop in [n for n in gast.walk(function) if isinstance(n, gast.While)]:
        end = len(loop.body)
        while end > 0 and _is_copy(loop.body[end - 1]):  # phi copies (`x_2 = x_3`)
            end -= 1
        if end < 3 or not isinstance(loop.test, gast.Name) or loop.orelse:
            continue
        measure, test = loop.body[end - 2:end]
        if not (isinstance(measure, gast.Assign) and isinstance(test, gast.Assign)
                and _names(test.targets) == [loop.test.id]
                and _names(measure.targets) == [count := measure.targets[0].id]
                and isinstance(measure.value, gast.Call) and not measure.value.keywords
                and _names([measure.value.func]) == ["len"]
                and _names(measure.value.args) == [tape := measure.value.args[0].id]
                and tape in lists and isinstance(test.value, gast.Compare)
                and _names([test.value.left]) == [count]
                and len(test.value.ops) == 1 and isinstance(test.value.ops[0], gast.Gt)
                and isinstance(test.value.comparators[0], gast.Constant)
                and test.value.comparators[0].value == 0):
            continue
        if not _measured_before(function, loop, tape):
            continue
        if sum(n.id == tape and not isinstance(n.ctx, gast.Load) for n in names) != 1 \
                or sum(n.id == loop.test.id and isinstance(n.ctx, gast.Load)
                       for n in names) != 1 \
                or sum(n.id == count for n in names) != 2:
            continue
        if {tape, count, loop.test.id} & {n.id for st in loop.body[end:]
                                           for n in gast.walk(st) if isinstance(n, gast.Name)}:
            continue
        loop.test = load(tape)
        del loop.body[end - 2:end]


# math functions of one number: their value depends on their argument alone
_PURE_MATH = frozenset({"sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "sinh", "cosh",
                        "atan", "asin", "acos", "log1p", "expm1", "erf", "erfc", "log2",
                        "log10"})


def _math_call(node):
    """The math function name of `math.f(v)` with one name v, else None."""
    if isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) \
            and _names([node.func.value]) == ["math"] and node.func.attr in _PURE_MATH \
            and len(node.args) == 1 and isinstance(node.args[0], gast.Name) \
            and not node.keywords:
        return node.func.attr
    return None


def _stored(stmts) -> set:
    return {n.id for st in stmts for n in gast.walk(st)
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}


def _spell_math_constants(function, closure) -> None:
    """A call of a closure variable bound to one of `math`'s functions of one number as
    pullback found it (`math_cos(x)`: a gradient being differentiated calls so what only
    its derivative rules call, codegen.guard_unpatched) is spelled `math.cos(x)`, the
    same function, so that `reuse_recorded_calls` sees it as the call it is (codegen
    binds it again, or refuses a `math.cos` replaced since)."""
    from ..runtime.helpers import math as as_imported  # math as pullback found it

    named = {}
    for name, cell in closure.items():
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        for f in _PURE_MATH:
            if getattr(as_imported, f, None) is value:
                named[name] = f
    if not named:
        return
    for node in gast.walk(function):
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Name) \
                and node.func.id in named:
            node.func = gast.Attribute(value=load("math"), attr=named[node.func.id],
                                       ctx=gast.Load())


def reuse_recorded_calls(function, namer) -> None:
    """Where a loop records `L.append((a, x, ...))` after computing `math.f(x)` (as a
    = math.f(x), or inside an expression) and the loop popping `a_2, x_2, ... = L.pop()`
    computes `math.f(x_2)` again (the adjoint loop of a gradient, differentiated: it
    recomputes sin and cos the primal loop computed), the popped loop reads the recorded
    value instead (recording it, named, where it was not), and a popped value no longer
    read is not recorded. Exact: the value recorded is math.f of the value x had when it
    was recorded (x not assigned in between), and L is appended to at that one place and
    popped at that one place only (otherwise only made, measured or tested), so the
    records come off as they went on."""
    names = [n for n in gast.walk(function) if isinstance(n, gast.Name)]
    bodies = [getattr(n, f) for n in gast.walk(function) for f in ("body", "orelse")
              if isinstance(getattr(n, f, None), list)]
    for body in bodies:
        for pop in list(body):
            if not (isinstance(pop, gast.Assign) and isinstance(pop.targets[0], gast.Tuple)
                    and isinstance(pop.value, gast.Call) and not pop.value.args
                    and isinstance(pop.value.func, gast.Attribute)
                    and pop.value.func.attr == "pop"
                    and isinstance(pop.value.func.value, gast.Name)
                    and all(isinstance(e, gast.Name) for e in pop.targets[0].elts)):
                continue
            tape = pop.value.func.value.id
            appends = [(b, st) for b in bodies for st in b if isinstance(st, gast.Expr)
                       and isinstance(st.value, gast.Call)
                       and isinstance(st.value.func, gast.Attribute)
                       and st.value.func.attr == "append"
                       and _names([st.value.func.value]) == [tape]]
            if len(appends) != 1:
                continue
            record_body, append = appends[0]
            made = append.value.args[0] if len(append.value.args) == 1 else None
            popped = pop.targets[0].elts
            if not (isinstance(made, gast.Tuple) and len(made.elts) == len(popped)
                    and all(isinstance(e, gast.Name) for e in made.elts)):
                continue
            if not _only_appended_popped(function, tape, append, pop):
                continue
            if any(sum(n.id == p.id and not isinstance(n.ctx, gast.Load) for n in names) != 1
                   for p in popped):
                continue
            _reuse(function, namer, record_body, append, made, body, pop, popped)


def _evaluated(st):
    """The nodes a simple statement `t = e` or `e` evaluates whenever it runs (not those
    under a conditional expression, `and`, `or`, a lambda or a comprehension): a call
    among them may be made before the statement."""
    if not isinstance(st, (gast.Assign, gast.Expr)):
        return
    stack = [st.value]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (gast.BinOp, gast.UnaryOp, gast.Call, gast.Tuple, gast.List,
                             gast.Attribute, gast.Subscript, gast.Compare)):
            stack.extend(gast.iter_child_nodes(node))


def _only_appended_popped(function, tape, append, pop) -> bool:
    """L is read only by that append and that pop, `len(L)` and loop tests, and bound once
    to a new empty list."""
    allowed = {id(append.value.func.value), id(pop.value.func.value)}
    for node in gast.walk(function):
        if isinstance(node, gast.Call) and _names([node.func]) == ["len"] \
                and _names(node.args) == [tape]:
            allowed.add(id(node.args[0]))
        elif isinstance(node, (gast.While, gast.If)) and _names([node.test]) == [tape]:
            allowed.add(id(node.test))
        elif isinstance(node, gast.Assign) and _names(node.targets) == [tape]:
            if not (isinstance(node.value, gast.List) and not node.value.elts):
                return False
            allowed.add(id(node.targets[0]))
    return all(id(n) in allowed for n in gast.walk(function)
               if isinstance(n, gast.Name) and n.id == tape)


def _reuse(function, namer, record_body, append, made, pop_body, pop, popped):
    at = _index(record_body, append)
    recorded = {e.id: i for i, e in enumerate(made.elts)}
    # math.f(x) computed in the recording loop before the append, x recorded and not
    # assigned from there to the append: (f, index of x) -> (statement, call node, name)
    found = {}
    for k, st in enumerate(record_body[:at]):
        later = _stored(record_body[k:at])
        for node in _evaluated(st):
            f = _math_call(node)
            x = node.args[0].id if f else None
            if f is None or x not in recorded or x in later or (f, recorded[x]) in found:
                continue
            name = None
            if isinstance(st, gast.Assign) and st.value is node and \
                    _names(st.targets) and st.targets[0].id in recorded \
                    and st.targets[0].id not in _stored(record_body[k + 1:at]):
                name = st.targets[0].id
            found[f, recorded[x]] = (st, node, name)
    index = {p.id: i for i, p in enumerate(popped)}
    start = _index(pop_body, pop) + 1
    replaced = {}
    for st in pop_body[start:]:
        for node in gast.walk(st):
            f = _math_call(node)
            if f and node.args[0].id in index and (f, index[node.args[0].id]) in found:
                replaced[id(node)] = found[f, index[node.args[0].id]]
    if not replaced:
        return
    elts, targets = list(made.elts), list(popped)
    value_of = {}  # (statement, call) in the recording loop -> the popped name holding it
    for st, node, name in {id(v[1]): v for v in replaced.values()}.values():
        if name is None:  # record it, named: `cos = math.cos(x)` before its statement
            name = namer.fresh(node.func.attr)
            record_body.insert(_index(record_body, st), assign(name, clone(node)))
            _replace(st, node, load(name))
            elts.append(load(name))
            targets.append(store(namer.fresh(f"{node.func.attr}_popped")))
            value_of[id(node)] = targets[-1].id
        else:
            value_of[id(node)] = popped[recorded[name]].id
    arguments = {node.args[0].id for st in pop_body[start:] for node in gast.walk(st)
                 if id(node) in replaced}
    for st in pop_body[start:]:
        _replace_calls(st, {k: load(value_of[id(v[1])]) for k, v in replaced.items()})
    _drop_unneeded_real_checks(pop_body, start, arguments)
    _drop_unread_copies(function, pop_body, {t.id for t in targets})
    read = {n.id for n in gast.walk(function)
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}
    keep = [i for i, t in enumerate(targets) if t.id in read]
    made.elts = [elts[i] for i in keep]
    pop.targets[0].elts = [targets[i] for i in keep]


def _drop_unneeded_real_checks(body, start, arguments) -> None:
    """Remove from body[start:] the checks that popped values given to a math call are not
    complex (`if x.__class__ not in SCALAR_TYPES: complex_to_math(...)`) where the values
    checked were arguments of the calls just replaced by their recorded results and are
    no longer given to a math call there: the recording loop's call of the same function
    on the same value is checked where it is made (or proven real), so the recorded
    result is what the check let through."""
    still = {n.args[0].id for st in body[start:] for n in gast.walk(st) if _math_call(n)}
    for st in list(body[start:]):
        checked = _real_check_of(st)
        if checked and set(checked) <= arguments and not set(checked) & still:
            _remove(body, st)


def _real_check_of(st):
    """The names `if <scalar_class_test(a, ...)>: complex_to_math(...)` checks (and only
    checks), else None."""
    if not (isinstance(st, gast.If) and not st.orelse and len(st.body) == 1
            and isinstance(st.body[0], gast.Expr) and isinstance(st.body[0].value, gast.Call)
            and _names([st.body[0].value.func]) == ["complex_to_math"]):
        return None
    checked = st.body[0].value.args[1]
    names = _names(checked.elts) if isinstance(checked, gast.Tuple) else None
    if not names or gast.dump(st.test) != gast.dump(scalar_class_test(names)):
        return None
    return names


def _drop_unread_copies(function, body, popped) -> None:
    """Remove from `body` the copies `y = p` of popped names p whose y is read nowhere."""
    read = {n.id for n in gast.walk(function)
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}
    for st in list(body):
        if _is_copy(st) and _names([st.value]) and st.value.id in popped \
                and st.targets[0].id not in read:
            _remove(body, st)


def _replace(root, old, new) -> None:
    _replace_calls(root, {id(old): new})


def _replace_calls(root, by_id) -> None:
    for node in gast.walk(root):
        for field, value in gast.iter_fields(node):
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if id(item) in by_id:
                        value[i] = clone(by_id[id(item)])
            elif id(value) in by_id:
                setattr(node, field, clone(by_id[id(value)]))


def _measured_before(function, loop, tape) -> bool:
    """Whether `loop` (`while go_2:`) is preceded by `n = len(L); go = n > 0` and then
    only by copies and constants (`go_2 = go`, phi copies of other values, `dx = 0.0`):
    its first test is L's truth just before it."""
    body = next(b for n in gast.walk(function) for b in (getattr(n, "body", None),
                                                         getattr(n, "orelse", None))
                if isinstance(b, list) and any(s is loop for s in b))
    k = _index(body, loop)
    copies = {}
    while k > 0 and (_is_copy(body[k - 1]) or isinstance(body[k - 1], gast.Assign)
                     and _names(body[k - 1].targets)
                     and isinstance(body[k - 1].value, gast.Constant)):
        k -= 1
        copies[body[k].targets[0].id] = getattr(body[k].value, "id", None)
    test = loop.test.id
    while test in copies:
        test = copies.pop(test)
    if k < 2:
        return False
    measure, first = body[k - 2:k]
    return isinstance(measure, gast.Assign) and isinstance(first, gast.Assign) \
        and _names(first.targets) == [test] and _names(measure.targets) != [] \
        and isinstance(measure.value, gast.Call) and not measure.value.keywords \
        and _names([measure.value.func]) == ["len"] and _names(measure.value.args) == [tape] \
        and isinstance(first.value, gast.Compare) \
        and _names([first.value.left]) == [measure.targets[0].id] \
        and len(first.value.ops) == 1 and isinstance(first.value.ops[0], gast.Gt) \
        and isinstance(first.value.comparators[0], gast.Constant) \
        and first.value.comparators[0].value == 0


def _names(nodes) -> list:
    """The ids of `nodes` if they are all plain names, else []."""
    return [n.id for n in nodes] if all(isinstance(n, gast.Name) for n in nodes) else []


def _remove(body, s) -> None:
    del body[_index(body, s)]


def _index(body, s) -> int:
    return next(k for k, t in enumerate(body) if t is s)


def _made_tuple(body, at, value, names):
    """The tuple `value` names, when one of the two statements just before `at` makes it
    (`v = (a, b)`, no starred element) and nothing else reads or sets v; else None."""
    if not isinstance(value, gast.Name) or sum(n.id == value.id for n in names) != 2:
        return None
    k = _index(body, at)
    for s in body[max(k - 2, 0):k]:
        if isinstance(s, gast.Assign) and _names(s.targets) == [value.id]:
            if isinstance(s.value, gast.Tuple) and not any(
                    isinstance(e, gast.Starred) for e in s.value.elts):
                return s.value
    return None


def _stepped(first, second, tape, dtape) -> bool:
    """`L.append(v); dL.append(dv)` or `p = L.pop(i); dp = dL.pop(i)` (i: none or -1)."""
    def method(s, name):
        value = s.value if isinstance(s, (gast.Expr, gast.Assign)) else None
        if not (isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute)
                and isinstance(value.func.value, gast.Name) and value.func.value.id == name
                and not value.keywords):
            return None
        if isinstance(s, gast.Assign) and not (
                len(s.targets) == 1 and isinstance(s.targets[0], gast.Name)):
            return None
        args = value.args
        if value.func.attr == "append" and isinstance(s, gast.Expr) and len(args) == 1:
            return "append"
        if value.func.attr == "pop" and isinstance(s, gast.Assign) and (not args or len(
                args) == 1 and isinstance(args[0], gast.Constant) and args[0].value == -1):
            return "pop"
        return None

    return method(first, tape) is not None and method(first, tape) == method(second, dtape)


def _measured(name, parents, made) -> bool:
    """Whether `name` (the list L or its tangent list) is L's making (`L = []`), its
    tangent list's (`dL = tangent_buffer(L)`), or a load only measuring L: `len(L)`,
    `while L:`, `if L:`."""
    parent = parents.get(id(name))
    if parent is made.value or parent is made or isinstance(name.ctx, gast.Store) and \
            name.id == made.value.args[0].id and isinstance(parent, gast.Assign) \
            and isinstance(parent.value, gast.List) and not parent.value.elts:
        return True
    if not isinstance(name.ctx, gast.Load):
        return False
    if isinstance(parent, (gast.While, gast.If)) and parent.test is name:
        return True
    return isinstance(parent, gast.Call) and isinstance(parent.func, gast.Name) \
        and parent.func.id == "len" and parent.args == [name]


def _element_reads(body, pop, tangent_pop, n, names):
    """For `p = L.pop(); dp = dL.pop()` followed in `body` by reads of their elements
    (`a = p[0]`, `da = dp[1]`, each read once, into a name of its own, p and dp read
    nowhere else): {k: the statement reading element k of (*p, *dp)}, or None when they
    are read otherwise, or something between the pop and a read sees the name it sets
    (which the unpacking sets at the pop)."""
    p, dp = pop.targets[0].id, tangent_pop.targets[0].id
    reads: dict = {}
    start = _index(body, tangent_pop) + 1
    for s in body[start:]:
        if isinstance(s, gast.Assign) and len(s.targets) == 1 \
                and isinstance(s.targets[0], gast.Name) and isinstance(s.value, gast.Subscript) \
                and _names([s.value.value]) in ([p], [dp]) \
                and isinstance(s.value.slice, gast.Constant) \
                and s.value.slice.value.__class__ is int and 0 <= s.value.slice.value < n:
            k = s.value.slice.value + n * (s.value.value.id == dp)
            if k in reads:
                return None
            reads[k] = s
    if sum(n.id in (p, dp) for n in names) != 2 + len(reads):
        return None
    targets = [s.targets[0].id for s in reads.values()]
    if len(set(targets)) != len(targets):
        return None
    pending = set(targets)  # names not yet set where they were: nothing may see them
    for s in body[start:max([_index(body, s) for s in reads.values()], default=0) + 1]:
        if any(s is t for t in reads.values()):
            pending.discard(s.targets[0].id)
        elif any(isinstance(node, gast.Name) and node.id in pending
                 or isinstance(node, (gast.Break, gast.Continue, gast.Return, gast.Raise))
                 for node in gast.walk(s)):
            return None
    return reads


def _is_copy(s) -> bool:
    return isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(
        s.targets[0], gast.Name) and isinstance(s.value, gast.Name)


def forward(tree, analysis, wrt, mode="jvp", single=True, calls=None, optimize=True):
    """(the generated FunctionDef, {name: object} the code refers to beyond helpers and
    globals). `calls(function, params, static)` gives the cell of the jvp function of a
    Python function called with active arguments for `params`."""
    packed = [a.id for a in (tree.args.vararg, tree.args.kwarg) if a is not None]
    if set(packed) & {w[0] for w in wrt if isinstance(w, tuple)}:  # ("args", 0)
        raise NoRuleError("forward mode with respect to values passed through *args or "
                          "**kwargs (reverse mode differentiates them; forward mode does not "
                          "yet: name them as parameters)",
                          analysis.parsed.location.describe(analysis.parsed.tree))
    builder = Forward(tree, analysis, wrt, mode, single, calls, optimize)
    made = builder.build()
    if optimize:
        coalesce_loop_copies(made)
        fuse_tapes(made, builder.namer)
        loop_while_nonempty(made)
        _spell_math_constants(made, analysis.parsed.closure)
        reuse_recorded_calls(made, builder.namer)
        coalesce_loop_copies(made)  # a value no longer recorded may now update in place
    return made, builder.constants
