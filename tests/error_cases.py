"""Functions pullback must refuse, each with the offending line marked `# <- here`.

The tests find the marker with inspect, so the expected line number follows the
file as it is edited.

None of these functions is meant to be called.
"""

import itertools
import math

import numpy as np

COUNTER = 0.0
SPD_CONST = np.array([[2.0, 0.5, 0.0], [0.5, 1.5, 0.25], [0.0, 0.25, 1.0]])

# ------------------------------------------------------------ unsupported syntax


def uses_class(x):
    class Box:  # <- here
        scale = 2.0

    return x * Box.scale


def uses_try(x):
    try:  # <- here
        y = math.log(x)
    except ValueError:
        y = 0.0
    finally:
        return y * x  # a jump out of the clean-up  # noqa: B012


def uses_with(x):
    with np.errstate(all="ignore") as (a, b):  # <- here
        y = np.log(x)
    return np.sum(y)


def uses_yield(x):
    for i in range(3):
        yield x * i  # <- here


def uses_global(x):
    global COUNTER  # <- here
    COUNTER = COUNTER + 1.0
    return x * COUNTER


def make_nonlocal_closure():
    total = 0.0

    def accumulate(x):
        nonlocal total  # <- here
        total = total + x
        return total * x

    return accumulate


async def uses_async(x):  # <- here
    return x * 2.0


def uses_del(x):
    tmps = [x * 2.0, x]
    y = tmps[0] + 1.0
    del tmps[0]  # <- here
    return y * x


def uses_lambda(x):
    handlers = [lambda t: t * t]  # <- here
    handlers.append(np.sin)
    return handlers[0](x) + x


def uses_nested_def(x):
    def fact(n):
        return 1.0 if n == 0 else n * fact(n - 1)  # <- here

    return fact(3) * x


def uses_starred(x):
    total = 0.0
    for head, *tail in [(x, 2.0 * x), (x, 3.0 * x)]:  # <- here
        total = total + head * tail[0]
    return total


def closure_returned_on_one_path(x):
    def make(k):  # <- here
        if k > 1.0:
            return lambda v: v * k
        return k

    return make(2.0)(x)


def closure_kept_in_a_dict(x):
    def make(k):
        return lambda v: v * k

    table = {"double": make(2.0)}  # <- here
    return table["double"](x)


def nested_function_put_in_a_list(x):
    fs = []
    fs.append(lambda t: t * x)  # <- here
    return x * fs[0](x)


def unsupported_after_supported_code(x, y):
    a = x * y
    if a > 0.0:
        b = np.sin(a)
    else:
        b = np.cos(a)
    for _ in range(3):
        b = b * x
        try:  # <- here
            b = b + 1.0
        finally:
            continue  # noqa: B012
    return b


# ------------------------------------------------------------------ no rule


def gamma_active(x):
    y = x * 0.5
    return math.gamma(y) * x  # <- here


def cond_active(A):
    S = A + np.transpose(A)
    c = np.linalg.cond(S)  # <- here
    return c * c


def unwrap_active(x):
    phase = np.unwrap(np.outer(x, x) + np.eye(3))  # <- here
    return np.sum(phase[0])


def gamma_of_second_argument(x, n):
    return x * math.gamma(n)  # <- here


def gamma_inactive_constant(x):
    c = math.gamma(3.0)
    return c * x


def eigh_inactive_global(x):
    w, v = np.linalg.eigh(SPD_CONST)
    return np.sum(w) * x


def fft_inactive_argument(x, y):
    return np.sum(x * np.abs(np.fft.fft(y)))


# ------------------------------------------------------- writes into inputs


def writes_into_input(x):
    x[0] = 1.0  # <- here
    return np.sum(x**2)


def writes_into_input_then_rebinds(x):
    x[0] = 1.0  # <- here
    x = x * 2.0
    return np.sum(x**2)


def augments_input_slice(x):
    y = np.sin(x)
    x[1:3] *= 2.0  # <- here
    return np.sum(x * y)


# ------------------------------------------- messages in the user's own terms


def writes_into_copy_method(a, x):  # supported: a.copy() is a new array
    b = a.copy()
    b[0] = x
    return np.sum(a * b)


def writes_into_array_not_copied(a, x):
    b = np.array(a, copy=None)  # may be a itself
    b[0] = x  # <- here
    return np.sum(a * b)


def writes_into_rebound_buffer(a, x):
    buf = np.zeros(3)
    for i in range(3):
        made = buf + a
        buf = np.reshape(made, (3,))  # may be a view of made, which is read below
        buf[i] = x * buf[i]  # <- here
        x = x + made[0]
    return np.sum(buf)


def aliases_rebound_buffer(a, x):
    buf = np.zeros(3)
    buf = buf + a
    buf = np.copy(buf)
    if x > 0:  # a second name on one path only stays refused
        other = buf  # <- here
    else:
        other = np.ones(3)
    buf[0] = x
    return np.sum(buf * other)


def calls_rebound_local_function(x, c):
    act = np.tanh
    if c > 0:
        act = np.sin
    name = act.__name__  # read as a value too: no choice between calls by name
    return np.sum(act(x)) + len(name)  # <- here


# ------------------------------------- functions that receive a nested function
# pullback inlines them at the call; these misuse what they receive. The marked line
# is in the function receiving it; the callers below are the functions differentiated.


def keeps_function(f, x):
    g = f  # <- here
    return g(x)


def packs_function(f, x):
    return [f, x]  # <- here


def reassigns_function(f, x):
    if x > 0.0:
        f = np.sin  # <- here
    return f(x)


def repeats(f, x, n):
    if n == 0:
        return x
    return repeats(f, f(x), n - 1)  # <- here


def ping_function(f, x, n):
    return x if n == 0 else pong_function(f, f(x), n - 1)


def pong_function(f, x, n):
    return ping_function(f, f(x), n)  # <- here


def maps_through_lambda(f, xs):
    return sum(map(lambda t: f(t), xs))  # <- here


def reads_undefined_global(f, x):
    return f(x) * NOT_DEFINED_ANYWHERE  # noqa: F821  # <- here


def passes_lambda_to_keeper(x):
    return keeps_function(lambda t: t * x, x)


def passes_lambda_to_packer(x):
    return packs_function(lambda t: t * x, x)[1]


def passes_def_to_reassigner(x, w):
    def scale(t):
        return t * w

    return reassigns_function(scale, x)


def passes_lambda_to_recursion(x):
    return repeats(lambda t: t * x, x, 3)


def passes_lambda_to_mutual_recursion(x):
    return ping_function(lambda t: t * x, x, 3)


def passes_function_to_mapper(x):
    return maps_through_lambda(lambda t: t * x, [x, 2.0])


def passes_lambda_to_undefined(x):
    return reads_undefined_global(lambda t: t * x, x)


def passes_lambda_to_builtin(xs):
    return sum(itertools.starmap(lambda a, b: a * b, zip(xs, xs)))  # <- here


def passes_lambda_to_nondifferentiable(x):
    return x * stop_gradient(lambda t: t, x)  # <- here


def stop_gradient(f, x):  # marked non-differentiable by its test
    return f(x)


# ------------------------------------------------------------ refused while the gradient runs
# Errors raised by a rule or a runtime helper when the generated code meets the values
# (not when it is made): they name the line whose statement, adjoint or tangent ran.


class Items:  # indexable through a __getitem__ that counts its reads: refused (pullback
    # runs it again for the gradient, which would count twice)
    def __init__(self, a):
        self.a = a
        self.reads = 0

    def __getitem__(self, i):
        self.reads += 1
        return self.a[i]


def indexes_an_object(v, x):
    return v[0] * x  # <- here


def calls_a_function_indexing_an_object(v, x):
    y = indexes_an_object(v, x)
    return y * 2.0


def cholesky_of_complex(x):
    a = np.outer(x, x) + np.eye(2) * (1 + 1j)
    lower = np.linalg.cholesky(a)  # <- here
    return np.sum(np.abs(lower))


def slogdet_of_complex(x):
    sign, logdet = np.linalg.slogdet(np.diag(x) * 1j + np.eye(2))  # <- here
    return logdet


def eigh_of_complex(x):
    scale = x[0] * 2.0
    w, v = np.linalg.eigh(np.diag(x) * 1j + np.eye(2))  # <- here
    return np.sum(w) * scale


def cholesky_tangent_of_complex(x):
    a = np.outer(x, x) + np.eye(2) * (1 + 1j)
    return np.linalg.cholesky(a)  # <- here


def operator_on_a_passed_object(vs, x):  # an object from a container: refused
    y = np.sin(x)
    return y * vs[0]  # <- here
