"""Theorem 3's frontier: the maximal per-layer failure distributions a network tolerates.

Two readings, always named in the output:

* ``exactly`` (Definition 3): f is tolerated when Fep(f) <= eps - eps' (and f_l < N_l).
  Fep is not monotone, so this set is not closed downwards: a tolerated f may dominate
  untolerated distributions.
* ``at_most``: f is tolerated when every g <= f is, i.e. max_{g<=f} Fep(g) <= eps - eps'.
  This set is closed downwards; it answers "tolerates up to f_l failures per layer".

No blind enumeration.  With a_l = K w_m^(l), Fep = D w_m^(L+1) e_L and
e_l = f_l + (N_l - f_l) a_l e_(l-1).  Fixing f_l = v turns "e_l <= beta" into
"e_(l-1) <= beta'(v)", so the frontier of layer l is assembled from frontiers of layer
l-1 under budgets beta'(v), keeping (v, p) only when no larger v' admits some p' >= p.
That test is one exact box-minimum (or a membership test for ``at_most``), O(l).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .bounds import ToleranceReading, _check_eps, _recursion
from .exact import fmt_exact, to_fraction
from .failures import FailureError, FailureModel
from .network import Network

__all__ = ["Frontier", "frontier"]

Budget = Fraction | None  # None: unbounded


@dataclass(frozen=True)
class Frontier:
    """The maximal tolerated distributions (Theorem 3) in one reading."""

    points: tuple[tuple[int, ...], ...]
    reading: ToleranceReading
    budget: Fraction
    model: FailureModel
    truncated: bool
    limit: int

    def to_json(self) -> dict[str, Any]:
        return {"reading": self.reading, "budget": fmt_exact(self.budget),
                "budget_float": float(self.budget), **self.model.to_json(),
                "frontier": [list(p) for p in self.points], "count": len(self.points),
                "truncated": self.truncated, "limit": self.limit}


class _Search:
    def __init__(self, N: Sequence[int], a: Sequence[Fraction], limit: int):
        self.N, self.a, self.limit = list(N), list(a), limit
        self.memo: dict[tuple[int, Budget, bool], list[tuple[int, ...]]] = {}
        self.truncated = False

    # -- helpers -------------------------------------------------------------------
    def e_min_box(self, lo: Sequence[int], l: int) -> Fraction:
        """min of e_l over lo <= g <= N - 1 (layers 1..l)."""
        e = Fraction(0)
        for j in range(l):
            e = min(g + (self.N[j] - g) * self.a[j] * e for g in (lo[j], self.N[j] - 1))
        return e

    def m_value(self, g: Sequence[int], l: int) -> Fraction:
        """M_l(g) = max_{h <= g} e_l(h)."""
        m = Fraction(0)
        for j in range(l):
            m = max(self.N[j] * self.a[j] * m, g[j] + (self.N[j] - g[j]) * self.a[j] * m)
        return m

    def sub_budget(self, l: int, beta: Fraction, v: int, at_most: bool) -> Budget:
        """Budget on e_(l-1) (or M_(l-1)) once f_l = v (l is 1-based, l >= 2)."""
        n, a = self.N[l - 1], self.a[l - 1]
        if beta < v:
            raise ValueError("infeasible")
        c = (n - v) * a
        b1: Budget = None if c == 0 else (beta - v) / c
        if not at_most:
            return b1
        b2: Budget = None if n * a == 0 else beta / (n * a)
        if b1 is None:
            return b2
        if b2 is None:
            return b1
        return min(b1, b2)

    # -- recursion -----------------------------------------------------------------
    def maximal(self, l: int, beta: Budget, at_most: bool) -> list[tuple[int, ...]]:
        key = (l, beta, at_most)
        if key in self.memo:
            return self.memo[key]
        if beta is None:
            out = [tuple(n - 1 for n in self.N[:l])]
        elif beta < 0:
            out = []
        elif l == 1:
            out = [(min(self.N[0] - 1, math.floor(beta)),)]
        else:
            out = []
            top = min(self.N[l - 1] - 1, math.floor(beta))
            # beta >= N_l: the budget left for layer l-1 does not shrink as v grows, so
            # every (v, p) with v < N_l - 1 is dominated by (N_l - 1, p).
            low = top if beta >= self.N[l - 1] else 0
            for v in range(top, low - 1, -1):
                sub = self.sub_budget(l, beta, v, at_most)
                nxt: list[Budget] = []
                for w in {v + 1, self.N[l - 1] - 1}:
                    if v < w <= top:
                        nxt.append(self.sub_budget(l, beta, w, at_most))
                for p in self.maximal(l - 1, sub, at_most):
                    if not any(self._admits(p, l - 1, b, at_most) for b in nxt):
                        out.append(p + (v,))
                        if len(out) >= self.limit:
                            self.truncated = True
                            break
                if self.truncated:
                    break
        self.memo[key] = out
        return out

    def _admits(self, p: Sequence[int], l: int, beta: Budget, at_most: bool) -> bool:
        """Does the budget-beta set of layer l contain some p' >= p?"""
        if beta is None:
            return True
        if at_most:
            return self.m_value(p, l) <= beta
        return self.e_min_box(p, l) <= beta


def frontier(net: Network, epsilon: object, epsilon_prime: object,
             model: FailureModel | None = None, reading: ToleranceReading = "exactly",
             limit: int = 10_000, output: int | None = None) -> Frontier:
    """Theorem 3: every maximal distribution f (0 <= f_l < N_l) that is tolerated.

    ``limit`` caps the number of points returned; ``truncated`` says when it was hit.
    """
    model = model or FailureModel.crash()
    if model.fails_synapses:
        raise FailureError("frontier: the synapse model is not supported (use neurons)")
    eps, epsp = to_fraction(epsilon, "epsilon"), to_fraction(epsilon_prime, "epsilon_prime")
    _check_eps(eps, epsp)
    if reading not in ("exactly", "at_most"):
        raise FailureError(f"reading: unknown tolerance reading {reading!r}")
    if limit < 1:
        raise FailureError("--limit: must be >= 1")
    budget = eps - epsp
    N, a = _recursion(net, output)
    scale = model.neuron_deviation(net) * net.max_abs_weight(net.depth + 1, output)
    beta: Budget = None if scale == 0 else budget / scale
    search = _Search(N, a, limit)
    points = search.maximal(net.depth, beta, reading == "at_most")
    return Frontier(tuple(sorted(points, reverse=True)), reading, budget, model,
                    search.truncated, limit)
