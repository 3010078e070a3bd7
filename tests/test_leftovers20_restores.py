"""Second derivatives through callees that write an array and return it in a tuple
(CS231n's `out, cache = layer_forward(...)`): the backward no longer restores slots that
nothing reads again (derive/restores.py), and a tuple made after an array's last write
gives it no second name anyone can see changed (analysis/aliasing._unchanged_after).
Numbers against central differences; restores something reads are kept; a tuple made
before a later write is still refused."""

import numpy as np
import pytest
from fd import assert_close, numeric_grad

import pullback

RNG = np.random.default_rng(5)


def check_grad_hvp(f, args, wrt=0):
    args = list(args)
    assert_close(pullback.grad(f, wrt=wrt)(*args), numeric_grad(f, args, wrt=wrt))
    x = args[wrt]
    v = RNG.normal(size=np.shape(x))
    grad = pullback.grad(f, wrt=wrt)
    h = 1e-6

    def at(t):
        moved = list(args)
        moved[wrt] = x + t * v
        return grad(*moved)

    hv = pullback.hvp(f, wrt=wrt)(*args, v)
    assert_close(hv, (at(h) - at(-h)) / (2 * h), rtol=1e-4, atol=1e-6)


def pool_forward(x, stride):
    N, C, H = x.shape
    out = np.zeros((N, C, H // stride))
    for i in range(H // stride):
        out[:, :, i] = np.max(x[:, :, i * stride:(i + 1) * stride], axis=2)
    cache = (x, stride)
    return out, cache


def pooled(x, dout):
    out, _ = pool_forward(x, 2)
    return np.sum(out * dout) + np.sum(out ** 3)


def relu_forward(x):
    out = x.copy()
    out[out < 0] = 0.0
    return out, x


def affine_relu(x, w):
    a = x @ w
    out, cache = relu_forward(a)
    return np.sum(out ** 2), cache


def layered(w, x):
    loss, _ = affine_relu(x, w)
    return loss


def rows_forward(x):
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        out[i] = np.tanh(x[i]) * 2.0
    cache = {"x": x}
    return out, cache


def rows(x):
    out, cache = rows_forward(x)
    return np.sum(np.sin(out)) + np.sum(cache["x"] ** 2)


def returned_list(x):
    out = np.zeros(3)
    out[0] = x[0] * x[1]
    out[1] = np.sin(x[2])
    return [out, out.shape]


def listed(x):
    pair = returned_list(x)
    return np.sum(pair[0] ** 2)


def pool2d_forward(x, s):
    N, C, H, W = x.shape
    out = np.zeros((N, C, H // s, W // s))
    for i in range(H // s):
        for j in range(W // s):
            out[:, :, i, j] = np.max(x[:, :, i * s:i * s + s, j * s:j * s + s], axis=(2, 3))
    return out, (x, s)


def pooled2d(x, dout):
    out, _ = pool2d_forward(x, 2)
    return np.sum(out * dout) + np.sum(np.tanh(out))


def conv_like_forward(x, w):  # three nested loops, records within records
    n, k = x.shape[0], w.shape[0]
    out = np.zeros((n, x.shape[1] - k + 1, 2))
    for a in range(n):
        for i in range(x.shape[1] - k + 1):
            for c in range(2):
                out[a, i, c] = np.sum(x[a, i:i + k] * w[:, c])
    return out, (x, w)


def conv_like(w, x):
    out, cache = conv_like_forward(x, w)
    return np.sum(out ** 2)


def test_pool2d_nested_records():
    check_grad_hvp(pooled2d, [RNG.normal(size=(2, 2, 4, 4)), RNG.normal(size=(2, 2, 2, 2))])


def test_three_nested_records():
    check_grad_hvp(conv_like, [RNG.normal(size=(3, 2)), RNG.normal(size=(2, 5))])


def test_pool():
    x = RNG.normal(size=(2, 3, 4))
    check_grad_hvp(pooled, [x, RNG.normal(size=(2, 3, 2))])


def test_relu_mask_write():
    x, w = RNG.normal(size=(4, 3)), RNG.normal(size=(3, 5))
    check_grad_hvp(layered, [w, x])


def test_rows_written_in_a_loop():
    check_grad_hvp(rows, [RNG.normal(size=(3, 4))])


def test_list_returned():
    check_grad_hvp(listed, [RNG.normal(size=3)])


def own_writes(x):
    out = np.zeros(3)
    for i in range(3):
        out[i] = np.sin(x[i])
    return np.sum(out ** 2)  # read after the last write: its adjoint runs before the restores


def test_restore_dropped_from_the_backward():
    check_grad_hvp(own_writes, [RNG.normal(size=3)])
    text = pullback.source(own_writes)
    assert "out[i] = out_old" not in text  # (the save stays: it checks the index)
    assert "saved.append((record_shape(sin), i))" in text


# restores that something reads stay -------------------------------------------------


def read_before_write(x):
    b = np.zeros(3) + 1.0
    y = np.sum(b * x)  # the adjoint reads b as it was: ones
    b[0] = x[0] * 3.0
    return y + np.sum(b ** 2)


def recurrence(x):
    out = np.ones((2, x.shape[1] + 1))
    for i in range(x.shape[1]):
        out[:, i + 1] = out[:, i] * np.sin(x[:, i])  # a view of out read, then written
    return np.sum(out)


def callee_reads_own(x):
    out = np.zeros(x.shape)
    prev = 1.0
    for i in range(x.shape[0]):
        out[i] = prev * x[i]
        prev = out[i] + 0.5
    return out, prev


def caller_of_reader(x):
    out, last = callee_reads_own(x)
    return np.sum(out ** 2) * last


@pytest.mark.parametrize("f, shape", [(read_before_write, (3,)), (recurrence, (2, 3)),
                                      (caller_of_reader, (4,))])
def test_restores_read_are_kept(f, shape):
    check_grad_hvp(f, [RNG.normal(size=shape)])


def test_read_before_write_keeps_its_restore():
    assert "b[0] = b_old" in pullback.source(read_before_write)


def repeated_index(x):
    b = np.zeros(3)
    b[[1, 1]] = x[:2]
    return np.sum(b * x)


def int_buffer(x):
    b = np.zeros(3, dtype=int)
    b[0] = x[0]
    return np.sum(b * x)


@pytest.mark.parametrize("f, what", [(repeated_index, "repeats a position"),
                                     (int_buffer, "dtype")])
def test_dropped_restore_keeps_the_checks_of_its_save(f, what):
    with pytest.raises(pullback.PullbackError, match=what):
        pullback.grad(f)(np.array([0.5, 1.5, 2.5]))


# a tuple made before a later write still gives the array a second name ------------------


def first(t):
    return t[0]


def tuple_then_write(x):
    b = np.zeros(2)
    t = (b, 1)
    u = first(t)  # u is b: the write below changes it
    b[0] = x
    return np.sum(u) * x


def tuple_in_loop(x):
    b = np.zeros(3)
    kept = []
    for i in range(3):
        b[i] = x * i
        kept.append(np.sum((b, b)[0]))
    return kept[-1]


@pytest.mark.parametrize("f", [tuple_then_write, tuple_in_loop])
def test_tuple_before_write_refused(f):
    with pytest.raises(pullback.UnsupportedSyntaxError, match="put into a tuple or list") as e:
        pullback.grad(f)(0.5)
    assert "test_leftovers20_restores.py" in str(e.value)


# lists: a tuple made after a list's last update -----------------------------------------


def list_forward(x):
    items = []
    for i in range(3):
        items.append(x[i] * 2.0)
    cache = (items, x)
    return np.sum(np.array(items) ** 2), cache


def list_cached(x):
    value, cache = list_forward(x)
    return value + np.sum(np.sin(cache[1]))


def test_list_in_tuple_after_last_update():
    check_grad_hvp(list_cached, [RNG.normal(size=3)])


def appended_after(x):
    items = []
    t = (items, 1)
    items.append(x * 3.0)
    u = first(t)
    return u[0] * x


def slot_written_after(x):
    items = [x, x * 2.0]
    t = (items, 1)
    u = first(t)
    items[0] = x * 5.0
    return u[0] * x


@pytest.mark.parametrize("f", [appended_after, slot_written_after])
def test_list_updated_after_tuple_refused(f):
    with pytest.raises(pullback.UnsupportedSyntaxError, match="put into a tuple or list"):
        pullback.grad(f)(0.5)
