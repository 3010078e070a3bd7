"""Rules for Python builtins that take part in numeric code."""

import builtins

from . import rule

RULES = {
    builtins.abs: rule("x", x="g * np.sign(x)"),
    builtins.float: rule("x", x="g"),
    builtins.pow: rule("base, exp", broadcast=True, base="pow_grad_base(g, base, exp)",
                       exp="pow_grad_exponent(g, base, ans)"),
    builtins.max: rule("a, b", a="g * (a >= b)", b="g * (a < b)"),
    builtins.min: rule("a, b", a="g * (a <= b)", b="g * (a > b)"),
}

NONDIFF = {builtins.len, builtins.range, builtins.int, builtins.round, builtins.bool,
           builtins.isinstance, builtins.type, builtins.print}
