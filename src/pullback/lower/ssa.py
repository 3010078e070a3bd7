"""Stage 4, ssa: give every assignment its own name.

Guarantees on the output (same core language as normalize's output):
- in straight-line code each name is assigned exactly once, so nothing there is
  ever overwritten; names keep the user's spelling (`h`, `h_2`, ...);
- a name assigned in both branches of an `if` is merged by copies at the end of
  each branch into one new name (`node.merges` lists them); a branch that always
  raises (and the never-taken side of a `with` block) takes no part: after the `if`
  the other branch's versions hold;
- a variable changed by a loop gets a loop name (`node.phis` lists them): it is
  set before the loop from the incoming value and at the end of each iteration
  from the new value (before the loop-exit test), so inside the body it holds the
  iteration's incoming value and after the loop the final one. Apart from these
  copies and the loop target, every name assigned inside a loop body is assigned
  once per iteration;
- in-place writes `x[i] = v` are not assignments: they keep `x`'s name;
- copies created here carry `node.phi = True`;
- `tree.spelling` maps each new name to the user's name it versions (`h_2` -> `h`),
  so that messages can speak the user's names.

>>> from pullback.lower.example import lowered, show
>>> def f(x, n):
...     h = x
...     for i in range(n):
...         h = np.tanh(h) * x
...     if n > 3:
...         h = h * 2.0
...     return h
>>> show(to_ssa(lowered(f)))
def f(x, n):
    h = x
    steps = range(n)
    h_2 = h
    for i in steps:
        tanh = np.tanh(h_2)
        h_3 = tanh * x
        h_2 = h_3
    cond = n > 3
    if cond:
        h_4 = h_2 * 2.0
        h_5 = h_4
    else:
        h_5 = h_2
    out = h_5
    return out
"""

from __future__ import annotations

import gast

from ..errors import UnsupportedSyntaxError
from ..ir.annotations import BLOCK, MERGES, PHI, PHIS, SENTINEL, SPELLING, UNINITIALIZED
from ..ir.naming import RESERVED
from ..ir.nodes import (
    assign,
    is_loop_exit,
    load,
    map_names,
    parameters,
    skeleton,
    store,
    stored_in_order,
    walk,
)
from .common import load_counts
from .unbound import first_use, read_before_write

_UNSET = object()


class _Env:
    """User variable -> its current version. A branch or loop body works on a child of
    the enclosing env: it reads the parent's versions (except the `hidden` ones) and
    keeps its own changes, so entering a block costs nothing however many variables
    the function has, and `own` lists what the block changed."""

    def __init__(self, parent=None, hidden=frozenset()):
        self.parent = parent
        self.hidden = hidden
        self.own: dict[str, str] = {}

    def get(self, var, default=None):
        env = self
        while env is not None:
            if var in env.own:
                return env.own[var]
            if var in env.hidden:
                return default
            env = env.parent
        return default

    def __contains__(self, var) -> bool:
        return self.get(var, _UNSET) is not _UNSET

    def __getitem__(self, var):
        version = self.get(var, _UNSET)
        if version is _UNSET:
            raise KeyError(var)
        return version

    def __setitem__(self, var, version) -> None:
        self.own[var] = version

    def update(self, versions) -> None:
        self.own.update(versions)


def _copy(target, source, lineno):
    node = assign(target, load(source))
    PHI.set(node, True)
    node.lineno = lineno
    return node


def to_ssa(tree: gast.FunctionDef, describe=str) -> gast.FunctionDef:
    namer = tree.namer
    params = parameters(tree.args)
    env = _Env()
    env.update({p: p for p in params})
    ssa = _SSA(namer, describe)
    ssa.loads, ssa.loops_storing = _reads_and_loops(tree.body, ssa.body_stores)
    ssa.first.update(params)
    tree.body = ssa.block(tree.body, env)
    SPELLING.set(tree, ssa.spelling)
    return tree


def _reads_and_loops(stmts, body_stores) -> tuple[dict, dict]:
    """From one walk of stmts: how many times they read each name (`load_counts`), and
    name -> the loops in them whose body (or target) assigns it (both empty where stmts
    hold no loop: only a loop's renaming reads them); `body_stores` gets each
    loop's `stored_in_order(*body)` (by id), which the loop's renaming asks again."""
    loads: dict = {}
    found: dict = {}
    name, load_ctx, loops = gast.Name, gast.Load, (gast.For, gast.While)
    module = gast.Module(body=list(stmts), type_ignores=[])
    if not any(s.__class__ in loops for s in skeleton(module)):
        return loads, found  # (only a loop's renaming asks: no walk of the expressions)
    for node in walk(module):
        cls = node.__class__
        if cls is name:
            if node.ctx.__class__ is load_ctx:
                loads[node.id] = loads.get(node.id, 0) + 1
        elif cls in loops:
            stored = body_stores[id(node)] = stored_in_order(*node.body)
            if cls is gast.For:
                stored = list(dict.fromkeys([*stored, *stored_in_order(node.target)]))
            for var in stored:
                found.setdefault(var, []).append(node)
    return loads, found


class _SSA:
    def __init__(self, namer, describe):
        self.namer = namer
        self.describe = describe
        self.first = set()  # user names already used once
        self.maybe_unbound = set()  # versions assigned on one side of an if only
        self.spelling: dict[str, str] = {}  # new name -> the user's name
        self.loads: dict[str, int] = {}  # reads of each name in the function as written
        self.loads_inside: dict[int, dict] = {}  # loop -> its reads, as written
        self.fresh_facts: dict = {}  # name -> the loops assigning it first (fresh_reads)
        self.renamed_away: dict[str, int] = {}  # name -> its reads renamed so far
        # id of a loop -> the names its body assigns, in order, as written (the loop's
        # body is renamed only once they have been read)
        self.body_stores: dict[int, list] = {}

    def version(self, name):
        if name not in self.first and name not in RESERVED:
            self.first.add(name)
            return name
        self.first.add(name)
        new = self.namer.fresh(name)
        self.spelling[new] = name
        return new

    def read_outside(self, loop, name) -> bool:
        """Whether the tree, as renamed so far, reads user variable `name` outside `loop`
        (before the loop's own names are renamed): the reads of the function as written,
        less those inside the loop and those already renamed to another version."""
        inside = self.loads_inside.get(id(loop))
        if inside is None:
            inside = self.loads_inside[id(loop)] = load_counts(loop)
        count = self.loads.get(name, 0) - inside.get(name, 0) - self.renamed_away.get(name, 0)
        # a read in the body of another loop that assigns `name` before any read of it
        # (`for name in ...`, or its first statement `name = steps[k]`), one not around
        # `loop`, never sees what `loop` left (the adjoint's `for k in reversed(...)`)
        if count > 0 and name in self.loops_storing:
            count -= self.fresh_reads(loop, name)
        return count > 0

    def fresh_reads(self, loop, name) -> int:
        """The reads of `name` in the bodies of the loops assigning it first, other than
        `loop` and the loops around it, each counted once (in the outermost such loop).
        The loops' facts are gathered once per name (as written), so that each question
        costs the loops around `loop`, not every loop storing the name."""
        facts = self.fresh_facts.get(name)
        if facts is None:
            fresh = [other for other in self.loops_storing[name]
                     if isinstance(other, gast.For) and isinstance(other.target, gast.Name)
                     and other.target.id == name or first_use(other.body, name) == "assigned"]
            ids = {id(other) for other in fresh}
            reads, inner, around = {}, {}, {}  # id -> its reads; fresh loops in it; around it
            for other in fresh:
                reads[id(other)] = sum(n.__class__ is gast.Name and n.id == name
                                       and n.ctx.__class__ is gast.Load
                                       for st in other.body for n in walk(st))
                inner[id(other)] = []
                for n in walk(other):
                    if n is not other and isinstance(n, (gast.For, gast.While)):
                        around.setdefault(id(n), []).append(other)
                        if id(n) in ids:
                            inner[id(other)].append(n)
            top = sum(reads[id(o)] for o in fresh if id(o) not in around)
            facts = self.fresh_facts[name] = (ids, reads, inner, around, top)
        ids, reads, inner, around, top = facts
        excluded = [o for o in around.get(id(loop), ())] + ([loop] if id(loop) in ids else [])
        if not excluded:
            return top
        gone = {id(o) for o in excluded}
        out = top - sum(reads[id(o)] for o in excluded if id(o) not in around)
        counted = set()  # fresh loops all of whose fresh surroundings are excluded
        for o in excluded:
            for n in inner[id(o)]:
                if id(n) not in gone and id(n) not in counted \
                        and all(id(a) in gone for a in around[id(n)]):
                    counted.add(id(n))
                    out += reads[id(n)]
        return out

    def rename(self, node, env):
        """node with its reads of names in env renamed to what env maps them to (fresh
        Name nodes), counting the reads renamed away from their own names."""
        renamed_away, get, loaded = self.renamed_away, env.get, gast.Load

        def renamed(name):
            if name.ctx.__class__ is loaded:
                version = get(name.id, _UNSET)  # (one search of the envs, not three)
                if version is not _UNSET:
                    if version != name.id:
                        renamed_away[name.id] = renamed_away.get(name.id, 0) + 1
                    return load(version)
            return name

        return map_names(node, renamed)

    def block(self, stmts, env):
        out = []
        for stmt in stmts:
            out.extend(self.stmt(stmt, env))
        return out

    def stmt(self, s, env):
        lineno = getattr(s, "lineno", None)
        if isinstance(s, gast.Assign):
            target = s.targets[0]
            s.value = self.rename(s.value, env)
            if isinstance(target, gast.Name):
                new = self.namer.fresh(f"{target.id}_unset") if SENTINEL.of(s) \
                    else self.version(target.id)
                self.spelling.setdefault(new, target.id)
                env[target.id] = new
                s.targets = [store(new)]
            else:
                s.targets = [self.rename(target, env)]
            return [s]
        if isinstance(s, gast.If):
            s.test = self.rename(s.test, env)
            env_body, env_else = _Env(env), _Env(env)
            s.body = self.block(s.body, env_body)
            s.orelse = self.block(s.orelse, env_else)
            MERGES.set(s, [])
            body_exits = _never_falls_through(s.body)
            else_exits = BLOCK.of(s) == "with" or _never_falls_through(s.orelse)
            if body_exits or else_exits:
                # a branch that raises never reaches what follows: no merge, the other
                # branch's versions hold after the if (with both raising, none is read)
                env.update((env_else if body_exits else env_body).own)
                return [s]
            for var in sorted(env_body.own.keys() | env_else.own.keys(), key=str):
                a, b = env_body.get(var), env_else.get(var)
                if a == b:
                    continue
                if a is None or b is None:  # assigned on one side only: no merge to read
                    env[var] = a or b
                    self.maybe_unbound.add(a or b)
                    continue
                merged = self.version(var)
                # A side whose version may be unset (say, after an early return) leaves the
                # merged name unset too: no later statement on that path reads it.
                for branch, version in ((s.body, a), (s.orelse, b)):
                    if version in self.maybe_unbound:
                        self.maybe_unbound.add(merged)
                    else:
                        branch.append(_copy(merged, version, lineno))
                env[var] = merged
                s.merges.append(merged)
            s.body = [b for b in s.body if not isinstance(b, gast.Pass)] or [gast.Pass()]
            return [s]
        if isinstance(s, (gast.For, gast.While)):
            return self.loop(s, env, lineno)
        if isinstance(s, gast.Return):
            s.value = self.rename(s.value, env)
            return [s]
        if isinstance(s, gast.Expr):  # values.append(v): the list keeps its name
            s.value = self.rename(s.value, env)
        if isinstance(s, gast.Raise):
            s.exc = s.exc and self.rename(s.exc, env)
            s.cause = s.cause and self.rename(s.cause, env)
        return [s]  # break, pass

    def loop(self, s, env, lineno):
        pre = []
        target = s.target.id if isinstance(s, gast.For) else None
        stored = self.body_stores.get(id(s))
        stored = [v for v in (stored_in_order(*s.body) if stored is None else stored)
                  if v != target]
        changed = [v for v in stored if v in env or self.read_outside(s, v)]
        live_target = target is not None and target in env and self.read_outside(s, target)
        if isinstance(s, gast.For):
            s.iter = self.rename(s.iter, env)
        target_phi = None
        if live_target:
            changed.append(target)  # after zero iterations it keeps its earlier value
        if isinstance(s, gast.While):
            changed = list(dict.fromkeys([s.test.id, *changed]))
        phis = {}
        incoming = {}  # variables whose value before the loop the loop may need
        for var in changed:
            phi = self.version(var)
            phis[var] = phi
            if var in env and (env[var] not in self.maybe_unbound
                               or read_before_write(s.body, var)):
                incoming[var] = env[var]
                pre.append(_copy(phi, env[var], lineno))
        body_env = _Env(env, hidden={var for var in phis if var not in incoming})
        body_env.update({var: phis[var] for var in incoming})
        if target is not None:
            new_target = self.version(target)
            body_env[target] = new_target
            target_phi = phis.get(target)
            s.target = store(new_target)
        if isinstance(s, gast.While):
            s.test = load(phis[s.test.id])
        body = self.block(s.body, body_env)
        for var, phi in phis.items():
            version = body_env.get(var, phi)
            if var not in incoming and (version == phi or version in self.maybe_unbound):
                raise UnsupportedSyntaxError(
                    f"{var!r} is assigned only on some paths through the loop and used after "
                    "it: give it a value before the loop", self.describe(s))
        back = [_copy(phi, body_env[var], lineno) for var, phi in phis.items()
                if body_env[var] != phi]
        if body and is_loop_exit(body[-1]):
            body = body[:-1] + back + body[-1:]
        else:
            body = body + back
        s.body = body or [gast.Pass()]
        PHIS.set(s, list(phis.values()))
        UNINITIALIZED.set(s, [phi for var, phi in phis.items() if var not in incoming])
        self.maybe_unbound |= set(s.uninitialized)  # after zero iterations
        env.update({var: body_env[var] for var in stored  # (not those set only where it
                    if var not in phis and var in body_env})  # raises)
        env.update(phis)
        if target is not None and target_phi is None:
            env[target] = body_env[target]
        return pre + [s]


def _never_falls_through(stmts) -> bool:
    """Whether a block of the core language always raises: a `raise` in it, or an `if`
    in it both of whose branches (a `with` block: its body) always raise."""
    for s in stmts:
        if isinstance(s, gast.Raise):
            return True
        if isinstance(s, gast.If) and _never_falls_through(s.body) and (
                BLOCK.of(s) == "with" or _never_falls_through(s.orelse)):
            return True
    return False
