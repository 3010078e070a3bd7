"""Stage 5, activity (shape facts): what the optimizing pass may assume about shapes.

Guarantees, for an SSA function and its `Analysis`:
- `same_shape(a, b)` is True only if names `a` and `b` hold values of one shape
  whenever a statement's adjoint reads both: each is defined once, and one is
  computed from the other by elementwise operations, broadcasts against proven
  scalars, and broadcasts against reductions of it along one axis (`x - np.max(x,
  axis=1, keepdims=True)` has the shape of `x`). A gradient summed back to such an
  operand needs no `unbroadcast`;
- `numpy_value(node)` is True only for values certainly NumPy arrays or scalars
  (results of NumPy's elementwise functions, reductions and matrix products, and
  of arithmetic with them), which therefore are never Python lists;
- `shift_constants` holds the names `m = np.max(v, axis)` (or min) whose every use
  is a shift that the function takes back exactly: `m + log(sum(exp(v - m)))`,
  `exp(v - m) / sum(exp(v - m))`, `(v - m) - log(sum(exp(v - m)))` along m's axis.
  The function's result does not depend on m in exact arithmetic, so m's gradient
  is exactly zero and m is treated as a constant (its gradient, rounding error
  around zero, is never computed).

Shapes are tokens: ("scalar",) for shape (), ("root", name) for the shape of a
name's value, and ("keep" | "drop", token, axis) for a reduction along one axis
with or without keepdims. Equal tokens mean equal shapes.

Example: a softmax's shift `m` is taken back exactly; `e` keeps the shape of `x`.

>>> from pullback.frontend.parse import parse_function
>>> from pullback.lower.normalize import normalize
>>> from pullback.lower.ssa import to_ssa
>>> from pullback.emit.codegen import to_source
>>> import numpy as np
>>> from pullback.analysis.activity import Analysis
>>> def f(x):
...     m = np.max(x, axis=1, keepdims=True)
...     e = np.exp(x - m)
...     return np.sum(e / np.sum(e, axis=1, keepdims=True))
>>> parsed = parse_function(f)
>>> tree = to_ssa(normalize(parsed.tree, parsed))
>>> print(to_source(tree))
def f(x):
    m = np.max(x, axis=1, keepdims=True)
    sub = x - m
    e = np.exp(sub)
    total = np.sum(e, axis=1, keepdims=True)
    div = e / total
    out = np.sum(div)
    return out
>>> shapes = Analysis(tree, parsed, {"x"}).shapes
>>> sorted(shapes.shift_constants), shapes.same_shape("e", "sub"), shapes.same_shape("e", "total")
(['m'], True, False)
"""

from __future__ import annotations

import collections
import heapq
import operator

import gast

from ..ir.annotations import SENTINEL
from ..ir.nodes import names as names_in
from ..ir.nodes import walk
from ..rules import kinds_of
from ..rules.shifts import ADD, BINARY, SHAPE_ONLY, SHIFT_PRESERVING, SHIFTABLE, UNARY

SCALAR = ("scalar",)
OPERATORS = {operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
             operator.mod, operator.neg, operator.pos}


def _literal(value, default=None):
    """The Python value of a rule argument that is a literal, else `default`."""
    if isinstance(value, gast.Constant):
        return value.value
    return default if isinstance(value, gast.AST) else value


def _broadcast(t1, t2):
    """The token of the broadcast of two tokens, or None when unknown."""
    if t1 is None or t2 is None:
        return None
    if TOP in (t1, t2):
        return TOP
    if t1 == t2 or t2 == SCALAR:
        return t1
    if t1 == SCALAR:
        return t2
    for a, b in ((t1, t2), (t2, t1)):
        if b[0] == "keep" and b[1] == a:  # a size-1 axis stretches back to a's size
            return a
        if b[0] == "drop" and b[1] == a and b[2] == 0:  # trailing axes line up
            return a
        if a[0] == "keep" and b[0] == "drop" and a[1] == b[1] and a[2] == b[2] == 0:
            return a
    return None


TOP = ("not known yet",)  # optimistic start of the fixpoint: no value seen so far


class Shapes:
    def __init__(self, analysis, optimize=True):
        self.analysis = analysis
        self.optimize = optimize
        self.tokens: dict[str, tuple | None] = {}
        self._numpy: dict[str, bool] = {}  # name -> numpy_value of it, once known
        self._numpy_open: set[str] = set()  # names whose operands are being decided
        self._fixpoint()
        self._reads_of = None  # name -> how many times the function reads it
        self.shift_constants = self._shift_constants() if optimize else set()

    def same_shape(self, a: str, b: str) -> bool:
        if not self.optimize:
            return False
        ta = self.tokens.get(a)
        return ta is not None and ta == self.tokens.get(b)

    # tokens --------------------------------------------------------------------------

    def token(self, node):
        if isinstance(node, gast.Constant):
            return SCALAR if type(node.value) in (int, float, bool) else None
        return self.tokens.get(node.id) if isinstance(node, gast.Name) else None

    def _fixpoint(self):
        """Every name's token. A name set in several places (a loop name, a merge of
        branches) starts unknown, takes the token of the first value seen, and loses it
        for good when another value disagrees; names computed from it follow. At the
        fixpoint every value a name receives has its token.

        The names are visited in sorted order, round after round, until a round changes
        nothing; a name whose inputs did not change since it was last visited would not
        change, so only the names that read a changed name are visited again (in this
        round if they come after it, else in the next)."""
        names = sorted(set(self.analysis.defs) | set(self.analysis.params))
        self.tokens = tokens = dict.fromkeys(names, TOP)
        position = {name: i for i, name in enumerate(names)}
        # a proven scalar's token is SCALAR from its first visit on, whatever the others'
        # (_compute): it is set in the first round, and never visited again (a visit
        # would change nothing)
        scalar = self.analysis.scalar
        # name -> the names computed from it (those not proven scalar are enough: the
        # scalar inference's table if it made one, else one of those only)
        readers = self.analysis._readers_of
        if readers is None:
            readers = {}
            for name, defs in self.analysis.defs.items():
                if name not in scalar:
                    for s in defs:
                        for n in names_in(s.value):
                            readers.setdefault(n.id, []).append(name)
        visits: list = []  # (round, position) of the later rounds: a heap
        queued: set = set()

        def changed(round_, i, name):
            for reader in readers.get(name, ()):
                j = position[reader]
                if round_ == 0 and j > i or reader in scalar:
                    continue  # (the first round visits it still)
                later = (round_ if j > i else round_ + 1, j)
                if later not in queued:
                    queued.add(later)
                    heapq.heappush(visits, later)

        def visit(round_, i):
            name = names[i]
            old = tokens[name]
            new = self._compute(name)
            if old not in (TOP, new) and self._is_merge(name):
                new = None  # a merge that changed its mind knows nothing
            if new == old:
                return
            tokens[name] = new
            changed(round_, i, name)

        for i, name in enumerate(names):  # the first round: every name, in order
            if name in scalar:
                tokens[name] = SCALAR
                changed(0, i, name)
            else:
                visit(0, i)
        while visits:
            turn = heapq.heappop(visits)
            queued.discard(turn)
            visit(*turn)
        self.tokens = {n: (None if t == TOP else t) for n, t in tokens.items()}

    def _is_merge(self, name) -> bool:
        return name in self.analysis.params or len(self.analysis.defs.get(name, ())) != 1

    def _compute(self, name):
        a = self.analysis
        if name in a.scalar:
            return SCALAR
        defs = a.defs.get(name, [])
        if self._is_merge(name):
            sources = [d.value for d in defs if not SENTINEL.of(d)]
            seen = [self.token(v) for v in sources]
            if name in a.params:
                seen.append(("root", name))
            if None in seen:
                return None
            seen = [t for t in seen if t != TOP]
            if not seen:
                return TOP
            return seen[0] if all(t == seen[0] for t in seen) else None
        return self._derived(defs[0]) or ("root", name)

    def _derived(self, s):
        op = self.analysis.op(s)
        if op.kind == "copy" and "x" in op.inputs:
            return self.token(op.inputs["x"])
        if op.kind != "rule":
            return None
        callee = op.callee
        if callee in OPERATORS or "elementwise" in kinds_of(callee):
            params = op.rule.broadcast or list(op.rule.signature.parameters)[:1]
            operands = [op.bound[p] for p in params]
            if callee in OPERATORS and not self._numeric_semantics(operands):
                return None
            token = SCALAR
            for operand in operands:
                token = _broadcast(token, self.token(operand))
            return token
        if "shape-preserving" in kinds_of(callee):
            return self.token(op.bound[next(iter(op.rule.signature.parameters))])
        if callee is None and op.name in (".copy", ".astype"):
            return self.token(next(iter(op.inputs.values())))
        if "reduction" in kinds_of(callee) and {"a", "axis", "keepdims"} <= set(op.bound):
            axis = _literal(op.bound["axis"], default=...)
            keepdims = _literal(op.bound["keepdims"], default=...)
            if type(keepdims) is not bool:
                return None
            if axis is None:
                return None if keepdims else SCALAR
            operand = self.token(op.bound["a"])
            if type(axis) is not int or operand in (None, TOP):
                return operand if operand == TOP else None
            return ("keep" if keepdims else "drop", operand, axis)
        return None

    def _numeric_semantics(self, operands) -> bool:
        """Python's operators on lists and tuples join or repeat them: only when an
        operand is a NumPy value (or all are numbers) do they act elementwise."""
        return all(self.token(o) == SCALAR for o in operands) or any(
            self.numpy_value(o) for o in operands)

    def numpy_value(self, node) -> bool:
        """Whether `node` certainly holds a NumPy array or scalar (never a Python list)."""
        if not isinstance(node, gast.Name):
            return False
        pending = [node.id]
        while pending:  # depth first, without recursion: chains of operators are long
            name = pending[-1]
            if name in self._numpy:
                pending.pop()
                continue
            verdict, operands = self._numpy_direct(name)
            unknown = [v for v in operands if v not in self._numpy]
            if verdict is not None or not unknown or name in self._numpy_open:
                self._numpy[name] = bool(verdict) or any(self._numpy.get(v, False)
                                                         for v in operands)
                pending.pop()
            else:
                self._numpy_open.add(name)
                pending.extend(unknown)
        return self._numpy[node.id]

    def _numpy_direct(self, name):
        """(True or False when the definition of name settles it, else None; the names of
        operands which hold a NumPy value if any of them does)."""
        if len(self.analysis.defs.get(name, [])) != 1:
            return False, []
        op = self.analysis.op(self.analysis.defs[name][0])
        if op.kind != "rule":
            return False, []
        if op.callee is operator.matmul or (op.callee not in OPERATORS and op.callee is not None
                                            and op.rule.arrays and kinds_of(op.callee)
                                            & {"elementwise", "reduction"}):
            return True, []
        if op.callee not in OPERATORS:
            return False, []
        return None, [v.id for v in op.bound.values() if isinstance(v, gast.Name)]

    # shifts that cancel --------------------------------------------------------------

    def _shift_constants(self):
        found = set()
        ops = self.analysis.ops
        for s in self.analysis.by_kind.get("rule", ()):  # (assignments to names)
            target = s.targets[0]
            op = ops[id(s)]  # (the rare candidates first: then the definitions counted)
            if op.callee in SHIFTABLE \
                    and len(self.analysis.defs.get(target.id, ())) == 1 and self._cancels(s, op):
                found.add(target.id)
        return found

    def _cancels(self, s, op) -> bool:
        """Whether every use of m = max(v, axis) is part of a shift the function undoes."""
        axis = _literal(op.bound["axis"], default=...)
        v = self.token(op.bound["a"])
        if (axis is not None and type(axis) is not int) or v is None:
            return False
        m = s.targets[0].id
        block, at = self.analysis._place(s)
        readers = self._block_readers(block)
        shifted = {m: (ADD, 1)}
        consumed = []  # statements that read shifted values
        unused = []  # copies whose value nothing reads (a loop's m for after the loop)
        # the statements after s in its block that read a shifted value, in order: each
        # shifted name's readers, found in the block's table (a scan of the rest of the
        # block per max() was quadratic in a block of many)
        after = [i for i in readers.get(m, ()) if i > at]
        heapq.heapify(after)
        seen = set()
        while after:
            i = heapq.heappop(after)
            if i in seen:
                continue
            seen.add(i)
            t = block[i]
            if self._unused(t):
                unused.append(t)
                continue
            if not isinstance(t, gast.Assign) or not isinstance(t.targets[0], gast.Name) \
                    or len(self.analysis.defs.get(t.targets[0].id, ())) != 1:
                return False
            result = self._shift_of(t, shifted, axis, v)
            if result is False:
                return False
            # m broadcast into the result keeps its axis (a scalar m fits anywhere)
            if result is not None and axis is not None and not self._tokens_of(t) <= {
                    v, ("keep", v, axis), ("drop", v, axis)}:
                return False
            if result is not None:
                if t.targets[0].id not in shifted:
                    for j in readers.get(t.targets[0].id, ()):
                        if j > i:
                            heapq.heappush(after, j)
                shifted[t.targets[0].id] = result
            consumed.append(t)
        # No other statement (the return included) reads a shifted value; an unused max
        # is no shift.
        if not consumed:
            return False
        if not hasattr(self, "_reads_in_tree"):  # (counted once, not per max)
            self._reads_in_tree = collections.Counter(
                n.id for n in walk(self.analysis.tree)
                if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load))
        return sum(self._reads_in_tree[n] for n in shifted) == sum(
            _count_reads(t, shifted) for t in consumed + unused)

    def _block_readers(self, block) -> dict:
        """name -> the positions, ascending, of the statements of `block` reading it
        (anywhere under them), made once per block."""
        if not hasattr(self, "_readers_in_block"):
            self._readers_in_block: dict = {}
        found = self._readers_in_block.get(id(block))
        if found is None or found[0] is not block:
            table: dict = {}
            for i, t in enumerate(block):
                for n in walk(t):
                    if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load):
                        positions = table.setdefault(n.id, [])
                        if not positions or positions[-1] != i:
                            positions.append(i)
            found = self._readers_in_block[id(block)] = (block, table)
        return found[1]

    def _tokens_of(self, t) -> set:
        """The tokens t's result may have: its own, or where that is not known, those of
        the broadcast of its operands, an operand made by a helper that reads an array
        for its shape only (`unbroadcast(g, log)`: log's shape, or a number when g is
        the zero 0.0) taken as either."""
        token = self.token(t.targets[0])
        op = self.analysis.op(t)
        if token not in (None, ("root", t.targets[0].id)) or op.kind != "rule" \
                or op.callee not in BINARY:
            return {token}
        out, substituted = {SCALAR}, False
        for p in op.rule.broadcast:
            operand = op.bound[p]
            options = {self.token(operand)}
            defs = self.analysis.defs.get(operand.id, ()) if isinstance(
                operand, gast.Name) else ()
            if len(defs) == 1 and options <= {None, ("root", operand.id)}:
                made = self.analysis.op(defs[0])
                shape_only = SHAPE_ONLY.get(made.callee, ()) if made.kind == "rule" else ()
                if len(shape_only) == 1:
                    options = {self.token(made.bound[next(iter(shape_only))]), SCALAR}
                    substituted = True
            out = {_broadcast(a, b) for a in out for b in options}
        return out if substituted else {token}

    def _unused(self, t) -> bool:
        """Whether `t` assigns a name the function never reads."""
        if self._reads_of is None:
            self._reads_of = collections.Counter(
                n.id for n in walk(self.analysis.tree)
                if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load))
        return isinstance(t, gast.Assign) and isinstance(t.targets[0], gast.Name) \
            and not self._reads_of[t.targets[0].id] and t.targets[0].id != self.analysis.result

    def _shift_of(self, t, shifted, axis, v):
        """The shift (kind, coefficient) of t's result, None if it does not depend on m,
        False if the analysis cannot tell."""
        op = self.analysis.op(t)
        if op.kind == "copy":
            return shifted[op.inputs["x"].id]
        if op.kind != "rule":
            return False
        callee = op.callee
        operands = {p: shifted.get(a.id) if isinstance(a, gast.Name) else None
                    for p, a in op.bound.items()}
        carried = [p for p, k in operands.items() if k]
        if callee in SHAPE_ONLY and set(carried) <= SHAPE_ONLY[callee]:
            return None  # the shift does not reach the result
        if callee in BINARY:
            want, sign = BINARY[callee]
            x, y = (operands[p] for p in op.rule.broadcast)
            if any(k is not None and k[0] != want for k in (x, y)):
                return False
            c = (x[1] if x else 0) + sign * (y[1] if y else 0)
            return (want, c) if c else None
        if len(carried) != 1:
            return False
        kind, c = operands[carried[0]]
        if callee in SHIFT_PRESERVING:
            # reducing f + c*m (or f * exp(c*m)) along an axis where m is constant
            here = _literal(op.bound["axis"], default=...)
            along = axis is None or (type(here) is int and here == axis and self.token(
                op.bound["a"]) in (v, ("keep", v, axis)))
            keeps = SHIFT_PRESERVING[callee]
            return (kind, c) if carried == ["a"] and along and keeps in (None, kind) else False
        return UNARY.get((callee, kind), lambda c: False)(c)


def _count_reads(node, names) -> int:
    return sum(isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id in names
               for n in walk(node))
