"""The Numba backend's array expressions, lowered without compiling a function for each.

Numba compiles a chain of elementwise operations on arrays (`np.exp(a - m)`,
`dh * (1.0 - h * h)`) as one "array expression": a broadcasting loop nest written into
the function that holds it, calling a scalar kernel -- a Python function of the
expression that Numba compiles on its own (`compile_subroutine(..., caching=False)`:
typing, lowering, and LLVM optimizing and generating its machine code) for every array
expression, in every process, before the loop inlines it. In the HMM's gradient these
twelve small compilations were a third of its first call.

While a gradient is lowered (`lowering_in_place`, installed by emit/numba.py's
`_at_level` for the gradient's own function), the kernel is written straight into the
loop instead: each operation of the expression is lowered as NumPy's ufunc for it (the
operator's: `+` is `np.add`, as Numba types array operators) on the elements, with the
ufunc's loop for the elements' types -- what Numba writes for a single ufunc applied to
arrays (npyimpl's kernels), under NumPy's error model, as the compiled kernel also
was. The same broadcasting loop, the same allocation; only the kernel's separate
compilation is gone.

Guarantee: the elements computed are those of Numba's own array expression up to the
rounding of integer powers (NumPy's `power` loop where Numba's Python `**` multiplies):
each operation on the same operands in the same order, cast to the expression's result
type; any part this lowering does not handle (a user's `@vectorize` function, a ufunc
with no loop for the types, an optional operand) keeps Numba's own lowering.
"""

from __future__ import annotations

import operator

# Numba types an operator on arrays as this NumPy ufunc (numba.core.typing.npydecl).
UFUNC_OF = {operator.add: "add", operator.sub: "subtract", operator.mul: "multiply",
            operator.truediv: "true_divide", operator.floordiv: "floor_divide",
            operator.mod: "remainder", operator.pow: "power", operator.lshift: "left_shift",
            operator.rshift: "right_shift", operator.and_: "bitwise_and",
            operator.or_: "bitwise_or", operator.xor: "bitwise_xor", operator.eq: "equal",
            operator.gt: "greater", operator.ge: "greater_equal", operator.lt: "less",
            operator.le: "less_equal", operator.ne: "not_equal", operator.pos: "positive",
            operator.neg: "negative", operator.invert: "invert"}


def _ufunc(op):
    import numpy as np
    if isinstance(op, np.ufunc):
        return op if getattr(np, op.__name__, None) is op else None
    name = UFUNC_OF.get(op)
    return getattr(np, name) if name is not None else None


def _plan(tree, typeof, context):
    """The expression `tree` (Numba's form: (op, [operands]), leaves ir.Var and
    ir.Const) as nested steps (ufunc, loop, [steps]) and leaves ("var", name, type) or
    ("const", value, type), with each step's ufunc loop chosen for its operands' element
    types (as Numba chooses it for a ufunc on arrays), or None if some part is not
    handled here."""
    from numba.core import ir, types
    from numba.np.numpy_support import ufunc_find_matching_loop

    def plan(node):
        if isinstance(node, ir.Var):
            t = typeof(node.name)
            t = t.dtype if isinstance(t, types.Array) else types.unliteral(t)
            return ("var", node.name, t) if isinstance(t, (types.Number, types.Boolean)) \
                else None
        if isinstance(node, ir.Const):
            value = node.value
            t = {bool: types.boolean, int: types.int64, float: types.float64}.get(
                type(value))
            return ("const", value, t) if t is not None else None
        if not isinstance(node, tuple):
            return None
        op, args = node
        ufunc = _ufunc(op)
        steps = [plan(a) for a in args]
        if ufunc is None or ufunc.nout != 1 or len(steps) != ufunc.nin \
                or any(s is None for s in steps):
            return None
        loop = ufunc_find_matching_loop(ufunc, tuple(_type(s) for s in steps))
        if loop is None or len(loop.outputs) != 1 \
                or context.get_ufunc_info(ufunc).get(loop.ufunc_sig) is None:
            return None
        return (ufunc, loop, steps)

    return plan(tree)


def _type(step):
    return step[2] if step[0] in ("var", "const") else step[1].outputs[0]


def lowering_in_place(name, stock):
    """Numba's lowering of an array expression (`stock`, called as stock(lowerer,
    expr)), except that in the function `name` the scalar kernel is written into the
    loop (see the module docstring)."""
    def lower(lowerer, expr):
        if lowerer.fndesc.qualname != name:
            return stock(lowerer, expr)
        from types import SimpleNamespace

        from numba.core.imputils import force_error_model
        from numba.np import npyimpl
        from numba.np.numpy_support import _ufunc_loop_sig

        context, builder = lowerer.context, lowerer.builder
        plan = _plan(expr.expr, lowerer.typeof, context)
        if plan is None or plan[0] in ("var", "const"):
            return stock(lowerer, expr)
        names = sorted({v.name for v in expr.list_vars()})
        outer = expr.ty(*(lowerer.typeof(n) for n in names))

        class InPlace(npyimpl._Kernel):
            def generate(self, *args):  # the elements, of the types self.outer_sig.args
                elements = dict(zip(names, zip(args, self.outer_sig.args)))

                def value(step):
                    if step[0] == "var":
                        v, t = elements[step[1]]
                        return self.cast(v, t, step[2])
                    if step[0] == "const":
                        return context.get_constant(step[2], step[1])
                    ufunc, loop, steps = step
                    sig = _ufunc_loop_sig(loop.outputs, loop.inputs)
                    operands = [self.cast(value(s), _type(s), t)
                                for s, t in zip(steps, sig.args)]
                    with force_error_model(context, "numpy"):
                        result = context.get_ufunc_info(ufunc)[loop.ufunc_sig](
                            context, builder, sig, operands)
                    return context.data_model_manager[sig.return_type].from_return(
                        builder, result)

                return self.cast(value(plan), _type(plan), self.outer_sig.return_type)

        ufunc = SimpleNamespace(nin=len(names), nout=1, __name__="in_place_array_expr")
        ufunc.nargs = ufunc.nin + ufunc.nout
        return npyimpl.numpy_ufunc_kernel(context, builder, outer,
                                          [lowerer.loadvar(n) for n in names], ufunc, InPlace)

    return lower



def allocating_in_place(stock):
    """Numba's `_build_array` (`stock`: the output of an array expression or ufunc,
    allocated at the shape its inputs broadcast to), with the broadcasting of the shapes
    written into the function rather than a call to Numba's `_broadcast_onto`, which
    Numba compiles on its own (once per process, its typing, lowering and LLVM) at the
    first array expression or ufunc of any compiled function. The same shape, and the
    same ValueError when an input does not broadcast."""
    from numba.core import cgutils, errors, types
    from numba.np import arrayobj, npyimpl

    def build_array(context, builder, array_ty, input_types, inputs):
        arrays = [(n, a) for n, a in enumerate(inputs) if hasattr(a, "ndim")]
        if any(a.ndim > array_ty.ndim for _, a in arrays):
            return stock(context, builder, array_ty, input_types, inputs)
        one = context.get_constant(types.intp, 1)
        shape = [one] * array_ty.ndim
        for number, arg in arrays:
            offset, bad = array_ty.ndim - arg.ndim, cgutils.false_bit
            for k in range(arg.ndim):
                size, dest = arg.shape[k], shape[offset + k]
                unset = builder.icmp_signed("==", dest, one)
                clash = builder.and_(builder.icmp_signed("!=", size, dest),
                                     builder.icmp_signed("!=", size, one))
                bad = builder.or_(bad, builder.and_(builder.not_(unset), clash))
                shape[offset + k] = builder.select(unset, size, dest)
            with cgutils.if_unlikely(builder, bad):
                message = f"unable to broadcast argument {number} to output array"
                loc = errors.loc_info.get("loc", None)
                if loc is not None:
                    message += f'\nFile "{loc.filename}", line {loc.line}, '
                context.call_conv.return_user_exc(builder, ValueError, (message,))
        # what stock does with the shape: allocate, and let the input that NumPy's
        # __array_wrap__ would pick wrap the output (a plain array: none)
        input_types = [t.type if isinstance(t, types.Optional) else t for t in input_types]
        array = arrayobj._empty_nd_impl(context, builder, array_ty.as_array, shape)
        chosen = npyimpl.select_array_wrapper(input_types)
        wrapper_ty = input_types[chosen]
        try:
            wrap = context.get_function("__array_wrap__",
                                        array_ty(wrapper_ty, array_ty.as_array))
        except NotImplementedError:
            if wrapper_ty.array_priority != types.Array.array_priority:
                raise
            out = array._getvalue()
        else:
            out = wrap(builder, (inputs[chosen].return_val, array._getvalue()))
        ndim = array_ty.ndim
        return npyimpl._ArrayHelper(
            context, builder, cgutils.unpack_tuple(builder, array.shape, ndim),
            cgutils.unpack_tuple(builder, array.strides, ndim), array.data,
            array_ty.layout, array_ty.dtype, ndim, out)

    return build_array
