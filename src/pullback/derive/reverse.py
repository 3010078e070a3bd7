"""Stage 6, reverse: SSA primal + activity -> one function computing the gradient.

Guarantees on the output (a gast FunctionDef):
- the primal sweep is the SSA code, plus: before each in-place write `x[i] = v`,
  the overwritten slot is saved (`x_old = save_slot(x, i)`); inside loops, at
  the end of each loop body or branch, ONE push of exactly the values defined
  there that the adjoint reads (to-be-recorded analysis over the generated
  adjoint); loops that break or `while` loops count their trips;
- a `with` block runs its manager around the body in the primal, and the body's adjoint
  under the floating-point error state the body ended with; a manager that swallowed
  an exception midway is refused after the block. A `try` block records in its flag
  whether the body completed (the except clause drops what the body pushed), and the
  adjoint follows that path like a branch; `raise` needs no adjoint;
- the adjoint sweep walks the primal in reverse: loops run backwards over the
  same iterations (`reversed(range)` or the trip count), each body and branch
  first pops what its primal pushed, branches re-take the recorded decision;
  each statement adds its inputs' contributions (`dv = dv + ...`, or `dv = ...`
  for the first), an in-place write hands the slot's gradient to the written
  value, zeroes it and restores the saved slot, so every array holds, when its
  adjoint statement runs, the value it had when the primal statement ran;
- an adjoint is never materialized for a value nothing flows into (zero
  propagation); only active statements get adjoint code;
- gradients returned are in the user's terms (`as_grad`): a float for a scalar
  input, a float array of the input's shape for an array;
- every generated function starts with its entry guards (`guards`): one identity test
  for each thing the code was specialized on (its function's code and defaults, each
  name and dotted name it calls), raising `rebound` when one changed; a vjp checks its
  seed against the result (`seed_for`).
"""

from __future__ import annotations

import gast

from ..analysis.aliasing import views_of
from ..frontend.parse import MISSING
from ..helpers import HELPERS
from ..ir.nodes import (
    assign,
    binop,
    call,
    clone,
    comment,
    const,
    if_,
    load,
    not_,
    quote,
    store,
    substitute,
    tuple_of,
    walk,
)


def _is_loop_exit(stmt) -> bool:
    return isinstance(stmt, gast.If) and len(stmt.body) == 1 \
        and isinstance(stmt.body[0], gast.Break)


def _index_expr(index):
    """The value of a subscript index as an ordinary expression (slices as slice(...))."""
    if isinstance(index, gast.Slice):
        parts = [const(None) if p is None else p for p in (index.lower, index.upper, index.step)]
        return call("slice", *parts)
    if isinstance(index, gast.Tuple):
        return tuple_of(*[_index_expr(e) for e in index.elts])
    return index


def _only_new_axes(index) -> bool:
    """An index that only inserts axes (`x[:, None]`, `x[None, ...]`): the result is x
    reshaped, and so is its gradient."""
    parts = index.elts if isinstance(index, gast.Tuple) else [index]
    full = [isinstance(p, gast.Slice) and p.lower is p.upper is p.step is None
            or isinstance(p, gast.Constant) and p.value is Ellipsis for p in parts]
    new = [isinstance(p, gast.Constant) and p.value is None for p in parts]
    return any(new) and all(f or n for f, n in zip(full, new))


def _chain(head, *attrs):
    """`head.a.b` as an expression (head: a name or an expression)."""
    expr = load(head) if isinstance(head, str) else head
    for attr in attrs:
        expr = gast.Attribute(value=expr, attr=attr, ctx=gast.Load())
    return expr


def _clone(node):
    return clone(node)


def _stored(stmts):
    return {n.id for s in stmts for n in walk(s)
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}


PARTS_KEPT = 256  # pairs a loop's summed matrix product keeps before adding their sum

# Contributions a loop may record and sum after the loop: helper -> (summing helper,
# position of the factor that pairs with g).
DEFERRED = {"matmul_grad_a": ("sum_matmul_grad_a", 2), "matmul_grad_b": ("sum_matmul_grad_b", 1)}


class _PopSlot(gast.Expr):
    """Placeholder for the pop at the start of an adjoint block."""


class _LoopHeader(gast.For):
    """Placeholder for an adjoint loop, whose header depends on what the primal saved."""


def _counts_its_trips(loop) -> bool:
    """Loops whose trip count is not the length of their range."""
    return isinstance(loop, gast.While) or _is_loop_exit(loop.body[-1])


class Reverse:
    def __init__(self, tree, analysis, wrt, mode, single=True, calls=None, optimize=True):
        self.tree = tree
        self.a = analysis
        self.namer = tree.namer
        self.wrt = list(wrt)
        self.mode = mode
        self.adjoints: dict[str, str] = {}
        self.defined: set[str] = set()  # names whose adjoint variable holds a value
        self.saved: dict[int, str] = {}
        self.loop_modes: dict[int, tuple] = {}  # loop -> how its adjoint iterates
        self.adjoint_loops: dict[int, object] = {}  # loops that get an adjoint
        self.pushes: dict[object, list[str]] = {}
        self.loop_phis: list[set] = []
        self.accumulators: set[str] = set()  # gradients a loop adds to in place
        self.deferrable: list[set] = []  # per loop being generated: its own accumulators
        self.deferred: list[dict] = []  # per loop: accumulator -> (parts list, summing helper)
        self.loop_depth = 0
        self.constants: dict[str, object] = {}  # objects the code refers to by name
        self.call_records: dict[int, str] = {}  # call statement -> name of its record
        self.call_forward: dict[int, str] = {}  # call statement -> its forward function
        # method call statement -> the arguments method_forward takes before the call's own
        self.method_prefix: dict[int, list] = {}
        self.single = single  # one wrt parameter: the gradient is not a tuple
        self.calls = calls  # (function, params, static) -> (forward cell, backward cell)
        self.optimize = optimize
        self.mutable, self.listy = self._mutable()
        self.stable = self._stable() if optimize else set()
        buffers = {s.targets[0].value.id for s in self.a.assigns
                   if isinstance(s.targets[0], gast.Subscript)}
        self.shares_memory = buffers | set(views_of(self.a, buffers))

    # helpers ----------------------------------------------------------------------

    def d(self, name: str) -> str:
        if name not in self.adjoints:
            self.adjoints[name] = self.namer.fresh(f"d{name}")
        return self.adjoints[name]

    def active(self, node) -> bool:
        return isinstance(node, gast.Name) and node.id in self.a.active

    def is_scalar(self, node) -> bool:
        if isinstance(node, gast.Constant):
            return isinstance(node.value, (int, float, bool))
        return isinstance(node, gast.Name) and node.id in self.a.scalar

    def _mutable(self):
        """Names whose gradient the adjoint updates in place (subscripted), and names
        whose gradient may be a list (tuples and lists, and what is copied from them)."""
        mutable, listy = set(), set()
        copies = []
        for s in self.a.assigns:
            target = s.targets[0]
            if isinstance(target, gast.Subscript):
                mutable.add(target.value.id)
                continue
            op = self.a.op(s)
            if op.kind == "index" and isinstance(op.inputs["x"], gast.Name) \
                    and not (self.optimize and _only_new_axes(s.value.slice)):
                mutable.add(op.inputs["x"].id)
            elif op.kind == "attr":
                mutable.add(op.inputs["x"].id)
            elif op.kind == "pack":
                listy.add(target.id)
            elif op.kind == "copy" and "x" in op.inputs:
                copies.append((target.id, op.inputs["x"].id))
        mutable |= {base for base, _ in self.a.update_pairs()}
        listy |= mutable | self.a.sequences | {v for _, v in self.a.update_pairs()
                            if v is not None and any(s.list_update == "extend"
                                                     for s in self.a.updates)}
        changed = True
        while changed:
            changed = False
            for a, b in copies:
                if (a in listy) != (b in listy):
                    listy |= {a, b}
                    changed = True
        return mutable, listy

    def _stable(self):
        """Names defined inside loops whose value is the same in every iteration: a
        pure operation on values that never change once set (parameters, names
        assigned outside any loop, constants). They need no saving."""
        in_loop = set()
        for loop in walk(self.tree):
            if isinstance(loop, (gast.For, gast.While)):
                in_loop |= _stored(loop.body) | ({loop.target.id}
                                                 if isinstance(loop, gast.For) else set())
        written = set(self.mutable)
        stable = set()
        changed = True
        while changed:
            changed = False
            for s in self.a.assigns:
                target = s.targets[0]
                if not isinstance(target, gast.Name) or target.id in stable \
                        or target.id not in in_loop or target.id in written \
                        or len(self.a.defs.get(target.id, ())) != 1:
                    continue
                value = s.value
                if isinstance(value, gast.Call):
                    op = self.a.op(s)  # custom rules may be impure
                    if op.kind != "rule" or op.rule.functions:
                        continue
                elif not isinstance(value, (gast.BinOp, gast.UnaryOp, gast.Compare)):
                    continue
                reads = {n.id for n in walk(value) if isinstance(n, gast.Name)
                         and isinstance(n.ctx, gast.Load)} & self.a.locals
                if all(r in stable or (r not in in_loop and r not in written) for r in reads):
                    stable.add(target.id)
                    changed = True
        return stable

    def contribute(self, name: str, expr, fresh: bool, out: list) -> None:
        dname = self.d(name)
        if name in self.defined:
            if name in self.listy:
                out.append(assign(dname, call("add_grads", load(dname), expr)))
            elif name in self.accumulators:  # owned by this loop: add in place
                out.append(gast.AugAssign(target=store(dname), op=gast.Add(), value=expr))
            else:
                out.append(assign(dname, binop(load(dname), gast.Add(), expr)))
            return
        if name in self.mutable and not fresh:
            expr = call("owned", expr)
        out.append(assign(dname, expr))
        self.defined.add(name)

    # the whole function ------------------------------------------------------------

    def build(self) -> gast.FunctionDef:
        tree = self.tree
        primal, ret = tree.body[:-1], tree.body[-1]
        self.mark_what_may_raise(primal)
        result = ret.value.id
        split = self.mode == "split"
        seed = self.namer.fresh("seed") if self.mode == "vjp" else None
        adjoint: list = []
        checks: list = []
        unbound = self.unbound
        check = None
        if self.mode in ("grad", "value_and_grad") and (
                result not in self.a.scalar or result not in self.a.active or result in unbound
                or result in self.a.maybe_bool()):
            check = "check_scalar"  # a constant result may be None or a bool: no derivative
        elif result in unbound:
            check = "check_bound"
        if check == "check_scalar":
            where = self.namer.fresh("returned_at")  # the text lives in a constant
            self.constants[where] = self.a.returned_at()
            checks.append(gast.Expr(value=call(check, load(result), load(where))))
        elif check:  # an unset result raises Python's own UnboundLocalError
            checks.append(gast.Expr(value=call(check, load(result))))
        if seed and result not in self.a.active:  # the gradient is zero, the seed checked
            checks.append(gast.Expr(value=call("seed_for", load(seed), load(result))))
        if result in self.a.active:
            self.defined.add(result)
            if seed:
                adjoint.append(assign(self.d(result), call("seed_for", load(seed),
                                                           load(result))))
            elif split:  # the gradient of the result arrives as a parameter
                if result in self.mutable:
                    adjoint.append(assign(self.d(result), call("owned", load(self.d(result)))))
            else:
                adjoint.append(assign(self.d(result), const(1.0)))
            adjoint += self.adjoint_block(primal, None)
        else:  # no gradient reaches the result, but a function receiving a value being
            # differentiated (called for its effect) is still transformed and checked
            for s in self.a.assigns:
                op = self.a.op(s) if isinstance(s.targets[0], gast.Name) else None
                if op is not None and op.kind == "call" and s.targets[0].id in self.a.active:
                    self.calls(op.callee, *self.call_params(op))
                elif op is not None and op.kind == "method" and s.targets[0].id in self.a.active:
                    self.method_site(s, op)  # run through its transform, which checks it
        primal_names = _stored(primal) | set(self.a.params) | set(self.saved.values()) \
            | set(self.call_records.values()) | {  # try flags: set as instrument prints it
                s.test.id for s in walk(tree) if getattr(s, "block", None) == "try"} | {
                s.fp_state for s in walk(tree) if hasattr(s, "fp_state")}
        read = {n.id for s in adjoint for n in walk(s)
                if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}
        needed = read & primal_names
        primal = self.instrument(primal, None, False, needed)
        adjoint = self.fill_pops(adjoint)
        setup = []
        if self.pushes:
            setup = [assign(self.tape, gast.List(elts=[], ctx=gast.Load())),
                     assign(self.push, gast.Attribute(value=load(self.tape), attr="append",
                                                      ctx=gast.Load())),
                     assign(self.pop, gast.Attribute(value=load(self.tape), attr="pop",
                                                     ctx=gast.Load()))]
        if split:
            return self.build_split(primal, checks, setup, adjoint, result, needed)
        self.complex_possible = self.a.complex_possible(
            {p if isinstance(p, str) else p[0] for p in self.wrt})
        grads = [self.final_grad(p) for p in self.wrt]
        grad_value = grads[0] if self.single else tuple_of(*grads)
        if self.mode == "value_and_grad":
            value = result
            if result in self.shares_memory:
                value = self.namer.fresh(f"{result}_value")
                checks.append(assign(value, call("np.copy", load(result))))
            returned = tuple_of(load(value), grad_value)
        else:
            returned = grad_value
        body = self.guards() + setup + primal + checks
        if adjoint:
            body += [comment("# adjoint")] + adjoint
        body.append(gast.Return(value=returned))
        args = _clone(tree.args)
        if seed:
            seed_arg = gast.Name(id=seed, ctx=gast.Param(), annotation=None, type_comment=None)
            (args.posonlyargs if args.posonlyargs else args.args).insert(0, seed_arg)
        prefix = {"grad": "d", "value_and_grad": "value_and_d", "vjp": "vjp_"}[self.mode]
        self.name = self.namer.fresh(f"{prefix}{tree.name}")
        return gast.FunctionDef(name=self.name, args=args, body=body, decorator_list=[],
                                returns=None, type_comment=None, type_params=[])

    def build_split(self, primal, checks, setup, adjoint, result, needed):
        """A forward function returning (result, record) and a backward function taking
        (record, gradient of the result) and returning the gradients of `wrt`, for calls
        from other generated code."""
        tree = self.tree
        # The caller's adjoint takes gradients as adjoints are (0.0 for a known zero), not
        # in the user's terms: no as_grad, and the arguments need not be recorded for it.
        grads = [load(self.d(p)) if p in self.defined else const(0.0) for p in self.wrt]
        backward_code = adjoint + [gast.Return(value=tuple_of(*grads))]
        available = needed | set(self.a.params) | ({self.pop} if self.pushes else set())
        record = sorted(_free_names(backward_code) & available)
        top_level = _stored([s for s in primal if isinstance(s, gast.Assign)]) | set(
            self.a.params) | {self.tape, self.push, self.pop}
        # names set only on some paths (in a branch, in a loop that may not run)
        maybe_unset = [assign(n, const(None)) for n in record if n not in top_level]
        forward_name = self.namer.fresh(f"{tree.name}_forward")
        backward_name = self.namer.fresh(f"{tree.name}_backward")
        record_name = self.namer.fresh("record")
        returned = tuple_of(load(result), tuple_of(*[load(n) for n in record]))
        forward_body = self.guards() + setup + maybe_unset + primal + checks + [
            gast.Return(value=returned)]
        backward_body = [assign(tuple_of(*[store(n) for n in record], ctx=gast.Store()),
                                load(record_name))] if record else []
        backward_body += backward_code
        param = lambda n: gast.Name(id=n, ctx=gast.Param(), annotation=None,  # noqa: E731
                                    type_comment=None)
        backward_args = gast.arguments(args=[param(record_name), param(self.d(result))],
                                       posonlyargs=[], vararg=None, kwonlyargs=[],
                                       kw_defaults=[], kwarg=None, defaults=[])
        self.name = forward_name
        self.names = (forward_name, backward_name)
        forward = gast.FunctionDef(name=forward_name, args=_clone(tree.args), body=forward_body,
                                   decorator_list=[], returns=None, type_comment=None,
                                   type_params=[])
        backward = gast.FunctionDef(name=backward_name, args=backward_args, body=backward_body,
                                    decorator_list=[], returns=None, type_comment=None,
                                    type_params=[])
        return gast.Module(body=[forward, backward], type_ignores=[])

    @property
    def unbound(self) -> set:
        """Names that may hold the placeholder of a variable not set on every path."""
        if not hasattr(self, "_unbound"):
            self._unbound = self.a.maybe_unbound()
        return self._unbound

    def guards(self):
        """Entry checks for what the code was specialized on: the function's own code
        object and defaults, the objects behind the names and dotted names it calls,
        and parameters assumed to be scalars. Each is one identity test."""
        from ..lower.normalize import MODULE_GLOBALS

        func, args = self.a.parsed.func, self.tree.args
        own = f"{func.__qualname__}."
        checks = [(_chain("user_function", "__code__"), func.__code__, own + "__code__")]
        if args.defaults:  # the code runs with the defaults bound with it
            checks.append((_chain("user_function", "__defaults__"), load("defaults_at_bind"),
                           own + "__defaults__"))
        if any(d is not None for d in args.kw_defaults):
            checks.append((_chain("user_function", "__kwdefaults__"),
                           load("kwdefaults_at_bind"), own + "__kwdefaults__"))
        for name, obj in sorted(self.a.bindings.items()):
            head, *rest = name.split(".")
            live = load(head)
            if head in HELPERS:  # the generated code reads the helper, not the user's name
                if head in self.a.parsed.closure:
                    continue  # a closure variable named np or math: a fresh grad checks it
                if not rest:
                    live = gast.Subscript(value=load(MODULE_GLOBALS), slice=const(head),
                                          ctx=gast.Load())
            checks.append((_chain(live, *rest), obj, name))
        out = []
        for live, expected, label in checks:
            if not isinstance(expected, gast.AST):
                name = self.namer.fresh(f"{label}_at_transform")
                self.constants[name], expected = expected, load(name)
            out.append(if_(gast.Compare(left=live, ops=[gast.IsNot()], comparators=[expected]),
                           [gast.Expr(value=call("rebound", const(label)))]))
        params = [p for p in self.a.params if p in self.a.guarded]
        if params:
            tests = [gast.Compare(left=gast.Attribute(value=load(p), attr="__class__",
                                                      ctx=gast.Load()),
                                  ops=[gast.NotIn()], comparators=[load("SCALAR_TYPES")])
                     for p in params]
            test = tests[0] if len(tests) == 1 else gast.BoolOp(op=gast.Or(), values=tests)
            names = tuple_of(*[const(p) for p in params])
            values = tuple_of(*[load(p) for p in params])
            out.append(if_(test, [gast.Expr(value=call("not_scalars", names, values))]))
        return out

    def final_grad(self, param):
        if not isinstance(param, str):  # an element of *args, a keyword of **kwargs
            param, key = param
            d = load(self.d(param)) if param in self.defined else const(0.0)
            return call("passed_grad", d, load(param), const(key))
        if param in self.defined:
            if param in self.a.scalar and not self.complex_possible:
                return load(self.d(param))  # a float (as_grad would take a complex's real part)
            return call("as_grad", load(self.d(param)), load(param))
        if param in self.a.scalar:
            return const(0.0)
        return call("as_grad", const(0.0), load(param))

    @property
    def tape(self):
        return self._name("_tape", "tape")

    @property
    def push(self):
        return self._name("_push", "push")

    @property
    def pop(self):
        return self._name("_pop", "pop")

    def _name(self, attr, base):
        if not hasattr(self, attr):
            setattr(self, attr, self.namer.fresh(base))
        return getattr(self, attr)

    # adjoint sweep -------------------------------------------------------------------

    def adjoint_block(self, stmts, key):
        out = []
        if key is not None and self.loop_depth:
            slot = _PopSlot(value=const(None))
            slot.key = key
            out.append(slot)
        for stmt in reversed(stmts):
            out += self.adjoint_stmt(stmt)
        return out

    def adjoint_stmt(self, s):
        if getattr(s, "list_update", None):
            return self.adjoint_update(s)
        if isinstance(s, gast.Assign):
            if isinstance(s.targets[0], gast.Subscript):
                return self.adjoint_write(s)
            return self.adjoint_assign(s)
        if isinstance(s, gast.If):
            return [] if _is_loop_exit(s) else self.adjoint_if(s)
        if isinstance(s, (gast.For, gast.While)):
            return self.adjoint_loop(s)
        return []

    def adjoint_assign(self, s):
        name = s.targets[0].id
        out: list = []
        if getattr(s, "phi", False):
            if name in self.defined:
                if self.active(s.value):
                    self.contribute(s.value.id, load(self.d(name)), False, out)
                # The value before this copy is another value: its gradient starts at
                # zero (materialized at the end of the loop body if nothing flows in).
                self.defined.discard(name)
            return out
        op = self.a.op(s)
        if name in self.a.shapes.shift_constants and self.active(op.inputs["a"]):
            return [comment(f"# {name}: a shift the function takes back, gradient exactly 0")]
        if op.kind == "method" and name in self.a.active:
            self.method_site(s, op)  # run through its transform even when nothing flows back
        if op.kind == "call" and name in self.a.active and name not in self.defined:
            # no gradient reaches the result, but the callee receives a value being
            # differentiated: it is transformed, so what it does to its arguments or to
            # module state is checked like f itself (and refused where it would mislead)
            self.calls(op.callee, self.call_params(op)[0], self.call_params(op)[1])
        if name not in self.defined or name not in self.a.active:
            return out
        g = load(self.d(name))
        if op.kind == "copy":
            if self.active(s.value):
                self.contribute(s.value.id, g, False, out)
        elif op.kind == "rule" and op.rule.joint \
                and sum(self.active(atom) for atom in op.inputs.values()) > 1:
            self.adjoint_joint(op, g, load(name), out)
        elif op.kind == "rule":
            lists = {p for p, v in op.bound.items()  # arguments that may be Python lists
                     if isinstance(v, gast.Name) and not self.is_scalar(v)
                     and not self.a.shapes.numpy_value(v)}
            for param, atom in op.inputs.items():
                if not self.active(atom):
                    continue
                mapping = {p: (v if isinstance(v, gast.AST) else const(v))
                           for p, v in op.bound.items()}
                mapping["g"] = g
                mapping["ans"] = load(name)
                expr = substitute(op.rule.template(param, lists), mapping)
                self.constants.update(op.rule.functions)
                if param in op.rule.broadcast and not self.a.shapes.same_shape(
                        name, atom.id) and not all(self.is_scalar(op.bound[q])
                                                   for q in op.rule.broadcast if q != param):
                    expr = call("unbroadcast", expr, load(atom.id))
                if self.defer(atom.id, expr, out):
                    continue
                fresh = isinstance(expr, (gast.BinOp, gast.UnaryOp))
                self.contribute(atom.id, expr, fresh, out)
        elif op.kind == "index":
            base = op.inputs["x"]
            if self.active(base) and self.optimize and _only_new_axes(s.value.slice):
                self.contribute(base.id, call("reshape_like", g, load(base.id)), False, out)
            elif self.active(base):
                dbase = self.d(base.id)
                current = load(dbase) if base.id in self.defined else const(0.0)
                out.append(assign(dbase, call("accum_index", current, load(base.id),
                                              _index_expr(_clone(s.value.slice)), g)))
                self.defined.add(base.id)
        elif op.kind == "attr":
            base = op.inputs["x"]
            if self.active(base):
                dbase = self.d(base.id)
                current = load(dbase) if base.id in self.defined else const(0.0)
                where = self.namer.fresh(f"{op.bound['name']}_read_at")
                self.constants[where] = self.a.parsed.location.describe(s)
                out.append(assign(dbase, call("accum_attr", current, load(base.id),
                                              const(op.bound["name"]), g, load(where))))
                self.defined.add(base.id)
        elif op.kind == "call":
            self.adjoint_call(s, op, g, out)
        elif op.kind == "super":  # the gradient of super() is that of the object
            if self.active(op.inputs["x"]):
                self.contribute(op.inputs["x"].id, g, False, out)
        elif op.kind == "construct":
            for param, atom in op.inputs.items():
                if self.active(atom):
                    attrs = tuple_of(*[const(a) for a in op.bound["fields"][param]])
                    self.contribute(atom.id, call("field_grad", g, load(name), attrs), False,
                                    out)
        elif op.kind == "method":
            parts = [self.namer.fresh(f"d{op.inputs[k].id}_{op.bound['name'].strip('_')}")
                     for k in self.method_site(s, op)]
            out.append(assign(tuple_of(*[store(n) for n in parts], ctx=gast.Store()),
                              call("method_backward", load(self.call_records[id(s)]), g)))
            for k, part in zip(self.method_site(s, op), parts):
                self.contribute(op.inputs[k].id, load(part), False, out)
        elif op.kind == "pack":
            for i, elt in op.inputs.items():
                if self.active(elt):
                    key = _clone(op.bound[i]) if op.bound else const(i)  # dicts: the key
                    self.contribute(elt.id, call("item_grad", g, key), False, out)
        self.defined.discard(name)
        return out

    def adjoint_joint(self, op, g, ans, out):
        """A rule returning the gradients of all its parameters at once (a custom rule):
        called once, its results unpacked and handed to the active arguments."""
        mapping = {p: (v if isinstance(v, gast.AST) else const(v)) for p, v in op.bound.items()}
        mapping.update(g=g, ans=ans)
        self.constants.update(op.rule.functions)
        unused = None
        targets = []
        for p in op.rule.signature.parameters:
            atom = op.inputs.get(p)
            if self.active(atom):
                targets.append(self.namer.fresh(f"d{atom.id}_{op.name.split('.')[-1]}"))
            else:
                unused = unused or self.namer.fresh("unused")
                targets.append(unused)
        out.append(assign(tuple_of(*[store(n) for n in targets], ctx=gast.Store()),
                          substitute(quote(op.rule.joint), mapping)))
        for p, target in zip(op.rule.signature.parameters, targets):
            if self.active(op.inputs.get(p)):
                self.contribute(op.inputs[p].id, load(target), False, out)

    def adjoint_call(self, s, op, g, out):
        """y = h(args) for a Python function h: h's own backward function hands back the
        gradients of the parameters that received active arguments."""
        params, static = self.call_params(op)
        if not params:
            return
        forward, backward = self.calls(op.callee, params, static)
        name = s.targets[0].id
        record = self.call_records.setdefault(id(s), self.namer.fresh(f"{name}_record"))
        forward_name = self.namer.fresh(f"{op.callee.__name__}_forward")
        backward_name = self.namer.fresh(f"{op.callee.__name__}_backward")
        self.constants[forward_name] = forward
        self.constants[backward_name] = backward
        self.call_forward[id(s)] = forward_name
        callee = op.callee.__name__
        parts = [self.namer.fresh(f"d{op.inputs[p].id}_{callee}" if p in op.bound
                                  else f"d{p}_{callee}") for p in params]
        out.append(assign(tuple_of(*[store(n) for n in parts], ctx=gast.Store()),
                          call(backward_name, load(record), g)))
        for p, part in zip(params, parts):
            if p in op.bound:
                self.contribute(op.inputs[p].id, load(part), False, out)
        spread = [k for k in ("*", "**") if self.active(op.inputs.get(k))]
        if spread:  # g(a, *P, **M): the gradients of what P and M filled, back to them
            layout = self.namer.fresh(f"{callee}_layout")
            self.constants[layout] = op.spread
            filled = dict(zip(params, parts))
            grads = gast.Dict(keys=[const(p) for p in filled if p not in op.bound],
                              values=[load(n) for p, n in filled.items() if p not in op.bound])
            received = [self.namer.fresh(f"d{op.inputs[k].id}_{callee}" if k in spread
                                         else "unused") for k in ("*", "**")]
            out.append(assign(tuple_of(*[store(n) for n in received], ctx=gast.Store()),
                              call("spread_grads", grads, load(layout),
                                   *[op.inputs[k] if k in op.inputs else const(None)
                                     for k in ("*", "**")])))
            for k, name in zip(("*", "**"), received):
                if k in spread:
                    self.contribute(op.inputs[k].id, load(name), False, out)

    def method_site(self, s, op) -> tuple:
        """The active inputs of a method call (or call of an object), resolved when it
        runs (objects.py); the primal gets `y, y_record = method_forward(site, obj, ...)`."""
        active = tuple(k for k, atom in op.inputs.items() if self.active(atom))
        if id(s) not in self.call_records:
            from ..runtime.objects import CallSite

            name = s.targets[0].id
            self.call_records[id(s)] = self.namer.fresh(f"{name}_record")
            site = self.namer.fresh(f"{op.inputs['self'].id}_{op.bound['name'].strip('_')}_site")
            self.constants[site] = CallSite(op.bound["name"], active, self.optimize,
                                            self.a.parsed.location.describe(s), op.name)
            receiver = op.inputs["self"]
            self.call_forward[id(s)] = "method_forward"
            self.method_prefix[id(s)] = [load(site), _clone(receiver)]
        return active

    def call_params(self, op):
        """(the callee's parameters that receive active arguments, the functions passed to
        it as arguments, known now) for a call of a Python function. The parameters a
        spread `*P` or `**M` that is differentiated may fill all count."""
        params = [p for p, atom in op.inputs.items()
                  if p not in ("*", "**") and self.active(atom)]
        for key in ("*", "**"):
            if self.active(op.inputs.get(key)):
                params += [p for p in op.spread[key] if p not in params]
        params = tuple(params)
        static = {}
        for p, atom in op.inputs.items():
            if p in ("*", "**"):
                continue
            obj = self.known_function(atom)
            if obj is not None:
                static[p] = obj
        return params, static

    def known_function(self, atom):
        """The function an argument certainly is at transform time (a global or module
        function, possibly through a temporary), or None."""
        if not isinstance(atom, gast.Name):
            return None
        if atom.id in self.a.parsed.static:
            return self.a.parsed.static[atom.id]
        obj = MISSING
        if atom.id not in self.a.locals:
            obj = self.a.parsed.lookup(atom.id)
        else:
            defs = self.a.defs.get(atom.id, [])
            if len(defs) == 1 and isinstance(defs[0].value, (gast.Name, gast.Attribute)):
                obj = self.a.resolve(defs[0].value)
        if obj is MISSING or not callable(obj) or isinstance(obj, type):
            return None
        return obj

    def defer(self, name, expr, out) -> bool:
        """A loop adding matrix-product gradients into a loop-invariant matrix records
        the factors instead, and forms their sum after the loop as one product; one
        adding `part * 0.002` sums the parts and multiplies once, after the loop."""
        if not self.optimize or not self.deferrable or name not in self.deferrable[-1]:
            return False
        if isinstance(expr, gast.BinOp) and isinstance(expr.op, gast.Mult):
            for part, factor in ((expr.left, expr.right), (expr.right, expr.left)):
                if isinstance(factor, gast.Constant) and type(factor.value) in (int, float):
                    key = (name, ("scaled", factor.value))
                    total = self.deferred[-1].get(key)
                    if total is None:
                        total = self.deferred[-1][key] = self.namer.fresh(f"d{name}_unscaled")
                    out.append(gast.AugAssign(target=store(total), op=gast.Add(), value=part))
                    return True
            return False
        if not isinstance(expr, gast.Call) or not isinstance(expr.func, gast.Name) \
                or expr.func.id not in DEFERRED:
            return False
        summed, other = DEFERRED[expr.func.id]
        factor = expr.args[other]
        if isinstance(factor, gast.Name) and factor.id in self.shares_memory:
            return False  # its value may change (a buffer's slot is restored) before the sum
        parts = self.deferred[-1].get((name, summed))
        if parts is None:
            parts = self.deferred[-1][(name, summed)] = self.namer.fresh(f"d{name}_parts")
        pair = tuple_of(expr.args[0], expr.args[other])
        out.append(gast.Expr(value=call(gast.Attribute(value=load(parts), attr="append",
                                                       ctx=gast.Load()), pair)))
        # every PARTS_KEPT pairs, their sum is added and the list emptied: the pairs of a
        # long loop are never all kept at once
        out.append(if_(gast.Compare(left=call("len", load(parts)), ops=[gast.Eq()],
                                    comparators=[const(PARTS_KEPT)]), [
            assign(self.d(name), binop(load(self.d(name)), gast.Add(),
                                       call(summed, load(parts), load(name)))),
            gast.Expr(value=call(gast.Attribute(value=load(parts), attr="clear",
                                                ctx=gast.Load())))]))
        return True

    def adjoint_write(self, s):
        target = s.targets[0]
        base = target.value.id
        out: list = []
        index = _index_expr(_clone(target.slice))
        if base in self.defined and base in self.a.active:
            taken = call("take_slot_grad", load(self.d(base)), index)
            if self.active(s.value):
                slot = self.namer.fresh(f"d{s.value.id}_slot")
                out.append(assign(tuple_of(store(slot), store(self.d(base)), ctx=gast.Store()),
                                  taken))
                expr = call("unbroadcast", load(slot), load(s.value.id))
                self.contribute(s.value.id, expr, False, out)
            else:
                out.append(assign(tuple_of(store("_"), store(self.d(base)), ctx=gast.Store()),
                                  taken))
        saved = self.saved.setdefault(id(s), self.namer.fresh(f"{base}_old"))
        if base in self.a.dicts:  # the write may have added the key: remove it again
            restore = call("restore_slot", load(base), _clone(index), load(saved))
            if base in self.defined and base in self.a.active:
                restore.args.append(load(self.d(base)))
                out.append(assign(self.d(base), restore))
            else:
                out.append(gast.Expr(value=restore))
            return out
        out.append(assign(gast.Subscript(value=load(base), slice=_clone(target.slice),
                                         ctx=gast.Store()), load(saved)))
        return out

    def adjoint_update(self, s):
        """values.append(v) / values.extend(vs): hand the last elements' gradients to v
        (or vs) and take them off, then take the elements off the list itself.
        values.pop(i): put the element back."""
        base = s.value.func.value.id
        item = s.value.args[0]
        if s.list_update == "pop":  # give the slot back (its gradient comes from the read)
            out: list = []
            if base in self.defined and base in self.a.active:
                out.append(assign(self.d(base), call("pop_grad", load(self.d(base)),
                                                     load(base), _clone(item))))
            out.append(gast.Expr(value=call("undo_pop", load(base), _clone(item),
                                            load(s.popped.targets[0].id))))
            return out
        count = const(1) if s.list_update == "append" else \
            load(self.saved.setdefault(id(s), self.namer.fresh(f"{base}_added")))
        out: list = []
        if base in self.defined and base in self.a.active:
            taken = call("take_last_grads", load(self.d(base)), count)
            part = self.namer.fresh(f"d{item.id}_item") if self.active(item) else "_"
            out.append(assign(tuple_of(store(part), store(self.d(base)), ctx=gast.Store()),
                              taken))
            if self.active(item):
                self.contribute(item.id, load(part), False, out)
        out.append(gast.Expr(value=call("undo_append", load(base), _clone(count))))
        return out

    def adjoint_if(self, s):
        if getattr(s, "block", None) == "with":  # the body always ran: so does its adjoint,
            # outside the manager, under the floating-point error state the body saw
            # (np.errstate(...) in f covers the adjoint too)
            body = self.adjoint_block(s.body, (id(s), 0))
            if not _has_code(body):
                return body
            s.fp_state = self.namer.fresh("fp_state")
            state = call("np.errstate")
            state.keywords = [gast.keyword(arg=None, value=load(s.fp_state))]
            pops = [b for b in body if isinstance(b, _PopSlot)]
            return pops + [gast.With(items=[gast.withitem(context_expr=state,
                                                          optional_vars=None)],
                                     body=[b for b in body if not isinstance(b, _PopSlot)],
                                     type_comment=None)]
        before = set(self.defined)
        body = self.adjoint_block(s.body, (id(s), 0))
        after_body = self.defined
        self.defined = set(before)
        orelse = self.adjoint_block(s.orelse, (id(s), 1))
        after_else = self.defined
        merged = after_body | after_else
        self.defined = merged
        if not _has_code(body) and not _has_code(orelse):
            return []
        body += [assign(self.d(v), const(0.0)) for v in sorted(merged - after_body)]
        orelse += [assign(self.d(v), const(0.0)) for v in sorted(merged - after_else)]
        if not _has_code(body):
            return [if_(not_(_clone(s.test)), orelse)]
        return [if_(_clone(s.test), body, orelse)]

    def _needs_adjoint(self, loop) -> bool:
        for s in walk(loop):
            if getattr(s, "list_update", None):
                return True  # its list must be restored
            if isinstance(s, gast.Assign):
                target = s.targets[0]
                if isinstance(target, gast.Subscript) or target.id in self.a.active:
                    return True
        return False

    def adjoint_loop(self, s):
        if not self._needs_adjoint(s):
            return []
        assigned = _stored(s.body)
        phis = set(s.phis)
        touched = set()
        for sub in walk(s):
            if getattr(sub, "list_update", None):
                touched.add(sub.value.func.value.id)
                touched.add(sub.value.args[0].id if isinstance(sub.value.args[0], gast.Name)
                            else None)
                continue
            if not isinstance(sub, gast.Assign):
                continue
            target = sub.targets[0]
            if isinstance(target, gast.Subscript):
                touched.add(target.value.id)
                if isinstance(sub.value, gast.Name):
                    touched.add(sub.value.id)
            else:
                touched |= set(self.a._inputs(sub))
        touched = {v for v in touched if v in self.a.active and v not in assigned} \
            | (phis & self.a.active)
        pre = []
        for v in sorted(touched - self.defined):
            pre.append(assign(self.d(v), const(0.0)))
            self.defined.add(v)
        # Gradients of values the loop only reads accumulate in place, on a private copy.
        new_accumulators = touched - phis - self.accumulators - self.listy \
            if self.optimize else set()
        for v in sorted(new_accumulators):
            if v not in self.a.scalar and not any(
                    isinstance(p, gast.Assign) and p.targets[0].id == self.d(v)
                    and isinstance(p.value, gast.Constant) for p in pre):
                pre.append(assign(self.d(v), call("owned", load(self.d(v)))))
        self.accumulators |= new_accumulators
        self.loop_phis.append(phis)
        self.loop_depth += 1
        self.deferrable.append(new_accumulators)
        self.deferred.append({})
        body = self.adjoint_block(s.body, ("loop", id(s)))
        self.deferrable.pop()
        deferred = self.deferred.pop()
        self.accumulators -= new_accumulators
        for v in sorted((phis & self.a.active) - self.defined):
            body.append(assign(self.d(v), const(0.0)))
            self.defined.add(v)
        self.loop_depth -= 1
        self.loop_phis.pop()
        self.defined = {v for v in self.defined if v not in assigned or v in phis}
        header = _LoopHeader(target=store("_"), iter=const(None), body=body, orelse=[],
                             type_comment=None)
        header.loop = s
        self.adjoint_loops[id(s)] = header
        after = []
        for (name, summed), parts in deferred.items():
            if isinstance(summed, tuple):  # ("scaled", factor): sum, then multiply once
                pre.append(assign(parts, const(0.0)))
                after.append(gast.AugAssign(target=store(self.d(name)), op=gast.Add(),
                                            value=binop(load(parts), gast.Mult(),
                                                        const(summed[1]))))
                continue
            pre.append(assign(parts, gast.List(elts=[], ctx=gast.Load())))
            after.append(gast.AugAssign(target=store(self.d(name)), op=gast.Add(),
                                        value=call(summed, load(parts), load(name))))
        return pre + [header] + after

    def fill_pops(self, stmts):
        """Replace pop placeholders by the pops matching what the primal pushed."""
        out = []
        for s in stmts:
            if isinstance(s, _PopSlot):
                names = self.pushes.get(s.key)
                if names:
                    target = store(names[0]) if len(names) == 1 else \
                        tuple_of(*[store(n) for n in names], ctx=gast.Store())
                    out.append(assign(target, call(self.pop)))
                continue
            if isinstance(s, (gast.If, gast.For, gast.While, gast.With)):
                s.body = self.fill_pops(s.body) or [gast.Pass()]
                s.orelse = self.fill_pops(getattr(s, "orelse", []))
            if isinstance(s, _LoopHeader):
                s = self.loop_header(s)
            out.append(s)
        return out

    def loop_header(self, header):
        """The adjoint loop: over the loop's saved records, popped from the last, else
        over its range in reverse, else as many times as the primal loop ran."""
        loop = header.loop
        mode, names = self.loop_modes[id(loop)]
        if mode == "record":  # each record is popped: its memory goes as it is used
            target = store(names[1][0]) if len(names[1]) == 1 else \
                tuple_of(*[store(n) for n in names[1]], ctx=gast.Store())
            pop = call(gast.Attribute(value=load(names[0]), attr="pop", ctx=gast.Load()))
            return gast.While(test=load(names[0]), body=[assign(target, pop), *header.body],
                              orelse=[])
        elif mode == "range":
            target, iterable = store(loop.target.id), call("reversed", load(loop.iter.id))
        else:
            target, iterable = store(self.namer.fresh("rep")), call("range", load(names))
        return gast.For(target=target, iter=iterable, body=header.body, orelse=[],
                        type_comment=None)

    # primal sweep --------------------------------------------------------------------

    def instrument(self, stmts, key, in_loop, needed, loop=None):
        out, defs = [], []
        for s in stmts:
            if getattr(s, "list_update", None) == "extend" and id(s) in self.saved:
                count = self.saved[id(s)]  # how many elements extend adds
                out.append(assign(count, call("len", _clone(s.value.args[0]))))
                defs.append(count)
                out.append(s)
            elif isinstance(s, gast.Assign):
                target = s.targets[0]
                if isinstance(target, gast.Subscript):
                    saved = self.saved.get(id(s))
                    if saved:
                        helper = "save_float_slot" if self.active(s.value) else "save_slot"
                        out.append(assign(saved, call(helper, load(target.value.id),
                                                      _index_expr(_clone(target.slice)))))
                        defs.append(saved)
                elif not getattr(s, "phi", False):
                    defs.append(target.id)
                if id(s) in self.call_records:  # y, y_record = h_forward(args)
                    record = self.call_records[id(s)]
                    s.targets = [tuple_of(store(target.id), store(record), ctx=gast.Store())]
                    s.value = gast.Call(func=load(self.call_forward[id(s)]),
                                        args=self.method_prefix.get(id(s), []) + s.value.args,
                                        keywords=s.value.keywords)
                    defs.append(record)
                message = getattr(s, "must_not_be_view", None)
                if message:  # the text lives in a constant, not in the printed code
                    name = self.namer.fresh("may_share_memory")
                    self.constants[name] = message
                checked = getattr(s, "checked_name", None)
                if message and checked:  # check the operand before an augmented assignment
                    out.append(gast.Expr(value=call("not_shared", load(checked), load(name))))
                if isinstance(s.value, gast.Name) and s.value.id in self.unbound and not any(
                        getattr(s, flag, False) for flag in ("phi", "is_return", "sentinel")):
                    # the user's `o = w` (or `b[i] = w`) of a variable that may be unset:
                    # Python's read of w raises there, even when o is never used
                    out.append(gast.Expr(value=call("check_bound", load(s.value.id))))
                out.append(s)
                if message and not checked:  # check the value read
                    out.append(gast.Expr(value=call("not_a_view", load(target.id),
                                                    load(name))))
            elif isinstance(s, gast.If) and getattr(s, "block", None):
                out += self.instrument_block(s, in_loop, needed, defs)
            elif isinstance(s, gast.If) and not _is_loop_exit(s):
                s.body = self.instrument(s.body, (id(s), 0), in_loop, needed)
                s.orelse = self.instrument(s.orelse, (id(s), 1), in_loop, needed)
                defs += s.merges
                out.append(s)
            elif isinstance(s, (gast.For, gast.While)):
                s.body = self.instrument(s.body, ("loop", id(s)), True, needed, loop=s)
                out += self.hoist(s)
                mode, names = self.loop_modes.get(id(s), (None, None))
                if mode == "record":
                    out.append(assign(names[0], gast.List(elts=[], ctx=gast.Load())))
                    defs.append(names[0])
                    needed.add(names[0])
                elif mode == "count":
                    out.append(assign(names, const(0)))
                    s.body.insert(0, assign(names, binop(load(names), gast.Add(), const(1))))
                    defs.append(names)
                    needed.add(names)
                elif mode == "range":
                    needed.add(s.iter.id)
                defs += s.phis
                out.append(s)
            else:
                out.append(s)
        if not in_loop:
            return out
        if loop is not None:  # a loop name with no value before the loop is never read inside
            defs += [p for p in loop.phis if p not in loop.uninitialized]
        names = [n for n in dict.fromkeys(defs) if n in needed and n not in self.stable]
        if loop is not None:
            target = loop.target.id if isinstance(loop, gast.For) else None
            if target in needed and (names or _counts_its_trips(loop)):
                names.append(target)
            if self.adjoint_loops.get(id(loop)) is None:
                return out  # the adjoint never revisits this loop
            if not names:
                self.loop_modes[id(loop)] = ("count", self.namer.fresh("trips")) \
                    if _counts_its_trips(loop) else ("range", None)
                return out
            record = self.namer.fresh("saved")
            self.loop_modes[id(loop)] = ("record", (record, names))
        if not names:
            return out
        value = load(names[0]) if len(names) == 1 else tuple_of(*[load(n) for n in names])
        if loop is not None:
            push = gast.Expr(value=call(gast.Attribute(value=load(record), attr="append",
                                                       ctx=gast.Load()), value))
        else:
            self.pushes[key] = names
            push = gast.Expr(value=call(self.push, value))
        at = len(out)
        if loop is not None:
            while at and (_is_loop_exit(out[at - 1]) or (
                    getattr(out[at - 1], "phi", False) and out[at - 1].targets[0].id
                    in loop.phis)):
                at -= 1
        out.insert(at, push)
        return out


    def instrument_block(self, s, in_loop, needed, defs) -> list:
        """The primal of a `with` or `try` block (an `if` marked by normalize, which codegen
        prints as the block). A with body sets a flag when it ends: a manager that swallowed
        an exception midway (contextlib.suppress) is refused after the block. A try sets
        its flag (the branch decision the adjoint re-takes) to True before and False in the
        except clause, which also drops what the body pushed on the tape before failing."""
        pushed_before = set(self.pushes)
        s.body = self.instrument(s.body, (id(s), 0), in_loop, needed)
        pushed_inside = set(self.pushes) - pushed_before - {(id(s), 0)}
        s.orelse = self.instrument(s.orelse, (id(s), 1), in_loop, needed)
        defs += getattr(s, "merges", [])
        where = self.a.parsed.location.describe(s)
        if s.block == "with":
            done, message = self.namer.fresh("body_done"), self.namer.fresh("with_at")
            self.constants[message] = where
            s.body.append(assign(done, const(True)))
            if hasattr(s, "fp_state"):
                s.body.append(assign(s.fp_state, call("np.geterr")))
                defs.append(s.fp_state)
            return [assign(done, const(False)), s,
                    if_(not_(load(done)), [gast.Expr(value=call("manager_swallowed",
                                                                 load(message)))])]
        flag = s.test.id
        defs.append(flag)
        out = [assign(flag, const(True))]
        if s.caught is None:  # the except clause names what it caught, to check it
            s.caught = self.namer.fresh("caught")
        if s.catch is None:
            s.catch = load("BaseException")
        # pullback's own refusals at run time are never the user's to catch
        handler = [assign(flag, const(False)),
                   gast.Expr(value=call("raise_own", load(s.caught)))]
        if pushed_inside:  # pushes made before the exception: no adjoint pops them
            mark = self.namer.fresh("tape_mark")
            out.append(assign(mark, call("len", load(self.tape))))
            handler.append(gast.Delete(targets=[gast.Subscript(
                value=load(self.tape), slice=gast.Slice(lower=load(mark), upper=None,
                                                        step=None), ctx=gast.Del())]))
        s.orelse = handler + s.orelse
        return out + [s]

    def mark_what_may_raise(self, primal) -> None:
        """The user's statements, except copies and +, -, * on numbers, may raise (an
        IndexError, a shape mismatch, a division by zero): the optimizing pass keeps them
        even when nothing reads their value, so the gradient fails where f fails."""
        for s in (n for n in walk(gast.Module(body=primal, type_ignores=[]))
                  if isinstance(n, gast.Assign)):
            value = s.value
            safe = getattr(s, "sentinel", False) or isinstance(
                value, (gast.Name, gast.Constant)) or (
                isinstance(value, gast.BinOp)
                and isinstance(value.op, (gast.Add, gast.Sub, gast.Mult))
                and self.is_scalar(value.left) and self.is_scalar(value.right)) or (
                isinstance(value, gast.UnaryOp) and isinstance(value.op, gast.USub)
                and self.is_scalar(value.operand))
            if safe and not getattr(s, "sentinel", False) and any(
                    isinstance(n, gast.Name) and n.id in self.unbound for n in walk(value)):
                safe = False  # a read of a variable that may be unset raises in Python
            s.may_raise = not safe

    def hoist(self, loop) -> list:
        """Take out of the loop's body the arithmetic on scalars that gives the same value
        in every iteration (`c = 0.002 * a`): computed once before the loop, where it
        cannot raise (+, -, * on numbers) even if the loop runs no iteration."""
        if not self.optimize:
            return []
        inside = _stored(loop.body) | ({loop.target.id} if isinstance(loop, gast.For)
                                       else set())
        hoisted, moved = [], set()
        for t in list(loop.body):
            if not (isinstance(t, gast.Assign) and isinstance(t.targets[0], gast.Name)
                    and t.targets[0].id in self.stable and not getattr(t, "phi", False)):
                continue
            value = t.value
            operands = [value.left, value.right] if isinstance(value, gast.BinOp) and \
                isinstance(value.op, (gast.Add, gast.Sub, gast.Mult)) else \
                [value.operand] if isinstance(value, gast.UnaryOp) and \
                isinstance(value.op, gast.USub) else None
            if operands is None or not all(self.is_scalar(o) for o in operands) or any(
                    isinstance(o, gast.Name) and o.id in inside and o.id not in moved
                    for o in operands):
                continue
            loop.body.remove(t)
            hoisted.append(t)
            moved.add(t.targets[0].id)
        if not loop.body:
            loop.body = [gast.Pass()]
        return hoisted


def _free_names(stmts) -> set[str]:
    """Names the statements read before (definitely) assigning them."""
    free: set[str] = set()

    def scan(block, bound):
        bound = set(bound)
        for s in block:
            if isinstance(s, gast.With):  # the adjoint of a with body
                free.update(n.id for item in s.items for n in walk(item)
                            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)
                            and n.id not in bound)
                scan(s.body, bound)
                bound |= _stored(s.body)
                continue
            if isinstance(s, (gast.If, gast.For, gast.While)):
                for part in (getattr(s, "test", None), getattr(s, "iter", None)):
                    if part is not None:
                        free.update(n.id for n in walk(part) if isinstance(n, gast.Name)
                                    and isinstance(n.ctx, gast.Load) and n.id not in bound)
                inner = bound | ({n.id for n in walk(s.target) if isinstance(n, gast.Name)}
                                 if isinstance(s, gast.For) else set())
                scan(s.body, inner)
                scan(s.orelse, bound)
                continue
            value = getattr(s, "value", None)
            loads = [n.id for n in walk(s) if isinstance(n, gast.Name)
                     and isinstance(n.ctx, gast.Load)] if value is not None or \
                isinstance(s, gast.AugAssign) else []
            free.update(n for n in loads if n not in bound)
            bound |= {n.id for n in walk(s) if isinstance(n, gast.Name)
                      and isinstance(n.ctx, gast.Store)}

    scan(stmts, set())
    return free


def _has_code(stmts) -> bool:
    return any(not isinstance(s, (_PopSlot, gast.Pass)) for s in stmts)


def reverse(tree, analysis, wrt, mode="grad", single=True, calls=None, optimize=True):
    """(the generated FunctionDef, or for mode "split" a Module holding the forward and
    backward functions; {name: object} the code refers to beyond helpers and globals).
    `calls(function, params)` gives the (forward, backward) cells of a Python function
    called with active arguments for `params`. Without `optimize`, the adjoint uses no
    shape facts, saves every loop value it reads, and accumulates by plain addition."""
    builder = Reverse(tree, analysis, wrt, mode, single, calls, optimize)
    out = builder.build()
    out.adjoint_of = {adjoint: name for name, adjoint in builder.adjoints.items()}  # emit/numba
    return out, builder.constants
