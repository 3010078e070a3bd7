"""Rules for `scipy.signal`'s n-dimensional convolutions: `convolve`, `fftconvolve` and
`correlate`, in every `mode` ('full', 'valid', 'same') and `method`.

A 'valid' or 'same' result is a crop of the full convolution, so its transpose pads the
gradient back to the full size; the transpose of a full convolution with k is a valid
correlation with k (without conjugating k: autograd's convention for holomorphic maps).
`correlate(a, b)` is the convolution of a with b reversed and conjugated. The helpers are
named `signal_*` (generated code binds helpers by name, and np.convolve's is
`convolve_grad`). `fftconvolve`'s `axes` is not in its signature, so a call using it is
refused at transform time.
"""

import importlib.util
from dataclasses import replace

from ..errors import PullbackError
from . import rule
from .support import _zero, np

if importlib.util.find_spec("scipy") is None:
    raise ImportError("SciPy is not installed: its rules are skipped")
from scipy import signal  # noqa: E402


def _full_grad(g, a, b, mode):
    """g padded back to the shape of the full convolution of a and b."""
    g = np.asarray(g)
    a_shape, b_shape = np.shape(a), np.shape(b)
    if mode not in ("full", "valid", "same"):
        raise PullbackError(f"no derivative rule for a convolution with mode={mode!r}")
    if mode == "full":
        return g
    full = [n + m - 1 for n, m in zip(a_shape, b_shape)]
    if mode == "valid":
        start = [min(n, m) - 1 for n, m in zip(a_shape, b_shape)]
    else:  # "same": centred on a
        start = [(f - n) // 2 for f, n in zip(full, a_shape)]
    out = np.zeros(full, dtype=g.dtype)
    out[tuple(slice(s, s + n) for s, n in zip(start, g.shape))] = g
    return out


def _like(d, x):
    return d if np.iscomplexobj(x) else np.real(d)


def signal_convolve_grad(g, in1, in2, mode, wrt):
    """d/d in1 of convolve(in1, in2, mode): the full gradient correlated with in2."""
    if _zero(g):
        return 0.0
    full = _full_grad(g, in1, in2, mode)
    other, own = (in2, in1) if wrt == "in1" else (in1, in2)
    # signal.correlate conjugates its second argument: conj(other) undoes it
    return _like(signal.correlate(full, np.conj(other), mode="valid"), own)


def signal_correlate_grad(g, in1, in2, mode, wrt):
    """correlate(in1, in2) = convolve(in1, conj(reversed in2))."""
    if _zero(g):
        return 0.0
    flipped = np.conj(np.flip(np.asarray(in2)))
    if wrt == "in1":
        return signal_convolve_grad(g, in1, flipped, mode, "in1")
    return _like(np.conj(np.flip(signal_convolve_grad(g, in1, flipped, mode, "in2"))), in2)


_FUNCTIONS = (("signal_convolve_grad", signal_convolve_grad),
              ("signal_correlate_grad", signal_correlate_grad))


def _rule(params, helper):
    # real-bilinear in (in1, in2) (correlate conjugates in2, a real-linear map): the tangent
    # is the call with one operand replaced by its tangent, summed over the operands
    return replace(rule(params, kinds=("fresh",), jvp="bilinear",
                        **{p: f"{helper}(g, in1, in2, mode, '{p}')" for p in ("in1", "in2")}),
                   functions=_FUNCTIONS)


RULES = {
    signal.convolve: _rule("in1, in2, mode='full', method='auto'", "signal_convolve_grad"),
    signal.fftconvolve: _rule("in1, in2, mode='full'", "signal_convolve_grad"),
    signal.correlate: _rule("in1, in2, mode='full', method='auto'", "signal_correlate_grad"),
}
ARRAY_LIKE = True  # list arguments are read as arrays, by the functions and their rules
NONDIFF: set = set()
