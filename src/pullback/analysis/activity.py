"""Stage 5, activity: what each statement means and which values need gradients.

Guarantees, for an SSA function:
- `Analysis.op(stmt)` classifies every assignment: a copy, a call/operator with a
  derivative `Rule`, a subscript read, an attribute read of a local value (`obj.W`:
  the gradient runtime checks it is a stored attribute), a method call or a call of
  an object (resolved by the object's class when it runs: objects.py), the
  construction of a record class (`Lin(W)`, a dataclass, a namedtuple: each stored
  attribute is an argument as passed), a tuple/list pack, or non-differentiable;
- `active` is exactly the set of names that depend on a `wrt` input (varied)
  *and* reach the returned value (useful); only active names get adjoint code,
  so integer and boolean bookkeeping never does;
- an active value computed by a call with no rule raises `NoRuleError` here, at
  transform time, naming the function and the call site: never a silent zero;
- a call made for its effect (`effect`) runs only if it cannot change what the
  gradient reads (`_check_effect`), and text made from a value being differentiated
  never reaches the result (`_check_text`);
- `scalar` holds names proven to be scalars by forward inference from literals,
  `math` functions, counts and the parameters in `guarded` (those that flow into
  scalar-only functions; the gradient checks them when called); code for them
  needs no broadcasting helpers. Every other name may be an array;
- `bindings` maps each module global or closure variable through which a callee
  was resolved, and each dotted call target (`np.linalg.norm`, `acts.act`), to the
  object it named (see `Parsed.guards`): the derivative rules chosen are only right
  while those names denote those objects.

Example: `y` depends on x and reaches the result; `scale` does not depend on x and
`unused` reaches nothing returned, so neither gets adjoint code.

>>> from pullback.frontend.parse import parse_function
>>> from pullback.lower.normalize import normalize
>>> from pullback.lower.ssa import to_ssa
>>> from pullback.emit.codegen import to_source
>>> def f(x, n):
...     scale = 2.0 * n
...     y = x * scale
...     unused = x * 3.0
...     return y
>>> parsed = parse_function(f)
>>> tree = to_ssa(normalize(parsed.tree, parsed))
>>> analysis = Analysis(tree, parsed, {"x"})
>>> sorted(analysis.varied), sorted(analysis.active)
(['out', 'unused', 'x', 'y'], ['out', 'x', 'y'])
>>> [analysis.op(s).kind for s in tree.body[:-1]]
['rule', 'rule', 'rule', 'copy']
"""

from __future__ import annotations

import ast
import inspect
import types

import gast

from .. import rules
from ..frontend.parse import MISSING
from ..helpers import HELPERS
from ..ir.annotations import (
    LIST_UPDATE,
    PHIS,
    SENTINEL,
    SPELLING,
)
from ..ir.nodes import parameters, walk
from ..runtime.helpers import ReturnSite, loop_len
from .classify import Classification, Op, _atom_name, _in, _reach, _reach_masks
from .refusals import Refusals
from .scalars import SCALAR_BUILTINS, ScalarInference, _is_math
from .shapes import Shapes

# the classes of the nodes Analysis's scan looks at, but for names and assignments
_SCANNED = frozenset({gast.Expr, gast.FunctionDef, gast.If, gast.For, gast.While})


class Analysis(Classification, Refusals, ScalarInference):
    """What an SSA function's statements mean and which values need gradients. The
    classification of statements is in classify.py, the refusals in refusals.py, the
    scalar inference in scalars.py; here the flows, and what they make active."""

    def __init__(self, tree, parsed, wrt, optimize=True):
        self.parsed = parsed
        self.tree = tree
        params = parameters(tree.args)
        self.params = params
        self.locals = set(params)
        self.assigns = []
        # values.append(v) / values.extend(vs): like in-place writes, they put v into values
        self.updates = []
        self.loop_targets = set()
        self.loops_of: dict = {}  # loop target -> the loops that set it
        self.owner = {}  # statement -> the def/if/loop whose body holds it directly
        self.in_orelse: set = set()  # ids of the statements of the ifs' else branches
        self.phi_loop = {}  # loop name -> its loop
        # every node of the function as analysed (kept: later questions about the whole
        # function read this list instead of walking the tree again)
        self.nodes = walk(tree)
        self.defs: dict[str, list] = {}  # name -> the assignments to it, in order
        # the class of a value -> the assignments of such values to names, in order (a
        # question about some kinds of values looks at those only); x[i] = v, obj.a = v
        self.by_value: dict[type, list] = {}
        self.stores: list = []
        name_cls, assign_cls, store_cls = gast.Name, gast.Assign, gast.Store
        by_value = self.by_value
        for node in self.nodes:  # one scan of every node for all of these
            cls = node.__class__
            if cls is name_cls:
                if node.ctx.__class__ is store_cls:
                    self.locals.add(node.id)
                continue
            if cls is assign_cls:
                self.assigns.append(node)
                target = node.targets[0]
                if target.__class__ is name_cls:
                    self.defs.setdefault(target.id, []).append(node)
                    by_value.setdefault(node.value.__class__, []).append(node)
                else:
                    self.stores.append(node)
                continue  # (a statement: the nodes under it are walked on their own)
            if cls not in _SCANNED:  # (an expression's node)
                continue
            if cls is gast.Expr and LIST_UPDATE.of(node):  # (set on Expr statements only)
                self.updates.append(node)
            if cls in (gast.FunctionDef, gast.If, gast.For, gast.While):
                for child in node.body + getattr(node, "orelse", []):
                    self.owner[id(child)] = node
                if cls is gast.If:
                    self.in_orelse.update(map(id, node.orelse))
                if cls is gast.For:
                    self.loop_targets.add(node.target.id)
                    self.loops_of.setdefault(node.target.id, []).append(node)
                if cls is not gast.If and cls is not gast.FunctionDef:
                    self.phi_loop.update({p: node for p in PHIS.of(node)})
        # free names whose objects the rules (or the inlined bodies: their code and the
        # defaults normalize read from them too) assume
        self.bindings: dict[str, object] = {}
        for (owner, name), obj in parsed.inlined.items():
            if owner is None:
                self.bindings[name] = obj
                if inspect.isfunction(obj):
                    self.bindings.update({f"{name}.{attr}": getattr(obj, attr) for attr in (
                        "__code__", "__defaults__", "__kwdefaults__")})
        self.sequences, self.dicts = self._sequences_and_dicts()
        self.ops: dict = {}  # id(assignment to a name) -> its Op
        # the kind of an Op -> the assignments to names classified so, in order
        self.by_kind: dict[str, list] = {}
        ops, by_kind, classify = self.ops, self.by_kind, self._classify
        for node in self.assigns:
            if node.targets[0].__class__ is name_cls:
                op = ops[id(node)] = classify(node)
                by_kind.setdefault(op.kind, []).append(node)
        self.result = tree.body[-1].value.id
        self._readers_of = None
        self._reached_from = None
        self._in_order = None
        self._complex_reach_of = None
        self._scalar_uses_of = None
        self._scalar_names_of: dict = {}
        self._needs_of = None
        self.scalar, self.guarded = self._scalars()
        self.shapes = Shapes(self, optimize)
        self._settle(set(wrt))

    def _settle(self, wrt):
        """`flows`, `varied`, `useful`, `active` and the refusals (`_check_rules`). The
        parameters f only stores values into (`stored_bases`: `self.stats["m"] = v`,
        never read back, refusals._stored_only) hold nothing that reaches the result in
        this call: the flows into them are dropped and the analysis made once more, so
        that a method called on one before the store (`self._init()`) is no call on a
        value being differentiated. Kept only if that second analysis finds them stored
        only again (else the first one stands)."""
        skip: frozenset = frozenset()
        for attempt in range(3):
            self.flows = self._flows(skip)  # computed once a pass: both directions read it
            self.varied = self._varied(wrt)
            self.useful = self._useful()
            self.active = self.varied & self.useful
            self.__dict__.pop("_probes_found", None)
            self._check_rules()
            found = frozenset(self.stored_bases - wrt)
            if attempt == 2 or found == skip or skip and found >= skip:
                return
            skip = found if not skip else frozenset()

    def definition_order(self) -> list:
        """The parameters, then the names assigned and the loop targets in the order of
        their statements in f (a name set in several places, at each): a name's values are
        computed from names before it but for a loop's back edge."""
        if self._in_order is None:
            self._in_order = order = list(self.params)
            name_cls, assign_cls, for_cls = gast.Name, gast.Assign, gast.For
            stack = list(reversed(self.tree.body))
            while stack:
                s = stack.pop()
                cls = s.__class__
                if cls is assign_cls:
                    target = s.targets[0]
                    if target.__class__ is name_cls:
                        order.append(target.id)
                    continue
                if cls is for_cls and s.target.__class__ is name_cls:
                    order.append(s.target.id)
                inner = [*getattr(s, "body", ()), *getattr(s, "orelse", ()),
                         *getattr(s, "handlers", ()), *getattr(s, "finalbody", ())]
                stack.extend(reversed(inner))
        return self._in_order

    def complex_possible(self, wrt) -> bool:
        """Whether a value being differentiated may become complex other than through a
        complex input: a complex literal, a parameter not differentiated, a called Python
        function, or data read from the module (numbers and arrays, not functions and
        modules)."""
        others = set(self.params) - set(wrt)  # as data, not only as counts (range(n))
        if any(op.kind in ("call", "method") or op.kind != "nondiff" and others & set(
                map(_atom_name, op.inputs.values())) for op in self.ops.values()):
            return True  # (a called function's gradient may be complex too)
        looked_up = set(self.locals) | set(HELPERS)  # (each free name looked up once)
        for node in self.nodes:  # (the function as analysed: not the code added since)
            if isinstance(node, gast.Constant) and isinstance(node.value, complex):
                return True
            if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load) \
                    and node.id not in looked_up:
                looked_up.add(node.id)
                obj = self.parsed.lookup(node.id)
                if not (callable(obj) or isinstance(obj, types.ModuleType) or obj is MISSING):
                    return True
        return False

    def proven_real(self, name: str) -> bool:
        """Whether every value `name` can hold is real (not complex), whatever the
        arguments: built from int/float literals, `math` functions and counts,
        `.real`/`.imag`, and elementwise rules and reductions (no `dtype=`) of real
        values, and parameters the gradient's entry checks refuse complex values for
        (`guarded`, and those of `real_checks`). Taking a parameter in a `math` function
        proves nothing: `math` casts NumPy's complex scalars to real (with NumPy's
        ComplexWarning). Anything else may be complex: grad checks such a result."""
        entry, _ = self.real_checks()
        return not self._may_be_complex(name, self.guarded | set(entry))

    def _may_be_complex(self, name: str, real_params) -> bool:
        """Whether `name` may hold a complex value when the parameters in `real_params`
        are real: it is reached from a value that may be complex other than through a
        parameter, or from a parameter not in `real_params`."""
        others, from_params = self._complex_reach()
        return name in others or any(
            p not in real_params for p in self._params_in(from_params.get(name, 0)))

    def _params_in(self, bits) -> list:
        """The parameters of `bits` (bit i: `params[i]`, as `_reach_masks` gives them)."""
        found, params = [], self.params
        while bits:
            low = bits & -bits
            found.append(params[low.bit_length() - 1])
            bits ^= low
        return found

    def _complex_reach(self) -> tuple[set, dict]:
        """(the names a value that may be complex reaches other than through the
        parameters, {name: the parameters that reach it, as bits: `_params_in`}), along
        the flows of values that keep a complex number complex. Computed once, over the
        whole function (one sweep for all parameters): the questions of proven_real and
        real_checks are lookups."""
        if self._complex_reach_of is not None:
            return self._complex_reach_of
        counts = SCALAR_BUILTINS | {range, loop_len}
        name_cls, constant_cls = gast.Name, gast.Constant
        real_constants = (int, float, str, type(None))

        def atoms(nodes, deps) -> bool:
            """Whether each of `nodes` may be real, the names that decide it put in
            `deps` (every one, also past a node that may not be)."""
            ok = True
            for node in nodes:
                cls = node.__class__
                if cls is name_cls:
                    deps.append(node.id)
                elif cls is constant_cls:
                    ok = ok and isinstance(node.value, real_constants)
                elif not (isinstance(node, (int, float, type(None))) or isinstance(
                        node, tuple) and all(isinstance(v, int) for v in node)):
                    ok = False
            return ok

        def of_def(s, deps) -> bool:
            if SENTINEL.of(s):
                return True  # unset: using it raises
            value, op = s.value, ops[id(s)]
            cls = value.__class__
            if cls is constant_cls or op.kind == "copy":
                return atoms((value,), deps)
            if cls is gast.BinOp:
                return atoms((value.left, value.right), deps)
            if cls is gast.Compare:
                return True
            if cls is gast.UnaryOp:
                return atoms((value.operand,), deps)
            if cls is gast.Attribute:
                return value.attr in ("real", "imag", "ndim", "size", "shape")
            if cls is gast.Subscript and op.kind == "index":
                return atoms((value.value,), deps)
            if cls is not gast.Call:
                return False
            callee = op.callee
            if _in(callee, counts) or _is_math(callee):
                return True
            if op.kind != "rule" or op.bound.get("dtype") is not None \
                    or not rules.kinds_of(callee) & {"elementwise", "reduction"}:
                return False
            return atoms(op.bound.values(), deps)

        # name -> the names whose values it is computed from, and the names that may not
        # be real whatever those are (one look at each definition, and at each loop)
        ops, params, loop_targets = self.ops, set(self.params), self.loop_targets
        readers: dict = {}
        seeds = set()
        for n, defs in self.defs.items():
            if n in params or n in loop_targets:
                continue
            deps: list = []
            for s in defs:
                if not of_def(s, deps):
                    seeds.add(n)
            for m in deps:
                readers.setdefault(m, []).append(n)
        for n in loop_targets:  # an element of what the loop walks, or a count
            if n in params:
                continue
            deps = []
            if not atoms([loop.iter for loop in self.loops_of.get(n, ())], deps):
                seeds.add(n)
            for m in deps:
                readers.setdefault(m, []).append(n)
        # a name read but set nowhere in f (a global): anything
        seeds.update(m for m in readers if m not in self.defs and m not in loop_targets
                     and m not in params)

        def reach(start) -> set:
            found, stack = set(start), list(start)
            while stack:
                for n in readers.get(stack.pop(), ()):
                    if n not in found:
                        found.add(n)
                        stack.append(n)
            return found

        self._complex_reach_of = (reach(seeds), _reach_masks(
            self.params, readers, self.definition_order()))
        return self._complex_reach_of

    def real_checks(self) -> tuple[dict, dict]:
        """Where the generated code checks, when it runs, that a value a `math` function
        takes is not a NumPy complex scalar. `math` casts one to its real part (with
        NumPy's ComplexWarning, in f's own call too), but the derivative rules read the
        value itself (`math.log(z)`'s adjoint is `g / z`), so the gradient would be that
        of another function. (Python's complex numbers and complex arrays raise in `math`.)
        Only the arguments of math calls that carry a gradient are checked, and only
        where they are not proven real: ({parameter: where}: checked on entry, a
        parameter taken by a math call in f's own block or a scalar one a call's
        argument is computed from by operations that keep real values real;
        {id(statement): [(name, where)]}: checked before the call); where: the call's
        line."""
        if hasattr(self, "_real_checks"):
            return self._real_checks
        entry: dict = {}
        placed: dict = {}
        calls = [s for s in self.by_value.get(gast.Call, ())  # (calls assigned to names)
                 if s.targets[0].id in self.active and _is_math(self.op(s).callee)]
        # the nested calls first: the parameters they hoist to the entry can prove the
        # arguments of the top-level calls real
        calls.sort(key=lambda s: self.owner.get(id(s)) is self.tree)
        _, from_params = self._complex_reach()
        # parameter -> how many top-level math arguments (not parameters) it reaches: a
        # check on entry pays where it replaces checks before two calls or more
        reaching: dict = {}
        for s in calls:
            if self.owner.get(id(s)) is self.tree:
                for arg in list(s.value.args) + [k.value for k in s.value.keywords]:
                    if isinstance(arg, gast.Name) and arg.id not in self.params:
                        for p in self._params_in(from_params.get(arg.id, 0)):
                            reaching[p] = reaching.get(p, 0) + 1
        real_params = self.guarded | set(entry)  # (kept so as entry grows)
        for s in calls:
            where = None  # (the call's line: described when a check needs it)
            top = self.owner.get(id(s)) is self.tree
            args = list(s.value.args) + [k.value for k in s.value.keywords]
            for arg in args:
                if not isinstance(arg, gast.Name):
                    continue  # a literal: int or float, or complex, which math refuses
                a = arg.id
                if not self._may_be_complex(a, real_params):
                    continue
                if where is None:
                    where = self.parsed.location.describe(s)
                params = {p for p in self._params_in(from_params.get(a, 0))
                          if p not in real_params}
                if a in self.params and (top or a in self.scalar):
                    entry.setdefault(a, where)
                    real_params.add(a)
                    continue
                if params <= self.scalar and not self._may_be_complex(a, set(self.params)) \
                        and (not top or all(reaching.get(p, 0) > 1 for p in params)):
                    for p in sorted(params):
                        entry.setdefault(p, where)
                    real_params |= params
                    continue
                placed.setdefault(id(s), []).append((a, where))
        self._real_checks = (entry, placed)
        return self._real_checks

    def returned_at(self) -> str:
        """Where the user's function returns: its return statement, or its def line when
        it has several; for a result None (`ReturnSite.if_none`), the one `return` or
        `return None` it has, where it cannot also end without a return."""
        tree = self.parsed.tree
        returns = [n for n in walk(tree) if isinstance(n, gast.Return)]
        where = returns[0] if len(returns) == 1 else tree
        site = ReturnSite(self.parsed.location.describe(where))
        try:  # the returns as written (the body's are lowered to assignments by now)
            written = ast.parse("\n".join(self.parsed.location.source_lines)).body[0]
        except (SyntaxError, IndexError):
            return site
        if not isinstance(written, ast.FunctionDef):
            return site
        nones = [r for r in _own_statements(written) if isinstance(r, ast.Return) and (
            r.value is None or isinstance(r.value, ast.Constant) and r.value.value is None)]
        if len(nones) == 1 and isinstance(written.body[-1], (ast.Return, ast.Raise)):
            site.if_none = self.parsed.location.describe(nones[0])
        return site

    def maybe_unbound(self) -> set[str]:
        """Names that may hold the placeholder of a variable not set on every path: the
        placeholders, and the copies that merge them at branches and loops."""
        return self._copied({s.targets[0].id for s in self.assigns
                             if SENTINEL.of(s)})

    def may_be_bool(self, name: str) -> bool:
        """Whether `name` may hold a bool (a comparison, `not`, a bool literal) or a copy
        of one: a number to scalar inference, but no result grad can differentiate.
        Asked of one name (the result): its definitions are followed back through the
        copies (`a = b`), not every copy of f forward."""
        seen, stack = {name}, [name]
        while stack:
            for s in self.defs.get(stack.pop(), ()):
                value = s.value
                if isinstance(value, gast.Compare) or isinstance(value, gast.UnaryOp) \
                        and isinstance(value.op, gast.Not) or isinstance(
                            value, gast.Constant) and isinstance(value.value, bool):
                    return True
                if isinstance(value, gast.Name) and value.id not in seen:
                    seen.add(value.id)
                    stack.append(value.id)
        return False

    def _copied(self, found) -> set[str]:
        """`found` and the names copied from them (`a = b`), transitively."""
        copies: dict = {}  # name -> the names copied from it
        for s in self.by_value.get(gast.Name, ()):  # (the assignments of names to names)
            copies.setdefault(s.value.id, []).append(s.targets[0].id)
        stack = list(found)
        while stack:
            for copy in copies.get(stack.pop(), ()):
                if copy not in found:
                    found.add(copy)
                    stack.append(copy)
        return found

    def op(self, stmt) -> Op:
        return self.ops[id(stmt)]

    def spelled(self, name: str) -> str:
        """The user's name for an SSA name (`buf` for `buf_3`)."""
        return SPELLING.of(self.tree).get(name, name)

    def _inputs(self, stmt):
        op = self.op(stmt)
        if op.kind == "nondiff" or stmt.targets[0].id in self.shapes.shift_constants:
            return []
        return [n for n in map(_atom_name, op.inputs.values()) if n]

    def _flows(self, skip=frozenset()):
        """name -> the names a gradient-carrying value may flow into from it directly:
        the targets of statements with it among their inputs, the arrays it is written
        into (`x[i] = v`), the lists it is appended to and the objects whose attribute
        it is set to (`obj.h = v`), but for the objects in `skip` (stored into only)."""
        flows: dict[str, list] = {}
        ops, shifts, name_cls = self.ops, self.shapes.shift_constants, gast.Name
        for kind, statements in self.by_kind.items():  # (the order of a name's flows
            if kind == "nondiff":  # does not matter: only what they reach is asked)
                continue
            for s in statements:  # (self._inputs(s), inlined: once a statement)
                target = s.targets[0].id
                if target in shifts:
                    continue
                for a in ops[id(s)].inputs.values():
                    if a.__class__ is name_cls:
                        found = flows.get(a.id)
                        if found is None:
                            flows[a.id] = [target]
                        else:
                            found.append(target)
        for s in self.stores:  # x[i] = v: x now holds v
            base, v = s.targets[0].value.id, _atom_name(s.value)
            if v is not None:
                flows.setdefault(v, []).append(base)
        for base, v in self.update_pairs():
            if v is not None:
                flows.setdefault(v, []).append(base)
        for _, base, v in self.attribute_writes():  # obj.h = v: obj now holds v
            if v is not None and base not in skip:
                flows.setdefault(v, []).append(base)
        for _, base, _, _, v in self.item_writes():  # obj.d[k] = v: obj now holds v
            if v is not None and base not in skip:
                flows.setdefault(v, []).append(base)
        return flows

    def _varied(self, varied):
        """The names reachable from `varied` along the flows."""
        return _reach(varied, self.flows)

    def update_pairs(self):
        """(list, name of the value appended or extended with) for each list update."""
        return [(s.value.func.value.id, _atom_name(s.value.args[-1])) for s in self.updates
                if LIST_UPDATE.of(s) != "pop"]  # (insert(i, v): v)

    def _useful(self):
        """The names from which the result is reachable along the flows, and from which
        the calls of the user's functions that receive a value being differentiated are:
        such a call is transformed even when its result is unused, so what it does to its
        arguments or to module state is checked (and refused) like the rest of f."""
        backward: dict[str, list] = {}
        for source, targets in self.flows.items():
            for target in targets:
                backward.setdefault(target, []).append(source)
        effects = [s.targets[0].id for kind in ("call", "method")
                   for s in self.by_kind.get(kind, ())
                   if any(_atom_name(a) in self.varied for a in self.ops[id(s)].inputs.values())]
        return _reach([self.result, *effects], backward)


def _own_statements(tree):
    """The statements of a function's body (an `ast` tree), not those of the functions
    and classes it defines (a return is a statement: no expression is walked)."""
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for field in ("body", "orelse", "handlers", "finalbody", "cases"):
                stack.extend(getattr(node, field, None) or ())
