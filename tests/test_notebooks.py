"""Every notebook in examples/ runs top to bottom in a real Jupyter kernel.

The kernel is this test's own interpreter (a kernelspec written to a temporary
directory and found through JUPYTER_PATH), so the notebooks see the pullback
under test; matplotlib runs headless (MPLBACKEND=Agg). Running a notebook also
proves that functions defined in notebook cells can be differentiated: pullback
reads their source from the cell. The notebooks must also match their sources in
examples/notebook_sources/ (rebuild with `python examples/build_notebooks.py`).
"""

import json
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(EXAMPLES))
import build_notebooks  # noqa: E402

NOTEBOOKS = sorted(EXAMPLES.glob("[0-9][0-9]_*.ipynb"))
KERNEL = "pullback-test-python"
TIME_LIMIT = 60  # seconds per cell; each notebook is meant to take well under 20 s in all


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    """A kernelspec that runs ipykernel on this very interpreter."""
    path = tmp_path_factory.mktemp("jupyter")
    spec = path / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "pullback tests",
        "language": "python",
    }))
    return {"JUPYTER_PATH": str(path), "MPLBACKEND": "Agg",
            "IPYTHONDIR": str(tmp_path_factory.mktemp("ipython"))}


def test_there_are_seven_notebooks_each_built_from_its_source():
    sources = build_notebooks.sources()
    assert [s.stem for s in sources] == [n.stem for n in NOTEBOOKS]
    assert len(NOTEBOOKS) == 7
    for source in sources:
        assert build_notebooks.is_current(source), (
            f"{source.name} changed: run python examples/build_notebooks.py")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_without_error(path, kernel_env, monkeypatch):
    for name, value in kernel_env.items():
        monkeypatch.setenv(name, value)
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name=KERNEL, timeout=TIME_LIMIT,
                                     resources={"metadata": {"path": str(EXAMPLES)}})
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError on the first failing cell
    elapsed = time.perf_counter() - start
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any(o.output_type == "stream" for o in outputs), "the notebook printed nothing"
    print(f"{path.name}: {elapsed:.1f} s")
