"""Theorem 2 as data: the neuron-level model, the recurrence and the chain of steps that
turns it into the paper's Fep (consumed by the LaTeX generator and checked by the
obligations ``theorem2.closed_form_L1to12`` / ``theorem2.induction_step``)."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .induction import induction_step
from .notation import ACTIVATION, C, Delta, K, L, N, delta, f, l, w
from .recurrence import fep_closed, fep_sum, theorem2_unrolled
from .steps import lipschitz_step, output_step

__all__ = ["Step", "Derivation", "fep_derivation", "theorem2_step", "theorem2_step_as_written"]


@dataclass(frozen=True)
class Step:
    """One link of a chain: ``lhs relation rhs`` justified by ``rule`` (lhs None = the
    previous right-hand side)."""

    lhs: sp.Expr | None
    relation: str  # "=" or "<="
    rhs: sp.Expr
    rule: str


@dataclass(frozen=True)
class Derivation:
    """A derivation of a closed form from a recurrence (Theorem 2)."""

    title: str
    model: list[tuple[str, sp.Basic]]
    recurrence: sp.Eq
    steps: list[Step]
    obligation_id: str


def theorem2_step(depth: sp.Expr, E: sp.Expr) -> sp.Expr:
    """The (L+1)-layer output error from the L-layer error E (each neuron of layer L+1 is
    the output node of an L-layer network): failed neurons add C, correct ones K E, and
    the linear output node weighs both by at most w_m^(L+2)."""
    return output_step(w[depth + 2], f[depth + 1], N[depth + 1], C, lipschitz_step(K, E))


def theorem2_step_as_written(depth: sp.Expr, E: sp.Expr) -> sp.Expr:
    """The paper's induction step as printed: f_(L+1) w_m^(L+2) C + (N_(L+1) - f_(L+1)) K E."""
    return f[depth + 1] * w[depth + 2] * C + (N[depth + 1] - f[depth + 1]) * K * E


def _model() -> list[tuple[str, sp.Basic]]:
    return [
        ("activation (K-Lipschitz, Section 2.1)", ACTIVATION),
        ("error of a failed neuron (Assumption 1)", C),
        ("largest weight into layer l", sp.Eq(w[l], sp.Symbol("w_m^{(l)}"))),
        ("error of a correct neuron of layer 1 (exact inputs)", sp.Eq(delta[1], 0)),
        ("output error (linear output node, layer L+1)",
         sp.Eq(Delta, w[L + 1] * (f[L] * C + (N[L] - f[L]) * delta[L]))),
        ("Fep (Theorem 2)", sp.Eq(sp.Symbol("Fep"), fep_sum(L))),
    ]


RECURRENCE = sp.Eq(delta[l], K * w[l] * (f[l - 1] * C + (N[l - 1] - f[l - 1]) * delta[l - 1]))


def _concrete_steps(depth: int) -> list[Step]:
    deltas, out = theorem2_unrolled(depth)
    steps = [Step(Delta, "<=", w[depth + 1] * (f[depth] * C + (N[depth] - f[depth])
                                               * delta[depth]),
                  "triangle inequality at the linear output node, |w| <= w_m^(L+1) "
                  "(model.neuron_step_N1to4, output node)")]
    cur = steps[0].rhs
    for i in range(depth, 1, -1):
        cur = cur.subs(delta[i], K * w[i] * (f[i - 1] * C + (N[i - 1] - f[i - 1])
                                             * delta[i - 1]))
        steps.append(Step(None, "<=", cur,
                          f"recurrence at l = {i}: triangle inequality, |w| <= w_m^({i}), "
                          "K-Lipschitz phi (model.neuron_step_N1to4)"))
    cur = cur.subs(delta[1], 0)
    steps.append(Step(None, "=", cur, "delta_1 = 0: layer 1 reads the exact input"))
    steps.append(Step(None, "=", fep_closed(depth),
                      "expand (residual 0, checked by theorem2.closed_form_L1to12)"))
    return steps


def _symbolic_steps() -> list[Step]:
    ind = induction_step(fep_sum, theorem2_step)
    Err = sp.Function("Delta")
    steps = [
        Step(Err(L + 1), "<=", theorem2_step(L, Err(L)),
             "one-layer recurrence: each neuron of layer L+1 is the output node of an "
             "L-layer network; failed ones add C, correct ones K times that network's "
             "error, and the linear output node weighs both by at most w_m^(L+2) "
             "(model.lipschitz_step, model.neuron_step_N1to4)"),
        Step(None, "<=", ind.target,
             "induction hypothesis Delta(L) <= Fep(L) (the right side is increasing in it)"),
        Step(None, "=", ind.chain[3][0],
             f"expand; equal to the next line with residual {ind.residual} "
             "(checked by theorem2.induction_step)"),
    ]
    # the rewrite chain read backwards: from the normalized sum back to Fep(L+1)
    rules = [rule for _, rule in ind.chain]
    for k in (2, 1, 0):
        steps.append(Step(None, "=", ind.chain[k][0], rules[k + 1]))
    steps.append(Step(None, "=", sp.Function("Fep")(L + 1), rules[0]))
    return steps


def fep_derivation(depth: int | None) -> Derivation:
    """Theorem 2: derive Fep from the neuron-level recurrence, unrolled for a concrete
    depth (``depth`` >= 1) or as the induction step for a symbolic L (``None``)."""
    if depth is None:
        return Derivation("Theorem 2: Fep by induction on the depth L", _model(),
                          RECURRENCE, _symbolic_steps(), "theorem2.induction_step")
    if depth < 1:
        raise ValueError(f"depth: need >= 1, got {depth}")
    return Derivation(f"Theorem 2: Fep for depth L = {depth}", _model(), RECURRENCE,
                      _concrete_steps(depth), "theorem2.closed_form_L1to12")
