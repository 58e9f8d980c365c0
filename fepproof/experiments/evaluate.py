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

import mpmath
import numpy as np

from ..bounds import fep
from ..exact import fmt_exact
from ..failures import FailureModel
from ..network import Network
from ..replay import mp_forward, replay
from ..simulate import forward, random_failure_masks, sample_inputs
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


def crash_errors(net: Network, X: np.ndarray, masks: list[np.ndarray],
                 model: FailureModel | None = None,
                 signs: list[np.ndarray] | None = None) -> np.ndarray:
    """|F_neu - F_fail| (S, n, M); failed neurons send 0 (crash) or, for Byzantine models,
    the extreme value ``signs[l]`` (S, N_l) of +-1 picks: nominal +- C (deviation reading)
    or +-C (value reading).  The first layer, which no failure reaches, is computed once
    for all failure sets (what makes 784-input networks cheap)."""
    acts, nominal = forward(net, X)

    def sent(l: int) -> np.ndarray | float:
        if model is None:
            return 0.0
        if signs is None or not model.free_value:  # crash: 0, stuck-at: v
            fixed = model.fixed_value
            return 0.0 if fixed is None else float(fixed)
        return model.sends_f(acts[l][None], signs[l][:, None, :])

    y = np.where(masks[0][:, None, :], sent(0), acts[0][None])
    for l, (W, b) in enumerate(net.float_layers[1:], start=1):
        y = np.where(masks[l][:, None, :], sent(l), net.activation.float_fn(y @ W.T + b))
    Wo, bo = net.float_output
    return np.abs(y @ Wo.T + bo - nominal[None])


def _byzantine_values(net: Network, x: np.ndarray, failed: list[tuple[int, ...]],
                      signs: list[np.ndarray], model: FailureModel) -> list[list[Fraction]]:
    """Exact sent values for the witness: +-C in the value reading; in the deviation
    reading the 60-digit nominal value +- C (1 - 2^-60), which stays within C of the
    nominal value once replay recomputes it."""
    C = model.C
    if not model.tracks_nominal:  # the value reading
        return [[C * int(signs[l][j]) for j in idx] for l, idx in enumerate(failed)]
    with mpmath.workdps(60):
        acts = mp_forward(net, tuple(Fraction(float(v)) for v in x))
        shrink = C * (1 - Fraction(1, 2**60))
        return [[Fraction(mpmath.nstr(acts[l][j], 60, min_fixed=-1, max_fixed=1))
                 + shrink * int(signs[l][j]) for j in idx] for l, idx in enumerate(failed)]


def _select(err: np.ndarray, output: int | None) -> np.ndarray:
    return err.max(axis=-1) if output is None else err[..., output]


def search_worst(task: EvalTask) -> tuple[Witness, Fraction]:
    """Seeded search for a large error under crash or Byzantine neuron failures; returns
    the replayed witness and its error rounded down (a sound lower bound on the worst
    case).  Byzantine neurons send their extreme values, with all-+, all-- and random
    sign patterns."""
    net, f, model = task.net, task.failures, task.model
    rng = np.random.default_rng(task.seed)
    masks = _failure_sets(net.widths, f, task.max_sets, rng)
    signs: list[np.ndarray] | None = None
    if model.free_value:
        S0 = masks[0].shape[0]
        masks = [np.concatenate([m, m, m]) for m in masks]
        signs = [np.concatenate([np.ones((S0, n)), -np.ones((S0, n)),
                                 rng.choice([-1.0, 1.0], (S0, n))]) for n in net.widths]
    X = sample_inputs(net, task.samples, rng)
    S = masks[0].shape[0]
    chunk = max(1, int(4e6 // (X.shape[0] * max(net.widths))))

    def part(a: int, b: int) -> tuple[list[np.ndarray], list[np.ndarray] | None]:
        return [m[a:b] for m in masks], None if signs is None else [g[a:b] for g in signs]

    errs = []
    for a in range(0, S, chunk):  # (S, n), in chunks of failure sets to bound memory
        m, g = part(a, a + chunk)
        errs.append(_select(crash_errors(net, X, m, model, g), task.output))
    err = np.concatenate(errs)
    s, i = np.unravel_index(int(np.argmax(err)), err.shape)
    best_mask, best_signs = part(s, s + 1)
    x, best = X[i], float(err[s, i])
    dom = net.float_domain
    step = 0.25 * (dom[:, 1] - dom[:, 0])
    for _ in range(12):  # local refinement of the input for the best failure set
        cand = np.clip(x + step * rng.standard_normal((64, len(x))), dom[:, 0], dom[:, 1])
        e = _select(crash_errors(net, cand, best_mask, model, best_signs), task.output)[0]
        j = int(np.argmax(e))
        if e[j] > best:
            x, best = cand[j], float(e[j])
        else:
            step = step / 2
    failed = [tuple(np.flatnonzero(m[0]).tolist()) for m in best_mask]
    values = None
    if best_signs is not None:
        values = _byzantine_values(net, x, failed, [g[0] for g in best_signs], model)
    wit = Witness.make(x.tolist(), failed, values, output=task.output)
    rep = replay(net, wit, model, output=task.output)
    if not rep.valid:  # the construction keeps every value within the model
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
    if task.model.fails_neurons:
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
