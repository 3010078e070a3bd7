"""Stage 3: a `collections.deque` made in the function and used only as a queue, as a list.

`deques_as_lists(tree, parsed, namer)` rewrites, in the function's own statements,

    q = deque() / deque(xs) / deque(maxlen=k)  ->  q = [] / list(xs) / []  (and with a
                                   maxlen, first q_maxlen = deque(maxlen=k).maxlen)
    q.append(v)      ->  q.append(v), and with a maxlen: if len(q) > k: q.pop(0)
    q.extend(vs)     ->  q.extend(vs), and with a maxlen: while len(q) > k: q.pop(0)
    q.appendleft(v)  ->  q = [v] + q, and with a maxlen: if len(q) > k: q.pop()
    q.popleft()      ->  q.pop(0)  (a statement, or a value anywhere, as q.pop() is)

so that the values it holds are a list's, whose gradient pullback follows element by
element (a deque's methods are library code, refused where a value being differentiated
reaches them).

Guarantee: it rewrites only where a list in place of the deque changes nothing Python can
observe: `q` is no parameter, is bound once, by `q = deque(...)` with `collections.deque`
(no iterable together with a maxlen), and every other use of it is one of the statements
above (the growths as statements), `q.pop()`, `len(q)`, `q[i]` (not a slice: a deque
has none), a truth test, `v in q`, the iterable of a for loop (whose body does not update
it: Python raises there) or comprehension, an argument of zip, the first of enumerate, or
the one argument of sum, list, tuple, sorted, min, max, any, all, reversed, np.sum,
np.array, np.stack, np.asarray or np.mean; each of those reads a list as it reads the
deque, and each update above leaves the list holding what the deque would hold (maxlen
drops from the other end, as a deque does); nothing of it is in a nested def or lambda.
Anything else (`q` returned, stored, passed on, printed, `q.rotate`, `q.maxlen`) leaves
the deque as it is, for the later stages to refuse where a value being differentiated
reaches it.

>>> from collections import deque
>>> from pullback.ir.naming import Namer, all_names
>>> from pullback.lower.example import parsed, show
>>> def f(x):
...     q = deque(maxlen=2)
...     for v in x:
...         q.append(v * v)
...     return sum(q)
>>> p = parsed(f)
>>> deques_as_lists(p.tree, p, Namer(all_names(p.tree)))
>>> show(p.tree)
def f(x):
    q_maxlen = deque(maxlen=2).maxlen
    q = []
    for v in x:
        q.append(v * v)
        if len(q) > q_maxlen:
            q.pop(0)
    return sum(q)
"""

from __future__ import annotations

import builtins
import collections

import gast

from .. import rules
from ..ir.annotations import BUILTIN
from ..ir.nodes import assign, call, const, load, parameters, walk
from .common import at_line

_READERS = (builtins.sum, builtins.list, builtins.tuple, builtins.sorted, builtins.min,
            builtins.max, builtins.any, builtins.all, builtins.reversed, builtins.len)
_UPDATES = ("append", "extend", "appendleft", "popleft", "pop")


def deques_as_lists(tree, parsed, namer) -> None:
    """Rewrite, in place, the deques of `tree` that qualify (the module docstring)."""
    made = [s for s in walk(tree) if isinstance(s, gast.Assign) and len(s.targets) == 1
            and isinstance(s.targets[0], gast.Name) and isinstance(s.value, gast.Call)
            and _is_deque(s.value.func, parsed)]
    if not made:
        return
    own = set(parameters(tree.args))
    parents, uses_of = {}, {}  # (one walk)
    replaced: dict = {}  # id(statement) -> the statements in its place, for every deque
    for n in walk(tree):
        for c in gast.iter_child_nodes(n):
            parents[id(c)] = n
        if isinstance(n, gast.Name):
            uses_of.setdefault(n.id, []).append(n)
    for s in made:
        name = s.targets[0].id
        uses = uses_of[name]
        if name in own or sum(not isinstance(n.ctx, gast.Load) for n in uses) != 1:
            continue
        form = _form(s.value)
        if form is False:
            continue
        updates = []
        if not all(n is s.targets[0] or _as_list(n, parents, parsed, updates) for n in uses) \
                or any(_nested(n, parents, tree) for n in uses) \
                or any(_changed_while_iterated(n, parents, updates) for n in uses):
            continue
        _rewrite(s, name, *form, updates, namer, replaced)
    if replaced:  # one walk puts every deque's new statements in place
        for node in walk(tree):
            for field in ("body", "orelse", "finalbody"):
                stmts = getattr(node, field, None)
                if isinstance(stmts, list) and any(id(t) in replaced for t in stmts):
                    setattr(node, field, [u for t in stmts for u in replaced.get(id(t), [t])])


def _nested(n, parents, tree) -> bool:
    """Whether `n` is inside a def or lambda nested in f."""
    node = parents.get(id(n))
    while node is not None and node is not tree:
        if isinstance(node, (gast.FunctionDef, gast.Lambda)):
            return True
        node = parents.get(id(node))
    return False


def _changed_while_iterated(n, parents, updates) -> bool:
    """Whether `n` is the iterable of a for loop whose body updates the deque (Python
    raises there: a deque mutated during iteration; a list would not)."""
    loop = parents.get(id(n))
    if not (isinstance(loop, gast.For) and loop.iter is n):
        return False
    inside = {id(x) for b in loop.body for x in walk(b)}
    return any(id(stmt) in inside for stmt, _, _ in updates)


def _is_deque(func, parsed) -> bool:
    if not (isinstance(func, gast.Name) and func.id == "deque" or isinstance(
            func, gast.Attribute) and func.attr == "deque"):
        return False  # (as collections spells it: other names are not resolved)
    try:
        return parsed.resolve(func) is collections.deque
    except Exception:  # noqa: BLE001 (a name that resolves to nothing)
        return False


def _form(made):
    """(the iterable, the maxlen) of `deque(...)`, each None when not given (an empty
    display as the iterable, `deque([], 3)`, is none), or False for a form not rewritten
    (an iterable with a maxlen, other keywords, more arguments)."""
    args, keywords = made.args, made.keywords
    if any(k.arg != "maxlen" for k in keywords) or len(args) > 2 \
            or any(isinstance(a, gast.Starred) for a in args):
        return False
    found = [k.value for k in keywords] + args[1:]
    if len(found) > 1:
        return False
    maxlen = found[0] if found else None
    if isinstance(maxlen, gast.Constant) and maxlen.value is None:
        maxlen = None
    iterable = args[0] if args else None
    if isinstance(iterable, (gast.List, gast.Tuple)) and not iterable.elts:
        iterable = None
    if maxlen is not None and iterable is not None:
        return False
    return iterable, maxlen


def _as_list(n, parents, parsed, updates) -> bool:
    """Whether the read `n` of the deque reads it as a list would be read, or is one of
    the updates rewritten (collected in `updates` as (statement, method))."""
    parent = parents.get(id(n))
    if isinstance(parent, gast.Attribute) and parent.attr in _UPDATES:
        use = parents.get(id(parent))
        if not (isinstance(use, gast.Call) and use.func is parent and not use.keywords):
            return False
        count = {"append": 1, "extend": 1, "appendleft": 1, "popleft": 0, "pop": 0}
        if len(use.args) != count[parent.attr] or any(
                isinstance(a, gast.Starred) for a in use.args):
            return False
        if parent.attr in ("popleft", "pop"):  # a value anywhere: a list's pop(0), pop()
            updates.append((use, parent.attr, use))
            return True
        stmt = parents.get(id(use))
        if isinstance(stmt, gast.Expr):
            updates.append((stmt, parent.attr, use))
            return True
        return False
    if isinstance(parent, gast.Subscript) and parent.value is n:
        return not isinstance(parent.slice, gast.Slice) and not (
            isinstance(parent.slice, gast.Tuple)) and isinstance(parent.ctx, gast.Load)
    if isinstance(parent, (gast.If, gast.While)) and parent.test is n:
        return True
    if isinstance(parent, gast.UnaryOp) and isinstance(parent.op, gast.Not):
        return True
    if isinstance(parent, gast.Compare) and n is not parent.left and all(
            isinstance(op, (gast.In, gast.NotIn)) for op in parent.ops):
        return True
    if isinstance(parent, (gast.For, gast.comprehension)) and parent.iter is n:
        return True
    if isinstance(parent, gast.Call) and any(a is n for a in parent.args):
        try:
            func = parsed.resolve(parent.func)
        except Exception:  # noqa: BLE001
            return False
        if func is builtins.zip:
            return True
        if func is builtins.enumerate:
            return parent.args[0] is n
        return len(parent.args) == 1 and not parent.keywords and (any(
            func is r for r in _READERS) or _reads_as_array(func))
    return False


def _reads_as_array(func) -> bool:
    """A NumPy function whose rule takes a list argument as the array NumPy makes of it
    (np.sum, np.array, np.stack, np.mean, ...): it makes the same array of a deque."""
    found = rules.lookup(func) if getattr(func, "__module__", "") and str(
        func.__module__).startswith("numpy") else None
    return found is not None and getattr(found, "arrays", False) is True


def _rewrite(made, name, iterable, maxlen, updates, namer, replaced) -> None:
    """The deque bound by `made` as a list: its binding and updates rewritten in place,
    or their new statements added to `replaced` (id(statement) -> the statements in its
    place; deques_as_lists puts them in place, for all deques at once)."""
    line = getattr(made, "lineno", None)
    deque = made.value.func
    if maxlen is not None:  # read off a deque made empty: checked as Python checks it
        bound = namer.fresh(f"{name}_maxlen")
        empty = gast.Call(func=deque, args=[], keywords=[gast.keyword(arg="maxlen",
                                                                     value=maxlen)])
        made.value = gast.List(elts=[], ctx=gast.Load())
        replaced[id(made)] = [assign(bound, gast.Attribute(value=empty, attr="maxlen",
                                                           ctx=gast.Load())), made]
        maxlen = load(bound)
    elif iterable is not None:
        made.value = gast.Call(func=load("list"), args=[iterable], keywords=[])
    else:
        made.value = gast.List(elts=[], ctx=gast.Load())
    if made.value.__class__ is gast.Call:
        BUILTIN.set(made.value.func, builtins.list)

    def too_long():
        return gast.Compare(left=call(namer.spelled_builtin("len"), load(name)),
                            ops=[gast.Gt()], comparators=[load(maxlen.id)])

    def pop(*at):
        return gast.Expr(value=call(gast.Attribute(value=load(name), attr="pop",
                                                   ctx=gast.Load()), *at))

    for stmt, method, use in updates:
        new = [stmt]
        if method == "appendleft":
            new = [assign(name, gast.BinOp(left=gast.List(elts=[use.args[0]], ctx=gast.Load()),
                                           op=gast.Add(), right=load(name)))]
            if maxlen is not None:
                new.append(gast.If(test=too_long(), body=[pop()], orelse=[]))
        elif method == "popleft":
            use.func.attr = "pop"
            use.args = [const(0)]
        elif method in ("append", "extend") and maxlen is not None:
            loop = gast.If if method == "append" else gast.While
            new.append(loop(test=too_long(), body=[pop(const(0))], orelse=[]))
        if len(new) > 1 or new[0] is not stmt:
            replaced[id(stmt)] = [at_line(t, getattr(stmt, "lineno", None)) for t in new]
    for t in replaced.get(id(made), ()):
        at_line(t, line)
