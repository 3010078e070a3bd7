def dmlp(W1, b1, W2, b2, X, Y):
    # Printed for arguments like these (pullback runs the general code, for any shapes):
    #   W1: array of shape (64, 32), float64
    #   b1: array of shape (32,), float64
    #   W2: array of shape (32, 10), float64
    #   b2: array of shape (10,), float64
    #   X: array of shape (100, 64), float64
    #   Y: array of shape (100, 10), float64
    # helpers that do nothing at these shapes are left out, products written out.
    if user_function.__code__ is not mlp_code_at_transform: rebound('mlp.__code__')
    if np is not np_at_transform: rebound('np')
    if np.exp is not np_exp: rebound('np.exp')
    if np.log is not np_log: rebound('np.log')
    if np.max is not np_max: rebound('np.max')
    if np.sum is not np_sum: rebound('np.sum')
    if np.tanh is not np_tanh: rebound('np.tanh')
    if W1.__class__ not in OPERAND_TYPES or b1.__class__ not in OPERAND_TYPES or W2.__class__ not in OPERAND_TYPES or (b2.__class__ not in OPERAND_TYPES) or (X.__class__ not in OPERAND_TYPES) or (Y.__class__ not in OPERAND_TYPES):
        operands_of_user_class((W1, b1, W2, b2, X, Y), operators_at)
    matmul = X @ W1
    add = matmul + b1
    hidden = np_tanh(add)
    matmul_2 = hidden @ W2
    logits = matmul_2 + b2
    m = np_max(logits, axis=1, keepdims=True)
    sub = logits - m
    exp = np_exp(sub)
    total = np_sum(exp, axis=1, keepdims=True)
    log = np_log(total)
    log_norm = m + log
    sub_2 = logits - log_norm
    mul = Y * sub_2
    total_2 = np_sum(mul)
    neg = -total_2
    shape = X.shape
    n = shape[0]
    out = neg / n
    check_scalar(out, returned_at)
    # adjoint
    dout = 1.0
    dneg = dout / n
    dtotal_2 = -dneg
    dmul = np.full_like(mul, dtotal_2)
    dsub_2 = dmul * Y
    dlog_norm = np.sum(-dsub_2, axis=1, keepdims=True)
    dtotal = dlog_norm / total
    dsub = dtotal * exp
    dlogits = dsub_2 + dsub
    # m: a shift the function takes back, gradient exactly 0
    db2 = np.sum(dlogits, axis=0)
    dhidden = dlogits @ W2.T
    dW2 = hidden.T @ dlogits
    dadd = dhidden * (1.0 - hidden * hidden)
    db1 = np.sum(dadd, axis=0)
    dW1 = X.T @ dadd
    return (dW1, db1, dW2, db2)
