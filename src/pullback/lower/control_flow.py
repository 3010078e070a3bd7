"""break, continue and return -> boolean flags that guard what follows; the second
lowering.

Guarantees on the output: no `continue`, and no `break` or `return` inside a block;
each loop runs every iteration to the end of its body, where a `for` loop ends with
`if flags: break` and a `while` loop carries its exit test as `exit_test`; the function
ends in its one `return out`, `out` holding the value of the `return` that ran (falling
off the end returns None, as in Python). A statement after one that may set a flag runs
under `if not flag:`. `if c: return a` followed by more code puts that code in the
other branch instead of guarding it. Nesting stops a few levels deep (`_NESTED`): past
them, each part of a block after a statement that may set a flag runs under its own
guard beside the last (`if not (flags so far):`), so that the output's depth, and the
work of the passes after this one, do not grow with the number of early exits.

>>> from pullback.ir.naming import Namer, all_names
>>> from pullback.lower.example import parsed, show
>>> def f(xs):
...     total = 0.0
...     for x in xs:
...         if x < 0:
...             continue
...         if x > 9:
...             break
...         total = total + x
...     return total
>>> tree = parsed(f).tree
>>> tree.body = ControlFlow(Namer(all_names(tree))).function(tree.body)
>>> show(tree)
def f(xs):
    total = 0.0
    broke = False
    for x in xs:
        skip = False
        if x < 0:
            skip = True
        if not skip:
            if x > 9:
                broke = True
            if not broke:
                total = total + x
        if broke:
            break
    out = total
    return out
"""

from __future__ import annotations

import gast

from ..ir.annotations import BLOCK, EXIT_TEST, IS_RETURN
from ..ir.nodes import assign, binop, const, if_, load, not_
from .common import always_exits, at_line

# Up to this many levels, the rest of a block after an early exit is nested under it (in
# the other branch of `if c: return a`, or under `if not flag:`); deeper, each further
# part runs under its own guard beside the last, `if not (flags so far):`, so that a
# function of a hundred early returns neither passes Python's limit of 100 indentation
# levels nor costs the SSA environments a level per return (quadratic).
_NESTED = 4


def _raises(stmts) -> bool:
    """Whether the statements end in a `raise` (no return among them can run)."""
    return bool(stmts) and isinstance(stmts[-1], gast.Raise) \
        and not any(isinstance(s, gast.Return) for s in stmts)


class _LoopFlags:
    """The flags of one loop, named when first needed: `broke` (a break ran) and
    `skipped` (a continue ran: the rest of this iteration does not)."""

    def __init__(self, namer):
        self.namer = namer
        self.broke_name = self.skipped_name = None

    @property
    def broke(self):
        self.broke_name = self.broke_name or self.namer.fresh("broke")
        return self.broke_name

    @property
    def skipped(self):
        self.skipped_name = self.skipped_name or self.namer.fresh("skip")
        return self.skipped_name


def _any_flag(flags):
    """`a | b | ...` of the flags: whether any was set."""
    names = sorted(flags)
    expr = load(names[0])
    for name in names[1:]:
        expr = binop(expr, gast.BitOr(), load(name))
    return expr


class ControlFlow:
    """Lowers one function body (`function`); `result` names the value returned and
    `returned` the flag an early return sets."""

    def __init__(self, namer):
        self.namer = namer
        self.result = namer.fresh("out")
        self.returned_name = None
        self.depth = 0  # the levels of `if` this pass has nested the rest of a block in

    @property
    def returned(self):
        self.returned_name = self.returned_name or self.namer.fresh("returned")
        return self.returned_name

    def function(self, body):
        if not always_exits(body):  # falling off the end returns None, as in Python
            implicit = gast.Return(value=const(None))
            implicit.lineno = getattr(body[-1], "lineno", None) if body else None
            body = [*body, implicit]
        stmts, _ = self.block(body, None, tail=True)
        init = []
        if self.returned_name:  # an early return: the result may be set in loops and branches
            init = [assign(self.returned_name, const(False)), assign(self.result, const(None))]
        final = gast.Return(value=load(self.result))
        final.lineno = getattr(body[-1], "lineno", None) if body else None
        return init + stmts + [final]

    def block(self, stmts, loop, tail):
        out, seen = [], set()
        place = out  # where the next statement goes: `out`, or the open guard's body
        stmts = list(stmts)
        for i, stmt in enumerate(stmts):
            last = i == len(stmts) - 1
            nested = False
            if tail and not last and isinstance(stmt, gast.If) \
                    and not BLOCK.of(stmt) and self.depth < _NESTED:  # (not in a try
                # body or with body: the rest must not run inside it, but under flags)
                # `if c: return a` followed by more code: the rest belongs in the other branch.
                rest = stmts[i + 1:]
                if _raises(stmt.body) and not stmt.orelse or _raises(stmt.orelse):
                    pass  # `if c: raise E` (an assert): the rest stays after it, unnested
                    # (the SSA merges only the branch that falls through); nested, a
                    # hundred asserts passed Python's limit of 100 indentation levels
                elif always_exits(stmt.body) and not always_exits(stmt.orelse):
                    stmt.orelse = stmt.orelse + rest
                    last = nested = True
                elif always_exits(stmt.orelse) and not always_exits(stmt.body):
                    stmt.body = stmt.body + rest
                    last = nested = True
            self.depth += nested
            new, flags = self.stmt(stmt, loop, tail and last)
            self.depth -= nested
            place.extend(new)
            seen |= flags
            if last:
                break
            if flags and self.depth < _NESTED:
                self.depth += 1
                rest, rest_flags = self.block(stmts[i + 1:], loop, tail)
                self.depth -= 1
                if rest:
                    guard = if_(not_(_any_flag(flags)), rest)
                    place.append(at_line(guard, getattr(stmts[i + 1], "lineno", None)))
                return out, seen | rest_flags
            if flags:  # deep: what follows runs under a new guard beside this one, unnested
                guard = if_(not_(_any_flag(seen)), [])
                out.append(at_line(guard, getattr(stmts[i + 1], "lineno", None)))
                place = guard.body
        if place is not out and not place:
            out.pop()
        return out, seen

    def stmt(self, stmt, loop, tail):
        lineno = getattr(stmt, "lineno", None)
        if isinstance(stmt, gast.Return):
            new = [at_line(assign(self.result, stmt.value), lineno)]
            IS_RETURN.set(new[0], True)
            if tail:
                return new, set()
            new.append(at_line(assign(self.returned, const(True)), lineno))
            return new, {self.returned}
        if isinstance(stmt, gast.Break):
            return [at_line(assign(loop.broke, const(True)), lineno)], {loop.broke}
        if isinstance(stmt, gast.Continue):
            return [at_line(assign(loop.skipped, const(True)), lineno)], {loop.skipped}
        if isinstance(stmt, gast.If):
            body, f1 = self.block(stmt.body, loop, tail)
            orelse, f2 = self.block(stmt.orelse, loop, tail)
            stmt.body, stmt.orelse = body or [gast.Pass()], orelse
            return [stmt], f1 | f2
        if isinstance(stmt, (gast.For, gast.While)):
            inner = _LoopFlags(self.namer)
            body, flags = self.block(stmt.body, inner, tail=False)
            pre = []
            if inner.skipped_name:
                body.insert(0, at_line(assign(inner.skipped_name, const(False)), lineno))
            if inner.broke_name:
                pre.append(at_line(assign(inner.broke_name, const(False)), lineno))
            exits = flags - {inner.skipped_name}
            if exits:
                if isinstance(stmt, gast.For):
                    body.append(at_line(if_(_any_flag(exits), [gast.Break()]), lineno))
                else:
                    EXIT_TEST.set(stmt, _any_flag(exits))
            stmt.body = body or [gast.Pass()]
            return pre + [stmt], flags & {self.returned_name}
        return [stmt], set()
