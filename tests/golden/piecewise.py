def dpiecewise(x):
    if user_function.__code__ is not piecewise_code_at_transform: rebound('piecewise.__code__')
    if math is not math_at_transform: rebound('math')
    if math.log is not math_log: rebound('math.log')
    if math.sin is not math_sin: rebound('math.sin')
    if x.__class__ is not builtin_float and x.__class__ not in SCALAR_TYPES:
        not_scalars(('x',), (x,))
    cond = x < 0.0
    if not cond:
        cond_2 = x < 1.0
        if cond_2:
            y = math_sin(x)
            y_3 = y
        else:
            log = math_log(x)
            y_2 = log + 1.0
            y_3 = y_2
    # adjoint
    dout_3 = 1.0
    if cond:
        dx = dout_3 * x
        dx = dx + dout_3 * x
    else:
        dy_3 = dout_3 * x
        dx = dout_3 * y_3
        if cond_2:
            dx = dx + dy_3 * math_cos(x)
        else:
            dx = dx + dy_3 / x
    return dx
