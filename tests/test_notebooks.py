"""Every notebook in examples/ runs top to bottom in a real Jupyter kernel and prints
what its stored outputs say.

The kernel is this test's own interpreter (build_notebooks.kernel_environment), so
the notebooks see the pullback under test; running a notebook also proves that
functions defined in notebook cells can be differentiated (pullback reads their
source from the cell). The notebooks must match their sources in
examples/notebook_sources/, and their stored outputs must match a fresh run, so
they cannot go stale silently (rebuild with `python examples/build_notebooks.py`):
text is compared with numbers read as numbers (equal to the last printed digit or
to a relative 1e-6; below 1e-9 counts as zero), memory addresses masked, and in
cells tagged "timing" every number masked with the padding that aligns it; a figure
is compared by its presence and its text form (`<Figure size ... with 1 Axes>`),
not by its pixels. The same kernel run is the execution test: a failing cell fails.
"""

import math
import re
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("jupytext")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(EXAMPLES))
import build_notebooks  # noqa: E402

NOTEBOOKS = sorted(EXAMPLES.glob("[0-9][0-9]_*.ipynb"))
NUMBER = re.compile(r"-?(?:\d+\.\d*|\.\d+|\d+)(?:e[-+]?\d+)?", re.I)
ADDRESS = re.compile(r"0x[0-9a-f]{6,}", re.I)


@pytest.fixture(scope="module")
def kernel_env():
    with build_notebooks.kernel_environment() as environment:
        yield environment


def printed(cell) -> list[tuple[str, str]]:
    """A code cell's outputs as (kind, text): streams joined, figures by their text form."""
    out = []
    for output in build_notebooks.joined_streams(list(cell.outputs)):
        if output.output_type == "stream":
            out.append((output.name, output.text))
        elif output.output_type == "error":
            out.append(("error", f"{output.ename}: {output.evalue}"))
        else:
            kind = "figure" if "image/png" in output.data else output.output_type
            out.append((kind, output.data.get("text/plain", "")))
    return out


def _tolerance(token: str) -> float:
    """What a printed number may differ by: one unit in its last printed digit."""
    mantissa, _, exponent = token.lower().partition("e")
    decimals = len(mantissa.partition(".")[2]) if "." in mantissa else None
    if decimals is None:
        return 0.0
    return 10.0 ** (int(exponent or 0) - decimals)


def differences(stored: str, fresh: str, timing: bool) -> str | None:
    """Why two printed texts differ, or None when they agree."""
    stored, fresh = ADDRESS.sub("0x...", stored), ADDRESS.sub("0x...", fresh)
    if timing:  # every number masked, and the padding that aligns them
        def masked(text):
            return " ".join(NUMBER.sub("#", text).split())
        return None if masked(stored) == masked(fresh) else "the text differs"
    if NUMBER.split(stored) != NUMBER.split(fresh):
        return "the text differs"
    for a, b in zip(NUMBER.findall(stored), NUMBER.findall(fresh)):
        x, y = float(a), float(b)
        close = abs(x - y) <= max(_tolerance(a), _tolerance(b), 1e-6 * abs(x), 1e-9) * 1.01
        if not close and not (math.isnan(x) and math.isnan(y)):
            return f"{a} is now {b}"
    return None


def test_differences_read_numbers_as_numbers():
    assert differences("x = 0.1235\n", "x = 0.1234\n", timing=False) is None
    assert differences("x = 0.1235\n", "x = 0.1233\n", timing=False) == "0.1235 is now 0.1233"
    assert differences("3645 trees", "3644 trees", timing=False) == "3645 is now 3644"
    assert differences("max 2.2e-16", "max 4.4e-16", timing=False) is None
    assert differences("max 2.2e-3", "max 4.4e-3", timing=False) is not None
    assert differences("<object at 0x7f00aa12>", "<object at 0x7f11bb34>", False) is None
    assert differences("in 1.2 s", "in 3.4 s", timing=True) is None
    assert differences("in 1.2 s", "took 3.4 s", timing=True) == "the text differs"
    assert differences("  9.5 ms\n", " 10.5 ms\n", timing=True) is None


def test_there_are_seven_notebooks_each_built_from_its_source():
    sources = build_notebooks.sources()
    assert [s.stem for s in sources] == [n.stem for n in NOTEBOOKS]
    assert len(NOTEBOOKS) == 7
    for source in sources:
        assert build_notebooks.is_current(source), (
            f"{source.name} changed: run python examples/build_notebooks.py")
    for path in NOTEBOOKS:  # stored executed, figures at a modest resolution
        nb = nbformat.read(path, as_version=4)
        assert all(c.execution_count for c in nb.cells if c.cell_type == "code"), path.name
        assert path.stat().st_size < 256 * 1024, f"{path.name} is larger than 256 KiB"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_and_prints_what_is_stored(path, kernel_env):
    stored = nbformat.read(path, as_version=4)
    fresh = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    build_notebooks.execute(fresh, kernel_env)  # raises CellExecutionError on a failing cell
    print(f"{path.name}: {time.perf_counter() - start:.1f} s")
    code = [(s, f) for s, f in zip(stored.cells, fresh.cells) if s.cell_type == "code"]
    assert any(printed(f) for _, f in code), "the notebook printed nothing"
    rebuild = "rebuild with python examples/build_notebooks.py"
    for number, (old, new) in enumerate(code, 1):
        where = f"{path.name}, code cell {number} ({old.source.splitlines()[0]!r})"
        old_out, new_out = printed(old), printed(new)
        assert "error" not in [kind for kind, _ in new_out], where
        assert [k for k, _ in old_out] == [k for k, _ in new_out], (
            f"{where}: stored outputs {[k for k, _ in old_out]}, "
            f"a fresh run gives {[k for k, _ in new_out]}: {rebuild}")
        timing = "timing" in old.metadata.get("tags", [])
        for (_, old_text), (_, new_text) in zip(old_out, new_out):
            why = differences(old_text, new_text, timing)
            assert why is None, (f"{where}: {why}: {rebuild}\nstored:\n{old_text}\n"
                                 f"fresh:\n{new_text}")
