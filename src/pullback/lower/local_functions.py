"""Nested functions and lambdas -> definitions kept aside, to be inlined at each call.

Guarantees: `extract_local_functions` removes every nested `def` and lambda from the
tree and returns them by name (a lambda gets a fresh name; `h = lambda ...` is named
`h`); defaults that are not constants are bound, where the definition stood, to fresh
names the definition then reads. A nested function may only be called or passed to a
call: any other use (a value, an assignment to its name, a def inside a nested def, a
lambda inside a lambda, a name defined twice) is refused, located. Calls are inlined
by the flattening (see inlining.py), so a nested function reads the enclosing
function's variables as they are at the call, as a closure does.

>>> from pullback.ir.naming import Namer, all_names
>>> from pullback.lower.example import parsed, show
>>> def f(x, scale):
...     def h(v, k=scale * 2):
...         return v * k
...     return h(x) + sorted([x, 1.0], key=lambda t: -t)[0]
>>> p = parsed(f)
>>> found = extract_local_functions(p.tree, Namer(all_names(p.tree)), p)
>>> show(p.tree)
def f(x, scale):
    h_default = scale * 2
    return h(x) + sorted([x, 1.0], key=lambda_2)[0]
>>> show(found["h"])
def h(v, k=h_default):
    return v * k
>>> show(found["lambda_2"])
def lambda_2(t):
    return -t
"""

from __future__ import annotations

import gast

from ..errors import UnsupportedSyntaxError
from ..ir.annotations import ANONYMOUS
from ..ir.nodes import Walk, assign, load, walk
from .census import nested_definitions
from .chosen_functions import dispatch_chosen_functions
from .closures import convert_closures, lambda_as_def
from .common import at_line, called_or_passed
from .function_tables import dispatch_function_tables


class _Extract(gast.NodeTransformer):
    """Takes nested functions and lambdas out of `tree` through `define`. A class of the
    module, not of each call: a class made per call lives in a reference cycle, which
    would keep the whole tree for the garbage collector."""

    inside = False

    def __init__(self, tree, namer, found, define, reject):
        self.tree, self.namer, self.found = tree, namer, found
        self.define, self.reject = define, reject

    def visit_FunctionDef(self, node):
        if node is self.tree:
            self.generic_visit(node)
            return node
        if self.inside:  # a def inside a nested function: closures.py lifts it
            return node
        self.inside = True
        self.generic_visit(node)
        self.inside = False
        return self.define(node.name, node, node)

    def visit_Assign(self, node):
        if len(node.targets) == 1 and isinstance(node.targets[0], gast.Name) \
                and isinstance(node.value, gast.Lambda) and not self.inside:
            self.inside = True
            self.generic_visit(node.value)
            self.inside = False
            name = node.targets[0].id
            return self.define(name, lambda_as_def(name, node.value), node)
        self.generic_visit(node)
        return node

    def visit_Lambda(self, node):
        if self.inside:  # inside a nested function or lambda: closures.py lifts it
            return node
        self.inside = True
        self.generic_visit(node)
        self.inside = False
        name = self.namer.fresh("lambda")
        self.found[name] = lambda_as_def(name, node)
        ANONYMOUS.set(self.found[name], True)
        return at_line(load(name), getattr(node, "lineno", None))


def extract_local_functions(tree, namer, parsed, walked=None) -> dict:
    """Nested `def`s and lambdas, taken out of the body: each call to one is inlined
    (its parameters bound to the arguments, its names made fresh), so it reads the
    enclosing function's variables as they are at the call, as a closure does.
    `walked`: the tree's `Walk`, if the caller has it."""
    return local_functions_and_walk(tree, namer, parsed, walked)[0]


def local_functions_and_walk(tree, namer, parsed, walked=None) -> tuple[dict, Walk | None]:
    """`extract_local_functions`, and the `Walk` of the tree it leaves when the caller
    gave `walked` (the tree's) and nothing was rewritten (most functions: the next passes
    need not walk it again), else None."""
    found: dict = {}

    def reject(node, what):
        raise UnsupportedSyntaxError(f"unsupported construct: {what}",
                                     parsed.location.describe(node))

    def define(name, fdef, node):
        """Record a local function; its defaults are evaluated here, where it is defined."""
        if name in found:
            reject(node, f"nested function {name!r} defined more than once (give each "
                         "definition its own name)")
        found[name] = fdef
        holders = []
        for i, default in enumerate(fdef.args.defaults):
            if isinstance(default, gast.Constant):
                continue
            holder = namer.fresh(f"{name}_default")
            holders.append(at_line(assign(holder, default), getattr(node, "lineno", None)))
            fdef.args.defaults[i] = load(holder)
        return holders or None

    walked = Walk(tree) if walked is None else walked
    if nested_definitions(walked):  # a def or lambda
        _Extract(tree, namer, found, define, reject).visit(tree)
        convert_closures(tree, found, namer, parsed, reject)  # defs inside nested functions
        walked = None  # changed: walked again
    # T[key](x), for g in T: g(x)
    if dispatch_function_tables(tree, namer, parsed, found, walked):
        walked = None
    # pool = np.max (or np.mean); pool(x)
    if dispatch_chosen_functions(tree, parsed, found, walked):
        walked = None
    if not found:
        return found, walked
    callees = called_or_passed(tree)  # a local function may only be called, or passed on
    for node in walk(tree):
        if isinstance(node, gast.Name) and node.id in found:
            if isinstance(node.ctx, gast.Store):
                reject(node, f"assignment to {node.id!r}, the name of a nested function")
            if id(node) not in callees:
                reject(node, f"nested function {node.id!r} used as a value (only calls to it, "
                             "and passing it to a call, are differentiated)")
    return found, None
