"""The numbers and arrays a structured argument holds, and the same structure rebuilt
around other values: what `hessian` of an object, a NamedTuple, a dataclass, a tuple, a
list or a dict needs to seed one direction per entry and to return its blocks nested
as the argument is (as JAX's hessian returns them for a pytree).

Guarantees: `leaves(x)` lists, depth first in the order gradients keep (elements of a
tuple or list, values of a dict in key order, an object's attributes in `vars` order),
every real number and float array x holds; `rebuild(x, values)` is x's structure with
those leaves replaced by the next items of `values` (a NamedTuple and a tuple or list
of its class, a dict, an object of its class made without calling `__init__`, as
pullback makes an object's gradient) and every other attribute or element kept as it
is; `leaves_like(x, g)` reads g (x's gradient, or H v) where x has its leaves. Complex
values are refused (no Hessian is taken of them); integers, booleans and arrays of them
are kept, not leaves.

>>> import numpy as np
>>> leaves({"a": 1.0, "b": (np.zeros(2), "tag")})
[1.0, array([0., 0.])]
>>> rebuild({"a": 1.0, "b": (np.zeros(2), "tag")}, iter([2.0, np.ones(2)]))
{'a': 2.0, 'b': (array([1., 1.]), 'tag')}
"""

from __future__ import annotations

import numbers

import numpy as np

from ..errors import PullbackError


def is_leaf(x) -> bool:
    """A real number or a float array: what the Hessian is taken in."""
    if isinstance(x, np.ndarray):
        if x.dtype.kind == "c":
            _complex()
        return x.dtype.kind == "f"
    if isinstance(x, (bool, np.bool_, np.integer)):
        return False
    if isinstance(x, (complex, np.complexfloating)):
        _complex()
    return isinstance(x, (float, np.floating))


def _complex():
    raise PullbackError("hessian takes real values: a complex value in the argument")


def _parts(x):
    """(kind, the parts of a container or object) or (None, None) for anything else."""
    if isinstance(x, (tuple, list)):
        return "sequence", list(x)
    if isinstance(x, dict):
        return "dict", list(x.values())
    if hasattr(x, "__dict__") and not isinstance(x, (type, numbers.Number)) \
            and not callable(x) and type(x).__module__ not in ("builtins", "numpy"):
        return "object", list(vars(x).values())
    return None, None


def leaves(x) -> list:
    if is_leaf(x):
        return [x]
    _, parts = _parts(x)
    return [leaf for part in parts or () for leaf in leaves(part)]


def leaves_like(x, value) -> list:
    """The parts of `value` (a gradient or H v of x: x's structure, an object's as an
    object of its class or a dict of its attributes) where x has its leaves."""
    if is_leaf(x):
        return [value]
    kind, parts = _parts(x)
    if kind is None:
        return []
    if kind == "sequence":
        values = list(value)
    elif kind == "dict":
        values = [value[k] for k in x]
    else:
        values = [value[k] if isinstance(value, dict) else getattr(value, k) for k in vars(x)]
    return [leaf for part, v in zip(parts, values, strict=True) for leaf in leaves_like(part, v)]


def rebuild(x, values):
    """x with its leaves replaced by the next items of the iterator `values`."""
    if is_leaf(x):
        return next(values)
    kind, parts = _parts(x)
    if kind is None:
        return x
    new = [rebuild(part, values) for part in parts]
    if kind == "dict":
        return dict(zip(x.keys(), new))
    if kind == "sequence":
        if isinstance(getattr(type(x), "_fields", None), tuple):
            return type(x)(*new)  # a NamedTuple
        return type(x)(new)
    out = object.__new__(type(x))
    for name, value in zip(vars(x), new):
        object.__setattr__(out, name, value)
    return out
