"""The primal sweep's records (the tape), for derive/reverse.py's `Reverse`.

`instrument` rewrites the primal: before an in-place write the overwritten slot is saved,
at the end of each loop body or branch ONE push of exactly the values defined there that
the adjoint reads (for a loop: that the loop's adjoint reads; a value read only after
it is read at its last value, before the loop's adjoint runs) and that do not stay the
same in every iteration, loops that break
or `while` loops count their trips, with and try blocks get their flags. `fill_pops`
replaces the adjoint's pop placeholders with pops of what the matching block pushed, and
`loop_header` gives each adjoint loop its header: over its saved records (popped as used),
over its range in reverse, or as many times as the primal loop ran.
`mark_what_may_raise` tells the optimizer which statements must stay (MAY_RAISE).
`record_summary` reads generated code back and says, per loop, what each iteration
records (what `pullback show` prints above the code) and, given sizes measured on
example arguments (`--shapes`), how many bytes: where the memory goes.
"""

from __future__ import annotations

import ast

import gast

from ..analysis.aliasing import checked_call, views_of
from ..ir.annotations import (
    BLOCK,
    CATCH,
    CAUGHT,
    CHECKED_NAME,
    FP_STATE,
    FROM_PRIMAL,
    IS_RETURN,
    LIST_UPDATE,
    MAY_RAISE,
    MERGES,
    MUST_NOT_BE_VIEW,
    PHI,
    PHIS,
    SENTINEL,
    UNINITIALIZED,
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
    not_,
    skeleton,
    store,
    tuple_of,
    walk,
)
from ..ir.nodes import (
    names as names_under,
)
from .adjoints import LoopHeader, PopSlot, index_expr


def _counts_its_trips(loop) -> bool:
    """Loops whose trip count is not the length of their range."""
    return isinstance(loop, gast.While) or is_loop_exit(loop.body[-1])


class Records:
    """Saving and restoring what the adjoint reads (mixed into `Reverse`)."""

    @property
    def tape(self):
        return self._name("_tape", "tape")

    @property
    def push(self):
        return self._name("_push", "push")

    @property
    def pop(self):
        return self._name("_pop", "pop")

    def _name(self, attr, base):
        if not hasattr(self, attr):
            setattr(self, attr, self.namer.fresh(base))
        return getattr(self, attr)

    @property
    def header_reads(self) -> set:
        """Names the adjoint loop headers read (records, trip counts, ranges): made by
        `instrument`, so not yet in the adjoint it reads."""
        if not hasattr(self, "_header_reads"):
            self._header_reads = set()
        return self._header_reads

    def fill_pops(self, stmts):
        """Replace pop placeholders by the pops matching what the primal pushed."""
        out = []
        for s in stmts:
            if isinstance(s, PopSlot):
                names = self.pushes.get(s.key)
                if names:
                    target = store(names[0]) if len(names) == 1 else \
                        tuple_of(*[store(n) for n in names], ctx=gast.Store())
                    out.append(assign(target, call(self.pop)))
                continue
            if isinstance(s, (gast.If, gast.For, gast.While, gast.With)):
                s.body = self.fill_pops(s.body) or [gast.Pass()]
                s.orelse = self.fill_pops(getattr(s, "orelse", []))
            if isinstance(s, LoopHeader) and all(b.__class__ is gast.Pass for b in s.body) \
                    and self.loop_modes[id(s.loop)][0] not in ("checkpoint", "record"):
                continue  # nothing to run backward (its list pops were dropped: restores.py)
            if isinstance(s, LoopHeader):
                s, header = self.loop_header(s), s
                for made in s if isinstance(s, list) else [s]:
                    FROM_PRIMAL.set(made, FROM_PRIMAL.of(header))
            out += s if isinstance(s, list) else [s]
        return out

    def loop_header(self, header):
        """The adjoint loop: over the loop's saved records, popped from the last, else
        over its range in reverse, else as many times as the primal loop ran."""
        loop = header.loop
        mode, names = self.loop_modes[id(loop)]
        if mode == "checkpoint":  # follows the rest of revolve's schedule
            target = store(names[1][0]) if len(names[1]) == 1 else \
                tuple_of(*[store(n) for n in names[1]], ctx=gast.Store())
            return self.checkpoint_adjoint(loop, assign(target, load(names[0])), header.body)
        if mode == "record":  # each record is popped: its memory goes as it is used
            target = store(names[1][0]) if len(names[1]) == 1 else \
                tuple_of(*[store(n) for n in names[1]], ctx=gast.Store())
            pop = call(gast.Attribute(value=load(names[0]), attr="pop", ctx=gast.Load()))
            return gast.While(test=load(names[0]), body=[assign(target, pop), *header.body],
                              orelse=[])
        elif mode == "range":
            target = store(loop.target.id)
            iterable = call(self.namer.spelled_builtin("reversed"), load(loop.iter.id))
        else:
            target = store(self.namer.fresh("rep"))
            iterable = call(self.namer.spelled_builtin("range"), load(names))
        return gast.For(target=target, iter=iterable, body=header.body, orelse=[],
                        type_comment=None)

    def instrument(self, stmts, key, in_loop, needed, loop=None):
        out, defs = [], []
        # the checks before and after statements (few statements have any): asked once
        index_checks = self.analysis.index_checks
        _, operands = self.analysis.operand_checks()  # not objects (classify)
        real_checks = self.analysis.real_checks()[1]
        for s in stmts:
            if LIST_UPDATE.of(s) == "extend" and id(s) in self.saved:
                count = self.saved[id(s)]  # how many elements extend adds
                length = self.namer.spelled_builtin("len")
                out.append(assign(count, call(length, clone(s.value.args[0]))))
                defs.append(count)
                out.append(s)
            elif isinstance(s, gast.Assign):
                target = s.targets[0]
                if isinstance(target, gast.Subscript):
                    saved = self.saved.get(id(s))
                    if saved:
                        helper = "save_float_slot" if self.active(s.value) else "save_slot"
                        at = index_expr(clone(target.slice), self.namer.spelled_builtin("slice"))
                        out.append(assign(saved, call(helper, load(target.value.id), at)))
                        defs.append(saved)
                elif not PHI.of(s):
                    defs.append(target.id)
                if id(s) in self.call_records:  # y, y_record = h_forward(args)
                    record = self.call_records[id(s)]
                    s.targets = [tuple_of(store(target.id), store(record), ctx=gast.Store())]
                    s.value = gast.Call(func=load(self.call_forward[id(s)]),
                                        args=self.method_prefix.get(id(s), [])
                                        + getattr(s.value, "args", []),  # none: obj.attr
                                        keywords=getattr(s.value, "keywords", []))
                    defs.append(record)
                message = MUST_NOT_BE_VIEW.of(s)
                if message:  # the text lives in a constant, not in the printed code
                    name = self.namer.fresh("may_share_memory")
                    self.constants[name] = message
                checked = CHECKED_NAME.of(s)
                if message and checked:  # check the operand before an augmented assignment
                    helper, names = checked_call(checked)
                    out.append(gast.Expr(value=call(helper, *map(load, names), load(name))))
                if isinstance(s.value, gast.Name) and s.value.id in self.unbound and not any(
                        fact.of(s) for fact in (PHI, IS_RETURN, SENTINEL)):
                    # the user's `o = w` (or `b[i] = w`) of a variable that may be unset:
                    # Python's read of w raises there, even when o is never used
                    out.append(gast.Expr(value=call("check_bound", load(s.value.id))))
                at_s = id(s)
                if operands:
                    out += [self.operand_guard(*c) for c in operands.get(("before", at_s), ())]
                if index_checks:
                    out += [self.index_guard(*c) for c in index_checks.get(at_s, ())]
                if real_checks:
                    out += [self.real_guard([n], [at], params=False)
                            for n, at in real_checks.get(at_s, ())]
                out.append(s)
                if operands:
                    out += [self.operand_guard(*c) for c in operands.get(("after", at_s), ())]
                if message and not checked:  # check the value read
                    out.append(gast.Expr(value=call("not_a_view", load(target.id),
                                                    load(name))))
            elif isinstance(s, gast.If) and BLOCK.of(s):
                out += self.instrument_block(s, in_loop, needed, defs)
            elif isinstance(s, gast.If) and not is_loop_exit(s):
                s.body = self.instrument(s.body, (id(s), 0), in_loop, needed)
                s.orelse = self.instrument(s.orelse, (id(s), 1), in_loop, needed)
                defs += MERGES.of(s)
                out.append(s)
            elif isinstance(s, (gast.For, gast.While)):
                plain = [clone(b) for b in s.body] if id(s) in self.checkpointed else None
                s.body = self.instrument(s.body, ("loop", id(s)), True, needed, loop=s)
                out += self.hoist(s)
                mode, names = self.loop_modes.get(id(s), (None, None))
                if mode == "checkpoint":
                    out += self.checkpoint_primal(s, plain, names)
                    defs += PHIS.of(s)
                    continue
                # (what a header reads is needed: added to both, one name at a time; a
                # union of every header's reads per loop was quadratic in the loops)
                if mode == "record":
                    out.append(assign(names[0], gast.List(elts=[], ctx=gast.Load())))
                    defs.append(names[0])
                    self.header_reads.add(names[0])
                    needed.add(names[0])
                elif mode == "count":
                    out.append(assign(names, const(0)))
                    s.body.insert(0, assign(names, binop(load(names), gast.Add(), const(1))))
                    defs.append(names)
                    self.header_reads.add(names)
                    needed.add(names)
                elif mode == "range":
                    self.header_reads.add(s.iter.id)
                    needed.add(s.iter.id)
                defs += PHIS.of(s)
                out.append(s)
            else:
                out.append(s)
        if not in_loop:
            return out
        if loop is not None:  # a loop name with no value before the loop is never read inside
            defs += [p for p in PHIS.of(loop) if p not in UNINITIALIZED.of(loop)]
        names = [n for n in dict.fromkeys(defs) if n in needed and n not in self.stable]
        if loop is not None:
            header = self.adjoint_loops.get(id(loop))
            if header is None:
                return out  # the adjoint never revisits this loop
            # a value the adjoint reads only outside this loop's adjoint is read there
            # before this loop's adjoint runs: the loop's last value, which it still holds
            inside = self.header_loads.get(id(header))  # (build found them)
            if inside is None:  # a header its adjoint dropped (an if with no adjoint code)
                inside = {n.id for n in names_under(header) if n.ctx.__class__ is gast.Load}
            headers = self.header_reads  # (read, not copied: it grows with the loops)
            names = [n for n in names if n in inside or n in headers]
            target = loop.target.id if isinstance(loop, gast.For) else None
            if target in needed and (target in inside or target in headers) \
                    and (names or _counts_its_trips(loop)):
                names.append(target)
            if not names:
                self.loop_modes[id(loop)] = ("count", self.namer.fresh("trips")) \
                    if _counts_its_trips(loop) else ("range", None)
                return out
            record = self.namer.fresh("saved")
            self.loop_modes[id(loop)] = ("checkpoint" if id(loop) in self.checkpointed
                                         else "record", (record, names))
        if not names:
            return out
        value = load(names[0]) if len(names) == 1 else tuple_of(*[load(n) for n in names])
        if loop is not None and id(loop) in self.checkpointed:  # one step's record
            push = assign(record, value)
        elif loop is not None:
            push = gast.Expr(value=call(gast.Attribute(value=load(record), attr="append",
                                                       ctx=gast.Load()), value))
        else:
            self.pushes[key] = names
            push = gast.Expr(value=call(self.push, value))
        at = len(out)
        if loop is not None:
            while at and (is_loop_exit(out[at - 1]) or (
                    PHI.of(out[at - 1]) and out[at - 1].targets[0].id
                    in PHIS.of(loop))):
                at -= 1
        out.insert(at, push)
        return out

    def adjoint_reads(self, adjoint) -> set:
        """The names `adjoint` reads; each loop header under it gets its own in
        `self.header_loads` (by id), which `instrument` asks: one walk of the adjoint,
        not one more per enclosing loop."""
        read: set = set()
        self.header_loads = {}
        _loads_under(adjoint, read, self.header_loads)
        return read

    def keep_recorded_views(self, recorded, adjoint=None) -> None:
        """A view of an array the function writes in place, kept by a record (a loop's,
        a branch's in a loop, a split function's), is made as a copy (`kept(y[1:])`). The
        first-order adjoint reads it after restoring what the writes overwrote, so the view
        shows its first values again; but differentiated again (second order), that code
        has a view which later writes change, held by a record the writes outlive: the copy
        holds the values the view was made with, which every primal read of it sees too (a
        read after a write is refused or checked: MUST_NOT_BE_VIEW, left as it is). With
        `adjoint`, a view the adjoint reads only for its shape (`unbroadcast(g, v)`, which
        simplify records as `record_shape(v)`) is left as it is."""
        if not hasattr(self, "_written_views"):  # asked twice: found once
            buffers = {s.targets[0].value.id for s in self.analysis.assigns
                       if isinstance(s.targets[0], gast.Subscript)
                       and isinstance(s.targets[0].value, gast.Name)}
            self._written_views = (buffers, views_of(self.analysis, buffers))
        buffers, view_of = self._written_views
        views = {v for v in view_of if v in recorded and v not in buffers}
        if not views:
            return
        if adjoint is not None:
            found = list(walk(gast.Module(body=adjoint, type_ignores=[])))
            shape_only = {id(node.args[1]) for node in found if isinstance(node, gast.Call)
                          and isinstance(node.func, gast.Name) and len(node.args) > 1
                          and node.func.id in ("unbroadcast", "reshape_like")}
            for_values = {n.id for n in found if isinstance(n, gast.Name) and n.id in views
                          and id(n) not in shape_only}
            views &= for_values
        for name in views:  # (kept copies an array only: a list's element is the same)
            for d in self.analysis.defs.get(name, []):
                if PHI.of(d) or MUST_NOT_BE_VIEW.of(d) or id(d) in self.call_records \
                        or not isinstance(d.targets[0], gast.Name):
                    continue
                d.value = call("kept", d.value)

    def instrument_block(self, s, in_loop, needed, defs) -> list:
        """The primal of a `with` or `try` block (an `if` marked by normalize, which codegen
        prints as the block). A with body sets a flag when it ends: a manager that swallowed
        an exception midway (contextlib.suppress) is refused after the block. A try sets
        its flag (the branch decision the adjoint re-takes) to True before and False in the
        except clause, which also drops what the body pushed on the tape before failing."""
        # (counted, not copied: a copy of every push per block was quadratic in blocks;
        # each block's key is pushed at most once, by its own instrument)
        pushed_before = len(self.pushes)
        s.body = self.instrument(s.body, (id(s), 0), in_loop, needed)
        pushed_inside = len(self.pushes) - pushed_before - ((id(s), 0) in self.pushes) > 0
        s.orelse = self.instrument(s.orelse, (id(s), 1), in_loop, needed)
        defs += MERGES.of(s)
        where = self.analysis.parsed.location.describe(s)
        if BLOCK.of(s) == "with":
            done, message = self.namer.fresh("body_done"), self.namer.fresh("with_at")
            self.constants[message] = where
            s.body.append(assign(done, const(True)))
            if FP_STATE.on(s):
                s.body.append(assign(FP_STATE.of(s), call("np.geterr")))
                defs.append(FP_STATE.of(s))
            return [assign(done, const(False)), s,
                    if_(not_(load(done)), [gast.Expr(value=call("manager_swallowed",
                                                                 load(message)))])]
        flag = s.test.id
        defs.append(flag)
        out = [assign(flag, const(True))]
        if CAUGHT.of(s) is None:  # the except clause names what it caught, to check it
            CAUGHT.set(s, self.namer.fresh("caught"))
        if CATCH.of(s) is None:
            CATCH.set(s, load("BaseException"))
        # pullback's own refusals at run time are never the user's to catch
        handler = [assign(flag, const(False)),
                   gast.Expr(value=call("raise_own", load(CAUGHT.of(s))))]
        if pushed_inside:  # pushes made before the exception: no adjoint pops them
            mark = self.namer.fresh("tape_mark")
            out.append(assign(mark, call(self.namer.spelled_builtin("len"), load(self.tape))))
            handler.append(gast.Delete(targets=[gast.Subscript(
                value=load(self.tape), slice=gast.Slice(lower=load(mark), upper=None,
                                                        step=None), ctx=gast.Del())]))
        s.orelse = handler + s.orelse
        return out + [s]

    def mark_what_may_raise(self, primal, assigns=None) -> None:
        """The user's statements, except copies and +, -, * on numbers, may raise (an
        IndexError, a shape mismatch, a division by zero): the optimizing pass keeps them
        even when nothing reads their value, so the gradient fails where f fails.
        (`assigns`: the assignments of `primal`, when the caller has them.)"""
        if assigns is None:
            assigns = [n for n in skeleton(gast.Module(body=primal, type_ignores=[]))
                       if isinstance(n, gast.Assign)]
        for s in assigns:
            value = s.value
            safe = SENTINEL.of(s) or isinstance(
                value, (gast.Name, gast.Constant)) or (
                isinstance(value, gast.BinOp)
                and isinstance(value.op, (gast.Add, gast.Sub, gast.Mult))
                and self.is_scalar(value.left) and self.is_scalar(value.right)) or (
                isinstance(value, gast.UnaryOp) and isinstance(value.op, gast.USub)
                and self.is_scalar(value.operand))
            if safe and self.unbound and not SENTINEL.of(s) and any(
                    isinstance(n, gast.Name) and n.id in self.unbound for n in walk(value)):
                safe = False  # a read of a variable that may be unset raises in Python
            MAY_RAISE.set(s, not safe)


_STATEMENT_LISTS = ("body", "orelse", "handlers", "finalbody", "cases")
_BLOCKS: dict = {}  # node class -> its fields that hold statement lists


def _loads_under(stmts, read: set, found: dict) -> None:
    """Add to `read` the names read under `stmts` (what `names` finds), and to `found`,
    for each LoopHeader under them, id -> the names read under it: the statements that
    hold no block (most) walked together, those that do walked but for their blocks,
    which are taken in turn."""
    plain = []
    for s in stmts:
        cls = s.__class__
        blocks = _BLOCKS.get(cls)
        if blocks is None:
            blocks = _BLOCKS[cls] = tuple(f for f in child_fields(cls)
                                          if f in _STATEMENT_LISTS)
        if not blocks:
            plain.append(s)
            continue
        mine = set() if cls is LoopHeader else read
        parts = []
        for field in child_fields(cls):
            value = getattr(s, field, None)
            if field in blocks and value.__class__ is list:
                continue
            if value.__class__ is list:
                parts += [v for v in value if isinstance(v, gast.AST)]
            elif isinstance(value, gast.AST):
                parts.append(value)
        mine.update(n.id for n in names_under(*parts) if n.ctx.__class__ is gast.Load)
        for field in blocks:
            value = getattr(s, field, None)
            if value.__class__ is list:
                _loads_under(value, mine, found)
        if mine is not read:
            found[id(s)] = mine
            read |= mine
    read.update(n.id for n in names_under(*plain) if n.ctx.__class__ is gast.Load)


def _recorded(value, sizes=None) -> list[str]:
    """The names a record tuple holds; `x (shape)` where only x's shape is kept; with
    `sizes` (see `record_summary`), each with its size: `h_3 (32 floats, 256 B)`."""
    items = value.elts if isinstance(value, ast.Tuple) else [value]
    out = []
    for item in items:
        size = (sizes or {}).get(ast.unparse(item))
        if isinstance(item, ast.Call) and isinstance(item.func, ast.Name) \
                and item.func.id == "record_shape" and item.args:
            out.append(f"{ast.unparse(item.args[0])} (shape)")
        else:
            out.append(ast.unparse(item) + (f" ({size[0]})" if size else ""))
    return out


def _in_bytes(n: int) -> str:
    for unit, scale in (("GiB", 2 ** 30), ("MiB", 2 ** 20), ("KiB", 2 ** 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def _total(sizes, names) -> str:
    """`; 100 iterations: 50.0 KiB (+ 6.2 KiB of record tuples)`."""
    data = sum(sizes[n][1] for n in names if n in sizes)
    trips = sizes["trips"]
    return (f"; {trips} iteration{'s' * (trips != 1)}: {_in_bytes(data)} "
            f"(+ {_in_bytes(sizes['overhead'])} of record tuples)")


def record_summary(code: str, sizes=None, numbered=True) -> list[str]:
    """Comment lines, one per loop of generated `code` that records per iteration: its
    line in `code` (if `numbered`), its header, and what each iteration keeps for the
    adjoint; for a checkpointed loop, what its snapshots hold and the one step's record
    it keeps. `sizes` (emit/specialize.py measures them on example arguments): record
    list name -> {printed record item: (its size in one record, bytes over all records),
    "trips": records made, "overhead": bytes of the tuples and list slots}."""
    lines = []
    for function in ast.parse(code).body:
        for loop in (n for n in ast.walk(function) if isinstance(n, (ast.For, ast.While))):
            head = ast.unparse(loop).splitlines()[0].rstrip(":")
            where = f"# line {loop.lineno}, `{head}`" if numbered else f"# `{head}`"
            for node in loop.body:
                value = node.value if isinstance(node, ast.Expr) else None
                if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                        and value.func.attr == "append" and len(value.args) == 1 \
                        and isinstance(value.func.value, ast.Name) \
                        and value.func.value.id.startswith("saved"):
                    measured = (sizes or {}).get(value.func.value.id)
                    items = value.args[0].elts if isinstance(value.args[0], ast.Tuple) \
                        else [value.args[0]]
                    lines.append(f"{where}: each iteration records "
                                 + ", ".join(_recorded(value.args[0], measured))
                                 + (_total(measured, [ast.unparse(i) for i in items])
                                    if measured else ""))
        steps = [n for n in ast.walk(function) if isinstance(n, ast.Assign)
                 and isinstance(n.targets[0], ast.Name) and n.targets[0].id.startswith("saved")
                 and not isinstance(n.value, ast.Constant)]
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id == "snapshot_budget":
                record = next((s for s in steps if s.lineno > node.lineno), None)
                kept = ", ".join(_recorded(record.value)) if record else "nothing"
                where = f"# line {node.lineno}: " if numbered else "# "
                lines.append(f"{where}checkpointed loop: at most the budget's "
                             f"snapshots of its state (entering: {ast.unparse(node.args[1])}) "
                             f"and one step's record: {kept}")
    return lines
