"""Higher order by composition: generated code differentiated again. A second-order corpus
(straight-line code, branches, loops, in-place writes, calls, NumPy) checks `hvp`,
`hessian`, `grad(grad(f))` and reverse over reverse (`vjp(grad(f))`)
against central finite differences of the gradient and against closed forms; the
helpers generated code calls keep being refused where they have no rule."""

from __future__ import annotations

import math

import numpy as np
import pytest

import pullback
from pullback.runtime.helpers import accum_index, take_slot_grad

# ---------------------------------------------------------------- the corpus


def lecture(x, y, z):
    a = x**2
    b = math.exp(z)
    c = y * b
    d = a + c
    e = math.sin(d)
    return e + z


def branches(x, y):
    if x > 0.0:
        r = x**3 * y
    else:
        r = math.sin(x) * y**2
    if y < 1.0:
        r = r + math.exp(x * y)
    return r


def scalar_loop(x, a):
    for _ in range(20):
        x = x + 0.05 * a * math.sin(x)
    return x


def while_loop(x):
    s = 0.0
    k = 0
    while k < 4:
        s = s + math.cos(s + x) * x
        k += 1
    return s


def inplace(x):
    y = np.zeros(3)
    for i in range(3):
        y[i] = x[i] * x[(i + 1) % 3]
    return np.sum(y * y) + np.sum(np.sin(x))


def _inner(u, w):
    return np.tanh(u) * w


def calls(x, w):
    h = _inner(x, w)
    return np.sum(_inner(h, x) ** 2)


def mlp(W, b, X):
    h = np.tanh(X @ W + b)
    z = h @ np.array([0.5, -1.0])
    return np.mean(z**2) + np.max(h)


def reductions(x):
    m = np.mean(x, axis=1)
    return np.sum(np.exp(m) * np.sum(x**3, axis=0)[: 2])


def indexing(x):
    s = 0.0
    for i in range(3):
        s = s + x[i] * x[i + 1] ** 2
    return s + x[0] ** 3


def carried(x):  # the gradient of y starts as the number 0.0 and becomes an array
    s = 0.0
    y = x * 1.0
    for i in range(3):
        s = s + y[i] * np.sum(y * x)
        y = y * x[i]
    return s


def nested(x):  # the gradient puts the inner loop's record list into the outer record
    s = 0.0
    for i in range(3):
        for j in range(len(x)):
            s = s + np.sin(x[j]) * (i + 1)
    return s


def nested_scalar(x, a):  # the record holds the inner list alone, not in a tuple
    s = 0.0
    for i in range(3):
        for j in range(4):
            s = s + math.sin(x * j + a) * (i + 1)
    return s


def nested_while(x):
    s = 0.0
    for _ in range(3):
        k = 0
        while k < 3:
            s = s + math.cos(s + x * k) * x
            k += 1
    return s


def nested_inplace(x):
    y = np.zeros(3)
    for i in range(2):
        for j in range(3):
            y[j] = y[j] + x[j] * x[(j + i) % 3]
    return np.sum(y**2)


def nested_three(x):  # records of records of records
    s = 0.0
    for i in range(2):
        for j in range(2):
            for v in x:
                s = s + v * np.tanh(s + i - j)
    return s


def _stepped(u, w):  # a branch in a loop: its split backward pops the branch tape
    t = 0.0
    for k in range(3):
        if u * k > 0.5:
            t = t + u * w * k
        else:
            t = t + math.sin(u + k) * w
    return t


def called_in_a_loop(x, w):
    s = 0.0
    for i in range(4):
        s = s + _stepped(x * i - 1.0, w)
    return s


def _recurrence(u, w):  # a loop alone: its record list goes to the backward function
    t = 0.0
    for k in range(3):
        t = t + math.sin(u + k) * w * t + u
    return t


def called_with_a_loop(x, w):
    s = 0.0
    for i in range(4):
        s = s + _recurrence(x * i - 1.0, w)
    return s


def _stepped_arrays(u, w):
    t = u * 0.0
    for k in range(3):
        if np.sum(u) * k > 0.5:
            t = t + u * w * k
        else:
            t = t + np.sin(u + k) * w
    return t


def called_on_arrays(x, w):  # the gradient accumulates dx += ... and returns it after
    s = 0.0
    for i in range(3):
        s = s + np.sum(_stepped_arrays(x * i - 0.5, w) ** 2)
    return s


def _nested_sine(u, n):
    if n == 0:
        return u
    return math.sin(_nested_sine(u, n - 1)) * u


def called_recursively(x):
    s = 0.0
    for i in range(3):
        s = s + _nested_sine(x + i, 3)
    return s


def _pos(rng, *shape):
    return rng.uniform(0.5, 1.5, size=shape) if shape else float(rng.uniform(0.5, 1.5))


def _any(rng, *shape):
    return rng.uniform(-1.0, 1.0, size=shape) if shape else float(rng.uniform(-1.0, 1.0))


# (function, make_args(rng), wrt)
CORPUS = [
    (lecture, lambda r: (_any(r), _any(r), _any(r)), (0, 1, 2)),
    (branches, lambda r: (_any(r), _pos(r)), (0, 1)),
    (branches, lambda r: (-_pos(r), _pos(r) / 2), (0, 1)),
    (scalar_loop, lambda r: (_pos(r), _pos(r)), (0, 1)),
    (while_loop, lambda r: (_any(r),), 0),
    (inplace, lambda r: (_any(r, 3),), 0),
    (calls, lambda r: (_any(r, 3), _any(r, 3)), (0, 1)),
    (mlp, lambda r: (_any(r, 3, 2), _any(r, 2), _any(r, 4, 3)), (0, 1)),
    (reductions, lambda r: (_any(r, 2, 3),), 0),
    (indexing, lambda r: (_any(r, 4),), 0),
    (carried, lambda r: (_any(r, 4),), 0),
    (nested, lambda r: (_any(r, 3),), 0),
    (nested_scalar, lambda r: (_any(r), _any(r)), (0, 1)),
    (nested_while, lambda r: (_any(r),), 0),
    (nested_inplace, lambda r: (_any(r, 3),), 0),
    (nested_three, lambda r: (_any(r, 3),), 0),
    (called_in_a_loop, lambda r: (_any(r), _any(r)), (0, 1)),
    (called_with_a_loop, lambda r: (_any(r), _any(r)), (0, 1)),
    (called_on_arrays, lambda r: (_any(r, 3), _any(r)), (0, 1)),
    (called_recursively, lambda r: (_any(r),), 0),
]
IDS = [f"{fn.__name__}-{k}" for k, (fn, _, _) in enumerate(CORPUS)]


def _flat(value):
    """A tuple of gradients (or one gradient) as one flat vector."""
    parts = value if isinstance(value, tuple) else (value,)
    return np.concatenate([np.ravel(np.asarray(p, dtype=float)) for p in parts])


def _with(args, wrt, vector):
    """args with the wrt arguments moved along `vector` (flat, in wrt order)."""
    out = list(args)
    at = 0
    for k in (wrt if isinstance(wrt, tuple) else (wrt,)):
        size = np.size(args[k])
        step = vector[at:at + size]
        out[k] = args[k] + (step.reshape(np.shape(args[k])) if np.ndim(args[k]) else step[0])
        at += size
    return tuple(out)


def _split(vector, args, wrt):
    """A flat vector in the structure of the wrt arguments (a tuple for a tuple wrt)."""
    parts, at = [], 0
    for k in (wrt if isinstance(wrt, tuple) else (wrt,)):
        size = np.size(args[k])
        part = vector[at:at + size]
        parts.append(part.reshape(np.shape(args[k])) if np.ndim(args[k]) else float(part[0]))
        at += size
    return tuple(parts) if isinstance(wrt, tuple) else parts[0]


def _fd_hessian(fn, args, wrt, h=1e-5):
    """Central differences of pullback's (FD-tested) gradient: one column per input entry."""
    gradient = pullback.grad(fn, wrt=wrt)
    n = _flat(tuple(args[k] for k in (wrt if isinstance(wrt, tuple) else (wrt,)))).size
    columns = []
    for j in range(n):
        e = np.zeros(n)
        e[j] = h
        columns.append((_flat(gradient(*_with(args, wrt, e)))
                        - _flat(gradient(*_with(args, wrt, -e)))) / (2 * h))
    return np.stack(columns, axis=1)


def _hessian_matrix(value, args, wrt):
    """pullback.hessian's result (an array, or a tuple of rows of blocks) as one matrix."""
    if not isinstance(wrt, tuple):
        n = np.size(args[wrt])
        return np.reshape(value, (n, n))
    sizes = [np.size(args[k]) for k in wrt]
    return np.block([[np.reshape(b, (sizes[i], sizes[j])) for j, b in enumerate(row)]
                     for i, row in enumerate(value)])


def check_second_order(fn, args, rng, nonzero=False):
    """hessian and hvp of fn (first argument) against central differences of its gradient;
    with `nonzero`, the Hessian there must not vanish (so the check checks something)."""
    expected = _fd_hessian(fn, args, 0)
    if nonzero:
        assert np.any(np.abs(expected) > 1e-3)  # a second derivative there is to check
    H = _hessian_matrix(pullback.hessian(fn)(*args), args, 0)
    np.testing.assert_allclose(H, expected, rtol=1e-5, atol=1e-6)
    v = rng.normal(size=expected.shape[0])
    hv = pullback.hvp(fn)(*args, _split(v, args, 0))
    np.testing.assert_allclose(_flat(hv), expected @ v, rtol=1e-5, atol=1e-6)


def check_reverse_over_reverse(fn, args):
    """vjp of grad(fn), row by row, against central differences of the gradient."""
    expected = _fd_hessian(fn, args, 0)
    reverse = pullback.vjp(pullback.grad(fn))
    rows = [_flat(reverse(*args, _split(e, args, 0))) for e in np.eye(expected.shape[0])]
    np.testing.assert_allclose(np.stack(rows), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("index", range(len(CORPUS)), ids=IDS)
def test_hessian_and_hvp_match_differences_of_the_gradient(index):
    fn, make, wrt = CORPUS[index]
    rng = np.random.default_rng(index)
    args = make(rng)
    expected = _fd_hessian(fn, args, wrt)
    H = _hessian_matrix(pullback.hessian(fn, wrt=wrt)(*args), args, wrt)
    np.testing.assert_allclose(H, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(H, H.T, rtol=1e-9, atol=1e-9)  # the same sweeps, symmetric
    v = rng.normal(size=expected.shape[0])
    hv = pullback.hvp(fn, wrt=wrt)(*args, _split(v, args, wrt))
    np.testing.assert_allclose(_flat(hv), expected @ v, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("index", range(len(CORPUS)), ids=IDS)
def test_reverse_over_reverse_matches_differences_of_the_gradient(index):
    fn, make, wrt = CORPUS[index]
    args = make(np.random.default_rng(100 + index))
    expected = _fd_hessian(fn, args, wrt)
    reverse = pullback.vjp(pullback.grad(fn, wrt=wrt), wrt=wrt)
    rows = [_flat(reverse(*args, _split(e, args, wrt))) for e in np.eye(expected.shape[0])]
    np.testing.assert_allclose(np.stack(rows), expected, rtol=1e-5, atol=1e-6)


def test_grad_of_grad_in_closed_form():
    def f(x):
        return math.sin(x) * x**3

    def f2(x):  # f''
        return -math.sin(x) * x**3 + 6 * x**2 * math.cos(x) + 6 * x * math.sin(x)

    def f3(x):  # f'''
        return (-math.cos(x) * x**3 - 9 * x**2 * math.sin(x) + 18 * x * math.cos(x)
                + 6 * math.sin(x))

    second = pullback.grad(pullback.grad(f))
    third = pullback.grad(pullback.grad(pullback.grad(f)))
    for x in (0.3, -1.1, 2.0):
        assert second(x) == pytest.approx(f2(x), rel=1e-12)
        assert third(x) == pytest.approx(f3(x), rel=1e-10)
        # forward over reverse, and forward over forward, agree
        assert pullback.jvp(pullback.grad(f))(x, 1.0)[1] == pytest.approx(f2(x), rel=1e-12)
        assert pullback.hvp(f)(x, 2.0) == pytest.approx(2.0 * f2(x), rel=1e-12)


def test_grad_of_grad_of_a_loop_and_a_diagonal_sum():
    def loop(x):
        for _ in range(5):
            x = x * x * 0.5 + x
        return x

    h = 1e-5
    for x in (0.2, 0.7):
        expected = (pullback.grad(loop)(x + h) - pullback.grad(loop)(x - h)) / (2 * h)
        assert pullback.grad(pullback.grad(loop))(x) == pytest.approx(expected, rel=1e-6)

    def energy(x):
        return np.sum(np.sin(x) * x)

    x = np.array([0.3, -0.4, 1.2])
    H = pullback.hessian(energy)(x)
    np.testing.assert_allclose(np.diag(H), 2 * np.cos(x) - x * np.sin(x), rtol=1e-12)
    np.testing.assert_allclose(H - np.diag(np.diag(H)), 0.0, atol=1e-15)


def test_hvp_takes_wrt_by_name_and_tuple():
    def f(x, y):
        return np.sum(x**2 * y) + y**3

    x, y = np.array([1.0, 2.0]), 0.5
    v = np.array([0.3, -0.7])
    np.testing.assert_allclose(pullback.hvp(f, wrt="x")(x, y, v), 2 * y * v)
    hx, hy = pullback.hvp(f, wrt=("x", "y"))(x, y, (v, 1.5))
    np.testing.assert_allclose(hx, 2 * y * v + 2 * x * 1.5)
    assert hy == pytest.approx(np.sum(2 * x * v) + 6 * y * 1.5)
    Hxx, Hxy = pullback.hessian(f, wrt=(0, 1))(x, y)[0]
    np.testing.assert_allclose(Hxx, 2 * y * np.eye(2))
    np.testing.assert_allclose(Hxy, 2 * x)
    assert pullback.hessian(f, wrt=1)(x, y) == pytest.approx(6 * y)


def test_hvp_source_is_the_tangent_code_of_the_gradient():
    text = pullback.source(lecture, wrt=(0, 1, 2), mode="hvp")
    assert text.startswith("def jvp_dlecture(")
    assert "# adjoint" not in text or "dout" in text
    compile(text, "<hvp>", "exec")


def test_helpers_without_a_rule_are_refused_where_they_are_called():
    def f(xs):  # a list: its gradient goes through the list helpers of reverse mode
        total = 0.0
        for v in xs:
            total = total + v * v * v
        return total

    gradient = pullback.grad(f)
    try:
        value = pullback.hvp(f)([0.5, 1.0], [1.0, 0.0])
    except pullback.PullbackError as error:  # refused, located in the generated code
        assert "pullback" in str(error)
    else:  # or right
        np.testing.assert_allclose(value, [6 * 0.5, 0.0])
    with pytest.raises(pullback.PullbackError, match="wrapper that rearranges its arguments"):
        pullback.grad(pullback.vjp(f))
    assert gradient([0.5, 1.0]) == pytest.approx([0.75, 3.0])


def _cubic_sine(x):
    return math.sin(x) * x**3


def _cubic_sine_2(x):  # its second derivative
    return -math.sin(x) * x**3 + 6 * x**2 * math.cos(x) + 6 * x * math.sin(x)


_JVP = pullback.jvp(_cubic_sine)
_GRAD = pullback.grad(_cubic_sine)


def _through_jvp(x):
    value, tangent = _JVP(x, 1.0)
    return tangent * 2.0 + value


def _through_grad(x):
    return _GRAD(x) ** 2


def test_user_code_calling_generated_functions_is_differentiated():
    for x in (0.7, -1.3):
        assert pullback.grad(_through_jvp)(x) == pytest.approx(
            2 * _cubic_sine_2(x) + _GRAD(x), rel=1e-12)
        assert pullback.grad(_through_grad)(x) == pytest.approx(
            2 * _GRAD(x) * _cubic_sine_2(x), rel=1e-12)
        assert pullback.jvp(_through_grad)(x, 0.5)[1] == pytest.approx(
            _GRAD(x) * _cubic_sine_2(x), rel=1e-12)


def test_forward_over_forward():
    def g(x):
        return np.sum(np.sin(x) ** 2)

    x, v, u = np.array([0.3, 0.5]), np.array([0.4, -1.0]), np.array([1.0, 0.5])
    (value, tangent), (dvalue, dtangent) = pullback.jvp(pullback.jvp(g))(x, v, u)
    assert value == pytest.approx(g(x))
    assert tangent == pytest.approx(np.sum(np.sin(2 * x) * v))
    assert dvalue == pytest.approx(np.sum(np.sin(2 * x) * u))
    assert dtangent == pytest.approx(np.sum(2 * np.cos(2 * x) * v * u))  # v^T H u


def test_a_while_loop_that_pops_a_list_until_it_is_empty():
    """`while stack:` with `stack.pop()` in the body (as generated gradients loop over
    their records), in the user's own code, in two spellings."""

    def drain(x):
        stack = []
        for i in range(4):
            stack.append((x * i, math.sin(x + i)))
        total = 0.0
        while stack:
            a, b = stack.pop()
            total = total * 0.5 + a * b
        return total

    def drain_values(x):
        stack = [x, x * x, math.exp(x)]
        total = 1.0
        while stack:
            total = total * stack.pop() + 0.25
        return total

    h = 1e-6
    for fn in (drain, drain_values):
        for x in (0.3, 1.1):
            expected = (fn(x + h) - fn(x - h)) / (2 * h)
            assert pullback.grad(fn)(x) == pytest.approx(expected, rel=1e-7)
            assert pullback.jvp(fn)(x, 1.0)[1] == pytest.approx(expected, rel=1e-7)


@pytest.mark.parametrize("second", [
    lambda f, x: pullback.hvp(f)(x, x),
    lambda f, x: pullback.hessian(f)(x),
    lambda f, x: pullback.vjp(pullback.grad(f))(x, x),
    lambda f, x: pullback.grad(pullback.grad(f))(x)])
def test_a_helper_without_a_rule_is_refused_in_the_generated_code(second):
    """np.real_if_close's adjoint calls real_if_close_grad, which has no rule of its own:
    never a constant, a located refusal that shows the generated line (corrcoef_grad, this
    test's helper before, has one now)."""

    def f(x):
        return np.sum(np.real_if_close(x * x[::-1] + x) ** 3)

    with pytest.raises(pullback.NoRuleError, match="(?s)real_if_close_grad, a helper of the "
                       "code pullback generated.*<pullback .*f #\\d+>.*real_if_close_grad\\("
                       "dreal_if_close"):
        second(f, np.array([0.3, 0.5, -0.2]))


@pytest.mark.parametrize("axis", [None, 0])
def test_second_order_through_cumsum(axis):
    """cumsum_grad has a rule (the cumulative sum the other way): H v against finite
    differences of the gradient."""

    def f(x):
        return np.sum(np.cumsum(x * x, axis=axis) ** 2)

    x, v = np.array([[0.3, 0.5, -0.2], [0.1, -0.4, 0.6]]), np.arange(1.0, 7.0).reshape(2, 3)
    grad, h = pullback.grad(f), 1e-6
    want = (grad(x + h * v) - grad(x - h * v)) / (2 * h)
    np.testing.assert_allclose(pullback.hvp(f)(x, v), want, rtol=1e-6, atol=1e-8)


def _corpus_cases():
    import corpus
    import corpus3

    cases = [c for c in corpus.CASES + corpus3.CASES
             if all(isinstance(a, (float, np.ndarray)) for a in (
                 corpus.sample_points(c, 1)[0][i] if isinstance(i, int) else None
                 for i in (c.wrt if isinstance(c.wrt, tuple) else (c.wrt,))))]
    return cases[::7]  # a spread of the corpus: the whole of it runs in tools, not here


@pytest.mark.parametrize("case", _corpus_cases(), ids=lambda c: c.name)
@pytest.mark.parametrize("order", ["hvp", "reverse over reverse"])
def test_the_first_order_corpus_twice_refused_or_right(case, order):
    """Differentiated twice, each function of the FD-checked corpus is either refused (a
    PullbackError: a helper of the generated code without a rule, say) or right: H v
    against central differences of the gradient along v. Never a wrong number."""
    import corpus

    args = corpus.sample_points(case, 1)[0]
    wrt = case.wrt
    ws = wrt if isinstance(wrt, tuple) else (wrt,)
    rng = np.random.default_rng(0)
    v = tuple(rng.normal(size=np.shape(args[i])) if np.ndim(args[i]) else float(rng.normal())
              for i in ws)
    direction = v if isinstance(wrt, tuple) else v[0]
    try:
        if order == "hvp":
            hv = pullback.hvp(case.fn, wrt=wrt)(*args, direction, **case.kw)
        else:
            hv = pullback.vjp(pullback.grad(case.fn, wrt=wrt), wrt=wrt)(*args, direction,
                                                                        **case.kw)
    except pullback.PullbackError:
        return
    gradient = pullback.grad(case.fn, wrt=wrt)
    h = 1e-6

    def moved(s):
        out = list(args)
        for i, d in zip(ws, v):
            out[i] = args[i] + s * h * (np.asarray(d) if np.ndim(args[i]) else d)
        return out

    ahead, behind = gradient(*moved(1), **case.kw), gradient(*moved(-1), **case.kw)
    for got, a, b in zip(*(x if isinstance(wrt, tuple) else (x,) for x in (hv, ahead, behind))):
        expected = (np.asarray(a, float) - np.asarray(b, float)) / (2 * h)
        np.testing.assert_allclose(np.asarray(got, float), expected, rtol=1e-4, atol=1e-5)


def test_grad_of_grad_through_nested_loops():
    """The scalar spelling once more, by grad(grad(f)), against the closed form: the
    sum over i, j of (i + 1) sin(x j + a) differentiated twice in x."""
    for x, a in ((0.3, 0.7), (-1.2, 0.1)):
        expected = sum(-(i + 1) * j * j * math.sin(x * j + a)
                       for i in range(3) for j in range(4))
        assert pullback.grad(pullback.grad(nested_scalar))(x, a) == pytest.approx(
            expected, rel=1e-12)


def _handed_on(x):  # each list has one holder at a time: it may be written
    records = []
    for i in range(3):
        inner = []
        for j in range(2):
            inner.append(x * (i + j) + x * x)
        records.append((inner, i))
    total = 0.0
    while records:
        values, i = records.pop()
        while values:
            total = total * 0.5 + math.sin(values.pop()) * (i + 1)
    return total


def _handed_on_alone(x):
    records = []
    for i in range(3):
        inner = [x * i]
        inner.append(x * x + i)
        records.append(inner)
    total = 0.0
    while records:
        values = records.pop()
        values.append(x)
        while values:
            total = total * 0.5 + math.sin(values.pop())
    return total


@pytest.mark.parametrize("fn", [_handed_on, _handed_on_alone])
def test_lists_handed_on_through_a_list_are_differentiated(fn):
    h = 1e-6
    for x in (0.3, 1.1):
        expected = (fn(x + h) - fn(x - h)) / (2 * h)
        assert pullback.grad(fn)(x) == pytest.approx(expected, rel=1e-7)
        assert pullback.jvp(fn)(x, 1.0)[1] == pytest.approx(expected, rel=1e-7)


def _kept_in_a_list(x):  # the other list sees the second append
    inner = []
    outer = []
    inner.append(x)
    outer.append(inner)
    inner.append(x * x)
    return outer[0][1]


def _kept_in_a_list_display(x):
    inner = [x]
    outer = [inner]
    inner.append(x * x)
    return outer[0][1]


def _kept_in_a_tuple(x):
    inner = [x]
    pair = (inner, 1.0)
    inner.append(x * x)
    return pair[0][1]


def _put_away_in_a_loop_but_read_again(x):  # the same list in every record
    records = []
    inner = []
    for i in range(3):
        inner.append(x * i)
        records.append((inner, i))
    total = 0.0
    while records:
        values, i = records.pop()
        total = total + values.pop() * i
    return total


def _record_read_twice(x):
    records = []
    inner = [x, x * x]
    records.append((inner, 1.0))
    popped = records.pop()
    first = popped[0]
    again = popped[0]
    first.pop()
    return again[-1]


def _record_read_without_a_pop(x):
    records = []
    inner = [x, x * x]
    records.append((inner, 1.0))
    kept = records[0]
    popped = records.pop()
    values = popped[0]
    values.pop()
    return kept[0][-1]


@pytest.mark.parametrize("fn, message", [
    (_kept_in_a_list, "the list 'inner' is written in place and put into another list"),
    (_put_away_in_a_loop_but_read_again, "the list that is written in place .'inner'."),
    (_record_read_twice, "pop on 'first', which pullback cannot prove is a new list"),
    (_record_read_without_a_pop, "pop on 'values', which pullback cannot prove is a new list"),
])
def test_lists_shared_with_another_holder_are_refused(fn, message):
    """A list written in place while a second holder (a list, a tuple, another name) may
    read it: refused, located (`_kept_in_a_list` was differentiated as if the other list
    did not see the write: 1.0 for 2x)."""
    for make in (pullback.grad, pullback.jvp):
        with pytest.raises(pullback.UnsupportedSyntaxError, match=message):
            make(fn)


def _branch_called(u, w):  # inlined with optimize=True, called through its split otherwise
    if u > 0.0:
        return u * w * w
    return math.sin(u) * w


def branch_called_in_a_loop(x, w):
    s = 0.0
    for i in range(4):
        s = s + _branch_called(x * i - 1.0, w)
    return s


@pytest.mark.parametrize("fn", [branch_called_in_a_loop, called_in_a_loop, called_with_a_loop])
def test_second_order_through_calls_without_the_optimizing_pass(fn):
    """optimize=False calls each user function through its split forward and backward
    functions (no inlining): the record it passes holds the branch tape and the loops'
    record lists, and unset variables (whose batched tangents are the zero 0.0)."""
    args, wrt = (0.7, 1.3), (0, 1)
    expected = _fd_hessian(fn, args, wrt)
    H = _hessian_matrix(pullback.hessian(fn, wrt=wrt, optimize=False)(*args), args, wrt)
    np.testing.assert_allclose(H, expected, rtol=1e-5, atol=1e-6)
    v = np.array([0.4, -1.1])
    hv = pullback.hvp(fn, wrt=wrt, optimize=False)(*args, (v[0], v[1]))
    np.testing.assert_allclose(_flat(hv), expected @ v, rtol=1e-5, atol=1e-6)
    reverse = pullback.vjp(pullback.grad(fn, wrt=wrt, optimize=False), wrt=wrt,
                           optimize=False)
    rows = [_flat(reverse(*args, (e[0], e[1]))) for e in np.eye(2)]
    np.testing.assert_allclose(np.stack(rows), expected, rtol=1e-5, atol=1e-6)


def _summed_then_sliced(x):
    a = np.zeros(3)
    for i in range(3):
        a += x * i
    v = a[0:2]
    return np.sum(v * v)


def _summed_then_transposed(x):
    a = x * 1.0
    for i in range(3):
        a += x * np.sin(x) * i
    return np.sum(np.sin(a.T))


def _transposed_then_summed(x):  # the view is made before `a += ...` changes a
    a = x * 1.0
    v = a.T
    for i in range(3):
        a += x * i
    return np.sum(np.sin(v))


def test_a_view_made_after_an_update_in_place_sees_its_result():
    x = np.array([0.3, -0.5, 0.8])
    for fn in (_summed_then_sliced, _summed_then_transposed):
        h = 1e-6
        expected = [(fn(x + h * e) - fn(x - h * e)) / (2 * h) for e in np.eye(3)]
        np.testing.assert_allclose(pullback.grad(fn)(x), expected, rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(pullback.jvp(fn)(x, np.eye(3)[1])[1], expected[1],
                                   rtol=1e-7, atol=1e-9)
    with pytest.raises(pullback.PullbackError, match="augmented assignment to 'a'"):
        pullback.grad(_transposed_then_summed)(x)


def _read_after_accumulating(x):  # d is e: the read of d sees the write
    d = np.zeros(3)
    e = accum_index(d, x, 0, x[1] * x[2])
    return np.sum(d * x) + np.sum(e)


def _view_read_after_accumulating(x):
    d = x * 1.0
    v = d[0:2]
    e = accum_index(d, x, 0, x[1] * x[2])
    return np.sum(v * x[:2]) + np.sum(e)


def _read_after_taking_a_slot(x):
    d = x * x
    g, e = take_slot_grad(d, 1)
    return np.sum(d * x) + g * np.sum(e)


def _accumulated_into_an_input(x):
    e = accum_index(x, x, 0, 1.0)
    return np.sum(e * e)


def _accumulated_and_rebound(x):
    d = x * 1.0
    for i in range(3):
        d = accum_index(d, x, i, x[i] * x[(i + 1) % 3])
    return np.sum(d * d)


def _slot_taken_and_rebound(x):
    d = x * x
    g, d = take_slot_grad(d, 1)
    return np.sum(d * x) + g


@pytest.mark.parametrize("fn, message", [
    (_read_after_accumulating, "'d' is read after accum_index wrote into it in place"),
    (_view_read_after_accumulating, "'v' may share memory with 'd'"),
    (_read_after_taking_a_slot, "'d' is read after take_slot_grad wrote into it in place"),
    (_accumulated_into_an_input, "accum_index writes into 'x' in place, which may be an input"),
])
def test_helpers_that_write_their_first_operand_are_writes(fn, message):
    """accum_index and take_slot_grad (kind "writes-first") write into their first
    operand: a later read of it, or of a view of it, would see the write, which taking
    them as pure misses (the first three were differentiated so: 0.24, 0.24 and 0.5 off)."""
    for make in (pullback.grad, pullback.jvp):
        with pytest.raises(pullback.UnsupportedSyntaxError, match=message):
            make(fn)


@pytest.mark.parametrize("fn", [_accumulated_and_rebound, _slot_taken_and_rebound])
def test_helpers_that_write_their_first_operand_are_differentiated_when_rebound(fn):
    x, h = np.array([0.3, -0.5, 0.8]), 1e-6
    expected = np.array([(fn(x + h * e) - fn(x - h * e)) / (2 * h) for e in np.eye(3)])
    np.testing.assert_allclose(pullback.grad(fn)(x), expected, rtol=1e-7, atol=1e-9)
    v = np.array([0.2, 1.0, -0.7])
    assert pullback.jvp(fn)(x, v)[1] == pytest.approx(expected @ v, rel=1e-7)


def _outer(x):
    return np.sum(np.outer(x, x[::-1] * 2.0) ** 2)


def _outer_matrix(x):
    m = np.reshape(x, (2, 2))
    return np.sum(np.sin(np.outer(m, x)) * np.outer(x[::-1], m))


def _flipped(x):
    return np.sum(np.flip(x) * x ** 2) + np.sum(np.roll(x, 1) ** 3)


def _rearranged(x):
    m = np.reshape(x, (2, 2))
    t = np.transpose(m) * m ** 2 + np.swapaxes(m, 0, 1) ** 3
    return np.sum(np.moveaxis(np.reshape(t, (1, 2, 2)), 0, 2) ** 2) + np.sum(m.T * m)


def _masked(x):
    return np.sum(x ** 3, where=x > 0) ** 2 + np.sum(np.sin(x) * x, where=x < 0.6)


def _masked_along(x):
    m = np.reshape(x, (2, 2))
    return np.sum(np.sum(m ** 2, axis=0, where=m > 0.0) ** 2) + np.nansum(m ** 3) ** 2


@pytest.mark.parametrize("f", [_outer, _outer_matrix, _flipped, _rearranged, _masked,
                               _masked_along])
def test_second_order_through_outer_rearrangements_and_masked_sums(f):
    """The helpers of np.outer's gradient (outer_grad_a/b), of rearrangements (map_grad,
    reshape_grad) and of sums with where= and np.nansum (masked_sum_grad) have rules: hvp,
    hessian, vjp(grad) and grad of a contracted gradient against differences of the
    gradient."""
    x = np.array([0.3, 0.5, -0.2, 0.7])
    v = np.array([1.0, -0.5, 0.25, 2.0])
    grad, h = pullback.grad(f), 1e-6
    want = (grad(x + h * v) - grad(x - h * v)) / (2 * h)
    np.testing.assert_allclose(pullback.hvp(f)(x, v), want, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(pullback.vjp(grad)(x, v), want, rtol=1e-6, atol=1e-8)
    H = pullback.hessian(f)(x)
    np.testing.assert_allclose(H @ v, want, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(H, H.T, rtol=1e-10, atol=1e-10)

    def contracted(y):
        return np.sum(grad(y) * v)

    np.testing.assert_allclose(pullback.grad(contracted)(x), want, rtol=1e-6, atol=1e-8)


def powers_of_a_loop_counter(x):
    total = 0.0
    for k in range(1, 4):
        total = total + np.sum(x ** (k + 1)) + np.sum(np.power(x, k))
    return total


def test_an_integer_exponent_from_a_loop_record_on_a_negative_base_is_not_nan():
    """The exponent's tangent is zero (it does not move), so log of the negative base never
    enters: the Hessian is the polynomial's, not nan (it was nan for x < 0)."""
    x = np.array([-0.5, 0.7, -1.3])
    expected = np.diag(2 + 6 * x + 12 * x ** 2 + 2 + 6 * x)
    assert np.allclose(pullback.hessian(powers_of_a_loop_counter)(x), expected)
    v = np.array([1.0, -2.0, 0.5])
    assert np.allclose(pullback.hvp(powers_of_a_loop_counter)(x, v), expected @ v)
    assert np.allclose(pullback.jvp(powers_of_a_loop_counter)(x, v)[1],
                       pullback.grad(powers_of_a_loop_counter)(x) @ v)


def power(x, k):
    return x ** k


def math_power(x, k):
    return math.pow(x, k)


@pytest.mark.parametrize("f", [power, math_power])
def test_the_gradient_in_the_exponent_of_a_negative_base_is_nan_not_a_crash(f):
    """(-0.5) ** k is not real-differentiable in k: nan, as NumPy's log gives for arrays
    (it raised 'math domain error' for numbers); a positive base keeps its log."""
    assert math.isnan(pullback.grad(f, wrt=1)(-0.5, 2.0))
    assert np.isclose(pullback.grad(f, wrt=1)(0.5, 2.0), 0.25 * math.log(0.5))
    assert pullback.grad(f, wrt=0)(-0.5, 2.0) == -1.0
