"""Which parameters of a user function it writes into: the objects its caller passes
that it changes in place (`buf[i] = v`, `state.pos = p`, `out.append(v)`, `d.update(m)`,
`np.add(a, b, out=out)`, `v /= n`, the first argument of a library function with no
rule, `np.copyto(out, v)`), directly or by passing them on to another user function that
writes into them.

Guarantee: `written_params(func)` is a superset of the parameters `func` can change in
place through any statement of its own source or of the user functions it calls with them
(resolved where `func` is defined), as far as the source tells: a parameter passed to a
method of an object, to a function pullback cannot read, or on through a recursive call
is not counted (that call is differentiated, or refused, as it is without inlining).
calls.py inlines such a function at each call (inlining.py: `writing_callee`), so that
its writes are the caller's own, which the engine follows (analysis/aliasing.py checks
them as if the caller wrote them). One walk of each function, each function walked once
(memoized): linear in the source. `augmented_only` tells the written parameters that
only `p += e` (on the name) binds: in place for an array or list, a new value for a
number.

>>> import numpy as np
>>> def _fill(buf, x):
...     for i in range(len(x)):
...         buf[i] = x[i] ** 2
>>> def _twice(out, x):
...     _fill(out, x)
...     out *= 2.0
>>> sorted(written_params(_fill)), sorted(written_params(_twice))
(['buf'], ['out'])
"""

from __future__ import annotations

import inspect
import weakref

import gast
import numpy as np

from .. import rules
from ..errors import PullbackError
from ..frontend.parse import MISSING, is_library, parse_function
from ..ir.nodes import clone, walk

# methods that change the object they are called on (list, dict, set, deque, ndarray)
MUTATORS = frozenset({
    "append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "update",
    "setdefault", "popitem", "add", "discard", "difference_update",
    "intersection_update", "symmetric_difference_update", "appendleft", "popleft",
    "extendleft", "rotate", "fill", "resize", "put", "itemset", "partition", "setfield",
    "__setitem__", "__delitem__", "__iadd__", "__isub__", "__imul__", "__itruediv__"})

# function -> (its code, the frozenset of written parameters, None while walked)
_memo: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def root_name(node):
    """The name at the bottom of `a.b[i].c`, or None."""
    while isinstance(node, (gast.Subscript, gast.Attribute)):
        node = node.value
    return node.id if isinstance(node, gast.Name) else None


def user_function(func) -> bool:
    """A plain Python function of the user's whose source pullback reads (no rule, not a
    library's, not a generator or coroutine function: calling one runs no body)."""
    return inspect.isfunction(func) and not is_library(func) \
        and not hasattr(func, "__wrapped__") and rules.lookup(func) is None \
        and not func.__code__.co_flags & (inspect.CO_GENERATOR | inspect.CO_COROUTINE
                                          | inspect.CO_ASYNC_GENERATOR)


def written_params(func) -> frozenset:
    """The parameters of the user function `func` that it writes into (see the module's
    docstring); empty for anything pullback does not read. A function reached again
    while it is walked (recursion) adds nothing through that call: a function writing
    only through a recursive call is not inlined, and refused as a callee writing into
    its input when it is transformed."""
    known = _memo.get(func)
    if known is not None and known[0] is func.__code__:
        return known[1] or frozenset()
    _memo[func] = (func.__code__, None)
    try:
        found = frozenset(_written(parse_function(func)))
    except (PullbackError, OSError, TypeError):  # no source: transformed, or refused, later
        found = frozenset()
    _memo[func] = (func.__code__, found)
    return found


_DUNDERS = {gast.Add: "__iadd__", gast.Sub: "__isub__", gast.Mult: "__imul__",
            gast.Div: "__itruediv__", gast.FloorDiv: "__ifloordiv__", gast.Mod: "__imod__",
            gast.Pow: "__ipow__", gast.MatMult: "__imatmul__", gast.LShift: "__ilshift__",
            gast.RShift: "__irshift__", gast.BitAnd: "__iand__", gast.BitOr: "__ior__",
            gast.BitXor: "__ixor__"}


def augmented_only(func, written) -> dict:
    """{parameter: the in-place operators' names, space separated} for each of the
    `written` parameters of `func` that the function binds only by `p op= e` on the name
    itself (`pos += vel * dt`, `v /= n`): whether that changes the caller's object depends
    on its type, known when the call runs. A parameter it also writes into otherwise
    (`p[0] = v; p *= 2`) must be changed in place: its names end with ` also`."""
    tree = parse_function(func).tree
    ops: dict = {}
    for node in walk(tree):
        if isinstance(node, gast.AugAssign) and isinstance(node.target, gast.Name):
            ops.setdefault(node.target.id, set()).add(_DUNDERS[type(node.op)])
    aug_targets = {id(n.target) for n in walk(tree) if isinstance(n, gast.AugAssign)}
    other = {n.id for n in walk(tree) if isinstance(n, gast.Name)
             and isinstance(n.ctx, (gast.Store, gast.Del)) and id(n) not in aug_targets}
    direct = _written(parse_function(func), augmented=False)  # (=, for, del, with ... as)
    return {p: " ".join(sorted(ops[p])) + (" also" if p in direct else "")
            for p in written if p in ops and p not in other}


def none_guarded(func, written) -> set:
    """The `written` parameters of `func` that it binds only under `if p is None:` (the
    `out=None` spelling: `if out is None: out = np.empty_like(a)`), never by `p op= e`:
    given an object, the function writes into that object."""
    tree = parse_function(func).tree
    guarded = set()
    for node in walk(tree):
        if _is_none_test(node, written):
            guarded |= {id(n) for s in node.body for n in walk(s) if isinstance(n, gast.Name)
                        and n.id == node.test.left.id}
    bound = {}
    for node in walk(tree):
        if isinstance(node, gast.Name) and isinstance(node.ctx, (gast.Store, gast.Del)):
            bound.setdefault(node.id, []).append(id(node))
    augmented = {n.target.id for n in walk(tree) if isinstance(n, gast.AugAssign)
                 and isinstance(n.target, gast.Name)}
    return {p for p in written if p in bound and p not in augmented
            and all(i in guarded for i in bound[p])}


def _is_none_test(node, names) -> bool:
    return isinstance(node, gast.If) and isinstance(node.test, gast.Compare) \
        and isinstance(node.test.left, gast.Name) and node.test.left.id in names \
        and len(node.test.ops) == 1 and isinstance(node.test.ops[0], gast.Is) \
        and isinstance(node.test.comparators[0], gast.Constant) \
        and node.test.comparators[0].value is None


def given_branches_dropped(tree, names, nones=()):
    """A copy of the function `tree` with each `if p is None: ...` replaced by its else
    branch where p is in `names` (given an object: checked not None where the call runs),
    by its body where p is in `nones` (given None, or not given and None by default)."""

    def block(stmts):
        out = []
        for s in stmts:
            if _is_none_test(s, names):
                out += block(s.orelse)
                continue
            if _is_none_test(s, nones):
                out += block(s.body)
                continue
            for part in [s, *getattr(s, "handlers", ())]:
                for field in ("body", "orelse", "finalbody"):
                    value = getattr(part, field, None)
                    if isinstance(value, list) and value and isinstance(value[0], gast.stmt):
                        setattr(part, field, block(value) or [gast.Pass()])
            out.append(s)
        return out

    new = clone(tree)
    new.body = block(new.body) or [gast.Pass()]
    return new


def passed_to_writers(stmts, resolve) -> set:
    """The names the statements pass (at the bottom of an argument) to a parameter that
    the user function called writes into (`push(xs, v)`): such a call changes the object
    as `xs.append(v)` written there would (loops.py refuses a loop over a list its body
    resizes)."""
    found = set()
    for node in walk(gast.Module(body=stmts, type_ignores=[])):
        if not isinstance(node, gast.Call):
            continue
        try:
            called = resolve(node.func)
        except Exception:  # noqa: BLE001 (a local name, or one resolving to nothing)
            continue
        if user_function(called) and written_params(called):
            found |= _passed_to(called, node, written_params(called))
    return found - {None}


def _params(tree) -> list:
    """The named parameters: `*args` and `**kwargs` are a tuple and a dict each call makes
    (a write through `args[0]` into a caller's object is not followed: not inlined, such
    a function is refused as a callee writing into its input)."""
    args = tree.args
    return [a.id for a in args.posonlyargs + args.args + args.kwonlyargs]


def _written(parsed, augmented=True) -> set:
    """The parameters written; with `augmented`, `p += e` on a name counts."""
    tree = parsed.tree
    params = set(_params(tree))
    written = set()
    for node in walk(tree):
        if isinstance(node, (gast.Subscript, gast.Attribute)) \
                and isinstance(node.ctx, (gast.Store, gast.Del)):
            written.add(root_name(node))
        elif isinstance(node, gast.AugAssign) and augmented:
            written.add(root_name(node.target))  # (a name: an array's `+=` is in place)
        elif isinstance(node, gast.Call):
            written |= _call_writes(parsed, node)
    return written & params


def _call_writes(parsed, node) -> set:
    func = node.func
    out = {root_name(k.value) for k in node.keywords if k.arg == "out"}
    if isinstance(func, gast.Attribute) and func.attr in MUTATORS:
        out.add(root_name(func.value))
    try:
        called = parsed.resolve(func)
    except Exception:  # noqa: BLE001 (a local name, or one resolving to nothing)
        called = MISSING
    if called is MISSING:
        return out
    rules.adopt_wrapper(called)  # autograd.numpy.repeat: NumPy's repeat, with its rule
    if node.args and rules.lookup(called) is None and (is_library(called) or isinstance(
            getattr(called, "__self__", None), np.ufunc)):
        # a library function with no rule (np.copyto, np.put, np.add.at ...: the rules
        # declare what the pure ones do) may write into its first argument
        out.add(root_name(node.args[0]))
    elif user_function(called):
        theirs = written_params(called)
        if theirs:
            out |= _passed_to(called, node, theirs)
    return out


def _passed_to(called, node, theirs) -> set:
    """The names the call `node` passes (at the bottom of each argument) to the
    parameters `theirs` of `called`; any `*xs` or `**m` counts as passed to all."""
    code = called.__code__
    positional = list(code.co_varnames[:code.co_argcount])
    out = set()
    for i, a in enumerate(node.args):
        if isinstance(a, gast.Starred) or i >= len(positional) or positional[i] in theirs:
            out.add(root_name(a.value if isinstance(a, gast.Starred) else a))
    for k in node.keywords:
        if k.arg is None or k.arg in theirs or k.arg not in code.co_varnames:
            out.add(root_name(k.value))
    return out
