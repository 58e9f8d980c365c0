"""``verify_z3``: decide |F_neu - F_fail| <= bound and narrow the worst-case bracket.

Items are (output, failure set) pairs, failure sets enumerated outside z3 (or one item
with z3 Boolean selectors when there are too many sets).  Each item keeps a sound upper
bound (first its difference-network IBP bound, then thresholds z3 proved UNSAT) and the
global lower bound comes from replayed witnesses.  Branch and bound: the item with the
largest upper bound is always the one queried, so items whose cheap bound is below the
current lower bound (or the claim) are never sent to z3.  A SAT model is replayed with
the exact sigmoid; if it is spurious, breakpoints are added at its pre-activations.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..exact import fmt_decimal
from ..verdict import Status, Witness
from ..verify_api import Progress, VerifyProblem, VerifyResult
from .answer import Answer
from .encode import Encoding, Key, Model, default_breakpoints
from .envelope import phi_enclosure, round_down, round_up
from .ibp import (
    MAYBE,
    OK,
    FaultBounds,
    Interval,
    LayerBounds,
    crude_bounds,
    crude_fault_bounds,
    fault_bounds,
    nominal_bounds,
    status_from_sets,
)
from .witness import Candidate, improve, make_witness, sample_candidates

__all__ = ["verify_z3", "Options", "NAIVE"]


@dataclass(frozen=True)
class Options:
    """Engine knobs (the defaults are the tuned encoding; see benchmarks/bench_verify.py).

    selectors: ``enumerate`` (failure sets outside z3), ``boolean`` (z3 Booleans with
    cardinality constraints) or ``auto`` (enumerate up to ``max_sets`` sets).
    ranges: ``ibp`` (interval bound propagation) or ``crude`` (weight-sum bounds).
    With ``crude`` ranges every default cut lies inside every neuron's range, so every
    piece sits on every neuron.  The naive encoding is boolean + crude, no coupling
    (:data:`NAIVE`).
    """

    selectors: str = "auto"
    ranges: str = "ibp"
    coupling: bool = True
    max_sets: int = 4000
    seed: int = 0
    relax: str = "hull"  # per-neuron relaxation: "hull" (no case split) or "pieces"
    query_cap: float | None = 2.0  # seconds per z3 query before splitting the input box
    max_refinements: int = 3  # spurious models per box before splitting it
    sample: bool = True  # seed the lower bound by random sampling before asking z3
    cheap_bounds: bool = True  # let interval / weight-sum bounds decide items without z3
    max_queries: int | None = None  # work budget: stop after this many z3 queries (the
    #   verdict then rests on the bounds reached; with query_cap=None no step of the run
    #   depends on the machine's speed before the timeout, a safety net)


NAIVE = Options(selectors="boolean", ranges="crude", coupling=False, relax="pieces",
                query_cap=None, max_refinements=10**9, cheap_bounds=False)


@dataclass
class _Item:
    output: int
    failed: tuple[tuple[int, ...], ...] | None  # None: Boolean selectors
    status: list[list[int]]
    box: tuple[Interval, ...]
    nom: list[LayerBounds]
    fb: FaultBounds
    upper: Fraction
    breaks: dict[Key, list[Fraction]] = field(default_factory=dict)
    enc: Encoding | None = None
    queries: int = 0
    spurious: int = 0
    bisect: bool = False  # aim at the bracket midpoint (the target proved too hard)
    checked: bool = True  # False: z3 has to answer before the item's upper bound counts


def _sets(widths: tuple[int, ...], f: tuple[int, ...]) -> list[tuple[tuple[int, ...], ...]]:
    return [tuple(c) for c in itertools.product(
        *[itertools.combinations(range(n), k) for n, k in zip(widths, f, strict=True)])]


def _n_sets(widths: tuple[int, ...], f: tuple[int, ...]) -> int:
    return math.prod(math.comb(n, k) for n, k in zip(widths, f, strict=True))


def verify_z3(problem: VerifyProblem, progress: Progress | None = None,
              options: Options | None = None) -> VerifyResult:
    """Theorem 2's claim on one network, decided over a sound sigmoid relaxation (z3)."""
    return _Run(problem, progress, options or Options()).run()


class _Run:
    def __init__(self, problem: VerifyProblem, progress: Progress | None, opts: Options):
        self.p, self.progress, self.opts = problem, progress, opts
        self.t0 = time.monotonic()
        self.deadline = self.t0 + problem.timeout
        self.rng = np.random.default_rng(opts.seed)
        self.stats = {"queries": 0, "sat": 0, "unsat": 0, "spurious": 0, "refinements": 0,
                      "z3_seconds": 0.0, "failure_sets": 0, "items_queried": 0,
                      "selectors": "", "max_pieces": 0, "splits": 0, "capped": 0}
        self.lower = Fraction(0)
        self.witness: Witness | None = None
        self.reason = ""

    # ---- setup -------------------------------------------------------------------
    def _items(self) -> list[_Item]:
        p, net = self.p, self.p.net
        f = tuple(p.failures)
        n_sets = _n_sets(net.widths, f)
        sel = self.opts.selectors
        if sel == "auto":
            sel = "enumerate" if n_sets <= self.opts.max_sets else "boolean"
        self.stats["selectors"] = sel
        self.stats["failure_sets"] = n_sets
        box = tuple(net.input_domain)
        nom = nominal_bounds(net, box) if self.opts.ranges == "ibp" else crude_bounds(net)
        outputs = range(net.n_outputs) if p.output is None else [p.output]
        items = []
        for k in outputs:
            if sel == "enumerate":
                for fs in _sets(net.widths, f):
                    if time.monotonic() > self.deadline:
                        raise TimeoutError("timeout while bounding the failure sets")
                    items.append(self._make(k, fs, status_from_sets(net.widths, fs), box, nom))
            else:
                st = [[MAYBE if fl > 0 else OK] * n for n, fl in zip(net.widths, f, strict=True)]
                items.append(self._make(k, None, st, box, nom))
        return items

    def _make(self, k: int, fs: tuple[tuple[int, ...], ...] | None, st: list[list[int]],
              box: tuple[Interval, ...], nom: list[LayerBounds] | None = None) -> _Item:
        net, model = self.p.net, self.p.model
        row = net.output.weights[k]
        if self.opts.ranges != "ibp":
            fb = crude_fault_bounds(net, model, row)
            return _Item(k, fs, st, box, nom or crude_bounds(net), fb, fb.bound,
                         checked=self.opts.cheap_bounds)
        nom = nom if nom is not None else nominal_bounds(net, box)
        fb = fault_bounds(net, nom, st, model, row, box)
        return _Item(k, fs, st, box, nom, fb, fb.bound, checked=self.opts.cheap_bounds)

    def _split(self, item: _Item) -> list[_Item]:
        """Halve the item's input box along its most influential side (sound: the halves
        cover the box; each gets its own, tighter, interval bounds)."""
        W = self.p.net.layers[0].weights
        infl = [(hi - lo) * sum(abs(row[i]) for row in W) for i, (lo, hi) in enumerate(item.box)]
        i = max(range(len(infl)), key=lambda d: infl[d])
        lo, hi = item.box[i]
        mid = (lo + hi) / 2
        self.stats["splits"] += 1
        out = []
        for part in ((lo, mid), (mid, hi)):
            box = item.box[:i] + (part,) + item.box[i + 1:]
            child = self._make(item.output, item.failed, item.status, box)
            child.upper = min(child.upper, item.upper)
            child.checked = item.checked
            child.bisect = True
            out.append(child)
        return out

    def _say(self, msg: str) -> None:
        if self.progress is not None:
            self.progress(msg)

    # ---- witnesses ---------------------------------------------------------------
    def _offer(self, item: _Item, cand: Candidate) -> Fraction | None:
        """Replay a candidate; keep it if it raises the lower bound. Returns its error."""
        if cand.failed is None:
            return None
        out = self.p.output if self.p.output is not None else (
            item.output if self.p.net.n_outputs > 1 else None)
        w, err = make_witness(self.p.net, cand, self.p.model, out)
        if err > self.lower:
            self.lower, self.witness = err, w
        return err

    def _seed_lower(self, items: list[_Item]) -> None:
        net = self.p.net
        best: list[tuple[float, _Item, Candidate]] = []
        for item in items[: 2000]:
            if item.failed is None:
                fs = tuple(tuple(range(fl)) for fl in self.p.failures)
            else:
                fs = item.failed
            row = np.array([float(w) for w in net.output.weights[item.output]])
            c = sample_candidates(net, row, fs, self.p.model, self.rng, n=64)
            best.append((c.value, item, c))
        best.sort(key=lambda t: -t[0])
        for _, item, c in best[:3]:
            row = np.array([float(w) for w in net.output.weights[item.output]])
            self._offer(item, improve(net, row, c, self.p.model, self.rng))

    def _candidate(self, item: _Item, m: Model) -> Candidate:
        us = []
        for l, fl in enumerate(m.failed):
            for j in fl:
                u = self.p.model.param_of(float(m.sent[(l, j)]), float(m.y[("n", l, j)]))
                if u is not None:
                    us.append(u)
        return Candidate(np.array([float(v) for v in m.x]), m.failed,
                         np.clip(np.array(us, dtype=float), -1, 1))

    # ---- refinement --------------------------------------------------------------
    def _refine(self, item: _Item, m: Model) -> bool:
        """Add breakpoints at the model's pre-activations where the relaxation is loose."""
        k = self.p.net.activation.slope
        added = False
        for key, s in m.s.items():
            lo, hi = phi_enclosure(k, s)
            y = m.y[key]
            if lo - Fraction(1, 10**9) <= y <= hi + Fraction(1, 10**9):
                continue
            cut = round_up(s, 2 ** 24)
            cuts = item.breaks.setdefault(key, [])
            if cut not in cuts:
                cuts.append(cut)
                added = True
        if added:
            item.enc = None
            self.stats["refinements"] += 1
        return added

    def _encoding(self, item: _Item) -> Encoding:
        if item.enc is None:
            net = self.p.net
            base = list(default_breakpoints(net.activation.slope))
            breaks: dict[Key, list[Fraction]] = {}
            for l, n in enumerate(net.widths):
                for j in range(n):
                    for c in ("n", "f"):
                        breaks[(c, l, j)] = base + item.breaks.get((c, l, j), [])
            item.enc = Encoding(net, self.p.model, net.output.weights[item.output],
                                item.status, self.p.failures, item.nom, item.fb, breaks,
                                coupling=self.opts.coupling,
                                diff_bounds=self.opts.ranges == "ibp", box=item.box,
                                relax=self.opts.relax)
            self.stats["max_pieces"] = max(self.stats["max_pieces"], item.enc.n_pieces)
        return item.enc

    # ---- main loop ---------------------------------------------------------------
    def run(self) -> VerifyResult:
        p = self.p
        if p.model.fails_synapses:
            return self._result(Status.UNKNOWN, [], "the z3 engine handles neuron failures "
                                "(crash, byzantine, stuck-at) only; use the numeric engine "
                                "for synapses")
        quick = self._quick_upper() if self.opts.cheap_bounds else None
        if quick is not None and quick <= p.bound and not p.bracket:
            self.stats["selectors"] = "interval bound (any failure set)"
            return self._result(Status.PROVED, [], "", upper=quick)
        try:
            items = self._items()
        except TimeoutError as exc:  # never prove from a partial list of failure sets
            return self._result(Status.UNKNOWN, [], f"{exc} ({p.timeout:g} s)")
        if self.opts.sample:
            self._seed_lower(items)
        tol = p.tolerance
        last_say = 0.0
        while True:
            pending = [it for it in items if not it.checked]
            top = pending[0] if pending else max(items, key=lambda it: it.upper)
            U = max(it.upper for it in items)
            claim_done = self.lower > p.bound or (not pending and U <= p.bound)
            bracket_done = (not p.bracket) or (not pending and U - self.lower <= tol * U)
            if claim_done and bracket_done:
                break
            if self.opts.max_queries is not None and \
                    self.stats["queries"] >= self.opts.max_queries:
                self.reason = self.reason or f"query limit ({self.opts.max_queries} z3 queries)"
                break
            remaining = self.deadline - time.monotonic()
            if remaining <= 0.05:
                self.reason = self.reason or f"timeout after {p.timeout:g} s"
                break
            if not claim_done:
                t = p.bound
            else:
                target = self.lower / (1 - tol) if tol < 1 else U
                # the lower bound is usually near the worst case: aim at it, and bisect once
                # the relaxation proved too loose there for this item
                t = max(target, (self.lower + U) / 2) if top.bisect else target
                t = max(round_down(t, 2 ** 24), self.lower)
            if time.monotonic() - last_say > 1.0:
                last_say = time.monotonic()
                self._say(f"round {self.stats['queries'] + 1}: bracket "
                          f"[{fmt_decimal(self.lower, 6)}, {fmt_decimal(U, 6)}], "
                          f"querying {top.failed if top.failed is not None else 'any set'}"
                          f" at t = {fmt_decimal(t, 6)}")
            enc = self._encoding(top)
            if top.queries == 0:
                self.stats["items_queried"] += 1
            top.queries += 1
            self.stats["queries"] += 1
            q0 = time.monotonic()
            budget = self.deadline - time.monotonic()
            capped = self.opts.query_cap is not None and self.opts.query_cap < budget
            res, m, why = enc.query(t, int(1000 * (min(budget, self.opts.query_cap)
                                                   if capped else budget)))
            self.stats["z3_seconds"] += time.monotonic() - q0
            if res is Answer.UNSAT:
                self.stats["unsat"] += 1
                top.upper = min(top.upper, t)
                top.checked = True
            elif res is Answer.TIMEOUT or res is Answer.UNKNOWN:
                if capped and res is Answer.TIMEOUT:
                    self.stats["capped"] += 1
                    items.remove(top)
                    items.extend(self._split(top))
                    continue
                self.reason = (f"timeout after {p.timeout:g} s" if res is Answer.TIMEOUT
                               else f"z3: {why}")
                break
            else:
                assert m is not None
                self.stats["sat"] += 1
                net = p.net
                row = np.array([float(w) for w in net.output.weights[top.output]])
                cand = self._candidate(top, m)
                err = self._offer(top, cand)
                better = improve(net, row, cand, p.model, self.rng)
                self._offer(top, better)
                if err is None or err <= t:
                    self.stats["spurious"] += 1
                    top.spurious += 1
                    top.bisect = True
                    if top.spurious > self.opts.max_refinements or not self._refine(top, m):
                        if self.opts.query_cap is None:
                            self.reason = "refinement made no progress"
                            break
                        items.remove(top)
                        items.extend(self._split(top))
        U = max(it.upper for it in items)
        unchecked = any(not it.checked for it in items)
        if self.lower > p.bound:
            status = Status.REFUTED
        elif U <= p.bound and not unchecked:
            status = Status.PROVED
        else:
            status = Status.UNKNOWN
            self.reason = self.reason or "undecided"
        if status is not Status.UNKNOWN and not (U - self.lower <= tol * U) and p.bracket:
            self.reason = self.reason or "bracket not narrowed to the tolerance"
        return self._result(status, items, self.reason)

    def _quick_upper(self) -> Fraction | None:
        """One interval bound covering every failure set at once (each neuron of a layer
        with failures: the hull of failed and correct): decides loose claims with no
        enumeration and no z3 call."""
        net, p = self.p.net, self.p
        if self.opts.ranges != "ibp":
            return None
        nom = nominal_bounds(net)
        st = [[MAYBE if fl > 0 else OK] * n for n, fl in zip(net.widths, p.failures, strict=True)]
        outputs = range(net.n_outputs) if p.output is None else [p.output]
        return max(fault_bounds(net, nom, st, p.model, net.output.weights[k]).bound
                   for k in outputs)

    def _result(self, status: Status, items: list[_Item], reason: str,
                upper: Fraction | None = None) -> VerifyResult:
        upper = max((it.upper for it in items), default=upper)
        self.stats["z3_seconds"] = round(self.stats["z3_seconds"], 3)
        return VerifyResult(status, self.p, "z3", self.lower if items else None, upper,
                            self.witness, self.lower if self.witness is not None else None,
                            reason, dict(self.stats), time.monotonic() - self.t0)
