"""Functions with effect statements and blocks (raise, assert, calls made for their effect,
in-place NumPy writes, with, try/except), for tests/test_statements.py. Refusals carry
the `# <- here` marker on the line the error must name. Nothing here is for users."""

import contextlib
import logging
import math
import warnings

import numpy as np

LOGGER = logging.getLogger("pullback.tests.statements")
HISTORY = []
TABLE = np.array([1.0, 2.0, 3.0])
RNG = np.random.default_rng(0)


class Counter:
    """A module-level object whose method is called for its effect."""

    def __init__(self):
        self.count = 0

    def tick(self, *labels):
        self.count += 1


TICKS = Counter()


class Managed:
    """A context manager that counts its entries and exits and hands out a scale."""

    entered = 0
    exited = 0

    def __init__(self, scale=2.0):
        self.scale = scale

    def __enter__(self):
        Managed.entered += 1
        return self.scale

    def __exit__(self, *exc):
        Managed.exited += 1
        return False


# ------------------------------------------------------------------ raise


def raise_argument_check(v):
    if v.shape[0] < 2:
        raise ValueError(f"need at least 2 values, got {v.shape[0]}")
    return np.sum(v ** 2) * v[0]


def raise_scalar_guard(x):
    if x <= 0.0:
        raise ValueError("x must be positive")
    else:
        y = math.log(x)
    return y * x


def raise_in_loop(v):
    total = 0.0
    for i in range(v.shape[0]):
        if v[i] > 10.0:
            raise OverflowError(f"v[{i}] = {v[i]:.2f} is too large")
        total = total + np.sin(v[i]) * v[i]
    return total


def raise_in_while(x):
    y = x
    steps = 0
    while y < 5.0:
        if steps > 50:
            raise RuntimeError("no progress")
        y = y * 1.5 + 0.1
        steps += 1
    return y


def raise_only_branch_sets(v):
    for i in range(v.shape[0]):
        if v[i] < -5.0:
            label = "bad"
            raise ValueError(label)
        else:
            w = v[i] * 2.0
    return w * np.sum(v)


def _checked_square(t):
    if t > 100.0:
        raise ValueError("too large")
    return t * t


def raise_in_callee(x):
    return _checked_square(x) + _checked_square(2.0 * x)


def raise_unreachable_guard(x, mode):
    if mode == "square":
        return x * x
    elif mode == "cube":
        return x * x * x
    raise ValueError(f"unknown mode {mode!r}")


# ------------------------------------------------------------------ assert


def assert_with_message(v):
    assert v.ndim == 1, f"a vector please, got {v.ndim} dimensions"
    for i in range(v.shape[0]):
        assert np.isfinite(v[i])
    return np.sum(np.tanh(v) * v)


def _asserting_helper(t):
    assert t > 0.0, "positive"
    return math.sqrt(t)


def assert_in_callee(x):
    return _asserting_helper(x * x + 1.0) * x


# ------------------------------------------------------------------ effect calls


def print_in_loop(v):
    total = 0.0
    for i in range(v.shape[0]):
        print("step", i, v[i], f"{total:.3f}")
        if v[i] > 0.0:
            print(f"positive at {i}")
        total = total + v[i] ** 2
    print("total", total)
    return total


def ticks_in_loop(x):
    y = x
    for i in range(4):
        TICKS.tick("loop", i)
        y = np.sin(y) + x
    if y > 0.0:
        TICKS.tick()
    return y


def _logs_and_squares(t):
    LOGGER.info("value %s", t)
    return t * t


def warn_and_log(x):
    if x < 1.0:
        warnings.warn(f"small x: {x:.3f}", stacklevel=2)
    logging.getLogger("pullback.tests.statements")
    LOGGER.debug("x=%s", x)
    LOGGER.info("x=%s", x)
    return _logs_and_squares(x) + x


def method_on_parameter_object(x, log):
    log.tick("start", 1)
    return x * x


def bare_expression_statements(v):
    v[0]
    np.sum(v)
    return np.sum(v * v)


# ------------------------------------------------------------------ in-place NumPy writes


def fill_diagonal_with_value(v):
    A = np.zeros((3, 3))
    np.fill_diagonal(A, v[0] * v[1])
    B = np.outer(v, v) + A
    return np.sum(B @ v)


def fill_then_write(v):
    a = np.zeros(3)
    a.fill(v[2])
    a[0] = v[0] ** 2
    return np.sum(a * v)


def copyto_and_out(v):
    b = np.zeros(3)
    np.copyto(b, np.sin(v))
    np.exp(b, out=b)
    c = np.empty(3)
    np.multiply(b, v, out=c)
    return np.sum(c)


def fill_overwrites_what_was_read(v):
    a = np.ones(3) * 1.0
    a = np.copy(a)
    s = np.sum(a * v)
    a.fill(2.0)
    return s * np.sum(a * v)


# ------------------------------------------------------------------ with


def with_errstate(v):
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.log(v) * v
    return np.sum(y)


def with_manager_as(x):
    y = x
    for _ in range(3):
        with Managed(1.5) as scale:
            y = np.sin(y) * scale
    return y


def with_two_managers(x):
    with Managed(2.0) as a, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = x * a
        if y > 0.0:
            return y * y
    return -y


def with_suppress_no_exception(x):
    with contextlib.suppress(ValueError):
        y = x * 3.0
    return y * x


def with_suppress_swallowing(x):
    y = x
    with contextlib.suppress(ValueError):  # <- here
        y = math.log(-x)
    return y * x


# ------------------------------------------------------------------ try / except


def try_cholesky(K):
    try:
        L = np.linalg.cholesky(K)
    except np.linalg.LinAlgError:
        L = np.linalg.cholesky(K + 10.0 * np.eye(K.shape[0]))
    return np.sum(L @ L.T * K) + np.sum(L)


def try_log_fallback(x):
    try:
        y = math.log(x) * x
    except ValueError:
        y = x * x
    return y + x


def try_in_loop(v):
    total = 0.0
    for i in range(v.shape[0]):
        t = v[i]
        try:
            if t > 1.0:
                u = t * 3.0
            else:
                u = t * t
            r = math.log(u - 0.5)
        except ValueError:
            r = t * t
        total = total + r * t
    return total


def try_else(x):
    try:
        y = math.sqrt(x)
    except ValueError:
        y = -x
    else:
        y = y * x
    return y * 2.0


def try_returns(x):
    try:
        return math.log(x) * x
    except ValueError as error:
        print("fell back:", error)
        return x ** 3


def try_reraise_from(x):
    try:
        y = math.log(x)
    except ValueError as error:
        raise RuntimeError("log failed") from error
    return y * x


def try_bare_reraise(x):
    try:
        y = math.log(x)
    except ValueError:
        print("failing")
        raise
    return y * x


def _safe_log(t):
    try:
        return math.log(t)
    except ValueError:
        return 0.0


def try_in_callee(v):
    total = 0.0
    for i in range(v.shape[0]):
        total = total + _safe_log(v[i]) * v[i]
    return total


def try_last_assignment(v):
    total = 0.0
    for i in range(v.shape[0]):
        try:
            total = total + math.log(v[i])
        except ValueError:
            pass
    return total * v[0]


# ------------------------------------------------------------------ refused


def refused_handler_reads_body(x):
    y = 0.0
    try:
        y = x * 2.0
        z = math.log(x)
    except ValueError:
        z = y * 3.0  # <- here
    return z


def refused_partial_body_read_after(x):
    y = 0.0
    try:  # <- here
        y = x * 2.0
        z = math.log(x)
    except ValueError:
        z = 1.0
    return y + z


def refused_write_in_try(v):
    out = np.zeros(3)
    try:
        out[0] = v[0]  # <- here
        out[1] = math.log(v[1])
    except ValueError:
        pass
    return np.sum(out)


def refused_append_in_try(x):
    values = [x]
    try:
        values.append(x * 2.0)  # <- here
        values.append(math.log(x))
    except ValueError:
        pass
    return sum(values)


def refused_finally(x):
    for _ in range(2):
        try:  # <- here
            y = math.log(x)
            break  # a jump through the clean-up
        finally:
            print("done")
    return y


def try_several_handlers(x, mode):
    try:
        if mode == 1:
            raise KeyError("k")
        if mode == 2:
            raise TypeError("t")
        y = math.log(x) * x
    except ValueError:
        y = x * 2.0
    except (KeyError, IndexError) as error:
        print("caught", error)
        y = x ** 3
    except Exception:
        y = -x
    return y * x


def refused_computed_exception_type(x):
    kind = ValueError
    try:
        y = math.log(x)
    except kind:  # <- here
        y = 0.0
    return y


def refused_effect_receives_differentiated(v):
    a = v * 2.0
    np.random.shuffle(a)  # <- here
    return np.sum(a)


def refused_effect_receives_array(v):
    idx = np.array([2, 0, 1])
    RNG.shuffle(idx)  # <- here
    return np.sum(v[idx])


def refused_effect_on_module_list(x):
    HISTORY.clear()  # <- here
    return x * x


def refused_effect_on_module_array(v):
    s = np.sum(v * TABLE)
    TABLE.sort()  # <- here
    return s


def refused_method_on_local_list(v):
    values = [v[0], v[1]]
    values.reverse()  # <- here
    return values[0] * v[2]


def try_nested_pushes_then_fail(v):
    total = 0.0
    for i in range(v.shape[0]):
        t = v[i]
        try:
            if t > 0.0:
                u = np.sin(t) * t
                w = u * u
            else:
                w = t * t
            r = math.log(w - 0.1) * w
        except ValueError:
            r = t * 3.0
        total = total + r * t
    return total


def out_used_as_a_value(v):
    buf = np.ones(3)
    s = np.sum(buf * v)
    return s + np.sum(np.exp(v, out=buf) * v)


def out_of_a_python_function(v):
    return np.sum(_scaled(v, out=2.0) * v)


def _scaled(t, out=1.0):
    return t * out


def out_bound_to_a_name(v):
    buf = np.ones(3)
    s = np.sum(buf * v)
    y = np.exp(np.full(3, 2.0), out=buf)  # y is buf (lower/aliases.py)
    return s + np.sum(y)


def refused_out_without_rule(v):
    buf = np.ones(3)
    s = np.sum(buf * v)
    np.ldexp(np.ones(3), 2, out=buf)  # <- here
    return s + np.sum(buf)


def try_catches_everything(x, log):
    try:
        log.tick()
        y = math.log(x) * x
    except Exception:
        y = x * x
    return y
