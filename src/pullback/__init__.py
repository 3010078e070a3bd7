"""pullback: readable source-to-source reverse-mode AD for plain Python and NumPy.

    df = pullback.grad(f, wrt=0)        # the gradient, as a compiled Python function
    pullback.value_and_grad(f)(*args)   # (f(*args), gradient)
    pullback.vjp(f)(*args, seed)        # vector-Jacobian product for array outputs
    pullback.jvp(f)(*args, tangent)     # (f(*args), Jacobian-vector product): forward mode
    pullback.jacobian(f)(*args)         # the Jacobian, by forward or reverse mode
    pullback.hvp(f)(*args, v)           # Hessian-vector product: forward over reverse
    pullback.hessian(f)(*args)          # the Hessian, one hvp sweep per input entry
    pullback.source(f)                  # the generated gradient code
"""

from .api import (
    grad,
    hessian,
    hvp,
    jacobian,
    jvp,
    nondifferentiable,
    register_rule,
    source,
    stop_gradient,
    value_and_grad,
    vjp,
)
from .errors import NoRuleError, PullbackError, UnsupportedSyntaxError
from .runtime.checkpoint import checkpoint

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "jacobian", "hvp", "hessian", "source",
           "register_rule", "stop_gradient", "nondifferentiable", "checkpoint", "PullbackError",
           "UnsupportedSyntaxError", "NoRuleError"]
__version__ = "0.1.0"
