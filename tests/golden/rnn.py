def drnn(Wh, Wx, xs, h0):
    if user_function.__code__ is not rnn_code_at_transform: rebound('rnn.__code__')
    if np is not np_at_transform: rebound('np')
    if np.sum is not np_sum: rebound('np.sum')
    if np.tanh is not np_tanh: rebound('np.tanh')
    if range is not range_at_transform: rebound('range')
    if Wh.__class__ not in OPERAND_TYPES or Wx.__class__ not in OPERAND_TYPES or h0.__class__ not in OPERAND_TYPES:
        operands_of_user_class((Wh, Wx, h0), operators_at)
    shape = xs.shape
    n = shape[0]
    steps = range(n)
    h_2 = h0
    saved = []
    for t in steps:
        matmul = Wh @ h_2
        xs_item = xs[t]
        if xs_item.__class__ not in OPERAND_TYPES:
            operand_of_user_class(xs_item, operator_at)
        matmul_2 = Wx @ xs_item
        add = matmul + matmul_2
        h_3 = np_tanh(add)
        saved.append((record_shape(matmul), record_shape(matmul_2), h_3, h_2, t))
        h_2 = h_3
    out = np_sum(h_2)
    # adjoint
    dout = result_seed(out, returned_at)
    dh_2 = unreduce(dout, h_2, None, False)
    dWh = 0.0
    dWx = 0.0
    dWx_parts = []
    dWh_parts = []
    while saved:
        matmul_shape, matmul_2_shape, h_3, h_2, t = saved.pop()
        xs_item = xs[t]
        dadd = dh_2 * (1.0 - h_3 * h_3)
        dmatmul = unbroadcast_to(dadd, matmul_shape)
        dmatmul_2 = unbroadcast_to(dadd, matmul_2_shape)
        dWx_parts.append((dmatmul_2, xs_item))
        if len(dWx_parts) == 256:
            dWx = dWx + sum_matmul_grad_a(dWx_parts, Wx)
            dWx_parts.clear()
        dWh_parts.append((dmatmul, h_2))
        if len(dWh_parts) == 256:
            dWh = dWh + sum_matmul_grad_a(dWh_parts, Wh)
            dWh_parts.clear()
        dh_2 = matmul_grad_b(dmatmul, Wh, h_2)
    dWx += sum_matmul_grad_a(dWx_parts, Wx)
    dWh += sum_matmul_grad_a(dWh_parts, Wh)
    return (as_grad(dWh, Wh), as_grad(dWx, Wx))
