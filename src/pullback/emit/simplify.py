"""Stage 7, simplify: rewrites that never change a value.

Guarantees:
- arithmetic on literal numbers is folded (`2 - 1` -> `1`), `x ** 1` is `x`, a
  rule's choice on a literal (`a if None is None else b`) is made, and the power
  rule on a literal exponent is written out (`g * 2 * x`);
- copy propagation: after `a = b`, reads of `a` in the same straight-line block
  read `b` instead, until either name is assigned again (a statement that
  assigns neither keeps the copy valid; a loop or branch that assigns either
  ends it); self-assignments `a = a` disappear; after `a = 1.0` (a scalar result's
  seed), `a * v` is `v` where v is a Python float (a float literal, a `math` call or a
  name it was assigned to in the block);
- `d = unreduce(g, x, ...)` read only in `d * x` becomes `expand_reduced(g, x, ...)`,
  or `g` itself when it kept its dimensions or lost only the leading one (axis 0):
  the product broadcasts g over x's shape itself, with the same values;
- dead code: copies (`a = b`, `a = <literal>`) whose `a` is never read, or is
  assigned again before any read, and pure assignments (arithmetic, indexing,
  attributes, and calls of NumPy functions from the rule tables or of the helpers
  that never mutate) whose name is never read, are removed, until none is left;
  the user's own statements only when they cannot raise (the reverse stage marks
  the others `may_raise`), so the gradient fails wherever f fails, or when the next
  statement that can raise raises for the same arguments with the same error (an unread
  `s = math.sin(a)` followed by the adjoint's `math.cos(a)`: `_raises_next`).
Statements with effects (other calls, subscript writes, pushes and pops) are never
removed or reordered.

Example:

>>> import gast
>>> from pullback.emit.codegen import to_source
>>> tree = gast.parse('''
... def dk(x, g):
...     a = g
...     b = a * (2 - 1)
...     unused = x * 3.0
...     return b
... ''').body[0]
>>> print(to_source(simplify(tree, set())))
def dk(x, g):
    b = g * 1
    return b
<BLANKLINE>
"""

from __future__ import annotations

import bisect
import operator

import gast

from .. import rules
from ..ir.annotations import BLOCK, MAY_RAISE, SHAPE_ONLY
from ..ir.nodes import (
    child_fields,
    const,
    dotted_name,
    names,
    not_,
    skeleton,
    walk,
)

_FOLD = {gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul}


def _number(node):
    return isinstance(node, gast.Constant) and type(node.value) in (int, float)


def _fold(node, called=None, chains=None, stmt=None):
    """node with its parts folded first, then itself (what a NodeTransformer with the
    `_FOLDS` as visit methods does, without its per-node dispatch; names and constants,
    half the nodes, hold nothing to fold and are not entered). `called` (a set) gathers
    the names of the functions called by name. `chains` (a list) gets, for each whole
    chain of attributes on `np` or `math` in the folded tree, (parent, field, index in
    the field's list or None, the chain, the innermost statement holding it: `stmt` for
    node's own), as codegen's `_chains_under` lists them (for `guard_unpatched`, which
    then need not walk the tree again); a None in it says it may miss some."""
    cls = node.__class__
    fields = _FIELDS.get(cls)
    if fields is None:
        fields = _FIELDS[cls] = child_fields(cls)
    start = None if chains is None else len(chains)
    link = cls is _ATTRIBUTE  # (a link of a longer chain: not a chain's parent)
    for field in fields:
        value = getattr(node, field, None)
        if value.__class__ is list:
            for i, item in enumerate(value):
                if item.__class__ is _ASSIGN and len(item.targets) == 1 \
                        and item.targets[0].__class__ is _NAME:
                    # a statement `name = value` (most of them): its value folded here,
                    # as its own visit would (a Name target holds nothing to fold)
                    if item.value.__class__ not in _LEAVES:
                        item.value = folded = _fold(item.value, called, chains, item)
                        if chains is not None and folded.__class__ is _ATTRIBUTE \
                                and _root(folded) in _CHAINED:
                            chains.append((item, "value", None, folded, item))
                elif item.__class__ not in _LEAVES and isinstance(item, gast.AST):
                    if chains is None:
                        value[i] = _fold(item, called)
                        continue
                    if isinstance(item, gast.stmt):
                        if item.__class__ in _DEFINITIONS:  # its parameters: Name nodes,
                            chains.append(None)  # whose annotations are not entered here
                        value[i] = _fold(item, called, chains, item)
                        continue
                    value[i] = folded = _fold(item, called, chains, stmt)
                    if not link and folded.__class__ is _ATTRIBUTE \
                            and _root(folded) in _CHAINED:
                        chains.append((node, field, i, folded, stmt))
        elif value.__class__ not in _LEAVES and isinstance(value, gast.AST):
            folded = _fold(value, called, chains, stmt)
            if folded is not value:
                setattr(node, field, folded)
            if chains is not None and not link and folded.__class__ is _ATTRIBUTE \
                    and _root(folded) in _CHAINED:
                chains.append((node, field, None, folded, stmt))
    if called is not None and cls is gast.Call and node.func.__class__ is gast.Name:
        called.add(node.func.id)
    fold = _FOLDS.get(cls)
    if fold is None:
        return node
    new = _fold_call(node, chains, stmt) if cls is gast.Call else fold(node)
    if new is not node and chains is not None and len(chains) > start:
        # node left the tree, and its parts but those `new` holds: so did their chains
        under = {id(n) for n in walk(new)}
        chains[start:] = [c for c in chains[start:] if c is None or id(c[0]) in under]
    return new


def _root(node):
    """The name a chain of attributes starts from, or None."""
    while node.__class__ is _ATTRIBUTE:
        node = node.value
    return node.id if node.__class__ is _NAME else None


_LEAVES = (gast.Name, gast.Constant)
_ASSIGN, _NAME, _ATTRIBUTE = gast.Assign, gast.Name, gast.Attribute
_CHAINED = ("np", "math")  # (codegen's: the modules whose chains guard_unpatched binds)
_DEFINITIONS = (gast.FunctionDef, gast.AsyncFunctionDef, gast.ClassDef)
_FIELDS: dict = {}  # node class -> child_fields(class)


def _fold_binop(node):
    fold = _FOLD.get(type(node.op))
    if fold and _number(node.left) and _number(node.right):
        return const(fold(node.left.value, node.right.value))
    if isinstance(node.op, gast.Pow) and _number(node.right) and node.right.value == 1 \
            and type(node.right.value) is int:
        return node.left
    return node


def _fold_call(node, chains=None, stmt=None):
    if isinstance(node.func, gast.Name) and node.func.id == "pow_grad_base" \
            and len(node.args) == 3 and _number(node.args[2]) and not (
            isinstance(node.args[2].value, float) and node.args[2].value < 1
            and not node.args[2].value.is_integer()):  # (a root, `x ** 0.5`: infinite at
        g, a, b = node.args  # 0, where pow_grad_base gives 0 for a zero g, not g * inf)
        if b.value == 0:
            return const(0.0)
        power = gast.BinOp(left=a, op=gast.Pow(), right=const(b.value - 1))
        # the factor as a float (`dadd * 2.0 * x`): g is a gradient, a float or float array
        # Python and NumPy multiply by the integer converted first; the float skips that
        # conversion in every call (CPython multiplies two floats on its fast path)
        factor = const(float(b.value)) if type(b.value) is int and abs(b.value) < 2**53 else b
        return _fold(gast.BinOp(
            left=gast.BinOp(left=g, op=gast.Mult(), right=factor), op=gast.Mult(),
            right=power), None, chains, stmt)
    return node


def _fold_compare(node):
    left, right = node.left, node.comparators[0]
    if len(node.ops) == 1 and isinstance(node.ops[0], (gast.Is, gast.IsNot)) \
            and isinstance(left, gast.Constant) and isinstance(right, gast.Constant) \
            and right.value is None:
        return const((left.value is None) == isinstance(node.ops[0], gast.Is))
    return node


def _fold_ifexp(node):
    if isinstance(node.test, gast.Constant) and isinstance(node.test.value, bool):
        return node.body if node.test.value else node.orelse
    return node


def _fold_boolop(node):
    """`True and x` -> x, `False and x` -> False (and `or` alike), for the leading bool
    constants a rule template's tests fold to (`where is None and initial is None`)."""
    absorbing = isinstance(node.op, gast.Or)  # the value that decides the whole test
    values = list(node.values)
    while values and isinstance(values[0], gast.Constant) and type(values[0].value) is bool:
        if values[0].value is absorbing:
            return values[0]
        values.pop(0)
    if not values:
        return const(not absorbing)
    if len(values) == 1:
        return values[0]
    node.values = values
    return node


_FOLDS = {gast.BinOp: _fold_binop, gast.Call: _fold_call, gast.Compare: _fold_compare,
          gast.IfExp: _fold_ifexp, gast.BoolOp: _fold_boolop}


def _rename_reads(found, mapping) -> None:
    """Reads among the Name nodes `found` of the names `mapping` holds renamed in place."""
    if mapping:
        load = gast.Load
        for n in found:
            if n.id in mapping and n.ctx.__class__ is load:
                n.id = mapping[n.id]


def _mentions(found) -> tuple[list, set]:
    """(the names read, each as often as read; the names stored) of the Name nodes
    `found`: what `_drop_dead_code` knows of a statement (of a branch or loop: of its
    test, target and iterator)."""
    reads, stores = [], set()
    load, store = gast.Load, gast.Store
    for n in found:
        ctx = n.ctx.__class__
        if ctx is load:
            reads.append(n.id)
        elif ctx is store:
            stores.add(n.id)
    return reads, stores


def _renamed_mentions(node, mapping) -> tuple[list, set]:
    """`_mentions(names(node))` after `_rename_reads(names(node), mapping)`, in one walk
    (`names`'s, in its order)."""
    reads, stores = [], set()
    load, store, name_cls = gast.Load, gast.Store, gast.Name
    rename = mapping.get
    todo = [node]
    append = todo.append
    fields_of = _FIELDS.get
    for n in todo:
        cls = n.__class__
        if cls is name_cls:
            ctx = n.ctx.__class__
            if ctx is load:
                new = rename(n.id)
                if new is not None:
                    n.id = new
                reads.append(n.id)
            elif ctx is store:
                stores.add(n.id)
            if n.annotation is not None:
                append(n.annotation)
            continue
        fields = fields_of(cls)
        if fields is None:
            fields = _FIELDS[cls] = child_fields(cls)
        for field in fields:
            value = getattr(n, field, None)
            if value.__class__ is list:
                for v in value:
                    if isinstance(v, gast.AST):
                        append(v)
            elif isinstance(value, gast.AST):
                append(value)
    return reads, stores


def _is_copy(stmt) -> bool:
    """`a = b` or `a = <literal>`: removable when `a` is never read."""
    return isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name) \
        and isinstance(stmt.value, (gast.Name, gast.Constant))


_PURE_NODES = (gast.Name, gast.Constant, gast.BinOp, gast.UnaryOp, gast.Compare, gast.Tuple,
               gast.List, gast.Subscript, gast.Slice, gast.Attribute, gast.expr_context,
               gast.operator, gast.unaryop, gast.cmpop, gast.keyword, gast.Call)


def _is_pure(expr) -> bool:
    for n in walk(expr):
        if not isinstance(n, _PURE_NODES):
            return False
        if isinstance(n, gast.Call):
            func = dotted_name(n.func)
            if func not in rules.PURE_CALLS:
                return False
    return True


def _is_dead_if_unread(stmt) -> bool:
    return _is_copy(stmt) or isinstance(stmt, gast.Assign) and isinstance(
        stmt.targets[0], gast.Name) and not MAY_RAISE.of(stmt) \
        and _is_pure(stmt.value)


# `math` functions that return a Python float whatever they are given (never an int:
# not floor, ceil, trunc, factorial, comb, perm, gcd, lcm, isqrt, prod)
_FLOAT_MATH = frozenset(f"math.{name}" for name in (
    "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "cbrt", "copysign", "cos",
    "cosh", "degrees", "erf", "erfc", "exp", "exp2", "expm1", "fabs", "fmod", "fsum", "gamma",
    "hypot", "ldexp", "lgamma", "log", "log10", "log1p", "log2", "pow", "radians",
    "remainder", "sin", "sinh", "sqrt", "tan", "tanh", "dist"))


def _is_one(node, ones) -> bool:
    return node.__class__ is gast.Name and node.id in ones and isinstance(node.ctx, gast.Load)


def _is_float(node, floats) -> bool:
    """Whether node is a Python float: a float literal, a `math` call returning one, or a
    name in `floats` (assigned such a call)."""
    cls = node.__class__
    return cls is gast.Constant and node.value.__class__ is float \
        or cls is gast.Call and dotted_name(node.func) in _FLOAT_MATH \
        or cls is gast.Name and node.id in floats


def _unit_products(node, ones, floats):
    """node with each product of a name holding the literal 1.0 (`ones`: a scalar result's
    seed, `dout = 1.0`) and a Python float (`_is_float`) replaced by that float: 1.0 * v
    is v exactly, NaN and -0.0 included. A product with anything else (an int, an array,
    whose type or identity the product changes) is left as it is."""
    if node.__class__ is gast.BinOp and node.op.__class__ is gast.Mult:
        node.left = _unit_products(node.left, ones, floats)
        node.right = _unit_products(node.right, ones, floats)
        for one, other in ((node.left, node.right), (node.right, node.left)):
            if _is_one(one, ones) and _is_float(other, floats):
                return other
        return node
    for field in child_fields(node.__class__):
        value = getattr(node, field, None)
        if value.__class__ is list:
            for i, item in enumerate(value):
                if isinstance(item, gast.expr):
                    value[i] = _unit_products(item, ones, floats)
        elif isinstance(value, gast.expr):
            setattr(node, field, _unit_products(value, ones, floats))
    return node


def _propagate(stmts: list, mentioned: dict, stored=None, loads=None, census=None) -> list:
    """The statements with copies propagated; the names they assign are added to `stored`
    (a compound statement's, found as its blocks are propagated, so that nested blocks
    are not walked again for them). A name holding the literal 1.0 is taken out of the
    products that `_unit_products` makes exact. `mentioned` gets, per statement kept
    (by id), what `_mentions` says of it as it now reads (of a branch or loop: of its
    test, target and iterator; of a with statement: of all of it): each statement's names
    are listed once for both passes. `loads` (name -> times read) counts the reads of
    the statements kept, as `_drop_dead_code` starts from them (a with statement's body
    is counted as part of it, not statement by statement); `census` gets "loop" if a
    `while` loop, or a statement holding statements that is not walked here, is met."""
    copies: dict[str, str] = {}  # a -> b after `a = b`
    copied: dict[str, set] = {}  # b -> the names a holding a copy of it
    ones: set = set()  # names holding the literal 1.0 (float)
    floats: set = set()  # names holding what a `math` call returning a float returned
    if stored is None:
        stored = set()

    def kill(names):
        ones.difference_update(names)
        floats.difference_update(names)
        for name in names:
            source = copies.pop(name, None)
            if source is not None:
                copied[source].discard(name)
            for a in copied.pop(name, ()):
                del copies[a]

    def count(reads):
        if loads is not None:
            for name in reads:
                loads[name] = loads.get(name, 0) + 1

    out = []
    assign_cls = gast.Assign
    for s in stmts:
        if s.__class__ is assign_cls:
            reads, stores = _renamed_mentions(s.value, copies)
            if ones and any(name in ones for name in reads):
                s.value = _unit_products(s.value, ones, floats)
                reads, stores = _mentions(names(s.value))
            target = s.targets[0]
            value = s.value
            if target.__class__ is gast.Name:
                name = target.id
                copy = value.__class__ is gast.Name or value.__class__ is gast.Constant
                if copy and value.__class__ is gast.Name and value.id == name:
                    stored.add(name)
                    continue  # a = a
                stores.add(name)
                mentioned[id(s)] = (s, reads, stores)
                if loads is not None:  # (count(reads), written out)
                    for name_read in reads:
                        loads[name_read] = loads.get(name_read, 0) + 1
                # (kill((name,)), written out: the statement most often met)
                ones.discard(name)
                floats.discard(name)
                source = copies.pop(name, None)
                if source is not None:
                    copied[source].discard(name)
                for a in copied.pop(name, ()):
                    del copies[a]
                stored.add(name)
                if copy and value.__class__ is gast.Name:
                    copies[name] = value.id
                    if census is not None and (name in _CHAINED or value.id in _CHAINED):
                        census.add("chain copied")  # (reads renamed: chains made or undone)
                    copied.setdefault(value.id, set()).add(name)
                elif copy and value.value.__class__ is float and value.value == 1.0:
                    ones.add(name)
                elif value.__class__ is gast.Call and dotted_name(value.func) in _FLOAT_MATH:
                    floats.add(name)
            else:
                if target.__class__ is gast.Subscript:
                    target_reads, target_stores = _renamed_mentions(target, copies)
                else:
                    target_reads, target_stores = _mentions(names(target))
                mentioned[id(s)] = (s, target_reads + reads, target_stores | stores)
                count(target_reads)
                count(reads)
                kill(target_stores)  # the names the target assigns
                stored.update(target_stores)
        elif isinstance(s, (gast.With, gast.If, gast.For, gast.While)):
            # its blocks start with no copies: propagated first, they tell what it assigns
            inner: set = set()
            with_ = isinstance(s, gast.With)
            s.body = _propagate(s.body, mentioned, inner, None if with_ else loads,
                                census) or [_listed(gast.Pass(), mentioned)]
            if with_:  # (the adjoint of a with body): a block of its own
                parts = s.items
            else:
                if census is not None and s.__class__ is gast.While:
                    census.add("loop")
                s.orelse = _propagate(s.orelse, mentioned, inner, loads, census)
                parts = [getattr(s, field) for field in ("test", "target", "iter")
                         if getattr(s, field, None) is not None]
            found = [names(part) for part in parts]
            for part_names in found:
                inner.update(n.id for n in part_names if n.ctx.__class__ is gast.Store)
            if isinstance(s, gast.While):  # its test runs again after the body
                kill(inner)
            for part, part_names in zip(parts, found):  # (a loop's target is not read)
                if isinstance(s, gast.With):
                    _rename_reads(names(part.context_expr), copies)
                elif not (isinstance(s, gast.For) and part is s.target):
                    _rename_reads(part_names, copies)
            if with_:  # all its names, as they now read
                mentioned[id(s)] = entry = (s, *_mentions(names(s)))
            else:
                mentioned[id(s)] = entry = (s, *_mentions([n for part in found for n in part]))
            count(entry[1])
            kill(inner)
            stored |= inner
        else:
            reads, stores = _renamed_mentions(s, copies)
            mentioned[id(s)] = (s, reads, stores)
            count(reads)
            if census is not None and "body" in s._fields:
                census.add("loop")  # (a statement holding statements, walked as a whole)
            kill(stores)
            stored |= stores
        out.append(s)
    return out


def _listed(s, mentioned):
    """A statement `_propagate` made (a `pass` in an emptied block), listed as reading
    and storing nothing."""
    mentioned[id(s)] = (s, [], set())
    return s


# `math` functions that raise for exactly the same arguments, with the same exception
# and message (ValueError "math domain error" for an infinity, TypeError for what is no
# number): the derivative of each calls the other
_RAISES_AS = {"math.sin": "math.cos", "math.cos": "math.sin"}


def _first_call(expr):
    """The call an expression evaluates first, when only names, literals and negated names
    are evaluated before it and its arguments are names or literals; else None."""
    cls = expr.__class__
    if cls is gast.Call:
        plain = all(a.__class__ in (gast.Name, gast.Constant) for a in expr.args)
        return expr if plain and not expr.keywords else None
    if cls is gast.BinOp:
        left = expr.left
        if left.__class__ is gast.UnaryOp and left.op.__class__ is gast.USub:
            left = left.operand
        if left.__class__ in (gast.Name, gast.Constant):
            return _first_call(expr.right)
        return _first_call(expr.left)
    return None


def _raises_next(s, later) -> bool:
    """Whether s, an unread `t = math.sin(a)` kept only because it may raise, raises
    exactly when the next statement that can raise does, with nothing between but
    comments and copies (`later`: the statements kept after s, nearest last): that one
    calls `math.cos(a)` first. Dropping s moves the error to that line: the gradient still
    fails with f's exception, for the same arguments."""
    value = s.value
    if not (MAY_RAISE.of(s) and value.__class__ is gast.Call and len(value.args) == 1
            and not value.keywords and value.args[0].__class__ is gast.Name
            and dotted_name(value.func) in _RAISES_AS):
        return False
    arg = value.args[0].id
    for t in reversed(later):
        if t.__class__ is gast.Expr and t.value.__class__ is gast.Constant:
            continue  # a comment
        if not (t.__class__ is gast.Assign and t.targets[0].__class__ is gast.Name):
            return False
        if t.targets[0].id == arg:
            return False
        if _is_copy(t):
            continue
        first = _first_call(t.value)
        if first is not None and dotted_name(first.func) == _RAISES_AS[
                dotted_name(value.func)] and len(first.args) == 1 \
                and first.args[0].__class__ is gast.Name and first.args[0].id == arg:
            MAY_RAISE.set(t, True)  # it raises for s now: kept even if its value goes unread
            return True
        return False
    return False


def _drop_dead_code(tree, mentioned: dict, loads: dict) -> None:
    """Backward sweeps over every block, until one removes nothing more: a statement is
    removed when nothing reads its name any more (the reads of removed statements are
    forgotten as they go, so a dead chain goes at once), or, for a copy, when the rest of
    its block assigns the name again before reading it. Another sweep follows when a
    statement kept because its name was read lost its last reader to a later removal (a
    read earlier in a loop body, of a name the body sets after it). `mentioned`: id of a
    statement -> (it, the names it reads, each as often as read; the names it stores), as
    `_propagate` listed them (of a branch or loop: of its test, target and iterator), for
    every statement; `loads`: name -> how often the statements read it, as `_propagate`
    counted them. The read counts, kept up to date as statements go, serve every sweep:
    no sweep walks the tree's expressions again."""
    # name -> the statements assigning it kept because it was read (whether one would go
    # unread is asked only if its last reader goes)
    kept_while_read: dict = {}
    again = False

    def forget(s):
        """Forget the reads of a statement removed (of a branch: of its test; what
        its blocks read went as they were emptied)."""
        nonlocal again
        for name in mentioned.pop(id(s))[1]:  # (listed no more: no longer in the tree)
            loads[name] -= 1
            if not loads[name] and name in kept_while_read and not again:
                again = any(map(_is_dead_if_unread, kept_while_read[name]))

    assign_cls, name_cls, copy_values = gast.Assign, gast.Name, (gast.Name, gast.Constant)

    def sweep(stmts) -> tuple[list, set, set]:
        """The statements kept, and the names they read and store."""
        # name -> how the rest of the block first mentions it: True if by assigning it
        # (without reading it), False if by reading it or writing into it otherwise
        overwritten: dict[str, bool] = {}
        block_reads, block_stores = set(), set()
        out = []
        for s in reversed(stmts):
            if s.__class__ is assign_cls and s.targets[0].__class__ is name_cls:
                target = s.targets[0].id
                if s.value.__class__ in copy_values and overwritten.get(target):
                    forget(s)  # (a copy `_is_copy`, assigned again before any read)
                    continue
                if loads.get(target):
                    kept = kept_while_read.get(target)
                    if kept is None:
                        kept_while_read[target] = [s]
                    else:
                        kept.append(s)
                elif _is_dead_if_unread(s) or _raises_next(s, out):
                    forget(s)
                    continue
                # (what the general case below does, for `name = value`)
                _, part_reads, stores = mentioned[id(s)]
                for name_stored in stores:
                    overwritten[name_stored] = True
                for name_read in part_reads:
                    overwritten[name_read] = False
                block_reads.update(part_reads)
                block_stores |= stores
                out.append(s)
                continue
            if _is_copy(s) and overwritten.get(s.targets[0].id):
                forget(s)
                continue
            if isinstance(s, (gast.If, gast.For, gast.While)):
                s.body, reads, stores = sweep(s.body)
                s.orelse, else_reads, else_stores = sweep(s.orelse)
                if isinstance(s, gast.If) and not s.body and not BLOCK.of(s):
                    # (a with or try block stays: its manager, its except clause run)
                    if not s.orelse and _is_pure(s.test):
                        forget(s)
                        continue
                    s.test, s.body, s.orelse = not_(s.test), s.orelse, []  # `if not c:`
                if not s.body:  # (listed: a second sweep reads what each statement mentions)
                    s.body = [_listed(gast.Pass(), mentioned)]
                reads |= else_reads
                stores |= else_stores
                _, part_reads, part_stores = mentioned[id(s)]
                reads.update(part_reads)
                stores |= part_stores
            else:
                _, part_reads, stores = mentioned[id(s)]
                reads = set(part_reads)
            whole = isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
            for name in stores:
                overwritten[name] = whole
            for name in reads:
                overwritten[name] = False
            block_reads |= reads
            block_stores |= stores
            out.append(s)
        out.reverse()
        return out, block_reads, block_stores

    while True:
        kept_while_read = {}
        again = False
        tree.body = sweep(tree.body)[0]
        if not again:
            break
    sweep = None  # a recursive closure: its cycle would hold the statements for the collector


def _spread_by_product(tree, dropped=None) -> None:
    """(`dropped`, a list, gets each `unreduce(...)` call replaced by its first argument.)"""
    loads: dict[str, list] = {}
    stores: dict[str, int] = {}
    products = {}  # id of an operand of a product -> the other operand
    blocks = [tree.body]  # every statement list in the function
    for n in walk(tree):
        if isinstance(n, gast.Name):
            if isinstance(n.ctx, gast.Load):
                loads.setdefault(n.id, []).append(n)
            else:
                stores[n.id] = stores.get(n.id, 0) + 1
        elif isinstance(n, gast.BinOp) and isinstance(n.op, gast.Mult):
            products[id(n.left)] = n.right
            products[id(n.right)] = n.left
        elif isinstance(n, (gast.If, gast.For, gast.While)):
            blocks += [n.body, n.orelse]
    if "unreduce" not in loads:
        return
    for block in blocks:
        where = None  # per statement of the block: the load nodes in it, the names it stores
        for i, stmt in enumerate(block):
            if not (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)
                    and isinstance(stmt.value, gast.Call)
                    and dotted_name(stmt.value.func) == "unreduce"
                    and len(stmt.value.args) == 4 and isinstance(stmt.value.args[1], gast.Name)):
                continue
            name, x = stmt.targets[0].id, stmt.value.args[1].id
            uses = loads.get(name, [])
            if stores.get(name) != 1 or len(uses) != 1:
                continue
            other = products.get(id(uses[0]))
            if not (isinstance(other, gast.Name) and other.id == x):
                continue
            if where is None:
                where = _Positions(block)
            user = where.holder.get(id(uses[0]))
            if user is not None and user > i and not where.stores_between(x, i, user) \
                    and isinstance(block[user], gast.Assign):
                _, _, axis, keepdims = stmt.value.args
                if _literal_is(keepdims, True) or _literal_is(axis, None) \
                        or _leading_axis(axis):
                    if dropped is not None:
                        dropped.append(stmt.value)
                    stmt.value = stmt.value.args[0]  # g already broadcasts against x
                else:
                    stmt.value.func = gast.Name(id="expand_reduced", ctx=gast.Load(),
                                                annotation=None, type_comment=None)


class _Positions:
    """For one block: the position of the statement holding each node, and where each
    name is stored."""

    def __init__(self, block):
        self.holder: dict[int, int] = {}
        self.stored_at: dict[str, list] = {}
        for i, stmt in enumerate(block):
            for n in walk(stmt):
                self.holder[id(n)] = i
                if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                    at = self.stored_at.setdefault(n.id, [])
                    if not at or at[-1] != i:
                        at.append(i)

    def stores_between(self, name, start, stop) -> bool:
        """Whether a statement strictly between positions start and stop stores name."""
        at = self.stored_at.get(name, [])
        k = bisect.bisect_right(at, start)
        return k < len(at) and at[k] < stop


def _leading_axis(node) -> bool:
    """Whether node is the literal axis 0: a reduction along the leading axis leaves the
    trailing ones, and NumPy broadcasting lines a value of that shape up with them."""
    return isinstance(node, gast.Constant) and type(node.value) is int and node.value == 0


def _literal_is(node, value) -> bool:
    return isinstance(node, gast.Constant) and node.value is value


def simplify(tree: gast.FunctionDef, scalars=frozenset(), chains=None) -> gast.FunctionDef:
    """`tree` rewritten; `scalars` are names known to hold numbers (recorded as they are).
    `chains` (a dict), when given, gets id(tree) -> what codegen's `_chains_under` would
    find in the rewritten body, as the fold found it (`_handed_chains`), unless some
    rewrite may have moved a chain the fold saw."""
    called: set = set()
    found: list | None = [] if chains is not None else None
    tree = _fold(tree, called, found, tree)
    if "unreduce" in called:
        dropped: list = []
        _spread_by_product(tree, dropped)
        if dropped and found is not None:  # the chains under the rest of those calls went
            _drop_chains_of(dropped, found)
    mentioned: dict = {}
    loads: dict = {}
    census: set = set()
    tree.body = _propagate(tree.body, mentioned, None, loads, census)
    _drop_dead_code(tree, mentioned, loads)
    # (only a while loop's records are leaned, and only for a helper reading a value's
    # shape, which the function calls after propagation (`loads`) or before (`called`))
    if "loop" in census and any(helper in called or loads.get(helper)
                                for helper in _SHAPE_ONLY):
        _lean_records(tree, scalars)
    if found is not None and None not in found and "chain copied" not in census:
        handed = _handed_chains(tree, found, mentioned)
        if handed is not None:
            chains[id(tree)] = handed
    return tree


def _drop_chains_of(calls, found) -> None:
    """Take out of `found` (`_fold`'s list) the chains under `calls` but under their first
    argument, which took their place (a None if that argument is itself a chain, which
    moved)."""
    gone = set()
    for c in calls:
        gone.add(id(c))
        gone.update(id(n) for part in c.args[1:] + c.keywords for n in walk(part))
        if c.args[0].__class__ is _ATTRIBUTE:
            found.append(None)
    found[:] = [c for c in found if c is None or id(c[0]) not in gone]


def _handed_chains(tree, found, mentioned) -> list | None:
    """The chains `_fold` found (`found`) under the statements of `tree`'s body still in
    it (those `mentioned` lists: `_propagate` lists each statement it keeps, and
    `_drop_dead_code` forgets each it removes), as (parent, field, index, chain), each
    once: what `_chains_under` finds walking the body. None if one of them is no longer
    where the fold saw it (a rewrite moved it: `not_` around an `if`'s test, a record
    leaned), or no longer a chain on np or math."""
    handed, seen = [], set()
    for parent, field, index, node, stmt in found:
        if stmt is tree or id(stmt) not in mentioned or id(node) in seen:
            continue  # (the def's own parts: codegen walks them)
        held = getattr(parent, field, None)
        if index is not None:
            held = held[index] if held.__class__ is list and index < len(held) else None
        if held is not node or _root(node) not in _CHAINED:
            return None
        seen.add(id(node))
        handed.append((parent, field, index, node))
    return handed


# helper -> its form taking record_shape(x) for x (its second argument)
_SHAPE_ONLY = {"unbroadcast": "unbroadcast_to", "reshape_like": "reshape_to"}


def _lean_records(tree, scalars) -> None:
    """A value a loop records for its adjoint that the adjoint reads only for its shape
    (`unbroadcast(g, x)`, `reshape_like(g, x)`) is recorded as `record_shape(x)`: a shape
    tuple instead of an array, per iteration (a number in `scalars` is kept as it is)."""
    pushes = {}  # record list name -> the tuple (or name) each iteration appends
    loops = []
    for node in skeleton(tree):
        if isinstance(node, gast.Expr) and isinstance(node.value, gast.Call) \
                and isinstance(node.value.func, gast.Attribute) \
                and node.value.func.attr == "append" \
                and isinstance(node.value.func.value, gast.Name) \
                and len(node.value.args) == 1:
            pushes.setdefault(node.value.func.value.id, []).append(node.value)
        elif isinstance(node, gast.While) and isinstance(node.test, gast.Name) \
                and node.body and isinstance(node.body[0], gast.Assign) \
                and isinstance(node.body[0].value, gast.Call) \
                and dotted_name(node.body[0].value.func) == f"{node.test.id}.pop":
            loops.append(node)  # while saved: names = saved.pop(); ...
    taken = None  # the names in the function, once a record is found to lean
    for loop in loops:
        record = loop.test.id
        appends = pushes.get(record, [])
        if len(appends) != 1:
            continue
        push = appends[0]
        target = loop.body[0].targets[0]
        targets = target.elts if isinstance(target, gast.Tuple) else [target]
        values = push.args[0].elts if isinstance(push.args[0], gast.Tuple) \
            and isinstance(target, gast.Tuple) else [push.args[0]]
        if len(targets) != len(values) or not all(
                isinstance(t, gast.Name) for t in targets):
            continue
        uses: dict = {t.id: [] for t in targets}  # name -> the calls reading it, or None
        for node in walk(gast.Module(body=loop.body[1:], type_ignores=[])):
            if isinstance(node, gast.Call) and dotted_name(node.func) in _SHAPE_ONLY \
                    and len(node.args) == 2 and isinstance(node.args[1], gast.Name) \
                    and node.args[1].id in uses and uses[node.args[1].id] is not None:
                uses[node.args[1].id].append(node)
                SHAPE_ONLY.set(node.args[1], True)
            elif isinstance(node, gast.Name) and node.id in uses \
                    and not SHAPE_ONLY.of(node):
                uses[node.id] = None  # read for its value, or assigned
        for i, name in enumerate(targets):
            calls = uses[name.id]
            if not calls or name.id in scalars:
                continue
            if taken is None:
                taken = {n.id for n in names(tree)}
            shape = f"{name.id}_shape"
            while shape in taken:
                shape += "_"
            taken.add(shape)
            name.id = shape
            values[i] = gast.Call(func=gast.Name(id="record_shape", ctx=gast.Load(),
                                                 annotation=None, type_comment=None),
                                  args=[values[i]], keywords=[])
            for c in calls:
                c.args[1].id = shape
                c.func = gast.Name(id=_SHAPE_ONLY[dotted_name(c.func)], ctx=gast.Load(),
                                   annotation=None, type_comment=None)
        if not isinstance(push.args[0], gast.Tuple) or not isinstance(target, gast.Tuple):
            push.args[0] = values[0]
