#!/usr/bin/env python
"""Regenerate the parts of the docs (and README) that pullback itself prints.

Generated blocks sit between two HTML comments (invisible when rendered):

    <!-- generated: KIND ARGS -->
    ...replaced on every run...
    <!-- end generated -->

KIND is one of
    source FILE.py:FUNC STAGE [WRT]   pullback.source(FUNC, wrt, stage=STAGE), as Python
    definition FILE.py:FUNC           the function's own source, as written
    excerpt FILE REGION               the lines of FILE between `# [REGION]` and `# [end]`
    run FILE                          the output of `python FILE`
    cli ARGS ...                      `pullback ARGS ...` run in the repository root
    output ARGS ...                   only its standard output, as a Python block
    supported-table                   the construct table built from docs/constructs.py

    python docs/generate.py            # rewrite the files in place
    python docs/generate.py --check    # exit 1, naming the stale files, if any is out of date

tests/test_docs.py runs the check, so the docs always show what pullback prints now.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import importlib.util
import inspect
import io
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
# The files whose generated blocks this script owns.
FILES = [ROOT / "README.md", *(DOCS / name for name in (
    "index.md", "quickstart.md", "how-it-works.md", "supported-python.md", "cli.md",
    "custom-rules.md", "performance.md", "forward-mode.md", "reading-generated-code.md",
    "memory.md"))]

BLOCK = re.compile(r"(<!-- generated: (?P<spec>.*?) -->\n)(?P<body>.*?)(<!-- end generated -->)",
                   re.S)

try:
    import pullback
except ImportError:  # not installed: use the source tree
    sys.path.insert(0, str(ROOT / "src"))
    import pullback



def _shell_words(args) -> str:
    """The command line as a person types it: a word holding single quotes (a Python
    literal such as {'w': 1}) in double quotes, any other word as shlex quotes it."""
    return " ".join(f'"{a}"' if "'" in a and not set('"$`\\!') & set(a) else shlex.quote(a)
                    for a in args)

def _load(path: str):
    """Import a file of the repository (by path relative to the root) as a module."""
    full = ROOT / path
    name = "_pullback_docs_" + re.sub(r"\W", "_", path)
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, full)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _wrt(text: str | None, func):
    if not text:
        names = list(inspect.signature(func).parameters)
        return names[0] if len(names) == 1 else tuple(names)
    names = tuple(text.split(","))
    return names[0] if len(names) == 1 else names


# --------------------------------------------------------------------------- kinds


def _relative(text: str) -> str:
    """Paths inside the repository, as printed, made relative to its root."""
    return text.replace(str(ROOT) + "/", "")


def source_block(target: str, stage: str, wrt: str | None = None) -> str:
    path, _, name = target.partition(":")
    func = getattr(_load(path), name)
    text = pullback.source(func, wrt=_wrt(wrt, func), stage=stage)
    return f"```python\n{_relative(text).rstrip()}\n```\n"


def definition_block(target: str) -> str:
    path, _, name = target.partition(":")
    func = getattr(_load(path), name)
    return f"```python\n{inspect.getsource(func).rstrip()}\n```\n"


def excerpt_block(path: str, region: str) -> str:
    """The lines of FILE between `# [region]` and the next `# [end]`, read, not imported."""
    lines = (ROOT / path).read_text().splitlines()
    try:
        start = lines.index(f"# [{region}]") + 1
        end = lines.index("# [end]", start)
    except ValueError:
        raise ValueError(f"{path} has no region # [{region}] ... # [end]") from None
    return "```python\n" + "\n".join(lines[start:end]).strip("\n") + "\n```\n"


def run_block(path: str) -> str:
    """The output of `python FILE`, run in the repository root."""
    result = subprocess.run([sys.executable, path], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    if result.returncode:
        raise RuntimeError(f"python {path} failed:\n{result.stderr}")
    return f"```console\n$ python {path}\n{result.stdout.rstrip()}\n```\n"


def output_block(*args: str) -> str:
    """The standard output of a successful `pullback ARGS ...`, as a Python block."""
    result = subprocess.run([sys.executable, "-m", "pullback", *args], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    if result.returncode:
        raise RuntimeError(f"pullback {shlex.join(args)} failed:\n{result.stderr}")
    return f"```python\n{_relative(result.stdout).rstrip()}\n```\n"


def cli_block(*args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "pullback", *args], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    output = _relative(result.stdout + result.stderr).rstrip()
    status = "" if result.returncode == 0 else f"\n[exit status {result.returncode}]"
    return f"```console\n$ pullback {_shell_words(args)}\n{output}{status}\n```\n"


def _flat(value):
    if isinstance(value, dict):
        return np.concatenate([_flat(value[k]) for k in sorted(value)])
    return np.ravel(np.asarray(value, dtype=float))


def _numeric_gradient(func, args, position, h=1e-6):
    """Central differences of func with respect to args[position] (a float, array or dict)."""
    x = args[position]

    def at(value):  # on copies of the other arguments: f may write into them
        rest = copy.deepcopy((args[:position], args[position + 1:]))
        return float(func(*rest[0], value, *rest[1]))

    if isinstance(x, dict):
        return {k: _numeric_gradient(lambda v, k=k: func(*args[:position],
                                                          {**x, k: v}, *args[position + 1:]),
                                     (x[k],), 0, h) for k in x}
    if isinstance(x, np.ndarray):
        out = np.zeros(x.shape)
        for index in np.ndindex(x.shape):
            up, down = x.copy(), x.copy()
            up[index] += h
            down[index] -= h
            out[index] = (at(up) - at(down)) / (2 * h)
        return out
    return (at(x + h) - at(x - h)) / (2 * h)


def _one_line(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def construct_status(func, args, wrt) -> str:
    """'supported' if pullback's gradient matches finite differences, else what the user sees."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            gradient = pullback.grad(func, wrt=wrt)(*copy.deepcopy(args))  # f may write them
    except pullback.PullbackError as exc:
        message = getattr(exc, "message", None) or str(exc)
        return f"`{type(exc).__name__}`: {_one_line(message)}"
    except Exception as exc:  # an engine failure: show it, never hide it
        return f"**fails**: `{type(exc).__name__}`: {_one_line(str(exc))}"
    positions = wrt if isinstance(wrt, tuple) else (wrt,)
    grads = gradient if isinstance(wrt, tuple) else (gradient,)
    with contextlib.redirect_stdout(io.StringIO()):
        numeric = [_numeric_gradient(func, args, p) for p in positions]
    for g, n in zip(grads, numeric):
        if not np.allclose(_flat(g), _flat(n), rtol=1e-5, atol=1e-6):
            return "**wrong gradient** (differs from finite differences)"
    return "supported"


def supported_table() -> str:
    constructs = _load("docs/constructs.py")
    out, section = [], None
    for heading, construct, func, args, wrt in constructs.CASES:
        if heading != section:
            if section is not None:
                out.append("")
            out += [f"### {heading}", "", "| construct | pullback says |", "| --- | --- |"]
            section = heading
        status = construct_status(func, args, wrt)
        if status == "supported":
            status = "supported ✓"
        out.append(f"| {construct} (`{func.__name__}`) | {status} |")
    return "\n".join(out) + "\n"


KINDS = {"source": source_block, "definition": definition_block, "excerpt": excerpt_block,
         "run": run_block, "cli": cli_block, "output": output_block,
         "supported-table": supported_table}


# --------------------------------------------------------------------------- files


def render(text: str) -> str:
    """`text` with every generated block brought up to date."""

    def replace(match):
        kind, *args = shlex.split(match.group("spec"))
        if kind not in KINDS:
            raise ValueError(f"unknown generated block kind {kind!r}")
        return match.group(1) + KINDS[kind](*args) + match.group(4)

    return BLOCK.sub(replace, text)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a file is out of date")
    args = parser.parse_args(argv)
    stale = []
    for path in FILES:
        if not path.exists():
            continue
        old = path.read_text()
        new = render(old)
        if new != old:
            stale.append(str(path.relative_to(ROOT)))
            if not args.check:
                path.write_text(new)
    if args.check and stale:
        print("out of date (run python docs/generate.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    for name in stale:
        print(f"updated {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
