"""Small check helpers the proofs files share: sympy identities (residual 0), sympy
inequalities (a polynomial with non-negative coefficients in non-negative variables),
z3 UNSAT of the negated claim, and the replay of a refuting witness."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Any

import sympy as sp

from ..verdict import Verdict
from .model import proved, refuted, unknown

__all__ = ["identity", "nonneg_polynomial", "z3_unsat", "z3_real", "witness_exceeds"]


def identity(claim: str, residuals: dict[str, sp.Expr], point: dict | None = None) -> Verdict:
    """``proved`` when every residual is structurally 0; a non-zero residual is ``refuted``
    only with a point where it evaluates to a non-zero rational (``point``)."""
    bad = {k: r for k, r in residuals.items() if r != 0}
    if not bad:
        return proved(claim, "sympy", residuals={k: "0" for k in residuals})
    if point is None:
        return unknown(claim, "sympy", reason="residual not reduced to 0",
                       residuals={k: str(r) for k, r in bad.items()})
    from ..symbolic.rewrite import nonzero_witness
    values = {k: nonzero_witness(r, point) for k, r in bad.items()}
    if all(v.is_Rational and v != 0 for v in values.values()):
        return refuted(claim, "sympy", residuals={k: str(r) for k, r in bad.items()},
                       point={str(k): str(v) for k, v in point.items()},
                       residual_at_point={k: str(v) for k, v in values.items()})
    return unknown(claim, "sympy", reason="residual not shown non-zero",
                   residuals={k: str(r) for k, r in bad.items()})


def nonneg_polynomial(claim: str, exprs: dict[str, sp.Expr],
                      variables: Iterable[sp.Expr]) -> Verdict:
    """``proved`` when each expression expands to a polynomial in ``variables`` (all
    non-negative) whose coefficients are all >= 0; otherwise ``unknown`` (not a proof
    of the converse)."""
    vs = list(variables)
    worst: dict[str, str] = {}
    for name, e in exprs.items():
        poly = sp.Poly(sp.expand(e), *vs)
        neg = [c for c in poly.coeffs() if not (c.is_number and c >= 0)]
        if neg:
            worst[name] = str(neg[0])
    if worst:
        return unknown(claim, "sympy", reason="a coefficient is not >= 0", coefficients=worst)
    return proved(claim, "sympy", method="expanded polynomial, all coefficients >= 0, "
                  "all variables >= 0", checked=sorted(exprs))


def z3_real(name: str):
    import z3
    return z3.Real(name)


def z3_unsat(claim: str, hypotheses: Sequence[Any], goal: Any,
             timeout_ms: int = 10_000, nonlinear: bool = False,
             rlimit: int | None = None) -> Verdict:
    """Prove hypotheses => goal by UNSAT of hypotheses /\\ not goal (exact rationals).
    ``nonlinear``: use z3's complete procedure for real polynomial arithmetic (nlsat,
    quantifier- and function-free formulas only).  ``rlimit``: a deterministic resource
    limit as well (z3 may overrun its wall-clock timeout inside quantifier reasoning)."""
    import z3
    s = z3.Tactic("qfnra-nlsat").solver() if nonlinear else z3.Solver()
    s.set("timeout", timeout_ms)
    if rlimit is not None:
        s.set("rlimit", rlimit)
    s.set("seed" if nonlinear else "random_seed", 0)
    s.add(*hypotheses)
    s.add(z3.Not(goal))
    r = s.check()
    if r == z3.unsat:
        return proved(claim, "z3", answer="unsat", negated_goal=str(z3.Not(goal)))
    if r == z3.sat:
        m = s.model()
        return refuted(claim, "z3", answer="sat",
                       counterexample={str(d): str(m[d]) for d in m.decls()})
    return unknown(claim, "z3", answer="unknown", reason=s.reason_unknown())


def witness_exceeds(claim: str, net, witness, model, bound: Fraction,
                    extra: dict[str, Any] | None = None) -> Verdict:
    """``refuted`` when the witness obeys the failure model and its replayed error (a
    rational just below the mpmath value) exceeds ``bound``."""
    from ..exact import fmt_exact
    from ..network import network_to_dict
    from ..replay import replay
    r = replay(net, witness, model)
    lower = r.error_fraction_lower()
    ev = {"network": network_to_dict(net), "failure_model": model.to_json(),
          "witness": witness.to_json(),
          "replay": r.to_json(), "bound": fmt_exact(bound), "bound_float": float(bound),
          "error_lower": fmt_exact(lower), **(extra or {})}
    if r.valid and lower > bound:
        return refuted(claim, "replay", **ev)
    return unknown(claim, "replay", reason="witness does not exceed the bound", **ev)
