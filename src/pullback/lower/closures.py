"""Functions defined inside nested functions, and the closures nested functions return
-> functions of f that take what they capture as their first argument (closure
conversion).

Guarantees, for a `def` or lambda G inside a nested function (or lambda) F of f:
- G becomes a nested function of f, G', whose first parameter receives the tuple of the
  variables of F that G reads (its captures), read into their own names before G's
  body; names G reads that F does not bind are read from f, as before;
- inside F, a call `G(args)` is `G'((captures...), args)`: the captures are read at the
  call, as a closure reads its cells; `return G` is `return (captures...)`: once F has
  returned its variables no longer change, so the tuple is what the closure would read.
  Every `return` of such an F (a factory) must return G and F's body must end in one;
- where f (or a nested function) holds a factory's result in a name, a list of them
  (a display, a comprehension, `L.append(...)`), an item `L[i]`, or a loop or
  comprehension variable over such a list (directly, through `enumerate` or `zip`),
  calling it is calling G' with the tuple; a name holding such a closure passed to a
  call in f's own body (`map(g, xs)`, `functools.reduce(g, ...)`, `key=g`) is passed as
  a nested function of f calling G' with the name's tuple;
- anything else (a closure returned from f, compared, stored in a dict, a name holding
  closures and other values, G used as a value inside F other than returned, G reading
  another function defined in F, `nonlocal` in G, defaults of G that are not constants)
  is refused, located.

>>> from pullback.lower.example import lowered, show
>>> def f(x):
...     def make_power(p):
...         return lambda v: v ** p
...     square = make_power(2.0)
...     return square(x) + make_power(3.0)(x)
>>> show(lowered(f))
def f(x):
    out_2 = (2.0,)
    square = out_2
    lambda_2_captured = square
    lambda_2_v = x
    lambda_2_p = lambda_2_captured[0]
    out_3 = lambda_2_v ** lambda_2_p
    out_4 = (3.0,)
    lambda_2_captured_2 = out_4
    lambda_2_v_2 = x
    lambda_2_p_2 = lambda_2_captured_2[0]
    out_5 = lambda_2_v_2 ** lambda_2_p_2
    out = out_3 + out_5
    return out
"""

from __future__ import annotations

import functools

import gast

from ..ir.annotations import ANONYMOUS
from ..ir.nodes import load, parameters, store, walk
from .common import at_line

_FUNCTIONS = (gast.FunctionDef, gast.Lambda)


def convert_closures(tree, found, namer, parsed, reject) -> None:
    """Lifts the functions inside the nested functions of `found` (name -> FunctionDef,
    changed in place) to f's level, and rewrites the uses of the closures factories
    return in `tree` and in every nested function (see the module's guarantees)."""
    factories: dict = {}  # F -> G' for a nested function F returning the function G
    work = list(found)
    while work:
        name = work.pop()
        lifted = _lift_inner(found[name], found, namer, parsed, reject, factories, name)
        work.extend(lifted)
    if not factories:
        return
    scopes = _Scopes(tree, found, factories, namer, reject)
    scopes.rewrite()


def _own_nodes(fdef):
    """The nodes of `fdef`'s body that are its own: not inside a def or lambda in it
    (those are listed, not entered)."""
    found = []
    stack = list(reversed(fdef.body)) if isinstance(fdef, gast.FunctionDef) else [fdef.body]
    while stack:
        node = stack.pop()
        found.append(node)
        if isinstance(node, _FUNCTIONS):
            continue
        for _field, value in gast.iter_fields(node):
            if isinstance(value, list):
                stack.extend(v for v in reversed(value) if isinstance(v, gast.AST))
            elif isinstance(value, gast.AST):
                stack.append(value)
    return found


def _free_names(fdef) -> set:
    """The names a def or lambda reads that it (and the functions inside it) does not
    bind."""
    own = set(parameters(fdef.args))
    nodes = _own_nodes(fdef)
    own |= {n.id for n in nodes if isinstance(n, gast.Name) and not isinstance(n.ctx, gast.Load)}
    own |= {n.name for n in nodes if isinstance(n, gast.FunctionDef)}
    free = {n.id for n in nodes if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}
    for n in nodes:
        if isinstance(n, _FUNCTIONS):
            free |= _free_names(n)
            free |= {d.id for d in walk(n.args) if isinstance(d, gast.Name)}  # defaults
    return free - own


class _TakeOut(gast.NodeTransformer):
    """Removes the defs directly inside a function (recording them) and replaces its
    lambdas by names of their own."""

    def __init__(self, namer):
        self.namer, self.inner = namer, {}  # name in F -> (def, anonymous)

    def visit_FunctionDef(self, node):
        self.inner[node.name] = (node, False)
        return None

    def visit_Assign(self, node):
        if len(node.targets) == 1 and isinstance(node.targets[0], gast.Name) \
                and isinstance(node.value, gast.Lambda):
            name = node.targets[0].id
            self.inner[name] = (lambda_as_def(name, node.value), False)
            return None
        self.generic_visit(node)
        return node

    def visit_Lambda(self, node):
        name = self.namer.fresh("lambda")
        self.inner[name] = (lambda_as_def(name, node), True)
        return at_line(load(name), getattr(node, "lineno", None))


def lambda_as_def(name, node):
    """`lambda args: body` as `def name(args): return body`."""
    lineno = getattr(node, "lineno", None)
    fdef = gast.FunctionDef(name=name, args=node.args,
                            body=[at_line(gast.Return(value=node.body), lineno)],
                            decorator_list=[], returns=None, type_comment=None, type_params=[])
    fdef.lineno = lineno
    return fdef


def _lift_inner(fdef, found, namer, parsed, reject, factories, fname) -> list:
    """Takes the functions directly inside `fdef` (the nested function `fname` of f) out
    into `found`; returns their new names."""
    if not any(isinstance(n, _FUNCTIONS) for n in _own_nodes(fdef)):
        return []
    for n in _own_nodes(fdef):
        if isinstance(n, gast.FunctionDef):
            reassigned = [s for s in walk(fdef) if isinstance(s, gast.Name)
                          and s.id == n.name and not isinstance(s.ctx, gast.Load)]
            if reassigned:
                reject(reassigned[0], f"assignment to {n.name!r}, the name of a function "
                                      f"defined inside the nested function {fname!r}")
    taker = _TakeOut(namer)
    fdef.body = [taker.visit(s) for s in fdef.body]
    fdef.body = [s for s in fdef.body if s is not None] or [gast.Pass()]
    inner = taker.inner
    local = set(parameters(fdef.args)) | set(inner) | {
        n.id for n in _own_nodes(fdef) if isinstance(n, gast.Name)
        and not isinstance(n.ctx, gast.Load)}
    lifted, captures = {}, {}
    for name, (g, anonymous) in inner.items():
        for d in g.args.defaults + [d for d in g.args.kw_defaults if d is not None]:
            if not isinstance(d, gast.Constant):
                reject(d, f"a default that is not a constant in a function defined inside "
                          f"the nested function {fname!r}")
        for n in walk(g):
            if isinstance(n, gast.Nonlocal):
                reject(n, f"nonlocal in a function defined inside the nested function "
                          f"{fname!r}")
        free = _free_names(g)
        siblings = sorted(free & set(inner))
        if siblings:
            where = next(n for n in walk(g) if isinstance(n, gast.Name) and n.id in siblings)
            reject(where, f"a function defined inside the nested function {fname!r} reading "
                          f"{siblings[0]!r}, another function defined there (define them "
                          "in f itself)")
        captures[name] = sorted(free & local)
        new = name if anonymous else namer.fresh(name)
        lifted[name] = new
        env = namer.fresh("captured")
        body = [at_line(gast.Assign(targets=[store(c)], value=gast.Subscript(
            value=load(env), slice=gast.Constant(value=i, kind=None), ctx=gast.Load())),
            getattr(g, "lineno", None)) for i, c in enumerate(captures[name])] + list(g.body)
        args = g.args
        new_args = gast.arguments(args=[store(env)] + args.args, posonlyargs=args.posonlyargs,
                                  vararg=args.vararg, kwonlyargs=args.kwonlyargs,
                                  kw_defaults=args.kw_defaults, kwarg=args.kwarg,
                                  defaults=args.defaults)
        if args.posonlyargs:
            new_args.posonlyargs = [store(env)] + args.posonlyargs
            new_args.args = args.args
        lifted_def = gast.FunctionDef(name=new, args=new_args, body=body, decorator_list=[],
                                      returns=None, type_comment=None, type_params=[])
        lifted_def.lineno = getattr(g, "lineno", None)
        if anonymous:
            ANONYMOUS.set(lifted_def, True)
        if new in found:
            reject(g, f"nested function {new!r} defined more than once")
        found[new] = lifted_def

    def env_of(name, node):
        return at_line(gast.Tuple(elts=[load(c) for c in captures[name]], ctx=gast.Load()),
                       getattr(node, "lineno", None))

    parents = _parents(fdef)
    returned, closure_returns = set(), set()
    for node in _own_nodes(fdef):
        if not (isinstance(node, gast.Name) and node.id in inner):
            continue
        parent = parents.get(id(node))
        if isinstance(parent, gast.Call) and parent.func is node:
            parent.func = load(lifted[node.id])
            parent.args = [env_of(node.id, node)] + parent.args
        elif isinstance(parent, gast.Return):
            parent.value = env_of(node.id, node)
            returned.add(lifted[node.id])
            closure_returns.add(id(parent))
        elif isinstance(parent, (gast.Call, gast.keyword)) and parent is not None \
                and (isinstance(parent, gast.keyword) or node in parent.args):
            partial = namer.fresh("partial")  # map(G, xs) -> map(partial(G', captures), xs)
            parsed.aliases[partial] = functools.partial
            made = at_line(gast.Call(func=load(partial), args=[
                load(lifted[node.id]), env_of(node.id, node)], keywords=[]),
                getattr(node, "lineno", None))
            _replace(parent, node, made)
        else:
            reject(node, f"a function defined inside the nested function {fname!r} used as a "
                         "value (it may be called there, passed to a call, or returned)")
    if returned:
        returns = [n for n in _own_nodes(fdef) if isinstance(n, gast.Return)]
        if len(returned) > 1 or not isinstance(fdef.body[-1], gast.Return) \
                or any(id(r) not in closure_returns for r in returns):
            reject(fdef, f"the nested function {fname!r} returns a function defined in it "
                         "on some paths and other values (or none) on others")
        factories[fname] = returned.pop()
    return list(lifted.values())


def _replace(parent, old, new) -> None:
    """`old`, a child of `parent`, replaced by `new`."""
    if isinstance(parent, gast.keyword):
        parent.value = new
    else:
        parent.args = [new if a is old else a for a in parent.args]


def _parents(root) -> dict:
    """id(node) -> its parent, for the nodes under `root`."""
    parents = {}
    for node in walk(root):
        for child in gast.iter_child_nodes(node):
            parents[id(child)] = node
    return parents


class _Scopes:
    """The closures factories return, followed through the names of f and of each nested
    function, and their uses rewritten (see the module's guarantees)."""

    def __init__(self, tree, found, factories, namer, reject):
        self.tree, self.found, self.factories = tree, found, factories
        self.namer, self.reject = namer, reject
        self.passed = set()  # ids of the closures passed to their function, rewritten
        self.local: set = set()  # the names the scope being rewritten binds

    def rewrite(self):
        outer = self.scope(self.tree, {}, own=True)
        for name in list(self.found):
            self.scope(self.found[name], outer, own=False)

    # ---------------------------------------------------------------- kinds

    def kind(self, expr, kinds):
        """G' for an expression holding one closure of G, else None."""
        if isinstance(expr, gast.Call):
            if isinstance(expr.func, gast.Name) and expr.func.id in self.factories \
                    and expr.func.id not in kinds and expr.func.id not in self.local:
                return self.factories[expr.func.id]
            inner = self.kind(expr.func, kinds)
            return self.factories.get(inner) if inner is not None else None
        if isinstance(expr, gast.Name):
            held = kinds.get(expr.id)
            return held[1] if held and held[0] == "one" else None
        if isinstance(expr, gast.Subscript) and not isinstance(expr.slice, gast.Slice):
            return self.list_kind(expr.value, kinds)
        return None

    def list_kind(self, expr, kinds):
        """G' for an expression holding a list (or tuple) of closures of G, else None."""
        if isinstance(expr, gast.Name):
            held = kinds.get(expr.id)
            return held[1] if held and held[0] == "list" else None
        if isinstance(expr, (gast.List, gast.Tuple)) and expr.elts:
            found = {self.kind(e, kinds) for e in expr.elts}
            return found.pop() if len(found) == 1 and None not in found else None
        if isinstance(expr, gast.ListComp):
            return self.kind(expr.elt, kinds)
        return None

    def bind(self, target, iterable, kinds, stores):
        """What a loop's (or comprehension's) target holds from `iterable`."""
        g = self.list_kind(iterable, kinds)
        if g is not None:
            if isinstance(target, gast.Name):
                stores.setdefault(target.id, []).append(("one", g))
            return
        if isinstance(iterable, gast.Call) and isinstance(iterable.func, gast.Name) \
                and isinstance(target, gast.Tuple) and not iterable.keywords:
            parts = iterable.args
            if iterable.func.id == "enumerate" and len(parts) == 1:
                parts = [None, parts[0]]
            elif iterable.func.id != "zip":
                return
            if len(parts) != len(target.elts):
                return
            for part, t in zip(parts, target.elts):
                g = None if part is None else self.list_kind(part, kinds)
                if g is not None and isinstance(t, gast.Name):
                    stores.setdefault(t.id, []).append(("one", g))

    def kinds_of(self, root, outer):
        """Name -> ("one" | "list", G') for the names of `root` holding closures."""
        nodes = walk(root)
        local = {n.id for n in nodes if isinstance(n, gast.Name)
                 and not isinstance(n.ctx, gast.Load)}
        if isinstance(root, gast.FunctionDef):
            local |= set(parameters(root.args))
        self.local = local  # names of the scope: a parameter `make` is not the factory
        kinds = {k: v for k, v in outer.items() if k not in local}
        for _ in range(8):
            stores: dict = {}
            for n in nodes:
                if isinstance(n, gast.Assign) and len(n.targets) == 1 \
                        and isinstance(n.targets[0], gast.Name):
                    g = self.kind(n.value, kinds)
                    lg = self.list_kind(n.value, kinds)
                    if g is not None:
                        stores.setdefault(n.targets[0].id, []).append(("one", g))
                    elif lg is not None:
                        stores.setdefault(n.targets[0].id, []).append(("list", lg))
                elif isinstance(n, (gast.For, gast.comprehension)):
                    self.bind(n.target, n.iter, kinds, stores)
                elif isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute) \
                        and n.func.attr == "append" and isinstance(n.func.value, gast.Name) \
                        and len(n.args) == 1:
                    g = self.kind(n.args[0], kinds)
                    if g is not None:
                        stores.setdefault(n.func.value.id, []).append(("list", g))
            new = dict(kinds)
            for name, held in stores.items():
                if len(set(held)) > 1:
                    self.reject(root, f"the name {name!r} holding closures of different "
                                      "functions")
                new[name] = held[0]
            if new == kinds:
                return kinds
            kinds = new
        return kinds

    # ---------------------------------------------------------------- uses

    def scope(self, root, outer, own):
        kinds = self.kinds_of(root, outer)
        if not kinds and not any(isinstance(n, gast.Call) and isinstance(n.func, gast.Name)
                                 and n.func.id in self.factories for n in walk(root)):
            return kinds
        parents = _parents(root)
        nodes = walk(root)
        for n in nodes:  # every store of a closure name is a closure (or an empty list)
            if isinstance(n, gast.Name) and not isinstance(n.ctx, gast.Load) \
                    and n.id in kinds and n.id not in outer:
                self.check_store(n, parents, kinds)
        calls = []
        for n in nodes:
            single = self.kind(n, kinds) if isinstance(n, (gast.Call, gast.Name,
                                                           gast.Subscript)) else None
            many = self.list_kind(n, kinds) if single is None and isinstance(
                n, (gast.Name, gast.List, gast.Tuple, gast.ListComp)) else None
            if single is None and many is None:
                continue
            if isinstance(n, gast.Name) and not isinstance(n.ctx, gast.Load) \
                    or id(n) in self.passed:
                continue
            parent = parents.get(id(n))
            if single is not None and isinstance(parent, gast.Call) and parent.func is n:
                calls.append((parent, single))
            elif not self.allowed(n, parent, parents, kinds, single, own):
                what = "a closure" if single is not None else "a list of closures"
                self.reject(n, f"{what} (a function returned by a nested function) used "
                               "other than called, held in a name or a list, or looped over")
        for c, g in calls:
            self.passed.add(id(c.func))
            c.args = [c.func] + c.args
            c.func = at_line(load(g), getattr(c, "lineno", None))
        return kinds

    def check_store(self, name, parents, kinds):
        parent = parents.get(id(name))
        held = kinds[name.id]
        if isinstance(parent, gast.Assign) and parent.targets == [name]:
            value = parent.value
            if (self.kind(value, kinds) if held[0] == "one" else self.list_kind(
                    value, kinds)) == held[1]:
                return
            if held[0] == "list" and isinstance(value, gast.List) and not value.elts:
                return
        if isinstance(parent, (gast.For, gast.comprehension)) and parent.target is name:
            return
        if isinstance(parent, gast.Tuple) and isinstance(parents.get(id(parent)),
                                                         (gast.For, gast.comprehension)):
            return
        self.reject(name, f"the name {name.id!r} holding a closure (a function returned by a "
                          "nested function) and other values")

    def allowed(self, n, parent, parents, kinds, single, own) -> bool:
        if isinstance(parent, gast.Assign) and parent.value is n and len(parent.targets) == 1 \
                and isinstance(parent.targets[0], gast.Name):
            return True
        if isinstance(parent, gast.Call) and isinstance(parent.func, gast.Attribute) \
                and parent.func.attr == "append" and isinstance(parent.func.value, gast.Name) \
                and self.list_kind(parent.func.value, kinds) is not None:
            return True
        if single is None and isinstance(parent, gast.Attribute) and parent.attr == "append" \
                and isinstance(parents.get(id(parent)), gast.Call):
            return True
        if isinstance(parent, (gast.List, gast.Tuple)) and single is not None \
                and self.list_kind(parent, kinds) is not None:
            return True
        if isinstance(parent, gast.ListComp) and parent.elt is n:
            return True
        if single is None:  # a list: looped over, indexed, measured
            if isinstance(parent, (gast.For, gast.comprehension)) and parent.iter is n:
                return True
            if isinstance(parent, gast.Subscript) and parent.value is n \
                    and isinstance(parent.ctx, gast.Load):
                return True
            if isinstance(parent, gast.Call) and isinstance(parent.func, gast.Name) \
                    and parent.func.id in ("len", "enumerate", "zip"):
                return parent.func.id == "len" or isinstance(
                    parents.get(id(parent)), (gast.For, gast.comprehension))
            return False
        if isinstance(parent, gast.Subscript) and parent.value is n:
            return False
        if own and isinstance(n, gast.Name) and (
                isinstance(parent, gast.Call) and n in parent.args
                or isinstance(parent, gast.keyword)):
            self.pass_as_function(n, parent, single)
            return True
        return False

    def pass_as_function(self, n, parent, g):
        """`map(h, xs)` with `h` holding a closure of G: `h` passed as a nested function of f
        calling G' with h's captures."""
        gdef = self.found[g]
        args = gdef.args
        if args.vararg or args.kwarg or args.kwonlyargs or args.defaults:
            self.reject(n, "a closure whose function takes *args, **kwargs, keyword-only "
                           "parameters or defaults, passed to a call")
        params = [a.id for a in (args.posonlyargs + args.args)[1:]]
        name = self.namer.fresh(f"{n.id}_called")
        fresh = [self.namer.fresh(p) for p in params]
        body = gast.Call(func=load(g), args=[load(n.id)] + [load(p) for p in fresh],
                         keywords=[])
        self.passed.add(id(body.args[0]))
        wrapper = gast.FunctionDef(
            name=name, args=gast.arguments(args=[store(p) for p in fresh], posonlyargs=[],
                                           vararg=None, kwonlyargs=[], kw_defaults=[],
                                           kwarg=None, defaults=[]),
            body=[at_line(gast.Return(value=body), getattr(n, "lineno", None))],
            decorator_list=[], returns=None, type_comment=None, type_params=[])
        wrapper.lineno = getattr(n, "lineno", None)
        self.found[name] = wrapper
        n.id = name

