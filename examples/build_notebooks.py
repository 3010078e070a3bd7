"""Build the example notebooks from their sources in `examples/notebook_sources/`.

Each source is a plain Python script in the "percent" format: a line `# %%`
starts a code cell, `# %% [markdown]` a Markdown cell whose lines are comments
(`# text`). A source runs top to bottom as a script too (`python
examples/notebook_sources/01_lecture_example.py`). The notebooks are written
without outputs, with fixed cell ids, so building twice gives the same files:

    python examples/build_notebooks.py           # write examples/NN_name.ipynb
    python examples/build_notebooks.py --check   # exit 1 if a notebook's cells differ

Edit the source, then rebuild; `tests/test_notebooks.py` checks that the two agree
and executes every notebook in a Jupyter kernel.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "notebook_sources"

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def sources() -> list[Path]:
    return sorted(SOURCES.glob("[0-9][0-9]_*.py"))


def notebook_path(source: Path) -> Path:
    return HERE / f"{source.stem}.ipynb"


def split_cells(text: str) -> list[tuple[str, str]]:
    """A percent-format script -> [(kind, source)], kind "code" or "markdown"."""
    cells: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("# %%"):
            kind = "markdown" if "[markdown]" in line else "code"
            cells.append((kind, []))
        elif cells:
            cells[-1][1].append(line)
        elif line.strip():
            raise ValueError("a notebook source must start with a `# %%` cell marker")
    out = []
    for kind, lines in cells:
        if kind == "markdown":
            lines = [line[2:] if line.startswith("# ") else line.lstrip("#") for line in lines]
        body = "\n".join(lines).strip("\n")
        if body.strip():
            out.append((kind, body))
    return out


def build(source: Path) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    for i, (kind, body) in enumerate(split_cells(source.read_text())):
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        cell = make(body)
        cell["id"] = f"cell-{i:02d}"
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def render(source: Path) -> str:
    return nbformat.writes(build(source))


def cells(nb) -> list[tuple[str, str]]:
    """What a notebook says: its cells' kinds and sources, without outputs or metadata."""
    return [(cell.cell_type, cell.source) for cell in nb.cells]


def is_current(source: Path) -> bool:
    path = notebook_path(source)
    return path.exists() and cells(nbformat.read(path, as_version=4)) == cells(build(source))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if a notebook differs from its source")
    args = parser.parse_args(argv)
    stale = []
    for source in sources():
        path = notebook_path(source)
        if args.check:
            if not is_current(source):
                stale.append(path.name)
        else:
            path.write_text(render(source))
            print(f"wrote {path.relative_to(HERE.parent)}")
    if stale:
        print("out of date (run python examples/build_notebooks.py): " + ", ".join(stale),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
