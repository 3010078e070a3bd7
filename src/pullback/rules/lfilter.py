"""Rules for `scipy.signal.lfilter(b, a, x, axis=-1)`, the IIR filter
a[0] y[n] + a[1] y[n-1] + ... = b[0] x[n] + b[1] x[n-1] + ... along `axis`, from rest.

Guarantees:
- y = H x with H lower-triangular Toeplitz (the filter's impulse response), so x's
  gradient is H^T g: the filter run over g reversed in time, reversed back;
- with w = the all-pole filter 1/a run backwards over g, b[k]'s gradient is the sum of
  w[n] x[n-k] and a[k]'s minus the sum of w[n] y[n-k] (differentiate a * y = b * x);
- forward mode: the tangent is the filter of x's tangent, plus the filter of x by b's
  tangent, minus the all-pole filter of (a's tangent convolved with y);
- x's gradient is linear in g (its adjoint: the filter of g), so hvp and hessian with
  respect to x go through it; second derivatives in b or a are refused, located;
- initial conditions (`zi`) are refused when b, a or x is differentiated.

    >>> import numpy as np, pullback
    >>> from scipy.signal import lfilter
    >>> def f(x):
    ...     return np.sum(lfilter([1.0], [1.0, -0.5], x))
    >>> pullback.grad(f)(np.zeros(3))
    array([1.75, 1.5 , 1.  ])
"""

import importlib.util

from ..errors import PullbackError
from . import rule
from .support import _zero, np

if importlib.util.find_spec("scipy") is None:
    raise ImportError("SciPy is not installed: its rules are skipped")
from scipy import signal  # noqa: E402


def _no_zi(zi):
    if zi is not None:
        raise PullbackError("no derivative rule for scipy.signal.lfilter with initial "
                            "conditions (zi=): filter from rest, or register a rule")


def _backwards(b, a, g, axis):
    """The filter b/a run over g reversed along axis, reversed back (H^T g)."""
    return np.flip(signal.lfilter(b, a, np.flip(g, axis), axis=axis), axis)


def _lags(w, u, n, axis):
    """[sum of w[m] u[m-k] over m (and over every other axis)] for k < n."""
    w, u = np.moveaxis(w, axis, -1), np.moveaxis(u, axis, -1)
    size = w.shape[-1]
    return np.array([np.sum(w[..., k:] * u[..., :size - k]) if k < size else 0.0 * w.sum()
                     for k in range(n)])


def lfilter_grad_x(g, b, a, x, axis=-1, zi=None):
    _no_zi(zi)
    if _zero(g):
        return 0.0
    g = np.broadcast_to(g, np.shape(x))
    return _backwards(b, a, g, axis)


def lfilter_grad_b(g, b, a, x, axis=-1, zi=None):
    _no_zi(zi)
    if _zero(g):
        return 0.0
    w = _backwards([1.0], a, np.broadcast_to(g, np.shape(x)), axis)
    return _lags(w, np.asarray(x), len(b), axis).reshape(np.shape(b))


def lfilter_grad_a(g, b, a, x, ans, axis=-1, zi=None):
    _no_zi(zi)
    if _zero(g):
        return 0.0
    w = _backwards([1.0], a, np.broadcast_to(g, np.shape(ans)), axis)
    return -_lags(w, ans, len(a), axis).reshape(np.shape(a))


def _delayed_sum(c, u, axis):
    """sum over k of c[k] u[n-k] (a causal convolution cut to u's length) along axis."""
    u = np.moveaxis(np.asarray(u), axis, -1)
    out = np.zeros(u.shape, dtype=np.result_type(u, np.asarray(c), float))
    size = u.shape[-1]
    for k, ck in enumerate(np.ravel(c)):
        if k < size:
            out[..., k:] += ck * u[..., :size - k]
    return np.moveaxis(out, -1, axis)


def lfilter_tangent_x(t, b, a, x, axis=-1, zi=None):
    _no_zi(zi)
    return signal.lfilter(b, a, np.broadcast_to(t, np.shape(x)), axis=axis)


def lfilter_tangent_b(t, b, a, x, axis=-1, zi=None):
    _no_zi(zi)
    return signal.lfilter([1.0], a, _delayed_sum(t, x, axis), axis=axis)


def lfilter_tangent_a(t, b, a, x, ans, axis=-1, zi=None):
    _no_zi(zi)
    return -signal.lfilter([1.0], a, _delayed_sum(t, ans, axis), axis=axis)


RULES = {
    signal.lfilter: rule(
        "b, a, x, axis=-1, zi=None", kinds=("fresh",),
        b="lfilter_grad_b(g, b, a, x, axis, zi)", a="lfilter_grad_a(g, b, a, x, ans, axis, zi)",
        x="lfilter_grad_x(g, b, a, x, axis, zi)",
        jvp={"b": "lfilter_tangent_b(g, b, a, x, axis, zi)",
             "a": "lfilter_tangent_a(g, b, a, x, ans, axis, zi)",
             "x": "lfilter_tangent_x(g, b, a, x, axis, zi)"}),
    # x's gradient is linear in the result's: its own rule in that gradient (second
    # order with respect to x; b's and a's second derivatives are refused)
    lfilter_grad_x: rule(
        "d, b, a, x, axis=-1, zi=None", kinds=("fresh",),
        d="lfilter_tangent_x(g, b, a, x, axis, zi)",
        jvp={"d": "lfilter_grad_x(g, b, a, x, axis, zi)"}),
}
NONDIFF: set = set()
HELPERS = {f.__name__: f for f in (lfilter_grad_x, lfilter_grad_b, lfilter_grad_a,
                                   lfilter_tangent_x, lfilter_tangent_b, lfilter_tangent_a)}
