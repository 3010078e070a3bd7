"""Calls of the user's own Python functions made for their effect, receiving no value
being differentiated: argument checks such as numpy-ml's `is_binary(y)` /
`is_stochastic(y_pred)` (an assert inside, the result unused). They run as they are, in
the forward sweep, checked as a call whose result is used is: one whose source writes
into an array or list of the function is inlined, its writes the function's own (the
adjoint may read what they overwrite)."""

import numpy as np
import pytest
from fd import assert_grad_matches, numeric_grad

import pullback

RNG = np.random.default_rng(17)


def is_binary(x):
    assert np.array_equal(x, x.astype(bool)), "Matrix must be binary"
    return True


def is_stochastic(X):
    assert len(X[X < 0]) == len(X[X > 1]) == 0, "Array should be stochastic"
    assert np.allclose(np.sum(X, axis=1), np.ones(X.shape[0]))
    return True


def cross_entropy(y, y_pred):
    is_binary(y)
    is_stochastic(y_pred)
    return -np.sum(y * np.log(y_pred + np.finfo(float).eps))


def checks_then_softmax(z, y):
    is_binary(y)
    p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    is_stochastic(p)
    return cross_entropy(y, p)


def zero_first(v):
    v[0] = 0.0


def writes_a_constant_it_reads(x, mask):
    m = mask * 1.0
    y = x * m
    zero_first(m)  # the adjoint of x * m reads m
    return np.sum(y)


def test_argument_checks_called_for_their_effect_run_as_they_are():
    y = np.eye(4)[RNG.integers(0, 4, 3)]
    z = RNG.normal(size=(3, 4))
    p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    assert_grad_matches(cross_entropy, (y, p), wrt=1)
    assert_grad_matches(checks_then_softmax, (z, y))
    g = pullback.grad(checks_then_softmax)(z, y)
    np.testing.assert_allclose(g, p - y, rtol=1e-6, atol=1e-9)  # closed form
    with pytest.raises(AssertionError, match="binary"):  # the check still runs
        pullback.grad(checks_then_softmax)(z, y * 0.5)


def test_a_function_called_for_its_effect_that_writes_in_place_is_inlined():
    """zero_first(m) writes into f's m: inlined (lower/written_params.py), its write is
    f's own, and the adjoint of x * m reads m as it was before the write."""
    x, mask = RNG.normal(size=3), np.array([1.0, 2.0, 3.0])
    assert_grad_matches(writes_a_constant_it_reads, (x, mask))
    np.testing.assert_allclose(pullback.grad(writes_a_constant_it_reads)(x, mask), mask)


class Dense:
    """numpy-ml's layer spelling: parameters made on the first call."""

    def __init__(self, n_out):
        self.n_out = n_out
        self.is_initialized = False
        self.parameters = {}

    def _init_params(self, n_in):
        rng = np.random.default_rng(0)
        self.parameters = {"W": rng.normal(size=(n_in, self.n_out)), "b": np.zeros(self.n_out)}
        self.is_initialized = True

    def forward(self, X):
        if not self.is_initialized:
            self._init_params(X.shape[1])
        W = self.parameters["W"]
        return np.tanh(X @ W + self.parameters["b"])

    def rescale(self):
        self.parameters["W"] *= 2.0  # in place: what a derivative holding W would read

    def forward_then_rescale(self, X):
        Y = np.tanh(X @ self.parameters["W"])
        self.rescale()
        return Y


def dense_loss(X, layer):
    return np.sum(layer.forward(X) ** 2)


def rescaled_loss(X, layer):
    return np.sum(layer.forward_then_rescale(X))


def test_a_lazy_initialization_called_for_its_effect_before_the_reads():
    X = RNG.normal(size=(4, 3))
    fresh = Dense(2)  # initialized inside the gradient's own call
    g = pullback.grad(dense_loss)(X, fresh)
    assert fresh.is_initialized
    W = fresh.parameters["W"]
    Y = np.tanh(X @ W)
    np.testing.assert_allclose(g, (2 * Y * (1 - Y ** 2)) @ W.T, rtol=1e-7)  # closed form
    # initialized already: the branch not taken
    np.testing.assert_allclose(pullback.grad(dense_loss)(X, fresh),
                               numeric_grad(dense_loss, (X, fresh)), rtol=1e-6, atol=1e-8)


def test_an_effect_after_a_read_of_the_object_is_refused_located():
    layer = Dense(2)
    layer.forward(RNG.normal(size=(4, 3)))
    with pytest.raises(pullback.NoRuleError, match="called for its effect") as info:
        pullback.grad(rescaled_loss)(RNG.normal(size=(4, 3)), layer)
    assert "self.rescale()" in str(info.value)


class Recording:
    """numpy-ml's `retain_derived` spelling: the inputs kept on the layer."""

    def __init__(self):
        self.X = []
        self.derived = {"Z": []}

    def forward(self, X):
        self.X.append(X)
        Z = np.tanh(X) * 2.0
        self.derived["Z"].append(Z)
        return Z

    def forward_read_back(self, X):
        self.X.append(X)
        return np.tanh(self.X[-1]) * 2.0  # read back: no gradient would follow


def recorded_loss(X, layer):
    return np.sum(layer.forward_read_back(X))


def test_a_refused_effect_call_names_the_receiver_as_written():
    # (an array being differentiated kept in a list the object holds and read back there:
    # refused; kept only, it works: tests/test_objects_stored.py)
    with pytest.raises(pullback.NoRuleError, match=r"self\.X\.append\(") as info:
        pullback.grad(recorded_loss)(RNG.normal(size=3), Recording())
    assert "test_effect_calls.py" in str(info.value) and "X_" not in str(info.value)
    layer, twin = Recording(), Recording()
    x = RNG.normal(size=3)
    g = pullback.grad(lambda X, layer: np.sum(layer.forward(X)))(x, layer)
    np.testing.assert_allclose(g, 2.0 / np.cosh(x) ** 2, rtol=1e-12)
    twin.forward(x)
    assert len(layer.X) == len(layer.derived["Z"]) == 1
    np.testing.assert_array_equal(layer.derived["Z"][0], twin.derived["Z"][0])
