"""A variable bound to one of several functions and only called (`pool_fn = np.max` in one
branch, `pool_fn = np.mean` in another, then `pool_fn(xi)`) -> a choice between calls of
each function by name, so each call is one pullback can differentiate (a rule where the
code names np.max).

A chosen function is a variable of f (not a parameter) that every binding in f binds, by
a plain assignment `name = F` (or `name = F if c else G`), to a dotted name F denoting a
callable that is none of f's own variables (guards catch a rebound global); that no
nested function of f reads, and that f reads only as the callee of calls `name(args)`.

Guarantee: each such call is `F0(args) if name is F0 else F1(args) if name is F1 else
... Fn(args)` over the distinct functions assigned, in the order of the text: `name` is
read first (never set, it raises there as f's call does: unbound.identity_reads),
exactly one function is called, the one
Python calls (whenever `name` is bound it holds one of them), and the arguments
are evaluated once, after it, as in f.

>>> from pullback.lower.example import parsed, show
>>> def f(x, mode):
...     if mode == "max":
...         pool = np.max
...     else:
...         pool = np.mean
...     return pool(x)
>>> p = parsed(f)
>>> dispatch_chosen_functions(p.tree, p, {})  # rewritten: True
True
>>> show(p.tree)
def f(x, mode):
    if mode == 'max':
        pool = np.max
    else:
        pool = np.mean
    return np.max(x) if pool is np.max else np.mean(x)
"""

from __future__ import annotations

import gast

from ..frontend.parse import MISSING
from ..ir.nodes import Walk, clone, dotted_name, load, parameters, stored_in_order, walk
from .common import captured


def dispatch_chosen_functions(tree, parsed, local_functions, walked=None) -> bool:
    """Rewrite, in place, the calls of the chosen functions of `tree` (see the module);
    `walked`: the tree's `Walk`, if the caller has it. False: the tree is left as it was."""
    walked = Walk(tree) if walked is None else walked
    named = walked.of(gast.Name)
    bindings: dict = {}  # name -> how many times f binds it (or deletes it)
    for n in named:
        if n.ctx.__class__ is not gast.Load:
            bindings[n.id] = bindings.get(n.id, 0) + 1
    chosen: dict = {}  # name -> [(dotted name node, the object it denotes)]
    assigns = [n for n in walked.of(gast.Assign)  # `name = value`, in order
               if len(n.targets) == 1 and n.targets[0].__class__ is gast.Name]
    params = set(parameters(tree.args))
    # Only a dotted name or a conditional expression may choose a function, and not a
    # copy `a = b` of one of f's own names: set aside before f's own names are collected
    # (two more walks of f), most functions have no such assignment.
    assigns = [n for n in assigns if n.value.__class__ in (gast.Attribute, gast.IfExp)
               or n.value.__class__ is gast.Name and n.value.id not in bindings
               and n.value.id not in params]
    own = set(params) | set(stored_in_order(tree)) | captured(tree) if assigns else set()
    for n in assigns:
        functions = _functions(n.value, own, parsed)
        if functions is not None:
            chosen.setdefault(n.targets[0].id, []).append(functions)
    inner = {n.id for fdef in local_functions.values() for n in walk(fdef)
             if isinstance(n, gast.Name)}
    chosen = {name: [f for fs in functions for f in fs] for name, functions in chosen.items()
              if bindings.get(name) == len(functions) and name not in params
              and name not in inner and len({id(f) for fs in functions for _, f in fs}) > 1}
    if not chosen:
        return False
    callees = {id(n.func) for n in walked.of(gast.Call) if n.func.__class__ is gast.Name}
    for n in named:
        if n.id in chosen and n.ctx.__class__ is gast.Load and id(n) not in callees:
            del chosen[n.id]  # read as a value: left as written
            if not chosen:
                return False
    _Dispatch(chosen).visit(tree)
    return True


def _functions(value, own, parsed):
    """[(dotted name, the callable it denotes)] a value may be: a dotted name of a callable
    that is none of f's variables (`own`), or a conditional expression choosing between
    such values (`np.sin if k > 0 else np.cos`); else None."""
    if isinstance(value, gast.IfExp):
        body, orelse = _functions(value.body, own, parsed), _functions(value.orelse, own, parsed)
        return None if body is None or orelse is None else body + orelse
    dotted = dotted_name(value)
    if dotted is None or dotted.split(".")[0] in own:
        return None
    found = parsed.resolve(value)
    return [(value, found)] if found is not MISSING and callable(found) else None


class _Dispatch(gast.NodeTransformer):
    def __init__(self, chosen):
        self.chosen = chosen

    def visit_Call(self, node):
        self.generic_visit(node)
        if not (isinstance(node.func, gast.Name) and node.func.id in self.chosen):
            return node
        distinct, seen = [], set()
        for spelled, found in self.chosen[node.func.id]:
            if id(found) not in seen:
                seen.add(id(found))
                distinct.append(spelled)

        def calling(spelled):
            return gast.copy_location(gast.Call(
                func=clone(spelled), args=[clone(a) for a in node.args],
                keywords=[clone(k) for k in node.keywords]), node)

        out = calling(distinct[-1])
        for spelled in reversed(distinct[:-1]):
            test = gast.Compare(left=load(node.func.id), ops=[gast.Is()],
                                comparators=[clone(spelled)])
            out = gast.copy_location(gast.IfExp(test=test, body=calling(spelled),
                                                orelse=out), node)
        return out
