def dpiecewise(x):
    # The gradient of piecewise (golden_functions.py, line 25) with respect to x (reverse mode):
    # the primal sweep runs f; the adjoint sweep then runs each statement's adjoint, last first.
    #
    # Activity: a value is active when it depends on an input differentiated and reaches the output;
    # only active values get adjoints.
    #   x: active (depends on input x, reaches the output)
    #   cond: not active (depends on no input differentiated, does not reach the output)
    #   cond_2: not active (depends on no input differentiated, does not reach the output)
    #   y: active (depends on input x, reaches the output)
    #   y_3: active (depends on input x, reaches the output)
    #   log: active (depends on input x, reaches the output)
    #   y_2: active (depends on input x, reaches the output)
    #
    # What the adjoint reads of the primal sweep:
    #   cond: kept (read by the adjoint of line 26)
    #   cond_2: kept (read by the adjoint of line 28)
    #   y_3: kept (read by the adjoint of line 32)
    # guards: f's code, and what each name it calls denotes, are still those this code is for
    if user_function.__code__ is not piecewise_code_at_transform: rebound('piecewise.__code__')
    if math is not math_at_transform: rebound('math')
    if math.log is not math_log: rebound('math.log')
    if math.sin is not math_sin: rebound('math.sin')
    # guards: the parameters the code treats as numbers are numbers
    if x.__class__ is not builtin_float and x.__class__ not in SCALAR_TYPES:
        not_scalars(('x',), (x,))
    # line 26: if x < 0.0:
    cond = x < 0.0
    if not cond:
        # line 28: elif x < 1.0:
        cond_2 = x < 1.0
        if cond_2:
            # line 29: y = math.sin(x)
            y = math_sin(x)
            y_3 = y
        else:
            # line 31: y = math.log(x) + 1.0
            log = math_log(x)
            y_2 = log + 1.0
            y_3 = y_2
    # adjoint
    dout_3 = 1.0
    # line 26: if x < 0.0:
    # from: if not cond:
    if cond:
        # line 27: return x * x
        # from: out = x * x
        dx = dout_3 * x
        dx = dx + dout_3 * x
    else:
        # line 32: return y * x
        # from: out_2 = y_3 * x
        dy_3 = dout_3 * x
        dx = dout_3 * y_3
        # line 28: elif x < 1.0:
        # from: if cond_2:
        if cond_2:
            # line 29: y = math.sin(x)
            # from: y = math_sin(x)
            dx = dx + dy_3 * math_cos(x)
        else:
            # line 31: y = math.log(x) + 1.0
            # from: log = math_log(x)
            dx = dx + dy_3 / x
    return dx
