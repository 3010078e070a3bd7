"""Expressions -> A-normal form: one operation per statement, over atoms; the third
lowering, which dispatches each construct to the lowering that owns it.

Guarantees on the output (the core language normalize.py describes): every statement
is `name = simple` (an atom, or ONE operation over atoms), an in-place write
`name[index] = atom`, an `if name:`, a loop (see loops.py), `raise`, `if name: break` or
the final `return name`; operands are evaluated once, left to right, and `and`, `or`,
conditional expressions and chained comparisons keep their short-circuit as `if`s;
augmented assignment and unpacking (swaps included) are plain assignments, an
unpacking checked to have the right length (`unpack_check`); a display with starred
items (`(*shape, -1)`, `[*xs, y]`) is the `+` of tuples (lists) of its parts;
`obj.attr = v` is a call of `set_attribute` made for its effect; an expression
statement is `unused = ...`, marked `effect`. Every statement carries the line of the
user statement it comes from.

`Flatten` is one object assembled from the lowerings of the modules beside this one:
loops.py (for, while, iteration forms), calls.py (call forms, array methods, in-place
NumPy writes), made_callables.py (functools.partial, operator.itemgetter/attrgetter),
containers.py (dict calls, d.get, d.setdefault, pop, min/max), inlining.py (user
functions inlined at their calls) and comprehensions.py (comprehensions and the
builtins that build sequences).

>>> from pullback.lower.example import lowered, show
>>> def f(x, y):
...     a, b = y, x
...     a += 1.0
...     return np.sin(a * b) if x > 0 and y > 0 else 0.0
>>> show(lowered(f))
def f(x, y):
    a = y
    b = x
    a = a + 1.0
    both = x > 0
    if both:
        both = y > 0
    if both:
        mul = a * b
        choice = np.sin(mul)
    else:
        choice = 0.0
    out = choice
    return out
"""

from __future__ import annotations

import builtins

import gast
import numpy as np

from .. import rules
from ..frontend.check import is_list_update
from ..frontend.parse import MISSING
from ..ir.annotations import (
    AUGMENTED,
    BLOCK,
    BUILTIN,
    CHECKED_NAME,
    EFFECT,
    IS_RETURN,
    LIST_UPDATE,
    MOVED,
    MUST_NOT_BE_VIEW,
    ORIGIN,
    SENTINEL,
)
from ..ir.naming import op_name
from ..ir.nodes import (
    assign,
    attribute_chain,
    binop,
    call,
    clone,
    const,
    dotted_name,
    if_,
    is_atom,
    load,
    not_,
    parameters,
    stored_in_order,
    tuple_of,
    walk,
)
from .calls import Calls
from .common import at_lines, located_error, reads_name
from .comprehensions import Comprehensions
from .containers import Containers, dict_names, mapping_names, set_names
from .inlining import BuiltObjects, Inlining
from .iterators import Iterators, changed_in_place, iterator_names
from .loops import Loops
from .made_callables import MadeCallables
from .moves import moves


def _base_name(expr) -> str:
    """The base of the fresh name for the value of `expr` (`add`, `sin`, `x_item`)."""
    if isinstance(expr, gast.BinOp):
        return op_name(expr.op)
    if isinstance(expr, gast.UnaryOp):
        return op_name(expr.op)
    if isinstance(expr, gast.Call):
        name = dotted_name(expr.func)
        if name:
            return name.rsplit(".", 1)[-1]
        return expr.func.attr if isinstance(expr.func, gast.Attribute) else "call"
    if isinstance(expr, gast.Subscript):  # x[i]: x_item; x[1:n]: x_slice; (a + b)[0]: item
        if isinstance(expr.value, gast.Attribute) and expr.value.attr == "shape":
            return "n"  # X.shape[0]: a count
        base = expr.value
        while isinstance(base, gast.Subscript):  # x[i][:, None]: named after x too
            base = base.value
        if not isinstance(base, gast.Name):
            return "item"
        sliced = isinstance(expr.slice, gast.Slice) or isinstance(expr.slice, gast.Tuple) \
            and any(isinstance(e, gast.Slice) for e in expr.slice.elts)
        return f"{base.id}_{'slice' if sliced else 'item'}"
    if isinstance(expr, gast.Attribute):
        return expr.attr
    if isinstance(expr, gast.Compare):
        return "cond"
    if isinstance(expr, gast.BoolOp):
        return "both" if isinstance(expr.op, gast.And) else "either"
    if isinstance(expr, gast.IfExp):
        return "choice"
    if isinstance(expr, (gast.Tuple, gast.List)):
        return "values"
    return "value"


def _may_read(expr, name) -> bool:
    """Whether evaluating `expr` may read the local `name`: it names it, or calls
    something other than a builtin or a module's or object's attribute (a local function
    or lambda may read it from the enclosing scope)."""
    for n in walk(expr):
        if isinstance(n, gast.Name) and n.id == name or isinstance(n, gast.Lambda):
            return True
        if isinstance(n, gast.Call) and not isinstance(n.func, gast.Attribute) and not (
                isinstance(n.func, gast.Name) and hasattr(builtins, n.func.id)):
            return True
    return False


def _held_read(value) -> bool:
    """`obj.attr`, `obj.attr[k]`, `obj.a.b["k"][0]`: what a name's object holds, under
    constant keys (None: no value)."""
    while isinstance(value, gast.Subscript) and isinstance(value.slice, gast.Constant):
        value = value.value
    if not isinstance(value, gast.Attribute):
        return False
    while isinstance(value, gast.Attribute):
        value = value.value
    return isinstance(value, gast.Name)


def _item_of_name(expr) -> bool:
    """Whether `expr` is `a[index]` of a name `a`."""
    return isinstance(expr, gast.Subscript) and isinstance(expr.value, gast.Name)


def indexing_call(subscript):
    """`np.r_[a, 0:3]` as the call `np.r_.__getitem__((a, slice(0, 3, None)))`: the object
    builds the value by a rule keyed by its bound `__getitem__` (rules.builds_by_indexing)."""
    items = subscript.slice.elts if isinstance(subscript.slice, gast.Tuple) \
        else [subscript.slice]
    items = [gast.Call(func=load("slice"), args=[bound or const(None) for bound in
                                                  (s.lower, s.upper, s.step)], keywords=[])
             if isinstance(s, gast.Slice) else s for s in items]
    method = gast.Attribute(value=subscript.value, attr="__getitem__", ctx=gast.Load())
    return call(method, gast.Tuple(elts=items, ctx=gast.Load()))


_SIGNS = {gast.Add: "+", gast.Sub: "-", gast.Mult: "*", gast.Div: "/"}
# The nodes besides names not read that dict_names, set_names and mapping_names look at
_CONTAINER_NODES = frozenset((gast.Assign, gast.AnnAssign, gast.For, gast.AugAssign,
                              gast.comprehension, gast.Attribute, gast.Subscript))


class Flatten(Loops, Calls, MadeCallables, Containers, Inlining, BuiltObjects, Comprehensions,
              Iterators):
    """Flattens the statements of one function (`block`), lowering each construct."""

    def __init__(self, namer, parsed, local_functions, user_names, inline_budget,
                 walked=None):
        """`walked`: `walk(parsed.tree)`, if the caller has it."""
        self.namer = namer
        self.parsed = parsed
        self.lineno = None
        self.lined: dict = {}  # id -> each statement a block's lowering gave lines to
        self.local_functions: dict = local_functions  # name -> its definition (inlined)
        self.made: dict = {}  # name -> a callable functools.partial or operator made
        self.user_names: set = user_names  # names of the user's function, and reserved ones
        self.inlining: list = []  # the functions being inlined, innermost last
        self.readable: dict = {}  # module-level function -> its checked Parsed
        self.small: dict = {}  # user function -> its checked Parsed if small enough to inline
        self.inline_budget = inline_budget  # statements of small functions still to inline
        self.globals_names: dict = {}  # id of a module's globals -> the name they get
        self.rebound: set = set()  # names the loop being normalized assigns
        self.resized: set = set()  # lists whose length that loop's body may change
        self.built: set = set()  # fresh names of lists built for a comprehension or builtin
        self._containers = None  # names only ever bound to lists or dicts (augassign)
        self._held = None  # names only ever bound to an object's attribute (or its item)
        self.moves: dict = {}  # `a = b` statements after which b is not read (moves.py)
        self._object_facts = None  # inlining.py: what f does with its objects (one walk)
        self.object_methods: dict = {}  # (name, method) -> built_object_method's answer
        self.built_objects: dict = {}  # name -> an object kept as its attributes (inlining.py)
        self.object_owners: list = []  # (object, class) of the methods being inlined
        self.kinds_of: dict = {}  # function -> its parameters' kinds (calls.py)
        tree = parsed.tree
        # one walk for the questions below: names f binds (`x = ...`, a loop target) and
        # deletes, read per call of `as_tuple`, `annotated_array`, `attribute_item_write`
        # (a walk each was quadratic), and the nodes the containers' questions look at, in
        # the walk's order (the names read, constants, operations, calls: most of the
        # nodes, asked about by none of them, are left out of their loops)
        self.stored, self.deleted = set(), set()
        nodes = []
        keep, name, asked = nodes.append, gast.Name, _CONTAINER_NODES
        load, store, delete = gast.Load, gast.Store, gast.Del
        for n in walk(tree) if walked is None else walked:
            cls = n.__class__
            if cls is name:
                ctx = n.ctx.__class__
                if ctx is not load:  # (Store, Del, and Param: a parameter)
                    keep(n)
                    if ctx is store:
                        self.stored.add(n.id)
                    elif ctx is delete:
                        self.deleted.add(n.id)
            elif cls in asked:
                keep(n)
        self._bindings = nodes  # (holds_python_container, asked before flattening starts)
        self.locals = set(parameters(tree.args)) | self.stored
        self.dicts = dict_names(tree, self, nodes)
        # iterated as their elements (sets) or keys (mappings read), like dicts
        self.keyed = set_names(tree, self, nodes) | mapping_names(tree, nodes)
        kwarg = tree.args.kwarg
        if kwarg is not None and kwarg.id not in stored_in_order(*tree.body):
            self.dicts.add(kwarg.id)  # **kwargs is a dict while it is not rebound
        self.iterators = iterator_names(tree, parsed)  # it = iter(xs) (iterators.py)
        self.changed_in_place = changed_in_place(tree, parsed, local_functions) \
            if self.iterators else set()  # read only to start an iterator
        self.live_iterators: list = [{}]  # per block being flattened: iterator -> names

    def error(self, what, node):
        located_error(what, node, self.parsed.location)

    def function_body(self, body):
        """The function's body (the control-flow lowering's output), flattened; each
        `prev = cur` after which cur is bound anew before any read (moves.py) marked
        moved."""
        self.moves = moves(body, self.holds_python_container)
        return self.block(body)

    # statements ------------------------------------------------------------------

    def block(self, stmts):
        self.live_iterators.append({})  # an iterator started here is read in here only
        try:
            return self._block(stmts)
        finally:
            self.live_iterators.pop()

    def _block(self, stmts):
        out = []
        for stmt in stmts:
            self.lineno = getattr(stmt, "lineno", self.lineno)
            lineno = self.lineno
            new = self.stmt(stmt)
            at_lines(new, lineno, self.lined)
            origin = ORIGIN.of(stmt)  # a statement of an inlined function
            if origin is not None:
                for node in new:
                    if ORIGIN.of(node) is None:
                        ORIGIN.set(node, origin)
            if IS_RETURN.of(stmt):  # the result may alias what it returns
                for node in new:
                    IS_RETURN.set(node, True)
            out.extend(new)
        self.lined.update((id(s), s) for s in out)  # (kept: no id is reused while they are)
        return out

    def stmt(self, s):
        out: list = []
        if self.built_objects and isinstance(s, gast.Expr):
            s = self.object_statement(s)  # obj.xs.append(v) of an object f builds
        if isinstance(s, gast.Assign) and len(s.targets) == 1 \
                and isinstance(s.targets[0], gast.Name) and self.grows_an_objects_list(s.value):
            self.effect(s.value, out)  # `unused = As.append(v)` (a gradient's own line):
            out.append(assign(s.targets[0].id, const(None)))  # the growth, and its None
        elif isinstance(s, gast.Assign):
            if len(s.targets) == 1:
                self.assign_to(s.targets[0], s.value, out)
                if id(s) in self.moves and len(out) == 1:
                    MOVED.set(out[0], True)  # `prev = cur`: cur is bound anew before a read
            else:
                value = self.atom(s.value, out)
                for target in s.targets:
                    self.assign_to(target, value, out)
        elif isinstance(s, gast.AnnAssign):
            if s.value is not None:
                self.assign_to(s.target, s.value, out)
        elif isinstance(s, gast.AugAssign):
            self.augassign(s, out)
        elif isinstance(s, gast.Expr) and is_list_update(s) and s.value.func.attr == "pop":
            self.pop(s.value, out)
        elif isinstance(s, gast.Expr) and is_list_update(s) \
                and not self.holds_an_objects_list(s.value.func.value.id):
            items = [self.atom(a, out) for a in s.value.args]  # (insert: the index first)
            update = gast.Expr(value=gast.Call(func=gast.Attribute(
                value=load(s.value.func.value.id), attr=s.value.func.attr, ctx=gast.Load()),
                args=items, keywords=[]))
            LIST_UPDATE.set(update, s.value.func.attr)
            out.append(update)
        elif isinstance(s, gast.Expr) and not isinstance(s.value, gast.Constant):
            self.effect(s.value, out)
        elif isinstance(s, (gast.Expr, gast.Pass)):
            pass  # a docstring
        elif isinstance(s, gast.Raise):
            exc = None if s.exc is None else self.atom(s.exc, out)
            cause = None if s.cause is None else self.atom(s.cause, out)
            out.append(gast.Raise(exc=exc, cause=cause))
        elif isinstance(s, gast.If) and BLOCK.of(s):
            self.marked_block(s, out)
        elif isinstance(s, gast.If):
            test = self.name_atom(s.test, out)
            out.append(if_(test, self.block(s.body), self.block(s.orelse)))
        elif isinstance(s, gast.For):
            self.for_(s, out)
        elif isinstance(s, gast.While):
            self.while_(s, out)
        elif isinstance(s, gast.Break):
            out.append(s)
        elif isinstance(s, gast.Delete):  # del x: reading x again fails, as in Python
            for target in s.targets:
                out.append(assign(target.id, call("unbound", const(target.id))))
                SENTINEL.set(out[-1], True)
        elif isinstance(s, gast.Return):
            out.append(gast.Return(value=self.name_atom(s.value, out)))
        else:  # check.py rejects everything else first
            self.error(type(s).__name__, s)
        return out

    def marked_block(self, s, out):
        """A `with` or `try` block (see blocks.py): its parts flattened, its marks kept."""
        test = self.atom(s.test, out) if s.block == "with" else s.test  # the manager
        new = if_(test, self.block(s.body), self.block(s.orelse))
        for mark in ("block", "entered", "catch", "caught"):
            if hasattr(s, mark):
                setattr(new, mark, getattr(s, mark))
        if s.block == "try":
            # the body's last writes may stay: appends ending it (with the tuples they
            # append: neither can raise), and one write before them (a write that raises
            # has had no effect)
            last = len(new.body)
            while last and (LIST_UPDATE.of(new.body[last - 1]) == "append"
                            or _cannot_raise(new.body[last - 1])):
                last -= 1
            if last and isinstance(new.body[last - 1], gast.Assign) \
                    and isinstance(new.body[last - 1].targets[0], gast.Subscript):
                last -= 1
            for t in walk(gast.Module(body=new.body[:last], type_ignores=[])):
                if isinstance(t, gast.Assign) and isinstance(t.targets[0], gast.Subscript) \
                        or LIST_UPDATE.of(t):
                    self.error("an in-place write or list update in a try body (if an "
                               "exception stopped the body after it, its effect would "
                               "outlive the body, which pullback does not follow); make the "
                               "write after the try", t)
        out.append(new)

    def effect(self, expr, out):
        """An expression statement: a call made for its effect (print, warnings.warn,
        logging, np.fill_diagonal ...) or an expression that may only raise. In-place
        NumPy writes become the subscript writes they are (`np.copyto(a, b)`,
        `a.fill(v)`: `a[...] = v`; `np.fill_diagonal(a, v)`: a write at a's diagonal;
        `f(..., out=a)` with a derivative rule for f: `a[...] = f(...)`), checked like
        `a[i] = v`. Anything else is kept as `unused = ...`, marked `effect`: activity
        decides whether it may run (see Analysis._check_effect)."""
        if isinstance(expr, gast.Call) and (self.write_into_part(expr, out)
                                            or self.in_place(expr, out)):
            return
        value = self.simple(expr, out)
        if self.built_object(value) or isinstance(expr, gast.Call) \
                and isinstance(value, gast.Name):
            return  # obj.fit(x) of a fluent method: the object, kept as its attributes;
            # an inlined function's result, a name (reading it has no effect)
        name = self.namer.fresh("unused")
        out.append(assign(name, value))
        EFFECT.set(out[-1], True)

    def write_into_part(self, expr, out) -> bool:
        """`np.put(a, ind, v)` as `a[put_index(a, ind, v)] = np.ravel(v)` (the elements of
        a.flat at `ind`); `np.add.at(a, ind, v)` as `a[...] = added_at(a, ind, v)`
        (np.subtract.at with -v); `np.copyto(a[i], v)` and `a[i].fill(v)`, for a name `a`, as
        `a[view_index(a, i)] = v` (view_index refuses, as it runs, an index that makes a
        copy, into which Python's call would write and drop). Checked like `a[i] = v`.
        False for any other call."""
        func, args = expr.func, expr.args
        head = dotted_name(func)
        callee = MISSING if head is None or head.split(".")[0] in self.locals \
            else self.resolved(func)
        if expr.keywords or any(isinstance(a, gast.Starred) for a in args):
            return False
        index = None
        if callee is np.put and len(args) == 3 and isinstance(args[0], gast.Name):
            if "np" in self.locals:
                self.error("np.put in a function with a variable named np: pullback writes "
                           "its values as np.ravel(values); rename the variable", expr)
            target, positions = args[0], self.atom(args[1], out)
            value = self.atom(gast.Call(func=attribute_chain("np.ravel"), args=[args[2]],
                                        keywords=[]), out, "values")
            index = call("put_index", load(target.id), positions, clone(value))
        elif callee in (np.add.at, np.subtract.at) and len(args) == 3 \
                and isinstance(args[0], gast.Name):
            target, positions = args[0], self.atom(args[1], out)
            value = args[2] if callee == np.add.at else gast.UnaryOp(op=gast.USub(),
                                                                     operand=args[2])
            value = self.atom(call("added_at", load(target.id), positions,
                                   self.atom(value, out)), out, "added")
            index = call("whole_array", load(target.id))
        elif callee is np.copyto and len(args) == 2 and _item_of_name(args[0]):
            target, value = args[0].value, args[1]
        elif isinstance(func, gast.Attribute) and func.attr == "fill" and len(args) == 1 \
                and _item_of_name(func.value) and func.value.value.id in self.locals:
            target, value = func.value.value, args[0]
        else:
            return False
        if index is None:
            item = expr.args[0] if callee is np.copyto else func.value
            parts = item.slice.elts if isinstance(item.slice, gast.Tuple) else [item.slice]
            parts = [gast.Call(func=load(self.namer.spelled_builtin("slice")), args=[
                self.atom(bound, out) if bound is not None else const(None)
                for bound in (p.lower, p.upper, p.step)], keywords=[])
                if isinstance(p, gast.Slice) else p for p in parts]
            where = self.atom(gast.Tuple(elts=parts, ctx=gast.Load())
                              if isinstance(item.slice, gast.Tuple) else parts[0], out, "where")
            value = self.atom(value, out)
            index = call("view_index", load(target.id), where)
        at = self.namer.fresh("at")
        out.append(assign(at, index))
        out.append(assign(gast.Subscript(value=load(target.id), slice=load(at),
                                         ctx=gast.Store()), value))
        return True

    def assign_to(self, target, value, out):
        if value.__class__ is gast.Call:
            self.asking_about(value)
        if self.start_iterator(target, value, out):
            return
        if isinstance(target, gast.Name) and self.bind_callable(target.id, value, out):
            return
        if isinstance(target, gast.Name) and (self.build_object(target.id, value, out)
                                              or self.alias_object(target.id, value, out)):
            return
        called = self.builtin(value.func) if isinstance(value, gast.Call) else None
        tool = self.itertool(value)
        if isinstance(target, gast.Name) and (isinstance(value, gast.GeneratorExp) or called
                                              in (builtins.map, builtins.reversed,
                                                  builtins.zip, builtins.enumerate,
                                                  builtins.filter) or tool is not None):
            what = "a generator" if called is None and tool is None else \
                f"itertools.{tool}()" if tool is not None else f"{called.__name__}()"
            self.error(f"{what} bound to a name: pullback makes it a list, which differs once "
                       "it is consumed twice; use a list comprehension or list()", value)
        if isinstance(target, gast.Name) and isinstance(value, gast.DictComp) \
                and not reads_name(value, target.id):
            self.comprehension(value, out, target.id)  # built under its own name: no copy
        elif isinstance(target, gast.Name) and isinstance(value, gast.Dict) \
                and None in value.keys and not reads_name(value, target.id):
            self.merged_dict(value, out, target.id)  # built under its own name: no copy
        elif isinstance(target, gast.Name) and called is builtins.dict \
                and not reads_name(value, target.id):
            self.dict_call(value, out, target.id)  # built under its own name: no copy
        elif isinstance(target, gast.Name) and (isinstance(value, gast.ListComp) or (
                called is builtins.list and len(value.args) == 1 and not value.keywords)) \
                and not reads_name(value, target.id):
            self.comprehension(self.as_list_comp(value), out, target.id)
        elif isinstance(target, gast.Name):
            simple = self.simple(value, out)
            if isinstance(value, gast.Call) and isinstance(simple, gast.Name) \
                    and simple.id == target.id:
                return  # `u = apply_bc(u)` inlined, returning its argument: u stays u
            out.append(assign(target.id, simple))
            if isinstance(simple, gast.Name) and simple.id in self.built:
                MOVED.set(out[-1], True)  # the new list's only name from now on
        elif isinstance(target, gast.Subscript):
            effect = self.attribute_item_write(target)
            atom = self.atom(value, out)
            base = self.atom(target.value, out)
            index = self.index(target.slice, out)
            if effect:  # self.cache[key] = v: made as f makes it (store_item)
                out.append(assign(self.namer.fresh("unused"), call(
                    "store_item", base, self.key_value(index, out), atom)))
                EFFECT.set(out[-1], True)
            else:
                out.append(assign(gast.Subscript(value=base, slice=index, ctx=gast.Store()),
                                  atom))
        elif isinstance(target, gast.Attribute) and self.built_object(target.value):
            self.object_store(target, value, out)
        elif isinstance(target, gast.Attribute) and _empty_container(value) is not None \
                and (not isinstance(value, gast.Call)
                     or self.parsed.lookup(value.func.id) in (dict, list)):
            self.set_attribute(target, None, out, _empty_container(value))
        elif isinstance(target, gast.Attribute):
            self.set_attribute(target, self.atom(value, out), out)
        elif isinstance(target, (gast.Tuple, gast.List)):
            self.unpack(target.elts, value, out)
        else:
            self.error(f"assignment to {type(target).__name__}", target)

    def unpack(self, targets, value, out):
        if isinstance(value, (gast.Tuple, gast.List)) and len(value.elts) == len(targets) \
                and not any(isinstance(t, gast.Starred) for t in [*targets, *value.elts]):
            if all(isinstance(t, gast.Name) for t in targets) \
                    and not any(_may_read(later, t.id) for i, t in enumerate(targets)
                                for later in value.elts[i + 1:]):
                # `a, b = [], []`: each value made straight into its name, in Python's
                # order, since no later value can see an earlier name bound early; a new
                # list then has one name from its making on
                for target, elt in zip(targets, value.elts):
                    self.assign_to(target, elt, out)
                return
            stored = {n.id for t in targets for n in walk(t) if isinstance(n, gast.Name)}
            atoms = []
            for elt in value.elts:
                atom = self.atom(elt, out)
                if isinstance(atom, gast.Name) and atom.id in stored:
                    copy_name = self.namer.fresh(f"{atom.id}_old")
                    out.append(assign(copy_name, atom))
                    atom = load(copy_name)
                atoms.append(atom)
            for target, atom in zip(targets, atoms):
                self.assign_to(target, atom, out)
            return
        seq = self.atom(value, out)
        starred = [i for i, t in enumerate(targets) if isinstance(t, gast.Starred)]
        # Python unpacks only a sequence of exactly that length (at least that many beside
        # a starred target; a ValueError otherwise, which an except clause may catch): the
        # reads below would not notice
        fixed = len(targets) - len(starred)
        out.append(assign(self.namer.fresh("unpacked"), call(
            "unpack_check", seq, const(fixed), const(bool(starred)))))
        if not starred:
            for i, target in enumerate(targets):
                self.assign_to(target, gast.Subscript(value=seq, slice=const(i),
                                                      ctx=gast.Load()), out)
            return
        # a, *rest, z = values: the items before the star from the front, those after it
        # from the back, and the star's name a list of the ones between
        star = starred[0]
        after = len(targets) - star - 1
        for i, target in enumerate(targets[:star]):
            self.assign_to(target, gast.Subscript(value=seq, slice=const(i), ctx=gast.Load()),
                           out)
        length = self.namer.fresh("n")
        out.append(assign(length, call(self.namer.spelled_builtin("len"), seq)))
        stop = binop(load(length), gast.Sub(), const(after))
        middle = gast.Subscript(value=seq, slice=gast.Slice(lower=const(star), upper=stop,
                                                            step=None), ctx=gast.Load())
        self.assign_to(targets[star].value, gast.Call(func=load("list"), args=[middle],
                                                      keywords=[]), out)
        for j, target in enumerate(targets[star + 1:]):
            item = binop(load(length), gast.Sub(), const(after - j))
            self.assign_to(target, gast.Subscript(value=seq, slice=item, ctx=gast.Load()), out)

    def set_attribute(self, target, atom, out, empty=None):
        """obj.attr = v as `unused = set_attribute(obj, 'attr', v)`, a call made for its
        effect: v may not be a value being differentiated (activity), and must be a
        number, a string, None or a tuple of them (checked as it runs): a counter or a
        setting on an object, never an array whose later changes pullback would not see."""
        if self.built_object(target.value):
            return self.object_store(target, atom, out)
        base = self.atom(target.value, out)
        name = self.namer.fresh("unused")
        if empty is not None:  # self._cache = {}: a new container, held by the object alone
            out.append(assign(name, call("set_new_container", base, const(target.attr),
                                         const(empty))))
        else:
            out.append(assign(name, call("set_attribute", base, const(target.attr), atom)))
        EFFECT.set(out[-1], True)

    def augassign(self, s, out):
        target = s.target
        if isinstance(target, gast.Attribute):  # self.count += 1
            old = self.atom(gast.Attribute(value=target.value, attr=target.attr,
                                           ctx=gast.Load()), out)
            new = self.atom(gast.BinOp(left=old, op=s.op, right=s.value), out)
            if isinstance(old, gast.Name) and isinstance(new, gast.Name):
                made = next(d for d in reversed(out) if isinstance(d, gast.Assign)
                            and isinstance(d.targets[0], gast.Name) and d.targets[0].id == new.id)
                shown = f"{dotted_name(target.value) or 'obj'}.{target.attr}"
                sign = _SIGNS.get(type(s.op), "op")
                MUST_NOT_BE_VIEW.set(made, (  # an array would be changed in place
                    f"`{shown} {sign}= ...` on an array changes it in place, and every "
                    f"other name for it, which pullback does not follow; write `{shown} = "
                    f"{shown} {sign} ...`\n  {self.parsed.location.describe(s).strip()}"))
                CHECKED_NAME.set(made, old.id)
            self.set_attribute(target, new, out)
            return
        if isinstance(target, gast.Name):
            rhs = self.atom(s.value, out)
            out.append(assign(target.id, binop(load(target.id), s.op, rhs)))
            AUGMENTED.set(out[-1], target.id)  # NumPy would update the array in place
            return
        if self.attribute_item_write(target):  # self.cache[k] += v on a parameter
            base = self.atom(target.value, out)
            index = self.index(target.slice, out)
            old = self.namer.fresh(_base_name(target))
            out.append(assign(old, gast.Subscript(value=base, slice=index, ctx=gast.Load())))
            new = self.atom(gast.BinOp(left=load(old), op=s.op, right=s.value), out)
            # the item is read again for the store (read by it alone: analysis/refusals)
            store_in = self.atom(clone(target.value), out)
            out.append(assign(self.namer.fresh("unused"), call(
                "store_item", store_in, self.key_value(clone(index), out), new)))
            EFFECT.set(out[-1], True)
            return
        self.attribute_item_write(target, augmented=True)
        base = self.atom(target.value, out)
        index = self.index(target.slice, out)
        old = self.namer.fresh(_base_name(target))
        out.append(assign(old, gast.Subscript(value=base, slice=index, ctx=gast.Load())))
        rhs = self.atom(s.value, out)
        new = self.namer.fresh(op_name(s.op))
        out.append(assign(new, binop(load(old), s.op, rhs)))
        # `+=` on the slot's value updates an array or list in place (and a user object
        # through __iadd__); analysis/aliasing checks whatever else may hold it
        AUGMENTED.set(out[-1], f"{dotted_name(target.value) or 'x'}[...]")
        out.append(assign(gast.Subscript(value=clone(base), slice=clone(index),
                                         ctx=gast.Store()), load(new)))

    def holds_python_container(self, name) -> bool:
        """Whether `name` only ever holds a list or dict (a display, a comprehension, a
        list's `+` or `*`, `list(...)`, `dict(...)`, `.tolist()`, the `.copy()` of such a
        name), never an array: a slot of it is not a view."""
        if name in self.dicts:
            return True
        if self._containers is None:
            bound: dict = {}
            assigned = set()
            # the walk's assignments and names bound, from __init__'s walk of the tree
            # (moves, before any statement is flattened, asks first)
            for node in self._bindings:
                if isinstance(node, gast.Assign):
                    for t in node.targets:
                        if isinstance(t, gast.Name):
                            bound.setdefault(t.id, []).append(node.value)
                            assigned.add(id(t))
                elif isinstance(node, gast.Name) and not isinstance(node.ctx, gast.Load) \
                        and id(node) not in assigned:
                    bound.setdefault(node.id, []).append(None)  # a parameter, loop target
            self._containers = set()
            while True:  # to a fixed point: `b = a.copy()` of a container a is one too
                found = {n for n, values in bound.items()
                         if all(map(self._python_container, values))}
                if found == self._containers:
                    break
                self._containers = found
        return name in self._containers

    def grows_an_objects_list(self, value) -> bool:
        """Whether `value` is `As.append(v)` (extend, insert, appendleft, extendleft) of a
        name for a list an object holds (holds_an_objects_list)."""
        return isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) \
            and value.func.attr in ("append", "extend", "insert", "appendleft", "extendleft") \
            and isinstance(value.func.value, gast.Name) \
            and self.holds_an_objects_list(value.func.value.id)

    def holds_an_objects_list(self, name) -> bool:
        """Whether `name` is only ever bound, in f's own body, to what an object holds:
        `As = self.derived["A"]`, `hist = self.hist` (an attribute of a name, or an item of
        one under constant keys). `As.append(v)` then grows that object's list, as
        `self.derived["A"].append(v)` does: an effect call, checked as one
        (Analysis._grows_a_held_list), not an update of a list f made (nor of an object
        f builds, whose lists are f's own)."""
        if self._held is None:
            bound: dict = {}
            assigned = set()
            for node in walk(self.parsed.tree):
                if isinstance(node, gast.Assign):
                    for t in node.targets:
                        if isinstance(t, gast.Name):
                            value = node.value if len(node.targets) == 1 else None
                            bound.setdefault(t.id, []).append(value)
                            assigned.add(id(t))
                elif isinstance(node, gast.Name) and not isinstance(node.ctx, gast.Load) \
                        and id(node) not in assigned:
                    bound.setdefault(node.id, []).append(None)
            params = set(parameters(self.parsed.tree.args))
            self._held = set()
            while True:  # to a fixed point: `d = self.derived; As = d["A"]` (a gradient's)
                found = {n for n, values in bound.items() if n not in params and all(
                    _held_read(v) or isinstance(v, gast.Subscript) and isinstance(
                        v.slice, gast.Constant) and isinstance(v.value, gast.Name)
                    and v.value.id in self._held for v in values)}
                if found == self._held:
                    break
                self._held = found
            self._held_bound = bound
        return name in self._held and not self._roots(name, set()) & set(self.built_objects)

    def _roots(self, name, seen) -> set:
        """The names of the objects whose attribute `name` (a held name) is read from (an
        object f builds is kept as its attributes: its lists are f's own)."""
        roots = set()
        if name in seen:
            return roots
        seen.add(name)
        for v in self._held_bound.get(name, ()):
            head = v
            while isinstance(head, (gast.Subscript, gast.Attribute)):
                head = head.value
            if isinstance(head, gast.Name):
                roots |= self._roots(head.id, seen) if head.id in self._held else {head.id}
        return roots

    def _python_container(self, value) -> bool:
        if isinstance(value, (gast.List, gast.ListComp, gast.Dict, gast.DictComp)):
            return True
        if isinstance(value, gast.BinOp) and isinstance(value.op, (gast.Add, gast.Mult)):
            return any(isinstance(side, (gast.List, gast.ListComp)) or (  # a list's + or *
                isinstance(side, gast.Name) and side.id in self._containers)
                for side in (value.left, value.right))
        if isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) \
                and not value.args and isinstance(value.func.value, gast.Name):
            return value.func.attr == "tolist" or (  # a list; a container's copy
                value.func.attr == "copy" and value.func.value.id in self._containers)
        return isinstance(value, gast.Call) and self.builtin(value.func) in (builtins.list,
                                                                            builtins.dict)

    # expressions -----------------------------------------------------------------

    def atom(self, expr, out, hint=None):
        if is_atom(expr):
            if isinstance(expr, gast.Name) and expr.id in self.local_functions:
                self.error(f"{self.shown(expr.id)} used as a value (only calls to it, and "
                           "passing it to a call, are differentiated)", expr)
            if self.built_objects:  # (most functions build none)
                self.object_escapes(expr)
            return expr
        simple = self.simple(expr, out)
        if is_atom(simple):
            return simple
        name = self.namer.fresh(hint or _base_name(expr))
        out.append(assign(name, simple))
        if ORIGIN.of(expr) is not None:  # from an inlined function's body
            ORIGIN.set(out[-1], expr.origin)
        return load(name)

    def name_atom(self, expr, out):
        atom = self.atom(expr, out)
        if isinstance(atom, gast.Name):
            return atom
        name = self.namer.fresh("c")
        out.append(assign(name, atom))
        return load(name)

    def simple(self, expr, out):
        if is_atom(expr):
            if self.built_objects:  # (most functions build none)
                self.object_escapes(expr)
            return expr
        if isinstance(expr, gast.NamedExpr):  # (n := value): n is set, the value is used
            value = self.atom(expr.value, out)
            self.assign_to(expr.target, value, out)
            return value
        if isinstance(expr, gast.BinOp):
            return binop(self.atom(expr.left, out), expr.op, self.atom(expr.right, out))
        if isinstance(expr, gast.UnaryOp):
            operand = self.atom(expr.operand, out)
            if isinstance(expr.op, (gast.USub, gast.UAdd)) and isinstance(operand, gast.Constant) \
                    and type(operand.value) in (int, float, complex):
                return const(-operand.value if isinstance(expr.op, gast.USub) else operand.value)
            return gast.UnaryOp(op=expr.op, operand=operand)
        if isinstance(expr, gast.Compare):
            left = self.atom(expr.left, out)
            right = self.atom(expr.comparators[0], out)
            first = gast.Compare(left=left, ops=[expr.ops[0]], comparators=[right])
            if len(expr.ops) == 1:
                return first
            # a < b < c: b is evaluated once, c only when a < b holds
            result = self.namer.fresh("cond")
            out.append(assign(result, first))
            rest = gast.Compare(left=right, ops=expr.ops[1:], comparators=expr.comparators[1:])
            body: list = []
            body.append(assign(result, self.simple(rest, body)))
            out.append(if_(load(result), body))
            return load(result)
        if isinstance(expr, gast.BoolOp):
            return self.boolop(expr, out)
        if isinstance(expr, gast.IfExp):
            result = self.namer.fresh("choice")
            test = self.name_atom(expr.test, out)
            body, orelse = [], []
            body.append(assign(result, self.simple(expr.body, body)))
            orelse.append(assign(result, self.simple(expr.orelse, orelse)))
            out.append(if_(test, body, orelse))
            return load(result)
        if isinstance(expr, gast.Call):
            return self.lower_call(expr, out)
        if isinstance(expr, gast.Attribute) and isinstance(expr.value, gast.Call):
            made = self.anonymous_object(expr.value, out)  # C(args).attr (inlining.py)
            if made is not None:
                expr = gast.Attribute(value=load(made), attr=expr.attr, ctx=gast.Load())
        if isinstance(expr, gast.Attribute) and self.built_object(expr.value):
            return self.object_attribute(expr, out)
        if isinstance(expr, gast.Attribute):
            dotted = dotted_name(expr)
            if dotted is not None and dotted.split(".")[0] not in self.locals:
                # np.pi, a module's constant: resolved as written (x.T.T of a local value
                # is two reads of .T, each of an atom)
                return gast.Attribute(value=expr.value, attr=expr.attr, ctx=gast.Load())
            return gast.Attribute(value=self.atom(expr.value, out), attr=expr.attr,
                                  ctx=gast.Load())
        if isinstance(expr, gast.Subscript) and self.built_object(expr.value):
            return self.container_protocol(expr, out)  # obj[i]: its __getitem__
        if isinstance(expr, gast.Subscript):
            if rules.builds_by_indexing(self.resolved(expr.value)):  # np.r_[x, c]
                return self.simple(indexing_call(expr), out)
            base = self.atom(expr.value, out)
            return gast.Subscript(value=base, slice=self.index(expr.slice, out), ctx=gast.Load())
        if isinstance(expr, (gast.Tuple, gast.List)) \
                and any(isinstance(e, gast.Starred) for e in expr.elts):
            return self.starred_display(expr, out)
        if isinstance(expr, (gast.Tuple, gast.List)):
            elts = [self.atom(e, out) for e in expr.elts]
            return type(expr)(elts=elts, ctx=gast.Load())
        if isinstance(expr, (gast.ListComp, gast.GeneratorExp, gast.DictComp)):
            return self.comprehension(expr, out)
        if isinstance(expr, (gast.Set, gast.SetComp)):  # a set of values: no gradient
            items = self.comprehension(gast.ListComp(elt=expr.elt, generators=expr.generators)
                                       if isinstance(expr, gast.SetComp) else
                                       gast.List(elts=expr.elts, ctx=gast.Load()), out) \
                if isinstance(expr, gast.SetComp) else self.atom(
                    gast.List(elts=expr.elts, ctx=gast.Load()), out)
            made = gast.Call(func=load(self.namer.spelled_builtin("set")), args=[items],
                             keywords=[])
            BUILTIN.set(made.func, builtins.set)
            return made
        if isinstance(expr, gast.Dict) and None in expr.keys:
            return self.merged_dict(expr, out)
        if isinstance(expr, gast.Dict):
            return gast.Dict(keys=[self.atom(k, out) for k in expr.keys],
                             values=[self.atom(v, out) for v in expr.values])
        if isinstance(expr, gast.JoinedStr):  # f"...{v:.{p}f}...": its values as atoms
            return gast.JoinedStr(values=[self.formatted(v, out) for v in expr.values])
        self.error(type(expr).__name__, expr)

    def starred_display(self, expr, out):
        """`(*shape, -1)` as `tuple(shape) + (-1,)`, `[*a, b]` as `list(a) + [b]`: each
        starred value made a tuple (a list) by a builtin call pullback writes, each run of
        plain items a display of them, joined by `+`, all evaluated left to right."""
        kind = type(expr)
        maker = builtins.tuple if kind is gast.Tuple else builtins.list
        parts, run = [], []
        for e in expr.elts:
            if not isinstance(e, gast.Starred):
                run.append(self.atom(e, out))
                continue
            if run:
                parts.append(self.atom(kind(elts=run, ctx=gast.Load()), out, "values"))
                run = []
            made = gast.Call(func=load(self.namer.spelled_builtin(maker.__name__)),
                             args=[e.value], keywords=[])
            BUILTIN.set(made.func, maker)  # pullback's own call
            parts.append(self.atom(made, out, "values"))
        if run:
            parts.append(self.atom(kind(elts=run, ctx=gast.Load()), out, "values"))
        joined = parts[0]
        for part in parts[1:]:
            joined = self.atom(binop(joined, gast.Add(), part), out, "values")
        return joined

    def formatted(self, part, out):
        if not isinstance(part, gast.FormattedValue):
            return part
        spec = part.format_spec
        if spec is not None:
            spec = gast.JoinedStr(values=[self.formatted(v, out) for v in spec.values])
        return gast.FormattedValue(value=self.atom(part.value, out), conversion=part.conversion,
                                   format_spec=spec)

    def boolop(self, expr, out):
        is_and = isinstance(expr.op, gast.And)
        result = self.namer.fresh("both" if is_and else "either")
        first, rest = expr.values[0], expr.values[1:]
        out.append(assign(result, self.simple(first, out)))
        body: list = []
        tail = rest[0] if len(rest) == 1 else gast.BoolOp(op=expr.op, values=rest)
        body.append(assign(result, self.simple(tail, body)))
        if is_and:
            out.append(if_(load(result), body))
        else:
            negated = self.namer.fresh(f"not_{result}")
            out.append(assign(negated, not_(load(result))))
            out.append(if_(load(negated), body))
        return load(result)

    def key_value(self, index, out):
        """An index as a value to pass to a call (store_item): its slices `a:b` written
        `slice(a, b, None)`, the tuple holding them a name of its own."""
        if not isinstance(index, (gast.Slice, gast.Tuple)) or isinstance(index, gast.Tuple) \
                and not any(isinstance(e, gast.Slice) for e in index.elts):
            return index
        parts = index.elts if isinstance(index, gast.Tuple) else [index]
        parts = [gast.Call(func=load(self.namer.spelled_builtin("slice")), args=[
            bound if bound is not None else const(None)
            for bound in (p.lower, p.upper, p.step)], keywords=[])
            if isinstance(p, gast.Slice) else p for p in parts]
        return self.atom(gast.Tuple(elts=parts, ctx=gast.Load())
                         if isinstance(index, gast.Tuple) else parts[0], out, "key")

    def index(self, index, out):
        if isinstance(index, gast.Slice):
            parts = [None if p is None else self.atom(p, out)
                     for p in (index.lower, index.upper, index.step)]
            return gast.Slice(lower=parts[0], upper=parts[1], step=parts[2])
        if isinstance(index, gast.Tuple):
            return tuple_of(*[self.index(e, out) for e in index.elts])
        return self.atom(index, out)


def _empty_container(value):
    """"dict" or "list" for an empty display or call (`{}`, `[]`, `dict()`, `list()`),
    else None."""
    if isinstance(value, gast.Dict) and not value.keys:
        return "dict"
    if isinstance(value, gast.List) and not value.elts:
        return "list"
    if isinstance(value, gast.Call) and isinstance(value.func, gast.Name) \
            and value.func.id in ("dict", "list") and not value.args and not value.keywords:
        return value.func.id
    return None


def _cannot_raise(s) -> bool:
    """`t = (a, b)`, `t = [a, b]`, `t = a` of names and constants: nothing to raise."""
    if not (isinstance(s, gast.Assign) and len(s.targets) == 1
            and isinstance(s.targets[0], gast.Name)):
        return False
    value = s.value
    parts = value.elts if isinstance(value, (gast.Tuple, gast.List)) else [value]
    return all(isinstance(p, (gast.Name, gast.Constant)) for p in parts)
