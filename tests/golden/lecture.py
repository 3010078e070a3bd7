def dlecture(x, y, z):
    if user_function.__code__ is not lecture_code_at_transform: rebound('lecture.__code__')
    if math is not math_at_transform: rebound('math')
    if math.exp is not math_exp: rebound('math.exp')
    if math.sin is not math_sin_at_transform: rebound('math.sin')
    if z.__class__ is not builtin_float and z.__class__ not in SCALAR_TYPES:
        complex_to_math(('z',), (z,), math_at_2)
    power = x ** 2
    exp = math_exp(z)
    mul = y * exp
    add = power + mul
    if add.__class__ is not builtin_float and add.__class__ not in SCALAR_TYPES:
        complex_to_math(('',), (add,), math_at)
    # adjoint
    dout = 1.0
    dadd = math_cos(add)
    dy = dadd * exp
    dexp = dadd * y
    dz = dout + dexp * exp
    dx = dadd * 2.0 * x
    return (dx, dy, dz)
