def drnn(Wh, Wx, xs, h0):
    # The gradient of rnn (golden_functions.py, line 18) with respect to Wh, Wx (reverse mode):
    # the primal sweep runs f; the adjoint sweep then runs each statement's adjoint, last first.
    #
    # Activity: a value is active when it depends on an input differentiated and reaches the output;
    # only active values get adjoints.
    #   Wh: active (depends on input Wh, reaches the output)
    #   Wx: active (depends on input Wx, reaches the output)
    #   xs: not active (depends on no input differentiated)
    #   h0: not active (depends on no input differentiated)
    #   shape: not active (depends on no input differentiated, does not reach the output)
    #   n: not active (depends on no input differentiated, does not reach the output)
    #   steps: not active (depends on no input differentiated, does not reach the output)
    #   h_2: active (depends on inputs Wh, Wx, reaches the output)
    #   t: not active (depends on no input differentiated, does not reach the output)
    #   out: active (depends on inputs Wh, Wx, reaches the output)
    #   matmul: active (depends on inputs Wh, Wx, reaches the output)
    #   xs_item: not active (depends on no input differentiated)
    #   matmul_2: active (depends on input Wx, reaches the output)
    #   add: active (depends on inputs Wh, Wx, reaches the output)
    #   h_3: active (depends on inputs Wh, Wx, reaches the output)
    #
    # What the adjoint reads of the primal sweep:
    #   h_2: recorded once per iteration of the loop at line 20 (read by the adjoint of line 21)
    #   t: recorded once per iteration of the loop at line 20
    #   out: kept
    #   matmul: its shape, recorded once per iteration of the loop at line 20 (read by the adjoint of line 21)
    #   xs_item: computed again by the adjoint (a read of an array nothing changes) (read by the adjoint of line 21)
    #   matmul_2: its shape, recorded once per iteration of the loop at line 20 (read by the adjoint of line 21)
    #   h_3: recorded once per iteration of the loop at line 20 (read by the adjoint of line 21)
    # guards: f's code, and what each name it calls denotes, are still those this code is for
    if user_function.__code__ is not rnn_code_at_transform: rebound('rnn.__code__')
    if np is not np_at_transform: rebound('np')
    if np.sum is not np_sum: rebound('np.sum')
    if np.tanh is not np_tanh: rebound('np.tanh')
    if range is not range_at_transform: rebound('range')
    # guards: the operands of operators are numbers or arrays, not objects whose class overloads the operator
    if Wh.__class__ not in OPERAND_TYPES or Wx.__class__ not in OPERAND_TYPES or h0.__class__ not in OPERAND_TYPES:
        operands_of_user_class((Wh, Wx, h0), operators_at)
    # line 20: for t in range(xs.shape[0]):
    shape = xs.shape
    n = shape[0]
    steps = range(n)
    h_2 = h0
    saved = []
    for t in steps:
        # line 21: h = np.tanh(Wh @ h + Wx @ xs[t])
        matmul = Wh @ h_2
        xs_item = xs[t]
        if xs_item.__class__ not in OPERAND_TYPES:
            operand_of_user_class(xs_item, operator_at)
        matmul_2 = Wx @ xs_item
        add = matmul + matmul_2
        h_3 = np_tanh(add)
        saved.append((record_shape(matmul), record_shape(matmul_2), h_3, h_2, t))
        h_2 = h_3
    # line 22: return np.sum(h)
    out = np_sum(h_2)
    # adjoint
    dout = result_seed(out, returned_at)
    # from: out = np_sum(h_2)
    dh_2 = unreduce(dout, h_2, None, False)
    # line 20: for t in range(xs.shape[0]):
    # from: for t in steps:
    dWh = 0.0
    dWx = 0.0
    dWx_parts = []
    dWh_parts = []
    while saved:
        matmul_shape, matmul_2_shape, h_3, h_2, t = saved.pop()
        # line 21: h = np.tanh(Wh @ h + Wx @ xs[t])
        xs_item = xs[t]
        # from: h_3 = np_tanh(add)
        dadd = dh_2 * (1.0 - h_3 * h_3)
        # from: add = matmul + matmul_2
        dmatmul = unbroadcast_to(dadd, matmul_shape)
        dmatmul_2 = unbroadcast_to(dadd, matmul_2_shape)
        # from: matmul_2 = Wx @ xs_item
        dWx_parts.append((dmatmul_2, xs_item))
        if len(dWx_parts) == 256:
            dWx = dWx + sum_matmul_grad_a(dWx_parts, Wx)
            dWx_parts.clear()
        # from: matmul = Wh @ h_2
        dWh_parts.append((dmatmul, h_2))
        if len(dWh_parts) == 256:
            dWh = dWh + sum_matmul_grad_a(dWh_parts, Wh)
            dWh_parts.clear()
        dh_2 = matmul_grad_b(dmatmul, Wh, h_2)
    # line 20: for t in range(xs.shape[0]):
    dWx += sum_matmul_grad_a(dWx_parts, Wx)
    dWh += sum_matmul_grad_a(dWh_parts, Wh)
    return (as_grad(dWh, Wh), as_grad(dWx, Wx))
