"""The README is a front door that stays true: the commands CI runs are the ones it shows,
every link in it and in docs/ leads somewhere, and the Python API example runs.

The README's and the docs' shell sessions are run by tests/test_docs.py."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests import docrun

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
TEST_COMMAND = "python -m pytest -q"
LINT_COMMAND = "ruff check fepproof tests proofs benchmarks cases"


def test_readme_shows_the_commands_ci_runs() -> None:
    text = README.read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    for command in (TEST_COMMAND, LINT_COMMAND):
        assert re.search(rf"^{re.escape(command)}$", text, re.M), command
        assert command in ci, f".ci/run no longer runs {command!r}"


def test_readme_is_a_front_door() -> None:
    """Reference material belongs in docs/: the README stays short enough to read."""
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 250, f"README.md has {len(lines)} lines; move reference to docs/"
    headings = [ln for ln in lines if ln.startswith("## ")]
    for wanted in ("## Install", "## A five-minute tour", "## Development"):
        assert wanted in headings


LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _slug(heading: str) -> str:
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    inside, out = False, set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if re.match(r"^\s*(```|~~~)", line):
            inside = not inside
        elif not inside and line.startswith("#"):
            out.add(_slug(line.lstrip("#")))
    return out


@pytest.mark.parametrize("path", docrun.doc_files(),
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_resolve(path: Path) -> None:
    broken = []
    for target in LINK.findall(path.read_text(encoding="utf-8")):
        if re.match(r"^[a-z]+:", target):
            continue
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / file_part).resolve() if file_part else path
        if not dest.exists():
            broken.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
            broken.append(f"{target}: no heading #{anchor}")
    assert not broken, f"{path.relative_to(ROOT)}: " + "; ".join(broken)


def test_python_api_example_runs(capsys) -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text[text.index("## Python API"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    old = Path.cwd()
    os.chdir(ROOT)
    try:
        exec(compile(code, "docs/architecture.md", "exec"), {})
    finally:
        os.chdir(old)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("91/32") and out[1] == "91/64" and out[2] == "True"
    measured, bound = out[4].split(" <= ")
    assert float(measured) <= float(bound) == 91 / 32
