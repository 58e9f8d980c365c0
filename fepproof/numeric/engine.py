"""The v1 numeric engine (``fepproof verify --engine numeric-v1``, the benchmarks' baseline).

``verify_numeric`` brackets the worst-case error: a certified upper bound
(:mod:`.upper`, documented derivation) and a lower bound from a real witness
(:mod:`.search`) replayed with the exact sigmoid (:func:`fepproof.replay.replay`).
Verdict on the claim ``error <= bound``: ``proved`` when upper <= bound, ``refuted``
when the replayed witness error exceeds it, ``unknown`` otherwise.

``choose_engine`` (the rule ``--engine auto`` applies): z3 when the network has at most
``Z3_MAX_NEURONS`` hidden neurons, at most ``Z3_MAX_INPUTS`` inputs and at most
``Z3_MAX_SCENARIOS`` failure sets (Byzantine sign patterns included) — sizes z3 finishes
in seconds; numeric otherwise, and always numeric for synapse failures.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..bounds import fep, synapse_bound
from ..failures import FailureModel, check_failures
from ..network import Network
from ..replay import replay
from ..verdict import Status, Witness
from ..verify_api import Progress, VerifyProblem, VerifyResult
from .floatnet import FloatNet
from .scenario import DEV_SHRINK, VAL_SHRINK, Scenario, run
from .search import SearchResult, count_scenarios, search
from .upper import UpperResult, certified_upper

__all__ = ["verify_numeric", "NumericWork", "choose_engine", "build_witness",
           "Z3_MAX_NEURONS", "Z3_MAX_INPUTS", "Z3_MAX_SCENARIOS"]

Z3_MAX_NEURONS = 12
Z3_MAX_INPUTS = 4
Z3_MAX_SCENARIOS = 64


def choose_engine(problem: VerifyProblem) -> str:
    """``"z3"`` for small problems (see module docstring), else ``"numeric"``."""
    net = problem.net
    if problem.model.fails_synapses:
        return "numeric"  # the z3 engine encodes neuron failures only
    fn = FloatNet.make(net, problem.failures, problem.model, problem.output)
    small = (sum(net.widths) <= Z3_MAX_NEURONS and net.input_dim <= Z3_MAX_INPUTS
             and count_scenarios(fn) <= Z3_MAX_SCENARIOS)
    return "z3" if small else "numeric"


def build_witness(net: Network, fn: FloatNet, model: FailureModel, found: SearchResult,
                  output: int | None) -> Witness:
    """Turn a float scenario into an exact :class:`Witness` that obeys the model."""
    x = [min(max(Fraction(float(v)), lo), hi)  # exactly inside the box
         for v, (lo, hi) in zip(found.x, net.input_domain, strict=True)]
    sc: Scenario = found.scenario
    if model.fails_synapses:
        c = np.zeros(fn.Ws[-1].shape[0])
        r = run(fn, sc, found.x[None], c, grad=False)
        syn, deltas = [], []
        for t, j, i, sign in sorted(sc.synapses):
            syn.append((t + 1, j, i))
            if model.tracks_nominal:
                deltas.append(model.C if sign > 0 else -model.C)
            else:
                target = sign * fn.C * VAL_SHRINK
                deltas.append(Fraction(target) - Fraction(float(fn.Ws[t][j, i]))
                              * Fraction(float(r.ys[t][0, i])))
        return Witness(tuple(x), (), None, tuple(syn), tuple(deltas), output)
    failed = tuple(tuple(s) for s in sc.sets)
    fixed = model.fixed_value
    if fixed is not None:  # crash (values None: each sends 0), stuck-at (each sends v)
        values = None if fixed == 0 else tuple((fixed,) * len(s) for s in sc.sets)
        return Witness(tuple(x), failed, values, output=output)
    values = []
    c = np.zeros(fn.Ws[-1].shape[0])
    r = run(fn, sc, found.x[None], c, grad=False)
    for t, (idx, signs) in enumerate(zip(sc.sets, sc.signs, strict=True)):
        row = []
        for j, s in zip(idx, signs, strict=True):
            if model.tracks_nominal:  # nominal + (slightly less than) C in the sign's direction
                row.append(Fraction(float(r.nom[t][0, j])) + Fraction(s) * model.C
                           * Fraction(DEV_SHRINK))
            else:  # the value reading: +-C
                row.append(model.C if s > 0 else -model.C)
        values.append(tuple(row))
    return Witness(tuple(x), failed, tuple(values), output=output)


def _replay_found(net: Network, fn: FloatNet, model: FailureModel, found: SearchResult,
                  output: int | None, stats: dict[str, object]
                  ) -> tuple[Fraction, Witness | None, Fraction | None]:
    """Replay the search's best scenario; (lower bound, witness, its replayed error)."""
    if found.value <= 0:
        return Fraction(0), None, None
    w = build_witness(net, fn, model, found, output)
    rep = replay(net, w, model, dps=40, output=output)
    stats["replay_valid"] = rep.valid
    if not rep.valid:
        stats["replay_problems"] = list(rep.problems)[:3]
        return Fraction(0), None, None
    werr = rep.error_fraction_lower()
    return max(werr, Fraction(0)), w, werr


def _closed_form(problem: VerifyProblem) -> Fraction:
    """The sound closed-form bound for the problem's failures (C + 1 in the value reading)."""
    net, model = problem.net, problem.model
    if model.fails_synapses:
        return synapse_bound(net, problem.failures, model, problem.output).value
    return fep(net, problem.failures, model, problem.output).sound


@dataclass(frozen=True)
class NumericWork:
    """A work budget for :func:`verify_numeric`: scenario evaluations per witness search
    (see :func:`.search.search`) and boxes of the certified upper bound.  With it, every
    phase stops at its work limit instead of its share of the timeout, so the verdict and
    the bracket do not depend on the machine's speed (the timeout stays a safety net)."""

    search_evals: int = 2000
    upper_boxes: int = 2000


def verify_numeric(problem: VerifyProblem, progress: Progress | None = None,
                   work: NumericWork | None = None) -> VerifyResult:
    """Bracket the worst case and decide ``error <= bound`` (engine ``numeric``);
    ``work``: stop each phase at a work limit rather than at a share of the timeout."""
    t0 = time.monotonic()
    net, model = problem.net, problem.model
    failures = check_failures(net, problem.failures, model)
    fn = FloatNet.make(net, failures, model, problem.output)
    T = max(float(problem.timeout), 0.5)
    n_sets = count_scenarios(fn)
    stats: dict[str, object] = {"scenarios": n_sets if n_sets < 10**15 else float(n_sets)}
    if work is not None:
        return _verify_with_work(problem, fn, work, T, t0, stats, progress)

    found = search(fn, time_budget=0.25 * T, progress=progress)
    lower, witness, werr = _replay_found(net, fn, model, found, problem.output, stats)
    if progress is not None:
        progress(f"numeric: replayed lower bound {float(lower):.6g}")

    def stop_at(lo: Fraction) -> float:
        s = float(lo) / (1 - float(problem.tolerance)) if problem.tolerance < 1 else 0.0
        return s if problem.bracket else max(s, float(problem.bound))

    skip = not problem.bracket and lower > problem.bound
    up = certified_upper(fn, time_budget=0.0 if skip else 0.45 * T, stop_at=stop_at(lower),
                         progress=progress)
    upper = Fraction(up.upper)
    # more search while the bracket is still wide and time remains
    remaining = T - (time.monotonic() - t0)
    if (problem.bracket and float(upper) > stop_at(lower) and remaining > 0.1 * T
            and not found.exhaustive):
        more = search(fn, time_budget=0.6 * remaining, seed=1, progress=progress, hint=found)
        if more.value > found.value:
            lo2, w2, e2 = _replay_found(net, fn, model, more, problem.output, stats)
            if lo2 > lower:
                lower, witness, werr, found = lo2, w2, e2, more
        remaining = T - (time.monotonic() - t0)
        if float(upper) > stop_at(lower) and remaining > 0.05 * T:
            up2 = certified_upper(fn, time_budget=0.9 * remaining, stop_at=stop_at(lower))
            if up2.upper < up.upper:
                up, upper = up2, Fraction(up2.upper)
    return _decide(problem, found, up, lower, witness, werr, stats, t0, "time budget")


def _verify_with_work(problem: VerifyProblem, fn: FloatNet, work: NumericWork, T: float,
                      t0: float, stats: dict[str, object], progress: Progress | None
                      ) -> VerifyResult:
    """:func:`verify_numeric`'s phases, each stopped by ``work`` (the timeout ``T`` only
    as a safety net): search, certified upper bound, a second search if the bracket is
    still wide."""
    net, model = problem.net, problem.model

    def left() -> float:
        return max(T - (time.monotonic() - t0), 0.0)

    found = search(fn, time_budget=left(), progress=progress, max_evals=work.search_evals)
    lower, witness, werr = _replay_found(net, fn, model, found, problem.output, stats)
    if progress is not None:
        progress(f"numeric: replayed lower bound {float(lower):.6g}")
    s = float(lower) / (1 - float(problem.tolerance)) if problem.tolerance < 1 else 0.0
    stop = s if problem.bracket else max(s, float(problem.bound))
    skip = not problem.bracket and lower > problem.bound
    up = certified_upper(fn, time_budget=0.0 if skip else left(), stop_at=stop,
                         max_boxes=1 if skip else work.upper_boxes, progress=progress)
    if problem.bracket and up.upper > stop and not found.exhaustive:
        more = search(fn, time_budget=left(), seed=1, progress=progress, hint=found,
                      max_evals=work.search_evals)
        if more.value > found.value:
            lo2, w2, e2 = _replay_found(net, fn, model, more, problem.output, stats)
            if lo2 > lower:
                lower, witness, werr, found = lo2, w2, e2, more
    return _decide(problem, found, up, lower, witness, werr, stats, t0, "work budget")


def _decide(problem: VerifyProblem, found: SearchResult, up: UpperResult, lower: Fraction,
            witness: Witness | None, werr: Fraction | None, stats: dict[str, object],
            t0: float, budget: str) -> VerifyResult:
    """The verdict on ``error <= bound`` from the bracket [lower, min(upper, closed form)]."""
    upper = Fraction(up.upper)
    stats.update(search_evaluations=found.evaluated, exhaustive=found.exhaustive,
                 boxes=up.boxes, leaves=up.leaves, root_upper=up.root_upper,
                 upper_from="certified relaxation")
    closed = _closed_form(problem)  # also sound (Theorem 2 / Lemma 2 + Theorem 4, proved)
    if closed < upper:
        upper = closed
        stats["upper_from"] = "closed form (sound Fep)"
    if upper <= problem.bound:
        verdict, reason = Status.PROVED, "certified upper bound <= bound"
    elif witness is not None and werr is not None and werr > problem.bound:
        verdict, reason = Status.REFUTED, "replayed witness error > bound"
    else:
        verdict = Status.UNKNOWN
        reason = f"bound lies inside the bracket [lower, upper] ({budget} spent)"
    return VerifyResult(verdict, problem, "numeric", lower=lower, upper=upper,
                        witness=witness, witness_error=werr, reason=reason, stats=stats,
                        seconds=time.monotonic() - t0)
