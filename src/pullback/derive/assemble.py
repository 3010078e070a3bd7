"""Assembly of the generated functions, for derive/reverse.py's `Reverse`.

`build` puts together the entry guards (one identity test per thing the code was
specialized on), the tape's setup, the instrumented primal, the result's checks, the
adjoint and the returned gradients (`final_grad`: in the user's terms). For calls from
other generated code, `build_split` makes a forward function returning (result, record)
and a backward function taking (record, gradient of the result).
"""

from __future__ import annotations

import gast
import numpy as np

from ..helpers import HELPERS, module_reads
from ..ir.annotations import (
    AT_EXIT,
    BLOCK,
    FP_STATE,
)
from ..ir.nodes import (
    assign,
    binop,
    call,
    clone,
    comment,
    const,
    if_,
    load,
    skeleton,
    store,
    stored_names,
    tuple_of,
    walk,
)


def _chain(head, *attrs):
    """`head.a.b` as an expression (head: a name or an expression)."""
    expr = load(head) if isinstance(head, str) else head
    for attr in attrs:
        expr = gast.Attribute(value=expr, attr=attr, ctx=gast.Load())
    return expr


def scalar_class_test(names):
    """`a.__class__ is not builtin_float and a.__class__ not in SCALAR_TYPES or ...`: true
    when one of `names` holds no real scalar. The same test as `not in SCALAR_TYPES` alone
    (float is one of them), with an identity test first for the common Python float,
    which costs a third of the set lookup on every call."""
    tests = [gast.BoolOp(op=gast.And(), values=[
        gast.Compare(left=_chain(n, "__class__"), ops=[gast.IsNot()],
                     comparators=[load("builtin_float")]),
        gast.Compare(left=_chain(n, "__class__"), ops=[gast.NotIn()],
                     comparators=[load("SCALAR_TYPES")])]) for n in names]
    return tests[0] if len(tests) == 1 else gast.BoolOp(op=gast.Or(), values=tests)


def _free_names(stmts) -> set[str]:
    """Names the statements read before (definitely) assigning them."""
    free: set[str] = set()
    _scan_free(stmts, set(), free)
    return free


def _scan_free(block, bound, free):
    """Adds to `free` the names `block` reads before assigning them, `bound` being bound
    already. (A function of its own, not a closure calling itself: that would be a
    reference cycle, leaving the trees it saw to the garbage collector.)"""
    bound = set(bound)
    for s in block:
        if isinstance(s, gast.With):  # the adjoint of a with body
            free.update(n.id for item in s.items for n in walk(item)
                        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)
                        and n.id not in bound)
            _scan_free(s.body, bound, free)
            bound |= stored_names(s.body)
            continue
        if isinstance(s, (gast.If, gast.For, gast.While)):
            for part in (getattr(s, "test", None), getattr(s, "iter", None)):
                if part is not None:
                    free.update(n.id for n in walk(part) if isinstance(n, gast.Name)
                                and isinstance(n.ctx, gast.Load) and n.id not in bound)
            inner = bound | ({n.id for n in walk(s.target) if isinstance(n, gast.Name)}
                             if isinstance(s, gast.For) else set())
            _scan_free(s.body, inner, free)
            _scan_free(s.orelse, bound, free)
            continue
        value = getattr(s, "value", None)
        loads = [n.id for n in walk(s) if isinstance(n, gast.Name)
                 and isinstance(n.ctx, gast.Load)] if value is not None or \
            isinstance(s, gast.AugAssign) else []
        free.update(n for n in loads if n not in bound)
        bound |= {n.id for n in walk(s) if isinstance(n, gast.Name)
                  and isinstance(n.ctx, gast.Store)}


class Assembly:
    """Whole generated functions (mixed into `Reverse`)."""

    def _never_an_array(self, name, seen=frozenset()) -> bool:
        """Whether `name` never holds an array with axes, so that grad's seed is 1.0:
        proven scalars, `X.shape[k]`, an element `h[k]` of an array `np.zeros(n)` (or
        ones, empty, full) of such a length, and arithmetic of these. Anything else may
        be an array of one element (`x @ w` of shape (1,)), whose seed is an array."""
        analysis = self.analysis
        if name in analysis.scalar:
            return True
        defs = analysis.defs.get(name, ())
        if name in seen or len(defs) != 1:
            return False
        seen = seen | {name}
        value = defs[0].value

        def known(node):  # (not calling itself: no reference cycle)
            while isinstance(node, gast.UnaryOp):
                node = node.operand
            if isinstance(node, gast.Constant):
                return isinstance(node.value, (int, float))
            return isinstance(node, gast.Name) and self._never_an_array(node.id, seen)

        if isinstance(value, gast.Name):
            return known(value)
        if isinstance(value, gast.BinOp):
            return not isinstance(value.op, gast.MatMult) and known(value.left) \
                and known(value.right)
        if isinstance(value, gast.UnaryOp):
            return known(value)
        if isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name) and \
                known(value.slice) and len(analysis.defs.get(value.value.id, ())) == 1:
            source = analysis.defs[value.value.id][0]
            if isinstance(source.value, gast.Attribute):
                return source.value.attr == "shape"
            return analysis.op(source).callee in (np.zeros, np.ones, np.empty, np.full) \
                and len(source.value.args) >= 1 and known(source.value.args[0])
        return False

    def _only_maybe_complex(self, result) -> bool:
        """Whether grad checks its result only because it may be complex (a proven
        scalar, set on every path): the check is then the seed's `result_seed`, so that
        the printed gradient keeps its `dout = ...` line and grows no other."""
        analysis = self.analysis
        return result in analysis.scalar and result in analysis.active \
            and result not in self.unbound and not analysis.may_be_bool(result)

    def build(self) -> gast.FunctionDef:
        tree = self.tree
        primal, ret = tree.body[:-1], tree.body[-1]
        at_exit = [s for s in primal if AT_EXIT.of(s)]  # write_back of inputs: run last
        primal = [s for s in primal if not AT_EXIT.of(s)] if at_exit else primal
        # (without statements run at exit, the primal's assignments are the analysis's:
        # the tree is f's as analysed)
        self.mark_what_may_raise(primal, None if at_exit else self.analysis.assigns)
        result = ret.value.id
        split = self.mode == "split"
        seed = self.namer.fresh("seed") if self.mode in ("vjp", "vjp_value") else None
        adjoint: list = []
        checks: list = []
        unbound = self.unbound
        check = None
        if self.mode in ("grad", "value_and_grad") and (
                result not in self.analysis.scalar or result not in self.analysis.active
                or result in unbound or self.analysis.may_be_bool(result)
                or not self.analysis.proven_real(result)):  # a complex number: refused
            check = "check_scalar"  # a constant result may be None or a bool: no derivative
        elif result in unbound:
            check = "check_bound"
        seed_call = None  # grad's seed, for a result that may be an array of one element
        if check == "check_scalar":
            where = self.namer.fresh("returned_at")  # the text lives in a constant
            self.constants[where] = self.analysis.returned_at()
            if self._never_an_array(result) and not self._only_maybe_complex(result):
                checks.append(gast.Expr(value=call(check, load(result), load(where))))
            elif result in self.analysis.active:
                seed_call = call("result_seed", load(result), load(where))
            else:
                checks.append(gast.Expr(value=call("result_seed", load(result), load(where))))
        elif check:  # an unset result raises Python's own UnboundLocalError
            checks.append(gast.Expr(value=call(check, load(result))))
        if seed and result not in self.analysis.active:  # the gradient is zero, the seed checked
            checks.append(gast.Expr(value=call("seed_for", load(seed), load(result))))
        if result in self.analysis.active:
            self.defined.add(result)
            if seed:
                adjoint.append(assign(self.grad_name(result), call("seed_for", load(seed),
                                                           load(result))))
            elif split:  # the gradient of the result arrives as a parameter
                if result in self.mutable:
                    dresult = self.grad_name(result)
                    adjoint.append(assign(dresult, call("owned", load(dresult))))
            else:
                adjoint.append(assign(self.grad_name(result), seed_call or const(1.0)))
            adjoint += self.adjoint_block(primal, None)
            self.drop_unread_restores(adjoint, at_exit)
        else:  # no gradient reaches the result, but a function receiving a value being
            # differentiated (called for its effect) is still transformed and checked
            for s in self.analysis.assigns:
                op = self.analysis.op(s) if isinstance(s.targets[0], gast.Name) else None
                active = op is not None and s.targets[0].id in self.analysis.active
                if active and op.kind == "call":
                    self.calls(op.callee, *self.call_params(op))
                elif active and op.kind == "method":
                    self.method_site(s, op)  # run through its transform, which checks it
        loops, made = False, set()
        for s in skeleton(tree):  # try flags (set as instrument prints it), fp states
            if BLOCK.of(s) == "try":
                made.add(s.test.id)
            if FP_STATE.on(s):
                made.add(FP_STATE.of(s))
            if s.__class__ is gast.For or s.__class__ is gast.While:
                loops = True
        # What the adjoint reads of the primal's names: what loops record (read by instrument
        # only inside loops) and what a split function's record holds; else not looked for.
        needed: set = set()
        if loops or split:
            # the names the primal assigns, and the parameters: without statements run at
            # exit, those the analysis found (the tree is f's as analysed; `return out`
            # assigns none)
            primal_names = (set(self.analysis.locals) if not at_exit else stored_names(primal)
                            | set(self.analysis.params)) | set(self.saved.values()) \
                | set(self.call_records.values()) | made
            read = self.adjoint_reads(adjoint)  # (and each loop header's, for instrument)
            needed = (read & primal_names) - self.recomputed
        primal = self.instrument(primal, None, False, needed)
        self.keep_recorded_views({n for mode, names in self.loop_modes.values()
                                  if mode in ("record", "checkpoint") for n in names[1]},
                                 adjoint)
        self.keep_recorded_views({n for names in self.pushes.values() for n in names})
        self.check_checkpointed()
        adjoint = self.fill_pops(adjoint)
        setup = []
        if self.pushes:
            setup = [assign(self.tape, gast.List(elts=[], ctx=gast.Load())),
                     assign(self.push, gast.Attribute(value=load(self.tape), attr="append",
                                                      ctx=gast.Load())),
                     assign(self.pop, gast.Attribute(value=load(self.tape), attr="pop",
                                                     ctx=gast.Load()))]
        if split:
            return self.build_split(primal, checks + at_exit, setup, adjoint, result, needed)
        self.complex_possible = self.analysis.complex_possible(
            {p if isinstance(p, str) else p[0] for p in self.wrt})
        grads = [self.final_grad(p) for p in self.wrt]
        grad_value = grads[0] if self.single else tuple_of(*grads)
        if self.mode in ("value_and_grad", "vjp_value"):  # (vjp_value: jacobian's)
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
        if at_exit:  # the gradient is shaped by the inputs as given: before write_back
            made = self.namer.fresh("returned")
            body += [assign(made, returned)] + at_exit
            returned = load(made)
        body.append(gast.Return(value=returned))
        args = clone(tree.args)
        if seed:
            seed_arg = gast.Name(id=seed, ctx=gast.Param(), annotation=None, type_comment=None)
            (args.posonlyargs if args.posonlyargs else args.args).insert(0, seed_arg)
        prefix = {"grad": "d", "value_and_grad": "value_and_d", "vjp": "vjp_",
                  "vjp_value": "vjp_"}[self.mode]
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
        grads = [load(self.grad_name(p)) if p in self.defined else const(0.0) for p in self.wrt]
        backward_code = adjoint + [gast.Return(value=tuple_of(*grads))]
        # the tape itself is recorded, not its `pop` (a bound method): the backward function
        # binds its own, so that both functions are valid input for pullback (higher order)
        free = _free_names(backward_code)
        taped = bool(self.pushes) and self.pop in free
        record = sorted((free & (needed | set(self.analysis.params))) - {self.pop}
                        | ({self.tape} if taped else set()))
        self.keep_recorded_views(set(record))
        top_level = stored_names([s for s in primal if isinstance(s, gast.Assign)]) | set(
            self.analysis.params) | {self.tape, self.push, self.pop}
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
        if taped:
            backward_body.append(assign(self.pop, gast.Attribute(
                value=load(self.tape), attr="pop", ctx=gast.Load())))
        backward_body += backward_code
        param = lambda n: gast.Name(id=n, ctx=gast.Param(), annotation=None,  # noqa: E731
                                    type_comment=None)
        backward_args = gast.arguments(args=[param(record_name), param(self.grad_name(result))],
                                       posonlyargs=[], vararg=None, kwonlyargs=[],
                                       kw_defaults=[], kwarg=None, defaults=[])
        self.name = forward_name
        self.names = (forward_name, backward_name)
        forward = gast.FunctionDef(name=forward_name, args=clone(tree.args), body=forward_body,
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
            self._unbound = self.analysis.maybe_unbound()
        return self._unbound

    def guards(self):
        """Entry checks for what the code was specialized on: the function's own code
        object and defaults, the objects behind the names and dotted names it calls,
        and parameters assumed to be scalars. Each is one identity test."""
        from ..lower.normalize import MODULE_GLOBALS

        func, args = self.analysis.parsed.func, self.tree.args
        own = f"{func.__qualname__}."
        checks = [(_chain("user_function", "__code__"), func.__code__, own + "__code__")]
        if args.defaults:  # the code runs with the defaults bound with it
            checks.append((_chain("user_function", "__defaults__"), load("defaults_at_bind"),
                           own + "__defaults__"))
        if any(d is not None for d in args.kw_defaults):
            checks.append((_chain("user_function", "__kwdefaults__"),
                           load("kwdefaults_at_bind"), own + "__kwdefaults__"))
        reads = module_reads(self.analysis.bindings, self.analysis.parsed.closure)
        for name, obj in sorted(self.analysis.bindings.items()):
            head, *rest = name.split(".")
            live = load(head)
            if head in HELPERS and head not in reads:  # the code reads the helper, not f's name
                if head in self.analysis.parsed.closure:
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
        params = [p for p in self.analysis.params if p in self.analysis.guarded]
        if params:
            names = tuple_of(*[const(p) for p in params])
            values = tuple_of(*[load(p) for p in params])
            out.append(if_(scalar_class_test(params),
                           [gast.Expr(value=call("not_scalars", names, values))]))
        entry, _ = self.analysis.real_checks()
        params = [p for p in self.analysis.params if p in entry]
        if params:  # math casts a NumPy complex scalar: one test, as for the scalars
            out.append(self.real_guard(params, [entry[p] for p in params]))
        written = [p for p in self.analysis.params if p in self.analysis.received_writes]
        if written:  # f sets attributes of objects it receives: reachable only so
            at = self.namer.fresh("written_at")
            self.constants[at] = tuple((*self.analysis.received_writes[p], tuple(
                self.analysis.held_lists.get(p, ()))) for p in written)
            roots = self.namer.fresh("global_objects")
            self.constants[roots] = tuple(
                v for k, v in sorted(self.analysis.bindings.items()) if "." not in k)
            others = [load(p) for p in self.analysis.params if p not in written]
            out.append(gast.Expr(value=call(
                "objects_apart", binop(tuple_of(*others), gast.Add(), load(roots)), load(at),
                *[load(p) for p in written])))
        entry, _ = self.analysis.operand_checks()
        params = [p for p in self.analysis.params if p in entry]
        if params:  # one test, as for the scalars
            at = self.namer.fresh("operators_at")
            self.constants[at] = tuple(entry[p] for p in params)
            tests = [gast.Compare(left=gast.Attribute(value=load(p), attr="__class__",
                                                      ctx=gast.Load()),
                                  ops=[gast.NotIn()], comparators=[load("OPERAND_TYPES")])
                     for p in params]
            test = tests[0] if len(tests) == 1 else gast.BoolOp(op=gast.Or(), values=tests)
            values = tuple_of(*[load(p) for p in params])
            out.append(if_(test, [gast.Expr(value=call("operands_of_user_class", values,
                                                       load(at)))]))
        return out

    def real_guard(self, names, wheres, params=True):
        """`if <scalar_class_test(a, ...)>: complex_to_math(...)`: values a
        `math` function takes are no NumPy complex scalars (analysis.real_checks says
        which; the helper lets what is not complex pass). The error names parameters
        only: other values are named by the line."""
        at = self.namer.fresh("math_at")
        self.constants[at] = tuple(wheres)
        return if_(scalar_class_test(names), [gast.Expr(value=call(
            "complex_to_math", tuple_of(*[const(n if params else "") for n in names]),
            tuple_of(*[load(n) for n in names]), load(at)))])

    def index_guard(self, name, at):
        """`if k.__class__ is not int: integer_index(k, at)`: a key from values being
        differentiated that reads an object carrying no gradient holds integers
        (analysis/refusals `_check_index`; runtime `integer_index` refuses anything else)."""
        return self._class_guard(name, gast.IsNot(), "builtin_int", "integer_index",
                                 "index_at", at)

    def operand_guard(self, name, where):
        """`if name.__class__ not in OPERAND_TYPES: operand_of_user_class(name, at)`: an
        operand an operator's rule differentiates is no object overloading operators
        (classify.operand_checks says which, objects.py refuses)."""
        return self._class_guard(name, gast.NotIn(), "OPERAND_TYPES", "operand_of_user_class",
                                 "operator_at", where)

    def _class_guard(self, name, op, expected, helper, label, where):
        """`if name.__class__ <op> <expected>: helper(name, <label>)`, `where` kept in the
        constant `label`: one class test on the common path, the helper refusing the rest."""
        at = self.namer.fresh(label)
        self.constants[at] = where
        test = gast.Compare(left=gast.Attribute(value=load(name), attr="__class__",
                                                ctx=gast.Load()),
                            ops=[op], comparators=[load(expected)])
        return if_(test, [gast.Expr(value=call(helper, load(name), load(at)))])

    def final_grad(self, param):
        if not isinstance(param, str):  # an element of *args, a keyword of **kwargs
            param, key = param
            d = load(self.grad_name(param)) if param in self.defined else const(0.0)
            return call("passed_grad", d, load(param), const(key))
        if param in self.defined:
            if param in self.analysis.scalar and not self.complex_possible:
                return load(self.grad_name(param))  # a float (as_grad: a complex's real part)
            return call("as_grad", load(self.grad_name(param)), load(param))
        if param in self.analysis.scalar:
            return const(0.0)
        return call("as_grad", const(0.0), load(param))
