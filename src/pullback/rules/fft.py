"""Rules for `numpy.fft`: the complex, real and Hermitian transforms in one, two and n
dimensions with their `n`/`s`, `axis`/`axes` and `norm` keywords, and the shifts.

Every transform is linear, so its adjoint is its transpose, and gradients follow
autograd's convention (dL/dRe - i dL/dIm for a complex value; a real input's gradient is
the real part). The discrete Fourier matrix is symmetric, so the transpose of `fftn` is
`fftn` itself (with the same `norm`), that of `ifftn` is `ifftn`, and padding or cropping
an input to `n`/`s` transposes to cropping or padding the gradient back. The real
transforms add a half-spectrum: `rfftn` keeps the first `n//2 + 1` bins of the last axis
(its transpose, real as rfftn's input is, is an irfftn of the conjugate), and `irfftn`
reads each bin but the first and the Nyquist one twice (itself and its conjugate
mirror), ignoring their imaginary parts. `hfft`/`ihfft` are `irfft`/`rfft` of
conjugates, with the opposite norm.

A transform over a repeated axis (`axes=(0, 0)`) is refused at run time with a
PullbackError. The `out=` parameter is not in the signatures, so a call using it is
refused at transform time. `fftfreq`/`rfftfreq` carry no gradient.
"""

from dataclasses import replace

import numpy as _numpy

from ..errors import PullbackError
from . import rule
from .support import _zero, np  # np: NumPy as pullback imported it

_SWAPPED = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def _norm(norm):
    return "backward" if norm is None else norm


def _plan(x, s, axes, inverse_real=False):
    """(axes, sizes) a transform of `x` acts on, as NumPy reads `s` and `axes` (an int
    axis and an int n for the one-dimensional functions)."""
    shape = np.shape(x)
    if isinstance(axes, (int, np.integer)):  # one-dimensional: n, axis
        axes, s = (axes,), (None if s is None else (s,))
    if axes is None:
        axes = range(len(shape)) if s is None else range(len(shape) - len(s), len(shape))
    axes = tuple(a % len(shape) for a in axes)
    if len(set(axes)) != len(axes):
        raise PullbackError(f"no derivative rule for a Fourier transform over a repeated axis "
                            f"(axes={axes}): transform once per axis instead")
    if s is None or all(n is None for n in s):  # (n=None in the one-dimensional form)
        sizes = [shape[a] for a in axes]
        if inverse_real:  # irfft: n = 2 (m - 1) by default
            sizes[-1] = 2 * (sizes[-1] - 1)
    else:
        sizes = [shape[a] if n in (None, -1) else n for n, a in zip(s, axes)]
    return axes, tuple(sizes)


def _fit(d, shape, axes):
    """d cropped or zero-padded along `axes` to `shape` (the transpose of NumPy padding
    or cropping an input to `n`/`s`)."""
    index = [slice(None)] * d.ndim
    widths = [(0, 0)] * d.ndim
    for a in axes:
        index[a] = slice(0, shape[a])
        widths[a] = (0, max(0, shape[a] - d.shape[a]))
    d = d[tuple(index)]
    return np.pad(d, widths) if any(w != (0, 0) for w in widths) else d


def _like(d, x):
    """The gradient of x: its real part when x is real."""
    return d if np.iscomplexobj(x) else np.real(d)


def fft_grad(g, a, s, axes, norm, inverse=False):
    """fft/ifft/fft2/ifft2/fftn/ifftn: the same transform of g, fitted back to a's shape."""
    if _zero(g):
        return 0.0
    axes, _ = _plan(a, s, axes)
    transform = np.fft.ifftn if inverse else np.fft.fftn
    return _like(_fit(transform(g, axes=axes, norm=_norm(norm)), np.shape(a), axes), a)


def rfft_grad(g, a, s, axes, norm):
    """rfft/rfft2/rfftn: the real part of fftn of g zero-filled to the full spectrum, which
    is irfftn of conj(g) (opposite norm) with the bins irfftn counts twice (all but the
    first and the Nyquist one of the last axis: themselves and their mirror) halved."""
    if _zero(g):
        return 0.0
    axes, sizes = _plan(a, s, axes)
    g = np.asarray(g)
    last, n = axes[-1], sizes[-1]
    halves = np.full(g.shape[last], 0.5)
    halves[0] = 1.0
    if n % 2 == 0:
        halves[-1] = 1.0
    h = np.conj(g) * halves.reshape([-1 if i == last else 1 for i in range(g.ndim)])
    full = np.fft.irfftn(h, s=sizes, axes=axes, norm=_SWAPPED[_norm(norm)])
    return _fit(full, np.shape(a), axes)  # (rfft refuses a complex a)


def irfft_grad(g, a, s, axes, norm):
    """irfft/irfft2/irfftn: each bin of the last axis counts twice (itself and its mirror)
    but the first and the Nyquist bin; the other axes are an ifftn, transposed by itself."""
    if _zero(g):
        return 0.0
    axes, sizes = _plan(a, s, axes, inverse_real=True)
    norm, last, n = _norm(norm), axes[-1], sizes[-1]
    h = np.conj(np.fft.rfft(np.real(g), axis=last, norm=_SWAPPED[norm]))
    twice = np.full(n // 2 + 1, 2.0)
    twice[0] = 1.0
    if n % 2 == 0:
        twice[-1] = 1.0
    h = h * twice.reshape([-1 if i == last else 1 for i in range(h.ndim)])
    if len(axes) > 1:
        h = np.fft.ifftn(h, axes=axes[:-1], norm=norm)
    return _like(_fit(h, np.shape(a), axes), a)


def hfft_grad(g, a, n, axis, norm):
    """hfft(a) = irfft(conj(a)) with the opposite norm."""
    if _zero(g):
        return 0.0
    return np.conj(irfft_grad(g, np.conj(a), n, axis, _SWAPPED[_norm(norm)]))


def ihfft_grad(g, a, n, axis, norm):
    """ihfft(a) = conj(rfft(a)) with the opposite norm."""
    if _zero(g):
        return 0.0
    return rfft_grad(np.conj(g), a, n, axis, _SWAPPED[_norm(norm)])


_HELPERS = (fft_grad, rfft_grad, irfft_grad, hfft_grad, ihfft_grad)


def _rule(params, **partials):
    # every transform is real-linear in a: its tangent is the transform of a's tangent
    return replace(rule(params, kinds=("fresh",), jvp="linear", **partials),
                   functions=tuple((f.__name__, f) for f in _HELPERS))


_ONE = "a, n=None, axis=-1, norm=None"
_TWO = "a, s=None, axes=(-2, -1), norm=None"
_ANY = "a, s=None, axes=None, norm=None"
fft = _numpy.fft
RULES = {
    fft.fft: _rule(_ONE, a="fft_grad(g, a, n, axis, norm)"),
    fft.ifft: _rule(_ONE, a="fft_grad(g, a, n, axis, norm, True)"),
    fft.fft2: _rule(_TWO, a="fft_grad(g, a, s, axes, norm)"),
    fft.ifft2: _rule(_TWO, a="fft_grad(g, a, s, axes, norm, True)"),
    fft.fftn: _rule(_ANY, a="fft_grad(g, a, s, axes, norm)"),
    fft.ifftn: _rule(_ANY, a="fft_grad(g, a, s, axes, norm, True)"),
    fft.rfft: _rule(_ONE, a="rfft_grad(g, a, n, axis, norm)"),
    fft.rfft2: _rule(_TWO, a="rfft_grad(g, a, s, axes, norm)"),
    fft.rfftn: _rule(_ANY, a="rfft_grad(g, a, s, axes, norm)"),
    fft.irfft: _rule(_ONE, a="irfft_grad(g, a, n, axis, norm)"),
    fft.irfft2: _rule(_TWO, a="irfft_grad(g, a, s, axes, norm)"),
    fft.irfftn: _rule(_ANY, a="irfft_grad(g, a, s, axes, norm)"),
    fft.hfft: _rule(_ONE, a="hfft_grad(g, a, n, axis, norm)"),
    fft.ihfft: _rule(_ONE, a="ihfft_grad(g, a, n, axis, norm)"),
    # rearrangements of x's entries: linear, so the tangent is the same call on it
    fft.fftshift: rule("x, axes=None", kinds=("fresh",), jvp="linear",
                       x="map_grad(np.fft.ifftshift, g, axes)"),
    fft.ifftshift: rule("x, axes=None", kinds=("fresh",), jvp="linear",
                        x="map_grad(np.fft.fftshift, g, axes)"),
}
ARRAY_LIKE = True  # list arguments are read as arrays, by the functions and their rules
NONDIFF = {fft.fftfreq, fft.rfftfreq}
