def jvp_lecture(x, y, z, tangents):
    if user_function.__code__ is not lecture_code_at_transform: rebound('lecture.__code__')
    if math is not math_at_transform: rebound('math')
    if math.exp is not math_exp: rebound('math.exp')
    if math.sin is not math_sin: rebound('math.sin')
    if z.__class__ is not builtin_float and z.__class__ not in SCALAR_TYPES:
        complex_to_math(('z',), (z,), math_at_2)
    dx, dy, dz = tangents
    power = x ** 2
    dpower = dx * 2.0 * x
    exp = math_exp(z)
    dexp = dz * exp
    mul = y * exp
    dmul = dy * exp + dexp * y
    add = power + mul
    dadd = dpower + dmul
    if add.__class__ is not builtin_float and add.__class__ not in SCALAR_TYPES:
        complex_to_math(('',), (add,), math_at)
    sin = math_sin(add)
    dsin = dadd * math_cos(add)
    out = sin + z
    dout = dsin + dz
    return (out, dout)
