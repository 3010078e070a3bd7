"""Rules for Python's operators, keyed by the `operator` module's functions."""

import operator

from . import of_kind, rule

RULES = of_kind("elementwise", {
    operator.add: rule("a, b", broadcast=True, a="g", b="g"),
    operator.sub: rule("a, b", broadcast=True, a="g", b="-g"),
    operator.mul: rule("a, b", broadcast=True, a="g * b", b="g * a"),
    operator.truediv: rule("a, b", broadcast=True, a="g / b", b="-g * ans / b"),
    operator.pow: rule("a, b", broadcast=True, a="pow_grad_base(g, a, b)",
                       b="pow_grad_exponent(g, a, ans)"),
    operator.mod: rule("a, b", broadcast=True, a="g", b="-g * (a // b)"),
    operator.neg: rule("a", jvp="linear", a="-g"),
    operator.pos: rule("a", jvp="linear", a="g"),
})
# not elementwise: `v @ v` of two vectors is a number, not an array of v's shape (taken
# for one, the gradient of an operand broadcast against it was not summed back)
RULES[operator.matmul] = rule("a, b", kinds=["fresh"], jvp="bilinear",
                              a="matmul_grad_a(g, a, b)", b="matmul_grad_b(g, a, b)",
                              batch={"a": "matmul_batch_a(g, b)", "b": "matmul_batch_b(a, g)"})

NONDIFF = {
    operator.floordiv, operator.not_, operator.lt, operator.le, operator.gt, operator.ge,
    operator.eq, operator.ne, operator.is_, operator.is_not, operator.contains,
    operator.and_, operator.or_, operator.xor, operator.invert, operator.lshift, operator.rshift,
}
