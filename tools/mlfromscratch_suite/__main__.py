"""python -m tools.mlfromscratch_suite CHECKOUT [GROUP ...] [-v]
(groups: activations, losses, layers, models, network)"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import types
import warnings

import numpy as np

import pullback

from ..outside import Report, attempt, close, differences, judge, run_groups

GROUPS = ("activations", "losses", "layers", "models", "network")
MODULES = ("deep_learning.activation_functions", "deep_learning.loss_functions",
           "deep_learning.layers", "deep_learning.optimizers", "deep_learning.neural_network",
           "supervised_learning.regression", "supervised_learning.logistic_regression",
           "supervised_learning.perceptron", "supervised_learning.multilayer_perceptron",
           "unsupervised_learning.gaussian_mixture_model",
           "unsupervised_learning.principal_component_analysis",
           "utils.data_operation", "utils.data_manipulation", "utils.kernels")


class _Display(types.ModuleType):
    """progressbar and terminaltables, which the library uses only to show progress: any
    name is a callable whose result wraps an iterable unchanged."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Widget


class _Widget:
    def __init__(self, *args, **kwargs):
        self.table = ""

    def __call__(self, iterable):
        return iterable


def load(checkout: str) -> tuple[types.SimpleNamespace, list]:
    """The library's modules (by their last name) and the (module, reason) of those that
    could not be imported. The packages' `__init__` files import every model (some needing
    absent packages), so the packages are made bare and each module imported alone."""
    for display in ("progressbar", "terminaltables"):
        try:
            importlib.import_module(display)
        except ImportError:
            sys.modules[display] = _Display(display)
    sys.path.insert(0, os.path.abspath(checkout))
    root = os.path.join(os.path.abspath(checkout), "mlfromscratch")
    for package in ("mlfromscratch", "mlfromscratch.deep_learning",
                    "mlfromscratch.supervised_learning", "mlfromscratch.unsupervised_learning"):
        bare = types.ModuleType(package)
        bare.__path__ = [os.path.join(root, *package.split(".")[1:])]
        sys.modules[package] = bare
    found, skipped = types.SimpleNamespace(), []
    for name in MODULES:
        try:
            module = importlib.import_module("mlfromscratch." + name)
        except Exception as error:  # noqa: BLE001 (a missing package: listed)
            skipped.append((name, f"{type(error).__name__}: {error}"))
            continue
        setattr(found, name.rsplit(".", 1)[1], module)
    return found, skipped


def check(report: Report, name: str, objective, args: tuple, wrt: tuple = (0,),
          theirs=None, reference: str = "gradient") -> None:
    """grad, jvp and hvp of objective(*args) in args[wrt] along a random direction against
    differences; the gradient also against the library's own `theirs` (a tuple, one array
    per argument in wrt) where it has one."""
    rng = np.random.default_rng(len(name))
    direction = tuple(rng.standard_normal(np.shape(args[i])) for i in wrt)

    def along(step):
        moved = list(args)
        for i, d in zip(wrt, direction):
            moved[i] = np.asarray(args[i], float) + step * d
        return moved

    def value(step):
        return objective(*along(step))

    try:
        estimates = differences(value, 0.0, 1.0)
    except Exception as error:  # noqa: BLE001 (the library fails at the moved point)
        report.add(name, "skipped", f"differences fail: {error!r}"[:160])
        return
    gradient = attempt(report, f"{name} grad",
                       lambda: pullback.grad(objective, wrt=wrt)(*args))
    if gradient is not None:
        derivative = sum(float(np.sum(g * d)) for g, d in zip(gradient, direction))
        outcome, detail = judge(derivative, estimates)
        if theirs is not None:
            agrees = all(close(g, t, 1e-6) for g, t in zip(gradient, theirs))
            if outcome == "correct" and not agrees:
                outcome, detail = "their bug", (f"their {reference} differs from pullback "
                                                "and the differences")
            elif outcome == "unsettled" and agrees:
                outcome, detail = "correct", ""
        report.add(f"{name} grad", outcome, detail)
    tangent = attempt(report, f"{name} jvp",
                      lambda: pullback.jvp(objective, wrt=wrt)(*args, direction)[1])
    if tangent is not None:
        report.add(f"{name} jvp", *judge(tangent, estimates))
    product = attempt(report, f"{name} hvp",
                      lambda: pullback.hvp(objective, wrt=wrt)(*args, direction))
    if product is not None and gradient is not None:
        def flat(step):
            return np.concatenate([np.ravel(g) for g in pullback.grad(
                objective, wrt=wrt)(*along(step))])
        report.add(f"{name} hvp", *judge(np.concatenate([np.ravel(p) for p in product]),
                                         differences(flat, 0.0, 1.0)))


class Record:
    """An optimizer that keeps the gradients a layer's backward_pass gives it and leaves
    the weights as they are (to read the library's own parameter gradients)."""

    def __init__(self):
        self.grads = []

    def update(self, w, grad_wrt_w):
        self.grads.append(grad_wrt_w)
        return w


# The objectives, as a user of the library writes them.

def _weighted_call(fn, R):
    def objective(z):
        return np.sum(fn(z) * R)
    return objective


def _weighted_method(act, R):
    def objective(z):
        return np.sum(act(z) * R)
    return objective


def _weighted_gradient(act, R):
    def objective(z):
        return np.sum(act.gradient(z) * R)
    return objective


def activations(report: Report, lib) -> None:
    acts = getattr(lib, "activation_functions", None)
    if acts is None:
        return
    rng = np.random.default_rng(0)
    z = rng.uniform(-2, 2, size=(3, 4))
    z[np.abs(z) < 0.1] = 0.5  # away from the kinks at 0
    R = rng.standard_normal(z.shape)
    for name in ("Sigmoid", "Softmax", "TanH", "ReLU", "LeakyReLU", "ELU", "SELU", "SoftPlus"):
        if not hasattr(acts, name):
            continue
        act = getattr(acts, name)()
        # Softmax's `gradient` is the Jacobian's diagonal only: no reference.
        theirs = None if name == "Softmax" else (act.gradient(z) * R,)
        check(report, f"{name}()(z)", _weighted_method(act, R), (z,), theirs=theirs)
        check(report, f"{name}().__call__", _weighted_call(act.__call__, R), (z,),
              theirs=theirs)
        check(report, f"{name}().gradient(z)", _weighted_gradient(act, R), (z,))


def losses(report: Report, lib) -> None:
    if not hasattr(lib, "loss_functions") or not hasattr(lib, "activation_functions"):
        return
    lf, acts = lib.loss_functions, lib.activation_functions
    rng = np.random.default_rng(1)
    y, y_pred = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    square = lf.SquareLoss()

    def square_loss(y_pred):
        return np.sum(square.loss(y, y_pred))

    check(report, "SquareLoss().loss", square_loss, (y_pred,),
          theirs=(square.gradient(y, y_pred),))
    if not hasattr(lf, "CrossEntropy"):
        return
    onehot = np.eye(3)[rng.integers(0, 3, 4)]
    p = rng.uniform(0.1, 0.9, (4, 3))
    cross = lf.CrossEntropy()

    def cross_entropy(p):
        return np.sum(cross.loss(onehot, p))

    check(report, "CrossEntropy().loss", cross_entropy, (p,),
          theirs=(cross.gradient(onehot, p),))
    softmax = acts.Softmax()

    def cross_entropy_of_softmax(z):
        p = softmax(z)
        return np.mean(cross.loss(onehot, p)) + cross.acc(onehot, p)

    check(report, "CrossEntropy().loss of Softmax + acc", cross_entropy_of_softmax,
          (y_pred,))

    def square_of_sigmoid(z):
        return np.mean(square.loss(y, acts.Sigmoid()(z))) + square.acc(y, z)

    check(report, "SquareLoss().loss of Sigmoid + acc", square_of_sigmoid, (y_pred,))


def _output(layer, R, training=True):
    def objective(X):
        return np.sum(layer.forward_pass(X, training) * R)
    return objective


def _output_of(layer, X, R, attribute, training=True):
    """The output as a function of the parameter the layer keeps as `attribute`, set
    before the forward pass (as an optimizer's update sets it)."""
    def objective(value):
        setattr(layer, attribute, value)
        return np.sum(layer.forward_pass(X, training) * R)
    return objective


def _set_W(X, R, training=True):
    def objective(W, layer):
        layer.W = W
        return np.sum(layer.forward_pass(X, training) * R)
    return objective


def _set_w0(X, R, training=True):
    def objective(w0, layer):
        layer.w0 = w0
        return np.sum(layer.forward_pass(X, training) * R)
    return objective


def _set_U(X, R, training=True):
    def objective(U, layer):
        layer.U = U
        return np.sum(layer.forward_pass(X, training) * R)
    return objective


def _set_V(X, R, training=True):
    def objective(V, layer):
        layer.V = V
        return np.sum(layer.forward_pass(X, training) * R)
    return objective


def _set_gamma(X, R, training=True):
    def objective(gamma, layer):
        layer.gamma = gamma
        return np.sum(layer.forward_pass(X, training) * R)
    return objective


def _set_beta(X, R, training=True):
    def objective(beta, layer):
        layer.beta = beta
        return np.sum(layer.forward_pass(X, training) * R)
    return objective


SETTERS = {"W": _set_W, "w0": _set_w0, "U": _set_U, "V": _set_V, "gamma": _set_gamma,
           "beta": _set_beta}


def _layer_cases(lib):
    ly = lib.layers
    rng = np.random.default_rng(2)
    pool_input = rng.permutation(2 * 2 * 4 * 4).reshape(2, 2, 4, 4) / 7.0  # no ties
    # (name, make, input shape set on the layer, X, parameters to check, training)
    return [
        ("Dense", lambda: ly.Dense(3, input_shape=(4,)), (4,), rng.standard_normal((5, 4)),
         ("W", "w0"), True),
        ("RNN(tanh)", lambda: ly.RNN(5, activation="tanh", input_shape=(3, 4)), (3, 4),
         rng.standard_normal((2, 3, 4)), ("U", "W", "V"), True),
        ("RNN(sigmoid)", lambda: ly.RNN(5, activation="sigmoid", input_shape=(3, 4)), (3, 4),
         rng.standard_normal((2, 3, 4)), ("U", "W", "V"), True),
        ("Conv2D(same)", lambda: ly.Conv2D(3, (3, 3), input_shape=(2, 5, 5)), (2, 5, 5),
         rng.standard_normal((2, 2, 5, 5)), ("W", "w0"), True),
        ("Conv2D(valid, stride 2)", lambda: ly.Conv2D(2, (3, 3), input_shape=(2, 5, 5),
                                                      padding="valid", stride=2),
         (2, 5, 5), rng.standard_normal((2, 2, 5, 5)), ("W", "w0"), True),
        ("BatchNormalization", lambda: ly.BatchNormalization(), (4,),
         rng.standard_normal((6, 4)) + 1.0, ("gamma", "beta"), True),
        ("BatchNormalization(eval)", lambda: ly.BatchNormalization(), (4,),
         rng.standard_normal((6, 4)) + 1.0, ("gamma", "beta"), False),
        # (their default padding=0 is unknown to determine_padding: "valid" pads none)
        ("MaxPooling2D", lambda: ly.MaxPooling2D((2, 2), stride=2, padding="valid"),
         (2, 4, 4), pool_input, (), True),
        ("AveragePooling2D", lambda: ly.AveragePooling2D((2, 2), stride=2, padding="valid"),
         (2, 4, 4), pool_input, (), True),
        ("Dropout(eval)", lambda: ly.Dropout(0.3), (4,), rng.standard_normal((5, 4)), (),
         False),
        ("Reshape", lambda: ly.Reshape((2, 6)), (12,), rng.standard_normal((3, 12)), (), True),
        ("Flatten", lambda: ly.Flatten(), (2, 3, 2), rng.standard_normal((3, 2, 3, 2)), (),
         True),
        ("UpSampling2D", lambda: ly.UpSampling2D((2, 2)), (2, 2, 3),
         rng.standard_normal((2, 2, 2, 3)), (), True),
        ("ZeroPadding2D", lambda: ly.ZeroPadding2D((1, 2)), (2, 3, 3),
         rng.standard_normal((2, 2, 3, 3)), (), True),
        ("ConstantPadding2D", lambda: ly.ConstantPadding2D((1, 1), padding_value=0.5),
         (2, 3, 3), rng.standard_normal((2, 2, 3, 3)), (), True),
    ] + [(f"Activation({name})", lambda name=name: ly.Activation(name), (4,),
          rng.uniform(-2, 2, (5, 4)) + 0.05, (), True)
         for name in ("relu", "sigmoid", "selu", "elu", "softmax", "leaky_relu", "tanh",
                      "softplus")]


def _made(make, input_shape):
    """A layer made and initialized as NeuralNetwork.add does, its weights drawn from
    np.random seeded alike each time, its optimizers recording."""
    np.random.seed(0)
    layer = make()
    layer.set_input_shape(input_shape)
    if hasattr(layer, "initialize"):
        layer.initialize(optimizer=Record())
        for name in list(vars(layer)):
            if name.endswith("_opt"):
                setattr(layer, name, Record())
    return layer


def layers(report: Report, lib) -> None:
    if not hasattr(lib, "layers"):
        return
    rng = np.random.default_rng(3)
    for name, make, input_shape, X, parameters, training in _layer_cases(lib):
        layer = _made(make, input_shape)
        R = rng.standard_normal(np.shape(layer.forward_pass(X.copy(), training)))
        twin = _made(make, input_shape)
        twin.forward_pass(X.copy(), training)
        theirs = {}
        try:  # their backward pass, and the gradients their optimizers are given
            # (BatchNormalization's backward is that of training mode only)
            assert training or name.startswith("Dropout")
            if not training:
                twin._mask = 1 - twin.p  # Dropout's eval mode scales by 1 - p
            theirs["X"] = twin.backward_pass(R)
            recorded = [(attr[:-4], getattr(twin, attr).grads) for attr in vars(twin)
                        if attr.endswith("_opt")]
            theirs.update((attr, grads[0]) for attr, grads in recorded if grads)
        except Exception:  # noqa: BLE001 (no reference)
            theirs = {}
        their = theirs.get("X")
        check(report, f"{name} wrt X", _output(layer, R, training), (X,),
              theirs=None if their is None else (their,), reference="backward_pass")
        for attribute in parameters:
            # the layer passed in, its attribute set (as an optimizer's update sets it)
            layer = _made(make, input_shape)
            layer.forward_pass(X.copy(), training)  # (BatchNormalization's running stats)
            value = np.array(getattr(layer, attribute), float)
            their = theirs.get(attribute)
            check(report, f"{name} wrt .{attribute}",
                  SETTERS[attribute](X, R, training), (value, layer),
                  theirs=None if their is None else (np.reshape(their, value.shape),),
                  reference="backward_pass")
        if name == "Dense":  # the layer held by the objective, not passed in
            layer = _made(make, input_shape)
            check(report, "Dense wrt .W (a held layer, setattr(layer, 'W', W))",
                  _output_of(layer, X, R, "W"), (np.array(layer.W),), theirs=(theirs["W"],),
                  reference="backward_pass")


def _regression_loss(X, y):
    def objective(w, model):
        model.w = w
        y_pred = model.predict(X)
        return 0.5 * np.sum((y - y_pred) ** 2) + model.regularization(w)
    return objective


def _held_regression_loss(model, X, y):
    def objective(w):
        model.w = w
        return 0.5 * np.sum((y - model.predict(X)) ** 2) + model.regularization(w)
    return objective


def _regression_of_X(model, y):
    def objective(X):
        return 0.5 * np.sum((y - model.predict(X)) ** 2)
    return objective


def _regularization(reg):
    def objective(w):
        return reg(w)
    return objective


def models(report: Report, lib) -> None:
    rng = np.random.default_rng(4)
    if hasattr(lib, "regression"):
        rg, dm = lib.regression, lib.data_manipulation
        X, y = rng.standard_normal((6, 2)), rng.standard_normal(6)
        for name, model, features in (
                ("LinearRegression", rg.LinearRegression(), lambda X: X),
                ("RidgeRegression", rg.RidgeRegression(reg_factor=0.3), lambda X: X),
                ("PolynomialRegression", rg.PolynomialRegression(degree=2),
                 lambda X: dm.polynomial_features(X, degree=2)),
                ("LassoRegression", rg.LassoRegression(degree=2, reg_factor=0.3),
                 lambda X: dm.normalize(dm.polynomial_features(X, degree=2))),
                ("PolynomialRidgeRegression",
                 rg.PolynomialRidgeRegression(degree=2, reg_factor=0.3),
                 lambda X: dm.normalize(dm.polynomial_features(X, degree=2))),
                ("ElasticNet", rg.ElasticNet(degree=2, reg_factor=0.3, l1_ratio=0.4),
                 lambda X: dm.normalize(dm.polynomial_features(X, degree=2)))):
            design = np.insert(features(X.copy()), 0, 1, axis=1)
            w = rng.uniform(-0.5, 0.5, design.shape[1])
            # The gradient their fit descends along.
            their = -(y - design.dot(w)).dot(design) + model.regularization.grad(w)
            check(report, f"{name} squared error + regularization wrt w",
                  _regression_loss(X, y), (w, model), theirs=(their,),
                  reference="fit's grad_w")
            if name == "LinearRegression":  # the model held by the objective
                check(report, f"{name} squared error wrt w (a held model)",
                      _held_regression_loss(model, X, y), (w,), theirs=(their,),
                      reference="fit's grad_w")
            model.w = w
            check(report, f"{name} squared error wrt X", _regression_of_X(model, y), (X,))
        w = rng.standard_normal(4)
        for name, reg in (("l1_regularization", rg.l1_regularization(0.3)),
                          ("l2_regularization", rg.l2_regularization(0.3)),
                          ("l1_l2_regularization", rg.l1_l2_regularization(0.3, 0.4))):
            check(report, f"{name}(w)", _regularization(reg), (w,), theirs=(reg.grad(w),),
                  reference="grad")
    if hasattr(lib, "logistic_regression"):
        model = lib.logistic_regression.LogisticRegression()
        X, y = rng.standard_normal((6, 3)), (rng.random(6) > 0.5).astype(float)

        def logistic(param, model):
            model.param = param
            p = model.sigmoid(X.dot(model.param))
            return -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p))

        param = rng.standard_normal(3)
        their = -(y - model.sigmoid(X.dot(param))).dot(X)
        check(report, "LogisticRegression log-loss wrt param", logistic, (param, model),
              theirs=(their,), reference="fit's step")
    if hasattr(lib, "perceptron"):
        _perceptron(report, lib, rng)
    if hasattr(lib, "multilayer_perceptron"):
        _mlp(report, lib, rng)
    if hasattr(lib, "gaussian_mixture_model"):
        _gmm(report, lib, rng)
    if hasattr(lib, "principal_component_analysis"):
        pca = lib.principal_component_analysis.PCA()
        X = rng.standard_normal((8, 3)) * np.array([3.0, 1.0, 0.3])
        R = rng.standard_normal((8, 2))

        def projected(X):
            return np.sum(pca.transform(X, 2) * R)

        check(report, "PCA().transform wrt X", projected, (X,))
    if hasattr(lib, "kernels"):
        kn = lib.kernels
        x1, x2 = rng.standard_normal(3), rng.standard_normal(3)
        for name, kernel in (("linear_kernel", kn.linear_kernel()),
                             ("polynomial_kernel", kn.polynomial_kernel(power=3, coef=1.0)),
                             ("rbf_kernel", kn.rbf_kernel(gamma=0.5))):
            check(report, f"{name}(x1, x2)", kernel, (x1, x2), (0, 1))
    if hasattr(lib, "data_operation"):
        _utilities(report, lib, rng)


def _perceptron(report, lib, rng):
    acts, lf = lib.activation_functions, lib.loss_functions
    X, y = rng.standard_normal((5, 3)), rng.random((5, 2))
    for act in (acts.Sigmoid, acts.TanH, acts.SoftPlus, acts.LeakyReLU):
        model = lib.perceptron.Perceptron(activation_function=act, loss=lf.SquareLoss)
        model.w0 = 0.1 * rng.standard_normal((1, 2))

        def loss(W, model):
            model.W = W
            return np.sum(model.loss.loss(y, model.predict(X)))

        W = rng.standard_normal((3, 2))
        linear = X.dot(W) + model.w0
        their = X.T.dot(model.loss.gradient(y, model.activation_func(linear))
                        * model.activation_func.gradient(linear))
        check(report, f"Perceptron({act.__name__}) loss wrt W", loss, (W, model),
              theirs=(their,),
              reference="fit's grad_wrt_w")


def _mlp(report, lib, rng):
    model = lib.multilayer_perceptron.MultilayerPerceptron(n_hidden=4)
    X, y = rng.standard_normal((5, 3)), np.eye(2)[rng.integers(0, 2, 5)]
    model.W, model.w0 = rng.standard_normal((3, 4)), 0.1 * rng.standard_normal((1, 4))
    model.V, model.v0 = rng.standard_normal((4, 2)), 0.1 * rng.standard_normal((1, 2))

    def loss(W, V, model):
        model.W, model.V = W, V
        return np.sum(model.loss.loss(y, model.predict(X)))

    check(report, "MultilayerPerceptron loss wrt W, V", loss,
          (model.W.copy(), model.V.copy(), model), (0, 1))

    def of_input(X):
        return np.sum(model.predict(X) * y)

    check(report, "MultilayerPerceptron predict wrt X", of_input, (X,))


def _gmm(report, lib, rng):
    gm = lib.gaussian_mixture_model.GaussianMixtureModel(k=2)
    X = rng.standard_normal((5, 2))
    mean = np.array([0.2, -0.1])
    A = rng.standard_normal((2, 2))
    cov = A @ A.T + np.eye(2)

    def log_likelihood(X, mean, cov):
        return np.sum(np.log(gm.multivariate_gaussian(X, {"mean": mean, "cov": cov})))

    check(report, "GaussianMixtureModel.multivariate_gaussian", log_likelihood,
          (X, mean, cov), (0, 1, 2))
    gm.parameters = [{"mean": mean, "cov": cov}, {"mean": -mean, "cov": 2 * cov}]
    gm.priors = np.array([0.4, 0.6])
    R = rng.standard_normal((5, 2))

    def responsibilities(X):
        gm._expectation(X)
        return np.sum(gm.responsibility * R)

    check(report, "GaussianMixtureModel._expectation wrt X", responsibilities, (X,))


def _utilities(report, lib, rng):
    do, dm = lib.data_operation, lib.data_manipulation
    X, Y = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    R = rng.standard_normal((3, 3))
    x1, x2 = rng.standard_normal(4), rng.standard_normal(4)

    def mse(X):
        return do.mean_squared_error(Y, X)

    def variance(X):
        return np.sum(do.calculate_variance(X) * R[0])

    def std_dev(X):
        return np.sum(do.calculate_std_dev(X) * R[0])

    def distance(x1, x2):
        return do.euclidean_distance(x1, x2)

    def covariance(X, Y):
        return np.sum(do.calculate_covariance_matrix(X, Y) * R)

    def correlation(X):
        return np.sum(do.calculate_correlation_matrix(X) * R)

    def normalized(X):
        return np.sum(dm.normalize(X) * Y)

    def standardized(X):
        return np.sum(dm.standardize(X.copy()) * Y)

    def polynomial(X):
        return np.sum(dm.polynomial_features(X, degree=2) ** 2)

    def diagonal(x):
        return np.sum(dm.make_diagonal(x) @ R[:, :1].repeat(4, 0)[:4])

    check(report, "mean_squared_error", mse, (X,))
    check(report, "calculate_variance", variance, (X,))
    check(report, "calculate_std_dev", std_dev, (X,))
    check(report, "euclidean_distance", distance, (x1, x2), (0, 1))
    check(report, "calculate_covariance_matrix", covariance, (X, Y), (0, 1))
    check(report, "calculate_correlation_matrix", correlation, (X,))
    check(report, "normalize", normalized, (X,))
    check(report, "standardize", standardized, (X,))
    check(report, "polynomial_features", polynomial, (X,))
    check(report, "make_diagonal", diagonal, (x1,))


def _network(lib, loss, layers):
    np.random.seed(0)
    net = lib.neural_network.NeuralNetwork(optimizer=Record(), loss=loss)
    for layer in layers:
        net.add(layer)
    for layer in net.layers:
        for name in list(vars(layer)):
            if name.endswith("_opt"):
                setattr(layer, name, Record())
    return net


def network(report: Report, lib) -> None:
    if not hasattr(lib, "neural_network"):
        return
    ly, lf = lib.layers, lib.loss_functions
    rng = np.random.default_rng(5)
    for name, loss, make, X, y in (
            ("dense, SquareLoss", lf.SquareLoss,
             lambda: [ly.Dense(4, input_shape=(3,)), ly.Activation("tanh"), ly.Dense(2)],
             rng.standard_normal((5, 3)), rng.standard_normal((5, 2))),
            ("dense, BatchNormalization, softmax, CrossEntropy", lf.CrossEntropy,
             lambda: [ly.Dense(4, input_shape=(3,)), ly.Activation("sigmoid"),
                      ly.BatchNormalization(), ly.Dropout(0.2), ly.Dense(3),
                      ly.Activation("softmax")],
             rng.standard_normal((5, 3)), np.eye(3)[rng.integers(0, 3, 5)]),
            ("convolutional, CrossEntropy", lf.CrossEntropy,
             lambda: [ly.Conv2D(2, (3, 3), input_shape=(1, 4, 4)), ly.Activation("elu"),
                      ly.MaxPooling2D((2, 2), stride=2, padding="valid"), ly.Flatten(), ly.Dense(3),
                      ly.Activation("softmax")],
             rng.standard_normal((3, 1, 4, 4)), np.eye(3)[rng.integers(0, 3, 3)]),
            ("recurrent, SquareLoss", lf.SquareLoss,
             lambda: [ly.RNN(3, activation="tanh", input_shape=(3, 2))],
             rng.standard_normal((2, 3, 2)), rng.standard_normal((2, 3, 2)))):
        net = _network(lib, loss, make())
        net._forward_pass(X, training=False)  # (BatchNormalization's running statistics)

        def test_loss(X, net=net, y=y):  # (bound now: the loop moves on)
            loss, _ = net.test_on_batch(X, y)
            return loss

        twin = _network(lib, loss, make())
        twin._forward_pass(X, training=False)
        y_pred = twin._forward_pass(X, training=False)
        grad = twin.loss_function.gradient(y, y_pred) / y.size
        # Their backward passes of BatchNormalization and Dropout are those of training
        # mode (batch statistics, the mask drawn), pooling's fails (it pads with 0, which
        # determine_padding does not know): no reference for those networks' test loss.
        training_only = any(type(layer).__name__ in ("BatchNormalization", "Dropout",
                                                     "MaxPooling2D", "AveragePooling2D")
                            for layer in twin.layers)
        if not training_only:
            for layer in reversed(twin.layers):
                grad = layer.backward_pass(grad)
        check(report, f"NeuralNetwork({name}).test_on_batch wrt X", test_loss, (X,),
              theirs=None if training_only else (grad,), reference="backward pass")
        first = net.layers[0]

        def of_weights(W, first, net=net, X=X, y=y):
            first.W = W
            return net.test_on_batch(X, y)[0]

        check(report, f"NeuralNetwork({name}).test_on_batch wrt layers[0].W", of_weights,
              (np.array(first.W), first),
              theirs=None if training_only else (twin.layers[0].W_opt.grads[0],),
              reference="backward pass")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.mlfromscratch_suite")
    parser.add_argument("checkout", help="a checkout of github.com/eriklindernoren/ML-From-Scratch")
    parser.add_argument("groups", nargs="*", help=f"only these of {', '.join(GROUPS)}")
    parser.add_argument("-v", "--verbose", action="store_true", help="show correct rows too")
    opts = parser.parse_args(argv)
    if set(opts.groups) - set(GROUPS):
        parser.error(f"groups are {', '.join(GROUPS)}")
    warnings.simplefilter("ignore")
    lib, skipped = load(opts.checkout)
    for module, reason in skipped:
        print(f"skipped module {module}: {reason}")
    runs = dict(zip(GROUPS, (activations, losses, layers, models, network)))
    return run_groups(runs, opts.groups, opts.verbose, lib)


if __name__ == "__main__":
    # their modules import matplotlib.pyplot: no window (set for this process only, not
    # by main, which a test calls in its own process, whose notebook kernels inherit it)
    os.environ.setdefault("MPLBACKEND", "Agg")
    sys.exit(main())
