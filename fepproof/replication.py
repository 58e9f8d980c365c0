"""Corollary 1 (corrected, ``proofs/corollary1.py``): the smallest neuron replication that
makes a failure distribution tolerated, by the closed form (Theorem 2 / Theorem 3).

Replicating every neuron of hidden layer l r_l times and dividing its outgoing weights by
r_l keeps F_neu exactly; the failure distribution keeps its counts: f_l failed neurons
anywhere among the N_l r_l neurons of layer l.  The replicated network has widths N_l r_l
and w_m^(l) / r_(l-1) (l >= 2), w_m^(L+1) / r_L, so with t_l = 1 / r_l its Fep is
D w_m^(L+1) e_L with

    e_0 = 0,  e_l = f_l t_l + (N_l - f_l t_l) K w_m^(l) e_(l-1)

(the forward recursion of ``bounds.py`` divided by r_l).  e_l is affine in t_l and
non-decreasing in e_(l-1); the "at most f_l" reading takes the larger of g_l = 0 and
g_l = f_l at each layer.  Theorem 3 needs f_l < N_l r_l, so r_l >= f_l // N_l + 1.

:func:`fewest_factors` minimises the added neurons sum N_l (r_l - 1) subject to
Fep <= budget by an exact Pareto dynamic programme over r_1..r_(L-1) (states: cost and
e_l, dominated states dropped, states that cannot reach the budget pruned by the exact
minimum over the remaining factor boxes, costs pruned by an incumbent) with r_L solved in
closed form; every number is a Fraction.  Brute force over factor vectors agrees
(``tests/test_harden.py``).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from .exact import fmt_exact
from .failures import FailureModel
from .network import Network

__all__ = ["FactorSearch", "replicated_fep", "fewest_factors", "factor_candidates",
           "fep_without_minus_f"]

Reading = Literal["exactly", "at_most"]


@dataclass(frozen=True)
class FactorSearch:
    """The outcome of the factor search (closed form)."""

    factors: tuple[int, ...] | None  # None: no factors <= max_factor reach the budget
    added: int | None  # neurons added, sum N_l (r_l - 1)
    fep: Fraction | None  # Fep of the replicated network (sound: C + 1 in the value reading)
    budget: Fraction
    minimal: bool  # the search finished: no factor vector with fewer neurons works
    nodes: int
    best_reachable: Fraction | None  # exact min of Fep over the factor box (None: empty box)
    best_reachable_factors: tuple[int, ...]
    max_factor: int
    reading: Reading
    last_layer_floor: Fraction  # D f_L w_m^(L+1) / max_factor: no replication goes below it
    uniform_sufficient: int | None  # Corollary 1: uniform r with Fep_0 / r <= budget

    def to_json(self) -> dict[str, Any]:
        return {"factors": None if self.factors is None else list(self.factors),
                "added_neurons": self.added,
                "fep": None if self.fep is None else fmt_exact(self.fep),
                "fep_float": None if self.fep is None else float(self.fep),
                "budget": fmt_exact(self.budget), "minimal": self.minimal,
                "nodes": self.nodes, "max_factor": self.max_factor, "reading": self.reading,
                "best_reachable": None if self.best_reachable is None
                else fmt_exact(self.best_reachable),
                "best_reachable_float": None if self.best_reachable is None
                else float(self.best_reachable),
                "best_reachable_factors": list(self.best_reachable_factors),
                "last_layer_floor": fmt_exact(self.last_layer_floor),
                "uniform_sufficient": self.uniform_sufficient}


def _coeffs(net: Network, model: FailureModel, output: int | None) -> tuple[list[Fraction],
                                                                           Fraction]:
    a = [net.K * net.max_abs_weight(l, output) for l in range(1, net.depth + 1)]
    scale = model.neuron_deviation(net) * net.max_abs_weight(net.depth + 1, output)
    return a, scale


def _step(e: Fraction, N: int, f: int, a: Fraction, t: Fraction, reading: Reading) -> Fraction:
    if reading == "exactly":
        return f * t + (N - f * t) * a * e
    return N * a * e + max(Fraction(0), f * t * (1 - a * e))


def min_factor(N: int, f: int) -> int:
    """The smallest r with f < N r (Theorem 3 needs a correct neuron left)."""
    return f // N + 1


def replicated_fep(net: Network, failures: Sequence[int], factors: Sequence[int],
                   model: FailureModel | None = None, reading: Reading = "exactly",
                   output: int | None = None) -> Fraction:
    """Fep (sound deviation) of ``net`` replicated by ``factors``, without building it."""
    model = model or FailureModel.crash()
    a, scale = _coeffs(net, model, output)
    e = Fraction(0)
    for N, f, al, r in zip(net.widths, failures, a, factors, strict=True):
        e = _step(e, N, f, al, Fraction(1, r), reading)
    return scale * e


def fep_without_minus_f(net: Network, failures: Sequence[int], model: FailureModel,
                        output: int | None = None) -> Fraction:
    """Fep_0 of ``proofs/corollary1.py`` (N_l instead of N_l - f_l): Fep_r <= Fep_0 / r."""
    a, scale = _coeffs(net, model, output)
    e = Fraction(0)
    for N, f, al in zip(net.widths, failures, a, strict=True):
        e = f + N * al * e
    return scale * e


def factor_candidates(N: int, f: int, max_factor: int, powers_of_two: bool) -> list[int]:
    """Admissible factors of one layer, ascending (empty when f >= N * max_factor)."""
    lo = min_factor(N, f)
    if powers_of_two:
        out, r = [], 1
        while r <= max_factor:
            if r >= lo:
                out.append(r)
            r *= 2
        return out
    return list(range(lo, max_factor + 1))


def _box_min(e: Fraction, layers: Sequence[tuple[int, int, Fraction, list[int]]],
             reading: Reading) -> tuple[Fraction, list[int]]:
    """Exact min of e_L over the remaining layers' factor sets (endpoints suffice: e_l is
    affine / convex in t_l and non-decreasing in e_(l-1))."""
    chosen = []
    for N, f, a, cands in layers:
        e, r = min((_step(e, N, f, a, Fraction(1, r), reading), r)
                   for r in {cands[0], cands[-1]})
        chosen.append(r)
    return e, chosen


def fewest_factors(net: Network, failures: Sequence[int], budget: Fraction,
                   model: FailureModel | None = None, max_factor: int = 100,
                   reading: Reading = "exactly", output: int | None = None,
                   powers_of_two: bool = False, max_nodes: int = 2_000_000) -> FactorSearch:
    """The factors (r_1..r_L), r_l <= max_factor, with the fewest added neurons such that
    the replicated network's Fep <= budget (Theorem 3 in ``reading``)."""
    model = model or FailureModel.crash()
    if model.fails_synapses:
        raise ValueError("--model: replication bounds neuron failures (crash, byzantine)")
    if max_factor < 1:
        raise ValueError(f"--max-factor: must be >= 1, got {max_factor}")
    budget = Fraction(budget)
    f = tuple(int(v) for v in failures)
    if len(f) != net.depth:
        raise ValueError(f"--failures: expected {net.depth} values, one per hidden layer, "
                         f"got {len(f)}")
    a, scale = _coeffs(net, model, output)
    N = net.widths
    cands = [factor_candidates(n, fl, max_factor, powers_of_two) for n, fl in zip(N, f)]
    L = net.depth
    floor = scale * f[-1] / (cands[-1][-1] if cands[-1] else max_factor)
    fep0 = fep_without_minus_f(net, f, model, output)
    uniform = None if budget <= 0 and fep0 > 0 else (
        1 if fep0 <= budget else max(math.ceil(fep0 / budget), *(min_factor(n, fl)
                                                                for n, fl in zip(N, f))))
    if any(not c for c in cands):
        return FactorSearch(None, None, None, budget, True, 0, None, (), max_factor,
                            reading, floor, uniform)
    layers = list(zip(N, f, a, cands))
    T = None if scale == 0 else budget / scale
    emin, rmin = _box_min(Fraction(0), layers, reading)
    best_reach = scale * emin
    if T is not None and emin > T:
        return FactorSearch(None, None, None, budget, True, 0, best_reach, tuple(rmin),
                            max_factor, reading, floor, uniform)
    rest_min = [sum(n * c[0] for n, c in zip(N[k:], cands[k:])) for k in range(L + 1)]
    best: list[Any] = [None, None]  # cost, factors
    nodes = 0
    complete = True

    def last(e: Fraction) -> int | None:
        n, fl, al, cs = layers[-1]
        if T is None:
            return cs[0]
        base = n * al * e
        s = fl * (1 - al * e)
        if s <= 0:
            return cs[0] if _step(e, n, fl, al, Fraction(1, cs[0]), reading) <= T else None
        if base >= T:
            return None
        need = s / (T - base)  # r >= need
        i = bisect.bisect_left(cs, math.ceil(need))
        return cs[i] if i < len(cs) else None

    def offer(cost: int, e: Fraction, chosen: tuple[int, ...]) -> None:
        r = last(e)
        if r is not None and (best[0] is None or cost + N[-1] * r < best[0]):
            best[0], best[1] = cost + N[-1] * r, (*chosen, r)

    # an incumbent: the cheapest uniform factor (prunes by cost from the start)
    for r in sorted({r for c in cands[:-1] for r in c}):
        fixed = [max(r, c[0]) if max(r, c[0]) in c else None for c in cands[:-1]]
        if None in fixed:
            continue
        e = Fraction(0)
        for (n, fl, al, _), rr in zip(layers[:-1], fixed):
            e = _step(e, n, fl, al, Fraction(1, rr), reading)
        offer(sum(n * rr for n, rr in zip(N, fixed)), e, tuple(fixed))  # type: ignore[misc]
        if best[0] is not None:
            break
    # Pareto dynamic programme over layers 1..L-1: states (cost, e) where no cheaper state
    # has a smaller or equal e (e_L is non-decreasing in e_(l-1), cost is additive, so a
    # dominated state never leads to a cheaper solution); r_L in closed form.
    states: list[tuple[int, Fraction, tuple[int, ...]]] = [(0, Fraction(0), ())]
    for k in range(L - 1):
        n, fl, al, cs = layers[k]
        nxt: dict[int, tuple[Fraction, tuple[int, ...]]] = {}
        for cost, e, chosen in states:
            for r in cs:
                c = cost + n * r
                if best[0] is not None and c + rest_min[k + 1] >= best[0]:
                    break
                nodes += 1
                e2 = _step(e, n, fl, al, Fraction(1, r), reading)
                old = nxt.get(c)
                if old is None or e2 < old[0]:
                    nxt[c] = (e2, (*chosen, r))
            if nodes > max_nodes:
                complete = False
                break
        if not complete:
            break
        states = []
        lowest: Fraction | None = None
        for c in sorted(nxt):
            e2, chosen = nxt[c]
            if lowest is not None and e2 >= lowest:
                continue
            lowest = e2
            if T is not None and _box_min(e2, layers[k + 1:], reading)[0] > T:
                continue
            states.append((c, e2, chosen))
    if complete:
        for cost, e, chosen in states:
            if best[0] is not None and cost + rest_min[L - 1] >= best[0]:
                break
            offer(cost, e, chosen)
    if best[1] is None:
        return FactorSearch(None, None, None, budget, complete, nodes, best_reach, tuple(rmin),
                            max_factor, reading, floor, uniform)
    factors = tuple(best[1])
    value = replicated_fep(net, f, factors, model, reading, output)
    return FactorSearch(factors, sum(n * (r - 1) for n, r in zip(N, factors)), value, budget,
                        complete, nodes, best_reach, tuple(rmin), max_factor, reading, floor,
                        uniform)
