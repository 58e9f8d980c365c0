"""The README's Python example runs as written (run from the repository root)."""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_python_api_example_runs(capsys) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Python API"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    old = Path.cwd()
    os.chdir(ROOT)
    try:
        exec(compile(code, "README.md", "exec"), {})
    finally:
        os.chdir(old)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("91/32") and out[1] == "91/64" and out[2] == "True"
    measured, bound = out[4].split(" <= ")
    assert float(measured) <= float(bound) == 91 / 32
