"""The docs show what pullback prints now, their links resolve, their code runs, and
the documentation site builds with `mkdocs build --strict` (every page in the nav,
no broken link, the notebooks rendered with their figures).

Code samples in the docs (and the README's sample of `pullback show`) sit in
generated blocks that `python docs/generate.py` rewrites; this test fails when
one is out of date. Floating-point numbers in command output are compared to 4
significant digits (tiny relative errors not at all), so the last digits of a
finite difference may differ between machines.
"""

import difflib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import pullback

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs"))
import generate  # noqa: E402

# Docs other engineers write; a link to one is fine while it does not exist yet.
PENDING = {"docs/fuzzing.md"}

NUMBER = re.compile(r"-?\d+\.\d+(?:e[-+]?\d+)?|-?\d+e[-+]?\d+", re.I)


def _rounded(match):
    value = float(match.group())
    return "~0" if abs(value) < 1e-6 else f"{value:.4g}"


def normalized(text: str) -> str:
    return NUMBER.sub(_rounded, text)


@pytest.mark.parametrize("path", generate.FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_generated_blocks_are_current(path):
    text = path.read_text()
    fresh = generate.render(text)
    if normalized(fresh) != normalized(text):
        diff = "".join(difflib.unified_diff(text.splitlines(True), fresh.splitlines(True),
                                            "committed", "now", n=1))
        pytest.fail(f"{path.relative_to(ROOT)} is out of date: run python docs/generate.py\n"
                    + diff)


def test_how_it_works_has_a_section_per_stage_with_before_and_after():
    text = (ROOT / "docs" / "how-it-works.md").read_text()
    stages = ["parse", "check", "normalize", "ssa", "activity", "reverse", "simplify",
              "codegen"]
    headings = re.findall(r"^## \d\. (\w+)$", text, re.M)
    assert headings == stages
    for stage in ("parsed", "normalized", "ssa", "adjoint", "final"):
        assert f"<!-- generated: source examples/lecture.py:g {stage} -->" in text


def test_supported_table_has_no_wrong_gradient():
    text = (ROOT / "docs" / "supported-python.md").read_text()
    assert "supported ✓" in text
    assert "wrong gradient" not in text and "**fails**" not in text


def _markdown_files():
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("path", _markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(path):
    text = re.sub(r"```.*?```", "", path.read_text(), flags=re.S)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        resolved = (path.parent / target.split("#")[0]).resolve()
        relative = resolved.relative_to(ROOT).as_posix() if resolved.is_relative_to(ROOT) \
            else str(resolved)
        if relative in PENDING:
            continue
        assert resolved.exists(), f"{path.name} links to missing {target}"


def test_readme_links_every_doc():
    readme = (ROOT / "README.md").read_text()
    for doc in sorted((ROOT / "docs").glob("*.md")):
        assert f"(docs/{doc.name})" in readme, f"README does not link docs/{doc.name}"
    for doc in PENDING:
        assert f"({doc})" in readme


def _python_blocks(path):
    return re.findall(r"```python\n(.*?)```", path.read_text(), re.S)


def test_quickstart_code_runs(tmp_path):
    script = tmp_path / "quickstart.py"
    script.write_text("\n\n".join(_python_blocks(ROOT / "docs" / "quickstart.md")))
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "(-3.9599699864017817, -0.9899924966004454, 1.9899924966004454)" in result.stdout
    assert "unsupported construct: global statement" in result.stdout


def test_index_example_runs(tmp_path):
    script = tmp_path / "index_example.py"
    script.write_text(_python_blocks(ROOT / "docs" / "index.md")[0])
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "def dg(x, y, z):" in result.stdout


def test_custom_rules_examples_run():
    result = subprocess.run([sys.executable, "examples/custom_rules.py"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr


def test_readme_example_runs(tmp_path):
    script = tmp_path / "readme_example.py"
    script.write_text(_python_blocks(ROOT / "README.md")[0])
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    values = [round(float(v), 2) for v in result.stdout.strip("()\n").split(",")]
    assert values == [-3.96, -0.99, 1.99]


def test_site_builds_strict_with_every_page_and_the_notebooks_figures(tmp_path):
    pytest.importorskip("mkdocs")
    site = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"),
         "-d", str(site)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stderr[-5000:]
    # strict mode refuses a page left out of the nav (validation.omitted_files: warn)
    for page in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        folder = page.parent if page.stem in ("README", "index") else page.with_suffix("")
        assert (site / folder.relative_to(ROOT) / "index.html").exists(), page.name
    api = (site / "docs" / "api" / "index.html").read_text()
    for name in pullback.__all__:
        assert f"pullback.{name}" in re.sub(r"<[^>]+>|\s", "", api), name
    for notebook in sorted((ROOT / "examples").glob("[0-9][0-9]_*.ipynb")):
        html = (site / "examples" / notebook.stem / "index.html").read_text()
        figures = notebook.read_text().count('"image/png"')
        assert html.count("data:image/png") >= figures, notebook.name
