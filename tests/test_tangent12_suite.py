"""tools/tangent_suite runs google/tangent's tests/functions.py through pullback (grad, jvp,
hvp, reverse over reverse) and counts the outcomes: here on a small functions.py written
for the test (always), and on tangent's own when a clone is at hand (PULLBACK_TANGENT, by
default /tmp/tangent: `git clone https://github.com/google/tangent /tmp/tangent`)."""

from __future__ import annotations

import os
import textwrap

import numpy as np
import pytest

from tools.tangent_suite import __main__ as tool

FUNCTIONS = textwrap.dedent('''
    import numpy as np

    import tangent
    from tangent import insert_grad_of

    try:
      import tensorflow as tf
    except ImportError:
      tf = None


    def saxpy(a, b, c):
      return a * b + c


    def iterpower(a, n):
      for i in range(n):
        a = a * a
      return a


    def multivar_if(a, b):
      if a > b:
        a = a * a
      else:
        a = a * b
      return a


    def numpy_exp2(x):
      return np.sum(np.exp(np.exp(x)))


    def rnn(inputs, W):
      h = np.zeros((4, 3))
      for t in range(3):
        h[t + 1] = np.dot(inputs[t], W) + h[t]
      return np.sum(h[1:])


    def dict_saxpy(val):
      return val['a'] * val['b'] + val['c']


    def tfe_exp(t):
      return tf.exp(t)


    def cart2polar(a, b):
      r = np.sqrt(a**2.0 + b**2.0)
      theta = np.arctan(b, a)  # Should really be arctan2
      return r, theta


    def inlining_contextmanager(a):
      b = a * a
      with insert_grad_of(a) as g:
        g = g * 0.9
      c = b * a
      return c
''')


@pytest.fixture
def functions_py(tmp_path):
    path = tmp_path / "functions.py"
    path.write_text(FUNCTIONS)
    return str(path)


def _counts(out, title) -> dict:
    line = next(line for line in out.splitlines() if line.startswith(title))
    return {outcome: int(n) for n, outcome in
            (part.split() for part in line.split(" checks, ")[1].split(", "))}


def test_a_small_functions_py_is_counted(functions_py, capsys):
    assert tool.main([functions_py]) == 0
    out = capsys.readouterr().out
    for mode in tool.MODES:
        assert f"{mode} (functions): 9 checks" in out
    assert _counts(out, "grad (functions)") == {
        "correct": 5, "skipped": 2, "refused": 1, "kink": 1}
    assert _counts(out, "hvp (functions)") == {"correct": 5, "skipped": 4}
    assert "tfe_exp" in out and "TensorFlow only" in out
    assert "cart2polar" in out and "f fails" in out
    # a == b in multivar_if: the branches meet, pullback gives the branch it takes
    assert "multivar_if" in out and "kink" in out
    assert "insert_grad_of" in out and "functions.py\", line" in out


def test_a_wrong_number_fails_the_run(functions_py, capsys, monkeypatch):
    real = tool.pullback.jvp

    def off_by_one(f, wrt=0):
        jvp = real(f, wrt=wrt)
        return lambda *args: (lambda value, tangent: (value, tool._map(
            lambda t: t + 1.0, tangent)))(*jvp(*args))

    monkeypatch.setattr(tool.pullback, "jvp", off_by_one)
    assert tool.main([functions_py, "saxpy", "--short"]) == 1
    assert "saxpy" in capsys.readouterr().out


def test_trees_of_floats_flatten_and_rebuild():
    tree = (1.5, {"a": np.arange(3.0), "b": 2.0})
    z = tool.flat(tree)
    assert z.tolist() == [1.5, 0.0, 1.0, 2.0, 2.0]
    back = tool.rebuild(tree, z + 1)
    assert back[0] == 2.5 and isinstance(back[0], float)
    assert back[1]["a"].tolist() == [1.0, 2.0, 3.0] and back[1]["b"] == 3.0


TANGENT = os.path.join(os.environ.get("PULLBACK_TANGENT", "/tmp/tangent"), "tests",
                       "functions.py")


@pytest.mark.skipif(not os.path.exists(TANGENT), reason="no clone of google/tangent")
def test_tangents_own_functions(capsys):
    assert tool.main([TANGENT, "--short"]) == 0, capsys.readouterr().out
