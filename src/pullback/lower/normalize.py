"""Stage 3, normalize: desugar a checked function into a small core language.

Guarantees on the output (a gast FunctionDef with the user's signature):
- every statement is one of
    `name = simple`            simple: an atom (Name or Constant), or ONE operation over
                               atoms: BinOp, UnaryOp, Compare, Call (callee is a dotted
                               name), Subscript (index of atoms and slices of atoms),
                               Attribute of an atom, Tuple/List of atoms, an f-string
                               of atoms; `unused = ...` (marked `effect`) for an
                               expression statement (a call made for its effect);
    `name[index] = atom`       an in-place write (base is a Name); NumPy's in-place
                               writes (fill, copyto, fill_diagonal, out=) are these;
    `if name: ... else: ...`;  also marked `block="with"` (test: the manager) or
                               `block="try"` (test: the try's flag): see blocks.py;
    `raise [atom [from atom]]` code after it in its block never runs;
    `for name in name: ...`    the iterable is a range object bound before the loop;
    `while name: ...`          the test is recomputed at the end of the body;
    `if name: break`           only as the last statement of a `for` body;
    `return name`              only as the last statement of the function;
- `assert`, `with`, `try`/`except` and loops' else clauses are gone (see blocks.py: what
  a try may not do is refused here, located);
- `break`, `continue` and early `return` are gone: they set boolean flags that
  guard the statements that follow, so every loop iteration runs to the end of
  its body (where loop-exit is decided) and the function has a single exit;
- `and`/`or`/conditional expressions are `if` statements (short-circuit kept);
  augmented assignment and tuple unpacking (swaps included) are plain
  assignments; iteration over arrays, lists, `enumerate` and `zip` is iteration
  over an index range with explicit subscripts;
- every generated statement carries the `lineno` of the user statement it
  comes from, so later stages can point errors at the user's source.

The lowerings, in the order `normalize` runs them, each in its own module (census.py,
one walk, tells which of the rare constructs' lowerings have anything to find; the others
are not run): deques.py (a deque used as a queue, a list), vectorized.py (np.vectorize
calls as loops), generators.py (generators consumed in f run in place, as nested
functions),
local_functions.py (nested functions and lambdas set aside, to be inlined, those inside
them lifted with their captures: closures.py; calls through lists and dicts of functions
made calls by name: function_tables.py), growing.py (a for loop over a list its body
resizes made a while loop over a position),
namespaces.py (helper-named globals, array namespaces, function defaults),
blocks.py (assert, with, try), unbound.py (variables that may be read unset),
control_flow.py (break, continue, return), then flatten.py (one operation per
statement) with the lowerings it assembles: loops.py, calls.py, made_callables.py,
containers.py, inlining.py, comprehensions.py, iterators.py; last, inputs.py (inputs
written in place: the writes made on a copy, written back at the return).

>>> from pullback.lower.example import lowered, show
>>> def f(x, n):
...     for i in range(n):
...         if x > 10.0:
...             return x
...         x = x * x
...     return -x
>>> show(lowered(f))
def f(x, n):
    returned = False
    out = None
    steps = range(n)
    for i in steps:
        cond = x > 10.0
        if cond:
            out = x
            returned = True
        not_2 = not returned
        if not_2:
            x = x * x
        if returned:
            break
    not_3 = not returned
    if not_3:
        out = -x
    return out
"""

from __future__ import annotations

import builtins

import gast

from ..ir.annotations import SENTINEL
from ..ir.naming import Namer
from ..ir.nodes import assign, call, const, parameters, walk
from . import inlining
from .along_axis import along_axis_calls
from .blocks import Blocks
from .census import Census
from .common import at_line
from .control_flow import ControlFlow
from .deques import deques_as_lists
from .flatten import Flatten
from .generators import inline_generators
from .grouping import grow_as_values
from .growing import loops_over_growing_lists
from .inputs import own_inputs
from .local_functions import local_functions_and_walk
from .namespaces import (
    MODULE_GLOBALS,  # noqa: F401 (the name the API binds the user's module under)
    array_namespaces,
    function_defaults,
    globals_shadowed_by_helpers,
    library_aliases,
)
from .pairs import read_through_pairs
from .unbound import identity_reads, maybe_unset
from .vectorized import vectorized_calls

# Builtins the lowerings call by name beyond those every stage reserves (RESERVED):
# `set(items)` for a set display, `tuple(xs)` for `*xs` passed on.
WRITTEN_BUILTINS = ("set", "tuple")
# The builtins a lowering writes calls of that stay in the code: where the function hides
# one (a local `set = list`, a parameter, a module global), the call is spelled with the
# runtime's alias (`builtin_set`, Namer.spelled_builtin), so it still calls the builtin.
CALLED_BUILTINS = ("set", "tuple", "isinstance", "range", "len", "min", "slice", "reversed")
# What blocks.py lowers (with a loop's else clause): where none occurs it would leave the
# tree as it is
_BLOCK_SUBJECTS = frozenset((gast.Assert, gast.With, gast.Try, gast.Match))
_LOOPS = (gast.For, gast.While)
# What control_flow.py lowers, and a raise (after which it may move the statements that
# follow into an else clause)
_EXITS = frozenset((gast.Return, gast.Break, gast.Continue, gast.Raise))


def normalize(tree: gast.FunctionDef, parsed, inline=True) -> gast.FunctionDef:
    """`tree` in the core language; with `inline`, calls of small user functions are
    replaced by their bodies (see inlining.py)."""
    census = Census(tree, parsed)  # the one walk the rare constructs' lowerings share
    named = census.walk.of(gast.Name)
    names = {n.id for n in named}
    own = set(parameters(tree.args))
    own.update([n.id for n in named if n.ctx.__class__ is gast.Store])
    own.update([n.name for n in census.walk.of(gast.FunctionDef)])
    namer = Namer(names)
    namer.hidden_builtins = frozenset(
        name for name in CALLED_BUILTINS
        if name in own or parsed.lookup(name) is not getattr(builtins, name))
    namer.bound_builtins = frozenset(name for name in own if hasattr(builtins, name))
    for builtin in WRITTEN_BUILTINS:  # never a temporary's name (`set = c.set`)
        namer.reserve(builtin)
    user_names = set(namer.taken)

    def current() -> Census:
        """The census of the tree as it is now (walked again after a lowering ran)."""
        nonlocal census
        if census is None:
            census = Census(tree, parsed)
        return census

    # dicts of lists grown in place -> the same values built anew (grouping.py)
    if grow_as_values(tree, parsed, namer):
        census = None
    # record = (history, "tanh"); record[0] -> history (pairs.py)
    if read_through_pairs(tree):
        census = None
    # a deque made in f and used as a queue -> a list (deques.py)
    if current().deques:
        deques_as_lists(tree, parsed, namer)
        census = None
    # calls of np.vectorize objects -> the loop over elements they run (vectorized.py)
    if current().vectorize:
        vectorized_calls(tree, parsed, namer)
        census = None
    # np.apply_along_axis(func1d, axis, arr) -> the loop over slices it runs (along_axis.py)
    if current().along_axis:
        along_axis_calls(tree, parsed, namer)
        census = None
    # generators consumed in f -> nested functions running their bodies (generators.py)
    if current().generators:
        inline_generators(tree, namer, parsed)
        census = None
    # what the function's own names denote (local_functions.py, namespaces.py)
    # (walked: the Walk of the tree as they leave it, None if they changed it)
    local_functions, walked = local_functions_and_walk(tree, namer, parsed, current().walk)
    census = None
    # for v in xs: ... xs.append(...) -> a while loop over a position (growing.py)
    if loops_over_growing_lists(tree, namer, walked):
        walked = None
    # (its renaming of names in place leaves `walked` the walk of the tree)
    shadowed = globals_shadowed_by_helpers(tree, parsed, namer, walked)
    if array_namespaces(tree, parsed):
        walked = None
    if library_aliases(tree, parsed):
        walked = None
    defaults = function_defaults(tree, parsed, namer)
    # assert / with / try -> marked ifs (blocks.py), where any occurs
    if walked is None or walked.has(_BLOCK_SUBJECTS) or any(
            n.orelse for loop in _LOOPS for n in walked.of(loop)):
        tree.body = Blocks(namer, parsed.location, tree, resolve=parsed.resolve).block(tree.body)
        walked = None
    # variables that may be read unset start as unbound(name) (unbound.py)
    unset = maybe_unset(tree)
    if identity_reads(tree, unset):  # (`a is None` of an unset a raises, as in Python)
        walked = None
    # break / continue / return -> flags (control_flow.py), which changes the statements
    # in the tree's ifs and loops only where one of those (or a raise) stands in them
    if walked is not None and any(n is not tree.body[-1]
                                  for exit_ in _EXITS for n in walked.of(exit_)):
        walked = None
    body = ControlFlow(namer).function(tree.body)
    # expressions -> one operation per statement (flatten.py and the modules it assembles)
    budget = inlining.INLINE_BUDGET if inline else 0
    body = Flatten(namer, parsed, local_functions, user_names, budget,
                   walked and walked.nodes).function_body(body)
    explicit_super(body, tree, parsed)
    sentinels = []
    for name in unset:
        sentinels.append(at_line(assign(name, call("unbound", const(name))),
                                 getattr(tree, "lineno", None)))
        SENTINEL.set(sentinels[-1], True)
    body = shadowed + defaults + sentinels + body
    # inputs written in place -> writes on a copy, written back at the return (inputs.py)
    body = own_inputs(body, tree, parsed.owned_inputs, namer, parsed.lookup)
    new = gast.FunctionDef(
        name=tree.name, args=tree.args, body=body, decorator_list=[], returns=None,
        type_comment=None, type_params=[],
    )
    new.namer = namer
    return new


def explicit_super(body, tree, parsed) -> None:
    """`super()` -> `super(__class__, self)` (self: the first parameter): the generated
    code keeps the call, and the functions made from it need not take the object first
    (forward mode passes tangents first), where `super()` would read another argument."""
    code = getattr(parsed.func, "__code__", None)
    args = tree.args.posonlyargs + tree.args.args
    if not args or code is None or "__class__" not in code.co_freevars:
        return
    for node in (n for s in body for n in walk(s)):
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Name) \
                and node.func.id == "super" and not node.args and not node.keywords \
                and parsed.resolve(node.func) is builtins.super:
            node.args = [gast.Name(id="__class__", ctx=gast.Load(), annotation=None,
                                   type_comment=None),
                         gast.Name(id=args[0].id, ctx=gast.Load(), annotation=None,
                                   type_comment=None)]
