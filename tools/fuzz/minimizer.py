"""The minimizer: shrinks a failing program while it still fails the same way.

Guarantees: `minimize` only ever returns a program that was checked and failed
with the same signature (failure kind, and for a crash the same exception type
and message up to names and numbers) at the same point, so a reproducer is never
a program that merely fails differently. Each accepted edit makes the program
strictly smaller (`_size`), so minimizing terminates; it also stops after
`budget` seconds. Edits: delete statements (long runs first), unwrap `if`s and
loops, replace expressions by one of their parts or a constant, lower integer
constants, shorten floats, drop unused arguments, narrow `wrt`, round the
point's numbers, and drop module-level definitions nothing refers to.
"""

from __future__ import annotations

import ast
import copy
import itertools
import time
import warnings
from dataclasses import dataclass

import numpy as np

from .oracle import Failure, Workdir, _wrt_positions, check_source


def _func_def(tree):
    """The function under test: the last def of the module (helpers come first;
    only the oracle's REBIND hook may follow it)."""
    return [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name != "REBIND"][-1]


def _stmt_lists(root):
    """(owner node, field) of every statement list inside the function, outermost first."""
    out = []
    for node in ast.walk(root):
        for fld in ("body", "orelse"):
            stmts = getattr(node, fld, None)
            if isinstance(stmts, list) and stmts and isinstance(stmts[0], ast.stmt):
                out.append((node, fld))
    return out


def _numbered(root):
    return list(ast.walk(root))


_EXPR_CHILDREN = {
    ast.BinOp: ("left", "right"), ast.UnaryOp: ("operand",), ast.IfExp: ("body", "orelse"),
    ast.BoolOp: ("values",), ast.Call: ("args",), ast.Subscript: ("value",),
    ast.Compare: ("left", "comparators"), ast.Attribute: ("value",),
}


def _children(node):
    out = []
    for fld in _EXPR_CHILDREN.get(type(node), ()):
        v = getattr(node, fld)
        out += v if isinstance(v, list) else [v]
    return [c for c in out if isinstance(c, ast.expr)]


def _replace_in_parent(root, target, new):
    for parent in ast.walk(root):
        for fld, value in ast.iter_fields(parent):
            if value is target:
                setattr(parent, fld, new)
                return True
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if item is target:
                        if isinstance(new, list):
                            value[i:i + 1] = new
                        else:
                            value[i] = new
                        return True
    return False


def _terminates(stmts) -> bool:
    """Whether control never falls off the end of this statement list."""
    for s in stmts:
        if isinstance(s, (ast.Return, ast.Break, ast.Continue)):
            return True
        if isinstance(s, ast.If) and s.orelse and _terminates(s.body) and _terminates(s.orelse):
            return True
    return False


def _strip_unreachable(root):
    """Delete statements that follow a return/break/continue in the same list.
    Python never compiles them, so functions that differ only there share a code
    object -- and pullback's transform cache."""
    for node in ast.walk(root):
        for fld in ("body", "orelse"):
            stmts = getattr(node, fld, None)
            if not (isinstance(stmts, list) and stmts and isinstance(stmts[0], ast.stmt)):
                continue
            for i, s in enumerate(stmts):
                if _terminates([s]):
                    del stmts[i + 1:]
                    break


def _may_not_terminate(tree) -> bool:
    """A while loop whose body assigns none of the names its test reads, or a for
    loop over a list its body grows with no `if` testing the list's length."""
    for node in ast.walk(tree):
        if isinstance(node, ast.For) and isinstance(node.iter, ast.Name):
            name = node.iter.id
            inner = [n for s in node.body for n in ast.walk(s)]
            grows = any(isinstance(n, ast.Attribute) and n.attr in ("append", "extend", "insert")
                        and isinstance(n.value, ast.Name) and n.value.id == name for n in inner)
            bounded = any(  # if len(name) < N: with a small N
                isinstance(n, ast.If) and isinstance(n.test, ast.Compare)
                and isinstance(n.test.ops[0], (ast.Lt, ast.LtE))
                and ast.unparse(n.test.left) == f"len({name})"
                and isinstance(n.test.comparators[0], ast.Constant)
                and isinstance(n.test.comparators[0].value, int)
                and n.test.comparators[0].value <= 10 for n in inner)
            if grows and not bounded:
                return True
    # np.r_ and np.c_ iterate forever; only their subscripts are arrays
    subscripted = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Subscript)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("r_", "c_") \
                and id(node) not in subscripted:
            return True
    for node in ast.walk(tree):
        if isinstance(node, ast.While):
            reads = {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)}
            writes = {n.id for s in node.body for n in ast.walk(s)
                      if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
            if not reads & writes and not (isinstance(node.test, ast.Constant)
                                           and not node.test.value):
                return True
    return False


def _candidates(tree):
    """Lazily: smaller versions of `tree` (a module), each as a function that
    builds it (a fresh copy), so that skipping a candidate costs nothing."""
    func = _func_def(tree)
    nodes = _numbered(func)
    pos = {id(n): i for i, n in enumerate(nodes)}
    # parts that must stay as they are: called functions, subscripted or attributed
    # values, assignment targets
    keep = set()
    for node in nodes:
        if isinstance(node, ast.Call):
            keep |= {id(n) for n in ast.walk(node.func)}
        elif isinstance(node, (ast.Subscript, ast.Attribute)):
            keep.add(id(node.value))
        if isinstance(getattr(node, "ctx", None), (ast.Store, ast.Del)):
            keep.add(id(node))
    in_slice = set()
    for node in nodes:
        if isinstance(node, ast.Subscript):
            in_slice |= {id(n) for n in ast.walk(node.slice)}

    def edit(op, *params):
        def make():
            t = copy.deepcopy(tree)
            op(_func_def(t), _numbered(_func_def(t)), *params)
            _strip_unreachable(_func_def(t))
            return t
        return make

    # 1. delete runs of statements, long runs first
    for owner, fld in _stmt_lists(func):
        n = len(getattr(owner, fld))
        size = n
        while size >= 1:
            for start in range(0, n - size + 1, max(1, size)):
                yield edit(_cut, pos[id(owner)], fld, start, size)
            size //= 2
    # 2. unwrap compound statements
    for node in nodes:
        if isinstance(node, ast.If):
            for fld in ("body", "orelse"):
                if getattr(node, fld):
                    yield edit(_unwrap_if, pos[id(node)], fld)
        elif isinstance(node, (ast.For, ast.While)):
            yield edit(_unloop, pos[id(node)])
    # 3. expressions: by one of their parts, or by a constant
    for node in nodes:
        if not isinstance(node, ast.expr) or id(node) in keep:
            continue
        for j in range(len(_children(node))):
            yield edit(_lift, pos[id(node)], j)
        if isinstance(node, ast.Constant):
            continue
        for c in ((0, 1) if id(node) in in_slice else (1.0, 0.5)):
            yield edit(_to_constant, pos[id(node)], c)
    # 4. module level: delete a definition other than the function under test (REBIND,
    # classes, helpers), or a decorator
    def module_edit(op, *params):
        def make():
            t = copy.deepcopy(tree)
            op(t, *params)
            return t
        return make

    for i, stmt in enumerate(tree.body):
        if stmt is not func and not isinstance(stmt, (ast.Import, ast.ImportFrom)):
            yield module_edit(_delete_statement, i)
        for j in range(len(getattr(stmt, "decorator_list", ()))):
            yield module_edit(_drop_decorator, i, j)
        if isinstance(stmt, ast.FunctionDef) and stmt.name == "REBIND":
            for j, part in enumerate(stmt.body):
                if len(stmt.body) > 1 and not isinstance(part, ast.Global):
                    yield module_edit(_drop_rebind_statement, i, j)
    # 5. integer constants (loop bounds, indices, sizes) down; floats to short ones
    for node in nodes:
        if isinstance(node, ast.Constant) and type(node.value) is int:
            for smaller in sorted({node.value - 1, 1, 0} - {node.value},
                                  key=lambda s, v=node.value: -abs(s - v)):
                if abs(smaller) < abs(node.value):
                    yield edit(_set_constant, pos[id(node)], smaller)
        elif isinstance(node, ast.Constant) and type(node.value) is float:
            for short in (1.0, round(node.value), round(node.value, 1)):
                if short != node.value and float(short) != 0.0:
                    yield edit(_set_constant, pos[id(node)], float(short))


# The edits: each gets the copied function, its nodes in walk order, and parameters
# (module-level edits get the copied module).


def _delete_statement(module, i):
    del module.body[i]


def _drop_decorator(module, i, j):
    del module.body[i].decorator_list[j]


def _drop_rebind_statement(module, i, j):
    del module.body[i].body[j]



def _cut(func, nodes, owner, fld, start, size):
    stmts = getattr(nodes[owner], fld)
    del stmts[start:start + size]
    if not stmts and (fld == "body" or isinstance(nodes[owner], ast.FunctionDef)):
        stmts.append(ast.Pass())


def _unwrap_if(func, nodes, i, fld):
    _replace_in_parent(func, nodes[i], getattr(nodes[i], fld))


def _unloop(func, nodes, i):
    loop = nodes[i]
    pre = []
    if isinstance(loop, ast.For) and isinstance(loop.target, ast.Name):
        pre = [ast.Assign([loop.target], ast.Constant(1), lineno=0)]
    _replace_in_parent(func, loop, pre + loop.body)


def _lift(func, nodes, i, j):
    _replace_in_parent(func, nodes[i], _children(nodes[i])[j])


def _to_constant(func, nodes, i, value):
    _replace_in_parent(func, nodes[i], ast.Constant(value))


def _set_constant(func, nodes, i, value):
    nodes[i].value = value


def _src(tree) -> str:
    return ast.unparse(tree) + "\n"


def _size(tree):
    """A well-founded measure of a program: every accepted edit makes it smaller."""
    nodes = list(ast.walk(tree))
    ints = sum(abs(n.value) for n in nodes if isinstance(n, ast.Constant)
               and type(n.value) is int)
    return len(nodes), len(_src(tree)), ints


@dataclass
class Reproducer:
    source: str
    args: tuple
    wrt: object
    names: list
    failure: Failure
    checks: int
    original_lines: int
    seconds: float


def _signature(failure: Failure):
    return failure.kind, failure.exc_type


def _defined(stmt):
    """The module-level name a statement defines, if it is a plain definition."""
    if isinstance(stmt, (ast.FunctionDef, ast.ClassDef)):
        return stmt.name
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id
    return None


def _drop_unused_globals(tree):
    """Module constants, helper functions and classes nothing else refers to (the
    function under test and REBIND, which the oracle calls, always stay)."""
    while True:
        keep = {_func_def(tree).name, "REBIND"}
        used = {}
        for s in tree.body:
            for n in ast.walk(s):
                if isinstance(n, ast.Name):
                    used.setdefault(n.id, set()).add(id(s))
        kept = [s for s in tree.body if _defined(s) is None or _defined(s) in keep
                or used.get(_defined(s), set()) - {id(s)}]
        if len(kept) == len(tree.body):
            return
        tree.body = kept


def minimize(failure: Failure, src: str, names, work: Workdir | None = None,
             budget: float = 60.0, checker=None, open_world: bool = False) -> Reproducer:
    """Shrink the program while it still fails the same way at the same point.

    `checker(src, names, args, wrt)` returns a Failure or None; by default it runs
    pullback on the program (the fake checkers in the tests replace it)."""
    own = work is None
    work = work or Workdir()
    start = time.monotonic()
    want = _signature(failure)
    checks = 0

    def default_checker(s, nms, args, wrt):
        out = check_source(work, s, nms, wrt, [args], time_limit=3.0, open_world=open_world)
        return out.failure if out.status == "failed" else None

    check = checker or default_checker

    def still_fails(t, nms, args, wrt):
        nonlocal checks
        try:
            s = _src(t)
            with warnings.catch_warnings():
                warnings.simplefilter("error", SyntaxWarning)
                compile(s, "<candidate>", "exec")
        except (SyntaxError, SyntaxWarning, ValueError, TypeError, RecursionError):
            return None
        if _may_not_terminate(t):
            return None
        checks += 1
        got = check(s, nms, args, wrt)
        return got if got is not None and _signature(got) == want else None

    tree = ast.parse(src)
    _strip_unreachable(_func_def(tree))
    original_lines = len(ast.unparse(_func_def(tree)).splitlines())
    args, wrt, nms = failure.args, failure.wrt, list(names)
    best = failure
    try:
        while time.monotonic() - start < budget:
            # one pass over all candidates; after a success, go on from the same
            # position in the new program's candidates instead of starting over
            improved, position, current = False, 0, _size(tree)
            while time.monotonic() - start < budget:
                accepted = None
                for k, cand in enumerate(itertools.islice(_candidates(tree), position, None)):
                    if time.monotonic() - start > budget:
                        break
                    cand = cand()
                    if _size(cand) >= current:
                        continue
                    got = still_fails(cand, nms, args, wrt)
                    if got is not None:
                        accepted = (cand, got, position + k)
                        break
                if accepted is None:
                    break
                tree, best, position = accepted
                current = _size(tree)
                improved = True
            # fewer arguments and a smaller wrt
            for cand_args, cand_wrt, cand_names, cand_tree in _smaller_signatures(
                    tree, args, wrt, nms):
                got = still_fails(cand_tree, cand_names, cand_args, cand_wrt)
                if got is not None:
                    tree, args, wrt, nms, best, improved = (cand_tree, cand_args, cand_wrt,
                                                            cand_names, got, True)
                    break
            if not improved:
                break
        # shorter numbers at the failing point
        for digits in (1, 2):
            rounded = tuple(np.round(a, digits) if isinstance(a, np.ndarray)
                            else round(a, digits) if isinstance(a, float) else a for a in args)
            got = still_fails(tree, nms, rounded, wrt)
            if got is not None:
                args, best = rounded, got
                break
        smaller = copy.deepcopy(tree)
        _drop_unused_globals(smaller)
        if _src(smaller) != _src(tree) and still_fails(smaller, nms, args, wrt) is not None:
            tree = smaller
    finally:
        if own:
            work.close()
    return Reproducer(_src(tree), args, wrt, nms, best, checks, original_lines,
                      time.monotonic() - start)


def _smaller_signatures(tree, args, wrt, names):
    """Versions with one unused parameter removed, or with a smaller wrt."""
    positions, single = _wrt_positions(names, wrt)
    func = _func_def(tree)
    used = {n.id for n in ast.walk(func) if isinstance(n, ast.Name)}
    for i, name in enumerate(names):
        if name in used or (len(positions) == 1 and positions[0] == i):
            continue
        t = copy.deepcopy(tree)
        fd = _func_def(t)
        fd.args.args = [a for a in fd.args.args if a.arg != name]
        kept = [p for p in positions if p != i]
        new_pos = [p - (p > i) for p in kept]
        new_wrt = new_pos[0] if single else tuple(new_pos)
        yield (args[:i] + args[i + 1:], new_wrt, names[:i] + names[i + 1:], t)
    if not single and len(positions) > 1:
        for p in positions:
            yield args, (p,), names, tree
    if not single and len(positions) == 1:
        yield args, positions[0], names, tree
