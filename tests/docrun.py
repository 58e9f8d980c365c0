"""Run the shell sessions shown in the README and docs/*.md and compare their output.

The convention (also written down in docs/architecture.md, "Docs that run"):

* A fenced code block (no language, ``console`` or ``shell-session``) that holds a line
  starting with ``$ `` is a shell session.  Each ``$ `` line is a command, run by bash
  from the repository root (a ``\\`` at the end of a line continues the command on the
  next line); the lines after it, up to the next ``$ `` line, are its expected output.
* The expected output is what a terminal shows: every line of stdout, interleaved with
  lines of stderr (in any order that keeps each stream's own order, since two streams
  have no common clock).  Lines of stderr may be left out (progress lines); lines of
  stdout may not.
* ``...`` inside a line matches any text within that line (timings, digits that vary,
  paths).  A line that is only ``...`` matches any number of lines, none included.
  Runs of spaces match runs of spaces, so aligned columns may shift.
* A command shown without output must exit 0.  A command shown with output is judged
  by its output; write ``; echo $?`` (or ``$ echo $?`` on the next line) to show an exit
  status, which the harness reproduces from the previous command.
* ``<!-- docrun: skip (reason) -->`` on the line before the fence: the block is not run
  (the reason is required; meant for commands that need a cluster or take minutes).
  ``<!-- docrun: slow -->``: the block runs only as a ``@pytest.mark.slow`` test.
  ``<!-- docrun: requires MODULE[,MODULE] -->``: the block is skipped when one of the
  Python modules cannot be imported (optional extras such as ``skl2onnx``, ``torch``).
* Each block runs in a fresh copy of the repository, so commands may write files; a
  ``cd`` carries over to the next command as in a terminal.  A path ``../NAME`` in a
  command refers to ``NAME`` beside the repository, linked into the copy's parent; when
  ``NAME`` does not exist there the block is skipped, naming it.

This module only parses, runs and matches; ``tests/test_docs.py`` turns each block into
one pytest item.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONSOLE_INFOS = {"", "console", "shell-session", "sh-session"}
MARKER = re.compile(r"^\s*<!--\s*docrun:\s*(?P<kind>[a-z]+)\s*(?P<rest>.*?)\s*-->\s*$")
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv*", "__pycache__", "*.egg-info", ".fepproof-cache", ".hypothesis",
    ".pytest_cache", ".ruff_cache", "build", "dist",
)
COMMAND_TIMEOUT = 600


class DocFormatError(ValueError):
    """A block breaks the convention (reported as a failing test naming file:line)."""


@dataclass
class Command:
    line: int                 # 1-based line of the ``$ `` prompt in the doc
    text: str                 # the command, continuation lines joined
    expected: list[str] = field(default_factory=list)


@dataclass
class Block:
    path: Path
    line: int                 # 1-based line of the opening fence
    commands: list[Command]
    skip: str | None = None   # the reason, when marked skip
    slow: bool = False
    requires: tuple[str, ...] = ()  # modules the block needs (skipped without them)
    error: str | None = None  # convention broken: the test fails with this

    @property
    def id(self) -> str:
        try:
            rel = self.path.resolve().relative_to(ROOT)
        except ValueError:
            rel = self.path
        return f"{rel.as_posix()}:{self.line}"


def parse(path: Path, text: str | None = None) -> list[Block]:
    """Every shell-session block of a markdown file, in order."""
    if text is None:
        text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info = m.group("fence"), m.group("info").strip().lower()
        start = i
        body: list[str] = []
        i += 1
        while i < len(lines) and not re.match(
                rf"^\s*{re.escape(fence[0])}{{{len(fence)},}}\s*$", lines[i]):
            body.append(lines[i])
            i += 1
        i += 1  # the closing fence
        if info not in CONSOLE_INFOS or not any(b.startswith("$ ") or b == "$"
                                                for b in body):
            continue
        block = Block(path, start + 1, [])
        marker = _marker_before(lines, start)
        if marker is not None:
            kind, rest = marker
            if kind == "skip":
                reason = rest.strip()
                if not (reason.startswith("(") and reason.endswith(")") and reason[1:-1].strip()):
                    block.error = "docrun: skip needs a reason in parentheses"
                block.skip = reason[1:-1].strip() or "no reason given"
            elif kind == "slow":
                block.slow = True
            elif kind == "requires":
                mods = tuple(m.strip() for m in rest.split(","))
                if not mods or not all(re.fullmatch(r"[A-Za-z_][\w.]*", m) for m in mods):
                    block.error = "docrun: requires needs module names like torch,onnx"
                block.requires = mods
            else:
                block.error = (f"unknown docrun marker {kind!r} (use skip (reason), slow or "
                               f"requires MODULE[,MODULE])")
        _commands(block, body, start + 2)
        blocks.append(block)
    return blocks


def _marker_before(lines: list[str], fence_index: int) -> tuple[str, str] | None:
    j = fence_index - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    if j < 0:
        return None
    m = MARKER.match(lines[j])
    return (m.group("kind"), m.group("rest")) if m else None


def _commands(block: Block, body: list[str], first_line: int) -> None:
    k = 0
    while k < len(body):
        raw = body[k]
        if not (raw.startswith("$ ") or raw == "$"):
            if block.commands:
                block.commands[-1].expected.append(raw)
            elif raw.strip():
                block.error = (f"line {first_line + k}: output before the first "
                               "`$ ` command")
            k += 1
            continue
        line_no = first_line + k
        parts = [raw[2:]]
        while parts[-1].endswith("\\") and k + 1 < len(body):
            k += 1
            parts.append(body[k])
        k += 1
        block.commands.append(Command(line_no, "\n".join(parts)))
    for c in block.commands:
        while c.expected and not c.expected[-1].strip():
            c.expected.pop()


# ---------------------------------------------------------------------------- matching

def _line_regex(expected: str) -> re.Pattern[str]:
    pieces = []
    for literal in expected.strip().split("..."):
        words = literal.split()
        lead = r"\s+" if literal[:1].isspace() and pieces else ""
        tail = r"\s+" if literal[-1:].isspace() and words else ""
        if not words:
            pieces.append(r"\s*" if literal else "")
        else:
            pieces.append(lead + r"\s+".join(re.escape(w) for w in words) + tail)
    return re.compile(r"\s*" + ".*?".join(pieces) + r"\s*")


def line_matches(expected: str, actual: str) -> bool:
    return _line_regex(expected).fullmatch(actual) is not None


def output_matches(expected: list[str], out: list[str], err: list[str] = ()) -> bool:
    """Whether the expected lines are every line of out, interleaved with some of the
    lines of err, each stream in its own order.  Lines of err that are not shown are
    allowed (progress, diagnostics); lines of out are not.  A line that is only ``...``
    matches any run of lines."""
    err = list(err)
    # a state is (lines of out consumed, lines of err consumed); skipping err lines is
    # free, so for each a only the smallest b matters
    states: dict[int, int] = {0: 0}
    for e in expected:
        if not states:
            return False
        nxt: dict[int, int] = {}
        if e.strip() == "...":
            for a, b in states.items():
                for a2 in range(a, len(out) + 1):
                    _keep_least(nxt, a2, b)
        else:
            rx = _line_regex(e)
            for a, b in states.items():
                if a < len(out) and rx.fullmatch(out[a]):
                    _keep_least(nxt, a + 1, b)
                for b2 in range(b, len(err)):
                    if rx.fullmatch(err[b2]):
                        _keep_least(nxt, a, b2 + 1)
                        break
        states = nxt
    return len(out) in states


def _keep_least(states: dict[int, int], a: int, b: int) -> None:
    if a not in states or b < states[a]:
        states[a] = b


def terminal_lines(text: str) -> list[str]:
    """What a terminal would show: a carriage return overwrites the line; trailing blanks
    and trailing empty lines dropped."""
    out = []
    for line in text.splitlines():
        if "\r" in line:
            line = line.rsplit("\r", 1)[-1]
        out.append(line.rstrip())
    while out and not out[-1]:
        out.pop()
    return out


# ----------------------------------------------------------------------------- running

def external_names(block: Block) -> list[str]:
    """The ``../NAME`` the block's commands refer to (things beside the repository)."""
    names = set()
    for c in block.commands:
        names.update(re.findall(r"(?<![\w./])\.\./([A-Za-z0-9_.-]+)", c.text))
    return sorted(names)


def missing_modules(block: Block) -> list[str]:
    """The modules of the block's ``requires`` marker that cannot be imported here."""
    import importlib.util

    missing = []
    for name in block.requires:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(name)
    return missing


def missing_external(block: Block) -> list[str]:
    return [n for n in external_names(block) if not (ROOT.parent / n).exists()]


def prepare_copy(block: Block, tmp: Path) -> Path:
    """A copy of the repository under tmp, with the block's ``../NAME`` linked beside it."""
    work = tmp / ROOT.name
    shutil.copytree(ROOT, work, ignore=COPY_IGNORE, symlinks=True)
    for name in external_names(block):
        target = ROOT.parent / name
        if target.exists() and not (tmp / name).exists():
            (tmp / name).symlink_to(target)
    return work


def command_env(bindir: Path) -> dict[str, str]:
    """The environment the commands run in: ``fepproof`` and ``python`` are this
    interpreter's, output unbuffered (so stdout and stderr interleave as in a terminal)."""
    env = dict(os.environ)
    env.update(PYTHONUNBUFFERED="1", COLUMNS="100", LC_ALL="C.UTF-8", NO_COLOR="1")
    env.pop("PYTHONPATH", None)
    env["PATH"] = os.pathsep.join([str(bindir), env.get("PATH", "")])
    return env


def make_bindir(tmp: Path) -> Path:
    """A directory with ``fepproof`` and ``python`` for the interpreter running the tests
    (the installed console script when there is one, else ``python -m fepproof``)."""
    bindir = tmp / "docrun-bin"
    bindir.mkdir(exist_ok=True)
    exe = shlex.quote(sys.executable)
    script = Path(sysconfig.get_path("scripts")) / "fepproof"
    target = shlex.quote(str(script)) if script.exists() else f"{exe} -m fepproof"
    for name, cmd in (("fepproof", target), ("python", exe), ("python3", exe)):
        p = bindir / name
        p.write_text(f'#!/bin/sh\nexec {cmd} "$@"\n', encoding="utf-8")
        p.chmod(0o755)
    return bindir


@dataclass
class Result:
    command: Command
    returncode: int
    stdout: list[str]
    stderr: list[str]


def run_command(cmd: Command, cwd: Path, prev_rc: int, env: dict[str, str],
                state: Path) -> tuple[Result, Path]:
    """Run one command with bash in cwd; ``$?`` starts as prev_rc.  Returns the result
    and the directory the command ended in (a ``cd`` carries over)."""
    script = (f"cd {shlex.quote(str(cwd))} || exit 97\n(exit {prev_rc})\n{cmd.text}\n"
              f"__docrun_rc=$?\npwd > {shlex.quote(str(state))}\nexit $__docrun_rc\n")
    proc = subprocess.run(["bash", "-c", script], cwd=cwd, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=COMMAND_TIMEOUT)
    new_cwd = cwd
    if state.exists():
        text = state.read_text(encoding="utf-8").strip()
        if text and Path(text).is_dir():
            new_cwd = Path(text)
        state.unlink()
    return Result(cmd, proc.returncode,
                  terminal_lines(proc.stdout.decode("utf-8", "replace")),
                  terminal_lines(proc.stderr.decode("utf-8", "replace"))), new_cwd


def check_block(block: Block, tmp: Path) -> list[str]:
    """Run a block; return the differences (empty when every command matches).  A block
    whose ``requires`` modules are missing is skipped (``pytest.skip``)."""
    missing = missing_modules(block)
    if missing:
        import pytest

        pytest.skip(f"docrun: requires {', '.join(missing)} (not installed)")
    work = prepare_copy(block, tmp)
    env = command_env(make_bindir(tmp))
    state = tmp / ".docrun-cwd"
    cwd, rc = work, 0
    problems = []
    for cmd in block.commands:
        try:
            res, cwd = run_command(cmd, cwd, rc, env, state)
        except subprocess.TimeoutExpired:
            problems.append(f"line {cmd.line}: `{cmd.text}` did not finish in "
                            f"{COMMAND_TIMEOUT} s")
            break
        rc = res.returncode
        shown = ("  stdout:\n" + _indent(res.stdout) + "\n  stderr:\n" + _indent(res.stderr))
        if not cmd.expected:
            if rc != 0:
                problems.append(f"line {cmd.line}: `{cmd.text}` exited {rc} (shown without "
                                "output, so it must exit 0)\n" + shown)
            continue
        if not output_matches(cmd.expected, res.stdout, res.stderr):
            problems.append(f"line {cmd.line}: `{cmd.text}` (exit {rc}) printed\n" + shown
                            + "\n  expected:\n" + _indent(cmd.expected)
                            + "\n  first difference:\n"
                            + _indent([closest_difference(cmd.expected, res)]))
    return problems


def closest_difference(expected: list[str], res: Result) -> str:
    """The first difference against the stream the expected lines follow furthest."""
    best = max(((_prefix(expected, lines), name, lines) for name, lines in
                (("stdout", res.stdout), ("stderr", res.stderr),
                 ("stdout then stderr", res.stdout + res.stderr))),
               key=lambda t: (t[0], bool(t[2])))
    return f"against {best[1]}: {first_difference(expected, best[2])}"


def _prefix(expected: list[str], actual: list[str]) -> int:
    n = 0
    for e, a in zip(expected, actual):
        if e.strip() == "..." or not line_matches(e, a):
            break
        n += 1
    return n


def first_difference(expected: list[str], actual: list[str]) -> str:
    j = 0
    for i, e in enumerate(expected):
        if e.strip() == "...":
            return f"(after a `...` line at expected line {i + 1}: no alignment found)"
        if j >= len(actual):
            return f"expected line {i + 1} {e!r}, but the output ended"
        if not line_matches(e, actual[j]):
            return f"expected line {i + 1} {e!r}, got {actual[j]!r}"
        j += 1
    if j < len(actual):
        return f"unexpected extra output from line {j + 1}: {actual[j]!r}"
    return "(none found line by line)"


def _indent(lines: list[str]) -> str:
    return "\n".join("    | " + ln for ln in lines) if lines else "    | (nothing)"


def doc_files() -> list[Path]:
    """The README and every page under docs/ (notes included)."""
    files = [ROOT / "README.md"]
    files += sorted((ROOT / "docs").rglob("*.md"))
    return files
