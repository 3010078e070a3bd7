"""Stage 3: calls of `np.apply_along_axis(func1d, axis, arr, *args, **kwargs)` as the
Python loop NumPy runs, with `func1d` a user function, a lambda, or a function with a rule.

`along_axis_calls(tree, parsed, namer)` rewrites, in the function's own statements, such a
call into statements run just before the statement holding it (as lower/vectorized.py does
for np.vectorize, whose hoisting and checks it shares):

    a_arr, a_axis, a_arg, ... = arr, axis, args...          (once, in order)
    a_moved = np.moveaxis(np.asarray(a_arr), a_axis, -1)
    a_rows = np.reshape(a_moved, (-1, np.shape(a_moved)[-1]))
    a_values = [func1d(row, a_arg, ..., key=a_kw) for row in a_rows]
    a_out = np.moveaxis(np.reshape(np.array(a_values, dtype=np.asarray(a_values[0]).dtype),
                                   np.shape(a_moved)[:-1] + np.shape(a_values[0])),
                        <the result's axes>, <from axis on>)

so that func1d is differentiated slice by slice, as the comprehension is.

Guarantee: func1d runs on the same 1-d slices (arr's slices along axis, in NumPy's C
order), once each, with the same extra arguments, as NumPy runs it; the result has
NumPy's shape (the result's axes where axis was) and dtype (the first result's: later
results are cast to it, and an int first result carries no gradient, as np.array's rule
says). Refused, located: a call without func1d, axis and arr, *args or **kwargs, a function given
as a call's result, and the calls vectorized.py refuses to hoist (inside a comprehension,
lambda, branch; after another call of the statement).

>>> from pullback.ir.naming import Namer, all_names
>>> from pullback.lower.example import parsed, show
>>> def f(x):
...     return np.sum(np.apply_along_axis(np.sort, 1, x))
>>> p = parsed(f)
>>> along_axis_calls(p.tree, p, Namer(all_names(p.tree)))
>>> show(p.tree)  # doctest: +ELLIPSIS
def f(x):
    along_arg = 1
    along_arg_2 = x
    along_moved = vectorized_moveaxis(vectorized_asarray(along_arg_2), along_arg, -1)
    along_rows = vectorized_reshape(along_moved, (-1, vectorized_shape(along_moved)[-1]))
    along_values = [np.sort(row) for row in along_rows]
    along_axes = vectorized_result_axes(...)
    along = vectorized_moveaxis(vectorized_reshape(vectorized_array(along_values, ...)
    return np.sum(along)
"""

from __future__ import annotations

import gast
import numpy as np

from ..ir.nodes import assign, call, clone, const, load, walk
from .common import located_error
from .vectorized import _Calls, _replace

_FIRST = ("func1d", "axis", "arr")


def result_axes(moved_ndim, result_ndim, axis):
    """(source, destination) of np.moveaxis taking the result's axes (after the
    moved_ndim - 1 iteration axes) to where `axis` was, as NumPy's apply_along_axis."""
    outer = moved_ndim - 1
    axis = int(axis) + (outer + 1 if int(axis) < 0 else 0)
    return (list(range(outer, outer + result_ndim)), list(range(axis, axis + result_ndim)))


def along_axis_calls(tree, parsed, namer) -> None:
    """Rewrite, in place, the apply_along_axis calls of `tree` (the module docstring)."""
    calls = [n for n in walk(tree) if isinstance(n, gast.Call)]
    if not calls:
        return
    found = _AlongAxis(tree, parsed, namer)
    if not any(found.vectorize(n) for n in calls):
        return
    tree.body = found.statements(tree.body)


class _AlongAxis(_Calls):
    what = "np.apply_along_axis"

    def __init__(self, tree, parsed, namer):
        super().__init__(tree, parsed, namer)
        self.locals, self.made = {}, set()  # (np.vectorize objects: vectorized.py's)

    def vectorize(self, c):
        """(func1d,) of an apply_along_axis call `c`, or None."""
        if self.resolve(c.func) is not np.apply_along_axis:
            return None
        named = {k.arg: k.value for k in c.keywords}
        given = [*c.args[:3], *(named[p] for p in _FIRST[len(c.args):] if p in named)]
        if len(given) < 3 or any(isinstance(a, gast.Starred) for a in c.args) or \
                None in named or any(p in named for p in _FIRST[:len(c.args)]):
            located_error("np.apply_along_axis(...) without func1d, axis and arr, or with "
                          "*args/**kwargs", c, self.parsed.location)
        fn = given[0]
        if not isinstance(fn, gast.Lambda) and any(isinstance(n, gast.Call) for n in walk(fn)):
            located_error("np.apply_along_axis(<a call>, ...): name the function first", c,
                          self.parsed.location)
        return (fn,)

    def rewrite(self, stmt, c, fn) -> list:
        fresh, f = self.namer.fresh, self.function
        out, names, keywords = [], {}, []
        for a in [*c.args, *c.keywords]:  # each once, in the order written
            if a is c.args[0] or isinstance(a, gast.keyword) and a.arg == "func1d":
                names[a.arg if isinstance(a, gast.keyword) else len(names)] = None
                continue  # (a name or a lambda: called as written)
            name = fresh("along_arg")
            out.append(assign(name, a.value if isinstance(a, gast.keyword) else a))
            if isinstance(a, gast.keyword) and a.arg not in _FIRST:
                keywords.append(gast.keyword(arg=a.arg, value=load(name)))
            else:
                names[a.arg if isinstance(a, gast.keyword) else len(names)] = name
        for k, p in enumerate(_FIRST):
            names[k] = names.pop(p, names.get(k))
        arr, axis = names[2], names[1]
        extra = [names[k] for k in range(3, len(c.args))]
        moved, rows, values = fresh("along_moved"), fresh("along_rows"), fresh("along_values")
        out.append(assign(moved, call(f(np.moveaxis), call(f(np.asarray), load(arr)),
                                      load(axis), const(-1))))
        last = gast.Subscript(value=call(f(np.shape), load(moved)), slice=const(-1),
                              ctx=gast.Load())
        out.append(assign(rows, call(f(np.reshape), load(moved), gast.Tuple(
            elts=[const(-1), last], ctx=gast.Load()))))
        row = fresh("row")
        out.append(assign(values, gast.ListComp(
            elt=gast.Call(func=clone(fn), args=[load(row), *[load(e) for e in extra]],
                          keywords=keywords),
            generators=[gast.comprehension(
                target=gast.Name(id=row, ctx=gast.Store(), annotation=None, type_comment=None),
                iter=load(rows), ifs=[], is_async=0)])))
        first = gast.Subscript(value=load(values), slice=const(0), ctx=gast.Load())
        dtype = gast.Attribute(value=call(f(np.asarray), clone(first)), attr="dtype",
                               ctx=gast.Load())
        array = gast.Call(func=f(np.array), args=[load(values)],
                          keywords=[gast.keyword(arg="dtype", value=dtype)])
        outer = gast.Subscript(value=call(f(np.shape), load(moved)), slice=gast.Slice(
            lower=None, upper=const(-1), step=None), ctx=gast.Load())
        shape = gast.BinOp(left=outer, op=gast.Add(), right=call(f(np.shape), clone(first)))
        axes = fresh("along_axes")
        out.append(assign(axes, call(f(result_axes), call(f(np.ndim), load(moved)),
                                     call(f(np.ndim), clone(first)), load(axis))))
        result = fresh("along")
        out.append(assign(result, call(
            f(np.moveaxis), call(f(np.reshape), array, shape),
            gast.Subscript(value=load(axes), slice=const(0), ctx=gast.Load()),
            gast.Subscript(value=load(axes), slice=const(1), ctx=gast.Load()))))
        _replace(stmt, c, load(result))
        return out
