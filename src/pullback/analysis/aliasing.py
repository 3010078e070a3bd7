"""Stage 5, activity (aliasing): in-place writes are differentiated only where what they
overwrite is provable.

Guarantees: `check_writes` returns only if every in-place write `x[i] = v` (and list
update) in the SSA function writes an array or list the function created itself, known
under no second name, and no view of it is read after a later write changes it; every
other write raised `UnsupportedSyntaxError` naming the write, its file and line. A list
or array written in place may be handed on (`_MovedLists`): put into a tuple or list and
never read under its own name again, then taken out of an element popped off a list that
is only appended to, popped and measured, and written there: one holder at a time, so no
other name sees the write (a generated gradient hands on its inner loops' records so, and
the arrays a loop's trip made and wrote, whose slots its backward restores; the views of
such an array stay under `_check_views`).
A list put into a tuple that only checks read (rules of kind "reads-only", which keep
nothing) gets no second name; a name bound on some path only to the `unbound`
placeholder (any use of which raises) is new there.
A write through a view is allowed only where the array viewed is new, read by nothing
but the view's making (a piece of `np.split`: each piece read once), and made afresh in
every loop around it (`_sole_view`). `x += v` and `x[k] += v` update in place: where
another name may show the object changed, `x` (for a slot: `x[k]`, unless `x` is proven
an array of numbers or a container of new unnamed values) gets a run-time check that
refuses an array or list (`not_shared`, `slot_not_shared`; `checked_call`).
A list or dict changed in place (append, extend, pop, a slot written) is not read
through another name holding it (a dict or list it was put in, an object made with it,
what is read out of those) after a change that follows the holding (`_check_holders`).
`views_of` and `shared_sources` tell the reverse pass which names may share memory.

Example: a write into the function's own array is allowed; into an input, refused here
(the transform then makes the writes on a copy: lower/inputs.py).

>>> from pullback.frontend.parse import parse_function
>>> from pullback.lower.normalize import normalize
>>> from pullback.lower.ssa import to_ssa
>>> from pullback.emit.codegen import to_source
>>> import numpy as np
>>> from pullback.analysis.activity import Analysis
>>> def lowered(f):
...     parsed = parse_function(f)
...     tree = to_ssa(normalize(parsed.tree, parsed))
...     return tree, Analysis(tree, parsed, {"x"}), parsed
>>> def own(x):
...     b = np.zeros(3)
...     b[0] = x
...     return np.sum(b)
>>> check_writes(*lowered(own))
>>> def theirs(x):
...     x[0] = 1.0
...     return np.sum(x)
>>> check_writes(*lowered(theirs))
Traceback (most recent call last):
...
pullback.errors.InputWrittenInPlace: in-place write to the input 'x'
...
"""

from __future__ import annotations

import bisect

import gast
import numpy as np

from .. import rules
from ..errors import InputWrittenInPlace, UnsupportedSyntaxError
from ..ir import nodes
from ..ir.annotations import (
    AUGMENTED,
    CHECKED_NAME,
    IS_RETURN,
    LIST_UPDATE,
    MOVED,
    MUST_NOT_BE_VIEW,
    PHI,
    POPPED,
    SENTINEL,
)
from ..rules.methods import SEQUENCE_RULES
from ..rules.shifts import SHAPE_ONLY
from ..runtime.helpers import loop_len, record_shape, save_float_slot, save_slot, unbound
from .classify import NONDIFF_ATTRIBUTES


def check_writes(tree, analysis, parsed) -> None:
    """In-place writes `x[i] = v` are differentiated only where pullback can prove
    what they overwrite: `x` must be an array the function created itself
    (np.zeros, np.copy, arithmetic, a ufunc, any rule declaring a new result), never an
    input, never known under a second name,
    and no view of it may be read after a later write changes it."""
    describe = parsed.location.describe
    _check_augmented(analysis, describe)
    _check_written_operands(tree, analysis, describe)
    writes = [s for s in analysis.assigns if isinstance(s.targets[0], gast.Subscript)]
    writes += analysis.updates  # values.append(v): the list is written in place too
    buffers = {_written(s) for s in writes}
    lists = {s.value.func.value.id for s in analysis.updates}
    if not buffers:
        return
    order = _statement_order(tree)
    lists_moved = _MovedLists(analysis, order, buffers - analysis.dicts)
    for s in analysis.assigns:  # aliases first: they explain the rest
        value = s.value
        if not PHI.of(s) and not IS_RETURN.of(s) \
                and not MOVED.of(s) and isinstance(s.targets[0], gast.Name) \
                and isinstance(value, gast.Name) and (value.id in buffers
                                                      or s.targets[0].id in buffers) \
                and s.targets[0].id not in lists_moved.taken_out:
            target, source = analysis.spelled(s.targets[0].id), analysis.spelled(value.id)
            written = value.id if value.id in buffers else s.targets[0].id
            raise UnsupportedSyntaxError(
                f"{target} = {source} gives a second name to {_an(written, lists)} that is "
                f"written in place; use {_copy(source, written, lists)}", describe(s))
    positions = None  # statement -> (position in `order`, loops around it), when asked
    for s in analysis.assigns:  # the returned value runs last: nothing writes after it
        for e in s.value.elts if isinstance(s.value, (gast.Tuple, gast.List)) \
                and not IS_RETURN.of(s) else ():
            if isinstance(e, gast.Name) and e.id in buffers \
                    and not (e.id not in analysis.dicts and lists_moved.put_away(e.id, s)) \
                    and not _only_checked(s.targets[0].id, analysis, lists_moved):
                if positions is None:
                    positions = {id(t): (i, loops) for i, (t, loops) in enumerate(order)}
                if _unchanged_after(e.id, s, positions, writes, analysis):
                    continue
                name = analysis.spelled(e.id)
                raise UnsupportedSyntaxError(
                    f"{_an(e.id, lists)} that is written in place ({name!r}) is put into a "
                    f"tuple or list and used after that, which gives it a second name; put "
                    f"{_copy(name, e.id, lists)} there", describe(s))
    for s in analysis.updates:  # a list put into another list: the same
        for e in s.value.args if LIST_UPDATE.of(s) == "append" else ():
            if isinstance(e, gast.Name) and e.id in lists and not lists_moved.put_away(e.id, s):
                name = analysis.spelled(e.id)
                raise UnsupportedSyntaxError(
                    f"the list {name!r} is written in place and put into another list, and "
                    f"used after that: the other list would see the writes; append "
                    f"list({name})", describe(s))
    for s in writes:
        base = _written(s)
        kwargs = tree.args.kwarg.id if tree.args.kwarg else None  # a dict made per call
        if base in analysis.params and (isinstance(s, gast.Assign) or not (
                base == kwargs and LIST_UPDATE.of(s) == "pop")):
            # api makes f's writes on a copy of the input (lower/inputs.py) and comes back
            # here only where that cannot be done
            what = "in-place write to" if isinstance(s, gast.Assign) else \
                f"{LIST_UPDATE.of(s)} on"
            raise InputWrittenInPlace(f"{what} the input {base!r}", describe(s), base)
        if base not in lists_moved.taken_out:
            _check_fresh(base, analysis, describe, s, set())
    # appending never changes the elements already in a list, and writing a list or dict
    # slot replaces the element without changing it: only arrays have views
    dicts = analysis.dicts | _keyed_by_text(writes, analysis)
    _check_views(tree, analysis, buffers - lists - dicts, describe)
    _check_holders(tree, analysis, buffers & (lists | dicts), describe)


def _keyed_by_text(writes, analysis) -> set:
    """Names written in place only at text keys (`params["running_mean"] = m`) and not
    known to be NumPy arrays: dicts (a dict given to f, or a copy of one), whose slot
    writes replace what a key holds and change nothing read from it before."""
    keys: dict = {}
    for s in writes:
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Subscript):
            key = s.targets[0].slice
            keys.setdefault(s.targets[0].value.id, []).append(
                isinstance(key, gast.Constant) and isinstance(key.value, str))
    return {name for name, texts in keys.items() if all(texts)
            and not _known_array(name, analysis)}


def _known_array(name, analysis) -> bool:
    return bool(analysis.shapes.numpy_value(gast.Name(id=name, ctx=gast.Load(),
                                                      annotation=None, type_comment=None)))


def _only_constants(name, analysis) -> bool:
    """Whether every definition of `name` is a constant (`d = 0.0`): no array's object."""
    defs = analysis.defs.get(name, ())
    return bool(defs) and all(isinstance(r, gast.Assign) and isinstance(r.value, gast.Constant)
                              for r in defs)


def _check_written_operands(tree, analysis, describe) -> None:
    """A helper of generated code that writes its first operand in place and returns it
    (kind "writes-first": `d_2 = accum_index(d, x, i, g)`, `take_slot_grad(d, i)`) gives
    d's object the result's value. So d may not be an input, and may be read after the
    call only where SSA has bound d to the result again (a loop's `d = d_2` at the end
    of its body, between the call and the read) or to a constant (an inner loop's
    `d = d_0`, `d_0 = 0.0`, on the next trip of the loop around it; d_2 may also be
    what a helper of kind
    "view" made of the result, `d_2 = add_grads(d_1, g)`: the result's object or a new
    one), and a view of d only where the call does
    not run between the view's making and its reading; anything else is refused,
    located."""
    calls = []
    readers = None
    for s in analysis.assigns:
        if isinstance(s.targets[0], gast.Name) and isinstance(s.value, gast.Call) \
                and s.value.args and isinstance(s.value.args[0], gast.Name):
            op = analysis.op(s)
            if op.kind == "rule" and op.callee is not None \
                    and "writes-first" in rules.kinds_of(op.callee):
                calls.append((s, s.value.args[0].id))
    if not calls:
        return
    moved = _MovedLists(analysis, _statement_order(tree), set())
    written_by: dict = {}  # an operand -> the results of the calls that write into it
    for s, d in calls:
        written_by.setdefault(d, []).append(s.targets[0].id)
    for s in analysis.assigns:  # `d_4 = add_grads(d_3, g)`: d_3's object (after the
        # write) or a new one, so never one a read would see stale; held as d_3 is
        if isinstance(s.targets[0], gast.Name) and isinstance(s.value, gast.Call) \
                and s.value.args and isinstance(s.value.args[0], gast.Name):
            op = analysis.op(s)
            if op.kind == "rule" and op.callee is not None \
                    and "view" in rules.kinds_of(op.callee):
                written_by.setdefault(s.value.args[0].id, []).append(s.targets[0].id)
    for s, d in calls:
        result = s.targets[0].id
        if _same_object(d, analysis) & set(analysis.params):
            raise UnsupportedSyntaxError(
                f"{s.value.func.id if isinstance(s.value.func, gast.Name) else 'a helper'} "
                f"writes into {analysis.spelled(d)!r} in place, which may be an input: "
                f"pullback never modifies its inputs; pass a copy", describe(s))
        def holding(r):  # the names that hold result r, and for a pair, those read out of it
            held = moved._family(r)
            for t in moved.readers.get(r, []):
                if isinstance(t, gast.Assign) and isinstance(t.targets[0], gast.Name):
                    held |= moved._family(t.targets[0].id)
            return held

        now = holding(result)
        stack = list(now)  # and the results of the calls that write into those again
        while stack:  # (the same object: `d_3 = accum_index(d_2, ...)` after this one,
            for r in written_by.get(stack.pop(), []):  # `g, d_4 = take_last_grads(d_3, 1)`)
                for n in holding(r) - now:
                    now.add(n)
                    stack.append(n)
        family = moved._family(d)
        for n in family:
            # rebound to the written result, or to a constant (a gradient's `d = 0.0`
            # starting an inner loop again): a read after either does not see d's object
            again = [r for r in analysis.defs.get(n, []) if PHI.of(r)
                     and isinstance(r.value, gast.Name) and (
                         r.value.id in now or _only_constants(r.value.id, analysis))]
            for t in moved.readers.get(n, []):
                if t is s or PHI.of(t):
                    continue
                after = _precedes(s, t, analysis) is not None and not any(
                    _precedes(s, r, analysis) is not None
                    and _precedes(r, t, analysis) is not None for r in again)
                next_trip = any(not any(_inside(r, loop, analysis)
                                        and (_precedes(s, r, analysis) is not None
                                             or _runs_before(r, t, analysis))
                                        for r in again)
                                for loop in _loops_around_both(s, t, analysis))
                if after or next_trip:
                    raise UnsupportedSyntaxError(
                        f"{analysis.spelled(d)!r} is read after "
                        f"{s.value.func.id if isinstance(s.value.func, gast.Name) else 'a call'}"
                        f" wrote into it in place (it writes its first operand), so the read "
                        f"would see the write pullback does not follow; read the result",
                        describe(t))
        if readers is None:
            readers = sharing(analysis)
        born = _born(d, analysis)
        for v in views_of(analysis, family, readers=readers):
            if v in family or v in now or v == result or _consumed_before(v, s, analysis):
                continue
            reads = [t for t in moved.readers.get(v, []) if not PHI.of(t) and t is not s]
            # a value made before the object the call writes was made (in this run of
            # their block) is not that object: it may hold an earlier trip's
            makings = [m for m in analysis.defs.get(v, [])
                       if born is None or _precedes(born, m, analysis) is not None]
            if reads and any(_stale(m, t, s, born, analysis)
                             for m in makings for t in reads):
                raise UnsupportedSyntaxError(
                    f"{analysis.spelled(v)!r} may share memory with {analysis.spelled(d)!r}, "
                    "which a helper writes in place while it is still read; take a copy",
                    describe(s))


def _runs_before(r, t, analysis) -> bool:
    """Whether r runs before t each time t runs: r sits in a block around t, ahead of
    t's statement there (an inner loop's entry copy `d_3 = d_2` ahead of that loop, read
    in its body: each trip of an outer loop binds d_3 anew before t reads it)."""
    parent = _ancestors(r, analysis)[1]
    return any(a is parent for a in _ancestors(t, analysis)[1:]) \
        and _precedes(r, t, analysis) is not None


def _stale(m, t, s, born, analysis) -> bool:
    """Whether the call `s` may write the object a name made at `m` holds between m and
    its read at `t` (not `_read_unchanged`). A loop's copy at the end of its body (`d_3 =
    d_4`, SSA's back edge) reaches a read in the next trip, which s, outside every loop
    around both, cannot come between; nor can s inside the loop after the read and ahead
    of the copy in its body (each trip runs it between its own read and copy)."""
    if _read_unchanged(m, t, s, born, analysis):
        return False
    if _precedes(m, t, analysis) is not None:
        return True
    around = _loops_around_both(m, t, analysis)
    between = not (_precedes(t, s, analysis) is not None
                   and _precedes(s, m, analysis) is not None)
    return not (PHI.of(m) and around) or between and any(
        _inside(s, loop, analysis) for loop in around)


def _read_unchanged(m, t, s, born, analysis) -> bool:
    """Whether read `t` of a view made by `m` cannot see the write `s` makes into the
    object made by `born` (None: not known to be made new): t reads a value m made
    before s runs, or after, each time. A read before `born` (in each run of their
    block) reads an earlier trip's value, which s changed before m made it when s
    precedes m."""
    if born is not None and _precedes(t, born, analysis) is not None:
        return _precedes(s, m, analysis) is not None
    return _precedes(m, t, analysis) is not None and not (
        _precedes(m, s, analysis) is not None and _precedes(s, t, analysis) is not None)


def _born(name, analysis):
    """The statement that makes `name`'s object new, if its binding does: a fresh result
    (fresh_result), or a generated-code helper writing into a first operand that is a
    constant (`accum_index(0.0, x, i, g)` makes the array it writes), followed back
    through the helpers that write into it again (`d_2 = accum_index(d, x, j, g)`: the
    same object); else None."""
    for _ in range(len(analysis.assigns) + 1):  # (a chain is at most that long)
        defs = analysis.defs.get(name, [])
        if len(defs) != 1 or PHI.of(defs[0]) or not isinstance(defs[0].targets[0], gast.Name):
            return None
        made = defs[0]
        value = made.value
        if not (isinstance(value, gast.Call) and value.args
                and isinstance(value.args[0], (gast.Constant, gast.Name))):
            break
        op = analysis.op(made)
        if not (op.kind == "rule" and op.callee is not None
                and getattr(op.callee, "__module__", "").startswith("pullback.")
                and "writes-first" in rules.kinds_of(op.callee)):
            break
        if isinstance(value.args[0], gast.Constant):
            return made
        name = value.args[0].id
    return made if not isinstance(value, gast.Name) and fresh_result(analysis, made) else None


def unpacked_as_recorded(analysis, tree, s, found: dict) -> bool:
    """Whether `s` is `unused = unpack_check(p, n, False)` of an element p popped off a
    tape (see `_MovedLists`) that only ever receives tuples of n values: the check cannot
    fail (a generated gradient's records, unpacked by its adjoint). `found` keeps what
    was learnt of the function for the next statement."""
    value = getattr(s, "value", None)
    if not (isinstance(s, gast.Assign) and isinstance(value, gast.Call)
            and isinstance(value.func, gast.Name) and value.func.id == "unpack_check"
            and len(value.args) == 3 and isinstance(value.args[0], gast.Name)
            and isinstance(value.args[1], gast.Constant)
            and isinstance(value.args[2], gast.Constant) and value.args[2].value is False):
        return False
    if "moved" not in found:
        found["moved"] = _MovedLists(analysis, _statement_order(tree), set())
    moved = found["moved"]
    if moved.readers.get(s.targets[0].id):
        return False
    tape = moved.popped_from(value.args[0].id)
    if tape is None:
        return False
    appends = moved._tape(tape)
    if not appends:
        return False
    for u in appends:
        made = analysis.defs.get(u.value.args[0].id, [])
        if len(made) != 1 or not isinstance(made[0].value, gast.Tuple) \
                or len(made[0].value.elts) != value.args[1].value \
                or any(isinstance(e, gast.Starred) for e in made[0].value.elts):
            return False
    return True


def _loops_around_both(s, t, analysis) -> list:
    """The loops that hold both s and t (each may run again after the other)."""
    around_s = {id(a) for a in _ancestors(s, analysis)[1:]}
    return [a for a in _ancestors(t, analysis)[1:]
            if id(a) in around_s and isinstance(a, (gast.For, gast.While))]


def _an(name, lists) -> str:
    return "the list" if name in lists else "an array"


def _copy(spelled, name, lists) -> str:
    return f"list({spelled})" if name in lists else f"np.copy({spelled})"


def _statement_order(tree) -> list:
    """(statement, ids of the loops around it) for each statement, in the order of the
    source (a loop's body after its header, an if's branches one after the other)."""
    order: list = []

    def walk(stmts, loops):
        for s in stmts:
            order.append((s, loops))
            for field in ("body", "orelse"):
                inner = getattr(s, field, None)
                if inner and isinstance(s, (gast.If, gast.For, gast.While)):
                    walk(inner, loops + (id(s),) if field == "body"
                         and not isinstance(s, gast.If) else loops)

    walk(tree.body, ())
    return order


def _names_read(s) -> list[str]:
    """The names statement `s` reads (a loop or if: in its header), once per reading."""
    parts = [getattr(s, f) for f in ("test", "iter") if hasattr(s, f)] \
        if isinstance(s, (gast.If, gast.For, gast.While)) else [s]
    return [n.id for part in parts for n in nodes.walk(part)
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)]


class _MovedLists:
    """Lists (and arrays) handed on rather than shared, as a generated gradient hands on
    its records:
    a loop's record list is put into the record of the loop around it (`saved_2.append(
    (saved, s))`) and nothing reads it under its own name after that; the adjoint pops
    that record off (`p = saved_2[-1]; saved_2.pop(-1)`) and takes the list out of it
    (`saved_3 = p[0]`), then pops the list empty. Each list has one holder at a time, so
    a write through the holder of the moment is seen by no other name.

    `put_away(name, s)`: `name` (and its SSA copies) is read by no statement that may run
    after `s`, which reads it once. `taken_out`: the lists written in place whose every
    value is such a list, taken out of an element popped off a *tape*: a list made
    empty, read only to append values put away there, to pop, and by `len`, whose
    popped elements are read only to be unpacked (each slot once) and checked."""

    def __init__(self, analysis, order, lists):
        self.analysis, self.order, self.lists = analysis, order, lists
        self.position = {id(s): i for i, (s, _) in enumerate(order)}
        self.loops = {id(s): loops for s, loops in order}
        self.readers: dict[str, list] = {}
        self.copies: dict[str, list] = {}  # name -> the names SSA copies it into
        for s, _ in order:
            for name in set(_names_read(s)):
                self.readers.setdefault(name, []).append(s)
            if isinstance(s, gast.Assign) and PHI.of(s) and isinstance(s.value, gast.Name) \
                    and isinstance(s.targets[0], gast.Name):
                self.copies.setdefault(s.value.id, []).append(s.targets[0].id)
        self.tapes: dict = {}
        self.taken_out = self._taken_out()

    def _family(self, name) -> set[str]:
        family, stack = set(), [name]
        while stack:
            n = stack.pop()
            if n not in family:
                family.add(n)
                stack += self.copies.get(n, [])
        return family

    def put_away(self, name, at) -> bool:
        if id(at) not in self.position or _names_read(at).count(name) != 1:
            return False
        family = self._family(name)
        made = [self.loops[id(d)] for d in self.analysis.defs.get(name, [])
                if not PHI.of(d) and id(d) in self.loops]
        for n in family:
            for s in self.readers.get(n, []):
                if s is at or PHI.of(s) and isinstance(s, gast.Assign) \
                        and s.targets[0].id in family:
                    continue
                if self.position[id(s)] > self.position[id(at)]:
                    return False
                # in a loop around both, the next trip reads it again, unless the loop
                # makes it anew
                if any(loop in self.loops[id(at)] and not (made and all(
                        loop in m for m in made)) for loop in self.loops[id(s)]):
                    return False
        return True

    def _dead_copies(self, name) -> bool:
        """Whether the SSA copies of `name` are read only to be copied again (the values
        loops carry out unused)."""
        family = self._family(name) - {name}
        return all(PHI.of(s) and isinstance(s, gast.Assign) and s.targets[0].id in family
                   for n in family for s in self.readers.get(n, []))

    def _tape(self, name, handed=False):
        """The appends that put the elements of the list `name` holds there, if it is a
        tape (see the class; `handed`: it may also be put away, once), else None."""
        if name in self.tapes:
            return self.tapes[name]
        self.tapes[name] = None  # while it is being looked at: a cycle is no tape
        defs = [d for d in self.analysis.defs.get(name, []) if not PHI.of(d)]
        if len(defs) != 1 or not self._dead_copies(name):
            return None
        appends, pops, reads = [], [], []
        for s in self.readers.get(name, []):
            update = LIST_UPDATE.of(s)
            if update == "append" and isinstance(s.value.args[0], gast.Name) \
                    and s.value.func.value.id == name:
                appends.append(s)
            elif update == "pop" and s.value.func.value.id == name:
                pops.append(POPPED.of(s))
            elif isinstance(s, gast.Assign) and PHI.of(s) \
                    and s.targets[0].id in self._family(name) \
                    or isinstance(s, gast.Assign) and isinstance(s.value, gast.Call) \
                    and isinstance(s.value.func, gast.Name) and s.value.func.id == "len" \
                    and _names_read(s) == ["len", name]:
                pass
            else:
                reads.append(s)  # another read: allowed only as a pop's read, or where it
        if not handed and any(r not in pops for r in reads) or handed and (  # is put away
                len([r for r in reads if r not in pops]) > 1
                or any(r not in pops and not self.put_away(name, r) for r in reads)):
            return None
        if not all(self.put_away(s.value.args[0].id, s) for s in appends):
            return None
        made = defs[0].value
        if not (isinstance(made, gast.List) and not made.elts):  # else handed on to it
            held = self._held(defs[0])
            if held is None:
                return None
            for h in held:
                more = self._tape(h, handed=True)
                if more is None:
                    return None
                appends = appends + more
        self.tapes[name] = appends
        return appends

    def _slots_read(self, popped):
        """{slot (None: the element itself): the name read from it} for an element popped
        off a tape, if it is read only to be unpacked, each slot once, and checked."""
        if not self._dead_copies(popped):
            return None
        slots: dict = {}
        for s in self.readers.get(popped, []):
            value = s.value if isinstance(s, gast.Assign) else None
            if isinstance(value, gast.Call) and isinstance(value.func, gast.Name) \
                    and value.func.id == "unpack_check" and value.args \
                    and _names_read(s).count(popped) == 1:
                continue
            if value is None or not isinstance(s.targets[0], gast.Name) or PHI.of(s):
                return None
            if isinstance(value, gast.Name):
                slot = None
            elif isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name) \
                    and isinstance(value.slice, gast.Constant) \
                    and value.slice.value.__class__ is int:
                slot = value.slice.value
            else:
                return None
            if slot in slots:
                return None
            slots[slot] = s.targets[0].id
        if None in slots and len(slots) > 1:
            return None
        return slots

    def _taken_out(self) -> set[str]:
        out = set()
        for name in self.lists:
            defs = [d for d in self.analysis.defs.get(name, []) if not PHI.of(d)]
            if defs and all(self._held(d) is not None for d in defs):
                out.add(name)
        return out

    def popped_from(self, popped) -> str | None:
        """The list `popped` was read from as its last element, if that element is then
        popped off it (`p = saved[-1]; saved.pop(-1)`: the tape a record came from)."""
        read = self.analysis.defs.get(popped, [])
        if len(read) != 1 or not isinstance(read[0].value, gast.Subscript) \
                or not isinstance(read[0].value.value, gast.Name):
            return None
        tape = read[0].value.value.id
        if not any(LIST_UPDATE.of(s) == "pop" and POPPED.of(s) is read[0]
                   for s in self.readers.get(tape, [])):
            return None
        return tape

    def _held(self, d):
        """If `d` takes a list out of an element popped off a tape (`m = p` or `m = p[k]`),
        the lists the tape's appends put in that place, each put away there; else None."""
        value, name = d.value, d.targets[0].id
        popped = value.id if isinstance(value, gast.Name) else value.value.id \
            if isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name) \
            else None
        tape = self.popped_from(popped)
        if tape is None:
            return None
        appends = self._tape(tape)
        slots = self._slots_read(popped)
        slot = next((k for k, n in (slots or {}).items() if n == name), "none")
        if appends is None or slot == "none":
            return None
        held = []
        for s in appends:  # what each append put there, in that slot: a list put away
            element = s.value.args[0].id
            if slot is not None:
                made = self.analysis.defs.get(element, [])
                if len(made) != 1 or not isinstance(made[0].value, (gast.Tuple, gast.List)) \
                        or len(made[0].value.elts) <= slot:
                    return None
                part = made[0].value.elts[slot]
                if not isinstance(part, gast.Name) or not self.put_away(part.id, made[0]):
                    return None
                element = part.id
            if element not in self.lists:
                return None
            held.append(element)
        return held


def _unchanged_after(name, s, positions, writes, analysis) -> bool:
    """Whether no write can change the array or list `name` (nor a view of it, nor what is
    read out of it) once `s` has run (a slot written, an append, a pop):
    none after s in the source, none in a loop around s, and no helper that writes its
    first operand is given it. A tuple made at s then holds an array that nothing changes
    any more, as the returned value does (a generated forward returns its result with
    its record, `return (out_2, record)`, the result's tuple made just before)."""
    if id(s) not in positions:
        return False
    at, around = positions[id(s)]
    sharing_it = {name, *views_of(analysis, {name})}
    for w in writes:
        if _written(w) in sharing_it:
            if id(w) not in positions:
                return False
            i, loops = positions[id(w)]
            if i > at or set(loops) & set(around):
                return False
    for t in analysis.assigns:
        value = t.value
        if isinstance(value, gast.Call) and value.args and isinstance(value.args[0], gast.Name) \
                and value.args[0].id in sharing_it:
            op = analysis.op(t)
            if op.callee is None or "writes-first" in rules.kinds_of(op.callee):
                return False
    return True


def _only_checked(name, analysis, moved) -> bool:
    """Whether the tuple or list `name` is read only by checks (rules of kind
    "reads-only": `complex_to_math((...), (items,), at)` in a generated gradient), which
    read their arguments and keep nothing: no second name for what it holds."""
    readers = moved.readers.get(name, [])
    return bool(readers) and all(
        isinstance(r, gast.Assign) and isinstance(r.value, gast.Call)
        and analysis.op(r).callee is not None
        and "reads-only" in rules.kinds_of(analysis.op(r).callee) for r in readers)


def _written(stmt) -> str:
    """The name of the array or list a write or list update changes."""
    if isinstance(stmt, gast.Assign):
        return stmt.targets[0].value.id
    return stmt.value.func.value.id


def _same_object(name, analysis) -> set[str]:
    """`name` and the names whose object it may hold through loop and branch copies."""
    same, stack = set(), [name]
    while stack:
        current = stack.pop()
        if current in same:
            continue
        same.add(current)
        stack += [d.value.id for d in analysis.defs.get(current, [])
                  if PHI.of(d) and isinstance(d.value, gast.Name)]
    return same


def _check_fresh(name, analysis, describe, where, seen) -> None:
    if name in seen:
        return
    seen.add(name)
    if name not in analysis.defs and name not in analysis.params:
        user = analysis.spelled(name)
        raise UnsupportedSyntaxError(
            f"in-place write to {user!r}, which the function did not create (a module-level "
            "or enclosing object): its gradient would not follow the values other functions "
            f"read from it, and f's effect on it would be undone; work on a copy made inside the "
            f"function (np.copy({user}) for an array, list({user}), dict({user})) and return it",
            describe(where))
    for d in analysis.defs.get(name, []):
        if _placeholder(d, analysis) or isinstance(d.value, gast.Name) and all(
                _placeholder(e, analysis) for e in analysis.defs.get(d.value.id, [None])):
            continue  # a variable not set on this path (set in one branch only), or a copy
            # of one (in a generated gradient): every use of it raises, nothing writes it
        if (PHI.of(d) or MOVED.of(d)) and isinstance(d.value, gast.Name):
            _check_fresh(d.value.id, analysis, describe, where, seen)  # the same object
            continue
        op = analysis.op(d)
        if op.kind in ("rule", "nondiff") and (op.name in (".copy", ".tolist") or (
                op.name == ".astype" and _copies(d.value))):  # a new array or list
            continue
        if op.kind == "nondiff" and op.callee is not None \
                and _in(op.callee, rules.FRESH_NONDIFF):  # np.argsort(x), np.isnan(x)
            continue
        if isinstance(d.value, gast.BinOp) and op.rule in SEQUENCE_RULES.values() \
                and AUGMENTED.of(d) and isinstance(d.value.left, gast.Name):
            _check_fresh(d.value.left.id, analysis, describe, where, seen)  # values += [v]
            continue
        if isinstance(d.value, (gast.List, gast.Dict)) or (  # a display, or lists joined
                isinstance(d.value, gast.BinOp) and op.rule in SEQUENCE_RULES.values()):
            continue
        if op.callee is unbound or isinstance(d.value, gast.Constant) \
                and d.value.value is None:  # never set on this path, or None: any update
            continue  # of it raises
        if isinstance(d.value, gast.Subscript) and isinstance(d.value.slice, gast.Slice) \
                and isinstance(d.value.value, gast.Name) \
                and _a_list(d.value.value.id, analysis, set()):
            continue  # `out = vals[:]` of a list: a new list (of an array it is a view)
        if op.callee is not None and _is_allocator(op.callee):
            copy = op.bound.get("copy", True)  # np.array(x, copy=None) may return x itself
            if copy is True or isinstance(copy, gast.Constant) and copy.value is True:
                continue
        elif op.kind == "rule" and fresh_result(analysis, d):  # x * y, np.exp(x), A @ B
            continue
        if _sole_view(d, analysis, where):  # the only name for the memory it shows
            continue
        user = analysis.spelled(name)
        if LIST_UPDATE.of(where):
            raise UnsupportedSyntaxError(
                f"{LIST_UPDATE.of(where)} on {user!r}, which pullback cannot prove is a new "
                "list that nothing else shares: it updates only lists made in the function "
                f"([...], list(...), a list taken off a list it pops); copy it first "
                f"({user} = list({user}))", describe(where))
        raise UnsupportedSyntaxError(
            f"in-place write to {user!r}, which pullback cannot prove is a new array that "
            "nothing else shares: it writes only into arrays the function makes (np.zeros, "
            "np.copy(...), arithmetic, ufuncs and other functions whose result is new); "
            f"copy it first ({user} = np.copy({user}))", describe(where))


def _copies(call) -> bool:
    """Whether `a.astype(dtype, ...)` makes a new array: unless told copy=False (the 5th
    positional argument, or the keyword), it always does."""
    copy = call.args[4] if len(call.args) > 4 else next(
        (k.value for k in call.keywords if k.arg == "copy"), None)
    return copy is None or isinstance(copy, gast.Constant) and copy.value is True


def _placeholder(d, analysis) -> bool:
    """Whether the binding `d` gives a variable the placeholder of an unset one."""
    return d is not None and (SENTINEL.of(d) or analysis.op(d).callee is unbound)


def _a_list(name, analysis, seen) -> bool:
    """Whether `name` only ever holds a Python list: a display (a comprehension's too),
    `list(...)`, a slice of such a list, lists joined by `+`, or a phi of those."""
    if name in seen:
        return True  # a loop's phi back to itself: decided by its other defs
    seen.add(name)
    if name not in analysis.defs:
        return False
    for d in analysis.defs[name]:
        value = d.value
        if isinstance(value, gast.List):
            continue
        if isinstance(value, gast.Name) and (PHI.of(d) or MOVED.of(d)):
            if _a_list(value.id, analysis, seen):
                continue
            return False
        if isinstance(value, gast.Subscript) and isinstance(value.slice, gast.Slice) \
                and isinstance(value.value, gast.Name) \
                and _a_list(value.value.id, analysis, seen):
            continue
        if isinstance(value, gast.Call) and analysis.op(d).callee is list:
            continue
        if isinstance(value, gast.BinOp) and isinstance(value.op, gast.Add) \
                and all(isinstance(v, gast.Name) and _a_list(v.id, analysis, seen)
                        for v in (value.left, value.right)):
            continue
        return False
    return True


def _is_allocator(callee) -> bool:
    return "allocator" in rules.kinds_of(callee)


def fresh_result(analysis, stmt) -> bool:
    """Whether the value `stmt` assigns is a new object that shares no memory with the
    names it reads, as its rule kind declares (arithmetic, ufuncs, reductions, np.copy,
    np.array with copy=True). Anything not declared fresh may be a view or an operand
    itself: a rule without a kind, a user's function, an attribute, an index."""
    op = analysis.op(stmt)
    if op.kind == "nondiff":
        return op.callee is None or _in(op.callee, rules.FRESH_NONDIFF)
    if op.kind != "rule":
        return False
    if op.name == ".astype" or (op.callee is not None and _is_allocator(op.callee)):
        copy = op.bound.get("copy", True)  # np.array(x, copy=None) may return x itself
        return copy is True or isinstance(copy, gast.Constant) and copy.value is True
    return op.rule.fresh


def _in(obj, collection) -> bool:
    try:
        return obj in collection
    except TypeError:  # unhashable
        return False


def shared_sources(analysis, stmt) -> list[str]:
    """The names whose memory the value `stmt` assigns may share: none for a fresh
    result, else every name it reads (`b` for `b.T`, `b[0]`, `np.reshape(b, s)`,
    `(b, c)`, `helper(b)`)."""
    value = stmt.value
    if isinstance(value, gast.Constant):
        return []
    if isinstance(value, gast.Attribute) and value.attr in NONDIFF_ATTRIBUTES:
        return []
    if not isinstance(value, gast.Name) and fresh_result(analysis, stmt):
        return []
    if _taken_out(value, analysis):
        return []
    if isinstance(value, gast.Subscript) and isinstance(value.slice, gast.Slice) \
            and isinstance(value.value, gast.Name) and _a_list(value.value.id, analysis, set()):
        return []  # `vals[:]` of a list: a new list (holding what vals holds, as `+` does)
    op = analysis.op(stmt) if isinstance(value, gast.Call) else None
    if op is not None and op.kind == "rule" and getattr(op.callee, "__module__", "").startswith(
            "pullback."):  # a helper of generated code: reads the others for their shape
        if "writes-first" in rules.kinds_of(op.callee) and isinstance(value.args[0], gast.Name):
            return [value.args[0].id]  # it adds the others into its first operand, a copy
        return [a.id for a in op.inputs.values() if isinstance(a, gast.Name)]
    return [n.id for n in nodes.walk(value)
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)]


def _taken_out(value, analysis) -> bool:
    """Whether `value` is `pair[0]` of a pair a helper of kind "takes-out" returned
    (`take_slot_grad(d, i)`: a copy of d's slot, taken out of d): it shares no memory
    with the operand the helper writes."""
    if not (isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name)
            and isinstance(value.slice, gast.Constant) and value.slice.value == 0):
        return False
    defs = analysis.defs.get(value.value.id, [])
    if len(defs) != 1 or not isinstance(defs[0].value, gast.Call):
        return False
    op = analysis.op(defs[0])
    return op is not None and op.kind == "rule" and "takes-out" in rules.kinds_of(op.callee)


def sharing(analysis) -> dict:
    """name -> (target, whether a loop or branch copy) of each assignment to a name whose
    value may share that name's memory (`shared_sources`), in the order of the
    assignments: what `views_of` follows, found once for a pass that asks it per
    statement (a scan of every assignment per question was quadratic)."""
    readers: dict = {}
    for s in analysis.assigns:
        target = s.targets[0]
        if isinstance(target, gast.Name):
            phi = PHI.of(s)
            for source in shared_sources(analysis, s):
                readers.setdefault(source, []).append((target.id, phi))
    return readers


def views_of(analysis, buffers, through_phis=True, readers=None) -> dict[str, str]:
    """Names that may share memory with an array written in place -> that array.
    One pass over a worklist: each name is reached once, from the first buffer found.
    `readers`: `sharing(analysis)`, if the caller has it."""
    if not buffers:  # nothing written in place: no scan of the assignments
        return {}
    if readers is None:
        readers = sharing(analysis)
    view_of: dict[str, str] = {}
    stack = [(b, b) for b in buffers]
    while stack:
        name, buffer = stack.pop()
        for target, phi in readers.get(name, ()):
            if target in buffers or not through_phis and phi and name in buffers:
                continue  # (without phis: the buffer's own loop versions, not a new name)
            if target not in view_of:
                view_of[target] = buffer
                stack.append((target, buffer))
    return view_of


def _held_by_containers(analysis, buffers) -> list:
    """(container, buffer, statement) for each statement that puts an array written in
    place into a list or dict by reference: `values.append(b)`, `values.insert(i, b)`,
    `table[k] = b`. The container then holds the array itself, which a later write
    changes under it (as it would a view)."""
    held = []
    for s in analysis.updates:
        call = s.value
        held += [(call.func.value.id, arg.id, s) for arg in call.args
                 if isinstance(arg, gast.Name) and arg.id in buffers]
    for s in analysis.assigns:
        target = s.targets[0]
        if isinstance(target, gast.Subscript) and _holds_references(target.value.id, analysis) \
                and isinstance(s.value, gast.Name) and s.value.id in buffers:
            held.append((target.value.id, s.value.id, s))
    return held


def _holds_references(name, analysis) -> bool:
    """Whether `name` may be a list or dict (whose slots hold the objects put there), not
    certainly a NumPy array (whose slots receive copies of values)."""
    return not analysis.shapes.numpy_value(gast.Name(id=name, ctx=gast.Load(), annotation=None,
                                                     type_comment=None))


def _check_views(tree, analysis, buffers, describe) -> None:
    view_of = views_of(analysis, buffers)
    held = _held_by_containers(analysis, buffers)
    if not view_of and not held:
        return
    order = _statement_order(tree)  # in execution order, with the loops around each
    position = {id(s): i for i, (s, _) in enumerate(order)}

    # name -> the positions of the statements that read it; buffer -> the positions
    # (and loops) of the writes into it: found once (a scan per view was quadratic)
    reads_at: dict = {}
    writes_of: dict = {}
    for u, (s, loops) in enumerate(order):
        parts = [s.value] if isinstance(s, gast.Assign) else \
            [getattr(s, "test", None), getattr(s, "iter", None)]
        op = analysis.ops.get(id(s)) if isinstance(s, gast.Assign) else None
        if op is not None and op.kind == "rule" and op.callee in SHAPE_ONLY:
            # `unbroadcast(g, v)` reads only v's shape, which no write into its memory changes
            parts = [a for p, a in op.bound.items()
                     if p not in SHAPE_ONLY[op.callee] and isinstance(a, gast.AST)]
        elif op is not None and op.callee is record_shape:
            parts = []  # a loop record's shape of an array (these buffers are arrays)
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Subscript):
            parts.append(s.targets[0])
            writes_of.setdefault(s.targets[0].value.id, []).append((u, loops))
        read = {n.id for p in parts if p is not None for n in nodes.names(p)
                if isinstance(n.ctx, gast.Load)}
        for name in read:
            reads_at.setdefault(name, []).append(u)

    write_facts: dict = {}  # buffer -> (positions of its writes, ids of loops around them)

    def changed_after_sharing(view, buffer, shared_at, accumulates=False):
        """The first read of `view` that a write to `buffer` made after one of the
        statements `shared_at` (which make `view` share its memory) may reach. A view
        `accumulates` when it keeps what it was given in earlier trips of a loop (a
        list appended to): a write later in the loop, or in its next trip, reaches it."""
        defs = [position[id(d)] for d in shared_at]
        writes = writes_of.get(buffer, [])
        if not writes:
            return None
        # the writes' positions (in order) and the loops around any of them: whether a
        # write lies between two statements, or in a loop, is then a lookup, not a scan
        # of every write per read (quadratic for a buffer written once per statement)
        if buffer not in write_facts:
            write_facts[buffer] = ([q for q, _ in writes],
                                   {id(loop) for _, q_loops in writes for loop in q_loops})
        at, in_loops = write_facts[buffer]
        for u in reads_at.get(view, ()):
            s, u_loops = order[u]
            for p in defs:
                p_loops = {id(loop) for loop in order[p][1]}
                first = bisect.bisect_right(at, p)  # the first write after p
                between = first < len(at) and at[first] < u
                # a write in a loop around the read, not around the sharing
                in_loop_after = any(id(loop) in in_loops and id(loop) not in p_loops
                                    for loop in u_loops)
                # a write in a loop around the sharing, reaching it in the next trip
                next_trip = accumulates and not p_loops.isdisjoint(in_loops) and (
                    u > p or not p_loops.isdisjoint(id(loop) for loop in u_loops))
                if between and _restored_between(p, u, buffer, order, analysis):
                    between = False  # every write between is undone before the read
                if between or in_loop_after or next_trip:
                    return s
        return None

    for view, buffer in view_of.items():
        read = changed_after_sharing(view, buffer, analysis.defs.get(view, []))
        if read is not None:
            _flag_or_reject(view, buffer, analysis, describe(read))
    for container, buffer, s in held:
        if id(s) in position and changed_after_sharing(container, buffer, [s], True) is not None:
            c, b = analysis.spelled(container), analysis.spelled(buffer)
            raise UnsupportedSyntaxError(
                f"{c!r} holds the array {b!r} itself (not a copy), and {b!r} is written in "
                f"place after that, so the element of {c!r} would change too; put a copy "
                f"there (np.copy({b}))", describe(s))
    # an element read of one put there (`rows.append(b[k])`, as `list(b)` is lowered):
    # the container holds a row of a matrix the write changes; checked when it runs
    reads_of = {v for v in view_of if analysis.defs.get(v) and all(
        isinstance(d.value, gast.Subscript) and isinstance(d.value.value, gast.Name)
        for d in analysis.defs[v])}
    for container, view, s in _held_by_containers(analysis, reads_of):
        buffer = view_of[view]
        if id(s) in position and changed_after_sharing(container, buffer, [s], True) is not None:
            _flag_or_reject(view, buffer, analysis, describe(s))


def _saved_by(name, buffer, analysis):
    """The statement `name = save_slot(buffer, idx)` (or save_float_slot, pullback's
    own) that defines `name`, or None."""
    defs = analysis.defs.get(name, [])
    if len(defs) != 1:
        return None
    value = defs[0].value
    if isinstance(value, gast.Call) and value.args and isinstance(value.args[0], gast.Name) \
            and value.args[0].id == buffer and analysis.op(defs[0]).callee in (
                save_slot, save_float_slot):
        return defs[0]
    return None


def _restored_between(p, u, buffer, order, analysis) -> bool:
    """Whether `buffer` holds at position u the values it held at position p: every write
    into it between them is a generated gradient's write with its save just before it
    (`old = save_float_slot(y, i)`, `y[i] = v`) and its restore after it (`y[i] = old`),
    in the same block, nested as a stack (the last write made is the first undone), with
    no loop around them that is not around p and u too. A view of it made at p and read
    at u then reads the values it was made with (the first-order gradient reads the
    views its forward made after restoring what the forward overwrote)."""
    loops = order[p][1]
    if order[u][1] != loops:
        return False
    open_writes: list = []  # (the saved name, the slot written) of the writes not undone
    for q in range(p + 1, u):
        s, q_loops = order[q]
        if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Subscript)
                and isinstance(s.targets[0].value, gast.Name)
                and s.targets[0].value.id == buffer):
            if isinstance(s, (gast.For, gast.While)) and q_loops == loops and any(
                    isinstance(t, gast.Assign) and isinstance(t.targets[0], gast.Subscript)
                    and isinstance(t.targets[0].value, gast.Name)
                    and t.targets[0].value.id == buffer for t in nodes.walk(s)):
                return False  # (a write in a loop between: not followed here)
            continue
        if q_loops != loops:
            return False
        slot = gast.dump(s.targets[0].slice)
        owner = analysis.owner.get(id(s))
        if isinstance(s.value, gast.Name) and _saved_by(s.value.id, buffer, analysis):
            if not open_writes or open_writes[-1] != (s.value.id, slot, owner):
                return False
            open_writes.pop()
            continue
        before = order[q - 1][0]
        if not (isinstance(before, gast.Assign) and isinstance(before.targets[0], gast.Name)
                and _saved_by(before.targets[0].id, buffer, analysis) is before
                and analysis.owner.get(id(before)) is owner):
            return False
        open_writes.append((before.targets[0].id, slot, owner))
    return not open_writes


def _check_holders(tree, analysis, containers, describe) -> None:
    """A list or dict changed in place (`xs.append(v)`, `extend`, `pop`, `d[k] = v`) is
    changed under every name that holds it itself: a dict or tuple it was put in
    (`{"a": xs}`, `dict(a=xs)`, `d[k] = xs`), an object made with it (`Holder(xs)`), what
    is read out of those (`d["a"]`, `h.v`). A holder read after such a change that follows
    its making would show the change, which the gradient does not follow: refused there.
    An element read of the container itself (`xs[0]`) is a value, not the container, and
    its loop and branch copies (SSA) are the container under its own name. One pass over
    a worklist: each (holder, container) pair is reached once."""
    if not containers:
        return
    root = {}
    copies = _phi_copies(analysis)  # (once: a scan per container was quadratic)
    for c in containers:
        for n in _same_object(c, analysis) | _copies_of(c, analysis, copies):
            root.setdefault(n, c)
    family: dict = {}
    for n, c in root.items():
        family.setdefault(c, set()).add(n)
    edges: dict = {}  # name -> (the name that may hold its object, the statement making it so)
    for s in analysis.assigns:
        target = s.targets[0]
        if PHI.of(s) or IS_RETURN.of(s):  # the returned value: nothing runs after it
            continue
        if isinstance(target, gast.Subscript) and isinstance(target.value, gast.Name):
            if isinstance(s.value, gast.Name):  # c[k] = xs: c holds xs from here on
                edges.setdefault(s.value.id, []).append((target.value.id, s, None))
            continue
        if not isinstance(target, gast.Name):
            continue
        value = s.value
        element_of = value.value.id if isinstance(value, gast.Subscript) \
            and isinstance(value.value, gast.Name) else None
        for source in shared_sources(analysis, s):
            edges.setdefault(source, []).append((target.id, s, element_of))
    for s in analysis.updates:  # c.append(xs)
        if LIST_UPDATE.of(s) != "pop":
            for arg in s.value.args:
                if isinstance(arg, gast.Name):
                    edges.setdefault(arg.id, []).append((s.value.func.value.id, s, None))
    holder_of: dict[str, set] = {}  # holder -> the containers it may hold or be
    captured: dict = {}  # container -> the statements where something takes hold of it
    stack = [(n, c) for c, names in family.items() for n in names]
    while stack:  # each (holder, container) once
        name, container = stack.pop()
        for target, made, element_of in edges.get(name, ()):
            if element_of in family[container] or target in family[container]:
                continue  # an element of the container, or the container under its name
            if name in family[container]:
                captured.setdefault(container, []).append(made)
            if container not in holder_of.setdefault(target, set()):
                holder_of[target].add(container)
                stack.append((target, container))
    if not holder_of:
        return
    order = _statement_order(tree)
    position = {id(s): i for i, (s, _) in enumerate(order)}
    changes: dict = {}  # container -> [(position, statement)] of its changes
    for i, (s, _) in enumerate(order):
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Subscript) \
                and isinstance(s.targets[0].value, gast.Name):
            changed = s.targets[0].value.id
        elif LIST_UPDATE.of(s):
            changed = s.value.func.value.id
        else:
            continue
        if changed in root:
            changes.setdefault(root[changed], []).append((i, s))
    loop_at = {id(s): s for s, _ in order}
    remade = {c: [position[id(d)] for n in names for d in analysis.defs.get(n, [])
                  if not PHI.of(d) and id(d) in position  # made on every run of its block
                  and analysis.owner.get(id(d)) is (loop_at[order[position[id(d)]][1][-1]]
                                                    if order[position[id(d)]][1] else tree)]
              for c, names in family.items()}

    def reaches(a, b):  # some run goes from statement position a to position b
        return a < b or bool(set(order[a][1]) & set(order[b][1]))

    def remade_between(p, q, container):  # every run from p to q makes it anew first
        for m in remade[container]:
            outer = order[m][1]
            if m > q or outer and outer[-1] not in order[q][1]:
                continue  # m does not run before q in q's run of m's block
            if set(order[p][1]) & set(order[q][1]) - set(outer):
                continue  # a loop inside m's block goes from p back to q without m
            if p < m or outer and (outer[-1] not in order[p][1] or p > q):
                return True  # p, m, q in a run; entering m's loop; m's loop's next trip
        return False

    for u, (s, _) in enumerate(order):
        for name in set(_names_read(s)):
            if name not in holder_of:
                continue
            for container, d in ((c, d) for c in sorted(holder_of[name])
                                 for d in captured.get(c, ())):
                if id(d) not in position:
                    continue
                p = position[id(d)]
                for q, change in changes.get(container, ()):
                    if change is s or not (reaches(p, q) and reaches(q, u)) \
                            or remade_between(p, q, container):
                        continue
                    h, c = analysis.spelled(name), analysis.spelled(container)
                    kind = "dict" if container in analysis.dicts else "list"
                    raise UnsupportedSyntaxError(
                        f"{h!r} holds the {kind} {c!r} itself (not a copy), and {c!r} is "
                        f"changed in place after that, so {h!r} would show the change, "
                        f"which the gradient would not follow; put a copy there "
                        f"({kind}({c}))", f"{describe(s)}\n  the change: {describe(change)}")


def _phi_copies(analysis) -> dict:
    """name -> the names SSA copies it into (its loop and branch versions)."""
    copies: dict = {}
    for s in analysis.assigns:
        if PHI.of(s) and isinstance(s.value, gast.Name) and isinstance(s.targets[0], gast.Name):
            copies.setdefault(s.value.id, []).append(s.targets[0].id)
    return copies


def _copies_of(name, analysis, copies=None) -> set[str]:
    """The names SSA copies `name` into (its loop and branch versions), transitively
    (`copies`: `_phi_copies(analysis)`, if the caller has it)."""
    if copies is None:
        copies = _phi_copies(analysis)
    found, stack = set(), [name]
    while stack:
        n = stack.pop()
        if n not in found:
            found.add(n)
            stack += copies.get(n, [])
    return found


def _flag_or_reject(view, buffer, analysis, where) -> None:
    """A name read from `buffer` is live across a write to it. Element reads
    (`b[i]` of a 1-D array) are copies and fine, so subscript reads get a
    run-time check that they are not views; anything else that may share the
    buffer's memory (b.T, np.reshape(b), a helper's result) is rejected now."""
    v, b = analysis.spelled(view), analysis.spelled(buffer)
    message = (f"{v!r} is a view into {b!r}, and {b!r} is written in place before {v!r} is "
               f"read again, so {v!r} would change under you; take a copy (np.copy(...)) "
               "when you read it")
    stack, seen = [view], set()
    while stack:
        name = stack.pop()
        if name in seen or name == buffer:
            continue
        seen.add(name)
        for d in analysis.defs.get(name, []):
            sources = shared_sources(analysis, d)
            value = d.value
            if isinstance(value, gast.Name):
                stack.append(value.id)
            elif isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name):
                MUST_NOT_BE_VIEW.set(d, f"{message}\n  {where}")
                stack.append(value.value.id)
            elif sources:
                raise UnsupportedSyntaxError(message, where)


def _consumed_before(view, s, analysis) -> bool:
    """Whether `view` is made and read only before `s` runs, each time: the update `s`
    makes in place cannot reach a read of it (`a += 0.5 * a[0]`). Every read precedes s
    in their innermost common block, and every loop around both a read and s also
    makes the view afresh."""
    defs = analysis.defs.get(view, [])
    if len(defs) != 1:
        return False
    made = defs[0]
    statements = [t for t in nodes.walk(analysis.tree) if isinstance(t, gast.stmt)
                  and t is not analysis.tree and _reads_name(t, view)]
    for t in [made, *statements]:
        around = _precedes(t, s, analysis)
        if around is None or not all(_inside(made, loop, analysis) for loop in around):
            return False
    return True


def _made_after(view, s, analysis) -> bool:
    """Whether `view` is made only after the update `s` in place has run, for good: s
    precedes it and no loop holds both (`dx += g` in a loop, then `as_grad(dx, x)` after
    it). SSA names read after s hold the values it made, so the view sees those."""
    defs = analysis.defs.get(view, [])
    return len(defs) == 1 and _precedes(s, defs[0], analysis) == []


def _ancestors(t, analysis) -> list:
    chain = [t]
    while id(chain[-1]) in analysis.owner:
        chain.append(analysis.owner[id(chain[-1])])
    return chain


def _inside(t, node, analysis) -> bool:
    return any(a is node for a in _ancestors(t, analysis))


def _precedes(t, s, analysis):
    """The loops around both t and s if t runs before s within each run of their
    innermost common block, else None."""
    up_t, up_s = _ancestors(t, analysis), _ancestors(s, analysis)
    common = next((a for a in up_t if any(a is b for b in up_s)), None)
    if common is None or common is t or common is s:
        return None
    child_t = up_t[next(i for i, a in enumerate(up_t) if a is common) - 1]
    child_s = up_s[next(i for i, a in enumerate(up_s) if a is common) - 1]
    for block in (common.body, getattr(common, "orelse", [])):
        where = {id(c): i for i, c in enumerate(block)}
        if id(child_t) in where and id(child_s) in where:
            if where[id(child_t)] >= where[id(child_s)]:
                return None
            break
    else:
        return None  # different branches of an if
    return [a for a in up_t[up_t.index(common):] if isinstance(a, (gast.For, gast.While))]


def _reads_name(t, name) -> bool:
    """Whether statement t reads `name` itself (a loop or if: in its header)."""
    parts = [getattr(t, f) for f in ("test", "iter") if hasattr(t, f)] \
        if isinstance(t, (gast.If, gast.For, gast.While)) else [t]
    return any(isinstance(n, gast.Name) and n.id == name and isinstance(n.ctx, gast.Load)
               for part in parts for n in nodes.walk(part))


def _element_reads(views, same, analysis):
    """The reads `v = x[...]` (x one of `same`) that every name in `views` comes from,
    or None if one of them may share x's memory in another way (`x.T`, a reshape)."""
    reads, stack, seen = [], list(views), set()
    while stack:
        v = stack.pop()
        if v in seen:
            continue
        seen.add(v)
        defs = analysis.defs.get(v, [])
        if len(defs) != 1:
            return None
        value = defs[0].value
        if isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name):
            if value.value.id in same:
                reads.append(defs[0])
            elif value.value.id in views:
                stack.append(value.value.id)  # a read of a checked read: a copy too
            else:
                return None
        else:
            return None
    return reads


def _check_augmented(analysis, describe) -> None:
    """`x += v` on an array updates it in place, so every other name for the same
    memory changes too; pullback computes `x = x + v`. Where `x` may share memory
    (it was read out of another array, or copied from another name), the
    generated code checks at run time that `x` is not an array."""
    readers = packed = appended = slotted = None
    for s in analysis.assigns:
        augmented = AUGMENTED.of(s)
        if not augmented:
            continue
        name = s.value.left.id if isinstance(s.value.left, gast.Name) else None
        if name is None:
            continue
        base = _slot_base(name, analysis) if augmented.endswith("[...]") else None
        if base is not None:  # `x[k] += v`: name holds the slot's value
            if not _certainly_array(base, analysis, set()) \
                    and not _unshared_elements(base, analysis):  # a slot of an array: its memory
                MUST_NOT_BE_VIEW.set(s, (
                    f"`{augmented} {_sign(s)}= ...` on an array or list held in a list, dict, "
                    "tuple or object changes it in place, and every other name for it "
                    "(another slot, a variable, the caller's), which pullback does not "
                    f"follow; write `{augmented[:-5]}[k] = {augmented[:-5]}[k] {_sign(s)} ...`"
                    f"\n  {describe(s)}"))
                CHECKED_NAME.set(s, (base, name))
            continue
        if name in analysis.params:  # an input array would be changed for the caller
            MUST_NOT_BE_VIEW.set(s, (
                f"augmented assignment to the input {augmented!r}: on an array it would "
                f"change the caller's array; write `{augmented} = {augmented} + ...`"
                f"\n  {describe(s)}"))
            CHECKED_NAME.set(s, name)
            continue
        # another name was given this object or a view of it (b = a or b = a[0:1]; then
        # a += 1 changes b too)
        same = _same_object(name, analysis)  # the names its loop copies came from
        if readers is None:  # (found once, at the first `x += v` that asks)
            readers = sharing(analysis)
            packed = {}  # name -> the tuple and list displays it is put into
            for p in analysis.assigns:
                if isinstance(p.value, (gast.Tuple, gast.List)):
                    for e in p.value.elts:
                        if isinstance(e, gast.Name):
                            packed.setdefault(e.id, []).append(p)
            appended = {v for _, v in analysis.update_pairs()}
            slotted = {p.value.id for p in analysis.assigns
                       if isinstance(p.targets[0], gast.Subscript)
                       and isinstance(p.value, gast.Name)
                       and _holds_references(p.targets[0].value.id, analysis)}
        views = [v for v in views_of(analysis, same, False, readers)
                 if v != s.targets[0].id and not _consumed_before(v, s, analysis)
                 and not _made_after(v, s, analysis)]
        reads = _element_reads(views, same, analysis)
        for d in reads or ():  # a copy (an element, a fancy index) shares nothing: checked then
            if not MUST_NOT_BE_VIEW.of(d):
                MUST_NOT_BE_VIEW.set(d, (
                    f"a value read out of {augmented!r} here is used after "
                    f"`{augmented} += ...` changes that array in place, and it is a view "
                    "that would change too (it may share memory with it): take a copy "
                    f"(np.copy) or write `{augmented} = {augmented} + ...`\n  "
                    f"{describe(d)}"))
        # in a tuple or list display, put into a list, or into a list's or dict's slot
        shared = reads is None or any(  # (a display made for good after s holds s's result)
            _precedes(s, p, analysis) != [] for n in same for p in packed.get(n, ())) \
            or not same.isdisjoint(appended) or not same.isdisjoint(slotted)
        stack, seen = [name], set()
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            for d in analysis.defs.get(current, []):
                if PHI.of(d) and isinstance(d.value, gast.Name):
                    stack.append(d.value.id)
                elif shared_sources(analysis, d):  # not a new object: a view, a copy of a
                    shared = True  # name, np.asarray(x), a helper's result (the rule's kinds)
        if shared:
            MUST_NOT_BE_VIEW.set(s, (
                f"augmented assignment to {augmented!r}: it is an array or list that may "
                "share memory with another name, which would change too; write "
                f"`x = x + ...` or take a copy first\n  {describe(s)}"))
            CHECKED_NAME.set(s, name)


def checked_call(checked) -> tuple[str, tuple[str, ...]]:
    """The run-time check of an operand named by `CHECKED_NAME` (a name, or for a slot
    written `x[k] += v` the pair (x, the slot's value), or ("list_not_kept", the list a
    held-list growth grows, the values read before it that must not hold it: refusals;
    "held_list" when it appends a value of the function, the list's class checked too)):
    the helper and what it reads."""
    if isinstance(checked, str):
        return "not_shared", (checked,)
    if checked[0] in ("list_not_kept", "held_list"):
        return checked[0], tuple(checked[1:])
    return "slot_not_shared", tuple(checked)


def _sign(s) -> str:
    return {gast.Add: "+", gast.Sub: "-", gast.Mult: "*", gast.Div: "/", gast.FloorDiv: "//",
            gast.Pow: "**", gast.MatMult: "@"}.get(type(s.value.op), "op")


def _slot_base(name, analysis):
    """The name `base` if `name` is read from a slot, `name = base[k]`, else None."""
    defs = analysis.defs.get(name, [])
    if len(defs) == 1 and isinstance(defs[0].value, gast.Subscript) \
            and isinstance(defs[0].value.value, gast.Name):
        return defs[0].value.value.id
    return None


# NumPy functions whose result is always a new ndarray (never a list, tuple or scalar
# object), beside the rule kinds "allocator", "elementwise" and "reduction"
_ARRAY_RESULTS = frozenset(map(id, (
    np.concatenate, np.stack, np.vstack, np.hstack, np.column_stack, np.outer, np.kron,
    np.dot, np.tile, np.repeat, np.linalg.inv, np.copy, np.diag, np.tril, np.triu,
    np.cumsum, np.cumprod, np.where, np.clip, np.sort)))


def _certainly_array(name, analysis, seen) -> bool:
    """Whether `name` certainly holds a NumPy array of numbers (not of objects) whenever
    it is read: each of its definitions (through loop and branch copies) is a NumPy
    function declared to make one, arithmetic with such an array, or its `.copy()`. A
    slot of it is then its own memory, and `x[k] += v` writes nothing but x."""
    if name in seen:
        return True  # a loop copy of itself: decided by the other definitions
    seen.add(name)
    defs = analysis.defs.get(name, [])
    if not defs:
        return False
    for d in defs:
        value = d.value
        if isinstance(value, gast.Name) and PHI.of(d):
            if not _certainly_array(value.id, analysis, seen):
                return False
            continue
        if analysis.shapes.numpy_value(d.targets[0]) and not isinstance(value, gast.Name):
            continue
        op = analysis.op(d)
        if op.kind not in ("rule", "nondiff"):  # np.zeros(n) of no active input: nondiff
            return False
        dtype = op.bound.get("dtype")
        if isinstance(dtype, gast.Name) and dtype.id == "object" or isinstance(
                dtype, gast.Attribute) and dtype.attr in ("object_", "object"):
            return False
        if op.callee is not None and (_is_allocator(op.callee) or id(op.callee) in _ARRAY_RESULTS
                                      or rules.kinds_of(op.callee) & {"elementwise",
                                                                      "reduction"}):
            continue
        if op.name in (".copy", ".astype") and isinstance(value, gast.Call) \
                and isinstance(value.func, gast.Attribute) \
                and isinstance(value.func.value, gast.Name) \
                and _certainly_array(value.func.value.id, analysis, seen):
            continue
        return False
    return True


# functions whose result is a list of disjoint views of their first argument
_SPLITS = frozenset(map(id, (np.split, np.array_split, np.hsplit, np.vsplit, np.dsplit)))


def _sole_view(d, analysis, where) -> bool:
    """Whether `d` makes a view (or the object itself) of an array that nothing else
    ever reads, so that writing through it changes no value another name shows:
    `b = np.reshape(x * 2.0, 4)`, `r = b.T` of a `b` read only there, a piece of
    `np.split(y, 2)` (its pieces are disjoint; each read once, by its own constant
    index). The array viewed is itself new (or such a view), made once, afresh in each
    loop around `d`, and read by `d` alone (by the split alone, for a piece)."""
    value = d.value
    if isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name):
        source = value.value.id
        pieces = analysis.defs.get(source, [])
        if len(pieces) == 1 and isinstance(pieces[0].value, gast.Call) \
                and analysis.op(pieces[0]).callee is not None \
                and id(analysis.op(pieces[0]).callee) in _SPLITS:
            return _distinct_pieces(source, analysis) \
                and _sole_view(pieces[0], analysis, where)
        if not _certainly_array(source, analysis, set()):
            return False  # an element of a list may have other names
    else:  # a view function's first operand, or an attribute's object (b.T, z.real)
        viewed = value.args[0] if isinstance(value, gast.Call) and value.args else \
            value.value if isinstance(value, gast.Attribute) else None
        op = analysis.op(d)
        if not isinstance(viewed, gast.Name) or op.kind != "rule" or op.callee is None \
                or "view" not in rules.kinds_of(op.callee):
            return False
        source = viewed.id
    made = analysis.defs.get(source, [])
    if source in analysis.params or len(made) != 1 or PHI.of(made[0]) or MOVED.of(made[0]):
        return False
    if [t for t in _statements(analysis) if _reads_name(t, source)] != [d]:
        return False
    loops = [a for a in _ancestors(d, analysis)[1:] if isinstance(a, (gast.For, gast.While))]
    if not all(_inside(made[0], loop, analysis) for loop in loops):
        return False
    try:
        _check_fresh(source, analysis, lambda s: "", where, set())
    except UnsupportedSyntaxError:
        return False
    return True


def _distinct_pieces(pieces, analysis) -> bool:
    """Whether the list `pieces` is read only by `unpack_check` and by reads of distinct
    constant positions (`a, b = np.split(y, 2)`): no piece has a second name."""
    seen = set()
    for t in _statements(analysis):
        if not _reads_name(t, pieces):
            continue
        value = getattr(t, "value", None)
        if isinstance(t, gast.Assign) and isinstance(value, gast.Subscript) \
                and isinstance(value.slice, gast.Constant) \
                and isinstance(value.slice.value, int) and value.slice.value >= 0 \
                and value.slice.value not in seen:
            seen.add(value.slice.value)
        elif not (isinstance(t, gast.Assign) and isinstance(value, gast.Call)
                  and isinstance(value.func, gast.Name) and value.func.id == "unpack_check"):
            return False
    return True


def _statements(analysis) -> list:
    return [t for t in nodes.walk(analysis.tree) if isinstance(t, gast.stmt)
            and t is not analysis.tree]


def _unshared_elements(container, analysis) -> bool:
    """Whether every value the list or dict `container` ever holds is an array (or other
    object) nothing else names: the container is made by a display or comprehension of
    new values (`[np.zeros(3) for w in ws]`, `{"a": np.ones(2)}`), only receives new
    values (appended, stored, or computed by `c[k] += v` itself), and is read only
    through its slots, each read (but those of `c[k] += v`) made after every `c[k] += v`
    has run for good. `c[k] += v` then changes an array no other name shows."""
    family = _same_object(container, analysis)
    if family & set(analysis.params):
        return False
    augmented = [s for s in analysis.assigns if AUGMENTED.of(s)
                 and str(AUGMENTED.of(s)).endswith("[...]")
                 and isinstance(s.value, gast.BinOp) and isinstance(s.value.left, gast.Name)
                 and _slot_base(s.value.left.id, analysis) in family]
    own_reads = {id(d) for s in augmented for d in analysis.defs[s.value.left.id]}
    for t in _statements(analysis):
        if not any(_reads_name(t, n) for n in family):
            continue
        value = getattr(t, "value", None)
        if isinstance(t, gast.Assign) and PHI.of(t) and isinstance(value, gast.Name) \
                and t.targets[0].id in family:
            continue  # a loop or branch copy of the container
        if isinstance(t, gast.Assign) and isinstance(t.targets[0], gast.Subscript) \
                and isinstance(t.targets[0].value, gast.Name) \
                and t.targets[0].value.id in family:
            if not (isinstance(value, gast.Name) and _new_and_unnamed(value.id, t, analysis)):
                return False
            continue  # c[k] = v of a new value
        if t in analysis.updates and LIST_UPDATE.of(t) in ("append", "pop") \
                and t.value.func.value.id in family:
            if not all(isinstance(a, gast.Name) and _new_and_unnamed(a.id, t, analysis)
                       for a in (t.value.args if LIST_UPDATE.of(t) == "append" else ())):
                return False
            continue
        if id(t) in own_reads:
            continue
        if isinstance(t, gast.Assign) and isinstance(value, gast.Subscript) \
                and isinstance(value.value, gast.Name) and value.value.id in family \
                and all(_precedes(a, t, analysis) == [] for a in augmented):
            continue  # a slot read after the updates in place are over
        if isinstance(t, gast.Assign) and isinstance(value, gast.Call) \
                and analysis.op(t).callee in (len, loop_len):
            continue
        return False
    for n in family:
        for d in analysis.defs.get(n, []):
            if PHI.of(d) and isinstance(d.value, gast.Name):
                continue
            if isinstance(d.value, gast.List):
                elements = d.value.elts
            elif isinstance(d.value, gast.Dict):
                elements = d.value.values
            else:
                return False
            if not all(isinstance(e, gast.Name) and _new_and_unnamed(e.id, d, analysis)
                       for e in elements):
                return False
    return True


def _new_and_unnamed(name, user, analysis) -> bool:
    """Whether `name` holds a new object (its rule declares a new result, or it is a
    number) read by the statement `user` alone, or besides only by statements that run
    before it and make new values of it (`c = [a, np.copy(a)]`, `{"p": a, "q": a * 2}`:
    no other name for `a`, and nothing reads it after `user` hands it on)."""
    defs = analysis.defs.get(name, [])
    if len(defs) != 1 or not isinstance(defs[0], gast.Assign):
        return False
    if not (isinstance(defs[0].value, gast.Constant) or fresh_result(analysis, defs[0])):
        return False
    readers = [t for t in _statements(analysis) if _reads_name(t, name)]
    if not any(t is user for t in readers) or _names_read(user).count(name) != 1:  # [a, a]
        return False
    if not all(t is user or isinstance(t, gast.Assign) and isinstance(t.targets[0], gast.Name)
               and fresh_result(analysis, t) and _precedes(t, user, analysis) is not None
               for t in readers):
        return False
    loops = [a for a in _ancestors(user, analysis)[1:] if isinstance(a, (gast.For, gast.While))]
    return all(_inside(defs[0], loop, analysis) for loop in loops)  # made in each trip
