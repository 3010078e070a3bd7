"""The lecture's example: g(x, y, z) = sin(x**2 + y*exp(z)) + z.

At (2, -1, 0) the forward values are a=4, b=1, c=-1, d=3, e=0.141 and the
gradient is (-3.96, -0.99, 1.99).
"""
import math


def g(x, y, z):
    a = x**2
    b = math.exp(z)
    c = y * b
    d = a + c
    e = math.sin(d)
    return e + z
