"""The lecture example end to end: values, gradient, printed code, CLI."""

import math
import subprocess
import sys
from pathlib import Path

import pytest

import pullback

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples"))
import lecture  # noqa: E402


def test_lecture_gradient_matches_closed_form():
    dx, dy, dz = pullback.grad(lecture.g, wrt=(0, 1, 2))(2.0, -1.0, 0.0)
    assert (round(dx, 2), round(dy, 2), round(dz, 2)) == (-3.96, -0.99, 1.99)
    d = 3.0  # x**2 + y*exp(z) at (2, -1, 0)
    assert dx == pytest.approx(math.cos(d) * 4.0)
    assert dy == pytest.approx(math.cos(d) * 1.0)
    assert dz == pytest.approx(math.cos(d) * -1.0 + 1.0)


def test_lecture_integer_inputs_give_float_gradients():
    grads = pullback.grad(lecture.g, wrt=("x", "y", "z"))(2, -1, 0)
    assert all(type(g) is float for g in grads)


def test_cli_prints_the_gradient_and_it_compiles():
    out = subprocess.run([sys.executable, "-m", "pullback", "examples/lecture.py:g"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    compile(out, "<printed>", "exec")
    assert out.startswith("def dg(x, y, z):")
    assert "dd = math_cos(d)" in out


def test_readme_shows_the_current_generated_code():
    out = subprocess.run([sys.executable, "-m", "pullback", "examples/lecture.py:g"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out in (ROOT / "README.md").read_text()
