"""Stage 3, normalize: desugar a checked function into a small core language.

Guarantees on the output (a gast FunctionDef with the user's signature):
- every statement is one of
    `name = simple`            simple: an atom (Name or Constant), or ONE operation over
                               atoms: BinOp, UnaryOp, Compare, Call (callee is a dotted
                               name), Subscript (index of atoms and slices of atoms),
                               Attribute of an atom, Tuple/List of atoms;
    `name[index] = atom`       an in-place write (base is a Name);
    `if name: ... else: ...`;
    `for name in name: ...`    the iterable is a range object bound before the loop;
    `while name: ...`          the test is recomputed at the end of the body;
    `if name: break`           only as the last statement of a `for` body;
    `return name`              only as the last statement of the function;
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
import inspect
import types

import gast

from . import rules
from .check import check, is_list_update
from .errors import PullbackError, UnsupportedSyntaxError
from .naming import RESERVED, Namer, all_names, op_name
from .nodes import (
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
    store,
    tuple_of,
    walk,
)
from .parse import MISSING, is_library, lookup_free, parse_function


def normalize(tree: gast.FunctionDef, parsed) -> gast.FunctionDef:
    namer = Namer(all_names(tree))
    user_names = set(namer.taken)
    local_functions = _local_functions(tree, namer, parsed)
    shadowed = _free_names_shadowed_by_helpers(tree, parsed, namer)
    unset = _maybe_unset(tree)
    body = _ControlFlow(namer).function(tree.body)
    flatten = _Flatten(namer, parsed)
    flatten.local_functions = local_functions
    flatten.user_names = user_names
    body = flatten.block(body)
    sentinels = []
    for name in unset:
        sentinels.append(_at(assign(name, call("unbound", const(name))),
                             getattr(tree, "lineno", None)))
        sentinels[-1].sentinel = True
    body = shadowed + sentinels + body
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
            is_dict = isinstance(node.value, (gast.Dict, gast.DictComp))
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
    from .codegen import HELPERS

    params = {a.id for a in tree.args.posonlyargs + tree.args.args + tree.args.kwonlyargs}
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


MODULE_GLOBALS = "module_globals"  # bound by the API to the user's module namespace


def _maybe_unset(tree) -> list[str]:
    """Variables assigned inside an if or loop and read where that assignment may not
    have run (after the statement, or earlier in a later iteration). They start as
    `unbound(name)`, so copies that merge paths never read an unbound name, and any use
    of the placeholder raises UnboundLocalError as Python's read of the variable does."""
    params = {a.id for a in tree.args.posonlyargs + tree.args.args + tree.args.kwonlyargs}
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
# Pass 1: break / continue / return -> flags


def _always_returns(stmts) -> bool:
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, gast.Return):
        return True
    if isinstance(last, gast.If):
        return _always_returns(last.body) and _always_returns(last.orelse)
    return False


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
            if tail and not last and isinstance(stmt, gast.If):
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
    "conj": "np.conj", "conjugate": "np.conj",
}


class _Flatten:
    def __init__(self, namer, parsed):
        self.namer = namer
        self.parsed = parsed
        self.lineno = None
        self.local_functions: dict = {}
        self.user_names: set = set()  # names of the user's function, and reserved ones
        self.inlining: list = []  # the functions being inlined, innermost last
        self.readable: dict = {}  # module-level function -> its checked Parsed
        self.globals_names: dict = {}  # id of a module's globals -> the name they get
        self.rebound: set = set()  # names the loop being normalized assigns
        self.resized: set = set()  # lists whose length that loop's body may change
        self.built: set = set()  # fresh names of lists built for a comprehension or builtin
        self.dicts = _dict_names(parsed.tree, self)
        tree = parsed.tree
        self.locals = {a.id for a in tree.args.posonlyargs + tree.args.args
                       + tree.args.kwonlyargs} | {
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
            for node in new:
                _at(node, lineno)
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
        elif isinstance(s, (gast.Expr, gast.Pass)):
            pass
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

    def assign_to(self, target, value, out):
        called = self.builtin(value.func) if isinstance(value, gast.Call) else None
        if isinstance(target, gast.Name) and (isinstance(value, gast.GeneratorExp) or called
                                              in (builtins.map, builtins.reversed,
                                                  builtins.zip, builtins.enumerate)):
            what = "a generator" if called is None else f"{called.__name__}()"
            self.error(f"{what} bound to a name: pullback makes it a list, which differs once "
                       "it is consumed twice; use a list comprehension or list()", value)
        if isinstance(target, gast.Name) and isinstance(value, gast.DictComp) \
                and not _reads(value, target.id):
            self.comprehension(value, out, target.id)  # built under its own name: no copy
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
        for i, target in enumerate(targets):
            if isinstance(target, gast.Starred):
                self.error("starred assignment target", target)
            item = gast.Subscript(value=seq, slice=const(i), ctx=gast.Load())
            self.assign_to(target, item, out)

    def augassign(self, s, out):
        target = s.target
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
        out.append(assign(cond, self.simple(s.test, out)))
        body = self.block(s.body)
        recompute: list = []
        recompute.append(assign(cond, self.simple(s.test, recompute)))
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
        if isinstance(expr, gast.Call) and isinstance(expr.func, gast.Name) \
                and expr.func.id in self.local_functions:
            return self.inline(expr, self.local_functions[expr.func.id], None, out)
        if isinstance(expr, gast.Call):
            lowered = self.sequence_call(expr, out)
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
        if isinstance(expr, gast.Dict):
            return gast.Dict(keys=[self.atom(k, out) for k in expr.keys],
                             values=[self.atom(v, out) for v in expr.values])
        self.error(type(expr).__name__, expr)

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
        given = dict(zip(positional, expr.args))
        if len(expr.args) > len(positional):
            self.error(f"too many arguments for {label}", expr)
        for k in expr.keywords:
            if k.arg is None or k.arg not in params or k.arg in given \
                    or k.arg in [a.id for a in args.posonlyargs]:
                self.error(f"argument {k.arg or '**'!r} does not fit the parameters of "
                           f"{label}", expr)
            given[k.arg] = k.value
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
        for p in params:
            if p in values:
                out.append(assign(renamed[p], values[p]))
        inner = gast.FunctionDef(name=name, args=gast.arguments(
            args=[store(renamed[p]) for p in values], posonlyargs=[], vararg=None,
            kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]), body=body,
            decorator_list=[], returns=None, type_comment=None, type_params=[])
        self.dicts |= _dict_names(inner, self)
        for unset in _maybe_unset(inner):
            out.append(assign(unset, call("unbound", const(unset))))
            out[-1].sentinel = True
        stmts = _ControlFlow(self.namer).function(body)
        self.inlining.append(key)
        try:
            out.extend(self.block(stmts[:-1]))
        finally:
            self.inlining.pop()
        return stmts[-1].value

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
        from .codegen import HELPERS

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
        if not isinstance(func, gast.Name) or func.id in self.locals \
                or func.id in self.local_functions:
            return None
        found = self.parsed.lookup(func.id)
        return found if found is getattr(builtins, func.id, None) else None

    def sequence_call(self, expr, out):
        """Builtins over sequences, and list.pop, as the loops and reads they stand for;
        None for any other call."""
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
        if found in (builtins.map, builtins.reversed, builtins.zip, builtins.enumerate):
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
        callee = self.parsed.resolve(expr.func) if isinstance(expr, gast.Call) else None
        if callee in (builtins.zip, builtins.enumerate, builtins.map, builtins.reversed) or (
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
