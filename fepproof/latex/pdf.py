"""Compile a generated ``.tex`` to PDF with latexmk or pdflatex, when a TeX is installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["TexError", "tex_engine", "compile_pdf", "NO_TEX"]

NO_TEX = ("no TeX system is installed (neither latexmk nor pdflatex is on PATH); "
          "on Debian/Ubuntu: apt-get install texlive-latex-base texlive-latex-recommended "
          "texlive-fonts-recommended")


class TexError(RuntimeError):
    """TeX is missing or the document did not compile (the message says which)."""


def tex_engine() -> str | None:
    """``"latexmk"`` or ``"pdflatex"`` (the first installed; latexmk needs pdflatex too)."""
    if shutil.which("pdflatex") is None:
        return None
    return "latexmk" if shutil.which("latexmk") else "pdflatex"


def _first_error(log: str) -> str:
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("!"):
            return " ".join(x.strip() for x in lines[i:i + 3])
    return "see the LaTeX log"


def compile_pdf(tex: Path | str, pdf: Path | str | None = None, engine: str | None = None,
                timeout: float = 180.0) -> Path:
    """Compile ``tex`` (halt on the first error) and write ``pdf`` (default: beside it)."""
    tex = Path(tex)
    pdf = Path(pdf) if pdf else tex.with_suffix(".pdf")
    engine = engine or tex_engine()
    if engine is None:
        raise TexError(NO_TEX)
    with tempfile.TemporaryDirectory(prefix="fepproof-latex-") as tmp:
        src = Path(tmp) / "doc.tex"
        shutil.copyfile(tex, src)
        base = ["-halt-on-error", "-interaction=nonstopmode", "-file-line-error"]
        if engine == "latexmk":
            cmds = [["latexmk", "-pdf", "-quiet", *base, "doc.tex"]]
        else:  # twice, for longtable widths and references
            cmds = [["pdflatex", *base, "doc.tex"]] * 2
        for cmd in cmds:
            try:
                proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True,
                                      timeout=timeout, stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired:
                raise TexError(f"{engine} took longer than {timeout:g} s") from None
            if proc.returncode != 0:
                log = Path(tmp, "doc.log")
                text = log.read_text(errors="replace") if log.exists() else proc.stdout
                raise TexError(f"{engine} failed on {tex}: {_first_error(text)}")
        out = Path(tmp) / "doc.pdf"
        staged = pdf.with_name(f".{pdf.name}.tmp")
        shutil.copyfile(out, staged)
        os.replace(staged, pdf)
    return pdf
