"""The induction step for a symbolic depth L (Theorems 2, 4 and 5).

Given a closed form ``closed(L)`` written with sympy ``Sum``/``Product`` (L a Symbol) and
the one-layer recurrence ``step(L, E)`` (the error of an (L+1)-layer network from the
error E of the L-layer network on its left), the step rewrites closed(L+1) by the sound
rules of :mod:`.rewrite` - split off the last layer, peel the last factor off every
product, pull constants out of the sum - and compares the result with
step(L, closed(L)).  The residual is 0 exactly when the induction step holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from .notation import L
from .rewrite import normalize, peel_last, split_last

__all__ = ["InductionStep", "induction_step", "rules_agree"]


@dataclass(frozen=True)
class InductionStep:
    """The chain closed(L+1) = ... = step(L, closed(L)) and its residual."""

    chain: tuple[tuple[sp.Expr, str], ...]  # (expression, rule that produced it)
    target: sp.Expr  # step(L, closed(L)), the recurrence applied to the hypothesis
    residual: sp.Expr

    @property
    def holds(self) -> bool:
        return self.residual == 0


def induction_step(closed: Callable[[sp.Expr], sp.Expr],
                   step: Callable[[sp.Expr, sp.Expr], sp.Expr]) -> InductionStep:
    """Rewrite closed(L+1) towards step(L, closed(L)) and return the residual."""
    e0 = closed(L + 1)
    e1 = split_last(e0)
    e2 = peel_last(e1, L + 1)
    e3 = normalize(e2)
    target = step(L, closed(L))
    res = sp.expand(e3 - normalize(target))
    chain = ((e0, "definition of the closed form at depth L + 1"),
             (e1, "split off the last layer l = L + 1 (empty product = 1)"),
             (e2, "peel the factor l' = L + 1 off each product (l <= L)"),
             (e3, "constants out of the sum, K^(L+1-l) = K^(L+1) K^(-l)"))
    return InductionStep(chain, target, res)


def rules_agree(closed: Callable[[sp.Expr], sp.Expr], chain_expr: sp.Expr,
                depths: range = range(1, 4)) -> bool:
    """Sanity check of the rewrite rules: at concrete L the rewritten expression equals
    closed(L+1) once every Sum/Product is expanded."""
    for d in depths:
        a = closed(L + 1).subs(L, d).doit()
        b = chain_expr.subs(L, d).doit()
        if sp.expand(a - b) != 0:
            return False
    return True
