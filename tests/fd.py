"""Central finite differences, and the one comparison every gradient test goes through.

`numeric_grad` perturbs every element of every differentiated argument (float64),
`assert_grad_matches` runs `pullback.grad` and checks, in this order:

* the inputs are not modified by computing the gradient;
* the result has the right structure: one gradient for a single `wrt`, a tuple
  of gradients for a tuple `wrt`;
* every gradient has the right type: a Python float argument gets a float
  gradient, an ndarray argument gets a floating ndarray of the same shape;
* the values agree with central finite differences.
"""

from __future__ import annotations

import copy
import inspect

import numpy as np

# --------------------------------------------------------------------------- wrt


def _wrt_items(wrt):
    """(items, is_tuple): the requested arguments as a list, and whether wrt was a tuple."""
    if isinstance(wrt, tuple):
        if not wrt:
            raise ValueError("wrt must not be an empty tuple")
        return list(wrt), True
    return [wrt], False


def resolve(f, args, kwargs, item):
    """Where argument `item` (position or parameter name) lives: ("pos", i) or ("kw", name)."""
    if isinstance(item, bool) or not isinstance(item, (int, str)):
        raise TypeError(f"wrt entries are positions or parameter names, got {item!r}")
    if isinstance(item, int):
        if not 0 <= item < len(args):
            raise IndexError(f"wrt={item} but only {len(args)} positional arguments were given")
        return ("pos", item)
    parameters = inspect.signature(f).parameters
    names = list(parameters)
    if item not in names and item in kwargs and any(
            p.kind == p.VAR_KEYWORD for p in parameters.values()):
        return ("kw", item)  # a keyword passed through **kwargs
    if item not in names:
        raise KeyError(f"{f.__name__} has no parameter named {item!r}")
    index = names.index(item)
    if index < len(args):
        return ("pos", index)
    if item in kwargs:
        return ("kw", item)
    raise KeyError(f"parameter {item!r} was not passed")


def _get(args, kwargs, where):
    kind, key = where
    return args[key] if kind == "pos" else kwargs[key]


def _with(args, kwargs, where, value):
    """Fresh deep copies of args/kwargs with the argument at `where` replaced by `value`;
    copied together, so one object passed twice (f(p, p)) stays one object."""
    args, kwargs = copy.deepcopy((list(args), dict(kwargs)))
    kind, key = where
    if kind == "pos":
        args[key] = value
    else:
        kwargs[key] = value
    return args, kwargs


def label(f, where):
    kind, key = where
    if kind == "pos":
        names = list(inspect.signature(f).parameters)
        name = names[key] if key < len(names) else f"#{key}"
        return f"argument {key} ({name!r})"
    return f"keyword argument {key!r}"


# ----------------------------------------------------------------- evaluation


def _scalar(value):
    arr = np.asarray(value)
    if arr.shape != ():
        raise ValueError(f"function output must be a scalar, got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise TypeError(f"function output must be a real number, got {arr.dtype}")
    return float(arr)


def _is_float_scalar(value):
    return isinstance(value, (float, np.floating)) and not isinstance(value, np.ndarray)


def _is_float_array(value):
    return isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating)


def _fd_one(f, args, kwargs, where, eps, stencil):
    x = _get(args, kwargs, where)

    def at(v):
        a, k = _with(args, kwargs, where, v)
        return _scalar(f(*a, **k))

    if _is_float_scalar(x):
        x = float(x)
        return float(_derivative(lambda t: at(t), x, eps, stencil))
    if _is_float_array(x):
        base = np.array(x, dtype=np.float64, copy=True)
        g = np.zeros(base.shape, dtype=np.float64)
        for idx in np.ndindex(base.shape):

            def along(t, idx=idx):
                moved = base.copy()
                moved[idx] = t
                return at(moved)

            g[idx] = _derivative(along, float(base[idx]), eps, stencil)
        return g
    raise TypeError(f"cannot take finite differences with respect to {type(x).__name__} {x!r}")


def _derivative(phi, x, eps, stencil):
    """d phi / dt at t = x; steps scaled with |x| and made exactly representable."""
    h = eps * max(1.0, abs(x))
    h = (x + h) - x
    if stencil == 2:
        return (phi(x + h) - phi(x - h)) / (2.0 * h)
    if stencil == 4:
        return (-phi(x + 2 * h) + 8.0 * phi(x + h) - 8.0 * phi(x - h) + phi(x - 2 * h)) / (12.0 * h)
    raise ValueError("stencil must be 2 or 4")


def numeric_grad(f, args, wrt=0, kwargs=None, eps=1e-6, stencil=2):
    """Central finite-difference gradient of scalar-valued `f` at `args`.

    `wrt` follows pullback's convention: a position, a parameter name, or a tuple
    of them (then a tuple of gradients is returned). Float arguments get a float,
    float arrays get an array of the same shape. `f` is always called on fresh
    copies, so the caller's arguments are never touched.
    """
    args = tuple(args)
    kwargs = dict(kwargs or {})
    items, is_tuple = _wrt_items(wrt)
    grads = tuple(
        _fd_one(f, args, kwargs, resolve(f, args, kwargs, item), eps, stencil) for item in items
    )
    return grads if is_tuple else grads[0]


# ------------------------------------------------------------------- checks


def snapshot(args, kwargs=None):
    """Deep copies of the arguments, to compare with `assert_unchanged` afterwards."""
    return copy.deepcopy((tuple(args), dict(kwargs or {})))


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.dtype == b.dtype
            and a.shape == b.shape
            and np.array_equal(a, b, equal_nan=True)
        )
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and (a == b or (a != a and b != b))


def assert_unchanged(before, args, kwargs=None, what="computing the gradient"):
    """Fail if any argument differs from its snapshot `before`."""
    old_args, old_kwargs = before
    args, kwargs = tuple(args), dict(kwargs or {})
    for i, (old, new) in enumerate(zip(old_args, args)):
        assert _same(old, new), f"{what} modified positional argument {i}: {old!r} -> {new!r}"
    for k in old_kwargs:
        assert _same(old_kwargs[k], kwargs.get(k)), f"{what} modified keyword argument {k!r}"


def check_grad_type(arg, g, name="argument"):
    """A float argument gets a float gradient; an array gets a float array of its shape."""
    if isinstance(arg, np.ndarray):
        assert isinstance(g, np.ndarray), (
            f"gradient for {name} (an array of shape {arg.shape}) should be an ndarray, "
            f"got {type(g).__name__}"
        )
        assert g.shape == arg.shape, (
            f"gradient for {name} has shape {g.shape}, expected {arg.shape}"
        )
        assert np.issubdtype(g.dtype, np.floating), (
            f"gradient for {name} has dtype {g.dtype}, expected a float dtype"
        )
    elif _is_float_scalar(arg):
        assert isinstance(g, float) and not isinstance(g, np.ndarray), (
            f"gradient for {name} (a float) should be a float, got {type(g).__name__} {g!r}"
        )
    else:
        raise TypeError(f"unexpected argument type for {name}: {type(arg).__name__}")


def check_structure(f, args, kwargs, wrt, got):
    """Single wrt -> one gradient; tuple wrt -> tuple of that many. Types follow the args."""
    items, is_tuple = _wrt_items(wrt)
    if is_tuple:
        assert isinstance(got, tuple), (
            f"wrt={wrt!r} is a tuple, so a tuple of gradients was expected, "
            f"got {type(got).__name__}"
        )
        assert len(got) == len(items), f"expected {len(items)} gradients, got {len(got)}"
        grads = got
    else:
        assert not isinstance(got, (tuple, list)), (
            f"wrt={wrt!r} is a single argument, so a single gradient was expected, got a "
            f"{type(got).__name__}"
        )
        grads = (got,)
    kwargs = dict(kwargs or {})
    for item, g in zip(items, grads):
        where = resolve(f, args, kwargs, item)
        check_grad_type(_get(args, kwargs, where), g, label(f, where))
    return grads


def assert_close(got, expected, rtol=1e-5, atol=1e-7, what="gradient"):
    """Compare a gradient (or tuple of gradients) with the expected one(s), element by element."""
    if isinstance(expected, tuple):
        assert isinstance(got, tuple) and len(got) == len(expected), (
            f"{what}: expected a tuple of {len(expected)}, got {got!r}"
        )
        for i, (g, e) in enumerate(zip(got, expected)):
            assert_close(g, e, rtol, atol, what=f"{what}[{i}]")
        return
    g = np.asarray(got, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    assert g.shape == e.shape, f"{what}: shape {g.shape} != expected {e.shape}"
    assert np.all(np.isfinite(g)), f"{what}: not finite: {g!r}"
    np.testing.assert_allclose(g, e, rtol=rtol, atol=atol, err_msg=what)


def assert_grad_matches(f, args, wrt=0, kwargs=None, rtol=1e-5, atol=1e-7, eps=1e-6,
                        optimize=True):
    """pullback.grad(f, wrt, optimize)(*args, **kwargs) against central finite differences.

    Also checks that the arguments are left unmodified and the gradient's
    structure and types. Returns pullback's gradient(s).
    """
    import pullback

    args = tuple(args)
    kwargs = dict(kwargs or {})
    before = snapshot(args, kwargs)
    got = pullback.grad(f, wrt=wrt, optimize=optimize)(*args, **kwargs)
    assert_unchanged(before, args, kwargs)
    check_structure(f, args, kwargs, wrt, got)
    expected = numeric_grad(f, args, wrt=wrt, kwargs=kwargs, eps=eps)
    assert_close(got, expected, rtol=rtol, atol=atol, what=f"grad of {f.__name__} wrt {wrt!r}")
    return got


def assert_jvp_matches(f, shape, seed, rel=1e-6):
    """pullback.jvp of f (one array argument of `shape`) at a random point along a random
    direction: the value is f's, the tangent central differences' along the direction."""
    import pullback

    rng = np.random.default_rng(seed)
    x, v = rng.normal(size=shape), rng.normal(size=shape)
    value, tangent = pullback.jvp(f)(x, v)
    h = 1e-6
    assert np.isclose(value, f(x), rtol=1e-12, atol=0)
    numeric = (f(x + h * v) - f(x - h * v)) / (2 * h)
    assert np.isclose(tangent, numeric, rtol=rel, atol=1e-9), (tangent, numeric)


def assert_derivatives_match(f, args, wrt=0, rng=None, rtol=1e-5, atol=1e-7):
    """pullback's grad, jvp and hvp of f in the argument at position `wrt`: the gradient
    against central differences, jvp and hvp along a random direction against central
    differences of f and of pullback's own gradient (which the first check vouches for)."""
    import pullback

    rng = rng if rng is not None else np.random.default_rng(0)
    args = list(args)
    x = args[wrt]
    got = pullback.grad(f, wrt=wrt)(*args)
    assert_close(got, numeric_grad(f, args, wrt=wrt), rtol=rtol, atol=atol)
    v = rng.normal(size=np.shape(x)) if np.ndim(x) else float(rng.normal())
    h = 1e-6

    def at(t, fn=f):
        moved = list(args)
        moved[wrt] = x + t * v
        return fn(*moved)

    value, tangent = pullback.jvp(f, wrt=wrt)(*args, v)
    assert np.isclose(value, f(*args))
    assert np.isclose(tangent, (at(h) - at(-h)) / (2 * h), rtol=1e-5, atol=1e-8)
    grad = pullback.grad(f, wrt=wrt)
    hv = pullback.hvp(f, wrt=wrt)(*args, v)
    assert_close(hv, (at(h, grad) - at(-h, grad)) / (2 * h), rtol=1e-4, atol=1e-6)
