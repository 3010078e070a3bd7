"""Rules for `scipy.integrate`'s sample-based quadratures: `trapezoid`, `simpson` and
`cumulative_trapezoid`, as functions of the samples `y`.

`trapezoid` is `np.trapezoid` (rules/numpy_added.py: in y, x and dx). `simpson` and
`cumulative_trapezoid` are linear in y: `simpson(y) = sum_i w_i y_i` along the axis, with
the weights SciPy's rule gives the spacing (composite Simpson over pairs of intervals,
the irregular-spacing formula when x is given, and Cartwright's correction for the last
interval of an even number of samples), and `cumulative_trapezoid(y)[k] = sum_(i <= k)
h_i (y_i + y_(i+1)) / 2`. So the gradient of y is the weights times g (`simpson_grad`) or
a reversed running sum of g spread over each interval's two ends (`cumulative_grad`),
their tangents are the same calls on y's tangent, and each helper's adjoint in the
gradient it is given is the quadrature itself (for hvp and hessian). Both cost one pass
over the samples. A gradient or tangent reaching x or dx of `simpson` or
`cumulative_trapezoid` is refused (no derivative rule with respect to them), as is a
sample array x of more than one dimension.
"""

import importlib.util

import numpy as _numpy

from ..errors import PullbackError
from ..runtime.helpers import as_array
from . import numpy_added, rule
from .support import _zero, np

if importlib.util.find_spec("scipy") is None:
    raise ImportError("SciPy is not installed: its rules are skipped")
import scipy.integrate as _si  # noqa: E402


def _spacing(n, x, dx, what):
    """The n - 1 steps between the samples: diff(x), or dx repeated."""
    if x is None:
        return _numpy.full(n - 1, float(dx))
    x = as_array(x)
    if x.ndim != 1:
        raise PullbackError(f"no derivative rule for scipy.integrate.{what} with sample "
                            "points x of more than one dimension: pass x as a 1-D array")
    return _numpy.diff(x).astype(float)


def simpson_weights(n, x=None, dx=1.0):
    """w with simpson(y, x=x, dx=dx) = w @ y for y of n samples (SciPy's rule)."""
    w = _numpy.zeros(n)
    if n < 2:
        return w
    h = _spacing(n, x, dx, "simpson")
    if n == 2:
        return _numpy.full(2, h[0] / 2)
    stop = n - 2 if n % 2 else n - 3
    h0, h1 = h[0:stop:2], h[1:stop + 1:2]
    m = len(h0)
    if x is None:
        c0 = c2 = _numpy.full(m, dx / 3.0)
        c1 = _numpy.full(m, 4 * dx / 3.0)
    else:
        hsum, hprod = h0 + h1, h0 * h1
        ratio = _numpy.divide(h0, h1, out=_numpy.zeros_like(h0), where=h1 != 0)
        c0 = hsum / 6 * (2 - _numpy.divide(1.0, ratio, out=_numpy.zeros_like(ratio),
                                           where=ratio != 0))
        c1 = hsum / 6 * hsum * _numpy.divide(hsum, hprod, out=_numpy.zeros_like(hsum),
                                             where=hprod != 0)
        c2 = hsum / 6 * (2 - ratio)
    w[0:2 * m:2] += c0
    w[1:2 * m + 1:2] += c1
    w[2:2 * m + 2:2] += c2
    if n % 2 == 0:  # Cartwright's correction for the last interval
        a, b = h[-2], h[-1]
        w[-1] += (2 * b**2 + 3 * a * b) / (6 * (a + b)) if a + b else 0.0
        w[-2] += (b**2 + 3 * a * b) / (6 * a) if a else 0.0
        w[-3] -= b**3 / (6 * a * (a + b)) if a * (a + b) else 0.0
    return w


def _expand(d, y, axis):
    y = as_array(y)
    axis = axis % y.ndim
    shape = [1] * y.ndim
    shape[axis] = y.shape[axis]
    return np.expand_dims(d, axis), shape, axis


def simpson_grad(d, y, x=None, dx=1.0, axis=-1):
    """The gradient of y in simpson(y, x=x, dx=dx, axis=axis), given that of the
    result, d: the weights along the axis times d."""
    if _zero(d):
        return 0.0
    d, shape, axis = _expand(d, y, axis)
    w = simpson_weights(shape[axis], x, dx).reshape(shape)
    return np.broadcast_to(d * w, as_array(y).shape) * 1.0


def cumulative_grad(d, y, x=None, dx=1.0, axis=-1, initial=None):
    """The gradient of y in cumulative_trapezoid(y, x, dx, axis, initial), given that of
    the result, d: interval i receives the sum of d over the outputs from i on, times
    h_i / 2, at both of its ends."""
    if _zero(d):
        return 0.0
    y = as_array(y)
    axis = axis % y.ndim
    d = np.moveaxis(np.asarray(d), axis, -1)
    if initial is not None:
        d = d[..., 1:]  # the first output is the constant `initial`
    h = _spacing(y.shape[axis], x, dx, "cumulative_trapezoid")
    tail = np.flip(np.cumsum(np.flip(d, -1), -1), -1) * (h / 2)
    zero = np.zeros(tail.shape[:-1] + (1,))
    out = np.concatenate([tail, zero], -1) + np.concatenate([zero, tail], -1)
    return np.moveaxis(out, -1, axis)


def simpson_of(d, x=None, dx=1.0, axis=-1):
    """scipy.integrate.simpson(d, x=x, dx=dx, axis=axis), for the templates (which call
    helpers, never library functions by a name of their own)."""
    return _si.simpson(d, x=x, dx=dx, axis=axis)


def cumulative_of(d, x=None, dx=1.0, axis=-1, initial=None):
    """scipy.integrate.cumulative_trapezoid(d, x, dx, axis, initial), for the templates."""
    return _si.cumulative_trapezoid(d, x, dx, axis, initial)


HELPERS = {f.__name__: f for f in (simpson_grad, cumulative_grad, simpson_of, cumulative_of)}


def _rule(params, name, **templates):
    """A rule whose adjoint and tangent templates are `templates` (the tangent's with
    g standing for the tangent), refusing a gradient or tangent that reaches the spacing
    x or dx of the quadrature `name`."""
    refused = {p: f"no_derivative(g, 'the {p} of {name}')" for p in ("x", "dx")}
    adjoints = {p: t[0] for p, t in templates.items()}
    tangents = {p: t[1] for p, t in templates.items()}
    return rule(params, kinds=("fresh",), jvp={**tangents, **refused}, **adjoints, **refused)


_SIMPSON = "scipy.integrate.simpson"
_CUMULATIVE = "scipy.integrate.cumulative_trapezoid"
_SIMPSON_CALL = "simpson_of(g, x, dx, axis)"
_CUMULATIVE_CALL = "cumulative_of(g, x, dx, axis, initial)"
RULES = {
    _si.trapezoid: numpy_added.RULES[_numpy.trapezoid],
    _si.simpson: _rule("y, x=None, *, dx=1.0, axis=-1", _SIMPSON,
                       y=("simpson_grad(g, y, x, dx, axis)", _SIMPSON_CALL)),
    _si.cumulative_trapezoid: _rule(
        "y, x=None, dx=1.0, axis=-1, initial=None", _CUMULATIVE,
        y=("cumulative_grad(g, y, x, dx, axis, initial)", _CUMULATIVE_CALL)),
    # the helpers are linear in the gradient d they spread and read only y's shape: their
    # adjoints in d are the quadratures themselves, for a derivative of a derivative
    simpson_grad: _rule("d, y, x=None, dx=1.0, axis=-1", _SIMPSON,
                        d=(_SIMPSON_CALL, "simpson_grad(g, y, x, dx, axis)"),
                        y=("0.0", "0.0")),
    cumulative_grad: _rule("d, y, x=None, dx=1.0, axis=-1, initial=None", _CUMULATIVE,
                           d=(_CUMULATIVE_CALL, "cumulative_grad(g, y, x, dx, axis, initial)"),
                           y=("0.0", "0.0")),
}
ARRAY_LIKE = True  # list arguments are read as arrays, by the functions and their rules
NONDIFF: set = set()
