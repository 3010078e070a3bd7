def jvp_lecture(x, y, z, tangents):
    # The tangent of lecture (golden_functions.py, line 8) along the inputs x, y, z (forward mode):
    # each statement of f is followed by the statement computing its tangent.
    #
    # Activity: a value is active when it depends on an input differentiated and reaches the output;
    # only active values get tangents.
    #   x: active (depends on input x, reaches the output)
    #   y: active (depends on input y, reaches the output)
    #   z: active (depends on input z, reaches the output)
    #   power: active (depends on input x, reaches the output)
    #   exp: active (depends on input z, reaches the output)
    #   mul: active (depends on inputs y, z, reaches the output)
    #   add: active (depends on inputs x, y, z, reaches the output)
    #   sin: active (depends on inputs x, y, z, reaches the output)
    #   out: active (depends on inputs x, y, z, reaches the output)
    #
    # Nothing is recorded: each tangent is computed as soon as its value is.
    # guards: f's code, and what each name it calls denotes, are still those this code is for
    if user_function.__code__ is not lecture_code_at_transform: rebound('lecture.__code__')
    if math is not math_at_transform: rebound('math')
    if math.exp is not math_exp: rebound('math.exp')
    if math.sin is not math_sin: rebound('math.sin')
    # guards: the parameters math functions take are not complex
    if z.__class__ is not builtin_float and z.__class__ not in SCALAR_TYPES:
        complex_to_math(('z',), (z,), math_at_2)
    dx, dy, dz = tangents
    # line 9: return math.sin(x**2 + y * math.exp(z)) + z
    power = x ** 2
    dpower = dx * 2.0 * x
    exp = math_exp(z)
    dexp = dz * exp
    mul = y * exp
    dmul = dy * exp + dexp * y
    add = power + mul
    dadd = dpower + dmul
    # from: sin = math_sin(add)
    if add.__class__ is not builtin_float and add.__class__ not in SCALAR_TYPES:
        complex_to_math(('',), (add,), math_at)
    sin = math_sin(add)
    dsin = dadd * math_cos(add)
    out = sin + z
    dout = dsin + dz
    return (out, dout)
