"""Derivative rules: flat tables mapping a callable to its adjoint templates.

A rule names the callable's parameters (a signature string, so calls can be
bound positionally or by keyword at transform time) and, for each
differentiable parameter, an expression for its gradient contribution written
in terms of the parameters, `g` (the gradient of the result) and `ans` (the
result). Templates may call `np`, `math` and the helpers of `pullback.runtime`.
`broadcast` lists the parameters that broadcast against each other; their
contributions are summed back to each parameter's shape.

`NONDIFF` holds callables whose result carries no gradient (shapes, counts,
comparisons, piecewise-constant functions).

A custom rule (`register`) is checked where its result is used: one gradient per
parameter, and an array gradient has its parameter's shape; otherwise a PullbackError
names the rule.

A rule also carries its tangent (pushforward), for forward mode (`Rule.pushforward`):
"linear" (the same call on the tangents, for a function linear in its differentiated
parameters together: sum, reshape, concatenate, ...), "bilinear" (multilinear: the
sum over the differentiated parameters of the call with that one replaced by its
tangent: matmul, dot, einsum), or templates, one per parameter, written like the
adjoint's but with `g` standing for that parameter's tangent (their sum over the
parameters that carry a tangent is the result's tangent). An "elementwise" rule's
adjoint templates are diagonal, so they are its tangent templates too (unless they
take real or imaginary parts: a function that is not holomorphic needs its own). A
template "reduction" stands for `reduce_tangent(<adjoint with g = ones>, g, axis,
keepdims)`, right for a reduction along `axis` whose adjoint spreads g over the
reduced axes times a weight; "real reduction" for one whose result is real even for
a complex operand (norms, variances), whose tangent keeps only the real part; "nan
reduction" and "real nan reduction" for the NaN-ignoring ones, whose tangent leaves out
the NaN entries' tangents. A rule
with none of these has no forward-mode rule, and forward mode refuses to
differentiate through it.

A rule also carries its `kinds` (see KINDS), which the analyses ask through
`kinds_of` instead of keeping lists of their own: "elementwise" and "reduction" (their
results are new arrays), "fresh" (the result is a new object that shares no memory with
an operand), "view" (the result may be an operand, a view into one, or a container
holding one), "allocator" (a new array a user may write into in place),
"shape-preserving" and "writes-first" (writes into its first argument in place and
returns it: analysis/aliasing treats the call as a write of that argument). A rule
that declares neither "fresh" nor a kind implying it is taken
to return a view: forgetting to declare a kind can only make pullback refuse, never
give a wrong gradient. A callable without a rule (a module's NONDIFF, or WITHOUT_RULE
for one pullback refuses to differentiate through, such as np.arange) declares its kinds
and methods with `declare`.

A rule declares the array methods that are its function (`methods=("clip",)`: normalize
writes `x.clip(0, 1)` as `np.clip(x, 0, 1)`, `array_method`), and a rule module keeps
the helpers its templates call beside its rules, in its HELPERS; `HELPERS` collects
them (with `support`, the helpers several families share, and `tangent_support`), and
`PURE_CALLS` names the calls the optimizer may drop when their result is unread. So
adding a NumPy function is one declaration: its signature, adjoint, tangent, kinds and
methods, and its helpers next to it. Facts that are not about one function stay in
rules/ too: `rules.methods` (x.copy(), x.T, + and * of lists) and `rules.shifts` (the
algebra of shifts the shapes analysis cancels).

    >>> import numpy as np
    >>> RULES[np.sin].fresh, RULES[np.transpose].fresh, RULES[np.transpose].kinds
    (True, False, frozenset({'view'}))
"""

from __future__ import annotations

import inspect
import keyword
import math as _math
import sys
from dataclasses import dataclass, replace

import gast
import numpy as _np

from ..ir.nodes import call, const, load, quote, quote_with, substitute


@dataclass(frozen=True)
class Rule:
    signature: inspect.Signature
    partials: dict  # parameter name -> template source
    broadcast: tuple = ()
    functions: tuple = ()  # (name, object) pairs the templates call besides the helpers
    arrays: bool = False  # the callable reads its operands as arrays (NumPy's array_like)
    joint: str = ""  # a call returning every parameter's gradient, in order (custom rules)
    kinds: frozenset = frozenset()  # see KINDS
    jvp: object = None  # "linear" | "bilinear" | {param: tangent template} | None
    methods: tuple = ()  # array methods that are this function: x.clip(0, 1) is np.clip(x, 0, 1)
    batch: object = None  # {param: tangent template} for a batch of tangents (vector mode)
    # parameters whose default None the rule reads as "not given" while the function takes
    # None for a value (np.diff's prepend): a call pullback makes passes them only when given
    absent: tuple = ()

    @property
    def pushforward(self):
        """How forward mode forms the result's tangent: "linear", "bilinear", a dict of
        tangent templates (parameter -> template in terms of `g`, its tangent), or None
        when the rule has no tangent."""
        if self.jvp is not None:
            return self.jvp
        if "elementwise" in self.kinds and not self.joint and not any(
                part in template for template in self.partials.values()
                for part in _NOT_HOLOMORPHIC):
            return dict(self.partials)
        return None

    def tangent_template(self, param, lists=frozenset(), templates=None):
        """The tangent template for `param` from `templates` (by default pushforward, a
        dict), a fresh expression with the same treatment of list operands as `template`."""
        source = (templates or self.pushforward)[param]
        if source in _REDUCTION_TANGENTS:
            adjoint = self.template(param, lists)
            ones = call("np.ones", call("np.shape", load("ans")))
            tangent = load("g")
            if "nan" in source:  # entries the reduction skips: their tangent may be NaN too
                tangent = call("np.where", call("np.isnan", load(param)), const(0.0), tangent)
            return call("reduce_tangent", substitute(adjoint, {"g": ones}), tangent,
                        load("axis"), load("keepdims"),
                        *[const(True)] if source.startswith("real") else [])
        expr = quote(source)
        if self.arrays and lists:
            expr = _ListsAsArrays(lists).visit(expr)
        return expr

    @property
    def fresh(self) -> bool:
        """The result is a new object that shares no memory with an operand."""
        return bool(self.kinds & FRESH_KINDS)

    def template(self, param, lists=frozenset()):
        """The gradient template for `param`, a fresh expression. When the callable reads
        its operands as arrays, the template must too: an operator in it applied to
        parameters in `lists` (whose arguments may be Python lists) with no array
        operand (`ans`, or an operator on it) gets the first such parameter through
        as_array (np.asarray, keeping Dask and other libraries' arrays as they are),
        since `[x, y] >= 0.1` raises and `[x, y] >= [0.1, 0.9]` compares
        lexicographically."""
        expr = quote(self.partials[param])
        if self.arrays and lists:
            expr = _ListsAsArrays(lists).visit(expr)
        return expr

    def instance(self, param, mapping, lists=frozenset()):
        """`substitute(self.template(param, lists), mapping)`, made in one copy of the
        parsed template where no operand needs `as_array`."""
        if self.arrays and lists:
            return substitute(self.template(param, lists), mapping)
        return quote_with(self.partials[param], mapping)

    def bind(self, args, kwargs):
        """Bind call arguments to parameter names, defaults applied, in the signature's
        order (TypeError if they do not fit), as `inspect.Signature.bind` does: the
        analysis binds every call, so the common case (a signature without *args or
        **kwargs, arguments that fit) takes a short path, and anything else inspect's."""
        plan = _binding_plan(self.signature)
        if plan is not None:
            params, positional, keywords = plan
            if len(args) <= len(positional) and all(
                    name in keywords and name not in positional[:len(args)]
                    for name in kwargs):
                bound = dict(zip(positional, args))
                bound.update(kwargs)
                if len(bound) == len(params):
                    return {p.name: bound[p.name] for p in params}
                if all(p.name in bound or p.default is not p.empty for p in params):
                    return {p.name: bound.get(p.name, p.default) for p in params}
        bound = self.signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return dict(bound.arguments)

_PLANS: dict = {}  # id(signature) -> (signature, plan): rules' signatures live as long as they
_PLAIN_KINDS = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                inspect.Parameter.KEYWORD_ONLY)


def _binding_plan(signature):
    """(parameters, positional names, names that may be passed by keyword) for
    `Rule.bind`, or None when the signature takes *args or **kwargs."""
    entry = _PLANS.get(id(signature))
    if entry is None or entry[0] is not signature:
        params = list(signature.parameters.values())
        plan = None
        if all(p.kind in _PLAIN_KINDS for p in params):
            plan = (params, [p.name for p in params
                             if p.kind is not inspect.Parameter.KEYWORD_ONLY],
                    frozenset(p.name for p in params
                              if p.kind is not inspect.Parameter.POSITIONAL_ONLY))
        entry = _PLANS[id(signature)] = (signature, plan)
    return entry[1]


class _ListsAsArrays(gast.NodeTransformer):
    def __init__(self, lists):
        self.lists = lists
        self.arrays: set[int] = set()  # ids of the nodes that evaluate to arrays

    def visit_Name(self, node):
        if node.id == "ans":  # g may be the float 0.0 (a gradient known to be zero)
            self.arrays.add(id(node))
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        # simplify writes pow_grad_base(g, a, <literal b>) out as g * b * a ** (b - 1)
        if isinstance(node.func, gast.Name) and node.func.id == "pow_grad_base":
            base = node.args[1]
            if isinstance(base, gast.Name) and base.id in self.lists:
                node.args[1] = call("as_array", base)
        return node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        node.left, node.right = self._operands(node, [node.left, node.right])
        return node

    def visit_Compare(self, node):
        self.generic_visit(node)
        if any(isinstance(op, (gast.Is, gast.IsNot)) for op in node.ops):
            return node  # `axes is None` asks of the object itself: as_array(None) is not None
        node.left, *node.comparators = self._operands(node, [node.left, *node.comparators])
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        (node.operand,) = self._operands(node, [node.operand])
        return node

    def _operands(self, node, operands):
        if not any(id(o) in self.arrays for o in operands):
            lists = [i for i, o in enumerate(operands)
                     if isinstance(o, gast.Name) and o.id in self.lists]
            if not lists:
                return operands
            operands[lists[0]] = call("as_array", operands[lists[0]])
        self.arrays.add(id(node))
        return operands


def _signature(params: str) -> inspect.Signature:
    namespace: dict = {}
    exec(f"def _({params}): pass", {"math": _math, "np": _np}, namespace)
    return inspect.signature(namespace["_"])


# What a rule (or a declaration of a callable without one) may say of its callable:
KINDS = frozenset({
    "elementwise",  # acts on each element: the result has the broadcast operands' shape
    "reduction",  # along axis (keepdims): with axis=None and keepdims=False, a scalar
    "fresh",  # a new object that shares no memory with an operand
    "view",  # may be an operand, a view into one, or a container holding one
    "allocator",  # a new array the function owns (unless copy= says otherwise): writable
    "shape-preserving",  # the result has the shape of the first argument
    "reads-only",  # called for its effect, it only reads its arguments (a check that raises)
    "writes-first",  # writes into its first argument in place and returns it (or a pair
    # holding it): the analyses treat the call as a write of that argument
    "takes-out",  # a pair (a value taken out of the first argument, which no longer holds
    # it, the argument): element 0 shares no memory with the argument
})
FRESH_KINDS = frozenset({"elementwise", "reduction", "fresh"})
# the tangents Rule.tangent_template makes from a reduction's adjoint: "nan" for the
# NaN-ignoring reductions (the tangent at a NaN entry, NaN itself when the NaN was
# computed from a value being differentiated, is left out as the entry is), "real" for
# those whose result is real for a complex operand
_REDUCTION_TANGENTS = ("reduction", "real reduction", "nan reduction", "real nan reduction")
# adjoint templates that take parts of g: the function is not holomorphic, its adjoint
# (autograd's convention for complex values) is not its tangent
_NOT_HOLOMORPHIC = ("real(", "imag(", "conj(", "angle(")


def rule(params: str, broadcast: bool = False, kinds=(), jvp=None, methods=(), batch=None,
         absent=(), **partials: str) -> Rule:
    """A rule for a callable with parameters `params` ('x, axis=None', like a def);
    `jvp` gives its tangent when its kinds do not (see `Rule.pushforward`): "diagonal"
    says that the adjoint templates are the tangent templates too. `methods` are the
    array methods that call the function with the array first. `batch` gives tangent
    templates for vector mode, where `g` holds a batch of tangents, batch axis first
    (without it, an elementwise rule's tangent broadcasts over the batch, and any other
    rule's tangent is taken once per tangent of the batch; its entry "+" names a helper
    that sums the parameters' batches, where `+` would not). `absent` names the parameters
    whose None the rule reads as not given but the function would take for a value."""
    sig = _signature(params)
    reserved = {"g", "ans"} & set(sig.parameters)  # the templates' own names
    if reserved:
        raise ValueError(f"a rule's parameter may not be named {sorted(reserved)[0]!r}: "
                         "templates read g as the gradient given and ans as the result")
    gathering = [n for n, p in sig.parameters.items() if p.kind in (
        inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD) and n in partials]
    if gathering:  # the analysis binds atoms to names: a *args tuple would get no gradient
        raise ValueError(f"a rule's *args or **kwargs parameter ({gathering[0]}) cannot have "
                         "a gradient template: take the values as one sequence parameter")
    required = [n for n, p in sig.parameters.items() if p.default is inspect.Parameter.empty]
    if jvp == "diagonal":
        jvp = dict(partials)
    return Rule(sig, partials, tuple(required) if broadcast else (), kinds=_kinds(kinds),
                jvp=jvp, methods=tuple(methods), batch=batch, absent=tuple(absent))


@dataclass(frozen=True)
class Declaration:
    """What the analyses may know of a callable that has no derivative rule: a
    non-differentiable one (a module's NONDIFF) or one pullback refuses to differentiate
    through (a module's WITHOUT_RULE)."""

    kinds: frozenset = frozenset()
    methods: tuple = ()


def declare(*funcs, kinds=(), methods=()) -> dict:
    """{func: Declaration} for each of `funcs`, a NONDIFF or WITHOUT_RULE table's entries."""
    declaration = Declaration(_kinds(kinds), tuple(methods))
    return {func: declaration for func in funcs}


def _kinds(kinds) -> frozenset:
    kinds = frozenset(kinds)
    if kinds - KINDS:
        raise ValueError(f"unknown rule kinds {sorted(kinds - KINDS)}: known are {sorted(KINDS)}")
    return kinds


def of_kind(kind: str, table: dict) -> dict:
    """`table` with `kind` added to each of its rules: a family declared once."""
    return {f: replace(r, kinds=r.kinds | _kinds({kind})) for f, r in table.items()}


# modules of this package
TABLES = ("operators", "math", "builtins", "numpy", "numpy_added", "linalg", "fft", "scipy",
          "special_added", "scipy_stats", "scipy_linalg", "scipy_signal", "scipy_integrate",
          "scipy_optimize", "index_tricks", "stdlib", "higher", "higher_products",
          "higher_simple", "higher_decompositions", "higher_special", "higher_decompositions2",
          "higher_simple2", "higher_special2", "higher_stdlib", "higher_stats", "higher_corrcoef",
          "autograd_own", "ufunc_scans", "cmath", "grids", "scipy_lu", "polyfit", "windows",
          "lfilter", "copying", "scipy_fft", "scipy_quadrature",
          "scipy_spatial", "math_special",
          "scipy_decompositions", "scipy_stats_more", "scipy_interpolate")


OPTIONAL = ("scipy",)  # libraries whose rule modules are skipped when not installed


def _modules():
    """The rule modules of TABLES that import (SciPy's are skipped without SciPy). Any
    other import error is raised: a rule module that fails to import would otherwise
    leave its functions silently without rules."""
    import importlib

    for name in TABLES:
        try:
            yield importlib.import_module(f"{__name__}.{name}")
        except ImportError as exc:
            if (exc.name or "").split(".")[0] not in OPTIONAL:
                raise


def _tables():
    """(rules, non-differentiable callables) of the tables."""
    rules: dict = {}
    nondiff: set = set()
    for module in _modules():
        if getattr(module, "ARRAY_LIKE", False):  # but for LISTS_OF_ARRAYS' list parameters
            lists = getattr(module, "LISTS_OF_ARRAYS", ())
            rules.update({f: replace(r, arrays=f not in lists) for f, r in module.RULES.items()})
        else:
            rules.update(module.RULES)
        nondiff.update(module.NONDIFF)
    return rules, nondiff


def _declarations():
    """(callable -> Declaration for those without a rule, helper name -> helper, the
    names of the helpers of the rules' mathematics, which never mutate their inputs)."""
    from . import support, tangent_support

    declared: dict = {}
    helpers: dict = {}
    _add_helpers(helpers, support)
    for module in _modules():
        if isinstance(module.NONDIFF, dict):
            declared.update(module.NONDIFF)
        declared.update(getattr(module, "WITHOUT_RULE", {}))
        _add_helpers(helpers, module)
    pure = frozenset(helpers)
    _add_helpers(helpers, tangent_support)
    return declared, helpers, pure


def _add_helpers(helpers, module):
    """A module's HELPERS (the functions its templates call by name) into `helpers`."""
    found = getattr(module, "HELPERS", {})
    if set(found) & set(helpers):  # one would silently hide the other
        raise ImportError(f"rule helpers defined twice: {set(found) & set(helpers)}")
    helpers.update(found)


RULES, NONDIFF = _tables()
DECLARED, HELPERS, _PURE_HELPERS = _declarations()
# The names the tables' own helpers (Rule.functions) go by in generated code: reserved,
# so that no user variable of that name hides one.
def _function_names() -> frozenset:
    """The names of the tables' own helpers, each naming one function: generated code binds
    a helper by its name, so two of one name (a rule module's `convolve_grad` beside
    another's) would make a generated gradient call the wrong one, or be refused when it is
    differentiated again."""
    named = dict(HELPERS)
    for r in RULES.values():
        for name, function in r.functions:
            if named.setdefault(name, function) is not function:
                raise ImportError(f"two rule helpers are named {name!r}: rename one "
                                  f"({named[name].__module__}, {function.__module__})")
    return frozenset(name for r in RULES.values() for name, _ in r.functions)


FUNCTION_NAMES = _function_names()


def rule_function(name: str):
    """The tables' own helper named `name` (a Rule.functions entry): for a lowering that
    writes a call of it (made_callables: CubicSpline(x, y)(t) is cubic_spline_value)."""
    return next(function for r in RULES.values() for helper, function in r.functions
                if helper == name)
# The non-differentiable functions of the tables return new values (counts, indices,
# masks); those a user marks (stop_gradient, nondifferentiable) may return an operand.
FRESH_NONDIFF = frozenset(NONDIFF)


def _pure_calls() -> frozenset:
    from ..runtime.helpers import PURE

    numpy = {f"np.{name}" for name, obj in vars(_np).items()
             if callable(obj) and lookup(obj) is not None}
    linalg = {f"np.linalg.{name}" for name, obj in vars(_np.linalg).items()
              if callable(obj) and lookup(obj) is not None}
    return _PURE_HELPERS | PURE | numpy | linalg


def kinds_of(obj) -> frozenset:
    """The kinds its rule (or its declaration, for a callable without one) gives `obj`:
    what every analysis asks instead of keeping a list of functions of its own. A
    callable pullback knows nothing of has none."""
    try:
        obj = _ADOPTED.get(obj, obj)
        found = RULES.get(obj) or DECLARED.get(obj)
    except TypeError:  # unhashable callables have no rule
        return frozenset()
    return found.kinds if found is not None else frozenset()


def _spelling(func) -> str:
    """How generated code names a NumPy function: its shortest name in NumPy's namespace."""
    names = [name for name, value in vars(_np).items() if value is func]
    if not names:
        raise ValueError(f"{func!r} is not in NumPy's namespace: it cannot declare methods")
    return "np." + min(names, key=lambda name: (len(name), name))


def _array_methods() -> dict:
    methods: dict = {}
    for func, declared in [*RULES.items(), *DECLARED.items()]:
        for method in declared.methods:
            if method in methods:
                raise ImportError(f"the array method .{method}() is declared twice")
            methods[method] = _spelling(func)
    return methods


_ARRAY_METHODS = _array_methods()


def array_method(name: str) -> str | None:
    """The NumPy function (as generated code spells it, 'np.clip') that the array method
    `name` calls with the array as its first argument, or None for other names.

    >>> array_method("clip"), array_method("conjugate"), array_method("append")
    ('np.clip', 'np.conj', None)
    """
    return _ARRAY_METHODS.get(name)


def spelled_tangent(callee):
    """(helper, the parameters a call may pass) when forward mode spells the tangent of
    the linear rule of `callee` (the call itself on the tangent) with a helper of the
    same numbers and no NumPy dispatch (`np.sum` -> `sum_tangent`), else None."""
    from .tangent_support import SPELLED_TANGENTS

    try:
        return SPELLED_TANGENTS.get(callee)
    except TypeError:  # unhashable
        return None


def builds_by_indexing(obj) -> bool:
    """Whether `obj[key]` builds a value by a rule keyed by `obj.__getitem__` (np.r_ and
    np.c_ do: rules/index_tricks.py), so the lowering writes it as that call.

    >>> import numpy as np
    >>> builds_by_indexing(np.r_), builds_by_indexing(np.s_), builds_by_indexing(np.ones(2))
    (True, False, False)
    """
    try:
        getitem = getattr(obj, "__getitem__", None)
        if getitem is None:
            return False
        adopt_wrapper(getitem)  # (autograd's r_ and c_: NumPy's)
        return isinstance(lookup(getitem), Rule)
    except TypeError:  # an unhashable object's bound method
        return False


def adopt_wrapper(obj) -> None:
    """Give an autograd function the rule (or declaration) of the NumPy or SciPy function
    it runs, so that code written for autograd (`import autograd.numpy as np`) is
    differentiated as the NumPy code it runs: called without autograd's boxes, a primitive
    calls the function it wraps (its `fun`) with the same arguments and nothing else, and
    autograd's own `np.array`, `np.concatenate`, ... compute NumPy's result. `lookup` and
    `kinds_of` then answer for it as for that function (the tables stay as declared).
    Anything else, and a function without a rule, is left as it is.

    >>> import numpy as np
    >>> def sin(x): return np.sin(x)
    >>> sin.fun, sin._is_autograd_primitive = np.sin, True
    >>> adopt_wrapper(sin); lookup(sin) is lookup(np.sin)
    True
    """
    try:
        if obj in _ADOPTED or obj in RULES or obj in NONDIFF or obj in DECLARED:
            return
    except TypeError:  # unhashable: not a function
        return
    inner = autograd_wrapped(obj)
    try:
        if inner in RULES or inner in NONDIFF or inner in DECLARED:
            _ADOPTED[obj] = inner
    except TypeError:
        return


_ADOPTED: dict = {}  # an autograd function -> the NumPy or SciPy function it runs


def adopt(obj, func) -> None:
    """`obj` computes what `func` does with the same arguments: it has `func`'s rule (an
    autograd function's: NumPy's)."""
    adopt_wrapper(func)
    _ADOPTED[obj] = _ADOPTED.get(func, func)


# autograd.numpy's own Python definitions (functions and lambdas) that, given no boxes,
# compute what NumPy's function of the same name does with the same arguments (as
# autograd's source reads).
_AUTOGRAD_AS_NUMPY = {
    "autograd.numpy": (_np, ("append", "array", "column_stack", "concatenate", "hstack",
                             "mean", "row_stack", "select", "stack", "std", "var", "vstack",
                             "where")),
    "autograd.numpy.linalg": (_np.linalg, ("norm",)),  # np.array of a list, then the norm
    # autograd's tuple: a subclass of Python's, made of the same elements
    "autograd.builtins": (__import__("builtins"), ("tuple",)),
}


# autograd's own definitions that compute what a NumPy function of another name does, or
# pullback's own function with the rule (rules/autograd_own.py)
_AUTOGRAD_RENAMED = {("autograd.numpy.linalg", "T"): (_np.linalg, "matrix_transpose"),
                     ("autograd.scipy.signal", "convolve"): (
                         f"{__name__}.autograd_own", "autograd_convolve"),
                     ("autograd.numpy", "make_diagonal"): (
                         f"{__name__}.autograd_own", "autograd_make_diagonal"),
                     ("autograd.misc.flatten", "flatten"): (
                         f"{__name__}.autograd_own", "autograd_flatten")}


def autograd_wrapped(obj):
    """The NumPy (or SciPy) function an autograd function runs when no argument is boxed,
    or None when `obj` is not one (None itself is none: a name a module lacks must not
    match it)."""
    if obj is None:
        return None
    for (module, name), (numpy_module, numpy_name) in _AUTOGRAD_RENAMED.items():
        if module in sys.modules and getattr(sys.modules[module], name, None) is obj:
            if isinstance(numpy_module, str):
                numpy_module = sys.modules.get(numpy_module)
            return getattr(numpy_module, numpy_name, None)
    if getattr(obj, "_is_autograd_primitive", None) is True:  # primitive(f): obj.fun
        return getattr(obj, "fun", None)
    if not str(getattr(obj, "__module__", "")).startswith("autograd."):
        return None
    if getattr(obj, "_is_primitive", None) is True:  # notrace_primitive(f): shape, ndim
        inner = getattr(obj, "__wrapped__", None)
        code, cells = getattr(obj, "__code__", None), getattr(obj, "__closure__", None)
        if inner is None and code is not None and cells and "f_raw" in code.co_freevars:
            inner = cells[code.co_freevars.index("f_raw")].cell_contents  # (autograd's own
            # `wraps` keeps no __wrapped__: the function is the wrapper's closure cell)
        return inner
    owner = getattr(obj, "__self__", None)  # autograd's r_[...] and c_[...]: NumPy's
    if owner is not None and getattr(obj, "__name__", None) == "__getitem__":
        namespace = sys.modules.get("autograd.numpy")
        for name in ("r_", "c_"):
            if owner is getattr(namespace, name, None):
                return getattr(_np, name).__getitem__
        return None
    for module, (numpy_module, names) in _AUTOGRAD_AS_NUMPY.items():
        namespace = sys.modules.get(module)
        for name in names:
            if getattr(namespace, name, None) is obj:
                return getattr(numpy_module, name, None)
    return None


def lookup(obj):
    """The Rule for a callable, NONDIFF_MARK for non-differentiable ones, or None."""
    try:
        obj = _ADOPTED.get(obj, obj)
        if obj in RULES:
            return RULES[obj]
        if obj in NONDIFF:
            return NONDIFF_MARK
    except TypeError:  # unhashable callables have no rule
        return None
    return None


NONDIFF_MARK = "nondiff"
# Calls (as generated code spells them) that compute a value and do nothing else, which
# the optimizer may drop when their result is unread: the helpers of the rules' mathematics,
# the runtime helpers declared pure, and the NumPy functions of the tables.
PURE_CALLS = _pure_calls()
VERSION = [0]  # bumped whenever a rule is registered, so cached transforms are redone


def register(func, gradient, jvp=None) -> None:
    """Differentiate calls to `func` with `gradient(g, ans, *params)`, which returns the
    gradient for each of `func`'s parameters named after (g, ans) in its signature: a
    single value for one parameter, a tuple for several. `jvp(ans, *params, *tangents)`,
    if given, returns the tangent of the result for forward mode (a tangent known to be
    zero arrives as 0.0); it is called once per parameter that carries a tangent, with
    the others' tangents zero, and the results are summed (the tangent is linear in
    the tangents)."""
    names = list(inspect.signature(gradient).parameters)
    if len(names) < 3 or names[:2] != ["g", "ans"]:
        raise TypeError("a gradient function takes (g, ans, <the function's parameters>)")
    from ..ir.naming import identifier  # (naming reserves the tables' names: imported late)

    params = names[2:]
    bad = [p for p in params if not p.isidentifier() or keyword.iskeyword(p)]
    if bad:  # parameter names are pasted into generated code
        raise TypeError(f"a gradient function's parameters must be plain names, got {bad[0]!r}")
    # the helper's name is pasted into generated code: never the user's text as such
    helper = f"custom_{identifier(getattr(gradient, '__name__', 'rule'))}_{VERSION[0]}"
    joint = f"{helper}({', '.join(['g', 'ans', *params])})"
    if len(params) == 1:
        partials, joint = {params[0]: joint}, ""
    else:  # the adjoint calls `joint` once when several parameters need a gradient
        partials = {p: f"{joint}[{i}]" for i, p in enumerate(params)}
    gradient = _one_per_parameter(gradient, func, params)
    functions = ((helper, gradient),)
    tangents = None
    if jvp is not None:
        tangent_helper = f"custom_jvp_{identifier(getattr(jvp, '__name__', 'rule'))}_{VERSION[0]}"
        functions += ((tangent_helper, jvp),)
        tangents = {p: f"{tangent_helper}(ans, {', '.join(params)}, "
                    f"{', '.join('g' if q == p else '0.0' for q in params)})" for p in params}
    RULES[func] = Rule(_signature(", ".join(params)), partials, (), functions,
                       joint=joint, jvp=tangents)
    NONDIFF.discard(func)
    VERSION[0] += 1


def _one_per_parameter(gradient, func, params):
    """`gradient`, checked to return one gradient per parameter of `func`."""
    from ..errors import PullbackError

    def checked(*args):
        grads = gradient(*args)
        if len(params) == 1:  # one value, a sequence only for a sequence parameter
            if isinstance(grads, tuple) and not isinstance(args[2], (tuple, list)):
                raise PullbackError(
                    f"the rule {getattr(gradient, '__qualname__', gradient)} registered for "
                    f"{getattr(func, '__qualname__', func)} returned a tuple of {len(grads)} "
                    f"values, but {params[0]}, its one parameter, is not a sequence: return "
                    "its gradient alone")
            _check_shape(grads, args[2], params[0])
            return grads
        if not isinstance(grads, (tuple, list)) or len(grads) != len(params):
            got = f"{len(grads)} values" if isinstance(grads, (tuple, list)) else \
                f"a {type(grads).__name__}"
            raise PullbackError(
                f"the rule {getattr(gradient, '__qualname__', gradient)} registered for "
                f"{getattr(func, '__qualname__', func)} returned {got}, but it must return "
                f"a tuple of {len(params)} gradients, one for each of {', '.join(params)}")
        for grad, value, param in zip(grads, args[2:], params):
            _check_shape(grad, value, param)
        return grads

    def _check_shape(grad, value, param):
        """A gradient that is an array must have its parameter's shape (a scalar, such as
        0.0 for no gradient, is accepted for any parameter)."""
        if type(grad) is _np.ndarray and grad.ndim and isinstance(value, _NUMERIC) \
                and grad.shape != _np.shape(value):
            raise PullbackError(
                f"the rule {getattr(gradient, '__qualname__', gradient)} registered for "
                f"{getattr(func, '__qualname__', func)} returned a gradient of shape "
                f"{grad.shape} for {param}, which has shape {_np.shape(value)}: the gradient "
                "with respect to a parameter has the parameter's shape")

    return checked


_NUMERIC = (_np.ndarray, _np.number, float, int)


def mark_nondifferentiable(func) -> None:
    """Calls to `func` carry no gradient."""
    RULES.pop(func, None)
    NONDIFF.add(func)
    VERSION[0] += 1
