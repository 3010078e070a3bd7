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
"""

from __future__ import annotations

import builtins
import inspect
import logging
import operator
import types
import warnings
from dataclasses import dataclass, field

import gast
import numpy as np

from .. import rules
from ..errors import NoRuleError, PullbackError
from ..frontend.parse import MISSING, is_library, parse_function, passed_through
from ..helpers import HELPERS
from ..ir.nodes import dotted_name, parameters, walk
from ..rules.higher import CHECKS
from ..rules.numpy import ELEMENTWISE, REDUCTIONS
from ..runtime import helpers as runtime
from .shapes import Shapes

BINOPS = {
    gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
    gast.Div: operator.truediv, gast.Pow: operator.pow, gast.Mod: operator.mod,
    gast.MatMult: operator.matmul, gast.FloorDiv: operator.floordiv,
    gast.BitOr: operator.or_, gast.BitAnd: operator.and_, gast.BitXor: operator.xor,
    gast.LShift: operator.lshift, gast.RShift: operator.rshift,
}
UNARYOPS = {gast.USub: operator.neg, gast.UAdd: operator.pos, gast.Not: operator.not_,
            gast.Invert: operator.invert}
NONDIFF_ATTRIBUTES = {"shape", "ndim", "size", "dtype", "itemsize", "nbytes"}
# Attributes of arrays that are NumPy functions of them (and views, as their rules say).
ATTRIBUTE_FUNCTIONS = {"T": np.transpose, "real": np.real, "imag": np.imag}
# Methods kept as written in the primal (lists have copy too); the receiver is `self`.
METHOD_RULES = {
    "copy": rules.rule("self", kinds=["fresh"], self="g"),
    # a new array unless copy=False (aliasing.py's fresh_result asks the bound copy)
    "astype": rules.rule("self, dtype, copy=True", self="astype_grad(g, ans)"),
    "item": rules.rule("self", kinds=["fresh"], self="reshape_like(g, self)"),
}
# `+` and `*` where an operand may be a list or tuple: they join or repeat sequences, and
# the helpers split the gradient accordingly (or, on numbers and arrays, do what the
# operator rules do). The result is a new list (its elements are shared, but an array
# written in place is never put into a list: aliasing.py refuses that).
SEQUENCE_RULES = {
    gast.Add: rules.rule("a, b", kinds=["fresh"], a="join_grad(g, a, b, 0)",
                         b="join_grad(g, a, b, 1)"),
    gast.Mult: rules.rule("a, b", kinds=["fresh"], a="replicate_grad(g, a, b, 0)",
                          b="replicate_grad(g, a, b, 1)"),
}
SCALAR_BUILTINS = {builtins.len, builtins.int, builtins.float, builtins.bool, builtins.round}
# Functions called for their effect that only read their arguments (format, print, log,
# warn) and change none of them: a statement calling one may pass any value, differentiated
# or not. Methods are listed as their functions (a Logger's bound `info` is Logger.info).
# Functions that turn a value into text. Text carries no gradient, so text made from a
# value being differentiated may only go where no gradient is wanted (a message, a print,
# an exception), never into the result (`float(str(x))`): _check_text.
TEXT_FUNCTIONS = {builtins.str, builtins.repr, builtins.format, builtins.ascii}
_PLAIN_VALUES = (int, float, complex, str, bytes, bool, type(None))
_LOG_LEVELS = ("debug", "info", "warning", "error", "critical", "exception", "log")
EFFECT_ONLY = {builtins.print, warnings.warn, warnings.warn_explicit} | {
    getattr(logging, level) for level in _LOG_LEVELS} | {
    getattr(logging.Logger, level) for level in _LOG_LEVELS} | {
    getattr(logging.LoggerAdapter, level) for level in _LOG_LEVELS} | CHECKS


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


def _atom_name(node):
    return node.id if isinstance(node, gast.Name) else None


class Analysis:
    def __init__(self, tree, parsed, wrt, optimize=True):
        self.parsed = parsed
        self.tree = tree
        params = parameters(tree.args)
        self.params = params
        every = walk(tree)  # every node, listed once for the scans below
        self.locals = set(params) | {
            n.id for n in every if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Store)
        }
        self.assigns = [s for s in every if isinstance(s, gast.Assign)]
        # values.append(v) / values.extend(vs): like in-place writes, they put v into values
        self.updates = [s for s in every if getattr(s, "list_update", None)]
        # free names whose objects the rules (or the inlined bodies: their code and the
        # defaults normalize read from them too) assume
        self.bindings: dict[str, object] = {}
        for (owner, name), obj in parsed.inlined.items():
            if owner is None:
                self.bindings[name] = obj
                if inspect.isfunction(obj):
                    self.bindings.update({f"{name}.{attr}": getattr(obj, attr) for attr in (
                        "__code__", "__defaults__", "__kwdefaults__")})
        self.sequences = self._sequences()
        self.dicts = self._dicts()
        self.defs: dict[str, list] = {}
        for s in self.assigns:
            if isinstance(s.targets[0], gast.Name):
                self.defs.setdefault(s.targets[0].id, []).append(s)
        self.ops = {id(s): self._classify(s) for s in self.assigns
                    if isinstance(s.targets[0], gast.Name)}
        self.loop_targets = {s.target.id for s in every if isinstance(s, gast.For)}
        self.owner = {}  # statement -> the def/if/loop whose body holds it directly
        self.phi_loop = {}  # loop name -> its loop
        for node in every:
            if isinstance(node, (gast.FunctionDef, gast.If, gast.For, gast.While)):
                for child in node.body + getattr(node, "orelse", []):
                    self.owner[id(child)] = node
            if isinstance(node, (gast.For, gast.While)):
                self.phi_loop.update({p: node for p in node.phis})
        self.result = tree.body[-1].value.id
        self._readers_of = None
        self._scalar_uses_of = None
        self.scalar, self.guarded = self._scalars()
        self.shapes = Shapes(self, optimize)
        self.varied = self._varied(set(wrt))
        self.useful = self._useful()
        self.active = self.varied & self.useful
        self._check_rules()

    def complex_possible(self, wrt) -> bool:
        """Whether a value being differentiated may become complex other than through a
        complex input: a complex literal, a parameter not differentiated, a called Python
        function, or data read from the module (numbers and arrays, not functions and
        modules)."""
        others = set(self.params) - set(wrt)  # as data, not only as counts (range(n))
        if any(op.kind in ("call", "method") or op.kind != "nondiff" and others & set(
                map(_atom_name, op.inputs.values())) for op in self.ops.values()):
            return True  # (a called function's gradient may be complex too)
        for node in walk(self.tree):
            if isinstance(node, gast.Constant) and isinstance(node.value, complex):
                return True
            if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load) \
                    and node.id not in self.locals and node.id not in HELPERS:
                obj = self.parsed.lookup(node.id)
                if not (callable(obj) or isinstance(obj, types.ModuleType) or obj is MISSING):
                    return True
        return False

    def returned_at(self) -> str:
        """Where the user's function returns: its return statement, or its def line when
        it has several."""
        returns = [n for n in walk(self.parsed.tree) if isinstance(n, gast.Return)]
        where = returns[0] if len(returns) == 1 else self.parsed.tree
        return self.parsed.location.describe(where)

    def maybe_unbound(self) -> set[str]:
        """Names that may hold the placeholder of a variable not set on every path: the
        placeholders, and the copies that merge them at branches and loops."""
        return self._copied({s.targets[0].id for s in self.assigns
                             if getattr(s, "sentinel", False)})

    def maybe_bool(self) -> set[str]:
        """Names that may hold a bool (a comparison, `not`, a bool literal), and their
        copies: a number to scalar inference, but no result grad can differentiate."""
        return self._copied({s.targets[0].id for s in self.assigns
                             if isinstance(s.targets[0], gast.Name) and (
                                 isinstance(s.value, gast.Compare)
                                 or isinstance(s.value, gast.UnaryOp)
                                 and isinstance(s.value.op, gast.Not)
                                 or isinstance(s.value, gast.Constant)
                                 and isinstance(s.value.value, bool))})

    def _copied(self, found) -> set[str]:
        """`found` and the names copied from them (`a = b`), transitively."""
        copies: dict = {}  # name -> the names copied from it
        for s in self.assigns:
            if isinstance(s.targets[0], gast.Name) and isinstance(s.value, gast.Name):
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
        return getattr(self.tree, "spelling", {}).get(name, name)

    # classification --------------------------------------------------------------

    def resolve(self, func):
        name = dotted_name(func)
        if name is not None and name.split(".")[0] in self.parsed.static:
            obj = self.parsed.static[name.split(".")[0]]  # a function passed by the caller
            for attr in name.split(".")[1:]:
                obj = getattr(obj, attr, MISSING)
            return obj
        if name is None or name.split(".")[0] in self.locals:
            return MISSING
        head = name.split(".")[0]
        if head in HELPERS:  # normalize renamed the user's own names like these
            found = HELPERS[head]
            for attr in name.split(".")[1:]:
                found = getattr(found, attr, MISSING)
            if self.parsed.lookup(head) is not HELPERS[head]:
                return found  # not the user's name: normalize wrote it
        else:
            found = self.parsed.resolve(func)
        # the derivative is only right for this object (a builtin too: a module global of
        # that name, defined later, would hide it)
        if self.parsed.is_rebindable(head) or hasattr(builtins, head):
            self.bindings.update(self.parsed.guards(name, found))
        return found

    def _classify(self, stmt) -> Op:
        value = stmt.value
        if isinstance(value, (gast.Name, gast.Constant)):
            return Op("copy", {"x": value} if isinstance(value, gast.Name) else {})
        if isinstance(value, gast.BinOp):
            found = SEQUENCE_RULES.get(type(value.op))
            operands = {"a": value.left, "b": value.right}
            if found and any(_atom_name(v) in self.sequences for v in operands.values()):
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
            callee = self.resolve(value.func)
            if getattr(stmt, "effect", False) and _effect_only(callee):
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
            op = self._bind(callee, value.args, value.keywords, dotted_name(value.func)
                            or "call", stmt)
            if op.kind == "unknown":
                method = self._method(value, callee)
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
            if value.attr in NONDIFF_ATTRIBUTES:
                return Op("nondiff")
            if dotted_name(value) and self.resolve(value) is not MISSING:
                return Op("nondiff")  # a module constant such as np.pi
            if value.attr in ATTRIBUTE_FUNCTIONS:  # x.T, z.real, z.imag
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

    def _method(self, value, callee):
        """`obj.method(args)` or `obj(args)` (its `__call__`) of an object the code holds
        (a local value, or a module global that is an instance of a user class): a call
        resolved when it runs, by the class of the object then, to the Python function
        pullback transforms (objects.method_forward; anything else is refused there).
        None for other calls, and for the methods of arrays, lists, dicts and strings,
        which keep their transform-time refusal."""
        func = value.func
        if any(isinstance(a, gast.Starred) for a in value.args) \
                or any(k.arg is None for k in value.keywords):
            return None
        if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name):
            receiver, name = func.value, func.attr
            if receiver.id in self.locals:
                if any(name in k.__dict__ for kind in (np.ndarray, list, dict, str)
                       for k in kind.__mro__):
                    return None
            elif not (isinstance(callee, types.MethodType) and _has_source(callee.__func__)):
                return None
        elif isinstance(func, gast.Name):
            receiver, name = func, "__call__"
            if func.id in self.locals and not self._holds_object(func.id):
                return None
            if func.id not in self.locals and not (
                    callee is not MISSING and not isinstance(callee, type)
                    and _has_source(getattr(type(callee), "__call__", None))):  # noqa: B004 (the class's own __call__)
                return None
        else:
            return None
        inputs = {"self": receiver, **dict(enumerate(value.args)),
                  **{k.arg: k.value for k in value.keywords}}
        shown = f"{dotted_name(func)}()" if dotted_name(func) else f".{name}()"
        return Op("method", inputs, bound={"name": name}, name=shown)

    def _construct(self, value, cls):
        """`Cls(args)` of a record class (objects.record_fields: each stored attribute
        is a parameter, as it was passed): an object built as Python builds it, whose
        attributes' gradients go back to the arguments they hold. The class's `__init__`
        (and `__new__`) are guarded: the mapping was read from them."""
        from ..runtime.objects import record_fields

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
        inputs = {p: v for p, v in bound.arguments.items() if p in fields}
        return Op("construct", inputs, bound={"fields": fields}, callee=cls,
                  name=dotted or cls.__qualname__)

    def _holds_object(self, name) -> bool:
        """Whether the local `name` may hold an object whose `__call__` is resolved when
        the code runs: a parameter without a function as its default, or a value taken
        out of a container or object, or returned by a call. A name bound to functions
        the code names (`act = np.tanh`) keeps its transform-time refusal."""
        defs = [s.value for s in self.assigns
                if isinstance(s.targets[0], gast.Name) and s.targets[0].id == name]
        if not defs:
            if name not in self.params:
                return False
            default = inspect.signature(self.parsed.func, follow_wrapped=False) \
                .parameters[name].default
            return default is inspect.Parameter.empty or not callable(default) \
                or _has_source(getattr(type(default), "__call__", None))  # noqa: B004 (the class's own __call__)
        return all(isinstance(v, (gast.Subscript, gast.Call)) or (
            isinstance(v, gast.Attribute) and isinstance(v.value, gast.Name)
            and v.value.id in self.locals) for v in defs)

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

    def _sequences(self) -> set[str]:
        """Names that may hold a list or tuple: displays, the lists comprehensions and
        list builtins build, tuple(...), and what + and * make of them."""
        seeds, flows = [], {}  # flows: name -> names that hold a sequence if it does
        for s in self.assigns:
            target, value = s.targets[0], s.value
            if not isinstance(target, gast.Name):
                continue
            if isinstance(value, gast.Subscript) and isinstance(value.slice, gast.Slice):
                value = value.value  # a slice of a sequence
            if isinstance(value, (gast.List, gast.Tuple)) or (
                    isinstance(value, gast.Call) and dotted_name(value.func) == "tuple"
                    and self.resolve(value.func) is builtins.tuple):
                seeds.append(target.id)
            sources = [_atom_name(value)]
            if isinstance(value, gast.BinOp) and type(value.op) in SEQUENCE_RULES:
                sources += [_atom_name(value.left), _atom_name(value.right)]
            for source in sources:
                if source is not None:
                    flows.setdefault(source, []).append(target.id)
        return _reach(seeds, flows)

    def _dicts(self) -> set[str]:
        """Names that may hold a dict display of the function (or a copy of one)."""
        seeds, flows = [], {}
        for s in self.assigns:
            target = s.targets[0]
            if isinstance(target, gast.Name):
                if isinstance(s.value, gast.Dict):
                    seeds.append(target.id)
                elif _atom_name(s.value) is not None:
                    flows.setdefault(_atom_name(s.value), []).append(target.id)
        return _reach(seeds, flows)

    def _bind(self, callee, args, keywords, name, stmt=None) -> Op:
        found = rules.lookup(callee) if callee is not MISSING else None
        spread = {}  # normalize passes at most one *P and one **M
        for a in args:
            if isinstance(a, gast.Starred):
                spread["*"] = a.value
        for k in keywords:
            if k.arg is None:
                spread["**"] = k.value
        args = [a for a in args if not isinstance(a, gast.Starred)]
        keywords = [k for k in keywords if k.arg is not None]
        everything = {i: a for i, a in enumerate(args)}
        everything.update({k.arg: k.value for k in keywords})
        everything.update(spread)
        if found == rules.NONDIFF_MARK and not spread:
            return Op("nondiff", callee=callee, name=name)
        if found is None and _has_source(callee):
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
            return Op("unknown", everything, callee=callee, name=f"{name} (given *xs or **m)")
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

    # dataflow -------------------------------------------------------------------

    def _inputs(self, stmt):
        op = self.op(stmt)
        if op.kind == "nondiff" or stmt.targets[0].id in self.shapes.shift_constants:
            return []
        return [n for n in map(_atom_name, op.inputs.values()) if n]

    def _flows(self):
        """name -> the names a gradient-carrying value may flow into from it directly:
        the targets of statements with it among their inputs, the arrays it is written
        into (`x[i] = v`) and the lists it is appended to."""
        flows: dict[str, list] = {}
        for s in self.assigns:
            target = s.targets[0]
            if isinstance(target, gast.Name):
                for n in self._inputs(s):
                    flows.setdefault(n, []).append(target.id)
            else:  # x[i] = v: x now holds v
                base, v = target.value.id, _atom_name(s.value)
                if v is not None:
                    flows.setdefault(v, []).append(base)
        for base, v in self.update_pairs():
            if v is not None:
                flows.setdefault(v, []).append(base)
        return flows

    def _varied(self, varied):
        """The names reachable from `varied` along the flows."""
        return _reach(varied, self._flows())

    def update_pairs(self):
        """(list, name of the value appended or extended with) for each list update."""
        return [(s.value.func.value.id, _atom_name(s.value.args[0])) for s in self.updates
                if s.list_update != "pop"]

    def _useful(self):
        """The names from which the result is reachable along the flows, and from which
        the calls of the user's functions that receive a value being differentiated are:
        such a call is transformed even when its result is unused, so what it does to its
        arguments or to module state is checked (and refused) like the rest of f."""
        backward: dict[str, list] = {}
        for source, targets in self._flows().items():
            for target in targets:
                backward.setdefault(target, []).append(source)
        effects = [s.targets[0].id for s in self.assigns
                   if isinstance(s.targets[0], gast.Name)
                   and self.op(s).kind in ("call", "method")
                   and any(_atom_name(a) in self.varied for a in self.op(s).inputs.values())]
        return _reach([self.result, *effects], backward)

    def _check_rules(self):
        """Default deny: a statement whose value reaches the result and reads a value
        being differentiated is a rule, a transformed call, an index of a differentiated
        value, a copy or pack, or declared non-differentiable; anything else is refused
        here. Reads the classification does not turn into gradients (the callee of
        `m(x)`, the index of `r[x]`) count as reads of the value too. A call pullback does
        not know is refused even when its result is unused: it may change its arguments
        (`xs.reverse()`, `b.fill(x)`, `np.copyto(b, x)`, `out=`)."""
        for s in self.assigns:
            target = s.targets[0]
            if not isinstance(target, gast.Name):
                continue
            op = self.op(s)
            if target.id in self.useful and (isinstance(s.value, gast.JoinedStr) or _in(
                    op.callee, TEXT_FUNCTIONS)):
                self._check_text(s)
            if getattr(s, "effect", False) and op.kind in ("unknown", "call"):
                self._check_effect(s, op)
                if op.kind == "unknown":
                    continue
            if op.kind == "call" and target.id not in self.varied:
                self._check_untransformed_call(s, op)
            if op.callee is runtime.set_attribute and isinstance(s.value, gast.Call) and any(
                    _atom_name(a) in self.varied for a in s.value.args):
                value = s.value.args[2]
                raise NoRuleError(
                    f"assignment of {self.spelled(_atom_name(value) or 'a value')!r}, a value "
                    "being differentiated, to an attribute: pullback differentiates values "
                    "kept in local names, lists and dicts, not in an object's attributes "
                    "(set counters and settings only)", self.parsed.location.describe(s))
            if target.id not in self.useful and op.kind != "unknown":
                continue
            if op.kind != "unknown" and any(isinstance(a, gast.AST) and not isinstance(
                    a, (gast.Name, gast.Constant)) for a in op.inputs.values()):
                raise NoRuleError(  # normalize leaves operands as names and literals
                    f"operand form of {op.name or type(s.value).__name__} that pullback "
                    "does not follow; assign the inner expression to a name first",
                    self.parsed.location.describe(s))
            if op.kind in ("rule", "index") and target.id in self.active:
                self._check_no_object_operand(s, op)
            if op.kind == "index" and _atom_name(op.inputs["x"]) not in self.varied:
                self._check_index(s, op)
            if op.kind != "unknown":
                continue
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
            elif HELPERS.get(op.name) is op.callee:  # in code pullback generated
                what = (f"no derivative rule for {op.name}, a helper of the code pullback "
                        "generated, called on a value being differentiated: this derivative "
                        "of a derivative is not supported yet (rules for the helpers: "
                        "pullback/rules/higher.py)")
            else:
                what = (f"no derivative rule for {op.name}, called on a value being "
                        "differentiated: register one with @pullback.register_rule, or wrap "
                        "the argument in pullback.stop_gradient if no gradient should flow")
            raise NoRuleError(what, self.parsed.location.describe(s))

    def _check_effect(self, s, op):
        """A call made for its effect (its result unused) runs in the forward sweep as f
        runs it, and needs no adjoint, as long as it changes nothing the gradient reads.
        pullback cannot see into it, so it may receive only numbers, strings and objects
        of the module (not of the function); a method may be called on a parameter that
        turns out not to be an array or list (checked when the gradient runs). Functions
        declared to only read their arguments (EFFECT_ONLY: print, warnings.warn,
        logging) take anything; Python functions receiving a value being differentiated
        are transformed and checked like f."""
        if op.kind == "call" and any(_atom_name(a) in self.varied for a in op.inputs.values()):
            return
        where = self.parsed.location.describe(s)
        value = s.value
        shown = dotted_name(value.func) if isinstance(value, gast.Call) else None
        shown = shown or (op.name or "the call")
        if isinstance(value, gast.Call):
            passed = [*value.args, *[k.value for k in value.keywords]]
            receiver = value.func.value if isinstance(value.func, gast.Attribute) else None
        else:
            passed, receiver = [n for n in walk(value) if isinstance(n, gast.Name)], None
        for atom in passed:
            name = _atom_name(atom)
            if name is None or name in self.scalar or self._is_text(name):
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
        if name in self.varied or name not in self.params:
            raise NoRuleError(
                f"the method {shown}() is called for its effect on {self.spelled(name)!r}, "
                "a value the function computed: pullback cannot see whether it changes it in "
                "place, which the gradient would not follow; use its result, or call it "
                "outside the function", where)
        s.must_not_be_view = (  # a parameter: fine unless it is an array or list
            f"the method {shown}() is called for its effect on {name!r}, an array or list, "
            f"which it may change in place; pullback does not follow that\n  {where}")
        s.checked_name = name

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

    def _is_text(self, name) -> bool:
        """Whether every definition of name is a string literal or an f-string."""
        defs = self.defs.get(name)
        return bool(defs) and all(
            isinstance(d.value, gast.JoinedStr) or isinstance(d.value, gast.Constant)
            and isinstance(d.value.value, str) for d in defs)

    def _check_no_object_operand(self, s, op):
        """An operator or NumPy function given an object the code built (`Dual(x) +
        Dual(y)`): the object's own methods decide what it computes, which no rule says."""
        if not hasattr(self, "_objects"):
            seeds = [t.targets[0].id for t in self.assigns if isinstance(t.targets[0], gast.Name)
                     and self.op(t).kind == "construct"]
            flows = {}
            for t in self.assigns:
                if isinstance(t.targets[0], gast.Name) and self.op(t).kind == "copy" \
                        and isinstance(t.value, gast.Name):
                    flows.setdefault(t.value.id, []).append(t.targets[0].id)
            self._objects = _reach(seeds, flows)
        for atom in op.inputs.values():
            if op.kind == "index" and any(issubclass(self.op(t).callee, tuple)
                                          for t in self.defs_of_object(atom)):
                continue  # a namedtuple's elements are read as a tuple's
            if _atom_name(atom) in self._objects:
                raise NoRuleError(
                    f"{op.name or 'indexing'} applied to {self.spelled(atom.id)}, an object of "
                    "a user class: what it computes is the class's own method (an overloaded "
                    "operator), which pullback does not differentiate; read the object's "
                    "attributes instead", self.parsed.location.describe(s))

    def defs_of_object(self, atom):
        """The constructions whose object `atom` (through copies) may hold."""
        name, found, seen = _atom_name(atom), [], set()
        work = [name]
        while work:
            n = work.pop()
            if n in seen:
                continue
            seen.add(n)
            for t in self.assigns:
                if isinstance(t.targets[0], gast.Name) and t.targets[0].id == n:
                    if self.op(t).kind == "construct":
                        found.append(t)
                    elif isinstance(t.value, gast.Name):
                        work.append(t.value.id)
        return found

    def _check_index(self, s, op):
        """`r[x]` of an object that carries no gradient (np.r_, a constant table) with a
        differentiated value in the index: the result depends on x in a way no rule says
        (np.r_[x, c] builds an array of x), so it is refused rather than taken as constant."""
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
            raise NoRuleError(
                f"indexing {shown} with {self.spelled(varied[0])}, a value being "
                f"differentiated: pullback differentiates reads out of arrays, lists and dicts "
                "at integer positions and keys, not objects built by indexing (such as np.r_ "
                "or np.c_); build the array with np.concatenate, np.stack or np.array",
                self.parsed.location.describe(s))

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

    # scalars --------------------------------------------------------------------

    def _scalar_producing(self, s, scalar):
        op = self.op(s)

        def is_scalar(node):
            if isinstance(node, gast.Constant):
                return isinstance(node.value, (int, float, bool))
            return isinstance(node, gast.Name) and node.id in scalar

        value = s.value
        if op.kind == "copy":
            return is_scalar(value)
        if isinstance(value, gast.Compare):
            return is_scalar(value.left) and is_scalar(value.comparators[0])
        if isinstance(value, gast.BinOp):
            return not isinstance(value.op, gast.MatMult) and is_scalar(value.left) \
                and is_scalar(value.right)
        if isinstance(value, gast.UnaryOp):
            return is_scalar(value.operand)
        if isinstance(value, gast.Attribute):
            return value.attr in ("ndim", "size")
        if isinstance(value, gast.Call):
            callee = op.callee
            if callee in SCALAR_BUILTINS or _is_math(callee):
                return True
            args = list(value.args) + [k.value for k in value.keywords]
            if callee in ELEMENTWISE or callee in (builtins.abs, builtins.min, builtins.max):
                return all(is_scalar(a) for a in args)
            if callee in REDUCTIONS:
                return op.bound.get("axis") is None and not op.bound.get("keepdims")
        return False

    def _scalars(self):
        """(names proven scalar, parameters assumed scalar). Forward inference is sound
        on its own; parameters that flow into scalar-only functions are assumed scalar,
        and the generated gradient checks that assumption when it is called."""
        asserted: set = set()
        while True:
            scalar = self._forward_scalars(asserted)
            grown = {n for n, _ in self._assert_scalars(scalar | asserted)} - asserted
            if not grown:
                break
            asserted |= grown
        # Facts: a name with one definition, consumed as a scalar in the same block, holds
        # a scalar whenever it is set (parameters count as set at the top).
        facts: set = set()
        while True:
            scalar = self._forward_scalars(facts)
            grown = {n for n, use in self._assert_scalars(scalar | facts)
                     if self._same_block(n, use)} - facts
            if not grown:
                break
            facts |= grown
        guarded = (asserted & set(self.params)) - facts
        return self._forward_scalars(facts | guarded), guarded

    def _same_block(self, name, use) -> bool:
        if name in self.params:
            return self.owner.get(id(use)) is self.tree
        defs = self.defs.get(name, [])
        return len(defs) == 1 and self.owner.get(id(defs[0])) is self.owner.get(id(use))

    def _forward_scalars(self, assumed):
        """Names all of whose values are scalars, if the names in `assumed` are."""
        scalar = set(self.defs) | set(assumed) | self.loop_targets
        scalar -= set(self.params) - set(assumed)
        readers = self._readers()
        work = list(scalar)
        while work:
            name = work.pop()
            if name not in scalar or name in assumed or name in self.loop_targets:
                continue
            if not all(self._scalar_producing(s, scalar) for s in self.defs.get(name, [])
                       if not getattr(s, "sentinel", False)):
                scalar.discard(name)
                work.extend(readers.get(name, ()))  # names whose definitions read it
        return scalar

    def _readers(self):
        """name -> the names whose definitions read it."""
        if self._readers_of is None:
            self._readers_of = {}
            for name, defs in self.defs.items():
                for s in defs:
                    for n in walk(s.value):
                        if isinstance(n, gast.Name):
                            self._readers_of.setdefault(n.id, []).append(name)
        return self._readers_of

    def _assert_scalars(self, scalar):
        """(name, statement) pairs: the statement consumes the name as a scalar (in a
        scalar-only function, or in an elementwise operation with a scalar result)."""
        found = set()
        for target, always, if_scalar in self._scalar_uses():
            found.update(always)
            if if_scalar and target in scalar:
                found.update(if_scalar)
        return found

    def _scalar_uses(self):
        """Per assignment to a name: (its name, the (name, statement) pairs it consumes
        as scalars, those it consumes as scalars if its own name is scalar). Computed
        once: the scalar inference asks for them at every round."""
        if self._scalar_uses_of is not None:
            return self._scalar_uses_of
        self._scalar_uses_of = uses = []
        for s in self.assigns:
            if not isinstance(s.targets[0], gast.Name):
                continue
            op, value = self.op(s), s.value
            always, if_scalar = [], []
            if isinstance(value, gast.Call) and _is_math(op.callee):
                always = value.args
            elif isinstance(value, gast.BinOp) and not isinstance(value.op, gast.MatMult):
                if_scalar = [value.left, value.right]
            elif isinstance(value, gast.UnaryOp) or op.kind == "copy":
                if_scalar = [value.operand] if isinstance(value, gast.UnaryOp) else [value]
            elif isinstance(value, gast.Call) and op.callee in ELEMENTWISE:
                if_scalar = value.args
            pairs = []
            for args in (always, if_scalar):
                pairs.append([])
                for a in args:
                    if not isinstance(a, gast.Name):
                        continue
                    loop = self.phi_loop.get(a.id)
                    # A loop name seen at the top of its own loop body holds a scalar in
                    # every iteration; seen anywhere else, only some of its values are known.
                    if loop is None or self.owner.get(id(s)) is loop:
                        pairs[-1].append((a.id, s))
            if pairs[0] or pairs[1]:
                uses.append((s.targets[0].id, *pairs))
        return uses


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


def _in(obj, collection) -> bool:
    try:
        return obj in collection
    except TypeError:  # unhashable
        return False


def _effect_only(callee) -> bool:
    function = getattr(callee, "__func__", callee)  # a bound method: its function
    try:
        return function in EFFECT_ONLY
    except TypeError:  # unhashable
        return False


_MUTATING_METHODS = frozenset({
    "fill", "sort", "partition", "put", "itemset", "resize", "setfield", "append", "extend",
    "insert", "pop", "remove", "clear", "reverse", "update", "setdefault", "popitem",
    "add", "discard"})


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


_WRITES: dict = {}  # (code object, parameter) -> what _scan_writes found


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


def _is_math(callee) -> bool:
    return getattr(callee, "__module__", None) == "math"
