"""Run google/tangent's test functions (tests/functions.py) through pullback: an outside
check, on small functions another source-to-source AD tool was tested with (loops,
branches, subscripts, NumPy calls, while, nested calls, tuples and dicts).

Each function is called with the arguments tangent's tests give its parameters (by name, as
tangent's conftest does: `a`, `b`, `c` scalars; `n` integers; `x` vectors; `sqm` square
matrices; `boolean` True/False; and the arguments of the tests written for one function),
and in three modes pullback's numbers are checked against central differences
(tools/outside.py) along a random direction in every floating argument at once:

* grad: the vector-Jacobian product `vjp(f, wrt)(*args, seed)` with a random seed, as
  <seed, f> differentiated along the direction;
* jvp: `jvp(f, wrt)(*args, direction)` against the differences of f;
* hvp: `hvp(f, wrt)(*args, direction)` (scalar outputs, where the gradient was correct)
  against the differences of pullback's gradient;
* rev-rev: reverse over reverse, as tangent's test_reverse_over_reverse:
  `vjp(grad(f, wrt), wrt)(*args, u)` with a random u (scalar outputs, where the gradient
  was correct) against the differences of <u, pullback's gradient>.

A check whose differences settle on a number pullback disagrees with is `wrong`, unless the
point is a kink (the one-sided differences disagree, and pullback gives one of them: the
derivative of the branch taken, as `a * a if a > b else a * b` at a == b), counted apart.

Functions only TensorFlow runs, and parameters tangent's tests never fill, are skipped and
counted. tangent is not installed: a stand-in (stub_tangent.py) gives what functions.py
imports from it (insert_grad_of, trace, Stack, push, pop). tangent's tests are not in this
repository; fetch them first:

    git clone --depth 1 https://github.com/google/tangent /tmp/tangent
    python -m tools.tangent_suite /tmp/tangent/tests/functions.py [NAME ...] [--short] [-v]

The process exits with status 1 if any check is wrong or crashes.
"""
