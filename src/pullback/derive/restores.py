"""The slot restores (and list pops) nothing reads again, dropped from the adjoint sweep,
for derive/reverse.py's `Reverse`.

The adjoint of an in-place write `b[i] = v` takes the slot's gradient and then restores
the slot's old value (`b[i] = b_old`, saved by the primal), so that every array holds,
when an adjoint statement reads it, the value it had when its primal statement ran. A
restore only serves such reads. Where nothing read after it can see the array, it is
dropped: the saved slot is then recorded for no one (the primal's `save_slot` stays, for
the checks it makes: a repeated fancy index, a float written into an integer array), and
the array leaves a callee's record (a split function's backward that writes the array
its forward returned makes that array, for a second derivative, written in place after
it was handed on). The adjoint of `values.append(v)` (and of extend) likewise takes the
added elements off again (`values.pop()`) for the reads before it; a list of indices
built to index an array (`list(y)`) is read by nothing after its pops, which are dropped.

Guarantee: a restore of array (or list) `b` is dropped only if
- `b` is bound only by statements whose result is a new array (`fresh_result`: an
  allocator, arithmetic, a copy) or a list display, so nothing outside the function,
  the caller included, held it before the function made it (analysis/aliasing's
  check_writes already guarantees every written array or list is the function's own,
  under no second name);
- no name that may share `b`'s memory (`b` itself, a view, a tuple or list holding it,
  what is read out of those: `views_of`, `_held_by_containers`) is read, for a shape or
  for a value alike, by the adjoint sweep from the first of its top-level statements
  that holds a restore of `b` on (the statements before it run once, before any
  restore), outside the restores, nor by the statements run after the sweep (an
  input's write-back);
- no loop of the function is checkpointed (a checkpointed loop runs its primal again
  in the adjoint sweep, from snapshots).
Then no statement run after the restore reads the slot, and dropping it changes no value
the gradient computes. A dict's restore (which may remove a key) is always kept.
"""

from __future__ import annotations

import gast

from ..analysis.aliasing import _held_by_containers, fresh_result, sharing, views_of
from ..ir.nodes import names, skeleton


class Restores:
    """Mixed into Reverse: `restores` (restore statement id -> (write id, array)) is
    filled by adjoints.adjoint_write."""

    def drop_unread_restores(self, adjoint: list, after: list) -> None:
        """Drop, in place, the restores `adjoint` need not run (see the module's
        guarantee); `after` are the statements run after the adjoint sweep."""
        restores = self.restores
        if not restores or self.checkpointed:
            return
        bases = {base for _, base in restores.values()}
        candidates = {b for b in bases if self._made_here(b)}
        if not candidates:
            return
        # what each top-level statement of the sweep reads (outside the restores), in
        # the order they run: a read before the first statement holding one of an
        # array's restores runs before any of them
        reads = []
        for top in adjoint:
            read: set = set()
            for s in skeleton(top):
                if id(s) in restores:
                    continue
                if isinstance(s, (gast.For, gast.While, gast.If, gast.With)):
                    parts = [getattr(s, f, None) for f in ("test", "iter", "items", "target")]
                else:
                    parts = [s]
                for part in parts:
                    for node in part if isinstance(part, list) else [part]:
                        if isinstance(node, gast.AST):
                            read.update(n.id for n in names(node)
                                        if n.ctx.__class__ is gast.Load)
            reads.append(read)
        last_read: dict = {}  # name -> the last top-level statement reading it
        for i, read in enumerate(reads):
            for name in read:
                last_read[name] = i
        late = set()  # read after the sweep (an input's write-back)
        for s in after:
            late.update(n.id for n in names(s) if n.ctx.__class__ is gast.Load)
        first = {}  # array -> the first top-level statement holding one of its restores
        for i, top in enumerate(adjoint):
            for s in skeleton(top):
                if id(s) in restores:
                    first.setdefault(restores[id(s)][1], i)
        holders: dict = {}  # array -> the containers holding it
        for container, buffer, _ in _held_by_containers(self.analysis, candidates):
            holders.setdefault(buffer, []).append(container)
        readers = sharing(self.analysis)  # (once: views_of is asked per array)
        dropped = set()
        for base in candidates:
            shared = {base, *views_of(self.analysis, {base}, readers=readers)}
            for container in holders.get(base, ()):
                shared |= {container, *views_of(self.analysis, {container}, readers=readers)}
            if shared & late or base not in first:
                continue
            if all(last_read.get(n, -1) < first[base] for n in shared):
                dropped.add(base)
        if not dropped:
            return
        gone = {rid for rid, (_, base) in restores.items() if base in dropped}
        for s in skeleton(gast.Module(body=adjoint, type_ignores=[])):
            for field in ("body", "orelse"):
                block = getattr(s, field, None)
                if isinstance(block, list) and any(id(b) in gone for b in block):
                    kept = [b for b in block if id(b) not in gone]
                    setattr(s, field, kept or [gast.Pass()])
        adjoint[:] = [b for b in adjoint if id(b) not in gone]

    def _made_here(self, base) -> bool:
        """Whether every binding of `base` makes a new array or list (none a copy or
        phi)."""
        if base in self.analysis.dicts:
            return False
        defs = self.analysis.defs.get(base)
        return bool(defs) and base not in self.analysis.params and all(
            isinstance(d, gast.Assign) and not isinstance(d.value, gast.Name)
            and (d.value.__class__ is gast.List or fresh_result(self.analysis, d))
            for d in defs)
