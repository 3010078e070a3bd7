"""Samples of the `numpy.fft` and SciPy rules for the table-walking test (test_rules.py):
callable -> [(expression over x0, x1, ..., [(shape, domain) per input]), ...], in the form
test_rules.SAMPLES uses. Expressions are real-valued; complex intermediates and complex
weights (`K(...)`, fixed phases) make the real and imaginary parts of each transform count.
"""

import numpy as np

from pullback.rules.fft import (  # noqa: F401 (read by the samples)
    fft_grad,
    hfft_grad,
    ihfft_grad,
    irfft_grad,
    rfft_grad,
)
from pullback.rules.linalg import (  # noqa: F401 (read by the samples)
    linalg_eig_grad,
    linalg_eigh_grad,
    linalg_eigvalsh_grad,
    linalg_matrix_power_grad,
    linalg_multi_dot_grad,
    linalg_pinv_grad,
    linalg_svd_grad,
)
from pullback.rules.scipy import (  # noqa: F401 (read by the samples)
    exprel_grad,
    multigammaln_grad,
    real_only,
    wofz_grad,
)
from pullback.rules.scipy_linalg import (  # noqa: F401 (read by the samples)
    cho_factor_grad,
    cho_solve_grad,
    solve_banded_grad,
    solve_grad,
    solve_sylvester_grad,
    solve_triangular_grad,
    sqrtm_grad,
)
from pullback.rules.scipy_signal import (  # noqa: F401 (read by the samples)
    signal_convolve_grad,
    signal_correlate_grad,
)
from pullback.rules.scipy_stats import (  # noqa: F401 (read by the samples)
    dirichlet_grad,
    mvn_entropy_grad,
    mvn_grad,
    poisson_grad,
    stats_grad,
)

ANY, POS, UNIT = (-2.0, 2.0), (0.5, 2.0), (-0.8, 0.8)
S = ()


def W(*shape):
    """A fixed weight per position (as in test_rules.py)."""
    n = int(np.prod(shape))
    return f"(np.arange(1.0, {n + 1}.0) / {n}).reshape{shape!r}"


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

try:
    import scipy.special as special
except ImportError:  # SciPy is optional: its rules are then not in RULES either
    special = None

if special is not None:
    from pullback.rules.scipy import log_softmax_grad, logsumexp_grad, softmax_grad

    sp = "scipy.special"
    PROB = (0.1, 0.9)
    SAMPLES.update({
        special.gamma: [(f"{sp}.gamma(x0)", [((3, 2), POS)])],
        special.gammaln: [(f"{sp}.gammaln(x0)", [((3, 4), POS)])],
        special.loggamma: [(f"{sp}.loggamma(x0)", [((3,), POS)])],
        special.rgamma: [(f"{sp}.rgamma(x0)", [((3,), POS)])],
        special.digamma: [(f"{sp}.digamma(x0)", [((3, 4), POS)])],
        special.polygamma: [(f"{sp}.polygamma(1, x0)", [((3,), POS)]),
                            (f"{sp}.polygamma(np.array([0, 2]), x0)", [((3, 2), POS)])],
        special.multigammaln: [(f"{sp}.multigammaln(x0 + 2.0, 3)", [((3,), POS)]),
                               (f"{sp}.multigammaln(x0, 1)", [(S, POS)])],
        special.beta: [(f"{sp}.beta(x0, x1)", [((3,), POS), ((2, 1), POS)])],
        special.betaln: [(f"{sp}.betaln(x0, x1)", [((3,), POS), (S, POS)])],
        special.betainc: [(f"{sp}.betainc(2.0, 3.5, x0)", [((3,), PROB)]),
                          (f"{sp}.betainc(np.array([0.7, 2.0]), 1.5, x0)", [((3, 2), PROB)])],
        special.gammainc: [(f"{sp}.gammainc(1.5, x0)", [((3,), POS)])],
        special.gammaincc: [(f"{sp}.gammaincc(np.array([0.5, 3.0]), x0)", [((2,), POS)])],
        special.i0: [(f"{sp}.i0(x0)", [((3,), ANY)])],
        special.i1: [(f"{sp}.i1(x0)", [((3,), ANY)])],
        special.iv: [(f"{sp}.iv(2.0, x0)", [((3,), ANY)]), (f"{sp}.iv(0.5, x0)", [((3,), POS)])],
        special.ive: [(f"{sp}.ive(1.0, x0)", [((3,), ANY)]),
                      (f"{sp}.ive(np.array([0.5, 2.5]), x0)", [((3, 2), POS)])],
        special.j0: [(f"{sp}.j0(x0)", [((3,), ANY)])],
        special.j1: [(f"{sp}.j1(x0)", [((3,), ANY)])],
        special.jn: [(f"{sp}.jn(2, x0)", [((3,), ANY)]), (f"{sp}.jn(0, x0)", [((3,), ANY)])],
        special.y0: [(f"{sp}.y0(x0)", [((3,), POS)])],
        special.y1: [(f"{sp}.y1(x0)", [((3,), POS)])],
        special.yn: [(f"{sp}.yn(3, x0)", [((3,), POS)])],
        special.k0: [(f"{sp}.k0(x0)", [((3,), POS)])],
        special.k1: [(f"{sp}.k1(x0)", [((3,), POS)])],
        special.kv: [(f"{sp}.kv(1.5, x0)", [((3,), POS)])],
        special.erf: [(f"{sp}.erf(x0)", [((3, 4), ANY)])],
        special.erfc: [(f"{sp}.erfc(x0)", [((3,), ANY)])],
        special.erfcx: [(f"{sp}.erfcx(x0)", [((3,), ANY)])],
        special.erfinv: [(f"{sp}.erfinv(x0)", [((3,), UNIT)])],
        special.erfcinv: [(f"{sp}.erfcinv(x0 + 1.0)", [((3,), UNIT)])],
        special.wofz: [(f"np.real({sp}.wofz(x0 + 1j * x1) * (1.0 + 2.0j))",
                        [((3,), ANY), ((3,), POS)]),
                       (f"np.imag({sp}.wofz(x0))", [((3,), ANY)])],
        special.ndtr: [(f"{sp}.ndtr(x0)", [((3,), ANY)])],
        special.log_ndtr: [(f"{sp}.log_ndtr(x0)", [((3,), ANY)]),
                           (f"{sp}.log_ndtr(x0 - 30.0)", [((3,), ANY)])],
        special.ndtri: [(f"{sp}.ndtri(x0)", [((3,), PROB)])],
        special.expit: [(f"{sp}.expit(x0)", [((3, 4), ANY)])],
        special.logit: [(f"{sp}.logit(x0)", [((3, 4), PROB)])],
        special.log1p: [(f"{sp}.log1p(x0)", [((3,), POS)])],
        special.expm1: [(f"{sp}.expm1(x0)", [((3,), ANY)])],
        special.exprel: [(f"{sp}.exprel(x0)", [((3,), ANY)]),
                         (f"{sp}.exprel(x0 * 1e-5)", [((3,), ANY)]),
                         (f"{sp}.exprel(x0 * np.array([0.0, 1.0]))", [((2,), ANY)])],
        special.xlogy: [(f"{sp}.xlogy(x0, x1)", [((3, 2), ANY), ((2,), POS)])],
        special.xlog1py: [(f"{sp}.xlog1py(x0, x1)", [((3,), ANY), (S, POS)])],
        special.entr: [(f"{sp}.entr(x0)", [((3,), POS)])],
        special.rel_entr: [(f"{sp}.rel_entr(x0, x1)", [((3,), POS), ((3,), POS)])],
        special.kl_div: [(f"{sp}.kl_div(x0, x1)", [((2, 3), POS), ((3,), POS)])],
        special.logsumexp: [
            (f"{sp}.logsumexp(x0)", [((2, 3), ANY)]),
            (f"{sp}.logsumexp(x0, axis=1)", [((2, 3), ANY)]),
            (f"{sp}.logsumexp(x0, axis=0, keepdims=True)", [((2, 3), ANY)]),
            (f"{sp}.logsumexp(x0, axis=1, b=x1)", [((2, 3), ANY), ((3,), POS)]),
            (f"{sp}.logsumexp(x0, b=x1)", [((3,), ANY), (S, POS)]),
            (f"{sp}.logsumexp(x0 * 400.0, axis=-1)", [((2, 3), ANY)])],
        special.softmax: [
            (f"{sp}.softmax(x0) * {W(2, 3)}", [((2, 3), ANY)]),
            (f"{sp}.softmax(x0, axis=1) * {W(2, 3)}", [((2, 3), ANY)]),
            (f"{sp}.softmax(x0 * 400.0, axis=0) * {W(2, 3)}", [((2, 3), ANY)])],
        special.log_softmax: [
            (f"{sp}.log_softmax(x0) * {W(2, 3)}", [((2, 3), ANY)]),
            (f"{sp}.log_softmax(x0, axis=1) * {W(2, 3)}", [((2, 3), ANY)]),
            (f"{sp}.log_softmax(x0 * 400.0, axis=0) * {W(2, 3)}", [((2, 3), ANY)])],
        # its gradient's helper (rules/higher_products.py: second order through it)
        softmax_grad: [("softmax_grad(x0, scipy.special.softmax(x1, axis=1), 1)",
                        [((2, 3), ANY), ((2, 3), ANY)])],
        log_softmax_grad: [("log_softmax_grad(x0, scipy.special.log_softmax(x1), None)",
                            [((3,), ANY), ((3,), ANY)])],
        logsumexp_grad: [(f"logsumexp_grad(x0, x1, {sp}.logsumexp(x1, axis=1), 1, None, "
                          "False, 'a')", [((2,), ANY), ((2, 3), ANY)])],
    })

try:
    import scipy.stats as stats
except ImportError:
    stats = None

if stats is not None:
    LOC, SCALE = ((-0.1, 0.1), (1.0, 1.5))
    INSIDE = (0.4, 0.6)  # (x - loc) / scale inside (0, 1): every family's support
    SHAPES = {"t": [(2.0, 5.0)], "gamma": [(1.5, 3.0)], "beta": [(1.5, 3.0), (1.5, 3.0)],
              "chi2": [(3.0, 5.0)]}
    for family in ("norm", "logistic", "laplace", "cauchy", "expon", "uniform", "t", "gamma",
                   "beta", "chi2"):
        shape_domains = SHAPES.get(family, [])
        x_domain = ANY if family in ("norm", "logistic", "laplace", "cauchy") else INSIDE
        for method in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"):
            call = f"scipy.stats.{family}.{method}"
            density = method in ("logpdf", "pdf")
            # shape parameters: inputs of the densities, constants of the cdf family
            shapes = [f"x{3 + i}" if density else str(sum(d) / 2)
                      for i, d in enumerate(shape_domains)]
            given = "".join(f"{s}, " for s in shapes)
            inputs = [((3,), x_domain), (S, LOC), (S, SCALE)]
            inputs += [(S, d) for d in shape_domains] if density else []
            standard = [((3,), x_domain if x_domain == ANY else (0.2, 0.8))]
            if density:  # loc=0, scale=1, and the shape parameters as inputs
                names = "".join(f", x{1 + i}" for i in range(len(shape_domains)))
                standard = (f"{call}(x0{names})", standard + [(S, d) for d in shape_domains])
            else:
                standard = (f"{call}(x0{''.join(f', {v}' for v in shapes)})", standard)
            SAMPLES[getattr(getattr(stats, family), method)] = [
                (f"{call}(x0, {given}x1, x2)", inputs),
                (f"{call}(x0, {given}loc=x1, scale=x2)",
                 [((2, 3), x_domain), ((3,), LOC), ((2, 1), SCALE)] + inputs[3:]),
                standard]
    for method in ("logpmf", "pmf", "cdf", "logcdf", "sf", "logsf"):
        call = f"scipy.stats.poisson.{method}"
        SAMPLES[getattr(stats.poisson, method)] = [
            (f"{call}(np.array([0, 1, 3, 4]), x0)", [(S, POS)]),
            (f"{call}(np.array([[1.0, 2.0], [5.0, 3.0]]), x0, loc=1)", [((2,), (1.0, 3.0))])]
    for method in ("logpdf", "pdf"):
        dirichlet = f"scipy.stats.dirichlet.{method}"
        mvn = f"scipy.stats.multivariate_normal.{method}"
        SAMPLES[getattr(stats.dirichlet, method)] = [
            (f"{dirichlet}(x0 / np.sum(x0), x1)", [((3,), POS), ((3,), POS)]),
            (f"{dirichlet}(x0 / np.sum(x0, axis=0), x1)", [((3, 2), POS), ((3,), POS)])]
        SAMPLES[getattr(stats.multivariate_normal, method)] = [
            (f"{mvn}(x0, x1, x2 @ x2.T + np.eye(3))", [((4, 3), UNIT), ((3,), UNIT),
                                                     ((3, 3), UNIT)]),
            (f"{mvn}(x0, x1, x2 + 3.0 * np.eye(3))", [((3,), UNIT), ((3,), UNIT),
                                                    ((3, 3), UNIT)]),
            (f"{mvn}(x0, x1, cov=x2)", [((2, 2), UNIT), ((2,), UNIT), ((2,), POS)]),
            (f"{mvn}(x0, cov=x1)", [((4,), UNIT), (S, POS)]),
            (f"{mvn}(x0, x1)", [((2,), UNIT), ((2,), UNIT)])]
    SAMPLES[stats.multivariate_normal.entropy] = [
        ("scipy.stats.multivariate_normal.entropy(x0, x1 @ x1.T + np.eye(3))",
         [((3,), UNIT), ((3, 3), UNIT)]),
        ("scipy.stats.multivariate_normal.entropy(cov=x0 + 3.0 * np.eye(2))", [((2, 2), UNIT)]),
        ("scipy.stats.multivariate_normal.entropy(x1, x0)", [((2,), POS), ((2,), UNIT)]),
        ("scipy.stats.multivariate_normal.entropy(cov=x0)", [(S, POS)])]

try:
    import scipy.linalg as linalg
except ImportError:
    linalg = None

if linalg is not None:
    from pullback.rules.scipy_linalg import expm_grad

    sl = "scipy.linalg"
    SPD = "x0 @ x0.T + np.eye(3)"  # symmetric positive definite from x0 (3, 3)
    M3 = "x0 + 3.0 * np.eye(3)"  # well conditioned, not symmetric
    SAMPLES.update({
        linalg.solve_triangular: [
            (f"{sl}.solve_triangular({M3}, x1)", [((3, 3), UNIT), ((3, 2), ANY)]),
            (f"{sl}.solve_triangular({M3}, x1, lower=True)", [((3, 3), UNIT), ((3,), ANY)]),
            (f"{sl}.solve_triangular({M3}, x1, trans='T', unit_diagonal=True)",
             [((3, 3), UNIT), ((3, 2), ANY)]),
            (f"{sl}.solve_triangular({M3}, x1, 2, True)", [((3, 3), UNIT), ((3,), ANY)])],
        linalg.cholesky: [(f"{sl}.cholesky({M3})", [((3, 3), UNIT)]),
                          (f"{sl}.cholesky({SPD}, lower=True)", [((3, 3), ANY)])],
        linalg.cho_factor: [(f"np.tril({sl}.cho_factor({M3}, lower=True)[0])", [((3, 3), UNIT)]),
                            (f"np.triu({sl}.cho_factor({M3})[0])", [((3, 3), UNIT)])],
        linalg.cho_solve: [
            (f"{sl}.cho_solve({sl}.cho_factor({M3}), x1)", [((3, 3), UNIT), ((3, 2), ANY)]),
            (f"{sl}.cho_solve(({sl}.cholesky({SPD}, lower=True), True), x1)",
             [((3, 3), ANY), ((3,), ANY)])],
        linalg.solve: [
            (f"{sl}.solve({M3}, x1)", [((3, 3), UNIT), ((3, 2), ANY)]),
            (f"{sl}.solve({M3}, x1, assume_a='pos')", [((3, 3), UNIT), ((3,), ANY)]),
            (f"{sl}.solve({M3}, x1, lower=True, assume_a='sym')",
             [((3, 3), UNIT), ((3, 2), ANY)])],
        linalg.det: [(f"{sl}.det(x0)", [((3, 3), ANY)])],
        linalg.inv: [(f"{sl}.inv({M3})", [((3, 3), UNIT)])],
        linalg.sqrtm: [(f"{sl}.sqrtm({SPD})", [((3, 3), ANY)]),
                       (f"{sl}.sqrtm({M3})", [((3, 3), UNIT)])],
        linalg.expm: [(f"{sl}.expm(x0)", [((3, 3), UNIT)]),
                      (f"{sl}.expm(x0)", [((2, 2, 2), UNIT)])],
        # its gradient's helper (rules/higher_products.py: second order through it)
        expm_grad: [("scipy_samples.expm_grad(x0, x1)", [((2, 2), ANY), ((2, 2), UNIT)])],
        linalg.solve_sylvester: [
            (f"{sl}.solve_sylvester({M3}, x1 + 2.0 * np.eye(2), x2)",
             [((3, 3), UNIT), ((2, 2), UNIT), ((3, 2), ANY)])],
        linalg.solve_banded: [
            (f"{sl}.solve_banded((1, 1), x0 + np.array([[0.0], [4.0], [0.0]]), x1)",
             [((3, 4), UNIT), ((4,), ANY)]),
            (f"{sl}.solve_banded((0, 2), x0 + np.array([[0.0], [0.0], [4.0]]), x1)",
             [((3, 4), UNIT), ((4, 2), ANY)])],
    })

try:
    import scipy.signal as signal
except ImportError:
    signal = None

if signal is not None:
    for function in (signal.convolve, signal.correlate, signal.fftconvolve):
        call = f"scipy.signal.{function.__name__}"
        SAMPLES[function] = [
            (f"{call}(x0, x1) * {W(9)}", [((7,), ANY), ((3,), ANY)]),
            (f"{call}(x0, x1, 'valid') * {W(5)}", [((7,), ANY), ((3,), ANY)]),
            (f"{call}(x0, x1, mode='valid') * {W(5)}", [((3,), ANY), ((7,), ANY)]),
            (f"{call}(x0, x1, mode='same') * {W(3, 4)}", [((3, 4), ANY), ((2, 3), ANY)]),
            (f"{call}(x0, x1, mode='same') * {W(2, 3)}", [((2, 3), ANY), ((3, 4), ANY)]),
            (f"{call}(x0, x1, mode='valid') * {W(2, 2)}", [((3, 4), ANY), ((2, 3), ANY)]),
            (f"np.abs({call}(x0 * (1.0 + 1.0j), x1 - 1.0j, mode='same')) * {W(4)}",
             [((4,), ANY), ((3,), ANY)])]
    SAMPLES[signal.convolve].append(
        (f"scipy.signal.convolve(x0, x1, method='fft') * {W(6)}", [((4,), ANY), ((3,), ANY)]))

try:
    import scipy.optimize as optimize
except ImportError:
    optimize = None
if optimize is not None:  # the Rosenbrock function and its derivatives (rules/scipy_optimize)
    SAMPLES[optimize.rosen] = [("scipy.optimize.rosen(x0)", [((5,), ANY)]),
                               (f"scipy.optimize.rosen(x0) * {W(3)}", [((4, 3), ANY)])]
    SAMPLES[optimize.rosen_der] = [(f"scipy.optimize.rosen_der(x0) * {W(5)}", [((5,), ANY)])]
    SAMPLES[optimize.rosen_hess_prod] = [
        (f"scipy.optimize.rosen_hess_prod(np.array([0.5, -1.0, 1.5, 0.2]), x0) * {W(4)}",
         [((4,), ANY)])]

try:
    import scipy.integrate as integrate
except ImportError:
    integrate = None


# right-hand sides for scipy.integrate.odeint (the generated sample modules import this one)
def linear_rhs(y, t, a):
    return a @ y


def forced_rhs(t, y, k, c):
    return -k * y + c * np.sin(3.0 * t)


def lotka_volterra(y, t, a, b):
    return np.array([a * y[0] - b * y[0] * y[1], -y[1] + b * y[0] * y[1]])


if integrate is not None:
    tight = "rtol=1e-12, atol=1e-12"
    call = "scipy.integrate.odeint"
    SAMPLES[integrate.odeint] = [
        (f"{call}(scipy_samples.linear_rhs, x0, np.linspace(0.0, 1.0, 4), args=(x1,), {tight})"
         f" * {W(4, 2)}", [((2,), ANY), ((2, 2), UNIT)]),
        (f"{call}(scipy_samples.forced_rhs, x0, np.array([0.0, 0.5, x1]), (x2, x3), "
         f"tfirst=True, {tight}) * {W(3, 3)}", [((3,), ANY), (S, (0.8, 1.2)), (S, POS), (S, ANY)]),
        (f"{call}(scipy_samples.lotka_volterra, x0, np.array([x1, 0.4, 0.9]), (x2, 0.5), "
         f"{tight}) * {W(3, 2)}", [((2,), POS), (S, (-0.2, 0.2)), (S, POS)]),
        (f"{call}(scipy_samples.linear_rhs, x0, x1, (-np.eye(2),), {tight})[-1]",
         [((2,), ANY), ((2,), ((0.0, 1.0)))])]
