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
no value being differentiated is in the object), is differentiated. Anything else (a
library object's method, a builtin, a function that takes the value being
differentiated through `*args`) raises a PullbackError naming the call site.
"""

from __future__ import annotations

import types
from dataclasses import dataclass

from .errors import NoRuleError, PullbackError


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

    def refuse(self, why):
        raise NoRuleError(f"cannot differentiate the call to {self.shown}: {why}", self.where)


def _resolve(site, obj):
    """(the Python function the call runs, the object it is bound to or None)."""
    if site.name == "__call__" and isinstance(obj, types.FunctionType):
        found = obj
    else:
        try:
            found = getattr(obj, site.name)
        except AttributeError as exc:
            raise AttributeError(f"{exc}\n  {site.where}") from None
    if isinstance(found, types.MethodType):
        func, receiver = found.__func__, found.__self__
    else:
        func, receiver = found, None
    from . import rules
    from .parse import is_library

    if not isinstance(func, types.FunctionType) and rules.lookup(found) is not None:
        site.refuse(f"it holds {getattr(found, '__name__', found)!r}, whose derivative rule "
                    "pullback applies where the code names the function (np.tanh(x)), not "
                    "through a value holding it, which is known only when the code runs")
    if not isinstance(func, types.FunctionType):
        site.refuse(f"it runs {found!r} (of a {type(obj).__qualname__} object), which is not "
                    "a Python function pullback can read; register a rule for it")
    if is_library(func):
        site.refuse(f"it runs {func.__qualname__}, a library function: pullback "
                    "differentiates library functions only through registered rules")
    if rules.lookup(func) is not None:
        site.refuse(f"it runs {func.__qualname__}, which has a registered rule or is marked "
                    "non-differentiable: call it by name so that the rule is used")
    if receiver is None and "self" in site.active:
        site.refuse(f"{func.__qualname__} is a function held by an object that carries a "
                    "value being differentiated; pullback cannot see what the function "
                    "reads of it (call a method of the object's class instead)")
    return func, receiver


def _params(site, func, bound) -> tuple:
    """The parameter names of `func` receiving the call's active inputs, in their order."""
    code = func.__code__
    positional = code.co_varnames[:code.co_argcount]
    named = code.co_varnames[code.co_posonlyargcount:code.co_argcount + code.co_kwonlyargcount]
    shift = 1 if bound else 0
    out = []
    for key in site.active:
        if key == "self":
            out.append(positional[0])
        elif isinstance(key, int):
            if key + shift >= len(positional):
                site.refuse(f"argument {key + 1} is taken by *args of {func.__qualname__}, "
                            "which pullback does not differentiate")
            out.append(positional[key + shift])
        elif key in named:
            out.append(key)
        else:
            site.refuse(f"keyword {key!r} does not name a parameter of {func.__qualname__}")
    return tuple(out)


def method_forward(site, obj, *args, **kwargs):
    """The call `obj.<site.name>(*args, **kwargs)` run by the forward part of its
    function's transform: (result, what method_backward needs)."""
    func, receiver = _resolve(site, obj)
    from .api import transform

    try:
        split = transform(func, _params(site, func, receiver is not None), "split",
                          optimize=site.optimize)
    except PullbackError as exc:
        exc.args = (f"{exc.args[0]}\n  (called from {site.where.strip()})"
                    if site.where else exc.args[0], *exc.args[1:])
        raise
    forward, backward = (cell.cell_contents for cell in split.cells)
    if receiver is None:
        result, record = forward(*args, **kwargs)
    else:
        result, record = forward(receiver, *args, **kwargs)
    return result, (backward, record)


def method_backward(saved, g):
    """The gradients of the call's active inputs, in the site's order."""
    backward, record = saved
    return backward(record, g)


HELPERS = {"method_forward": method_forward, "method_backward": method_backward}
