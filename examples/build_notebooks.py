"""Build the example notebooks from their sources in `examples/notebook_sources/`, executed.

Each source is a plain Python script in jupytext's "percent" format, read by
jupytext: a line `# %%` starts a code cell, `# %% [markdown]` a Markdown cell whose
lines are comments (`# text`), and `# %% tags=["timing"]` a code cell whose printed
numbers are timings. A source runs top to bottom as a script too (`python
examples/notebook_sources/01_lecture_example.py`), and editors that pair notebooks
with scripts open it as it is. The notebooks are stored executed, with their
outputs and figures (PNG), so they read like a lecture on a
code-hosting site; cell ids are fixed and no timestamps or interpreter versions
are stored, so a rebuild changes only what the notebooks print:

    python examples/build_notebooks.py           # build and execute every notebook
    python examples/build_notebooks.py 03 04     # only the notebooks whose names start so
    python examples/build_notebooks.py --check   # exit 1 if a notebook's cells differ

Edit the source, then rebuild; `tests/test_notebooks.py` checks that the cells
agree with the sources, runs every notebook afresh and checks that the stored
outputs are what a fresh run prints (timings and memory addresses masked).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
from pathlib import Path

import jupytext
import nbformat

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "notebook_sources"

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
TIME_LIMIT = 60  # seconds per cell; each notebook is meant to take well under 20 s in all
FIGURE_DPI = 72  # stored figures stay small: a 7 x 4.5 inch figure is about 500 x 320 pixels
KERNEL_NAME = "pullback-notebooks-python"


def sources() -> list[Path]:
    return sorted(SOURCES.glob("[0-9][0-9]_*.py"))


def notebook_path(source: Path) -> Path:
    return HERE / f"{source.stem}.ipynb"


def build(source: Path) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    for i, read in enumerate(jupytext.read(source).cells):
        make = (nbformat.v4.new_markdown_cell if read.cell_type == "markdown"
                else nbformat.v4.new_code_cell)
        cell = make(read.source)
        cell["id"] = f"cell-{i:02d}"
        if read.metadata.get("tags"):
            cell.metadata["tags"] = list(read.metadata["tags"])
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


@contextlib.contextmanager
def kernel_environment():
    """Environment variables under which Jupyter starts a kernel on this very interpreter.

    The kernelspec sits in a temporary directory found through JUPYTER_PATH, so the
    notebooks import the pullback this interpreter imports; IPython's profile is
    temporary too, and figures are drawn at FIGURE_DPI.
    """
    with tempfile.TemporaryDirectory(prefix="pullback-notebooks-") as tmp:
        root = Path(tmp)
        spec = root / "jupyter" / "kernels" / KERNEL_NAME
        spec.mkdir(parents=True)
        (spec / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "pullback notebooks",
            "language": "python",
        }))
        (root / "matplotlib").mkdir()
        (root / "matplotlib" / "matplotlibrc").write_text(f"figure.dpi: {FIGURE_DPI}\n")
        yield {"JUPYTER_PATH": str(root / "jupyter"), "IPYTHONDIR": str(root / "ipython"),
               "MATPLOTLIBRC": str(root / "matplotlib"), "PYDEVD_DISABLE_FILE_VALIDATION": "1"}



def execute(nb: nbformat.NotebookNode, environment: dict[str, str]) -> nbformat.NotebookNode:
    """Run every cell of `nb` in place, in examples/, in a kernel started under `environment`.

    Raises nbclient's CellExecutionError on the first failing cell. The stored
    metadata stays what `build` wrote: no timings, no interpreter version.
    """
    import nbclient

    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    try:
        metadata = nb.metadata
        client = nbclient.NotebookClient(nb, kernel_name=KERNEL_NAME, timeout=TIME_LIMIT,
                                         record_timing=False,
                                         resources={"metadata": {"path": str(HERE)}})
        client.execute()
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = joined_streams(cell.outputs)
        nb.metadata = metadata
        nb.metadata["kernelspec"] = dict(KERNELSPEC)
        nb.metadata["language_info"] = {"name": "python"}
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return nb


def joined_streams(outputs: list) -> list:
    """Consecutive writes to the same stream as one output (how a kernel splits a
    print into messages depends on timing)."""
    joined = []
    for output in outputs:
        last = joined[-1] if joined else None
        if (output.output_type == "stream" and last is not None
                and last.output_type == "stream" and last.name == output.name):
            last.text += output.text
        else:
            joined.append(output)
    return joined


def cells(nb) -> list[tuple[str, str]]:
    """What a notebook says: its cells' kinds and sources, without outputs or metadata."""
    return [(cell.cell_type, cell.source) for cell in nb.cells]


def is_current(source: Path) -> bool:
    path = notebook_path(source)
    return path.exists() and cells(nbformat.read(path, as_version=4)) == cells(build(source))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", help="build only notebooks whose names start so")
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if a notebook differs from its source")
    args = parser.parse_args(argv)
    chosen = [s for s in sources() if not args.only or s.stem.startswith(tuple(args.only))]
    stale = []
    if args.check:
        stale = [notebook_path(s).name for s in chosen if not is_current(s)]
    else:
        with kernel_environment() as environment:
            for source in chosen:
                path = notebook_path(source)
                path.write_text(nbformat.writes(execute(build(source), environment)))
                print(f"wrote {path.relative_to(HERE.parent)} "
                      f"({path.stat().st_size // 1024} KiB)")
    if stale:
        print("out of date (run python examples/build_notebooks.py): " + ", ".join(stale),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
