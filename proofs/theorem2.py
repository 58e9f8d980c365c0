"""Theorem 2 (Section 4.1): Fep, the forward error propagation bound.

    Fep = C sum_{l=1}^{L} f_l K^(L-l) w_m^(L+1) prod_{l'=l+1}^{L} (N_l' - f_l') w_m^(l')

Derived here from the neuron-level recurrence (``fepproof.symbolic.recurrence``), not typed
in: (a) unrolled for every depth L = 1..12, (b) the induction step for a symbolic L.
The printed induction step drops the output weight w_m^(L+2) on the correct neurons'
term; that is refuted by its non-zero residual and the corrected step is (b).
"""

import sympy as sp

from fepproof.obligations import Erratum, obligation
from fepproof.obligations.engines import identity
from fepproof.obligations.model import proved, unknown
from fepproof.symbolic.derivation import theorem2_step, theorem2_step_as_written
from fepproof.symbolic.induction import induction_step, rules_agree
from fepproof.symbolic.notation import C, K, L, N, f, w
from fepproof.symbolic.recurrence import (
    check_closed_form,
    fep_closed,
    fep_sum,
    theorem2_unrolled,
)

DEPTHS = range(1, 13)


@obligation(
    id="theorem2.closed_form_L1to12", result="Theorem 2", method="sympy identity",
    expected="proved",
    statement_text="for L = 1..12: unrolling delta_l = K w_m^(l) (f_(l-1) C + (N_(l-1) - "
                   "f_(l-1)) delta_(l-1)), delta_1 = 0, Delta = w_m^(L+1) (f_L C + (N_L - f_L) "
                   "delta_L) gives exactly Fep",
    statement=sp.Eq(theorem2_unrolled(3)[1], fep_closed(3)))
def closed_form_concrete():
    res = {f"L={d}": check_closed_form(fep_closed, lambda d: theorem2_unrolled(d)[1], d)
           for d in DEPTHS}
    return identity("unrolled recurrence = Fep for L = 1..12", res)


@obligation(
    id="theorem2.induction_step", result="Theorem 2", method="sympy identity",
    expected="proved",
    statement_text="for a symbolic depth L: Fep(L+1) = w_m^(L+2) (f_(L+1) C + (N_(L+1) - "
                   "f_(L+1)) K Fep(L)), with Fep written as a sympy Sum of Products",
    statement=sp.Eq(fep_sum(L + 1), theorem2_step(L, fep_sum(L))))
def induction_step_holds():
    ind = induction_step(fep_sum, theorem2_step)
    v = identity("Theorem 2 induction step (symbolic L)", {"step": ind.residual})
    if v.status.value == "proved" and not rules_agree(fep_sum, ind.chain[-1][0]):
        return identity("rewrite rules disagree with doit()", {"rules": sp.Symbol("mismatch")})
    return v


@obligation(
    id="theorem2.induction_step_as_written", result="Theorem 2", method="sympy identity",
    expected="refuted",
    statement_text="the printed step: f_(L+1) w_m^(L+2) C + (N_(L+1) - f_(L+1)) K E equals "
                   "Fep(L+1) when E = Fep(L)",
    statement=sp.Eq(fep_sum(L + 1), theorem2_step_as_written(L, fep_sum(L))),
    erratum=Erratum(
        as_written_text="||F_neu - F_lambda|| <= f_(L+1) w_m^(L+2) C + (N_(L+1) - f_(L+1)) K E",
        as_written=theorem2_step_as_written(L, sp.Symbol("E")),
        evidence_text="the residual against Fep(L+1) is (w_m^(L+2) - 1) times the correct "
                      "neurons' term: non-zero unless w_m^(L+2) = 1 (the proof drops the "
                      "output weight on the correct neurons' error)",
        corrected_id="theorem2.induction_step"))
def induction_step_as_written():
    ind = induction_step(fep_sum, theorem2_step_as_written)
    point = {L: 1, K: 2, C: 1, f[1]: 1, f[2]: 0, N[1]: 2, N[2]: 2, w[1]: 1, w[2]: 1,
             w[3]: sp.Rational(1, 2)}
    return identity("Theorem 2 induction step as printed", {"step": ind.residual}, point)


@obligation(
    id="theorem2.tight_in_limit", result="Theorem 2", method="sympy limit",
    expected="proved",
    statement_text="typed in: "
                   "'the bound is tight' holds as a limit: L = 2, N = (1, 1), f = (1, 0), a "
                   "Byzantine layer-1 neuron off by C, the layer-2 neuron's nominal sum at 0: "
                   "error / Fep = (phi_K(w C) - 1/2) / (K w C) -> 1 as w = w_m^(2) -> 0")
def tight_in_limit():
    a = sp.Symbol("a", positive=True)  # a = w_m^(2) C, the shift of the layer-2 sum
    k = sp.Symbol("K", positive=True)
    ratio = (1 / (1 + sp.exp(-4 * k * a)) - sp.Rational(1, 2)) / (k * a)
    lim = sp.limit(ratio, a, 0, "+")
    if lim == 1:
        return proved("sup error / Fep = 1 (approached as w_m^(2) C -> 0)", "sympy",
                      ratio=str(ratio), limit="1")
    return unknown("tight in the limit", "sympy", limit=str(lim))
