"""np.polyfit at second order in x, in the weights w and mixed with y (hessian, hvp and
grad of grad), for one and several right-hand sides, against central differences of
the gradient; a third derivative is refused."""

import numpy as np
import pytest

import pullback

XS = np.linspace(0, 1, 6)
YS = np.sin(3 * XS)
WS = np.linspace(0.5, 1.5, 6)
Y2 = np.stack([YS, np.cos(XS)], 1)
V = np.linspace(-1, 1, 6)


def fd_jacobian(g, a, eps=1e-6):
    cols = []
    for i in range(a.size):
        e = np.zeros(a.size)
        e[i] = eps
        cols.append((g(a + e) - g(a - e)) / (2 * eps))
    return np.stack(cols, -1)


def in_x(x):
    return np.sum(np.polyfit(x, YS, 2) ** 2 * np.arange(1, 4))


def in_w(w):
    return np.sum(np.sin(np.polyfit(XS, YS, 2, w=w)))


def x_everywhere(x):
    return np.sum(np.polyfit(x, YS * x, 3, w=x + 1) ** 2)


def columns_in_x(x):
    return np.sum(np.polyfit(x, Y2, 2) ** 3)


def columns_in_w(w):
    c = np.polyfit(XS, Y2, 1, w=w * w)
    return np.sum(c ** 2)


def by_keyword(x):
    fit = np.polyfit(x=x, y=YS, deg=1, w=np.exp(x))
    return fit[0] * fit[1] + np.polyval(fit, 0.5) ** 2


CASES = [(in_x, XS), (in_w, WS), (x_everywhere, XS), (columns_in_x, XS),
         (columns_in_w, WS), (by_keyword, XS)]


@pytest.mark.parametrize("f, a", CASES, ids=[f.__name__ for f, _ in CASES])
def test_second_order(f, a):
    expected = fd_jacobian(pullback.grad(f), a)
    scale = np.abs(expected).max()
    H = pullback.hessian(f)(a)
    np.testing.assert_allclose(H, expected, rtol=1e-5, atol=1e-6 * scale)
    np.testing.assert_allclose(H, H.T, atol=1e-8 * scale)
    np.testing.assert_allclose(pullback.hvp(f)(a, V), expected @ V, rtol=1e-5,
                               atol=1e-6 * scale)
    twice = pullback.grad(lambda q: pullback.grad(f)(q) @ V)(a)
    np.testing.assert_allclose(twice, expected.T @ V, rtol=1e-5, atol=1e-6 * scale)


def test_mixed_blocks_x_y_w():
    def fit(x, y, w):
        return np.sum(np.polyfit(x, y, 2, w=w) ** 2)

    H = pullback.hessian(fit, wrt=(0, 1, 2))(XS, YS, WS)
    g = pullback.grad(fit, wrt=(0, 1, 2))
    args = [XS, YS, WS]
    for i in range(3):
        for j in range(3):
            def grad_i(a, i=i, j=j):
                given = list(args)
                given[j] = a
                return g(*given)[i]
            expected = fd_jacobian(grad_i, args[j])
            np.testing.assert_allclose(H[i][j], expected, rtol=1e-5,
                                       atol=1e-6 * np.abs(expected).max())


GRAD_IN_X = pullback.grad(in_x)


def directional(x):
    return GRAD_IN_X(x) @ V


def test_third_order_refused():
    with pytest.raises(pullback.PullbackError) as info:
        pullback.hessian(directional)(XS)
    assert "no derivative rule" in str(info.value)  # (a helper of the second order)
