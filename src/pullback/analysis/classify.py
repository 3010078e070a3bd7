"""What each assignment computes, for analysis/activity.py's `Analysis`.

`_classify` gives every assignment to a name an `Op`: a copy, a call or operator with a
derivative `Rule` (operators, NumPy, math, methods kept as written: METHOD_RULES, `+` and
`*` of lists: SEQUENCE_RULES), a call of a Python function pullback transforms too, a
method call or call of an object (resolved when it runs), the construction of a record
class, `super()`, a subscript or attribute read, a pack (tuple, list, dict display), or
non-differentiable (comparisons, text, exceptions, counts); anything else is 'unknown',
which the refusals refuse where a gradient would need it. `resolve` finds the object a
dotted callee names, and records in `bindings` what the choice relied on.
"""

from __future__ import annotations

import builtins
import dataclasses
import functools
import inspect
import logging
import operator
import types
import warnings
from dataclasses import dataclass, field

import gast
import numpy as np

from .. import rules
from ..frontend.parse import MISSING, is_library, passed_through
from ..helpers import HELPERS
from ..ir.annotations import (
    EFFECT,
)
from ..ir.nodes import dotted_name, names, walk
from ..rules.methods import ATTRIBUTE_FUNCTIONS, METHOD_RULES, SEQUENCE_RULES

BINOPS = {
    gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
    gast.Div: operator.truediv, gast.Pow: operator.pow, gast.Mod: operator.mod,
    gast.MatMult: operator.matmul, gast.FloorDiv: operator.floordiv,
    gast.BitOr: operator.or_, gast.BitAnd: operator.and_, gast.BitXor: operator.xor,
    gast.LShift: operator.lshift, gast.RShift: operator.rshift,
}
# the methods of user classes that Python's operators call (the reflected ones: objects.py)
OPERATOR_METHODS = {
    gast.Add: "__add__", gast.Sub: "__sub__", gast.Mult: "__mul__", gast.Div: "__truediv__",
    gast.Pow: "__pow__", gast.MatMult: "__matmul__", gast.FloorDiv: "__floordiv__",
    gast.Mod: "__mod__", gast.USub: "__neg__", gast.UAdd: "__pos__"}
_OPERATOR_NAMES = set(OPERATOR_METHODS.values()) | {
    "__r" + name[2:] for name in OPERATOR_METHODS.values()}
UNARYOPS = {gast.USub: operator.neg, gast.UAdd: operator.pos, gast.Not: operator.not_,
            gast.Invert: operator.invert}
NONDIFF_ATTRIBUTES = {"shape", "ndim", "size", "dtype", "itemsize", "nbytes"}
# Functions that turn a value into text. Text carries no gradient, so text made from a
# value being differentiated may only go where no gradient is wanted (a message, a print,
# an exception), never into the result (`float(str(x))`): _check_text.
TEXT_FUNCTIONS = {builtins.str, builtins.repr, builtins.format, builtins.ascii}
# The methods of str ("{:.3f}".format(x), sep.join(parts)): text, ints, bools or lists of
# text, whatever their arguments are, so none carries a gradient (see _check_text)
TEXT_METHODS = {name: f for name, f in vars(str).items() if not name.startswith("_")}
TEXT_FUNCTIONS |= set(TEXT_METHODS.values())
_LOG_LEVELS = ("debug", "info", "warning", "error", "critical", "exception", "log")
# Functions called for their effect that only read their arguments (format, print, log,
# warn) and change none of them: a statement calling one may pass any value, differentiated
# or not. Methods are listed as their functions (a Logger's bound `info` is Logger.info).
EFFECT_ONLY = {builtins.print, warnings.warn, warnings.warn_explicit} | {
    getattr(logging, level) for level in _LOG_LEVELS} | {
    getattr(logging.Logger, level) for level in _LOG_LEVELS} | {
    getattr(logging.LoggerAdapter, level) for level in _LOG_LEVELS}
# and write_back (lower/inputs.py), which writes only the caller's object, at the return,
# where nothing of the function reads it again
EFFECT_ONLY.add(HELPERS["write_back"])


@dataclass
class Op:
    """What one assignment computes."""

    # 'copy' | 'rule' | 'call' | 'method' | 'construct' | 'super' | 'index' | 'attr' | 'pack'
    # | 'nondiff' | 'unknown'
    kind: str
    inputs: dict = field(default_factory=dict)  # differentiable param -> atom node
    rule: rules.Rule | None = None
    bound: dict = field(default_factory=dict)  # every rule param -> atom node or value
    callee: object = None
    name: str = ""  # how the user spelled the callee
    # a call g(a, *P, **M) of a Python function: which parameters P and M fill
    spread: dict | None = None
    # `obj.method(x)` of a module global or closure variable, called as the function
    # under the method: the receiver, passed to it first (the call's args do not hold it)
    receiver: object = None


# functions of dataclasses that a method_forward site runs as what they do to an object
# of a record class (runtime/objects.py: record_method), its first argument the receiver
RECORD_FUNCTIONS = {dataclasses.replace: "__pullback_replace__",
                    dataclasses.astuple: "__pullback_astuple__"}


def _as_declared(func):
    """What the class body that defines `func` holds under its name (a `staticmethod`
    wrapper, a `classmethod`, the function itself), found from its module by its
    qualified name; None when that path does not lead there (a class made in a function,
    a name bound again since)."""
    owner = getattr(func, "__globals__", {})
    parts = getattr(func, "__qualname__", "").split(".")
    for part in parts[:-1]:
        owner = owner.get(part) if isinstance(owner, dict) else vars(owner).get(part)
        if not isinstance(owner, type):
            return None
    declared = vars(owner).get(parts[-1]) if isinstance(owner, type) else None
    return declared if getattr(declared, "__func__", declared) is func else None


_UNSEEN = object()


def _atom_name(node):
    return node.id if isinstance(node, gast.Name) else None


def _reach(start, flows) -> set:
    """The names reachable from `start` along `flows` (name -> names), start included."""
    found = set(start)
    work = list(found)
    while work:
        for target in flows.get(work.pop(), ()):
            if target not in found:
                found.add(target)
                work.append(target)
    return found


def _reach_masks(starts, readers, order) -> dict:
    """name -> the starts it is reachable from along `readers` (name -> names), as bits
    (bit i: starts[i], which reaches itself). One sweep over `order` (best the order of
    definition: a name then has its bits before it passes them on), then a worklist for
    what reaches a name the sweep had passed already (a loop's back edge), or one not in
    `order`: every start's reach at the cost of about one search, not one per start."""
    masks: dict = {}
    for i, start in enumerate(starts):
        masks[start] = masks.get(start, 0) | 1 << i
    last = {n: i for i, n in enumerate(order)}  # (a name is passed on at its last place)
    late = [start for start in starts if start not in last]
    get = masks.get
    for i, n in enumerate(order):
        bits = get(n)
        if bits:
            for r in readers.get(n, ()):
                old = get(r, 0)
                if old | bits != old:
                    masks[r] = old | bits
                    if last.get(r, -1) <= i:
                        late.append(r)
    while late:
        n = late.pop()
        bits = masks[n]
        for r in readers.get(n, ()):
            old = get(r, 0)
            if old | bits != old:
                masks[r] = old | bits
                late.append(r)
    return masks


def _in(obj, collection) -> bool:
    try:
        return obj in collection
    except TypeError:  # unhashable
        return False


def _effect_only(callee) -> bool:
    function = getattr(callee, "__func__", callee)  # a bound method: its function
    try:
        return function in EFFECT_ONLY or "reads-only" in rules.kinds_of(function)
    except TypeError:  # unhashable
        return False


def _spread_layout(signature, given, bound, spread) -> dict:
    """For a call `g(a, b, *P, k=v, **M)` of a Python function: "*" -> (the parameters P
    may fill, in order: the named positional ones past the `given` leading arguments, then
    *args), "**" -> (those M may fill: the named ones not given, then **kwargs), and
    "positional", "offset", "varargs", "named", "varkw": what `spread_grads` needs to
    hand the parameters' gradients back to P's elements and M's keys."""
    kind = inspect.Parameter
    params = list(signature.parameters.values())
    positional = tuple(p.name for p in params if p.kind in (kind.POSITIONAL_ONLY,
                                                            kind.POSITIONAL_OR_KEYWORD))
    varargs = next((p.name for p in params if p.kind == kind.VAR_POSITIONAL), None)
    varkw = next((p.name for p in params if p.kind == kind.VAR_KEYWORD), None)
    named = tuple(p.name for p in params if p.kind in (kind.POSITIONAL_OR_KEYWORD,
                                                       kind.KEYWORD_ONLY))
    layout = {"positional": positional, "offset": given, "varargs": varargs,
              "named": named, "varkw": varkw, "*": (), "**": ()}
    if "*" in spread:
        layout["*"] = tuple(n for n in positional[given:] if n not in bound) \
            + ((varargs,) if varargs else ())
    if "**" in spread:
        layout["**"] = tuple(n for n in named if n not in bound) + ((varkw,) if varkw else ())
    return layout


def _has_source(callee) -> bool:
    """A plain Python function of the user's that pullback can read and transform (never
    one of a library's: those need a rule)."""
    if not inspect.isfunction(callee) or is_library(callee):
        return False
    try:
        inspect.getsourcefile(callee)
        inspect.getsourcelines(callee)
    except (OSError, TypeError):
        return False
    return True


class Classification:
    """Mixed into `Analysis` (activity.py), whose state it reads."""

    def _has_source_once(self, callee) -> bool:
        """`_has_source`, answered once per function in this analysis: reading the
        source tokenizes it, and a function called on every line was read per call."""
        if not inspect.isfunction(callee):
            return False
        if not hasattr(self, "_sourced"):
            self._sourced: dict = {}  # function -> the answer (the function kept)
        found = self._sourced.get(callee)
        if found is None:
            found = self._sourced[callee] = _has_source(callee)
        return found

    def resolve(self, func):
        """The object the dotted name `func` (`np.sin`, `helper`) denotes, MISSING for a
        local value or anything else; what the choice relies on goes into `bindings`.
        Found once per name (a function called on every line was looked up per call)."""
        name = dotted_name(func)
        if name is None:
            return MISSING
        if not hasattr(self, "_resolved"):
            self._resolved: dict = {}  # dotted name -> the object
        found = self._resolved.get(name, _UNSEEN)
        if found is _UNSEEN:
            found = self._resolved[name] = self._resolve(name)
        return found

    def _resolve(self, name):
        if name.split(".")[0] in self.parsed.static:
            obj = self.parsed.static[name.split(".")[0]]  # a function passed by the caller
            for attr in name.split(".")[1:]:
                obj = getattr(obj, attr, MISSING)
            return obj
        if name.split(".")[0] in self.locals:
            return MISSING
        head = name.split(".")[0]
        if head in HELPERS:  # normalize renamed the user's own names like these
            found = HELPERS[head]
            for attr in name.split(".")[1:]:
                found = getattr(found, attr, MISSING)
            if self.parsed.lookup(head) is not HELPERS[head]:
                return found  # not the user's name: normalize wrote it
        else:
            found = self.parsed.resolve_dotted(name)
        # the derivative is only right for this object (a builtin too: a module global of
        # that name, defined later, would hide it)
        rules.adopt_wrapper(found)  # autograd.numpy.sin: NumPy's sin with its rule
        # (an alias normalize bound to a module: what its attributes name may change too)
        if self.parsed.is_rebindable(head) or hasattr(builtins, head) \
                or head not in HELPERS \
                and isinstance(self.parsed.aliases.get(head), types.ModuleType):
            self.bindings.update(self.parsed.guards(name, found))
        # a gradient pullback made that picks its code by the arguments
        # (api._with_operand_objects): the code it runs for plain ones
        if isinstance(found, functools._lru_cache_wrapper) \
                and isinstance(found.__wrapped__, types.FunctionType):
            found = found.__wrapped__  # (functools.cache): a hit returns what it computes
        return getattr(found, "__pullback_defaults_code__", found) \
            if isinstance(found, types.FunctionType) else found

    def _classify(self, stmt) -> Op:
        value = stmt.value
        if isinstance(value, (gast.Name, gast.Constant)):
            return Op("copy", {"x": value} if isinstance(value, gast.Name) else {})
        overloaded = self._overloaded(value)
        if overloaded is not None:
            return overloaded
        if isinstance(value, gast.BinOp):
            found = SEQUENCE_RULES.get(type(value.op))
            if found and self.sequences and (_atom_name(value.left) in self.sequences
                                             or _atom_name(value.right) in self.sequences):
                operands = {"a": value.left, "b": value.right}
                inputs = {p: v for p, v in operands.items() if isinstance(v, gast.Name)}
                return Op("rule", inputs, found, operands, None, "list " + type(value.op).__name__)
            return self._bind(BINOPS.get(type(value.op)), [value.left, value.right], [],
                              type(value.op).__name__)
        if isinstance(value, gast.UnaryOp):
            return self._bind(UNARYOPS.get(type(value.op)), [value.operand], [],
                              type(value.op).__name__)
        if isinstance(value, gast.Compare):
            return Op("nondiff")
        if isinstance(value, gast.Call):
            func = value.func
            if isinstance(func, gast.Attribute) and func.attr in METHOD_RULES and isinstance(
                    func.value, gast.Name) and func.value.id in self.locals:
                found = METHOD_RULES[func.attr]  # x.copy(), x.astype(t), x.item()
                try:
                    bound = found.bind([func.value, *value.args],
                                       {k.arg: k.value for k in value.keywords})
                except TypeError as exc:
                    return Op("unknown", {"self": func.value}, name=f".{func.attr} ({exc})")
                if func.attr == "astype" and self._integer_dtype(bound["dtype"]):
                    return Op("nondiff", name=".astype")  # integers and booleans: steps
                inputs = {"self": func.value}
                return Op("rule", inputs, found, bound, None, f".{func.attr}")
            if isinstance(func, gast.Attribute) and func.attr in TEXT_METHODS \
                    and self._is_text(func.value):  # "{:.3f}".format(x): text, no gradient
                return Op("nondiff", callee=TEXT_METHODS[func.attr], name=f"str.{func.attr}")
            callee = self.resolve(value.func)
            if EFFECT.of(stmt) and _effect_only(callee):
                return Op("nondiff", callee=callee, name=dotted_name(value.func) or "call")
            if _in(callee, TEXT_FUNCTIONS):  # text: no gradient (see _check_text)
                return Op("nondiff", callee=callee, name=callee.__name__)
            if inspect.isclass(callee) and issubclass(callee, BaseException):
                # an exception object holds its arguments: nothing to differentiate
                return Op("nondiff", callee=callee, name=callee.__name__)
            if callee is builtins.super and not value.keywords and (
                    len(value.args) == 2 or not value.args and self.params):
                # super() is the object itself, its methods looked up further along
                instance = value.args[1] if value.args else gast.Name(
                    id=self.params[0], ctx=gast.Load(), annotation=None, type_comment=None)
                return Op("super", {"x": instance}, name="super()")
            if isinstance(callee, type) and rules.lookup(callee) is None:
                built = self._construct(value, callee)
                if built is not None:
                    return built
            if isinstance(callee, types.MethodType) and _has_source(callee.__func__) \
                    and isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name):
                # `obj.method(x)` of a module global or closure variable: the function
                # under it, the object passed first (both guarded by `resolve`), so it is
                # transformed as a call is, to any order (else: resolved when it runs)
                op = self._bind(callee.__func__, [func.value, *value.args], value.keywords,
                                dotted_name(func), stmt)
                if op.kind == "call":
                    op.receiver = func.value
                    return op
            op = self._bind(callee, value.args, value.keywords, dotted_name(value.func)
                            or "call", stmt)
            if op.kind == "unknown":
                method = self._method(value, callee) or self._dispatched(value, callee)
                if method is not None:
                    return method
            if op.kind == "unknown" and isinstance(func, gast.Attribute) \
                    and isinstance(func.value, gast.Name) and func.value.id in self.locals:
                op.inputs["self"] = func.value  # a method of a value: its receiver counts
                op.name = f"the method .{func.attr}()"
            return op
        if isinstance(value, gast.Subscript):
            return Op("index", {"x": value.value})
        if isinstance(value, gast.Attribute):
            # an object of a user class has its own `size`, `T`: read as its attribute
            own = _atom_name(value.value) in self._user_objects()
            if value.attr in NONDIFF_ATTRIBUTES and not own:
                return Op("nondiff")  # (objects.operand_of_user_class checks the receiver)
            if dotted_name(value) and self.resolve(value) is not MISSING:
                return Op("nondiff")  # a module constant such as np.pi
            if value.attr in ATTRIBUTE_FUNCTIONS and not own:  # x.T, z.real, z.imag
                return self._bind(ATTRIBUTE_FUNCTIONS[value.attr], [value.value], [],
                                  f".{value.attr}")
            if isinstance(value.value, gast.Name) and value.value.id in self.locals:
                # obj.W: a stored attribute of an object (checked when the gradient runs)
                return Op("attr", {"x": value.value}, bound={"name": value.attr},
                          name=f".{value.attr}")
            return Op("unknown", {"x": value.value}, name=f".{value.attr}")
        if isinstance(value, gast.JoinedStr):  # an f-string: text, no gradient
            return Op("nondiff", name="f-string")
        if isinstance(value, (gast.Tuple, gast.List)):
            return Op("pack", {i: e for i, e in enumerate(value.elts)})
        if isinstance(value, gast.Dict):  # bound: position -> key
            return Op("pack", dict(enumerate(value.values)), bound=dict(enumerate(value.keys)))
        return Op("unknown", name=type(value).__name__)

    def _is_text(self, atom) -> bool:
        """Whether `atom` (a node or a name) is a string literal, or a name each of whose
        definitions is one or an f-string."""
        if isinstance(atom, gast.Constant):
            return isinstance(atom.value, str)
        defs = self.defs.get(_atom_name(atom) if isinstance(atom, gast.AST) else atom)
        return bool(defs) and all(
            isinstance(d.value, gast.JoinedStr) or isinstance(d.value, gast.Constant)
            and isinstance(d.value.value, str) for d in defs)

    def _overloaded(self, value):
        """`a + b`, `-a`, `a[i]` where an operand is an object of a user class the function
        built (or a value an operator gave such an object: see `_user_objects`): a call of
        the operator's method, resolved when it runs as Python resolves it, reflected
        methods (`__radd__`) and NotImplemented included (objects.operator_forward).
        None for any other expression."""
        if isinstance(value, gast.BinOp) and type(value.op) in OPERATOR_METHODS:
            operands = [value.left, value.right]
            name = OPERATOR_METHODS[type(value.op)]
        elif isinstance(value, gast.UnaryOp) and type(value.op) in OPERATOR_METHODS:
            operands, name = [value.operand], OPERATOR_METHODS[type(value.op)]
        elif isinstance(value, gast.Subscript) and isinstance(value.slice, (
                gast.Name, gast.Constant)):
            operands, name = [value.value, value.slice], "__getitem__"
        else:
            return None
        objects = self._user_objects()
        for v in operands[:1 if isinstance(value, gast.Subscript) else 2]:
            if v.__class__ is gast.Name and (v.id in objects or v.id not in self.locals
                                             and self._global_object(v)):
                break
        else:
            return None
        inputs = {"self": operands[0], **dict(enumerate(operands[1:]))}
        return Op("method", inputs, bound={"name": name, "operator": True},
                  name=f"the operator {name}")

    def _global_object(self, node) -> bool:
        """Whether `node` names a global (or closure) value that is, as the function is
        transformed, an object of a user class defining an operator method (`UNIT * x` of
        a module-level `UNIT = Vec(...)`): its operators run through
        objects.operator_forward, which decides by the operands' classes when it runs."""
        name = _atom_name(node)
        if name is None or name in self.locals:
            return False
        value = self.parsed.lookup(name)
        cls = type(value)
        if value is MISSING or cls.__module__ in ("builtins", "numpy") or is_library(cls) \
                or isinstance(value, (type, types.ModuleType, types.FunctionType,
                                      types.MethodType, np.ndarray, np.generic)) \
                or rules.lookup(cls) is not None:
            return False
        return any(isinstance(klass.__dict__.get(n), types.FunctionType)
                   for klass in cls.__mro__[:-1] for n in _OPERATOR_NAMES | {"__getitem__"})

    def _user_objects(self) -> set:
        """Names that may hold an object of a user class: what a class that is neither
        a builtin, a library class nor one with a rule returns (`Dual(x)`), a method's
        `self` (and an operator method's other operand), their copies, and what operators
        give when applied to one (`Dual(x) + Dual(y)`; an operator of a user class may
        return an object, or a number: operators on numbers then run through the rules
        anyway, see objects.operator_forward)."""
        if hasattr(self, "_objects_found"):
            return self._objects_found
        # parameters that hold such objects this call (api._with_operand_objects)
        found: set = set(getattr(self.parsed, "object_params", ()))
        func = self.parsed.func
        qualname = getattr(func, "__qualname__", "").split(".")
        if len(qualname) > 1 and qualname[-2] != "<locals>" and self.params \
                and not isinstance(_as_declared(func), staticmethod):
            found.add(self.params[0])  # a method's self (a static method has none)
            if qualname[-1] in _OPERATOR_NAMES:  # and an operator method's other operand
                found.update(self.params)
        # one pass for the sources (a user class's construction, a global object), then,
        # if there are any, a worklist along the copies and operators that pass an object on
        for s in self.assigns:
            target, value = s.targets[0], s.value
            if target.__class__ is not gast.Name or target.id in found:
                continue
            if value.__class__ is gast.Call:
                callee = self.resolve(value.func)
                if isinstance(callee, type) and callee.__module__ != "builtins" \
                        and not is_library(callee) and rules.lookup(callee) is None \
                        and not issubclass(callee, (BaseException, tuple, list, dict)):
                    found.add(target.id)
            elif value.__class__ is gast.Name and self._global_object(value):
                found.add(target.id)
        if not found:
            self._objects_found = found
            return found
        passes_on: dict = {}  # name -> the targets of copies and operators reading it
        for s in self.assigns:
            target, value = s.targets[0], s.value
            if target.__class__ is not gast.Name or target.id in found:
                continue
            if value.__class__ is gast.BinOp:
                operands = (value.left, value.right)
            elif value.__class__ is gast.UnaryOp:
                operands = (value.operand,)
            else:
                operands = (value,)
            for operand in operands:
                if operand.__class__ is gast.Name:
                    passes_on.setdefault(operand.id, []).append(target.id)
        work = list(found)
        while work:
            for target in passes_on.get(work.pop(), ()):
                if target not in found:
                    found.add(target)
                    work.append(target)
        self._objects_found = found
        return found

    def operand_checks(self) -> tuple[dict, dict]:
        """Where the generated code checks, when it runs, that an operand of an operator
        differentiated by its rule (`a * x`, `-a`) is not an object of a user class that
        overloads operators (one f did not build, which `_overloaded` would have seen: a
        parameter, an attribute or element read, a call's result, a global). Python would
        run that class's method, not the rule's operator. ({parameter: where}: checked on
        entry, {id(statement): [(name, where)]}: checked right after the statement that
        sets the name, or before the operator when nothing in f sets it); where: (the
        operator's method, the operator's line). An operand is
        exempt when every value it can hold comes from literals, rules or operators whose
        own operands are exempt or checked."""
        if hasattr(self, "_operand_checks"):
            return self._operand_checks
        exempt: dict = {}

        scalar = self.scalar

        def is_exempt(name) -> bool:
            if name in exempt:
                return exempt[name]
            if name in scalar:  # (what _exempt decides at once)
                exempt[name] = True
                return True
            return _decided(_exempt(name))

        def _decided(step) -> bool:
            """What `step` (an `_exempt` or `_produces_number` generator) returns, run depth
            first with a stack of the steps it waits on, not by recursion (a chain of a
            thousand merges, one per guarded part of a function, would pass Python's
            recursion limit)."""
            stack, verdict = [step], None
            while stack:
                try:
                    wanted = stack[-1].send(verdict)
                except StopIteration as stop:
                    stack.pop()
                    verdict = stop.value
                    continue
                verdict = exempt.get(wanted)
                if verdict is None:
                    stack.append(_exempt(wanted))
            return verdict

        def _exempt(name):  # yields the names whose verdicts it needs, returns its own
            exempt[name] = True  # a cycle through phis: decided by its other entries
            verdict = name in self.scalar or bool(self.defs.get(name))
            if verdict and name not in self.scalar:
                for s in self.defs[name]:
                    if not (yield from _produces_number(s)):
                        verdict = False
                        break
            exempt[name] = verdict
            return verdict

        def _produces_number(s):  # yields the names whose verdicts it needs
            value, op = s.value, self.op(s)
            if isinstance(value, gast.Constant):
                return isinstance(value.value, (int, float, complex, bool))
            if isinstance(value, gast.Name):
                return (yield value.id)
            if op.kind == "rule" and isinstance(value, (gast.BinOp, gast.UnaryOp)):
                if id(s) in checked:
                    return True
                for v in walk(value):
                    if isinstance(v, gast.Name) and not (yield v.id):
                        return False
                return True
            if isinstance(value, gast.Attribute) and value.attr in NONDIFF_ATTRIBUTES:
                return True  # x.shape, x.size: numbers (a tuple of them)
            if op.kind == "index" and isinstance(value.value, gast.Name):
                base = value.value  # an element of a NumPy array f made (np.zeros), a size
                # (a parameter has no definition: a scalar one indexed is not known)
                return (yield base.id) and bool(self.shapes.numpy_value(base) or bool(
                    self.defs.get(base.id)) and all(
                    isinstance(d.value, gast.Attribute) for d in self.defs[base.id]))
            if op.kind != "rule":
                return False
            receiver = value.func.value if isinstance(value, gast.Call) and isinstance(
                value.func, gast.Attribute) else value.value if isinstance(
                value, gast.Attribute) else None
            if isinstance(receiver, gast.Name) and receiver.id in self.locals:
                return (yield receiver.id)  # x.copy(), x.T: what x is
            return isinstance(value, gast.Call)  # a NumPy or math function's result

        # one look at each assignment: the attribute reads of values being differentiated
        # (x.size, x.T) and the operators whose operands are checked
        active, varied, ops = self.active, self.varied, self.ops
        checked: set = set()
        attribute_reads, operators = [], []
        for s in self.assigns:
            target, value = s.targets[0], s.value
            if target.__class__ is not gast.Name:
                continue
            cls = value.__class__
            if cls is gast.Attribute:
                if (value.attr in NONDIFF_ATTRIBUTES or value.attr in ATTRIBUTE_FUNCTIONS) \
                        and _atom_name(value.value) in varied and ops[id(s)].kind != "attr":
                    attribute_reads.append(s)
            elif (cls is gast.BinOp or cls is gast.UnaryOp) and target.id in active \
                    and type(value.op) in OPERATOR_METHODS and ops[id(s)].kind == "rule":
                checked.add(id(s))
                operators.append(s)
        entry: dict = {}
        placed: dict = {}
        done: set = set()

        def branched(d, at) -> bool:  # whether an if holds `at` but not `d`
            holders, node = set(), d
            while node is not None:
                node = self.owner.get(id(node))
                holders.add(id(node))
            node = self.owner.get(id(at))
            while node is not None and id(node) not in holders:
                if isinstance(node, gast.If):
                    return True
                node = self.owner.get(id(node))
            return False

        def check(name, at):  # at: the operator statement
            if (name, id(at)) in done or is_exempt(name):
                return
            sources = self.defs.get(name)
            if not sources and name not in self.params or any(
                    branched(d, at) for d in sources or ()):
                # a global, a loop variable, or a value set outside a branch holding the
                # operator (a check where it is set would fire where the operator does
                # not run, naming it while another one runs): before each operator
                done.add((name, id(at)))  # before each operator reading it
                placed.setdefault(("before", id(at)), []).append((name, where(at)))
                return
            if name in done:
                return
            done.add(name)
            if not sources:
                entry[name] = where(at)
            for s in sources or ():
                if isinstance(s.value, gast.Name):
                    check(s.value.id, at)  # a copy: check what it copies
                elif not _decided(_produces_number(s)):
                    placed.setdefault(("after", id(s)), []).append((name, where(at)))

        def where(s):
            if isinstance(s.value, gast.Attribute):
                return (f".{s.value.attr}", self.parsed.location.describe(s))
            return (OPERATOR_METHODS[type(s.value.op)], self.parsed.location.describe(s))

        for s in attribute_reads:  # first: a check of an attribute read refuses any object
            check(s.value.value.id, s)
        for s in operators:
            value = s.value
            for operand in [value.left, value.right] if isinstance(value, gast.BinOp) \
                    else [value.operand]:
                if isinstance(operand, gast.Name):
                    check(operand.id, s)
        # recursive closures: their reference cycle would keep the statements for the collector
        check = is_exempt = _produces_number = None  # noqa: F811
        _exempt = _decided = None  # noqa: F841
        self._operand_checks = (entry, placed)
        return self._operand_checks

    def _method(self, value, callee):
        """`obj.method(args)` or `obj(args)` (its `__call__`) of an object the code holds
        (a local value, or a module global that is an instance of a user class): a call
        resolved when it runs, by the class of the object then, to the Python function
        pullback transforms (objects.method_forward; anything else is refused there).
        None for other calls, and for the methods of arrays, lists, dicts and strings,
        which keep their transform-time refusal."""
        func = value.func
        record = RECORD_FUNCTIONS.get(callee) if isinstance(callee, types.FunctionType) \
            else None
        if record is not None and len(value.args) == 1 and isinstance(
                value.args[0], gast.Name) and value.args[0].id in self.locals:
            # dataclasses.replace(p, b=v): run as what it does to p's class, when it runs
            inputs = {"self": value.args[0], **{k.arg: k.value for k in value.keywords}}
            return Op("method", inputs, bound={"name": record},
                      name=f"{dotted_name(func) or 'dataclasses.' + callee.__name__}()")
        if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name):
            receiver, name = func.value, func.attr
            if receiver.id in self.locals:  # an array's, list's... method keeps its rule,
                # unless the name holds an object of a user class (`ae.encode(x)`)
                # (the lowering keeps an array method as a call when a user class f names
                # defines it too: resolved by the receiver's kind when it runs)
                if receiver.id not in self._user_objects() and (any(
                        name in k.__dict__ for kind in (list, dict, str) for k in kind.__mro__)
                        or name in np.ndarray.__dict__ and (
                            rules.array_method(name) is None
                            or name not in self._module_class_methods())):
                    return None
            elif not (isinstance(callee, types.MethodType) and _has_source(callee.__func__)
                      or callee is not MISSING and not isinstance(callee, type)
                      and not callable(getattr(callee, "__func__", None))
                      and _has_source(getattr(type(callee), "__call__", None))):  # noqa: B004 (the class's own __call__)
                # (an object with a __call__ of the user's that a global holds:
                # family.variance(mu), run as the object's call when it runs)
                return None
        elif isinstance(func, gast.Name):
            receiver, name = func, "__call__"
            if func.id in self.locals and not self._holds_object(func.id):
                return None
            if func.id not in self.locals and not (
                    callee is not MISSING and not isinstance(callee, type)
                    and _has_source(getattr(type(callee), "__call__", None))  # noqa: B004 (the class's own __call__)
                    or isinstance(callee, types.MethodType)
                    and _has_source(callee.__func__)):  # a bound method held in a name
                return None
        else:
            return None
        # `*P` and `**M` (normalize passes at most one of each): bound by Python as the
        # call runs; method_forward refuses a differentiated value in them
        inputs = {"self": receiver}
        for i, a in enumerate(value.args):
            inputs["*" if isinstance(a, gast.Starred) else i] = getattr(a, "value", a) \
                if isinstance(a, gast.Starred) else a
        inputs.update({k.arg or "**": k.value for k in value.keywords})
        shown = f"{dotted_name(func)}()" if dotted_name(func) else f".{name}()"
        return Op("method", inputs, bound={"name": name}, name=shown)

    def _dispatched(self, value, callee):
        """A generated gradient's `method_forward(site, obj, *args)` (`_apart(site,
        others, obj, *args)`, `call_forward_apart(at, forward, others, obj, *args)`) or
        `method_backward(saved, g)`: a method call resolved when
        it runs (its inputs: the object, or the record, as "self", and the call's own
        arguments), which forward mode differentiates (runtime/method_tangents); None for
        anything else, and for arguments passed as *P or **M."""
        from ..runtime.method_tangents import DISPATCHED

        try:
            if callee not in DISPATCHED:
                return None
        except TypeError:  # unhashable
            return None
        args = value.args
        if any(isinstance(a, gast.Starred) for a in args) or any(
                k.arg is None for k in value.keywords):
            return None
        skip = {"method_forward": 1, "method_forward_apart": 2, "call_forward_apart": 3,
                "attribute_forward": 1}.get(callee.__name__, 0)
        if len(args) < skip + 1 + (not skip):
            return None
        inputs = {"self": args[skip], **dict(enumerate(args[skip + 1:]))}
        inputs.update({k.arg: k.value for k in value.keywords})
        from ..runtime.objects import CallSite

        site = self.parsed.lookup(args[0].id) if skip and isinstance(args[0], gast.Name) \
            else None
        shown = site.shown if isinstance(site, CallSite) else f"{callee.__name__}()"
        return Op("method", inputs, bound={"name": callee.__name__, "dispatched": True},
                  name=shown)

    def growth(self, s, op, mode):
        """For objects.CallSite.growth: (whether the function is the one passed to grad,
        its code) when the method call `s` is the first statement to read its receiver, a
        name no statement binds (a parameter or a free name), and stands in no loop, so
        that no derivative the function recorded before it can hold a list the object
        holds: the method may grow one (when the function was itself called so, or passed
        to grad). Else None."""
        name = _atom_name(op.inputs.get("self"))
        if op.kind != "method" or op.bound.get("operator") or name is None \
                or name in self.defs or self._in_loop(s):
            return None
        position, span = self._readers_span()
        if id(s) not in position or span.get(name, (position[id(s)],))[0] < position[id(s)]:
            return None  # an assignment before it reads the name
        return mode != "split", getattr(self.parsed.func, "__code__", None)

    def _readers_span(self) -> tuple[dict, dict]:
        """(id of each assignment -> its position in `assigns`, name -> the positions of
        the first and the last assignment whose value reads it): built once (growth and
        writing ask per method call; a scan of every assignment each was quadratic)."""
        if not hasattr(self, "_readers_span_of"):
            position: dict = {}
            span: dict = {}
            for i, t in enumerate(self.assigns):
                position[id(t)] = i
                for n in names(t.value):
                    span[n.id] = (span.get(n.id, (i,))[0], i)
            self._readers_span_of = position, span
        return self._readers_span_of

    def writing(self, s, op, mode) -> bool:
        """For objects.CallSite.writing: whether the method call `s`, in the function
        passed to grad (not a callee's transform), is on a parameter no statement binds,
        stands in no loop, and is the last statement to read that parameter: the method
        may set attributes of it to values being differentiated, which nothing in this
        run reads after it (the call checks the object is reachable through no other
        argument: objects.method_forward_apart)."""
        name = _atom_name(op.inputs.get("self"))
        if mode == "split" or mode.endswith("_call") or op.kind != "method" \
                or op.bound.get("operator") or name not in self.params \
                or name in self.defs or self._in_loop(s):
            return False
        position, span = self._readers_span()
        if id(s) not in position or span.get(name, (0, 0))[1] > position[id(s)]:
            return False  # an assignment after it reads the name
        return name not in self._control_reads()

    def called_apart(self, s, receiver, mode) -> bool:
        """Whether `s`, a call of a method of an object the function reads by a module-level
        or closure name (`receiver`, resolved now), in the function passed to grad, stands
        in no loop and is the last statement to read that name, any earlier one reaching
        no result (`layer.reset()` before): the method may grow lists the object holds and
        set its attributes to values being differentiated (objects.call_forward_apart
        checks the object is reachable through no other argument)."""
        name = _atom_name(receiver)
        if mode == "split" or mode.endswith("_call") or name is None or name in self.locals \
                or self._in_loop(s):
            return False
        position, span = self._readers_span()
        if id(s) not in position or span.get(name, (0, 0))[1] > position[id(s)]:
            return False  # an assignment after it reads the name
        if getattr(self, "_first_useful_reader_of", (None,))[0] is not self.useful:
            first: dict = {}  # name -> the first assignment reading it whose value is used
            for i, t in enumerate(self.assigns):  # (or that stores into something)
                if not isinstance(t.targets[0], gast.Name) or t.targets[0].id in self.useful:
                    for n in names(t.value):
                        first.setdefault(n.id, i)
            self._first_useful_reader_of = (self.useful, first)
        if self._first_useful_reader_of[1].get(name, position[id(s)]) < position[id(s)]:
            return False  # an earlier one reaches a result
        return name not in self._control_reads()

    def _control_reads(self) -> set:
        """The names read by the tests of branches and loops, loops' iterables and
        returns: gathered once (writing and called_apart ask per method call)."""
        if not hasattr(self, "_control_reads_found"):
            self._control_reads_found = {
                n.id for t in walk(self.tree)
                if isinstance(t, (gast.If, gast.While, gast.For, gast.Return))
                for part in (getattr(t, "test", None), getattr(t, "iter", None),
                             getattr(t, "value", None)) if part is not None
                for n in names(part)}
        return self._control_reads_found

    def _module_class_methods(self) -> set:
        if not hasattr(self, "_class_methods_found"):
            from ..runtime.objects import module_class_methods

            self._class_methods_found = module_class_methods(self.parsed.func)
        return self._class_methods_found

    def _construct(self, value, cls):
        """`Cls(args)` of a record class (objects.record_fields: each stored attribute
        is a parameter, as it was passed): an object built as Python builds it, whose
        attributes' gradients go back to the arguments they hold. The class's `__init__`
        (and `__new__`) are guarded: the mapping was read from them."""
        from ..runtime.objects import record_fields, record_inits

        fields = record_fields(cls)
        if fields is None:
            return None
        try:
            bound = inspect.signature(cls).bind(*value.args,
                                                **{k.arg: k.value for k in value.keywords})
        except (TypeError, ValueError):
            return None
        if not all(isinstance(v, gast.AST) for v in bound.arguments.values()):
            return None  # packed into *args or **kwargs
        dotted = dotted_name(value.func)
        if dotted is not None:
            for attr in ("__init__", "__new__", "__setattr__"):
                found = getattr(cls, attr)
                self.bindings[f"{dotted}.{attr}"] = found
                if inspect.isfunction(found):
                    self.bindings[f"{dotted}.{attr}.__code__"] = found.__code__
            for path, init, _ in record_inits(cls)[1:]:  # those super().__init__ runs
                self.bindings[f"{dotted}.{path}"] = init
                if inspect.isfunction(init):
                    self.bindings[f"{dotted}.{path}.__code__"] = init.__code__
        inputs = {p: v for p, v in bound.arguments.items() if p in fields}
        return Op("construct", inputs, bound={"fields": fields}, callee=cls,
                  name=dotted or cls.__qualname__)

    def helper_calls(self, kind) -> list:
        """The assignments to a name whose value calls a runtime helper the lowering
        writes for a store, in order: kind "item" (`store_item(c, key, v)`) or
        "attribute" (`set_attribute(obj, 'attr', v)`, `set_new_container`). One scan of
        every assignment finds both kinds (item_writes, attribute_writes and the
        refusals ask for them)."""
        from ..runtime.helpers import set_attribute, set_new_container, store_item

        if not hasattr(self, "_helper_calls"):
            self._helper_calls = found = {"item": [], "attribute": []}
            ops = self.ops
            for s in self.by_value.get(gast.Call, ()):  # (assignments of calls to names)
                callee = ops[id(s)].callee
                if callee is store_item:
                    found["item"].append(s)
                elif callee is set_attribute or callee is set_new_container:
                    found["attribute"].append(s)
        return self._helper_calls[kind]

    def item_writes(self) -> list:
        """(statement, object, attribute, key, value) for each `obj.attr[key] = v` of an
        object f does not build (lowered by flatten as `c = obj.attr` and `unused =
        store_item(c, key, v)`), c read from the object by one statement; the names as
        written there (the key and value None for literals)."""
        if not hasattr(self, "_item_writes"):
            self._item_writes = []
            for s in self.helper_calls("item"):
                read = self.defs.get(_atom_name(s.value.args[0]), [])
                if len(read) == 1 and isinstance(read[0].value, gast.Attribute) \
                        and isinstance(read[0].value.value, gast.Name):
                    self._item_writes.append(
                        (s, read[0].value.value.id, read[0].value.attr,
                         _atom_name(s.value.args[1]), _atom_name(s.value.args[2])))
        return self._item_writes

    def attribute_writes(self) -> list:
        """(statement, object, value) for each `obj.attr = v` (lowered by flatten as
        `unused = set_attribute(obj, 'attr', v)`), the names as written there (the value
        None for a literal)."""
        if not hasattr(self, "_attribute_writes"):  # asked four times: one scan
            self._attribute_writes = [
                (s, s.value.args[0].id, _atom_name(s.value.args[2]))
                for s in self.helper_calls("attribute")
                if isinstance(s.value.args[0], gast.Name)]
        return self._attribute_writes

    def _holds_object(self, name, seen=frozenset()) -> bool:
        """Whether the local `name` may hold an object whose `__call__` is resolved when
        the code runs: a parameter without a function as its default, or a value taken
        out of a container or object, or returned by a call, or a copy of such a name (a
        parameter of an inlined function). A name bound to functions the code names
        (`act = np.tanh`) keeps its transform-time refusal."""
        defs = [s.value for s in self.assigns
                if isinstance(s.targets[0], gast.Name) and s.targets[0].id == name]
        if name in seen:  # a loop's copies: the other definitions decide
            return True
        if not defs:
            if name not in self.params:
                return False
            default = inspect.signature(self.parsed.func, follow_wrapped=False) \
                .parameters[name].default
            return default is inspect.Parameter.empty or not callable(default) \
                or _has_source(getattr(type(default), "__call__", None))  # noqa: B004 (the class's own __call__)
        return all(isinstance(v, (gast.Subscript, gast.Call)) or (
            isinstance(v, gast.Attribute) and isinstance(v.value, gast.Name)
            and v.value.id in self.locals) or (
            isinstance(v, gast.Name) and v.id in self.locals
            and self._holds_object(v.id, seen | {name})) for v in defs)

    def _integer_dtype(self, node) -> bool:
        """Whether `node` (the dtype argument of astype or of a rule's callable, such as
        np.sum's) names an integer or boolean dtype."""
        if isinstance(node, gast.Name) and len(self.defs.get(node.id, ())) == 1 and isinstance(
                self.defs[node.id][0].value, (gast.Attribute, gast.Name)):
            node = self.defs[node.id][0].value  # int64 = np.int64, as the SSA form spells it
        if isinstance(node, gast.Constant):
            dtype = node.value
        elif dotted_name(node) is not None:
            dtype = self.resolve(node)
        else:
            return False
        try:
            return np.dtype(dtype).kind in "iub"
        except TypeError:
            return False

    def _sequences_and_dicts(self) -> tuple[set[str], set[str]]:
        """(Names that may hold a list or tuple: displays, the lists comprehensions and
        list builtins build, tuple(...), and what + and * make of them; names that may
        hold a dict display of the function, or a copy of one), from one scan."""
        if not self._sequence_seeds_possible():
            return set(), set()
        seeds, flows = [], {}  # flows: name -> names that hold a sequence if it does
        dict_seeds, copies = [], {}  # copies: name -> the names copied from it
        for s in self.assigns:
            target, value = s.targets[0], s.value
            if target.__class__ is not gast.Name:
                continue
            cls = value.__class__
            if cls is gast.Dict:
                dict_seeds.append(target.id)
            elif cls is gast.Name:
                copies.setdefault(value.id, []).append(target.id)
            if cls is gast.Subscript and value.slice.__class__ is gast.Slice:
                value = value.value  # a slice of a sequence
                cls = value.__class__
            if cls is gast.List or cls is gast.Tuple or cls is gast.Call and (
                    value.func.__class__ is gast.Name and value.func.id == "tuple"
                    and self.resolve(value.func) is builtins.tuple
                    or value.func.__class__ is gast.Attribute
                    and value.func.attr == "tolist" and not value.args):
                seeds.append(target.id)
            source = _atom_name(value)
            if source is not None:
                flows.setdefault(source, []).append(target.id)
            if cls is gast.BinOp and type(value.op) in SEQUENCE_RULES:
                for source in (_atom_name(value.left), _atom_name(value.right)):
                    if source is not None:
                        flows.setdefault(source, []).append(target.id)
        return _reach(seeds, flows), _reach(dict_seeds, copies)

    def _sequence_seeds_possible(self) -> bool:
        """Whether some assignment may start a sequence or a dict for
        `_sequences_and_dicts` (a display, a slice, tuple(...), .tolist()): without one
        both sets are empty, and the scan of every assignment is left out."""
        by_value = self.by_value
        if gast.List in by_value or gast.Tuple in by_value or gast.Dict in by_value:
            return True
        for s in by_value.get(gast.Subscript, ()):
            if s.value.slice.__class__ is gast.Slice:
                return True
        for s in by_value.get(gast.Call, ()):
            func = s.value.func
            if func.__class__ is gast.Name and func.id == "tuple" \
                    or func.__class__ is gast.Attribute and func.attr == "tolist":
                return True
        return False

    def _bind(self, callee, args, keywords, name, stmt=None) -> Op:
        found = rules.lookup(callee) if callee is not MISSING else None
        spread = {}  # normalize passes at most one *P and one **M
        for a in args:
            if a.__class__ is gast.Starred:
                spread["*"] = a.value
        for k in keywords:
            if k.arg is None:
                spread["**"] = k.value
        if spread:
            args = [a for a in args if a.__class__ is not gast.Starred]
            keywords = [k for k in keywords if k.arg is not None]
        everything = dict(enumerate(args))
        if keywords or spread:
            everything.update({k.arg: k.value for k in keywords})
            everything.update(spread)
        if found == rules.NONDIFF_MARK and not spread \
                or callee is slice and self.parsed.generated:  # positions of x[a:b] read
            return Op("nondiff", callee=callee, name=name)
        if found is None and self._has_source_once(callee):
            try:  # a Python function: differentiated by transforming it too
                # the parameters of the function that runs (a decorator's wrapper, not
                # the function under it), as api's `calls` transforms it
                signature = inspect.signature(passed_through(callee), follow_wrapped=False)
                bind = signature.bind_partial if spread else signature.bind
                bound = bind(*args, **{k.arg: k.value for k in keywords})
            except TypeError as exc:
                return Op("unknown", everything, callee=callee, name=f"{name} ({exc})")
            if not all(isinstance(v, gast.AST) for v in bound.arguments.values()):
                return Op("unknown", everything, callee=callee,  # packed into *args, **kw
                          name=f"{name} (a function taking *args or **kwargs)")
            op = Op("call", {**bound.arguments, **spread}, None, dict(bound.arguments),
                    callee, name)
            op.spread = _spread_layout(signature, len(args), set(bound.arguments), spread)
            return op
        if spread:
            why = "given *xs or **m, which its rule cannot bind: pass the arguments one by " \
                "one" if found is not None else "given *xs or **m"
            return Op("unknown", everything, callee=callee, name=f"{name} ({why})")
        if found is None:
            return Op("unknown", everything, callee=callee, name=name)
        try:
            bound = found.bind(args, {k.arg: k.value for k in keywords})
        except TypeError as exc:
            return Op("unknown", everything, callee=callee, name=f"{name} ({exc})")
        if isinstance(bound.get("dtype"), gast.AST) and self._integer_dtype(bound["dtype"]):
            return Op("nondiff", callee=callee, name=name)  # np.sum(x, dtype=int): steps
        inputs = {p: bound[p] for p in found.partials if isinstance(bound.get(p), gast.AST)}
        return Op("rule", inputs, found, bound, callee, name)
