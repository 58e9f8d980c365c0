"""Accuracy under failures: four numbers that answer different questions.

* ``clean``: the nominal accuracy.
* ``random_mean`` / ``random_min``: random fault injection -- failure sets drawn
  uniformly (Byzantine: sent-value parameters u uniform in [-1, 1]), one set for the
  whole data set at a time, accuracy in float64 (an empirical statistic; when every set
  is enumerated it is read from the rigorous per-set table instead).
* ``worst_fixed``: a certified bracket [lo, hi] on the accuracy under the worst single
  failure set (a hardware fault: one set, the same for every input).  Exhaustive when
  every set is enumerated (crash / stuck-at, at most ``limit`` sets, radius 0); otherwise
  [certified, the lowest accuracy among the searched sets], sound because a per-input
  adversary is at least as strong as any fixed set.
* ``certified``: the fraction of points proved correct against a failure set chosen per
  input (the paper's adversary).

So certified <= worst_fixed lo <= worst_fixed hi <= random_min <= random_mean, and
random_mean <= clean need not hold (a failure can fix a misclassified point).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..failures import FailureModel, check_failures
from ..network import Network
from ..simulate import failed_outputs, forward
from ..verdict import Witness
from .data import check_dataset
from .decision import (
    DecisionConfig,
    PointResult,
    as_classifier,
    decide_point,
    fixed_enumerable,
    random_sets,
)
from .intervals import RigorNet, n_sets, set_of_index

__all__ = ["PointVerdict", "AccuracyReport", "accuracy_report"]

VERDICTS = ("proved", "refuted", "unknown", "misclassified")


@dataclass(frozen=True)
class PointVerdict:
    index: int
    label: int
    predicted: int
    verdict: str          # "proved" | "refuted" | "unknown" | "misclassified"
    witness: Witness | None
    reason: str
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "label": self.label, "predicted": self.predicted,
                "verdict": self.verdict,
                "witness": None if self.witness is None else self.witness.to_json(),
                "reason": self.reason, "seconds": round(self.seconds, 4)}


@dataclass(frozen=True)
class AccuracyReport:
    n: int
    failures: tuple[int, ...]
    model: FailureModel
    radius: float
    clean: float
    random_mean: float
    random_min: float
    random_samples: int
    worst_fixed: tuple[float, float]
    worst_fixed_set: tuple[tuple[int, ...], ...] | None
    worst_fixed_exhaustive: bool
    certified: float
    counts: dict[str, int]
    points: tuple[PointVerdict, ...]
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n, "failures": list(self.failures), **self.model.to_json(),
            "radius": self.radius, "clean": self.clean,
            "random": {"mean": self.random_mean, "min": self.random_min,
                       "samples": self.random_samples},
            "worst_fixed": {"lo": self.worst_fixed[0], "hi": self.worst_fixed[1],
                            "set": None if self.worst_fixed_set is None
                            else [list(f) for f in self.worst_fixed_set],
                            "exhaustive": self.worst_fixed_exhaustive},
            "certified": self.certified, "counts": dict(self.counts),
            "points": [p.to_json() for p in self.points],
            "seconds": round(self.seconds, 3),
        }


# ---- workers ---------------------------------------------------------------------------
_STATE: dict[str, Any] = {}


def _init(net: Network, cfg: DecisionConfig) -> None:
    _STATE["rn"] = RigorNet(net)
    _STATE["cfg"] = cfg


def _run_chunk(items: list[tuple[int, np.ndarray, int]]) -> list[tuple[int, PointResult]]:
    rn, cfg = _STATE["rn"], _STATE["cfg"]
    return [(i, decide_point(rn, x, label, cfg)) for i, x, label in items]


def _dask_chunk(items, net: Network, cfg: DecisionConfig):
    if _STATE.get("net_id") != id(net) or "rn" not in _STATE:
        _init(net, cfg)
        _STATE["net_id"] = id(net)
    _STATE["cfg"] = cfg
    return _run_chunk(items)


def _chunks(items: list, size: int) -> list[list]:
    return [items[a:a + size] for a in range(0, len(items), size)]


def _run_points(net: Network, cfg: DecisionConfig, X: np.ndarray, y: np.ndarray, jobs: int,
                scheduler: str | None, progress: Callable[[str], None] | None
                ) -> dict[int, PointResult]:
    items = [(i, X[i], int(y[i])) for i in range(X.shape[0])]
    results: dict[int, PointResult] = {}
    counts = dict.fromkeys(VERDICTS, 0)
    last = [time.monotonic()]

    def record(batch: list[tuple[int, PointResult]], final: bool = False) -> None:
        for i, r in batch:
            results[i] = r
            counts[r.verdict] += 1
        now = time.monotonic()
        if progress is not None and (final or now - last[0] >= 1.0):
            last[0] = now
            progress(f"{len(results)} of {len(items)} points, proved {counts['proved']}, "
                     f"refuted {counts['refuted']}, unknown {counts['unknown']}, "
                     f"misclassified {counts['misclassified']}")

    if scheduler:
        try:
            from distributed import Client
            from distributed import as_completed as dask_completed
        except ImportError:
            raise ValueError("scheduler: needs dask[distributed] (the interop extra)") \
                from None
        with Client(scheduler) as client:
            net_f = client.scatter(net, broadcast=True)
            futs = [client.submit(_dask_chunk, ch, net_f, cfg, pure=False)
                    for ch in _chunks(items, 4)]
            for fut in dask_completed(futs):
                record(fut.result())
    elif jobs > 1 and len(items) > 1:
        with ProcessPoolExecutor(max_workers=jobs, initializer=_init,
                                 initargs=(net, cfg)) as pool:
            size = max(1, min(8, len(items) // (4 * jobs)))
            futs = [pool.submit(_run_chunk, ch) for ch in _chunks(items, size)]
            for fut in as_completed(futs):
                record(fut.result())
    else:
        _init(net, cfg)
        for it in items:
            record(_run_chunk([it]))
    record([], final=True)
    return results


# ---- the report ---------------------------------------------------------------------
def accuracy_report(net: Network, X: np.ndarray, y: np.ndarray, failures: Sequence[int],
                    model: FailureModel, *, radius: float = 0.0, samples: int = 100,
                    seed: int = 0, point_timeout: float = 10.0, jobs: int = 1,
                    scheduler: str | None = None,
                    progress: Callable[[str], None] | None = None,
                    limit: int = 200_000, engine: str = "numeric") -> AccuracyReport:
    """Clean, random-injection, worst-fixed-set and certified accuracy of the classifier
    ``net`` (argmax of its outputs) on (X, y) (module docstring)."""
    t0 = time.monotonic()
    X = np.atleast_2d(np.asarray(X, dtype=np.float64))
    y = np.asarray(y).astype(np.int64)
    net = as_classifier(net)  # one output: a binary classifier (class 1 when F > 0)
    check_dataset(X, y, net.input_dim, net.n_outputs)
    if not model.fails_neurons:
        raise ValueError("model: accuracy reports cover neuron failures (crash, byzantine, "
                         "stuck-at), not synapse failures")
    model.check_activation(net)
    failures = check_failures(net, failures, model, "failures")
    if not (np.isfinite(radius) and radius >= 0):
        raise ValueError(f"radius: must be >= 0, got {radius}")
    if samples < 1:
        raise ValueError(f"samples: must be >= 1, got {samples}")
    if jobs < 1:
        raise ValueError(f"jobs: must be >= 1, got {jobs}")
    n = X.shape[0]
    if engine not in ("numeric", "z3", "auto"):
        raise ValueError(f"engine: expected numeric, z3 or auto, got {engine!r}")
    cfg = DecisionConfig(tuple(failures), model, float(radius), int(limit),
                         float(point_timeout), int(seed), engine=engine)
    res = _run_points(net, cfg, X, y, jobs, scheduler, progress)
    points = tuple(PointVerdict(i, int(y[i]), res[i].predicted, res[i].verdict,
                                res[i].witness, res[i].reason, res[i].seconds)
                   for i in range(n))
    counts = {v: sum(p.verdict == v for p in points) for v in VERDICTS}
    clean = sum(p.predicted == p.label for p in points) / n
    certified = counts["proved"] / n
    rng = np.random.default_rng(seed)
    S = n_sets(net.widths, failures)
    if fixed_enumerable(net, cfg) and all(r.keep is not None for r in res.values()):
        keep = np.stack([res[i].keep for i in range(n)])
        ok = ~np.stack([res[i].brk for i in range(n)])
        hi_counts = ok.sum(axis=0)
        s_hi = int(np.argmin(hi_counts))
        hi = hi_counts[s_hi] / n
        idx = rng.integers(0, S, size=samples)
        accs = hi_counts[idx] / n
        random_mean, random_min = float(accs.mean()), float(accs.min())
        worst_set = set_of_index(net.widths, failures, s_hi)
        if radius == 0:
            lo, exhaustive = float(keep.sum(axis=0).min() / n), True
        else:
            lo, exhaustive = certified, False
    else:
        random_mean, random_min, hi, worst_set = _sampled(net, X, y, failures, model,
                                                          samples, rng)
        lo, exhaustive = certified, False
    lo = min(lo, hi)
    return AccuracyReport(n, tuple(failures), model, float(radius), clean, random_mean,
                          random_min, samples, (float(lo), float(hi)), worst_set,
                          exhaustive, certified, counts, points, time.monotonic() - t0)


def _float_acc(net: Network, X: np.ndarray, y: np.ndarray, sets: list, U: list | None,
               model: FailureModel) -> np.ndarray:
    """float64 accuracy of each failure set (with parameters U[s] per layer, or None)."""
    acts, _ = forward(net, X)
    accs = np.empty(len(sets))
    for a in range(0, len(sets), 64):
        chunk = sets[a:a + 64]
        masks, sent = [], []
        for l, w in enumerate(net.widths):
            m = np.zeros((len(chunk), w), dtype=bool)
            for s, failed in enumerate(chunk):
                m[s, list(failed[l])] = True
            masks.append(m)
            if U is None:
                sent.append(None)
                continue
            uu = np.zeros((len(chunk), 1, w))
            for s, failed in enumerate(chunk):
                uu[s, 0, list(failed[l])] = U[a + s][l]
            sent.append(model.sends_f(acts[l][None, :, :], uu))
        out = failed_outputs(net, X, masks, sent, model=model)
        accs[a:a + len(chunk)] = (out.argmax(axis=2) == y[None, :]).mean(axis=1)
    return accs


def _rigorous_hi(rn: RigorNet, X: np.ndarray, y: np.ndarray, failed, u, model) -> float:
    """Rigorous upper bound on the accuracy of one concrete failure set: the fraction of
    points not certainly misclassified under it."""
    _, mhi = rn.margins_fixed_set(X, y, failed, model, u)
    return float((~(mhi < 0).any(axis=1)).mean())


def _sampled(net: Network, X: np.ndarray, y: np.ndarray, failures, model: FailureModel,
             samples: int, rng: np.random.Generator):
    """Random injection in float64 and the worst fixed set found by random + greedy
    search, its accuracy bounded rigorously from above."""
    free = model.free_value
    sets = random_sets(net.widths, failures, samples, rng)
    U = [[rng.uniform(-1, 1, len(f)) for f in s] for s in sets] if free else None
    accs = _float_acc(net, X, y, sets, U, model)
    cands = [(sets[int(np.argmin(accs))], None if U is None else U[int(np.argmin(accs))])]
    for sign in ((1.0, -1.0) if free else (0.0,)):
        g = _greedy(net, X, y, failures, model, sign)
        if g is not None:
            cands.append(g)
    rn = RigorNet(net)
    best, best_set = 2.0, None
    for failed, u in cands:
        h = _rigorous_hi(rn, X, y, failed, u, model)
        if h < best:
            best, best_set = h, failed
    return float(accs.mean()), float(accs.min()), best, best_set


def _greedy(net: Network, X: np.ndarray, y: np.ndarray, failures, model: FailureModel,
            sign: float):
    """Add failed neurons one at a time (layer by layer), each the one that lowers the
    float64 accuracy most (ties: the lower mean true-class margin)."""
    free = model.free_value
    chosen: list[list[int]] = [[] for _ in failures]
    for l, f in enumerate(failures):
        for _ in range(f):
            options = [j for j in range(net.widths[l]) if j not in chosen[l]]
            if not options:
                break
            sets = [tuple(tuple(chosen[m] + ([j] if m == l else [])) for m in
                          range(len(failures))) for j in options]
            U = [[np.full(len(fs), sign) * (1 - 1e-9) for fs in s] for s in sets] \
                if free else None
            accs = _float_acc(net, X, y, sets, U, model)
            chosen[l].append(options[int(np.argmin(accs))])
    failed = tuple(tuple(sorted(c)) for c in chosen)
    u = [np.full(len(f), sign) * (1 - 1e-9) for f in failed] if free else None
    return failed, u
