"""Lemma 1 (Section 2.2): with unbounded transmission no network tolerates one Byzantine
neuron; also derived as the limit C -> infinity of Theorem 3 (Section 4.2)."""

import sympy as sp

from fepproof.obligations import obligation
from fepproof.obligations.model import proved, unknown
from fepproof.symbolic.notation import C, f
from fepproof.symbolic.recurrence import correct_counts, fep_closed


@obligation(
    id="lemma1.unbounded_deviation", result="Lemma 1", method="sympy limit",
    expected="proved",
    statement_text="typed in: "
                   "a Byzantine neuron of layer L with output weight w != 0 sending v moves "
                   "the output by |w| |v - y|, which tends to infinity with v: no eps holds")
def unbounded_deviation():
    v = sp.Symbol("v", positive=True)
    wt = sp.Symbol("w", positive=True)
    y = sp.Symbol("y", positive=True)
    lim = sp.limit(wt * (v - y), v, sp.oo)
    if lim is sp.oo:
        return proved("output deviation -> oo", "sympy", limit=str(lim))
    return unknown("output deviation -> oo", "sympy", limit=str(lim))


@obligation(
    id="lemma1.limit_of_theorem3_L1to4", result="Lemma 1", method="sympy limit",
    expected="proved",
    statement_text="for L = 1..4 and any distribution with f_1 >= 1: Fep -> oo as C -> oo, "
                   "so Fep <= eps - eps' forces N_fail -> 0 (Section 4.2's remark)")
def limit_of_theorem3():
    lims = {}
    g = sp.Symbol("g", nonnegative=True)
    for d in range(1, 5):
        e = fep_closed(d).xreplace(correct_counts(d)).xreplace({f[1]: 1 + g})
        plain = {s: sp.Symbol(str(s).replace("[", "_").replace("]", ""), positive=True)
                 for s in e.atoms(sp.Indexed)}
        e = e.xreplace(plain)
        lims[f"L={d}"] = sp.limit(e, C, sp.oo)
    if all(x is sp.oo for x in lims.values()):
        return proved("Fep -> oo as C -> oo", "sympy", limits={k: str(x) for k, x in lims.items()})
    return unknown("Fep -> oo as C -> oo", "sympy", limits={k: str(x) for k, x in lims.items()})
