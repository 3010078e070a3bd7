"""mkdocs hooks: the documentation site is laid out like the repository.

The pages keep the relative links that work on a code-hosting site (docs/index.md
links ../examples/01_lecture_example.ipynb, the README links docs/quickstart.md), so
the site mirrors the repository rather than rewriting links: README.md is the home
page, the pages of docs/ sit under docs/, the notebooks under examples/ (rendered by
mkdocs-jupyter from their stored outputs), and every other repository file a page
links to (an example script, a benchmark) is copied as it is; the theme's own files
are left alone. A link to a file that
does not exist stays a broken link, which `mkdocs build --strict` reports.
"""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"```.*?```", re.S)


def pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def notebooks() -> list[Path]:
    return sorted((ROOT / "examples").glob("[0-9][0-9]_*.ipynb"))


def linked_files(page: Path) -> set[Path]:
    """Repository files that `page` links to by a relative link."""
    found = set()
    for target in LINK.findall(FENCE.sub("", page.read_text())):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        path = (page.parent / target.split("#")[0]).resolve()
        if path.is_file() and path.is_relative_to(ROOT):
            found.add(path)
    return found


@event_priority(100)  # before mkdocs-jupyter turns the notebooks into pages
def on_files(files: Files, config) -> Files:
    docs = Path(config["docs_dir"]).resolve()
    theirs = [f for f in files if not Path(f.abs_src_path).resolve().is_relative_to(docs)]
    wanted = {*pages(), *notebooks()}
    unread = list(wanted)
    while unread:  # what the pages link to, and what the Markdown among it links to
        page = unread.pop()
        if page.suffix == ".md":
            unread += linked_files(page) - wanted
            wanted |= linked_files(page)
    wanted |= {docs / f.src_uri for f in files if f not in theirs
               and not f.src_uri.endswith((".py", ".pyc")) and "__pycache__" not in f.src_uri}
    return Files(theirs + [File(path.relative_to(ROOT).as_posix(), str(ROOT),
                                config["site_dir"], config["use_directory_urls"])
                           for path in sorted(wanted)])
