"""Discover obligations in proofs files and run them in parallel processes, each under a
timeout (a timeout is ``unknown``, never ``proved``)."""

from __future__ import annotations

import hashlib
import importlib.util
import multiprocessing as mp
import os
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import replace
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from ..verdict import Status, Verdict
from .model import Obligation, Outcome, error, plain, unknown

__all__ = ["ObligationLoadError", "discover", "load_file", "load_module", "run",
           "run_one_inline"]


class ObligationLoadError(ValueError):
    """A proofs file could not be imported or declares a duplicate id."""


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.glob("*.py") if not p.name.startswith("_"))
    if path.is_file() and path.suffix == ".py":
        return [path]
    raise ObligationLoadError(f"{path}: no such proofs file or directory")


def load_file(path: str | os.PathLike[str]) -> list[Obligation]:
    """Import one proofs file and return the obligations it declares."""
    module = load_module(path)
    obs = [v for v in vars(module).values() if isinstance(v, Obligation)]
    return [replace(ob, source=str(path)) for ob in obs]


def load_module(path: str | os.PathLike[str]) -> Any:
    """Import one proofs file once (a proofs file may use a sibling's helpers this way)."""
    p = Path(path).resolve()
    name = "fepproof_proofs_" + p.stem + "_" + hashlib.sha1(str(p).encode()).hexdigest()[:8]
    if name in sys.modules:
        module = sys.modules[name]
    else:
        spec = importlib.util.spec_from_file_location(name, p)
        if spec is None or spec.loader is None:
            raise ObligationLoadError(f"{path}: cannot import")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:  # a broken proofs file is an input error
            del sys.modules[name]
            raise ObligationLoadError(f"{path}: {type(exc).__name__}: {exc}") from exc
    return module


def discover(paths: Sequence[str]) -> list[Obligation]:
    """Every obligation declared in ``paths`` (files or directories), sorted by id."""
    found: dict[str, Obligation] = {}
    for path in paths:
        for file in _files(Path(path)):
            for ob in load_file(file):
                if ob.id in found and found[ob.id].source != ob.source:
                    raise ObligationLoadError(
                        f"{file}: obligation id {ob.id!r} already declared in "
                        f"{found[ob.id].source}")
                found[ob.id] = ob
    return [found[k] for k in sorted(found)]


def _execute(ob: Obligation) -> Verdict:
    start = time.perf_counter()
    try:
        v = ob.check()
        if not isinstance(v, Verdict):
            v = error(ob.statement_text, "runner",
                      reason=f"check returned {type(v).__name__}, not a Verdict")
    except Exception as exc:
        tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
        v = error(ob.statement_text, "runner", reason=tb)
    return replace(v, evidence=plain(dict(v.evidence)), seconds=time.perf_counter() - start)


def run_one_inline(ob: Obligation) -> Outcome:
    """Run one check in this process (no timeout; for debugging)."""
    return Outcome(ob, _execute(ob))


def _child(ob: Obligation, conn) -> None:  # pragma: no cover - runs in the child
    v = _execute(ob)
    conn.send((v.status.value, v.claim, dict(v.evidence), v.engine, v.seconds))
    conn.close()


def run(obligations: Sequence[Obligation], jobs: int | None = None, timeout: float = 20.0,
        progress: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Run every obligation in its own process (``jobs`` at a time, default: CPU count),
    each killed after ``timeout`` seconds with an ``unknown`` verdict.  Outcomes come back
    in the order of ``obligations``."""
    jobs = max(1, jobs or os.cpu_count() or 1)
    ctx = mp.get_context("fork")
    pending = list(enumerate(obligations))
    running: dict[int, tuple] = {}
    verdicts: dict[int, Verdict] = {}

    def finish(i: int, v: Verdict) -> None:
        verdicts[i] = v
        if progress is not None:
            progress(Outcome(obligations[i], v))

    try:
        while pending or running:
            while pending and len(running) < jobs:
                i, ob = pending.pop(0)
                recv, send = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_child, args=(ob, send), daemon=True)
                proc.start()
                send.close()
                running[i] = (proc, recv, time.perf_counter())
            now = time.perf_counter()
            left = min(start + timeout - now for _, _, start in running.values())
            wait([r for _, r, _ in running.values()] + [p.sentinel for p, _, _ in running.values()],
                 timeout=max(0.0, left))
            now = time.perf_counter()
            for i, (proc, recv, start) in list(running.items()):
                ob = obligations[i]
                if recv.poll():
                    try:
                        status, claim, evidence, engine, secs = recv.recv()
                        v = Verdict(Status(status), claim, evidence, engine, secs)
                    except EOFError:
                        proc.join()
                        v = error(ob.statement_text, "runner",
                                  reason=f"check process exited with code {proc.exitcode}")
                    proc.join()
                    recv.close()
                    del running[i]
                    finish(i, v)
                elif not proc.is_alive():
                    proc.join()
                    recv.close()
                    del running[i]
                    finish(i, replace(error(ob.statement_text, "runner", reason=(
                        f"check process exited with code {proc.exitcode} without a verdict")),
                        seconds=now - start))
                elif now - start >= timeout:
                    proc.kill()
                    proc.join()
                    recv.close()
                    del running[i]
                    finish(i, replace(unknown(ob.statement_text, "runner",
                                              reason=f"timeout after {timeout:g} s"),
                                      seconds=now - start))
    finally:  # interrupted (Ctrl-C, an exception): leave no check process behind
        for proc, recv, _ in running.values():
            if proc.is_alive():
                proc.kill()
            proc.join()
            recv.close()
    return [Outcome(ob, verdicts[i]) for i, ob in enumerate(obligations)]
