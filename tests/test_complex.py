"""Complex intermediates, in autograd's convention (dL/dRe - i dL/dIm for a complex z; a real
input's gradient is the real part): every function here is real-valued with real inputs, and
its gradient must match central finite differences. Complex inputs get conj-style gradients
(checked against the closed form), complex results are refused by grad."""

import numpy as np
import pytest
from fd import assert_grad_matches

import pullback

V = np.array([0.3, -0.8, 1.1])


def abs_shifted(x):
    return np.abs(x * 1j + 2)


def abs_of_phase(x):
    return np.abs(np.exp(1j * x) + 0.5)


def builtin_abs(x):
    return abs(x * (1 + 2j)) + np.sin(x)


def real_part(x):
    return np.real(np.exp(1j * x) * (1 + 2j))


def imag_part(x):
    return np.imag(np.exp(1j * x) * x)


def attributes(x):
    return (np.exp(1j * x) * x).real + (x * (1 + 1j)).imag


def conjugate_method(x):
    return np.real((x * (1 + 1j) + 1j).conjugate() * 1j)


def conj_method_of_array(v):
    return np.sum(np.real((v * (1 + 1j) + 1j).conj() * (2 + 1j)) ** 2)


def angle(x):
    return np.angle(x + 2j)


def angle_degrees(x):
    return np.angle(x * (1 - 1j) + 0.5j, deg=True)


def abs_squared_sum(v):
    z = v * (1 + 1j)
    return np.sum(np.abs(z) ** 2)


def norm(v):
    return np.linalg.norm(v * (1 + 2j)) + np.linalg.norm(v * 1j, 1) + np.linalg.norm(v, np.inf)


def variance(v):
    return np.var(v * (1 + 2j) + np.array([1j, 2, 3])) + np.std(np.exp(1j * v))


def vdot(v):
    w = np.array([1j, 2, 3])
    return np.real(np.vdot(v * (1 + 1j), w)) + np.imag(np.vdot(w, v * (2 - 1j)))


def from_parts(x, y):
    z = complex(x, 2.0 * y)
    return abs(z * z + 1) + np.real(np.exp(z))


def real_of_real_result(v):
    # the imaginary part of the cotangent of |z| cannot vary: 1j * |z| has a real part 0
    return np.real(1j * np.sum(np.abs(v * (1 + 1j)))) + np.sum(np.abs(v * 1j) * 0.5)


def complex_in_loop(v):
    z = 0j
    for i in range(3):
        z = z * (0.5 + 0.5j) + v[i]
    return np.abs(z)


def complex_buffer(v):
    b = np.zeros(3, dtype=complex)
    b[0] = v[0] * 1j
    b[1] = v[1] + v[2] * 2j
    return np.sum(np.abs(b) ** 2)


SCALARS = [abs_shifted, abs_of_phase, builtin_abs, real_part, imag_part, attributes,
           conjugate_method, angle, angle_degrees]
ARRAYS = [abs_squared_sum, norm, variance, vdot, real_of_real_result, complex_in_loop,
          complex_buffer, conj_method_of_array]


@pytest.mark.parametrize("f", SCALARS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", [-0.7, 0.4])
def test_scalar_input(f, x):
    assert_grad_matches(f, (x,))


@pytest.mark.parametrize("f", ARRAYS, ids=lambda f: f.__name__)
def test_array_input(f):
    assert_grad_matches(f, (V.copy(),))


def test_two_real_parts():
    assert_grad_matches(from_parts, (0.3, -0.4), wrt=(0, 1))


def test_gradient_of_a_real_input_is_real():
    g = pullback.grad(abs_squared_sum)(V.copy())
    assert g.dtype == np.float64
    assert isinstance(pullback.grad(abs_shifted)(0.5), float)


def test_complex_input_follows_autograd_convention():
    def f(z):
        return np.abs(z) ** 2 + np.real(z)

    z = 1 + 2j
    assert pullback.grad(f)(z) == pytest.approx(2 * np.conj(z) + 1)


def test_complex_result_is_refused_with_its_line():
    def f(x):
        return x * 1j

    with pytest.raises(pullback.PullbackError, match=r"real-valued(.|\n)*return x \* 1j"):
        pullback.grad(f)(0.5)


def test_slogdet_of_complex_is_refused():
    def f(x):
        return np.linalg.slogdet(np.eye(2) * (1 + 1j) * x)[1]

    with pytest.raises(pullback.PullbackError, match="complex"):
        pullback.grad(f)(0.5)


# ---------------------------------------- copies and reductions of complex arrays
# (rules that once dropped the imaginary part of g: np.pad, np.repeat, np.sinc, nanvar)

Z = np.array([0.4 + 0.3j, -1.1 + 0.2j, 0.7 - 0.5j])


def _complex_fd(f, z):
    from fd import numeric_grad
    d_re = numeric_grad(lambda re: f(re + 1j * z.imag), (z.real.copy(),))
    d_im = numeric_grad(lambda im: f(z.real + 1j * im), (z.imag.copy(),))
    return d_re - 1j * d_im


def pad_constant(z):
    return np.sum(np.abs(np.pad(z, (1, 2)) - 0.3j) ** 2 * np.arange(6.0))


def pad_reflect(z):
    return np.sum(np.real(np.pad(z, 2, mode="reflect") * np.exp(0.5j * np.arange(7.0))))


def pad_edge_2d(z):
    return np.sum(np.imag(np.pad(np.outer(z, z), ((0, 1), (1, 0)), mode="edge")))


def repeat_flat(z):
    return np.sum(np.real(np.repeat(z, 2) * np.exp(1j * np.arange(6.0))))


def repeat_axis(z):
    return np.sum(np.abs(np.repeat(np.outer(z, z), [1, 2, 3], axis=1)) ** 2)


def sinc_complex(z):
    return np.sum(np.real(np.sinc(z) * (1.0 - 2.0j)))


def nanvar_complex(z):
    return np.nanvar(np.r_[z, np.nan, z * 1j]) + np.nanstd(np.outer(z, z), axis=0, ddof=1)[1]


def r_complex(z):
    return np.sum(np.abs(np.r_[z, 2.0, z * (1.0 + 1j)]) ** 2)


@pytest.mark.parametrize("f", [pad_constant, pad_reflect, pad_edge_2d, repeat_flat,
                               repeat_axis, sinc_complex, nanvar_complex, r_complex],
                         ids=lambda f: f.__name__)
def test_copies_and_reductions_of_complex_inputs(f):
    np.testing.assert_allclose(pullback.grad(f)(Z.copy()), _complex_fd(f, Z), rtol=1e-6,
                               atol=1e-8)


@pytest.mark.parametrize("f", [pad_constant, repeat_axis, sinc_complex, nanvar_complex],
                         ids=lambda f: f.__name__)
def test_copies_of_complex_intermediates_of_a_real_input(f):
    assert_grad_matches(lambda v: f(v * (1.0 + 0.5j) + 0.2j), (V.copy(),))
