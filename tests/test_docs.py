"""Every shell session shown in the README and docs/ runs, and prints what the page says.

One test per block (id ``file:line`` of the opening fence); the convention is in the
docstring of ``tests/docrun.py`` and in docs/architecture.md ("Docs that run").  A block
marked ``<!-- docrun: slow -->`` is a slow test (``-m "not slow"`` leaves it out).

Pages whose blocks are still being aligned with the harness by their owners are listed
in ``PENDING``: their blocks run as slow tests expected to fail (non-strict), so the
suite shows which of them pass without failing on the others.  Set
``FEPPROOF_DOCS_STRICT=1`` to run them as ordinary tests; a page leaves ``PENDING`` once
it passes that way.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests import docrun

ROOT = docrun.ROOT
STRICT = os.environ.get("FEPPROOF_DOCS_STRICT") == "1"
PENDING: dict[str, str] = {}
PENDING_PROSE: dict[str, str] = {}


def _rel(path: Path) -> str:
    return path.resolve().relative_to(ROOT).as_posix()


def _params():
    for path in docrun.doc_files():
        for block in docrun.parse(path):
            marks = []
            rel = _rel(path)
            if block.skip is not None and block.error is None:
                marks.append(pytest.mark.skip(reason=f"docrun: skip ({block.skip})"))
            if block.slow:
                marks.append(pytest.mark.slow)
            if rel in PENDING and not STRICT:
                marks += [pytest.mark.slow,
                          pytest.mark.xfail(reason=f"{rel}: {PENDING[rel]}", strict=False)]
            yield pytest.param(block, id=block.id, marks=marks)


@pytest.mark.parametrize("block", list(_params()))
def test_doc_block(block: docrun.Block, tmp_path: Path) -> None:
    assert block.error is None, f"{block.id}: {block.error}"
    missing = docrun.missing_external(block)
    if missing:
        pytest.skip(f"needs {', '.join('../' + m for m in missing)} beside the repository")
    problems = docrun.check_block(block, tmp_path)
    assert not problems, f"{block.id}:\n" + "\n".join(problems)


# ---------------------------------------------------------------------- prose numbers

CODE_FENCE = re.compile(r"^\s*(```|~~~)")
STALE = [
    (re.compile(r"\b\d[\d,]*\s+(?:tests|test cases)\b"), "a test count"),
    (re.compile(r"~\s*\d+(?:\.\d+)?\s*(?:minutes|min)\b"), "a duration of the suite"),
    (re.compile(r"\b\d+\s+obligations\b"), "an obligation count"),
]


def _prose(path: Path):
    inside = False
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if CODE_FENCE.match(line):
            inside = not inside
            continue
        if not inside:
            yield n, line


# Pages that record dated measurements: a count there says what was measured then.
DATED_RECORDS = ("docs/performance.md", "docs/notes/")


def _prose_params():
    for path in docrun.doc_files():
        rel = _rel(path)
        if rel.startswith(DATED_RECORDS):
            continue
        marks = ([pytest.mark.xfail(reason=f"{rel}: {PENDING_PROSE[rel]}", strict=False)]
                 if rel in PENDING_PROSE and not STRICT else [])
        yield pytest.param(path, id=rel, marks=marks)


@pytest.mark.parametrize("path", list(_prose_params()))
def test_prose_states_no_counts_the_code_decides(path: Path) -> None:
    """Counts of tests or obligations and the suite's duration change with every commit:
    a page shows them in a block the harness runs (with `...` where they vary), never
    in prose."""
    found = [f"{_rel(path)}:{n}: {what}: {m.group(0)!r}"
             for n, line in _prose(path) for rx, what in STALE
             for m in rx.finditer(line)]
    assert not found, "\n".join(found)


# --------------------------------------------------------------------- the harness

def _block(text: str) -> docrun.Block:
    blocks = docrun.parse(Path("x.md"), text)
    assert len(blocks) == 1
    return blocks[0]


def test_parse_commands_outputs_and_continuations() -> None:
    b = _block("intro\n\n```console\n$ echo a \\\n  b\na b\n$ true\n```\n")
    assert b.line == 3 and b.error is None
    assert [c.text for c in b.commands] == ["echo a \\\n  b", "true"]
    assert [c.expected for c in b.commands] == [["a b"], []]
    assert [c.line for c in b.commands] == [4, 7]


def test_blocks_without_prompts_and_other_languages_are_not_sessions() -> None:
    assert docrun.parse(Path("x.md"), "```\nfepproof verify NET\n```\n") == []
    assert docrun.parse(Path("x.md"), "```python\n$ not a prompt\n```\n") == []


def test_markers() -> None:
    assert _block("<!-- docrun: skip (needs a cluster) -->\n```\n$ x\n```").skip == \
        "needs a cluster"
    assert _block("<!-- docrun: slow -->\n\n```\n$ x\n```").slow
    assert "reason" in _block("<!-- docrun: skip -->\n```\n$ x\n```").error
    assert "unknown" in _block("<!-- docrun: fast -->\n```\n$ x\n```").error
    assert "before the first" in _block("```\noutput\n$ x\n```").error


def test_ellipsis_within_a_line_and_whole_lines() -> None:
    assert docrun.line_matches("engine    z3, ... s", "engine  z3, 0.37 s")
    assert docrun.line_matches("worst [...]", "worst [1.47616, 1.4894]")
    assert not docrun.line_matches("verdict   proved", "verdict   refuted")
    assert not docrun.line_matches("a ... c", "a b")
    assert docrun.output_matches(["a", "...", "z"], ["a", "b", "c", "z"])
    assert docrun.output_matches(["a", "...", "z"], ["a", "z"])
    assert not docrun.output_matches(["a", "z"], ["a", "b", "z"])


def test_stderr_interleaves_in_stream_order_and_may_be_left_out() -> None:
    out, err = ["o1", "o2"], ["progress", "e1"]
    assert docrun.output_matches(["o1", "e1", "o2"], out, err)
    assert docrun.output_matches(["o1", "o2"], out, err)
    assert docrun.output_matches(["e1", "o1", "o2"], out, err)
    assert not docrun.output_matches(["o2", "o1", "e1"], out, err)
    assert not docrun.output_matches(["o1"], out, err)          # stdout may not be left out
    assert not docrun.output_matches(["o1", "e2", "o2"], out, err)
    assert docrun.output_matches(["o1", "...", "e1"], out, err)


def test_a_block_runs_in_a_copy_with_exit_status_and_cd(tmp_path: Path) -> None:
    text = ("```console\n$ false; echo $?\n1\n$ mkdir -p sub && cd sub && echo hi > f\n"
            "$ cat f\nhi\n$ false\n$ echo $?\n1\n$ fepproof --help | head -1\nusage: ...\n"
            "```\n")
    problems = docrun.check_block(_block(text), tmp_path)
    assert len(problems) == 1 and "exited 1" in problems[0]
    assert not (ROOT / "sub").exists()


def test_a_wrong_output_is_reported_with_the_difference(tmp_path: Path) -> None:
    problems = docrun.check_block(_block("```\n$ echo 670 tests\n735 tests\n```"), tmp_path)
    assert len(problems) == 1 and "'735 tests'" in problems[0] and "670" in problems[0]
