"""Generated gradients are pinned: a change to the printed code must be deliberate.

Regenerate with `PULLBACK_UPDATE_GOLDEN=1 pytest tests/test_golden.py` and review
the diff like any other code change.
"""

import os
from pathlib import Path

import numpy as np
import pytest
from fd import numeric_grad
from golden_functions import EXPLAINED, GOLDEN, SHAPED, example_arguments

import pullback

HERE = Path(__file__).parent / "golden"


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_generated_source_matches_golden(name):
    func, wrt = GOLDEN[name]
    text = pullback.source(func, wrt=wrt)
    path = HERE / f"{name}.py"
    if os.environ.get("PULLBACK_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()


def _pinned(text, path):
    if os.environ.get("PULLBACK_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()


@pytest.mark.parametrize("name", sorted(EXPLAINED))
def test_explained_source_matches_golden(name):
    func, wrt, mode = EXPLAINED[name]
    _pinned(pullback.source(func, wrt=wrt, mode=mode, explain=True),
            HERE / f"{name}_explain.py")


@pytest.mark.parametrize("name", sorted(SHAPED))
def test_shape_specialized_source_matches_golden(name):
    func, wrt, shapes = SHAPED[name]
    _pinned(pullback.source(func, wrt=wrt, example_args=example_arguments(shapes)),
            HERE / f"{name}_shapes.py")


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_gradients_are_right(name):
    func, wrt = GOLDEN[name]
    rng = np.random.default_rng(7)
    args = {
        "lecture": (2.0, -1.0, 0.0),
        "recurrence": (1.1, 0.8),
        "rnn": (rng.normal(size=(4, 4)) * 0.4, rng.normal(size=(4, 3)), rng.normal(size=(6, 3)),
                np.zeros(4)),
        "piecewise": (0.4,),
        "running_buffer": (rng.normal(size=5),),
        "search": (3.0,),
    }[name]
    got = pullback.grad(func, wrt=wrt)(*args)
    got = got if isinstance(wrt, tuple) else (got,)
    for g, i in zip(got, wrt if isinstance(wrt, tuple) else (wrt,)):
        np.testing.assert_allclose(g, numeric_grad(func, args, i), rtol=1e-5, atol=1e-8)
