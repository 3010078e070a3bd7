"""Rules for `scipy.optimize`'s Rosenbrock test function and its derivatives: `rosen`,
`rosen_der` and `rosen_hess_prod`, so objectives built on them (benchmark suites call
`rosen(x)` inside their own `fun`) have gradients, Hessian-vector products and Hessians.

`rosen(x)` sums along axis 0, so its gradient is `g * rosen_der(x)` for any shape of x
(`g` has the shape of the result: broadcast over axis 0). The Hessian is symmetric, so
the vector-Jacobian product of `rosen_der` is `rosen_hess_prod(x, g)`; SciPy computes
that product for a 1-D x only, and a higher-dimensional x is refused when a gradient
reaches it. `rosen_hess_prod(x, p)` is linear in p (its gradient there is again
`rosen_hess_prod(x, g)`); its gradient with respect to x (third derivatives) is refused
when a gradient reaches it, and `rosen_hess` has no rule (default deny: refused by name).

    >>> import numpy as np
    >>> x = np.array([0.5, 1.5, -0.3])
    >>> bool(np.allclose(rosen_der_grad(np.ones(3), x), optimize.rosen_hess(x) @ np.ones(3)))
    True
"""

import importlib.util
from dataclasses import replace

from ..errors import PullbackError
from . import rule
from .support import _zero, np

if importlib.util.find_spec("scipy") is None:
    raise ImportError("SciPy is not installed: its rules are skipped")
from scipy import optimize  # noqa: E402


def rosen_der_grad(g, x):
    """The vector-Jacobian product of rosen_der: the (symmetric) Hessian times g."""
    if _zero(g):
        return 0.0
    if np.ndim(x) != 1:
        raise PullbackError("no derivative rule for scipy.optimize.rosen_der of a "
                            f"{np.ndim(x)}-d array: SciPy's Hessian product takes 1-d x only")
    return optimize.rosen_hess_prod(x, np.broadcast_to(g, np.shape(x)))


_FUNCTIONS = (("scipy_optimize", optimize), ("rosen_der_grad", rosen_der_grad))
_THIRD = "no_derivative(g, 'scipy.optimize.rosen_hess_prod with respect to x (third derivatives)')"


def _rule(params, jvp=None, **partials):
    return replace(rule(params, kinds=("fresh",), jvp=jvp, **partials), functions=_FUNCTIONS)


RULES = {  # each a rule and its tangent (jvp: g is the tangent of the argument)
    optimize.rosen: _rule("x", x="g * scipy_optimize.rosen_der(x)",
                          jvp={"x": "np.sum(scipy_optimize.rosen_der(x) * g, axis=0)"}),
    optimize.rosen_der: _rule("x", x="rosen_der_grad(g, x)", jvp="diagonal"),
    optimize.rosen_hess_prod: _rule("x, p", x=_THIRD,
                                    p="rosen_der_grad(g, x)", jvp="diagonal"),
}
ARRAY_LIKE = True  # list arguments are read as arrays, by the functions and their rules
NONDIFF: set = set()
