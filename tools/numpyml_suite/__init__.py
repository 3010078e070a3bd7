"""Differentiate numpy-ml's neural-network code with pullback: activations, losses and
layers written by other people as classes (methods, objects held in attributes, caches
kept on `self`), each with a hand-written derivative to check pullback against.

- activations: `np.sum(act.fn(z))` and `np.sum(act(z))`: pullback.grad against central
  differences and against their `act.grad(z)`; pullback.hvp with a vector of ones against
  differences of the gradient and against their `act.grad2(z)`.
- losses: SquaredError, CrossEntropy, VAELoss (as static methods, instances, and composed
  with an activation or a softmax): pullback.grad against differences and their `grad`.
- layers: `np.sum(layer.forward(X) * R)` (and with `retain_derived=False`, which keeps no
  cache on the layer; a recurrent cell's first step after `flush_gradients()`): pullback.grad
  with respect to X against differences and against their `backward(R)` after a forward of
  a layer made alike.

Differences are judged as in tools/outside.py (correct, wrong, unsettled, nan, refused,
crash). A check pullback gets right while numpy-ml's own derivative disagrees with both
pullback and the differences is reported as `their bug` (not counted against pullback).

numpy-ml is not in this repository; fetch it first:

    git clone --depth 1 https://github.com/ddbourgin/numpy-ml /tmp/numpyml
    python -m tools.numpyml_suite /tmp/numpyml                  # rows that are not correct
    python -m tools.numpyml_suite /tmp/numpyml -v layers       # one group, every row

numpy-ml imports `collections.Hashable`, which Python 3.10 removed; the tool puts the
collections.abc names back on `collections` before importing it (the clone is not edited).
The process exits with status 1 on any wrong or crash.
"""
