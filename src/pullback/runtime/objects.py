"""Calls of methods and of callable objects, resolved when the gradient runs.

pullback transforms a function once, before it knows the arguments, so the class of an
object the function receives (`model`, `self`, a layer taken from a list) is known only
when the gradient runs. A call `obj.method(args)` or `obj(args)` that receives a value
being differentiated (the object itself, or an argument) is generated as
`method_forward(site, obj, args)`, which resolves the call exactly as Python does
(`getattr(obj, name)`, once, as the call itself would), and runs the forward part of the
transform of the Python function found; `method_backward` runs its backward part.

Guarantees: the function run is the one Python would run for that object at that moment
(a method redefined or monkeypatched later is resolved and transformed anew, through the
transform cache's own checks); only a plain Python function of the user's, with source
and no registered rule, bound to the object (or a plain function the object holds, when
no value being differentiated is in the object), is differentiated, besides four kinds
of call pullback writes as Python of its own (`_made`, source in linecache): a function
with a derivative rule the object holds (`self.activation = np.tanh`: the rule, as if
the code named it; the object gets no gradient from it), a namedtuple's `_replace` and
`_asdict`, and `dataclasses.replace` and `astuple` (record_method: what they do to a
record class, spelled out), and the call `obj.fn(x)` of an object of a user class that
obj holds, for an obj carrying values being differentiated (`_held_call`: written out as
`fn = obj.fn; fn(x)`, so the held object's gradient reaches obj's at .fn). Anything else
(a library object's method, a builtin) raises a PullbackError naming the call site.
Values being differentiated may be passed in `*P` and `**M` and taken by `*args` and
`**kwargs`: the gradients of the parameters they fill go back to P's elements and M's
keys (`_params`, `_handed_backward`). A method named like an array method whose receiver
is, when it runs, a NumPy array is that NumPy function, differentiated by its rule
(`a.dot(b)` is np.dot(a, b)); an object of a user class indexed as `obj[i]` hands its
gradient back through the transform of its `__getitem__` (which must change nothing).
"""

from __future__ import annotations

import collections
import contextvars
import dataclasses
import functools
import inspect
import types
from dataclasses import dataclass, field

import numpy as np

from ..errors import NoRuleError, PullbackError
from .helpers import (
    GradDict,
    GradList,
    GradRecord,
    Unbound,
    accum_attr,
    add_grads,
    as_grad,
    holds,
    is_foreign_array,
    item_grad,
    unbroadcast,
)


@dataclass(frozen=True)
class CallSite:
    """What the generated code knows about one call: the attribute called (`__call__` for
    `obj(...)`), which of its inputs receive values being differentiated ("self" for the
    object, a position, a keyword), whether to optimize the callee, and where it is."""

    name: str
    active: tuple
    optimize: bool
    where: str
    shown: str
    # an attribute read of an object whose attributes the function sets (analysis: read
    # only as obj.attr): a property, which could read or return it, is refused
    stored_only: bool = False
    written_in_place: bool = False  # an operator written `a += b`
    # ((input, attribute), ...): the list that input of the call holds as that attribute,
    # which the function grows after the call (analysis/refusals: `self.ws.append(v)`);
    # the call's result and record must not hold it (a derivative would read it grown)
    grown: tuple = ()
    # (how many plain positional arguments, the names of the keywords) the call passes
    # besides its *P and **M
    given: tuple = (0, ())
    mode: str = "split"  # the callee's transform: forward mode's calls take "jvp_call"
    # (passed to grad, code of the function) for a method call that may grow lists its
    # receiver holds (the callee's transform says which): the first read of the receiver,
    # a parameter, in no loop (analysis/classify: growth), so that no derivative recorded
    # before it holds one, in a function passed to grad or itself called so (_GROWING)
    growth: tuple | None = None
    # for a method call on a parameter of the function passed to grad that is the last
    # read of it, in no loop (analysis/classify: writing): the callee may set attributes
    # of the receiver to values being differentiated (nothing in this run reads them after)
    writing: bool = False
    # (function, parameters) -> its split transform: kept alive here, as the transforms of
    # the functions a caller names are kept by the caller's, and reused while it fits
    transforms: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def refuse(self, why):
        raise NoRuleError(f"cannot differentiate the call to {self.shown}: {why}", self.where)


# (object, code) while a method call that may grow lists of `object` runs the forward
# part of `code`'s transform: its own first call on that object may grow them too
_GROWING: contextvars.ContextVar = contextvars.ContextVar("pullback_growing", default=None)
_RECORD_FUNCTIONS = {"__pullback_replace__": "replace", "__pullback_astuple__": "astuple"}


class _Late:
    """The modules this one calls that import it (rules, frontend.parse, api), imported
    on first use and kept: a relative import inside a function costs about a
    microsecond per call (importlib's handling of the names imported), and the calls a
    gradient resolves when it runs (method_forward, _split) made a dozen per call."""

    MODULES = {"rules": "..rules", "parse": "..frontend.parse", "api": "..api"}

    def __getattr__(self, name):
        import importlib

        if name not in self.MODULES:
            raise AttributeError(name)
        module = importlib.import_module(self.MODULES[name], __package__)
        setattr(self, name, module)
        return module


_late = _Late()


def _resolve(site, obj, args=(), kwargs=None):
    """(the Python function the call runs with `args` and `kwargs`, the object it is
    bound to or None)."""
    if site.name in _RECORD_FUNCTIONS:  # dataclasses.replace(obj, ...) (analysis/classify)
        return _RECORD_FUNCTIONS[site.name], obj
    if site.name == "__call__" and isinstance(obj, type):
        site.refuse(f"it constructs an object of {obj.__qualname__} through a name that "
                    "holds the class (`cls(...)` in a classmethod, a class passed as a "
                    "value), from a value being differentiated; pullback follows "
                    f"constructions written with the class's own name ({obj.__name__}(...)) "
                    "and alternative constructors `return cls(...)` assigned to a name")
    if site.name == "__call__" and isinstance(obj, (types.FunctionType, types.MethodType)):
        found = obj  # a function or bound method held in a name: calling it runs it
        if isinstance(obj, types.MethodType) and "self" in site.active:
            site.refuse(f"it is the bound method {obj.__func__.__qualname__} of an object "
                        "carrying a value being differentiated, taken as a value; call the "
                        "method on the object (obj.method(x)) so that its gradient goes to "
                        "the object's attributes")
    else:
        try:
            found = getattr(obj, site.name)
        except AttributeError as exc:
            raise AttributeError(f"{exc}\n  {site.where}") from None
        if not isinstance(found, (types.FunctionType, types.MethodType, type)) \
                and isinstance(next((vars(c)["__call__"] for c in type(found).__mro__
                                     if "__call__" in vars(c)), None), types.FunctionType):
            # self.act_fn(z): an object the receiver holds, called: its class's __call__
            # runs, bound to that object. When the receiver carries values being
            # differentiated, the call is run as written out, `fn = self.act_fn; fn(z)`
            # (_held_call), so that the held object's gradient goes to the receiver's
            # attribute; otherwise the held object gets none
            if "self" in site.active:
                return _held_call(site.name, len(args), tuple(kwargs or ())), obj
            found = types.MethodType(type(found).__call__, found)
    if isinstance(found, types.MethodType):
        func, receiver = found.__func__, found.__self__
    else:  # a gradient pullback made (api._with_operand_objects): the code it runs first
        func, receiver = getattr(found, "__pullback_defaults_code__", found) if isinstance(
            found, types.FunctionType) else found, None
    rules = _late.rules
    held = obj if site.name == "__call__" else found
    if (not isinstance(func, types.FunctionType) or receiver is not None
            and _late.parse.is_library(func)) and rules.lookup(held) is not None:
        # method_forward calls it through `_calling`: a function with a rule held by the
        # object, or a library object's method keyed by its bound method (SciPy's
        # distributions: self.dbn.cdf(z) with self.dbn = scipy.stats.norm)
        return held, obj
    if not isinstance(func, types.FunctionType):
        site.refuse(f"it runs {found!r} (of a {type(obj).__qualname__} object), which is not "
                    "a Python function pullback can read; register a rule for it")
    if func.__code__ in _RECORD_CODES and receiver is not None:
        return func, receiver  # method_forward runs what it does (record_method)
    _check_readable(site, func, "it")
    if receiver is None and "self" in site.active:
        site.refuse(f"{func.__qualname__} is a function held by an object that carries a "
                    "value being differentiated; pullback cannot see what the function "
                    "reads of it (call a method of the object's class instead)")
    return func, receiver


_EXAMPLE = collections.namedtuple("_EXAMPLE", "a")
_RECORD_CODES = frozenset({_EXAMPLE._replace.__code__, _EXAMPLE._asdict.__code__})
_MADE: dict = {}  # key -> (a Python function pullback made, what its namespace holds)


def _made(key, text, namespace):
    """The function `text` defines (`def made(...)`), compiled once per `key` with its
    source kept in linecache (as a notebook's is), so that pullback can read it."""
    if key not in _MADE:
        import linecache

        name = f"<pullback: {key[0]} ({len(_MADE)})>"
        namespace = {**namespace, "__name__": "pullback_made_calls"}
        exec(compile(text, name, "exec"), namespace)  # noqa: S102 (source pullback wrote)
        linecache.cache[name] = (len(text), None, text.splitlines(True), name)
        _MADE[key] = (namespace["made"], namespace)  # keeps what the key's ids name alive
    return _MADE[key][0]


def _calling(held, positional, keywords):
    """A Python function `(obj, a0, .., k=k) -> held(a0, .., k=k)` for a function with a
    derivative rule that an object holds (`self.activation = np.tanh`, a dataclass field
    defaulting to np.abs) and a call passing `positional` arguments and `keywords`: its
    transform applies the rule as if the code named the function."""
    passed = [f"a{i}" for i in range(positional)] + [f"{k}={k}" for k in keywords]
    params = ", ".join(["_held_object", *(f"a{i}" for i in range(positional)), *keywords])
    what = f"{getattr(held, '__name__', 'a function')} held by an object"
    return _made((what, id(held), positional, keywords),
                 f"def made({params}):\n    return held({', '.join(passed)})\n",
                 {"held": held})


def _held_call(name, positional, keywords):
    """A Python function `(obj, a0, .., k=k) -> fn(a0, .., k=k)` with `fn = obj.<name>`
    read first: the call `obj.<name>(...)` of an object obj holds, written out as pullback
    follows it (the read of a stored attribute, then the held object's __call__), for a
    receiver carrying values being differentiated."""
    passed = [f"a{i}" for i in range(positional)] + [f"{k}={k}" for k in keywords]
    params = ", ".join(["_receiver", *(f"a{i}" for i in range(positional)), *keywords])
    return _made((f"the object held as .{name}", name, positional, keywords),
                 f"def made({params}):\n    held = _receiver.{name}\n"
                 f"    return held({', '.join(passed)})\n", {})


def module_class_methods(func) -> set:
    """The names of the plain Python functions that the classes `func`'s own module
    defines (with their bases'): a value of `func` may be an object of one, whose method
    named like an array method (`dist.mean()`) is then resolved by the receiver's kind."""
    from ..frontend.parse import is_library

    module = getattr(func, "__module__", None)
    found = set()
    for obj in list(getattr(func, "__globals__", {}).values()):
        if isinstance(obj, type) and obj.__module__ == module and not is_library(obj):
            for klass in obj.__mro__[:-1]:
                found.update(k for k, v in vars(klass).items()
                             if isinstance(v, types.FunctionType) and not is_library(v))
    return found


def _array_calling(name, positional, keywords):
    """A Python function `(array, a0, .., k=k) -> np.<f>(array, a0, .., k=k)` for the
    array method `name` (rules.array_method: `x.sum(axis=0)` is np.sum(x, axis=0);
    `x.reshape(2, 3)` is np.reshape(x, (2, 3))), for a call that resolves, when it runs, to
    a method of an array (`a.dot(b)` in a function where a user class defines `dot`): the
    NumPy function's rule differentiates it, as if f had named it."""
    from .. import rules

    function = rules.array_method(name)
    passed = [f"a{i}" for i in range(positional)]
    if name in ("reshape", "transpose") and positional > 1:
        passed = [f"({', '.join(passed)},)"]
    params = ", ".join(["_array", *(f"a{i}" for i in range(positional)), *keywords])
    call_ = ", ".join(["_array", *passed, *(f"{k}={k}" for k in keywords)])
    return _made((f"the array method .{name}()", name, positional, keywords),
                 f"def made({params}):\n    return {function}({call_})\n", {"np": np})


def record_method(name, obj, positional, keywords):
    """A Python function doing what the record method `name` (namedtuple's `_replace`
    and `_asdict`; "replace" and "astuple" for the functions of `dataclasses`) does to
    `obj`, an object of a record class (record_fields) that stores no container or
    record (astuple would copy those), for a call passing `keywords`; None when that is
    not what the call runs. `_replace(y=v)` is `Point(self.x, v)`, `_asdict()` is
    `{"x": self.x, "y": self.y}`, `astuple()` is `(self.x, self.y)`."""
    cls = type(obj)
    fields = record_fields(cls)
    if fields is None or positional or any(len(stored) != 1 for stored in fields.values()):
        return None
    named = isinstance(obj, tuple)
    if named != (name in ("_replace", "_asdict")) or not set(keywords) <= set(fields) \
            or any(k.startswith("_") for k in keywords):
        return None
    reads = {f: k if k in keywords else f"_self.{stored[0]}" for (f, stored), k
             in zip(fields.items(), [f if f in keywords else None for f in fields])}
    if name in ("_replace", "replace"):
        params = ", ".join(["_self", *keywords])
        body = f"_cls({', '.join(f'{f}={v}' for f, v in reads.items())})"
    elif keywords:
        return None
    elif name == "astuple" and len(dataclasses.fields(cls)) != len(fields):
        return None  # a field not set by __init__ is in the tuple too
    else:
        params = "_self"
        if any(isinstance(getattr(obj, stored[0]), (list, tuple, dict)) or
               dataclasses.is_dataclass(getattr(obj, stored[0])) for stored in fields.values()):
            return None  # astuple and _asdict copy containers (and astuple records) deeply
        items = [f"_self.{stored[0]}" for stored in fields.values()]
        body = "{" + ", ".join(f"{f!r}: {v}" for f, v in zip(fields, items)) + "}" \
            if name == "_asdict" else f"({', '.join(items)},)"
    return _made((f"{cls.__qualname__}.{name}", id(cls), keywords),
                 f"def made({params}):\n    return {body}\n", {"_cls": cls})


def _params(site, func, bound, args=(), kwargs=None) -> tuple:
    """(the parameter names of `func` receiving the call's active inputs, in their order;
    None when each active input is one parameter, else per active input how its gradient
    is read from theirs, for `_handed_backward`: an element of `*args`, a key of
    `**kwargs`, or, for a `*P` or `**M` of the call, one such per element or key)."""
    code = func.__code__
    positional = code.co_varnames[:code.co_argcount]
    named = code.co_varnames[code.co_posonlyargcount:code.co_argcount + code.co_kwonlyargcount]
    shift = 1 if bound else 0
    plain = []  # the common call: each active input one named parameter
    for key in site.active:
        if key == "self":
            plain.append(positional[0])
        elif key.__class__ is int and key + shift < len(positional):
            plain.append(positional[key + shift])
        elif key.__class__ is str and key in named:
            plain.append(key)
        else:
            break
    else:
        return tuple(plain), None
    count = code.co_argcount + code.co_kwonlyargcount
    varargs = code.co_varnames[count] if code.co_flags & inspect.CO_VARARGS else None
    varkw = code.co_varnames[count + (varargs is not None)] \
        if code.co_flags & inspect.CO_VARKEYWORDS else None
    params: list = []

    def take(name, part=None):
        if name not in params:
            params.append(name)
        return name, part

    def at(i):  # the argument at position i of the call
        if i + shift < len(positional):
            return take(positional[i + shift])
        if varargs is None:
            site.refuse(f"argument {i + 1} is not taken by any parameter of "
                        f"{func.__qualname__}")
        return take(varargs, i + shift - len(positional))

    def keyword(key):
        if key in named:
            return take(key)
        if varkw is None:
            site.refuse(f"keyword {key!r} does not name a parameter of {func.__qualname__}")
        return take(varkw, key)

    hand = []
    given, explicit = site.given
    for key in site.active:
        if key == "self":
            hand.append(take(positional[0]))
        elif key == "*":
            hand.append(("*", [at(i) for i in range(given, len(args))]))
        elif key == "**":
            hand.append(("**", {k: keyword(k) for k in kwargs if k not in explicit}))
        elif isinstance(key, int):
            hand.append(at(key))
        else:
            hand.append(keyword(key))
    return tuple(params), hand


def _handed_backward(backward, params, hand, record, g):
    """The gradients of a call's active inputs (`_params`' `hand`), from those of the
    callee's parameters `params` that `backward` gives."""
    grads = dict(zip(params, backward(record, g)))

    def one(name, part):
        d = grads[name]
        if part is None:
            return d
        if isinstance(part, int):
            return item_grad(d, part)
        return 0.0 if d.__class__ is float else d.get(part, 0.0)

    out = []
    for name, part in hand:
        if name == "*":
            out.append(GradList(one(*p) for p in part))
        elif name == "**":
            out.append(GradDict({k: one(*p) for k, p in part.items()}))
        else:
            out.append(one(name, part))
    return tuple(out)


def method_forward_apart(site, others, obj, *args, **kwargs):
    """method_forward for a call that may set attributes of `obj` (CallSite.writing):
    `others` are the caller's other arguments and the globals it reads."""
    return method_forward(site, obj, *args, _apart=others, **kwargs)


def method_forward(site, obj, *args, _apart=None, _tangent=None, **kwargs):
    """The call `obj.<site.name>(*args, **kwargs)` run by the forward part of its
    function's transform: (result, what method_backward needs). `_tangent` (forward mode
    of the generated code: method_tangents) makes the forward part run by the function
    it returns for (func, receiver, params, hand, forward, args, kwargs)."""
    if obj.__class__ is np.ndarray or isinstance(obj, np.generic):
        rules = _late.rules
        if rules.array_method(site.name) is not None:  # the array's own method
            func = _array_calling(site.name, len(args), tuple(kwargs))
            params = _params(site, func, True)[0]
            forward, backward = _split(site, func, params)
            if _tangent is not None:
                forward = _tangent(func, obj, params, None, forward, args, kwargs)
            result, record = forward(obj, *args, **kwargs)
            return result, (backward, record)
    func, receiver = _resolve(site, obj, args, kwargs)
    if isinstance(func, str):  # dataclasses.replace(obj, ...): obj is passed again
        args = args[1:]
        made = record_method(func, obj, len(args), tuple(kwargs))
        if made is None or not dataclasses.is_dataclass(obj):
            site.refuse(f"dataclasses.{func} of a {type(obj).__qualname__} object: pullback "
                        f"differentiates it for dataclasses with the generated __init__ (no "
                        f"__post_init__) whose fields hold no containers or dataclasses")
        func = made
    elif not isinstance(func, types.FunctionType):  # a function with a rule, held
        func = _calling(func, len(args), tuple(kwargs))
    elif func.__code__ in _RECORD_CODES:  # p._replace(y=v), p._asdict() of a namedtuple
        made = record_method(func.__name__, receiver, len(args), tuple(kwargs))
        if made is None:
            _check_readable(site, func, "it")  # refused
        func = made
    params, hand = _params(site, func, receiver is not None, args, kwargs)
    growing = _GROWING.get()
    may_grow = site.growth is not None and (site.growth[0] or growing is not None and (
        growing[0] is obj and growing[1] is site.growth[1]))
    forward, backward = _split(site, func, params, may_grow, (obj, _apart)
                               if _apart is not None and receiver is not None else None)
    if hand is not None:
        backward = functools.partial(_handed_backward, backward, params, hand)
    if _tangent is not None:
        forward = _tangent(func, receiver, params, hand, forward, args, kwargs,
                           apart=(obj, _apart) if _apart is not None and receiver is not None
                           else None)
    token = _GROWING.set((obj, func.__code__) if may_grow else None) \
        if may_grow or growing is not None else None
    try:
        if receiver is None:
            result, record = forward(*args, **kwargs)
        else:
            result, record = forward(receiver, *args, **kwargs)
    finally:
        if token is not None:
            _GROWING.reset(token)
    for key, attr in site.grown:
        holder = obj if key == "self" else args[key] if isinstance(key, int) else kwargs[key]
        grown = getattr(holder, attr, None)
        if isinstance(grown, list) and (holds(record, grown, False)
                                        or holds(result, grown, True)):
            site.refuse(f"what it returns or keeps for its derivative holds the list .{attr}, "
                        "which the function grows after the call: the derivative would read "
                        "it grown; grow it before the call, or outside the function")
    return result, (backward, record)


def method_jvp_apart(site, tangents, others, obj, *args, **kwargs):
    """method_jvp for a call that may set attributes of `obj` (CallSite.writing: nothing
    in the caller reads obj after it, so the tangent the method leaves in obj is not
    needed): `others` are the caller's other arguments and the globals it reads, from none
    of which obj may be reachable (objects_apart)."""
    return method_jvp(site, tangents, obj, *args, _apart=others, **kwargs)


def attribute_tangent(dobj, name, dvalue):
    """The tangent of an object after `obj.<name> = v` in forward mode, `dvalue` being
    v's: a dict of its attributes' tangents (as attribute_jvp reads it), the others those
    of `dobj`, its tangent before (0.0, a dict, or an object of its class, as grad returns
    one, whose stored attributes are its tangents)."""
    if dobj.__class__ is float and dobj == 0.0:
        return {name: dvalue}
    if isinstance(dobj, dict):
        return {**dobj, name: dvalue}
    stored = getattr(dobj, "__dict__", None)
    if stored is None or isinstance(dobj, tuple) or any(
            n != "__dict__" for c in type(dobj).__mro__ for n in getattr(c, "__slots__", ())):
        raise PullbackError(f"the tangent given for an object whose attribute {name!r} the "
                            f"function sets is a {type(dobj).__qualname__} with slots or "
                            "fields: give a dict of its attributes' tangents")
    return {**stored, name: dvalue}


def method_jvp(site, tangents, obj, *args, _apart=None, **kwargs):
    """Forward mode's `obj.<site.name>(*args, **kwargs)` (or `obj(...)`): (value, tangent).
    For an array, by the transform of the NumPy function the method is, as method_forward
    takes it; for an object of a user class, by the forward-mode transform of the Python
    function the call runs, resolved now as Python resolves it, the object's own tangent
    among the tangents when it carries values being differentiated (attribute_jvp reads
    its attributes' tangents). A function the object merely holds, called with such a
    tangent, is refused."""
    if obj.__class__ is np.ndarray or isinstance(obj, np.generic):
        from .. import rules

        if rules.array_method(site.name) is not None:
            func = _array_calling(site.name, len(args), tuple(kwargs))
            jvp = _split(site, func, _params(site, func, True)[0])[0]
            return jvp(*tangents, obj, *args, **kwargs)
    func, receiver = _resolve(site, obj, args, kwargs)
    if "self" in site.active and receiver is None:
        site.refuse(f"it calls {func!r}, held by a {type(obj).__qualname__} object carrying "
                    "values being differentiated, which forward mode does not differentiate "
                    "(reverse mode does)")
    if isinstance(func, str) and dataclasses.is_dataclass(obj):  # dataclasses.replace(obj,
        args = args[1:]  # ...): obj is passed again
        func = record_method(func, obj, len(args), tuple(kwargs)) or func
    elif isinstance(func, types.FunctionType) and func.__code__ in _RECORD_CODES:
        made = record_method(func.__name__, receiver, len(args), tuple(kwargs))
        func = func if made is None else made  # p._replace(y=v): Point(p.x, v)
    elif not isinstance(func, (types.FunctionType, str)) and receiver is not None:
        func = _calling(func, len(args), tuple(kwargs))  # a function with a rule, held
        # (`fn = getattr(np, name)`), as method_forward takes it
    if not isinstance(func, types.FunctionType) or func.__code__ in _RECORD_CODES:
        site.refuse(f"it runs {func!r} of a {type(obj).__qualname__} object, which forward "
                    "mode does not differentiate (reverse mode does)")
    params, hand = _params(site, func, receiver is not None, args, kwargs)
    if hand is not None:
        site.refuse("a value being differentiated reaches *args or **kwargs of "
                    f"{func.__qualname__}, which forward mode does not differentiate yet")
    jvp = _split(site, func, params, apart=(obj, _apart)
                 if _apart is not None and receiver is not None else None)[0]
    if receiver is None:
        return jvp(*tangents, *args, **kwargs)
    return jvp(*tangents, receiver, *args, **kwargs)


def attribute_forward(site, obj, _tangent=None):
    """The read `obj.<site.name>` of an object carrying a value being differentiated:
    (its value, what method_backward needs). A stored attribute is read as Python reads
    it, and its gradient goes to that attribute of the object's gradient; a property is
    run through the transform of its getter (a Python function of the user's), as a
    method would be. Any other computed attribute (a descriptor such as
    `functools.cached_property`, whose value then sits in the object like a stored one; a
    `__getattr__` hook; a class attribute) is refused: pullback cannot see what it reads."""
    cls = type(obj)
    found = _class_attribute(cls, site.name)
    if isinstance(found, property) and site.stored_only:
        site.refuse(f"{site.name!r} is a property of {cls.__qualname__}, read of an object "
                    "whose attributes the function sets to values being differentiated: "
                    "pullback does not follow what the property reads of it (or returns); "
                    "read the stored attributes it is computed from")
    if isinstance(found, property) and cls.__getattribute__ is object.__getattribute__:
        getter = found.fget
        if getter is None:
            raise AttributeError(f"property {site.name!r} of {cls.__qualname__!r} object "
                                 f"has no getter\n  {site.where}")
        _check_readable(site, getter, f"the property {cls.__qualname__}.{site.name}")
        params = (getter.__code__.co_varnames[0],)
        forward, backward = _split(site, getter, params)
        if _tangent is not None:  # (method_tangents: a second derivative, as a method's)
            forward = _tangent(getter, obj, params, None, forward, (), {})
        result, record = forward(obj)
        return result, (backward, record)
    if isinstance(found, (property, functools.cached_property)):
        how = "" if isinstance(found, functools.cached_property) else \
            ", a class with its own __getattribute__"
        cached = " (its first read stores the value in the object, where later reads " \
            "find it: the gradient would not follow it there; make it a property, or " \
            "store the value in __init__)" if isinstance(found, functools.cached_property) \
            else ""
        site.refuse(f"{site.name!r} is computed by a {type(found).__name__} of "
                    f"{cls.__qualname__}{how}, which pullback does not differentiate"
                    f"{cached}: properties of plain classes are differentiated, and so are "
                    "the attributes an object stores")
    return getattr(obj, site.name), (_stored_backward, (site, obj))


def attribute_jvp(site, obj, dobj):
    """Forward mode's read `obj.<site.name>` of an object carrying values being
    differentiated: (value, tangent). A stored attribute (an instance's, a dataclass's or
    a NamedTuple's field) has that attribute of the object's tangent (an object of the
    same class, as grad returns, or a dict of its attributes; the number 0 along a
    direction that leaves the object alone); a property runs the forward-mode transform
    of its getter. Refused as attribute_forward refuses: other computed attributes."""
    cls = type(obj)
    found = _class_attribute(cls, site.name)
    _plain_reads(site, cls)
    if isinstance(found, property) and not site.stored_only:
        getter = found.fget
        if getter is None:
            raise AttributeError(f"property {site.name!r} of {cls.__qualname__!r} object "
                                 f"has no getter\n  {site.where}")
        _check_readable(site, getter, f"the property {cls.__qualname__}.{site.name}")
        jvp = _split(site, getter, (getter.__code__.co_varnames[0],))[0]
        return jvp(dobj, obj)
    if isinstance(found, (property, functools.cached_property)):
        attribute_forward(site, obj)  # refused there, with its reason
    return stored_tangent(site, obj, dobj)


def unset_attribute(site, obj):
    """Forward mode's read `obj.<site.name>` of an attribute the function never sets, of
    an object whose other attributes it sets to values being differentiated (derive/
    forward: its tangent is zero): the value stored in the object (or a plain value of its
    class). A property, method or other descriptor is refused: it could read, or return,
    what the function set, whose tangent it would not carry."""
    cls = type(obj)
    _plain_reads(site, cls)
    found = _class_attribute(cls, site.name)
    stored = getattr(obj, "__dict__", None)
    kind = type(found)
    if found is not None and hasattr(kind, "__get__") and (
            hasattr(kind, "__set__") or hasattr(kind, "__delete__")
            or stored is None or site.name not in stored):
        site.refuse(f"{site.name!r} is computed by {cls.__qualname__} ({kind.__name__}), read "
                    "of an object whose attributes the function sets to values being "
                    "differentiated: forward mode does not follow what it reads of them "
                    "(reverse mode differentiates stored attributes)")
    return getattr(obj, site.name)


def _plain_reads(site, cls):
    """Refuse a class of the user's (or a base of it) defining how attributes are read."""
    if any(k.__module__ != "builtins" and ("__getattribute__" in vars(k) or "__getattr__"
                                           in vars(k)) for k in cls.__mro__):
        site.refuse(f"{cls.__qualname__} defines its own __getattribute__ or __getattr__, "
                    f"which decides what .{site.name} reads: forward mode does not follow "
                    "it (reverse mode differentiates stored attributes and properties of "
                    "plain classes)")


def record_tangent(made, parts):
    """The tangent of an object of a record class just built (`Pt(a, b)`, a dataclass,
    a class whose __init__ stores its arguments): an object of its class whose
    attributes are the tangents `parts` (attribute -> tangent; 0.0 for one holding no
    value being differentiated), as attribute_jvp reads it."""
    cls = type(made)
    if isinstance(made, tuple) and hasattr(cls, "_fields"):
        return cls(*[parts.get(name, 0.0) for name in cls._fields])
    tangent = object.__new__(cls)  # (no copy: a class's __getattr__ may recurse there)
    names = list(vars(made)) if "__dict__" in dir(cls) else []
    for name in names + [n for n in getattr(cls, "__slots__", ()) if n != "__dict__"]:
        object.__setattr__(tangent, name, parts.get(name, 0.0))
    return tangent


def stored_tangent(site, obj, dobj):
    """(obj.<site.name>, its tangent) for a stored attribute: that attribute of the
    object's tangent `dobj` (see attribute_jvp)."""
    cls = type(obj)
    _plain_reads(site, cls)
    value = getattr(obj, site.name)
    if dobj.__class__ is float and dobj == 0.0:
        return value, _zero_of(value)
    if isinstance(dobj, dict):
        found = dobj.get(site.name, 0.0)
        return value, _zero_of(value) if found.__class__ is float and found == 0.0 else found
    if isinstance(obj, tuple) and hasattr(cls, "_fields") and isinstance(dobj, tuple) \
            and len(dobj) == len(obj) and site.name in cls._fields:  # a rule's NamedTuple
        return value, dobj[cls._fields.index(site.name)]
    if type(dobj) is not cls:
        site.refuse(f"the tangent given for the {cls.__qualname__} object is a "
                    f"{type(dobj).__qualname__}: a tangent of an object is an object of "
                    "its class (as grad returns), or a dict of its attributes")
    return value, _own_attribute(dobj, site.name)


def _zero_of(value):
    """The zero tangent of an attribute's value: 0.0, or zeros in the structure of an
    array (`X.dot(self.W)`'s tangent has the product's shape), a tuple, list or dict
    (`filter_height, filter_width = self.filter_shape` unpacks it)."""
    if value.__class__ not in (np.ndarray, tuple, list, dict):
        return 0.0
    from ..rules.tangent_support import zero_tangent

    return zero_tangent(value)


def _own_attribute(dobj, name):
    """The attribute `name` of the tangent `dobj`, but 0.0 for a plain value its class
    defines (`scale = 2.0` in the class body) that dobj does not store itself: that is
    the class's constant, not a tangent, though getattr would find it through dobj.
    Descriptors (an array's `.flat`, a slot) are read as getattr reads them."""
    stored = getattr(dobj, "__dict__", None)
    if stored is not None and name in stored:
        return stored[name]
    found = _class_attribute(type(dobj), name)
    if found is not None and not hasattr(type(found), "__get__"):
        return 0.0
    return getattr(dobj, name, 0.0)


_REFLECTED = {"__add__": "__radd__", "__sub__": "__rsub__", "__mul__": "__rmul__",
              "__truediv__": "__rtruediv__", "__pow__": "__rpow__",
              "__matmul__": "__rmatmul__", "__floordiv__": "__rfloordiv__",
              "__mod__": "__rmod__"}


def _add(a, b):
    return a + b


def _sub(a, b):
    return a - b


def _mul(a, b):
    return a * b


def _truediv(a, b):
    return a / b


def _pow(a, b):
    return a ** b


def _matmul(a, b):
    return a @ b


def _floordiv(a, b):
    return a // b


def _mod(a, b):
    return a % b


def _neg(a):
    return -a


def _pos(a):
    return +a


def _getitem(a, i):
    return a[i]


# what an operator does to numbers and arrays, differentiated by its rules (as if written
# in f), for an operand that held an object of a user class in some runs and not this one
_PLAIN = {"__add__": _add, "__sub__": _sub, "__mul__": _mul, "__truediv__": _truediv,
          "__pow__": _pow, "__matmul__": _matmul, "__floordiv__": _floordiv, "__mod__": _mod,
          "__neg__": _neg, "__pos__": _pos, "__getitem__": _getitem}
_NUMBERS = (int, float, complex, np.ndarray, np.generic)


def _user_method(cls, name):
    """The Python function of the user's that class `cls` runs for operator method
    `name`, or None when it has none (a builtin or library class)."""
    found = _class_attribute(cls, name)
    return found if isinstance(found, types.FunctionType) else None


def operator_forward(site, a, *b):
    """`a <op> b` (or `-a`, `a[i]`) where `a` or `b` may be an object of a user class, run
    as Python runs it: the left operand's method (`__add__`), then the right one's
    reflected method (`__radd__`) if the first is missing or returns NotImplemented,
    reflected first when the right operand's class is a subclass of the left's that
    overrides it. The method run is differentiated through its transform; operands that
    are both numbers or arrays this time are differentiated by the operator's rule.
    (result, what method_backward needs). Refused: an augmented operator a class defines
    (`__iadd__`, which may change the object in place), and an array meeting an object
    (NumPy would apply the operator to each element)."""
    operands = (a, *b)
    if not any(type(x).__module__ != "builtins" and not isinstance(x, _NUMBERS)
               for x in operands):
        func = _PLAIN[site.name]
        forward, backward = _split(site, func, _operand_params(site, func, False))
        result, record = forward(*operands)
        return result, (backward, record)
    if site.written_in_place and _user_method(type(a), "__i" + site.name[2:]) is not None:
        site.refuse(f"{type(a).__qualname__} defines {'__i' + site.name[2:]}, which an "
                    "augmented assignment calls and which may change the object in place; "
                    "write a = a + b with an operator that returns a new object")
    if isinstance(a, np.ndarray) and b and getattr(type(b[0]), "__array_ufunc__", 0) is not None:
        site.refuse("its left operand is a NumPy array and the right one an object of a user "
                    "class: NumPy applies the operator to each element with the object")
    tries = [(a, site.name, b[0] if b else None, False)]
    reflected = _REFLECTED.get(site.name)
    if reflected is not None and type(b[0]) is not type(a):
        right = (b[0], reflected, a, True)
        overrides = _user_method(type(b[0]), reflected) is not None and issubclass(
            type(b[0]), type(a)) and _user_method(type(b[0]), reflected) is not \
            _user_method(type(a), reflected)
        tries = [right, *tries] if overrides else [*tries, right]
    for receiver, name, other, swapped in tries:
        if isinstance(receiver, (int, float, complex, np.generic, np.ndarray)):
            continue  # float.__add__(an object) returns NotImplemented (an array: deferring)
        func = _user_method(type(receiver), name)
        if func is None:
            if _class_attribute(type(receiver), name) is not None:
                site.refuse(f"{type(receiver).__qualname__}.{name} is not a Python function "
                            "pullback can read")
            continue
        _check_readable(site, func, f"the operator method {type(receiver).__qualname__}.{name}")
        forward, backward = _split(site, func, _operand_params(site, func, swapped))
        result, record = forward(receiver) if other is None and not b else \
            forward(receiver, other)
        if result is not NotImplemented:
            return result, (backward, record)
    kinds = " and ".join(repr(type(x).__name__) for x in operands)
    raise TypeError(f"unsupported operand type(s) for {site.name}: {kinds}\n  {site.where}")


# the classes an operator's operand has when no user method can run: numbers, arrays and
# the sequences whose + and * have rules (checked inline, before `operand_of_user_class`)
OPERAND_TYPES = frozenset({int, float, bool, complex, list, tuple, np.ndarray,
                           *np.sctypeDict.values()} - {np.object_, np.void})


def operand_of_user_class(value, at):
    """Refuse an operand of an operator that pullback differentiates by the operator's
    rule (analysis: nothing in f showed it may be an object) when it is, this time, an
    object of a user class with its own method for that operator: Python runs the
    method, whose derivative the rule does not give. `at`: (the operator's method, where
    it stands). Objects of library classes (Dask arrays, other array types) pass."""
    from ..frontend.parse import is_library

    name, where = at
    cls = type(value)
    if cls is Unbound:
        return  # a variable not set on this path: its read raises Python's error
    if is_foreign_array(value):
        return  # an array of another library, differentiated by the rules as arrays
    if name.startswith(".") and cls.__module__ not in ("builtins", "numpy") \
            and not isinstance(value, np.ndarray):
        what = "its rule" if name in (".T", ".real", ".imag") else "a number, no gradient"
        raise NoRuleError(
            f"{name} is read of an object of class {cls.__qualname__}, where pullback takes "
            f"it for the NumPy array's attribute ({name} of an array: {what}), and the "
            "object came from a parameter, an attribute, a container or a call: "
            "pullback reads an object's own attributes and properties of that name only on "
            "objects f builds in its own code; read the arrays it holds instead", where)
    for method_name in (name, _REFLECTED.get(name)):
        method = _class_attribute(cls, method_name) if method_name else None
        if isinstance(method, types.FunctionType) and not is_library(method):
            raise OperatorOfObject(
                f"an operator here receives an object of class {cls.__qualname__}, which "
                f"defines {cls.__qualname__}.{method_name}, and the object came from an "
                "attribute, a container, a call, or a parameter of a function f calls: "
                "pullback differentiates the operators of objects f builds in its own code "
                "(v = Vector(x); v + w) and of objects passed to f as its parameters; pass "
                "the object as a parameter, build it inside f from the arrays passed in, "
                "or operate on its stored arrays (u.a + w.a)", where)


class OperatorOfObject(NoRuleError):
    """An operator meets an object of a user class overloading it where the transform
    applies the operator's rule. Raised by a function's entry check (`ats`: the check's
    table), before the function has done anything, it makes the gradient run the
    transform in which those parameters hold objects (api._with_operand_objects)."""

    ats = None


class _ObjectOperand:
    """The `static` value of a parameter that holds, this call, an object of a user class
    overloading operators: its operators run through operator_forward."""

    def __repr__(self):
        return "OBJECT_OPERAND"


OBJECT_OPERAND = _ObjectOperand()


def overloads_operators(value) -> bool:
    """Whether `value` is an object of a user class with a Python method for an operator
    (operand_of_user_class would refuse it)."""
    if value.__class__ in OPERAND_TYPES or is_foreign_array(value):
        return False
    try:
        operand_of_user_class(value, ("__getitem__", ""))
        for name in _PLAIN:
            operand_of_user_class(value, (name, ""))
    except OperatorOfObject:
        return True
    except NoRuleError:
        return False
    return False


def operands_of_user_class(values, ats):
    """operand_of_user_class for each of several parameters, checked on entry."""
    for value, at in zip(values, ats):
        if value.__class__ not in OPERAND_TYPES:
            try:
                operand_of_user_class(value, at)
            except OperatorOfObject as exc:
                exc.ats = ats
                raise


def _operand_params(site, func, swapped) -> tuple:
    """The parameters of `func` (run on the operands, the right one first when
    `swapped`) that receive the site's active operands, in the site's order."""
    positional = func.__code__.co_varnames[:func.__code__.co_argcount]
    out = []
    for key in site.active:
        at = 0 if key == "self" else 1
        position = 1 - at if swapped else at
        if position >= len(positional):
            site.refuse(f"{func.__qualname__} does not take the operand as a parameter")
        out.append(positional[position])
    return tuple(out)


def _class_attribute(cls, name):
    """What class `cls` (or a base) defines under `name`, or None."""
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return klass.__dict__[name]
    return None


def _stored_backward(saved, g):
    site, obj = saved
    return (accum_attr(0.0, obj, site.name, g, site.where),)


def _check_readable(site, func, what):
    rules, is_library = _late.rules, _late.parse.is_library
    if not isinstance(func, types.FunctionType):
        site.refuse(f"{what} runs {func!r}, which is not a Python function pullback can "
                    "read; register a rule for it")
    if is_library(func):
        site.refuse(f"{what} runs {func.__qualname__}, a library function: pullback "
                    "differentiates library functions only through registered rules")
    if rules.lookup(func) is not None:
        site.refuse(f"{what} runs {func.__qualname__}, which has a registered rule or is "
                    "marked non-differentiable: call it by name so that the rule is used")


def _split(site, func, params, may_grow=False, apart=None):
    """The (forward, backward) functions of `func`'s split transform for `params` (the jvp
    function alone for a site of forward mode), kept on the site while the function's
    code and guards still fit. A function that grows a
    list an object holds is refused unless the call `may_grow` (CallSite.growth); one
    that sets attributes of an object it receives to values being differentiated, unless
    that object is the receiver of a method call that may write it (CallSite.writing;
    `apart`: (the receiver, the caller's other arguments and globals), reachable from
    none of which it must be: objects_apart)."""
    transform = _late.api.transform
    split = site.transforms.get((func, params))
    if split is None or not split.fits(func):
        try:
            split = transform(func, params, site.mode, optimize=site.optimize)
        except PullbackError as exc:
            exc.args = (f"{exc.args[0]}\n  (called from {site.where.strip()})"
                        if site.where else exc.args[0], *exc.args[1:])
            raise
        if len(site.transforms) > 16:  # a site meeting many classes: keep the recent ones
            site.transforms.clear()
        site.transforms[func, params] = split
    if split.received_writes and not (apart is not None and all(
            p == func.__code__.co_varnames[0] for p, _, _ in split.received_writes)):
        from ..api import received_write_refusal

        exc = received_write_refusal(func, split)
        exc.args = (f"{exc.args[0]}\n  (called from {site.where.strip()})"
                    if site.where else exc.args[0], *exc.args[1:])
        raise exc
    if split.received_writes:
        objects_apart(apart[1], ((site.where, (), held_lists(split)),), apart[0])
    if split.grown_lists and not may_grow:
        from ..api import grown_list_refusal

        exc = grown_list_refusal(func, split)
        exc.args = (f"{exc.args[0]}\n  (called from {site.where.strip()})"
                    if site.where else exc.args[0], *exc.args[1:])
        raise exc
    cells = split.cells
    return (cells[0].cell_contents, cells[1].cell_contents) if site.mode == "split" \
        else (cells[0].cell_contents,)


def held_lists(split) -> tuple:
    """The lists (attribute, key) the transform `split` appends values being
    differentiated to on its first parameter (the receiver)."""
    return tuple(h for _, _, held in split.received_writes for h in held)


def call_forward_apart(at, forward, others, obj, *args, **kwargs):
    """`forward(obj, *args, **kwargs)` of a method of `obj`, an object the function
    reads by a module-level or closure name, called once (the only read of that name,
    in no loop) in the function passed to grad, that sets attributes of obj (or grows
    lists it holds) to values being differentiated: obj (and those lists) must be
    reachable through none of the function's other arguments and globals (`others`),
    where the function could read back what the method stored (`at`: where the call is,
    (), the lists: objects_apart)."""
    objects_apart(others, (at,), obj)
    return forward(obj, *args, **kwargs)


def method_backward(saved, g):
    """The gradients of the call's active inputs, in the site's order."""
    backward, record = saved
    return backward(record, g)


_GETITEM_SITES: dict = {}  # class -> the CallSite of its __getitem__'s gradient


def getitem_grad(d, obj, idx, g):
    """d + the gradient that `obj[idx]` (whose gradient is g) gives `obj`, an object of a
    user class whose `__getitem__` is a Python function of the user's (a container such
    as a ParameterList): that function's transform, run again on `obj` and `idx`, hands
    the gradient to the attributes it read (an object gradient of obj's class). Refused
    when `__getitem__` changes anything (sets an attribute, calls for an effect): running
    it again would repeat that."""
    cls = type(obj)
    site = getitem_site(cls)
    func = _class_attribute(cls, "__getitem__")
    forward, backward = _split(site, func, (func.__code__.co_varnames[0],))
    _, record = forward(obj, idx)
    (part,) = backward(record, g)
    return add_grads(d, part)


def getitem_site(cls):
    """The CallSite of the transform of `cls.__getitem__`, once checked to be a Python
    function of the user's that changes nothing (refused otherwise)."""
    site = _GETITEM_SITES.get(cls)
    if site is None:
        func = _class_attribute(cls, "__getitem__")
        site = CallSite("__getitem__", ("self",), True, "", f"{cls.__qualname__}.__getitem__")
        _check_readable(site, func, f"indexing a {cls.__qualname__}")
        _check_pure(site, func)
        _GETITEM_SITES[cls] = site
    return site


def _check_pure(site, func):
    """Refuse a function whose body has statements made for their effect or writes into
    attributes or elements (only names are assigned)."""
    import gast

    from ..frontend.parse import parse_function

    body = parse_function(func).tree.body
    for node in (n for s in body for n in gast.walk(s)):
        if isinstance(node, (gast.Expr, gast.Global, gast.Nonlocal, gast.AugAssign)) and not (
                isinstance(node, gast.Expr) and isinstance(node.value, gast.Constant)) \
                or isinstance(node, (gast.Attribute, gast.Subscript)) \
                and isinstance(node.ctx, gast.Store):
            site.refuse(f"{func.__qualname__} changes something as it runs (pullback runs it "
                        "again to find the gradient of what it returned)")


def take_attribute_grad(d, name):
    """(the gradient of the value `obj.name = v` stored, d without it): d is the gradient
    of obj after the assignment (0.0 until materialized); before it, the attribute held
    another value, whose gradient starts at zero."""
    if d.__class__ is float or name not in d:
        return 0.0, d
    rest = GradRecord(d)
    rest.owner, rest.where = getattr(d, "owner", None), getattr(d, "where", "")
    rest[name] = 0.0
    return d[name], rest


def take_item_grad(d, name, key, value=None):
    """(the gradient of the value `obj.name[key] = v` stored, d without it): d is the
    gradient of obj after the store (0.0 until materialized), whose attribute `name` holds
    a dict or list, or an array (`self.states[:, t] = v`, a basic index: the slot's
    gradient summed to the shape of `value`, v, as NumPy broadcast it into the slot);
    before the store, the item held another value (or none), whose gradient starts at
    zero."""
    inner = 0.0 if d.__class__ is float else d.get(name, 0.0)
    if inner.__class__ is float:
        return 0.0, d
    if isinstance(inner, np.ndarray):
        if not _basic_key(key):
            raise PullbackError(
                f"the store into the array .{name} an object holds is at an index of arrays "
                "(or booleans), whose repeated positions pullback does not follow there; "
                "write it with slices and integers, or into an array the function makes")
        part = unbroadcast(inner[key], value) if value is not None else inner[key].copy()
        rest_inner = inner.copy()
        rest_inner[key] = 0.0
    elif isinstance(inner, dict):
        if key not in inner:
            return 0.0, d
        rest_inner = GradDict(inner)
    else:
        rest_inner = GradList(inner)
    if not isinstance(inner, np.ndarray):
        part = inner[key]
        rest_inner[key] = 0.0
    rest = GradRecord(d)
    rest.owner, rest.where = d.owner, getattr(d, "where", "")
    rest[name] = rest_inner
    return part, rest


def _basic_key(key) -> bool:
    """Whether `key` is a basic index (integers, slices, None, Ellipsis): one position
    for each item it selects."""
    parts = key if key.__class__ is tuple else (key,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, np.integer, slice))
               and not isinstance(p, bool) for p in parts)


def record_fields(cls):
    """parameter -> the attributes it is stored in, for a class whose construction only
    stores its arguments as they were passed: a namedtuple; a dataclass with its generated
    `__init__`, no `__post_init__`, fields not in `__init__` set from defaults; a class
    whose `__init__` body is `self.<attr> = <parameter>` and `self.<attr> = <constant>`
    statements (annotated, or several in one tuple assignment: `self.w, self.b = w, b`).
    None for any other class (its construction is refused: pullback cannot see what the
    object's attributes are made of)."""
    if type(cls) is not type or cls.__setattr__ is not object.__setattr__:
        return None
    fields = getattr(cls, "_fields", None)
    if issubclass(cls, tuple) and isinstance(fields, tuple):
        code = getattr(cls.__new__, "__code__", None)  # the generated __new__(_cls, ...)
        maker = next(k for k in cls.__mro__ if "__new__" in k.__dict__)
        if code is None or code.co_filename != "<string>" or "_make" not in maker.__dict__ \
                or "_fields" not in maker.__dict__ \
                or code.co_varnames[1:1 + len(fields)] != fields \
                or cls.__init__ is not tuple.__init__:
            return None
        return {f: (f,) for f in fields}
    if cls.__new__ is not object.__new__:
        return None
    if hasattr(cls, "__post_init__"):
        return None
    init = cls.__dict__.get("__init__")
    if dataclasses.is_dataclass(cls) and getattr(init, "__code__", None) is not None \
            and init.__code__.co_filename == "<string>":  # the generated __init__
        out = {}
        for f in dataclasses.fields(cls):
            if f.init:
                out[f.name] = (f.name,)
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                return None
        return out
    return _simple_init(*record_inits(cls)[0][1:])


def record_inits(cls) -> list:
    """[(the path from `cls` to it, the `__init__`, the class defining it)] for the
    `__init__` that constructing `cls` runs and, while one passes its arguments on with
    `super().__init__(...)`, for those it calls: ("__init__", ...), ("__base__.__init__",
    ...). Walked through `__base__`, so only along a chain of single inheritance."""
    out, path, klass = [], "", cls
    while klass is not None:
        owner = next((k for k in klass.__mro__ if "__init__" in k.__dict__), object)
        out.append((f"{path}__init__", owner.__dict__["__init__"], owner))
        if owner is object or len(owner.__bases__) != 1 or not _passes_on(owner):
            break
        path += "__base__." * (klass.__mro__.index(owner) + 1)
        klass = owner.__base__
    return out


def _passes_on(owner) -> bool:
    """Whether `owner.__init__` calls its base class's `__init__` (super().__init__(...)
    or Base.__init__(self, ...))."""
    code = getattr(owner.__dict__["__init__"], "__code__", None)
    return code is not None and "__init__" in code.co_names


def _simple_init(init, owner=None):
    from ..frontend.parse import is_library, parse_function

    if not isinstance(init, types.FunctionType) or is_library(init):
        return None
    code = init.__code__
    if code.co_flags & (0x04 | 0x08) or code.co_kwonlyargcount or not code.co_argcount:
        return None  # *args, **kwargs, keyword-only parameters
    try:
        tree = parse_function(init).tree
    except PullbackError:
        return None
    self_name, *params = code.co_varnames[:code.co_argcount]
    out: dict = {p: () for p in params}
    import gast

    for stmt in tree.body:
        if isinstance(stmt, gast.Pass) or (isinstance(stmt, gast.Expr) and isinstance(
                stmt.value, gast.Constant) and isinstance(stmt.value.value, str)):
            continue
        pairs = _stores(stmt, self_name)
        if pairs is None:
            pairs = _passed_on(stmt, self_name, owner, out)
        if pairs is None:
            return None
        for attr, value in pairs:
            if any(attr in stored for stored in out.values()):
                return None  # stored twice: the second value wins
            if isinstance(value, gast.Name) and value.id in out:
                out[value.id] += (attr,)
            elif value is not None and not (isinstance(value, gast.Constant)
                                            and not isinstance(value.value, complex)):
                return None
    return out


def _passed_on(stmt, self_name, owner, params):
    """[(attribute, value)] that `super().__init__(args)` (or `Base.__init__(self,
    args)`) stores, for such a statement in the `__init__` of `owner` whose base class
    stores its arguments too (`_simple_init`): the value is a parameter of this
    `__init__`, a constant, or None for a default of the base's. None for any other
    statement."""
    import gast

    call = stmt.value if isinstance(stmt, gast.Expr) else None
    if owner is None or len(owner.__bases__) != 1 or not isinstance(call, gast.Call) \
            or not isinstance(call.func, gast.Attribute) or call.func.attr != "__init__":
        return None
    base, head, args = owner.__base__, call.func.value, list(call.args)
    if isinstance(head, gast.Call) and isinstance(head.func, gast.Name) \
            and head.func.id == "super" and not head.args and not head.keywords:
        pass
    elif isinstance(head, gast.Name) and args and isinstance(args[0], gast.Name) \
            and args[0].id == self_name \
            and owner.__dict__["__init__"].__globals__.get(head.id) is base:
        args = args[1:]  # Base.__init__(self, ...): checked to be the base when it runs
    else:
        return None
    if any(not isinstance(a, (gast.Name, gast.Constant)) or isinstance(a, gast.Name)
           and a.id not in params for a in [*args, *(k.value for k in call.keywords)]) \
            or any(k.arg is None for k in call.keywords):
        return None
    init, init_owner = next(((k.__dict__["__init__"], k) for k in base.__mro__
                             if "__init__" in k.__dict__), (None, None))
    if init_owner is object:
        return [] if not args and not call.keywords else None
    fields = _simple_init(init, init_owner)
    if fields is None:
        return None
    try:
        bound = inspect.signature(init).bind(None, *args, **{k.arg: k.value
                                                              for k in call.keywords})
    except TypeError:
        return None
    return [(attr, bound.arguments.get(p)) for p, attrs in fields.items() for attr in attrs]


def _stores(stmt, self_name):
    """[(attribute, value)] for a statement that stores into attributes of `self_name`:
    `self.w = w`, `self.w: np.ndarray = w`, `self.w, self.b = w, b`; None for any other."""
    import gast

    def attribute(target):
        return target.attr if isinstance(target, gast.Attribute) and isinstance(
            target.value, gast.Name) and target.value.id == self_name else None

    if isinstance(stmt, gast.AnnAssign) and stmt.value is not None \
            and attribute(stmt.target) is not None:
        return [(attribute(stmt.target), stmt.value)]
    if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1):
        return None
    target, value = stmt.targets[0], stmt.value
    if attribute(target) is not None:
        return [(attribute(target), value)]
    if isinstance(target, gast.Tuple) and isinstance(value, gast.Tuple) \
            and len(target.elts) == len(value.elts) \
            and all(attribute(t) is not None for t in target.elts) \
            and all(isinstance(v, (gast.Name, gast.Constant)) for v in value.elts):
        return [(attribute(t), v) for t, v in zip(target.elts, value.elts)]
    return None


def field_grad(g, obj, attrs):
    """The gradient of an argument stored in the attributes `attrs` of `obj`, the object
    just built, whose gradient is g (0.0 for a known zero)."""
    if g.__class__ is float:
        return 0.0
    if isinstance(obj, tuple):
        parts = [g[obj._fields.index(a)] for a in attrs]
    elif isinstance(g, GradRecord) and g.owner is obj:
        parts = [g[a] for a in attrs]
    else:
        return as_grad(g, obj)  # refuses with the reason
    total = 0.0
    for part in parts:
        total = add_grads(total, part)
    return total


def _holders(value):
    """What a value holds that may lead to an object: a container's elements (a dict's
    values), an object of a user class's attributes; nothing for numbers, arrays,
    strings, functions, classes and modules."""
    cls = value.__class__
    if cls in (list, tuple, set, frozenset) or isinstance(value, (list, tuple)):
        return value
    if isinstance(value, dict):
        return value.values()
    if cls.__module__ in ("builtins", "numpy") or isinstance(
            value, (type, types.ModuleType, types.FunctionType, types.MethodType,
                    types.BuiltinFunctionType, functools.partial, np.ndarray, np.generic)):
        return ()
    held = getattr(value, "__dict__", None)
    return held.values() if isinstance(held, dict) else ()


# classes whose values lead to no object (objects_apart ends its walk there at once)
_LEAVES = (OPERAND_TYPES - {list, tuple}) | {
    type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType,
    str, bytes, type(None), functools.partial, np.ufunc}


def objects_apart(others, wheres, *written):
    """Refuse when an object f sets attributes (or container items) of, received as an argument
    (`written`, each passed on its own: the analysis of a generated gradient,
    differentiated again, reads them as what this check only reads; `wheres`: per object,
    where f writes it first, the attributes f reads of it and, optionally, the lists it
    holds that f appends values being differentiated to, (attribute, key or None)), or
    one of those lists, is also reachable from another argument, a global object f reads
    (`others`), or the attributes f reads of it: an object's attributes and a container's
    elements are walked: f could read back there, under another name, a value it stored,
    and the gradient follows the object's own reads only. Arrays and numbers end the
    walk, so the check costs what the objects hold besides."""
    for i, (obj, (where, attributes, *held)) in enumerate(zip(written, wheres)):
        targets = {id(obj)}
        for attr, key in held[0] if held else ():  # lists f appends values being
            found = getattr(obj, "__dict__", {}).get(attr)  # differentiated to
            found = found.get(key) if key is not None and isinstance(found, dict) else \
                found if key is None else None
            if isinstance(found, (list, collections.deque)):
                targets.add(id(found))
        _reach_refused(obj, targets, [*others, *written[:i], *written[i + 1:]], where)
        # (f's own reads of obj, before it appends: only obj itself is looked for there)
        _reach_refused(obj, {id(obj)}, [getattr(obj, a, None) for a in attributes], where)


def _reach_refused(obj, targets, stack, where):
    seen = set(targets)
    while stack:
        value = stack.pop()
        if value.__class__ in _LEAVES:
            continue
        if id(value) in targets:
            raise NoRuleError(
                f"the {type(obj).__qualname__} object whose attributes f sets to values "
                "being differentiated (or a list it holds that f appends them to) is also "
                "reachable through another argument, a global or one of its own attributes "
                "(passed twice, kept in a list or held by another object), where f could "
                "read back what it stored with no gradient following; pass it once, and "
                "read what f stores through the name f sets it on", where)
        if id(value) in seen:
            continue
        seen.add(id(value))
        stack.extend(_holders(value))


HELPERS = {"method_forward": method_forward, "objects_apart": objects_apart,
           "call_forward_apart": call_forward_apart,
           "method_forward_apart": method_forward_apart, "method_jvp": method_jvp,
           "method_jvp_apart": method_jvp_apart, "attribute_tangent": attribute_tangent,
           "attribute_jvp": attribute_jvp, "record_tangent": record_tangent,
           "unset_attribute": unset_attribute,
           "OPERAND_TYPES": OPERAND_TYPES,
           "operand_of_user_class": operand_of_user_class,
           "operands_of_user_class": operands_of_user_class, "attribute_forward": attribute_forward,
           "operator_forward": operator_forward,
           "method_backward": method_backward,
           "field_grad": field_grad, "take_attribute_grad": take_attribute_grad,
           "take_item_grad": take_item_grad}
