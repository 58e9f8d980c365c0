"""Run one picklable function over many tasks: a local process pool by default, a Dask
distributed cluster with ``scheduler=ADDRESS``.  Results come back in task order, and
each task carries its own seed, so both paths give identical results.  A progress bar
goes to stderr.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, TextIO, TypeVar

__all__ = ["ProgressBar", "run_sweep", "SweepError"]

T = TypeVar("T")
R = TypeVar("R")


class SweepError(RuntimeError):
    """A task failed or the scheduler could not be reached."""


class ProgressBar:
    """A one-line text progress bar (``label [#####.....] 3/10 1.2s``) on a stream."""

    def __init__(self, total: int, stream: TextIO | None, label: str = "", width: int = 30):
        self.total, self.stream, self.label, self.width = total, stream, label, width
        self.done = 0
        self.start = time.monotonic()
        self._draw()

    def _draw(self, end: str = "") -> None:
        if self.stream is None:
            return
        frac = self.done / self.total if self.total else 1.0
        fill = int(round(frac * self.width))
        self.stream.write(f"\r{self.label} [{'#' * fill}{'.' * (self.width - fill)}] "
                          f"{self.done}/{self.total} {time.monotonic() - self.start:.1f}s{end}")
        self.stream.flush()

    def update(self, n: int = 1) -> None:
        self.done += n
        self._draw()

    def close(self) -> None:
        self._draw("\n")


def _run_local(fn: Callable[[T], R], tasks: Sequence[T], workers: int,
               bar: ProgressBar) -> list[R]:
    results: list[Any] = [None] * len(tasks)
    if workers <= 1 or len(tasks) <= 1:
        for i, t in enumerate(tasks):
            results[i] = fn(t)
            bar.update()
        return results
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futs = {pool.submit(fn, t): i for i, t in enumerate(tasks)}
        for fut in as_completed(futs):
            results[futs[fut]] = fut.result()
            bar.update()
    return results


def _run_dask(fn: Callable[[T], R], tasks: Sequence[T], scheduler: str,
              bar: ProgressBar) -> list[R]:
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:  # pragma: no cover - depends on the environment
        from ..cli.common import INSTALL_INTEROP  # here: the CLI imports this module
        raise SweepError("--scheduler needs dask[distributed] "
                         f"({INSTALL_INTEROP})") from None
    try:
        client = Client(scheduler, timeout=30)
    except OSError as exc:
        raise SweepError(f"--scheduler: cannot reach {scheduler} ({exc})") from None
    try:
        futures = client.map(fn, list(tasks), pure=False)
        for _ in dask_completed(futures):
            bar.update()
        return client.gather(futures)
    finally:
        client.close()


def run_sweep(fn: Callable[[T], R], tasks: Sequence[T], scheduler: str | None = None,
              workers: int | None = None, progress: TextIO | None = sys.stderr,
              label: str = "sweep") -> list[R]:
    """``[fn(t) for t in tasks]`` on a local process pool (``workers``, default the CPU
    count) or on the Dask cluster at ``scheduler``; progress bar on ``progress``."""
    bar = ProgressBar(len(tasks), progress, label)
    try:
        if scheduler:
            return _run_dask(fn, tasks, scheduler, bar)
        return _run_local(fn, tasks, workers or os.cpu_count() or 1, bar)
    finally:
        bar.close()
