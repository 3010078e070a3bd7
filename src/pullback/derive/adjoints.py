"""The adjoint of each statement kind, for derive/reverse.py's `Reverse`.

`adjoint_stmt` dispatches on the kind of a lowered statement: an assignment (a copy, a
rule, an index or attribute read, a call of a Python function or method, a construction,
a pack), an in-place write `x[i] = v`, a list update (append, extend, pop), a branch (or a
with/try block) and a loop. Each returns the adjoint statements, in the order they run,
and adds to `self.defined` the names whose gradients now hold a value. Guarantees:
- a contribution is added to an input's gradient only if the input is active;
- an in-place write hands the slot's gradient to the written value, zeroes the slot's
  gradient and restores the slot's old value; a list update undoes itself;
- a branch re-takes the recorded decision; a loop runs backwards over the same
  iterations (its header is a `LoopHeader`, filled once the primal's records are known,
  records.py), each block starting with a `PopSlot` for what its primal pushed.
"""

from __future__ import annotations

import gast

from ..frontend.parse import MISSING
from ..ir.annotations import (
    AUGMENTED,
    BLOCK,
    FP_STATE,
    FROM_PRIMAL,
    LIST_UPDATE,
    PHI,
    PHIS,
    POPPED,
    SENTINEL,
    Shared,
)
from ..ir.nodes import (
    assign,
    binop,
    call,
    clone,
    comment,
    const,
    if_,
    is_loop_exit,
    load,
    not_,
    quote_with,
    skeleton,
    store,
    tuple_of,
)


def index_expr(index, slice_name="slice"):
    """The value of a subscript index as an ordinary expression (slices as slice(...),
    called by `slice_name`: Namer.spelled_builtin's spelling of the builtin)."""
    if isinstance(index, gast.Slice):
        parts = [const(None) if p is None else p for p in (index.lower, index.upper, index.step)]
        return call(slice_name, *parts)
    if isinstance(index, gast.Tuple):
        return tuple_of(*[index_expr(e, slice_name) for e in index.elts])
    return index


def only_new_axes(index) -> bool:
    """An index that only inserts axes (`x[:, None]`, `x[None, ...]`): the result is x
    reshaped, and so is its gradient."""
    parts = index.elts if isinstance(index, gast.Tuple) else [index]
    full = [isinstance(p, gast.Slice) and p.lower is p.upper is p.step is None
            or isinstance(p, gast.Constant) and p.value is Ellipsis for p in parts]
    new = [isinstance(p, gast.Constant) and p.value is None for p in parts]
    return any(new) and all(f or n for f, n in zip(full, new))


def _atom_id(node):
    return node.id if isinstance(node, gast.Name) else None


class PopSlot(gast.Expr):
    """Placeholder for the pop at the start of an adjoint block (`key`: the block)."""

    def __init__(self, key):
        super().__init__(value=const(None))
        self.key = key


class LoopHeader(gast.For):
    """Placeholder for the adjoint of `loop`, whose header depends on what the primal
    saved."""

    def __init__(self, loop, body):
        super().__init__(target=store("_"), iter=const(None), body=body, orelse=[],
                         type_comment=None)
        self.loop = loop


def _has_code(stmts) -> bool:
    return any(not isinstance(s, (PopSlot, gast.Pass)) for s in stmts)


class Adjoints:
    """Adjoint code per statement kind (mixed into `Reverse`)."""

    def adjoint_block(self, stmts, key):
        out = []
        if key is not None and self.loop_depth:
            out.append(PopSlot(key))
        for stmt in reversed(stmts):
            made = self.adjoint_stmt(stmt)
            for adjoint in made:  # (the statements of a nested block already say theirs)
                if not FROM_PRIMAL.on(adjoint):
                    FROM_PRIMAL.set(adjoint, Shared(stmt))
            out += made
        return out

    def complex_gradients_possible(self) -> bool:
        """Whether f visibly makes complex values (a complex literal, `complex`, `np.fft`),
        asked once. (A real array's `+=` cannot take a complex gradient: such functions
        accumulate by `d = d + g`, and as_grad keeps the real part.)"""
        if self._complex_gradients is None:
            self._complex_gradients = False
            name, constant, attribute = gast.Name, gast.Constant, gast.Attribute
            for node in self.analysis.nodes:  # (gast's classes have no subclasses)
                cls = node.__class__
                if cls is name and "complex" in node.id \
                        or cls is constant and isinstance(node.value, complex) \
                        or cls is attribute and ("complex" in node.attr or node.attr == "fft"):
                    self._complex_gradients = True
                    break
        return self._complex_gradients

    def adjoint_stmt(self, s):
        if LIST_UPDATE.of(s):
            return self.adjoint_update(s)
        if isinstance(s, gast.Assign):
            if isinstance(s.targets[0], gast.Subscript):
                return self.adjoint_write(s)
            if id(s) in self.attribute_writes:
                return self.adjoint_attribute_write(s, *self.attribute_writes[id(s)])
            if id(s) in self.item_writes:
                return self.adjoint_item_write(*self.item_writes[id(s)])
            return self.adjoint_assign(s)
        if isinstance(s, gast.If):
            return [] if is_loop_exit(s) else self.adjoint_if(s)
        if isinstance(s, (gast.For, gast.While)):
            return self.adjoint_loop(s)
        return []

    def adjoint_assign(self, s):
        name = s.targets[0].id
        out: list = []
        if PHI.of(s):
            if name in self.defined:
                if self.active(s.value):
                    self.contribute(s.value.id, load(self.grad_name(name)), False, out)
                # The value before this copy is another value: its gradient starts at
                # zero (materialized at the end of the loop body if nothing flows in).
                self.defined.discard(name)
            return out
        op = self.analysis.op(s)
        if name in self.analysis.shapes.shift_constants and self.active(op.inputs["a"]):
            return [comment(f"# {name}: a shift the function takes back, gradient exactly 0")]
        if op.kind == "method" and name in self.analysis.active:
            self.method_site(s, op)  # run through its transform even when nothing flows back
        if op.kind == "call" and name in self.analysis.active and name not in self.defined:
            # no gradient reaches the result, but the callee receives a value being
            # differentiated: it is transformed, so what it does to its arguments or to
            # module state is checked like f itself (and refused where it would mislead)
            self.calls(op.callee, self.call_params(op)[0], self.call_params(op)[1])
        if name not in self.defined or name not in self.analysis.active:
            return out
        g = load(self.grad_name(name))
        if op.kind == "copy":
            if self.active(s.value):
                self.contribute(s.value.id, g, False, out)
        elif op.kind == "rule" and op.rule.joint \
                and sum(self.active(atom) for atom in op.inputs.values()) > 1:
            self.adjoint_joint(op, g, load(name), out)
        elif op.kind == "rule":
            # arguments that may be Python lists (asked only of rules reading them as arrays)
            lists = {p for p, v in op.bound.items()
                     if isinstance(v, gast.Name) and not self.is_scalar(v)
                     and not self.analysis.shapes.numpy_value(v)} if op.rule.arrays else ()
            mapping = None  # (the template's copy clones what it takes from it)
            for param, atom in op.inputs.items():
                if not self.active(atom):
                    continue
                if mapping is None:
                    mapping = {p: (v if isinstance(v, gast.AST) else const(v))
                               for p, v in op.bound.items()}
                    mapping["g"] = g
                    mapping["ans"] = load(name)
                expr = op.rule.instance(param, mapping, lists)
                self.constants.update(op.rule.functions)
                if param in op.rule.broadcast and not self.analysis.shapes.same_shape(
                        name, atom.id) and not all(self.is_scalar(op.bound[q])
                                                   for q in op.rule.broadcast if q != param):
                    expr = call("unbroadcast", expr, load(atom.id))
                if self.defer(atom.id, expr, out):
                    continue
                fresh = isinstance(expr, (gast.BinOp, gast.UnaryOp))
                self.contribute(atom.id, expr, fresh, out)
        elif op.kind == "index":
            base = op.inputs["x"]
            if self.active(base) and self.optimize and only_new_axes(s.value.slice):
                self.contribute(base.id, call("reshape_like", g, load(base.id)), False, out)
            elif self.active(base):
                dbase = self.grad_name(base.id)
                current = load(dbase) if base.id in self.defined else const(0.0)
                at = index_expr(clone(s.value.slice), self.namer.spelled_builtin("slice"))
                out.append(assign(dbase, call("accum_index", current, load(base.id), at, g)))
                self.defined.add(base.id)
        elif op.kind == "attr":  # obj.name: stored, or a property run through its transform
            base = op.inputs["x"]
            if self.active(base):
                self.method_site(s, op, "attribute_forward")
                part = self.namer.fresh(f"d{base.id}_{op.bound['name'].strip('_')}")
                out.append(assign(tuple_of(store(part), ctx=gast.Store()),
                                  call("method_backward", load(self.call_records[id(s)]), g)))
                self.contribute(base.id, load(part), False, out)
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
                    key = clone(op.bound[i]) if op.bound else const(i)  # dicts: the key
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
                          quote_with(op.rule.joint, mapping)))
        for p, target in zip(op.rule.signature.parameters, targets):
            if self.active(op.inputs.get(p)):
                self.contribute(op.inputs[p].id, load(target), False, out)

    def adjoint_call(self, s, op, g, out):
        """y = h(args) for a Python function h: h's own backward function hands back the
        gradients of the parameters that received active arguments."""
        params, static = self.call_params(op)
        if not params:
            return
        apart = op.receiver is not None and self.analysis.called_apart(s, op.receiver,
                                                                       self.mode)
        forward, backward, *held = self.calls(op.callee, params, static, apart=True) \
            if apart else self.calls(op.callee, params, static)
        name = s.targets[0].id
        record = self.call_records.setdefault(id(s), self.namer.fresh(f"{name}_record"))
        forward_name = self.namer.fresh(f"{op.callee.__name__}_forward")
        backward_name = self.namer.fresh(f"{op.callee.__name__}_backward")
        self.constants[forward_name] = forward
        self.constants[backward_name] = backward
        self.call_forward[id(s)] = forward_name
        if op.receiver is not None:  # obj.method(x): the function under it, obj first
            self.method_prefix[id(s)] = [clone(op.receiver)]
        if held and held[0] is not None:  # it stores on obj: reachable no other way
            at, others = self.namer.fresh("written_at"), self.namer.fresh("global_objects")
            self.constants[at] = (self.analysis.parsed.location.describe(s), (), held[0])
            self.constants[others] = tuple(
                v for k, v in sorted(self.analysis.bindings.items())
                if "." not in k and k != op.receiver.id)
            self.call_forward[id(s)] = "call_forward_apart"
            self.method_prefix[id(s)] = [load(at), load(forward_name), binop(tuple_of(*[
                load(p) for p in self.analysis.params]), gast.Add(), load(others)),
                clone(op.receiver)]
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

    def method_site(self, s, op, forward="method_forward") -> tuple:
        """The active inputs of a method call (or call of an object, or read of an
        attribute), resolved when it runs (objects.py); the primal gets
        `y, y_record = method_forward(site, obj, ...)` (`attribute_forward(site, obj)`)."""
        inputs = {"self": op.inputs["x"]} if op.kind == "attr" else op.inputs
        active = tuple(k for k, atom in inputs.items() if self.active(atom))
        if op.bound.get("dispatched") and id(s) not in self.call_records:
            # a gradient's method_forward / method_backward: `y, y_record =
            # dispatched_forward(site, <its arguments>)` (runtime/method_tangents)
            from ..runtime.objects import CallSite

            name = s.targets[0].id
            self.call_records[id(s)] = self.namer.fresh(f"{name}_record")
            site = self.namer.fresh(f"{op.bound['name']}_site")
            self.constants[site] = CallSite(
                op.bound["name"], active, self.optimize,
                self.analysis.parsed.location.describe(s), op.name)
            self.call_forward[id(s)] = "dispatched_forward"
            self.method_prefix[id(s)] = [load(site)]
        if id(s) not in self.call_records:
            from ..runtime.objects import CallSite

            name = s.targets[0].id
            self.call_records[id(s)] = self.namer.fresh(f"{name}_record")
            receiver = inputs["self"]
            site = self.namer.fresh(f"{getattr(receiver, 'id', 'operand')}_"
                                    f"{op.bound['name'].strip('_')}_site")
            self.constants[site] = CallSite(
                op.bound["name"], active, self.optimize, self.analysis.parsed.location.describe(s),
                op.name, stored_only=op.kind == "attr"
                and _atom_id(receiver) in self.analysis.written_objects,
                written_in_place=bool(AUGMENTED.of(s)),
                grown=tuple(self.analysis.grown_checks.get(id(s), ())),
                growth=self.analysis.growth(s, op, self.mode),
                writing=self.analysis.writing(s, op, self.mode),
                given=(sum(isinstance(k, int) for k in inputs),
                       tuple(k for k in inputs if k not in ("self", "*", "**")
                             and isinstance(k, str))))
            self.call_forward[id(s)] = forward
            self.method_prefix[id(s)] = [load(site), clone(receiver)]
            if self.constants[site].writing:  # the other arguments, for objects_apart
                others = self.namer.fresh("global_objects")
                self.constants[others] = tuple(
                    v for k, v in sorted(self.analysis.bindings.items()) if "." not in k)
                self.call_forward[id(s)] = "method_forward_apart"
                self.method_prefix[id(s)].insert(1, binop(tuple_of(*[
                    load(p) for p in self.analysis.params if p != receiver.id]), gast.Add(),
                    load(others)))
            if op.bound.get("operator"):  # a + b: operator_forward(site, a, b)
                self.call_forward[id(s)] = "operator_forward"
                self.method_prefix[id(s)] += [clone(inputs[0])] if 0 in inputs else []
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
        if atom.id in self.analysis.parsed.static:
            return self.analysis.parsed.static[atom.id]
        obj = MISSING
        if atom.id not in self.analysis.locals:
            obj = self.analysis.parsed.lookup(atom.id)
        else:
            defs = self.analysis.defs.get(atom.id, [])
            if len(defs) == 1 and isinstance(defs[0].value, (gast.Name, gast.Attribute)):
                obj = self.analysis.resolve(defs[0].value)
        if obj is MISSING or not callable(obj) or isinstance(obj, type):
            return None
        return obj

    def adjoint_write(self, s):
        target = s.targets[0]
        base = target.value.id
        out: list = []
        index = index_expr(clone(target.slice), self.namer.spelled_builtin("slice"))
        if base in self.defined and base in self.analysis.active:
            taken = call("take_slot_grad", load(self.grad_name(base)), index)
            if self.active(s.value):
                slot = self.namer.fresh(f"d{s.value.id}_slot")
                out.append(assign(tuple_of(store(slot), store(self.grad_name(base)),
                                           ctx=gast.Store()), taken))
                expr = call("unbroadcast", load(slot), load(s.value.id))
                self.contribute(s.value.id, expr, False, out)
            else:
                out.append(assign(tuple_of(store("_"), store(self.grad_name(base)),
                                           ctx=gast.Store()), taken))
        saved = self.saved.setdefault(id(s), self.namer.fresh(f"{base}_old"))
        if base in self.analysis.dicts:  # the write may have added the key: remove it again
            restore = call("restore_slot", load(base), clone(index), load(saved))
            if base in self.defined and base in self.analysis.active:
                restore.args.append(load(self.grad_name(base)))
                out.append(assign(self.grad_name(base), restore))
            else:
                out.append(gast.Expr(value=restore))
            return out
        out.append(assign(gast.Subscript(value=load(base), slice=clone(target.slice),
                                         ctx=gast.Store()), load(saved)))
        self.restores[id(out[-1])] = (id(s), base)  # (dropped if unread: restores.py)
        return out

    def adjoint_attribute_write(self, s, base, value):
        """obj.h = v (`set_attribute(obj, 'h', v)`): the gradient of obj's attribute h,
        gathered from the reads after the assignment, goes to v, and h's gradient starts
        again at zero for the value it held before (analysis: obj is read only as
        obj.attr, so every read reaches obj's gradient in order)."""
        out: list = []
        if base in self.defined and base in self.analysis.active:
            active = value is not None and self.active(load(value))
            part = self.namer.fresh(f"d{value}_attr") if active else "_"
            out.append(assign(tuple_of(store(part), store(self.grad_name(base)), ctx=gast.Store()),
                              call("take_attribute_grad", load(self.grad_name(base)),
                                   clone(s.value.args[1]))))
            if active:
                self.contribute(value, load(part), False, out)
        return out

    def adjoint_item_write(self, base, attr, key, value):
        """obj.d[k] = v (`store_item(c, k, v)`, c = obj.d, obj a parameter read only as
        obj.attr): the gradient of that item, gathered from the reads after the store,
        goes to v, and the item's gradient starts again at zero for the value it held."""
        out: list = []
        if base in self.defined and base in self.analysis.active:
            active = value is not None and self.active(load(value))
            part = self.namer.fresh(f"d{value}_item") if active else "_"
            out.append(assign(tuple_of(store(part), store(self.grad_name(base)),
                                       ctx=gast.Store()),
                              call("take_item_grad", load(self.grad_name(base)), const(attr),
                                   clone(key), load(value) if active else const(None))))
            if active:
                self.contribute(value, load(part), False, out)
        return out

    def adjoint_update(self, s):
        """values.append(v) / values.extend(vs): hand the last elements' gradients to v
        (or vs) and take them off, then take the elements off the list itself
        (`values.pop()` after an append). values.pop(i): put the element back."""
        base = s.value.func.value.id
        item = s.value.args[0]
        if LIST_UPDATE.of(s) == "pop":  # give the slot back (its gradient comes from the read)
            out: list = []
            if base in self.defined and base in self.analysis.active:
                out.append(assign(self.grad_name(base), call("pop_grad", load(self.grad_name(base)),
                                                     load(base), clone(item))))
            popped = load(POPPED.of(s).targets[0].id)
            if self.certainly_dict(base):  # a slot write pullback reads (second order)
                out.append(assign(gast.Subscript(value=load(base), slice=clone(item),
                                                 ctx=gast.Store()), popped))
            elif not self.certainly_list(base):  # (a dict, say **kwargs)
                out.append(gast.Expr(value=call("undo_pop", load(base), clone(item), popped)))
            else:  # a list update pullback reads (second order)
                out.append(gast.Expr(value=gast.Call(func=gast.Attribute(
                    value=load(base), attr="insert", ctx=gast.Load()), args=[
                        call("popped_at", load(base), clone(item)), popped], keywords=[])))
            return out
        if LIST_UPDATE.of(s) == "insert":  # hand the element's gradient back, take it off
            index, item = s.value.args
            out = []
            if base in self.defined and base in self.analysis.active:
                part = self.namer.fresh(f"d{item.id}_item") if self.active(item) else "_"
                out.append(assign(tuple_of(store(part), store(self.grad_name(base)),
                                           ctx=gast.Store()),
                                  call("take_inserted_grad", load(self.grad_name(base)),
                                       load(base), clone(index))))
                if self.active(item):
                    self.contribute(item.id, load(part), False, out)
            out.append(gast.Expr(value=gast.Call(func=gast.Attribute(
                value=load(base), attr="pop", ctx=gast.Load()), args=[
                    call("inserted_at", load(base), clone(index))], keywords=[])))
            return out
        count = const(1) if LIST_UPDATE.of(s) == "append" else \
            load(self.saved.setdefault(id(s), self.namer.fresh(f"{base}_added")))
        out: list = []
        if base in self.defined and base in self.analysis.active:
            taken = call("take_last_grads", load(self.grad_name(base)), count,
                         const(LIST_UPDATE.of(s) != "append"), load(base))
            part = self.namer.fresh(f"d{item.id}_item") if self.active(item) else "_"
            out.append(assign(tuple_of(store(part), store(self.grad_name(base)), ctx=gast.Store()),
                              taken))
            if self.active(item):  # (extend: as the iterable is, an array's as an array)
                self.contribute(item.id, load(part) if LIST_UPDATE.of(s) == "append" else call(
                    "extended_grad", load(part), load(item.id)), False, out)
        pop = gast.Expr(value=gast.Call(func=gast.Attribute(  # list updates pullback reads
            value=load(base), attr="pop", ctx=gast.Load()), args=[], keywords=[]))  # (again)
        if LIST_UPDATE.of(s) == "append":
            out.append(pop)
        else:  # the elements extend added, one pop each
            out.append(gast.For(target=store(self.namer.fresh("rep")), iter=call(
                self.namer.spelled_builtin("range"), clone(count)), body=[pop], orelse=[],
                type_comment=None))
        # (dropped, like a slot's restore, where nothing reads the list again: restores.py)
        self.restores[id(out[-1])] = self.restores[id(pop)] = (id(s), base)
        return out

    def certainly_list(self, name) -> bool:
        """Whether `name` holds a list the function made: every binding, followed back
        through copies, a list display or a call of `list` (or the placeholder of a
        variable not set on that path, which no pop reaches: every use of it raises)."""
        import builtins

        return self._certainly_made(name, gast.List, builtins.list)

    def certainly_dict(self, name) -> bool:
        """Whether `name` holds a dict the function made (a display or a call of `dict`)."""
        import builtins

        return self._certainly_made(name, gast.Dict, builtins.dict)

    def _certainly_made(self, name, display, maker) -> bool:
        from ..runtime.helpers import unbound

        seen, stack = set(), [name]
        while stack:
            n = stack.pop()
            if n in seen:
                continue
            seen.add(n)
            defs = self.analysis.defs.get(n, [])
            if not defs:
                return False  # a parameter, a free name
            for d in defs:
                if isinstance(d.value, gast.Name):
                    stack.append(d.value.id)
                elif not (isinstance(d.value, display) or SENTINEL.of(d)
                          or isinstance(d.value, gast.Call)
                          and self.analysis.op(d).callee in (maker, unbound)):
                    return False
        return True

    def adjoint_if(self, s):
        if BLOCK.of(s) == "with":  # the body always ran: so does its adjoint,
            # outside the manager, under the floating-point error state the body saw
            # (np.errstate(...) in f covers the adjoint too)
            body = self.adjoint_block(s.body, (id(s), 0))
            if not _has_code(body):
                return body
            FP_STATE.set(s, self.namer.fresh("fp_state"))
            state = call("np.errstate")
            state.keywords = [gast.keyword(arg=None, value=load(FP_STATE.of(s)))]
            pops = [b for b in body if isinstance(b, PopSlot)]
            return pops + [gast.With(items=[gast.withitem(context_expr=state,
                                                          optional_vars=None)],
                                     body=[b for b in body if not isinstance(b, PopSlot)],
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
        body += [assign(self.grad_name(v), const(0.0)) for v in sorted(merged - after_body)]
        orelse += [assign(self.grad_name(v), const(0.0)) for v in sorted(merged - after_else)]
        if not _has_code(body):
            return [if_(not_(clone(s.test)), orelse)]
        return [if_(clone(s.test), body, orelse)]

    def _needs_adjoint(self, loop) -> bool:
        for s in skeleton(loop):  # (statements only: what it looks for are statements)
            if LIST_UPDATE.of(s):
                return True  # its list must be restored
            if isinstance(s, gast.Assign):
                target = s.targets[0]
                if isinstance(target, gast.Subscript) or target.id in self.analysis.active:
                    return True
        return False

    def adjoint_loop(self, s):
        if not self._needs_adjoint(s):
            return []
        assigned = self.loop_stores(s)
        phis = set(PHIS.of(s))
        touched = set()
        for sub in skeleton(s):  # (statements only: what it looks for are statements)
            if LIST_UPDATE.of(sub):
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
            elif id(sub) in self.attribute_writes:  # obj.h = v
                touched |= set(self.attribute_writes[id(sub)]) - {None}
            elif id(sub) in self.item_writes:  # obj.d[k] = v
                base, _, _, value = self.item_writes[id(sub)]
                touched |= {base, value} - {None}
            else:
                touched |= set(self.analysis._inputs(sub))
        touched = {v for v in touched if v in self.analysis.active and v not in assigned} \
            | (phis & self.analysis.active)
        pre = []
        for v in sorted(touched - self.defined):
            pre.append(assign(self.grad_name(v), const(0.0)))
            self.defined.add(v)
        # Gradients of values the loop only reads accumulate in place, on a private copy.
        new_accumulators = touched - phis - self.accumulators - self.list_grads \
            if self.optimize and not self.complex_gradients_possible() else set()
        for v in sorted(new_accumulators):
            if v not in self.analysis.scalar and not any(
                    isinstance(p, gast.Assign) and p.targets[0].id == self.grad_name(v)
                    and isinstance(p.value, gast.Constant) for p in pre):
                pre.append(assign(self.grad_name(v), call("owned", load(self.grad_name(v)))))
        self.accumulators |= new_accumulators
        self.loop_depth += 1
        self.deferrable.append(new_accumulators)
        self.deferred.append({})
        body = self.recompute(s, self.adjoint_block(s.body, ("loop", id(s))))
        self.deferrable.pop()
        deferred = self.deferred.pop()
        self.accumulators -= new_accumulators
        for v in sorted((phis & self.analysis.active) - self.defined):
            body.append(assign(self.grad_name(v), const(0.0)))
            self.defined.add(v)
        self.loop_depth -= 1
        self.defined = {v for v in self.defined if v not in assigned or v in phis}
        header = LoopHeader(s, body)
        self.adjoint_loops[id(s)] = header
        after = []
        for (name, summed), parts in deferred.items():
            if isinstance(summed, tuple):  # ("scaled", factor): sum, then multiply once
                pre.append(assign(parts, const(0.0)))
                after.append(gast.AugAssign(target=store(self.grad_name(name)), op=gast.Add(),
                                            value=binop(load(parts), gast.Mult(),
                                                        const(summed[1]))))
                continue
            pre.append(assign(parts, gast.List(elts=[], ctx=gast.Load())))
            after.append(gast.AugAssign(target=store(self.grad_name(name)), op=gast.Add(),
                                        value=call(summed, load(parts), load(name))))
        return pre + [header] + after
