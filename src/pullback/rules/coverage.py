"""The table of what pullback differentiates, generated from the rule tables.

`python -m pullback.rules.coverage > docs/numpy-coverage.md` regenerates the
document; a test checks that the committed file is up to date.
"""

from __future__ import annotations

import importlib
import types
import warnings

from . import NONDIFF, RULES, TABLES, Rule

# The functions autograd 1.9.1 differentiates, read off its sources once, by name: the
# NumPy functions its numpy_vjps.py and linalg.py give a gradient and those its numpy
# wrapper builds from them (hstack, stack, append, select, ...), its numpy.fft, and its
# scipy.special, scipy.stats, scipy.linalg, scipy.signal and scipy.integrate modules. A
# name this NumPy or SciPy lacks (msort, removed in NumPy 2) is listed as such.
AUTOGRAD = tuple(f"numpy.{name}" for name in """
    abs absolute add amax amin angle append arccos arccosh arcsin arcsinh arctan arctan2
    arctanh array array_split atleast_1d atleast_2d atleast_3d broadcast_to clip
    column_stack concatenate conj conjugate cos cosh cross cumsum deg2rad degrees diag
    diagonal diff divide dot dsplit einsum exp exp2 expand_dims expm1 fabs fliplr flipud
    fmax fmin full gradient hsplit hstack hypot imag inner kron linspace log log10 log1p
    log2 logaddexp logaddexp2 matmul max maximum mean min minimum mod moveaxis msort
    multiply nan_to_num negative outer pad partition power prod rad2deg radians ravel real
    real_if_close reciprocal remainder repeat reshape roll rollaxis rot90 row_stack select
    sin sinc sinh sort split sqrt square squeeze stack std subtract sum swapaxes tan tanh
    tensordot tile trace transpose tril triu true_divide var vsplit vstack where
    linalg.cholesky linalg.det linalg.eig linalg.eigh linalg.inv linalg.norm linalg.pinv
    linalg.slogdet linalg.solve linalg.svd
    fft.fft fft.ifft fft.fft2 fft.ifft2 fft.fftn fft.ifftn fft.rfft fft.irfft fft.rfft2
    fft.irfft2 fft.rfftn fft.irfftn fft.fftshift fft.ifftshift""".split()) + tuple(
    f"scipy.{name}" for name in """
    special.beta special.betainc special.betaln special.gammasgn special.polygamma
    special.psi special.digamma special.gamma special.gammaln special.rgamma
    special.multigammaln special.gammainc special.gammaincc special.j0 special.y0
    special.j1 special.y1 special.jn special.yn special.i0 special.i1 special.iv
    special.ive special.erf special.erfc special.erfinv special.erfcinv special.logit
    special.expit special.logsumexp
    stats.beta.cdf stats.beta.logpdf stats.beta.pdf stats.chi2.cdf stats.chi2.logpdf
    stats.chi2.pdf stats.dirichlet.logpdf stats.dirichlet.pdf stats.gamma.cdf
    stats.gamma.logpdf stats.gamma.pdf stats.multivariate_normal.logpdf
    stats.multivariate_normal.pdf stats.multivariate_normal.entropy stats.norm.pdf
    stats.norm.cdf stats.norm.logpdf stats.norm.logcdf stats.norm.logsf stats.norm.sf
    stats.poisson.cdf stats.poisson.logpmf stats.poisson.pmf stats.t.pdf stats.t.cdf
    stats.t.logpdf stats.t.logcdf
    linalg.sqrtm linalg.solve_triangular linalg.solve_banded linalg.solve_sylvester
    signal.convolve integrate.odeint""".split())
# The rule modules whose tables get the autograd column.
_COMPARED = ("numpy", "numpy_added", "linalg", "fft", "scipy", "scipy_stats", "scipy_linalg", "scipy_signal",
             "scipy_integrate")

# Where users find the callables, searched in this order.
_MODULES = ("builtins", "operator", "math", "numpy", "numpy.linalg", "numpy.fft", "scipy.special",
            "scipy.stats", "scipy.linalg", "scipy.signal", "scipy.integrate", "pullback")

_HEADER = """\
# What pullback differentiates

Generated from the rule tables by `python -m pullback.rules.coverage >
docs/numpy-coverage.md`; do not edit by hand (a test checks that it is current).

Every function listed with parameters is differentiated with respect to those
parameters; a call with any other parameter being differentiated, or a call
that does not fit the signature shown (such as `out=`), is reported as an error
rather than differentiated. Functions listed under "no gradient" return values
that carry no gradient (shapes, indices, comparisons, piecewise-constant
functions). A function in neither list raises an error naming it when a value
being differentiated flows into it.

- Elementwise functions of several arguments broadcast; each argument's
  gradient is summed back to its own shape.
- Reductions honour `axis` (an int or a tuple) and `keepdims`; max and min
  share the gradient equally among tied positions. The reductions NumPy gives
  `where=` (sum, prod, mean, var, std, max, min and their NaN-ignoring forms, and
  the array methods) honour it: unselected entries get no gradient. With
  `initial=`, a max or min that the initial value attains gives its selected
  entries none; a sum's `initial` gets the sum of its gradient. Every function
  refuses `out=` with anything but a name of an array the function created
  (`np.add(x, y, out=buf)`).
- A parameter that takes a sequence of arrays (`arrays` of `concatenate`,
  `tup` of `hstack`, `object` of `array`) gets a list with one gradient per
  element; functions returning a tuple or list (`slogdet`, `split`, `svd`,
  `eigh`, `eig`, `gradient` along several axes) take their result's gradient as
  such a list.
- Parameters listed in the signature but not as differentiated either carry no
  gradient (steps, integers, options) or, where the result does vary with them
  (`q` of `quantile`, the spacings of `gradient`, `ddof`, `ord`), are refused
  when a value being differentiated reaches them.
- `svd`, `eigh` and `eig` have no derivative where values repeat (for anything
  computed from the vectors), `eig` where eigenvalues are complex, and `svd` with
  `full_matrices=True` of a non-square matrix where the extra vectors are used:
  pullback raises there. `eigh`, `eigvalsh`, and `svd`/`pinv` with
  `hermitian=True` read one triangle of the matrix, and so does their gradient.
- `einsum` takes its operands as `*operands`; the slots `op0` ... `op7` hold
  them (in the interleaved form `einsum(x, [0, 1], y, [1])` the first operand
  sits in `subscripts`).

## Kinks, ties and the `where` trap

Where a function has no derivative, pullback returns one particular value, the
same every time (tests/test_rules.py checks each of these):

| at | pullback returns | why |
| --- | --- | --- |
| `np.maximum(x, y)` with `x == y` (ReLU `np.maximum(x, 0.0)` at 0) | all of `g` to the first argument, none to the second | the rule tests `x1 >= x2`; `np.minimum`, `fmax`, `fmin` and `max(a, b)` likewise favour the first |
| `np.max`, `np.min`, `np.ptp`, `np.linalg.norm(x, np.inf)` with tied entries | `g` shared equally among the tied entries | the average of the one-sided choices, and symmetric in the ties |
| `np.sort`, `np.partition`, `np.median`, `np.quantile` with tied entries | each sorted position's `g` goes to one of the tied entries (the first in a stable sort) | a permutation's gradient is a permutation |
| `np.abs(0)`, `abs(0)`, `np.fabs(0)`, `np.sign(x)` | 0 | `sign(0) = 0`, the middle of the subdifferential `[-1, 1]` |
| `np.clip(x, lo, hi)` with `x` at a bound | all of `g` to `x`, none to the bound | `x` keeps the gradient on the closed interval `lo <= x <= hi` |
| `np.sqrt(0)`, `np.cbrt(0)`, `math.sqrt(0)`, `np.linalg.norm` of a zero vector | `inf` for the roots (its sign `g`'s), 0 where `g` is 0; 0 for the norm | the derivative is infinite; a value whose gradient (or tangent) is 0 does not move the result, so `0 * inf` is taken as 0; the norm's is undefined and 0 is in its subdifferential |
| `np.sqrt(np.maximum(v, 0.0))` (Heston's full truncation), `np.where(x > 0, np.sqrt(x), 0.0)` at `x <= 0` | 0 | the selection hands the operand not selected exactly 0 (`np.where(mask, g, 0.0)`, never `g * mask`, which is `inf * 0`), and the root gives 0 for the zero it gets back, in reverse and forward mode and at second order; autograd and JAX give `nan` for the second spelling (the `where` trap, whose guard `np.where(x > 0, np.sqrt(np.where(x > 0, x, 1.0)), 0.0)` is not needed here) |
| `np.nan_to_num(x)` at NaN or infinite `x` | 0 there | the replacement is a constant; a gradient reaching a non-finite value through another function can still be `nan` (the `where` trap) |

Integer and boolean values: a Python `int` argument is the real number it
holds (its gradient is a float); a gradient with respect to a boolean, a NumPy
integer scalar or an integer or boolean array is an error (NumPy's integer
arithmetic wraps around, so the function is not the real one). A float32
argument gets a float32 gradient (a `numpy.float32` for a scalar), and the
gradient is computed in float32 wherever NumPy keeps float32 values float32.

Complex values follow autograd's convention: the gradient of a real-valued `f`
with respect to a complex `z = a + ib` is `df/da - i df/db` (so a gradient
step is `z - lr * conj(grad)`), and a real input's gradient is real (the real
part) even when complex values are computed from it. `grad` refuses a complex
result. The table walk (tests/test_rules.py) runs every function that takes
complex values at complex points against finite differences in `a` and `b`;
the rules that are for real arguments only (`slogdet`, `cholesky`, the
decompositions, `digamma`, `polygamma`, `ive`, `scipy.stats`) refuse a complex
argument with an error rather than give a gradient.
"""

_AUTOGRAD_HEADER = """\
## Compared with autograd

Every function autograd 1.9.1 differentiates (the NumPy functions of its
`numpy_vjps.py` and `linalg.py` and those its NumPy wrapper builds from them,
its `numpy.fft`, and its `scipy.special`, `scipy.stats`, `scipy.linalg`,
`scipy.signal` and `scipy.integrate`), with what pullback does with it. The
tables above mark the same functions in their column "autograd". (JAX
differentiates its own reimplementations, `jax.numpy`, `jax.scipy` and
`jax.experimental.ode.odeint`, not NumPy's and SciPy's functions themselves.)
"""


def _modules():
    """[(module name, {id(object): [public names]})] for the modules in _MODULES."""
    found = []
    for name in _MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        names: dict = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for attr in sorted(dir(module)):
                if attr.startswith("_"):
                    continue
                try:
                    value = getattr(module, attr)
                except AttributeError:
                    continue
                names.setdefault(id(value), []).append(attr)
        found.append((name, names))
    return found


def qualified_names(obj, modules=None) -> list:
    """Where a user finds `obj`: ['numpy.absolute', 'numpy.abs'], its own name first."""
    modules = modules if modules is not None else _modules()
    for module_name, names in modules:  # (random.seed: a bound method a module keeps)
        if id(obj) in names:
            found = names[id(obj)]
            own = getattr(obj, "__name__", None)
            found = sorted(found, key=lambda n: (n != own, n))
            return [f"{module_name}.{n}" for n in found]
    if isinstance(obj, (types.MethodType, types.BuiltinMethodType)) and not isinstance(
            getattr(obj, "__self__", None), types.ModuleType):
        # scipy.stats.norm.logpdf, np.add.reduce: bound methods, made anew at each access;
        # random.seed: a method of the module's hidden instance, named by its module
        owners = qualified_names(obj.__self__, modules)
        if any(" object at 0x" in owner for owner in owners):
            return [f"{type(obj.__self__).__module__}.{obj.__name__}"]
        return [f"{owner}.{obj.__name__}" for owner in owners]
    return [f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', repr(obj))}"]


def _spelled(obj, modules) -> str:
    first, *aliases = qualified_names(obj, modules)
    return f"`{first}`" + (f" (also {', '.join(f'`{a}`' for a in aliases)})" if aliases else "")


def _families(module):
    """(title, table) for each family table of a rule module (NumPy's ELEMENTWISE, ...),
    or its whole RULES when it has none."""
    tables = [(name, value) for name, value in vars(module).items()
              if name.isupper() and name != "RULES" and isinstance(value, dict) and value
              and all(isinstance(r, Rule) for r in value.values())]
    if not tables:
        return [("", module.RULES)]
    return [(name.replace("_", " ").lower(), table) for name, table in tables]


def _wrt(rule) -> str:
    """The parameters differentiated (not those whose template refuses: np.quantile's q)."""
    return ", ".join(f"`{p}`" for p in rule.signature.parameters if p in rule.partials
                     and not rule.partials[p].startswith("no_derivative("))


def _rule_rows(table, modules, compared=False):
    rows = []
    for func in table:
        rule = RULES.get(func)
        if rule is None:  # marked non-differentiable at run time
            continue
        row = (_spelled(func, modules), _wrt(rule), f"`{rule.signature}`")
        if compared:
            row += ("✓" if set(qualified_names(func, modules)) & set(AUTOGRAD) else "",)
        rows.append(row)
    return sorted(rows, key=lambda row: row[0].replace("`", ""))


def _table(rows, heading, compared=False):
    out = [heading, ""] if heading else []
    if compared:
        out += ["| function | gradient with respect to | parameters | autograd |",
                "| --- | --- | --- | --- |"]
    else:
        out += ["| function | gradient with respect to | parameters |", "| --- | --- | --- |"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return out + [""]


def _autograd_rows(modules):
    """(name, pullback's status) for each function of AUTOGRAD."""
    by_name = {}
    for func in [*RULES, *NONDIFF]:
        for name in qualified_names(func, modules):
            by_name.setdefault(name, func)
    rows = []
    for name in AUTOGRAD:
        obj = _named_object(name)
        if obj is None:
            rows.append((f"`{name}`", "not in this NumPy" if name.startswith("numpy.")
                         else "not installed, or not in this SciPy"))
            continue
        func = by_name.get(name, obj)
        if func in RULES:
            rows.append((f"`{name}`", f"rule, with respect to {_wrt(RULES[func])}"))
        elif func in NONDIFF:
            rows.append((f"`{name}`", "no gradient"))
        else:
            rows.append((f"`{name}`", "**missing**"))
    return rows


def _named_object(name):
    """The object a dotted name such as 'scipy.stats.norm.logpdf' denotes, or None."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr, None)
        return obj
    return None


def coverage_markdown() -> str:
    """Markdown tables of every callable in RULES and NONDIFF, by rule module and family."""
    modules = _modules()
    lines = _HEADER.rstrip("\n").split("\n") + [""]
    listed: set = set()
    for table_name in TABLES:
        try:
            module = importlib.import_module(f"{__package__}.{table_name}")
        except ImportError:
            continue
        lines += [f"## {table_name}", ""]
        compared = table_name in _COMPARED
        for title, table in _families(module):
            rows = _rule_rows(table, modules, compared)
            listed |= {f for f in table if f in RULES}
            if rows:
                lines += _table(rows, f"### {title}" if title else "", compared)
        nondiff = sorted(_spelled(f, modules) for f in module.NONDIFF if f in NONDIFF)
        listed |= set(module.NONDIFF) & NONDIFF
        if nondiff:
            lines += ["### no gradient", "", ", ".join(nondiff), ""]
    others = [f for f in RULES if f not in listed]
    rest = sorted(_spelled(f, modules) for f in NONDIFF if f not in listed)
    if others or rest:  # registered outside the tables (by pullback itself, say)
        lines += ["## other", ""]
        if others:
            lines += _table(_rule_rows(others, modules), "")
        if rest:
            lines += ["### no gradient", "", ", ".join(rest), ""]
    lines += _AUTOGRAD_HEADER.rstrip("\n").split("\n") + [""]
    lines += ["| function | pullback |", "| --- | --- |"]
    lines += [f"| {name} | {status} |" for name, status in _autograd_rows(modules)] + [""]
    text = "\n".join(line.rstrip() for line in lines)
    return text.rstrip("\n") + "\n"


if __name__ == "__main__":
    print(coverage_markdown(), end="")
