"""Functions kept in a list, tuple or dict and called from it -> a choice between calls of
each function by name, so each call is a call pullback can differentiate (a rule where
the code names np.tanh, an inlined lambda).

A function table is a list or tuple display whose elements are all functions, or a
dict display with constant keys whose values are all functions; a function is a nested
function or lambda of f (already set aside by local_functions.py) or a dotted name that
denotes a callable and is not one of f's own variables (guards catch a rebound global).
A table is written where it is used, or assigned once to a name at the top level of f,
which nothing else assigns or deletes, no nested function reads, and f reads only to
call an element (`T[key](...)`), loop over it in a `for` or a comprehension (`T`,
`T.values()`, `T.items()`, `enumerate(T)`) or ask whether a dict table holds a key
(`key in T`, `key not in T`: asked of a dict of its constant keys): nothing can
change it.

Guarantees, for such a table T of functions f0 ... fn-1:
- `T[key](args)` after T is bound is `f0(args) if (position := P) == 0 else f1(args) if
  position == 1 else ... fn-1(args)`, where P is `table_position(n, key)` for a list or
  tuple (negative positions, IndexError and TypeError as for the list; a slice key
  raises what calling the list it gives raises) and `{k0: 0, ...}[key]` for a dict
  (KeyError as for the dict): the key is evaluated once, before the arguments, and
  exactly one function is called, the one Python calls;
- `for g in T` (a list or tuple), `for g in T.values()`, `for k, g in T.items()` and
  `for i, g in enumerate(T)`, where the body only calls g and never assigns it, loop
  over `range(n)` (the keys and positions read from constant tuples) and each `g(args)`
  is the choice above on the position; so do the `for`s of comprehensions
  (`sum(g(x) for g in T)`, `[g(x) for k, g in T.items()]`);
- a table assignment whose name is no longer read is dropped; any other use of a table
  is left as written (a nested function used as a value is then refused, located, by
  local_functions.py; a call through a value holding a NumPy function, by the analysis).

>>> from pullback.ir.naming import Namer, all_names
>>> from pullback.lower.example import parsed, show
>>> from pullback.lower.local_functions import extract_local_functions
>>> def f(x, name):
...     acts = {"relu": lambda v: np.maximum(v, 0.0), "tanh": np.tanh}
...     return acts[name](x)
>>> p = parsed(f)
>>> namer = Namer(all_names(p.tree))
>>> found = extract_local_functions(p.tree, namer, p)
>>> show(p.tree)
def f(x, name):
    return lambda_2(x) if (position := {'relu': 0, 'tanh': 1}[name]) == 0 else np.tanh(x)
"""

from __future__ import annotations

import functools
import inspect

import gast

from ..frontend.parse import is_library
from ..ir.nodes import (
    Walk,
    assign,
    call,
    clone,
    const,
    dotted_name,
    load,
    parameters,
    store,
    stored_in_order,
    tuple_of,
    walk,
)
from .common import captured


def dispatch_function_tables(tree, namer, parsed, local_functions, walked=None) -> bool:
    """Rewrite, in place, the calls through function tables of `tree` (see the module);
    `walked`: the tree's `Walk`, if the caller has it. False: the tree is left as it was."""
    walked = Walk(tree) if walked is None else walked
    if not any(_may_be_table(n) for display in _DISPLAYS for n in walked.of(display)):
        return False
    own = set(parameters(tree.args)) | set(stored_in_order(tree)) | captured(tree)
    partials: set = set()  # names the partials of tables are bound to (see hoist_partials)

    def is_function(e):
        if isinstance(e, gast.Name) and (e.id in local_functions or e.id in partials):
            return True
        dotted = dotted_name(e)
        if dotted is None or dotted.split(".")[0] in own:
            return False
        found = parsed.resolve(e)
        return callable(found)

    def table_of(e):
        """(the functions, their keys (None for a list or tuple)) of a display, or None."""
        if isinstance(e, (gast.List, gast.Tuple)) and e.elts \
                and all(is_function(v) for v in e.elts):
            return list(e.elts), None
        if isinstance(e, gast.Dict) and e.keys and all(
                isinstance(k, gast.Constant) for k in e.keys) \
                and len({repr(k.value) for k in e.keys}) == len(e.keys) \
                and all(is_function(v) for v in e.values):
            return list(e.values), [k.value for k in e.keys]
        return None

    def is_partial(e):
        """functools.partial(g, ...), or a call of a factory of the user's (`make(2)`,
        a Python function with source: what it returns is called where the table is)"""
        if not isinstance(e, gast.Call) or any(isinstance(a, gast.Starred) for a in e.args) \
                or not all(k.arg is not None for k in e.keywords) \
                or (dotted_name(e.func) or ".").split(".")[0] in own:
            return False
        found = parsed.resolve(e.func)
        if found is functools.partial:
            return bool(e.args) and is_function(e.args[0])
        return is_factory(e)

    def is_factory(e):
        found = parsed.resolve(e.func)
        return inspect.isfunction(found) and not is_library(found)

    def is_reduce(e):
        return (dotted_name(e.func) or ".").split(".")[0] not in own \
            and parsed.resolve(e.func) is functools.reduce

    partials.update(_hoist_partials(tree, namer, is_function, is_partial, is_factory))
    named = _named_tables(tree, local_functions, table_of, is_reduce)
    Dispatch(namer, named, table_of, [tree, *local_functions.values()],
             parsed.lookup("enumerate") is enumerate and "enumerate" not in own,
             is_reduce).visit(tree)
    still_read = {n.id for n in walk(tree) if isinstance(n, gast.Name)
                  and isinstance(n.ctx, gast.Load)}
    tree.body = [s for s in tree.body if not (
        isinstance(s, gast.Assign) and id(s) in {id(a) for a, _ in named.values()}
        and s.targets[0].id not in still_read)]
    return True


_DISPLAYS = frozenset((gast.List, gast.Tuple, gast.Dict))


def _may_be_table(display) -> bool:
    """Whether every element of a display is spelled as a function can be (a name, a
    dotted name, or a call such as `functools.partial(g, a)`): the displays `table_of`
    may take for tables, once their partials are named (`_hoist_partials`)."""
    elts = display.values if display.__class__ is gast.Dict else display.elts
    return bool(elts) and all(e.__class__ in (gast.Name, gast.Attribute, gast.Call)
                              for e in elts)


def _hoist_partials(tree, namer, is_function, is_partial, is_factory) -> set:
    """`T = [functools.partial(g, a), np.tanh]` at the top level of f, each element a
    function or a partial of one: each partial bound first to a name of its own
    (`partial_g = functools.partial(g, a)`, evaluated in the display's order) that the
    display holds, so T is a table and made_callables.py follows the calls of each
    partial. Only where nothing evaluated before the display in the statement comes
    after the partial's arguments: the display is the statement's whole value or a for
    loop's iterable, or the partial's arguments are constants and names. A call of a
    factory of the user's (`{"q": make(2), "lin": lambda v: 2 * v}`, which runs code)
    is named so only where the display is the statement's whole value or a for loop's
    iterable. Returns the names bound."""
    hoisted = set()
    body = []
    for stmt in tree.body:
        first = stmt.value if isinstance(stmt, gast.Assign) else \
            stmt.iter if isinstance(stmt, gast.For) else None  # evaluated first
        for display in [n for n in walk(stmt) if n.__class__ in _DISPLAYS]:
            elts = display.values if display.__class__ is gast.Dict else display.elts
            if not elts or not any(is_partial(e) for e in elts) \
                    or not all(is_function(e) or is_partial(e) for e in elts):
                continue
            if display is not first and (any(is_factory(e) for e in elts if is_partial(e))
                                         or not all(
                    isinstance(a, (gast.Constant, gast.Name))
                    for e in elts if is_partial(e)
                    for a in [*e.args[1:], *(k.value for k in e.keywords)])):
                continue
            for i, e in enumerate(elts):
                if is_partial(e):
                    held = namer.fresh(
                        (f"made_{dotted_name(e.func) or 'function'}" if is_factory(e) else
                         f"partial_{dotted_name(e.args[0]) or 'function'}").replace(".", "_"))
                    body.append(gast.copy_location(assign(held, e), stmt))
                    elts[i] = load(held)
                    hoisted.add(held)
        body.append(stmt)
    tree.body = body
    return hoisted


def _named_tables(tree, local_functions, table_of, is_reduce) -> dict:
    """{name: (its assignment, its table)} for the tables assigned to a name as the
    module docstring says."""
    bound: dict = {}
    for n in walk(tree):
        if isinstance(n, gast.Name) and not isinstance(n.ctx, gast.Load):
            bound[n.id] = bound.get(n.id, 0) + 1
    inner = {n.id for fdef in local_functions.values() for n in walk(fdef)
             if isinstance(n, gast.Name)}
    # where a table's name may stand: T[key](...), and the iterable of a for loop (T,
    # T.values(), T.items(), enumerate(T)); anywhere else (T.append, T[k] = v, g(T))
    # something may change it or read it as a value
    dispatching = set()
    for n in walk(tree):
        if isinstance(n, gast.Call) and isinstance(n.func, gast.Subscript) \
                and not isinstance(n.func.slice, gast.Slice):
            dispatching.add(id(n.func.value))
        elif isinstance(n, gast.Call) and 2 <= len(n.args) <= 3 and is_reduce(n):
            dispatching.add(id(n.args[1]))  # functools.reduce(F, T[, initial])
        elif isinstance(n, gast.Compare) and len(n.ops) == 1 \
                and isinstance(n.ops[0], (gast.In, gast.NotIn)):
            dispatching.add(id(n.comparators[0]))  # key in T: a dict table's keys
        elif isinstance(n, (gast.For, gast.comprehension)):
            it = n.iter
            dispatching.add(id(it))
            if isinstance(it, gast.Call) and not it.keywords:
                if isinstance(it.func, gast.Attribute) and not it.args \
                        and it.func.attr in ("values", "items"):
                    dispatching.add(id(it.func.value))
                elif len(it.args) == 1:
                    dispatching.add(id(it.args[0]))  # enumerate(T)
    elsewhere = {n.id for n in walk(tree) if isinstance(n, gast.Name)
                 and isinstance(n.ctx, gast.Load) and id(n) not in dispatching}
    named = {}
    for s in tree.body:
        if isinstance(s, gast.Assign) and len(s.targets) == 1 \
                and isinstance(s.targets[0], gast.Name):
            name = s.targets[0].id
            table = table_of(s.value)
            if table is not None and bound.get(name) == 1 and name not in inner \
                    and name not in elsewhere \
                    and name not in parameters(tree.args):
                named[name] = (s, table)
    return named


def _loops(tree):
    """(target, the nodes its variables are read in) of each for loop and each `for` of
    a comprehension."""
    for n in walk(tree):
        if isinstance(n, gast.For):
            yield n.target, n.body
        elif isinstance(n, (gast.ListComp, gast.SetComp, gast.GeneratorExp, gast.DictComp)):
            results = [n.key, n.value] if isinstance(n, gast.DictComp) else [n.elt]
            for i, gen in enumerate(n.generators):
                later = [later.iter for later in n.generators[i + 1:]]
                yield gen.target, results + later + [c for g in n.generators[i:]
                                                     for c in g.ifs]


class Dispatch(gast.NodeTransformer):
    def __init__(self, namer, named, table_of, trees, enumerate_is_builtin, is_reduce):
        self.namer = namer
        self.is_reduce = is_reduce
        self.uses: dict = {}  # name -> how many times f (or a nested function) names it
        for n in (n for t in trees for n in walk(t)):
            if isinstance(n, gast.Name):
                self.uses[n.id] = self.uses.get(n.id, 0) + 1
        self.enumerate_is_builtin = enumerate_is_builtin
        # name -> its uses by loops binding it (`for g in ...`, `for k, g in ...`) whose
        # bodies only call it: where that is all its uses, no read sees it after a loop
        self.called_in_loops: dict = {}
        for target, scope in _loops(trees[0]):
            if isinstance(target, gast.Tuple) and len(target.elts) == 2:
                target = target.elts[1]
            if not isinstance(target, gast.Name):
                continue
            callees = {id(n.func) for s in scope for n in walk(s)
                       if isinstance(n, gast.Call)}
            reads = [n for s in scope for n in walk(s)
                     if isinstance(n, gast.Name) and n.id == target.id]
            if all(isinstance(n.ctx, gast.Load) and id(n) in callees for n in reads):
                self.called_in_loops[target.id] = \
                    self.called_in_loops.get(target.id, 0) + len(reads) + 1
        self.named = named
        self.table_of = table_of
        self.bound: set = set()  # the named tables whose assignment has run
        self.looping: dict = {}  # loop variable holding a function -> (functions, position)

    def table(self, e):
        if isinstance(e, gast.Name) and e.id in self.named and e.id in self.bound:
            return self.named[e.id][1]
        return self.table_of(e)

    def visit_FunctionDef(self, node):
        for s in node.body:
            self.visit(s)
            if isinstance(s, gast.Assign) and any(s is a for a, _ in self.named.values()):
                self.bound.add(s.targets[0].id)
        return node

    def visit_Compare(self, node):
        """`key in T` (`not in`) of a dict table T: asked of a dict of its constant keys (a
        key that cannot be hashed raises as it does for T)."""
        self.generic_visit(node)
        held = node.comparators[0] if len(node.ops) == 1 and isinstance(
            node.ops[0], (gast.In, gast.NotIn)) else None
        table = self.table(held) if isinstance(held, gast.Name) else None
        if table is not None and table[1] is not None:
            keys = gast.Dict(keys=[const(k) for k in table[1]],
                             values=[const(0) for _ in table[1]])
            node.comparators = [gast.copy_location(keys, held)]
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        func = node.func
        unrolled = self.reduce_over_table(node)
        if unrolled is not None:
            return unrolled
        if isinstance(func, gast.Name) and func.id in self.looping:
            functions, position = self.looping[func.id]
            return self.choice(functions, load(position), None, node)
        if isinstance(func, gast.Subscript) and not isinstance(func.slice, gast.Slice):
            table = self.table(func.value)
            if table is not None:
                functions, keys = table
                if keys is None:  # (a slice key raises, as calling a list does)
                    display = self.named[func.value.id][0].value \
                        if isinstance(func.value, gast.Name) else func.value
                    kind = "tuple" if isinstance(display, gast.Tuple) else "list"
                    where = call("table_position", const(len(functions)), func.slice,
                                 const(kind))
                else:
                    where = gast.Subscript(value=gast.Dict(
                        keys=[const(k) for k in keys],
                        values=[const(i) for i in range(len(keys))]),
                        slice=func.slice, ctx=gast.Load())
                position = self.namer.fresh("position")
                return self.choice(functions, gast.NamedExpr(target=store(position),
                                                             value=where), position, node)
        return node

    def reduce_over_table(self, node):
        """`functools.reduce(F, T, initial)` over a list or tuple table T of functions
        f0 ... fn-1 as the calls it makes, `F(...F(F(initial, f0), f1)..., fn-1)` (without
        `initial`: `F(...F(f0, f1)..., fn-1)`), F a function named or dotted; None for
        any other call."""
        args = node.args
        if node.keywords or not 2 <= len(args) <= 3 or dotted_name(args[0]) is None \
                or any(isinstance(a, gast.Starred) for a in args) or not self.is_reduce(node):
            return None
        table = self.table(args[1])
        if table is None or table[1] is not None:
            return None
        functions = [clone(f) for f in table[0]]
        acc = args[2] if len(args) == 3 else functions.pop(0)
        for f in functions:
            acc = gast.copy_location(gast.Call(func=clone(args[0]), args=[acc, f],
                                               keywords=[]), node)
        return acc

    @staticmethod
    def choice(functions, first_test, position, node):
        """`f0(args) if <first_test> == 0 else f1(args) if position == 1 else ...`."""
        position = position or first_test.id

        def called(f):
            return gast.Call(func=clone(f), args=[clone(a) for a in node.args],
                             keywords=[clone(k) for k in node.keywords])

        chosen = called(functions[-1])
        for i in range(len(functions) - 2, -1, -1):
            test = first_test if i == 0 else load(position)
            chosen = gast.IfExp(test=gast.Compare(left=test, ops=[gast.Eq()],
                                                  comparators=[const(i)]),
                                body=called(functions[i]), orelse=chosen)
        if len(functions) == 1:  # the key is still checked
            chosen = gast.IfExp(test=gast.Compare(left=first_test, ops=[gast.Eq()],
                                                  comparators=[const(0)]),
                                body=chosen, orelse=called(functions[0]))
        return gast.copy_location(chosen, node)

    def visit_For(self, node):
        loop = self.table_loop(node)
        if loop is None:
            self.generic_visit(node)
            return node
        function, functions, others = loop
        position = self.namer.fresh(f"{function}_position")
        node.target = store(position)
        node.iter = call(self.namer.spelled_builtin("range"), const(len(functions)))
        node.body = [gast.copy_location(assign(other, load(position) if keys is None else
                                               gast.Subscript(value=keys, slice=load(position),
                                                              ctx=gast.Load())), node)
                     for other, keys in others] + node.body
        self.looping[function] = (functions, position)
        self.generic_visit(node)
        del self.looping[function]
        return node

    def visit_comprehension_node(self, node):
        """[... g(x) ... for g in T ...]: each such `for` over the positions (with
        `enumerate` of the keys or positions for a second loop variable)."""
        started = []
        for gen in node.generators:
            loop = self.table_loop(gen)
            if loop is None:
                continue
            function, functions, others = loop
            if others and not self.enumerate_is_builtin:
                continue
            position = self.namer.fresh(f"{function}_position")
            steps = call(self.namer.spelled_builtin("range"), const(len(functions)))
            if others:
                (other, keys), = others
                gen.target = tuple_of(store(position), store(other), ctx=gast.Store())
                gen.iter = call("enumerate", steps if keys is None else keys)
            else:
                gen.target, gen.iter = store(position), steps
            self.looping[function] = (functions, position)
            started.append(function)
        self.generic_visit(node)
        for function in started:
            del self.looping[function]
        return node

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = \
        visit_comprehension_node

    def table_loop(self, node):
        """(the loop variable holding a function, the functions, the other loop variable
        and the constants it takes (None: the position itself)) for a loop (or a
        comprehension's `for`) over a table, or None."""
        it, target = node.iter, node.target
        others = []  # (a name the loop also binds, the constants it takes, None: the position)
        table = None
        if isinstance(target, gast.Name):
            table = self.table(it)
            if table is None and isinstance(it, gast.Call) and not it.args \
                    and not it.keywords and isinstance(it.func, gast.Attribute) \
                    and it.func.attr == "values":
                table = self.table(it.func.value)
                table = table if table and table[1] is not None else None
            elif table is not None and table[1] is not None:
                table = None  # `for k in d` loops over the keys
            function = target.id
        elif isinstance(target, gast.Tuple) and len(target.elts) == 2 \
                and all(isinstance(e, gast.Name) for e in target.elts) \
                and isinstance(it, gast.Call) and not it.keywords:
            other, function = target.elts[0].id, target.elts[1].id
            if isinstance(it.func, gast.Attribute) and it.func.attr == "items" and not it.args:
                table = self.table(it.func.value)
                if table and table[1] is not None:
                    others = [(other, tuple_of(*[const(k) for k in table[1]]))]
                else:
                    table = None
            elif isinstance(it.func, gast.Name) and it.func.id == "enumerate" \
                    and self.enumerate_is_builtin and len(it.args) == 1:
                table = self.table(it.args[0])
                if table and table[1] is None:
                    others = [(other, None)]
                else:
                    table = None
        if table is None or function in self.looping:
            return None
        if self.uses[function] != self.called_in_loops.get(function):
            return None  # g is used other than called in the body of loops binding it
        return function, table[0], others
