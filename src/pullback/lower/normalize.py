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
                               `block="try"` (test: the try's flag): see _Blocks;
    `raise [atom [from atom]]` code after it in its block never runs;
    `for name in name: ...`    the iterable is a range object bound before the loop;
    `while name: ...`          the test is recomputed at the end of the body;
    `if name: break`           only as the last statement of a `for` body;
    `return name`              only as the last statement of the function;
- `assert`, `with` and `try`/`except` are gone (see _Blocks: what a try may not do is
  refused here, located);
- `break`, `continue` and early `return` are gone: they set boolean flags that
  guard the statements that follow, so every loop iteration runs to the end of
  its body (where loop-exit is decided) and the function has a single exit;
- `and`/`or`/conditional expressions are `if` statements (short-circuit kept);
  augmented assignment and tuple unpacking (swaps included) are plain
  assignments; iteration over arrays, lists, `enumerate` and `zip` is iteration
  over an index range with explicit subscripts;
- every generated statement carries the `lineno` of the user statement it
  comes from, so later stages can point errors at the user's source.
"""

from __future__ import annotations

import builtins
import functools
import inspect
import operator
import sys
import types

import gast
import numpy as np

from .. import rules
from ..errors import PullbackError, UnsupportedSyntaxError
from ..frontend.check import check, is_list_update
from ..frontend.parse import MISSING, is_library, lookup_free, parse_function, passed_through
from ..helpers import HELPERS
from ..ir.naming import RESERVED, Namer, all_names, op_name
from ..ir.nodes import (
    assign,
    attribute_chain,
    binop,
    call,
    children,
    clone,
    const,
    dotted_name,
    if_,
    is_atom,
    load,
    not_,
    parameters,
    store,
    tuple_of,
    walk,
)


def normalize(tree: gast.FunctionDef, parsed, inline=True) -> gast.FunctionDef:
    """`tree` in the core language; with `inline`, calls of small user functions are
    replaced by their bodies (see _Flatten.small_callee)."""
    namer = Namer(all_names(tree))
    user_names = set(namer.taken)
    local_functions = _local_functions(tree, namer, parsed)
    shadowed = _free_names_shadowed_by_helpers(tree, parsed, namer)
    _array_namespaces(tree, parsed)
    defaults = _function_defaults(tree, parsed, namer)
    tree.body = _Blocks(namer, parsed.location, tree).block(tree.body)
    unset = _maybe_unset(tree)
    body = _ControlFlow(namer).function(tree.body)
    flatten = _Flatten(namer, parsed)
    flatten.local_functions = local_functions
    flatten.user_names = user_names
    if not inline:
        flatten.inline_budget = 0
    body = flatten.block(body)
    sentinels = []
    for name in unset:
        sentinels.append(_at(assign(name, call("unbound", const(name))),
                             getattr(tree, "lineno", None)))
        sentinels[-1].sentinel = True
    body = shadowed + defaults + sentinels + body
    new = gast.FunctionDef(
        name=tree.name, args=tree.args, body=body, decorator_list=[], returns=None,
        type_comment=None, type_params=[],
    )
    new.namer = namer
    return new


def _local_functions(tree, namer, parsed) -> dict:
    """Nested `def`s and lambdas, taken out of the body: each call to one is inlined
    (its parameters bound to the arguments, its names made fresh), so it reads the
    enclosing function's variables as they are at the call, as a closure does."""
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
            holders.append(_at(assign(holder, default), getattr(node, "lineno", None)))
            fdef.args.defaults[i] = load(holder)
        return holders or None

    class Extract(gast.NodeTransformer):
        inside = False

        def visit_FunctionDef(self, node):
            if node is tree:
                self.generic_visit(node)
                return node
            if self.inside:
                reject(node, "a function defined inside a nested function")
            self.inside = True
            self.generic_visit(node)
            self.inside = False
            return define(node.name, node, node)

        def visit_Assign(self, node):
            if len(node.targets) == 1 and isinstance(node.targets[0], gast.Name) \
                    and isinstance(node.value, gast.Lambda) and not self.inside:
                self.inside = True
                self.generic_visit(node.value)
                self.inside = False
                name = node.targets[0].id
                return define(name, _lambda_def(name, node.value), node)
            self.generic_visit(node)
            return node

        def visit_Lambda(self, node):
            if self.inside:  # its free names would be read in the enclosing function
                reject(node, "a lambda inside a nested function or lambda")
            self.inside = True
            self.generic_visit(node)
            self.inside = False
            name = namer.fresh("lambda")
            found[name] = _lambda_def(name, node)
            found[name].anonymous = True
            return _at(load(name), getattr(node, "lineno", None))

    Extract().visit(tree)
    for node in walk(tree):  # a local function may only be called, or passed to a call
        if isinstance(node, gast.Call):
            for part in [node.func, *node.args, *[k.value for k in node.keywords]]:
                part.pullback_callee = True
    for node in walk(tree):
        if isinstance(node, gast.Name) and node.id in found:
            if isinstance(node.ctx, gast.Store):
                reject(node, f"assignment to {node.id!r}, the name of a nested function")
            if not getattr(node, "pullback_callee", False):
                reject(node, f"nested function {node.id!r} used as a value (only calls to it, "
                             "and passing it to a call, are differentiated)")
    return found


class _Substitute(gast.NodeTransformer):
    """Reads of names replaced by copies of the expressions they stand for."""

    def __init__(self, mapping):
        self.mapping = mapping

    def visit_Name(self, node):
        if node.id not in self.mapping or not isinstance(node.ctx, gast.Load):
            return node
        new = clone(self.mapping[node.id])
        new.lineno = getattr(node, "lineno", None)
        if hasattr(node, "origin"):
            new.origin = node.origin
        return new


def _rename(node, mapping) -> None:
    for n in walk(node):
        if isinstance(n, gast.Name) and n.id in mapping:
            n.id = mapping[n.id]


def _dict_names(tree, flatten) -> set[str]:
    """Names the function binds to dicts it builds (displays and comprehensions). A name
    bound to a dict in one place and to something else in another is refused: loops
    iterate a dict's keys and other sequences' elements, and pullback must know which."""
    kinds: dict = {}
    for node in walk(tree):
        if isinstance(node, (gast.Assign, gast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, gast.Assign) else [node.target]
            is_dict = isinstance(node.value, (gast.Dict, gast.DictComp)) or (
                isinstance(node.value, gast.Call) and isinstance(node.value.func, gast.Name)
                and node.value.func.id == "dict"
                and flatten.parsed.lookup("dict") is builtins.dict)
            for t in targets:
                if isinstance(t, gast.Name):
                    kinds.setdefault(t.id, set()).add(is_dict)
        elif isinstance(node, (gast.For, gast.AugAssign)) or (
                isinstance(node, gast.comprehension)):
            for n in walk(node.target):
                if isinstance(n, gast.Name):
                    kinds.setdefault(n.id, set()).add(False)
    for name, found in kinds.items():
        if found == {True, False}:
            where = next(n for n in walk(tree) if isinstance(n, gast.Name) and n.id == name)
            flatten.error(f"{name!r} holds a dict in one place and another value in another "
                          "(give the dict its own name)", where)
    return {name for name, found in kinds.items() if found == {True}}


def _placeholders(sequences, func) -> list[str]:
    """Names for the elements of `sequences` in a comprehension pullback writes (the
    comprehension renames them): the sequence's name, else `item`; distinct, and
    none of the names `func` reads."""
    avoid = {n.id for n in walk(func) if isinstance(n, gast.Name)} if func else set()
    names: list[str] = []
    for i, seq in enumerate(sequences):
        name = seq.id if isinstance(seq, gast.Name) else "item"
        if name in avoid or name in names:
            name = f"item{i}"
        names.append(name)
    return names


def _generator(target, iter_):
    return gast.comprehension(target=target, iter=iter_, ifs=[], is_async=0)


def _lambda_def(name, node):
    fdef = gast.FunctionDef(name=name, args=node.args,
                            body=[_at(gast.Return(value=node.body), getattr(node, "lineno", None))],
                            decorator_list=[], returns=None, type_comment=None, type_params=[])
    fdef.lineno = getattr(node, "lineno", None)
    return fdef


def _free_names_shadowed_by_helpers(tree, parsed, namer) -> list:
    """The generated code binds helper names (np, math, unbroadcast, ...) for itself. A
    user's global with such a name but another value is read, live, under a new name
    (`owned_global = module_globals['owned']`); its uses in the tree are renamed."""

    params = set(parameters(tree.args))
    stored = {n.id for n in walk(tree) if isinstance(n, gast.Name)
              and isinstance(n.ctx, gast.Store)}
    out = []
    for name in sorted({n.id for n in walk(tree) if isinstance(n, gast.Name)}):
        if name not in HELPERS or name in params or name in stored \
                or parsed.lookup(name) is HELPERS[name]:
            continue
        if name in parsed.closure:
            raise UnsupportedSyntaxError(
                f"the closure variable {name!r} has the name of a helper the generated code "
                "uses; please rename it", parsed.location.describe(tree))
        alias = namer.fresh(f"{name}_global")
        for n in walk(tree):
            if isinstance(n, gast.Name) and n.id == name:
                n.id = alias
        read = gast.Subscript(value=load(MODULE_GLOBALS), slice=const(name), ctx=gast.Load())
        out.append(_at(assign(alias, read), getattr(tree, "lineno", None)))
    return out


def _array_namespaces(tree, parsed) -> None:
    """A name bound once, at the top of the function, to a module (`xp = np`) or to the
    array namespace of the inputs (`xp = array_namespace(x)`, `xp, _ = get_namespace(x)`):
    its attributes are read from NumPy (`xp.sum` is np.sum, with np.sum's rule). The
    namespace call itself is kept, and followed by a check that it gave NumPy (or an
    array-API wrapper of NumPy); any other array library is refused when the gradient
    runs (`numpy_namespace` wraps the call)."""
    stores: dict = {}
    for n in walk(tree):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
            stores[n.id] = stores.get(n.id, 0) + 1
    found, aliases = {}, []
    for stmt in tree.body:
        if not isinstance(stmt, gast.Assign) or len(stmt.targets) != 1:
            continue
        target, value = stmt.targets[0], stmt.value
        if isinstance(target, gast.Tuple) and target.elts:
            target = target.elts[0]  # sklearn's get_namespace: (xp, is_array_api)
        if not isinstance(target, gast.Name) or stores.get(target.id) != 1:
            continue
        dotted = dotted_name(value)
        if isinstance(value, gast.Name) and value.id in found \
                and dotted_name(found[value.id]) == "np":
            found[target.id] = found[value.id]  # np = xp: NumPy (checked), as the helper
            aliases.append(stmt)
        elif dotted is not None and dotted.split(".")[0] not in stores \
                and isinstance(parsed.resolve(value), types.ModuleType):
            found[target.id] = value  # xp = np: xp.sum is np.sum as written
        elif isinstance(value, gast.Call) and dotted_name(value.func) is not None \
                and dotted_name(value.func).split(".")[0] not in stores \
                and not value.keywords and _gives_namespace(parsed.resolve(value.func)):
            found[target.id] = load("np")  # the call runs inside the check
            stmt.value = call("numpy_namespace", value.func, gast.Tuple(
                elts=value.args, ctx=gast.Load()), const(parsed.location.describe(stmt)))
    if not found:
        return

    class Substitute(gast.NodeTransformer):
        def visit_Attribute(self, node):
            if isinstance(node.value, gast.Name) and node.value.id in found \
                    and isinstance(node.value.ctx, gast.Load):
                module = found[node.value.id]
                return gast.copy_location(gast.Attribute(
                    value=clone(module), attr=node.attr, ctx=node.ctx), node)
            self.generic_visit(node)
            return node

    Substitute().visit(tree)
    for stmt in aliases:
        tree.body.remove(stmt)


def _function_defaults(tree, parsed, namer) -> list:
    """Parameters with a function as default (`def f(x, _r=np.sum)`) that f calls, never
    assigns and does not receive from a caller that knows them: calls through them use
    that function's rule (or source), as if f named it, and a statement at the top checks
    the parameter still holds it when the gradient runs (a call passing another function
    is refused there, with where f is defined)."""
    func = parsed.func
    if not inspect.isfunction(func):
        return []
    stored = {n.id for n in walk(tree) if isinstance(n, gast.Name)
              and isinstance(n.ctx, gast.Store)}
    called = {dotted_name(n.func).split(".")[0] for n in walk(tree)
              if isinstance(n, gast.Call) and dotted_name(n.func) is not None}
    out = []
    for name, param in inspect.signature(func, follow_wrapped=False).parameters.items():
        default = param.default
        if name in parsed.static or name in stored or name not in called \
                or default is inspect.Parameter.empty or isinstance(default, type) \
                or not callable(default):
            continue
        parsed.static[name] = default
        alias = namer.fresh(f"{name}_default")
        parsed.aliases[alias] = default
        check = assign(namer.fresh(f"{name}_checked"), call(
            "default_function", load(name), load(alias), const(name),
            const(parsed.location.describe(tree))))
        out.append(_at(check, getattr(tree, "lineno", None)))
    return out


def _gives_namespace(func) -> bool:
    """scipy's and array_api_compat's array_namespace, scikit-learn's get_namespace
    (known by name and package, so that none of them is imported for this)."""
    return getattr(func, "__name__", None) in ("array_namespace", "get_namespace") \
        and str(getattr(func, "__module__", "")).split(".")[0] in (
            "scipy", "sklearn", "array_api_compat")


MODULE_GLOBALS = "module_globals"  # bound by the API to the user's module namespace


def _maybe_unset(tree) -> list[str]:
    """Variables assigned inside an if or loop and read where that assignment may not
    have run (after the statement, or earlier in a later iteration). They start as
    `unbound(name)`, so copies that merge paths never read an unbound name, and any use
    of the placeholder raises UnboundLocalError as Python's read of the variable does."""
    params = set(parameters(tree.args))
    found = []
    reads = _OpenReads(tree)
    assigned_before = set(params)  # names surely set before each top-level statement
    for top in tree.body:
        for compound in walk(top):
            if isinstance(compound, (gast.If, gast.For, gast.While)):
                _unset_in(compound, reads, assigned_before, found)
        if isinstance(top, (gast.Assign, gast.AugAssign, gast.AnnAssign)):
            targets = top.targets if isinstance(top, gast.Assign) else [top.target]
            assigned_before |= {n.id for t in targets for n in walk(t)
                                if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
    return found


class _OpenReads:
    """The reads of each name that no enclosing loop assigns as its own target, by their
    position in a depth-first numbering of the tree, and each node's span of positions
    (its own and its descendants')."""

    def __init__(self, tree):
        self.positions: dict[str, list] = {}
        self.span: dict[int, tuple] = {}
        count = 0
        targets: list = []  # loop targets of the enclosing loops (a multiset)
        stack = [(tree, False)]
        while stack:
            node, leaving = stack.pop()
            if leaving:
                self.span[id(node)] = (self.span[id(node)][0], count)
                if isinstance(node, gast.For):
                    for name in _loop_targets(node):
                        targets.remove(name)
                continue
            self.span[id(node)] = (count, None)
            if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load) \
                    and node.id not in targets:
                self.positions.setdefault(node.id, []).append(count)
            count += 1
            if isinstance(node, gast.For):
                targets.extend(_loop_targets(node))
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(children(node)))

    def outside(self, name, node) -> bool:
        """Whether some open read of name lies outside node."""
        at = self.positions.get(name)
        start, stop = self.span[id(node)]
        return bool(at) and (at[0] < start or at[-1] >= stop)


def _unset_in(compound, reads, assigned_before, found) -> None:
    stored = [n.id for n in walk(compound) if isinstance(n, gast.Name)
              and isinstance(n.ctx, gast.Store)]
    targets = _loop_targets(compound)
    first_uses = None
    for name in dict.fromkeys(stored):
        if name in assigned_before or name in found:
            continue
        # reads inside another loop that assigns the name as its own target don't count
        if reads.outside(name, compound):
            found.append(name)
        elif isinstance(compound, (gast.For, gast.While)) and name not in targets:
            if first_uses is None:  # whether an iteration may read what an earlier one set
                first_uses = _first_uses(compound.body)
            if first_uses.get(name) == "read":
                found.append(name)


_RESIZING_METHODS = {"append", "extend", "insert", "pop", "remove", "clear"}


def _resized_in(body) -> set[str]:
    """Names of lists whose length the statements may change in place: `xs.append(v)`
    (and extend, insert, pop, remove, clear), `xs += [...]`, `xs[i:j] = ...`."""
    found = set()
    for node in walk(gast.Module(body=body, type_ignores=[])):
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) \
                and isinstance(node.func.value, gast.Name) \
                and node.func.attr in _RESIZING_METHODS:
            found.add(node.func.value.id)
        elif isinstance(node, gast.AugAssign) and isinstance(node.target, gast.Name):
            found.add(node.target.id)
        elif isinstance(node, gast.Subscript) and isinstance(node.ctx, gast.Store) \
                and isinstance(node.slice, gast.Slice) and isinstance(node.value, gast.Name):
            found.add(node.value.id)
    return found


def _popped_in(body) -> set[str]:
    """Names of the lists the statements call a resizing method on (`xs.pop()`)."""
    return {node.func.value.id for node in walk(gast.Module(body=body, type_ignores=[]))
            if isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute)
            and isinstance(node.func.value, gast.Name) and node.func.attr in _RESIZING_METHODS}


def _loop_targets(node) -> set[str]:
    if not isinstance(node, gast.For):
        return set()
    return {n.id for n in walk(node.target) if isinstance(n, gast.Name)}


def read_before_write(stmts, name) -> bool:
    """Whether some path through `stmts` may read `name` before assigning it."""
    return _scan(stmts, name) == "read"


def _first_uses(stmts) -> dict[str, str]:
    """`_scan` of every name at once: name -> 'read' or 'assigned' (a name left out:
    None), in one pass over the statements."""
    settled: dict[str, str] = {}

    def settle(names, status):
        for name in names:
            settled.setdefault(name, status)

    for s in stmts:
        if isinstance(s, gast.AugAssign):
            settle(_loaded(s.value) | _loaded(s.target), "read")
            if isinstance(s.target, gast.Name):
                settle([s.target.id], "read")
        elif isinstance(s, (gast.Assign, gast.AnnAssign)):
            targets = s.targets if isinstance(s, gast.Assign) else [s.target]
            settle(_loaded(s.value).union(*map(_loaded, targets)), "read")
            settle([n.id for t in targets for n in walk(t) if isinstance(n, gast.Name)],
                   "assigned")
        elif isinstance(s, gast.If):
            settle(_loaded(s.test), "read")
            body, orelse = _first_uses(s.body), _first_uses(s.orelse)
            settle([n for n in body.keys() | orelse.keys()
                    if "read" in (body.get(n), orelse.get(n))], "read")
            settle([n for n, status in body.items()
                    if status == orelse.get(n) == "assigned"], "assigned")
        elif isinstance(s, (gast.For, gast.While)):
            settle(_loaded(getattr(s, "iter", None)) | _loaded(getattr(s, "test", None)), "read")
            targets = _loop_targets(s)  # set at the start of every iteration
            settle([n for n, status in _first_uses(s.body).items()
                    if status == "read" and n not in targets], "read")
        else:
            settle(_loaded(s), "read")
    return settled


def _loaded(node) -> set[str]:
    if node is None:
        return set()
    return {n.id for n in walk(node) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Load)}


def _reads(node, name) -> bool:
    return node is not None and any(isinstance(n, gast.Name) and n.id == name
                                    and isinstance(n.ctx, gast.Load) for n in walk(node))


def _scan(stmts, name):
    """'read' if some path reads `name` before assigning it, 'assigned' if every path
    assigns it first, None otherwise (user-level statements)."""
    for s in stmts:
        if isinstance(s, gast.AugAssign):
            if _reads(s.value, name) or _reads(s.target, name) or (
                    isinstance(s.target, gast.Name) and s.target.id == name):
                return "read"
        elif isinstance(s, (gast.Assign, gast.AnnAssign)):
            targets = s.targets if isinstance(s, gast.Assign) else [s.target]
            if _reads(s.value, name) or any(_reads(t, name) for t in targets):
                return "read"
            if any(isinstance(n, gast.Name) and n.id == name
                   for t in targets for n in walk(t)):
                return "assigned"
        elif isinstance(s, gast.If):
            if _reads(s.test, name):
                return "read"
            a, b = _scan(s.body, name), _scan(s.orelse, name)
            if "read" in (a, b):
                return "read"
            if a == b == "assigned":
                return "assigned"
        elif isinstance(s, (gast.For, gast.While)):
            if _reads(getattr(s, "iter", None), name) or _reads(getattr(s, "test", None), name):
                return "read"
            if name in _loop_targets(s):
                continue  # set at the start of every iteration
            if _scan(s.body, name) == "read":
                return "read"
        elif _reads(s, name):
            return "read"
    return None


# --------------------------------------------------------------------------------------
# Pass 0: assert / with / try -> the core language's `if`


class _Blocks:
    """Statements that only wrap others become marked `if`s of the core language, which
    the later stages treat as branches and codegen prints as what they were:

    - `assert c, m` -> `if not c: raise AssertionError(m)`; dropped when Python runs
      with -O, as Python compiled f itself then;
    - `with m as v: body` -> `if m: v = entered; body` marked `block="with"`: its test
      is the manager (a read, never a decision: the body always runs and the adjoint of
      the body is inlined), printed as `with m as entered:`;
    - `try: body except T as e: handler else: rest` -> `if completed: body else:
      e = caught; handler` marked `block="try"` (`catch` = T, `caught` = the name
      bound), then `if completed: rest`; several except clauses are one catching
      all their types, which runs the first that matches (`isinstance` tests).
      Printed as a try statement whose except clause sets `completed = False`, so the
      adjoint follows the path the forward sweep took, like any branch. The handler
      path must not see what a try body stopped midway left behind, so these are
      refused (located): an in-place write or list update in the body (checked once
      flattened), a variable the body assigns that the handler reads, and one read
      after the try while the handler may finish without assigning it (unless the body
      assigns it only in its last statement, a plain assignment: then it is unchanged
      when the body fails). The except clause re-raises pullback's own errors."""

    def __init__(self, namer, location, function, error=None):
        self.namer = namer
        self.function = function
        self.error = error or (lambda what, node: _located_error(what, node, location))
        self.loads = _load_counts(function)
        self.own = {a.id for a in function.args.posonlyargs + function.args.args
                    + function.args.kwonlyargs} | _stores(function)

    def block(self, stmts):
        out = []
        for s in stmts:
            out.extend(self.stmt(s))
        return out

    def stmt(self, s):
        lineno = getattr(s, "lineno", None)
        if isinstance(s, gast.Assert):
            if sys.flags.optimize:  # python -O compiled f without its asserts
                return []
            self.namer.reserve("AssertionError")  # the builtin, never a fresh name
            error = gast.Call(func=load("AssertionError"), args=[s.msg] if s.msg else [],
                              keywords=[])
            return [_at(if_(not_(s.test), [gast.Raise(exc=error, cause=None)]), lineno)]
        if isinstance(s, gast.With):
            return [_at(self.with_(s.items, s.body), lineno)]
        if isinstance(s, gast.Try):
            return [_at(new, lineno) for new in self.try_(s)]
        if isinstance(s, (gast.If, gast.For, gast.While)):
            s.body = self.block(s.body)
            s.orelse = self.block(s.orelse)
        return [s]

    def with_(self, items, body):
        item = items[0]
        inner = [self.with_(items[1:], body)] if items[1:] else self.block(body)
        entered = None
        if item.optional_vars is not None:
            entered = self.namer.fresh("entered")
            inner = [assign(item.optional_vars.id, load(entered))] + inner
        new = if_(item.context_expr, inner)
        new.block, new.entered = "with", entered
        return new

    def try_(self, s):
        for handler in s.handlers:
            self.check_try(s, handler)
        flag = self.namer.fresh("completed")
        caught = self.namer.fresh("caught")
        types_ = [h.type for h in s.handlers]
        catch = types_[0] if len(types_) == 1 else None if None in types_ else \
            gast.Tuple(elts=[clone(e) for t in types_  # (an except clause takes no nesting)
                             for e in (t.elts if isinstance(t, gast.Tuple) else [t])],
                       ctx=gast.Load())
        self.namer.reserve("isinstance")  # the builtin, never a fresh name
        new = if_(load(flag), self.block(s.body), self.handlers(s.handlers, caught))
        new.block, new.catch, new.caught = "try", catch, caught
        out = [new]
        if s.orelse:  # runs when the body completed, outside the try: not caught
            out.append(if_(load(flag), self.block(s.orelse)))
        return out

    def handlers(self, handlers, caught) -> list:
        """The except clauses as one: the first whose types match what was caught runs
        (`isinstance` tests in their order; a bare `except:` is last)."""
        first, rest = handlers[0], handlers[1:]
        body = [assign(first.name.id, load(caught))] if first.name is not None else []
        body += self.block(first.body)
        if not rest:
            return body
        test = gast.Call(func=load("isinstance"), args=[load(caught), clone(first.type)],
                         keywords=[])
        return [_at(if_(test, body, self.handlers(rest, caught)), getattr(first, "lineno",
                                                                         None))]

    def check_try(self, s, handler):
        for part in handler.type.elts if isinstance(handler.type, gast.Tuple) \
                else [handler.type] if handler.type is not None else []:
            name = dotted_name(part)
            if name is None or name.split(".")[0] in self.own:
                self.error("an except clause whose exception type is not a global name "
                           "(or a tuple of them): pullback evaluates it as written", part)
        last = s.body[-1]
        last_only = {t.id for t in getattr(last, "targets", [getattr(last, "target", None)])
                     if isinstance(t, gast.Name)} if isinstance(
            last, (gast.Assign, gast.AugAssign, gast.AnnAssign)) else set()
        earlier = _stores(gast.Module(body=s.body[:-1], type_ignores=[]))
        handled = gast.Module(body=handler.body, type_ignores=[])
        for name in sorted(_stores(gast.Module(body=s.body, type_ignores=[]))):
            if _load_counts(handled).get(name):
                where = next(n for n in walk(handled) if isinstance(n, gast.Name)
                             and n.id == name and isinstance(n.ctx, gast.Load))
                self.error(f"the except clause reads {name!r}, which the try body assigns: "
                           "after an exception midway through the body it may hold a value "
                           "the body left, and pullback runs the handler on the values from "
                           f"before the try (give {name!r} a value in the except clause, or "
                           "compute it before the try)", where)
            read_after = self.loads.get(name, 0) > _load_counts(s).get(name, 0)
            if read_after and (name in earlier or name not in last_only) \
                    and not _always_exits(handler.body) \
                    and _scan(handler.body, name) != "assigned":
                self.error(f"{name!r} is assigned in the try body and read after the try, "
                           "but the except clause may finish without assigning it: after "
                           "an exception midway through the body it would hold what the "
                           f"body left. Assign {name!r} in the except clause too (or raise "
                           "or return there)", s)


def _located_error(what, node, location):
    origin, lineno = getattr(node, "origin", (location, None))
    where = node if lineno is None else types.SimpleNamespace(lineno=lineno)
    raise UnsupportedSyntaxError(f"unsupported construct: {what}", origin.describe(where))


def _stores(node) -> set[str]:
    return {n.id for n in walk(node) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Store)}


def _load_counts(node) -> dict[str, int]:
    counts: dict[str, int] = {}
    for n in walk(node):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load):
            counts[n.id] = counts.get(n.id, 0) + 1
    return counts


def _always_exits(stmts) -> bool:
    """Whether the statements never fall through: they end in `raise` or `return` on
    every path (user-level statements)."""
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, (gast.Return, gast.Raise)):
        return True
    if isinstance(last, gast.If):
        return _always_exits(last.body) and (getattr(last, "block", None) == "with"
                                             or _always_exits(last.orelse))
    return False


# --------------------------------------------------------------------------------------
# Pass 1: break / continue / return -> flags


def _always_returns(stmts) -> bool:
    """Whether the statements end on every path in `return` or `raise` (neither falls
    through to what follows)."""
    return _always_exits(stmts)


class _Loop:
    def __init__(self, namer):
        self.namer = namer
        self._brk = self._cont = None

    @property
    def brk(self):
        self._brk = self._brk or self.namer.fresh("broke")
        return self._brk

    @property
    def cont(self):
        self._cont = self._cont or self.namer.fresh("skip")
        return self._cont


def _combine(flags):
    names = sorted(flags)
    expr = load(names[0])
    for name in names[1:]:
        expr = binop(expr, gast.BitOr(), load(name))
    return expr


def _at(node, lineno):
    for sub in walk(node):
        if isinstance(sub, (gast.stmt, gast.expr)) and getattr(sub, "lineno", None) is None:
            sub.lineno = lineno
    return node


class _ControlFlow:
    def __init__(self, namer):
        self.namer = namer
        self.retval = namer.fresh("out")
        self._ret = None

    @property
    def ret(self):
        self._ret = self._ret or self.namer.fresh("returned")
        return self._ret

    def function(self, body):
        if not _always_returns(body):  # falling off the end returns None, as in Python
            implicit = gast.Return(value=const(None))
            implicit.lineno = getattr(body[-1], "lineno", None) if body else None
            body = [*body, implicit]
        stmts, _ = self.block(body, None, tail=True)
        init = []
        if self._ret:  # an early return: the result may be set inside loops and branches
            init = [assign(self._ret, const(False)), assign(self.retval, const(None))]
        final = gast.Return(value=load(self.retval))
        final.lineno = getattr(body[-1], "lineno", None) if body else None
        return init + stmts + [final]

    def block(self, stmts, loop, tail):
        out, seen = [], set()
        stmts = list(stmts)
        for i, stmt in enumerate(stmts):
            last = i == len(stmts) - 1
            if tail and not last and isinstance(stmt, gast.If) \
                    and not getattr(stmt, "block", None):  # a try body or with body: the
                # rest must not run inside it (guarded by flags instead)
                # `if c: return a` followed by more code: the rest belongs in the other branch.
                rest = stmts[i + 1:]
                if _always_returns(stmt.body) and not _always_returns(stmt.orelse):
                    stmt.orelse = stmt.orelse + rest
                    last = True
                elif _always_returns(stmt.orelse) and not _always_returns(stmt.body):
                    stmt.body = stmt.body + rest
                    last = True
            new, flags = self.stmt(stmt, loop, tail and last)
            out.extend(new)
            seen |= flags
            if last:
                break
            if flags:
                rest, rest_flags = self.block(stmts[i + 1:], loop, tail)
                if rest:
                    guard = if_(not_(_combine(flags)), rest)
                    out.append(_at(guard, getattr(stmts[i + 1], "lineno", None)))
                return out, seen | rest_flags
        return out, seen

    def stmt(self, stmt, loop, tail):
        lineno = getattr(stmt, "lineno", None)
        if isinstance(stmt, gast.Return):
            new = [_at(assign(self.retval, stmt.value), lineno)]
            new[0].is_return = True
            if tail:
                return new, set()
            new.append(_at(assign(self.ret, const(True)), lineno))
            return new, {self.ret}
        if isinstance(stmt, gast.Break):
            return [_at(assign(loop.brk, const(True)), lineno)], {loop.brk}
        if isinstance(stmt, gast.Continue):
            return [_at(assign(loop.cont, const(True)), lineno)], {loop.cont}
        if isinstance(stmt, gast.If):
            body, f1 = self.block(stmt.body, loop, tail)
            orelse, f2 = self.block(stmt.orelse, loop, tail)
            stmt.body, stmt.orelse = body or [gast.Pass()], orelse
            return [stmt], f1 | f2
        if isinstance(stmt, (gast.For, gast.While)):
            inner = _Loop(self.namer)
            body, flags = self.block(stmt.body, inner, tail=False)
            pre = []
            if inner._cont:
                body.insert(0, _at(assign(inner._cont, const(False)), lineno))
            if inner._brk:
                pre.append(_at(assign(inner._brk, const(False)), lineno))
            exits = flags - {inner._cont}
            if exits:
                if isinstance(stmt, gast.For):
                    body.append(_at(if_(_combine(exits), [gast.Break()]), lineno))
                else:
                    stmt.exit_test = _combine(exits)
            stmt.body = body or [gast.Pass()]
            return pre + [stmt], flags & {self._ret}
        return [stmt], set()


# --------------------------------------------------------------------------------------
# Pass 2: expressions -> A-normal form


def _base_name(expr) -> str:
    if isinstance(expr, gast.BinOp):
        return op_name(expr.op)
    if isinstance(expr, gast.UnaryOp):
        return op_name(expr.op)
    if isinstance(expr, gast.Call):
        name = dotted_name(expr.func)
        if name:
            return name.rsplit(".", 1)[-1]
        return expr.func.attr if isinstance(expr.func, gast.Attribute) else "call"
    if isinstance(expr, gast.Subscript):
        base = expr.value.id if isinstance(expr.value, gast.Name) else "item"
        return f"{base}_item"
    if isinstance(expr, gast.Attribute):
        return expr.attr
    if isinstance(expr, gast.Compare):
        return "cond"
    if isinstance(expr, gast.BoolOp):
        return "both" if isinstance(expr.op, gast.And) else "either"
    if isinstance(expr, gast.IfExp):
        return "choice"
    return "t"


# Array methods and the NumPy functions they are (receiver first).
ARRAY_METHODS = {
    "sum": "np.sum", "mean": "np.mean", "max": "np.max", "min": "np.min", "prod": "np.prod",
    "dot": "np.dot", "reshape": "np.reshape", "transpose": "np.transpose", "ravel": "np.ravel",
    "flatten": "np.ravel", "clip": "np.clip", "squeeze": "np.squeeze", "cumsum": "np.cumsum",
    "cumprod": "np.cumprod", "std": "np.std", "var": "np.var", "argmax": "np.argmax",
    "argmin": "np.argmin", "argsort": "np.argsort", "any": "np.any", "all": "np.all",
    "trace": "np.trace", "diagonal": "np.diagonal", "swapaxes": "np.swapaxes",
    "conj": "np.conj", "conjugate": "np.conj", "round": "np.round", "repeat": "np.repeat",
    "take": "np.take", "nonzero": "np.nonzero", "choose": "np.choose",
}


# Small functions (at most SMALL_STATEMENTS statements, see _small_body) are inlined at
# their calls, until INLINE_BUDGET statements have been inlined into one function.
SMALL_STATEMENTS = 8
INLINE_BUDGET = 120
_NOT_SMALL = (gast.For, gast.While, gast.FunctionDef, gast.AsyncFunctionDef, gast.Lambda,
              gast.ClassDef, gast.ListComp, gast.SetComp, gast.DictComp, gast.GeneratorExp,
              gast.Global, gast.Nonlocal, gast.Yield, gast.YieldFrom, gast.Await, gast.Try,
              gast.With, gast.Raise, gast.Assert, gast.AugAssign, gast.Delete, gast.Starred,
              gast.NamedExpr, gast.Expr)


def _small_body(func):
    """The checked Parsed of `func` when its body is small and straight: at most
    SMALL_STATEMENTS statements (those of branches counted), only assignments to names,
    `if` and `return`, no loops, nested functions, comprehensions or writes into
    objects, and a plain signature; else None."""
    try:
        callee = parse_function(func)
        args = callee.tree.args
        if args.vararg or args.kwarg or callee.tree.decorator_list:
            return None
        statements = 0
        for node in walk(callee.tree):
            if isinstance(node, _NOT_SMALL) and node is not callee.tree:
                return None
            if isinstance(node, (gast.Subscript, gast.Attribute)) \
                    and not isinstance(node.ctx, gast.Load):
                return None
            statements += isinstance(node, gast.stmt)
        if statements - 1 > SMALL_STATEMENTS:
            return None
        check(callee.tree, callee.location)
    except PullbackError:
        return None  # transformed as a callee, which reports it
    return callee


class _Flatten:
    def __init__(self, namer, parsed):
        self.namer = namer
        self.parsed = parsed
        self.lineno = None
        self.local_functions: dict = {}
        self.made: dict = {}  # name -> a callable functools.partial or operator made
        self.user_names: set = set()  # names of the user's function, and reserved ones
        self.inlining: list = []  # the functions being inlined, innermost last
        self.readable: dict = {}  # module-level function -> its checked Parsed
        self.small: dict = {}  # user function -> its checked Parsed if small enough to inline
        self.inline_budget = INLINE_BUDGET  # statements of small functions still to inline
        self.globals_names: dict = {}  # id of a module's globals -> the name they get
        self.rebound: set = set()  # names the loop being normalized assigns
        self.resized: set = set()  # lists whose length that loop's body may change
        self.built: set = set()  # fresh names of lists built for a comprehension or builtin
        self.dicts = _dict_names(parsed.tree, self)
        tree = parsed.tree
        kwarg = tree.args.kwarg
        if kwarg is not None and not any(  # **kwargs is a dict while it is not rebound
                isinstance(n, gast.Name) and n.id == kwarg.id and isinstance(n.ctx, gast.Store)
                for n in walk(gast.Module(body=tree.body, type_ignores=[]))):
            self.dicts.add(kwarg.id)
        self.locals = set(parameters(tree.args)) | {
            n.id for n in walk(tree) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Store)}

    def error(self, what, node):
        location, lineno = getattr(node, "origin", (self.parsed.location, None))
        where = node if lineno is None else types.SimpleNamespace(lineno=lineno)
        raise UnsupportedSyntaxError(f"unsupported construct: {what}", location.describe(where))

    # statements ------------------------------------------------------------------

    def block(self, stmts):
        out = []
        for stmt in stmts:
            self.lineno = getattr(stmt, "lineno", self.lineno)
            lineno = self.lineno
            new = self.stmt(stmt)
            origin = getattr(stmt, "origin", None)  # a statement of an inlined function
            for node in new:
                _at(node, lineno)
                if origin is not None and getattr(node, "origin", None) is None:
                    node.origin = origin
                if getattr(stmt, "is_return", False):  # the result may alias what it returns
                    node.is_return = True
            out.extend(new)
        return out

    def stmt(self, s):
        out: list = []
        if isinstance(s, gast.Assign):
            if len(s.targets) == 1:
                self.assign_to(s.targets[0], s.value, out)
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
        elif isinstance(s, gast.Expr) and is_list_update(s):
            item = self.atom(s.value.args[0], out)
            update = gast.Expr(value=gast.Call(func=gast.Attribute(
                value=load(s.value.func.value.id), attr=s.value.func.attr, ctx=gast.Load()),
                args=[item], keywords=[]))
            update.list_update = s.value.func.attr
            out.append(update)
        elif isinstance(s, gast.Expr) and not isinstance(s.value, gast.Constant):
            self.effect(s.value, out)
        elif isinstance(s, (gast.Expr, gast.Pass)):
            pass  # a docstring
        elif isinstance(s, gast.Raise):
            exc = None if s.exc is None else self.atom(s.exc, out)
            cause = None if s.cause is None else self.atom(s.cause, out)
            out.append(gast.Raise(exc=exc, cause=cause))
        elif isinstance(s, gast.If) and getattr(s, "block", None):
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
        elif isinstance(s, gast.Return):
            out.append(gast.Return(value=self.name_atom(s.value, out)))
        else:  # check.py rejects everything else first
            self.error(type(s).__name__, s)
        return out

    def marked_block(self, s, out):
        """A `with` or `try` block from pass 0: its parts flattened, its marks kept."""
        test = self.atom(s.test, out) if s.block == "with" else s.test  # the manager
        new = if_(test, self.block(s.body), self.block(s.orelse))
        for mark in ("block", "entered", "catch", "caught"):
            if hasattr(s, mark):
                setattr(new, mark, getattr(s, mark))
        if s.block == "try":
            for t in walk(gast.Module(body=new.body, type_ignores=[])):
                if isinstance(t, gast.Assign) and isinstance(t.targets[0], gast.Subscript) \
                        or getattr(t, "list_update", None):
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
        if isinstance(expr, gast.Call) and self.in_place(expr, out):
            return
        value = self.simple(expr, out)
        name = self.namer.fresh("unused")
        out.append(assign(name, value))
        out[-1].effect = True

    def in_place(self, expr, out) -> bool:
        """Lower a NumPy call that writes into an array argument; False if it is none."""
        func = expr.func
        keywords = {k.arg: k.value for k in expr.keywords}
        callee = self.parsed.resolve(func)
        if callee is np.copyto and len(expr.args) == 2 and not keywords:
            target, value, index = expr.args[0], expr.args[1], "whole_array"
        elif callee is np.fill_diagonal and len(expr.args) == 2 and not keywords:
            target, value, index = expr.args[0], expr.args[1], "diagonal_index"
        elif isinstance(func, gast.Attribute) and func.attr == "fill" and callee is MISSING \
                and isinstance(func.value, gast.Name) and func.value.id in self.locals \
                and len(expr.args) == 1 and not keywords:
            target, value, index = func.value, expr.args[0], "whole_array"
        elif "out" in keywords and callee is not MISSING and rules.lookup(callee) is not None:
            rest = [k for k in expr.keywords if k.arg != "out"]
            target, index = keywords["out"], "whole_array"
            value = gast.Call(func=func, args=expr.args, keywords=rest)
        else:
            return False
        if not isinstance(target, gast.Name):
            self.error("an in-place NumPy write into an expression (write into a name)", expr)
        value = self.atom(value, out)
        at = self.namer.fresh("at")
        out.append(assign(at, call(index, load(target.id))))
        out.append(assign(gast.Subscript(value=load(target.id), slice=load(at),
                                         ctx=gast.Store()), value))
        return True

    def out_call(self, expr, out):
        """`f(..., out=a)` used as a value: for an f with a derivative rule, the write
        `a[...] = f(...)`, then `a` (so `y = f(..., out=a)` gives a second name to an array
        written in place, which check_writes refuses); a Python function of the user's
        takes `out` as any argument; any other f is refused, since its write into `a`
        would not be followed."""
        found = self.parsed.resolve(expr.func)
        if found is not MISSING and rules.lookup(found) is not None:
            self.in_place(expr, out)
            return load(next(k.value for k in expr.keywords if k.arg == "out").id)
        if inspect.isfunction(found) and not is_library(found):
            return gast.Call(func=self.callee(expr.func, out),
                             args=[self.atom(a, out) for a in expr.args],
                             keywords=[gast.keyword(arg=k.arg, value=self.atom(k.value, out))
                                       for k in expr.keywords])
        name = dotted_name(expr.func) or "a function"
        self.error(f"out= of {name}, which has no derivative rule: pullback would not follow "
                   "its write into the array", expr)

    def assign_to(self, target, value, out):
        if isinstance(target, gast.Name) and self.bind_callable(target.id, value, out):
            return
        called = self.builtin(value.func) if isinstance(value, gast.Call) else None
        if isinstance(target, gast.Name) and (isinstance(value, gast.GeneratorExp) or called
                                              in (builtins.map, builtins.reversed,
                                                  builtins.zip, builtins.enumerate,
                                                  builtins.filter)):
            what = "a generator" if called is None else f"{called.__name__}()"
            self.error(f"{what} bound to a name: pullback makes it a list, which differs once "
                       "it is consumed twice; use a list comprehension or list()", value)
        if isinstance(target, gast.Name) and isinstance(value, gast.DictComp) \
                and not _reads(value, target.id):
            self.comprehension(value, out, target.id)  # built under its own name: no copy
        elif isinstance(target, gast.Name) and called is builtins.dict \
                and not _reads(value, target.id):
            self.dict_call(value, out, target.id)  # built under its own name: no copy
        elif isinstance(target, gast.Name) and (isinstance(value, gast.ListComp) or (
                called is builtins.list and len(value.args) == 1 and not value.keywords)) \
                and not _reads(value, target.id):
            self.comprehension(self.as_list_comp(value), out, target.id)
        elif isinstance(target, gast.Name):
            simple = self.simple(value, out)
            out.append(assign(target.id, simple))
            if isinstance(simple, gast.Name) and simple.id in self.built:
                out[-1].moved = True  # the new list's only name from now on
        elif isinstance(target, gast.Subscript):
            atom = self.atom(value, out)
            base = self.atom(target.value, out)
            index = self.index(target.slice, out)
            out.append(assign(gast.Subscript(value=base, slice=index, ctx=gast.Store()), atom))
        elif isinstance(target, gast.Attribute):
            self.set_attribute(target, self.atom(value, out), out)
        elif isinstance(target, (gast.Tuple, gast.List)):
            self.unpack(target.elts, value, out)
        else:
            self.error(f"assignment to {type(target).__name__}", target)

    def unpack(self, targets, value, out):
        if isinstance(value, (gast.Tuple, gast.List)) and len(value.elts) == len(targets):
            if any(isinstance(e, gast.Starred) for e in value.elts):
                self.error("starred expression", value)
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
        # Python unpacks only a sequence of exactly that length (a ValueError otherwise,
        # which an except clause may catch): the reads below would not notice
        out.append(assign(self.namer.fresh("unpacked"), call("unpack_check", seq,
                                                              const(len(targets)))))
        for i, target in enumerate(targets):
            if isinstance(target, gast.Starred):
                self.error("starred assignment target", target)
            item = gast.Subscript(value=seq, slice=const(i), ctx=gast.Load())
            self.assign_to(target, item, out)

    def set_attribute(self, target, atom, out):
        """obj.attr = v as `unused = set_attribute(obj, 'attr', v)`, a call made for its
        effect: v may not be a value being differentiated (activity), and must be a
        number, a string, None or a tuple of them (checked as it runs): a counter or a
        setting on an object, never an array whose later changes pullback would not see."""
        base = self.atom(target.value, out)
        name = self.namer.fresh("unused")
        out.append(assign(name, call("set_attribute", base, const(target.attr), atom)))
        out[-1].effect = True

    def augassign(self, s, out):
        target = s.target
        if isinstance(target, gast.Attribute):  # self.count += 1
            old = self.atom(gast.Attribute(value=target.value, attr=target.attr,
                                           ctx=gast.Load()), out)
            new = self.atom(gast.BinOp(left=old, op=s.op, right=s.value), out)
            self.set_attribute(target, new, out)
            return
        if isinstance(target, gast.Name):
            rhs = self.atom(s.value, out)
            out.append(assign(target.id, binop(load(target.id), s.op, rhs)))
            out[-1].augmented = target.id  # NumPy would update the array in place
            return
        base = self.atom(target.value, out)
        index = self.index(target.slice, out)
        old = self.namer.fresh(_base_name(target))
        out.append(assign(old, gast.Subscript(value=base, slice=index, ctx=gast.Load())))
        rhs = self.atom(s.value, out)
        new = self.namer.fresh(op_name(s.op))
        out.append(assign(new, binop(load(old), s.op, rhs)))
        out.append(assign(gast.Subscript(value=clone(base), slice=clone(index),
                                         ctx=gast.Store()), load(new)))

    def for_(self, s, out):
        if not isinstance(s.target, (gast.Name, gast.Tuple, gast.List)):
            self.error("loop target that is not a name or tuple of names", s)
        rng = self.range_of(s.iter, out) if isinstance(s.target, gast.Name) else None
        if rng is not None:
            out.append(gast.For(target=store(s.target.id), iter=rng, body=self.block(s.body),
                                orelse=[], type_comment=None))
            return
        it = s.iter
        # Everything else iterates an index over one or more sequences.
        index = self.namer.fresh("k")
        self.rebound = {n.id for n in walk(s) if isinstance(n, gast.Name)
                        and isinstance(n.ctx, gast.Store)}
        self.resized = _resized_in(s.body)
        length, item_targets = self.iteration(s.target, it, index, out)
        rng = self.namer.fresh("steps")
        out.append(assign(rng, call("range", length)))
        body = []
        for target, item in item_targets:
            self.assign_to(target, item, body)
        out.append(gast.For(target=store(index), iter=load(rng), body=body + self.block(s.body),
                            orelse=[], type_comment=None))

    def range_of(self, it, out):
        """`range(...)` or `reversed(range(...))` as a name bound to a range, else None."""
        callee = self.parsed.resolve(it.func) if isinstance(it, gast.Call) else None
        if callee is builtins.range:
            rng = self.namer.fresh("steps")
            out.append(assign(rng, call("range", *[self.atom(a, out) for a in it.args])))
            return load(rng)
        if callee is builtins.reversed and len(it.args) == 1:
            forward = self.range_of(it.args[0], out)
            if forward is not None:
                rng = self.namer.fresh("steps")
                back = gast.Slice(lower=None, upper=None, step=const(-1))
                out.append(assign(rng, gast.Subscript(value=forward, slice=back,
                                                      ctx=gast.Load())))
                return load(rng)
        return None

    def iteration(self, target, it, index, out):
        """(length atom, [(target, element expr)]) for iterating `it` with index `index`."""
        it = self.starred_zip(it)
        callee = getattr(it, "builtin", None) or (
            self.parsed.resolve(it.func) if isinstance(it, gast.Call) else None)
        if callee is builtins.reversed and len(it.args) == 1 and not it.keywords:
            backwards = self.namer.fresh("back")  # the index from the end
            length, items = self.iteration(target, it.args[0], backwards, out)
            last = binop(binop(length, gast.Sub(), const(1)), gast.Sub(), load(index))
            return length, [(store(backwards), last)] + items
        if isinstance(it, gast.Call) and isinstance(it.func, gast.Attribute) \
                and it.func.attr in ("values", "items", "keys") and not it.args \
                and callee is MISSING:
            mapping = self.atom(it.func.value, out)  # a dict: iterate its keys
            keys = self.namer.fresh("keys")
            out.append(assign(keys, call("key_list", mapping)))
            n = self.namer.fresh("n")
            out.append(assign(n, call("len", load(keys))))
            key = gast.Subscript(value=load(keys), slice=load(index), ctx=gast.Load())
            if it.func.attr == "keys":
                return load(n), [(target, key)]
            key_name = self.namer.fresh("key")
            value = gast.Subscript(value=mapping, slice=load(key_name), ctx=gast.Load())
            if it.func.attr == "values":
                return load(n), [(store(key_name), key), (target, value)]
            if not isinstance(target, (gast.Tuple, gast.List)) or len(target.elts) != 2:
                self.error("items() loop target (use `for k, v in d.items()`)", it)
            return load(n), [(store(key_name), key), (target.elts[0], load(key_name)),
                             (target.elts[1], value)]
        if callee is builtins.enumerate:
            start = it.args[1:] + [k.value for k in it.keywords if k.arg == "start"]
            if not 1 <= len(it.args) + len(it.keywords) <= 2 or len(start) + 1 != len(
                    it.args) + len(it.keywords) or not isinstance(target, (gast.Tuple, gast.List)) \
                    or len(target.elts) != 2:
                self.error("enumerate form (use `for i, x in enumerate(xs, start=0)`)", it)
            length, items = self.iteration(target.elts[1], it.args[0], index, out)
            count = load(index)
            if start:
                count = binop(load(index), gast.Add(), self.atom(start[0], out))
            return length, [(target.elts[0], count)] + items
        if callee is builtins.zip:
            if it.keywords or not isinstance(target, (gast.Tuple, gast.List)) \
                    or len(target.elts) != len(it.args):
                self.error("zip form (unpack one name per zipped sequence)", it)
            lengths, items = [], []
            for sub_target, arg in zip(target.elts, it.args):
                length, sub_items = self.iteration(sub_target, arg, index, out)
                lengths.append(length)
                items += sub_items
            length = lengths[0]
            for other in lengths[1:]:
                shorter = self.namer.fresh("n")
                out.append(assign(shorter, call("min", length, other)))
                length = load(shorter)
            return length, items
        if isinstance(it, gast.Name) and it.id in self.resized:
            self.error(f"a loop over {it.id!r} that the loop body changes in place (appends, "
                       f"removes, `+=`, slice writes: Python's loop then also sees the new "
                       f"elements); loop over a copy (`for v in list({it.id})`) or use a while "
                       "loop", it)
        seq = self.atom(it, out)
        length = "loop_len"  # refuses a dict it was not told about
        if isinstance(seq, gast.Name) and seq.id in self.dicts:
            keys = self.namer.fresh("keys")  # a dict: iterate its keys
            out.append(assign(keys, call("key_list", seq)))
            seq, length = load(keys), "len"
        if isinstance(seq, gast.Name) and seq.id in self.rebound:
            # the loop iterates the object the name held when it started
            held = self.namer.fresh(f"{seq.id}_iterated")
            out.append(assign(held, seq))
            seq = load(held)
        n = self.namer.fresh("n")
        out.append(assign(n, call(length, seq)))
        item = gast.Subscript(value=seq, slice=load(index), ctx=gast.Load())
        return load(n), [(target, item)]

    def while_(self, s, out):
        cond = self.namer.fresh("go")
        test = s.test
        if isinstance(test, gast.Name) and test.id in _popped_in(s.body):
            # `while saved: ... saved.pop()`: a list's truth, not a second name for it
            test = gast.Compare(left=call("len", test), ops=[gast.Gt()],
                                comparators=[const(0)])
        out.append(assign(cond, self.simple(clone(test), out)))
        body = self.block(s.body)
        recompute: list = []
        recompute.append(assign(cond, self.simple(clone(test), recompute)))
        exit_test = getattr(s, "exit_test", None)
        if exit_test is not None:
            stop = self.name_atom(exit_test, body)
            body.append(if_(stop, [assign(cond, const(False))], recompute))
        else:
            body.extend(recompute)
        out.append(gast.While(test=load(cond), body=body, orelse=[]))

    # expressions -----------------------------------------------------------------

    def atom(self, expr, out, hint=None):
        if is_atom(expr):
            if isinstance(expr, gast.Name) and expr.id in self.local_functions:
                self.error(f"{self.shown(expr.id)} used as a value (only calls to it, and "
                           "passing it to a call, are differentiated)", expr)
            return expr
        simple = self.simple(expr, out)
        if is_atom(simple):
            return simple
        name = self.namer.fresh(hint or _base_name(expr))
        out.append(assign(name, simple))
        if getattr(expr, "origin", None) is not None:  # from an inlined function's body
            out[-1].origin = expr.origin
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
            return expr
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
            made = self.made_callable(expr.func, out)
            if made is not None:
                return self.simple(self.call_made(made, expr), out)
        if isinstance(expr, gast.Call) and isinstance(expr.func, gast.Name) \
                and expr.func.id in self.local_functions:
            return self.inline(expr, self.local_functions[expr.func.id], None, out)
        if isinstance(expr, gast.Call):
            lowered = self.sequence_call(expr, out)
            if lowered is None:
                lowered = self.container_call(expr, out)
            if lowered is not None:
                return lowered
            method = self.array_method(expr)
            if method is not None:
                return self.simple(method, out)
            passed = [a.id for a in [*expr.args, *[k.value for k in expr.keywords]]
                      if isinstance(a, gast.Name) and a.id in self.local_functions]
            if passed:
                callee = self.readable_callee(expr, passed[0])
                return self.inline(expr, callee.tree, callee, out)
            small = self.small_callee(expr)
            if small is not None:
                return self.inline(expr, small.tree, small, out)
            if any(k.arg == "out" and not (isinstance(k.value, gast.Constant)
                                           and k.value.value is None) for k in expr.keywords):
                return self.out_call(expr, out)
            spread = self.spread_call(expr, out)
            if spread is not None:
                return spread
            func = self.callee(expr.func, out)
            args = [self.atom(a, out) for a in expr.args]
            keywords = [gast.keyword(arg=k.arg, value=self.atom(k.value, out))
                        for k in expr.keywords]
            if any(k.arg is None for k in keywords):
                self.error("**mapping in a call", expr)
            return gast.Call(func=func, args=args, keywords=keywords)
        if isinstance(expr, gast.Attribute):
            dotted = dotted_name(expr)
            if dotted is not None and dotted.split(".")[0] not in self.locals:
                # np.pi, a module's constant: resolved as written (x.T.T of a local value
                # is two reads of .T, each of an atom)
                return gast.Attribute(value=expr.value, attr=expr.attr, ctx=gast.Load())
            return gast.Attribute(value=self.atom(expr.value, out), attr=expr.attr,
                                  ctx=gast.Load())
        if isinstance(expr, gast.Subscript):
            base = self.atom(expr.value, out)
            return gast.Subscript(value=base, slice=self.index(expr.slice, out), ctx=gast.Load())
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
            made = gast.Call(func=load("set"), args=[items], keywords=[])
            made.func.builtin = builtins.set
            return made
        if isinstance(expr, gast.Dict):
            return gast.Dict(keys=[self.atom(k, out) for k in expr.keys],
                             values=[self.atom(v, out) for v in expr.values])
        if isinstance(expr, gast.JoinedStr):  # f"...{v:.{p}f}...": its values as atoms
            return gast.JoinedStr(values=[self.formatted(v, out) for v in expr.values])
        self.error(type(expr).__name__, expr)

    def formatted(self, part, out):
        if not isinstance(part, gast.FormattedValue):
            return part
        spec = part.format_spec
        if spec is not None:
            spec = gast.JoinedStr(values=[self.formatted(v, out) for v in spec.values])
        return gast.FormattedValue(value=self.atom(part.value, out), conversion=part.conversion,
                                   format_spec=spec)
    def spread_call(self, expr, out):
        """A call given `*xs` or `**m`, or of a Python function of the user's that takes
        `*args` or `**kwargs`, as `g(a, b, *P, k=v, **M)`: the leading plain arguments its
        named positional parameters take, then one tuple P of the other positional
        arguments (made with `+` and `tuple(...)`), the keywords its named parameters
        take, and one dict M of the rest. Arguments are evaluated in the call's order.
        None for any other call."""
        starred = any(isinstance(a, gast.Starred) for a in expr.args) \
            or any(k.arg is None for k in expr.keywords)
        dotted = dotted_name(expr.func)
        func = MISSING if dotted is None or dotted.split(".")[0] in self.locals \
            else self.parsed.resolve(expr.func)
        readable = inspect.isfunction(func) and not is_library(func) \
            and rules.lookup(func) is None
        if readable:
            signature = inspect.signature(passed_through(func), follow_wrapped=False)
            kinds = {p.name: p.kind for p in signature.parameters.values()}
            gathers = {inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD}
            if not starred and not gathers & set(kinds.values()):
                return None
        elif starred:
            self.error(f"*xs or **mapping in a call to {dotted or 'a computed callee'}, which "
                       "is not a Python function of yours pullback can read (pass the "
                       "arguments one by one)", expr)
        else:
            return None
        positional = [n for n, k in kinds.items() if k in (
            inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        by_name = {n for n, k in kinds.items() if k in (
            inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)}
        lead, parts, run = [], [], []
        for a in expr.args:
            if not parts and not run and not isinstance(a, gast.Starred) \
                    and len(lead) < len(positional):
                lead.append(self.atom(a, out))
            elif isinstance(a, gast.Starred):
                if run:
                    parts.append(self.atom(gast.Tuple(elts=run, ctx=gast.Load()), out,
                                           "passed"))
                    run = []
                parts.append(self.atom(self.as_tuple(a.value), out, "passed"))
            else:
                run.append(a)
        if run:
            parts.append(self.atom(gast.Tuple(elts=run, ctx=gast.Load()), out, "passed"))
        keywords, extra, mappings = [], [], []
        for k in expr.keywords:
            if k.arg is None:
                mappings.append(k.value)
            elif k.arg in by_name:
                keywords.append(gast.keyword(arg=k.arg, value=self.atom(k.value, out)))
            else:
                extra.append(k)
        if len(mappings) + bool(extra) > 1:
            self.error("more than one **mapping, or **mapping beside keywords that the "
                       "callee's **kwargs takes, in one call (merge them into one dict first)",
                       expr)
        args = list(lead)
        if parts:
            packed = parts[0]
            for part in parts[1:]:
                packed = self.atom(binop(packed, gast.Add(), part), out, "passed")
            args.append(gast.Starred(value=packed, ctx=gast.Load()))
        if mappings:
            keywords.append(gast.keyword(arg=None, value=self.atom(mappings[0], out)))
        elif extra:
            mapping = self.atom(gast.Dict(keys=[const(k.arg) for k in extra],
                                          values=[k.value for k in extra]), out, "passed")
            self.dicts.add(mapping.id)
            keywords.append(gast.keyword(arg=None, value=mapping))
        return gast.Call(func=self.callee(expr.func, out), args=args, keywords=keywords)

    FACTORIES = {functools.partial: "partial", operator.itemgetter: "itemgetter",
                 operator.attrgetter: "attrgetter"}

    def factory(self, expr):
        """"partial", "itemgetter" or "attrgetter" for a call making such a callable."""
        if not isinstance(expr, gast.Call) or any(isinstance(a, gast.Starred)
                                                  for a in expr.args) \
                or any(k.arg is None for k in expr.keywords):
            return None
        dotted = dotted_name(expr.func)
        if dotted is None or dotted.split(".")[0] in self.locals:
            return None
        found = self.parsed.resolve(expr.func)
        return self.FACTORIES.get(found) if isinstance(found, type) else None

    def made_callable(self, func, out):
        """(kind, callee, bound argument atoms, bound keyword atoms) for a callee that is
        `functools.partial(g, ...)`, `operator.itemgetter(...)` or `operator.attrgetter(...)`
        (written in place or bound to a name before), its arguments evaluated where it is
        made; None for any other callee."""
        if isinstance(func, gast.Name) and func.id in self.made:
            return self.made[func.id]
        kind = self.factory(func)
        if kind is None:
            return None
        args = list(func.args)
        callee = args.pop(0) if kind == "partial" else None
        if kind == "partial" and callee is None:
            self.error("functools.partial without a function", func)
        if kind != "partial" and (func.keywords or not args):
            self.error(f"operator.{kind} form (give the items or attribute names)", func)
        if kind == "attrgetter" and not all(isinstance(a, gast.Constant)
                                            and isinstance(a.value, str) for a in args):
            self.error("operator.attrgetter of names that are not written out", func)
        bound = []
        for a in args:  # evaluated once, where the callable is made
            atom = self.atom(a, out)
            if isinstance(atom, gast.Name) and atom.id not in self.local_functions:
                held = self.namer.fresh(f"{kind}_arg")
                out.append(assign(held, atom))
                atom = load(held)
            bound.append(atom)
        keywords = {}
        for k in func.keywords:
            held = self.namer.fresh(f"{kind}_{k.arg}")
            out.append(assign(held, self.atom(k.value, out)))
            keywords[k.arg] = load(held)
        return kind, callee, bound, keywords

    def bind_callable(self, name, value, out) -> bool:
        """`h = functools.partial(g, a)` (or operator.itemgetter / attrgetter) at the top of
        the function, h never rebound and only called or passed as a function: its calls
        become calls of g (reads of items or attributes); True if so."""
        if self.factory(value) is None or self.inlining:
            return False
        tree = self.parsed.tree
        stores = [n for n in walk(tree) if isinstance(n, gast.Name) and n.id == name
                  and isinstance(n.ctx, gast.Store)]
        top = [s for s in tree.body if isinstance(s, gast.Assign) and len(s.targets) == 1
               and isinstance(s.targets[0], gast.Name) and s.targets[0].id == name]
        callees = {id(part) for n in walk(tree) if isinstance(n, gast.Call)
                   for part in [n.func, *n.args, *[k.value for k in n.keywords]]}
        reads = [n for n in walk(tree) if isinstance(n, gast.Name) and n.id == name
                 and isinstance(n.ctx, gast.Load)]
        if len(stores) != 1 or len(top) != 1 or any(id(n) not in callees for n in reads):
            return False
        self.made[name] = self.made_callable(value, out)
        return True

    def call_made(self, made, expr):
        """The call `expr` of a callable `made_callable` describes, as what it does."""
        kind, callee, bound, keywords = made
        if kind == "partial":
            merged = dict(keywords)
            merged.update({k.arg: k.value for k in expr.keywords})
            return gast.Call(func=callee, args=[*bound, *expr.args], keywords=[
                gast.keyword(arg=k, value=v) for k, v in merged.items()])
        if len(expr.args) != 1 or expr.keywords:
            self.error(f"a call of operator.{kind}(...) with other than one argument", expr)
        value = expr.args[0]
        if kind == "itemgetter":
            items = [gast.Subscript(value=value, slice=b, ctx=gast.Load()) for b in bound]
        else:
            items = []
            for b in bound:
                read = value
                for attr in b.value.split("."):
                    read = gast.Attribute(value=read, attr=attr, ctx=gast.Load())
                items.append(read)
        return items[0] if len(items) == 1 else gast.Tuple(elts=items, ctx=gast.Load())

    def container_call(self, expr, out):
        """dict(...), d.get, d.setdefault, and min/max of three or more values or with
        default=, as the reads, tests and writes they stand for; None for any other call."""
        func, args = expr.func, expr.args
        keywords = {k.arg: k.value for k in expr.keywords}
        found = self.builtin(func)
        if found is builtins.dict:
            return self.dict_call(expr, out)
        if found in (builtins.min, builtins.max) and "key" not in keywords \
                and None not in keywords and not any(isinstance(a, gast.Starred) for a in args):
            if set(keywords) - {"default"} or ("default" in keywords and len(args) != 1):
                self.error(f"{func.id}() form (use {func.id}(values, default=...) or "
                           f"{func.id}(a, b, ...))", expr)
            if "default" in keywords:  # min(values, default=d): d when values is empty
                items = self.sequence(args[0], out)
                some = gast.Compare(left=call("len", items), ops=[gast.Gt()],
                                    comparators=[const(0)])
                return self.simple(gast.IfExp(test=some, body=gast.Call(
                    func=func, args=[items], keywords=[]), orelse=keywords["default"]), out)
            if len(args) > 2:  # min(a, b, c) is min(min(a, b), c): the first of equal ones
                first = gast.Call(func=func, args=args[:2], keywords=[])
                return self.simple(gast.Call(func=func, args=[first, *args[2:]],
                                             keywords=[]), out)
            return None
        if not (isinstance(func, gast.Attribute) and func.attr in ("get", "setdefault")
                and isinstance(func.value, gast.Name) and func.value.id in self.locals
                and not expr.keywords and 1 <= len(args) <= 2):
            return None
        mapping = func.value
        key = self.atom(args[0], out)
        default = args[1] if len(args) == 2 else const(None)
        present = self.namer.fresh("present")
        out.append(assign(present, call("has_key", mapping, key)))
        if func.attr == "get":  # d[k] if k is in d else the default
            return self.simple(gast.IfExp(test=load(present), body=gast.Subscript(
                value=mapping, slice=key, ctx=gast.Load()), orelse=default), out)
        if mapping.id not in self.dicts:
            self.error(f"{mapping.id}.setdefault on a dict the function did not build (it "
                       f"would change it; copy it first: {mapping.id} = dict({mapping.id}))",
                       expr)
        absent = self.namer.fresh("absent")
        out.append(assign(absent, not_(load(present))))
        body: list = []
        value = self.atom(default, body)
        body.append(assign(gast.Subscript(value=mapping, slice=key, ctx=gast.Store()), value))
        out.append(if_(load(absent), body))
        return gast.Subscript(value=mapping, slice=key, ctx=gast.Load())

    def dict_call(self, expr, out, result=None):
        """dict(k=v, ...), dict(zip(keys, values)), dict(pairs), dict(d): a dict built by a
        display or a comprehension."""
        args = expr.args
        if any(k.arg is None for k in expr.keywords) or len(args) > 1:
            self.error("dict() form (use dict(k=v, ...), dict(zip(keys, values)), "
                       "dict(pairs) or dict(d))", expr)
        if args:
            source = args[0]
            inner = self.builtin(source.func) if isinstance(source, gast.Call) else None
            k, v = self.namer.fresh("key"), self.namer.fresh("value")
            if isinstance(source, gast.Name):  # a mapping: its items (key_list refuses
                items = gast.Call(func=gast.Attribute(  # a list or tuple at run time)
                    value=source, attr="items", ctx=gast.Load()), args=[], keywords=[])
            elif inner in (builtins.zip, builtins.enumerate) or isinstance(
                    source, (gast.List, gast.Tuple, gast.ListComp, gast.GeneratorExp)):
                items = source  # pairs
            else:
                self.error("dict() of something pullback cannot tell is a mapping or pairs "
                           "(use dict(zip(keys, values)), dict(d) or a dict comprehension)",
                           expr)
            comp = gast.DictComp(key=load(k), value=load(v), generators=[_generator(
                tuple_of(store(k), store(v), ctx=gast.Store()), items)])
            built = self.comprehension(comp, out, result)
        else:
            built = load(result or self.namer.fresh("mapping"))
            out.append(assign(built.id, gast.Dict(keys=[], values=[])))
        for keyword in expr.keywords:
            value = self.atom(keyword.value, out)
            out.append(assign(gast.Subscript(value=load(built.id), slice=const(keyword.arg),
                                             ctx=gast.Store()), value))
        self.dicts.add(built.id)
        return built

    def readable_callee(self, expr, passed):
        """The Parsed of the module-level function `expr` calls, whose body is inlined
        because it receives the nested function `passed`."""
        name = dotted_name(expr.func) or "a call"
        func = self.parsed.resolve(expr.func)
        fits = ("(a nested function may be called, passed to map, as key= to min, max "
                "and sorted, and to Python functions pullback can read)")
        shown = self.shown(passed)
        if not inspect.isfunction(func):
            self.error(f"{shown} passed to {name}, which is not a Python function pullback "
                       f"can read {fits}", expr)
        if rules.lookup(func) is not None:
            self.error(f"{shown} passed to {name}, which has a registered derivative rule or "
                       "is marked non-differentiable", expr)
        if is_library(func):
            self.error(f"{shown} passed to {name}, a library function: pullback "
                       "differentiates library functions only through registered rules", expr)
        if func not in self.readable:
            try:
                callee = parse_function(func)
            except PullbackError as exc:
                self.error(f"{shown} passed to {name}: {exc}", expr)
            check(callee.tree, callee.location)
            for node in walk(callee.tree):
                if isinstance(node, (gast.FunctionDef, gast.Lambda)) \
                        and node is not callee.tree:
                    raise UnsupportedSyntaxError(
                        f"unsupported construct: a nested function or lambda inside "
                        f"{func.__name__}, which receives {shown} (define it at module "
                        "level)", callee.location.describe(node))
            self.readable[func] = callee
        head = name.split(".")[0]
        if self.parsed.is_rebindable(head) and not getattr(expr, "origin", None) \
                and not isinstance(self.parsed.lookup(head), types.ModuleType):
            self.parsed.inlined[None, head] = self.parsed.lookup(head)  # the body is built in
        return self.readable[func]

    def small_callee(self, expr):
        """The Parsed of the user function `expr` calls, when its body is a few
        assignments, branches and returns (see `_small_body`): inlined, a helper such as
        a log-sum-exp costs what its statements cost rather than a forward call, a record
        and a backward call per call. None otherwise, and once INLINE_BUDGET statements
        have been inlined: the call is then transformed as a callee. A call inside an
        inlined body is inlined only through a plain name."""
        name = dotted_name(expr.func)
        if name is None or name.split(".")[0] in self.locals | set(self.local_functions) \
                or any(isinstance(a, gast.Starred) for a in expr.args) \
                or any(k.arg is None for k in expr.keywords) \
                or (getattr(expr, "origin", None) and "." in name):
            return None
        func = self.parsed.resolve(expr.func)
        if not inspect.isfunction(func) or func is self.parsed.func or func in self.inlining \
                or hasattr(func, "__wrapped__") or rules.lookup(func) is not None \
                or is_library(func):
            return None
        if func not in self.small:
            self.small[func] = _small_body(func)
        callee = self.small[func]
        if callee is None or len(callee.tree.body) > self.inline_budget:
            return None
        self.inline_budget -= len(callee.tree.body)
        # the body is built in: the name must still denote func when the gradient runs (a
        # name free_names gave an alias of its own is checked where it is bound)
        if name not in self.parsed.aliases and self.parsed.is_rebindable(name.split(".")[0]):
            self.parsed.inlined[None, name] = func
        return callee

    def inline(self, expr, fdef, callee, out):
        """The body of a function in place of a call to it: a nested function (`callee` is
        None), or a module-level function that receives one (`callee` is its Parsed). Its
        own names are made fresh; parameters that receive a nested function, or a global
        or module function, stand for it in the body, so calls through them are resolved
        and inlined in turn."""
        name = fdef.name
        label = name if callee is not None or not getattr(fdef, "anonymous", False) \
            else "a lambda"
        key = name if callee is None else callee.func
        # Nested functions are finitely many: an endless chain of inlining repeats one, or
        # a module-level function reenters itself with no nested function called between.
        since = [k for k in self.inlining if isinstance(k, str)]
        since = self.inlining[self.inlining.index(since[-1]) + 1:] if since else self.inlining
        if key in (self.inlining if callee is None else since):
            self.error(f"recursive nested function {name!r} (define it at module level)"
                       if callee is None else f"recursive function {name!r} receiving a "
                       "nested function (pullback inlines functions that receive one)", expr)
        args = fdef.args
        positional = [a.id for a in args.posonlyargs + args.args]
        params = positional + [a.id for a in args.kwonlyargs]
        given = self.gathered(expr, args, positional, label)
        for k in expr.keywords:
            if k.arg is None or k.arg in given or k.arg in [a.id for a in args.posonlyargs] \
                    or (k.arg not in params and args.kwarg is None):
                self.error(f"argument {k.arg or '**'!r} does not fit the parameters of "
                           f"{label}", expr)
            if k.arg in params:
                given[k.arg] = k.value
        params += [a.id for a in (args.vararg, args.kwarg) if a is not None]
        body = clone(fdef.body)
        if callee is not None:
            for node in walk(gast.Module(body=body, type_ignores=[])):
                if getattr(node, "lineno", None) is not None:  # errors show the callee's line,
                    node.origin = (callee.location, node.lineno)  # later stages the call's
                    node.lineno = getattr(expr, "lineno", None) or self.lineno
        stored = {n.id for s in body for n in walk(s)
                  if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
        values, fixed = {}, {}  # parameter -> atom bound to it, or expression it stands for
        for p, arg in given.items():  # in the order the arguments are evaluated
            if isinstance(arg, gast.Name) and arg.id in self.local_functions:
                if p in stored:
                    where = next(n for s in body for n in walk(s) if isinstance(n, gast.Name)
                                 and n.id == p and isinstance(n.ctx, gast.Store))
                    self.error(f"{label} assigns to its parameter {p!r}, which receives "
                               f"{self.shown(arg.id)}", where)
                fixed[p] = arg
            elif p not in stored and self.is_fixed(arg):
                fixed[p] = arg
            else:
                values[p] = self.atom(arg, out)
        missing = [p for p in params if p not in given]
        defaults = self.defaults(fdef, callee, missing)
        for p in missing:
            if p not in defaults:
                self.error(f"missing argument {p!r} for {label}", expr)
            if p in stored:
                values[p] = self.atom(clone(defaults[p]), out)
            else:
                fixed[p] = defaults[p]
        start = len(out)  # the arguments are evaluated: what follows is the body
        self.only_called(body, fixed, label)
        own = (set(params) - set(fixed)) | stored
        renamed = {v: self.namer.fresh(f"{name}_{v}") for v in sorted(own)}
        self.locals |= set(renamed.values())
        if callee is not None:
            free = {n.id for s in body for n in walk(s) if isinstance(n, gast.Name)}
            renamed.update(self.free_names(callee, free - own - set(fixed), body, out))
        for s in body:
            for n in walk(s):
                if isinstance(n, gast.Name) and n.id in renamed:
                    n.id = renamed[n.id]
        body = [_Substitute(fixed).visit(s) for s in body]
        if args.kwarg is not None:
            self.dicts.add(renamed[args.kwarg.id])  # a dict display, unless rebound
        for p in params:
            if p in values:
                out.append(assign(renamed[p], values[p]))
        inner = gast.FunctionDef(name=name, args=gast.arguments(
            args=[store(renamed[p]) for p in values], posonlyargs=[], vararg=None,
            kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]), body=body,
            decorator_list=[], returns=None, type_comment=None, type_params=[])
        inner.body = body = _Blocks(self.namer, self.parsed.location, inner,
                                    self.error).block(body)
        self.dicts |= _dict_names(inner, self)
        spelled = {fresh: own for own, fresh in renamed.items()}
        for unset in _maybe_unset(inner):  # the error names the variable as written
            out.append(assign(unset, call("unbound", const(spelled.get(unset, unset)))))
            out[-1].sentinel = True
        stmts = _ControlFlow(self.namer).function(body)
        self.inlining.append(key)
        try:
            out.extend(self.block(stmts[:-1]))
        finally:
            self.inlining.pop()
        if callee is not None:  # codegen prints where the statements come from
            for s in out[start:]:
                if getattr(s, "inlined_from", None) is None:
                    s.inlined_from = callee.func
        return stmts[-1].value

    def as_tuple(self, expr):
        """`tuple(expr)` (a call pullback writes), or `expr` itself when it is the function's
        own `*args`, a tuple already (no statement rebinds it)."""
        vararg = self.parsed.tree.args.vararg
        if isinstance(expr, gast.Name) and vararg is not None and expr.id == vararg.id \
                and not any(isinstance(n, gast.Name) and n.id == expr.id
                            and isinstance(n.ctx, gast.Store) for n in walk(self.parsed.tree)):
            return expr
        whole = gast.Call(func=load("tuple"), args=[expr], keywords=[])
        whole.func.builtin = builtins.tuple  # pullback's own call
        return whole

    def gathered(self, expr, args, positional, label) -> dict:
        """Parameter -> argument expression for an inlined call: the leading arguments to
        the named positional parameters; the others (plain, or `*xs` once those are
        filled) to `*args`, as a tuple; the keywords no parameter names to `**kwargs`, as
        a dict (the caller adds the named ones)."""
        given, rest = {}, []
        for a in expr.args:
            if not rest and not isinstance(a, gast.Starred) and len(given) < len(positional):
                given[positional[len(given)]] = a
            else:
                rest.append(a)
        if rest and args.vararg is None:
            self.error(f"too many arguments for {label}" if not any(
                isinstance(a, gast.Starred) for a in rest) else f"*xs in a call to {label}, "
                "which takes no *args (pass the arguments one by one)", expr)
        if any(isinstance(a, gast.Starred) for a in rest) and len(given) < len(positional):
            self.error(f"*xs in a call to {label} before its named parameters are given "
                       "(pass those one by one)", expr)
        if args.vararg is not None:
            packed, run = None, []
            for a in rest + [None]:
                if a is not None and not isinstance(a, gast.Starred):
                    run.append(a)
                    continue
                parts = [gast.Tuple(elts=run, ctx=gast.Load())] if run or (
                    a is None and packed is None) else []
                if isinstance(a, gast.Starred):
                    parts.append(self.as_tuple(a.value))
                for part in parts:
                    packed = part if packed is None else binop(packed, gast.Add(), part)
                run = []
            given[args.vararg.id] = packed
        if args.kwarg is not None:
            named = set(positional) | {a.id for a in args.kwonlyargs}
            extra = [k for k in expr.keywords if k.arg is not None and k.arg not in named]
            given[args.kwarg.id] = gast.Dict(keys=[const(k.arg) for k in extra],
                                             values=[k.value for k in extra])
        return given

    def defaults(self, fdef, callee, wanted) -> dict:
        """Parameter -> default, as an atom, for the parameters `wanted`: for a nested
        function, the atom its definition bound; for a module-level one, the object it
        holds (under a name of its own)."""
        args = fdef.args
        positional = [a.id for a in args.posonlyargs + args.args]
        if callee is None:
            return dict(zip(positional[len(positional) - len(args.defaults):], args.defaults))
        func = callee.func
        found = dict(zip(positional[len(positional) - len(func.__defaults__ or ()):],
                         func.__defaults__ or ()))
        found.update(func.__kwdefaults__ or {})
        out = {}
        for p, value in found.items():
            if p not in wanted:
                continue
            if value is None or type(value) in (bool, int, float, complex, str):
                out[p] = const(value)
            else:
                alias = self.namer.fresh(f"{fdef.name}_{p}_default")
                self.parsed.aliases[alias] = value  # evaluated once, when the def ran
                out[p] = load(alias)
        return out

    def is_fixed(self, expr) -> bool:
        """A constant, or a global or module function no statement of the function can
        rebind: it may stand for the parameter it is passed to."""
        if isinstance(expr, gast.Constant):
            return True
        name = dotted_name(expr)
        if name is None or name.split(".")[0] in self.locals | set(self.local_functions):
            return False
        found = self.parsed.resolve(expr)
        return isinstance(found, types.ModuleType) or (found is not MISSING and callable(found))

    def only_called(self, body, fixed, name):
        """Parameters standing for a nested function may only be called or passed on."""
        functions = {p for p, v in fixed.items() if isinstance(v, gast.Name)
                     and v.id in self.local_functions}
        callees = {id(part) for s in body for node in walk(s) if isinstance(node, gast.Call)
                   for part in [node.func, *node.args, *[k.value for k in node.keywords]]}
        for s in body:
            for node in walk(s):
                if isinstance(node, gast.Name) and node.id in functions \
                        and id(node) not in callees:
                    self.error(f"{name} uses its parameter {node.id!r}, which receives "
                               f"{self.shown(fixed[node.id].id)}, as a value (it may only "
                               "call it or pass it to a call)", node)

    def shown(self, name) -> str:
        """A local function as the user knows it."""
        if getattr(self.local_functions[name], "anonymous", False):
            return "a lambda"
        return f"the nested function {name!r}"

    def free_names(self, callee, names, body, out) -> dict:
        """What the free names of an inlined module-level function denote, where the body
        lands: a name that means the same here is kept; a function or module elsewhere gets
        a name of its own; other values are read from the callee's module (or closure) as
        the call runs. Returns the renamings."""

        renamed = {}
        func = callee.func
        for n in sorted(names):
            found = lookup_free(func, n)
            if found is MISSING:
                node = next(x for s in body for x in walk(s)
                            if isinstance(x, gast.Name) and x.id == n)
                self.error(f"{func.__name__} reads {n!r}, which is not defined where "
                           f"{func.__name__} is", node)
            is_function = isinstance(found, types.ModuleType) or callable(found)
            if is_function:
                self.parsed.inlined[func, n] = found
            if n in RESERVED or n in HELPERS:  # names the generated code binds itself
                keep = found is HELPERS.get(n, getattr(builtins, n, MISSING))
            else:
                keep = n not in self.locals and n not in self.local_functions \
                    and (n in self.user_names or n not in self.namer.taken) \
                    and self.parsed.lookup(n) is found and (is_function or (
                        func.__globals__ is self.parsed.func.__globals__
                        and n not in self.parsed.closure and n not in callee.closure))
            if keep:
                self.namer.reserve(n)
                continue
            renamed[n] = self.namer.fresh(n)
            if is_function:
                self.parsed.aliases[renamed[n]] = found
                # The rules were chosen for this object: a gradient made now must notice
                # when the callee's module (or closure) names another one later.
                if n in callee.closure:
                    live = load(self.closure_cell(callee, n))
                elif n in func.__globals__:
                    live = gast.Subscript(value=load(self.module_name(func)), slice=const(n),
                                          ctx=gast.Load())
                else:  # a builtin
                    continue
                out.append(if_(gast.Compare(left=live, ops=[gast.IsNot()],
                                            comparators=[load(renamed[n])]),
                               [gast.Expr(value=call("rebound", const(
                                   f"{func.__module__}.{n}")))]))
            elif n in callee.closure:
                self.parsed.aliases[renamed[n]] = callee.closure[n]  # a cell: read live
            else:
                out.append(assign(renamed[n], gast.Subscript(
                    value=load(self.module_name(func)), slice=const(n), ctx=gast.Load())))
        return renamed

    def module_name(self, func) -> str:
        """The name under which the generated code reads `func`'s module globals."""
        module = self.globals_names.get(id(func.__globals__))
        if module is None:
            module = self.namer.fresh(f"{str(func.__module__).rsplit('.', 1)[-1]}_globals")
            self.globals_names[id(func.__globals__)] = module
            self.parsed.aliases[module] = func.__globals__
        return module

    def closure_cell(self, callee, n) -> str:
        """A name bound to the callee's closure cell `n`: reading it reads the cell."""
        name = self.namer.fresh(f"{n}_cell")
        self.parsed.aliases[name] = callee.closure[n]
        return name

    def builtin(self, func):
        """The builtin function `func` names (a name no local or global hides), or None."""
        if getattr(func, "builtin", None) is not None:
            return func.builtin  # a call pullback wrote
        if not isinstance(func, gast.Name) or func.id in self.locals \
                or func.id in self.local_functions:
            return None
        found = self.parsed.lookup(func.id)
        return found if found is getattr(builtins, func.id, None) else None

    def starred_zip(self, expr):
        """`zip(*rows)` as `transposed(rows)`, a list of tuples; any other expression as is."""
        if not (isinstance(expr, gast.Call) and self.builtin(expr.func) is builtins.zip
                and any(isinstance(a, gast.Starred) for a in expr.args)):
            return expr
        if len(expr.args) != 1 or expr.keywords:
            self.error("zip with *rows beside other arguments (write zip(*rows))", expr)
        found = gast.Call(func=load("transposed"), args=[expr.args[0].value], keywords=[])
        return _at(found, getattr(expr, "lineno", None))

    def sequence_call(self, expr, out):
        """Builtins over sequences, and list.pop, as the loops and reads they stand for;
        None for any other call."""
        if self.starred_zip(expr) is not expr:
            return self.simple(self.starred_zip(expr), out)
        func, args = expr.func, expr.args
        if isinstance(func, gast.Attribute) and func.attr == "pop" \
                and isinstance(func.value, gast.Name) and func.value.id in self.locals:
            return self.pop(expr, out)
        head = dotted_name(func.value) if isinstance(func, gast.Attribute) else ""
        if isinstance(func, gast.Attribute) and func.attr in ("values", "items", "keys") \
                and not args and not expr.keywords \
                and (head is None or head.split(".")[0] in self.locals):
            return self.comprehension(self.as_list_comp(expr), out)  # d.values(): a list
        found = self.builtin(func)
        keywords = {k.arg: k.value for k in expr.keywords}
        if found in (builtins.list, builtins.tuple):
            if keywords or len(args) > 1:
                self.error(f"{func.id}() with more than one argument", expr)
            if not args:
                return (gast.List if found is builtins.list else gast.Tuple)(
                    elts=[], ctx=gast.Load())
            items = self.comprehension(self.as_list_comp(expr.args[0]), out)
            if found is builtins.list:
                return items
            return gast.Call(func=func, args=[items], keywords=[])  # a tuple of the new list
        if found in (builtins.map, builtins.reversed, builtins.zip, builtins.enumerate,
                     builtins.filter):
            return self.comprehension(self.as_list_comp(expr), out)  # used up where it stands
        if found in (builtins.min, builtins.max) and "key" in keywords:
            if set(keywords) != {"key"} or not args:
                self.error(f"{func.id}() with default= (or without values)", expr)
            seq = args[0] if len(args) == 1 else gast.List(elts=args, ctx=gast.Load())
            items = self.sequence(seq, out)
            keys = self.keys(items, keywords["key"], out)
            at = self.namer.fresh("at")
            out.append(assign(at, call(f"index_of_{func.id}", keys)))
            return gast.Subscript(value=items, slice=load(at), ctx=gast.Load())
        if found is builtins.sorted:
            if len(args) != 1 or set(keywords) - {"key", "reverse"}:
                self.error("sorted() form (use sorted(values, key=..., reverse=...))", expr)
            items = self.sequence(args[0], out)
            keys = self.keys(items, keywords["key"], out) if "key" in keywords else items
            reverse = [self.atom(keywords["reverse"], out)] if "reverse" in keywords else []
            order = self.namer.fresh("order")
            out.append(assign(order, call("sort_order", keys, *reverse)))
            at = self.namer.fresh("at")
            return self.comprehension(gast.ListComp(
                elt=gast.Subscript(value=items, slice=load(at), ctx=gast.Load()),
                generators=[_generator(store(at), load(order))]), out)
        return None

    def sequence(self, expr, out):
        """An atom for the values iterating `expr` gives: a list built for an iterator
        (zip, enumerate, map, reversed, d.items() ...), else the value itself."""
        expr = self.starred_zip(expr)
        callee = self.parsed.resolve(expr.func) if isinstance(expr, gast.Call) else None
        if callee in (builtins.zip, builtins.enumerate, builtins.map, builtins.reversed,
                      builtins.filter) or (
                isinstance(expr, gast.Call) and isinstance(expr.func, gast.Attribute)
                and expr.func.attr in ("items", "values", "keys") and callee is MISSING):
            return self.comprehension(self.as_list_comp(expr), out)
        atom = self.atom(expr, out)
        if isinstance(atom, gast.Name) and atom.id in self.dicts:
            keys = self.namer.fresh("keys")  # a dict's values are its keys
            out.append(assign(keys, call("key_list", atom)))
            return load(keys)
        return atom

    def keys(self, items, key, out):
        """[key(t) for t in items], built under a fresh name."""
        elt = _placeholders([items], key)[0]
        comp = gast.ListComp(elt=gast.Call(func=key, args=[load(elt)], keywords=[]),
                             generators=[_generator(store(elt), items)])
        return self.comprehension(comp, out, self.namer.fresh("keys"))

    def as_list_comp(self, expr):
        """The list comprehension building the list that iterating `expr` gives."""
        expr = self.starred_zip(expr)
        if isinstance(expr, (gast.ListComp, gast.GeneratorExp)):
            return gast.ListComp(elt=expr.elt, generators=expr.generators)
        found = self.builtin(expr.func) if isinstance(expr, gast.Call) else None
        if found is builtins.map:
            if expr.keywords or len(expr.args) < 2:
                self.error("map() form (use map(function, values, ...))", expr)
            names = _placeholders(expr.args[1:], expr.args[0])
            elt = gast.Call(func=expr.args[0], args=[load(n) for n in names], keywords=[])
            if len(names) == 1:
                return gast.ListComp(elt=elt, generators=[_generator(store(names[0]),
                                                                     expr.args[1])])
            zipped = gast.Call(func=load("zip"), args=expr.args[1:], keywords=[])
            zipped.builtin = builtins.zip
            target = tuple_of(*[store(n) for n in names], ctx=gast.Store())
            return gast.ListComp(elt=elt, generators=[_generator(target, zipped)])
        if found is builtins.filter:  # [v for v in values if test(v)]
            if expr.keywords or len(expr.args) != 2:
                self.error("filter() form (use filter(function, values))", expr)
            test, values = expr.args
            name = _placeholders([values], test)[0]
            keep = load(name) if isinstance(test, gast.Constant) and test.value is None \
                else gast.Call(func=test, args=[load(name)], keywords=[])
            generator = _generator(store(name), values)
            generator.ifs = [keep]
            return gast.ListComp(elt=load(name), generators=[generator])
        if found is builtins.list and len(expr.args) == 1 and not expr.keywords:
            return self.as_list_comp(expr.args[0])
        callee = self.parsed.resolve(expr.func) if isinstance(expr, gast.Call) else None
        width = 1
        if callee is builtins.zip:
            width = len(expr.args)
        elif callee is builtins.enumerate or (
                isinstance(expr, gast.Call) and isinstance(expr.func, gast.Attribute)
                and expr.func.attr == "items" and not expr.args):
            width = 2
        names = _placeholders(expr.args if width > 1 and callee is builtins.zip else
                              [expr] * width, None)
        if width == 1:
            return gast.ListComp(elt=load(names[0]), generators=[_generator(store(names[0]),
                                                                            expr)])
        return gast.ListComp(elt=tuple_of(*[load(n) for n in names]), generators=[_generator(
            tuple_of(*[store(n) for n in names], ctx=gast.Store()), expr)])

    def pop(self, expr, out):
        """`values.pop(i)`: a read of values[i], then the update that removes it."""
        if len(expr.args) > 1 or expr.keywords:
            self.error("pop() form (use values.pop() or values.pop(i))", expr)
        name = expr.func.value.id
        if name in self.dicts:
            self.error(f"{name}.pop(key) on a dict: pullback does not remove keys from dicts "
                       f"yet; read {name}[key] (or {name}.get(key, default)) instead", expr)
        index = self.atom(expr.args[0], out) if expr.args else const(-1)
        popped = self.namer.fresh(f"{name}_popped")
        read = assign(popped, gast.Subscript(value=load(name), slice=index, ctx=gast.Load()))
        update = gast.Expr(value=gast.Call(func=gast.Attribute(
            value=load(name), attr="pop", ctx=gast.Load()), args=[clone(index)],
            keywords=[]))
        update.list_update = "pop"
        update.popped = read  # the value to put back
        out += [read, update]
        return load(popped)

    def comprehension(self, expr, out, result=None):
        """[elt for v in xs if c ...] (or a generator expression): a list built by loops
        that append; {k: v for ...}: a dict built by loops that write its keys. The
        comprehension's own variables get fresh names."""
        is_dict = isinstance(expr, gast.DictComp)
        if result is None:
            result = self.namer.fresh("mapping" if is_dict else "items")
            self.built.add(result)
        out.append(assign(result, gast.Dict(keys=[], values=[]) if is_dict else
                          gast.List(elts=[], ctx=gast.Load())))
        expr = clone(expr)
        renamed = {}
        for i, gen in enumerate(expr.generators):
            if i > 0:  # iterables after the first are evaluated in the comprehension's scope
                _rename(gen.iter, renamed)
            for n in walk(gen.target):
                if isinstance(n, gast.Name):
                    renamed[n.id] = renamed.get(n.id) or self.namer.fresh(f"{n.id}_item")
            _rename(gen.target, renamed)
            for cond in gen.ifs:
                _rename(cond, renamed)
        lineno = getattr(expr, "lineno", self.lineno)
        if is_dict:
            _rename(expr.key, renamed)
            _rename(expr.value, renamed)
            body = [_at(assign(gast.Subscript(value=load(result), slice=expr.key,
                                              ctx=gast.Store()), expr.value), lineno)]
        else:
            _rename(expr.elt, renamed)
            body = [_at(gast.Expr(value=gast.Call(
                func=gast.Attribute(value=load(result), attr="append", ctx=gast.Load()),
                args=[expr.elt], keywords=[])), lineno)]
        for gen in reversed(expr.generators):
            for cond in reversed(gen.ifs):
                body = [_at(if_(cond, body), lineno)]
            body = [_at(gast.For(target=gen.target, iter=gen.iter, body=body, orelse=[],
                                 type_comment=None), lineno)]
        out.extend(self.block(body))
        return load(result)

    def array_method(self, expr):
        """`x.sum(axis=0)` on a value of the function is `np.sum(x, axis=0)`: array
        methods become the NumPy functions that have derivative rules."""
        func = expr.func
        if not isinstance(func, gast.Attribute) or func.attr not in ARRAY_METHODS:
            return None
        head = dotted_name(func.value)
        if head is not None and head.split(".")[0] not in self.locals:
            return None  # a method of a module or global object: resolved as written
        if "np" in self.locals:
            self.error(f"a method call .{func.attr}() in a function with a variable named np: "
                       f"pullback writes array methods as NumPy functions (np.{func.attr}); "
                       "rename the variable", expr)
        args = list(expr.args)
        if func.attr in ("reshape", "transpose") and len(args) > 1:  # x.reshape(2, 3)
            args = [gast.Tuple(elts=args, ctx=gast.Load())]
        return gast.Call(func=attribute_chain(ARRAY_METHODS[func.attr]),
                         args=[func.value, *args], keywords=expr.keywords)

    def callee(self, func, out):
        dotted = dotted_name(func)
        if dotted is not None and (isinstance(func, gast.Name)
                                   or dotted.split(".")[0] not in self.locals
                                   or isinstance(func.value, gast.Name)):
            return func  # f(...), np.linalg.norm(...), x.copy(): resolved as written
        if isinstance(func, gast.Attribute):
            return gast.Attribute(value=self.atom(func.value, out), attr=func.attr,
                                  ctx=gast.Load())
        if isinstance(func, gast.Subscript):  # layers["a"](x): the object taken out is called
            return self.atom(func, out, "callee")
        self.error("call of a computed callee (only names and attributes can be called)", func)

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

    def index(self, index, out):
        if isinstance(index, gast.Slice):
            parts = [None if p is None else self.atom(p, out)
                     for p in (index.lower, index.upper, index.step)]
            return gast.Slice(lower=parts[0], upper=parts[1], step=parts[2])
        if isinstance(index, gast.Tuple):
            return tuple_of(*[self.index(e, out) for e in index.elts])
        return self.atom(index, out)
