"""Differentiate ML-From-Scratch's NumPy code (github.com/eriklindernoren/ML-From-Scratch)
with pullback: classes written by someone else for teaching (activations called through
`__call__`, layers keeping their caches on `self`, models reading their weights from
attributes), each wrapped in a scalar objective the way a user of the library writes one,
calling the library's own code (not a copy):

- activations: `np.sum(act(z) * R)` for Sigmoid, Softmax, TanH, ReLU, LeakyReLU, ELU, SELU,
  SoftPlus, and their hand-written `gradient` differentiated too (a second derivative);
- losses: SquareLoss and CrossEntropy `loss` (summed, with `acc` added, of a Softmax);
- layers: `np.sum(layer.forward_pass(X) * R)` with respect to the input and to the
  parameters set through the layer's attributes (Dense, RNN, Conv2D, BatchNormalization,
  pooling, Dropout in eval mode, Activation, Reshape, Flatten, UpSampling2D, padding);
- models: regressions' squared error of `predict` plus their regularization's `__call__`,
  logistic regression, Perceptron and MultilayerPerceptron predictions, a Gaussian
  mixture's likelihoods and responsibilities, PCA's projection, the kernels, the utilities
  (variance, covariance, correlation, normalize, polynomial features, distances);
- network: a whole NeuralNetwork's `test_on_batch` loss (dense and convolutional).

Each objective's grad, jvp and hvp along a random direction are judged against central
differences as tools/outside.py judges them. Where the library has a hand-written
derivative (`gradient`, `grad`, `backward_pass`, the update its `fit` makes), pullback's
gradient is also compared with it: a check pullback gets right while the library's own
derivative disagrees with both pullback and the differences is reported as `their bug`
(not counted against pullback).

ML-From-Scratch is not in this repository; fetch it first:

    git clone --depth 1 https://github.com/eriklindernoren/ML-From-Scratch /tmp/mlfs
    python -m tools.mlfromscratch_suite /tmp/mlfs            # rows that are not correct
    python -m tools.mlfromscratch_suite /tmp/mlfs -v layers  # one group, every row

Its modules import `progressbar` and `terminaltables` for display only; where these are
not installed the tool stands small stand-ins for them in (the checkout is not edited).
Modules needing other absent packages (cvxopt, gym) are skipped and listed. Left out as
not differentiable: trees, k-means and other clustering, the RBM and Bayesian regression
(they sample), the genetic and swarm optimizers. The process exits with status 1 on any
wrong or crash.
"""
