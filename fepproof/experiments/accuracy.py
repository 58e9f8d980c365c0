"""Accuracy against the number of failures: for f = 0..F failed neurons in every hidden
layer (capped at each layer's width), the four accuracies of
:func:`fepproof.classify.report.accuracy_report` -- clean, random injection (mean, with
the minimum as a band), the worst fixed failure set (a bracket) and the accuracy
certified against a per-input adversary -- drawn against f (PNG, SVG) with a CSV of every
number."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from ..failures import FailureModel
from ..network import Network
from .common import ExperimentResult

__all__ = ["run_accuracy", "FORMATS", "failures_at"]

FORMATS = ("png", "svg", "csv")


def failures_at(net: Network, f: int) -> tuple[int, ...]:
    """f failed neurons in every hidden layer, capped at the layer's width."""
    return tuple(min(f, n) for n in net.widths)


def run_accuracy(net: Network, X: np.ndarray, y: np.ndarray, max_failures: int,
                 model: FailureModel | None = None, *, outdir: Path = Path("."),
                 formats: tuple[str, ...] = FORMATS, samples: int = 100, seed: int = 0,
                 point_timeout: float = 10.0, jobs: int = 1, radius: float = 0.0,
                 progress: TextIO | None = None, data_name: str = "",
                 report: Callable[..., Any] | None = None) -> ExperimentResult:
    """One row per f = 0..``max_failures``; writes ``accuracy.png/.svg/.csv`` (those in
    ``formats``) into ``outdir`` atomically.  ``report``: the report function (default
    :func:`fepproof.classify.report.accuracy_report`)."""
    from .output import new_figure, save_figure, write_csv

    if report is None:
        from ..classify.report import accuracy_report as report
    model = model or FailureModel.crash()
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise ValueError(f"format: expected some of {', '.join(FORMATS)}, got "
                         f"{','.join(formats) or 'nothing'}")
    if max_failures < 0:
        raise ValueError(f"max_failures: must be >= 0, got {max_failures}")
    rows: list[dict[str, Any]] = []
    for f in range(max_failures + 1):
        counts = failures_at(net, f)
        t0 = time.perf_counter()
        rep = report(net, X, y, counts, model, radius=radius, samples=samples, seed=seed,
                     point_timeout=point_timeout, jobs=jobs)
        rows.append({"f": f, "failures": "-".join(map(str, counts)), "model": str(model.kind),
                     "n": rep.n, "clean": rep.clean, "random_mean": rep.random_mean,
                     "random_min": rep.random_min, "random_samples": rep.random_samples,
                     "worst_fixed_lo": rep.worst_fixed[0], "worst_fixed_hi": rep.worst_fixed[1],
                     "worst_fixed_exhaustive": rep.worst_fixed_exhaustive,
                     "certified": rep.certified, "proved": rep.counts.get("proved", 0),
                     "refuted": rep.counts.get("refuted", 0),
                     "unknown": rep.counts.get("unknown", 0),
                     "misclassified": rep.counts.get("misclassified", 0),
                     "seconds": round(time.perf_counter() - t0, 3)})
        if progress is not None:
            progress.write(f"accuracy: f = {f} ({rows[-1]['failures']}): clean "
                           f"{rep.clean:.3f}, random {rep.random_mean:.3f}, certified "
                           f"{rep.certified:.3f} [{f + 1}/{max_failures + 1}]\n")
            progress.flush()
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    if "png" in formats or "svg" in formats:
        fig, ax = new_figure()
        fs = [r["f"] for r in rows]
        ax.plot(fs, [r["clean"] for r in rows], "-o", color="tab:green", ms=4,
                label="clean (no failures)")
        ax.fill_between(fs, [r["random_min"] for r in rows], [r["random_mean"] for r in rows],
                        color="tab:blue", alpha=0.2, label="random sets: min .. mean")
        ax.plot(fs, [r["random_mean"] for r in rows], "-s", color="tab:blue", ms=4,
                label="random failure sets (mean)")
        ax.fill_between(fs, [r["worst_fixed_lo"] for r in rows],
                        [r["worst_fixed_hi"] for r in rows], color="tab:orange", alpha=0.3,
                        label="worst fixed set (bracket)")
        ax.plot(fs, [r["certified"] for r in rows], "-^", color="tab:red", ms=4,
                label="certified (per-input adversary)")
        ax.set_xticks(fs)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("failed neurons per hidden layer f")
        ax.set_ylabel("accuracy")
        ax.set_title(f"Accuracy under {model.describe().split(' (')[0]} failures\n"
                     f"{net.name}, N = {list(net.widths)}"
                     + (f", {data_name}" if data_name else "") + f", n = {rows[0]['n']}",
                     fontsize=10)
        ax.legend(fontsize=7)
        ax.grid(True, alpha=0.3)
        for path in save_figure(fig, outdir, "accuracy"):
            if path.suffix.lstrip(".") in formats:
                files.append(path)
            else:
                path.unlink()
    if "csv" in formats:
        write_csv(rows, outdir / "accuracy.csv")
        files.append(outdir / "accuracy.csv")
    notes = []
    if any(r["unknown"] for r in rows):
        notes.append("some points were left unknown (per-point timeout): the certified "
                     "accuracy is a lower bound")
    return ExperimentResult("accuracy", rows, files, notes)
