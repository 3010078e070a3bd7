"""What the analysis refuses, for analysis/activity.py's `Analysis`: default deny.

A statement whose value reaches the result and reads a value being differentiated must
be a rule, a transformed call, an index of a differentiated value, a copy or a pack, or be
declared non-differentiable; anything else raises `NoRuleError` naming the construct and
its line (`_check_rules`). Calls made for their effect may only receive what they cannot
change behind the gradient's back (`_check_effect`); a Python function run untransformed
must not write into the function's arrays (`_check_untransformed_call`); text made from a
differentiated value never reaches the result (`_check_text`); operators applied to
objects of user classes and indexing objects with differentiated values are refused.
"""

from __future__ import annotations

import builtins
import inspect
import sys
import types

import gast
import numpy as np

from .. import rules
from ..errors import NoRuleError, PullbackError, UnsupportedSyntaxError
from ..frontend.parse import MISSING, is_library, parse_function, passed_through
from ..helpers import HELPERS
from ..ir.annotations import (
    CHECKED_NAME,
    EFFECT,
    MUST_NOT_BE_VIEW,
)
from ..ir.nodes import dotted_name, names, walk
from .classify import TEXT_FUNCTIONS, _atom_name, _in, _reach

_PLAIN_VALUES = (int, float, complex, str, bytes, bool, type(None))
# functions that read the caller's variables by name, not through their arguments (eval
# and exec without a namespace of their own, locals(), vars(), the frame)
_FRAME_READERS = (builtins.eval, builtins.exec, builtins.locals, builtins.vars,
                  sys._getframe, inspect.currentframe)
_MUTATING_METHODS = frozenset({
    "fill", "sort", "partition", "put", "itemset", "resize", "setfield", "append", "extend",
    "insert", "pop", "remove", "clear", "reverse", "update", "setdefault", "popitem",
    "add", "discard"})
# the methods of a list (and deque) that grow it, as f may call them on a list an object
# holds (_grows_a_held_list)
_GROWING = frozenset({"append", "extend", "insert", "appendleft", "extendleft"})
_WRITES: dict = {}  # (code object, parameter) -> what _scan_writes found


def _writes_into(func, param) -> str | None:
    """`line N: text` of the first statement of `func`'s source that may write into its
    parameter `param` in place; None if none does (or the source cannot be read). Read
    once per code object and parameter, however many calls pass an array."""
    key = (getattr(passed_through(func), "__code__", None), param)
    if key[0] is None:
        return _scan_writes(func, param)
    if key not in _WRITES:
        if len(_WRITES) > 4096:
            _WRITES.clear()
        _WRITES[key] = _scan_writes(func, param)
    return _WRITES[key]


def _scan_writes(func, param) -> str | None:
    try:
        parsed = parse_function(passed_through(func))
    except PullbackError:
        return None
    for node in walk(parsed.tree):
        base = None
        if isinstance(node, (gast.Subscript, gast.Attribute)) and isinstance(
                node.ctx, (gast.Store, gast.Del)):
            base = node.value
        elif isinstance(node, gast.AugAssign):
            base = node.target
        elif isinstance(node, gast.Call):
            if isinstance(node.func, gast.Attribute) and node.func.attr in _MUTATING_METHODS:
                base = node.func.value
            for k in node.keywords:
                if k.arg == "out" and isinstance(k.value, gast.Name) and k.value.id == param:
                    base = k.value
            if dotted_name(node.func) in ("np.copyto", "np.fill_diagonal", "np.put",
                                          "np.place", "np.putmask") and node.args:
                base = node.args[0]
        while isinstance(base, (gast.Subscript, gast.Attribute)):
            base = base.value
        if isinstance(base, gast.Name) and base.id == param:
            return parsed.location.describe(node).strip().replace("\n   ", ":")
    return None


class Refusals:
    """Mixed into `Analysis` (activity.py), whose state it reads."""

    def _check_rules(self):
        """Default deny: a statement whose value reaches the result and reads a value
        being differentiated is a rule, a transformed call, an index of a differentiated
        value, a copy or pack, or declared non-differentiable; anything else is refused
        here. Reads the classification does not turn into gradients (the callee of
        `m(x)`, the index of `r[x]`) count as reads of the value too. A call pullback does
        not know is refused even when its result is unused: it may change its arguments
        (`xs.reverse()`, `b.fill(x)`, `np.copyto(b, x)`, `out=`)."""
        self.grown_lists: list = []  # where a list an object holds is grown (a refusal
        # when the function is called from other generated code: api._build)
        # id(method call statement) -> [(input, attribute)]: the list that input holds
        # there, grown later, which the call's record must not hold (CallSite.grown)
        self.grown_checks: dict = {}
        # parameter -> where f first sets one of its attributes (or an item of a container
        # it holds) to a value being differentiated: checked when the gradient runs to be
        # reachable through no other argument (runtime/objects: objects_apart)
        self.received_writes: dict = {}
        # parameter -> [(attribute, key or None)]: the lists it holds (obj.attr,
        # obj.attr[key]) f appends values being differentiated to (objects_apart: no other
        # argument may hold them)
        self.held_lists: dict = {}
        self.stored_bases: set = set()  # parameters f only stores into (_stored_only)
        self.index_checks: dict = {}  # id(r[k] read) -> its keys checked to be integers
        self._check_attribute_writes()
        ops, useful, varied, active = self.ops, self.useful, self.varied, self.active
        name_cls, constant_cls = gast.Name, gast.Constant
        built_objects = self._built_objects()  # (one scan, when first asked)
        for s in self.assigns:
            target = s.targets[0]
            if target.__class__ is not name_cls:
                continue
            op = ops[id(s)]
            kind, callee = op.kind, op.callee
            if callee is not None and _in(callee, _FRAME_READERS) and varied and len(getattr(
                    s.value, "args", ())) < (2 if callee in (eval, exec) else 1):
                raise UnsupportedSyntaxError(
                    f"{callee.__name__}() here reads the function's variables by name, "
                    "not through its arguments, so pullback cannot follow what it does with "
                    "the values being differentiated; write the expression out (or pass "
                    "the values in a namespace of their own)", self.parsed.location.describe(s))
            is_useful = target.id in useful
            if is_useful and (s.value.__class__ is gast.JoinedStr or callee is not None and _in(
                    callee, TEXT_FUNCTIONS)):
                self._check_text(s)
            effect = EFFECT.of(s)
            if effect and kind in ("unknown", "call"):
                self._check_effect(s, op)
                if kind == "unknown":
                    continue
            if effect and kind == "method" and target.id not in varied:
                self._check_effect_method(s, op)
            if kind == "call" and target.id not in varied:
                self._check_untransformed_call(s, op)
            if not is_useful and kind != "unknown":
                continue
            if kind != "unknown":
                for a in op.inputs.values():
                    if a.__class__ is not name_cls and a.__class__ is not constant_cls \
                            and isinstance(a, gast.AST):
                        raise NoRuleError(  # normalize leaves operands as names and literals
                            f"operand form of {op.name or type(s.value).__name__} that "
                            "pullback does not follow; assign the inner expression to a "
                            "name first", self.parsed.location.describe(s))
            if kind in ("rule", "index") and target.id in active and built_objects:
                self._check_no_object_operand(s, op)
            if op.kind == "index" and _atom_name(op.inputs["x"]) not in self.varied:
                self._check_index(s, op)
            if op.kind != "unknown":
                continue
            if target.id not in self.useful and op.callee in (hasattr, getattr) \
                    and len(s.value.args) in (2, 3) and not s.value.keywords \
                    and isinstance(s.value.args[1], gast.Constant):
                continue  # a test of an attribute (a lazy cache): reads, changes nothing
            read = {n.id for n in walk(s.value)
                    if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}
            if not (read | set(map(_atom_name, op.inputs.values()))) & self.varied:
                continue
            callee = s.value.func if isinstance(s.value, gast.Call) else None
            if isinstance(callee, gast.Name) and callee.id in self.varied:
                raise NoRuleError(
                    f"call to {self.spelled(callee.id)}, a value computed from the inputs being "
                    "differentiated (an object or function pullback cannot see into, such as "
                    "an object of a user class): pullback differentiates calls to functions "
                    "it can read, NumPy and math functions, and functions with a registered "
                    "rule", self.parsed.location.describe(s))
            if isinstance(op.callee, type) and op.callee.__module__ != "builtins":
                what = (f"construction of {op.name} from a value being differentiated: "
                        "pullback differentiates the construction of classes whose __init__ "
                        "only stores its arguments (self.W = W), of dataclasses (without "
                        "__post_init__) and of namedtuples; construct the object outside the "
                        "function, or keep the values in a dict or tuple")
            elif inspect.isfunction(op.callee) and not is_library(op.callee):
                what = (f"call to the Python function {op.name}, whose source pullback "
                        f"cannot read or whose arguments do not fit its signature; register "
                        "a rule for it")
            elif op.callee is MISSING and op.name.startswith("."):
                what = f"attribute {op.name} of a value being differentiated has no rule"
            elif op.callee is MISSING and op.name in self.params:
                what = self._parameter_call(op.name)
            elif op.callee is MISSING:
                head, dot, rest = op.name.partition(".")
                what = (f"call to {self.spelled(head)}{dot}{rest}, which pullback cannot "
                        "resolve to a known function (methods on values are not "
                        "differentiated yet)")
                if op.name.endswith(".view()"):  # the same memory, or its bits as another type
                    what += ("; x.view() of a float array is x under a second name: use x "
                             "itself, or np.copy(x) for an array to write into")
            elif HELPERS.get(op.name) is op.callee:  # in code pullback generated
                what = (f"no derivative rule for {op.name}, a helper of the code pullback "
                        "generated, called on a value being differentiated: this derivative "
                        "of a derivative is not supported yet (rules for the helpers: "
                        "pullback/rules/higher.py and higher_products.py)"
                        ) + _method_site_hint(self.parsed, s)
            else:
                what = (f"no derivative rule for {op.name}, called on a value being "
                        "differentiated: register one with @pullback.register_rule, or wrap "
                        "the argument in pullback.stop_gradient if no gradient should flow")
            refusal = NoRuleError(what, self.parsed.location.describe(s))
            refusal.statement = s  # (api: one in a branch is refused when it runs)
            raise refusal

    def _check_attribute_writes(self):
        """`obj.h = v` sets `written_objects`, the objects whose attributes are set to
        values being differentiated. Such an object keeps the value as a list keeps an
        appended one, and its gradient follows it in the same way: the object must be
        built by this function (`obj = Cls(...)`, a record class), once, and be read only
        as `obj.attr` (a stored attribute: properties are refused when the gradient runs)
        or as the receiver of a method (`_method_receivers`) and written as `obj.attr = v`.
        Under a second name, in a container, passed to a call, or returned, it could be
        read or changed where its gradient would not see it. No attribute may be set to
        an array that is written in place (or a view of one): the attribute would change
        with it. An increment by a
        number carrying no gradient (`self.nfev += 1`, `_is_increment`) may be made on
        any object, self and parameters included: it moves the attribute exactly."""
        writes = self.attribute_writes()
        shared = self._shared_buffers()
        for s, _, value in writes:
            if value in shared:
                raise UnsupportedSyntaxError(
                    f"the attribute {s.value.args[1].value!r} is set to "
                    f"{self.spelled(value)!r}, an array written in place (or a view of one), "
                    "which would change the attribute with it; store a copy "
                    f"(np.copy({self.spelled(value)}))", self.parsed.location.describe(s))
        # an object holding a value being differentiated, before or after the assignment:
        # reads after it must not pass their gradient on to the value it replaced
        # (an increment of a base with other writes gets the adjoint of a write, also exact)
        moving = [w for w in writes if not self._is_increment(*w)]
        self.written_objects = {base for _, base, value in moving
                                if value in self.varied or base in self.varied}
        self._check_item_writes(writes, moving)
        read_back = {b for b, _, _, _ in self.item_writes_read_back.values()}
        # what each base's questions read, gathered in one scan each (per base, a scan of
        # every write and assignment was quadratic in objects built and written)
        first_of: dict = {}
        for s, b, v in moving:
            if b not in first_of and (v in self.varied or b in self.varied):
                first_of[b] = s
        written_by: dict = {}
        for s, b, _ in writes:
            written_by.setdefault(b, set()).add(id(s.value.args[0]))
        attr_reads = {id(s.value.value) for s in self.assigns
                      if isinstance(s.targets[0], gast.Name) and self.op(s).kind == "attr"} \
            if self.written_objects else set()
        for base in sorted(self.written_objects):
            first = first_of.get(base)
            defs = self.defs.get(base, [])
            if (len(defs) != 1 or self.op(defs[0]).kind != "construct") \
                    and base not in read_back and self._stored_only(base, writes, moving):
                continue
            received = base in self.params and not defs
            if received and first is not None:
                self._received_write(base, first)
            if (len(defs) != 1 or self.op(defs[0]).kind != "construct") and not received:
                user = self.spelled(base)
                raise NoRuleError(
                    f"the attribute {first.value.args[1].value!r} of {user!r} is set, and "
                    f"{user!r} holds values being differentiated (or is given one here), but "
                    f"{user!r} is neither an object this function builds once ({user} = "
                    "Cls(...)) nor a parameter it never rebinds: pullback differentiates "
                    "attributes set on such objects only, which it reads as obj.attr; keep "
                    "the value in a local name, or return it",
                    self.parsed.location.describe(first))
            allowed = attr_reads | written_by.get(base, set()) | self._checked_apart(base) \
                | self._method_receivers(base)
            other = self._other_use(base, allowed | self._probes(base))
            if other is not None:
                raise NoRuleError(
                    f"{self.spelled(base)!r}, whose attributes are set to values being "
                    "differentiated, is used here other than as obj.attr or obj.attr = v "
                    "(passed to a call or method, given a second name, stored or returned), "
                    "where pullback could not follow what is read or changed through it; "
                    "read its attributes into local names instead",
                    self.parsed.location.describe(other))

    def _method_receivers(self, base) -> set:
        """The ids of `base`'s Name nodes as the receiver of a method call, `base.m(x)`
        (not an operator): resolved when it runs, the method's transform reads the object
        as its `self`, and its gradient of `self` (an object gradient, by attribute) joins
        the object's as an attribute read's does, which each write's adjoint takes its
        attribute from. A method that sets attributes of the object, grows a list it
        holds, or reads a property of it, is refused when it runs (CallSite.stored_only
        and the callee's own transform); forward mode refuses the call (derive/forward)."""
        if not hasattr(self, "_receivers_found"):  # (every base's, in one scan)
            self._receivers_found: dict = {}
            for t in self.assigns:
                if isinstance(t.targets[0], gast.Name):
                    op = self.op(t)
                    if op.kind == "method" and not op.bound.get("operator") \
                            and _atom_name(op.inputs.get("self")) is not None:
                        self._receivers_found.setdefault(
                            _atom_name(op.inputs["self"]), set()).add(id(op.inputs["self"]))
        return self._receivers_found.get(base, set())

    def _check_item_writes(self, writes, moving):
        """`self.cache[key] = v` (lowered as `store_item(c, key, v)` with `c = self.cache`,
        self a parameter f never binds: lower/inlining) of a value being differentiated:
        stored only (`_stored_only`, the containers' attributes counted as written, each
        container's name read by the stores alone), an effect; else, the object used only
        through its attributes, read back (`item_writes`: the store's adjoint takes the
        gradient the reads after it gave that item, derive/adjoints); or refused, located."""
        self.item_writes_read_back: dict = {}  # id(store) -> (object, attribute, key, value)
        by_base: dict = {}
        refused = None
        item_writes = self.item_writes()
        reads: dict = {}  # name -> how many times the assignments' values read it
        for t in self.assigns if item_writes else ():  # (counted once: a count per
            for n in names(t.value):  # write was quadratic)
                reads[n.id] = reads.get(n.id, 0) + 1
        for s, base, attr, _, _ in item_writes:
            container = _atom_name(s.value.args[0])
            if reads.get(container, 0) != 1:
                refused = refused or (s, base, attr)
                continue
            by_base.setdefault(base, []).append((s, self.defs[container][0], attr))
        stored = {id(s) for items in by_base.values() for s, _, _ in items}
        for s in self.helper_calls("item"):  # a container pullback did not find read
            if id(s) not in stored:  # from an object
                refused = refused or (s, None, "attr")
        for base, items in by_base.items():
            varied = base in self.varied or any(
                _atom_name(s.value.args[2]) in self.varied for s, _, _ in items)
            if not varied or self._stored_only(base, writes, moving, tuple(items)):
                continue
            if base in self.params and not self.defs.get(base):
                self.written_objects.add(base)
                for s, _, attr in items:
                    self.item_writes_read_back[id(s)] = (
                        base, attr, s.value.args[1], _atom_name(s.value.args[2]))
                self._received_write(base, next(
                    (s for s, _, _ in items if _atom_name(s.value.args[2]) in self.varied),
                    items[0][0]))
            else:
                refused = refused or (items[0][0], base, items[0][2])
        if refused is not None and (refused[1] in self.varied or _atom_name(
                refused[0].value.args[2]) in self.varied or refused[1] is None):
            s, base, attr = refused
            raise NoRuleError(
                f"a value being differentiated stored into {self.spelled(base or 'obj')}."
                f"{attr}[...], a container an object f receives holds, which f reads under "
                "another name, or of an object f binds: pullback follows such a store on a "
                "parameter f never rebinds, whose containers it reads as obj.attr[key]; keep "
                "the value in a local name too, and read that",
                self.parsed.location.describe(s))

    def _probes(self, base) -> set:
        """The ids of `base`'s Name nodes in `hasattr(base, "name")` and `getattr(base,
        "name", default)` calls whose result reaches f's result by no data flow (a test:
        `if not hasattr(self, "_cache"): self._cache = {}`, a lazy cache)."""
        if not hasattr(self, "_probes_found"):  # (every base's, in one scan)
            self._probes_found: dict = {}
            for s in self.assigns:
                value = s.value
                if isinstance(value, gast.Call) and len(value.args) in (2, 3) \
                        and isinstance(value.args[1], gast.Constant) \
                        and self.op(s).callee in (hasattr, getattr) \
                        and _atom_name(value.args[0]) is not None \
                        and s.targets[0].id not in self.useful:
                    self._probes_found.setdefault(_atom_name(value.args[0]), set()).add(
                        id(value.args[0]))
        return self._probes_found.get(base, frozenset()) if base is not None else set()

    def _stored_only(self, base, writes, moving, items=()) -> bool:
        """Whether the attributes f sets on `base`, an object it does not build (`self`, a
        parameter: `self.last_x = x.copy()`), are set and never read back in f (read
        before the first write of a value being differentiated, and a container stored
        into only for its items), and
        `base` is used only as `base.attr` and `base.attr = v` (and as the receiver of
        methods called before every write whose results reach nothing), and no attribute
        read of it
        that may run after a write (a property could read the attribute written) reaches
        f's result: then the write is an effect, run as f runs it (the object holds the
        value f computed, as after calling f), with no reader in this call to pass a
        gradient on; a later call reads the attribute as a value of its own inputs.
        `base` leaves `written_objects`. (`moving`: the writes that are no increments;
        `items`: (statement, the read of the container, its attribute) of stores into
        containers `base` holds, `base.cache[key] = v`.)"""
        if base not in self.params or self.defs.get(base):
            return False  # a name f binds may be a second name of an object f reads
        mine = [s for s, b, _ in moving if b == base]
        if not all(isinstance(s.value.args[1], gast.Constant) for s in mine):
            return False
        written = {s.value.args[1].value for s in mine} | {attr for _, _, attr in items}
        containers = {id(r) for _, r, _ in items}
        reads = [s for s in self.assigns if isinstance(s.targets[0], gast.Name)
                 and self.op(s).kind == "attr" and _atom_name(s.value.value) == base
                 and id(s) not in containers]
        mine += [s for s, _, _ in items]
        order = self._text_positions()
        # (a write of a value not being differentiated, `self.n = X.shape[1]`, is read
        # after it as f reads it: the reads that matter follow the first of the others)
        varied = [s for s in mine if _atom_name(s.value.args[2]) in self.varied] or mine
        first = -1 if any(self._in_loop(s) for s in varied) else min(
            order[id(s)] for s in varied)
        # read back: a written attribute read after the first such write; or a container
        # stored into read before it other than for its items (`rm = self.params["mean"]`
        # reads the old item; the dict itself, kept, would be read changed)
        stored_into = {attr for _, _, attr in items}
        if any(s.value.attr in written and (order[id(s)] > first or s.value.attr in stored_into
                                            and not self._only_indexed(s.targets[0].id))
               for s in reads):
            return False
        if any(order[id(s)] > first and s.targets[0].id in self.useful for s in reads):
            return False
        allowed = {id(s.value.value) for s in reads}
        allowed |= {id(s.value.args[0]) for s, b, _ in writes if b == base}
        allowed |= {id(r.value.value) for _, r, _ in items}
        # a method of base's called before every write (in no loop), whose result reaches
        # nothing (`if not self.ready: self._init_params()`): it cannot read what f stores
        allowed |= {id(s.value.func.value) for s in self.assigns
                    if isinstance(s.targets[0], gast.Name) and isinstance(s.value, gast.Call)
                    and isinstance(s.value.func, gast.Attribute)
                    and _atom_name(s.value.func.value) == base and first >= 0
                    and order[id(s)] < first and not self._read(s.targets[0].id)}
        if self._other_use(base, allowed | self._probes(base)) is not None:
            return False
        self.written_objects.discard(base)
        self.stored_bases.add(base)
        self._received_write(base, mine[0])
        return True

    def _read(self, name) -> bool:
        """Whether a statement reads `name`."""
        if not hasattr(self, "_read_names"):
            self._read_names = {n.id for t in walk(self.tree)
                                if isinstance(t, gast.stmt) and not isinstance(t, gast.FunctionDef)
                                for part in (getattr(t, f, None) for f in (
                                    "value", "test", "iter"))
                                if isinstance(part, gast.AST) for n in walk(part)
                                if isinstance(n, gast.Name)}
        return name in self._read_names

    def _only_indexed(self, name) -> bool:
        """Whether every statement reading `name` reads an item of it, `v = name[k]`."""
        return all(isinstance(t.value, gast.Subscript) and _atom_name(t.value.value) == name
                   and not any(isinstance(n, gast.Name) and n.id == name
                               for n in walk(t.value.slice))
                   for t in self.assigns if any(isinstance(n, gast.Name) and n.id == name
                                                for n in walk(t.value)))

    def _received_write(self, base, s):
        """Note `base`, a parameter whose attributes (or containers' items) f sets to
        values being differentiated, first at `s`, with the attributes f reads of it that
        could lead back to it (not those only grown or stored into: a history list of
        numbers is not walked on each call)."""
        if base in self.received_writes:
            return
        from ..runtime.helpers import store_item

        grows = [t.value.func.value for t in self.assigns if isinstance(t.value, gast.Call)
                 and isinstance(t.value.func, gast.Attribute)
                 and t.value.func.attr in ("append", "extend", "insert")
                 and isinstance(t.value.func.value, gast.Name)]
        for n in list(grows):  # self.d["k"].append(v): d read to reach the list
            defs = self.defs.get(n.id, ())
            if len(defs) == 1 and isinstance(defs[0].value, gast.Subscript) \
                    and isinstance(defs[0].value.value, gast.Name):
                grows.append(defs[0].value.value)
        only_grown = {n.id for n in grows}
        only_grown |= {_atom_name(t.value.args[0]) for t in self.assigns
                       if isinstance(t.value, gast.Call) and self.op(t).callee is store_item}
        skipped = {id(n) for n in grows}
        skipped |= {id(t.value.args[0]) for t in self.assigns if isinstance(t.value, gast.Call)
                    and self.op(t).callee is store_item}
        used = {n.id for t in self.assigns for n in walk(t.value) if isinstance(n, gast.Name)
                and id(n) not in skipped}
        used |= {n.id for t in walk(self.tree) if isinstance(t, (gast.If, gast.While, gast.For))
                 for n in walk(t.test if not isinstance(t, gast.For) else t.iter)
                 if isinstance(n, gast.Name)}
        read = sorted({t.value.attr for t in self.assigns if isinstance(t.targets[0], gast.Name)
                       and self.op(t).kind == "attr" and _atom_name(t.value.value) == base
                       and (t.targets[0].id not in only_grown or t.targets[0].id in used)})
        self.received_writes[base] = (self.parsed.location.describe(s), tuple(read))

    def _is_increment(self, s, base, value) -> bool:
        """Whether the write `s` (`base.attr = value`) adds a number that carries no
        gradient to the value the attribute held just before: `obj.n += 1`,
        `self.nfev = self.nfev + 1`, `obj.t -= dt` with `dt` a constant or a proven scalar
        not being differentiated, the three statements one after another. The new value
        then moves with the old one exactly (a derivative of one), so every read, before
        or after the write, in f, in the methods it calls or in its callers, passes its
        gradient on to the attribute as it was: the write needs no adjoint, and the
        object may be a parameter. (An array updated so is refused when it runs, by the
        check `obj.a += c` carries; a tuple or list cannot be added to a number.)"""
        if value is None or self.owner.get(id(s)) is None:
            return False
        body, at = self._place(s)
        if at < 2:
            return False
        read, added = body[at - 2], body[at - 1]
        if not all(isinstance(t, gast.Assign) and isinstance(t.targets[0], gast.Name)
                   for t in (read, added)) or added.targets[0].id != value:
            return False
        shift = added.value
        if not isinstance(shift, gast.BinOp) or not isinstance(shift.op, (gast.Add, gast.Sub)):
            return False
        old = read.targets[0].id
        if _atom_name(shift.left) == old:
            other = shift.right
        elif _atom_name(shift.right) == old and isinstance(shift.op, gast.Add):
            other = shift.left
        else:
            return False
        number = isinstance(other, gast.Constant) and type(other.value) in (int, float) or (
            _atom_name(other) in self.scalar and _atom_name(other) not in self.varied)
        attr = s.value.args[1]
        return number and isinstance(read.value, gast.Attribute) \
            and _atom_name(read.value.value) == base and isinstance(attr, gast.Constant) \
            and read.value.attr == attr.value

    def _checked_apart(self, base) -> set:
        """The reads of `base` by a generated gradient's entry check `objects_apart(...,
        base)` (the function differentiated again is a gradient): a check that only reads
        it, as the first derivative's own analysis required."""
        from ..runtime.objects import objects_apart

        if not hasattr(self, "_checked_apart_found"):  # (every base's, in one scan)
            self._checked_apart_found: dict = {}
            for s in self.assigns:
                if EFFECT.of(s) and isinstance(s.value, gast.Call) \
                        and self.op(s).callee is objects_apart:
                    for a in s.value.args[2:]:
                        if _atom_name(a) is not None:
                            self._checked_apart_found.setdefault(_atom_name(a), set()).add(
                                id(a))
        return self._checked_apart_found.get(base, set())

    def _other_use(self, name, allowed):
        """The first statement reading `name` other than through the nodes `allowed`. The
        reads of every name, (statement, node) in the order of a walk of the function, are
        gathered in one walk (`_loads_found`): each question reads its own name's only."""
        if not hasattr(self, "_loads_found"):
            self._loads_found: dict = {}
            for stmt in walk(self.tree):
                if not isinstance(stmt, gast.stmt) or isinstance(stmt, gast.FunctionDef):
                    continue
                parts = [getattr(stmt, f, None) for f in ("value", "test", "iter")]
                parts += getattr(stmt, "targets", [])
                for part in parts:
                    if isinstance(part, gast.AST):
                        for node in names(part):
                            if isinstance(node.ctx, gast.Load):
                                self._loads_found.setdefault(node.id, []).append(
                                    (stmt, id(node)))
        for stmt, node in self._loads_found.get(name, ()):
            if node not in allowed:
                return stmt
        return None

    def _check_effect(self, s, op):
        """A call made for its effect (its result unused) runs in the forward sweep as f
        runs it, and needs no adjoint, as long as it changes nothing the gradient reads.
        pullback cannot see into it, so it may receive only numbers, strings and objects
        of the module (not of the function); a method may be called on a parameter that
        turns out not to be an array or list (checked when the gradient runs). Functions
        declared to only read their arguments (EFFECT_ONLY: print, warnings.warn,
        logging) take anything; Python functions receiving a value being differentiated
        are transformed and checked like f; those receiving none run as they are, checked
        as when their result is used (_check_untransformed_call: argument checks such as
        `is_binary(y)`)."""
        if op.kind == "call":
            return
        where = self.parsed.location.describe(s)
        value = s.value
        shown = self._callee_as_written(value.func) if isinstance(value, gast.Call) else None
        shown = shown or (op.name or "the call")
        if isinstance(value, gast.Call):
            passed = [*value.args, *[k.value for k in value.keywords]]
            receiver = value.func.value if isinstance(value.func, gast.Attribute) else None
        else:
            passed, receiver = [n for n in walk(value) if isinstance(n, gast.Name)], None
        grows = _atom_name(receiver) in self.locals and self._grows_a_held_list(
            s, value, _atom_name(receiver), passed)
        for atom in passed:
            name = _atom_name(atom)
            if name is None or name in self.scalar or self._is_text(atom) \
                    or grows and name in self.locals:
                continue
            if name not in self.locals:
                found = self.parsed.lookup(name)
                if found is MISSING or isinstance(found, _PLAIN_VALUES) or callable(found) \
                        or isinstance(found, types.ModuleType):
                    continue
                raise NoRuleError(
                    f"{shown}(...) is called for its effect (its result is unused) and receives "
                    f"{name!r}, a module-level {type(found).__name__}: pullback cannot see "
                    "whether it changes it in place, which the gradient would not follow",
                    where)
            what = "a value being differentiated" if name in self.varied else \
                "a value of the function"
            raise NoRuleError(
                f"{shown}(...) is called for its effect (its result is unused) and receives "
                f"{self.spelled(name)!r}, {what}: pullback cannot see whether it changes it "
                "in place, which the gradient would not follow. Such calls may receive "
                "numbers, strings and module objects (print, warnings.warn and logging "
                "take anything); use its result, or call it outside the function", where)
        name = dotted_name(receiver) if receiver is not None else None
        if name is None or name.split(".")[0] not in self.locals:
            found = MISSING if name is None else self.parsed.resolve(receiver)
            if isinstance(found, (np.ndarray, list, dict, set, bytearray)):
                raise NoRuleError(
                    f"the method {shown}() is called for its effect on {name!r}, a "
                    f"module-level {type(found).__name__} it may change in place: the "
                    "gradient would not follow that; work on a copy made in the function",
                    where)
            return
        name = _atom_name(receiver)
        if grows:
            return
        if name in self.varied or name not in self.params:
            raise NoRuleError(
                f"the method {shown}() is called for its effect on {self.spelled(name)!r}, "
                "a value the function computed: pullback cannot see whether it changes it in "
                "place, which the gradient would not follow; use its result, or call it "
                "outside the function", where)
        MUST_NOT_BE_VIEW.set(s, (  # a parameter: fine unless it is an array or list
            f"the method {shown}() is called for its effect on {name!r}, an array or list, "
            f"which it may change in place; pullback does not follow that\n  {where}"))
        CHECKED_NAME.set(s, name)

    def _callee_as_written(self, func) -> str | None:
        """`self.X.append` for the callee `X_2.append` whose receiver the lowering read into
        a name (`X_2 = self.X`; `item = d_2["k"]` with `d_2 = self.d`: `self.d[...]`), the
        user's names for SSA names; None for a callee that is no dotted name."""
        dotted = dotted_name(func)
        if dotted is None:
            return None
        head, dot, rest = dotted.partition(".")
        return f"{self._read_as_written(head, 4)}{dot}{rest}"

    def _read_as_written(self, name, depth) -> str:
        defs = self.defs.get(name, [])
        if depth and len(defs) == 1 and isinstance(
                defs[0].value, (gast.Attribute, gast.Subscript)) \
                and isinstance(defs[0].value.value, gast.Name):
            read = defs[0].value
            base = self._read_as_written(read.value.id, depth - 1)
            return f"{base}.{read.attr}" if isinstance(read, gast.Attribute) else f"{base}[...]"
        return self.spelled(name)

    def _check_effect_method(self, s, op) -> None:
        """A method of a user object called for its effect, with nothing differentiated
        going through it, runs as it is: it may change in place a list or array the
        object holds (`self.ws.append(v)`, `self.a += v`), which a derivative recorded
        from an attribute read (`np.multiply(q.ws, w)` keeps q.ws) would then read
        changed. Refused when the gradient reads an attribute of that object, or a call
        whose result the gradient reads receives the object (its derivative may hold an
        attribute: `p.val(w)` reading p.ws), unless that read runs after the call
        whenever both run (later in the text, no loop around both: a lazy initialization
        `if not self.ready: self._init_params()` before the reads)."""
        receiver = _atom_name(op.inputs.get("self"))
        if receiver is None:
            return
        loops = self._loops_around(s)
        for t in self.assigns:
            if t is s or not isinstance(t.targets[0], gast.Name) \
                    or t.targets[0].id not in self.useful \
                    or self._order(t, s) == "after" and not loops & self._loops_around(t):
                continue
            read = self.op(t)
            if isinstance(t.value, gast.Attribute) and read.kind == "attr" \
                    and _atom_name(t.value.value) == receiver:
                what = f"whose attribute {t.value.attr!r} the gradient reads"
            elif read.kind in ("method", "call") and any(
                    _atom_name(a) == receiver for a in read.inputs.values()):
                what = "which a call whose result the gradient reads receives"
            else:
                continue
            raise NoRuleError(
                f"the method {op.name or 'call'} is called for its effect on "
                f"{self.spelled(receiver)!r}, {what} (in `{self.source_text(t)}`): "
                "pullback "
                "runs the method as it is and cannot see whether it changes that "
                "attribute in place, which a derivative holding it would then read "
                "changed; use the method's result, or call it outside the function",
                self.parsed.location.describe(s))

    def source_text(self, stmt) -> str:
        """The text of the user's line `stmt` comes from (no file: messages that name
        a second place keep the file and line for the statement refused)."""
        return self.parsed.location.describe(stmt).splitlines()[-1].strip()

    def _grows_a_held_list(self, s, call, name, passed) -> bool:
        """Whether the effect call `call` (statement `s`) appends to (extends, inserts
        into) a list an object holds, `self.history.append(len(self.history))`,
        `self.cache["Z"].append(Z)`, in a way the gradient cannot see: the call is
        `name.append(v)` with `name = obj.attr` (or `name = c[k]`, `c = obj.attr`) read
        just for it, and no read of `obj.attr` in the function reaches the result (so no
        derivative reads the list, whose length the call changes). A value of the
        function appended (`passed`: an array being differentiated, kept for a later
        backward, or a shape) is appended as f appends it (`_appended`). Whether it is a
        list is checked when it runs, and so is whether it is a value read before the
        growth under another name (`q.ws`, `q`, `d["ws"]`, with p is q) that a derivative
        may keep (`list_not_kept`, `held_list`, set up here on `s`); such a value read
        where that check cannot see it (in a branch before, or later in the loop that
        grows the list) is refused."""
        if not (isinstance(call.func, gast.Attribute) and call.func.attr in _GROWING
                and len(self.defs.get(name, ())) == 1):
            return False
        read = self.defs[name][0]
        key = None
        if isinstance(read.value, gast.Subscript) and isinstance(read.value.value, gast.Name):
            held = read.value.value.id  # self.d["k"].append(v): a list a dict it holds holds
            key = read.value.slice
            if len(self.defs.get(held, ())) != 1 or not isinstance(key, gast.Constant) \
                    or self.op(read).kind not in ("index", "nondiff") \
                    or held in self.useful and not self._items_only(held, key, 2):
                return False  # (the dict read for items of the list only: As[-1], len(As))
            read = self.defs[held][0]
        if self.op(read).kind != "attr" or not isinstance(read.value, gast.Attribute):
            return False
        base, attr = _atom_name(read.value.value), read.value.attr
        if base is None or any(
                self.op(t).kind == "attr" and t.targets[0].id in self.useful
                and _atom_name(t.value.value) == base and t.value.attr == attr
                and not self._items_only(t.targets[0].id, key, 2)
                for t in self.assigns if isinstance(t.targets[0], gast.Name)
                and isinstance(t.value, gast.Attribute)):
            return False
        values = [v for v in map(_atom_name, passed) if v in self.locals
                  and v not in self.scalar and not self._is_text(v)]
        kept = self._kept_before(s, read, call, base, attr, key)
        # a call that receives the object may have kept the list for its derivative
        # (np.multiply(self.ws, w) keeps self.ws), which would then read the grown list:
        # a method call run through its transform is checked when it runs (its record
        # and result must not hold the list: objects.method_forward); any other call
        # before the growth, or anywhere when the growth is in a loop, is refused (an
        # object under another name, q with p is q, is checked with the values kept)
        in_loop = self._in_loop(read)
        same = {base}  # the object under its other names in f (q = p: copies of it)
        grown = True
        while grown:
            grown = False
            for t in self.assigns:
                if isinstance(t.targets[0], gast.Name) and t.targets[0].id not in same \
                        and self.op(t).kind == "copy" and _atom_name(t.value) in same:
                    same.add(t.targets[0].id)
                    grown = True
        for t in self.assigns:
            if t is read or not (isinstance(t.targets[0], gast.Name) and self.op(t).kind in (
                    "method", "call", "unknown") and isinstance(t.value, gast.Call)):
                continue
            op = self.op(t)
            keys = [k for k, a in op.inputs.items() if _atom_name(a) in same]
            if not keys or id(t.value.args[0] if t.value.args else None) in self._probes(
                    _atom_name(t.value.args[0]) if t.value.args else None):
                continue  # (hasattr(self, "_hist"): keeps nothing for a derivative)
            order = self._order(t, s)
            if order == "after" and not in_loop or t.targets[0].id not in self.useful:
                continue  # (it reads the list grown already, in both sweeps; or no
                # derivative reads what it returns: self._init_params())
            if op.kind == "method" and t.targets[0].id in self.active and not (
                    {"*", "**"} & set(keys) or op.bound.get("operator")):
                self.grown_checks.setdefault(id(t), []).extend((k, attr) for k in keys)
            elif t.targets[0].id not in self.varied and order == "dominates" \
                    and not in_loop and t.targets[0].id not in self.scalar:
                kept.append(t.targets[0].id)  # a constant it returns, kept by derivatives
                # (W, b = self._get_params()): checked not to hold the list when it grows
            else:
                raise NoRuleError(
                    f"{self._callee_as_written(call.func)}() grows the list "
                    f"{self.spelled(base)}.{attr} after a call that receives "
                    f"{self.spelled(base)!r} "
                    f"({self.source_text(t)}), whose derivative may "
                    "read that list and would then see it grown; grow it before such "
                    "calls, or outside the function", self.parsed.location.describe(read))
        if values:
            kept += self._appended(s, call, values, base, attr, key, same)
            shown = self._callee_as_written(call.func)
            MUST_NOT_BE_VIEW.set(s, (
                f"{shown}() keeps {self.spelled(values[0])!r}, a value of the function, in "
                f"{shown.rpartition('.')[0]}, which must then be a list or a "
                "collections.deque (another class's method could change what it receives), "
                "and which no other argument the function reads may hold (the function "
                "would read it there with no gradient following, or a derivative would read "
                f"it grown); keep the value in a list the object holds, reached by one name"
                f"\n  {self.parsed.location.describe(s)}"))
            CHECKED_NAME.set(s, ("held_list", name, *kept))
        elif kept:
            MUST_NOT_BE_VIEW.set(s, (
                f"{self.spelled(base)}.{attr}.{call.func.attr}() grows the list "
                f"{self.spelled(base)}.{attr}, "
                "which the function read before under another name for a derivative "
                "(the same object passed twice?): the derivative would read it grown; "
                "grow it before the function is called, or outside it\n  "
                f"{self.parsed.location.describe(read)}"))
            CHECKED_NAME.set(s, ("list_not_kept", name, *kept))
        self.grown_lists.append((f"{self.spelled(base)}.{attr}",
                                 self.parsed.location.describe(read)))
        return True

    def _items_only(self, name, key, depth) -> bool:
        """Whether the function reads only items and the length of `name`, the list an
        object holds (`As[-1]`, `len(As)`; or, for a `key` (a Constant node), of the dict
        holding it under that key), and grows it: no derivative can then keep the list
        itself, which a growth would change under it (an item read is checked where it is
        kept: _kept_before)."""
        for t in self.assigns:
            if not any(isinstance(n, gast.Name) and n.id == name for n in walk(t.value)):
                continue
            value = t.value
            if isinstance(value, gast.Subscript) and _atom_name(value.value) == name \
                    and not any(isinstance(n, gast.Name) and n.id == name
                                for n in walk(value.slice)):
                if key is not None and (not isinstance(value.slice, gast.Constant) or (
                        value.slice.value == key.value and not (depth and self._items_only(
                            t.targets[0].id, None, depth - 1)))):
                    return False
                continue
            if isinstance(value, gast.Call) and value.args and not value.keywords \
                    and _atom_name(value.args[0]) == name and len(value.args) == 1 \
                    and self.op(t).callee in (len, bool):
                continue
            if isinstance(value, gast.UnaryOp) and isinstance(value.op, gast.Not) \
                    and _atom_name(value.operand) == name:
                continue  # `if not As:` (its length)
            if key is None and EFFECT.of(t) and isinstance(value, gast.Call) \
                    and isinstance(value.func, gast.Attribute) and value.func.attr in _GROWING \
                    and _atom_name(value.func.value) == name and not any(
                        _atom_name(a) == name for a in value.args):
                continue
            return False
        return not any(isinstance(n, gast.Name) and n.id == name for t in walk(self.tree)
                       if isinstance(t, (gast.If, gast.While, gast.For, gast.Return))
                       and not (isinstance(t, (gast.If, gast.While))  # `if As:`
                                and _atom_name(t.test) == name)
                       for part in (getattr(t, "test", None), getattr(t, "iter", None),
                                    getattr(t, "value", None)) if part is not None
                       for n in walk(part))

    def _appended(self, s, call, values, base, attr, key, same) -> list:
        """Check `values`, values of the function `s` appends to the list `base.attr`
        (`base.attr[key]`) holds: none is an array written in place, or a view of one (the
        list would change with it; the gradient restores the slots it writes). A value being
        differentiated kept there is, for the gradient, a value stored on `base` (as
        `base.attr = v`, `_received_write`): no statement reading `base` (or its copies
        `same`) or a module-level object may reach the result after `s`, where the value
        could be read back with no gradient following. Returns the parameters besides
        `base` that the result reads (which the run-time check `held_list` looks into:
        none may hold the list)."""
        shown = self._callee_as_written(call.func)
        where = self.parsed.location.describe(s)
        shared = self._shared_buffers()
        for v in values:
            if v in shared:
                raise UnsupportedSyntaxError(
                    f"{shown}() keeps {self.spelled(v)!r}, an array written in place (or a "
                    "view of one), which would change the list with it; keep a copy "
                    f"(np.copy({self.spelled(v)}))", where)
        if not set(values) & self.varied:
            return []
        loops = self._loops_around(s)
        holders = self._holders(same, attr, key)
        for t in self.assigns:
            if t is s or not isinstance(t.targets[0], gast.Name) \
                    or t.targets[0].id not in self.useful \
                    or self._order(t, s) != "after" and not loops & self._loops_around(t):
                continue
            if holders and self.op(t).callee is len:
                continue  # len(As): the same in f and in the gradient
            for n in walk(t.value):
                if not (isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)):
                    continue
                if n.id in self.locals:
                    if n.id not in same and n.id not in holders:
                        continue
                else:
                    found = self.parsed.lookup(n.id)
                    if found is MISSING or isinstance(found, (
                            *_PLAIN_VALUES, types.ModuleType, types.FunctionType,
                            types.BuiltinFunctionType, type, np.ufunc)):
                        continue
                raise NoRuleError(
                    f"{shown}() keeps {self.spelled(values[0])!r}, a value being "
                    f"differentiated, in a list {self.spelled(base)!r} holds, and the "
                    f"function reads {self.spelled(n.id)!r} after it "
                    f"(`{self.source_text(t)}`), where it could read that value back with no "
                    "gradient following; keep the value in a local name too and read that, "
                    "or append it last", where)
        if base in self.params and not self.defs.get(base):
            self._received_write(base, s)
            self.held_lists.setdefault(base, []).append((attr, key.value if key else None))
        return [p for p in self.params if p != base and p in self.useful
                and p not in self.scalar]

    def _holders(self, same, attr, key) -> set:
        """The local names that may hold the list `obj.attr` (`obj.attr[key]`) of an
        object named by `same`: `As = obj.attr`, `d = obj.attr; As = d[key]` (an item under
        another constant key is not it), and their copies. A read of one after a value
        being differentiated is appended reads the list grown (`As[-1]`), with no gradient
        following."""
        holders: set = set()
        grown = True
        while grown:
            grown = False
            for t in self.assigns:
                if not isinstance(t.targets[0], gast.Name) or t.targets[0].id in holders:
                    continue
                value, kind = t.value, self.op(t).kind
                if kind == "attr" and isinstance(value, gast.Attribute):
                    found = value.attr == attr and _atom_name(value.value) in same
                elif kind == "copy":
                    found = _atom_name(value) in holders
                elif isinstance(value, gast.Subscript) and _atom_name(value.value) in holders:
                    found = key is not None and (not isinstance(value.slice, gast.Constant)
                                                 or value.slice.value == key.value)
                else:
                    found = False
                if found:
                    holders.add(t.targets[0].id)
                    grown = True
        return holders

    def _shared_buffers(self) -> set:
        """The arrays the function writes in place (`b[k] = v`) and their views."""
        if not hasattr(self, "_shared_found"):
            from .aliasing import views_of

            buffers = {s.targets[0].value.id for s in self.stores
                       if isinstance(s.targets[0], gast.Subscript)}
            self._shared_found = buffers | set(views_of(self, buffers)) if buffers else set()
        return self._shared_found

    def _kept_before(self, s, read, call, base, attr, key) -> list:
        """The names a derivative may keep that may be the list grown at `s` (a parameter
        other than `base`, or a value read: an attribute, an item, a call's result), read
        where they are bound when `s` runs; such a value read elsewhere before `s` (in a
        branch), or after it in a loop around `s`, is refused. An item of the grown list
        itself read in a branch before (`if h: prev = h[-1]`) is an element the growth does
        not change (the list's names are read for items and length only, checked first)."""
        loops = self._loops_around(s)
        grown = self._holders({base}, attr, key)
        kept = [p for p in self.params if p != base and p in self.useful
                and p not in self.scalar and self._read_before(p, s, loops)]
        for t in self.assigns:
            if t is read or t is s or not isinstance(t.targets[0], gast.Name):
                continue
            target = t.targets[0].id
            if target not in self.useful or target in self.scalar or self.op(t).kind not in (
                    "attr", "index", "name", "method", "call", "super") or self.op(
                    t).kind in ("method", "call") and any(
                    _atom_name(a) == base for a in self.op(t).inputs.values()) \
                    or not self._may_be_held(target, set()) \
                    or self._items_only(target, None, 0):
                continue  # (a call receiving the object itself: checked or refused below;
                # a value read only for its items and length: no derivative keeps it)
            order = self._order(t, s)
            if order == "dominates":
                kept.append(target)
            elif order == "before" or loops & self._loops_around(t):
                source = self._item_source(t, s)
                if source is not None:  # an item of a value bound when s runs: if that
                    if source not in grown:  # holds no list grown, nor do its items
                        kept.append(source)
                    continue
                raise NoRuleError(
                    f"{self._callee_as_written(call.func)}() grows the list "
                    f"{self.spelled(base)}.{attr}, "
                    f"and the function reads a value that may be that list under another "
                    f"name ({self.source_text(t)}) where pullback cannot check it when it "
                    "runs (a branch before, or later in the loop): a derivative may keep it "
                    "and read it grown; grow the list before the function is called, or "
                    "outside it", self.parsed.location.describe(read))
        return kept

    def _item_source(self, t, s) -> str | None:
        """For `t`, `v = c[k]` (an item of an item...), the first container `c` up the
        chain that is a parameter or whose one definition runs before `s` whenever `s`
        runs (`xi = X_pad[m, i0:i1]` in a loop, X_pad bound before it), else None."""
        seen = set()
        while isinstance(t.value, gast.Subscript) and isinstance(t.value.value, gast.Name):
            name = t.value.value.id
            defs = self.defs.get(name, ())
            if name in seen or name in self.params and not defs:
                return name if name not in seen else None
            seen.add(name)
            if len(defs) != 1:
                return None
            if self._order(defs[0], s) == "dominates":
                return name
            t = defs[0]
        return None

    def _read_before(self, name, s, loops) -> bool:
        """Whether a statement that reads `name` may run before `s` (earlier in the text,
        or in a loop around `s`): only a value read then can a derivative keep, to read
        it after `s` grew the list (a read after `s` sees the list grown, in both sweeps)."""
        for t in self.assigns:
            if t is not s and any(isinstance(n, gast.Name) and n.id == name
                                  for n in gast.walk(t.value)) \
                    and (self._order(t, s) != "after" or loops & self._loops_around(t)):
                return True
        return False

    def _may_be_held(self, name, seen) -> bool:
        """Whether `name` may be an object the function did not make (a list an object
        holds): a parameter, or read from one (an attribute, a call's result), or an item
        or copy of such a value; not an item of an array the function computed."""
        if name in seen:
            return False
        seen.add(name)
        if name in self.params:
            return True
        for d in self.defs.get(name, ()):
            if isinstance(d.value, gast.Name):
                if self._may_be_held(d.value.id, seen):
                    return True
            elif isinstance(d.value, gast.Subscript):
                if _atom_name(d.value.value) is None or self._may_be_held(
                        _atom_name(d.value.value), seen):
                    return True
            elif isinstance(d.value, (gast.Tuple, gast.List, gast.Dict)):
                return True  # a display may hold a parameter, an object
            elif not isinstance(d.value, gast.Constant) and self.op(d).kind not in (
                    "rule", "construct", "nondiff", "copy"):  # (new values)
                return True
        return False

    def _loops_around(self, s) -> set:
        """The ids of the loops whose bodies hold `s`."""
        found, node = set(), self.owner.get(id(s))
        while node is not None:
            if isinstance(node, (gast.For, gast.While)):
                found.add(id(node))
            node = self.owner.get(id(node))
        return found

    def _order(self, t, s) -> str:
        """"dominates" if statement `t` runs before `s` whenever `s` runs (earlier in the
        same body as `s` or as a block around it), else "before" or "after" in the
        text."""
        self._text_positions()
        parent = self.owner.get(id(t))
        node = s
        while node is not None:
            up = self.owner.get(id(node))
            if up is parent and up is not None:
                if self._place(t)[0] is self._place(node)[0] \
                        and self._positions[id(t)] < self._positions[id(node)]:
                    return "dominates"
                break
            node = up
        return "before" if self._positions[id(t)] < self._positions[id(s)] else "after"

    def _text_positions(self) -> dict:
        """id(statement) -> its place in the text (self.assigns is breadth first)."""
        if not hasattr(self, "_positions"):
            self._positions = {}
            stack = [self.tree]
            while stack:
                node = stack.pop()
                self._positions[id(node)] = len(self._positions)
                for field in ("orelse", "body"):
                    stack.extend(reversed(getattr(node, field, None) or ()))
        return self._positions

    def _place(self, s) -> tuple:
        """(the body or orelse list holding statement `s`, its index there), for the
        statements `owner` knows: a table built once (a scan of the body per question was
        quadratic in a body's length)."""
        if not hasattr(self, "_places"):
            self._places: dict = {}
            for node in self.nodes:
                if node.__class__ in (gast.FunctionDef, gast.If, gast.For, gast.While):
                    for body in (node.body, getattr(node, "orelse", None) or ()):
                        for i, child in enumerate(body):
                            self._places[id(child)] = (body, i)
        return self._places[id(s)]

    def _in_loop(self, s) -> bool:
        node = self.owner.get(id(s))
        while node is not None:
            if isinstance(node, (gast.For, gast.While)):
                return True
            node = self.owner.get(id(node))
        return False

    def _check_untransformed_call(self, s, op) -> None:
        """A Python function called with no value being differentiated runs as it is,
        untransformed: it must not write into an array or list of the function (which
        the adjoint may read later), as its source would show (`a[i] = v`, `a += v`,
        `a.fill(v)`, `a.sort()`, `out=a`, `a.append(v)`)."""
        for param, atom in op.inputs.items():
            name = _atom_name(atom)
            if name is None or name not in self.locals or name in self.scalar:
                continue
            line = _writes_into(op.callee, param)
            if line is not None:
                raise NoRuleError(
                    f"{op.name}(...) receives {self.spelled(name)!r}, an array or list of the "
                    f"function, and may change it in place ({line}); pullback runs that "
                    "call as it is and would not follow the change. Pass a copy, or use the "
                    "function's result instead", self.parsed.location.describe(s))

    def _check_text(self, s) -> None:
        read = {n.id for n in walk(s.value) if isinstance(n, gast.Name)
                and isinstance(n.ctx, gast.Load)} & self.varied
        if read:
            raise NoRuleError(
                f"text made from {self.spelled(sorted(read)[0])!r}, a value being "
                "differentiated, flows into the result: text carries no gradient (use it "
                "in messages, prints and exceptions only)", self.parsed.location.describe(s))

    def _check_no_object_operand(self, s, op):
        """An operator or NumPy function given an object the code built (`Dual(x) +
        Dual(y)`): the object's own methods decide what it computes, which no rule says."""
        if not self._built_objects():  # no object built: nothing to refuse
            return
        for atom in op.inputs.values():
            if op.kind == "index" and any(issubclass(self.op(t).callee, tuple)
                                          for t in self.defs_of_object(atom)):
                continue  # a namedtuple's elements are read as a tuple's
            if op.kind == "rule" and op.callee in (builtins.sum, builtins.tuple, builtins.list) \
                    and self.defs_of_object(atom) and all(
                        issubclass(self.op(t).callee, tuple)
                        and self.op(t).callee.__iter__ is tuple.__iter__
                        for t in self.defs_of_object(atom)):
                continue  # sum(p) of a namedtuple: its elements, as a tuple's
            if _atom_name(atom) in self._objects:
                raise NoRuleError(
                    f"{op.name or 'indexing'} applied to {self.spelled(atom.id)}, an object of "
                    "a user class: what it computes is the class's own method (an overloaded "
                    "operator), which pullback does not differentiate; read the object's "
                    "attributes instead", self.parsed.location.describe(s))

    def _built_objects(self) -> set:
        """The names that may hold an object the code built (`Cls(...)` of a record
        class), through copies: one scan, when first asked."""
        if not hasattr(self, "_objects"):
            seeds = [t.targets[0].id for t in self.by_kind.get("construct", ())]
            flows: dict = {}  # (the copies looked at only when something is built)
            for t in self.by_kind.get("copy", ()) if seeds else ():
                if t.value.__class__ is gast.Name:
                    flows.setdefault(t.value.id, []).append(t.targets[0].id)
            self._objects = _reach(seeds, flows)
        return self._objects

    def defs_of_object(self, atom):
        """The constructions whose object `atom` (through copies) may hold."""
        name, found, seen = _atom_name(atom), [], set()
        work = [name]
        while work:
            n = work.pop()
            if n in seen:
                continue
            seen.add(n)
            for t in self.defs.get(n, ()):  # (not a scan of every assignment per name)
                if self.op(t).kind == "construct":
                    found.append(t)
                elif isinstance(t.value, gast.Name):
                    work.append(t.value.id)
        return found

    def _check_index(self, s, op):
        """`r[k]` of an object that carries no gradient (np.r_, a constant table, an array
        f does not differentiate) with a differentiated value in the index: a read at
        integer positions does not depend on k differentiably, so the generated code
        checks, when it runs, that each such name holds integers (`integer_index`); any
        other key (np.r_[x, c] under another name builds an array of x) is refused there.
        `index_checks`: id(statement) -> [(name, ((what is indexed, name), where))]."""
        index = {n.id for n in walk(s.value.slice)
                 if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}
        varied = sorted(index & self.varied)
        base = _atom_name(s.value.value)
        if varied and base not in self.dicts and base not in self.sequences:
            base = s.value.value
            shown = dotted_name(base) or "an object"
            if isinstance(base, gast.Name) and base.id in self.defs:
                origin = self.defs[base.id][0].value
                shown = dotted_name(origin) or self.spelled(base.id)
            where = self.parsed.location.describe(s)
            self.index_checks[id(s)] = [(name, ((shown, self.spelled(name)), where))
                                        for name in varied]

    def _parameter_call(self, name):
        func = self.parsed.func
        default = inspect.signature(func, follow_wrapped=False).parameters[name].default
        known = default is not inspect.Parameter.empty and callable(default)
        shown = getattr(default, "__name__", "...") if known else "..."
        return (f"call to {name}, a parameter of {func.__name__}"
                + (f" (default {shown})" if known else "")
                + f": pullback picks derivative rules when it transforms {func.__name__}, and "
                f"cannot know which function {name} holds when it runs. Call that function "
                f"by name, or differentiate a function that calls {func.__name__} and passes "
                f"it explicitly ({func.__name__}(..., {name}={shown})): pullback then "
                f"transforms {func.__name__} for the function passed")


def _method_site_hint(parsed, s) -> str:
    """For a method call of generated code (`method_forward(site, obj, ...)`): the user's
    call it stands for, where it is, and how to spell it for a second derivative."""
    from ..runtime.objects import CallSite

    first = s.value.args[0] if isinstance(s.value, gast.Call) and s.value.args else None
    site = parsed.lookup(first.id) if isinstance(first, gast.Name) else None
    if not isinstance(site, CallSite):
        return ""
    where = f"\n  {site.where.strip()}"
    if rules.array_method(site.name) is None:
        return (f"; it is the call {site.shown}, a method of an object, which the first "
                "derivative resolves when it runs" + where)
    return (f"; it is the call {site.shown}, which the first derivative resolves when it "
            "runs, by the receiver's class (a user class your code names defines "
            f".{site.name}() too, so an array's own method and the class's are told apart "
            f"only then); on an array, spell it as the NumPy function (np.{site.name}(x) "
            f"for x.{site.name}()) for a derivative of a derivative" + where)
