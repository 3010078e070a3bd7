"""Rules for `scipy.interpolate.CubicSpline(knots, y, bc_type)(x, nu)`, which
lower/made_callables.py writes as `cubic_spline_value(knots, y, x, bc_type, extrapolate,
nu)` (a spline made and called, `cs = CubicSpline(k, y); cs(x)` or in one expression).

Guarantees:
- in y: the spline's coefficients solve a linear system in y whose right side is linear
  in y for the boundary conditions 'not-a-knot', 'clamped' and 'natural' (zero
  derivatives), so the value is B(x) y with B(x)[:, j] the spline of the j-th unit vector:
  the gradient is B(x)^T g (`spline_grad_y`), the tangent the spline of the tangent.
  'periodic' (whose y must repeat its first value) and boundary conditions given as
  values (an affine map) are refused, a PullbackError naming them;
- in x: the spline's own derivative (the spline called with nu + 1), summed over y's
  trailing axes; the knots get no gradient (refused: no_derivative);
- every template calls cubic_spline_value or spline_grad_y, which have rules here in
  turn, so second derivatives (hvp, hessian, grad of grad) go through.
"""

import importlib.util
from dataclasses import replace

from ..errors import PullbackError
from . import rule
from .scipy import no_derivative  # noqa: F401 (the templates call it by name)
from .support import _zero, np

if importlib.util.find_spec("scipy") is None:
    raise ImportError("SciPy is not installed: its rules are skipped")
from scipy.interpolate import CubicSpline  # noqa: E402

_LINEAR = ("not-a-knot", "clamped", "natural")


def cubic_spline_value(knots, y, x, bc_type="not-a-knot", extrapolate=None, nu=0):
    """CubicSpline(knots, y, bc_type=bc_type, extrapolate=extrapolate)(x, nu)."""
    return CubicSpline(knots, y, bc_type=bc_type, extrapolate=extrapolate)(x, nu)


def _linear(bc_type):
    if not (isinstance(bc_type, str) and bc_type in _LINEAR):
        raise PullbackError(
            f"the gradient of CubicSpline with respect to y for bc_type={bc_type!r}: pullback "
            "differentiates the splines linear in y ('not-a-knot', 'clamped', 'natural')")


def _tail_axes(x, values):
    """The axes of a spline's values past x's (y's trailing axes)."""
    return tuple(range(np.ndim(x), np.ndim(values)))


def _expand(t, like):
    """t (x's shape) with y's trailing axes added, to multiply values shaped like `like`."""
    return np.reshape(t, np.shape(t) + (1,) * (np.ndim(like) - np.ndim(t)))


def spline_grad_y(g, knots, x, bc_type="not-a-knot", extrapolate=None, nu=0):
    """B(x)^T g: for each knot j, the sum over x of the j-th unit spline's value (its nu-th
    derivative) at x times g (g shaped x.shape + y's trailing axes)."""
    if _zero(g):
        return 0.0
    _linear(bc_type)
    n = np.shape(knots)[0]
    basis = cubic_spline_value(knots, np.eye(n), x, bc_type, extrapolate, nu)  # x.shape + (n,)
    B = np.reshape(basis, (-1, n))
    G = np.reshape(np.asarray(g), (B.shape[0], -1))
    return np.reshape(B.T @ G, (n,) + np.shape(g)[np.ndim(x):])


def spline_tangent_y(t, knots, x, bc_type="not-a-knot", extrapolate=None, nu=0):
    """The tangent along y's tangent t: the spline of t (linear boundary conditions)."""
    if _zero(t):
        return 0.0
    _linear(bc_type)
    return cubic_spline_value(knots, t, x, bc_type, extrapolate, nu)


def spline_grad_y_tangent_x(t, g, knots, x, bc_type="not-a-knot", extrapolate=None, nu=0):
    """spline_grad_y along x's tangent t: the basis moves with its derivative."""
    if _zero(t) or _zero(g):
        return 0.0
    return spline_grad_y(g * _expand(t, g), knots, x, bc_type, extrapolate, nu + 1)


def spline_grad_y_adjoint_x(a, g, knots, x, bc_type="not-a-knot", extrapolate=None, nu=0):
    """The adjoint of spline_grad_y(g, ..., x) in x, from the adjoint a (y's shape): the
    sum over y's trailing axes of g times the nu+1-th derivative of the spline of a."""
    if _zero(a) or _zero(g):
        return 0.0
    moved = g * cubic_spline_value(knots, a, x, bc_type, extrapolate, nu + 1)
    return np.sum(moved, axis=_tail_axes(x, moved))


_FUNCTIONS = (("cubic_spline_value", cubic_spline_value), ("spline_grad_y", spline_grad_y),
              ("spline_grad_y_tangent_x", spline_grad_y_tangent_x),
              ("spline_tangent_y", spline_tangent_y),
              ("spline_grad_y_adjoint_x", spline_grad_y_adjoint_x),
              ("no_derivative", no_derivative))

_PARAMS = "knots, y, x, bc_type='not-a-knot', extrapolate=None, nu=0"
_X = ("np.sum(g * cubic_spline_value(knots, y, x, bc_type, extrapolate, nu + 1), "
      "axis=tuple(range(np.ndim(x), np.ndim(g))))")
_X_TANGENT = ("cubic_spline_value(knots, y, x, bc_type, extrapolate, nu + 1) * "
              "np.reshape(g, np.shape(g) + (1,) * (np.ndim(ans) - np.ndim(g)))")
_KNOTS = "no_derivative(g, 'CubicSpline with respect to its knots')"

RULES = {
    cubic_spline_value: replace(rule(
        _PARAMS, kinds=("fresh",),
        y="spline_grad_y(g, knots, x, bc_type, extrapolate, nu)", x=_X, knots=_KNOTS,
        jvp={"y": "spline_tangent_y(g, knots, x, bc_type, extrapolate, nu)",
             "x": _X_TANGENT}), functions=_FUNCTIONS),
    spline_grad_y: replace(rule(
        "g_, knots, x, bc_type='not-a-knot', extrapolate=None, nu=0", kinds=("fresh",),
        g_="spline_tangent_y(g, knots, x, bc_type, extrapolate, nu)",  # (0 for a zero g)
        x="spline_grad_y_adjoint_x(g, g_, knots, x, bc_type, extrapolate, nu)", knots=_KNOTS,
        jvp={"g_": "spline_grad_y(g, knots, x, bc_type, extrapolate, nu)",
             "x": "spline_grad_y_tangent_x(g, g_, knots, x, bc_type, extrapolate, nu)"}),
        functions=_FUNCTIONS),
}
ARRAY_LIKE = True  # list arguments are read as arrays, by the functions and their rules
NONDIFF: set = set()
