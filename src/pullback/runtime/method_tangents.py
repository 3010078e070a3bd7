"""Forward and reverse mode through the calls a gradient resolves when it runs
(objects.py), so that a gradient of a function calling methods or callable objects is
itself differentiated: by forward mode (`hvp`, `hessian`, `jvp(grad(f))`) and by reverse
mode (`grad(grad(f))`, `vjp(grad(f))`: `dispatched_forward`, below).

A first derivative writes `obj.m(x)` (or `obj(x)`) as `y, r = method_forward(site, obj,
x)`, which resolves the call as Python does and runs the forward part of the resolved
function's split transform, and `dx, = method_backward(r, dy)`, which runs its backward
part. Forward mode writes each as `method_dispatch_jvp(jsite, tangents, <the call's own
arguments>)`: the forward part is resolved by method_forward itself (the same code, so
the function differentiated is the one the first derivative runs), and run by its own
forward-mode transform; the backward part (the function method_forward recorded) by its
forward-mode transform, with the tangent of the record.

Guarantees: each tangent is the forward-mode transform (jvp_call, or jvp_batch_call
for a batch of tangents) of a Python function pullback generated, exactly as for a
generated call of a named function (`h_forward`, `h_backward`); the function kept in the
record has no tangent (it is the same function along any direction). Refused with the
call's place: a value being differentiated reaching `*args` or `**kwargs` of the
method, and a backward part that is not such a function. A property's read runs its
getter's forward part by its forward-mode transform, as a method's. A read of a stored
attribute (`attribute_forward`) has the attribute of the object's tangent for its
tangent; its backward part (`_stored_backward`) is linear in the gradient and reads the
object only for its structure. Reverse over reverse takes the same calls, the object's
gradient (a gradient record) among the gradients handed back: a stored attribute's read
hands the object the value's gradient at that attribute, and `_stored_backward`'s
reverse reads the gradient at that attribute back.
"""

from __future__ import annotations

import functools
import types

from . import objects


def _refuse(jsite, site, why):
    shown = site.shown if site is not None else jsite.shown
    raise objects.NoRuleError(
        f"cannot differentiate the call to {shown} a second time: {why}",
        jsite.where + (f"\n  {site.where.strip()}" if site is not None and site.where else ""))


def _tangent(jsite, site, given):
    """The hook method_forward calls with the resolved function: the forward part run by
    its forward-mode transform, ((result, its tangent), (record, its tangent))."""

    def hook(func, receiver, params, hand, forward, args, kwargs, apart=None):
        if hand is not None:
            _refuse(jsite, site, "a value being differentiated reaches *args or **kwargs of "
                    f"{func.__qualname__}, which forward mode does not differentiate yet")
        keys = tuple(given)
        if {"*", "**"} & set(keys):
            _refuse(jsite, site, "a value being differentiated is passed in *args or "
                    "**kwargs, which forward mode does not differentiate yet")
        names, spread = objects._params(_with_active(site, keys), func, receiver is not None,
                                        args, kwargs)
        if spread is not None:
            _refuse(jsite, site, "a value being differentiated reaches *args or **kwargs of "
                    f"{func.__qualname__}, which forward mode does not differentiate yet")
        # (apart: a call that may set attributes of its receiver, checked reachable
        # through nothing else by method_forward: so may the forward part's tangent)
        jvp = objects._split(jsite, forward, names, apart=apart)[0]
        tangents = [given[k] for k in keys]

        def run(*a, **kw):
            (result, record), (dresult, drecord) = jvp(*tangents, *a, **kw)
            return (result, dresult), (record, drecord)

        return run

    return hook


def _with_active(site, keys):
    """What objects._params reads of a site, with the inputs that carry tangents."""
    return types.SimpleNamespace(active=keys, given=site.given, refuse=site.refuse)


def method_dispatch_jvp(jsite, tangents, *args, **kwargs):
    """(value, tangent) of the generated call `<jsite.name>(*args, **kwargs)`
    (method_forward, method_forward_apart or method_backward), `tangents` being those of
    its inputs jsite.active names ("self": the object, or the record; a position or
    keyword: the method's own arguments, or method_backward's g)."""
    given = dict(zip(jsite.active, tangents))
    if jsite.name == "method_backward":
        return _backward(jsite, given, *args)
    if jsite.name == "call_forward_apart":
        return _apart(jsite, given, *args, **kwargs)
    if jsite.name == "attribute_forward":
        return _attribute(jsite, given, *args)
    site, rest = args[0], args[1:]
    if site.name in objects._RECORD_FUNCTIONS:  # dataclasses.replace(obj, ...): obj is
        given.pop(0, None)  # passed again, its tangent the object's ("self")
    apart = None
    if jsite.name == "method_forward_apart":
        apart, rest = rest[0], rest[1:]
    (result, dresult), (backward, (record, drecord)) = objects.method_forward(
        site, rest[0], *rest[1:], _apart=apart, _tangent=_tangent(jsite, site, given),
        **kwargs)
    return (result, (backward, record)), (dresult, (0.0, drecord))


def _apart(jsite, given, at, forward, others, obj, *args, **kwargs):
    """call_forward_apart's `forward(obj, *args)`, the forward part of a method of an
    object the function reads by a free name, which may set its attributes (nothing reads
    the object after the call; checked reachable through nothing else): run by its
    forward-mode transform, told so."""
    objects.objects_apart(others, (at,), obj)
    keys = tuple(given)
    if {"*", "**"} & set(keys):
        _refuse(jsite, None, "a value being differentiated is passed in *args or **kwargs, "
                "which forward mode does not differentiate yet")
    names, spread = objects._params(_with_active(jsite, keys), forward, True, args, kwargs)
    if spread is not None:
        _refuse(jsite, None, "a value being differentiated reaches *args or **kwargs of "
                f"{forward.__qualname__}, which forward mode does not differentiate yet")
    jvp = objects._split(jsite, forward, names, apart=(obj, others))[0]
    return jvp(*[given[k] for k in keys], obj, *args, **kwargs)


def _attribute(jsite, given, site, obj):
    """attribute_forward's read of a stored attribute, with its tangent: that attribute
    of the object's tangent; the record's tangent is the object's (_stored_backward reads
    the object only for its structure)."""
    found = objects._class_attribute(type(obj), site.name)
    if isinstance(found, property):  # its getter's forward part, as a method's
        (result, dresult), (backward, (record, drecord)) = objects.attribute_forward(
            site, obj, _tangent=_tangent(jsite, site, given))
        return (result, (backward, record)), (dresult, (0.0, drecord))
    if isinstance(found, functools.cached_property):
        objects.attribute_forward(site, obj)  # refused there, with its reason
    value, record = objects.attribute_forward(site, obj)
    dobj = given.get("self", 0.0)
    _, dvalue = objects.stored_tangent(site, obj, dobj)
    return (value, record), (dvalue, (0.0, (0.0, dobj)))


def _zero_like(result):
    """The known zero tangent of a backward part's result: one per gradient it hands
    back (the generated code reads them by position)."""
    return tuple(0.0 for _ in result) if isinstance(result, tuple) else 0.0


def _backward(jsite, given, saved, g):
    backward, record = saved
    if backward is objects._stored_backward:  # linear in g; the object gives the structure
        dg = given.get(0, 0.0)
        result = backward(record, g)
        return result, (_zero_like(result) if dg.__class__ is float and dg == 0.0
                        else backward(record, dg))
    if not isinstance(backward, types.FunctionType) or backward.__code__.co_argcount != 2:
        _refuse(jsite, None, "its derivative is not one pullback generated as a function "
                "of (record, gradient) (an attribute read, or the gradients of *args and "
                "**kwargs handed back), which forward mode does not differentiate yet")
    dsaved = given.get("self", 0.0)
    drecord = 0.0 if dsaved.__class__ is float else dsaved[1]
    names, tangents = [], []
    for name, key, tangent in zip(backward.__code__.co_varnames, ("self", 0), (drecord,
                                                                               given.get(0))):
        if key in given and not (tangent.__class__ is float and tangent == 0.0):
            names.append(name)
            tangents.append(tangent)
    if not names:
        result = backward(record, g)
        return result, _zero_like(result)
    jvp = objects._split(jsite, backward, tuple(names))[0]
    return jvp(*tangents, record, g)


HELPERS = {"method_dispatch_jvp": method_dispatch_jvp}
DISPATCHED = frozenset({objects.method_forward, objects.method_forward_apart,
                        objects.method_backward, objects.attribute_forward,
                        objects.call_forward_apart})


# Reverse mode through the same calls (reverse over reverse: grad or vjp of a gradient
# that calls methods resolved when it runs). The generated gradient's `y, r =
# method_forward(site, obj, x)` becomes `(y, r), r2 = dispatched_forward(dsite, site, obj,
# x)`: the call resolved by method_forward itself, its forward part run by the forward
# part of that function's own split transform, whose backward part (with its record) is
# what `method_backward(r2, g)` runs; `dx, = method_backward(r, dy)` becomes the split
# transform of the backward part method_forward recorded. The gradients come back in
# the order of dsite.active, as method_backward's do.

def _item(g, i):
    return 0.0 if g.__class__ is float or g is None else g[i]


def dispatched_forward(dsite, *args, **kwargs):
    """(value, (backward, record)) of the generated call `<dsite.name>(*args, **kwargs)`
    (method_forward, method_forward_apart or method_backward), where `backward(record,
    g)` hands back the gradients of its inputs dsite.active names from the gradient g of
    its value."""
    if dsite.name == "method_backward":
        return _dispatched_backward_part(dsite, *args)
    site, rest = args[0], args[1:]
    if dsite.name == "attribute_forward":
        found = objects._class_attribute(type(rest[0]), site.name)
        if not isinstance(found, property):
            return _dispatched_stored(dsite, site, rest[0])
    elif dsite.name not in ("method_forward", "method_forward_apart"):
        _refuse(dsite, None, f"reverse mode of a gradient through its {dsite.name} call "
                "is not differentiated yet; pullback.hessian and pullback.hvp take it")
    apart = None
    if dsite.name == "method_forward_apart":
        apart, rest = rest[0], rest[1:]
    keys = tuple(dsite.active)
    made = []

    def hook(func, receiver, params, hand, forward, a, kw, apart=None):  # (apart: unused,
        # the forward part's own transform refuses writes to its receiver)
        if hand is not None or {"*", "**"} & set(keys):
            _refuse(dsite, site, "a value being differentiated reaches *args or **kwargs of "
                    f"{func.__qualname__}, which reverse mode of a gradient does not "
                    "differentiate yet")
        names, spread = objects._params(_with_active(site, keys), func, receiver is not None,
                                        a, kw)
        if spread is not None:
            _refuse(dsite, site, "a value being differentiated reaches *args or **kwargs of "
                    f"{func.__qualname__}")
        split_forward, split_backward = objects._split(dsite, forward, names)

        def run(*a2, **kw2):
            (result, record), record2 = split_forward(*a2, **kw2)
            made.append((split_backward, record2))
            return result, record

        return run

    if dsite.name == "attribute_forward":  # a property: its getter, as a method
        result, saved = objects.attribute_forward(site, rest[0], _tangent=hook)
    else:
        result, saved = objects.method_forward(site, rest[0], *rest[1:], _apart=apart,
                                               _tangent=hook, **kwargs)
    split_backward, record2 = made[0]

    def backward(record, g):  # g: the gradient of (result, (backward, record))
        from .helpers import GradList

        given = GradList([_item(g, 0), _item(_item(g, 1), 1)])
        return tuple(split_backward(record, given))

    return (result, saved), (backward, record2)


def _dispatched_stored(dsite, site, obj):
    """`attribute_forward(site, obj)` of an attribute the object stores: its value and
    record as the first derivative has them; the object's gradient is the value's at that
    attribute (the record holds the object for its structure only: no gradient)."""
    from .helpers import accum_attr

    result, saved = objects.attribute_forward(site, obj)

    def backward(_, g):
        gv = _item(g, 0)
        part = 0.0 if gv.__class__ is float and gv == 0.0 else accum_attr(
            0.0, obj, site.name, gv, site.where)
        return tuple(part if k == "self" else 0.0 for k in dsite.active)

    return (result, saved), (backward, None)


def _stored_backward_part(dsite, saved, g):
    """`method_backward(saved, g)` of a stored attribute's read (`_stored_backward`,
    linear in g: the object's gradient with g at the attribute): the adjoint of g is that
    attribute of the gradient of the object's gradient; the record (the object, for its
    structure) has none."""
    _, (site, obj) = saved
    value = objects._stored_backward(saved[1], g)
    fields = getattr(type(obj), "_fields", None)
    key = fields.index(site.name) if isinstance(obj, tuple) and isinstance(
        fields, tuple) else site.name

    def back(_, gg):
        part = _item(gg, 0)
        if not (part.__class__ is float and part == 0.0):
            part = part.get(key, 0.0) if isinstance(part, dict) else part[key]
        return tuple(part if k == 0 else 0.0 for k in dsite.active if k in ("self", 0))

    return value, (back, None)


def _dispatched_backward_part(dsite, saved, g):
    """`method_backward(saved, g)` by the split transform of the backward part that
    method_forward recorded in `saved` (its record: "self"; g: position 0)."""
    from .helpers import GradList

    backward, record = saved
    if backward is objects._stored_backward:
        return _stored_backward_part(dsite, saved, g)
    if not isinstance(backward, types.FunctionType) or backward.__code__.co_argcount != 2:
        _refuse(dsite, None, "its derivative is not one pullback generated as a function "
                "of (record, gradient) (an attribute read, or the gradients of *args and "
                "**kwargs handed back), which reverse mode does not differentiate yet")
    keys = tuple(k for k in dsite.active if k in ("self", 0))
    names = tuple(backward.__code__.co_varnames[0 if k == "self" else 1] for k in keys)
    split_forward, split_backward = objects._split(dsite, backward, names)
    value, record2 = split_forward(record, g)

    def back(record2, gg):
        grads = split_backward(record2, gg)
        return tuple(GradList([0.0, d]) if k == "self" else d for k, d in zip(keys, grads))

    return value, (back, record2)


HELPERS["dispatched_forward"] = dispatched_forward
