"""Callables made by `functools.partial`, `operator.itemgetter` and
`operator.attrgetter`, and frozen scipy.stats distributions -> what calling them does.

Guarantees: a call of `partial(g, a, k=b)(x)` is the call `g(a, x, k=b)`,
`itemgetter(i, j)(v)` is `(v[i], v[j])`, `attrgetter("a.b")(v)` is `v.a.b`, and a
method of a frozen distribution `norm(m, loc=l).logpdf(x)` is the distribution's own
`norm.logpdf(x, m, loc=l)` (scipy's rv_frozen passes the frozen arguments after the
method's own: logpdf, pdf, cdf, ..., mean, interval, rvs given keywords only; any other
method is refused, located); the bound arguments are evaluated once, where the
callable is made. A name bound to such a callable at the top of the function, never
rebound and only called or passed to a call (a frozen distribution: only read as
`d.method(...)`), stands for it everywhere: also in the body of a function it is passed to, which is
inlined as for a nested function (inlining.py), and in a list or dict of functions,
where function_tables.py names the partials it holds; other forms are refused, located.

>>> from pullback.lower.example import lowered, show
>>> def f(x, y):
...     scaled = functools.partial(np.multiply, 3.0)
...     second = operator.itemgetter(1)
...     return scaled(x) + second(y)
>>> show(lowered(f))
def f(x, y):
    scaled_2 = np.multiply(3.0, x)
    second_2 = y[1]
    out = scaled_2 + second_2
    return out
"""

from __future__ import annotations

import functools
import operator
import sys

import gast

from .. import rules
from ..ir.nodes import assign, dotted_name, load, walk
from .common import called_or_passed


class MadeCallables:
    """The lowerings of made callables for `Flatten` (flatten.py), whose state they use."""

    FACTORIES = {functools.partial: "partial", operator.itemgetter: "itemgetter",
                 operator.attrgetter: "attrgetter"}

    def factory(self, expr):
        """"partial", "itemgetter" or "attrgetter" for a call making such a callable,
        "frozen" for a call of a scipy.stats distribution (`norm(mu, s)`)."""
        if not isinstance(expr, gast.Call) or any(isinstance(a, gast.Starred)
                                                  for a in expr.args) \
                or any(k.arg is None for k in expr.keywords):
            return None
        dotted = dotted_name(expr.func)
        if dotted is None or dotted.split(".")[0] in self.locals:
            return None
        found = self.resolved(expr.func)
        if _distribution(found):
            return "frozen"
        if _cubic_spline(found):
            return "spline"
        return self.FACTORIES.get(found) if isinstance(found, type) else None

    def made_callable(self, func, out):
        """(kind, callee, bound argument atoms, bound keyword atoms) for a callee that is
        `functools.partial(g, ...)`, `operator.itemgetter(...)` or `operator.attrgetter(...)`
        (written in place or bound to a name before), its arguments evaluated where it is
        made; None for any other callee."""
        if isinstance(func, gast.Name) and func.id in self.made:
            return self.made[func.id]
        if isinstance(func, gast.Attribute):  # frozen.logpdf: the method of a frozen one
            made = self.made.get(func.value.id) if isinstance(func.value, gast.Name) \
                else self.made_callable(func.value, out) if self.factory(func.value) \
                == "frozen" else None
            if made is None or made[0] != "frozen":
                return None
            return ("frozen", gast.Attribute(value=made[1], attr=func.attr, ctx=gast.Load()),
                    made[2], made[3])
        kind = self.factory(func)
        if kind is None:
            return None
        args = list(func.args)
        callee = args.pop(0) if kind == "partial" else func.func if kind == "frozen" else None
        if kind == "spline":  # CubicSpline(knots, y, bc_type=, extrapolate=) called
            if len(args) != 2 or any(k.arg not in ("bc_type", "extrapolate")
                                     for k in func.keywords):
                self.error("CubicSpline form (pullback reads CubicSpline(x, y) with bc_type= "
                           "and extrapolate=, y along axis 0)", func)
            callee = load(self.namer.fresh("cubic_spline_value"))
            self.parsed.aliases[callee.id] = rules.rule_function("cubic_spline_value")
        if kind == "partial" and callee is None:
            self.error("functools.partial without a function", func)
        if kind in ("itemgetter", "attrgetter") and (func.keywords or not args):
            self.error(f"operator.{kind} form (give the items or attribute names)", func)
        if kind == "attrgetter" and not all(isinstance(a, gast.Constant)
                                            and isinstance(a.value, str) for a in args):
            self.error("operator.attrgetter of names that are not written out", func)
        bound = []
        for a in args:  # evaluated once, where the callable is made
            atom = self.atom(a, out)
            if isinstance(atom, gast.Name) and atom.id not in self.local_functions:
                held = self.namer.fresh(f"{kind}_arg")
                out.append(assign(held, atom))
                atom = load(held)
            bound.append(atom)
        keywords = {}
        for k in func.keywords:
            held = self.namer.fresh(f"{kind}_{k.arg}")
            out.append(assign(held, self.atom(k.value, out)))
            keywords[k.arg] = load(held)
        return kind, callee, bound, keywords

    def bind_callable(self, name, value, out) -> bool:
        """`h = functools.partial(g, a)` (or operator.itemgetter / attrgetter) at the top of
        the function, h never rebound and only called or passed as a function: its calls
        become calls of g (reads of items or attributes); True if so."""
        kind = self.factory(value)
        if kind is None or self.inlining:
            return False
        tree = self.parsed.tree
        stores = [n for n in walk(tree) if isinstance(n, gast.Name) and n.id == name
                  and isinstance(n.ctx, gast.Store)]
        top = [s for s in tree.body if isinstance(s, gast.Assign) and len(s.targets) == 1
               and isinstance(s.targets[0], gast.Name) and s.targets[0].id == name]
        callees = _methods_called(tree) if kind == "frozen" else called_or_passed(tree)
        reads = [n for n in walk(tree) if isinstance(n, gast.Name) and n.id == name
                 and isinstance(n.ctx, gast.Load)]
        if len(stores) != 1 or len(top) != 1 or any(id(n) not in callees for n in reads):
            return False
        self.made[name] = self.made_callable(value, out)
        return True

    def call_made(self, made, expr):
        """The call `expr` of a callable `made_callable` describes, as what it does."""
        kind, callee, bound, keywords = made
        if kind == "frozen":  # frozen.m(x, ...) is dist.m(x, ..., *shapes, loc=, scale=)
            if callee.attr not in _FROZEN_METHODS or callee.attr == "rvs" and expr.args:
                self.error(f"method {callee.attr!r} of a frozen scipy.stats distribution "
                           "(pullback reads logpdf, pdf, cdf, logcdf, sf, logsf, pmf, logpmf, "
                           "ppf, isf, mean, var, std, median, entropy, interval, and rvs "
                           "with keywords)", expr)
            merged = dict(keywords)
            merged.update({k.arg: k.value for k in expr.keywords})
            return gast.Call(func=callee, args=[*expr.args, *bound], keywords=[
                gast.keyword(arg=k, value=v) for k, v in merged.items()])
        if kind == "spline":  # cs(x), cs(x, nu): cubic_spline_value(knots, y, x, ..., nu)
            given = {k.arg for k in expr.keywords}
            if not expr.args or len(expr.args) > 2 or given - {"nu", "extrapolate"} \
                    or len(expr.args) == 2 and "nu" in given:
                self.error("a call of a CubicSpline with other than (x, nu=0, extrapolate=None)",
                           expr)
            merged = dict(keywords)
            merged.update({k.arg: k.value for k in expr.keywords})
            if len(expr.args) == 2:
                merged["nu"] = expr.args[1]
            return gast.Call(func=callee, args=[*bound, expr.args[0]], keywords=[
                gast.keyword(arg=k, value=v) for k, v in merged.items()])
        if kind == "partial":
            merged = dict(keywords)
            merged.update({k.arg: k.value for k in expr.keywords})
            return gast.Call(func=callee, args=[*bound, *expr.args], keywords=[
                gast.keyword(arg=k, value=v) for k, v in merged.items()])
        if len(expr.args) != 1 or expr.keywords:
            self.error(f"a call of operator.{kind}(...) with other than one argument", expr)
        value = expr.args[0]
        if kind == "itemgetter":
            items = [gast.Subscript(value=value, slice=b, ctx=gast.Load()) for b in bound]
        else:
            items = []
            for b in bound:
                read = value
                for attr in b.value.split("."):
                    read = gast.Attribute(value=read, attr=attr, ctx=gast.Load())
                items.append(read)
        return items[0] if len(items) == 1 else gast.Tuple(elts=items, ctx=gast.Load())


# the methods of a frozen distribution that call the distribution's own with the
# arguments given first, then the frozen shapes, loc and scale (scipy.stats' rv_frozen)
_FROZEN_METHODS = frozenset({"logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "pmf", "logpmf",
                             "ppf", "isf", "mean", "var", "std", "median", "entropy",
                             "interval", "rvs"})


def _distribution(obj) -> bool:
    """Whether `obj` is a scipy.stats distribution, whose call makes a frozen one."""
    stats = sys.modules.get("scipy.stats")
    if stats is None:  # (not imported: nothing f resolves is one)
        return False
    try:
        from scipy.stats._distn_infrastructure import rv_generic
        from scipy.stats._multivariate import multi_rv_generic
    except ImportError:
        return False
    return isinstance(obj, (rv_generic, multi_rv_generic))


def _methods_called(tree) -> set:
    """The ids of the names `n` read as `n.method(...)` in `tree`."""
    return {id(n.func.value) for n in walk(tree) if isinstance(n, gast.Call)
            and isinstance(n.func, gast.Attribute) and isinstance(n.func.value, gast.Name)}


def _cubic_spline(obj) -> bool:
    """Whether `obj` is scipy.interpolate.CubicSpline (whose objects, called, are
    cubic_spline_value: rules/scipy_interpolate.py)."""
    if "scipy.interpolate" not in sys.modules:  # (not imported: f names no spline)
        return False
    from scipy.interpolate import CubicSpline

    return obj is CubicSpline
