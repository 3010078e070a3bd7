"""Run objectives from autograd's examples directory through pullback: published models
written by other people for autograd (a GMM, Gaussian processes, ICA, a negative binomial
likelihood, an RNN, an LSTM, an HMM's forward pass, a VAE, a Bayesian neural net, a deep
GP, the Rosenbrock and logistic-regression scripts), each checked by grad, jvp and hvp
against central differences along a random direction (tools/outside.py judges them).

autograd's examples are not in this repository; fetch them first:

    git clone --depth 1 https://github.com/HIPS/autograd /tmp/autograd
    python -m tools.autograd_examples /tmp/autograd/examples           # with autograd.numpy
    python -m tools.autograd_examples /tmp/autograd/examples --numpy   # autograd -> NumPy

By default the examples import autograd itself (`import autograd.numpy as np`: code
written for autograd, which pullback differentiates as the NumPy it runs), with autograd's
grad, value_and_grad, elementwise_grad and hessian_vector_product answered by pullback.
With `--numpy` a package named `autograd` made in a temporary directory stands in front of
the real one and re-exports NumPy and SciPy under autograd's names, as a project porting
autograd code keeps: the same functions checked as plain NumPy code. autograd's
misc.flatten is library code with no derivative rule: pullback refuses it, located (the
neural-net example). The process exits with status 1 on any wrong number or crash.
"""
