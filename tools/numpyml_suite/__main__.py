"""python -m tools.numpyml_suite NUMPY_ML_CLONE [activations|losses|layers ...] [-v]"""

from __future__ import annotations

import argparse
import collections
import collections.abc
import importlib
import inspect
import sys
import warnings

import numpy as np

import pullback

from ..outside import Report, attempt, close, differences, judge, run_groups

GROUPS = ("activations", "losses", "layers")


def import_numpy_ml(clone: str) -> None:
    """numpy-ml from the clone, with the names Python 3.10 moved to collections.abc put back
    on collections (numpy-ml reads collections.Hashable)."""
    for name in collections.abc.__all__:
        if not hasattr(collections, name):
            setattr(collections, name, getattr(collections.abc, name))
    sys.path.insert(0, clone)
    importlib.import_module("numpy_ml.neural_nets")


def verdict(report: Report, case: str, exact, estimates, theirs, derivative: float,
            reference: str) -> str:
    """The outcome of pullback's `exact` (its derivative along the direction is
    `derivative`) against the differences `estimates` and numpy-ml's own `theirs`."""
    outcome, detail = judge(derivative, estimates)
    if theirs is not None:
        agrees = close(exact, theirs, 1e-6)
        if outcome == "correct" and not agrees:
            outcome, detail = "their bug", (f"their {reference} differs from pullback and the "
                                            "differences")
        elif outcome == "unsettled" and agrees:
            outcome, detail = "correct", ""
    return report.add(case, outcome, detail)


def check_grad(report: Report, case: str, f, args: tuple, wrt: int, theirs=None,
               reference: str = "grad", direction=None) -> None:
    """pullback.grad(f, wrt=wrt)(*args) against differences (along `direction`, random by
    default) and numpy-ml's `theirs`."""
    gradient = attempt(report, case, lambda: pullback.grad(f, wrt=wrt)(*args))
    if gradient is None:
        return
    x = np.asarray(args[wrt], float)
    v = np.random.default_rng(len(case)).standard_normal(x.shape)
    v = v if direction is None else direction(v)

    def along(xi):
        return f(*args[:wrt], xi, *args[wrt + 1:])

    try:
        estimates = differences(along, x, v)
    except Exception as error:  # noqa: BLE001 (numpy-ml refuses the moved point)
        report.add(case, "skipped", f"differences fail: {error!r}"[:160])
        return
    verdict(report, case, gradient, estimates, theirs,
            float(np.sum(np.asarray(gradient, float) * v)), reference)


def activations(report: Report) -> None:
    from numpy_ml.neural_nets.activations import activations as acts

    z = np.random.default_rng(0).uniform(-2, 2, size=(3, 4))
    for name, cls in sorted(inspect.getmembers(acts, inspect.isclass)):
        if not issubclass(cls, acts.ActivationBase) or cls is acts.ActivationBase:
            continue
        act = cls()
        for spelling, loss in ((f"{name}.fn", _sum_of_fn(act)), (f"{name}()", _sum_of_call(act)),
                               (f"fn = {name}().fn", _sum_of(act.fn))):
            check_grad(report, f"{spelling} grad", loss, (z.copy(),), 0, act.grad(z))
            case = f"{spelling} hvp(ones)"
            ones = np.ones_like(z)
            product = attempt(report, case,
                              lambda loss=loss, ones=ones: pullback.hvp(loss)(z.copy(), ones))
            if product is None:
                continue
            estimates = differences(pullback.grad(loss), z, ones)
            verdict(report, case, product, estimates, act.grad2(z), np.asarray(product, float),
                    "grad2")


def _sum_of_fn(act):
    def loss(z):
        return np.sum(act.fn(z))
    return loss


def _sum_of_call(act):
    def loss(z):
        return np.sum(act(z))
    return loss


def _sum_of(fn):
    def loss(z):
        return np.sum(fn(z))
    return loss


def losses(report: Report) -> None:
    from numpy_ml.neural_nets.activations import activations as acts
    from numpy_ml.neural_nets.losses import losses as ls

    rng = np.random.default_rng(1)
    y, z = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    squared, sigmoid = ls.SquaredError(), acts.Sigmoid()
    check_grad(report, "SquaredError.loss wrt y", ls.SquaredError.loss, (y, z), 0)
    check_grad(report, "SquaredError.loss wrt y_pred", ls.SquaredError.loss, (y, z), 1)

    def squared_call(y, y_pred):
        return squared(y, y_pred)

    check_grad(report, "SquaredError()(y, y_pred) wrt y_pred", squared_call, (y, z), 1)

    def squared_of_sigmoid(z, y):
        return squared.loss(y, sigmoid(z))

    check_grad(report, "SquaredError of Sigmoid wrt z", squared_of_sigmoid, (z, y), 0,
               ls.SquaredError.grad(y, sigmoid(z), z, sigmoid))
    onehot = np.eye(4)[rng.integers(0, 4, 3)]
    p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    cross = ls.CrossEntropy()

    def cross_entropy(y_pred):
        return ls.CrossEntropy.loss(onehot, y_pred)

    def cross_entropy_of_softmax(z):
        p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
        return cross(onehot, p)

    # Along directions that keep the rows of y_pred summing to 1, as CrossEntropy asserts.
    check_grad(report, "CrossEntropy.loss wrt y_pred", cross_entropy, (p,), 0,
               direction=lambda v: v - v.mean(axis=1, keepdims=True))
    check_grad(report, "CrossEntropy() of softmax wrt logits", cross_entropy_of_softmax, (z,),
               0, ls.CrossEntropy.grad(onehot, p))
    args = (rng.uniform(0.1, 0.9, size=(3, 4)), rng.uniform(0.1, 0.9, size=(3, 4)),
            rng.normal(size=(3, 2)), rng.normal(size=(3, 2)))
    d_pred, d_log_var, d_mean = ls.VAELoss.grad(*args)
    for wrt, theirs in ((1, d_pred), (2, d_mean), (3, d_log_var)):
        check_grad(report, f"VAELoss.loss wrt {('y', 'y_pred', 't_mean', 't_log_var')[wrt]}",
                   ls.VAELoss.loss, args, wrt, theirs)

    def vae_call(y_pred):
        return ls.VAELoss()(args[0], y_pred, args[2], args[3])

    check_grad(report, "VAELoss()(...) wrt y_pred", vae_call, (args[1],), 0, d_pred)


def _layer_cases():
    from numpy_ml.neural_nets.layers import layers as ly

    # (name, make, shape of X, the loss of X); backward(R) after one forward gives dX.
    return [
        ("FullyConnected(Tanh)", lambda: ly.FullyConnected(3, act_fn="Tanh"), (4, 5), _output),
        ("FullyConnected(ReLU)", lambda: ly.FullyConnected(3, act_fn="ReLU"), (4, 5), _output),
        ("BatchNorm1D", lambda: ly.BatchNorm1D(), (4, 5), _output),
        ("LayerNorm1D", lambda: ly.LayerNorm1D(), (4, 5), _output),
        ("Softmax", lambda: ly.Softmax(), (4, 5), _output),
        ("Flatten", lambda: ly.Flatten(), (2, 3, 4), _output),
        ("RNNCell", lambda: ly.RNNCell(3), (4, 5), _first_step),
        ("LSTMCell", lambda: ly.LSTMCell(3), (4, 5), _first_step_state),
        ("Conv1D", lambda: ly.Conv1D(2, 3, pad="same"), (2, 6, 3), _output),
        ("Conv2D", lambda: ly.Conv2D(2, (2, 2), pad=0), (2, 4, 4, 3), _output),
        ("Pool2D(max)", lambda: ly.Pool2D((2, 2), stride=2, mode="max"), (2, 4, 4, 3), _output),
        ("Pool2D(average)", lambda: ly.Pool2D((2, 2), stride=2, mode="average"),
         (2, 4, 4, 3), _output),
        ("BatchNorm2D", lambda: ly.BatchNorm2D(), (2, 3, 3, 2), _output),
        ("LayerNorm2D", lambda: ly.LayerNorm2D(), (2, 3, 3, 2), _output),
        ("Deconv2D", lambda: ly.Deconv2D(2, (2, 2)), (2, 3, 3, 2), _output),
    ]


def _output(layer, R):
    def loss(X):
        return np.sum(layer.forward(X) * R)
    return loss


def _output_not_kept(layer, R):
    def loss(X):
        return np.sum(layer.forward(X, retain_derived=False) * R)
    return loss


def _first_step(layer, R):
    """A recurrent cell's first step from a zero state (a cell keeps its earlier steps)."""
    def loss(X):
        layer.flush_gradients()
        return np.sum(layer.forward(X) * R)
    return loss


def _first_step_state(layer, R):
    def loss(X):
        layer.flush_gradients()
        return np.sum(layer.forward(X)[0] * R)
    return loss


def layers(report: Report) -> None:
    rng = np.random.default_rng(2)
    for name, make, shape, loss_of in _layer_cases():
        X = rng.normal(size=shape)
        np.random.seed(0)  # numpy-ml draws its weights from np.random
        layer = make()
        out = layer.forward(X.copy())
        out = out[0] if isinstance(out, tuple) else out
        R = rng.normal(size=np.shape(out))
        np.random.seed(0)
        twin = make()
        first = twin.forward(X.copy())
        theirs = None
        if close(first[0] if isinstance(first, tuple) else first, out, 1e-12):
            theirs = twin.backward(R)
        check_grad(report, f"{name} grad wrt X", loss_of(layer, R), (X,), 0, theirs,
                   "backward(R)")
        if loss_of is _output:  # without the caches kept for backward (BatchNorm then
            # normalizes with its running statistics: their backward is no reference)
            check_grad(report, f"{name} grad wrt X, retain_derived=False",
                       _output_not_kept(layer, R), (X,), 0)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.numpyml_suite")
    parser.add_argument("clone", help="a clone of github.com/ddbourgin/numpy-ml")
    parser.add_argument("groups", nargs="*", help=f"only these of {', '.join(GROUPS)}")
    parser.add_argument("-v", "--verbose", action="store_true", help="show correct rows too")
    opts = parser.parse_args(argv)
    if set(opts.groups) - set(GROUPS):
        parser.error(f"groups are {', '.join(GROUPS)}")
    warnings.simplefilter("ignore")
    import_numpy_ml(opts.clone)
    return run_groups(dict(zip(GROUPS, (activations, losses, layers))), opts.groups,
                      opts.verbose)


if __name__ == "__main__":
    sys.exit(main())
