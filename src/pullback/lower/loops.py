"""for and while loops -> loops over a range, and while loops with a test recomputed at
the end of the body; every iteration form (sequences, dicts and their items, enumerate,
zip, reversed) becomes an index and explicit subscripts.

Guarantees on the output: `for name in steps:` where `steps` is a range bound before
the loop (`range(...)` as written, `reversed(range(...))` as a slice of one); any other
iterable is read by index, its length taken before the loop (`loop_len`, which refuses
an iterable it cannot index), each element bound at the top of the body; a name the
loop rebinds is iterated as it was when the loop started; a dict is iterated over its
keys (`key_list`); a list the body resizes is refused (located). `while c:` becomes
`go = c` before the loop and at the end of each body (or `go = False` when the
control-flow lowering's exit test holds).

>>> from pullback.lower.example import lowered, show
>>> def f(xs, ys):
...     total = 0.0
...     for i, (x, y) in enumerate(zip(xs, ys)):
...         total = total + i * x * y
...     return total
>>> show(lowered(f))
def f(xs, ys):
    total = 0.0
    n = loop_len(xs)
    n_2 = loop_len(ys)
    n_3 = min(n, n_2)
    steps = range(n_3)
    for k in steps:
        i = k
        x = xs[k]
        y = ys[k]
        mul = i * x
        mul_2 = mul * y
        total = total + mul_2
    out = total
    return out
"""

from __future__ import annotations

import builtins

import gast

from ..frontend.parse import MISSING
from ..ir.annotations import BUILTIN, EXIT_TEST
from ..ir.nodes import assign, binop, call, clone, const, if_, load, store, stored_in_order, walk
from .common import mapping_view
from .written_params import passed_to_writers

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




def _breaks(body) -> bool:
    """Whether the statements of a loop body may leave the loop early: a `break` of
    this loop (control_flow.py has made `return` a flag and a break)."""
    def found(stmts):
        for stmt in stmts:
            if isinstance(stmt, gast.Break):
                return True
            if isinstance(stmt, (gast.For, gast.While)):
                continue  # its breaks are its own
            for field in ("body", "orelse", "handlers", "finalbody"):
                inner = getattr(stmt, field, None)
                if isinstance(inner, list) and found(
                        [s for s in inner if isinstance(s, (gast.stmt, gast.excepthandler))]):
                    return True
        return False
    return found(body)


class Loops:
    """The loop lowerings of `Flatten` (flatten.py), whose state they use."""

    def for_(self, s, out):
        s = self.iterator_loop(s) or s  # for v in it (iterators.py)
        if not isinstance(s.target, (gast.Name, gast.Tuple, gast.List)):
            self.error("loop target that is not a name or tuple of names", s)
        steps = self.range_of(s.iter, out) if isinstance(s.target, gast.Name) else None
        if steps is not None:
            out.append(gast.For(target=store(s.target.id), iter=steps, body=self.block(s.body),
                                orelse=[], type_comment=None))
            return
        it = s.iter
        # Everything else iterates an index over one or more sequences.
        index = self.namer.fresh("k")
        self.rebound = set(stored_in_order(s))
        self.resized = _resized_in(s.body) | passed_to_writers(s.body, self.parsed.resolve)
        self.strict_lengths = []
        length, item_targets = self.iteration(s.target, it, index, out)
        strict, self.strict_lengths = self.strict_lengths, []
        if strict and _breaks(s.body):
            self.error("zip(..., strict=True) in a loop that may stop early (break or "
                       "return): Python checks the lengths only when the loop runs out", it)
        steps = self.namer.fresh("steps")
        out.append(assign(steps, call(self.namer.spelled_builtin("range"), length)))
        body = []
        for target, item in item_targets:
            self.assign_to(target, item, body)
        out.append(gast.For(target=store(index), iter=load(steps), body=body + self.block(s.body),
                            orelse=[], type_comment=None))
        for lengths in strict:  # raised where Python's zip finds the lengths differ
            differ = gast.BoolOp(op=gast.Or(), values=[
                gast.Compare(left=clone(lengths[0]), ops=[gast.NotEq()],
                             comparators=[clone(other)]) for other in lengths[1:]]) \
                if len(lengths) > 2 else gast.Compare(
                    left=clone(lengths[0]), ops=[gast.NotEq()], comparators=[clone(lengths[1])])
            error = gast.Raise(exc=gast.Call(func=load("ValueError"), args=[const(
                "zip() arguments of different lengths (strict=True)")], keywords=[]),
                cause=None)
            out.extend(self.block([gast.copy_location(if_(differ, [error]), s)]))

    def range_of(self, it, out):
        """`range(...)` or `reversed(range(...))` as a name bound to a range, else None."""
        callee = self.resolved(it.func) if isinstance(it, gast.Call) else None
        if callee is builtins.range:
            steps = self.namer.fresh("steps")
            bounds = [self.atom(a, out) for a in it.args]
            out.append(assign(steps, call(self.namer.spelled_builtin("range"), *bounds)))
            return load(steps)
        if callee is builtins.reversed and len(it.args) == 1:
            forward = self.range_of(it.args[0], out)
            if forward is not None:
                steps = self.namer.fresh("steps")
                back = gast.Slice(lower=None, upper=None, step=const(-1))
                out.append(assign(steps, gast.Subscript(value=forward, slice=back,
                                                        ctx=gast.Load())))
                return load(steps)
        return None

    def iteration(self, target, it, index, out):
        """(length atom, [(target, element expr)]) for iterating `it` with index `index`."""
        it = self.starred_zip(it)
        it = self.iterated_object(it, out) or it  # for v in model: its __iter__ (inlining.py)
        callee = BUILTIN.of(it) or (
            self.resolved(it.func) if isinstance(it, gast.Call) else None)
        if callee is builtins.reversed and len(it.args) == 1 and not it.keywords:
            backwards = self.namer.fresh("back")  # the index from the end
            inner = self.iterated_object(it.args[0], out, reverse=True) or it.args[0]
            length, items = self.iteration(target, inner, backwards, out)
            last = binop(binop(length, gast.Sub(), const(1)), gast.Sub(), load(index))
            return length, [(store(backwards), last)] + items
        if mapping_view(it, callee, MISSING):
            mapping = self.atom(it.func.value, out)  # a dict: iterate its keys
            keys = self.namer.fresh("keys")
            out.append(assign(keys, call("key_list", mapping)))
            n = self.namer.fresh("n")
            out.append(assign(n, call(self.namer.spelled_builtin("len"), load(keys))))
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
            strict = {k.arg: k.value for k in it.keywords}.get("strict")
            if any(k.arg != "strict" for k in it.keywords) \
                    or not isinstance(target, (gast.Tuple, gast.List)) \
                    or len(target.elts) != len(it.args) or (strict is not None and not (
                        isinstance(strict, gast.Constant) and strict.value in (True, False))):
                self.error("zip form (unpack one name per zipped sequence; strict= True or "
                           "False written out)", it)
            lengths, items = [], []
            for sub_target, arg in zip(target.elts, it.args):
                length, sub_items = self.iteration(sub_target, arg, index, out)
                lengths.append(length)
                items += sub_items
            if strict is not None and strict.value and len(lengths) > 1:
                self.strict_lengths.append(lengths)
            length = lengths[0]
            for other in lengths[1:]:
                shorter = self.namer.fresh("n")
                out.append(assign(shorter, call(self.namer.spelled_builtin("min"), length, other)))
                length = load(shorter)
            return length, items
        if isinstance(it, gast.Name) and it.id in self.resized:
            self.error(f"a loop over {it.id!r} that the loop body changes in place (appends, "
                       f"removes, `+=`, slice writes: Python's loop then also sees the new "
                       f"elements); loop over a copy (`for v in list({it.id})`) or use a while "
                       "loop", it)
        made_set = self.makes_set(it) or self.known_mapping(it)
        seq = self.atom(it, out)
        measure = "loop_len"  # refuses a dict it was not told about
        if isinstance(seq, gast.Name) and (seq.id in self.dicts or seq.id in self.keyed
                                           or made_set):
            keys = self.namer.fresh("keys")  # a dict: iterate its keys (a set: its elements)
            out.append(assign(keys, call("key_list", seq)))
            seq, measure = load(keys), self.namer.spelled_builtin("len")
        if isinstance(seq, gast.Name) and seq.id in self.rebound:
            # the loop iterates the object the name held when it started
            held = self.namer.fresh(f"{seq.id}_iterated")
            out.append(assign(held, seq))
            seq = load(held)
        n = self.namer.fresh("n")
        out.append(assign(n, call(measure, seq)))
        item = gast.Subscript(value=seq, slice=load(index), ctx=gast.Load())
        return load(n), [(target, item)]

    def while_(self, s, out):
        cond = self.namer.fresh("go")
        test = s.test
        if isinstance(test, gast.Name) and test.id in _popped_in(s.body):
            # `while saved: ... saved.pop()`: a list's truth, not a second name for it
            test = gast.Compare(left=call(self.namer.spelled_builtin("len"), test),
                                ops=[gast.Gt()], comparators=[const(0)])
        out.append(assign(cond, self.simple(clone(test), out)))
        body = self.block(s.body)
        recompute: list = []
        recompute.append(assign(cond, self.simple(clone(test), recompute)))
        exit_test = EXIT_TEST.of(s)
        if exit_test is not None:
            stop = self.name_atom(exit_test, body)
            body.append(if_(stop, [assign(cond, const(False))], recompute))
        else:
            body.extend(recompute)
        out.append(gast.While(test=load(cond), body=body, orelse=[]))
