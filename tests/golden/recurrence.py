def drecurrence(x, a):
    if user_function.__code__ is not recurrence_code_at_transform: rebound('recurrence.__code__')
    if math is not math_at_transform: rebound('math')
    if math.sin is not math_sin: rebound('math.sin')
    if range is not range_at_transform: rebound('range')
    if x.__class__ is not builtin_float and x.__class__ not in SCALAR_TYPES or (a.__class__ is not builtin_float and a.__class__ not in SCALAR_TYPES):
        not_scalars(('x', 'a'), (x, a))
    steps = range(1000)
    x_2 = x
    mul = 0.002 * a
    saved = []
    for _ in steps:
        sin = math_sin(x_2)
        mul_2 = mul * sin
        x_3 = x_2 + mul_2
        saved.append((sin, x_2))
        x_2 = x_3
    # adjoint
    dout = 1.0
    dx_2 = dout
    da = 0.0
    da_unscaled = 0.0
    while saved:
        sin, x_2 = saved.pop()
        dmul = dx_2 * sin
        dsin = dx_2 * mul
        dx_2 = dx_2 + dsin * math_cos(x_2)
        da_unscaled += dmul
    da += da_unscaled * 0.002
    return (dx_2, da)
