"""Binomial checkpointing of `for` loops, for derive/reverse.py's `Reverse`.

A checkpointed loop keeps no record per iteration. Its primal runs revolve's forward
sweep (runtime/checkpoint.py): snapshots of the loop-carried state (the loop's phi
names, and copies of the arrays it writes in place) and steps run plainly, then the
last step with its record. Its adjoint follows the rest of the schedule as readable
code: restore a snapshot, advance plainly, run one step keeping its record, reverse it.

Which loops: with `checkpoint=` given, every `for` loop outside other loops that would
record per iteration; when the function marks loops (`for t in pullback.checkpoint(...)`),
those only. Guarantees: the gradient is the one the recorded loop gives (the same
statements run on the same values); a marked loop that cannot be checkpointed (it
breaks, it is inside another loop, it updates a list made before it, or it is a `while`
loop) is refused with its location and the reason; loops in functions the function
calls keep their records.
"""

from __future__ import annotations

import gast

from ..errors import UnsupportedSyntaxError
from ..ir.annotations import LIST_UPDATE, PHIS, UNINITIALIZED
from ..ir.nodes import (
    assign,
    call,
    clone,
    comment,
    const,
    if_,
    is_loop_exit,
    load,
    skeleton,
    store,
    stored_names,
    tuple_of,
    walk,
)
from ..runtime.checkpoint import checkpoint as MARK


def _eq(name, text):
    return gast.Compare(left=load(name), ops=[gast.Eq()], comparators=[const(text)])


def _chain(branches, last):
    """if/elif chain: [(test, body)], else `last`."""
    out = last
    for test, body in reversed(branches):
        out = [if_(test, body, out)]
    return out


def check_marks(analysis) -> None:
    """Refuse `pullback.checkpoint(values)` of values being differentiated (in any mode):
    the mark carries no derivative, so it marks only loops over indices."""
    for s in analysis.assigns:
        if isinstance(s.value, gast.Call) and isinstance(s.targets[0], gast.Name) \
                and analysis.op(s).callee is MARK and any(
                    isinstance(n, gast.Name) and n.id in analysis.varied
                    for a in s.value.args for n in walk(a)):
            raise UnsupportedSyntaxError(
                "this loop cannot be checkpointed: pullback.checkpoint marks a loop over "
                "values being differentiated; iterate over their indices (range(...))",
                analysis.parsed.location.describe(s))


class Checkpointing:
    """The checkpointed loops' primal and adjoint (mixed into `Reverse`)."""

    def marker(self, loop):
        """The statement `m = pullback.checkpoint(...)` that `loop` iterates over (the
        lowering loops over range(loop_len(m)), reading m[k]), or None."""
        if not isinstance(loop, gast.For) or not isinstance(loop.iter, gast.Name):
            return None
        todo, seen = [loop.iter.id], set()
        while todo:
            name = todo.pop()
            seen.add(name)
            for s in self.analysis.defs.get(name, ()) if len(seen) < 8 else ():
                if not isinstance(s.value, gast.Call):
                    continue
                if self.analysis.op(s).callee is MARK:
                    return s
                todo += [n.id for a in s.value.args for n in walk(a)
                         if isinstance(n, gast.Name) and n.id not in seen]
        return None

    def find_checkpointed(self, budget) -> None:
        """Fill `self.checkpointed` (loop id -> budget) and refuse what cannot be."""
        self.checkpointed = {}
        self.checkpoint_refusal = None
        if budget is None and not any(op.callee is MARK for op in self.analysis.ops.values()):
            return  # f calls no pullback.checkpoint: no loop is marked (see `marker`)
        loops = [n for n in skeleton(self.tree) if isinstance(n, (gast.For, gast.While))]
        marked = [loop for loop in loops if self.marker(loop) is not None]
        if self.mode == "split" or (budget is None and not marked):
            return
        inner = {id(n) for loop in loops for n in skeleton(loop) if n is not loop
                 and isinstance(n, (gast.For, gast.While))}
        for loop in marked or loops:
            reason = self._why_not(loop, inner)
            if reason is None:
                self.checkpointed[id(loop)] = 10 if budget is None else budget
            elif marked:
                self._refuse(loop, reason)
            elif self.checkpoint_refusal is None and id(loop) not in inner:
                self.checkpoint_refusal = (loop, reason)

    def _why_not(self, loop, inner):
        if id(loop) in inner:
            return "it is inside another loop: only outermost loops are checkpointed"
        if is_loop_exit(loop.body[-1]):
            return "it may stop early (break or return): the schedule needs its trip count"
        if isinstance(loop, gast.For) and not isinstance(loop.target, gast.Name):
            return "its target is not a name"
        made = stored_names(loop.body)
        for s in skeleton(loop):
            if LIST_UPDATE.of(s) and s.value.func.value.id not in made:
                return "it updates a list made before it (append, pop, ...)"
            if isinstance(s, gast.Assign) and (
                    isinstance(s.targets[0], gast.Attribute) or isinstance(
                        s.targets[0], gast.Name) and self.analysis.op(s).kind == "method"):
                return "it sets attributes or calls methods of objects, whose state " \
                    "snapshots do not hold"
        return None

    def _refuse(self, loop, reason):
        raise UnsupportedSyntaxError(f"this loop cannot be checkpointed: {reason}",
                                     self.analysis.parsed.location.describe(loop))

    def check_checkpointed(self) -> None:
        """With checkpoint= given: at least one loop recording per step took it."""
        recording = [loop_id for loop_id, (mode, _) in self.loop_modes.items()
                     if mode in ("record", "checkpoint")]
        if self.checkpoint_refusal is not None and recording and not any(
                self.loop_modes[i][0] == "checkpoint" for i in recording):
            self._refuse(*self.checkpoint_refusal)

    def state_of(self, loop):
        """(carried, written): the names carried from one iteration to the next, and the
        arrays made before the loop that it writes in place (snapshots copy them)."""
        uninitialized = set(UNINITIALIZED.of(loop))
        carried = [p for p in PHIS.of(loop) if p not in uninitialized]
        made = stored_names(loop.body)
        written = sorted({s.targets[0].value.id for s in skeleton(loop)
                          if isinstance(s, gast.Assign) and isinstance(s.targets[0],
                                                                       gast.Subscript)}
                         - made - set(carried))
        return carried, written

    def _state_parts(self, loop):
        carried, written = self.state_of(loop)
        snapshot = tuple_of(*[load(n) for n in carried],
                            *[call("snapshot_of", load(n)) for n in written])
        names = {n: self.namer.fresh(f"{n}_saved") for n in written}
        target = tuple_of(*[store(n) for n in carried], *[store(names[n]) for n in written],
                          ctx=gast.Store())
        put_back = [gast.Expr(value=call("restore_into", load(n), load(names[n])))
                    for n in written]
        return carried + written, snapshot, target, put_back

    def checkpoint_primal(self, loop, plain, names) -> list:
        """The forward sweep of revolve's schedule, then the last step with its record."""
        if isinstance(loop, gast.While):
            return self._online_primal(loop, plain)
        steps = loop.iter.id
        schedule, snapshots = self.namer.fresh("schedule"), self.namer.fresh("snapshots")
        action, i, j = (self.namer.fresh(n) for n in ("action", "i", "j"))
        record = self.loop_modes[id(loop)][1][0]
        state, snapshot, _, _ = self._state_parts(loop)
        budget = self.checkpointed[id(loop)]
        budget_name = self.namer.fresh("checkpoint_given")
        self.constants[budget_name] = budget
        count = call("snapshot_budget", load(budget_name),
                     tuple_of(*[load(n) for n in state]))
        length = call(self.namer.spelled_builtin("len"), load(steps))
        self.checkpoint_names[id(loop)] = (schedule, snapshots, action, i, j, plain)
        shown = ", ".join(self.analysis.spelled(n) for n in state)
        body = _chain([
            (_eq(action, "snapshot"), [assign(gast.Subscript(
                value=load(snapshots), slice=load(i), ctx=gast.Store()), snapshot)]),
            (_eq(action, "advance"), [self._advance(loop, plain, i, j)]),
        ], [comment("# \"step\": the last step, keeping what its adjoint reads"),
            assign(loop.target.id, gast.Subscript(value=load(steps), slice=load(i),
                                                  ctx=gast.Load())),
            *loop.body, gast.Break()])
        return [
            comment(f"# checkpointed loop (revolve): snapshots of ({shown}) instead of a "
                    "record per step"),
            assign(schedule, call("revolve", length, count)),
            assign(snapshots, gast.Dict(keys=[], values=[])),
            assign(record, const(None)),
            gast.For(target=tuple_of(store(action), store(i), store(j), ctx=gast.Store()),
                     iter=load(schedule), body=body, orelse=[], type_comment=None)]

    def _online_primal(self, loop, plain) -> list:
        """A `while` loop runs plainly, keeping a snapshot every `every` steps; past the
        budget, every other one goes and `every` doubles."""
        schedule, snapshots = self.namer.fresh("schedule"), self.namer.fresh("snapshots")
        action, i, j = (self.namer.fresh(n) for n in ("action", "i", "j"))
        trips, every, count = (self.namer.fresh(n) for n in ("trips", "every", "budget"))
        record = self.loop_modes[id(loop)][1][0]
        state, snapshot, _, _ = self._state_parts(loop)
        budget_name = self.namer.fresh("checkpoint_given")
        self.constants[budget_name] = self.checkpointed[id(loop)]
        self.checkpoint_names[id(loop)] = (schedule, snapshots, action, i, j, plain)
        self.online[id(loop)] = (trips, count)
        shown = ", ".join(self.analysis.spelled(n) for n in state)
        k = self.namer.fresh("k")
        thin = if_(gast.Compare(left=call(self.namer.spelled_builtin("len"), load(snapshots)),
                                ops=[gast.Gt()], comparators=[load(count)]), [
            comment("# too many: keep every other one, twice as far apart"),
            gast.AugAssign(target=store(every), op=gast.Mult(), value=const(2)),
            assign(snapshots, gast.DictComp(
                key=load(k), value=gast.Subscript(value=load(snapshots), slice=load(k),
                                                  ctx=gast.Load()),
                generators=[gast.comprehension(
                    target=store(k), iter=load(snapshots), is_async=0,
                    ifs=[gast.Compare(left=gast.BinOp(left=load(k), op=gast.Mod(),
                                                      right=load(every)),
                                      ops=[gast.Eq()], comparators=[const(0)])])]))])
        keep = if_(gast.Compare(left=gast.BinOp(left=load(trips), op=gast.Mod(),
                                                right=load(every)),
                                ops=[gast.Eq()], comparators=[const(0)]), [
            assign(gast.Subscript(value=load(snapshots), slice=load(trips), ctx=gast.Store()),
                   snapshot), thin])
        body = [keep, *clone(plain), gast.AugAssign(target=store(trips), op=gast.Add(),
                                                    value=const(1))]
        return [
            comment(f"# checkpointed while loop (online): at most `{count}` snapshots of "
                    f"({shown}), evenly spaced, instead of a record per step"),
            assign(count, call("snapshot_budget", load(budget_name),
                               tuple_of(*[load(n) for n in state]))),
            assign(snapshots, gast.Dict(keys=[], values=[])),
            assign(trips, const(0)),
            assign(every, const(1)),
            assign(record, const(None)),
            gast.While(test=clone(loop.test), body=body, orelse=[]),
            assign(schedule, call("online_reverse", load(snapshots), load(trips),
                                  load(count)))]

    def _advance(self, loop, plain, i, j):
        if isinstance(loop, gast.While):
            return gast.For(target=store(self.namer.fresh("rep")), iter=call(
                self.namer.spelled_builtin("range"), load(i), load(j)), body=clone(plain),
                orelse=[], type_comment=None)
        return gast.For(target=store(loop.target.id), iter=gast.Subscript(
            value=load(loop.iter.id), slice=gast.Slice(lower=load(i), upper=load(j), step=None),
            ctx=gast.Load()), body=clone(plain), orelse=[], type_comment=None)

    def checkpoint_adjoint(self, loop, pop, body) -> list:
        """The rest of the schedule: each step reversed, from the last."""
        schedule, snapshots, action, i, j, plain = self.checkpoint_names[id(loop)]
        _, snapshot, target, put_back = self._state_parts(loop)
        step = [clone(s) for s in loop.body]
        if isinstance(loop, gast.For):
            step.insert(0, assign(loop.target.id, gast.Subscript(
                value=load(loop.iter.id), slice=load(i), ctx=gast.Load())))
        at = gast.Subscript(value=load(snapshots), slice=load(i), ctx=gast.Load())
        chain = _chain([
            (_eq(action, "reverse"), [pop, *body]),
            (_eq(action, "restore"), [assign(target, at), *put_back]),
            (_eq(action, "advance"), [self._advance(loop, plain, i, j)]),
            (_eq(action, "step"), step),
            (_eq(action, "snapshot"), [assign(gast.Subscript(
                value=load(snapshots), slice=load(i), ctx=gast.Store()), clone(snapshot))]),
        ], [gast.Delete(targets=[gast.Subscript(value=load(snapshots), slice=load(i),
                                                ctx=gast.Del())])])  # "forget"
        what = "the steps reversed, from the last" if isinstance(loop, gast.While) else \
            "the rest of the schedule: the steps reversed, from the last"
        return [comment(f"# {what}"),
                gast.For(target=tuple_of(store(action), store(i), store(j), ctx=gast.Store()),
                         iter=load(schedule), body=chain, orelse=[], type_comment=None)]

