def dsearch(x):
    if user_function.__code__ is not search_code_at_transform: rebound('search.__code__')
    if math is not math_at_transform: rebound('math')
    if math.exp is not math_exp: rebound('math.exp')
    if x.__class__ is not builtin_float and x.__class__ not in SCALAR_TYPES:
        not_scalars(('x',), (x,))
    total = 0.0
    broke = False
    go = True
    go_2 = go
    total_2 = total
    broke_2 = broke
    x_2 = x
    saved = []
    while go_2:
        neg = -x_2
        exp = math_exp(neg)
        total_3 = total_2 + exp
        cond = total_3 > 2.0
        if cond:
            broke_3 = True
            broke_4 = broke_3
        else:
            broke_4 = broke_2
        not_2 = not broke_4
        if not_2:
            x_3 = x_2 * 0.5
            x_4 = x_3
        else:
            x_4 = x_2
        if broke_4:
            go_3 = False
            go_5 = go_3
        else:
            go_4 = True
            go_5 = go_4
        saved.append((exp, not_2))
        go_2 = go_5
        total_2 = total_3
        broke_2 = broke_4
        x_2 = x_4
    # adjoint
    dout = 1.0
    dtotal_2 = dout
    dx_2 = 0.0
    while saved:
        exp, not_2 = saved.pop()
        dx_4 = dx_2
        if not_2:
            dx_2 = dx_4 * 0.5
        else:
            dx_2 = dx_4
        dneg = dtotal_2 * exp
        dx_2 = dx_2 + -dneg
    return dx_2
