"""Complex intermediates, in autograd's convention (dL/dRe - i dL/dIm for a complex z; a real
input's gradient is the real part): every function here is real-valued with real inputs, and
its gradient must match central finite differences. Complex inputs get conj-style gradients
(checked against the closed form), complex results are refused by grad."""

import math

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


# ---------------------------------------- a complex result proven a scalar
# (a reduction's result needed no check, so grad returned the real part's gradient)

def sum_of_squares(x):
    return np.sum(x ** 2)


def mean_of(x):
    return np.mean(x)


def dot_with_itself(x):
    s = 0.0
    for v in x:
        s = s + v * v
    return s


def sum_times_1j(x):
    return np.sum(x * 1j)


def fft_sum_method(x):
    return np.fft.fft(x).sum()


def sum_of_astype(x):
    return np.sum(x.astype(complex))


def sum_of_sqrt_plus_0j(x):
    return np.sum(np.sqrt(x + 0j))


def sum_with_complex_dtype(x):
    return np.sum(x, dtype=complex)


def total_then_scaled(x):
    total = np.sum(np.cos(x) * (1 + 2j))
    return total * 3.0


def scalar_power(x, y):
    return math.sin(x) * y + y ** 2


@pytest.mark.parametrize("f", [sum_of_squares, mean_of, dot_with_itself],
                         ids=lambda f: f.__name__)
def test_complex_result_of_a_complex_input_is_refused(f):
    with pytest.raises(pullback.PullbackError, match=r"real-valued(.|\n)*line \d+"):
        pullback.grad(f)(Z.copy())
    with pytest.raises(pullback.PullbackError, match="real-valued"):
        pullback.value_and_grad(f)(Z.copy())
    assert_grad_matches(f, (V.copy(),))  # the same function of a real input: differentiated


def test_complex_result_of_a_complex_scalar_is_refused():
    with pytest.raises(pullback.PullbackError, match=r"real-valued(.|\n)*y \*\* 2"):
        pullback.grad(scalar_power, wrt=1)(0.4, 0.5 + 1j)
    assert_grad_matches(scalar_power, (0.4, -1.3), wrt=(0, 1))


@pytest.mark.parametrize("f", [sum_times_1j, fft_sum_method, sum_of_astype,
                               sum_of_sqrt_plus_0j, sum_with_complex_dtype, total_then_scaled],
                         ids=lambda f: f.__name__)
def test_complex_result_of_a_real_input_is_refused(f):
    with pytest.raises(pullback.PullbackError, match=r"real-valued(.|\n)*return"):
        pullback.grad(f)(np.abs(V) + 0.5)


def abs_of_fft_sum(x):
    return np.abs(np.fft.fft(x)).sum()


def abs_squared_total(z):
    return np.sum(np.abs(z) ** 2)


def real_of_total(z):
    return np.sum(z * z).real


def norm_of_rotated(z):
    return np.linalg.norm(z * 1j) + np.var(z)


def math_of_parameters(x, y):
    return math.sin(x) * y + math.exp(y) - 2.0 * x


@pytest.mark.parametrize("f", [abs_of_fft_sum, abs_squared_total, real_of_total,
                               norm_of_rotated], ids=lambda f: f.__name__)
def test_real_valued_functions_of_complex_values_stay_differentiated(f):
    assert_grad_matches(f, (V.copy(),))
    z = Z + 0.3  # (Z sums to 0: the magnitude of fft(Z)'s first term has no derivative)
    np.testing.assert_allclose(pullback.grad(f)(z), _complex_fd(f, z), rtol=1e-6, atol=1e-8)


def test_a_result_proven_real_gets_no_check():
    # x and y reach math functions on every path: the entry check refuses a complex one
    code = pullback.source(math_of_parameters, wrt=(0, 1))
    assert "dout = 1.0" in code and "result_seed" not in code
    assert_grad_matches(math_of_parameters, (0.4, -1.3), wrt=(0, 1))
    assert "result_seed" in pullback.source(sum_of_squares)


# -- forward mode: the tangent of a real-valued reduction of complex values is real ---------

def _norm_two(z):
    return np.linalg.norm(z)


def _norm_one(z):
    return np.linalg.norm(z, 1)


def _var(z):
    return np.var(z)


def _std_method(z):
    return z.std()


def _nanvar(z):
    return np.nanvar(z)


def _mixed(z):
    return np.sum(z * z).real + np.linalg.norm(z)


@pytest.mark.parametrize("f", [_norm_two, _norm_one, _var, _std_method, _nanvar, _mixed])
def test_jvp_of_a_real_valued_reduction_of_complex_values_is_real(f):
    z = np.array([0.3 + 0.2j, -0.5 + 0.7j, 0.1 - 0.4j])
    v = np.array([1.0 + 0.5j, -0.2 + 0.3j, 0.4 + 0.1j])
    h = 1e-6
    expected = (f(z + h * v) - f(z - h * v)) / (2 * h)
    value, tangent = pullback.jvp(f)(z, v)
    assert value == pytest.approx(f(z))
    assert not np.iscomplexobj(tangent)  # it kept an imaginary part (0.76-0.06j for 0.76)
    assert tangent == pytest.approx(expected, rel=1e-6)


def test_the_tangent_of_a_real_valued_reduction_of_real_values_is_unchanged():
    x = np.array([0.3, -0.5, 1.2])
    v = np.array([1.0, -0.2, 0.4])
    h = 1e-6
    for f in (_norm_two, _norm_one, _var, _std_method, _nanvar):
        expected = (f(x + h * v) - f(x - h * v)) / (2 * h)
        assert pullback.jvp(f)(x, v)[1] == pytest.approx(expected, rel=1e-6)


# -- math casts NumPy's complex scalars to their real part: refused, never differentiated ------
# (math.sin(np.complex128(1+0.5j)) is sin(1), with NumPy's ComplexWarning; the derivative
# rules would read the complex value: math.log(z)'s adjoint g / z gave 0.4-0.2j for 0.5)

def _sin_plus(z):
    return math.sin(z) + z


def _log_of(z):
    return math.log(z)


def _hypot_of(z):
    return math.hypot(z, 1.0)


def _log_of_shifted_sum(x):  # a real input, a complex intermediate
    return math.log(np.sum(x) + 1j)


def _log_of_shifted(x):
    return math.log(x + 1j)


def _pow_of_rotated(x):
    return math.pow(np.sum(x) * (1 + 1j), 2)


def _log_in_a_loop(x):
    s = 0.0
    for i in range(len(x)):
        s = s + math.log(x[i] + 2.0)
    return s


def _log_in_a_branch(x, flag):
    if flag:
        return math.log(x * 2.0) + 1.0
    return 1.0


def _scalar_in_a_loop(z, n):
    for _ in range(n):
        z = z + 0.1 * math.sin(z)
    return z


CAST_CASES = [
    (_sin_plus, (np.complex128(1 + 0.5j),)),
    (_sin_plus, (np.complex64(1 + 0.5j),)),
    (_sin_plus, (np.clongdouble(1 + 0.5j),)),
    (_log_of, (np.complex128(2 + 1j),)),
    (_hypot_of, (np.complex128(2 + 1j),)),
    (_log_of_shifted_sum, (np.array([1.0, 2.0]),)),
    (_log_of_shifted, (np.float64(2.0),)),
    (_pow_of_rotated, (np.array([1.0, 2.0]),)),
    (_log_in_a_loop, (np.array([1.0 + 1j, 2.0]),)),
    (_log_in_a_branch, (np.complex128(2 + 1j), True)),
    (_scalar_in_a_loop, (np.complex128(2 + 1j), 3)),
]


@pytest.mark.filterwarnings("ignore::numpy.exceptions.ComplexWarning")
@pytest.mark.parametrize("f,args", CAST_CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_a_complex_number_a_math_function_casts_is_refused(f, args):
    f(*args)  # runs, casting to real
    # (a parameter the gradient takes for a scalar is refused by that entry check)
    refused = r"math function here takes a complex|scalar \w+.*complex"
    with pytest.raises(pullback.PullbackError, match=refused):
        pullback.grad(f)(*args)
    with pytest.raises(pullback.PullbackError, match=refused):
        pullback.jvp(f)(*args, np.ones_like(args[0]))


@pytest.mark.parametrize("f,args", [
    (_sin_plus, (0.7,)), (_sin_plus, (np.float64(0.7),)), (_log_of, (2.0,)),
    (_hypot_of, (np.float64(1.5),)),
    (_log_in_a_loop, (np.array([1.0, 2.0]),)), (_log_in_a_branch, (2.0, True)),
    (_scalar_in_a_loop, (0.4, 3)),
], ids=lambda c: getattr(c, "__name__", ""))
def test_real_numbers_given_to_math_functions_stay_differentiated(f, args):
    assert_grad_matches(f, args, rtol=1e-4)


@pytest.mark.filterwarnings("ignore::numpy.exceptions.ComplexWarning")
def test_the_real_part_taken_first_is_differentiated():
    z = np.complex128(0.6 - 0.3j)
    # L = sin(Re z) + Re z: dL/dRe - i dL/dIm = cos(0.6) + 1
    assert pullback.grad(lambda z: math.sin(np.real(z)) + z.real)(z) == pytest.approx(
        math.cos(0.6) + 1.0)
    assert pullback.grad(lambda z: float(z) * 2.0)(z) == pytest.approx(2.0)


def _complex_part_in_a_loop(v):
    for _ in range(1):  # found by the open-world fuzzer (seed 2020, program 3312)
        re = float(np.sum(v * 0.5j))
        th = np.sum(np.tanh(v).astype(float))
    return re + th


def _complex_factor_in_a_loop(v):
    s = 0.0
    for _ in range(3):
        s = s + np.sum(np.tanh(v)) + float(np.sum(v * (1.0 + 0.5j)))
    return s


def _complex_array_in_a_loop(v):
    s = 0.0
    w = v * np.exp(1j * np.arange(3.0))
    for _ in range(2):
        s = s + np.sum(v ** 2) + np.sum(np.abs(w))
    return s


@pytest.mark.filterwarnings("ignore::numpy.exceptions.ComplexWarning")
@pytest.mark.parametrize("f", [_complex_part_in_a_loop, _complex_factor_in_a_loop,
                               _complex_array_in_a_loop], ids=lambda f: f.__name__)
def test_complex_gradients_accumulate_in_loops_over_real_ones(f):
    # A loop's gradient of a real array that first gets a real part and then a complex
    # one is not accumulated in place (a real array's += cannot take a complex value).
    assert_grad_matches(f, (np.array([0.8, -0.9, -1.3]),), rtol=1e-5)
