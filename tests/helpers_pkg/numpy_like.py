"""A module of a user's own that re-exports NumPy and adds a function (the way projects
write `from .backend import np` or `import mylib.numeric as np`)."""

from numpy import *  # noqa: F403


def softplus(x):
    return log1p(exp(x))  # noqa: F405
