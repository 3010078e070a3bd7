def drunning_buffer(x):
    if user_function.__code__ is not running_buffer_code_at_transform: rebound('running_buffer.__code__')
    if len is not len_at_transform: rebound('len')
    if math is not math_at_transform: rebound('math')
    if math.tanh is not math_tanh: rebound('math.tanh')
    if np is not np_at_transform: rebound('np')
    if np.zeros is not np_zeros: rebound('np.zeros')
    if range is not range_at_transform: rebound('range')
    n = len(x)
    add = n + 1
    h = np_zeros(add)
    n_2 = len(x)
    steps = range(n_2)
    saved = []
    for i in steps:
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
    h_item_2 = h[-1]
    if h_item_2.__class__ not in OPERAND_TYPES:
        operand_of_user_class(h_item_2, operator_at)
    out = h_item_2 ** 2
    check_scalar(out, returned_at)
    # adjoint
    dh_item_2 = 2.0 * h_item_2
    dh = accum_index(0.0, h, -1, dh_item_2)
    dx = 0.0
    while saved:
        tanh, h_old, i = saved.pop()
        add_3 = i + 1
        dtanh_slot, dh = take_slot_grad(dh, add_3)
        dtanh = unbroadcast(dtanh_slot, tanh)
        h[add_3] = h_old
        dadd_2 = dtanh * (1.0 - tanh * tanh)
        dx = accum_index(dx, x, i, dadd_2)
        dh = accum_index(dh, h, i, dadd_2)
    return as_grad(dx, x)
