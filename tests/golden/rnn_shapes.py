def drnn(Wh, Wx, xs, h0):
    # Printed for arguments like these (pullback runs the general code, for any shapes):
    #   Wh: array of shape (8, 8), float64
    #   Wx: array of shape (8, 3), float64
    #   xs: array of shape (20, 3), float64
    #   h0: array of shape (8,), float64
    # helpers that do nothing at these shapes are left out, products written out.
    # what loops keep for the adjoint at these shapes (lines of this code):
    # line 22, `for t in steps`: each iteration records h_3 (8 floats, 64 B), h_2 (8 floats, 64 B), t (int, 28 B); 20 iterations: 3.0 KiB (+ 1.4 KiB of record tuples)
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
        saved.append((h_3, h_2, t))
        h_2 = h_3
    out = np_sum(h_2)
    # adjoint
    dout = result_seed(out, returned_at)
    dh_2 = np.full_like(h_2, dout)
    dWh = 0.0
    dWx = 0.0
    dWx_parts = []
    dWh_parts = []
    while saved:
        h_3, h_2, t = saved.pop()
        xs_item = xs[t]
        dadd = dh_2 * (1.0 - h_3 * h_3)
        dWx_parts.append((dadd, xs_item))
        if len(dWx_parts) == 256:
            dWx = dWx + sum_matmul_grad_a(dWx_parts, Wx)
            dWx_parts.clear()
        dWh_parts.append((dadd, h_2))
        if len(dWh_parts) == 256:
            dWh = dWh + sum_matmul_grad_a(dWh_parts, Wh)
            dWh_parts.clear()
        dh_2 = dadd @ Wh
    dWx += sum_matmul_grad_a(dWx_parts, Wx)
    dWh += sum_matmul_grad_a(dWh_parts, Wh)
    return (dWh, dWx)
