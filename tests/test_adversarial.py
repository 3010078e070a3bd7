"""Adversarial programs: valid code in pullback's supported subset, written to break
the engine's assumptions (loop-carried values, flags from break/continue/return,
in-place buffers, the deferred matrix-product gradients, scalar inference, rule
tables, the transform cache), each checked against central finite differences.

Three kinds of case:

* ``ok(...)``      the gradient must match finite differences (regression tests);
* ``bug(...)``     pullback returns a wrong number or crashes with a non-PullbackError
                   on a valid program: kept here as ``xfail(strict=True)`` with the
                   reason, so the test starts failing (XPASS) once the bug is fixed;
* ``REFUSED``      constructs pullback declines with a PullbackError; the reason says
                   whether the refusal is legitimate or merely conservative.

Every function is a module-level ``def`` so pullback can read its source.
"""
# The programs deliberately keep unused loop variables and dead locals (loop-target
# semantics are part of what is under test).
# ruff: noqa: B007, F841

from __future__ import annotations

import importlib
import math
import sys

import numpy as np
import pytest
from fd import assert_close, assert_grad_matches, assert_unchanged, numeric_grad, snapshot

import pullback

# =============================================================================== functions
# ------------------------------------------------------------ control flow: loops, flags


def nested_break_deep(x, n):
    s = 0.0
    for i in range(n):
        t = x * (i + 1)
        for j in range(4):
            if j > i:
                if t > 1.0:
                    break
                t = t * 1.5
            else:
                t = t + 0.1 * j
            s = s + math.sin(t)
        s = s * 0.9 + t
    return s


def cont_break_mix(xs):
    s = 0.0
    last = 0.0
    for i in range(len(xs)):
        if xs[i] < -0.5:
            continue
        last = xs[i] * s
        if s > 3.0:
            break
        s = s + xs[i] ** 2
    return s + last


def while_with_for_break(x):
    y = x
    k = 0
    while k < 3:
        for j in range(5):
            y = y * 1.1 + 0.01 * j
            if y > 2.0:
                break
        y = math.sin(y) + 1.0
        k += 1
    return y


def early_return_nested(A):
    s = 0.0
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            s = s + A[i, j] * (i - j)
            if s > 1.5:
                return s * A[i, j]
    return -s


def flags_galore(x):
    s = 0.0
    for i in range(5):
        if i == 1:
            continue
        k = 0
        while k < 4:
            k = k + 1
            if k == 2:
                continue
            s = s + x[i] * k
            if s > 2.5:
                break
            if s < -3.0:
                return s * x[0]
        if s > 4.0:
            break
        s = s * 0.8
    return s + x[1]


def return_from_while_in_for(x):
    t = x
    for i in range(4):
        k = 0
        while k < 3:
            t = t * 1.2 + 0.05 * k
            if t > 1.5:
                return t * t + i
            k += 1
        t = t - 0.1
    return -t


def for_else_like(x):
    found = False
    r = 0.0
    for i in range(len(x)):
        if x[i] > 0.5:
            found = True
            r = x[i] * x[0]
            break
    if not found:
        r = np.sum(x)
    return r * 2.0


def while_return(x):
    k = 0
    y = x
    while k < 10:
        y = y * 1.3 + 0.1
        if y > 2.0:
            return y * y
        k = k + 1
    return -y


def while_continue(x):
    k = 0
    s = 0.0
    while k < 6:
        k = k + 1
        if k % 2 == 0:
            continue
        s = s + x ** 2 * k
        if s > 4.0:
            break
    return s + k


def for_in_while_return(x):
    y = x
    it = 0
    while it < 5:
        for j in range(3):
            y = y + 0.3 * math.cos(y * j)
            if y > 1.6:
                return y * 2.0
        it += 1
    return y


def multi_return_paths(x, y):
    if x > 0.5:
        if y > 0.0:
            return x * y
        z = x - y
    elif y < -1.0:
        return y * y * x
    else:
        z = x + y
    for i in range(3):
        if z > 2.0:
            return z * i
        z = z * 1.5
    return z


def min_multi_return(x, y):
    if x > 0.5:
        if y > 0.0:
            return x * y
        z = x - y
    else:
        z = x + y
    return z * 2.0


def boolop_values(x, y):
    a = x * 0.0 or y * 2.0
    b = x and y * 3.0
    c = (x > 1.0 and x * y) or (y - x)
    return a * b + c


def not_condition(x, y):
    s = 0.0
    for i in range(4):
        if not (x * i > 1.0) and not y < 0.0:
            s = s + x * y
        else:
            s = s - x
    return s


def ifexp_in_loop(x):
    s = x
    for i in range(5):
        s = s * 1.2 if s < 1.0 else s - 0.5 * s * s
    return s


def elif_chain(x):
    s = 0.0
    for i in range(6):
        v = x * (i - 2)
        if v < -0.5:
            s = s + v
        elif v < 0.2:
            s = s * v
        elif v < 0.9:
            pass
        else:
            s = s - math.exp(v)
    return s


def chained_cmp(x):
    s = 0.0
    for i in range(5):
        v = x * i
        if 0.5 < v < 1.5 > x:
            s = s + v * v
        elif -1.0 <= v <= 0.5:
            s = s - v
    return s


def chained_cmp_while(x):
    y = x
    k = 0
    while 0 <= k < 10 and 0.0 < y < 3.0:
        y = y * 1.3
        k += 1
    return y * y


# --------------------------------------------------- loop-carried and loop-defined values


def defined_some_iters(x):
    s = 0.0
    t = 1.0
    for i in range(5):
        if i % 2 == 0:
            t = x * i
        s = s + t * t
    return s


def branch_defined_used_same_iter(x):
    s = 0.0
    for i in range(4):
        if x[i] > 0.0:
            u = x[i] * 2.0
            s = s + u
        else:
            v = x[i] * 3.0
            s = s - v * v
    return s


def loop_var_after(x):
    for i in range(4):
        y = x * i
    return y + i * x


def loop_def_after_nl(x):
    for i in range(3):
        y = np.sin(x * i)
    return np.sum(y * y)


def loop_only_while(x):
    k = 0
    while k < 3:
        w = math.sin(x * (k + 1))
        k = k + 1
    return w * w


def loop_only_with_break(x):
    for i in range(6):
        y = math.sin(x * (i + 1))
        if i >= 2:
            break
    return y * y


def loop_only_branch_both(x):
    for i in range(4):
        if i % 2 == 0:
            y = math.sin(x * i)
        else:
            y = math.cos(x * i)
    return y * y


def zero_trip(x, n):
    s = x * 1.0
    for i in range(n):
        s = s * x
    for j in range(5, 2):
        s = s + x
    return s


def reversed_neg_step(x):
    s = 0.0
    for i in reversed(range(7, 0, -2)):
        s = s * x[i % len(x)] + i
    for i in range(6, -1, -3):
        s = s + x[i % len(x)] * s
    return s


def var_step(x, k):
    s = 0.0
    n = len(x)
    for i in range(n - 1, -1, -k):
        s = s * 0.5 + x[i] * (i + 1)
    return s


def reassign_target(x):
    s = 0.0
    for i in range(4):
        i = i * 2
        s = s + x * i + s * x
    return s


def param_as_target(x, i):
    s = x * i
    for i in range(3):
        s = s + x * i
    return s * i


def modify_bound(x):
    n = 3
    s = x
    for i in range(n):
        n = n + 1
        s = s * x + n
    return s * n


def param_scalar_and_loop(a, x):
    s = a * a
    for i in range(3):
        s = s + a * x[i]
        if s > 5.0:
            s = s - a
    return s * a


def wrt_only_condition(x, c):
    if c > 0.0:
        return x * 2.0
    return x * 3.0


def tuple_phi(x, y):
    p = (x, y)
    for i in range(4):
        p = (p[1], p[0] * p[1] + 0.1)
    return p[0] + 2.0 * p[1]


def tuple_swap_arrays(a, b):
    for i in range(3):
        a, b = b, a * 2.0 + b
    return np.sum(a * b)


def tuple_unpack_from_call(X):
    s = 0.0
    for r in X:
        p, q = r[0], r[1]
        p, q = q * p, p - q
        s = s + p * q
    return s


def unpack_row(X):
    s = 0.0
    for r in X:
        a, b, c = r
        a, c = c, a
        s = s + a * 2.0 + b * c
    return s


def list_literal_repeats(a, b):
    s = 0.0
    for w in [a, b, a, a * b]:
        s = s + np.sum(w * w) * s + 0.1
    return s


def enumerate_zip_nested(xs, ys):
    s = 0.0
    for i, (a, b) in enumerate(zip(xs, ys)):
        s = s + a * b * i - s * 0.1
    return s


def zip_unequal(xs, ys):
    s = 0.0
    for a, b in zip(xs, ys):
        s = s * a + b
    return s


def phi_array_to_scalar(x):
    s = x
    for i in range(2):
        s = np.sum(s * s)
    return math.sin(s)


def one_sided_then_loop(x, c):
    if c > 0.0:
        t = x * 2.0
    for i in range(2):
        t = x * (i + 1)
    return t * x


def one_sided_then_if(x, c):
    if c > 0.0:
        t = x * 2.0
    if c < 1.0:
        t = x * 3.0
    else:
        t = t + x
    return t * x


# -------------------------------------------------------------------- in-place buffers


def slot_overwrite_read(x):
    buf = np.zeros(3)
    for i in range(3):
        buf[i % 2] = x[i] * 2.0
        a = buf[i % 2]
        buf[i % 2] = a * a + buf[(i + 1) % 2]
        b = buf[0] * buf[1]
        buf[2] = buf[2] + b
    return buf[2] + buf[0]


def same_slot_many(x):
    buf = np.zeros(2)
    for i in range(4):
        buf[0] = x * (i + 1)
        buf[0] = buf[0] * buf[0]
        buf[1] += buf[0]
        buf[0] = 0.0
    return buf[1]


def rows_write_elem_read(X):
    n = X.shape[0]
    H = np.zeros((n + 1, X.shape[1]))
    H[0] = X[0]
    for i in range(n):
        H[i + 1] = np.tanh(H[i] * 0.5 + X[i])
        H[i + 1, 0] = H[i + 1, 0] * H[i, 1]
    return np.sum(H[n] ** 2) + H[1, 1]


def swap_slots(x):
    buf = np.copy(x)
    for i in range(len(x) - 1):
        a = buf[i]
        b = buf[i + 1]
        if a > b:
            buf[i] = b
            buf[i + 1] = a * 1.0
    return np.sum(buf * np.arange(len(x)))


def elem_swap(x):
    b = np.copy(x)
    for i in range(len(x) - 1):
        b[i], b[i + 1] = b[i + 1], b[i] * 2.0
    return np.sum(b * np.arange(1, len(x) + 1))


def computed_index(x):
    n = len(x)
    buf = np.zeros(n)
    for i in range(2 * n):
        j = (i * 3) % n
        buf[j] = buf[j] * 0.5 + x[i % n] * (i + 1)
    return np.sum(buf ** 2)


def buf_rows_view_then_write(x):
    B = np.zeros((3, 2))
    B[0] = x
    r = B[0] * 1.0
    B[1] = r * 2.0
    B[0] = B[1] + r
    return np.sum(B * B)


def buf_slice_assign_scalar(x, y):
    buf = np.ones(5)
    buf[1:4] = x
    buf[::2] = buf[::2] * y
    buf[-1] += x * y
    return np.sum(buf ** 3)


def neg_slices(x):
    buf = np.zeros(5)
    buf[::-1] = x
    buf[-1:0:-2] = buf[-1:0:-2] * x[1:3]
    return np.sum(buf * np.arange(5.0))


def fancy_read_repeat(x):
    idx = np.array([0, 2, 2, 1, 0, 0])
    y = x[idx]
    return np.sum(y * np.arange(6))


def fancy_write(x):
    buf = np.zeros(4)
    idx = np.array([3, 1])
    buf[idx] = x[:2] * 2.0
    buf[np.array([0, 2])] = buf[idx] ** 2
    return np.sum(buf * np.array([1.0, 2.0, 3.0, 4.0]))


def bool_mask_read(x):
    y = x[x > 0.0]
    return np.sum(y ** 2)


def bool_mask_write(x):
    buf = np.copy(x)
    m = buf > 0.0
    buf[m] = buf[m] ** 2
    return np.sum(buf * np.arange(len(x)))


def twoD_buffer_col(X):
    B = np.zeros((3, 3))
    for j in range(3):
        B[:, j] = X[:, j] * (j + 1)
        B[j, :] = B[j, :] + B[:, j]
    return np.sum(B ** 2)


def aug_slice_2d(X, v):
    B = np.zeros((3, 3))
    for j in range(3):
        B[:, j] += v * (j + 1)
        B[j] += X[j] * B[:, j]
    return np.sum(B ** 2)


def aug_repeated_slot(x):
    buf = np.zeros(2)
    for i in range(5):
        buf[i % 2] += x[i] * buf[(i + 1) % 2] + x[i]
    return buf[0] * buf[1]


def aug_ops_slots(x):
    buf = np.ones(3)
    for i in range(3):
        buf[i] *= x[i]
        buf[(i + 1) % 3] /= 1.0 + x[i] ** 2
        buf[(i + 2) % 3] **= 2
        buf[i] -= 0.1 * buf[(i + 1) % 3]
    return np.sum(buf)


def iter_buffer_while_writing(x):
    buf = np.copy(x)
    s = 0.0
    for v in buf:
        buf[0] = buf[0] + v * 0.5
        s = s + v * buf[0]
    return s


def cumsum_then_read(x):
    c = np.zeros(len(x))
    c[0] = x[0]
    for i in range(1, len(x)):
        c[i] = c[i - 1] + x[i] * c[i - 1]
    return np.sum(c * c) + c[-1] * c[0]


def matrix_built_inplace(x, v):
    A = np.zeros((2, 2))
    A[0, 0] = x
    A[1] = v * x
    A[:, 1] += v
    y = A @ v
    A[0] = y
    return np.sum(A @ A) + np.trace(A)


def tanh_then_rewrite(x):
    buf = np.copy(x)
    t = np.tanh(buf)
    buf[0] = t[1] * buf[2]
    u = np.exp(buf)
    buf[1] = u[0]
    return np.sum(buf * t) + np.sum(u)


def nested_returns_buffer(X):
    n = X.shape[0]
    buf = np.zeros(n)
    for i in range(n):
        for j in range(n):
            buf[j] = buf[j] + X[i, j] * buf[(j + 1) % n] + X[i, j]
            if buf[j] > 2.0:
                return np.sum(buf * buf)
    return np.sum(buf)


def while_buffer(x):
    buf = np.zeros(4)
    k = 0
    v = x
    while v < 3.0:
        buf[k % 4] = buf[k % 4] * 0.5 + v
        v = v * 1.4 + buf[(k + 1) % 4] * 0.1
        k += 1
    return np.sum(buf ** 2) + v


def buffer_phi_copy(x):
    buf = np.zeros(3)
    for i in range(3):
        buf[i] = x * (i + 1)
        if i == 1:
            buf = np.copy(buf)
            buf[0] = buf[0] * buf[2] + x
    return np.sum(buf ** 2)


def buffer_realloc_in_loop(x):
    s = 0.0
    for i in range(3):
        buf = np.zeros(2)
        buf[0] = x * i
        buf[1] = buf[0] * x
        s = s + buf[1]
    return s


def elem_read_phi_branch(x):
    buf = np.zeros(3)
    m = x
    for i in range(3):
        buf[i] = m * 1.5
        if i == 1:
            m = buf[0]
    return m * x + np.sum(buf)


def soft_dtw(x, y):
    n, m = len(x), len(y)
    D = np.full((n + 1, m + 1), 1e6)
    D[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            c = (x[i - 1] - y[j - 1]) ** 2
            a, b, d = D[i - 1, j], D[i, j - 1], D[i - 1, j - 1]
            mn = min(a, min(b, d))
            sm = math.exp(mn - a) + math.exp(mn - b) + math.exp(mn - d)
            D[i, j] = c + mn - math.log(sm)
    return D[n, m]


def gauss_seidel(A, b):
    n = len(b)
    x = np.zeros(n)
    for it in range(4):
        for i in range(n):
            s = b[i]
            for j in range(n):
                if j != i:
                    s = s - A[i, j] * x[j]
            x[i] = s / A[i, i]
    return np.sum(x * x)


def hmm_forward(logA, logp):
    T, K = logp.shape
    alpha = np.zeros((T, K))
    alpha[0] = logp[0]
    for t in range(1, T):
        for k in range(K):
            acc = alpha[t - 1, 0] + logA[0, k]
            for j in range(1, K):
                acc = np.logaddexp(acc, alpha[t - 1, j] + logA[j, k])
            alpha[t, k] = acc + logp[t, k]
    total = alpha[T - 1, 0]
    for k in range(1, K):
        total = np.logaddexp(total, alpha[T - 1, k])
    return total


# -------------------------------------------- matrix products in loops (deferred sums)


def rnn_view(W, X):
    n = X.shape[0]
    H = np.zeros((n + 1, W.shape[0]))
    for i in range(n):
        h = H[i]
        H[i + 1] = np.tanh(W @ h + X[i])
    return np.sum(H)


def rnn_copy(W, X):
    n = X.shape[0]
    H = np.zeros((n + 1, W.shape[0]))
    for i in range(n):
        h = H[i] * 1.0
        H[i + 1] = np.tanh(W @ h + X[i])
    return np.sum(H)


def rnn_restore(W, x):
    h = x
    s = 0.0
    for i in range(3):
        hn = np.tanh(W @ h)
        s = s + np.sum(hn)
        if i == 1:
            h = x
        else:
            h = hn
    return s


def matrix_loop_buffer_factor(W, x):
    H = np.zeros((4, 3))
    H[0] = x
    s = 0.0
    for i in range(3):
        H[i + 1] = np.tanh(W @ H[i])
        s = s + np.sum(H[i + 1] * H[i])
    return s


def matrix_loop_transposed(W, x):
    h = x
    s = 0.0
    for i in range(3):
        h = np.tanh(W.T @ h)
        g = h @ W
        s = s + np.sum(g * g)
    return s


def matrix_loop_nested(W, x):
    h = x
    s = 0.0
    for i in range(2):
        for j in range(2):
            h = np.tanh(W @ h + j)
        s = s + np.sum(h)
    return s


def matmul_matrix_matrix(W, X):
    H = X
    for i in range(3):
        H = np.tanh(W @ H)
    return np.sum(H)


def dot_in_loop(W, x):
    h = x
    for i in range(3):
        h = np.tanh(np.dot(W, h))
    return np.sum(h)


def matmul_in_loop_vec_vec(w, X):
    s = 0.0
    for i in range(X.shape[0]):
        s = s + math.tanh(w @ X[i])
    return s


def defer_inner_outer(W, x):
    h = x
    s = 0.0
    for i in range(2):
        h = np.tanh(W @ h)
        for j in range(2):
            g = np.tanh(W @ h * (j + 1))
            s = s + np.sum(g)
    return s


def defer_with_break(W, x):
    h = x
    for i in range(5):
        h = np.tanh(W @ h) + 0.5
        if np.sum(h) > 2.5:
            break
    return np.sum(h * h)


def defer_matmul_fn_and_op(W, x):
    h = x
    for i in range(3):
        h = np.tanh(np.matmul(W, h)) + np.tanh(W @ (h * 0.5))
    return np.sum(h)


def defer_3d(W, X):
    s = 0.0
    for i in range(2):
        Y = W @ X
        s = s + np.sum(np.tanh(Y) * (i + 1))
    return s


def defer_transposed_both(W, u):
    s = 0.0
    for i in range(2):
        a = W.T @ u
        b = W @ u
        s = s + np.sum(a * b)
    return s


def overwritten_product_branch(W, h, c):
    g = h * 0.5
    for i in range(3):
        if c * i > 0.5:
            g = W @ h
    return np.sum(g * h)


# ----------------------------------------------------------------- shapes, reductions


def none_index(x, y):
    M = x[:, None] * y[None, :]
    return np.sum(M ** 2) + np.sum(x[None] * 2.0)


def ellipsis_idx(X):
    return np.sum(X[..., 0] * X[..., 1]) + np.sum(X[None, ..., 1])


def reductions_axes(X):
    m = np.max(X, axis=1, keepdims=True)
    Z = X - m
    s = np.sum(np.exp(Z), axis=-1)
    mu = np.mean(X, axis=0)
    return np.sum(np.log(s)) + np.sum(mu ** 2) + np.min(X[:, 1])


def transpose_axes(T):
    U = np.transpose(T, (2, 0, 1))
    V = np.squeeze(U[0:1])
    return np.sum(V * np.arange(V.size).reshape(V.shape)) + np.sum(U.T ** 2)


def kwonly(x, *, scale=2.0, n=3):
    s = x
    for i in range(n):
        s = s * scale + x
    return s


# ======================================================================= bug functions
# (each one is a valid program on which pullback is wrong or crashes; see BUG reasons)


def mm_both_sides(W, u, v):
    s = 0.0
    for i in range(3):
        y = W @ v
        z = u @ W
        s = s + np.sum(np.tanh(y) * z) * (i + 1)
    return s


def mm_square_self(W):
    s = 0.0
    for i in range(2):
        s = s + np.sum(W @ W)
    return s


def defer_vec_left_and_right(W, u, v):
    s = 0.0
    for i in range(3):
        a = W @ v
        b = u @ W
        s = s + np.sum(a * a) + np.sum(b * b * (i + 1))
    return s


def overwritten_product(W, h):
    g = h * 0.5
    for i in range(3):
        g = W @ h
    return np.sum(g * h)


def overwritten_product_left(W, h):
    g = h * 0.5
    for i in range(3):
        g = h @ W
    return np.sum(g * h)


def overwritten_product_nested(W, h):
    g = h * 0.5
    for i in range(2):
        for j in range(2):
            g = W @ h
    return np.sum(g * h)


def mm_shapes_per_iteration(W, x, X):
    s = 0.0
    for i in range(2):
        if i == 1:
            h = x
        else:
            h = X
        s = s + np.sum(np.tanh(W @ h))
    return s


def pair_alias(x):
    buf = np.zeros(3)
    pair = (buf, x)
    buf[0] = x * 2.0
    v = pair[0]
    buf[1] = x * 3.0
    return np.sum(v * buf)


def int_buffer(x):
    buf = np.zeros(3, dtype=int)
    buf[0] = x
    return buf[0] * 1.0 + x * 0.0


def arange_buffer(x):
    buf = np.arange(3)
    buf[1] = x * 2.5
    return np.sum(buf * x)


def zeros_like_int_template(x, template):
    b = np.zeros_like(template)
    b[0] = x * 2.5
    return np.sum(b * 1.0) + x


def poly_pow(x):
    s = 0.0
    for k in range(4):
        s = s + x ** k
    return s


def poly_pow_arr(x):
    s = 0.0
    for k in range(4):
        s = s + np.sum(x ** k)
    return s


def mathpow_zero(x):
    s = 0.0
    for k in range(3):
        s = s + math.pow(x, k)
    return s


def nppower_zero(x):
    return np.sum(np.power(x, 0.0) + np.power(x, 2.0))


def zero_d_buffer_sum(x):
    b = np.zeros(())
    b[...] = x * x
    return np.sum(b)


def zero_d_buffer_scaled(x):
    b = np.array(0.0)
    b[()] = x * x
    return b * 1.0


def zero_d_buffer_returned(x):
    b = np.array(0.0)
    b[()] = x * x
    return b


def target_after_zero_trip(x, n):
    i = 5
    for i in range(n):
        pass
    return x * i


def zero_trip_same_name_inner(x):
    s = 0.0
    for i in range(1, 3):
        for i in range(0, 0):
            s = s + 1.0
        s = s + x * i
    return s


def inner_target_after(x):
    s = 0.0
    j = 0
    for i in range(1, 4):
        for j in range(i + 1):
            c = j * 2
        s = s + x * j
    return s


def inner_target_after_active(x):
    s = 0.0
    j = 0
    for i in range(1, 4):
        t = x
        for j in range(i + 1):
            t = t * 1.1
        s = s + t * j
    return s


def inner_target_after_break(x):
    s = 0.0
    j = 0
    for i in range(1, 4):
        t = x
        for j in range(5):
            t = t * x + 0.5
            if t > 1.0 + 0.3 * i:
                break
        s = s + math.sin(t * j)
    return s


def same_target_nested(x):
    s = 0.0
    for i in range(3):
        s = s + x * i
        for i in range(2):
            s = s * x + 0.1
        s = s + i * x
    return s


def phi_array_to_scalar_bcast(x, w):
    s = x
    for i in range(2):
        s = np.sum(s * w)
    return math.sin(s)


def copysign_fn(x):
    return math.copysign(x, -1.0) * 3.0


def full_fill(x):
    buf = np.full(3, x)
    buf[1] = buf[0] * 2.0
    return np.sum(buf ** 2)


def full_like_fill(x, v):
    b = np.full_like(v, x)
    return np.sum(b * v)


def linspace_ends(a, b):
    t = np.linspace(a, b, 5)
    return np.sum(t ** 2)


def one_sided_then_while_for(x, c):
    if c > 0.0:
        for i in range(1):
            t = x * 2.0
    k = 0
    while k < 2:
        k = k + 1
        for i in range(0, -1, -1):
            t = x * k
        x = x + i * 0.1 * t
    return x


# A module global whose name collides with a runtime helper of the generated code.
owned = 3.0


def uses_helper_named_global(x):
    return x * owned


# ======================================================================== refused ones


def row_swap_2d(X):
    B = np.copy(X)
    B[0], B[1] = B[1], B[0]
    return np.sum(B * np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))


def row_view_then_write_other(x):
    B = np.zeros((3, 2))
    B[0] = x
    r = B[0]
    B[1] = r * 2.0
    return np.sum(r * B[1])


def elem_read_phi(x):
    buf = np.zeros(3)
    m = 0.0
    for i in range(3):
        buf[i] = x * (i + 1)
        m = buf[i]
    return m * x + np.sum(buf)


def inner_target_after_no_init(x):
    s = 0.0
    for i in range(1, 4):
        for j in range(i + 1):
            c = j * 2
        s = s + x * j
    return s


def return_in_loop_then_local(x):
    for i in range(3):
        if x > 1.0:
            return x
        t = x * 2.0
    return t


def loop_only_nested(x):
    for i in range(3):
        for j in range(2):
            y = np.sin(x * (i + j + 1))
        z = y * y
    return np.sum(z * y)


def fancy_repeat_write(x):
    buf = np.zeros(3)
    buf[np.array([0, 0, 1])] = x
    return np.sum(buf)


def alias_buffer(x):
    buf = np.zeros(3)
    other = buf
    buf[0] = x
    return np.sum(other)


def write_input_then_rebind(x):
    x[0] = 1.0
    x = x * 2.0  # x no longer names the array written: its copy cannot be written back
    return np.sum(x)


def user_helper(t):
    return t * t


def calls_user_fn(x):
    return user_helper(x) + x


# =========================================================================== the cases

_R = np.random.default_rng(20240607)
W3 = _R.normal(size=(3, 3)) * 0.5
W34 = _R.normal(size=(3, 4))
U3 = _R.normal(size=3)
V3 = _R.normal(size=3)
V4 = _R.normal(size=4)
X43 = _R.normal(size=(4, 3))
X32 = _R.normal(size=(3, 2))
X2323 = _R.normal(size=(2, 3, 2))
T234 = _R.normal(size=(2, 3, 4))
X34 = _R.normal(size=(3, 4))
LOGA = _R.normal(size=(3, 3))
LOGP = _R.normal(size=(4, 3))
SPD = np.array([[4.0, 1.0, 0.5], [0.3, 3.0, 0.2], [0.1, 0.4, 5.0]])
A33 = np.array([[0.3, 0.5, 0.2], [0.9, -0.4, 0.8], [0.1, 0.7, 0.6]])


def ok(fn, args, wrt=0, rtol=1e-5, atol=1e-7, id=None):
    return pytest.param(fn, args, wrt, rtol, atol, id=id or fn.__name__)


def bug(reason, fn, args, wrt=0, id=None):
    return pytest.param(fn, args, wrt, 1e-5, 1e-7, id=id or fn.__name__,
                        marks=pytest.mark.xfail(strict=True, reason=f"BUG: {reason}"))


B_DEFER_BOTH_SIDES = ("deferred matrix-product gradients: a loop-invariant matrix used as the "
                      "LEFT factor (W @ v) and as the RIGHT factor (u @ W) in one loop records "
                      "both kinds of pair in one parts list, summed with the helper of the first "
                      "(reverse.Reverse.defer keys parts by name only)")
B_DEFER_SHAPES = ("sum_matmul_grad_a/b take the np.stack fast path from parts[0] alone; a zero "
                  "float cotangent (product overwritten by a later iteration) or a factor whose "
                  "ndim differs per iteration crashes with ValueError")
B_ZERO_COT = ("matmul_grad_a/b get a Python float 0.0 cotangent (product overwritten in a later "
              "inner iteration) and crash: `g @ a` with a 0-d g")
B_INT_BUFFER = ("in-place write into an INTEGER buffer truncates the value (piecewise constant, "
                "derivative 0), but the adjoint hands the slot gradient to the written value")
B_POW_ZERO = ("rule a**b -> g*b*a**(b-1) evaluated at a=0, b=0: 0.0**-1 raises "
              "ZeroDivisionError/ValueError (scalars) or gives 0*inf=NaN (arrays); the true "
              "derivative of x**0 is 0")
B_ZERO_D = ("0-d buffer (np.zeros(()) / np.array(0.0)) written in place: its gradient is a "
            "scalar, take_slot_grad returns 0.0 for non-ndarray gradients, the gradient is lost")
B_ZERO_TRIP_TARGET = ("after a loop that runs zero times the loop variable keeps its previous "
                      "value; SSA maps it to the (never bound) loop-target version: "
                      "UnboundLocalError")
B_INNER_TARGET = ("the target of an INNER loop, read after that loop inside the outer loop, is "
                  "neither saved by the outer loop's record nor restored: the adjoint reads a "
                  "stale value (last primal value, or 0 left by the inner adjoint loop)")
B_SCALAR_PHI = ("scalar inference asserts the loop variable s scalar (math.sin(s) after the "
                "loop) and propagates that back through the phi to the array x; unbroadcast is "
                "then skipped for w and the adjoint crashes with a broadcast ValueError")
B_NONDIFF_TABLE = "the rule tables mark a differentiable function as NONDIFF: silent zero gradient"
B_ONE_SIDED = ("a version assigned on one side of an if (here behind an early-return / "
               "loop flag) is copied by an SSA merge/phi on a path where it was never bound: "
               "UnboundLocalError in the generated primal")

GRAD_CASES = [
    ok(calls_user_fn, (0.7,)),
    # once refused as possibly unbound or possibly views; fine since sentinels and element checks
    ok(elem_read_phi, (0.7,)),
    ok(inner_target_after_no_init, (0.7,)),
    ok(return_in_loop_then_local, (0.7,)),
    ok(loop_only_nested, (np.array([0.3, 0.7]),)),
    # control flow
    ok(nested_break_deep, (0.3, 4)),
    ok(cont_break_mix, (np.array([0.3, -0.8, 1.2, 0.9, 1.1, -0.7, 1.3]),)),
    ok(while_with_for_break, (0.4,)),
    ok(early_return_nested, (A33,), id="early_return_nested-returns"),
    ok(early_return_nested, (np.abs(A33),), id="early_return_nested-falls-through"),
    ok(flags_galore, (np.array([0.3, 0.4, 0.25, 0.2, 0.15]),), id="flags_galore-a"),
    ok(flags_galore, (np.array([0.9, 0.4, 0.35, 0.6, 0.15]),), id="flags_galore-b"),
    ok(flags_galore, (np.array([0.3, 0.4, -0.45, -0.6, -0.15]),), id="flags_galore-c"),
    ok(return_from_while_in_for, (0.5,), id="return_from_while_in_for-returns"),
    ok(return_from_while_in_for, (-2.0,), id="return_from_while_in_for-falls-through"),
    ok(for_else_like, (np.array([0.3, 0.4, 0.7, 0.2]),), id="for_else_like-found"),
    ok(for_else_like, (np.array([0.3, 0.4, 0.1, 0.2]),), id="for_else_like-not-found"),
    ok(while_return, (0.5,), id="while_return-returns"),
    ok(while_return, (-5.0,), id="while_return-falls-through"),
    ok(while_continue, (0.7,)),
    ok(for_in_while_return, (0.5,), id="for_in_while_return-a"),
    ok(for_in_while_return, (-0.9,), id="for_in_while_return-b"),
    ok(multi_return_paths, (0.7, -0.3), (0, 1), id="multi_return_paths-z-minus"),
    ok(multi_return_paths, (0.2, 0.3), (0, 1), id="multi_return_paths-z-plus"),
    ok(multi_return_paths, (0.9, -0.1), (0, 1), id="multi_return_paths-z-plus-2"),
    ok(min_multi_return, (0.7, -0.3), (0, 1), id="min_multi_return-no-early-return"),
    ok(boolop_values, (0.5, 0.8), (0, 1), id="boolop_values-a"),
    ok(boolop_values, (1.5, 0.8), (0, 1), id="boolop_values-b"),
    ok(not_condition, (0.45, 0.3), (0, 1)),
    ok(ifexp_in_loop, (0.4,)),
    ok(elif_chain, (0.43,), id="elif_chain-a"),
    ok(elif_chain, (0.2,), id="elif_chain-b"),
    ok(chained_cmp, (0.35,)),
    ok(chained_cmp_while, (0.35,)),
    # loop-carried / loop-defined values
    ok(defined_some_iters, (0.7,)),
    ok(branch_defined_used_same_iter, (np.array([0.5, -0.3, 0.2, -1.1]),)),
    ok(loop_var_after, (0.7,)),
    ok(loop_def_after_nl, (np.array([0.7, 0.3]),)),
    ok(loop_only_while, (0.4,)),
    ok(loop_only_with_break, (0.4,)),
    ok(loop_only_branch_both, (0.4,)),
    ok(zero_trip, (0.5, 0), id="zero_trip-0"),
    ok(zero_trip, (0.5, 3), id="zero_trip-3"),
    ok(reversed_neg_step, (np.array([0.3, -0.2, 0.9, 0.1]),)),
    ok(var_step, (np.array([0.3, 0.5, -0.2, 0.9, 0.4]), 2)),
    ok(reassign_target, (0.3,)),
    ok(param_as_target, (0.7, 5)),
    ok(modify_bound, (0.7,)),
    ok(param_scalar_and_loop, (1.3, np.array([0.5, 2.0, 1.0])), (0, 1)),
    ok(wrt_only_condition, (0.5, 0.7), 1, id="wrt_only_condition-c"),
    ok(wrt_only_condition, (0.5, 0.7), (0, 1), id="wrt_only_condition-both"),
    ok(tuple_phi, (0.5, 0.8), (0, 1)),
    ok(tuple_swap_arrays, (U3, V3), (0, 1)),
    ok(tuple_unpack_from_call, (X32,)),
    ok(unpack_row, (np.array([[0.3, 0.2, 0.7], [0.9, 0.1, 0.4]]),)),
    ok(list_literal_repeats, (np.array([0.3, 0.2]), np.array([0.5, -0.1])), (0, 1)),
    ok(enumerate_zip_nested, (np.array([0.3, 0.2, 0.7]), np.array([0.5, -0.1, 0.4])), (0, 1)),
    ok(zip_unequal, (np.array([0.3, 0.2, 0.7, 0.9]), np.array([0.5, -0.1, 0.4])), (0, 1)),
    ok(phi_array_to_scalar, (np.array([0.3, 0.5]),)),
    ok(one_sided_then_loop, (0.7, -1.0), 0, id="one_sided_then_loop-unbound"),
    ok(one_sided_then_loop, (0.7, 1.0), 0, id="one_sided_then_loop-bound"),
    ok(one_sided_then_if, (0.7, -1.0), 0, id="one_sided_then_if-a"),
    ok(one_sided_then_if, (0.7, 2.0), 0, id="one_sided_then_if-b"),
    ok(kwonly, (0.5,), "x"),
    # buffers
    ok(slot_overwrite_read, (np.array([0.3, 0.7, -0.4]),)),
    ok(same_slot_many, (0.6,)),
    ok(rows_write_elem_read, (X43,)),
    ok(swap_slots, (np.array([0.3, -0.2, 0.9, 0.1]),)),
    ok(elem_swap, (np.array([0.3, 0.2, 0.7, 0.9]),)),
    ok(computed_index, (np.array([0.3, -0.2, 0.9, 0.1]),)),
    ok(buf_rows_view_then_write, (np.array([0.3, -0.4]),)),
    ok(buf_slice_assign_scalar, (0.3, 1.4), (0, 1)),
    ok(neg_slices, (np.array([0.3, 0.8, -0.2, 0.5, 0.1]),)),
    ok(fancy_read_repeat, (U3,)),
    ok(fancy_write, (U3,)),
    ok(bool_mask_read, (np.array([0.3, -0.8, 0.2, 0.5]),)),
    ok(bool_mask_write, (np.array([0.3, -0.8, 0.2, 0.5]),)),
    ok(twoD_buffer_col, (A33,)),
    ok(aug_slice_2d, (A33, np.array([0.3, -0.2, 0.5])), (0, 1)),
    ok(aug_repeated_slot, (np.array([0.3, 0.2, 0.7, 0.9, 0.5]),)),
    ok(aug_ops_slots, (np.array([0.3, 0.8, -0.2]),)),
    ok(iter_buffer_while_writing, (np.array([0.3, 0.2, 0.7]),)),
    ok(cumsum_then_read, (np.array([0.3, 0.8, -0.2, 0.5]),)),
    ok(matrix_built_inplace, (0.7, np.array([0.3, -0.5])), (0, 1)),
    ok(tanh_then_rewrite, (np.array([0.3, 0.8, -0.2]),)),
    ok(nested_returns_buffer, (A33 * 0.3,), id="nested_returns_buffer-falls-through"),
    ok(nested_returns_buffer, (np.abs(A33) + 0.2,), id="nested_returns_buffer-returns"),
    ok(while_buffer, (0.7,)),
    ok(buffer_phi_copy, (0.7,)),
    ok(buffer_realloc_in_loop, (0.7,)),
    ok(elem_read_phi_branch, (0.7,)),
    ok(soft_dtw, (np.array([0.3, 0.8, -0.2]), np.array([0.1, 0.5, 0.4, -0.3])), (0, 1)),
    ok(gauss_seidel, (SPD, np.array([1.0, -0.5, 0.3])), (0, 1)),
    ok(hmm_forward, (LOGA, LOGP), (0, 1)),
    # matrix products in loops
    ok(rnn_view, (W3, X43), (0, 1)),
    ok(rnn_copy, (W3, X43), (0, 1)),
    ok(rnn_restore, (W3, U3), (0, 1)),
    ok(matrix_loop_buffer_factor, (W3, U3), (0, 1)),
    ok(matrix_loop_transposed, (W3, U3), (0, 1)),
    ok(matrix_loop_nested, (W3, U3), (0, 1)),
    ok(matmul_matrix_matrix, (W3, X32), (0, 1)),
    ok(dot_in_loop, (W3, U3), (0, 1)),
    ok(matmul_in_loop_vec_vec, (U3, X43), (0, 1)),
    ok(defer_inner_outer, (W3, U3), (0, 1)),
    ok(defer_with_break, (W3, U3 * 0.3), (0, 1)),
    ok(defer_matmul_fn_and_op, (W3, U3), (0, 1)),
    ok(defer_3d, (W3, X2323), (0, 1)),
    ok(defer_transposed_both, (W3, U3), (0, 1)),
    ok(overwritten_product_branch, (W3, U3, 0.4), (0, 1)),
    # shapes and reductions
    ok(none_index, (U3, V3[:2]), (0, 1)),
    ok(ellipsis_idx, (X2323,)),
    ok(reductions_axes, (X34,)),
    ok(transpose_axes, (T234,)),
    # ------------------------------------------------------------------------- bugs
    ok(mm_both_sides, (W3, U3, V3), 0),
    ok(mm_square_self, (W3,), 0),
    ok(defer_vec_left_and_right, (W34, U3, V4), 0),
    ok(overwritten_product, (W3, U3), 0),
    ok(overwritten_product_left, (W3, U3), 0),
    ok(mm_shapes_per_iteration, (W3, U3, X32), 0),
    ok(overwritten_product_nested, (W3, U3), (0, 1)),
    ok(poly_pow, (0.0,)),
    ok(poly_pow_arr, (np.array([0.0, 0.5]),)),
    ok(mathpow_zero, (0.0,)),
    ok(nppower_zero, (np.array([0.0, 0.5]),)),
    ok(zero_d_buffer_sum, (0.5,)),
    ok(zero_d_buffer_scaled, (0.5,)),
    ok(zero_d_buffer_returned, (0.5,)),
    ok(target_after_zero_trip, (0.7, 0)),
    ok(zero_trip_same_name_inner, (0.7,)),
    ok(inner_target_after, (0.7,)),
    ok(inner_target_after_active, (0.7,)),
    ok(inner_target_after_break, (0.7,)),
    ok(same_target_nested, (0.7,)),
    ok(phi_array_to_scalar_bcast,
        (np.array([[0.3, 0.5], [0.1, 0.2]]), np.array([0.2, 0.4])), (0, 1)),
    ok(copysign_fn, (0.7,)),
    ok(full_fill, (0.7,)),
    ok(full_like_fill, (0.7, np.array([0.2, 0.5])), (0, 1)),
    ok(min_multi_return, (0.7, 0.3), (0, 1), id="min_multi_return-early-return"),
    ok(multi_return_paths, (0.7, 0.3), (0, 1),
        id="multi_return_paths-early-return-a"),
    ok(multi_return_paths, (0.2, -1.5), (0, 1),
        id="multi_return_paths-early-return-b"),
    ok(one_sided_then_while_for, (0.7, -1.0), 0),
    ok(uses_helper_named_global, (0.7,)),
    ok(linspace_ends, (0.3, 1.2), (0, 1)),
    # second names of a buffer written in place: one object (lower/aliases.py)
    ok(pair_alias, (0.7,)),
    ok(alias_buffer, (0.7,)),
]


@pytest.mark.parametrize("fn, args, wrt, rtol, atol", GRAD_CASES)
def test_gradient_matches_finite_differences(fn, args, wrt, rtol, atol):
    assert_grad_matches(fn, args, wrt=wrt, rtol=rtol, atol=atol)


# value_and_grad: the value is f's value and the gradient is grad's, for passing programs.
VALUE_CASES = [p for p in GRAD_CASES if not p.marks][:40]


@pytest.mark.parametrize("fn, args, wrt, rtol, atol", VALUE_CASES)
def test_value_and_grad_value_is_f(fn, args, wrt, rtol, atol):
    before = snapshot(args)
    value, grads = pullback.value_and_grad(fn, wrt=wrt)(*args)
    assert_unchanged(before, args, what="value_and_grad")
    np.testing.assert_allclose(value, fn(*snapshot(args)[0]), rtol=1e-12, atol=1e-12)
    assert_close(grads, pullback.grad(fn, wrt=wrt)(*args), rtol=1e-12, atol=1e-12)


def test_value_and_grad_of_zero_d_buffer():
    value, g = pullback.value_and_grad(zero_d_buffer_returned)(0.5)
    assert float(value) == pytest.approx(0.25)
    assert g == pytest.approx(1.0)


# ====================================================================== refusals

REFUSED = [
    pytest.param(int_buffer, (0.5,),
                 id="int_buffer (legitimate: an integer buffer truncates a written value)"),
    pytest.param(arange_buffer, (0.3,), id="arange_buffer (legitimate: integer buffer)"),
    pytest.param(zeros_like_int_template, (0.3, np.array([1, 2, 3])),
                 id="zeros_like_int_template (legitimate: integer buffer)"),
    pytest.param(row_swap_2d, (np.arange(6.0).reshape(3, 2),),
                 id="row_swap_2d (legitimate: B[0], B[1] = B[1], B[0] reads a row view after "
                    "the write; numpy's own result is the aliasing trap)"),
    pytest.param(row_view_then_write_other, (np.array([0.3, -0.4]),),
                 id="row_view_then_write_other (CONSERVATIVE: r = B[0] is a view, but only "
                    "row 1 is written before r is read again)"),
    pytest.param(fancy_repeat_write, (np.array([0.7, 0.2, 0.3]),),
                 id="fancy_repeat_write (legitimate: repeated positions in a fancy write)"),
    pytest.param(write_input_then_rebind, (np.array([0.7, 0.2, 0.3]),),
                 id="write_input_then_rebind (a write into an input array, which is made on "
                    "a copy, and the name rebound)"),
]


@pytest.mark.parametrize("fn, args", REFUSED)
def test_refused_with_pullback_error(fn, args):
    with pytest.raises(pullback.PullbackError):
        pullback.grad(fn)(*args)


# ===================================================================================== vjp


def rnn_states(W, X):
    n = X.shape[0]
    H = np.zeros((n + 1, W.shape[0]))
    for i in range(n):
        H[i + 1] = np.tanh(W @ H[i] + X[i])
    return H


def running_max(x):
    out = np.zeros(len(x))
    m = x[0]
    for i in range(len(x)):
        if x[i] > m:
            m = x[i]
        out[i] = m * x[i]
    return out


def rows_rewritten(x):
    y = np.zeros((2, len(x)))
    y[0] = np.sin(x)
    y[1] = y[0] * x
    y[0] = y[1] + 1.0
    return y


def loop_phi_array(x, W):
    h = x
    for i in range(3):
        h = np.tanh(W @ h) + h
    return h


def identity(x):
    return x


VJP_CASES = [
    pytest.param(rnn_states, (W3, X43), _R.normal(size=(5, 3)), (0, 1), id="rnn_states"),
    pytest.param(running_max, (np.array([0.3, 0.1, 0.5, 0.4, 0.9]),), _R.normal(size=5), 0,
                 id="running_max"),
    pytest.param(rows_rewritten, (np.array([0.3, 0.1, 0.5]),), _R.normal(size=(2, 3)), 0,
                 id="rows_rewritten"),
    pytest.param(loop_phi_array, (U3, W3), _R.normal(size=3), (0, 1), id="loop_phi_array"),
    pytest.param(identity, (U3,), _R.normal(size=3), 0, id="identity"),
]


@pytest.mark.parametrize("fn, args, seed, wrt", VJP_CASES)
def test_vjp_matches_finite_differences(fn, args, seed, wrt):
    before = snapshot(args + (seed,))
    got = pullback.vjp(fn, wrt=wrt)(*args, seed)
    assert_unchanged(before, args + (seed,), what="vjp")

    def projected(*a):
        return float(np.sum(np.asarray(fn(*a)) * seed))

    expected = numeric_grad(projected, args, wrt=wrt)
    assert_close(got, expected, rtol=1e-5, atol=1e-7)


def test_vjp_result_does_not_alias_seed():
    seed = np.array([1.0, 2.0, 3.0])
    g = pullback.vjp(identity)(U3, seed)
    assert not np.shares_memory(g, seed)


# ======================================================================= cache, globals

SCALE = 2.0


def reads_global_scale(x):
    return x * SCALE


def test_global_scalar_read_live():
    global SCALE
    df = pullback.grad(reads_global_scale)
    try:
        assert df(1.0) == pytest.approx(2.0)
        SCALE = 5.0
        assert df(1.0) == pytest.approx(5.0)
        assert pullback.grad(reads_global_scale)(1.0) == pytest.approx(5.0)
    finally:
        SCALE = 2.0


ACTIVATION = np.tanh


def reads_global_function(x):
    return np.sum(ACTIVATION(x) * x)

def test_global_function_rebound_after_first_grad():
    global ACTIVATION
    x = np.array([0.3, 0.6])
    try:
        assert_grad_matches(reads_global_function, (x,))
        ACTIVATION = np.sin
        assert_grad_matches(reads_global_function, (x,))
    finally:
        ACTIVATION = np.tanh


def make_layer(act):
    def layer(x):
        return np.sum(act(x) * x)

    return layer

def test_closures_over_different_functions():
    x = np.array([0.3, 0.6])
    assert_grad_matches(make_layer(np.tanh), (x,))
    assert_grad_matches(make_layer(np.sin), (x,))


def test_closures_over_different_constants():
    def make(c):
        def f(x):
            return x * c

        return f

    assert pullback.grad(make(2.0))(1.0) == pytest.approx(2.0)
    assert pullback.grad(make(7.0))(1.0) == pytest.approx(7.0)


def test_grad_twice_same_result_and_args_untouched():
    x = np.array([0.3, 0.8, -0.2, 0.5])
    before = snapshot((x,))
    g1 = pullback.grad(cumsum_then_read)(x)
    g2 = pullback.grad(cumsum_then_read)(x)
    assert_unchanged(before, (x,))
    np.testing.assert_array_equal(g1, g2)
    assert not np.shares_memory(g1, g2)


def test_redefined_function_is_transformed_anew(tmp_path, monkeypatch):
    path = tmp_path / "adv_redefined_mod.py"
    path.write_text("def h(x):\n    return x * x\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    mod = importlib.import_module("adv_redefined_mod")
    try:
        assert pullback.grad(mod.h)(3.0) == pytest.approx(6.0)
        path.write_text("def h(x):\n    s = x\n    for i in range(2):\n        s = s * x\n"
                        "    return s\n")
        mod = importlib.reload(mod)
        assert pullback.grad(mod.h)(3.0) == pytest.approx(27.0)
    finally:
        sys.modules.pop("adv_redefined_mod", None)


def test_integer_inputs():
    def poly(x, n):
        s = 0.0
        for i in range(n):
            s = s + x ** 2 * i
        return s * x

    assert pullback.grad(poly, 0)(3, 4) == pytest.approx(3 * 9 * 6)
    gx, gn = pullback.grad(poly, (0, 1))(3, 4)
    assert gx == pytest.approx(162.0) and gn == 0.0
