def dlecture(x, y, z):
    pow = x ** 2
    exp = math.exp(z)
    mul = y * exp
    add = pow + mul
    sin = math.sin(add)
    # adjoint
    dout = 1.0
    dadd = dout * math.cos(add)
    dy = dadd * exp
    dexp = dadd * y
    dz = dout + dexp * exp
    dx = dadd * 2 * x
    return (dx, dy, dz)
