"""Run autograd's own test suite through pullback: an outside check of what pullback
differentiates, refuses and gets wrong, on functions written by other people.

autograd's tests call `check_grads(fun)(*args)` and `combo_check(fun, argnums)(...)`; this
tool replaces those two (and `autograd.grad`, `value_and_grad`) with checks of pullback's
vjp against central differences along a random direction, imports each test module, runs
its tests, and counts each check as correct, refused (a pullback error), wrong (a number
that disagrees with the differences), crash (any other exception from pullback), or
skipped (complex inputs or outputs: pullback's grad refuses those by design). autograd's
tests are not in this repository; fetch them first:

    git clone --depth 1 https://github.com/HIPS/autograd /tmp/autograd
    python -m tools.autograd_suite /tmp/autograd/tests              # with autograd.numpy
    python -m tools.autograd_suite /tmp/autograd/tests --numpy      # autograd.numpy -> NumPy

With `--numpy` the tests' `import autograd.numpy as np` gives a module that re-exports
NumPy, so the same functions are checked as plain NumPy code. The process exits with
status 1 if any check is wrong or crashes.
"""
