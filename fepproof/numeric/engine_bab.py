"""``verify_bab``: the converging numeric engine (``--engine numeric``).

Lower bound first from the witness search of :mod:`.search` (re-optimised on the
scale-aware objective of :mod:`.attack`), then branch and bound (:mod:`.bab`) with
attacks on promising leaves.  Verdict on ``error <= bound``: ``proved`` when the
certified upper bound is <= bound, ``refuted`` when a replayed witness exceeds it,
``unknown`` otherwise (with the reason the run stopped).  The closed-form bound (Theorem
2 / Lemma 2 + Theorem 4, proved elsewhere) caps the upper bound.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from fractions import Fraction

import numpy as np

from ..failures import check_failures
from ..verdict import Status
from ..verify_api import Progress, VerifyProblem, VerifyResult
from .attack import Attack, attack
from .bab import BabOptions, BabResult, run_bab
from .engine import _closed_form
from .faultview import has_sign, neuron_kind
from .floatnet import FloatNet
from .leaf import Leaf, LeafBound
from .search import search

__all__ = ["verify_bab", "seed_attacks"]


def seed_attacks(fn: FloatNet, budget: float, seed: int = 0,
                 progress: Progress | None = None, stop_at: float | None = None
                 ) -> list[Attack]:
    """The witness search's best scenario, re-optimised on the scale-aware objective
    (``stop_at``: the search stops once an error above it is found)."""
    found = search(fn, time_budget=budget, seed=seed, progress=progress, stop_at=stop_at)
    sc = found.scenario
    rng = np.random.default_rng(seed)
    lo, hi = fn.dom[:, 0], fn.dom[:, 1]
    if neuron_kind(fn):
        sets = [list(s) for s in sc.sets]
        if [len(s) for s in sets] != list(fn.failures[: fn.L]):
            return []  # the search found no scenario of the right size (nothing to seed)
        u = [g for row in sc.signs for g in row] if has_sign(fn) else []
        syn: list[tuple[int, int, int]] = []
    else:
        sets = [[] for _ in range(fn.L)]
        syn = [(t, j, i) for t, j, i, _ in sc.synapses]
        u = [g for *_, g in sc.synapses]
        if len(syn) != sum(fn.failures):
            return []
    hint = np.concatenate([found.x, np.array(u, dtype=float)])
    return [attack(fn, lo, hi, sets, syn, rng, hints=[hint])]


def verify_bab(problem: VerifyProblem, progress: Progress | None = None,
               options: BabOptions | None = None,
               leaf_hook: Callable[[Leaf, LeafBound, float],
                                   tuple[float | None, Attack | None]] | None = None,
               engine: str = "numeric") -> VerifyResult:
    """Bracket the worst case by branch and bound and decide ``error <= bound``."""
    t0 = time.monotonic()
    net, model = problem.net, problem.model
    failures = check_failures(net, problem.failures, model)
    fn = FloatNet.make(net, failures, model, problem.output)
    T = max(float(problem.timeout), 0.5)
    closed = _closed_form(problem)

    # in decide mode the search stops at a witness above the claim (a margin over float
    # rounding; the replay decides): refuting needs no more
    stop_at = None if problem.bracket else _float_up(problem.bound) * (1 + 1e-6) + 1e-300

    def seeds() -> list[Attack]:  # skipped when the root bound already proves the claim
        return seed_attacks(fn, budget=min(0.1 * T, 3.0), progress=progress,
                            stop_at=stop_at)

    res: BabResult = run_bab(net, fn, model, problem.output, T,
                             float(problem.tolerance), _float_up(closed),
                             claim=_float_up(problem.bound), decide_only=not problem.bracket,
                             options=options, progress=progress, seed_attacks=seeds,
                             label="numeric: " if engine == "numeric" else "",
                             leaf_hook=leaf_hook)
    lower = res.lower
    # the float bound is rounded up to a rational exactly (Fraction(float) is exact)
    upper = Fraction(res.upper)
    upper_from = "branch and bound"
    if closed < upper:
        upper, upper_from = closed, "closed form (sound Fep)"
    if upper < lower:  # cannot happen for sound bounds; keep the bracket consistent
        raise RuntimeError(f"unsound bracket: upper {float(upper)} < lower {float(lower)}")
    stats = dict(res.stats)
    stats.update(upper_from=upper_from, stop=res.stop,
                 history=[[round(t, 3), lo, up] for t, lo, up in res.history])
    werr = res.witness_error
    if upper <= problem.bound:
        verdict, reason = Status.PROVED, "certified upper bound <= bound"
    elif werr is not None and werr > problem.bound:
        verdict, reason = Status.REFUTED, "replayed witness error > bound"
    else:
        verdict = Status.UNKNOWN
        reason = "bound lies inside the bracket [lower, upper]"
    reason += f"; stopped: {_why(res.stop, problem)}"
    return VerifyResult(verdict, problem, engine, lower=lower, upper=upper,
                        witness=res.witness, witness_error=werr, reason=reason, stats=stats,
                        seconds=time.monotonic() - t0, proof_tree=res.tree)


def _float_up(q: Fraction) -> float:
    """The smallest float >= ``q`` (a sound cap for float comparisons; inf above the
    float range)."""
    try:
        f = float(q)
    except OverflowError:
        return math.inf
    return f if math.isinf(f) or Fraction(f) >= q else math.nextafter(f, math.inf)


def _why(stop: str, problem: VerifyProblem) -> str:
    if stop == "tolerance":
        return f"bracket within the relative tolerance {float(problem.tolerance):g}"
    if stop == "absolute tolerance":
        return ("bracket within the absolute tolerance (1e-9 x the smaller of the closed-form "
                "bound and the first certified bound: worst case near 0)")
    if stop == "exhausted":
        return "every leaf closed (the bracket is exact)"
    if stop == "no split left":
        return "no leaf can be split further (input boxes at float resolution)"
    if stop == "timeout":
        return f"timeout after {problem.timeout:g} s"
    return stop
