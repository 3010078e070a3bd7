"""User functions that write into the arrays, lists, dicts and objects their caller
passes (preallocated buffers, `step(pos, vel, dt)`, `_push(stack, v)`, `apply_bc(u)`,
`normalize_(v)`, `out=` parameters): inlined, so that their writes are the caller's own
(lower/written_params.py, inlining.py: writing_callee). Each spelling by grad, jvp, hvp,
hessian and reverse over reverse against central differences (buffers13_check.py)."""

import numpy as np
import pytest
from buffers13_check import check_all
from fd import assert_grad_matches

X = np.array([0.3, -0.7, 1.1, 0.5, 0.9])


def _fill(buf, x):
    for i in range(len(x)):
        buf[i] = x[i] ** 2


def fill_loop(x):
    buf = np.zeros(len(x))
    _fill(buf, x)
    return np.sum(buf * x)


def _fill_and_return(buf, x):
    buf[:] = np.sin(x)
    return np.sum(buf)


def fill_and_return(x):
    buf = np.empty_like(x)
    s = _fill_and_return(buf, x)
    return s * np.sum(buf ** 2)


def _inner(buf, i, v):
    buf[i] = v


def _outer(buf, x):
    for i in range(len(x)):
        _inner(buf, i, x[i] * x[0])


def chain(x):
    b = np.zeros_like(x)
    _outer(b, x)
    return np.sum(np.exp(b))


def _push(stack, v):
    stack.append(v * 2.0)


def push_list(x):
    st = []
    for v in x:
        _push(st, v)
    return sum(s * s for s in st)


def _append_rows(rows, x):
    for i in range(len(x)):
        rows.append(x[i] * x[(i + 1) % len(x)])
    return len(rows)


def list_and_return(x):
    rows = [x[0]]
    n = _append_rows(rows, x)
    return sum(rows) * n


def _mul_out(a, b, out):
    np.multiply(a, b, out=out)


def out_keyword(x):
    r = np.zeros_like(x)
    _mul_out(x, np.cos(x), out=r)
    return np.sum(r * x)


def mul_into(a, b, out=None):
    if out is None:
        out = np.empty_like(a)
    out[...] = a * b
    return out


def out_none_default(x):
    buf = np.zeros_like(x)
    mul_into(x, x, out=buf)
    return np.sum(buf * np.sin(x)) + np.sum(mul_into(x, np.cos(x)))


def _fill_kw(x, *, out):
    out[:] = np.exp(x)


def keyword_only(x):
    o = np.zeros(len(x))
    _fill_kw(x, out=o)
    return np.sum(o * x)


def step(pos, vel, dt):
    pos[:] = pos + vel * dt
    vel[:] = vel - pos * dt


def particles(x):
    p = x.copy()
    v = np.zeros_like(x)
    for _ in range(4):
        step(p, v, 0.1)
    return np.sum(p ** 2) + np.sum(v * p)


def step_augmented(pos, vel, dt):
    pos += vel * dt


def particles_augmented(x):
    p = x.copy()
    v = np.sin(x)
    for _ in range(3):
        step_augmented(p, v, 0.1)
    return np.sum(p ** 2)


def normalize_(v):
    v /= np.linalg.norm(v)


def normalize_in_place(x):
    v = x * 2.0
    normalize_(v)
    return np.sum(v * np.arange(len(x)))


def advance_time(t, dt):
    t += dt
    return t


def number_augmented(x):
    t = x[0]
    t2 = advance_time(t, x[1])  # a float: t stays, t2 is t + dt
    return t * t2


def advance_state(y, t, dt):
    y += dt * np.cos(t) * y  # an array: in place
    t += dt  # a number: rebound
    return t


def array_and_number_augmented(x):
    y = x.copy()
    t = 0.0
    for _ in range(3):
        t = advance_state(y, t, 0.1 * x[0])
    return np.sum(y ** 2) + t


def _assemble(K, x):
    n = len(x)
    for i in range(n - 1):
        k = x[i] ** 2 + 1.0
        K[i, i] += k
        K[i + 1, i + 1] += k
        K[i, i + 1] -= k
        K[i + 1, i] -= k


def assembly(x):
    K = np.zeros((len(x), len(x)))
    _assemble(K, x)
    return np.sum(K @ x)


def _rnn(H, x, W):
    h = np.zeros(2)
    for t in range(len(x)):
        h = np.tanh(W @ h + x[t])
        H[t] = h


def rnn_states(x):
    W = np.array([[0.5, -0.2], [0.1, 0.3]])
    H = np.zeros((len(x), 2))
    _rnn(H, x, W)
    return np.sum(H ** 2)


def _gauss_seidel(u, b):
    for i in range(1, len(u) - 1):
        u[i] = 0.5 * (u[i - 1] + u[i + 1] + b[i])


def gauss_seidel(x):
    u = np.zeros_like(x)
    for _ in range(3):
        _gauss_seidel(u, x)
    return np.sum(u * x)


def _twice(buf, x):
    _fill_cube(buf, x)
    buf *= 2.0


def _fill_cube(buf, x):
    buf[:] = x ** 3


def chain_then_augmented(x):
    b = np.zeros_like(x)
    _twice(b, x)
    return np.sum(b * x)


def _copyto(buf, x):
    np.copyto(buf, np.tanh(x))


def copyto_into(x):
    b = np.zeros_like(x)
    _copyto(b, x)
    return np.sum(b ** 2)


def _scale_rows(A, s):
    for i in range(A.shape[0]):
        A[i] *= s[i]


def scale_rows(x):
    A = np.outer(x, x)
    _scale_rows(A, np.cos(x))
    return np.sum(A)


def _accumulate(acc, v):
    acc[0] += v


def accumulate_in_loop(x):
    acc = np.zeros(1)
    for v in x:
        _accumulate(acc, v * v)
    return acc[0] * x[0]


def _rows(M, x):
    M[0, :] = x
    M[1, :] = x ** 2


def matrix_rows(x):
    M = np.zeros((2, len(x)))
    _rows(M, x)
    return np.sum(M[0] * M[1])


def _both(a, b):
    a[0] = b[0] * 2
    b[1] = a[1] + 1


def same_object_twice(x):
    u = x * 1.0
    _both(u, u)
    return np.sum(u * x)


def apply_bc(u):
    u[0] = 0.0
    u[-1] = 0.0
    return u


def boundary_returned(x):
    u = np.tanh(x)
    u = apply_bc(u)
    v = x * 2.0
    apply_bc(v)
    return np.sum(u ** 2 * x) + np.sum(v * u)


class Cache:
    def __init__(self):
        self.cache = {}

    def put(self, k, v):
        self.cache[k] = v * v


def method_writes_cache(x):
    c = Cache()
    c.put("a", x[0])
    c.put("b", x[1] * x[2])
    return c.cache["a"] + c.cache["b"]


ALL_MODES = [fill_loop, fill_and_return, chain, push_list, list_and_return, out_keyword,
             out_none_default, keyword_only, particles, particles_augmented,
             normalize_in_place, number_augmented, array_and_number_augmented, assembly,
             rnn_states, gauss_seidel,
             chain_then_augmented, copyto_into, scale_rows, accumulate_in_loop, matrix_rows,
             same_object_twice, boundary_returned, method_writes_cache]


@pytest.mark.parametrize("fn", ALL_MODES, ids=[f.__name__ for f in ALL_MODES])
def test_every_mode_matches_differences(fn):
    check_all(fn, X.copy())


def _set_key(d, k, v):
    d[k] = v


def dict_slots(x):
    d = {}
    _set_key(d, "a", x[0] * x[1])
    _set_key(d, "b", np.sin(x[2]))
    return d["a"] * d["b"]


def _update(d, x):
    d.update({"p": x[0] ** 2, "q": x[1]})


def dict_update(x):
    d = {"r": x[2]}
    _update(d, x)
    return d["p"] * d["q"] + d["r"]


class State:
    def __init__(self, pos, vel):
        self.pos = pos
        self.vel = vel


def advance(state, dt):
    state.pos = state.pos + state.vel * dt


def object_attributes(x):
    s = State(x.copy(), np.cos(x))
    for _ in range(2):
        advance(s, 0.2)
    return np.sum(s.pos ** 2)


def heat_step_bc(x):
    u = x.copy()
    for _ in range(4):
        u = u + 0.1 * (np.roll(u, 1) - 2 * u + np.roll(u, -1))
        apply_bc(u)
    return np.sum(u ** 2)


# first order only: as when the writes are written in f itself (second order through a
# dict's gradient; forward mode of attributes set on an object; hvp of a loop-carried
# array written in place are refused, located, there too)
@pytest.mark.parametrize("fn", [dict_slots, dict_update, object_attributes, heat_step_bc])
def test_first_order(fn):
    assert_grad_matches(fn, (X.copy(),))


def test_closed_forms():
    import pullback

    np.testing.assert_allclose(pullback.grad(fill_loop)(X), 3 * X ** 2)
    np.testing.assert_allclose(pullback.grad(number_augmented)(X)[:2],
                               [2 * X[0] + X[1], X[0]])
    v = 2.0 * X
    n = np.linalg.norm(v)
    a = np.arange(len(X))
    expected = 2.0 * (a / n - v * (v @ a) / n ** 3)
    np.testing.assert_allclose(pullback.grad(normalize_in_place)(X), expected, rtol=1e-12)


class Model:
    def __init__(self, n):
        self.buf = np.zeros(n)

    def run(self, x):
        _fill(self.buf, x)
        return np.sum(self.buf * x)


def method_passes_its_attribute(x):
    m = Model(len(x))
    return m.run(x)


def _swap(a, b):
    a[:], b[:] = b.copy(), a.copy()


def swap_in_place(x):
    u = x * 1.0
    w = x ** 2
    _swap(u, w)
    return np.sum(u * np.arange(5)) + np.sum(w)


def _write_first(buf, x):
    buf[0] = x[0]


def read_before_and_after(x):
    b = np.ones_like(x) * x[1]
    s = np.sum(b)  # read before the callee writes
    _write_first(b, x)
    return s * np.sum(b * x)


def _conditional_writer(buf, x, flag):
    if flag:
        buf[0] = x[0] ** 3
        return 1.0
    return 2.0


def conditional_write(x):
    b = np.zeros_like(x)
    r = _conditional_writer(b, x, x[1] > 0)
    r2 = _conditional_writer(b, x * 2, x[1] < 0)
    return np.sum(b * x) * r * r2


def _early_return(buf, x):
    for i in range(len(x)):
        if x[i] > 1.0:
            return i
        buf[i] = x[i] * 2
    return -1


def early_return(x):
    b = np.zeros_like(x)
    k = _early_return(b, x)
    return np.sum(b * x) + k


def _pop(st):
    return st.pop()


def pop_from_callers_list(x):
    st = [x[0], x[1] * 2, x[2]]
    a = _pop(st)
    return a * sum(st)


def _add_to_key(d, k, v):
    d.setdefault(k, 0.0)
    d[k] += v


def dict_setdefault(x):
    d = {}
    for i in range(len(x)):
        _add_to_key(d, i % 2, x[i] ** 2)
    return d[0] * d[1]


MORE = [method_passes_its_attribute, swap_in_place, read_before_and_after, conditional_write,
        early_return, pop_from_callers_list]


@pytest.mark.parametrize("fn", MORE, ids=[f.__name__ for f in MORE])
def test_more_spellings_every_mode(fn):
    check_all(fn, X.copy())


def test_dict_setdefault_first_order_and_hvp():
    """(reverse over reverse through a dict's gradient is refused, as in f itself)"""
    import pullback

    assert_grad_matches(dict_setdefault, (X.copy(),))
    v = np.random.default_rng(3).normal(size=X.shape)
    from buffers13_check import fd_hessian

    np.testing.assert_allclose(pullback.hvp(dict_setdefault)(X.copy(), v),
                               fd_hessian(dict_setdefault, X) @ v, rtol=1e-5, atol=1e-6)
