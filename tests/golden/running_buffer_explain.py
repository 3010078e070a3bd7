def drunning_buffer(x):
    # The gradient of running_buffer (golden_functions.py, line 35) with respect to x (reverse mode):
    # the primal sweep runs f; the adjoint sweep then runs each statement's adjoint, last first.
    #
    # Activity: a value is active when it depends on an input differentiated and reaches the output;
    # only active values get adjoints.
    #   x: active (depends on input x, reaches the output)
    #   n: not active (depends on no input differentiated, does not reach the output)
    #   add: not active (depends on no input differentiated, does not reach the output)
    #   h: active (depends on input x, reaches the output)
    #   n_2: not active (depends on no input differentiated, does not reach the output)
    #   steps: not active (depends on no input differentiated, does not reach the output)
    #   i: not active (depends on no input differentiated, does not reach the output)
    #   h_item_2: active (depends on input x, reaches the output)
    #   out: active (depends on input x, reaches the output)
    #   h_item: active (depends on input x, reaches the output)
    #   x_item: active (depends on input x, reaches the output)
    #   add_2: active (depends on input x, reaches the output)
    #   tanh: active (depends on input x, reaches the output)
    #   add_3: not active (depends on no input differentiated, does not reach the output)
    #
    # What the adjoint reads of the primal sweep:
    #   h: kept (read by the adjoint of lines 38, 39)
    #   i: recorded once per iteration of the loop at line 37 (read by the adjoint of line 38)
    #   h_item_2: kept (read by the adjoint of line 39)
    #   tanh: recorded once per iteration of the loop at line 37 (read by the adjoint of line 38)
    #   add_3: computed again by the adjoint (arithmetic of values it has) (read by the adjoint of line 38)
    #   h_old: recorded once per iteration of the loop at line 37 (what h held in the slot written next; its adjoint puts it back)
    # guards: f's code, and what each name it calls denotes, are still those this code is for
    if user_function.__code__ is not running_buffer_code_at_transform: rebound('running_buffer.__code__')
    if len is not len_at_transform: rebound('len')
    if math is not math_at_transform: rebound('math')
    if math.tanh is not math_tanh: rebound('math.tanh')
    if np is not np_at_transform: rebound('np')
    if np.zeros is not np_zeros: rebound('np.zeros')
    if range is not range_at_transform: rebound('range')
    # line 36: h = np.zeros(len(x) + 1)
    n = len(x)
    add = n + 1
    h = np_zeros(add)
    # line 37: for i in range(len(x)):
    n_2 = len(x)
    steps = range(n_2)
    saved = []
    for i in steps:
        # line 38: h[i + 1] = math.tanh(h[i] + x[i])
        h_item = h[i]
        x_item = x[i]
        add_2 = h_item + x_item
        if add_2.__class__ is not builtin_float and add_2.__class__ not in SCALAR_TYPES:
            complex_to_math(('',), (add_2,), math_at)
        tanh = math_tanh(add_2)
        add_3 = i + 1
        h_old = save_float_slot(h, add_3)
        h[add_3] = tanh
        saved.append((tanh, h_old, i))
    # line 39: return h[-1] ** 2
    h_item_2 = h[-1]
    if h_item_2.__class__ not in OPERAND_TYPES:
        operand_of_user_class(h_item_2, operator_at)
    out = h_item_2 ** 2
    check_scalar(out, returned_at)
    # adjoint
    # from: out = h_item_2 ** 2
    dh_item_2 = 2.0 * h_item_2
    # from: h_item_2 = h[-1]
    dh = accum_index(0.0, h, -1, dh_item_2)
    # line 37: for i in range(len(x)):
    # from: for i in steps:
    dx = 0.0
    while saved:
        tanh, h_old, i = saved.pop()
        # line 38: h[i + 1] = math.tanh(h[i] + x[i])
        add_3 = i + 1
        # from: h[add_3] = tanh
        dtanh_slot, dh = take_slot_grad(dh, add_3)
        dtanh = unbroadcast(dtanh_slot, tanh)
        h[add_3] = h_old
        # from: tanh = math_tanh(add_2)
        dadd_2 = dtanh * (1.0 - tanh * tanh)
        # from: x_item = x[i]
        dx = accum_index(dx, x, i, dadd_2)
        # from: h_item = h[i]
        dh = accum_index(dh, h, i, dadd_2)
    return as_grad(dx, x)
