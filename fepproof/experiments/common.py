"""Options shared by every experiment and the result record they return."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

__all__ = ["ExperimentOptions", "ExperimentResult", "unique_names"]


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
    networks: tuple[Any, ...] = ()  # user networks (fig3, depth); default: seeded ones
    failures: tuple[int, ...] | None = None  # fig3: per-layer failures for every network
    output: int | None = None  # multi-output networks: None = max over outputs


@dataclass
class ExperimentResult:
    """The rows written to the CSV and the files written."""

    name: str
    rows: list[dict[str, Any]]
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def unique_names(nets: Any) -> list[Any]:
    """The networks, renamed ``name#i`` when two share a name (rows are keyed by name)."""
    nets = list(nets)
    if len({n.name for n in nets}) == len(nets):
        return nets
    return [replace(n, name=f"{n.name}#{i}") for i, n in enumerate(nets)]
