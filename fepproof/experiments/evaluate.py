"""One experiment point: Fep (Theorem 2), the certified worst-case bound and the worst
error found, for one network and one failure distribution.

The worst error found is always a *replayed* lower bound: the best scenario of a seeded
search (every failure set when few enough, else random ones; sampled inputs, box corners
and a local refinement) re-evaluated with :func:`fepproof.replay.replay` in mpmath, and,
when the numeric engine is installed, the larger of that and the engine's replayed
witness.  The certified bound comes only from ``fepproof.numeric.verify_numeric`` (a
sound upper bound); without the engine it is left empty, never guessed.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from ..bounds import fep
from ..exact import fmt_exact
from ..failures import FailureModel
from ..network import Network
from ..replay import replay
from ..simulate import forward, phi, random_failure_masks, sample_inputs
from ..verdict import Witness

__all__ = ["EvalTask", "evaluate", "engine_available", "engine_notes", "search_worst",
           "crash_errors"]


@dataclass(frozen=True)
class EvalTask:
    """Everything one sweep point needs (picklable; carries its own seed)."""

    net: Network
    failures: tuple[int, ...]
    seed: int
    labels: tuple[tuple[str, Any], ...] = ()
    model: FailureModel = FailureModel()
    output: int | None = None
    samples: int = 256
    max_sets: int = 512
    engine: bool = True
    engine_timeout: float = 3.0


def engine_available() -> bool:
    """Is the certified numeric engine (``fepproof.numeric``) installed?"""
    try:
        from ..numeric import verify_numeric  # noqa: F401
    except ImportError:
        return False
    return True


def engine_notes(rows: list[dict[str, Any]], enabled: bool) -> list[str]:
    """Say why the certified column is empty or partial (never invent a number)."""
    failed = [r["certified_by"] for r in rows if r["certified_by"].startswith("numeric failed")]
    missing = sum(r["certified"] is None for r in rows)
    if not missing:
        return []
    if not enabled:
        return ["certified bound not shown: the numeric engine is disabled (--no-engine)"]
    if not engine_available():
        return ["certified bound not shown: the numeric engine (fepproof.numeric) is not "
                "installed"]
    note = f"certified bound missing on {missing} of {len(rows)} points"
    return [note + (f"; the engine raised an error on {len(failed)} (first: {failed[0]})"
                    if failed else "")]


def _failure_sets(widths: tuple[int, ...], f: tuple[int, ...], limit: int,
                  rng: np.random.Generator) -> list[np.ndarray]:
    count = math.prod(math.comb(n, k) for n, k in zip(widths, f))
    if count <= limit:
        per_layer = [list(itertools.combinations(range(n), k)) for n, k in zip(widths, f)]
        masks = [np.zeros((count, n), dtype=bool) for n in widths]
        for s, combo in enumerate(itertools.product(*per_layer)):
            for l, idx in enumerate(combo):
                masks[l][s, list(idx)] = True
        return masks
    return random_failure_masks(widths, f, limit, rng)


def crash_errors(net: Network, X: np.ndarray, masks: list[np.ndarray]) -> np.ndarray:
    """|F_neu - F_fail| (S, n, M) under crashes; the first layer, which no failure
    reaches, is computed once for all failure sets (what makes 784-input networks cheap)."""
    acts, nominal = forward(net, X)
    K = float(net.K)
    y = np.where(masks[0][:, None, :], 0.0, acts[0][None])
    for l, (W, b) in enumerate(net.float_layers[1:], start=1):
        y = np.where(masks[l][:, None, :], 0.0, phi(y @ W.T + b, K))
    Wo, bo = net.float_output
    return np.abs(y @ Wo.T + bo - nominal[None])


def _select(err: np.ndarray, output: int | None) -> np.ndarray:
    return err.max(axis=-1) if output is None else err[..., output]


def search_worst(task: EvalTask) -> tuple[Witness, Fraction]:
    """Seeded search for a large crash error; returns the replayed witness and its error
    rounded down (a sound lower bound on the worst case)."""
    net, f = task.net, task.failures
    rng = np.random.default_rng(task.seed)
    masks = _failure_sets(net.widths, f, task.max_sets, rng)
    X = sample_inputs(net, task.samples, rng)
    S = masks[0].shape[0]
    chunk = max(1, int(4e6 // (X.shape[0] * max(net.widths))))
    err = np.concatenate([  # (S, n), in chunks of failure sets to bound memory
        _select(crash_errors(net, X, [m[a:a + chunk] for m in masks]), task.output)
        for a in range(0, S, chunk)])
    s, i = np.unravel_index(int(np.argmax(err)), err.shape)
    best_mask = [m[s:s + 1] for m in masks]
    x, best = X[i], float(err[s, i])
    dom = net.float_domain
    step = 0.25 * (dom[:, 1] - dom[:, 0])
    for _ in range(12):  # local refinement of the input for the best failure set
        cand = np.clip(x + step * rng.standard_normal((64, len(x))), dom[:, 0], dom[:, 1])
        e = _select(crash_errors(net, cand, best_mask), task.output)[0]
        j = int(np.argmax(e))
        if e[j] > best:
            x, best = cand[j], float(e[j])
        else:
            step = step / 2
    failed = [tuple(np.flatnonzero(m[0]).tolist()) for m in best_mask]
    wit = Witness.make(x.tolist(), failed, output=task.output)
    rep = replay(net, wit, task.model, output=task.output)
    if not rep.valid:  # cannot happen for crashes inside the box; never report it
        raise RuntimeError(f"search witness failed replay: {rep.problems}")
    return wit, rep.error_fraction_lower()


def evaluate(task: EvalTask) -> dict[str, Any]:
    """Fep, certified upper bound (numeric engine) and replayed worst error for one task."""
    res = fep(task.net, task.failures, task.model, task.output)
    row: dict[str, Any] = dict(task.labels)
    row.update({"network": task.net.name, "failures": "-".join(map(str, task.failures)),
                "K": float(task.net.K), "K_exact": fmt_exact(task.net.K),
                "fep": float(res.sound), "fep_exact": fmt_exact(res.sound)})
    lower: Fraction | None = None
    method = ""
    if task.model.kind == "crash":
        _, lower = search_worst(task)
        method = "search+replay"
    upper: Fraction | None = None
    engine = ""
    if task.engine and engine_available():
        from ..numeric import verify_numeric
        from ..verify_api import VerifyProblem

        problem = VerifyProblem(task.net, task.failures, task.model, bound=res.sound,
                                fep=res.value, timeout=task.engine_timeout,
                                output=task.output)
        try:
            vr = verify_numeric(problem)
        except Exception as exc:  # an engine bug must not pass for a bound: leave it empty
            engine = f"numeric failed: {type(exc).__name__}: {exc}"[:200]
        else:
            upper, engine = vr.upper, vr.engine
            if vr.lower is not None and (lower is None or vr.lower > lower):
                lower, method = vr.lower, f"{vr.engine} witness (replayed)"
    row.update({
        "worst_found": None if lower is None else float(lower),
        "worst_method": method,
        "certified": None if upper is None else float(upper),
        "certified_by": engine,
        "worst_over_fep": None if lower is None or res.sound == 0 else float(lower / res.sound),
    })
    return row
