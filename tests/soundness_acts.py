"""Activations in a module of their own, for the soundness probes that rebind a dotted
name (`soundness_acts.act = soundness_acts.act2`) between two calls of a gradient.
The probes restore every name they rebind."""

import math

import numpy as np

GAIN = 2.0


def act(t):
    return np.tanh(t)


def act2(t):
    return np.sin(t) * 3.0


def scalar_act(t):
    return math.tanh(t)


def scalar_act2(t):
    return t * t


def scaled(t):
    return GAIN * t


class Acts:
    """A class attribute holding a function, rebound by a probe."""

    fn = staticmethod(np.tanh)
    factor = 2.0
