"""Samples of the `numpy.fft` and SciPy rules for the table-walking test (test_rules.py):
callable -> [(expression over x0, x1, ..., [(shape, domain) per input]), ...], in the form
test_rules.SAMPLES uses. Expressions are real-valued; complex intermediates and complex
weights (`K(...)`, fixed phases) make the real and imaginary parts of each transform count.
"""

import numpy as np

ANY, POS, UNIT = (-2.0, 2.0), (0.5, 2.0), (-0.8, 0.8)
S = ()


def K(*shape):
    """Fixed complex weights of `shape`, each with its own modulus and phase."""
    n = int(np.prod(shape))
    return f"(np.exp(0.7j * np.arange({n}.0)) * np.arange(1.0, {n + 1}.0)).reshape{shape!r}"


def R(expr, *shape):
    """The real part of `expr` weighted by K(*shape): every output bin, both its parts."""
    return f"np.real({expr} * {K(*shape)})"


fft = np.fft
SAMPLES = {
    fft.fft: [(R("np.fft.fft(x0)", 4), [((4,), ANY)]),
              (R("np.fft.fft(x0, 6, axis=0, norm='ortho')", 6, 3), [((4, 3), ANY)]),
              (R("np.fft.fft(x0, n=3, norm='forward')", 2, 3), [((2, 5), ANY)]),
              (R("np.fft.fft(x0 + 1j * x1)", 4), [((4,), ANY), ((4,), ANY)])],
    fft.ifft: [(R("np.fft.ifft(x0)", 4), [((4,), ANY)]),
               (R("np.fft.ifft(x0 * (1.0 - 2.0j), n=5, axis=-2)", 5, 2), [((3, 2), ANY)]),
               (R("np.fft.ifft(x0, norm='ortho')", 3, 2), [((3, 2), ANY)])],
    fft.fft2: [(R("np.fft.fft2(x0)", 3, 4), [((3, 4), ANY)]),
               (R("np.fft.fft2(x0, s=(2, 5), norm='ortho')", 2, 2, 5), [((2, 3, 4), ANY)]),
               (R("np.fft.fft2(x0 * x1 * 1j, axes=(0, 2))", 2, 3, 2), [((2, 3, 2), ANY),
                                                                       ((3, 1), ANY)])],
    fft.ifft2: [(R("np.fft.ifft2(x0)", 3, 4), [((3, 4), ANY)]),
                (R("np.fft.ifft2(x0, s=(4, 2), norm='forward')", 4, 2), [((3, 4), ANY)])],
    fft.fftn: [(R("np.fft.fftn(x0)", 2, 3, 2), [((2, 3, 2), ANY)]),
               (R("np.fft.fftn(x0, s=(3, 3), axes=(0, 1))", 3, 3), [((2, 4), ANY)]),
               (R("np.fft.fftn(x0 + 1j * x1, axes=(1,), norm='ortho')", 2, 3),
                [((2, 3), ANY), ((2, 3), ANY)])],
    fft.ifftn: [(R("np.fft.ifftn(x0)", 2, 3), [((2, 3), ANY)]),
                (R("np.fft.ifftn(x0, s=(2, 4), axes=(2, 0), norm='ortho')", 4, 3, 2),
                 [((3, 3, 2), ANY)])],
    fft.rfft: [(R("np.fft.rfft(x0)", 3), [((5,), ANY)]),
               ("np.abs(np.fft.rfft(x0)) ** 2", [((6,), ANY)]),
               (R("np.fft.rfft(x0, n=8, axis=0, norm='ortho')", 5, 3), [((4, 3), ANY)]),
               (R("np.fft.rfft(x0, 3, norm='forward')", 2, 2), [((2, 6), ANY)])],
    fft.rfft2: [(R("np.fft.rfft2(x0)", 3, 3), [((3, 4), ANY)]),
                (R("np.fft.rfft2(x0, s=(4, 5), axes=(1, 0))", 3, 4), [((3, 4), ANY)])],
    fft.rfftn: [(R("np.fft.rfftn(x0)", 2, 3, 2), [((2, 3, 3), ANY)]),
                (R("np.fft.rfftn(x0, s=(5, 5), axes=(0, 1), norm='forward')", 5, 3),
                 [((3, 4), ANY)])],
    fft.irfft: [("np.fft.irfft(x0 * (1.0 + 0.5j) + 1j * x1) * np.arange(1.0, 7.0)",
                 [((4,), ANY), ((4,), ANY)]),
                ("np.fft.irfft(x0 * (1.0 - 0.5j), n=7, norm='ortho') * np.arange(1.0, 8.0)",
                 [((5,), ANY)]),
                ("np.fft.irfft(x0 + 0.5j, n=4, axis=0, norm='forward')", [((6, 2), ANY)])],
    fft.irfft2: [("np.fft.irfft2(x0 * (1.0 + 2.0j) + x0 ** 2)", [((3, 3), ANY)]),
                 ("np.fft.irfft2(x0 + 1j * x1, s=(3, 5))", [((2, 3), ANY), ((2, 3), ANY)])],
    fft.irfftn: [("np.fft.irfftn(x0 * (1.0 + 2.0j) + x0 ** 2)", [((2, 3, 3), ANY)]),
                 ("np.fft.irfftn(x0 * 1j + x0, s=(4, 6), axes=(0, 1), norm='ortho')",
                  [((3, 4), ANY)])],
    fft.hfft: [("np.fft.hfft(x0 * (1.0 + 0.5j) + 1j * x1) * np.arange(1.0, 7.0)",
                [((4,), ANY), ((4,), ANY)]),
               ("np.fft.hfft(x0 * (1.0 - 0.5j), n=5, norm='ortho')", [((4,), ANY)])],
    fft.ihfft: [(R("np.fft.ihfft(x0)", 3), [((5,), ANY)]),
                (R("np.fft.ihfft(x0, n=4, axis=0, norm='forward')", 3, 2), [((6, 2), ANY)])],
    fft.fftshift: [("np.fft.fftshift(x0) * np.arange(1.0, 6.0)", [((5,), ANY)]),
                   ("np.fft.fftshift(x0, axes=1) * np.arange(1.0, 7.0).reshape(2, 3)",
                    [((2, 3), ANY)])],
    fft.ifftshift: [("np.fft.ifftshift(x0) * np.arange(1.0, 7.0).reshape(3, 2)",
                     [((3, 2), ANY)])],
}
