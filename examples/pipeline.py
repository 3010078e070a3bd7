"""The second running example of docs/how-it-works.md: a loop, a branch and a break.

    pullback show examples/pipeline.py:soft_count --wrt x --stage ssa
"""
import math


def soft_count(x, n):
    total = 0.0
    for i in range(n):
        if x > i:
            total += math.tanh(x - i)
        else:
            break
    return total * x
