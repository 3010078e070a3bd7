def dlecture(x, y, z):
    # The gradient of lecture (golden_functions.py, line 8) with respect to x, y, z (reverse mode):
    # the primal sweep runs f; the adjoint sweep then runs each statement's adjoint, last first.
    #
    # Activity: a value is active when it depends on an input differentiated and reaches the output;
    # only active values get adjoints.
    #   x: active (depends on input x, reaches the output)
    #   y: active (depends on input y, reaches the output)
    #   z: active (depends on input z, reaches the output)
    #   power: active (depends on input x, reaches the output)
    #   exp: active (depends on input z, reaches the output)
    #   mul: active (depends on inputs y, z, reaches the output)
    #   add: active (depends on inputs x, y, z, reaches the output)
    #
    # What the adjoint reads of the primal sweep:
    #   exp: kept (read by the adjoint of line 9)
    #   add: kept (read by the adjoint of line 9)
    # guards: f's code, and what each name it calls denotes, are still those this code is for
    if user_function.__code__ is not lecture_code_at_transform: rebound('lecture.__code__')
    if math is not math_at_transform: rebound('math')
    if math.exp is not math_exp: rebound('math.exp')
    if math.sin is not math_sin_at_transform: rebound('math.sin')
    # guards: the parameters math functions take are not complex
    if z.__class__ is not builtin_float and z.__class__ not in SCALAR_TYPES:
        complex_to_math(('z',), (z,), math_at_2)
    # line 9: return math.sin(x**2 + y * math.exp(z)) + z
    power = x ** 2
    exp = math_exp(z)
    mul = y * exp
    add = power + mul
    if add.__class__ is not builtin_float and add.__class__ not in SCALAR_TYPES:
        complex_to_math(('',), (add,), math_at)
    # adjoint
    dout = 1.0
    # from: sin = math.sin(add)
    dadd = math_cos(add)
    # from: mul = y * exp
    dy = dadd * exp
    dexp = dadd * y
    # from: exp = math_exp(z)
    dz = dout + dexp * exp
    # from: power = x ** 2
    dx = dadd * 2.0 * x
    return (dx, dy, dz)
