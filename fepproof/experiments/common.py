"""Options shared by every experiment and the result record they return."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

__all__ = ["ExperimentOptions", "ExperimentResult"]


@dataclass(frozen=True)
class ExperimentOptions:
    """Where to write, how to run the sweep (local pool or Dask), how hard to search."""

    outdir: Path = Path(".")
    scheduler: str | None = None
    workers: int | None = None
    progress: TextIO | None = sys.stderr
    samples: int = 256
    engine: bool = True
    engine_timeout: float = 3.0
    seed: int = 0


@dataclass
class ExperimentResult:
    """The rows written to the CSV and the files written."""

    name: str
    rows: list[dict[str, Any]]
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
