"""Writing experiment results: a CSV of every number and the figure as PNG and SVG."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..fsutil import atomic_write

__all__ = ["write_csv", "new_figure", "save_figure"]


def write_csv(rows: Sequence[dict[str, Any]], path: Path) -> None:
    """Every row, every column (union of keys in first-seen order); empty cell = none."""
    cols: list[str] = []
    for r in rows:
        cols.extend(k for k in r if k not in cols)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in cols})
    text = buf.getvalue()
    atomic_write(Path(path), lambda p: p.write_text(text, encoding="utf-8"))


def new_figure(width: float = 6.4, height: float = 4.4) -> tuple[Any, Any]:
    """A matplotlib figure on the Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "fepproof"  # reproducible SVG ids
    fig, ax = plt.subplots(figsize=(width, height), layout="constrained")
    return fig, ax


def save_figure(fig: Any, outdir: Path, stem: str) -> list[Path]:
    """Write ``stem.png`` and ``stem.svg`` into ``outdir`` atomically; returns the paths."""
    import matplotlib.pyplot as plt

    paths = []
    for ext in ("png", "svg"):
        path = Path(outdir) / f"{stem}.{ext}"
        meta = {"Date": None} if ext == "svg" else {"Software": None}
        atomic_write(path, lambda p, ext=ext, meta=meta: fig.savefig(p, format=ext, dpi=120,
                                                                     metadata=meta))
        paths.append(path)
    plt.close(fig)
    return paths


def write_outputs(fig: Any, rows: Sequence[dict[str, Any]], outdir: Path, stem: str) -> list[Path]:
    """Write ``stem``.png, .svg and .csv into ``outdir`` (created if needed)."""
    outdir.mkdir(parents=True, exist_ok=True)
    files = save_figure(fig, outdir, stem)
    write_csv(rows, outdir / f"{stem}.csv")
    files.append(outdir / f"{stem}.csv")
    return files
