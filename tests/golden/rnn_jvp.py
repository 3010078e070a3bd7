def jvp_rnn(Wh, Wx, xs, h0, tangents):
    if user_function.__code__ is not rnn_code_at_transform: rebound('rnn.__code__')
    if np is not np_at_transform: rebound('np')
    if np.sum is not np_sum: rebound('np.sum')
    if np.tanh is not np_tanh: rebound('np.tanh')
    if range is not range_at_transform: rebound('range')
    if Wh.__class__ not in OPERAND_TYPES or Wx.__class__ not in OPERAND_TYPES or h0.__class__ not in OPERAND_TYPES:
        operands_of_user_class((Wh, Wx, h0), operators_at)
    dWh, dWx = tangents
    check_tangent(dWh, Wh, 'Wh')
    check_tangent(dWx, Wx, 'Wx')
    shape = xs.shape
    n = shape[0]
    steps = range(n)
    h_2 = h0
    dh_2 = zero_tangent(h0)
    for t in steps:
        matmul = Wh @ h_2
        dmatmul = dWh @ h_2 + Wh @ dh_2
        xs_item = xs[t]
        if xs_item.__class__ not in OPERAND_TYPES:
            operand_of_user_class(xs_item, operator_at)
        matmul_2 = Wx @ xs_item
        dmatmul_2 = dWx @ xs_item
        add = matmul + matmul_2
        dadd = dmatmul + dmatmul_2
        h_3 = np_tanh(add)
        dh_2 = dadd * (1.0 - h_3 * h_3)
        h_2 = h_3
    out = np_sum(h_2)
    dout = sum_tangent(dh_2)
    return (out, dout)
