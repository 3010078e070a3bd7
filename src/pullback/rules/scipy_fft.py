"""Rules for `scipy.fft`'s transforms and shifts: the same mathematics as `numpy.fft`'s
(rules/fft.py, whose helpers they call), with SciPy's signatures: the input is named `x`,
and `overwrite_x`, `workers` and `plan` only steer how the result is computed.

Every transform is linear in x, so its adjoint is its transpose (rules/fft.py states
the convention for complex values) and its tangent the same call on x's tangent. A
transform over a repeated axis is refused at run time, as NumPy's are. `fftfreq` and
`rfftfreq` carry no gradient. The real-to-real transforms (`dct`, `dst`) have no rule.
"""

import importlib.util
from dataclasses import replace

from . import rule
from .fft import fft_grad, hfft_grad, ihfft_grad, irfft_grad, rfft_grad

if importlib.util.find_spec("scipy") is None:
    raise ImportError("SciPy is not installed: its rules are skipped")
import scipy.fft as sfft  # noqa: E402

_HELPERS = (fft_grad, rfft_grad, irfft_grad, hfft_grad, ihfft_grad)
_STEERING = "overwrite_x=False, workers=None, *, plan=None"
_ONE = f"x, n=None, axis=-1, norm=None, {_STEERING}"
_TWO = f"x, s=None, axes=(-2, -1), norm=None, {_STEERING}"
_ANY = f"x, s=None, axes=None, norm=None, {_STEERING}"


def _rule(params, **partials):
    # every transform is real-linear in x: its tangent is the transform of x's tangent
    return replace(rule(params, kinds=("fresh",), jvp="linear", **partials),
                   functions=tuple((f.__name__, f) for f in _HELPERS))


RULES = {
    sfft.fft: _rule(_ONE, x="fft_grad(g, x, n, axis, norm)"),
    sfft.ifft: _rule(_ONE, x="fft_grad(g, x, n, axis, norm, True)"),
    sfft.fft2: _rule(_TWO, x="fft_grad(g, x, s, axes, norm)"),
    sfft.ifft2: _rule(_TWO, x="fft_grad(g, x, s, axes, norm, True)"),
    sfft.fftn: _rule(_ANY, x="fft_grad(g, x, s, axes, norm)"),
    sfft.ifftn: _rule(_ANY, x="fft_grad(g, x, s, axes, norm, True)"),
    sfft.rfft: _rule(_ONE, x="rfft_grad(g, x, n, axis, norm)"),
    sfft.rfft2: _rule(_TWO, x="rfft_grad(g, x, s, axes, norm)"),
    sfft.rfftn: _rule(_ANY, x="rfft_grad(g, x, s, axes, norm)"),
    sfft.irfft: _rule(_ONE, x="irfft_grad(g, x, n, axis, norm)"),
    sfft.irfft2: _rule(_TWO, x="irfft_grad(g, x, s, axes, norm)"),
    sfft.irfftn: _rule(_ANY, x="irfft_grad(g, x, s, axes, norm)"),
    sfft.hfft: _rule(_ONE, x="hfft_grad(g, x, n, axis, norm)"),
    sfft.ihfft: _rule(_ONE, x="ihfft_grad(g, x, n, axis, norm)"),
    # rearrangements of x's entries: linear, so the tangent is the same call on it
    sfft.fftshift: rule("x, axes=None", kinds=("fresh",), jvp="linear",
                        x="map_grad(np.fft.ifftshift, g, axes)"),
    sfft.ifftshift: rule("x, axes=None", kinds=("fresh",), jvp="linear",
                         x="map_grad(np.fft.fftshift, g, axes)"),
}
ARRAY_LIKE = True  # list arguments are read as arrays, by the functions and their rules
NONDIFF = {sfft.fftfreq, sfft.rfftfreq}
