"""Second order of functions whose gradient accumulates into one slot-indexed gradient
both inside an inner loop and after it, in an outer loop (an IIR filter's feed-forward
taps, a polynomial's coefficients): the gradient's `db = accum_index(db, b, k, g)` in the
inner loop reads the inner loop's entry copy, which each outer trip binds anew before the
inner loop runs, so the write after the inner loop is not seen stale there. hvp and
hessian used to refuse these ("'db' is read after accum_index wrote into it")."""

import numpy as np
import pytest
from fd import assert_grad_matches
from test_higher import check_second_order


def iir_filter(b, a, x):
    y = np.zeros_like(x)
    for n in range(len(x)):
        acc = b[0] * x[n]
        for k in range(1, len(b)):
            if n - k >= 0:
                acc += b[k] * x[n - k]
        for k in range(1, len(a)):
            if n - k >= 0:
                acc -= a[k] * y[n - k]
        y[n] = acc / a[0]
    return np.sum(y ** 2)


def poly_sum(p, x):
    s = 0.0
    for i in range(len(x)):
        s = s * p[0] + x[i]  # p[0] read ahead of the inner loop: its gradient after it
        for k in range(1, len(p)):
            s += p[k] * x[i] ** k
    return s ** 2


def while_taps(w, x):
    total = 0.0
    i = 0
    while i < len(x):
        total = total * w[0] + x[i]
        j = 1
        while j < len(w):
            total = total + w[j] * np.sin(x[i] * j)
            j += 1
        i += 1
    return total ** 2


def taps_over_list(w, xs):
    out = []
    for x in xs:
        acc = w[0] * x
        for k, wk in enumerate(w[1:]):
            acc = acc + wk * x ** (k + 2)
        out.append(acc * w[-1])
    return sum(o * o for o in out)


CASES = [
    (iir_filter, lambda r: (np.array([0.5, 0.3, -0.2]), np.array([1.0, -0.4, 0.1]),
                            r.normal(size=6))),
    (poly_sum, lambda r: (r.normal(size=3) * 0.5, r.normal(size=4) * 0.5)),
    (while_taps, lambda r: (r.normal(size=3), r.normal(size=4))),
    (taps_over_list, lambda r: (r.normal(size=3), list(r.normal(size=3)))),
]


@pytest.mark.parametrize("fn, make", CASES, ids=[c[0].__name__ for c in CASES])
def test_gradient_and_second_order(fn, make):
    rng = np.random.default_rng(3)
    args = make(rng)
    assert_grad_matches(fn, args)
    check_second_order(fn, args, rng, nonzero=True)
