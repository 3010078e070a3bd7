"""Differentiate SciPy's global-optimization benchmark objectives with pullback: ~195
functions written by other people, as methods (`def fun(self, x, *args): self.nfev += 1;
...`) of one class each, in plain NumPy with loops, comprehensions, slices and a few
random or piecewise objectives.

For each objective, at a random point inside its bounds, the tool checks
`pullback.grad(obj.fun)(x)` along a random direction against central differences at eight
steps (tools/outside.py says when those settle, and what counts as correct, wrong,
unsettled, nan), and that `obj.nfev` moves by exactly 1 (the body runs once; a gradient
that ran it twice, or not at all, is reported as `state`). An objective that gives two
values at the same point draws random numbers and is reported as `random`. With
`--second`, `pullback.hessian(obj.fun)(x) @ v` is checked against differences of the
(checked) gradient along v. With `--autograd` (if autograd is installed) the module is
loaded a second time with its NumPy imports read as autograd.numpy and autograd's
directional derivative is compared with pullback's (a table apart; it does not change the
exit status).

The objectives are not in this repository; fetch SciPy's benchmarks first:

    git clone --depth 1 https://github.com/scipy/scipy /tmp/scipy
    python -m tools.scipy_go_suite /tmp/scipy/benchmarks/benchmarks/go_benchmark_functions
    python -m tools.scipy_go_suite PATH --second --autograd -v      # everything, every row
    python -m tools.scipy_go_suite PATH Cola Thurber                # some objectives

The folder is imported as a package of its own, with a stand-in for the `common` module of
SciPy's benchmarks (its `safe_import`), so nothing else of SciPy's benchmarks (asv) is
needed. Rows list the checks that are not correct (all of them with `-v`), then a line of
counts; the process exits with status 1 on any wrong or crash.
"""
