def drecurrence(x, a):
    tape = []
    push = tape.append
    pop = tape.pop
    steps = range(1000)
    x_2 = x
    for _ in steps:
        mul = 0.002 * a
        sin = math.sin(x_2)
        mul_2 = mul * sin
        x_3 = x_2 + mul_2
        push((mul, sin, x_2))
        x_2 = x_3
    # adjoint
    dout = 1.0
    dx_2 = dout
    da = 0.0
    for _ in reversed(steps):
        mul, sin, x_2 = pop()
        dmul = dx_2 * sin
        dsin = dx_2 * mul
        dx_2 = dx_2 + dsin * math.cos(x_2)
        da = da + dmul * 0.002
    return (dx_2, da)
