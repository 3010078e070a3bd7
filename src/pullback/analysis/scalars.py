"""Which names hold scalars, for analysis/activity.py's `Analysis`.

Forward inference from literals, `math` functions, counts and elementwise operations on
scalars (`_forward_scalars`) is sound on its own. Parameters that flow into scalar-only
functions are assumed scalar (`guarded`): the generated gradient checks them when it is
called. Code for scalars needs no broadcasting helpers.
"""

from __future__ import annotations

import builtins

import gast

from .. import rules
from ..ir.annotations import (
    BLOCK,
    SENTINEL,
)
from ..ir.nodes import names
from .classify import _atom_name, _reach_masks

SCALAR_BUILTINS = {builtins.len, builtins.int, builtins.float, builtins.bool, builtins.round}


def _is_math(callee) -> bool:
    return getattr(callee, "__module__", None) == "math"


def _needs(*nodes):
    """The names among `nodes` (None if one is neither a name nor a number literal)."""
    names = []
    for node in nodes:
        if isinstance(node, gast.Constant):
            if not isinstance(node.value, (int, float, bool)):
                return None
        elif isinstance(node, gast.Name):
            names.append(node.id)
        else:
            return None
    return tuple(names)


class ScalarInference:
    """Mixed into `Analysis` (activity.py), whose state it reads."""

    def _scalar_needs(self, s):
        """What makes `s`'s value a scalar: None if nothing does, else the names that must
        all hold scalars (none: it always does). Asked once per definition; the inference's
        rounds then only look names up."""
        op = self.op(s)
        needs = _needs
        value = s.value
        if op.kind == "copy":
            return needs(value)
        if isinstance(value, gast.Compare):
            return needs(value.left, value.comparators[0])
        if isinstance(value, gast.BinOp):
            return None if isinstance(value.op, gast.MatMult) \
                else needs(value.left, value.right)
        if isinstance(value, gast.UnaryOp):
            return needs(value.operand)
        if isinstance(value, gast.Attribute):
            return () if value.attr in ("ndim", "size") else None
        if isinstance(value, gast.Call):
            callee = op.callee
            if callee in SCALAR_BUILTINS or _is_math(callee):
                return ()
            if "elementwise" in rules.kinds_of(callee) or callee in (builtins.min, builtins.max):
                return needs(*value.args, *(k.value for k in value.keywords))
            if "reduction" in rules.kinds_of(callee):
                return () if op.bound.get("axis") is None and not op.bound.get("keepdims") \
                    else None
        return None

    def _scalars(self):
        """(names proven scalar, parameters assumed scalar). Forward inference is sound
        on its own; parameters that flow into scalar-only functions are assumed scalar,
        and the generated gradient checks that assumption when it is called."""
        known: dict = {}  # assumed -> _forward_scalars(assumed): the rounds repeat some

        def forward(assumed):
            key = frozenset(assumed)
            if key not in known:
                known[key] = self._forward_scalars(key)
            return known[key]

        asserted = self._grown(forward, same_block=False)
        # Facts: a name with one definition, consumed as a scalar in the same block, holds
        # a scalar whenever it is set (parameters count as set at the top).
        facts = self._grown(forward, same_block=True)
        guarded = (asserted & set(self.params)) - facts
        return set(forward(facts | guarded)), guarded

    def _grown(self, forward, same_block):
        """The least set of names that holds the names statements consume as scalars
        (in a scalar-only function, or in an elementwise operation with a scalar result)
        when its names, and the scalars `forward` proves from them, hold scalars; with
        `same_block`, only those consumed in the block of their one definition. A name
        assumed passes the assumption on to what it consumes without a new inference
        (closed at once along those links): a round of the inference per link of a chain
        (`a = a * w + b`, a thousand times) was quadratic. What an assumed name, or a
        scalar of the round before, consumes is assumed already: a round looks at the
        new scalars only."""
        always, if_scalar = self._scalar_uses_by_name(same_block)
        assumed: set = set()
        found, before = set(always), set()
        while True:
            scalar = forward(assumed)
            for target in if_scalar.keys() & (scalar - before):
                found.update(if_scalar[target])
            if found <= assumed:
                return assumed
            assumed |= found
            before = scalar
            work = list(found)
            found = set()
            while work:  # what the names now assumed consume
                for n in if_scalar.get(work.pop(), ()):
                    if n not in assumed:
                        assumed.add(n)
                        work.append(n)

    def _decided_by(self, name, s) -> bool:
        """Whether every `if` around `s` is decided by a parameter that `name` depends on
        too (`if x < 1.0: math.sin(x)`: x is a number on that path whenever f runs it with
        a number there); not where a branch's test reads only other inputs (an object's
        flag), which leave `name` free to be an array on the other path."""
        child, node = s, self.owner.get(id(s))
        while node is not None and node is not self.tree:
            if node.__class__ is gast.If and not (
                    BLOCK.of(node) and id(child) not in self.in_orelse):
                reached_from = self._reached_from_params()  # (name -> parameters: bits)
                if not reached_from.get(_atom_name(node.test), 0) & reached_from.get(name, 0):
                    return False  # (the body of a `with` or `try`, a marked if, runs)
            child, node = node, self.owner.get(id(node))
        return True

    def _reached_from_params(self) -> dict:
        """name -> the parameters it is computed from, as bits (bit i: `params[i]`), from
        one sweep over the readers in the order of definition (when a use in an `if`
        first asks): not one walk per parameter."""
        if self._reached_from is None:
            self._reached_from = _reach_masks(
                self.params, self.name_readers(), self.definition_order())
        return self._reached_from

    def _scalar_uses_by_name(self, same_block):
        """`_scalar_uses` by name (of those in the same block, if asked): the names
        always consumed as scalars, and target -> the names consumed as scalars if the
        target is one. Both sortings are made in one pass over the uses."""
        if not self._scalar_names_of:
            owner, tree, defs_of = self.owner, self.tree, self.defs
            params = set(self.params)
            homes: dict = {}  # name -> the block of its one definition (parameters: f's)
            elsewhere = object()  # (the home of a name with several definitions)

            def home(name):
                found = homes.get(name, elsewhere)
                if found is elsewhere and name not in homes:
                    if name in params:
                        found = tree
                    else:
                        defs = defs_of.get(name, ())
                        found = owner.get(id(defs[0])) if len(defs) == 1 else elsewhere
                    homes[name] = found
                return found

            always, if_scalar = set(), {}  # (not same_block)
            always_here, if_scalar_here = set(), {}  # (same_block)
            for target, pairs, if_pairs in self._scalar_uses():
                # (assumed, not same_block: a use in a branch that the inputs reaching the
                # use do not decide assumes nothing: f may take an array on the other path,
                # GELU's `if self.approximate: np.tanh(...)` beside math.erf)
                for n, use in pairs:
                    if n not in always and self._decided_by(n, use):
                        always.add(n)
                    if n not in always_here and home(n) is owner.get(id(use)):
                        always_here.add(n)
                if if_pairs:
                    if_scalar.setdefault(target, []).extend(n for n, _ in if_pairs)
                    block = owner.get(id(if_pairs[0][1]))  # (every pair's use is the statement)
                    here = [n for n, _ in if_pairs if home(n) is block]
                    if here:
                        if_scalar_here.setdefault(target, []).extend(here)
            self._scalar_names_of[False] = (always, if_scalar)
            self._scalar_names_of[True] = (always_here, if_scalar_here)
        return self._scalar_names_of[same_block]

    def _forward_scalars(self, assumed):
        """Names all of whose values are scalars, if the names in `assumed` are: the
        largest set of names (defined, assumed or loop targets; no parameter not assumed)
        in which every name neither assumed nor a loop target has definitions (but
        sentinels) each of whose needs (`_scalar_needs`) are names of the set. Found as
        its complement, the least set of the names such a definition leaves out, from
        the definitions that need something no name gives (None, a global, a parameter
        not assumed) along the names whose needs read them: only the names that are not
        scalars are visited (an inference with the parameters assumed visits few)."""
        needs = self._needs_of
        if needs is None:  # (what each definition needs, read once, for every inference)
            needs = self._needs_of = self._scalar_needs_by_name()
        failing, readers, outside = needs
        params = self.params
        blocked = set(assumed) | self.loop_targets
        blocked.update(params)  # (a parameter: assumed, or no scalar whatever it reads)
        not_scalar = {n for n in failing if n not in blocked}
        work = list(not_scalar)
        work.extend(m for m in outside if m not in assumed)
        while work:
            for n in readers.get(work.pop(), ()):
                if n not in blocked and n not in not_scalar:
                    not_scalar.add(n)
                    work.append(n)
        scalar = set(self.defs) | set(assumed) | self.loop_targets
        scalar -= set(params) - set(assumed)
        scalar -= not_scalar
        return scalar

    def _scalar_needs_by_name(self):
        """(the names with a definition that nothing makes a scalar, name -> the names
        whose definitions need it to be one, the names needed that no assumption can
        make scalars but a parameter's: parameters and names neither defined nor loop
        targets), from one look at each definition (but sentinels)."""
        failing, readers = [], {}
        for name, defs in self.defs.items():
            for s in defs:
                if SENTINEL.of(s):
                    continue
                need = self._scalar_needs(s)
                if need is None:
                    failing.append(name)
                    break
                for m in need:
                    readers.setdefault(m, []).append(name)
        defined, loop_targets = self.defs, self.loop_targets
        outside = [m for m in readers
                   if m in self.params or m not in defined and m not in loop_targets]
        return failing, readers, outside

    def name_readers(self):
        """name -> the names whose definitions read it (a name once per read; the shape
        facts, shapes.py, read it too when it is made)."""
        if self._readers_of is None:
            self._readers_of = {}
            for name, defs in self.defs.items():
                for s in defs:
                    for n in names(s.value):
                        self._readers_of.setdefault(n.id, []).append(name)
        return self._readers_of

    def _scalar_uses(self):
        """Per assignment to a name: (its name, the (name, statement) pairs it consumes
        as scalars, those it consumes as scalars if its own name is scalar). Computed
        once: the scalar inference asks for them at every round."""
        if self._scalar_uses_of is not None:
            return self._scalar_uses_of
        self._scalar_uses_of = uses = []
        ops, phi_loop, owner = self.ops, self.phi_loop, self.owner
        name_cls, call_cls = gast.Name, gast.Call
        for s in self.assigns:
            target = s.targets[0]
            if target.__class__ is not name_cls:
                continue
            op, value = ops[id(s)], s.value
            cls = value.__class__
            always, if_scalar = (), ()
            if cls is call_cls and _is_math(op.callee):
                always = value.args
            elif cls is gast.BinOp:
                if value.op.__class__ is not gast.MatMult:
                    if_scalar = (value.left, value.right)
            elif cls is gast.UnaryOp:
                if_scalar = (value.operand,)
            elif op.kind == "copy":
                if_scalar = (value,)
            elif cls is call_cls and "elementwise" in rules.kinds_of(op.callee):
                if_scalar = value.args
            pairs = []
            for args in (always, if_scalar):
                found = []
                for a in args:
                    if a.__class__ is not name_cls:
                        continue
                    loop = phi_loop.get(a.id)
                    # A loop name seen at the top of its own loop body holds a scalar in
                    # every iteration; seen anywhere else, only some of its values are known.
                    if loop is None or owner.get(id(s)) is loop:
                        found.append((a.id, s))
                pairs.append(found)
            if pairs[0] or pairs[1]:
                uses.append((target.id, *pairs))
        return uses
