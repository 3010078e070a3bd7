"""The rule for `scipy.integrate.odeint`, by the adjoint ODE (not by unrolling the solver).

`ys = odeint(func, y0, t, args)` solves y' = func(y, t, *args) (func(t, y, *args) with
`tfirst=True`) and returns y at every time of `t`. Its gradient with respect to `y0`,
to the times `t` and to the entries of `args` comes from the adjoint system, solved
backwards by `odeint` itself from one output time to the one before: with a(t) the
gradient of the loss with respect to y(t),

    a' = -a . df/dy,    p' = -a . df/dargs,    s' = -a . df/dt,

a starting from the last row of g and taking each earlier row of g as it passes that
time, p from 0 (at t[0] it is the gradient of `args`), s from the sum of -g[i] . f at the
output times (at t[0] it is the gradient of t[0]). The gradient of a later time t[i] is
g[i] . f(y(t[i]), t[i]), the rate at which y(t[i]) moves with it. The products a . df/d.
are those of `pullback.vjp` on `func`, so `func` must be a Python function pullback can
differentiate; anything else (a builtin, a NumPy ufunc, a function whose gradient
pullback refuses) raises a PullbackError saying so. A value being differentiated that
reaches `func` by a closure or a global rather than through `args` carries no gradient
through odeint: pass it in `args` (pullback's analysis sees only the call's arguments).
The adjoint system is solved with the call's own `rtol`, `atol`, `mxstep`, `hmax`,
`hmin`, `h0`, `mxordn`, `mxords`, so the gradient is as accurate as the solution.
Forward mode solves the forward sensitivity system alongside y instead
(`odeint_tangent`), with the products of `pullback.jvp` on `func`.
Entries of `args` that are not numbers or numeric arrays (flags, strings, callables), and
booleans, get no gradient; `full_output=True` is refused. `Dfun` (the Jacobian, which
only steers the solver) and `tcrit` are used by the forward solve only.

    >>> import numpy as np
    >>> def decay(y, t, k):
    ...     return -k * y
    >>> t, y0 = np.array([0.0, 1.0]), np.array([2.0])
    >>> ys = odeint(decay, y0, t, (0.5,))
    >>> grads = odeint_grad(np.array([[0.0], [1.0]]), ys, decay, y0, t, (0.5,))
    >>> # y(1) = y0 exp(-k): d/dy0 = exp(-k), d/dk = -y0 exp(-k)
    >>> bool(np.allclose(grads[1], np.exp(-0.5), atol=1e-6))
    True
    >>> bool(np.allclose(grads[3][0], -2.0 * np.exp(-0.5), atol=1e-6))
    True
"""

import importlib.util
import inspect
from dataclasses import replace

import numpy as np

from ..errors import PullbackError
from . import rule
from .support import _zero

if importlib.util.find_spec("scipy") is None:
    raise ImportError("SciPy is not installed: its rules are skipped")
from scipy.integrate import odeint  # noqa: E402

_SIGNATURE = ("func, y0, t, args=(), Dfun=None, col_deriv=0, full_output=0, ml=None, "
              "mu=None, rtol=None, atol=None, tcrit=None, h0=0.0, hmax=0.0, hmin=0.0, "
              "ixpr=0, mxstep=0, mxhnil=0, mxordn=12, mxords=5, printmessg=0, tfirst=False")


def _differentiable(value) -> bool:
    """A number or numeric array (not a boolean): an entry of args that gets a gradient."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (int, float, np.number)):
        return True
    return isinstance(value, np.ndarray) and value.dtype != bool \
        and np.issubdtype(value.dtype, np.number)


def _name(func):
    return getattr(func, "__qualname__", None) or repr(func)


def _check_differentiable(func, full_output, how):
    """Refuse what odeint's derivatives cannot be taken through: a func that is not a
    Python function (its products come from pullback.`how`), or full_output."""
    if full_output:
        raise PullbackError("scipy.integrate.odeint with full_output=True is not "
                            "differentiated: call it without full_output")
    if not inspect.isfunction(func):
        raise PullbackError(
            f"scipy.integrate.odeint differentiates func through pullback.{how}, so func must "
            f"be a Python function of (y, t, *args); got {_name(func)}, which is not")


def _products(func, args, tfirst):
    """vjp(y, t, a): (f(y, t), a . df/dy, a . df/dt, [a . df/d args[i] for the
    differentiable i]) by pullback's own reverse mode on func."""
    from .. import api

    active = [i for i, a in enumerate(args) if _differentiable(a)]
    order = (1, 0) if tfirst else (0, 1)  # the positions of y and t in func's parameters
    wrt = (*order, *(2 + i for i in active))
    try:
        vjp = api.vjp(func, wrt=wrt)
    except PullbackError as exc:
        raise PullbackError(f"scipy.integrate.odeint needs the gradient of its func "
                            f"{_name(func)}, which pullback cannot give: {exc}") from exc

    def products(y, t, a):
        call = (t, y) if tfirst else (y, t)
        f = np.asarray(func(*call, *args), dtype=float)
        dy, dt, *dargs = vjp(*call, *args, a)  # in the order of wrt: y, t, args
        return f, dy, dt, dargs

    return products, active


def odeint_grad(g, ans, func, y0, t, args=(), Dfun=None, col_deriv=0, full_output=0,
                ml=None, mu=None, rtol=None, atol=None, tcrit=None, h0=0.0, hmax=0.0,
                hmin=0.0, ixpr=0, mxstep=0, mxhnil=0, mxordn=12, mxords=5, printmessg=0,
                tfirst=False):
    """The gradients of every parameter of odeint, in order (None for those without)."""
    n_params = 22
    if _zero(g):
        return (0.0,) * n_params
    _check_differentiable(func, full_output, "vjp")
    packed = isinstance(args, tuple)
    entries = args if packed else (args,)
    products, active = _products(func, entries, tfirst)
    solver = dict(ml=ml, mu=mu, rtol=rtol, atol=atol, h0=h0, hmax=hmax, hmin=hmin,
                  mxstep=mxstep, mxordn=mxordn, mxords=mxords)
    ys = np.asarray(ans, dtype=float)
    times = np.asarray(t, dtype=float)
    g = np.broadcast_to(np.asarray(g, dtype=float), ys.shape)
    n = ys.shape[1]
    sizes = [int(np.size(entries[i])) for i in active]

    def unpack(state):
        a, s = state[n:2 * n], state[2 * n]
        return state[:n], a, s, state[2 * n + 1:]

    def augmented(state, time):
        y, a, _, _ = unpack(state)
        f, dy, dt, dargs = products(y, time, a)
        flat = [-np.ravel(np.asarray(d, dtype=float)) if not _zero(d) else np.zeros(size)
                for d, size in zip(dargs, sizes)]
        dy = np.zeros(n) if _zero(dy) else np.ravel(dy)
        return np.concatenate([f, -dy, [-(0.0 if _zero(dt) else float(np.sum(dt)))], *flat])

    def rate(i):
        call = (times[i], ys[i]) if tfirst else (ys[i], times[i])
        return np.ravel(np.asarray(func(*call, *entries), dtype=float))

    a = g[-1].copy()
    s = 0.0
    p = np.zeros(sum(sizes))
    dtimes = np.zeros(len(times))
    for i in range(len(times) - 1, 0, -1):
        dtimes[i] = float(np.dot(rate(i), g[i]))
        s -= dtimes[i]
        state = np.concatenate([ys[i], a, [s], p])
        back = odeint(augmented, state, np.array([times[i], times[i - 1]]), **solver)[1]
        _, a, s, p = unpack(back)
        a = a + g[i - 1]
    dtimes[0] = s
    dargs = [0.0] * len(entries)
    for i, start, size in zip(active, np.cumsum([0, *sizes]), sizes):
        dargs[i] = _like(p[start:start + size], entries[i])
    dargs = tuple(dargs) if packed else dargs[0]
    return (None, _like(a, y0), _like(dtimes, t), dargs, *(None,) * (n_params - 4))


def odeint_tangent(ty0, tt, targs, ans, func, y0, t, args=(), Dfun=None, col_deriv=0,
                   full_output=0, ml=None, mu=None, rtol=None, atol=None, tcrit=None, h0=0.0,
                   hmax=0.0, hmin=0.0, ixpr=0, mxstep=0, mxhnil=0, mxordn=12, mxords=5,
                   printmessg=0, tfirst=False):
    """The tangent of odeint's result for the tangents of y0, t and args (None for those
    not varied), by the forward sensitivity system solved with y:

        S' = df/dy . S + df/dargs . targs,    S(t[0]) = ty0 - f(y0, t[0]) tt[0],

    the result's tangent at t[i] being S(t[i]) + f(y(t[i]), t[i]) tt[i]. The products
    df/d. . v are those of `pullback.jvp` on func."""
    from .. import api

    _check_differentiable(func, full_output, "jvp")
    packed = isinstance(args, tuple)
    entries = args if packed else (args,)
    targs = (targs if packed else (targs,)) if targs is not None else None
    active = [i for i, a in enumerate(entries) if _differentiable(a)
              and targs is not None and not _zero(targs[i])]
    wrt = ((1,) if tfirst else (0,)) + tuple(2 + i for i in active)
    try:
        jvp = api.jvp(func, wrt=wrt)
    except PullbackError as exc:
        raise PullbackError(f"scipy.integrate.odeint needs the tangent of its func "
                            f"{_name(func)}, which pullback cannot give: {exc}") from exc
    ys = np.asarray(ans, dtype=float)
    times = np.asarray(t, dtype=float)
    n = ys.shape[1]

    def f(y, time):
        call = (time, y) if tfirst else (y, time)
        return np.ravel(np.asarray(func(*call, *entries), dtype=float))

    def augmented(state, time):
        y, sens = state[:n], state[n:]
        call = (time, y) if tfirst else (y, time)
        value, tangent = jvp(*call, *entries, (sens, *(targs[i] for i in active)))
        return np.concatenate([np.ravel(value), np.ravel(tangent)])

    rates = np.array([f(ys[i], times[i]) for i in range(len(times))]) if tt is not None \
        else None
    start = np.zeros(n) if ty0 is None or _zero(ty0) else np.ravel(np.asarray(ty0, float))
    if rates is not None:
        tt = np.broadcast_to(np.asarray(tt, dtype=float), times.shape)
        start = start - rates[0] * tt[0]
    solver = dict(ml=ml, mu=mu, rtol=rtol, atol=atol, h0=h0, hmax=hmax, hmin=hmin,
                  mxstep=mxstep, mxordn=mxordn, mxords=mxords)
    solved = odeint(augmented, np.concatenate([np.ravel(y0), start]), times, **solver)
    out = solved[:, n:]
    if rates is not None:
        out = out + rates * tt[:, None]
    return out


def _like(grad, value):
    """`grad` with the shape of `value`, and its dtype when that is a float type (a float32
    input gets a float32 gradient; the solver itself works in float64)."""
    grad = np.reshape(grad, np.shape(value))
    dtype = getattr(value, "dtype", None)
    if dtype is not None and np.issubdtype(dtype, np.floating):
        grad = grad.astype(dtype)
    return grad[()] if grad.ndim == 0 else grad


_NAMES = ", ".join(p.split("=")[0].strip() for p in _SIGNATURE.split(", "))
_JOINT = f"odeint_grad(g, ans, {_NAMES})"
_REST = _NAMES.split(", ", 3)[3]  # the parameters after func, y0, t
_TANGENT = "odeint_tangent({}, ans, func, y0, t, {})"
RULES = {
    odeint: replace(
        rule(_SIGNATURE, kinds=("fresh",), y0=f"{_JOINT}[1]", t=f"{_JOINT}[2]",
             args=f"{_JOINT}[3]",
             jvp={"y0": _TANGENT.format("g, None, None", _REST),
                  "t": _TANGENT.format("None, g, None", _REST),
                  "args": _TANGENT.format("None, None, g", _REST)}),
        joint=_JOINT, functions=(("odeint_grad", odeint_grad),
                                 ("odeint_tangent", odeint_tangent))),
}
NONDIFF: set = set()
