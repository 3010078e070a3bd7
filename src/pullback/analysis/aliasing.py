"""Stage 5, activity (aliasing): in-place writes are differentiated only where what they
overwrite is provable.

Guarantees: `check_writes` returns only if every in-place write `x[i] = v` (and list
update) in the SSA function writes an array or list the function created itself, known
under no second name, and no view of it is read after a later write changes it; every
other write raised `UnsupportedSyntaxError` naming the write, its file and line.
`views_of` and `shared_sources` tell the reverse pass which names may share memory.

Example: a write into the function's own array is allowed; into an input, refused.

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
pullback.errors.UnsupportedSyntaxError: in-place write to the input array 'x': ...
"""

from __future__ import annotations

import gast

from .. import rules
from ..errors import UnsupportedSyntaxError
from ..ir import nodes
from ..ir.annotations import (
    AUGMENTED,
    CHECKED_NAME,
    IS_RETURN,
    LIST_UPDATE,
    MOVED,
    MUST_NOT_BE_VIEW,
    PHI,
)
from ..rules.methods import SEQUENCE_RULES
from .classify import NONDIFF_ATTRIBUTES


def check_writes(tree, analysis, parsed) -> None:
    """In-place writes `x[i] = v` are differentiated only where pullback can prove
    what they overwrite: `x` must be an array the function created itself
    (np.zeros, np.copy, ...), never an input, never known under a second name,
    and no view of it may be read after a later write changes it."""
    describe = parsed.location.describe
    _check_augmented(analysis, describe)
    writes = [s for s in analysis.assigns if isinstance(s.targets[0], gast.Subscript)]
    writes += analysis.updates  # values.append(v): the list is written in place too
    buffers = {_written(s) for s in writes}
    lists = {s.value.func.value.id for s in analysis.updates}
    if not buffers:
        return
    for s in analysis.assigns:  # aliases first: they explain the rest
        value = s.value
        if not PHI.of(s) and not IS_RETURN.of(s) \
                and not MOVED.of(s) and isinstance(s.targets[0], gast.Name) \
                and isinstance(value, gast.Name) and (value.id in buffers
                                                      or s.targets[0].id in buffers):
            target, source = analysis.spelled(s.targets[0].id), analysis.spelled(value.id)
            raise UnsupportedSyntaxError(
                f"{target} = {source} gives a second name to an array that is "
                f"written in place; use np.copy({source})", describe(s))
    for s in analysis.assigns:
        if isinstance(s.value, (gast.Tuple, gast.List)) and any(
                isinstance(e, gast.Name) and e.id in buffers for e in s.value.elts):
            raise UnsupportedSyntaxError(
                "an array that is written in place is put into a tuple or list, which gives it "
                "a second name; use np.copy(...) of it", describe(s))
    for s in writes:
        base = _written(s)
        if base in analysis.params and isinstance(s, gast.Assign):
            raise UnsupportedSyntaxError(
                f"in-place write to the input array {base!r}: pullback never modifies its "
                f"inputs; copy it first ({base} = np.copy({base}))", describe(s))
        kwargs = tree.args.kwarg.id if tree.args.kwarg else None  # a dict made per call
        if base in analysis.params and not (base == kwargs and LIST_UPDATE.of(s) == "pop"):
            raise UnsupportedSyntaxError(
                f"{LIST_UPDATE.of(s)} on the input list {base!r}: pullback never modifies its "
                f"inputs; copy it first ({base} = list({base}))", describe(s))
        _check_fresh(base, analysis, describe, s, set())
    # appending never changes the elements already in a list, and writing a list or dict
    # slot replaces the element without changing it: only arrays have views
    _check_views(tree, analysis, buffers - lists - analysis.dicts, describe)


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
        if PHI.of(d) and isinstance(d.value, gast.Name):
            _check_fresh(d.value.id, analysis, describe, where, seen)
            continue
        op = analysis.op(d)
        if op.kind == "rule" and op.name in (".copy", ".tolist"):  # a new array or list
            continue
        if isinstance(d.value, gast.BinOp) and op.rule in SEQUENCE_RULES.values() \
                and AUGMENTED.of(d) and isinstance(d.value.left, gast.Name):
            _check_fresh(d.value.left.id, analysis, describe, where, seen)  # values += [v]
            continue
        if isinstance(d.value, (gast.List, gast.Dict)) or (  # a display, or lists joined
                isinstance(d.value, gast.BinOp) and op.rule in SEQUENCE_RULES.values()):
            continue
        if op.callee is not None and _is_allocator(op.callee):
            copy = op.bound.get("copy", True)  # np.array(x, copy=None) may return x itself
            if copy is True or isinstance(copy, gast.Constant) and copy.value is True:
                continue
        user = analysis.spelled(name)
        raise UnsupportedSyntaxError(
            f"in-place write to {user!r}, which pullback cannot prove is a new array that "
            "nothing else shares: it writes only into arrays made by np.zeros, np.ones, "
            f"np.copy(...), x.copy(), ...; copy it first ({user} = np.copy({user}))",
            describe(where))


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
    op = analysis.op(stmt) if isinstance(value, gast.Call) else None
    if op is not None and op.kind == "rule" and getattr(op.callee, "__module__", "").startswith(
            "pullback."):  # a helper of generated code: reads the others for their shape
        return [a.id for a in op.inputs.values() if isinstance(a, gast.Name)]
    return [n.id for n in nodes.walk(value)
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)]


def views_of(analysis, buffers, through_phis=True) -> dict[str, str]:
    """Names that may share memory with an array written in place -> that array.
    One pass over a worklist: each name is reached once, from the first buffer found."""
    readers: dict = {}  # name -> the assignments that may share its memory
    for s in analysis.assigns:
        target = s.targets[0]
        if not isinstance(target, gast.Name) or target.id in buffers:
            continue
        loop_copy = not through_phis and PHI.of(s)
        for source in shared_sources(analysis, s):
            if loop_copy and source in buffers:
                continue  # the buffer's own loop versions (given in `buffers`), not a new name
            readers.setdefault(source, []).append(target.id)
    view_of: dict[str, str] = {}
    stack = [(b, b) for b in buffers]
    while stack:
        name, buffer = stack.pop()
        for target in readers.get(name, ()):
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
    # Statements in execution order, with the loops that enclose each one.
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
    position = {id(s): i for i, (s, _) in enumerate(order)}

    def reads(s, name):
        parts = [s.value] if isinstance(s, gast.Assign) else \
            [getattr(s, "test", None), getattr(s, "iter", None)]
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Subscript):
            parts.append(s.targets[0])
        return any(isinstance(n, gast.Name) and n.id == name and isinstance(n.ctx, gast.Load)
                   for p in parts if p is not None for n in nodes.walk(p))

    def changed_after_sharing(view, buffer, shared_at, accumulates=False):
        """The first read of `view` that a write to `buffer` made after one of the
        statements `shared_at` (which make `view` share its memory) may reach. A view
        `accumulates` when it keeps what it was given in earlier trips of a loop (a
        list appended to): a write later in the loop, or in its next trip, reaches it."""
        defs = [position[id(d)] for d in shared_at]
        writes = [(i, loops) for i, (s, loops) in enumerate(order)
                  if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Subscript)
                  and s.targets[0].value.id == buffer]
        for u, (s, u_loops) in enumerate(order):
            if not reads(s, view):
                continue
            for p in defs:
                for q, q_loops in writes:
                    in_loop_after = any(loop in u_loops and loop not in order[p][1]
                                        for loop in q_loops)
                    next_trip = accumulates and set(order[p][1]) & set(q_loops) and (
                        u > p or set(order[p][1]) & set(u_loops))
                    if p < q < u or in_loop_after or next_trip:
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
    for s in analysis.assigns:
        augmented = AUGMENTED.of(s)
        if not augmented:
            continue
        name = s.value.left.id if isinstance(s.value.left, gast.Name) else None
        if name is None:
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
        views = [v for v in views_of(analysis, same, False)
                 if v != s.targets[0].id and not _consumed_before(v, s, analysis)]
        reads = _element_reads(views, same, analysis)
        for d in reads or ():  # a copy (an element, a fancy index) shares nothing: checked then
            if not MUST_NOT_BE_VIEW.of(d):
                MUST_NOT_BE_VIEW.set(d, (
                    f"a value read out of {augmented!r} here is used after "
                    f"`{augmented} += ...` changes that array in place, and it is a view "
                    "that would change too (it may share memory with it): take a copy "
                    f"(np.copy) or write `{augmented} = {augmented} + ...`\n  "
                    f"{describe(d)}"))
        shared = reads is None or any(
            isinstance(e, gast.Name) and e.id in same for p in analysis.assigns
            if isinstance(p.value, (gast.Tuple, gast.List)) for e in p.value.elts) or any(
            v in same for _, v in analysis.update_pairs()) or any(  # put into a list
            isinstance(p.targets[0], gast.Subscript) and isinstance(p.value, gast.Name)
            and p.value.id in same and _holds_references(p.targets[0].value.id, analysis)
            for p in analysis.assigns)  # or into a list's or dict's slot
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
