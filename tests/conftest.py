"""The test session's on-disk cache: what pullback keeps on disk (the Numba backend's
compiled helpers, and gradients made with cache=True) goes to a temporary directory made
for the session and removed after it, never to the user's ~/.cache/pullback or
$PULLBACK_CACHE_DIR. It is set before any test module is collected (pullback reads the
variable when it first writes there); pytest-xdist's workers inherit it from the process
that starts them, so they share one directory, as processes on one machine do."""

from __future__ import annotations

import os
import shutil
import tempfile

_MADE: list = []  # (the directory this process made, the variable's value before)


def pytest_configure(config):
    if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get("PULLBACK_TEST_CACHE_DIR"):
        os.environ["PULLBACK_CACHE_DIR"] = os.environ["PULLBACK_TEST_CACHE_DIR"]
        return  # a worker: the directory of the process that started it
    directory = tempfile.mkdtemp(prefix="pullback-test-cache-")
    _MADE.append((directory, os.environ.get("PULLBACK_CACHE_DIR")))
    os.environ["PULLBACK_CACHE_DIR"] = os.environ["PULLBACK_TEST_CACHE_DIR"] = directory


def pytest_unconfigure(config):
    while _MADE:
        directory, before = _MADE.pop()
        shutil.rmtree(directory, ignore_errors=True)
        os.environ.pop("PULLBACK_TEST_CACHE_DIR", None)
        if before is None:
            os.environ.pop("PULLBACK_CACHE_DIR", None)
        else:
            os.environ["PULLBACK_CACHE_DIR"] = before
