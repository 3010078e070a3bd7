"""Loop optimizations of the adjoint, for derive/reverse.py's `Reverse`.

Only with `optimize` (the unoptimized gradient, which the tests compare, saves every
loop value it reads and accumulates by plain addition):
- `_stable`: names a loop defines with the same value in every iteration need no saving;
- `hoist`: scalar arithmetic that gives the same value in every iteration
  (`c = 0.002 * a`) is computed once, before the loop, where it cannot raise;
- `defer`: a loop adding matrix-product gradients into a loop-invariant matrix records
  the factors and forms their sum after the loop as one product (every PARTS_KEPT pairs,
  so a long loop never keeps them all); `part * 0.002` parts are summed, then scaled once;
- `recompute`: a read `x = a[t]` of an array the function never writes, at the loop's
  index (or a constant index), is done again at the start of the adjoint's iteration
  instead of being recorded (a view costs more than the index it is computed from), and
  so is integer bookkeeping `sub = i - 1` of the loop's counter (`_index_arithmetic`).
What each loop's body stores and reads (`loop_stores`, `_loop_reads`) is found for every
loop of f in one walk (`_loop_facts`), not walked again per question and per enclosing loop.
"""

from __future__ import annotations

import gast

from ..ir.annotations import (
    LIST_UPDATE,
    PHI,
)
from ..ir.nodes import (
    assign,
    binop,
    call,
    child_fields,
    clone,
    const,
    if_,
    is_loop_exit,
    load,
    names,
    skeleton,
    store,
    stored_names,
    tuple_of,
    walk,
)
from .adjoints import LoopHeader, PopSlot

PARTS_KEPT = 256  # pairs a loop's summed matrix product keeps before adding their sum

# Contributions a loop may record and sum after the loop: helper -> (summing helper,
# position of the factor that pairs with g).
DEFERRED = {"matmul_grad_a": ("sum_matmul_grad_a", 2), "matmul_grad_b": ("sum_matmul_grad_b", 1)}


class LoopOptimizations:
    """Loop-invariant values and deferred sums (mixed into `Reverse`)."""

    def _stable(self):
        """Names defined inside loops whose value is the same in every iteration: a
        pure operation on values that never change once set (parameters, names
        assigned outside any loop, constants). They need no saving."""
        in_loop = set()
        for loop in skeleton(self.tree):  # loops are statements
            if isinstance(loop, (gast.For, gast.While)):
                in_loop |= self.loop_stores(loop)
                if isinstance(loop, gast.For):
                    in_loop.add(loop.target.id)
        if not in_loop:
            return set()
        written = set(self.mutable)
        stable = set()
        # a worklist over the def-use graph: a candidate whose reads are not all settled
        # waits on one unsettled read, and is looked at again when that one turns stable
        waiting: dict = {}  # name -> the candidates waiting on it
        work = []
        for s in self.analysis.assigns:
            target = s.targets[0]
            if not isinstance(target, gast.Name) or target.id not in in_loop \
                    or target.id in written or len(self.analysis.defs.get(target.id, ())) != 1:
                continue
            value = s.value
            if isinstance(value, gast.Call):
                op = self.analysis.op(s)  # custom rules may be impure
                if op.kind != "rule" or op.rule.functions:
                    continue
            elif not isinstance(value, (gast.BinOp, gast.UnaryOp, gast.Compare)):
                continue
            reads = {n.id for n in walk(value) if isinstance(n, gast.Name)
                     and isinstance(n.ctx, gast.Load)} & self.analysis.locals
            work.append((target.id, [r for r in reads if r in in_loop or r in written]))
        while work:
            name, pending = work.pop()
            if name in stable:
                continue
            while pending and pending[-1] in stable:
                pending.pop()
            if not pending:
                stable.add(name)
                work.extend(waiting.pop(name, ()))
            elif pending[-1] not in written:  # (written: never stable)
                waiting.setdefault(pending[-1], []).append((name, pending))
        return stable

    def defer(self, name, expr, out) -> bool:
        """A loop adding matrix-product gradients into a loop-invariant matrix records
        the factors instead, and forms their sum after the loop as one product; one
        adding `part * 0.002` sums the parts and multiplies once, after the loop."""
        if not self.optimize or not self.deferrable or name not in self.deferrable[-1]:
            return False
        if isinstance(expr, gast.BinOp) and isinstance(expr.op, gast.Mult):
            for part, factor in ((expr.left, expr.right), (expr.right, expr.left)):
                if isinstance(factor, gast.Constant) and type(factor.value) in (int, float):
                    key = (name, ("scaled", factor.value))
                    total = self.deferred[-1].get(key)
                    if total is None:
                        total = self.deferred[-1][key] = self.namer.fresh(f"d{name}_unscaled")
                    out.append(gast.AugAssign(target=store(total), op=gast.Add(), value=part))
                    return True
            return False
        if not isinstance(expr, gast.Call) or not isinstance(expr.func, gast.Name) \
                or expr.func.id not in DEFERRED:
            return False
        summed, other = DEFERRED[expr.func.id]
        factor = expr.args[other]
        if isinstance(factor, gast.Name) and factor.id in self.shares_memory:
            return False  # its value may change (a buffer's slot is restored) before the sum
        parts = self.deferred[-1].get((name, summed))
        if parts is None:
            parts = self.deferred[-1][(name, summed)] = self.namer.fresh(f"d{name}_parts")
        pair = tuple_of(expr.args[0], expr.args[other])
        out.append(gast.Expr(value=call(gast.Attribute(value=load(parts), attr="append",
                                                       ctx=gast.Load()), pair)))
        # every PARTS_KEPT pairs, their sum is added and the list emptied: the pairs of a
        # long loop are never all kept at once
        count = call(self.namer.spelled_builtin("len"), load(parts))
        out.append(if_(gast.Compare(left=count, ops=[gast.Eq()], comparators=[const(PARTS_KEPT)]), [
            assign(self.grad_name(name), binop(load(self.grad_name(name)), gast.Add(),
                                       call(summed, load(parts), load(name)))),
            gast.Expr(value=call(gast.Attribute(value=load(parts), attr="clear",
                                                ctx=gast.Load())))]))
        return True

    def recompute(self, loop, body) -> list:
        """The adjoint body of `loop` with cheap reads `x = a[t]` and index arithmetic
        (`_index_arithmetic`) redone at its start, for the x it reads: statements at
        the top level of a `for` loop's body that runs every iteration (no break); a
        read is of a name the loop does not define and nothing writes in place or as a
        list, at the loop's target or a constant. Their names go into
        `self.recomputed`: no record keeps them."""
        if not self.optimize or not isinstance(loop, gast.For) or is_loop_exit(loop.body[-1]) \
                or not isinstance(loop.target, gast.Name):
            return body
        # read for its value (a name read only for its shape is recorded as its shape)
        reads = _value_reads(body, self.body_reads)
        inside = self.loop_stores(loop) | {loop.target.id}
        changed = self._maybe_changed()  # (asked, not joined: both grow with f)
        arithmetic = self._index_arithmetic(loop, inside, reads)
        for s in reversed(arithmetic):  # what a recomputed value is computed from
            if s.targets[0].id in reads:
                reads |= {n.id for n in walk(s.value) if isinstance(n, gast.Name)}
        redone = []
        arithmetic_ids = {id(a) for a in arithmetic}  # (asked per statement of the body)
        for s in loop.body:
            if id(s) in arithmetic_ids and s.targets[0].id in reads:
                redone.append(clone(s))
                self.recomputed.add(s.targets[0].id)
                continue
            if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                    and isinstance(s.value, gast.Subscript) and not PHI.of(s)
                    and s.targets[0].id in reads and s.targets[0].id not in self.unbound):
                continue
            base, index = s.value.value, s.value.slice
            if self.analysis.op(s).kind != "index" or not isinstance(base, gast.Name) \
                    or base.id in inside or base.id in self.shares_memory \
                    or base.id in changed or base.id in self.unbound:
                continue
            if not (isinstance(index, gast.Name) and index.id == loop.target.id
                    or isinstance(index, gast.Constant) and type(index.value) is int):
                continue
            redone.append(clone(s))
            self.recomputed.add(s.targets[0].id)
        if not redone:
            self.body_reads[id(loop)] = reads
            return body
        self.body_reads[id(loop)] = reads | _value_reads(redone, {})
        at = 1 if body and isinstance(body[0], PopSlot) else 0
        return body[:at] + redone + body[at:]

    def _index_arithmetic(self, loop, inside, reads) -> list:
        """The statements of `loop`'s body (top level, in order) computing an inactive
        scalar by +, - or * (or unary -) from the loop's target, numbers, names the loop
        does not define, names set before at the body's top level that the adjoint
        `reads` (so has), and names such statements computed before (`sub = i - 1`,
        `j_2 = j + 1`, `k_prev = k - 1`): the adjoint's iteration has these operands with
        the values the primal's had, so it computes the same value again instead of
        recording it. Only names the function reads nowhere else are taken (no adjoint
        outside this loop's reads them)."""
        in_f = self._loop_reads(self.tree)  # (counted once: a walk per loop is quadratic)
        in_loop = self._loop_reads(loop)

        def read_elsewhere(name):  # asked per name: a scan of f's names per loop is quadratic
            return in_f.get(name, 0) > in_loop.get(name, 0)
        found, names = [], {loop.target.id}
        for s in loop.body:
            if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                    and not PHI.of(s)):
                continue
            if s.targets[0].id in reads:
                names.add(s.targets[0].id)  # the adjoint has it (recorded or stable)
            target, value = s.targets[0].id, s.value
            operands = [value.left, value.right] if isinstance(value, gast.BinOp) and \
                isinstance(value.op, (gast.Add, gast.Sub, gast.Mult)) else \
                [value.operand] if isinstance(value, gast.UnaryOp) and \
                isinstance(value.op, gast.USub) else None
            if operands is None or target in self.analysis.active or read_elsewhere(target) \
                    or target in self.unbound or not self.is_scalar(s.targets[0]):
                continue
            if all(self.is_scalar(o) and (isinstance(o, gast.Constant) or o.id in names or (
                    o.id not in inside and o.id not in self.unbound)) for o in operands):
                found.append(s)
                names.add(target)
        return found

    def _maybe_changed(self) -> set:
        """Names whose contents something may change: list updates, and the names any
        call but a pure rule receives (a method's object, a function's argument)."""
        if not hasattr(self, "_changed"):
            self._changed = set()
            for s in self.analysis.assigns + self.analysis.updates:
                if LIST_UPDATE.of(s) or not (isinstance(s, gast.Assign) and isinstance(
                        s.targets[0], gast.Name) and (isinstance(s.value, (
                            gast.Name, gast.Attribute, gast.Subscript, gast.Constant))
                        or self._pure_rule(s))):
                    self._changed |= {n.id for n in walk(s.value) if isinstance(n, gast.Name)}
        return self._changed

    def _pure_rule(self, s) -> bool:
        if not isinstance(s, gast.Assign) or not isinstance(s.targets[0], gast.Name):
            return False
        op = self.analysis.op(s)
        return op.kind == "rule" and not op.rule.functions

    def hoist(self, loop) -> list:
        """Take out of the loop's body the arithmetic on scalars that gives the same value
        in every iteration (`c = 0.002 * a`): computed once before the loop, where it
        cannot raise (+, -, * on numbers) even if the loop runs no iteration."""
        if not self.optimize:
            return []
        # (what the body stored before instrument added its records: fresh names, which
        # no statement of f reads)
        inside = self.loop_stores(loop) | ({loop.target.id} if isinstance(loop, gast.For)
                                           else set())
        hoisted, moved = [], set()
        for t in list(loop.body):
            if not (isinstance(t, gast.Assign) and isinstance(t.targets[0], gast.Name)
                    and t.targets[0].id in self.stable and not PHI.of(t)):
                continue
            value = t.value
            operands = [value.left, value.right] if isinstance(value, gast.BinOp) and \
                isinstance(value.op, (gast.Add, gast.Sub, gast.Mult)) else \
                [value.operand] if isinstance(value, gast.UnaryOp) and \
                isinstance(value.op, gast.USub) else None
            if operands is None or not all(self.is_scalar(o) for o in operands) or any(
                    isinstance(o, gast.Name) and o.id in inside and o.id not in moved
                    for o in operands):
                continue
            hoisted.append(t)
            moved.add(t.targets[0].id)
        if hoisted:  # (taken out in one pass: a remove per statement was quadratic)
            taken = {id(t) for t in hoisted}
            loop.body = [t for t in loop.body if id(t) not in taken]
        if not loop.body:
            loop.body = [gast.Pass()]
        return hoisted


    def loop_stores(self, loop) -> set:
        """The names `loop`'s body assigns (`stored_names(loop.body)`), as f's tree held
        them before the primal was instrumented (not to be changed by the caller)."""
        facts = self._loop_facts().get(id(loop))
        return stored_names(loop.body) if facts is None or facts[0] is not loop else facts[1]

    def _loop_reads(self, loop) -> dict:
        """How many times `loop`'s body reads each name (for f's own FunctionDef: the
        whole function), as f's tree held them before the primal was instrumented."""
        facts = self._loop_facts().get(id(loop))
        if facts is None or facts[0] is not loop:
            return _read_counts([loop] if loop is self.tree else loop.body)
        return facts[2]

    def _loop_facts(self) -> dict:
        """id(loop) -> (loop, the names its body stores, name -> how many times its body
        reads it), for every loop of f, and for f's FunctionDef (all of it), in one walk
        of f: asked by _stable, adjoint_loop, recompute and hoist, a walk of the loop's
        body per question was four walks per loop, and one more per enclosing loop."""
        if self._loop_facts_of is None:
            found: dict = {}
            root_stores: set = set()
            root_reads: dict = {}
            _facts_under(self.tree, root_stores, root_reads, found)
            found[id(self.tree)] = (self.tree, root_stores, root_reads)
            self._loop_facts_of = found
        return self._loop_facts_of


_LOOPS = (gast.For, gast.While, gast.AsyncFor)
_BLOCK_FIELDS: dict = {}  # node class -> its fields that hold statement lists


def _facts_under(node, stores: set, reads: dict, found: dict) -> None:
    """Add the names stored and read under `node` (itself included) to `stores` and
    `reads`, and each loop's own (of its body) to `found` (see `_loop_facts`)."""
    cls = node.__class__
    blocks = _BLOCK_FIELDS.get(cls)
    if blocks is None:
        blocks = _blocks_of(cls)
    parts = [node]
    if blocks:  # the parts that are no statement list: names; the lists: statements
        parts = []
        for field in child_fields(cls):
            value = getattr(node, field, None)
            if field in blocks and value.__class__ is list:
                continue
            if value.__class__ is list:
                parts += [v for v in value if isinstance(v, gast.AST)]
            elif isinstance(value, gast.AST):
                parts.append(value)
    _count(parts, stores, reads)
    for field in blocks:
        value = getattr(node, field, None)
        if value.__class__ is not list:
            continue
        if field == "body" and cls in _LOOPS:  # the loop's own, then added to the enclosing
            inner_stores: set = set()
            inner_reads: dict = {}
            _facts_of_block(value, inner_stores, inner_reads, found)
            found[id(node)] = (node, inner_stores, inner_reads)
            stores |= inner_stores
            for name, count in inner_reads.items():
                reads[name] = reads.get(name, 0) + count
        else:
            _facts_of_block(value, stores, reads, found)


def _facts_of_block(stmts, stores: set, reads: dict, found: dict) -> None:
    """`_facts_under` each statement of a block: those holding no block (most) counted
    together, in one walk."""
    plain = []
    for s in stmts:
        blocks = _BLOCK_FIELDS.get(s.__class__)
        if blocks is None:
            blocks = _blocks_of(s.__class__)
        if blocks:
            _facts_under(s, stores, reads, found)
        else:
            plain.append(s)
    _count(plain, stores, reads)


def _blocks_of(cls) -> tuple:
    """The fields of a node class that hold statement lists (kept in _BLOCK_FIELDS)."""
    blocks = _BLOCK_FIELDS[cls] = tuple(f for f in child_fields(cls) if f in (
        "body", "orelse", "handlers", "finalbody", "cases"))
    return blocks


def _value_reads(stmts, body_reads: dict) -> set:
    """The names the adjoint statements `stmts` read for their value (not a name read only
    for its shape, `unbroadcast(g, x)`'s x), in one walk of them, which takes what
    `body_reads` (loop -> what its adjoint body reads: `recompute` found it) says of the
    adjoint loops under them instead of walking their bodies again."""
    shape_only, loads, found = set(), [], set()
    todo = list(stmts)
    append = todo.append
    name, call, load, header = gast.Name, gast.Call, gast.Load, LoopHeader
    for n in todo:  # (`walk`'s loop)
        cls = n.__class__
        if cls is name:
            if n.ctx.__class__ is load:
                loads.append(n)
            if n.annotation is not None:
                append(n.annotation)
            continue
        if cls is call and n.func.__class__ is name \
                and n.func.id in ("unbroadcast", "reshape_like") and len(n.args) == 2:
            shape_only.add(id(n.args[1]))
        elif cls is header:
            inner = body_reads.get(id(n.loop))
            if inner is not None:  # (its target and iterator are placeholders: no reads)
                found |= inner
                continue
        for field in child_fields(cls):
            value = getattr(n, field, None)
            if value.__class__ is list:
                for v in value:
                    if isinstance(v, gast.AST):
                        append(v)
            elif isinstance(value, gast.AST):
                append(value)
    found.update(n.id for n in loads if id(n) not in shape_only)
    return found


def _count(nodes, stores: set, reads: dict) -> None:
    """Add the names stored and read under `nodes` to `stores` and `reads`."""
    load, store = gast.Load, gast.Store
    for n in names(*nodes):
        ctx = n.ctx.__class__
        if ctx is load:
            reads[n.id] = reads.get(n.id, 0) + 1
        elif ctx is store:
            stores.add(n.id)


def _read_counts(nodes) -> dict:
    """How many times each name is read in `nodes`."""
    counts: dict = {}
    for n in names(*nodes):
        if n.ctx.__class__ is gast.Load:
            counts[n.id] = counts.get(n.id, 0) + 1
    return counts
