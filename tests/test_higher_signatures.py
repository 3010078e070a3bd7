"""Forward mode and second order of the functions benchmark suites and SciPy users
write: bound methods and callable objects (`hessian(problem.fun)`), and functions whose
signature takes `*args` / `**kwargs` (`fun(self, x, *args)`), differentiated with respect
to a named parameter. A wrt entry counted into `*args` is refused by forward mode, with
the function's line: never a tangent of zero."""

import numpy as np
import pytest
from fd import assert_grad_matches

import pullback

RNG = np.random.default_rng(11)


class Objective:
    """The scipy benchmark spelling: a counter, extra arguments passed on."""

    def __init__(self, scale):
        self.scale = scale
        self.nfev = 0

    def fun(self, x, *args):
        self.nfev += 1
        shift = args[0] if args else 0.0
        return self.scale * np.sum(np.sin(x) * (x - shift) ** 2)

    def __call__(self, x, weight=1.0, **options):
        power = options.get("power", 3)
        return weight * np.sum(np.cos(x * self.scale) + x ** power)


def _fd_hessian(f, x, *rest, **kw):
    """Central differences of pullback's gradient (itself checked against differences of
    f in the first-order tests), float64."""
    grad = pullback.grad(f)
    h = 1e-6
    return np.array([(grad(x + h * e, *rest, **kw) - grad(x - h * e, *rest, **kw)) / (2 * h)
                     for e in np.eye(x.size)])


def _closed_hessian(x, scale, shift):  # d2/dx2 of scale * sin(x) * (x - shift)^2
    u = x - shift
    return np.diag(scale * (-np.sin(x) * u ** 2 + 4 * np.cos(x) * u + 2 * np.sin(x)))


def test_hessian_hvp_jvp_jacobian_of_a_bound_method_with_star_args():
    problem, x, v = Objective(1.5), RNG.normal(size=4), RNG.normal(size=4)
    expected = _closed_hessian(x, 1.5, 0.25)
    assert np.allclose(pullback.hessian(problem.fun)(x, 0.25), expected)
    assert problem.nfev == 1  # one run of f's body, as f would count it
    assert np.allclose(pullback.hvp(problem.fun)(x, 0.25, v), expected @ v)
    value, tangent = pullback.jvp(problem.fun)(x, 0.25, v)
    assert np.isclose(value, problem.fun(x, 0.25))
    assert np.isclose(tangent, pullback.grad(problem.fun)(x, 0.25) @ v)
    # no extra argument: args is empty
    assert np.allclose(pullback.hessian(problem.fun)(x), _closed_hessian(x, 1.5, 0.0))
    rows = pullback.jacobian(problem.fun)(x, 0.25)
    assert np.allclose(rows, pullback.grad(problem.fun)(x, 0.25))


def test_a_callable_object_with_keywords_and_star_star_kwargs():
    model, x = Objective(0.7), RNG.normal(size=3)
    h = pullback.hessian(model)(x, 2.0, power=4)
    assert np.allclose(h, np.diag(2.0 * (-0.49 * np.cos(0.7 * x) + 12 * x ** 2)))
    assert np.allclose(h, _fd_hessian(model, x, 2.0, power=4), atol=1e-4)
    assert np.allclose(pullback.hessian(model, wrt="x")(x), np.diag(
        -0.49 * np.cos(0.7 * x) + 6 * x))


def spread(x, *args, **kwargs):
    total = np.sum(np.exp(x * args[0]))
    for k in range(len(args) - 1):
        total = total + args[k + 1] * np.sum(x ** (k + 2))
    return total * kwargs.get("scale", 1.0)


@pytest.mark.parametrize("extra", [(0.5,), (0.5, 2.0), (-1.0, 0.3, 0.2)])
def test_star_args_functions_in_forward_mode_and_second_order(extra):
    x, v = RNG.normal(size=3), RNG.normal(size=3)
    g = assert_grad_matches(spread, (x, *extra), kwargs={"scale": 1.5})
    assert np.isclose(pullback.jvp(spread)(x, *extra, v, scale=1.5)[1], g @ v)
    h = pullback.hessian(spread)(x, *extra, scale=1.5)
    assert np.allclose(h, _fd_hessian(spread, x, *extra, scale=1.5), atol=1e-4)
    assert np.allclose(pullback.hvp(spread)(x, *extra, v, scale=1.5), h @ v)
    assert np.allclose(pullback.jacobian(spread, mode="fwd")(x, *extra, scale=1.5), g)


def test_forward_mode_with_respect_to_a_star_args_entry_is_refused_located():
    with pytest.raises(pullback.NoRuleError, match=r"\*args or \*\*kwargs") as info:
        pullback.jvp(spread, wrt=1)(np.ones(2), 0.5, 1.0)
    assert "def spread(x, *args, **kwargs):" in str(info.value)
    assert "test_higher_signatures.py" in str(info.value)
    # reverse mode differentiates it (counted as passed: wrt=1 is args[0])
    g = pullback.grad(spread, wrt=1)(np.ones(2), 0.5)
    assert np.isclose(g, 2 * np.exp(0.5))


def hartmann_like(x):
    """The spelling of SciPy's Hartmann3/6 and Schwefel02 objectives: np.atleast_2d of the
    point (forward mode had no tangent for it, so their Hessians were refused)."""
    X = np.atleast_2d(x)
    inner = np.sum(np.atleast_1d(np.array([1.0, 0.5, 2.0])) * (X - 0.3) ** 2, axis=1)
    return -np.sum(np.exp(-inner)) + np.sum(np.atleast_3d(x) ** 3)


def test_atleast_nd_in_forward_mode_and_second_order():
    x = RNG.normal(size=3)
    v = RNG.normal(size=3)
    g = assert_grad_matches(hartmann_like, (x,))
    assert np.isclose(pullback.jvp(hartmann_like)(x, v)[1], g @ v)
    h = pullback.hessian(hartmann_like)(x)
    assert np.allclose(h, _fd_hessian(hartmann_like, x), atol=1e-5)
    assert np.allclose(pullback.jacobian(hartmann_like, mode="fwd")(x), g)


def largest_term(x):
    """max over a list of values (SciPy's Schwefel06, Schwefel21, OddSquare, Zimmerman
    spell their objectives so): the picked term's Hessian, the others' zero."""
    terms = [np.sum(x ** 2), np.sum(np.sin(x)) + 3.0, x[0] * x[1]]
    return max(terms) + min(x[0] ** 3, x[1] * 2.0)


def test_max_and_min_over_values_at_second_order():
    x = np.array([1.5, -0.4, 0.7])
    g = assert_grad_matches(largest_term, (x,))
    h = pullback.hessian(largest_term)(x)
    assert np.allclose(h, _fd_hessian(largest_term, x), atol=1e-5)
    assert np.allclose(h, np.diag(-np.sin(x)))  # the sines' term is the largest; 2 x[1] the min
    v = np.array([0.3, 1.0, -2.0])
    assert np.allclose(pullback.hvp(largest_term)(x, v), h @ v)
    assert np.isclose(pullback.jvp(largest_term)(x, v)[1], g @ v)
