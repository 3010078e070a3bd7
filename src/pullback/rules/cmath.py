"""Rules for the `cmath` module: complex functions of one complex number (a real number is
taken as complex), to any order.

Guarantees:
- the holomorphic ones (exp, log, log10, sqrt, the trigonometric and hyperbolic functions
  and their inverses) take the adjoint g f'(z) and the tangent f'(z) t, NumPy's complex
  convention (dL/dRe - i dL/dIm, a real input getting the real part), as np.exp does;
- cmath.phase is np.angle (not holomorphic: its own adjoint and tangent, angle_grad);
- none is declared elementwise: a cmath function of a real number may be complex
  (cmath.sqrt(-1.0) is 1j), so the analyses never take its result as real;
- cmath.polar(z) = (abs(z), phase(z)) takes the pair's gradient (g[0], g[1]) to
  g[0] conj(z) / |z| + angle's adjoint of g[1] (the tangent: the pair (Re(conj(z) t) / |z|,
  Im(t / z))); cmath.rect(r, phi) = r e^(i phi) takes the real parts of g e^(i phi) in
  r and of g i ans in phi (r and phi are real: cmath.rect refuses complex numbers). The
  templates call functions with rules, so second derivatives go through them too.

    >>> import cmath, pullback
    >>> def f(x):
    ...     return abs(cmath.exp(complex(x, 1.0)))
    >>> round(pullback.grad(f)(0.5), 6)  # d/dx e^x
    1.648721
"""

from __future__ import annotations

import cmath

from . import rule

FRESH = ("fresh",)


def _holomorphic(derivative: str):
    """A rule for a holomorphic function of z whose derivative is `derivative` (in x and
    ans): adjoint and tangent both g times it."""
    return rule("x", kinds=FRESH, x=f"g * ({derivative})", jvp={"x": f"g * ({derivative})"})


RULES = {
    cmath.exp: _holomorphic("ans"),
    cmath.log: rule("x, base=None", kinds=FRESH,
                    x="g / x if base is None else g / (x * cmath_log(base))",
                    base="-g * ans / (base * cmath_log(base))",
                    jvp={"x": "g / x if base is None else g / (x * cmath_log(base))",
                         "base": "-g * ans / (base * cmath_log(base))"}),
    cmath.log10: _holomorphic("1.0 / (x * 2.302585092994046)"),
    cmath.sqrt: _holomorphic("0.5 / ans"),
    cmath.sin: _holomorphic("cmath_cos(x)"),
    cmath.cos: _holomorphic("-cmath_sin(x)"),
    cmath.tan: _holomorphic("1.0 + ans * ans"),
    cmath.sinh: _holomorphic("cmath_cosh(x)"),
    cmath.cosh: _holomorphic("cmath_sinh(x)"),
    cmath.tanh: _holomorphic("1.0 - ans * ans"),
    cmath.asin: _holomorphic("1.0 / cmath_sqrt(1.0 - x * x)"),
    cmath.acos: _holomorphic("-1.0 / cmath_sqrt(1.0 - x * x)"),
    cmath.atan: _holomorphic("1.0 / (1.0 + x * x)"),
    cmath.asinh: _holomorphic("1.0 / cmath_sqrt(x * x + 1.0)"),
    cmath.acosh: _holomorphic("1.0 / (cmath_sqrt(x - 1.0) * cmath_sqrt(x + 1.0))"),
    cmath.atanh: _holomorphic("1.0 / (1.0 - x * x)"),
    cmath.phase: rule("x", kinds=FRESH, x="angle_grad(g, x)", jvp={"x": "np.imag(g / x)"}),
    cmath.polar: rule("x", kinds=FRESH,
                      x="np.real(g[0]) * np.conj(x) / abs(x) + angle_grad(g[1], x)",
                      jvp={"x": "(np.real(np.conj(x) * g) / abs(x), np.imag(g / x))"}),
    # r and phi are real numbers (rect refuses complex ones): the real parts, or a complex
    # adjoint would flow on into the real values they were computed from
    cmath.rect: rule("r, phi", kinds=FRESH, r="np.real(g * np.exp(1j * phi))",
                     phi="np.real(g * 1j * ans)",
                     jvp={"r": "g * np.exp(1j * phi)", "phi": "g * 1j * ans"}),
}
# tests of a number, no gradient
NONDIFF = {cmath.isfinite, cmath.isinf, cmath.isnan, cmath.isclose}
# the cmath functions the templates call, by names of their own (generated code binds
# `np` and `math` only); each is the cmath function itself, so its rule is the one above
HELPERS = {f"cmath_{f.__name__}": f for f in (cmath.cos, cmath.sin, cmath.cosh, cmath.sinh,
                                             cmath.sqrt, cmath.log)}
