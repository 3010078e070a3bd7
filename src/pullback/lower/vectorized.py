"""Stage 3: calls of `np.vectorize` objects as the Python loop they run.

`vectorized_calls(tree, parsed, namer)` rewrites, in the function's own statements, a call
`V(a, b)` of a vectorize object V = `np.vectorize(fn, ...)` (made in the call, bound once
to a local name only called, by a statement of f's body itself, or a module-level one such
as a function decorated with `@np.vectorize`) into statements run just before the
statement holding it:

    v_a, v_b = a, b                                    (the arguments, once, in order)
    v_shape = np.broadcast_shapes(np.shape(v_a), np.shape(v_b))
    v_a_items = np.ravel(np.broadcast_to(v_a, v_shape)).tolist()  (one argument: of v_a)
    v_first = fn(v_a_items[0], v_b_items[0])           (no otypes: NumPy's call that finds
                                                        the output type; none with cache=True)
    v_values = [fn(p, q) for p, q in zip(v_a_items, v_b_items)]
    v_out = np.reshape(np.array(v_values, dtype=<otypes[0], else np.asarray(v_first).dtype>),
                       v_shape)

so that fn (a user function, a lambda, a library function with a rule) is differentiated
element by element, as the comprehension is: the gradient of each element is fn's
derivative there, and a result the output type truncates (an int first result) carries
none, as np.array's rule says.

Guarantee: fn runs on the same elements (Python numbers, as NumPy passes them), as many
times and in the same order as np.vectorize runs it (the first element once more first,
unless otypes is given or cache=True), and the result has its dtype and shape. Rewritten
only where running those statements first changes nothing else: the call is not inside a
comprehension, lambda, conditional expression, `and`/`or` operand or while test, and every
other call of the statement that runs before it only computes. Refused, located:
`excluded`, `signature`, more than one output type, keyword arguments of the call,
`*args`, a function given as a call's result (`np.vectorize(make())`).

>>> from pullback.ir.naming import Namer, all_names
>>> from pullback.lower.example import parsed, show
>>> def f(x):
...     return np.sum(np.vectorize(abs)(x))
>>> p = parsed(f)
>>> vectorized_calls(p.tree, p, Namer(all_names(p.tree)))
>>> show(p.tree)  # doctest: +ELLIPSIS
def f(x):
    vectorized_arg = x
    vectorized_shape = vectorized_shape_2(vectorized_arg)
    vectorized_arg_items = vectorized_ravel(vectorized_arg).tolist()
    vectorized_first = abs(vectorized_arg_items[0])
    vectorized_values = [abs(item) for item in vectorized_arg_items]
    vectorized = vectorized_reshape(vectorized_array(vectorized_values, ...), vectorized_shape)
    return np.sum(vectorized)
"""

from __future__ import annotations

import builtins

import gast
import numpy as np

from .. import rules
from ..ir.nodes import assign, call, clone, const, dotted_name, load, walk
from .common import at_line, located_error

_PURE = (builtins.len, builtins.abs, builtins.float, builtins.int, builtins.round,
         builtins.min, builtins.max, builtins.sum, builtins.pow)


def vectorized_calls(tree, parsed, namer) -> None:
    """Rewrite, in place, the vectorize calls of `tree` (the module docstring)."""
    calls = [n for n in walk(tree) if isinstance(n, gast.Call)]
    if not calls:
        return
    found = _Calls(tree, parsed, namer)
    if not found.locals and not any(found.vectorize(n) for n in calls):
        return
    tree.body = found.statements(tree.body)


class _Calls:
    what = "np.vectorize"  # the construct the refusals name (along_axis.py's subclass)

    def __init__(self, tree, parsed, namer):
        self.tree, self.parsed, self.namer = tree, parsed, namer
        self.named: dict = {}  # function -> the fresh name it is read under
        self.params = {n.id for n in walk(tree.args) if isinstance(n, gast.Name)}
        self.resolved: dict = {}  # dotted name -> what it denotes
        self.locals = {}  # local names bound once to np.vectorize(...), only called
        made = [s for s in tree.body  # (bound where f always runs it: its calls may run)
                if isinstance(s, gast.Assign) and len(s.targets) == 1
                and isinstance(s.targets[0], gast.Name) and isinstance(s.value, gast.Call)
                and self.resolve(s.value.func) is np.vectorize]
        if made:
            stores, loads, parents = {}, {}, {}
            for n in walk(tree):
                for c in gast.iter_child_nodes(n):
                    parents[id(c)] = n
                if isinstance(n, gast.Name):
                    (loads if isinstance(n.ctx, gast.Load) else stores).setdefault(
                        n.id, []).append(n)
            for s in made:
                name = s.targets[0].id
                if len(stores.get(name, ())) == 1 and all(
                        isinstance(parents.get(id(u)), gast.Call) and parents[id(u)].func is u
                        for u in loads.get(name, ())):
                    self.locals[name] = s
        self.made = {id(s) for s in self.locals.values()}

    def function(self, func):
        """A load of a fresh name bound to `func` (np.ravel, zip, ...)."""
        if func not in self.named:
            self.named[func] = self.namer.fresh(f"vectorized_{func.__name__}")
            self.parsed.aliases[self.named[func]] = func
        return load(self.named[func])

    def resolve(self, node):
        """What the name or dotted name `node` denotes (None: a parameter, a local, or
        anything else), resolved once per spelling."""
        key = dotted_name(node)
        if key is None:
            return None
        if key not in self.resolved:
            self.resolved[key] = self._resolve(node)
        return self.resolved[key]

    def _resolve(self, node):
        head = node
        while isinstance(head, gast.Attribute):
            head = head.value
        if not isinstance(head, gast.Name):
            return None
        if head.id in self.params:
            return None
        try:
            return self.parsed.resolve(node)
        except Exception:  # noqa: BLE001 (a local name, or one resolving to nothing)
            return None

    def vectorize(self, c):
        """(the function expression, otypes, cache) of a vectorize call `c`, or None."""
        func = c.func
        if isinstance(func, gast.Name) and func.id in self.locals:
            return self._made(self.locals[func.id].value)
        if isinstance(func, gast.Call) and self.resolve(func.func) is np.vectorize:
            return self._made(func)
        if isinstance(func, gast.Name) and func.id in self.stored():
            return None
        obj = self.resolve(func)
        if isinstance(obj, np.vectorize) and rules.lookup(obj) is None:  # (a rule: its own)
            if obj.excluded or obj.signature is not None:
                located_error("a call of an np.vectorize object with excluded or signature",
                              c, self.parsed.location)
            return (gast.Attribute(value=clone(func), attr="pyfunc", ctx=gast.Load()),
                    obj.otypes or None, obj.cache)
        return None

    def stored(self):
        if not hasattr(self, "_stored"):
            self._stored = {n.id for n in walk(self.tree) if isinstance(n, gast.Name)
                            and not isinstance(n.ctx, gast.Load)}
        return self._stored

    def _made(self, made):
        """(fn, otypes, cache) of `np.vectorize(fn, otypes=..., cache=...)` as written."""
        if not made.args or any(isinstance(a, gast.Starred) for a in made.args) \
                or len(made.args) > 2:
            located_error("np.vectorize(...) other than of a function, with keywords",
                          made, self.parsed.location)
        known = {"otypes", "doc", "cache", "excluded", "signature", "pyfunc"}
        kw = {k.arg: k.value for k in made.keywords}
        if set(kw) - known or None in kw:
            located_error("np.vectorize(...) with **keywords", made, self.parsed.location)
        for bad in ("excluded", "signature"):
            value = kw.get(bad)
            if value is not None and not (isinstance(value, gast.Constant)
                                          and value.value is None):
                located_error(f"np.vectorize(..., {bad}=...): pullback maps the function over "
                              "every argument element by element", made, self.parsed.location)
        otypes = made.args[1] if len(made.args) > 1 else kw.get("otypes")
        if isinstance(otypes, gast.Constant) and otypes.value is None:
            otypes = None
        cache = kw.get("cache")
        if cache is not None and not isinstance(cache, gast.Constant):
            located_error("np.vectorize(..., cache=<not a constant>)", made,
                          self.parsed.location)
        if not isinstance(made.args[0], gast.Lambda) and any(  # (read at each call)
                isinstance(n, gast.Call) for n in walk(made.args[0])):
            located_error("np.vectorize(<a call>): name the function first", made,
                          self.parsed.location)
        return clone(made.args[0]), otypes, bool(cache.value) if cache is not None else False

    # statements -----------------------------------------------------------------------

    def statements(self, stmts):
        out = []
        for s in stmts:
            if id(s) in self.made:
                continue  # vf = np.vectorize(fn): each call of vf is rewritten
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(s, field, None)
                if isinstance(inner, list) and not isinstance(s, gast.FunctionDef):
                    setattr(s, field, self.statements(inner))
            for handler in getattr(s, "handlers", []):
                handler.body = self.statements(handler.body)
            if isinstance(s, gast.FunctionDef):
                out.append(s)
                continue
            if isinstance(s, (gast.If, gast.For, gast.While)):  # a header run once, first
                part = getattr(s, "test", None) if isinstance(s, gast.If) else \
                    getattr(s, "iter", None)
            else:
                part = s
            for c in [n for n in walk(part) if isinstance(n, gast.Call)] if part else ():
                found = self.vectorize(c)
                if found is not None:
                    self.check_hoistable(part, c)
                    out += [at_line(t, getattr(s, "lineno", None))
                            for t in self.rewrite(s, c, *found)]
            if isinstance(s, gast.While) and any(
                    isinstance(n, gast.Call) and self.vectorize(n) for n in walk(s.test)):
                located_error(f"an {self.what} call in a while test (pullback runs it "
                              "before the statement): call it in the loop's body", s,
                              self.parsed.location)
            out.append(s)
        return out

    def rewrite(self, stmt, c, fn, otypes, cache) -> list:
        if c.keywords or any(isinstance(a, gast.Starred) for a in c.args) or not c.args:
            located_error("a call of an np.vectorize object with keyword or *arguments",
                          c, self.parsed.location)
        if otypes is not None and not (isinstance(otypes, gast.Constant) and isinstance(
                otypes.value, str) and len(otypes.value) == 1) and not (
                isinstance(otypes, (gast.List, gast.Tuple)) and len(otypes.elts) == 1) \
                and not (isinstance(otypes, (str, list, tuple)) and len(otypes) == 1):
            located_error("np.vectorize with otypes other than one output type written out "
                          "('d', [float])", c, self.parsed.location)
        fresh = self.namer.fresh
        out = []
        args = []
        for a in c.args:
            name = fresh("vectorized_arg")
            out.append(assign(name, a))
            args.append(name)
        shape = fresh("vectorized_shape")
        shapes = [call(self.function(np.shape), load(a)) for a in args]
        out.append(assign(shape, shapes[0] if len(args) == 1 else call(
            self.function(np.broadcast_shapes), *shapes)))
        items = []
        for a in args:
            name = fresh(f"{a}_items")
            spread = load(a) if len(args) == 1 else call(self.function(np.broadcast_to), load(a),
                                                         load(shape))
            out.append(assign(name, call(gast.Attribute(  # Python numbers, as NumPy passes
                value=call(self.function(np.ravel), spread), attr="tolist", ctx=gast.Load()))))
            items.append(name)
        if otypes is None:
            dtype = None
            if not cache:
                first = fresh("vectorized_first")
                out.append(assign(first, gast.Call(func=clone(fn), args=[
                    gast.Subscript(value=load(i), slice=const(0), ctx=gast.Load())
                    for i in items], keywords=[])))
                dtype = gast.Attribute(value=call(self.function(np.asarray), load(first)),
                                       attr="dtype", ctx=gast.Load())
        elif isinstance(otypes, (str, list, tuple)):  # read off a module-level object
            dtype = const(np.dtype(otypes[0]).str)
        else:
            dtype = gast.Subscript(value=clone(otypes), slice=const(0), ctx=gast.Load())
        elements = [fresh("item") for _ in items]
        target = gast.Name(id=elements[0], ctx=gast.Store(), annotation=None,
                           type_comment=None) if len(items) == 1 else gast.Tuple(
            elts=[gast.Name(id=e, ctx=gast.Store(), annotation=None, type_comment=None)
                  for e in elements], ctx=gast.Store())
        source = load(items[0]) if len(items) == 1 else call(
            self.function(builtins.zip), *[load(i) for i in items])
        values = fresh("vectorized_values")
        out.append(assign(values, gast.ListComp(elt=gast.Call(
            func=clone(fn), args=[load(e) for e in elements], keywords=[]), generators=[
            gast.comprehension(target=target, iter=source, ifs=[], is_async=0)])))
        array = gast.Call(func=self.function(np.array), args=[load(values)],
                          keywords=[] if dtype is None else [gast.keyword(arg="dtype",
                                                                          value=dtype)])
        result = fresh("vectorized")
        out.append(assign(result, call(self.function(np.reshape), array, load(shape))))
        _replace(stmt, c, load(result))
        return out

    def check_hoistable(self, part, node) -> None:
        """Refuse, located, a call `node` Python would not run first in `part`."""
        parents = {id(child): n for n in walk(part) for child in gast.iter_child_nodes(n)}
        enclosing, at = set(), node
        while id(at) in parents:
            parent = parents[id(at)]
            if isinstance(parent, (gast.ListComp, gast.GeneratorExp, gast.SetComp,
                                   gast.DictComp, gast.Lambda, gast.comprehension)) \
                    or isinstance(parent, gast.IfExp) and at is not parent.test \
                    or isinstance(parent, gast.BoolOp) and at is not parent.values[0]:
                located_error(f"an {self.what} call inside a comprehension, a lambda, a "
                              "branch of `a if c else b` or after `and`/`or` (pullback runs "
                              "it before the statement): call it on its own line", node,
                              self.parsed.location)
            enclosing.add(id(parent))
            at = parent
        inner = {id(n) for n in walk(node)}
        end = (getattr(node, "end_lineno", None) or 0, getattr(node, "end_col_offset", None)
               or 0)
        for n in walk(part):
            if isinstance(n, gast.Call) and id(n) not in inner | enclosing \
                    and not (self.only_computes(n) and (n.lineno, n.col_offset) >= end):
                located_error(f"an {self.what} call in a statement that calls something "
                              "else before it (pullback runs it first): call it on its own "
                              "line", node, self.parsed.location)

    def only_computes(self, node) -> bool:
        if any(k.arg in ("out", None) for k in node.keywords):
            return False
        func = self.resolve(node.func)
        if func is None:
            return False
        if any(func is p for p in _PURE):
            return True
        module = str(getattr(func, "__module__", None) or "")
        return isinstance(func, np.ufunc) or (
            module.split(".")[0] in ("numpy", "math") and rules.lookup(func) is not None)


def _replace(tree, old, new) -> None:
    for node in walk(tree):
        for field, value in gast.iter_fields(node):
            if value is old:
                setattr(node, field, new)
                return
            if isinstance(value, list) and any(v is old for v in value):
                setattr(node, field, [new if v is old else v for v in value])
                return

